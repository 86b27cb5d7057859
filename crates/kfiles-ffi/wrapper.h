/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C APIs that the kfiles crates bind. bindgen reads this file with the C
 * flags of the kernel tree being built against (kbuild/kfiles.mk).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/relay.h>
#include <linux/seq_file.h>

#include "kfiles_helpers.h"
