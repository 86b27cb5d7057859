// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of procfs-rs (see kfiles_helpers.h), linked only into modules
 * that use it (kbuild/kfiles.mk): the names it claims, lookups from the
 * initial namespaces' root, entry attributes, per-network-namespace files.
 */
#include <linux/cred.h>
#include <linux/fs_struct.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "kfiles_helpers.h"
#include "helpers_internal.h"

/*
 * The names procfs-rs has claimed in its directories (see procfs-rs's
 * entry.rs): procfs WARNs before refusing a name that exists, so the crate
 * refuses it first. One lock per module (the helpers are linked into each);
 * a module's directories are its own.
 */
static DEFINE_MUTEX(kfiles_proc_names_mutex);

void kfiles_proc_names_lock(void)
{
	mutex_lock(&kfiles_proc_names_mutex);
}

void kfiles_proc_names_unlock(void)
{
	mutex_unlock(&kfiles_proc_names_mutex);
}

/* The root directory of pid 1 of the initial pid namespace, referenced. */
static int kfiles_init_root(struct path *root)
{
	struct task_struct *init;
	int err = -ESRCH;

	rcu_read_lock();
	init = pid_task(find_pid_ns(1, &init_pid_ns), PIDTYPE_PID);
	if (init)
		get_task_struct(init);
	rcu_read_unlock();
	if (!init)
		return err;
	/* As proc_root_link() does: task_lock() keeps ->fs. */
	task_lock(init);
	if (init->fs) {
		get_fs_root(init->fs, root);
		err = 0;
	}
	task_unlock(init);
	put_task_struct(init);
	return err;
}

/* Looks @rel up below the root of pid 1 with the kernel's credentials. */
static int kfiles_init_root_path(const char *rel, struct path *path)
{
	const struct cred *old;
	struct path root;
	struct cred *kcred;
	int err;

	err = kfiles_init_root(&root);
	if (err)
		return err;
	kcred = prepare_kernel_cred(&init_task);
	if (!kcred) {
		path_put(&root);
		return -ENOMEM;
	}
	/* (6.12's override_creds() takes a reference that revert_creds()
	 * drops; later ones take none: either way ours is put after.) */
	old = override_creds(kcred);
	err = vfs_path_lookup(root.dentry, root.mnt, rel, 0, path);
	revert_creds(old);
	put_cred(kcred);
	path_put(&root);
	return err;
}

/*
 * -EEXIST if @rel (freed here) exists below the root of pid 1, 0 if it does
 * not or if pid 1 has no root yet; other lookup errors (the name may exist,
 * unseen) are returned with @strict, else 0. Looked up with the kernel's
 * credentials, so that hidepid= or a security module does not hide a name
 * from the caller's.
 */
static int kfiles_init_root_lookup(char *rel, bool strict)
{
	struct path path;
	int err;

	if (!rel)
		return -ENOMEM;
	/*
	 * From the root of the initial namespace's init (pid 1), not the
	 * caller's: the caller's /proc may be absent (a chroot, a task past
	 * exit_fs()) or show a subset (subset=pid). (Not init_task's: later
	 * kernels give it an empty root of its own.) No LOOKUP_FOLLOW: a
	 * symlink (/proc/self) exists as itself.
	 */
	err = kfiles_init_root_path(rel, &path);
	kfree(rel);
	if (!err) {
		path_put(&path);
		return -EEXIST;
	}
	if (err == -ENOENT || err == -ESRCH || !strict)
		return 0;
	return err;
}

/*
 * Serialises the procfs setters below with each other (procfs's own readers,
 * and proc_notify_change() writing a chmod back, do not take it).
 */
static DEFINE_MUTEX(kfiles_proc_attr_lock);

int kfiles_proc_set_size(struct proc_dir_entry *pde, unsigned long long size)
{
	if (size > LLONG_MAX)
		return -EINVAL;
	mutex_lock(&kfiles_proc_attr_lock);
	proc_set_size(pde, size);
	mutex_unlock(&kfiles_proc_attr_lock);
	return 0;
}

int kfiles_proc_set_owner(struct proc_dir_entry *pde, unsigned int uid, unsigned int gid)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	kgid_t kgid = make_kgid(&init_user_ns, gid);

	if (!uid_valid(kuid) || !gid_valid(kgid))
		return -EINVAL;
	mutex_lock(&kfiles_proc_attr_lock);
	proc_set_user(pde, kuid, kgid);
	mutex_unlock(&kfiles_proc_attr_lock);
	return 0;
}

int kfiles_proc_root_lookup(const char *name)
{
	return kfiles_init_root_lookup(kasprintf(GFP_KERNEL, "proc/%s", name), false);
}

#if IS_ENABLED(CONFIG_NET) && IS_ENABLED(CONFIG_PROC_FS)
#include <net/net_namespace.h>

/*
 * One pernet registration of procfs-rs. init and exit read the slot without
 * the mutex: they are written before register_pernet_subsys(), which takes
 * pernet_ops_rwsem before any call, and the slot is only freed after
 * unregister_pernet_subsys() returned, after the last call.
 */
struct kfiles_pernet_slot {
	struct pernet_operations ops;
	int (*init)(void *ctx, void *net);
	void (*exit)(void *ctx, void *net);
	void (*release)(void *ctx);
	void *ctx;
	/* Counts the registrations the slot had: a handle of an earlier one
	 * finds it changed and does nothing. */
	unsigned long gen;
	bool used;
	bool releasing;
};

static struct kfiles_pernet_slot kfiles_pernet_slots[KFILES_PERNET_SLOTS];
static DEFINE_MUTEX(kfiles_pernet_mutex);

/* Not __net_init: without CONFIG_NET_NS that is __init code, gone by the
 * time a registration made after module init calls it (and __net_exit is
 * __ref, for symmetry). */
#define KFILES_PERNET_CALLS(i)							\
static int kfiles_pernet_init_##i(struct net *net)				\
{										\
	struct kfiles_pernet_slot *slot = &kfiles_pernet_slots[i];		\
										\
	return slot->init(slot->ctx, net);					\
}										\
static void kfiles_pernet_exit_##i(struct net *net)				\
{										\
	struct kfiles_pernet_slot *slot = &kfiles_pernet_slots[i];		\
										\
	slot->exit(slot->ctx, net);						\
}
KFILES_PERNET_CALLS(0)
KFILES_PERNET_CALLS(1)
KFILES_PERNET_CALLS(2)
KFILES_PERNET_CALLS(3)
KFILES_PERNET_CALLS(4)
KFILES_PERNET_CALLS(5)
KFILES_PERNET_CALLS(6)
KFILES_PERNET_CALLS(7)
static_assert(KFILES_PERNET_SLOTS == 8, "one KFILES_PERNET_CALLS() per slot");

static int (*const kfiles_pernet_inits[KFILES_PERNET_SLOTS])(struct net *) = {
	kfiles_pernet_init_0, kfiles_pernet_init_1, kfiles_pernet_init_2, kfiles_pernet_init_3,
	kfiles_pernet_init_4, kfiles_pernet_init_5, kfiles_pernet_init_6, kfiles_pernet_init_7,
};
static void (*const kfiles_pernet_exits[KFILES_PERNET_SLOTS])(struct net *) = {
	kfiles_pernet_exit_0, kfiles_pernet_exit_1, kfiles_pernet_exit_2, kfiles_pernet_exit_3,
	kfiles_pernet_exit_4, kfiles_pernet_exit_5, kfiles_pernet_exit_6, kfiles_pernet_exit_7,
};

static bool kfiles_pernet_sweep_one(void);

long kfiles_pernet_register(int (*init)(void *ctx, void *net), void (*exit)(void *ctx, void *net),
			    void (*release)(void *ctx), void *ctx)
{
	struct kfiles_pernet_slot *slot = NULL;
	unsigned long gen = 0;
	int i, err;

	mutex_lock(&kfiles_pernet_mutex);
	/* From now on the module's unload sweeps leaked registrations. */
	WRITE_ONCE(kfiles_pernet_sweep, kfiles_pernet_sweep_one);
	for (i = 0; i < KFILES_PERNET_SLOTS; i++) {
		if (!kfiles_pernet_slots[i].used) {
			slot = &kfiles_pernet_slots[i];
			slot->used = true;
			gen = slot->gen;
			break;
		}
	}
	mutex_unlock(&kfiles_pernet_mutex);
	if (!slot)
		return -EBUSY;
	slot->ops.init = kfiles_pernet_inits[i];
	slot->ops.exit = kfiles_pernet_exits[i];
	slot->init = init;
	slot->exit = exit;
	slot->release = release;
	slot->ctx = ctx;
	err = register_pernet_subsys(&slot->ops);
	if (err) {
		mutex_lock(&kfiles_pernet_mutex);
		slot->used = false;
		mutex_unlock(&kfiles_pernet_mutex);
		return err;
	}
	return (long)(gen << 8 | i);
}

/*
 * Releases the registration of @arg (a handle) if it is still the slot's
 * and not being released: unregisters it (its exits run), calls release,
 * frees the slot. A stale handle does nothing.
 */
static void kfiles_pernet_release(void *arg)
{
	unsigned long handle = (unsigned long)arg;
	struct kfiles_pernet_slot *slot;

	if ((handle & 0xff) >= KFILES_PERNET_SLOTS)
		return;
	slot = &kfiles_pernet_slots[handle & 0xff];
	mutex_lock(&kfiles_pernet_mutex);
	if (!slot->used || slot->releasing || slot->gen != handle >> 8) {
		mutex_unlock(&kfiles_pernet_mutex);
		return;
	}
	slot->releasing = true;
	mutex_unlock(&kfiles_pernet_mutex);
	unregister_pernet_subsys(&slot->ops);
	slot->release(slot->ctx);
	mutex_lock(&kfiles_pernet_mutex);
	slot->gen++;
	slot->releasing = false;
	slot->used = false;
	mutex_unlock(&kfiles_pernet_mutex);
}

void kfiles_pernet_drop(long handle)
{
	kfiles_defer_teardown(kfiles_pernet_release, (void *)handle);
}

/*
 * A registration still here when the module goes was leaked (forgotten,
 * or its deferred drop could not be queued): its pernet_operations are in
 * the module's memory and would stay on the kernel's list. Release it as
 * its drop would have. A handle dropped later (by what the release drops)
 * is stale, and does nothing. Returns whether it released one.
 */
static bool kfiles_pernet_sweep_one(void)
{
	unsigned long handle = 0;
	bool found = false;
	int i;

	mutex_lock(&kfiles_pernet_mutex);
	for (i = 0; i < KFILES_PERNET_SLOTS && !found; i++) {
		if (kfiles_pernet_slots[i].used && !kfiles_pernet_slots[i].releasing) {
			handle = kfiles_pernet_slots[i].gen << 8 | i;
			found = true;
		}
	}
	mutex_unlock(&kfiles_pernet_mutex);
	if (!found)
		return false;
	pr_warn("kfiles: a NetFiles of this module was leaked; released at unload\n");
	kfiles_pernet_release((void *)handle);
	return true;
}

struct proc_dir_entry *kfiles_net_proc_dir(void *net)
{
	return ((struct net *)net)->proc_net;
}

struct proc_dir_entry *kfiles_init_net_proc_dir(void)
{
	return init_net.proc_net;
}

unsigned int kfiles_net_inum(const void *net)
{
	return ((const struct net *)net)->ns.inum;
}

bool kfiles_net_is_initial(const void *net)
{
	return net == &init_net;
}

struct proc_dir_entry *kfiles_proc_net_mkdir(const char *name, umode_t mode,
					     struct proc_dir_entry *parent)
{
	/* proc_net_mkdir(), with a mode: looked up afresh each time. */
	return _proc_mkdir(name, mode, parent, NULL, true);
}

int kfiles_proc_init_net_lookup(const char *name)
{
	struct path net;
	int err;

	/* /proc/1/net must be there, and procfs's: else nothing is known. */
	err = kfiles_init_root_path("proc/1/net", &net);
	if (err)
		return err == -ENOENT || err == -ESRCH ? -EAGAIN : err;
	if (net.dentry->d_sb->s_magic != PROC_SUPER_MAGIC) {
		path_put(&net);
		return -EAGAIN;
	}
	path_put(&net);
	return kfiles_init_root_lookup(kasprintf(GFP_KERNEL, "proc/1/net/%s", name), true);
}
#else

long kfiles_pernet_register(int (*init)(void *ctx, void *net), void (*exit)(void *ctx, void *net),
			    void (*release)(void *ctx), void *ctx)
{
	return -EOPNOTSUPP;
}

void kfiles_pernet_drop(long handle)
{
}

struct proc_dir_entry *kfiles_net_proc_dir(void *net)
{
	return NULL;
}

struct proc_dir_entry *kfiles_init_net_proc_dir(void)
{
	return NULL;
}

unsigned int kfiles_net_inum(const void *net)
{
	return 0;
}

bool kfiles_net_is_initial(const void *net)
{
	return true;
}

struct proc_dir_entry *kfiles_proc_net_mkdir(const char *name, umode_t mode,
					     struct proc_dir_entry *parent)
{
	return NULL;
}

int kfiles_proc_init_net_lookup(const char *name)
{
	return 0;
}
#endif
