// SPDX-License-Identifier: GPL-2.0

//! What `stat()` shows of an entry: `proc_set_size()` and `proc_set_user()`.

use kernel::error::{
    code::{ENOENT, EPERM},
    Result,
};
use kfiles_ffi as ffi;

/// Sets the size and owner that `stat()` shows for an entry this crate made
/// (`proc_set_size()`, `proc_set_user()`).
///
/// procfs keeps both in the entry and copies them into each inode it makes
/// for it, so, as in C, they apply to lookups from now on: set them right
/// after creating the entry, before user space looks it up. An inode procfs
/// already holds (a path looked up before, still cached) keeps what it had.
///
/// The owner is who the permission bits' owner bits apply to, and, as for
/// any file, may `chmod` the entry and `chgrp` it to their own groups;
/// procfs writes such changes back into the entry, for every later lookup.
/// Giving an entry to a user is therefore a delegation, which a later
/// `set_owner` does not reliably take back once the entry was looked up.
///
/// # Examples
///
/// ```
/// use procfs_rs::Stat;
///
/// # let dir = doctest::proc_dir()?;
/// let table = KBox::pin_init(dir.read_only_file(c"table", 0o440, 7u32), GFP_KERNEL)?;
/// table.set_size(4096)?;
/// table.set_owner(0, 4)?; // group adm may read it
/// # assert_eq!(doctest::stat(c"/proc/kfiles-doctest/table")?, (4096, 0, 4));
/// assert_eq!(table.set_size(u64::MAX), Err(EINVAL));
/// ```
pub trait Stat {
    /// Sets the size `stat()` shows (`proc_set_size()`; procfs files show 0
    /// otherwise). It does not limit reads, but `lseek(SEEK_END)` lands there on
    /// files that seek anywhere (the default `Seek`). Fails with `EINVAL` above
    /// `i64::MAX`, `EPERM` where sleeping is not allowed or for `/proc`
    /// itself, and `ENOENT` for an entry that was not created.
    fn set_size(&self, size: u64) -> Result;

    /// Sets the owner `stat()` shows and permission checks use
    /// (`proc_set_user()`; root otherwise), as user and group ids of the
    /// initial user namespace. Fails with `EINVAL` for an id that has no
    /// mapping there (`u32::MAX`), and as [`set_size`](Self::set_size).
    fn set_owner(&self, uid: u32, gid: u32) -> Result;
}

/// The entry `node` if this crate made it and it is alive while the caller's
/// handle is, or why its attributes may not be set.
fn own_node(node: Option<*mut ffi::proc_dir_entry>) -> Result<*mut ffi::proc_dir_entry> {
    if !ffi::may_sleep() {
        return Err(EPERM);
    }
    match node {
        // `/proc` itself, or a directory someone else made.
        None => Err(EPERM),
        Some(node) if ffi::is_err_or_null(node) => Err(ENOENT),
        Some(node) => Ok(node),
    }
}

fn set_size(node: Option<*mut ffi::proc_dir_entry>, size: u64) -> Result {
    let node = own_node(node)?;
    // SAFETY: `node` is a live entry this crate made and has not removed (the
    // caller's handle keeps it); this context may sleep.
    kernel::error::to_result(unsafe { ffi::kfiles_proc_set_size(node, size) })
}

fn set_owner(node: Option<*mut ffi::proc_dir_entry>, uid: u32, gid: u32) -> Result {
    let node = own_node(node)?;
    // SAFETY: `node` is a live entry this crate made and has not removed (the
    // caller's handle keeps it); this context may sleep.
    kernel::error::to_result(unsafe { ffi::kfiles_proc_set_owner(node, uid, gid) })
}

impl<T> Stat for crate::File<T> {
    fn set_size(&self, size: u64) -> Result {
        // The entry is removed only when `self` is dropped.
        set_size(Some(self.node()), size)
    }

    fn set_owner(&self, uid: u32, gid: u32) -> Result {
        set_owner(Some(self.node()), uid, gid)
    }
}

/// A directory's entry, if this crate made it (not `/proc`, nor a namespace's
/// `/proc/net`); alive while the `Dir` is.
fn dir_node(dir: &crate::Dir) -> Option<*mut ffi::proc_dir_entry> {
    dir.entry().filter(|e| !e.is_borrowed()).map(|e| e.node())
}

impl Stat for crate::Dir {
    fn set_size(&self, size: u64) -> Result {
        set_size(dir_node(self), size)
    }

    fn set_owner(&self, uid: u32, gid: u32) -> Result {
        set_owner(dir_node(self), uid, gid)
    }
}
