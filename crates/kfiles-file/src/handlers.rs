// SPDX-License-Identifier: GPL-2.0

//! Files with typed read and write handlers, at any offset.

use crate::{callbacks::served_of_file, FileSystem};
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::{
        code::{EFBIG, EINVAL, EIO},
        Result,
    },
    uaccess::{UserSliceReader, UserSliceWriter},
};
use kfiles_core::buffer::read_window;

/// Read and write handlers of a file (C's `read`/`write`, `proc_read`/
/// `proc_write`), with typed, bounded access to the user buffer and no
/// offset arithmetic to get wrong.
///
/// Implement the handlers the file supports; the others fail with `EINVAL`.
/// Both may run concurrently with themselves and each other.
///
/// (Not a `#[vtable]` trait: since 6.18 that macro ties every implementation
/// to the module declaring it, which a library type such as procfs-rs's
/// `Buffer` cannot name. The C table always holds both handlers.)
///
/// # Examples
///
/// ```
/// use procfs_rs::{FileOps, ReadBuf};
///
/// struct Banner;
///
/// impl FileOps for Banner {
///     fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
///         // Any offset and read size is served from the whole content.
///         out.serve(b"hello from the kernel\n")
///     }
/// }
///
/// # let dir = doctest::proc_dir()?;
/// let banner = KBox::pin_init(dir.ops_file(c"banner", 0o444, Banner), GFP_KERNEL)?;
/// # let want = b"hello from the kernel\n";
/// # assert_eq!(&*doctest::read_in(c"/proc/kfiles-doctest/banner", 5)?, want);
/// # let dir = doctest::debugfs_dir();
/// # let banner = KBox::pin_init(dir.ops_file(c"banner", 0o444, Banner), GFP_KERNEL)?;
/// # assert_eq!(&*doctest::read_in(c"/sys/kernel/debug/kfiles-doctest/banner", 7)?, want);
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/banner", b"x").err(), Some(EINVAL));
/// ```
pub trait FileOps: Send + Sync {
    /// Serves a `read()`: copies bytes for `out`'s position into `out` (see
    /// [`ReadBuf::serve`]) and returns how many, by which the file position
    /// advances; 0 means end of file. A count larger than the read asked for
    /// fails the read with `EIO` (position unchanged).
    fn read(&self, _out: &mut ReadBuf<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    /// Serves a `write()` of `input.len()` bytes at `input.pos()`; returns how
    /// many bytes were consumed. A count larger than the write fails it with
    /// `EIO` (position unchanged).
    fn write(&self, _input: &mut WriteBuf<'_>) -> Result<usize> {
        Err(EINVAL)
    }
}

/// The user buffer of one `read()`, at a file position.
pub struct ReadBuf<'a> {
    writer: UserSliceWriter,
    pos: u64,
    _call: PhantomData<&'a mut ()>,
}

impl ReadBuf<'_> {
    /// The file position the read starts at.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// How many bytes the reader asked for (what is left of it).
    pub fn len(&self) -> usize {
        self.writer.len()
    }

    /// Whether the buffer is full.
    pub fn is_empty(&self) -> bool {
        self.writer.is_empty()
    }

    /// Serves the read from `content`, the whole file: copies the bytes at
    /// [`pos`](ReadBuf::pos), as many as fit, and returns their count (0 at
    /// or past the end). As C's `simple_read_from_buffer()`.
    pub fn serve(&mut self, content: &[u8]) -> Result<usize> {
        let window = read_window(content.len(), self.pos, self.writer.len());
        let n = window.len();
        self.writer.write_slice(&content[window])?;
        self.pos += n as u64;
        Ok(n)
    }

    /// Appends `bytes` at the current position of the buffer, for handlers
    /// that produce their content piecewise; `EINVAL` if they do not fit.
    pub fn write_slice(&mut self, bytes: &[u8]) -> Result<usize> {
        if bytes.len() > self.writer.len() {
            return Err(EINVAL);
        }
        self.writer.write_slice(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(bytes.len())
    }
}

/// The user buffer of one `write()`, at a file position.
pub struct WriteBuf<'a> {
    reader: UserSliceReader,
    pos: u64,
    _call: PhantomData<&'a mut ()>,
}

impl WriteBuf<'_> {
    /// The file position the write starts at.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// How many bytes are left to read from the writer's buffer.
    pub fn len(&self) -> usize {
        self.reader.len()
    }

    /// Whether nothing is left to read.
    pub fn is_empty(&self) -> bool {
        self.reader.is_empty()
    }

    /// Copies exactly `dst.len()` bytes of the input into `dst`; `EINVAL` if
    /// fewer are left, `EFAULT` if the user buffer is not readable (then
    /// `dst` may hold part of the input).
    pub fn read_slice(&mut self, dst: &mut [u8]) -> Result {
        if dst.len() > self.reader.len() {
            return Err(EINVAL);
        }
        self.reader.read_slice(dst)
    }
}

/// `read` of handler files: `T`'s [`FileOps::read`] at the file position,
/// in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must be open on an entry of `F` whose data pointer points at a
///   `Served<T>` that is alive and only shared for the duration of the call.
/// - `buf` and `count` must be the user buffer of the call, and `ppos` a
///   file position valid for reads and writes during it.
pub(crate) unsafe extern "C" fn read_handler<T: FileOps, F: FileSystem>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of_file::<T, F>(file) };
    let _frame = served.enter();
    let data = served.value();
    // SAFETY: By the second requirement.
    unsafe {
        at_position(ppos, count, |pos| {
            data.read(&mut ReadBuf {
                writer: kfiles_compat::user_slice(buf, count).writer(),
                pos,
                _call: PhantomData,
            })
        })
    }
}

/// `write` of handler files: `T`'s [`FileOps::write`] at the file position,
/// in a frame of the entry's value.
///
/// # Safety
///
/// As for [`read_handler`].
pub(crate) unsafe extern "C" fn write_handler<T: FileOps, F: FileSystem>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of_file::<T, F>(file) };
    let _frame = served.enter();
    let data = served.value();
    // SAFETY: By the second requirement.
    unsafe {
        at_position(ppos, count, |pos| {
            data.write(&mut WriteBuf {
                reader: kfiles_compat::user_slice(buf, count).reader(),
                pos,
                _call: PhantomData,
            })
        })
    }
}

/// Runs a handler of a `count`-byte call at the position `*ppos` and
/// advances the position by the count the handler returns; returns that
/// count, or the negative errno (position unchanged). Negative positions are
/// refused with `EINVAL`, a handler's count above `count` with `EIO`, and a
/// position that would pass `loff_t`'s range with `EFBIG` (as the VFS
/// refuses writes there).
///
/// # Safety
///
/// `ppos` must be valid for reads and writes for the duration of the call.
unsafe fn at_position(
    ppos: *mut bindings::loff_t,
    count: usize,
    handler: impl FnOnce(u64) -> Result<usize>,
) -> isize {
    // SAFETY: The caller guarantees `ppos` is valid for reads.
    let Ok(pos) = u64::try_from(unsafe { *ppos }) else {
        return EINVAL.to_errno() as isize;
    };
    let n = match handler(pos) {
        Ok(n) if n > count => return EIO.to_errno() as isize,
        Ok(n) => n,
        Err(e) => return e.to_errno() as isize,
    };
    // `n <= count`, which the VFS bounds by `MAX_RW_COUNT`, so both fit.
    let (Ok(ret), Some(end)) = (
        isize::try_from(n),
        pos.checked_add(n as u64)
            .and_then(|end| bindings::loff_t::try_from(end).ok()),
    ) else {
        return EFBIG.to_errno() as isize;
    };
    // SAFETY: The caller guarantees `ppos` is valid for writes.
    unsafe { *ppos = end };
    ret
}
