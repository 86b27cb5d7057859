// SPDX-License-Identifier: GPL-2.0

//! Records filled in place: [`Reservation`] and its proof of commit.

use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::{error::code::*, prelude::*};

/// Proof that a [`Reservation`] was committed; only
/// [`Reservation::commit`] makes one.
pub struct Committed(());

/// Bytes reserved in a relay buffer by [`Channel::reserve`], filled in place.
///
/// Local interrupts are off while it exists. Fill it with
/// [`put`](Self::put) or `core::fmt::Write`, then [`commit`](Self::commit).
/// Readers do not see the bytes before the commit; a reservation dropped (or
/// leaked) uncommitted leaves nothing in the buffer.
///
/// # Invariants
///
/// `slot` points at `len` bytes of the current CPU's relay buffer that
/// `reserve` set aside for this reservation alone, with interrupts disabled
/// and writes to the channel on this CPU refused until `reserve` releases
/// them, which it does only after the `Reservation` is gone (its lifetime
/// `'a` ends within `reserve`). The first `filled` bytes were written;
/// `*committed` is read by `reserve` when it releases the slot.
///
/// [`Channel::reserve`]: crate::Channel::reserve
pub struct Reservation<'a> {
    slot: NonNull<u8>,
    len: usize,
    filled: usize,
    committed: &'a mut bool,
    // Not `Send`: interrupts are off on this CPU only.
    _not_send: PhantomData<*mut ()>,
}

impl<'a> Reservation<'a> {
    /// Wraps a reserved slot.
    ///
    /// # Safety
    ///
    /// `slot` must point at `len` bytes that no one else reads or writes
    /// until `'a` ends, and that a reader sees only if `*committed` is true
    /// when `'a` ends.
    #[inline]
    pub(crate) unsafe fn new(slot: NonNull<u8>, len: usize, committed: &'a mut bool) -> Self {
        *committed = false;
        // INVARIANT: By the function's safety requirements; nothing written yet.
        Self {
            slot,
            len,
            filled: 0,
            committed,
            _not_send: PhantomData,
        }
    }

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
        // `filled` are ours alone, and `bytes` fits in them; relay buffer
        // memory never overlaps a Rust slice.
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

    /// Commits the record: zeroes the bytes not written, and publishes the
    /// record to readers once the `fill` closure returns.
    #[inline]
    pub fn commit(mut self) -> Committed {
        // Records are usually filled exactly: skip the out-of-line memset.
        if self.filled != self.len {
            // SAFETY: By the type invariants the bytes after `filled` are ours.
            unsafe {
                core::ptr::write_bytes(self.slot.as_ptr().add(self.filled), 0, self.remaining())
            };
            self.filled = self.len;
        }
        *self.committed = true;
        Committed(())
    }
}

impl fmt::Write for Reservation<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes()).map_err(|_| fmt::Error)
    }
}
