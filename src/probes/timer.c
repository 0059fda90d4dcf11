/*
 * timer.c - periodic probes.
 *
 *   timer.UNIT(N)[.randomize(M)]   every N units, each time off by up
 *                                  to +-M units (UNIT: s sec ms msec us
 *                                  usec ns nsec jiffies)
 *   timer.hz(N)                    N times a second
 *   timer.profile                  every profiling tick on each CPU
 *
 * Checks: N >= 1, 0 <= M < N, and sub-jiffy periods of at least 100 us
 * (shorter ones would swamp the machine).  Derived data: TimerData, with
 * the period in nanoseconds (jiffies stay in jiffies).
 */
#include "probes/group.h"
#include "probes/timer.h"

#include <string.h>

static const char *const patterns[] = {
	"timer.s(n)", "timer.s(n).randomize(n)",
	"timer.sec(n)", "timer.sec(n).randomize(n)",
	"timer.ms(n)", "timer.ms(n).randomize(n)",
	"timer.msec(n)", "timer.msec(n).randomize(n)",
	"timer.us(n)", "timer.us(n).randomize(n)",
	"timer.usec(n)", "timer.usec(n).randomize(n)",
	"timer.ns(n)", "timer.ns(n).randomize(n)",
	"timer.nsec(n)", "timer.nsec(n).randomize(n)",
	"timer.jiffies(n)", "timer.jiffies(n).randomize(n)",
	"timer.hz(n)",
	"timer.profile",
	NULL
};

static const struct {
	const char *unit;
	int64_t ns;
} units[] = {
	{"s", 1000000000}, {"sec", 1000000000}, {"ms", 1000000},
	{"msec", 1000000}, {"us", 1000}, {"usec", 1000}, {"ns", 1},
	{"nsec", 1}, {"jiffies", 0}, {"hz", 0},
};

enum { MIN_NS = 100000, MAX_HZ = 1000000000 / MIN_NS };

static int64_t unit_ns(const char *unit)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(units[i].unit, unit))
			return units[i].ns;
	return 0;
}

static bool bad(struct Elab *e, const Match *m, int comp, const char *what)
{
	const Expr *a = m->args[comp];
	diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, a ? a->loc : m->loc, 1,
		"%s", what);
	return false;
}

/* Period and randomization of timer.UNIT(N)[.randomize(M)]. */
static bool check(struct Elab *e, const Match *m, TimerData *d)
{
	if (d->period < 1)
		return bad(e, m, 1, "timer period must be at least 1");
	if (d->randomize < 0 || (d->randomize && d->randomize >= d->period))
		return bad(e, m, 2, "timer randomization must be between 0 "
			   "and the period");
	if (!strcmp(d->unit, "hz")) {
		if (d->period > MAX_HZ)
			return bad(e, m, 1, "timer.hz rate too high: at most "
				   "10000 per second");
		d->period_ns = 1000000000 / d->period;
	} else if (!d->jiffies) {
		d->period_ns = d->period * unit_ns(d->unit);
		if (d->period_ns / unit_ns(d->unit) != d->period)
			return bad(e, m, 1, "timer period too long");
		if (d->period_ns < MIN_NS)
			return bad(e, m, 1, "timer period too short: at least "
				   "100 microseconds");
	}
	return true;
}

static bool derive(struct Elab *e, const Match *m)
{
	TimerData *d = elab_alloc(e, sizeof *d);
	d->unit = m->names[1];
	d->profile = !strcmp(d->unit, "profile");
	d->jiffies = !strcmp(d->unit, "jiffies");
	if (!d->profile) {
		d->period = match_num(m, d->unit, 0);
		d->randomize = match_num(m, "randomize", 0);
		if (!check(e, m, d))
			return false;
	}
	elab_derive_point(e, m, match_text(e, m), d);
	return true;
}

/* -L: a timer has no context to read variables from: the point alone. */
static void list_vars(struct Elab *e, const DerivedProbe *d, StrBuf *out)
{
	(void)e, (void)d, (void)out;
}

const ProbeGroup timer_group = {
	.name = "timer",
	.patterns = patterns,
	.summary = "periodic, from a kernel timer or the profiling tick",
	.derive = derive,
	.list_vars = list_vars,
	.supports_onthefly = true,
	.safe_context = true,
	.emit_decls = timer_emit_decls,
	.emit_init = timer_emit_init,
	.emit_exit = timer_emit_exit,
	.emit_refresh = timer_emit_refresh,
};
