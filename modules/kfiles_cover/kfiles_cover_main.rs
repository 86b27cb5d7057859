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
//! /sys/kernel/debug/kfiles_cover/regset32   "ctrl = 0x00000000"... debugfs_create_regset32()
//! /sys/kernel/debug/kfiles_cover/channels   "ch0 src = 0x..."      debugfs_print_regs32(), prefixed
//! /sys/kernel/debug/kfiles_cover/renamed    "5", made as "before"  debugfs_change_name() (6.12: _rename())
//! /sys/kernel/debug/kfiles_cover/sized      1000 lines, 40 bytes   single_open_size(), 64 KiB
//! /sys/kernel/debug/kfiles_cover/sized_runs how often it was shown
//! /sys/kernel/debug/kfiles_cover/stat_size  "7", 12345 bytes in stat() debugfs_create_file_size()
//! /sys/kernel/debug/kfiles_cover/clients    500 clients, a header  seq_list_start_head(), seq_list_next()
//! /proc/kfiles_cover/owned                  "7", 4096 bytes, nobody    proc_set_size(), proc_set_user()
//! /proc/kfiles_cover/reader_ids             "1000 100" as the reader sees them  seq_user_ns()
//! /proc/kfiles_cover/mnt                    an empty directory to mount on    proc_create_mount_point()
//! /proc/kfiles_cover/stdin_path             the path of the reader's stdin    seq_file_path()
//! /proc/kfiles_cover                        root:nogroup               proc_set_user()
//! ```
//!
//! and in `/proc/net` of every network namespace (procfs-rs's `NetFiles`):
//!
//! ```text
//! /proc/net/kfiles_cover_ns         "net:[INUM] level N"   proc_create_net_single()
//! /proc/net/kfiles_cover_level      the level, an int      proc_create_net_single_write()
//! /proc/net/kfiles_cover_dir/lines  three lines            proc_net_mkdir(), proc_create_net_data()
//! ```

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicUsize, Ordering::Relaxed};
use debugfs_rs::{
    seq_print, Blob, Dir, File, Handlers, Hex, ListFile, ListShow, Mode, Reg32, RegSet32, Regs32,
    Rename, SeqFile, SeqIterator, Show, Stat, Symlink, U32Array, WritableBlob,
};
use kernel::{
    list::{List, ListArc, ListLinks},
    prelude::*,
    sync::{Arc, Mutex},
};
use procfs_rs::{MountPoint, NetFiles, Stat as _};

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

/// One client in the list of `clients`.
#[pin_data]
struct Client {
    id: u32,
    #[pin]
    links: ListLinks,
}
kfiles_compat::list_item!(Client, links);

/// How many clients `clients` lists.
const N_CLIENTS: u32 = 500;

/// `clients`: a kernel list under a mutex, shown after a header, as the C
/// twin shows its `list_head` with `seq_list_start_head()`.
#[pin_data]
struct Clients {
    #[pin]
    list: Mutex<List<Client>>,
}

impl ListShow for Clients {
    type Item = Client;
    const HAS_HEADER: bool = true;

    fn list(&self) -> &Mutex<List<Client>> {
        &self.list
    }

    fn show(&self, _list: &List<Client>, client: &Client, m: &SeqFile) -> Result {
        seq_print!(m, "client {:>6} of {}\n", client.id, N_CLIENTS);
        Ok(())
    }

    fn show_header(&self, _list: &List<Client>, m: &SeqFile) -> Result {
        m.write_str("clients:\n");
        Ok(())
    }
}

/// `reader_ids`: a user and a group id as the reader's user namespace sees
/// them.
struct ReaderIds;

impl Show for ReaderIds {
    fn show(&self, m: &SeqFile) -> Result {
        seq_print!(m, "{} {}\n", m.reader_uid(1000), m.reader_gid(100));
        Ok(())
    }
}

/// `stdin_path`: the path of what the reader has open as its standard
/// input, with spaces, tabs, newlines and backslashes escaped.
struct StdinPath;

impl Show for StdinPath {
    fn show(&self, m: &SeqFile) -> Result {
        if let Ok(stdin) = kfiles_compat::fget(0) {
            m.file_path(&stdin, c" \t\n\\");
            m.put_byte(b'\n');
        }
        Ok(())
    }
}

/// One network namespace's state: its inode number and its level.
struct NetState {
    inum: u32,
    level: AtomicI32,
}

impl Show for NetState {
    fn show(&self, m: &SeqFile) -> Result {
        seq_print!(
            m,
            "net:[{}] level {}\n",
            self.inum,
            self.level.load(Relaxed)
        );
        Ok(())
    }
}

/// `lines`: three lines naming the namespace, as a seq_file.
struct Lines(u32);

impl SeqIterator for Lines {
    type Cursor<'a> = u64;

    fn start(&self, index: u64) -> Option<u64> {
        (index < 3).then_some(index + 1)
    }

    fn next(&self, line: &mut u64) -> bool {
        *line += 1;
        *line <= 3
    }

    fn show(&self, line: &u64, m: &SeqFile) -> Result {
        seq_print!(m, "line {} of net:[{}]\n", line, self.0);
        Ok(())
    }
}

/// A namespace's files borrow its state; `lines` is made in a directory.
struct NetFilesState {
    state: NetState,
    lines: Lines,
}

/// A register bank of eight words, word `i` holding `i * 0x01020304`, as
/// the C twin's (which reads it with `readl()`).
struct Bank([u32; 8]);

impl Bank {
    fn new() -> Self {
        Bank(core::array::from_fn(|i| {
            (i as u32).wrapping_mul(0x0102_0304)
        }))
    }
}

impl Regs32 for Bank {
    fn read32(&self, offset: usize) -> u32 {
        self.0.get(offset / 4).copied().unwrap_or(0)
    }
}

/// The registers of `regset32`, as the C twin's `struct debugfs_reg32`s.
const REGS: &[Reg32] = &[
    Reg32::new("ctrl", 0x0),
    Reg32::new("status", 0x4),
    Reg32::new("count", 0x8),
    Reg32::new("last", 0x1c),
];

/// One channel's registers; channel 1 is 0x10 bytes after channel 0.
const CHANNEL: [Reg32; 2] = [Reg32::new("src", 0x0), Reg32::new("len", 0x4)];

/// `channels`: two blocks of the same registers, told apart by a prefix.
struct Channels(Bank);

impl Show for Channels {
    fn show(&self, m: &SeqFile) -> Result {
        m.regs32(&CHANNEL, &self.0, "ch0 ");
        let second = CHANNEL.map(|reg| Reg32::new(reg.name, reg.offset + 0x10));
        m.regs32(&second, &self.0, "ch1 ");
        Ok(())
    }
}

/// `sized`: 40 000 bytes printed into a buffer that holds them, so each
/// read of the file runs `show` once (without the size, five times: 4, 8,
/// 16, 32, 64 KiB).
struct Table {
    runs: Arc<AtomicU32>,
}

impl Show for Table {
    const BUFFER_SIZE: usize = 64 * 1024;

    fn show(&self, m: &SeqFile) -> Result {
        self.runs.fetch_add(1, Relaxed);
        for row in 0..1000 {
            seq_print!(m, "{:>39}\n", row);
        }
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

/// More files (one `try_pin_init!` of them all exceeds the macro recursion
/// limit).
#[pin_data]
struct MoreFiles {
    #[pin]
    regset32: File<RegSet32<Bank>>,
    #[pin]
    channels: File<Channels>,
    #[pin]
    renamed: File<u32>,
    #[pin]
    sized: File<Table>,
    #[pin]
    sized_runs: File<Arc<AtomicU32>>,
    #[pin]
    stat_size: File<u32>,
    #[pin]
    clients: File<ListFile<Arc<Clients>>>,
}

/// The user and group ids of nobody and nogroup.
const NOBODY: u32 = 65534;

struct Cover {
    // The link first: it goes before the file it points at.
    _link: Symlink,
    _files: Pin<KBox<Files>>,
    _more: Pin<KBox<MoreFiles>>,
    _owned: Pin<KBox<procfs_rs::File<u32>>>,
    _reader_ids: Pin<KBox<procfs_rs::File<ReaderIds>>>,
    _stdin_path: Pin<KBox<procfs_rs::File<StdinPath>>>,
    _mnt: MountPoint,
    _net: NetFiles<NetFilesState>,
}

impl kernel::Module for Cover {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dir = Dir::new(c"kfiles_cover");
        // A link may point at what does not exist yet.
        let link = dir.symlink(c"link", c"blob");
        let runs = Arc::new(AtomicU32::new(0), GFP_KERNEL)?;
        let more_dir = dir.clone();
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
        // (`try_pin_init!` moves the handles it uses.)
        let dir = more_dir;
        let clients = Arc::pin_init(
            try_pin_init!(Clients {
                list <- kernel::new_mutex!(List::new()),
            }),
            GFP_KERNEL,
        )?;
        for i in 0..N_CLIENTS {
            let client = ListArc::pin_init(
                try_pin_init!(Client {
                    id: i * 7919 % 100_000,
                    links <- ListLinks::new(),
                }),
                GFP_KERNEL,
            )?;
            clients.list.lock().push_back(client);
        }
        let more = KBox::pin_init(
            try_pin_init!(MoreFiles {
                regset32 <- dir.read_only_file(
                    c"regset32",
                    Mode::READ_ONLY,
                    RegSet32::new(REGS, Bank::new()),
                ),
                channels <- dir.read_only_file(c"channels", Mode::READ_ONLY, Channels(Bank::new())),
                renamed <- dir.read_only_file(c"before", Mode::READ_ONLY, 5u32),
                sized <- dir.read_only_file(c"sized", Mode::READ_ONLY, Table { runs: runs.clone() }),
                sized_runs <- dir.read_only_file(c"sized_runs", Mode::READ_ONLY, runs),
                stat_size <- dir.read_only_file(c"stat_size", Mode::READ_ONLY, 7u32),
                clients <- dir.seq_file(c"clients", Mode::READ_ONLY, ListFile(clients)),
            }),
            GFP_KERNEL,
        )?;
        more.renamed.rename(c"renamed")?;
        more.stat_size.set_size(12345)?;
        // The file keeps the directory.
        let proc_dir = procfs_rs::Dir::root().subdir(c"kfiles_cover", 0o555)?;
        proc_dir.set_owner(0, NOBODY)?;
        let owned = KBox::pin_init(proc_dir.read_only_file(c"owned", 0o440, 7u32), GFP_KERNEL)?;
        owned.set_size(4096)?;
        owned.set_owner(NOBODY, NOBODY)?;
        let reader_ids = KBox::pin_init(
            proc_dir.read_only_file(c"reader_ids", 0o444, ReaderIds),
            GFP_KERNEL,
        )?;
        let stdin_path = KBox::pin_init(
            proc_dir.read_only_file(c"stdin_path", 0o444, StdinPath),
            GFP_KERNEL,
        )?;
        let mnt = proc_dir.mount_point(c"mnt")?;
        let net = NetFiles::new(
            |net| NetFilesState {
                state: NetState {
                    inum: net.inum(),
                    level: AtomicI32::new(0),
                },
                lines: Lines(net.inum()),
            },
            |this, files| {
                files.read_only_file(c"kfiles_cover_ns", 0o444, &this.state)?;
                files.read_write_file(c"kfiles_cover_level", 0o644, &this.state.level)?;
                files
                    .subdir(c"kfiles_cover_dir", 0)?
                    .seq_file(c"lines", 0o444, &this.lines)
            },
        )?;
        Ok(Cover {
            _link: link,
            _files: files,
            _more: more,
            _owned: owned,
            _reader_ids: reader_ids,
            _stdin_path: stdin_path,
            _mnt: mnt,
            _net: net,
        })
    }
}
