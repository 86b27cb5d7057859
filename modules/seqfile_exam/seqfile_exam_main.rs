// SPDX-License-Identifier: GPL-2.0

//! The seq_file demo of the article, rebuilt on seqfile-rs and procfs-rs.
//!
//! - `/proc/exam_seq_file` (iterator form): the line `Current all the
//!   processes in system:`, a column header (`name` padded to 24, `pid`),
//!   then one line per process, its name padded to 24 and its pid. Unlike
//!   the C original, the listing is complete whatever its length: positions
//!   past the first buffer are served too.
//! - `/proc/exam_seq_single` (single-show form): `processes: N`.
//! - `/proc/exam_seq_records` (beyond the article, for benchmarks): 100,000
//!   generated records `INDEX VALUE`, the index right-aligned in 6 columns
//!   and the value a 64-bit hash of it in 16 hex digits.

use kernel::prelude::*;
use process_list::{for_each_process, ProcessCursor};
use procfs_rs::{seq_print, Align, Dir, File, Line, SeqFile, SeqIterator, Show};

kfiles_compat::module! {
    type: SeqfileExam,
    name: "seqfile_exam",
    authors: ["kfiles-rs developers"],
    description: "seq_file demo: /proc/exam_seq_file lists every process, /proc/exam_seq_single counts them",
    license: "GPL",
}

/// Every process, one line each, after a header.
struct Processes;

impl SeqIterator for Processes {
    // The cursor holds the RCU read lock from `start` to `stop`.
    type Cursor<'a> = ProcessCursor;
    const HAS_HEADER: bool = true;

    fn start(&self, index: u64) -> Option<ProcessCursor> {
        ProcessCursor::start(index)
    }

    fn next(&self, cursor: &mut ProcessCursor) -> bool {
        cursor.advance()
    }

    fn show(&self, cursor: &ProcessCursor, m: &SeqFile) -> Result {
        let p = cursor.current();
        // `"{:<24}{:<5}\n"`, without core::fmt's per-character padding.
        let mut line = Line::<48>::new();
        line.text(p.comm().as_bytes(), 24, Align::Left)
            .signed(p.pid().into(), 5, Align::Left)
            .byte(b'\n');
        m.write_bytes(line.as_bytes());
        Ok(())
    }

    fn show_header(&self, m: &SeqFile) -> Result {
        seq_print!(
            m,
            "Current all the processes in system:\n{:<24}{:<5}\n",
            "name",
            "pid"
        );
        Ok(())
    }
}

/// Records in `/proc/exam_seq_records`.
const RECORDS: u64 = 100_000;

/// Generated records: no data structure behind them, so reading the file
/// measures seq_file and formatting alone.
struct Records;

impl SeqIterator for Records {
    type Cursor<'a> = u64;

    fn start(&self, index: u64) -> Option<u64> {
        (index < RECORDS).then_some(index)
    }

    fn next(&self, index: &mut u64) -> bool {
        *index += 1;
        *index < RECORDS
    }

    fn show(&self, index: &u64, m: &SeqFile) -> Result {
        // `"{:>6} {:016x}\n"`, built on the stack and written at once.
        let mut line = Line::<32>::new();
        line.unsigned(*index, 6, Align::Right)
            .byte(b' ')
            .hex(record_value(*index), 16)
            .byte(b'\n');
        m.write_bytes(line.as_bytes());
        Ok(())
    }
}

/// The value of record `index` (a multiplicative hash, as the C twin's).
fn record_value(index: u64) -> u64 {
    index.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The number of processes, printed in one go.
struct Summary;

impl Show for Summary {
    fn show(&self, m: &SeqFile) -> Result {
        let mut count = 0usize;
        for_each_process(|_| count += 1);
        seq_print!(m, "processes: {}\n", count);
        Ok(())
    }
}

#[pin_data]
struct Entries {
    #[pin]
    list: File<Processes>,
    #[pin]
    summary: File<Summary>,
    #[pin]
    records: File<Records>,
}

struct SeqfileExam {
    _entries: Pin<KBox<Entries>>,
}

impl kernel::Module for SeqfileExam {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let root = Dir::root();
        let entries = KBox::pin_init(
            try_pin_init!(Entries {
                list <- root.seq_file(c"exam_seq_file", 0o444, Processes),
                summary <- root.read_only_file(c"exam_seq_single", 0o444, Summary),
                records <- root.seq_file(c"exam_seq_records", 0o444, Records),
            }),
            GFP_KERNEL,
        )?;
        Ok(SeqfileExam { _entries: entries })
    }
}
