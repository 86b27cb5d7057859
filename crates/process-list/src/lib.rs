// SPDX-License-Identifier: GPL-2.0

//! Walking the processes of the system, safely.
//!
//! C headers: [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h),
//! [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! C walks the task list with `for_each_process()` under `rcu_read_lock()`:
//! a task seen there is not freed before `rcu_read_unlock()`. Here a
//! [`ProcessCursor`] owns an [`RcuReadGuard`], and every [`Process`] borrows
//! the cursor, so no task pointer outlives the read-side critical section.
//! The walk visits thread-group leaders, as `for_each_process()` does, and
//! not the idle task (`init_task`, pid 0).
//!
//! # Not sleeping inside the walk
//!
//! Code that runs while the read lock is held (a [`for_each_process`]
//! closure; anything done while a [`ProcessCursor`] lives, such as a
//! `SeqIterator`'s `show` between its `start` and `stop`) must not sleep:
//! where RCU is not preemptible, sleeping ends the grace period and the task
//! being looked at can be freed. The kfiles crates' own sleeping calls see
//! the lock and refuse (creating a file or directory fails with `EPERM`) or
//! defer (dropping one), on every kernel. Other sleeping calls (locking a
//! `Mutex`, allocating with `GFP_KERNEL`) are the caller's to avoid; debug
//! kernels (`DEBUG_ATOMIC_SLEEP`, `PROVE_RCU`, as in CI) report them.
//! Leaking a cursor (`core::mem::forget`) leaves the lock held: the kernel
//! then reports it on the next sleep or return to user space, and RCU stops
//! freeing memory, so don't.
//!
//! # Examples
//!
//! ```
//! let mut n = 0;
//! process_list::for_each_process(|p| {
//!     pr_info!("{:<16} {}\n", p.comm(), p.pid());
//!     n += 1;
//! });
//! # // insmod runs these examples.
//! # let mut found = false;
//! # process_list::for_each_process(|p| found |= p.comm().as_bytes() == b"insmod");
//! # assert!(found && n >= 2);
//! ```

use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::bindings;
use kfiles_ffi as ffi;

/// An RCU read-side critical section, from creation to drop. Only this crate
/// creates them, inside a [`ProcessCursor`]; nothing in its scope may sleep
/// (see the crate documentation).
///
/// Not `Send`: it must end on the CPU context that began it.
pub struct RcuReadGuard {
    _not_send: PhantomData<*mut ()>,
}

impl RcuReadGuard {
    /// Enters a read-side critical section (`rcu_read_lock()`, counted for
    /// `kfiles_ffi::may_sleep()`).
    #[inline]
    fn new() -> Self {
        // SAFETY: Always allowed. The unlock in `drop` ends it, unless the
        // guard is leaked (see the crate documentation on `forget`).
        unsafe { ffi::kfiles_rcu_read_lock() };
        RcuReadGuard {
            _not_send: PhantomData,
        }
    }
}

impl Drop for RcuReadGuard {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: Ends the section `new` began: the guard is not `Send`, so
        // this runs in the context that began it.
        unsafe { ffi::kfiles_rcu_read_unlock() };
    }
}

/// The length of a task's command name, NUL included (`TASK_COMM_LEN`).
pub const COMM_LEN: usize = 16;

/// A copy of a task's command name (`comm`).
#[derive(Clone, Copy)]
pub struct Comm {
    buf: [u8; COMM_LEN],
}

impl Comm {
    /// The name's bytes, without the terminating NUL.
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.buf.iter().position(|&b| b == 0).unwrap_or(COMM_LEN);
        &self.buf[..len]
    }
}

/// Prints the name, honouring width and alignment (`{:<24}`); bytes that are
/// not UTF-8 are shown as `?`.
impl fmt::Display for Comm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clean = [0u8; COMM_LEN];
        let bytes = self.as_bytes();
        for (d, &b) in clean.iter_mut().zip(bytes) {
            *d = if b.is_ascii() && !b.is_ascii_control() {
                b
            } else {
                b'?'
            };
        }
        // Only printable ASCII is left, which is UTF-8.
        f.pad(core::str::from_utf8(&clean[..bytes.len()]).unwrap_or("?"))
    }
}

// `{}` in `pr_info!` too, on every kernel.
kfiles_compat::impl_kernel_display!(Comm);

/// A process seen inside a read-side critical section.
///
/// # Invariants
///
/// `task` is a live task: the RCU read lock borrowed for `'a` keeps it from
/// being freed.
pub struct Process<'a> {
    task: NonNull<bindings::task_struct>,
    _rcu: PhantomData<&'a RcuReadGuard>,
}

impl Process<'_> {
    /// The process id (`task_pid_nr()`).
    pub fn pid(&self) -> i32 {
        // SAFETY: The task is live (type invariant).
        unsafe { ffi::kfiles_task_pid(self.task.as_ptr()) }
    }

    /// A copy of the command name, read without the task lock as
    /// `get_task_comm()` does since 6.13: a rename racing with it may give a
    /// mix of the old and new names.
    pub fn comm(&self) -> Comm {
        let mut buf = [0u8; COMM_LEN];
        // SAFETY: The task is live (type invariant); `buf` has room for
        // `COMM_LEN` bytes.
        unsafe { ffi::kfiles_task_comm(self.task.as_ptr(), buf.as_mut_ptr().cast(), COMM_LEN) };
        Comm { buf }
    }
}

/// The idle task, where the task list starts and ends.
#[inline]
fn init_task() -> *mut bindings::task_struct {
    // Only the address of the static is taken; nothing is read.
    &raw mut bindings::init_task
}

/// The process after `p` in the task list, or NULL once the walk is back at
/// `init_task` (C's `next_task()`, as `for_each_process()` stops). Inline
/// rather than a call per process: a walk counting processes spends most of
/// its time here. The link is found at C's offset, `TASK_LIST_OFFSET`:
/// bindgen's layout of `task_struct` misplaces it.
///
/// # Safety
///
/// `p` must be a task that stays live for the call (the caller holds the RCU
/// read lock and found `p` in the list under it, or `p` is `init_task`).
#[inline]
unsafe fn next_process(p: *mut bindings::task_struct) -> *mut bindings::task_struct {
    const LINK: usize = ffi::TASK_LIST_OFFSET;
    // SAFETY: `p` is live and its list link is at `LINK`, C's offset of
    // `tasks` (function requirements). As `list_entry_rcu()`: the link is
    // read once (`READ_ONCE()`, as `rcu_dereference()` does), and the task
    // it leads to is not freed before the RCU read lock ends.
    let link = unsafe {
        core::ptr::read_volatile(
            p.cast::<u8>()
                .wrapping_add(LINK)
                .cast::<*mut bindings::list_head>(),
        )
    };
    // `container_of()`: every link in the list is a task's.
    let next = link.cast::<u8>().wrapping_sub(LINK).cast();
    if next == init_task() {
        core::ptr::null_mut()
    } else {
        next
    }
}

/// A position in the process list, holding the RCU read lock: nothing may
/// sleep while it lives (see the crate documentation).
///
/// Positions are indices into the walk: [`ProcessCursor::start`] seeks to
/// one. Processes created or ended between two cursors shift the indices, as
/// in C; within one cursor the walk is consistent.
pub struct ProcessCursor {
    rcu: RcuReadGuard,
    task: NonNull<bindings::task_struct>,
    index: u64,
}

// A cursor holds the RCU read lock of its context: it is neither `Send` nor
// `Sync`, which the compiler derives from `RcuReadGuard`.

impl ProcessCursor {
    /// Takes the RCU read lock and seeks to process `index` (0 is the first
    /// after the idle task); `None` if there are not that many.
    pub fn start(index: u64) -> Option<Self> {
        let rcu = RcuReadGuard::new();
        // SAFETY: `init_task` is never freed, and the walk runs under the RCU
        // read lock (`rcu`).
        let first = unsafe { next_process(init_task()) };
        let mut cursor = ProcessCursor {
            rcu,
            task: NonNull::new(first)?,
            index: 0,
        };
        while cursor.index < index {
            if !cursor.advance() {
                return None;
            }
        }
        Some(cursor)
    }

    /// Moves to the next process; `false` (staying put) at the end.
    #[inline]
    pub fn advance(&mut self) -> bool {
        // SAFETY: `self.task` is live under `self.rcu`, the RCU read lock
        // this walk runs under.
        let next = unsafe { next_process(self.task.as_ptr()) };
        match NonNull::new(next) {
            Some(t) => {
                self.task = t;
                self.index += 1;
                true
            }
            None => false,
        }
    }

    /// The index of the current process.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The current process, valid while the cursor is borrowed.
    pub fn current(&self) -> Process<'_> {
        let _ = &self.rcu;
        // INVARIANT: `task` is live under `self.rcu`, which the returned
        // value borrows through `self`.
        Process {
            task: self.task,
            _rcu: PhantomData,
        }
    }
}

/// Calls `f` for every process, under one RCU read-side critical section, so
/// `f` must not sleep (see the crate documentation).
pub fn for_each_process(mut f: impl FnMut(&Process<'_>)) {
    let Some(mut cursor) = ProcessCursor::start(0) else {
        return;
    };
    loop {
        f(&cursor.current());
        if !cursor.advance() {
            return;
        }
    }
}
