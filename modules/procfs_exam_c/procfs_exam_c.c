// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of procfs_exam (the Rust demo): /proc/myproctest_c with aint,
 * astring, bigprocfile and aint_link, implementing the Rust demo's contract
 * exactly (see modules/procfs_exam): writes at offset 0 of at most 64 bytes
 * (aint) or 255 (astring), kstrtoint() for aint with ERANGE, bigprocfile's
 * replace/append/EINVAL/ENOSPC rules with nothing stored on failure.
 */
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define AINT_MAX_INPUT 64
#define ASTRING_MAX 255
#define BIG_CAPACITY (64 * 1024)
#define BIG_INITIAL_LINES 256

static struct proc_dir_entry *dir;

/* aint */
static int aint;

static int aint_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lld\n", (long long)READ_ONCE(aint));
	return 0;
}

static int aint_open(struct inode *inode, struct file *file)
{
	return single_open(file, aint_show, NULL);
}

static ssize_t aint_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[AINT_MAX_INPUT + 1];
	int v, ret;

	if (*ppos != 0 || count > AINT_MAX_INPUT)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	ret = kstrtoint(buf, 0, &v);
	if (ret)
		return ret;
	WRITE_ONCE(aint, v);
	*ppos = count;
	return count;
}

static const struct proc_ops aint_ops = {
	.proc_open = aint_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = aint_write,
};

/* astring: exactly the bytes written */
static DEFINE_MUTEX(astring_lock);
static char astring[ASTRING_MAX];
static size_t astring_len;

static int astring_show(struct seq_file *m, void *v)
{
	mutex_lock(&astring_lock);
	seq_write(m, astring, astring_len);
	mutex_unlock(&astring_lock);
	return 0;
}

static int astring_open(struct inode *inode, struct file *file)
{
	return single_open(file, astring_show, NULL);
}

static ssize_t astring_write(struct file *file, const char __user *ubuf, size_t count,
			     loff_t *ppos)
{
	char buf[ASTRING_MAX];

	if (*ppos != 0 || count > ASTRING_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	mutex_lock(&astring_lock);
	memcpy(astring, buf, count);
	astring_len = count;
	mutex_unlock(&astring_lock);
	*ppos = count;
	return count;
}

static const struct proc_ops astring_ops = {
	.proc_open = astring_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = astring_write,
};

/* bigprocfile: a bounded buffer, replaced at 0, appended at the end */
static DEFINE_MUTEX(big_lock);
static char *big, *big_spare;
static size_t big_len;

static ssize_t big_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	if (*ppos < 0)
		return -EINVAL;
	mutex_lock(&big_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, big, big_len);
	mutex_unlock(&big_lock);
	return ret;
}

static ssize_t big_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t start, end;
	ssize_t ret = count;

	if (pos < 0)
		return -EINVAL;
	mutex_lock(&big_lock);
	if (pos > big_len) {
		ret = -EINVAL;
		goto out;
	}
	start = pos;
	if (count > BIG_CAPACITY - start) {
		ret = -ENOSPC;
		goto out;
	}
	end = start + count;
	if (start == big_len && start != 0) {
		/* Append: past the content, so a fault leaves it as it was. */
		if (copy_from_user(big + start, ubuf, count)) {
			ret = -EFAULT;
			goto out;
		}
		big_len = end;
	} else {
		if (copy_from_user(big_spare, ubuf, count)) {
			ret = -EFAULT;
			goto out;
		}
		if (start == 0) {
			swap(big, big_spare);
			big_len = end;
		} else {
			memcpy(big + start, big_spare, count);
			big_len = max(big_len, end);
		}
	}
	*ppos = end;
out:
	mutex_unlock(&big_lock);
	return ret;
}

static const struct proc_ops big_ops = {
	.proc_read = big_read,
	.proc_write = big_write,
	.proc_lseek = default_llseek,
};

static int __init procfs_exam_c_init(void)
{
	int i;

	big = kvzalloc(BIG_CAPACITY, GFP_KERNEL);
	big_spare = kvzalloc(BIG_CAPACITY, GFP_KERNEL);
	if (!big || !big_spare)
		goto nomem;
	for (i = 0; i < BIG_INITIAL_LINES; i++)
		big_len += scnprintf(big + big_len, BIG_CAPACITY - big_len,
				     "%05d The quick brown fox jumps over the lazy dog.\n", i);

	dir = proc_mkdir_mode("myproctest_c", 0755, NULL);
	if (!dir)
		goto nomem;
	if (!proc_create("aint", 0644, dir, &aint_ops) ||
	    !proc_create("astring", 0644, dir, &astring_ops) ||
	    !proc_create("bigprocfile", 0644, dir, &big_ops) ||
	    !proc_symlink("aint_link", dir, "aint")) {
		proc_remove(dir);
		goto nomem;
	}
	return 0;
nomem:
	kvfree(big);
	kvfree(big_spare);
	return -ENOMEM;
}

static void __exit procfs_exam_c_exit(void)
{
	proc_remove(dir);
	kvfree(big);
	kvfree(big_spare);
}

module_init(procfs_exam_c_init);
module_exit(procfs_exam_c_exit);
MODULE_DESCRIPTION("C twin of procfs_exam, with the Rust demo's contract");
MODULE_LICENSE("GPL");
