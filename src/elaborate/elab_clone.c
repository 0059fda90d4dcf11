/*
 * elab_clone.c - deep copies of expressions and statements.
 *
 * Pass 2 annotates nodes (Expr.type, sym.ref), so a body that runs in
 * several contexts (an alias prologue merged into several probes, one
 * script probe derived through several aliases) gets a copy per context.
 * Copies share only immutable data: names, string bytes, embedded code.
 */
#include "elaborate/elab_int.h"

#include <string.h>

static Expr **exprs(Session *s, Expr *const *v, uint32_t n)
{
	if (!n)
		return NULL;
	Expr **out = arena_alloc(&s->arena, n * sizeof *out);
	for (uint32_t i = 0; i < n; i++)
		out[i] = clone_expr(s, v[i]);
	return out;
}

static TComp *comps(Session *s, const TComp *c, uint32_t n)
{
	if (!n)
		return NULL;
	TComp *out = arena_alloc(&s->arena, n * sizeof *out);
	memcpy(out, c, n * sizeof *out);
	for (uint32_t i = 0; i < n; i++)
		if (out[i].is_index)
			out[i].index = clone_expr(s, c[i].index);
	return out;
}

static void payload(Session *s, Expr *d, const Expr *e)
{
	switch ((ExprKind)e->kind) {
	case E_NUM: d->num = e->num; break;
	case E_STR:
	case E_EMBEDDED: d->str = e->str; break;
	case E_WILD: break;
	case E_IDENT: d->sym.name = e->sym.name; break;
	case E_INDEX:
	case E_CALL:
		d->sym.name = e->sym.name;
		d->sym.args = exprs(s, e->sym.args, e->n);
		break;
	case E_TARGET:
		d->target.name = e->target.name;
		d->target.comps = comps(s, e->target.comps, e->n);
		break;
	case E_AT:
		d->at.args = exprs(s, e->at.args, e->n);
		d->at.ncomps = e->at.ncomps;
		d->at.comps = comps(s, e->at.comps, e->at.ncomps);
		break;
	case E_DEREF:
		d->deref.base = clone_expr(s, e->deref.base);
		d->deref.comps = comps(s, e->deref.comps, e->n);
		break;
	case E_TERNARY: d->kid.c = clone_expr(s, e->kid.c); /* fall through */
	case E_BINARY:
	case E_ASSIGN: d->kid.b = clone_expr(s, e->kid.b); /* fall through */
	case E_UNARY:
	case E_POST: d->kid.a = clone_expr(s, e->kid.a); break;
	case E_IN:
		d->in.keys = exprs(s, e->in.keys, e->n);
		d->in.array = clone_expr(s, e->in.array);
		break;
	}
}

Expr *clone_expr(Session *s, const Expr *e)
{
	if (!e)
		return NULL;
	Expr *d = ast_expr(s, (ExprKind)e->kind, e->loc);
	d->op = e->op;
	d->flags = e->flags;
	d->n = e->n;
	payload(s, d, e);
	return d;
}

static Stmt **stmts(Session *s, Stmt *const *v, uint32_t n)
{
	if (!n)
		return NULL;
	Stmt **out = arena_alloc(&s->arena, n * sizeof *out);
	for (uint32_t i = 0; i < n; i++)
		out[i] = clone_stmt(s, v[i]);
	return out;
}

static void stmt_payload(Session *s, Stmt *d, const Stmt *st)
{
	switch ((StmtKind)st->kind) {
	case S_EMPTY:
	case S_BREAK:
	case S_CONTINUE:
	case S_NEXT: break;
	case S_BLOCK: d->block.v = stmts(s, st->block.v, st->n); break;
	case S_EXPR:
	case S_RETURN:
	case S_DELETE: d->expr = clone_expr(s, st->expr); break;
	case S_IF:
		d->cond.e = clone_expr(s, st->cond.e);
		d->cond.then = clone_stmt(s, st->cond.then);
		d->cond.els = clone_stmt(s, st->cond.els);
		break;
	case S_WHILE:
	case S_FOR:
		d->loop.init = clone_expr(s, st->loop.init);
		d->loop.cond = clone_expr(s, st->loop.cond);
		d->loop.incr = clone_expr(s, st->loop.incr);
		d->loop.body = clone_stmt(s, st->loop.body);
		break;
	case S_FOREACH:
		d->fe.value = clone_expr(s, st->fe.value);
		d->fe.keys = exprs(s, st->fe.keys, st->n);
		d->fe.array = clone_expr(s, st->fe.array);
		d->fe.limit = clone_expr(s, st->fe.limit);
		d->fe.body = clone_stmt(s, st->fe.body);
		break;
	case S_TRY:
		d->try_.body = clone_stmt(s, st->try_.body);
		d->try_.var = clone_expr(s, st->try_.var);
		d->try_.handler = clone_stmt(s, st->try_.handler);
		break;
	}
}

Stmt *clone_stmt(Session *s, const Stmt *st)
{
	if (!st)
		return NULL;
	Stmt *d = ast_stmt(s, (StmtKind)st->kind, st->loc);
	d->sort_dir = st->sort_dir;
	d->sort_col = st->sort_col;
	d->sort_agg = st->sort_agg;
	d->n = st->n;
	stmt_payload(s, d, st);
	return d;
}
