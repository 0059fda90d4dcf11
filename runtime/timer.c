// SPDX-License-Identifier: GPL-2.0
/*
 * timer.c: arming and disarming timer probes (see timer.h).
 *
 * A callback re-arms its timer by forwarding it one (randomized) period
 * past now, so a late callback skips missed periods instead of firing
 * in a burst.  Disarming clears armed first, so a callback that races
 * with it does not re-arm, then hrtimer_cancel() waits for a running
 * callback, and only then clears live.  Per-CPU timers are started by a cross-call on each CPU,
 * since a pinned hrtimer runs on the CPU that arms it.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <asm/irq_regs.h>
#include "timer.h"
#include "compat.h"

static u64 next_period(const struct sonde_timer *t)
{
	u64 r = t->randomize_ns;

	if (!r || r >= t->period_ns)
		return t->period_ns;
	return t->period_ns - r + get_random_u64() % (2 * r + 1);
}

static enum hrtimer_restart run(struct sonde_timer *t, struct hrtimer *h)
{
	t->fire(t, get_irq_regs());
	if (!READ_ONCE(t->armed))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(h, ns_to_ktime(next_period(t)));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart one_expired(struct hrtimer *h)
{
	return run(container_of(h, struct sonde_timer, one), h);
}

static enum hrtimer_restart cpu_expired(struct hrtimer *h)
{
	return run(container_of(h, struct sonde_timer_cpu, h)->owner, h);
}

static void start_here(void *arg)
{
	struct sonde_timer *t = arg;

	hrtimer_start(&this_cpu_ptr(t->cpus)->h, ns_to_ktime(next_period(t)),
		      HRTIMER_MODE_REL_PINNED);
}

static void arm(struct sonde_timer *t)
{
	WRITE_ONCE(t->live, true);
	WRITE_ONCE(t->armed, true);
	if (t->percpu)
		on_each_cpu(start_here, t, 1);
	else
		hrtimer_start(&t->one, ns_to_ktime(next_period(t)),
			      HRTIMER_MODE_REL);
}

static void disarm(struct sonde_timer *t)
{
	int cpu;

	WRITE_ONCE(t->armed, false);
	if (!t->percpu)
		hrtimer_cancel(&t->one);
	else
		for_each_possible_cpu(cpu)
			hrtimer_cancel(&per_cpu_ptr(t->cpus, cpu)->h);
	WRITE_ONCE(t->live, false);
}

static int prepare(struct sonde_timer *t)
{
	int cpu;

	t->live = false;
	t->armed = false;
	if (!t->percpu) {
		sonde_hrtimer_setup(&t->one, one_expired, CLOCK_MONOTONIC,
				    HRTIMER_MODE_REL);
		return 0;
	}
	t->cpus = alloc_percpu(struct sonde_timer_cpu);
	if (!t->cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct sonde_timer_cpu *tc = per_cpu_ptr(t->cpus, cpu);

		tc->owner = t;
		sonde_hrtimer_setup(&tc->h, cpu_expired, CLOCK_MONOTONIC,
				    HRTIMER_MODE_REL_PINNED);
	}
	return 0;
}

int sonde_timers_register(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (prepare(&t[i])) {
			sonde_timers_unregister(t, i);
			return -ENOMEM;
		}
		if (t[i].enabled)
			arm(&t[i]);
	}
	return 0;
}

void sonde_timers_unregister(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		disarm(&t[i]);
		free_percpu(t[i].cpus);
		t[i].cpus = NULL;
	}
}

void sonde_timers_refresh(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bool want = READ_ONCE(t[i].enabled);

		if (want && !t[i].live)
			arm(&t[i]);
		else if (!want && t[i].live)
			disarm(&t[i]);
	}
}
