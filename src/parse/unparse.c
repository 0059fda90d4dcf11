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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse/ast.h"
#include "parse/parse.h"

/*
 * Output goes through a buffer of our own, flushed with one fwrite per
 * OUT_CHUNK bytes: the printer emits many short pieces, and stdio's
 * per-call locking and format parsing would dominate the pass.
 */
enum { OUT_CHUNK = 1 << 16 };

/* An operator's spelling, padded so that it can be copied whole. */
typedef struct Piece {
	char text[8];
	uint8_t len;
} Piece;

typedef struct Out {
	FILE *f;
	size_t len;
	Piece op[OP_COUNT_];	/* ast_op_str(op) */
	Piece infix[OP_COUNT_];	/* " op " */
	char buf[OUT_CHUNK + 128];	/* room for one number or piece */
} Out;

static void out_write(Out *o, const char *s, size_t n)
{
	fwrite(s, 1, n, o->f);
}

__attribute__((noinline)) static void flush(Out *o)
{
	out_write(o, o->buf, o->len);
	o->len = 0;
}

/* The put_ functions are inline: most pieces are a few bytes, and a
   call per piece would cost more than the copy. */
static inline void put_n(Out *o, const char *s, size_t n)
{
	if (__builtin_expect(o->len + n > OUT_CHUNK, 0)) {
		flush(o);
		if (n > OUT_CHUNK) {
			out_write(o, s, n);
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* For literals, whose length the compiler knows. */
static inline void put_s(Out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

static inline void put_c(Out *o, char c)
{
	if (__builtin_expect(o->len >= OUT_CHUNK, 0))
		flush(o);
	o->buf[o->len++] = c;
}

/* An operator: one fixed-size copy into the buffer's spare room, which
   costs less than copying its few bytes one by one. */
static inline void put_piece(Out *o, const Piece *p)
{
	if (__builtin_expect(o->len >= OUT_CHUNK, 0))
		flush(o);
	memcpy(o->buf + o->len, p->text, sizeof p->text);
	o->len += p->len;
}

/* A name or other NUL-terminated text of the tree: copied byte by byte
   up to its NUL, since names are short and their length unknown. */
static void put_name(Out *o, const char *s)
{
	for (;;) {
		char *d = o->buf + o->len, *end = o->buf + OUT_CHUNK;
		while (d < end && *s)
			*d++ = *s++;
		o->len = (size_t)(d - o->buf);
		if (!*s)
			return;
		flush(o);
	}
}

/* A name whose length the parser noted is copied whole. */
static inline void ident(const Expr *e, Out *out)
{
	if (e->n)
		put_n(out, e->sym.name, e->n);
	else
		put_name(out, e->sym.name);
}

/* For the rare pieces with a format; at most 127 bytes. */
static void put_f(Out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put_f(Out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put_n(o, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Decimal digits of v, without the format machinery, written in place
   two at a time: script numbers are often long enough for the
   divisions to show. */
static void put_u(Out *o, uint64_t v)
{
	static const char pairs[] =
		"0001020304050607080910111213141516171819"
		"2021222324252627282930313233343536373839"
		"4041424344454647484950515253545556575859"
		"6061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	size_t n = 1;
	for (uint64_t rest = v; rest >= 10; rest /= 100)
		n += rest >= 100 ? 2 : 1;
	if (__builtin_expect(o->len + n > OUT_CHUNK, 0))
		flush(o);
	char *q = o->buf + o->len + n;
	o->len += n;
	for (; v >= 100; v /= 100) {
		q -= 2;
		memcpy(q, pairs + 2 * (v % 100), 2);
	}
	if (v >= 10)
		memcpy(q - 2, pairs + 2 * v, 2);
	else
		q[-1] = (char)('0' + v);
}

/* Binding strength of each expression form; higher binds tighter. */
enum {
	P_ASSIGN = 1, P_TERNARY, P_OROR, P_ANDAND, P_IN, P_BITOR, P_BITXOR,
	P_BITAND, P_CMP, P_SHIFT, P_CONCAT, P_ADD, P_MUL, P_UNARY, P_POSTFIX,
	P_PRIMARY
};

/* By operator for E_BINARY, by kind for the others. */
static const uint8_t binary_precs[OP_COUNT_] = {
	[OP_OROR] = P_OROR, [OP_ANDAND] = P_ANDAND,
	[OP_BITOR] = P_BITOR, [OP_BITXOR] = P_BITXOR, [OP_BITAND] = P_BITAND,
	[OP_EQ] = P_CMP, [OP_NE] = P_CMP, [OP_LT] = P_CMP, [OP_LE] = P_CMP,
	[OP_GT] = P_CMP, [OP_GE] = P_CMP, [OP_MATCH] = P_CMP,
	[OP_NOMATCH] = P_CMP,
	[OP_SHL] = P_SHIFT, [OP_SHR] = P_SHIFT, [OP_CONCAT] = P_CONCAT,
	[OP_ADD] = P_ADD, [OP_SUB] = P_ADD,
	[OP_MUL] = P_MUL, [OP_DIV] = P_MUL, [OP_MOD] = P_MUL,
};
static const uint8_t kind_precs[] = {
	[E_NUM] = P_PRIMARY, [E_STR] = P_PRIMARY, [E_EMBEDDED] = P_PRIMARY,
	[E_WILD] = P_PRIMARY, [E_IDENT] = P_PRIMARY, [E_INDEX] = P_PRIMARY,
	[E_CALL] = P_PRIMARY, [E_TARGET] = P_PRIMARY, [E_AT] = P_PRIMARY,
	[E_DEREF] = P_POSTFIX, [E_UNARY] = P_UNARY, [E_POST] = P_POSTFIX,
	[E_ASSIGN] = P_ASSIGN, [E_TERNARY] = P_TERNARY, [E_IN] = P_IN,
};

static int binary_prec(Op op)
{
	return binary_precs[op];
}

static int prec(const Expr *e)
{
	return e->kind == E_BINARY ? binary_prec((Op)e->op)
				   : kind_precs[e->kind];
}

static void expr(const Expr *e, Out *out);
static void number(int64_t v, Out *out);

/* Prints `e` if it is a name or a number, the commonest operands, which
   cost less printed here than in a call of expr(). */
static inline bool leaf(const Expr *e, Out *out)
{
	if (e->kind == E_IDENT) {
		ident(e, out);
		return true;
	}
	if (e->kind == E_NUM) {
		number(e->num, out);
		return true;
	}
	return false;
}

/* Prints `e`, parenthesised if it binds less tightly than `min`. */
static void operand(const Expr *e, int min, Out *out)
{
	if (leaf(e, out))
		return;
	bool paren = prec(e) < min;
	if (paren)
		put_c(out, '(');
	expr(e, out);
	if (paren)
		put_c(out, ')');
}

static void number(int64_t v, Out *out)
{
	if (v < 0)
		put_f(out, "0x%" PRIx64, (uint64_t)v);
	else
		put_u(out, (uint64_t)v);
}

/* A literal that may be negative: global initialisers, probe arguments. */
static void signed_number(int64_t v, Out *out)
{
	if (v >= 0) {
		number(v, out);
		return;
	}
	uint64_t mag = -(uint64_t)v;
	if (mag > INT64_MAX) {
		put_f(out, "-0x%" PRIx64, mag);
		return;
	}
	put_c(out, '-');
	put_u(out, mag);
}

static void escape(unsigned char c, Out *out)
{
	switch (c) {
	case '"': put_s(out, "\\\""); break;
	case '\\': put_s(out, "\\\\"); break;
	case '\n': put_s(out, "\\n"); break;
	case '\t': put_s(out, "\\t"); break;
	case '\r': put_s(out, "\\r"); break;
	default: put_f(out, "\\%03o", c);
	}
}

/* Runs of bytes that print as themselves are copied whole. */
static void string(const char *s, uint32_t n, Out *out)
{
	put_c(out, '"');
	uint32_t start = 0;
	for (uint32_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 32 && c != 127 && c != '"' && c != '\\')
			continue;
		put_n(out, s + start, i - start);
		escape(c, out);
		start = i + 1;
	}
	put_n(out, s + start, n - start);
	put_c(out, '"');
}

static void embedded(const char *code, const char *before, Out *out)
{
	put_name(out, before);
	put_n(out, "%{", 2);
	put_name(out, code);
	put_n(out, "%}", 2);
}

static void literal(const Expr *e, Out *out)
{
	if (e->kind == E_STR)
		string(e->str, e->n, out);
	else
		signed_number(e->num, out);
}

static void list(Expr *const *v, uint32_t n, Out *out)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			put_s(out, ", ");
		if (!leaf(v[i], out))
			expr(v[i], out);
	}
}

static void comps(const TComp *c, uint32_t n, uint8_t flags, Out *out)
{
	for (uint32_t i = 0; i < n; i++) {
		if (c[i].is_index) {
			put_c(out, '[');
			expr(c[i].index, out);
			put_c(out, ']');
		} else {
			put_n(out, "->", 2);
			put_name(out, c[i].name);
		}
	}
	if (flags & EF_PRETTY_DEEP)
		put_s(out, "$$");
	else if (flags & EF_PRETTY)
		put_c(out, '$');
}

/* First character a prefix expression prints, for the fusion check. */
static char first_char(const Expr *e)
{
	if (e->kind == E_UNARY)
		return ast_op_str((Op)e->op)[0];
	return 0;
}

static void prefix(const Expr *e, Out *out)
{
	const Piece *op = &out->op[e->op];
	char next = first_char(e->kid.a);
	char last = op->text[op->len - 1];
	bool fuse = (next == last && strchr("-+&", last)) ||
		    (last == '!' && next == '~');
	put_piece(out, op);
	if (fuse) {
		put_c(out, '(');
		expr(e->kid.a, out);
		put_c(out, ')');
	} else {
		operand(e->kid.a, P_UNARY, out);
	}
}

static void deref(const Expr *e, Out *out);

/* " op " between the operands of a binary or assignment. */
static void infix(const Expr *e, Out *out)
{
	put_piece(out, &out->infix[e->op]);
}

static void in_expr(const Expr *e, Out *out)
{
	if (e->n == 1 && e->in.keys[0]->kind != E_WILD) {
		operand(e->in.keys[0], P_IN, out);
	} else {
		put_c(out, '[');
		list(e->in.keys, e->n, out);
		put_c(out, ']');
	}
	put_s(out, " in ");
	expr(e->in.array, out);
}

static void at(const Expr *e, Out *out)
{
	put_name(out, ast_at_str((AtOp)e->op));
	put_c(out, '(');
	list(e->at.args, e->n, out);
	put_c(out, ')');
	comps(e->at.comps, e->at.ncomps, e->flags, out);
}

/* A plain name followed by [i] would read back as an array element. */
static void deref(const Expr *e, Out *out)
{
	const Expr *base = e->deref.base;
	if (base->kind == E_IDENT && e->n && e->deref.comps[0].is_index) {
		put_c(out, '(');
		put_name(out, base->sym.name);
		put_c(out, ')');
	} else {
		operand(base, P_POSTFIX, out);
	}
	comps(e->deref.comps, e->n, e->flags, out);
}

static void expr(const Expr *e, Out *out)
{
	switch ((ExprKind)e->kind) {
	case E_NUM: number(e->num, out); break;
	case E_STR: string(e->str, e->n, out); break;
	case E_EMBEDDED: embedded(e->str, "", out); break;
	case E_WILD: put_c(out, '*'); break;
	case E_IDENT: ident(e, out); break;
	case E_INDEX:
	case E_CALL:
		put_name(out, e->sym.name);
		put_c(out, e->kind == E_CALL ? '(' : '[');
		list(e->sym.args, e->n, out);
		put_c(out, e->kind == E_CALL ? ')' : ']');
		break;
	case E_TARGET:
		put_name(out, e->target.name);
		comps(e->target.comps, e->n, e->flags, out);
		break;
	case E_AT: at(e, out); break;
	case E_DEREF: deref(e, out); break;
	case E_UNARY: prefix(e, out); break;
	case E_POST:
		operand(e->kid.a, P_POSTFIX, out);
		put_piece(out, &out->op[e->op]);
		break;
	case E_BINARY:
		operand(e->kid.a, binary_prec((Op)e->op), out);
		infix(e, out);
		operand(e->kid.b, binary_prec((Op)e->op) + 1, out);
		break;
	case E_ASSIGN:
		operand(e->kid.a, P_TERNARY, out);
		infix(e, out);
		expr(e->kid.b, out);
		break;
	case E_TERNARY:
		operand(e->kid.a, P_OROR, out);
		put_s(out, " ? ");
		expr(e->kid.b, out);
		put_s(out, " : ");
		operand(e->kid.c, P_TERNARY, out);
		break;
	case E_IN: in_expr(e, out); break;
	}
}

/* ------------------------------------------------------------ statements */

static void stmt(const Stmt *st, int depth, Out *out);

static void indent(int depth, Out *out)
{
	for (int i = 0; i < depth; i++)
		put_s(out, "    ");
}

/* The statements of a block, then its closing brace (no newline). */
static void block_body(const Stmt *st, int depth, Out *out)
{
	put_s(out, "{\n");
	for (uint32_t i = 0; i < st->n; i++) {
		indent(depth + 1, out);
		stmt(st->block.v[i], depth + 1, out);
		put_c(out, '\n');
	}
	indent(depth, out);
	put_c(out, '}');
}

/* The body of if/while/for/foreach after its header: a block stays on
   the header's line, anything else goes on its own indented line. */
static void body(const Stmt *st, int depth, Out *out)
{
	if (st->kind == S_BLOCK) {
		put_c(out, ' ');
		block_body(st, depth, out);
		return;
	}
	put_c(out, '\n');
	indent(depth + 1, out);
	stmt(st, depth + 1, out);
}

static void if_stmt(const Stmt *st, int depth, Out *out)
{
	put_s(out, "if (");
	expr(st->cond.e, out);
	put_c(out, ')');
	body(st->cond.then, depth, out);
	const Stmt *els = st->cond.els;
	if (!els)
		return;
	if (st->cond.then->kind == S_BLOCK) {
		put_c(out, ' ');
	} else {
		put_c(out, '\n');
		indent(depth, out);
	}
	put_s(out, "else");
	if (els->kind == S_IF) {
		put_c(out, ' ');
		if_stmt(els, depth, out);
	} else {
		body(els, depth, out);
	}
}

/* `sep` then `e`, or just the `;` of `sep` when there is no `e`. */
static void opt_expr(const Expr *e, const char *sep, Out *out)
{
	if (!e) {
		put_s(out, *sep ? ";" : "");
		return;
	}
	put_name(out, sep);
	expr(e, out);
}

static void sort_mark(const Stmt *st, int col, Out *out)
{
	if (st->sort_dir && st->sort_col == col)
		put_c(out, st->sort_dir > 0 ? '+' : '-');
}

static void foreach(const Stmt *st, int depth, Out *out)
{
	put_s(out, "foreach (");
	if (st->fe.value) {
		put_name(out, st->fe.value->sym.name);
		put_s(out, " = ");
	}
	put_c(out, '[');
	for (uint32_t i = 0; i < st->n; i++) {
		put_s(out, i ? ", " : "");
		put_name(out, st->fe.keys[i]->sym.name);
		sort_mark(st, (int)i + 1, out);
	}
	put_s(out, "] in ");
	expr(st->fe.array, out);
	if (st->sort_agg) {
		put_c(out, ' ');
		put_name(out, ast_at_str((AtOp)st->sort_agg));
	}
	sort_mark(st, 0, out);
	if (st->fe.limit) {
		put_s(out, " limit ");
		expr(st->fe.limit, out);
	}
	put_c(out, ')');
	body(st->fe.body, depth, out);
}

static void try_stmt(const Stmt *st, int depth, Out *out)
{
	put_s(out, "try ");
	block_body(st->try_.body, depth, out);
	put_s(out, " catch ");
	if (st->try_.var) {
		put_c(out, '(');
		put_name(out, st->try_.var->sym.name);
		put_s(out, ") ");
	}
	block_body(st->try_.handler, depth, out);
}

static void stmt(const Stmt *st, int depth, Out *out)
{
	switch ((StmtKind)st->kind) {
	case S_EMPTY: put_c(out, ';'); break;
	case S_BLOCK: block_body(st, depth, out); break;
	case S_EXPR: expr(st->expr, out); put_c(out, ';'); break;
	case S_IF: if_stmt(st, depth, out); break;
	case S_WHILE:
		put_s(out, "while (");
		expr(st->loop.cond, out);
		put_c(out, ')');
		body(st->loop.body, depth, out);
		break;
	case S_FOR:
		put_s(out, "for (");
		opt_expr(st->loop.init, "", out);
		opt_expr(st->loop.cond, "; ", out);
		opt_expr(st->loop.incr, "; ", out);
		put_c(out, ')');
		body(st->loop.body, depth, out);
		break;
	case S_FOREACH: foreach(st, depth, out); break;
	case S_BREAK: put_s(out, "break;"); break;
	case S_CONTINUE: put_s(out, "continue;"); break;
	case S_NEXT: put_s(out, "next;"); break;
	case S_RETURN:
		put_s(out, st->expr ? "return " : "return");
		if (st->expr)
			expr(st->expr, out);
		put_c(out, ';');
		break;
	case S_DELETE:
		put_s(out, "delete ");
		expr(st->expr, out);
		put_c(out, ';');
		break;
	case S_TRY: try_stmt(st, depth, out); break;
	}
}

/* ---------------------------------------------------------- declarations */

static const char *type_name(uint8_t type)
{
	return type == TY_LONG ? ":long" : type == TY_STRING ? ":string" : "";
}

static void global(const Decl *d, Out *out)
{
	put_s(out, d->flags & DF_PRIVATE ? "private global " : "global ");
	put_name(out, d->global.name);
	if (d->flags & DF_WRAP)
		put_c(out, '%');
	if (d->flags & DF_ARRAY)
		put_f(out, "[%" PRId64 "]", d->global.size);
	if (d->global.init) {
		put_s(out, " = ");
		literal(d->global.init, out);
	}
	put_c(out, '\n');
}

static void function(const Decl *d, Out *out)
{
	put_s(out, d->flags & DF_PRIVATE ? "private function " : "function ");
	put_name(out, d->func.name);
	put_name(out, type_name(d->type));
	put_c(out, '(');
	for (uint32_t i = 0; i < d->n; i++) {
		put_s(out, i ? ", " : "");
		put_name(out, d->func.params[i].name);
		put_name(out, type_name(d->func.params[i].type));
	}
	put_c(out, ')');
	if (d->func.priority)
		put_f(out, ":%" PRId64, d->func.priority);
	if (d->flags & DF_EMBEDDED) {
		embedded(d->func.code, " ", out);
		put_c(out, '\n');
		return;
	}
	put_c(out, ' ');
	block_body(d->func.body, 0, out);
	put_c(out, '\n');
}

static void point(const ProbePoint *pp, Out *out)
{
	for (uint32_t i = 0; i < pp->n; i++) {
		put_s(out, i ? "." : "");
		put_name(out, pp->comps[i].name);
		if (pp->comps[i].arg) {
			put_c(out, '(');
			literal(pp->comps[i].arg, out);
			put_c(out, ')');
		}
	}
	if (pp->flags & PP_OPTIONAL)
		put_c(out, '?');
	if (pp->flags & PP_SUFFICIENT)
		put_c(out, '!');
	if (pp->cond) {
		put_s(out, " if (");
		expr(pp->cond, out);
		put_c(out, ')');
	}
}

static void probe(const Decl *d, Out *out)
{
	put_s(out, "probe ");
	if (d->kind == D_ALIAS) {
		point(d->probe.alias, out);
		put_s(out, d->flags & DF_EPILOGUE ? " += " : " = ");
	}
	for (uint32_t i = 0; i < d->n; i++) {
		if (i)
			put_s(out, ", ");
		point(d->probe.points[i], out);
	}
	put_c(out, ' ');
	block_body(d->probe.body, 0, out);
	if (d->kind == D_ALIAS && d->probe.epilogue) {
		put_s(out, ", ");
		block_body(d->probe.epilogue, 0, out);
	}
	put_c(out, '\n');
}

static void decl(const Decl *d, Out *out)
{
	switch ((DeclKind)d->kind) {
	case D_GLOBAL: global(d, out); break;
	case D_FUNCTION: function(d, out); break;
	case D_PROBE:
	case D_ALIAS: probe(d, out); break;
	case D_EMBEDDED:
		embedded(d->code, "", out);
		put_c(out, '\n');
		break;
	}
}

static void set_piece(Piece *p, const char *before, Op op, const char *after)
{
	int n = snprintf(p->text, sizeof p->text, "%s%s%s", before,
			 ast_op_str(op), after);
	p->len = (uint8_t)(n < (int)sizeof p->text ? n : (int)sizeof p->text - 1);
}

static Out *out_open(FILE *file)
{
	Out *out = xmalloc(sizeof *out);
	out->f = file;
	out->len = 0;
	for (int op = 0; op < OP_COUNT_; op++) {
		set_piece(&out->op[op], "", (Op)op, "");
		set_piece(&out->infix[op], " ", (Op)op, " ");
	}
	return out;
}

/* The declarations with a blank line between them, except between
   consecutive globals. */
void unparse_file(const AstFile *f, FILE *file)
{
	Out *out = out_open(file);
	for (uint32_t i = 0; i < f->n; i++) {
		const Decl *prev = i > 0 ? f->decls[i - 1] : NULL;
		if (prev && !(prev->kind == D_GLOBAL &&
			      f->decls[i]->kind == D_GLOBAL))
			put_c(out, '\n');
		decl(f->decls[i], out);
	}
	flush(out);
	free(out);
}
