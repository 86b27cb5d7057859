// SPDX-License-Identifier: GPL-2.0

//! The one place where the supported kernels' Rust APIs differ.
//!
//! The kfiles crates and modules build from one source against Linux 6.12
//! (LTS) and 7.x. Where the kernel crate's API changed between them, this
//! crate offers one spelling and maps it to the kernel's. The choice is made
//! by one `--cfg`, set by `kbuild/kfiles.mk` from the kernel version:
//!
//! | `--cfg`             | kernels           | what differs                                    |
//! |---------------------|-------------------|-------------------------------------------------|
//! | `kfiles_legacy_api` | before 6.18       | `module!` takes `author`; `UserPtr` is a `usize`; `CStr::as_ptr()` is allowed |
//! | (none)              | 6.18 and later    | `module!` takes `authors`; `UserPtr` is a type; C strings go through `CStrExt::as_char_ptr()` |
//!
//! Nothing else in the project tests the kernel version.

use kernel::uaccess::UserSlice;

/// Declares a kernel module, as the kernel's `module!`, with one syntax on
/// every supported kernel.
///
/// Arguments are passed on as plain tokens (the kernel's `module!` is a
/// procedural macro that expects identifiers and string literals, not parsed
/// fragments). The keys are the kernel's, in this order: `type`, `name`, `authors`,
/// `description`, `license`. On kernels whose `module!` takes a single
/// `author`, the first author is recorded.
///
/// # Examples
///
/// ```ignore
/// kfiles_compat::module! {
///     type: MyDriver,
///     name: "my_driver",
///     authors: ["A. Developer"],
///     description: "An example",
///     license: "GPL",
/// }
/// ```
#[cfg(kfiles_legacy_api)]
#[macro_export]
macro_rules! module {
    (
        type: $type:ident,
        name: $name:tt,
        authors: [$author:tt $(, $more:tt)* $(,)?],
        description: $description:tt,
        license: $license:tt $(,)?
    ) => {
        ::kernel::prelude::module! {
            type: $type,
            name: $name,
            author: $author,
            description: $description,
            license: $license,
        }
    };
}

/// Declares a kernel module, as the kernel's `module!`, with one syntax on
/// every supported kernel.
///
/// Arguments are passed on as plain tokens (the kernel's `module!` is a
/// procedural macro that expects identifiers and string literals, not parsed
/// fragments). The keys are the kernel's, in this order: `type`, `name`, `authors`,
/// `description`, `license`. On kernels whose `module!` takes a single
/// `author`, the first author is recorded.
///
/// # Examples
///
/// ```ignore
/// kfiles_compat::module! {
///     type: MyDriver,
///     name: "my_driver",
///     authors: ["A. Developer"],
///     description: "An example",
///     license: "GPL",
/// }
/// ```
#[cfg(not(kfiles_legacy_api))]
#[macro_export]
macro_rules! module {
    (
        type: $type:ident,
        name: $name:tt,
        authors: [$($author:tt),+ $(,)?],
        description: $description:tt,
        license: $license:tt $(,)?
    ) => {
        ::kernel::prelude::module! {
            type: $type,
            name: $name,
            authors: [$($author),+],
            description: $description,
            license: $license,
        }
    };
}

/// Wraps the user-space buffer `ptr[..len]` passed to a `read` or `write`
/// file operation.
///
/// `UserSlice` itself checks every access against the user address space, so
/// building one is safe whatever the pointer.
#[inline]
pub fn user_slice<T>(ptr: *const T, len: usize) -> UserSlice {
    #[cfg(kfiles_legacy_api)]
    {
        UserSlice::new(ptr as usize, len)
    }
    #[cfg(not(kfiles_legacy_api))]
    {
        UserSlice::new(kernel::uaccess::UserPtr::from_ptr(ptr as *mut _), len)
    }
}

/// The `const char *` of a C string, for C functions.
///
/// The kernel's `char` is unsigned since 6.18-ish while `core::ffi::c_char`
/// is signed on x86, so the kernel's own helper is used where it exists.
#[inline]
pub fn char_ptr(s: &core::ffi::CStr) -> *const kernel::ffi::c_char {
    #[cfg(kfiles_legacy_api)]
    {
        s.as_ptr().cast()
    }
    #[cfg(not(kfiles_legacy_api))]
    {
        use kernel::str::CStrExt;
        s.as_char_ptr()
    }
}
