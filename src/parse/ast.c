/*
 * ast.c - node allocation and the small tables that name operators.
 *
 * Nodes are carved from the session arena at the size their kind needs
 * (see ast.h); the tables here are the single place that spells each
 * operator, shared by the grammar's token mapping and the unparser.
 */
#include <stddef.h>
#include <assert.h>
#include <string.h>

#include "parse/ast.h"

static const char *const op_names[OP_COUNT_] = {
	[OP_OROR] = "||", [OP_ANDAND] = "&&",
	[OP_BITOR] = "|", [OP_BITXOR] = "^", [OP_BITAND] = "&",
	[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=",
	[OP_GT] = ">", [OP_GE] = ">=", [OP_MATCH] = "=~", [OP_NOMATCH] = "!~",
	[OP_SHL] = "<<", [OP_SHR] = ">>",
	[OP_ADD] = "+", [OP_SUB] = "-", [OP_CONCAT] = ".",
	[OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%",
	[OP_NEG] = "-", [OP_PLUS] = "+", [OP_NOT] = "!", [OP_BITNOT] = "~",
	[OP_ADDR] = "&", [OP_INC] = "++", [OP_DEC] = "--",
	[OP_ASSIGN] = "=", [OP_ADD_ASSIGN] = "+=", [OP_SUB_ASSIGN] = "-=",
	[OP_MUL_ASSIGN] = "*=", [OP_DIV_ASSIGN] = "/=", [OP_MOD_ASSIGN] = "%=",
	[OP_SHL_ASSIGN] = "<<=", [OP_SHR_ASSIGN] = ">>=",
	[OP_AND_ASSIGN] = "&=", [OP_XOR_ASSIGN] = "^=", [OP_OR_ASSIGN] = "|=",
	[OP_CONCAT_ASSIGN] = ".=", [OP_AGG_ASSIGN] = "<<<",
};

const char *ast_op_str(Op op)
{
	return op < OP_COUNT_ && op_names[op] ? op_names[op] : "?";
}

static const struct {
	const char *name;
	int8_t min, max;
} at_ops[AT_COUNT_] = {
	[AT_CAST] = {"@cast", 2, 3},
	[AT_VAR] = {"@var", 1, 2},
	[AT_ENTRY] = {"@entry", 1, 1},
	[AT_DEFINED] = {"@defined", 1, 1},
	[AT_PROBEWRITE] = {"@probewrite", 1, 1},
	[AT_CONST] = {"@const", 1, 1},
	[AT_PERF] = {"@perf", 1, 1},
	[AT_KREGISTER] = {"@kregister", 1, 1},
	[AT_UREGISTER] = {"@uregister", 1, 1},
	[AT_KDEREF] = {"@kderef", 2, 2},
	[AT_UDEREF] = {"@uderef", 2, 2},
	[AT_COUNT] = {"@count", 1, 1},
	[AT_SUM] = {"@sum", 1, 1},
	[AT_MIN] = {"@min", 1, 1},
	[AT_MAX] = {"@max", 1, 1},
	[AT_AVG] = {"@avg", 1, 1},
	[AT_VARIANCE] = {"@variance", 1, 2},
	[AT_HIST_LINEAR] = {"@hist_linear", 4, 4},
	[AT_HIST_LOG] = {"@hist_log", 1, 1},
};

const char *ast_at_str(AtOp op)
{
	return op > AT_NONE && op < AT_COUNT_ ? at_ops[op].name : "@?";
}

AtOp ast_at_lookup(const char *name)
{
	/* The letter after '@' rules out most before a whole compare: the
	   parser looks up every @-token. */
	if (!name[0])
		return AT_NONE;
	for (int i = AT_NONE + 1; i < AT_COUNT_; i++)
		if (at_ops[i].name[1] == name[1] &&
		    strcmp(at_ops[i].name, name) == 0)
			return (AtOp)i;
	return AT_NONE;
}

void ast_at_arity(AtOp op, int *min, int *max)
{
	*min = at_ops[op].min;
	*max = at_ops[op].max;
}

void ast_expr_replace(Expr *e, const Expr *by)
{
	assert(ast_expr_size[e->kind] >= ast_expr_size[by->kind]);
	memmove(e, by, ast_expr_size[by->kind]);
}

void *ast_list(Session *s, void *const *v, uint32_t n)
{
	if (n == 0)
		return NULL;
	void **out = arena_alloc(&s->arena, n * sizeof *out);
	memcpy(out, v, n * sizeof *out);
	return out;
}

#define SHDR offsetof(Stmt, expr)
static const uint8_t stmt_size[] = {
	[S_EMPTY] = SHDR,
	[S_BLOCK] = SHDR + sizeof(((Stmt *)0)->block),
	[S_EXPR] = SHDR + sizeof(Expr *),
	[S_IF] = SHDR + sizeof(((Stmt *)0)->cond),
	[S_WHILE] = SHDR + sizeof(((Stmt *)0)->loop),
	[S_FOR] = SHDR + sizeof(((Stmt *)0)->loop),
	[S_FOREACH] = SHDR + sizeof(((Stmt *)0)->fe),
	[S_BREAK] = SHDR,
	[S_CONTINUE] = SHDR,
	[S_NEXT] = SHDR,
	[S_RETURN] = SHDR + sizeof(Expr *),
	[S_DELETE] = SHDR + sizeof(Expr *),
	[S_TRY] = SHDR + sizeof(((Stmt *)0)->try_),
};
#undef SHDR

Stmt *ast_stmt(Session *s, StmtKind kind, Loc loc)
{
	Stmt *st = arena_alloc(&s->arena, stmt_size[kind]);
	st->kind = (uint8_t)kind;
	st->loc = loc;
	return st;
}

Decl *ast_decl(Session *s, DeclKind kind, Loc loc)
{
	Decl *d = arena_alloc(&s->arena, sizeof *d);
	d->kind = (uint8_t)kind;
	d->loc = loc;
	return d;
}

static const struct {
	const char *word;
	uint8_t flag;
} pragma_words[] = {
	{"pure", PRAGMA_PURE},
	{"unprivileged", PRAGMA_UNPRIVILEGED},
	{"myproc-unprivileged", PRAGMA_MYPROC_UNPRIVILEGED},
	{"guru", PRAGMA_GURU},
	{"stable", PRAGMA_STABLE},
	{"unmodified-fnargs", PRAGMA_UNMODIFIED_FNARGS},
};

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '-';
}

/* The pragma named by the comment body at `p` (just after the opening
   slash-star): one lower-case word between optional blanks. */
static uint8_t pragma_at(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	const char *w = p;
	while (is_word_char(*p))
		p++;
	size_t len = (size_t)(p - w);
	while (*p == ' ' || *p == '\t')
		p++;
	if (len == 0 || p[0] != '*' || p[1] != '/')
		return 0;
	for (size_t i = 0; i < sizeof pragma_words / sizeof *pragma_words; i++)
		if (strlen(pragma_words[i].word) == len &&
		    memcmp(pragma_words[i].word, w, len) == 0)
			return pragma_words[i].flag;
	return 0;
}

uint8_t ast_pragmas(const char *code)
{
	uint8_t flags = 0;
	for (const char *p = code; (p = strstr(p, "/*")) != NULL; p += 2)
		flags |= pragma_at(p + 2);
	return flags;
}
