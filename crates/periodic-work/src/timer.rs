// SPDX-License-Identifier: GPL-2.0

//! A periodic callback in interrupt context: an hrtimer pinned to the CPU
//! that starts it.

use core::{
    marker::PhantomPinned,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{bindings, prelude::*, types::Opaque};
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
/// (`hrtimer_cancel()`). A tick that drops its own timer, or an interrupt
/// that drops a timer whose tick it interrupted, therefore waits for itself
/// forever: keep timers owned by task-context code.
///
/// # Examples
///
/// (Not compiled: rustdoc cannot build kernel-crate examples against a
/// kernel yet; docs/notes.md.)
///
/// ```ignore
/// struct Sample;
/// impl periodic_work::IrqTick for Sample {
///     fn tick(&self) {
///         // Runs in softirq context every 100 µs on this CPU.
///     }
/// }
///
/// let timer = KBox::pin_init(
///     periodic_work::IrqTimer::new(Sample, 100, periodic_work::IrqContext::Softirq),
///     GFP_KERNEL,
/// )?;
/// timer.as_ref().start();
/// ```
///
/// # Invariants
///
/// `timer` was set up by `kfiles_hrtimer_setup()` with [`Self::run`] and the
/// mode of `hard`; once `started`, it is queued or running until `drop`
/// cancels it.
#[pin_data(PinnedDrop)]
pub struct IrqTimer<T: IrqTick> {
    #[pin]
    timer: Opaque<bindings::hrtimer>,
    period_ns: u64,
    hard: bool,
    started: AtomicBool,
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
    pub fn new(data: T, period_us: u32, context: IrqContext) -> impl PinInit<Self> {
        let hard = context == IrqContext::Hardirq;
        pin_init!(Self {
            // SAFETY: `kfiles_hrtimer_setup()` initialises the timer in place.
            timer <- Opaque::ffi_init(|timer| unsafe {
                ffi::kfiles_hrtimer_setup(timer, Some(Self::run), hard)
            }),
            period_ns: u64::from(period_us.max(Self::MIN_PERIOD_US)) * 1000,
            hard,
            started: AtomicBool::new(false),
            data,
            _pin: PhantomPinned,
        })
    }

    /// Starts the ticks on the calling CPU: the first after one period.
    /// Later calls do nothing.
    pub fn start(self: Pin<&Self>) {
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        // SAFETY: The timer is set up with the mode of `hard` (type
        // invariants) and pinned until `drop` cancels it, so the hrtimer core
        // never sees it moved or freed.
        unsafe { ffi::kfiles_hrtimer_start_ns(self.timer.get(), self.period_ns, self.hard) };
    }

    /// The value whose `tick` is called.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The hrtimer callback.
    ///
    /// # Safety
    ///
    /// `timer` must be the `timer` field of a started, pinned `IrqTimer<T>`
    /// (the only timers set up with this function), not yet cancelled.
    unsafe extern "C" fn run(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: By the function's safety requirements `timer` lies inside
        // an `IrqTimer<T>` at the offset of its `timer` field, and that
        // `IrqTimer` stays pinned until `drop` has cancelled the timer, which
        // waits for this call.
        let this = unsafe {
            &*timer
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, timer))
                .cast::<Self>()
        };
        this.data.tick();
        // SAFETY: `timer` is this timer's, running its own callback, as
        // `hrtimer_forward_now()` requires.
        unsafe { ffi::kfiles_hrtimer_forward_now_ns(timer, this.period_ns) };
        kfiles_compat::HRTIMER_RESTART
    }
}

#[pinned_drop]
impl<T: IrqTick> PinnedDrop for IrqTimer<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The timer is set up (type invariants). `hrtimer_cancel()`
        // retries until the timer is neither queued nor running, also when
        // a running callback re-arms it, so nothing uses it after this
        // returns.
        unsafe { bindings::hrtimer_cancel(self.timer.get()) };
    }
}
