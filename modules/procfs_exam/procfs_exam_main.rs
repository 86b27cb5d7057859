// SPDX-License-Identifier: GPL-2.0

//! The procfs demo of the article, rebuilt on procfs-rs.
//!
//! `/proc/myproctest/` holds, mode 0644:
//! - `aint`: an integer, 0 at load; `echo 123 > aint` stores 123, a
//!   non-number fails with `EINVAL` and keeps the old value;
//! - `astring`: exactly the bytes last written (at most 255; a longer write
//!   fails with `EINVAL` and keeps the old value);
//! - `bigprocfile`: up to 64 KiB. A write at offset 0 replaces the content, a
//!   write at the end appends (`cp file bigprocfile` stores a whole file), a
//!   write past the end fails with `EINVAL`, content beyond 64 KiB fails with
//!   `ENOSPC` and stores nothing of that write. At load it holds 256 lines
//!   `NNNNN The quick brown fox jumps over the lazy dog.` (NNNNN = 00000 to
//!   00255, 13,056 bytes: several pages).
//! - `aint_link`: a symlink to `aint`.

use core::{fmt::Write, sync::atomic::AtomicI32};
use kernel::{new_mutex, prelude::*, sync::Mutex};
use procfs_rs::{Buffer, Dir, File, SeqFile, Show, Store, Symlink};

kfiles_compat::module! {
    type: ProcfsExam,
    name: "procfs_exam",
    authors: ["kfiles-rs developers"],
    description: "procfs demo: aint, astring, bigprocfile and a symlink in /proc/myproctest",
    license: "GPL",
}

/// Most bytes `astring` holds.
const ASTRING_MAX: usize = 255;
/// Most bytes `bigprocfile` holds.
const BIG_CAPACITY: usize = 64 * 1024;
/// Lines of `bigprocfile`'s initial text.
const BIG_INITIAL_LINES: usize = 256;

/// `astring`'s bytes and their count.
struct Text {
    bytes: [u8; ASTRING_MAX],
    len: usize,
}

/// `astring`: exactly the bytes written.
struct AString {
    text: Pin<KBox<Mutex<Text>>>,
}

impl Show for AString {
    fn show(&self, m: &SeqFile) -> Result {
        let t = self.text.lock();
        m.write_bytes(&t.bytes[..t.len]);
        Ok(())
    }
}

impl Store for AString {
    // A longer write fails with EINVAL before `set_from` is called.
    const MAX_INPUT: usize = ASTRING_MAX;

    fn set_from(&self, input: &[u8]) -> Result {
        let mut t = self.text.lock();
        t.bytes[..input.len()].copy_from_slice(input);
        t.len = input.len();
        Ok(())
    }
}

/// Collects formatted text into a vector, for the initial content.
struct TextBuilder(KVVec<u8>);

impl Write for TextBuilder {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| core::fmt::Error)
    }
}

/// `bigprocfile`'s text at load.
fn initial_text() -> Result<KVVec<u8>> {
    let mut text = TextBuilder(KVVec::new());
    for i in 0..BIG_INITIAL_LINES {
        writeln!(text, "{i:05} The quick brown fox jumps over the lazy dog.")
            .map_err(|_| ENOMEM)?;
    }
    Ok(text.0)
}

#[pin_data]
struct Entries {
    #[pin]
    aint: File<AtomicI32>,
    #[pin]
    astring: File<AString>,
    #[pin]
    bigprocfile: File<Buffer>,
    _aint_link: Symlink,
}

struct ProcfsExam {
    _entries: Pin<KBox<Entries>>,
}

impl kernel::Module for ProcfsExam {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::root().subdir(c"myproctest", 0o755)?;
        let astring = AString {
            text: KBox::pin_init(
                new_mutex!(Text {
                    bytes: [0; ASTRING_MAX],
                    len: 0
                }),
                GFP_KERNEL,
            )?,
        };
        let big = Buffer::new(BIG_CAPACITY, &initial_text()?)?;
        let entries = KBox::pin_init(
            try_pin_init!(Entries {
                aint <- dir.read_write_file(c"aint", 0o644, AtomicI32::new(0)),
                astring <- dir.read_write_file(c"astring", 0o644, astring),
                bigprocfile <- dir.ops_file(c"bigprocfile", 0o644, big),
                _aint_link: dir.symlink(c"aint_link", c"aint")?,
            }),
            GFP_KERNEL,
        )?;
        pr_info!("procfs_exam: created /proc/myproctest\n");
        Ok(ProcfsExam { _entries: entries })
    }
}
