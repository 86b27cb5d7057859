// SPDX-License-Identifier: GPL-2.0

//! procfs support: directories, files, seq_files and symlinks under `/proc`.
//!
//! C header: [`include/linux/proc_fs.h`](srctree/include/linux/proc_fs.h)
//!
//! - [`Dir`]: a directory (`proc_mkdir_mode()`), removed with everything
//!   in it when its last owner is dropped; [`Dir::root`] is `/proc`.
//! - [`File<T>`]: an entry that owns the value it shows, created as
//!   - a single-show file ([`Dir::read_only_file`](kfiles_file::Dir::read_only_file),
//!     [`Dir::read_write_file`](kfiles_file::Dir::read_write_file), and
//!     [`Dir::write_only_file`](kfiles_file::Dir::write_only_file)) for
//!     values implementing [`Show`] (and
//!     [`Store`]): the same values as debugfs-rs (atomics, [`Hex`],
//!     [`Bounded`], closures, driver types);
//!   - a seq_file ([`Dir::seq_file`](kfiles_file::Dir::seq_file)) for values implementing
//!     [`SeqIterator`]: output of any size, read correctly at any offset;
//!   - a file with typed read and write handlers ([`Dir::ops_file`](kfiles_file::Dir::ops_file)) for
//!     values implementing [`FileOps`]; [`Buffer`] is a ready-made one.
//! - [`Symlink`], made by `proc_symlink()`.
//! - [`MountPoint`], an empty directory to mount a file system on
//!   (`proc_create_mount_point()`).
//! - [`NetFiles`]: files in `/proc/net` of every network namespace, each
//!   over its own state, made and removed with the namespace.
//! - [`Stat`]: the size and owner `stat()` shows for a file or directory.
//!
//! # Lifetimes
//!
//! A `File<T>` is pinned and owns its value; dropping it removes the entry
//! (`proc_remove()`) before the value is dropped. procfs waits for
//! operations in progress, runs the release of every file still open, and
//! fails later operations on those descriptors with `EIO`. So a module may be
//! unloaded while user space holds its files open (unlike debugfs, procfs
//! does not pin the module), and no callback ever sees a freed value.
//!
//! # Errors
//!
//! Unlike debugfs, procfs creation errors are reported: the C functions
//! return NULL without a reason, which is reported as `ENOMEM` (a name that
//! already exists is the other common cause).
//!
//! # Examples
//!
//! ```
//! use core::sync::atomic::AtomicI32;
//! use procfs_rs::{File, Dir};
//!
//! #[pin_data]
//! struct Entries {
//!     #[pin]
//!     level: File<AtomicI32>,
//!     dir: Dir,
//! }
//!
//! fn entries() -> Result<Pin<KBox<Entries>>> {
//!     let dir = Dir::root().subdir(c"mydrv", 0o555)?;
//!     KBox::pin_init(
//!         try_pin_init!(Entries {
//!             level <- dir.read_write_file(c"level", 0o644, AtomicI32::new(0)),
//!             dir: dir,
//!         }),
//!         GFP_KERNEL,
//!     )
//! }
//!
//! let entries = entries()?;
//! // echo -5 > /proc/mydrv/level
//! # assert_eq!(doctest::write(c"/proc/mydrv/level", b"-5\n")?, 3);
//! # assert_eq!(&*doctest::read(c"/proc/mydrv/level")?, b"-5\n");
//! # assert_eq!(entries.level.load(core::sync::atomic::Ordering::Relaxed), -5);
//! ```

mod buffer;
mod entry;
mod file;
mod net;
mod stat;

pub use buffer::Buffer;
pub use entry::{Dir, MountPoint, Procfs, Symlink};
pub use file::File;
pub use net::{Net, NetFiles};
pub use stat::Stat;

/// A driver's state and the files that borrow parts of it, removed before it
/// (see [`kfiles_file::Scope`]).
pub type Scope<T> = kfiles_file::Scope<T, entry::Procfs>;
/// Where a [`Scope`]'s files are created (see [`kfiles_file::ScopedDir`]).
pub type ScopedDir<'data, 'scope> = kfiles_file::ScopedDir<'data, 'scope, entry::Procfs>;
pub use kfiles_file::exports::*;
