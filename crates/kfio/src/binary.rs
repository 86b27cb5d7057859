// SPDX-License-Identifier: GPL-2.0

//! `kfio binary` and `kfio seek`: binary content of a fixed size at random
//! offsets.
//!
//! `kfio binary PATH SIZE SEED OPS` runs `OPS` random `pread()`, `pwrite()`,
//! `lseek()`, `read()` and `write()` calls on one descriptor of a file
//! holding `SIZE` bytes, and checks every result against a model of it: a
//! write stores what fits before the end and returns that count (`ENOSPC`
//! at or past the end), a read returns the bytes last written there, and
//! `lseek()` stays within `0..=SIZE`, `SEEK_END` relative to `SIZE` (C's
//! `fixed_size_llseek()`). So what is written reads back, at every offset
//! and size.

use std::{
    fs::{File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    os::unix::fs::FileExt,
};

use crate::errno_name;

/// The calls the check makes, on a file or, in the host tests, a model.
pub trait Target {
    fn pread(&mut self, buf: &mut [u8], pos: u64) -> io::Result<usize>;
    fn pwrite(&mut self, data: &[u8], pos: u64) -> io::Result<usize>;
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    fn write(&mut self, data: &[u8]) -> io::Result<usize>;
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64>;
}

impl Target for File {
    fn pread(&mut self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        self.read_at(buf, pos)
    }
    fn pwrite(&mut self, data: &[u8], pos: u64) -> io::Result<usize> {
        self.write_at(data, pos)
    }
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Read::read(self, buf)
    }
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        Write::write(self, data)
    }
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        Seek::seek(self, to)
    }
}

/// What the file should hold and where its descriptor is.
pub struct Model {
    content: Vec<u8>,
    pos: u64,
}

/// An expected result: a count, bytes, a position or an errno.
#[derive(Debug, PartialEq)]
enum Outcome {
    Count(usize),
    Bytes(Vec<u8>),
    Pos(u64),
    Errno(String),
}

fn outcome<T>(r: io::Result<T>, ok: impl FnOnce(T) -> Outcome) -> Outcome {
    match r {
        Ok(v) => ok(v),
        Err(e) => Outcome::Errno(errno_name(&e)),
    }
}

impl Model {
    /// A model of a file whose content is now `content`, at position 0.
    pub fn new(content: Vec<u8>) -> Self {
        Self { content, pos: 0 }
    }

    fn size(&self) -> u64 {
        self.content.len() as u64
    }

    fn read_at(&self, len: usize, pos: u64) -> Vec<u8> {
        let start = pos.min(self.size()) as usize;
        let end = start + len.min(self.content.len() - start);
        self.content[start..end].to_vec()
    }

    fn write_at(&mut self, data: &[u8], pos: u64) -> Outcome {
        if data.is_empty() {
            return Outcome::Count(0);
        }
        if pos >= self.size() {
            return Outcome::Errno("ENOSPC".into());
        }
        let start = pos as usize;
        let n = data.len().min(self.content.len() - start);
        self.content[start..start + n].copy_from_slice(&data[..n]);
        Outcome::Count(n)
    }

    fn seek(&mut self, to: SeekFrom) -> Outcome {
        let target = match to {
            SeekFrom::Start(off) => i128::from(off),
            SeekFrom::Current(off) => i128::from(self.pos) + i128::from(off),
            SeekFrom::End(off) => i128::from(self.size()) + i128::from(off),
        };
        if target < 0 || target > i128::from(self.size()) {
            return Outcome::Errno("EINVAL".into());
        }
        self.pos = target as u64;
        Outcome::Pos(self.pos)
    }
}

/// Runs `ops` random calls from `seed` on `file` and on `model`, which
/// must start alike; returns the first call whose results differ.
pub fn check(file: &mut dyn Target, model: &mut Model, seed: u64, ops: u32) -> Result<(), String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let size = model.size();
    for i in 0..ops {
        // Offsets around the end and now and then far past it; lengths
        // from nothing to twice the content.
        let pos = match rng.u8(0..8) {
            0 => size,
            1 => size + rng.u64(1..100),
            2 => 1 << rng.u32(32..62),
            _ => rng.u64(0..size.max(1)),
        };
        let len = match rng.u8(0..6) {
            0 => 0,
            1 => 1,
            _ => rng.usize(1..=2 * size as usize + 1),
        };
        let data: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        let (what, got, want) = match rng.u8(0..6) {
            0 => {
                let want = model.write_at(&data, pos);
                let got = outcome(file.pwrite(&data, pos), Outcome::Count);
                (format!("pwrite {len} at {pos}"), got, want)
            }
            1 => {
                let want = Outcome::Bytes(model.read_at(len, pos));
                let mut buf = vec![0; len];
                let got = outcome(file.pread(&mut buf, pos), |n| {
                    Outcome::Bytes(buf[..n].to_vec())
                });
                (format!("pread {len} at {pos}"), got, want)
            }
            2 => {
                let at = model.pos;
                let want = model.write_at(&data, at);
                if let Outcome::Count(n) = want {
                    model.pos += n as u64;
                }
                let got = outcome(file.write(&data), Outcome::Count);
                (format!("write {len} at {at}"), got, want)
            }
            3 => {
                let at = model.pos;
                let want = model.read_at(len, at);
                model.pos += want.len() as u64;
                let mut buf = vec![0; len];
                let got = outcome(file.read(&mut buf), |n| Outcome::Bytes(buf[..n].to_vec()));
                (format!("read {len} at {at}"), got, Outcome::Bytes(want))
            }
            _ => {
                let off = rng.i64(-(size as i64) - 3..=size as i64 + 3);
                let to = match rng.u8(0..3) {
                    0 => SeekFrom::Start(off.unsigned_abs()),
                    1 => SeekFrom::Current(off),
                    _ => SeekFrom::End(off),
                };
                let want = model.seek(to);
                let got = outcome(file.seek(to), Outcome::Pos);
                (format!("lseek {to:?}"), got, want)
            }
        };
        if got != want {
            return Err(format!("op {i} {what}: got {got:?}, want {want:?}"));
        }
    }
    // And the whole content, read from the start.
    let mut whole = vec![0; model.content.len() + 1];
    let got = outcome(file.pread(&mut whole, 0), |n| {
        Outcome::Bytes(whole[..n].to_vec())
    });
    let want = Outcome::Bytes(model.content.clone());
    if got != want {
        return Err(format!("final content: got {got:?}, want {want:?}"));
    }
    Ok(())
}

/// `kfio binary PATH SIZE SEED OPS`.
pub fn cmd_binary(args: &[String]) -> Result<(), String> {
    let [path, size, seed, ops] = args else {
        return Err("usage: kfio binary PATH SIZE SEED OPS".into());
    };
    let num = |s: &str| s.parse::<u64>().map_err(|_| format!("not a number: {s}"));
    let (size, seed, ops) = (num(size)?, num(seed)?, num(ops)? as u32);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("open {path}: {}", errno_name(&e)))?;
    let mut content = vec![0; size as usize + 1];
    let n = file
        .read_at(&mut content, 0)
        .map_err(|e| format!("read {path}: {}", errno_name(&e)))?;
    if n as u64 != size {
        println!("bad size {n}, want {size}");
        return Ok(());
    }
    content.truncate(n);
    match check(&mut file, &mut Model::new(content), seed, ops) {
        Ok(()) => println!("ok {ops} seed={seed}"),
        Err(e) => println!("bad seed={seed}: {e}"),
    }
    Ok(())
}

/// `kfio seek PATH OFFSET set|cur|end`: where one `lseek()` on a new
/// read-only descriptor puts it -> "ok POS" | "EINVAL" ...
pub fn cmd_seek(args: &[String]) -> Result<(), String> {
    let [path, offset, whence] = args else {
        return Err("usage: kfio seek PATH OFFSET set|cur|end".into());
    };
    let off: i64 = offset
        .parse()
        .map_err(|_| format!("not a number: {offset}"))?;
    let to = match whence.as_str() {
        "set" if off >= 0 => SeekFrom::Start(off as u64),
        "cur" => SeekFrom::Current(off),
        "end" => SeekFrom::End(off),
        _ => return Err(format!("bad whence {whence} for {off}")),
    };
    match File::open(path).and_then(|mut f| Seek::seek(&mut f, to)) {
        Ok(pos) => println!("ok {pos}"),
        Err(e) => println!("{}", errno_name(&e)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that follows the contract, over a model of its own.
    struct Honest(Model);

    fn result(o: Outcome) -> io::Result<usize> {
        match o {
            Outcome::Count(n) => Ok(n),
            Outcome::Errno(e) if e == "ENOSPC" => Err(io::Error::from_raw_os_error(libc::ENOSPC)),
            other => panic!("{other:?}"),
        }
    }

    impl Target for Honest {
        fn pread(&mut self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
            let b = self.0.read_at(buf.len(), pos);
            buf[..b.len()].copy_from_slice(&b);
            Ok(b.len())
        }
        fn pwrite(&mut self, data: &[u8], pos: u64) -> io::Result<usize> {
            result(self.0.write_at(data, pos))
        }
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.pread(buf, self.0.pos)?;
            self.0.pos += n as u64;
            Ok(n)
        }
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            let n = self.pwrite(data, self.0.pos)?;
            self.0.pos += n as u64;
            Ok(n)
        }
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            match self.0.seek(to) {
                Outcome::Pos(p) => Ok(p),
                _ => Err(io::Error::from_raw_os_error(libc::EINVAL)),
            }
        }
    }

    /// C's `simple_write_to_buffer()` as is: 0 at the end, not `ENOSPC`.
    struct ZeroAtEnd(Honest);

    impl Target for ZeroAtEnd {
        fn pread(&mut self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
            self.0.pread(buf, pos)
        }
        fn pwrite(&mut self, data: &[u8], pos: u64) -> io::Result<usize> {
            if pos >= self.0 .0.size() {
                return Ok(0);
            }
            self.0.pwrite(data, pos)
        }
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.write(data)
        }
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.0.seek(to)
        }
    }

    fn start() -> Vec<u8> {
        (0..64).collect()
    }

    #[test]
    fn an_honest_file_passes() {
        for seed in 0..20 {
            let mut file = Honest(Model::new(start()));
            assert_eq!(
                check(&mut file, &mut Model::new(start()), seed, 500),
                Ok(())
            );
        }
    }

    #[test]
    fn a_file_that_returns_zero_at_the_end_fails() {
        let mut file = ZeroAtEnd(Honest(Model::new(start())));
        let r = check(&mut file, &mut Model::new(start()), 1, 500);
        assert!(r.as_ref().is_err_and(|e| e.contains("ENOSPC")), "{r:?}");
    }

    /// A file that claims every third write but does not store it.
    struct Forgetful(Honest, u32);

    impl Target for Forgetful {
        fn pread(&mut self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
            self.0.pread(buf, pos)
        }
        fn pwrite(&mut self, data: &[u8], pos: u64) -> io::Result<usize> {
            self.1 += 1;
            if self.1 % 3 == 0 && !data.is_empty() && pos < self.0 .0.size() {
                return Ok(data.len().min((self.0 .0.size() - pos) as usize));
            }
            self.0.pwrite(data, pos)
        }
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.write(data)
        }
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.0.seek(to)
        }
    }

    #[test]
    fn a_file_that_loses_writes_fails() {
        for seed in 0..20 {
            let mut file = Forgetful(Honest(Model::new(start())), 0);
            assert!(check(&mut file, &mut Model::new(start()), seed, 500).is_err());
        }
    }
}
