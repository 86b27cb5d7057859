// SPDX-License-Identifier: GPL-2.0

//! `kfio bench`: the same file operation timed on two files (a Rust demo's
//! and its C twin's), in alternating rounds, reported as a ratio.

use std::{
    fs::{self, OpenOptions},
    io::{Read, Write},
    process::Command,
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
    /// Write `MODE COUNT SIZE` to a relay_lab `burst` file, MODE being the
    /// first of `modes` for the first file and the second for the other, and
    /// take the kernel's own time of the run from the file: the cost per
    /// record, without the system call around it.
    Burst {
        count: u64,
        size: usize,
        modes: [String; 2],
    },
    /// Run `sh -c` on the command with `{}` replaced by the file argument,
    /// timed from user space; `setup`, if any, runs before it each time,
    /// untimed (the same replacement).
    Exec {
        setup: Option<String>,
        command: String,
    },
}

impl Op {
    /// Runs the operation on `path` (the first file if `first`); returns the
    /// kernel's time in nanoseconds per record if it measured one.
    fn run(&self, path: &str, first: bool, buf: &mut [u8]) -> Result<Option<f64>, String> {
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
            Op::Burst { count, size, modes } => {
                let mode = &modes[usize::from(!first)];
                let command = format!("{mode} {count} {size}");
                fs::write(path, command.trim_start()).map_err(err)?;
                let result = fs::read_to_string(path).map_err(err)?;
                let field = |name: &str| -> Option<u64> {
                    let mut words = result.split_whitespace();
                    words.position(|w| w == name)?;
                    words.next()?.parse().ok()
                };
                if field("dropped") != Some(0) {
                    return Err(format!("{path}: records were dropped: {}", result.trim()));
                }
                let ns = field("ns").ok_or_else(|| format!("{path}: no time in {result:?}"))?;
                return Ok(Some(ns as f64 / (*count).max(1) as f64));
            }
            Op::Exec { setup, command } => {
                let sh = |command: &str| -> Result<(), String> {
                    let command = command.replace("{}", path);
                    let status = Command::new("sh")
                        .args(["-c", &command])
                        .status()
                        .map_err(|e| format!("sh: {e}"))?;
                    if !status.success() {
                        return Err(format!("{command:?} failed: {status}"));
                    }
                    Ok(())
                };
                if let Some(setup) = setup {
                    sh(setup)?;
                }
                let t0 = Instant::now();
                sh(command)?;
                return Ok(Some(t0.elapsed().as_nanos() as f64));
            }
        }
        Ok(None)
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
    let mut time = |path: &str, first: bool| -> Result<f64, String> {
        let t0 = Instant::now();
        let mut kernel_ns = 0.0;
        for _ in 0..iters {
            kernel_ns += op.run(path, first, &mut buf)?.unwrap_or(0.0);
        }
        let user_ns = t0.elapsed().as_nanos() as f64;
        // Bursts report the kernel's time; commands time themselves
        // without their setup.
        Ok(if matches!(op, Op::Burst { .. } | Op::Exec { .. }) {
            kernel_ns / iters as f64
        } else {
            user_ns / iters as f64
        })
    };
    // One warm-up each.
    time(rust, true)?;
    time(c, false)?;
    let (mut r, mut cc, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(rust, true)?;
            (a, time(c, false)?)
        } else {
            let b = time(c, false)?;
            (time(rust, true)?, b)
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
