/*
 * timer_emit.c - pass 3 for timer probes, on the runtime's timer group
 * (runtime/timer.h): one struct sonde_timer per derived probe in the
 * array `timers`, registered, unregistered and refreshed as a whole.
 *
 * Handlers run in hard interrupt context, where queueing the
 * on-the-fly refresh is safe.
 */
#include "emit/emit.h"
#include "probes/timer.h"

#include <stdlib.h>
#include <string.h>

/* The period and randomization as C expressions in nanoseconds. */
static void periods(const TimerData *t, char *period, char *rnd, size_t n)
{
	snprintf(rnd, n, "0");
	if (t->profile) {
		snprintf(period, n, "TICK_NSEC");
	} else if (t->jiffies) {
		snprintf(period, n, "%lldULL * TICK_NSEC", (long long)t->period);
		if (t->randomize)
			snprintf(rnd, n, "%lldULL * TICK_NSEC", (long long)t->randomize);
	} else {
		snprintf(period, n, "%lldULL", (long long)t->period_ns);
		if (t->randomize)
			snprintf(rnd, n, "%lldULL", (long long)(t->period_ns /
				 t->period * t->randomize));
	}
}

void timer_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	const TimerData *t = d->data;
	char period[64], rnd[64];
	emit_need_runtime(em, "timer");
	periods(t, period, rnd, sizeof period);
	emit_line(em, "/* %s at %s */", d->point, emit_where(em, d->loc));
	emit_line(em, "static void dp_%u(struct sonde_timer *t, struct pt_regs *regs)\n{",
		  d->index);
	em->indent++;
	HandlerSpec h = { .enter = "sonde_probe_enter", .ret = "",
			  .regs = "regs" };
	emit_handler_body(em, d, &h);
	em->indent--;
	emit_line(em, "}\n");
	char *init = xasprintf("{ .period_ns = %s, .randomize_ns = %s, .percpu = %s, "
			       ".fire = dp_%u, .enabled = true }", period, rnd,
			       t->profile ? "true" : "false", d->index);
	emit_array_add(em, d, "struct sonde_timer", "timers", init);
	free(init);
}

void timer_emit_init(void *emitter, const DerivedProbe *d)
{
	emit_trailer(emitter, SEC_REGISTER, "timer",
		     "\tret = sonde_timers_register(timers, ARRAY_SIZE(timers));\n"
		     "\tif (ret)\n\t\tgoto fail;\n");
}

void timer_emit_exit(void *emitter, const DerivedProbe *d)
{
	emit_trailer(emitter, SEC_UNREGISTER, "timer",
		     "\tsonde_timers_unregister(timers, ARRAY_SIZE(timers));\n");
}

void timer_emit_refresh(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	if (!emit_probe_otf(d))
		return;
	emit_line(em, "timers[%d].enabled = READ_ONCE(probe_%u_enabled);",
		  emit_slot(em, d), d->probe->index);
	emit_trailer(em, SEC_REFRESH, "timer",
		     "\tsonde_timers_refresh(timers, ARRAY_SIZE(timers));\n");
}
