/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers for what Rust cannot call directly: static inline functions,
 * macros, and functions whose form differs between kernel versions or
 * configurations (for example debugfs_create_file(), a _Generic macro since
 * 6.14, and every debugfs function, a static inline stub without
 * CONFIG_DEBUG_FS). Each helper is a plain call of the C API it names.
 */
#ifndef KFILES_HELPERS_H
#define KFILES_HELPERS_H

#include <linux/fs.h>
#include <linux/types.h>

struct dentry;
struct file_operations;
struct inode;
struct task_struct;

struct dentry *kfiles_debugfs_create_dir(const char *name, struct dentry *parent);
struct dentry *kfiles_debugfs_create_file(const char *name, umode_t mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops);
void kfiles_debugfs_remove(struct dentry *dentry);

void *kfiles_pde_data(const struct inode *inode);

struct seq_file;
void kfiles_seq_escape(struct seq_file *m, const char *src, size_t len, const char *esc);

void kfiles_rcu_read_lock(void);
void kfiles_rcu_read_unlock(void);

struct task_struct *kfiles_next_process(struct task_struct *p);
pid_t kfiles_task_pid(struct task_struct *t);
void kfiles_task_comm(struct task_struct *t, char *buf, size_t len);

#endif
