// SPDX-License-Identifier: GPL-2.0

//! The reader of one per-CPU relay file.

use crate::{fdinfo::FdInfo, map, map::Map, Error, Format};
use kfiles_core::relay::{
    finished_padding, slot_of, FormatError, Slot, StreamDecoder, SubbufHeader, HEADER_LEN, MAGIC,
};
use std::{
    fs::{self, File},
    io::{self, ErrorKind, IoSlice, Read, Write},
    ops::Range,
    os::fd::{AsFd, AsRawFd, BorrowedFd},
    path::{Path, PathBuf},
};

/// What the stream of a per-CPU file turned out to be.
enum Kind {
    /// Nothing read yet: decided by the first bytes (or by the caller).
    Undecided,
    /// Sub-buffers with relay-rs headers.
    Headers(StreamDecoder),
    /// Records only (relay's `read()` already skipped the padding).
    Raw,
}

/// The reader of one per-CPU file (`BASE<cpu>`) of a relay channel, or of a
/// capture of one (the bytes `cat` returned, in an ordinary file).
///
/// Each [`read`](Self::read) is one `read()` system call of up to the read
/// size into the reader's buffer; it returns the record bytes in it, without
/// sub-buffer headers, as [`Records`] borrowing that buffer (no copy).
/// relay's `read()` consumes what it returns: the next reader of the file,
/// in this process or another, goes on from there, and so does a reader
/// that starts after another ([`Channel`](crate::Channel) explains how).
pub struct CpuReader {
    cpu: u32,
    path: PathBuf,
    file: File,
    /// A live relay file (on debugfs), whose position relay reports.
    live: bool,
    requested: Format,
    kind: Kind,
    map: Option<Map>,
    buf: Vec<u8>,
    /// The record bytes of the last read, as ranges of `buf`.
    runs: Vec<Range<usize>>,
    /// Record bytes returned so far.
    record_bytes: u64,
    /// The file went away under the reader (debugfs answers `EIO`).
    removed: bool,
    /// Bytes of `buf` held back from the last read, which go first in the
    /// next: the possible start of a header cut by the read's end.
    carry: Range<usize>,
}

/// The record bytes of one `read()` of a per-CPU file: one run for a
/// channel without headers, one per sub-buffer part for a channel with
/// them, in order. They borrow the reader's buffer.
///
/// relay knows no record boundaries: the runs are the bytes the driver
/// wrote, a record possibly split between two reads.
pub struct Records<'a> {
    cpu: u32,
    buf: &'a [u8],
    runs: &'a [Range<usize>],
    full: bool,
}

impl<'a> Records<'a> {
    /// The CPU whose file was read.
    pub fn cpu(&self) -> u32 {
        self.cpu
    }

    /// Whether the `read()` filled the reader's buffer, so that more may be
    /// waiting. A short read leaves the reader at the writer's position
    /// (where, for writers that copy whole records, a record ends).
    pub fn filled_buffer(&self) -> bool {
        self.full
    }

    /// The runs of record bytes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let buf = self.buf;
        self.runs.iter().map(move |r| &buf[r.clone()])
    }

    /// Record bytes in all runs.
    pub fn len(&self) -> usize {
        self.runs.iter().map(|r| r.len()).sum()
    }

    /// Whether there are no record bytes (a read of headers only).
    pub fn is_empty(&self) -> bool {
        self.runs.iter().all(|r| r.is_empty())
    }

    /// Writes every run to `out` with gathered writes (`writev()` on a
    /// file, one per 64 runs), without copying the runs together; nothing
    /// if there are no record bytes.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        // Gathered in groups: no allocation on the data path.
        const GROUP: usize = 64;
        if self.is_empty() {
            return Ok(());
        }
        for group in self.runs.chunks(GROUP) {
            let mut slices: [IoSlice<'_>; GROUP] = [IoSlice::new(&[]); GROUP];
            for (slice, run) in slices.iter_mut().zip(group) {
                *slice = IoSlice::new(&self.buf[run.clone()]);
            }
            let mut slices = &mut slices[..group.len()];
            while !slices.is_empty() {
                match out.write_vectored(slices) {
                    Ok(0) => return Err(ErrorKind::WriteZero.into()),
                    Ok(n) => IoSlice::advance_slices(&mut slices, n),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

/// Reads into `buf`, retrying when a signal interrupted the call.
fn read_retrying(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Where in `input` the header of the sub-buffer after the one whose header
/// the stream had as `open` starts: the first 24 bytes that decode as a
/// header of the channel's geometry for another sub-buffer (the next one, a
/// later one after the writer lapped the reader, 0 after a reset, or the
/// same number of the next generation after a reset inside that
/// sub-buffer). Records that look exactly like such a header would be taken
/// for one.
fn next_header(input: &[u8], open: &SubbufHeader) -> Option<usize> {
    let magic = MAGIC.to_le_bytes();
    (0..input.len().saturating_sub(HEADER_LEN - 1)).find(|&at| {
        input[at..].starts_with(&magic)
            && SubbufHeader::decode(&input[at..at + HEADER_LEN])
                .is_ok_and(|h| h.geometry == open.geometry && !h.same_subbuf(open))
    })
}

/// Whether `file` is on debugfs, where relay's files live.
fn on_debugfs(file: &File) -> bool {
    const DEBUGFS_MAGIC: libc::c_long = 0x6462_6720;
    // SAFETY: `statfs` is plain data, for which all zeroes is a valid value.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid statfs for the call to fill, and the
    // descriptor is open for the duration of the call (`file` is borrowed).
    let ret = unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) };
    ret == 0 && st.f_type as libc::c_long == DEBUGFS_MAGIC
}

impl CpuReader {
    /// Opens per-CPU file `path` of CPU `cpu`, to be read `read_size` bytes
    /// at a time.
    pub(crate) fn open(
        cpu: u32,
        path: PathBuf,
        format: Format,
        read_size: usize,
    ) -> io::Result<Self> {
        let file = File::open(&path)?;
        Ok(Self {
            cpu,
            live: on_debugfs(&file),
            file,
            path,
            requested: format,
            kind: match format {
                Format::Raw => Kind::Raw,
                _ => Kind::Undecided,
            },
            map: None,
            buf: vec![0; read_size.max(HEADER_LEN)],
            runs: Vec::new(),
            record_bytes: 0,
            removed: false,
            carry: 0..0,
        })
    }

    /// The CPU this file is for (the number after the base name).
    pub fn cpu(&self) -> u32 {
        self.cpu
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the stream is, once known: [`Format::Headers`] or
    /// [`Format::Raw`] (`None` before the first bytes arrived, unless the
    /// channel was opened with a given format).
    pub fn format(&self) -> Option<Format> {
        match self.kind {
            Kind::Undecided => None,
            Kind::Headers(_) => Some(Format::Headers),
            Kind::Raw => Some(Format::Raw),
        }
    }

    /// The decoder of a stream with headers: sub-buffers finished, lost or
    /// overwritten while reading, the channel's geometry.
    pub fn decoder(&self) -> Option<&StreamDecoder> {
        match &self.kind {
            Kind::Headers(d) => Some(d),
            _ => None,
        }
    }

    /// Record bytes returned so far.
    pub fn record_bytes(&self) -> u64 {
        self.record_bytes
    }

    /// Whether the file is a live relay file (on debugfs), not a capture.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Whether the file was removed while open (the channel closed; debugfs
    /// answers reads with `EIO`): it has nothing more to read.
    pub fn removed(&self) -> bool {
        self.removed
    }

    /// What the kernel says about the open file now (`None` for a capture).
    /// The `relay_*` fields are there for relay-rs channels only.
    pub fn kernel_info(&self) -> Option<io::Result<FdInfo>> {
        self.live.then(|| self.fdinfo())
    }

    fn fdinfo(&self) -> io::Result<FdInfo> {
        let path = format!("/proc/self/fdinfo/{}", self.file.as_raw_fd());
        Ok(FdInfo::parse(&fs::read_to_string(path)?))
    }

    fn io_error(&self, error: io::Error) -> Error {
        Error::Read {
            path: self.path.clone(),
            error,
        }
    }

    fn mmap_error(&self, error: io::Error) -> Error {
        Error::Map {
            path: self.path.clone(),
            error,
        }
    }

    fn not_mappable(&self) -> Error {
        self.mmap_error(io::Error::new(
            ErrorKind::Unsupported,
            "no mapping length accepted",
        ))
    }

    fn locate_error(&self, what: String) -> Error {
        Error::Locate {
            path: self.path.clone(),
            what,
        }
    }

    /// Reads once and returns the records read, `None` if nothing was
    /// available (or the file was removed).
    pub fn read(&mut self) -> Result<Option<Records<'_>>, Error> {
        self.read_hinted(&mut None)
    }

    /// [`read`](Self::read) with the buffer length of another CPU of the
    /// channel, for a buffer whose length must be probed; updated when this
    /// one is mapped.
    pub(crate) fn read_hinted(
        &mut self,
        map_len: &mut Option<usize>,
    ) -> Result<Option<Records<'_>>, Error> {
        self.runs.clear();
        if self.removed {
            return Ok(None);
        }
        self.peek_open_subbuf()?;
        let started = matches!(self.kind, Kind::Undecided);
        // Bytes held back from the last read start the buffer.
        let held = std::mem::take(&mut self.carry);
        let carry = held.len();
        self.buf.copy_within(held, 0);
        let result = if started {
            self.start(map_len)
        } else {
            read_retrying(&mut self.file, &mut self.buf[carry..]).map_err(|e| self.io_error(e))
        };
        let n = match result {
            // debugfs's proxy answers EIO once the driver removed the file;
            // relay's own read() has no error of its own.
            Err(Error::Read { error, .. })
                if self.live && error.raw_os_error() == Some(libc::EIO) =>
            {
                self.removed = true;
                0
            }
            r => r?,
        };
        if n == 0 && carry == 0 {
            return Ok(None);
        }
        let full = started || carry + n == self.buf.len();
        let n = carry + n;
        match &mut self.kind {
            Kind::Undecided => unreachable!("start() decides the kind when it reads bytes"),
            Kind::Raw => self.runs.push(0..n),
            Kind::Headers(decoder) => {
                let map = self.map.as_ref();
                let at_start = decoder.geometry().is_none();
                let base = self.buf.as_ptr() as usize;
                let runs = &mut self.runs;
                let mut take = |records: &[u8]| {
                    if records.is_empty() {
                        return;
                    }
                    let start = records.as_ptr() as usize - base;
                    match runs.last_mut() {
                        Some(last) if last.end == start => last.end += records.len(),
                        _ => runs.push(start..start + records.len()),
                    }
                };
                let format_error = |error| match error {
                    FormatError::BadMagic(_) if at_start => Error::NotAtHeader {
                        path: self.path.clone(),
                    },
                    error => Error::Format {
                        path: self.path.clone(),
                        error,
                    },
                };
                // What the mapping tells of an open sub-buffer's end, looked
                // at after the read: its padding if the slot holds it
                // finished; that every byte read is its own if the slot
                // holds it still open; otherwise nothing (reused after this
                // reader consumed it or lapped it, or the channel reset),
                // and its records run up to the next header in the stream.
                //
                // A reset (`Channel::reset()`) leaves the slot of the
                // sub-buffer this reader was inside of as it was (open, or
                // finished if the writer got past it first, until writers
                // reuse it), unless that is sub-buffer 0 (whose slot gets
                // the next generation's header); the bytes read are then
                // the new sub-buffers', not its continuation. In overwrite
                // mode a writer that lapped the reader since its last read
                // makes this read skip to the oldest sub-buffer left. Both
                // make relay-rs's read() start at a header. So a live read
                // that starts with a header of the channel, while this
                // reader is inside a sub-buffer (or a header), starts
                // afresh there: a padding learnt before the read, or the
                // start of a header, is forgotten. For an open sub-buffer
                // the slot counts, besides, only if the read's first bytes
                // are those that follow what was consumed in the slot
                // (otherwise the sub-buffer ends at the next header in the
                // stream); a finished one is not looked at, which would
                // fault in a page of the mapping per read.
                //
                // Bytes held back from the last read (`carry`, in the search
                // for a header after an unknown end) come first: if this
                // read starts with a whole header, they were the sub-buffer's
                // last (the start of a header would have been completed).
                //
                // Records can look like a header too: one at the read's
                // start is records if the slot of the sub-buffer being
                // decoded holds those bytes where it continues (and, for a
                // finished one with fewer bytes left than a header, the next
                // header's magic follows them). Only then is the mapping
                // looked at, so a read pays for no page fault in it unless
                // it starts at a header.
                let geometry = decoder.geometry();
                let mut input = &self.buf[..n];
                let starts_at_header = n >= carry + HEADER_LEN
                    && SubbufHeader::decode(&input[carry..carry + HEADER_LEN])
                        .is_ok_and(|h| Some(h.geometry) == geometry)
                    && match (decoder.subbuf_position(), map) {
                        (_, None) => false,
                        (Some((&k, at)), Some(map)) if carry == 0 => {
                            let left = k.record_bytes().map_or(usize::MAX, |records| {
                                (HEADER_LEN + k.geometry.driver_header() + records)
                                    .saturating_sub(at)
                            });
                            let own = HEADER_LEN.min(left);
                            let offset = k.geometry.subbuf_offset(k.sequence) + at;
                            let magic = MAGIC.to_le_bytes();
                            let next = (HEADER_LEN - own).min(magic.len());
                            !(map.holds(offset, &input[..own])
                                && input[own..own + next] == magic[..next])
                        }
                        _ => true,
                    };
                if starts_at_header {
                    if let Some(partial) = decoder.partial_header() {
                        let mut joined = partial.to_vec();
                        joined.extend_from_slice(&input[..HEADER_LEN - partial.len()]);
                        if SubbufHeader::decode(&joined).is_err() {
                            decoder.drop_partial_header();
                        }
                    }
                    if carry > 0 && decoder.open_header().is_some() {
                        decoder
                            .feed_live(&input[..carry], |_: &SubbufHeader| Slot::Open, &mut take)
                            .map_err(format_error)?;
                        decoder.end_open_subbuf();
                        input = &input[carry..];
                    }
                }
                let continues = match (decoder.subbuf_position(), map) {
                    (Some((&k, at)), Some(map)) => {
                        let first = &input[..HEADER_LEN.min(input.len())];
                        let offset = k.geometry.subbuf_offset(k.sequence) + at;
                        let follows = k.is_finished() || map.holds(offset, first);
                        Some((k, !starts_at_header && follows))
                    }
                    _ => None,
                };
                if let Some((_, false)) = continues {
                    decoder.reopen_subbuf();
                    if starts_at_header {
                        decoder.end_open_subbuf();
                    }
                }
                let slot = |open: &SubbufHeader| {
                    let slot = map
                        .and_then(|map| map.header(open.geometry.subbuf_offset(open.sequence)))
                        .map_or(Slot::Unknown, |h| slot_of(&h, open));
                    match continues {
                        Some((k, false)) if k.same_subbuf(open) => Slot::Unknown,
                        _ => slot,
                    }
                };
                loop {
                    let used = decoder
                        .feed_live(input, slot, &mut take)
                        .map_err(format_error)?;
                    input = &input[used..];
                    let Some(&k) = decoder.open_header() else {
                        break;
                    };
                    if input.is_empty() {
                        break;
                    }
                    // Sub-buffer k, which this reader is inside of, is not
                    // in its slot any more: its records run up to the next
                    // header in the stream, if any. With its padding
                    // unknown, the decoder takes all it is fed for records.
                    match next_header(input, &k) {
                        Some(at) => {
                            decoder
                                .feed_live(&input[..at], |_: &SubbufHeader| Slot::Open, &mut take)
                                .map_err(format_error)?;
                            decoder.end_open_subbuf();
                            input = &input[at..];
                        }
                        None => {
                            // Still k's records. A full read may end inside
                            // the next header: hold its possible start back
                            // for the next read (a read that ends at the
                            // writer never splits one).
                            let keep = if full {
                                (HEADER_LEN - 1).min(input.len())
                            } else {
                                0
                            };
                            let (records, held) = input.split_at(input.len() - keep);
                            decoder
                                .feed_live(records, |_: &SubbufHeader| Slot::Open, &mut take)
                                .map_err(format_error)?;
                            self.carry = n - held.len()..n;
                            break;
                        }
                    }
                }
            }
        }
        let records = Records {
            cpu: self.cpu,
            buf: &self.buf,
            runs: &self.runs,
            full,
        };
        self.record_bytes += records.len() as u64;
        Ok(Some(records))
    }

    /// Before a read: if the decoder is inside a sub-buffer whose header said
    /// open, looks at that header in the mapping. Until this reader reads
    /// past the sub-buffer's end, the writer cannot reuse its slot (in
    /// no-overwrite mode), so a padding found now is the sub-buffer's.
    ///
    /// A read that does not continue the sub-buffer after all (a reset in
    /// between, or in overwrite mode a writer lapping the reader, which
    /// makes the read skip to the oldest sub-buffer left) is caught after it
    /// (`continues` in `read_hinted`), which forgets this padding again.
    fn peek_open_subbuf(&mut self) -> Result<(), Error> {
        let (Kind::Headers(decoder), Some(map)) = (&mut self.kind, &self.map) else {
            return Ok(());
        };
        let Some(&k) = decoder.open_header() else {
            return Ok(());
        };
        let Some(padding) = map
            .header(k.geometry.subbuf_offset(k.sequence))
            .and_then(|h| finished_padding(&h, &k))
        else {
            return Ok(());
        };
        decoder
            .set_open_padding(padding)
            .map_err(|error| Error::Format {
                path: self.path.clone(),
                error,
            })
    }

    /// Checks that the stream did not end inside a sub-buffer header.
    pub fn finish(&self) -> Result<(), Error> {
        match &self.kind {
            Kind::Headers(d) => d.finish().map_err(|error| Error::Format {
                path: self.path.clone(),
                error,
            }),
            _ => Ok(()),
        }
    }

    /// Reads the first bytes into `buf` and decides what the stream is;
    /// returns how many bytes were read (0: nothing to read yet, still
    /// undecided).
    fn start(&mut self, map_len: &mut Option<usize>) -> Result<usize, Error> {
        if !self.live {
            return self.start_capture();
        }
        // One byte first: the position relay reports after it says where in
        // the buffer it was.
        let n = read_retrying(&mut self.file, &mut self.buf[..1]).map_err(|e| self.io_error(e))?;
        if n == 0 {
            return Ok(0);
        }
        let info = self.fdinfo().map_err(|e| self.io_error(e))?;
        let first_pos = info
            .pos
            .ok_or_else(|| self.locate_error("no position in fdinfo".into()))?;
        let page = map::page_size();
        let mut got = 1;
        if self.buf[0] == MAGIC.to_le_bytes()[0] {
            // Perhaps a header: relay-rs never splits one, so the rest
            // follows.
            while got < HEADER_LEN {
                match read_retrying(&mut self.file, &mut self.buf[got..HEADER_LEN])
                    .map_err(|e| self.io_error(e))?
                {
                    0 => break,
                    n => got += n,
                }
            }
            if let Ok(header) = SubbufHeader::decode(&self.buf[..got]) {
                let at = header.geometry.subbuf_offset(header.sequence);
                let same_geometry = info.geometry.is_none_or(|(size, count)| {
                    (size, count) == (header.geometry.subbuf_size(), header.geometry.n_subbufs())
                });
                let pos_after = self.fdinfo().map_err(|e| self.io_error(e))?.pos;
                if same_geometry && first_pos == at + 1 && pos_after == Some(at + HEADER_LEN) {
                    let len = info
                        .buffer_len(page)
                        .unwrap_or(header.geometry.buffer_len(page));
                    // Without the mapping, the end of a sub-buffer still
                    // being written could not be found: refuse rather than
                    // take the next header for records.
                    let map = match Map::new(&self.file, len) {
                        Ok(map) => map,
                        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                            Map::probe(&self.file, *map_len)
                                .map_err(|e| self.mmap_error(e))?
                                .ok_or_else(|| self.not_mappable())?
                        }
                        Err(e) => return Err(self.mmap_error(e)),
                    };
                    *map_len = Some(map.len());
                    self.map = Some(map);
                    self.kind = Kind::Headers(StreamDecoder::new());
                    return Ok(got);
                }
            }
        }
        // Not at a header: a channel without headers, or one an earlier
        // reader left inside a sub-buffer. The buffer's first sub-buffer
        // tells which.
        let mapped = match info.buffer_len(page) {
            Some(len) => Map::new(&self.file, len).map(Some),
            None => Map::probe(&self.file, *map_len),
        };
        let slot0 = |map: &Map| map.header(0).and_then(|h| SubbufHeader::decode(&h).ok());
        match mapped {
            Ok(Some(map)) => {
                *map_len = Some(map.len());
                if slot0(&map).is_some() {
                    self.kind = Kind::Headers(self.locate(&map, first_pos)?);
                    self.map = Some(map);
                } else if self.requested == Format::Headers {
                    return Err(self.locate_error(
                        "no sub-buffer header at the buffer's start (not a channel with \
                         relay-rs headers?)"
                            .into(),
                    ));
                } else {
                    self.kind = Kind::Raw;
                }
            }
            // Not mappable: debugfs's proxy (a C driver's file) answers
            // ENODEV; or no length was accepted.
            Ok(None) | Err(_) if self.requested == Format::Headers => {
                return Err(Error::NotAtHeader {
                    path: self.path.clone(),
                })
            }
            Ok(None) => self.kind = Kind::Raw,
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => self.kind = Kind::Raw,
            Err(e) => return Err(self.mmap_error(e)),
        }
        Ok(got)
    }

    /// The first bytes of a capture: with headers if they are one.
    fn start_capture(&mut self) -> Result<usize, Error> {
        let mut got = read_retrying(&mut self.file, &mut self.buf).map_err(|e| self.io_error(e))?;
        if got == 0 {
            return Ok(0);
        }
        let magic = MAGIC.to_le_bytes();
        // A header cut by a short read: complete it before judging.
        while got < HEADER_LEN && self.buf[..got.min(4)] == magic[..got.min(4)] {
            match read_retrying(&mut self.file, &mut self.buf[got..])
                .map_err(|e| self.io_error(e))?
            {
                0 => break,
                n => got += n,
            }
        }
        let header = SubbufHeader::decode(&self.buf[..got.min(HEADER_LEN)]);
        self.kind = match (self.requested, header) {
            (Format::Raw, _) | (Format::Auto, Err(_)) => Kind::Raw,
            _ => Kind::Headers(StreamDecoder::new()),
        };
        Ok(got)
    }

    /// A decoder for the stream from the byte that `read()` returned first,
    /// which left the file position at `pos`.
    fn locate(&self, map: &Map, pos: usize) -> Result<StreamDecoder, Error> {
        let slot = |offset: usize| {
            map.header(offset)
                .and_then(|h| SubbufHeader::decode(&h).ok())
        };
        let geometry = slot(0)
            .ok_or_else(|| self.locate_error("no sub-buffer header at the buffer's start".into()))?
            .geometry;
        // relay-rs's read() leaves the position at the end of the last
        // sub-buffer, not wrapped, when it read that one to its very end.
        let total = geometry.subbuf_size() * geometry.n_subbufs();
        let end_pos = if pos == total { 0 } else { pos };
        let (index, offset) = geometry
            .last_read_byte(end_pos, |index| {
                // A sub-buffer still open at a boundary was written to its
                // very end: no padding.
                slot(index * geometry.subbuf_size()).map(|h| {
                    if h.is_finished() {
                        h.padding
                    } else {
                        0
                    }
                })
            })
            .ok_or_else(|| self.locate_error(format!("position {pos} is not in the buffer")))?;
        let header = slot(index * geometry.subbuf_size())
            .ok_or_else(|| self.locate_error(format!("no header in sub-buffer {index}")))?;
        StreamDecoder::resume(&header, offset).map_err(|e| self.locate_error(e.to_string()))
    }
}

impl AsFd for CpuReader {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kfiles_core::relay::{Geometry, OPEN};

    fn open(sequence: u32, geometry: Geometry, generation: u8) -> SubbufHeader {
        SubbufHeader {
            padding: OPEN,
            sequence,
            geometry,
            overwrite: false,
            generation,
        }
    }

    fn header(sequence: u32, geometry: Geometry) -> [u8; HEADER_LEN] {
        SubbufHeader {
            padding: 0,
            ..open(sequence, geometry, 0)
        }
        .encode()
    }

    #[test]
    fn next_header_by_sequence_and_geometry() {
        let g = Geometry::new(128, 4).unwrap();
        let other = Geometry::new(256, 4).unwrap();
        let mut input = b"records of 7 KFRL".to_vec();
        // Its own header again, or another channel's: records.
        input.extend_from_slice(&header(7, g));
        input.extend_from_slice(&header(8, other));
        let at = input.len();
        input.extend_from_slice(&header(8, g));
        input.extend_from_slice(b"records of 8");
        assert_eq!(next_header(&input, &open(7, g, 0)), Some(at));
        // After a lap, a later one; after a reset, 0.
        assert_eq!(next_header(&input, &open(5, g, 0)), Some(17));
        assert_eq!(next_header(&header(0, g), &open(9, g, 0)), Some(0));
        // A reset inside sub-buffer 0: the next generation's sub-buffer 0.
        assert_eq!(next_header(&header(0, g), &open(0, g, 0)), None);
        assert_eq!(next_header(&header(0, g), &open(0, g, 255)), Some(0));
        // Cut before its end: not found (the caller holds the tail back).
        let cut = &input[..at + HEADER_LEN - 1];
        assert_eq!(next_header(cut, &open(7, g, 0)), None);
        assert_eq!(next_header(b"", &open(7, g, 0)), None);
    }
}

/// The read loop against a simulated live buffer: the mapping is a shared
/// mapping of a temporary file the tests write as relay-rs would, and a pipe
/// carries what `read()` returns. Each test is a reset (or its effects) at a
/// point where the reader has state about the sub-buffer it is inside of.
#[cfg(test)]
mod live {
    use super::*;
    use kfiles_core::relay::{Geometry, OPEN};
    use std::os::{
        fd::{FromRawFd, OwnedFd},
        unix::fs::FileExt,
    };

    const SIZE: usize = 4096;

    struct Live {
        g: Geometry,
        path: PathBuf,
        buffer: File,
        to_reader: File,
        reader: CpuReader,
        out: Vec<u8>,
    }

    impl Live {
        fn new(read_size: usize) -> Self {
            let g = Geometry::new(SIZE, 4).unwrap();
            let path = std::env::temp_dir().join(format!(
                "relay-live-{}-{}",
                std::process::id(),
                fastrand::u64(..)
            ));
            let buffer = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .unwrap();
            buffer.set_len(g.buffer_len(1) as u64).unwrap();
            let map = Map::new(&buffer, g.buffer_len(1)).unwrap();
            let mut fds = [0; 2];
            // SAFETY: `fds` has room for the two descriptors.
            assert_eq!(
                unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK) },
                0
            );
            // SAFETY: pipe2() succeeded: both descriptors are open and ours.
            let (rx, tx) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            let reader = CpuReader {
                cpu: 0,
                path: path.clone(),
                file: File::from(rx),
                live: true,
                requested: Format::Headers,
                kind: Kind::Headers(StreamDecoder::new()),
                map: Some(map),
                buf: vec![0; read_size],
                runs: Vec::new(),
                record_bytes: 0,
                removed: false,
                carry: 0..0,
            };
            Self {
                g,
                path,
                buffer,
                to_reader: File::from(tx),
                reader,
                out: Vec::new(),
            }
        }

        /// The writer puts `bytes` at offset `at` of slot `slot`.
        fn put(&self, slot: usize, at: usize, bytes: &[u8]) {
            self.buffer
                .write_all_at(bytes, (slot * SIZE + at) as u64)
                .unwrap();
        }

        /// The writer puts a header into slot `slot`; returns its bytes.
        fn header(
            &self,
            slot: usize,
            padding: u32,
            sequence: u32,
            generation: u8,
        ) -> [u8; HEADER_LEN] {
            let header = SubbufHeader {
                padding,
                sequence,
                geometry: self.g,
                overwrite: false,
                generation,
            };
            let bytes = header.encode();
            self.put(slot, 0, &bytes);
            bytes
        }

        /// Bytes the next `read()` returns.
        fn returns(&mut self, bytes: &[u8]) {
            self.to_reader.write_all(bytes).unwrap();
        }

        /// One read of relay-read's, its records appended to `out`.
        fn read(&mut self) -> Result<(), Error> {
            if let Some(records) = self.reader.read()? {
                for run in records.iter() {
                    self.out.extend_from_slice(run);
                }
            }
            Ok(())
        }

        fn resets(&self) -> u64 {
            self.reader.decoder().unwrap().resets()
        }

        /// Sub-buffer 0 finished full of `a`, sub-buffer 1 open with `b`
        /// (at slot offset 24), both read.
        fn inside_subbuf1(&mut self, b: &[u8]) {
            let body0 = vec![b'a'; SIZE - HEADER_LEN];
            let h0 = self.header(0, 0, 0, 0);
            self.put(0, HEADER_LEN, &body0);
            let h1 = self.header(1, OPEN, 1, 0);
            self.put(1, HEADER_LEN, b);
            for bytes in [&h0[..], &body0, &h1, b] {
                self.returns(bytes);
            }
            self.read().unwrap();
        }

        /// The reset: sub-buffer 0 of generation 1, holding `records`, which
        /// the next read returns.
        fn reset_then(&mut self, records: &[u8]) {
            let h = self.header(0, OPEN, 0, 1);
            self.put(0, HEADER_LEN, records);
            self.returns(&h);
            self.returns(records);
        }
    }

    impl Drop for Live {
        fn drop(&mut self) {
            let _ = fs::remove_file(&self.path);
        }
    }

    fn a_subbuf() -> Vec<u8> {
        vec![b'a'; SIZE - HEADER_LEN]
    }

    #[test]
    fn reset_inside_open_subbuf0() {
        let mut live = Live::new(1 << 16);
        let h = live.header(0, OPEN, 0, 0);
        live.put(0, HEADER_LEN, b"before\n");
        live.returns(&h);
        live.returns(b"before\n");
        live.read().unwrap();
        live.reset_then(b"after\n");
        live.read().unwrap();
        assert_eq!(
            (live.out.as_slice(), live.resets()),
            (&b"before\nafter\n"[..], 1)
        );
    }

    /// Inside sub-buffer 1 after reading `read` of it, the writer adds
    /// `more` and finishes it, then the driver resets and writes "new\n".
    fn reset_inside_subbuf1_finished_meanwhile_after(read: &[u8], more: &[u8]) {
        let mut live = Live::new(1 << 16);
        live.inside_subbuf1(read);
        let records = read.len() + more.len();
        live.put(1, HEADER_LEN + read.len(), more);
        live.header(1, (SIZE - HEADER_LEN - records) as u32, 1, 0);
        live.header(2, OPEN, 2, 0);
        live.reset_then(b"new\n");
        live.read().unwrap();
        let mut want = a_subbuf();
        want.extend_from_slice(read);
        want.extend_from_slice(b"new\n");
        assert_eq!((&live.out[..], live.resets()), (&want[..], 1));
    }

    #[test]
    fn reset_inside_subbuf1_finished_meanwhile() {
        reset_inside_subbuf1_finished_meanwhile_after(b"bbbb", b"cccc");
        // One byte more, "K", the magic's first: comparing it alone with
        // the mapping would take the new header for its continuation.
        reset_inside_subbuf1_finished_meanwhile_after(b"abc", b"K");
    }

    #[test]
    fn reset_256_times_inside_open_subbuf0() {
        let mut live = Live::new(1 << 16);
        let h = live.header(0, OPEN, 0, 7);
        live.put(0, HEADER_LEN, b"before\n");
        live.returns(&h);
        live.returns(b"before\n");
        live.read().unwrap();
        // The same generation again: only the read's start tells.
        let h = live.header(0, OPEN, 0, 7);
        live.put(0, HEADER_LEN, b"after\n");
        live.returns(&h);
        live.returns(b"after\n");
        live.read().unwrap();
        assert_eq!(live.out, b"before\nafter\n");
    }

    #[test]
    fn reset_after_a_read_ended_inside_a_header() {
        let mut live = Live::new(SIZE + 10);
        let body0 = a_subbuf();
        let h0 = live.header(0, 0, 0, 0);
        live.put(0, HEADER_LEN, &body0);
        let h1 = live.header(1, OPEN, 1, 0);
        live.put(1, HEADER_LEN, b"bbbb");
        for bytes in [&h0[..], &body0, &h1[..10]] {
            live.returns(bytes);
        }
        // A full read: it ends 10 bytes into sub-buffer 1's header.
        live.read().unwrap();
        live.reset_then(b"new\n");
        live.read().unwrap();
        let mut want = body0;
        want.extend_from_slice(b"new\n");
        assert_eq!((&live.out[..], live.resets()), (&want[..], 1));
    }

    #[test]
    fn reset_inside_a_subbuf_read_finished() {
        let mut live = Live::new(1 << 16);
        let h0 = live.header(0, (SIZE - HEADER_LEN) as u32, 0, 0);
        let body1 = vec![b'b'; SIZE - HEADER_LEN];
        let h1 = live.header(1, 0, 1, 0);
        live.put(1, HEADER_LEN, &body1);
        live.returns(&h0);
        live.returns(&h1);
        // The read stops inside 1, whose header said finished.
        live.returns(&body1[..1000]);
        live.read().unwrap();
        live.reset_then(b"new\n");
        live.read().unwrap();
        let mut want = body1[..1000].to_vec();
        want.extend_from_slice(b"new\n");
        assert_eq!((&live.out[..], live.resets()), (&want[..], 1));
    }

    #[test]
    fn reset_after_bytes_held_back() {
        let mut live = Live::new(200);
        let h1 = live.header(1, OPEN, 1, 0);
        live.put(1, HEADER_LEN, &[b'b'; 250]);
        live.returns(&h1);
        live.returns(&[b'b'; 50]);
        live.read().unwrap();
        // The slot differs where the next read starts (as if rewritten after
        // it), so the reader looks for the sub-buffer's end in the stream; a
        // full read then holds its last 23 bytes back.
        live.put(1, HEADER_LEN + 50, b"x");
        live.returns(&[b'b'; 200]);
        live.read().unwrap();
        live.reset_then(b"new\n");
        live.read().unwrap();
        let mut want = vec![b'b'; 250];
        want.extend_from_slice(b"new\n");
        assert_eq!((&live.out[..], live.resets()), (&want[..], 1));
    }

    /// Sub-buffer 0 open with "x\n" read, then a record that starts with
    /// `header` (24 bytes that decode as a header of the channel) and goes
    /// on with `tail`, read on its own: records, all of them.
    fn header_looking_record(header: SubbufHeader, tail: &[u8]) -> Live {
        let mut live = Live::new(1 << 16);
        let h = live.header(0, OPEN, 0, 0);
        live.put(0, HEADER_LEN, b"x\n");
        live.returns(&h);
        live.returns(b"x\n");
        live.read().unwrap();
        let mut record = header.encode().to_vec();
        record.extend_from_slice(tail);
        live.put(0, HEADER_LEN + 2, &record);
        live.returns(&record);
        live.read().unwrap();
        live.put(0, HEADER_LEN + 2 + record.len(), b"more\n");
        live.returns(b"more\n");
        live.read().unwrap();
        let mut want = b"x\n".to_vec();
        want.extend_from_slice(&record);
        want.extend_from_slice(b"more\n");
        assert_eq!((&live.out[..], live.resets()), (&want[..], 0));
        live
    }

    #[test]
    fn records_that_look_like_a_header_at_a_read_start() {
        let g = Geometry::new(SIZE, 4).unwrap();
        let header = SubbufHeader {
            padding: OPEN,
            sequence: 1,
            geometry: g,
            overwrite: false,
            generation: 0,
        };
        header_looking_record(header, b"payload\n");
        // Finished, with a padding that would cut the records short.
        let finished = SubbufHeader {
            padding: (SIZE - HEADER_LEN - 4) as u32,
            ..header
        };
        header_looking_record(finished, b"payload-and-more\n");
        // Like a reset, and like another channel's mode.
        header_looking_record(
            SubbufHeader {
                sequence: 0,
                generation: 1,
                ..header
            },
            b"p\n",
        );
        header_looking_record(
            SubbufHeader {
                overwrite: true,
                ..header
            },
            b"p\n",
        );
    }

    fn overwriting(padding: u32, sequence: u32) -> SubbufHeader {
        let geometry = Geometry::new(SIZE, 4).unwrap();
        SubbufHeader {
            padding,
            sequence,
            geometry,
            overwrite: true,
            generation: 0,
        }
    }

    #[test]
    fn lap_inside_a_subbuf_whose_padding_was_learnt() {
        let mut live = Live::new(1 << 16);
        let h1 = overwriting(OPEN, 1).encode();
        live.put(1, 0, &h1);
        live.put(1, HEADER_LEN, b"bbbb");
        live.returns(&h1);
        live.returns(b"bbbb");
        live.read().unwrap();
        // The writer finishes 1 with 4 bytes more; the reader's look at the
        // slot before its next read finds it so ...
        live.put(1, HEADER_LEN + 4, b"cccc");
        live.put(
            1,
            0,
            &overwriting((SIZE - HEADER_LEN - 8) as u32, 1).encode(),
        );
        live.reader.peek_open_subbuf().unwrap();
        // ... then laps it: slots 2, 3, 0, 1 hold 6, 7, 4, 5, and read()
        // starts at 6.
        let h6 = overwriting((SIZE - HEADER_LEN - 3) as u32, 6).encode();
        live.put(2, 0, &h6);
        live.put(2, HEADER_LEN, b"six");
        let h7 = overwriting(OPEN, 7).encode();
        live.put(3, 0, &h7);
        live.put(3, HEADER_LEN, b"seven");
        live.put(1, 0, &overwriting(0, 5).encode());
        live.put(0, 0, &overwriting(0, 4).encode());
        for bytes in [&h6[..], b"six", &h7, b"seven"] {
            live.returns(bytes);
        }
        live.read().unwrap();
        let d = live.reader.decoder().unwrap();
        assert_eq!((&live.out[..], d.subbufs_lost()), (&b"bbbbsixseven"[..], 4));
    }

    #[test]
    fn lap_after_a_read_ended_inside_a_header() {
        let mut live = Live::new(SIZE + 10);
        let body = a_subbuf();
        let h1 = overwriting(0, 1).encode();
        live.put(1, 0, &h1);
        live.put(1, HEADER_LEN, &body);
        let h2 = overwriting(OPEN, 2).encode();
        live.put(2, 0, &h2);
        for bytes in [&h1[..], &body, &h2[..10]] {
            live.returns(bytes);
        }
        live.read().unwrap();
        let h9 = overwriting(OPEN, 9).encode();
        live.put(1, 0, &h9);
        live.put(1, HEADER_LEN, b"nine");
        live.returns(&h9);
        live.returns(b"nine");
        live.read().unwrap();
        let d = live.reader.decoder().unwrap();
        assert_eq!(
            (&live.out[SIZE - HEADER_LEN..], d.subbufs_lost()),
            (&b"nine"[..], 7)
        );
    }

    #[test]
    fn a_read_that_continues_is_taken_whole() {
        // The control: no reset, the sub-buffer's records go on.
        let mut live = Live::new(1 << 16);
        live.inside_subbuf1(b"bbbb");
        live.put(1, HEADER_LEN + 4, b"cccc");
        live.returns(b"cccc");
        live.read().unwrap();
        let mut want = a_subbuf();
        want.extend_from_slice(b"bbbbcccc");
        assert_eq!((&live.out[..], live.resets()), (&want[..], 0));
    }
}
