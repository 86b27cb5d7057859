// SPDX-License-Identifier: GPL-2.0

//! `kfio bench`: the same file operation timed on two files (a Rust demo's
//! and its C twin's), in alternating rounds, reported as a ratio.

use std::{
    fs::OpenOptions,
    io::{Read, Write},
    time::Instant,
};

/// One timed operation.
pub enum Op {
    /// Open, read to end of file in blocks of this size, close.
    Read(usize),
    /// Open, write these bytes in one `write()`, close.
    Write(Vec<u8>),
    /// Open, write `total` bytes in blocks of `bs` at increasing offsets, close.
    Fill { bs: usize, total: usize },
}

impl Op {
    fn run(&self, path: &str, buf: &mut [u8]) -> Result<(), String> {
        let err = |e: std::io::Error| format!("{path}: {}", crate::errno_name(&e));
        match self {
            Op::Read(bs) => {
                let mut f = OpenOptions::new().read(true).open(path).map_err(err)?;
                while f.read(&mut buf[..*bs]).map_err(err)? != 0 {}
            }
            Op::Write(data) => {
                let mut f = OpenOptions::new().write(true).open(path).map_err(err)?;
                f.write_all(data).map_err(err)?;
            }
            Op::Fill { bs, total } => {
                let mut f = OpenOptions::new().write(true).open(path).map_err(err)?;
                let mut left = *total;
                while left > 0 {
                    let n = left.min(*bs);
                    f.write_all(&buf[..n]).map_err(err)?;
                    left -= n;
                }
            }
        }
        Ok(())
    }
}

/// Result of a benchmark: nanoseconds per operation (medians) and the
/// Rust/C ratio's median and spread over the rounds.
pub struct Report {
    pub rust_ns: f64,
    pub c_ns: f64,
    pub ratio: f64,
    pub ratio_min: f64,
    pub ratio_max: f64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times `iters` runs of `op` on `rust` and on `c`, `rounds` times, the order
/// alternating between rounds.
pub fn run(op: &Op, rust: &str, c: &str, rounds: usize, iters: usize) -> Result<Report, String> {
    let mut buf = vec![b'7'; 1 << 17];
    let mut time = |path: &str| -> Result<f64, String> {
        let t0 = Instant::now();
        for _ in 0..iters {
            op.run(path, &mut buf)?;
        }
        Ok(t0.elapsed().as_nanos() as f64 / iters as f64)
    };
    // One warm-up each.
    time(rust)?;
    time(c)?;
    let (mut r, mut cc, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(rust)?;
            (a, time(c)?)
        } else {
            let b = time(c)?;
            (time(rust)?, b)
        };
        r.push(a);
        cc.push(b);
        ratios.push(a / b);
    }
    let ratio = median(&mut ratios);
    Ok(Report {
        rust_ns: median(&mut r),
        c_ns: median(&mut cc),
        ratio,
        ratio_min: ratios[0],
        ratio_max: ratios[ratios.len() - 1],
    })
}
