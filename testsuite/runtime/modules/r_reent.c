// SPDX-License-Identifier: GPL-2.0
/*
 * r_reent: a probe hit on a CPU where a probe is already running,
 * shaped like the code of
 *
 *   global claimed, spins
 *   probe kprobe.function("__x64_sys_getppid") {
 *           if (++claimed <= SPINS) { spin SPIN_MS ms; if (++spins == SPINS) exit() }
 *   }
 *   probe timer.profile { ticks++ }
 *
 * The kprobe sits on the function's ftrace call, so with INTERRUPTIBLE
 * (the default) its body runs with interrupts on: the profile tick of
 * its CPU interrupts the spin, finds the context busy and must be
 * skipped and counted.  Built with -DINTERRUPTIBLE=0 the body holds
 * interrupts off, so the ticks that fall due during a spin wait until
 * it is over and run then: none is skipped.
 *
 * The tick handler classifies itself before entering: "interrupted"
 * when it runs during a spin of its CPU, "delayed" when its timer fell
 * due during the last spin of its CPU but runs after it.  A tick whose
 * body runs while a spin of its CPU is in progress ran nested: a bug.
 * The end probe prints the counts.  Spins are claimed before and
 * counted after, so that exit() comes once every spin is over: a tick
 * during a spin still in progress at stop would return quietly,
 * neither run nor skipped.
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/irqflags.h>
#include "lifecycle.h"
#include "kprobe.h"
#include "timer.h"
#include "probes.h"

#define SPINS 8
#define SPIN_NS (20 * NSEC_PER_MSEC)

/* Where this CPU's spin is: in_spin during it, its bounds after. */
struct spin_state {
	bool in_spin;
	u64 start, end;
};

static DEFINE_PER_CPU(struct spin_state, spin);
static atomic_t claimed, spins;
static atomic_long_t irqs_on, ticks, interrupted, delayed, nested;

static struct sonde_timer timers[1];

/* The body's work: hold the CPU for SPIN_NS, interrupts as they are. */
static void spin_here(void)
{
	struct spin_state *s = this_cpu_ptr(&spin);
	u64 t0 = ktime_get_ns();

	if (!irqs_disabled())
		atomic_long_inc(&irqs_on);
	s->start = t0;
	WRITE_ONCE(s->in_spin, true);
	while (ktime_get_ns() - t0 < SPIN_NS)
		cpu_relax();
	WRITE_ONCE(s->in_spin, false);
	s->end = ktime_get_ns();
}

/* kprobe.function("__x64_sys_getppid") */
static int dp_0(struct kprobe *kp, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	if (!sonde_probe_enter(&c, "kprobe.function(\"__x64_sys_getppid\")"))
		return 0;
	c->regs = regs;
	if (atomic_read(&claimed) < SPINS &&
	    atomic_inc_return(&claimed) <= SPINS) {
		spin_here();
		if (atomic_inc_return(&spins) == SPINS)
			sonde_request_exit();
	}
	sonde_probe_exit(c);
	return 0;
}

/* Classify a tick of this CPU's timer h (see the top). */
static void classify(struct hrtimer *h)
{
	struct spin_state *s = this_cpu_ptr(&spin);
	s64 due = hrtimer_get_expires_ns(h);

	if (READ_ONCE(s->in_spin))
		atomic_long_inc(&interrupted);
	else if (due >= (s64)s->start && due < (s64)s->end)
		atomic_long_inc(&delayed);
}

/* timer.profile */
static void dp_1(struct sonde_timer *t, struct pt_regs *regs)
{
	struct sonde_ctx *c;

	classify(&this_cpu_ptr(t->cpus)->h);
	if (!sonde_probe_enter(&c, "timer.profile"))
		return;
	c->regs = regs;
	if (READ_ONCE(this_cpu_ptr(&spin)->in_spin))
		atomic_long_inc(&nested);
	atomic_long_inc(&ticks);
	sonde_probe_exit(c);
}

static void end(void)
{
	struct sonde_ctx *c;

	if (!sonde_end_enter(&c, "end"))
		return;
	sonde_printf(c, "spins=%d irqs_on=%ld ticks=%ld interrupted=%ld delayed=%ld nested=%ld\n",
		     atomic_read(&spins), atomic_long_read(&irqs_on),
		     atomic_long_read(&ticks), atomic_long_read(&interrupted),
		     atomic_long_read(&delayed), atomic_long_read(&nested));
	sonde_probe_exit(c);
}

static struct sonde_kprobe kprobes[1] = {
	{ .symbol = "__x64_sys_getppid", .pre = dp_0, .enabled = true },
};

static struct sonde_timer timers[1] = {
	{ .period_ns = TICK_NSEC, .randomize_ns = 0, .percpu = true,
	  .fire = dp_1, .enabled = true },
};

TIMERS_KPROBES_SCRIPT(reent_script);
MODULE_DESCRIPTION("sonde runtime test: reentrant hits skipped or delayed");
