// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of seqfile_exam (the Rust demo): /proc/exam_seq_file_c lists every
 * process after a header (iterator form, seeking to any position, RCU held
 * from start to stop); /proc/exam_seq_single_c counts them (single_open);
 * /proc/exam_seq_records_c holds 100,000 generated records (benchmarks).
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>

/* The process at index @index after init_task, or NULL. Under RCU. */
static struct task_struct *process_at(loff_t index)
{
	struct task_struct *p;

	for_each_process(p)
		if (index-- == 0)
			return p;
	return NULL;
}

static void *exam_start(struct seq_file *m, loff_t *pos)
	__acquires(RCU)
{
	rcu_read_lock();
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return process_at(*pos - 1);
}

static void *exam_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct task_struct *p = v == SEQ_START_TOKEN ? &init_task : v;

	++*pos;
	p = next_task(p);
	return p == &init_task ? NULL : p;
}

static void exam_stop(struct seq_file *m, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static int exam_show(struct seq_file *m, void *v)
{
	struct task_struct *p = v;
	char comm[TASK_COMM_LEN];

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "Current all the processes in system:\n%-24s%-5s\n", "name", "pid");
		return 0;
	}
	strscpy_pad(comm, p->comm, sizeof(comm));
	seq_printf(m, "%-24s%-5d\n", comm, task_pid_nr(p));
	return 0;
}

static const struct seq_operations exam_seq_ops = {
	.start = exam_start,
	.next = exam_next,
	.stop = exam_stop,
	.show = exam_show,
};

#define RECORDS 100000

static void *records_start(struct seq_file *m, loff_t *pos)
{
	return *pos < RECORDS ? pos : NULL;
}

static void *records_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos < RECORDS ? pos : NULL;
}

static void records_stop(struct seq_file *m, void *v)
{
}

static int records_show(struct seq_file *m, void *v)
{
	u64 index = *(loff_t *)v;

	seq_printf(m, "%6llu %016llx\n", index, index * 0x9e3779b97f4a7c15ULL);
	return 0;
}

static const struct seq_operations records_seq_ops = {
	.start = records_start,
	.next = records_next,
	.stop = records_stop,
	.show = records_show,
};

static int summary_show(struct seq_file *m, void *v)
{
	struct task_struct *p;
	size_t count = 0;

	rcu_read_lock();
	for_each_process(p)
		count++;
	rcu_read_unlock();
	seq_printf(m, "processes: %zu\n", count);
	return 0;
}

static int __init seqfile_exam_c_init(void)
{
	if (!proc_create_seq("exam_seq_file_c", 0444, NULL, &exam_seq_ops))
		return -ENOMEM;
	if (!proc_create_single("exam_seq_single_c", 0444, NULL, summary_show))
		goto fail_single;
	if (!proc_create_seq("exam_seq_records_c", 0444, NULL, &records_seq_ops))
		goto fail_records;
	return 0;

fail_records:
	remove_proc_entry("exam_seq_single_c", NULL);
fail_single:
	remove_proc_entry("exam_seq_file_c", NULL);
	return -ENOMEM;
}

static void __exit seqfile_exam_c_exit(void)
{
	remove_proc_entry("exam_seq_records_c", NULL);
	remove_proc_entry("exam_seq_single_c", NULL);
	remove_proc_entry("exam_seq_file_c", NULL);
}

module_init(seqfile_exam_c_init);
module_exit(seqfile_exam_c_exit);
MODULE_DESCRIPTION("C twin of seqfile_exam");
MODULE_LICENSE("GPL");
