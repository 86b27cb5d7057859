// SPDX-License-Identifier: GPL-2.0

//! 32-bit register dumps, as `debugfs_print_regs32()` and
//! `debugfs_create_regset32()` print them.

use crate::{SeqFile, Show};
use kernel::error::Result;
use kfiles_core::text::{Align, Line};

/// One 32-bit register of a bank: its name and its offset (C's `struct
/// debugfs_reg32`).
#[derive(Clone, Copy, Debug)]
pub struct Reg32 {
    /// The name printed before the value.
    pub name: &'static str,
    /// Where the register is in its bank, as [`Regs32::read32`] takes it.
    pub offset: usize,
}

impl Reg32 {
    /// The register `name` at `offset`.
    pub const fn new(name: &'static str, offset: usize) -> Self {
        Self { name, offset }
    }
}

/// A bank of 32-bit registers that can be read: an MMIO mapping (C's
/// `readl(base + offset)`), a device's register cache, a simulated device.
pub trait Regs32 {
    /// Reads the register at `offset` (one of the offsets of the
    /// [`Reg32`]s it is shown with).
    fn read32(&self, offset: usize) -> u32;
}

impl SeqFile {
    /// Prints each register of `regs`, read from `bank`, on a line of its
    /// own: `prefix`, the name, ` = 0x` and the value in eight hex digits,
    /// as `debugfs_print_regs32()` does (several blocks of identical
    /// registers, such as DMA channels, can be told apart by the prefix).
    /// Stops once the buffer is full (`seq_read()` then retries with a
    /// larger one).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqfile_rs::{Reg32, Regs32};
    ///
    /// /// Two DMA channels of three registers each, 0x20 bytes apart.
    /// struct Dma([u32; 16]);
    ///
    /// impl Regs32 for Dma {
    ///     fn read32(&self, offset: usize) -> u32 {
    ///         self.0.get(offset / 4).copied().unwrap_or(u32::MAX)
    ///     }
    /// }
    ///
    /// const CHANNEL: [Reg32; 3] =
    ///     [Reg32::new("ctrl", 0x0), Reg32::new("src", 0x4), Reg32::new("len", 0x8)];
    ///
    /// # let dir = doctest::debugfs_dir();
    /// let dma = Dma(core::array::from_fn(|i| i as u32 * 0x11));
    /// let file = dir.read_callback_file(c"dma", 0o444, dma, |dma, m| {
    ///     for (channel, prefix) in ["ch0 ", "ch1 "].iter().enumerate() {
    ///         let regs = CHANNEL.map(|r| Reg32::new(r.name, r.offset + channel * 0x20));
    ///         m.regs32(&regs, dma, prefix);
    ///     }
    ///     Ok(())
    /// });
    /// # let file = KBox::pin_init(file, GFP_KERNEL)?;
    /// # let text = doctest::read(c"/sys/kernel/debug/kfiles-doctest/dma")?;
    /// # assert!(text.starts_with(b"ch0 ctrl = 0x00000000\nch0 src = 0x00000011\n"));
    /// # assert!(text.ends_with(b"ch1 len = 0x000000aa\n"));
    /// ```
    pub fn regs32<B: Regs32 + ?Sized>(&self, regs: &[Reg32], bank: &B, prefix: &str) {
        for reg in regs {
            self.write_str(prefix);
            self.write_str(reg.name);
            let mut value = Line::<16>::new();
            value
                .text(b" = 0x", 0, Align::Left)
                .hex(u64::from(bank.read32(reg.offset)), 8)
                .byte(b'\n');
            self.write_bytes(value.as_bytes());
            if self.has_overflowed() {
                break;
            }
        }
    }
}

/// A register bank shown as a file, one line per register, as
/// `debugfs_create_regset32()` makes it (without runtime PM: a driver that
/// needs the device awake wakes it in its [`Regs32`]).
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// use seqfile_rs::{Reg32, RegSet32, Regs32};
///
/// /// A device's registers, kept in memory by its interrupt handler.
/// struct Shadow([AtomicU32; 2]);
///
/// impl Regs32 for Shadow {
///     fn read32(&self, offset: usize) -> u32 {
///         self.0.get(offset / 4).map_or(0, |r| r.load(Relaxed))
///     }
/// }
///
/// const REGS: &[Reg32] = &[Reg32::new("status", 0), Reg32::new("irq_mask", 4)];
///
/// # let dir = doctest::debugfs_dir();
/// let shadow = Shadow([AtomicU32::new(0x8000_0001), AtomicU32::new(0xff)]);
/// let regs = KBox::pin_init(
///     dir.read_only_file(c"regs", 0o400, RegSet32::new(REGS, shadow)),
///     GFP_KERNEL,
/// )?;
/// regs.bank().0[1].store(0x0f, Relaxed);
/// # let want = b"status = 0x80000001\nirq_mask = 0x0000000f\n";
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/regs")?, want);
/// ```
pub struct RegSet32<B> {
    regs: &'static [Reg32],
    bank: B,
}

impl<B> RegSet32<B> {
    /// The registers `regs` of `bank`.
    pub const fn new(regs: &'static [Reg32], bank: B) -> Self {
        Self { regs, bank }
    }

    /// The bank.
    pub fn bank(&self) -> &B {
        &self.bank
    }

    /// The registers shown.
    pub fn regs(&self) -> &'static [Reg32] {
        self.regs
    }
}

impl<B: Regs32> Show for RegSet32<B> {
    fn show(&self, m: &SeqFile) -> Result {
        m.regs32(self.regs, &self.bank, "");
        Ok(())
    }
}
