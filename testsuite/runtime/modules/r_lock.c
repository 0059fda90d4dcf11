// SPDX-License-Identifier: GPL-2.0
/*
 * r_lock: global locks under contention.  Shaped like the code of
 *
 *   global n
 *   probe kprobe.function("__x64_sys_getppid") { n = n + 1 }
 *   probe end { printf("n=%d\n", n) }
 *
 * except that the increment reads n, waits a few microseconds and
 * writes n + 1, so that two CPUs inside it at once would lose updates.
 * Built with a small MAXTRYLOCK, so hits on both CPUs contend and some
 * are skipped.  The end probe prints n and the number of hits that got
 * the lock, counted per CPU outside it: equal means the lock excluded.
 */
#include <linux/kprobes.h>
#include <linux/delay.h>
#include "lifecycle.h"
#include "locks.h"
#include "kprobe.h"

static struct sonde_rwlock n_lock = SONDE_RWLOCK_INIT;
static int64_t g_n;
static DEFINE_PER_CPU(unsigned long, got);

static const struct sonde_lock_req kp_locks[] = {
	{ &n_lock, SONDE_LOCK_WRITE },
};
static const struct sonde_lock_req end_locks[] = {
	{ &n_lock, SONDE_LOCK_READ },
};

static int probe_0(struct kprobe *p, struct pt_regs *regs)
{
	struct sonde_ctx *c;
	int64_t v;

	if (!sonde_probe_enter(&c, "kprobe.function(\"__x64_sys_getppid\")"))
		return 0;
	if (!sonde_lock_globals(c, kp_locks, 1))
		goto out;
	this_cpu_inc(got);
	if (!sonde_tick_n(c, 1))
		goto unlock;
	v = READ_ONCE(g_n);
	udelay(20);
	WRITE_ONCE(g_n, v + 1);
unlock:
	sonde_unlock_globals(kp_locks, 1);
out:
	sonde_probe_exit(c);
	return 0;
}

static void end(void)
{
	struct sonde_ctx *c;
	unsigned long sum = 0;
	int cpu;

	if (!sonde_end_enter(&c, "end"))
		return;
	if (!sonde_lock_globals(c, end_locks, 1))
		goto out;
	for_each_possible_cpu(cpu)
		sum += per_cpu(got, cpu);
	sonde_printf(c, "n=%lld got=%lu\n", g_n, sum);
	sonde_unlock_globals(end_locks, 1);
out:
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

static const struct sonde_script lock_script = {
	.register_probes = reg,
	.unregister_probes = unreg,
	.end = end,
};

SONDE_SCRIPT(lock_script);
MODULE_DESCRIPTION("sonde runtime test: global locks under contention");
