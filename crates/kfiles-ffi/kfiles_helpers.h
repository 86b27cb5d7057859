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

/*
 * relay: relay_write() and __relay_write() with the byte count they wrote
 * (0 when the record was dropped), the latter refusing (-EPERM) outside task
 * context; relay_subbufs_consumed() for possible CPUs only (it indexes per-CPU
 * data with any cpu below NR_CPUS); relay_reserve() under local_irq_save() (irqs stay off on success
 * until kfiles_relay_end()), and the undo of the last reservation.
 */
struct rchan;
size_t kfiles_relay_write(struct rchan *chan, const void *data, size_t length);
long kfiles_relay_write_task(struct rchan *chan, const void *data, size_t length);
void *kfiles_relay_reserve(struct rchan *chan, size_t length, unsigned long *flags);
bool kfiles_relay_unreserve(struct rchan *chan, void *slot, size_t length);
void kfiles_relay_end(unsigned long flags);
int kfiles_relay_subbufs_consumed(struct rchan *chan, unsigned int cpu, size_t consumed);
struct dentry *kfiles_relay_create_buf_file(const char *name, umode_t mode,
					    struct dentry *parent, struct rchan_buf *buf);

/* Delayed work: INIT_DELAYED_WORK() (a macro with a lock class), and the
 * static inline schedule_delayed_work() with a delay in milliseconds. */
struct delayed_work;
struct work_struct;
void kfiles_init_delayed_work(struct delayed_work *dwork,
			      void (*func)(struct work_struct *work));
bool kfiles_schedule_delayed_work_ms(struct delayed_work *dwork, unsigned int ms);
struct delayed_work *kfiles_to_delayed_work(struct work_struct *work);

#endif
