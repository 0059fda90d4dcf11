// SPDX-License-Identifier: GPL-2.0
/*
 * r_otf: on-the-fly toggling, shaped like the code of
 *
 *   global on = 1, flips
 *   probe kprobe.function("__x64_sys_getppid") if (on) { kp++ }
 *   probe timer.ms(5) if (on) { tm++ }
 *   probe timer.ms(800) { on = !on; if (++flips == 8) exit() }
 *
 * The flipping timer records, per phase, how many times each
 * conditional probe's handler ran.  Handlers also count runs that
 * happen while their probe is not live (disarmed): there must be none.
 * The end probe prints one line per phase and the bad counts.
 */
#include <linux/kprobes.h>
#include "lifecycle.h"
#include "locks.h"
#include "kprobe.h"
#include "timer.h"
#include "otf.h"

#define FLIPS 8

static struct sonde_rwlock on_lock = SONDE_RWLOCK_INIT;
static int64_t g_on = 1;
static int64_t g_flips;
static atomic_long_t kp_runs, tm_runs, kp_bad, tm_bad;
static long phase_kp[FLIPS + 1], phase_tm[FLIPS + 1];
static int64_t phase_on[FLIPS + 1];

static const struct sonde_lock_req read_on[] = {
	{ &on_lock, SONDE_LOCK_READ },
};
static const struct sonde_lock_req write_on[] = {
	{ &on_lock, SONDE_LOCK_WRITE },
};

static struct sonde_kprobe kps[1];
static struct sonde_timer tms[2];

static int probe_kp(struct kprobe *p, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	atomic_long_inc(&kp_runs);
	if (!READ_ONCE(sonde_kprobe_of(p)->live))
		atomic_long_inc(&kp_bad);
	if (!sonde_probe_enter(&c, "kprobe.function(\"__x64_sys_getppid\")"))
		return 0;
	sonde_otf_exit(c, false);
	sonde_probe_exit(c);
	return 0;
}

static void probe_tm(struct sonde_timer *t, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	atomic_long_inc(&tm_runs);
	if (!READ_ONCE(t->live))
		atomic_long_inc(&tm_bad);
	if (!sonde_probe_enter(&c, "timer.ms(5)"))
		return;
	sonde_otf_exit(c, true);
	sonde_probe_exit(c);
}

/* Close the current phase and start the next. */
static void record_phase(void)
{
	static long kp_last, tm_last;
	long kp = atomic_long_read(&kp_runs), tm = atomic_long_read(&tm_runs);

	phase_on[g_flips] = g_on;
	phase_kp[g_flips] = kp - kp_last;
	phase_tm[g_flips] = tm - tm_last;
	kp_last = kp;
	tm_last = tm;
}

static void probe_flip(struct sonde_timer *t, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!sonde_probe_enter(&c, "timer.ms(800)"))
		return;
	if (!sonde_lock_globals(c, write_on, 1))
		goto out;
	if (g_flips < FLIPS) {
		record_phase();
		g_on = !g_on;
		if (sonde_cond_update(&kps[0].enabled, g_on != 0))
			sonde_otf_changed(c);
		if (sonde_cond_update(&tms[1].enabled, g_on != 0))
			sonde_otf_changed(c);
		if (++g_flips == FLIPS)
			sonde_request_exit();
	}
	sonde_unlock_globals(write_on, 1);
out:
	sonde_otf_exit(c, true);
	sonde_probe_exit(c);
}

static void end(void)
{
	struct sonde_ctx *c;
	int i;

	if (!sonde_end_enter(&c, "end"))
		return;
	if (!sonde_lock_globals(c, read_on, 1))
		goto out;
	for (i = 0; i < g_flips; i++)
		sonde_printf(c, "phase %d on=%lld kp=%ld tm=%ld\n", i,
			     phase_on[i], phase_kp[i], phase_tm[i]);
	sonde_printf(c, "flips=%lld kp_bad=%ld tm_bad=%ld\n", g_flips,
		     atomic_long_read(&kp_bad), atomic_long_read(&tm_bad));
	sonde_unlock_globals(read_on, 1);
out:
	sonde_probe_exit(c);
}

static struct sonde_kprobe kps[1] = {
	{ .symbol = "__x64_sys_getppid", .pre = probe_kp, .enabled = true },
};

static struct sonde_timer tms[2] = {
	{ .period_ns = 800 * NSEC_PER_MSEC, .fire = probe_flip,
	  .enabled = true },
	{ .period_ns = 5 * NSEC_PER_MSEC, .fire = probe_tm, .enabled = true },
};

static void refresh_kprobes(void)
{
	sonde_kprobes_refresh(kps, ARRAY_SIZE(kps));
}

static void refresh_timers(void)
{
	sonde_timers_refresh(tms, ARRAY_SIZE(tms));
}

static const struct sonde_otf_group groups[] = {
	{ "timer", refresh_timers },
	{ "kprobe", refresh_kprobes },
};

static int reg(void)
{
	int ret = sonde_kprobes_register(kps, ARRAY_SIZE(kps));

	if (ret)
		return ret;
	ret = sonde_timers_register(tms, ARRAY_SIZE(tms));
	if (ret) {
		sonde_kprobes_unregister(kps, ARRAY_SIZE(kps));
		return ret;
	}
	sonde_otf_start(groups, ARRAY_SIZE(groups));
	return 0;
}

static void unreg(void)
{
	sonde_otf_stop();
	sonde_timers_unregister(tms, ARRAY_SIZE(tms));
	sonde_kprobes_unregister(kps, ARRAY_SIZE(kps));
}

static const struct sonde_script otf_script = {
	.release = sonde_otf_release,
	.register_probes = reg,
	.unregister_probes = unreg,
	.end = end,
};

SONDE_SCRIPT(otf_script);
MODULE_DESCRIPTION("sonde runtime test: on-the-fly kprobe and timer");
