// SPDX-License-Identifier: GPL-2.0

//! Queues that readers of a file sleep on until the driver has something for
//! them.

use core::{
    ffi::c_void,
    marker::PhantomPinned,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{bindings, error::code::ENOMEM, prelude::*, types::Opaque};
use kfiles_ffi as ffi;

/// A wait queue for blocking reads (C's `wait_queue_head_t` with
/// `wait_event_interruptible()` and `wake_up_all()`).
///
/// A file names its queue in [`PerOpenOps::queue`](crate::PerOpenOps::queue)
/// (or `FileOps::queue`); its read handler waits on it with
/// [`ReadBuf::wait_for`](crate::ReadBuf::wait_for), and the driver calls
/// [`wake_all`](Self::wake_all) after making data available. The file's
/// pollers (`poll()`, `select()`, `epoll`) are woken by it too, and then ask
/// the file's `poll()` again; they wait on a queue of the file's own, which
/// outlives them, so the driver's queue may go with the file's value.
/// Removing the file wakes it too: the blocked readers fail with `EIO`
/// before the removal waits for them, and the pollers return. Several files
/// may share one queue.
///
/// # Examples
///
/// A `trace_pipe`-like file: readers wait for the next event; each open
/// file has its own place in the sequence.
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering::{Acquire, Relaxed, Release}};
/// use debugfs_rs::{Align, EventQueue, Line, PerOpen, PerOpenOps, PollEvents, ReadBuf, Seek};
///
/// #[pin_data]
/// struct Events {
///     #[pin]
///     queue: EventQueue,
///     count: AtomicU64,
/// }
///
/// impl Events {
///     fn record(&self) {
///         self.count.fetch_add(1, Release);
///         self.queue.wake_all();
///     }
/// }
///
/// impl PerOpenOps for Events {
///     /// The next event the reader has not seen.
///     type State = AtomicU64;
///     const SEEK: Seek = Seek::Stream;
///
///     fn open(&self) -> Result<AtomicU64> {
///         Ok(AtomicU64::new(0))
///     }
///
///     fn queue(&self) -> Option<&EventQueue> {
///         Some(&self.queue)
///     }
///
///     /// Readable when there is an event the reader has not seen.
///     fn poll(&self, next: &AtomicU64) -> PollEvents {
///         if self.count.load(Acquire) > next.load(Relaxed) {
///             PollEvents::IN | PollEvents::RDNORM
///         } else {
///             PollEvents::empty()
///         }
///     }
///
///     fn read(&self, next: &AtomicU64, out: &mut ReadBuf<'_>) -> Result<usize> {
///         let seen = next.load(Relaxed);
///         // Sleeps on `queue()` until an event past `seen` (EAGAIN with
///         // O_NONBLOCK).
///         out.wait_for(|| self.count.load(Acquire) > seen)?;
///         let mut line = Line::<32>::new();
///         line.text(b"event ", 0, Align::Left).unsigned(seen, 0, Align::Left).byte(b'\n');
///         let n = out.write_slice(line.as_bytes())?;
///         next.store(seen + 1, Relaxed);
///         Ok(n)
///     }
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let events = KBox::pin_init(
///     dir.pinned_file::<PerOpen, _, _>(
///         c"events",
///         0o444,
///         pin_init!(Events { queue <- EventQueue::new(), count: AtomicU64::new(0) }),
///     ),
///     GFP_KERNEL,
/// )?;
/// # let path = c"/sys/kernel/debug/kfiles-doctest/events";
/// # assert_eq!(doctest::poll(path)?, 0);
/// events.record();
/// # assert_eq!(doctest::poll(path)?, (PollEvents::IN | PollEvents::RDNORM).bits());
/// # assert_eq!(&*doctest::read_some(path, 64)?, b"event 0\n");
/// ```
///
/// # Invariants
///
/// `head` is an initialised wait queue head, at a fixed address.
#[pin_data]
pub struct EventQueue {
    #[pin]
    head: Opaque<bindings::wait_queue_head>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: A wait queue head is not tied to the thread that initialised it;
// every operation on it takes its own spinlock.
unsafe impl Send for EventQueue {}
// SAFETY: The only operations through `&EventQueue` (`wake_up_all()`,
// `wait_event_interruptible()`) take the queue's spinlock, so any number of
// threads may use one queue at once.
unsafe impl Sync for EventQueue {}

impl EventQueue {
    /// A new queue, with no waiters.
    pub fn new() -> impl PinInit<Self> {
        // INVARIANT: `kfiles_init_event_queue()` initialises the head in
        // place; pinning keeps it there.
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned.
            head <- Opaque::ffi_init(|slot| unsafe { ffi::kfiles_init_event_queue(slot) }),
            _pin: PhantomPinned,
        })
    }

    /// Wakes every task waiting on the queue; each checks again whether what
    /// it waits for is there. Task, softirq and hardirq context (not NMI;
    /// on `PREEMPT_RT` not from a hard interrupt or under a raw spinlock:
    /// the queue's lock is a `spinlock_t`).
    pub fn wake_all(&self) {
        // SAFETY: `head` is initialised (type invariants).
        unsafe { ffi::kfiles_wake_up_all(self.head.get()) }
    }

    /// Sleeps until `ready()` is true (`Ok`) or a signal arrives
    /// (`ERESTARTSYS`).
    ///
    /// `ready` runs while the task is marked as sleeping: it must not sleep
    /// itself (atomics or a spinlock, no `Mutex`). The caller
    /// ([`ReadBuf::wait_for`](crate::ReadBuf::wait_for)) has checked that
    /// sleeping is allowed here.
    pub(crate) fn wait_until<R: Fn() -> bool>(&self, ready: R) -> Result {
        // SAFETY: `head` is initialised (type invariants); `ready` outlives
        // the call, and `call_ready::<R>` only calls it through `arg`.
        let ret = unsafe {
            ffi::kfiles_wait_event_interruptible(
                self.head.get(),
                Some(call_ready::<R>),
                (&raw const ready).cast(),
            )
        };
        kernel::error::to_result(ret)
    }
}

/// Calls the readiness test behind `arg`.
///
/// # Safety
///
/// `arg` must point at an `R` alive for the call.
unsafe extern "C" fn call_ready<R: Fn() -> bool>(arg: *const c_void) -> bool {
    // SAFETY: By the function's safety requirements.
    unsafe { (*arg.cast::<R>())() }
}

/// The events of `poll()`, `select()` and `epoll` a file reports ready (C's
/// `__poll_t`, `EPOLL*`).
///
/// # Examples
///
/// ```
/// use debugfs_rs::PollEvents;
///
/// let ready = PollEvents::IN | PollEvents::RDNORM;
/// assert!(ready.contains(PollEvents::IN));
/// assert!(!ready.contains(PollEvents::OUT));
/// assert_eq!(PollEvents::empty().bits(), 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PollEvents(u32);

impl PollEvents {
    /// There is data to read (`EPOLLIN`).
    pub const IN: Self = Self(ffi::KFILES_POLLIN);
    /// There is urgent data, an exceptional condition (`EPOLLPRI`).
    pub const PRI: Self = Self(ffi::KFILES_POLLPRI);
    /// A write would not block (`EPOLLOUT`).
    pub const OUT: Self = Self(ffi::KFILES_POLLOUT);
    /// An error condition (`EPOLLERR`).
    pub const ERR: Self = Self(ffi::KFILES_POLLERR);
    /// Hang up: the other end, or the file, is gone (`EPOLLHUP`).
    pub const HUP: Self = Self(ffi::KFILES_POLLHUP);
    /// Normal data to read (`EPOLLRDNORM`; usually reported with `IN`).
    pub const RDNORM: Self = Self(ffi::KFILES_POLLRDNORM);
    /// Normal data may be written (`EPOLLWRNORM`; usually with `OUT`).
    pub const WRNORM: Self = Self(ffi::KFILES_POLLWRNORM);
    /// The peer closed its writing end (`EPOLLRDHUP`).
    pub const RDHUP: Self = Self(ffi::KFILES_POLLRDHUP);
    /// What a file without `poll` reports (C's `DEFAULT_POLLMASK`): always
    /// readable and writable.
    pub const DEFAULT: Self = Self(
        ffi::KFILES_POLLIN | ffi::KFILES_POLLOUT | ffi::KFILES_POLLRDNORM | ffi::KFILES_POLLWRNORM,
    );
    /// What a file being removed reports: every event, so that every poller
    /// returns (and its next call fails).
    pub(crate) const REMOVED: Self = Self(ffi::KFILES_POLL_REMOVED);

    /// No event.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// The C value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every event of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for PollEvents {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl core::ops::BitOrAssign for PollEvents {
    fn bitor_assign(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

/// The pollers of one file: `poll()`, `select()` and `epoll` wait entries
/// sleep on a head of its own (`kfiles_poll_head` in helpers.c), never on a
/// driver's [`EventQueue`], whose wake-ups reach them through a forwarding
/// entry on it.
///
/// A poll wait entry stays on its queue after the `poll` callback has
/// returned: until `poll()` returns for `poll()` and `select()`, until the
/// file is closed or the entry woken with `POLLFREE` for `epoll`, aio and
/// io_uring. A queue of the driver's may be freed before that (with a value
/// debugfs frees while files are open, or procfs removes while a poller
/// still holds the file). The head is allocated on its own and freed by the
/// helpers only once no poller holds it (and an RCU grace period later:
/// epoll reads its address under RCU); a head still held when the file goes
/// is kept, and freed by a later sweep, so removal never waits for user
/// space.
///
/// # Invariants
///
/// `head` was allocated by `kfiles_poll_head_new()` and is owned by this
/// value until `drop` gives it to `kfiles_poll_head_free()`. If `forwarding`,
/// its `source` is the head of an [`EventQueue`] that stays alive until
/// `drop` has run.
pub(crate) struct Pollers {
    head: NonNull<ffi::kfiles_poll_head>,
    /// Whether a queue's wake-ups reach the head: without one, nothing but
    /// the removal would wake a poller, so none is added.
    forwarding: AtomicBool,
}

// SAFETY: The head is not tied to a thread; every operation on it takes its
// own spinlock, and `source` is written only before the file exists
// (`attach`) and in `drop`.
unsafe impl Send for Pollers {}
// SAFETY: Through `&Pollers` only `attach` (before the file exists, by its
// safety requirements), `register` and `quiesce` run, which add to and wake
// the head under its lock.
unsafe impl Sync for Pollers {}

impl Pollers {
    /// A head with no pollers, forwarding from no queue. May sleep.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No requirement (callers may sleep: file creation does).
        let head = NonNull::new(unsafe { ffi::kfiles_poll_head_new() }).ok_or(ENOMEM)?;
        // INVARIANT: Just allocated, owned here, forwarding from nothing.
        Ok(Self {
            head,
            forwarding: AtomicBool::new(false),
        })
    }

    /// Passes the wake-ups of `queue` on to the pollers, until `self` is
    /// dropped.
    ///
    /// # Safety
    ///
    /// `queue` must stay alive until `self` is dropped; nothing may use
    /// `self` concurrently (the file does not exist yet), and this is called
    /// at most once.
    pub(crate) unsafe fn attach(&self, queue: &EventQueue) {
        // SAFETY: `head` is live and ours (type invariants), not shared yet;
        // `queue.head` is an initialised wait queue head.
        unsafe { ffi::kfiles_poll_head_attach(self.head.as_ptr(), queue.head.get()) };
        // INVARIANT: `queue` outlives `self` (function requirements).
        self.forwarding.store(true, Ordering::Relaxed);
    }

    /// Adds the poller of `table` (if the call adds one, and a queue's
    /// wake-ups reach this head) unless the file is `removing`; false if it
    /// is (the caller then reports [`PollEvents::REMOVED`]).
    ///
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of a `poll` callback in
    /// progress on the file whose pollers these are.
    pub(crate) unsafe fn register(
        &self,
        file: *mut bindings::file,
        table: *mut bindings::poll_table_struct,
        removing: &AtomicBool,
    ) -> bool {
        // Once removal has begun, add nothing: `quiesce` waits for the head
        // to empty.
        if removing.load(Ordering::Acquire) {
            return false;
        }
        if !self.forwarding.load(Ordering::Relaxed) {
            return true;
        }
        // SAFETY: `head` is live (type invariants); `file` and `table` are
        // the callback's (function requirements).
        unsafe { ffi::kfiles_poll_wait(file, self.head.as_ptr(), table) };
        // A poller added after `quiesce` looked (under the head's lock) sees
        // the flag set before: it gets `REMOVED` and does not sleep.
        !removing.load(Ordering::Acquire)
    }

    /// Wakes the pollers (with every event and `POLLFREE`) until none is
    /// left on the head, for half a second at most. Sleeps. The file must
    /// already answer [`PollEvents::REMOVED`] without adding pollers (its
    /// `removing` flag is set): then each woken `poll()` or `select()`
    /// returns, and `epoll`, aio and io_uring take their entries off.
    pub(crate) fn quiesce(&self) {
        // SAFETY: `head` is live (type invariants); the caller (removal)
        // runs where sleeping is allowed.
        unsafe { ffi::kfiles_poll_head_quiesce(self.head.as_ptr()) }
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        // SAFETY: `head` is ours (type invariants) and its `source`, if set,
        // still alive; the file is gone (or was never created), so no
        // poller is added any more. The helpers stop forwarding before this
        // returns and free the head once no poller holds it.
        unsafe { ffi::kfiles_poll_head_free(self.head.as_ptr()) }
    }
}
