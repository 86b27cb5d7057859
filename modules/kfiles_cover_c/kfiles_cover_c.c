// SPDX-License-Identifier: GPL-2.0
/*
 * The files of kfiles_cover (Rust) made with the C functions themselves, for
 * the byte-for-byte comparison in ci/guest/tests/37-cover.sh:
 *
 *   /sys/kernel/debug/kfiles_cover_c/blob       debugfs_create_blob(0444), 300 bytes
 *   /sys/kernel/debug/kfiles_cover_c/blob_rw    debugfs_create_blob(0644), 64 bytes
 *   /sys/kernel/debug/kfiles_cover_c/u32_array  debugfs_create_u32_array(), 4 elements
 *   /sys/kernel/debug/kfiles_cover_c/u32_empty  debugfs_create_u32_array(), 0 elements
 *   /sys/kernel/debug/kfiles_cover_c/link       debugfs_create_symlink() -> blob
 *   /sys/kernel/debug/kfiles_cover_c/size_t     debugfs_create_size_t(), 4096
 *   /sys/kernel/debug/kfiles_cover_c/ulong      debugfs_create_ulong(), 0
 *   /sys/kernel/debug/kfiles_cover_c/xul        debugfs_create_xul(), 0xdead
 *   /sys/kernel/debug/kfiles_cover_c/initialized  debugfs_create_bool() of debugfs_initialized()
 *   /sys/kernel/debug/kfiles_cover_c/padded     seq_setwidth() and seq_pad()
 *   /sys/kernel/debug/kfiles_cover_c/regset32   debugfs_create_regset32()
 *   /sys/kernel/debug/kfiles_cover_c/channels   debugfs_print_regs32(), prefixed
 *   /sys/kernel/debug/kfiles_cover_c/renamed    debugfs_change_name() (6.12: debugfs_rename())
 *   /sys/kernel/debug/kfiles_cover_c/sized      single_open_size(), 64 KiB for 40000 bytes
 *   /sys/kernel/debug/kfiles_cover_c/sized_runs debugfs_create_atomic_t(): how often it was shown
 *   /sys/kernel/debug/kfiles_cover_c/stat_size  debugfs_create_file_size(), 12345 bytes in stat()
 *   /sys/kernel/debug/kfiles_cover_c/clients    seq_list_start_head(), seq_list_next(): 500 clients
 *   /proc/kfiles_cover_c/owned                  proc_set_size() 4096, proc_set_user() nobody
 *   /proc/kfiles_cover_c/reader_ids             seq_user_ns(): ids 1000 and 100 as the reader sees them
 *   /proc/kfiles_cover_c/mnt                    proc_create_mount_point()
 *   /proc/kfiles_cover_c/stdin_path             seq_file_path() of the reader's standard input
 *   /proc/kfiles_cover_c                        proc_set_user() root:nogroup
 *
 * and in /proc/net of every network namespace (pernet operations):
 *
 *   /proc/net/kfiles_cover_c_ns         proc_create_net_single(): the namespace and its level
 *   /proc/net/kfiles_cover_c_level      proc_create_net_single_write(): the level, an int
 *   /proc/net/kfiles_cover_c_dir/lines  proc_net_mkdir(), proc_create_net_data(): three lines
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/kstrtox.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/version.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

static u8 pattern[300];
static u8 scratch[64];
static u32 array[4] = { 1, 22, 333, 4294967295U };

static struct debugfs_blob_wrapper blob = { .data = pattern, .size = sizeof(pattern) };
static struct debugfs_blob_wrapper blob_rw = { .data = scratch, .size = sizeof(scratch) };
static struct debugfs_u32_array u32_array = { .array = array, .n_elements = 4 };
static struct debugfs_u32_array u32_empty = { .array = array, .n_elements = 0 };

static size_t size_t_value = 4096;
static unsigned long ulong_value;
static unsigned long xul_value = 0xdead;
static bool initialized;

static struct dentry *dir;

static int padded_show(struct seq_file *m, void *v)
{
	static const struct {
		const char *name;
		int value;
	} rows[] = { { "alpha", 1 }, { "beta", 22 }, { "a-name-wider-than-ten", 333 } };
	int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		seq_setwidth(m, 10);
		seq_puts(m, rows[i].name);
		seq_pad(m, '|');
		seq_setwidth(m, 8);
		seq_printf(m, "%d", rows[i].value);
		seq_pad(m, '\n');
	}
	seq_setwidth(m, 4);
	seq_puts(m, "end");
	seq_pad(m, 0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(padded);

/*
 * A register bank of eight words, word i holding i * 0x01020304, read with
 * readl() as MMIO would be (plain memory here).
 */
static u32 bank[8];
static u32 renamed = 5;
static u32 stat_value = 7;
static struct proc_dir_entry *proc_dir;
static const struct debugfs_reg32 regs[] = {
	{ "ctrl", 0x0 }, { "status", 0x4 }, { "count", 0x8 }, { "last", 0x1c },
};
static struct debugfs_regset32 regset = { .regs = regs, .nregs = ARRAY_SIZE(regs) };
static const struct debugfs_reg32 channel[] = { { "src", 0x0 }, { "len", 0x4 } };

static int channels_show(struct seq_file *m, void *v)
{
	void __iomem *base = (void __iomem *)bank;

	debugfs_print_regs32(m, channel, ARRAY_SIZE(channel), base, "ch0 ");
	debugfs_print_regs32(m, channel, ARRAY_SIZE(channel), base + 0x10, "ch1 ");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(channels);

static int renamed_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u\n", *(u32 *)m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(renamed);

static int owned_show(struct seq_file *m, void *v)
{
	seq_puts(m, "7\n");
	return 0;
}

static int reader_ids_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u %u\n", from_kuid_munged(seq_user_ns(m), KUIDT_INIT(1000)),
		   from_kgid_munged(seq_user_ns(m), KGIDT_INIT(100)));
	return 0;
}

static int stdin_path_show(struct seq_file *m, void *v)
{
	struct file *stdin = fget(0);

	if (stdin) {
		seq_file_path(m, stdin, " \t\n\\");
		seq_putc(m, '\n');
		fput(stdin);
	}
	return 0;
}

/* 500 clients in a list under a mutex, shown after a header. */
#define N_CLIENTS 500

struct client {
	struct list_head links;
	u32 id;
};

static LIST_HEAD(clients);
static DEFINE_MUTEX(clients_lock);

static void *clients_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&clients_lock);
	return seq_list_start_head(&clients, *pos);
}

static void *clients_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &clients, pos);
}

static void clients_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&clients_lock);
}

static int clients_show(struct seq_file *m, void *v)
{
	if (v == &clients)
		seq_puts(m, "clients:\n");
	else
		seq_printf(m, "client %6u of %u\n", list_entry(v, struct client, links)->id,
			   N_CLIENTS);
	return 0;
}

static const struct seq_operations clients_sops = {
	.start = clients_start,
	.next = clients_next,
	.stop = clients_stop,
	.show = clients_show,
};
DEFINE_SEQ_ATTRIBUTE(clients);

static void free_clients(void)
{
	struct client *c, *tmp;

	list_for_each_entry_safe(c, tmp, &clients, links) {
		list_del(&c->links);
		kfree(c);
	}
}

static atomic_t sized_runs;

static int sized_show(struct seq_file *m, void *v)
{
	int row;

	atomic_inc(&sized_runs);
	for (row = 0; row < 1000; row++)
		seq_printf(m, "%39d\n", row);
	return 0;
}

static int sized_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, sized_show, NULL, 64 * 1024);
}

static const struct file_operations sized_fops = {
	.owner = THIS_MODULE,
	.open = sized_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

/* One namespace's state (net_generic()). */
struct cover_net {
	int level;
};

static unsigned int cover_net_id;

static int ns_show(struct seq_file *m, void *v)
{
	struct net *net = m->private;
	struct cover_net *cn = net_generic(net, cover_net_id);

	seq_printf(m, "net:[%u] level %d\n", net->ns.inum, READ_ONCE(cn->level));
	return 0;
}

static int level_show(struct seq_file *m, void *v)
{
	struct net *net = m->private;
	struct cover_net *cn = net_generic(net, cover_net_id);

	seq_printf(m, "%d\n", READ_ONCE(cn->level));
	return 0;
}

static int level_write(struct file *file, char *buf, size_t size)
{
	struct seq_file *m = file->private_data;
	struct net *net = m->private;
	struct cover_net *cn = net_generic(net, cover_net_id);
	int level, err;

	err = kstrtoint(buf, 0, &level);
	if (err)
		return err;
	WRITE_ONCE(cn->level, level);
	return 0;
}

/* Three lines naming the namespace, as a seq_file over positions 0..2. */
static void *lines_start(struct seq_file *m, loff_t *pos)
{
	return *pos < 3 ? (void *)(uintptr_t)(*pos + 1) : NULL;
}

static void *lines_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return lines_start(m, pos);
}

static void lines_stop(struct seq_file *m, void *v)
{
}

static int lines_show(struct seq_file *m, void *v)
{
	struct net *net = seq_file_net(m);

	seq_printf(m, "line %lu of net:[%u]\n", (unsigned long)(uintptr_t)v, net->ns.inum);
	return 0;
}

static const struct seq_operations lines_ops = {
	.start = lines_start,
	.next = lines_next,
	.stop = lines_stop,
	.show = lines_show,
};

/*
 * Also undoes a partial init: remove_proc_subtree() returns -ENOENT for
 * what was not made (remove_proc_entry() would WARN).
 */
static void cover_net_exit(struct net *net)
{
	remove_proc_subtree("kfiles_cover_c_dir", net->proc_net);
	remove_proc_subtree("kfiles_cover_c_level", net->proc_net);
	remove_proc_subtree("kfiles_cover_c_ns", net->proc_net);
}

static int __net_init cover_net_init(struct net *net)
{
	struct proc_dir_entry *dir;

	if (!proc_create_net_single("kfiles_cover_c_ns", 0444, net->proc_net, ns_show, NULL))
		goto fail;
	if (!proc_create_net_single_write("kfiles_cover_c_level", 0644, net->proc_net, level_show,
					  level_write, NULL))
		goto fail;
	dir = proc_net_mkdir(net, "kfiles_cover_c_dir", net->proc_net);
	if (!dir)
		goto fail;
	if (!proc_create_net("lines", 0444, dir, &lines_ops, sizeof(struct seq_net_private)))
		goto fail;
	return 0;
fail:
	cover_net_exit(net);
	return -ENOMEM;
}

static struct pernet_operations cover_net_ops = {
	.init = cover_net_init,
	.exit = cover_net_exit,
	.id = &cover_net_id,
	.size = sizeof(struct cover_net),
};

static int __init kfiles_cover_c_init(void)
{
	struct proc_dir_entry *owned;
	struct dentry *before;
	int i, err;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 7;
	for (i = 0; i < sizeof(scratch); i++)
		scratch[i] = i;
	dir = debugfs_create_dir("kfiles_cover_c", NULL);
	debugfs_create_blob("blob", 0444, dir, &blob);
	debugfs_create_blob("blob_rw", 0644, dir, &blob_rw);
	debugfs_create_u32_array("u32_array", 0444, dir, &u32_array);
	debugfs_create_u32_array("u32_empty", 0444, dir, &u32_empty);
	debugfs_create_symlink("link", dir, "blob");
	debugfs_create_size_t("size_t", 0644, dir, &size_t_value);
	debugfs_create_ulong("ulong", 0644, dir, &ulong_value);
	debugfs_create_xul("xul", 0644, dir, &xul_value);
	initialized = debugfs_initialized();
	debugfs_create_bool("initialized", 0444, dir, &initialized);
	debugfs_create_file("padded", 0444, dir, NULL, &padded_fops);
	for (i = 0; i < ARRAY_SIZE(bank); i++)
		bank[i] = i * 0x01020304U;
	regset.base = (void __iomem *)bank;
	debugfs_create_regset32("regset32", 0444, dir, &regset);
	debugfs_create_file("channels", 0444, dir, NULL, &channels_fops);
	debugfs_create_file("sized", 0444, dir, NULL, &sized_fops);
	debugfs_create_atomic_t("sized_runs", 0444, dir, &sized_runs);
	before = debugfs_create_file("before", 0444, dir, &renamed, &renamed_fops);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	err = debugfs_change_name(before, "renamed");
#else
	err = PTR_ERR_OR_ZERO(debugfs_rename(dir, before, dir, "renamed"));
#endif
	if (err) {
		debugfs_remove(dir);
		return err;
	}
	debugfs_create_file_size("stat_size", 0444, dir, &stat_value, &renamed_fops, 12345);
	for (i = 0; i < N_CLIENTS; i++) {
		struct client *c = kmalloc(sizeof(*c), GFP_KERNEL);

		if (!c) {
			free_clients();
			debugfs_remove(dir);
			return -ENOMEM;
		}
		c->id = i * 7919 % 100000;
		list_add_tail(&c->links, &clients);
	}
	debugfs_create_file("clients", 0444, dir, NULL, &clients_fops);
	proc_dir = proc_mkdir("kfiles_cover_c", NULL);
	owned = proc_dir ? proc_create_single("owned", 0440, proc_dir, owned_show) : NULL;
	if (!owned || !proc_create_single("reader_ids", 0444, proc_dir, reader_ids_show) ||
	    !proc_create_single("stdin_path", 0444, proc_dir, stdin_path_show) ||
	    !proc_create_mount_point("kfiles_cover_c/mnt")) {
		proc_remove(proc_dir);
		debugfs_remove(dir);
		free_clients();
		return -ENOMEM;
	}
	proc_set_size(owned, 4096);
	proc_set_user(owned, KUIDT_INIT(65534), KGIDT_INIT(65534));
	proc_set_user(proc_dir, GLOBAL_ROOT_UID, KGIDT_INIT(65534));
	err = register_pernet_subsys(&cover_net_ops);
	if (err) {
		proc_remove(proc_dir);
		debugfs_remove(dir);
		free_clients();
	}
	return err;
}

static void __exit kfiles_cover_c_exit(void)
{
	unregister_pernet_subsys(&cover_net_ops);
	proc_remove(proc_dir);
	debugfs_remove(dir);
	free_clients();
}

module_init(kfiles_cover_c_init);
module_exit(kfiles_cover_c_exit);
MODULE_DESCRIPTION("C twin of kfiles_cover: debugfs's own blob, u32 array and symlink files, /proc/net");
MODULE_LICENSE("GPL");
