// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the kfiles crates; see kfiles_helpers.h for why each exists.
 * Linked into every module that uses the crates (kbuild/kfiles.mk).
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

#ifdef CONFIG_RELAY
static bool kfiles_relay_writing_here(void);
#else
static bool kfiles_relay_writing_here(void)
{
	return false;
}
#endif

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

#ifdef CONFIG_RELAY
/*
 * relay writers.
 *
 * relay-rs does not call relay_write(), __relay_write(), relay_reserve() or
 * relay_flush(): every write and switch goes through the functions below,
 * which differ from relay's in these ways (docs/relay-races.md has the
 * races and their measurements).
 *
 * 1. No-overwrite channels decide "full" before switching. relay_switch_subbuf()
 *    counts the new sub-buffer (subbufs_produced++) and sets offset = 0 before
 *    it asks subbuf_start(), and only a refusal then sets offset to
 *    subbuf_size + 1. A read() on another CPU that looks in between sees
 *    produced - consumed >= n_subbufs with a plausible offset, takes the
 *    buffer for overrun (relay_file_read_avail()) and skips the oldest unread
 *    sub-buffer: silent loss in the mode that promises none. Here a switch
 *    that would find the buffer full is never started; the record is refused.
 *
 * 2. Context is enforced. Channels opened for task-context writers
 *    (KFILES_RELAY_TASK_ONLY) only disable preemption while writing, which
 *    excludes other writers only if none runs in interrupt context: every
 *    write path of such a channel refuses !in_task(). Other channels disable
 *    interrupts, which does not exclude NMIs: they refuse in_nmi().
 *
 * 3. Nothing re-enters a buffer being written. While this CPU writes to,
 *    switches or holds a reservation in a channel's buffer (the writer
 *    excluded), the channel is on this CPU's nesting stack; a write or
 *    reservation from code running inside (a hook, the code filling a
 *    reservation, an interrupt) to a channel on the stack is refused
 *    (-EBUSY): it would land in the middle of the outer one. Entries and
 *    exits nest (interrupts return before what they interrupted resumes; a
 *    reservation is released after its filling code returns), so the stack
 *    is one per CPU.
 *
 * 4. Reservations are published when committed: the offset moves past a slot
 *    only at commit, so read() never returns a slot before its bytes.
 *
 * 5. Publication is ordered for readers on other CPUs: the finished
 *    sub-buffer's padding before relay counts it, bytes before the offset
 *    that covers them, and (in the subbuf_start callback) the new sub-buffer's
 *    data pointer before its offset.
 */
#define KFILES_RELAY_MAX_NEST 4

struct kfiles_relay_nest {
	unsigned int depth;
	struct rchan *chan[KFILES_RELAY_MAX_NEST];
};
static DEFINE_PER_CPU(struct kfiles_relay_nest, kfiles_relay_nest);

/*
 * Whether this CPU is inside a relay write of a channel of this module. In
 * task context with interrupts on (kfiles_may_sleep() asks only there), a
 * write in progress on this CPU can only be the caller's own: another
 * task's keeps preemption off until it leaves, and interrupts return first.
 */
static bool kfiles_relay_writing_here(void)
{
	return raw_cpu_read(kfiles_relay_nest.depth) != 0;
}

/* Puts @chan on this CPU's nesting stack; false if it is there already or the
 * stack is full. Called with the channel's writers excluded on this CPU. */
static __always_inline bool kfiles_relay_enter(struct rchan *chan)
{
	struct kfiles_relay_nest *nest = this_cpu_ptr(&kfiles_relay_nest);
	unsigned int i;

	if (unlikely(nest->depth)) {
		if (nest->depth == KFILES_RELAY_MAX_NEST)
			return false;
		for (i = 0; i < nest->depth; i++)
			if (nest->chan[i] == chan)
				return false;
	}
	/*
	 * Depth first: an interrupt in between (task-only channels keep
	 * interrupts on) then pushes above the slot, not over it.
	 */
	i = nest->depth;
	WRITE_ONCE(nest->depth, i + 1);
	barrier();
	nest->chan[i] = chan;
	return true;
}

static __always_inline void kfiles_relay_exit(void)
{
	this_cpu_ptr(&kfiles_relay_nest)->depth--;
}

bool kfiles_relay_hook_enter(struct rchan *chan, unsigned long *flags)
{
	local_irq_save(*flags);
	if (kfiles_relay_enter(chan))
		return true;
	local_irq_restore(*flags);
	return false;
}

void kfiles_relay_hook_exit(unsigned long flags)
{
	kfiles_relay_exit();
	local_irq_restore(flags);
}

/* Global channels' locks this CPU holds (interrupts nest inside tasks). */
static DEFINE_PER_CPU(unsigned int, kfiles_relay_global_held);

/*
 * Takes a global channel's lock, entered in the channel with interrupts off
 * (every global write path disables them, task-only channels' too): waits
 * for it if this CPU holds no other global channel's lock, else only tries
 * it (see kfiles_helpers.h). Holders run with interrupts off, so a CPU that
 * waits holds no global lock of this module, nor is one held below it by an
 * interrupted task: no cycle of waiters among these locks can form.
 */
static __always_inline bool kfiles_relay_lock(struct raw_spinlock *lock)
{
	if (likely(!this_cpu_read(kfiles_relay_global_held)))
		raw_spin_lock(lock);
	else if (!raw_spin_trylock(lock))
		return false;
	this_cpu_inc(kfiles_relay_global_held);
	return true;
}

static __always_inline void kfiles_relay_unlock(struct raw_spinlock *lock)
{
	this_cpu_dec(kfiles_relay_global_held);
	raw_spin_unlock(lock);
}

static __always_inline bool kfiles_relay_context_ok(unsigned int flags)
{
	if (flags & KFILES_RELAY_TASK_ONLY)
		return in_task();
	return !in_nmi();
}

/*
 * Whether relay_switch_subbuf() on @buf would find the buffer full: it
 * finishes the current sub-buffer (unless a refused switch already did, which
 * left offset at subbuf_size + 1) and starts the next, whose slot must not
 * hold a sub-buffer the reader has not consumed. The acquire orders the
 * reader's copy out of that slot (done before it advanced subbufs_consumed)
 * before our writes into it.
 */
static __always_inline bool kfiles_relay_switch_would_overrun(struct rchan_buf *buf)
{
	size_t produced = buf->subbufs_produced;

	if (buf->offset != buf->chan->subbuf_size + 1)
		produced++;
	return produced - smp_load_acquire(&buf->subbufs_consumed) >= buf->chan->n_subbufs;
}

/*
 * Calls relay_switch_subbuf(), having stored the padding of the sub-buffer it
 * finishes first: relay stores it just before it counts the sub-buffer, with
 * no barrier between, so a reader on a weakly ordered CPU could see the count
 * without it. relay stores the same value again.
 */
static size_t kfiles_relay_switch(struct rchan_buf *buf, size_t length)
{
	size_t size = buf->chan->subbuf_size, offset = buf->offset;

	if (offset <= size) {
		WRITE_ONCE(buf->padding[buf->subbufs_produced % buf->chan->n_subbufs], size - offset);
		smp_wmb();
	}
	return relay_switch_subbuf(buf, length);
}

/* The callbacks a channel was opened with (kfiles_relay_open()). */
static __always_inline const struct kfiles_relay_callbacks *
kfiles_relay_callbacks_of(struct rchan *chan)
{
	return container_of(chan->cb, const struct kfiles_relay_callbacks, cb);
}

/*
 * Makes room for @length bytes in @buf, switching sub-buffers if needed, and
 * returns the offset of that room, or a negative errno: -ENOSPC when the
 * buffer is full in no-overwrite mode (reported to the buffer_full hook, on
 * this CPU, writers still excluded), -ECANCELED when subbuf_start() refused
 * the new sub-buffer. Called with @buf's writers excluded and the channel
 * entered.
 */
static __always_inline long kfiles_relay_room(struct rchan *chan, struct rchan_buf *buf,
					      size_t length, unsigned int flags)
{
	size_t offset = buf->offset;

	if (likely(offset + length <= chan->subbuf_size))
		return offset;
	if (!(flags & KFILES_RELAY_OVERWRITE) && kfiles_relay_switch_would_overrun(buf)) {
		const struct kfiles_relay_callbacks *cb = kfiles_relay_callbacks_of(chan);

		if (cb->buffer_full)
			cb->buffer_full(chan->private_data, buf->cpu);
		return -ENOSPC;
	}
	if (!kfiles_relay_switch(buf, length))
		return -ECANCELED;
	return buf->offset;
}

/*
 * Copies @length bytes into @buf and publishes them. This CPU's writers
 * excluded; those of other CPUs too, through @lock, on a global channel.
 */
static __always_inline long kfiles_relay_put(struct rchan *chan, struct rchan_buf *buf,
					     const void *data, size_t length, unsigned int flags,
					     struct raw_spinlock *lock)
{
	long offset;

	if (unlikely(!buf))
		return -ENODEV;
	if (unlikely(!kfiles_relay_enter(chan)))
		return -EBUSY;
	if ((flags & KFILES_RELAY_GLOBAL) && unlikely(!kfiles_relay_lock(lock))) {
		kfiles_relay_exit();
		return -EBUSY;
	}
	offset = kfiles_relay_room(chan, buf, length, flags);
	if (likely(offset >= 0)) {
		memcpy(buf->data + offset, data, length);
		/* Readers copy up to buf->offset: the bytes must be there first. */
		smp_store_release(&buf->offset, offset + length);
		offset = length;
	}
	if (flags & KFILES_RELAY_GLOBAL)
		kfiles_relay_unlock(lock);
	kfiles_relay_exit();
	return offset;
}

long kfiles_relay_write(struct rchan *chan, const void *data, size_t length, unsigned int flags,
			struct raw_spinlock *lock)
{
	unsigned long irqflags;
	long ret;

	if (unlikely(!kfiles_relay_context_ok(flags)))
		return -EPERM;
	/* A global channel's lock is only ever held with interrupts off. */
	if ((flags & (KFILES_RELAY_TASK_ONLY | KFILES_RELAY_GLOBAL)) == KFILES_RELAY_TASK_ONLY) {
		/* Interrupt-context writers are refused, so this excludes them all. */
		preempt_disable();
		ret = kfiles_relay_put(chan, *this_cpu_ptr(chan->buf), data, length, flags, lock);
		preempt_enable();
		return ret;
	}
	local_irq_save(irqflags);
	ret = kfiles_relay_put(chan, *this_cpu_ptr(chan->buf), data, length, flags, lock);
	local_irq_restore(irqflags);
	return ret;
}

long kfiles_relay_reserve(struct rchan *chan, size_t length, unsigned int flags,
			  struct raw_spinlock *lock, struct kfiles_relay_slot *slot)
{
	struct rchan_buf *buf;
	long offset;

	if (unlikely(!kfiles_relay_context_ok(flags)))
		return -EPERM;
	local_irq_save(slot->irqflags);
	buf = *this_cpu_ptr(chan->buf);
	if (unlikely(!buf)) {
		offset = -ENODEV;
		goto refused;
	}
	if (unlikely(!kfiles_relay_enter(chan))) {
		offset = -EBUSY;
		goto refused;
	}
	slot->lock = flags & KFILES_RELAY_GLOBAL ? lock : NULL;
	if (slot->lock && unlikely(!kfiles_relay_lock(slot->lock))) {
		kfiles_relay_exit();
		offset = -EBUSY;
		goto refused;
	}
	offset = kfiles_relay_room(chan, buf, length, flags);
	if (unlikely(offset < 0)) {
		if (slot->lock)
			kfiles_relay_unlock(slot->lock);
		kfiles_relay_exit();
		goto refused;
	}
	slot->buf = buf;
	slot->data = buf->data + offset;
	slot->len = length;
	slot->end = offset + length;
	return 0;
refused:
	local_irq_restore(slot->irqflags);
	return offset;
}

void kfiles_relay_release(const struct kfiles_relay_slot *slot, bool commit)
{
	if (commit)
		smp_store_release(&slot->buf->offset, slot->end);
	else
		/* An mmap() reader may have seen bytes of it: leave none. */
		memset(slot->data, 0, slot->len);
	if (slot->lock)
		kfiles_relay_unlock(slot->lock);
	kfiles_relay_exit();
	local_irq_restore(slot->irqflags);
}

/*
 * A global channel's lock, with a lockdep class of its own: with one class
 * for all, "S held around a write to channel 1" and "channel 2's hook takes
 * S" would look like a cycle.
 */
struct kfiles_relay_global {
	struct raw_spinlock lock;
	struct lock_class_key key;
};

static void kfiles_relay_free_global(struct raw_spinlock *lock)
{
	struct kfiles_relay_global *global;

	if (!lock)
		return;
	global = container_of(lock, struct kfiles_relay_global, lock);
	lockdep_unregister_key(&global->key);
	kfree(global);
}

struct rchan *kfiles_relay_open(const char *base_filename, struct dentry *parent,
				size_t subbuf_size, size_t n_subbufs,
				const struct kfiles_relay_callbacks *cb, void *private_data,
				struct raw_spinlock **global_lock)
{
	struct rchan *chan;

	if (global_lock) {
		struct kfiles_relay_global *global = kzalloc(sizeof(*global), GFP_KERNEL);

		if (!global)
			return NULL;
		lockdep_register_key(&global->key);
		raw_spin_lock_init(&global->lock);
		lockdep_set_class(&global->lock, &global->key);
		*global_lock = &global->lock;
	}

	/*
	 * relay_open() creates buffers for the online CPUs without holding the
	 * hotplug lock: a CPU coming online meanwhile would get none, and a
	 * write there would find no buffer.
	 */
	cpus_read_lock();
	chan = relay_open(base_filename, parent, subbuf_size, n_subbufs, &cb->cb, private_data);
	cpus_read_unlock();
	if (!chan && global_lock) {
		kfiles_relay_free_global(*global_lock);
		*global_lock = NULL;
	}
	return chan;
}

void kfiles_relay_close(struct rchan *chan, struct raw_spinlock *global_lock)
{
	relay_close(chan);
	kfiles_relay_free_global(global_lock);
}

struct kfiles_relay_flush_args {
	struct rchan *chan;
	unsigned int flags;
};

/*
 * A global channel's one buffer is switched from here, under its lock with
 * interrupts off, which excludes the writers of every CPU. -EBUSY from
 * inside a write of the channel, or of another global channel whose lock
 * the lock is only tried under (a hook of a task-only channel may flush
 * where the kernel cannot tell that it is atomic).
 */
static int kfiles_relay_flush_global(struct rchan *chan, unsigned int flags,
				     struct raw_spinlock *lock)
{
	struct rchan_buf *buf;
	unsigned long irqflags;
	int ret = -EBUSY;

	local_irq_save(irqflags);
	/* relay_open_buf() keeps a global channel's one buffer in CPU 0's slot. */
	buf = *per_cpu_ptr(chan->buf, 0);
	if (!buf) {
		ret = -ENODEV;
	} else if (kfiles_relay_enter(chan)) {
		if (kfiles_relay_lock(lock)) {
			if ((flags & KFILES_RELAY_OVERWRITE) ||
			    !kfiles_relay_switch_would_overrun(buf))
				kfiles_relay_switch(buf, 0);
			kfiles_relay_unlock(lock);
			ret = 0;
		}
		kfiles_relay_exit();
	}
	local_irq_restore(irqflags);
	return ret;
}

/* Finishes @buf's current sub-buffer, unless that would overrun. Writers excluded. */
static void kfiles_relay_flush_buf(struct rchan *chan, struct rchan_buf *buf, unsigned int flags)
{
	if (!kfiles_relay_enter(chan))
		return;
	if ((flags & KFILES_RELAY_OVERWRITE) || !kfiles_relay_switch_would_overrun(buf))
		kfiles_relay_switch(buf, 0);
	kfiles_relay_exit();
}

/* Runs on the buffer's CPU, in a kworker: interrupts off exclude its writers. */
static long kfiles_relay_flush_this_cpu(void *data)
{
	struct kfiles_relay_flush_args *args = data;
	struct rchan_buf *buf;
	unsigned long irqflags;

	local_irq_save(irqflags);
	buf = *this_cpu_ptr(args->chan->buf);
	if (buf)
		kfiles_relay_flush_buf(args->chan, buf, args->flags);
	local_irq_restore(irqflags);
	return 0;
}

/* Serialises flushes of buffers whose CPU is offline (done from here). */
static DEFINE_MUTEX(kfiles_relay_flush_mutex);

/*
 * relay_flush() switches every CPU's buffer from the calling CPU while that
 * CPU's writers may be inside a write. Here each online CPU's buffer is
 * switched on that CPU, by a kworker bound to it with interrupts off, which
 * excludes both kinds of writers: those with interrupts off and those with
 * preemption off (a kworker cannot run on a CPU inside a preempt-disabled
 * section). cpus_read_lock() keeps CPUs from going on- or offline meanwhile;
 * the buffer of an offline CPU has no writers and is switched from here.
 */
int kfiles_relay_flush(struct rchan *chan, unsigned int flags, struct raw_spinlock *lock)
{
	struct kfiles_relay_flush_args args = { .chan = chan, .flags = flags };
	struct rchan_buf *buf;
	unsigned int cpu;

	if (!kfiles_may_sleep())
		return -EPERM;
	might_sleep();
	if (flags & KFILES_RELAY_GLOBAL)
		return kfiles_relay_flush_global(chan, flags, lock);
	cpus_read_lock();
	mutex_lock(&kfiles_relay_flush_mutex);
	for_each_possible_cpu(cpu) {
		buf = *per_cpu_ptr(chan->buf, cpu);
		if (!buf)
			continue;
		if (cpu_online(cpu)) {
			work_on_cpu(cpu, kfiles_relay_flush_this_cpu, &args);
		} else {
			unsigned long irqflags;

			local_irq_save(irqflags);
			kfiles_relay_flush_buf(chan, buf, flags);
			local_irq_restore(irqflags);
		}
	}
	mutex_unlock(&kfiles_relay_flush_mutex);
	cpus_read_unlock();
	return 0;
}

int kfiles_relay_reset(struct rchan *chan)
{
	if (!kfiles_may_sleep())
		return -EPERM;
	might_sleep();
	relay_reset(chan);
	return 0;
}

/*
 * relay_subbufs_consumed() under the lock read() holds on the buffer's file,
 * so that a kernel-side consumer and a reader in read() do not update the
 * consumed counts at the same time (which could move them backwards). The
 * reader's position inside the sub-buffer it was in goes with it.
 */
int kfiles_relay_subbufs_consumed(struct rchan *chan, unsigned int cpu, size_t consumed)
{
	struct rchan_buf *buf;
	struct inode *inode;
	size_t before;

	if (cpu >= nr_cpu_ids || !cpu_possible(cpu) || consumed > chan->n_subbufs)
		return -EINVAL;
	if (!kfiles_may_sleep())
		return -EPERM;
	buf = *per_cpu_ptr(chan->buf, cpu);
	if (!buf)
		return -ENODEV;
	inode = d_inode(buf->dentry);
	inode_lock(inode);
	before = buf->subbufs_consumed;
	/*
	 * The caller's reads of what it consumed (through mmap()) before the
	 * count the writer checks: relay stores it plainly.
	 */
	smp_mb();
	relay_subbufs_consumed(chan, cpu, consumed);
	if (buf->subbufs_consumed != before)
		buf->bytes_consumed = 0;
	inode_unlock(inode);
	return 0;
}

int kfiles_relay_buf_full(struct rchan *chan, unsigned int cpu)
{
	struct rchan_buf *buf;
	size_t produced;

	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	buf = READ_ONCE(*per_cpu_ptr(chan->buf, cpu));
	if (!buf)
		return -ENODEV;
	/* kfiles_relay_switch_would_overrun(), from outside the writer. */
	produced = READ_ONCE(buf->subbufs_produced);
	if (READ_ONCE(buf->offset) != chan->subbuf_size + 1)
		produced++;
	return produced - smp_load_acquire(&buf->subbufs_consumed) >= chan->n_subbufs;
}

/* Copies of a sub-buffer read() may retry against a lapping writer. */
#define KFILES_RELAY_TORN_RETRIES 8

/*
 * read() of a relay-rs buffer file: relay_file_read() without its races.
 *
 * relay_file_read() reads the buffer's padding, offset and counts several
 * times per step without a lock shared with the writer, and its steps can see
 * different states: relay_file_read_consume() may miss the padding of a
 * sub-buffer that relay_file_read_start_pos() then skips, leaving
 * bytes_consumed counted against the old sub-buffer while the data came from
 * the next one, which the following read() returns again (duplicates); in
 * overwrite mode a padding that changes between the two looks makes
 * relay_file_read_subbuf_avail() underflow and copy past the sub-buffer.
 *
 * This read takes one acquire-ordered look at subbufs_produced per step and
 * derives everything from it: a sub-buffer below it is finished, its padding
 * (stored before the count moved, kfiles_relay_switch()) final; the one at
 * it is the writer's, whose published offset bounds the read once buf->data
 * shows the writer has moved in (data is published after the offset was
 * reset, and is read before and after the offset). It keeps relay's reader
 * state (subbufs_consumed, bytes_consumed, the file position) with relay's
 * meaning, so poll(), mmap() readers and resuming readers see what they
 * expect. Overwrite mode: when the writer laps the reader the oldest
 * sub-buffers are skipped, as relay does, and bytes the writer may have
 * overwritten while they were copied are not returned.
 *
 * Callers hold the file's inode lock (as relay_file_read() does), which
 * serialises readers and kfiles_relay_subbufs_consumed().
 */
static ssize_t kfiles_relay_read_locked(struct rchan_buf *buf, char __user *ubuf, size_t count,
					loff_t *ppos)
{
	size_t size = buf->chan->subbuf_size, n = buf->chan->n_subbufs;
	size_t consumed = buf->subbufs_consumed, done = buf->bytes_consumed;
	size_t written = 0;
	unsigned int torn = 0;
	bool fault = false;

	while (count) {
		size_t produced = smp_load_acquire(&buf->subbufs_produced);
		size_t index, end, avail;
		void *subbuf;

		if (produced - consumed >= n) {
			/* Overwrite mode: the writer lapped us; skip to the oldest left. */
			consumed = produced - n + 1;
			done = 0;
		}
		index = consumed % n;
		subbuf = buf->start + index * size;
		if (consumed != produced) {
			end = size - READ_ONCE(buf->padding[index]);
		} else {
			/* The writer's sub-buffer: readable once it has moved in. */
			void *data = smp_load_acquire(&buf->data);

			end = smp_load_acquire(&buf->offset);
			if (data != subbuf || READ_ONCE(buf->data) != subbuf || end > size) {
				/* Mid-switch: look at the count again, or stop. */
				if (smp_load_acquire(&buf->subbufs_produced) != produced)
					continue;
				end = 0;
			}
		}
		if (end <= done) {
			if (consumed == produced)
				break;
			/* A finished sub-buffer read to its end. */
			consumed++;
			done = 0;
			continue;
		}
		avail = min(count, end - done);
		if (copy_to_user(ubuf, subbuf + done, avail)) {
			fault = true;
			break;
		}
		/* The copy's loads before the second look at the count. */
		smp_rmb();
		if (READ_ONCE(buf->subbufs_produced) - consumed >= n) {
			/* Overwritten while we copied: do not return those bytes. */
			if (++torn == KFILES_RELAY_TORN_RETRIES)
				break;
			continue;
		}
		ubuf += avail;
		written += avail;
		count -= avail;
		done += avail;
		if (consumed != produced && done == end) {
			consumed++;
			done = 0;
		}
	}
	/* The writer may reuse what we consumed once it sees the count: after the copy. */
	smp_store_release(&buf->subbufs_consumed, consumed);
	buf->bytes_consumed = done;
	/* relay's file position: where the next byte comes from. */
	*ppos = (consumed % n) * size + done;
	if (!written && fault)
		return -EFAULT;
	return written;
}

static ssize_t kfiles_relay_read(struct file *filp, char __user *ubuf, size_t count,
				 loff_t *ppos)
{
	struct rchan_buf *buf = filp->private_data;
	ssize_t ret;

	if (!count)
		return 0;
	inode_lock(file_inode(filp));
	ret = kfiles_relay_read_locked(buf, ubuf, count, ppos);
	inode_unlock(file_inode(filp));
	return ret;
}

/*
 * mmap() of a buffer file: relay maps the buffer at the file offset the
 * caller chose without checking it, and its fault handler then maps whatever
 * page lies that far past the buffer (other vmalloc memory, kernel stacks).
 * Only offset 0, and read-only. (relay moved from mmap to mmap_prepare
 * between the two kernels the crates support.)
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
static int kfiles_relay_mmap_prepare(struct vm_area_desc *desc)
{
	if (desc->pgoff)
		return -EINVAL;
	if (vma_desc_test_any(desc, VMA_WRITE_BIT))
		return -EPERM;
	vma_desc_clear_flags(desc, VMA_MAYWRITE_BIT);
	return relay_file_operations.mmap_prepare(desc);
}
#else
static int kfiles_relay_mmap(struct file *filp, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE);
	return relay_file_operations.mmap(filp, vma);
}
#endif

/*
 * The buffer's geometry and counters in /proc/PID/fdinfo/FD, beside the
 * file position a reader already takes from there: a reader that starts
 * inside a sub-buffer (after an earlier reader) learns the exact length
 * relay maps (PAGE_ALIGN(subbuf_size * n_subbufs)) without trying every
 * length, and sees how far the writer is ahead. Kernels since 6.17 also
 * count, per buffer, the sub-buffer switches that found the buffer full and
 * the writes too big for a sub-buffer (struct rchan_buf_stats); 7.0 is the
 * first such kernel the crates build on. The buffer outlives the open file
 * (relay_file_open() took a reference); the counters are read without the
 * writers' exclusion, each a snapshot.
 */
static void kfiles_relay_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct rchan_buf *buf = filp->private_data;
	/* Consumed first: it never passes produced, so neither does the snapshot. */
	size_t consumed = smp_load_acquire(&buf->subbufs_consumed);
	size_t produced = smp_load_acquire(&buf->subbufs_produced);

	seq_printf(m, "relay_subbuf_size:\t%zu\nrelay_n_subbufs:\t%zu\n",
		   buf->chan->subbuf_size, buf->chan->n_subbufs);
	seq_printf(m, "relay_produced:\t%zu\nrelay_consumed:\t%zu\n", produced, consumed);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	seq_printf(m, "relay_full:\t%u\nrelay_too_big:\t%u\n",
		   READ_ONCE(buf->stats.full_count), READ_ONCE(buf->stats.big_count));
#endif
}

/*
 * relay's file operations with the read, mmap and fdinfo above. They pin the module
 * that holds them (THIS_MODULE: the helpers are linked into every module that
 * uses them) while a file is open or mapped; open is refused until the
 * buffer is set up (kfiles_relay_file_open() above); poll and release stay
 * relay's own. Filled in before the first file is created, under
 * relay_channels_mutex, which relay holds around every call of
 * create_buf_file.
 */
static struct file_operations kfiles_relay_fops;
static bool kfiles_relay_fops_ready;

/*
 * relay creates a buffer's file before it sets the buffer up: relay_open_buf()
 * calls create_buf_file() and only then __relay_reset(buf, 1), which
 * initialises the buffer's reference count, wait queue and irq_work. An open()
 * in between took a reference that kref_init() then overwrote (the file later
 * read a freed buffer), and a poll() waited on a zeroed wait queue (an oops).
 * So the file is created without its buffer and refuses to open until
 * kfiles_relay_buf_ready() gives it one.
 */
static int kfiles_relay_file_open(struct inode *inode, struct file *filp)
{
	/* Pairs with the release in kfiles_relay_buf_ready(). */
	if (!smp_load_acquire(&inode->i_private))
		return -ENOENT;
	return relay_file_operations.open(inode, filp);
}

/*
 * Called by relay-rs's subbuf_start() callback for a buffer's first
 * sub-buffer, which __relay_reset() asks for last, once the buffer is set up
 * (again after relay_reset(), when this does nothing).
 */
void kfiles_relay_buf_ready(struct rchan_buf *buf)
{
	struct inode *inode;

	if (!buf->dentry)
		return;
	inode = d_inode(buf->dentry);
	if (!READ_ONCE(inode->i_private))
		smp_store_release(&inode->i_private, buf);
}

/*
 * The debugfs file of one per-CPU relay buffer, without debugfs's proxy
 * file_operations: the proxy does not forward mmap(), and relay's own file
 * operations keep the buffer alive themselves, so they need no protection
 * against the file's removal. (relay then uses the file's size as the count
 * of bytes produced.)
 */
struct dentry *kfiles_relay_create_buf_file(const char *name, umode_t mode,
					    struct dentry *parent)
{
	if (!kfiles_relay_fops_ready) {
		kfiles_relay_fops = relay_file_operations;
		kfiles_relay_fops.owner = THIS_MODULE;
		kfiles_relay_fops.open = kfiles_relay_file_open;
		kfiles_relay_fops.read = kfiles_relay_read;
		kfiles_relay_fops.show_fdinfo = kfiles_relay_show_fdinfo;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
		kfiles_relay_fops.mmap_prepare = kfiles_relay_mmap_prepare;
#else
		kfiles_relay_fops.mmap = kfiles_relay_mmap;
#endif
		kfiles_relay_fops_ready = true;
	}
	/* No data yet: kfiles_relay_buf_ready() sets it. */
	return debugfs_create_file_unsafe(name, mode, parent, NULL, &kfiles_relay_fops);
}
#endif /* CONFIG_RELAY */

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
