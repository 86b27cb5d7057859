// SPDX-License-Identifier: GPL-2.0

//! Values that C's debugfs shows with ready-made files: blobs of bytes and
//! arrays of `u32`.

use crate::{FileOps, ReadBuf, WriteBuf};
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use kernel::{error::Result, prelude::*, sync::Mutex};
use kfiles_core::text::NumText;
use seqfile_rs::{SeqFile, Show};

/// Bytes served as they are, at any offset (C's `debugfs_create_blob()`
/// without write bits): for a firmware image, a table, a log copied at
/// probe. Writes fail with `EINVAL` (C's blob takes them from root even
/// when its mode has no write bit).
///
/// `B` is anything that derefs to bytes: `&'static [u8]`, `KVec<u8>`,
/// `[u8; N]`. Make the file with `ops_file`.
///
/// # Examples
///
/// ```
/// use debugfs_rs::Blob;
///
/// # let dir = doctest::debugfs_dir();
/// static EDID: [u8; 8] = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
/// let edid = KBox::pin_init(dir.ops_file(c"edid", 0o444, Blob(&EDID[..])), GFP_KERNEL)?;
/// # let path = c"/sys/kernel/debug/kfiles-doctest/edid";
/// # assert_eq!(&*doctest::read_in(path, 3)?, &EDID[..]);
/// # assert_eq!(&*doctest::read_at(path, 6, 100)?, &EDID[6..]);
/// # assert_eq!(doctest::write(path, b"x").err(), Some(EINVAL));
/// ```
pub struct Blob<B>(pub B);

impl<B: AsRef<[u8]> + Send + Sync> FileOps for Blob<B> {
    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(self.0.as_ref())
    }
}

/// Bytes of a fixed size served and stored at any offset (C's
/// `debugfs_create_blob()` with write bits): a write stores what fits
/// before the end; one at or past the end fails with `ENOSPC` (C's returns
/// 0). The bytes are behind a `Mutex`: [`with`](Self::with) reads or
/// changes them from the driver.
///
/// # Examples
///
/// ```
/// use debugfs_rs::{Handlers, WritableBlob};
///
/// # let dir = doctest::debugfs_dir();
/// let scratch = KBox::pin_init(
///     dir.pinned_file::<Handlers, _, _>(c"scratch", 0o600, WritableBlob::new([0u8; 16])),
///     GFP_KERNEL,
/// )?;
/// # let path = c"/sys/kernel/debug/kfiles-doctest/scratch";
/// # assert_eq!(doctest::write_at(path, 14, b"abc")?, 2);
/// # assert_eq!(doctest::write_at(path, 16, b"x").err(), Some(ENOSPC));
/// # assert_eq!(&*doctest::read_at(path, 13, 8)?, b"\0ab");
/// scratch.with(|bytes| bytes[0] = 0x7f);
/// # assert_eq!(&*doctest::read_at(path, 0, 1)?, b"\x7f");
/// ```
#[pin_data]
pub struct WritableBlob<B> {
    #[pin]
    bytes: Mutex<B>,
}

impl<B: Unpin> WritableBlob<B> {
    /// A blob holding `bytes`.
    pub fn new(bytes: B) -> impl PinInit<Self> {
        pin_init!(Self {
            bytes <- kernel::new_mutex!(bytes),
        })
    }

    /// Runs `f` on the bytes, under the blob's lock (which reads and
    /// writes of the file take too).
    pub fn with<R>(&self, f: impl FnOnce(&mut B) -> R) -> R {
        let mut bytes = self.bytes.lock();
        f(&mut bytes)
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]> + Send + Unpin> FileOps for WritableBlob<B> {
    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        self.with(|bytes| out.serve(bytes.as_ref()))
    }

    fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
        self.with(|bytes| input.store_into(bytes.as_mut()))
    }
}

/// An array of `u32` shown on one line, separated by spaces (C's
/// `debugfs_create_u32_array()`: `1 22 333\n`; nothing for an empty
/// array). Make the file with `read_only_file`.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// use debugfs_rs::U32Array;
///
/// # let dir = doctest::debugfs_dir();
/// let queues = U32Array([AtomicU32::new(4), AtomicU32::new(16), AtomicU32::new(0)]);
/// let depths = KBox::pin_init(dir.read_only_file(c"depths", 0o444, queues), GFP_KERNEL)?;
/// depths.0[2].store(8, Relaxed);
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/depths")?, b"4 16 8\n");
/// ```
pub struct U32Array<const N: usize>(pub [AtomicU32; N]);

impl<const N: usize> Show for U32Array<N> {
    fn show(&self, m: &SeqFile) -> Result {
        for (i, value) in self.0.iter().enumerate() {
            // `NumText` ends with a newline: the last number keeps it, the
            // others get a space instead.
            let text = NumText::unsigned(u64::from(value.load(Relaxed)));
            let digits = text.as_bytes().split_last().map_or(&[][..], |(_, d)| d);
            m.write_bytes(digits);
            m.put_byte(if i + 1 == N { b'\n' } else { b' ' });
        }
        Ok(())
    }
}
