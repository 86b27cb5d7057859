// SPDX-License-Identifier: GPL-2.0

//! Offset arithmetic for files backed by a byte buffer.
//!
//! [`read_window`] is what C's `simple_read_from_buffer()` computes: which
//! bytes of the content a `read()` of `count` bytes at `pos` returns.
//! [`overwrite_window`] is its counterpart for content of a fixed size (C's
//! `simple_write_to_buffer()`): which bytes a `write()` overwrites.
//! [`plan_write`] decides what a `write()` at `pos` does to a bounded buffer:
//!
//! - at offset 0 it replaces the content (so `echo text > file` works);
//! - at any offset up to the current end it overwrites from there, extending
//!   the content if needed (so `cp file /proc/...` works whatever its block
//!   size: each block lands at the end);
//! - past the end it fails with [`WriteError::PastEnd`] (`EINVAL`): there
//!   would be a hole;
//! - if the content would grow beyond the capacity it fails with
//!   [`WriteError::NoSpace`] (`ENOSPC`) and nothing of that write is stored.
//!
//! # Examples
//!
//! ```
//! use kfiles_core::buffer::{overwrite_window, plan_write, read_window, WritePlan, WriteError};
//!
//! assert_eq!(read_window(10, 4, 100), 4..10);
//! assert_eq!(read_window(10, 20, 100), 10..10);
//! assert_eq!(overwrite_window(10, 8, 5), Some(8..10));
//! assert_eq!(overwrite_window(10, 10, 5), None);
//! assert_eq!(plan_write(5, 8, 0, 3), Ok(WritePlan { start: 0, new_len: 3 }));
//! assert_eq!(plan_write(5, 8, 5, 3), Ok(WritePlan { start: 5, new_len: 8 }));
//! assert_eq!(plan_write(5, 8, 5, 4), Err(WriteError::NoSpace));
//! assert_eq!(plan_write(5, 8, 6, 1), Err(WriteError::PastEnd));
//! ```

use core::ops::Range;

/// The bytes of a `len`-byte content that a read of `count` bytes at `pos`
/// returns: empty at or past the end, never longer than `count`.
#[inline]
pub fn read_window(len: usize, pos: u64, count: usize) -> Range<usize> {
    let start = usize::try_from(pos).map_or(len, |p| p.min(len));
    start..start + count.min(len - start)
}

/// The bytes of a `len`-byte content of fixed size that a write of `count`
/// bytes at `pos` overwrites: from `pos`, as many as fit before the end.
/// `None` for a write of one byte or more at or past the end, which has no
/// room (C's `simple_write_to_buffer()` stores nothing there and returns
/// 0); an empty window for an empty write.
#[inline]
pub fn overwrite_window(len: usize, pos: u64, count: usize) -> Option<Range<usize>> {
    let start = usize::try_from(pos).map_or(len, |p| p.min(len));
    if start == len && count != 0 {
        return None;
    }
    Some(start..start + count.min(len - start))
}

/// Why a write to a bounded buffer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// The write starts past the end of the content (`EINVAL`).
    PastEnd,
    /// The content would exceed the capacity (`ENOSPC`).
    NoSpace,
}

/// Where an accepted write goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WritePlan {
    /// Offset of the first byte written.
    pub start: usize,
    /// Length of the content afterwards.
    pub new_len: usize,
}

impl WritePlan {
    /// Whether the write replaces the whole content (it starts at 0).
    pub fn replaces(&self) -> bool {
        self.start == 0
    }
}

/// Plans a write of `count` bytes at `pos` into a buffer holding `len` bytes
/// out of `capacity` (see the module documentation for the rules).
#[inline]
pub fn plan_write(
    len: usize,
    capacity: usize,
    pos: u64,
    count: usize,
) -> Result<WritePlan, WriteError> {
    let start = usize::try_from(pos).map_err(|_| WriteError::PastEnd)?;
    if start > len {
        return Err(WriteError::PastEnd);
    }
    let end = start.checked_add(count).ok_or(WriteError::NoSpace)?;
    if end > capacity {
        return Err(WriteError::NoSpace);
    }
    // A write at 0 replaces; elsewhere the content only grows.
    let new_len = if start == 0 { end } else { end.max(len) };
    Ok(WritePlan { start, new_len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(read_window(0, 0, 10), 0..0);
        assert_eq!(read_window(5, 0, 0), 0..0);
        assert_eq!(read_window(5, 0, 1), 0..1);
        assert_eq!(read_window(5, 4, 7), 4..5);
        assert_eq!(read_window(5, 5, 7), 5..5);
        assert_eq!(read_window(5, u64::MAX, 7), 5..5);
        assert_eq!(read_window(65536, 65535, 4096), 65535..65536);
    }

    #[test]
    fn every_read_size_covers_the_content_exactly() {
        let len = 10_000;
        for count in [1, 7, 4096, 65536] {
            let mut pos = 0u64;
            let mut seen = 0;
            loop {
                let w = read_window(len, pos, count);
                if w.is_empty() {
                    break;
                }
                assert_eq!(w.start, seen);
                seen = w.end;
                pos = w.end as u64;
            }
            assert_eq!(seen, len);
        }
    }

    #[test]
    fn overwrites() {
        assert_eq!(overwrite_window(16, 0, 4), Some(0..4));
        assert_eq!(overwrite_window(16, 14, 4), Some(14..16));
        assert_eq!(overwrite_window(16, 15, 1), Some(15..16));
        assert_eq!(overwrite_window(16, 16, 1), None);
        assert_eq!(overwrite_window(16, u64::MAX, 1), None);
        assert_eq!(overwrite_window(16, 20, 0), Some(16..16));
        assert_eq!(overwrite_window(16, 3, 0), Some(3..3));
        assert_eq!(overwrite_window(0, 0, 1), None);
        assert_eq!(overwrite_window(0, 0, 0), Some(0..0));
    }

    #[test]
    fn overwrites_round_trip_with_reads() {
        // Every write's window is what a read of the same size at the same
        // place returns, unless the write has no room.
        for len in [0usize, 1, 7, 64] {
            for pos in 0..70u64 {
                for count in 0..70usize {
                    match overwrite_window(len, pos, count) {
                        Some(w) => assert_eq!(w, read_window(len, pos, count)),
                        None => assert!(count > 0 && pos >= len as u64),
                    }
                }
            }
        }
    }

    #[test]
    fn writes() {
        // Replace at 0, shorter or longer.
        assert_eq!(
            plan_write(100, 200, 0, 10),
            Ok(WritePlan {
                start: 0,
                new_len: 10
            })
        );
        assert_eq!(
            plan_write(0, 200, 0, 200),
            Ok(WritePlan {
                start: 0,
                new_len: 200
            })
        );
        assert_eq!(plan_write(0, 200, 0, 201), Err(WriteError::NoSpace));
        // Append at the end; fill exactly; one byte too many.
        assert_eq!(
            plan_write(100, 200, 100, 100),
            Ok(WritePlan {
                start: 100,
                new_len: 200
            })
        );
        assert_eq!(plan_write(100, 200, 100, 101), Err(WriteError::NoSpace));
        // Overwrite inside, without shrinking.
        assert_eq!(
            plan_write(100, 200, 10, 5),
            Ok(WritePlan {
                start: 10,
                new_len: 100
            })
        );
        assert_eq!(
            plan_write(100, 200, 90, 20),
            Ok(WritePlan {
                start: 90,
                new_len: 110
            })
        );
        // Past the end, however far.
        assert_eq!(plan_write(100, 200, 101, 1), Err(WriteError::PastEnd));
        assert_eq!(plan_write(100, 200, u64::MAX, 1), Err(WriteError::PastEnd));
        // Empty writes are accepted where a write would be.
        assert_eq!(
            plan_write(100, 200, 100, 0),
            Ok(WritePlan {
                start: 100,
                new_len: 100
            })
        );
        assert_eq!(
            plan_write(100, 200, usize::MAX as u64, usize::MAX),
            Err(WriteError::PastEnd)
        );
        assert_eq!(
            plan_write(100, 200, 50, usize::MAX),
            Err(WriteError::NoSpace)
        );
    }

    #[test]
    fn cp_in_blocks_stores_the_whole_file() {
        for bs in [1usize, 7, 4096, 65536] {
            let total = 65536;
            let mut len = 1234; // previous content
            let mut pos = 0u64;
            while (pos as usize) < total {
                let n = bs.min(total - pos as usize);
                let plan = plan_write(len, 65536, pos, n).unwrap();
                len = plan.new_len;
                pos += n as u64;
            }
            assert_eq!(len, total);
            assert_eq!(plan_write(len, 65536, pos, 1), Err(WriteError::NoSpace));
        }
    }
}
