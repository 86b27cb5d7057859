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
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

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

static int __init kfiles_cover_c_init(void)
{
	int i;

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
	return 0;
}

static void __exit kfiles_cover_c_exit(void)
{
	debugfs_remove(dir);
}

module_init(kfiles_cover_c_init);
module_exit(kfiles_cover_c_exit);
MODULE_DESCRIPTION("C twin of kfiles_cover: debugfs's own blob, u32 array and symlink files");
MODULE_LICENSE("GPL");
