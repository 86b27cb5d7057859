// SPDX-License-Identifier: GPL-2.0

//! `kfio`: exact file I/O for the guest test scripts.
//!
//! A shell can write a file, but it cannot tell which errno a write failed
//! with, write at an offset, or read with a given block size. `kfio` does one
//! such operation and prints the outcome in a form the scripts compare:
//!
//! ```text
//! kfio write PATH DATA [OFFSET]   one write(2), after lseek(2) to OFFSET -> "ok N" | "EINVAL" ...
//! kfio pwrite PATH DATA OFFSET    one pwrite(2) -> "ok N" | "ESPIPE" ...
//! kfio writes PATH DATA BS        DATA in BS-byte write(2)s on one fd -> one line per call
//! kfio read PATH [BS [OFFSET]]    read to EOF in BS-byte reads (default 4096),
//!                                 from OFFSET; the bytes go to stdout, or "EIO" ...
//! kfio reread PATH               read to EOF, lseek(2) to 0, read to EOF again on the
//!                                 same descriptor -> "same N" | "differ N M"
//! kfio hammer PATH SECS WRITERS READERS VALUE...
//!                                 threads write VALUEs and read concurrently; every
//!                                 read must show one of the VALUEs -> "ok R W" | "bad ..."
//!                                 (VALUE is `TEXT`, read back as TEXT plus a newline,
//!                                 or `TEXT=SHOWN` when it reads back differently)
//! kfio diff attr|buffer|burst|binary A B SEED OPS
//!                                 the same SEEDed random operations on A and B
//!                                 (a Rust demo's file and its C twin's); prints
//!                                 "ok OPS seed=SEED" or the first difference
//! kfio bench NAME OP RUST C ROUNDS ITERS
//!                                 time OP (read:BS | write:TEXT | fill:BS:TOTAL |
//!                                 burst:COUNT:SIZE[:MODE[:MODE_C]], the kernel's time
//!                                 per record of relay_lab's burst, MODE write, reserve
//!                                 or memcpy | exec:[SETUP ;; ]CMD, `sh -c` CMD with {} the
//!                                 file, timed after an untimed SETUP)
//!                                 on RUST and on C -> "BENCH NAME rust_ns c_ns ratio min max"
//! kfio records FILE SIZE          FILE is whole relay_lab burst records of SIZE
//!                                 bytes, each sequence once -> "ok N MIN MAX" | "bad ..."
//! kfio check-probes [--no-headers] DIR FILE...
//!                                 the probe records in FILEs (a reader's output) accounted
//!                                 against relay_lab DIR's streams, as stress does
//! kfio mmap PATH LEN OFFSET [rw] one mmap(2) of LEN bytes at OFFSET, shared, read-only
//!                                 or (rw) read-write, on a descriptor opened to match;
//!                                 touches the first byte -> "ok" | "EINVAL" ...
//! kfio stress DIR [key=value]...   writers on every CPU, timers and a concurrent reader
//!                                 on a relay_lab channel; every record read once and
//!                                 intact or refused -> "ok ..." | "bad ..." (see stress.rs)
//! kfio fuzz SEED SECS PROCS MODULES ROOT...
//!                                 random operations on every file under the ROOTs from
//!                                 PROCS processes while MODULES (comma-separated .ko
//!                                 paths, or -) are unloaded and loaded (see fuzz.rs)
//! kfio read-nb PATH              one read(2) of up to 4096 bytes on a descriptor opened with
//!                                 O_NONBLOCK -> "ok N" | "EAGAIN" ...
//! kfio open-race PATH SECS       open PATH (read-only, non-blocking) as fast as it can,
//!                                 poll(2) it without waiting, read once and close, until
//!                                 SECS pass; a file that appears and vanishes meanwhile
//!                                 is opened the moment it exists -> "ok OPENED MISSING
//!                                 REFUSED" (REFUSED: open failed while the file existed)
//! kfio binary PATH SIZE SEED OPS random pread/pwrite/lseek/read/write on a file of SIZE
//!                                 bytes, checked against a model: what is written reads
//!                                 back, ENOSPC at the end -> "ok OPS seed=SEED" | "bad ..."
//! kfio seek PATH OFFSET set|cur|end
//!                                 one lseek(2) on a new descriptor -> "ok POS" | "EINVAL" ...
//! kfio sweep access|overlong|addresses ROOT...
//!                                 security checks on every file (see sweep.rs)
//! kfio as UID COMMAND ARGS...      run COMMAND as user and group UID (std drops
//!                                 the supplementary groups when leaving root)
//! ```
//! DATA understands `\n`, `\t`, `\\` and `\xNN`. It is built statically
//! (`-C target-feature=+crt-static`) so the guest needs no libc.

mod bench;
mod binary;
mod diff;
mod fuzz;
mod stress;
mod sweep;

use std::{
    fs::OpenOptions,
    io::{self, Read, Seek, SeekFrom, Write},
    os::unix::fs::FileExt,
    process::ExitCode,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

/// The errno's symbolic name, as the tests spell it.
pub(crate) fn errno_name(e: &io::Error) -> String {
    let name = match e.raw_os_error() {
        Some(1) => "EPERM",
        Some(2) => "ENOENT",
        Some(4) => "EINTR",
        Some(5) => "EIO",
        Some(6) => "ENXIO",
        Some(9) => "EBADF",
        Some(11) => "EAGAIN",
        Some(12) => "ENOMEM",
        Some(13) => "EACCES",
        Some(14) => "EFAULT",
        Some(16) => "EBUSY",
        Some(17) => "EEXIST",
        Some(19) => "ENODEV",
        Some(21) => "EISDIR",
        Some(22) => "EINVAL",
        Some(27) => "EFBIG",
        Some(28) => "ENOSPC",
        Some(29) => "ESPIPE",
        Some(34) => "ERANGE",
        Some(n) => return format!("errno{n}"),
        None => return format!("error({e})"),
    };
    name.to_string()
}

/// Decodes the escapes of a DATA argument.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => out.push(v),
                        Err(_) => out.extend_from_slice(&b[i..i + 4]),
                    }
                    i += 4;
                    continue;
                }
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn parse_num(s: Option<&String>, default: u64) -> Result<u64, String> {
    match s {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| format!("not a number: {s}")),
    }
}

fn cmd_write(args: &[String], positional: bool) -> Result<(), String> {
    let [path, data, rest @ ..] = args else {
        return Err("usage: kfio write|pwrite PATH DATA [OFFSET]".into());
    };
    let data = unescape(data);
    let f = match OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) => {
            println!("{}", errno_name(&e));
            return Ok(());
        }
    };
    let off = parse_num(rest.first(), 0)?;
    let r = if positional {
        f.write_at(&data, off)
    } else {
        (&f).seek(SeekFrom::Start(off))
            .and_then(|_| (&f).write(&data))
    };
    match r {
        Ok(n) => println!("ok {n}"),
        Err(e) => println!("{}", errno_name(&e)),
    }
    Ok(())
}

fn cmd_writes(args: &[String]) -> Result<(), String> {
    let [path, data, bs] = args else {
        return Err("usage: kfio writes PATH DATA BS".into());
    };
    let data = unescape(data);
    let bs = parse_num(Some(bs), 1)?.max(1) as usize;
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("open {path}: {}", errno_name(&e)))?;
    for chunk in data.chunks(bs) {
        match f.write(chunk) {
            Ok(n) => println!("ok {n}"),
            Err(e) => println!("{}", errno_name(&e)),
        }
    }
    Ok(())
}

fn cmd_read(args: &[String]) -> Result<(), String> {
    let Some(path) = args.first() else {
        return Err("usage: kfio read PATH [BS [OFFSET]]".into());
    };
    let bs = parse_num(args.get(1), 4096)?.max(1) as usize;
    let mut off = parse_num(args.get(2), 0)?;
    let f = match OpenOptions::new().read(true).open(path) {
        Ok(f) => f,
        Err(e) => {
            println!("{}", errno_name(&e));
            return Ok(());
        }
    };
    let mut buf = vec![0u8; bs];
    let mut out = io::stdout().lock();
    loop {
        match f.read_at(&mut buf, off) {
            Ok(0) => break,
            Ok(n) => {
                match out.write_all(&buf[..n]) {
                    Ok(()) => {}
                    // The consumer (`| head`) has seen enough.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(e) => return Err(e.to_string()),
                }
                off += n as u64;
            }
            Err(e) => {
                println!("{}", errno_name(&e));
                break;
            }
        }
    }
    Ok(())
}

fn cmd_reread(args: &[String]) -> Result<(), String> {
    let [path] = args else {
        return Err("usage: kfio reread PATH".into());
    };
    let mut f = OpenOptions::new()
        .read(true)
        .open(path)
        .map_err(|e| format!("open {path}: {}", errno_name(&e)))?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    f.read_to_end(&mut a).map_err(|e| errno_name(&e))?;
    f.seek(SeekFrom::Start(0)).map_err(|e| errno_name(&e))?;
    f.read_to_end(&mut b).map_err(|e| errno_name(&e))?;
    if a == b {
        println!("same {}", a.len());
    } else {
        println!("differ {} {}", a.len(), b.len());
    }
    Ok(())
}

fn cmd_hammer(args: &[String]) -> Result<(), String> {
    let [path, secs, writers, readers, values @ ..] = args else {
        return Err("usage: kfio hammer PATH SECS WRITERS READERS VALUE...".into());
    };
    if values.is_empty() {
        return Err("hammer needs at least one VALUE".into());
    }
    let deadline = Instant::now() + Duration::from_secs(parse_num(Some(secs), 1)?);
    // (what is written, how it reads back)
    let values: Arc<Vec<(Vec<u8>, Vec<u8>)>> = Arc::new(
        values
            .iter()
            .map(|v| match v.split_once('=') {
                Some((w, r)) => (unescape(w), normalize(&unescape(r))),
                None => (unescape(v), normalize(&unescape(v))),
            })
            .collect(),
    );
    let bad = Arc::new(AtomicBool::new(false));
    let (reads, writes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut threads = Vec::new();
    for w in 0..parse_num(Some(writers), 1)? {
        let (path, values, bad, writes) =
            (path.clone(), values.clone(), bad.clone(), writes.clone());
        threads.push(thread::spawn(move || {
            let mut i = w as usize;
            while Instant::now() < deadline && !bad.load(Ordering::Relaxed) {
                let v = &values[i % values.len()].0;
                i += 1;
                let r = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|mut f| f.write(v));
                match r {
                    Ok(n) if n == v.len() => {
                        writes.fetch_add(1, Ordering::Relaxed);
                    }
                    other => {
                        println!("bad write {:?}: {:?}", String::from_utf8_lossy(v), other);
                        bad.store(true, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for _ in 0..parse_num(Some(readers), 1)? {
        let (path, values, bad, reads) = (path.clone(), values.clone(), bad.clone(), reads.clone());
        threads.push(thread::spawn(move || {
            while Instant::now() < deadline && !bad.load(Ordering::Relaxed) {
                let mut s = Vec::new();
                let r = OpenOptions::new()
                    .read(true)
                    .open(&path)
                    .and_then(|mut f| f.read_to_end(&mut s));
                match r {
                    Ok(_) if values.iter().any(|(_, shown)| *shown == s) => {
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                    other => {
                        println!(
                            "bad read {:?}: {:?}",
                            String::from_utf8_lossy(&s),
                            other.map_err(|e| errno_name(&e))
                        );
                        bad.store(true, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in threads {
        t.join()
            .map_err(|_| "a hammer thread panicked".to_string())?;
    }
    if !bad.load(Ordering::Relaxed) {
        println!(
            "ok {} {}",
            reads.load(Ordering::Relaxed),
            writes.load(Ordering::Relaxed)
        );
    }
    Ok(())
}

fn cmd_diff(args: &[String]) -> Result<(), String> {
    let [kind, a, b, seed, ops] = args else {
        return Err("usage: kfio diff attr|buffer|burst|binary A B SEED OPS".into());
    };
    let kind = match kind.as_str() {
        "attr" => diff::Kind::Attr,
        "buffer" => diff::Kind::Buffer,
        "burst" => diff::Kind::Burst,
        "binary" => diff::Kind::Binary,
        _ => return Err(format!("unknown kind {kind}")),
    };
    let seed = parse_num(Some(seed), 0)?;
    match diff::run(kind, a, b, seed, parse_num(Some(ops), 1)? as u32) {
        Ok(n) => println!("ok {n} seed={seed}"),
        Err(e) => println!("differ seed={seed}: {e}"),
    }
    Ok(())
}

fn cmd_bench(args: &[String]) -> Result<(), String> {
    let [name, op, rust, c, rounds, iters] = args else {
        return Err("usage: kfio bench NAME OP RUST C ROUNDS ITERS".into());
    };
    let num = |s: &str| s.parse::<usize>().map_err(|_| format!("not a number: {s}"));
    let op = match op.split(':').collect::<Vec<_>>().as_slice() {
        ["read", bs] => bench::Op::Read(num(bs)?.clamp(1, 1 << 17)),
        ["write", text] => bench::Op::Write(unescape(text)),
        ["fill", bs, total] => bench::Op::Fill {
            bs: num(bs)?.clamp(1, 1 << 17),
            total: num(total)?,
        },
        ["burst", count, size, modes @ ..] if modes.len() <= 2 => {
            let mode = |i: usize| match modes.get(i).or(modes.first()).copied() {
                None | Some("write") => Ok(String::new()),
                Some(m @ ("reserve" | "memcpy")) => Ok(m.to_string()),
                Some(m) => Err(format!("unknown burst mode {m}")),
            };
            bench::Op::Burst {
                count: num(count)? as u64,
                size: num(size)?,
                modes: [mode(0)?, mode(1)?],
            }
        }
        _ if op.starts_with("exec:") => {
            let spec = &op["exec:".len()..];
            let (setup, command) = match spec.split_once(" ;; ") {
                Some((setup, command)) => (Some(setup.to_string()), command),
                None => (None, spec),
            };
            bench::Op::Exec {
                setup,
                command: command.to_string(),
            }
        }
        _ => return Err(format!("unknown operation {op}")),
    };
    let r = bench::run(&op, rust, c, num(rounds)?.max(1), num(iters)?.max(1))?;
    println!(
        "BENCH {name} {:.0} {:.0} {:.3} {:.3} {:.3}",
        r.rust_ns, r.c_ns, r.ratio, r.ratio_min, r.ratio_max
    );
    Ok(())
}

fn cmd_as(args: &[String]) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let [uid, cmd, rest @ ..] = args else {
        return Err("usage: kfio as UID COMMAND ARGS...".into());
    };
    let id = parse_num(Some(uid), 0)? as u32;
    let err = std::process::Command::new(cmd)
        .args(rest)
        .gid(id)
        .uid(id)
        .exec();
    Err(format!("exec {cmd}: {err}"))
}

/// How a written value reads back: the written text with one trailing newline.
fn normalize(v: &[u8]) -> Vec<u8> {
    let mut v = v.strip_suffix(b"\n").unwrap_or(v).to_vec();
    v.push(b'\n');
    v
}

/// `kfio mmap PATH LEN OFFSET [rw]`.
fn cmd_mmap(args: &[String]) -> Result<(), String> {
    let (Some(path), Some(len)) = (args.first(), args.get(1)) else {
        return Err("usage: kfio mmap PATH LEN OFFSET [rw]".into());
    };
    let len = parse_num(Some(len), 0)? as usize;
    let offset = parse_num(args.get(2), 0)?;
    let rw = args.get(3).is_some_and(|a| a == "rw");
    let f = match OpenOptions::new().read(true).write(rw).open(path) {
        Ok(f) => f,
        Err(e) => {
            println!("{}", errno_name(&e));
            return Ok(());
        }
    };
    let prot = libc::PROT_READ | if rw { libc::PROT_WRITE } else { 0 };
    // SAFETY: A fresh shared mapping of an open file; the address is chosen
    // by the kernel and only read (one byte) before it is unmapped.
    unsafe {
        let addr = libc::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            libc::MAP_SHARED,
            std::os::fd::AsRawFd::as_raw_fd(&f),
            offset as libc::off_t,
        );
        if addr == libc::MAP_FAILED {
            println!("{}", errno_name(&io::Error::last_os_error()));
            return Ok(());
        }
        std::hint::black_box(std::ptr::read_volatile(addr.cast::<u8>()));
        libc::munmap(addr, len);
    }
    println!("ok");
    Ok(())
}

/// `kfio records FILE SIZE`: checks that FILE is a whole number of relay_lab
/// burst records of SIZE bytes (64-bit little-endian sequence number, then
/// byte `i` is `i % 256`), each sequence number at most once. Prints
/// "ok COUNT MIN MAX" or the first bad record.
fn cmd_records(args: &[String]) -> Result<(), String> {
    let [path, size] = args else {
        return Err("usage: kfio records FILE SIZE".into());
    };
    let size: usize = size.parse().map_err(|_| "bad SIZE")?;
    if size < 8 {
        return Err("SIZE must be at least 8".into());
    }
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if data.len() % size != 0 {
        println!("bad length {} is not a multiple of {size}", data.len());
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    for (i, record) in data.chunks_exact(size).enumerate() {
        let seq = u64::from_le_bytes(record[..8].try_into().unwrap());
        let pattern = record
            .iter()
            .enumerate()
            .skip(8)
            .all(|(i, &b)| b == i as u8);
        if !pattern || !seen.insert(seq) {
            println!("bad record {i} (sequence {seq})");
            return Ok(());
        }
    }
    let (min, max) = (seen.iter().min().copied(), seen.iter().max().copied());
    println!(
        "ok {} {} {}",
        seen.len(),
        min.unwrap_or(0),
        max.unwrap_or(0)
    );
    Ok(())
}

fn cmd_read_nb(args: &[String]) -> Result<(), String> {
    let [path] = args else {
        return Err("usage: kfio read-nb PATH".into());
    };
    let mut options = OpenOptions::new();
    std::os::unix::fs::OpenOptionsExt::custom_flags(options.read(true), libc::O_NONBLOCK);
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) => {
            println!("{}", errno_name(&e));
            return Ok(());
        }
    };
    let mut buf = vec![0u8; 4096];
    match file.read(&mut buf) {
        Ok(n) => println!("ok {n}"),
        Err(e) => println!("{}", errno_name(&e)),
    }
    Ok(())
}

/// The poll event names, in the order `poll` and `epoll` print them.
const POLL_NAMES: [(i16, &str); 11] = [
    (libc::POLLIN, "IN"),
    (libc::POLLPRI, "PRI"),
    (libc::POLLOUT, "OUT"),
    (libc::POLLERR, "ERR"),
    (libc::POLLHUP, "HUP"),
    (libc::POLLNVAL, "NVAL"),
    (libc::POLLRDNORM, "RDNORM"),
    (libc::POLLRDBAND, "RDBAND"),
    (libc::POLLWRNORM, "WRNORM"),
    (libc::POLLWRBAND, "WRBAND"),
    (libc::POLLRDHUP, "RDHUP"),
];

/// `in,out,pri` as poll event bits.
fn parse_events(spec: &str) -> Result<i16, String> {
    spec.split(',').try_fold(0i16, |bits, name| {
        POLL_NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(bit, _)| bits | bit)
            .ok_or_else(|| format!("unknown poll event {name}"))
    })
}

/// Event bits as `IN,OUT` (or `none`).
fn event_names(bits: u32) -> String {
    let names: Vec<&str> = POLL_NAMES
        .iter()
        .filter(|(bit, _)| bits & (*bit as u16 as u32) != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(",")
    }
}

/// Opens `path` for reading and writing if allowed, else for reading, and
/// reads `skip` bytes from it first (blocking).
fn open_skipping(path: &str, skip: &str) -> io::Result<std::fs::File> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .or_else(|_| OpenOptions::new().read(true).open(path))?;
    let mut buf = vec![0u8; 4096];
    if skip == "all" {
        // Everything there is now: non-blocking reads until one would wait.
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        // SAFETY: fcntl() on a descriptor this function owns.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        // SAFETY: As above.
        unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) };
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        // SAFETY: As above.
        unsafe { libc::fcntl(fd, libc::F_SETFL, flags) };
        return Ok(file);
    }
    let mut left: usize = skip
        .parse()
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    while left > 0 {
        let want = left.min(buf.len());
        match file.read(&mut buf[..want])? {
            0 => break,
            n => left -= n,
        }
    }
    Ok(file)
}

/// `poll PATH EVENTS MS [SKIP]` and `epoll PATH EVENTS MS [SKIP]`: waits
/// with poll() or epoll for EVENTS (`in,out,pri,...`) on PATH, after reading
/// SKIP bytes (`all`: all there is now), for MS milliseconds (-1: forever);
/// prints the events returned, `timeout`, or the errno.
fn cmd_poll(args: &[String], epoll: bool) -> Result<(), String> {
    let (path, events, ms, skip) = match args {
        [p, e, m] => (p, e, m, "0"),
        [p, e, m, s] => (p, e, m, s.as_str()),
        _ => return Err("usage: kfio poll|epoll PATH EVENTS MS [SKIP]".into()),
    };
    let events = parse_events(events)?;
    let ms: i32 = ms.parse().map_err(|_| "bad MS")?;
    let file = match open_skipping(path, skip) {
        Ok(f) => f,
        Err(e) => {
            println!("{}", errno_name(&e));
            return Ok(());
        }
    };
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
    let (n, revents) = if epoll {
        // SAFETY: Plain system calls on descriptors this function owns, with
        // buffers valid for them.
        unsafe {
            let ep = libc::epoll_create1(0);
            if ep < 0 {
                return Err(format!("epoll_create1: {}", io::Error::last_os_error()));
            }
            let mut ev = libc::epoll_event {
                events: events as u16 as u32,
                u64: 0,
            };
            if libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) < 0 {
                println!("{}", errno_name(&io::Error::last_os_error()));
                return Ok(());
            }
            let mut out = libc::epoll_event { events: 0, u64: 0 };
            let n = libc::epoll_wait(ep, &mut out, 1, ms);
            // The module may be gone by now: closing takes the entry off.
            libc::close(ep);
            (n, out.events)
        }
    } else {
        let mut pfd = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: One valid pollfd, on a descriptor open for the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        (n, pfd.revents as u16 as u32)
    };
    match n {
        0 => println!("timeout"),
        n if n < 0 => println!("{}", errno_name(&io::Error::last_os_error())),
        _ => println!("{}", event_names(revents)),
    }
    Ok(())
}

/// `poll-many MS PATH:EVENTS...`: one poll() over all the files (each
/// opened for reading), for MS milliseconds; prints each file's events (as
/// `poll`), space-separated, or `timeout`.
fn cmd_poll_many(args: &[String]) -> Result<(), String> {
    let [ms, specs @ ..] = args else {
        return Err("usage: kfio poll-many MS PATH:EVENTS...".into());
    };
    let ms: i32 = ms.parse().map_err(|_| "bad MS")?;
    let mut files = Vec::new();
    let mut pfds = Vec::new();
    for spec in specs {
        let (path, events) = spec.rsplit_once(':').ok_or("want PATH:EVENTS")?;
        let file = match OpenOptions::new().read(true).open(path) {
            Ok(f) => f,
            Err(e) => {
                println!("{}", errno_name(&e));
                return Ok(());
            }
        };
        pfds.push(libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&file),
            events: parse_events(events)?,
            revents: 0,
        });
        files.push(file);
    }
    // SAFETY: `pfds` holds one valid pollfd per open file.
    let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
    match n {
        0 => println!("timeout"),
        n if n < 0 => println!("{}", errno_name(&io::Error::last_os_error())),
        _ => {
            let names: Vec<String> = pfds
                .iter()
                .map(|p| event_names(p.revents as u16 as u32))
                .collect();
            println!("{}", names.join(" "));
        }
    }
    Ok(())
}

fn cmd_open_race(args: &[String]) -> Result<(), String> {
    let [path, secs] = args else {
        return Err("usage: kfio open-race PATH SECS".into());
    };
    let secs: u64 = secs.parse().map_err(|_| "bad SECS")?;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut opened, mut missing, mut refused) = (0u64, 0u64, 0u64);
    let mut buf = vec![0u8; 4096];
    while Instant::now() < deadline {
        let mut options = OpenOptions::new();
        std::os::unix::fs::OpenOptionsExt::custom_flags(options.read(true), libc::O_NONBLOCK);
        let Ok(mut file) = options.open(path) else {
            // Refused although the file is there, or not there at all.
            if std::fs::metadata(path).is_ok() {
                refused += 1;
            } else {
                missing += 1;
            }
            continue;
        };
        opened += 1;
        let mut pfd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&file),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: One valid pollfd, on a descriptor open for the call.
        unsafe { libc::poll(&mut pfd, 1, 0) };
        // What a read returns does not matter here; that it returns does.
        let _ = file.read(&mut buf);
    }
    println!("ok {opened} {missing} {refused}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = match args.first().map(String::as_str) {
        Some("write") => cmd_write(&args[1..], false),
        Some("pwrite") => cmd_write(&args[1..], true),
        Some("writes") => cmd_writes(&args[1..]),
        Some("read") => cmd_read(&args[1..]),
        Some("hammer") => cmd_hammer(&args[1..]),
        Some("as") => cmd_as(&args[1..]),
        Some("diff") => cmd_diff(&args[1..]),
        Some("bench") => cmd_bench(&args[1..]),
        Some("reread") => cmd_reread(&args[1..]),
        Some("records") => cmd_records(&args[1..]),
        Some("stress") => stress::cmd(&args[1..]),
        Some("check-probes") => stress::cmd_check(&args[1..]),
        Some("mmap") => cmd_mmap(&args[1..]),
        Some("open-race") => cmd_open_race(&args[1..]),
        Some("read-nb") => cmd_read_nb(&args[1..]),
        Some("binary") => binary::cmd_binary(&args[1..]),
        Some("seek") => binary::cmd_seek(&args[1..]),
        Some("poll") => cmd_poll(&args[1..], false),
        Some("epoll") => cmd_poll(&args[1..], true),
        Some("poll-many") => cmd_poll_many(&args[1..]),
        Some("fuzz") => fuzz::cmd(&args[1..]),
        Some("sweep") => sweep::cmd(&args[1..]),
        Some("fuzz-worker") => fuzz::cmd_worker(&args[1..]),
        Some("fuzz-churn") => fuzz::cmd_churn(&args[1..]),
        _ => Err(
            "usage: kfio write|pwrite|writes|read|reread|hammer|diff|bench|records|check-probes|mmap|open-race|read-nb|poll|epoll|poll-many|binary|seek|stress|fuzz|sweep|as ... (see the source)"
                .into(),
        ),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kfio: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r"200\n"), b"200\n");
        assert_eq!(unescape(r"a\tb\\c"), b"a\tb\\c");
        assert_eq!(unescape(r"\x00\xff"), [0u8, 0xff]);
        assert_eq!(unescape(r"\q"), b"\\q");
    }

    #[test]
    fn names_poll_events() {
        assert_eq!(parse_events("in,pri"), Ok(libc::POLLIN | libc::POLLPRI));
        assert!(parse_events("bogus").is_err());
        assert_eq!(event_names((libc::POLLIN | libc::POLLHUP) as u32), "IN,HUP");
        assert_eq!(event_names(0), "none");
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize(b"5"), b"5\n");
        assert_eq!(normalize(b"5\n"), b"5\n");
    }
}
