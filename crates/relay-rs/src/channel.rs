// SPDX-License-Identifier: GPL-2.0

//! The channel: opening it, writing, flushing, and closing it on drop.

use crate::{
    callbacks::{Callbacks, Trampolines},
    reservation::{Committed, Reservation},
};
use core::{
    ffi::CStr,
    mem::MaybeUninit,
    ptr::NonNull,
    sync::atomic::{AtomicU64, AtomicU8, Ordering},
};
use debugfs_rs::Dir;
use kernel::{alloc::flags::GFP_KERNEL, bindings, error::code::*, ffi::c_long, prelude::*};
use kfiles_core::{mode::Mode as FileMode, relay::Geometry};
use kfiles_ffi as ffi;

/// What a channel does when a CPU's buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// New records are refused (and counted) until the reader consumes a
    /// sub-buffer: nothing stored is lost, also while a reader reads
    /// concurrently. The default.
    NoOverwrite,
    /// The oldest sub-buffer is overwritten: the newest data is kept.
    Overwrite,
}

/// Where a channel's writers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writers {
    /// Any context but NMI, interrupts included: writes run with local
    /// interrupts disabled, as `relay_write()`. The default.
    Any,
    /// Task context only: writes only disable preemption, as
    /// `__relay_write()`, which is cheaper. A write or reservation attempted
    /// from interrupt context is refused with `EPERM` (and counted as
    /// dropped): it could otherwise land in the middle of another write to
    /// the same sub-buffer.
    TaskOnly,
}

/// What the callbacks reach through `chan->private_data`.
///
/// # Invariants
///
/// `geometry` is the channel's, with `Trampolines::<C>::DRIVER_HEADER` as
/// its driver header ([`Geometry::driver_header`]).
pub(crate) struct Shared<C> {
    pub(crate) callbacks: C,
    pub(crate) geometry: Geometry,
    pub(crate) overwrite: bool,
    pub(crate) file_mode: u16,
    /// One buffer for every CPU (`create_buf_file` sets `is_global`).
    pub(crate) global: bool,
    pub(crate) dropped: AtomicU64,
    /// Of `dropped`: refused for a full buffer, and for their size.
    pub(crate) full: AtomicU64,
    pub(crate) too_big: AtomicU64,
    /// Resets so far, modulo 256: the generation every sub-buffer header
    /// carries (`SubbufHeader::generation`). Changed only by
    /// `Channel::reset`, which excludes writers; read by `subbuf_start`
    /// (from writers, `relay_reset()` itself, and a CPU coming online,
    /// whose new buffer gets either value: no reader has seen it yet).
    pub(crate) generation: AtomicU8,
}

/// Why records were refused: what `relay_stats()` reports on kernels that
/// have it (7.3), counted by relay-rs itself on every kernel.
///
/// Two differences from `relay_stats()`: the counts cover the channel's
/// whole life ([`Channel::reset`] does not clear them, as it does not clear
/// [`Channel::dropped`]), and in [`Mode::Overwrite`] `buffer_full` stays 0,
/// where relay counts every switch into an unread sub-buffer (nothing is
/// refused there).
///
/// # Examples
///
/// ```
/// # let dir = doctest::debugfs_dir();
/// let channel = relay_rs::Channel::builder(c"cpu", &dir).subbufs(4096, 2).open(())?;
/// assert_eq!(channel.write(&[0; 8192]), Err(EFBIG));
/// let stats = channel.stats();
/// assert_eq!((stats.too_big, stats.buffer_full), (1, 0));
/// assert_eq!(stats.dropped, channel.dropped());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records refused because the writer's buffer was full in
    /// [`Mode::NoOverwrite`] (`RELAY_STATS_BUF_FULL` counts relay's attempts
    /// to switch into a full buffer, flushes included; records refused by
    /// [`Callbacks::subbuf_start`] are counted in `dropped` only).
    pub buffer_full: u64,
    /// Records refused for being larger than a sub-buffer takes
    /// ([`Channel::max_record`]; `RELAY_STATS_WRT_BIG`).
    pub too_big: u64,
    /// Records refused for any reason, these two included
    /// ([`Channel::dropped`]).
    pub dropped: u64,
}

/// A relay channel whose hooks are `C`.
///
/// Created with [`Channel::builder`]. Writing needs only `&self`, from any
/// CPU at once; share the channel with an `Arc` or keep it in a module's
/// state.
///
/// # Invariants
///
/// - `chan` was returned by `kfiles_relay_open()` with
///   `Trampolines::<C>::TABLE` as callbacks and `shared` (boxed, so it never moves) as private data, and is
///   not closed before `drop`.
/// - `flags` are the `KFILES_RELAY_*` flags of its [`Mode`] and [`Writers`],
///   and `KFILES_RELAY_GLOBAL` if it has one buffer for every CPU, which
///   every write helper is given.
/// - `global_lock` is the lock `kfiles_relay_open()` made for a global
///   channel (NULL otherwise), which every write helper is given too, and
///   which `kfiles_relay_close()` frees in `drop`.
/// - `max_record` is the largest record its sub-buffers take.
pub struct Channel<C: Callbacks = ()> {
    chan: NonNull<ffi::rchan>,
    flags: u32,
    global_lock: *mut bindings::raw_spinlock,
    max_record: usize,
    shared: KBox<Shared<C>>,
    _dir: Dir,
}

// SAFETY: Every C function the channel calls may be called from any thread:
// writes work on the calling CPU's buffer with its writers excluded (on a
// global channel, the one buffer under its lock, which excludes every
// CPU's), flushes and consumption take their own locks. The rest of the
// state is atomics and `C`, which is `Send + Sync`.
unsafe impl<C: Callbacks> Send for Channel<C> {}
// SAFETY: Every method taking `&self` is safe to call concurrently (see
// `Send`); `reset`, which is not, takes `&mut self`.
unsafe impl<C: Callbacks> Sync for Channel<C> {}

/// Options of a channel being opened; see [`Channel::builder`].
pub struct Builder<'a> {
    base: &'a CStr,
    dir: &'a Dir,
    subbuf_size: usize,
    n_subbufs: usize,
    mode: Mode,
    writers: Writers,
    file_mode: u16,
    global: bool,
}

impl<'a> Builder<'a> {
    /// Sub-buffer size in bytes (header included) and count per CPU;
    /// 64 KiB x 4 by default. Checked by [`Geometry::new`] when opening.
    pub fn subbufs(mut self, size: usize, count: usize) -> Self {
        self.subbuf_size = size;
        self.n_subbufs = count;
        self
    }

    /// What happens when a buffer is full; [`Mode::NoOverwrite`] by default.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Where writers run; [`Writers::Any`] by default.
    pub fn writers(mut self, writers: Writers) -> Self {
        self.writers = writers;
        self
    }

    /// One buffer for every CPU instead of one per CPU (relay's
    /// `is_global`): a single file holds every CPU's records in the order
    /// they were written, for readers that want one stream. The file is
    /// `<base>N`, N the first online CPU when the channel opens (normally
    /// 0). Writers on different CPUs are serialised by a spinlock of the
    /// channel's (relay leaves that to its user), taken with interrupts off,
    /// on a [`Writers::TaskOnly`] channel too (which still refuses
    /// interrupt context): a writer spins while another CPU writes, runs a
    /// hook or fills a reservation, so keep `fill` and the [`Callbacks`]
    /// short. [`Callbacks`] are told CPU 0 (the first sub-buffer's call, at
    /// open, that first online CPU); [`Channel::is_full`] and
    /// [`Channel::subbufs_consumed`] take any CPU that was online since the
    /// channel opened and mean the one buffer.
    ///
    /// While a CPU holds one global channel's lock (in a hook or a `fill`),
    /// its writes, reservations and flushes of
    /// another global channel only try that channel's lock, and fail with
    /// `EBUSY` if another CPU holds it: waiting could deadlock two CPUs
    /// writing into each other's channel. A hook or `fill` must not take a
    /// lock that a writer of this channel holds around its write: that
    /// writer would spin on this channel's lock forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// let channel = relay_rs::Channel::builder(c"all", &dir).global().open(())?;
    /// channel.write(b"one stream\n")?;
    /// # assert!(doctest::exists(c"/sys/kernel/debug/kfiles-doctest/all0"));
    /// # assert!(!doctest::exists(c"/sys/kernel/debug/kfiles-doctest/all1"));
    /// # assert!(doctest::relay_holds(c"/sys/kernel/debug/kfiles-doctest/all", b"one stream\n")?);
    /// ```
    pub fn global(mut self) -> Self {
        self.global = true;
        self
    }

    /// Permissions of the per-CPU files; `0o400` (root reads) by default.
    /// Only read bits are kept: relay files cannot be written.
    pub fn file_mode(mut self, mode: impl Into<FileMode>) -> Self {
        self.file_mode = mode.into().bits() & 0o444;
        self
    }

    /// Opens the channel and creates its files, with hooks `callbacks`.
    ///
    /// Fails with `EINVAL` for a geometry [`Geometry::new`] refuses or one
    /// whose sub-buffers cannot hold the driver's header besides
    /// ([`Callbacks::DRIVER_HEADER`], [`Geometry::with_driver_header`]),
    /// `ENOENT` if the directory does not exist in debugfs, `EPERM` where
    /// sleeping is not allowed (a hook, a `fill`, interrupt or atomic
    /// context), and `ENOMEM` if relay cannot allocate the buffers or create
    /// the files (for example because files of that name exist).
    pub fn open<C: Callbacks>(self, callbacks: C) -> Result<Channel<C>> {
        // relay allocates and creates files, under its channels mutex and
        // the CPU hotplug lock (which a hook may run under: see
        // `Callbacks`).
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let geometry = Geometry::new(self.subbuf_size, self.n_subbufs)
            .and_then(|g| g.with_driver_header(Trampolines::<C>::DRIVER_HEADER))
            .map_err(|_| EINVAL)?;
        // SAFETY: The pointer is only passed to `relay_open()`, which creates
        // the files in it; `relay_close()` in `Channel::drop` removes them
        // before the `Dir` clone kept in the channel is dropped.
        let parent = unsafe { self.dir.dentry() }.ok_or(ENOENT)?;
        let overwrite = self.mode == Mode::Overwrite;
        // INVARIANT: `geometry` has `C`'s driver header.
        let shared = KBox::new(
            Shared {
                callbacks,
                geometry,
                overwrite,
                file_mode: self.file_mode,
                global: self.global,
                dropped: AtomicU64::new(0),
                full: AtomicU64::new(0),
                too_big: AtomicU64::new(0),
                generation: AtomicU8::new(0),
            },
            GFP_KERNEL,
        )?;
        let private: *const Shared<C> = &*shared;
        let mut flags = 0;
        if overwrite {
            flags |= ffi::KFILES_RELAY_OVERWRITE;
        }
        if self.writers == Writers::TaskOnly {
            flags |= ffi::KFILES_RELAY_TASK_ONLY;
        }
        if self.global {
            flags |= ffi::KFILES_RELAY_GLOBAL;
        }
        let mut global_lock: *mut bindings::raw_spinlock = core::ptr::null_mut();
        // SAFETY: `base` is a C string and `parent` a live debugfs directory.
        // The table serves channels whose private data is a `Shared<C>`, and
        // `private` is one that outlives the channel: it is dropped after
        // `relay_close()` in `Channel::drop`. `global_lock` is writable.
        let chan = unsafe {
            ffi::kfiles_relay_open(
                kfiles_compat::char_ptr(self.base),
                parent,
                geometry.subbuf_size(),
                geometry.n_subbufs(),
                Trampolines::<C>::TABLE.as_raw(),
                private.cast_mut().cast(),
                if self.global {
                    &mut global_lock
                } else {
                    core::ptr::null_mut()
                },
            )
        };
        let chan = NonNull::new(chan).ok_or(ENOMEM)?;
        // INVARIANT: Just opened as described, with `shared` and `C`'s table;
        // `flags` match the mode, writers and buffers; `global_lock` is what
        // the open made (for a global channel only).
        Ok(Channel {
            chan,
            flags,
            global_lock,
            max_record: geometry.max_record(C::HEADER),
            shared,
            _dir: self.dir.clone(),
        })
    }
}

impl Channel<()> {
    /// Starts opening a channel whose per-CPU files are `base0`, `base1`, ...
    /// in `dir`.
    pub fn builder<'a>(base: &'a CStr, dir: &'a Dir) -> Builder<'a> {
        Builder {
            base,
            dir,
            subbuf_size: 64 * 1024,
            n_subbufs: 4,
            mode: Mode::NoOverwrite,
            writers: Writers::Any,
            file_mode: 0o400,
            global: false,
        }
    }
}

impl<C: Callbacks> Channel<C> {
    /// Writes `record` into the current CPU's buffer, whole.
    ///
    /// Readers see it at once (in the current sub-buffer; [`flush`] also
    /// completes the sub-buffer's header). Fails, counting the record in
    /// [`dropped`](Self::dropped), with:
    ///
    /// - `EFBIG`: the record is larger than a sub-buffer takes
    ///   ([`max_record`](Self::max_record));
    /// - `ENOSPC`: the buffer is full in [`Mode::NoOverwrite`] (also reported
    ///   to [`Callbacks::buffer_full`]), or [`Callbacks::subbuf_start`]
    ///   refused the sub-buffer the record needed;
    /// - `EPERM`: called from interrupt context on a [`Writers::TaskOnly`]
    ///   channel, or from NMI context;
    /// - `EBUSY`: called, on this CPU, from code that runs while the channel
    ///   is being written there: a [`Reservation`]'s `fill` or one of the
    ///   channel's [`Callbacks`]; or, on a [global](Builder::global)
    ///   channel, while this CPU holds another global channel's lock and
    ///   another CPU holds this one's;
    /// - `ENODEV`: this CPU has no buffer (it came online while the channel
    ///   was being opened, which relay does not handle).
    ///
    /// [`flush`]: Self::flush
    #[inline]
    pub fn write(&self, record: &[u8]) -> Result {
        if record.len() > self.max_record {
            return Err(self.refused_too_big());
        }
        // SAFETY: By the type invariants `chan` is open and `flags` and
        // `global_lock` are its own; the helper reads `record.len()` bytes
        // from a live slice.
        let ret = unsafe {
            ffi::kfiles_relay_write(
                self.chan.as_ptr(),
                record.as_ptr().cast(),
                record.len(),
                self.flags,
                self.global_lock,
            )
        };
        if ret < 0 {
            return Err(self.refused_by_helper(ret));
        }
        Ok(())
    }

    /// Counts a refused record.
    #[cold]
    fn refused(&self, err: Error) -> Error {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        err
    }

    /// Counts a record larger than `max_record`. (The reason is counted
    /// after `dropped`, with release, for `stats`.)
    #[cold]
    fn refused_too_big(&self) -> Error {
        let err = self.refused(EFBIG);
        self.shared.too_big.fetch_add(1, Ordering::Release);
        err
    }

    /// Counts a record a write helper refused with `ret` (a `-errno`; the
    /// helper already reported a full buffer to the hooks).
    #[cold]
    fn refused_by_helper(&self, ret: c_long) -> Error {
        let err = if ret == -(bindings::ECANCELED as c_long) {
            // The hook refused the sub-buffer: for the writer, no room.
            ENOSPC
        } else {
            i32::try_from(ret).map_or(EIO, Error::from_errno)
        };
        let err = self.refused(err);
        if ret == -(bindings::ENOSPC as c_long) {
            // After `dropped`, with release, for `stats`.
            self.shared.full.fetch_add(1, Ordering::Release);
        }
        err
    }

    /// Reserves `len` bytes in the current CPU's buffer and lets `fill`
    /// write them in place (no intermediate copy), as `relay_reserve()`.
    ///
    /// `fill` runs with local interrupts disabled and must not sleep.
    /// `read()` readers see the record only once it is committed
    /// ([`Reservation::commit`], the only way to get the [`Committed`] that
    /// `fill` returns), with the bytes `fill` did not write zeroed; a
    /// reservation dropped uncommitted is zeroed and given back, leaving
    /// nothing for `read()`. (An `mmap()` reader sees the buffer's memory as
    /// it changes.) While `fill` runs, writes and reservations on this channel
    /// from `fill` itself fail with `EBUSY` (other channels may be written).
    ///
    /// Fails, counting a drop and without calling `fill`, as
    /// [`write`](Self::write) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::fmt::Write;
    /// # let dir = doctest::debugfs_dir();
    /// # let channel = relay_rs::Channel::builder(c"cpu", &dir).open(())?;
    /// # let (irq, stamp) = (11, 1234567);
    /// channel.reserve(32, |mut slot| {
    ///     let _ = writeln!(slot, "irq {} at {}", irq, stamp);
    ///     slot.commit()
    /// })?;
    /// # assert!(doctest::relay_holds(c"/sys/kernel/debug/kfiles-doctest/cpu", b"irq 11 at 1234567\n")?);
    /// ```
    #[inline]
    pub fn reserve(&self, len: usize, fill: impl FnOnce(Reservation<'_>) -> Committed) -> Result {
        if len > self.max_record {
            return Err(self.refused_too_big());
        }
        // Left for the helper to fill: initialising it costs as much per
        // record as the rest of this function.
        let mut slot = MaybeUninit::<ffi::kfiles_relay_slot>::uninit();
        // SAFETY: By the type invariants `chan` is open and `flags` and
        // `global_lock` are its own; `slot` is writable.
        let ret = unsafe {
            ffi::kfiles_relay_reserve(
                self.chan.as_ptr(),
                len,
                self.flags,
                self.global_lock,
                slot.as_mut_ptr(),
            )
        };
        if ret < 0 {
            return Err(self.refused_by_helper(ret));
        }
        // SAFETY: A successful `kfiles_relay_reserve()` sets every field of
        // the slot (kfiles_helpers.h).
        let slot = unsafe { slot.assume_init() };
        let Some(data) = NonNull::new(slot.data.cast::<u8>()) else {
            // Not reached: the helper always sets `data` on success.
            // SAFETY: The reservation succeeded and is released once.
            unsafe { ffi::kfiles_relay_release(&slot, false) };
            return Err(self.refused(EIO));
        };
        let mut committed = false;
        // SAFETY: `data` points at `len` bytes reserved for us in this CPU's
        // buffer, with interrupts off until the release below, which follows
        // `fill`'s return.
        let reservation = unsafe { Reservation::new(data, len, &mut committed) };
        let _: Committed = fill(reservation);
        // Released here, not by the `Reservation`, so that interrupts come
        // back on even if `fill` leaked it.
        // SAFETY: The reservation succeeded and this is its only release.
        unsafe { ffi::kfiles_relay_release(&slot, committed) };
        Ok(())
    }

    /// Finishes every CPU's current sub-buffer, completing its header, so
    /// that a reader that waits for whole sub-buffers (an `mmap()` reader)
    /// sees it; `read()` readers see records as soon as they are written.
    ///
    /// Each CPU's buffer is switched on that CPU with its writers excluded
    /// (a [global](Builder::global) channel's one buffer under its lock),
    /// so flushing is safe while writers run. Each flush uses up a
    /// sub-buffer; in [`Mode::NoOverwrite`] a CPU whose buffer is full keeps
    /// its current sub-buffer open (its records stay readable).
    ///
    /// Sleeps: fails with `EPERM` outside task context, with interrupts
    /// disabled (for example inside a [`Reservation`]'s `fill`), inside a
    /// write of any channel (a hook) or, on kernels that can tell
    /// (`CONFIG_PREEMPT_COUNT`), in any atomic section. A global channel's
    /// flush fails with `EBUSY` where its writes would (see
    /// [`Builder::global`]).
    pub fn flush(&self) -> Result {
        // SAFETY: By the type invariants `chan` is open and `flags` and
        // `global_lock` are its own.
        let ret =
            unsafe { ffi::kfiles_relay_flush(self.chan.as_ptr(), self.flags, self.global_lock) };
        kernel::error::to_result(ret)
    }

    /// Empties every buffer, as `relay_reset()`. `&mut self` guarantees that
    /// no writer, reservation or flush of this channel runs meanwhile, as
    /// relay requires. A `read()` of the channel's files that the reset
    /// overlaps reads again from where it left the buffer, waiting first if
    /// the reset still runs (so do overlapping reads of the module's other
    /// channels, and their [`subbufs_consumed`](Self::subbufs_consumed): the
    /// count that tells is per module). The reset does not wait for readers
    /// itself, but relay's channels mutex, which it takes, may be held by a
    /// channel closing elsewhere that waits for a reader inside a user copy
    /// (relay removes a buffer's file under that mutex).
    /// The next bytes a reader gets are those of the new first sub-buffer
    /// (in [`Mode::Overwrite`], of the oldest one left if the writer lapped
    /// it since). What readers had not read yet is discarded: the sub-buffer
    /// headers' sequence numbers restart at 0 and their generation
    /// (`SubbufHeader::generation`) goes up by one, which relay-read
    /// reports as a reset.
    ///
    /// Sleeps: fails with `EPERM` where [`flush`](Self::flush) does.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// let mut channel = relay_rs::Channel::builder(c"session", &dir).open(())?;
    /// channel.write(b"old session\n")?;
    /// // A new session: what the readers have not read yet is discarded.
    /// channel.reset()?;
    /// channel.write(b"new session\n")?;
    /// # let base = c"/sys/kernel/debug/kfiles-doctest/session";
    /// # assert!(doctest::relay_holds(base, b"new session\n")?);
    /// # assert!(!doctest::relay_holds(base, b"old session\n")?);
    /// ```
    pub fn reset(&mut self) -> Result {
        // The helper's only refusal, checked before the generation moves: a
        // buffer that a CPU coming online creates meanwhile (which `&mut`
        // does not exclude) must not start a generation no reset follows.
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        // Before the reset, whose `subbuf_start` calls write the new
        // generation into every buffer's first header.
        self.shared.generation.fetch_add(1, Ordering::Relaxed);
        // SAFETY: By the type invariants `chan` is open; the exclusive borrow
        // excludes concurrent use of the channel's write paths.
        kernel::error::to_result(unsafe { ffi::kfiles_relay_reset(self.chan.as_ptr()) })
    }

    /// Tells relay that a kernel-side reader consumed `count` sub-buffers of
    /// CPU `cpu`'s buffer, as `relay_subbufs_consumed()`: for drivers whose
    /// readers use `mmap()` and report progress through a control file.
    /// Readers using `read()` need not call this; the two are serialised (the
    /// lock `read()` holds is taken), so they never move the count backwards,
    /// and a `read()` afterwards starts at the first sub-buffer not consumed.
    ///
    /// Sleeps, also until a [`reset`](Self::reset) of another channel of
    /// the module that runs ends. Fails with `EINVAL` for a CPU that is not
    /// possible or a `count` above the sub-buffer count, `ENODEV` for a CPU
    /// without a buffer, `EPERM` where [`flush`](Self::flush) does, and
    /// `EINTR` if a fatal signal comes while it waits.
    pub fn subbufs_consumed(&self, cpu: u32, count: usize) -> Result {
        // SAFETY: By the type invariants `chan` is open; the helper checks
        // `cpu` and the context.
        let ret = unsafe { ffi::kfiles_relay_subbufs_consumed(self.chan.as_ptr(), cpu, count) };
        kernel::error::to_result(ret)
    }

    /// Records refused so far, for any reason [`write`](Self::write) lists.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Records refused so far, by reason (`relay_stats()`). The counts are
    /// read one after the other while writers may refuse more; `dropped`,
    /// read last, is at least the sum of the other two.
    pub fn stats(&self) -> Stats {
        // Each refusal counts `dropped` before its reason (with release):
        // a reason seen here (acquire) has its `dropped` before the load
        // below.
        let buffer_full = self.shared.full.load(Ordering::Acquire);
        let too_big = self.shared.too_big.load(Ordering::Acquire);
        Stats {
            buffer_full,
            too_big,
            dropped: self.shared.dropped.load(Ordering::Relaxed),
        }
    }

    /// Whether CPU `cpu`'s buffer has no sub-buffer left to move to: records
    /// that fit in its current sub-buffer are still taken, the next that
    /// does not is refused with `ENOSPC` until a reader consumes a
    /// sub-buffer (`relay_buf_full()`, which relay-rs's writers decide one
    /// sub-buffer earlier, see the crate documentation). Always false in
    /// [`Mode::Overwrite`]. A snapshot: writers on that CPU may change it
    /// at once. For back-pressure (waking or warning the reader, slowing a
    /// producer), not for skipping records: while it is true, records that
    /// fit in the current sub-buffer are still stored.
    ///
    /// Any context. Fails with `EINVAL` for a CPU that is not possible and
    /// `ENODEV` for one without a buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// let channel = relay_rs::Channel::builder(c"cpu", &dir).subbufs(4096, 2).open(())?;
    /// assert_eq!(channel.is_full(0), Ok(false));
    /// while channel.write(&[b'x'; 1000]).is_ok() {}
    /// # // (The writes ran on some CPU, not always 0, and may have moved.)
    /// # let cpus = (0..4096).filter_map(|cpu| channel.is_full(cpu).ok()).filter(|&f| f).count();
    /// # assert!(cpus >= 1);
    /// # assert!(channel.stats().buffer_full >= 1);
    /// assert_eq!(channel.is_full(u32::MAX), Err(EINVAL));
    /// ```
    pub fn is_full(&self, cpu: u32) -> Result<bool> {
        // SAFETY: By the type invariants `chan` is open; the helper checks
        // `cpu` and only reads the buffer's counters.
        let ret = unsafe { ffi::kfiles_relay_buf_full(self.chan.as_ptr(), cpu) };
        kernel::error::to_result(ret)?;
        Ok(!self.shared.overwrite && ret == 1)
    }

    /// The channel's geometry, with its driver header
    /// ([`Callbacks::DRIVER_HEADER`]).
    pub fn geometry(&self) -> Geometry {
        self.shared.geometry
    }

    /// The channel's mode.
    pub fn mode(&self) -> Mode {
        if self.shared.overwrite {
            Mode::Overwrite
        } else {
            Mode::NoOverwrite
        }
    }

    /// The largest record [`write`](Self::write) takes: a sub-buffer minus
    /// its headers (relay-rs's [`SubbufHeader`](crate::SubbufHeader), unless
    /// [`Callbacks::HEADER`] is `false`, and the driver's,
    /// [`Callbacks::DRIVER_HEADER`]).
    pub fn max_record(&self) -> usize {
        self.max_record
    }

    /// The channel's hooks.
    pub fn callbacks(&self) -> &C {
        &self.shared.callbacks
    }
}

impl<C: Callbacks> Drop for Channel<C> {
    fn drop(&mut self) {
        // The flush fails only in atomic context, where `relay_close()`, which
        // sleeps, must not be called either: dropping a channel there is a
        // bug of the caller's, as for any object whose drop sleeps.
        // SAFETY: By the type invariants `chan` is open and `flags` and
        // `global_lock` are its own.
        let _ =
            unsafe { ffi::kfiles_relay_flush(self.chan.as_ptr(), self.flags, self.global_lock) };
        // `relay_close()` removes the files through `remove_buf_file`;
        // afterwards neither relay nor the helpers call the callbacks or read
        // `private_data` (files still open or mapped use only the buffer,
        // through file operations that keep the module loaded), so `shared`
        // may be dropped after it.
        // SAFETY: By the type invariants `chan` is open and `global_lock` is
        // its lock (or NULL); this is the last use of both, and no writer
        // holds the lock: they all borrow `self`.
        unsafe { ffi::kfiles_relay_close(self.chan.as_ptr(), self.global_lock) };
    }
}
