// SPDX-License-Identifier: GPL-2.0

//! `kfio stress`: proves that a relay channel of relay_lab (or its C twin)
//! loses, duplicates and corrupts no record while writers on every CPU fill
//! it and a reader drains it at the same time.
//!
//! ```text
//! kfio stress DIR [secs=S] [size=N] [method=write|reserve|mix] [flush=1]
//!                 [reader=read|relay-read] [timer=STREAM:CONTEXT:PERIOD_US:SIZE[:METHOD]@CPU]...
//! ```
//!
//! One writer thread per CPU, pinned to it, writes probe records
//! ([`kfiles_core::probe`]) of stream `CPU` through `DIR/stream` for S
//! seconds; timers write their own streams from interrupt context (started
//! by a thread pinned to CPU, stopped before the count). Meanwhile one reader
//! thread per CPU file drains `DIR/chanN` with `read()` (or `relay-read -f`
//! writes each CPU's records to a FIFO that a thread checks), and with `flush=1` another
//! thread flushes the channel in a loop. Afterwards every record read is
//! checked and accounted against `DIR/streams`: each attempted record must
//! have been read exactly once and intact, or refused by the channel.
//!
//! Prints one `stream S attempted A refused F read R` line per stream, then
//! `ok|bad lost=L dup=D corrupt=C corrupt-bytes=B bogus=B records=R refused=F
//! dropped=D subbuf-gaps=G flushes=N headers-leaked=H`: `ok` when nothing was lost, duplicated,
//! corrupted or invented, and the refusals match the channel's `dropped`.

use kfiles_core::{
    probe::{self, ProbeError, PROBE_HEADER_LEN},
    relay::{SubbufHeader, HEADER_LEN, MAGIC},
};
use std::{
    collections::BTreeMap,
    fs::{self, File, OpenOptions},
    io::{ErrorKind, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

/// Records one `stream` command writes.
const RECORDS_PER_COMMAND: u32 = 256;

/// Sequence numbers seen, one bit each.
#[derive(Default)]
pub(crate) struct Bitmap(Vec<u64>);

impl Bitmap {
    /// Sets bit `n`; returns whether it was already set.
    fn set(&mut self, n: u64) -> bool {
        let (word, bit) = ((n / 64) as usize, n % 64);
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let was = self.0[word] & (1 << bit) != 0;
        self.0[word] |= 1 << bit;
        was
    }

    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| {
            (0..64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| i as u64 * 64 + b)
        })
    }
}

/// What a reader found in one CPU's byte stream.
#[derive(Default)]
pub(crate) struct Found {
    /// The sequence numbers of the intact records of each stream.
    pub(crate) seen: BTreeMap<u32, Bitmap>,
    /// Intact records whose stream and sequence were already seen here.
    pub(crate) duplicates: u64,
    /// Bytes that were neither a sub-buffer header nor an intact record.
    pub(crate) corrupt_bytes: u64,
    /// Places where such bytes started.
    pub(crate) corrupt_runs: u64,
    /// Sub-buffer sequence numbers skipped between consecutive headers.
    pub(crate) subbuf_gaps: u64,
    /// relay-rs sub-buffer headers seen (none may reach relay-read's output).
    pub(crate) headers: u64,
}

impl Found {
    pub(crate) fn record(&mut self, stream: u32, sequence: u64) {
        if self.seen.entry(stream).or_default().set(sequence) {
            self.duplicates += 1;
        }
    }
}

/// Splits the byte stream of one CPU's relay file (headers and probe
/// records, padding already stripped by `read()`) into records, across
/// arbitrary read boundaries.
#[derive(Default)]
pub(crate) struct Scanner {
    pending: Vec<u8>,
    found: Found,
    last_subbuf: Option<u32>,
    in_corruption: bool,
}

impl Scanner {
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            let rest = &self.pending[at..];
            if rest.len() < 4 {
                break;
            }
            let magic = u32::from_le_bytes(rest[..4].try_into().unwrap());
            if magic == MAGIC {
                if rest.len() < HEADER_LEN {
                    break;
                }
                if let Ok(h) = SubbufHeader::decode(&rest[..HEADER_LEN]) {
                    // The driver header after it, whole, is not a record.
                    let records = h.geometry.records_offset(true);
                    if rest.len() < records {
                        break;
                    }
                    if let Some(last) = self.last_subbuf {
                        let gap = h.sequence.wrapping_sub(last.wrapping_add(1));
                        if gap < 1 << 31 {
                            self.found.subbuf_gaps += u64::from(gap);
                        }
                    }
                    self.last_subbuf = Some(h.sequence);
                    self.found.headers += 1;
                    self.in_corruption = false;
                    at += records;
                    continue;
                }
            } else if magic == probe::PROBE_MAGIC {
                match probe::claimed_len(rest) {
                    Ok(None) => break,
                    Ok(Some(len)) if rest.len() < len => {
                        // Wait for the rest unless the length is absurd.
                        if len <= 1 << 26 {
                            break;
                        }
                    }
                    Ok(Some(len)) => {
                        if let Ok(p) = probe::check(&rest[..len]) {
                            self.found.record(p.stream, p.sequence);
                            self.in_corruption = false;
                            at += len;
                            continue;
                        }
                    }
                    Err(ProbeError::Magic | ProbeError::Length | ProbeError::Checksum) => {}
                }
            }
            // Not a header or an intact record here: skip a byte and resync.
            if !self.in_corruption {
                self.found.corrupt_runs += 1;
                self.in_corruption = true;
            }
            self.found.corrupt_bytes += 1;
            at += 1;
        }
        self.pending.drain(..at);
    }

    /// The findings; bytes left over (a record cut off at the end) count as
    /// corrupt.
    pub(crate) fn finish(mut self) -> Found {
        if !self.pending.is_empty() {
            self.found.corrupt_runs += 1;
            self.found.corrupt_bytes += self.pending.len() as u64;
        }
        self.found
    }
}

/// Per stream: attempted and refused records, from `DIR/streams`.
fn read_streams(dir: &Path) -> Result<BTreeMap<u32, (u64, u64)>, String> {
    let text = fs::read_to_string(dir.join("streams")).map_err(|e| format!("streams: {e}"))?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let v: Vec<u64> = line
            .split_whitespace()
            .map(|w| w.parse().map_err(|_| format!("streams: bad line {line:?}")))
            .collect::<Result<_, _>>()?;
        let [s, a, r] = v[..] else {
            return Err(format!("streams: bad line {line:?}"));
        };
        out.insert(s as u32, (a, r));
    }
    Ok(out)
}

/// Writes `text` at offset 0 of the control file `path`.
fn control(path: &Path, text: &str) -> Result<(), String> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{} <- {text:?}: {}", path.display(), crate::errno_name(&e)))
}

fn pin_to(cpu: usize) -> Result<(), String> {
    // SAFETY: `set` is a properly initialised cpu_set_t on our stack, and
    // sched_setaffinity only reads it.
    let ok = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    };
    ok.then_some(())
        .ok_or(format!("cannot pin a thread to CPU {cpu}"))
}

struct Timer {
    command: String,
    cpu: usize,
}

fn parse_timer(spec: &str) -> Result<Timer, String> {
    let (what, cpu) = spec.split_once('@').ok_or("timer=...@CPU")?;
    Ok(Timer {
        command: what.replace(':', " "),
        cpu: cpu.parse().map_err(|_| "timer: bad CPU")?,
    })
}

/// The CPU files `DIR/chan0`, `DIR/chan1`, ...
fn channel_files(dir: &Path) -> Vec<PathBuf> {
    (0..)
        .map(|i| dir.join(format!("chan{i}")))
        .take_while(|p| p.exists())
        .collect()
}

/// Reads `path` until `done` is set and a read finds nothing new.
fn drain_file(path: &Path, done: &AtomicBool) -> Result<Found, String> {
    let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut scanner = Scanner::default();
    let mut buf = vec![0u8; 256 * 1024];
    let mut idle_after_done = 0;
    loop {
        let finished = done.load(Ordering::Acquire);
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        scanner.feed(&buf[..n]);
        if n > 0 {
            idle_after_done = 0;
            continue;
        }
        if finished {
            idle_after_done += 1;
            if idle_after_done >= 3 {
                return Ok(scanner.finish());
            }
        }
        thread::sleep(Duration::from_millis(if finished { 50 } else { 1 }));
    }
}

pub(crate) fn cmd(args: &[String]) -> Result<(), String> {
    let dir = PathBuf::from(
        args.first()
            .ok_or("usage: kfio stress DIR [key=value]...")?,
    );
    let (mut secs, mut size, mut method, mut flush, mut reader) = (
        5.0f64,
        64usize,
        "write".to_string(),
        false,
        "read".to_string(),
    );
    let mut timers = Vec::new();
    for arg in &args[1..] {
        let (k, v) = arg.split_once('=').ok_or(format!("bad argument {arg:?}"))?;
        match k {
            "secs" => secs = v.parse().map_err(|_| "bad secs")?,
            "size" => size = v.parse().map_err(|_| "bad size")?,
            "method" => method = v.to_string(),
            "flush" => flush = v == "1",
            "reader" => reader = v.to_string(),
            "timer" => timers.push(parse_timer(v)?),
            _ => return Err(format!("unknown option {k}")),
        }
    }
    if size < PROBE_HEADER_LEN {
        return Err(format!("size must be at least {PROBE_HEADER_LEN}"));
    }
    let files = channel_files(&dir);
    if files.is_empty() {
        return Err(format!("{}: no chan0", dir.display()));
    }
    // A writer on every CPU, also when the channel has one buffer for all
    // (a global channel: `chan0` only).
    let ncpu = thread::available_parallelism()
        .map_or(0, |n| n.get())
        .max(files.len());
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let writers_done = Arc::new(AtomicBool::new(false));
    let mut errors = Vec::new();

    // Readers first, so that they drain from the start.
    let mut readers = Vec::new();
    let mut relay_read = None;
    let outdir = PathBuf::from(format!("/tmp/kfio-stress.{}", std::process::id()));
    match reader.as_str() {
        "read" => {
            for path in &files {
                let (path, done) = (path.clone(), writers_done.clone());
                readers.push(thread::spawn(move || drain_file(&path, &done)));
            }
        }
        "relay-read" => {
            // relay-read writes each CPU's records to a FIFO that a thread
            // here checks as they come (files would fill the guest's memory).
            fs::create_dir_all(&outdir).map_err(|e| e.to_string())?;
            for cpu in 0..files.len() {
                let fifo = outdir.join(format!("cpu{cpu}"));
                let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes())
                    .map_err(|e| e.to_string())?;
                // SAFETY: `c` is a NUL-terminated path.
                if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
                    return Err(format!(
                        "mkfifo {}: {}",
                        fifo.display(),
                        std::io::Error::last_os_error()
                    ));
                }
                readers.push(thread::spawn(move || {
                    let mut scanner = Scanner::default();
                    let mut f =
                        File::open(&fifo).map_err(|e| format!("{}: {e}", fifo.display()))?;
                    let mut buf = vec![0u8; 256 * 1024];
                    loop {
                        match f.read(&mut buf) {
                            Ok(0) => return Ok(scanner.finish()),
                            Ok(n) => scanner.feed(&buf[..n]),
                            Err(e) if e.kind() == ErrorKind::Interrupted => {}
                            Err(e) => return Err(format!("{}: {e}", fifo.display())),
                        }
                    }
                }));
            }
            relay_read = Some(
                Command::new("relay-read")
                    .args(["-f", "-q", "-d"])
                    .arg(&outdir)
                    .arg(dir.join("chan"))
                    .stdin(Stdio::null())
                    .spawn()
                    .map_err(|e| format!("relay-read: {e}"))?,
            );
        }
        _ => return Err(format!("unknown reader {reader}")),
    }

    for t in &timers {
        let (path, command, cpu) = (dir.join("timer"), t.command.clone(), t.cpu);
        thread::spawn(move || pin_to(cpu).and_then(|()| control(&path, &command)))
            .join()
            .map_err(|_| "timer thread panicked")??;
    }

    let mut writers = Vec::new();
    for cpu in 0..ncpu {
        let path = dir.join("stream");
        let command = format!("{cpu} {RECORDS_PER_COMMAND} {size} {method}");
        writers.push(thread::spawn(move || -> Result<u64, String> {
            pin_to(cpu)?;
            let mut f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let mut commands = 0;
            while Instant::now() < deadline {
                f.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
                f.write_all(command.as_bytes())
                    .map_err(|e| format!("stream <- {command:?}: {}", crate::errno_name(&e)))?;
                commands += 1;
            }
            Ok(commands)
        }));
    }
    let stop_flusher = Arc::new(AtomicBool::new(false));
    let flushes = Arc::new(AtomicU64::new(0));
    let flusher = flush.then(|| {
        let (path, stop, count) = (dir.join("flush"), stop_flusher.clone(), flushes.clone());
        thread::spawn(move || -> Result<(), String> {
            while !stop.load(Ordering::Relaxed) {
                control(&path, "1")?;
                count.fetch_add(1, Ordering::Relaxed);
                thread::sleep(Duration::from_micros(200));
            }
            Ok(())
        })
    });

    for w in writers {
        match w.join() {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("writer panicked".into()),
        }
    }
    stop_flusher.store(true, Ordering::Relaxed);
    if let Some(f) = flusher {
        match f.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("flusher panicked".into()),
        }
    }
    if !timers.is_empty() {
        if let Err(e) = control(&dir.join("timer"), "stop") {
            errors.push(e);
        }
    }
    writers_done.store(true, Ordering::Release);

    if let Some(mut child) = relay_read {
        // Let it take what is left, then stop it (it drains once more and
        // closes the FIFOs, which ends the checking threads).
        thread::sleep(Duration::from_millis(500));
        // SAFETY: Sending a signal to our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        match child.wait() {
            Ok(s) if s.success() => {}
            Ok(s) => errors.push(format!("relay-read exited with {s}")),
            Err(e) => errors.push(format!("relay-read: {e}")),
        }
    }
    let mut found = Vec::new();
    for r in readers {
        match r.join() {
            Ok(Ok(f)) => found.push(f),
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("reader panicked".into()),
        }
    }
    let _ = fs::remove_dir_all(&outdir);
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }

    // relay-read strips every header: one in its output is a header taken
    // for records.
    let headers_allowed = reader != "relay-read";
    print_verdict(
        &dir,
        &found,
        flushes.load(Ordering::Relaxed),
        headers_allowed,
    )
}

/// `kfio check-probes [--no-headers] DIR FILE...`: the probe records in FILEs (what a
/// reader wrote, one file per CPU or merged; relay-rs headers among them are
/// skipped) accounted against DIR's `streams` and `dropped` as `stress`
/// accounts its readers' (same output).
pub(crate) fn cmd_check(args: &[String]) -> Result<(), String> {
    // --no-headers: the files are a reader's output that must hold records
    // only (relay-read's): a relay-rs header in them is a failure.
    let (headers_allowed, args) = match args {
        [flag, rest @ ..] if flag == "--no-headers" => (false, rest),
        _ => (true, args),
    };
    let [dir, files @ ..] = args else {
        return Err("usage: kfio check-probes [--no-headers] DIR FILE...".into());
    };
    let found = files
        .iter()
        .map(|f| {
            let mut scanner = Scanner::default();
            scanner.feed(&fs::read(f).map_err(|e| format!("{f}: {e}"))?);
            Ok(scanner.finish())
        })
        .collect::<Result<Vec<_>, String>>()?;
    print_verdict(Path::new(dir), &found, 0, headers_allowed)
}

/// Prints each stream's accounting and the verdict line.
fn print_verdict(
    dir: &Path,
    found: &[Found],
    flushes: u64,
    headers_allowed: bool,
) -> Result<(), String> {
    let streams = read_streams(dir)?;
    let dropped: u64 = fs::read_to_string(dir.join("dropped"))
        .map_err(|e| format!("dropped: {e}"))?
        .trim()
        .parse()
        .map_err(|_| "dropped: not a number")?;
    let report = account(&streams, found);
    for (s, (attempted, refused)) in &streams {
        println!(
            "stream {s} attempted {attempted} refused {refused} read {}",
            report.read.get(s).copied().unwrap_or(0)
        );
    }
    let refused: u64 = streams.values().map(|&(_, r)| r).sum();
    let gaps: u64 = found.iter().map(|f| f.subbuf_gaps).sum();
    let headers: u64 = found.iter().map(|f| f.headers).sum();
    let leaked = if headers_allowed { 0 } else { headers };
    let verdict = if report.is_clean() && refused == dropped && leaked == 0 {
        "ok"
    } else {
        "bad"
    };
    println!(
        "{verdict} lost={} dup={} corrupt={} corrupt-bytes={} bogus={} records={} refused={refused} \
         dropped={dropped} subbuf-gaps={gaps} flushes={flushes} headers-leaked={leaked}",
        report.lost,
        report.duplicates,
        report.corrupt_runs,
        report.corrupt_bytes,
        report.bogus,
        report.total_read
    );
    Ok(())
}

/// How the records read compare with what the writers attempted.
#[derive(Default, Debug)]
pub(crate) struct Report {
    /// Intact records read, per stream (duplicates not counted).
    pub(crate) read: BTreeMap<u32, u64>,
    pub(crate) total_read: u64,
    /// Attempted, not refused, never read.
    pub(crate) lost: u64,
    pub(crate) duplicates: u64,
    /// Records of unknown streams or beyond a stream's attempts.
    pub(crate) bogus: u64,
    pub(crate) corrupt_runs: u64,
    pub(crate) corrupt_bytes: u64,
}

impl Report {
    pub(crate) fn is_clean(&self) -> bool {
        self.lost == 0
            && self.duplicates == 0
            && self.bogus == 0
            && self.corrupt_runs == 0
            && self.corrupt_bytes == 0
    }
}

/// Accounts every record: `streams` maps a stream to (attempted, refused).
pub(crate) fn account(streams: &BTreeMap<u32, (u64, u64)>, found: &[Found]) -> Report {
    let mut report = Report::default();
    let mut merged: BTreeMap<u32, Bitmap> = BTreeMap::new();
    for f in found {
        report.corrupt_runs += f.corrupt_runs;
        report.corrupt_bytes += f.corrupt_bytes;
        report.duplicates += f.duplicates;
        for (&stream, bits) in &f.seen {
            let attempted = streams.get(&stream).map_or(0, |&(a, _)| a);
            let all = merged.entry(stream).or_default();
            for seq in bits.iter() {
                if seq >= attempted {
                    report.bogus += 1;
                } else if all.set(seq) {
                    report.duplicates += 1;
                } else {
                    *report.read.entry(stream).or_default() += 1;
                    report.total_read += 1;
                }
            }
        }
    }
    for (s, &(attempted, refused)) in streams {
        let read = report.read.get(s).copied().unwrap_or(0);
        report.lost += attempted.saturating_sub(refused).saturating_sub(read);
        // More read than accepted: records counted as refused were stored.
        report.bogus += read.saturating_sub(attempted.saturating_sub(refused));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use kfiles_core::relay::{Geometry, OPEN};

    fn record(stream: u32, seq: u64, len: usize) -> Vec<u8> {
        let mut r = vec![0u8; len];
        probe::encode(&mut r, stream, seq).unwrap();
        r
    }

    fn header(seq: u32) -> Vec<u8> {
        SubbufHeader {
            padding: OPEN,
            sequence: seq,
            geometry: Geometry::new(4096, 4).unwrap(),
            overwrite: false,
            generation: 0,
        }
        .encode()
        .to_vec()
    }

    fn stream_of(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    /// What a scanner finds in `bytes` fed `chunk` bytes at a time.
    fn scan_in_chunks(bytes: &[u8], chunk: usize) -> Found {
        let mut s = Scanner::default();
        for part in bytes.chunks(chunk) {
            s.feed(part);
        }
        s.finish()
    }

    fn records(f: &Found) -> Vec<(u32, u64)> {
        f.seen
            .iter()
            .flat_map(|(&s, bits)| bits.iter().map(move |q| (s, q)))
            .collect()
    }

    fn found(records: &[(u32, u64)]) -> Found {
        let mut f = Found::default();
        for &(s, q) in records {
            f.record(s, q);
        }
        f
    }

    #[test]
    fn scans_at_every_split() {
        let bytes = stream_of(&[
            header(0),
            record(1, 0, 40),
            record(1, 1, 64),
            header(1),
            record(2, 0, 24),
        ]);
        for chunk in 1..bytes.len() {
            let f = scan_in_chunks(&bytes, chunk);
            assert_eq!(records(&f), [(1, 0), (1, 1), (2, 0)], "chunk {chunk}");
            assert_eq!((f.corrupt_runs, f.subbuf_gaps), (0, 0));
        }
    }

    /// Driver headers (`Callbacks::DRIVER_HEADER`), here bytes that look
    /// like the start of a probe record, are skipped, not taken for records.
    #[test]
    fn skips_driver_headers_at_every_split() {
        let geometry = Geometry::new(4096, 4)
            .unwrap()
            .with_driver_header(8)
            .unwrap();
        let header = |seq: u32| {
            let mut h = SubbufHeader {
                padding: OPEN,
                sequence: seq,
                geometry,
                overwrite: false,
                generation: 0,
            }
            .encode()
            .to_vec();
            h.extend_from_slice(&probe::PROBE_MAGIC.to_le_bytes());
            h.extend_from_slice(&seq.to_le_bytes());
            h
        };
        let bytes = stream_of(&[
            header(0),
            record(1, 0, 40),
            header(1),
            header(2),
            record(2, 0, 24),
        ]);
        for chunk in 1..bytes.len() {
            let f = scan_in_chunks(&bytes, chunk);
            assert_eq!(records(&f), [(1, 0), (2, 0)], "chunk {chunk}");
            assert_eq!((f.corrupt_runs, f.subbuf_gaps), (0, 0), "chunk {chunk}");
        }
    }

    #[test]
    fn finds_corruption_gaps_and_resyncs() {
        let mut bad = record(1, 1, 40);
        bad[30] ^= 0xff;
        let bytes = stream_of(&[
            header(0),
            record(1, 0, 40),
            bad,
            b"junk".to_vec(),
            header(3),
            record(1, 2, 40),
        ]);
        let mut s = Scanner::default();
        s.feed(&bytes);
        let f = s.finish();
        assert_eq!(records(&f), [(1, 0), (1, 2)]);
        assert_eq!(f.corrupt_runs, 1);
        assert_eq!(f.corrupt_bytes, 44);
        assert_eq!(f.subbuf_gaps, 2);
    }

    #[test]
    fn accounts_every_record() {
        let streams = BTreeMap::from([(0, (5, 1)), (1, (2, 2))]);
        let r = account(
            &streams,
            &[found(&[(0, 0), (0, 1)]), found(&[(0, 3), (0, 4)])],
        );
        assert!(r.is_clean(), "{r:?}");
        assert_eq!(r.total_read, 4);

        let lossy = [
            found(&[(0, 0), (0, 0), (0, 4), (0, 9), (7, 0)]),
            found(&[(0, 4)]),
        ];
        let r = account(&streams, &lossy);
        assert_eq!((r.lost, r.duplicates, r.bogus), (2, 2, 2));
    }
}
