/*
 * begin_end_emit.c - pass 3 for begin, end and error probes.
 *
 * Each derived probe becomes `static void dp_N(void)`, entered in the
 * session state its kind runs in (begin: starting, end and error:
 * stopping), and one call in the run_begin/run_end/run_error runner,
 * ordered by sequence number and then script order.  The runtime calls
 * the runners as the session starts and stops, run_error in place of
 * run_end when errors ended the session (runtime/lifecycle.h).
 */
#include "emit/emit.h"
#include "probes/begin_end.h"

#include <string.h>

void begin_end_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	const BeginEndData *bd = d->data;
	bool begin = !strcmp(bd->kind, "begin");
	emit_line(em, "/* %s at %s */", d->point, emit_where(em, d->loc));
	emit_line(em, "static void dp_%u(void)\n{", d->index);
	em->indent++;
	HandlerSpec h = { .enter = begin ? "sonde_begin_enter" : "sonde_end_enter",
			  .ret = "" };
	emit_handler_body(em, d, &h);
	em->indent--;
	emit_line(em, "}\n");
}

void begin_end_emit_init(void *emitter, const DerivedProbe *d)
{
	const BeginEndData *bd = d->data;
	char kind = !strcmp(bd->kind, "error") ? 'r' : bd->kind[0];
	emit_add_runner(emitter, kind, bd->seq, d);
}
