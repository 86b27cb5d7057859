// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of debugfs-rs (see kfiles_helpers.h), linked only into modules
 * that use it (kbuild/kfiles.mk; relay-rs uses debugfs-rs).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/version.h>

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

bool kfiles_debugfs_initialized(void)
{
	return debugfs_initialized();
}

struct dentry *kfiles_debugfs_create_symlink(const char *name, struct dentry *parent,
					     const char *target)
{
	return debugfs_create_symlink(name, parent, target);
}

int kfiles_debugfs_rename(struct dentry *dentry, const char *name)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	return debugfs_change_name(dentry, "%s", name);
#else
	struct dentry *parent, *existing, *moved;
	int err = 0;

	parent = dget_parent(dentry);
	existing = debugfs_lookup(name, parent);
	if (!IS_ERR_OR_NULL(existing)) {
		if (existing != dentry)
			err = -EEXIST;
		dput(existing);
	} else {
		/* (The stub without CONFIG_DEBUG_FS takes a char *.) */
		moved = debugfs_rename(parent, dentry, parent, (char *)name);
		if (IS_ERR(moved))
			err = PTR_ERR(moved);
		/* Made meanwhile by another task: debugfs_rename() says -EINVAL. */
		if (err == -EINVAL) {
			existing = debugfs_lookup(name, parent);
			if (!IS_ERR_OR_NULL(existing)) {
				err = -EEXIST;
				dput(existing);
			}
		}
	}
	dput(parent);
	return err;
#endif
}

int kfiles_debugfs_set_size(struct dentry *dentry, unsigned long long size)
{
	struct inode *inode = d_inode(dentry);

	if (size > LLONG_MAX)
		return -EINVAL;
	inode_lock(inode);
	i_size_write(inode, size);
	inode_unlock(inode);
	return 0;
}
