/*
 * emit_global.c - script globals: their storage, locks and load-time
 * parameters, and the lock set of each probe.
 *
 * Every global becomes `g_NAME` with a reader/writer lock `g_NAME_lock`
 * (runtime/locks.h).  Scalars are module parameters of the same name, so
 * `-G NAME=VALUE` reaches them through the loader.  A probe takes the
 * locks of exactly the globals its body, its condition, the on-the-fly
 * conditions it re-evaluates after its body and the functions all these
 * call (transitively) touch: for writing where anything there
 * assigns, increments or deletes it, for reading otherwise (statistics
 * `<<<` only reads: each CPU adds into its own storage; extracting
 * statistics writes, as it aggregates).  The order is that of
 * Program.globals, the same for every probe, so probes cannot deadlock.
 */
#include "emit/emit.h"

#include <stdlib.h>
#include <string.h>

static const char *const c_keywords[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do",
	"double", "else", "enum", "extern", "float", "for", "goto", "if",
	"inline", "int", "long", "register", "restrict", "return", "short",
	"signed", "sizeof", "static", "struct", "switch", "typedef", "union",
	"unsigned", "void", "volatile", "while", "l", "c",
	/* the kernel's object-like macros a script may use as a name */
	"current", "NULL", "true", "false", NULL
};

const char *emit_cname(const char *name)
{
	for (int i = 0; c_keywords[i]; i++)
		if (!strcmp(c_keywords[i], name)) {
			static char buf[4][64];
			static int k;
			k = (k + 1) % 4;
			snprintf(buf[k], sizeof buf[k], "%s_", name);
			return buf[k];
		}
	return name;
}

void emit_var(Emitter *em, const Var *v)
{
	if (v->kind == V_GLOBAL)
		sb_printf(em->out, "g_%s", v->name);
	else
		sb_printf(em->out, "l->%s", emit_cname(v->name));
}

/* ------------------------------------------------------------ storage */

static void scalar(Emitter *em, const Var *v)
{
	if (v->type == T_STRING) {
		StrBuf init = {0};
		if (v->init && v->init->kind == E_STR)
			emit_cstring(&init, v->init->str, v->init->n);
		emit_line(em, "static char g_%s[MAXSTRINGLEN]%s%s;", v->name,
			  init.data ? " = " : "", init.data ? init.data : "");
		emit_line(em, "module_param_string(%s, g_%s, MAXSTRINGLEN, 0);",
			  v->name, v->name);
		sb_free(&init);
		return;
	}
	if (v->init && v->init->kind == E_NUM)
		emit_line(em, "static int64_t g_%s = %lldLL;", v->name,
			  (long long)v->init->num);
	else
		emit_line(em, "static int64_t g_%s;", v->name);
	/* int64_t and long are the same 64 bits on every supported target. */
	emit_line(em, "module_param_cb(%s, &param_ops_long, &g_%s, 0);",
		  v->name, v->name);
}

static void one_global(Emitter *em, const Var *v)
{
	emit_line(em, "/* global %s at %s */", v->name, emit_where(em, v->loc));
	if (v->nkeys || v->type == T_STATS)
		emit_data_global(em, v);
	else
		scalar(em, v);
	/* no probe takes the lock of a global only -u keeps */
	emit_line(em, "static struct sonde_rwlock g_%s_lock%s = SONDE_RWLOCK_INIT;",
		  v->name, v->used ? "" : " __maybe_unused");
	sb_putc(em->out, '\n');
}

void emit_globals(Emitter *em)
{
	for (uint32_t i = 0; i < em->prog->globals.n; i++)
		one_global(em, em->prog->globals.v[i]);
}

/* ---------------------------------------------------------- lock sets */

/* Per global (index in Program.globals): 0 untouched, 1 read, 2 write. */
typedef struct Access {
	const Program *prog;
	uint8_t *mode;
	PtrVec seen;		/* Func* already walked */
} Access;

/* The index of global v in Program.globals, which pass 2 sorts by name
   (then file: private globals may share a name), or -1.  A binary
   search, so that a lock set costs no more than its probe's size. */
static long global_index(const Program *prog, const Var *v)
{
	const PtrVec *g = &prog->globals;
	size_t lo = 0, hi = g->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(((const Var *)g->v[mid])->name, v->name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < g->n && !strcmp(((const Var *)g->v[i])->name,
						 v->name); i++)
		if (g->v[i] == v)
			return (long)i;
	for (size_t i = 0; i < g->n; i++)	/* not where the order says */
		if (g->v[i] == v)
			return (long)i;
	return -1;
}

static void touch(Access *a, const Var *v, int mode)
{
	if (!v || v->kind != V_GLOBAL)
		return;
	long i = global_index(a->prog, v);
	if (i >= 0 && a->mode[i] < mode)
		a->mode[i] = (uint8_t)mode;
}

static void walk_stmt(Access *a, const Stmt *st);
static void walk_expr(Access *a, const Expr *e);

static const Var *target_var(const Expr *e)
{
	if (e && (e->kind == E_IDENT || e->kind == E_INDEX))
		return e->sym.ref;
	return NULL;
}

/* Reading a statistic (an operand of @count, @hist_log, ...) aggregates it. */
static bool stats_of(const Expr *e)
{
	const Var *v = target_var(e);
	return e->type == T_STATS || (v && v->type == T_STATS);
}

static void walk_func(Access *a, const Func *f)
{
	if (!f || f->embedded)
		return;
	for (uint32_t i = 0; i < a->seen.n; i++)
		if (a->seen.v[i] == f)
			return;
	vec_push(&a->seen, (void *)f);
	walk_stmt(a, f->decl->func.body);
}

static void walk_list(Access *a, Expr *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		walk_expr(a, v[i]);
}

static void walk_assign(Access *a, const Expr *e)
{
	const Var *v = target_var(e->kid.a);
	int mode = e->op == OP_AGG_ASSIGN ? 1 : 2;
	touch(a, v, mode);
	if (e->kid.a->kind == E_INDEX)
		walk_list(a, e->kid.a->sym.args, e->kid.a->n);
	walk_expr(a, e->kid.b);
}

static void walk_expr(Access *a, const Expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case E_IDENT: touch(a, e->sym.ref, stats_of(e) ? 2 : 1); break;
	case E_INDEX:
		touch(a, e->sym.ref, stats_of(e) ? 2 : 1);
		walk_list(a, e->sym.args, e->n);
		break;
	case E_CALL:
		walk_list(a, e->sym.args, e->n);
		walk_func(a, e->sym.ref);
		break;
	case E_AT:
		walk_list(a, e->at.args, e->n);
		for (uint32_t i = 0; i < e->at.ncomps; i++)	/* [bucket] */
			if (e->at.comps[i].is_index)
				walk_expr(a, e->at.comps[i].index);
		break;
	case E_IN:
		/* statistics arrays: `in` looks into every CPU's table */
		walk_list(a, e->in.keys, e->n);
		walk_expr(a, e->in.array);
		if (target_var(e->in.array) &&
		    ((const Var *)target_var(e->in.array))->type == T_STATS)
			touch(a, target_var(e->in.array), 2);
		break;
	case E_UNARY: case E_POST:
		if (e->op == OP_INC || e->op == OP_DEC)
			touch(a, target_var(e->kid.a), 2);
		walk_expr(a, e->kid.a);
		break;
	case E_ASSIGN: walk_assign(a, e); break;
	case E_BINARY: case E_TERNARY:
		walk_expr(a, e->kid.a);
		walk_expr(a, e->kid.b);
		if (e->kind == E_TERNARY)
			walk_expr(a, e->kid.c);
		break;
	default: break;
	}
}

static void walk_stmt(Access *a, const Stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (uint32_t i = 0; i < st->n; i++)
			walk_stmt(a, st->block.v[i]);
		break;
	case S_EXPR: case S_RETURN: walk_expr(a, st->expr); break;
	case S_DELETE:
		touch(a, target_var(st->expr), 2);
		walk_expr(a, st->expr);
		break;
	case S_IF:
		walk_expr(a, st->cond.e);
		walk_stmt(a, st->cond.then);
		walk_stmt(a, st->cond.els);
		break;
	case S_WHILE: case S_FOR:
		walk_expr(a, st->loop.init);
		walk_expr(a, st->loop.cond);
		walk_expr(a, st->loop.incr);
		walk_stmt(a, st->loop.body);
		break;
	case S_FOREACH:
		/* iterating statistics aggregates them: a write */
		walk_expr(a, st->fe.array);
		if (target_var(st->fe.array) &&
		    ((const Var *)target_var(st->fe.array))->type == T_STATS)
			touch(a, target_var(st->fe.array), 2);
		walk_expr(a, st->fe.limit);
		walk_stmt(a, st->fe.body);
		break;
	case S_TRY:
		walk_stmt(a, st->try_.body);
		walk_stmt(a, st->try_.handler);
		break;
	default: break;
	}
}

/* What the on-the-fly conditions this probe re-evaluates after its body
   touch (an extraction from a statistic writes).  The same test as the
   re-evaluation's, fixed by pass 2: not the modes found so far, which
   would depend on the order of the probes. */
static void add_otf_reads(Access *a, const Probe *self)
{
	const PtrVec *pv = &a->prog->probes;
	for (uint32_t i = 0; i < pv->n; i++)
		if (emit_updates_cond(self, pv->v[i]))
			walk_expr(a, ((const Probe *)pv->v[i])->cond);
}

void emit_lock_table(Emitter *em, const Probe *p, const char *name,
		     int *nlocks)
{
	Access a = { .prog = em->prog };
	a.mode = xcalloc(em->prog->globals.n + 1, 1);
	walk_stmt(&a, p->body);
	walk_expr(&a, p->cond);
	add_otf_reads(&a, p);
	*nlocks = 0;
	for (uint32_t i = 0; i < em->prog->globals.n; i++) {
		if (!a.mode[i])
			continue;
		if (!*nlocks)
			emit_line(em, "static const struct sonde_lock_req %s[] = {", name);
		const Var *v = em->prog->globals.v[i];
		emit_line(em, "\t{ &g_%s_lock, SONDE_LOCK_%s },", v->name,
			  a.mode[i] == 2 ? "WRITE" : "READ");
		++*nlocks;
	}
	if (*nlocks)
		emit_line(em, "};\n");
	free(a.mode);
	vec_free(&a.seen);
}
