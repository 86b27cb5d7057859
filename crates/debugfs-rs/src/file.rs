// SPDX-License-Identifier: GPL-2.0

//! Files: `File<T>` and the `file_operations` behind them.

use crate::{entry::Entry, Dir};
use core::{
    ffi::{c_void, CStr},
    marker::PhantomData,
    marker::PhantomPinned,
    ops::Deref,
    ptr::NonNull,
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    bindings,
    error::{code::EPERM, Error},
    prelude::*,
    sync::Arc,
};
use kfiles_attr::{Served, Store};
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
/// Dropping a `File` waits for its callbacks in progress, except when it is
/// dropped from inside one of them (a `remove` file whose `store` drops the
/// file itself): then the removal, and the drop of the value, happen as soon
/// as that callback has returned, on a kernel worker; module unload waits for
/// them.
///
/// # Invariants
///
/// `live` points at a [`Live<T>`] allocated by [`Live::create`] and owned by
/// this `File`; its `dentry` is NULL, an `ERR_PTR()`, or a live debugfs file
/// created by this crate whose inode's `i_private` points at its `served`,
/// inside the directory of its `_parent`. `T: Send + Sync` (every constructor
/// requires it).
#[pin_data(PinnedDrop)]
pub struct File<T> {
    live: NonNull<Live<T>>,
    #[pin]
    _pin: PhantomPinned,
}

/// What a [`File`] owns, on the heap: a removal deferred past the `File`'s
/// drop still has it.
struct Live<T> {
    dentry: *mut bindings::dentry,
    _parent: Option<Arc<Entry>>,
    served: Served<T>,
}

impl<T> Live<T> {
    /// Allocates the state of a file `name` in `parent` and creates the file,
    /// unless `parent` is `None` (the file then does not exist).
    ///
    /// # Safety
    ///
    /// `fops` must be sound for files whose inode's `i_private` points at a
    /// `Served<T>` (what [`FileOps<T>`] guarantees), and `T: Send + Sync`.
    unsafe fn create(
        parent: Option<Arc<Entry>>,
        name: &CStr,
        mode: u16,
        data: T,
        fops: &'static FileOps<T>,
    ) -> Result<NonNull<Self>> {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let live = KBox::new(
            Live {
                dentry: core::ptr::null_mut(),
                _parent: parent,
                served: Served::new(data),
            },
            GFP_KERNEL,
        )?;
        let raw = KBox::into_raw(live);
        // SAFETY: `raw` is the allocation just made, not yet shared.
        if let Some(parent) = unsafe { &(*raw)._parent } {
            // SAFETY: `name` is a C string and `mode` holds permission bits
            // only (the callers mask it). The parent dentry is alive while
            // `_parent` is. `served` lives at this address until the owning
            // `File` is dropped, which first removes the file and waits for
            // its operations (or has that done, and the memory freed, by
            // `teardown::<T>` later): what `FileOps<T>` requires of
            // `i_private`.
            let dentry = unsafe {
                ffi::kfiles_debugfs_create_file(
                    kfiles_compat::char_ptr(name),
                    mode,
                    parent.dentry(),
                    core::ptr::addr_of!((*raw).served).cast_mut().cast(),
                    fops.as_raw(),
                )
            };
            // SAFETY: Callbacks that may already run only read `served`; this
            // writes another field, through the raw pointer.
            unsafe { core::ptr::addr_of_mut!((*raw).dentry).write(dentry) };
        }
        // SAFETY: `raw` came from `KBox::into_raw`, so it is not NULL.
        Ok(unsafe { NonNull::new_unchecked(raw) })
    }
}

/// Removes a file's entry, then drops its value and its hold on the parent
/// directory.
///
/// # Safety
///
/// `live` must come from [`Live::create`] for this `T`, owned by the caller
/// (which gives it up), and the entry must have no callback in progress on
/// this task.
unsafe extern "C" fn teardown<T>(live: *mut c_void) {
    let live = live.cast::<Live<T>>();
    // SAFETY: `live` is valid (function requirements). `dentry` is NULL, an
    // error (both ignored by debugfs_remove()), or our live file (type
    // invariants of `File`). debugfs_remove() waits for callbacks in
    // progress, none of which is on this task, and fails later ones, so the
    // value is no longer reachable from C once it returns. (Read through the
    // raw pointer: callbacks may still use `served` until then.)
    unsafe { ffi::kfiles_debugfs_remove((*live).dentry) };
    // SAFETY: By the function's safety requirements the allocation is ours,
    // and nothing else uses it any more.
    drop(unsafe { KBox::from_raw(live) });
}

// SAFETY: The entry is removed, and the value dropped, by whichever thread
// drops the `File` or by a kernel worker; `T: Send` allows both.
unsafe impl<T: Send> Send for File<T> {}
// SAFETY: `&File<T>` only gives `&T`; the C side also only uses `&T`, from any
// thread, which `T: Sync` allows.
unsafe impl<T: Sync> Sync for File<T> {}

#[pinned_drop]
impl<T> PinnedDrop for File<T> {
    fn drop(self: Pin<&mut Self>) {
        let live = self.live.as_ptr();
        // SAFETY: `live` is valid until torn down, below (type invariants).
        let here = unsafe { (*live).served.may_be_running_here() };
        if here || !ffi::may_sleep() {
            // Removing now would wait for the callback this task is in, or
            // sleep where sleeping is not allowed.
            // SAFETY: `teardown::<T>` takes a `Live<T>` we give up, and runs
            // on an async worker, which is not inside any callback of this
            // file. `T: Send` (type invariants), so it may be dropped there.
            unsafe { ffi::kfiles_defer_teardown(Some(teardown::<T>), live.cast()) };
        } else {
            // SAFETY: We own `live` and give it up; no callback of this file
            // is in progress on this task.
            unsafe { teardown::<T>(live.cast()) };
        }
    }
}

impl<T> Deref for File<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `live` is valid while `self` is (type invariants).
        unsafe { self.live.as_ref() }.served.value()
    }
}

impl<T> File<T> {
    /// Whether the file exists in debugfs (it may not; see the crate
    /// documentation). For diagnostics only.
    pub fn exists(&self) -> bool {
        // SAFETY: `live` is valid while `self` is (type invariants).
        !ffi::is_err_or_null(unsafe { self.live.as_ref() }.dentry)
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
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// let version = KBox::pin_init(dir.read_only_file(c"version", 0o444, 3u32), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/version")?, b"3\n");
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
    /// ```
    /// use core::sync::atomic::{AtomicU8, Ordering::Relaxed};
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let level = KBox::pin_init(dir.read_write_file(c"level", 0o644, AtomicU8::new(0)), GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/level", b"7\n")?, 2);
    /// assert_eq!(level.load(Relaxed), 7); // after `echo 7 > level`
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/level")?, b"7\n");
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
    /// ```
    /// use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let trigger = KBox::pin_init(
    ///     dir.write_only_file(c"reset", 0o200, AtomicBool::new(false)),
    ///     GFP_KERNEL,
    /// )?;
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/reset", b"1")?, 1);
    /// assert!(trigger.load(Relaxed)); // after `echo 1 > reset`
    /// # assert!(doctest::read(c"/sys/kernel/debug/kfiles-doctest/reset").is_err());
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
    /// ```
    /// use debugfs_rs::{seq_print, SeqFile, SeqIterator};
    ///
    /// /// Client numbers 0 to 2, one per line.
    /// struct Clients;
    ///
    /// impl SeqIterator for Clients {
    ///     type Cursor<'a> = u64;
    ///
    ///     fn start(&self, index: u64) -> Option<u64> {
    ///         (index < 3).then_some(index)
    ///     }
    ///     fn next(&self, client: &mut u64) -> bool {
    ///         *client += 1;
    ///         *client < 3
    ///     }
    ///     fn show(&self, client: &u64, m: &SeqFile) -> Result {
    ///         seq_print!(m, "client {}\n", client);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let list = KBox::pin_init(dir.seq_file(c"clients", 0o444, Clients), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read_in(c"/sys/kernel/debug/kfiles-doctest/clients", 1)?, b"client 0\nclient 1\nclient 2\n");
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
        try_pin_init!(File {
            // SAFETY: `fops` is a `FileOps<T>`, sound for files whose
            // `i_private` points at a `Served<T>`; `T: Send + Sync`.
            live: unsafe { Live::create(parent, name, mode, data, fops)? },
            _pin: PhantomPinned,
        }? Error)
    }
}

/// A `file_operations` table for debugfs files whose inode's `i_private`
/// points at a `Served<T>`.
///
/// # Invariants
///
/// Every operation in `raw` is sound when the VFS calls it, through
/// debugfs's proxy, on a file whose inode's `i_private` points at a
/// `Served<T>` that stays alive, at that address, and is only shared (never
/// mutably borrowed) until `debugfs_remove()` of the file has returned;
/// `release`, which debugfs's proxy calls after that, does not use it; and
/// every operation that runs driver code does so inside a frame of it
/// (`kfiles_attr::Frame`), so that a drop of the `File` from that code is
/// recognised and deferred.
struct FileOps<T> {
    raw: bindings::file_operations,
    _data: PhantomData<T>,
}

impl<T> FileOps<T> {
    /// Wraps `raw` as the table of files over a `Served<T>`.
    ///
    /// # Safety
    ///
    /// Every operation in `raw` must be sound when the VFS calls it, through
    /// debugfs's proxy, on a file whose inode's `i_private` points at a live
    /// `Served<T>` that is only shared until `debugfs_remove()` of the file
    /// returns (`release`, called after that, must not use it), and must
    /// run driver code only inside a frame of it.
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
    // SAFETY: `open_show::<T>`, `read_seq::<T>` and `lseek_seq::<T>` ask for
    // a file whose inode's `i_private` points at a live, shared `Served<T>`;
    // the last two run `seq_read`/`seq_lseek` (which call `T::show`) in a
    // frame of it. `open_show` and `single_release` run no driver code.
    const READ_ONLY: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            owner: ffi::this_module(),
            open: Some(open_show::<T>),
            read: Some(read_seq::<T>),
            llseek: Some(lseek_seq::<T>),
            release: Some(ffi::single_release),
            ..EMPTY_FOPS
        })
    };
}

impl<T: Show + Store + Sync> Ops<T> {
    // SAFETY: As `READ_ONLY`, and `write_store::<T>` asks for the same and
    // runs `T::store` in a frame.
    const READ_WRITE: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            write: Some(write_store::<T>),
            ..Ops::<T>::READ_ONLY.raw
        })
    };
}

impl<T: Store + Sync> Ops<T> {
    // SAFETY: `write_store::<T>` asks for a file whose inode's `i_private`
    // points at a live, shared `Served<T>` and runs `T::store` in a frame;
    // `simple_open` and `default_llseek` do not look at it.
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

impl<T: seqfile_rs::SeqIterator + Sync + 'static> SeqOps<T> {
    // SAFETY: `open_seq::<T>`, `read_seq::<T>` and `lseek_seq::<T>` ask for
    // a file whose inode's `i_private` points at a live, shared `Served<T>`;
    // the last two run `seq_read`/`seq_lseek` (which call the iterator) in a
    // frame of it. `open_seq` and `seq_release_private` run no driver code
    // (cursors are dropped in `stop`, inside `seq_read`).
    const OPS: FileOps<T> = unsafe {
        FileOps::new(bindings::file_operations {
            owner: ffi::this_module(),
            open: Some(open_seq::<T>),
            read: Some(read_seq::<T>),
            llseek: Some(lseek_seq::<T>),
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

/// The value of the file `file` is open on.
///
/// # Safety
///
/// `file` must be open on a file whose inode's `i_private` points at a
/// `Served<T>` that is alive and only shared for `'a` (debugfs's proxy calls
/// an operation only while the entry exists, and removal waits for it).
unsafe fn served_of<'a, T>(file: *mut bindings::file) -> &'a Served<T> {
    // SAFETY: By the function's safety requirements.
    unsafe { &*(*(*file).f_inode).i_private.cast::<Served<T>>() }
}

/// `open` of seq_files iterating a `T`.
///
/// # Safety
///
/// - `inode` must be the inode of the file being opened, whose `i_private`
///   points at a `Served<T>` that stays alive and is only shared until the
///   file is released or debugfs stops calling its operations (when the
///   entry is removed).
/// - `file` must be that file, being opened.
unsafe extern "C" fn open_seq<T: seqfile_rs::SeqIterator + 'static>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the first requirement.
    let served = unsafe { &*(*inode).i_private.cast::<Served<T>>() };
    // SAFETY: By the two requirements, which are `seq_iter_open`'s for the
    // value inside `served`.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, served.value()) }
}

/// `open` of readable files: a single-show seq_file over the inode's value.
///
/// # Safety
///
/// - `inode` must be the inode of the file being opened, whose `i_private`
///   points at a `Served<T>` that stays alive and is only shared until the
///   file is released or debugfs stops calling its operations (when the
///   entry is removed).
/// - `file` must be that file, being opened.
unsafe extern "C" fn open_show<T: Show + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the first requirement.
    let served = unsafe { &*(*inode).i_private.cast::<Served<T>>() };
    // SAFETY: By the two requirements, which are `single_open`'s for the
    // value inside `served`.
    unsafe { seqfile_rs::single_open::<T>(file, served.value()) }
}

/// `read` of seq_files: `seq_read` in a frame of the file's value.
///
/// # Safety
///
/// - `file` must be a seq_file opened by [`open_show::<T>`] or
///   [`open_seq::<T>`], on a file whose inode's `i_private` points at a
///   `Served<T>` that is alive and only shared for the duration of the call.
/// - `buf`, `count` and `ppos` must be those of the `read()` call.
unsafe extern "C" fn read_seq<T>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let _frame = unsafe { served_of::<T>(file) }.enter();
    // SAFETY: By the two requirements, which are `seq_read`'s.
    unsafe { ffi::seq_read(file, buf, count, ppos) }
}

/// `llseek` of seq_files: `seq_lseek` (which may show records to find the
/// position) in a frame of the file's value.
///
/// # Safety
///
/// - `file` as for [`read_seq`].
/// - `offset` and `whence` are those of the `lseek()` call.
unsafe extern "C" fn lseek_seq<T>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: kernel::ffi::c_int,
) -> bindings::loff_t {
    // SAFETY: By the first requirement.
    let _frame = unsafe { served_of::<T>(file) }.enter();
    // SAFETY: By the two requirements, which are `seq_lseek`'s.
    unsafe { ffi::seq_lseek(file, offset, whence) }
}

/// `write` of writable files: one `write()` is one value.
///
/// # Safety
///
/// - `file` must be open on a file whose inode's `i_private` points at a
///   `Served<T>` that is alive and only shared for the duration of the call
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
    let served = unsafe { served_of::<T>(file) };
    let _frame = served.enter();
    // SAFETY: By the second requirement, which is `store_user_write`'s.
    unsafe { kfiles_attr::store_user_write(served.value(), buf, count, ppos) }
}
