// SPDX-License-Identifier: GPL-2.0

//! Files: `File<T>` and the `file_operations` behind them.

use crate::entry::Debugfs;
use kernel::bindings;
use kfiles_ffi as ffi;
use kfiles_file::callbacks::Operations;

/// A debugfs file showing (and possibly updating) a value of type `T`.
///
/// The file owns the value; [`Deref`](core::ops::Deref) gives the driver
/// access to it. The debugfs entry is removed when the `File` is dropped,
/// before the value is, and the file keeps its directory alive. A `File` is
/// created pinned, with [`read_only_file`](kfiles_file::Dir::read_only_file)
/// and its siblings on a [`Dir`](crate::Dir), typically as a `#[pin]` field
/// of a driver's state.
///
/// Dropping a `File` waits for its callbacks in progress, except when it is
/// dropped from inside one of them (a `remove` file whose `set_from` drops the
/// file itself) or where sleeping is not allowed: then the removal, and the
/// drop of the value, happen as soon as possible on a kernel worker; module
/// unload waits for them. (The file core, `kfiles_file::File`, is shared
/// with procfs-rs.)
pub type File<T> = kfiles_file::File<T, Debugfs>;

/// A `file_operations` table for debugfs files over a `T`.
type Table<T> = kfiles_file::Table<T, Debugfs>;

/// The `file_operations` of a debugfs file over a `T` with the operations
/// `ops`.
pub(crate) const fn table<T>(ops: Operations<T, Debugfs>) -> Table<T> {
    // SAFETY: Each operation of `ops` is sound when debugfs calls it on an
    // entry whose data pointer points at a live `Served<T>` that is only
    // shared until `debugfs_remove()` returns, runs driver code in a frame,
    // and `release` does not use the value (type invariants of
    // `Operations`; `DATA_ALIVE_IN_RELEASE` is false, so a per-open state's
    // `drop` runs outside any frame, which is safe because debugfs's removal
    // does not wait for releases: `full_proxy_release()` holds no active
    // user); each goes into the field of its name, and debugfs calls `read`,
    // so `read_iter` is left out.
    unsafe {
        Table::new(bindings::file_operations {
            owner: ffi::this_module(),
            open: ops.open(),
            read: ops.read(),
            write: ops.write(),
            llseek: ops.llseek(),
            release: ops.release(),
            poll: ops.poll(),
            ..EMPTY_FOPS
        })
    }
}

/// A table with no operations, to fill the others from.
// SAFETY: `file_operations` holds function pointers, flags and an owner
// pointer only; all-zero is a valid value of each (NULL means "not
// supported", no flags, no owner).
const EMPTY_FOPS: bindings::file_operations = unsafe { core::mem::zeroed() };
