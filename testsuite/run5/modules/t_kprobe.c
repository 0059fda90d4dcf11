// SPDX-License-Identifier: GPL-2.0
/*
 * t_kprobe: loaded and unloaded repeatedly under a multi-threaded
 * system call load, it checks that start-up, stop and unload race
 * safely with running probes and with on-the-fly toggling.  Shaped like
 * the code of
 *
 *   global on = 1
 *   probe kprobe.function(SYMBOL) { every EVERY hits: printf }
 *   probe kprobe.function(SYMBOL) if (on) { }
 *   probe timer.ms(1) if (on) { }
 *   probe timer.ms(FLIP_MS) { on = !on }
 *
 * The conditional probes are armed and disarmed every FLIP_MS while
 * the load runs, so refreshes race with the stop.  A conditional
 * handler that runs while its probe is disarmed is counted, and the end
 * probe reports such runs as an error; it prints the number of flips.
 */
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include "lifecycle.h"
#include "kprobe.h"
#include "timer.h"
#include "otf.h"

#define EVERY 1000
#define FLIP_MS 20

static char *symbol = "__x64_sys_getppid";
module_param(symbol, charp, 0444);

static DEFINE_PER_CPU(unsigned long, hits);
static int g_on = 1;            /* written by the flipping timer only */
static atomic_long_t bad, flips;

static struct sonde_kprobe kprobes[2];
static struct sonde_timer timers[2];

static int dp_0(struct kprobe *p, struct pt_regs *regs)
{
	struct sonde_ctx *c;
	unsigned long n;

	if (!sonde_probe_enter(&c, "kprobe"))
		return 0;
	n = this_cpu_inc_return(hits);
	if (n % EVERY == 0)
		sonde_printf(c, "cpu=%d hits=%lu\n", smp_processor_id(), n);
	sonde_probe_exit(c);
	return 0;
}

/* Conditional kprobe: must not run while disarmed. */
static int dp_1(struct kprobe *p, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!READ_ONCE(sonde_kprobe_of(p)->live))
		atomic_long_inc(&bad);
	if (!sonde_probe_enter(&c, "kprobe if (on)"))
		return 0;
	sonde_otf_exit(c, false);
	sonde_probe_exit(c);
	return 0;
}

/* Conditional timer: must not run while disarmed. */
static void dp_2(struct sonde_timer *t, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!READ_ONCE(t->live))
		atomic_long_inc(&bad);
	if (!sonde_probe_enter(&c, "timer.ms(1) if (on)"))
		return;
	sonde_otf_exit(c, true);
	sonde_probe_exit(c);
}

static void dp_3(struct sonde_timer *t, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!sonde_probe_enter(&c, "timer.ms(20)"))
		return;
	WRITE_ONCE(g_on, !g_on);
	atomic_long_inc(&flips);
	if (sonde_cond_update(&kprobes[1].enabled, g_on != 0))
		sonde_otf_changed(c);
	if (sonde_cond_update(&timers[0].enabled, g_on != 0))
		sonde_otf_changed(c);
	sonde_otf_exit(c, true);
	sonde_probe_exit(c);
}

static void end(void)
{
	struct sonde_ctx *c;

	if (!sonde_end_enter(&c, "end"))
		return;
	sonde_printf(c, "flips=%ld\n", atomic_long_read(&flips));
	if (atomic_long_read(&bad))
		sonde_error(c, "%ld conditional hits while disarmed",
			    atomic_long_read(&bad));
	sonde_probe_exit(c);
}

static struct sonde_kprobe kprobes[2] = {
	{ .pre = dp_0, .enabled = true },
	{ .pre = dp_1, .enabled = true },
};

static struct sonde_timer timers[2] = {
	{ .period_ns = 1 * NSEC_PER_MSEC, .fire = dp_2, .enabled = true },
	{ .period_ns = FLIP_MS * NSEC_PER_MSEC, .fire = dp_3, .enabled = true },
};

static void refresh_kprobes(void)
{
	sonde_kprobes_refresh(kprobes, ARRAY_SIZE(kprobes));
}

static void refresh_timers(void)
{
	sonde_timers_refresh(timers, ARRAY_SIZE(timers));
}

static const struct sonde_otf_group groups[] = {
	{ "timer", refresh_timers },
	{ "kprobe", refresh_kprobes },
};

static int reg(void)
{
	int ret;

	kprobes[0].symbol = symbol;
	kprobes[1].symbol = symbol;
	ret = sonde_kprobes_register(kprobes, ARRAY_SIZE(kprobes));
	if (ret)
		return ret;
	ret = sonde_timers_register(timers, ARRAY_SIZE(timers));
	if (ret) {
		sonde_kprobes_unregister(kprobes, ARRAY_SIZE(kprobes));
		return ret;
	}
	sonde_otf_start(groups, ARRAY_SIZE(groups));
	return 0;
}

static void unreg(void)
{
	sonde_otf_stop();
	sonde_timers_unregister(timers, ARRAY_SIZE(timers));
	sonde_kprobes_unregister(kprobes, ARRAY_SIZE(kprobes));
}

static const struct sonde_script kp_script = {
	.release = sonde_otf_release,
	.register_probes = reg,
	.unregister_probes = unreg,
	.end = end,
};

SONDE_SCRIPT(kp_script);
MODULE_DESCRIPTION("sonde run5 test: kprobes and on-the-fly toggling under load");
