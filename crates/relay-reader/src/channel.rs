// SPDX-License-Identifier: GPL-2.0

//! A whole channel: its per-CPU files found by base path, read in turn,
//! waited for together.

use crate::{cpu::CpuReader, Error, Format, Records};
use std::{
    fmt, fs,
    io::{self, ErrorKind},
    os::fd::{AsFd, AsRawFd},
    path::{Path, PathBuf},
    time::Duration,
};

/// Where debugfs is normally mounted.
pub const DEBUGFS: &str = "/sys/kernel/debug";

/// Bytes one `read()` asks for by default. relay's `read()` crosses
/// sub-buffers within one call; measured under instruction counting
/// (docs/benchmarks.md), 256 KiB reads a channel fastest: smaller ones cost
/// more system calls, larger ones more page faults on the buffer and cache
/// misses.
const DEFAULT_READ_SIZE: usize = 256 << 10;

/// The CPU number of `name` if it is `base` followed by a decimal number
/// (no leading zeros, at most five digits).
///
/// ```
/// use relay_reader::cpu_of;
/// assert_eq!(cpu_of("example17", "example"), Some(17));
/// assert_eq!(cpu_of("example01", "example"), None);
/// assert_eq!(cpu_of("examples1", "example"), None);
/// ```
pub fn cpu_of(name: &str, base: &str) -> Option<u32> {
    let digits = name.strip_prefix(base)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 5 {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// Whether `/proc/mounts` content `mounts` has a debugfs at `at`.
pub fn debugfs_mounted(mounts: &str, at: &str) -> bool {
    mounts.lines().any(|line| {
        let mut fields = line.split_whitespace();
        let _source = fields.next();
        fields.next() == Some(at) && fields.next() == Some("debugfs")
    })
}

/// Why a channel cannot be opened, in words a user can act on.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum ChannelError {
    /// debugfs is not mounted where the channel should be.
    DebugfsNotMounted(PathBuf),
    /// The directory exists but holds no `BASE<N>` files.
    NoSuchChannel(PathBuf),
    /// Not allowed to read the channel (or its directory).
    PermissionDenied(PathBuf),
    /// Anything else.
    Io(PathBuf, String),
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DebugfsNotMounted(p) => write!(
                f,
                "debugfs is not mounted at {} (mount -t debugfs none {})",
                p.display(),
                p.display()
            ),
            Self::NoSuchChannel(p) => write!(
                f,
                "no such channel: no files {}0, {}1, ... (is the module loaded?)",
                p.display(),
                p.display()
            ),
            Self::PermissionDenied(p) => write!(
                f,
                "permission denied: {} (relay files are usually readable by root only)",
                p.display()
            ),
            Self::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for ChannelError {}

fn not_found(channel: &Path) -> ChannelError {
    if channel.starts_with(DEBUGFS) {
        let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
        if !debugfs_mounted(&mounts, DEBUGFS) {
            return ChannelError::DebugfsNotMounted(DEBUGFS.into());
        }
    }
    ChannelError::NoSuchChannel(channel.to_owned())
}

fn channel_error(path: &Path, err: &io::Error) -> ChannelError {
    match err.kind() {
        ErrorKind::PermissionDenied => ChannelError::PermissionDenied(path.to_owned()),
        ErrorKind::NotFound => not_found(path),
        _ => ChannelError::Io(path.to_owned(), err.to_string()),
    }
}

/// What [`Channel::drain_limited`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Something was read.
    pub read: bool,
    /// A CPU reached the read limit with its reads still coming back full:
    /// more is waiting there now.
    pub more: bool,
}

/// What [`Channel::wait`] saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A sub-buffer was finished on some CPU: read again.
    Ready,
    /// Nothing happened within the timeout (records may still have been
    /// written into sub-buffers that are not finished: read again).
    Timeout,
    /// The channel was closed (relay_close(), or its files removed): read
    /// what is left, then stop.
    Closed,
}

/// The per-CPU files of one relay channel (or a capture of them in
/// ordinary files of the same names).
///
/// [`drain`](Self::drain) reads every CPU's file in turn until it comes back
/// short, then moves to the next: a short read leaves the reader at the
/// writer's position, so merged output does not interleave parts of records
/// of writers that copy whole records (relay's `relay_write()`, relay-rs's
/// `Channel::write`). [`wait`](Self::wait) sleeps until the kernel finishes a
/// sub-buffer, for following a channel as it is written.
pub struct Channel {
    path: PathBuf,
    cpus: Vec<CpuReader>,
    /// The buffer length of a CPU already mapped, for the others.
    map_len: Option<usize>,
}

impl Channel {
    /// Opens every file `BASE<N>` of the channel whose base path is
    /// `base` (for example `/sys/kernel/debug/relay-exam/example`).
    pub fn open(base: impl AsRef<Path>, format: Format) -> Result<Self, ChannelError> {
        Self::open_with_read_size(base, format, DEFAULT_READ_SIZE)
    }

    /// [`open`](Self::open), reading at most `read_size` bytes (at least a
    /// sub-buffer header's) per `read()`.
    pub fn open_with_read_size(
        base: impl AsRef<Path>,
        format: Format,
        read_size: usize,
    ) -> Result<Self, ChannelError> {
        let path = base.as_ref();
        let name = path
            .file_name()
            .and_then(|b| b.to_str())
            .ok_or_else(|| ChannelError::NoSuchChannel(path.to_owned()))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let entries = fs::read_dir(dir).map_err(|e| match e.kind() {
            ErrorKind::NotFound => not_found(path),
            _ => channel_error(dir, &e),
        })?;
        let mut numbers: Vec<u32> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| cpu_of(e.file_name().to_str()?, name))
            .collect();
        if numbers.is_empty() {
            return Err(not_found(path));
        }
        numbers.sort_unstable();
        let mut cpus = Vec::with_capacity(numbers.len());
        for number in numbers {
            let file = dir.join(format!("{name}{number}"));
            let cpu = CpuReader::open(number, file.clone(), format, read_size)
                .map_err(|e| channel_error(&file, &e))?;
            cpus.push(cpu);
        }
        Ok(Self {
            path: path.to_owned(),
            cpus,
            map_len: None,
        })
    }

    /// The base path the channel was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The per-CPU readers, in CPU order.
    pub fn cpus(&self) -> &[CpuReader] {
        &self.cpus
    }

    /// The per-CPU readers, to read one at a time ([`CpuReader::read`]).
    pub fn cpus_mut(&mut self) -> &mut [CpuReader] {
        &mut self.cpus
    }

    /// Reads once from the `index`th per-CPU file, as [`CpuReader::read`]
    /// but knowing the buffer length of CPUs already mapped.
    ///
    /// # Panics
    ///
    /// If `index` is not below `self.cpus().len()`.
    pub fn read_cpu(&mut self, index: usize) -> Result<Option<Records<'_>>, Error> {
        self.cpus[index].read_hinted(&mut self.map_len)
    }

    /// Reads everything available now, CPU after CPU, each until a read
    /// comes back short, passing every read's records to `sink`; returns
    /// whether anything was read. An error of `sink` stops it
    /// ([`Error::Output`]; a sink that wants to stop early, say on a
    /// signal, returns an error of its own kind).
    ///
    /// A CPU whose writer stays ahead of the reader keeps it there: for
    /// merged output there is no other way (records end only where a read
    /// comes back short); per-CPU consumers use
    /// [`drain_limited`](Self::drain_limited).
    pub fn drain(
        &mut self,
        sink: impl FnMut(&Records<'_>) -> io::Result<()>,
    ) -> Result<bool, Error> {
        Ok(self.drain_reads(None, sink)?.read)
    }

    /// [`drain`](Self::drain), moving to the next CPU after `max_reads`
    /// reads of one even if they came back full, so that a busy CPU does not
    /// starve the others. A record may then be split between two rounds:
    /// for consumers that keep each CPU's records apart. Call it again while
    /// [`Drained::more`] says a CPU had more.
    pub fn drain_limited(
        &mut self,
        max_reads: usize,
        sink: impl FnMut(&Records<'_>) -> io::Result<()>,
    ) -> Result<Drained, Error> {
        self.drain_reads(Some(max_reads.max(1)), sink)
    }

    fn drain_reads(
        &mut self,
        max_reads: Option<usize>,
        mut sink: impl FnMut(&Records<'_>) -> io::Result<()>,
    ) -> Result<Drained, Error> {
        let mut drained = Drained::default();
        for cpu in &mut self.cpus {
            let mut reads = 0;
            while let Some(records) = cpu.read_hinted(&mut self.map_len)? {
                drained.read = true;
                reads += 1;
                sink(&records).map_err(Error::Output)?;
                if !records.filled_buffer() {
                    break;
                }
                if max_reads.is_some_and(|m| reads >= m) {
                    drained.more = true;
                    break;
                }
            }
        }
        Ok(drained)
    }

    /// Waits up to `timeout` for the kernel to finish a sub-buffer on some
    /// CPU (relay wakes readers then, not at every record), or for the
    /// channel to close. Meant for live files: an ordinary file (a capture)
    /// is always ready.
    pub fn wait(&self, timeout: Duration) -> io::Result<Wait> {
        let mut fds: Vec<libc::pollfd> = self
            .cpus
            .iter()
            .map(|c| libc::pollfd {
                fd: c.as_fd().as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds, of
        // descriptors the readers keep open during the call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        match ready {
            -1 => {
                let e = io::Error::last_os_error();
                match e.kind() {
                    ErrorKind::Interrupted => Ok(Wait::Timeout),
                    _ => Err(e),
                }
            }
            0 => Ok(Wait::Timeout),
            // relay_close() (POLLERR) or removed files (POLLHUP) on every CPU.
            _ if fds
                .iter()
                .all(|f| f.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0) =>
            {
                Ok(Wait::Closed)
            }
            _ => Ok(Wait::Ready),
        }
    }

    /// The count of records the kernel dropped, from the file `dropped`
    /// beside the per-CPU files, where drivers publish it (blktrace, the
    /// relay-rs demos): `None` if there is no such file.
    pub fn dropped(&self) -> Option<io::Result<u64>> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        read_count(&dir.join("dropped"))
    }

    /// Checks that no stream ended inside a sub-buffer header.
    pub fn finish(&self) -> Result<(), Error> {
        self.cpus.iter().try_for_each(CpuReader::finish)
    }
}

/// The decimal count in file `path` (such as a driver's `dropped` file),
/// `None` if there is no such file.
///
/// ```
/// let path = std::env::temp_dir().join(format!("relay-reader-count-{}", std::process::id()));
/// assert!(relay_reader::read_count(&path).is_none());
/// std::fs::write(&path, "42\n")?;
/// assert_eq!(relay_reader::read_count(&path).unwrap()?, 42);
/// std::fs::write(&path, "many\n")?;
/// assert!(relay_reader::read_count(&path).unwrap().is_err());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_count(path: &Path) -> Option<io::Result<u64>> {
    let text = match fs::read_to_string(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(e)),
        Ok(t) => t,
    };
    Some(text.trim().parse().map_err(|_| {
        io::Error::new(
            ErrorKind::InvalidData,
            format!("{}: not a count: {:?}", path.display(), text.trim()),
        )
    }))
}
