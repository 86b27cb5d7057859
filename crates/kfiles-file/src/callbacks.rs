// SPDX-License-Identifier: GPL-2.0

//! The callbacks of files over a `Served<T>`, for the tables of every file
//! system: the open, read, seek and write operations of single-show files
//! ([`Show`], [`Store`]) and of seq_files ([`SeqIterator`]).
//!
//! Each finds the entry's `Served<T>` through [`FileSystem::data_of`] and
//! runs the code that reaches the driver (`show`, the iterator, `set_from`)
//! inside a [`Frame`](crate::Frame) of it. [`Operations`] groups them by kind
//! of file; a file system crate copies one into its C table, a
//! [`Table<T, F>`](crate::Table), whose safety requirements they meet when
//! the preconditions below hold, which the file system guarantees for an
//! entry created with that table: it calls an operation only while the entry
//! exists, and its removal waits for the operations in progress.

use crate::{
    handlers::{
        open_per_open, poll_handler, poll_per_open, read_handler, read_per_open, release_per_open,
        write_handler, write_per_open, FileOps, PerOpenOps,
    },
    seek::{
        llseek_sized_handler, llseek_sized_per_open, llseek_within_handler, llseek_within_per_open,
    },
    FileSystem, Frames, Served,
};
use core::marker::PhantomData;
use kernel::{bindings, ffi::c_int};
use kfiles_attr::Store;
use kfiles_ffi as ffi;
use seqfile_rs::{SeqIterator, Show};

/// The value, with its frames, of the entry `inode` belongs to.
///
/// # Safety
///
/// `inode` must be the inode of an entry of `F`, one of whose operations is
/// running, and whose data pointer points at a `Served<T>` that is alive and
/// only shared for `'a`.
pub(crate) unsafe fn served_of<'a, T, F: FileSystem>(inode: *mut bindings::inode) -> &'a Served<T> {
    // SAFETY: By the function's safety requirements, `F::data_of`'s hold
    // (this is one of the entry's operations).
    unsafe { &*F::data_of(inode).cast::<Served<T>>() }
}

/// The value, with its frames, of the entry `file` is open on.
///
/// # Safety
///
/// `file` must be open on an entry of `F`, one of whose operations is
/// running, and whose data pointer points at a `Served<T>` that is alive and
/// only shared for `'a`.
pub unsafe fn served_of_file<'a, T, F: FileSystem>(file: *mut bindings::file) -> &'a Served<T> {
    // SAFETY: An open file's inode is the entry's (function requirements).
    unsafe { served_of::<T, F>((*file).f_inode) }
}

/// The frames of the entry `file` is open on, whatever its value's type.
///
/// # Safety
///
/// `file` must be open on an entry of `F`, one of whose operations is
/// running, and whose data pointer points at a `Served<T>`, of any `T`, that
/// is alive and only shared for `'a`.
#[inline]
unsafe fn frames_of_file<'a, F: FileSystem>(file: *mut bindings::file) -> &'a Frames {
    // SAFETY: An open file's inode is the entry's, and its data pointer
    // points at a live, shared `Served<T>` (function requirements), whose
    // `Frames` are at offset 0 (`Served`'s type invariants).
    unsafe { &*F::data_of((*file).f_inode).cast::<Frames>() }
}

/// `open` of single-show files: a single-show seq_file over the entry's
/// value. Runs no driver code.
///
/// # Safety
///
/// - `inode` must be the inode of the entry of `F` being opened, whose data
///   pointer points at a `Served<T>` that stays alive and is only shared
///   until the file is released or `F` stops calling its `read` (when the
///   entry is removed).
/// - `file` must be that file, being opened.
pub unsafe extern "C" fn open_show<T: Show + Sync, F: FileSystem>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of::<T, F>(inode) };
    // SAFETY: By the two requirements, which are `single_open`'s for the
    // value inside `served`.
    unsafe { seqfile_rs::single_open::<T>(file, served.value()) }
}

/// `open` of seq_files: a seq_file iterating the entry's value. Runs no
/// driver code (cursors are created in `start`, inside the read).
///
/// # Safety
///
/// As for [`open_show`].
pub unsafe extern "C" fn open_seq<T: SeqIterator + 'static, F: FileSystem>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of::<T, F>(inode) };
    // SAFETY: By the two requirements, which are `seq_iter_open`'s for the
    // value inside `served`.
    unsafe { seqfile_rs::seq_iter_open::<T>(file, served.value()) }
}

/// `read` of seq_files (`file_operations`): `seq_read` in a frame of the
/// entry's value.
///
/// # Safety
///
/// - `file` must be a seq_file opened by [`open_show::<T, F>`] or
///   [`open_seq::<T, F>`], of any `T`, on an entry whose data pointer points
///   at a `Served<T>` that is alive and only shared for the duration of the
///   call.
/// - `buf`, `count` and `ppos` must be those of the `read()` call.
pub unsafe extern "C" fn read_seq<F: FileSystem>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let _frame = unsafe { frames_of_file::<F>(file) }.enter();
    // SAFETY: By the two requirements, which are `seq_read`'s.
    unsafe { ffi::seq_read(file, buf, count, ppos) }
}

/// `read_iter` of seq_files (`proc_ops`): `seq_read_iter` in a frame of the
/// entry's value.
///
/// # Safety
///
/// - `iocb` must be a read of a seq_file opened by [`open_show::<T, F>`] or
///   [`open_seq::<T, F>`], of any `T`, on an entry whose data pointer points
///   at a `Served<T>` that is alive and only shared for the duration of the
///   call.
/// - `to` must be the destination of that read.
pub unsafe extern "C" fn read_iter_seq<F: FileSystem>(
    iocb: *mut bindings::kiocb,
    to: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: By the first requirement.
    let _frame = unsafe { frames_of_file::<F>((*iocb).ki_filp) }.enter();
    // SAFETY: By the two requirements, which are `seq_read_iter`'s.
    unsafe { ffi::seq_read_iter(iocb, to) }
}

/// `llseek` of seq_files: `seq_lseek` (which may show records to find the
/// position) in a frame of the entry's value.
///
/// # Safety
///
/// - `file` as for [`read_seq`].
/// - `offset` and `whence` are those of the `lseek()` call.
pub unsafe extern "C" fn lseek_seq<F: FileSystem>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: By the first requirement.
    let _frame = unsafe { frames_of_file::<F>(file) }.enter();
    // SAFETY: By the two requirements, which are `seq_lseek`'s.
    unsafe { ffi::seq_lseek(file, offset, whence) }
}

/// `write` of writable files: one `write()` is one value, parsed by `T`'s
/// [`Store`] in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must be open on an entry of `F` whose data pointer points at a
///   `Served<T>` that is alive and only shared for the duration of the call.
/// - `buf` and `count` must be the user buffer of the call, and `ppos` a
///   file position valid for reads and writes during it.
pub unsafe extern "C" fn write_store<T: Store + Sync, F: FileSystem>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of_file::<T, F>(file) };
    let _frame = served.enter();
    // SAFETY: By the second requirement, which is `store_user_write`'s.
    unsafe { kfiles_attr::store_user_write(served.value(), buf, count, ppos) }
}

/// `open` of a file: `inode` and `file`.
pub type OpenFn = unsafe extern "C" fn(*mut bindings::inode, *mut bindings::file) -> c_int;
/// `read` of a file: `file`, user buffer, count, position.
pub type ReadFn = unsafe extern "C" fn(
    *mut bindings::file,
    *mut kernel::ffi::c_char,
    usize,
    *mut bindings::loff_t,
) -> isize;
/// `read_iter` of a file: the I/O control block and the destination.
pub type ReadIterFn = unsafe extern "C" fn(*mut bindings::kiocb, *mut bindings::iov_iter) -> isize;
/// `write` of a file: `file`, user buffer, count, position.
pub type WriteFn = unsafe extern "C" fn(
    *mut bindings::file,
    *const kernel::ffi::c_char,
    usize,
    *mut bindings::loff_t,
) -> isize;
/// `llseek` of a file: `file`, offset, whence.
pub type LlseekFn =
    unsafe extern "C" fn(*mut bindings::file, bindings::loff_t, c_int) -> bindings::loff_t;
/// `release` of a file: `inode` and `file`.
pub type ReleaseFn = unsafe extern "C" fn(*mut bindings::inode, *mut bindings::file) -> c_int;
/// `poll` of a file: `file` and the poll table.
pub type PollFn = unsafe extern "C" fn(
    *mut bindings::file,
    *mut bindings::poll_table_struct,
) -> bindings::__poll_t;

/// The operations of one kind of file over a `Served<T>` in the file system
/// `F`, for `F`'s crate to put in its C table, each in the field of its
/// name. `read` and `read_iter` do the same job: a table takes `read_iter`
/// if its file system calls it and there is one, else `read`.
///
/// # Invariants
///
/// Each operation is sound when `F` calls it on an entry whose data pointer
/// points at a `Served<T>` that is alive and only shared until `F::remove()`
/// of the entry has returned; those that run driver code do so inside a
/// [`Frame`](crate::Frame) of it; `release` does not use it, except, only
/// where [`FileSystem::DATA_ALIVE_IN_RELEASE`] promises it alive then, to
/// enter a frame (per-open files, whose `release` runs the state's `drop`).
/// (`poll` adds pollers to a head the `Served` owns and hands over, when
/// dropped, to helpers that free it once no poller holds it: a poll wait
/// entry outlives the callback, and the `Served` need not.)
pub struct Operations<T, F: FileSystem> {
    open: Option<OpenFn>,
    read: Option<ReadFn>,
    read_iter: Option<ReadIterFn>,
    write: Option<WriteFn>,
    llseek: Option<LlseekFn>,
    release: Option<ReleaseFn>,
    poll: Option<PollFn>,
    _types: PhantomData<(T, F)>,
}

impl<T, F: FileSystem> Operations<T, F> {
    /// `open`.
    pub const fn open(&self) -> Option<OpenFn> {
        self.open
    }

    /// `read`, for tables of file systems that call it.
    pub const fn read(&self) -> Option<ReadFn> {
        self.read
    }

    /// `read_iter`, for tables of file systems that call it.
    pub const fn read_iter(&self) -> Option<ReadIterFn> {
        self.read_iter
    }

    /// `write`.
    pub const fn write(&self) -> Option<WriteFn> {
        self.write
    }

    /// `llseek`.
    pub const fn llseek(&self) -> Option<LlseekFn> {
        self.llseek
    }

    /// `release`.
    pub const fn release(&self) -> Option<ReleaseFn> {
        self.release
    }

    /// `poll`.
    pub const fn poll(&self) -> Option<PollFn> {
        self.poll
    }
}

impl<T: Show + Sync, F: FileSystem> Operations<T, F> {
    /// A single-show file: `T` shown through a seq_file.
    // INVARIANT: `open_show`, `read_seq`, `read_iter_seq` and `lseek_seq` ask
    // for an entry whose data pointer points at a live, shared `Served<T>`,
    // which `F` guarantees while an operation of the entry runs; the three
    // last run `seq_read`, `seq_read_iter` and `seq_lseek` (which call
    // `T::show`) in a frame of it. `open_show` runs no driver code and
    // `single_release` does not use the value.
    pub const READ_ONLY: Self = Self {
        open: Some(open_show::<T, F>),
        read: Some(read_seq::<F>),
        read_iter: Some(read_iter_seq::<F>),
        write: None,
        llseek: Some(lseek_seq::<F>),
        release: Some(ffi::single_release),
        poll: None,
        _types: PhantomData,
    };
}

impl<T: Show + Store + Sync, F: FileSystem> Operations<T, F> {
    /// A single-show file whose writes [`Store`] parses.
    // INVARIANT: As `READ_ONLY`, and `write_store` asks for the same and
    // runs `T::set_from` in a frame.
    pub const READ_WRITE: Self = Self {
        write: Some(write_store::<T, F>),
        ..Self::READ_ONLY
    };
}

impl<T: Store + Sync, F: FileSystem> Operations<T, F> {
    /// A file that [`Store`] sets and that cannot be read.
    // INVARIANT: `write_store` asks for an entry whose data pointer points
    // at a live, shared `Served<T>` and runs `T::set_from` in a frame;
    // `simple_open` and `default_llseek` do not look at it.
    pub const WRITE_ONLY: Self = Self {
        open: Some(ffi::simple_open),
        read: None,
        read_iter: None,
        write: Some(write_store::<T, F>),
        llseek: Some(ffi::default_llseek),
        release: None,
        poll: None,
        _types: PhantomData,
    };
}

impl<T: SeqIterator + Sync + 'static, F: FileSystem> Operations<T, F> {
    /// A seq_file iterating `T`.
    // INVARIANT: `open_seq`, `read_seq`, `read_iter_seq` and `lseek_seq` ask
    // for an entry whose data pointer points at a live, shared `Served<T>`;
    // the three last run the seq_file reads and seeks (which call the
    // iterator) in a frame of it. `open_seq` runs no driver code (cursors
    // are made in `start`, inside a read) and `seq_release_private` does not
    // use the value.
    pub const SEQ: Self = Self {
        open: Some(open_seq::<T, F>),
        read: Some(read_seq::<F>),
        read_iter: Some(read_iter_seq::<F>),
        write: None,
        llseek: Some(lseek_seq::<F>),
        release: Some(ffi::seq_release_private),
        poll: None,
        _types: PhantomData,
    };
}

impl<T: FileOps, F: FileSystem> Operations<T, F> {
    /// A file whose reads and writes `T`'s [`FileOps`] handlers serve, at
    /// any offset.
    // INVARIANT: `read_handler`, `write_handler`, `poll_handler` and
    // `llseek_sized_handler` ask for an entry whose data pointer points at a
    // live, shared `Served<T>` and run `T`'s code in a frame of it; the
    // `open` of a stream (`stream_open()`) and the other `llseek`s
    // (`default_llseek()`, `fixed_size_llseek()` at a constant size, ...) do
    // not look at it; there is no `release`.
    pub const HANDLERS: Self = Self {
        open: T::SEEK.open(),
        read: Some(read_handler::<T, F>),
        read_iter: None,
        write: Some(write_handler::<T, F>),
        llseek: Some(T::SEEK.llseek(llseek_within_handler::<T>, llseek_sized_handler::<T, F>)),
        release: None,
        poll: Some(poll_handler::<T, F>),
        _types: PhantomData,
    };
}

impl<T: PerOpenOps, F: FileSystem> Operations<T, F> {
    /// A file each of whose opens has state of its own, made by `T`'s
    /// [`PerOpenOps::open`] and dropped on release.
    // INVARIANT: `open_per_open`, `read_per_open` and `write_per_open` ask
    // for an entry whose data pointer points at a live, shared `Served<T>`
    // and run `T`'s code in a frame of it, as does `poll_per_open`;
    // `release_per_open` uses the value only if
    // `F::DATA_ALIVE_IN_RELEASE` says the file system keeps it alive then;
    // `llseek_sized_per_open` asks for the same as the handlers and runs
    // `T::size` in a frame; the other `llseek`s do not look at it.
    pub const PER_OPEN: Self = Self {
        open: Some(open_per_open::<T, F>),
        read: Some(read_per_open::<T, F>),
        read_iter: None,
        write: Some(write_per_open::<T, F>),
        llseek: Some(T::SEEK.llseek(llseek_within_per_open::<T>, llseek_sized_per_open::<T, F>)),
        release: Some(release_per_open::<T, F>),
        poll: Some(poll_per_open::<T, F>),
        _types: PhantomData,
    };
}
