// SPDX-License-Identifier: GPL-2.0
/*
 * relay's C helpers (see kfiles_helpers.h): linked into the modules that use
 * relay-rs, and into C modules that ask for them (kbuild/kfiles.mk).
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
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "kfiles_helpers.h"
#include "helpers_internal.h"

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
/* The nesting stack, kfiles_relay_nest, is in helpers_internal.h. */

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

/*
 * relay_reset() rewrites every buffer's counts, offsets and paddings without
 * the lock read() holds (the buffer file's inode lock): a read() in progress
 * would mix the old state with the new, copy stale sub-buffers as if the
 * writer had lapped it, and its final store of subbufs_consumed would undo
 * the reset's. So resets are counted, the count odd while one runs: read()
 * starts only when none runs, and stores its new position only if none
 * began since (both under kfiles_relay_reset_lock, which a reset takes to
 * move the count); otherwise it reads again from where the reset left the
 * buffer. Only the inode lock is held across the copy, as relay's own
 * read() does, and none while waiting for a reset: relay_close() takes the
 * inode lock (removing the file) under relay's channels mutex, which
 * relay_reset() takes (for per-CPU channels), so a reader waiting with it
 * for a reset that waits for a close would deadlock. A reset does not wait
 * for readers itself; it does through relay's channels mutex when a close of
 * another channel holds that and waits for a reader stalled in a user copy
 * (as relay_close() alone would), and the module's readers then wait for
 * the reset. One count per module rather than per channel (relay's channel
 * has no room for one; a per-channel count would need a wrapper around
 * private_data): a reset makes the module's reads and subbufs_consumed()
 * calls that overlap it, of any channel, wait or read again, and frequent
 * resets of one channel can starve large reads of another. The mutex keeps
 * two resets from overlapping (which would make the count even while both
 * run).
 */
static DEFINE_MUTEX(kfiles_relay_reset_mutex);
static DEFINE_SPINLOCK(kfiles_relay_reset_lock);
static unsigned long kfiles_relay_resets;

static void kfiles_relay_count_reset(void)
{
	spin_lock(&kfiles_relay_reset_lock);
	WRITE_ONCE(kfiles_relay_resets, kfiles_relay_resets + 1);
	spin_unlock(&kfiles_relay_reset_lock);
}

/*
 * Waits, without locks, until the reset count moves on from @seen (odd: the
 * reset that runs has ended). -EINTR on a fatal signal.
 */
static int kfiles_relay_wait_reset(unsigned long seen)
{
	if (wait_var_event_killable(&kfiles_relay_resets, READ_ONCE(kfiles_relay_resets) != seen))
		return -EINTR;
	return 0;
}

int kfiles_relay_reset(struct rchan *chan)
{
	if (!kfiles_may_sleep())
		return -EPERM;
	might_sleep();
	mutex_lock(&kfiles_relay_reset_mutex);
	kfiles_relay_count_reset();
	relay_reset(chan);
	kfiles_relay_count_reset();
	mutex_unlock(&kfiles_relay_reset_mutex);
	/* The count's store before wake_up_var()'s look for waiters. */
	smp_mb();
	wake_up_var(&kfiles_relay_resets);
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
	/* Not during a reset of any channel of the module (see kfiles_relay_reset()). */
	for (;;) {
		unsigned long resets;

		inode_lock(inode);
		spin_lock(&kfiles_relay_reset_lock);
		resets = kfiles_relay_resets;
		if (!(resets & 1))
			break;
		spin_unlock(&kfiles_relay_reset_lock);
		inode_unlock(inode);
		if (kfiles_relay_wait_reset(resets))
			return -EINTR;
	}
	before = buf->subbufs_consumed;
	/*
	 * The caller's reads of what it consumed (through mmap()) before the
	 * count the writer checks: relay stores it plainly.
	 */
	smp_mb();
	relay_subbufs_consumed(chan, cpu, consumed);
	if (buf->subbufs_consumed != before)
		buf->bytes_consumed = 0;
	spin_unlock(&kfiles_relay_reset_lock);
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
 * serialises readers and kfiles_relay_subbufs_consumed(). If a reset runs,
 * or began meanwhile, it changes nothing and sets *@resets to the count it
 * saw last, odd while that reset runs: the caller, without the inode lock,
 * waits for it to end and reads again (kfiles_relay_reset()).
 */
static ssize_t kfiles_relay_read_locked(struct rchan_buf *buf, char __user *ubuf, size_t count,
					loff_t *ppos, unsigned long *resets)
{
	size_t size = buf->chan->subbuf_size, n = buf->chan->n_subbufs;
	size_t consumed, done, written = 0;
	unsigned long seen;
	unsigned int torn = 0;
	bool fault = false;

	spin_lock(&kfiles_relay_reset_lock);
	seen = kfiles_relay_resets;
	consumed = buf->subbufs_consumed;
	done = buf->bytes_consumed;
	spin_unlock(&kfiles_relay_reset_lock);
	if (seen & 1) {
		*resets = seen;
		return 0;
	}
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
	spin_lock(&kfiles_relay_reset_lock);
	if (kfiles_relay_resets != seen) {
		/* A reset began meanwhile: what was copied may be stale. */
		*resets = kfiles_relay_resets;
		spin_unlock(&kfiles_relay_reset_lock);
		return 0;
	}
	/* The writer may reuse what we consumed once it sees the count: after the copy. */
	smp_store_release(&buf->subbufs_consumed, consumed);
	buf->bytes_consumed = done;
	spin_unlock(&kfiles_relay_reset_lock);
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
	unsigned long resets;
	ssize_t ret;

	if (!count)
		return 0;
	for (;;) {
		/* Even: no reset interfered. */
		resets = 0;
		inode_lock(file_inode(filp));
		ret = kfiles_relay_read_locked(buf, ubuf, count, ppos, &resets);
		inode_unlock(file_inode(filp));
		if (!resets)
			return ret;
		/* A reset ran or runs: wait for it without the inode lock, then read again. */
		if (fatal_signal_pending(current))
			return -EINTR;
		if ((resets & 1) && kfiles_relay_wait_reset(resets))
			return -EINTR;
		cond_resched();
	}
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
