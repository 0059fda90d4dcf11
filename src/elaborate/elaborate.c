/*
 * elaborate.c - pass 2's driver and its symbol tables.
 *
 * Order: register the scripts' declarations, derive their probes (alias
 * expansion, probe point matching: elab_probes.c), bind names and pull
 * in library files (resolve.c), infer types (types.c), then check, warn
 * and elide (elab_check.c).  Each step runs only if the ones before it
 * reported no errors, so later steps may assume a well-formed program.
 * The helpers that probe groups call while deriving live here too.
 */
#include "elaborate/elab_int.h"
#include "parse/parse.h"
#include "probes/group.h"

#include <stdlib.h>
#include <string.h>

const char *type_name(Type t)
{
	static const char *const names[] = {
		[T_UNKNOWN] = "unknown", [T_LONG] = "long",
		[T_STRING] = "string", [T_STATS] = "stats", [T_VOID] = "void",
	};
	return t <= T_VOID ? names[t] : "?";
}

void vec_push(PtrVec *v, void *p)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = p;
}

void vec_free(PtrVec *v)
{
	free(v->v);
	*v = (PtrVec){0};
}

/* ----------------------------------------------------------- variables */

Var *elab_new_var(Elab *e, const char *name, Loc loc, VarKind kind)
{
	Var *v = arena_alloc(&e->s->arena, sizeof *v);
	v->name = name;
	v->loc = loc;
	v->kind = (uint8_t)kind;
	return v;
}

static bool visible(bool is_private, uint16_t def_file, uint16_t file)
{
	return !is_private || def_file == file;
}

/* --------------------------------------------------------- name index */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot of `name`: its own, or the free one where it would go. */
static NameSlot *index_slot(const NameIndex *x, const char *name)
{
	uint32_t mask = x->cap - 1, i = name_hash(name) & mask;
	while (x->slots[i].name && strcmp(x->slots[i].name, name))
		i = (i + 1) & mask;
	return &x->slots[i];
}

static void index_grow(NameIndex *x)
{
	NameIndex old = *x;
	x->cap = old.cap ? 2 * old.cap : 64;
	x->slots = xcalloc(x->cap, sizeof *x->slots);
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.slots[i].name)
			*index_slot(x, old.slots[i].name) = old.slots[i];
	free(old.slots);
}

static void index_add(NameIndex *x, const char *name, void *item)
{
	if (2 * (x->n + 1) > x->cap)
		index_grow(x);	/* at most half full: short probes */
	NameSlot *slot = index_slot(x, name);
	if (!slot->name) {
		slot->name = name;
		x->n++;
	}
	vec_push(&slot->items, item);
}

/* Everything declared under `name`, or NULL. */
static const PtrVec *index_find(const NameIndex *x, const char *name)
{
	if (!x->cap)
		return NULL;
	const NameSlot *slot = index_slot(x, name);
	return slot->name ? &slot->items : NULL;
}

static void index_free(NameIndex *x)
{
	for (uint32_t i = 0; i < x->cap; i++)
		vec_free(&x->slots[i].items);
	free(x->slots);
	*x = (NameIndex){0};
}

Var *elab_find_global(Elab *e, const char *name, uint16_t file)
{
	const PtrVec *same = index_find(&e->global_names, name);
	for (uint32_t i = 0; same && i < same->n; i++) {
		Var *v = same->v[i];
		if (visible(v->is_private, v->file, file))
			return v;
	}
	return NULL;
}

size_t elab_find_funcs(Elab *e, const char *name, uint16_t file,
		       Func **out, size_t max)
{
	const PtrVec *same = index_find(&e->func_names, name);
	size_t n = 0;
	for (uint32_t i = 0; same && i < same->n && n < max; i++) {
		Func *f = same->v[i];
		if (visible(f->decl->flags & DF_PRIVATE, f->file, file))
			out[n++] = f;
	}
	return n;
}

/* ------------------------------------------------------- declarations */

static void duplicate(Elab *e, Loc loc, Loc prev, const char *what,
		      const char *name)
{
	diag_at(e->s, DIAG_SEMANTIC_ERROR, loc, 1, "duplicate %s '%s'", what,
		name);
	diag_at(e->s, DIAG_NOTE, prev, 1, "previously defined here");
}

static void add_global(Elab *e, const Decl *d, uint16_t file, bool lib)
{
	Var *old = elab_find_global(e, d->global.name, file);
	if (old && old->file == file) {
		duplicate(e, d->loc, old->loc, "global", d->global.name);
		return;
	}
	Var *v = elab_new_var(e, d->global.name, d->loc, V_GLOBAL);
	v->decl = d;
	v->file = file;
	v->is_private = d->flags & DF_PRIVATE;
	v->wrap = d->flags & DF_WRAP;
	v->size = d->flags & DF_ARRAY ? d->global.size : 0;
	v->from_tapset = lib;
	v->init = d->global.init;
	if (v->init) {
		v->type = v->init->kind == E_STR ? T_STRING : T_LONG;
		v->type_loc = v->init->loc;
		v->arity_known = true;
		v->arity_loc = v->init->loc;
	}
	vec_push(&e->globals, v);
	index_add(&e->global_names, v->name, v);
}

static uint8_t decl_type(uint8_t t)
{
	return t == TY_LONG ? T_LONG : t == TY_STRING ? T_STRING : T_UNKNOWN;
}

static void add_params(Elab *e, Func *f, const Decl *d)
{
	f->params = arena_alloc(&e->s->arena, (d->n + 1) * sizeof *f->params);
	for (uint32_t i = 0; i < d->n; i++) {
		const Param *p = &d->func.params[i];
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(f->params[j]->name, p->name))
				duplicate(e, p->loc, f->params[j]->loc,
					  "parameter", p->name);
		Var *v = elab_new_var(e, p->name, p->loc, V_PARAM);
		v->type = decl_type(p->type);
		v->type_loc = p->loc;
		v->arity_known = true;
		v->arity_loc = p->loc;
		f->params[i] = v;
	}
}

static void add_function(Elab *e, const Decl *d, uint16_t file, bool lib)
{
	Func *same[16];
	size_t n = elab_find_funcs(e, d->func.name, file, same, 16);
	for (size_t i = 0; i < n; i++)
		if (same[i]->nparams == d->n && same[i]->file == file) {
			duplicate(e, d->loc, same[i]->loc, "function",
				  d->func.name);
			return;
		}
	Func *f = arena_alloc(&e->s->arena, sizeof *f);
	f->name = d->func.name;
	f->loc = d->loc;
	f->decl = d;
	f->nparams = d->n;
	f->type = decl_type(d->type);
	f->type_loc = d->loc;
	f->embedded = d->flags & DF_EMBEDDED;
	f->pragmas = d->pragmas;
	f->from_tapset = lib;
	f->file = file;
	add_params(e, f, d);
	vec_push(&e->funcs, f);
	index_add(&e->func_names, f->name, f);
}

static void add_embedded(Elab *e, const Decl *d, bool lib)
{
	if (!lib && !e->s->guru_mode)
		diag_at(e->s, DIAG_SEMANTIC_ERROR, d->loc, 2,
			"embedded C code needs guru mode (-g)");
	vec_push(&e->prog->embedded, (void *)d);
}

void elab_add_file(Elab *e, AstFile *f, bool from_tapset)
{
	for (uint32_t i = 0; f && i < f->n; i++) {
		const Decl *d = f->decls[i];
		switch ((DeclKind)d->kind) {
		case D_GLOBAL: add_global(e, d, f->file, from_tapset); break;
		case D_FUNCTION: add_function(e, d, f->file, from_tapset); break;
		case D_ALIAS: vec_push(&e->aliases, (void *)d); break;
		case D_PROBE: vec_push(&e->pending, (void *)d); break;
		case D_EMBEDDED: add_embedded(e, d, from_tapset); break;
		}
	}
}

/* ------------------------------------------------------------ library */

TapsetLib *elab_lib(Elab *e)
{
	if (!e->lib)
		e->lib = tapset_open(e->s, e->release);
	return e->lib;
}

static bool load(Elab *e, char kind, const char *name)
{
	const char *path = tapset_lookup(elab_lib(e), kind, name);
	if (!path)
		return false;
	AstFile *f = tapset_parse(e->lib, path);
	if (!f)
		return false;
	elab_add_file(e, f, true);
	return true;
}

bool elab_load_func(Elab *e, const char *name)
{
	return load(e, 'f', name);
}

bool elab_load_global(Elab *e, const char *name)
{
	return load(e, 'g', name);
}

/* ------------------------------------------------ helpers for groups */

void *elab_alloc(Elab *e, size_t n)
{
	return arena_alloc(&e->s->arena, n);
}

Session *elab_session(Elab *e)
{
	return e->s;
}

const char *elab_release(Elab *e)
{
	return e->release;
}

/* ${XDG_CACHE_HOME:-~/.cache}/sonde, or NULL without a home. */
static char *ksyms_cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	return xdg && *xdg ? xasprintf("%s/sonde", xdg)
	       : home ? xasprintf("%s/.cache/sonde", home) : NULL;
}

const KSyms *elab_ksyms(Elab *e, Loc loc)
{
	if (e->ksyms_state == 0) {
		kernel_require(e->s);
		StrBuf why = {0};
		char *dir = e->s->disable_cache ? NULL : ksyms_cache_dir();
		e->ksyms_state = ksyms_load(&e->ksyms, e->release, dir, &why) ==
				 KSYMS_OK ? 1 : -1;
		free(dir);
		if (e->ksyms_state < 0)
			diag_at(e->s, DIAG_SEMANTIC_ERROR, loc, 1, "%s", why.data);
		sb_free(&why);
	}
	return e->ksyms_state > 0 ? &e->ksyms : NULL;
}

int match_find(const Match *m, const char *name)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name))
			return (int)i;
	return -1;
}

int64_t match_num(const Match *m, const char *name, int64_t dflt)
{
	int i = match_find(m, name);
	return i >= 0 && m->args[i] && m->args[i]->kind == E_NUM
		       ? m->args[i]->num : dflt;
}

static void quoted(StrBuf *b, const char *s, uint32_t n)
{
	sb_putc(b, '"');
	for (uint32_t i = 0; i < n;) {
		uint32_t run = i;
		while (run < n && s[run] != '"' && s[run] != '\\')
			run++;
		sb_putn(b, s + i, run - i);
		if (run < n) {
			sb_putc(b, '\\');
			sb_putc(b, s[run++]);
		}
		i = run;
	}
	sb_putc(b, '"');
}

char *match_text(Elab *e, const Match *m)
{
	StrBuf b = {0};
	for (uint32_t i = 0; i < m->n; i++) {
		if (i)
			sb_putc(&b, '.');
		sb_puts(&b, m->names[i]);
		const Expr *a = m->args[i];
		if (!a)
			continue;
		sb_putc(&b, '(');
		if (a->kind == E_STR)
			quoted(&b, a->str, a->n);
		else
			sb_printf(&b, "%lld", (long long)a->num);
		sb_putc(&b, ')');
	}
	char *r = arena_strdup(&e->s->arena, b.data ? b.data : "");
	sb_free(&b);
	return r;
}

/* -L: the point's line, with the variables its group lists. */
static const char *listed_line(Elab *e, const DerivedProbe *d)
{
	if (!e->s->list_vars || !d->group->list_vars)
		return d->point;
	StrBuf b = {0};
	sb_puts(&b, d->point);
	d->group->list_vars(e, d, &b);
	const char *line = arena_strdup(&e->s->arena, b.data);
	sb_free(&b);
	return line;
}

void elab_derive_point(Elab *e, const Match *m, const char *point,
		       void *data)
{
	DerivedProbe tmp, *d = &tmp;
	if (!e->listing)
		d = arena_alloc(&e->s->arena, sizeof *d);
	*d = (DerivedProbe){ .group = m->group, .point = point, .data = data,
			     .loc = m->loc,
			     .is_return = match_find(m, "return") >= 0 };
	if (e->listing) {
		vec_push(&e->listed, (void *)listed_line(e, d));
		return;
	}
	d->probe = e->cur_probe;
	vec_push(&e->cur_probe->points, d);
}

/* -------------------------------------------------------------- driver */

Elab *elab_open(Session *s)
{
	Elab *e = xcalloc(1, sizeof *e);
	e->s = s;
	e->prog = xcalloc(1, sizeof *e->prog);
	e->release = kernel_target(s);
	return e;
}

void elab_close(Elab *e)
{
	if (e->ksyms_state > 0)
		ksyms_free(&e->ksyms);
	if (e->lib)
		tapset_close(e->lib);
	vec_free(&e->globals);
	vec_free(&e->funcs);
	index_free(&e->global_names);
	index_free(&e->func_names);
	vec_free(&e->aliases);
	vec_free(&e->pending);
	vec_free(&e->listed);
	vec_free(&e->all_probes);
	free(e);
}

/* After errors: the program takes everything, so that freeing it frees
   all the vectors hanging off variables, functions and probes. */
static void adopt_all(Elab *e)
{
	Program *p = e->prog;
	vec_free(&p->globals);
	vec_free(&p->funcs);
	vec_free(&p->probes);
	vec_free(&p->derived);
	for (uint32_t i = 0; i < e->globals.n; i++)
		vec_push(&p->globals, e->globals.v[i]);
	for (uint32_t i = 0; i < e->funcs.n; i++)
		vec_push(&p->funcs, e->funcs.v[i]);
	for (uint32_t i = 0; i < e->all_probes.n; i++)
		vec_push(&p->probes, e->all_probes.v[i]);
}

bool elab_run(Session *s, AstFile **scripts, size_t nscripts, Program **out)
{
	Elab *e = elab_open(s);
	int errors = s->nerrors;
	for (size_t i = 0; i < nscripts; i++)
		elab_add_file(e, scripts[i], false);
	if (s->nerrors == errors)
		resolve_program(e);
	if (s->nerrors == errors)
		types_infer(e);
	if (s->nerrors == errors)
		check_program(e);
	bool ok = s->nerrors == errors;
	if (!ok)
		adopt_all(e);
	*out = e->prog;
	e->prog = NULL;
	elab_close(e);
	return ok;
}

void program_free(Program *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->globals.n; i++) {
		Var *v = p->globals.v[i];
		vec_free(&v->readers);
		vec_free(&v->writers);
	}
	for (uint32_t i = 0; i < p->funcs.n; i++)
		vec_free(&((Func *)p->funcs.v[i])->locals);
	for (uint32_t i = 0; i < p->probes.n; i++) {
		Probe *pr = p->probes.v[i];
		vec_free(&pr->locals);
		vec_free(&pr->cond_reads);
		vec_free(&pr->points);
		vec_free(&pr->entry_saves);
	}
	vec_free(&p->globals);
	vec_free(&p->funcs);
	vec_free(&p->probes);
	vec_free(&p->derived);
	vec_free(&p->embedded);
	free(p);
}
