// SPDX-License-Identifier: GPL-2.0

//! The rest of the four headers, one file per C function, beside
//! kfiles_cover_c, which makes the same files with the C functions
//! themselves: the guest tests (ci/guest/tests/37-cover.sh) compare the two
//! byte for byte. No `unsafe`.
//!
//! ```text
//! /sys/kernel/debug/kfiles_cover/blob       300 bytes, read-only   debugfs_create_blob(0444)
//! /sys/kernel/debug/kfiles_cover/blob_rw    64 bytes, writable     debugfs_create_blob(0644)
//! /sys/kernel/debug/kfiles_cover/u32_array  "1 22 333 4294967295"  debugfs_create_u32_array()
//! /sys/kernel/debug/kfiles_cover/u32_empty  nothing                debugfs_create_u32_array(), 0 elements
//! /sys/kernel/debug/kfiles_cover/link       -> blob                debugfs_create_symlink()
//! /sys/kernel/debug/kfiles_cover/size_t     "4096"                 debugfs_create_size_t()
//! /sys/kernel/debug/kfiles_cover/ulong      "0"                    debugfs_create_ulong()
//! /sys/kernel/debug/kfiles_cover/xul        "0x000000000000dead"   debugfs_create_xul()
//! /sys/kernel/debug/kfiles_cover/initialized "Y"                   debugfs_initialized()
//! /sys/kernel/debug/kfiles_cover/padded     columns                seq_setwidth(), seq_pad()
//! ```

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize};
use debugfs_rs::{
    seq_print, Blob, Dir, File, Handlers, Hex, Mode, SeqFile, Show, Symlink, U32Array, WritableBlob,
};
use kernel::prelude::*;

kfiles_compat::module! {
    type: Cover,
    name: "kfiles_cover",
    authors: ["kfiles-rs developers"],
    description: "debugfs blobs, u32 arrays and symlinks, for comparison with the C functions",
    license: "GPL",
}

/// The read-only blob: byte `i` is `i * 7` (mod 256), as in the C twin.
static PATTERN: [u8; 300] = {
    let mut bytes = [0u8; 300];
    let mut i = 0;
    while i < bytes.len() {
        bytes[i] = (i * 7) as u8;
        i += 1;
    }
    bytes
};

/// Rows of fixed-width columns, as the C twin prints them with
/// `seq_setwidth()` and `seq_pad()`; the last name is wider than its column.
struct Padded;

impl Show for Padded {
    fn show(&self, m: &SeqFile) -> Result {
        for (name, value) in [("alpha", 1), ("beta", 22), ("a-name-wider-than-ten", 333)] {
            m.padded(10, Some(b'|'), |m| m.write_str(name));
            m.padded(8, Some(b'\n'), |m| seq_print!(m, "{}", value));
        }
        m.padded(4, None, |m| m.write_str("end"));
        Ok(())
    }
}

#[pin_data]
struct Files {
    #[pin]
    blob: File<Blob<&'static [u8]>>,
    #[pin]
    blob_rw: File<WritableBlob<[u8; 64]>>,
    #[pin]
    u32_array: File<U32Array<4>>,
    #[pin]
    u32_empty: File<U32Array<0>>,
    // `size_t` and `unsigned long` are `usize` wide on every Linux target.
    #[pin]
    size_t: File<AtomicUsize>,
    #[pin]
    ulong: File<AtomicUsize>,
    #[pin]
    xul: File<Hex<AtomicUsize>>,
    #[pin]
    initialized: File<AtomicBool>,
    #[pin]
    padded: File<Padded>,
}

struct Cover {
    // The link first: it goes before the file it points at.
    _link: Symlink,
    _files: Pin<KBox<Files>>,
}

impl kernel::Module for Cover {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c"kfiles_cover");
        // A link may point at what does not exist yet.
        let link = dir.symlink(c"link", c"blob");
        let files = KBox::pin_init(
            try_pin_init!(Files {
                blob <- dir.ops_file(c"blob", Mode::READ_ONLY, Blob(&PATTERN[..])),
                blob_rw <- dir.pinned_file::<Handlers, _, _>(
                    c"blob_rw",
                    Mode::READ_WRITE,
                    WritableBlob::new(core::array::from_fn(|i| i as u8)),
                ),
                u32_array <- dir.read_only_file(
                    c"u32_array",
                    Mode::READ_ONLY,
                    U32Array([1, 22, 333, u32::MAX].map(AtomicU32::new)),
                ),
                u32_empty <- dir.read_only_file(c"u32_empty", Mode::READ_ONLY, U32Array([])),
                size_t <- dir.read_write_file(c"size_t", Mode::READ_WRITE, AtomicUsize::new(4096)),
                ulong <- dir.read_write_file(c"ulong", Mode::READ_WRITE, AtomicUsize::new(0)),
                xul <- dir.read_write_file(c"xul", Mode::READ_WRITE, Hex(AtomicUsize::new(0xdead))),
                initialized <- dir.read_only_file(
                    c"initialized",
                    Mode::READ_ONLY,
                    AtomicBool::new(debugfs_rs::initialized()),
                ),
                padded <- dir.read_only_file(c"padded", Mode::READ_ONLY, Padded),
            }),
            GFP_KERNEL,
        )?;
        Ok(Cover {
            _link: link,
            _files: files,
        })
    }
}
