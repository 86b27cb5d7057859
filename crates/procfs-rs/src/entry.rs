// SPDX-License-Identifier: GPL-2.0

//! Directories, symlinks, and the ownership of proc entries.

use core::ffi::CStr;
use kernel::{
    alloc::flags::{GFP_ATOMIC, GFP_KERNEL},
    error::{
        code::{EINVAL, ENOMEM, EPERM},
        Result,
    },
    prelude::KBox,
    sync::Arc,
};
use kfiles_ffi as ffi;

/// A proc entry that this crate created and removes when dropped.
///
/// # Invariants
///
/// `pde` is a live proc entry created by this crate and not yet removed. If
/// `parent` is set, `pde` lives inside the parent's entry, which the `Arc`
/// keeps alive for as long as this one.
pub(crate) struct Entry {
    pde: *mut ffi::proc_dir_entry,
    _parent: Option<Arc<Entry>>,
}

// SAFETY: An `Entry` only holds the entry to remove it; procfs functions may
// be called from any thread.
unsafe impl Send for Entry {}
// SAFETY: `&Entry` allows nothing but reading the pointer.
unsafe impl Sync for Entry {}

impl Entry {
    /// Wraps an entry just returned by a procfs create function, or fails
    /// with `ENOMEM` (having removed it, if any) when creation failed or the
    /// `Entry` cannot be allocated.
    ///
    /// # Safety
    ///
    /// `pde` must be NULL or the result of a procfs create function inside
    /// `parent`'s entry (or `/proc` when `parent` is `None`), owned by no one.
    pub(crate) unsafe fn wrap(
        pde: *mut ffi::proc_dir_entry,
        parent: Option<Arc<Entry>>,
    ) -> Result<Arc<Entry>> {
        if pde.is_null() {
            return Err(ENOMEM);
        }
        Arc::new(
            Entry {
                pde,
                _parent: parent,
            },
            GFP_KERNEL,
        )
        .map_err(|e| {
            // SAFETY: `pde` was just created and nothing else owns it.
            unsafe { ffi::proc_remove(pde) };
            e.into()
        })
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
                            _parent: self._parent.take(),
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
                    core::mem::forget(self._parent.take());
                }
            }
            return;
        }
        // SAFETY: By the type invariants the entry is live and owned by
        // `self`; removal is recursive and waits for operations in progress.
        // This context may sleep (checked above).
        unsafe { ffi::proc_remove(self.pde) };
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
/// ```ignore
/// let dir = procfs_rs::ProcDir::root().subdir(c"mydrv", 0o555)?;
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
    /// too), `EPERM` where sleeping is not allowed, and `ENOMEM` when procfs
    /// refuses the entry.
    pub fn subdir(&self, name: &CStr, mode: u16) -> Result<Self> {
        self.check_creation(name)?;
        let name = kfiles_compat::char_ptr(name);
        // SAFETY: `name` is one plain path component and `mode` holds
        // permission bits only; the parent is alive while `self` is (or NULL
        // for /proc).
        let pde =
            unsafe { ffi::proc_mkdir_mode(name, mode & crate::file::PERMISSION_BITS, self.raw()) };
        // SAFETY: `pde` was just created inside this directory.
        let entry = unsafe { Entry::wrap(pde, self.entry.clone())? };
        Ok(ProcDir { entry: Some(entry) })
    }

    /// Creates a symbolic link `name` in this directory pointing at
    /// `target`, which is relative to this directory (`proc_symlink()`).
    /// Names as for [`subdir`](Self::subdir).
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let link = dir.symlink(c"current", c"aint")?;
    /// ```
    pub fn symlink(&self, name: &CStr, target: &CStr) -> Result<Symlink> {
        self.check_creation(name)?;
        let (name, target) = (
            kfiles_compat::char_ptr(name),
            kfiles_compat::char_ptr(target),
        );
        // SAFETY: `name` is one plain path component and `target` a C
        // string (procfs copies both); the parent is alive while `self` is.
        let pde = unsafe { ffi::proc_symlink(name, self.raw(), target) };
        // SAFETY: `pde` was just created inside this directory.
        let entry = unsafe { Entry::wrap(pde, self.entry.clone())? };
        Ok(Symlink { _entry: entry })
    }

    /// Fails with `EINVAL` unless `name` may be created in this directory.
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

    /// The parent pointer for the C functions (NULL for `/proc`).
    pub(crate) fn raw(&self) -> *mut ffi::proc_dir_entry {
        self.entry
            .as_ref()
            .map_or(core::ptr::null_mut(), |e| e.pde())
    }

    /// The entry that children keep alive.
    pub(crate) fn entry(&self) -> Option<&Arc<Entry>> {
        self.entry.as_ref()
    }
}

/// A symbolic link in procfs, removed when dropped (see [`ProcDir::symlink`]).
pub struct Symlink {
    _entry: Arc<Entry>,
}
