/*
 * emit_format.c - the print family's formats, from the script's
 * conventions to the kernel's vsnprintf.
 *
 * Script values are int64_t and bounded strings; a conversion keeps its
 * flags, width and precision and gets the kernel's length and an
 * explicit cast of its argument: %d -> %lld (long long), %x -> %llx
 * (unsigned long long), %c -> %c (int), %p -> 0x%llx (the kernel's %p
 * would hash the value), a `*` width -> (int).  Length modifiers the
 * script wrote (l, h) are dropped.  Pass 2 (elab_format.c) has already
 * checked the arguments' number and types.
 *
 * %b (raw bytes of a value) and %m/%M (a memory dump) have no kernel
 * counterpart and may write NUL bytes, so a format using them is cut
 * into pieces run in order as one comma expression:
 *
 *   printf("a=%d %4b\n", x, y)
 *     -> (sonde_printf(c, "a=%lld ", (long long)(x)),
 *         gen_print_bin(c, y, 4), sonde_printf(c, "\n"))
 *
 * and sprintf builds its result the same way in its temporary with
 * sonde_sprintf_append, gen_sprint_bin and gen_sprint_mem.
 */
#include "emit/emit.h"

#include <stdlib.h>
#include <string.h>

/* Appends ", (cast)(arg)" for one argument. */
static void arg(Emitter *em, const char *cast, const Expr *e)
{
	sb_printf(em->out, ", %s", cast);
	emit_expr(em, e);
	if (*cast)
		sb_putc(em->out, ')');
}

/* A run of the format the kernel can print, with its arguments. */
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

/* One conversion as written: "%-*.4lx" has flags "-", a `*` width,
   precision 4 and conv 'x'. */
typedef struct Spec {
	const char *text;	/* from the flags to the length modifiers */
	uint32_t len;
	bool left, alt;		/* `-`, `#` */
	int width, prec;	/* -1: none */
	const Expr *width_arg, *prec_arg;	/* `*` arguments */
	char conv;
} Spec;

static int digits(const char *f, uint32_t len, uint32_t *i)
{
	int v = 0;
	while (*i < len && f[*i] >= '0' && f[*i] <= '9')
		v = v * 10 + (f[(*i)++] - '0');
	return v;
}

/* A width or precision: digits, or `*` taking the next argument. */
static int number_or_star(const char *f, uint32_t len, uint32_t *i,
			  Expr *const *args, uint32_t *ai, const Expr **star)
{
	if (*i < len && f[*i] == '*') {
		(*i)++;
		*star = args[(*ai)++];
		return -1;
	}
	return digits(f, len, i);
}

/* Parses the conversion after a '%' at f[*i]; false when incomplete. */
static bool parse_spec(const char *f, uint32_t len, uint32_t *i,
		       Expr *const *args, uint32_t nargs, uint32_t *ai, Spec *sp)
{
	*sp = (Spec){ .text = f + *i, .width = -1, .prec = -1 };
	for (; *i < len && strchr("-+ #0", f[*i]); (*i)++) {
		sp->left |= f[*i] == '-';
		sp->alt |= f[*i] == '#';
	}
	if (*i < len && (f[*i] == '*' || (f[*i] >= '0' && f[*i] <= '9')))
		sp->width = number_or_star(f, len, i, args, ai, &sp->width_arg);
	if (*i < len && f[*i] == '.') {
		(*i)++;
		sp->prec = number_or_star(f, len, i, args, ai, &sp->prec_arg);
	}
	while (*i < len && (f[*i] == 'l' || f[*i] == 'h'))
		(*i)++;
	sp->len = (uint32_t)(f + *i - sp->text);
	if (*i >= len || *ai >= nargs)
		return false;
	sp->conv = f[(*i)++];
	return true;
}

static bool is_special(char conv)
{
	return conv == 'b' || conv == 'm' || conv == 'M';
}

/* Copies a spec's flags, width and precision, pushing `*` arguments. */
static void spec_prefix(Conv *cv, const Spec *sp)
{
	for (uint32_t i = 0; i < sp->len; i++) {
		char ch = sp->text[i];
		if (ch == 'l' || ch == 'h')
			continue;
		if (ch == '*')
			push(cv, "(int)(", i && sp->text[i - 1] == '.' ? sp->prec_arg
								 : sp->width_arg);
		sb_putc(cv->fmt, ch);
	}
}

static void conversion(Conv *cv, const Spec *sp, const Expr *a)
{
	switch (sp->conv) {
	case 'd': case 'i':
		sb_puts(cv->fmt, "lld");
		push(cv, "(long long)(", a);
		return;
	case 'o': case 'u': case 'x': case 'X':
		sb_printf(cv->fmt, "ll%c", sp->conv);
		push(cv, "(unsigned long long)(", a);
		return;
	case 'p':
		/* "0x" goes before the flags, which then apply to the digits */
		sb_puts(cv->fmt, "llx");
		push(cv, "(unsigned long long)(", a);
		return;
	case 'c':
		sb_putc(cv->fmt, 'c');
		push(cv, "(int)(", a);
		return;
	default:
		sb_putc(cv->fmt, 's');
		push(cv, "", a);
		return;
	}
}

/* Appends one kernel-printable conversion to the current run. */
static void plain(Conv *cv, const Spec *sp, const Expr *a)
{
	sb_puts(cv->fmt, sp->conv == 'p' ? "0x%" : "%");
	spec_prefix(cv, sp);
	conversion(cv, sp, a);
}

/* Where the pieces go: the output (dst NULL) or a sprintf temporary. */
typedef struct Pieces {
	Emitter *em;
	const char *dst;
	int count;		/* pieces written so far */
	Conv run;		/* the kernel-printable run being collected */
} Pieces;

static void separator(Pieces *p)
{
	sb_puts(p->em->out, p->count++ ? ", " : "(");
}

/* Writes the collected run, if any, as one printf piece. */
static void flush_run(Pieces *p)
{
	Conv *cv = &p->run;
	Emitter *em = p->em;
	if (!cv->fmt->len)
		return;
	separator(p);
	if (p->dst)
		sb_printf(em->out, "sonde_sprintf_append(%s, ", p->dst);
	else
		sb_puts(em->out, "sonde_printf(c, ");
	emit_cstring(em->out, cv->fmt->data, cv->fmt->len);
	for (int i = 0; i < cv->n; i++)
		arg(em, cv->casts[i], cv->args[i]);
	sb_putc(em->out, ')');
	sb_clear(cv->fmt);
	cv->n = 0;
}

/* An int argument of a piece: the literal, or the `*` argument. */
static void int_arg(Emitter *em, int literal, const Expr *star)
{
	if (!star) {
		sb_printf(em->out, ", %d", literal);
		return;
	}
	sb_puts(em->out, ", (int)(");
	emit_expr(em, star);
	sb_putc(em->out, ')');
}

/* The SONDE_FMT_* flags of %m or %M. */
static void mem_flags(Emitter *em, const Spec *sp)
{
	const char *sep = ", ";
	if (sp->conv == 'M') {
		sb_printf(em->out, "%sSONDE_FMT_HEX", sep);
		sep = " | ";
	}
	if (sp->left) {
		sb_printf(em->out, "%sSONDE_FMT_LEFT", sep);
		sep = " | ";
	}
	if (sp->alt) {		/* '#': user memory */
		sb_printf(em->out, "%sSONDE_FMT_USER", sep);
		sep = " | ";
	}
	if (!strcmp(sep, ", "))
		sb_puts(em->out, ", 0");
}

/* %b, %m or %M as a piece of its own. */
static void special(Pieces *p, const Spec *sp, const Expr *a)
{
	Emitter *em = p->em;
	flush_run(p);
	separator(p);
	if (sp->conv == 'b') {
		if (p->dst)
			sb_printf(em->out, "gen_sprint_bin(%s, ", p->dst);
		else
			sb_puts(em->out, "gen_print_bin(c, ");
		emit_expr(em, a);
		sb_printf(em->out, ", %d)", sp->width > 0 ? sp->width : 8);
		return;
	}
	if (p->dst)
		sb_printf(em->out, "gen_sprint_mem(c, %s, ", p->dst);
	else
		sb_puts(em->out, "gen_print_mem(c, ");
	emit_expr(em, a);
	int_arg(em, sp->width, sp->width_arg);
	int_arg(em, sp->prec, sp->prec_arg);
	mem_flags(em, sp);
	sb_putc(em->out, ')');
}

/*
 * Walks the format: literal text and kernel-printable conversions
 * collect in `cv`; each special conversion is handed to `p` (NULL: the
 * format has none, which the caller checked).  False when the format
 * runs out of arguments (pass 2 reported it).
 */
static bool walk(Conv *cv, Pieces *p, const Expr *fmt, Expr *const *args,
		 uint32_t nargs)
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
		Spec sp;
		if (!parse_spec(f, len, &i, args, nargs, &ai, &sp))
			return false;
		if (is_special(sp.conv) && p)
			special(p, &sp, args[ai++]);
		else
			plain(cv, &sp, args[ai++]);
	}
	return true;
}

/* Does the format use one of the conversions in `convs`? */
static bool has_conv(const Expr *fmt, const char *convs)
{
	const char *f = fmt->str;
	for (uint32_t i = 0; i < fmt->n; i++) {
		if (f[i] != '%')
			continue;
		if (++i < fmt->n && f[i] == '%')
			continue;
		while (i < fmt->n && strchr("-+ #0123456789.*lh", f[i]))
			i++;
		if (i < fmt->n && strchr(convs, f[i]))
			return true;
	}
	return false;
}

bool emit_format_has_special(const Expr *fmt)
{
	return fmt->kind == E_STR && has_conv(fmt, "bmM");
}

bool emit_format_reads_memory(const Expr *fmt)
{
	return fmt->kind == E_STR && has_conv(fmt, "mM");
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
	bool ok = walk(&cv, NULL, fmt, args, nargs);
	if (ok) {
		emit_cstring(em->out, f.data ? f.data : "", f.len);
		for (int i = 0; i < cv.n; i++)
			arg(em, cv.casts[i], cv.args[i]);
	}
	sb_free(&f);
	return ok;
}

void emit_format_pieces(Emitter *em, const Expr *fmt, Expr *const *args,
			uint32_t nargs, const char *dst)
{
	StrBuf f = {0};
	Pieces p = { .em = em, .dst = dst, .run = { .fmt = &f }, .count = 1 };
	const char *mark = NULL;
	if (dst) {
		sb_printf(em->out, "(%s[0] = '\\0'", dst);
	} else if (emit_format_reads_memory(fmt)) {
		mark = emit_temp(em, T_LONG);
		sb_printf(em->out, "(%s = gen_output_mark(c)", mark);
	} else {
		p.count = 0;
	}
	if (walk(&p.run, &p, fmt, args, nargs))
		flush_run(&p);
	if (dst)
		sb_printf(em->out, ", (const char *)%s", dst);
	if (mark)
		sb_printf(em->out, ", gen_output_undo(c, %s)", mark);
	sb_puts(em->out, ")");
	sb_free(&f);
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
