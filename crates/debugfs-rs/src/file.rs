// SPDX-License-Identifier: GPL-2.0

//! Files: `File<T>` and the `file_operations` behind them.

use crate::{entry::Entry, Dir};
use core::{ffi::CStr, marker::PhantomData, marker::PhantomPinned, ops::Deref};
use kernel::{bindings, error::Error, prelude::*, sync::Arc};
use kfiles_attr::Store;
use kfiles_ffi as ffi;
use seqfile_rs::Show;

/// A debugfs file showing (and possibly updating) a value of type `T`.
///
/// The file owns the value; [`Deref`] gives the driver access to it. The
/// debugfs entry is removed when the `File` is dropped, before the value is,
/// and the file keeps its directory alive. A `File` is created pinned, with
/// [`Dir::read_only_file`] and its siblings, typically as a `#[pin]` field of
/// a driver's state.
///
/// # Invariants
///
/// `dentry` is NULL, an `ERR_PTR()`, or a live debugfs file created by this
/// crate whose inode's `i_private` points at `data`, inside the directory of
/// `_parent`.
#[pin_data(PinnedDrop)]
pub struct File<T> {
    dentry: *mut bindings::dentry,
    _parent: Option<Arc<Entry>>,
    data: T,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The dentry pointer is only used to remove the entry, which may be done
// from any thread; `T: Send` covers the value.
unsafe impl<T: Send> Send for File<T> {}
// SAFETY: `&File<T>` only gives `&T`; the C side also only uses `&T`, from any
// thread, which `T: Sync` allows.
unsafe impl<T: Sync> Sync for File<T> {}

#[pinned_drop]
impl<T> PinnedDrop for File<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariants `dentry` is NULL, an error (both
        // ignored by debugfs_remove()), or our live file. debugfs_remove()
        // waits for callbacks in progress and fails later ones, so `data`,
        // dropped after this, is no longer reachable from C.
        unsafe { ffi::kfiles_debugfs_remove(self.dentry) };
    }
}

impl<T> Deref for File<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T> File<T> {
    /// Whether the file exists in debugfs (it may not; see the crate
    /// documentation). For diagnostics only.
    pub fn exists(&self) -> bool {
        !ffi::is_err_or_null(self.dentry)
    }
}

/// Permission bits that allow writing, for anyone.
const WRITE_BITS: u16 = 0o222;
/// Permission bits that allow reading, for anyone.
const READ_BITS: u16 = 0o444;

impl Dir {
    /// Creates a file `name` in this directory whose content is `data`
    /// shown by [`Show`]. Write permission bits are removed from `mode`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let version = dir.read_only_file(c"version", 0o444, 3u32);
    /// ```
    pub fn read_only_file<'a, T: Show + Send + Sync + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode & !WRITE_BITS, data, &Ops::<T>::READ_ONLY)
    }

    /// Creates a file `name` in this directory whose content is `data`,
    /// shown by [`Show`] and set by [`Store`] (the mode decides who may do
    /// which, as for any file).
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let level = dir.read_write_file(c"level", 0o644, AtomicU8::new(0));
    /// ```
    pub fn read_write_file<'a, T: Show + Store + Send + Sync + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode, data, &Ops::<T>::READ_WRITE)
    }

    /// Creates a file `name` in this directory that sets `data` through
    /// [`Store`] and cannot be read. Read permission bits are removed from
    /// `mode`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let trigger = dir.write_only_file(c"reset", 0o200, AtomicBool::new(false));
    /// ```
    pub fn write_only_file<'a, T: Store + Send + Sync + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode & !READ_BITS, data, &Ops::<T>::WRITE_ONLY)
    }

    /// Creates a seq_file `name` printing the records of `data` (see
    /// [`SeqIterator`](seqfile_rs::SeqIterator)): output of any size, read
    /// correctly at any offset. Write permission bits are removed from `mode`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let list = dir.seq_file(c"clients", 0o444, Clients::new());
    /// ```
    pub fn seq_file<'a, T: seqfile_rs::SeqIterator + Send + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode & !WRITE_BITS, data, &SeqOps::<T>::OPS)
    }

    fn create_file<'a, T: Send + Sync + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
        fops: &'static bindings::file_operations,
    ) -> impl PinInit<File<T>, Error> + 'a {
        let parent = self.entry().cloned();
        try_pin_init!(&this in File {
            data,
            // SAFETY: `data` is initialized (fields are initialized in this
            // order) and pinned, so its address stays valid until `File` is
            // dropped, which first removes the file. The parent dentry is alive
            // while `parent` is.
            dentry: unsafe {
                match &parent {
                    Some(parent) => ffi::kfiles_debugfs_create_file(
                        kfiles_compat::char_ptr(name),
                        mode,
                        parent.dentry(),
                        core::ptr::addr_of!((*this.as_ptr()).data).cast_mut().cast(),
                        fops,
                    ),
                    None => core::ptr::null_mut(),
                }
            },
            _parent: parent,
            _pin: PhantomPinned,
        }? Error)
    }
}

/// The `file_operations` of files showing a `T`.
struct Ops<T>(PhantomData<T>);

impl<T: Show + Sync> Ops<T> {
    const READ_ONLY: bindings::file_operations = bindings::file_operations {
        owner: ffi::this_module(),
        open: Some(open_show::<T>),
        read: Some(ffi::seq_read),
        llseek: Some(ffi::seq_lseek),
        release: Some(ffi::single_release),
        // SAFETY: `file_operations` holds pointers and integers only; zero is
        // valid for all of them and means "not supported".
        ..unsafe { core::mem::zeroed() }
    };
}

impl<T: Show + Store + Sync> Ops<T> {
    const READ_WRITE: bindings::file_operations = bindings::file_operations {
        write: Some(write_store::<T>),
        ..Ops::<T>::READ_ONLY
    };
}

impl<T: Store + Sync> Ops<T> {
    const WRITE_ONLY: bindings::file_operations = bindings::file_operations {
        owner: ffi::this_module(),
        open: Some(ffi::simple_open),
        write: Some(write_store::<T>),
        llseek: Some(ffi::default_llseek),
        // SAFETY: As for `READ_ONLY`.
        ..unsafe { core::mem::zeroed() }
    };
}

/// The `file_operations` of seq_files iterating a `T`.
struct SeqOps<T>(PhantomData<T>);

impl<T: seqfile_rs::SeqIterator + 'static> SeqOps<T> {
    const OPS: bindings::file_operations = bindings::file_operations {
        owner: ffi::this_module(),
        open: Some(open_seq::<T>),
        read: Some(ffi::seq_read),
        llseek: Some(ffi::seq_lseek),
        release: Some(ffi::seq_release_private),
        // SAFETY: As for `Ops::READ_ONLY`.
        ..unsafe { core::mem::zeroed() }
    };
}

/// `open` of seq_files.
///
/// # Safety
///
/// Called by the VFS (through debugfs's proxy) on a file of ours.
unsafe extern "C" fn open_seq<T: seqfile_rs::SeqIterator + 'static>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: As in `open_show`.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, (*inode).i_private.cast::<T>()) }
}

/// `open` of readable files: a single-show seq_file over the inode's value.
///
/// # Safety
///
/// Called by the VFS (through debugfs's proxy) on a file of ours.
unsafe extern "C" fn open_show<T: Show + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: `inode` is the inode of one of our files, whose `i_private` is
    // the `T` of a `File<T>` (type invariant of `File`). debugfs calls `read`
    // only while the entry exists, that is while the `T` is alive.
    unsafe { seqfile_rs::single_open::<T>(file, (*inode).i_private.cast::<T>()) }
}

/// `write` of writable files: one `write()` is one value.
///
/// # Safety
///
/// Called by the VFS (through debugfs's proxy) on a file of ours.
unsafe extern "C" fn write_store<T: Store + Sync>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is open on one of our files, whose inode's `i_private`
    // is the `T` of a live `File<T>`: debugfs calls `write` only while the
    // entry exists (type invariant of `File`).
    let data = unsafe { &*(*(*file).f_inode).i_private.cast::<T>() };
    // SAFETY: The VFS passes the user buffer and position of this write.
    unsafe { kfiles_attr::store_user_write(data, buf, count, ppos) }
}
