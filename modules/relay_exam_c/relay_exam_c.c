// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of relay_exam (the Rust demo): the relay channel
 * /sys/kernel/debug/relay-exam-c/example0 ... with the same parameters,
 * sub-buffer header scheme (kfiles_core::relay), control files and contracts,
 * so that the two can be read by the same relay-read, compared byte for byte
 * and timed against each other:
 * - every sub-buffer starts with a 20-byte little-endian header
 *   { "KFRL", padding (0xffffffff while open), sequence, subbuf_size,
 *   n_subbufs }; subbuf_start() fills in the previous sub-buffer's padding;
 * - snapshot, flush: writing "1" (kstrtouint() rules) acts, anything else is
 *   EINVAL; writes start at offset 0 and hold at most 64 bytes;
 * - burst: "[reserve|memcpy] COUNT SIZE" times COUNT records of SIZE bytes
 *   (64-bit little-endian sequence number, then byte i is i % 256) written
 *   with a relay_write()-style copy, with relay_reserve(), or copied into a
 *   plain buffer of the size of one CPU's relay buffer, at the places relay
 *   would put them (after a header, a sub-buffer at a time); reading shows
 *   the last run;
 * - dropped: records refused because the buffer was full; stats: sub-buffers
 *   started and refusals seen by subbuf_start().
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
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>

#define HEADER_LEN 20
#define HEADER_MAGIC 0x4c52464bU /* "KFRL" read as a little-endian u32 */
#define PADDING_OPEN 0xffffffffU
#define MIN_SUBBUF_SIZE (HEADER_LEN + 64)
#define MAX_SUBBUFS 4096
#define MAX_BUFFER_BYTES (64UL << 20)
#define SNAPSHOT_CHUNK (32 * 1024)
#define MAX_BURST (1ULL << 22)
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
static struct dentry *controls[5];
static struct delayed_work snapshot_work;
static atomic64_t dropped = ATOMIC64_INIT(0);
static atomic64_t stat_subbufs = ATOMIC64_INIT(0);
static atomic64_t stat_full = ATOMIC64_INIT(0);

static struct {
	u64 records, bytes, dropped;
	s64 nanos;
} last_burst;
static DEFINE_SPINLOCK(last_burst_lock);

static size_t max_record(void)
{
	return subbuf_size - HEADER_LEN;
}

static void put_header(void *at, u32 padding, u32 sequence)
{
	put_unaligned_le32(HEADER_MAGIC, at);
	put_unaligned_le32(padding, at + 4);
	put_unaligned_le32(sequence, at + 8);
	put_unaligned_le32(subbuf_size, at + 12);
	put_unaligned_le32(n_subbufs, at + 16);
}

static int subbuf_start(struct rchan_buf *buf, void *subbuf, void *prev_subbuf
#ifdef RELAY_PREV_PADDING
			, size_t prev_padding
#endif
			)
{
	size_t produced = buf->subbufs_produced;

	/* relay recorded the finished sub-buffer's padding before calling us. */
	if (prev_subbuf)
		put_unaligned_le32(buf->padding[(produced - 1) % n_subbufs], prev_subbuf + 4);
	if (!overwrite && relay_buf_full(buf)) {
		atomic64_inc(&stat_full);
		return 0;
	}
	atomic64_inc(&stat_subbufs);
	put_header(subbuf, PADDING_OPEN, produced);
	subbuf_start_reserve(buf, HEADER_LEN);
	return 1;
}

static struct dentry *create_buf_file(const char *filename, struct dentry *parent,
				      umode_t mode, struct rchan_buf *buf, int *is_global)
{
	/* The unproxied variant: debugfs's proxy does not forward mmap(). */
	return debugfs_create_file_unsafe(filename, 0400, parent, buf, &relay_file_operations);
}

static int remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static const struct rchan_callbacks relay_callbacks = {
	.subbuf_start = subbuf_start,
	.create_buf_file = create_buf_file,
	.remove_buf_file = remove_buf_file,
};

/*
 * __relay_write() returning the bytes written, 0 when relay refused the
 * record: how a C driver counts its drops on 6.12, which keeps no count.
 * Writers run in task context only (file writes and the work item).
 */
static size_t exam_write(const void *data, size_t length)
{
	struct rchan_buf *buf = *get_cpu_ptr(chan->buf);

	if (unlikely(buf->offset + length > chan->subbuf_size))
		length = relay_switch_subbuf(buf, length);
	memcpy(buf->data + buf->offset, data, length);
	buf->offset += length;
	put_cpu_ptr(chan->buf);
	if (unlikely(!length))
		atomic64_inc(&dropped);
	return length;
}

static void exam_reserve(const void *data, size_t length)
{
	unsigned long flags;
	void *slot;

	local_irq_save(flags);
	slot = relay_reserve(chan, length);
	if (slot)
		memcpy(slot, data, length);
	local_irq_restore(flags);
	if (unlikely(!slot))
		atomic64_inc(&dropped);
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

enum burst_mode { BURST_WRITE, BURST_RESERVE, BURST_MEMCPY };

static int burst(char *input)
{
	enum burst_mode mode = BURST_WRITE;
	char *words[4], *word;
	u64 count, seq, drops;
	unsigned long long size;
	u8 *record, *ring = NULL;
	size_t i, subbuf = 0, at = HEADER_LEN, ring_len = subbuf_size * n_subbufs;
	int n = 0, first = 0, ret;
	s64 start;

	while ((word = strsep(&input, " "))) {
		if (!*word)
			continue;
		if (n == ARRAY_SIZE(words))
			return -EINVAL;
		words[n++] = word;
	}
	if (n && !strcmp(words[0], "reserve"))
		mode = BURST_RESERVE, first = 1;
	else if (n && !strcmp(words[0], "memcpy"))
		mode = BURST_MEMCPY, first = 1;
	if (n - first != 2)
		return -EINVAL;
	ret = kstrtou64(words[first], 0, &count);
	if (ret)
		return ret;
	ret = kstrtoull(words[first + 1], 0, &size);
	if (ret)
		return ret;
	if (count > MAX_BURST || size < 8 || size > max_record())
		return -EINVAL;
	record = kmalloc(size, GFP_KERNEL);
	if (!record)
		return -ENOMEM;
	for (i = 8; i < size; i++)
		record[i] = i;
	if (mode == BURST_MEMCPY) {
		ring = vzalloc(ring_len);
		if (!ring) {
			kfree(record);
			return -ENOMEM;
		}
	}
	drops = atomic64_read(&dropped);
	start = ktime_get_ns();
	for (seq = 0; seq < count; seq++) {
		put_unaligned_le64(seq, record);
		switch (mode) {
		case BURST_WRITE:
			exam_write(record, size);
			break;
		case BURST_RESERVE:
			exam_reserve(record, size);
			break;
		case BURST_MEMCPY:
			if (at + size > subbuf_size) {
				subbuf = (subbuf + 1) % n_subbufs;
				at = HEADER_LEN;
			}
			memcpy(ring + subbuf * subbuf_size + at, record, size);
			at += size;
			barrier_data(ring);
			break;
		}
	}
	start = ktime_get_ns() - start;
	spin_lock(&last_burst_lock);
	last_burst.records = count;
	last_burst.bytes = count * size;
	last_burst.dropped = atomic64_read(&dropped) - drops;
	last_burst.nanos = start;
	spin_unlock(&last_burst_lock);
	vfree(ring);
	kfree(record);
	return 0;
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
	relay_flush(chan);
	return 0;
}

static int do_burst(char *input)
{
	size_t len = strlen(input);

	if (len && input[len - 1] == '\n')
		input[len - 1] = '\0';
	return burst(input);
}

static ssize_t snapshot_write(struct file *f, const char __user *u, size_t n, loff_t *pos)
{
	return control_write(f, u, n, pos, do_snapshot);
}

static ssize_t flush_write(struct file *f, const char __user *u, size_t n, loff_t *pos)
{
	return control_write(f, u, n, pos, do_flush);
}

static ssize_t burst_write(struct file *f, const char __user *u, size_t n, loff_t *pos)
{
	return control_write(f, u, n, pos, do_burst);
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

static int burst_show(struct seq_file *m, void *v)
{
	u64 records, bytes, drops;
	s64 nanos;

	spin_lock(&last_burst_lock);
	records = last_burst.records;
	bytes = last_burst.bytes;
	drops = last_burst.dropped;
	nanos = last_burst.nanos;
	spin_unlock(&last_burst_lock);
	seq_printf(m, "records %llu bytes %llu dropped %llu ns %lld\n", records, bytes, drops,
		   nanos);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(dropped);
DEFINE_SHOW_ATTRIBUTE(stats);

static int burst_open(struct inode *inode, struct file *file)
{
	return single_open(file, burst_show, NULL);
}

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

static const struct file_operations burst_fops = {
	.owner = THIS_MODULE,
	.open = burst_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = burst_write,
};

static bool geometry_ok(void)
{
	return subbuf_size >= MIN_SUBBUF_SIZE && n_subbufs >= 2 && n_subbufs <= MAX_SUBBUFS &&
	       subbuf_size <= MAX_BUFFER_BYTES / n_subbufs;
}

static int __init relay_exam_c_init(void)
{
	if (!geometry_ok())
		return -EINVAL;
	dir = debugfs_create_dir("relay-exam-c", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	chan = relay_open("example", dir, subbuf_size, n_subbufs, &relay_callbacks, NULL);
	if (!chan) {
		debugfs_remove(dir);
		return -ENOMEM;
	}
	controls[0] = debugfs_create_file("snapshot", 0200, dir, NULL, &snapshot_fops);
	controls[1] = debugfs_create_file("flush", 0200, dir, NULL, &flush_fops);
	controls[2] = debugfs_create_file("dropped", 0444, dir, NULL, &dropped_fops);
	controls[3] = debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
	controls[4] = debugfs_create_file("burst", 0600, dir, NULL, &burst_fops);
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
	relay_flush(chan);
	relay_close(chan);
	debugfs_remove(dir);
}

module_init(relay_exam_c_init);
module_exit(relay_exam_c_exit);
MODULE_DESCRIPTION("C twin of relay_exam, with relay-rs's header scheme and contracts");
MODULE_LICENSE("GPL");
