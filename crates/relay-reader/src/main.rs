// SPDX-License-Identifier: GPL-2.0

//! `relay-read`: reads a relay channel written with relay-rs sub-buffer
//! headers. See `relay-read --help` and docs/using-the-crates.md.
//!
//! Each per-CPU file is read with `read()`, which consumes what it returns
//! and skips padding; the headers in the stream say where each sub-buffer's
//! records end. A sub-buffer still being written has no padding yet: the
//! reader then looks at its header again in an `mmap()` of the buffer (read
//! only) before going on, so it never mistakes the next header for records.

use kfiles_core::relay::{
    finished_padding, FormatError, Geometry, StreamDecoder, SubbufHeader, HEADER_LEN,
};
use relay_reader::{
    cpu_of, debugfs_mounted, parse_args, rate, ChannelError, Options, DEBUGFS, USAGE,
};
use std::{
    fs::{self, File},
    io::{self, BufWriter, ErrorKind, IsTerminal, Read, Write},
    os::fd::AsRawFd,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

/// Set by SIGINT/SIGTERM: stop following, drain, report.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// A read-only shared mapping of one per-CPU buffer.
struct Map {
    ptr: *const u8,
    len: usize,
}

impl Map {
    fn new(file: &File, len: usize) -> io::Result<Map> {
        // SAFETY: A fresh read-only shared mapping of `len` bytes of an open
        // file; the kernel picks the address.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Map {
            ptr: ptr.cast(),
            len,
        })
    }

    /// A copy of the header bytes at `offset`, read with volatile loads: the
    /// kernel writes this memory concurrently.
    fn header(&self, offset: usize) -> Option<[u8; HEADER_LEN]> {
        if offset.checked_add(HEADER_LEN)? > self.len {
            return None;
        }
        let mut out = [0u8; HEADER_LEN];
        for (i, byte) in out.iter_mut().enumerate() {
            // SAFETY: `offset + i` is inside the mapping, which lives as long
            // as `self`.
            *byte = unsafe { std::ptr::read_volatile(self.ptr.add(offset + i)) };
        }
        Some(out)
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: Unmaps exactly what `new` mapped, once.
        unsafe { libc::munmap(self.ptr.cast_mut().cast(), self.len) };
    }
}

struct Cpu {
    number: u32,
    path: PathBuf,
    file: File,
    map: Option<Map>,
    decoder: StreamDecoder,
    out: Option<BufWriter<File>>,
}

/// Whether `file` is on debugfs, where a relay file can be mapped (a capture
/// in an ordinary file is decoded from its headers alone).
fn on_debugfs(file: &File) -> bool {
    const DEBUGFS_MAGIC: libc::c_long = 0x6462_6720;
    // SAFETY: `statfs` is plain data, all zeroes is a valid value.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid statfs to fill for an open descriptor.
    let ret = unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) };
    ret == 0 && st.f_type as libc::c_long == DEBUGFS_MAGIC
}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

fn channel_error(path: &Path, err: &io::Error) -> ChannelError {
    match err.kind() {
        ErrorKind::PermissionDenied => ChannelError::PermissionDenied(path.to_owned()),
        ErrorKind::NotFound => not_found(path),
        _ => ChannelError::Io(path.to_owned(), err.to_string()),
    }
}

fn not_found(channel: &Path) -> ChannelError {
    if channel.starts_with(DEBUGFS) {
        let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
        if !debugfs_mounted(&mounts, DEBUGFS) {
            return ChannelError::DebugfsNotMounted(DEBUGFS.into());
        }
    }
    ChannelError::NoSuchChannel(channel.to_owned())
}

fn open_channel(opts: &Options) -> Result<Vec<Cpu>, ChannelError> {
    let channel = &opts.channel;
    let base = channel
        .file_name()
        .and_then(|b| b.to_str())
        .ok_or_else(|| ChannelError::NoSuchChannel(channel.clone()))?;
    let dir = match channel.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let entries = fs::read_dir(dir).map_err(|e| match e.kind() {
        ErrorKind::NotFound => not_found(channel),
        _ => channel_error(dir, &e),
    })?;
    let mut numbers: Vec<u32> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| cpu_of(e.file_name().to_str()?, base))
        .collect();
    if numbers.is_empty() {
        return Err(not_found(channel));
    }
    numbers.sort_unstable();
    let mut cpus = Vec::new();
    for number in numbers {
        let path = dir.join(format!("{base}{number}"));
        let file = File::open(&path).map_err(|e| channel_error(&path, &e))?;
        let out = match &opts.per_cpu_dir {
            Some(d) => {
                let p = d.join(format!("cpu{number}"));
                Some(BufWriter::with_capacity(
                    1 << 20,
                    File::create(&p).map_err(|e| ChannelError::Io(p, e.to_string()))?,
                ))
            }
            None => None,
        };
        cpus.push(Cpu {
            number,
            path,
            file,
            map: None,
            decoder: StreamDecoder::new(),
            out,
        });
    }
    Ok(cpus)
}

#[derive(Default)]
struct Totals {
    bytes: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// Reads CPU `cpu` until `read()` comes back short: the reader then stands at
/// the writer's position, which is always between records, so merged output
/// never interleaves parts of records.
fn drain(
    cpu: &mut Cpu,
    buf: &mut [u8],
    merged: &mut dyn Write,
    totals: &mut Totals,
) -> Result<bool, String> {
    let mut got = false;
    loop {
        let n = match cpu.file.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("{}: {e}", cpu.path.display())),
        };
        if n == 0 {
            return Ok(got);
        }
        got = true;
        let now = Instant::now();
        totals.first.get_or_insert(now);
        totals.last = Some(now);
        if cpu.map.is_none() && cpu.decoder.geometry().is_none() && on_debugfs(&cpu.file) {
            // Map the buffer as soon as the first header gives its size.
            if let Ok(header) = SubbufHeader::decode(&buf[..n.min(HEADER_LEN)]) {
                let len = header.geometry.buffer_len(page_size());
                match Map::new(&cpu.file, len) {
                    Ok(map) => cpu.map = Some(map),
                    Err(e) => eprintln!(
                        "relay-read: {}: mmap: {e}; cannot follow open sub-buffers exactly",
                        cpu.path.display()
                    ),
                }
            }
        }
        let map = cpu.map.as_ref();
        let geometry: Option<Geometry> = cpu.decoder.geometry();
        let peek = |sequence: u32| {
            let (map, geometry) = (map?, geometry?);
            finished_padding(
                &map.header(geometry.subbuf_offset(sequence))?,
                geometry,
                sequence,
            )
        };
        let mut write_err = None;
        let out: &mut dyn Write = match cpu.out.as_mut() {
            Some(o) => o,
            None => merged,
        };
        let before = cpu.decoder.record_bytes();
        let at_start = cpu.decoder.geometry().is_none();
        cpu.decoder
            .feed(&buf[..n], peek, |records| {
                if write_err.is_none() {
                    if let Err(e) = out.write_all(records) {
                        write_err = Some(e);
                    }
                }
            })
            .map_err(|e| match e {
                FormatError::BadMagic(_) if at_start => format!(
                    "{}: the data does not start at a sub-buffer header: an earlier \
                     reader stopped inside a sub-buffer (flush the channel, e.g. with its \
                     module's flush control, and read again)",
                    cpu.path.display()
                ),
                e => format!("{}: {e}", cpu.path.display()),
            })?;
        if let Some(e) = write_err {
            return Err(format!("writing output: {e}"));
        }
        totals.bytes += cpu.decoder.record_bytes() - before;
        if n < buf.len() {
            return Ok(got);
        }
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let mut cpus = open_channel(opts).map_err(|e| e.to_string())?;
    let mut merged: Box<dyn Write> = match &opts.output {
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    };
    if opts.follow {
        let handler: extern "C" fn(libc::c_int) = on_signal;
        // SAFETY: The handler only stores to an atomic, which is
        // async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
    }
    let progress = !opts.quiet && opts.follow && io::stderr().is_terminal();
    let start = Instant::now();
    let mut last_progress = start;
    let mut buf = vec![0u8; 256 * 1024];
    let mut totals = Totals::default();
    loop {
        let mut got = false;
        for cpu in &mut cpus {
            got |= drain(cpu, &mut buf, &mut *merged, &mut totals)?;
        }
        if !opts.follow || STOP.load(Ordering::Relaxed) {
            break;
        }
        if opts.duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        if progress && last_progress.elapsed() >= Duration::from_millis(500) {
            last_progress = Instant::now();
            eprint!(
                "\r{:.1} MiB, {}   ",
                totals.bytes as f64 / (1024.0 * 1024.0),
                rate(totals.bytes, start.elapsed().as_secs_f64())
            );
        }
        if got {
            continue;
        }
        // Nothing new: wait for relay's wakeup (a sub-buffer was finished) or
        // a timeout (records in a sub-buffer still being written).
        let mut fds: Vec<libc::pollfd> = cpus
            .iter()
            .map(|c| libc::pollfd {
                fd: c.file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 200) };
        if ready > 0
            && fds
                .iter()
                .all(|f| f.revents & (libc::POLLERR | libc::POLLHUP) != 0)
        {
            // relay_close(): the channel is gone; take what is left.
            for cpu in &mut cpus {
                drain(cpu, &mut buf, &mut *merged, &mut totals)?;
            }
            break;
        }
    }
    merged.flush().map_err(|e| format!("writing output: {e}"))?;
    for cpu in &mut cpus {
        if let Some(out) = cpu.out.as_mut() {
            out.flush().map_err(|e| format!("writing output: {e}"))?;
        }
        cpu.decoder
            .finish()
            .map_err(|e| format!("{}: {e}", cpu.path.display()))?;
    }
    if progress {
        eprintln!();
    }
    if !opts.quiet {
        summary(opts, &cpus, &totals);
    }
    Ok(())
}

fn summary(opts: &Options, cpus: &[Cpu], totals: &Totals) {
    let mut lost = 0;
    for cpu in cpus {
        let d = &cpu.decoder;
        lost += d.subbufs_lost();
        let first = d
            .first_sequence()
            .map_or("-".to_string(), |s| s.to_string());
        eprintln!(
            "relay-read: cpu{}: {} bytes, {} sub-buffers finished, starting at sub-buffer {first}, \
             {} overwritten while reading",
            cpu.number,
            d.record_bytes(),
            d.subbufs_finished(),
            d.subbufs_lost()
        );
    }
    let secs = match (totals.first, totals.last) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    eprintln!(
        "relay-read: total {} bytes, {} sub-buffers overwritten, {} from first to last read",
        totals.bytes,
        lost,
        rate(totals.bytes, secs)
    );
    if let Some(path) = &opts.dropped_file {
        match fs::read_to_string(path) {
            Ok(s) => eprintln!("relay-read: kernel dropped {} records", s.trim()),
            Err(e) => eprintln!("relay-read: {}: {e}", path.display()),
        }
    }
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("relay-read: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relay-read: {e}");
            ExitCode::FAILURE
        }
    }
}
