/*
 * emit_data.c - arrays and statistics: their storage, element access,
 * `in`, `delete`, `<<<`, the @-extractors, histogram printing and
 * foreach.
 *
 * An array global `a` becomes `static struct sonde_map g_a` (runtime/
 * map.h) and a scalar statistic `s` a `struct sonde_stat g_s` (stat.h),
 * set up in the script's alloc hook and freed in its release hook
 * (Emitter.data_init, data_free).  A statistic's histogram is a property
 * of its declaration in the runtime, so the emitter finds the one
 * @hist_linear or @hist_log the program applies to each statistics
 * global; two different ones on the same global are reported.
 *
 * Keys are passed as a compound literal of union sonde_key in key
 * order, `.n` for longs and `.s` for strings.  Slices (`*` in a key
 * position) go through runtime/gen_map.h with a mask of the wild
 * positions.  Every operation runs under the global's lock, taken by
 * the probe (emit_global.c): element writes, deletes, extractors,
 * iteration of statistics and `in` on statistics write; the rest reads.
 *
 * Errors: inserting into a full array and extracting @min/@max/@avg/
 * @variance from an empty aggregate raise runtime errors; expr_can_fail
 * knows which expressions can, and statements check c->aborted after
 * them.
 */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

static void put(Emitter *em, const char *s)
{
	sb_puts(em->out, s);
}

static const Var *var_of(const Expr *e)
{
	if (e && (e->kind == E_IDENT || e->kind == E_INDEX))
		return e->sym.ref;
	return NULL;
}

/* ------------------------------------------------------- histograms */

/* A constant argument of @hist_linear: a number, maybe negated. */
static bool constant(const Expr *e, int64_t *out)
{
	if (e->kind == E_NUM) {
		*out = e->num;
		return true;
	}
	if (e->kind == E_UNARY && e->op == OP_NEG && e->kid.a->kind == E_NUM) {
		*out = -e->kid.a->num;
		return true;
	}
	return false;
}

/* The histogram of one statistics global, found by a walk. */
typedef struct Hist {
	Emitter *em;
	const Var *var;
	const Expr *first;	/* the first @hist_* on var, or NULL */
	int64_t lo, hi, step;
} Hist;

static bool same_hist(Hist *h, const Expr *e, int64_t lo, int64_t hi,
		      int64_t step)
{
	if (h->first->op != e->op)
		return false;
	return e->op == AT_HIST_LOG ||
	       (h->lo == lo && h->hi == hi && h->step == step);
}

static void hist_use(Hist *h, const Expr *e)
{
	int64_t lo = 0, hi = 0, step = 0;
	if (e->op == AT_HIST_LINEAR) {
		if (!constant(e->at.args[1], &lo) || !constant(e->at.args[2], &hi) ||
		    !constant(e->at.args[3], &step)) {
			emit_unsupported(h->em, e->loc, "@hist_linear needs constant "
					 "bounds and step");
			return;
		}
		if (step <= 0 || hi <= lo || (hi - lo) / step > 100000) {
			emit_unsupported(h->em, e->loc, "@hist_linear: bad bounds or "
					 "step (lo < hi, 0 < step, at most 100000 buckets)");
			return;
		}
	}
	if (!h->first) {
		*h = (Hist){ h->em, h->var, e, lo, hi, step };
		return;
	}
	if (!same_hist(h, e, lo, hi, step))
		emit_unsupported(h->em, e->loc, "statistic '%s' used with two "
				 "different histograms cannot be translated yet",
				 h->var->name);
}

static void scan_stmt(Hist *h, const Stmt *st);

static void scan_expr(Hist *h, const Expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case E_INDEX: case E_CALL:
		for (uint32_t i = 0; i < e->n; i++)
			scan_expr(h, e->sym.args[i]);
		break;
	case E_AT:
		if ((e->op == AT_HIST_LINEAR || e->op == AT_HIST_LOG) &&
		    var_of(e->at.args[0]) == h->var)
			hist_use(h, e);
		for (uint32_t i = 0; i < e->n; i++)
			scan_expr(h, e->at.args[i]);
		break;
	case E_IN:
		for (uint32_t i = 0; i < e->n; i++)
			scan_expr(h, e->in.keys[i]);
		break;
	case E_UNARY: case E_POST: case E_BINARY: case E_ASSIGN: case E_TERNARY:
		scan_expr(h, e->kid.a);
		if (e->kind != E_UNARY && e->kind != E_POST)
			scan_expr(h, e->kid.b);
		if (e->kind == E_TERNARY)
			scan_expr(h, e->kid.c);
		break;
	default: break;
	}
}

static void scan_stmt(Hist *h, const Stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (uint32_t i = 0; i < st->n; i++)
			scan_stmt(h, st->block.v[i]);
		break;
	case S_EXPR: case S_RETURN: case S_DELETE: scan_expr(h, st->expr); break;
	case S_IF:
		scan_expr(h, st->cond.e);
		scan_stmt(h, st->cond.then);
		scan_stmt(h, st->cond.els);
		break;
	case S_WHILE: case S_FOR:
		scan_expr(h, st->loop.init);
		scan_expr(h, st->loop.cond);
		scan_expr(h, st->loop.incr);
		scan_stmt(h, st->loop.body);
		break;
	case S_FOREACH:
		scan_expr(h, st->fe.limit);
		scan_stmt(h, st->fe.body);
		break;
	case S_TRY:
		scan_stmt(h, st->try_.body);
		scan_stmt(h, st->try_.handler);
		break;
	default: break;
	}
}

/* The SONDE_HIST_* initializer of statistics global v. */
static char *hist_init(Emitter *em, const Var *v)
{
	Hist h = { .em = em, .var = v };
	for (uint32_t i = 0; i < em->prog->probes.n; i++) {
		const Probe *p = em->prog->probes.v[i];
		scan_stmt(&h, p->body);
		scan_expr(&h, p->cond);
	}
	for (uint32_t i = 0; i < em->prog->funcs.n; i++) {
		const Func *f = em->prog->funcs.v[i];
		if (!f->embedded)
			scan_stmt(&h, f->decl->func.body);
	}
	if (!h.first)
		return xstrdup("SONDE_HIST_NO");
	if (h.first->op == AT_HIST_LOG)
		return xstrdup("SONDE_HIST_LOGARITHMIC");
	return xasprintf("SONDE_HIST_LIN(%lldLL, %lldLL, %lldLL)", (long long)h.lo,
			 (long long)h.hi, (long long)h.step);
}

/* ------------------------------------------------------------ storage */

static const char *stype(int t)
{
	return t == T_STRING ? "SONDE_T_STR" : t == T_STATS ? "SONDE_T_STAT"
							     : "SONDE_T_LONG";
}

static void map_global(Emitter *em, const Var *v)
{
	StrBuf kt = {0};
	for (int i = 0; i < v->nkeys; i++)
		sb_printf(&kt, "%s%s", i ? ", " : "", stype(v->keys[i]));
	emit_line(em, "static struct sonde_map g_%s = {", v->name);
	emit_line(em, "\t.name = \"%s\",", v->name);
	emit_line(em, "\t.nkeys = %d,", v->nkeys);
	emit_line(em, "\t.ktype = { %s },", kt.data);
	emit_line(em, "\t.vtype = %s,", stype(v->type));
	if (v->size > 0)
		emit_line(em, "\t.max_entries = %lld,", (long long)v->size);
	else
		emit_line(em, "\t.max_entries = MAXMAPENTRIES,");
	if (v->wrap)
		emit_line(em, "\t.wrap = true,");
	if (v->type == T_STATS) {
		char *h = hist_init(em, v);
		emit_line(em, "\t.hist = %s,", h);
		free(h);
	}
	emit_line(em, "};");
	sb_free(&kt);
	sb_printf(&em->data_init, "\tret = sonde_map_init(&g_%s);\n"
		  "\tif (ret)\n\t\treturn ret;\n", v->name);
	sb_printf(&em->data_free, "\tsonde_map_free(&g_%s);\n", v->name);
}

static void stat_global(Emitter *em, const Var *v)
{
	char *h = hist_init(em, v);
	emit_line(em, "static struct sonde_stat g_%s = { .hist = %s };", v->name, h);
	free(h);
	sb_printf(&em->data_init, "\tret = sonde_stat_init(&g_%s);\n"
		  "\tif (ret)\n\t\treturn ret;\n", v->name);
	sb_printf(&em->data_free, "\tsonde_stat_free(&g_%s);\n", v->name);
}

void emit_data_global(Emitter *em, const Var *v)
{
	if (v->nkeys > ELAB_MAX_KEYS) {
		emit_unsupported(em, v->loc, "array '%s' has more than %d keys",
				 v->name, ELAB_MAX_KEYS);
		return;
	}
	if (v->nkeys)
		map_global(em, v);
	else
		stat_global(em, v);
}

/* -------------------------------------------------------------- keys */

/*
 * "(union sonde_key[]){ { .n = X }, { .s = Y } }" for the keys of v;
 * `*` positions read 0 and set their bit in *wild (NULL: none allowed).
 */
static void keys(Emitter *em, const Var *v, Expr *const *args, uint32_t n,
		 unsigned *wild, Loc loc)
{
	if (wild)
		*wild = 0;
	if (n != v->nkeys) {
		emit_unsupported(em, loc, "'%s' has %d keys, not %u", v->name,
				 v->nkeys, n);
		return;
	}
	put(em, "(union sonde_key[]){ ");
	for (uint32_t i = 0; i < n; i++) {
		bool str = v->keys[i] == T_STRING;
		sb_printf(em->out, "%s{ .%c = ", i ? ", " : "", str ? 's' : 'n');
		if (args[i]->kind == E_WILD) {
			if (!wild)
				emit_unsupported(em, args[i]->loc, "'*' is only allowed "
						 "in delete, in and foreach");
			else
				*wild |= 1u << i;
			put(em, str ? "\"\"" : "0");
		} else {
			emit_expr(em, args[i]);
		}
		put(em, " }");
	}
	put(em, " }");
}

static bool has_wild(Expr *const *args, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (args[i]->kind == E_WILD)
			return true;
	return false;
}

/* "&g_a, KEYS" of an element expression (no wildcards). */
static void element(Emitter *em, const Expr *e)
{
	const Var *v = e->sym.ref;
	sb_printf(em->out, "&g_%s, ", v->name);
	keys(em, v, e->sym.args, e->n, NULL, e->loc);
}

/* --------------------------------------------------------- reads */

void emit_index(Emitter *em, const Expr *e)
{
	const Var *v = e->sym.ref;
	if (!v || !v->nkeys || v->type == T_STATS) {
		emit_unsupported(em, e->loc, "this use of '%s' cannot be translated",
				 e->sym.name);
		put(em, "0");
		return;
	}
	put(em, v->type == T_STRING ? "sonde_map_get_str(" : "sonde_map_get_long(");
	element(em, e);
	put(em, ")");
}

void emit_in(Emitter *em, const Expr *e)
{
	const Var *v = var_of(e->in.array);
	if (!v || e->in.array->kind != E_IDENT) {
		emit_unsupported(em, e->loc, "this 'in' cannot be translated yet");
		put(em, "0");
		return;
	}
	bool slice = has_wild(e->in.keys, e->n);
	unsigned wild = 0;
	StrBuf k = {0};
	StrBuf *save = em->out;
	em->out = &k;
	keys(em, v, e->in.keys, e->n, &wild, e->loc);
	em->out = save;
	if (slice)
		sb_printf(em->out, "gen_slice_exists(&g_%s, %s, 0x%xu)", v->name,
			  k.data ? k.data : "", wild);
	else
		sb_printf(em->out, "sonde_map_exists(&g_%s, %s)", v->name,
			  k.data ? k.data : "");
	sb_free(&k);
}

/* The aggregate data of a statistics operand: scalar or element. */
static void stat_data(Emitter *em, const Expr *e)
{
	const Var *v = var_of(e);
	if (!v || v->type != T_STATS) {
		emit_unsupported(em, e->loc, "not a statistic");
		put(em, "NULL");
		return;
	}
	if (e->kind == E_IDENT) {
		sb_printf(em->out, "sonde_stat_get(&g_%s)", v->name);
		return;
	}
	if (has_wild(e->sym.args, e->n)) {
		emit_unsupported(em, e->loc, "'*' in a statistic operand");
		put(em, "NULL");
		return;
	}
	put(em, "sonde_map_stat_get(");
	element(em, e);
	put(em, ")");
}

static const char *stat_op(int at)
{
	switch (at) {
	case AT_SUM: return "SONDE_STAT_SUM";
	case AT_MIN: return "SONDE_STAT_MIN";
	case AT_MAX: return "SONDE_STAT_MAX";
	case AT_AVG: return "SONDE_STAT_AVG";
	case AT_VARIANCE: return "SONDE_STAT_VARIANCE";
	default: return "SONDE_STAT_COUNT";
	}
}

bool emit_is_hist(const Expr *e)
{
	return e->kind == E_AT && (e->op == AT_HIST_LINEAR || e->op == AT_HIST_LOG);
}

void emit_stat_at(Emitter *em, const Expr *e)
{
	if (emit_is_hist(e)) {
		emit_unsupported(em, e->loc, "a histogram can only be printed "
				 "(print or println with it alone)");
		put(em, "0");
		return;
	}
	if (e->op < AT_COUNT || e->op > AT_VARIANCE) {
		emit_unsupported(em, e->loc, "%s cannot be translated yet",
				 ast_at_str((AtOp)e->op));
		put(em, "0");
		return;
	}
	if (e->op == AT_VARIANCE && e->n > 1) {
		emit_unsupported(em, e->loc, "@variance with a bit shift cannot be "
				 "translated yet");
		put(em, "0");
		return;
	}
	put(em, "sonde_stat_op(c, ");
	stat_data(em, e->at.args[0]);
	sb_printf(em->out, ", %s)", stat_op(e->op));
}

void emit_hist_print(Emitter *em, const Expr *h, bool newline)
{
	const Var *v = var_of(h->at.args[0]);
	if (newline)
		put(em, "(");
	sb_printf(em->out, "sonde_hist_print(c, &g_%s.hist, ", v ? v->name : "?");
	stat_data(em, h->at.args[0]);
	put(em, ")");
	if (newline)
		put(em, ", sonde_print(c, \"\\n\"))");
}

/* --------------------------------------------------------- writes */

static const char *update_op(int op)
{
	switch (op) {
	case OP_ADD_ASSIGN: return "GEN_ADD";
	case OP_SUB_ASSIGN: return "GEN_SUB";
	case OP_MUL_ASSIGN: return "GEN_MUL";
	case OP_DIV_ASSIGN: return "GEN_DIV";
	case OP_MOD_ASSIGN: return "GEN_MOD";
	case OP_SHL_ASSIGN: return "GEN_SHL";
	case OP_SHR_ASSIGN: return "GEN_SHR";
	case OP_AND_ASSIGN: return "GEN_AND";
	case OP_XOR_ASSIGN: return "GEN_XOR";
	case OP_OR_ASSIGN: return "GEN_OR";
	default: return NULL;
	}
}

static void aggregate_add(Emitter *em, const Expr *e)
{
	const Expr *t = e->kid.a;
	const Var *v = var_of(t);
	if (t->kind == E_IDENT) {
		sb_printf(em->out, "sonde_stat_add(&g_%s, ", v->name);
	} else {
		put(em, "sonde_map_stat_add(c, ");
		element(em, t);
		put(em, ", ");
	}
	emit_expr(em, e->kid.b);
	put(em, ")");
}

static void element_assign(Emitter *em, const Expr *e)
{
	const Expr *t = e->kid.a;
	const Var *v = t->sym.ref;
	if (v->type == T_STRING) {
		if (e->op == OP_ASSIGN) {
			put(em, "gen_map_set_str(c, ");
		} else if (e->op == OP_CONCAT_ASSIGN) {
			put(em, "gen_map_strapp(c, ");
		} else {
			emit_unsupported(em, e->loc, "operator '%s' on strings",
					 ast_op_str(e->op));
			return;
		}
		element(em, t);
		if (e->op == OP_CONCAT_ASSIGN)
			sb_printf(em->out, ", %s", emit_temp(em, T_STRING));
	} else if (e->op == OP_ASSIGN) {
		put(em, "gen_map_set_long(c, ");
		element(em, t);
	} else {
		put(em, "gen_map_update(c, ");
		element(em, t);
		sb_printf(em->out, ", %s", update_op(e->op));
	}
	put(em, ", ");
	emit_expr(em, e->kid.b);
	put(em, ")");
}

bool emit_data_assign(Emitter *em, const Expr *e)
{
	const Expr *t = e->kid.a;
	const Var *v = var_of(t);
	if (!v || (!v->nkeys && v->type != T_STATS))
		return false;
	if (e->op == OP_AGG_ASSIGN)
		aggregate_add(em, e);
	else if (t->kind == E_INDEX && v->type != T_STATS &&
		 (e->op == OP_ASSIGN || e->op == OP_CONCAT_ASSIGN ||
		  update_op(e->op)))
		element_assign(em, e);
	else
		emit_unsupported(em, e->loc, "this assignment to '%s' cannot be "
				 "translated", v->name);
	return true;
}

bool emit_data_incdec(Emitter *em, const Expr *e)
{
	const Expr *t = e->kid.a;
	if (t->kind != E_INDEX)
		return false;
	bool post = e->kind == E_POST, inc = e->op == OP_INC;
	put(em, "gen_map_update(c, ");
	element(em, t);
	sb_printf(em->out, ", GEN_%s%s, 0)", post ? "POST" : "PRE", inc ? "INC" : "DEC");
	return true;
}

/* --------------------------------------------------------- statements */

bool emit_data_delete(Emitter *em, const Stmt *st)
{
	const Expr *e = st->expr;
	const Var *v = var_of(e);
	if (!v || (!v->nkeys && v->type != T_STATS))
		return false;
	if (e->kind == E_IDENT) {
		emit_line(em, v->nkeys ? "sonde_map_clear(&g_%s);" : "sonde_stat_clear(&g_%s);",
			  v->name);
		return true;
	}
	unsigned wild = 0;
	StrBuf k = {0};
	StrBuf *save = em->out;
	em->out = &k;
	keys(em, v, e->sym.args, e->n, &wild, e->loc);
	em->out = save;
	bool fails = expr_can_fail(e);
	if (fails)
		emit_line(em, "sonde_at(c, \"%s\");", emit_where(em, e->loc));
	if (wild)
		emit_line(em, "gen_slice_delete(&g_%s, %s, 0x%xu);", v->name,
			  k.data ? k.data : "", wild);
	else
		emit_line(em, "sonde_map_delete(&g_%s, %s);", v->name, k.data ? k.data : "");
	if (fails)
		emit_abort_check(em);
	sb_free(&k);
	return true;
}

/* The text of an expression evaluated into a new temporary, checked. */
static char *checked_temp(Emitter *em, const Expr *e)
{
	StrBuf b = {0};
	StrBuf *save = em->out;
	em->out = &b;
	emit_expr(em, e);
	em->out = save;
	char *t = emit_temp(em, T_LONG);
	if (expr_can_fail(e))
		emit_line(em, "sonde_at(c, \"%s\");", emit_where(em, e->loc));
	emit_line(em, "%s = %s;", t, b.data);
	if (expr_can_fail(e))
		emit_abort_check(em);
	sb_free(&b);
	return t;
}

/* The sonde_map_iter arguments after the map: by, desc, op. */
static void sort_args(Emitter *em, const Stmt *st, StrBuf *o)
{
	(void)em;
	if (!st->sort_dir)
		sb_puts(o, "SONDE_SORT_NONE, false");
	else if (!st->sort_col)
		sb_printf(o, "SONDE_SORT_VALUE, %s", st->sort_dir < 0 ? "true" : "false");
	else
		sb_printf(o, "%u, %s", st->sort_col, st->sort_dir < 0 ? "true" : "false");
	sb_printf(o, ", %s", stat_op(st->sort_agg ? st->sort_agg : AT_COUNT));
}

/* Loop variables from the current entry of iterator `it`. */
static void fe_vars(Emitter *em, const Stmt *st, const Var *v, const char *it)
{
	for (uint32_t i = 0; i < st->n; i++) {
		StrBuf lv = {0};
		StrBuf *save = em->out;
		em->out = &lv;
		emit_var(em, st->fe.keys[i]->sym.ref);
		em->out = save;
		if (v->keys[i] == T_STRING)
			emit_line(em, "sonde_strlcpy(%s, sonde_iter_key_str(&%s, %u));",
				  lv.data, it, i);
		else
			emit_line(em, "%s = sonde_iter_key_long(&%s, %u);", lv.data, it, i);
		sb_free(&lv);
	}
	if (!st->fe.value)
		return;
	StrBuf lv = {0};
	StrBuf *save = em->out;
	em->out = &lv;
	emit_var(em, st->fe.value->sym.ref);
	em->out = save;
	if (v->type == T_STRING)
		emit_line(em, "sonde_strlcpy(%s, sonde_iter_str(&%s));", lv.data, it);
	else if (v->type == T_LONG)
		emit_line(em, "%s = sonde_iter_long(&%s);", lv.data, it);
	else
		emit_unsupported(em, st->fe.value->loc, "the value of a statistics "
				 "array in foreach cannot be translated yet");
	sb_free(&lv);
}

/*
 * foreach ([k1, k2] in a[*, K]- limit N) body:
 *   { struct sonde_iter it_1; [keys of the slice] [limit]
 *     for (sonde_map_iter(&it_1, &g_a, by, desc, op, N); sonde_iter_next(&it_1);) {
 *             [if (!gen_slice_match(...)) continue; if (count++ >= N) break;]
 *             tick; k1 = ...; k2 = ...; body } }
 * A slice's limit counts the matching entries, so the runtime gets none.
 */
void emit_foreach(Emitter *em, const Stmt *st, void (*body)(Emitter *, const Stmt *))
{
	const Expr *arr = st->fe.array;
	const Var *v = var_of(arr);
	if (!v || !v->nkeys || st->n != v->nkeys) {
		emit_unsupported(em, st->loc, "this foreach cannot be translated yet");
		return;
	}
	char *it = emit_label(em, "it");
	bool slice = arr->kind == E_INDEX;
	emit_line(em, "{");
	em->indent++;
	emit_line(em, "struct sonde_iter %s;", it);
	char *limit = st->fe.limit ? checked_temp(em, st->fe.limit) : NULL;
	char *ks = NULL, *count = NULL;
	unsigned wild = 0;
	if (slice) {
		ks = xasprintf("%s_keys", it);
		StrBuf k = {0};
		StrBuf *save = em->out;
		em->out = &k;
		keys(em, v, arr->sym.args, arr->n, &wild, arr->loc);
		em->out = save;
		/* "(union sonde_key[]){ ... }" -> an array initializer */
		emit_line(em, "union sonde_key %s[%d] = %s;", ks, v->nkeys,
			  k.data ? k.data + strlen("(union sonde_key[])") : "{}");
		sb_free(&k);
		if (limit) {
			count = emit_temp(em, T_LONG);
			emit_line(em, "%s = 0;", count);
		}
	}
	StrBuf sort = {0};
	sort_args(em, st, &sort);
	emit_line(em, "for (sonde_map_iter(&%s, &g_%s, %s, %s);", it, v->name,
		  sort.data, limit && !slice ? limit : "-1");
	emit_line(em, "     sonde_iter_next(&%s);) {", it);
	sb_free(&sort);
	if (slice) {
		emit_line(em, "\tif (!gen_slice_match(&%s, %s, 0x%xu))", it, ks, wild);
		emit_line(em, "\t\tcontinue;");
		if (count) {
			emit_line(em, "\tif (%s++ >= %s)", count, limit);
			emit_line(em, "\t\tbreak;");
		}
	}
	emit_line(em, "\tif (!sonde_tick(c))");
	emit_line(em, "\t\tgoto %s;", em->body->abort);
	em->indent++;
	fe_vars(em, st, v, it);
	em->indent--;
	body(em, st->fe.body);
	emit_line(em, "}");
	em->indent--;
	emit_line(em, "}");
	if (slice)
		free(ks);
}
