/*
 * elab_print.c - the -p2 listing: the resolved program as text.
 *
 * Sections in a fixed order: globals (sorted by name, with value and key
 * types, size and wrapping), functions (sorted by name and arity, with
 * inferred types; embedded C shown as `%{ ... %}`), then probes in
 * script order, each with the point it was written as, its locals, and
 * the concrete derived points it runs at.  Bodies are printed by the
 * pass-1 unparser from synthetic declarations that carry the inferred
 * types, so the text stays close to script syntax.
 */
#include "elaborate/elab_int.h"
#include "parse/parse.h"

#include <inttypes.h>
#include <string.h>

static void var_type(const Var *v, FILE *out)
{
	if (v->nkeys) {
		fputc('[', out);
		for (uint32_t i = 0; i < v->nkeys; i++)
			fprintf(out, "%s%s", i ? ", " : "", type_name(v->keys[i]));
		fputc(']', out);
	}
	fprintf(out, ":%s", type_name(v->type));
}

static void global(const Var *v, FILE *out)
{
	fprintf(out, "global %s", v->name);
	var_type(v, out);
	if (v->size)
		fprintf(out, " # size %" PRId64 "%s", v->size,
			v->wrap ? ", wraps" : "");
	else if (v->wrap)
		fputs(" # wraps", out);
	fputc('\n', out);
}

static void locals(const char *what, const PtrVec *l, FILE *out)
{
	if (!l->n)
		return;
	fprintf(out, "# %s:", what);
	for (uint32_t i = 0; i < l->n; i++) {
		const Var *v = l->v[i];
		fprintf(out, "%s %s", i ? "," : "", v->name);
		var_type(v, out);
	}
	fputc('\n', out);
}

static uint8_t ast_type(uint8_t t)
{
	return t == T_LONG ? TY_LONG : t == T_STRING ? TY_STRING : TY_NONE;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void function(Session *s, const Func *f, FILE *out)
{
	Decl d = *f->decl;
	d.type = ast_type(f->type);
	Param params[f->nparams + 1];
	for (uint32_t i = 0; i < f->nparams; i++) {
		params[i] = f->decl->func.params[i];
		params[i].type = ast_type(f->params[i]->type);
	}
	d.func.params = params;
	if (f->embedded)
		d.func.code = " ... ";
	if (f->from_tapset)
		fprintf(out, "# from the library: %s\n",
			base_name(src_get(s, f->file)->name));
	if (f->type == T_VOID)
		fputs("# returns nothing\n", out);
	locals("locals", &f->locals, out);
	Decl *dp = &d;
	AstFile file = { .file = f->file, .n = 1, .decls = &dp };
	unparse_file(&file, out);
}

static void probe(Session *s, const Probe *p, FILE *out)
{
	StrBuf loc = {0};
	diag_loc_str(s, p->written->loc, &loc);
	fprintf(out, "# probe %u: %s\n", p->index, loc.data);
	sb_free(&loc);
	locals("locals", &p->locals, out);
	if (p->cond_reads.n) {
		fputs("# condition reads:", out);
		for (uint32_t i = 0; i < p->cond_reads.n; i++)
			fprintf(out, " %s", ((Var *)p->cond_reads.v[i])->name);
		fputc('\n', out);
	}
	for (uint32_t i = 0; i < p->entry_saves.n; i++) {
		const EntrySave *sv = p->entry_saves.v[i];
		diag_loc_str(s, sv->loc, &loc);
		fprintf(out, "# saved at entry: %s from the @entry at %s\n",
			sv->var->name, loc.data);
		sb_free(&loc);
	}
	ProbePoint pts[p->points.n];
	ProbePoint *ptrs[p->points.n];
	PPComp comps[p->points.n];
	for (uint32_t i = 0; i < p->points.n; i++) {
		const DerivedProbe *d = p->points.v[i];
		comps[i] = (PPComp){ .name = d->point, .loc = d->loc };
		pts[i] = (ProbePoint){ .loc = d->loc, .n = 1, .comps = &comps[i],
				       .cond = p->cond };
		ptrs[i] = &pts[i];
	}
	Decl d = { .kind = D_PROBE, .n = p->points.n, .loc = p->decl->loc };
	d.probe.points = ptrs;
	d.probe.body = p->body;
	Decl *dp = &d;
	AstFile file = { .file = p->decl->loc.file, .n = 1, .decls = &dp };
	unparse_file(&file, out);
}

void elab_print(Session *s, const Program *p, FILE *out)
{
	if (p->globals.n)
		fputs("# globals\n", out);
	for (uint32_t i = 0; i < p->globals.n; i++)
		global(p->globals.v[i], out);
	if (p->funcs.n)
		fputs("# functions\n", out);
	for (uint32_t i = 0; i < p->funcs.n; i++)
		function(s, p->funcs.v[i], out);
	if (p->probes.n)
		fputs("# probes\n", out);
	for (uint32_t i = 0; i < p->probes.n; i++)
		probe(s, p->probes.v[i], out);
}
