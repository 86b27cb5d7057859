// SPDX-License-Identifier: GPL-2.0

//! The relay sub-buffer format: channel geometry, the sub-buffer header, and
//! a decoder for what `read()` on a relay file returns.
//!
//! # The header scheme
//!
//! relay splits each per-CPU buffer into `n_subbufs` sub-buffers of
//! `subbuf_size` bytes. A record never straddles two sub-buffers: when one
//! does not fit, relay finishes the current sub-buffer, leaving `padding`
//! unused bytes at its end, and moves on. `read()` skips that padding, so the
//! stream a reader gets has no visible sub-buffer boundaries.
//!
//! As in the classic relay examples, each sub-buffer therefore starts with a
//! reserved header that the writer fills in when it moves on: the sub-buffer's
//! padding. This header also carries a magic number, the sub-buffer's sequence
//! number (so a reader sees sub-buffers that never reached it), the channel
//! geometry (so a reader needs no configuration) and the channel's mode (so a
//! reader can tell data overwritten by design from data lost). While a
//! sub-buffer is still being written its padding reads [`OPEN`].
//!
//! A driver may add a header of its own, as C relay drivers write one from
//! their `subbuf_start` callback: [`Geometry::driver_header`] bytes right
//! after this one, before the first record. Its length is part of the
//! geometry and is recorded in the flags, so a reader skips it without
//! configuration; its content is the driver's.
//!
//! ```text
//!  0       4         8          12            16          20      24
//!  | magic | padding | sequence | subbuf_size | n_subbufs | flags | driver header | records ... | padding |
//! ```
//!
//! All fields are little-endian `u32`s (the native order of every architecture
//! the demos run on; the writer stores them with `to_le_bytes`); their offsets
//! are [`SubbufHeader::PADDING_OFFSET`] and its siblings. Bit 0 of `flags` is
//! [`FLAG_OVERWRITE`] for channels in overwrite mode, bits 8 to 15
//! ([`DRIVER_HEADER_SHIFT`]) hold the driver header's length (0 for none, at
//! most [`MAX_DRIVER_HEADER`]), bits 16 to 23 ([`GENERATION_SHIFT`]) how
//! often the channel was reset, modulo 256; other bits are zero. Streams
//! without a driver header, of channels never reset, are therefore what they
//! were before either existed.
//!
//! The generation tells a reset apart from the sub-buffer it interrupted
//! when both have the same sequence number: a reader inside sub-buffer 0
//! when the channel resets next reads a new sub-buffer 0.
//!
//! # Examples
//!
//! ```
//! use kfiles_core::relay::{Geometry, SubbufHeader, StreamDecoder, HEADER_LEN, OPEN};
//!
//! let geometry = Geometry::new(128, 4).unwrap();
//! // A finished sub-buffer holding "abc" (so 128 - 24 - 3 = 101 bytes of
//! // padding), as read() returns it: header and records, no padding.
//! let finished = SubbufHeader { padding: 101, sequence: 0, geometry, overwrite: false, generation: 0 };
//! let mut stream = finished.encode().to_vec();
//! stream.extend_from_slice(b"abc");
//! // The next sub-buffer, still open, with "de" so far.
//! let open = SubbufHeader { padding: OPEN, sequence: 1, ..finished };
//! stream.extend_from_slice(&open.encode());
//! stream.extend_from_slice(b"de");
//!
//! let mut decoder = StreamDecoder::new();
//! let mut out = Vec::new();
//! decoder.feed(&stream, |_| None, |records| out.extend_from_slice(records)).unwrap();
//! assert_eq!(out, b"abcde");
//! assert_eq!(decoder.subbufs_finished(), 1);
//! assert_eq!(HEADER_LEN, 24);
//! ```

use core::fmt;

/// Length of [`SubbufHeader`] in bytes, reserved at the start of every
/// sub-buffer.
pub const HEADER_LEN: usize = 24;

/// [`SubbufHeader`] flag: the channel overwrites its oldest sub-buffers when
/// full, so a gap in the sequence is data overwritten by design. Without it a
/// gap is data lost.
pub const FLAG_OVERWRITE: u32 = 1;

/// Where the driver header's length sits in [`SubbufHeader`]'s flags: bits 8
/// to 15.
pub const DRIVER_HEADER_SHIFT: u32 = 8;

/// The bits of [`SubbufHeader`]'s flags that hold the driver header's length.
pub const DRIVER_HEADER_MASK: u32 = 0xff << DRIVER_HEADER_SHIFT;

/// Where the channel's generation (its reset count modulo 256) sits in
/// [`SubbufHeader`]'s flags: bits 16 to 23.
pub const GENERATION_SHIFT: u32 = 16;

/// The bits of [`SubbufHeader`]'s flags that hold the generation.
pub const GENERATION_MASK: u32 = 0xff << GENERATION_SHIFT;

/// Longest driver header ([`Geometry::with_driver_header`]), in bytes.
pub const MAX_DRIVER_HEADER: usize = 64;

/// The header's first four bytes: `KFRL` (kfiles relay).
pub const MAGIC: u32 = u32::from_le_bytes(*b"KFRL");

/// The padding of a sub-buffer that is still being written.
pub const OPEN: u32 = u32::MAX;

/// Largest buffer per CPU that [`Geometry::new`] accepts (64 MiB): relay
/// allocates `subbuf_size * n_subbufs` bytes for every possible CPU at once.
pub const MAX_BUFFER_BYTES: usize = 64 << 20;

/// Most sub-buffers per CPU that [`Geometry::new`] accepts.
pub const MAX_SUBBUFS: usize = 4096;

/// Smallest sub-buffer that [`Geometry::new`] accepts: a header and at least
/// 64 bytes of records (a driver header comes on top,
/// [`Geometry::with_driver_header`]).
pub const MIN_SUBBUF_SIZE: usize = HEADER_LEN + 64;

/// Why a channel geometry was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeometryError {
    /// `subbuf_size` is below [`MIN_SUBBUF_SIZE`].
    SubbufTooSmall,
    /// Fewer than two or more than [`MAX_SUBBUFS`] sub-buffers.
    SubbufCount,
    /// `subbuf_size * n_subbufs` exceeds [`MAX_BUFFER_BYTES`].
    BufferTooLarge,
    /// A driver header longer than [`MAX_DRIVER_HEADER`], or one that leaves
    /// a sub-buffer less than [`MIN_SUBBUF_SIZE`] bytes besides it.
    DriverHeader,
}

/// Sub-buffer size and count of a relay channel, and the length of its
/// driver header, checked.
///
/// # Invariants
///
/// `subbuf_size` and `n_subbufs` pass [`Geometry::new`]'s checks, and
/// `driver_header` is at most [`MAX_DRIVER_HEADER`] and at most
/// `subbuf_size - MIN_SUBBUF_SIZE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    subbuf_size: u32,
    n_subbufs: u32,
    driver_header: u32,
}

impl Geometry {
    /// Checks a geometry (without a driver header).
    ///
    /// Relay itself only refuses sizes whose product overflows; these limits
    /// also keep room for the header (relay `BUG()`s when a reserved header
    /// fills a sub-buffer) and bound the memory a module parameter can ask for.
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, GeometryError};
    /// assert!(Geometry::new(64 * 1024, 4).is_ok());
    /// assert_eq!(Geometry::new(16, 4), Err(GeometryError::SubbufTooSmall));
    /// assert_eq!(Geometry::new(4096, 1), Err(GeometryError::SubbufCount));
    /// assert_eq!(Geometry::new(1 << 30, 4), Err(GeometryError::BufferTooLarge));
    /// ```
    pub const fn new(subbuf_size: usize, n_subbufs: usize) -> Result<Self, GeometryError> {
        if subbuf_size < MIN_SUBBUF_SIZE {
            return Err(GeometryError::SubbufTooSmall);
        }
        if n_subbufs < 2 || n_subbufs > MAX_SUBBUFS {
            return Err(GeometryError::SubbufCount);
        }
        match subbuf_size.checked_mul(n_subbufs) {
            // INVARIANT: Just checked; no driver header.
            Some(total) if total <= MAX_BUFFER_BYTES => Ok(Self {
                subbuf_size: subbuf_size as u32,
                n_subbufs: n_subbufs as u32,
                driver_header: 0,
            }),
            _ => Err(GeometryError::BufferTooLarge),
        }
    }

    /// The same geometry with a driver header of `len` bytes in every
    /// sub-buffer (0: none), right after the [`SubbufHeader`] (or at the
    /// start, in a channel without those headers): the sub-buffer must still
    /// hold [`MIN_SUBBUF_SIZE`] bytes besides it, and `len` be at most
    /// [`MAX_DRIVER_HEADER`].
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, GeometryError, HEADER_LEN};
    /// let geometry = Geometry::new(4096, 4)?.with_driver_header(8)?;
    /// assert_eq!(geometry.driver_header(), 8);
    /// assert_eq!(geometry.records_offset(true), HEADER_LEN + 8);
    /// assert_eq!(geometry.max_record(true), 4096 - HEADER_LEN - 8);
    /// assert_eq!(geometry.max_record(false), 4096 - 8);
    /// // 88 bytes are a header and 64 bytes of records: no room for more.
    /// let small = Geometry::new(88, 4)?;
    /// assert_eq!(small.with_driver_header(1), Err(GeometryError::DriverHeader));
    /// assert_eq!(geometry.with_driver_header(65), Err(GeometryError::DriverHeader));
    /// # Ok::<(), GeometryError>(())
    /// ```
    pub const fn with_driver_header(self, len: usize) -> Result<Self, GeometryError> {
        if len > MAX_DRIVER_HEADER || self.subbuf_size() < MIN_SUBBUF_SIZE + len {
            return Err(GeometryError::DriverHeader);
        }
        // INVARIANT: `len` was just checked; the rest is `self`'s.
        Ok(Self {
            driver_header: len as u32,
            ..self
        })
    }

    /// Length of the driver header of every sub-buffer (0: none).
    pub const fn driver_header(&self) -> usize {
        self.driver_header as usize
    }

    /// Offset of the first record in a sub-buffer: after the
    /// [`SubbufHeader`] in a channel with those headers (`with_header`),
    /// and after the driver header.
    pub const fn records_offset(&self, with_header: bool) -> usize {
        if with_header {
            HEADER_LEN + self.driver_header()
        } else {
            self.driver_header()
        }
    }

    /// Bytes per sub-buffer, headers included.
    pub const fn subbuf_size(&self) -> usize {
        self.subbuf_size as usize
    }

    /// Sub-buffers per CPU.
    pub const fn n_subbufs(&self) -> usize {
        self.n_subbufs as usize
    }

    /// Bytes per CPU buffer, as `mmap()` must map them (relay rounds the
    /// buffer up to whole pages of `page_size` bytes).
    pub const fn buffer_len(&self, page_size: usize) -> usize {
        let len = self.subbuf_size() * self.n_subbufs();
        len.div_ceil(page_size) * page_size
    }

    /// The largest record a channel takes in one write: a sub-buffer after
    /// its headers (see [`records_offset`](Self::records_offset)).
    pub const fn max_record(&self, with_header: bool) -> usize {
        // No underflow: by the type invariants the sub-buffer holds both
        // headers and more.
        self.subbuf_size() - self.records_offset(with_header)
    }

    /// Whether `padding` is the padding of a finished sub-buffer of this
    /// geometry: it must leave room for the headers.
    pub const fn finished_padding_fits(&self, padding: u32) -> bool {
        padding != OPEN && padding as usize <= self.max_record(true)
    }

    /// Where the last byte a `read()` returned came from, given the file
    /// position relay left after that read (`end_pos`, as
    /// `/proc/self/fdinfo` shows it): the index of its sub-buffer in the ring
    /// and its offset there. At a sub-buffer boundary relay's position skips
    /// the previous sub-buffer's padding, which `padding_of(index)` supplies
    /// from that sub-buffer's header. `None` if `end_pos` is not a position
    /// of this geometry or the padding is not known.
    ///
    /// A reader that starts on a channel an earlier reader left in the
    /// middle of a sub-buffer reads one byte, asks this where it was, and
    /// resumes decoding there with [`StreamDecoder::resume`].
    ///
    /// ```
    /// use kfiles_core::relay::Geometry;
    /// let geometry = Geometry::new(100, 4).unwrap();
    /// // Inside sub-buffer 1: the byte came from just before the position.
    /// assert_eq!(geometry.last_read_byte(150, |_| None), Some((1, 49)));
    /// // relay moved on to sub-buffer 2: the byte was sub-buffer 1's last
    /// // before its 30 bytes of padding.
    /// assert_eq!(geometry.last_read_byte(200, |_| Some(30)), Some((1, 69)));
    /// // Position 0 after a read: the ring wrapped after sub-buffer 3.
    /// assert_eq!(geometry.last_read_byte(0, |i| (i == 3).then_some(0)), Some((3, 99)));
    /// assert_eq!(geometry.last_read_byte(400, |_| None), None);
    /// ```
    pub fn last_read_byte(
        &self,
        end_pos: usize,
        padding_of: impl FnOnce(usize) -> Option<u32>,
    ) -> Option<(usize, usize)> {
        let size = self.subbuf_size();
        let total = size * self.n_subbufs();
        if end_pos >= total {
            return None;
        }
        if end_pos % size != 0 {
            return Some((end_pos / size, end_pos % size - 1));
        }
        let index = if end_pos == 0 {
            self.n_subbufs()
        } else {
            end_pos / size
        } - 1;
        let padding = padding_of(index)?;
        if !self.finished_padding_fits(padding) {
            return None;
        }
        Some((index, size - padding as usize - 1))
    }

    /// Offset of sub-buffer `sequence`'s start in the per-CPU buffer.
    pub const fn subbuf_offset(&self, sequence: u32) -> usize {
        self.subbuf_index(sequence as usize) * self.subbuf_size()
    }

    /// Index in the ring of the sub-buffer `produced` sub-buffers after the
    /// first.
    pub const fn subbuf_index(&self, produced: usize) -> usize {
        // `n_subbufs` is at least 2 by construction; the test spares the
        // kernel build a division-by-zero panic path.
        match self.n_subbufs as usize {
            0 => 0,
            n => produced % n,
        }
    }
}

/// The header at the start of every sub-buffer (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubbufHeader {
    /// Unused bytes at the end of the sub-buffer, or [`OPEN`].
    pub padding: u32,
    /// Sub-buffers produced before this one since the channel was opened or
    /// reset (wraps at 2^32).
    pub sequence: u32,
    /// The channel geometry, with the length of the driver header that
    /// follows this header in every sub-buffer
    /// ([`Geometry::driver_header`]).
    pub geometry: Geometry,
    /// Whether the channel overwrites when full ([`FLAG_OVERWRITE`]).
    pub overwrite: bool,
    /// How often the channel was reset before this sub-buffer started,
    /// modulo 256 ([`GENERATION_MASK`]): sub-buffers of the same sequence
    /// number from before and after a reset differ in it.
    pub generation: u8,
}

/// Why bytes are not a valid [`SubbufHeader`], or a stream is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The magic number is wrong: not a channel with headers, or the stream
    /// lost its place.
    BadMagic(u32),
    /// The geometry in the header is not one [`Geometry::new`] accepts, or
    /// its driver header is not one [`Geometry::with_driver_header`] accepts.
    BadGeometry,
    /// The padding leaves no room for the header.
    BadPadding(u32),
    /// A later header's geometry or mode differs from the first one's.
    GeometryChanged,
    /// The header has flag bits this version does not know.
    BadFlags(u32),
    /// The input ended inside a header.
    Truncated,
    /// A position past the records of its sub-buffer.
    BadOffset(usize),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadMagic(m) => write!(
                f,
                "bad sub-buffer magic {m:#010x} (no header or out of step)"
            ),
            Self::BadGeometry => f.write_str("sub-buffer header has an invalid geometry"),
            Self::BadPadding(p) => write!(f, "sub-buffer header has an invalid padding {p}"),
            Self::GeometryChanged => {
                f.write_str("sub-buffer geometry or mode changed within one stream")
            }
            Self::BadFlags(v) => write!(f, "sub-buffer header has unknown flags {v:#x}"),
            Self::Truncated => f.write_str("input ends inside a sub-buffer header"),
            Self::BadOffset(o) => write!(f, "offset {o} is past the sub-buffer's records"),
        }
    }
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl SubbufHeader {
    /// Offset of the magic number ([`MAGIC`]) in the header.
    pub const MAGIC_OFFSET: usize = 0;
    /// Offset of the padding field, which the writer fills in when it
    /// finishes the sub-buffer.
    pub const PADDING_OFFSET: usize = 4;
    /// Offset of the sequence number.
    pub const SEQUENCE_OFFSET: usize = 8;
    /// Offset of the sub-buffer size.
    pub const SUBBUF_SIZE_OFFSET: usize = 12;
    /// Offset of the sub-buffer count.
    pub const N_SUBBUFS_OFFSET: usize = 16;
    /// Offset of the flags ([`FLAG_OVERWRITE`], and the driver header's
    /// length under [`DRIVER_HEADER_MASK`]).
    pub const FLAGS_OFFSET: usize = 20;

    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        // In offset order: MAGIC_OFFSET, PADDING_OFFSET, ... FLAGS_OFFSET.
        let fields = [
            MAGIC,
            self.padding,
            self.sequence,
            self.geometry.subbuf_size,
            self.geometry.n_subbufs,
            self.flags(),
        ];
        for (chunk, field) in out.chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        out
    }

    /// The flags word: [`FLAG_OVERWRITE`], the driver header's length and
    /// the generation.
    pub fn flags(&self) -> u32 {
        let overwrite = if self.overwrite { FLAG_OVERWRITE } else { 0 };
        // At most `MAX_DRIVER_HEADER` (type invariant of `Geometry`): it fits
        // under the mask.
        overwrite
            | (self.geometry.driver_header << DRIVER_HEADER_SHIFT)
            | (u32::from(self.generation) << GENERATION_SHIFT)
    }

    /// Whether `other` is this sub-buffer, as far as headers tell: the same
    /// sequence number, generation, geometry and mode, whatever the padding
    /// (a finished sub-buffer is the open one it was).
    pub fn same_subbuf(&self, other: &Self) -> bool {
        Self {
            padding: other.padding,
            ..*self
        } == *other
    }

    /// Parses and checks a header.
    ///
    /// ```
    /// use kfiles_core::relay::{FormatError, Geometry, SubbufHeader, OPEN};
    /// assert_eq!(SubbufHeader::decode(b"short"), Err(FormatError::Truncated));
    /// assert!(matches!(SubbufHeader::decode(&[0u8; 24]), Err(FormatError::BadMagic(0))));
    /// // The driver header's length travels in the flags.
    /// let geometry = Geometry::new(4096, 4).unwrap().with_driver_header(8).unwrap();
    /// let header = SubbufHeader { padding: OPEN, sequence: 0, geometry, overwrite: true, generation: 0 };
    /// let bytes = header.encode();
    /// assert_eq!(bytes[SubbufHeader::FLAGS_OFFSET..][..4], [1, 8, 0, 0]);
    /// assert_eq!(SubbufHeader::decode(&bytes), Ok(header));
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() < HEADER_LEN {
            return Err(FormatError::Truncated);
        }
        let magic = le32(bytes, Self::MAGIC_OFFSET);
        if magic != MAGIC {
            return Err(FormatError::BadMagic(magic));
        }
        let geometry = Geometry::new(
            le32(bytes, Self::SUBBUF_SIZE_OFFSET) as usize,
            le32(bytes, Self::N_SUBBUFS_OFFSET) as usize,
        )
        .map_err(|_| FormatError::BadGeometry)?;
        let flags = le32(bytes, Self::FLAGS_OFFSET);
        if flags & !(FLAG_OVERWRITE | DRIVER_HEADER_MASK | GENERATION_MASK) != 0 {
            return Err(FormatError::BadFlags(flags));
        }
        let geometry = geometry
            .with_driver_header(((flags & DRIVER_HEADER_MASK) >> DRIVER_HEADER_SHIFT) as usize)
            .map_err(|_| FormatError::BadGeometry)?;
        let padding = le32(bytes, Self::PADDING_OFFSET);
        if padding != OPEN && !geometry.finished_padding_fits(padding) {
            return Err(FormatError::BadPadding(padding));
        }
        Ok(Self {
            padding,
            sequence: le32(bytes, Self::SEQUENCE_OFFSET),
            geometry,
            overwrite: flags & FLAG_OVERWRITE != 0,
            generation: ((flags & GENERATION_MASK) >> GENERATION_SHIFT) as u8,
        })
    }

    /// Whether the writer has moved past this sub-buffer.
    pub fn is_finished(&self) -> bool {
        self.padding != OPEN
    }

    /// Bytes of records in a finished sub-buffer, driver header excluded
    /// (none if the padding is larger than the sub-buffer allows, which
    /// [`decode`](Self::decode) refuses but a header built by hand may
    /// hold).
    pub fn record_bytes(&self) -> Option<usize> {
        self.is_finished().then(|| {
            self.geometry
                .max_record(true)
                .saturating_sub(self.padding as usize)
        })
    }
}

enum State {
    /// Collecting the header of the next sub-buffer.
    Header {
        bytes: [u8; HEADER_LEN],
        have: usize,
    },
    /// Inside sub-buffer `header`, with `done` bytes after the header
    /// consumed: first its driver header's, dropped, then records, passed
    /// on.
    Records { header: SubbufHeader, done: usize },
}

/// What a live reader learns of an open sub-buffer's end from its slot in
/// the buffer (its `mmap()`), for [`StreamDecoder::feed_live`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Take every byte for the sub-buffer's records (it is still being
    /// written, as far as the caller knows).
    Open,
    /// The sub-buffer is finished, with this padding.
    Finished(u32),
    /// The slot does not tell (it holds another sub-buffer: reused,
    /// overwritten, or the channel reset; or there is no slot to look at):
    /// stop, so that the caller finds the sub-buffer's end another way.
    Unknown,
}

/// Turns the byte stream of `read()` on one per-CPU relay file back into
/// records: checks each sub-buffer header, drops it and the driver header
/// after it ([`Geometry::driver_header`]), and tracks sub-buffers lost to
/// overwriting.
///
/// A header read while its sub-buffer was still open says [`OPEN`]; the
/// decoder then asks `finished(sequence)` for the sub-buffer's padding before
/// it consumes further bytes (a live reader looks at the header in its
/// `mmap()` of the buffer). As long as that answers `None`, the sub-buffer is
/// still being written, so every byte `read()` returned belongs to it. A
/// decoder over a finished capture (for example `cat` after the channel was
/// flushed) passes `|_| None`.
pub struct StreamDecoder {
    state: State,
    geometry: Option<Geometry>,
    overwrite: Option<bool>,
    expected: Option<u32>,
    /// The last header's generation.
    generation: Option<u8>,
    first: Option<u32>,
    finished: u64,
    lost: u64,
    resets: u64,
    record_bytes: u64,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub const fn new() -> Self {
        Self {
            state: State::Header {
                bytes: [0; HEADER_LEN],
                have: 0,
            },
            geometry: None,
            overwrite: None,
            expected: None,
            generation: None,
            first: None,
            finished: 0,
            lost: 0,
            resets: 0,
            record_bytes: 0,
        }
    }

    /// A decoder for a stream that starts at byte `offset` of sub-buffer
    /// `header` (as it was read from the buffer's `mmap()`) rather than at a
    /// header: for a reader that takes over a channel from an earlier one
    /// (see [`Geometry::last_read_byte`]). Sub-buffers before it count as
    /// consumed, not lost.
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, StreamDecoder, SubbufHeader, OPEN};
    /// let geometry = Geometry::new(100, 4).unwrap();
    /// let header = SubbufHeader { padding: 70, sequence: 5, geometry, overwrite: false, generation: 0 };
    /// // The earlier reader took the header and 4 of the 10 record bytes.
    /// let mut decoder = StreamDecoder::resume(&header, 24).unwrap();
    /// let mut out = Vec::new();
    /// let mut stream = b"456789".to_vec();
    /// stream.extend_from_slice(&SubbufHeader { padding: OPEN, sequence: 6, geometry, overwrite: false, generation: 0 }.encode());
    /// stream.extend_from_slice(b"next");
    /// decoder.feed(&stream, |_| None, |r| out.extend_from_slice(r)).unwrap();
    /// assert_eq!(out, b"456789next");
    /// assert_eq!((decoder.first_sequence(), decoder.subbufs_lost()), (Some(5), 0));
    /// // Past the records of a finished sub-buffer is no position at all.
    /// assert!(StreamDecoder::resume(&header, 31).is_err());
    /// ```
    pub fn resume(header: &SubbufHeader, offset: usize) -> Result<Self, FormatError> {
        if header.is_finished() && !header.geometry.finished_padding_fits(header.padding) {
            return Err(FormatError::BadPadding(header.padding));
        }
        let mut decoder = Self::new();
        if offset < HEADER_LEN {
            decoder.state = State::Header {
                bytes: header.encode(),
                have: offset,
            };
            return Ok(decoder);
        }
        // Driver header and records.
        let done = offset - HEADER_LEN;
        let records = header
            .record_bytes()
            .unwrap_or(header.geometry.max_record(true));
        if done > header.geometry.driver_header() + records {
            return Err(FormatError::BadOffset(offset));
        }
        decoder.start_subbuf(header)?;
        decoder.state = State::Records {
            header: *header,
            done,
        };
        decoder.finish_if_done();
        Ok(decoder)
    }

    /// Decodes `input`, passing record bytes to `records` in order.
    ///
    /// `finished(sequence)` returns the padding of sub-buffer `sequence` once
    /// it is finished, or `None` while it is open (or unknown). On error the
    /// decoder stays at the offending header; the stream cannot be resumed.
    pub fn feed(
        &mut self,
        input: &[u8],
        mut finished: impl FnMut(u32) -> Option<u32>,
        records: impl FnMut(&[u8]),
    ) -> Result<(), FormatError> {
        let slot =
            |header: &SubbufHeader| finished(header.sequence).map_or(Slot::Open, Slot::Finished);
        self.feed_live(input, slot, records).map(|_| ())
    }

    /// [`feed`](Self::feed) for a live reader that may not learn an open
    /// sub-buffer's padding ([`Slot::Unknown`]); `slot(header)` gets the
    /// sub-buffer's header as the stream had it (open), with its sequence
    /// number and geometry. At an unknown padding it stops before the next
    /// byte of that sub-buffer and returns how many bytes of `input` it
    /// consumed (all of them otherwise): the caller finds where the next
    /// header starts by other means, feeds the bytes before it (with
    /// `|_| Slot::Open`, so that they pass as records), and calls
    /// [`end_open_subbuf`](Self::end_open_subbuf).
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, Slot, StreamDecoder, SubbufHeader, OPEN};
    /// let geometry = Geometry::new(100, 4).unwrap();
    /// let open = |sequence| SubbufHeader { padding: OPEN, sequence, geometry, overwrite: false, generation: 0 };
    /// let mut stream = open(3).encode().to_vec();
    /// stream.extend_from_slice(b"three");
    /// stream.extend_from_slice(&open(4).encode());
    /// stream.extend_from_slice(b"four");
    /// let (mut d, mut out) = (StreamDecoder::new(), Vec::new());
    /// // Sub-buffer 3's slot was reused before its padding could be seen.
    /// let reused = |h: &SubbufHeader| if h.sequence == 3 { Slot::Unknown } else { Slot::Open };
    /// let used = d.feed_live(&stream, reused, |r| out.extend_from_slice(r)).unwrap();
    /// assert_eq!(used, 24);
    /// // The caller found sub-buffer 4's header 5 bytes on.
    /// d.feed_live(&stream[24..29], |_| Slot::Open, |r| out.extend_from_slice(r)).unwrap();
    /// assert!(d.end_open_subbuf());
    /// d.feed_live(&stream[29..], |_| Slot::Open, |r| out.extend_from_slice(r)).unwrap();
    /// assert_eq!(out, b"threefour");
    /// assert_eq!((d.subbufs_finished(), d.subbufs_lost()), (1, 0));
    /// ```
    pub fn feed_live(
        &mut self,
        input: &[u8],
        mut slot: impl FnMut(&SubbufHeader) -> Slot,
        mut records: impl FnMut(&[u8]),
    ) -> Result<usize, FormatError> {
        let whole = input.len();
        let mut input = input;
        while !input.is_empty() {
            match &mut self.state {
                State::Header { bytes, have } => {
                    let take = (HEADER_LEN - *have).min(input.len());
                    bytes[*have..*have + take].copy_from_slice(&input[..take]);
                    *have += take;
                    input = &input[take..];
                    if *have < HEADER_LEN {
                        break;
                    }
                    let header = SubbufHeader::decode(&bytes[..])?;
                    self.start_subbuf(&header)?;
                    self.state = State::Records { header, done: 0 };
                    self.finish_if_done();
                }
                State::Records { header, done } => {
                    let driver_header = header.geometry.driver_header();
                    if *done < driver_header {
                        // Bytes of the driver header: not records.
                        let skip = (driver_header - *done).min(input.len());
                        *done += skip;
                        input = &input[skip..];
                        self.finish_if_done();
                        continue;
                    }
                    if !header.is_finished() {
                        let padding = match slot(header) {
                            Slot::Open => None,
                            Slot::Finished(padding) => Some(padding),
                            Slot::Unknown => return Ok(whole - input.len()),
                        };
                        if let Some(padding) = padding {
                            if !header.geometry.finished_padding_fits(padding) {
                                return Err(FormatError::BadPadding(padding));
                            }
                            header.padding = padding;
                            // A padding that ends the sub-buffer before what
                            // was already read of it (a slot the writer
                            // lapped meanwhile, or hostile input) cannot be.
                            if header
                                .record_bytes()
                                .is_some_and(|total| driver_header + total < *done)
                            {
                                return Err(FormatError::BadPadding(padding));
                            }
                        }
                    }
                    let take = match header.record_bytes() {
                        Some(total) => (driver_header + total)
                            .saturating_sub(*done)
                            .min(input.len()),
                        None => input.len(),
                    };
                    records(&input[..take]);
                    *done += take;
                    self.record_bytes += take as u64;
                    input = &input[take..];
                    self.finish_if_done();
                }
            }
        }
        Ok(whole)
    }

    fn start_subbuf(&mut self, header: &SubbufHeader) -> Result<(), FormatError> {
        match (self.geometry, self.overwrite) {
            (None, _) | (_, None) => {
                self.geometry = Some(header.geometry);
                self.overwrite = Some(header.overwrite);
            }
            (Some(g), Some(o)) if g != header.geometry || o != header.overwrite => {
                return Err(FormatError::GeometryChanged)
            }
            _ => {}
        }
        if let (Some(expected), Some(generation)) = (self.expected, self.generation) {
            // A new generation is that many resets (modulo 256; after a reset
            // the sequence may even be the expected one, or the one the
            // stream was inside of). Sequence numbers are wrapping counters;
            // otherwise a gap of less than half their range ahead is loss,
            // anything else one reset. After a reset, the new sub-buffers
            // before this one were not read.
            let resets = header.generation.wrapping_sub(generation);
            let gap = header.sequence.wrapping_sub(expected);
            if resets != 0 || gap >= 1 << 31 {
                self.resets += u64::from(resets.max(1));
                self.lost += u64::from(header.sequence);
            } else {
                self.lost += u64::from(gap);
            }
        }
        self.generation = Some(header.generation);
        self.first.get_or_insert(header.sequence);
        self.expected = Some(header.sequence.wrapping_add(1));
        Ok(())
    }

    fn finish_if_done(&mut self) {
        if let State::Records { header, done } = &self.state {
            let driver_header = header.geometry.driver_header();
            if header.record_bytes().map(|r| driver_header + r) == Some(*done) {
                self.finished += 1;
                self.state = State::Header {
                    bytes: [0; HEADER_LEN],
                    have: 0,
                };
            }
        }
    }

    /// Checks that the stream did not end inside a header.
    pub fn finish(&self) -> Result<(), FormatError> {
        match self.state {
            State::Header { have, .. } if have != 0 => Err(FormatError::Truncated),
            _ => Ok(()),
        }
    }

    /// The geometry of the channel, once a header was seen.
    pub fn geometry(&self) -> Option<Geometry> {
        self.geometry
    }

    /// Whether the channel overwrites when full, once a header was seen.
    pub fn overwrite(&self) -> Option<bool> {
        self.overwrite
    }

    /// Sequence number of the sub-buffer being decoded whose padding is not
    /// known yet, if any.
    pub fn open_subbuf(&self) -> Option<u32> {
        self.open_header().map(|header| header.sequence)
    }

    /// The header of the sub-buffer being decoded whose padding is not known
    /// yet, as the stream had it (open), if any: what [`slot_of`] compares a
    /// slot's header with.
    pub fn open_header(&self) -> Option<&SubbufHeader> {
        match &self.state {
            State::Records { header, .. } if !header.is_finished() => Some(header),
            _ => None,
        }
    }

    /// The sub-buffer being decoded, open or finished, and how many of its
    /// bytes were consumed, its header included: the offset in its slot of
    /// the next byte the stream should hold. `None` between sub-buffers.
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, StreamDecoder, SubbufHeader, OPEN};
    /// let geometry = Geometry::new(128, 2).unwrap();
    /// let open = SubbufHeader { padding: OPEN, sequence: 0, geometry, overwrite: false, generation: 0 };
    /// let mut stream = open.encode().to_vec();
    /// stream.extend_from_slice(b"abc");
    /// let mut d = StreamDecoder::new();
    /// d.feed(&stream, |_| None, |_| {}).unwrap();
    /// assert_eq!(d.subbuf_position(), Some((&open, 24 + 3)));
    /// ```
    pub fn subbuf_position(&self) -> Option<(&SubbufHeader, usize)> {
        match &self.state {
            State::Records { header, done } => Some((header, HEADER_LEN + done)),
            State::Header { .. } => None,
        }
    }

    /// The first bytes of a header the stream ended inside of, if it did.
    pub fn partial_header(&self) -> Option<&[u8]> {
        match &self.state {
            State::Header { bytes, have } if *have > 0 => Some(&bytes[..*have]),
            _ => None,
        }
    }

    /// Drops the start of a header the stream ended inside of (see
    /// [`partial_header`](Self::partial_header)), expecting a whole header
    /// next: for a live reader whose next read starts at a header after
    /// all (the channel was reset, or a lapping writer made the read skip
    /// to a later sub-buffer).
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, StreamDecoder, SubbufHeader, OPEN};
    /// let geometry = Geometry::new(128, 4).unwrap();
    /// let header = |sequence, generation| {
    ///     SubbufHeader { padding: OPEN, sequence, geometry, overwrite: false, generation }.encode()
    /// };
    /// let mut d = StreamDecoder::new();
    /// d.feed(&header(3, 0)[..10], |_| None, |_| {}).unwrap();
    /// assert_eq!(d.partial_header(), Some(&header(3, 0)[..10]));
    /// // The channel was reset before the next read.
    /// d.drop_partial_header();
    /// d.feed(&header(0, 1), |_| None, |_| {}).unwrap();
    /// assert_eq!((d.open_subbuf(), d.resets()), (Some(0), 0));
    /// ```
    pub fn drop_partial_header(&mut self) {
        if let State::Header { have, .. } = &mut self.state {
            *have = 0;
        }
    }

    /// Forgets the padding learnt for the sub-buffer being decoded (see
    /// [`subbuf_position`](Self::subbuf_position)), which is then open
    /// again: for a live reader that finds that the bytes a read returned do
    /// not continue it (the channel was reset since, or a writer lapping the
    /// reader made the read skip to a later sub-buffer), so that the
    /// sub-buffer ends where the next header turns up in the stream
    /// ([`end_open_subbuf`](Self::end_open_subbuf)). Returns whether there
    /// was a sub-buffer being decoded.
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, StreamDecoder, SubbufHeader, OPEN};
    /// let geometry = Geometry::new(128, 4).unwrap();
    /// let header = |padding, sequence| SubbufHeader { padding, sequence, geometry, overwrite: false, generation: 0 };
    /// let mut stream = header(OPEN, 1).encode().to_vec();
    /// stream.extend_from_slice(b"abc");
    /// let mut d = StreamDecoder::new();
    /// d.feed(&stream, |_| None, |_| {}).unwrap();
    /// // The slot showed sub-buffer 1 finished with 3 more bytes...
    /// d.set_open_padding(128 - 24 - 6).unwrap();
    /// assert_eq!(d.open_subbuf(), None);
    /// // ... but the next read starts at a header: the channel was reset.
    /// assert!(d.reopen_subbuf());
    /// assert_eq!(d.open_subbuf(), Some(1));
    /// assert!(d.end_open_subbuf());
    /// let mut out = Vec::new();
    /// let mut next = header(OPEN, 0).encode().to_vec();
    /// next.extend_from_slice(b"new");
    /// d.feed(&next, |_| None, |r| out.extend_from_slice(r)).unwrap();
    /// assert_eq!((out.as_slice(), d.resets()), (&b"new"[..], 1));
    /// ```
    pub fn reopen_subbuf(&mut self) -> bool {
        match &mut self.state {
            State::Records { header, .. } => {
                header.padding = OPEN;
                true
            }
            State::Header { .. } => false,
        }
    }

    /// Learns the padding of the open sub-buffer (see
    /// [`open_subbuf`](Self::open_subbuf)) from elsewhere than the stream:
    /// for a live reader that looks at the sub-buffer's header in its
    /// `mmap()` before it reads on, while the slot cannot have been reused.
    /// Checked as a padding found by `feed`; without an open sub-buffer it
    /// does nothing.
    pub fn set_open_padding(&mut self, padding: u32) -> Result<(), FormatError> {
        let State::Records { header, done } = &mut self.state else {
            return Ok(());
        };
        if header.is_finished() {
            return Ok(());
        }
        if !header.geometry.finished_padding_fits(padding) {
            return Err(FormatError::BadPadding(padding));
        }
        let driver_header = header.geometry.driver_header();
        let mut finished = *header;
        finished.padding = padding;
        if finished
            .record_bytes()
            .is_some_and(|total| driver_header + total < *done)
        {
            return Err(FormatError::BadPadding(padding));
        }
        *header = finished;
        self.finish_if_done();
        Ok(())
    }

    /// Ends the open sub-buffer (see [`open_subbuf`](Self::open_subbuf))
    /// after what was read of it, expecting a header next: for a reader
    /// that found the next sub-buffer's header in the stream by other means
    /// than the padding (the open sub-buffer's slot was reused before its
    /// padding could be seen). A gap to the next header's sequence number is
    /// counted as lost, as always. Returns whether there was an open
    /// sub-buffer.
    ///
    /// ```
    /// use kfiles_core::relay::{Geometry, StreamDecoder, SubbufHeader, OPEN};
    /// let geometry = Geometry::new(100, 4).unwrap();
    /// let header = |sequence| SubbufHeader { padding: OPEN, sequence, geometry, overwrite: true, generation: 0 };
    /// let mut stream = header(2).encode().to_vec();
    /// stream.extend_from_slice(b"part of 2");
    /// let mut d = StreamDecoder::new();
    /// let mut out = Vec::new();
    /// d.feed(&stream, |_| None, |r| out.extend_from_slice(r)).unwrap();
    /// assert_eq!(d.open_subbuf(), Some(2));
    /// // The writer lapped the reader: the next read starts at sub-buffer 7.
    /// assert!(d.end_open_subbuf());
    /// let mut next = header(7).encode().to_vec();
    /// next.extend_from_slice(b"7's");
    /// d.feed(&next, |_| None, |r| out.extend_from_slice(r)).unwrap();
    /// assert_eq!(out, b"part of 27's");
    /// // 3 to 6.
    /// assert_eq!(d.subbufs_lost(), 4);
    /// ```
    pub fn end_open_subbuf(&mut self) -> bool {
        if self.open_subbuf().is_none() {
            return false;
        }
        self.finished += 1;
        self.state = State::Header {
            bytes: [0; HEADER_LEN],
            have: 0,
        };
        true
    }

    /// Sequence number of the first sub-buffer in the stream: sub-buffers
    /// before it were consumed by an earlier reader or overwritten.
    pub fn first_sequence(&self) -> Option<u32> {
        self.first
    }

    /// Sub-buffers decoded to their end (including those a live reader
    /// ended at the next header, [`end_open_subbuf`](Self::end_open_subbuf)).
    pub fn subbufs_finished(&self) -> u64 {
        self.finished
    }

    /// Sub-buffers skipped in the sequence: overwritten before they were read
    /// in overwrite mode ([`overwrite`](Self::overwrite)), lost otherwise.
    pub fn subbufs_lost(&self) -> u64 {
        self.lost
    }

    /// Times the channel was reset: the sequence went backwards or the
    /// generation changed.
    pub fn resets(&self) -> u64 {
        self.resets
    }

    /// Record bytes passed on.
    pub fn record_bytes(&self) -> u64 {
        self.record_bytes
    }
}

/// The padding of the sub-buffer whose header the stream had as `open`,
/// given the header bytes at its slot in the per-CPU buffer (at
/// [`Geometry::subbuf_offset`] of its sequence number, as a live reader sees
/// them in its `mmap()`), if that sub-buffer is finished and the slot still
/// holds it (not yet a later one, nor one of the same number after a reset).
///
/// ```
/// use kfiles_core::relay::{finished_padding, Geometry, SubbufHeader, OPEN};
/// let geometry = Geometry::new(128, 2).unwrap();
/// let open = SubbufHeader { padding: OPEN, sequence: 3, geometry, overwrite: false, generation: 0 };
/// let finished = SubbufHeader { padding: 8, ..open };
/// assert_eq!(finished_padding(&finished.encode(), &open), Some(8));
/// assert_eq!(finished_padding(&finished.encode(), &SubbufHeader { sequence: 1, ..open }), None);
/// assert_eq!(finished_padding(&open.encode(), &open), None);
/// // Sub-buffer 3 of the next generation: the channel was reset meanwhile.
/// let after_reset = SubbufHeader { generation: 1, ..finished };
/// assert_eq!(finished_padding(&after_reset.encode(), &open), None);
/// ```
pub fn finished_padding(header: &[u8; HEADER_LEN], open: &SubbufHeader) -> Option<u32> {
    match slot_of(header, open) {
        Slot::Finished(padding) => Some(padding),
        Slot::Open | Slot::Unknown => None,
    }
}

/// What the header bytes at the slot of the sub-buffer whose header the
/// stream had as `open` (as [`finished_padding`] takes them) tell a live
/// reader that read part of it while it was open, for
/// [`StreamDecoder::feed_live`]:
///
/// - [`Slot::Finished`] with its padding if the slot holds it finished;
/// - [`Slot::Open`] if the slot holds it still open. Looked at after a
///   `read()`, this means the read returned none of the next sub-buffer's
///   bytes: relay-rs completes a sub-buffer's header before it publishes
///   the next one's offset (with release), so a reader that got bytes of the
///   next sub-buffer also sees the completed header;
/// - [`Slot::Unknown`] if the slot holds another sub-buffer (reused after
///   this reader consumed it, overwritten, or the channel reset: another
///   sequence number or generation) or no header of this channel: the
///   sub-buffer's end must be found in the stream.
///
/// ```
/// use kfiles_core::relay::{slot_of, Geometry, Slot, SubbufHeader, OPEN};
/// let geometry = Geometry::new(128, 2).unwrap();
/// let open = SubbufHeader { padding: OPEN, sequence: 3, geometry, overwrite: false, generation: 0 };
/// assert_eq!(slot_of(&SubbufHeader { padding: 8, ..open }.encode(), &open), Slot::Finished(8));
/// assert_eq!(slot_of(&open.encode(), &open), Slot::Open);
/// assert_eq!(slot_of(&SubbufHeader { sequence: 5, ..open }.encode(), &open), Slot::Unknown);
/// assert_eq!(slot_of(&SubbufHeader { generation: 1, ..open }.encode(), &open), Slot::Unknown);
/// assert_eq!(slot_of(&[0; 24], &open), Slot::Unknown);
/// ```
pub fn slot_of(header: &[u8; HEADER_LEN], open: &SubbufHeader) -> Slot {
    match SubbufHeader::decode(header) {
        Ok(h) if h.same_subbuf(open) => {
            if h.is_finished() {
                Slot::Finished(h.padding)
            } else {
                Slot::Open
            }
        }
        _ => Slot::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn geometry() -> Geometry {
        Geometry::new(100, 4).unwrap()
    }

    /// The geometries the stream tests run with: without a driver header,
    /// with small ones, and with the longest.
    fn geometries() -> [Geometry; 4] {
        let g = geometry();
        [
            g,
            g.with_driver_header(1).unwrap(),
            g.with_driver_header(12).unwrap(),
            Geometry::new(MIN_SUBBUF_SIZE + MAX_DRIVER_HEADER, 3)
                .unwrap()
                .with_driver_header(MAX_DRIVER_HEADER)
                .unwrap(),
        ]
    }

    /// A driver header's bytes: `#` and the sequence, so that a decoder
    /// that passes them on is caught.
    fn driver_header(g: Geometry, sequence: u32) -> Vec<u8> {
        (0..g.driver_header())
            .map(|i| if i == 0 { sequence as u8 } else { b'#' })
            .collect()
    }

    /// A stream as read() returns it: for each (records, finished) one
    /// sub-buffer, padding stripped.
    fn stream(subbufs: &[(&[u8], bool)], first_seq: u32) -> Vec<u8> {
        stream_in(geometry(), subbufs, first_seq)
    }

    /// [`stream`] in geometry `g`, driver headers included.
    fn stream_in(g: Geometry, subbufs: &[(&[u8], bool)], first_seq: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, (records, finished)) in subbufs.iter().enumerate() {
            let padding = if *finished {
                (g.max_record(true) - records.len()) as u32
            } else {
                OPEN
            };
            let sequence = first_seq + i as u32;
            out.extend_from_slice(
                &SubbufHeader {
                    padding,
                    sequence,
                    geometry: g,
                    overwrite: false,
                    generation: 0,
                }
                .encode(),
            );
            out.extend_from_slice(&driver_header(g, sequence));
            out.extend_from_slice(records);
        }
        out
    }

    fn decode_in_chunks(input: &[u8], chunk: usize) -> (Vec<u8>, StreamDecoder) {
        let mut d = StreamDecoder::new();
        let mut out = Vec::new();
        for part in input.chunks(chunk) {
            d.feed(part, |_| None, |r| out.extend_from_slice(r))
                .unwrap();
        }
        (out, d)
    }

    #[test]
    fn header_round_trip() {
        let h = SubbufHeader {
            padding: 7,
            sequence: 0xdead_beef,
            geometry: geometry(),
            overwrite: false,
            generation: 0,
        };
        assert_eq!(SubbufHeader::decode(&h.encode()), Ok(h));
        assert_eq!(&h.encode()[..4], b"KFRL");
        assert_eq!(h.record_bytes(), Some(100 - HEADER_LEN - 7));
    }

    /// Headers without a driver header are byte for byte what they were
    /// before driver headers existed.
    #[test]
    fn header_without_driver_header_unchanged() {
        let h = SubbufHeader {
            padding: 7,
            sequence: 3,
            geometry: geometry(),
            overwrite: true,
            generation: 0,
        };
        let mut old = Vec::new();
        for field in [MAGIC, 7, 3, 100, 4, FLAG_OVERWRITE] {
            old.extend_from_slice(&field.to_le_bytes());
        }
        assert_eq!(h.encode()[..], old[..]);
        assert_eq!(SubbufHeader::decode(&old), Ok(h));
        assert_eq!(geometry().driver_header(), 0);
        assert_eq!(geometry().records_offset(true), HEADER_LEN);
        assert_eq!(geometry().records_offset(false), 0);
    }

    #[test]
    fn driver_header_round_trip_and_limits() {
        for g in geometries() {
            let h = SubbufHeader {
                padding: 0,
                sequence: 9,
                geometry: g,
                overwrite: false,
                generation: 0,
            };
            let bytes = h.encode();
            assert_eq!(SubbufHeader::decode(&bytes), Ok(h));
            assert_eq!(
                le32(&bytes, SubbufHeader::FLAGS_OFFSET),
                (g.driver_header() as u32) << DRIVER_HEADER_SHIFT
            );
            assert_eq!(
                h.record_bytes(),
                Some(g.subbuf_size() - HEADER_LEN - g.driver_header())
            );
            // The padding may leave room for both headers, no less.
            let most = (g.subbuf_size() - HEADER_LEN - g.driver_header()) as u32;
            assert!(g.finished_padding_fits(most));
            assert!(!g.finished_padding_fits(most + 1));
        }
        let field = |h: &mut [u8; HEADER_LEN], at: usize, v: u32| {
            h[at..at + 4].copy_from_slice(&v.to_le_bytes())
        };
        let mut h = SubbufHeader {
            padding: OPEN,
            sequence: 0,
            geometry: geometry(),
            overwrite: false,
            generation: 0,
        }
        .encode();
        // 100 bytes hold 24 + 64 and a driver header of at most 12.
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            12 << DRIVER_HEADER_SHIFT,
        );
        assert_eq!(
            SubbufHeader::decode(&h).unwrap().geometry.driver_header(),
            12
        );
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            13 << DRIVER_HEADER_SHIFT,
        );
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadGeometry));
        // Longer than MAX_DRIVER_HEADER in a sub-buffer large enough.
        field(&mut h, SubbufHeader::SUBBUF_SIZE_OFFSET, 4096);
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            64 << DRIVER_HEADER_SHIFT,
        );
        assert!(SubbufHeader::decode(&h).is_ok());
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            65 << DRIVER_HEADER_SHIFT,
        );
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadGeometry));
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            0xff << DRIVER_HEADER_SHIFT,
        );
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadGeometry));
        // Above the length, the generation.
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            7 << GENERATION_SHIFT | 8 << DRIVER_HEADER_SHIFT,
        );
        assert_eq!(SubbufHeader::decode(&h).map(|h| h.generation), Ok(7));
        // Bits above the generation, and between the length and
        // FLAG_OVERWRITE.
        field(
            &mut h,
            SubbufHeader::FLAGS_OFFSET,
            1 << 24 | 8 << DRIVER_HEADER_SHIFT,
        );
        assert_eq!(
            SubbufHeader::decode(&h),
            Err(FormatError::BadFlags(1 << 24 | 8 << DRIVER_HEADER_SHIFT))
        );
        field(&mut h, SubbufHeader::FLAGS_OFFSET, 0x80);
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadFlags(0x80)));
        // A padding that would eat into the driver header.
        field(&mut h, SubbufHeader::FLAGS_OFFSET, 8 << DRIVER_HEADER_SHIFT);
        let most = (4096 - HEADER_LEN - 8) as u32;
        field(&mut h, SubbufHeader::PADDING_OFFSET, most);
        assert!(SubbufHeader::decode(&h).is_ok());
        field(&mut h, SubbufHeader::PADDING_OFFSET, most + 1);
        assert_eq!(
            SubbufHeader::decode(&h),
            Err(FormatError::BadPadding(most + 1))
        );
        // The geometry limits.
        assert_eq!(
            geometry().with_driver_header(13),
            Err(GeometryError::DriverHeader)
        );
        assert_eq!(
            Geometry::new(1 << 20, 4)
                .unwrap()
                .with_driver_header(MAX_DRIVER_HEADER + 1),
            Err(GeometryError::DriverHeader)
        );
        let g = Geometry::new(4096, 4)
            .unwrap()
            .with_driver_header(8)
            .unwrap();
        assert_eq!((g.max_record(true), g.max_record(false)), (4064, 4088));
        assert_ne!(g, Geometry::new(4096, 4).unwrap());
        assert_eq!(g.with_driver_header(0), Geometry::new(4096, 4));
    }

    #[test]
    fn header_rejects_malformed() {
        let too_much = (100 - HEADER_LEN + 1) as u32;
        let mut h = SubbufHeader {
            padding: too_much,
            sequence: 0,
            geometry: geometry(),
            overwrite: false,
            generation: 0,
        }
        .encode();
        let field = |h: &mut [u8; HEADER_LEN], at: usize, v: u32| {
            h[at..at + 4].copy_from_slice(&v.to_le_bytes())
        };
        assert_eq!(
            SubbufHeader::decode(&h),
            Err(FormatError::BadPadding(too_much))
        );
        field(&mut h, SubbufHeader::PADDING_OFFSET, too_much - 1);
        assert!(SubbufHeader::decode(&h).is_ok());
        field(&mut h, SubbufHeader::FLAGS_OFFSET, 2);
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadFlags(2)));
        field(&mut h, SubbufHeader::FLAGS_OFFSET, FLAG_OVERWRITE);
        assert!(SubbufHeader::decode(&h).unwrap().overwrite);
        field(&mut h, SubbufHeader::N_SUBBUFS_OFFSET, 1);
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadGeometry));
        field(&mut h, SubbufHeader::SUBBUF_SIZE_OFFSET, u32::MAX);
        field(&mut h, SubbufHeader::N_SUBBUFS_OFFSET, u32::MAX);
        assert_eq!(SubbufHeader::decode(&h), Err(FormatError::BadGeometry));
        assert_eq!(
            SubbufHeader::decode(&h[..HEADER_LEN - 1]),
            Err(FormatError::Truncated)
        );
    }

    #[test]
    fn geometry_limits() {
        assert_eq!(
            Geometry::new(MIN_SUBBUF_SIZE - 1, 4),
            Err(GeometryError::SubbufTooSmall)
        );
        assert!(Geometry::new(MIN_SUBBUF_SIZE, 2).is_ok());
        assert_eq!(
            Geometry::new(4096, MAX_SUBBUFS + 1),
            Err(GeometryError::SubbufCount)
        );
        assert_eq!(
            Geometry::new(usize::MAX, 3),
            Err(GeometryError::BufferTooLarge)
        );
        assert!(Geometry::new(MAX_BUFFER_BYTES / 2, 2).is_ok());
        let g = Geometry::new(3000, 3).unwrap();
        assert_eq!(g.buffer_len(4096), 12288);
        assert_eq!(g.subbuf_offset(4), 3000);
        assert_eq!(g.max_record(true), 3000 - HEADER_LEN);
        assert_eq!(g.max_record(false), 3000);
    }

    #[test]
    fn strips_headers_at_every_split() {
        for g in geometries() {
            let input = stream_in(
                g,
                &[
                    (b"hello ", true),
                    (b"", true),
                    (b"world", true),
                    (b"!", false),
                ],
                0,
            );
            for chunk in 1..=input.len() {
                let (out, d) = decode_in_chunks(&input, chunk);
                assert_eq!(out, b"hello world!", "chunk {chunk} {g:?}");
                assert_eq!(d.subbufs_finished(), 3);
                assert_eq!(d.subbufs_lost(), 0);
                assert_eq!(d.open_subbuf(), Some(3));
                assert_eq!(d.record_bytes(), 12);
                assert_eq!(d.first_sequence(), Some(0));
                assert_eq!(d.geometry(), Some(g));
                d.finish().unwrap();
            }
            // Split once at every byte, the first part fed byte by byte.
            for cut in 0..=input.len() {
                let mut d = StreamDecoder::new();
                let mut out = Vec::new();
                for b in input[..cut].chunks(1) {
                    d.feed(b, |_| None, |r| out.extend_from_slice(r)).unwrap();
                }
                d.feed(&input[cut..], |_| None, |r| out.extend_from_slice(r))
                    .unwrap();
                assert_eq!(out, b"hello world!", "cut {cut} {g:?}");
                assert_eq!(d.subbufs_finished(), 3);
            }
        }
    }

    /// A sub-buffer with a driver header and no records is finished once
    /// the driver header is read, not before.
    #[test]
    fn empty_subbuf_with_driver_header() {
        let g = geometry().with_driver_header(8).unwrap();
        let input = stream_in(g, &[(b"", true), (b"x", false)], 0);
        let mut d = StreamDecoder::new();
        d.feed(&input[..HEADER_LEN + 7], |_| None, |_| panic!("no records"))
            .unwrap();
        assert_eq!(d.subbufs_finished(), 0);
        let mut out = Vec::new();
        d.feed(
            &input[HEADER_LEN + 7..],
            |_| None,
            |r| out.extend_from_slice(r),
        )
        .unwrap();
        assert_eq!((out.as_slice(), d.subbufs_finished()), (&b"x"[..], 1));
    }

    /// A driver header whose length changes within one stream is a change
    /// of geometry.
    #[test]
    fn driver_header_change_is_refused() {
        let mut input = stream_in(geometry(), &[(b"a", true)], 0);
        input.extend(stream_in(
            geometry().with_driver_header(4).unwrap(),
            &[(b"b", true)],
            1,
        ));
        let mut d = StreamDecoder::new();
        assert_eq!(
            d.feed(&input, |_| None, |_| ()),
            Err(FormatError::GeometryChanged)
        );
    }

    #[test]
    fn full_subbuf_without_padding() {
        let records = [b'x'; 100 - HEADER_LEN];
        let input = stream(&[(&records, true), (b"y", true)], 9);
        let (out, d) = decode_in_chunks(&input, 13);
        assert_eq!(out.len(), records.len() + 1);
        assert_eq!(d.subbufs_finished(), 2);
    }

    #[test]
    fn open_header_learns_padding_later() {
        // The reader saw sub-buffer 5 open with "ab"; the writer then finished
        // it with "abc" and started 6 with "d".
        for g in geometries() {
            let mut first = SubbufHeader {
                padding: OPEN,
                sequence: 5,
                geometry: g,
                overwrite: false,
                generation: 0,
            }
            .encode()
            .to_vec();
            first.extend_from_slice(&driver_header(g, 5));
            first.extend_from_slice(b"ab");
            let mut second = b"c".to_vec();
            second.extend_from_slice(
                &SubbufHeader {
                    padding: OPEN,
                    sequence: 6,
                    geometry: g,
                    overwrite: false,
                    generation: 0,
                }
                .encode(),
            );
            second.extend_from_slice(&driver_header(g, 6));
            second.extend_from_slice(b"d");

            let mut d = StreamDecoder::new();
            let mut out = Vec::new();
            d.feed(&first, |_| None, |r| out.extend_from_slice(r))
                .unwrap();
            let padding = (g.max_record(true) - 3) as u32;
            d.feed(
                &second,
                |seq| (seq == 5).then_some(padding),
                |r| out.extend_from_slice(r),
            )
            .unwrap();
            assert_eq!(out, b"abcd");
            assert_eq!(d.subbufs_finished(), 1);
            assert_eq!(d.open_subbuf(), Some(6));
        }
    }

    #[test]
    fn counts_overwritten_subbufs_and_resets() {
        let mut input = stream(&[(b"a", true)], 0);
        input.extend(stream(&[(b"b", true)], 4));
        input.extend(stream(&[(b"c", true)], 0));
        let (out, d) = decode_in_chunks(&input, 7);
        assert_eq!(out, b"abc");
        assert_eq!(d.subbufs_lost(), 3);
        assert_eq!(d.resets(), 1);
    }

    #[test]
    fn a_new_generation_is_a_reset() {
        let g = geometry();
        let open = |sequence, generation| SubbufHeader {
            padding: OPEN,
            sequence,
            geometry: g,
            overwrite: false,
            generation,
        };
        // A reset while the reader is inside sub-buffer 0: the next bytes
        // are the new sub-buffer 0's, the same number.
        let mut d = StreamDecoder::new();
        let mut out = Vec::new();
        let mut input = open(0, 0).encode().to_vec();
        input.extend_from_slice(b"old");
        d.feed(&input, |_| None, |r| out.extend_from_slice(r))
            .unwrap();
        // The slot holds the new sub-buffer 0: not the one being read.
        let slot = open(0, 1).encode();
        assert_eq!(slot_of(&slot, d.open_header().unwrap()), Slot::Unknown);
        assert!(d.end_open_subbuf());
        let mut input = open(0, 1).encode().to_vec();
        input.extend_from_slice(b"new");
        d.feed(&input, |_| None, |r| out.extend_from_slice(r))
            .unwrap();
        assert_eq!(out, b"oldnew");
        assert_eq!((d.resets(), d.subbufs_lost()), (1, 0));

        // A reset whose first sub-buffer the reader missed (overwritten):
        // the next number it reads is the one it expected, and sub-buffer 0
        // of the new generation was not read. Three resets count as three.
        for (generation, resets) in [(1, 1), (3, 3)] {
            let mut input = stream(&[(b"a", true)], 0);
            let mut after = open(1, generation);
            after.padding = (g.max_record(true) - 1) as u32;
            input.extend_from_slice(&after.encode());
            input.extend_from_slice(b"b");
            let (out, d) = decode_in_chunks(&input, 5);
            assert_eq!(out, b"ab");
            assert_eq!((d.resets(), d.subbufs_lost()), (resets, 1));
        }
    }

    #[test]
    fn sequence_wraps() {
        let mut input = stream(&[(b"a", true)], u32::MAX);
        input.extend(stream(&[(b"b", true)], 0));
        let (out, d) = decode_in_chunks(&input, 64);
        assert_eq!(out, b"ab");
        assert_eq!(d.subbufs_lost(), 0);
        assert_eq!(d.resets(), 0);
    }

    #[test]
    fn malformed_streams() {
        let mut d = StreamDecoder::new();
        assert_eq!(
            d.feed(b"not a relay stream at all", |_| None, |_| ()),
            Err(FormatError::BadMagic(u32::from_le_bytes(*b"not ")))
        );

        let mut d = StreamDecoder::new();
        let input = stream(&[(b"a", true)], 0);
        d.feed(&input[..10], |_| None, |_| ()).unwrap();
        assert_eq!(d.finish(), Err(FormatError::Truncated));

        // A different geometry in a later header.
        let mut input = stream(&[(b"a", true)], 0);
        input.extend_from_slice(
            &SubbufHeader {
                padding: 0,
                sequence: 1,
                geometry: Geometry::new(200, 4).unwrap(),
                overwrite: false,
                generation: 0,
            }
            .encode(),
        );
        let mut d = StreamDecoder::new();
        assert_eq!(
            d.feed(&input, |_| None, |_| ()),
            Err(FormatError::GeometryChanged)
        );

        // A lying peek.
        let input = stream(&[(b"a", false)], 0);
        let mut d = StreamDecoder::new();
        d.feed(&input, |_| None, |_| ()).unwrap();
        assert_eq!(
            d.feed(b"b", |_| Some(81), |_| ()),
            Err(FormatError::BadPadding(81))
        );
    }

    #[test]
    fn random_streams_round_trip() {
        let mut rng = fastrand::Rng::with_seed(0x5eed);
        for round in 0..200 {
            let g = geometries()[round % 4];
            let mut expected = Vec::new();
            let mut input = Vec::new();
            for seq in 0..rng.u32(1..20) {
                let len = rng.usize(0..=g.max_record(true));
                let records: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
                expected.extend_from_slice(&records);
                let padding = (g.max_record(true) - len) as u32;
                input.extend_from_slice(
                    &SubbufHeader {
                        padding,
                        sequence: seq,
                        geometry: g,
                        overwrite: false,
                        generation: 0,
                    }
                    .encode(),
                );
                input.extend_from_slice(&driver_header(g, seq));
                input.extend_from_slice(&records);
            }
            let (out, d) = decode_in_chunks(&input, rng.usize(1..300));
            assert_eq!(out, expected);
            d.finish().unwrap();
        }
    }

    /// A reader that takes over at any byte of a stream, locating itself as
    /// relay-read does (the file position after one byte, the headers in
    /// the buffer), gets exactly the records after that byte.
    #[test]
    fn resume_at_every_byte() {
        let mut rng = fastrand::Rng::with_seed(0x7e57);
        for round in 0..20 {
            let g = geometries()[round % 4];
            // The ring as the buffer holds it: headers, records, padding.
            let n = g.n_subbufs();
            let mut ring = std::vec![0u8; g.subbuf_size() * n];
            let mut headers = Vec::new();
            // The stream read() returns, with each byte's ring position.
            let mut stream = Vec::new();
            let mut positions = Vec::new();
            let mut record_at = Vec::new();
            for index in 0..n {
                let len = rng.usize(0..=g.max_record(true));
                let header = SubbufHeader {
                    padding: (g.max_record(true) - len) as u32,
                    sequence: 40 + index as u32,
                    geometry: g,
                    overwrite: false,
                    generation: 0,
                };
                let start = index * g.subbuf_size();
                let bytes = header.encode();
                ring[start..start + HEADER_LEN].copy_from_slice(&bytes);
                headers.push(header);
                let driver = driver_header(g, header.sequence);
                for (i, b) in bytes.iter().chain(&driver).enumerate() {
                    ring[start + i] = *b;
                    stream.push(*b);
                    positions.push(start + i);
                    record_at.push(false);
                }
                let records = g.records_offset(true);
                for i in 0..len {
                    let b = rng.u8(..);
                    ring[start + records + i] = b;
                    stream.push(b);
                    positions.push(start + records + i);
                    record_at.push(true);
                }
            }
            for cut in 0..stream.len() {
                // relay's position after reading byte `cut` (it skips padding
                // and wraps to 0).
                let next = positions.get(cut + 1).copied().unwrap_or(0);
                let end_pos = if next % g.subbuf_size() == 0 || cut + 1 == stream.len() {
                    next
                } else {
                    positions[cut] + 1
                };
                let (index, offset) = g
                    .last_read_byte(end_pos, |i| Some(headers[i].padding))
                    .unwrap();
                assert_eq!(
                    index * g.subbuf_size() + offset,
                    positions[cut],
                    "cut {cut}"
                );
                let header =
                    SubbufHeader::decode(&ring[index * g.subbuf_size()..][..HEADER_LEN]).unwrap();
                let mut d = StreamDecoder::resume(&header, offset).unwrap();
                let mut out = Vec::new();
                d.feed(&stream[cut..], |_| None, |r| out.extend_from_slice(r))
                    .unwrap();
                let expected: Vec<u8> = stream[cut..]
                    .iter()
                    .zip(&record_at[cut..])
                    .filter(|(_, r)| **r)
                    .map(|(b, _)| *b)
                    .collect();
                assert_eq!(out, expected, "cut {cut}");
                assert_eq!(d.subbufs_lost(), 0);
                d.finish().unwrap();
            }
        }
    }

    /// Found by the `relay_decode` fuzz target: a header built by hand with
    /// a padding larger than its sub-buffer made `record_bytes` underflow.
    #[test]
    fn resume_refuses_impossible_padding() {
        let geometry = geometry();
        let header = SubbufHeader {
            padding: 1000,
            sequence: 0,
            geometry,
            overwrite: false,
            generation: 0,
        };
        assert_eq!(header.record_bytes(), Some(0));
        assert!(matches!(
            StreamDecoder::resume(&header, 30),
            Err(FormatError::BadPadding(1000))
        ));
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..2000 {
            let mut input: Vec<u8> = (0..rng.usize(0..400)).map(|_| rng.u8(..)).collect();
            if rng.bool() && input.len() >= 20 {
                // Make it look like a header now and then.
                input[..4].copy_from_slice(b"KFRL");
                input[12..16].copy_from_slice(&100u32.to_le_bytes());
                input[16..20].copy_from_slice(&4u32.to_le_bytes());
            }
            let mut d = StreamDecoder::new();
            let mut total = 0;
            let _ = d.feed(&input, |_| Some(rng.u32(..)), |r| total += r.len());
            assert!(total <= input.len());
        }
    }
    #[test]
    fn late_padding_shorter_than_what_was_read_is_refused() {
        // Resumed inside an open sub-buffer, 100 bytes of records in; the
        // padding then given would end it after 10: an error, not a loop.
        let g = Geometry::new(4096, 4)
            .unwrap()
            .with_driver_header(8)
            .unwrap();
        let header = SubbufHeader {
            padding: OPEN,
            sequence: 0,
            geometry: g,
            overwrite: true,
            generation: 0,
        };
        let mut d = StreamDecoder::resume(&header, HEADER_LEN + 8 + 100).unwrap();
        let padding = (g.max_record(true) - 10) as u32;
        assert_eq!(
            d.feed(b"x", |_| Some(padding), |_| {}),
            Err(FormatError::BadPadding(padding))
        );
    }
}
