/*
 * unparse.c - prints an AST back as canonical script text (-p1).
 *
 * The output is a function of the tree alone, so printing is
 * deterministic and re-parsing the output yields the same tree:
 * unparse(parse(unparse(parse(S)))) == unparse(parse(S)) byte for byte.
 *
 * Canonical form: 4-space indentation, K&R braces, one statement per
 * line, simple statements end in ';', a blank line between declarations
 * other than consecutive globals, one `global` per variable.  Numbers are
 * decimal (hexadecimal for values that only fit as unsigned 64-bit);
 * strings are re-escaped; embedded C is verbatim.  Parentheses appear
 * only where precedence or associativity needs them, and between prefix
 * operators that would otherwise fuse into another token (`- -x`).
 */
#include <inttypes.h>
#include <string.h>

#include "ast.h"
#include "parse.h"

/* Binding strength of each expression form; higher binds tighter. */
enum {
	P_ASSIGN = 1, P_TERNARY, P_OROR, P_ANDAND, P_IN, P_BITOR, P_BITXOR,
	P_BITAND, P_CMP, P_SHIFT, P_CONCAT, P_ADD, P_MUL, P_UNARY, P_POSTFIX,
	P_PRIMARY
};

static int binary_prec(Op op)
{
	switch (op) {
	case OP_OROR: return P_OROR;
	case OP_ANDAND: return P_ANDAND;
	case OP_BITOR: return P_BITOR;
	case OP_BITXOR: return P_BITXOR;
	case OP_BITAND: return P_BITAND;
	case OP_SHL: case OP_SHR: return P_SHIFT;
	case OP_CONCAT: return P_CONCAT;
	case OP_ADD: case OP_SUB: return P_ADD;
	case OP_MUL: case OP_DIV: case OP_MOD: return P_MUL;
	default: return P_CMP;
	}
}

static int prec(const Expr *e)
{
	switch (e->kind) {
	case E_ASSIGN: return P_ASSIGN;
	case E_TERNARY: return P_TERNARY;
	case E_IN: return P_IN;
	case E_BINARY: return binary_prec((Op)e->op);
	case E_UNARY: return P_UNARY;
	case E_POST:
	case E_DEREF: return P_POSTFIX;
	default: return P_PRIMARY;
	}
}

static void expr(const Expr *e, FILE *out);

/* Prints `e`, parenthesised if it binds less tightly than `min`. */
static void operand(const Expr *e, int min, FILE *out)
{
	bool paren = prec(e) < min;
	if (paren)
		fputc('(', out);
	expr(e, out);
	if (paren)
		fputc(')', out);
}

static void number(int64_t v, FILE *out)
{
	if (v < 0)
		fprintf(out, "0x%" PRIx64, (uint64_t)v);
	else
		fprintf(out, "%" PRId64, v);
}

/* A literal that may be negative: global initialisers, probe arguments. */
static void signed_number(int64_t v, FILE *out)
{
	if (v >= 0) {
		number(v, out);
		return;
	}
	uint64_t mag = -(uint64_t)v;
	if (mag <= INT64_MAX)
		fprintf(out, "-%" PRIu64, mag);
	else
		fprintf(out, "-0x%" PRIx64, mag);
}

static void string(const char *s, uint32_t n, FILE *out)
{
	fputc('"', out);
	for (uint32_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (c < 32 || c == 127)
				fprintf(out, "\\%03o", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

static void literal(const Expr *e, FILE *out)
{
	if (e->kind == E_STR)
		string(e->str, e->n, out);
	else
		signed_number(e->num, out);
}

static void list(Expr *const *v, uint32_t n, FILE *out)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		expr(v[i], out);
	}
}

static void comps(const TComp *c, uint32_t n, uint8_t flags, FILE *out)
{
	for (uint32_t i = 0; i < n; i++) {
		if (c[i].is_index) {
			fputc('[', out);
			expr(c[i].index, out);
			fputc(']', out);
		} else {
			fprintf(out, "->%s", c[i].name);
		}
	}
	if (flags & EF_PRETTY_DEEP)
		fputs("$$", out);
	else if (flags & EF_PRETTY)
		fputc('$', out);
}

/* First character a prefix expression prints, for the fusion check. */
static char first_char(const Expr *e)
{
	if (e->kind == E_UNARY)
		return ast_op_str((Op)e->op)[0];
	return 0;
}

static void prefix(const Expr *e, FILE *out)
{
	const char *op = ast_op_str((Op)e->op);
	char next = first_char(e->kid.a);
	char last = op[strlen(op) - 1];
	bool fuse = (next == last && strchr("-+&", last)) ||
		    (last == '!' && next == '~');
	fputs(op, out);
	if (fuse) {
		fputc('(', out);
		expr(e->kid.a, out);
		fputc(')', out);
	} else {
		operand(e->kid.a, P_UNARY, out);
	}
}

static void deref(const Expr *e, FILE *out);

static void in_expr(const Expr *e, FILE *out)
{
	if (e->n == 1 && e->in.keys[0]->kind != E_WILD) {
		operand(e->in.keys[0], P_IN, out);
	} else {
		fputc('[', out);
		list(e->in.keys, e->n, out);
		fputc(']', out);
	}
	fputs(" in ", out);
	expr(e->in.array, out);
}

static void at(const Expr *e, FILE *out)
{
	fprintf(out, "%s(", ast_at_str((AtOp)e->op));
	list(e->at.args, e->n, out);
	fputc(')', out);
	comps(e->at.comps, e->at.ncomps, e->flags, out);
}

/* A plain name followed by [i] would read back as an array element. */
static void deref(const Expr *e, FILE *out)
{
	const Expr *base = e->deref.base;
	if (base->kind == E_IDENT && e->n && e->deref.comps[0].is_index) {
		fprintf(out, "(%s)", base->sym.name);
	} else {
		operand(base, P_POSTFIX, out);
	}
	comps(e->deref.comps, e->n, e->flags, out);
}

static void expr(const Expr *e, FILE *out)
{
	switch ((ExprKind)e->kind) {
	case E_NUM: number(e->num, out); break;
	case E_STR: string(e->str, e->n, out); break;
	case E_EMBEDDED: fprintf(out, "%%{%s%%}", e->str); break;
	case E_WILD: fputc('*', out); break;
	case E_IDENT: fputs(e->sym.name, out); break;
	case E_INDEX:
	case E_CALL:
		fprintf(out, "%s%c", e->sym.name, e->kind == E_CALL ? '(' : '[');
		list(e->sym.args, e->n, out);
		fputc(e->kind == E_CALL ? ')' : ']', out);
		break;
	case E_TARGET:
		fputs(e->target.name, out);
		comps(e->target.comps, e->n, e->flags, out);
		break;
	case E_AT: at(e, out); break;
	case E_DEREF: deref(e, out); break;
	case E_UNARY: prefix(e, out); break;
	case E_POST:
		operand(e->kid.a, P_POSTFIX, out);
		fputs(ast_op_str((Op)e->op), out);
		break;
	case E_BINARY:
		operand(e->kid.a, binary_prec((Op)e->op), out);
		fprintf(out, " %s ", ast_op_str((Op)e->op));
		operand(e->kid.b, binary_prec((Op)e->op) + 1, out);
		break;
	case E_ASSIGN:
		operand(e->kid.a, P_TERNARY, out);
		fprintf(out, " %s ", ast_op_str((Op)e->op));
		expr(e->kid.b, out);
		break;
	case E_TERNARY:
		operand(e->kid.a, P_OROR, out);
		fputs(" ? ", out);
		expr(e->kid.b, out);
		fputs(" : ", out);
		operand(e->kid.c, P_TERNARY, out);
		break;
	case E_IN: in_expr(e, out); break;
	}
}

/* ------------------------------------------------------------ statements */

static void stmt(const Stmt *st, int depth, FILE *out);

static void indent(int depth, FILE *out)
{
	for (int i = 0; i < depth; i++)
		fputs("    ", out);
}

/* The statements of a block, then its closing brace (no newline). */
static void block_body(const Stmt *st, int depth, FILE *out)
{
	fputs("{\n", out);
	for (uint32_t i = 0; i < st->n; i++) {
		indent(depth + 1, out);
		stmt(st->block.v[i], depth + 1, out);
		fputc('\n', out);
	}
	indent(depth, out);
	fputc('}', out);
}

/* The body of if/while/for/foreach after its header: a block stays on
   the header's line, anything else goes on its own indented line. */
static void body(const Stmt *st, int depth, FILE *out)
{
	if (st->kind == S_BLOCK) {
		fputc(' ', out);
		block_body(st, depth, out);
		return;
	}
	fputc('\n', out);
	indent(depth + 1, out);
	stmt(st, depth + 1, out);
}

static void if_stmt(const Stmt *st, int depth, FILE *out)
{
	fputs("if (", out);
	expr(st->cond.e, out);
	fputc(')', out);
	body(st->cond.then, depth, out);
	const Stmt *els = st->cond.els;
	if (!els)
		return;
	if (st->cond.then->kind == S_BLOCK) {
		fputc(' ', out);
	} else {
		fputc('\n', out);
		indent(depth, out);
	}
	fputs("else", out);
	if (els->kind == S_IF) {
		fputc(' ', out);
		if_stmt(els, depth, out);
	} else {
		body(els, depth, out);
	}
}

/* `sep` then `e`, or just the `;` of `sep` when there is no `e`. */
static void opt_expr(const Expr *e, const char *sep, FILE *out)
{
	if (!e) {
		fputs(*sep ? ";" : "", out);
		return;
	}
	fputs(sep, out);
	expr(e, out);
}

static void sort_mark(const Stmt *st, int col, FILE *out)
{
	if (st->sort_dir && st->sort_col == col)
		fputc(st->sort_dir > 0 ? '+' : '-', out);
}

static void foreach(const Stmt *st, int depth, FILE *out)
{
	fputs("foreach (", out);
	if (st->fe.value)
		fprintf(out, "%s = ", st->fe.value->sym.name);
	fputc('[', out);
	for (uint32_t i = 0; i < st->n; i++) {
		fprintf(out, "%s%s", i ? ", " : "", st->fe.keys[i]->sym.name);
		sort_mark(st, (int)i + 1, out);
	}
	fputs("] in ", out);
	expr(st->fe.array, out);
	if (st->sort_agg)
		fprintf(out, " %s", ast_at_str((AtOp)st->sort_agg));
	sort_mark(st, 0, out);
	if (st->fe.limit) {
		fputs(" limit ", out);
		expr(st->fe.limit, out);
	}
	fputc(')', out);
	body(st->fe.body, depth, out);
}

static void try_stmt(const Stmt *st, int depth, FILE *out)
{
	fputs("try ", out);
	block_body(st->try_.body, depth, out);
	fputs(" catch ", out);
	if (st->try_.var)
		fprintf(out, "(%s) ", st->try_.var->sym.name);
	block_body(st->try_.handler, depth, out);
}

static void stmt(const Stmt *st, int depth, FILE *out)
{
	switch ((StmtKind)st->kind) {
	case S_EMPTY: fputc(';', out); break;
	case S_BLOCK: block_body(st, depth, out); break;
	case S_EXPR: expr(st->expr, out); fputc(';', out); break;
	case S_IF: if_stmt(st, depth, out); break;
	case S_WHILE:
		fputs("while (", out);
		expr(st->loop.cond, out);
		fputc(')', out);
		body(st->loop.body, depth, out);
		break;
	case S_FOR:
		fputs("for (", out);
		opt_expr(st->loop.init, "", out);
		opt_expr(st->loop.cond, "; ", out);
		opt_expr(st->loop.incr, "; ", out);
		fputc(')', out);
		body(st->loop.body, depth, out);
		break;
	case S_FOREACH: foreach(st, depth, out); break;
	case S_BREAK: fputs("break;", out); break;
	case S_CONTINUE: fputs("continue;", out); break;
	case S_NEXT: fputs("next;", out); break;
	case S_RETURN:
		fputs(st->expr ? "return " : "return", out);
		if (st->expr)
			expr(st->expr, out);
		fputc(';', out);
		break;
	case S_DELETE:
		fputs("delete ", out);
		expr(st->expr, out);
		fputc(';', out);
		break;
	case S_TRY: try_stmt(st, depth, out); break;
	}
}

/* ---------------------------------------------------------- declarations */

static const char *type_name(uint8_t type)
{
	return type == TY_LONG ? ":long" : type == TY_STRING ? ":string" : "";
}

static void global(const Decl *d, FILE *out)
{
	fprintf(out, "%sglobal %s", d->flags & DF_PRIVATE ? "private " : "",
		d->global.name);
	if (d->flags & DF_WRAP)
		fputc('%', out);
	if (d->flags & DF_ARRAY)
		fprintf(out, "[%" PRId64 "]", d->global.size);
	if (d->global.init) {
		fputs(" = ", out);
		literal(d->global.init, out);
	}
	fputc('\n', out);
}

static void function(const Decl *d, FILE *out)
{
	fprintf(out, "%sfunction %s%s(", d->flags & DF_PRIVATE ? "private " : "",
		d->func.name, type_name(d->type));
	for (uint32_t i = 0; i < d->n; i++)
		fprintf(out, "%s%s%s", i ? ", " : "", d->func.params[i].name,
			type_name(d->func.params[i].type));
	fputc(')', out);
	if (d->func.priority)
		fprintf(out, ":%" PRId64, d->func.priority);
	if (d->flags & DF_EMBEDDED) {
		fprintf(out, " %%{%s%%}\n", d->func.code);
		return;
	}
	fputc(' ', out);
	block_body(d->func.body, 0, out);
	fputc('\n', out);
}

static void point(const ProbePoint *pp, FILE *out)
{
	for (uint32_t i = 0; i < pp->n; i++) {
		fprintf(out, "%s%s", i ? "." : "", pp->comps[i].name);
		if (pp->comps[i].arg) {
			fputc('(', out);
			literal(pp->comps[i].arg, out);
			fputc(')', out);
		}
	}
	if (pp->flags & PP_OPTIONAL)
		fputc('?', out);
	if (pp->flags & PP_SUFFICIENT)
		fputc('!', out);
	if (pp->cond) {
		fputs(" if (", out);
		expr(pp->cond, out);
		fputc(')', out);
	}
}

static void probe(const Decl *d, FILE *out)
{
	fputs("probe ", out);
	if (d->kind == D_ALIAS) {
		point(d->probe.alias, out);
		fputs(d->flags & DF_EPILOGUE ? " += " : " = ", out);
	}
	for (uint32_t i = 0; i < d->n; i++) {
		if (i)
			fputs(", ", out);
		point(d->probe.points[i], out);
	}
	fputc(' ', out);
	block_body(d->probe.body, 0, out);
	if (d->kind == D_ALIAS && d->probe.epilogue) {
		fputs(", ", out);
		block_body(d->probe.epilogue, 0, out);
	}
	fputc('\n', out);
}

static void decl(const Decl *d, FILE *out)
{
	switch ((DeclKind)d->kind) {
	case D_GLOBAL: global(d, out); break;
	case D_FUNCTION: function(d, out); break;
	case D_PROBE:
	case D_ALIAS: probe(d, out); break;
	case D_EMBEDDED: fprintf(out, "%%{%s%%}\n", d->code); break;
	}
}

void unparse_file(const AstFile *f, FILE *out)
{
	for (uint32_t i = 0; i < f->n; i++) {
		const Decl *d = f->decls[i];
		bool both_globals = i > 0 && d->kind == D_GLOBAL &&
				    f->decls[i - 1]->kind == D_GLOBAL;
		if (i > 0 && !both_globals)
			fputc('\n', out);
		decl(d, out);
	}
}
