// SPDX-License-Identifier: GPL-2.0

//! The offset rules of bounded-buffer files (procfs-rs `Buffer`, the demo's
//! `bigprocfile`): a sequence of writes and reads at arbitrary offsets,
//! planned by `plan_write`/`read_window`, against a plain `Vec` model that
//! spells the rules out.

#![no_main]

use kfiles_core::buffer::{plan_write, read_window, WriteError};
use libfuzzer_sys::fuzz_target;

fn u64_at(data: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (k, byte) in b.iter_mut().enumerate() {
        *byte = data.get(i + k).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let capacity = usize::from(data.first().copied().unwrap_or(0)) * 16;
    let mut content: Vec<u8> = Vec::new();
    for (n, op) in data.get(1..).unwrap_or_default().chunks(10).enumerate() {
        // Offsets: mostly near the content, sometimes anywhere.
        let raw = u64_at(op, 1);
        let pos = if op[0] & 0x80 != 0 {
            raw
        } else {
            raw % (content.len() as u64 + 3)
        };
        let count = usize::from(op.get(9).copied().unwrap_or(0)) * (usize::from(op[0] & 3) + 1);
        if op[0] & 0x40 != 0 {
            let w = read_window(content.len(), pos, count);
            let start = usize::try_from(pos)
                .unwrap_or(usize::MAX)
                .min(content.len());
            let end = start.saturating_add(count).min(content.len());
            assert_eq!(w, start..end);
            continue;
        }
        let expected = if pos > content.len() as u64 {
            Err(WriteError::PastEnd)
        } else if pos as usize + count > capacity {
            Err(WriteError::NoSpace)
        } else {
            Ok(())
        };
        match plan_write(content.len(), capacity, pos, count) {
            Ok(plan) => {
                assert_eq!(expected, Ok(()));
                assert_eq!(plan.start as u64, pos);
                let fill = n as u8;
                if plan.replaces() {
                    content = vec![fill; count];
                } else {
                    content.resize(content.len().max(plan.start + count), 0);
                    content[plan.start..plan.start + count].fill(fill);
                }
                assert_eq!(content.len(), plan.new_len);
                assert!(content.len() <= capacity);
            }
            Err(e) => assert_eq!(expected, Err(e)),
        }
    }
});
