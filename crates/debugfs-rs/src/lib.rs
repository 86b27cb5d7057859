// SPDX-License-Identifier: GPL-2.0

//! debugfs support: typed files and directories under `/sys/kernel/debug`.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h)
//!
//! - [`Dir`]: a directory, removed with everything in it when its last owner
//!   is dropped (its handle, or a file or subdirectory created in it).
//! - [`File<T>`]: a file showing the value `T` it owns. Its content is
//!   produced by `T`'s [`Show`] implementation and parsed by its [`Store`]
//!   implementation. Scalars come ready made (from seqfile-rs and kfiles-attr): the atomics of
//!   `core::sync::atomic` in the kernel's decimal formats, [`Hex`] for the
//!   `x8`..`x64` formats, [`Bounded`] for range-checked integers, and
//!   closures for anything else ([`Dir::read_callback_file`](kfiles_file::Dir::read_callback_file),
//!   [`Dir::read_write_callback_file`](kfiles_file::Dir::read_write_callback_file)).
//!
//! # Lifetimes
//!
//! A `File<T>` owns its value, on the heap, so the value's address, which
//! the C side keeps, never changes; dropping the `File` removes the debugfs
//! entry before the value is dropped (from inside one of the file's own
//! callbacks, right after that callback returns: see `File`). `debugfs_remove()` waits for callbacks
//! in progress and makes later ones on still-open files fail with `EIO`, so
//! no callback can see a freed value. The files' owner is the module they are
//! linked into, so the module cannot be unloaded while one of its files is
//! open (`rmmod` fails with `EAGAIN` until the file is closed).
//!
//! # Errors are not returned
//!
//! As in C, creating a debugfs entry does not fail from the caller's point
//! of view: debugfs is a debugging aid, and a driver must work the same
//! without it. (A `File`'s initializer fails only when the value's own
//! allocation does, `ENOMEM`, or where sleeping is not allowed, `EPERM`:
//! interrupt context, inside `process_list`'s walk, a held spinlock where
//! the kernel counts them.) If an entry cannot be created (no memory, a name already taken,
//! debugfs not compiled in or disabled with `debugfs=off`), the `Dir` or
//! `File` is still returned and works as a value, but shows nothing; entries
//! created inside a missing directory are missing too. Without
//! `CONFIG_DEBUG_FS` the C functions are stubs and this crate compiles to the
//! same no-ops.
//!
//! # Input rules
//!
//! Writes to the ready-made scalar files follow the kernel's `kstrto*()`
//! rules (decimal, `0x` hex or `0` octal; one optional trailing newline; a
//! NUL ends the input, as it ends a C string),
//! with two deliberate differences from C's `debugfs_create_u8()` and
//! friends, which silently truncate: a value outside the type's range fails
//! with `ERANGE`, and an input longer than [`Store::MAX_INPUT`] fails with
//! `EINVAL`. A write must start at offset 0 (one `write()` is one value); a
//! write at another offset fails with `EINVAL`. A failed write leaves the
//! value unchanged.
//!
//! # Examples
//!
//! ```
//! use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
//! use debugfs_rs::{Dir, File};
//! use kernel::prelude::*;
//!
//! #[pin_data]
//! struct Stats {
//!     #[pin]
//!     packets: File<AtomicU32>,
//!     #[pin]
//!     verbose: File<AtomicBool>,
//!     _dir: Dir,
//! }
//!
//! fn stats() -> impl PinInit<Stats, Error> {
//!     let dir = Dir::new(c"my-driver");
//!     try_pin_init!(Stats {
//!         packets <- dir.read_write_file(c"packets", 0o644, AtomicU32::new(0)),
//!         verbose <- dir.read_write_file(c"verbose", 0o644, AtomicBool::new(false)),
//!         _dir: dir,
//!     })
//! }
//!
//! let stats = KBox::pin_init(stats(), GFP_KERNEL)?;
//! stats.packets.fetch_add(1, Ordering::Relaxed);
//! // cat /sys/kernel/debug/my-driver/packets -> 1
//! # assert_eq!(&*doctest::read(c"/sys/kernel/debug/my-driver/packets")?, b"1\n");
//! # assert_eq!(doctest::write(c"/sys/kernel/debug/my-driver/verbose", b"Y\n")?, 2);
//! # assert!(stats.verbose.load(Ordering::Relaxed));
//! ```

mod entry;
mod file;

pub use entry::{Debugfs, Dir, Rename, Stat, Symlink};
pub use file::File;

/// Whether debugfs is registered and files can be created in it
/// (`debugfs_initialized()`): false before debugfs's own initialisation (for
/// code that runs that early) and on kernels without `CONFIG_DEBUG_FS`.
///
/// # Examples
///
/// ```
/// if !debugfs_rs::initialized() {
///     pr_info!("no debugfs: the driver's debug files are not made\n");
/// }
/// # assert!(debugfs_rs::initialized());
/// ```
pub fn initialized() -> bool {
    // SAFETY: `debugfs_initialized()` only reads a flag.
    unsafe { kfiles_ffi::kfiles_debugfs_initialized() }
}

/// A driver's state and the files that borrow parts of it, removed before it
/// (see [`kfiles_file::Scope`]).
pub type Scope<T> = kfiles_file::Scope<T, entry::Debugfs>;
/// Where a [`Scope`]'s files are created (see [`kfiles_file::ScopedDir`]).
pub type ScopedDir<'data, 'scope> = kfiles_file::ScopedDir<'data, 'scope, entry::Debugfs>;
pub use kfiles_file::exports::*;
