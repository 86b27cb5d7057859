// SPDX-License-Identifier: GPL-2.0

//! `kfio fuzz`: random operations on every file the demos expose, from
//! several processes at once, while another process unloads and reloads the
//! modules. The kernel must survive it without a report; the guest test
//! checks each demo's invariants afterwards.
//!
//! ```text
//! kfio fuzz SEED SECONDS PROCS MODULES ROOT...
//! ```
//!
//! Each worker process (seed `SEED + i`) repeatedly picks a file under a
//! random ROOT (directories are listed afresh, as files come and go with the
//! modules), opens it read-only, write-only or read-write (sometimes
//! non-blocking), and performs a few of: `read` of 0 to 70,000 bytes, `write`
//! of random, overlong, empty or well-formed input, `pread`/`pwrite` at
//! random offsets, `lseek`, `mmap` (a page, or the size of a default relay
//! buffer) and a read of every mapped page, `poll` (for up to 50 ms, for
//! any events), `epoll` (registering the file, sometimes keeping the epoll
//! descriptor); it closes the file, or keeps it open for a while (so that
//! modules go away under open files and pollers). A call that blocks (a
//! read of a file that waits for data) is interrupted within two
//! [`OP_LIMIT`]s by a signal from a watchdog thread, so blocking files can
//! be fuzzed too.
//! MODULES is a comma-separated list of module paths that the churn process
//! unloads and loads again in a loop (`-` for none). Prints the seed, the
//! operations tried, the bad inputs sent, the load/unload cycles and the
//! errors seen by errno.

use crate::errno_name;
use std::{
    collections::BTreeMap,
    fs::{self, OpenOptions},
    io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write},
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::fs::{FileExt, OpenOptionsExt},
    },
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// What one worker (or the churn process) did.
#[derive(Default)]
struct Tally {
    ops: u64,
    bad_inputs: u64,
    cycles: u64,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn record<T>(&mut self, r: io::Result<T>) -> Option<T> {
        self.ops += 1;
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                *self.errors.entry(errno_name(&e)).or_default() += 1;
                None
            }
        }
    }

    fn print(&self) {
        println!(
            "TALLY ops {} bad {} cycles {}",
            self.ops, self.bad_inputs, self.cycles
        );
        for (name, n) in &self.errors {
            println!("TALLY errno {name} {n}");
        }
    }

    fn add_line(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["TALLY", "ops", ops, "bad", bad, "cycles", cycles] => {
                self.ops += ops.parse::<u64>().unwrap_or(0);
                self.bad_inputs += bad.parse::<u64>().unwrap_or(0);
                self.cycles += cycles.parse::<u64>().unwrap_or(0);
            }
            ["TALLY", "errno", name, n] => {
                *self.errors.entry(name.to_string()).or_default() += n.parse::<u64>().unwrap_or(0)
            }
            _ => {}
        }
    }
}

/// Inputs that mean something to some file, so that writes also get past
/// the parsers: values at type limits, booleans, relay_exam's commands (with
/// small counts: a large burst is a long, legitimate write).
const WORDS: &[&str] = &[
    "0",
    "1",
    "-1",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "0x10",
    "010",
    "y",
    "n",
    "Y",
    "N",
    "on",
    "off",
    "hello",
    "1\n",
    "1 8",
    "10 64",
    "100 1000",
    "reserve 5 100",
    "memcpy 5 100",
    "reserve 1 65516",
    "3 65517",
    "x",
    "",
    " ",
];

fn input(rng: &mut fastrand::Rng) -> (Vec<u8>, bool) {
    match rng.u8(0..10) {
        0..=3 => {
            let mut w = WORDS[rng.usize(..WORDS.len())].as_bytes().to_vec();
            if rng.bool() {
                w.push(b'\n');
            }
            (w, false)
        }
        4 => (Vec::new(), true),
        5 => (vec![b'7'; rng.usize(60..5000)], true),
        6 => (vec![b'a'; rng.usize(60_000..70_000)], true),
        _ => ((0..rng.usize(1..300)).map(|_| rng.u8(..)).collect(), true),
    }
}

fn offset(rng: &mut fastrand::Rng) -> u64 {
    match rng.u8(0..6) {
        0 => 0,
        1 => rng.u64(0..100),
        2 => rng.u64(0..70_000),
        3 => u64::MAX >> rng.u32(0..64),
        _ => rng.u64(0..4096),
    }
}

/// A random file under `root`, descending through directories.
fn pick(rng: &mut fastrand::Rng, root: &Path) -> Option<PathBuf> {
    let mut at = root.to_path_buf();
    for _ in 0..4 {
        if !at.is_dir() {
            return Some(at);
        }
        let entries: Vec<PathBuf> = fs::read_dir(&at)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        if entries.is_empty() {
            return None;
        }
        at = entries[rng.usize(..entries.len())].clone();
    }
    Some(at)
}

/// How often the watchdog interrupts a worker's blocking call.
const OP_LIMIT: Duration = Duration::from_millis(200);

/// Does nothing: the timer signal only has to interrupt a blocking call.
extern "C" fn on_alarm(_: libc::c_int) {}

/// Makes `SIGALRM` interrupt blocking calls (`EINTR`, no restart).
fn install_alarm() {
    // SAFETY: A zeroed `sigaction` with a handler that does nothing and no
    // flags (so no `SA_RESTART`) is valid to install.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_alarm as *const () as usize;
        libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut());
    }
}

/// Interrupts the calling thread's blocking calls with `SIGALRM` every
/// [`OP_LIMIT`] while the returned flag is set. (A thread, not an interval
/// timer: the guest kernels are built without `CONFIG_POSIX_TIMERS`, so
/// `setitimer()` fails there.)
fn start_watchdog() -> Arc<AtomicBool> {
    // SAFETY: Returns the calling thread's handle; no requirement.
    let target = unsafe { libc::pthread_self() };
    let armed = Arc::new(AtomicBool::new(false));
    let flag = armed.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(OP_LIMIT);
        if flag.load(Ordering::Relaxed) {
            // SAFETY: `target` is the worker's main thread, which lives as
            // long as the process (this thread ends with it).
            unsafe { libc::pthread_kill(target, libc::SIGALRM) };
        }
    });
    armed
}

/// Random poll events: input, output, urgent data, or a mix.
fn poll_events(rng: &mut fastrand::Rng) -> i16 {
    [
        libc::POLLIN,
        libc::POLLOUT,
        libc::POLLPRI,
        libc::POLLIN | libc::POLLOUT,
    ][rng.usize(..4)]
}

/// One round of operations on one open file; epoll descriptors worth
/// keeping (registered on the file) go to `pollers`.
fn exercise(
    rng: &mut fastrand::Rng,
    tally: &mut Tally,
    file: &mut fs::File,
    pollers: &mut Vec<OwnedFd>,
    watchdog: &AtomicBool,
) {
    watchdog.store(true, Ordering::Relaxed);
    for _ in 0..rng.usize(1..8) {
        one_op(rng, tally, file, pollers);
    }
    watchdog.store(false, Ordering::Relaxed);
}

/// One operation on an open file.
fn one_op(
    rng: &mut fastrand::Rng,
    tally: &mut Tally,
    file: &mut fs::File,
    pollers: &mut Vec<OwnedFd>,
) {
    let fd = file.as_raw_fd();
    match rng.u8(0..10) {
        0 | 1 => {
            let mut buf = vec![0u8; [0, 1, 7, 4096, 65536, 70000][rng.usize(..6)]];
            tally.record(file.read(&mut buf));
        }
        2 | 3 => {
            let (data, bad) = input(rng);
            tally.bad_inputs += u64::from(bad);
            tally.record(file.write(&data));
        }
        4 => {
            let mut buf = vec![0u8; rng.usize(0..5000)];
            tally.record(file.read_at(&mut buf, offset(rng)));
        }
        5 => {
            let (data, bad) = input(rng);
            tally.bad_inputs += u64::from(bad) + 1;
            tally.record(file.write_at(&data, offset(rng)));
        }
        6 => {
            let to = match rng.u8(0..3) {
                0 => SeekFrom::Start(offset(rng)),
                1 => SeekFrom::Current(rng.i64(-5000..5000)),
                _ => SeekFrom::End(rng.i64(-5000..5000)),
            };
            tally.record(file.seek(to));
        }
        7 => {
            // A page, or the default relay buffer (64 KiB x 4).
            let len = [4096usize, 262_144, 8192][rng.usize(..3)];
            // SAFETY: A fresh read-only shared mapping; the kernel picks
            // the address; it is only read through volatile loads below
            // and unmapped before the function returns.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    fd,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                tally.record::<()>(Err(io::Error::last_os_error()));
            } else {
                tally.record::<()>(Ok(()));
                for page in (0..len).step_by(4096) {
                    // SAFETY: `page` is inside the mapping of `len` bytes.
                    unsafe { std::ptr::read_volatile(p.cast::<u8>().add(page)) };
                }
                // SAFETY: Unmaps exactly what was mapped above.
                unsafe { libc::munmap(p, len) };
            }
        }
        8 => {
            let mut pfd = libc::pollfd {
                fd,
                events: poll_events(rng),
                revents: 0,
            };
            // SAFETY: One valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, [0, 1, 5, 50][rng.usize(..4)]) };
            tally.record(if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(r)
            });
        }
        _ => {
            // SAFETY: Plain system calls; the new descriptor is owned
            // below.
            let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if ep < 0 {
                tally.record::<()>(Err(io::Error::last_os_error()));
                return;
            }
            // SAFETY: `ep` is a new descriptor nothing else owns.
            let ep = unsafe { OwnedFd::from_raw_fd(ep) };
            let mut event = libc::epoll_event {
                events: poll_events(rng) as u16 as u32,
                u64: 0,
            };
            // SAFETY: Valid descriptors and event.
            if unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) } < 0 {
                tally.record::<()>(Err(io::Error::last_os_error()));
                return;
            }
            let mut out = libc::epoll_event { events: 0, u64: 0 };
            // SAFETY: Room for one event.
            let r = unsafe { libc::epoll_wait(ep.as_raw_fd(), &mut out, 1, rng.i32(0..5)) };
            tally.record(if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(r)
            });
            // Some epoll instances stay registered while the module
            // goes (and while the file is closed and reopened).
            if rng.u8(0..4) == 0 && pollers.len() < 8 {
                pollers.push(ep);
            }
        }
    }
}

fn worker(seed: u64, deadline: Instant, roots: &[PathBuf]) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tally = Tally::default();
    let mut kept: Vec<fs::File> = Vec::new();
    let mut pollers: Vec<OwnedFd> = Vec::new();
    install_alarm();
    let watchdog = start_watchdog();
    while Instant::now() < deadline {
        let root = &roots[rng.usize(..roots.len())];
        let Some(path) = pick(&mut rng, root) else {
            continue;
        };
        let mut options = OpenOptions::new();
        match rng.u8(0..3) {
            0 => options.read(true),
            1 => options.write(true),
            _ => options.read(true).write(true),
        };
        if rng.u8(0..4) == 0 {
            options.custom_flags(libc::O_NONBLOCK);
        }
        let Some(mut file) = tally.record(options.open(&path)) else {
            continue;
        };
        exercise(&mut rng, &mut tally, &mut file, &mut pollers, &watchdog);
        // Keep some files open across module unloads.
        if rng.u8(0..8) == 0 {
            kept.push(file);
        }
        if kept.len() > 8 || rng.u8(0..16) == 0 {
            let i = rng.usize(..kept.len().max(1));
            if i < kept.len() {
                let mut f = kept.swap_remove(i);
                exercise(&mut rng, &mut tally, &mut f, &mut pollers, &watchdog);
            }
        }
        if pollers.len() >= 8 || rng.u8(0..16) == 0 {
            let i = rng.usize(..pollers.len().max(1));
            if i < pollers.len() {
                pollers.swap_remove(i);
            }
        }
    }
    tally.print();
}

fn churn(deadline: Instant, modules: &[String]) {
    let mut tally = Tally::default();
    let name = |path: &str| {
        Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let run = |cmd: &str, arg: &str| {
        Command::new(cmd)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    while Instant::now() < deadline {
        for m in modules {
            // rmmod is refused while a debugfs file of the module is open:
            // that is part of the test; the module then stays loaded.
            if run("rmmod", &name(m)) {
                tally.ops += 1;
                if run("insmod", m) {
                    tally.cycles += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    tally.print();
}

/// `kfio fuzz SEED SECONDS PROCS MODULES ROOT...`
pub fn cmd(args: &[String]) -> Result<(), String> {
    let [seed, secs, procs, modules, roots @ ..] = args else {
        return Err("usage: kfio fuzz SEED SECONDS PROCS MODULES|- ROOT...".into());
    };
    let num = |s: &str| s.parse::<u64>().map_err(|_| format!("not a number: {s}"));
    let (seed, secs, procs) = (num(seed)?, num(secs)?, num(procs)?.clamp(1, 64));
    if roots.is_empty() {
        return Err("no ROOT given".into());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut children = Vec::new();
    for i in 0..procs {
        let mut c = Command::new(&exe);
        c.args(["fuzz-worker", &(seed + i).to_string(), &secs.to_string()]);
        c.args(roots);
        children.push(
            c.stdout(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?,
        );
    }
    if modules != "-" {
        let mut c = Command::new(&exe);
        c.args(["fuzz-churn", &secs.to_string()]);
        c.args(modules.split(','));
        children.push(
            c.stdout(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?,
        );
    }
    let mut total = Tally::default();
    for mut child in children {
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                total.add_line(&line);
            }
        }
        child.wait().map_err(|e| e.to_string())?;
    }
    let errors: Vec<String> = total
        .errors
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "fuzz seed={seed} procs={procs} secs={secs}: operations {} bad-inputs {} load-unload-cycles {} errors {}",
        total.ops,
        total.bad_inputs,
        total.cycles,
        errors.join(",")
    );
    io::stdout().flush().map_err(|e| e.to_string())
}

/// `kfio fuzz-worker SEED SECONDS ROOT...` (started by `kfio fuzz`).
pub fn cmd_worker(args: &[String]) -> Result<(), String> {
    let [seed, secs, roots @ ..] = args else {
        return Err("usage: kfio fuzz-worker SEED SECONDS ROOT...".into());
    };
    let seed = seed.parse().map_err(|_| "bad SEED")?;
    let secs = secs.parse().map_err(|_| "bad SECONDS")?;
    let roots: Vec<PathBuf> = roots.iter().map(PathBuf::from).collect();
    worker(seed, Instant::now() + Duration::from_secs(secs), &roots);
    Ok(())
}

/// `kfio fuzz-churn SECONDS MODULE...` (started by `kfio fuzz`).
pub fn cmd_churn(args: &[String]) -> Result<(), String> {
    let [secs, modules @ ..] = args else {
        return Err("usage: kfio fuzz-churn SECONDS MODULE...".into());
    };
    let secs = secs.parse().map_err(|_| "bad SECONDS")?;
    churn(Instant::now() + Duration::from_secs(secs), modules);
    Ok(())
}
