/*
 * elab_check.c - the last step of pass 2: warnings, global effects,
 * elision, and the assembly of the Program.
 *
 * Input: a resolved, typed set of probes and functions (errors would
 * have stopped the pass earlier).  Warnings, for script code only (the
 * library is trusted): expression statements without effect, unused
 * script globals, locals written but never read.  Each global gets the
 * probes that read and write it, through the functions they call.
 * Without -u, what no probe reaches is left out of the Program.
 */
#include "elab_int.h"

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

/* ----------------------------------------------------------- warnings */

static void has_effect_cb(Expr *e, void *arg)
{
	if (e->kind == E_ASSIGN || e->kind == E_CALL || e->kind == E_POST ||
	    e->kind == E_EMBEDDED ||
	    (e->kind == E_UNARY && (e->op == OP_INC || e->op == OP_DEC)))
		*(bool *)arg = true;
}

static void no_effect_cb(Stmt *st, void *arg)
{
	Elab *e = arg;
	if (st->kind != S_EXPR || src_get(e->s, st->loc.file)->is_tapset)
		return;
	bool effect = false;
	each_expr(st->expr, has_effect_cb, &effect);
	if (!effect)
		diag_at(e->s, DIAG_WARNING, st->expr->loc, 1,
			"expression statement has no effect");
}

static void warn_locals(Elab *e, PtrVec *locals)
{
	for (uint32_t i = 0; i < locals->n; i++) {
		Var *v = locals->v[i];
		if (v->written && !v->read &&
		    !src_get(e->s, v->loc.file)->is_tapset)
			diag_at(e->s, DIAG_WARNING, v->loc, (int)strlen(v->name),
				"local variable '%s' is assigned but never read",
				v->name);
	}
}

static void warn_globals(Elab *e)
{
	for (uint32_t i = 0; i < e->globals.n; i++) {
		Var *v = e->globals.v[i];
		if (!v->used && !v->from_tapset && !e->s->keep_unused)
			diag_at(e->s, DIAG_WARNING, v->loc, (int)strlen(v->name),
				"eliding unused global '%s'", v->name);
	}
}

static void warnings(Elab *e)
{
	for (uint32_t i = 0; i < e->all_probes.n; i++) {
		Probe *p = e->all_probes.v[i];
		each_stmt(p->body, no_effect_cb, NULL, e);
		warn_locals(e, &p->locals);
	}
	for (uint32_t i = 0; i < e->funcs.n; i++) {
		Func *f = e->funcs.v[i];
		if (!f->used || f->embedded)
			continue;
		each_stmt(f->decl->func.body, no_effect_cb, NULL, e);
		warn_locals(e, &f->locals);
	}
	warn_globals(e);
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
	warnings(e);
	effects(e);
	assemble(e);
}
