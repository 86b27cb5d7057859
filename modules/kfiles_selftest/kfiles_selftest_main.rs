// SPDX-License-Identifier: GPL-2.0

//! Safe calls that used to corrupt or crash the kernel, made on purpose (not
//! a demo): the file crates must refuse or neutralise each, and the guest
//! test (`ci/guest/tests/35-selftest.sh`) checks what they did.
//!
//! At load it tries, in `/proc/kfiles_selftest` and
//! `/sys/kernel/debug/kfiles_selftest`:
//! - names that are not one path component (`sub/x`, `.`, `..`, empty, a
//!   number directly in `/proc`): procfs refuses them with `EINVAL` (they
//!   used to land in another directory than the handle owned, a
//!   use-after-free at removal), debugfs creates nothing;
//! - modes with file-type bits (a directory bit on a file, a socket bit on a
//!   directory): only the permission bits are used (debugfs `BUG()`ed,
//!   procfs made a socket-typed directory);
//! - `FileOps` handlers that claim more bytes than the call had
//!   (`overcount`, `maxcount`): the call fails with `EIO`;
//! - files that drop themselves from their own callbacks (`remove_self` in
//!   procfs and debugfs, written to; `drop_on_read`, read) and a
//!   `PeriodicWork` that drops itself from its own tick: each used to wait
//!   for itself forever; now the removal happens once the callback returns;
//! - a `Scope` (`scope_hits`, `drop_scope`) dropped from inside a write to
//!   one of its own files: the removal of its files is deferred, and the
//!   state they borrow is dropped only after them;
//! - per-open files whose open state drops the file when it is closed
//!   (`close_drops_self`): in procfs the removal would wait for the release
//!   it runs in, so it is deferred; debugfs removes at once;
//! - a per-open stream (`cursor`): each open reads its own `0 1 2`, and
//!   positioned calls fail with `ESPIPE`;
//! - a blocking stream (`pipe`, in procfs and debugfs): reads wait for
//!   writes (`EAGAIN` with `O_NONBLOCK`), each open from the start;
//!   `poll()` and `epoll` wait for them too; unloading with a reader
//!   blocked wakes it (`EIO`) instead of waiting for it forever, and
//!   unloading (procfs) or dropping the file (`drop_pipe`, debugfs) with
//!   pollers asleep, waiting for an event the file never reports, wakes
//!   them before the file's poll queue is freed;
//!   a wait inside the process walk (`wait_in_rcu`) is refused with
//!   `EPERM`; a file dropped (`victim`, by `poll_drops`'s `poll()`) while
//!   the very `poll()` call that drops it still has a poller on it: the
//!   removal does not wait for that poller, and its poll queue is freed
//!   after it has left;
//! - creating and dropping entries inside the process walk, where nothing
//!   may sleep: creation fails (`EPERM`, or nothing in debugfs), the drop of
//!   `rcu_drop` is deferred;
//! - the seek policies: `SEEK_END` from the length now (`growing`, in
//!   procfs and debugfs) or at open (`snapshots`, per-open), refused
//!   (`no_end`), a seek that moves nothing (`unmoved`), a stream of handler
//!   files (`ticker`, in procfs and debugfs);
//! - user copies inside the process walk (`copy_in_rcu`): `EPERM`.
//!
//! `/proc/kfiles_selftest/results` lists `CASE RESULT` per refused call, and
//! `CASE dropped` once a self-removed value is gone.

use core::sync::atomic::{
    AtomicU32, AtomicU64, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};
use periodic_work::{PeriodicWork, Tick};
use procfs_rs::{
    Align, Dir, EventQueue, File, FileOps, Handlers, Line, NetFiles, PerOpen, PerOpenOps,
    PollEvents, ReadBuf, Seek, SeqFile, Show, Store, WriteBuf,
};

kfiles_compat::module! {
    type: Selftest,
    name: "kfiles_selftest",
    authors: ["kfiles-rs developers"],
    description: "Hostile but safe calls of the kfiles crates, for the guest tests",
    license: "GPL",
}

/// A handler that claims `claim` bytes whatever the call.
struct Liar {
    claim: usize,
}

impl FileOps for Liar {
    fn read(&self, _out: &mut ReadBuf<'_>) -> Result<usize> {
        Ok(self.claim)
    }

    fn write(&self, _input: &mut WriteBuf<'_>) -> Result<usize> {
        Ok(self.claim)
    }
}

/// What the files of the seek policies hold: up to 4096 dots.
static DOTS: [u8; 4096] = [b'.'; 4096];

/// Adds `n` bytes to a length, up to `DOTS.len()`.
fn grow(len: &AtomicU64, n: usize) {
    let _ = len.fetch_update(Relaxed, Relaxed, |l| {
        Some((l + n as u64).min(DOTS.len() as u64))
    });
}

/// `SEEK_END` from the content's length now: `len` dots; a write of `n`
/// bytes adds `n`.
struct Growing {
    len: AtomicU64,
}

impl FileOps for Growing {
    const SEEK: Seek = Seek::WithinSize;

    fn size(&self) -> u64 {
        self.len.load(Relaxed)
    }

    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(&DOTS[..self.size() as usize])
    }

    fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
        grow(&self.len, input.len());
        Ok(input.len())
    }
}

/// As `Growing`, but each open file keeps the length it had at open.
struct Snapshots {
    len: AtomicU64,
}

impl PerOpenOps for Snapshots {
    type State = u64;
    const SEEK: Seek = Seek::WithinSize;

    fn open(&self) -> Result<u64> {
        Ok(self.len.load(Relaxed))
    }

    fn size(&self, len: &u64) -> u64 {
        *len
    }

    fn read(&self, len: &u64, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(&DOTS[..*len as usize])
    }

    fn write(&self, _len: &u64, input: &mut WriteBuf<'_>) -> Result<usize> {
        grow(&self.len, input.len());
        Ok(input.len())
    }
}

/// Ten dots whose end `lseek()` refuses to look for.
struct NoEnd;

impl FileOps for NoEnd {
    const SEEK: Seek = Seek::NoEnd;

    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(&DOTS[..10])
    }
}

/// Ten dots; `lseek()` succeeds and moves nothing.
struct Unmoved;

impl FileOps for Unmoved {
    const SEEK: Seek = Seek::Ignored;

    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(&DOTS[..10])
    }
}

/// A stream whose every read returns the next number, one line each.
struct Ticker {
    next: AtomicU64,
}

impl FileOps for Ticker {
    const SEEK: Seek = Seek::Stream;

    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        let mut line = Line::<24>::new();
        line.unsigned(self.next.fetch_add(1, Relaxed), 0, Align::Left)
            .byte(b'\n');
        out.write_slice(line.as_bytes())
    }
}

/// User copies inside the process walk (an RCU read-side section, where a
/// faulting copy must not sleep): refused with `EPERM`.
struct CopyInRcu;

impl FileOps for CopyInRcu {
    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        let mut result = Ok(0);
        let mut tried = false;
        process_list::for_each_process(|_| {
            if !tried {
                tried = true;
                result = out.serve(b"copied");
            }
        });
        result
    }

    fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
        let mut content = [0u8; 16];
        let mut result = Ok(0);
        let mut tried = false;
        process_list::for_each_process(|_| {
            if !tried {
                tried = true;
                result = input.store_into(&mut content);
            }
        });
        result
    }
}

/// What the refused calls returned, and what the self-removals did.
#[pin_data]
struct Log {
    #[pin]
    text: Mutex<KVec<u8>>,
}

impl Log {
    /// Appends the line `CASE OUTCOME`.
    fn line(&self, case: &str, outcome: &str) -> Result {
        let mut text = self.text.lock();
        for part in [case.as_bytes(), b" ", outcome.as_bytes(), b"\n"] {
            text.extend_from_slice(part, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Appends what a creation returned.
    fn record<T>(&self, case: &str, result: Result<T>) -> Result {
        let outcome = match result {
            Ok(_) => "created",
            Err(e) if e == EINVAL => "EINVAL",
            Err(e) if e == ENOMEM => "ENOMEM",
            Err(e) if e == EPERM => "EPERM",
            Err(e) if e == EEXIST => "EEXIST",
            Err(e) if e == EBUSY => "EBUSY",
            Err(_) => "error",
        };
        self.line(case, outcome)
    }
}

/// The `results` file's view of the log.
struct Results(Arc<Log>);

impl Show for Results {
    fn show(&self, m: &SeqFile) -> Result {
        m.write_bytes(&self.0.text.lock());
        Ok(())
    }
}

/// Files and a work item that drop themselves, each from its own callback.
#[pin_data]
struct Removals {
    log: Arc<Log>,
    #[pin]
    proc_store: Mutex<Option<Pin<KBox<File<Remover>>>>>,
    #[pin]
    proc_show: Mutex<Option<Pin<KBox<File<Remover>>>>>,
    #[pin]
    debugfs_store: Mutex<Option<Pin<KBox<debugfs_rs::File<Remover>>>>>,
    #[pin]
    work: Mutex<Option<Pin<KBox<PeriodicWork<Remover>>>>>,
    #[pin]
    proc_close: Mutex<Option<Pin<KBox<File<Remover>>>>>,
    #[pin]
    debugfs_close: Mutex<Option<Pin<KBox<debugfs_rs::File<Remover>>>>>,
    #[pin]
    scope: Mutex<Option<procfs_rs::Scope<Gadget>>>,
}

/// The state of a scope whose `drop_scope` file drops the whole scope (its
/// files and this state) from inside its own write: the removal would wait
/// for that write, so it is deferred, and the state, which the files
/// borrow, must outlive them there too.
struct Gadget {
    hits: AtomicU32,
    drop_scope: Remover,
}

impl Removals {
    /// Drops everything still there (module exit: breaks the cycles through
    /// `Remover::removals`).
    fn clear(&self) {
        // Each taken under its lock, dropped after it: a callback running
        // meanwhile may take the lock, and the drop waits for the callback.
        let proc_store = self.proc_store.lock().take();
        drop(proc_store);
        let proc_show = self.proc_show.lock().take();
        drop(proc_show);
        let debugfs_store = self.debugfs_store.lock().take();
        drop(debugfs_store);
        let work = self.work.lock().take();
        drop(work);
        let proc_close = self.proc_close.lock().take();
        drop(proc_close);
        let debugfs_close = self.debugfs_close.lock().take();
        drop(debugfs_close);
        let scope = self.scope.lock().take();
        drop(scope);
    }
}

/// Which of the [`Removals`] a [`Remover`] is.
#[derive(Clone, Copy)]
enum Which {
    ProcStore,
    ProcShow,
    DebugfsStore,
    Work,
    ProcClose,
    DebugfsClose,
    Scope,
}

/// The value of a file or work item that drops itself.
struct Remover {
    removals: Arc<Removals>,
    which: Which,
}

impl Remover {
    fn new(removals: &Arc<Removals>, which: Which) -> Self {
        Remover {
            removals: removals.clone(),
            which,
        }
    }

    fn case(&self) -> &'static str {
        match self.which {
            Which::ProcStore => "proc.remove_self",
            Which::ProcShow => "proc.drop_on_read",
            Which::DebugfsStore => "debugfs.remove_self",
            Which::Work => "work.self",
            Which::ProcClose => "proc.close_drops_self",
            Which::DebugfsClose => "debugfs.close_drops_self",
            Which::Scope => "proc.scope",
        }
    }

    /// Drops the file or work item whose callback is running.
    fn remove_own(&self) {
        remove_own(&self.removals, self.which);
    }
}

/// Drops the file or work item `which` of `r`. The lock is released first
/// (the temporary guard ends with each `let`): the drop must not hold what a
/// callback may take.
fn remove_own(r: &Removals, which: Which) {
    match which {
        Which::ProcStore => {
            let own = r.proc_store.lock().take();
            drop(own);
        }
        Which::ProcShow => {
            let own = r.proc_show.lock().take();
            drop(own);
        }
        Which::DebugfsStore => {
            let own = r.debugfs_store.lock().take();
            drop(own);
        }
        Which::Work => {
            let own = r.work.lock().take();
            drop(own);
        }
        Which::ProcClose => {
            let own = r.proc_close.lock().take();
            drop(own);
        }
        Which::DebugfsClose => {
            let own = r.debugfs_close.lock().take();
            drop(own);
        }
        Which::Scope => {
            let own = r.scope.lock().take();
            drop(own);
        }
    }
}

/// The state of an open `close_drops_self` file: closing the file drops it.
struct Closer {
    removals: Arc<Removals>,
    which: Which,
}

impl Drop for Closer {
    fn drop(&mut self) {
        remove_own(&self.removals, self.which);
    }
}

impl PerOpenOps for Remover {
    type State = Closer;

    fn open(&self) -> Result<Closer> {
        Ok(Closer {
            removals: self.removals.clone(),
            which: self.which,
        })
    }

    fn read(&self, _state: &Closer, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(b"open\n")
    }
}

/// What `pipe` holds at most.
const PIPE_SIZE: usize = 4096;

/// A blocking stream: writes append (up to [`PIPE_SIZE`] bytes in all), and
/// each open file reads everything from the start, waiting for more at the
/// end.
#[pin_data]
struct Pipe {
    #[pin]
    queue: EventQueue,
    #[pin]
    data: Mutex<KVec<u8>>,
    /// `data.len()`, for readers to test without the lock.
    len: AtomicUsize,
}

impl Pipe {
    fn new() -> impl PinInit<Self> {
        pin_init!(Pipe {
            queue <- EventQueue::new(),
            data <- new_mutex!(KVec::new()),
            len: AtomicUsize::new(0),
        })
    }
}

impl PerOpenOps for Pipe {
    /// Where the reader is.
    type State = AtomicUsize;
    const SEEK: Seek = Seek::Stream;

    fn open(&self) -> Result<AtomicUsize> {
        Ok(AtomicUsize::new(0))
    }

    fn queue(&self) -> Option<&EventQueue> {
        Some(&self.queue)
    }

    fn poll(&self, cursor: &AtomicUsize) -> PollEvents {
        let len = self.len.load(Acquire);
        let mut ready = PollEvents::empty();
        if len > cursor.load(Relaxed) {
            ready |= PollEvents::IN | PollEvents::RDNORM;
        }
        if len < PIPE_SIZE {
            ready |= PollEvents::OUT | PollEvents::WRNORM;
        }
        ready
    }

    fn read(&self, cursor: &AtomicUsize, out: &mut ReadBuf<'_>) -> Result<usize> {
        let at = cursor.load(Relaxed);
        out.wait_for(|| self.len.load(Acquire) > at)?;
        let data = self.data.lock();
        let end = data.len().min(at.saturating_add(out.len()));
        let n = out.write_slice(data.get(at..end).ok_or(EIO)?)?;
        cursor.store(at + n, Relaxed);
        Ok(n)
    }

    fn write(&self, _cursor: &AtomicUsize, input: &mut WriteBuf<'_>) -> Result<usize> {
        let n = input.len();
        let mut bytes = KVec::from_elem(0u8, n, GFP_KERNEL)?;
        input.read_slice(&mut bytes)?;
        let mut data = self.data.lock();
        if data.len() + n > PIPE_SIZE {
            return Err(ENOSPC);
        }
        data.extend_from_slice(&bytes, GFP_KERNEL)?;
        self.len.store(data.len(), Release);
        drop(data);
        self.queue.wake_all();
        Ok(n)
    }
}

/// A read that waits inside the process walk (an RCU read-side section,
/// where sleeping would let the walked tasks be freed): refused.
#[pin_data]
struct WaitInRcu {
    #[pin]
    queue: EventQueue,
}

impl PerOpenOps for WaitInRcu {
    type State = ();

    fn open(&self) -> Result {
        Ok(())
    }

    fn queue(&self) -> Option<&EventQueue> {
        Some(&self.queue)
    }

    fn read(&self, _state: &(), out: &mut ReadBuf<'_>) -> Result<usize> {
        let mut result = Ok(());
        let mut tried = false;
        process_list::for_each_process(|_| {
            if !tried {
                tried = true;
                result = out.wait_for(|| false);
            }
        });
        result.map(|()| 0)
    }
}

/// The debugfs `pipe`, until a write to `drop_pipe` drops it (debugfs
/// files pin the module while open, so its removal with readers and
/// pollers asleep is tested at run time, not by unloading).
#[pin_data]
struct DropPipe {
    #[pin]
    pipe: Mutex<Option<Pin<KBox<debugfs_rs::File<Pipe>>>>>,
}

impl Store for DropPipe {
    fn set_from(&self, _input: &[u8]) -> Result {
        // Dropped after the guard: the removal waits for the pipe's readers.
        let pipe = self.pipe.lock().take();
        drop(pipe.ok_or(ENOENT)?);
        Ok(())
    }
}

/// A file whose `poll()` drops `victim` (a pipe): polled together with the
/// victim in one `poll()` call, whose poller is then still on the victim's
/// queue, and cannot leave it before this returns. The removal must not
/// wait for it (it would wait for itself): the victim's poll queue outlives
/// the file, and is freed once the poller has left.
#[pin_data]
struct PollDrops {
    #[pin]
    victim: Mutex<Option<Pin<KBox<File<Pipe>>>>>,
}

impl FileOps for PollDrops {
    fn poll(&self) -> PollEvents {
        // Dropped after the guard.
        let victim = self.victim.lock().take();
        drop(victim);
        PollEvents::IN
    }
}

/// A stream each of whose opens reads `0\n`, `1\n`, `2\n`, one per read,
/// then end of file.
struct Cursor;

impl PerOpenOps for Cursor {
    type State = AtomicU32;
    const SEEK: Seek = Seek::Stream;

    fn open(&self) -> Result<AtomicU32> {
        Ok(AtomicU32::new(0))
    }

    fn read(&self, next: &AtomicU32, out: &mut ReadBuf<'_>) -> Result<usize> {
        if out.pos() != 0 {
            // A stream's handlers always see position 0.
            return Err(EIO);
        }
        let n = next.fetch_add(1, Relaxed);
        if n >= 3 {
            next.store(3, Relaxed);
            return Ok(0);
        }
        out.write_slice(&[b'0' + n as u8, b'\n'])
    }
}

impl Drop for Remover {
    fn drop(&mut self) {
        let _ = self.removals.log.line(self.case(), "dropped");
    }
}

impl Show for Remover {
    fn show(&self, m: &SeqFile) -> Result {
        if let Which::ProcShow = self.which {
            self.remove_own();
        }
        m.write_str("still here\n");
        Ok(())
    }
}

impl Store for Remover {
    fn set_from(&self, _input: &[u8]) -> Result {
        self.remove_own();
        Ok(())
    }
}

impl Tick for Remover {
    fn tick(&self) {
        let _ = self.removals.log.line(self.case(), "tick");
        self.remove_own();
    }
}

#[pin_data]
struct Files {
    #[pin]
    results: File<Results>,
    #[pin]
    overcount: File<Liar>,
    #[pin]
    maxcount: File<Liar>,
    #[pin]
    typed: File<u32>,
    #[pin]
    cursor: File<Cursor>,
    #[pin]
    pipe: File<Pipe>,
    #[pin]
    wait_in_rcu: File<WaitInRcu>,
    #[pin]
    poll_drops: File<PollDrops>,
}

/// The seek policies beyond a stream and `Within` (which the template
/// driver's files test).
#[pin_data]
struct SeekFiles {
    #[pin]
    growing: File<Growing>,
    #[pin]
    snapshots: File<Snapshots>,
    #[pin]
    no_end: File<NoEnd>,
    #[pin]
    unmoved: File<Unmoved>,
    #[pin]
    ticker: File<Ticker>,
    #[pin]
    copy_in_rcu: File<CopyInRcu>,
    // The same through debugfs's proxy.
    #[pin]
    debugfs_growing: debugfs_rs::File<Growing>,
    #[pin]
    debugfs_ticker: debugfs_rs::File<Ticker>,
}

struct Selftest {
    removals: Arc<Removals>,
    _net: NetFiles<bool>,
    _files: Pin<KBox<Files>>,
    _seek_files: Pin<KBox<SeekFiles>>,
    _typed_dir: Dir,
    _dir: Dir,
    _debugfs: Pin<KBox<debugfs_rs::File<u32>>>,
    _drop_pipe: Pin<KBox<debugfs_rs::File<DropPipe>>>,
    _debugfs_dir: debugfs_rs::Dir,
}

impl Drop for Selftest {
    fn drop(&mut self) {
        self.removals.clear();
    }
}

impl kernel::Module for Selftest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let results = Arc::pin_init(
            pin_init!(Log { text <- new_mutex!(KVec::new()) }),
            GFP_KERNEL,
        )?;
        let root = Dir::root();
        let dir = root.subdir(c"kfiles_selftest", 0o555)?;
        let sub = dir.subdir(c"sub", 0o555)?;
        results.record("proc.subdir.slash", dir.subdir(c"sub/d", 0o555))?;
        results.record("proc.subdir.dot", dir.subdir(c".", 0o555))?;
        results.record("proc.subdir.dotdot", dir.subdir(c"..", 0o555))?;
        results.record("proc.subdir.empty", dir.subdir(c"", 0o555))?;
        results.record("proc.root.numeric", root.subdir(c"4242", 0o555))?;
        results.record("proc.symlink.slash", dir.symlink(c"sub/l", c"results"))?;
        results.record(
            "proc.file.slash",
            KBox::pin_init(dir.read_only_file(c"sub/x", 0o444, 1u32), GFP_KERNEL),
        )?;
        drop(sub);
        // A socket bit on a directory: a plain 0555 directory.
        let typed_dir = dir.subdir(c"typed_dir", 0o140555)?;
        let debugfs_dir = debugfs_rs::Dir::new(c"kfiles_selftest");
        // A directory bit on a debugfs file: a plain 0444 file.
        let debugfs = KBox::pin_init(
            debugfs_dir.read_only_file(c"typed", 0o040444, 7u32),
            GFP_KERNEL,
        )?;
        // Not one component: nothing is created.
        let slash = KBox::pin_init(debugfs_dir.read_only_file(c"a/b", 0o444, 1u32), GFP_KERNEL)?;
        let debugfs_pipe = KBox::pin_init(
            debugfs_dir.pinned_file::<debugfs_rs::PerOpen, _, _>(c"pipe", 0o666, Pipe::new()),
            GFP_KERNEL,
        )?;
        let drop_pipe = KBox::pin_init(
            debugfs_dir.pinned_file::<debugfs_rs::WriteOnly, _, _>(
                c"drop_pipe",
                0o200,
                pin_init!(DropPipe { pipe <- new_mutex!(Some(debugfs_pipe)) }),
            ),
            GFP_KERNEL,
        )?;
        let outcome = if slash.exists() { "created" } else { "absent" };
        results.line("debugfs.file.slash", outcome)?;
        drop(slash);
        let log = results.clone();
        // Names that exist: refused before procfs would WARN.
        results.record("proc.dup.subdir", dir.subdir(c"typed_dir", 0o555))?;
        results.record("proc.dup.symlink", dir.symlink(c"typed_dir", c"results"))?;
        results.record(
            "proc.dup.file",
            KBox::pin_init(dir.read_only_file(c"typed_dir", 0o444, 1u32), GFP_KERNEL),
        )?;
        results.record("proc.dup.root-own", root.subdir(c"kfiles_selftest", 0o555))?;
        results.record("proc.dup.root-kernel", root.subdir(c"meminfo", 0o555))?;
        // A name is free again once its entry is gone.
        drop(dir.subdir(c"again", 0o555)?);
        results.record("proc.dup.again", dir.subdir(c"again", 0o555))?;
        // /proc/net: a name the kernel made there (/proc/1/net/dev), one this
        // module made in the same namespace, a failing `build` (whose file is
        // gone after), and a ninth `NetFiles` (the module has eight slots).
        // A `NetFiles` leaked: unregistered (its files removed) at unload.
        results.record(
            "net.dup.kernel",
            NetFiles::new(|_| 0u32, |v, files| files.read_only_file(c"dev", 0o444, v)),
        )?;
        let net = NetFiles::new(
            |net| net.is_initial(),
            |v, files| files.read_only_file(c"kfiles_selftest", 0o444, v),
        )?;
        results.record(
            "net.dup.own",
            NetFiles::new(
                |_| 2u32,
                |v, files| files.read_only_file(c"kfiles_selftest", 0o444, v),
            ),
        )?;
        results.record(
            "net.build-error",
            NetFiles::new(
                |_| 3u32,
                |v, files| {
                    files.read_only_file(c"kfiles_selftest_partial", 0o444, v)?;
                    Err(EINVAL)
                },
            ),
        )?;
        core::mem::forget(NetFiles::new(
            |_| 4u32,
            |v, files| files.read_only_file(c"kfiles_selftest_leaked", 0o444, v),
        )?);
        let mut slots = KVec::new();
        for _ in 0..6 {
            slots.push(NetFiles::new(|_| 0u32, |_, _| Ok(()))?, GFP_KERNEL)?;
        }
        results.record("net.slots", NetFiles::new(|_| 0u32, |_, _| Ok(())))?;
        // Unregistered on a worker, before the module's exit returns.
        drop(slots);
        // Inside the process walk (an RCU read-side section) nothing may
        // sleep: creations are refused, a drop is deferred.
        let mut rcu_drop = Some(KBox::pin_init(
            dir.read_only_file(c"rcu_drop", 0o444, 3u32),
            GFP_KERNEL,
        )?);
        let (mut in_rcu, mut debugfs_in_rcu) = (None, None);
        process_list::for_each_process(|_| {
            if in_rcu.is_none() {
                in_rcu = Some(dir.subdir(c"in_rcu", 0o555).map(|_| ()));
                debugfs_in_rcu = Some(debugfs_dir.subdir(c"in_rcu").exists());
                drop(rcu_drop.take());
            }
        });
        results.record("proc.subdir.in-rcu", in_rcu.unwrap_or(Err(ENOENT)))?;
        let outcome = match debugfs_in_rcu {
            Some(false) => "absent",
            Some(true) => "created",
            None => "not run",
        };
        results.line("debugfs.subdir.in-rcu", outcome)?;
        let removals = Arc::pin_init(
            pin_init!(Removals {
                log,
                proc_store <- new_mutex!(None),
                proc_show <- new_mutex!(None),
                debugfs_store <- new_mutex!(None),
                work <- new_mutex!(None),
                proc_close <- new_mutex!(None),
                debugfs_close <- new_mutex!(None),
                scope <- new_mutex!(None),
            }),
            GFP_KERNEL,
        )?;
        let seek_dir = dir.clone();
        let seek_debugfs_dir = debugfs_dir.clone();
        let seek_files = KBox::pin_init(
            try_pin_init!(SeekFiles {
                growing <- seek_dir.ops_file(c"growing", 0o666, Growing { len: AtomicU64::new(10) }),
                snapshots <- seek_dir.per_open_file(
                    c"snapshots",
                    0o666,
                    Snapshots { len: AtomicU64::new(10) },
                ),
                no_end <- seek_dir.ops_file(c"no_end", 0o444, NoEnd),
                unmoved <- seek_dir.ops_file(c"unmoved", 0o444, Unmoved),
                ticker <- seek_dir.ops_file(c"ticker", 0o444, Ticker { next: AtomicU64::new(0) }),
                copy_in_rcu <- seek_dir.ops_file(c"copy_in_rcu", 0o666, CopyInRcu),
                debugfs_growing <- seek_debugfs_dir.ops_file(
                    c"growing",
                    0o666,
                    Growing { len: AtomicU64::new(10) },
                ),
                debugfs_ticker <- seek_debugfs_dir.ops_file(
                    c"ticker",
                    0o444,
                    Ticker { next: AtomicU64::new(0) },
                ),
            }),
            GFP_KERNEL,
        )?;
        let selftest = |files| Selftest {
            removals: removals.clone(),
            _net: net,
            _files: files,
            _seek_files: seek_files,
            _typed_dir: typed_dir,
            _dir: dir.clone(),
            _debugfs: debugfs,
            _drop_pipe: drop_pipe,
            _debugfs_dir: debugfs_dir.clone(),
        };
        let files_dir = dir.clone();
        let victim = KBox::pin_init(
            dir.pinned_file::<PerOpen, _, _>(c"victim", 0o444, Pipe::new()),
            GFP_KERNEL,
        )?;
        // From here on, `selftest` owns everything, and its drop breaks the
        // `Removals` cycles, also if a later step fails.
        let selftest = selftest(KBox::pin_init(
            try_pin_init!(Files {
                results <- files_dir.read_only_file(c"results", 0o444, Results(results)),
                overcount <- files_dir.ops_file(c"overcount", 0o666, Liar { claim: 4096 }),
                maxcount <- files_dir.ops_file(c"maxcount", 0o666, Liar { claim: usize::MAX }),
                // A directory bit on a proc file: a plain 0444 file.
                typed <- files_dir.read_only_file(c"typed", 0o040444, 5u32),
                cursor <- files_dir.per_open_file(c"cursor", 0o444, Cursor),
                pipe <- files_dir.pinned_file::<PerOpen, _, _>(c"pipe", 0o666, Pipe::new()),
                wait_in_rcu <- files_dir.pinned_file::<PerOpen, _, _>(
                    c"wait_in_rcu",
                    0o444,
                    pin_init!(WaitInRcu { queue <- EventQueue::new() }),
                ),
                poll_drops <- files_dir.pinned_file::<Handlers, _, _>(
                    c"poll_drops",
                    0o444,
                    pin_init!(PollDrops { victim <- new_mutex!(Some(victim)) }),
                ),
            }),
            GFP_KERNEL,
        )?);
        let r = &removals;
        *r.proc_store.lock() = Some(KBox::pin_init(
            dir.read_write_file(c"remove_self", 0o644, Remover::new(r, Which::ProcStore)),
            GFP_KERNEL,
        )?);
        *r.proc_show.lock() = Some(KBox::pin_init(
            dir.read_only_file(c"drop_on_read", 0o444, Remover::new(r, Which::ProcShow)),
            GFP_KERNEL,
        )?);
        *r.debugfs_store.lock() = Some(KBox::pin_init(
            debugfs_dir.write_only_file(
                c"remove_self",
                0o200,
                Remover::new(r, Which::DebugfsStore),
            ),
            GFP_KERNEL,
        )?);
        *r.proc_close.lock() = Some(KBox::pin_init(
            dir.per_open_file(
                c"close_drops_self",
                0o444,
                Remover::new(r, Which::ProcClose),
            ),
            GFP_KERNEL,
        )?);
        *r.debugfs_close.lock() = Some(KBox::pin_init(
            debugfs_dir.per_open_file(
                c"close_drops_self",
                0o444,
                Remover::new(r, Which::DebugfsClose),
            ),
            GFP_KERNEL,
        )?);
        let gadget = Gadget {
            hits: AtomicU32::new(3),
            drop_scope: Remover::new(r, Which::Scope),
        };
        *r.scope.lock() = Some(procfs_rs::Scope::new(&dir, gadget, |gadget, files| {
            files.read_only_file(c"scope_hits", 0o444, &gadget.hits)?;
            files.write_only_file(c"drop_scope", 0o200, &gadget.drop_scope)
        })?);
        let work = KBox::pin_init(
            PeriodicWork::new(Remover::new(r, Which::Work), 20),
            GFP_KERNEL,
        )?;
        let mut slot = r.work.lock();
        slot.insert(work).as_ref().start();
        drop(slot);
        Ok(selftest)
    }
}
