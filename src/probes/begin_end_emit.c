/*
 * begin_end_emit.c - pass 3 for begin, end and error probes.
 *
 * Each derived probe becomes `static void dp_N(void)`, entered in the
 * session state its kind runs in (begin: starting, end: stopping), and
 * one call in the run_begin/run_end runner, ordered by sequence number
 * and then script order.  The runtime calls the runners as the session
 * starts and stops (runtime/lifecycle.h).
 */
#include "emit.h"
#include "probes/emit_hooks.h"
#include "probes/group_data.h"

#include <string.h>

void begin_end_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	const BeginEndData *bd = d->data;
	if (!strcmp(bd->kind, "error")) {
		emit_unsupported(em, d->loc, "error probes cannot be translated yet");
		return;
	}
	bool begin = !strcmp(bd->kind, "begin");
	emit_line(em, "/* %s at %s */", d->point, emit_where(em, d->loc));
	emit_line(em, "static void dp_%u(void)\n{", d->index);
	em->indent++;
	emit_handler_body(em, d, begin ? "sonde_begin_enter" : "sonde_end_enter",
			  "", false);
	em->indent--;
	emit_line(em, "}\n");
}

void begin_end_emit_init(void *emitter, const DerivedProbe *d)
{
	const BeginEndData *bd = d->data;
	if (strcmp(bd->kind, "error"))
		emit_add_runner(emitter, bd->kind[0], bd->seq, d);
}
