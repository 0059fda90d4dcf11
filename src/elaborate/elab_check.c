/*
 * elab_check.c - the last step of pass 2: warnings, global effects,
 * elision, and the assembly of the Program.
 *
 * Input: a resolved, typed set of probes and functions (errors would
 * have stopped the pass earlier).  @entry(expr) becomes a synthetic
 * local that pass 3 fills at function entry.  Warnings, for script code only (the
 * library is trusted): expression statements without effect, unused
 * script globals, script functions never called, locals written but
 * never read, locals read but never assigned.  Each global gets the
 * probes that read and write it, through the functions they call, and
 * each probe condition the globals it reads through the same calls.
 * Without -u, what no probe reaches is left out of the Program.
 */
#include "elaborate/elab_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*Visit)(Expr *e, void *arg);

/* Calls fn for e and every subexpression, parents first. */
static void each_expr(Expr *e, Visit fn, void *arg)
{
	if (!e || !fn)
		return;
	fn(e, arg);
	switch ((ExprKind)e->kind) {
	case E_INDEX:
	case E_CALL:
		for (uint32_t i = 0; i < e->n; i++)
			each_expr(e->sym.args[i], fn, arg);
		break;
	case E_AT:
		for (uint32_t i = 0; i < e->n; i++)
			each_expr(e->at.args[i], fn, arg);
		for (uint32_t i = 0; i < e->at.ncomps; i++)
			if (e->at.comps[i].is_index)
				each_expr(e->at.comps[i].index, fn, arg);
		break;
	case E_TERNARY: each_expr(e->kid.c, fn, arg); /* fall through */
	case E_BINARY:
	case E_ASSIGN: each_expr(e->kid.b, fn, arg); /* fall through */
	case E_UNARY:
	case E_POST: each_expr(e->kid.a, fn, arg); break;
	case E_IN:
		for (uint32_t i = 0; i < e->n; i++)
			each_expr(e->in.keys[i], fn, arg);
		each_expr(e->in.array, fn, arg);
		break;
	default: break;
	}
}

typedef void (*VisitStmt)(Stmt *st, void *arg);

/* Calls sfn for every statement and efn for every expression in st. */
static void each_stmt(Stmt *st, VisitStmt sfn, Visit efn, void *arg)
{
	if (!st)
		return;
	if (sfn)
		sfn(st, arg);
	switch ((StmtKind)st->kind) {
	case S_BLOCK:
		for (uint32_t i = 0; i < st->n; i++)
			each_stmt(st->block.v[i], sfn, efn, arg);
		break;
	case S_EXPR:
	case S_RETURN:
	case S_DELETE: each_expr(st->expr, efn, arg); break;
	case S_IF:
		each_expr(st->cond.e, efn, arg);
		each_stmt(st->cond.then, sfn, efn, arg);
		each_stmt(st->cond.els, sfn, efn, arg);
		break;
	case S_WHILE:
	case S_FOR:
		each_expr(st->loop.init, efn, arg);
		each_expr(st->loop.cond, efn, arg);
		each_expr(st->loop.incr, efn, arg);
		each_stmt(st->loop.body, sfn, efn, arg);
		break;
	case S_FOREACH:
		each_expr(st->fe.array, efn, arg);
		for (uint32_t i = 0; i < st->n; i++)
			each_expr(st->fe.keys[i], efn, arg);
		each_expr(st->fe.value, efn, arg);
		each_expr(st->fe.limit, efn, arg);
		each_stmt(st->fe.body, sfn, efn, arg);
		break;
	case S_TRY:
		each_stmt(st->try_.body, sfn, efn, arg);
		each_expr(st->try_.var, efn, arg);
		each_stmt(st->try_.handler, sfn, efn, arg);
		break;
	default: break;
	}
}

/* -------------------------------------------------------------- @entry */

/*
 * Each @entry(expr) of a return probe becomes a read of a synthetic
 * local that pass 3 fills at function entry (elab.h, EntrySave).  The
 * node is rewritten in place: bodies are private to their Probe.
 */
typedef struct EntryCtx {
	Elab *e;
	Probe *probe;
} EntryCtx;

static const char *entry_name(EntryCtx *c)
{
	char buf[32];
	for (uint32_t n = c->probe->entry_saves.n;; n++) {
		snprintf(buf, sizeof buf, "__entry_%u", n);
		bool taken = false;
		for (uint32_t i = 0; i < c->probe->locals.n && !taken; i++)
			taken = !strcmp(((Var *)c->probe->locals.v[i])->name, buf);
		if (!taken)
			return arena_strdup(&c->e->s->arena, buf);
	}
}

static void entry_cb(Expr *x, void *arg)
{
	EntryCtx *c = arg;
	if (x->kind != E_AT || x->op != AT_ENTRY)
		return;
	EntrySave *sv = arena_alloc(&c->e->s->arena, sizeof *sv);
	Var *v = elab_new_var(c->e, entry_name(c), x->loc, V_LOCAL);
	v->type = x->type;
	v->type_loc = x->loc;
	v->arity_known = v->read = v->written = v->used = true;
	vec_push(&c->probe->locals, v);
	*sv = (EntrySave){ .expr = x->at.args[0], .var = v, .loc = x->loc };
	vec_push(&c->probe->entry_saves, sv);
	x->kind = E_IDENT;
	x->op = 0;
	x->flags = 0;
	x->n = 0;
	x->sym.name = v->name;
	x->sym.ref = v;
	x->sym.args = NULL;
}

static void rewrite_entries(Elab *e)
{
	for (uint32_t i = 0; i < e->all_probes.n; i++) {
		EntryCtx c = { e, e->all_probes.v[i] };
		if (c.probe->uses_entry)
			each_stmt(c.probe->body, NULL, entry_cb, &c);
	}
}

/* ----------------------------------------------------------- warnings */

static void has_effect_cb(Expr *e, void *arg)
{
	if (e->kind == E_ASSIGN || e->kind == E_CALL || e->kind == E_POST ||
	    e->kind == E_EMBEDDED ||
	    (e->kind == E_UNARY && (e->op == OP_INC || e->op == OP_DEC)))
		*(bool *)arg = true;
}

/*
 * One warning per place and message: the bodies of a script probe are
 * copied once per alias expansion, and each copy would repeat it.
 */
typedef struct Warn {
	Elab *e;
	PtrVec seen;		/* char*: "file:line:col:message" already said */
} Warn;

static void warn(Warn *w, Loc loc, int width, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(Warn *w, Loc loc, int width, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	StrBuf key = {0};
	sb_printf(&key, "%u:%u:%u:%s", loc.file, loc.line, loc.col, msg);
	for (uint32_t i = 0; i < w->seen.n; i++)
		if (!strcmp(w->seen.v[i], key.data)) {
			sb_free(&key);
			return;
		}
	vec_push(&w->seen, key.data);
	diag_at(w->e->s, DIAG_WARNING, loc, width, "%s", msg);
}

static bool in_library(const Elab *e, Loc loc)
{
	return src_get(e->s, loc.file)->is_tapset;
}

static void no_effect_cb(Stmt *st, void *arg)
{
	Warn *w = arg;
	if (st->kind != S_EXPR || in_library(w->e, st->loc))
		return;
	bool effect = false;
	each_expr(st->expr, has_effect_cb, &effect);
	if (!effect)
		warn(w, st->expr->loc, 1, "expression statement has no effect");
}

/*
 * A local read but assigned nowhere in its probe or function reads as
 * 0 or "": most often a missing `global` declaration, so say so at its
 * first use (v->loc).
 */
static void warn_locals(Warn *w, PtrVec *locals)
{
	for (uint32_t i = 0; i < locals->n; i++) {
		Var *v = locals->v[i];
		int width = (int)strlen(v->name);
		if (in_library(w->e, v->loc))
			continue;
		if (v->written && !v->read)
			warn(w, v->loc, width,
			     "local variable '%s' is assigned but never read",
			     v->name);
		else if (v->read && !v->written)
			warn(w, v->loc, width,
			     "never-assigned local variable '%s'", v->name);
	}
}

static void warn_globals(Warn *w)
{
	Elab *e = w->e;
	for (uint32_t i = 0; i < e->globals.n; i++) {
		Var *v = e->globals.v[i];
		if (!v->used && !v->from_tapset && !e->s->keep_unused)
			warn(w, v->loc, (int)strlen(v->name),
			     "eliding unused global '%s'", v->name);
	}
}

/* Script functions no probe reaches (library ones are dropped quietly). */
static void warn_funcs(Warn *w)
{
	Elab *e = w->e;
	for (uint32_t i = 0; i < e->funcs.n; i++) {
		Func *f = e->funcs.v[i];
		if (!f->used && !f->from_tapset && !e->s->keep_unused)
			warn(w, f->loc, (int)strlen(f->name),
			     "function '%s' is never called; eliding it", f->name);
	}
}

static void warnings(Elab *e)
{
	Warn w = { .e = e };
	for (uint32_t i = 0; i < e->all_probes.n; i++) {
		Probe *p = e->all_probes.v[i];
		each_stmt(p->body, no_effect_cb, NULL, &w);
		warn_locals(&w, &p->locals);
	}
	for (uint32_t i = 0; i < e->funcs.n; i++) {
		Func *f = e->funcs.v[i];
		if (!f->used || f->embedded)
			continue;
		each_stmt(f->decl->func.body, no_effect_cb, NULL, &w);
		warn_locals(&w, &f->locals);
	}
	warn_globals(&w);
	warn_funcs(&w);
	for (uint32_t i = 0; i < w.seen.n; i++)
		free(w.seen.v[i]);
	vec_free(&w.seen);
}

/* ------------------------------------------------------ global effects */

typedef struct Effects {
	Probe *probe;
	PtrVec seen;		/* Func* already walked for this probe */
	bool writing;
} Effects;

static void add_unique(PtrVec *v, void *p)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (v->v[i] == p)
			return;
	vec_push(v, p);
}

static void walk_func(Effects *fx, Func *f);

static void note_var(Effects *fx, Expr *e, bool write)
{
	Var *v = e->sym.ref;
	if (v && v->kind == V_GLOBAL)
		add_unique(write ? &v->writers : &v->readers, fx->probe);
}

static void effects_cb(Expr *e, void *arg)
{
	Effects *fx = arg;
	if (e->kind == E_IDENT || e->kind == E_INDEX)
		note_var(fx, e, false);
	else if (e->kind == E_IN)
		note_var(fx, e->in.array, false);
	else if (e->kind == E_CALL && e->sym.ref)
		walk_func(fx, e->sym.ref);
	Expr *lhs = e->kind == E_ASSIGN ? e->kid.a
		  : (e->kind == E_POST || (e->kind == E_UNARY &&
		     (e->op == OP_INC || e->op == OP_DEC))) ? e->kid.a : NULL;
	if (lhs && (lhs->kind == E_IDENT || lhs->kind == E_INDEX))
		note_var(fx, lhs, true);
}

static void writes_cb(Stmt *st, void *arg)
{
	Effects *fx = arg;
	Expr *target = st->kind == S_DELETE ? st->expr : NULL;
	if (target && (target->kind == E_IDENT || target->kind == E_INDEX))
		note_var(fx, target, true);
	for (uint32_t i = 0; st->kind == S_FOREACH && i < st->n; i++)
		note_var(fx, st->fe.keys[i], true);
}

static void walk_func(Effects *fx, Func *f)
{
	for (uint32_t i = 0; i < fx->seen.n; i++)
		if (fx->seen.v[i] == f)
			return;
	vec_push(&fx->seen, f);
	if (!f->embedded)
		each_stmt(f->decl->func.body, writes_cb, effects_cb, fx);
}

static void effects(Elab *e)
{
	for (uint32_t i = 0; i < e->all_probes.n; i++) {
		Effects fx = { .probe = e->all_probes.v[i] };
		each_expr(fx.probe->cond, effects_cb, &fx);
		each_stmt(fx.probe->body, writes_cb, effects_cb, &fx);
		vec_free(&fx.seen);
	}
}

/* ---------------------------------------------------- condition reads */

/*
 * A condition reads the globals it names (resolve.c records those) and
 * those read by the functions it calls, transitively: a write to any of
 * them may change its value.  A global a function only assigns with `=`
 * is not read; embedded C is opaque and adds nothing.
 */
static int cmp_vars(const void *a, const void *b);

typedef struct CondReads {
	Probe *probe;
	PtrVec seen;		/* Func* already walked */
	PtrVec stores;		/* Expr*: targets of plain `=`, not reads */
} CondReads;

static void cond_func(CondReads *cr, Func *f);

static bool is_store(const CondReads *cr, const Expr *e)
{
	for (uint32_t i = 0; i < cr->stores.n; i++)
		if (cr->stores.v[i] == e)
			return true;
	return false;
}

static void cond_var(CondReads *cr, const Expr *e)
{
	Var *v = e->sym.ref;
	if (v && v->kind == V_GLOBAL && !is_store(cr, e))
		add_unique(&cr->probe->cond_reads, v);
}

static void cond_cb(Expr *e, void *arg)
{
	CondReads *cr = arg;
	if (e->kind == E_ASSIGN && e->op == OP_ASSIGN)
		vec_push(&cr->stores, e->kid.a);
	if (e->kind == E_IDENT || e->kind == E_INDEX)
		cond_var(cr, e);
	else if (e->kind == E_IN)
		cond_var(cr, e->in.array);
	else if (e->kind == E_CALL && e->sym.ref)
		cond_func(cr, e->sym.ref);
}

static void cond_func(CondReads *cr, Func *f)
{
	for (uint32_t i = 0; i < cr->seen.n; i++)
		if (cr->seen.v[i] == f)
			return;
	vec_push(&cr->seen, f);
	if (!f->embedded)
		each_stmt(f->decl->func.body, NULL, cond_cb, cr);
}

static void cond_reads(Elab *e)
{
	for (uint32_t i = 0; i < e->all_probes.n; i++) {
		CondReads cr = { .probe = e->all_probes.v[i] };
		each_expr(cr.probe->cond, cond_cb, &cr);
		PtrVec *r = &cr.probe->cond_reads;
		if (r->n)
			qsort(r->v, r->n, sizeof *r->v, cmp_vars);
		vec_free(&cr.seen);
		vec_free(&cr.stores);
	}
}

/* ------------------------------------------------------------ program */

static int cmp_vars(const void *a, const void *b)
{
	const Var *x = *(Var *const *)a, *y = *(Var *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->file > y->file) - (x->file < y->file);
}

static int cmp_funcs(const void *a, const void *b)
{
	const Func *x = *(Func *const *)a, *y = *(Func *const *)b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	c = (x->nparams > y->nparams) - (x->nparams < y->nparams);
	return c ? c : (x->file > y->file) - (x->file < y->file);
}

static void assemble(Elab *e)
{
	Program *p = e->prog;
	bool all = e->s->keep_unused;
	for (uint32_t i = 0; i < e->globals.n; i++) {
		Var *v = e->globals.v[i];
		if (v->used || all)
			vec_push(&p->globals, v);
		else {
			vec_free(&v->readers);
			vec_free(&v->writers);
		}
	}
	for (uint32_t i = 0; i < e->funcs.n; i++) {
		Func *f = e->funcs.v[i];
		if (f->used)
			vec_push(&p->funcs, f);
		else
			vec_free(&f->locals);
	}
	if (p->globals.n)
		qsort(p->globals.v, p->globals.n, sizeof *p->globals.v, cmp_vars);
	if (p->funcs.n)
		qsort(p->funcs.v, p->funcs.n, sizeof *p->funcs.v, cmp_funcs);
	for (uint32_t i = 0; i < e->all_probes.n; i++) {
		Probe *pr = e->all_probes.v[i];
		pr->index = i;
		vec_push(&p->probes, pr);
		for (uint32_t j = 0; j < pr->points.n; j++) {
			DerivedProbe *d = pr->points.v[j];
			d->index = p->derived.n;
			vec_push(&p->derived, d);
		}
	}
}

void check_program(Elab *e)
{
	rewrite_entries(e);
	warnings(e);
	effects(e);
	cond_reads(e);
	assemble(e);
}
