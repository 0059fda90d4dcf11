/*
 * unsupported.c - probe types sonde knows by name but cannot derive yet.
 *
 * The DWARF-based kernel and user-space probes, tracepoints and the like
 * are registered here so that a script using them gets "probe point type
 * 'kernel.function' is not supported yet" at the point, rather than a
 * generic "no match".  An optional point (`?`) is skipped quietly.
 */
#include "group.h"

#include <string.h>

static const char *const patterns[] = {
	"kernel.function(s).**", "kernel.function(n).**",
	"kernel.statement(s).**", "kernel.statement(n).**",
	"kernel.trace(s).**", "kernel.mark(s).**", "kernel.data(s).**",
	"kernel.data(n).**",
	"module(s).function(s).**", "module(s).function(n).**",
	"module(s).statement(s).**", "module(s).statement(n).**",
	"process.**", "process(s).**", "process(n).**",
	"perf.**", "netfilter.**", "java(s).**", "python2.**", "python3.**",
	"hwbkpt.**", "kernel.data.**", "tracepoint.**",
	NULL
};

static bool derive(struct Elab *e, const Match *m)
{
	if (m->pp->flags & PP_OPTIONAL)
		return true;
	bool two = m->n > 1 && strcmp(m->names[0], "perf") &&
		   strcmp(m->names[0], "netfilter");
	diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, m->loc, 1,
		"probe point type '%s%s%s' is not supported yet",
		m->names[0], two ? "." : "", two ? m->names[1] : "");
	return false;
}

const ProbeGroup unsupported_group = {
	.name = "unsupported",
	.patterns = patterns,
	.summary = "DWARF, user-space, tracepoint probes: not supported yet",
	.derive = derive,
};
