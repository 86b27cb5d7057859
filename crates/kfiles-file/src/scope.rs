// SPDX-License-Identifier: GPL-2.0

//! Files that borrow one driver value (upstream debugfs's `Scope`), on
//! debugfs and procfs, 6.12 and 7.x alike.
//!
//! A [`File`] owns its value; a driver whose files show fields of one
//! state would otherwise need a wrapper type (or an `Arc`) per field. A
//! [`Scope`] owns the state instead, pinned on the heap, and the files that
//! borrow its fields: it removes them all before it drops the state.

use crate::{
    teardown, Dir, EventQueue, FileOps, FileSystem, Handlers, Kind, Live, Mode, PerOpen,
    PerOpenOps, PollEvents, ReadBuf, ReadOnly, ReadWrite, Seek, Seq, Token, WriteBuf, WriteOnly,
};
use core::{
    convert::Infallible, ffi::c_void, ffi::CStr, marker::PhantomData, ops::Deref, ptr::NonNull,
};
use kernel::{
    alloc::{flags::GFP_KERNEL, KBox, KVec},
    error::{code::EPERM, Error, Result},
    prelude::*,
};
use kfiles_attr::Store;
use kfiles_ffi as ffi;
use seqfile_rs::{SeqFile, SeqIterator, Show};

/// A value inside a [`Scope`]'s state, as the value of one of its files.
///
/// Forwards every item of the file traits (`Store::MAX_INPUT`,
/// `SeqIterator::HAS_HEADER`, `FileOps::SEEK`, `queue()`, ...): an
/// item added to those traits later must be forwarded here too, or
/// borrowed files would fall back to its default.
///
/// # Invariants
///
/// `0` points at a `U` that stays alive, and is only shared, as long as any
/// file whose value this is exists: the `Scope` that made it removes its
/// files (never deferring one alone) before it drops its state.
struct Borrowed<U>(NonNull<U>);

// SAFETY: Only `&U` is ever taken from a `Borrowed<U>`, from any thread,
// which `U: Sync` allows; dropping it drops nothing.
unsafe impl<U: Sync> Send for Borrowed<U> {}
// SAFETY: As for `Send`: `&Borrowed<U>` gives `&U` only.
unsafe impl<U: Sync> Sync for Borrowed<U> {}

impl<U> Borrowed<U> {
    fn get(&self) -> &U {
        // SAFETY: The referent outlives every file whose value `self` is,
        // and only those hold a `Borrowed` (type invariants).
        unsafe { self.0.as_ref() }
    }
}

impl<U: Show> Show for Borrowed<U> {
    const BUFFER_SIZE: usize = U::BUFFER_SIZE;

    fn show(&self, m: &SeqFile) -> Result {
        self.get().show(m)
    }
}

impl<U: Store> Store for Borrowed<U> {
    const MAX_INPUT: usize = U::MAX_INPUT;

    fn set_from(&self, input: &[u8]) -> Result {
        self.get().set_from(input)
    }
}

impl<U: SeqIterator> SeqIterator for Borrowed<U> {
    type Cursor<'a>
        = U::Cursor<'a>
    where
        Self: 'a;
    const HAS_HEADER: bool = U::HAS_HEADER;

    fn start(&self, index: u64) -> Option<Self::Cursor<'_>> {
        self.get().start(index)
    }

    fn next(&self, cursor: &mut Self::Cursor<'_>) -> bool {
        self.get().next(cursor)
    }

    fn show(&self, cursor: &Self::Cursor<'_>, m: &SeqFile) -> Result {
        self.get().show(cursor, m)
    }

    fn show_header(&self, m: &SeqFile) -> Result {
        self.get().show_header(m)
    }
}

impl<U: FileOps> FileOps for Borrowed<U> {
    const SEEK: Seek = U::SEEK;

    fn size(&self) -> u64 {
        self.get().size()
    }

    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        self.get().read(out)
    }

    fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
        self.get().write(input)
    }

    fn queue(&self) -> Option<&EventQueue> {
        self.get().queue()
    }

    fn poll(&self) -> PollEvents {
        self.get().poll()
    }
}

impl<U: PerOpenOps> PerOpenOps for Borrowed<U> {
    type State = U::State;
    const SEEK: Seek = U::SEEK;

    fn size(&self, state: &U::State) -> u64 {
        self.get().size(state)
    }

    fn open(&self) -> Result<U::State> {
        self.get().open()
    }

    fn queue(&self) -> Option<&EventQueue> {
        self.get().queue()
    }

    fn poll(&self, state: &U::State) -> PollEvents {
        self.get().poll(state)
    }

    fn read(&self, state: &U::State, out: &mut ReadBuf<'_>) -> Result<usize> {
        self.get().read(state, out)
    }

    fn write(&self, state: &U::State, input: &mut WriteBuf<'_>) -> Result<usize> {
        self.get().write(state, input)
    }
}

/// A file of a scope, its value's type forgotten: removed when dropped.
///
/// Unlike a [`File`], it never defers its removal: the `Scope` decides,
/// once, for all its files, before any goes (a file that deferred on its
/// own would outlive the state it borrows).
///
/// # Invariants
///
/// `live` comes from `Live::<X, F>::make`, is owned by this value and not
/// torn down yet, for the `X` and `F` that `here` and `teardown` were
/// instantiated with. This value is only dropped where sleeping is allowed
/// and by a task inside no callback of the file: by [`drop_inner`], which
/// [`Scope`]'s drop runs only once it has checked both (or on a worker), or
/// by [`ScopedDir::add`], which drops only a file it has just made.
struct ScopeFile {
    live: NonNull<c_void>,
    here: unsafe fn(NonNull<c_void>) -> bool,
    teardown: unsafe extern "C" fn(*mut c_void),
}

// SAFETY: `ScopeFile::new` takes only files whose value is `Send + Sync`
// (a `Borrowed<U>` for a `U: Sync`); the file is removed, and its value
// dropped, by whichever thread drops this, and its callbacks share the
// value from any thread.
unsafe impl Send for ScopeFile {}
// SAFETY: `&ScopeFile` only asks whether the current task is inside a
// callback (atomics).
unsafe impl Sync for ScopeFile {}

impl ScopeFile {
    fn new<X: Send + Sync + 'static, F: FileSystem>(live: NonNull<Live<X, F>>) -> Self {
        /// # Safety
        ///
        /// `live` must point at a live `Live<X, F>`.
        unsafe fn here<X, F: FileSystem>(live: NonNull<c_void>) -> bool {
            // SAFETY: By the function's safety requirements.
            unsafe { live.cast::<Live<X, F>>().as_ref() }
                .served
                .may_be_running_here()
        }
        // INVARIANT: `live` is given to us; `here` and `teardown` are
        // instantiated for its type.
        Self {
            live: live.cast(),
            here: here::<X, F>,
            teardown: teardown::<X, F>,
        }
    }

    /// Whether the current task may be inside one of the file's callbacks.
    fn may_be_running_here(&self) -> bool {
        // SAFETY: `live` is a live `Live` of the type `here` was made for
        // (type invariants).
        unsafe { (self.here)(self.live) }
    }
}

impl Drop for ScopeFile {
    fn drop(&mut self) {
        // SAFETY: `live` is ours, of the type `teardown` was made for, and
        // not used afterwards; this runs where sleeping is allowed, on a
        // task inside no callback of the file (type invariants).
        unsafe { (self.teardown)(self.live.as_ptr()) }
    }
}

/// The entries of a [`Scope`]: its files, and the directories it keeps
/// ([`ScopedDir::subdir`], [`ScopedDir::keep`]), boxed so that a
/// [`ScopedDir`] can point at one while more are added. The files are
/// declared first, so dropped (removed) first.
struct ScopeEntries<F: FileSystem> {
    files: KVec<ScopeFile>,
    dirs: KVec<KBox<Dir<F>>>,
}

/// What a [`Scope`] owns, on the heap: a drop deferred past the `Scope`'s
/// still has it. The entries are declared first, so dropped (removed) first.
#[pin_data]
struct ScopeInner<T, F: FileSystem> {
    entries: ScopeEntries<F>,
    #[pin]
    data: T,
}

/// A driver's state and the files that show and set parts of it, removed
/// before the state is dropped (upstream debugfs's `Scope`, on debugfs and
/// procfs alike, 6.12 included).
///
/// [`Scope::new`] moves the state to the heap ([`Scope::pinned`]
/// initialises it there, in place: a `Mutex` is built where it stays), and
/// then gives `build` a shared reference to it and a [`ScopedDir`], whose
/// constructors take references into the state (`&state.threshold`) where
/// [`Dir`]'s take owned values. The files cannot outlive the scope: they are
/// only reachable through it. [`Deref`] gives the driver the state.
///
/// Dropping a `Scope` removes its files, waiting for their callbacks in
/// progress, then drops the state. Dropped from inside one of its files'
/// callbacks, or where sleeping is not allowed, all of that happens on a
/// kernel worker instead, as soon as it can (module unload waits for it);
/// also when more than four tasks are inside the files' callbacks at once,
/// where the drop cannot tell whether it is one of them. Holding a lock the
/// files' callbacks take while dropping the scope deadlocks, as for a
/// [`File`](crate::File).
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
/// use debugfs_rs::{Mode, Scope};
///
/// struct Device {
///     irqs: AtomicU64,
///     threshold: AtomicU32,
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let device = Scope::new(
///     &dir,
///     Device { irqs: AtomicU64::new(0), threshold: AtomicU32::new(10) },
///     |device, files| {
///         files.read_only_file(c"irqs", Mode::READ_ONLY, &device.irqs)?;
///         // Octal works too, as in C.
///         files.read_write_file(c"threshold", 0o644, &device.threshold)?;
///         Ok(())
///     },
/// )?;
/// device.irqs.fetch_add(1, Relaxed);
/// # let path = c"/sys/kernel/debug/kfiles-doctest/irqs";
/// # assert_eq!(&*doctest::read(path)?, b"1\n");
/// # doctest::write(c"/sys/kernel/debug/kfiles-doctest/threshold", b"25")?;
/// assert_eq!(device.threshold.load(Relaxed), 25);
/// drop(device);
/// # assert!(!doctest::exists(path));
/// # let dir = doctest::proc_dir()?;
/// # let device = procfs_rs::Scope::new(&dir, Device { irqs: AtomicU64::new(7), threshold: AtomicU32::new(1) }, |device, files| {
/// #     files.read_only_file(c"irqs", 0o444, &device.irqs)
/// # })?;
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/irqs")?, b"7\n");
/// ```
///
/// # Invariants
///
/// `inner` points at a pinned `ScopeInner<T, F>` allocated by
/// [`Scope::pinned`] and owned by this value, never moved; every file in it
/// was created by `build` and borrows only from its `data` (or from what
/// outlives it).
#[must_use = "dropping a Scope removes its files"]
pub struct Scope<T, F: FileSystem> {
    inner: NonNull<ScopeInner<T, F>>,
}

// SAFETY: The state and the files are dropped by whichever thread drops the
// `Scope`, or by a kernel worker; `T: Send` allows both (the files are
// `Send`).
unsafe impl<T: Send, F: FileSystem> Send for Scope<T, F> {}
// SAFETY: `&Scope` only gives `&T`; the files' callbacks also only use `&T`'s
// parts, from any thread, which `T: Sync` allows.
unsafe impl<T: Sync, F: FileSystem> Sync for Scope<T, F> {}

impl<T: Send + Sync + 'static, F: FileSystem> Scope<T, F> {
    /// Moves `data` to the heap, then runs `build` to create files in `dir`
    /// that borrow it. Fails as the allocation or `build` fail (having
    /// removed the files `build` made and dropped the state), and with
    /// `EPERM` where sleeping is not allowed.
    pub fn new(
        dir: &Dir<F>,
        data: T,
        build: impl for<'a> FnOnce(&'a T, &mut ScopedDir<'a, '_, F>) -> Result,
    ) -> Result<Self> {
        Self::pinned::<Infallible>(dir, data, build)
    }

    /// As [`new`](Self::new), for a state that `data` initialises in place
    /// (one with a lock in it: `pin_init!(State { lock <- new_mutex!(..),
    /// .. })`); fails as `data` does too.
    ///
    /// # Examples
    ///
    /// ```
    /// use debugfs_rs::Scope;
    /// use kernel::{new_mutex, sync::Mutex};
    ///
    /// #[pin_data]
    /// struct Limits {
    ///     #[pin]
    ///     max: Mutex<u32>,
    /// }
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let limits = Scope::pinned(&dir, pin_init!(Limits { max <- new_mutex!(8) }), |limits, files| {
    ///     files.read_write_file(c"max", 0o644, &limits.max)
    /// })?;
    /// # doctest::write(c"/sys/kernel/debug/kfiles-doctest/max", b"12")?;
    /// // After `echo 12 > max`:
    /// assert_eq!(*limits.max.lock(), 12);
    /// ```
    pub fn pinned<E>(
        dir: &Dir<F>,
        data: impl PinInit<T, E>,
        build: impl for<'a> FnOnce(&'a T, &mut ScopedDir<'a, '_, F>) -> Result,
    ) -> Result<Self>
    where
        Error: From<E>,
    {
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let inner = KBox::<ScopeInner<T, F>>::pin_init::<Error>(
            try_pin_init!(ScopeInner {
                entries: ScopeEntries {
                    files: KVec::new(),
                    dirs: KVec::new(),
                },
                data <- data,
            }? Error),
            GFP_KERNEL,
        )?;
        // SAFETY: The allocation is never moved out of: it is dropped in
        // place by `drop_inner`.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(inner) });
        // INVARIANT: `raw` is the allocation just made; from here on,
        // dropping `scope` (also when `build` fails) removes the files made
        // so far and drops the state.
        let scope = Self {
            // SAFETY: `KBox::into_raw` does not return NULL.
            inner: unsafe { NonNull::new_unchecked(raw) },
        };
        // SAFETY: `raw` is live and not shared yet; `data` and `entries` are
        // distinct fields. `data` is pinned and only shared from here on.
        let (data, entries) = unsafe { (&(*raw).data, &mut (*raw).entries) };
        let built = build(
            data,
            &mut ScopedDir {
                // INVARIANT: `dir` is borrowed for longer than the
                // `ScopedDir`, which lives only during `build`.
                dir: NonNull::from(dir),
                entries,
                _data: PhantomData,
            },
        );
        if let Err(e) = built {
            // Removed here and now, never by a worker later: a caller may
            // remove the directory as soon as this returns (a namespace's
            // `/proc/net`).
            // SAFETY: This task may sleep (checked above) and is inside no
            // callback of the scope's files: they were all made by `build`,
            // on this task, which has returned, so none can be below it on
            // the stack.
            unsafe { scope.remove_now() };
            return Err(e);
        }
        Ok(scope)
    }
}

impl<T, F: FileSystem> Scope<T, F> {
    /// Whether the current task may be inside a callback of one of the
    /// scope's files (yes also when more tasks are inside them than can be
    /// told apart): no means dropping the scope here removes its files
    /// right away, waiting for the callbacks of other tasks.
    pub fn may_be_running_here(&self) -> bool {
        // SAFETY: `inner` is live while `self` is (type invariants).
        unsafe { self.inner.as_ref() }
            .entries
            .files
            .iter()
            .any(ScopeFile::may_be_running_here)
    }

    /// Removes the scope's files and directories and drops its state now,
    /// on this task, never deferred to a worker as a drop may be: once this
    /// returns, nothing of the scope is left, and the directories it was
    /// made in may go.
    ///
    /// # Safety
    ///
    /// The caller must be able to sleep and must not be inside a callback of
    /// one of the scope's files (it would wait for itself forever).
    /// [`may_be_running_here`](Self::may_be_running_here) answering no
    /// proves the latter.
    pub unsafe fn remove_now(self) {
        let raw = self.inner.as_ptr();
        core::mem::forget(self);
        // SAFETY: We own `inner` and give it up (`self` is forgotten); this
        // task may sleep and is inside no callback of its files (function
        // requirements).
        unsafe { drop_inner::<T, F>(raw.cast()) };
    }
}

impl<T, F: FileSystem> Deref for Scope<T, F> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `inner` is live while `self` is (type invariants).
        unsafe { &self.inner.as_ref().data }
    }
}

impl<T, F: FileSystem> Drop for Scope<T, F> {
    fn drop(&mut self) {
        let raw = self.inner.as_ptr();
        if self.may_be_running_here() || !ffi::may_sleep() {
            // Removing a file now would wait for the callback this task is
            // in, or sleep where sleeping is not allowed; and the state must
            // outlive the files.
            // SAFETY: `drop_inner::<T, F>` takes the `ScopeInner<T, F>` we
            // give up and runs on an async worker, which may sleep and is
            // inside no callback of its files. `T: Send` (the constructor
            // requires it), so the state may be dropped there.
            unsafe { ffi::kfiles_defer_teardown(Some(drop_inner::<T, F>), raw.cast()) };
        } else {
            // SAFETY: We own `inner` and give it up; this context may sleep
            // and no callback of its files is in progress on this task.
            unsafe { drop_inner::<T, F>(raw.cast()) };
        }
    }
}

/// Drops a scope's files (removing them), then its directories, then its
/// state.
///
/// # Safety
///
/// `inner` must come from [`Scope::pinned`]'s `KBox::into_raw` of a
/// `ScopeInner<T, F>`, given up by the caller, which must be able to sleep
/// and be inside no callback of its files.
unsafe extern "C" fn drop_inner<T, F: FileSystem>(inner: *mut c_void) {
    // SAFETY: By the function's safety requirements; dropped in place, files
    // first, then directories (field order). The directories' entries are
    // removed here, not by a worker: this task may sleep.
    drop(unsafe { Pin::new_unchecked(KBox::from_raw(inner.cast::<ScopeInner<T, F>>())) });
}

/// Where [`Scope::new`]'s `build` creates the scope's files: in a directory
/// (at first the one given to `Scope::new`; [`subdir`](Self::subdir) and
/// [`within`](Self::within) for others), over values borrowed from the state
/// (`'data`).
///
/// The constructors are those of [`Dir`] for each kind of file (not the
/// callback or `pinned_file` ones), with a reference for the value; the
/// files belong to the scope. Each fails as [`Dir`]'s does, and with
/// `ENOMEM` if the scope cannot hold one more file. A `ScopedDir` holds no
/// directory of its own (only the scope does): forgetting one leaks
/// nothing.
///
/// # Invariants
///
/// `dir` points at a directory that lives at least as long as `'scope`: one
/// borrowed for that long, or one of `entries.dirs`, which are boxed and
/// only dropped with the scope.
pub struct ScopedDir<'data, 'scope, F: FileSystem> {
    dir: NonNull<Dir<F>>,
    entries: &'scope mut ScopeEntries<F>,
    /// Invariant in `'data`: only references that live as long as the
    /// scope's state may be given.
    _data: PhantomData<fn(&'data ()) -> &'data ()>,
}

impl<'data, F: FileSystem> ScopedDir<'data, '_, F> {
    /// The directory files are made in.
    fn dir(&self) -> &Dir<F> {
        // SAFETY: It outlives `'scope`, and so `self` (type invariants).
        unsafe { self.dir.as_ref() }
    }

    /// Creates a file of kind `K` over `value`, owned by the scope.
    fn add<K: Kind<Borrowed<U>, F>, U: Sync + 'static>(
        &mut self,
        name: &CStr,
        mode: Mode,
        value: &'data U,
    ) -> Result {
        // Room first: a file made and then dropped here for want of memory
        // would be removed, and `build`'s error then drop the state, while
        // a reader may still be in it (a `File` would defer its own
        // removal; a scope's file never does).
        self.entries.files.reserve(1, GFP_KERNEL)?;
        // INVARIANT: `value` lives as long as the scope's state (`'data`),
        // which the scope drops only after this file.
        let borrowed = Borrowed(NonNull::from(value));
        let live = Live::<Borrowed<U>, F>::make::<K, Infallible>(self.dir(), name, mode, borrowed)?;
        // Within the capacity reserved above: cannot fail.
        self.entries.files.push(ScopeFile::new(live), GFP_KERNEL)?;
        Ok(())
    }

    /// As [`Dir::read_only_file`], over `value`.
    pub fn read_only_file<U: Show + Sync + 'static>(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
        value: &'data U,
    ) -> Result {
        self.add::<ReadOnly, U>(name, mode.into(), value)
    }

    /// As [`Dir::read_write_file`], over `value`.
    pub fn read_write_file<U: Show + Store + Sync + 'static>(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
        value: &'data U,
    ) -> Result {
        self.add::<ReadWrite, U>(name, mode.into(), value)
    }

    /// As [`Dir::write_only_file`], over `value`.
    pub fn write_only_file<U: Store + Sync + 'static>(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
        value: &'data U,
    ) -> Result {
        self.add::<WriteOnly, U>(name, mode.into(), value)
    }

    /// As [`Dir::seq_file`], over `value`.
    pub fn seq_file<U: SeqIterator + 'static>(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
        value: &'data U,
    ) -> Result {
        self.add::<Seq, U>(name, mode.into(), value)
    }

    /// As [`Dir::ops_file`], over `value`.
    pub fn ops_file<U: FileOps + 'static>(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
        value: &'data U,
    ) -> Result {
        self.add::<Handlers, U>(name, mode.into(), value)
    }

    /// As [`Dir::per_open_file`], over `value`.
    pub fn per_open_file<U: PerOpenOps + 'static>(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
        value: &'data U,
    ) -> Result {
        self.add::<PerOpen, U>(name, mode.into(), value)
    }

    /// The same scope, creating files in `dir` (a directory made with
    /// [`Dir`]'s own constructors; the files keep it alive).
    pub fn within<'s>(&'s mut self, dir: &'s Dir<F>) -> ScopedDir<'data, 's, F> {
        ScopedDir {
            // INVARIANT: `dir` is borrowed for `'s`.
            dir: NonNull::from(dir),
            entries: &mut *self.entries,
            _data: PhantomData,
        }
    }

    /// As [`within`](Self::within), and the scope keeps `dir` until it is
    /// dropped, after its files: an empty directory stays too. Fails with
    /// `ENOMEM` if the scope cannot hold one more directory.
    pub fn keep(&mut self, dir: Dir<F>) -> Result<ScopedDir<'data, '_, F>> {
        let dir = KBox::new(dir, GFP_KERNEL)?;
        let at = NonNull::from(&*dir);
        self.entries.dirs.push(dir, GFP_KERNEL)?;
        Ok(ScopedDir {
            // INVARIANT: The box is in `entries.dirs`, dropped only with the
            // scope (moving the box does not move the `Dir`).
            dir: at,
            entries: &mut *self.entries,
            _data: PhantomData,
        })
    }

    /// Makes the directory `name` in this one, kept by the scope (removed
    /// when the scope is dropped, after its files), and returns where to
    /// make files in it. `mode` as [`procfs_rs::Dir::subdir`]'s (debugfs
    /// makes every directory 0755); names as the file system's own `subdir`
    /// (procfs fails with `EINVAL`, `EEXIST`, ...; debugfs creates nothing,
    /// and then the files in it neither); `ENOMEM` if the scope cannot hold
    /// one more directory. In a network namespace's `/proc/net`, it is
    /// `proc_net_mkdir()`.
    ///
    /// [`procfs_rs::Dir::subdir`]: ../procfs_rs/struct.Dir.html#method.subdir
    ///
    /// # Examples
    ///
    /// ```
    /// use core::sync::atomic::AtomicU32;
    ///
    /// struct Queues {
    ///     depth: [AtomicU32; 2],
    /// }
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let queues = debugfs_rs::Scope::new(
    ///     &dir,
    ///     Queues { depth: [AtomicU32::new(4), AtomicU32::new(8)] },
    ///     |queues, files| {
    ///         files.subdir(c"q0", 0o555)?.read_only_file(c"depth", 0o444, &queues.depth[0])?;
    ///         files.subdir(c"q1", 0o555)?.read_only_file(c"depth", 0o444, &queues.depth[1])
    ///     },
    /// )?;
    /// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/q1/depth")?, b"8\n");
    /// drop(queues);
    /// # assert!(!doctest::exists(c"/sys/kernel/debug/kfiles-doctest/q0"));
    /// ```
    pub fn subdir(
        &mut self,
        name: &CStr,
        mode: impl Into<Mode>,
    ) -> Result<ScopedDir<'data, '_, F>> {
        let dir = F::subdir(Token(()), self.dir(), name, mode.into().bits())?;
        self.keep(dir)
    }
}
