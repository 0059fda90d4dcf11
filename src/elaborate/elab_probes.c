/*
 * elab_probes.c - from the probe points a script wrote to derived probes.
 *
 * A point is first tried against the aliases (script and loaded library
 * ones): an alias name covering the point's first components expands the
 * point into the alias's own points, each followed by the rest of the
 * point (the suffix: `syscall.read.return` through `syscall.read`), and
 * the body gets the alias's prologue before it and epilogue after it.
 * Expanded points are expanded again (aliases of aliases) up to a fixed
 * depth.  A point is also matched against the probe registry; what
 * matches becomes one Probe whose body is a private copy of the merged
 * blocks.  Only if neither found anything is the library's alias index
 * consulted, so scripts that use built-in points never touch it.
 *
 *   point?   no match is no error (and neither is anything under it)
 *   point!   later alternatives are skipped once this one matched
 *   if (c)   conditions along the way are joined with &&
 */
#include "elaborate/elab_int.h"
#include "probes/group.h"

#include <fnmatch.h>
#include <string.h>

enum { MAX_DEPTH = 32 };

/* What the expansion has gathered so far on the way to a point. */
typedef struct Chain {
	const Decl *decl;	/* the script's probe */
	const ProbePoint *written;
	Stmt *body;		/* merged blocks, shared nodes */
	int depth;
} Chain;

static bool name_match(const char *a, const char *b)
{
	return !fnmatch(a, b, 0) || !fnmatch(b, a, 0);
}

static bool arg_equal(const Expr *a, const Expr *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	if (a->kind == E_NUM)
		return a->num == b->num;
	return a->n == b->n && !memcmp(a->str, b->str, a->n);
}

uint32_t alias_prefix_match(const ProbePoint *alias, const ProbePoint *pp)
{
	if (alias->n > pp->n)
		return 0;
	for (uint32_t i = 0; i < alias->n; i++)
		if (!name_match(alias->comps[i].name, pp->comps[i].name) ||
		    !arg_equal(alias->comps[i].arg, pp->comps[i].arg))
			return 0;
	return alias->n;
}

static Stmt *block_of(Session *s, Loc loc, Stmt *a, Stmt *b, Stmt *c)
{
	Stmt *v[3];
	uint32_t n = 0;
	if (a)
		v[n++] = a;
	if (b)
		v[n++] = b;
	if (c)
		v[n++] = c;
	Stmt *blk = ast_stmt(s, S_BLOCK, loc);
	blk->n = n;
	blk->block.v = ast_list(s, (void *const *)v, n);
	return blk;
}

static Expr *both(Session *s, Expr *a, Expr *b)
{
	if (!a || !b)
		return a ? a : b;
	Expr *e = ast_expr(s, E_BINARY, a->loc);
	e->op = OP_ANDAND;
	e->kid.a = a;
	e->kid.b = b;
	return e;
}

/* `target` followed by pp's components from `from` on. */
static ProbePoint *with_suffix(Session *s, const ProbePoint *target,
			      const ProbePoint *pp, uint32_t from)
{
	ProbePoint *np = arena_alloc(&s->arena, sizeof *np);
	*np = *target;
	np->n = target->n + pp->n - from;
	np->comps = arena_alloc(&s->arena, np->n * sizeof *np->comps);
	memcpy(np->comps, target->comps, target->n * sizeof *np->comps);
	memcpy(np->comps + target->n, pp->comps + from,
	       (pp->n - from) * sizeof *np->comps);
	np->flags = target->flags | (pp->flags & PP_OPTIONAL);
	np->cond = both(s, target->cond, pp->cond);
	return np;
}

static bool expand_point(Elab *e, const ProbePoint *pp, Chain *c);

static bool expand_points(Elab *e, const Decl *alias, const ProbePoint *pp,
			  uint32_t covered, Chain *c)
{
	Session *s = e->s;
	Chain inner = *c;
	inner.depth++;
	Stmt *pro = alias->flags & DF_EPILOGUE ? NULL : alias->probe.body;
	Stmt *epi = alias->flags & DF_EPILOGUE ? alias->probe.body
					       : alias->probe.epilogue;
	inner.body = block_of(s, c->body->loc, pro, c->body, epi);
	bool any = false;
	for (uint32_t i = 0; i < alias->n; i++) {
		const ProbePoint *t = alias->probe.points[i];
		bool hit = expand_point(e, with_suffix(s, t, pp, covered), &inner);
		any |= hit;
		if (hit && (t->flags & PP_SUFFICIENT))
			break;
	}
	return any;
}

static bool try_aliases(Elab *e, const ProbePoint *pp, Chain *c)
{
	bool any = false;
	for (uint32_t i = 0; i < e->aliases.n; i++) {
		const Decl *a = e->aliases.v[i];
		uint32_t covered = alias_prefix_match(a->probe.alias, pp);
		if (covered)
			any |= expand_points(e, a, pp, covered, c);
	}
	return any;
}

/* Splits an indexed alias name ("syscall.read") into a point. */
static bool text_prefix_match(const char *name, const ProbePoint *pp)
{
	uint32_t i = 0;
	for (const char *p = name; p; i++) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (i >= pp->n || len >= 128)
			return false;
		char comp[128];
		memcpy(comp, p, len);
		comp[len] = 0;
		if (!name_match(comp, pp->comps[i].name))
			return false;
		p = dot ? dot + 1 : NULL;
	}
	return true;
}

/* Loads the library files whose aliases could cover pp. */
static bool load_library_aliases(Elab *e, const ProbePoint *pp)
{
	TapsetLib *lib = elab_lib(e);
	size_t it = 0;
	const char *name, *file;
	bool loaded = false;
	while ((name = tapset_next_alias(lib, &it, &file))) {
		if (!text_prefix_match(name, pp))
			continue;
		AstFile *f = tapset_parse(lib, file);
		if (f) {
			elab_add_file(e, f, true);
			loaded = true;
		}
	}
	return loaded;
}

static void derive_cb(Elab *e, Match *m, void *arg)
{
	if (m->group->derive(e, m))
		*(bool *)arg = true;
}

static Probe *new_probe(Elab *e, const ProbePoint *pp, Chain *c)
{
	Probe *p = arena_alloc(&e->s->arena, sizeof *p);
	p->decl = c->decl;
	p->written = NULL;
	(void)pp;
	return p;
}

static bool try_registry(Elab *e, const ProbePoint *pp, Chain *c)
{
	Probe *p = new_probe(e, pp, c);
	e->cur_probe = p;
	bool derived = false;
	int errors = e->s->nerrors;
	size_t n = registry_match(e, pp, derive_cb, &derived);
	e->cur_probe = NULL;
	if (p->points.n) {
		/* A private copy: resolution annotates the nodes. */
		p->body = clone_stmt(e->s, c->body);
		p->cond = pp->cond ? clone_expr(e->s, pp->cond) : NULL;
		p->written = c->written;
		vec_push(&e->all_probes, p);
	}
	return n > 0 && (derived || e->s->nerrors != errors ||
			 (pp->flags & PP_OPTIONAL));
}

static void point_text(const ProbePoint *pp, StrBuf *b)
{
	for (uint32_t i = 0; i < pp->n; i++) {
		sb_printf(b, "%s%s", i ? "." : "", pp->comps[i].name);
		const Expr *a = pp->comps[i].arg;
		if (a && a->kind == E_STR)
			sb_printf(b, "(\"%.*s\")", (int)a->n, a->str);
		else if (a)
			sb_printf(b, "(%lld)", (long long)a->num);
	}
}

static void no_match(Elab *e, const ProbePoint *pp)
{
	StrBuf b = {0};
	point_text(pp, &b);
	diag_at(e->s, DIAG_SEMANTIC_ERROR, pp->loc, 1,
		"no match for probe point '%s'", b.data);
	sb_free(&b);
}

/* True if the point matched something (or failed with a report). */
static bool expand_point(Elab *e, const ProbePoint *pp, Chain *c)
{
	if (c->depth > MAX_DEPTH) {
		diag_at(e->s, DIAG_SEMANTIC_ERROR, c->written->loc, 1,
			"probe alias expansion too deep (recursive alias?)");
		return true;
	}
	bool any = try_aliases(e, pp, c);
	any |= try_registry(e, pp, c);
	if (!any && load_library_aliases(e, pp))
		any = try_aliases(e, pp, c);
	if (!any && !(pp->flags & PP_OPTIONAL))
		no_match(e, pp);
	return any;
}

static void derive_decl(Elab *e, const Decl *d)
{
	for (uint32_t i = 0; i < d->n; i++) {
		const ProbePoint *pp = d->probe.points[i];
		Chain c = { .decl = d, .written = pp, .body = d->probe.body };
		int errors = e->s->nerrors;
		bool hit = expand_point(e, pp, &c);
		if (hit && errors == e->s->nerrors && (pp->flags & PP_SUFFICIENT))
			break;
	}
}

void probes_derive(Elab *e, const Decl *const *decls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		derive_decl(e, decls[i]);
}

/* Listing: alias names that the pattern matches, then concrete points. */
static void list_aliases(Elab *e, const ProbePoint *pp)
{
	TapsetLib *lib = elab_lib(e);
	size_t it = 0;
	const char *name, *file;
	while ((name = tapset_next_alias(lib, &it, &file))) {
		uint32_t ncomps = 1;
		for (const char *p = name; *p; p++)
			ncomps += *p == '.';
		if (ncomps == pp->n && text_prefix_match(name, pp))
			vec_push(&e->listed, (void *)name);
	}
}

static bool names_have_wildcard(const ProbePoint *pp)
{
	for (uint32_t i = 0; i < pp->n; i++)
		if (strchr(pp->comps[i].name, '*'))
			return true;
	return false;
}

/* A type sonde cannot derive, named as such, says so as it does in a
   script; one that a wildcard happens to reach is left out. */
static void list_cb(Elab *e, Match *m, void *arg)
{
	(void)arg;
	if (m->group != &unsupported_group || !names_have_wildcard(m->pp))
		m->group->derive(e, m);
}

/* Like stap, a pattern that lists nothing fails; sonde also says why. */
void probes_list(Elab *e, const ProbePoint *pp)
{
	int errors = e->s->nerrors;
	e->listing = true;
	list_aliases(e, pp);
	registry_match(e, pp, list_cb, NULL);
	if (!e->listed.n && e->s->nerrors == errors &&
	    !(pp->flags & PP_OPTIONAL))
		no_match(e, pp);
}
