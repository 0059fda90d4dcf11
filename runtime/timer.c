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
 *
 * CPU hotplug: a CPU going offline would hand its pending hrtimers,
 * pinned ones included, to a CPU that stays, which would then run two
 * profile timers, and a CPU coming online would get none.  So while the
 * module has per-CPU timers it keeps a dynamic hotplug state whose
 * callbacks run on the CPU concerned: going down cancels that CPU's
 * timers before the kernel would move them, coming up starts them if
 * armed.  Arming and disarming hold the CPU hotplug lock (read), which
 * the callbacks run under (write), so armed and the set of online CPUs
 * cannot change under either.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
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

/* Start t's timer of this CPU, which it is pinned to. */
static void start_here(void *arg)
{
	struct sonde_timer *t = arg;

	hrtimer_start(&this_cpu_ptr(t->cpus)->h, ns_to_ktime(next_period(t)),
		      HRTIMER_MODE_REL_PINNED);
}

static void arm(struct sonde_timer *t)
{
	WRITE_ONCE(t->live, true);
	if (!t->percpu) {
		WRITE_ONCE(t->armed, true);
		hrtimer_start(&t->one, ns_to_ktime(next_period(t)),
			      HRTIMER_MODE_REL);
		return;
	}
	cpus_read_lock();               /* CPUs coming up see armed */
	WRITE_ONCE(t->armed, true);
	on_each_cpu(start_here, t, 1);
	cpus_read_unlock();
}

static void disarm(struct sonde_timer *t)
{
	int cpu;

	if (!t->percpu) {
		WRITE_ONCE(t->armed, false);
		hrtimer_cancel(&t->one);
	} else {
		cpus_read_lock();       /* no CPU comes up and restarts one */
		WRITE_ONCE(t->armed, false);
		for_each_possible_cpu(cpu)
			hrtimer_cancel(&per_cpu_ptr(t->cpus, cpu)->h);
		cpus_read_unlock();
	}
	WRITE_ONCE(t->live, false);
}

/* ---------------------------------------------------------------- hotplug */

/* The module's timers (one array per module), for the callbacks. */
static struct sonde_timer *hp_timers;
static unsigned int hp_count;
static int hp_state;            /* dynamic hotplug state, 0: none */

/* On a CPU coming up, in its hotplug thread: start its armed timers. */
static int cpu_coming_up(unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < hp_count; i++) {
		struct sonde_timer *t = &hp_timers[i];

		if (t->percpu && READ_ONCE(t->armed))
			hrtimer_start(&per_cpu_ptr(t->cpus, cpu)->h,
				      ns_to_ktime(next_period(t)),
				      HRTIMER_MODE_REL_PINNED);
	}
	return 0;
}

/* On a CPU going down, in its hotplug thread: cancel its timers before
 * the kernel would move them to another CPU. */
static int cpu_going_down(unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < hp_count; i++)
		if (hp_timers[i].percpu)
			hrtimer_cancel(&per_cpu_ptr(hp_timers[i].cpus, cpu)->h);
	return 0;
}

/* Follow CPU hotplug when some timer is per CPU.  No callback runs for
 * the CPUs online now: arming starts their timers. */
static int hotplug_install(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n && !t[i].percpu; i++)
		;
	if (i == n)
		return 0;
	hp_timers = t;
	hp_count = n;
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "sonde/timer:online",
					cpu_coming_up, cpu_going_down);
	if (ret < 0)
		return ret;
	hp_state = ret;
	return 0;
}

/* Returns when no callback runs or will run. */
static void hotplug_remove(void)
{
	if (hp_state > 0)
		cpuhp_remove_state_nocalls(hp_state);
	hp_state = 0;
}

/* ---------------------------------------------------------------- setup */

static int prepare(struct sonde_timer *t)
{
	int cpu;

	t->live = false;
	t->armed = false;
	t->cpus = NULL;
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

/* Free what prepare() allocated; the timers are disarmed. */
static void release(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		free_percpu(t[i].cpus);
		t[i].cpus = NULL;
	}
}

int sonde_timers_register(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = prepare(&t[i]);
	if (!ret)
		ret = hotplug_install(t, n);
	if (ret) {
		release(t, i);
		return ret;
	}
	for (i = 0; i < n; i++)
		if (t[i].enabled)
			arm(&t[i]);
	return 0;
}

void sonde_timers_unregister(struct sonde_timer *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		disarm(&t[i]);
	hotplug_remove();
	release(t, n);
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
