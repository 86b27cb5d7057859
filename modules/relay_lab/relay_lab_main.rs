// SPDX-License-Identifier: GPL-2.0

//! A test bench for relay-rs (not one of the article's demos): bulk bursts
//! for measurements, streams of probe records for loss tests, and writers in
//! interrupt context.
//!
//! Opens the relay channel `relay-lab/chan0` ... (4 KiB x 4 sub-buffers per
//! CPU by default; module parameters `subbuf_size`, `n_subbufs`, `overwrite`
//! and `task_only`, which makes the channel [`Writers::TaskOnly`], the
//! default; `global`: one buffer, `chan0`, for every CPU; `driver_header`:
//! every sub-buffer carries an 8-byte driver header after relay-rs's, the
//! CPU and the sub-buffer's number as little-endian `u32`s,
//! [`Callbacks::driver_header`]; `header=0`: no relay-rs sub-buffer
//! header, records from each sub-buffer's first byte as a C driver's
//! channel, [`Callbacks::HEADER`]) with these control files beside it:
//!
//! - `burst` (read, write): `[write|reserve|memcpy] COUNT SIZE` writes COUNT
//!   records of SIZE bytes with `Channel::write` or `Channel::reserve`, or
//!   copies them into a plain buffer of the size of one CPU's relay buffer at
//!   the places relay would put them (the physical limit), and times the
//!   loop. Each record starts with its 64-bit little-endian number and byte
//!   `i` after it is `i % 256`. Reading shows the last run.
//! - `stream` (write): `STREAM COUNT SIZE [write|reserve|mix]` writes the next
//!   COUNT probe records ([`kfiles_core::probe`]) of stream STREAM (below 64),
//!   SIZE bytes each, in the writing task; `mix` alternates the two methods.
//! - `streams` (read): `STREAM ATTEMPTED REFUSED` for every stream used, so a
//!   reader can account for every record.
//! - `timer` (write): `STREAM softirq|hardirq PERIOD_US SIZE [write|reserve|mix]`
//!   starts a timer on the writing task's CPU that writes one probe record of
//!   STREAM (SIZE at most 256) every PERIOD_US microseconds (at least 50), in
//!   that context;
//!   `stop` stops every timer.
//! - `refused`: `full N too_big N dropped N full_cpus CPU...|none`, the
//!   channel's own counts (`Channel::stats`) and `Channel::is_full`;
//! - `flush` (write `1`), `dropped` and `stats` (`subbufs N full N`, what the
//!   channel's hooks counted);
//! - `consume` (write): `CPU COUNT` tells relay that COUNT sub-buffers of CPU's
//!   buffer were consumed (`Channel::subbufs_consumed`);
//! - `nest` (read, write `1`): runs the calls that must be refused inside a
//!   reservation's `fill` (a write, another reservation, a flush) and shows
//!   what each returned.
//!
//! A second channel, `relay-lab/session0` ... (4 KiB x 4), holds the
//! records of a session the driver ends with `Channel::reset`, which needs
//! the channel to itself (`&mut`): its writers take a mutex. Its control
//! file `session-ctl` (write) takes `write TEXT`, which writes TEXT and a
//! newline as one record on the writing task's CPU, `line CHAR LEN`, which
//! writes LEN copies of CHAR and a newline so, and `reset`.

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use debugfs_rs::{seq_print, Dir, File, SeqFile};
use kernel::{new_mutex, prelude::*, sync::Arc, sync::Mutex};
use kfiles_attr::{parse_int, ReadCallback, ReadFn, ReadWriteCallback, Store, WriteFn};
use kfiles_core::probe;
use periodic_work::{IrqContext, IrqTick, IrqTimer};
use relay_rs::{
    Callbacks, Channel, Committed, Geometry, Mode, Reservation, Stats as Refused, Writers,
};

kfiles_compat::module! {
    type: RelayLab,
    name: "relay_lab",
    authors: ["kfiles-rs developers"],
    description: "relay-rs test bench: bursts, probe streams, interrupt-context writers",
    license: "GPL",
}

kfiles_compat::module_params! {
    /// Bytes per sub-buffer, header included.
    subbuf_size: usize = 4096;
    /// Sub-buffers per CPU.
    n_subbufs: usize = 4;
    /// Overwrite the oldest data when a buffer is full (default: drop new data).
    overwrite: bool = false;
    /// Writers run in task context only (Writers::TaskOnly); 0: any context.
    task_only: bool = true;
    /// One buffer for every CPU (Builder::global).
    global: bool = false;
    /// An 8-byte driver header in every sub-buffer: CPU and sub-buffer number.
    driver_header: bool = false;
    /// relay-rs's sub-buffer header (0: records from each sub-buffer's start).
    header: bool = true;
}

/// Streams of probe records.
const MAX_STREAMS: usize = 64;
/// Timers running at once.
const MAX_TIMERS: usize = 8;
/// Largest probe record a timer writes (built on its stack).
const MAX_TIMER_RECORD: usize = 256;
/// Shortest timer period in microseconds (shorter ones starve the guest).
const MIN_TIMER_PERIOD_US: u32 = 50;
/// Most records one burst writes.
const MAX_BURST: u64 = 1 << 22;

/// The channel's hooks: counts what relay reports.
#[derive(Default)]
struct Stats {
    subbufs: AtomicU64,
    full: AtomicU64,
}

impl Callbacks for Stats {
    fn buffer_full(&self, _cpu: u32) {
        self.full.fetch_add(1, Relaxed);
    }

    fn subbuf_start(&self, _cpu: u32, _sequence: u32) -> bool {
        self.subbufs.fetch_add(1, Relaxed);
        true
    }
}

/// The hooks of a channel with a driver header: [`Stats`]'s, and the CPU
/// and the sub-buffer's number (little-endian `u32`s) as its header.
#[derive(Default)]
struct Tagged(Stats);

impl Callbacks for Tagged {
    const DRIVER_HEADER: usize = 8;

    fn buffer_full(&self, cpu: u32) {
        self.0.buffer_full(cpu);
    }

    fn subbuf_start(&self, cpu: u32, sequence: u32) -> bool {
        self.0.subbuf_start(cpu, sequence)
    }

    fn driver_header(&self, cpu: u32, sequence: u32, header: &mut [u8]) {
        // `header` is exactly `DRIVER_HEADER` bytes.
        header[..4].copy_from_slice(&cpu.to_le_bytes());
        header[4..].copy_from_slice(&sequence.to_le_bytes());
    }
}

/// The hooks of a channel without relay-rs's sub-buffer header: [`Stats`]'s.
#[derive(Default)]
struct Bare(Stats);

impl Callbacks for Bare {
    const HEADER: bool = false;

    fn buffer_full(&self, cpu: u32) {
        self.0.buffer_full(cpu);
    }

    fn subbuf_start(&self, cpu: u32, sequence: u32) -> bool {
        self.0.subbuf_start(cpu, sequence)
    }
}

/// The lab's channel, with or without a driver header or relay-rs's header
/// (both constants of the hooks' type).
enum LabChannel {
    Plain(Channel<Stats>),
    Tagged(Channel<Tagged>),
    Bare(Channel<Bare>),
}

/// Runs `$e` with `$c` bound to the channel, whichever its hooks.
macro_rules! on_channel {
    ($channel:expr, $c:ident => $e:expr) => {
        match $channel {
            LabChannel::Plain($c) => $e,
            LabChannel::Tagged($c) => $e,
            LabChannel::Bare($c) => $e,
        }
    };
}

impl LabChannel {
    fn write(&self, record: &[u8]) -> Result {
        on_channel!(self, c => c.write(record))
    }

    fn reserve(&self, len: usize, fill: impl FnOnce(Reservation<'_>) -> Committed) -> Result {
        on_channel!(self, c => c.reserve(len, fill))
    }

    fn flush(&self) -> Result {
        on_channel!(self, c => c.flush())
    }

    fn subbufs_consumed(&self, cpu: u32, count: usize) -> Result {
        on_channel!(self, c => c.subbufs_consumed(cpu, count))
    }

    fn max_record(&self) -> usize {
        on_channel!(self, c => c.max_record())
    }

    fn geometry(&self) -> Geometry {
        on_channel!(self, c => c.geometry())
    }

    fn dropped(&self) -> u64 {
        on_channel!(self, c => c.dropped())
    }

    fn stats(&self) -> Refused {
        on_channel!(self, c => c.stats())
    }

    fn is_full(&self, cpu: u32) -> Result<bool> {
        on_channel!(self, c => c.is_full(cpu))
    }

    /// What the hooks counted.
    fn hooks(&self) -> &Stats {
        match self {
            Self::Plain(c) => c.callbacks(),
            Self::Tagged(c) => &c.callbacks().0,
            Self::Bare(c) => &c.callbacks().0,
        }
    }
}

/// Per probe stream: records numbered so far, and how many were refused.
#[derive(Default)]
struct Stream {
    attempted: AtomicU64,
    refused: AtomicU64,
}

/// How records are written.
#[derive(Clone, Copy, PartialEq)]
enum Method {
    Write,
    Reserve,
    /// `Reserve` for odd sequence numbers, `Write` for even ones.
    Mix,
    /// Bursts only: a plain `memcpy`, for the physical limit.
    Memcpy,
}

impl Method {
    fn parse(word: Option<&[u8]>) -> Result<Self> {
        match word {
            None | Some(b"write") => Ok(Self::Write),
            Some(b"reserve") => Ok(Self::Reserve),
            Some(b"mix") => Ok(Self::Mix),
            _ => Err(EINVAL),
        }
    }
}

#[derive(Default)]
struct BurstResult {
    records: AtomicU64,
    bytes: AtomicU64,
    dropped: AtomicU64,
    nanos: AtomicI64,
}

struct Lab {
    channel: LabChannel,
    streams: [Stream; MAX_STREAMS],
    last_burst: BurstResult,
    /// Errnos of the calls made inside a `fill` by `nest` (0: succeeded).
    nested: [AtomicI64; 3],
}

/// The words of a command, without its trailing newline.
fn words(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    let input = input.strip_suffix(b"\n").unwrap_or(input);
    input.split(|&b| b == b' ').filter(|w| !w.is_empty())
}

impl Lab {
    /// Writes one record with `method` (never `Memcpy`).
    fn put(&self, record: &[u8], method: Method, seq: u64) -> Result {
        on_channel!(&self.channel, c => put_on(c, record, method, seq))
    }

    /// Writes the next probe record of `stream`, built in `record` (whose
    /// length is the record's).
    fn probe(&self, stream: usize, record: &mut [u8], method: Method) {
        let Some(counts) = self.streams.get(stream) else {
            return;
        };
        let seq = counts.attempted.fetch_add(1, Relaxed);
        let ok = probe::encode(record, stream as u32, seq).is_ok()
            && self.put(record, method, seq).is_ok();
        if !ok {
            counts.refused.fetch_add(1, Relaxed);
        }
    }

    /// Runs a `stream` command: `STREAM COUNT SIZE [write|reserve|mix]`.
    fn stream(&self, input: &[u8]) -> Result {
        let mut words = words(input);
        let (Some(stream), Some(count), Some(size)) = (words.next(), words.next(), words.next())
        else {
            return Err(EINVAL);
        };
        let method = Method::parse(words.next())?;
        let (stream, count, size): (usize, u64, usize) =
            (parse_int(stream)?, parse_int(count)?, parse_int(size)?);
        if words.next().is_some()
            || stream >= MAX_STREAMS
            || count > MAX_BURST
            || size < probe::PROBE_HEADER_LEN
            || size > self.channel.max_record()
        {
            return Err(EINVAL);
        }
        let mut record = KVec::from_elem(0u8, size, GFP_KERNEL)?;
        for _ in 0..count {
            self.probe(stream, &mut record, method);
        }
        Ok(())
    }

    /// Runs the calls that must be refused inside a reservation's `fill`.
    fn nest(&self) -> Result {
        let errno = |r: Result| r.err().map_or(0, |e| i64::from(e.to_errno()));
        let mut results = [0; 3];
        self.channel.reserve(64, |mut slot| {
            results[0] = errno(self.channel.write(&[0; 32]));
            results[1] = errno(self.channel.reserve(32, |s| s.commit()));
            results[2] = errno(self.channel.flush());
            let _ = slot.put(&[0; 64]);
            slot.commit()
        })?;
        for (stored, r) in self.nested.iter().zip(results) {
            stored.store(r, Relaxed);
        }
        Ok(())
    }

    /// Runs a `consume` command: `CPU COUNT`.
    fn consume(&self, input: &[u8]) -> Result {
        let mut words = words(input);
        let (Some(cpu), Some(count), None) = (words.next(), words.next(), words.next()) else {
            return Err(EINVAL);
        };
        self.channel
            .subbufs_consumed(parse_int(cpu)?, parse_int(count)?)
    }

    /// Runs a burst request: `[write|reserve|memcpy] COUNT SIZE`.
    fn burst(&self, input: &[u8]) -> Result {
        let mut words = words(input).peekable();
        let named = match words.peek().copied() {
            Some(b"write") => Some(Method::Write),
            Some(b"reserve") => Some(Method::Reserve),
            Some(b"memcpy") => Some(Method::Memcpy),
            _ => None,
        };
        if named.is_some() {
            words.next();
        }
        let method = named.unwrap_or(Method::Write);
        let (Some(count), Some(size), None) = (words.next(), words.next(), words.next()) else {
            return Err(EINVAL);
        };
        let count: u64 = parse_int(count)?;
        let size: usize = parse_int(size)?;
        if count > MAX_BURST || size < 8 || size > self.channel.max_record() {
            return Err(EINVAL);
        }
        let mut record = KVec::from_elem(0u8, size, GFP_KERNEL)?;
        for (i, byte) in record.iter_mut().enumerate().skip(8) {
            *byte = i as u8;
        }
        let geometry = self.channel.geometry();
        let mut ring = match method {
            Method::Memcpy => VVec::from_elem(
                0u8,
                geometry.subbuf_size() * geometry.n_subbufs(),
                GFP_KERNEL,
            )?,
            _ => VVec::new(),
        };
        let records_at = geometry.records_offset(module_params::header.get());
        let dropped_before = self.channel.dropped();
        let start = kfiles_compat::monotonic_ns();
        // One loop per method and channel type, as lean as the C twin's:
        // the ratio measures the writes, not the bench.
        match method {
            Method::Memcpy => copy_burst(&mut ring, &mut record, count, geometry, records_at),
            _ => on_channel!(&self.channel, c => write_burst(c, &mut record, count, method)),
        }
        let nanos = kfiles_compat::monotonic_ns() - start;
        let r = &self.last_burst;
        r.records.store(count, Relaxed);
        r.bytes.store(count * size as u64, Relaxed);
        r.dropped
            .store(self.channel.dropped() - dropped_before, Relaxed);
        r.nanos.store(nanos, Relaxed);
        Ok(())
    }
}

/// Writes `count` copies of `record` (its first 8 bytes the sequence number)
/// with `method`, drops counted by the channel.
fn write_burst<C: Callbacks>(channel: &Channel<C>, record: &mut [u8], count: u64, method: Method) {
    for seq in 0..count {
        if let Some(head) = record.first_chunk_mut::<8>() {
            *head = seq.to_le_bytes();
        }
        let _ = put_on(channel, record, method, seq);
    }
}

/// Writes record `seq` into `channel` with `method` (`Mix`: reserves odd
/// sequence numbers); drops are counted by the channel.
// Always inline: a call per record would be the bench's cost, not relay-rs's.
#[inline(always)]
fn put_on<C: Callbacks>(channel: &Channel<C>, record: &[u8], method: Method, seq: u64) -> Result {
    let reserve = match method {
        Method::Reserve => true,
        Method::Mix => seq % 2 == 1,
        Method::Write | Method::Memcpy => false,
    };
    if reserve {
        channel.reserve(record.len(), |mut slot| {
            // The slot is exactly `record.len()` bytes: `put` cannot fail.
            let _ = slot.put(record);
            slot.commit()
        })
    } else {
        channel.write(record)
    }
}

/// Copies `count` copies of `record` into `ring` as a channel of `geometry`
/// would lay them out: the physical limit of a burst.
fn copy_burst(
    ring: &mut [u8],
    record: &mut [u8],
    count: u64,
    geometry: Geometry,
    records_at: usize,
) {
    let (subbuf_size, size) = (geometry.subbuf_size(), record.len());
    let (mut subbuf_start, mut at) = (0, records_at);
    for seq in 0..count {
        if let Some(head) = record.first_chunk_mut::<8>() {
            *head = seq.to_le_bytes();
        }
        if at + size > subbuf_size {
            subbuf_start += subbuf_size;
            if subbuf_start >= ring.len() {
                subbuf_start = 0;
            }
            at = records_at;
        }
        let dest = subbuf_start + at;
        if let Some(dest) = ring.get_mut(dest..dest + size) {
            dest.copy_from_slice(record);
        }
        at += size;
        core::hint::black_box(&mut *ring);
    }
}

/// A timer's work: one probe record per tick.
struct ProbeTick {
    lab: Arc<Lab>,
    stream: usize,
    len: usize,
    method: Method,
}

impl IrqTick for ProbeTick {
    fn tick(&self) {
        let mut record = [0u8; MAX_TIMER_RECORD];
        if let Some(record) = record.get_mut(..self.len) {
            self.lab.probe(self.stream, record, self.method);
        }
    }
}

type Timers = Mutex<KVec<Pin<KBox<IrqTimer<ProbeTick>>>>>;

/// The `timer` control file.
struct TimerControl {
    lab: Arc<Lab>,
    timers: Arc<Timers>,
}

impl Store for TimerControl {
    fn set_from(&self, input: &[u8]) -> Result {
        let mut words = words(input);
        let first = words.next();
        if first == Some(b"stop") {
            if words.next().is_some() {
                return Err(EINVAL);
            }
            // Cancelled (and waited for) as they drop, outside the lock.
            let stopped = core::mem::take(&mut *self.timers.lock());
            drop(stopped);
            return Ok(());
        }
        let (Some(stream), Some(context), Some(period), Some(size)) =
            (first, words.next(), words.next(), words.next())
        else {
            return Err(EINVAL);
        };
        let context = match context {
            b"softirq" => IrqContext::Softirq,
            b"hardirq" => IrqContext::Hardirq,
            _ => return Err(EINVAL),
        };
        let method = Method::parse(words.next())?;
        let (stream, period, size): (usize, u32, usize) =
            (parse_int(stream)?, parse_int(period)?, parse_int(size)?);
        if words.next().is_some()
            || stream >= MAX_STREAMS
            || period < MIN_TIMER_PERIOD_US
            || !(probe::PROBE_HEADER_LEN..=MAX_TIMER_RECORD).contains(&size)
            || size > self.lab.channel.max_record()
        {
            return Err(EINVAL);
        }
        let mut timers = self.timers.lock();
        if timers.len() >= MAX_TIMERS {
            return Err(ENOSPC);
        }
        let tick = ProbeTick {
            lab: self.lab.clone(),
            stream,
            len: size,
            method,
        };
        let timer = KBox::pin_init(IrqTimer::new(tick, period, context), GFP_KERNEL)?;
        // On this CPU: the writing task's (pin it with taskset).
        timer.as_ref().start();
        timers.push(timer, GFP_KERNEL)?;
        Ok(())
    }
}

/// The `session` channel (see the module docs).
type Session = Mutex<Channel<Stats>>;

/// The `session-ctl` control file: `write TEXT`, `line CHAR LEN` or
/// `reset`.
struct SessionControl(Arc<Session>);

impl Store for SessionControl {
    fn set_from(&self, input: &[u8]) -> Result {
        let input = input.strip_suffix(b"\n").unwrap_or(input);
        if input == b"reset" {
            return self.0.lock().reset();
        }
        let mut record = KVec::new();
        if let Some(text) = input.strip_prefix(b"write ") {
            record.extend_from_slice(text, GFP_KERNEL)?;
        } else if let Some(args) = input.strip_prefix(b"line ") {
            let mut words = words(args);
            let (Some(&[byte]), Some(len), None) = (words.next(), words.next(), words.next())
            else {
                return Err(EINVAL);
            };
            let len: usize = parse_int(len)?;
            if len >= self.0.lock().max_record() {
                return Err(EINVAL);
            }
            record.extend_with(len, byte, GFP_KERNEL)?;
        } else {
            return Err(EINVAL);
        }
        record.push(b'\n', GFP_KERNEL)?;
        self.0.lock().write(&record)
    }
}

/// A control file whose writes run `action` on the lab.
struct Command {
    lab: Arc<Lab>,
    action: fn(&Lab, &[u8]) -> Result,
}

impl Store for Command {
    fn set_from(&self, input: &[u8]) -> Result {
        (self.action)(&self.lab, input)
    }
}

fn flush(lab: &Lab, input: &[u8]) -> Result {
    match parse_int::<u32>(input)? {
        1 => lab.channel.flush(),
        _ => Err(EINVAL),
    }
}

fn nest(lab: &Arc<Lab>, input: &[u8]) -> Result {
    match parse_int::<u32>(input)? {
        1 => lab.nest(),
        _ => Err(EINVAL),
    }
}

fn show_nest(lab: &Arc<Lab>, m: &SeqFile) -> Result {
    let [w, r, f] = &lab.nested;
    seq_print!(
        m,
        "write {} reserve {} flush {}\n",
        w.load(Relaxed),
        r.load(Relaxed),
        f.load(Relaxed)
    );
    Ok(())
}

fn show_dropped(lab: &Arc<Lab>, m: &SeqFile) -> Result {
    seq_print!(m, "{}\n", lab.channel.dropped());
    Ok(())
}

/// The channel's own count of refusals, by reason, and the CPUs whose
/// buffer has no sub-buffer left (`relay_stats()`, `relay_buf_full()`).
fn show_refused(lab: &Arc<Lab>, m: &SeqFile) -> Result {
    let stats = lab.channel.stats();
    seq_print!(
        m,
        "full {} too_big {} dropped {} full_cpus",
        stats.buffer_full,
        stats.too_big,
        stats.dropped
    );
    let mut none = true;
    // (CPUs that are not possible fail with `EINVAL`.)
    for cpu in 0..1024 {
        if lab.channel.is_full(cpu) == Ok(true) {
            seq_print!(m, " {}", cpu);
            none = false;
        }
    }
    if none {
        seq_print!(m, " none");
    }
    seq_print!(m, "\n");
    Ok(())
}

fn show_stats(lab: &Arc<Lab>, m: &SeqFile) -> Result {
    let stats = lab.channel.hooks();
    seq_print!(
        m,
        "subbufs {} full {}\n",
        stats.subbufs.load(Relaxed),
        stats.full.load(Relaxed)
    );
    Ok(())
}

fn show_streams(lab: &Arc<Lab>, m: &SeqFile) -> Result {
    for (i, s) in lab.streams.iter().enumerate() {
        let attempted = s.attempted.load(Relaxed);
        if attempted > 0 {
            seq_print!(m, "{} {} {}\n", i, attempted, s.refused.load(Relaxed));
        }
    }
    Ok(())
}

fn show_burst(lab: &Arc<Lab>, m: &SeqFile) -> Result {
    let r = &lab.last_burst;
    seq_print!(
        m,
        "records {} bytes {} dropped {} ns {}\n",
        r.records.load(Relaxed),
        r.bytes.load(Relaxed),
        r.dropped.load(Relaxed),
        r.nanos.load(Relaxed)
    );
    Ok(())
}

fn run_burst(lab: &Arc<Lab>, input: &[u8]) -> Result {
    lab.burst(input)
}

type Show = ReadFn<Arc<Lab>>;
type Run = WriteFn<Arc<Lab>>;

#[pin_data]
struct Controls {
    #[pin]
    stream: File<Command>,
    #[pin]
    flush: File<Command>,
    #[pin]
    consume: File<Command>,
    #[pin]
    timer: File<TimerControl>,
    #[pin]
    nest: File<ReadWriteCallback<Arc<Lab>, Show, Run>>,
    #[pin]
    streams: File<ReadCallback<Arc<Lab>, Show>>,
    #[pin]
    dropped: File<ReadCallback<Arc<Lab>, Show>>,
    #[pin]
    stats: File<ReadCallback<Arc<Lab>, Show>>,
    #[pin]
    refused: File<ReadCallback<Arc<Lab>, Show>>,
    #[pin]
    burst: File<ReadWriteCallback<Arc<Lab>, Show, Run>>,
    #[pin]
    session: File<SessionControl>,
}

struct RelayLab {
    // Dropped in this order: the control files (waiting for writes in
    // progress), the timers (cancelled and waited for), then the channels.
    _controls: Pin<KBox<Controls>>,
    _timers: Arc<Timers>,
    _lab: Arc<Lab>,
    _session: Arc<Session>,
}

impl kernel::Module for RelayLab {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c"relay-lab");
        let mode = if module_params::overwrite.get() {
            Mode::Overwrite
        } else {
            Mode::NoOverwrite
        };
        let writers = if module_params::task_only.get() {
            Writers::TaskOnly
        } else {
            Writers::Any
        };
        let mut builder = Channel::builder(c"chan", &dir)
            .subbufs(
                module_params::subbuf_size.get(),
                module_params::n_subbufs.get(),
            )
            .mode(mode)
            .writers(writers);
        if module_params::global.get() {
            builder = builder.global();
        }
        let channel = match (
            module_params::header.get(),
            module_params::driver_header.get(),
        ) {
            (true, true) => LabChannel::Tagged(builder.open(Tagged::default())?),
            (true, false) => LabChannel::Plain(builder.open(Stats::default())?),
            (false, false) => LabChannel::Bare(builder.open(Bare::default())?),
            // A driver header without relay-rs's comes back among the
            // records: nothing the lab's readers could check.
            (false, true) => return Err(EINVAL),
        };
        let lab = Arc::new(
            Lab {
                channel,
                streams: core::array::from_fn(|_| Stream::default()),
                last_burst: BurstResult::default(),
                nested: Default::default(),
            },
            GFP_KERNEL,
        )?;
        let timers = Arc::pin_init(new_mutex!(KVec::new()), GFP_KERNEL)?;
        let session = Channel::builder(c"session", &dir)
            .subbufs(4096, 4)
            .open(Stats::default())?;
        let session = Arc::pin_init(new_mutex!(session), GFP_KERNEL)?;
        let session_control = SessionControl(session.clone());
        let stream = Command {
            lab: lab.clone(),
            action: Lab::stream,
        };
        let flush = Command {
            lab: lab.clone(),
            action: flush,
        };
        let consume = Command {
            lab: lab.clone(),
            action: Lab::consume,
        };
        let timer = TimerControl {
            lab: lab.clone(),
            timers: timers.clone(),
        };
        let (for_streams, for_dropped, for_stats, for_refused, for_burst, for_nest) = (
            lab.clone(),
            lab.clone(),
            lab.clone(),
            lab.clone(),
            lab.clone(),
            lab.clone(),
        );
        let controls = KBox::pin_init(
            try_pin_init!(Controls {
                stream <- dir.write_only_file(c"stream", 0o200, stream),
                flush <- dir.write_only_file(c"flush", 0o200, flush),
                consume <- dir.write_only_file(c"consume", 0o200, consume),
                timer <- dir.write_only_file(c"timer", 0o200, timer),
                nest <- dir.read_write_callback_file(
                    c"nest",
                    0o600,
                    for_nest,
                    show_nest as Show,
                    nest as Run,
                ),
                streams <- dir.read_callback_file(c"streams", 0o444, for_streams, show_streams as Show),
                dropped <- dir.read_callback_file(c"dropped", 0o444, for_dropped, show_dropped as Show),
                stats <- dir.read_callback_file(c"stats", 0o444, for_stats, show_stats as Show),
                refused <- dir.read_callback_file(c"refused", 0o444, for_refused, show_refused as Show),
                burst <- dir.read_write_callback_file(
                    c"burst",
                    0o600,
                    for_burst,
                    show_burst as Show,
                    run_burst as Run,
                ),
                session <- dir.write_only_file(c"session-ctl", 0o200, session_control),
            }),
            GFP_KERNEL,
        )?;
        Ok(RelayLab {
            _controls: controls,
            _timers: timers,
            _lab: lab,
            _session: session,
        })
    }
}
