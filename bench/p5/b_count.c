// SPDX-License-Identifier: GPL-2.0
/*
 * b_count: the module sonde generates for
 *
 *   global n
 *   probe kprobe.function("__x64_sys_getppid") { n++ }
 *
 * written by hand in the shape of pass 3's output, to measure the cost
 * per hit of the runtime's probe path (enter, lock, tick, unlock, exit)
 * against the floor module's bare counter.
 */
#include <linux/kprobes.h>
#include "lifecycle.h"
#include "locks.h"
#include "kprobe.h"

static struct sonde_rwlock n_lock = SONDE_RWLOCK_INIT;
static int64_t g_n;

static const struct sonde_lock_req probe_0_locks[] = {
	{ &n_lock, SONDE_LOCK_WRITE },
};

/* kprobe.function("__x64_sys_getppid") at b.stp:2:7 */
static int probe_0(struct kprobe *p, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!sonde_probe_enter(&c, "kprobe.function(\"__x64_sys_getppid\")"))
		return 0;
	if (!sonde_lock_globals(c, probe_0_locks, 1))
		goto out;
	if (!sonde_tick_n(c, 1))
		goto unlock;
	g_n++;
unlock:
	sonde_unlock_globals(probe_0_locks, 1);
out:
	sonde_probe_exit(c);
	return 0;
}

static void end(void)
{
	struct sonde_ctx *c;

	if (!sonde_end_enter(&c, "end"))
		return;
	sonde_printf(c, "n=%lld\n", g_n);
	sonde_probe_exit(c);
}

static struct sonde_kprobe kps[] = {
	{ .symbol = "__x64_sys_getppid", .pre = probe_0, .enabled = true },
};

static int reg(void)
{
	return sonde_kprobes_register(kps, ARRAY_SIZE(kps));
}

static void unreg(void)
{
	sonde_kprobes_unregister(kps, ARRAY_SIZE(kps));
}

static const struct sonde_script count_script = {
	.register_probes = reg,
	.unregister_probes = unreg,
	.end = end,
};

SONDE_SCRIPT(count_script);
MODULE_DESCRIPTION("sonde bench: generated-shaped kprobe counter");
