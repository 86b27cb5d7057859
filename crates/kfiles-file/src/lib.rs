// SPDX-License-Identifier: GPL-2.0

//! The file core of debugfs-rs and procfs-rs: owned entries, pinned files
//! over a value, the callbacks that serve them, and removal that is safe from
//! any context, the file's own callbacks included.
//!
//! C headers: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h),
//! [`include/linux/proc_fs.h`](srctree/include/linux/proc_fs.h)
//!
//! The two file systems differ in a few C calls only (how an entry is
//! created and removed, where an inode keeps its data pointer, the type of
//! the operations table) and in what an entry holds of its place (debugfs:
//! its parent directory; procfs: its name, claimed in the parent). A
//! [`FileSystem`] implementation says exactly that; everything else is here,
//! once:
//!
//! - [`Entry`]: a directory or other entry the crate created, removed when
//!   the last `Arc` to it is dropped (deferred to a worker where the drop
//!   cannot sleep).
//! - [`File`]: a pinned file that owns its value (on the heap, at a fixed
//!   address, in a [`Served`]), removed before the value is dropped; a drop
//!   from inside one of its own callbacks, or where sleeping is not allowed,
//!   is deferred until it can be done.
//! - [`Table`]: an operations table tied to its value type, built as a
//!   `const` by the file system crates from the callbacks in
//!   [`callbacks`].
//!
//! Drivers reach it through debugfs-rs and procfs-rs, which export `File<T>`
//! as `kfiles_file::File<T, TheirFileSystem>` and their `Dir` as a wrapper of
//! [`Dir<F>`]. Its safe API is as safe to call as theirs: what only a file
//! system crate may do takes a [`Token`] that only this crate can make, or is
//! `unsafe`.

use core::{
    ffi::{c_void, CStr},
    marker::{PhantomData, PhantomPinned},
    ops::Deref,
    ptr::NonNull,
};
use kernel::{
    alloc::flags::{GFP_ATOMIC, GFP_KERNEL},
    bindings,
    error::{
        code::{ENOMEM, EPERM},
        Error, Result,
    },
    prelude::*,
    sync::Arc,
};
use kfiles_ffi as ffi;

mod blob;
pub mod callbacks;
mod handlers;
mod scope;
mod seek;
mod served;
mod wait;

pub use blob::{Blob, U32Array, WritableBlob};
use callbacks::Operations;
pub use handlers::{FileOps, PerOpenOps, ReadBuf, WriteBuf};
use kfiles_attr::{ReadCallback, ReadWriteCallback, Store, WriteCallback};
pub use kfiles_core::mode::Mode;
pub use scope::{Scope, ScopedDir};
pub use seek::Seek;
use seqfile_rs::{SeqFile, SeqIterator, Show};
pub use served::{Frame, Frames, Served};
use wait::Pollers;
pub use wait::{EventQueue, PollEvents};

/// What debugfs-rs and procfs-rs both export to drivers, each with
/// `pub use kfiles_file::exports::*`: the value and handler traits, the
/// kinds of file, [`Mode`], [`Seek`], the formatting helpers.
pub mod exports {
    pub use crate::{
        Blob, EventQueue, FileOps, Handlers, Mode, PerOpen, PerOpenOps, PollEvents, ReadBuf,
        ReadOnly, ReadWrite, Seek, Seq, U32Array, WritableBlob, WriteBuf, WriteOnly,
    };
    pub use kfiles_attr::{
        parse_bool, parse_int, AtomicInt, Bounded, Hex, Parse, ReadCallback, ReadFn,
        ReadWriteCallback, Store, Text, WriteCallback, WriteFn, MAX_STORE_INPUT,
    };
    pub use seqfile_rs::{
        seq_print, Align, Line, ListFile, ListShow, Reg32, RegSet32, Regs32, SeqFile, SeqIterator,
        Show,
    };
}

/// Declares a file system crate's directory type: a newtype over
/// [`Dir<F>`] that derefs to it, so that the files are made by the same
/// methods in every file system, and the crate adds how directories are
/// made (`impl` blocks of its own). The field is private to the module
/// that invokes the macro.
#[doc(hidden)]
#[macro_export]
macro_rules! dir_type {
    ($(#[$attr:meta])* $vis:vis struct $name:ident($fs:ty);) => {
        $(#[$attr])*
        #[derive(Clone)]
        $vis struct $name($crate::Dir<$fs>);

        /// The files of a directory are made the same way in debugfs and
        /// procfs: [`read_only_file`](kfiles_file::Dir::read_only_file) and
        /// its siblings.
        impl ::core::ops::Deref for $name {
            type Target = $crate::Dir<$fs>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}

/// The event queue of a value of type `T`, as `queue()` of [`FileOps`] and
/// [`PerOpenOps`] returns it.
pub type QueueOf<T> = for<'a> fn(&'a T) -> Option<&'a EventQueue>;

/// Proof that a call of a [`FileSystem`] method comes from this crate: the
/// methods that are safe to call but not for everyone (taking a place, which
/// must later be dropped where sleeping is allowed) take one, and only this
/// crate can make it.
pub struct Token(());

/// What a file system that hosts kfiles entries must provide.
///
/// # Safety
///
/// Implementations must keep these promises, on which [`Entry`], [`File`]
/// and the callbacks rely:
///
/// - [`place`](Self::place) returns a place only for a name that is one
///   plain path component and a mode that [`create_file`](Self::create_file)
///   may be given with it (or a place where `create_file` creates nothing);
///   it may sleep, and is called only where sleeping is allowed.
/// - [`create_file`](Self::create_file), given a place that `place` returned
///   for the same name and mode, either fails, creating nothing, or
///   returns NULL, an `ERR_PTR()` (for a file that does not exist) or an
///   entry of this file system named `name` in the directory `place` keeps
///   alive, with permission bits from `mode` only, whose operations are
///   `ops` and whose inode's data pointer, as [`data_of`](Self::data_of)
///   returns it, is `data`.
/// - [`table`](Self::table) returns a table built from `K`'s
///   [`callbacks::Operations`], each in the C field of its name,
///   except that one of `read` and `read_iter` may be left out (the one the
///   file system would not call), never both where `K` has one of them.
/// - [`remove`](Self::remove) may be called from any task that may sleep;
///   the file system serialises the creation of entries in a directory.
/// - [`new_children`](Self::new_children), and dropping `Children`, may run
///   in any context, atomic ones included.
/// - [`remove`](Self::remove) accepts what `create_file` and the crate's own
///   directory creation return, removes the entry with everything below it,
///   waits for the operations in progress on it, and returns only when no
///   operation of the entry can run any more, except a `release` that does
///   not use the data pointer.
/// - [`data_of`](Self::data_of), given the inode of an entry while one of
///   its operations runs, returns the data pointer the entry was created
///   with.
/// - [`DATA_ALIVE_IN_RELEASE`](Self::DATA_ALIVE_IN_RELEASE) is true only if
///   `remove` waits for the releases in progress on the entry's files, no
///   `release` of them runs after `remove` has returned, and `data_of` is
///   valid during a `release`; if false, `remove` must not wait for
///   releases (a release may then drop its own file directly).
pub unsafe trait FileSystem: Sized + 'static {
    /// The C entry (`struct dentry`, `struct proc_dir_entry`).
    type Node;
    /// The C operations table (`struct file_operations`, `struct proc_ops`).
    type Ops: 'static;
    /// What an entry holds of its place: its parent directory, its name.
    /// Dropped after the entry is removed.
    type Place: Send + Sync;
    /// What a directory entry keeps for its children (procfs: their names).
    type Children: Send + Sync;

    /// An empty `Children`, for a new entry.
    fn new_children(token: Token) -> Self::Children;

    /// Where a new file `name` with permission bits `mode` goes in `dir`
    /// (`None`: the file system's root), or why it may not be created
    /// there. Called where sleeping is allowed, before the file is created.
    fn place(
        token: Token,
        dir: Option<&Arc<Entry<Self>>>,
        name: &CStr,
        mode: u16,
    ) -> Result<Self::Place>;

    /// The C table of files of kind `K` over a `T`.
    fn table<T, K: Kind<T, Self>>(token: Token) -> &'static Table<T, Self>;

    /// Makes the directory `name` with permission bits `mode` in `dir`, as
    /// the file system crate's own `Dir::subdir` does (for
    /// [`ScopedDir::subdir`]).
    fn subdir(token: Token, dir: &Dir<Self>, name: &CStr, mode: u16) -> Result<Dir<Self>>;

    /// Creates a file `name` in the directory of `place`, with operations
    /// `ops` over the data pointer `data`.
    ///
    /// # Safety
    ///
    /// `place` must come from [`place`](Self::place) with the same `name` and
    /// `mode`, which holds permission bits only; the caller must be able to
    /// sleep; `data` must stay valid, and be used only as `ops` expects,
    /// until [`remove`](Self::remove) of the result has returned.
    unsafe fn create_file(
        place: &Self::Place,
        name: &CStr,
        mode: u16,
        data: *mut c_void,
        ops: &'static Self::Ops,
    ) -> Result<*mut Self::Node>;

    /// Removes `node` and everything below it.
    ///
    /// # Safety
    ///
    /// `node` must be NULL, an `ERR_PTR()`, or an entry this crate created
    /// and owns, not yet removed; the caller must be able to sleep and must
    /// not be inside an operation of `node` or of an entry below it.
    unsafe fn remove(node: *mut Self::Node);

    /// The data pointer of the entry `inode` belongs to.
    ///
    /// # Safety
    ///
    /// `inode` must be the inode of an entry of this file system created by
    /// this crate, while one of its operations runs.
    unsafe fn data_of(inode: *mut bindings::inode) -> *mut c_void;

    /// Whether an entry's data is alive while `release` of one of its files
    /// runs: true if removing an entry waits for the releases in progress
    /// (procfs releases the files still open itself, then returns), false if
    /// a file may be released after its entry is gone (debugfs).
    const DATA_ALIVE_IN_RELEASE: bool;
}

/// An entry of `F` that this crate created, removed when dropped.
///
/// Directories are held as `Arc<Entry<F>>`: every entry created in one holds
/// a clone (through its `Place`), so a directory goes only after everything
/// in it.
///
/// # Invariants
///
/// `node` is a live entry of `F`, not yet removed: created by this crate
/// and placed as `place` says, or, if `borrowed`, a directory that someone
/// else created, removes, and keeps alive until this value and everything
/// created in it are gone (`place` is then `None`). Otherwise `place` is
/// `None` only inside `drop`.
pub struct Entry<F: FileSystem> {
    node: *mut F::Node,
    place: Option<F::Place>,
    children: F::Children,
    borrowed: bool,
}

// SAFETY: An `Entry` only holds its node to remove it, which any thread that
// may sleep can do (`drop` hands it to a worker otherwise); `Place` and
// `Children` are `Send` (trait bounds).
unsafe impl<F: FileSystem> Send for Entry<F> {}
// SAFETY: `&Entry` gives the node pointer (creating children in it is
// serialised by the file system) and `&Children`, which is `Sync`.
unsafe impl<F: FileSystem> Sync for Entry<F> {}

impl<F: FileSystem> Entry<F> {
    /// Takes ownership of `node`, just created at `place`; `ENOMEM` if
    /// creation failed (`node` NULL or an `ERR_PTR()`) or the `Entry` cannot
    /// be allocated (having removed `node`).
    ///
    /// # Safety
    ///
    /// `node` must be NULL, an `ERR_PTR()`, or an entry of `F` just created
    /// at `place` (in the directory it keeps alive), owned by nothing else,
    /// and a directory unless the `Arc` is never given to [`Dir::new`] (a
    /// symbolic link, say).
    pub unsafe fn wrap(node: *mut F::Node, place: F::Place) -> Result<Arc<Self>> {
        if ffi::is_err_or_null(node) {
            return Err(ENOMEM);
        }
        // On failure `Arc::new` drops the `Entry`, whose `drop` removes the
        // node (and then drops the place).
        Ok(Arc::new(
            Self {
                node,
                place: Some(place),
                children: F::new_children(Token(())),
                borrowed: false,
            },
            GFP_KERNEL,
        )?)
    }

    /// A directory that something else created and will remove (a network
    /// namespace's `/proc/net`), to create entries in: dropping the last
    /// `Arc` removes nothing. `ENOMEM` if the `Entry` cannot be allocated.
    ///
    /// # Safety
    ///
    /// `node` must be a directory of `F` that stays alive, and is not
    /// removed, until the returned `Arc`, every clone of it, and every
    /// entry created in it have been dropped, with their removals done
    /// (none deferred to a worker past that point).
    pub unsafe fn borrowed(node: *mut F::Node) -> Result<Arc<Self>> {
        // INVARIANT: `node` is live until this and what is made in it are
        // gone (function requirements); `borrowed` says so.
        Ok(Arc::new(
            Self {
                node,
                place: None,
                children: F::new_children(Token(())),
                borrowed: true,
            },
            GFP_KERNEL,
        )?)
    }

    /// Whether the entry is someone else's directory (see
    /// [`borrowed`](Self::borrowed)), which this crate never removes.
    pub fn is_borrowed(&self) -> bool {
        self.borrowed
    }

    /// The entry, for use as a parent while `self` is alive.
    pub fn node(&self) -> *mut F::Node {
        self.node
    }

    /// Where the entry was created (`None` for a borrowed directory).
    pub fn place(&self) -> Option<&F::Place> {
        self.place.as_ref()
    }

    /// What the entry keeps for its children.
    pub fn children(&self) -> &F::Children {
        &self.children
    }
}

impl<F: FileSystem> Drop for Entry<F> {
    fn drop(&mut self) {
        if self.borrowed {
            // Its owner removes it.
            return;
        }
        if !ffi::may_sleep() {
            // Removal sleeps: hand it, with the place, to a worker.
            // Allocated before anything is moved: a failed `KBox::new` would
            // drop its argument, recursing into this.
            match KBox::<Self>::new_uninit(GFP_ATOMIC) {
                Ok(slot) => {
                    let moved = KBox::write(
                        slot,
                        Self {
                            node: self.node,
                            place: self.place.take(),
                            children: F::new_children(Token(())),
                            borrowed: false,
                        },
                    );
                    // SAFETY: `remove_entry::<F>` takes the `KBox<Entry<F>>`
                    // we give up and drops it on an async worker, in task
                    // context, which removes the entry there.
                    unsafe {
                        ffi::kfiles_defer_teardown(
                            Some(remove_entry::<F>),
                            KBox::into_raw(moved).cast(),
                        )
                    };
                }
                Err(_) => {
                    // Removing here would sleep: leak the entry (and its
                    // place) instead, keeping the module, whose code its
                    // operations are, pinned.
                    // SAFETY: `kfiles_pin_for_leak()` only takes a module
                    // reference and logs.
                    unsafe { ffi::kfiles_pin_for_leak() };
                    core::mem::forget(self.place.take());
                }
            }
            return;
        }
        // SAFETY: By the type invariants `node` is live and owned by `self`;
        // this context may sleep (checked above). No operation of the entry
        // or of one below it runs on this task: the entries below it each
        // hold an `Arc` of it, so there are none left, and the kinds wrapped
        // as `Entry` (directories, symbolic links) have no operations of
        // ours.
        unsafe { F::remove(self.node) };
        // The place (the parent, the name) is released only now that the
        // entry is gone.
        drop(self.place.take());
    }
}

/// Drops a `KBox<Entry<F>>` moved out of an [`Entry`] dropped where it could
/// not sleep.
///
/// # Safety
///
/// `entry` must come from `KBox::into_raw` of a `KBox<Entry<F>>`, given up
/// by the caller, and this must run in a context that may sleep.
unsafe extern "C" fn remove_entry<F: FileSystem>(entry: *mut c_void) {
    // SAFETY: By the function's safety requirements.
    drop(unsafe { KBox::from_raw(entry.cast::<Entry<F>>()) });
}

/// An operations table of `F` for entries whose data pointer points at a
/// `Served<T>`.
///
/// # Invariants
///
/// Every operation in `raw` is sound when `F` calls it on an entry whose
/// data pointer ([`FileSystem::data_of`]) points at a `Served<T>` that stays
/// alive, at that address, and is only shared until [`FileSystem::remove`]
/// of the entry has returned (a `release` called after that does not use
/// it); and every operation that runs driver code does so inside a
/// [`Frame`] of it, so that a drop of the [`File`] from that code is
/// recognised and deferred.
pub struct Table<T, F: FileSystem> {
    raw: F::Ops,
    _data: PhantomData<T>,
}

impl<T, F: FileSystem> Table<T, F> {
    /// Wraps `raw` as the table of entries over a `Served<T>`.
    ///
    /// # Safety
    ///
    /// Every operation in `raw` must be sound when `F` calls it on an entry
    /// whose data pointer points at a live `Served<T>` that is only shared
    /// until `F::remove()` of the entry returns (a `release` called after
    /// that must not use it), and must run driver code only inside a
    /// [`Frame`] of it, except a `release` that runs it where
    /// `F::remove()` does not wait for releases
    /// ([`FileSystem::DATA_ALIVE_IN_RELEASE`] false). The callbacks of
    /// [`callbacks`] say what each requires.
    pub const unsafe fn new(raw: F::Ops) -> Self {
        // INVARIANT: By the function's safety requirements.
        Self {
            raw,
            _data: PhantomData,
        }
    }

    /// The C table, to build another from (`..*TABLE.raw()`).
    pub const fn raw(&self) -> &F::Ops {
        &self.raw
    }
}

/// A file of `F` showing (and possibly updating) a value of type `T`.
///
/// The file owns the value; [`Deref`] gives the driver access to it. The
/// entry is removed when the `File` is dropped, before the value is, and the
/// file keeps its place (its directory, its name) until then. A `File` is
/// created pinned by the constructors of the file system crates, typically
/// as a `#[pin]` field of a driver's state.
///
/// Dropping a `File` waits for its callbacks in progress, except when it is
/// dropped from inside one of them (a `remove` file whose `set_from` drops the
/// file itself) or where sleeping is not allowed: then the removal, and the
/// drop of the value, happen as soon as possible on a kernel worker; module
/// unload waits for them (`kfiles_compat::module!`).
///
/// # Invariants
///
/// `live` points at a pinned [`Live<T, F>`] allocated by [`Live::create`]
/// and owned by this `File`, never moved; its `node` is what `F::create_file` returned for its
/// `place`, with its `served` as the data pointer. `T: Send + Sync` (the
/// only constructor requires it).
#[pin_data(PinnedDrop)]
pub struct File<T, F: FileSystem> {
    live: NonNull<Live<T, F>>,
    #[pin]
    _pin: PhantomPinned,
}

/// What a [`File`] owns, on the heap, pinned: a removal deferred past the
/// `File`'s drop still has it.
#[pin_data]
pub(crate) struct Live<T, F: FileSystem> {
    node: *mut F::Node,
    /// Released after the removal.
    _place: F::Place,
    #[pin]
    served: Served<T>,
}

impl<T, F: FileSystem> Live<T, F> {
    /// Allocates the state of a file `name` at `place` and creates the file.
    ///
    /// # Safety
    ///
    /// `place` must come from `F::place` for `name` and `mode` (permission
    /// bits only), and `T: Send + Sync`.
    unsafe fn create<E>(
        place: F::Place,
        name: &CStr,
        mode: u16,
        init: impl PinInit<T, E>,
        table: &'static Table<T, F>,
        queue: Option<QueueOf<T>>,
    ) -> Result<NonNull<Self>>
    where
        Error: From<E>,
    {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let live = try_pin_init!(Self {
            node: core::ptr::null_mut(),
            _place: place,
            served <- Served::new(Pollers::new()?, queue, init),
        }? Error);
        let live = KBox::<Self>::pin_init::<Error>(live, GFP_KERNEL)?;
        // SAFETY: The allocation is never moved out of: it is dropped in
        // place, by `KBox::from_raw` in `teardown` or below, or leaked
        // (`kfiles_defer_teardown()` keeps it when it cannot run the
        // teardown).
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(live) });
        // SAFETY: `raw` is the allocation just made, not yet shared. The
        // place came from `F::place` for `name` and `mode` (function
        // requirements).
        // `served` lives at this address until the owning `File` is dropped,
        // which first removes the entry and waits for its operations (or has
        // that done, and the memory freed, by `teardown::<T, F>` later), and
        // is only shared: what `table` (a `Table<T, F>`) requires of the data
        // pointer.
        let node = unsafe {
            F::create_file(
                &(*raw)._place,
                name,
                mode,
                core::ptr::addr_of!((*raw).served).cast_mut().cast(),
                &table.raw,
            )
        };
        let node = match node {
            Ok(node) => node,
            Err(e) => {
                // SAFETY: `raw` came from `KBox::into_raw` above and nothing
                // points at it: creation failed.
                drop(unsafe { KBox::from_raw(raw) });
                return Err(e);
            }
        };
        // SAFETY: Operations that may already run only read `served`; this
        // writes another field, through the raw pointer.
        unsafe { core::ptr::addr_of_mut!((*raw).node).write(node) };
        // SAFETY: `raw` came from `KBox::into_raw`, so it is not NULL.
        Ok(unsafe { NonNull::new_unchecked(raw) })
    }
}

mod sealed {
    /// Only this crate's kinds are kinds.
    pub trait Sealed {}
}

/// A kind of file over a `T` (read-only, read-write, write-only, seq_file,
/// handler files): its operations and the permission bits it keeps of a
/// mode. Sealed: the kinds are this crate's.
pub trait Kind<T, F: FileSystem>: sealed::Sealed {
    /// The operations of files of this kind.
    const OPERATIONS: Operations<T, F>;
    /// The permission bits a mode keeps (a read-only file loses its write
    /// bits).
    const MODE_BITS: u16;
    /// The value's event queue (its `queue()`), for kinds that have one:
    /// the removal wakes it, and its wake-ups reach the file's pollers.
    const QUEUE: Option<QueueOf<T>> = None;
}

/// Files that show a value ([`Show`]) and cannot be written.
pub struct ReadOnly;
/// Files that show a value ([`Show`]) and set it ([`Store`]).
pub struct ReadWrite;
/// Files that set a value ([`Store`]) and cannot be read.
pub struct WriteOnly;
/// seq_files that print the records of an iterator ([`SeqIterator`]).
pub struct Seq;
/// Files whose reads and writes handlers serve ([`FileOps`]).
pub struct Handlers;
/// Files each of whose opens has state of its own ([`PerOpenOps`]).
pub struct PerOpen;

impl sealed::Sealed for ReadOnly {}
impl sealed::Sealed for ReadWrite {}
impl sealed::Sealed for WriteOnly {}
impl sealed::Sealed for Seq {}
impl sealed::Sealed for Handlers {}
impl sealed::Sealed for PerOpen {}

impl<T: Show + Sync, F: FileSystem> Kind<T, F> for ReadOnly {
    const OPERATIONS: Operations<T, F> = Operations::READ_ONLY;
    const MODE_BITS: u16 = 0o444;
}

impl<T: Show + Store + Sync, F: FileSystem> Kind<T, F> for ReadWrite {
    const OPERATIONS: Operations<T, F> = Operations::READ_WRITE;
    const MODE_BITS: u16 = 0o777;
}

impl<T: Store + Sync, F: FileSystem> Kind<T, F> for WriteOnly {
    const OPERATIONS: Operations<T, F> = Operations::WRITE_ONLY;
    const MODE_BITS: u16 = 0o222;
}

impl<T: SeqIterator + Sync + 'static, F: FileSystem> Kind<T, F> for Seq {
    const OPERATIONS: Operations<T, F> = Operations::SEQ;
    const MODE_BITS: u16 = 0o444;
}

impl<T: FileOps, F: FileSystem> Kind<T, F> for Handlers {
    const OPERATIONS: Operations<T, F> = Operations::HANDLERS;
    const MODE_BITS: u16 = 0o777;
    const QUEUE: Option<QueueOf<T>> = Some(<T as FileOps>::queue);
}

impl<T: PerOpenOps, F: FileSystem> Kind<T, F> for PerOpen {
    const OPERATIONS: Operations<T, F> = Operations::PER_OPEN;
    const MODE_BITS: u16 = 0o777;
    const QUEUE: Option<QueueOf<T>> = Some(<T as PerOpenOps>::queue);
}

/// Removes a file's entry, then drops its value and its place.
///
/// # Safety
///
/// `live` must come from [`Live::create`] for these `T` and `F`, owned by the
/// caller (which gives it up); the caller must be able to sleep and must not
/// be inside an operation of the entry.
pub(crate) unsafe extern "C" fn teardown<T, F: FileSystem>(live: *mut c_void) {
    let live = live.cast::<Live<T, F>>();
    // SAFETY: `live` is valid (function requirements); operations in
    // progress share `served` too, which this only reads.
    let served = unsafe { &(*live).served };
    // Readers blocked in a handler stop waiting (they fail with `EIO`), and
    // pollers return while the file still answers them: the removal below
    // waits for the readers.
    served.begin_removal();
    // SAFETY: `live` is valid (function requirements), and `node` is what
    // `F::create_file` returned (type invariants of `File`). `F::remove`
    // waits for operations in progress, none of which is on this task, and
    // returns when none can reach the value any more. (Read through the raw
    // pointer: operations may still use `served` until then.)
    unsafe { F::remove((*live).node) };
    // SAFETY: By the function's safety requirements the allocation is ours,
    // and nothing else uses it any more. (Dropping `served` hands its poll
    // head to the helpers, which free it once no poller holds it.)
    drop(unsafe { KBox::from_raw(live) });
}

impl<T: Send + Sync + 'static, F: FileSystem> File<T, F> {
    /// Creates a file `name` of kind `K` in `dir`, whose value `init`
    /// initialises in place (a plain value is its own initialiser). The
    /// place is taken (`F::place`) when the initialiser runs. Fails as
    /// `F::place` does, with `EPERM` where sleeping is not allowed, as
    /// `init` fails, and as `F::create_file` fails.
    pub fn create<'a, K: Kind<T, F>, E: 'a>(
        dir: &'a Dir<F>,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        init: impl PinInit<T, E> + 'a,
    ) -> impl PinInit<Self, Error> + 'a
    where
        Error: From<E>,
    {
        let mode = mode.into();
        try_pin_init!(Self {
            live: Live::make::<K, E>(dir, name, mode, init)?,
            _pin: PhantomPinned,
        }? Error)
    }
}

impl<T: Send + Sync + 'static, F: FileSystem> Live<T, F> {
    /// Creates a file `name` of kind `K` in `dir` over the value `init`
    /// initialises, as [`File::create`] does, and returns what a `File` (or
    /// a `Scope`'s file) owns of it, which [`teardown::<T, F>`] removes.
    fn make<K: Kind<T, F>, E>(
        dir: &Dir<F>,
        name: &CStr,
        mode: Mode,
        init: impl PinInit<T, E>,
    ) -> Result<NonNull<Self>>
    where
        Error: From<E>,
    {
        // `Mode` holds permission bits only (debugfs `BUG()`s on file-type
        // bits); the kind drops those it cannot honour.
        let mode = mode.bits() & K::MODE_BITS;
        // Taking a place may sleep, and so may dropping it.
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let place = F::place(Token(()), dir.entry(), name, mode)?;
        // SAFETY: `place` came from `F::place` for this name and mode, which
        // holds permission bits only; this context may sleep; `T: Send +
        // Sync` by the bounds.
        unsafe {
            Self::create(
                place,
                name,
                mode,
                init,
                F::table::<T, K>(Token(())),
                K::QUEUE,
            )
        }
    }
}

impl<T, F: FileSystem> File<T, F> {
    /// Whether the entry exists (debugfs creates nothing, without an error,
    /// in a directory that could not be created). For diagnostics only.
    pub fn exists(&self) -> bool {
        // SAFETY: `live` is valid while `self` is (type invariants).
        !ffi::is_err_or_null(unsafe { self.live.as_ref() }.node)
    }

    /// The entry (NULL or an `ERR_PTR()` if it was not created), for the
    /// file system crates' own calls on it (debugfs-rs's `Rename`): it is
    /// live, and not removed, as long as `self` is.
    pub fn node(&self) -> *mut F::Node {
        // SAFETY: `live` is valid while `self` is (type invariants).
        unsafe { self.live.as_ref() }.node
    }
}

// SAFETY: The entry is removed, and the value dropped, by whichever thread
// drops the `File` or by a kernel worker; `T: Send` allows both, and
// `F::Place` is `Send` (trait bound).
unsafe impl<T: Send, F: FileSystem> Send for File<T, F> {}
// SAFETY: `&File<T, F>` only gives `&T`; the file system's callbacks also
// only use `&T`, from any thread, which `T: Sync` allows.
unsafe impl<T: Sync, F: FileSystem> Sync for File<T, F> {}

#[pinned_drop]
impl<T, F: FileSystem> PinnedDrop for File<T, F> {
    fn drop(self: Pin<&mut Self>) {
        let live = self.live.as_ptr();
        // SAFETY: `live` is valid until torn down, below (type invariants).
        let here = unsafe { (*live).served.may_be_running_here() };
        if here || !ffi::may_sleep() {
            // Removing now would wait for the callback this task is in, or
            // sleep where sleeping is not allowed.
            // SAFETY: `teardown::<T, F>` takes a `Live<T, F>` we give up,
            // and runs on an async worker, which may sleep and is not inside
            // any operation of this entry. `T: Send` (type invariants), so
            // the value may be dropped there.
            unsafe { ffi::kfiles_defer_teardown(Some(teardown::<T, F>), live.cast()) };
        } else {
            // SAFETY: We own `live` and give it up; this context may sleep
            // and no operation of this entry is in progress on this task.
            unsafe { teardown::<T, F>(live.cast()) };
        }
    }
}

impl<T, F: FileSystem> Deref for File<T, F> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `live` is valid while `self` is (type invariants).
        unsafe { self.live.as_ref() }.served.value()
    }
}

/// A directory of `F`, or `F`'s root (`entry` is `None`), to create files
/// in.
///
/// The file system crates wrap it (`debugfs_rs::Dir`, `procfs_rs::Dir`),
/// adding how directories are made; the files are made here, the same way in
/// both. A directory goes when the last of its owners is dropped: a clone of
/// the handle, or an entry created in it.
pub struct Dir<F: FileSystem> {
    entry: Option<Arc<Entry<F>>>,
}

impl<F: FileSystem> Clone for Dir<F> {
    fn clone(&self) -> Self {
        Self {
            entry: self.entry.clone(),
        }
    }
}

impl<F: FileSystem> Dir<F> {
    /// The directory `entry`, or the root of `F` for `None`.
    pub fn new(entry: Option<Arc<Entry<F>>>) -> Self {
        Self { entry }
    }

    /// The directory's entry (`None` for the root, or for a debugfs
    /// directory that could not be created).
    pub fn entry(&self) -> Option<&Arc<Entry<F>>> {
        self.entry.as_ref()
    }

    /// Creates a file `name` in this directory whose content is `data`,
    /// shown by [`Show`]. Only the read permission bits of `mode` are kept.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::debugfs_dir();
    /// let version = KBox::pin_init(dir.read_only_file(c"version", 0o444, 3u32), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/version")?, b"3\n");
    /// # let dir = doctest::proc_dir()?;
    /// # let version = KBox::pin_init(dir.read_only_file(c"version", 0o444, 3u32), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/version")?, b"3\n");
    /// ```
    pub fn read_only_file<'a, T: Show + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: T,
    ) -> impl PinInit<File<T, F>, Error> + 'a {
        File::create::<ReadOnly, core::convert::Infallible>(self, name, mode, data)
    }

    /// Creates a file `name` in this directory whose content is `data`,
    /// shown by [`Show`] and set by [`Store`] (one `write()` is one value,
    /// at offset 0; the permission bits of `mode` decide who may do which).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::{AtomicI32, Ordering::Relaxed};
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let level = KBox::pin_init(dir.read_write_file(c"level", 0o644, AtomicI32::new(0)), GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/level", b"7\n")?, 2);
    /// assert_eq!(level.load(Relaxed), 7); // after `echo 7 > level`
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/level")?, b"7\n");
    /// # let dir = doctest::proc_dir()?;
    /// # let level = KBox::pin_init(dir.read_write_file(c"level", 0o644, AtomicI32::new(0)), GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/level", b"-3")?, 2);
    /// # assert_eq!(level.load(Relaxed), -3);
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/level", b"x").err(), Some(EINVAL));
    /// ```
    pub fn read_write_file<'a, T: Show + Store + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: T,
    ) -> impl PinInit<File<T, F>, Error> + 'a {
        File::create::<ReadWrite, core::convert::Infallible>(self, name, mode, data)
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
    /// # let dir = doctest::proc_dir()?;
    /// # let trigger = KBox::pin_init(dir.write_only_file(c"reset", 0o200, AtomicBool::new(false)), GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/reset", b"y")?, 1);
    /// # assert!(trigger.load(Relaxed));
    /// ```
    pub fn write_only_file<'a, T: Store + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: T,
    ) -> impl PinInit<File<T, F>, Error> + 'a {
        File::create::<WriteOnly, core::convert::Infallible>(self, name, mode, data)
    }

    /// Creates a seq_file `name` printing the records of `data` (see
    /// [`SeqIterator`]): output of any size, read correctly at any offset.
    /// Only the read permission bits of `mode` are kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqfile_rs::{seq_print, SeqFile, SeqIterator};
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
    /// # let want = b"client 0\nclient 1\nclient 2\n";
    /// # assert_eq!(&*doctest::read_in(c"/sys/kernel/debug/kfiles-doctest/clients", 1)?, want);
    /// # let dir = doctest::proc_dir()?;
    /// # let list = KBox::pin_init(dir.seq_file(c"clients", 0o444, Clients), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read_in(c"/proc/kfiles-doctest/clients", 3)?, want);
    /// ```
    pub fn seq_file<'a, T: SeqIterator + Send + Sync + 'static>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: T,
    ) -> impl PinInit<File<T, F>, Error> + 'a {
        File::create::<Seq, core::convert::Infallible>(self, name, mode, data)
    }

    /// Creates a file `name` whose reads and writes `data`'s [`FileOps`]
    /// handlers serve, at any offset (binary content; see procfs-rs's
    /// `Buffer` for a ready-made one).
    pub fn ops_file<'a, T: FileOps + 'static>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: T,
    ) -> impl PinInit<File<T, F>, Error> + 'a {
        File::create::<Handlers, core::convert::Infallible>(self, name, mode, data)
    }

    /// Creates a file `name` each of whose opens gets state of its own from
    /// `data`'s [`PerOpenOps::open`], passed to its read and write handlers
    /// and dropped when the file is closed.
    pub fn per_open_file<'a, T: PerOpenOps + 'static>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: T,
    ) -> impl PinInit<File<T, F>, Error> + 'a {
        File::create::<PerOpen, core::convert::Infallible>(self, name, mode, data)
    }

    /// Creates a read-only file `name` whose content `read` prints from
    /// `data`. Write permission bits are removed from `mode`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqfile_rs::seq_print;
    ///
    /// # struct Sensor;
    /// # impl Sensor {
    /// #     fn millis(&self) -> u32 {
    /// #         21500
    /// #     }
    /// # }
    /// # let (dir, sensor) = (doctest::debugfs_dir(), Sensor);
    /// let temp = dir.read_callback_file(c"temperature", 0o444, sensor, |s, m| {
    ///     seq_print!(m, "{}.{:03} C\n", s.millis() / 1000, s.millis() % 1000);
    ///     Ok(())
    /// });
    /// let temp = KBox::pin_init(temp, GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/temperature")?, b"21.500 C\n");
    /// ```
    pub fn read_callback_file<'a, D, R>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: D,
        read: R,
    ) -> impl PinInit<File<ReadCallback<D, R>, F>, Error> + 'a
    where
        D: Send + Sync + 'static,
        R: Fn(&D, &SeqFile) -> Result + Send + Sync + 'static,
    {
        self.read_only_file(name, mode, ReadCallback::new(data, read))
    }

    /// Creates a file `name` whose content `read` prints from `data` and
    /// whose writes `write` parses into `data` (see [`Store`] for the
    /// contract; inputs longer than 64 bytes fail with `EINVAL`).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
    /// use kfiles_attr::parse_int;
    /// use seqfile_rs::seq_print;
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let rate = dir.read_write_callback_file(
    ///     c"rate",
    ///     0o644,
    ///     AtomicU32::new(100),
    ///     |r, m| {
    ///         seq_print!(m, "{} Hz\n", r.load(Relaxed));
    ///         Ok(())
    ///     },
    ///     |r, input| {
    ///         let v: u32 = parse_int(input)?;
    ///         if !(1..=1000).contains(&v) {
    ///             return Err(ERANGE);
    ///         }
    ///         r.store(v, Relaxed);
    ///         Ok(())
    ///     },
    /// );
    /// let rate = KBox::pin_init(rate, GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/rate")?, b"100 Hz\n");
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/rate", b"2000\n").err(), Some(ERANGE));
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/rate", b"250\n")?, 4);
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/rate")?, b"250 Hz\n");
    /// ```
    pub fn read_write_callback_file<'a, D, R, W>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: D,
        read: R,
        write: W,
    ) -> impl PinInit<File<ReadWriteCallback<D, R, W>, F>, Error> + 'a
    where
        D: Send + Sync + 'static,
        R: Fn(&D, &SeqFile) -> Result + Send + Sync + 'static,
        W: Fn(&D, &[u8]) -> Result + Send + Sync + 'static,
    {
        self.read_write_file(name, mode, ReadWriteCallback::new(data, read, write))
    }

    /// Creates a write-only file `name` whose writes `write` parses into
    /// `data` (see [`Store`] for the contract; inputs longer than 64 bytes
    /// fail with `EINVAL`). Only the write permission bits of `mode` are
    /// kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
    ///
    /// # let dir = doctest::proc_dir()?;
    /// // `echo 1 > reset` clears the counter; anything else is refused.
    /// let reset = dir.write_callback_file(c"reset", 0o200, AtomicU32::new(7), |count, input| {
    ///     if input.strip_suffix(b"\n").unwrap_or(input) != b"1" {
    ///         return Err(EINVAL);
    ///     }
    ///     count.store(0, Relaxed);
    ///     Ok(())
    /// });
    /// let reset = KBox::pin_init(reset, GFP_KERNEL)?;
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/reset", b"2\n").err(), Some(EINVAL));
    /// # assert_eq!(reset.load(Relaxed), 7);
    /// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/reset", b"1\n")?, 2);
    /// assert_eq!(reset.load(Relaxed), 0); // after `echo 1 > reset`
    /// ```
    pub fn write_callback_file<'a, D, W>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        data: D,
        write: W,
    ) -> impl PinInit<File<WriteCallback<D, W>, F>, Error> + 'a
    where
        D: Send + Sync + 'static,
        W: Fn(&D, &[u8]) -> Result + Send + Sync + 'static,
    {
        self.write_only_file(name, mode, WriteCallback::new(data, write))
    }

    /// Creates a file `name` of kind `K` ([`ReadOnly`], [`ReadWrite`],
    /// [`WriteOnly`], [`Seq`], [`Handlers`]) whose value `init` initialises
    /// in place: a lock, say, which cannot be moved into a file the way a
    /// plain value is. The file keeps the permission bits `K` keeps, as the
    /// other constructors do.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::new_mutex;
    /// use kfiles_file::{ReadOnly, ReadWrite};
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let limit = KBox::pin_init(
    ///     dir.pinned_file::<ReadWrite, _, _>(c"limit", 0o644, new_mutex!(100u32)),
    ///     GFP_KERNEL,
    /// )?;
    /// *limit.lock() = 150;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/limit")?, b"150\n");
    /// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/limit", b"7")?, 1);
    /// # assert_eq!(*limit.lock(), 7);
    /// # // A value whose initialisation fails half way: the error comes back,
    /// # // nothing is created, and (procfs) the name is free again.
    /// # use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
    /// # static DROPPED: AtomicBool = AtomicBool::new(false);
    /// # struct Part(u32);
    /// # impl Drop for Part {
    /// #     fn drop(&mut self) {
    /// #         DROPPED.store(true, Relaxed);
    /// #     }
    /// # }
    /// # #[pin_data]
    /// # struct Late {
    /// #     part: Part,
    /// #     n: u32,
    /// # }
    /// # impl seqfile_rs::Show for Late {
    /// #     fn show(&self, m: &seqfile_rs::SeqFile) -> Result {
    /// #         self.n.show(m)
    /// #     }
    /// # }
    /// # let fail = true;
    /// # let late = try_pin_init!(Late {
    /// #     part: Part(1),
    /// #     n: if fail { return Err(ENOMEM) } else { 0 },
    /// # }? Error);
    /// # let dir = doctest::proc_dir()?;
    /// # let made = KBox::pin_init(dir.pinned_file::<ReadOnly, _, _>(c"late", 0o444, late), GFP_KERNEL);
    /// # assert_eq!(made.err(), Some(ENOMEM));
    /// # assert!(DROPPED.load(Relaxed));
    /// # assert!(!doctest::exists(c"/proc/kfiles-doctest/late"));
    /// # let late = KBox::pin_init(dir.read_only_file(c"late", 0o444, 2u32), GFP_KERNEL)?;
    /// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/late")?, b"2\n");
    /// ```
    pub fn pinned_file<'a, K: Kind<T, F>, T: Send + Sync + 'static, E: 'a>(
        &'a self,
        name: &'a CStr,
        mode: impl Into<Mode> + 'a,
        init: impl PinInit<T, E> + 'a,
    ) -> impl PinInit<File<T, F>, Error> + 'a
    where
        Error: From<E>,
    {
        File::create::<K, E>(self, name, mode, init)
    }
}
