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
//! ```

use core::sync::atomic::AtomicU32;
use debugfs_rs::{Blob, Dir, File, Handlers, Mode, Symlink, U32Array, WritableBlob};
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
            }),
            GFP_KERNEL,
        )?;
        Ok(Cover {
            _link: link,
            _files: files,
        })
    }
}
