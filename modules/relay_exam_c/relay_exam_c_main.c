// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of relay_exam (the Rust demo): the relay channel
 * /sys/kernel/debug/relay-exam-c/example0 ... with the same parameters,
 * sub-buffer header scheme (kfiles_core::relay), control files and contracts,
 * so that the two can be read by the same relay-read, compared byte for byte
 * and timed against each other:
 * - every sub-buffer starts with a 24-byte little-endian header
 *   { "KFRL", padding (0xffffffff while open), sequence, subbuf_size,
 *   n_subbufs, flags (1: overwrite) }; subbuf_start() fills in the previous
 *   sub-buffer's padding;
 * - snapshot, flush: writing "1" (kstrtouint() rules) acts, anything else is
 *   EINVAL; writes start at offset 0 and hold at most 64 bytes;
 * - dropped: records refused because the buffer was full; stats: sub-buffers
 *   started and refusals seen by subbuf_start().
 *
 * It writes, flushes and reads through the C helpers relay-rs itself uses
 * (crates/kfiles-ffi/helpers_relay.c), which close races of relay's own
 * __relay_write(), relay_flush() and read(): the contract includes what
 * happens when a buffer is full. relay_lab_c (native=1) measures those races.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/relay.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "kfiles_helpers.h"
#include "relay_twin.h"

#define SNAPSHOT_CHUNK (32 * 1024)
#define CONTROL_MAX_INPUT 64

static unsigned long subbuf_size = 65536;
module_param(subbuf_size, ulong, 0444);
MODULE_PARM_DESC(subbuf_size, "Bytes per sub-buffer, header included.");
static unsigned long n_subbufs = 4;
module_param(n_subbufs, ulong, 0444);
MODULE_PARM_DESC(n_subbufs, "Sub-buffers per CPU.");
static bool overwrite;
module_param(overwrite, bool, 0444);
MODULE_PARM_DESC(overwrite, "Overwrite the oldest data when a buffer is full (default: drop new data).");
static unsigned int period_secs = 60;
module_param(period_secs, uint, 0444);
MODULE_PARM_DESC(period_secs, "Seconds between process snapshots; 0 disables the timer.");

static struct rchan *chan;
static struct dentry *dir;
static struct dentry *controls[4];
static struct delayed_work snapshot_work;
static atomic64_t dropped = ATOMIC64_INIT(0);
static atomic64_t stat_subbufs = ATOMIC64_INIT(0);
static atomic64_t stat_full = ATOMIC64_INIT(0);

static size_t max_record(void)
{
	return subbuf_size - HEADER_LEN;
}

static int subbuf_start(struct rchan_buf *buf, void *subbuf, void *prev_subbuf
#ifdef KFILES_RELAY_PREV_PADDING
			, size_t prev_padding
#endif
			)
{
	twin_finish_prev(buf, prev_subbuf);
	/* The helpers never switch into a full buffer: no full check here. */
	atomic64_inc(&stat_subbufs);
	twin_start_subbuf(buf, subbuf, overwrite, NULL, 0);
	/* The first sub-buffer: the buffer is set up and its file may open. */
	if (!prev_subbuf)
		kfiles_relay_buf_ready(buf);
	return 1;
}

static struct dentry *create_buf_file(const char *filename, struct dentry *parent,
				      umode_t mode, struct rchan_buf *buf, int *is_global)
{
	return kfiles_relay_create_buf_file(filename, 0400, parent);
}

static int remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

/* relay's callbacks, wrapped as the kfiles helpers want them (no hook). */
static const struct kfiles_relay_callbacks relay_callbacks = {
	.cb = {
		.subbuf_start = subbuf_start,
		.create_buf_file = create_buf_file,
		.remove_buf_file = remove_buf_file,
	},
};

/*
 * A write from task context (file writes and the work item), as relay-rs's
 * Channel::write on a task-only channel; returns 0 when the record was
 * refused, counted in dropped (and in stats when the buffer was full).
 */
static size_t exam_write(const void *data, size_t length)
{
	unsigned int flags = KFILES_RELAY_TASK_ONLY | (overwrite ? KFILES_RELAY_OVERWRITE : 0);
	long ret = kfiles_relay_write(chan, data, length, flags, NULL);

	if (likely(ret >= 0))
		return length;
	atomic64_inc(&dropped);
	if (ret == -ENOSPC)
		atomic64_inc(&stat_full);
	return 0;
}

/* Snapshot text, cut into records of whole lines. */
struct chunks {
	char *buf;
	size_t cap, len;
	int result;
};

static void chunks_write_out(struct chunks *c)
{
	if (c->len && !exam_write(c->buf, c->len))
		c->result = -ENOSPC;
	c->len = 0;
}

static void chunks_append(struct chunks *c, const char *s, size_t len)
{
	if (c->len + len > c->cap)
		chunks_write_out(c);
	if (c->len + len <= c->cap) {
		memcpy(c->buf + c->len, s, len);
		c->len += len;
	}
}

static int snapshot(void)
{
	static const char head[] = "Current all the processes:\nprocess name\t\tpid\n";
	struct chunks c = { .cap = min_t(size_t, SNAPSHOT_CHUNK, max_record()) };
	struct task_struct *p;
	char line[48];

	c.buf = kmalloc(c.cap, GFP_KERNEL);
	if (!c.buf)
		return -ENOMEM;
	chunks_append(&c, head, sizeof(head) - 1);
	rcu_read_lock();
	for_each_process(p) {
		char comm[TASK_COMM_LEN];

		strscpy_pad(comm, p->comm, sizeof(comm));
		chunks_append(&c, line, scnprintf(line, sizeof(line), "%s\t\t%d\n", comm,
						  task_pid_nr(p)));
	}
	rcu_read_unlock();
	chunks_append(&c, "\n", 1);
	chunks_write_out(&c);
	kfree(c.buf);
	return c.result;
}

/* The period in jiffies, through milliseconds saturated as the Rust twin's. */
static unsigned long period_jiffies(void)
{
	return msecs_to_jiffies(period_secs > UINT_MAX / 1000 ? UINT_MAX : period_secs * 1000);
}

static void snapshot_tick(struct work_struct *work)
{
	snapshot();
	schedule_delayed_work(&snapshot_work, period_jiffies());
}

/* Control files: writes of at most CONTROL_MAX_INPUT bytes, at offset 0. */
static ssize_t control_write(struct file *file, const char __user *ubuf, size_t count,
			     loff_t *ppos, int (*action)(char *input))
{
	char buf[CONTROL_MAX_INPUT + 1];
	int ret;

	if (*ppos != 0 || count > CONTROL_MAX_INPUT)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	ret = action(buf);
	if (ret)
		return ret;
	*ppos = count;
	return count;
}

static int do_snapshot(char *input)
{
	unsigned int v;
	int ret = kstrtouint(input, 0, &v);

	if (ret)
		return ret;
	return v == 1 ? snapshot() : -EINVAL;
}

static int do_flush(char *input)
{
	unsigned int v;
	int ret = kstrtouint(input, 0, &v);

	if (ret)
		return ret;
	if (v != 1)
		return -EINVAL;
	return kfiles_relay_flush(chan, KFILES_RELAY_TASK_ONLY | (overwrite ? KFILES_RELAY_OVERWRITE : 0),
				  NULL);
}

static ssize_t snapshot_write(struct file *f, const char __user *u, size_t n, loff_t *pos)
{
	return control_write(f, u, n, pos, do_snapshot);
}

static ssize_t flush_write(struct file *f, const char __user *u, size_t n, loff_t *pos)
{
	return control_write(f, u, n, pos, do_flush);
}

static int dropped_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%llu\n", (u64)atomic64_read(&dropped));
	return 0;
}

static int stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "subbufs %llu full %llu\n", (u64)atomic64_read(&stat_subbufs),
		   (u64)atomic64_read(&stat_full));
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(dropped);
DEFINE_SHOW_ATTRIBUTE(stats);

static const struct file_operations snapshot_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = snapshot_write,
	.llseek = default_llseek,
};

static const struct file_operations flush_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = flush_write,
	.llseek = default_llseek,
};

static int __init relay_exam_c_init(void)
{
	if (!twin_geometry_ok(subbuf_size, n_subbufs, 0))
		return -EINVAL;
	dir = debugfs_create_dir("relay-exam-c", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	chan = kfiles_relay_open("example", dir, subbuf_size, n_subbufs, &relay_callbacks, NULL, NULL);
	if (!chan) {
		debugfs_remove(dir);
		return -ENOMEM;
	}
	controls[0] = debugfs_create_file("snapshot", 0200, dir, NULL, &snapshot_fops);
	controls[1] = debugfs_create_file("flush", 0200, dir, NULL, &flush_fops);
	controls[2] = debugfs_create_file("dropped", 0444, dir, NULL, &dropped_fops);
	controls[3] = debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
	INIT_DELAYED_WORK(&snapshot_work, snapshot_tick);
	if (period_secs)
		schedule_delayed_work(&snapshot_work, period_jiffies());
	pr_info("relay-exam-c/example* with %lu x %lu bytes, %s, snapshot every %u s\n",
		n_subbufs, subbuf_size, overwrite ? "overwrite" : "no-overwrite", period_secs);
	return 0;
}

static void __exit relay_exam_c_exit(void)
{
	int i;

	/* Controls first (waiting for writes in progress), then the timer. */
	for (i = 0; i < ARRAY_SIZE(controls); i++)
		debugfs_remove(controls[i]);
	cancel_delayed_work_sync(&snapshot_work);
	kfiles_relay_flush(chan, KFILES_RELAY_TASK_ONLY | (overwrite ? KFILES_RELAY_OVERWRITE : 0),
			   NULL);
	relay_close(chan);
	debugfs_remove(dir);
}

module_init(relay_exam_c_init);
module_exit(relay_exam_c_exit);
MODULE_DESCRIPTION("C twin of relay_exam, with relay-rs's header scheme and contracts");
MODULE_LICENSE("GPL");
