/*
 * resolve.c - binding names: variables, functions, and the library.
 *
 * Walks every derived probe's body and condition, and every function
 * they reach, transitively: a function is resolved when first called,
 * so what is never reached is never resolved and is dropped (elided) by
 * elab_check.c unless -u.  Library files are loaded on demand: a name
 * that the scripts and loaded files do not define is looked up in the
 * library index, and the file defining it is parsed and registered; any
 * probes it holds are derived and resolved in turn.
 *
 * Names:  local (function- or probe-wide), parameter, global (script,
 *         then library), else a new local.  Arrays and statistics must
 *         be global.  A probe condition may read globals only.
 * Checks: break/continue outside loops, next outside probes, return
 *         outside functions, arity of calls, $target writes without -g,
 *         constructs not supported yet.
 * Output: sym.ref on every name (Var* or Func*), Var.read/written,
 *         Func.used, Probe.locals/cond_reads/uses_entry, Func.locals.
 */
#include "elaborate/elab_int.h"
#include "probes/group.h"

#include <string.h>

enum { USE_READ = 1, USE_WRITE = 2, USE_ARRAY = 4, USE_STATS = 8 };

typedef struct Scope {
	Elab *e;
	Func *func;		/* the function being resolved, or NULL */
	Probe *probe;		/* the probe being resolved, or NULL */
	PtrVec *locals;
	uint16_t file;		/* for private names */
	int loops;
	bool in_cond;
	const Expr *in_entry;	/* the @entry whose operand is resolved */
} Scope;

static void expr(Scope *sc, Expr *e, int use);
static void stmt(Scope *sc, Stmt *st);
static void resolve_func(Elab *e, Func *f);

static Session *S(Scope *sc)
{
	return sc->e->s;
}

static int width(const char *name)
{
	return (int)strlen(name);
}

/* ------------------------------------------------------------- names */

static Var *find_local(Scope *sc, const char *name)
{
	for (uint32_t i = 0; i < sc->locals->n; i++) {
		Var *v = sc->locals->v[i];
		if (!strcmp(v->name, name))
			return v;
	}
	for (uint32_t i = 0; sc->func && i < sc->func->nparams; i++)
		if (!strcmp(sc->func->params[i]->name, name))
			return sc->func->params[i];
	return NULL;
}

static Var *find_global(Scope *sc, const char *name)
{
	Var *v = elab_find_global(sc->e, name, sc->file);
	if (!v && elab_load_global(sc->e, name))
		v = elab_find_global(sc->e, name, sc->file);
	return v;
}

static void note_access(Scope *sc, Var *v, int use)
{
	v->used = true;
	if (use & USE_READ)
		v->read = true;
	if (use & USE_WRITE)
		v->written = true;
	if (sc->in_cond && v->kind == V_GLOBAL) {
		for (uint32_t i = 0; i < sc->probe->cond_reads.n; i++)
			if (sc->probe->cond_reads.v[i] == v)
				return;
		vec_push(&sc->probe->cond_reads, v);
	}
}

static Var *not_global(Scope *sc, const Expr *e, int use)
{
	const char *name = e->sym.name;
	if (sc->in_cond)
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(name),
			"probe condition may only read global variables, not '%s'",
			name);
	else if (use & USE_STATS)
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(name),
			"statistics aggregate '%s' must be declared global", name);
	else
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(name),
			"array '%s' must be declared global", name);
	return NULL;
}

/* The variable a name denotes, creating a local if it is new. */
static Var *lookup(Scope *sc, Expr *e, int use)
{
	const char *name = e->sym.name;
	Var *v = find_local(sc, name);
	if (v && (use & (USE_ARRAY | USE_STATS)) && v->kind == V_LOCAL &&
	    !sc->in_cond)
		return not_global(sc, e, use);
	if (!v)
		v = find_global(sc, name);
	if (v && sc->in_cond && v->kind != V_GLOBAL)
		return not_global(sc, e, use);
	if (v)
		return v;
	if (sc->in_cond || (use & (USE_ARRAY | USE_STATS)))
		return not_global(sc, e, use);
	v = elab_new_var(sc->e, name, e->loc, V_LOCAL);
	vec_push(sc->locals, v);
	return v;
}

static void name(Scope *sc, Expr *e, int use)
{
	Var *v = lookup(sc, e, use);
	if (!v)
		return;
	if (sc->in_entry && v->kind != V_GLOBAL)
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(v->name),
			"'@entry' is evaluated at function entry, where the "
			"local '%s' has no value yet", v->name);
	e->sym.ref = v;
	note_access(sc, v, use);
}

/* ------------------------------------------------------------- calls */

static void args(Scope *sc, Expr **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		expr(sc, v[i], USE_READ);
}

static Func *pick(Func **fs, size_t n, uint32_t arity)
{
	for (size_t i = 0; i < n; i++)
		if (fs[i]->nparams == arity)
			return fs[i];
	return NULL;
}

static void wrong_arity(Scope *sc, Expr *e, Func **fs, size_t n)
{
	StrBuf b = {0};
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "%s%u", i == 0 ? "" : i + 1 == n ? " or " : ", ",
			  fs[i]->nparams);
	diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(e->sym.name),
		"function '%s' takes %s argument%s, not %u", e->sym.name,
		b.data, n == 1 && fs[0]->nparams == 1 ? "" : "s", e->n);
	diag_at(S(sc), DIAG_NOTE, fs[0]->loc, 1, "'%s' is defined here",
		e->sym.name);
	sb_free(&b);
}

static void call(Scope *sc, Expr *e)
{
	args(sc, e->sym.args, e->n);
	bool value;
	Func *fs[16];
	size_t n = elab_find_funcs(sc->e, e->sym.name, sc->file, fs, 16);
	Func *f = pick(fs, n, e->n);
	if (!f && elab_load_func(sc->e, e->sym.name)) {
		n = elab_find_funcs(sc->e, e->sym.name, sc->file, fs, 16);
		f = pick(fs, n, e->n);
	}
	if (f) {
		e->sym.ref = f;
		resolve_func(sc->e, f);
	} else if (n) {
		wrong_arity(sc, e, fs, n);
	} else if (!elab_builtin(e->sym.name, &value)) {
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(e->sym.name),
			"unknown function '%s'", e->sym.name);
	}
}

/* ------------------------------------------------------ expressions */

static bool provides(const ProbeGroup *g, const char *name)
{
	for (const char *const *v = g->context_vars; v && *v; v++)
		if (!strcmp(*v, name))
			return true;
	return false;
}

/* Whether $name is a context variable of every point's group here. */
static bool has_context_var(const Scope *sc, const Expr *e)
{
	const Probe *p = sc->probe;
	if (!p || sc->func || sc->in_cond || sc->in_entry || e->n ||
	    !p->points.n)
		return false;
	for (uint32_t i = 0; i < p->points.n; i++)
		if (!provides(((DerivedProbe *)p->points.v[i])->group, e->target.name))
			return false;
	return true;
}

/* $name as a context variable of every point's group (group.h): bound
   to the probe's string local "__name", created on first use. */
static bool context_var(Scope *sc, Expr *e, int use)
{
	if (!has_context_var(sc, e))
		return false;
	char buf[64];
	snprintf(buf, sizeof buf, "__%s", e->target.name + 1);
	Var *v = find_local(sc, buf);
	if (!v) {
		v = elab_new_var(sc->e, arena_strdup(&S(sc)->arena, buf), e->loc, V_LOCAL);
		v->type = T_STRING;
		v->type_loc = e->loc;
		/* the handler writes it first and may read it after */
		v->arity_known = v->handler_set = v->read = v->written = true;
		vec_push(sc->locals, v);
	}
	/* E_TARGET nodes are sized for target.{name,comps}: sym.args (for
	   E_INDEX and E_CALL only) is beyond them, and stays untouched. */
	e->kind = E_IDENT;
	e->flags = 0;
	e->n = 0;
	e->sym.name = v->name;
	e->sym.ref = v;
	note_access(sc, v, use);
	return true;
}

static void target(Scope *sc, Expr *e, int use)
{
	if (context_var(sc, e, use))
		return;
	const char *what = sc->probe && sc->probe->points.n
		? ((DerivedProbe *)sc->probe->points.v[0])->point : "function";
	if ((use & USE_WRITE) && !S(sc)->guru_mode)
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(e->target.name),
			"writing target variable '%s' needs guru mode (-g)",
			e->target.name);
	else
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, width(e->target.name),
			"target variable '%s' is not available in '%s' (no "
			"debug information)", e->target.name, what);
}

static bool stats_op(AtOp op)
{
	return op >= AT_COUNT && op <= AT_HIST_LOG;
}

static bool all_return(const Probe *p)
{
	for (uint32_t i = 0; i < p->points.n; i++)
		if (!((const DerivedProbe *)p->points.v[i])->is_return)
			return false;
	return p->points.n > 0;
}

/* @entry(expr): only in return probes, not nested; elab_check.c
   rewrites it once it is typed. */
static void entry(Scope *sc, Expr *e)
{
	const char *why = sc->in_entry ? "cannot be nested"
			: !all_return(sc->probe) ? "is only valid in a return probe"
			: NULL;
	if (why) {
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, 6, "'@entry' %s", why);
		return;
	}
	sc->probe->uses_entry = true;
	sc->in_entry = e;
	expr(sc, e->at.args[0], USE_READ);
	sc->in_entry = NULL;
}

/*
 * @defined(x), settled here: whether x can be resolved in this probe.
 * Without debug information a target variable is one only as a context
 * variable of the probe's points; @cast and @var need debug information;
 * any other expression is defined.
 */
static bool is_defined(const Scope *sc, const Expr *x)
{
	if (x->kind == E_TARGET)
		return has_context_var(sc, x);
	if (x->kind == E_DEREF)
		return false;
	if (x->kind == E_AT && x->op == AT_ENTRY)
		return is_defined(sc, x->at.args[0]);
	if (x->kind == E_AT)
		return x->op != AT_CAST && x->op != AT_VAR;
	return true;
}

/* 1 or 0 for a condition that is @defined(x) or !@defined(x), which
   picks one branch when the script is compiled; -1 for the others. */
static int defined_test(const Scope *sc, const Expr *c)
{
	bool negated = false;
	while (c->kind == E_UNARY && c->op == OP_NOT) {
		negated = !negated;
		c = c->kid.a;
	}
	if (c->kind != E_AT || c->op != AT_DEFINED)
		return -1;
	return is_defined(sc, c->at.args[0]) != negated;
}

static void at(Scope *sc, Expr *e)
{
	AtOp op = (AtOp)e->op;
	if (stats_op(op)) {
		expr(sc, e->at.args[0], USE_READ | USE_STATS);
		args(sc, e->at.args + 1, e->n - 1);
		for (uint32_t i = 0; i < e->at.ncomps; i++)	/* [bucket] */
			if (e->at.comps[i].is_index)
				expr(sc, e->at.comps[i].index, USE_READ);
	} else if (op == AT_ENTRY && sc->probe) {
		entry(sc, e);
	} else if (op == AT_DEFINED) {
		/* Its operand is only asked about, never evaluated. */
		Expr one = { .kind = E_NUM, .loc = e->loc,
			     .num = is_defined(sc, e->at.args[0]) };
		ast_expr_replace(e, &one);
	} else if (op == AT_PROBEWRITE) {
		expr(sc, e->at.args[0], 0);
	} else {
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc,
			width(ast_at_str(op)), "'%s' is %s", ast_at_str(op),
			op == AT_ENTRY ? "only valid in a probe"
				       : "not supported yet");
	}
}

static int kid_use(const Expr *e)
{
	if (e->kind == E_ASSIGN)
		return e->op == OP_ASSIGN ? USE_WRITE
		     : e->op == OP_AGG_ASSIGN ? USE_WRITE | USE_STATS
		     : USE_READ | USE_WRITE;
	if (e->op == OP_INC || e->op == OP_DEC)
		return USE_READ | USE_WRITE;
	return USE_READ;
}

static void index_expr(Scope *sc, Expr *e, int use)
{
	for (uint32_t i = 0; i < e->n; i++)
		if (e->sym.args[i]->kind != E_WILD)
			expr(sc, e->sym.args[i], USE_READ);
	name(sc, e, use | USE_ARRAY);
}

static void in_expr(Scope *sc, Expr *e)
{
	for (uint32_t i = 0; i < e->n; i++)
		if (e->in.keys[i]->kind != E_WILD)
			expr(sc, e->in.keys[i], USE_READ);
	expr(sc, e->in.array, USE_READ | USE_ARRAY);
}

static void expr(Scope *sc, Expr *e, int use)
{
	if (!use)
		use = USE_READ;
	switch ((ExprKind)e->kind) {
	case E_NUM:
	case E_STR:
	case E_WILD: break;
	case E_EMBEDDED:
		if (!S(sc)->guru_mode && !src_get(S(sc), e->loc.file)->is_tapset)
			diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, 2,
				"embedded C code needs guru mode (-g)");
		break;
	case E_IDENT: name(sc, e, use); break;
	case E_INDEX: index_expr(sc, e, use); break;
	case E_CALL: call(sc, e); break;
	case E_TARGET: target(sc, e, use); break;
	case E_AT: at(sc, e); break;
	case E_DEREF:
		diag_at(S(sc), DIAG_SEMANTIC_ERROR, e->loc, 2,
			"member access on an expression is not supported yet");
		break;
	case E_TERNARY:
		if (defined_test(sc, e->kid.a) >= 0) {
			/* only the branch taken is resolved: the other may
			   use what is not defined */
			ast_expr_replace(e, defined_test(sc, e->kid.a)
						    ? e->kid.b : e->kid.c);
			expr(sc, e, use);
			break;
		}
		expr(sc, e->kid.a, USE_READ);
		expr(sc, e->kid.b, USE_READ);
		expr(sc, e->kid.c, USE_READ);
		break;
	case E_BINARY:
		expr(sc, e->kid.a, USE_READ);
		expr(sc, e->kid.b, USE_READ);
		break;
	case E_UNARY: expr(sc, e->kid.a, kid_use(e)); break;
	case E_POST: expr(sc, e->kid.a, kid_use(e)); break;
	case E_ASSIGN:
		expr(sc, e->kid.b, USE_READ);
		expr(sc, e->kid.a, kid_use(e));
		break;
	case E_IN: in_expr(sc, e); break;
	}
}

/* ------------------------------------------------------- statements */

static void misplaced(Scope *sc, const Stmt *st, const char *what,
		      const char *where)
{
	diag_at(S(sc), DIAG_SEMANTIC_ERROR, st->loc, width(what),
		"'%s' outside %s", what, where);
}

static void foreach(Scope *sc, Stmt *st)
{
	Expr *arr = st->fe.array;
	if (arr->kind == E_INDEX)
		index_expr(sc, arr, USE_READ);
	else
		expr(sc, arr, USE_READ | USE_ARRAY);
	for (uint32_t i = 0; i < st->n; i++)
		expr(sc, st->fe.keys[i], USE_WRITE);
	if (st->fe.value)
		expr(sc, st->fe.value, USE_WRITE);
	if (st->fe.limit)
		expr(sc, st->fe.limit, USE_READ);
	sc->loops++;
	stmt(sc, st->fe.body);
	sc->loops--;
}

static void loop(Scope *sc, Stmt *st)
{
	if (st->loop.init)
		expr(sc, st->loop.init, USE_READ);
	if (st->loop.cond)
		expr(sc, st->loop.cond, USE_READ);
	if (st->loop.incr)
		expr(sc, st->loop.incr, USE_READ);
	sc->loops++;
	stmt(sc, st->loop.body);
	sc->loops--;
}

static void ret(Scope *sc, Stmt *st)
{
	if (!sc->func) {
		misplaced(sc, st, "return", "a function");
		return;
	}
	if (st->expr) {
		expr(sc, st->expr, USE_READ);
		sc->func->has_return_value = true;
	}
}

/* if (@defined(x)) ...: the statement becomes a block of the branch
   taken, which alone is resolved (an S_IF node has room for a block). */
static void if_defined(Scope *sc, Stmt *st)
{
	Stmt *taken = defined_test(sc, st->cond.e) ? st->cond.then
						   : st->cond.els;
	Stmt **v = arena_alloc(&S(sc)->arena, sizeof *v);
	v[0] = taken;
	st->kind = S_BLOCK;
	st->n = taken ? 1 : 0;
	st->block.v = v;
	stmt(sc, st);
}

static void stmt(Scope *sc, Stmt *st)
{
	if (!st)
		return;
	switch ((StmtKind)st->kind) {
	case S_EMPTY: break;
	case S_BLOCK:
		for (uint32_t i = 0; i < st->n; i++)
			stmt(sc, st->block.v[i]);
		break;
	case S_EXPR: expr(sc, st->expr, USE_READ); break;
	case S_IF:
		if (defined_test(sc, st->cond.e) >= 0) {
			if_defined(sc, st);
			break;
		}
		expr(sc, st->cond.e, USE_READ);
		stmt(sc, st->cond.then);
		stmt(sc, st->cond.els);
		break;
	case S_WHILE:
	case S_FOR: loop(sc, st); break;
	case S_FOREACH: foreach(sc, st); break;
	case S_BREAK:
		if (!sc->loops)
			misplaced(sc, st, "break", "a loop");
		break;
	case S_CONTINUE:
		if (!sc->loops)
			misplaced(sc, st, "continue", "a loop");
		break;
	case S_NEXT:
		if (!sc->probe)
			misplaced(sc, st, "next", "a probe");
		break;
	case S_RETURN: ret(sc, st); break;
	case S_DELETE: expr(sc, st->expr, USE_WRITE); break;
	case S_TRY:
		stmt(sc, st->try_.body);
		if (st->try_.var)
			expr(sc, st->try_.var, USE_WRITE);
		stmt(sc, st->try_.handler);
		break;
	}
}

/* ------------------------------------------------- functions, probes */

static void resolve_func(Elab *e, Func *f)
{
	if (f->used)
		return;
	f->used = true;
	if (f->embedded) {
		if (!e->s->guru_mode && !f->from_tapset)
			diag_at(e->s, DIAG_SEMANTIC_ERROR, f->loc, (int)strlen(f->name),
				"embedded C code needs guru mode (-g)");
		return;
	}
	Scope sc = { .e = e, .func = f, .locals = &f->locals, .file = f->file };
	stmt(&sc, f->decl->func.body);
}

static void resolve_probe(Elab *e, Probe *p)
{
	Scope sc = { .e = e, .probe = p, .locals = &p->locals,
		     .file = p->decl->loc.file };
	if (p->cond) {
		sc.in_cond = true;
		expr(&sc, p->cond, USE_READ);
		sc.in_cond = false;
	}
	stmt(&sc, p->body);
}

/* Derives pending probes (the scripts', then those of library files
   loaded on the way) and resolves them, until nothing is left. */
void resolve_program(Elab *e)
{
	uint32_t done = 0;
	while (e->pending.n || done < e->all_probes.n) {
		PtrVec pending = e->pending;
		e->pending = (PtrVec){0};
		probes_derive(e, (const Decl *const *)pending.v, pending.n);
		vec_free(&pending);
		for (; done < e->all_probes.n; done++)
			resolve_probe(e, e->all_probes.v[done]);
	}
	if (e->s->keep_unused)
		for (uint32_t i = 0; i < e->funcs.n; i++)
			resolve_func(e, e->funcs.v[i]);
}
