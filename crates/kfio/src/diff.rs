// SPDX-License-Identifier: GPL-2.0

//! `kfio diff`: the same random operations on two files that should behave
//! alike (a Rust demo's file and its C twin's), comparing every result.

use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    os::unix::fs::FileExt,
};

use crate::errno_name;

/// Which kind of file is exercised, and so which inputs are interesting.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    /// One value per write (integers, booleans, strings).
    Attr,
    /// A bounded byte buffer with replace/append semantics.
    Buffer,
    /// Binary content of a fixed size, reached at any offset (a register
    /// image): writes and reads of every size around and past its end.
    Binary,
    /// relay_exam's `burst` control: `[reserve|memcpy] COUNT SIZE` commands
    /// (in a channel of 4096-byte sub-buffers), read back as the last run's
    /// counts; its time in nanoseconds is not compared.
    Burst,
}

/// Runs `ops` operations from `seed` on `a` and `b`; returns the number of
/// operations run, or a description of the first difference.
pub fn run(kind: Kind, a: &str, b: &str, seed: u64, ops: u32) -> Result<u32, String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    for i in 0..ops {
        let op = match kind {
            Kind::Attr => attr_op(&mut rng),
            Kind::Buffer => buffer_op(&mut rng, content(a).len()),
            Kind::Burst => burst_op(&mut rng),
            Kind::Binary => binary_op(&mut rng, content(a).len()),
        };
        let (ra, rb) = (op.apply(a), op.apply(b));
        if ra != rb {
            return Err(format!(
                "op {i} {}: {a} gave {ra}, {b} gave {rb}",
                op.describe()
            ));
        }
        let (ca, cb) = (comparable(kind, content(a)), comparable(kind, content(b)));
        if ca != cb {
            return Err(format!(
                "after op {i} {}: contents differ ({} vs {} bytes; {:?} vs {:?})",
                op.describe(),
                ca.len(),
                cb.len(),
                String::from_utf8_lossy(&ca[..ca.len().min(40)]),
                String::from_utf8_lossy(&cb[..cb.len().min(40)]),
            ));
        }
    }
    Ok(ops)
}

/// One operation on a file.
enum Op {
    /// `lseek(pos)` then one `write()` of the bytes, on a fresh descriptor.
    Write(Vec<u8>, u64),
    /// One `pwrite()` of the bytes at the offset.
    Pwrite(Vec<u8>, u64),
    /// Reads to end of file in blocks of the given size, from the offset
    /// (`pread()`).
    Read(usize, u64),
}

impl Op {
    fn describe(&self) -> String {
        let show = |d: &[u8]| {
            if d.len() > 40 {
                format!("{} bytes", d.len())
            } else {
                format!("{:?}", String::from_utf8_lossy(d))
            }
        };
        match self {
            Op::Write(d, pos) => format!("write {} at {pos}", show(d)),
            Op::Pwrite(d, pos) => format!("pwrite {} at {pos}", show(d)),
            Op::Read(bs, pos) => format!("read bs={bs} from {pos}"),
        }
    }

    /// Performs the operation; the outcome as text ("ok N", an errno, or the
    /// bytes read).
    fn apply(&self, path: &str) -> String {
        let open = |write: bool| OpenOptions::new().read(!write).write(write).open(path);
        let outcome = |r: std::io::Result<usize>| match r {
            Ok(n) => format!("ok {n}"),
            Err(e) => errno_name(&e),
        };
        match self {
            Op::Write(data, pos) => outcome(open(true).and_then(|mut f| {
                f.seek(SeekFrom::Start(*pos))?;
                f.write(data)
            })),
            Op::Pwrite(data, pos) => outcome(open(true).and_then(|f| f.write_at(data, *pos))),
            Op::Read(bs, pos) => match open(false) {
                Ok(f) => read_from(&f, *bs, *pos),
                Err(e) => errno_name(&e),
            },
        }
    }
}

fn read_from(f: &File, bs: usize, mut pos: u64) -> String {
    let mut buf = vec![0u8; bs];
    let mut got = Vec::new();
    loop {
        match f.read_at(&mut buf, pos) {
            Ok(0) => return format!("read {:?}", String::from_utf8_lossy(&got)),
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                pos += n as u64;
            }
            Err(e) => return format!("read error {} after {} bytes", errno_name(&e), got.len()),
        }
    }
}

/// What of a file's content must agree: all of it, but for a burst's time.
fn comparable(kind: Kind, mut content: Vec<u8>) -> Vec<u8> {
    if kind == Kind::Burst {
        if let Some(at) = content.windows(4).position(|w| w == b" ns ") {
            content.truncate(at);
        }
    }
    content
}

/// The whole content, as `cat` sees it.
fn content(path: &str) -> Vec<u8> {
    let mut v = Vec::new();
    match File::open(path).and_then(|mut f| f.read_to_end(&mut v)) {
        Ok(_) => v,
        Err(e) => format!("<{}>", errno_name(&e)).into_bytes(),
    }
}

/// An input for a one-value file: numbers at and around the type limits in
/// every radix, booleans, garbage, binary, overlong input.
fn attr_input(rng: &mut fastrand::Rng) -> Vec<u8> {
    const EDGES: &[i128] = &[
        0,
        1,
        -1,
        127,
        128,
        255,
        256,
        32767,
        32768,
        65535,
        65536,
        2147483647,
        2147483648,
        -2147483648,
        -2147483649,
        4294967295,
        4294967296,
        9223372036854775807,
        18446744073709551615,
        18446744073709551616,
    ];
    let number = |rng: &mut fastrand::Rng| -> i128 {
        if rng.bool() {
            EDGES[rng.usize(..EDGES.len())] + i128::from(rng.i8(-1..=1))
        } else {
            i128::from(rng.i64(..)) >> rng.u32(0..63)
        }
    };
    let mut s: Vec<u8> = match rng.u8(0..10) {
        0..=2 => number(rng).to_string().into_bytes(),
        3 => {
            let n = number(rng);
            let sign = if n < 0 { "-" } else { "" };
            format!("{sign}0x{:x}", n.unsigned_abs()).into_bytes()
        }
        4 => format!("0{:o}", number(rng).unsigned_abs()).into_bytes(),
        5 => {
            const WORDS: &[&str] = &[
                "y", "Y", "n", "N", "1", "0", "on", "off", "yes", "no", "t", "f", "o", "x", "",
            ];
            WORDS[rng.usize(..WORDS.len())].as_bytes().to_vec()
        }
        6 => (0..rng.usize(0..10)).map(|_| rng.u8(0x20..0x7f)).collect(),
        7 => (0..rng.usize(0..10)).map(|_| rng.u8(..)).collect(),
        8 => std::iter::repeat_n(b'7', rng.usize(60..300)).collect(),
        _ => {
            let mut v = number(rng).to_string().into_bytes();
            let extra: &[u8] = [&b" "[..], b"\n\n", b"x", b"\0", b"+", b"\t"][rng.usize(..6)];
            if rng.bool() {
                v.extend_from_slice(extra);
            } else {
                v.splice(0..0, extra.iter().copied());
            }
            v
        }
    };
    if rng.u8(0..3) == 0 {
        s.push(b'\n');
    }
    s
}

fn attr_op(rng: &mut fastrand::Rng) -> Op {
    match rng.u8(0..20) {
        0..=12 => Op::Write(attr_input(rng), 0),
        13 => Op::Write(attr_input(rng), rng.u64(1..30)),
        14 => Op::Pwrite(attr_input(rng), rng.u64(0..30)),
        _ => Op::Read(rng.usize(1..100), rng.u64(0..30)),
    }
}

/// An operation on a bounded buffer of capacity 64 KiB holding `len` bytes:
/// writes of every interesting size at 0, at the end, inside, past the end.
fn buffer_op(rng: &mut fastrand::Rng, len: usize) -> Op {
    let size = match rng.u8(0..8) {
        0 => 0,
        1 => 1,
        2 => rng.usize(1..100),
        3 => 4096,
        4 => 65536,
        5 => 65537,
        _ => rng.usize(0..70000),
    };
    let pos = match rng.u8(0..10) {
        0..=3 => 0,
        4..=6 => len as u64,
        7 => rng.u64(0..=len as u64),
        8 => len as u64 + rng.u64(1..3),
        _ => rng.u64(..) >> rng.u32(1..64),
    };
    match rng.u8(0..10) {
        0..=5 => {
            let data: Vec<u8> = (0..size).map(|_| rng.u8(..)).collect();
            if rng.bool() {
                Op::Write(data, pos)
            } else {
                Op::Pwrite(data, pos)
            }
        }
        _ => Op::Read(rng.usize(1..70000), pos),
    }
}

/// An operation on binary content of `len` bytes: random bytes written at
/// and around every offset up to past the end, reads of every size.
fn binary_op(rng: &mut fastrand::Rng, len: usize) -> Op {
    let pos = match rng.u8(0..6) {
        0 => len as u64,
        1 => len as u64 + rng.u64(1..100),
        _ => rng.u64(0..=len as u64),
    };
    let data: Vec<u8> = (0..rng.usize(0..=2 * len + 1))
        .map(|_| rng.u8(..))
        .collect();
    match rng.u8(0..3) {
        0 => Op::Write(data, pos),
        1 => Op::Pwrite(data, pos),
        _ => Op::Read(rng.usize(1..=len + 1), pos),
    }
}

/// A burst command: mostly small valid runs of every mode, and malformed or
/// out-of-range words, extra words and spaces, overlong input.
fn burst_input(rng: &mut fastrand::Rng) -> Vec<u8> {
    const MODES: &[&str] = &[
        "", "", "", "reserve ", "memcpy ", "copy ", "RESERVE ", "reserve",
    ];
    const COUNTS: &[&str] = &[
        "0",
        "4194304",
        "4194305",
        "-1",
        "0x3",
        "010",
        "x",
        "",
        "99999999999999999999",
    ];
    const SIZES: &[&str] = &["8", "7", "0", "4076", "4077", "0x40", "1e3", "-8", ""];
    let count = if rng.u8(0..3) > 0 {
        rng.u32(0..20).to_string()
    } else {
        COUNTS[rng.usize(..COUNTS.len())].to_string()
    };
    let size = if rng.u8(0..3) > 0 {
        rng.usize(8..3000).to_string()
    } else {
        SIZES[rng.usize(..SIZES.len())].to_string()
    };
    // A count that is valid and large only with a size that is not.
    let size = if count == "4194304" {
        "7".to_string()
    } else {
        size
    };
    let gap = [" ", " ", "  ", "\t"][rng.usize(..4)];
    let mut s = format!("{}{count}{gap}{size}", MODES[rng.usize(..MODES.len())]);
    match rng.u8(0..10) {
        0 => s.push_str(" 1"),
        1 => s.push(' '),
        2 => s.insert(0, ' '),
        3 => s.push_str(&" ".repeat(rng.usize(60..80))),
        4 => s.push_str("\n\n"),
        _ => {}
    }
    if rng.bool() {
        s.push('\n');
    }
    s.into_bytes()
}

/// No reads at odd offsets: the content differs in its time (the whole
/// content is compared after every operation, without it).
fn burst_op(rng: &mut fastrand::Rng) -> Op {
    match rng.u8(0..20) {
        0..=17 => Op::Write(burst_input(rng), 0),
        18 => Op::Write(burst_input(rng), rng.u64(1..30)),
        _ => Op::Pwrite(burst_input(rng), rng.u64(0..30)),
    }
}
