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
    /// seq_file). Only the read permission bits of `mode` are kept.
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
        self.create(name, mode & 0o444, data, &ShowOps::<T>::READ_ONLY)
    }

    /// Creates a file `name` showing `data` through [`Show`] and setting it
    /// through [`Store`] (one `write()` is one value, at offset 0).
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let level = dir.read_write_file(c"level", 0o644, AtomicI32::new(0));
    /// ```
    pub fn read_write_file<'a, T: Show + Store + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create(name, mode, data, &ShowOps::<T>::READ_WRITE)
    }

    /// Creates a seq_file `name` printing the records of `data` (see
    /// [`SeqIterator`]). Only the read permission bits of `mode` are kept.
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
        self.create(name, mode & 0o444, data, &SeqOps::<T>::OPS)
    }

    /// Creates a file `name` whose reads and writes `data`'s [`FileOps`]
    /// handlers serve.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let big = dir.ops_file(c"bigprocfile", 0o644, Buffer::new(65536, b"")?);
    /// ```
    pub fn ops_file<'a, T: FileOps + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
    ) -> impl PinInit<File<T>, Error> + 'a {
        self.create(name, mode, data, &ops::Ops::<T>::OPS)
    }

    /// Creates the entry; `mode`'s bits other than permission bits are
    /// dropped (a file type there makes procfs refuse the entry with a
    /// `WARN`).
    fn create<'a, T: Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: u16,
        data: T,
        proc_ops: &'static ProcOps<T>,
    ) -> impl PinInit<File<T>, Error> + 'a {
        let parent = self.entry().cloned();
        let raw_parent = self.raw();
        let name_ok = self.check_name(name);
        try_pin_init!(&this in File {
            data,
            pde: {
                name_ok?;
                // SAFETY: `name` is one plain path component (checked) and
                // `mode` holds permission bits only. The parent is alive
                // while `parent` is (or NULL for /proc). `data` is
                // initialized (fields are initialized in this order) and
                // pinned, so the `T` it points at lives, at this address,
                // until `File` is dropped, which first removes the entry and
                // waits for its operations: what `ProcOps<T>` requires of the
                // entry's data.
                let pde = unsafe {
                    ffi::proc_create_data(
                        kfiles_compat::char_ptr(name),
                        mode & PERMISSION_BITS,
                        raw_parent,
                        proc_ops.as_raw(),
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

/// Read, write and execute for owner, group and others.
pub(crate) const PERMISSION_BITS: u16 = 0o777;

/// A `proc_ops` table for entries whose data (`pde_data()`) points at a `T`.
///
/// # Invariants
///
/// Every operation in `raw` is sound when procfs calls it on a file of an
/// entry whose data points at a `T` that stays alive, at that address, and
/// is only shared until `proc_remove()` of the entry has returned.
pub(crate) struct ProcOps<T> {
    raw: ffi::proc_ops,
    _data: PhantomData<T>,
}

impl<T> ProcOps<T> {
    /// Wraps `raw` as the table of entries over a `T`.
    ///
    /// # Safety
    ///
    /// Every operation in `raw` must be sound when procfs calls it on a file
    /// of an entry whose data points at a live `T` that is only shared until
    /// `proc_remove()` of the entry returns.
    pub(crate) const unsafe fn new(raw: ffi::proc_ops) -> Self {
        // INVARIANT: By the function's safety requirements.
        Self {
            raw,
            _data: PhantomData,
        }
    }

    /// The table, for `proc_create_data()`.
    pub(crate) const fn raw(&self) -> &ffi::proc_ops {
        &self.raw
    }

    fn as_raw(&self) -> *const ffi::proc_ops {
        &self.raw
    }
}

/// A table with no operations, to fill the others from.
// SAFETY: `proc_ops` holds function pointers and flags only; all-zero is a
// valid value of each (NULL means "not supported", no flags).
pub(crate) const EMPTY_PROC_OPS: ffi::proc_ops = unsafe { core::mem::zeroed() };

/// The data of the proc file `file` is open on.
///
/// # Safety
///
/// `file` must be open on a proc entry whose data points at a `T` that is
/// alive and only shared for `'a` (procfs guarantees it for the duration of
/// an operation on an entry created through a `ProcOps<T>`).
pub(crate) unsafe fn data_of<'a, T>(file: *mut bindings::file) -> &'a T {
    // SAFETY: By the function's safety requirements.
    unsafe { &*ffi::kfiles_pde_data((*file).f_inode).cast::<T>() }
}

/// `proc_ops` of single-show files over a `T`.
struct ShowOps<T>(PhantomData<T>);

impl<T: Show + Sync> ShowOps<T> {
    // SAFETY: `open_show::<T>` asks for an entry whose data points at a live,
    // shared `T`; `seq_read_iter`, `seq_lseek` and `single_release` use only
    // the seq_file it set up.
    const READ_ONLY: ProcOps<T> = unsafe {
        ProcOps::new(ffi::proc_ops {
            proc_open: Some(open_show::<T>),
            proc_read_iter: Some(ffi::seq_read_iter),
            proc_lseek: Some(ffi::seq_lseek),
            proc_release: Some(ffi::single_release),
            ..EMPTY_PROC_OPS
        })
    };
}

impl<T: Show + Store + Sync> ShowOps<T> {
    // SAFETY: `open_show::<T>` and `write_store::<T>` ask for an entry whose
    // data points at a live, shared `T`; the seq_file operations use only
    // what `open_show` set up.
    const READ_WRITE: ProcOps<T> = unsafe {
        ProcOps::new(ffi::proc_ops {
            proc_write: Some(write_store::<T>),
            ..*ShowOps::<T>::READ_ONLY.raw()
        })
    };
}

/// `proc_ops` of seq_files iterating a `T`.
struct SeqOps<T>(PhantomData<T>);

impl<T: SeqIterator + 'static> SeqOps<T> {
    // SAFETY: `open_seq::<T>` asks for an entry whose data points at a live,
    // shared `T`; `seq_read_iter`, `seq_lseek` and `seq_release_private` use
    // only the seq_file it set up.
    const OPS: ProcOps<T> = unsafe {
        ProcOps::new(ffi::proc_ops {
            proc_open: Some(open_seq::<T>),
            proc_read_iter: Some(ffi::seq_read_iter),
            proc_lseek: Some(ffi::seq_lseek),
            proc_release: Some(ffi::seq_release_private),
            ..EMPTY_PROC_OPS
        })
    };
}

/// `proc_open` of single-show files.
///
/// # Safety
///
/// - `inode` must be the inode of the entry being opened, whose data points
///   at a `T` that stays alive and is only shared until the file is released
///   (`proc_remove()` runs the release of every open file before it
///   returns).
/// - `file` must be that file, being opened.
unsafe extern "C" fn open_show<T: Show + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the two requirements, which are `single_open`'s.
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
    // SAFETY: By the two requirements, which are `seq_iter_open`'s.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, ffi::kfiles_pde_data(inode).cast::<T>()) }
}

/// `proc_write` of single-show files: one `write()` is one value.
///
/// # Safety
///
/// - `file` must be open on an entry whose data points at a `T` that is
///   alive and only shared for the duration of the call (procfs calls
///   operations only while the entry exists).
/// - `buf` and `count` must be the user buffer of the call, and `ppos` a
///   file position valid for reads and writes during it.
unsafe extern "C" fn write_store<T: Store + Sync>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let data = unsafe { data_of::<T>(file) };
    // SAFETY: By the second requirement, which is `store_user_write`'s.
    unsafe { kfiles_attr::store_user_write(data, buf, count, ppos) }
}
