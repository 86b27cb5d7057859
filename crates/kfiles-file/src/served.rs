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

use core::{
    ffi::c_void,
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering},
};
use kernel::prelude::*;
use kfiles_ffi as ffi;

/// How many tasks a [`Served`] value tells apart; more at once are counted,
/// and make [`Served::may_be_running_here`] answer yes for every task.
const SLOTS: usize = 4;

/// A value served by a file, with the tasks currently running its callbacks.
///
/// The file core keeps each file's value in one; drivers only see the
/// value itself. The value is pinned: it may be initialised in place (a
/// lock, say).
#[pin_data]
pub struct Served<T> {
    /// The tasks inside a [`Frame`], as `current` pointers; NULL when free.
    running: [AtomicPtr<c_void>; SLOTS],
    /// Frames that found no free slot.
    unnamed: AtomicUsize,
    /// Set before the entry is removed: blocked readers stop waiting.
    removing: AtomicBool,
    #[pin]
    value: T,
}

impl<T> Served<T> {
    /// The value `init` initialises in place, with no callback running.
    pub fn new<E>(init: impl PinInit<T, E>) -> impl PinInit<Self, E> {
        try_pin_init!(Self {
            running: [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS],
            unnamed: AtomicUsize::new(0),
            removing: AtomicBool::new(false),
            value <- init,
        }? E)
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Whether the entry is being removed (readers waiting in a handler
    /// should give up).
    pub(crate) fn removing(&self) -> &AtomicBool {
        &self.removing
    }

    /// Marks the current task as running a callback of this value until the
    /// returned frame is dropped.
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

/// A callback of a [`Served`] value in progress on the current task.
pub struct Frame<'a> {
    slot: Option<&'a AtomicPtr<c_void>>,
    unnamed: &'a AtomicUsize,
}

impl Drop for Frame<'_> {
    fn drop(&mut self) {
        match self.slot {
            Some(slot) => slot.store(ptr::null_mut(), Ordering::Relaxed),
            None => {
                self.unnamed.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}
