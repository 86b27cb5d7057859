// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of kfiles_template (the Rust template driver): the same files, the
 * same contract, for the differential tests.
 *
 *   /proc/kfiles_template_c/threshold        rw  "%u\n"; samples above it are events
 *   /proc/kfiles_template_c/sample           w   one sample per write
 *   /proc/kfiles_template_c/events           r   "SEQ VALUE\n" per event, a stream
 *   /sys/kernel/debug/kfiles_template_c/stats  r  "samples N\nevents M\n"
 *   /sys/kernel/debug/kfiles_template_c/regs   rw 64 bytes at offsets 0..64
 *
 * Where the Rust crates are stricter than the C helpers, this twin is too:
 * a write at or past the end of regs fails with ENOSPC (simple_write_to_buffer()
 * returns 0, no error), and a write of a value must start at offset 0 and hold
 * at most the input limit (EINVAL).
 *
 * Where a user buffer faults, C's helpers and the Rust crates differ, and this
 * twin keeps C's: a write to regs that faults stores what was copied, zeroes
 * the rest of its window and returns the partial count (Rust stores whole
 * 256-byte steps only and leaves the rest as it was); a read returns a
 * partial count where Rust returns EFAULT. The tests pass no faulting buffer.
 *
 * What it does not do that the Rust crates do: pollers asleep in events when
 * the module unloads are woken, but poll()'s wait entries may still be on the
 * static queue when the module's memory goes. The guest tests do not unload
 * it with pollers asleep, and the fuzzer does not unload it.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#define RING 64
#define REGS 64
#define LINE (20 + 1 + 10 + 1)
#define THRESHOLD_MAX_INPUT 64
#define SAMPLE_MAX_INPUT 16

struct event {
	u64 seq;
	u32 value;
};

static u32 threshold = 100;
static atomic64_t samples = ATOMIC64_INIT(0);
static atomic64_t events_count = ATOMIC64_INIT(0);

static DEFINE_SPINLOCK(ring_lock);
static struct event ring[RING];
static u64 ring_next;
static atomic64_t published = ATOMIC64_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(queue);
static bool removing;

static DEFINE_MUTEX(regs_lock);
static u8 regs[REGS];

static struct proc_dir_entry *proc_dir;
static struct dentry *debug_dir;

static u64 ring_oldest(void)
{
	return ring_next > RING ? ring_next - RING : 0;
}

/*
 * Parses one u32 written at offset 0, at most @max bytes long (at most 64),
 * as kstrtou32(.., 0, ..): 0 or a negative errno.
 */
static int write_u32(const char __user *ubuf, size_t count, loff_t *ppos, size_t max, u32 *v)
{
	char buf[64 + 1];

	if (*ppos != 0 || count > max || count > sizeof(buf) - 1)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	return kstrtou32(buf, 0, v);
}

/* threshold */

static int threshold_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u\n", READ_ONCE(threshold));
	return 0;
}

static int threshold_open(struct inode *inode, struct file *file)
{
	return single_open(file, threshold_show, NULL);
}

static ssize_t threshold_write(struct file *file, const char __user *ubuf, size_t count,
			       loff_t *ppos)
{
	u32 v;
	int ret = write_u32(ubuf, count, ppos, THRESHOLD_MAX_INPUT, &v);

	if (ret)
		return ret;
	WRITE_ONCE(threshold, v);
	*ppos = count;
	return count;
}

static const struct proc_ops threshold_ops = {
	.proc_open = threshold_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = threshold_write,
};

/* sample */

static void record(u32 value)
{
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&ring_lock, flags);
	seq = ring_next;
	ring[seq % RING] = (struct event){ .seq = seq, .value = value };
	ring_next = seq + 1;
	atomic64_set_release(&published, seq + 1);
	spin_unlock_irqrestore(&ring_lock, flags);
	wake_up_all(&queue);
}

static ssize_t sample_write(struct file *file, const char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	u32 v;
	int ret = write_u32(ubuf, count, ppos, SAMPLE_MAX_INPUT, &v);

	if (ret)
		return ret;
	atomic64_inc(&samples);
	if (v > READ_ONCE(threshold)) {
		atomic64_inc(&events_count);
		record(v);
	}
	*ppos = count;
	return count;
}

static const struct proc_ops sample_ops = {
	.proc_open = simple_open,
	.proc_write = sample_write,
	.proc_lseek = default_llseek,
};

/* events: private_data holds the open file's cursor. */

static bool has_event(atomic64_t *cursor)
{
	return (u64)atomic64_read_acquire(&published) > (u64)atomic64_read(cursor);
}

static int events_open(struct inode *inode, struct file *file)
{
	atomic64_t *cursor = kmalloc(sizeof(*cursor), GFP_KERNEL);
	unsigned long flags;

	if (!cursor)
		return -ENOMEM;
	spin_lock_irqsave(&ring_lock, flags);
	atomic64_set(cursor, ring_oldest());
	spin_unlock_irqrestore(&ring_lock, flags);
	file->private_data = cursor;
	return stream_open(inode, file);
}

static int events_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t copy_lines(atomic64_t *cursor, char __user *ubuf, size_t count)
{
	ssize_t done = 0;

	while (count - done >= LINE) {
		u64 seen = atomic64_read(cursor), seq;
		struct event ev;
		unsigned long flags;
		char line[LINE + 1];
		int len;

		spin_lock_irqsave(&ring_lock, flags);
		seq = max(seen, ring_oldest());
		if (seq >= ring_next) {
			spin_unlock_irqrestore(&ring_lock, flags);
			break;
		}
		ev = ring[seq % RING];
		spin_unlock_irqrestore(&ring_lock, flags);
		if (atomic64_cmpxchg(cursor, seen, ev.seq + 1) != seen)
			continue;
		len = scnprintf(line, sizeof(line), "%llu %u\n", ev.seq, ev.value);
		if (copy_to_user(ubuf + done, line, len))
			return done ? done : -EFAULT;
		done += len;
	}
	return done;
}

static ssize_t events_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	atomic64_t *cursor = file->private_data;
	ssize_t done;
	int ret;

	if (count < LINE)
		return -EINVAL;
	for (;;) {
		if (!has_event(cursor)) {
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(queue,
						       READ_ONCE(removing) || has_event(cursor));
			if (ret)
				return ret;
			if (!has_event(cursor)) {
				if (READ_ONCE(removing))
					return -EIO;
				continue; /* another reader of this file took it */
			}
		}
		done = copy_lines(cursor, ubuf, count);
		if (done)
			return done;
	}
}

/* As the Rust file's default write handler. */
static ssize_t events_write(struct file *file, const char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	return -EINVAL;
}

static __poll_t events_poll(struct file *file, poll_table *pt)
{
	atomic64_t *cursor = file->private_data;

	poll_wait(file, &queue, pt);
	if (READ_ONCE(removing))
		return EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLERR | EPOLLHUP;
	return has_event(cursor) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct proc_ops events_ops = {
	.proc_open = events_open,
	.proc_read = events_read,
	.proc_write = events_write,
	.proc_poll = events_poll,
	.proc_release = events_release,
	.proc_lseek = default_llseek,
};

/* stats */

static int stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "samples %llu\nevents %llu\n", (u64)atomic64_read(&samples),
		   (u64)atomic64_read(&events_count));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* regs */

static ssize_t regs_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&regs_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, regs, REGS);
	mutex_unlock(&regs_lock);
	return ret;
}

static ssize_t regs_write(struct file *file, const char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	if (*ppos < 0)
		return -EINVAL;
	if (*ppos >= REGS && count)
		return -ENOSPC;
	mutex_lock(&regs_lock);
	ret = simple_write_to_buffer(regs, REGS, ppos, ubuf, count);
	mutex_unlock(&regs_lock);
	return ret;
}

static loff_t regs_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence, REGS);
}

static const struct file_operations regs_fops = {
	.owner = THIS_MODULE,
	.read = regs_read,
	.write = regs_write,
	.llseek = regs_llseek,
};

static int __init kfiles_template_c_init(void)
{
	int i;

	for (i = 0; i < REGS; i++)
		regs[i] = i;
	proc_dir = proc_mkdir("kfiles_template_c", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create("threshold", 0644, proc_dir, &threshold_ops) ||
	    !proc_create("sample", 0200, proc_dir, &sample_ops) ||
	    !proc_create("events", 0444, proc_dir, &events_ops)) {
		proc_remove(proc_dir);
		return -ENOMEM;
	}
	debug_dir = debugfs_create_dir("kfiles_template_c", NULL);
	debugfs_create_file("stats", 0444, debug_dir, NULL, &stats_fops);
	debugfs_create_file("regs", 0600, debug_dir, NULL, &regs_fops);
	return 0;
}

static void __exit kfiles_template_c_exit(void)
{
	/* Blocked readers fail with EIO, so that proc_remove(), which waits
	 * for them, ends. */
	WRITE_ONCE(removing, true);
	wake_up_all(&queue);
	proc_remove(proc_dir);
	debugfs_remove(debug_dir);
}

module_init(kfiles_template_c_init);
module_exit(kfiles_template_c_exit);
MODULE_DESCRIPTION("C twin of kfiles_template, for differential tests");
MODULE_LICENSE("GPL");
