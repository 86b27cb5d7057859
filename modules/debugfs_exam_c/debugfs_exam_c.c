// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of debugfs_exam (the Rust demo): the same four files under
 * /sys/kernel/debug/debugfs-exam-c, with the contract of debugfs-rs rather
 * than that of debugfs_create_u8() & co., so that the two can be compared
 * byte for byte and errno for errno:
 * - reads print "%llu\n" or "Y\n"/"N\n" through a single-show seq_file;
 * - a write must start at offset 0 and hold at most 64 bytes (EINVAL);
 * - values parse with kstrto*() for the exact type, so out of range is
 *   ERANGE instead of a silent truncation; a failed write keeps the value.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#define VAR_MAX_INPUT 64

enum var_kind { VAR_U8, VAR_U16, VAR_U32, VAR_BOOL };

struct var {
	const char *name;
	enum var_kind kind;
	void *value;
};

static u8 u8_var;
static u16 u16_var;
static u32 u32_var;
static bool bool_var;

static struct var vars[] = {
	{ "u8_var", VAR_U8, &u8_var },
	{ "u16_var", VAR_U16, &u16_var },
	{ "u32_var", VAR_U32, &u32_var },
	{ "bool_var", VAR_BOOL, &bool_var },
};

static struct dentry *dir;

static int var_show(struct seq_file *m, void *v)
{
	struct var *var = m->private;

	switch (var->kind) {
	case VAR_U8:
		seq_printf(m, "%llu\n", (u64)READ_ONCE(*(u8 *)var->value));
		break;
	case VAR_U16:
		seq_printf(m, "%llu\n", (u64)READ_ONCE(*(u16 *)var->value));
		break;
	case VAR_U32:
		seq_printf(m, "%llu\n", (u64)READ_ONCE(*(u32 *)var->value));
		break;
	case VAR_BOOL:
		seq_puts(m, READ_ONCE(*(bool *)var->value) ? "Y\n" : "N\n");
		break;
	}
	return 0;
}

static int var_open(struct inode *inode, struct file *file)
{
	return single_open(file, var_show, inode->i_private);
}

static int var_store(struct var *var, const char *buf)
{
	int ret;

	switch (var->kind) {
	case VAR_U8: {
		u8 v;

		ret = kstrtou8(buf, 0, &v);
		if (!ret)
			WRITE_ONCE(*(u8 *)var->value, v);
		return ret;
	}
	case VAR_U16: {
		u16 v;

		ret = kstrtou16(buf, 0, &v);
		if (!ret)
			WRITE_ONCE(*(u16 *)var->value, v);
		return ret;
	}
	case VAR_U32: {
		u32 v;

		ret = kstrtou32(buf, 0, &v);
		if (!ret)
			WRITE_ONCE(*(u32 *)var->value, v);
		return ret;
	}
	case VAR_BOOL: {
		bool v;

		ret = kstrtobool(buf, &v);
		if (!ret)
			WRITE_ONCE(*(bool *)var->value, v);
		return ret;
	}
	}
	return -EINVAL;
}

static ssize_t var_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct var *var = file_inode(file)->i_private;
	char buf[VAR_MAX_INPUT + 1];
	int ret;

	if (*ppos != 0 || count > VAR_MAX_INPUT)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	ret = var_store(var, buf);
	if (ret)
		return ret;
	*ppos = count;
	return count;
}

static const struct file_operations var_fops = {
	.owner = THIS_MODULE,
	.open = var_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = var_write,
};

static int __init debugfs_exam_c_init(void)
{
	int i;

	dir = debugfs_create_dir("debugfs-exam-c", NULL);
	for (i = 0; i < ARRAY_SIZE(vars); i++)
		debugfs_create_file(vars[i].name, 0644, dir, &vars[i], &var_fops);
	return 0;
}

static void __exit debugfs_exam_c_exit(void)
{
	debugfs_remove(dir);
}

module_init(debugfs_exam_c_init);
module_exit(debugfs_exam_c_exit);
MODULE_DESCRIPTION("C twin of debugfs_exam, with debugfs-rs's contract");
MODULE_LICENSE("GPL");
