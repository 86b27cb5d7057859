// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the kfiles crates; see kfiles_helpers.h for why each exists.
 * Linked into every module that uses the crates (kbuild/kfiles.mk); relay's
 * are in helpers_relay.c, linked only into modules that use relay-rs.
 */
#include <linux/async.h>
#include <linux/cpu.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
/* Later kernels moved the clock bases (hrtimer_callback_running()) here. */
#if __has_include(<linux/hrtimer_bases.h>)
#include <linux/hrtimer_bases.h>
#endif
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/fs_struct.h>
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/relay.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include "kfiles_helpers.h"
#include "helpers_internal.h"

struct dentry *kfiles_debugfs_create_dir(const char *name, struct dentry *parent)
{
	return debugfs_create_dir(name, parent);
}

struct dentry *kfiles_debugfs_create_file(const char *name, umode_t mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops)
{
	return debugfs_create_file(name, mode, parent, data, fops);
}

void kfiles_debugfs_remove(struct dentry *dentry)
{
	debugfs_remove(dentry);
}

bool kfiles_debugfs_initialized(void)
{
	return debugfs_initialized();
}

struct dentry *kfiles_debugfs_create_symlink(const char *name, struct dentry *parent,
					     const char *target)
{
	return debugfs_create_symlink(name, parent, target);
}

void *kfiles_pde_data(const struct inode *inode)
{
	return pde_data(inode);
}

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

/*
 * The process after @p in the task list, as next_task(), starting with the
 * first one after init_task when @p is NULL, and NULL once the walk is back at
 * init_task (as for_each_process() stops). Call under rcu_read_lock().
 */
struct task_struct *kfiles_next_process(struct task_struct *p)
{
	struct task_struct *next = next_task(p ? p : &init_task);

	return next == &init_task ? NULL : next;
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

static bool kfiles_pernet_sweep_one(void);

bool kfiles_teardowns_are_owned(void)
{
	return READ_ONCE(kfiles_teardowns_owned);
}

void kfiles_teardowns_wait(void)
{
	async_synchronize_full_domain(&kfiles_teardown_domain);
	/*
	 * NetFiles still registered were leaked: release them one at a time,
	 * and wait for what each release's own drops queued (another NetFiles
	 * its state held, files' teardowns) before looking again.
	 */
	while (kfiles_pernet_sweep_one())
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

struct work_struct *kfiles_current_work(void)
{
	return current_work();
}

bool kfiles_hrtimer_running_here(struct hrtimer *timer)
{
	return !in_task() && hrtimer_callback_running(timer) &&
	       READ_ONCE(timer->base)->cpu_base->cpu == smp_processor_id();
}

/*
 * The names procfs-rs has claimed in its directories (see procfs-rs's
 * entry.rs): procfs WARNs before refusing a name that exists, so the crate
 * refuses it first. One lock per module (the helpers are linked into each);
 * a module's directories are its own.
 */
static DEFINE_MUTEX(kfiles_proc_names_mutex);

void kfiles_proc_names_lock(void)
{
	mutex_lock(&kfiles_proc_names_mutex);
}

void kfiles_proc_names_unlock(void)
{
	mutex_unlock(&kfiles_proc_names_mutex);
}

/* The root directory of pid 1 of the initial pid namespace, referenced. */
static int kfiles_init_root(struct path *root)
{
	struct task_struct *init;
	int err = -ESRCH;

	rcu_read_lock();
	init = pid_task(find_pid_ns(1, &init_pid_ns), PIDTYPE_PID);
	if (init)
		get_task_struct(init);
	rcu_read_unlock();
	if (!init)
		return err;
	/* As proc_root_link() does: task_lock() keeps ->fs. */
	task_lock(init);
	if (init->fs) {
		get_fs_root(init->fs, root);
		err = 0;
	}
	task_unlock(init);
	put_task_struct(init);
	return err;
}

/* Looks @rel up below the root of pid 1 with the kernel's credentials. */
static int kfiles_init_root_path(const char *rel, struct path *path)
{
	const struct cred *old;
	struct path root;
	struct cred *kcred;
	int err;

	err = kfiles_init_root(&root);
	if (err)
		return err;
	kcred = prepare_kernel_cred(&init_task);
	if (!kcred) {
		path_put(&root);
		return -ENOMEM;
	}
	/* (6.12's override_creds() takes a reference that revert_creds()
	 * drops; later ones take none: either way ours is put after.) */
	old = override_creds(kcred);
	err = vfs_path_lookup(root.dentry, root.mnt, rel, 0, path);
	revert_creds(old);
	put_cred(kcred);
	path_put(&root);
	return err;
}

/*
 * -EEXIST if @rel (freed here) exists below the root of pid 1, 0 if it does
 * not or if pid 1 has no root yet; other lookup errors (the name may exist,
 * unseen) are returned with @strict, else 0. Looked up with the kernel's
 * credentials, so that hidepid= or a security module does not hide a name
 * from the caller's.
 */
static int kfiles_init_root_lookup(char *rel, bool strict)
{
	struct path path;
	int err;

	if (!rel)
		return -ENOMEM;
	/*
	 * From the root of the initial namespace's init (pid 1), not the
	 * caller's: the caller's /proc may be absent (a chroot, a task past
	 * exit_fs()) or show a subset (subset=pid). (Not init_task's: later
	 * kernels give it an empty root of its own.) No LOOKUP_FOLLOW: a
	 * symlink (/proc/self) exists as itself.
	 */
	err = kfiles_init_root_path(rel, &path);
	kfree(rel);
	if (!err) {
		path_put(&path);
		return -EEXIST;
	}
	if (err == -ENOENT || err == -ESRCH || !strict)
		return 0;
	return err;
}

int kfiles_debugfs_rename(struct dentry *dentry, const char *name)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	return debugfs_change_name(dentry, "%s", name);
#else
	struct dentry *parent, *existing, *moved;
	int err = 0;

	parent = dget_parent(dentry);
	existing = debugfs_lookup(name, parent);
	if (!IS_ERR_OR_NULL(existing)) {
		if (existing != dentry)
			err = -EEXIST;
		dput(existing);
	} else {
		/* (The stub without CONFIG_DEBUG_FS takes a char *.) */
		moved = debugfs_rename(parent, dentry, parent, (char *)name);
		if (IS_ERR(moved))
			err = PTR_ERR(moved);
		/* Made meanwhile by another task: debugfs_rename() says -EINVAL. */
		if (err == -EINVAL) {
			existing = debugfs_lookup(name, parent);
			if (!IS_ERR_OR_NULL(existing)) {
				err = -EEXIST;
				dput(existing);
			}
		}
	}
	dput(parent);
	return err;
#endif
}

int kfiles_debugfs_set_size(struct dentry *dentry, unsigned long long size)
{
	struct inode *inode = d_inode(dentry);

	if (size > LLONG_MAX)
		return -EINVAL;
	inode_lock(inode);
	i_size_write(inode, size);
	inode_unlock(inode);
	return 0;
}

/*
 * Serialises the procfs setters below with each other (procfs's own readers,
 * and proc_notify_change() writing a chmod back, do not take it).
 */
static DEFINE_MUTEX(kfiles_proc_attr_lock);

int kfiles_proc_set_size(struct proc_dir_entry *pde, unsigned long long size)
{
	if (size > LLONG_MAX)
		return -EINVAL;
	mutex_lock(&kfiles_proc_attr_lock);
	proc_set_size(pde, size);
	mutex_unlock(&kfiles_proc_attr_lock);
	return 0;
}

int kfiles_proc_set_owner(struct proc_dir_entry *pde, unsigned int uid, unsigned int gid)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	kgid_t kgid = make_kgid(&init_user_ns, gid);

	if (!uid_valid(kuid) || !gid_valid(kgid))
		return -EINVAL;
	mutex_lock(&kfiles_proc_attr_lock);
	proc_set_user(pde, kuid, kgid);
	mutex_unlock(&kfiles_proc_attr_lock);
	return 0;
}

int kfiles_proc_root_lookup(const char *name)
{
	return kfiles_init_root_lookup(kasprintf(GFP_KERNEL, "proc/%s", name), false);
}

#if IS_ENABLED(CONFIG_NET) && IS_ENABLED(CONFIG_PROC_FS)
#include <net/net_namespace.h>

/*
 * One pernet registration of procfs-rs. init and exit read the slot without
 * the mutex: they are written before register_pernet_subsys(), which takes
 * pernet_ops_rwsem before any call, and the slot is only freed after
 * unregister_pernet_subsys() returned, after the last call.
 */
struct kfiles_pernet_slot {
	struct pernet_operations ops;
	int (*init)(void *ctx, void *net);
	void (*exit)(void *ctx, void *net);
	void (*release)(void *ctx);
	void *ctx;
	/* Counts the registrations the slot had: a handle of an earlier one
	 * finds it changed and does nothing. */
	unsigned long gen;
	bool used;
	bool releasing;
};

static struct kfiles_pernet_slot kfiles_pernet_slots[KFILES_PERNET_SLOTS];
static DEFINE_MUTEX(kfiles_pernet_mutex);

/* Not __net_init: without CONFIG_NET_NS that is __init code, gone by the
 * time a registration made after module init calls it (and __net_exit is
 * __ref, for symmetry). */
#define KFILES_PERNET_CALLS(i)							\
static int kfiles_pernet_init_##i(struct net *net)				\
{										\
	struct kfiles_pernet_slot *slot = &kfiles_pernet_slots[i];		\
										\
	return slot->init(slot->ctx, net);					\
}										\
static void kfiles_pernet_exit_##i(struct net *net)				\
{										\
	struct kfiles_pernet_slot *slot = &kfiles_pernet_slots[i];		\
										\
	slot->exit(slot->ctx, net);						\
}
KFILES_PERNET_CALLS(0)
KFILES_PERNET_CALLS(1)
KFILES_PERNET_CALLS(2)
KFILES_PERNET_CALLS(3)
KFILES_PERNET_CALLS(4)
KFILES_PERNET_CALLS(5)
KFILES_PERNET_CALLS(6)
KFILES_PERNET_CALLS(7)
static_assert(KFILES_PERNET_SLOTS == 8, "one KFILES_PERNET_CALLS() per slot");

static int (*const kfiles_pernet_inits[KFILES_PERNET_SLOTS])(struct net *) = {
	kfiles_pernet_init_0, kfiles_pernet_init_1, kfiles_pernet_init_2, kfiles_pernet_init_3,
	kfiles_pernet_init_4, kfiles_pernet_init_5, kfiles_pernet_init_6, kfiles_pernet_init_7,
};
static void (*const kfiles_pernet_exits[KFILES_PERNET_SLOTS])(struct net *) = {
	kfiles_pernet_exit_0, kfiles_pernet_exit_1, kfiles_pernet_exit_2, kfiles_pernet_exit_3,
	kfiles_pernet_exit_4, kfiles_pernet_exit_5, kfiles_pernet_exit_6, kfiles_pernet_exit_7,
};

long kfiles_pernet_register(int (*init)(void *ctx, void *net), void (*exit)(void *ctx, void *net),
			    void (*release)(void *ctx), void *ctx)
{
	struct kfiles_pernet_slot *slot = NULL;
	unsigned long gen = 0;
	int i, err;

	mutex_lock(&kfiles_pernet_mutex);
	for (i = 0; i < KFILES_PERNET_SLOTS; i++) {
		if (!kfiles_pernet_slots[i].used) {
			slot = &kfiles_pernet_slots[i];
			slot->used = true;
			gen = slot->gen;
			break;
		}
	}
	mutex_unlock(&kfiles_pernet_mutex);
	if (!slot)
		return -EBUSY;
	slot->ops.init = kfiles_pernet_inits[i];
	slot->ops.exit = kfiles_pernet_exits[i];
	slot->init = init;
	slot->exit = exit;
	slot->release = release;
	slot->ctx = ctx;
	err = register_pernet_subsys(&slot->ops);
	if (err) {
		mutex_lock(&kfiles_pernet_mutex);
		slot->used = false;
		mutex_unlock(&kfiles_pernet_mutex);
		return err;
	}
	return (long)(gen << 8 | i);
}

/*
 * Releases the registration of @arg (a handle) if it is still the slot's
 * and not being released: unregisters it (its exits run), calls release,
 * frees the slot. A stale handle does nothing.
 */
static void kfiles_pernet_release(void *arg)
{
	unsigned long handle = (unsigned long)arg;
	struct kfiles_pernet_slot *slot;

	if ((handle & 0xff) >= KFILES_PERNET_SLOTS)
		return;
	slot = &kfiles_pernet_slots[handle & 0xff];
	mutex_lock(&kfiles_pernet_mutex);
	if (!slot->used || slot->releasing || slot->gen != handle >> 8) {
		mutex_unlock(&kfiles_pernet_mutex);
		return;
	}
	slot->releasing = true;
	mutex_unlock(&kfiles_pernet_mutex);
	unregister_pernet_subsys(&slot->ops);
	slot->release(slot->ctx);
	mutex_lock(&kfiles_pernet_mutex);
	slot->gen++;
	slot->releasing = false;
	slot->used = false;
	mutex_unlock(&kfiles_pernet_mutex);
}

void kfiles_pernet_drop(long handle)
{
	kfiles_defer_teardown(kfiles_pernet_release, (void *)handle);
}

/*
 * A registration still here when the module goes was leaked (forgotten,
 * or its deferred drop could not be queued): its pernet_operations are in
 * the module's memory and would stay on the kernel's list. Release it as
 * its drop would have. A handle dropped later (by what the release drops)
 * is stale, and does nothing. Returns whether it released one.
 */
static bool kfiles_pernet_sweep_one(void)
{
	unsigned long handle = 0;
	bool found = false;
	int i;

	mutex_lock(&kfiles_pernet_mutex);
	for (i = 0; i < KFILES_PERNET_SLOTS && !found; i++) {
		if (kfiles_pernet_slots[i].used && !kfiles_pernet_slots[i].releasing) {
			handle = kfiles_pernet_slots[i].gen << 8 | i;
			found = true;
		}
	}
	mutex_unlock(&kfiles_pernet_mutex);
	if (!found)
		return false;
	pr_warn("kfiles: a NetFiles of this module was leaked; released at unload\n");
	kfiles_pernet_release((void *)handle);
	return true;
}

struct proc_dir_entry *kfiles_net_proc_dir(void *net)
{
	return ((struct net *)net)->proc_net;
}

struct proc_dir_entry *kfiles_init_net_proc_dir(void)
{
	return init_net.proc_net;
}

unsigned int kfiles_net_inum(const void *net)
{
	return ((const struct net *)net)->ns.inum;
}

bool kfiles_net_is_initial(const void *net)
{
	return net == &init_net;
}

struct proc_dir_entry *kfiles_proc_net_mkdir(const char *name, umode_t mode,
					     struct proc_dir_entry *parent)
{
	/* proc_net_mkdir(), with a mode: looked up afresh each time. */
	return _proc_mkdir(name, mode, parent, NULL, true);
}

int kfiles_proc_init_net_lookup(const char *name)
{
	struct path net;
	int err;

	/* /proc/1/net must be there, and procfs's: else nothing is known. */
	err = kfiles_init_root_path("proc/1/net", &net);
	if (err)
		return err == -ENOENT || err == -ESRCH ? -EAGAIN : err;
	if (net.dentry->d_sb->s_magic != PROC_SUPER_MAGIC) {
		path_put(&net);
		return -EAGAIN;
	}
	path_put(&net);
	return kfiles_init_root_lookup(kasprintf(GFP_KERNEL, "proc/1/net/%s", name), true);
}
#else
static bool kfiles_pernet_sweep_one(void)
{
	return false;
}

long kfiles_pernet_register(int (*init)(void *ctx, void *net), void (*exit)(void *ctx, void *net),
			    void (*release)(void *ctx), void *ctx)
{
	return -EOPNOTSUPP;
}

void kfiles_pernet_drop(long handle)
{
}

struct proc_dir_entry *kfiles_net_proc_dir(void *net)
{
	return NULL;
}

struct proc_dir_entry *kfiles_init_net_proc_dir(void)
{
	return NULL;
}

unsigned int kfiles_net_inum(const void *net)
{
	return 0;
}

bool kfiles_net_is_initial(const void *net)
{
	return true;
}

struct proc_dir_entry *kfiles_proc_net_mkdir(const char *name, umode_t mode,
					     struct proc_dir_entry *parent)
{
	return NULL;
}

int kfiles_proc_init_net_lookup(const char *name)
{
	return 0;
}
#endif
