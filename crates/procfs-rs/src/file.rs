// SPDX-License-Identifier: GPL-2.0

//! Files: `File<T>` and the `proc_ops` behind them.

use crate::{entry::Entry, ops, FileOps, ProcDir};
use core::{ffi::CStr, marker::PhantomData, marker::PhantomPinned, ops::Deref};
use kernel::{
    bindings,
    error::{code::ENOMEM, Error},
    prelude::*,
    sync::Arc,
};
use kfiles_attr::Store;
use kfiles_ffi as ffi;
use seqfile_rs::{SeqIterator, Show};

/// A proc file showing (and possibly updating) a value of type `T`.
///
/// The file owns the value; [`Deref`] gives the driver access to it. The
/// entry is removed when the `File` is dropped, before the value is, and the
/// file keeps its directory alive. Created pinned by the constructors of
/// [`ProcDir`], typically as a `#[pin]` field of a driver's state.
///
/// # Invariants
///
/// `pde` is a live proc entry whose data (`pde_data()`) points at `data`,
/// inside the directory of `_parent` (or `/proc`).
#[pin_data(PinnedDrop)]
pub struct File<T> {
    data: T,
    pde: *mut ffi::proc_dir_entry,
    _parent: Option<Arc<Entry>>,
    #[pin]
    _pin: PhantomPinned,
}

#[pinned_drop]
impl<T> PinnedDrop for File<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariants `pde` is our live entry. procfs waits
        // for operations in progress and runs the release of every open file
        // before returning, so `data`, dropped after this, is unreachable.
        unsafe { ffi::proc_remove(self.pde) };
    }
}

// SAFETY: The entry may be removed from any thread; `T: Send` covers the value.
unsafe impl<T: Send> Send for File<T> {}
// SAFETY: `&File<T>` only gives `&T`; procfs also only uses `&T`, from any
// thread, which `T: Sync` allows.
unsafe impl<T: Sync> Sync for File<T> {}

impl<T> Deref for File<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl ProcDir {
    /// Creates a file `name` showing `data` through [`Show`] (single-show
    /// seq_file). Write permission bits are removed from `mode`.
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
        self.create(name, mode & !0o222, data, &ShowOps::<T>::READ_ONLY)
    }

    /// Creates a file `name` showing `data` through [`Show`] and setting it
    /// through [`Store`] (one `write()` is one value, at offset 0).
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let level = dir.read_write_file(c"level", 0o644, AtomicI32::new(0));
    /// ```
    pub fn read_write_file<'a, T: Show + Store + Send + Sync + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create(name, mode, data, &ShowOps::<T>::READ_WRITE)
    }

    /// Creates a seq_file `name` printing the records of `data` (see
    /// [`SeqIterator`]). Write permission bits are removed from `mode`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let list = dir.seq_file(c"clients", 0o444, Clients::new());
    /// ```
    pub fn seq_file<'a, T: SeqIterator + Send + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create(name, mode & !0o222, data, &SeqOps::<T>::OPS)
    }

    /// Creates a file `name` whose reads and writes `data`'s [`FileOps`]
    /// handlers serve.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let big = dir.ops_file(c"bigprocfile", 0o644, Buffer::new(65536, b"")?);
    /// ```
    pub fn ops_file<'a, T: FileOps + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create(name, mode, data, &ops::Ops::<T>::OPS)
    }

    fn create<'a, T: Send + Sync + 'a>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
        proc_ops: &'static ffi::proc_ops,
    ) -> impl PinInit<File<T>, Error> + 'a {
        let parent = self.entry().cloned();
        let raw_parent = self.raw();
        try_pin_init!(&this in File {
            data,
            pde: {
                // SAFETY: `data` is initialized (fields are initialized in
                // this order) and pinned, so its address stays valid until
                // `File` is dropped, which first removes the entry. The parent
                // is alive while `parent` is (or NULL for /proc).
                let pde = unsafe {
                    ffi::proc_create_data(
                        kfiles_compat::char_ptr(name),
                        mode,
                        raw_parent,
                        proc_ops,
                        core::ptr::addr_of!((*this.as_ptr()).data).cast_mut().cast(),
                    )
                };
                if pde.is_null() {
                    return Err(ENOMEM);
                }
                pde
            },
            _parent: parent,
            _pin: PhantomPinned,
        }? Error)
    }
}

/// The data of the proc file `file` is open on.
///
/// # Safety
///
/// `file` must be open on a proc entry created by this crate for a `T`, and
/// the entry must not be removed yet (procfs guarantees it inside operations).
pub(crate) unsafe fn data_of<'a, T>(file: *mut bindings::file) -> &'a T {
    // SAFETY: The caller guarantees the entry is ours and alive; its data is
    // the `T` of a live `File<T>` (type invariant of `File`).
    unsafe { &*ffi::kfiles_pde_data((*file).f_inode).cast::<T>() }
}

/// `proc_ops` of single-show files over a `T`.
struct ShowOps<T>(PhantomData<T>);

impl<T: Show + Sync> ShowOps<T> {
    const READ_ONLY: ffi::proc_ops = ffi::proc_ops {
        proc_open: Some(open_show::<T>),
        proc_read_iter: Some(ffi::seq_read_iter),
        proc_lseek: Some(ffi::seq_lseek),
        proc_release: Some(ffi::single_release),
        // SAFETY: `proc_ops` holds pointers and integers only; zero is valid
        // for all of them and means "not supported".
        ..unsafe { core::mem::zeroed() }
    };
}

impl<T: Show + Store + Sync> ShowOps<T> {
    const READ_WRITE: ffi::proc_ops = ffi::proc_ops {
        proc_write: Some(write_store::<T>),
        ..ShowOps::<T>::READ_ONLY
    };
}

/// `proc_ops` of seq_files iterating a `T`.
struct SeqOps<T>(PhantomData<T>);

impl<T: SeqIterator + 'static> SeqOps<T> {
    const OPS: ffi::proc_ops = ffi::proc_ops {
        proc_open: Some(open_seq::<T>),
        proc_read_iter: Some(ffi::seq_read_iter),
        proc_lseek: Some(ffi::seq_lseek),
        proc_release: Some(ffi::seq_release_private),
        // SAFETY: As for `ShowOps::READ_ONLY`.
        ..unsafe { core::mem::zeroed() }
    };
}

/// `proc_open` of single-show files.
///
/// # Safety
///
/// Called by procfs on an entry of ours, which stays alive while procfs can
/// call the file's operations.
unsafe extern "C" fn open_show<T: Show + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: The entry's data is the `T` of a live `File<T>`; procfs runs
    // the release of every open file before `proc_remove()` returns.
    unsafe { seqfile_rs::single_open::<T>(file, ffi::kfiles_pde_data(inode).cast::<T>()) }
}

/// `proc_open` of seq_files.
///
/// # Safety
///
/// As for [`open_show`].
unsafe extern "C" fn open_seq<T: SeqIterator + 'static>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: As in `open_show`.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, ffi::kfiles_pde_data(inode).cast::<T>()) }
}

/// `proc_write` of single-show files: one `write()` is one value.
///
/// # Safety
///
/// Called by procfs on an entry of ours.
unsafe extern "C" fn write_store<T: Store + Sync>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: Inside a procfs operation on one of our entries.
    let data = unsafe { data_of::<T>(file) };
    // SAFETY: procfs passes the user buffer and position of this write.
    unsafe { kfiles_attr::store_user_write(data, buf, count, ppos) }
}
