// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the kfiles crates; see kfiles_helpers.h for why each exists.
 * Linked into every module that uses the crates (kbuild/kfiles.mk).
 */
#include <linux/debugfs.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/relay.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/string.h>
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

void *kfiles_pde_data(const struct inode *inode)
{
	return pde_data(inode);
}

/* seq_escape() for a byte range: octal escapes for @esc and non-printables. */
void kfiles_seq_escape(struct seq_file *m, const char *src, size_t len, const char *esc)
{
	seq_escape_mem(m, src, len, ESCAPE_OCTAL, esc);
}

void kfiles_rcu_read_lock(void)
{
	rcu_read_lock();
}

void kfiles_rcu_read_unlock(void)
{
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

/* Copies @t's comm, NUL-padded, as get_task_comm() does. */
void kfiles_task_comm(struct task_struct *t, char *buf, size_t len)
{
	strscpy_pad(buf, t->comm, len);
}

/*
 * relay_write() (include/linux/relay.h), returning the bytes written: 0 when
 * relay_switch_subbuf() refused the record (buffer full in no-overwrite mode,
 * or a record larger than a sub-buffer), so that the caller can count drops
 * on every kernel version (7.x also counts them in buf->stats; 6.12 does not).
 */
size_t kfiles_relay_write(struct rchan *chan, const void *data, size_t length)
{
	unsigned long flags;
	struct rchan_buf *buf;

	local_irq_save(flags);
	buf = *this_cpu_ptr(chan->buf);
	if (unlikely(buf->offset + length > chan->subbuf_size))
		length = relay_switch_subbuf(buf, length);
	memcpy(buf->data + buf->offset, data, length);
	buf->offset += length;
	local_irq_restore(flags);
	return length;
}

/*
 * __relay_write(), returning the bytes written as kfiles_relay_write(). It
 * only disables preemption, which is safe only if no writer of the channel
 * ever runs in interrupt context: refusing writes outside task context here
 * makes that true by construction.
 */
long kfiles_relay_write_task(struct rchan *chan, const void *data, size_t length)
{
	struct rchan_buf *buf;

	if (unlikely(!in_task()))
		return -EPERM;
	buf = *get_cpu_ptr(chan->buf);
	if (unlikely(buf->offset + length > buf->chan->subbuf_size))
		length = relay_switch_subbuf(buf, length);
	memcpy(buf->data + buf->offset, data, length);
	buf->offset += length;
	put_cpu_ptr(chan->buf);
	return length;
}

/*
 * relay_reserve() with interrupts disabled, so that nothing else writes to
 * this CPU's buffer until kfiles_relay_end(). On NULL (record dropped) the
 * interrupts are already restored.
 */
void *kfiles_relay_reserve(struct rchan *chan, size_t length, unsigned long *flags)
{
	void *slot;

	local_irq_save(*flags);
	slot = relay_reserve(chan, length);
	if (!slot)
		local_irq_restore(*flags);
	return slot;
}

/*
 * Gives back the reservation @slot of @length bytes if it is still the last
 * thing in this CPU's sub-buffer (interrupts have been off since it was made,
 * so only the reserving code itself can have written after it).
 */
bool kfiles_relay_unreserve(struct rchan *chan, void *slot, size_t length)
{
	struct rchan_buf *buf = *this_cpu_ptr(chan->buf);

	if (buf->data + buf->offset != slot + length)
		return false;
	buf->offset -= length;
	return true;
}

void kfiles_relay_end(unsigned long flags)
{
	local_irq_restore(flags);
}

int kfiles_relay_subbufs_consumed(struct rchan *chan, unsigned int cpu, size_t consumed)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	relay_subbufs_consumed(chan, cpu, consumed);
	return 0;
}

/*
 * The debugfs file of one per-CPU relay buffer, without debugfs's proxy
 * file_operations: the proxy does not forward mmap(), and relay's file
 * operations are built into the kernel and keep the buffer alive themselves,
 * so they need no protection against the file's removal. (relay then uses the
 * file's size as the count of bytes produced.)
 */
struct dentry *kfiles_relay_create_buf_file(const char *name, umode_t mode,
					    struct dentry *parent, struct rchan_buf *buf)
{
	return debugfs_create_file_unsafe(name, mode, parent, buf, &relay_file_operations);
}

void kfiles_init_delayed_work(struct delayed_work *dwork,
			      void (*func)(struct work_struct *work))
{
	INIT_DELAYED_WORK(dwork, func);
}

bool kfiles_schedule_delayed_work_ms(struct delayed_work *dwork, unsigned int ms)
{
	return schedule_delayed_work(dwork, msecs_to_jiffies(ms));
}

struct delayed_work *kfiles_to_delayed_work(struct work_struct *work)
{
	return to_delayed_work(work);
}
