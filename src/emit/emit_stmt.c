/*
 * emit_stmt.c - statements.
 *
 * Work accounting: a block charges its statements at entry with one
 * sonde_tick_n() and every loop iteration charges one unit; running out
 * unwinds.  Errors: after a statement that can raise one (expr_can_fail)
 * the code tests c->aborted and jumps to the body's current unwind
 * label: the function's `out`, or the catch clause of the innermost try.
 * Statements that can fail first name their location with sonde_at(), so
 * the message reads "division by 0 near FILE:LINE:COL".
 *
 * try/catch uses no longjmp: the try body unwinds to its catch label;
 * leaving a try block by break, continue, next or return closes it with
 * sonde_try_leave() on the way.
 */
#include "emit/emit.h"

#include <stdlib.h>
#include <string.h>

void emit_abort_check(Emitter *em)
{
	emit_line(em, "if (unlikely(c->aborted))");
	emit_line(em, "\tgoto %s;", em->body->abort);
}

static void locate(Emitter *em, const Expr *e)
{
	if (expr_can_fail(e))
		emit_line(em, "sonde_at(c, \"%s\");", emit_where(em, e->loc));
}

/* "(x = y)" as a statement reads better as "x = y". */
static const char *strip_parens(char *s)
{
	size_t n = strlen(s);
	if (n < 2 || s[0] != '(' || s[n - 1] != ')')
		return s;
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
		if (depth == 0 && i < n - 1)
			return s;	/* "(a) + (b)": not one group */
	}
	s[n - 1] = 0;
	return s + 1;
}

/* Evaluates e into a new temporary, followed by the error check when e
   can fail; returns the temporary's name. */
char *emit_checked_temp(Emitter *em, const Expr *e)
{
	char *text = emit_expr_text(em, e);
	char *t = emit_temp(em, e->type == T_STRING ? T_STRING : T_LONG);
	locate(em, e);
	if (e->type == T_STRING)
		emit_line(em, "sonde_strlcpy(%s, %s);", t, text);
	else
		emit_line(em, "%s = %s;", t, text);
	if (expr_can_fail(e))
		emit_abort_check(em);
	free(text);
	return t;
}

/* Operand `a` of the statement being emitted, evaluated first into a
   temporary and checked; the statement then reads it from there
   (Body.subst). */
static void hoist(Emitter *em, const Expr *a)
{
	Body *b = em->body;
	if (b->nsubst == 16 || a->type == T_VOID || a->kind == E_WILD)
		return;
	b->subst[b->nsubst] = a;
	b->subst_temp[b->nsubst] = emit_checked_temp(em, a);
	b->nsubst++;
}

/*
 * Operands of a statement that can fail are evaluated first, each
 * followed by the error check, so that printf("%d", 1 / 0) prints
 * nothing, a function is not called with a failed argument, and
 * a[k] = 1 / 0 or a[1 / 0] = v stores nothing, as the error ends the
 * statement before its effect.  An assignment's keys are all taken
 * first, in order, so their side effects keep coming before the value's.
 */
static void hoist_operands(Emitter *em, const Expr *e)
{
	if (e->kind == E_CALL) {
		for (uint32_t i = 0; i < e->n; i++)
			if (expr_can_fail(e->sym.args[i]))
				hoist(em, e->sym.args[i]);
		return;
	}
	if (e->kind != E_ASSIGN)
		return;
	const Expr *target = e->kid.a;
	bool keys_fail = target->kind == E_INDEX && expr_can_fail(target);
	bool value_fails = expr_can_fail(e->kid.b);
	if (!keys_fail && !value_fails)
		return;
	for (uint32_t i = 0; target->kind == E_INDEX && i < target->n; i++) {
		const Expr *k = target->sym.args[i];
		if (k->kind != E_NUM && k->kind != E_STR)
			hoist(em, k);
	}
	if (value_fails)
		hoist(em, e->kid.b);
}

/* Whether the C of e, as a statement, does something by itself; the
   value of one that does not (`1 + 2`, kept by the script's author
   despite pass 2's warning) is cast to void, or -Werror's
   unused-value stops the build. */
static bool acts_by_itself(const Expr *e)
{
	return e->kind == E_ASSIGN || e->kind == E_CALL || e->kind == E_POST ||
	       (e->kind == E_UNARY && (e->op == OP_INC || e->op == OP_DEC));
}

static void expr_stmt(Emitter *em, const Expr *e)
{
	int nsubst = em->body->nsubst;
	hoist_operands(em, e);
	locate(em, e);
	StrBuf line = {0};
	StrBuf *save = em->out;
	em->out = &line;
	emit_expr(em, e);
	em->out = save;
	if (acts_by_itself(e))
		emit_line(em, "%s;", strip_parens(line.data));
	else
		emit_line(em, "(void)(%s);", strip_parens(line.data));
	sb_free(&line);
	if (expr_can_fail(e))
		emit_abort_check(em);
	em->body->nsubst = nsubst;
}

/*
 * The C text of a condition.  One that can fail is evaluated first into
 * a temporary, so the error is caught before a branch is taken.
 */
static char *cond_text(Emitter *em, const Expr *e)
{
	StrBuf b = {0};
	StrBuf *save = em->out;
	em->out = &b;
	emit_cond(em, e);
	em->out = save;
	if (!expr_can_fail(e))
		return b.data;
	char *t = emit_temp(em, T_LONG);
	locate(em, e);
	emit_line(em, "%s = %s;", t, b.data);
	emit_abort_check(em);
	sb_free(&b);
	return xstrdup(t);
}

static void block(Emitter *em, const Stmt *st)
{
	if (st->n)
	{
		emit_line(em, "if (!sonde_tick_n(c, %u))", st->n);
		emit_line(em, "\tgoto %s;", em->body->abort);
	}
	for (uint32_t i = 0; i < st->n; i++)
		emit_stmt(em, st->block.v[i]);
}

/* A nested statement inside braces at one more indentation. */
static void nested(Emitter *em, const Stmt *st)
{
	em->indent++;
	emit_stmt(em, st);
	em->indent--;
}

static void if_stmt(Emitter *em, const Stmt *st)
{
	char *cond = cond_text(em, st->cond.e);
	emit_line(em, "if (%s) {", cond);
	free(cond);
	nested(em, st->cond.then);
	if (st->cond.els) {
		emit_line(em, "} else {");
		nested(em, st->cond.els);
	}
	emit_line(em, "}");
}

static void loop_tick(Emitter *em)
{
	emit_line(em, "\tif (!sonde_tick(c))");
	emit_line(em, "\t\tgoto %s;", em->body->abort);
}

static void loop_body(Emitter *em, const Stmt *body)
{
	Body *b = em->body;
	int save = b->loop_try_depth;
	b->loop_try_depth = b->try_depth;
	nested(em, body);
	b->loop_try_depth = save;
}

/* while and for whose condition and increment cannot fail. */
static void simple_loop(Emitter *em, const Stmt *st)
{
	StrBuf c = {0}, inc = {0};
	StrBuf *save = em->out;
	em->out = &c;
	if (st->loop.cond)
		emit_cond(em, st->loop.cond);
	else
		sb_puts(&c, "1");
	em->out = &inc;
	if (st->loop.incr)
		emit_expr(em, st->loop.incr);
	em->out = save;
	if (st->kind == S_FOR)
		emit_line(em, "for (; %s; %s) {", c.data, inc.data ? inc.data : "");
	else
		emit_line(em, "while (%s) {", c.data);
	loop_tick(em);
	loop_body(em, st->loop.body);
	emit_line(em, "}");
	sb_free(&c);
	sb_free(&inc);
}

/* The general loop: condition and increment checked for errors. */
static void checked_loop(Emitter *em, const Stmt *st)
{
	emit_line(em, "for (;;) {");
	loop_tick(em);
	em->indent++;
	if (st->loop.cond) {
		char *cond = cond_text(em, st->loop.cond);
		emit_line(em, "if (!(%s))", cond);
		emit_line(em, "\tbreak;");
		free(cond);
	}
	em->indent--;
	if (st->loop.incr) {
		/* continue must reach the increment: wrap the body once */
		emit_line(em, "\tdo {");
		em->indent++;
		loop_body(em, st->loop.body);
		em->indent--;
		emit_line(em, "\t} while (0);");
		em->indent++;
		expr_stmt(em, st->loop.incr);
		em->indent--;
	} else {
		loop_body(em, st->loop.body);
	}
	emit_line(em, "}");
}

static void loop(Emitter *em, const Stmt *st)
{
	if (st->loop.init)
		expr_stmt(em, st->loop.init);
	bool fails = (st->loop.cond && expr_can_fail(st->loop.cond)) ||
		     (st->loop.incr && expr_can_fail(st->loop.incr));
	if (fails)
		checked_loop(em, st);
	else
		simple_loop(em, st);
}

static void leave_tries(Emitter *em, int down_to)
{
	for (int i = em->body->try_depth; i > down_to; i--)
		emit_line(em, "sonde_try_leave(c);");
}

static void jump(Emitter *em, const Stmt *st)
{
	Body *b = em->body;
	if (st->kind == S_NEXT) {
		leave_tries(em, 0);
		emit_line(em, "goto out;");
		return;
	}
	if (b->loop_try_depth < 0) {
		emit_unsupported(em, st->loc, "break or continue outside a loop");
		return;
	}
	leave_tries(em, b->loop_try_depth);
	emit_line(em, st->kind == S_BREAK ? "break;" : "continue;");
}

static void return_stmt(Emitter *em, const Stmt *st)
{
	const Func *f = em->body->func;
	if (st->expr && f) {
		StrBuf v = {0};
		StrBuf *save = em->out;
		em->out = &v;
		emit_expr(em, st->expr);
		em->out = save;
		locate(em, st->expr);
		if (f->type == T_STRING)
			emit_line(em, "sonde_strlcpy(l->ret, %s);", v.data);
		else
			emit_line(em, "l->ret = %s;", v.data);
		sb_free(&v);
		if (expr_can_fail(st->expr))
			emit_abort_check(em);
	}
	leave_tries(em, 0);
	emit_line(em, "goto out;");
}

static void delete_stmt(Emitter *em, const Stmt *st)
{
	const Expr *e = st->expr;
	if (emit_data_delete(em, st))
		return;
	const Var *v = e->kind == E_IDENT ? e->sym.ref : NULL;
	if (!v || v->nkeys || v->type == T_STATS) {
		emit_unsupported(em, st->loc, "delete of arrays and statistics "
				 "cannot be translated yet");
		return;
	}
	StrBuf lv = {0};
	StrBuf *save = em->out;
	em->out = &lv;
	emit_var(em, v);
	em->out = save;
	emit_line(em, v->type == T_STRING ? "%s[0] = '\\0';" : "%s = 0;", lv.data);
	sb_free(&lv);
}

static void try_stmt(Emitter *em, const Stmt *st)
{
	Body *b = em->body;
	char *catch = emit_label(em, "catch"), *after = emit_label(em, "after");
	const char *outer = b->abort;
	emit_line(em, "sonde_try_enter(c);");
	b->abort = catch;
	b->try_depth++;
	emit_line(em, "{");
	nested(em, st->try_.body);
	emit_line(em, "}");
	b->try_depth--;
	b->abort = outer;
	emit_line(em, "sonde_try_leave(c);");
	emit_line(em, "goto %s;", after);
	emit_line(em, "%s:", catch);
	emit_line(em, "if (!sonde_catch(c))");
	emit_line(em, "\tgoto %s;", outer);
	if (st->try_.var) {
		StrBuf lv = {0};
		StrBuf *save = em->out;
		em->out = &lv;
		emit_var(em, st->try_.var->sym.ref);
		em->out = save;
		emit_line(em, "sonde_strlcpy(%s, c->errmsg);", lv.data);
		sb_free(&lv);
	}
	emit_line(em, "{");
	nested(em, st->try_.handler);
	emit_line(em, "}");
	emit_line(em, "%s: ;", after);
}

void emit_stmt(Emitter *em, const Stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_EMPTY: break;
	case S_BLOCK: block(em, st); break;
	case S_EXPR: expr_stmt(em, st->expr); break;
	case S_IF: if_stmt(em, st); break;
	case S_WHILE: case S_FOR: loop(em, st); break;
	case S_BREAK: case S_CONTINUE: case S_NEXT: jump(em, st); break;
	case S_RETURN: return_stmt(em, st); break;
	case S_DELETE: delete_stmt(em, st); break;
	case S_TRY: try_stmt(em, st); break;
	case S_FOREACH: emit_foreach(em, st, loop_body); break;
	}
}
