// SPDX-License-Identifier: GPL-2.0

//! relay channels: high-volume kernel-to-user data through per-CPU buffers.
//!
//! C header: [`include/linux/relay.h`](srctree/include/linux/relay.h);
//! documentation: `Documentation/filesystems/relay.rst`.
//!
//! A [`Channel`] owns one buffer per CPU, each split into sub-buffers, and one
//! debugfs file per CPU (`<base>0`, `<base>1`, ...) through which user space
//! reads (`read()`, `poll()`, `mmap()`) what the kernel wrote (or one buffer
//! and file for every CPU: [`Builder::global`]). Writers never
//! sleep and never allocate: a record goes into the writing CPU's current
//! sub-buffer, or, when it does not fit, into the next one. (Writers of a
//! global channel spin, interrupts off, while another CPU writes.)
//!
//! What this crate guarantees that C's relay does not:
//!
//! - **Nothing is lost unseen in no-overwrite mode.** Every record is either
//!   read intact or counted in [`Channel::dropped`], also while a reader
//!   drains the channel concurrently. (C's `relay_write()` switches
//!   sub-buffers before it learns that the buffer is full; a concurrent
//!   `read()` that looks in between takes the buffer for overrun and skips a
//!   sub-buffer. relay-rs decides "full" before switching.)
//! - **No safe call can corrupt a buffer.** Writers of a
//!   [`Writers::TaskOnly`] channel only disable preemption, so every write
//!   path of such a channel refuses interrupt context (`EPERM`); other
//!   channels refuse NMI context. [`Channel::flush`] switches each CPU's
//!   buffer on that CPU, excluding its writers, where `relay_flush()` switches
//!   them all from the calling CPU while they write.
//! - **Drop accounting**: every record refused is counted
//!   ([`Channel::dropped`]) and a full buffer reported
//!   ([`Callbacks::buffer_full`]); 6.12's relay counts nothing.
//! - **Sub-buffer headers** ([`SubbufHeader`], on by default): each sub-buffer
//!   starts with a header holding its padding once it is finished, its
//!   sequence number, the channel geometry and mode, so a reader can strip
//!   the padding and see what was overwritten (crates/relay-reader does).
//!   A driver may add a header of its own after it
//!   ([`Callbacks::driver_header`]), which readers are told to skip.
//! - **Reservations that cannot go wrong**: [`Channel::reserve`] hands out a
//!   [`Reservation`] filled in place; `read()` sees it only once committed,
//!   it is zeroed and given back if not, and bytes never written are zeroed.
//! - **Files that expose the buffer only**: `mmap()` is refused at a file
//!   offset other than 0 (relay would map memory past the buffer) and for
//!   writing.
//!
//! # Lifetimes
//!
//! Dropping the [`Channel`] flushes it and calls `relay_close()`, which
//! removes the files (drop it in task context: both sleep). Buffers live on
//! until the last reader closes its file or unmaps it. The files' `read()` and
//! `mmap()` are relay-rs's own (they close races of relay's, see
//! `docs/relay-races.md`), so an open or mapped file keeps the module loaded,
//! as debugfs files do.
//!
//! # Examples
//!
//! ```
//! use relay_rs::{Channel, Mode};
//!
//! let dir = debugfs_rs::Dir::new(c"my-trace");
//! let channel = Channel::builder(c"cpu", &dir)
//!     .subbufs(64 * 1024, 4)
//!     .mode(Mode::NoOverwrite)
//!     .open(())?;
//! channel.write(b"event 1\n")?;
//! pr_info!("{} records dropped\n", channel.dropped());
//! # assert!(doctest::relay_holds(c"/sys/kernel/debug/my-trace/cpu", b"event 1\n")?);
//! # assert_eq!(channel.dropped(), 0);
//! ```

mod callbacks;
mod channel;
mod reservation;

pub use callbacks::Callbacks;
pub use channel::{Builder, Channel, Mode, Stats, Writers};
pub use kfiles_core::relay::{
    Geometry, GeometryError, SubbufHeader, FLAG_OVERWRITE, HEADER_LEN, MAGIC, MAX_DRIVER_HEADER,
    OPEN,
};
pub use reservation::{Committed, Reservation};
