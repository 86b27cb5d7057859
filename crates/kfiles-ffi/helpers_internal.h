/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the C helpers' files share (helpers.c and the helpers of one crate,
 * helpers_*.c); not for drivers.
 */
#ifndef KFILES_HELPERS_INTERNAL_H
#define KFILES_HELPERS_INTERNAL_H

#include <linux/percpu.h>

struct rchan;

#define KFILES_RELAY_MAX_NEST 4

/*
 * The relay channels this CPU is writing to, switching or holding a
 * reservation in, innermost last (helpers_relay.c). Defined in helpers.c,
 * whose kfiles_may_sleep() reads it in every module, relay-rs or not.
 */
struct kfiles_relay_nest {
	unsigned int depth;
	struct rchan *chan[KFILES_RELAY_MAX_NEST];
};
DECLARE_PER_CPU(struct kfiles_relay_nest, kfiles_relay_nest);

/*
 * Whether this CPU is inside a relay write of a channel of this module. In
 * task context with interrupts on (kfiles_may_sleep() asks only there), a
 * write in progress on this CPU can only be the caller's own: another
 * task's keeps preemption off until it leaves, and interrupts return first.
 */
static inline bool kfiles_relay_writing_here(void)
{
	return raw_cpu_read(kfiles_relay_nest.depth) != 0;
}

/*
 * Releases one leaked per-network-namespace registration of procfs-rs and
 * says whether there was one; kfiles_teardowns_wait() calls it until there
 * are none. Set by helpers_procfs.c's first registration: NULL in modules
 * that never register one (or do not link procfs-rs).
 */
extern bool (*kfiles_pernet_sweep)(void);

#endif /* KFILES_HELPERS_INTERNAL_H */
