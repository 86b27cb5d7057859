// SPDX-License-Identifier: GPL-2.0

//! The relay demo of the article, rebuilt on relay-rs.
//!
//! Opens the relay channel `relay-exam/example0` ... (one file per CPU, in
//! debugfs), 64 KiB x 4 sub-buffers by default, in no-overwrite mode, and
//! writes a snapshot of the process list into it every `period_secs` seconds
//! (60 by default, as in the article; 0 disables the timer) and whenever `1`
//! is written to `relay-exam/snapshot`:
//!
//! ```text
//! Current all the processes:
//! process name<TAB><TAB>pid
//! init<TAB><TAB>1
//! ...
//! <blank line>
//! ```
//!
//! ```text
//! # insmod relay_exam.ko period_secs=0
//! # echo 1 > /sys/kernel/debug/relay-exam/snapshot
//! # relay-read /sys/kernel/debug/relay-exam/example
//! Current all the processes:
//! ...
//! ```
//!
//! Each sub-buffer starts with relay-rs's header (its padding once finished),
//! which `relay-read` strips; plain `cat` of `example0` shows it too.
//!
//! Beyond the article: `dropped` (records refused because the buffer was
//! full), `stats` (`subbufs N full N`: sub-buffers started and refusals
//! because a buffer was full, counted by the channel's
//! [`relay_rs::Callbacks`]) and `flush` (writing `1` finishes every CPU's
//! current sub-buffer). The relay-rs test bench with bulk writes and loss
//! tests is `relay_lab`.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use debugfs_rs::{seq_print, Align, Dir, File, Line};
use kernel::{prelude::*, sync::Arc};
use kfiles_attr::{parse_int, ReadCallback, ReadFn, Store};
use periodic_work::{PeriodicWork, Tick};
use relay_rs::{Callbacks, Channel, Mode, Writers};

kfiles_compat::module! {
    type: RelayExam,
    name: "relay_exam",
    authors: ["kfiles-rs developers"],
    description: "relay demo: process snapshots in the relay channel relay-exam/example",
    license: "GPL",
}

kfiles_compat::module_params! {
    /// Bytes per sub-buffer, header included.
    subbuf_size: usize = 65536;
    /// Sub-buffers per CPU.
    n_subbufs: usize = 4;
    /// Overwrite the oldest data when a buffer is full (default: drop new data).
    overwrite: bool = false;
    /// Seconds between process snapshots; 0 disables the timer.
    period_secs: u32 = 60;
}

/// Largest record a snapshot is cut into (at line boundaries).
const SNAPSHOT_CHUNK: usize = 32 * 1024;

struct Exam {
    channel: Channel<Stats>,
}

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

impl Exam {
    /// Writes one process snapshot, as whole records of whole lines.
    fn snapshot(&self) -> Result {
        let chunk = SNAPSHOT_CHUNK.min(self.channel.max_record());
        let mut out = Chunks {
            channel: &self.channel,
            buf: KVec::from_elem(0u8, chunk, GFP_KERNEL)?,
            len: 0,
            result: Ok(()),
        };
        out.append(b"Current all the processes:\nprocess name\t\tpid\n");
        process_list::for_each_process(|p| {
            // `comm\t\tpid\n`: a comm is at most 15 bytes and a pid 11, so
            // it always fits.
            let mut line = Line::<48>::new();
            line.text(p.comm().as_bytes(), 0, Align::Left)
                .text(b"\t\t", 0, Align::Left)
                .signed(p.pid().into(), 0, Align::Left)
                .byte(b'\n');
            out.append(line.as_bytes());
        });
        out.append(b"\n");
        out.finish()
    }
}

/// Snapshot text cut into records of whole lines, at most `buf.len()` bytes
/// each. Appending never allocates (it runs under the RCU read lock).
struct Chunks<'a> {
    channel: &'a Channel<Stats>,
    buf: KVec<u8>,
    len: usize,
    result: Result,
}

impl Chunks<'_> {
    fn append(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.write_out();
        }
        // Lines are far shorter than a chunk.
        if let Some(dest) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dest.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    fn write_out(&mut self) {
        if self.len > 0 {
            self.result = self.result.and(self.channel.write(&self.buf[..self.len]));
            self.len = 0;
        }
    }

    fn finish(mut self) -> Result {
        self.write_out();
        self.result
    }
}

/// The `snapshot` and `flush` control files: writing `1` acts.
struct Command {
    exam: Arc<Exam>,
    action: fn(&Exam) -> Result,
}

impl Store for Command {
    fn set_from(&self, input: &[u8]) -> Result {
        match parse_int::<u32>(input)? {
            1 => (self.action)(&self.exam),
            _ => Err(EINVAL),
        }
    }
}

/// Snapshots on the timer.
struct Snapshotter(Arc<Exam>);

impl Tick for Snapshotter {
    fn tick(&self) {
        // A snapshot that did not fit is counted in `dropped`.
        let _ = self.0.snapshot();
    }
}

type Show = ReadFn<Arc<Exam>>;

#[pin_data]
struct Controls {
    #[pin]
    snapshot: File<Command>,
    #[pin]
    flush: File<Command>,
    #[pin]
    dropped: File<ReadCallback<Arc<Exam>, Show>>,
    #[pin]
    stats: File<ReadCallback<Arc<Exam>, Show>>,
}

fn show_dropped(exam: &Arc<Exam>, m: &debugfs_rs::SeqFile) -> Result {
    seq_print!(m, "{}\n", exam.channel.dropped());
    Ok(())
}

fn show_stats(exam: &Arc<Exam>, m: &debugfs_rs::SeqFile) -> Result {
    let stats = exam.channel.callbacks();
    seq_print!(
        m,
        "subbufs {} full {}\n",
        stats.subbufs.load(Relaxed),
        stats.full.load(Relaxed)
    );
    Ok(())
}

struct RelayExam {
    // Dropped in this order: the control files (waiting for writes in
    // progress), the timer (cancelled and waited for), then the channel.
    _controls: Pin<KBox<Controls>>,
    _timer: Option<Pin<KBox<PeriodicWork<Snapshotter>>>>,
    _exam: Arc<Exam>,
}

impl kernel::Module for RelayExam {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c"relay-exam");
        let mode = if module_params::overwrite.get() {
            Mode::Overwrite
        } else {
            Mode::NoOverwrite
        };
        let channel = Channel::builder(c"example", &dir)
            .subbufs(
                module_params::subbuf_size.get(),
                module_params::n_subbufs.get(),
            )
            .mode(mode)
            // Only the timer's work item and file writes write: task context.
            .writers(Writers::TaskOnly)
            .open(Stats::default())?;
        let geometry = channel.geometry();
        let exam = Arc::new(Exam { channel }, GFP_KERNEL)?;
        let snapshot = Command {
            exam: exam.clone(),
            action: Exam::snapshot,
        };
        let flush = Command {
            exam: exam.clone(),
            action: |e| e.channel.flush(),
        };
        let (for_dropped, for_stats) = (exam.clone(), exam.clone());
        let controls = KBox::pin_init(
            try_pin_init!(Controls {
                snapshot <- dir.write_only_file(c"snapshot", 0o200, snapshot),
                flush <- dir.write_only_file(c"flush", 0o200, flush),
                dropped <- dir.read_callback_file(c"dropped", 0o444, for_dropped, show_dropped as Show),
                stats <- dir.read_callback_file(c"stats", 0o444, for_stats, show_stats as Show),
            }),
            GFP_KERNEL,
        )?;
        let period = module_params::period_secs.get();
        let timer = if period > 0 {
            let timer = KBox::pin_init(
                PeriodicWork::new(Snapshotter(exam.clone()), period.saturating_mul(1000)),
                GFP_KERNEL,
            )?;
            timer.as_ref().start();
            Some(timer)
        } else {
            None
        };
        let mode_name = match mode {
            Mode::Overwrite => "overwrite",
            Mode::NoOverwrite => "no-overwrite",
        };
        pr_info!(
            "relay-exam/example* with {} x {} bytes, {}, snapshot every {} s\n",
            geometry.n_subbufs(),
            geometry.subbuf_size(),
            mode_name,
            period
        );
        Ok(RelayExam {
            _controls: controls,
            _timer: timer,
            _exam: exam,
        })
    }
}
