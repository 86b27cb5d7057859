// SPDX-License-Identifier: GPL-2.0

//! Queues that readers of a file sleep on until the driver has something for
//! them.

use core::{ffi::c_void, marker::PhantomPinned};
use kernel::{bindings, prelude::*, types::Opaque};
use kfiles_ffi as ffi;

/// A wait queue for blocking reads (C's `wait_queue_head_t` with
/// `wait_event_interruptible()` and `wake_up_all()`).
///
/// A file names its queue in [`PerOpenOps::queue`](crate::PerOpenOps::queue)
/// (or `FileOps::queue`); its read handler waits on it with
/// [`ReadBuf::wait_for`](crate::ReadBuf::wait_for), and the driver calls
/// [`wake_all`](Self::wake_all) after making data available. Removing the
/// file wakes it too: the blocked readers fail with `EIO` before the removal
/// waits for them. Several files may share one queue.
///
/// # Examples
///
/// A `trace_pipe`-like file: readers wait for the next event; each open
/// file has its own place in the sequence.
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering::{Acquire, Relaxed, Release}};
/// use debugfs_rs::{Align, EventQueue, Line, PerOpen, PerOpenOps, ReadBuf};
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
///     const SEEKABLE: bool = false;
///
///     fn open(&self) -> Result<AtomicU64> {
///         Ok(AtomicU64::new(0))
///     }
///
///     fn queue(&self) -> Option<&EventQueue> {
///         Some(&self.queue)
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
/// events.record();
/// # assert_eq!(&*doctest::read_some(c"/sys/kernel/debug/kfiles-doctest/events", 64)?, b"event 0\n");
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
