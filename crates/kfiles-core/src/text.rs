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
//!
//! [`Line`] builds one line of columns on the stack, as `printf()` would
//! with `%-24s`, `%6llu`, `%-5d` or `%016llx`, so that a seq_file can write
//! each record with one `seq_write()` instead of formatting it through
//! `core::fmt`, whose padding and integer formatting cost 1.2-2.5x C's
//! `vsnprintf()` (docs/benchmarks.md).

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

    /// `"%llu\n"`.
    pub fn unsigned(v: u64) -> Self {
        Self::from_back(|buf, end| decimal(buf, end, v))
    }

    /// `"%lld\n"`.
    pub fn signed(v: i64) -> Self {
        Self::from_back(|buf, end| {
            let mut start = decimal(buf, end, v.unsigned_abs());
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
        let min_digits = bytes.saturating_mul(2).min(16);
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

/// Where a value sits in a column wider than itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Padded with spaces after it (`%-Nd`).
    Left,
    /// Padded with spaces before it (`%Nd`).
    Right,
}

/// One line of at most `N` bytes, built column by column without
/// allocating. Output that does not fit is cut off and remembered
/// ([`overflowed`](Self::overflowed)).
///
/// ```
/// use kfiles_core::text::{Align, Line};
///
/// let mut line = Line::<48>::new();
/// line.text(b"init", 24, Align::Left)
///     .signed(1, 5, Align::Left)
///     .byte(b'\n');
/// assert_eq!(line.as_bytes(), format!("{:<24}{:<5}\n", "init", 1).as_bytes());
///
/// let mut line = Line::<32>::new();
/// line.unsigned(42, 6, Align::Right).byte(b' ').hex(0xbeef, 16).byte(b'\n');
/// assert_eq!(line.as_bytes(), b"    42 000000000000beef\n");
/// ```
pub struct Line<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflowed: bool,
}

impl<const N: usize> Default for Line<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Line<N> {
    /// An empty line.
    #[inline]
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            overflowed: false,
        }
    }

    /// The line so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Whether something did not fit.
    #[inline]
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    #[inline]
    fn push(&mut self, bytes: &[u8]) {
        let room = N - self.len;
        let n = bytes.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        self.overflowed |= n < bytes.len();
    }

    #[inline]
    fn spaces(&mut self, count: usize) {
        let n = count.min(N - self.len);
        self.buf[self.len..self.len + n].fill(b' ');
        self.len += n;
        self.overflowed |= n < count;
    }

    /// Appends `bytes` in a column of at least `width` (`%-Ns`, `%Ns`).
    #[inline]
    pub fn text(&mut self, bytes: &[u8], width: usize, align: Align) -> &mut Self {
        let pad = width.saturating_sub(bytes.len());
        if align == Align::Right {
            self.spaces(pad);
        }
        self.push(bytes);
        if align == Align::Left {
            self.spaces(pad);
        }
        self
    }

    /// Appends one byte.
    #[inline]
    pub fn byte(&mut self, b: u8) -> &mut Self {
        self.push(&[b]);
        self
    }

    /// Appends `v` in decimal in a column of at least `width` (`%Nllu`).
    #[inline]
    pub fn unsigned(&mut self, v: u64, width: usize, align: Align) -> &mut Self {
        let mut digits = [0u8; 20];
        let start = decimal(&mut digits, 20, v);
        self.text(&digits[start..], width, align)
    }

    /// Appends `v` in decimal in a column of at least `width` (`%Nlld`).
    #[inline]
    pub fn signed(&mut self, v: i64, width: usize, align: Align) -> &mut Self {
        let mut digits = [0u8; 21];
        let mut start = decimal(&mut digits, 21, v.unsigned_abs());
        if v < 0 {
            start -= 1;
            digits[start] = b'-';
        }
        self.text(&digits[start..], width, align)
    }

    /// Appends `v` in lower-case hex, zero-padded to at least `digits`
    /// digits (`%0Nllx`; at most 16 are padded).
    #[inline]
    pub fn hex(&mut self, v: u64, digits: usize) -> &mut Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        let (mut start, mut rest) = (16, v);
        while start > 16 - digits.min(16) || rest != 0 || start == 16 {
            start -= 1;
            out[start] = HEX[(rest & 0xf) as usize];
            rest >>= 4;
        }
        self.push(&out[start..]);
        self
    }
}

/// Writes the decimal digits of `v` ending just before `end` in `out`;
/// returns the index of the first digit.
#[inline]
fn decimal(out: &mut [u8], end: usize, mut v: u64) -> usize {
    let mut start = end;
    loop {
        start -= 1;
        out[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Align, Line, NumText};
    use std::format;

    #[test]
    fn line_matches_printf() {
        for v in [0u64, 7, 42, 99999, 100000, 1234567, u64::MAX] {
            let mut l = Line::<64>::new();
            l.unsigned(v, 6, Align::Right)
                .byte(b'|')
                .unsigned(v, 6, Align::Left);
            assert_eq!(l.as_bytes(), format!("{v:>6}|{v:<6}").as_bytes());
            let mut l = Line::<64>::new();
            l.hex(v, 16).byte(b' ').hex(v, 1).byte(b' ').hex(v, 0);
            assert_eq!(l.as_bytes(), format!("{v:016x} {v:x} {v:x}").as_bytes());
        }
        for v in [0i64, -1, 1, -12345, i64::MIN, i64::MAX] {
            let mut l = Line::<64>::new();
            l.signed(v, 5, Align::Left)
                .byte(b'|')
                .signed(v, 8, Align::Right);
            assert_eq!(l.as_bytes(), format!("{v:<5}|{v:>8}").as_bytes());
        }
        let mut l = Line::<64>::new();
        l.text(b"kworker/0:1H-kblockd", 24, Align::Left)
            .signed(123, 5, Align::Left);
        assert_eq!(
            l.as_bytes(),
            format!("{:<24}{:<5}", "kworker/0:1H-kblockd", 123).as_bytes()
        );
        assert!(!l.overflowed());
    }

    #[test]
    fn line_overflow_cuts_and_tells() {
        let mut l = Line::<8>::new();
        l.text(b"abc", 6, Align::Right)
            .unsigned(12345, 0, Align::Left);
        assert_eq!(l.as_bytes(), b"   abc12");
        assert!(l.overflowed());
        let mut l = Line::<4>::new();
        l.hex(u64::MAX, 16);
        assert_eq!(l.as_bytes(), b"ffff");
        assert!(l.overflowed());
    }

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
