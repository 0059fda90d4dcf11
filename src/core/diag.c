/*
 * diag.c - the one place diagnostics are formatted and printed.
 *
 * Every message has the shape "file:line:col: kind: message", followed
 * by the source line and an underline, then one note per expansion the
 * location came through (macro bodies, script arguments).  Passes call
 * diag_at() and go on; the driver looks at s->nerrors between passes.
 */
#include "core/sonde.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(DiagKind k)
{
	switch (k) {
	case DIAG_PARSE_ERROR: return "parse error";
	case DIAG_SEMANTIC_ERROR: return "semantic error";
	case DIAG_ERROR: return "error";
	case DIAG_WARNING: return "warning";
	case DIAG_NOTE: return "note";
	}
	return "error";
}

static const char *kind_color(DiagKind k)
{
	switch (k) {
	case DIAG_WARNING: return "\033[1;35m";
	case DIAG_NOTE: return "\033[1;36m";
	default: return "\033[1;31m";
	}
}

void diag_loc_str(const Session *s, Loc loc, StrBuf *out)
{
	const SrcFile *f = src_get(s, loc.file);
	sb_printf(out, "%s:%u:%u", f->name, loc.line, loc.col);
}

/*
 * Indexes the starts of lines once per file, so that a file with many
 * errors costs one scan rather than one per diagnostic.
 */
static void index_lines(SrcFile *f)
{
	size_t cap = 64, n = 0;
	uint32_t *v = xmalloc(cap * sizeof *v);
	v[n++] = 0;
	for (const char *p = f->text, *end = f->text + f->len;
	     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = (uint32_t)(p + 1 - f->text);
	}
	f->line_starts = v;
	f->nlines = (uint32_t)n;
}

/* Finds line `line` (1-based) of a file; returns its length. */
static const char *find_line(Session *s, uint16_t file, uint32_t line,
			     size_t *len)
{
	SrcFile *f = &s->files[file];
	if (!f->line_starts)
		index_lines(f);
	if (line == 0 || line > f->nlines)
		return NULL;
	const char *p = f->text + f->line_starts[line - 1];
	const char *end = f->text + f->len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

/* Prints the source line of `loc` with a caret and `width-1` tildes. */
static void print_snippet(Session *s, Loc loc, int width)
{
	size_t len;
	const char *line = find_line(s, loc.file, loc.line, &len);
	if (!line)
		return;
	fprintf(s->diag_out, "%5u | ", loc.line);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		fputc(c == '\t' || c >= 0x20 ? c : ' ', s->diag_out);
	}
	fputs("\n      | ", s->diag_out);
	/* Keep tabs so the caret lines up under tab-indented code. */
	for (size_t i = 0; i + 1 < loc.col && i < len; i++)
		fputc(line[i] == '\t' ? '\t' : ' ', s->diag_out);
	if (s->use_color)
		fputs("\033[1;32m", s->diag_out);
	fputc('^', s->diag_out);
	for (int i = 1; i < width; i++)
		fputc('~', s->diag_out);
	if (s->use_color)
		fputs("\033[0m", s->diag_out);
	fputc('\n', s->diag_out);
}

static void print_header(Session *s, DiagKind kind, Loc loc)
{
	if (s->use_color)
		fputs("\033[1m", s->diag_out);
	if (loc.line) {
		StrBuf b = {0};
		diag_loc_str(s, loc, &b);
		fprintf(s->diag_out, "%s: ", b.data);
		sb_free(&b);
	} else {
		fputs(SONDE_NAME ": ", s->diag_out);
	}
	if (s->use_color)
		fputs(kind_color(kind), s->diag_out);
	fprintf(s->diag_out, "%s: ", kind_name(kind));
	if (s->use_color)
		fputs("\033[0m", s->diag_out);
}

/* Follows the chain of expansions a location came through. */
static void print_expansions(Session *s, Loc loc)
{
	for (int depth = 0; depth < 32; depth++) {
		const SrcFile *f = src_get(s, loc.file);
		if (!f->from.line)
			return;
		print_header(s, DIAG_NOTE, f->from);
		fprintf(s->diag_out, "in expansion of %s\n", f->what);
		print_snippet(s, f->from, 1);
		loc = f->from;
	}
}

/* ------------------------------------------------------------ reporting */

void diag_vat(Session *s, DiagKind kind, Loc loc, int width,
	      const char *fmt, va_list ap)
{
	if (kind == DIAG_WARNING) {
		if (s->suppress_warnings)
			return;
		s->nwarnings++;
		if (s->warnings_fatal)
			s->nerrors++;
	} else if (kind != DIAG_NOTE) {
		s->nerrors++;
	}
	print_header(s, kind, loc);
	vfprintf(s->diag_out, fmt, ap);
	fputc('\n', s->diag_out);
	if (loc.line) {
		print_snippet(s, loc, width > 0 ? width : 1);
		print_expansions(s, loc);
	}
}

void diag_at(Session *s, DiagKind kind, Loc loc, int width,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(s, kind, loc, width, fmt, ap);
	va_end(ap);
}

void diag_error(Session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(s, DIAG_ERROR, (Loc){0}, 0, fmt, ap);
	va_end(ap);
}
