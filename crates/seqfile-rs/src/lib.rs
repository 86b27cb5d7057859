// SPDX-License-Identifier: GPL-2.0

//! seq_file support: producing the text of a file one record at a time.
//!
//! C header: [`include/linux/seq_file.h`](srctree/include/linux/seq_file.h)
//!
//! A [`SeqFile`] is the output buffer the kernel hands to a file's `show`
//! callback. It is written with [`seq_print!`] (`core::fmt` syntax) or the
//! byte-level methods, and the kernel's `seq_read()` takes care of file
//! positions, partial reads and buffer growth: a `show` function never deals
//! with offsets.
//!
//! Two forms, as in C:
//! - [`Show`], the single-show form (`single_open()`): one function prints
//!   the whole file;
//! - [`SeqIterator`], the iterator form (`seq_operations`): records printed
//!   one at a time, with a cursor that keeps them alive from `start` to
//!   `stop`. Output of any size is read correctly at any offset and block size.
//!
//! The file-system crates (debugfs-rs, procfs-rs) build their files on
//! [`single_open`] and [`seq_iter_open`].
//!
//! # Examples
//!
//! ```
//! use seqfile_rs::{seq_print, SeqFile, Show};
//!
//! struct Counters { hits: core::sync::atomic::AtomicU64 }
//!
//! impl Show for Counters {
//!     fn show(&self, m: &SeqFile) -> Result {
//!         seq_print!(m, "hits: {}\n", self.hits.load(core::sync::atomic::Ordering::Relaxed));
//!         Ok(())
//!     }
//! }
//! # let dir = doctest::debugfs_dir();
//! # let counters = Counters { hits: core::sync::atomic::AtomicU64::new(3) };
//! # let file = KBox::pin_init(dir.read_only_file(c"counters", 0o444, counters), GFP_KERNEL)?;
//! # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/counters")?, b"hits: 3\n");
//! ```

use core::{ffi::c_void, fmt, marker::PhantomData};
use kernel::{bindings, error::Result, types::Opaque};
use kfiles_ffi as ffi;

mod iter;
mod list;
mod regs;
mod scalar;

pub use iter::{seq_iter_open, SeqIterator};
/// Column formatting without `core::fmt`, for records written with one
/// [`SeqFile::write_bytes`] (see [`SeqFile::print`] for the cost of the
/// alternative).
pub use kfiles_core::text::{Align, Line};
pub use list::{ListCursor, ListFile, ListShow};
pub use regs::{Reg32, RegSet32, Regs32};

/// The output buffer of a seq_file, as seen by a `show` callback.
///
/// # Invariants
///
/// `inner` is a live `struct seq_file` that only the current thread uses for
/// as long as a reference to the `SeqFile` exists.
#[repr(transparent)]
pub struct SeqFile {
    inner: Opaque<bindings::seq_file>,
    // Not `Send`/`Sync`: the seq_file belongs to the reading thread.
    _not_thread_safe: PhantomData<*mut ()>,
}

impl SeqFile {
    /// Borrows the `struct seq_file` at `ptr`.
    ///
    /// # Safety
    ///
    /// For the whole of `'a`, `ptr` must point at a live `struct seq_file`
    /// that no other thread accesses (as inside `seq_operations` callbacks,
    /// which run under the seq_file's mutex).
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::seq_file) -> &'a SeqFile {
        // SAFETY: `SeqFile` is a transparent wrapper of `seq_file`, and the
        // caller guarantees the pointer is valid and exclusive for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The raw `struct seq_file`.
    #[inline]
    pub fn as_raw(&self) -> *mut bindings::seq_file {
        self.inner.get()
    }

    /// Appends formatted text; used by [`seq_print!`].
    ///
    /// `core::fmt` pads and formats integers more slowly than C's
    /// `seq_printf()`: a file of many short numeric records prints 1.2-2.5x
    /// slower this way (docs/benchmarks.md). Such records are better built
    /// in a [`Line`] and written at once:
    ///
    /// ```
    /// # use seqfile_rs::{Align, Line};
    /// # let (index, value) = (7u64, 0xbeefu64);
    /// # let dir = doctest::debugfs_dir();
    /// # let file = dir.read_callback_file(c"line", 0o444, (), move |(), m| {
    /// let mut line = Line::<32>::new();
    /// line.unsigned(index, 6, Align::Right).byte(b' ').hex(value, 16).byte(b'\n');
    /// m.write_bytes(line.as_bytes());
    /// # Ok(())
    /// # });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// # let want = b"     7 000000000000beef\n";
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/line")?, want);
    /// ```
    #[inline]
    pub fn print(&self, args: fmt::Arguments<'_>) {
        // Plain strings skip the formatting machinery.
        if let Some(s) = args.as_str() {
            self.write_bytes(s.as_bytes());
            return;
        }
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant); `%pA` takes a pointer to a `fmt::Arguments` that
        // lives for the duration of the call.
        unsafe {
            ffi::seq_printf(
                self.as_raw(),
                kfiles_compat::char_ptr(c"%pA"),
                core::ptr::from_ref(&args).cast::<c_void>(),
            )
        };
    }

    /// Appends raw bytes, as `seq_write()`.
    #[inline]
    pub fn write_bytes(&self, bytes: &[u8]) {
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant); `bytes` is valid for reads of its length.
        unsafe { ffi::seq_write(self.as_raw(), bytes.as_ptr().cast(), bytes.len()) };
    }

    /// Appends a string, as `seq_puts()`.
    #[inline]
    pub fn write_str(&self, s: &str) {
        self.write_bytes(s.as_bytes());
    }

    /// Appends `bytes` with the bytes listed in `esc` written as `\ooo`
    /// octal escapes, as `seq_escape_mem(m, src, len, ESCAPE_OCTAL, esc)`
    /// (`/proc/mounts` escapes paths this way). Only the listed bytes are
    /// escaped: other bytes, non-printable ones included, pass through
    /// unchanged. An empty `esc` escapes every byte.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// # let file = dir.read_callback_file(c"escaped", 0o444, (), |(), m| {
    /// m.escape(b"my file\n", c" \t\n\\"); // my\040file\012
    /// m.escape(b"a\x01", c" ");             // a and the 0x01 byte, unchanged
    /// m.escape(b"ab", c"");                 // \141\142
    /// # Ok(())
    /// # });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// # let want = b"my\\040file\\012a\x01\\141\\142";
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/escaped")?, want);
    /// ```
    #[inline]
    pub fn escape(&self, bytes: &[u8], esc: &core::ffi::CStr) {
        self.escape_inner(bytes, esc)
    }

    /// Appends `bytes` as a hex dump, as `seq_hex_dump()` (and
    /// `print_hex_dump()`) print it: one line per `row_size` bytes (16 or
    /// 32; anything else is 16), each starting with `prefix` and, with
    /// `offsets`, the offset of its first byte (`"%.8x: "`), the bytes in
    /// groups of `group_size` (1, 2, 4 or 8, in the machine's byte order;
    /// anything else is 1), then, with `ascii`, the printable ones. Kernel
    /// addresses are never shown (there is no `DUMP_PREFIX_ADDRESS`). At most
    /// `i32::MAX - 32` bytes are dumped (C's arithmetic is `int`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// # let file = dir.read_callback_file(c"dump", 0o444, (), |(), m| {
    /// m.hex_dump(c"regs ", true, 16, 1, b"hello", false); // regs 00000000: 68 65 6c 6c 6f
    /// m.hex_dump(c"", false, 16, 4, &[1, 0, 0, 0, 2, 0, 0, 0], true); // 00000001 00000002 ... ........
    /// # Ok(())
    /// # });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// # let want = b"regs 00000000: 68 65 6c 6c 6f\n00000001 00000002                    ........\n";
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/dump")?, &want[..]);
    /// ```
    pub fn hex_dump(
        &self,
        prefix: &core::ffi::CStr,
        offsets: bool,
        row_size: u32,
        group_size: u32,
        bytes: &[u8],
        ascii: bool,
    ) {
        // Out-of-range sizes become C's defaults there too; these only keep
        // the values in `int`.
        let row = if row_size == 32 { 32 } else { 16 };
        let group = if matches!(group_size, 1 | 2 | 4 | 8) {
            group_size as i32
        } else {
            1
        };
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant); `bytes` is valid for reads of its length (the
        // helper dumps at most `INT_MAX - 32` of them, so C's `int`
        // offsets cannot overflow) and `prefix` is a C string.
        unsafe {
            ffi::kfiles_seq_hex_dump(
                self.as_raw(),
                kfiles_compat::char_ptr(prefix),
                offsets,
                row,
                group,
                bytes.as_ptr().cast(),
                bytes.len(),
                ascii,
            )
        };
    }

    #[inline]
    fn escape_inner(&self, bytes: &[u8], esc: &core::ffi::CStr) {
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant); `bytes` is valid for reads of its length and
        // `esc` is a C string.
        unsafe {
            ffi::kfiles_seq_escape(
                self.as_raw(),
                bytes.as_ptr().cast(),
                bytes.len(),
                kfiles_compat::char_ptr(esc),
            )
        };
    }

    /// Appends one byte, as `seq_putc()`.
    #[inline]
    pub fn put_byte(&self, byte: u8) {
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant).
        unsafe { ffi::seq_putc(self.as_raw(), byte as kernel::ffi::c_char) };
    }

    /// Runs `body`, then pads what it wrote with spaces to `width` bytes
    /// and appends `end`, if any and not 0 (C's `seq_setwidth()` before and
    /// `seq_pad()` after): fixed-width columns, as `/proc/net/tcp` has.
    /// Output longer than `width` is kept whole. Calls nest: each pads what
    /// was written since it began. Widths are capped at
    /// [`MAX_PAD_WIDTH`](Self::MAX_PAD_WIDTH).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// # let file = dir.read_callback_file(c"table", 0o444, (), |(), m| {
    /// for (name, irqs) in [("eth0", 12), ("nvme0q1", 3456)] {
    ///     m.padded(10, Some(b' '), |m| m.write_str(name));
    ///     m.padded(6, Some(b'\n'), |m| seqfile_rs::seq_print!(m, "{}", irqs));
    /// }
    /// m.padded(8, Some(b'|'), |m| m.padded(3, Some(b':'), |m| m.write_str("a")));
    /// # Ok(())
    /// # });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// # let want = b"eth0       12    \nnvme0q1    3456  \na  :    |";
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/table")?, &want[..]);
    /// ```
    pub fn padded(&self, width: usize, end: Option<u8>, body: impl FnOnce(&SeqFile)) {
        let m = self.as_raw();
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant).
        let start = unsafe { (*m).count };
        body(self);
        // SAFETY: As above. `pad_until` is set after `body` (which may set
        // its own) and only read by `seq_pad()`, which bounds the padding by
        // the buffer (marking an overflow beyond it); the capped width keeps
        // C's `int` difference exact. `end` is one byte, 0 for none.
        unsafe {
            (*m).pad_until = start + width.min(Self::MAX_PAD_WIDTH);
            ffi::seq_pad(m, end.unwrap_or(0) as kernel::ffi::c_char)
        };
    }

    /// The widest column [`padded`](Self::padded) pads to: a page, so that
    /// no width makes every read grow the buffer to its limit (C's `int`
    /// arithmetic in `seq_pad()` would also wrap beyond `INT_MAX`).
    pub const MAX_PAD_WIDTH: usize = 4096;

    /// `uid`, a user id of the initial user namespace, as the reader sees
    /// it: mapped into the user namespace of the task that opened the file
    /// (C's `from_kuid_munged(seq_user_ns(m), uid)`), or the overflow id
    /// (`/proc/sys/kernel/overflowuid`, 65534 by default) where that
    /// namespace has no mapping for it. Print ids this way, as
    /// `/proc/net/tcp` does, so that a container sees its own ids.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// # let file = dir.read_callback_file(c"owner", 0o444, (), |(), m| {
    /// seqfile_rs::seq_print!(m, "{} {}\n", m.reader_uid(1000), m.reader_gid(100));
    /// # Ok(())
    /// # });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// // Read from the initial user namespace: "1000 100".
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/owner")?, b"1000 100\n");
    /// ```
    #[inline]
    pub fn reader_uid(&self, uid: u32) -> u32 {
        // SAFETY: `self.inner` is a live seq_file (type invariant), opened
        // on a file whose credentials it reads.
        unsafe { ffi::kfiles_seq_reader_uid(self.as_raw(), uid) }
    }

    /// Prints the path of `file` as `/proc/PID/fd/N` links show it, from the
    /// reader's root, with the bytes of `esc` (and none other) as octal
    /// escapes (C's `seq_file_path()`): `c" \t\n\\"` keeps one path per
    /// field of a line whatever its name. The path of a deleted file ends in
    /// `" (deleted)"`, escaped as the rest; a path longer than the buffer holds makes the record
    /// retried with a larger one, as any overflow.
    ///
    /// Only the bytes of `esc` are escaped (C's contract): give at least
    /// `\n` and `\\`, or whoever names a file can end a line of the output
    /// or fake an escape in it.
    ///
    /// The file comes from [`kfiles_compat::fget`] (both kernels) or, on 7.x,
    /// any `kernel::fs::File` the driver holds.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// # let file = dir.read_callback_file(c"stdin", 0o444, (), |(), m| {
    /// // What the reader has open as its standard input.
    /// if let Ok(stdin) = kfiles_compat::fget(0) {
    ///     m.file_path(&stdin, c" \t\n\\");
    /// }
    /// # Ok(())
    /// # });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// # let shown = doctest::read(c"/sys/kernel/debug/kfiles-doctest/stdin")?;
    /// # assert!(shown.is_empty() || shown.starts_with(b"/"));
    /// ```
    #[inline]
    pub fn file_path(&self, file: &kfiles_compat::LocalFile, esc: &core::ffi::CStr) {
        // SAFETY: `self.inner` is a live seq_file used by this thread only
        // (type invariant); `file` is a live `struct file` while borrowed,
        // whose path it holds; `esc` is a C string. (The error is the
        // overflow `has_overflowed()` reports.)
        unsafe { ffi::seq_file_path(self.as_raw(), file.as_ptr(), kfiles_compat::char_ptr(esc)) };
    }

    /// `gid`, a group id of the initial user namespace, as the reader sees
    /// it; see [`reader_uid`](Self::reader_uid).
    #[inline]
    pub fn reader_gid(&self, gid: u32) -> u32 {
        // SAFETY: `self.inner` is a live seq_file (type invariant), opened
        // on a file whose credentials it reads.
        unsafe { ffi::kfiles_seq_reader_gid(self.as_raw(), gid) }
    }

    /// Whether output has been lost because the buffer was full.
    ///
    /// `seq_read()` then retries the record with a buffer twice as large, so
    /// a `show` function may stop producing output early when this is true.
    #[inline]
    pub fn has_overflowed(&self) -> bool {
        // SAFETY: `self.inner` is a live seq_file (type invariant); `count`
        // and `size` are only written by this thread.
        unsafe {
            let m = &*self.as_raw();
            m.count == m.size
        }
    }
}

/// Appends formatted text to a [`SeqFile`], with `core::fmt` syntax.
///
/// # Examples
///
/// ```
/// # use seqfile_rs::seq_print;
/// # let dir = doctest::debugfs_dir();
/// # let file = dir.read_callback_file(c"header", 0o444, (), |(), m| {
/// seq_print!(m, "{:<24}{:<5}\n", "name", "pid");
/// # Ok(())
/// # });
/// # let file = KBox::pin_init(file, GFP_KERNEL)?;
/// # let want = b"name                    pid  \n";
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/header")?, want);
/// ```
#[macro_export]
macro_rules! seq_print {
    ($m:expr, $($arg:tt)+) => {
        $crate::SeqFile::print($m, ::core::format_args!($($arg)+))
    };
}

/// Something that prints a whole file in one call: the single-show form of
/// seq_file (`single_open()`).
///
/// `show` may run several times per `read()` (each time the buffer proves too
/// small, with a larger one), and concurrently for different open files, so it
/// must print a consistent snapshot and have no side effects.
pub trait Show {
    /// The size of the buffer the first `show` of a read prints into
    /// (`single_open_size()`). With 0, the default, it is a page, and each
    /// time the output does not fit, seq_file doubles it and runs `show`
    /// again; a size at least that of the output saves those runs. It is
    /// allocated at every open (`kvmalloc()`); beyond `MAX_RW_COUNT` (2 GiB
    /// less a page) the open fails with `ENOMEM`.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
    /// use seqfile_rs::{SeqFile, Show};
    ///
    /// /// 1000 lines of 40 bytes, printed in one run of `show`.
    /// struct Table {
    ///     runs: AtomicU32,
    /// }
    ///
    /// impl Show for Table {
    ///     const BUFFER_SIZE: usize = 64 * 1024;
    ///
    ///     fn show(&self, m: &SeqFile) -> Result {
    ///         self.runs.fetch_add(1, Relaxed);
    ///         for row in 0..1000 {
    ///             seqfile_rs::seq_print!(m, "{:>39}\n", row);
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// # let dir = doctest::debugfs_dir();
    /// # let table = KBox::pin_init(dir.read_only_file(c"table", 0o444, Table { runs: AtomicU32::new(0) }), GFP_KERNEL)?;
    /// # assert_eq!(doctest::read(c"/sys/kernel/debug/kfiles-doctest/table")?.len(), 40_000);
    /// # assert_eq!(table.runs.load(Relaxed), 1);
    /// ```
    const BUFFER_SIZE: usize = 0;

    /// Prints the file's content into `m`.
    fn show(&self, m: &SeqFile) -> Result;
}

/// The `show` callback given to `single_open()` for data of type `T`.
///
/// # Safety
///
/// `m` must be a seq_file opened by [`single_open`] for a `T` that is still
/// alive, as the file system guarantees for the duration of a read.
unsafe extern "C" fn show_trampoline<T: Show + Sync>(
    m: *mut bindings::seq_file,
    _v: *mut c_void,
) -> kernel::ffi::c_int {
    // SAFETY: `m` is the seq_file `single_open()` created for this `T`
    // (function requirements); `seq_read_iter()` and `traverse()` (from
    // `seq_lseek()`) call `show` holding `m->lock`, and `seq` does not
    // outlive the call.
    let seq = unsafe { SeqFile::from_raw(m) };
    // SAFETY: `single_open()` stored a pointer to a live `T` in `private`, and
    // the caller guarantees it is still alive. `T: Sync`, so a shared
    // reference may be used from this thread while others use it too.
    let data = unsafe { &*(*m).private.cast::<T>() };
    match data.show(seq) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Opens `file` as a single-show seq_file printing `data`, as C's
/// `single_open(file, show, data)`, or `single_open_size()` with
/// [`Show::BUFFER_SIZE`] when that is not 0. Pair it with `seq_read`,
/// `seq_lseek` and `single_release` in the same `file_operations`.
///
/// # Safety
///
/// `file` must be a file being opened, and `data` must point at a `T` that
/// stays alive until the file is released, or until the file system stops
/// calling `read` (debugfs and procfs do so when the entry is removed).
pub unsafe fn single_open<T: Show + Sync>(
    file: *mut bindings::file,
    data: *const T,
) -> kernel::ffi::c_int {
    let show: unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> kernel::ffi::c_int =
        show_trampoline::<T>;
    let show = Some(show);
    let data = data.cast_mut().cast();
    // SAFETY: The caller guarantees `file` is being opened and `data` stays
    // valid for as long as `show_trampoline::<T>` can be called.
    // `single_open_size()` allocates the buffer itself, refusing sizes
    // beyond `MAX_RW_COUNT`.
    unsafe {
        match T::BUFFER_SIZE {
            0 => ffi::single_open(file, show, data),
            size => ffi::single_open_size(file, show, data, size),
        }
    }
}
