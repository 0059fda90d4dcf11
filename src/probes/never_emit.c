/*
 * never_emit.c - pass 3 for `never`: nothing to register.  The body is
 * still translated (and so compiled), which is the point of the probe.
 */
#include "emit/emit.h"
#include "probes/never.h"

void never_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	emit_line(em, "/* %s at %s: never registered */", d->point,
		  emit_where(em, d->loc));
	emit_line(em, "static void __maybe_unused dp_%u(void)\n{", d->index);
	em->indent++;
	HandlerSpec h = { .enter = "sonde_probe_enter", .ret = "" };
	emit_handler_body(em, d, &h);
	em->indent--;
	emit_line(em, "}\n");
}
