// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the kfiles crates; see kfiles_helpers.h for why each exists.
 * Linked into every module that uses the crates (kbuild/kfiles.mk).
 */
#include <linux/debugfs.h>

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

struct dentry *kfiles_debugfs_create_symlink(const char *name, struct dentry *parent,
					     const char *target)
{
	return debugfs_create_symlink(name, parent, target);
}

void kfiles_debugfs_remove(struct dentry *dentry)
{
	debugfs_remove(dentry);
}

bool kfiles_debugfs_initialized(void)
{
	return debugfs_initialized();
}
