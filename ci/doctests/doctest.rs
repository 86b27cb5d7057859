// SPDX-License-Identifier: GPL-2.0

//! What the crates' documentation examples use when they run as tests: a
//! scratch directory in debugfs and in procfs, file I/O as user space does
//! it, and the runner that prints the results in KTAP.
//!
//! The examples' hidden lines (`# ` in the source, not rendered) call these
//! as `doctest::...`; ci/doctests.py wraps each example in a function
//! returning `Result` and lists it in the module generated beside this file.

use core::ffi::CStr;
use kernel::prelude::*;

extern "C" {
    /// doctest_io.c: reads `path` to its end (at most `len` bytes, `chunk`
    /// bytes per read) into `buf`, or writes `len` bytes of `buf` to it in
    /// one write; returns the bytes moved or a negative errno.
    fn kfiles_doctest_io(
        path: *const kernel::ffi::c_char,
        buf: *mut u8,
        len: usize,
        chunk: usize,
        write: bool,
        nonblock: bool,
        start: i64,
    ) -> isize;

    /// doctest_io.c: where `lseek(offset, whence)` puts a new open file of
    /// `path`, or a negative errno.
    fn kfiles_doctest_seek(path: *const kernel::ffi::c_char, offset: i64, whence: i32) -> i64;

    /// doctest_io.c: `msleep(ms)`.
    fn kfiles_doctest_msleep(ms: u32);

    /// doctest_io.c: whether `path` exists.
    fn kfiles_doctest_exists(path: *const kernel::ffi::c_char) -> bool;

    /// doctest_io.c: the events the file at `path` reports to a poller that
    /// does not wait, or a negative errno.
    fn kfiles_doctest_poll(path: *const kernel::ffi::c_char) -> kernel::ffi::c_long;

    /// doctest_io.c: the size, uid and gid `stat()` shows for `path`; 0 or
    /// a negative errno.
    fn kfiles_doctest_stat(
        path: *const kernel::ffi::c_char,
        size: *mut i64,
        uid: *mut u32,
        gid: *mut u32,
    ) -> kernel::ffi::c_int;
}

/// What `stat()` shows of `path`: its size, and its owner's user and group
/// ids.
pub(crate) fn stat(path: &CStr) -> Result<(i64, u32, u32)> {
    let (mut size, mut uid, mut gid) = (0i64, 0u32, 0u32);
    // SAFETY: `path` is a C string; the three pointers are valid for writes.
    kernel::error::to_result(unsafe {
        kfiles_doctest_stat(kfiles_compat::char_ptr(path), &mut size, &mut uid, &mut gid)
    })?;
    Ok((size, uid, gid))
}

/// The most bytes one read or write moves.
const MAX: usize = 64 * 1024;

/// The examples' debugfs directory, `/sys/kernel/debug/kfiles-doctest`.
pub(crate) fn debugfs_dir() -> debugfs_rs::Dir {
    debugfs_rs::Dir::new(c"kfiles-doctest")
}

/// The examples' procfs directory, `/proc/kfiles-doctest`.
pub(crate) fn proc_dir() -> Result<procfs_rs::Dir> {
    procfs_rs::Dir::root().subdir(c"kfiles-doctest", 0o555)
}

/// The content of the file at `path`, read to its end as `cat` does.
pub(crate) fn read(path: &CStr) -> Result<KVec<u8>> {
    read_in(path, 4096)
}

/// The content of the file at `path`, read to its end in reads of `chunk`
/// bytes.
pub(crate) fn read_in(path: &CStr, chunk: usize) -> Result<KVec<u8>> {
    read_with(path, chunk, false, 0, MAX)
}

/// At most `len` bytes of the file at `path` from the position `pos`, as
/// `pread()` would return them.
pub(crate) fn read_at(path: &CStr, pos: i64, len: usize) -> Result<KVec<u8>> {
    read_with(path, len.max(1), false, pos, len.min(MAX))
}

/// What the file at `path` has for a reader now: read with `O_NONBLOCK`
/// in reads of `chunk` bytes, to its end or until a read would wait.
pub(crate) fn read_some(path: &CStr, chunk: usize) -> Result<KVec<u8>> {
    read_with(path, chunk, true, 0, MAX)
}

/// Reads at most `len` (at most `MAX`) bytes of the file at `path` from
/// `start` in reads of `chunk` bytes, opened with `O_NONBLOCK` if `nonblock`
/// (a read that would wait then ends it).
fn read_with(
    path: &CStr,
    chunk: usize,
    nonblock: bool,
    start: i64,
    len: usize,
) -> Result<KVec<u8>> {
    let mut buf = KVec::from_elem(0u8, MAX, GFP_KERNEL)?;
    // SAFETY: `path` is NUL-terminated; `buf` holds `MAX` bytes, at least
    // the length passed; the call returns before `buf` is touched again.
    let n = unsafe {
        kfiles_doctest_io(
            kfiles_compat::char_ptr(path),
            buf.as_mut_ptr(),
            len.min(MAX),
            chunk,
            false,
            nonblock,
            start,
        )
    };
    let n = usize::try_from(n).map_err(|_| Error::from_errno(n as i32))?;
    // The call returns at most `MAX`. (6.12's `KVec` has no `truncate`.)
    let mut content = KVec::with_capacity(n, GFP_KERNEL)?;
    content.extend_from_slice(&buf[..n], GFP_KERNEL)?;
    Ok(content)
}

/// Writes `data` to the file at `path` in one `write()`, as
/// `echo -n DATA > PATH` does; returns the bytes the file took.
pub(crate) fn write(path: &CStr, data: &[u8]) -> Result<usize> {
    write_at(path, 0, data)
}

/// Writes `data` to the file at `path` in one `write()` at the position
/// `pos`, as `pwrite()` does; returns the bytes the file took.
pub(crate) fn write_at(path: &CStr, pos: i64, data: &[u8]) -> Result<usize> {
    if data.len() > MAX {
        return Err(EINVAL);
    }
    // SAFETY: `path` is NUL-terminated; `data` is valid for `data.len()`
    // bytes, which is the length passed, and a write only reads them (the
    // pointer is `*mut` for the shared signature).
    let n = unsafe {
        kfiles_doctest_io(
            kfiles_compat::char_ptr(path),
            data.as_ptr().cast_mut(),
            data.len(),
            data.len().max(1),
            true,
            false,
            pos,
        )
    };
    usize::try_from(n).map_err(|_| Error::from_errno(n as i32))
}

/// `lseek()`'s `whence` for an offset from the start.
pub(crate) const SEEK_SET: i32 = 0;
/// `lseek()`'s `whence` for an offset from the end.
pub(crate) const SEEK_END: i32 = 2;

/// Where `lseek(offset, whence)` puts a new open file of `path`.
pub(crate) fn seek(path: &CStr, offset: i64, whence: i32) -> Result<i64> {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let pos = unsafe { kfiles_doctest_seek(kfiles_compat::char_ptr(path), offset, whence) };
    if pos < 0 {
        return Err(Error::from_errno(pos as i32));
    }
    Ok(pos)
}

/// Whether a file or directory exists at `path`.
pub(crate) fn exists(path: &CStr) -> bool {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    unsafe { kfiles_doctest_exists(kfiles_compat::char_ptr(path)) }
}

/// The events the file at `path` reports ready now, as `poll()` with a zero
/// timeout would see them (every event the file reports, not only those
/// asked for).
pub(crate) fn poll(path: &CStr) -> Result<u32> {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let mask = unsafe { kfiles_doctest_poll(kfiles_compat::char_ptr(path)) };
    u32::try_from(mask).map_err(|_| Error::from_errno(mask as i32))
}

/// Sleeps for `ms` milliseconds (lets work items and timers run).
pub(crate) fn sleep_ms(ms: u32) {
    // SAFETY: The tests run in the module's init, in task context, where
    // sleeping is allowed.
    unsafe { kfiles_doctest_msleep(ms) }
}

/// What `read()` returns now from the file `base<cpu>` of a relay channel
/// (`cpu` below 10), read to its end; an error if CPU `cpu` has no file.
pub(crate) fn relay_cpu(base: &CStr, cpu: u8) -> Result<KVec<u8>> {
    let base = base.to_bytes();
    let mut path = KVec::with_capacity(base.len() + 2, GFP_KERNEL)?;
    path.extend_from_slice(base, GFP_KERNEL)?;
    path.push(b'0' + cpu, GFP_KERNEL)?;
    path.push(0, GFP_KERNEL)?;
    let path = CStr::from_bytes_with_nul(&path).map_err(|_| EINVAL)?;
    read(path)
}

/// Whether one of the per-CPU files `base0`, `base1`, ... of a relay
/// channel holds `record` (written on whichever CPU the writer ran).
pub(crate) fn relay_holds(base: &CStr, record: &[u8]) -> Result<bool> {
    let mut found = false;
    // The test kernels have at most 4 CPUs (CONFIG_NR_CPUS).
    for cpu in 0..4u8 {
        // CPUs that are not possible have no file.
        if let Ok(data) = relay_cpu(base, cpu) {
            found |= data.windows(record.len()).any(|w| w == record);
        }
    }
    Ok(found)
}

/// One example, as a function.
pub(crate) type Example = fn() -> Result;

/// Runs `tests` (name, example) in order and prints one KTAP result line for
/// each; an example passes when it returns `Ok(())`.
pub(crate) fn run(tests: &[(&str, Example)]) {
    pr_info!("KTAP version 1\n");
    pr_info!("1..{}\n", tests.len());
    for (i, (name, test)) in tests.iter().enumerate() {
        match test() {
            Ok(()) => pr_info!("ok {} {}\n", i + 1, name),
            Err(e) => {
                pr_info!("# {}: returned {:?}\n", name, e);
                pr_info!("not ok {} {}\n", i + 1, name);
            }
        }
    }
}
