// SPDX-License-Identifier: GPL-2.0

//! A template for drivers: the files a real driver has, on procfs-rs and
//! debugfs-rs, with no `unsafe`. Copy it and rename.
//!
//! The driver is a pretend sensor. Samples written to `sample` that exceed
//! `threshold` become events; each reader of `events` follows them with a
//! cursor of its own, blocks until the next one (or gets `EAGAIN` with
//! `O_NONBLOCK`) and can `poll()` for it. debugfs shows the counters and a
//! 64-byte register image that `pread()`/`pwrite()` reach at any offset
//! below 64 (`ENOSPC` at and past the end).
//!
//! ```text
//! /proc/kfiles_template/threshold        rw  "100\n"; samples above it are events
//! /proc/kfiles_template/sample           w   one sample per write, e.g. "250"
//! /proc/kfiles_template/events           r   "SEQ VALUE\n" per event, a stream
//! /sys/kernel/debug/kfiles_template/stats  r  "samples N\nevents M\n"
//! /sys/kernel/debug/kfiles_template/regs   rw 64 bytes at offsets 0..64
//! ```
//!
//! What it shows:
//!
//! - one state shared by many files: [`Sensor`] lives in an `Arc`; each file
//!   system has a `Scope` over a clone, whose files borrow the state's fields
//!   and are removed before the scope drops its clone;
//! - a per-open cursor (`PerOpenOps::State`), a blocking read, `poll()`;
//! - binary content at offsets (`ReadBuf::serve`, `WriteBuf::store_into`,
//!   `Seek::Within`);
//! - values parsed as C's `kstrtou32()` would (`Store`, `parse_int`).
//!
//! modules/kfiles_template_c is the same driver in C, for the differential
//! tests.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::{
    new_mutex, new_spinlock,
    prelude::*,
    sync::{Arc, Mutex, SpinLock},
};
use procfs_rs::{
    parse_int, seq_print, Align, EventQueue, FileOps, Line, Mode, PerOpenOps, PollEvents, ReadBuf,
    Seek, SeqFile, Show, Store, WriteBuf,
};

kfiles_compat::module! {
    type: Template,
    name: "kfiles_template",
    authors: ["kfiles-rs developers"],
    description: "Template driver: shared state, per-open cursors, poll and binary files",
    license: "GPL",
}

/// How many events the ring keeps; older ones are overwritten.
const RING: usize = 64;
/// The size of the register image.
const REGS: usize = 64;
/// The longest line of `events`: a `u64`, a space, a `u32`, a newline.
const LINE: usize = 20 + 1 + 10 + 1;

/// A sample above the threshold.
#[derive(Clone, Copy, Default)]
struct Event {
    seq: u64,
    value: u32,
}

/// The last [`RING`] events.
struct Ring {
    slots: [Event; RING],
    /// The sequence number the next event gets.
    next: u64,
}

impl Ring {
    fn oldest(&self) -> u64 {
        self.next.saturating_sub(RING as u64)
    }

    /// The event `seq`, or the oldest one kept if `seq` was overwritten;
    /// `None` if it has not happened yet.
    fn at_or_after(&self, seq: u64) -> Option<Event> {
        let seq = seq.max(self.oldest());
        (seq < self.next).then(|| self.slots[seq as usize % RING])
    }
}

/// The events, and the queue their readers wait on.
#[pin_data]
struct Events {
    #[pin]
    ring: SpinLock<Ring>,
    /// `ring.next`, readable without the lock (readiness checks run while
    /// the reader is marked as sleeping).
    published: AtomicU64,
    #[pin]
    queue: EventQueue,
}

impl Events {
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            ring <- new_spinlock!(Ring { slots: [Event::default(); RING], next: 0 }),
            published: AtomicU64::new(0),
            queue <- EventQueue::new(),
        })
    }

    /// Records `value` as the next event and wakes its readers and pollers.
    fn record(&self, value: u32) {
        let mut ring = self.ring.lock();
        let seq = ring.next;
        ring.slots[seq as usize % RING] = Event { seq, value };
        ring.next = seq + 1;
        self.published.store(seq + 1, Ordering::Release);
        drop(ring);
        self.queue.wake_all();
    }

    /// Whether there is an event at or after `seq`.
    fn has(&self, seq: u64) -> bool {
        self.published.load(Ordering::Acquire) > seq
    }
}

/// `events`: each open file reads the events from the oldest kept on, one
/// line each; a read waits for the next event.
impl PerOpenOps for Events {
    /// The sequence number of the next event this open file has not read.
    type State = AtomicU64;
    /// Positions mean nothing here: the cursor is the state.
    const SEEK: Seek = Seek::Stream;

    fn open(&self) -> Result<AtomicU64> {
        Ok(AtomicU64::new(self.ring.lock().oldest()))
    }

    fn queue(&self) -> Option<&EventQueue> {
        Some(&self.queue)
    }

    fn poll(&self, cursor: &AtomicU64) -> PollEvents {
        if self.has(cursor.load(Ordering::Relaxed)) {
            PollEvents::IN | PollEvents::RDNORM
        } else {
            PollEvents::empty()
        }
    }

    /// Whole lines, as many as fit; at least one, after waiting for it.
    fn read(&self, cursor: &AtomicU64, out: &mut ReadBuf<'_>) -> Result<usize> {
        if out.len() < LINE {
            return Err(EINVAL);
        }
        loop {
            out.wait_for(|| self.has(cursor.load(Ordering::Relaxed)))?;
            let done = self.copy_lines(cursor, out)?;
            if done > 0 {
                return Ok(done);
            }
            // Another thread reading the same open file took the events.
        }
    }
}

impl Events {
    /// Copies the events from `cursor` on into `out`, as many whole lines
    /// as fit, and moves the cursor past them.
    fn copy_lines(&self, cursor: &AtomicU64, out: &mut ReadBuf<'_>) -> Result<usize> {
        let mut done = 0;
        while out.len() >= LINE {
            let seen = cursor.load(Ordering::Relaxed);
            let Some(event) = self.ring.lock().at_or_after(seen) else {
                break;
            };
            // Threads sharing the open file share the cursor: one of them
            // gets each event.
            if cursor
                .compare_exchange(seen, event.seq + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            let mut line = Line::<LINE>::new();
            line.unsigned(event.seq, 0, Align::Left)
                .byte(b' ')
                .unsigned(u64::from(event.value), 0, Align::Left)
                .byte(b'\n');
            match out.write_slice(line.as_bytes()) {
                Ok(n) => done += n,
                // The lines copied so far are the reader's; this event,
                // claimed, is lost to it, as in C.
                Err(_) if done > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

/// `regs`: a register image that `pread()` and `pwrite()` reach at any
/// offset below [`REGS`].
#[pin_data]
struct Registers {
    #[pin]
    image: Mutex<[u8; REGS]>,
}

impl FileOps for Registers {
    const SEEK: Seek = Seek::Within(REGS as u64);

    fn read(&self, out: &mut ReadBuf<'_>) -> Result<usize> {
        out.serve(&*self.image.lock())
    }

    fn write(&self, input: &mut WriteBuf<'_>) -> Result<usize> {
        input.store_into(&mut *self.image.lock())
    }
}

/// `stats`: how many samples came in and how many were events.
struct Counters {
    samples: AtomicU64,
    events: AtomicU64,
}

impl Show for Counters {
    fn show(&self, m: &SeqFile) -> Result {
        seq_print!(
            m,
            "samples {}\nevents {}\n",
            self.samples.load(Ordering::Relaxed),
            self.events.load(Ordering::Relaxed)
        );
        Ok(())
    }
}

/// The driver's state, shared by every file.
#[pin_data]
struct Sensor {
    threshold: AtomicU32,
    counters: Counters,
    #[pin]
    events: Events,
    #[pin]
    regs: Registers,
}

impl Sensor {
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            threshold: AtomicU32::new(100),
            counters: Counters { samples: AtomicU64::new(0), events: AtomicU64::new(0) },
            events <- Events::new(),
            regs <- pin_init!(Registers {
                image <- new_mutex!(core::array::from_fn(|i| i as u8)),
            }),
        })
    }
}

/// `sample`: one sample per write, parsed as `kstrtou32(.., 0, ..)`.
impl Store for Sensor {
    const MAX_INPUT: usize = 16;

    fn set_from(&self, input: &[u8]) -> Result {
        let value: u32 = parse_int(input)?;
        self.counters.samples.fetch_add(1, Ordering::Relaxed);
        if value > self.threshold.load(Ordering::Relaxed) {
            self.counters.events.fetch_add(1, Ordering::Relaxed);
            self.events.record(value);
        }
        Ok(())
    }
}

struct Template {
    // Each scope removes its files, then drops its handle on the state.
    _proc: procfs_rs::Scope<Arc<Sensor>>,
    _debug: debugfs_rs::Scope<Arc<Sensor>>,
}

impl kernel::Module for Template {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let sensor = Arc::pin_init(Sensor::new(), GFP_KERNEL)?;

        let proc_dir = procfs_rs::Dir::root().subdir(c"kfiles_template", Mode::DIR)?;
        let proc = procfs_rs::Scope::new(&proc_dir, sensor.clone(), |sensor, files| {
            files.read_write_file(c"threshold", Mode::READ_WRITE, &sensor.threshold)?;
            files.write_only_file(c"sample", Mode::OWNER_WRITE, &**sensor)?;
            files.per_open_file(c"events", Mode::READ_ONLY, &sensor.events)?;
            Ok(())
        })?;

        let debug_dir = debugfs_rs::Dir::new(c"kfiles_template");
        let debug = debugfs_rs::Scope::new(&debug_dir, sensor, |sensor, files| {
            files.read_only_file(c"stats", Mode::READ_ONLY, &sensor.counters)?;
            files.ops_file(c"regs", Mode::OWNER_READ_WRITE, &sensor.regs)?;
            Ok(())
        })?;

        Ok(Template {
            _proc: proc,
            _debug: debug,
        })
    }
}
