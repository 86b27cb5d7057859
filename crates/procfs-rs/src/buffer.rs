// SPDX-License-Identifier: GPL-2.0

//! A bounded byte buffer that user space reads, replaces and appends to.

use crate::{FileOps, ReadBuf, WriteBuf};
use kernel::{
    error::{
        code::{EINVAL, ENOSPC},
        Result,
    },
    new_mutex,
    prelude::*,
    sync::Mutex,
};
use kfiles_core::buffer::{plan_write, WriteError};

/// The content of a [`Buffer`] and its spare half.
struct Content {
    /// `capacity` bytes; the first `len` are the content.
    bytes: KVVec<u8>,
    /// `capacity` bytes where a write that does not append lands first, so
    /// that a fault half-way stores nothing; swapped with `bytes` when the
    /// write replaces the content.
    spare: KVVec<u8>,
    len: usize,
}

/// A file content of at most `capacity` bytes, as a [`FileOps`] value.
///
/// - Reads return the stored bytes exactly, at any offset and block size.
/// - A write at offset 0 replaces the content; a write at or before the end
///   overwrites from there and may extend it (so `cp` in any block size
///   stores a whole file); a write past the end fails with `EINVAL`; a write
///   that would exceed the capacity fails with `ENOSPC`; a failed write
///   (`EFAULT` included) stores nothing.
///
/// Writes copy the user data once: straight into place when appending, into
/// the spare buffer otherwise (then swapped in, or copied over the middle).
/// Both buffers are allocated when the `Buffer` is created.
///
/// # Examples
///
/// ```
/// use procfs_rs::Buffer;
///
/// # let dir = doctest::proc_dir()?;
/// let big = KBox::pin_init(
///     dir.ops_file(c"bigprocfile", 0o644, Buffer::new(65536, b"hello\n")?),
///     GFP_KERNEL,
/// )?;
/// # assert_eq!(&*doctest::read_in(c"/proc/kfiles-doctest/bigprocfile", 1)?, b"hello\n");
/// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/bigprocfile", b"bye\n")?, 4);
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/bigprocfile")?, b"bye\n");
/// ```
pub struct Buffer {
    content: Pin<KBox<Mutex<Content>>>,
    capacity: usize,
}

impl Buffer {
    /// A buffer of `capacity` bytes holding `initial` (truncated to the
    /// capacity).
    pub fn new(capacity: usize, initial: &[u8]) -> Result<Self> {
        let mut bytes = KVVec::from_elem(0u8, capacity, GFP_KERNEL)?;
        let spare = KVVec::from_elem(0u8, capacity, GFP_KERNEL)?;
        let len = initial.len().min(capacity);
        bytes[..len].copy_from_slice(&initial[..len]);
        let content = KBox::pin_init(new_mutex!(Content { bytes, spare, len }), GFP_KERNEL)?;
        Ok(Buffer { content, capacity })
    }

    /// The most bytes the buffer holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Calls `f` with the current content.
    pub fn with_content<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let c = self.content.lock();
        f(&c.bytes[..c.len])
    }
}

impl FileOps for Buffer {
    // Inline: the file core's handler, instantiated in the driver, then calls
    // no function of this crate on a read or write.
    #[inline]
    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        let c = self.content.lock();
        out.serve(&c.bytes[..c.len])
    }

    #[inline]
    fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
        let count = input.len();
        let mut guard = self.content.lock();
        let c = &mut *guard;
        let plan = plan_write(c.len, self.capacity, input.pos(), count).map_err(|e| match e {
            WriteError::PastEnd => EINVAL,
            WriteError::NoSpace => ENOSPC,
        })?;
        if plan.start == c.len && !plan.replaces() {
            // Append: past the content, so a fault leaves it as it was.
            input.read_slice(&mut c.bytes[plan.start..plan.start + count])?;
        } else {
            input.read_slice(&mut c.spare[..count])?;
            if plan.replaces() {
                core::mem::swap(&mut c.bytes, &mut c.spare);
            } else {
                let Content { bytes, spare, .. } = c;
                bytes[plan.start..plan.start + count].copy_from_slice(&spare[..count]);
            }
        }
        c.len = plan.new_len;
        Ok(count)
    }
}
