// SPDX-License-Identifier: GPL-2.0

//! [`Show`] for scalars, in the formats of the kernel's debugfs attribute
//! files.
//!
//! | value                                   | shown as     | as C's                           |
//! |-----------------------------------------|--------------|----------------------------------|
//! | `u8`..`u64`, `usize` and their atomics  | `"%llu\n"`  | `debugfs_create_u8()`..`u64()`, `size_t` |
//! | `i8`..`i64`, `isize` and their atomics  | `"%lld\n"`  | `debugfs_create_atomic_t()`      |
//! | `bool`, `AtomicBool`                    | `"Y\n"`/`"N\n"` | `debugfs_create_bool()`     |
//!
//! `Arc<T>`, `Mutex<T>` and `SpinLock<T>` show what `T` shows (under the lock).
//!
//! Atomics are read with `Relaxed` ordering, as C reads a plain variable: a
//! file shows a value, it does not synchronize with it.

use crate::{SeqFile, Show};
use core::sync::atomic::{
    AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicU16, AtomicU32,
    AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed,
};
use kernel::error::Result;
use kfiles_core::text::NumText;

macro_rules! show_ints {
    ($($atomic:ty => $plain:ty, $text:ident, $wide:ty;)*) => {$(
        impl Show for $atomic {
            #[inline]
            fn show(&self, m: &SeqFile) -> Result {
                m.write_bytes(NumText::$text(self.load(Relaxed) as $wide).as_bytes());
                Ok(())
            }
        }

        impl Show for $plain {
            #[inline]
            fn show(&self, m: &SeqFile) -> Result {
                m.write_bytes(NumText::$text(*self as $wide).as_bytes());
                Ok(())
            }
        }
    )*};
}

show_ints! {
    AtomicU8 => u8, unsigned, u64;
    AtomicU16 => u16, unsigned, u64;
    AtomicU32 => u32, unsigned, u64;
    AtomicU64 => u64, unsigned, u64;
    AtomicUsize => usize, unsigned, u64;
    AtomicI8 => i8, signed, i64;
    AtomicI16 => i16, signed, i64;
    AtomicI32 => i32, signed, i64;
    AtomicI64 => i64, signed, i64;
    AtomicIsize => isize, signed, i64;
}

impl Show for AtomicBool {
    #[inline]
    fn show(&self, m: &SeqFile) -> Result {
        m.write_bytes(NumText::bool(self.load(Relaxed)).as_bytes());
        Ok(())
    }
}

impl Show for bool {
    #[inline]
    fn show(&self, m: &SeqFile) -> Result {
        m.write_bytes(NumText::bool(*self).as_bytes());
        Ok(())
    }
}

/// Shared state: what the value inside shows (several files may show one
/// `Arc`, or parts of it through their own `Show` types).
impl<T: Show> Show for kernel::sync::Arc<T> {
    const BUFFER_SIZE: usize = T::BUFFER_SIZE;

    #[inline]
    fn show(&self, m: &SeqFile) -> Result {
        T::show(self, m)
    }
}

/// The value inside, shown under the lock (`show` runs in task context).
impl<T: Show> Show for kernel::sync::Mutex<T> {
    const BUFFER_SIZE: usize = T::BUFFER_SIZE;

    fn show(&self, m: &SeqFile) -> Result {
        self.lock().show(m)
    }
}

/// The value inside, shown under the lock. Only for plain data (`Copy`, such
/// as integers and `kfiles_attr::Text`), whose `show` has no reason to
/// sleep: `show` must not sleep under a spinlock. The lock is taken with
/// interrupts on: a spinlock that interrupt handlers also take must not be
/// shown this way.
impl<T: Show + Copy> Show for kernel::sync::SpinLock<T> {
    const BUFFER_SIZE: usize = T::BUFFER_SIZE;

    fn show(&self, m: &SeqFile) -> Result {
        self.lock().show(m)
    }
}
