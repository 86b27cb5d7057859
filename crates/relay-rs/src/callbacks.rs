// SPDX-License-Identifier: GPL-2.0

//! A channel's hooks ([`Callbacks`]) and the C callback table built from them.

use crate::channel::Shared;
use core::{
    ffi::{c_int, c_void},
    marker::PhantomData,
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering},
};
use kernel::bindings;
use kfiles_core::relay::{SubbufHeader, HEADER_LEN, MAX_DRIVER_HEADER, OPEN};
use kfiles_ffi as ffi;

/// Hooks a channel calls. Every method has a default; `()` uses them all.
///
/// The hooks run in the writer's context, often with interrupts or
/// preemption disabled: they must not sleep. For a buffer's first
/// sub-buffer, which relay sets up when the channel opens, when a CPU comes
/// online and at [`Channel::reset`](crate::Channel::reset), they run in
/// task context under relay's locks (its channels mutex, the CPU hotplug
/// lock), with interrupts off and the channel entered as in a write, so the
/// same rules hold there: a write to the channel fails with `EBUSY`, and
/// opening, flushing or resetting a channel with `EPERM` (they would wait on
/// those locks). Dropping a [`Channel`](crate::Channel) in a hook is not
/// allowed (its close sleeps). A panic in a hook happens with writers
/// excluded (for a [global](crate::Builder::global) channel, every CPU's):
/// it stops the system, not just the writer.
///
/// A hook that flushes a channel is refused, also where relay calls it at
/// open:
///
/// ```
/// use core::sync::atomic::{AtomicBool, Ordering};
/// use kernel::sync::Arc;
/// use relay_rs::{Callbacks, Channel};
///
/// struct FlushesOther {
///     other: Arc<Channel<()>>,
///     refused: AtomicBool,
/// }
///
/// impl Callbacks for FlushesOther {
///     fn subbuf_start(&self, _cpu: u32, _sequence: u32) -> bool {
///         if self.other.flush() == Err(EPERM) {
///             self.refused.store(true, Ordering::Relaxed);
///         }
///         true
///     }
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let other = Arc::new(
///     Channel::builder(c"other", &dir).subbufs(4096, 2).open(())?,
///     GFP_KERNEL,
/// )?;
/// let flusher = FlushesOther { other, refused: AtomicBool::new(false) };
/// let channel = Channel::builder(c"flusher", &dir).subbufs(4096, 2).open(flusher)?;
/// // Opening set up each CPU's first sub-buffer: the hook ran, refused.
/// assert!(channel.callbacks().refused.load(Ordering::Relaxed));
/// ```
///
/// The C callbacks `buf_mapped()`/`buf_unmapped()` no longer exist in the
/// kernels this crate supports (they were removed upstream), so they are not
/// offered.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering};
///
/// struct CountFull(AtomicU64);
///
/// impl relay_rs::Callbacks for CountFull {
///     fn buffer_full(&self, _cpu: u32) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let channel = relay_rs::Channel::builder(c"cpu", &dir)
///     .subbufs(4096, 2)
///     .open(CountFull(AtomicU64::new(0)))?;
/// # // 64 KiB of records into at most 4 CPUs' 8 KiB: some buffer fills.
/// # for _ in 0..1024 {
/// #     let _ = channel.write(&[b'x'; 64]);
/// # }
/// # assert!(channel.callbacks().0.load(Ordering::Relaxed) > 0);
/// # assert_eq!(channel.callbacks().0.load(Ordering::Relaxed), channel.dropped());
/// ```
pub trait Callbacks: Send + Sync + 'static {
    /// Whether sub-buffers start with a [`SubbufHeader`] (the padding header
    /// scheme). Without it, records fill sub-buffers from their first byte,
    /// as in a C driver's channel: `read()` still skips the padding (and
    /// relay-read reads such channels too), but a reader cannot tell
    /// sub-buffers apart, so one overwritten while it read goes unseen.
    const HEADER: bool = true;

    /// Called when a record is refused because the writer's buffer (that of
    /// CPU `cpu`, on which the hook runs; for a
    /// [global](crate::Builder::global) channel, the one buffer's, 0, while
    /// the hook runs on the writer's CPU) is full in [`Mode::NoOverwrite`];
    /// the record is also counted in [`Channel::dropped`]. It runs with that
    /// buffer's writers excluded: a write to the same channel from here fails
    /// with `EBUSY`.
    ///
    /// [`Mode::NoOverwrite`]: crate::Mode::NoOverwrite
    /// [`Channel::dropped`]: crate::Channel::dropped
    fn buffer_full(&self, _cpu: u32) {}

    /// Called when the writer on `cpu` (0 for a [global](crate::Builder::global)
    /// channel, except at open: the first online CPU) moves to sub-buffer
    /// number `sequence`,
    /// and for each CPU's first sub-buffer when the channel is opened or
    /// reset. Returning `false` refuses the sub-buffer: the record that
    /// needed it is dropped, and relay asks again at every later write until
    /// the hook accepts. (For the first sub-buffers relay ignores the answer.)
    /// In [`Mode::NoOverwrite`] it is not called while the buffer is full.
    /// It runs with the buffer's writers excluded: a write to the same
    /// channel from here fails with `EBUSY`.
    ///
    /// [`Mode::NoOverwrite`]: crate::Mode::NoOverwrite
    fn subbuf_start(&self, _cpu: u32, _sequence: u32) -> bool {
        true
    }

    /// Length in bytes of the driver's own header at the start of every
    /// sub-buffer, filled in by [`driver_header`](Self::driver_header); 0
    /// (the default) for none, at most [`MAX_DRIVER_HEADER`] (64, checked
    /// at compile time).
    ///
    /// It follows relay-rs's [`SubbufHeader`] (at offset [`HEADER_LEN`]), or
    /// starts the sub-buffer if [`HEADER`](Self::HEADER) is `false`, as the
    /// header a C driver reserves with `subbuf_start_reserve()`; records
    /// follow it. The channel's [`Geometry`](crate::Geometry) records the
    /// length ([`Geometry::driver_header`](crate::Geometry::driver_header)),
    /// [`Channel::max_record`](crate::Channel::max_record) is that much
    /// smaller, and [`Builder::open`](crate::Builder::open) fails with
    /// `EINVAL` if a sub-buffer cannot hold both headers and 64 bytes of
    /// records. The [`SubbufHeader`] tells readers the length, so
    /// relay-read and [`StreamDecoder`] drop the driver header and return
    /// only records. Without relay-rs's header, `read()` returns each
    /// sub-buffer's driver header among the records (relay strips only the
    /// padding), as for a C driver's: the driver's own reader must tell
    /// where sub-buffers start (`mmap()`, or records that say their length).
    ///
    /// [`StreamDecoder`]: kfiles_core::relay::StreamDecoder
    const DRIVER_HEADER: usize = 0;

    /// Fills in the driver header of the sub-buffer numbered `sequence` of
    /// CPU `cpu`'s buffer (the numbers [`subbuf_start`](Self::subbuf_start)
    /// is given), for channels whose [`DRIVER_HEADER`](Self::DRIVER_HEADER)
    /// is not 0.
    ///
    /// `header` is [`DRIVER_HEADER`](Self::DRIVER_HEADER) bytes, zeroed: a
    /// copy, not the buffer itself. relay-rs copies it into the sub-buffer
    /// after the hook returns and before the sub-buffer's first record, and
    /// only then lets readers see it; bytes the hook leaves alone stay zero.
    /// It is called for every sub-buffer [`subbuf_start`](Self::subbuf_start)
    /// accepted and for each buffer's first (also when the channel is opened
    /// or reset), right after that hook, in the same context: with the
    /// buffer's writers excluded (a write to the same channel from here fails
    /// with `EBUSY`), in whatever context the writer runs, interrupts
    /// included, so it must not sleep. The driver header is written once,
    /// when its sub-buffer starts (relay-rs's own header records how the
    /// sub-buffer ended: its padding).
    ///
    /// # Examples
    ///
    /// A header of the writer's CPU and the sub-buffer's number, as a C
    /// driver would reserve from `subbuf_start`:
    ///
    /// ```
    /// struct Tagged;
    ///
    /// impl relay_rs::Callbacks for Tagged {
    ///     const DRIVER_HEADER: usize = 8;
    ///
    ///     fn driver_header(&self, cpu: u32, sequence: u32, header: &mut [u8]) {
    ///         // `header` is exactly `DRIVER_HEADER` bytes.
    ///         header[..4].copy_from_slice(&cpu.to_le_bytes());
    ///         header[4..].copy_from_slice(&sequence.to_le_bytes());
    ///     }
    /// }
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let channel = relay_rs::Channel::builder(c"tagged", &dir)
    ///     .subbufs(4096, 2)
    ///     .open(Tagged)?;
    /// assert_eq!(channel.geometry().driver_header(), 8);
    /// assert_eq!(channel.max_record(), 4096 - relay_rs::HEADER_LEN - 8);
    /// channel.write(b"record")?;
    /// # // Each CPU's file: relay-rs's header, the driver's (the CPU, then
    /// # // sub-buffer 0), then the record on the writer's CPU only.
    /// # let mut records = 0;
    /// # for cpu in 0..4u8 {
    /// #     // CPUs that are not online have no file.
    /// #     let Ok(data) = doctest::relay_cpu(c"/sys/kernel/debug/kfiles-doctest/tagged", cpu) else {
    /// #         continue;
    /// #     };
    /// #     assert_eq!(data.get(24..32), Some(&[cpu, 0, 0, 0, 0, 0, 0, 0][..]));
    /// #     records += usize::from(data.get(32..) == Some(&b"record"[..]));
    /// # }
    /// # assert_eq!(records, 1);
    /// # // Too small for both headers and 64 bytes of records.
    /// # assert!(relay_rs::Channel::builder(c"small", &dir).subbufs(95, 2).open(Tagged).is_err());
    /// # assert!(relay_rs::Channel::builder(c"small", &dir).subbufs(96, 2).open(Tagged).is_ok());
    /// ```
    fn driver_header(&self, _cpu: u32, _sequence: u32, _header: &mut [u8]) {}
}

impl Callbacks for () {}

/// The callbacks (relay's `rchan_callbacks` and the helpers' `buffer_full`)
/// of channels whose private data is a `Shared<C>`.
///
/// # Invariants
///
/// Every callback in `raw` is sound when relay or the write helpers call it
/// for a buffer of a channel opened with this table whose `private_data`
/// points at a `Shared<C>` that outlives the channel (until `relay_close()`
/// returns).
pub(crate) struct CallbackTable<C> {
    raw: ffi::kfiles_relay_callbacks,
    _data: PhantomData<C>,
}

// SAFETY: The table is immutable function pointers; `PhantomData<C>` only
// ties it to its type.
unsafe impl<C> Sync for CallbackTable<C> {}

impl<C> CallbackTable<C> {
    /// Wraps `raw` as the table of channels with private data `Shared<C>`.
    ///
    /// # Safety
    ///
    /// Every callback in `raw` must be sound when relay or the write helpers
    /// call it for a buffer of a channel opened with this table and a
    /// `Shared<C>` as private data that outlives the channel.
    const unsafe fn new(raw: ffi::kfiles_relay_callbacks) -> Self {
        // INVARIANT: By the function's safety requirements.
        Self {
            raw,
            _data: PhantomData,
        }
    }

    /// The C table, for `kfiles_relay_open()`.
    pub(crate) fn as_raw(&self) -> *const ffi::kfiles_relay_callbacks {
        &self.raw
    }
}

/// The callbacks of channels with hooks `C`.
pub(crate) struct Trampolines<C>(PhantomData<C>);

impl<C: Callbacks> Trampolines<C> {
    /// `C::DRIVER_HEADER`, which fails to compile if it is larger than
    /// [`MAX_DRIVER_HEADER`] (the stack buffer `subbuf_start` fills). Every
    /// use of `C::DRIVER_HEADER` goes through this.
    pub(crate) const DRIVER_HEADER: usize = {
        assert!(
            C::DRIVER_HEADER <= MAX_DRIVER_HEADER,
            "Callbacks::DRIVER_HEADER is larger than MAX_DRIVER_HEADER (64)"
        );
        C::DRIVER_HEADER
    };

    // Beyond that, each trampoline asks only what relay and the helpers
    // guarantee of every call: the writer of `buf` excluded during
    // `subbuf_start`, the parent directory alive during `create_buf_file`, a
    // dentry from `create_buf_file` for `remove_buf_file`.
    // SAFETY: Each trampoline asks for a buffer (or the private data) of a
    // channel opened with this table and a live `Shared<C>` private data.
    pub(crate) const TABLE: CallbackTable<C> = unsafe {
        CallbackTable::new(ffi::kfiles_relay_callbacks {
            cb: ffi::rchan_callbacks {
                subbuf_start: Some(Self::subbuf_start),
                create_buf_file: Some(Self::create_buf_file),
                remove_buf_file: Some(Self::remove_buf_file),
            },
            buffer_full: Some(Self::buffer_full),
        })
    };

    /// A write on `cpu` found the buffer full (no-overwrite mode).
    ///
    /// # Safety
    ///
    /// `private` must be the private data of a channel opened with
    /// [`Self::TABLE`]: a `Shared<C>` alive for the call.
    unsafe extern "C" fn buffer_full(private: *mut c_void, cpu: kernel::ffi::c_uint) {
        // SAFETY: By the function's safety requirement; only ever shared.
        let shared = unsafe { &*private.cast::<Shared<C>>() };
        shared.callbacks.buffer_full(cpu);
    }

    /// The channel's `Shared` state.
    ///
    /// # Safety
    ///
    /// `buf` must be a live buffer of a channel opened with [`Self::TABLE`],
    /// whose private data is a `Shared<C>` that is alive for `'a`.
    unsafe fn shared<'a>(buf: *mut ffi::rchan_buf) -> &'a Shared<C> {
        // SAFETY: By the function's safety requirements `buf->chan` is such a
        // channel and its private data a live `Shared<C>`, only ever shared.
        unsafe { &*(*(*buf).chan).private_data.cast::<Shared<C>>() }
    }

    /// relay moves the writer of `buf` to sub-buffer `subbuf`, having finished
    /// `prev_subbuf` (NULL for the first). Returns 0 to refuse it.
    ///
    /// # Safety
    ///
    /// - `buf` must be a live buffer of a channel opened with
    ///   [`Self::TABLE`] and a live `Shared<C>` as private data (whose
    ///   geometry is that of the channel, driver header included: see
    ///   `Shared`).
    /// - `buf`'s writers must be excluded for the call (relay calls this from
    ///   `relay_switch_subbuf()` under the writer's exclusion, and from
    ///   `__relay_reset()` before or, for `relay_reset()`, without writers).
    /// - `subbuf` must be the start of the sub-buffer numbered
    ///   `buf->subbufs_produced`, and `prev_subbuf`, unless NULL, the start of
    ///   the one before it, finished with its padding recorded.
    unsafe extern "C" fn subbuf_start(
        buf: *mut ffi::rchan_buf,
        subbuf: *mut c_void,
        prev_subbuf: *mut c_void,
        // Before 6.17-ish relay also passed the previous padding; the value
        // is read from `buf->padding` below on every version.
        #[cfg(kfiles_relay_prev_padding)] _prev_padding: usize,
    ) -> c_int {
        // SAFETY: `buf` is a buffer of a channel opened with `C`'s table
        // (first requirement).
        let shared = unsafe { Self::shared(buf) };
        // SAFETY: `buf` is live; these fields are written only by its writer,
        // which is excluded (second requirement), or are constant.
        let (produced, cpu, padding) =
            unsafe { ((*buf).subbufs_produced, (*buf).cpu, (*buf).padding) };
        if C::HEADER && !prev_subbuf.is_null() {
            // relay recorded the finished sub-buffer's padding before calling
            // us; `prev_subbuf` is that sub-buffer, number `produced - 1`.
            let prev = shared.geometry.subbuf_index(produced.wrapping_sub(1));
            // SAFETY: `padding` has `n_subbufs` entries and `prev` is below
            // that.
            let prev_padding = unsafe { *padding.add(prev) };
            let field = (prev_padding as u32).to_le_bytes();
            // SAFETY: `prev_subbuf` starts a sub-buffer of the channel (third
            // requirement), which begins with a header; the padding field is
            // within it.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    field.as_ptr(),
                    prev_subbuf.cast::<u8>().add(SubbufHeader::PADDING_OFFSET),
                    field.len(),
                )
            };
        }
        // No "buffer full" test here: in no-overwrite mode the write helpers
        // never start a switch that would find the buffer full (see
        // helpers_relay.c), and the first sub-buffer of an empty buffer always fits.
        // SAFETY: `buf` is a live buffer of a channel opened with `C`'s
        // table (first requirement).
        let accepted = unsafe {
            Self::hook(buf, prev_subbuf.is_null(), || {
                shared.callbacks.subbuf_start(cpu, produced as u32)
            })
        }
        .unwrap_or(true);
        // relay ignores the answer for a buffer's first sub-buffer (no
        // `prev_subbuf`) and writes into it all the same: set it up.
        if !accepted && !prev_subbuf.is_null() {
            return 0;
        }
        let index = shared.geometry.subbuf_index(produced);
        // relay itself sets `data` and this padding right after we return.
        // Doing it here, `data` last with release, lets a concurrent read()
        // (which reads `data`, then `offset`, then `data` again, with acquire)
        // pair an offset only with the sub-buffer it belongs to: relay reset
        // the offset for the new sub-buffer before calling us.
        // SAFETY: `index` is below `n_subbufs`, the length of `padding`;
        // `buf` is live and its writer excluded (second requirement).
        unsafe {
            core::ptr::write_volatile(padding.add(index), 0);
            AtomicPtr::from_ptr(&raw mut (*buf).data).store(subbuf, Ordering::Release);
        }
        if C::HEADER {
            let header = SubbufHeader {
                padding: OPEN,
                sequence: produced as u32,
                geometry: shared.geometry,
                overwrite: shared.overwrite,
                generation: shared.generation.load(Ordering::Relaxed),
            }
            .encode();
            // SAFETY: `subbuf` is a whole sub-buffer (third requirement), now
            // owned by the excluded writer, larger than a header (`Geometry`
            // guarantees it).
            unsafe {
                core::ptr::copy_nonoverlapping(header.as_ptr(), subbuf.cast::<u8>(), HEADER_LEN)
            };
        }
        if Self::DRIVER_HEADER > 0 {
            // Filled on the stack, so the hook's `&mut` never aliases buffer
            // memory an `mmap()` reader may look at, and copied after it.
            let mut bytes = [0u8; MAX_DRIVER_HEADER];
            // `DRIVER_HEADER` is at most `MAX_DRIVER_HEADER`: no panic.
            let (driver, _) = bytes.split_at_mut(Self::DRIVER_HEADER);
            // SAFETY: `buf` is a live buffer of a channel opened with `C`'s
            // table (first requirement).
            unsafe {
                Self::hook(buf, prev_subbuf.is_null(), || {
                    shared.callbacks.driver_header(cpu, produced as u32, driver)
                })
            };
            let at = if C::HEADER { HEADER_LEN } else { 0 };
            // SAFETY: `subbuf` is a whole sub-buffer (third requirement), now
            // owned by the excluded writer. The channel's geometry has this
            // driver header (`Shared`'s geometry, first requirement), so the
            // sub-buffer holds `records_offset(C::HEADER)` bytes, the end of
            // the copy, and more; `driver` is a separate stack buffer.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    driver.as_ptr(),
                    subbuf.cast::<u8>().add(at),
                    driver.len(),
                )
            };
        }
        let records = shared.geometry.records_offset(C::HEADER);
        if records > 0 {
            // SAFETY: `offset` is a live, aligned `size_t` of `buf`, which
            // relay's readers only read. Setting it is
            // `subbuf_start_reserve()`; the release orders the headers and the
            // stores above before it.
            let offset = unsafe { AtomicUsize::from_ptr(&raw mut (*buf).offset) };
            offset.store(records, Ordering::Release);
        }
        if prev_subbuf.is_null() {
            // `__relay_reset()` calls this last, once it has set up the
            // buffer's reference count and wait queue: only now may its file
            // be opened.
            // SAFETY: `buf` is live (first requirement) and set up, as just
            // said, or reset by `relay_reset()`, when this does nothing.
            unsafe { ffi::kfiles_relay_buf_ready(buf) };
        }
        1
    }

    /// Runs a hook of the driver for `buf`: as it is, inside a write (the
    /// write path excluded the writers and entered the channel), or, for a
    /// buffer's `first` sub-buffer, which relay sets up outside any write
    /// (open, a CPU coming online, reset; task context, under relay's
    /// channels mutex and, for the first two, the CPU hotplug lock), in a
    /// write's state: interrupts off and the channel on this CPU's nesting
    /// stack, so that the hooks' rules hold there too (a write to the channel
    /// is refused; a flush, reset or open, which would wait on the locks
    /// held around this call, is refused as where sleeping is not allowed).
    /// `None`, without running the hook, if the nesting stack is full.
    ///
    /// # Safety
    ///
    /// `buf` must be a live buffer of a channel opened with
    /// [`Self::TABLE`].
    unsafe fn hook<R>(
        buf: *mut ffi::rchan_buf,
        first: bool,
        hook: impl FnOnce() -> R,
    ) -> Option<R> {
        if !first {
            return Some(hook());
        }
        let mut flags = 0;
        // SAFETY: `buf->chan` is the buffer's live channel (function
        // requirement); `flags` is written by the call.
        if !unsafe { ffi::kfiles_relay_hook_enter((*buf).chan, &mut flags) } {
            return None;
        }
        let result = hook();
        // SAFETY: Ends the state entered above, on this CPU (interrupts
        // were off since).
        unsafe { ffi::kfiles_relay_hook_exit(flags) };
        Some(result)
    }

    /// Creates the debugfs file of one per-CPU buffer.
    ///
    /// # Safety
    ///
    /// - `buf` must be a live buffer of a channel opened with
    ///   [`Self::TABLE`] and a live `Shared<C>` as private data.
    /// - `filename` must be a C string and `parent` a live debugfs
    ///   directory (relay passes the channel's name and parent).
    /// - `is_global` must be valid for writes (relay passes
    ///   `&chan->is_global`).
    unsafe extern "C" fn create_buf_file(
        filename: *const kernel::ffi::c_char,
        parent: *mut bindings::dentry,
        _mode: bindings::umode_t,
        buf: *mut ffi::rchan_buf,
        is_global: *mut c_int,
    ) -> *mut bindings::dentry {
        // SAFETY: By the first requirement.
        let shared = unsafe { Self::shared(buf) };
        let mode = shared.file_mode;
        if shared.global {
            // relay then keeps this buffer in CPU 0's slot and gives it to
            // every CPU, as each comes online.
            // SAFETY: `is_global` is the channel's flag, which relay passes
            // for this out-parameter and reads after the call (third
            // requirement).
            unsafe { *is_global = 1 };
        }
        // SAFETY: By the second requirement. The file opens only once
        // `subbuf_start` gave it `buf` (relay sets the buffer up after this
        // returns); relay's file operations then hold the buffer.
        let dentry = unsafe { ffi::kfiles_relay_create_buf_file(filename, mode, parent) };
        if ffi::is_err_or_null(dentry) {
            core::ptr::null_mut()
        } else {
            dentry
        }
    }

    /// Removes a file made by `create_buf_file`.
    ///
    /// # Safety
    ///
    /// `dentry` must be a file `create_buf_file` returned, not yet removed.
    unsafe extern "C" fn remove_buf_file(dentry: *mut bindings::dentry) -> c_int {
        // SAFETY: By the function's safety requirement.
        unsafe { ffi::kfiles_debugfs_remove(dentry) };
        0
    }
}
