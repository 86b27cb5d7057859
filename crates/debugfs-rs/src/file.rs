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
/// Read, write and execute for owner, group and others: no file type bits
/// (`debugfs_create_file()` `BUG()`s on a type other than regular), no
/// set-id or sticky bits.
const PERMISSION_BITS: u16 = 0o777;

impl Dir {
    /// Creates a file `name` in this directory whose content is `data`
    /// shown by [`Show`]. Only the read permission bits of `mode` are kept.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let version = dir.read_only_file(c"version", 0o444, 3u32);
    /// ```
    pub fn read_only_file<'a, T: Show + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode & READ_BITS, data, &Ops::<T>::READ_ONLY)
    }

    /// Creates a file `name` in this directory whose content is `data`,
    /// shown by [`Show`] and set by [`Store`] (the permission bits of `mode`
    /// decide who may do which, as for any file).
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let level = dir.read_write_file(c"level", 0o644, AtomicU8::new(0));
    /// ```
    pub fn read_write_file<'a, T: Show + Store + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode & PERMISSION_BITS, data, &Ops::<T>::READ_WRITE)
    }

    /// Creates a file `name` in this directory that sets `data` through
    /// [`Store`] and cannot be read. Only the write permission bits of `mode`
    /// are kept.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let trigger = dir.write_only_file(c"reset", 0o200, AtomicBool::new(false));
    /// ```
    pub fn write_only_file<'a, T: Store + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create_file(name, mode & WRITE_BITS, data, &Ops::<T>::WRITE_ONLY)
    }

    /// Creates a seq_file `name` printing the records of `data` (see
    /// [`SeqIterator`](seqfile_rs::SeqIterator)): output of any size, read
    /// correctly at any offset. Only the read permission bits of `mode` are
    /// kept.
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
        self.create_file(name, mode & READ_BITS, data, &SeqOps::<T>::OPS)
    }

    fn create_file<'a, T: Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
        fops: &'static FileOps<T>,
    ) -> impl PinInit<File<T>, Error> + 'a {
        // A name that is not one plain component creates nothing, as any
        // other failure to create a debugfs entry does.
        let parent = self
            .entry()
            .filter(|_| kfiles_core::name::check(name.to_bytes(), false).is_ok())
            .cloned();
        try_pin_init!(&this in File {
            data,
            // SAFETY: `name` is a C string and `mode` holds permission bits
            // only. The parent dentry is alive while `parent` is. `data` is
            // initialized (fields are initialized in this order) and pinned,
            // so the `T` it points at lives, at this address, until `File`
            // is dropped, which first removes the file and waits for its
            // operations: what `FileOps<T>` requires of `i_private`.
            dentry: unsafe {
                match &parent {
                    Some(parent) => ffi::kfiles_debugfs_create_file(
                        kfiles_compat::char_ptr(name),
                        mode,
                        parent.dentry(),
                        core::ptr::addr_of!((*this.as_ptr()).data).cast_mut().cast(),
                        fops.as_raw(),
                    ),
                    None => core::ptr::null_mut(),
                }
            },
            _parent: parent,
            _pin: PhantomPinned,
        }? Error)
    }
}

/// A `file_operations` table for debugfs files whose inode's `i_private`
/// points at a `T`.
///
/// # Invariants
///
/// Every operation in `raw` is sound when the VFS calls it, through
/// debugfs's proxy, on a file whose inode's `i_private` points at a `T`
/// that stays alive, at that address, and is only shared (never mutably
/// borrowed) until `debugfs_remove()` of the file has returned.
struct FileOps<T> {
    raw: bindings::file_operations,
    _data: PhantomData<T>,
}

impl<T> FileOps<T> {
    /// Wraps `raw` as the table of files over a `T`.
    ///
    /// # Safety
    ///
    /// Every operation in `raw` must be sound when the VFS calls it, through
    /// debugfs's proxy, on a file whose inode's `i_private` points at a live
    /// `T` that is only shared until `debugfs_remove()` of the file returns.
    const unsafe fn new(raw: bindings::file_operations) -> Self {
        // INVARIANT: By the function's safety requirements.
        Self {
            raw,
            _data: PhantomData,
        }
    }

    fn as_raw(&self) -> *const bindings::file_operations {
        &self.raw
    }
}

/// The `file_operations` of files showing a `T`.
struct Ops<T>(PhantomData<T>);

impl<T: Show + Sync> Ops<T> {
    // SAFETY: `open_show::<T>` asks for a file whose inode's `i_private`
    // points at a live, shared `T`; `seq_read`, `seq_lseek` and
    // `single_release` use only the seq_file `open_show` set up.
    const READ_ONLY: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            owner: ffi::this_module(),
            open: Some(open_show::<T>),
            read: Some(ffi::seq_read),
            llseek: Some(ffi::seq_lseek),
            release: Some(ffi::single_release),
            ..EMPTY_FOPS
        })
    };
}

impl<T: Show + Store + Sync> Ops<T> {
    // SAFETY: `open_show::<T>` and `write_store::<T>` ask for a file whose
    // inode's `i_private` points at a live, shared `T`; the seq_file
    // operations use only what `open_show` set up.
    const READ_WRITE: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            write: Some(write_store::<T>),
            ..Ops::<T>::READ_ONLY.raw
        })
    };
}

impl<T: Store + Sync> Ops<T> {
    // SAFETY: `write_store::<T>` asks for a file whose inode's `i_private`
    // points at a live, shared `T`; `simple_open` and `default_llseek` do
    // not look at it.
    const WRITE_ONLY: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            owner: ffi::this_module(),
            open: Some(ffi::simple_open),
            write: Some(write_store::<T>),
            llseek: Some(ffi::default_llseek),
            ..EMPTY_FOPS
        })
    };
}

/// The `file_operations` of seq_files iterating a `T`.
struct SeqOps<T>(PhantomData<T>);

impl<T: seqfile_rs::SeqIterator + 'static> SeqOps<T> {
    // SAFETY: `open_seq::<T>` asks for a file whose inode's `i_private`
    // points at a live, shared `T`; `seq_read`, `seq_lseek` and
    // `seq_release_private` use only the seq_file it set up.
    const OPS: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            owner: ffi::this_module(),
            open: Some(open_seq::<T>),
            read: Some(ffi::seq_read),
            llseek: Some(ffi::seq_lseek),
            release: Some(ffi::seq_release_private),
            ..EMPTY_FOPS
        })
    };
}

/// A table with no operations, to fill the others from.
// SAFETY: `file_operations` holds function pointers, flags and an owner
// pointer only; all-zero is a valid value of each (NULL means "not
// supported", no flags, no owner).
const EMPTY_FOPS: bindings::file_operations = unsafe { core::mem::zeroed() };

/// `open` of seq_files iterating a `T`.
///
/// # Safety
///
/// - `inode` must be the inode of the file being opened, whose `i_private`
///   points at a `T` that stays alive and is only shared until the file is
///   released or debugfs stops calling its operations (when the entry is
///   removed).
/// - `file` must be that file, being opened.
unsafe extern "C" fn open_seq<T: seqfile_rs::SeqIterator + 'static>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the two requirements, which are `seq_iter_open`'s.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, (*inode).i_private.cast::<T>()) }
}

/// `open` of readable files: a single-show seq_file over the inode's value.
///
/// # Safety
///
/// As for [`open_seq`].
unsafe extern "C" fn open_show<T: Show + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the two requirements, which are `single_open`'s.
    unsafe { seqfile_rs::single_open::<T>(file, (*inode).i_private.cast::<T>()) }
}

/// `write` of writable files: one `write()` is one value.
///
/// # Safety
///
/// - `file` must be open on a file whose inode's `i_private` points at a
///   `T` that is alive and only shared for the duration of the call
///   (debugfs's proxy calls `write` only while the entry exists).
/// - `buf` and `count` must be the user buffer of the call, and `ppos` a
///   file position valid for reads and writes during it.
unsafe extern "C" fn write_store<T: Store + Sync>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let data = unsafe { &*(*(*file).f_inode).i_private.cast::<T>() };
    // SAFETY: By the second requirement, which is `store_user_write`'s.
    unsafe { kfiles_attr::store_user_write(data, buf, count, ppos) }
}
