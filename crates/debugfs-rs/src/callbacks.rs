// SPDX-License-Identifier: GPL-2.0

//! Files whose content closures produce and parse.

use crate::SeqFile;
use kernel::{
    error::{Error, Result},
    prelude::PinInit,
};
use kfiles_attr::{ReadCallback, ReadWriteCallback};

impl crate::Dir {
    /// Creates a read-only file `name` whose content `read` prints from
    /// `data`. Write permission bits are removed from `mode`.
    ///
    /// # Examples
    ///
    /// ```
    /// use debugfs_rs::seq_print;
    ///
    /// # struct Sensor;
    /// # impl Sensor {
    /// #     fn millis(&self) -> u32 {
    /// #         21500
    /// #     }
    /// # }
    /// # let (dir, sensor) = (doctest::debugfs_dir(), Sensor);
    /// let temp = dir.read_callback_file(c"temperature", 0o444, sensor, |s, m| {
    ///     seq_print!(m, "{}.{:03} C\n", s.millis() / 1000, s.millis() % 1000);
    ///     Ok(())
    /// });
    /// let temp = KBox::pin_init(temp, GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/temperature")?, b"21.500 C\n");
    /// ```
    pub fn read_callback_file<'a, D, R>(
        &'a self,
        name: &'a core::ffi::CStr,
        mode: u16,
        data: D,
        read: R,
    ) -> impl PinInit<crate::File<ReadCallback<D, R>>, Error> + 'a
    where
        D: Send + Sync + 'static,
        R: Fn(&D, &SeqFile) -> Result + Send + Sync + 'static,
    {
        self.read_only_file(name, mode, ReadCallback::new(data, read))
    }

    /// Creates a file `name` whose content `read` prints from `data` and
    /// whose writes `write` parses into `data` (see [`Store`](crate::Store) for the
    /// contract; inputs longer than 64 bytes fail with `EINVAL`).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
    /// use debugfs_rs::{parse_int, seq_print};
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let rate = dir.read_write_callback_file(
    ///     c"rate",
    ///     0o644,
    ///     AtomicU32::new(100),
    ///     |r, m| {
    ///         seq_print!(m, "{} Hz\n", r.load(Relaxed));
    ///         Ok(())
    ///     },
    ///     |r, input| {
    ///         let v: u32 = parse_int(input)?;
    ///         if !(1..=1000).contains(&v) {
    ///             return Err(ERANGE);
    ///         }
    ///         r.store(v, Relaxed);
    ///         Ok(())
    ///     },
    /// );
    /// let rate = KBox::pin_init(rate, GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/rate")?, b"100 Hz\n");
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/rate", b"2000\n").err(), Some(ERANGE));
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/rate", b"250\n")?, 4);
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/rate")?, b"250 Hz\n");
    /// ```
    pub fn read_write_callback_file<'a, D, R, W>(
        &'a self,
        name: &'a core::ffi::CStr,
        mode: u16,
        data: D,
        read: R,
        write: W,
    ) -> impl PinInit<crate::File<ReadWriteCallback<D, R, W>>, Error> + 'a
    where
        D: Send + Sync + 'static,
        R: Fn(&D, &SeqFile) -> Result + Send + Sync + 'static,
        W: Fn(&D, &[u8]) -> Result + Send + Sync + 'static,
    {
        self.read_write_file(name, mode, ReadWriteCallback::new(data, read, write))
    }
}
