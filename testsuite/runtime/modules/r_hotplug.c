// SPDX-License-Identifier: GPL-2.0
/*
 * r_hotplug: probes while CPUs go offline and online, shaped like the
 * code of
 *
 *   probe timer.profile { fires[phase, cpu()]++; every 10th: printf }
 *   probe kprobe.function("__x64_sys_getppid") { kp[phase, cpu()]++; every 200th: printf }
 *   probe kprobe.function("take_cpu_down") { printf("down cpu=%d\n", cpu()) }
 *   probe end { print each phase }
 *
 * The test writes the module parameter phase (1, 2, ...): an odd phase
 * after it has changed the set of online CPUs, an even one before it
 * changes the set again.  The write records the time and the online
 * CPUs, so each odd phase has a fixed set of online CPUs.  The end
 * probe prints, per phase, its length, the online CPUs and each CPU's
 * profile ticks and kprobe hits: an online CPU must tick, at most once
 * per tick period (a second timer on a CPU, such as the timer of an
 * offline CPU moved there, would tick more), an offline one not at all.
 *
 * Output: per CPU, tick and kp lines are numbered from 1; the take_cpu_down
 * probe prints on the very CPU going offline, so its frame sits in the
 * ring of a CPU that is offline right after.  The end probe prints how
 * many of each were printed, and how many ticks ran on a CPU other than
 * their timer's ("misplaced") or while their probe was disarmed ("bad").
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include "lifecycle.h"
#include "kprobe.h"
#include "timer.h"
#include "probes.h"

#define PHASES 20
#define CPUS 8                 /* CPUs counted; the test uses fewer */
#define TICK_EVERY 10
#define KP_EVERY 200

static int phase;
static u64 phase_begin[PHASES + 1];
static unsigned long phase_online[PHASES];

/* Per phase and CPU; only that CPU's probes write a slot, one at a time. */
static unsigned long fires[PHASES][CPUS], kp_hits[PHASES][CPUS];
static DEFINE_PER_CPU(unsigned long, tick_lines);
static DEFINE_PER_CPU(unsigned long, kp_lines);
static DEFINE_PER_CPU(unsigned long, tick_n);
static DEFINE_PER_CPU(unsigned long, kp_n);
static atomic_long_t misplaced, bad, downs;

/* Starting a phase records when, and which CPUs are online. */
static int phase_set(const char *val, const struct kernel_param *kp)
{
	int n, ret = kstrtoint(val, 10, &n);

	if (ret)
		return ret;
	if (n <= READ_ONCE(phase) || n >= PHASES)
		return -EINVAL;
	phase_begin[n] = ktime_get_ns();
	phase_online[n] = cpumask_bits(cpu_online_mask)[0];
	WRITE_ONCE(phase, n);
	return 0;
}

static const struct kernel_param_ops phase_ops = {
	.set = phase_set,
	.get = param_get_int,
};
module_param_cb(phase, &phase_ops, &phase, 0644);

/* kprobe.function("__x64_sys_getppid") */
static int dp_0(struct kprobe *kp, struct pt_regs *regs)
{
	struct sonde_ctx *c;
	int cpu;

	if (!sonde_probe_enter(&c, "kprobe.function(\"__x64_sys_getppid\")"))
		return 0;
	cpu = smp_processor_id();
	if (cpu < CPUS)
		kp_hits[READ_ONCE(phase)][cpu]++;
	if (__this_cpu_inc_return(kp_n) % KP_EVERY == 0)
		sonde_printf(c, "kp cpu=%d n=%lu\n", cpu,
			     __this_cpu_inc_return(kp_lines));
	sonde_probe_exit(c);
	return 0;
}

/* kprobe.function("take_cpu_down"): on the CPU going offline */
static int dp_1(struct kprobe *kp, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!sonde_probe_enter(&c, "kprobe.function(\"take_cpu_down\")"))
		return 0;
	atomic_long_inc(&downs);
	sonde_printf(c, "down cpu=%d\n", smp_processor_id());
	sonde_probe_exit(c);
	return 0;
}

/* timer.profile */
static void dp_2(struct sonde_timer *t, struct pt_regs *regs)
{
	struct sonde_ctx *c;
	int cpu;

	if (!hrtimer_callback_running(&this_cpu_ptr(t->cpus)->h))
		atomic_long_inc(&misplaced);
	if (!READ_ONCE(t->live))
		atomic_long_inc(&bad);
	if (!sonde_probe_enter(&c, "timer.profile"))
		return;
	cpu = smp_processor_id();
	if (cpu < CPUS)
		fires[READ_ONCE(phase)][cpu]++;
	if (__this_cpu_inc_return(tick_n) % TICK_EVERY == 0)
		sonde_printf(c, "tick cpu=%d n=%lu\n", cpu,
			     __this_cpu_inc_return(tick_lines));
	sonde_probe_exit(c);
}

static void print_phase(struct sonde_ctx *c, int p)
{
	int cpu;

	sonde_printf(c, "phase %d ms=%llu online=%lx fires=", p,
		     (phase_begin[p + 1] - phase_begin[p]) / NSEC_PER_MSEC,
		     phase_online[p]);
	for (cpu = 0; cpu < CPUS; cpu++)
		sonde_printf(c, "%s%lu", cpu ? "," : "", fires[p][cpu]);
	sonde_printf(c, " kp=");
	for (cpu = 0; cpu < CPUS; cpu++)
		sonde_printf(c, "%s%lu", cpu ? "," : "", kp_hits[p][cpu]);
	sonde_printf(c, "\n");
}

static void end(void)
{
	unsigned long ticks = 0, kps = 0;
	struct sonde_ctx *c;
	int p, cpu;

	if (!sonde_end_enter(&c, "end"))
		return;
	phase_begin[phase + 1] = ktime_get_ns();
	for (p = 1; p <= phase; p++)
		print_phase(c, p);
	for_each_possible_cpu(cpu) {
		ticks += per_cpu(tick_lines, cpu);
		kps += per_cpu(kp_lines, cpu);
	}
	sonde_printf(c, "printed ticks=%lu kps=%lu downs=%ld misplaced=%ld bad=%ld\n",
		     ticks, kps, atomic_long_read(&downs),
		     atomic_long_read(&misplaced), atomic_long_read(&bad));
	sonde_probe_exit(c);
}

static struct sonde_kprobe kprobes[2] = {
	{ .symbol = "__x64_sys_getppid", .pre = dp_0, .enabled = true },
	{ .symbol = "take_cpu_down", .pre = dp_1, .enabled = true },
};

static struct sonde_timer timers[1] = {
	{ .period_ns = TICK_NSEC, .randomize_ns = 0, .percpu = true,
	  .fire = dp_2, .enabled = true },
};

TIMERS_KPROBES_SCRIPT(hotplug_script);
MODULE_DESCRIPTION("sonde runtime test: probes across CPU hotplug");
