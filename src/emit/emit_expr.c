/*
 * emit_expr.c - expressions.
 *
 * Every script expression becomes one C expression: a long is an
 * int64_t value, a string a `const char *` to a NUL-terminated buffer
 * (a literal, a variable's array, or a temporary of the body for
 * results such as concatenation, sprintf and string function calls).
 * Operations that can fail take the context and return a harmless value
 * after raising the error (sonde_div: 0); the statement then unwinds
 * (emit_stmt.c).  Integer arithmetic wraps (the kernel builds with
 * -fno-strict-overflow), shifts take their count modulo 64.
 *
 * Evaluation order: C leaves the order of operands unspecified, the
 * script does not; a left operand is saved in a temporary first when the
 * right one has side effects.
 */
#include "emit/emit.h"

#include <stdlib.h>
#include <string.h>

static void put(Emitter *em, const char *s)
{
	sb_puts(em->out, s);
}

bool expr_is_builtin(const Expr *e, const char *name)
{
	return e->kind == E_CALL && !e->sym.ref && !strcmp(e->sym.name, name);
}

static bool any(Expr *const *v, uint32_t n, bool (*f)(const Expr *))
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] && f(v[i]))
			return true;
	return false;
}

bool expr_can_fail(const Expr *e)
{
	if (!e)
		return false;
	switch (e->kind) {
	case E_CALL:
		if (e->sym.ref || any(e->sym.args, e->n, expr_can_fail))
			return true;
		/* printf's %m reads memory, which can be a bad address */
		return (expr_is_builtin(e, "printf") || expr_is_builtin(e, "sprintf")) &&
		       e->n && emit_format_reads_memory(e->sym.args[0]);
	case E_BINARY:
		if (e->op == OP_DIV || e->op == OP_MOD)
			return true;
		return expr_can_fail(e->kid.a) || expr_can_fail(e->kid.b);
	case E_ASSIGN:
		/* inserting into an array can find it full */
		if (e->op == OP_DIV_ASSIGN || e->op == OP_MOD_ASSIGN ||
		    e->kid.a->kind == E_INDEX)
			return true;
		return expr_can_fail(e->kid.a) || expr_can_fail(e->kid.b);
	case E_UNARY: case E_POST:
		if ((e->op == OP_INC || e->op == OP_DEC) && e->kid.a->kind == E_INDEX)
			return true;
		return expr_can_fail(e->kid.a);
	case E_TERNARY:
		return expr_can_fail(e->kid.a) || expr_can_fail(e->kid.b) ||
		       expr_can_fail(e->kid.c);
	case E_INDEX: return any(e->sym.args, e->n, expr_can_fail);
	case E_IN: return any(e->in.keys, e->n, expr_can_fail);
	case E_AT:
		/* @count, @sum and histograms of an empty aggregate are fine */
		if (e->op == AT_COUNT || e->op == AT_SUM || e->op == AT_HIST_LINEAR ||
		    e->op == AT_HIST_LOG)
			return any(e->at.args, e->n, expr_can_fail);
		return true;
	case E_EMBEDDED: return true;
	default: return false;
	}
}

bool expr_has_effects(const Expr *e)
{
	if (!e)
		return false;
	switch (e->kind) {
	case E_CALL: case E_ASSIGN: case E_EMBEDDED: return true;
	case E_UNARY: case E_POST:
		return e->op == OP_INC || e->op == OP_DEC ||
		       expr_has_effects(e->kid.a);
	case E_BINARY:
		return expr_has_effects(e->kid.a) || expr_has_effects(e->kid.b);
	case E_TERNARY:
		return expr_has_effects(e->kid.a) || expr_has_effects(e->kid.b) ||
		       expr_has_effects(e->kid.c);
	default: return false;
	}
}

/* ------------------------------------------------------------ leaves */

static void number(Emitter *em, int64_t n)
{
	if (n == INT64_MIN)
		put(em, "INT64_MIN");
	else
		sb_printf(em->out, "%lldLL", (long long)n);
}

static void lvalue(Emitter *em, const Expr *e)
{
	const Var *v = e->kind == E_IDENT ? e->sym.ref : NULL;
	if (!v || v->nkeys || v->type == T_STATS) {
		emit_unsupported(em, e->loc, "arrays and statistics cannot be "
				 "translated yet");
		put(em, "0");
		return;
	}
	emit_var(em, v);
}

/* The C text of expression e (malloc'd), written aside from em->out. */
char *emit_expr_text(Emitter *em, const Expr *e)
{
	StrBuf b = {0};
	StrBuf *save = em->out;
	em->out = &b;
	emit_expr(em, e);
	em->out = save;
	return b.data ? b.data : xstrdup("");
}

/* ------------------------------------------------------- operand order */

static bool is_literal(const Expr *e)
{
	return e->kind == E_NUM || e->kind == E_STR || e->kind == E_WILD;
}

bool emit_in_order(Emitter *em, Expr *const *v, uint32_t n, char **texts,
		   StrBuf *pre)
{
	bool effects = false;
	for (uint32_t i = 0; i < n; i++)
		effects |= expr_has_effects(v[i]);
	for (uint32_t i = 0; i < n; i++) {
		if (v[i]->kind == E_WILD) {	/* a slice's `*`: no text */
			texts[i] = xstrdup("");
			continue;
		}
		char *text = emit_expr_text(em, v[i]);
		if (!effects || is_literal(v[i])) {
			texts[i] = text;
			continue;
		}
		char *t = emit_temp(em, v[i]->type == T_STRING ? T_STRING : T_LONG);
		if (v[i]->type == T_STRING)
			sb_printf(pre, "gen_strset(%s, %s), ", t, text);
		else
			sb_printf(pre, "%s = %s, ", t, text);
		free(text);
		texts[i] = xstrdup(t);
	}
	return effects;
}

/* ------------------------------------------------------------- calls */

/* call_f(c[, ret], a, b), with a and b evaluated in order first when
   either has side effects: (t1 = a, t2 = b, call_f(c, t1, t2)). */
static void function_call(Emitter *em, const Expr *e)
{
	const Func *f = e->sym.ref;
	char *texts[64];
	uint32_t n = e->n < 64 ? e->n : 64;
	StrBuf pre = {0};
	emit_in_order(em, e->sym.args, n, texts, &pre);
	if (pre.len)
		sb_printf(em->out, "(%s", pre.data);
	sb_printf(em->out, "call_%s(c", emit_func_name(em, f));
	if (f->type == T_STRING)
		sb_printf(em->out, ", %s", emit_temp(em, T_STRING));
	for (uint32_t i = 0; i < n; i++) {
		sb_printf(em->out, ", %s", texts[i]);
		free(texts[i]);
	}
	put(em, pre.len ? "))" : ")");
	sb_free(&pre);
}

/* print, println, printd, printdln and their s-forms. */
static void print_family(Emitter *em, const Expr *e, const char *name)
{
	bool to_string = name[0] == 's';
	const char *base = name + to_string;
	bool delimited = !strncmp(base, "printd", 6);
	bool newline = !strcmp(base + strlen(base) - 2, "ln");
	Expr *const *args = e->sym.args;
	uint32_t n = e->n;
	const char *delim = NULL;
	if (delimited) {
		if (!n || args[0]->kind != E_STR) {
			emit_unsupported(em, e->loc, "%s needs a literal delimiter", name);
			return;
		}
		delim = args[0]->str;
		args++;
		n--;
	}
	if (!to_string && !delimited && n == 1 && emit_is_hist(args[0])) {
		emit_hist_print(em, args[0], newline);
		return;
	}
	if (to_string)
		sb_printf(em->out, "gen_sprintf(%s, ", emit_temp(em, T_STRING));
	else
		put(em, "sonde_printf(c, ");
	emit_print_args(em, delim, args, n, newline);
	put(em, ")");
}

static void printf_family(Emitter *em, const Expr *e)
{
	bool to_string = e->sym.name[0] == 's';
	if (!e->n) {
		emit_unsupported(em, e->loc, "%s needs a format", e->sym.name);
		return;
	}
	const Expr *fmt = e->sym.args[0];
	if (!to_string && fmt->kind == E_STR && e->n == 1 &&
	    !memchr(fmt->str, '%', fmt->n)) {
		put(em, "sonde_print(c, ");
		emit_cstring(em->out, fmt->str, fmt->n);
		put(em, ")");
		return;
	}
	if (emit_format_has_special(fmt)) {
		emit_format_pieces(em, fmt, e->sym.args + 1, e->n - 1,
				   to_string ? emit_temp(em, T_STRING) : NULL);
		return;
	}
	if (to_string)
		sb_printf(em->out, "gen_sprintf(%s, ", emit_temp(em, T_STRING));
	else
		put(em, "sonde_printf(c, ");
	emit_format_call(em, fmt, e->sym.args + 1, e->n - 1);
	put(em, ")");
}

static void call(Emitter *em, const Expr *e)
{
	if (e->sym.ref) {
		function_call(em, e);
		return;
	}
	const char *name = e->sym.name;
	if (!strcmp(name, "printf") || !strcmp(name, "sprintf"))
		printf_family(em, e);
	else if (strstr(name, "print"))
		print_family(em, e, name);
	else
		emit_unsupported(em, e->loc, "function '%s' cannot be translated",
				 name);
}

/* ---------------------------------------------------------- operators */

static const char *c_op(Op op)
{
	switch (op) {
	case OP_OROR: return "||";
	case OP_ANDAND: return "&&";
	case OP_BITOR: return "|";
	case OP_BITXOR: return "^";
	case OP_BITAND: return "&";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_LT: return "<";
	case OP_LE: return "<=";
	case OP_GT: return ">";
	case OP_GE: return ">=";
	case OP_ADD: return "+";
	case OP_SUB: return "-";
	case OP_MUL: return "*";
	default: return NULL;
	}
}

/* `a`, or `(t = a, t)` when b has side effects that could change a. */
static void left_operand(Emitter *em, const Expr *a, const Expr *b)
{
	if (a->kind == E_NUM || a->kind == E_STR || !expr_has_effects(b) ||
	    a->type == T_STRING) {
		emit_expr(em, a);
		return;
	}
	const char *t = emit_temp(em, T_LONG);
	sb_printf(em->out, "(%s = ", t);
	emit_expr(em, a);
	sb_printf(em->out, ", %s)", t);
}

static void helper2(Emitter *em, const char *fn, bool ctx, const Expr *e)
{
	sb_printf(em->out, "%s(%s", fn, ctx ? "c, " : "");
	left_operand(em, e->kid.a, e->kid.b);
	put(em, ", ");
	emit_expr(em, e->kid.b);
	put(em, ")");
}

static void string_compare(Emitter *em, const Expr *e)
{
	put(em, "(sonde_strcmp(");
	emit_expr(em, e->kid.a);
	put(em, ", ");
	emit_expr(em, e->kid.b);
	sb_printf(em->out, ") %s 0)", c_op(e->op));
}

static void binary(Emitter *em, const Expr *e)
{
	switch (e->op) {
	case OP_DIV: helper2(em, "sonde_div", true, e); return;
	case OP_MOD: helper2(em, "sonde_mod", true, e); return;
	case OP_SHL: helper2(em, "sonde_shl", false, e); return;
	case OP_SHR: helper2(em, "sonde_shr", false, e); return;
	case OP_CONCAT:
		sb_printf(em->out, "gen_concat(%s, ", emit_temp(em, T_STRING));
		emit_expr(em, e->kid.a);
		put(em, ", ");
		emit_expr(em, e->kid.b);
		put(em, ")");
		return;
	case OP_MATCH: case OP_NOMATCH:
		emit_unsupported(em, e->loc, "regular expression matching cannot "
				 "be translated yet");
		return;
	default: break;
	}
	if (e->kid.a->type == T_STRING) {
		string_compare(em, e);
		return;
	}
	put(em, "(");
	left_operand(em, e->kid.a, e->kid.b);
	sb_printf(em->out, " %s ", c_op(e->op));
	emit_expr(em, e->kid.b);
	put(em, ")");
}

static void unary(Emitter *em, const Expr *e)
{
	static const struct { Op op; const char *pre, *post; } ops[] = {
		{ OP_NEG, "(-", ")" }, { OP_PLUS, "(", ")" },
		{ OP_NOT, "(!", ")" }, { OP_BITNOT, "(~", ")" },
		{ OP_INC, "(++", ")" }, { OP_DEC, "(--", ")" },
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (ops[i].op != e->op)
			continue;
		put(em, ops[i].pre);
		if ((e->op == OP_INC || e->op == OP_DEC) && emit_data_incdec(em, e))
			return;
		if (e->op == OP_INC || e->op == OP_DEC)
			lvalue(em, e->kid.a);
		else
			emit_expr(em, e->kid.a);
		put(em, ops[i].post);
		return;
	}
	emit_unsupported(em, e->loc, "operator '%s' cannot be translated yet",
			 ast_op_str(e->op));
}

static void postfix(Emitter *em, const Expr *e)
{
	if (emit_data_incdec(em, e))
		return;
	put(em, "(");
	lvalue(em, e->kid.a);
	put(em, e->op == OP_INC ? "++)" : "--)");
}

/* ------------------------------------------------------- assignments */

static void string_assign(Emitter *em, const Expr *e)
{
	if (e->op != OP_ASSIGN && e->op != OP_CONCAT_ASSIGN) {
		emit_unsupported(em, e->loc, "operator '%s' on strings",
				 ast_op_str(e->op));
		return;
	}
	put(em, e->op == OP_ASSIGN ? "gen_strset(" : "gen_strapp(");
	lvalue(em, e->kid.a);
	put(em, ", ");
	emit_expr(em, e->kid.b);
	put(em, ")");
}

/* x op= v through a helper: x = helper([c, ]x, v). */
static void helper_assign(Emitter *em, const Expr *e, const char *fn,
			  bool ctx)
{
	put(em, "(");
	lvalue(em, e->kid.a);
	sb_printf(em->out, " = %s(%s", fn, ctx ? "c, " : "");
	lvalue(em, e->kid.a);
	put(em, ", ");
	emit_expr(em, e->kid.b);
	put(em, "))");
}

static void assign(Emitter *em, const Expr *e)
{
	if (emit_data_assign(em, e))
		return;
	if (e->op == OP_AGG_ASSIGN) {
		emit_unsupported(em, e->loc, "statistics cannot be translated yet");
		return;
	}
	if (e->kid.a->type == T_STRING) {
		string_assign(em, e);
		return;
	}
	static const struct { Op op; const char *fn; bool ctx; } helpers[] = {
		{ OP_DIV_ASSIGN, "sonde_div_update", true },
		{ OP_MOD_ASSIGN, "sonde_mod_update", true },
		{ OP_SHL_ASSIGN, "sonde_shl", false },
		{ OP_SHR_ASSIGN, "sonde_shr", false },
	};
	for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
		if (helpers[i].op == e->op) {
			helper_assign(em, e, helpers[i].fn, helpers[i].ctx);
			return;
		}
	put(em, "(");
	lvalue(em, e->kid.a);
	sb_printf(em->out, " %s ", ast_op_str(e->op));
	emit_expr(em, e->kid.b);
	put(em, ")");
}

static void ternary(Emitter *em, const Expr *e)
{
	put(em, "(");
	emit_cond(em, e->kid.a);
	put(em, " ? ");
	emit_expr(em, e->kid.b);
	put(em, " : ");
	emit_expr(em, e->kid.c);
	put(em, ")");
}

/* ---------------------------------------------------------- dispatch */

void emit_expr(Emitter *em, const Expr *e)
{
	for (int i = 0; em->body && i < em->body->nsubst; i++)
		if (em->body->subst[i] == e) {
			put(em, em->body->subst_temp[i]);
			return;
		}
	switch (e->kind) {
	case E_NUM: number(em, e->num); break;
	case E_STR: emit_cstring(em->out, e->str, e->n); break;
	case E_IDENT: lvalue(em, e); break;
	case E_INDEX: emit_index(em, e); break;
	case E_IN: emit_in(em, e); break;
	case E_AT: emit_stat_at(em, e); break;
	case E_CALL: call(em, e); break;
	case E_UNARY: unary(em, e); break;
	case E_POST: postfix(em, e); break;
	case E_BINARY: binary(em, e); break;
	case E_ASSIGN: assign(em, e); break;
	case E_TERNARY: ternary(em, e); break;
	case E_EMBEDDED:
		sb_printf(em->out, "((int64_t)(%s))", e->str);
		break;
	default:
		emit_unsupported(em, e->loc, "this expression cannot be "
				 "translated yet");
		put(em, "0");
		break;
	}
}

void emit_cond(Emitter *em, const Expr *e)
{
	if (e->type == T_STRING) {
		put(em, "(");
		emit_expr(em, e);
		put(em, ")[0]");
		return;
	}
	emit_expr(em, e);
}
