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
//! ```
//! use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
//!
//! struct Hello(AtomicU32);
//! impl periodic_work::Tick for Hello {
//!     fn tick(&self) {
//!         pr_info!("hello\n");
//!         self.0.fetch_add(1, Relaxed);
//!     }
//! }
//!
//! let work = KBox::pin_init(periodic_work::PeriodicWork::new(Hello(AtomicU32::new(0)), 10), GFP_KERNEL)?;
//! work.as_ref().start();
//! # doctest::sleep_ms(100);
//! # assert!(work.data().0.load(Relaxed) >= 2);
//! ```

use core::{
    ffi::c_void,
    marker::PhantomPinned,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{alloc::flags::GFP_KERNEL, bindings, error::code::EPERM, prelude::*, types::Opaque};
use kfiles_ffi as ffi;

mod timer;

pub use timer::{IrqContext, IrqTick, IrqTimer};

/// Gives up a pinned allocation as a raw pointer, which stays pinned: the
/// owner may only free it in place (`KBox::from_raw`), never move out of it.
fn into_pinned_raw<T>(pinned: Pin<KBox<T>>) -> NonNull<T> {
    // SAFETY: The value is not moved: only the pointer leaves the `Pin`, and
    // the pinning guarantee passes to the owner of that pointer (above).
    let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(pinned) });
    // SAFETY: `raw` came from `KBox::into_raw`, so it is not NULL.
    unsafe { NonNull::new_unchecked(raw) }
}

/// What a [`PeriodicWork`] runs.
pub trait Tick: Send + Sync + 'static {
    /// Called every period, in process context (the system workqueue): it may
    /// sleep. Runs of one `PeriodicWork` never overlap.
    fn tick(&self);
}

/// Calls `T::tick` every `period_ms` milliseconds once started, until dropped.
///
/// Dropping it cancels the work and waits for a run in progress, except when
/// it is dropped from inside its own `tick` (which would wait for itself):
/// then the cancel, and the drop of the value, happen once that run has
/// returned, on a kernel worker; module unload waits for them.
///
/// # Invariants
///
/// `inner` points at a pinned [`Inner<T>`] allocated by [`Self::new`] and
/// owned by this handle, whose `work` was initialised by
/// `INIT_DELAYED_WORK()` with [`Inner::run`]; once `started`, it is queued or
/// running until [`teardown`] cancels it.
#[pin_data(PinnedDrop)]
pub struct PeriodicWork<T: Tick> {
    inner: NonNull<Inner<T>>,
}

/// The work item and its value, on the heap: a cancel deferred past the
/// handle's drop still has them.
#[pin_data]
struct Inner<T: Tick> {
    /// The lockdep class of `work`, registered by `kfiles_init_delayed_work()`.
    #[pin]
    lock_key: Opaque<bindings::lock_class_key>,
    #[pin]
    work: Opaque<ffi::delayed_work>,
    period_ms: u32,
    started: AtomicBool,
    /// Set when the handle is dropped from the item's own tick: no re-arm.
    stopping: AtomicBool,
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
    ///
    /// The work item lives in an allocation of its own, made here.
    pub fn new(data: T, period_ms: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            inner: Self::allocate(data, period_ms)?,
        }? Error)
    }

    /// Allocates and initialises the work item.
    fn allocate(data: T, period_ms: u32) -> Result<NonNull<Inner<T>>> {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let inner = KBox::pin_init(
            pin_init!(&this in Inner {
                lock_key: Opaque::uninit(),
                // SAFETY: `kfiles_init_delayed_work()` initialises the item in
                // place, with `lock_key` (initialized before, as fields are
                // initialized in order) as its lockdep class: it lies in
                // this heap allocation, which `teardown` frees only after
                // unregistering it.
                work <- Opaque::ffi_init(|work| unsafe {
                    ffi::kfiles_init_delayed_work(
                        work,
                        Some(Inner::<T>::run),
                        // `Opaque<T>` is `repr(transparent)` over a `T`.
                        core::ptr::addr_of_mut!((*this.as_ptr()).lock_key)
                            .cast::<bindings::lock_class_key>(),
                    )
                }),
                period_ms,
                started: AtomicBool::new(false),
                stopping: AtomicBool::new(false),
                data,
                _pin: PhantomPinned,
            }),
            GFP_KERNEL,
        )?;
        Ok(into_pinned_raw(inner))
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: `inner` is valid while `self` is (type invariants).
        unsafe { self.inner.as_ref() }
    }

    /// Starts the calls: the first after one period. Later calls do nothing.
    pub fn start(self: Pin<&Self>) {
        let inner = self.get_ref().inner();
        if inner.started.swap(true, Ordering::AcqRel) {
            return;
        }
        // SAFETY: The item is initialised, and pinned until `teardown`
        // cancels it, so the workqueue never sees it moved or freed.
        unsafe { ffi::kfiles_schedule_delayed_work_ms(inner.work.get(), inner.period_ms) };
    }

    /// The value whose `tick` is called.
    pub fn data(&self) -> &T {
        &self.inner().data
    }
}

impl<T: Tick> Inner<T> {
    /// The workqueue callback.
    ///
    /// # Safety
    ///
    /// `work` must be the `work_struct` inside the `delayed_work` of an
    /// `Inner<T>` (the only items whose function is this one), not yet
    /// freed: `teardown` frees it only after `cancel_delayed_work_sync()` has
    /// waited for this run.
    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        // SAFETY: `work` is the `work` member of the `delayed_work` inside an
        // `Inner<T>` (the only items initialised with this function), which
        // stays allocated until `teardown` has cancelled it, and cancelling
        // waits for this run.
        let this = unsafe {
            let dwork = ffi::kfiles_to_delayed_work(work.cast());
            &*dwork
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, work))
                .cast::<Self>()
        };
        this.data.tick();
        // The tick dropped the handle: the teardown, deferred, cancels.
        if this.stopping.load(Ordering::Relaxed) {
            return;
        }
        // Re-arm. While `teardown` cancels, queueing fails, so this cannot
        // outlive the item.
        // SAFETY: The item is initialised and allocated until `teardown` has
        // cancelled it, which also waits for this run.
        unsafe { ffi::kfiles_schedule_delayed_work_ms(this.work.get(), this.period_ms) };
    }
}

/// Cancels a work item, waiting for a run in progress, then frees it and
/// drops its value.
///
/// # Safety
///
/// `inner` must come from [`PeriodicWork::new`] for this `T`, owned by the
/// caller (which gives it up), and the caller must not be its run.
unsafe extern "C" fn teardown<T: Tick>(inner: *mut c_void) {
    let inner = inner.cast::<Inner<T>>();
    // SAFETY: The item is initialised (type invariants of `PeriodicWork`).
    // `cancel_delayed_work_sync()` waits for a run in progress, which is not
    // the caller, and keeps the item from being queued again while it
    // cancels, so nothing uses it after this returns.
    unsafe { ffi::cancel_delayed_work_sync((*inner).work.get()) };
    // SAFETY: The item is cancelled and never used again, so its class
    // key may go; this context may sleep (the caller's drop checked it, or
    // this is an async worker).
    unsafe { ffi::kfiles_release_work_key((*inner).lock_key.get()) };
    // SAFETY: By the function's safety requirements the allocation is ours,
    // and nothing uses it any more.
    drop(unsafe { KBox::from_raw(inner) });
}

#[pinned_drop]
impl<T: Tick> PinnedDrop for PeriodicWork<T> {
    fn drop(self: Pin<&mut Self>) {
        let inner = self.inner.as_ptr();
        // SAFETY: The item is initialised; only its address is compared.
        let work = unsafe { core::ptr::addr_of_mut!((*(*inner).work.get()).work) };
        // SAFETY: `current_work()` only reads the current worker's state.
        if unsafe { ffi::kfiles_current_work() } == work || !ffi::may_sleep() {
            // Dropped from its own `tick` (cancelling here would wait for
            // this very run) or where sleeping is not allowed. A run in
            // progress does not re-arm.
            // SAFETY: `inner` is valid until the teardown runs.
            unsafe { (*inner).stopping.store(true, Ordering::Relaxed) };
            // SAFETY: `teardown::<T>` takes an `Inner<T>` we give up and runs
            // on an async worker, not this run. `T: Send`, so it may be
            // dropped there.
            unsafe { ffi::kfiles_defer_teardown(Some(teardown::<T>), inner.cast()) };
        } else {
            // SAFETY: We own `inner` and give it up; this is not its run.
            unsafe { teardown::<T>(inner.cast()) };
        }
    }
}
