// SPDX-License-Identifier: GPL-2.0

//! Directories, and the ownership of debugfs entries.

use core::ffi::CStr;
use kernel::{
    alloc::flags::{GFP_ATOMIC, GFP_KERNEL},
    bindings,
    prelude::KBox,
    sync::Arc,
};
use kfiles_ffi as ffi;

/// A debugfs dentry that this crate created and removes when dropped.
///
/// # Invariants
///
/// `dentry` is a live debugfs dentry created by this crate and not yet
/// removed. If `parent` is set, `dentry` lives inside the parent's dentry,
/// which the `Arc` keeps alive for as long as this entry.
pub(crate) struct Entry {
    dentry: *mut bindings::dentry,
    _parent: Option<Arc<Entry>>,
}

// SAFETY: An `Entry` only holds the dentry to remove it, which any thread
// that may sleep can do (`drop` hands it to a worker elsewhere).
unsafe impl Send for Entry {}
// SAFETY: `&Entry` allows nothing but reading the dentry pointer; children
// created concurrently under it are serialised by the parent inode's lock in
// debugfs.
unsafe impl Sync for Entry {}

impl Entry {
    /// Wraps a dentry just returned by a debugfs create function, or returns
    /// `None` (having removed the dentry, if any) when creation failed or the
    /// entry cannot be allocated.
    ///
    /// # Safety
    ///
    /// `dentry` must be the result of a debugfs create function inside
    /// `parent`'s dentry (or the root when `parent` is `None`), not owned by
    /// anything else.
    pub(crate) unsafe fn wrap(
        dentry: *mut bindings::dentry,
        parent: Option<Arc<Entry>>,
    ) -> Option<Arc<Entry>> {
        if ffi::is_err_or_null(dentry) {
            return None;
        }
        // On failure `Arc::new` drops the `Entry`, whose `drop` removes the
        // dentry.
        Arc::new(
            Entry {
                dentry,
                _parent: parent,
            },
            GFP_KERNEL,
        )
        .ok()
    }

    /// The dentry, for use as a parent while `self` is alive.
    pub(crate) fn dentry(&self) -> *mut bindings::dentry {
        self.dentry
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
                            dentry: self.dentry,
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
        // SAFETY: By the type invariants the dentry is live and owned by
        // `self`; removal is recursive and waits for callbacks in progress.
        // This context may sleep (checked above).
        unsafe { ffi::kfiles_debugfs_remove(self.dentry) };
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

/// A debugfs directory.
///
/// The directory and everything in it is removed when the last of its owners
/// is dropped: this handle, a clone of it, or a [`File`](crate::File) or
/// subdirectory created in it (each keeps its parent alive).
///
/// If the directory could not be created (see the crate documentation), the
/// handle is still valid and everything created in it is a no-op.
///
/// # Examples
///
/// ```
/// let dir = debugfs_rs::Dir::new(c"my-driver");
/// let queues = dir.subdir(c"queues");
/// # assert!(doctest::exists(c"/sys/kernel/debug/my-driver/queues"));
/// drop(dir); // /sys/kernel/debug/my-driver stays while `queues` does
/// # assert!(doctest::exists(c"/sys/kernel/debug/my-driver/queues"));
/// # drop(queues);
/// # assert!(!doctest::exists(c"/sys/kernel/debug/my-driver"));
/// ```
#[derive(Clone)]
pub struct Dir {
    entry: Option<Arc<Entry>>,
}

impl Dir {
    /// Creates the directory `name` in the debugfs root. A name that is not
    /// one plain path component (empty, `.`, `..`, containing `/`, longer
    /// than 255 bytes), or a call where sleeping is not allowed, creates
    /// nothing, as any other failure to create a debugfs entry does.
    pub fn new(name: &CStr) -> Self {
        if kfiles_core::name::check(name.to_bytes(), false).is_err() || !ffi::may_sleep() {
            return Dir { entry: None };
        }
        let name = kfiles_compat::char_ptr(name);
        // SAFETY: `name` is a valid C string; a NULL parent means the root.
        let dentry = unsafe { ffi::kfiles_debugfs_create_dir(name, core::ptr::null_mut()) };
        // SAFETY: The dentry was just created in the root and is ours.
        let entry = unsafe { Entry::wrap(dentry, None) };
        Dir { entry }
    }

    /// Creates the directory `name` inside this one (names as for
    /// [`Dir::new`]).
    pub fn subdir(&self, name: &CStr) -> Self {
        let Some(parent) = &self.entry else {
            return Dir { entry: None };
        };
        if kfiles_core::name::check(name.to_bytes(), false).is_err() || !ffi::may_sleep() {
            return Dir { entry: None };
        }
        let name = kfiles_compat::char_ptr(name);
        // SAFETY: `name` is a valid C string and the parent dentry is alive
        // while `parent` is.
        let dentry = unsafe { ffi::kfiles_debugfs_create_dir(name, parent.dentry()) };
        // SAFETY: The dentry was just created inside `parent` and is ours.
        let entry = unsafe { Entry::wrap(dentry, Some(parent.clone())) };
        Dir { entry }
    }

    /// Whether the directory exists in debugfs (it may not; see the crate
    /// documentation). For diagnostics only: a driver works the same either way.
    pub fn exists(&self) -> bool {
        self.entry.is_some()
    }

    /// The directory's dentry, for C APIs that create entries in it (relay-rs
    /// passes it to `relay_open()`), or `None` if the directory does not
    /// exist.
    ///
    /// # Safety
    ///
    /// The caller must not use the pointer after the last clone of `self`
    /// (and every file and subdirectory created in it, which keep it alive)
    /// is dropped, must not remove the directory or take its reference, and
    /// must remove every entry it creates in it before that last drop.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = debugfs_rs::Dir::new(c"my-driver");
    /// // SAFETY: The pointer is only compared with NULL.
    /// assert_eq!(unsafe { dir.dentry() }.is_some(), dir.exists());
    /// ```
    pub unsafe fn dentry(&self) -> Option<*mut bindings::dentry> {
        self.entry.as_ref().map(|entry| entry.dentry())
    }

    /// The entry to create children in, if any.
    pub(crate) fn entry(&self) -> Option<&Arc<Entry>> {
        self.entry.as_ref()
    }
}
