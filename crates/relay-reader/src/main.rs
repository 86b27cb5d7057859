// SPDX-License-Identifier: GPL-2.0

//! `relay-read`: reads a relay channel written with relay-rs sub-buffer
//! headers. See `relay-read --help` and docs/using-the-crates.md.
//!
//! Each per-CPU file is read with `read()`, which consumes what it returns
//! and skips padding; the headers in the stream say where each sub-buffer's
//! records end. A sub-buffer still being written has no padding yet: the
//! reader then looks at its header again in an `mmap()` of the buffer (read
//! only) before going on, so it never mistakes the next header for records.
//! relay maps a buffer only at its exact size, which the first header gives.
//!
//! An earlier reader may have stopped inside a sub-buffer, so the stream need
//! not start at a header. The reader therefore first reads one byte and
//! learns from the file position relay left (in `/proc/self/fdinfo`) where
//! in the buffer that byte was. If it starts a header (the usual case), the
//! rest of the header follows and gives the mapping's size. Otherwise the
//! reader finds the size by trying page multiples up to the largest buffer
//! relay-rs opens ([`MAX_BUFFER_BYTES`]; relay refuses every wrong size at
//! once, at the cost of one system call each), and starts decoding at that
//! byte with the header of its sub-buffer from the mapping.

use kfiles_core::relay::{
    finished_padding, FormatError, Geometry, StreamDecoder, SubbufHeader, HEADER_LEN, MAGIC,
    MAX_BUFFER_BYTES,
};
use relay_reader::{
    cpu_of, debugfs_mounted, fdinfo_pos, parse_args, rate, ChannelError, Options, DEBUGFS, USAGE,
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

/// Bytes read from a relay file at once.
const READ_BUFFER: usize = 256 * 1024;

/// Output buffering: small runs of records (between headers, or at the end
/// of a read) are gathered; runs at least this long, the bulk of a busy
/// channel, go straight to `write()` without a copy (`BufWriter` passes them
/// through).
const OUT_BUFFER: usize = 64 * 1024;

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

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

/// Maps the whole per-CPU buffer of relay file `file` without knowing its
/// size: relay refuses every length but the right one with `EINVAL`. Tries
/// `hint` (another CPU's size) first. `None` if no length up to
/// [`MAX_BUFFER_BYTES`] is accepted.
fn probe_map(file: &File, hint: Option<usize>) -> io::Result<Option<Map>> {
    let page = page_size();
    let lengths = (page..=MAX_BUFFER_BYTES.next_multiple_of(page)).step_by(page);
    for len in hint.into_iter().chain(lengths) {
        match Map::new(file, len) {
            Ok(map) => return Ok(Some(map)),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
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
    /// Whether the file is a live relay file (on debugfs) whose first bytes
    /// are still to be placed in the buffer.
    locate: bool,
    decoder: StreamDecoder,
    out: Option<BufWriter<File>>,
}

impl Cpu {
    fn here(&self, what: &str) -> String {
        format!(
            "{}: cannot locate the read position: {what}",
            self.path.display()
        )
    }

    /// The file position relay left after the last read.
    fn position(&self) -> Result<usize, String> {
        let fdinfo = format!("/proc/self/fdinfo/{}", self.file.as_raw_fd());
        let text = fs::read_to_string(&fdinfo).map_err(|e| self.here(&format!("{fdinfo}: {e}")))?;
        fdinfo_pos(&text).ok_or_else(|| self.here(&format!("no position in {fdinfo}")))
    }

    /// Reads the first bytes of a live relay file into `buf`, maps the
    /// buffer and sets the decoder up for them; returns how many bytes were
    /// read (0: nothing to read yet). `map_len` is the size of another CPU's
    /// buffer, if one is mapped.
    fn start(&mut self, buf: &mut [u8], map_len: &mut Option<usize>) -> Result<usize, String> {
        let read_err = |e: io::Error| format!("{}: {e}", self.path.display());
        let n = read_retrying(&mut self.file, &mut buf[..1]).map_err(read_err)?;
        if n == 0 {
            return Ok(0);
        }
        let first_pos = self.position()?;
        let mut got = 1;
        if buf[0] == MAGIC.to_le_bytes()[0] {
            // Perhaps a header: it is never split, so the rest follows.
            while got < HEADER_LEN {
                match read_retrying(&mut self.file, &mut buf[got..HEADER_LEN]).map_err(read_err)? {
                    0 => break,
                    n => got += n,
                }
            }
            if let Ok(header) = SubbufHeader::decode(&buf[..got]) {
                let at = header.geometry.subbuf_offset(header.sequence);
                if first_pos == at + 1 && self.position()? == at + HEADER_LEN {
                    let len = header.geometry.buffer_len(page_size());
                    self.map = match Map::new(&self.file, len) {
                        Ok(map) => Some(map),
                        Err(_) => probe_map(&self.file, *map_len).ok().flatten(),
                    };
                    self.locate = false;
                    if self.map.is_none() {
                        self.warn_unmapped("no length accepted");
                    }
                    *map_len = self.map.as_ref().map(|m| m.len).or(*map_len);
                    return Ok(got);
                }
            }
        }
        self.locate = false;
        match probe_map(&self.file, *map_len) {
            Ok(Some(map)) => {
                self.decoder = self.locate(&map, first_pos)?;
                *map_len = Some(map.len);
                self.map = Some(map);
            }
            Ok(None) => self.warn_unmapped("no length accepted"),
            Err(e) => self.warn_unmapped(&e.to_string()),
        }
        Ok(got)
    }

    fn warn_unmapped(&self, why: &str) {
        eprintln!(
            "relay-read: {}: mmap: {why}; reading from the channel's start only, \
             without following open sub-buffers exactly",
            self.path.display()
        );
    }

    /// A decoder for the stream from the byte that `read()` returned first,
    /// which left the file position at `pos`.
    fn locate(&self, map: &Map, pos: usize) -> Result<StreamDecoder, String> {
        let here = |what: &str| self.here(what);
        let slot = |offset: usize| {
            map.header(offset)
                .and_then(|h| SubbufHeader::decode(&h).ok())
        };
        let geometry = slot(0)
            .ok_or_else(|| {
                here("no sub-buffer header at the buffer's start (not a relay-rs channel?)")
            })?
            .geometry;
        let (index, offset) = geometry
            .last_read_byte(pos, |index| {
                slot(index * geometry.subbuf_size())
                    .filter(|h| h.is_finished())
                    .map(|h| h.padding)
            })
            .ok_or_else(|| here(&format!("position {pos} is not in the buffer")))?;
        let header = slot(index * geometry.subbuf_size())
            .ok_or_else(|| here(&format!("no header in sub-buffer {index}")))?;
        StreamDecoder::resume(&header, offset).map_err(|e| here(&e.to_string()))
    }
}

fn read_retrying(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
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
                    OUT_BUFFER,
                    File::create(&p).map_err(|e| ChannelError::Io(p, e.to_string()))?,
                ))
            }
            None => None,
        };
        cpus.push(Cpu {
            number,
            path,
            locate: on_debugfs(&file),
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
    map_len: &mut Option<usize>,
) -> Result<bool, String> {
    let mut got = false;
    loop {
        // The first bytes of a live file place the reader in the buffer;
        // they are decoded with what follows.
        let (n, starting) = if cpu.locate {
            (cpu.start(buf, map_len)?, true)
        } else {
            let n = read_retrying(&mut cpu.file, buf)
                .map_err(|e| format!("{}: {e}", cpu.path.display()))?;
            (n, false)
        };
        if n == 0 {
            return Ok(got);
        }
        got = true;
        let now = Instant::now();
        totals.first.get_or_insert(now);
        totals.last = Some(now);
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
                    "{}: the data does not start at a sub-buffer header, and the buffer \
                     could not be mapped to find where it does (not on debugfs, or not a \
                     relay-rs channel)",
                    cpu.path.display()
                ),
                e => format!("{}: {e}", cpu.path.display()),
            })?;
        if let Some(e) = write_err {
            return Err(format!("writing output: {e}"));
        }
        totals.bytes += cpu.decoder.record_bytes() - before;
        if !starting && n < buf.len() {
            return Ok(got);
        }
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let mut cpus = open_channel(opts).map_err(|e| e.to_string())?;
    let mut merged: Box<dyn Write> = match &opts.output {
        Some(p) => Box::new(BufWriter::with_capacity(
            OUT_BUFFER,
            File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(OUT_BUFFER, io::stdout().lock())),
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
    let mut buf = vec![0u8; READ_BUFFER];
    let mut totals = Totals::default();
    // The buffer size of the channel, once one CPU's buffer is mapped.
    let mut map_len = None;
    loop {
        let mut got = false;
        for cpu in &mut cpus {
            got |= drain(cpu, &mut buf, &mut *merged, &mut totals, &mut map_len)?;
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
                drain(cpu, &mut buf, &mut *merged, &mut totals, &mut map_len)?;
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
    let (mut overwritten, mut lost) = (0, 0);
    for cpu in cpus {
        let d = &cpu.decoder;
        // A gap in the sequence of a no-overwrite channel is data relay
        // stored and then skipped, not data overwritten by design.
        let gap_is_loss = d.overwrite() == Some(false);
        if gap_is_loss {
            lost += d.subbufs_lost();
        } else {
            overwritten += d.subbufs_lost();
        }
        let first = d
            .first_sequence()
            .map_or("-".to_string(), |s| s.to_string());
        eprintln!(
            "relay-read: cpu{}: {} bytes, {} sub-buffers finished, starting at sub-buffer {first}, \
             {} {}",
            cpu.number,
            d.record_bytes(),
            d.subbufs_finished(),
            d.subbufs_lost(),
            if gap_is_loss {
                "lost"
            } else {
                "overwritten while reading"
            }
        );
    }
    let secs = match (totals.first, totals.last) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    eprintln!(
        "relay-read: total {} bytes, {} sub-buffers overwritten, {} from first to last read",
        totals.bytes,
        overwritten,
        rate(totals.bytes, secs)
    );
    if lost > 0 {
        eprintln!(
            "relay-read: warning: {lost} sub-buffers of a no-overwrite channel were lost \
             (relay skipped data it had stored)"
        );
    }
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
