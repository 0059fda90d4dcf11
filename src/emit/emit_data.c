/*
 * emit_data.c - arrays and statistics: their storage, element access,
 * `in`, `delete`, `<<<`, the @-extractors, histogram printing and
 * foreach.
 *
 * An array global `a` becomes `static struct sonde_map g_a` (runtime/
 * map.h) and a scalar statistic `s` a `struct sonde_stat g_s` (stat.h),
 * set up in the script's alloc hook and freed in its release hook
 * (Emitter.data_init, data_free).  A statistic's shape (its histograms,
 * whether @variance is taken and its bit shift) is a property of its
 * declaration in the runtime, so the emitter first collects everything
 * the program applies to each statistics global (StatUse).
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
#include "emit/emit.h"

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

/* A constant argument of @hist_linear or @variance: a number, maybe
   negated. */
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

#define MAX_HISTS 4

/*
 * What the program takes of one statistics global, found by a walk of
 * every probe and function: its distinct histograms in first-use order
 * (the first is the statistic's own shape, g_NAME.hist, the others are
 * chained after it as g_NAME_hist_1, ...) and @variance with its shift.
 */
typedef struct StatUse {
	Emitter *em;
	const Var *var;
	int nhists;
	const Expr *hist[MAX_HISTS];	/* the first use of each */
	int64_t lo[MAX_HISTS], hi[MAX_HISTS], step[MAX_HISTS];
	const Expr *variance;		/* the first @variance, or NULL */
	int64_t shift;
} StatUse;

static bool same_hist(const StatUse *u, int i, const Expr *e, int64_t lo,
		      int64_t hi, int64_t step)
{
	if (u->hist[i]->op != e->op)
		return false;
	return e->op == AT_HIST_LOG ||
	       (u->lo[i] == lo && u->hi[i] == hi && u->step[i] == step);
}

static bool linear_params(StatUse *u, const Expr *e, int64_t *lo,
			  int64_t *hi, int64_t *step)
{
	if (!constant(e->at.args[1], lo) || !constant(e->at.args[2], hi) ||
	    !constant(e->at.args[3], step)) {
		emit_unsupported(u->em, e->loc, "@hist_linear needs constant "
				 "bounds and step");
		return false;
	}
	if (*step <= 0 || *hi <= *lo || (*hi - *lo) / *step > 100000) {
		emit_unsupported(u->em, e->loc, "@hist_linear: bad bounds or "
				 "step (lo < hi, 0 < step, at most 100000 buckets)");
		return false;
	}
	return true;
}

static void hist_use(StatUse *u, const Expr *e)
{
	int64_t lo = 0, hi = 0, step = 0;
	if (e->op == AT_HIST_LINEAR && !linear_params(u, e, &lo, &hi, &step))
		return;
	for (int i = 0; i < u->nhists; i++)
		if (same_hist(u, i, e, lo, hi, step))
			return;
	if (u->nhists == MAX_HISTS) {
		emit_unsupported(u->em, e->loc, "statistic '%s' has more than %d "
				 "different histograms", u->var->name, MAX_HISTS);
		return;
	}
	int i = u->nhists++;
	u->hist[i] = e;
	u->lo[i] = lo;
	u->hi[i] = hi;
	u->step[i] = step;
}

/* @variance(s[, shift]): one constant shift per statistic, 0 to 62. */
static void variance_use(StatUse *u, const Expr *e)
{
	int64_t shift = 0;
	if (e->n > 1 && (!constant(e->at.args[1], &shift) || shift < 0 ||
			 shift > 62)) {
		emit_unsupported(u->em, e->at.args[1]->loc, "the bit shift of "
				 "@variance must be a number from 0 to 62");
		return;
	}
	if (!u->variance) {
		u->variance = e;
		u->shift = shift;
	} else if (shift != u->shift) {
		emit_unsupported(u->em, e->loc, "statistic '%s' is used with two "
				 "@variance bit shifts, %lld and %lld", u->var->name,
				 (long long)u->shift, (long long)shift);
	}
}

/* The record of statistics global v, made empty when the program takes
   no histogram or @variance of it. */
static StatUse *use_of(Emitter *em, const Var *v)
{
	for (uint32_t i = 0; i < em->stat_uses.n; i++) {
		StatUse *u = em->stat_uses.v[i];
		if (u->var == v)
			return u;
	}
	StatUse *u = xcalloc(1, sizeof *u);
	*u = (StatUse){ .em = em, .var = v };
	vec_push(&em->stat_uses, u);
	return u;
}

static void scan_stmt(Emitter *em, const Stmt *st);

static void scan_expr(Emitter *em, const Expr *e);

static void scan_list(Emitter *em, Expr *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		scan_expr(em, v[i]);
}

static void scan_at(Emitter *em, const Expr *e)
{
	const Var *v = var_of(e->at.args[0]);
	if (v && emit_is_hist(e))
		hist_use(use_of(em, v), e);
	if (v && e->op == AT_VARIANCE)
		variance_use(use_of(em, v), e);
	scan_list(em, e->at.args, e->n);
	for (uint32_t i = 0; i < e->at.ncomps; i++)
		if (e->at.comps[i].is_index)
			scan_expr(em, e->at.comps[i].index);
}

static void scan_expr(Emitter *em, const Expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case E_INDEX: case E_CALL: scan_list(em, e->sym.args, e->n); break;
	case E_AT: scan_at(em, e); break;
	case E_IN:
		scan_list(em, e->in.keys, e->n);
		scan_expr(em, e->in.array);
		break;
	case E_UNARY: case E_POST: case E_BINARY: case E_ASSIGN: case E_TERNARY:
		scan_expr(em, e->kid.a);
		if (e->kind != E_UNARY && e->kind != E_POST)
			scan_expr(em, e->kid.b);
		if (e->kind == E_TERNARY)
			scan_expr(em, e->kid.c);
		break;
	default: break;
	}
}

static void scan_foreach(Emitter *em, const Stmt *st)
{
	/* sorting by @variance needs it collected (shift 0) */
	const Var *v = var_of(st->fe.array);
	if (st->sort_agg == AT_VARIANCE && v) {
		StatUse *u = use_of(em, v);
		if (!u->variance)
			u->variance = st->fe.array;
	}
	scan_expr(em, st->fe.array);
	scan_expr(em, st->fe.limit);
	scan_stmt(em, st->fe.body);
}

static void scan_stmt(Emitter *em, const Stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (uint32_t i = 0; i < st->n; i++)
			scan_stmt(em, st->block.v[i]);
		break;
	case S_EXPR: case S_RETURN: case S_DELETE: scan_expr(em, st->expr); break;
	case S_IF:
		scan_expr(em, st->cond.e);
		scan_stmt(em, st->cond.then);
		scan_stmt(em, st->cond.els);
		break;
	case S_WHILE: case S_FOR:
		scan_expr(em, st->loop.init);
		scan_expr(em, st->loop.cond);
		scan_expr(em, st->loop.incr);
		scan_stmt(em, st->loop.body);
		break;
	case S_FOREACH: scan_foreach(em, st); break;
	case S_TRY:
		scan_stmt(em, st->try_.body);
		scan_stmt(em, st->try_.handler);
		break;
	default: break;
	}
}

/* The uses of statistics global v.  One walk of every probe and
   function, on the first request, records the uses of all of them. */
static StatUse *stat_use(Emitter *em, const Var *v)
{
	if (!em->stats_scanned) {
		em->stats_scanned = true;
		for (uint32_t i = 0; i < em->prog->probes.n; i++) {
			const Probe *p = em->prog->probes.v[i];
			scan_stmt(em, p->body);
			scan_expr(em, p->cond);
		}
		for (uint32_t i = 0; i < em->prog->funcs.n; i++) {
			const Func *f = em->prog->funcs.v[i];
			if (!f->embedded)
				scan_stmt(em, f->decl->func.body);
		}
	}
	return use_of(em, v);
}

void emit_data_free(Emitter *em)
{
	for (uint32_t i = 0; i < em->stat_uses.n; i++)
		free(em->stat_uses.v[i]);
	vec_free(&em->stat_uses);
}

/* Which of v's histograms @hist_*(...) e is (0 when unknown). */
static int hist_index(Emitter *em, const Var *v, const Expr *e)
{
	StatUse *u = stat_use(em, v);
	int64_t lo = 0, hi = 0, step = 0;
	if (e->op == AT_HIST_LINEAR && (!constant(e->at.args[1], &lo) ||
	    !constant(e->at.args[2], &hi) || !constant(e->at.args[3], &step)))
		return 0;
	for (int i = 0; i < u->nhists; i++)
		if (same_hist(u, i, e, lo, hi, step))
			return i;
	return 0;
}

/* The C lvalue of the shape of v's histogram e: "g_s.hist", "g_s_hist_1". */
static void hist_shape(Emitter *em, const Var *v, const Expr *e)
{
	int i = hist_index(em, v, e);
	if (i)
		sb_printf(em->out, "g_%s_hist_%d", v->name, i);
	else
		sb_printf(em->out, "g_%s.hist", v->name);
}

static int64_t hist_buckets(const StatUse *u, int i)
{
	if (u->hist[i]->op == AT_HIST_LOG)
		return 128;	/* SONDE_LOG_BUCKETS */
	return (u->hi[i] - u->lo[i]) / u->step[i] + 3;
}

/* The initializer of histogram i of u, with designated fields: one
   spelling whatever the shape carries (variance, chaining, offset). */
static char *shape_init(const StatUse *u, int i, int64_t offset)
{
	StrBuf d = {0};
	if (i >= u->nhists)
		sb_puts(&d, "{ .kind = SONDE_HIST_NONE");
	else if (u->hist[i]->op == AT_HIST_LOG)
		sb_puts(&d, "{ .kind = SONDE_HIST_LOG, .buckets = SONDE_LOG_BUCKETS");
	else
		sb_printf(&d, "{ .kind = SONDE_HIST_LINEAR, .lo = %lldLL, .hi = %lldLL, "
			  ".step = %lldLL, .buckets = %lld", (long long)u->lo[i],
			  (long long)u->hi[i], (long long)u->step[i],
			  (long long)hist_buckets(u, i));
	if (i == 0 && u->variance)
		sb_printf(&d, ", .variance = true, .shift = %lld", (long long)u->shift);
	if (offset)
		sb_printf(&d, ", .offset = %lld", (long long)offset);
	if (i + 1 < u->nhists)
		sb_printf(&d, ", .next = &g_%s_hist_%d", u->var->name, i + 1);
	sb_puts(&d, " }");
	return d.data;
}

/*
 * The SONDE_HIST_* initializer of statistics global v; the shapes of its
 * further histograms are written first, as static consts chained from it.
 */
static char *hist_init(Emitter *em, const Var *v)
{
	StatUse *u = stat_use(em, v);
	int64_t offset = 0;
	for (int i = 0; i + 1 < u->nhists; i++)
		offset += hist_buckets(u, i);
	for (int i = u->nhists - 1; i > 0; i--) {
		char *init = shape_init(u, i, offset);
		emit_line(em, "static const struct sonde_hist g_%s_hist_%d = %s;",
			  v->name, i, init);
		free(init);
		offset -= hist_buckets(u, i - 1);
	}
	return shape_init(u, 0, 0);
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
	emit_need_runtime(em, "data");
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

/* The compound literal "(union sonde_key[]){ { .n = X }, { .s = Y } }"
   of v's keys from their texts; `*` positions read 0 and set their bit
   in *wild (NULL: none allowed). */
static void key_literal(Emitter *em, const Var *v, Expr *const *args,
			char **texts, uint32_t n, unsigned *wild)
{
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
			put(em, texts[i]);
		}
		put(em, " }");
	}
	put(em, " }");
}

static bool key_count_ok(Emitter *em, const Var *v, uint32_t n, Loc loc)
{
	if (n == v->nkeys)
		return true;
	emit_unsupported(em, loc, "'%s' has %d keys, not %u", v->name, v->nkeys, n);
	return false;
}

/* The keys of v as one expression: the compound literal, preceded by
   the keys' evaluation into temporaries, left to right, when one of
   them has side effects (emit_in_order). */
static void keys(Emitter *em, const Var *v, Expr *const *args, uint32_t n,
		 unsigned *wild, Loc loc)
{
	if (wild)
		*wild = 0;
	if (!key_count_ok(em, v, n, loc))
		return;
	char *texts[ELAB_MAX_KEYS];
	StrBuf pre = {0};
	emit_in_order(em, args, n, texts, &pre);
	if (pre.len)
		sb_printf(em->out, "(%s", pre.data);
	key_literal(em, v, args, texts, n, wild);
	if (pre.len)
		put(em, ")");
	for (uint32_t i = 0; i < n; i++)
		free(texts[i]);
	sb_free(&pre);
}

/*
 * A write to element t: "fn(c, &g_a, KEYS<mid>, VALUE)".  The keys are
 * evaluated before the value, as the language requires: when any of
 * them has side effects, each goes into a temporary, in order, and the
 * call follows, "(t1 = k, t2 = v, fn(c, &g_a, {t1}, t2))" (C leaves the
 * order of a call's arguments open).
 */
static void element_write(Emitter *em, const char *fn, const Expr *t,
			  const char *mid, const Expr *value)
{
	const Var *v = t->sym.ref;
	uint32_t n = t->n;
	if (!key_count_ok(em, v, n, t->loc))
		return;
	Expr *all[ELAB_MAX_KEYS + 1];
	char *texts[ELAB_MAX_KEYS + 1];
	memcpy(all, t->sym.args, n * sizeof *all);
	all[n] = (Expr *)value;
	StrBuf pre = {0};
	emit_in_order(em, all, n + 1, texts, &pre);
	if (pre.len)
		sb_printf(em->out, "(%s", pre.data);
	sb_printf(em->out, "%s(c, &g_%s, ", fn, v->name);
	key_literal(em, v, t->sym.args, texts, n, NULL);
	sb_printf(em->out, "%s, %s)", mid, texts[n]);
	if (pre.len)
		put(em, ")");
	for (uint32_t i = 0; i <= n; i++)
		free(texts[i]);
	sb_free(&pre);
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
	return e->kind == E_AT && (e->op == AT_HIST_LINEAR || e->op == AT_HIST_LOG) &&
	       !e->at.ncomps;
}

/* @hist_*(s)[i]: the count in bucket i. */
static void hist_bucket(Emitter *em, const Expr *e)
{
	const Var *v = var_of(e->at.args[0]);
	put(em, "sonde_hist_bucket(&");
	if (v)
		hist_shape(em, v, e);
	put(em, ", ");
	stat_data(em, e->at.args[0]);
	put(em, ", ");
	emit_expr(em, e->at.comps[0].index);
	put(em, ")");
}

void emit_stat_at(Emitter *em, const Expr *e)
{
	if ((e->op == AT_HIST_LINEAR || e->op == AT_HIST_LOG) && e->at.ncomps == 1) {
		hist_bucket(em, e);
		return;
	}
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
	put(em, "sonde_stat_op(c, ");
	stat_data(em, e->at.args[0]);
	sb_printf(em->out, ", %s)", stat_op(e->op));
}

void emit_hist_print(Emitter *em, const Expr *h, bool newline)
{
	const Var *v = var_of(h->at.args[0]);
	if (newline)
		put(em, "(");
	put(em, "sonde_hist_print(c, &");
	if (v)
		hist_shape(em, v, h);
	put(em, ", ");
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
		emit_expr(em, e->kid.b);
		put(em, ")");
	} else {
		element_write(em, "sonde_map_stat_add", t, "", e->kid.b);
	}
}

static void element_assign(Emitter *em, const Expr *e)
{
	const Expr *t = e->kid.a;
	const Var *v = t->sym.ref;
	if (v->type == T_STRING && e->op == OP_ASSIGN) {
		element_write(em, "gen_map_set_str", t, "", e->kid.b);
	} else if (v->type == T_STRING && e->op == OP_CONCAT_ASSIGN) {
		char *mid = xasprintf(", %s", emit_temp(em, T_STRING));
		element_write(em, "gen_map_strapp", t, mid, e->kid.b);
		free(mid);
	} else if (v->type == T_STRING) {
		emit_unsupported(em, e->loc, "operator '%s' on strings",
				 ast_op_str(e->op));
	} else if (e->op == OP_ASSIGN) {
		element_write(em, "gen_map_set_long", t, "", e->kid.b);
	} else {
		char *mid = xasprintf(", %s", update_op(e->op));
		element_write(em, "gen_map_update", t, mid, e->kid.b);
		free(mid);
	}
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
	/* a statistic's value is the aggregate it sorts by, @count unless
	   another is named */
	if (v->type == T_STRING)
		emit_line(em, "sonde_strlcpy(%s, sonde_iter_str(&%s));", lv.data, it);
	else if (v->type == T_LONG)
		emit_line(em, "%s = sonde_iter_long(&%s);", lv.data, it);
	else
		emit_line(em, "%s = sonde_stat_op(c, sonde_iter_stat(&%s), %s);",
			  lv.data, it, stat_op(st->sort_agg ? st->sort_agg : AT_COUNT));
	sb_free(&lv);
}

/*
 * foreach (b- in @hist_log(s) limit N) body: every bucket number of the
 * histogram, ascending (descending with a `-` mark), empty buckets too:
 *   { for (t1 = 0; t1 < SHAPE.buckets; t1++) {
 *             tick; [if (t1 >= N) break;] b = t1 (or buckets - 1 - t1); body } }
 */
static void foreach_buckets(Emitter *em, const Stmt *st,
			    void (*body)(Emitter *, const Stmt *))
{
	const Expr *h = st->fe.array;
	const Var *v = var_of(h->at.args[0]);
	if (!v || st->n != 1) {
		emit_unsupported(em, st->loc, "this foreach cannot be translated yet");
		return;
	}
	StrBuf shape = {0}, key = {0};
	StrBuf *save = em->out;
	em->out = &shape;
	hist_shape(em, v, h);
	em->out = &key;
	emit_var(em, st->fe.keys[0]->sym.ref);
	em->out = save;
	emit_line(em, "{");
	em->indent++;
	char *limit = st->fe.limit ? emit_checked_temp(em, st->fe.limit) : NULL;
	char *i = emit_temp(em, T_LONG);
	emit_line(em, "for (%s = 0; %s < %s.buckets; %s++) {", i, i, shape.data, i);
	emit_line(em, "\tif (!sonde_tick(c))");
	emit_line(em, "\t\tgoto %s;", em->body->abort);
	if (limit) {
		emit_line(em, "\tif (%s >= %s)", i, limit);
		emit_line(em, "\t\tbreak;");
	}
	if (st->sort_dir < 0)
		emit_line(em, "\t%s = %s.buckets - 1 - %s;", key.data, shape.data, i);
	else
		emit_line(em, "\t%s = %s;", key.data, i);
	body(em, st->fe.body);
	emit_line(em, "}");
	em->indent--;
	emit_line(em, "}");
	sb_free(&shape);
	sb_free(&key);
}

/*
 * Fills the array `name` with the keys of a foreach's slice a[K1, *, K2],
 * evaluated once before the loop and after its limit, as SystemTap
 * does.  Keys with side effects go into temporaries first, one
 * statement each, in order, each checked when it can fail; so do string
 * keys that are not literals, which the body could change under the
 * loop (the array holds a pointer to the string).
 */
static void slice_keys(Emitter *em, const Var *v, const Expr *arr,
		       const char *name, unsigned *wild)
{
	*wild = 0;
	if (!key_count_ok(em, v, arr->n, arr->loc))
		return;
	bool effects = false;
	for (uint32_t i = 0; i < arr->n; i++)
		effects |= expr_has_effects(arr->sym.args[i]);
	char *texts[ELAB_MAX_KEYS];
	for (uint32_t i = 0; i < arr->n; i++) {
		const Expr *k = arr->sym.args[i];
		bool copy = effects || (k->type == T_STRING && k->kind != E_STR);
		if (copy && k->kind != E_WILD)
			texts[i] = xstrdup(emit_checked_temp(em, k));
		else
			texts[i] = k->kind == E_WILD ? xstrdup("") : emit_expr_text(em, k);
	}
	StrBuf lit = {0};
	StrBuf *save = em->out;
	em->out = &lit;
	key_literal(em, v, arr->sym.args, texts, arr->n, wild);
	em->out = save;
	/* parenthesized: memcpy may be a macro, and the literal has commas */
	emit_line(em, "memcpy(%s, (%s), sizeof %s);", name, lit.data, name);
	sb_free(&lit);
	for (uint32_t i = 0; i < arr->n; i++)
		free(texts[i]);
}

/*
 * foreach ([k1, k2] in a[*, K]- limit N) body:
 *   { struct sonde_iter it_1; [union sonde_key it_1_keys[2];]
 *     [limit] [the slice's keys into it_1_keys]
 *     for (sonde_map_iter(&it_1, &g_a, by, desc, op, N); sonde_iter_next(&it_1);) {
 *             [if (!gen_slice_match(...)) continue; if (count++ >= N) break;]
 *             tick; k1 = ...; k2 = ...; body } }
 * A slice's limit counts the matching entries, so the runtime gets none.
 */
void emit_foreach(Emitter *em, const Stmt *st, void (*body)(Emitter *, const Stmt *))
{
	const Expr *arr = st->fe.array;
	if (arr->kind == E_AT) {
		foreach_buckets(em, st, body);
		return;
	}
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
	char *ks = slice ? xasprintf("%s_keys", it) : NULL, *count = NULL;
	if (slice)	/* declared first: the kernel forbids mixed declarations */
		emit_line(em, "union sonde_key %s[%d];", ks, v->nkeys);
	char *limit = st->fe.limit ? emit_checked_temp(em, st->fe.limit) : NULL;
	unsigned wild = 0;
	if (slice) {
		slice_keys(em, v, arr, ks, &wild);
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
