// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of periodic-work (see kfiles_helpers.h), linked only into
 * modules that use it (kbuild/kfiles.mk): delayed work and hrtimers.
 */
#include <linux/hrtimer.h>
/* Later kernels moved the clock bases (hrtimer_callback_running()) here. */
#if __has_include(<linux/hrtimer_bases.h>)
#include <linux/hrtimer_bases.h>
#endif
#include <linux/sched.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include "kfiles_helpers.h"

void kfiles_init_delayed_work(struct delayed_work *dwork,
			      void (*func)(struct work_struct *work),
			      struct lock_class_key *key)
{
	/*
	 * A lockdep class of its own for each item: INIT_DELAYED_WORK()'s one
	 * static key would put every item of the module in one class, and a
	 * tick that cancels another item (or a lock taken both in one tick and
	 * around another item's cancel) would be reported as recursion.
	 */
	INIT_DELAYED_WORK(dwork, func);
	lockdep_register_key(key);
#ifdef CONFIG_LOCKDEP
	lockdep_init_map(&dwork->work.lockdep_map, "(work_completion)kfiles", key, 0);
#endif
}

void kfiles_release_work_key(struct lock_class_key *key)
{
	lockdep_unregister_key(key);
}

bool kfiles_schedule_delayed_work_ms(struct delayed_work *dwork, unsigned int ms)
{
	/* At least one jiffy: a delay of 0 would re-run at once, forever. */
	return schedule_delayed_work(dwork, max(msecs_to_jiffies(ms), 1UL));
}

struct delayed_work *kfiles_to_delayed_work(struct work_struct *work)
{
	return to_delayed_work(work);
}

static enum hrtimer_mode kfiles_hrtimer_mode(bool hard)
{
	return hard ? HRTIMER_MODE_REL_PINNED_HARD : HRTIMER_MODE_REL_PINNED_SOFT;
}

void kfiles_hrtimer_setup(struct hrtimer *timer,
			  enum hrtimer_restart (*function)(struct hrtimer *), bool hard)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	hrtimer_init(timer, CLOCK_MONOTONIC, kfiles_hrtimer_mode(hard));
	timer->function = function;
#else
	hrtimer_setup(timer, function, CLOCK_MONOTONIC, kfiles_hrtimer_mode(hard));
#endif
}

void kfiles_hrtimer_start_ns(struct hrtimer *timer, u64 ns, bool hard)
{
	hrtimer_start(timer, ns_to_ktime(ns), kfiles_hrtimer_mode(hard));
}

void kfiles_hrtimer_forward_now_ns(struct hrtimer *timer, u64 ns)
{
	hrtimer_forward_now(timer, ns_to_ktime(ns));
}

struct work_struct *kfiles_current_work(void)
{
	return current_work();
}

bool kfiles_hrtimer_running_here(struct hrtimer *timer)
{
	return !in_task() && hrtimer_callback_running(timer) &&
	       READ_ONCE(timer->base)->cpu_base->cpu == smp_processor_id();
}
