// SPDX-License-Identifier: GPL-2.0

//! The iterator form of seq_file: `start`/`next`/`stop`/`show`.

use crate::SeqFile;
use core::{ffi::c_void, mem::MaybeUninit, ptr};
use kernel::{bindings, error::Result};
use kfiles_ffi as ffi;

/// A sequence of records that a seq_file prints one at a time.
///
/// The kernel reads a seq_file in chunks: for each `read()` it calls `start`
/// at the current position, `show` and `next` until its buffer is full, then
/// `stop`. A [`Cursor`](SeqIterator::Cursor) is what `start` returns and what
/// `stop` drops: it holds the position *and* whatever keeps the records alive
/// (a lock guard, an RCU read guard, a reference count), so `show` can never
/// see a freed record. Positions are record indices; the next `read()` starts
/// again at the index where the last one stopped, so `start` must be able to
/// seek to any index.
///
/// With [`HAS_HEADER`](SeqIterator::HAS_HEADER), position 0 is a header
/// printed by [`show_header`](SeqIterator::show_header) (C's
/// `SEQ_START_TOKEN`), and records start at position 1.
///
/// # Examples
///
/// ```
/// use kernel::sync::Mutex;
/// use kfiles_compat::MutexGuard; // `kernel::sync::MutexGuard` exists only since 6.16-ish
/// use seqfile_rs::{seq_print, SeqFile, SeqIterator};
///
/// struct Table(Pin<KBox<Mutex<KVec<u32>>>>);
///
/// impl SeqIterator for Table {
///     type Cursor<'a> = (MutexGuard<'a, KVec<u32>>, usize);
///     const HAS_HEADER: bool = true;
///
///     fn start(&self, index: u64) -> Option<Self::Cursor<'_>> {
///         let guard = self.0.lock();
///         let i = usize::try_from(index).ok().filter(|&i| i < guard.len())?;
///         Some((guard, i))
///     }
///     fn next(&self, c: &mut Self::Cursor<'_>) -> bool {
///         c.1 += 1;
///         c.1 < c.0.len()
///     }
///     fn show(&self, c: &Self::Cursor<'_>, m: &SeqFile) -> Result {
///         seq_print!(m, "{}\n", c.0[c.1]);
///         Ok(())
///     }
///     fn show_header(&self, m: &SeqFile) -> Result {
///         seq_print!(m, "values:\n");
///         Ok(())
///     }
/// }
///
/// # let mut values = KVec::new();
/// # for v in [10, 20, 30] {
/// #     values.push(v, GFP_KERNEL)?;
/// # }
/// # let table = Table(KBox::pin_init(kernel::new_mutex!(values), GFP_KERNEL)?);
/// # let dir = doctest::debugfs_dir();
/// let file = KBox::pin_init(dir.seq_file(c"table", 0o444, table), GFP_KERNEL)?;
/// // cat table -> values: 10 20 30, a line each
/// # let want = b"values:\n10\n20\n30\n";
/// # assert_eq!(&*doctest::read_in(c"/sys/kernel/debug/kfiles-doctest/table", 2)?, want);
/// ```
pub trait SeqIterator: Sync {
    /// A position in the sequence, with what keeps its record alive.
    type Cursor<'a>
    where
        Self: 'a;

    /// Whether a header precedes the records (position 0).
    const HAS_HEADER: bool = false;

    /// Returns a cursor on record `index` (0 is the first record), or `None`
    /// past the end.
    fn start(&self, index: u64) -> Option<Self::Cursor<'_>>;

    /// Moves `cursor` to the next record; returns `false` past the end (the
    /// cursor is then dropped without being shown).
    fn next(&self, cursor: &mut Self::Cursor<'_>) -> bool;

    /// Prints the record under `cursor`.
    fn show(&self, cursor: &Self::Cursor<'_>, m: &SeqFile) -> Result;

    /// Prints the header, when [`HAS_HEADER`](SeqIterator::HAS_HEADER).
    fn show_header(&self, _m: &SeqFile) -> Result {
        Ok(())
    }
}

/// What a seq_file opened by [`seq_iter_open`] keeps in `m->private`.
///
/// Allocated zeroed by `seq_open_private()` and freed by
/// `seq_release_private()`, so it must be valid when all zero (`data` NULL,
/// `active` false) and needs no drop: `stop`, which the kernel always calls
/// after `start`, drops the cursor.
///
/// # Invariants
///
/// `cursor` is initialized exactly when `active` is true. `data` points at
/// the `T` the file was opened for.
#[repr(C)]
struct IterState<T: SeqIterator + 'static> {
    data: *const T,
    active: bool,
    /// The cursor borrows `*data`; `'static` stands for "until `stop`".
    cursor: MaybeUninit<T::Cursor<'static>>,
}

/// C's `SEQ_START_TOKEN`, `((void *)1)`: a marker, never dereferenced.
#[allow(clippy::manual_dangling_ptr)]
const SEQ_START_TOKEN: *mut c_void = 1usize as *mut c_void;

/// Operations table of seq_files iterating a `T`.
struct IterOps<T>(core::marker::PhantomData<T>);

impl<T: SeqIterator + 'static> IterOps<T> {
    const OPS: bindings::seq_operations = bindings::seq_operations {
        start: Some(Self::start),
        next: Some(Self::next),
        stop: Some(Self::stop),
        show: Some(Self::show),
    };

    /// The state of `m`, as a raw pointer: the cursor inside it is also
    /// reached through the `v` that seq_file hands back, so no reference to
    /// the whole state may be made (it would invalidate `v`).
    ///
    /// # Safety
    ///
    /// `m` must have been opened by [`seq_iter_open::<T>`].
    unsafe fn state(m: *mut bindings::seq_file) -> *mut IterState<T> {
        // SAFETY: By the function's safety requirements `m` is a live
        // seq_file whose `private` is the state `seq_iter_open` stored.
        unsafe { (*m).private.cast::<IterState<T>>() }
    }

    /// Stores `cursor` in `st` and returns the `v` that designates it.
    ///
    /// # Safety
    ///
    /// `st` must be the state of a seq_file locked by the caller, with no
    /// cursor stored (`active` false): `put` is only called from `start`
    /// (every iteration begins with `start`, after the previous one's `stop`
    /// dropped its cursor) and from `next` on the header token (`start`
    /// returned the token without storing a cursor).
    unsafe fn put(st: *mut IterState<T>, cursor: T::Cursor<'_>) -> *mut c_void {
        // SAFETY: `st` is valid (function requirements); the slot is valid
        // for writes of a cursor (lifetimes do not change layout) and empty.
        unsafe {
            let slot = ptr::addr_of_mut!((*st).cursor).cast::<T::Cursor<'_>>();
            slot.write(cursor);
            (*st).active = true;
            slot.cast()
        }
    }

    /// # Safety
    ///
    /// - `m` must be a seq_file opened by [`seq_iter_open::<T>`] whose `T`
    ///   is still alive (the file systems stop calling a file's operations
    ///   before the entry's value goes), locked by the caller (seq_file runs
    ///   every `seq_operations` callback under `m->lock`).
    /// - `pos` must be valid for reads and writes.
    unsafe extern "C" fn start(
        m: *mut bindings::seq_file,
        pos: *mut bindings::loff_t,
    ) -> *mut c_void {
        // SAFETY: By the first requirement.
        let st = unsafe { Self::state(m) };
        // SAFETY: By the second requirement.
        let pos = unsafe { *pos } as u64;
        if T::HAS_HEADER && pos == 0 {
            return SEQ_START_TOKEN;
        }
        // SAFETY: `data` points at the `T` this file was opened for, alive
        // by the first requirement and only ever shared.
        let data = unsafe { &*(*st).data };
        match data.start(pos - u64::from(T::HAS_HEADER)) {
            // SAFETY: `m` is locked by this thread and, at `start`, holds no
            // cursor (the previous iteration's `stop` dropped it).
            Some(cursor) => unsafe { Self::put(st, cursor) },
            None => ptr::null_mut(),
        }
    }

    /// # Safety
    ///
    /// - `m` as for [`Self::start`].
    /// - `pos` must be valid for reads and writes, and `v` the value the
    ///   previous `start` or `next` of this iteration returned (not NULL).
    unsafe extern "C" fn next(
        m: *mut bindings::seq_file,
        v: *mut c_void,
        pos: *mut bindings::loff_t,
    ) -> *mut c_void {
        // SAFETY: By the first requirement.
        let st = unsafe { Self::state(m) };
        // SAFETY: By the second requirement. (The position must always
        // advance.)
        unsafe { *pos += 1 };
        // SAFETY: `data` points at the `T` this file was opened for, alive
        // by the first requirement and only ever shared.
        let data = unsafe { &*(*st).data };
        if v == SEQ_START_TOKEN {
            return match data.start(0) {
                // SAFETY: `start` returned the token without storing a
                // cursor, so none is stored.
                Some(cursor) => unsafe { Self::put(st, cursor) },
                None => ptr::null_mut(),
            };
        }
        // SAFETY: `v` is not the token, so it is the stored cursor returned
        // by `put` (`active` is true). No other reference to it or to the
        // state exists: the state is only reached through raw pointers, and
        // `m`'s lock makes this the only callback running.
        let cursor = unsafe { &mut *v.cast::<T::Cursor<'_>>() };
        if data.next(cursor) {
            v
        } else {
            // Keep the cursor (and what it holds) until `stop`.
            ptr::null_mut()
        }
    }

    /// # Safety
    ///
    /// `m` as for [`Self::start`].
    unsafe extern "C" fn stop(m: *mut bindings::seq_file, _v: *mut c_void) {
        // SAFETY: By the requirement.
        let st = unsafe { Self::state(m) };
        // SAFETY: `st` is valid and `m` locked by this thread; a stored
        // cursor (`active` true) is initialized (type invariant) and dropped
        // once, here, through the raw pointer.
        unsafe {
            if (*st).active {
                (*st).active = false;
                ptr::drop_in_place(ptr::addr_of_mut!((*st).cursor).cast::<T::Cursor<'_>>());
            }
        }
    }

    /// # Safety
    ///
    /// - `m` as for [`Self::start`].
    /// - `v` must be the value the previous `start` or `next` of this
    ///   iteration returned (not NULL).
    unsafe extern "C" fn show(m: *mut bindings::seq_file, v: *mut c_void) -> kernel::ffi::c_int {
        // SAFETY: By the first requirement.
        let st = unsafe { Self::state(m) };
        // SAFETY: `data` points at the `T` this file was opened for, alive
        // by the first requirement and only ever shared.
        let data = unsafe { &*(*st).data };
        // SAFETY: `m` is live and locked by this thread (first requirement)
        // for the whole call, which `seq` does not outlive.
        let seq = unsafe { SeqFile::from_raw(m) };
        let r = if v == SEQ_START_TOKEN {
            data.show_header(seq)
        } else {
            // SAFETY: `v` is not the token, so it is the stored cursor
            // returned by `put` (second requirement); it is only read here,
            // and no mutable reference to it exists during the call.
            data.show(unsafe { &*v.cast::<T::Cursor<'_>>() }, seq)
        };
        match r {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

/// Opens `file` as a seq_file iterating `data`, as C's `seq_open_private()`
/// with the operations of `T`. Pair it with `seq_read` (or
/// `seq_read_iter`), `seq_lseek` and `seq_release_private`.
///
/// The per-open state is allocated here, once; reads allocate nothing.
///
/// # Safety
///
/// `file` must be a file being opened, and `data` must point at a `T` that
/// stays alive while the file system can call the file's operations (debugfs
/// and procfs stop calling them when the entry is removed).
pub unsafe fn seq_iter_open<T: SeqIterator + 'static>(
    file: *mut bindings::file,
    data: *const T,
) -> kernel::ffi::c_int {
    const {
        assert!(
            core::mem::align_of::<IterState<T>>() <= 8,
            "kmalloc guarantees 8-byte alignment"
        );
        assert!(
            core::mem::size_of::<IterState<T>>() <= i32::MAX as usize,
            "__seq_open_private() takes the size as an int"
        );
    };
    // SAFETY: `file` is being opened; `OPS` lives forever. The private area
    // is zeroed, which is a valid `IterState<T>` with `active` false.
    let st = unsafe {
        ffi::__seq_open_private(
            file,
            &IterOps::<T>::OPS,
            core::mem::size_of::<IterState<T>>() as kernel::ffi::c_int,
        )
    };
    if st.is_null() {
        return kernel::error::code::ENOMEM.to_errno();
    }
    // SAFETY: `__seq_open_private` returned the private area of this file, not
    // yet visible to any other thread.
    unsafe { (*st.cast::<IterState<T>>()).data = data };
    0
}
