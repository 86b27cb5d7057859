// SPDX-License-Identifier: GPL-2.0

//! A module built against a kernel configured without debugfs, procfs and
//! relay (ci/bare.sh): it uses the crates that need none of them (the
//! process walk, a periodic work item, and kfiles-attr's parsing of values,
//! which sits on seqfile-rs), so linking it proves they stand alone.

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use kernel::prelude::*;
use kfiles_attr::Store;
use periodic_work::{PeriodicWork, Tick};

kfiles_compat::module! {
    type: Bare,
    name: "kfiles_bare",
    authors: ["kfiles-rs developers"],
    description: "The kfiles crates that need no debugfs, procfs or relay",
    license: "GPL",
}

/// Counts its ticks.
struct Counter(AtomicU32);

impl Tick for Counter {
    fn tick(&self) {
        self.0.fetch_add(1, Relaxed);
    }
}

struct Bare {
    _work: Pin<KBox<PeriodicWork<Counter>>>,
}

impl kernel::Module for Bare {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut processes = 0u32;
        process_list::for_each_process(|_| processes += 1);
        pr_info!("{} processes\n", processes);
        // The period as a debugfs or procfs file would take it from a write.
        let period_ms = AtomicU32::new(0);
        Store::set_from(&period_ms, b"100\n")?;
        let work = KBox::pin_init(
            PeriodicWork::new(Counter(AtomicU32::new(0)), period_ms.load(Relaxed)),
            GFP_KERNEL,
        )?;
        work.as_ref().start();
        Ok(Bare { _work: work })
    }
}
