// SPDX-License-Identifier: GPL-2.0

//! Build script of the kernel crates (debugfs-rs, ...) for Cargo.
//!
//! These crates link against the `kernel` crate of a prepared kernel tree and
//! are built by Kbuild (kbuild/kfiles.mk), never by Cargo. Cargo knows them
//! only so that Cargo.lock pins the registry crates they use; when a command
//! such as `cargo test --workspace` asks Cargo to compile one, say so in one
//! line instead of a page of unresolved `kernel::` paths.

fn main() {
    println!(
        "cargo::error=a kernel crate, built by Kbuild only: `cargo test` runs the host tests, \
         `ci/test.sh` runs everything (kernels included)"
    );
}
