// SPDX-License-Identifier: GPL-2.0

//! Directories, symlinks, names, and procfs as a file system of the file
//! core.

use core::{
    cell::UnsafeCell,
    ffi::{c_void, CStr},
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    bindings,
    error::{
        code::{EEXIST, EINVAL, ENOMEM, EPERM},
        Result,
    },
    prelude::KVec,
    sync::Arc,
};
use kfiles_ffi as ffi;
use kfiles_file::{Kind, Mode, Table, Token};

/// Read, write and execute for owner, group and others.
pub(crate) const PERMISSION_BITS: u16 = 0o777;

/// procfs, for the file core (`kfiles_file`): entries are
/// `proc_dir_entry`s, an inode's data pointer is `pde_data()`, and an entry
/// holds its name, claimed in its directory (which the claim keeps alive).
/// Creation errors are returned (`ENOMEM`: procfs gives no reason).
pub struct Procfs;

/// A proc entry this crate created; directories are held as `Arc<Entry>`.
pub(crate) type Entry = kfiles_file::Entry<Procfs>;

// SAFETY: `place` claims a name only if it is one plain path component (in
// `/proc`, not numeric) and free, for a mode with permission bits (procfs
// would turn none into 0444), where sleeping is allowed. `create_file`
// returns what `proc_create_data()` does for the arguments given, inside the
// directory the claim keeps alive (NULL, for a failure, becomes `ENOMEM`),
// with `data` as the entry's data and a mode of permission bits. `table`
// fills each field of `proc_ops` from the operation of its name, `proc_read`
// only where there is no `proc_read_iter` (procfs would ignore it). `Names`
// is made and dropped without sleeping (an empty vector, freed). `proc_remove()` accepts NULL,
// removes recursively, waits for operations in progress and runs the
// release of every open file before it returns, so no operation runs after
// it. `pde_data()` is the data pointer of a proc entry's inode.
unsafe impl kfiles_file::FileSystem for Procfs {
    type Node = ffi::proc_dir_entry;
    type Ops = ffi::proc_ops;
    type Place = Claim;
    type Children = Names;

    fn new_children(_: Token) -> Names {
        Names::new()
    }

    fn place(_: Token, dir: Option<&Arc<Entry>>, name: &CStr, mode: u16) -> Result<Claim> {
        // procfs turns a mode without permission bits into 0444: refuse it
        // rather than show a file to everyone.
        if mode & PERMISSION_BITS == 0 {
            return Err(EINVAL);
        }
        Claim::new(dir, name)
    }

    fn table<T, K: Kind<T, Self>>(_: Token) -> &'static Table<T, Self> {
        &const { crate::file::table(K::OPERATIONS) }
    }

    fn subdir(
        _: Token,
        dir: &kfiles_file::Dir<Self>,
        name: &CStr,
        mode: u16,
    ) -> Result<kfiles_file::Dir<Self>> {
        make_subdir(dir, name, mode)
    }

    unsafe fn create_file(
        place: &Claim,
        name: &CStr,
        mode: u16,
        data: *mut c_void,
        ops: &'static Self::Ops,
    ) -> Result<*mut Self::Node> {
        // SAFETY: `name` is a C string, one path component, free in the
        // directory (`place` claimed it), and `mode` permission bits only
        // (`File::create` masks it), not all clear (`place` checked); the
        // directory is alive while `place` is; `data` and `ops` as the caller
        // guarantees.
        let pde = unsafe {
            ffi::proc_create_data(
                kfiles_compat::char_ptr(name),
                mode & PERMISSION_BITS,
                place.raw_parent(),
                ops,
                data,
            )
        };
        if pde.is_null() {
            return Err(ENOMEM);
        }
        Ok(pde)
    }

    unsafe fn remove(node: *mut Self::Node) {
        // SAFETY: By the function's safety requirements.
        unsafe { ffi::proc_remove(node) }
    }

    #[inline]
    unsafe fn data_of(inode: *mut bindings::inode) -> *mut c_void {
        // `pde_data()`, a static inline on every kernel since 5.17, which
        // procfs's inodes are made for (`proc_get_inode()` copies the
        // entry's data there): read without a call on every handler.
        // SAFETY: `inode` is a live proc inode (function requirements).
        unsafe { (*inode).i_private }
    }

    // `proc_remove()` releases the files still open itself
    // (`proc_entry_rundown()`), waiting for releases in progress, before it
    // returns; after that no release of the entry's files is called.
    const DATA_ALIVE_IN_RELEASE: bool = true;
}

/// The names of the entries this crate created in one directory, which a
/// new entry may not take: procfs `WARN`s (a panic with `panic_on_warn`)
/// before it refuses a name that exists.
///
/// Each name is held with a key: 0 in a directory's own list, the
/// directory's address in [`BORROWED_NAMES`], which holds the names of every
/// directory this crate did not create (a namespace's `/proc/net`, which
/// several `NetFiles` of a module share).
///
/// # Invariants
///
/// Only accessed while the module's names mutex is held (a [`NamesLock`]).
/// `None` marks a free slot (the kernel's `Vec` of 6.12 cannot remove).
pub struct Names(UnsafeCell<NameList>);

/// Names and their keys; `None` marks a free slot.
type NameList = KVec<Option<(usize, KVec<u8>)>>;

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

/// The names this module's crate created in directories it did not create,
/// keyed by directory.
static BORROWED_NAMES: Names = Names::new();

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
    fn of<'a>(&'a mut self, names: &'a Names) -> &'a mut NameList {
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
pub struct Claim {
    parent: Option<Arc<Entry>>,
    name: KVec<u8>,
}

/// Whether `names` holds `name` under `key`.
fn holds(names: &[Option<(usize, KVec<u8>)>], key: usize, name: &[u8]) -> bool {
    names
        .iter()
        .flatten()
        .any(|(k, n)| *k == key && &n[..] == name)
}

impl Claim {
    /// Takes `name` in `dir`: `EINVAL` for a name that is not one plain path
    /// component (in `/proc` itself, numeric names too), `EPERM` where
    /// sleeping is not allowed, `EEXIST` for a name already there (taken by
    /// this crate in `dir`; in `/proc` itself, visible under `/proc`; in a
    /// namespace's `/proc/net`, visible in `/proc/1/net` and not taken by
    /// this crate in the initial namespace's).
    pub(crate) fn new(dir: Option<&Arc<Entry>>, name: &CStr) -> Result<Claim> {
        kfiles_core::name::check(name.to_bytes(), dir.is_none()).map_err(|_| EINVAL)?;
        // procfs allocates with `GFP_KERNEL`, and the names lock sleeps.
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let bytes = name.to_bytes();
        let mut own = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
        own.extend_from_slice(bytes, GFP_KERNEL)?;
        let mut registered = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
        registered.extend_from_slice(bytes, GFP_KERNEL)?;
        let (list, key) = names_of(dir);
        let mut lock = NamesLock::new();
        let names = lock.of(list);
        if holds(names, key, bytes) {
            return Err(EEXIST);
        }
        match dir {
            None => {
                // SAFETY: `name` is a C string; the lookup may sleep, as here.
                kernel::error::to_result(unsafe {
                    ffi::kfiles_proc_root_lookup(kfiles_compat::char_ptr(name))
                })?;
            }
            // A namespace's `/proc/net` holds what the kernel's subsystems
            // made there, which no lookup from here can see before the
            // namespace has a task. Those of the initial namespace stand
            // for them (the subsystems make the same names in every
            // namespace), less the names this crate made there itself.
            Some(entry) if entry.is_borrowed() => {
                // SAFETY: Only reads `init_net`.
                let initial = unsafe { ffi::kfiles_init_net_proc_dir() } as usize;
                if !holds(names, initial, bytes) {
                    // SAFETY: `name` is a C string; the lookup may sleep, as
                    // here.
                    kernel::error::to_result(unsafe {
                        ffi::kfiles_proc_init_net_lookup(kfiles_compat::char_ptr(name))
                    })?;
                }
            }
            Some(_) => {}
        }
        match names.iter_mut().find(|n| n.is_none()) {
            Some(free) => *free = Some((key, registered)),
            None => names.push(Some((key, registered)), GFP_KERNEL)?,
        }
        Ok(Claim {
            parent: dir.cloned(),
            name: own,
        })
    }

    /// The directory's entry (NULL for `/proc`), alive while the claim is.
    pub(crate) fn raw_parent(&self) -> *mut ffi::proc_dir_entry {
        self.parent
            .as_ref()
            .map_or(core::ptr::null_mut(), |e| e.node())
    }
}

/// The list that holds the names of `dir` (`None` for `/proc`), and their
/// key in it.
fn names_of(dir: Option<&Arc<Entry>>) -> (&Names, usize) {
    match dir {
        None => (&ROOT_NAMES, 0),
        Some(e) if e.is_borrowed() => (&BORROWED_NAMES, e.node() as usize),
        Some(e) => (e.children(), 0),
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let (list, key) = names_of(self.parent.as_ref());
        let mut lock = NamesLock::new();
        let names = lock.of(list);
        if let Some(slot) = names.iter_mut().find(|n| {
            n.as_ref()
                .is_some_and(|(k, n)| *k == key && n[..] == self.name[..])
        }) {
            *slot = None;
        }
        if names.iter().all(Option::is_none) {
            // Free the slots: the lists of `/proc` and of borrowed
            // directories are statics, never dropped.
            *names = KVec::new();
        }
    }
}

/// Makes the directory `name` in `parent` (see [`Dir::subdir`]); `mode` is
/// permission bits only.
fn make_subdir(
    parent: &kfiles_file::Dir<Procfs>,
    name: &CStr,
    mode: u16,
) -> Result<kfiles_file::Dir<Procfs>> {
    let claim = Claim::new(parent.entry(), name)?;
    let name = kfiles_compat::char_ptr(name);
    // SAFETY: `name` is one plain path component, free in this directory
    // (claimed), and `mode` holds permission bits only; the parent is alive
    // while `claim` is (or NULL for /proc).
    let pde = unsafe {
        match parent.entry() {
            // In a namespace's `/proc/net` (only a `NetFiles` scope has
            // one), as `proc_net_mkdir()`.
            Some(dir) if dir.is_borrowed() => {
                ffi::kfiles_proc_net_mkdir(name, mode, claim.raw_parent())
            }
            _ => ffi::proc_mkdir_mode(name, mode, claim.raw_parent()),
        }
    };
    // SAFETY: `pde` was just created for `claim`'s name and directory.
    let entry = unsafe { Entry::wrap(pde, claim)? };
    Ok(kfiles_file::Dir::new(Some(entry)))
}

kfiles_file::dir_type! {
    /// A procfs directory, or `/proc` itself.
    ///
    /// The directory and everything in it is removed when the last of its owners
    /// is dropped: this handle, a clone of it, or an entry created in it.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = procfs_rs::Dir::root().subdir(c"mydrv", 0o555)?;
    /// // A name that exists is refused.
    /// assert_eq!(procfs_rs::Dir::root().subdir(c"mydrv", 0o555).err(), Some(EEXIST));
    /// ```
    pub struct Dir(Procfs);
}

impl Dir {
    /// The directory of `dir`.
    pub(crate) fn from_inner(dir: kfiles_file::Dir<Procfs>) -> Self {
        Dir(dir)
    }

    /// `/proc` itself, to create entries in.
    pub fn root() -> Self {
        Dir(kfiles_file::Dir::new(None))
    }

    /// Creates the directory `name` in this one, with the permission bits of
    /// `mode` (`proc_mkdir_mode()`; 0 means the default, 0555). Fails with
    /// `EINVAL` for a name that is not one plain path component (see
    /// [`kfiles_core::name`]; in `/proc` itself numeric names are refused
    /// too), `EPERM` where sleeping is not allowed, `EEXIST` for a name this
    /// crate already created in the directory (or, in `/proc` itself, any
    /// name visible there), and `ENOMEM` when procfs refuses the entry.
    pub fn subdir(&self, name: &CStr, mode: impl Into<Mode>) -> Result<Self> {
        Ok(Dir(make_subdir(self, name, mode.into().bits())?))
    }

    /// Creates a symbolic link `name` in this directory pointing at
    /// `target`, which is relative to this directory (`proc_symlink()`).
    /// Names as for [`subdir`](Self::subdir); a target of `PATH_MAX` (4096)
    /// bytes or more fails with `ENAMETOOLONG`.
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
        // No lookup follows a longer target, and procfs would copy any
        // length (a multi-megabyte copy warns in the page allocator).
        if target.to_bytes().len() >= kfiles_core::name::PATH_MAX {
            return Err(enametoolong());
        }
        let claim = Claim::new(self.entry(), name)?;
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

    /// Creates an empty directory `name` in this one for a file system to be
    /// mounted on (`proc_create_mount_point()`, as `/proc/fs/nfsd`): mode
    /// 0555, always empty, nothing can be created in it (`mkdir` there fails
    /// with `EPERM`), and any file system can be mounted on it. Names as for
    /// [`subdir`](Self::subdir); `EPERM` in a namespace's `/proc/net`, where
    /// procfs makes no mount points.
    ///
    /// Dropping the handle removes the directory. A file system still
    /// mounted there stays mounted (reachable through open descriptors and
    /// working directories) until the name is next looked up in each
    /// mounted `/proc`, which detaches it as `umount -l` would; no code or
    /// data of the module stays in use.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = doctest::proc_dir()?;
    /// let mnt = dir.mount_point(c"mnt")?;
    /// // mount -t tmpfs none /proc/kfiles-doctest/mnt
    /// # let (_size, uid, _gid) = doctest::stat(c"/proc/kfiles-doctest/mnt")?;
    /// # assert_eq!(uid, 0);
    /// ```
    pub fn mount_point(&self, name: &CStr) -> Result<MountPoint> {
        let claim = Claim::new(self.entry(), name)?;
        // procfs finds the parent by path from `/proc`.
        let path = path_in_proc(&claim)?;
        // SAFETY: `path` is a NUL-terminated path from `/proc` to a name free
        // in a directory this crate made (claimed; the claim keeps the
        // directories alive), so procfs creates the entry there (or fails).
        let pde = unsafe { ffi::proc_create_mount_point(path.as_ptr().cast()) };
        // SAFETY: `pde` was just created for `claim`'s name and directory.
        let entry = unsafe { Entry::wrap(pde, claim)? };
        Ok(MountPoint { _entry: entry })
    }
}

/// `ENAMETOOLONG`, which 6.12's `error::code` lacks.
fn enametoolong() -> kernel::error::Error {
    kernel::error::Error::from_errno(-(bindings::ENAMETOOLONG as kernel::ffi::c_int))
}

/// The path of the entry `claim` names, relative to `/proc`, NUL-terminated:
/// `EPERM` inside a directory this crate did not create (a namespace's
/// `/proc/net`, which no path from `/proc` reaches), `ENAMETOOLONG` from
/// `PATH_MAX` bytes.
fn path_in_proc(claim: &Claim) -> Result<KVec<u8>> {
    let mut names: KVec<&[u8]> = KVec::new();
    names.push(&claim.name[..], GFP_KERNEL)?;
    let mut dir = claim.parent.as_ref();
    while let Some(entry) = dir {
        let place = entry.place().ok_or(EPERM)?;
        names.push(&place.name[..], GFP_KERNEL)?;
        dir = place.parent.as_ref();
    }
    let len = names.iter().map(|n| n.len() + 1).sum::<usize>();
    if len > kfiles_core::name::PATH_MAX {
        return Err(enametoolong());
    }
    let mut path = KVec::with_capacity(len, GFP_KERNEL)?;
    for (i, name) in names.iter().rev().enumerate() {
        if i > 0 {
            path.push(b'/', GFP_KERNEL)?;
        }
        path.extend_from_slice(name, GFP_KERNEL)?;
    }
    path.push(0, GFP_KERNEL)?;
    Ok(path)
}

/// A directory made for a file system to be mounted on, removed when dropped
/// (see [`Dir::mount_point`]).
pub struct MountPoint {
    _entry: Arc<Entry>,
}

/// A symbolic link in procfs, removed when dropped (see [`Dir::symlink`]).
pub struct Symlink {
    _entry: Arc<Entry>,
}
