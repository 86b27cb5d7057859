// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the kfiles crates; see kfiles_helpers.h for why each exists.
 * These are linked into every module that uses the crates (kbuild/kfiles.mk);
 * those of one crate only are apart, linked only into modules that use it:
 * helpers_debugfs.c (debugfs-rs), helpers_procfs.c (procfs-rs),
 * helpers_relay.c (relay-rs) and helpers_work.c (periodic-work).
 */
#include <linux/async.h>
#include <linux/cpu.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "kfiles_helpers.h"
#include "helpers_internal.h"

void kfiles_seq_hex_dump(struct seq_file *m, const char *prefix, bool offsets, int rowsize,
			 int groupsize, const void *buf, size_t len, bool ascii)
{
	seq_hex_dump(m, prefix, offsets ? DUMP_PREFIX_OFFSET : DUMP_PREFIX_NONE, rowsize,
		     groupsize, buf, min_t(size_t, len, INT_MAX - 32), ascii);
}

/* seq_escape() for a byte range: octal escapes for @esc and non-printables. */
void kfiles_seq_escape(struct seq_file *m, const char *src, size_t len, const char *esc)
{
	seq_escape_mem(m, src, len, ESCAPE_OCTAL, esc);
}

struct file *kfiles_fget(unsigned int fd)
{
	/* current->files is only changed by the task itself (exit_files()). */
	if (!in_task() || !current->files)
		return NULL;
	return fget(fd);
}

void kfiles_get_file(struct file *file)
{
	get_file(file);
}

unsigned int kfiles_seq_reader_uid(struct seq_file *m, unsigned int uid)
{
	return from_kuid_munged(seq_user_ns(m), make_kuid(&init_user_ns, uid));
}

unsigned int kfiles_seq_reader_gid(struct seq_file *m, unsigned int gid)
{
	return from_kgid_munged(seq_user_ns(m), make_kgid(&init_user_ns, gid));
}

/*
 * Read-side critical sections entered through the helpers below, on this
 * CPU, for kfiles_may_sleep(). Only kept where RCU is not preemptible:
 * rcu_read_lock() then disables preemption, so the section cannot leave the
 * CPU (unless it sleeps, which is what the count is there to refuse). With
 * PREEMPT_RCU, rcu_preempt_depth() counts sections exactly instead.
 */
static DEFINE_PER_CPU(unsigned int, kfiles_rcu_depth);

void kfiles_rcu_read_lock(void)
{
	rcu_read_lock();
	if (!IS_ENABLED(CONFIG_PREEMPT_RCU))
		this_cpu_inc(kfiles_rcu_depth);
}

void kfiles_rcu_read_unlock(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RCU))
		this_cpu_dec(kfiles_rcu_depth);
	rcu_read_unlock();
}

pid_t kfiles_task_pid(struct task_struct *t)
{
	return task_pid_nr(t);
}

/*
 * Copies @t's comm, NUL-padded, without task_lock(), as get_task_comm() does
 * since 6.13 (6.12's takes the lock): __set_task_comm() writes with
 * strscpy_pad(), so a racing rename may give a mix of old and new bytes but
 * always a NUL-terminated name.
 */
void kfiles_task_comm(struct task_struct *t, char *buf, size_t len)
{
	strscpy_pad(buf, t->comm, len);
}

/* relay's nesting stack lives here: kfiles_may_sleep() reads it in every module. */
DEFINE_PER_CPU(struct kfiles_relay_nest, kfiles_relay_nest);

bool kfiles_may_sleep(void)
{
	if (!in_task() || irqs_disabled())
		return false;
	/*
	 * Inside a relay write of a task-only channel (a hook, a reservation's
	 * filling code), where only preemption is off, which kernels without
	 * PREEMPT_COUNT cannot see.
	 */
	if (kfiles_relay_writing_here())
		return false;
	/* Inside an RCU read-side section, whether or not preemption counts. */
	if (rcu_preempt_depth() ||
	    (!IS_ENABLED(CONFIG_PREEMPT_RCU) && this_cpu_read(kfiles_rcu_depth)))
		return false;
	/*
	 * Softirq-disabled sections count everywhere; preemption-disabled ones
	 * (a held spinlock) only with PREEMPT_COUNT.
	 */
	if (in_atomic())
		return false;
	/* Debug kernels report what the checks above cannot see. */
	might_sleep();
	return true;
}


/*
 * Deferred teardowns: see kfiles_defer_teardown() in kfiles_helpers.h.
 *
 * They run as async functions. In a module declared with
 * kfiles_compat::module!, which calls kfiles_teardowns_own() before init,
 * they go to this module's exclusive domain, which that macro waits for
 * after a failed init and after the exit function: async_synchronize_full()
 * elsewhere in the kernel (a module load, a driver unregistering, a teardown
 * itself) then never waits for them, so it cannot wait for the callback a
 * teardown waits for. Otherwise they go to the global domain, which
 * delete_module() waits for after the exit function.
 */
static ASYNC_DOMAIN_EXCLUSIVE(kfiles_teardown_domain);
static bool kfiles_teardowns_owned;

void kfiles_teardowns_own(void)
{
	WRITE_ONCE(kfiles_teardowns_owned, true);
}

static void kfiles_poll_exit(void);

/* See helpers_internal.h. */
bool (*kfiles_pernet_sweep)(void);

bool kfiles_teardowns_are_owned(void)
{
	return READ_ONCE(kfiles_teardowns_owned);
}

void kfiles_teardowns_wait(void)
{
	bool (*sweep)(void);

	async_synchronize_full_domain(&kfiles_teardown_domain);
	/*
	 * NetFiles still registered were leaked: release them one at a time,
	 * and wait for what each release's own drops queued (another NetFiles
	 * its state held, files' teardowns) before looking again.
	 */
	sweep = READ_ONCE(kfiles_pernet_sweep);
	while (sweep && sweep())
		async_synchronize_full_domain(&kfiles_teardown_domain);
	/* Last: the teardowns above free poll heads. */
	kfiles_poll_exit();
}

struct kfiles_deferred {
	void (*fn)(void *arg);
	void *arg;
};

/* The teardown being queued on this CPU (preemption off meanwhile). */
static DEFINE_PER_CPU(struct kfiles_deferred *, kfiles_deferring);

static void kfiles_deferred_run(void *data, async_cookie_t cookie)
{
	struct kfiles_deferred *d = data;

	/*
	 * async_schedule() calls the function at once, in the caller's context,
	 * when it cannot allocate its entry or too much async work is pending:
	 * then this CPU is still inside kfiles_defer() for @d, with preemption
	 * off, so no real run can be on this CPU meanwhile. Leave it to the
	 * caller.
	 */
	if (this_cpu_read(kfiles_deferring) == d) {
		this_cpu_write(kfiles_deferring, NULL);
		return;
	}
	d->fn(d->arg);
	kfree(d);
}

static int kfiles_defer(void (*fn)(void *arg), void *arg, bool may_sleep)
{
	struct kfiles_deferred *d = kmalloc(sizeof(*d), may_sleep ? GFP_KERNEL : GFP_ATOMIC);
	struct kfiles_deferred *prev;
	bool inline_run;

	if (!d)
		return -ENOMEM;
	d->fn = fn;
	d->arg = arg;
	preempt_disable();
	prev = this_cpu_xchg(kfiles_deferring, d);
	if (READ_ONCE(kfiles_teardowns_owned))
		async_schedule_domain(kfiles_deferred_run, d, &kfiles_teardown_domain);
	else
		async_schedule(kfiles_deferred_run, d);
	/*
	 * An inline run cleared the mark and left @d to us. (A real run cannot
	 * start on this CPU before preempt_enable(); an interrupt that defers
	 * meanwhile restores the mark it found.)
	 */
	inline_run = this_cpu_read(kfiles_deferring) != d;
	this_cpu_write(kfiles_deferring, prev);
	preempt_enable();
	if (inline_run) {
		kfree(d);
		return -ENOMEM;
	}
	return 0;
}

void kfiles_pin_for_leak(void)
{
	/* A module still loading is freed if its init fails, pinned or not. */
	if (THIS_MODULE->state == MODULE_STATE_LIVE && try_module_get(THIS_MODULE))
		pr_err("kfiles: out of memory tearing down an entry; leaking it and keeping the module loaded\n");
	else
		pr_crit("kfiles: out of memory tearing down an entry while the module loads or unloads; the entry is leaked\n");
}

void kfiles_defer_teardown(void (*fn)(void *arg), void *arg)
{
	bool may_sleep = kfiles_may_sleep();

	while (kfiles_defer(fn, arg, may_sleep)) {
		/* Where sleeping is allowed, wait for memory rather than leak. */
		if (!may_sleep) {
			kfiles_pin_for_leak();
			return;
		}
		schedule_timeout_uninterruptible(1);
	}
}

/*
 * Event queues (kfiles_file::EventQueue): wait queues whose readers sleep in
 * a file's read handler until the driver wakes them. One lockdep class per
 * module: the queues' locks are never nested.
 */
static struct lock_class_key kfiles_event_queue_key;

void kfiles_init_event_queue(struct wait_queue_head *wq)
{
	__init_waitqueue_head(wq, "kfiles_event_queue", &kfiles_event_queue_key);
}

void kfiles_wake_up_all(struct wait_queue_head *wq)
{
	wake_up_all(wq);
}

/*
 * Sleeps (interruptibly) on @wq until @ready(@arg): 0, or -ERESTARTSYS on a
 * signal. @ready runs with the task state set to TASK_INTERRUPTIBLE: it must
 * not sleep.
 */
int kfiles_wait_event_interruptible(struct wait_queue_head *wq, bool (*ready)(const void *arg),
				    const void *arg)
{
	return wait_event_interruptible(*wq, ready(arg));
}

static_assert(KFILES_POLLIN == (__force unsigned int)EPOLLIN);
static_assert(KFILES_POLLPRI == (__force unsigned int)EPOLLPRI);
static_assert(KFILES_POLLOUT == (__force unsigned int)EPOLLOUT);
static_assert(KFILES_POLLERR == (__force unsigned int)EPOLLERR);
static_assert(KFILES_POLLHUP == (__force unsigned int)EPOLLHUP);
static_assert(KFILES_POLLRDNORM == (__force unsigned int)EPOLLRDNORM);
static_assert(KFILES_POLLRDBAND == (__force unsigned int)EPOLLRDBAND);
static_assert(KFILES_POLLWRNORM == (__force unsigned int)EPOLLWRNORM);
static_assert(KFILES_POLLWRBAND == (__force unsigned int)EPOLLWRBAND);
static_assert(KFILES_POLLMSG == (__force unsigned int)EPOLLMSG);
static_assert(KFILES_POLLRDHUP == (__force unsigned int)EPOLLRDHUP);
static_assert(KFILES_POLL_REMOVED ==
	      (KFILES_POLLIN | KFILES_POLLPRI | KFILES_POLLOUT | KFILES_POLLERR | KFILES_POLLHUP |
	       KFILES_POLLRDNORM | KFILES_POLLRDBAND | KFILES_POLLWRNORM | KFILES_POLLWRBAND |
	       KFILES_POLLMSG | KFILES_POLLRDHUP));

/*
 * The pollers of one file. A poll wait entry stays on the queue it was added
 * to until its poller is done with it: poll() and select() take it off when
 * the call returns (holding a reference to the file meanwhile; but procfs may
 * already have released the file, and debugfs's removal does not wait for
 * open files), epoll, aio and io_uring when the file is closed or when woken
 * with POLLFREE. So pollers never sleep on a queue of the driver's, which the
 * driver may free with the file's value: they sleep on a head of their own,
 * allocated here, to which the driver's queue forwards its wake-ups.
 *
 * When the file goes, kfiles_poll_head_quiesce() first wakes the pollers
 * while the file still answers them with every event (so a poll() for
 * POLLPRI only returns too, which procfs's own answer for a removed entry
 * would not make it do), for at most KFILES_POLL_QUIESCE; after the removal,
 * kfiles_poll_head_free() wakes them once more with POLLFREE and frees the
 * head after an RCU grace period (epoll reads the head's address under RCU)
 * if none is left. A poll() whose pass over its other descriptors never ends
 * (one on a FUSE file whose daemon does not answer) keeps its entry: such a
 * head is an orphan, swept (woken, freed once empty) at every later
 * kfiles_poll_head_free() and at module exit, and left allocated if still
 * held then. Removal never waits for user space.
 *
 * The heads' lock class key is allocated and registered (lockdep) on first
 * use rather than static: an orphan left at module exit must not use a key
 * in the module's freed memory. The forwarding wake-up takes a head's lock
 * inside the event queue's; the sweep takes heads' locks inside the orphan
 * list's.
 */
#define KFILES_POLL_QUIESCE (HZ / 2)

static DEFINE_MUTEX(kfiles_poll_key_lock);
static struct lock_class_key *kfiles_poll_key;
static DEFINE_SPINLOCK(kfiles_poll_orphans_lock);
static LIST_HEAD(kfiles_poll_orphans);

static int kfiles_poll_forward(struct wait_queue_entry *wait, unsigned int mode, int sync,
			       void *key)
{
	struct kfiles_poll_head *ph = container_of(wait, struct kfiles_poll_head, forward);

	__wake_up(&ph->head, mode, 0, key);
	return 0;
}

/* Allocates a head with no pollers, forwarding from no queue; NULL if out of memory. */
struct kfiles_poll_head *kfiles_poll_head_new(void)
{
	struct kfiles_poll_head *ph;

	might_sleep();
	mutex_lock(&kfiles_poll_key_lock);
	if (!kfiles_poll_key) {
		kfiles_poll_key = kzalloc(sizeof(*kfiles_poll_key), GFP_KERNEL);
		if (kfiles_poll_key)
			lockdep_register_key(kfiles_poll_key);
	}
	mutex_unlock(&kfiles_poll_key_lock);
	if (!kfiles_poll_key)
		return NULL;
	ph = kzalloc(sizeof(*ph), GFP_KERNEL);
	if (!ph)
		return NULL;
	__init_waitqueue_head(&ph->head, "kfiles_poll_head", kfiles_poll_key);
	init_waitqueue_func_entry(&ph->forward, kfiles_poll_forward);
	INIT_LIST_HEAD(&ph->orphan);
	return ph;
}

/* Forwards the wake-ups of @source (an event queue) to @ph's pollers. */
void kfiles_poll_head_attach(struct kfiles_poll_head *ph, struct wait_queue_head *source)
{
	ph->source = source;
	add_wait_queue(source, &ph->forward);
}

void kfiles_poll_wait(struct file *file, struct kfiles_poll_head *ph, struct poll_table_struct *pt)
{
	poll_wait(file, &ph->head, pt);
}

static bool kfiles_poll_head_empty(struct kfiles_poll_head *ph)
{
	unsigned long flags;
	bool empty;

	spin_lock_irqsave(&ph->head.lock, flags);
	empty = list_empty(&ph->head.head);
	spin_unlock_irqrestore(&ph->head.lock, flags);
	return empty;
}

/*
 * Wakes every poller with every event (each then asks the file again, or,
 * for epoll, aio and io_uring with POLLFREE, takes its entry off at once).
 */
static void kfiles_poll_head_wake_all(struct kfiles_poll_head *ph, bool pollfree)
{
	__poll_t key = (__force __poll_t)KFILES_POLL_REMOVED | (pollfree ? POLLFREE : 0);

	__wake_up(&ph->head, TASK_NORMAL, 0, poll_to_key(key));
}

/*
 * The file answers every event and adds no poller any more: wakes the
 * pollers until none is left, for at most KFILES_POLL_QUIESCE. Sleeps.
 */
void kfiles_poll_head_quiesce(struct kfiles_poll_head *ph)
{
	unsigned long deadline = jiffies + KFILES_POLL_QUIESCE;

	might_sleep();
	while (!kfiles_poll_head_empty(ph)) {
		kfiles_poll_head_wake_all(ph, true);
		if (time_after(jiffies, deadline))
			return;
		schedule_timeout_uninterruptible(1);
	}
}

/* Wakes the orphans and frees those no poller holds any more. */
static void kfiles_poll_sweep(void)
{
	struct kfiles_poll_head *ph, *next;
	unsigned long flags;

	spin_lock_irqsave(&kfiles_poll_orphans_lock, flags);
	list_for_each_entry_safe(ph, next, &kfiles_poll_orphans, orphan) {
		kfiles_poll_head_wake_all(ph, true);
		if (kfiles_poll_head_empty(ph)) {
			list_del(&ph->orphan);
			kfree_rcu(ph, rcu);
		}
	}
	spin_unlock_irqrestore(&kfiles_poll_orphans_lock, flags);
}

/*
 * Stops forwarding (when this returns, no forwarded wake-up runs any more)
 * and frees @ph once no poller holds it: the file is gone (or was never
 * created), so nobody adds pollers to it any more. Any context but NMI.
 */
void kfiles_poll_head_free(struct kfiles_poll_head *ph)
{
	unsigned long flags;

	if (ph->source)
		remove_wait_queue(ph->source, &ph->forward);
	ph->source = NULL;
	kfiles_poll_head_wake_all(ph, true);
	if (kfiles_poll_head_empty(ph)) {
		kfree_rcu(ph, rcu);
	} else {
		spin_lock_irqsave(&kfiles_poll_orphans_lock, flags);
		list_add_tail(&ph->orphan, &kfiles_poll_orphans);
		spin_unlock_irqrestore(&kfiles_poll_orphans_lock, flags);
	}
	kfiles_poll_sweep();
}

/*
 * At module exit: frees what the orphans no longer need, and the lock class
 * key if no orphan is left (otherwise both stay allocated, logged).
 */
static void kfiles_poll_exit(void)
{
	bool left;

	kfiles_poll_sweep();
	spin_lock_irq(&kfiles_poll_orphans_lock);
	left = !list_empty(&kfiles_poll_orphans);
	spin_unlock_irq(&kfiles_poll_orphans_lock);
	mutex_lock(&kfiles_poll_key_lock);
	if (left) {
		pr_warn("kfiles: pollers still hold the poll queues of removed files; leaving them allocated\n");
	} else if (kfiles_poll_key) {
		/*
		 * epoll may still take the lock of a head being freed, in an RCU
		 * read-side section begun before the head's POLLFREE wake-up.
		 */
		synchronize_rcu();
		lockdep_unregister_key(kfiles_poll_key);
		kfree(kfiles_poll_key);
		kfiles_poll_key = NULL;
	}
	mutex_unlock(&kfiles_poll_key_lock);
}

const void *kfiles_current_task(void)
{
	return current;
}
