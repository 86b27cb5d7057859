// SPDX-License-Identifier: GPL-2.0

//! A read-only mapping of one per-CPU relay buffer, for the sub-buffer
//! headers the writer updates after `read()` returned them.

use kfiles_core::relay::{HEADER_LEN, MAX_BUFFER_BYTES};
use std::{fs::File, io, os::fd::AsRawFd};

/// A read-only shared mapping of a whole per-CPU buffer.
///
/// # Invariants
///
/// `ptr` is the start of a live mapping of `len` readable bytes, owned by
/// this value and unmapped once, on drop.
pub(crate) struct Map {
    ptr: *const u8,
    len: usize,
}

impl Map {
    /// Maps `len` bytes of `file` from offset 0. relay accepts exactly the
    /// buffer's length and refuses every other with `EINVAL`; debugfs's
    /// proxy (a C driver's file made with `debugfs_create_file()`) refuses
    /// any with `ENODEV`.
    pub(crate) fn new(file: &File, len: usize) -> io::Result<Map> {
        // SAFETY: A fresh read-only shared mapping at an address the kernel
        // picks: it replaces no existing mapping, so no Rust object's memory
        // changes under it.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // INVARIANT: mmap() succeeded for `len` bytes at `ptr`. They are
        // readable (no SIGBUS) because relay maps a buffer file only at
        // exactly its buffer's length, all of it backed by the buffer's
        // pages; the callers map nothing but relay files.
        Ok(Map {
            ptr: ptr.cast(),
            len,
        })
    }

    /// Maps the buffer of `file` without knowing its length, trying `hint`
    /// first and then every page multiple up to [`MAX_BUFFER_BYTES`], the
    /// largest buffer relay-rs opens (one system call each: a last resort
    /// for relay files that do not publish their geometry). `None` if no
    /// length is accepted.
    pub(crate) fn probe(file: &File, hint: Option<usize>) -> io::Result<Option<Map>> {
        let page = page_size();
        let lengths = (page..=MAX_BUFFER_BYTES.next_multiple_of(page)).step_by(page);
        for len in hint.into_iter().chain(lengths) {
            match Map::new(file, len) {
                Ok(map) => return Ok(Some(map)),
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// A copy of the header bytes at `offset`: read twice, until two copies
    /// agree, so that a header the kernel rewrites meanwhile (the padding of
    /// a sub-buffer being finished) is not returned half old, half new.
    /// `None` if `offset` is out of the mapping or the header keeps
    /// changing.
    pub(crate) fn header(&self, offset: usize) -> Option<[u8; HEADER_LEN]> {
        if offset.checked_add(HEADER_LEN)? > self.len {
            return None;
        }
        let copy = || {
            let mut out = [0u8; HEADER_LEN];
            for (i, byte) in out.iter_mut().enumerate() {
                // The kernel writes this memory behind the program's back:
                // each byte is loaded once, volatile, and never assumed
                // stable (two copies are compared). The mapping is
                // read-only, so no atomic (which may need write access).
                // SAFETY: In the mapping (`offset + HEADER_LEN <= len`, checked above), alive with `self`.
                *byte = unsafe { std::ptr::read_volatile(self.ptr.add(offset + i)) };
            }
            out
        };
        let mut last = copy();
        for _ in 0..8 {
            let now = copy();
            if now == last {
                return Some(now);
            }
            last = now;
        }
        None
    }

    /// Whether the mapping holds `bytes` at `offset` (false if that is out
    /// of it). Each byte is loaded once, volatile, as in
    /// [`header`](Self::header).
    pub(crate) fn holds(&self, offset: usize, bytes: &[u8]) -> bool {
        if offset
            .checked_add(bytes.len())
            .is_none_or(|end| end > self.len)
        {
            return false;
        }
        bytes.iter().enumerate().all(|(i, &byte)| {
            // SAFETY: In the mapping (`offset + bytes.len() <= len`, checked
            // above), alive with `self`.
            unsafe { std::ptr::read_volatile(self.ptr.add(offset + i)) == byte }
        })
    }
}

// SAFETY: The mapping is owned by the value (type invariant) and only read,
// with volatile loads; moving that to another thread is as any other read of
// process memory the kernel writes.
unsafe impl Send for Map {}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: By the type invariant, `ptr`/`len` is a mapping this value
        // owns; it is unmapped here, once, and never read again.
        unsafe { libc::munmap(self.ptr.cast_mut().cast(), self.len) };
    }
}

/// The system's page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf() has no memory-safety preconditions.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}
