// SPDX-License-Identifier: GPL-2.0

//! Parsing of numbers written by user space.
//!
//! The rules are those of the kernel's `kstrtoull()` and `kstrtoll()`
//! (`lib/kstrtox.c`), so a value that the C helpers accept is accepted here
//! too, with one deliberate difference: the destination type's range is
//! always checked: C's `debugfs_create_u8()` silently stores `256 & 0xff`;
//! [`parse_int`] reports [`ParseError::Range`] instead. (Booleans are parsed
//! by the running kernel's own `kstrtobool()`, see kfiles-attr: its words
//! changed between 6.12 and 7.x.)
//!
//! Input rules, as in C:
//! - an optional `+` (and, for signed types, `-`);
//! - the radix from the prefix: `0x`/`0X` followed by a hex digit is
//!   hexadecimal, any other leading `0` is octal, everything else decimal;
//! - at least one digit, then at most one trailing `\n`, then the end.
//!   Leading or other trailing white space, and any other byte, is invalid;
//! - as in C, where the input is a C string, a NUL ends it: what follows is
//!   ignored.
//!
//! # Examples
//!
//! ```
//! use kfiles_core::parse::{parse_int, ParseError};
//!
//! assert_eq!(parse_int::<u8>(b"200\n"), Ok(200));
//! assert_eq!(parse_int::<u8>(b"0xff"), Ok(255));
//! assert_eq!(parse_int::<u8>(b"256"), Err(ParseError::Range));
//! assert_eq!(parse_int::<u32>(b" 1"), Err(ParseError::Invalid));
//! ```

/// Why an input was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Not a number of the accepted syntax (the kernel answers `EINVAL`).
    Invalid,
    /// A well-formed number outside the destination type (`ERANGE`).
    Range,
}

/// Integer types that user input can be parsed into.
///
/// Implemented for all primitive integer types of up to 64 bits, `usize` and
/// `isize`.
pub trait Integer: Copy {
    /// Whether the type accepts a leading `-`.
    const SIGNED: bool;
    /// Converts a parsed magnitude, or returns `None` when it does not fit.
    fn from_u64(v: u64) -> Option<Self>;
    /// Converts a parsed negative value, or returns `None` when it does not fit.
    fn from_i64(v: i64) -> Option<Self>;
}

macro_rules! impl_integer {
    ($signed:literal: $($t:ty),*) => {$(
        impl Integer for $t {
            const SIGNED: bool = $signed;
            #[inline]
            fn from_u64(v: u64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            #[inline]
            fn from_i64(v: i64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
        }
    )*};
}
impl_integer!(false: u8, u16, u32, u64, usize);
impl_integer!(true: i8, i16, i32, i64, isize);

/// Parses `input` as an integer of type `T` with the rules of `kstrtoull()`
/// (unsigned `T`) or `kstrtoll()` (signed `T`) and radix 0, then checks the
/// range of `T`.
///
/// # Examples
///
/// ```
/// use kfiles_core::parse::{parse_int, ParseError};
///
/// assert_eq!(parse_int::<i32>(b"-12\n"), Ok(-12));
/// assert_eq!(parse_int::<u16>(b"-12"), Err(ParseError::Invalid));
/// assert_eq!(parse_int::<u16>(b"010"), Ok(8));
/// ```
pub fn parse_int<T: Integer>(input: &[u8]) -> Result<T, ParseError> {
    let input = match input.iter().position(|&b| b == 0) {
        Some(nul) => &input[..nul],
        None => input,
    };
    if T::SIGNED {
        if let Some(rest) = input.strip_prefix(b"-") {
            let magnitude = parse_magnitude(rest)?;
            // `-magnitude` must fit in an i64: at most 2^63.
            if magnitude > i64::MAX as u64 + 1 {
                return Err(ParseError::Range);
            }
            let v = (magnitude as i64).wrapping_neg();
            return T::from_i64(v).ok_or(ParseError::Range);
        }
        let rest = input.strip_prefix(b"+").unwrap_or(input);
        let magnitude = parse_magnitude(rest)?;
        // kstrtoll() rejects what does not fit in a long long before the
        // destination type is looked at; the result is ERANGE either way.
        if magnitude > i64::MAX as u64 {
            return Err(ParseError::Range);
        }
        T::from_u64(magnitude).ok_or(ParseError::Range)
    } else {
        let rest = input.strip_prefix(b"+").unwrap_or(input);
        T::from_u64(parse_magnitude(rest)?).ok_or(ParseError::Range)
    }
}

/// `_kstrtoull()` with radix 0: prefix, digits, an optional `\n`, the end.
fn parse_magnitude(input: &[u8]) -> Result<u64, ParseError> {
    let (radix, digits) = match input {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, &input[2..]),
        [b'0', ..] => (8, input),
        _ => (10, input),
    };
    let mut value: u64 = 0;
    let mut overflow = false;
    let mut used = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        if u32::from(d) >= radix {
            break;
        }
        // Like _parse_integer_limit(), keep consuming digits after an
        // overflow so that the error is ERANGE and not EINVAL.
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        used += 1;
    }
    if overflow {
        return Err(ParseError::Range);
    }
    if used == 0 {
        return Err(ParseError::Invalid);
    }
    match &digits[used..] {
        [] | [b'\n'] => Ok(value),
        _ => Err(ParseError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ParseError::{Invalid, Range};

    #[test]
    fn unsigned_limits() {
        assert_eq!(parse_int::<u8>(b"0"), Ok(0));
        assert_eq!(parse_int::<u8>(b"255"), Ok(255));
        assert_eq!(parse_int::<u8>(b"256"), Err(Range));
        assert_eq!(parse_int::<u16>(b"65535\n"), Ok(65535));
        assert_eq!(parse_int::<u16>(b"65536\n"), Err(Range));
        assert_eq!(parse_int::<u32>(b"4294967295"), Ok(u32::MAX));
        assert_eq!(parse_int::<u32>(b"4294967296"), Err(Range));
        assert_eq!(parse_int::<u64>(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_int::<u64>(b"18446744073709551616"), Err(Range));
        assert_eq!(parse_int::<u64>(b"99999999999999999999999999"), Err(Range));
        assert_eq!(parse_int::<usize>(b"0xffffffffffffffff"), Ok(usize::MAX));
    }

    #[test]
    fn signed_limits() {
        assert_eq!(parse_int::<i8>(b"-128"), Ok(-128));
        assert_eq!(parse_int::<i8>(b"-129"), Err(Range));
        assert_eq!(parse_int::<i8>(b"127"), Ok(127));
        assert_eq!(parse_int::<i8>(b"+128"), Err(Range));
        assert_eq!(parse_int::<i64>(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int::<i64>(b"-9223372036854775809"), Err(Range));
        assert_eq!(parse_int::<i64>(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_int::<i64>(b"9223372036854775808"), Err(Range));
        assert_eq!(parse_int::<i32>(b"-0x10\n"), Ok(-16));
        assert_eq!(parse_int::<i32>(b"--1"), Err(Invalid));
        assert_eq!(parse_int::<i32>(b"-"), Err(Invalid));
        assert_eq!(parse_int::<i32>(b"-+1"), Err(Invalid));
    }

    #[test]
    fn radix_prefixes() {
        assert_eq!(parse_int::<u32>(b"0x1F"), Ok(31));
        assert_eq!(parse_int::<u32>(b"0X1f\n"), Ok(31));
        assert_eq!(parse_int::<u32>(b"017"), Ok(15));
        assert_eq!(parse_int::<u32>(b"0"), Ok(0));
        assert_eq!(parse_int::<u32>(b"00"), Ok(0));
        // "0x" with no hex digit after it is octal 0 followed by garbage.
        assert_eq!(parse_int::<u32>(b"0x"), Err(Invalid));
        assert_eq!(parse_int::<u32>(b"0xg"), Err(Invalid));
        assert_eq!(parse_int::<u32>(b"08"), Err(Invalid));
        assert_eq!(parse_int::<u32>(b"1a"), Err(Invalid));
        assert_eq!(parse_int::<u32>(b"+7"), Ok(7));
    }

    #[test]
    fn rejects_what_kstrtoull_rejects() {
        for bad in [
            &b""[..],
            b"\n",
            b" 1",
            b"1 ",
            b"1\n\n",
            b"1\r\n",
            b"\t1",
            b"-1",
            b"abc",
            b"++1",
            b"1.5",
        ] {
            assert_eq!(parse_int::<u64>(bad), Err(Invalid), "{:?}", bad);
        }
    }

    #[test]
    fn a_nul_ends_the_input() {
        assert_eq!(parse_int::<u32>(b"12\0junk"), Ok(12));
        assert_eq!(parse_int::<u32>(b"12\n\0\n"), Ok(12));
        assert_eq!(parse_int::<u32>(b"\0"), Err(Invalid));
        assert_eq!(parse_int::<u8>(b"300\0"), Err(Range));
    }

    #[test]
    fn overflow_wins_over_trailing_garbage() {
        // _parse_integer() stops at the first non-digit; the overflow it saw
        // before that is reported first.
        assert_eq!(parse_int::<u64>(b"99999999999999999999x"), Err(Range));
    }
}
