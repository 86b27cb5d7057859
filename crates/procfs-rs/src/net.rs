// SPDX-License-Identifier: GPL-2.0

//! `/proc/net`: files in every network namespace, made when the namespace
//! is and removed with it (C: pernet operations whose `init` calls
//! `proc_create_net_single()` and friends in `net->proc_net`, and whose
//! `exit` removes them).
//!
//! A [`NetFiles`] registers a pernet subsystem. For every namespace, those
//! that exist and each one made later, it makes the driver's state for the
//! namespace and then the files that show it, in a [`Scope`] over that
//! state: the files borrow it. When the namespace goes (or the `NetFiles`
//! is dropped) the files are removed, waiting for their callbacks in
//! progress and closing the descriptors still open (later reads fail with
//! `EIO`), and the state is dropped.
//!
//! The namespace's directory is the kernel's: it is freed right after the
//! namespace's last exit. So nothing made in it may outlive the exit: the
//! driver never holds a handle of the directory (only a [`ScopedDir`], lent
//! to its `build` function, which holds none), subdirectories belong to the
//! scope, and the scope is removed in the exit itself, never on a worker
//! later.

use crate::{entry::Procfs, Dir, ScopedDir};
use core::{
    convert::Infallible,
    ffi::{c_int, c_void},
    marker::PhantomData,
    ptr::NonNull,
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    error::{
        code::{ENOENT, ENOMEM, EPERM},
        Error, Result,
    },
    new_mutex,
    prelude::*,
    sync::Mutex,
};
use kfiles_ffi as ffi;
use kfiles_file::Entry;

/// The per-namespace state and files of this crate.
type Scope<T> = kfiles_file::Scope<T, Procfs>;

/// A network namespace, while its files are being made (`struct net`).
///
/// Lent to the function that makes a namespace's state: it tells the
/// namespace apart, and is not kept (a driver does not hold a namespace
/// alive).
pub struct Net {
    /// Valid for the call it is lent to; not `Send` or `Sync`.
    raw: NonNull<c_void>,
}

impl Net {
    /// The namespace's inode number, as user space sees it in the link
    /// `/proc/PID/ns/net` (`net:[4026531840]`) and in `ip netns`.
    pub fn inum(&self) -> u32 {
        // SAFETY: `raw` is a live `struct net` while `self` is lent.
        unsafe { ffi::kfiles_net_inum(self.raw.as_ptr()) }
    }

    /// Whether this is the initial namespace (`init_net`).
    pub fn is_initial(&self) -> bool {
        // SAFETY: Compares the address only.
        unsafe { ffi::kfiles_net_is_initial(self.raw.as_ptr()) }
    }
}

/// Files in `/proc/net` of every network namespace, each namespace with
/// its own state of type `T`.
///
/// [`NetFiles::new`] registers a pernet subsystem; for every namespace
/// (those that exist and each one made later) it makes the state with
/// `state` and then runs `build`, which makes the namespace's files over
/// references into it, as [`Scope::new`](kfiles_file::Scope::new)'s
/// `build` does. A namespace whose state or files fail is not made (the
/// `unshare()` or `clone()` that makes it fails with that error); at
/// registration, the registration fails. When a namespace goes, its files
/// are removed (waiting for their callbacks in progress; descriptors still
/// open fail with `EIO` from then on) and its state is dropped. Dropping
/// the `NetFiles` does that for every namespace.
///
/// `state` and `build` may capture what they need (an `Arc` of the
/// driver's shared state, say) and are called for several namespaces at
/// once, from any task. A module has at most 8 `NetFiles` at a time
/// (`EBUSY`). Each name is checked as [`Dir`]'s are: `EEXIST` for one this
/// module made in the namespace, or that `/proc/1/net` shows and that this
/// module did not make in the initial namespace.
///
/// Dropping it unregisters it on a kernel worker, soon after (module unload
/// waits for it): never on the dropping task, which may be inside a
/// callback of one of its files that a namespace's exit is waiting for. Its
/// slot is free again once that is done (until then a ninth `NetFiles`
/// fails with `EBUSY`). Making a `NetFiles` from its own `state` or
/// `build`, or from a callback of a `/proc/net` file of this module while
/// that namespace goes, deadlocks (on `pernet_ops_rwsem`), as C's
/// `register_pernet_subsys()` from a pernet `init` does.
///
/// A file directly in `/proc/net`, unlike C's `proc_create_net*()`, is not
/// looked up afresh each time: a task that changes namespace (`setns()`)
/// may go on seeing the previous namespace's file through a path it
/// looked up before, until that one goes. Files in a
/// [`subdir`](kfiles_file::ScopedDir::subdir) have no such lag.
///
/// # Examples
///
/// Only in modules declared with `kfiles_compat::module!` (`EPERM` in
/// others): its exit releases a `NetFiles` that was leaked, whose pernet
/// operations would otherwise stay registered after the module is gone.
///
/// ```
/// use core::sync::atomic::AtomicU32;
/// use procfs_rs::{NetFiles, Show, SeqFile};
///
/// /// Shows the namespace's inode number, as `/proc/self/ns/net` does.
/// struct Inum(u32);
///
/// impl Show for Inum {
///     fn show(&self, m: &SeqFile) -> Result {
///         procfs_rs::seq_print!(m, "net:[{}]\n", self.0);
///         Ok(())
///     }
/// }
///
/// /// One namespace's state.
/// struct State {
///     inum: Inum,
///     limit: AtomicU32,
/// }
///
/// let files = NetFiles::<State>::new(
///     |net| State { inum: Inum(net.inum()), limit: AtomicU32::new(64) },
///     |state, files| {
///         // /proc/net/mydrv_limit and /proc/net/mydrv/ns of each namespace.
///         files.read_write_file(c"mydrv_limit", 0o644, &state.limit)?;
///         files.subdir(c"mydrv", 0)?.read_only_file(c"ns", 0o444, &state.inum)
///     },
/// )?;
/// # let shown = doctest::read(c"/proc/1/net/mydrv/ns")?;
/// # assert!(shown.starts_with(b"net:["));
/// # assert_eq!(&*doctest::read(c"/proc/1/net/mydrv_limit")?, b"64\n");
/// ```
///
/// # Invariants
///
/// `handle` is the C helpers' handle of a registration made by
/// [`NetFiles::pinned`] (a `Registration<T, M, B>`, which the helpers
/// release: unregistered, then freed by `free::<T, M, B>`), given to
/// `kfiles_pernet_drop()` only by this value's drop.
pub struct NetFiles<T: Send + Sync + 'static> {
    handle: kernel::ffi::c_long,
    /// Dropping it drops `T`s (on the teardown worker).
    _state: PhantomData<T>,
}

/// The scope of each namespace, keyed by its address; `None` marks a free
/// slot (the kernel's `Vec` of 6.12 cannot remove).
type Scopes<T> = KVec<Option<(usize, Scope<T>)>>;

/// A registration: the functions that make a namespace's state and files,
/// and the scope of each namespace.
///
/// # Invariants
///
/// `scopes` holds one scope per namespace whose `init` succeeded and whose
/// `exit` has not run, keyed by the namespace's address; each was made in
/// that namespace's `/proc/net`.
#[pin_data]
struct Registration<T, M, B> {
    #[pin]
    scopes: Mutex<Scopes<T>>,
    state: M,
    build: B,
}

impl<T: Send + Sync + 'static> NetFiles<T> {
    /// Registers the files: for every network namespace, `state` makes its
    /// state and `build` its files. Fails with `EPERM` where sleeping is
    /// not allowed, `EBUSY` if the module has 8 already, `EOPNOTSUPP` on a
    /// kernel without networking, and as `build` fails for a namespace that
    /// exists.
    pub fn new<M, B>(state: M, build: B) -> Result<Self>
    where
        M: Fn(&Net) -> T + Send + Sync + 'static,
        B: for<'a> Fn(&'a T, &mut ScopedDir<'a, '_>) -> Result + Send + Sync + 'static,
    {
        Self::pinned::<M, T, Infallible, B>(state, build)
    }

    /// As [`new`](Self::new), for a state that `state` returns an
    /// initialiser of (one with a lock in it: `pin_init!(State { lock <-
    /// new_mutex!(..), .. })`); fails as the initialiser does too.
    pub fn pinned<M, I, E, B>(state: M, build: B) -> Result<Self>
    where
        M: Fn(&Net) -> I + Send + Sync + 'static,
        I: PinInit<T, E>,
        Error: From<E>,
        B: for<'a> Fn(&'a T, &mut ScopedDir<'a, '_>) -> Result + Send + Sync + 'static,
    {
        // Where the module's exit does not release what was leaked
        // (`kfiles_teardowns_wait()`), a leaked `NetFiles` would leave its
        // operations, in the module, registered after unload.
        // SAFETY: Reads a flag.
        if !ffi::may_sleep() || !unsafe { ffi::kfiles_teardowns_are_owned() } {
            return Err(EPERM);
        }
        let registration = KBox::<Registration<T, M, B>>::pin_init::<Error>(
            try_pin_init!(Registration {
                scopes <- new_mutex!(KVec::new()),
                state,
                build,
            }? Error),
            GFP_KERNEL,
        )?;
        // SAFETY: The allocation is never moved out of: `free` drops it in
        // place.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(registration) });
        // SAFETY: `init`, `exit` and `free` are instantiated for the type of
        // `raw`, which stays allocated until the helpers call `free`, after
        // they unregistered it (after its last `init` or `exit`). They are
        // `extern "C" fn(*mut c_void, *mut c_void)` and `extern "C" fn(*mut
        // c_void)`, the types the helper calls them as.
        let handle = unsafe {
            ffi::kfiles_pernet_register(
                Some(init::<T, M, I, E, B>),
                Some(exit::<T, M, B>),
                Some(free::<T, M, B>),
                raw.cast(),
            )
        };
        if handle < 0 {
            // The namespaces initialised before the one that failed were
            // torn down (their scopes removed) before this returned.
            // SAFETY: `raw` came from `KBox::into_raw` above, and it is not
            // registered: nothing else uses it.
            drop(unsafe { KBox::from_raw(raw) });
            return Err(Error::from_errno(handle as c_int));
        }
        // INVARIANT: `handle` is the registration's.
        Ok(Self {
            handle,
            _state: PhantomData,
        })
    }
}

impl<T: Send + Sync + 'static> Drop for NetFiles<T> {
    fn drop(&mut self) {
        // Unregistering takes `pernet_ops_rwsem` for writing and runs every
        // namespace's exit, which waits for the callbacks of its files. Not
        // on this task, then: it may be inside one of those callbacks, or
        // inside a file callback that a namespace's exit, holding the
        // rwsem, already waits for (no check here could see every such
        // exit: it may start right after), or inside an exit itself (a
        // `NetFiles` in a namespace's state). The helpers do it on the
        // teardown worker, which may sleep, is inside no file's callback and
        // holds no lock; a handle the module's exit released already (a
        // leaked owner of this one) does nothing.
        // SAFETY: The handle is the registration's, given up here (type
        // invariants).
        unsafe { ffi::kfiles_pernet_drop(self.handle) };
    }
}

/// Frees a registration the helpers have unregistered (every namespace's
/// exit has run).
///
/// # Safety
///
/// `registration` must be a `Registration<T, M, B>` made by
/// [`NetFiles::pinned`] and unregistered, given up by the caller, on a task
/// that may sleep, inside no file callback and holding no lock (dropping
/// the functions may drop what they captured).
unsafe extern "C" fn free<T, M, B>(registration: *mut c_void) {
    // SAFETY: Allocated by `KBox::pin_init` and given up (function
    // requirements); every exit has run, so no scope is left in it.
    drop(unsafe {
        Pin::new_unchecked(KBox::from_raw(registration.cast::<Registration<T, M, B>>()))
    });
}

/// A namespace's `init`: makes its state and files.
///
/// # Safety
///
/// `registration` must be the live `Registration<T, M, B>` registered with
/// the C slot calling this, `net` a namespace being initialised for it (its
/// `/proc/net` alive until after its `exit`), on a task that may sleep.
unsafe extern "C" fn init<T, M, I, E, B>(registration: *mut c_void, net: *mut c_void) -> c_int
where
    T: Send + Sync + 'static,
    M: Fn(&Net) -> I,
    I: PinInit<T, E>,
    Error: From<E>,
    B: for<'a> Fn(&'a T, &mut ScopedDir<'a, '_>) -> Result,
{
    // SAFETY: Live while registered (function requirements), and only
    // shared.
    let registration = unsafe { &*registration.cast::<Registration<T, M, B>>() };
    let Some(raw) = NonNull::new(net) else {
        return ENOENT.to_errno();
    };
    let net = Net { raw };
    // SAFETY: `net` is being initialised for this registration (function
    // requirements).
    match unsafe { registration.add(&net) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

impl<T: Send + Sync + 'static, M, B> Registration<T, M, B> {
    /// Makes the state and files of `net`, and keeps them in `scopes`.
    ///
    /// # Safety
    ///
    /// `net` must be a namespace being initialised for this registration,
    /// whose `/proc/net` stays alive until after this registration's `exit`
    /// for it has returned, on a task that may sleep.
    unsafe fn add<I, E>(&self, net: &Net) -> Result
    where
        M: Fn(&Net) -> I,
        I: PinInit<T, E>,
        Error: From<E>,
        B: for<'a> Fn(&'a T, &mut ScopedDir<'a, '_>) -> Result,
    {
        // SAFETY: `net` is live (function requirements).
        let node = unsafe { ffi::kfiles_net_proc_dir(net.raw.as_ptr()) };
        if node.is_null() {
            return Err(ENOENT);
        }
        // SAFETY: The directory lives until after this registration's exit
        // for `net` (function requirements). Every clone of the entry is
        // dropped by then: `dir` below at the end of this function (only this
        // function sees it; `ScopedDir`s hold none), and those of the files
        // and directories made in it by the scope, which the exit removes on
        // its own task (`Scope::remove_now`), as a failure here does
        // (`Scope::pinned`, or `remove_now` below): no removal is deferred
        // past it.
        let entry = unsafe { Entry::borrowed(node) }?;
        let dir = Dir::from_inner(kfiles_file::Dir::new(Some(entry)));
        let scope = Scope::pinned(&dir, (self.state)(net), |state, files| {
            (self.build)(state, files)
        })?;
        drop(dir);
        let key = net.raw.as_ptr() as usize;
        let mut scopes = self.scopes.lock();
        let room = scopes.iter().any(Option::is_none) || scopes.reserve(1, GFP_KERNEL).is_ok();
        if !room {
            drop(scopes);
            // SAFETY: This task may sleep (function requirements) and is
            // inside no callback of the scope's files, made just now by
            // `build` on this task.
            unsafe { scope.remove_now() };
            return Err(ENOMEM);
        }
        match scopes.iter_mut().find(|slot| slot.is_none()) {
            Some(free) => *free = Some((key, scope)),
            // Within the capacity reserved above, under the same lock:
            // `push` does not allocate, and cannot fail (nor drop `scope`).
            None => {
                let _ = scopes.push(Some((key, scope)), GFP_KERNEL);
            }
        }
        Ok(())
    }
}

/// A namespace's `exit`: removes its files and drops its state.
///
/// # Safety
///
/// `registration` must be the live `Registration<T, M, B>` registered with
/// the C slot calling this, `net` a namespace whose `init` for it
/// succeeded (and `/proc/net` is still alive), on a task that may sleep and
/// is inside no callback of the registration's files: the namespace
/// cleanup worker, a failed namespace creation (`unshare()`, `clone()`), a
/// failed registration in [`NetFiles::new`] (whose files were all made by
/// that call), or the helpers' release on the teardown worker or in the
/// module's exit (a leaked registration, `kfiles_teardowns_wait()`).
unsafe extern "C" fn exit<T: Send + Sync + 'static, M, B>(
    registration: *mut c_void,
    net: *mut c_void,
) {
    // SAFETY: Live while registered (function requirements), and only
    // shared.
    let registration = unsafe { &*registration.cast::<Registration<T, M, B>>() };
    let key = net as usize;
    let mut scopes = registration.scopes.lock();
    let scope = scopes
        .iter_mut()
        .find(|slot| slot.as_ref().is_some_and(|(k, _)| *k == key))
        .and_then(Option::take);
    if scopes.iter().all(Option::is_none) {
        *scopes = KVec::new();
    }
    drop(scopes);
    if let Some((_, scope)) = scope {
        // SAFETY: This task may sleep and is inside no callback of the
        // scope's files (function requirements). Once this returns nothing
        // of the scope is left in the namespace's `/proc/net`, which the
        // kernel frees after the exits.
        unsafe { scope.remove_now() };
    }
}
