// SPDX-License-Identifier: GPL-2.0

//! Entry names: what debugfs and procfs accept as one path component.
//!
//! `proc_create_data()` and `proc_mkdir()` treat `/` in a name as a path
//! separator, so `a.subdir("sub/x")` would create `x` inside some other
//! directory than `a`, outside the ownership the Rust handles track (and
//! unknown intermediate components, `.`, `..`, empty or overlong names and
//! numeric names directly in `/proc` trigger a `WARN`). Both crates therefore
//! take a name only if it is one plain component.
//!
//! ```
//! use kfiles_core::name::{check, NameError};
//! assert_eq!(check(b"stats", false), Ok(()));
//! assert_eq!(check(b"a/b", false), Err(NameError::Separator));
//! assert_eq!(check(b"..", false), Err(NameError::Dots));
//! assert_eq!(check(b"42", true), Err(NameError::Numeric));
//! assert_eq!(check(b"42", false), Ok(()));
//! ```

/// The longest name a directory entry may have (`NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// The longest path the kernel resolves, terminating NUL included
/// (`PATH_MAX`): a symbolic link's target must be shorter.
pub const PATH_MAX: usize = 4096;

/// Why a name is not one plain path component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// Empty, or longer than [`NAME_MAX`] bytes.
    Length,
    /// Contains `/`.
    Separator,
    /// `.` or `..`.
    Dots,
    /// All digits, directly in `/proc` (where process directories live).
    Numeric,
}

/// Checks that `name` (without its NUL) is one plain path component;
/// `at_proc_root` also refuses numeric names, which procfs reserves for
/// processes in `/proc` itself.
pub fn check(name: &[u8], at_proc_root: bool) -> Result<(), NameError> {
    if name.is_empty() || name.len() > NAME_MAX {
        return Err(NameError::Length);
    }
    if name.contains(&b'/') {
        return Err(NameError::Separator);
    }
    if name == b"." || name == b".." {
        return Err(NameError::Dots);
    }
    if at_proc_root && name.iter().all(u8::is_ascii_digit) {
        return Err(NameError::Numeric);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(check(b"", false), Err(NameError::Length));
        assert_eq!(check(&[b'a'; 255], false), Ok(()));
        assert_eq!(check(&[b'a'; 256], false), Err(NameError::Length));
        assert_eq!(check(b"/", false), Err(NameError::Separator));
        assert_eq!(check(b"sub/", false), Err(NameError::Separator));
        assert_eq!(check(b".", true), Err(NameError::Dots));
        assert_eq!(check(b"...", false), Ok(()));
        assert_eq!(check(b".hidden", false), Ok(()));
        assert_eq!(check(b"0", true), Err(NameError::Numeric));
        assert_eq!(check(b"1a", true), Ok(()));
        assert_eq!(check(b"self", true), Ok(()));
    }
}
