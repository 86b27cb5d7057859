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
//!   stays loaded: descriptors still open on it then fail with `EIO`.

use core::sync::atomic::{AtomicU32, AtomicU8, Ordering::Relaxed};
use debugfs_rs::{
    parse_bool, seq_print, Bounded, Dir, File, Hex, ReadFn, ReadWriteCallback, SeqFile, Store,
    WriteFn,
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

/// The `counter` file, until `remove_counter` drops it.
type CounterSlot = Arc<Mutex<Option<Pin<KBox<File<Counter>>>>>>;

/// What `remove_counter` sets: writing a true value drops the `counter` file.
struct Remover(CounterSlot);

impl Store for Remover {
    fn store(&self, input: &[u8]) -> Result {
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
        let files = KBox::pin_init(
            try_pin_init!(Files {
                answer <- dir.read_only_file(c"answer", 0o444, 42u32),
                level <- dir.read_write_file(
                    c"level",
                    0o600,
                    Bounded::new(AtomicU8::new(3), 0..=10)
                ),
                mask <- dir.read_write_file(c"mask", 0o600, Hex(AtomicU32::new(0xf0))),
                remove_counter <- dir.write_only_file(c"remove_counter", 0o200, Remover(counter)),
            }),
            GFP_KERNEL,
        )?;
        Ok(ExtDrv { _files: files })
    }
}
