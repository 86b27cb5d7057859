// SPDX-License-Identifier: GPL-2.0

//! Files: `File<T>` and the `proc_ops` behind them.

use crate::{entry::Claim, ops, FileOps, ProcDir};
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
    error::{
        code::{EINVAL, ENOMEM, EPERM},
        Error,
    },
    prelude::*,
};
use kfiles_attr::{Served, Store};
use kfiles_ffi as ffi;
use seqfile_rs::{SeqIterator, Show};

/// A proc file showing (and possibly updating) a value of type `T`.
///
/// The file owns the value; [`Deref`] gives the driver access to it. The
/// entry is removed when the `File` is dropped, before the value is, and the
/// file keeps its directory alive. Created pinned by the constructors of
/// [`ProcDir`], typically as a `#[pin]` field of a driver's state.
///
/// Dropping a `File` waits for its operations in progress, except when it is
/// dropped from inside one of them (a `remove` file whose `store` drops the
/// file itself): then the removal, and the drop of the value, happen as soon
/// as that operation has returned, on a kernel worker; module unload waits
/// for them.
///
/// # Invariants
///
/// `live` points at a [`Live<T>`] allocated by [`Live::create`] and owned by
/// this `File`; its `pde` is a live proc entry whose data (`pde_data()`)
/// points at its `served`, inside the directory of its `_parent` (or
/// `/proc`). `T: Send + Sync` (every constructor requires it).
#[pin_data(PinnedDrop)]
pub struct File<T> {
    live: NonNull<Live<T>>,
    #[pin]
    _pin: PhantomPinned,
}

/// What a [`File`] owns, on the heap: a removal deferred past the `File`'s
/// drop still has it.
struct Live<T> {
    pde: *mut ffi::proc_dir_entry,
    /// The entry's name in its directory, freed after the removal.
    claim: Claim,
    served: Served<T>,
}

impl<T> Live<T> {
    /// Allocates the state of a file `name`, claimed by `claim`, and creates
    /// the entry.
    ///
    /// # Safety
    ///
    /// `name` must be the name `claim` took, `mode` permission bits only,
    /// and `proc_ops` sound for entries whose data points at a `Served<T>`
    /// (what [`ProcOps<T>`] guarantees); `T: Send + Sync`.
    unsafe fn create(
        claim: Claim,
        name: &CStr,
        mode: u16,
        data: T,
        proc_ops: &'static ProcOps<T>,
    ) -> Result<NonNull<Self>> {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let live = KBox::new(
            Live {
                pde: core::ptr::null_mut(),
                claim,
                served: Served::new(data),
            },
            GFP_KERNEL,
        )?;
        let raw = KBox::into_raw(live);
        // SAFETY: By the function's safety requirements; the name is free in
        // the directory (claimed), which is alive while `claim` is. `served` lives at this address until the owning
        // `File` is dropped, which first removes the entry and waits for its
        // operations (or has that done, and the memory freed, by
        // `teardown::<T>` later): what `ProcOps<T>` requires of the entry's
        // data.
        let pde = unsafe {
            ffi::proc_create_data(
                kfiles_compat::char_ptr(name),
                mode,
                (*raw).claim.raw_parent(),
                proc_ops.as_raw(),
                core::ptr::addr_of!((*raw).served).cast_mut().cast(),
            )
        };
        if pde.is_null() {
            // SAFETY: `raw` came from `KBox::into_raw` above and was never
            // shared: no entry points at it.
            drop(unsafe { KBox::from_raw(raw) });
            return Err(ENOMEM);
        }
        // SAFETY: Operations that may already run only read `served`; this
        // writes another field, through the raw pointer.
        unsafe { core::ptr::addr_of_mut!((*raw).pde).write(pde) };
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
/// (which gives it up), and the entry must have no operation in progress on
/// this task.
unsafe extern "C" fn teardown<T>(live: *mut c_void) {
    let live = live.cast::<Live<T>>();
    // SAFETY: `live` is valid (function requirements) and `pde` is our live
    // entry (type invariants of `File`). procfs waits for operations in
    // progress, none of which is on this task, and runs the release of every
    // open file before returning, so the value is unreachable once it
    // returns. (Read through the raw pointer: operations may still use
    // `served` until then.)
    unsafe { ffi::proc_remove((*live).pde) };
    // SAFETY: By the function's safety requirements the allocation is ours,
    // and nothing else uses it any more. Dropping it frees the name
    // (`claim`), the entry being gone.
    drop(unsafe { KBox::from_raw(live) });
}

#[pinned_drop]
impl<T> PinnedDrop for File<T> {
    fn drop(self: Pin<&mut Self>) {
        let live = self.live.as_ptr();
        // SAFETY: `live` is valid until torn down, below (type invariants).
        let here = unsafe { (*live).served.may_be_running_here() };
        if here || !ffi::may_sleep() {
            // Removing now would wait for the operation this task is in, or
            // sleep where sleeping is not allowed.
            // SAFETY: `teardown::<T>` takes a `Live<T>` we give up, and runs
            // on an async worker, which is not inside any operation of this
            // entry. `T: Send` (type invariants), so it may be dropped there.
            unsafe { ffi::kfiles_defer_teardown(Some(teardown::<T>), live.cast()) };
        } else {
            // SAFETY: We own `live` and give it up; no operation of this
            // entry is in progress on this task.
            unsafe { teardown::<T>(live.cast()) };
        }
    }
}

// SAFETY: The entry is removed, and the value dropped, by whichever thread
// drops the `File` or by a kernel worker; `T: Send` allows both.
unsafe impl<T: Send> Send for File<T> {}
// SAFETY: `&File<T>` only gives `&T`; procfs also only uses `&T`, from any
// thread, which `T: Sync` allows.
unsafe impl<T: Sync> Sync for File<T> {}

impl<T> Deref for File<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `live` is valid while `self` is (type invariants).
        unsafe { self.live.as_ref() }.served.value()
    }
}

impl ProcDir {
    /// Creates a file `name` showing `data` through [`Show`] (single-show
    /// seq_file). Only the read permission bits of `mode` are kept.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::proc_dir()?;
    /// let version = KBox::pin_init(dir.read_only_file(c"version", 0o444, 3u32), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/version")?, b"3\n");
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
    /// ```
    /// use core::sync::atomic::{AtomicI32, Ordering::Relaxed};
    ///
    /// # let dir = doctest::proc_dir()?;
    /// let level = KBox::pin_init(dir.read_write_file(c"level", 0o644, AtomicI32::new(0)), GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/level", b"-3")?, 2);
    /// assert_eq!(level.load(Relaxed), -3); // after `echo -3 > level`
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/level", b"x").err(), Some(EINVAL));
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
    /// ```
    /// use procfs_rs::{seq_print, SeqFile, SeqIterator};
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
    /// # let dir = doctest::proc_dir()?;
    /// let list = KBox::pin_init(dir.seq_file(c"clients", 0o444, Clients), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read_in(c"/proc/kfiles-doctest/clients", 3)?, b"client 0\nclient 1\nclient 2\n");
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
    /// ```
    /// use procfs_rs::Buffer;
    ///
    /// # let dir = doctest::proc_dir()?;
    /// let big = KBox::pin_init(dir.ops_file(c"bigprocfile", 0o644, Buffer::new(65536, b"")?), GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/bigprocfile", b"data")?, 4);
    /// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/bigprocfile")?, b"data");
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
        let dir = self.clone();
        try_pin_init!(File {
            live: {
                // procfs turns a mode without permission bits into 0444:
                // refuse it rather than show a file to everyone.
                if mode & PERMISSION_BITS == 0 {
                    return Err(EINVAL);
                }
                let claim = Claim::new(&dir, name)?;
                // SAFETY: `name` is the name `claim` took, `mode` is masked
                // to permission bits, and `proc_ops` is a `ProcOps<T>`;
                // `T: Send + Sync`.
                unsafe { Live::create(claim, name, mode & PERMISSION_BITS, data, proc_ops)? }
            },
            _pin: PhantomPinned,
        }? Error)
    }
}

/// Read, write and execute for owner, group and others.
pub(crate) const PERMISSION_BITS: u16 = 0o777;

/// A `proc_ops` table for entries whose data (`pde_data()`) points at a
/// `Served<T>`.
///
/// # Invariants
///
/// Every operation in `raw` is sound when procfs calls it on a file of an
/// entry whose data points at a `Served<T>` that stays alive, at that
/// address, and is only shared until `proc_remove()` of the entry has
/// returned; and every operation that runs driver code does so inside a
/// frame of it (`kfiles_attr::Frame`), so that a drop of the `File` from
/// that code is recognised and deferred.
pub(crate) struct ProcOps<T> {
    raw: ffi::proc_ops,
    _data: PhantomData<T>,
}

impl<T> ProcOps<T> {
    /// Wraps `raw` as the table of entries over a `Served<T>`.
    ///
    /// # Safety
    ///
    /// Every operation in `raw` must be sound when procfs calls it on a file
    /// of an entry whose data points at a live `Served<T>` that is only
    /// shared until `proc_remove()` of the entry returns, and must run driver
    /// code only inside a frame of it.
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

/// The value, with its frames, of the proc file `file` is open on.
///
/// # Safety
///
/// `file` must be open on a proc entry whose data points at a `Served<T>`
/// that is alive and only shared for `'a` (procfs guarantees it for the
/// duration of an operation on an entry created through a `ProcOps<T>`).
pub(crate) unsafe fn served_of<'a, T>(file: *mut bindings::file) -> &'a Served<T> {
    // SAFETY: By the function's safety requirements.
    unsafe { &*ffi::kfiles_pde_data((*file).f_inode).cast::<Served<T>>() }
}

/// The value of the entry `inode` belongs to.
///
/// # Safety
///
/// `inode` must be the inode of a proc entry whose data points at a
/// `Served<T>` that is alive and only shared for `'a`.
unsafe fn value_of<'a, T>(inode: *mut bindings::inode) -> &'a T {
    // SAFETY: By the function's safety requirements.
    unsafe { &*ffi::kfiles_pde_data(inode).cast::<Served<T>>() }.value()
}

/// `proc_ops` of single-show files over a `T`.
struct ShowOps<T>(PhantomData<T>);

impl<T: Show + Sync> ShowOps<T> {
    // SAFETY: `open_show::<T>`, `read_seq::<T>` and `lseek_seq::<T>` ask for
    // an entry whose data points at a live, shared `Served<T>`; the last two
    // run `seq_read_iter`/`seq_lseek` (which call `T::show`) in a frame of
    // it. `open_show` and `single_release` run no driver code.
    const READ_ONLY: ProcOps<T> = unsafe {
        ProcOps::new(ffi::proc_ops {
            proc_open: Some(open_show::<T>),
            proc_read_iter: Some(read_seq::<T>),
            proc_lseek: Some(lseek_seq::<T>),
            proc_release: Some(ffi::single_release),
            ..EMPTY_PROC_OPS
        })
    };
}

impl<T: Show + Store + Sync> ShowOps<T> {
    // SAFETY: As `READ_ONLY`, and `write_store::<T>` asks for the same and
    // runs `T::store` in a frame.
    const READ_WRITE: ProcOps<T> = unsafe {
        ProcOps::new(ffi::proc_ops {
            proc_write: Some(write_store::<T>),
            ..*ShowOps::<T>::READ_ONLY.raw()
        })
    };
}

/// `proc_ops` of seq_files iterating a `T`.
struct SeqOps<T>(PhantomData<T>);

impl<T: SeqIterator + Sync + 'static> SeqOps<T> {
    // SAFETY: `open_seq::<T>`, `read_seq::<T>` and `lseek_seq::<T>` ask for
    // an entry whose data points at a live, shared `Served<T>`; the last two
    // run `seq_read_iter`/`seq_lseek` (which call the iterator) in a frame
    // of it. `open_seq` and `seq_release_private` run no driver code
    // (cursors are dropped in `stop`, inside the read).
    const OPS: ProcOps<T> = unsafe {
        ProcOps::new(ffi::proc_ops {
            proc_open: Some(open_seq::<T>),
            proc_read_iter: Some(read_seq::<T>),
            proc_lseek: Some(lseek_seq::<T>),
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
///   at a `Served<T>` that stays alive and is only shared until the file is
///   released (`proc_remove()` runs the release of every open file before
///   it returns).
/// - `file` must be that file, being opened.
unsafe extern "C" fn open_show<T: Show + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the two requirements, which are `single_open`'s for the
    // value inside the entry's `Served<T>`.
    unsafe { seqfile_rs::single_open::<T>(file, value_of::<T>(inode)) }
}

/// `proc_open` of seq_files.
///
/// # Safety
///
/// - `inode` must be the inode of the entry being opened, whose data points
///   at a `Served<T>` that stays alive and is only shared until the file is
///   released (`proc_remove()` runs the release of every open file before
///   it returns).
/// - `file` must be that file, being opened.
unsafe extern "C" fn open_seq<T: SeqIterator + 'static>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: By the two requirements, which are `seq_iter_open`'s for the
    // value inside the entry's `Served<T>`.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, value_of::<T>(inode)) }
}

/// `proc_read_iter` of seq_files: `seq_read_iter` in a frame of the entry's
/// value.
///
/// # Safety
///
/// - `iocb` must be a read of a seq_file opened by [`open_show::<T>`] or
///   [`open_seq::<T>`], on an entry whose data points at a `Served<T>` that
///   is alive and only shared for the duration of the call.
/// - `to` must be the destination of that read.
unsafe extern "C" fn read_seq<T>(iocb: *mut bindings::kiocb, to: *mut bindings::iov_iter) -> isize {
    // SAFETY: By the first requirement.
    let _frame = unsafe { served_of::<T>((*iocb).ki_filp) }.enter();
    // SAFETY: By the two requirements, which are `seq_read_iter`'s.
    unsafe { ffi::seq_read_iter(iocb, to) }
}

/// `proc_lseek` of seq_files: `seq_lseek` (which may show records to find
/// the position) in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must be a seq_file opened by [`open_show::<T>`] or
///   [`open_seq::<T>`], on an entry whose data points at a `Served<T>` that
///   is alive and only shared for the duration of the call.
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

/// `proc_write` of single-show files: one `write()` is one value.
///
/// # Safety
///
/// - `file` must be open on an entry whose data points at a `Served<T>` that
///   is alive and only shared for the duration of the call (procfs calls
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
    let served = unsafe { served_of::<T>(file) };
    let _frame = served.enter();
    // SAFETY: By the second requirement, which is `store_user_write`'s.
    unsafe { kfiles_attr::store_user_write(served.value(), buf, count, ppos) }
}
