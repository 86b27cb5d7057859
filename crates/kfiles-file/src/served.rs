// SPDX-License-Identifier: GPL-2.0

//! A file's value, and which tasks are inside its callbacks.
//!
//! Removing a debugfs or proc entry waits for the callbacks in progress. A
//! callback that drops the file it serves (a `remove` file whose write drops
//! its own handle, reached from user space with `echo 1 > remove`) would wait
//! for itself forever. The file core therefore runs every callback that
//! reaches driver code inside a [`Frame`] of the file's [`Served`] value;
//! dropping a file first asks [`Served::may_be_running_here`], and if the
//! answer is yes, hands the removal to `kfiles_defer_teardown()`, which does
//! it once the callback has returned.

use crate::{
    wait::{EventQueue, PollEvents, Pollers},
    QueueOf,
};
use core::{
    ffi::c_void,
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{bindings, prelude::*};
use kfiles_ffi as ffi;

/// How many tasks a [`Served`] value tells apart; more at once are counted,
/// and make [`Served::may_be_running_here`] answer yes for every task.
const SLOTS: usize = 4;

/// The tasks running callbacks of one served value: the head of every
/// [`Served`]. Callbacks that name no code of the value's type (the seq_file
/// `read` and `lseek`, which reach the value's `show` or iterator through
/// seq_file, so still need the frame) find it without knowing that type,
/// so that one copy of them serves every file of a file system.
pub struct Frames {
    /// The tasks inside a [`Frame`], as `current` pointers; NULL when free.
    running: [AtomicPtr<c_void>; SLOTS],
    /// Frames that found no free slot.
    unnamed: AtomicUsize,
}

impl Frames {
    /// Marks the current task as running a callback of this value until the
    /// returned frame is dropped.
    #[inline]
    pub fn enter(&self) -> Frame<'_> {
        let me = ffi::current_task();
        for slot in &self.running {
            // Acquire/Release are not needed: a task only ever looks for
            // itself, and its own stores are visible to it.
            if slot
                .compare_exchange(ptr::null_mut(), me, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return Frame {
                    slot: Some(slot),
                    unnamed: &self.unnamed,
                };
            }
        }
        self.unnamed.fetch_add(1, Ordering::Relaxed);
        Frame {
            slot: None,
            unnamed: &self.unnamed,
        }
    }

    /// Whether the current task may be inside a [`Frame`] of this value: yes
    /// if it is, and also whenever more tasks are inside frames than can be
    /// told apart. No means waiting for every frame to end is safe here.
    pub fn may_be_running_here(&self) -> bool {
        let me = ffi::current_task();
        self.unnamed.load(Ordering::Relaxed) != 0
            || self
                .running
                .iter()
                .any(|slot| slot.load(Ordering::Relaxed) == me)
    }
}

/// A value served by a file, with the tasks currently running its callbacks.
///
/// The file core keeps each file's value in one; drivers only see the
/// value itself. The value is pinned: it may be initialised in place (a
/// lock, say).
///
/// # Invariants
///
/// `frames` is at offset 0 (`repr(C)`, first field): a pointer to a
/// `Served<T>` of any `T` is a pointer to its [`Frames`].
#[pin_data]
#[repr(C)]
pub struct Served<T> {
    /// The tasks in its callbacks. First: see the type invariants.
    frames: Frames,
    /// Set before the entry is removed: blocked readers stop waiting.
    removing: AtomicBool,
    /// The file's pollers. Declared before `value`, so dropped first: it
    /// stops forwarding from the value's queue before that goes.
    pollers: Pollers,
    /// The value's queue, as `queue()` returned it when the file was made:
    /// the one the pollers are forwarded from, that readers wait on and
    /// that removal wakes (a `queue()` returning another later would leave
    /// them apart).
    queue: Option<NonNull<EventQueue>>,
    #[pin]
    value: T,
}

impl<T> Served<T> {
    /// The value `init` initialises in place, with no callback running,
    /// and `pollers`, forwarded from the value's queue as `queue_of` gives
    /// it. For a file not created yet.
    pub(crate) fn new<E>(
        pollers: Pollers,
        queue_of: Option<QueueOf<T>>,
        init: impl PinInit<T, E>,
    ) -> impl PinInit<Self, E> {
        try_pin_init!(Self {
            frames: Frames {
                running: [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS],
                unnamed: AtomicUsize::new(0),
            },
            removing: AtomicBool::new(false),
            pollers,
            queue: None,
            value <- init,
        }? E)
        .pin_chain(move |this| {
            if let Some(queue_of) = queue_of {
                // SAFETY: The value is initialised and the file does not
                // exist yet (this is its initialiser); this is the only call.
                unsafe { this.take_queue(queue_of) };
            }
            Ok(())
        })
    }

    /// The value.
    #[inline]
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Whether the entry is being removed (readers waiting in a handler
    /// should give up).
    #[inline]
    pub(crate) fn removing(&self) -> &AtomicBool {
        &self.removing
    }

    /// Takes `queue_of(value)` as the file's queue: its wake-ups reach the
    /// file's pollers, readers wait on it, removal wakes it.
    ///
    /// # Safety
    ///
    /// The file must not exist yet, and this is called at most once.
    unsafe fn take_queue(self: Pin<&mut Self>, queue_of: QueueOf<T>) {
        // SAFETY: Only the `queue` field is written; nothing is moved.
        let this = unsafe { self.get_unchecked_mut() };
        let Some(queue) = queue_of(&this.value) else {
            return;
        };
        // SAFETY: The queue is borrowed from the value, and not through a
        // guard (none outlives `queue_of`): the value owns it, shares it
        // through an `Arc`, borrows it from a `Scope`'s state (which the
        // scope drops only after its files), or it is never freed; so it
        // stays alive until the value is dropped, after `pollers` (field
        // order). The file does not exist yet, and this is the only call
        // (function requirements).
        unsafe { this.pollers.attach(queue) };
        this.queue = Some(NonNull::from(queue));
    }

    /// The file's queue, if its value has one.
    #[inline]
    pub(crate) fn queue(&self) -> Option<&EventQueue> {
        // SAFETY: `take_queue` stored a queue that stays alive as long as
        // the value, which `self` owns.
        self.queue.map(|queue| unsafe { queue.as_ref() })
    }

    /// Serves a `poll` callback: adds the poller of `table` to the file's
    /// pollers and returns `ready()`, or, once the file is being removed,
    /// adds nothing and reports every event.
    ///
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of a `poll` callback in
    /// progress on the file `self` is served by.
    pub(crate) unsafe fn poll(
        &self,
        file: *mut bindings::file,
        table: *mut bindings::poll_table_struct,
        ready: impl FnOnce() -> PollEvents,
    ) -> u32 {
        // SAFETY: By the function's safety requirements.
        if unsafe { self.pollers.register(file, table, &self.removing) } {
            ready().bits()
        } else {
            PollEvents::REMOVED.bits()
        }
    }

    /// Marks the file as being removed, wakes the readers blocked in its
    /// handlers (they fail with `EIO`) and lets its pollers go while the
    /// file still answers `poll` (with every event). Sleeps (half a second
    /// at most, for pollers that do not leave).
    pub(crate) fn begin_removal(&self) {
        // A reader or poller either sees the flag or is woken after it.
        self.removing.store(true, Ordering::Release);
        if let Some(queue) = self.queue() {
            queue.wake_all();
        }
        // procfs answers the pollers of a removed entry itself, with events
        // that may not be the ones they wait for: let them go while this
        // file still answers.
        self.pollers.quiesce();
    }

    /// Marks the current task as running a callback of this value until the
    /// returned frame is dropped.
    #[inline]
    pub fn enter(&self) -> Frame<'_> {
        self.frames.enter()
    }

    /// As [`Frames::may_be_running_here`].
    pub fn may_be_running_here(&self) -> bool {
        self.frames.may_be_running_here()
    }
}

/// A callback of a [`Served`] value in progress on the current task.
pub struct Frame<'a> {
    slot: Option<&'a AtomicPtr<c_void>>,
    unnamed: &'a AtomicUsize,
}

impl Drop for Frame<'_> {
    #[inline]
    fn drop(&mut self) {
        match self.slot {
            Some(slot) => slot.store(ptr::null_mut(), Ordering::Relaxed),
            None => {
                self.unnamed.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}
