// SPDX-License-Identifier: GPL-2.0

//! Allocation-free formatting of the values shown by attribute files.
//!
//! [`NumText`] holds one line of text on the stack, in exactly the format
//! that the kernel's debugfs attribute files print:
//!
//! | C helper                  | format        | constructor             |
//! |---------------------------|---------------|-------------------------|
//! | `debugfs_create_u8..u64`  | `"%llu\n"`    | [`NumText::unsigned`]   |
//! | `debugfs_create_atomic_t` | `"%lld\n"`    | [`NumText::signed`]     |
//! | `debugfs_create_x8..x64`  | `"0x%0Nllx\n"`| [`NumText::hex`]        |
//! | `debugfs_create_bool`     | `"Y\n"`/`"N\n"` | [`NumText::bool`]     |
//!
//! # Examples
//!
//! ```
//! use kfiles_core::text::NumText;
//!
//! assert_eq!(NumText::unsigned(200).as_bytes(), b"200\n");
//! assert_eq!(NumText::hex(0xbeef, 2).as_bytes(), b"0xbeef\n");
//! assert_eq!(NumText::hex(0x1, 1).as_bytes(), b"0x01\n");
//! assert_eq!(NumText::bool(false).as_bytes(), b"N\n");
//! ```

/// Longest line produced: `"-9223372036854775808\n"` is 21 bytes.
const CAPACITY: usize = 24;

static_assertions::const_assert!(CAPACITY >= "-9223372036854775808\n".len());
static_assertions::const_assert!(CAPACITY >= "0x".len() + 16 + "\n".len());
static_assertions::const_assert!(CAPACITY <= u8::MAX as usize);

/// One formatted value followed by a newline, kept on the stack.
#[derive(Clone, Copy)]
pub struct NumText {
    buf: [u8; CAPACITY],
    /// Index of the first used byte; the text ends at `CAPACITY`.
    start: u8,
}

impl NumText {
    /// Builds the text right-aligned in the buffer, from the end.
    fn from_back(fill: impl FnOnce(&mut [u8; CAPACITY], usize) -> usize) -> Self {
        let mut buf = [0u8; CAPACITY];
        buf[CAPACITY - 1] = b'\n';
        let start = fill(&mut buf, CAPACITY - 1);
        NumText {
            buf,
            start: start as u8,
        }
    }

    /// Writes the decimal digits of `v` ending just before `end`; returns the
    /// index of the first digit.
    fn put_decimal(buf: &mut [u8; CAPACITY], mut end: usize, mut v: u64) -> usize {
        loop {
            end -= 1;
            buf[end] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                return end;
            }
        }
    }

    /// `"%llu\n"`.
    pub fn unsigned(v: u64) -> Self {
        Self::from_back(|buf, end| Self::put_decimal(buf, end, v))
    }

    /// `"%lld\n"`.
    pub fn signed(v: i64) -> Self {
        Self::from_back(|buf, end| {
            let mut start = Self::put_decimal(buf, end, v.unsigned_abs());
            if v < 0 {
                start -= 1;
                buf[start] = b'-';
            }
            start
        })
    }

    /// `"0x%0*llx\n"` with `2 * bytes` digits at least, as debugfs's
    /// `x8`/`x16`/`x32`/`x64` files print (`bytes` = 1, 2, 4, 8).
    pub fn hex(v: u64, bytes: usize) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let min_digits = (2 * bytes).min(16);
        Self::from_back(|buf, mut end| {
            let mut rest = v;
            let mut n = 0;
            while n < min_digits || rest != 0 {
                end -= 1;
                buf[end] = DIGITS[(rest & 0xf) as usize];
                rest >>= 4;
                n += 1;
            }
            end -= 2;
            buf[end] = b'0';
            buf[end + 1] = b'x';
            end
        })
    }

    /// `"Y\n"` or `"N\n"`.
    pub fn bool(v: bool) -> Self {
        Self::from_back(|buf, end| {
            buf[end - 1] = if v { b'Y' } else { b'N' };
            end - 1
        })
    }

    /// The text, newline included.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[usize::from(self.start)..]
    }
}

#[cfg(test)]
mod tests {
    use super::NumText;
    use std::format;

    #[test]
    fn matches_printf() {
        for v in [0u64, 1, 9, 10, 200, 65535, u32::MAX as u64, u64::MAX] {
            assert_eq!(NumText::unsigned(v).as_bytes(), format!("{v}\n").as_bytes());
        }
        for v in [0i64, -1, 1, -128, i64::MIN, i64::MAX] {
            assert_eq!(NumText::signed(v).as_bytes(), format!("{v}\n").as_bytes());
        }
        for (v, bytes) in [
            (0u64, 1),
            (0xab, 1),
            (0x1ff, 1),
            (0x12, 2),
            (0xdead_beef, 4),
            (u64::MAX, 8),
            (1, 8),
        ] {
            let want = format!("0x{:0width$x}\n", v, width = 2 * bytes);
            assert_eq!(NumText::hex(v, bytes).as_bytes(), want.as_bytes());
        }
        assert_eq!(NumText::bool(true).as_bytes(), b"Y\n");
        assert_eq!(NumText::bool(false).as_bytes(), b"N\n");
    }
}
