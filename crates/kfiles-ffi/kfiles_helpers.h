/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers for what Rust cannot call directly: static inline functions,
 * macros, and functions whose form differs between kernel versions or
 * configurations (for example debugfs_create_file(), a _Generic macro since
 * 6.14, and every debugfs function, a static inline stub without
 * CONFIG_DEBUG_FS). Each helper is a plain call of the C API it names,
 * but for relay's writers, which also close races of the inline originals
 * (helpers_relay.c explains each).
 */
#ifndef KFILES_HELPERS_H
#define KFILES_HELPERS_H

#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/lockdep_types.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/relay.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/*
 * The layout, as the C compiler sees it, of the kernel structs the crates
 * embed, build as constants or read fields of. bindgen evaluates these, and
 * kfiles-ffi compares its own layout of each with them when it compiles: a
 * difference fails the build rather than misreading memory. (bindgen can
 * differ: without CONFIG_SCHEDSTATS it drops the alignment of the empty,
 * cache-aligned struct sched_statistics, misplacing every later field of
 * task_struct. The task list walk therefore takes its link's offset from
 * here, and nothing reads task_struct fields through bindgen's layout.)
 */
enum {
	KFILES_LAYOUT_FILE_SIZE = sizeof(struct file),
	KFILES_LAYOUT_FILE_F_INODE = offsetof(struct file, f_inode),
	KFILES_LAYOUT_FILE_F_FLAGS = offsetof(struct file, f_flags),
	KFILES_LAYOUT_FILE_PRIVATE_DATA = offsetof(struct file, private_data),
	KFILES_LAYOUT_INODE_I_PRIVATE = offsetof(struct inode, i_private),
	KFILES_LAYOUT_KIOCB_KI_FILP = offsetof(struct kiocb, ki_filp),
	KFILES_LAYOUT_SEQ_FILE_COUNT = offsetof(struct seq_file, count),
	KFILES_LAYOUT_SEQ_FILE_PAD_UNTIL = offsetof(struct seq_file, pad_until),
	KFILES_LAYOUT_SEQ_FILE_PRIVATE = offsetof(struct seq_file, private),
	KFILES_LAYOUT_RCHAN_BUF_DATA = offsetof(struct rchan_buf, data),
	KFILES_LAYOUT_RCHAN_BUF_OFFSET = offsetof(struct rchan_buf, offset),
	KFILES_LAYOUT_RCHAN_BUF_SUBBUFS_PRODUCED = offsetof(struct rchan_buf, subbufs_produced),
	KFILES_LAYOUT_RCHAN_BUF_CHAN = offsetof(struct rchan_buf, chan),
	KFILES_LAYOUT_RCHAN_BUF_PADDING = offsetof(struct rchan_buf, padding),
	KFILES_LAYOUT_RCHAN_BUF_CPU = offsetof(struct rchan_buf, cpu),
	KFILES_LAYOUT_FILE_OPERATIONS_SIZE = sizeof(struct file_operations),
	KFILES_LAYOUT_PROC_OPS_SIZE = sizeof(struct proc_ops),
	KFILES_LAYOUT_SEQ_OPERATIONS_SIZE = sizeof(struct seq_operations),
	KFILES_LAYOUT_RCHAN_CALLBACKS_SIZE = sizeof(struct rchan_callbacks),
	KFILES_LAYOUT_KERNEL_PARAM_SIZE = sizeof(struct kernel_param),
	KFILES_LAYOUT_HRTIMER_SIZE = sizeof(struct hrtimer),
	KFILES_LAYOUT_WAIT_QUEUE_HEAD_SIZE = sizeof(struct wait_queue_head),
	KFILES_LAYOUT_DELAYED_WORK_SIZE = sizeof(struct delayed_work),
	KFILES_LAYOUT_LOCK_CLASS_KEY_SIZE = sizeof(struct lock_class_key),
	KFILES_LAYOUT_TASK_STRUCT_TASKS = offsetof(struct task_struct, tasks),
};

struct dentry;
struct file_operations;
struct inode;
struct task_struct;

struct dentry *kfiles_debugfs_create_dir(const char *name, struct dentry *parent);
struct dentry *kfiles_debugfs_create_file(const char *name, umode_t mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops);
void kfiles_debugfs_remove(struct dentry *dentry);
bool kfiles_debugfs_initialized(void);
struct dentry *kfiles_debugfs_create_symlink(const char *name, struct dentry *parent,
					     const char *target);

struct seq_file;
void kfiles_seq_escape(struct seq_file *m, const char *src, size_t len, const char *esc);
/*
 * seq_hex_dump() with an offset prefix or none (never DUMP_PREFIX_ADDRESS,
 * which would show kernel addresses), for at most INT_MAX - 32 bytes (its
 * line arithmetic is int: the offset of the next row must fit).
 */
void kfiles_seq_hex_dump(struct seq_file *m, const char *prefix, bool offsets, int rowsize,
			 int groupsize, const void *buf, size_t len, bool ascii);

/*
 * A user or group id of the initial user namespace as the opener of @m sees
 * it: from_kuid_munged(seq_user_ns(m), ...), the overflow id where its
 * namespace has no mapping.
 */
struct rchan;
/*
 * Around the hooks relay-rs runs for a buffer's first sub-buffer, which relay
 * asks for from __relay_reset() (relay_open(), a CPU coming online,
 * relay_reset()) in task context, outside any write, under its channels
 * mutex and, for the first two, the CPU hotplug lock: the state of a write,
 * so that the hooks' rules are enforced there too. Interrupts off, @chan on
 * this CPU's nesting stack: a write to @chan is refused (EBUSY), and
 * kfiles_may_sleep() is false, so flush, reset, consume and open refuse
 * (EPERM) instead of waiting on the locks held around the call. Returns
 * false, with interrupts as they were and nothing entered, if the stack is
 * full; else kfiles_relay_hook_exit(*flags) ends it.
 */
bool kfiles_relay_hook_enter(struct rchan *chan, unsigned long *flags);
void kfiles_relay_hook_exit(unsigned long flags);

struct file;
/*
 * fget() of the current task's descriptor @fd, or NULL where the task has no
 * descriptor table to look in (interrupt context; an exiting task, whose
 * table is gone while its last files are released).
 */
struct file *kfiles_fget(unsigned int fd);
/* get_file(): one more count of a file that has one. */
void kfiles_get_file(struct file *file);

unsigned int kfiles_seq_reader_uid(struct seq_file *m, unsigned int uid);
unsigned int kfiles_seq_reader_gid(struct seq_file *m, unsigned int gid);

void kfiles_rcu_read_lock(void);
void kfiles_rcu_read_unlock(void);

pid_t kfiles_task_pid(struct task_struct *t);
void kfiles_task_comm(struct task_struct *t, char *buf, size_t len);

/*
 * relay (see helpers_relay.c for how these differ from relay_write(),
 * relay_reserve() and relay_flush()). The write and reserve helpers return a
 * negative errno when the record is refused: -ENOSPC (buffer full, no-overwrite
 * mode), -ECANCELED (subbuf_start() refused), -EPERM (wrong context for the
 * channel), -EBUSY (the channel's buffer is being written on this CPU by the
 * code that calls: a hook, or the code filling a reservation; or a global
 * channel's lock is held elsewhere while this CPU holds another's), -ENODEV
 * (no buffer for this CPU). Every helper takes a channel opened by kfiles_relay_open().
 */
struct rchan;
struct rchan_buf;
struct rchan_callbacks;

/* Channel flags passed to every helper. */
#define KFILES_RELAY_OVERWRITE 1u	/* overwrite mode */
#define KFILES_RELAY_TASK_ONLY 2u	/* writers run in task context only */
#define KFILES_RELAY_GLOBAL 4u		/* one buffer for every CPU (is_global) */

/*
 * relay's callbacks plus the hook of a full buffer, which the write helpers
 * call on the writing CPU with its writers excluded (NULL: none).
 */
struct kfiles_relay_callbacks {
	struct rchan_callbacks cb;
	void (*buffer_full)(void *private_data, unsigned int cpu);
};

/*
 * A global channel's writers, on every CPU, are serialised by a spinlock of
 * its own (relay leaves that to the channel's user), allocated by
 * kfiles_relay_open() and freed by kfiles_relay_close(); the write, reserve
 * and flush helpers take it (NULL for per-CPU channels). A write from code
 * made while this CPU holds another global channel's lock (from a hook, a
 * reservation's filling code, an interrupt) only tries the lock, and is
 * refused with -EBUSY if another CPU holds it: two CPUs each inside one
 * global channel and writing to the other's would otherwise wait for each
 * other forever. Global channels' writers keep interrupts off, task-only
 * ones too. (The count of locks held is per module, as the helpers are: a
 * hook or filling code of one module's global channel that writes into
 * another module's global channel can still deadlock with that module's
 * writers.) A flush of a global channel is -EBUSY likewise.
 */
struct raw_spinlock;

/*
 * An open reservation: interrupts are off until kfiles_relay_release().
 * kfiles_relay_reserve() sets every field when it succeeds (the caller need
 * not initialise the slot); when it fails, the slot's contents are
 * unspecified.
 */
struct kfiles_relay_slot {
	struct rchan_buf *buf;
	struct raw_spinlock *lock;	/* held until release (global channels) */
	void *data;			/* where the record goes */
	size_t len;			/* its length */
	size_t end;			/* buf->offset once committed */
	unsigned long irqflags;
};

struct rchan *kfiles_relay_open(const char *base_filename, struct dentry *parent,
				size_t subbuf_size, size_t n_subbufs,
				const struct kfiles_relay_callbacks *cb, void *private_data,
				struct raw_spinlock **global_lock);
void kfiles_relay_close(struct rchan *chan, struct raw_spinlock *global_lock);
long kfiles_relay_write(struct rchan *chan, const void *data, size_t length, unsigned int flags,
			struct raw_spinlock *global_lock);
long kfiles_relay_reserve(struct rchan *chan, size_t length, unsigned int flags,
			  struct raw_spinlock *global_lock, struct kfiles_relay_slot *slot);
void kfiles_relay_release(const struct kfiles_relay_slot *slot, bool commit);
int kfiles_relay_flush(struct rchan *chan, unsigned int flags, struct raw_spinlock *global_lock);
/*
 * relay_reset() with no writer of @chan running (the caller's to ensure): a
 * read() it overlaps reads again (helpers_relay.c); channels whose files the
 * helpers made must be reset only through it. -EPERM where sleeping is not
 * allowed.
 */
int kfiles_relay_reset(struct rchan *chan);
/*
 * relay_subbufs_consumed() under the lock read() holds, after any reset of
 * the module's channels that runs (-EINTR if a fatal signal comes while it
 * waits for one). Not from a relay callback, nor with relay's channels mutex
 * held: it would wait for a reset that waits for that.
 */
int kfiles_relay_subbufs_consumed(struct rchan *chan, unsigned int cpu, size_t consumed);
/*
 * Whether CPU @cpu's buffer has no sub-buffer left to switch to in
 * no-overwrite mode (1; else 0), as the write helpers decide it (see
 * kfiles_relay_switch_would_overrun()): relay_buf_full() one switch earlier.
 * A snapshot, read without excluding the writers. -EINVAL for a CPU that is
 * not possible, -ENODEV for one without a buffer. Any context.
 */
int kfiles_relay_buf_full(struct rchan *chan, unsigned int cpu);
/* Event queues (kfiles_file::EventQueue; see helpers.c). */
void kfiles_init_event_queue(struct wait_queue_head *wq);
void kfiles_wake_up_all(struct wait_queue_head *wq);
int kfiles_wait_event_interruptible(struct wait_queue_head *wq, bool (*ready)(const void *arg),
				    const void *arg);

/*
 * The pollers of one file (kfiles_file's Served; see helpers.c): they sleep
 * on @head; @forward, on the driver's event queue @source, passes that
 * queue's wake-ups on to them. Allocated by kfiles_poll_head_new(), freed by
 * kfiles_poll_head_free() once no poller holds it.
 */
struct kfiles_poll_head {
	struct wait_queue_head head;
	struct wait_queue_entry forward;
	struct wait_queue_head *source;
	struct list_head orphan;
	struct rcu_head rcu;
};
struct kfiles_poll_head *kfiles_poll_head_new(void);
void kfiles_poll_head_attach(struct kfiles_poll_head *ph, struct wait_queue_head *source);
void kfiles_poll_wait(struct file *file, struct kfiles_poll_head *ph, struct poll_table_struct *pt);
void kfiles_poll_head_quiesce(struct kfiles_poll_head *ph);
void kfiles_poll_head_free(struct kfiles_poll_head *ph);

/* The poll events (uapi values; helpers.c asserts them). */
#define KFILES_POLLIN 0x0001
#define KFILES_POLLPRI 0x0002
#define KFILES_POLLOUT 0x0004
#define KFILES_POLLERR 0x0008
#define KFILES_POLLHUP 0x0010
#define KFILES_POLLRDNORM 0x0040
#define KFILES_POLLRDBAND 0x0080
#define KFILES_POLLWRNORM 0x0100
#define KFILES_POLLWRBAND 0x0200
#define KFILES_POLLMSG 0x0400
#define KFILES_POLLRDHUP 0x2000
/*
 * What a file being removed reports, and its pollers are woken with: every
 * event a poller can ask for (select()'s three sets included), so that each
 * returns and takes its wait entry off the file's queue.
 */
#define KFILES_POLL_REMOVED 0x27df

/*
 * create_buf_file() with kfiles_relay_create_buf_file() makes a file that
 * refuses to open (ENOENT) until the table's subbuf_start() has called
 * kfiles_relay_buf_ready(buf) for the buffer's first sub-buffer (prev_subbuf
 * NULL): relay sets a buffer up only after its file exists.
 */
struct dentry *kfiles_relay_create_buf_file(const char *name, umode_t mode,
					    struct dentry *parent);
void kfiles_relay_buf_ready(struct rchan_buf *buf);

/*
 * Delayed work: INIT_DELAYED_WORK() with @key, a lockdep class key in
 * dynamically allocated memory that kfiles_release_work_key() unregisters
 * (it sleeps) once the item is cancelled and before the key's memory is
 * freed; the static inline schedule_delayed_work() with a delay in
 * milliseconds (at least one jiffy).
 */
struct delayed_work;
struct work_struct;
struct lock_class_key;
void kfiles_init_delayed_work(struct delayed_work *dwork,
			      void (*func)(struct work_struct *work),
			      struct lock_class_key *key);
void kfiles_release_work_key(struct lock_class_key *key);
bool kfiles_schedule_delayed_work_ms(struct delayed_work *dwork, unsigned int ms);
struct delayed_work *kfiles_to_delayed_work(struct work_struct *work);

/*
 * hrtimers: hrtimer_setup() (hrtimer_init() plus the function before 6.13)
 * for a relative timer pinned to the CPU that starts it, run in softirq or,
 * with @hard, hardirq context; the static inline hrtimer_start() and
 * hrtimer_forward_now(), with nanoseconds.
 */
struct hrtimer;
void kfiles_hrtimer_setup(struct hrtimer *timer,
			  enum hrtimer_restart (*function)(struct hrtimer *), bool hard);
void kfiles_hrtimer_start_ns(struct hrtimer *timer, u64 ns, bool hard);
void kfiles_hrtimer_forward_now_ns(struct hrtimer *timer, u64 ns);

/*
 * Teardown that cannot wait where it is asked for: a file removed from inside
 * one of its own callbacks, a work item or timer dropped from its own
 * callback (removal waits for callbacks in progress, which would be waiting
 * for itself), or anything removed where sleeping is not allowed.
 *
 * kfiles_defer_teardown() runs fn(arg) later in process context, as an async
 * function: in the module's own domain if kfiles_teardowns_own() was called
 * (kfiles_compat::module! does, and calls kfiles_teardowns_wait() after a
 * failed init and after the exit function; it also frees the poll heads
 * no poller holds any more), else in the global one, which
 * delete_module() waits for after the exit function. Either way fn's code
 * outlives the call. If it cannot be queued (no memory), it retries where
 * sleeping is allowed; elsewhere fn never runs and kfiles_pin_for_leak() is
 * called. Callable from any context but NMI and, on PREEMPT_RT, hardirq
 * (it takes a spinlock_t).
 *
 * kfiles_pin_for_leak() is what a teardown that cannot happen does: the
 * entry is leaked, and the module is pinned (try_module_get()) so that the
 * leaked entry's code stays loaded; both are logged. (During module unload
 * the pin fails, and the entry outlives the module: logged as critical.)
 */
void kfiles_pin_for_leak(void);
void kfiles_teardowns_own(void);
void kfiles_teardowns_wait(void);
void kfiles_defer_teardown(void (*fn)(void *arg), void *arg);
/*
 * Whether a sleeping call may run here: task context, interrupts enabled, no
 * RCU read-side section (preemptible RCU's own count, or the sections begun
 * by kfiles_rcu_read_lock() on this CPU) and, where the kernel counts them
 * (PREEMPT_COUNT), no spinlock or other atomic section held. Without
 * PREEMPT_COUNT a held spinlock, or an RCU section begun elsewhere, cannot
 * be seen. Calls might_sleep() when it says yes.
 */
bool kfiles_may_sleep(void);
/* The task running this code (current); never dereferenced by Rust. */
const void *kfiles_current_task(void);
/* The work item this worker is running, or NULL (current_work()). */
struct work_struct *kfiles_current_work(void);
/* Whether waiting for @timer's callback from here would wait for ourselves:
 * in interrupt context on the CPU where the callback is running. */
bool kfiles_hrtimer_running_here(struct hrtimer *timer);

/*
 * procfs names: a per-module mutex guarding the names procfs-rs claimed in
 * its directories; kfiles_proc_root_lookup() returns -EEXIST if /proc/@name
 * exists (looked up from the root of pid 1; 0 if it does not, or if /proc
 * is not mounted there), -ENOMEM. May sleep.
 */
void kfiles_proc_names_lock(void);
void kfiles_proc_names_unlock(void);
int kfiles_proc_root_lookup(const char *name);

/*
 * /proc/net of every network namespace (procfs-rs's NetFiles).
 *
 * pernet_operations' init(net) and exit(net) get no context, so each module
 * has a small pool of registrations, each with its own C init and exit that
 * call init(ctx, net) and exit(ctx, net) with the ctx it was registered
 * with. kfiles_pernet_register() registers a pernet subsystem
 * (register_pernet_subsys(): init runs for every namespace that exists, then
 * for each new one; exit for each that goes) and returns a handle (>= 0), or
 * -EBUSY when the module's KFILES_PERNET_SLOTS are taken, or what
 * register_pernet_subsys() returns (an init's error). kfiles_pernet_drop()
 * releases the handle's registration on the teardown worker: unregisters it
 * (exit for every namespace, then no call any more), calls release(ctx) and
 * frees the slot; a handle released already does nothing.
 * kfiles_teardowns_wait() releases the registrations still there (leaked),
 * with a warning, since their operations are in the module. Registering may
 * sleep; -EOPNOTSUPP without CONFIG_NET.
 * kfiles_teardowns_are_owned() says whether kfiles_teardowns_own() was
 * called (kfiles_compat::module!), so that kfiles_teardowns_wait() runs.
 *
 * kfiles_net_proc_dir() is a namespace's /proc/net directory (net->proc_net),
 * which lives until the namespace's procfs exit, after the exits of every
 * pernet subsystem registered later (the kernel's own is registered at
 * boot); kfiles_net_inum() the namespace's inode number (what readlink of
 * /proc/PID/ns/net shows); kfiles_net_is_initial() whether it is init_net.
 * kfiles_proc_net_mkdir() is proc_net_mkdir(): a directory whose dentries
 * are looked up afresh each time, since /proc/self/net changes with the
 * task's namespace. kfiles_proc_init_net_lookup() is as
 * kfiles_proc_root_lookup() for /proc/1/net/@name, but returns the lookup's
 * errors other than -ENOENT (a name that may exist is not free), and
 * -EAGAIN while pid 1 has no procfs /proc/1/net to look in. Both look up
 * with the kernel's credentials (hidepid= hides nothing from them).
 */
#define KFILES_PERNET_SLOTS 8
/*
 * Renames a debugfs entry in its directory: debugfs_change_name() where it
 * exists (6.14 on), else debugfs_rename() after a lookup, so that an
 * existing target is -EEXIST there too (debugfs_rename() says -EINVAL).
 * Renaming to its own name succeeds. May sleep.
 */
int kfiles_debugfs_rename(struct dentry *dentry, const char *name);
/*
 * An entry's size and owner, as stat() shows them. kfiles_debugfs_set_size()
 * sets a debugfs entry's inode size under its inode lock (what
 * debugfs_create_file_size() sets at creation). kfiles_proc_set_size() and
 * kfiles_proc_set_owner() are proc_set_size() and proc_set_user(), which
 * procfs applies to the inodes it makes later; the owner's ids are mapped in
 * the initial user namespace (-EINVAL for an id that has no mapping). The
 * procfs setters are serialised with each other only (procfs reads the
 * fields, and writes a chmod of the inode back, without a lock, as for C's
 * callers). Sizes above LLONG_MAX are
 * -EINVAL. May sleep.
 */
struct dentry;
struct proc_dir_entry;
int kfiles_debugfs_set_size(struct dentry *dentry, unsigned long long size);
int kfiles_proc_set_size(struct proc_dir_entry *pde, unsigned long long size);
int kfiles_proc_set_owner(struct proc_dir_entry *pde, unsigned int uid, unsigned int gid);
long kfiles_pernet_register(int (*init)(void *ctx, void *net), void (*exit)(void *ctx, void *net),
			    void (*release)(void *ctx), void *ctx);
void kfiles_pernet_drop(long handle);
bool kfiles_teardowns_are_owned(void);
struct proc_dir_entry *kfiles_net_proc_dir(void *net);
struct proc_dir_entry *kfiles_init_net_proc_dir(void);
unsigned int kfiles_net_inum(const void *net);
bool kfiles_net_is_initial(const void *net);
struct proc_dir_entry *kfiles_proc_net_mkdir(const char *name, umode_t mode,
					     struct proc_dir_entry *parent);
int kfiles_proc_init_net_lookup(const char *name);

#endif
