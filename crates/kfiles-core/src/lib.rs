// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic shared by the kfiles crates.
//!
//! Everything here is plain `no_std` Rust with no dependency on the kernel, so
//! the very same source is compiled into kernel modules by Kbuild and tested on
//! the host by `cargo test`:
//!
//! - [`parse`]: the input rules of the kernel's `kstrto*()` family
//!   (`lib/kstrtox.c`), with the range of the destination type checked;
//! - [`buffer`]: offset arithmetic of buffer-backed files (reads at any
//!   offset and size, bounded replace/append writes);
//! - [`name`]: what debugfs and procfs accept as an entry name;
//! - `probe`: self-checking records for tests that prove a channel loses,
//!   duplicates and corrupts nothing;
//! - `relay`: the relay sub-buffer header, channel geometry checks and a
//!   decoder for the stream `read()` returns (used by relay-rs and relay-read;
//!   in a kernel module, these two only with relay-rs);
//! - [`text`]: allocation-free formatting of numbers in the formats that the
//!   kernel's debugfs attribute files use (`"%llu\n"`, `"0x%08llx\n"`, ...).

// The kernel build already passes `-Zcrate-attr=no_std` to module code.
#![cfg_attr(not(MODULE), no_std)]

#[cfg(test)]
extern crate std;

pub mod buffer;
pub mod mode;
pub mod name;
pub mod parse;
// In a kernel module only with relay-rs (kbuild/kfiles.mk passes
// `--cfg kfiles_relay`): Kbuild links a crate's object whole, and a module
// without relay has no use for the channel format's code.
#[cfg(any(not(MODULE), kfiles_relay))]
pub mod probe;
#[cfg(any(not(MODULE), kfiles_relay))]
pub mod relay;
pub mod text;
