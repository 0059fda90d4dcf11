/*
 * unsupported.c - probe types sonde knows by name but cannot derive yet.
 *
 * The DWARF-based kernel and user-space probes, tracepoints and the like
 * are registered here so that a script using them gets "probe point type
 * 'kernel.function' is not supported yet" at the point, rather than a
 * generic "no match", with the kprobe form to use where there is one;
 * the same message answers a listing (-l, -L) of such a point.  An
 * optional point (`?`) is skipped quietly.
 */
#include "probes/group.h"

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

/* The script's string argument of component i, or "*". */
static const char *arg_text(const Match *m, uint32_t i, int *len)
{
	const Expr *a = i < m->n ? m->args[i] : NULL;
	*len = a && a->kind == E_STR ? (int)a->n : 1;
	return a && a->kind == E_STR ? a->str : "*";
}

/*
 * What works instead, where sonde has it: a kernel or module function
 * by its symbol, with a kprobe (no DWARF, so no $variables).  Empty
 * for other types.
 */
static void suggestion(const Match *m, char *buf, size_t cap)
{
	int fl, ml;
	bool ret = m->n == 3 && !strcmp(m->names[2], "return") && !m->args[2];
	buf[0] = '\0';
	if (m->n < 2 || strcmp(m->names[1], "function") || (m->n > 2 && !ret))
		return;
	const char *f = arg_text(m, 1, &fl), *mod = arg_text(m, 0, &ml);
	if (!strcmp(m->names[0], "kernel"))
		snprintf(buf, cap, "; use kprobe.function(\"%.*s\")%s instead",
			 fl, f, ret ? ".return" : "");
	else if (!strcmp(m->names[0], "module"))
		snprintf(buf, cap, "; use kprobe.module(\"%.*s\").function(\"%.*s\")%s "
			 "instead", ml, mod, fl, f, ret ? ".return" : "");
}

static bool derive(struct Elab *e, const Match *m)
{
	if (m->pp->flags & PP_OPTIONAL)
		return true;
	bool two = m->n > 1 && strcmp(m->names[0], "perf") &&
		   strcmp(m->names[0], "netfilter");
	char hint[512];
	suggestion(m, hint, sizeof hint);
	diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, m->loc, 1,
		"probe point type '%s%s%s' is not supported yet%s",
		m->names[0], two ? "." : "", two ? m->names[1] : "", hint);
	return false;
}

const ProbeGroup unsupported_group = {
	.name = "unsupported",
	.patterns = patterns,
	.summary = "DWARF, user-space, tracepoint probes: not supported yet",
	.derive = derive,
};
