// SPDX-License-Identifier: GPL-2.0

//! Streams built the way relay-rs writes them (headers, driver headers of
//! any length the geometry allows, records, padding
//! stripped by `read()`, the last sub-buffer possibly open) decode to exactly
//! the records, however they are cut into reads; and a reader that takes
//! over at any byte (`last_read_byte` + `resume`) gets exactly the rest.

#![no_main]

use kfiles_core::relay::{
    Geometry, StreamDecoder, SubbufHeader, MAX_DRIVER_HEADER, MIN_SUBBUF_SIZE, OPEN,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let size = MIN_SUBBUF_SIZE + usize::from(data[0]);
    let n = 2 + usize::from(data[1] % 7);
    let driver_header =
        usize::from(data[2] >> 1) % (usize::from(data[0]).min(MAX_DRIVER_HEADER) + 1);
    let geometry = Geometry::new(size, n)
        .and_then(|g| g.with_driver_header(driver_header))
        .expect("valid geometry");
    let records_at = geometry.records_offset(true);
    let last_open = data[2] & 1 != 0;
    let chunk = usize::from(data[3]) + 1;
    let lengths: Vec<usize> = data[4..]
        .iter()
        .take(n)
        .map(|&b| usize::from(b) % (geometry.max_record(true) + 1))
        .collect();
    // The stream, the ring it came from, and each stream byte's ring offset.
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    let mut offsets = Vec::new();
    let mut headers = Vec::new();
    for (i, &len) in lengths.iter().enumerate() {
        let open = last_open && i + 1 == lengths.len();
        let header = SubbufHeader {
            padding: if open {
                OPEN
            } else {
                (geometry.max_record(true) - len) as u32
            },
            sequence: i as u32,
            geometry,
            overwrite: false,
            generation: 0,
        };
        headers.push(header);
        stream.extend_from_slice(&header.encode());
        // The driver header: bytes the decoder must drop.
        stream.extend((0..driver_header).map(|k| !(k as u8)));
        offsets.extend((0..records_at).map(|k| i * size + k));
        for k in 0..len {
            let byte = (i * 31 + k) as u8;
            stream.push(byte);
            expected.push(byte);
            offsets.push(i * size + records_at + k);
        }
    }
    if stream.is_empty() {
        return;
    }
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    for part in stream.chunks(chunk) {
        decoder
            .feed(part, |_| None, |r| out.extend_from_slice(r))
            .expect("valid stream");
    }
    assert_eq!(out, expected);
    decoder.finish().expect("whole headers");

    // Take over after byte `cut`. relay's position then is the next byte's,
    // or, after a sub-buffer's last record byte, the next sub-buffer's start
    // (its padding skipped; an open sub-buffer's padding counts as 0).
    let cut = usize::from(data[0]) * 7 % stream.len();
    let i = offsets[cut] / size;
    let data_end = match headers[i].record_bytes() {
        Some(len) => i * size + records_at + len,
        None => (i + 1) * size,
    };
    let end_pos = if offsets[cut] + 1 == data_end {
        data_end.next_multiple_of(size) % (size * n)
    } else {
        offsets[cut] + 1
    };
    let padding = |i: usize| {
        headers
            .get(i)
            .and_then(|h| h.is_finished().then_some(h.padding))
    };
    let Some((index, offset)) = geometry.last_read_byte(end_pos, padding) else {
        // Only at an open sub-buffer's end is the padding unknown.
        assert!(end_pos % size == 0 && !headers[i].is_finished());
        return;
    };
    assert_eq!(index * size + offset, offsets[cut]);
    let mut resumed = StreamDecoder::resume(&headers[index], offset).expect("a real position");
    let mut rest = Vec::new();
    resumed
        .feed(&stream[cut..], |_| None, |r| rest.extend_from_slice(r))
        .expect("valid rest");
    let before = offsets[..cut]
        .iter()
        .filter(|&&o| o % size >= records_at)
        .count();
    assert_eq!(rest, expected[before..]);
});
