// SPDX-License-Identifier: GPL-2.0

//! A periodic callback in interrupt context: an hrtimer pinned to the CPU
//! that starts it.

use core::{
    ffi::c_void,
    marker::PhantomPinned,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{alloc::flags::GFP_KERNEL, bindings, error::code::EPERM, prelude::*, types::Opaque};
use kfiles_ffi as ffi;

/// The context an [`IrqTimer`]'s ticks run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqContext {
    /// Softirq context (`HRTIMER_MODE_REL_PINNED_SOFT`).
    Softirq,
    /// Hardirq context, interrupts disabled (`HRTIMER_MODE_REL_PINNED_HARD`).
    Hardirq,
}

/// What an [`IrqTimer`] runs.
pub trait IrqTick: Send + Sync + 'static {
    /// Called every period in the timer's [`IrqContext`], on the CPU that
    /// started the timer while it is online: it must not sleep. Runs of one
    /// timer never overlap.
    fn tick(&self);
}

/// Calls `T::tick` every period in interrupt context, on the CPU that
/// [`start`](Self::start)ed it (or, once that CPU goes offline, on another),
/// until dropped.
///
/// Dropping the timer cancels it and waits for a tick in progress
/// (`hrtimer_cancel()`), except where that would wait for itself: a tick
/// that drops its own timer, or an interrupt that drops a timer whose tick it
/// interrupted. Then the cancel, and the drop of the value, happen on a
/// kernel worker once the tick has returned; module unload waits for them.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
///
/// struct Sample(AtomicU32);
/// impl periodic_work::IrqTick for Sample {
///     fn tick(&self) {
///         // Runs in softirq context every 100 µs on this CPU.
///         self.0.fetch_add(1, Relaxed);
///     }
/// }
///
/// let timer = KBox::pin_init(
///     periodic_work::IrqTimer::new(Sample(AtomicU32::new(0)), 100, periodic_work::IrqContext::Softirq),
///     GFP_KERNEL,
/// )?;
/// timer.as_ref().start();
/// # doctest::sleep_ms(50);
/// # assert!(timer.data().0.load(Relaxed) >= 2);
/// ```
///
/// # Invariants
///
/// `inner` points at a pinned [`Inner<T>`] allocated by [`Self::new`] and
/// owned by this handle, whose `timer` was set up by `kfiles_hrtimer_setup()`
/// with [`Inner::run`] and the mode of `hard`; once `started`, it is queued
/// or running until [`teardown`] cancels it.
#[pin_data(PinnedDrop)]
pub struct IrqTimer<T: IrqTick> {
    inner: NonNull<Inner<T>>,
}

/// The timer and its value, on the heap: a cancel deferred past the handle's
/// drop still has them.
#[pin_data]
struct Inner<T: IrqTick> {
    #[pin]
    timer: Opaque<bindings::hrtimer>,
    period_ns: u64,
    hard: bool,
    started: AtomicBool,
    /// Set when the handle is dropped from the tick's own context: no
    /// restart.
    stopping: AtomicBool,
    data: T,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The hrtimer is only touched through the hrtimer API, which may be
// used from any thread; `T` is `Send + Sync`.
unsafe impl<T: IrqTick> Send for IrqTimer<T> {}
// SAFETY: `&self` methods only start the timer (thread-safe) and give `&T`.
unsafe impl<T: IrqTick> Sync for IrqTimer<T> {}

impl<T: IrqTick> IrqTimer<T> {
    /// The shortest period, in microseconds.
    pub const MIN_PERIOD_US: u32 = 10;

    /// A stopped timer calling `data.tick()` every `period_us` microseconds
    /// (at least [`MIN_PERIOD_US`](Self::MIN_PERIOD_US): a shorter period in
    /// hardirq context can leave the CPU nothing else to run) in `context`
    /// once [`start`](Self::start)ed.
    ///
    /// The timer lives in an allocation of its own, made here.
    pub fn new(data: T, period_us: u32, context: IrqContext) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            inner: Self::allocate(data, period_us, context)?,
        }? Error)
    }

    /// Allocates and sets up the timer.
    fn allocate(data: T, period_us: u32, context: IrqContext) -> Result<NonNull<Inner<T>>> {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let hard = context == IrqContext::Hardirq;
        let inner = KBox::pin_init(
            pin_init!(Inner {
                // SAFETY: `kfiles_hrtimer_setup()` initialises the timer in place.
                timer <- Opaque::ffi_init(|timer| unsafe {
                    ffi::kfiles_hrtimer_setup(timer, Some(Inner::<T>::run), hard)
                }),
                period_ns: u64::from(period_us.max(Self::MIN_PERIOD_US)) * 1000,
                hard,
                started: AtomicBool::new(false),
                stopping: AtomicBool::new(false),
                data,
                _pin: PhantomPinned,
            }),
            GFP_KERNEL,
        )?;
        Ok(crate::into_pinned_raw(inner))
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: `inner` is valid while `self` is (type invariants).
        unsafe { self.inner.as_ref() }
    }

    /// Starts the ticks on the calling CPU: the first after one period.
    /// Later calls do nothing.
    pub fn start(self: Pin<&Self>) {
        let inner = self.get_ref().inner();
        if inner.started.swap(true, Ordering::AcqRel) {
            return;
        }
        // SAFETY: The timer is set up with the mode of `hard` (type
        // invariants) and allocated until `teardown` cancels it, so the
        // hrtimer core never sees it moved or freed.
        unsafe { ffi::kfiles_hrtimer_start_ns(inner.timer.get(), inner.period_ns, inner.hard) };
    }

    /// The value whose `tick` is called.
    pub fn data(&self) -> &T {
        &self.inner().data
    }
}

impl<T: IrqTick> Inner<T> {
    /// The hrtimer callback.
    ///
    /// # Safety
    ///
    /// `timer` must be the `timer` field of a started `Inner<T>` (the only
    /// timers set up with this function), not yet cancelled.
    unsafe extern "C" fn run(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: By the function's safety requirements `timer` lies inside
        // an `Inner<T>` at the offset of its `timer` field, which stays
        // allocated until `teardown` has cancelled the timer, which waits for
        // this call.
        let this = unsafe {
            &*timer
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, timer))
                .cast::<Self>()
        };
        this.data.tick();
        // The tick (or an interrupt over it) dropped the handle: the
        // teardown, deferred, cancels.
        if this.stopping.load(Ordering::Relaxed) {
            return kfiles_compat::HRTIMER_NORESTART;
        }
        // SAFETY: `timer` is this timer's, running its own callback, as
        // `hrtimer_forward_now()` requires.
        unsafe { ffi::kfiles_hrtimer_forward_now_ns(timer, this.period_ns) };
        kfiles_compat::HRTIMER_RESTART
    }
}

/// Cancels a timer, waiting for a tick in progress, then frees it and drops
/// its value.
///
/// # Safety
///
/// `inner` must come from [`IrqTimer::new`] for this `T`, owned by the
/// caller (which gives it up), and the caller must not be running, or have
/// interrupted, its tick.
unsafe extern "C" fn teardown<T: IrqTick>(inner: *mut c_void) {
    let inner = inner.cast::<Inner<T>>();
    // SAFETY: The timer is set up (type invariants of `IrqTimer`).
    // `hrtimer_cancel()` retries until the timer is neither queued nor
    // running, also when a running callback re-arms it; the callback is not
    // this context nor interrupted by it, so it ends. Nothing uses the timer
    // after this returns.
    unsafe { bindings::hrtimer_cancel((*inner).timer.get()) };
    // SAFETY: By the function's safety requirements the allocation is ours,
    // and nothing uses it any more.
    drop(unsafe { KBox::from_raw(inner) });
}

#[pinned_drop]
impl<T: IrqTick> PinnedDrop for IrqTimer<T> {
    fn drop(self: Pin<&mut Self>) {
        let inner = self.inner.as_ptr();
        // SAFETY: The timer is set up (type invariants); the helper only
        // reads its base and the running callback.
        if unsafe { ffi::kfiles_hrtimer_running_here((*inner).timer.get()) } {
            // SAFETY: `inner` is valid until the teardown runs.
            unsafe { (*inner).stopping.store(true, Ordering::Relaxed) };
            // SAFETY: `teardown::<T>` takes an `Inner<T>` we give up and runs
            // on an async worker, in task context, which neither runs nor
            // interrupts the tick. `T: Send`, so it may be dropped there.
            unsafe { ffi::kfiles_defer_teardown(Some(teardown::<T>), inner.cast()) };
        } else {
            // SAFETY: We own `inner` and give it up; this context neither
            // runs nor interrupted the tick (`kfiles_hrtimer_running_here()`).
            unsafe { teardown::<T>(inner.cast()) };
        }
    }
}
