// SPDX-License-Identifier: GPL-2.0

//! Directories, symlinks, and the ownership of proc entries.

use core::{cell::UnsafeCell, ffi::CStr};
use kernel::{
    alloc::flags::{GFP_ATOMIC, GFP_KERNEL},
    error::{
        code::{EEXIST, EINVAL, ENOMEM, EPERM},
        Result,
    },
    prelude::{KBox, KVec},
    sync::Arc,
};
use kfiles_ffi as ffi;

/// The names of the entries this crate created in one directory, which a
/// new entry may not take: procfs `WARN`s (a panic with `panic_on_warn`)
/// before it refuses a name that exists.
///
/// # Invariants
///
/// Only accessed while the module's names mutex is held (a [`NamesLock`]).
/// `None` marks a free slot (the kernel's `Vec` of 6.12 cannot remove).
struct Names(UnsafeCell<KVec<Option<KVec<u8>>>>);

// SAFETY: Every access holds the names mutex (type invariants), which
// serialises the threads.
unsafe impl Sync for Names {}

impl Names {
    const fn new() -> Self {
        Names(UnsafeCell::new(KVec::new()))
    }
}

/// The names this module's crate created directly in `/proc`.
static ROOT_NAMES: Names = Names::new();

/// The module's names mutex, held while this lives.
struct NamesLock;

impl NamesLock {
    /// Takes the mutex; it sleeps.
    fn new() -> Self {
        // SAFETY: A plain mutex lock; the caller may sleep (every caller runs
        // where `may_sleep()` said yes, or on a worker).
        unsafe { ffi::kfiles_proc_names_lock() };
        NamesLock
    }

    /// The names of a directory; `&mut self` makes it the only view.
    fn of<'a>(&'a mut self, names: &'a Names) -> &'a mut KVec<Option<KVec<u8>>> {
        // SAFETY: The mutex is held while `self` lives (type invariants of
        // `Names`), and `&mut self` allows one view at a time.
        unsafe { &mut *names.0.get() }
    }
}

impl Drop for NamesLock {
    fn drop(&mut self) {
        // SAFETY: Taken in `new`, by this thread.
        unsafe { ffi::kfiles_proc_names_unlock() };
    }
}

/// A name taken in a directory (and the directory kept alive): no other
/// entry this crate creates there may take it until the claim is dropped,
/// after the entry is removed.
pub(crate) struct Claim {
    parent: Option<Arc<Entry>>,
    name: KVec<u8>,
}

impl Claim {
    /// Takes `name` in `dir`: `EINVAL` for a name that is not one plain path
    /// component (in `/proc` itself, numeric names too), `EPERM` where
    /// sleeping is not allowed, `EEXIST` for a name already there (taken by
    /// this crate in `dir`, or, in `/proc` itself, visible under `/proc`).
    pub(crate) fn new(dir: &ProcDir, name: &CStr) -> Result<Claim> {
        dir.check_creation(name)?;
        let bytes = name.to_bytes();
        let mut own = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
        own.extend_from_slice(bytes, GFP_KERNEL)?;
        let mut registered = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
        registered.extend_from_slice(bytes, GFP_KERNEL)?;
        let mut lock = NamesLock::new();
        let names = lock.of(names_of(dir.entry.as_ref()));
        if names
            .iter()
            .any(|n| n.as_ref().is_some_and(|n| &n[..] == bytes))
        {
            return Err(EEXIST);
        }
        if dir.entry.is_none() {
            // SAFETY: `name` is a C string; the lookup may sleep, as here.
            kernel::error::to_result(unsafe {
                ffi::kfiles_proc_root_lookup(kfiles_compat::char_ptr(name))
            })?;
        }
        match names.iter_mut().find(|n| n.is_none()) {
            Some(free) => *free = Some(registered),
            None => names.push(Some(registered), GFP_KERNEL)?,
        }
        Ok(Claim {
            parent: dir.entry.clone(),
            name: own,
        })
    }

    /// The directory's entry (NULL for `/proc`), alive while the claim is.
    pub(crate) fn raw_parent(&self) -> *mut ffi::proc_dir_entry {
        self.parent
            .as_ref()
            .map_or(core::ptr::null_mut(), |e| e.pde())
    }
}

/// The names of `dir` (`None` for `/proc`).
fn names_of(dir: Option<&Arc<Entry>>) -> &Names {
    dir.map_or(&ROOT_NAMES, |e| &e.children)
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut lock = NamesLock::new();
        let names = lock.of(names_of(self.parent.as_ref()));
        if let Some(slot) = names
            .iter_mut()
            .find(|n| n.as_ref().is_some_and(|n| n[..] == self.name[..]))
        {
            *slot = None;
        }
        if names.iter().all(Option::is_none) {
            // Free the slots: `/proc`'s list is a static, never dropped.
            *names = KVec::new();
        }
    }
}

/// A proc entry that this crate created and removes when dropped.
///
/// # Invariants
///
/// `pde` is a live proc entry created by this crate and not yet removed,
/// named and placed as `claim` says; the claim keeps the parent's `Arc`
/// (and so the parent) alive for as long as this entry. `claim` is `None`
/// only inside `drop`.
pub(crate) struct Entry {
    pde: *mut ffi::proc_dir_entry,
    claim: Option<Claim>,
    children: Names,
}

// SAFETY: An `Entry` only holds the entry to remove it, which may be done from
// any thread that may sleep (`drop` hands it to a worker otherwise), and its
// claim and children's names, used under the names mutex.
unsafe impl Send for Entry {}
// SAFETY: `&Entry` allows reading the pointer and the children's names under
// the names mutex only.
unsafe impl Sync for Entry {}

impl Entry {
    /// Wraps an entry just returned by a procfs create function, or fails
    /// with `ENOMEM` when creation failed or the `Entry` cannot be allocated
    /// (having removed the entry, if any).
    ///
    /// # Safety
    ///
    /// `pde` must be NULL or the result of a procfs create function for
    /// `claim`'s name in its directory, owned by no one.
    pub(crate) unsafe fn wrap(pde: *mut ffi::proc_dir_entry, claim: Claim) -> Result<Arc<Entry>> {
        if pde.is_null() {
            return Err(ENOMEM);
        }
        // On failure `Arc::new` drops the `Entry`, whose `drop` removes the
        // entry and frees the name.
        Ok(Arc::new(
            Entry {
                pde,
                claim: Some(claim),
                children: Names::new(),
            },
            GFP_KERNEL,
        )?)
    }

    /// The entry, for use as a parent while `self` is alive.
    pub(crate) fn pde(&self) -> *mut ffi::proc_dir_entry {
        self.pde
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        if !ffi::may_sleep() {
            // Removal sleeps: hand it, with the hold on the parent, to a
            // worker.
            // Allocated before anything is moved: a failed `KBox::new` would
            // drop its argument, recursing into this.
            match KBox::<Entry>::new_uninit(GFP_ATOMIC) {
                Ok(slot) => {
                    let moved = KBox::write(
                        slot,
                        Entry {
                            pde: self.pde,
                            claim: self.claim.take(),
                            children: Names::new(),
                        },
                    );
                    // SAFETY: `remove_entry` takes the `KBox<Entry>` we give
                    // up and drops it on an async worker, in task context,
                    // which removes the entry there.
                    unsafe {
                        ffi::kfiles_defer_teardown(Some(remove_entry), KBox::into_raw(moved).cast())
                    };
                }
                Err(_) => {
                    // Removing here would sleep: leak the entry (and the
                    // hold on its parent) instead, keeping the module, whose
                    // code its operations are, pinned.
                    // SAFETY: `kfiles_pin_for_leak()` only takes a module
                    // reference and logs.
                    unsafe { ffi::kfiles_pin_for_leak() };
                    core::mem::forget(self.claim.take());
                }
            }
            return;
        }
        // SAFETY: By the type invariants the entry is live and owned by
        // `self`; removal is recursive and waits for operations in progress.
        // This context may sleep (checked above).
        unsafe { ffi::proc_remove(self.pde) };
        // The name is free again only now that the entry is gone.
        drop(self.claim.take());
    }
}

/// Drops a `KBox<Entry>` moved out of an [`Entry`] dropped where it could
/// not sleep.
///
/// # Safety
///
/// `entry` must come from `KBox::into_raw` of a `KBox<Entry>`, given up by
/// the caller, and this must run in a context that may sleep.
unsafe extern "C" fn remove_entry(entry: *mut core::ffi::c_void) {
    // SAFETY: By the function's safety requirements.
    drop(unsafe { KBox::from_raw(entry.cast::<Entry>()) });
}

/// A procfs directory, or `/proc` itself.
///
/// The directory and everything in it is removed when the last of its owners
/// is dropped: this handle, a clone of it, or an entry created in it.
///
/// # Examples
///
/// ```
/// let dir = procfs_rs::ProcDir::root().subdir(c"mydrv", 0o555)?;
/// // A name that exists is refused.
/// assert_eq!(procfs_rs::ProcDir::root().subdir(c"mydrv", 0o555).err(), Some(EEXIST));
/// ```
#[derive(Clone)]
pub struct ProcDir {
    /// `None` for `/proc`.
    entry: Option<Arc<Entry>>,
}

impl ProcDir {
    /// `/proc` itself, to create entries in.
    pub fn root() -> Self {
        ProcDir { entry: None }
    }

    /// Creates the directory `name` in this one, with the permission bits of
    /// `mode` (`proc_mkdir_mode()`; 0 means the default, 0555). Fails with
    /// `EINVAL` for a name that is not one plain path component (see
    /// [`kfiles_core::name`]; in `/proc` itself numeric names are refused
    /// too), `EPERM` where sleeping is not allowed, `EEXIST` for a name this
    /// crate already created in the directory (or, in `/proc` itself, any
    /// name visible there), and `ENOMEM` when procfs refuses the entry.
    pub fn subdir(&self, name: &CStr, mode: u16) -> Result<Self> {
        let claim = Claim::new(self, name)?;
        // SAFETY: `name` is one plain path component, free in this directory
        // (claimed), and `mode` holds permission bits only; the parent is
        // alive while `claim` is (or NULL for /proc).
        let pde = unsafe {
            ffi::proc_mkdir_mode(
                kfiles_compat::char_ptr(name),
                mode & crate::file::PERMISSION_BITS,
                claim.raw_parent(),
            )
        };
        // SAFETY: `pde` was just created for `claim`'s name and directory.
        let entry = unsafe { Entry::wrap(pde, claim)? };
        Ok(ProcDir { entry: Some(entry) })
    }

    /// Creates a symbolic link `name` in this directory pointing at
    /// `target`, which is relative to this directory (`proc_symlink()`).
    /// Names as for [`subdir`](Self::subdir).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::proc_dir()?;
    /// # let aint = KBox::pin_init(dir.read_only_file(c"aint", 0o444, 1u8), GFP_KERNEL)?;
    /// let link = dir.symlink(c"current", c"aint")?;
    /// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/current")?, b"1\n");
    /// ```
    pub fn symlink(&self, name: &CStr, target: &CStr) -> Result<Symlink> {
        let claim = Claim::new(self, name)?;
        // SAFETY: `name` is one plain path component, free in this directory
        // (claimed), and `target` a C string (procfs copies both); the parent
        // is alive while `claim` is (or NULL for /proc).
        let pde = unsafe {
            ffi::proc_symlink(
                kfiles_compat::char_ptr(name),
                claim.raw_parent(),
                kfiles_compat::char_ptr(target),
            )
        };
        // SAFETY: `pde` was just created for `claim`'s name and directory.
        let entry = unsafe { Entry::wrap(pde, claim)? };
        Ok(Symlink { _entry: entry })
    }

    /// Whether an entry `name` may be created in this directory, here:
    /// `EINVAL` for a name that is not one plain path component, `EPERM` in
    /// a context that may not sleep (procfs allocates with `GFP_KERNEL` and
    /// takes a sleeping lock).
    pub(crate) fn check_creation(&self, name: &CStr) -> Result {
        kfiles_core::name::check(name.to_bytes(), self.entry.is_none()).map_err(|_| EINVAL)?;
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        Ok(())
    }
}

/// A symbolic link in procfs, removed when dropped (see [`ProcDir::symlink`]).
pub struct Symlink {
    _entry: Arc<Entry>,
}
