// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the kfiles crates; see kfiles_helpers.h for why each exists.
 * Linked into every module that uses the crates (kbuild/kfiles.mk).
 */
#include <linux/debugfs.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/string.h>

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
