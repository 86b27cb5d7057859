// SPDX-License-Identifier: GPL-2.0

//! A tiny third-party driver using debugfs-rs through kbuild/kfiles.mk.
//!
//! `/sys/kernel/debug/kfiles-extdrv/` holds:
//! - `answer`: read-only, `42`;
//! - `level`: 0..=10, anything else fails with `ERANGE`;
//! - `mask`: shown in hex (`0x000000f0`);
//! - `counter`: shows `count=N`; writing `inc` adds one, `reset` clears it,
//!   anything else fails with `EINVAL`.

use core::sync::atomic::{AtomicU32, AtomicU8, Ordering::Relaxed};
use debugfs_rs::{seq_print, Bounded, Dir, File, Hex, ReadFn, ReadWriteCallback, SeqFile, WriteFn};
use kernel::prelude::*;

kfiles_compat::module! {
    type: ExtDrv,
    name: "kfiles_extdrv",
    authors: ["kfiles-rs developers"],
    description: "External driver linking debugfs-rs through the kfiles Kbuild fragment",
    license: "GPL",
}

type Counter = ReadWriteCallback<AtomicU32, ReadFn<AtomicU32>, WriteFn<AtomicU32>>;

#[pin_data]
struct Files {
    #[pin]
    answer: File<u32>,
    #[pin]
    level: File<Bounded<AtomicU8>>,
    #[pin]
    mask: File<Hex<AtomicU32>>,
    #[pin]
    counter: File<Counter>,
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
}

impl kernel::Module for ExtDrv {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c"kfiles-extdrv");
        let files = KBox::pin_init(
            try_pin_init!(Files {
                answer <- dir.read_only_file(c"answer", 0o444, 42u32),
                level <- dir.read_write_file(
                    c"level",
                    0o600,
                    Bounded::new(AtomicU8::new(3), 0..=10)
                ),
                mask <- dir.read_write_file(c"mask", 0o600, Hex(AtomicU32::new(0xf0))),
                counter <- dir.read_write_callback_file(
                    c"counter",
                    0o600,
                    AtomicU32::new(0),
                    show_counter as ReadFn<AtomicU32>,
                    store_counter as WriteFn<AtomicU32>,
                ),
            }),
            GFP_KERNEL,
        )?;
        Ok(ExtDrv { _files: files })
    }
}
