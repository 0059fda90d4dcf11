// SPDX-License-Identifier: GPL-2.0
/*
 * t_order: a pinned timer on every online CPU fires each jiffy; each
 * invocation prints three lines in three calls.  After PER_CPU
 * invocations on every CPU the script asks to exit.  The test checks
 * that the three lines of an invocation stay together and that each
 * CPU's invocations come out in order.
 */
#include <linux/timer.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include "lifecycle.h"
#include "compat.h"

#define PER_CPU 200

static DEFINE_PER_CPU(struct timer_list, ticks);
static DEFINE_PER_CPU(unsigned int, count);
static atomic_t total;
static bool quitting;

static void tick_body(struct sonde_ctx *c)
{
	unsigned int n = this_cpu_inc_return(count);
	int cpu = smp_processor_id();

	if (n > PER_CPU)
		return;
	sonde_printf(c, "cpu=%d n=%u part=a\n", cpu, n);
	sonde_printf(c, "cpu=%d n=%u part=b\n", cpu, n);
	sonde_printf(c, "cpu=%d n=%u part=c\n", cpu, n);
	if (atomic_inc_return(&total) == PER_CPU * num_online_cpus())
		sonde_request_exit();
}

static void tick(struct timer_list *t)
{
	struct sonde_ctx *c;

	if (sonde_probe_enter(&c, "timer")) {
		tick_body(c);
		sonde_probe_exit(c);
	}
	if (!READ_ONCE(quitting))
		mod_timer(t, jiffies + 1);
}

static int order_register(void)
{
	int cpu;

	for_each_online_cpu(cpu) {
		struct timer_list *t = per_cpu_ptr(&ticks, cpu);

		timer_setup(t, tick, TIMER_PINNED);
		t->expires = jiffies + 1;
		add_timer_on(t, cpu);
	}
	return 0;
}

static void order_unregister(void)
{
	int cpu;

	WRITE_ONCE(quitting, true);
	for_each_online_cpu(cpu)
		sonde_timer_delete_sync(per_cpu_ptr(&ticks, cpu));
}

static const struct sonde_script order_script = {
	.register_probes = order_register,
	.unregister_probes = order_unregister,
};

SONDE_SCRIPT(order_script);
MODULE_DESCRIPTION("sonde run5 test: ordered output from per-CPU timers");
