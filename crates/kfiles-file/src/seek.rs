// SPDX-License-Identifier: GPL-2.0

//! How `lseek()` moves in handler and per-open files: C's `llseek` policies,
//! chosen by a constant of the file's operations, as C chooses one for its
//! table.

use crate::{
    callbacks::{served_of_file, LlseekFn, OpenFn},
    handlers::{with_state, FileOps, PerOpenOps},
    FileSystem,
};
use kernel::{bindings, ffi::c_int};
use kfiles_ffi as ffi;

/// How `lseek()` moves the position of a handler or per-open file
/// ([`FileOps::SEEK`], [`PerOpenOps::SEEK`]): C's `llseek` policies.
///
/// Reads and writes always start at the position and advance it by what
/// they return, except in a [`Stream`](Seek::Stream); the policy only
/// decides where `lseek()` may put it, and whether `pread()` and `pwrite()`
/// work.
///
/// # Examples
///
/// A 16-byte register image that `pread()` and `pwrite()` reach at any
/// offset, and `lseek(fd, 0, SEEK_END)` finds the end of:
///
/// ```
/// use kernel::{new_mutex, sync::Mutex};
/// use debugfs_rs::{FileOps, Handlers, ReadBuf, Seek, WriteBuf};
///
/// #[pin_data]
/// struct Registers {
///     #[pin]
///     image: Mutex<[u8; 16]>,
/// }
///
/// impl FileOps for Registers {
///     const SEEK: Seek = Seek::Within(16);
///
///     fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
///         out.serve(&*self.image.lock())
///     }
///
///     fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
///         input.store_into(&mut *self.image.lock())
///     }
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let regs = KBox::pin_init(
///     dir.pinned_file::<Handlers, _, _>(
///         c"regs",
///         0o600,
///         pin_init!(Registers { image <- new_mutex!([0; 16]) }),
///     ),
///     GFP_KERNEL,
/// )?;
/// # let path = c"/sys/kernel/debug/kfiles-doctest/regs";
/// # assert_eq!(doctest::write_at(path, 4, b"\x12\x34")?, 2);
/// # assert_eq!(doctest::write_at(path, 15, b"\xab\xcd")?, 1);
/// # assert_eq!(doctest::write_at(path, 16, b"x").err(), Some(ENOSPC));
/// # assert_eq!(&regs.image.lock()[3..6], b"\x00\x12\x34");
/// # assert_eq!(&*doctest::read_at(path, 14, 8)?, b"\x00\xab");
/// # assert_eq!(doctest::seek(path, -2, doctest::SEEK_END)?, 14);
/// # assert_eq!(doctest::seek(path, 17, doctest::SEEK_SET).err(), Some(EINVAL));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Seek {
    /// `SEEK_SET` and `SEEK_CUR` anywhere from 0 on; `SEEK_END` is relative
    /// to the inode's size, which is 0 for these files (C's
    /// `default_llseek()`, the default): for content served whole with
    /// [`ReadBuf::serve`](crate::ReadBuf::serve), which a reader rereads from
    /// 0.
    Anywhere,
    /// As [`Anywhere`](Seek::Anywhere), but `SEEK_END`, `SEEK_DATA` and
    /// `SEEK_HOLE` fail with `EINVAL` (C's `no_seek_end_llseek()`): for
    /// content whose end is not known.
    NoEnd,
    /// Within `0..=size`, `SEEK_END` relative to `size`; beyond it, `EINVAL`
    /// (C's `fixed_size_llseek()`): for binary content of a fixed size, a
    /// register block or an image.
    Within(u64),
    /// As [`Within`](Seek::Within), with the size the value reports at each
    /// `lseek()` that needs it ([`FileOps::size`], [`PerOpenOps::size`],
    /// which must be implemented: their default, 0, allows position 0
    /// only): for binary content whose size changes.
    WithinSize,
    /// `lseek()` succeeds and leaves the position where it is (C's
    /// `noop_llseek()`): for files whose positions mean nothing to the
    /// driver, used by tools that seek.
    Ignored,
    /// A stream (C's `stream_open()`): `lseek()`, `pread()` and `pwrite()`
    /// fail with `ESPIPE`, and the handlers see position 0 every time, for
    /// files whose state says where a reader is (a queue, a cursor). A
    /// stream's `read` must advance that state and return 0 at the end:
    /// [`ReadBuf::serve`](crate::ReadBuf::serve) would serve the same bytes
    /// again and again.
    Stream,
}

impl Seek {
    /// `size` as a file offset: sizes beyond `loff_t`'s range are its
    /// largest value (no offset can pass it).
    fn offset(size: u64) -> bindings::loff_t {
        bindings::loff_t::try_from(size).unwrap_or(bindings::loff_t::MAX)
    }

    /// The `open` that a policy needs of a file that has no other: streams
    /// are opened as such.
    pub(crate) const fn open(self) -> Option<OpenFn> {
        match self {
            Seek::Stream => Some(ffi::stream_open),
            _ => None,
        }
    }

    /// The `llseek` of the policy, with `within` for [`Seek::Within`] and
    /// `sized` for [`Seek::WithinSize`] (each the type's own trampoline).
    pub(crate) const fn llseek(self, within: LlseekFn, sized: LlseekFn) -> LlseekFn {
        match self {
            Seek::Anywhere => ffi::default_llseek,
            Seek::NoEnd => ffi::no_seek_end_llseek,
            Seek::Within(_) => within,
            Seek::WithinSize => sized,
            Seek::Ignored => ffi::noop_llseek,
            // Never called: `stream_open()` clears `FMODE_LSEEK`, and the
            // VFS fails `lseek()` with `ESPIPE` before reaching the table.
            Seek::Stream => ffi::default_llseek,
        }
    }

    /// The size of [`Seek::Within`], 0 for the other policies.
    const fn fixed_size(self) -> u64 {
        match self {
            Seek::Within(size) => size,
            _ => 0,
        }
    }
}

/// Whether `fixed_size_llseek()` looks at the size for this call: not for
/// `SEEK_CUR` by 0 (`ftell()`, which returns the position as it is) nor
/// for the `whence`s it refuses (`SEEK_DATA`, `SEEK_HOLE`, ...), so that
/// those do not run the driver's `size()`.
fn needs_size(offset: bindings::loff_t, whence: c_int) -> bool {
    match u32::try_from(whence) {
        Ok(bindings::SEEK_SET | bindings::SEEK_END) => true,
        Ok(bindings::SEEK_CUR) => offset != 0,
        _ => false,
    }
}

/// `llseek` of handler files with [`Seek::Within`]: `fixed_size_llseek()`
/// at the policy's size.
///
/// # Safety
///
/// `file`, `offset` and `whence` must be those of an `llseek` call in
/// progress on an open file (`fixed_size_llseek()`'s requirements).
pub(crate) unsafe extern "C" fn llseek_within_handler<T: FileOps>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    let size = Seek::offset(T::SEEK.fixed_size());
    // SAFETY: By the function's safety requirements; the call does not look
    // at the file's value.
    unsafe { ffi::fixed_size_llseek(file, offset, whence, size) }
}

/// `llseek` of per-open files with [`Seek::Within`], as
/// [`llseek_within_handler`].
///
/// # Safety
///
/// As for [`llseek_within_handler`].
pub(crate) unsafe extern "C" fn llseek_within_per_open<T: PerOpenOps>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    let size = Seek::offset(T::SEEK.fixed_size());
    // SAFETY: By the function's safety requirements; the call does not look
    // at the file's value.
    unsafe { ffi::fixed_size_llseek(file, offset, whence, size) }
}

/// `llseek` of handler files with [`Seek::WithinSize`]:
/// `fixed_size_llseek()` at the size `T`'s [`FileOps::size`] reports, asked
/// in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must be open on an entry of `F` whose data pointer points at a
///   `Served<T>` that is alive and only shared for the duration of the call.
/// - `offset` and `whence` must be those of the `llseek` call.
pub(crate) unsafe extern "C" fn llseek_sized_handler<T: FileOps, F: FileSystem>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    let size = if needs_size(offset, whence) {
        // SAFETY: By the first requirement.
        let served = unsafe { served_of_file::<T, F>(file) };
        let _frame = served.enter();
        Seek::offset(served.value().size())
    } else {
        0
    };
    // SAFETY: `file`, `offset` and `whence` are the call's (both
    // requirements).
    unsafe { ffi::fixed_size_llseek(file, offset, whence, size) }
}

/// `llseek` of per-open files with [`Seek::WithinSize`], at the size `T`'s
/// [`PerOpenOps::size`] reports for the open file's state.
///
/// # Safety
///
/// - `file` must have been opened by the per-open files' `open`, not
///   released, on an entry of `F` whose data pointer points at a
///   `Served<T>` that is alive and only shared for the duration of the call.
/// - `offset` and `whence` must be those of the `llseek` call.
pub(crate) unsafe extern "C" fn llseek_sized_per_open<T: PerOpenOps, F: FileSystem>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    let size = if needs_size(offset, whence) {
        // SAFETY: By the first requirement.
        unsafe { with_state::<T, F, _>(file, |data, state, _| data.size(state)) }
    } else {
        0
    };
    // SAFETY: `file`, `offset` and `whence` are the call's (both
    // requirements).
    unsafe { ffi::fixed_size_llseek(file, offset, whence, Seek::offset(size)) }
}
