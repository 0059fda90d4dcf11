/*
 * out.c - what every emitter file writes with: lines into the current
 * buffer, C string literals, source locations for error messages, the
 * headers and runtime parts a module needs, and the helpers the probe
 * groups' hooks share (a handler's body around the probe call).
 *
 * It sits beneath the emitters: emit_*.c and the groups' *_emit.c call
 * it, and it calls none of them; translate.c, the driver, is on top.
 */
#include "emit/emit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ output */

void emit_line(Emitter *em, const char *fmt, ...)
{
	for (int i = 0; i < em->indent; i++)
		sb_putc(em->out, '\t');
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(em->out, fmt, ap);
	va_end(ap);
	sb_putc(em->out, '\n');
}

void emit_unsupported(Emitter *em, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(em->s, DIAG_SEMANTIC_ERROR, loc, 1, fmt, ap);
	va_end(ap);
	em->failed = true;
}

void emit_cstring(StrBuf *b, const char *s, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(b, "\\n");
		else if (ch == '\t')
			sb_puts(b, "\\t");
		else if (ch < 32 || ch >= 127 || ch == '?')
			sb_printf(b, "\\%03o", ch);	/* '?': no trigraphs */
		else
			sb_putc(b, (char)ch);
	}
	sb_putc(b, '"');
}

const char *emit_where(Emitter *em, Loc loc)
{
	StrBuf b = {0};
	diag_loc_str(em->s, loc, &b);
	const char *r = arena_strdup(&em->s->arena, b.data ? b.data : "?");
	sb_free(&b);
	return r;
}

void emit_need_header(Emitter *em, const char *header)
{
	for (uint32_t i = 0; i < em->needs.n; i++)
		if (!strcmp(em->needs.v[i], header))
			return;
	vec_push(&em->needs, (void *)header);
}

void emit_need_runtime(Emitter *em, const char *part)
{
	for (uint32_t i = 0; i < em->rt_parts.n; i++)
		if (!strcmp(em->rt_parts.v[i], part))
			return;
	vec_push(&em->rt_parts, (void *)part);
}

StrBuf *emit_section(Emitter *em, Section sec)
{
	return &em->sec[sec];
}

/* -------------------------------------------------- probe group helpers */

char *emit_probe_fn(Emitter *em, const DerivedProbe *d)
{
	char *t = xasprintf("probe_%u", d->probe->index);
	char *r = arena_strdup(&em->s->arena, t);
	free(t);
	return r;
}

bool emit_probe_otf(const DerivedProbe *d)
{
	return d->probe->cond && d->group->supports_onthefly;
}

void emit_handler_body(Emitter *em, const DerivedProbe *d,
		       const HandlerSpec *h)
{
	emit_line(em, "struct sonde_ctx *c;");
	sb_putc(em->out, '\n');
	StrBuf name = {0};
	emit_cstring(&name, d->point, strlen(d->point));
	emit_line(em, "if (!%s(&c, %s))", h->enter, name.data);
	sb_free(&name);
	emit_line(em, "\treturn%s%s;", *h->ret ? " " : "", h->ret);
	emit_line(em, "c->regs = %s;", h->regs ? h->regs : "NULL");
	if (h->before)
		emit_line(em, "%s", h->before);
	emit_line(em, "probe_%u(c%s);", d->probe->index, h->args ? h->args : "");
	if (h->after)
		emit_line(em, "%s", h->after);
	if (em->has_otf)
		emit_line(em, "sonde_otf_exit(c, %s);", d->group->safe_context ? "true" : "false");
	emit_line(em, "sonde_probe_exit(c);");
}
