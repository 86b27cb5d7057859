// SPDX-License-Identifier: GPL-2.0

//! A tiny third-party driver using debugfs-rs through kbuild/kfiles.mk.
//!
//! `/sys/kernel/debug/kfiles-extdrv/` holds:
//! - `answer`: read-only, `42`;
//! - `level`: 0..=10, anything else fails with `ERANGE`;
//! - `mask`: shown in hex (`0x000000f0`);
//! - `counter`: shows `count=N`; writing `inc` adds one, `reset` clears it,
//!   anything else fails with `EINVAL`;
//! - `remove_counter`: writing `1` drops the `counter` file while the module
//!   stays loaded: descriptors still open on it then fail with `EIO`;
//! - `numbers`: a seq_file of the lines `0` to `9999`;
//! - `table`: a seq_file whose cursor holds a mutex guard
//!   (`kfiles_compat::MutexGuard`, the same on 6.12 and 7.x): `values:`, then
//!   `10`, `20`, `30`;
//! - `escaped`: `a b\tc\\d` printed with `SeqFile::escape` (space, tab and
//!   backslash escaped), `x\x01y` with only the space listed (unchanged), and
//!   `ab` with nothing listed (every byte escaped), a line each;
//! - `types/`: one read-write file per remaining scalar type (`u64`, `usize`,
//!   `i32`, `i64`, `x8`, `x16`, `x64`) and a read-only `flag` (`Y`).

use core::sync::atomic::{
    AtomicI32, AtomicI64, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed,
};
use debugfs_rs::{
    parse_bool, seq_print, Bounded, Dir, File, Hex, ReadCallback, ReadFn, ReadWriteCallback,
    SeqFile, SeqIterator, Store, WriteFn,
};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

kfiles_compat::module! {
    type: ExtDrv,
    name: "kfiles_extdrv",
    authors: ["kfiles-rs developers"],
    description: "External driver linking debugfs-rs through the kfiles Kbuild fragment",
    license: "GPL",
}

type Counter = ReadWriteCallback<AtomicU32, ReadFn<AtomicU32>, WriteFn<AtomicU32>>;

/// The lines `0` to `COUNT - 1`, as a seq_file.
struct Numbers;

/// Values behind a lock; a cursor holds the lock from `start` to `stop`.
struct Table(Pin<KBox<Mutex<KVec<u32>>>>);

impl SeqIterator for Table {
    type Cursor<'a> = (kfiles_compat::MutexGuard<'a, KVec<u32>>, usize);
    const HAS_HEADER: bool = true;

    fn start(&self, index: u64) -> Option<Self::Cursor<'_>> {
        let guard = self.0.lock();
        let i = usize::try_from(index).ok().filter(|&i| i < guard.len())?;
        Some((guard, i))
    }

    fn next(&self, c: &mut Self::Cursor<'_>) -> bool {
        c.1 += 1;
        c.1 < c.0.len()
    }

    fn show(&self, c: &Self::Cursor<'_>, m: &SeqFile) -> Result {
        seq_print!(m, "{}\n", c.0[c.1]);
        Ok(())
    }

    fn show_header(&self, m: &SeqFile) -> Result {
        seq_print!(m, "values:\n");
        Ok(())
    }
}

impl Numbers {
    const COUNT: u64 = 10_000;
}

impl SeqIterator for Numbers {
    type Cursor<'a> = u64;

    fn start(&self, index: u64) -> Option<u64> {
        (index < Self::COUNT).then_some(index)
    }

    fn next(&self, cursor: &mut u64) -> bool {
        *cursor += 1;
        *cursor < Self::COUNT
    }

    fn show(&self, cursor: &u64, m: &SeqFile) -> Result {
        seq_print!(m, "{}\n", cursor);
        Ok(())
    }
}

/// The `counter` file, until `remove_counter` drops it.
type CounterSlot = Arc<Mutex<Option<Pin<KBox<File<Counter>>>>>>;

/// What `remove_counter` sets: writing a true value drops the `counter` file.
struct Remover(CounterSlot);

impl Store for Remover {
    fn set_from(&self, input: &[u8]) -> Result {
        if parse_bool(input)? {
            // Taken under the lock, dropped (which waits for the file's
            // callbacks in progress) after it.
            let file = self.0.lock().take();
            drop(file);
        }
        Ok(())
    }
}

#[pin_data]
struct Files {
    #[pin]
    answer: File<u32>,
    #[pin]
    level: File<Bounded<AtomicU8>>,
    #[pin]
    mask: File<Hex<AtomicU32>>,
    #[pin]
    remove_counter: File<Remover>,
    #[pin]
    numbers: File<Numbers>,
    #[pin]
    table: File<Table>,
    #[pin]
    escaped: File<ReadCallback<(), ReadFn<()>>>,
}

/// The files of `types/` (a struct of their own: pin-init's macros recurse
/// once per field, and one struct of everything exceeds 6.12's limit).
#[pin_data]
struct TypeFiles {
    #[pin]
    u64: File<AtomicU64>,
    #[pin]
    usize: File<AtomicUsize>,
    #[pin]
    i32: File<AtomicI32>,
    #[pin]
    i64: File<AtomicI64>,
    #[pin]
    x8: File<Hex<AtomicU8>>,
    #[pin]
    x16: File<Hex<AtomicU16>>,
    #[pin]
    x64: File<Hex<AtomicU64>>,
    #[pin]
    flag: File<bool>,
}

fn show_escaped(_: &(), m: &SeqFile) -> Result {
    m.escape(b"a b\tc\\d", c" \t\\");
    m.put_byte(b'\n');
    // Only the listed bytes are escaped: 0x01 passes through.
    m.escape(b"x\x01y", c" ");
    m.put_byte(b'\n');
    // Nothing listed: every byte is escaped.
    m.escape(b"ab", c"");
    m.put_byte(b'\n');
    Ok(())
}

fn show_counter(count: &AtomicU32, m: &SeqFile) -> Result {
    seq_print!(m, "count={}\n", count.load(Relaxed));
    Ok(())
}

fn store_counter(count: &AtomicU32, input: &[u8]) -> Result {
    match input.strip_suffix(b"\n").unwrap_or(input) {
        b"inc" => count.fetch_add(1, Relaxed),
        b"reset" => count.swap(0, Relaxed),
        _ => return Err(EINVAL),
    };
    Ok(())
}

struct ExtDrv {
    _files: Pin<KBox<Files>>,
    _types: Pin<KBox<TypeFiles>>,
}

impl kernel::Module for ExtDrv {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c"kfiles-extdrv");
        let counter = KBox::pin_init(
            dir.read_write_callback_file(
                c"counter",
                0o600,
                AtomicU32::new(0),
                show_counter as ReadFn<AtomicU32>,
                store_counter as WriteFn<AtomicU32>,
            ),
            GFP_KERNEL,
        )?;
        let counter: CounterSlot = Arc::pin_init(new_mutex!(Some(counter)), GFP_KERNEL)?;
        let types = dir.subdir(c"types");
        let level = Bounded::new(AtomicU8::new(3), 0..=10)?;
        let mut values = KVec::new();
        for v in [10, 20, 30] {
            values.push(v, GFP_KERNEL)?;
        }
        let table = Table(KBox::pin_init(new_mutex!(values), GFP_KERNEL)?);
        let files = KBox::pin_init(
            try_pin_init!(Files {
                answer <- dir.read_only_file(c"answer", 0o444, 42u32),
                level <- dir.read_write_file(c"level", 0o600, level),
                mask <- dir.read_write_file(c"mask", 0o600, Hex(AtomicU32::new(0xf0))),
                remove_counter <- dir.write_only_file(c"remove_counter", 0o200, Remover(counter)),
                numbers <- dir.seq_file(c"numbers", 0o444, Numbers),
                table <- dir.seq_file(c"table", 0o444, table),
                escaped <- dir.read_callback_file(c"escaped", 0o444, (), show_escaped as ReadFn<()>),
            }),
            GFP_KERNEL,
        )?;
        let types = KBox::pin_init(
            try_pin_init!(TypeFiles {
                u64 <- types.read_write_file(c"u64", 0o600, AtomicU64::new(0)),
                usize <- types.read_write_file(c"usize", 0o600, AtomicUsize::new(0)),
                i32 <- types.read_write_file(c"i32", 0o600, AtomicI32::new(0)),
                i64 <- types.read_write_file(c"i64", 0o600, AtomicI64::new(0)),
                x8 <- types.read_write_file(c"x8", 0o600, Hex(AtomicU8::new(0))),
                x16 <- types.read_write_file(c"x16", 0o600, Hex(AtomicU16::new(0))),
                x64 <- types.read_write_file(c"x64", 0o600, Hex(AtomicU64::new(0))),
                flag <- types.read_only_file(c"flag", 0o444, true),
            }),
            GFP_KERNEL,
        )?;
        Ok(ExtDrv {
            _files: files,
            _types: types,
        })
    }
}
