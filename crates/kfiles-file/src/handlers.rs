// SPDX-License-Identifier: GPL-2.0

//! Files with typed read and write handlers, at any offset.

use crate::wait::{EventQueue, PollEvents};
use crate::{
    callbacks::{served_of, served_of_file},
    seek::Seek,
    FileSystem, Served,
};
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    alloc::{flags::GFP_KERNEL, KBox},
    bindings,
    error::{
        code::{EAGAIN, EFBIG, EINVAL, EIO, ENOMEM, ENOSPC, EPERM},
        Result,
    },
    ffi::c_int,
    uaccess::{UserSliceReader, UserSliceWriter},
};
use kfiles_core::buffer::{overwrite_window, read_window};
use kfiles_ffi as ffi;

/// Read and write handlers of a file (C's `read`/`write`, `proc_read`/
/// `proc_write`), with typed, bounded access to the user buffer and no
/// offset arithmetic to get wrong.
///
/// Implement the handlers the file supports; the others fail with `EINVAL`.
/// Both may run concurrently with themselves and each other.
///
/// (Not a `#[vtable]` trait: since 6.18 that macro ties every implementation
/// to the module declaring it, which a library type such as procfs-rs's
/// `Buffer` cannot name. The C table always holds both handlers.)
///
/// # Examples
///
/// ```
/// use procfs_rs::{FileOps, ReadBuf};
///
/// struct Banner;
///
/// impl FileOps for Banner {
///     fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
///         // Any offset and read size is served from the whole content.
///         out.serve(b"hello from the kernel\n")
///     }
/// }
///
/// # let dir = doctest::proc_dir()?;
/// let banner = KBox::pin_init(dir.ops_file(c"banner", 0o444, Banner), GFP_KERNEL)?;
/// # let want = b"hello from the kernel\n";
/// # assert_eq!(&*doctest::read_in(c"/proc/kfiles-doctest/banner", 5)?, want);
/// # let dir = doctest::debugfs_dir();
/// # let banner = KBox::pin_init(dir.ops_file(c"banner", 0o444, Banner), GFP_KERNEL)?;
/// # assert_eq!(&*doctest::read_in(c"/sys/kernel/debug/kfiles-doctest/banner", 7)?, want);
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/banner", b"x").err(), Some(EINVAL));
/// # // No `poll`: always readable and writable, as C's files without one.
/// # assert_eq!(doctest::poll(c"/sys/kernel/debug/kfiles-doctest/banner")?, procfs_rs::PollEvents::DEFAULT.bits());
/// ```
pub trait FileOps: Send + Sync {
    /// How `lseek()` moves in the file; see [`Seek`]. The default,
    /// [`Seek::Anywhere`], is C's `default_llseek()`.
    const SEEK: Seek = Seek::Anywhere;

    /// The size of the content, for `lseek()` with [`Seek::WithinSize`]
    /// (asked at each `lseek()` that needs it; not used otherwise). It runs
    /// in task context, holding the file's position lock, and the file's
    /// removal waits for it, as for the handlers: it may take a `Mutex`,
    /// not wait for long.
    fn size(&self) -> u64 {
        0
    }

    /// Serves a `read()`: copies bytes for `out`'s position into `out` (see
    /// [`ReadBuf::serve`]) and returns how many, by which the file position
    /// advances; 0 means end of file. A count larger than the read asked for
    /// fails the read with `EIO` (position unchanged).
    fn read(&self, _out: &mut ReadBuf<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    /// Serves a `write()` of `input.len()` bytes at `input.pos()`; returns how
    /// many bytes were consumed. A count larger than the write fails it with
    /// `EIO` (position unchanged).
    fn write(&self, _input: &mut WriteBuf<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    /// The queue readers and pollers wait on, as [`PerOpenOps::queue`].
    fn queue(&self) -> Option<&EventQueue> {
        None
    }

    /// Which events are ready, for `poll()`, `select()` and `epoll`, as
    /// [`PerOpenOps::poll`].
    fn poll(&self) -> PollEvents {
        PollEvents::DEFAULT
    }
}

/// Fails with `EPERM` where a user copy, which may fault and sleep, is not
/// allowed: the driver holds a spinlock (on kernels that count them) or
/// has disabled interrupts around the call.
#[inline]
fn user_copy_allowed() -> Result {
    if ffi::may_sleep() {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// The user buffer of one `read()`, at a file position.
pub struct ReadBuf<'a> {
    writer: UserSliceWriter,
    pos: u64,
    nonblocking: bool,
    removing: &'a AtomicBool,
    /// The file's queue (`queue()` of its value), the one removal wakes.
    queue: Option<&'a EventQueue>,
    _call: PhantomData<&'a mut ()>,
}

impl ReadBuf<'_> {
    /// Whether the reader opened the file with `O_NONBLOCK` (it wants
    /// `EAGAIN` rather than to wait).
    #[inline]
    pub fn nonblocking(&self) -> bool {
        self.nonblocking
    }

    /// Waits until `ready()` is true, for a read that has nothing to return
    /// yet, on the file's queue (the one its value's `queue()` names, which
    /// the driver wakes with [`EventQueue::wake_all`] and the file's removal
    /// wakes too). Returns at once if `ready()` already is; otherwise fails
    /// with `EAGAIN` for a non-blocking reader, `EINVAL` if the file has no
    /// queue, and `EPERM` where sleeping is not allowed (inside a spinlock or
    /// an RCU read-side section), or sleeps until woken with `ready()` true.
    /// Fails with `ERESTARTSYS` on a signal (the VFS restarts the read or
    /// returns `EINTR`) and with `EIO` when the file is being removed.
    ///
    /// `ready` runs while the task is marked as sleeping: it must not sleep
    /// (read an atomic, or take a spinlock; copy the data afterwards). Hold
    /// no lock across the call that the waker needs.
    pub fn wait_for(&self, ready: impl Fn() -> bool) -> Result {
        if ready() {
            return Ok(());
        }
        if self.nonblocking {
            return Err(EAGAIN);
        }
        let queue = self.queue.ok_or(EINVAL)?;
        if !ffi::may_sleep() {
            return Err(EPERM);
        }
        let removing = self.removing;
        loop {
            queue.wait_until(|| removing.load(Ordering::Acquire) || ready())?;
            if ready() {
                return Ok(());
            }
            if removing.load(Ordering::Acquire) {
                return Err(EIO);
            }
            // Another reader took what woke us: wait again.
        }
    }

    /// The file position the read starts at.
    #[inline]
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// How many bytes the reader asked for (what is left of it).
    #[inline]
    pub fn len(&self) -> usize {
        self.writer.len()
    }

    /// Whether the buffer is full.
    pub fn is_empty(&self) -> bool {
        self.writer.is_empty()
    }

    /// Serves the read from `content`, the whole file: copies the bytes at
    /// [`pos`](ReadBuf::pos), as many as fit, and returns their count (0 at
    /// or past the end). As C's `simple_read_from_buffer()`.
    ///
    /// Fails with `EPERM` inside a spinlock or with interrupts off (the
    /// copy may sleep): hold a `Mutex` over `content`.
    #[inline]
    pub fn serve(&mut self, content: &[u8]) -> Result<usize> {
        user_copy_allowed()?;
        let window = read_window(content.len(), self.pos, self.writer.len());
        let n = window.len();
        self.writer.write_slice(&content[window])?;
        self.pos += n as u64;
        Ok(n)
    }

    /// Appends `bytes` at the current position of the buffer, for handlers
    /// that produce their content piecewise; `EINVAL` if they do not fit,
    /// `EPERM` where the copy may not sleep (as [`serve`](Self::serve)).
    #[inline]
    pub fn write_slice(&mut self, bytes: &[u8]) -> Result<usize> {
        if bytes.len() > self.writer.len() {
            return Err(EINVAL);
        }
        user_copy_allowed()?;
        self.writer.write_slice(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(bytes.len())
    }
}

/// The user buffer of one `write()`, at a file position.
pub struct WriteBuf<'a> {
    reader: UserSliceReader,
    pos: u64,
    _call: PhantomData<&'a mut ()>,
}

impl WriteBuf<'_> {
    /// The file position the write starts at.
    #[inline]
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// How many bytes are left to read from the writer's buffer.
    #[inline]
    pub fn len(&self) -> usize {
        self.reader.len()
    }

    /// Whether nothing is left to read.
    pub fn is_empty(&self) -> bool {
        self.reader.is_empty()
    }

    /// Stores the write in `content`, the whole file, at
    /// [`pos`](WriteBuf::pos): copies as many bytes as fit before its end
    /// and returns their count, by which the file position advances. A write
    /// of one byte or more at or past the end fails with `ENOSPC` (as a
    /// block device's; C's `simple_write_to_buffer()` returns 0 there). The
    /// counterpart of [`ReadBuf::serve`], for binary content of a fixed
    /// size.
    ///
    /// `content` changes only where input lands: the input is copied in
    /// steps of 256 bytes, each stored only once all of it has been read
    /// from user space. A fault in the user buffer leaves the step it hit
    /// and the rest of `content` as they were (C's copy would zero them);
    /// the write then returns the bytes of the steps stored before, or fails
    /// with `EFAULT` if there are none. The copy may sleep: it fails with
    /// `EPERM` inside a spinlock or with interrupts off; hold a `Mutex` over
    /// `content`.
    pub fn store_into(&mut self, content: &mut [u8]) -> Result<usize> {
        let window = overwrite_window(content.len(), self.pos, self.reader.len()).ok_or(ENOSPC)?;
        user_copy_allowed()?;
        // The input passes through a small buffer on the stack: a faulting
        // `copy_from_user()` zeroes what it could not copy, which must not
        // be the driver's content.
        let mut staged = [0u8; 256];
        let mut stored = 0;
        for chunk in content[window].chunks_mut(staged.len()) {
            let staged = &mut staged[..chunk.len()];
            if let Err(e) = self.reader.read_slice(staged) {
                if stored == 0 {
                    return Err(e);
                }
                break;
            }
            chunk.copy_from_slice(staged);
            stored += chunk.len();
        }
        self.pos += stored as u64;
        Ok(stored)
    }

    /// Copies exactly `dst.len()` bytes of the input into `dst`; `EINVAL` if
    /// fewer are left, `EFAULT` if the user buffer is not readable (then
    /// `dst` may hold part of the input), `EPERM` where the copy may not
    /// sleep (as [`store_into`](Self::store_into)).
    #[inline]
    pub fn read_slice(&mut self, dst: &mut [u8]) -> Result {
        if dst.len() > self.reader.len() {
            return Err(EINVAL);
        }
        user_copy_allowed()?;
        self.reader.read_slice(dst)
    }
}

/// `read` of handler files: `T`'s [`FileOps::read`] at the file position,
/// in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must be open on an entry of `F` whose data pointer points at a
///   `Served<T>` that is alive and only shared for the duration of the call.
/// - `buf` and `count` must be the user buffer of the call, and `ppos` a
///   file position valid for reads and writes during it.
pub(crate) unsafe extern "C" fn read_handler<T: FileOps, F: FileSystem>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of_file::<T, F>(file) };
    // SAFETY: The file is open (first requirement).
    let nonblocking = unsafe { is_nonblocking(file) };
    let _frame = served.enter();
    let data = served.value();
    // SAFETY: By the second requirement.
    unsafe {
        at_position(ppos, count, |pos| {
            data.read(&mut ReadBuf {
                writer: kfiles_compat::user_slice(buf, count).writer(),
                pos,
                nonblocking,
                removing: served.removing(),
                queue: served.queue(),
                _call: PhantomData,
            })
        })
    }
}

/// `write` of handler files: `T`'s [`FileOps::write`] at the file position,
/// in a frame of the entry's value.
///
/// # Safety
///
/// As for [`read_handler`].
pub(crate) unsafe extern "C" fn write_handler<T: FileOps, F: FileSystem>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of_file::<T, F>(file) };
    let _frame = served.enter();
    let data = served.value();
    // SAFETY: By the second requirement.
    unsafe {
        at_position(ppos, count, |pos| {
            data.write(&mut WriteBuf {
                reader: kfiles_compat::user_slice(buf, count).reader(),
                pos,
                _call: PhantomData,
            })
        })
    }
}

/// `poll` of handler files: adds the poller to the file's pollers and
/// returns `T`'s [`FileOps::poll`], in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must be open on an entry of `F` whose data pointer points at a
///   `Served<T>` that is alive and only shared for the duration of the
///   call.
/// - `table` must be the poll table of the call.
pub(crate) unsafe extern "C" fn poll_handler<T: FileOps, F: FileSystem>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of_file::<T, F>(file) };
    let _frame = served.enter();
    // SAFETY: `file` and `table` are the callback's (both requirements).
    unsafe { served.poll(file, table, || served.value().poll()) }
}

/// Runs a handler of a `count`-byte call at the position `*ppos` and
/// advances the position by the count the handler returns; returns that
/// count, or the negative errno (position unchanged). Negative positions are
/// refused with `EINVAL`, a handler's count above `count` with `EIO`, and a
/// position that would pass `loff_t`'s range with `EFBIG` (as the VFS
/// refuses writes there). A NULL `ppos` is a stream's (the VFS passes none
/// for `FMODE_STREAM` files): the handler runs at position 0 and there is no
/// position to advance.
///
/// # Safety
///
/// `ppos` must be NULL or valid for reads and writes for the duration of the
/// call.
#[inline(always)]
unsafe fn at_position(
    ppos: *mut bindings::loff_t,
    count: usize,
    handler: impl FnOnce(u64) -> Result<usize>,
) -> isize {
    let pos = if ppos.is_null() {
        0
    } else {
        // SAFETY: `ppos` is not NULL, so the caller guarantees it is valid
        // for reads.
        match u64::try_from(unsafe { *ppos }) {
            Ok(pos) => pos,
            Err(_) => return EINVAL.to_errno() as isize,
        }
    };
    let n = match handler(pos) {
        Ok(n) if n > count => return EIO.to_errno() as isize,
        Ok(n) => n,
        Err(e) => return e.to_errno() as isize,
    };
    // `n <= count`, which the VFS bounds by `MAX_RW_COUNT`, so both fit.
    let (Ok(ret), Some(end)) = (
        isize::try_from(n),
        pos.checked_add(n as u64)
            .and_then(|end| bindings::loff_t::try_from(end).ok()),
    ) else {
        return EFBIG.to_errno() as isize;
    };
    if !ppos.is_null() {
        // SAFETY: `ppos` is not NULL, so the caller guarantees it is valid
        // for writes.
        unsafe { *ppos = end };
    }
    ret
}

/// Read and write handlers of a file each of whose opens has state of its
/// own: a cursor, a snapshot taken at open, a session (C's `private_data`,
/// set in `open` and freed in `release`).
///
/// [`open`](PerOpenOps::open) makes the state; every read and write on that
/// open file gets it; it is dropped when the last descriptor of the open file
/// is closed, or, in procfs, when the file is removed (procfs releases the
/// files still open then; later calls on them fail with `EIO`). A state's
/// `drop` then runs on the task dropping the `File`: it must not take a lock
/// that task holds across the drop. The handlers may run concurrently with
/// themselves and each other, on one open file too (threads sharing a
/// descriptor, `pread()`), so state that changes needs interior mutability.
///
/// The state cannot borrow the file's value: an open file may outlive its
/// entry (debugfs releases files after their removal). Share what both need
/// through an `Arc`. Dropping the last `File` handle from a state's `drop`
/// is allowed.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
/// use debugfs_rs::{Align, Line, PerOpenOps, ReadBuf};
///
/// /// Each open of the file is a numbered session; its reads show the number.
/// struct Sessions {
///     next: AtomicU64,
/// }
///
/// impl PerOpenOps for Sessions {
///     type State = u64;
///
///     fn open(&self) -> Result<u64> {
///         Ok(self.next.fetch_add(1, Relaxed))
///     }
///
///     fn read(&self, session: &u64, out: &mut ReadBuf<'_>) -> Result<usize> {
///         let mut line = Line::<24>::new();
///         line.unsigned(*session, 0, Align::Left).byte(b'\n');
///         out.serve(line.as_bytes())
///     }
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let sessions = Sessions { next: AtomicU64::new(0) };
/// let file = KBox::pin_init(dir.per_open_file(c"session", 0o444, sessions), GFP_KERNEL)?;
/// # let path = c"/sys/kernel/debug/kfiles-doctest/session";
/// # assert_eq!(&*doctest::read_in(path, 1)?, b"0\n");
/// # assert_eq!(&*doctest::read_in(path, 4096)?, b"1\n");
/// # drop(file);
/// # let dir = doctest::proc_dir()?;
/// # let file = KBox::pin_init(dir.per_open_file(c"session", 0o444, Sessions { next: AtomicU64::new(7) }), GFP_KERNEL)?;
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/session")?, b"7\n");
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/session")?, b"8\n");
/// ```
pub trait PerOpenOps: Send + Sync {
    /// The state of one open file.
    type State: Send + Sync + 'static;

    /// How `lseek()` moves in the file; see [`Seek`]. [`Seek::Stream`]
    /// suits files whose state says where a reader is (a queue, a cursor).
    /// The default, [`Seek::Anywhere`], is C's `default_llseek()`.
    const SEEK: Seek = Seek::Anywhere;

    /// The size of the content for the open file whose state is `state`,
    /// for `lseek()` with [`Seek::WithinSize`], as [`FileOps::size`].
    fn size(&self, _state: &Self::State) -> u64 {
        0
    }

    /// Makes the state of a new open file; an error fails the `open()`.
    fn open(&self) -> Result<Self::State>;

    /// The queue the file's readers wait on in [`ReadBuf::wait_for`], if
    /// any (without one, `wait_for` fails with `EINVAL`): removing the file
    /// wakes it, and the readers blocked in the file fail with `EIO`, so
    /// that the removal, which waits for them, ends. Its wake-ups also wake
    /// the file's pollers, which then call [`poll`](Self::poll) again.
    /// It is asked once, when the file is created: readers, pollers and the
    /// removal use the queue it returned then.
    fn queue(&self) -> Option<&EventQueue> {
        None
    }

    /// Which events are ready on the open file whose state is `state`, for
    /// `poll()`, `select()` and `epoll` (C's `poll`, without the wait: the
    /// file core has already added the poller to the file's own queue,
    /// which [`queue`](Self::queue)'s wake-ups reach; without a queue, no
    /// poller is added, and one that finds nothing ready sleeps until its
    /// timeout). Report [`PollEvents::IN`] when a read would not wait;
    /// after a change that makes an event ready, call
    /// [`EventQueue::wake_all`]. It runs in task context and may take a
    /// `Mutex`, but should not wait for long: `select()` asks every file
    /// in turn. The default is C's `DEFAULT_POLLMASK`: always readable and
    /// writable. A file being removed reports every event instead (its
    /// pollers return, and their next call fails), without calling this.
    fn poll(&self, _state: &Self::State) -> PollEvents {
        PollEvents::DEFAULT
    }

    /// Serves a `read()` on the open file whose state is `state`, as
    /// [`FileOps::read`].
    fn read(&self, _state: &Self::State, _out: &mut ReadBuf<'_>) -> Result<usize> {
        Err(EINVAL)
    }

    /// Serves a `write()` on the open file whose state is `state`, as
    /// [`FileOps::write`].
    fn write(&self, _state: &Self::State, _input: &mut WriteBuf<'_>) -> Result<usize> {
        Err(EINVAL)
    }
}

/// The state of the open file `file` of a per-open file.
///
/// # Safety
///
/// `file` must have been opened by [`open_per_open::<T, _>`] and not yet
/// released, for `'a`.
unsafe fn state_of<'a, T: PerOpenOps>(file: *mut bindings::file) -> &'a T::State {
    // SAFETY: `open_per_open` stored a `KBox<T::State>` in `private_data`,
    // which only `release_per_open` takes back (function requirements).
    unsafe { &*(*file).private_data.cast::<T::State>() }
}

/// `open` of per-open files: `T`'s [`PerOpenOps::open`] in a frame of the
/// entry's value; the state goes to `private_data`.
///
/// # Safety
///
/// - `inode` must be the inode of the entry of `F` being opened, whose data
///   pointer points at a `Served<T>` that is alive and only shared for the
///   duration of the call.
/// - `file` must be that file, being opened, whose `private_data` the file
///   system leaves to the operations.
pub(crate) unsafe extern "C" fn open_per_open<T: PerOpenOps, F: FileSystem>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: By the first requirement.
    let served = unsafe { served_of::<T, F>(inode) };
    // Room first: a state made and then dropped for want of memory would run
    // its `drop` outside the frame, where dropping its own file would wait
    // for this open.
    let Ok(slot) = KBox::<T::State>::new_uninit(GFP_KERNEL) else {
        return ENOMEM.to_errno();
    };
    let state = {
        let _frame = served.enter();
        match served.value().open() {
            Ok(state) => KBox::write(slot, state),
            Err(e) => return e.to_errno(),
        }
    };
    if matches!(T::SEEK, Seek::Stream) {
        // SAFETY: `inode` and `file` are the file being opened (both
        // requirements); `stream_open()` only sets its mode flags.
        unsafe { ffi::stream_open(inode, file) };
    }
    // SAFETY: `file` is being opened and its `private_data` is ours (second
    // requirement).
    unsafe { (*file).private_data = KBox::into_raw(state).cast() };
    0
}

/// Runs `op` with the entry's value and the open file's state, in a frame of
/// the value.
///
/// # Safety
///
/// `file` must have been opened by [`open_per_open::<T, F>`], not released,
/// on an entry whose data pointer points at a `Served<T>` that is alive and
/// only shared for the duration of the call.
pub(crate) unsafe fn with_state<T: PerOpenOps, F: FileSystem, R>(
    file: *mut bindings::file,
    op: impl FnOnce(&T, &T::State, &Served<T>) -> R,
) -> R {
    // SAFETY: By the function's safety requirements.
    let served = unsafe { served_of_file::<T, F>(file) };
    // SAFETY: The file is open and not released while this runs (function
    // requirements).
    let state = unsafe { state_of::<T>(file) };
    let _frame = served.enter();
    op(served.value(), state, served)
}

/// Whether `file` was opened (or set) with `O_NONBLOCK`.
///
/// # Safety
///
/// `file` must be an open file.
#[inline]
unsafe fn is_nonblocking(file: *mut bindings::file) -> bool {
    // SAFETY: `file` is open (function requirements). `fcntl(F_SETFL)` may
    // change the flags meanwhile: read them once (C's `READ_ONCE()`).
    let flags = unsafe { core::ptr::read_volatile(&raw const (*file).f_flags) };
    flags & bindings::O_NONBLOCK != 0
}

/// `read` of per-open files: `T`'s [`PerOpenOps::read`] with the open file's
/// state, at the file position, in a frame of the entry's value.
///
/// # Safety
///
/// - `file` must have been opened by [`open_per_open::<T, F>`], on an entry
///   whose data pointer points at a `Served<T>` that is alive and only
///   shared for the duration of the call.
/// - `buf` and `count` must be the user buffer of the call, and `ppos` a
///   file position valid for reads and writes during it, or NULL for a
///   stream.
pub(crate) unsafe extern "C" fn read_per_open<T: PerOpenOps, F: FileSystem>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: The file is open (first requirement).
    let nonblocking = unsafe { is_nonblocking(file) };
    let read = |data: &T, state: &T::State, served: &Served<T>| {
        // SAFETY: By the second requirement.
        unsafe {
            at_position(ppos, count, |pos| {
                let writer = kfiles_compat::user_slice(buf, count).writer();
                data.read(
                    state,
                    &mut ReadBuf {
                        writer,
                        pos,
                        nonblocking,
                        removing: served.removing(),
                        queue: served.queue(),
                        _call: PhantomData,
                    },
                )
            })
        }
    };
    // SAFETY: By the first requirement.
    unsafe { with_state::<T, F, _>(file, read) }
}

/// `write` of per-open files: `T`'s [`PerOpenOps::write`] with the open
/// file's state, at the file position, in a frame of the entry's value.
///
/// # Safety
///
/// As for [`read_per_open`].
pub(crate) unsafe extern "C" fn write_per_open<T: PerOpenOps, F: FileSystem>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    let write = |data: &T, state: &T::State, _served: &Served<T>| {
        // SAFETY: By the second requirement.
        unsafe {
            at_position(ppos, count, |pos| {
                let reader = kfiles_compat::user_slice(buf, count).reader();
                data.write(
                    state,
                    &mut WriteBuf {
                        reader,
                        pos,
                        _call: PhantomData,
                    },
                )
            })
        }
    };
    // SAFETY: By the first requirement.
    unsafe { with_state::<T, F, _>(file, write) }
}

/// `poll` of per-open files: adds the poller to the file's pollers and
/// returns `T`'s [`PerOpenOps::poll`] for the open file's state, in a frame
/// of the entry's value.
///
/// # Safety
///
/// - `file` must have been opened by [`open_per_open::<T, F>`], on an entry
///   whose data pointer points at a `Served<T>` that is alive and only
///   shared for the duration of the call.
/// - `table` must be the poll table of the call.
pub(crate) unsafe extern "C" fn poll_per_open<T: PerOpenOps, F: FileSystem>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    let poll = |data: &T, state: &T::State, served: &Served<T>| {
        // SAFETY: `file` and `table` are the callback's (both requirements).
        unsafe { served.poll(file, table, || data.poll(state)) }
    };
    // SAFETY: By the first requirement.
    unsafe { with_state::<T, F, _>(file, poll) }
}

/// `release` of per-open files: drops the open file's state. Where the file
/// system keeps the entry's data alive during releases, in a frame of it: a
/// state whose drop drops the file's last handle then defers the removal,
/// which would otherwise wait for this release (procfs).
///
/// # Safety
///
/// `file` must have been opened by [`open_per_open::<T, F>`] and be being
/// released (no other operation of it runs or will run); if
/// `F::DATA_ALIVE_IN_RELEASE`, its entry's data pointer must point at a
/// `Served<T>` that is alive and only shared for the duration of the call.
pub(crate) unsafe extern "C" fn release_per_open<T: PerOpenOps, F: FileSystem>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `open_per_open` stored a `KBox<T::State>` in `private_data`;
    // this is the file's last operation, so it is ours to take, and nothing
    // reads the field after it (cleared all the same).
    let state = unsafe {
        let state = KBox::from_raw((*file).private_data.cast::<T::State>());
        (*file).private_data = core::ptr::null_mut();
        state
    };
    if F::DATA_ALIVE_IN_RELEASE {
        // SAFETY: By the requirement for such file systems.
        let _frame = unsafe { served_of_file::<T, F>(file) }.enter();
        drop(state);
    } else {
        drop(state);
    }
    0
}
