// SPDX-License-Identifier: GPL-2.0

//! `relay-read`: reads a relay channel, with or without relay-rs sub-buffer
//! headers, merged or per CPU, whole or followed. See `relay-read --help`;
//! the reading itself is the `relay_reader` library's.

mod cli;

use cli::{parse_args, rate, Options, Parsed, USAGE};
use relay_reader::{read_count, Channel, Drained, Error, Format, Records, Wait};
use std::{
    fs::File,
    io::{self, IsTerminal},
    os::fd::AsFd,
    path::PathBuf,
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

/// Set by SIGINT/SIGTERM: stop following, drain, report.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// How long a follower sleeps without a wakeup before it reads again:
/// relay wakes readers when a sub-buffer is finished, not at every record.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// Where records go: one file for all CPUs, or one per CPU. Written with
/// `write()`/`writev()` straight from the read buffer: no copy, no
/// buffering (every write is a whole read's worth).
enum Output {
    Merged(File),
    /// Each CPU's file, by CPU number.
    PerCpu(Vec<(u32, File)>),
}

impl Output {
    fn write(&mut self, records: &Records<'_>) -> io::Result<()> {
        let file = match self {
            Self::Merged(f) => f,
            Self::PerCpu(files) => match files.iter_mut().find(|(cpu, _)| *cpu == records.cpu()) {
                Some((_, f)) => f,
                None => return Err(io::Error::other("records of a CPU without a file")),
            },
        };
        records.write_to(file)
    }
}

#[derive(Default)]
struct Totals {
    bytes: u64,
    /// Bytes read since a stop was asked for (see STOP_CAP).
    after_stop: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

fn create(path: &PathBuf) -> Result<File, String> {
    File::create(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Bytes the reader still takes once a stop was asked for, per CPU of the
/// channel, as one budget all CPUs share: a relay-rs buffer holds at most
/// this much, so it covers what was in the buffers when the stop came; past
/// it, a writer is outrunning the reader, which stops anyway (its output may
/// then end inside a record).
const STOP_CAP: u64 = kfiles_core::relay::MAX_BUFFER_BYTES as u64;

/// One round of reading into `out`. Returns what was read and whether a CPU
/// has more now; `None` once a stop was asked for and STOP_CAP bytes were
/// read since (over all rounds).
fn drain(
    channel: &mut Channel,
    out: &mut Output,
    totals: &mut Totals,
    stop: &dyn Fn() -> bool,
) -> Result<Option<Drained>, Error> {
    let per_cpu = matches!(out, Output::PerCpu(_));
    let cap = STOP_CAP * channel.cpus().len() as u64;
    let sink = |records: &Records<'_>| {
        totals.bytes += records.len() as u64;
        out.write(records)?;
        if stop() {
            totals.after_stop += records.len() as u64;
            if totals.after_stop > cap {
                return Err(io::ErrorKind::Interrupted.into());
            }
        }
        Ok(())
    };
    // Per CPU, a busy CPU must not starve the others; merged output can
    // only switch CPUs where a read came back short.
    let drained = if per_cpu {
        channel.drain_limited(8, sink)
    } else {
        channel
            .drain(sink)
            .map(|read| Drained { read, more: false })
    };
    match drained {
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(e),
        Ok(d) => {
            if d.read {
                let now = Instant::now();
                totals.first.get_or_insert(now);
                totals.last = Some(now);
            }
            Ok(Some(d))
        }
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let mut channel = Channel::open(&opts.channel, opts.format).map_err(|e| e.to_string())?;
    if opts.follow && !channel.cpus().iter().all(|c| c.is_live()) {
        return Err(format!(
            "{}: --follow needs a live channel (relay files on debugfs), not a capture",
            opts.channel.display()
        ));
    }
    let mut out = match (&opts.output, &opts.per_cpu_dir) {
        (Some(p), _) => Output::Merged(create(p)?),
        (None, Some(dir)) => Output::PerCpu(
            channel
                .cpus()
                .iter()
                .map(|c| Ok::<_, String>((c.cpu(), create(&dir.join(format!("cpu{}", c.cpu())))?)))
                .collect::<Result<_, _>>()?,
        ),
        // stdout without std's line buffering, which would look for
        // newlines in every record.
        (None, None) => Output::Merged(File::from(
            io::stdout()
                .as_fd()
                .try_clone_to_owned()
                .map_err(|e| format!("stdout: {e}"))?,
        )),
    };
    if opts.follow {
        let handler: extern "C" fn(libc::c_int) = on_signal;
        // SAFETY: The handler only stores to an atomic, which is
        // async-signal-safe. glibc's signal() installs it with SA_RESTART,
        // so reads and writes resume; poll() returns EINTR, which
        // `Channel::wait` takes for a timeout.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
    }
    let progress = !opts.quiet && opts.follow && io::stderr().is_terminal();
    let start = Instant::now();
    let mut last_progress = start;
    let mut totals = Totals::default();
    let err = |e: Error| e.to_string();
    // A stop (signal, duration) ends following; what the buffers hold then
    // is still read, up to STOP_CAP per round.
    let stop =
        || STOP.load(Ordering::Relaxed) || opts.duration.is_some_and(|d| start.elapsed() >= d);
    let never = || false;
    let stop: &dyn Fn() -> bool = if opts.follow { &stop } else { &never };
    // Set when a stop had to cut reading short: the writer outran the
    // reader, and the output may end inside a record.
    let mut cut = false;
    loop {
        let Some(drained) = drain(&mut channel, &mut out, &mut totals, stop).map_err(err)? else {
            cut = true;
            break;
        };
        if drained.more {
            continue;
        }
        if !opts.follow || stop() {
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
        if drained.read {
            continue;
        }
        let wait = channel
            .wait(FOLLOW_POLL)
            .map_err(|e| format!("poll: {e}"))?;
        if wait == Wait::Closed || channel.cpus().iter().all(|c| c.removed()) {
            // The channel is gone: take what is left.
            loop {
                match drain(&mut channel, &mut out, &mut totals, stop).map_err(err)? {
                    Some(d) if d.more => continue,
                    Some(_) => break,
                    None => {
                        cut = true;
                        break;
                    }
                }
            }
            break;
        }
    }
    if cut {
        eprintln!(
            "relay-read: warning: stopped while the writer was still ahead: the output may \
             end inside a record, and the rest is left for the next reader"
        );
    } else {
        channel.finish().map_err(err)?;
    }
    if progress {
        eprintln!();
    }
    if !opts.quiet {
        summary(opts, &channel, &totals);
    }
    Ok(())
}

fn summary(opts: &Options, channel: &Channel, totals: &Totals) {
    let (mut overwritten, mut lost) = (0, 0);
    for cpu in channel.cpus() {
        let n = cpu.cpu();
        match cpu.decoder() {
            Some(d) => {
                // A gap in the sequence of a no-overwrite channel is data
                // relay stored and then skipped, not data overwritten by
                // design.
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
                    "relay-read: cpu{n}: {} bytes, {} sub-buffers finished, starting at \
                     sub-buffer {first}, {} {}{}",
                    d.record_bytes(),
                    d.subbufs_finished(),
                    d.subbufs_lost(),
                    if gap_is_loss {
                        "lost"
                    } else {
                        "overwritten while reading"
                    },
                    match d.resets() {
                        0 => String::new(),
                        r => format!(", channel reset {r} times"),
                    }
                );
            }
            None => eprintln!(
                "relay-read: cpu{n}: {} bytes{}",
                cpu.record_bytes(),
                match cpu.format() {
                    Some(Format::Raw) => {
                        " without sub-buffer headers (sub-buffers overwritten while reading \
                         cannot be seen)"
                    }
                    _ => "",
                }
            ),
        }
        if cpu.removed() {
            eprintln!("relay-read: cpu{n}: the file was removed while being read");
        }
        if let Some(Ok(info)) = cpu.kernel_info() {
            if let (Some(full), Some(too_big)) = (info.full, info.too_big) {
                eprintln!(
                    "relay-read: cpu{n}: relay found the buffer full {full} times, refused \
                     {too_big} writes as too big"
                );
            }
        }
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
    let dropped = match &opts.dropped_file {
        Some(path) => Some(read_count(path).unwrap_or_else(|| {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file", path.display()),
            ))
        })),
        None => channel.dropped(),
    };
    match dropped {
        Some(Ok(n)) => eprintln!("relay-read: kernel dropped {n} records"),
        Some(Err(e)) => eprintln!("relay-read: dropped-record count: {e}"),
        None => eprintln!(
            "relay-read: the channel publishes no dropped-record count (no 'dropped' file \
             beside it; see --dropped-file)"
        ),
    }
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Read(o)) => o,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("relay-read {}", env!("CARGO_PKG_VERSION"));
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
