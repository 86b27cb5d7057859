// SPDX-License-Identifier: GPL-2.0

//! A module whose `init` fails while a teardown it deferred is still
//! pending (not a demo; `ci/guest/tests/35-selftest.sh` loads it).
//!
//! A `PeriodicWork` drops itself from its first tick, which defers the
//! cancel to an async worker, and keeps running until 200 ms after `init`
//! has announced that it fails. `init` waits for that tick, then fails. The kernel frees a module whose `init`
//! failed without waiting for async work; `kfiles_compat::module!` waits for
//! the deferred teardown first, so the module's code outlives the tick. The
//! log shows the order: `ticker dropped` before `insmod` returns.

use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{Arc, CondVar, Mutex},
    time::msecs_to_jiffies,
};
use periodic_work::{PeriodicWork, Tick};

kfiles_compat::module! {
    type: InitFail,
    name: "kfiles_initfail",
    authors: ["kfiles-rs developers"],
    description: "A failed init with a deferred teardown pending, for the guest tests",
    license: "GPL",
}

/// What `init` and the tick share.
#[pin_data]
struct Shared {
    #[pin]
    work: Mutex<Option<Pin<KBox<PeriodicWork<Ticker>>>>>,
    /// How far the two have come: [`TICKED`], then [`FAILING`].
    #[pin]
    stage: Mutex<u8>,
    #[pin]
    cond: CondVar,
}

/// The tick has dropped its own work item.
const TICKED: u8 = 1;
/// `init` has logged that it fails, and is about to.
const FAILING: u8 = 2;

impl Shared {
    /// Waits (up to about five seconds) until the stage reaches `stage`.
    fn wait_for(&self, stage: u8) {
        let mut now = self.stage.lock();
        for _ in 0..50 {
            if *now >= stage {
                return;
            }
            let _ = self
                .cond
                .wait_interruptible_timeout(&mut now, msecs_to_jiffies(100));
        }
    }

    fn reach(&self, stage: u8) {
        *self.stage.lock() = stage;
        self.cond.notify_all();
    }
}

/// The work's value: drops its own work item at the first tick.
struct Ticker(Arc<Shared>);

impl Tick for Ticker {
    fn tick(&self) {
        let shared = &self.0;
        let own = shared.work.lock().take();
        // Dropped from its own tick: the cancel is deferred.
        drop(own);
        shared.reach(TICKED);
        // Still running after `init` has failed: without the wait of
        // `kfiles_compat::module!`, the module would be freed under us.
        shared.wait_for(FAILING);
        let mut stage = shared.stage.lock();
        let _ = shared
            .cond
            .wait_interruptible_timeout(&mut stage, msecs_to_jiffies(200));
        drop(stage);
        pr_info!("tick returning\n");
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        pr_info!("ticker dropped\n");
    }
}

struct InitFail;

impl kernel::Module for InitFail {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let shared = Arc::pin_init(
            pin_init!(Shared {
                work <- new_mutex!(None),
                stage <- new_mutex!(0),
                cond <- new_condvar!(),
            }),
            GFP_KERNEL,
        )?;
        let work = KBox::pin_init(PeriodicWork::new(Ticker(shared.clone()), 1), GFP_KERNEL)?;
        shared.work.lock().insert(work).as_ref().start();
        shared.wait_for(TICKED);
        // If the tick never came, the work item is still here: drop it now
        // (after the lock, which the tick takes).
        let left = shared.work.lock().take();
        drop(left);
        pr_info!("init failing\n");
        shared.reach(FAILING);
        Err(EAGAIN)
    }
}
