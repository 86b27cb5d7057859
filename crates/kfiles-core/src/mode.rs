// SPDX-License-Identifier: GPL-2.0

//! The permission bits of a new file or directory.

use core::ops::BitOr;

/// The permission bits of a file or directory the crates create (the
/// permission part of C's `umode_t`, `S_IRUGO` and friends).
///
/// Constructors take `impl Into<Mode>`: a constant below, a combination of
/// the per-class bits (`Mode::OWNER_READ | Mode::GROUP_READ`), or an octal
/// literal as in C (`0o640`). Only the permission bits are kept: file-type,
/// set-id and sticky bits of a number are dropped (debugfs `BUG()`s on a
/// file-type bit; the others mean nothing on these files). A kind of file
/// also drops the bits it cannot honour (a read-only file its write bits).
///
/// # Examples
///
/// ```
/// use kfiles_core::mode::Mode;
///
/// assert_eq!(Mode::READ_WRITE, Mode::from(0o644));
/// assert_eq!((Mode::OWNER_READ | Mode::OWNER_WRITE).bits(), 0o600);
/// assert_eq!(Mode::from(0o040444), Mode::READ_ONLY);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Mode(u16);

impl Mode {
    /// `r--r--r--` (C's `0444`, `S_IRUGO`): readable by everyone.
    pub const READ_ONLY: Self = Self(0o444);
    /// `rw-r--r--` (`0644`): readable by everyone, writable by the owner.
    pub const READ_WRITE: Self = Self(0o644);
    /// `-w-------` (`0200`, `S_IWUSR`): writable by the owner only.
    pub const WRITE_ONLY: Self = Self(0o200);
    /// `r--------` (`0400`, `S_IRUSR`): readable by the owner only.
    pub const OWNER_READ: Self = Self(0o400);
    /// `-w-------` (`0200`, `S_IWUSR`).
    pub const OWNER_WRITE: Self = Self(0o200);
    /// `rw-------` (`0600`): the owner's only, read and write.
    pub const OWNER_READ_WRITE: Self = Self(0o600);
    /// `---r-----` (`0040`, `S_IRGRP`).
    pub const GROUP_READ: Self = Self(0o040);
    /// `------r--` (`0004`, `S_IROTH`).
    pub const OTHERS_READ: Self = Self(0o004);
    /// `r-xr-xr-x` (`0555`): a directory everyone may list and enter.
    pub const DIR: Self = Self(0o555);

    /// The permission bits of `bits` (the low nine; the rest are dropped).
    pub const fn new(bits: u16) -> Self {
        Self(bits & 0o777)
    }

    /// The bits, for C.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether every bit of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl From<u16> for Mode {
    fn from(bits: u16) -> Self {
        Self::new(bits)
    }
}

impl BitOr for Mode {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_permission_bits_only() {
        assert_eq!(Mode::from(0o140555).bits(), 0o555);
        assert_eq!(Mode::from(0o4755).bits(), 0o755);
        assert_eq!(Mode::new(0o644), Mode::READ_WRITE);
    }

    #[test]
    fn combines() {
        let m = Mode::OWNER_READ_WRITE | Mode::GROUP_READ;
        assert_eq!(m.bits(), 0o640);
        assert!(m.contains(Mode::OWNER_READ));
        assert!(!m.contains(Mode::OTHERS_READ));
    }
}
