// SPDX-License-Identifier: GPL-2.0

//! A module whose `init` fails while a teardown it deferred is still
//! pending (not a demo; `ci/guest/tests/35-selftest.sh` loads it).
//!
//! A `PeriodicWork` drops itself from its first tick, which defers the
//! cancel to an async worker, and then keeps running for 200 ms. `init`
//! waits for that tick, then fails. The kernel frees a module whose `init`
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
    #[pin]
    ticked: Mutex<bool>,
    #[pin]
    cond: CondVar,
}

/// The work's value: drops its own work item at the first tick.
struct Ticker(Arc<Shared>);

impl Tick for Ticker {
    fn tick(&self) {
        let shared = &self.0;
        let own = shared.work.lock().take();
        *shared.ticked.lock() = true;
        shared.cond.notify_all();
        // Dropped from its own tick: the cancel is deferred.
        drop(own);
        // Still running while `init` fails and returns.
        let mut ticked = shared.ticked.lock();
        let _ = shared
            .cond
            .wait_interruptible_timeout(&mut ticked, msecs_to_jiffies(200));
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
                ticked <- new_mutex!(false),
                cond <- new_condvar!(),
            }),
            GFP_KERNEL,
        )?;
        let work = KBox::pin_init(PeriodicWork::new(Ticker(shared.clone()), 1), GFP_KERNEL)?;
        shared.work.lock().insert(work).as_ref().start();
        let mut ticked = shared.ticked.lock();
        for _ in 0..50 {
            if *ticked {
                break;
            }
            let _ = shared
                .cond
                .wait_interruptible_timeout(&mut ticked, msecs_to_jiffies(100));
        }
        drop(ticked);
        // If the tick never came, the work item is still here: drop it now.
        drop(shared.work.lock().take());
        pr_info!("init failing\n");
        Err(EAGAIN)
    }
}
