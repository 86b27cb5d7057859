// SPDX-License-Identifier: GPL-2.0

//! Safe calls that used to corrupt or crash the kernel, made on purpose (not
//! a demo): the file crates must refuse or neutralise each, and the guest
//! test (`ci/guest/tests/35-selftest.sh`) checks what they did.
//!
//! At load it tries, in `/proc/kfiles_selftest` and
//! `/sys/kernel/debug/kfiles_selftest`:
//! - names that are not one path component (`sub/x`, `.`, `..`, empty, a
//!   number directly in `/proc`): procfs refuses them with `EINVAL` (they
//!   used to land in another directory than the handle owned, a
//!   use-after-free at removal), debugfs creates nothing;
//! - modes with file-type bits (a directory bit on a file, a socket bit on a
//!   directory): only the permission bits are used (debugfs `BUG()`ed,
//!   procfs made a socket-typed directory);
//! - `FileOps` handlers that claim more bytes than the call had
//!   (`overcount`, `maxcount`): the call fails with `EIO`.
//!
//! `/proc/kfiles_selftest/results` lists `CASE RESULT` per refused call.

use kernel::{new_mutex, prelude::*, sync::Mutex};
use procfs_rs::{File, FileOps, ProcDir, ReadBuf, SeqFile, Show, WriteBuf};

kfiles_compat::module! {
    type: Selftest,
    name: "kfiles_selftest",
    authors: ["kfiles-rs developers"],
    description: "Hostile but safe calls of the kfiles crates, for the guest tests",
    license: "GPL",
}

/// A handler that claims `claim` bytes whatever the call.
struct Liar {
    claim: usize,
}

impl FileOps for Liar {
    fn read(&self, _out: &mut ReadBuf<'_>) -> Result<usize> {
        Ok(self.claim)
    }

    fn write(&self, _input: &mut WriteBuf<'_>) -> Result<usize> {
        Ok(self.claim)
    }
}

/// What the refused calls returned.
struct Results {
    text: Pin<KBox<Mutex<KVec<u8>>>>,
}

impl Results {
    /// Appends the line `CASE OUTCOME`.
    fn line(&self, case: &str, outcome: &str) -> Result {
        let mut text = self.text.lock();
        for part in [case.as_bytes(), b" ", outcome.as_bytes(), b"\n"] {
            text.extend_from_slice(part, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Appends what a creation returned.
    fn record<T>(&self, case: &str, result: Result<T>) -> Result {
        let outcome = match result {
            Ok(_) => "created",
            Err(e) if e == EINVAL => "EINVAL",
            Err(e) if e == ENOMEM => "ENOMEM",
            Err(_) => "error",
        };
        self.line(case, outcome)
    }
}

impl Show for Results {
    fn show(&self, m: &SeqFile) -> Result {
        m.write_bytes(&self.text.lock());
        Ok(())
    }
}

#[pin_data]
struct Files {
    #[pin]
    results: File<Results>,
    #[pin]
    overcount: File<Liar>,
    #[pin]
    maxcount: File<Liar>,
    #[pin]
    typed: File<u32>,
}

struct Selftest {
    _files: Pin<KBox<Files>>,
    _typed_dir: ProcDir,
    _dir: ProcDir,
    _debugfs: Pin<KBox<debugfs_rs::File<u32>>>,
    _debugfs_dir: debugfs_rs::Dir,
}

impl kernel::Module for Selftest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let results = Results {
            text: KBox::pin_init(new_mutex!(KVec::new()), GFP_KERNEL)?,
        };
        let root = ProcDir::root();
        let dir = root.subdir(c"kfiles_selftest", 0o555)?;
        let sub = dir.subdir(c"sub", 0o555)?;
        results.record("proc.subdir.slash", dir.subdir(c"sub/d", 0o555))?;
        results.record("proc.subdir.dot", dir.subdir(c".", 0o555))?;
        results.record("proc.subdir.dotdot", dir.subdir(c"..", 0o555))?;
        results.record("proc.subdir.empty", dir.subdir(c"", 0o555))?;
        results.record("proc.root.numeric", root.subdir(c"4242", 0o555))?;
        results.record("proc.symlink.slash", dir.symlink(c"sub/l", c"results"))?;
        results.record(
            "proc.file.slash",
            KBox::pin_init(dir.read_only_file(c"sub/x", 0o444, 1u32), GFP_KERNEL),
        )?;
        drop(sub);
        // A socket bit on a directory: a plain 0555 directory.
        let typed_dir = dir.subdir(c"typed_dir", 0o140555)?;
        let debugfs_dir = debugfs_rs::Dir::new(c"kfiles_selftest");
        // A directory bit on a debugfs file: a plain 0444 file.
        let debugfs = KBox::pin_init(
            debugfs_dir.read_only_file(c"typed", 0o040444, 7u32),
            GFP_KERNEL,
        )?;
        // Not one component: nothing is created.
        let slash = KBox::pin_init(debugfs_dir.read_only_file(c"a/b", 0o444, 1u32), GFP_KERNEL)?;
        let outcome = if slash.exists() { "created" } else { "absent" };
        results.line("debugfs.file.slash", outcome)?;
        drop(slash);
        let files_dir = dir.clone();
        let files = KBox::pin_init(
            try_pin_init!(Files {
                results <- files_dir.read_only_file(c"results", 0o444, results),
                overcount <- files_dir.ops_file(c"overcount", 0o666, Liar { claim: 4096 }),
                maxcount <- files_dir.ops_file(c"maxcount", 0o666, Liar { claim: usize::MAX }),
                // A directory bit on a proc file: a plain 0444 file.
                typed <- files_dir.read_only_file(c"typed", 0o040444, 5u32),
            }),
            GFP_KERNEL,
        )?;
        Ok(Selftest {
            _files: files,
            _typed_dir: typed_dir,
            _dir: dir,
            _debugfs: debugfs,
            _debugfs_dir: debugfs_dir,
        })
    }
}
