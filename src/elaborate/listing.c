/*
 * listing.c - what sonde can probe and what its library holds:
 *   -l PATTERN   the probe points matching PATTERN: alias names of the
 *                library, and concrete points of the built-in types
 *                (kprobe.function("vfs_*") lists each kernel function)
 *   -L PATTERN   the same, each point followed by the variables its
 *                group's list_vars hook names (` $name:type`); points
 *                without debug information have none
 *   --dump-probe-types, --dump-functions, --dump-probe-aliases
 * Output is sorted and free of duplicates, so it can be compared.
 */
#include "elaborate/elab_int.h"
#include "parse/parse.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_sorted(const PtrVec *v)
{
	for (uint32_t i = 1; i < v->n; i++)
		if (strcmp(v->v[i - 1], v->v[i]) > 0)
			return false;
	return true;
}

/* Derived points mostly come in order already (kernel symbols are
   sorted), so the sort is usually skipped. */
static void print_sorted(PtrVec *v, FILE *out)
{
	if (!is_sorted(v))
		qsort(v->v, v->n, sizeof *v->v, cmp_str);
	for (uint32_t i = 0; i < v->n; i++)
		if (i == 0 || strcmp(v->v[i - 1], v->v[i])) {
			fputs(v->v[i], out);
			putc('\n', out);
		}
}

/* The pattern as a probe point, through the real parser. */
static const ProbePoint *parse_pattern(Session *s, const char *pattern)
{
	char *text = xasprintf("probe %s {}\n", pattern);
	uint16_t f = src_add_owned(s, "<pattern>", text, strlen(text));
	AstFile *ast = parse_file(s, f);
	if (!ast || ast->n != 1 || ast->decls[0]->kind != D_PROBE ||
	    ast->decls[0]->n != 1) {
		if (!s->nerrors)
			diag_error(s, "'%s' is not a probe point", pattern);
		return NULL;
	}
	return ast->decls[0]->probe.points[0];
}

static bool list_points(Elab *e)
{
	const ProbePoint *pp = parse_pattern(e->s, e->s->list_pattern);
	if (!pp)
		return false;
	probes_list(e, pp);
	print_sorted(&e->listed, stdout);
	return e->s->nerrors == 0;
}

typedef void (*DeclFn)(const Decl *d, PtrVec *out, StrBuf *b);

/* Parses every library file and collects a line per matching decl. */
static void each_library_decl(Elab *e, DeclFn fn, PtrVec *out)
{
	TapsetLib *lib = elab_lib(e);
	StrBuf b = {0};
	const char *path;
	for (size_t i = 0; (path = tapset_file(lib, i)); i++) {
		AstFile *f = tapset_parse(lib, path);
		for (uint32_t j = 0; f && j < f->n; j++)
			fn(f->decls[j], out, &b);
	}
	sb_free(&b);
}

static const char *decl_type(uint8_t t)
{
	return t == TY_LONG ? ":long" : t == TY_STRING ? ":string" : "";
}

static void function_cb(const Decl *d, PtrVec *out, StrBuf *b)
{
	if (d->kind != D_FUNCTION || (d->flags & DF_PRIVATE))
		return;
	sb_clear(b);
	sb_printf(b, "%s%s(", d->func.name, decl_type(d->type));
	for (uint32_t i = 0; i < d->n; i++)
		sb_printf(b, "%s%s%s", i ? ", " : "", d->func.params[i].name,
			  decl_type(d->func.params[i].type));
	sb_putc(b, ')');
	vec_push(out, xstrdup(b->data));
}

static void alias_cb(const Decl *d, PtrVec *out, StrBuf *b)
{
	if (d->kind != D_ALIAS)
		return;
	sb_clear(b);
	const ProbePoint *a = d->probe.alias;
	for (uint32_t i = 0; i < a->n; i++)
		sb_printf(b, "%s%s", i ? "." : "", a->comps[i].name);
	vec_push(out, xstrdup(b->data));
}

static void dump(Elab *e, DeclFn fn)
{
	PtrVec lines = {0};
	each_library_decl(e, fn, &lines);
	print_sorted(&lines, stdout);
	for (uint32_t i = 0; i < lines.n; i++)
		free(lines.v[i]);
	vec_free(&lines);
}

bool listing_run(Session *s)
{
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	Elab *e = elab_open(s);
	bool ok = true;
	if (s->dump_probe_types)
		registry_dump(stdout);
	if (s->dump_functions)
		dump(e, function_cb);
	if (s->dump_probe_aliases)
		dump(e, alias_cb);
	if (s->list_pattern)
		ok = list_points(e);
	ok = ok && s->nerrors == 0;
	program_free(e->prog);
	e->prog = NULL;
	elab_close(e);
	return ok;
}
