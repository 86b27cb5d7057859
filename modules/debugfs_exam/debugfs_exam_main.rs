// SPDX-License-Identifier: GPL-2.0

//! The debugfs demo of the article, rebuilt on debugfs-rs.
//!
//! Creates `/sys/kernel/debug/debugfs-exam/` holding `u8_var`, `u16_var`,
//! `u32_var` and `bool_var`, mode 0644, all starting at 0 / `N`; everything is
//! removed on unload.
//!
//! ```text
//! # cat /sys/kernel/debug/debugfs-exam/u8_var
//! 0
//! # echo 200 > /sys/kernel/debug/debugfs-exam/u8_var
//! # cat /sys/kernel/debug/debugfs-exam/u8_var
//! 200
//! # cat /sys/kernel/debug/debugfs-exam/bool_var
//! N
//! # echo 1 > /sys/kernel/debug/debugfs-exam/bool_var
//! # cat /sys/kernel/debug/debugfs-exam/bool_var
//! Y
//! ```
//!
//! Unlike the C original, out-of-range writes (`echo 256 > u8_var`) fail with
//! `ERANGE` instead of storing a truncated value.

use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU8};
use debugfs_rs::{Dir, File};
use kernel::prelude::*;

kfiles_compat::module! {
    type: DebugfsExam,
    name: "debugfs_exam",
    authors: ["kfiles-rs developers"],
    description: "debugfs demo: u8, u16, u32 and bool files in debugfs-exam/",
    license: "GPL",
}

#[pin_data]
struct Vars {
    #[pin]
    u8_var: File<AtomicU8>,
    #[pin]
    u16_var: File<AtomicU16>,
    #[pin]
    u32_var: File<AtomicU32>,
    #[pin]
    bool_var: File<AtomicBool>,
}

struct DebugfsExam {
    _vars: Pin<KBox<Vars>>,
}

impl kernel::Module for DebugfsExam {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The files keep the directory alive; it goes when they do.
        let dir = Dir::new(c"debugfs-exam");
        let vars = KBox::pin_init(
            try_pin_init!(Vars {
                u8_var <- dir.read_write_file(c"u8_var", 0o644, AtomicU8::new(0)),
                u16_var <- dir.read_write_file(c"u16_var", 0o644, AtomicU16::new(0)),
                u32_var <- dir.read_write_file(c"u32_var", 0o644, AtomicU32::new(0)),
                bool_var <- dir.read_write_file(c"bool_var", 0o644, AtomicBool::new(false)),
            }),
            GFP_KERNEL,
        )?;
        pr_info!("debugfs_exam: created debugfs-exam/{{u8,u16,u32,bool}}_var\n");
        Ok(DebugfsExam { _vars: vars })
    }
}
