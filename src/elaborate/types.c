/*
 * types.c - type inference to a fixed point.
 *
 * Types flow both ways: from literals, declarations, operators and
 * format strings into variables, function results and parameters, and
 * from those back into the expressions that use them.  Walks of every
 * resolved probe and function repeat until a walk settles nothing new;
 * a last walk reports conflicts, each at the use that disagrees, with a
 * note at the place the other type was first inferred.  What is still
 * unknown afterwards is reported too.
 *
 *   arithmetic, bitwise, logic, comparisons of longs   long
 *   `.` and `.=`                                       string
 *   `<<<`                                              stats on the left, long on the right
 *   a[k1, k2]                                          keys typed per index
 *   f(args)                                            args to params, result from `return`
 *
 * Input: resolve.c's sym.ref bindings.  Output: Expr.type everywhere,
 * Var.type/keys, Func.type (T_VOID for functions returning nothing).
 */
#include "elaborate/elab_int.h"

#include <string.h>

typedef struct T {
	Elab *e;
	Func *func;		/* function being walked */
	bool report;		/* last walk: report conflicts */
	bool changed;
} T;

static Type type(T *t, Expr *e);

static void mismatch(T *t, Loc at, Type have, Type want, Loc first)
{
	if (!t->report)
		return;
	diag_at(t->e->s, DIAG_SEMANTIC_ERROR, at, 1,
		"type mismatch: %s vs. %s", type_name(have), type_name(want));
	if (first.line)
		diag_at(t->e->s, DIAG_NOTE, first, 1, "%s first inferred here",
			type_name(want));
}

/* Gives slot `*slot` type `want` (inferred at `at`), or reports. */
static void unify(T *t, uint8_t *slot, Loc *slot_loc, Type want, Loc at)
{
	if (want == T_UNKNOWN || *slot == want)
		return;
	if (*slot == T_UNKNOWN) {
		*slot = (uint8_t)want;
		*slot_loc = at;
		t->changed = true;
		return;
	}
	mismatch(t, at, want, (Type)*slot, *slot_loc);
}

static Var *var_of(const Expr *e)
{
	return (e->kind == E_IDENT || e->kind == E_INDEX) ? e->sym.ref : NULL;
}

static Func *func_of(const Expr *e)
{
	return e->kind == E_CALL ? e->sym.ref : NULL;
}

/*
 * Makes expression e have type want (established at want_loc): pushes
 * it into the variable or function e denotes, or reports.
 */
static void settle(T *t, Expr *e, Type want, Loc want_loc)
{
	if (want == T_UNKNOWN || !e)
		return;
	Var *v = var_of(e);
	Func *f = func_of(e);
	if (v && v->type == T_UNKNOWN) {
		unify(t, &v->type, &v->type_loc, want, e->loc);
	} else if (v && v->type != want) {
		mismatch(t, e->loc, want, (Type)v->type, v->type_loc);
	} else if (f && f->type == T_UNKNOWN && !f->embedded) {
		unify(t, &f->type, &f->type_loc, want, e->loc);
	} else if (e->kind == E_TERNARY) {
		settle(t, e->kid.b, want, want_loc);
		settle(t, e->kid.c, want, want_loc);
	} else if (e->kind == E_ASSIGN && e->op == OP_ASSIGN) {
		settle(t, e->kid.a, want, want_loc);
		settle(t, e->kid.b, want, want_loc);
	} else if (e->kind == E_AT && e->op == AT_ENTRY) {
		settle(t, e->at.args[0], want, want_loc);
	} else if (e->type != T_UNKNOWN && e->type != want) {
		mismatch(t, e->loc, (Type)e->type, want, want_loc);
		return;
	}
	if (e->type == T_UNKNOWN)
		e->type = (uint8_t)want;
}

/* Where e's type came from, for notes. */
static Loc origin(const Expr *e)
{
	Var *v = var_of(e);
	Func *f = func_of(e);
	return v ? v->type_loc : f ? f->type_loc : e->loc;
}

static Type want(T *t, Expr *e, Type w)
{
	Type have = type(t, e);
	settle(t, e, w, (Loc){0});
	return have;
}

/* ---------------------------------------------------------- variables */

static void arity(T *t, Var *v, uint32_t n, Loc at)
{
	if (!v->arity_known) {
		v->arity_known = true;
		v->nkeys = (uint8_t)n;
		v->arity_loc = at;
		t->changed = true;
		return;
	}
	if (v->nkeys == n || !t->report)
		return;
	if (!n)
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, at, (int)strlen(v->name),
			"array '%s' used as a scalar", v->name);
	else if (!v->nkeys)
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, at, (int)strlen(v->name),
			"scalar '%s' used as an array", v->name);
	else
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, at, (int)strlen(v->name),
			"array '%s' used with %u indexes, elsewhere with %u",
			v->name, n, v->nkeys);
	diag_at(t->e->s, DIAG_NOTE, v->arity_loc, 1, "first used here");
}

static void keys(T *t, Var *v, Expr **k, uint32_t n)
{
	if (n > ELAB_MAX_KEYS) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, k[0]->loc, 1,
				"arrays have at most %d indexes", ELAB_MAX_KEYS);
		return;
	}
	for (uint32_t i = 0; i < n && i < v->nkeys; i++) {
		if (k[i]->kind == E_WILD)
			continue;
		Type kt = type(t, k[i]);
		if (kt == T_UNKNOWN)
			settle(t, k[i], (Type)v->keys[i], v->key_locs[i]);
		else
			unify(t, &v->keys[i], &v->key_locs[i], kt, k[i]->loc);
	}
}

static void stats_misuse(T *t, const Expr *e, const Var *v)
{
	if (t->report)
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, e->loc,
			(int)strlen(v->name),
			"statistics aggregate '%s' used as a value; read it "
			"with @count, @sum, @min, @max or @avg", v->name);
}

static Type var_use(T *t, Expr *e, bool stats_ok)
{
	Var *v = e->sym.ref;
	if (!v)
		return T_UNKNOWN;
	if (e->kind == E_INDEX) {
		arity(t, v, e->n, e->loc);
		keys(t, v, e->sym.args, e->n);
	} else if (v->kind == V_GLOBAL) {
		arity(t, v, 0, e->loc);
	}
	if (v->type == T_STATS && !stats_ok) {
		stats_misuse(t, e, v);
		return T_LONG;
	}
	return (Type)v->type;
}

/* -------------------------------------------------------------- calls */

static bool is_format(const char *n)
{
	return !strcmp(n, "printf") || !strcmp(n, "sprintf");
}

static bool is_delimited(const char *n)
{
	return strstr(n, "printd") != NULL;
}

static void format_args(T *t, Expr *call)
{
	Expr *fmt = call->sym.args[0];
	if (fmt->kind != E_STR) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, fmt->loc, 1,
				"format string must be a string literal");
		return;
	}
	Type want_t[64];
	const char *why;
	uint32_t at;
	int n = format_types(fmt->str, fmt->n, want_t, 64, &why, &at);
	if (n < 0) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, fmt->loc, 1,
				"bad format string: %s", why);
		return;
	}
	if ((uint32_t)n != call->n - 1) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, call->loc,
				(int)strlen(call->sym.name),
				"format string wants %d argument%s, %u given", n,
				n == 1 ? "" : "s", call->n - 1);
		return;
	}
	for (int i = 0; i < n; i++)
		settle(t, call->sym.args[i + 1], want_t[i], fmt->loc);
}

/* Reports the use of e, which has no value, as a value. */
static void no_value(T *t, const Expr *e)
{
	if (!t->report)
		return;
	if (e->kind == E_AT)
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, e->loc, 1,
			"'%s' is a histogram, not a value: print it, iterate "
			"its buckets with foreach, or read one with '[i]'",
			ast_at_str((AtOp)e->op));
	else
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, e->loc, 1,
			"'%s' returns no value", e->sym.name);
}

/* A histogram alone may be printed (print, println). */
static void print_arg(T *t, Expr *a)
{
	Type ty = type(t, a);
	if (ty == T_VOID && a->kind != E_AT)
		no_value(t, a);
}

static Type builtin(T *t, Expr *e)
{
	const char *n = e->sym.name;
	uint32_t first = 0;
	if ((is_format(n) || is_delimited(n)) && e->n == 0) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, e->loc,
				(int)strlen(n), "'%s' needs at least one argument", n);
		return n[0] == 's' ? T_STRING : T_VOID;
	}
	if (is_format(n)) {
		type(t, e->sym.args[0]);
		for (uint32_t i = 1; i < e->n; i++)
			type(t, e->sym.args[i]);
		format_args(t, e);
	} else {
		if (is_delimited(n)) {
			want(t, e->sym.args[0], T_STRING);
			first = 1;
		}
		for (uint32_t i = first; i < e->n; i++)
			print_arg(t, e->sym.args[i]);
	}
	return n[0] == 's' ? T_STRING : T_VOID;
}

static Type call(T *t, Expr *e)
{
	Func *f = e->sym.ref;
	if (!f)
		return builtin(t, e);
	for (uint32_t i = 0; i < e->n; i++) {
		Var *p = f->params[i];
		Type at = type(t, e->sym.args[i]);
		if (at == T_UNKNOWN)
			settle(t, e->sym.args[i], (Type)p->type, p->type_loc);
		else if (p->type != T_UNKNOWN && at != p->type)
			mismatch(t, e->sym.args[i]->loc, at, (Type)p->type,
				 p->type_loc);
		else
			unify(t, &p->type, &p->type_loc, at, e->sym.args[i]->loc);
	}
	if (f->type == T_UNKNOWN && (f->embedded || !f->has_return_value))
		return T_VOID;
	return (Type)f->type;
}

/* -------------------------------------------------------- expressions */

static Type stats_arg(T *t, Expr *a)
{
	Var *v = var_of(a);
	if (!v)
		return T_UNKNOWN;
	if (v->type != T_STATS && v->type != T_UNKNOWN) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, a->loc,
				(int)strlen(v->name),
				"'%s' is not a statistics aggregate", v->name);
		return T_UNKNOWN;
	}
	unify(t, &v->type, &v->type_loc, T_STATS, a->loc);
	return var_use(t, a, true);
}

/* @hist_*(...)[i] is the count of bucket i; the histogram itself has
   no value (only print and foreach take it). */
static Type histogram(T *t, Expr *e)
{
	stats_arg(t, e->at.args[0]);
	for (uint32_t i = 1; i < e->n; i++)
		want(t, e->at.args[i], T_LONG);
	if (!e->at.ncomps)
		return T_VOID;
	if (e->at.ncomps > 1 || !e->at.comps[0].is_index) {
		if (t->report)
			diag_at(t->e->s, DIAG_SEMANTIC_ERROR, e->at.comps[0].loc, 1,
				"a histogram takes one bucket index, as in "
				"'%s(...)[i]'", ast_at_str((AtOp)e->op));
		return T_LONG;
	}
	want(t, e->at.comps[0].index, T_LONG);
	return T_LONG;
}

static Type at(T *t, Expr *e)
{
	switch ((AtOp)e->op) {
	case AT_ENTRY: return type(t, e->at.args[0]);
	case AT_HIST_LINEAR:
	case AT_HIST_LOG: return histogram(t, e);
	case AT_COUNT: case AT_SUM: case AT_MIN: case AT_MAX: case AT_AVG:
	case AT_VARIANCE:
		stats_arg(t, e->at.args[0]);
		for (uint32_t i = 1; i < e->n; i++)
			want(t, e->at.args[i], T_LONG);
		return T_LONG;
	default: return T_LONG;
	}
}

static bool is_compare(Op op)
{
	return op >= OP_EQ && op <= OP_GE;
}

static Type binary(T *t, Expr *e)
{
	Op op = (Op)e->op;
	if (op == OP_CONCAT) {
		want(t, e->kid.a, T_STRING);
		want(t, e->kid.b, T_STRING);
		return T_STRING;
	}
	if (op == OP_MATCH || op == OP_NOMATCH) {
		want(t, e->kid.a, T_STRING);
		want(t, e->kid.b, T_STRING);
		return T_LONG;
	}
	if (is_compare(op)) {
		Type a = type(t, e->kid.a), b = type(t, e->kid.b);
		if (a != T_UNKNOWN)
			settle(t, e->kid.b, a, origin(e->kid.a));
		else
			settle(t, e->kid.a, b, origin(e->kid.b));
		return T_LONG;
	}
	want(t, e->kid.a, T_LONG);
	want(t, e->kid.b, T_LONG);
	return T_LONG;
}

static Type assign(T *t, Expr *e)
{
	Op op = (Op)e->op;
	if (op == OP_AGG_ASSIGN) {
		stats_arg(t, e->kid.a);
		want(t, e->kid.b, T_LONG);
		return T_LONG;
	}
	if (op == OP_CONCAT_ASSIGN || op != OP_ASSIGN) {
		Type w = op == OP_CONCAT_ASSIGN ? T_STRING : T_LONG;
		want(t, e->kid.b, w);
		want(t, e->kid.a, w);
		return w;
	}
	Type r = type(t, e->kid.b), l = type(t, e->kid.a);
	if (r == T_VOID) {
		no_value(t, e->kid.b);
		return T_UNKNOWN;
	}
	if (r != T_UNKNOWN)
		settle(t, e->kid.a, r, origin(e->kid.b));
	else
		settle(t, e->kid.b, l, origin(e->kid.a));
	return r != T_UNKNOWN ? r : l;
}

static Type ternary(T *t, Expr *e)
{
	want(t, e->kid.a, T_LONG);
	Type b = type(t, e->kid.b), c = type(t, e->kid.c);
	if (b != T_UNKNOWN)
		settle(t, e->kid.c, b, origin(e->kid.b));
	else
		settle(t, e->kid.b, c, origin(e->kid.c));
	return b != T_UNKNOWN ? b : c;
}

static Type in_expr(T *t, Expr *e)
{
	Expr *arr = e->in.array;
	Var *v = arr->sym.ref;
	if (v) {
		arity(t, v, e->n, arr->loc);
		keys(t, v, e->in.keys, e->n);
	}
	return T_LONG;
}

static Type compute(T *t, Expr *e)
{
	switch ((ExprKind)e->kind) {
	case E_NUM: return T_LONG;
	case E_STR: return T_STRING;
	case E_EMBEDDED: return T_LONG;
	case E_WILD: return T_UNKNOWN;
	case E_IDENT:
	case E_INDEX: return var_use(t, e, false);
	case E_CALL: return call(t, e);
	case E_TARGET: return T_LONG;
	case E_AT: return at(t, e);
	case E_DEREF: return T_LONG;
	case E_UNARY:
	case E_POST: want(t, e->kid.a, T_LONG); return T_LONG;
	case E_BINARY:
		if (e->op == OP_OROR || e->op == OP_ANDAND) {
			want(t, e->kid.a, T_LONG);
			want(t, e->kid.b, T_LONG);
			return T_LONG;
		}
		return binary(t, e);
	case E_ASSIGN: return assign(t, e);
	case E_TERNARY: return ternary(t, e);
	case E_IN: return in_expr(t, e);
	}
	return T_UNKNOWN;
}

static Type type(T *t, Expr *e)
{
	Type ty = compute(t, e);
	if (e->type == T_UNKNOWN && ty != T_UNKNOWN)
		e->type = (uint8_t)ty;
	return ty;
}

/* --------------------------------------------------------- statements */

static void stmt(T *t, Stmt *st);

/* foreach (b in @hist_*(s)): b runs over the bucket numbers. */
static void foreach_buckets(T *t, Stmt *st)
{
	Expr *h = st->fe.array;
	type(t, h);
	if ((st->n != 1 || st->fe.value || h->at.ncomps) && t->report)
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, h->loc, 1,
			"foreach over '%s' takes one variable, the bucket "
			"number", ast_at_str((AtOp)h->op));
	for (uint32_t i = 0; i < st->n; i++)
		want(t, st->fe.keys[i], T_LONG);
	if (st->fe.limit)
		want(t, st->fe.limit, T_LONG);
	stmt(t, st->fe.body);
}

static void foreach(T *t, Stmt *st)
{
	Expr *arr = st->fe.array;
	if (arr->kind == E_AT) {
		foreach_buckets(t, st);
		return;
	}
	Var *v = arr->sym.ref;
	if (arr->kind == E_INDEX)
		type(t, arr);
	if (v && v->arity_known && v->nkeys == 0 && t->report)
		diag_at(t->e->s, DIAG_SEMANTIC_ERROR, arr->loc, 1,
			"foreach over '%s', which is not an array", v->name);
	else if (v && v->kind == V_GLOBAL) {
		arity(t, v, st->n, arr->loc);
		keys(t, v, st->fe.keys, st->n);
		if (st->fe.value && v->type != T_STATS)
			settle(t, st->fe.value, (Type)v->type, v->type_loc);
		else if (st->fe.value)
			want(t, st->fe.value, T_LONG);
	}
	if (st->fe.limit)
		want(t, st->fe.limit, T_LONG);
	stmt(t, st->fe.body);
}

static void ret(T *t, Stmt *st)
{
	if (!st->expr || !t->func)
		return;
	Func *f = t->func;
	Type r = type(t, st->expr);
	if (r == T_UNKNOWN)
		settle(t, st->expr, (Type)f->type, f->type_loc);
	else
		unify(t, &f->type, &f->type_loc, r, st->expr->loc);
}

static void opt(T *t, Expr *e)
{
	if (e)
		type(t, e);
}

static void stmt(T *t, Stmt *st)
{
	if (!st)
		return;
	switch ((StmtKind)st->kind) {
	case S_BLOCK:
		for (uint32_t i = 0; i < st->n; i++)
			stmt(t, st->block.v[i]);
		break;
	case S_EXPR: type(t, st->expr); break;
	case S_IF:
		want(t, st->cond.e, T_LONG);
		stmt(t, st->cond.then);
		stmt(t, st->cond.els);
		break;
	case S_WHILE:
	case S_FOR:
		opt(t, st->loop.init);
		if (st->loop.cond)
			want(t, st->loop.cond, T_LONG);
		opt(t, st->loop.incr);
		stmt(t, st->loop.body);
		break;
	case S_FOREACH: foreach(t, st); break;
	case S_RETURN: ret(t, st); break;
	case S_DELETE:
		if (st->expr->kind != E_IDENT)
			type(t, st->expr);
		break;
	case S_TRY:
		stmt(t, st->try_.body);
		if (st->try_.var)
			want(t, st->try_.var, T_STRING);
		stmt(t, st->try_.handler);
		break;
	default: break;
	}
}

/* ------------------------------------------------------------- driver */

static void walk(T *t)
{
	for (uint32_t i = 0; i < t->e->all_probes.n; i++) {
		Probe *p = t->e->all_probes.v[i];
		t->func = NULL;
		if (p->cond)
			want(t, p->cond, T_LONG);
		stmt(t, p->body);
	}
	for (uint32_t i = 0; i < t->e->funcs.n; i++) {
		Func *f = t->e->funcs.v[i];
		if (!f->used || f->embedded)
			continue;
		t->func = f;
		stmt(t, f->decl->func.body);
	}
}

static void unresolved(Elab *e, Var *v)
{
	bool unset = v->kind == V_LOCAL && v->read && !v->written;
	if (v->type == T_UNKNOWN)
		diag_at(e->s, DIAG_SEMANTIC_ERROR, v->loc, (int)strlen(v->name),
			"cannot infer the type of %s'%s'",
			unset ? "never-assigned local variable " : "", v->name);
	for (uint32_t i = 0; i < v->nkeys; i++)
		if (v->keys[i] == T_UNKNOWN)
			diag_at(e->s, DIAG_SEMANTIC_ERROR, v->loc,
				(int)strlen(v->name),
				"cannot infer the type of index %u of '%s'", i + 1,
				v->name);
}

static void check_vars(Elab *e, PtrVec *vars)
{
	for (uint32_t i = 0; i < vars->n; i++) {
		Var *v = vars->v[i];
		if (v->used || e->s->keep_unused)
			unresolved(e, v);
	}
}

static void check_resolved(Elab *e)
{
	check_vars(e, &e->globals);
	for (uint32_t i = 0; i < e->all_probes.n; i++)
		check_vars(e, &((Probe *)e->all_probes.v[i])->locals);
	for (uint32_t i = 0; i < e->funcs.n; i++) {
		Func *f = e->funcs.v[i];
		if (!f->used)
			continue;
		check_vars(e, &f->locals);
		for (uint32_t j = 0; j < f->nparams; j++)
			unresolved(e, f->params[j]);
		if (f->type == T_UNKNOWN && f->has_return_value)
			diag_at(e->s, DIAG_SEMANTIC_ERROR, f->loc, (int)strlen(f->name),
				"cannot infer the result type of '%s'", f->name);
		if (f->type == T_UNKNOWN && !f->has_return_value)
			f->type = T_VOID;
	}
}

void types_infer(Elab *e)
{
	T t = { .e = e };
	for (int round = 0; round < 100; round++) {
		t.changed = false;
		walk(&t);
		if (!t.changed)
			break;
	}
	int errors = e->s->nerrors;
	t.report = true;
	walk(&t);
	if (e->s->nerrors == errors)
		check_resolved(e);
}
