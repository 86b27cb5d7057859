// SPDX-License-Identifier: GPL-2.0

//! The library over recorded byte streams: the bytes `read()` returns from
//! per-CPU relay files, in ordinary files named as a channel's.

use kfiles_core::relay::{Geometry, SubbufHeader};
use relay_reader::{Channel, ChannelError, Error, Format};
use std::{
    fs,
    io::{self, Write},
    path::PathBuf,
};

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("relay-reader-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.0.join(name), bytes).unwrap();
    }

    fn chan(&self) -> PathBuf {
        self.0.join("chan")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Record bytes of CPU `cpu`: `n` bytes that name their CPU and offset.
fn records(cpu: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| cpu.wrapping_mul(61) ^ (i % 251) as u8)
        .collect()
}

/// What `read()` returns from a channel with headers that wrote `data` into
/// sub-buffers of `geometry`, starting at sub-buffer `first` and skipping
/// the sequence numbers in `skipped` (lost to the reader), the last one
/// still open unless `all_finished`: headers, driver headers and records,
/// without padding.
fn stream_with(
    geometry: Geometry,
    data: &[u8],
    first: u32,
    skipped: &[u32],
    all_finished: bool,
) -> Vec<u8> {
    let per_subbuf = geometry.max_record(true);
    let chunks: Vec<&[u8]> = data.chunks(per_subbuf).collect();
    let mut out = Vec::new();
    let mut sequence = first;
    for (i, chunk) in chunks.iter().enumerate() {
        while skipped.contains(&sequence) {
            sequence += 1;
        }
        let last = i + 1 == chunks.len();
        let padding = if last && !all_finished {
            kfiles_core::relay::OPEN
        } else {
            (per_subbuf - chunk.len()) as u32
        };
        let header = SubbufHeader {
            padding,
            sequence,
            geometry,
            overwrite: false,
            generation: 0,
        };
        out.extend_from_slice(&header.encode());
        out.extend(std::iter::repeat_n(b'#', geometry.driver_header()));
        out.extend_from_slice(chunk);
        sequence += 1;
    }
    out
}

/// [`stream_with`] with the last sub-buffer open.
fn stream(geometry: Geometry, data: &[u8], first: u32, skipped: &[u32]) -> Vec<u8> {
    stream_with(geometry, data, first, skipped, false)
}

/// Everything `channel` has, merged, read with its read size.
fn drain(channel: &mut Channel) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    while channel.drain(|r| r.write_to(&mut out))? {}
    Ok(out)
}

#[test]
fn headers_stripped_at_every_read_size() {
    let scratch = Scratch::new("headers");
    for geometry in [
        Geometry::new(128, 4).unwrap(),
        Geometry::new(256, 8)
            .unwrap()
            .with_driver_header(16)
            .unwrap(),
    ] {
        let (a, b) = (records(0, 1000), records(1, 333));
        scratch.write("chan0", &stream(geometry, &a, 0, &[]));
        scratch.write("chan1", &stream(geometry, &b, 7, &[]));
        let mut expected = a.clone();
        expected.extend_from_slice(&b);
        for read_size in [24, 25, 100, 127, 128, 129, 4096, 1 << 20] {
            let mut channel =
                Channel::open_with_read_size(scratch.chan(), Format::Auto, read_size).unwrap();
            assert_eq!(
                drain(&mut channel).unwrap(),
                expected,
                "read size {read_size}"
            );
            channel.finish().unwrap();
            let cpus = channel.cpus();
            assert_eq!(cpus.len(), 2);
            assert_eq!(cpus[0].format(), Some(Format::Headers));
            assert_eq!(cpus[0].record_bytes(), a.len() as u64);
            let d = cpus[1].decoder().unwrap();
            assert_eq!((d.first_sequence(), d.subbufs_lost()), (Some(7), 0));
            assert_eq!(d.geometry(), Some(geometry));
        }
    }
}

#[test]
fn raw_channels_pass_through() {
    let scratch = Scratch::new("raw");
    let (a, b) = (records(0, 70_000), records(1, 5));
    scratch.write("chan0", &a);
    scratch.write("chan1", &b);
    // A file that starts with part of the magic is still raw.
    scratch.write("chan2", b"KF");
    let mut expected = a.clone();
    expected.extend_from_slice(&b);
    expected.extend_from_slice(b"KF");
    for format in [Format::Auto, Format::Raw] {
        for read_size in [1, 24, 4096, 1 << 20] {
            let mut channel =
                Channel::open_with_read_size(scratch.chan(), format, read_size).unwrap();
            assert_eq!(drain(&mut channel).unwrap(), expected);
            assert!(channel
                .cpus()
                .iter()
                .all(|c| c.format() == Some(Format::Raw) && c.decoder().is_none()));
        }
    }
}

#[test]
fn formats_forced() {
    let scratch = Scratch::new("forced");
    let geometry = Geometry::new(128, 4).unwrap();
    let with_headers = stream(geometry, &records(0, 500), 0, &[]);
    scratch.write("chan0", &with_headers);
    // Raw on a channel with headers returns the headers too.
    let mut channel = Channel::open(scratch.chan(), Format::Raw).unwrap();
    assert_eq!(drain(&mut channel).unwrap(), with_headers);
    // Headers on a channel without: refused with a way out.
    scratch.write("chan0", &records(0, 500));
    let mut channel = Channel::open(scratch.chan(), Format::Headers).unwrap();
    let err = drain(&mut channel).unwrap_err();
    assert!(matches!(err, Error::NotAtHeader { .. }), "{err}");
    assert!(err.to_string().contains("--format raw"));
}

#[test]
fn lost_subbufs_and_truncation() {
    let scratch = Scratch::new("lost");
    let geometry = Geometry::new(128, 4).unwrap();
    let data = records(0, 800);
    scratch.write("chan0", &stream(geometry, &data, 3, &[5, 6, 9]));
    let mut channel = Channel::open(scratch.chan(), Format::Auto).unwrap();
    assert_eq!(drain(&mut channel).unwrap(), data);
    let d = channel.cpus()[0].decoder().unwrap();
    assert_eq!(d.subbufs_lost(), 3);
    // A stream that ends inside a header.
    let mut cut = stream_with(geometry, &data, 0, &[], true);
    cut.extend_from_within(..10);
    scratch.write("chan0", &cut);
    let mut channel = Channel::open(scratch.chan(), Format::Auto).unwrap();
    assert_eq!(drain(&mut channel).unwrap(), data);
    assert!(matches!(channel.finish(), Err(Error::Format { .. })));
}

/// A writer that takes at most 3 bytes per call, vectored or not.
struct Trickle(Vec<u8>);

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(3);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn partial_writes_and_per_cpu_reads() {
    let scratch = Scratch::new("trickle");
    // Small sub-buffers: one read holds many runs (more than one group of
    // gathered writes).
    let geometry = Geometry::new(88, 64).unwrap();
    let data = records(2, 64 * 100);
    scratch.write("chan2", &stream(geometry, &data, 0, &[]));
    let mut channel = Channel::open(scratch.chan(), Format::Auto).unwrap();
    assert_eq!(channel.cpus()[0].cpu(), 2);
    let mut out = Trickle(Vec::new());
    let mut runs = 0;
    while let Some(records) = channel.read_cpu(0).unwrap() {
        assert_eq!(records.cpu(), 2);
        runs += records.iter().count();
        assert_eq!(
            records.iter().map(<[u8]>::len).sum::<usize>(),
            records.len()
        );
        records.write_to(&mut out).unwrap();
    }
    assert_eq!(out.0, data);
    assert!(runs >= 100, "{runs} runs");
    // A failing consumer stops the drain with its error.
    let mut channel = Channel::open(scratch.chan(), Format::Auto).unwrap();
    let err = channel
        .drain(|_| Err(io::Error::other("disk full")))
        .unwrap_err();
    assert!(matches!(err, Error::Output(_)) && err.to_string().contains("disk full"));
}

#[test]
fn channel_errors_and_drop_counts() {
    let scratch = Scratch::new("errors");
    assert_eq!(
        Channel::open(scratch.chan(), Format::Auto).err(),
        Some(ChannelError::NoSuchChannel(scratch.chan()))
    );
    scratch.write("chan01", b"not a CPU file");
    scratch.write("chans0", b"nor this");
    assert!(Channel::open(scratch.chan(), Format::Auto).is_err());
    scratch.write("chan0", b"x");
    let channel = Channel::open(scratch.chan(), Format::Auto).unwrap();
    assert_eq!(channel.cpus().len(), 1);
    assert!(channel.dropped().is_none());
    assert!(channel.cpus()[0].kernel_info().is_none());
    scratch.write("dropped", b"17\n");
    assert_eq!(channel.dropped().unwrap().unwrap(), 17);
    scratch.write("dropped", b"-1\n");
    assert!(channel.dropped().unwrap().is_err());
    let missing = scratch.0.join("nodir").join("chan");
    assert!(matches!(
        Channel::open(&missing, Format::Auto),
        Err(ChannelError::NoSuchChannel(_))
    ));
}

#[test]
fn limited_drains_take_turns() {
    let scratch = Scratch::new("limited");
    let (a, b) = (records(0, 1000), records(1, 1000));
    scratch.write("chan0", &a);
    scratch.write("chan1", &b);
    let mut channel = Channel::open_with_read_size(scratch.chan(), Format::Auto, 100).unwrap();
    let (mut out0, mut out1, mut order) = (Vec::new(), Vec::new(), Vec::new());
    while channel
        .drain_limited(3, |r| {
            order.push(r.cpu());
            r.write_to(if r.cpu() == 0 { &mut out0 } else { &mut out1 })
        })
        .unwrap()
        .more
    {}
    assert_eq!((out0, out1), (a, b));
    // Three reads of CPU 0, then three of CPU 1, and so on.
    assert_eq!(&order[..7], &[0, 0, 0, 1, 1, 1, 0]);
    // One CPU at a time, through the mutable readers.
    scratch.write("chan0", b"again");
    let mut channel = Channel::open(scratch.chan(), Format::Raw).unwrap();
    let cpu0 = &mut channel.cpus_mut()[0];
    let records = cpu0.read().unwrap().unwrap();
    assert_eq!(records.iter().collect::<Vec<_>>(), [b"again"]);
    assert!(!records.filled_buffer());
    assert!(!cpu0.is_live());
}

#[test]
fn open_subbufs_end_at_the_next_header() {
    // Reads joined into one capture: each sub-buffer's header was read while
    // it was open, so none says where its records end, and a reset starts
    // the sequence again at 0.
    let scratch = Scratch::new("open");
    let geometry = Geometry::new(128, 4).unwrap();
    let mut capture = Vec::new();
    let mut expected = Vec::new();
    for (sequence, len) in [(4, 50), (5, 104), (6, 1), (0, 30)] {
        let header = SubbufHeader {
            padding: kfiles_core::relay::OPEN,
            sequence,
            geometry,
            overwrite: false,
            generation: 0,
        };
        capture.extend_from_slice(&header.encode());
        let data = records(sequence as u8, len);
        capture.extend_from_slice(&data);
        expected.extend_from_slice(&data);
    }
    scratch.write("chan0", &capture);
    for read_size in [24, 30, 100, 4096] {
        let mut channel =
            Channel::open_with_read_size(scratch.chan(), Format::Auto, read_size).unwrap();
        assert_eq!(
            drain(&mut channel).unwrap(),
            expected,
            "read size {read_size}"
        );
        let d = channel.cpus()[0].decoder().unwrap();
        assert_eq!((d.subbufs_finished(), d.resets()), (3, 1));
    }
}
