// SPDX-License-Identifier: GPL-2.0

//! Periodic callbacks: in process context, a delayed work item that re-arms
//! itself ([`PeriodicWork`]); in interrupt context, an hrtimer pinned to a CPU
//! ([`IrqTimer`]); on every supported kernel.
//!
//! C headers: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h),
//! [`include/linux/hrtimer.h`](srctree/include/linux/hrtimer.h)
//!
//! The kernel crate has no timer or delayed-work abstraction on 6.12, and a
//! different one later; drivers that just want "call this every N seconds"
//! (as the relay demo's snapshot timer) get [`PeriodicWork`]: pinned, started
//! once, and stopped for good when dropped (`cancel_delayed_work_sync()`, which
//! also waits for a run in progress and defeats the re-arming).
//!
//! # Examples
//!
//! ```ignore
//! struct Hello;
//! impl periodic_work::Tick for Hello {
//!     fn tick(&self) {
//!         pr_info!("hello\n");
//!     }
//! }
//!
//! let work = KBox::pin_init(periodic_work::PeriodicWork::new(Hello, 1000), GFP_KERNEL)?;
//! work.as_ref().start();
//! ```

use core::{
    marker::PhantomPinned,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{bindings, prelude::*, types::Opaque};
use kfiles_ffi as ffi;

mod timer;

pub use timer::{IrqContext, IrqTick, IrqTimer};

/// What a [`PeriodicWork`] runs.
pub trait Tick: Send + Sync + 'static {
    /// Called every period, in process context (the system workqueue): it may
    /// sleep. Runs of one `PeriodicWork` never overlap.
    fn tick(&self);
}

/// Calls `T::tick` every `period_ms` milliseconds once started, until dropped.
///
/// # Invariants
///
/// `work` was initialised by `INIT_DELAYED_WORK()` with [`Self::run`]; once
/// `started`, it is queued or running until `drop` cancels it.
#[pin_data(PinnedDrop)]
pub struct PeriodicWork<T: Tick> {
    #[pin]
    work: Opaque<ffi::delayed_work>,
    period_ms: u32,
    started: AtomicBool,
    data: T,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The work item is only touched through the workqueue API, which may
// be used from any thread; `T` is `Send + Sync`.
unsafe impl<T: Tick> Send for PeriodicWork<T> {}
// SAFETY: `&self` methods only queue the work (thread-safe) and give `&T`.
unsafe impl<T: Tick> Sync for PeriodicWork<T> {}

impl<T: Tick> PeriodicWork<T> {
    /// A stopped periodic work calling `data.tick()` every `period_ms`
    /// milliseconds (at least one jiffy) once [`start`](Self::start)ed.
    pub fn new(data: T, period_ms: u32) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `INIT_DELAYED_WORK()` initialises the item in place.
            work <- Opaque::ffi_init(|work| unsafe {
                ffi::kfiles_init_delayed_work(work, Some(Self::run))
            }),
            period_ms,
            started: AtomicBool::new(false),
            data,
            _pin: PhantomPinned,
        })
    }

    /// Starts the calls: the first after one period. Later calls do nothing.
    pub fn start(self: Pin<&Self>) {
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        // SAFETY: The item is initialised, and pinned until `drop` cancels
        // it, so the workqueue never sees it moved or freed.
        unsafe { ffi::kfiles_schedule_delayed_work_ms(self.work.get(), self.period_ms) };
    }

    /// The value whose `tick` is called.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The workqueue callback.
    ///
    /// # Safety
    ///
    /// Called by the workqueue only, for the `work_struct` of a started
    /// `PeriodicWork<T>`.
    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        // SAFETY: `work` is the `work` member of the `delayed_work` inside a
        // `PeriodicWork<T>` (the only item initialised with this function),
        // which stays pinned until `drop` has cancelled it.
        let this = unsafe {
            let dwork = ffi::kfiles_to_delayed_work(work.cast());
            &*dwork
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, work))
                .cast::<Self>()
        };
        this.data.tick();
        // Re-arm. While `drop` cancels, queueing fails, so this cannot
        // outlive the item.
        // SAFETY: The item is initialised and pinned until `drop` has
        // cancelled it (type invariants), which also waits for this run.
        unsafe { ffi::kfiles_schedule_delayed_work_ms(this.work.get(), this.period_ms) };
    }
}

#[pinned_drop]
impl<T: Tick> PinnedDrop for PeriodicWork<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The item is initialised. `cancel_delayed_work_sync()` waits
        // for a run in progress and keeps the item from being queued again
        // while it cancels, so nothing uses it after this returns.
        unsafe { ffi::cancel_delayed_work_sync(self.work.get()) };
    }
}
