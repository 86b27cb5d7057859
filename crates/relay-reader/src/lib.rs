// SPDX-License-Identifier: GPL-2.0

//! Reading relay channels from user space: the library under `relay-read`.
//!
//! A relay channel is a set of per-CPU files, `BASE0`, `BASE1`, ... (for
//! example `/sys/kernel/debug/relay-exam/example0`). [`Channel::open`] opens
//! them all by their base path; each [`CpuReader`] returns the record bytes
//! of one `read()` at a time as [`Records`], borrowed from its buffer.
//!
//! Two kinds of channels ([`Format`]):
//!
//! - **With relay-rs sub-buffer headers** (relay-rs's default,
//!   [`kfiles_core::relay`]): every sub-buffer starts with a header that
//!   says its padding, sequence number and geometry. The reader strips the
//!   headers (and a driver's own header after them), and counts sub-buffers
//!   lost or overwritten while it read ([`CpuReader::decoder`]).
//! - **Without** (a C driver's channel such as blktrace's, or relay-rs with
//!   `Callbacks::HEADER = false`): `read()` returns the records, relay
//!   having skipped each sub-buffer's padding; nothing tells what was
//!   overwritten.
//!
//! [`Format::Auto`] tells them apart by the first bytes of each file: at a
//! header (checked against where relay says they came from), or, when an
//! earlier reader stopped inside a sub-buffer, by the header at the start of
//! the buffer, which the reader maps read-only (relay-rs's files publish
//! the buffer's length in `/proc/self/fdinfo`; a C driver's files behind
//! debugfs's proxy cannot be mapped and so have no headers to find).
//!
//! Readers take turns: relay's `read()` consumes what it returns, a later
//! reader continues there, and a reader that starts inside a sub-buffer
//! finds that sub-buffer's header in the mapping. (Two readers of one file
//! at the same time each get part of the stream.) For a channel with
//! headers, a sub-buffer still being written has no padding in its header
//! yet; the reader looks at the header again in the mapping, before each
//! read and as it decodes, and takes the padding from there once the
//! sub-buffer is finished. Where the mapping cannot tell (the slot already
//! reused after this reader consumed the sub-buffer, a writer lapping the
//! reader in overwrite mode, a channel reset, or a capture without a
//! mapping), the sub-buffer's records run up to the next header in the
//! stream: a header of the channel's geometry with another sequence number
//! or generation (records that look exactly like one would be taken for
//! it). Sub-buffers skipped are counted as lost, resets (the sequence going
//! back, or a new generation) as resets.
//!
//! ```
//! use relay_reader::{Channel, Format};
//! # let dir = std::env::temp_dir().join(format!("relay-reader-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # std::fs::write(dir.join("chan0"), b"records of CPU 0\n")?;
//! # std::fs::write(dir.join("chan1"), b"records of CPU 1\n")?;
//! // A channel's per-CPU files (here a capture of a channel without
//! // headers, in ordinary files chan0 and chan1).
//! let mut channel = Channel::open(dir.join("chan"), Format::Auto)?;
//! let mut merged = Vec::new();
//! // Everything available now, every CPU's records in turn.
//! channel.drain(|records| records.write_to(&mut merged))?;
//! assert_eq!(merged, b"records of CPU 0\nrecords of CPU 1\n");
//! assert_eq!(channel.cpus()[1].format(), Some(Format::Raw));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod channel;
mod cpu;
mod fdinfo;
mod map;

pub use channel::{
    cpu_of, debugfs_mounted, read_count, Channel, ChannelError, Drained, Wait, DEBUGFS,
};
pub use cpu::{CpuReader, Records};
pub use fdinfo::FdInfo;
pub use kfiles_core::relay::{FormatError, StreamDecoder};

use std::{fmt, io, path::PathBuf};

/// What the per-CPU files of a channel hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Decide for each file from its first bytes.
    #[default]
    Auto,
    /// Sub-buffers with relay-rs headers.
    Headers,
    /// Records only: a channel without sub-buffer headers.
    Raw,
}

impl Format {
    /// The format named `auto`, `headers` or `raw`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "auto" => Some(Self::Auto),
            "headers" => Some(Self::Headers),
            "raw" => Some(Self::Raw),
            _ => None,
        }
    }
}

/// Why reading a channel failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `read()` (or the fdinfo beside it) of a per-CPU file failed.
    Read { path: PathBuf, error: io::Error },
    /// The stream of a channel with headers is malformed.
    Format { path: PathBuf, error: FormatError },
    /// Headers were asked for, but the data does not start at one and the
    /// buffer cannot be mapped to find where they are.
    NotAtHeader { path: PathBuf },
    /// An earlier reader stopped inside a sub-buffer, and the buffer does
    /// not say which.
    Locate { path: PathBuf, what: String },
    /// `mmap()` of a buffer with headers failed, so the end of a sub-buffer
    /// still being written could not be found.
    Map { path: PathBuf, error: io::Error },
    /// The consumer of the records failed (for example writing them).
    Output(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Format { path, error } => write!(f, "{}: {error}", path.display()),
            Self::NotAtHeader { path } => write!(
                f,
                "{}: the data does not start at a sub-buffer header, and the buffer could not \
                 be mapped to find where it does (a channel without headers? try --format raw)",
                path.display()
            ),
            Self::Locate { path, what } => write!(
                f,
                "{}: cannot locate the read position: {what}",
                path.display()
            ),
            Self::Map { path, error } => write!(
                f,
                "{}: mmap: {error} (needed to find where sub-buffers still being written end)",
                path.display()
            ),
            Self::Output(error) => write!(f, "writing output: {error}"),
        }
    }
}

impl std::error::Error for Error {}
