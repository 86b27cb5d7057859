// SPDX-License-Identifier: GPL-2.0

//! relay channels: high-volume kernel-to-user data through per-CPU buffers.
//!
//! C header: [`include/linux/relay.h`](srctree/include/linux/relay.h);
//! documentation: `Documentation/filesystems/relay.rst`.
//!
//! A [`Channel`] owns one buffer per CPU, each split into sub-buffers, and one
//! debugfs file per CPU (`<base>0`, `<base>1`, ...) through which user space
//! reads (`read()`, `poll()`, `mmap()`) what the kernel wrote. Writers never
//! block and never allocate: a record goes into the writing CPU's current
//! sub-buffer, or, when it does not fit, into the next one.
//!
//! What this crate adds to the C API:
//!
//! - **Sub-buffer headers** ([`SubbufHeader`], on by default): each sub-buffer
//!   starts with a header holding its padding once it is finished, its
//!   sequence number and the channel geometry, so a reader can strip the
//!   padding and see what was overwritten (crates/relay-reader does).
//! - **Drop accounting**: every record refused because the buffer was full
//!   (no-overwrite mode) or too big is counted ([`Channel::dropped`]) and
//!   reported ([`Callbacks::buffer_full`]); 6.12's relay counts nothing.
//! - **Safe fast writes**: [`Writers::TaskOnly`] channels use `__relay_write()`
//!   (preemption off instead of interrupts off), and refuse writes from
//!   interrupt context, which is what makes that variant safe.
//! - **Reservations that cannot go wrong**: [`Channel::reserve`] hands out a
//!   [`Reservation`] that must be committed exactly once; one dropped
//!   uncommitted is given back, and bytes never written are zeroed, so stale
//!   kernel memory never reaches user space.
//!
//! # Lifetimes
//!
//! Dropping the [`Channel`] flushes it and calls `relay_close()`, which
//! removes the files. Buffers live on until the last reader closes its file
//! or unmaps it; relay's file operations are built into the kernel, so an open
//! relay file does not keep the module loaded, and nothing of the module is
//! called after `relay_close()` returns.
//!
//! # Examples
//!
//! ```ignore
//! use relay_rs::{Channel, Mode};
//!
//! let dir = debugfs_rs::Dir::new(c"my-trace");
//! let channel = Channel::builder(c"cpu", &dir)
//!     .subbufs(64 * 1024, 4)
//!     .mode(Mode::NoOverwrite)
//!     .open(())?;
//! channel.write(b"event 1\n")?;
//! pr_info!("{} records dropped\n", channel.dropped());
//! ```

use core::{
    ffi::{c_int, c_void, CStr},
    fmt,
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicU64, Ordering},
};
use debugfs_rs::Dir;
use kernel::{alloc::flags::GFP_KERNEL, bindings, error::code::*, prelude::*};
use kfiles_ffi as ffi;

pub use kfiles_core::relay::{Geometry, GeometryError, SubbufHeader, HEADER_LEN, MAGIC, OPEN};

/// What a channel does when a CPU's buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// New records are dropped (and counted) until the reader consumes a
    /// sub-buffer: nothing stored is lost. The default.
    NoOverwrite,
    /// The oldest sub-buffer is overwritten: the newest data is kept.
    Overwrite,
}

/// Where a channel's writers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writers {
    /// Any context, interrupts included: writes run with local interrupts
    /// disabled (`relay_write()`). The default.
    Any,
    /// Task context only: writes only disable preemption (`__relay_write()`),
    /// which is cheaper. A write attempted from interrupt context is refused
    /// with `EPERM` (and counted as dropped): it could otherwise interrupt
    /// another write to the same sub-buffer.
    TaskOnly,
}

/// Hooks a channel calls. Every method has a default; `()` uses them all.
///
/// The hooks run in the writer's context, with interrupts or preemption
/// disabled: they must not sleep.
///
/// The C callbacks `buf_mapped()`/`buf_unmapped()` no longer exist in the
/// kernels this crate supports (they were removed upstream), so they are not
/// offered.
///
/// # Examples
///
/// ```ignore
/// struct CountFull(AtomicU64);
///
/// impl relay_rs::Callbacks for CountFull {
///     fn buffer_full(&self, _cpu: u32) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait Callbacks: Send + Sync + 'static {
    /// Whether sub-buffers start with a [`SubbufHeader`] (the padding header
    /// scheme). Without it, records fill sub-buffers from their first byte,
    /// and a reader cannot tell where padding was.
    const HEADER: bool = true;

    /// Called for every record refused because this CPU's buffer is full in
    /// [`Mode::NoOverwrite`] (already counted in [`Channel::dropped`]).
    fn buffer_full(&self, _cpu: u32) {}

    /// Called when the writer on `cpu` moves to sub-buffer number `sequence`
    /// (after the full check). Returning `false` refuses it: the record that
    /// needed it, and later ones until a sub-buffer is consumed, are dropped.
    fn subbuf_start(&self, _cpu: u32, _sequence: u32) -> bool {
        true
    }
}

impl Callbacks for () {}

/// A relay channel whose hooks are `C`.
///
/// Created with [`Channel::builder`]. Writing needs only `&self`, from any
/// CPU at once; share the channel with an `Arc` or keep it in a module's
/// state.
///
/// # Invariants
///
/// `chan` was returned by `relay_open()` with `shared` (which never moves:
/// it is boxed) as private data and `Trampolines<C>`'s callbacks, and is not
/// closed before `drop`. `max_record` is the largest record its sub-buffers
/// take, and `task_only` is the [`Writers`] it was opened with.
pub struct Channel<C: Callbacks = ()> {
    chan: NonNull<ffi::rchan>,
    max_record: usize,
    task_only: bool,
    shared: KBox<Shared<C>>,
    _dir: Dir,
}

/// What the callbacks reach through `chan->private_data`.
struct Shared<C> {
    callbacks: C,
    geometry: Geometry,
    overwrite: bool,
    file_mode: u16,
    dropped: AtomicU64,
}

// SAFETY: relay's write, flush and consume functions may be called from any
// thread (each write works on the calling CPU's buffer with interrupts or
// preemption off); the rest of the state is atomics and `C`, which is
// `Send + Sync`.
unsafe impl<C: Callbacks> Send for Channel<C> {}
// SAFETY: See `Send`; every method taking `&self` is safe to call
// concurrently, and `reset`, which is not, takes `&mut self`.
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

    /// Permissions of the per-CPU files; `0o400` (root reads) by default.
    /// Write bits are removed: relay files cannot be written.
    pub fn file_mode(mut self, mode: u16) -> Self {
        self.file_mode = mode & 0o444;
        self
    }

    /// Opens the channel and creates its files, with hooks `callbacks`.
    ///
    /// Fails with `EINVAL` for a geometry [`Geometry::new`] refuses, `ENOENT`
    /// if the directory does not exist in debugfs, and `ENOMEM` if relay
    /// cannot allocate the buffers or create the files (for example because
    /// files of that name exist).
    pub fn open<C: Callbacks>(self, callbacks: C) -> Result<Channel<C>> {
        let geometry = Geometry::new(self.subbuf_size, self.n_subbufs).map_err(|_| EINVAL)?;
        let parent = self.dir.dentry().ok_or(ENOENT)?;
        let shared = KBox::new(
            Shared {
                callbacks,
                geometry,
                overwrite: self.mode == Mode::Overwrite,
                file_mode: self.file_mode,
                dropped: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?;
        let private: *const Shared<C> = &*shared;
        // SAFETY: `base` is a C string and `parent` a live debugfs directory
        // (kept alive by the `Dir` clone stored below). The callbacks are a
        // constant and `private` outlives the channel: both are only used
        // until `relay_close()` in `drop`.
        let chan = unsafe {
            ffi::relay_open(
                kfiles_compat::char_ptr(self.base),
                parent,
                geometry.subbuf_size(),
                geometry.n_subbufs(),
                &Trampolines::<C>::CALLBACKS,
                private.cast_mut().cast(),
            )
        };
        let chan = NonNull::new(chan).ok_or(ENOMEM)?;
        // INVARIANT: Just opened as described, with `shared` and `C`.
        Ok(Channel {
            chan,
            max_record: geometry.max_record(C::HEADER),
            task_only: self.writers == Writers::TaskOnly,
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
        }
    }
}

impl<C: Callbacks> Channel<C> {
    /// Writes `record` into the current CPU's buffer, whole, as
    /// `relay_write()` (or `__relay_write()` for [`Writers::TaskOnly`]).
    ///
    /// Fails, counting the record in [`dropped`](Self::dropped), with
    /// `ENOSPC` when the buffer is full in [`Mode::NoOverwrite`], `EFBIG` when
    /// the record is larger than a sub-buffer takes
    /// ([`max_record`](Self::max_record)), and `EPERM` for a
    /// [`Writers::TaskOnly`] channel outside task context.
    #[inline]
    pub fn write(&self, record: &[u8]) -> Result {
        if record.len() > self.max_record {
            return Err(self.drop_record(EFBIG));
        }
        let chan = self.chan.as_ptr();
        let written = if self.task_only {
            // SAFETY: By the type invariants `chan` is open; the helper reads
            // `record.len()` bytes from a valid slice.
            let n =
                unsafe { ffi::kfiles_relay_write_task(chan, record.as_ptr().cast(), record.len()) };
            if n < 0 {
                return Err(self.drop_record(EPERM));
            }
            n as usize
        } else {
            // SAFETY: As above.
            unsafe { ffi::kfiles_relay_write(chan, record.as_ptr().cast(), record.len()) }
        };
        if written != record.len() {
            return Err(self.drop_record(ENOSPC));
        }
        Ok(())
    }

    #[cold]
    fn drop_record(&self, err: Error) -> Error {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        err
    }

    /// Reserves `len` bytes in the current CPU's buffer and lets `fill`
    /// write them in place (no intermediate copy), as `relay_reserve()`.
    ///
    /// `fill` runs with local interrupts disabled and must not sleep. It can
    /// only return by committing the [`Reservation`] (the only way to get a
    /// [`Committed`]); bytes it did not write are zeroed. Fails, counting a
    /// drop, as [`write`](Self::write) does (`EFBIG`, `ENOSPC`), without
    /// calling `fill`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// use core::fmt::Write;
    /// channel.reserve(32, |mut slot| {
    ///     let _ = write!(slot, "irq {} at {}\n", irq, stamp);
    ///     slot.commit()
    /// })?;
    /// ```
    pub fn reserve(&self, len: usize, fill: impl FnOnce(Reservation<'_>) -> Committed) -> Result {
        if len > self.max_record {
            return Err(self.drop_record(EFBIG));
        }
        let mut flags = 0;
        // SAFETY: By the type invariants `chan` is open.
        let slot = unsafe { ffi::kfiles_relay_reserve(self.chan.as_ptr(), len, &mut flags) };
        let Some(slot) = NonNull::new(slot.cast::<u8>()) else {
            return Err(self.drop_record(ENOSPC));
        };
        let _: Committed = fill(Reservation {
            chan: self.chan,
            slot,
            len,
            filled: 0,
            committed: false,
            _irqs_off: PhantomData,
        });
        // SAFETY: Interrupts were disabled by the successful reservation
        // above, with these flags, and `fill` has returned.
        unsafe { ffi::kfiles_relay_end(flags) };
        Ok(())
    }

    /// Finishes every CPU's current sub-buffer, so readers see it (and its
    /// header is complete), as `relay_flush()`. Sleeps: call it in process
    /// context. Each flush uses up a sub-buffer.
    pub fn flush(&self) {
        // SAFETY: By the type invariants `chan` is open.
        unsafe { ffi::relay_flush(self.chan.as_ptr()) };
    }

    /// Empties every buffer, as `relay_reset()`. `&mut self` guarantees that
    /// no writer runs meanwhile, as relay requires.
    pub fn reset(&mut self) {
        // SAFETY: By the type invariants `chan` is open; the exclusive borrow
        // excludes concurrent writes through this channel.
        unsafe { ffi::relay_reset(self.chan.as_ptr()) };
    }

    /// Tells relay that a kernel-side reader consumed `count` sub-buffers of
    /// CPU `cpu`'s buffer, as `relay_subbufs_consumed()`. Readers using
    /// `read()` need not call this. Fails with `EINVAL` for a CPU that is not
    /// possible.
    pub fn subbufs_consumed(&self, cpu: u32, count: usize) -> Result {
        // SAFETY: By the type invariants `chan` is open; the helper checks
        // `cpu`.
        let ret = unsafe { ffi::kfiles_relay_subbufs_consumed(self.chan.as_ptr(), cpu, count) };
        if ret < 0 {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Records refused so far: buffer full ([`Mode::NoOverwrite`]), too big,
    /// or (for [`Writers::TaskOnly`]) written from interrupt context.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// The channel's geometry.
    pub fn geometry(&self) -> Geometry {
        self.shared.geometry
    }

    /// The largest record [`write`](Self::write) takes: a sub-buffer minus
    /// its header.
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
        // SAFETY: By the type invariants `chan` is open, and this is its last
        // use. `relay_close()` removes the files through `remove_buf_file`;
        // afterwards relay calls none of the callbacks and no longer reads
        // `private_data` (buffers still open by readers only use relay's own
        // code), so `shared` may be dropped after it.
        unsafe {
            ffi::relay_flush(self.chan.as_ptr());
            ffi::relay_close(self.chan.as_ptr());
        }
    }
}

/// Proof that a [`Reservation`] was committed; only
/// [`Reservation::commit`] makes one.
pub struct Committed(());

/// Bytes reserved in a relay buffer by [`Channel::reserve`], filled in place.
///
/// Local interrupts are off while it exists. Fill it with
/// [`put`](Self::put) or `core::fmt::Write`, then [`commit`](Self::commit).
///
/// # Invariants
///
/// `slot` points at `len` bytes of the current CPU's sub-buffer of `chan`,
/// reserved by `relay_reserve()` with interrupts disabled since; the first
/// `filled` of them were written.
pub struct Reservation<'a> {
    chan: NonNull<ffi::rchan>,
    slot: NonNull<u8>,
    len: usize,
    filled: usize,
    committed: bool,
    // Not `Send`, and tied to the `reserve` call.
    _irqs_off: PhantomData<(&'a (), *mut ())>,
}

impl Reservation<'_> {
    /// Size of the reservation.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the reservation is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes not yet written.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.len - self.filled
    }

    /// Appends `bytes`; `EFBIG` (and nothing written) if they do not fit.
    #[inline]
    pub fn put(&mut self, bytes: &[u8]) -> Result {
        if bytes.len() > self.remaining() {
            return Err(EFBIG);
        }
        // SAFETY: By the type invariants the `remaining()` bytes after
        // `filled` are ours, and `bytes` fits in them; relay buffer memory
        // never overlaps a Rust slice.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.slot.as_ptr().add(self.filled),
                bytes.len(),
            )
        };
        self.filled += bytes.len();
        Ok(())
    }

    /// Commits the record: zeroes the bytes not written, and leaves the
    /// record in the buffer for readers.
    #[inline]
    pub fn commit(mut self) -> Committed {
        self.zero_rest();
        self.committed = true;
        Committed(())
    }

    #[inline]
    fn zero_rest(&mut self) {
        // Records are usually filled exactly: skip the out-of-line memset.
        if self.filled == self.len {
            return;
        }
        // SAFETY: By the type invariants the bytes after `filled` are ours.
        unsafe { core::ptr::write_bytes(self.slot.as_ptr().add(self.filled), 0, self.remaining()) };
        self.filled = self.len;
    }
}

impl fmt::Write for Reservation<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

impl Drop for Reservation<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // SAFETY: By the type invariants interrupts are still off and the
        // slot is this CPU's; the helper only gives it back if nothing was
        // reserved after it.
        let given_back = unsafe {
            ffi::kfiles_relay_unreserve(self.chan.as_ptr(), self.slot.as_ptr().cast(), self.len)
        };
        if !given_back {
            // A nested write follows it: keep the space, but never let
            // readers see what the memory held before.
            self.zero_rest();
        }
    }
}

/// The `rchan_callbacks` of channels with hooks `C`.
struct Trampolines<C>(PhantomData<C>);

impl<C: Callbacks> Trampolines<C> {
    const CALLBACKS: ffi::rchan_callbacks = ffi::rchan_callbacks {
        subbuf_start: Some(Self::subbuf_start),
        create_buf_file: Some(Self::create_buf_file),
        remove_buf_file: Some(Self::remove_buf_file),
    };

    /// The channel's `Shared` state.
    ///
    /// # Safety
    ///
    /// `buf` must be a live buffer of a channel opened by [`Builder::open`]
    /// with hooks `C`.
    unsafe fn shared<'a>(buf: *mut ffi::rchan_buf) -> &'a Shared<C> {
        // SAFETY: By the function's safety requirements `buf->chan` is such a
        // channel, whose private data is a `Shared<C>` alive until
        // `relay_close()`, after which relay calls no callback.
        unsafe { &*(*(*buf).chan).private_data.cast::<Shared<C>>() }
    }

    /// relay moves the writer of `buf` to sub-buffer `subbuf`, having finished
    /// `prev_subbuf` (NULL for the first). Returns 0 to refuse it.
    ///
    /// # Safety
    ///
    /// Called by relay only, with the buffer's writer excluded (interrupts or
    /// preemption off) and `buf` a buffer of a channel opened with `C`.
    unsafe extern "C" fn subbuf_start(
        buf: *mut ffi::rchan_buf,
        subbuf: *mut c_void,
        prev_subbuf: *mut c_void,
        // Before 6.17-ish relay also passed the previous padding; the value
        // is read from `buf->padding` below on every version.
        #[cfg(kfiles_relay_prev_padding)] _prev_padding: usize,
    ) -> c_int {
        // SAFETY: `buf` is a buffer of a channel opened with `C`.
        let shared = unsafe { Self::shared(buf) };
        // SAFETY: relay holds the buffer for us; these fields are only
        // written by the writer, which is us.
        let (produced, cpu, padding) =
            unsafe { ((*buf).subbufs_produced, (*buf).cpu, (*buf).padding) };
        if C::HEADER && !prev_subbuf.is_null() {
            // relay recorded the finished sub-buffer's padding before calling
            // us; `prev_subbuf` is that sub-buffer, number `produced - 1`.
            let prev = shared.geometry.subbuf_index(produced.wrapping_sub(1));
            // SAFETY: `padding` has `n_subbufs` entries and `prev` is below that.
            let prev_padding = unsafe { *padding.add(prev) };
            let field = (prev_padding as u32).to_le_bytes();
            // SAFETY: `prev_subbuf` starts a sub-buffer of the channel, which
            // begins with a header; bytes 4..8 are its padding field.
            unsafe {
                core::ptr::copy_nonoverlapping(field.as_ptr(), prev_subbuf.cast::<u8>().add(4), 4)
            };
        }
        // A refusal drops the record being written, which the write path
        // counts.
        // SAFETY: `buf` is live.
        if !shared.overwrite && unsafe { ffi::relay_buf_full(buf) } != 0 {
            shared.callbacks.buffer_full(cpu);
            return 0;
        }
        if !shared.callbacks.subbuf_start(cpu, produced as u32) {
            return 0;
        }
        if C::HEADER {
            let header = SubbufHeader {
                padding: OPEN,
                sequence: produced as u32,
                geometry: shared.geometry,
            }
            .encode();
            // SAFETY: `subbuf` is a whole sub-buffer now owned by the writer,
            // larger than a header (`Geometry` guarantees it). Setting
            // `offset` is `subbuf_start_reserve()`.
            unsafe {
                core::ptr::copy_nonoverlapping(header.as_ptr(), subbuf.cast::<u8>(), HEADER_LEN);
                (*buf).offset = HEADER_LEN;
            }
        }
        1
    }

    /// Creates the debugfs file of one per-CPU buffer.
    ///
    /// # Safety
    ///
    /// Called by relay only, with `buf` a buffer of a channel opened with `C`
    /// and `parent` the directory it was opened in.
    unsafe extern "C" fn create_buf_file(
        filename: *const kernel::ffi::c_char,
        parent: *mut bindings::dentry,
        _mode: bindings::umode_t,
        buf: *mut ffi::rchan_buf,
        _is_global: *mut c_int,
    ) -> *mut bindings::dentry {
        // SAFETY: `buf` is a buffer of a channel opened with `C`.
        let shared = unsafe { Self::shared(buf) };
        // SAFETY: `filename` is a C string, `parent` a live directory and
        // `buf` the buffer relay is creating the file for.
        let dentry =
            unsafe { ffi::kfiles_relay_create_buf_file(filename, shared.file_mode, parent, buf) };
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
    /// Called by relay only, with a dentry `create_buf_file` returned.
    unsafe extern "C" fn remove_buf_file(dentry: *mut bindings::dentry) -> c_int {
        // SAFETY: `dentry` is a live debugfs file of ours.
        unsafe { ffi::kfiles_debugfs_remove(dentry) };
        0
    }
}
