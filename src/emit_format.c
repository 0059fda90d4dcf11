/*
 * emit_format.c - the print family's formats, from the script's
 * conventions to the kernel's vsnprintf.
 *
 * Script values are int64_t and bounded strings; a conversion keeps its
 * flags, width and precision and gets the kernel's length and an
 * explicit cast of its argument: %d -> %lld (long long), %x -> %llx
 * (unsigned long long), %c -> %c (int), %p -> 0x%llx (the kernel's %p
 * would hash the value), a `*` width -> (int).  Length modifiers the
 * script wrote (l, h) are dropped.  %b, %m and %M have no kernel
 * counterpart yet and are reported.  Pass 2 (elab_format.c) has already
 * checked the arguments' number and types.
 */
#include "emit.h"

#include <string.h>

/* Appends ", (cast)(arg)" for one argument. */
static void arg(Emitter *em, const char *cast, const Expr *e)
{
	sb_printf(em->out, ", %s", cast);
	emit_expr(em, e);
	if (*cast)
		sb_putc(em->out, ')');
}

typedef struct Conv {
	StrBuf *fmt;
	const char *casts[64];
	const Expr *args[64];
	int n;
} Conv;

static void push(Conv *cv, const char *cast, const Expr *e)
{
	if (cv->n < 64) {
		cv->casts[cv->n] = cast;
		cv->args[cv->n++] = e;
	}
}

/* Copies flags/width/precision from f[*i], pushing `*` arguments. */
static void spec_prefix(Conv *cv, const char *f, uint32_t len, uint32_t *i,
			Expr *const *args, uint32_t *ai)
{
	while (*i < len && strchr("-+ #0.*0123456789", f[*i])) {
		if (f[*i] == '*')
			push(cv, "(int)(", args[(*ai)++]);
		sb_putc(cv->fmt, f[(*i)++]);
	}
	while (*i < len && (f[*i] == 'l' || f[*i] == 'h'))
		(*i)++;
}

static bool conversion(Emitter *em, Conv *cv, char conv, const Expr *a,
		       Loc loc)
{
	switch (conv) {
	case 'd': case 'i':
		sb_puts(cv->fmt, "lld");
		push(cv, "(long long)(", a);
		return true;
	case 'o': case 'u': case 'x': case 'X':
		sb_printf(cv->fmt, "ll%c", conv);
		push(cv, "(unsigned long long)(", a);
		return true;
	case 'p':
		/* flags went before "0x": keep them on the digits instead */
		sb_puts(cv->fmt, "llx");
		push(cv, "(unsigned long long)(", a);
		return true;
	case 'c':
		sb_putc(cv->fmt, 'c');
		push(cv, "(int)(", a);
		return true;
	case 's':
		sb_putc(cv->fmt, 's');
		push(cv, "", a);
		return true;
	}
	emit_unsupported(em, loc, "printf conversion %%%c cannot be translated yet",
			 conv);
	return false;
}

static bool convert(Emitter *em, Conv *cv, const Expr *fmt,
		    Expr *const *args, uint32_t nargs)
{
	const char *f = fmt->str;
	uint32_t len = fmt->n, ai = 0;
	for (uint32_t i = 0; i < len;) {
		char ch = f[i++];
		if (ch != '%') {
			sb_putc(cv->fmt, ch);
			continue;
		}
		if (i < len && f[i] == '%') {
			sb_puts(cv->fmt, "%%");
			i++;
			continue;
		}
		size_t at = cv->fmt->len;
		sb_putc(cv->fmt, '%');
		spec_prefix(cv, f, len, &i, args, &ai);
		if (i >= len || ai >= nargs)
			return false;
		if (f[i] == 'p') {	/* "0x" before the whole conversion */
			StrBuf t = {0};
			sb_puts(&t, cv->fmt->data + at);
			cv->fmt->len = at;
			cv->fmt->data[at] = 0;
			sb_puts(cv->fmt, "0x");
			sb_puts(cv->fmt, t.data);
			sb_free(&t);
		}
		if (!conversion(em, cv, f[i++], args[ai++], fmt->loc))
			return false;
	}
	return true;
}

bool emit_format_call(Emitter *em, const Expr *fmt, Expr *const *args,
		      uint32_t nargs)
{
	if (fmt->kind != E_STR) {
		emit_unsupported(em, fmt->loc, "the format must be a literal string");
		return false;
	}
	StrBuf f = {0};
	Conv cv = { .fmt = &f };
	bool ok = convert(em, &cv, fmt, args, nargs);
	if (ok) {
		emit_cstring(em->out, f.data ? f.data : "", f.len);
		for (int i = 0; i < cv.n; i++)
			arg(em, cv.casts[i], cv.args[i]);
	}
	sb_free(&f);
	return ok;
}

/* Literal text in a format: '%' doubled. */
static void literal(StrBuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%')
			sb_putc(b, '%');
		sb_putc(b, s[i]);
	}
}

void emit_print_args(Emitter *em, const char *delim, Expr *const *args,
		     uint32_t nargs, bool newline)
{
	StrBuf f = {0};
	for (uint32_t i = 0; i < nargs; i++) {
		if (i && delim)
			literal(&f, delim, strlen(delim));
		sb_puts(&f, args[i]->type == T_STRING ? "%s" : "%lld");
	}
	if (newline)
		sb_putc(&f, '\n');
	emit_cstring(em->out, f.data ? f.data : "", f.len);
	for (uint32_t i = 0; i < nargs; i++)
		arg(em, args[i]->type == T_STRING ? "" : "(long long)(", args[i]);
	sb_free(&f);
}
