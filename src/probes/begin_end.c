/*
 * begin_end.c - the session-state probes: begin, end and error.
 *
 *   begin[(N)]  runs once when the session starts
 *   end[(N)]    runs once when it stops
 *   error[(N)]  runs once when it stops because of an error
 *
 * N orders probes of the same kind (lower first, default 0; script order
 * breaks ties).  Derived data: BeginEndData.
 */
#include "probes/group.h"
#include "probes/begin_end.h"

#include <string.h>

static const char *const patterns[] = {
	"begin", "begin(n)", "end", "end(n)", "error", "error(n)", NULL
};

static bool derive(struct Elab *e, const Match *m)
{
	BeginEndData *d = elab_alloc(e, sizeof *d);
	d->kind = m->names[0];
	d->seq = m->args[0] ? m->args[0]->num : 0;
	elab_derive_point(e, m, match_text(e, m), d);
	return true;
}

/* -L: begin, end and error run outside any traced context: no
   variables, the point alone. */
static void list_vars(struct Elab *e, const DerivedProbe *d, StrBuf *out)
{
	(void)e, (void)d, (void)out;
}

const ProbeGroup begin_end_group = {
	.name = "begin_end",
	.patterns = patterns,
	.summary = "once at session start, end or error, in sequence order",
	.derive = derive,
	.list_vars = list_vars,
	.supports_onthefly = false,
	.safe_context = false,
	.emit_decls = begin_end_emit_decls,
	.emit_init = begin_end_emit_init,
};
