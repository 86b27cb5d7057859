// SPDX-License-Identifier: GPL-2.0

//! Directories, and debugfs as a file system of the file core.

use core::ffi::{c_void, CStr};
use kernel::{
    bindings,
    error::{
        code::{EINVAL, ENOENT, EPERM},
        Result,
    },
    sync::Arc,
};
use kfiles_ffi as ffi;
use kfiles_file::{Kind, Table, Token};

/// debugfs, for the file core (`kfiles_file`): entries are dentries, an
/// inode's data pointer is its `i_private`, and an entry holds its parent
/// directory. Creation errors are not returned, as in C: a file that could
/// not be created is a `File` whose entry does not exist.
pub struct Debugfs;

/// A debugfs entry this crate created; directories are held as
/// `Arc<Entry>`.
pub(crate) type Entry = kfiles_file::Entry<Debugfs>;

// SAFETY: `place` passes on the directory only for a name that is one plain
// path component (else `create_file` creates nothing) and does not sleep.
// `create_file` creates nothing for a directory that does not exist and
// otherwise returns what `debugfs_create_file()` does for the arguments given
// (NULL or an `ERR_PTR()` when creation failed), inside the parent the place
// keeps alive, with `data` as `i_private` and a mode of permission bits, a
// regular file's. `table` fills each field of `file_operations` from the
// operation of its name, leaving out `read_iter` (debugfs calls `read`).
// `Children` is `()`. `debugfs_remove()` accepts NULL and `ERR_PTR()`s,
// removes recursively, waits for operations in progress (through debugfs's
// proxy) and fails later ones with `EIO`; only `release` still runs after
// it, and the tables' `release`s do not use the data. `i_private` is the
// data pointer of a debugfs file.
unsafe impl kfiles_file::FileSystem for Debugfs {
    type Node = bindings::dentry;
    type Ops = bindings::file_operations;
    type Place = Option<Arc<Entry>>;
    type Children = ();

    fn new_children(_: Token) {}

    fn place(_: Token, dir: Option<&Arc<Entry>>, name: &CStr, _mode: u16) -> Result<Self::Place> {
        // A name that is not one plain component creates nothing, as any
        // other failure to create a debugfs entry does.
        Ok(dir
            .filter(|_| kfiles_core::name::check(name.to_bytes(), false).is_ok())
            .cloned())
    }

    fn table<T, K: Kind<T, Self>>(_: Token) -> &'static Table<T, Self> {
        &const { crate::file::table(K::OPERATIONS) }
    }

    fn subdir(
        _: Token,
        dir: &kfiles_file::Dir<Self>,
        name: &CStr,
        _mode: u16,
    ) -> Result<kfiles_file::Dir<Self>> {
        Ok(make_subdir(dir, name))
    }

    unsafe fn create_file(
        place: &Self::Place,
        name: &CStr,
        mode: u16,
        data: *mut c_void,
        ops: &'static Self::Ops,
    ) -> Result<*mut Self::Node> {
        let Some(parent) = place else {
            return Ok(core::ptr::null_mut());
        };
        // SAFETY: `name` is a C string and one path component (`place`
        // checked it), the mode permission bits only (masked here too, as
        // `debugfs_create_file()` `BUG()`s on file-type bits); the parent
        // dentry is alive while `parent` is; `data` and `ops` as the caller
        // guarantees.
        Ok(unsafe {
            ffi::kfiles_debugfs_create_file(
                kfiles_compat::char_ptr(name),
                mode & 0o777,
                parent.node(),
                data,
                ops,
            )
        })
    }

    unsafe fn remove(node: *mut Self::Node) {
        // SAFETY: By the function's safety requirements.
        unsafe { ffi::kfiles_debugfs_remove(node) }
    }

    #[inline]
    unsafe fn data_of(inode: *mut bindings::inode) -> *mut c_void {
        // SAFETY: `inode` is a live inode (function requirements).
        unsafe { (*inode).i_private }
    }

    // debugfs calls `release` of files still open after their entry was
    // removed (its proxy forwards it unconditionally).
    const DATA_ALIVE_IN_RELEASE: bool = false;
}

/// Makes the directory `name` in `parent` (see [`Dir::subdir`]): nothing if
/// `parent` does not exist, the name is not one plain component, or
/// sleeping is not allowed.
fn make_subdir(parent: &kfiles_file::Dir<Debugfs>, name: &CStr) -> kfiles_file::Dir<Debugfs> {
    let Some(parent) = parent.entry() else {
        return kfiles_file::Dir::new(None);
    };
    if kfiles_core::name::check(name.to_bytes(), false).is_err() || !ffi::may_sleep() {
        return kfiles_file::Dir::new(None);
    }
    let name = kfiles_compat::char_ptr(name);
    // SAFETY: `name` is a valid C string and the parent dentry is alive
    // while `parent` is.
    let dentry = unsafe { ffi::kfiles_debugfs_create_dir(name, parent.node()) };
    // SAFETY: The dentry was just created inside `parent` and is ours.
    let entry = unsafe { Entry::wrap(dentry, Some(parent.clone())) }.ok();
    kfiles_file::Dir::new(entry)
}

kfiles_file::dir_type! {
    /// A debugfs directory.
    ///
    /// The directory and everything in it is removed when the last of its owners
    /// is dropped: this handle, a clone of it, or a [`File`](crate::File) or
    /// subdirectory created in it (each keeps its parent alive).
    ///
    /// If the directory could not be created (see the crate documentation), the
    /// handle is still valid and everything created in it is a no-op.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = debugfs_rs::Dir::new(c"my-driver");
    /// let queues = dir.subdir(c"queues");
    /// # assert!(doctest::exists(c"/sys/kernel/debug/my-driver/queues"));
    /// drop(dir); // /sys/kernel/debug/my-driver stays while `queues` does
    /// # assert!(doctest::exists(c"/sys/kernel/debug/my-driver/queues"));
    /// # drop(queues);
    /// # assert!(!doctest::exists(c"/sys/kernel/debug/my-driver"));
    /// ```
    pub struct Dir(Debugfs);
}

impl Dir {
    /// Creates the directory `name` in the debugfs root. A name that is not
    /// one plain path component (empty, `.`, `..`, containing `/`, longer
    /// than 255 bytes), or a call where sleeping is not allowed, creates
    /// nothing, as any other failure to create a debugfs entry does.
    pub fn new(name: &CStr) -> Self {
        if kfiles_core::name::check(name.to_bytes(), false).is_err() || !ffi::may_sleep() {
            return Dir(kfiles_file::Dir::new(None));
        }
        let name = kfiles_compat::char_ptr(name);
        // SAFETY: `name` is a valid C string; a NULL parent means the root.
        let dentry = unsafe { ffi::kfiles_debugfs_create_dir(name, core::ptr::null_mut()) };
        // SAFETY: The dentry was just created in the root and is ours.
        let entry = unsafe { Entry::wrap(dentry, None) }.ok();
        Dir(kfiles_file::Dir::new(entry))
    }

    /// Creates the directory `name` inside this one (names as for
    /// [`Dir::new`]).
    pub fn subdir(&self, name: &CStr) -> Self {
        Dir(make_subdir(self, name))
    }

    /// Creates a symbolic link `name` in this directory pointing at
    /// `target` (`debugfs_create_symlink()`, which copies the target; a
    /// relative target is relative to this directory). The link is removed
    /// when the returned [`Symlink`] is dropped. Names as for [`Dir::new`];
    /// as for files, nothing is created in a directory that does not exist
    /// or where sleeping is not allowed, nor for a target of `PATH_MAX`
    /// (4096) bytes or more, which no path lookup would follow.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// let count = KBox::pin_init(dir.read_only_file(c"count", 0o444, 7u32), GFP_KERNEL)?;
    /// let latest = dir.symlink(c"latest", c"count");
    /// # assert!(latest.exists());
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/latest")?, b"7\n");
    /// # drop(latest);
    /// # assert!(!doctest::exists(c"/sys/kernel/debug/kfiles-doctest/latest"));
    /// # assert!(!dir.symlink(c"a/b", c"count").exists());
    /// ```
    #[must_use = "the link is removed when the `Symlink` is dropped"]
    pub fn symlink(&self, name: &CStr, target: &CStr) -> Symlink {
        let entry = self.entry().and_then(|parent| {
            if kfiles_core::name::check(name.to_bytes(), false).is_err()
                || target.to_bytes().len() >= kfiles_core::name::PATH_MAX
                || !ffi::may_sleep()
            {
                return None;
            }
            // SAFETY: `name` and `target` are valid C strings (debugfs
            // copies both) and the parent dentry is alive while `parent` is.
            let dentry = unsafe {
                ffi::kfiles_debugfs_create_symlink(
                    kfiles_compat::char_ptr(name),
                    parent.node(),
                    kfiles_compat::char_ptr(target),
                )
            };
            // SAFETY: The dentry was just created inside `parent` and is
            // ours; it is a symbolic link, and the `Arc` only goes into the
            // `Symlink`, never to `kfiles_file::Dir::new`.
            unsafe { Entry::wrap(dentry, Some(parent.clone())) }.ok()
        });
        Symlink { entry }
    }

    /// Whether the directory exists in debugfs (it may not; see the crate
    /// documentation). For diagnostics only: a driver works the same either way.
    pub fn exists(&self) -> bool {
        self.entry().is_some()
    }

    /// The directory's dentry, for C APIs that create entries in it (relay-rs
    /// passes it to `relay_open()`), or `None` if the directory does not
    /// exist.
    ///
    /// # Safety
    ///
    /// The caller must not use the pointer after the last clone of `self`
    /// (and every file and subdirectory created in it, which keep it alive)
    /// is dropped, must not remove the directory or take its reference, and
    /// must remove every entry it creates in it before that last drop.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = debugfs_rs::Dir::new(c"my-driver");
    /// // SAFETY: The pointer is only compared with NULL.
    /// assert_eq!(unsafe { dir.dentry() }.is_some(), dir.exists());
    /// ```
    pub unsafe fn dentry(&self) -> Option<*mut bindings::dentry> {
        self.entry().map(|entry| entry.node())
    }
}

/// Renaming a debugfs entry in its directory (`debugfs_change_name()`;
/// `debugfs_rename()` on 6.12): for [`Dir`], [`File`](crate::File) and
/// [`Symlink`].
///
/// The handle stays the same entry; only its name changes. Renaming from
/// inside a callback of a file in the same directory while another task
/// removes one of that directory's files deadlocks, as creating entries
/// there does (docs/soundness.md, "Known limits").
///
/// # Examples
///
/// ```
/// use debugfs_rs::Rename;
///
/// # let dir = doctest::debugfs_dir();
/// let status = KBox::pin_init(dir.read_only_file(c"status", 0o444, 1u32), GFP_KERNEL)?;
/// status.rename(c"status.old")?;
/// # assert!(doctest::exists(c"/sys/kernel/debug/kfiles-doctest/status.old"));
/// # assert!(!doctest::exists(c"/sys/kernel/debug/kfiles-doctest/status"));
/// let fresh = KBox::pin_init(dir.read_only_file(c"status", 0o444, 2u32), GFP_KERNEL)?;
/// assert_eq!(fresh.rename(c"status.old"), Err(EEXIST));
/// assert_eq!(status.rename(c"../status"), Err(EINVAL));
/// ```
pub trait Rename {
    /// Renames the entry to `name` in its directory. Fails with `EINVAL`
    /// for a name that is not one plain path component, `EPERM` where
    /// sleeping is not allowed, `ENOENT` for an entry that was not created
    /// (see the crate documentation), `EEXIST` if the directory holds `name`
    /// already (the entry's own name is fine), and as debugfs fails.
    fn rename(&self, name: &CStr) -> Result;
}

/// Renames `node`, an entry this crate created, alive while this runs.
fn rename_node(node: *mut bindings::dentry, name: &CStr) -> Result {
    kfiles_core::name::check(name.to_bytes(), false).map_err(|_| EINVAL)?;
    if !ffi::may_sleep() {
        return Err(EPERM);
    }
    if ffi::is_err_or_null(node) {
        return Err(ENOENT);
    }
    // SAFETY: `node` is a live dentry of debugfs that this crate created and
    // has not removed (the caller's handle keeps it); `name` is a C string,
    // one path component; this context may sleep.
    kernel::error::to_result(unsafe {
        ffi::kfiles_debugfs_rename(node, kfiles_compat::char_ptr(name))
    })
}

impl Rename for Dir {
    fn rename(&self, name: &CStr) -> Result {
        // The entry stays alive while `self` holds it.
        rename_node(
            self.entry().map_or(core::ptr::null_mut(), |e| e.node()),
            name,
        )
    }
}

impl<T> Rename for crate::File<T> {
    fn rename(&self, name: &CStr) -> Result {
        // Removed only when `self` is dropped.
        rename_node(self.node(), name)
    }
}

impl Rename for Symlink {
    fn rename(&self, name: &CStr) -> Result {
        // The entry stays alive while `self` holds it.
        rename_node(
            self.entry
                .as_ref()
                .map_or(core::ptr::null_mut(), |e| e.node()),
            name,
        )
    }
}

/// Sets the size `stat()` shows for a debugfs file, as
/// `debugfs_create_file_size()` does at creation (debugfs files show 0
/// otherwise). It does not limit reads, but it is where `lseek(SEEK_END)`
/// lands on files that seek anywhere (the default `Seek`, through
/// `default_llseek()`, as C's do).
///
/// # Examples
///
/// ```
/// use debugfs_rs::Stat;
///
/// # let dir = doctest::debugfs_dir();
/// let image = KBox::pin_init(dir.read_only_file(c"image", 0o444, 0u8), GFP_KERNEL)?;
/// image.set_size(1 << 20)?;
/// # assert_eq!(doctest::stat(c"/sys/kernel/debug/kfiles-doctest/image")?.0, 1 << 20);
/// assert_eq!(image.set_size(u64::MAX), Err(EINVAL));
/// ```
pub trait Stat {
    /// Sets the file's size (its inode's, under the inode lock). Fails with
    /// `EINVAL` above `i64::MAX`, `EPERM` where sleeping is not allowed and
    /// `ENOENT` for a file that was not created (see the crate
    /// documentation).
    fn set_size(&self, size: u64) -> Result;
}

impl<T> Stat for crate::File<T> {
    fn set_size(&self, size: u64) -> Result {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        // Removed only when `self` is dropped.
        let node = self.node();
        if ffi::is_err_or_null(node) {
            return Err(ENOENT);
        }
        // SAFETY: `node` is a live debugfs dentry this crate created and has
        // not removed (`self` keeps it), so it has an inode; this context
        // may sleep.
        kernel::error::to_result(unsafe { ffi::kfiles_debugfs_set_size(node, size) })
    }
}

/// A symbolic link in debugfs, removed when dropped (see [`Dir::symlink`]).
#[must_use = "the link is removed when the `Symlink` is dropped"]
pub struct Symlink {
    entry: Option<Arc<Entry>>,
}

impl Symlink {
    /// Whether the link exists (see [`Dir::exists`]).
    pub fn exists(&self) -> bool {
        self.entry.is_some()
    }
}
