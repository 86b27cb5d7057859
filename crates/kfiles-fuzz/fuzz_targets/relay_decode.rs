// SPDX-License-Identifier: GPL-2.0

//! The relay reader's decoder on arbitrary bytes, cut into arbitrary reads,
//! with arbitrary answers about open sub-buffers: never panics, never passes
//! on more record bytes than it was fed, and stops for good at an error.

#![no_main]

use kfiles_core::relay::{Geometry, StreamDecoder, SubbufHeader, MIN_SUBBUF_SIZE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mut decoder = if control & 1 != 0 {
        // Start inside a sub-buffer, as after an earlier reader.
        let geometry = Geometry::new(
            MIN_SUBBUF_SIZE + usize::from(control),
            2 + usize::from(control & 7),
        )
        .and_then(|g| g.with_driver_header(usize::from(control >> 3)))
        .expect("valid geometry");
        // Bit 1: resumed in a sub-buffer still open (its padding unknown).
        let header = SubbufHeader {
            padding: if control & 2 != 0 {
                kfiles_core::relay::OPEN
            } else {
                u32::from(control) * 3
            },
            sequence: u32::from(control),
            geometry,
            overwrite: false,
            generation: 0,
        };
        match StreamDecoder::resume(&header, usize::from(control) / 2) {
            Ok(d) => d,
            Err(_) => return,
        }
    } else {
        StreamDecoder::new()
    };
    let chunk = usize::from(control >> 2) + 1;
    let mut fed = 0u64;
    let mut out = 0u64;
    for part in rest.chunks(chunk) {
        // An odd first byte: "not finished yet", as for an open sub-buffer.
        let answer = part
            .first()
            .filter(|&&b| b & 1 == 0)
            .map(|&b| u32::from(b) * 7);
        let result = decoder.feed(part, |_| answer, |r| out += r.len() as u64);
        fed += part.len() as u64;
        assert!(out <= fed);
        assert_eq!(out, decoder.record_bytes());
        if result.is_err() {
            break;
        }
    }
    let _ = decoder.finish();
});
