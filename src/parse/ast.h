/*
 * ast.h - the syntax tree pass 1 builds and later passes read.
 *
 * Every node carries a Loc and lives in the session arena; nothing is
 * freed individually.  Nodes are small: each kind is allocated with only
 * the bytes its union member needs (ast_expr() and friends size them),
 * so a field of another kind's member must never be touched.  Lists are
 * arena arrays of pointers with their length in the node's `n`.
 *
 * The tree is purely syntactic: identifiers are names, types are what the
 * script wrote, nothing is resolved.  Pass 2 may fill the fields marked
 * "pass 2" and must leave the rest as parsed, so that -p1 output stays a
 * faithful picture of the script.
 */
#ifndef SONDE_AST_H
#define SONDE_AST_H

#include <stddef.h>

#include "core/sonde.h"

typedef struct Expr Expr;
typedef struct Stmt Stmt;
typedef struct Decl Decl;

/* ------------------------------------------------------------ operators */

/* Operators of E_UNARY, E_POST, E_BINARY and E_ASSIGN, in `Expr.op`. */
typedef enum Op {
	OP_NONE,
	/* binary, lowest binding first */
	OP_OROR, OP_ANDAND,
	OP_BITOR, OP_BITXOR, OP_BITAND,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MATCH, OP_NOMATCH,
	OP_SHL, OP_SHR,
	OP_CONCAT,
	OP_ADD, OP_SUB,
	OP_MUL, OP_DIV, OP_MOD,
	/* prefix (E_UNARY) and postfix (E_POST) */
	OP_NEG, OP_PLUS, OP_NOT, OP_BITNOT, OP_ADDR, OP_INC, OP_DEC,
	/* assignment (E_ASSIGN) */
	OP_ASSIGN, OP_ADD_ASSIGN, OP_SUB_ASSIGN, OP_MUL_ASSIGN, OP_DIV_ASSIGN,
	OP_MOD_ASSIGN, OP_SHL_ASSIGN, OP_SHR_ASSIGN, OP_AND_ASSIGN,
	OP_XOR_ASSIGN, OP_OR_ASSIGN, OP_CONCAT_ASSIGN, OP_AGG_ASSIGN /* <<< */,
	OP_COUNT_
} Op;

/* The spelling of an operator ("<<<", "-", ...). */
const char *ast_op_str(Op op);

/* The @-operators, in `Expr.op` of E_AT (AT_NONE never appears there). */
typedef enum AtOp {
	AT_NONE,
	AT_CAST,	/* @cast(expr, "type"[, "module"]) ->comps */
	AT_VAR,		/* @var("name[@file]"[, "module"]) ->comps */
	AT_ENTRY,	/* @entry(expr) */
	AT_DEFINED,	/* @defined(expr) */
	AT_PROBEWRITE,	/* @probewrite(var) */
	AT_CONST,	/* @const("NAME") */
	AT_PERF,	/* @perf("counter") */
	AT_KREGISTER,	/* @kregister(n) */
	AT_UREGISTER,	/* @uregister(n) */
	AT_KDEREF,	/* @kderef(size, addr) */
	AT_UDEREF,	/* @uderef(size, addr) */
	/* statistics extractors */
	AT_COUNT, AT_SUM, AT_MIN, AT_MAX, AT_AVG,
	AT_VARIANCE,	/* @variance(x[, bit_shift]) */
	AT_HIST_LINEAR,	/* @hist_linear(x, lo, hi, step) */
	AT_HIST_LOG,	/* @hist_log(x) */
	AT_COUNT_
} AtOp;

/* "@cast", ...; and the reverse lookup (AT_NONE if unknown). */
const char *ast_at_str(AtOp op);
AtOp ast_at_lookup(const char *name);
/* Smallest and largest argument counts an @-operator accepts. */
void ast_at_arity(AtOp op, int *min, int *max);

/* Declared types of functions and parameters. */
typedef enum AstType { TY_NONE, TY_LONG, TY_STRING } AstType;

/* ---------------------------------------------------------- expressions */

typedef enum ExprKind {
	E_NUM,		/* num */
	E_STR,		/* str: n bytes, may hold NULs */
	E_EMBEDDED,	/* str: C code of %{ ... %}; flags: PRAGMA_* */
	E_WILD,		/* `*` as a slice index: a[*, k]; no payload */
	E_IDENT,	/* sym.name (no args); n is its length, or 0 if
			   not known (a node made by a later pass) */
	E_INDEX,	/* sym.name[args...]: n args, E_WILD allowed */
	E_CALL,		/* sym.name(args...): n args */
	E_TARGET,	/* target.name ("$x", "$$vars") with n comps;
			   flags: EF_PRETTY* */
	E_AT,		/* at: op is an AtOp, n args, ncomps comps;
			   flags: EF_PRETTY* */
	E_DEREF,	/* deref.base followed by n comps (->f, [i]) on
			   any other expression: f()->x, (a ? b : c)->y;
			   flags: EF_PRETTY* */
	E_UNARY,	/* kid.a, op: prefix operator */
	E_POST,		/* kid.a, op: OP_INC or OP_DEC */
	E_BINARY,	/* kid.a op kid.b */
	E_ASSIGN,	/* kid.a op kid.b */
	E_TERNARY,	/* kid.a ? kid.b : kid.c */
	E_IN		/* in.keys (n of them, E_WILD allowed) in in.array;
			   in.array is an E_IDENT or an E_INDEX slice */
} ExprKind;

/* Expr.flags for E_TARGET and E_AT: the pretty-printing suffix. */
enum { EF_PRETTY = 1 /* $ */, EF_PRETTY_DEEP = 2 /* $$ */ };

/* A component after a target: ->name or [index]. */
typedef struct TComp {
	Loc loc;
	uint8_t is_index;
	union {
		const char *name;	/* !is_index */
		Expr *index;		/* is_index */
	};
} TComp;

struct Expr {
	uint8_t kind;	/* ExprKind */
	uint8_t op;	/* Op, or AtOp for E_AT */
	uint8_t flags;	/* EF_* or PRAGMA_* as the kind says */
	uint8_t type;	/* pass 2: inferred type; 0 after parsing */
	uint32_t n;	/* list or string length, per kind */
	Loc loc;
	union {
		int64_t num;
		const char *str;
		struct {
			const char *name;
			void *ref;	/* pass 2: the resolved symbol */
			Expr **args;	/* E_INDEX, E_CALL only */
		} sym;
		struct {
			const char *name;
			TComp *comps;
		} target;
		struct {
			Expr **args;
			TComp *comps;
			uint32_t ncomps;
		} at;
		struct {
			Expr *a, *b, *c;
		} kid;
		struct {
			Expr **keys;
			Expr *array;
		} in;
		struct {
			Expr *base;
			TComp *comps;
		} deref;
	};
};

/* Bytes each expression kind occupies: the header plus its payload. */
#define AST_HDR offsetof(Expr, num)
static const uint8_t ast_expr_size[] = {
	[E_NUM] = AST_HDR + sizeof(int64_t),
	[E_STR] = AST_HDR + sizeof(const char *),
	[E_EMBEDDED] = AST_HDR + sizeof(const char *),
	[E_WILD] = AST_HDR,
	[E_IDENT] = AST_HDR + offsetof(Expr, sym.args) - offsetof(Expr, sym),
	[E_INDEX] = AST_HDR + sizeof(((Expr *)0)->sym),
	[E_CALL] = AST_HDR + sizeof(((Expr *)0)->sym),
	[E_TARGET] = AST_HDR + sizeof(((Expr *)0)->target),
	[E_AT] = AST_HDR + sizeof(((Expr *)0)->at),
	[E_UNARY] = AST_HDR + sizeof(Expr *),
	[E_POST] = AST_HDR + sizeof(Expr *),
	[E_BINARY] = AST_HDR + 2 * sizeof(Expr *),
	[E_ASSIGN] = AST_HDR + 2 * sizeof(Expr *),
	[E_TERNARY] = AST_HDR + 3 * sizeof(Expr *),
	[E_IN] = AST_HDR + sizeof(((Expr *)0)->in),
	[E_DEREF] = AST_HDR + sizeof(((Expr *)0)->deref),
};
#undef AST_HDR

/*
 * Allocates an expression of `kind` at `loc` with only the bytes that
 * kind uses, zeroed.  The caller fills the payload.  Inline: pass 1
 * makes one per operand and operator, and the size of a kind known
 * where it is called folds to a constant.
 */
static inline Expr *ast_expr(Session *s, ExprKind kind, Loc loc)
{
	Expr *e = arena_alloc(&s->arena, ast_expr_size[kind]);
	e->kind = (uint8_t)kind;
	e->loc = loc;
	return e;
}
/* Turns node e into a copy of `by`, in place: e must be of a kind at
   least as large (E_TERNARY and E_AT are of the largest). */
void ast_expr_replace(Expr *e, const Expr *by);
/* Copies `n` pointers into a fresh arena array (NULL when n is 0). */
void *ast_list(Session *s, void *const *v, uint32_t n);

/* ----------------------------------------------------------- statements */

typedef enum StmtKind {
	S_EMPTY,	/* `;` where a statement is required (blocks drop
			   empty statements) */
	S_BLOCK,	/* block.v: n statements */
	S_EXPR,		/* expr */
	S_IF,		/* cond.e, cond.then, cond.els (NULL: no else) */
	S_WHILE,	/* loop.cond, loop.body */
	S_FOR,		/* loop.init, loop.cond, loop.incr (each may be
			   NULL), loop.body */
	S_FOREACH,	/* fe: see below */
	S_BREAK, S_CONTINUE, S_NEXT,	/* no payload */
	S_RETURN,	/* expr, NULL for a bare return */
	S_DELETE,	/* expr: array, element, slice or scalar */
	S_TRY		/* try_.body, try_.var (E_IDENT or NULL),
			   try_.handler */
} StmtKind;

/*
 * foreach ([k1, k2] in arr) ... has n == 2 keys (E_IDENT each); the
 * single-key form `foreach (k in arr)` is the same with n == 1.
 * fe.value is the E_IDENT of `v = [...]` or NULL.  fe.array is an
 * E_IDENT or an E_INDEX slice.  Sorting: sort_dir is 0 (none), 1 (+) or
 * -1 (-); sort_col is 0 for the value (however it was marked) or the
 * 1-based key index; sort_agg is an AtOp statistic (@sum ...) the value
 * sort applies to, or AT_NONE.
 */
struct Stmt {
	uint8_t kind;		/* StmtKind */
	int8_t sort_dir;	/* S_FOREACH only */
	uint8_t sort_col;	/* S_FOREACH only */
	uint8_t sort_agg;	/* S_FOREACH only */
	uint32_t n;		/* S_BLOCK statements, S_FOREACH keys */
	Loc loc;
	union {
		Expr *expr;
		struct {
			Stmt **v;
		} block;
		struct {
			Expr *e;
			Stmt *then, *els;
		} cond;
		struct {
			Expr *init, *cond, *incr;
			Stmt *body;
		} loop;
		struct {
			Expr *value;
			Expr **keys;
			Expr *array;
			Expr *limit;	/* NULL: no limit */
			Stmt *body;
		} fe;
		struct {
			Stmt *body;
			Expr *var;
			Stmt *handler;
		} try_;
	};
};

Stmt *ast_stmt(Session *s, StmtKind kind, Loc loc);

/* --------------------------------------------------------- declarations */

/*
 * A probe point: components joined by '.', each `name` or `name(arg)`.
 * Names keep wildcards as written ("sys*_read", "*", "**").
 */
typedef struct PPComp {
	const char *name;
	Expr *arg;	/* E_NUM or E_STR, NULL without parentheses */
	Loc loc;
} PPComp;

enum { PP_OPTIONAL = 1 /* ? */, PP_SUFFICIENT = 2 /* ! */ };

typedef struct ProbePoint {
	Loc loc;
	uint8_t flags;	/* PP_* */
	uint32_t n;	/* components */
	PPComp *comps;
	Expr *cond;	/* `if (expr)`, or NULL */
} ProbePoint;

/* Pragmas found in the comments of embedded C. */
enum {
	PRAGMA_PURE = 1,
	PRAGMA_UNPRIVILEGED = 2,
	PRAGMA_MYPROC_UNPRIVILEGED = 4,
	PRAGMA_GURU = 8,
	PRAGMA_STABLE = 16,
	PRAGMA_UNMODIFIED_FNARGS = 32
};

/* The PRAGMA_* flags of the `/ * word * /` comments in `code`. */
uint8_t ast_pragmas(const char *code);

typedef struct Param {
	const char *name;
	Loc loc;
	uint8_t type;	/* AstType */
} Param;

typedef enum DeclKind {
	D_GLOBAL,	/* global: one per declared variable */
	D_FUNCTION,	/* func */
	D_PROBE,	/* probe: n points */
	D_ALIAS,	/* probe with alias set: n points after `=`/`+=` */
	D_EMBEDDED	/* code: top-level %{ ... %} */
} DeclKind;

/* Decl.flags */
enum {
	DF_PRIVATE = 1,		/* D_GLOBAL, D_FUNCTION */
	DF_WRAP = 2,		/* D_GLOBAL: name%[size] */
	DF_ARRAY = 4,		/* D_GLOBAL: declared with [size] */
	DF_EPILOGUE = 8,	/* D_ALIAS: `+=` rather than `=` */
	DF_EMBEDDED = 16	/* D_FUNCTION: body is C code */
};

struct Decl {
	uint8_t kind;		/* DeclKind */
	uint8_t flags;		/* DF_* */
	uint8_t pragmas;	/* D_FUNCTION with DF_EMBEDDED: PRAGMA_* */
	uint8_t type;		/* D_FUNCTION: AstType of the result */
	uint32_t n;		/* D_FUNCTION params, D_PROBE/D_ALIAS points */
	Loc loc;
	union {
		struct {
			const char *name;
			Expr *init;	/* E_NUM or E_STR, or NULL */
			int64_t size;	/* with DF_ARRAY */
		} global;
		struct {
			const char *name;
			Param *params;
			Stmt *body;	/* without DF_EMBEDDED */
			const char *code; /* with DF_EMBEDDED */
			int64_t priority; /* `:N` after the parameters, 0 */
		} func;
		struct {
			ProbePoint **points;
			Stmt *body;	/* S_BLOCK */
			ProbePoint *alias; /* D_ALIAS: the name defined */
			Stmt *epilogue;	/* D_ALIAS `= p { } , { }`: the second
					   block, or NULL */
		} probe;
		const char *code;	/* D_EMBEDDED */
	};
};

Decl *ast_decl(Session *s, DeclKind kind, Loc loc);

/* One parsed file: its declarations in source order. */
typedef struct AstFile {
	uint16_t file;
	uint32_t n;
	Decl **decls;
} AstFile;

#endif
