// SPDX-License-Identifier: GPL-2.0

//! `parse_int` (the `kstrtoull()`/`kstrtoll()` rules behind every integer
//! written to a debugfs or procfs file): never panics, agrees with itself
//! across types, and reads back what it accepted in every radix.

#![no_main]

use kfiles_core::parse::{parse_int, ParseError};
use libfuzzer_sys::fuzz_target;

/// What a narrower type must answer, given the 64-bit result.
fn narrowed<T: TryFrom<W>, W>(wide: Result<W, ParseError>) -> Result<T, ParseError> {
    wide.and_then(|v| T::try_from(v).map_err(|_| ParseError::Range))
}

fn check(input: &[u8]) {
    let unsigned = parse_int::<u64>(input);
    let signed = parse_int::<i64>(input);
    assert_eq!(parse_int::<u8>(input), narrowed(unsigned));
    assert_eq!(parse_int::<u16>(input), narrowed(unsigned));
    assert_eq!(parse_int::<u32>(input), narrowed(unsigned));
    assert_eq!(parse_int::<usize>(input), narrowed(unsigned));
    assert_eq!(parse_int::<i8>(input), narrowed(signed));
    assert_eq!(parse_int::<i16>(input), narrowed(signed));
    assert_eq!(parse_int::<i32>(input), narrowed(signed));
    assert_eq!(parse_int::<isize>(input), narrowed(signed));
    // Without a sign both read the same magnitude.
    let text = input.split(|&b| b == 0).next().unwrap_or_default();
    if !text.starts_with(b"-") {
        assert_eq!(
            signed,
            narrowed(unsigned),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    // What was accepted reads back in every radix, with or without newline.
    if let Ok(v) = unsigned {
        for form in [
            format!("{v}"),
            format!("{v:#x}"),
            format!("{v:#X}"),
            format!("0{v:o}"),
            format!("+{v}\n"),
        ] {
            assert_eq!(parse_int::<u64>(form.as_bytes()), Ok(v), "{form:?}");
        }
    }
    if let Ok(v) = signed {
        assert_eq!(parse_int::<i64>(format!("{v}\n").as_bytes()), Ok(v));
    }
    // One trailing newline changes nothing; a second one is invalid, unless
    // the digits already overflowed (the kernel reports ERANGE first).
    if !text.ends_with(b"\n") && text.len() == input.len() {
        let mut with = input.to_vec();
        with.push(b'\n');
        assert_eq!(parse_int::<u64>(&with), unsigned);
        with.push(b'\n');
        let expected = match unsigned {
            Err(ParseError::Range) => ParseError::Range,
            _ => ParseError::Invalid,
        };
        assert_eq!(parse_int::<u64>(&with), Err(expected));
    }
}

fuzz_target!(|input: &[u8]| check(input));
