// SPDX-License-Identifier: GPL-2.0

//! Files: `File<T>` and the `proc_ops` behind them.

use crate::entry::Procfs;
use kfiles_ffi as ffi;
use kfiles_file::callbacks::Operations;

/// A proc file showing (and possibly updating) a value of type `T`.
///
/// The file owns the value; [`Deref`](core::ops::Deref) gives the driver
/// access to it. The entry is removed when the `File` is dropped, before the
/// value is, and the file keeps its directory alive. Created pinned by
/// [`read_only_file`](kfiles_file::Dir::read_only_file) and its siblings on a
/// [`Dir`](crate::Dir), typically as a `#[pin]` field of a driver's state.
///
/// Dropping a `File` waits for its operations in progress, except when it is
/// dropped from inside one of them (a `remove` file whose `set_from` drops the
/// file itself) or where sleeping is not allowed: then the removal, and the
/// drop of the value, happen as soon as possible on a kernel worker; module
/// unload waits for them. (The file core, `kfiles_file::File`, is shared
/// with debugfs-rs.)
pub type File<T> = kfiles_file::File<T, Procfs>;

/// A `proc_ops` table for proc files over a `T`.
type Table<T> = kfiles_file::Table<T, Procfs>;

/// A table with no operations, to fill the others from.
// SAFETY: `proc_ops` holds function pointers and flags only; all-zero is a
// valid value of each (NULL means "not supported", no flags).
const EMPTY_PROC_OPS: ffi::proc_ops = unsafe { core::mem::zeroed() };

/// The `proc_ops` of a proc file over a `T` with the operations `ops`.
pub(crate) const fn table<T>(ops: Operations<T, Procfs>) -> Table<T> {
    // procfs ignores `proc_read` when there is a `proc_read_iter`.
    let read = match ops.read_iter() {
        Some(_) => None,
        None => ops.read(),
    };
    // SAFETY: Each operation of `ops` is sound when procfs calls it on an
    // entry whose data pointer points at a live `Served<T>` that is only
    // shared until `proc_remove()` returns, runs driver code in a frame, and
    // `release` uses the value only to enter a frame, which
    // `DATA_ALIVE_IN_RELEASE` allows: `proc_remove()` runs the releases of
    // the files still open (`proc_entry_rundown()`, `close_pdeo()`) and
    // waits for those in progress before it returns (type invariants of
    // `Operations`);
    // each goes into the field of its name (`proc_read` is `read`).
    unsafe {
        Table::new(ffi::proc_ops {
            proc_open: ops.open(),
            proc_read: read,
            proc_read_iter: ops.read_iter(),
            proc_write: ops.write(),
            proc_lseek: ops.llseek(),
            proc_release: ops.release(),
            proc_poll: ops.poll(),
            ..EMPTY_PROC_OPS
        })
    }
}
