// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of relay_lab (the relay-rs test bench): the relay channel
 * /sys/kernel/debug/relay-lab-c/chan0 ... with the same parameters, the
 * sub-buffer header scheme of kfiles_core::relay (24 bytes: "KFRL", padding,
 * sequence, subbuf_size, n_subbufs, flags), with driver_header=1 followed by
 * an 8-byte driver header (CPU and sub-buffer number, little-endian u32s),
 * the same control files and the same contracts:
 * - burst: "[write|reserve|memcpy] COUNT SIZE", timed, as relay_lab's;
 * - stream: "STREAM COUNT SIZE [write|reserve|mix]" writes probe records
 *   (kfiles_core::probe); streams: "STREAM ATTEMPTED REFUSED" lines;
 * - timer: "STREAM softirq|hardirq PERIOD_US SIZE [write|reserve|mix]" or
 *   "stop"; flush: "1"; dropped; stats: "subbufs N full N";
 * - consume: "CPU COUNT" (relay_subbufs_consumed() through the helper);
 *   nest: writing "1" makes, inside a reservation, a write, another
 *   reservation and a flush, and reading shows their errnos.
 *
 * Module parameter native selects how it writes:
 * - native=0 (default): through the helpers relay-rs itself uses
 *   (crates/kfiles-ffi/helpers_relay.c: full decided before switching, context
 *   checks, per-CPU flush, reservations published at commit), so the channel
 *   contents match relay_lab's byte for byte;
 * - native=1: as a C driver does, with relay_write()/__relay_write(),
 *   relay_reserve() and relay_flush() (counting drops by their return
 *   values), races included: the loss tests measure what those cost.
 *
 * plain=1 makes the channel blktrace's kind (and the article's): no
 * sub-buffer header at all, records from each sub-buffer's first byte,
 * per-CPU files made with debugfs_create_file() and relay_file_operations
 * (so behind debugfs's proxy, which refuses mmap()), written as native=1.
 * Readers get the records through read(), which skips the padding.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/relay.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "kfiles_helpers.h"
#include "relay_twin.h"

#define MAX_BURST (1ULL << 22)
#define CONTROL_MAX_INPUT 64
#define MAX_STREAMS 64
#define MAX_TIMERS 8
#define MAX_TIMER_RECORD 256
#define MIN_TIMER_PERIOD_US 50

#define PROBE_MAGIC 0x5250464bU /* "KFPR" */
#define PROBE_HEADER_LEN 24

static unsigned long subbuf_size = 4096;
module_param(subbuf_size, ulong, 0444);
MODULE_PARM_DESC(subbuf_size, "Bytes per sub-buffer, header included.");
static unsigned long n_subbufs = 4;
module_param(n_subbufs, ulong, 0444);
MODULE_PARM_DESC(n_subbufs, "Sub-buffers per CPU.");
static bool overwrite;
module_param(overwrite, bool, 0444);
MODULE_PARM_DESC(overwrite, "Overwrite the oldest data when a buffer is full (default: drop new data).");
static bool task_only = true;
module_param(task_only, bool, 0444);
MODULE_PARM_DESC(task_only, "Writers run in task context only; 0: any context.");
static bool native;
module_param(native, bool, 0444);
MODULE_PARM_DESC(native, "Write with relay's own inline functions and relay_flush().");

static bool plain;
module_param(plain, bool, 0444);
MODULE_PARM_DESC(plain, "No sub-buffer header, files as blktrace makes them (implies native=1).");

static bool driver_header;
module_param(driver_header, bool, 0444);
MODULE_PARM_DESC(driver_header, "An 8-byte driver header in every sub-buffer: CPU and sub-buffer number.");

static unsigned long lose_every;
module_param(lose_every, ulong, 0444);
MODULE_PARM_DESC(lose_every, "Silently skip every Nth probe record (0: none): the stress checker's control.");

static unsigned int file_delay_ms;
module_param(file_delay_ms, uint, 0444);
MODULE_PARM_DESC(file_delay_ms, "Test only: sleep this long after creating each buffer file, before relay sets the buffer up.");

static struct rchan *chan;
static struct dentry *dir;
static struct dentry *controls[9];
static atomic64_t nested[3];
static unsigned int flags;
static atomic64_t dropped = ATOMIC64_INIT(0);
static atomic64_t stat_subbufs = ATOMIC64_INIT(0);
static atomic64_t stat_full = ATOMIC64_INIT(0);

static struct {
	atomic64_t attempted, refused;
} streams[MAX_STREAMS];

static struct {
	u64 records, bytes, dropped;
	s64 nanos;
} last_burst;
static DEFINE_SPINLOCK(last_burst_lock);

enum method { METHOD_WRITE, METHOD_RESERVE, METHOD_MIX, METHOD_MEMCPY };

struct lab_timer {
	struct hrtimer timer;
	u64 period_ns;
	unsigned int stream;
	size_t len;
	enum method method;
};
static struct lab_timer *timers[MAX_TIMERS];
static DEFINE_MUTEX(timers_lock);

/* Length of the driver header of every sub-buffer. */
static size_t driver_header_len(void)
{
	return driver_header ? 8 : 0;
}

/* Offset of a sub-buffer's first record. */
static size_t records_offset(void)
{
	if (plain)
		return 0;
	return HEADER_LEN + driver_header_len();
}

static size_t max_record(void)
{
	return subbuf_size - records_offset();
}

static int subbuf_start(struct rchan_buf *buf, void *subbuf, void *prev_subbuf
#ifdef KFILES_RELAY_PREV_PADDING
			, size_t prev_padding
#endif
			)
{
	u8 tag[8];

	if (plain) {
		/* blktrace's blk_subbuf_start_callback(), and the article's. */
		if (!overwrite && relay_buf_full(buf)) {
			atomic64_inc(&stat_full);
			return 0;
		}
		atomic64_inc(&stat_subbufs);
		return 1;
	}
	twin_finish_prev(buf, prev_subbuf);
	/* The helpers never switch into a full buffer; relay's functions do. */
	if (native && !overwrite && relay_buf_full(buf)) {
		atomic64_inc(&stat_full);
		return 0;
	}
	atomic64_inc(&stat_subbufs);
	/* The driver header, as relay_lab's Tagged hooks write it. */
	put_unaligned_le32(buf->cpu, tag);
	put_unaligned_le32(buf->subbufs_produced, tag + 4);
	if (native) {
		twin_put_header(subbuf, PADDING_OPEN, buf->subbufs_produced, subbuf_size, n_subbufs,
				overwrite, driver_header_len());
		memcpy(subbuf + HEADER_LEN, tag, driver_header_len());
		subbuf_start_reserve(buf, records_offset());
	} else {
		twin_start_subbuf(buf, subbuf, overwrite, tag, driver_header_len());
	}
	/* The first sub-buffer: the buffer is set up and its file may open. */
	if (!prev_subbuf)
		kfiles_relay_buf_ready(buf);
	return 1;
}

static struct dentry *create_buf_file(const char *filename, struct dentry *parent,
				      umode_t mode, struct rchan_buf *buf, int *is_global)
{
	struct dentry *dentry;

	/* plain=1: exactly as blktrace's blk_create_buf_file_callback(). */
	if (plain)
		dentry = debugfs_create_file(filename, 0400, parent, buf, &relay_file_operations);
	/* native=1 reads with relay's own read(), races included. */
	else if (native)
		dentry = debugfs_create_file_unsafe(filename, 0400, parent, buf,
						    &relay_file_operations);
	else
		dentry = kfiles_relay_create_buf_file(filename, 0400, parent);
	/*
	 * Widens the window in which relay has made the file but not yet set
	 * the buffer up (its reference count, wait queue), for the test that
	 * opens the file meanwhile.
	 */
	if (dentry && file_delay_ms)
		msleep(file_delay_ms);
	return dentry;
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

/* Counts a refused record; stats count full buffers as relay-rs's hook does. */
static int refused(long err)
{
	atomic64_inc(&dropped);
	if (err == -ENOSPC && !native)
		atomic64_inc(&stat_full);
	return err == -ECANCELED ? -ENOSPC : err;
}

/* relay_write() or __relay_write(), returning 0 or -ENOSPC. */
static int native_write(const void *data, size_t length)
{
	struct rchan_buf *buf;
	unsigned long irqflags = 0;

	if (task_only)
		buf = *get_cpu_ptr(chan->buf);
	else {
		local_irq_save(irqflags);
		buf = *this_cpu_ptr(chan->buf);
	}
	if (unlikely(buf->offset + length > chan->subbuf_size))
		length = relay_switch_subbuf(buf, length);
	memcpy(buf->data + buf->offset, data, length);
	buf->offset += length;
	if (task_only)
		put_cpu_ptr(chan->buf);
	else
		local_irq_restore(irqflags);
	return length ? 0 : -ENOSPC;
}

static int native_reserve(const void *data, size_t length)
{
	unsigned long irqflags;
	void *slot;

	local_irq_save(irqflags);
	slot = relay_reserve(chan, length);
	if (slot)
		memcpy(slot, data, length);
	local_irq_restore(irqflags);
	return slot ? 0 : -ENOSPC;
}

static int lab_write(const void *data, size_t length)
{
	long ret;

	if (native)
		ret = native_write(data, length);
	else
		ret = kfiles_relay_write(chan, data, length, flags, NULL);
	return ret < 0 ? refused(ret) : 0;
}

static int lab_reserve(const void *data, size_t length)
{
	struct kfiles_relay_slot slot;
	long ret;

	if (native) {
		ret = native_reserve(data, length);
		return ret < 0 ? refused(ret) : 0;
	}
	ret = kfiles_relay_reserve(chan, length, flags, NULL, &slot);
	if (ret < 0)
		return refused(ret);
	memcpy(slot.data, data, length);
	kfiles_relay_release(&slot, true);
	return 0;
}

static int lab_put(const void *data, size_t length, enum method method, u64 seq)
{
	if (method == METHOD_RESERVE || (method == METHOD_MIX && seq % 2 == 1))
		return lab_reserve(data, length);
	return lab_write(data, length);
}

/* kfiles_core::probe: FNV-1a over the record but its checksum field. */
static u32 probe_checksum(const u8 *record, size_t len)
{
	u32 hash = 0x811c9dc5;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i >= 12 && i < 16)
			continue;
		hash = (hash ^ record[i]) * 0x01000193;
	}
	return hash;
}

static void probe_encode(u8 *record, size_t len, u32 stream, u64 seq)
{
	size_t i;

	put_unaligned_le32(PROBE_MAGIC, record);
	put_unaligned_le32(len, record + 4);
	put_unaligned_le32(stream, record + 8);
	put_unaligned_le64(seq, record + 16);
	for (i = PROBE_HEADER_LEN; i < len; i++)
		record[i] = (u8)i + (u8)seq * 31 + (u8)stream;
	put_unaligned_le32(probe_checksum(record, len), record + 12);
}

static void probe(unsigned int stream, u8 *record, size_t len, enum method method)
{
	u64 seq = atomic64_fetch_add(1, &streams[stream].attempted);

	probe_encode(record, len, stream, seq);
	/* A loss no counter sees, which the checker must report. */
	if (lose_every && seq % lose_every == lose_every - 1)
		return;
	if (lab_put(record, len, method, seq))
		atomic64_inc(&streams[stream].refused);
}

/* Splits @input (its trailing newline removed) into at most @max words. */
static int split_words(char *input, char **words, int max)
{
	size_t len = strlen(input);
	char *word;
	int n = 0;

	if (len && input[len - 1] == '\n')
		input[len - 1] = '\0';
	while ((word = strsep(&input, " "))) {
		if (!*word)
			continue;
		if (n == max)
			return -EINVAL;
		words[n++] = word;
	}
	return n;
}

static int parse_method(int n, char **words, int at, enum method *method)
{
	*method = METHOD_WRITE;
	if (n == at)
		return 0;
	if (n != at + 1)
		return -EINVAL;
	if (!strcmp(words[at], "write"))
		*method = METHOD_WRITE;
	else if (!strcmp(words[at], "reserve"))
		*method = METHOD_RESERVE;
	else if (!strcmp(words[at], "mix"))
		*method = METHOD_MIX;
	else
		return -EINVAL;
	return 0;
}

static int do_stream(char *input)
{
	unsigned long long stream, count, size, i;
	enum method method;
	char *words[5];
	int n = split_words(input, words, ARRAY_SIZE(words));
	u8 *record;

	if (n < 3 || parse_method(n, words, 3, &method) || kstrtoull(words[0], 0, &stream) ||
	    kstrtoull(words[1], 0, &count) || kstrtoull(words[2], 0, &size))
		return -EINVAL;
	if (stream >= MAX_STREAMS || count > MAX_BURST || size < PROBE_HEADER_LEN ||
	    size > max_record())
		return -EINVAL;
	record = kmalloc(size, GFP_KERNEL);
	if (!record)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		probe(stream, record, size, method);
	kfree(record);
	return 0;
}

static enum hrtimer_restart timer_tick(struct hrtimer *timer)
{
	struct lab_timer *t = container_of(timer, struct lab_timer, timer);
	u8 record[MAX_TIMER_RECORD];

	probe(t->stream, record, t->len, t->method);
	hrtimer_forward_now(timer, ns_to_ktime(t->period_ns));
	return HRTIMER_RESTART;
}

static void stop_timers(void)
{
	int i;

	mutex_lock(&timers_lock);
	for (i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i])
			continue;
		hrtimer_cancel(&timers[i]->timer);
		kfree(timers[i]);
		timers[i] = NULL;
	}
	mutex_unlock(&timers_lock);
}

static int do_timer(char *input)
{
	unsigned long long stream, size;
	unsigned int period;
	enum hrtimer_mode mode;
	enum method method;
	struct lab_timer *t;
	char *words[6];
	int n = split_words(input, words, ARRAY_SIZE(words)), i;

	if (n == 1 && !strcmp(words[0], "stop")) {
		stop_timers();
		return 0;
	}
	if (n < 4 || parse_method(n, words, 4, &method) || kstrtoull(words[0], 0, &stream) ||
	    kstrtouint(words[2], 0, &period) || kstrtoull(words[3], 0, &size))
		return -EINVAL;
	if (!strcmp(words[1], "softirq"))
		mode = HRTIMER_MODE_REL_PINNED_SOFT;
	else if (!strcmp(words[1], "hardirq"))
		mode = HRTIMER_MODE_REL_PINNED_HARD;
	else
		return -EINVAL;
	if (stream >= MAX_STREAMS || period < MIN_TIMER_PERIOD_US || size < PROBE_HEADER_LEN ||
	    size > MAX_TIMER_RECORD || size > max_record())
		return -EINVAL;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->period_ns = (u64)period * 1000;
	t->stream = stream;
	t->len = size;
	t->method = method;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, mode);
	t->timer.function = timer_tick;
#else
	hrtimer_setup(&t->timer, timer_tick, CLOCK_MONOTONIC, mode);
#endif
	mutex_lock(&timers_lock);
	for (i = 0; i < MAX_TIMERS && timers[i]; i++)
		;
	if (i == MAX_TIMERS) {
		mutex_unlock(&timers_lock);
		kfree(t);
		return -ENOSPC;
	}
	timers[i] = t;
	hrtimer_start(&t->timer, ns_to_ktime(t->period_ns), mode);
	mutex_unlock(&timers_lock);
	return 0;
}

static int burst(char *input)
{
	enum method method = METHOD_WRITE;
	char *words[4];
	u64 count, seq, drops;
	unsigned long long size;
	u8 *record, *ring = NULL;
	size_t i, subbuf = 0, at = records_offset(), ring_len = subbuf_size * n_subbufs;
	int n = split_words(input, words, ARRAY_SIZE(words)), first = 1, ret;
	s64 start;

	if (n > 0 && !strcmp(words[0], "reserve"))
		method = METHOD_RESERVE;
	else if (n > 0 && !strcmp(words[0], "memcpy"))
		method = METHOD_MEMCPY;
	else if (n > 0 && !strcmp(words[0], "write"))
		method = METHOD_WRITE;
	else
		first = 0;
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
	if (method == METHOD_MEMCPY) {
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
		if (method != METHOD_MEMCPY) {
			lab_put(record, size, method, seq);
			continue;
		}
		if (at + size > subbuf_size) {
			subbuf = (subbuf + 1) % n_subbufs;
			at = records_offset();
		}
		memcpy(ring + subbuf * subbuf_size + at, record, size);
		at += size;
		barrier_data(ring);
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

static int do_nest(char *input)
{
	struct kfiles_relay_slot slot, inner;
	static const u8 zeros[64];
	unsigned int v;
	long w, r, f;
	int ret = kstrtouint(input, 0, &v);

	if (ret)
		return ret;
	if (v != 1)
		return -EINVAL;
	/* The helpers' rules hold for native channels too: they are the same helpers. */
	ret = kfiles_relay_reserve(chan, 64, flags, NULL, &slot);
	if (ret < 0)
		return refused(ret);
	w = kfiles_relay_write(chan, zeros, 32, flags, NULL);
	if (w < 0)
		w = refused(w);
	r = kfiles_relay_reserve(chan, 32, flags, NULL, &inner);
	if (r < 0)
		r = refused(r);
	else
		kfiles_relay_release(&inner, true);
	f = kfiles_relay_flush(chan, flags, NULL);
	memcpy(slot.data, zeros, 64);
	kfiles_relay_release(&slot, true);
	atomic64_set(&nested[0], w < 0 ? w : 0);
	atomic64_set(&nested[1], r < 0 ? r : 0);
	atomic64_set(&nested[2], f < 0 ? f : 0);
	return 0;
}

static int do_consume(char *input)
{
	unsigned int cpu;
	unsigned long long count;
	char *words[3];
	int n = split_words(input, words, ARRAY_SIZE(words));

	if (n != 2 || kstrtouint(words[0], 0, &cpu) || kstrtoull(words[1], 0, &count))
		return -EINVAL;
	return kfiles_relay_subbufs_consumed(chan, cpu, count);
}

static int do_flush(char *input)
{
	unsigned int v;
	int ret = kstrtouint(input, 0, &v);

	if (ret)
		return ret;
	if (v != 1)
		return -EINVAL;
	if (native) {
		relay_flush(chan);
		return 0;
	}
	return kfiles_relay_flush(chan, flags, NULL);
}

/* Control files: writes of at most CONTROL_MAX_INPUT bytes, at offset 0. */
static ssize_t control_write(const char __user *ubuf, size_t count, loff_t *ppos,
			     int (*action)(char *input))
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

#define CONTROL(name, action)							\
static ssize_t name##_write(struct file *f, const char __user *u, size_t n,	\
			    loff_t *pos)					\
{										\
	return control_write(u, n, pos, action);				\
}

CONTROL(stream, do_stream)
CONTROL(timer, do_timer)
CONTROL(flush, do_flush)
CONTROL(burst, burst)
CONTROL(consume, do_consume)
CONTROL(nest, do_nest)

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

static int streams_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < MAX_STREAMS; i++) {
		u64 attempted = atomic64_read(&streams[i].attempted);

		if (attempted)
			seq_printf(m, "%d %llu %llu\n", i, attempted,
				   (u64)atomic64_read(&streams[i].refused));
	}
	return 0;
}

static int nest_show(struct seq_file *m, void *v)
{
	seq_printf(m, "write %lld reserve %lld flush %lld\n", (s64)atomic64_read(&nested[0]),
		   (s64)atomic64_read(&nested[1]), (s64)atomic64_read(&nested[2]));
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
DEFINE_SHOW_ATTRIBUTE(streams);

static int burst_open(struct inode *inode, struct file *file)
{
	return single_open(file, burst_show, NULL);
}

static int nest_open(struct inode *inode, struct file *file)
{
	return single_open(file, nest_show, NULL);
}

#define WRITE_ONLY_FOPS(name)						\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.open = simple_open,						\
	.write = name##_write,						\
	.llseek = default_llseek,					\
}

WRITE_ONLY_FOPS(stream);
WRITE_ONLY_FOPS(timer);
WRITE_ONLY_FOPS(flush);
WRITE_ONLY_FOPS(consume);

static const struct file_operations nest_fops = {
	.owner = THIS_MODULE,
	.open = nest_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = nest_write,
};

static const struct file_operations burst_fops = {
	.owner = THIS_MODULE,
	.open = burst_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = burst_write,
};

static int __init relay_lab_c_init(void)
{
	if (plain && driver_header)
		return -EINVAL;
	if (plain)
		native = true;
	if (!twin_geometry_ok(subbuf_size, n_subbufs, driver_header_len()))
		return -EINVAL;
	flags = (overwrite ? KFILES_RELAY_OVERWRITE : 0) | (task_only ? KFILES_RELAY_TASK_ONLY : 0);
	dir = debugfs_create_dir("relay-lab-c", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	chan = kfiles_relay_open("chan", dir, subbuf_size, n_subbufs, &relay_callbacks, NULL, NULL);
	if (!chan) {
		debugfs_remove(dir);
		return -ENOMEM;
	}
	controls[0] = debugfs_create_file("stream", 0200, dir, NULL, &stream_fops);
	controls[1] = debugfs_create_file("flush", 0200, dir, NULL, &flush_fops);
	controls[2] = debugfs_create_file("timer", 0200, dir, NULL, &timer_fops);
	controls[3] = debugfs_create_file("streams", 0444, dir, NULL, &streams_fops);
	controls[4] = debugfs_create_file("dropped", 0444, dir, NULL, &dropped_fops);
	controls[5] = debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
	controls[6] = debugfs_create_file("burst", 0600, dir, NULL, &burst_fops);
	controls[7] = debugfs_create_file("consume", 0200, dir, NULL, &consume_fops);
	controls[8] = debugfs_create_file("nest", 0600, dir, NULL, &nest_fops);
	return 0;
}

static void __exit relay_lab_c_exit(void)
{
	int i;

	/* Controls first (waiting for writes in progress), then the timers. */
	for (i = 0; i < ARRAY_SIZE(controls); i++)
		debugfs_remove(controls[i]);
	stop_timers();
	if (native)
		relay_flush(chan);
	else
		kfiles_relay_flush(chan, flags, NULL);
	relay_close(chan);
	debugfs_remove(dir);
}

module_init(relay_lab_c_init);
module_exit(relay_lab_c_exit);
MODULE_DESCRIPTION("C twin of relay_lab: relay-rs's discipline in C, or relay's own (native=1)");
MODULE_LICENSE("GPL");
