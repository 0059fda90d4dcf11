/*
 * parse.y - the grammar: tokens from the preprocessor to an AST.
 *
 * Input: the token stream of pp_next() for one registered file.
 * Output: an AstFile (ast.h) in the session arena, holding every
 * declaration that parsed; syntax errors are reported as
 *   file:line:col: parse error: expected X, saw Y
 * and counted in the session.
 *
 * The yylex adapter below maps the lexer's token codes (TokCode) to
 * grammar tokens with a table lookup, and knows one piece of context the
 * grammar cannot express: between `probe` and the body, names are probe
 * point components, where keywords are plain names and wildcards glue to
 * neighbouring names when no blank separates them (`sys*_read`, `**`).
 * It tracks that by itself, from `probe` at brace depth 0 to the `{`
 * that opens the body.
 *
 * Statements need no separator, so an expression that could continue
 * (`x = a` then `-b`, `(`, `[`, `++`) is extended greedily, as in
 * SystemTap.  Those choices are made by precedence: the rules marked
 * %prec LOW end a construct only when nothing can extend it, the same
 * resolution for the dangling else, the optional `;` after a simple
 * statement, and `return` with or without a value.  The grammar has no
 * other conflicts.
 *
 * Error messages list the tokens that could have come next.  The tables
 * are canonical LR(1) with default reductions only in consistent states,
 * so the parser stops on a bad token in the state where it appeared and
 * that list is exact, as LAC would make it, without LAC's cost on every
 * token.  Operands reach `bexpr` and `expr` in as few unit reductions as
 * the precedence rules allow: each one is a step of the parser per
 * operand.
 *
 * Recovery: `error` at statement and at declaration level; bison's rule
 * of three shifted tokens before the next report keeps one mistake from
 * producing a cascade.  Lists are built from cells in a scratch area
 * that is reset after each top-level declaration, so a half-built list
 * abandoned by recovery costs nothing.
 */
%define api.pure full
%define api.prefix {sonde_yy}
%define api.token.prefix {T_}
%define api.location.type {Loc}
%define parse.error custom
%define lr.default-reduction consistent
%define lr.type canonical-lr
%locations
%parse-param {Parser *p}
%lex-param {Parser *p}

%code requires {
#include "parse/ast.h"
#include "parse/parse.h"

typedef struct Parser Parser;

/* A list under construction: cells in the parser's scratch area. */
typedef struct Cell {
	void *item;
	struct Cell *next;
} Cell;
typedef struct List {
	Cell *head, *tail;
	uint32_t n;
} List;

#define YYLLOC_DEFAULT(cur, rhs, n) \
	((cur) = (n) ? YYRHSLOC(rhs, 1) : YYRHSLOC(rhs, 0))
}

%code provides {
/* Scratch memory for list cells, reused after each declaration. */
typedef struct ScratchBlock {
	struct ScratchBlock *next;
	size_t used;
	char data[];
} ScratchBlock;

struct Parser {
	Session *s;
	Preproc *pp;
	uint16_t file;

	/* Token source: tokens put back (a stack, the next one on top),
	   the token being looked at. */
	Token *pend;
	int npend, pend_cap;
	Token cur;

	/* Probe point context, see the file comment. */
	bool in_points;
	bool pp_expect_comp;	/* a '{' there opens a brace expansion */
	int pp_groups;		/* brace expansions open */
	int braces;		/* brace depth outside probe points */
	Loc *brace_locs;	/* where each open brace is, outermost first */
	int brace_cap;
	int parens;		/* paren depth inside probe points */
	bool after_arrow;	/* `->` was the last token: names only */
	int nparen;		/* '(' depth outside probe points */
	int paren_errors;	/* s->nerrors when the outermost '(' opened */
	int inject_parens;	/* ')' still to hand out before `cur` */
	int inject_braces;	/* '}' still to hand out after those */
	size_t ntokens;		/* tokens read, to notice an empty script */
	Loc last_error;		/* where the last syntax error was reported */

	/* Building. */
	ScratchBlock *scratch_first, *scratch_cur;
	Decl **decls;
	size_t ndecls, decls_cap;
	bool in_function;
};
}

%code {
#include <stdlib.h>
#include <string.h>

static int yylex(YYSTYPE *lval, Loc *lloc, Parser *p);
static void yyerror(Loc *loc, Parser *p, const char *msg);
static void list_reset(Parser *p);
static List list_one(Parser *p, void *item);
static List list_add(Parser *p, List l, void *item);
static void **list_array(Parser *p, List l);

static void emit_decl(Parser *p, Decl *d);
static void error_at(Parser *p, Loc loc, int width, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static Expr *num(Parser *p, Loc loc, int64_t v);
static Expr *str(Parser *p, Token t);
static Expr *ident(Parser *p, Token t);
static Expr *sym(Parser *p, ExprKind kind, Token t, List args);
static Expr *unary(Parser *p, ExprKind kind, Op op, Loc loc, Expr *a);
static Expr *binary(Parser *p, ExprKind kind, Op op, Loc loc, Expr *a,
		    Expr *b);
static Expr *ternary(Parser *p, Loc loc, Expr *c, Expr *a, Expr *b);
static Expr *in_expr(Parser *p, Loc loc, List keys, Expr *array);
static Expr *target(Parser *p, Token t);
static Expr *at_call(Parser *p, Token t, List args);
static Expr *add_field(Parser *p, Expr *chain, Token name);
static Expr *add_index(Parser *p, Expr *chain, Loc loc, Expr *index);
static Expr *add_suffix(Parser *p, Expr *chain, Token t);
static Op assign_op(const Token *t);

static Stmt *block(Parser *p, Loc loc, List stmts);
static Stmt *simple(Parser *p, StmtKind kind, Loc loc, Expr *e);
static Stmt *if_stmt(Parser *p, Loc loc, Expr *c, Stmt *a, Stmt *b);
static Stmt *loop(Parser *p, StmtKind kind, Loc loc, Expr *init,
		  Expr *cond, Expr *incr, Stmt *body);
static Stmt *foreach(Parser *p, Loc loc, Expr *value, List keys,
		     Expr *array, Expr *limit, Stmt *body);
static Stmt *try_stmt(Parser *p, Loc loc, Stmt *body, Expr *var,
		      Stmt *handler);
static Expr *sort_mark(Parser *p, Expr *var, Token mark);
static Expr *sort_agg(Parser *p, Expr *array, Token agg);

static Decl *global_var(Parser *p, Token name, Expr *init);
static Decl *global_array(Parser *p, Token name, Token size, bool wrap);
static void emit_globals(Parser *p, List vars, bool private_);
static AstType type_of(Parser *p, Token t);
static Param *param(Parser *p, Token name, AstType type);
static Decl *function(Parser *p, Token name, AstType type, List params);
static Decl *probe(Parser *p, Loc loc, List points, Stmt *body);
static Decl *alias(Parser *p, Loc loc, ProbePoint *name, bool epilogue,
		   List points, Stmt *body);
static Decl *embedded(Parser *p, Token t);
static PPComp *component(Parser *p, Token name, Expr *arg);
static ProbePoint *point(Parser *p, List comps, int flags, Expr *cond);
static List list_join(List a, List b);
static List variant_of(Parser *p, PPComp *c);
static List variant_product(Parser *p, List a, List b);
static List variant_mark(Parser *p, List v, int flags, Expr *cond, Loc at);
static List expand_point(Parser *p, List v, int flags, Expr *cond);
static ProbePoint *alias_name(Parser *p, List points);
}

%union {
	Token tok;
	Expr *e;
	Stmt *st;
	Decl *d;
	ProbePoint *pp;
	List list;
	int flags;
	int64_t num;
	AstType type;
}

/* Names in quotes are what error messages call the tokens. */
%token END 0 "end of input"
%token <tok> IDENT "an identifier"
%token <tok> NUMBER "a number"
%token <tok> STRING "a string"
%token <tok> DOLLAR "a target variable"
%token <tok> EMBEDDED "embedded C"
%token <tok> PPNAME "a probe point"
%token <tok> AT_CAST "'@cast'"
%token <tok> AT_VAR "'@var'"
%token <tok> AT_OP "an @-operator"
%token <tok> DSUFFIX "'$'"
%token <tok> PP_LBRACE "'{'" PP_RBRACE "'}'"
%token <tok> BADTOK "a token"
%token <tok> PROBE "'probe'" GLOBAL "'global'" FUNCTION "'function'"
%token <tok> PRIVATE "'private'"
%token <tok> IF "'if'" ELSE "'else'" WHILE "'while'" FOR "'for'"
%token <tok> FOREACH "'foreach'" IN "'in'" LIMIT "'limit'"
%token <tok> BREAK "'break'" CONTINUE "'continue'" NEXT "'next'"
%token <tok> RETURN "'return'" DELETE "'delete'" TRY "'try'"
%token <tok> CATCH "'catch'"
%token <tok> '{' '}' '(' ')' '[' ']' ';' ',' ':' '=' '?' '.'
%token <tok> '+' '-' '*' '/' '%' '&' '|' '^' '<' '>' '!' '~'
%token <tok> OROR "'||'" ANDAND "'&&'"
%token <tok> EQ "'=='" NE "'!='" LE "'<='" GE "'>='"
%token <tok> MATCH "'=~'" NOMATCH "'!~'" SHL "'<<'" SHR "'>>'"
%token <tok> INC "'++'" DEC "'--'" ARROW "'->'"
%token <tok> ASSIGNOP "an assignment operator"
%token <tok> ALIAS_ADD "'+='"

/* See the file comment: LOW marks rules that end a construct early. */
%precedence LOW
%precedence ';' ELSE IDENT NUMBER STRING DOLLAR EMBEDDED AT_CAST AT_VAR
%precedence AT_OP '(' '[' '!' '~' INC DEC
%left OROR
%left ANDAND
%precedence IN
%left '|'
%left '^'
%left '&'
%left EQ NE '<' LE '>' GE MATCH NOMATCH
%left SHL SHR
%left '.'
%left '+' '-'
%left '*' '/' '%'

%type <e> expr ternary cond bexpr unary prefix postfix tchain opt_expr
%type <e> slice_arg arrayref literal fe_var fe_array opt_limit opt_cond
%type <e> global_init
%type <st> stmt simple block
%type <d> global_var func_head
%type <list> stmts args opt_args slice_args fe_keys globals
%type <list> params opt_params points point comps comp alternatives
%type <list> alternative
%type <flags> marks
%type <num> opt_priority
%type <type> opt_type

%start file

%%

file:
	  %empty
	| file decl		{ list_reset(p); }
	;

decl:
	  GLOBAL globals opt_semi		{ emit_globals(p, $2, false); }
	| PRIVATE GLOBAL globals opt_semi	{ emit_globals(p, $3, true); }
	| PRIVATE globals opt_semi		{ emit_globals(p, $2, true); }
	| func_head block	{ $1->func.body = $2; emit_decl(p, $1); }
	| func_head EMBEDDED	{ $1->flags |= DF_EMBEDDED;
				  $1->func.code = $2.text;
				  $1->pragmas = ast_pragmas($2.text);
				  emit_decl(p, $1); }
	| PROBE points block	{ emit_decl(p, probe(p, @1, $2, $3)); }
	| PROBE point '=' points block
				{ emit_decl(p, alias(p, @1, alias_name(p, $2),
						     false, $4, $5)); }
	| PROBE point '=' points block ',' block
				{ Decl *d = alias(p, @1, alias_name(p, $2),
						  false, $4, $5);
				  d->probe.epilogue = $7;
				  emit_decl(p, d); }
	| PROBE point ALIAS_ADD points block
				{ emit_decl(p, alias(p, @1, alias_name(p, $2),
						     true, $4, $5)); }
	| EMBEDDED		{ emit_decl(p, embedded(p, $1)); }
	| error			{ p->in_function = false; }
	;

opt_semi:
	  %empty
	| ';'
	;

/* ------------------------------------------------------------ globals */

globals:
	  global_var			{ $$ = list_one(p, $1); }
	| globals ',' global_var	{ $$ = list_add(p, $1, $3); }
	;

global_var:
	  IDENT global_init		{ $$ = global_var(p, $1, $2); }
	| IDENT '%'			{ $$ = global_array(p, $1, $2, true);
					  $$->global.size = 0; }
	| IDENT '[' NUMBER ']'		{ $$ = global_array(p, $1, $3, false); }
	| IDENT '%' '[' NUMBER ']'	{ $$ = global_array(p, $1, $4, true); }
	| IDENT '[' NUMBER ']' '%'	{ $$ = global_array(p, $1, $3, true); }
	;

global_init:
	  %empty		{ $$ = NULL; }
	| '=' literal		{ $$ = $2; }
	;

literal:
	  NUMBER		{ $$ = num(p, @1, $1.num); }
	| '-' NUMBER		{ $$ = num(p, @1, (int64_t)-(uint64_t)$2.num); }
	| STRING		{ $$ = str(p, $1); }
	;

/* ---------------------------------------------------------- functions */

func_head:
	  FUNCTION IDENT opt_type '(' opt_params ')' opt_priority
				{ $$ = function(p, $2, $3, $5);
				  $$->func.priority = $7; }
	| PRIVATE FUNCTION IDENT opt_type '(' opt_params ')' opt_priority
				{ $$ = function(p, $3, $4, $6);
				  $$->func.priority = $8;
				  $$->flags |= DF_PRIVATE; }
	;

opt_priority:
	  %empty		{ $$ = 0; }
	| ':' NUMBER		{ $$ = $2.num; }
	;

opt_type:
	  %empty		{ $$ = TY_NONE; }
	| ':' IDENT		{ $$ = type_of(p, $2); }
	;

opt_params:
	  %empty		{ $$ = (List){0}; }
	| params
	;

params:
	  IDENT opt_type	{ $$ = list_one(p, param(p, $1, $2)); }
	| params ',' IDENT opt_type
				{ $$ = list_add(p, $1, param(p, $3, $4)); }
	;

/* ------------------------------------------------------- probe points */

/*
 * A point written with braces, syscall.{open,close}, stands for several:
 * comps, comp and the alternatives are lists of Variant, each a list of
 * components with the marks and condition written inside the braces,
 * which `point` turns into one ProbePoint per variant.
 */
points:
	  point
	| points ',' point	{ $$ = list_join($1, $3); }
	;

point:
	  comps marks opt_cond	{ $$ = expand_point(p, $1, $2, $3); }
	;

comps:
	  comp
	| comps '.' comp	{ $$ = variant_product(p, $1, $3); }
	;

comp:
	  PPNAME		{ $$ = variant_of(p, component(p, $1, NULL)); }
	| PPNAME '(' literal ')'
				{ $$ = variant_of(p, component(p, $1, $3)); }
	| PP_LBRACE alternatives PP_RBRACE
				{ $$ = $2; }
	;

alternatives:
	  alternative
	| alternatives ',' alternative
				{ $$ = list_join($1, $3); }
	;

alternative:
	  comps marks opt_cond	{ $$ = variant_mark(p, $1, $2, $3, @2); }
	;

marks:
	  %empty		{ $$ = 0; }
	| marks '?'		{ $$ = $1 | PP_OPTIONAL; }
	| marks '!'		{ $$ = $1 | PP_SUFFICIENT; }
	;

opt_cond:
	  %empty		{ $$ = NULL; }
	| IF '(' expr ')'	{ $$ = $3; }
	;

/* --------------------------------------------------------- statements */

block:
	  '{' stmts '}'		{ $$ = block(p, @1, $2); }
	;

stmts:
	  %empty		{ $$ = (List){0}; }
	| stmts stmt		{ $$ = $2 && $2->kind != S_EMPTY
					? list_add(p, $1, $2) : $1; }
	;

stmt:
	  block
	| ';'			{ $$ = ast_stmt(p->s, S_EMPTY, @1); }
	| simple %prec LOW
	| simple ';'
	| IF '(' expr ')' stmt %prec LOW
				{ $$ = if_stmt(p, @1, $3, $5, NULL); }
	| IF '(' expr ')' stmt ELSE stmt
				{ $$ = if_stmt(p, @1, $3, $5, $7); }
	| WHILE '(' expr ')' stmt
				{ $$ = loop(p, S_WHILE, @1, NULL, $3, NULL, $5); }
	| FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
				{ $$ = loop(p, S_FOR, @1, $3, $5, $7, $9); }
	| FOREACH '(' fe_var IN fe_array opt_limit ')' stmt
				{ $$ = foreach(p, @1, NULL, list_one(p, $3),
					       $5, $6, $8); }
	| FOREACH '(' '[' fe_keys ']' IN fe_array opt_limit ')' stmt
				{ $$ = foreach(p, @1, NULL, $4, $7, $8, $10); }
	| FOREACH '(' fe_var '=' fe_var IN fe_array opt_limit ')' stmt
				{ $$ = foreach(p, @1, $3, list_one(p, $5),
					       $7, $8, $10); }
	| FOREACH '(' fe_var '=' '[' fe_keys ']' IN fe_array opt_limit ')' stmt
				{ $$ = foreach(p, @1, $3, $6, $9, $10, $12); }
	| TRY block CATCH block	{ $$ = try_stmt(p, @1, $2, NULL, $4); }
	| TRY block CATCH '(' IDENT ')' block
				{ $$ = try_stmt(p, @1, $2, ident(p, $5), $7); }
	| IF '(' error ')' stmt	{ $$ = $5; }
	| WHILE '(' error ')' stmt
				{ $$ = $5; }
	| FOR '(' error ')' stmt
				{ $$ = $5; }
	| FOREACH '(' error ')' stmt
				{ $$ = $5; }
	| error			{ $$ = NULL; }
	;

simple:
	  expr			{ $$ = simple(p, S_EXPR, @1, $1); }
	| BREAK			{ $$ = simple(p, S_BREAK, @1, NULL); }
	| CONTINUE		{ $$ = simple(p, S_CONTINUE, @1, NULL); }
	| NEXT			{ $$ = simple(p, S_NEXT, @1, NULL); }
	| RETURN %prec LOW	{ $$ = simple(p, S_RETURN, @1, NULL); }
	| RETURN expr		{ $$ = simple(p, S_RETURN, @1, $2); }
	| DELETE expr		{ $$ = simple(p, S_DELETE, @1, $2); }
	;

opt_expr:
	  %empty		{ $$ = NULL; }
	| expr
	;

fe_var:
	  IDENT			{ $$ = ident(p, $1); }
	| IDENT '+'		{ $$ = sort_mark(p, ident(p, $1), $2); }
	| IDENT '-'		{ $$ = sort_mark(p, ident(p, $1), $2); }
	;

fe_keys:
	  fe_var		{ $$ = list_one(p, $1); }
	| fe_keys ',' fe_var	{ $$ = list_add(p, $1, $3); }
	;

fe_array:
	  arrayref
	| AT_OP '(' opt_args ')'
				{ $$ = at_call(p, $1, $3); }
	| arrayref '+'		{ $$ = sort_mark(p, $1, $2); }
	| arrayref '-'		{ $$ = sort_mark(p, $1, $2); }
	| arrayref AT_OP '+'	{ $$ = sort_mark(p, sort_agg(p, $1, $2), $3); }
	| arrayref AT_OP '-'	{ $$ = sort_mark(p, sort_agg(p, $1, $2), $3); }
	;

opt_limit:
	  %empty		{ $$ = NULL; }
	| LIMIT expr		{ $$ = $2; }
	;

/* -------------------------------------------------------- expressions */

/* expr names the forms of ternary itself, one unit reduction fewer for
   every expression that is not assigned to. */
expr:
	  bexpr %prec LOW
	| cond
	| ternary '=' expr	{ $$ = binary(p, E_ASSIGN, OP_ASSIGN, @2, $1, $3); }
	| ternary ASSIGNOP expr	{ $$ = binary(p, E_ASSIGN, assign_op(&$2),
					      @2, $1, $3); }
	;

ternary:
	  bexpr %prec LOW
	| cond
	;

cond:
	  bexpr '?' expr ':' ternary
				{ $$ = ternary(p, @2, $1, $3, $5); }
	;

bexpr:
	  bexpr OROR bexpr	{ $$ = binary(p, E_BINARY, OP_OROR, @2, $1, $3); }
	| bexpr ANDAND bexpr	{ $$ = binary(p, E_BINARY, OP_ANDAND, @2, $1, $3); }
	| bexpr IN arrayref	{ $$ = in_expr(p, @2, list_one(p, $1), $3); }
	| '[' slice_args ']' IN arrayref
				{ $$ = in_expr(p, @4, $2, $5); }
	| bexpr '|' bexpr	{ $$ = binary(p, E_BINARY, OP_BITOR, @2, $1, $3); }
	| bexpr '^' bexpr	{ $$ = binary(p, E_BINARY, OP_BITXOR, @2, $1, $3); }
	| bexpr '&' bexpr	{ $$ = binary(p, E_BINARY, OP_BITAND, @2, $1, $3); }
	| bexpr EQ bexpr	{ $$ = binary(p, E_BINARY, OP_EQ, @2, $1, $3); }
	| bexpr NE bexpr	{ $$ = binary(p, E_BINARY, OP_NE, @2, $1, $3); }
	| bexpr '<' bexpr	{ $$ = binary(p, E_BINARY, OP_LT, @2, $1, $3); }
	| bexpr LE bexpr	{ $$ = binary(p, E_BINARY, OP_LE, @2, $1, $3); }
	| bexpr '>' bexpr	{ $$ = binary(p, E_BINARY, OP_GT, @2, $1, $3); }
	| bexpr GE bexpr	{ $$ = binary(p, E_BINARY, OP_GE, @2, $1, $3); }
	| bexpr MATCH bexpr	{ $$ = binary(p, E_BINARY, OP_MATCH, @2, $1, $3); }
	| bexpr NOMATCH bexpr	{ $$ = binary(p, E_BINARY, OP_NOMATCH, @2, $1, $3); }
	| bexpr SHL bexpr	{ $$ = binary(p, E_BINARY, OP_SHL, @2, $1, $3); }
	| bexpr SHR bexpr	{ $$ = binary(p, E_BINARY, OP_SHR, @2, $1, $3); }
	| bexpr '+' bexpr	{ $$ = binary(p, E_BINARY, OP_ADD, @2, $1, $3); }
	| bexpr '-' bexpr	{ $$ = binary(p, E_BINARY, OP_SUB, @2, $1, $3); }
	| bexpr '.' bexpr	{ $$ = binary(p, E_BINARY, OP_CONCAT, @2, $1, $3); }
	| bexpr '*' bexpr	{ $$ = binary(p, E_BINARY, OP_MUL, @2, $1, $3); }
	| bexpr '/' bexpr	{ $$ = binary(p, E_BINARY, OP_DIV, @2, $1, $3); }
	| bexpr '%' bexpr	{ $$ = binary(p, E_BINARY, OP_MOD, @2, $1, $3); }
	| postfix %prec LOW
	| prefix
	;

/* unary is what a prefix operator applies to; bexpr names postfix and
   prefix itself, one unit reduction fewer per operand. */
unary:
	  postfix %prec LOW
	| prefix
	;

prefix:
	  '-' unary		{ $$ = unary(p, E_UNARY, OP_NEG, @1, $2); }
	| '+' unary		{ $$ = unary(p, E_UNARY, OP_PLUS, @1, $2); }
	| '!' unary		{ $$ = unary(p, E_UNARY, OP_NOT, @1, $2); }
	| '~' unary		{ $$ = unary(p, E_UNARY, OP_BITNOT, @1, $2); }
	| '&' unary		{ $$ = unary(p, E_UNARY, OP_ADDR, @1, $2); }
	| INC unary		{ $$ = unary(p, E_UNARY, OP_INC, @1, $2); }
	| DEC unary		{ $$ = unary(p, E_UNARY, OP_DEC, @1, $2); }
	;

/* Atoms and postfix forms in one nonterminal, which saves a unit
   reduction per operand. */
postfix:
	  postfix INC		{ $$ = unary(p, E_POST, OP_INC, @2, $1); }
	| postfix DEC		{ $$ = unary(p, E_POST, OP_DEC, @2, $1); }
	| postfix ARROW IDENT	{ $$ = add_field(p, $1, $3); }
	| postfix '[' expr ']'	{ $$ = add_index(p, $1, @2, $3); }
	| postfix DSUFFIX	{ $$ = add_suffix(p, $1, $2); }
	| NUMBER		{ $$ = num(p, @1, $1.num); }
	| STRING		{ $$ = str(p, $1); }
	| EMBEDDED		{ $$ = ast_expr(p->s, E_EMBEDDED, @1);
				  $$->str = $1.text;
				  $$->flags = ast_pragmas($1.text); }
	| IDENT %prec LOW	{ $$ = ident(p, $1); }
	| IDENT '(' opt_args ')'
				{ $$ = sym(p, E_CALL, $1, $3); }
	| IDENT '[' slice_args ']'
				{ $$ = sym(p, E_INDEX, $1, $3); }
	| AT_OP '(' opt_args ')'
				{ $$ = at_call(p, $1, $3); }
	| '(' expr ')'		{ $$ = $2; }
	| '(' error ')'		{ $$ = ast_expr(p->s, E_WILD, @1); }
	| IDENT '(' error ')'	{ $$ = sym(p, E_CALL, $1, (List){0}); }
	| tchain
	| AT_OP '(' error ')'	{ $$ = at_call(p, $1, (List){0}); }
	| AT_CAST '(' error ')'	{ $$ = ast_expr(p->s, E_WILD, @1); }
	| AT_VAR '(' error ')'	{ $$ = ast_expr(p->s, E_WILD, @1); }
	;

tchain:
	  DOLLAR		{ $$ = target(p, $1); }
	| AT_CAST '(' expr ',' STRING ')'
				{ $$ = at_call(p, $1, list_add(p,
					list_one(p, $3), str(p, $5))); }
	| AT_CAST '(' expr ',' STRING ',' STRING ')'
				{ $$ = at_call(p, $1, list_add(p, list_add(p,
					list_one(p, $3), str(p, $5)),
					str(p, $7))); }
	| AT_VAR '(' STRING ')'	{ $$ = at_call(p, $1, list_one(p, str(p, $3))); }
	| AT_VAR '(' STRING ',' STRING ')'
				{ $$ = at_call(p, $1, list_add(p,
					list_one(p, str(p, $3)), str(p, $5))); }
	;

opt_args:
	  %empty		{ $$ = (List){0}; }
	| args
	;

args:
	  expr			{ $$ = list_one(p, $1); }
	| args ',' expr		{ $$ = list_add(p, $1, $3); }
	;

slice_args:
	  slice_arg		{ $$ = list_one(p, $1); }
	| slice_args ',' slice_arg
				{ $$ = list_add(p, $1, $3); }
	;

slice_arg:
	  expr
	| '*'			{ $$ = ast_expr(p->s, E_WILD, @1); }
	;

arrayref:
	  IDENT %prec LOW	{ $$ = ident(p, $1); }
	| IDENT '[' slice_args ']'
				{ $$ = sym(p, E_INDEX, $1, $3); }
	;

%%

/* ============================================================= lists */

enum { SCRATCH_BLOCK = 64 * 1024 };

static void *scratch_alloc(Parser *p, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	ScratchBlock *b = p->scratch_cur;
	if (!b || b->used + n > SCRATCH_BLOCK) {
		ScratchBlock *next = b ? b->next : p->scratch_first;
		if (!next) {
			next = xmalloc(sizeof *next + SCRATCH_BLOCK);
			next->next = NULL;
			if (b)
				b->next = next;
			else
				p->scratch_first = next;
		}
		next->used = 0;
		p->scratch_cur = b = next;
	}
	void *r = b->data + b->used;
	b->used += n;
	return r;
}

/* Forgets every list cell: called when no list is under construction. */
static void list_reset(Parser *p)
{
	p->scratch_cur = NULL;
}

static List list_one(Parser *p, void *item)
{
	return list_add(p, (List){0}, item);
}

static List list_add(Parser *p, List l, void *item)
{
	Cell *c = scratch_alloc(p, sizeof *c);
	c->item = item;
	c->next = NULL;
	if (l.tail)
		l.tail->next = c;
	else
		l.head = c;
	l.tail = c;
	l.n++;
	return l;
}

static void **list_array(Parser *p, List l)
{
	if (l.n == 0)
		return NULL;
	void **v = arena_alloc(&p->s->arena, l.n * sizeof *v);
	uint32_t i = 0;
	for (Cell *c = l.head; c; c = c->next)
		v[i++] = c->item;
	return v;
}

static void emit_decl(Parser *p, Decl *d)
{
	if (p->ndecls == p->decls_cap) {
		p->decls_cap = p->decls_cap ? 2 * p->decls_cap : 64;
		p->decls = xrealloc(p->decls, p->decls_cap * sizeof *p->decls);
	}
	p->decls[p->ndecls++] = d;
}

static void error_at(Parser *p, Loc loc, int width, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(p->s, DIAG_PARSE_ERROR, loc, width, fmt, ap);
	va_end(ap);
}

/* ======================================================= expressions */

static Expr *num(Parser *p, Loc loc, int64_t v)
{
	Expr *e = ast_expr(p->s, E_NUM, loc);
	e->num = v;
	return e;
}

static Expr *str(Parser *p, Token t)
{
	Expr *e = ast_expr(p->s, E_STR, t.loc);
	e->str = t.text;
	e->n = t.len;
	return e;
}

static Expr *ident(Parser *p, Token t)
{
	Expr *e = ast_expr(p->s, E_IDENT, t.loc);
	e->sym.name = t.text;
	e->n = t.len;
	return e;
}

static Expr *sym(Parser *p, ExprKind kind, Token t, List args)
{
	Expr *e = ast_expr(p->s, kind, t.loc);
	e->sym.name = t.text;
	e->sym.args = (Expr **)list_array(p, args);
	e->n = args.n;
	return e;
}

/* The right of =~ is compiled when the script is translated: it must
   be a literal. */
static void regex_not_literal(Parser *p, const Expr *e)
{
	if (e->kind == E_IDENT)
		error_at(p, e->loc, (int)strlen(e->sym.name), "expected a string "
			 "literal (the regular expression), saw '%s'",
			 e->sym.name);
	else
		error_at(p, e->loc, 1, "expected a string literal (the regular "
			 "expression), saw an expression");
}

static Expr *unary(Parser *p, ExprKind kind, Op op, Loc loc, Expr *a)
{
	Expr *e = ast_expr(p->s, kind, loc);
	e->op = (uint8_t)op;
	e->kid.a = a;
	return e;
}

static Expr *binary(Parser *p, ExprKind kind, Op op, Loc loc, Expr *a,
		    Expr *b)
{
	if ((op == OP_MATCH || op == OP_NOMATCH) && b->kind != E_STR)
		regex_not_literal(p, b);
	Expr *e = ast_expr(p->s, kind, loc);
	e->op = (uint8_t)op;
	e->kid.a = a;
	e->kid.b = b;
	return e;
}

static Expr *ternary(Parser *p, Loc loc, Expr *c, Expr *a, Expr *b)
{
	Expr *e = ast_expr(p->s, E_TERNARY, loc);
	e->kid.a = c;
	e->kid.b = a;
	e->kid.c = b;
	return e;
}

static Expr *in_expr(Parser *p, Loc loc, List keys, Expr *array)
{
	Expr *e = ast_expr(p->s, E_IN, loc);
	e->in.keys = (Expr **)list_array(p, keys);
	e->n = keys.n;
	e->in.array = array;
	return e;
}

static Expr *target(Parser *p, Token t)
{
	Expr *e = ast_expr(p->s, E_TARGET, t.loc);
	e->target.name = t.text;
	return e;
}

/* @op(args): the argument count is checked here, the types in pass 2. */
static Expr *at_call(Parser *p, Token t, List args)
{
	AtOp op = ast_at_lookup(t.text);
	int min, max;
	ast_at_arity(op, &min, &max);
	if ((int)args.n < min || (int)args.n > max)
		error_at(p, t.loc, (int)t.len, "'%s' takes %d%s argument%s, "
			 "not %u", t.text, min, min == max ? "" : " or more",
			 max == 1 ? "" : "s", args.n);
	Expr *e = ast_expr(p->s, E_AT, t.loc);
	e->op = (uint8_t)op;
	e->at.args = (Expr **)list_array(p, args);
	e->n = args.n;
	return e;
}

/* `e` ready to take components: targets and @-operators hold their
   own, anything else is wrapped in an E_DEREF. */
static Expr *chain_of(Parser *p, Expr *e)
{
	if (e->kind == E_TARGET || e->kind == E_AT || e->kind == E_DEREF)
		return e;
	Expr *d = ast_expr(p->s, E_DEREF, e->loc);
	d->deref.base = e;
	return d;
}

/* The component list of a target chain, growing by one. */
static TComp *grow_comps(Parser *p, Expr *chain, Loc loc)
{
	uint32_t *n = chain->kind == E_AT ? &chain->at.ncomps : &chain->n;
	TComp **v = chain->kind == E_TARGET ? &chain->target.comps
		  : chain->kind == E_AT ? &chain->at.comps
					: &chain->deref.comps;
	if (chain->flags & (EF_PRETTY | EF_PRETTY_DEEP))
		error_at(p, loc, 1, "a pretty-printing '$' must end its "
			 "target expression");
	TComp *nv = arena_alloc(&p->s->arena, (*n + 1) * sizeof *nv);
	if (*n)
		memcpy(nv, *v, *n * sizeof *nv);
	*v = nv;
	TComp *c = &nv[(*n)++];
	c->loc = loc;
	return c;
}

static Expr *add_field(Parser *p, Expr *chain, Token name)
{
	chain = chain_of(p, chain);
	grow_comps(p, chain, name.loc)->name = name.text;
	return chain;
}

static Expr *add_index(Parser *p, Expr *chain, Loc loc, Expr *index)
{
	chain = chain_of(p, chain);
	TComp *c = grow_comps(p, chain, loc);
	c->is_index = 1;
	c->index = index;
	return chain;
}

static Expr *add_suffix(Parser *p, Expr *chain, Token t)
{
	chain = chain_of(p, chain);
	if (chain->flags)
		error_at(p, t.loc, (int)t.len, "a pretty-printing '$' must "
			 "end its target expression");
	chain->flags = t.len >= 2 ? EF_PRETTY_DEEP : EF_PRETTY;
	return chain;
}

static Op assign_op(const Token *t)
{
	switch ((TokCode)t->code) {
	case TC_ADD_ASSIGN: return OP_ADD_ASSIGN;
	case TC_SUB_ASSIGN: return OP_SUB_ASSIGN;
	case TC_MUL_ASSIGN: return OP_MUL_ASSIGN;
	case TC_DIV_ASSIGN: return OP_DIV_ASSIGN;
	case TC_MOD_ASSIGN: return OP_MOD_ASSIGN;
	case TC_SHL_ASSIGN: return OP_SHL_ASSIGN;
	case TC_SHR_ASSIGN: return OP_SHR_ASSIGN;
	case TC_AND_ASSIGN: return OP_AND_ASSIGN;
	case TC_XOR_ASSIGN: return OP_XOR_ASSIGN;
	case TC_OR_ASSIGN: return OP_OR_ASSIGN;
	case TC_CAT_ASSIGN: return OP_CONCAT_ASSIGN;
	case TC_APPEND: return OP_AGG_ASSIGN;
	default: return OP_ASSIGN;
	}
}

/* ======================================================== statements */

static Stmt *block(Parser *p, Loc loc, List stmts)
{
	Stmt *st = ast_stmt(p->s, S_BLOCK, loc);
	st->block.v = (Stmt **)list_array(p, stmts);
	st->n = stmts.n;
	return st;
}

static Stmt *simple(Parser *p, StmtKind kind, Loc loc, Expr *e)
{
	if (kind == S_RETURN && !p->in_function)
		error_at(p, loc, 6, "'return' outside a function; "
			 "use 'next' to leave a probe");
	Stmt *st = ast_stmt(p->s, kind, loc);
	if (kind == S_EXPR || kind == S_RETURN || kind == S_DELETE)
		st->expr = e;
	return st;
}

/* Statements dropped by recovery are NULL; an empty one stands in. */
static Stmt *or_empty(Parser *p, Stmt *st, Loc loc)
{
	return st ? st : ast_stmt(p->s, S_EMPTY, loc);
}

static Stmt *if_stmt(Parser *p, Loc loc, Expr *c, Stmt *a, Stmt *b)
{
	Stmt *st = ast_stmt(p->s, S_IF, loc);
	st->cond.e = c;
	st->cond.then = or_empty(p, a, loc);
	st->cond.els = b;
	return st;
}

static Stmt *loop(Parser *p, StmtKind kind, Loc loc, Expr *init,
		  Expr *cond, Expr *incr, Stmt *body)
{
	Stmt *st = ast_stmt(p->s, kind, loc);
	st->loop.init = init;
	st->loop.cond = cond;
	st->loop.incr = incr;
	st->loop.body = or_empty(p, body, loc);
	return st;
}

/*
 * While parsing, a foreach variable or array carries its sort mark in
 * `flags` (1 for +, 2 for -) and a statistic in `op`; foreach() moves
 * them into the statement and clears them.
 */
static Expr *sort_mark(Parser *p, Expr *var, Token mark)
{
	(void)p;
	var->flags = mark.text[0] == '+' ? 1 : 2;
	return var;
}

static Expr *sort_agg(Parser *p, Expr *array, Token agg)
{
	AtOp op = ast_at_lookup(agg.text);
	if (op < AT_COUNT || op > AT_VARIANCE)
		error_at(p, agg.loc, (int)agg.len, "expected a statistic like "
			 "'@count' or '@sum', saw '%s'", agg.text);
	array->op = (uint8_t)op;
	return array;
}

/* Takes the sort mark of `e`, if any, as sorting on column `col`. */
static void take_sort(Parser *p, Stmt *st, Expr *e, int col)
{
	if (!e || !e->flags)
		return;
	if (st->sort_dir)
		error_at(p, e->loc, 1, "only one sort mark is allowed "
			 "in a foreach");
	st->sort_dir = e->flags == 1 ? 1 : -1;
	st->sort_col = (uint8_t)col;
	e->flags = 0;
}

static Stmt *foreach(Parser *p, Loc loc, Expr *value, List keys,
		     Expr *array, Expr *limit, Stmt *body)
{
	Stmt *st = ast_stmt(p->s, S_FOREACH, loc);
	st->fe.value = value;
	st->fe.keys = (Expr **)list_array(p, keys);
	st->n = keys.n;
	st->fe.array = array;
	st->fe.limit = limit;
	st->fe.body = or_empty(p, body, loc);
	take_sort(p, st, value, 0);
	for (uint32_t i = 0; i < keys.n; i++)
		take_sort(p, st, st->fe.keys[i], (int)i + 1);
	take_sort(p, st, array, 0);
	if (array->kind != E_AT) {
		st->sort_agg = array->op;
		array->op = 0;
	}
	return st;
}

static Stmt *try_stmt(Parser *p, Loc loc, Stmt *body, Expr *var,
		      Stmt *handler)
{
	Stmt *st = ast_stmt(p->s, S_TRY, loc);
	st->try_.body = body;
	st->try_.var = var;
	st->try_.handler = handler;
	return st;
}

/* ====================================================== declarations */

static Decl *global_var(Parser *p, Token name, Expr *init)
{
	Decl *d = ast_decl(p->s, D_GLOBAL, name.loc);
	d->global.name = name.text;
	d->global.init = init;
	return d;
}

static Decl *global_array(Parser *p, Token name, Token size, bool wrap)
{
	Decl *d = global_var(p, name, NULL);
	d->flags = wrap ? DF_WRAP : 0;
	if (size.kind != TOK_NUMBER)
		return d;
	d->flags |= DF_ARRAY;
	d->global.size = size.num;
	if (size.num <= 0)
		error_at(p, size.loc, (int)size.len, "array size must be "
			 "positive, not %s", size.text);
	return d;
}

static void emit_globals(Parser *p, List vars, bool private_)
{
	for (Cell *c = vars.head; c; c = c->next) {
		Decl *d = c->item;
		if (private_)
			d->flags |= DF_PRIVATE;
		emit_decl(p, d);
	}
}

static AstType type_of(Parser *p, Token t)
{
	if (strcmp(t.text, "long") == 0)
		return TY_LONG;
	if (strcmp(t.text, "string") == 0)
		return TY_STRING;
	error_at(p, t.loc, (int)t.len, "expected 'long' or 'string', saw '%s'",
		 t.text);
	return TY_NONE;
}

static Param *param(Parser *p, Token name, AstType type)
{
	Param *pm = scratch_alloc(p, sizeof *pm);
	pm->name = name.text;
	pm->loc = name.loc;
	pm->type = (uint8_t)type;
	return pm;
}

static Decl *function(Parser *p, Token name, AstType type, List params)
{
	Decl *d = ast_decl(p->s, D_FUNCTION, name.loc);
	d->func.name = name.text;
	d->type = (uint8_t)type;
	d->n = params.n;
	if (params.n)
		d->func.params = arena_alloc(&p->s->arena,
					     params.n * sizeof(Param));
	uint32_t i = 0;
	for (Cell *c = params.head; c; c = c->next)
		d->func.params[i++] = *(Param *)c->item;
	p->in_function = true;
	return d;
}

static Decl *probe(Parser *p, Loc loc, List points, Stmt *body)
{
	Decl *d = ast_decl(p->s, D_PROBE, loc);
	d->probe.points = (ProbePoint **)list_array(p, points);
	d->n = points.n;
	d->probe.body = body;
	return d;
}

static Decl *alias(Parser *p, Loc loc, ProbePoint *name, bool epilogue,
		   List points, Stmt *body)
{
	Decl *d = probe(p, loc, points, body);
	d->kind = D_ALIAS;
	d->probe.alias = name;
	if (epilogue)
		d->flags |= DF_EPILOGUE;
	if (name->flags || name->cond)
		error_at(p, name->loc, 1, "a probe alias name cannot be "
			 "optional or conditional");
	return d;
}

static Decl *embedded(Parser *p, Token t)
{
	Decl *d = ast_decl(p->s, D_EMBEDDED, t.loc);
	d->code = t.text;
	return d;
}

static PPComp *component(Parser *p, Token name, Expr *arg)
{
	PPComp *c = scratch_alloc(p, sizeof *c);
	c->name = name.text;
	c->arg = arg;
	c->loc = name.loc;
	return c;
}

static ProbePoint *point(Parser *p, List comps, int flags, Expr *cond)
{
	ProbePoint *pp = arena_alloc(&p->s->arena, sizeof *pp);
	PPComp *first = comps.head->item;
	pp->loc = first->loc;
	pp->flags = (uint8_t)flags;
	pp->n = comps.n;
	pp->comps = arena_alloc(&p->s->arena, comps.n * sizeof(PPComp));
	uint32_t i = 0;
	for (Cell *c = comps.head; c; c = c->next)
		pp->comps[i++] = *(PPComp *)c->item;
	pp->cond = cond;
	return pp;
}

/* ---------------------------------------------- brace expansion */

enum { EXPANSION_MAX = 10000 };	/* probe points one point may become */

/* One probe point of a brace expansion, as far as it is known. */
typedef struct Variant {
	List comps;		/* PPComp */
	int flags;		/* PP_* written inside braces */
	Expr *cond;
	Loc marked;		/* where those were written */
} Variant;

static List list_join(List a, List b)
{
	if (!a.head)
		return b;
	if (b.head) {
		a.tail->next = b.head;
		a.tail = b.tail;
		a.n += b.n;
	}
	return a;
}

static List list_copy(Parser *p, List l)
{
	List out = {0};
	for (Cell *c = l.head; c; c = c->next)
		out = list_add(p, out, c->item);
	return out;
}

static Variant *variant_new(Parser *p, List comps)
{
	Variant *v = scratch_alloc(p, sizeof *v);
	*v = (Variant){ .comps = comps };
	return v;
}

static List variant_of(Parser *p, PPComp *c)
{
	return list_one(p, variant_new(p, list_one(p, c)));
}

/* Every variant of `a` followed by every variant of `b`, in product
   order.  Marks and conditions belong after the last component only. */
static List variant_product(Parser *p, List a, List b)
{
	List out = {0};
	for (Cell *x = a.head; x; x = x->next) {
		Variant *l = x->item;
		if (l->flags || l->cond) {
			error_at(p, l->marked, 1, "'?', '!' and 'if' only follow "
				 "the last component of a probe point");
			l->flags = 0;
			l->cond = NULL;
		}
		for (Cell *y = b.head; y; y = y->next) {
			Variant *r = y->item;
			if (out.n > EXPANSION_MAX)
				return out;	/* expand_point reports it */
			Variant *v = variant_new(p, list_join(list_copy(p, l->comps),
							      list_copy(p, r->comps)));
			v->flags = r->flags;
			v->cond = r->cond;
			v->marked = r->marked;
			out = list_add(p, out, v);
		}
	}
	return out;
}

static List variant_mark(Parser *p, List vs, int flags, Expr *cond, Loc at)
{
	for (Cell *c = vs.head; c; c = c->next) {
		Variant *v = c->item;
		if (!flags && !cond)
			continue;
		v->flags |= flags;
		if (cond && v->cond)
			error_at(p, cond->loc, 1, "a probe point takes one 'if'");
		else if (cond)
			v->cond = cond;
		v->marked = at;
	}
	return vs;
}

/* The probe points a written point stands for. */
static List expand_point(Parser *p, List vs, int flags, Expr *cond)
{
	List out = {0};
	vs = variant_mark(p, vs, flags, cond, cond ? cond->loc : (Loc){0});
	if (vs.n > EXPANSION_MAX) {
		Variant *first = vs.head->item;
		PPComp *c = first->comps.head->item;
		error_at(p, c->loc, 1, "brace expansion gives more than %d "
			 "probe points", EXPANSION_MAX);
	}
	for (Cell *c = vs.head; c; c = c->next) {
		Variant *v = c->item;
		out = list_add(p, out, point(p, v->comps, v->flags, v->cond));
	}
	return out;
}

/* An alias defines one name: no brace expansion there. */
static ProbePoint *alias_name(Parser *p, List points)
{
	ProbePoint *pp = points.head->item;
	if (points.n > 1)
		error_at(p, pp->loc, 1, "an alias name cannot use braces");
	return pp;
}

/* ============================================================= yylex */

/* The next synthetic closer, with the location of the token it
   precedes (p->cur). */
static int next_injected(Parser *p, Token *t)
{
	int tok = p->inject_parens ? ')' : '}';
	if (p->inject_parens)
		p->inject_parens--;
	else
		p->inject_braces--;
	*t = p->cur;
	t->kind = TOK_OP;
	t->code = (uint8_t)tok;
	t->text = tok == ')' ? ")" : "}";
	t->len = 1;
	return tok;
}

/* The next token: one put back, or else the preprocessor's. */
static void next_raw(Parser *p, Token *t)
{
	if (p->npend) {
		*t = p->pend[--p->npend];
		return;
	}
	pp_next(p->pp, t);
}

static void push_back(Parser *p, Token t)
{
	if (p->npend == p->pend_cap) {
		p->pend_cap = p->pend_cap ? 2 * p->pend_cap : 8;
		p->pend = xrealloc(p->pend, (size_t)p->pend_cap * sizeof *p->pend);
	}
	p->pend[p->npend++] = t;
}

static bool is_op(const Token *t, int code)
{
	return t->kind == TOK_OP && t->code == code;
}

/* Grammar tokens of the keywords, by TokCode. */
static const short keyword_tokens[] = {
	[TC_KW_PROBE] = T_PROBE, [TC_KW_GLOBAL] = T_GLOBAL,
	[TC_KW_FUNCTION] = T_FUNCTION, [TC_KW_PRIVATE] = T_PRIVATE,
	[TC_KW_IF] = T_IF, [TC_KW_ELSE] = T_ELSE, [TC_KW_WHILE] = T_WHILE,
	[TC_KW_FOR] = T_FOR, [TC_KW_FOREACH] = T_FOREACH, [TC_KW_IN] = T_IN,
	[TC_KW_LIMIT] = T_LIMIT, [TC_KW_BREAK] = T_BREAK,
	[TC_KW_CONTINUE] = T_CONTINUE, [TC_KW_NEXT] = T_NEXT,
	[TC_KW_RETURN] = T_RETURN, [TC_KW_DELETE] = T_DELETE,
	[TC_KW_TRY] = T_TRY, [TC_KW_CATCH] = T_CATCH,
};

static int keyword(const Token *t)
{
	return t->code ? keyword_tokens[t->code] : T_IDENT;
}

/* Grammar tokens of the operators, by TokCode; 0 for those the grammar
   never sees (the preprocessor's %( %? %: %)). */
static const short op_tokens[256] = {
	['{'] = '{', ['}'] = '}', ['('] = '(', [')'] = ')', ['['] = '[',
	[']'] = ']', [';'] = ';', [','] = ',', [':'] = ':', ['='] = '=',
	['?'] = '?', ['.'] = '.', ['+'] = '+', ['-'] = '-', ['*'] = '*',
	['/'] = '/', ['%'] = '%', ['&'] = '&', ['|'] = '|', ['^'] = '^',
	['<'] = '<', ['>'] = '>', ['!'] = '!', ['~'] = '~',
	[TC_OROR] = T_OROR, [TC_ANDAND] = T_ANDAND, [TC_EQ] = T_EQ,
	[TC_NE] = T_NE, [TC_LE] = T_LE, [TC_GE] = T_GE, [TC_MATCH] = T_MATCH,
	[TC_NOMATCH] = T_NOMATCH, [TC_SHL] = T_SHL, [TC_SHR] = T_SHR,
	[TC_INC] = T_INC, [TC_DEC] = T_DEC, [TC_ARROW] = T_ARROW,
	[TC_ADD_ASSIGN] = T_ASSIGNOP, [TC_SUB_ASSIGN] = T_ASSIGNOP,
	[TC_MUL_ASSIGN] = T_ASSIGNOP, [TC_DIV_ASSIGN] = T_ASSIGNOP,
	[TC_MOD_ASSIGN] = T_ASSIGNOP, [TC_SHL_ASSIGN] = T_ASSIGNOP,
	[TC_SHR_ASSIGN] = T_ASSIGNOP, [TC_AND_ASSIGN] = T_ASSIGNOP,
	[TC_XOR_ASSIGN] = T_ASSIGNOP, [TC_OR_ASSIGN] = T_ASSIGNOP,
	[TC_CAT_ASSIGN] = T_ASSIGNOP, [TC_APPEND] = T_ASSIGNOP,
};

static int op_token(const Token *t)
{
	int tok = op_tokens[t->code];
	return tok ? tok : T_BADTOK;
}

static bool glues(const Token *t)
{
	if (t->flags & TF_SPACE_BEFORE)
		return false;
	return t->kind == TOK_IDENT || t->kind == TOK_NUMBER ||
	       is_op(t, '*');
}

/* A probe point component name: the tokens of `first` and all that
   follow it without a blank, joined. */
static Token glue_name(Parser *p, Token first)
{
	Token next;
	next_raw(p, &next);
	if (!glues(&next)) {
		push_back(p, next);
		return first;
	}
	StrBuf b = {0};
	sb_putn(&b, first.text, first.len);
	Token last = first;
	for (; glues(&next); next_raw(p, &next)) {
		sb_putn(&b, next.text, next.len);
		last = next;
	}
	push_back(p, next);
	first.text = arena_strndup(&p->s->arena, b.data, b.len);
	if (last.loc.line == first.loc.line)
		first.len = (uint32_t)(last.loc.col + last.len - first.loc.col);
	else
		first.len = (uint32_t)b.len;
	sb_free(&b);
	return first;
}

/* $name$ and $name$$ arrive as one token: split off the suffix. */
static int dollar(Parser *p, Token *t)
{
	size_t n = t->len, start = strspn(t->text, "$");
	if (start == n)
		return T_DSUFFIX;
	size_t end = start;
	while (end < n && t->text[end] != '$')
		end++;
	if (end < n) {
		Token suffix = *t;
		suffix.text = t->text + end;
		suffix.len = (uint32_t)(n - end);
		suffix.loc.col = (uint16_t)(t->loc.col + end);
		suffix.flags = 0;
		push_back(p, suffix);
		t->text = arena_strndup(&p->s->arena, t->text, end);
		t->len = (uint32_t)end;
	}
	return T_DOLLAR;
}

static int at_token(Parser *p, const Token *t)
{
	AtOp op = ast_at_lookup(t->text);
	if (op == AT_NONE) {
		error_at(p, t->loc, (int)t->len, "unknown macro '%s'", t->text);
		p->last_error = t->loc;
		return T_SONDE_YYerror;
	}
	if (op == AT_CAST)
		return T_AT_CAST;
	if (op == AT_VAR)
		return T_AT_VAR;
	return T_AT_OP;
}

static void open_brace(Parser *p, Loc loc)
{
	if (p->braces == p->brace_cap) {
		p->brace_cap = p->brace_cap ? 2 * p->brace_cap : 16;
		p->brace_locs = xrealloc(p->brace_locs,
					 (size_t)p->brace_cap * sizeof(Loc));
	}
	p->brace_locs[p->braces++] = loc;
}

/* After "expected '}'" or an error at the end of input: which brace
   is still open. */
static void note_open_brace(Parser *p)
{
	if (p->braces > 0)
		diag_at(p->s, DIAG_NOTE, p->brace_locs[p->braces - 1], 1,
			"this '{' is not closed");
}

/*
 * At a component's place a '{' opens a brace expansion when the token
 * after its matching '}' goes on with a probe point; otherwise it is a
 * body that came too early (`probe {`, `probe a, {`), and the grammar
 * reports the missing probe point.  The tokens read, as many as it
 * takes to find the matching '}', are put back.
 */
static bool expansion_ahead(Parser *p)
{
	Token *seen = NULL;
	size_t n = 0, cap = 0;
	int depth = 1;
	bool expansion = false;
	for (;;) {
		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 64;
			seen = xrealloc(seen, cap * sizeof *seen);
		}
		Token *t = &seen[n++];
		next_raw(p, t);
		if (t->kind == TOK_EOF)
			break;
		if (is_op(t, '{'))
			depth++;
		if (!is_op(t, '}') || --depth > 0)
			continue;
		Token *after = &seen[n++];
		next_raw(p, after);
		expansion = is_op(after, '.') || is_op(after, ',') ||
			    is_op(after, '{') || is_op(after, '?') ||
			    is_op(after, '!') || is_op(after, '=') ||
			    is_op(after, TC_ADD_ASSIGN) ||
			    (after->kind == TOK_IDENT && after->code == TC_KW_IF);
		break;
	}
	while (n > 0)
		push_back(p, seen[--n]);
	free(seen);
	return expansion;
}

/* Keeps the probe point context up to date for an operator token. */
static int points_op(Parser *p, const Token *t, int tok)
{
	if (tok == '(')
		p->parens++;
	else if (tok == ')' && p->parens > 0)
		p->parens--;
	else if (tok == '{' && p->parens == 0 && p->pp_expect_comp &&
		 expansion_ahead(p)) {
		p->pp_groups++;
		return T_PP_LBRACE;
	} else if (tok == '}' && p->parens == 0 && p->pp_groups > 0) {
		p->pp_groups--;
		return T_PP_RBRACE;
	} else if (tok == '{' && p->parens == 0) {
		p->in_points = false;
		p->braces = 0;
		open_brace(p, t->loc);
	} else if (tok == T_ASSIGNOP && p->parens == 0 &&
		   t->code == TC_ADD_ASSIGN)
		return T_ALIAS_ADD;
	return tok;
}

/*
 * Braces never nest inside parentheses, and declarations never nest
 * inside bodies: a brace inside open parentheses, or a declaration
 * keyword starting a line inside a body, means a ')' or '}' is missing.
 * The missing closers are handed out before `t` (then `t` itself), so
 * the parser resumes where the script obviously meant to be instead of
 * recovery swallowing the next probe.  A brace in parentheses is first
 * shown to the parser so that it reports the error in its own words
 * (see yyreport_syntax_error); closers are supplied silently when an
 * error inside the parentheses was reported already.
 */
static int close_open(Parser *p, Token *t, bool braces_too)
{
	p->inject_parens = p->nparen;
	p->inject_braces = braces_too ? p->braces : 0;
	p->nparen = 0;
	if (braces_too)
		p->braces = 0;
	push_back(p, *t);
	p->cur = *t;
	return next_injected(p, t);
}

/* A declaration keyword at the start of a line inside a body. */
static int missing_closers(Parser *p, Token *t)
{
	if (!p->nparen || p->s->nerrors == p->paren_errors) {
		error_at(p, t->loc, (int)t->len, "expected '%c', saw '%s'",
			 p->nparen ? ')' : '}', t->text);
		p->last_error = t->loc;
		if (!p->nparen)
			note_open_brace(p);
	}
	return close_open(p, t, true);
}

/* Called on a syntax error at `cur`: a brace rejected inside
   parentheses gets its closers now, and is read again after them. */
static void close_after_error(Parser *p)
{
	const Token *t = &p->cur;
	if (p->nparen == 0 || t->kind != TOK_OP ||
	    (t->code != '{' && t->code != '}'))
		return;
	p->inject_parens = p->nparen;
	p->nparen = 0;
	push_back(p, *t);
}

static int ident_token(Parser *p, Token *t)
{
	if (p->after_arrow)
		return T_IDENT;
	bool decl_start = t->flags & TF_LINE_START;
	int kw = keyword(t);
	if (p->in_points && p->parens == 0) {
		if (kw == T_IF)
			return T_IF;
		if (!decl_start || p->pp_groups > 0 ||
		    (kw != T_PROBE && kw != T_GLOBAL &&
		     kw != T_FUNCTION && kw != T_PRIVATE)) {
			*t = glue_name(p, *t);
			return T_PPNAME;
		}
		p->in_points = false;
	}
	bool decl_kw = kw == T_PROBE || kw == T_GLOBAL || kw == T_FUNCTION ||
		       kw == T_PRIVATE;
	if (decl_kw && decl_start && !p->in_points &&
	    (p->braces > 0 || p->nparen > 0))
		return missing_closers(p, t);
	if (decl_kw)
		p->nparen = 0;
	if (kw == T_PROBE) {
		p->in_points = true;
		p->parens = 0;
		p->pp_groups = 0;
		p->braces = 0;
		p->in_function = false;
	}
	return kw;
}

/* Keeps the '(' depth outside probe points; true for a parenthesis. */
static bool count_paren(Parser *p, int tok)
{
	if (tok == '(') {
		if (p->nparen++ == 0)
			p->paren_errors = p->s->nerrors;
		return true;
	}
	if (tok == ')') {
		if (p->nparen > 0)
			p->nparen--;
		return true;
	}
	return false;
}

static int classify(Parser *p, Token *t)
{
	int tok;
	switch (t->kind) {
	case TOK_EOF:
		return T_END;
	case TOK_ERROR:
		return T_SONDE_YYerror;
	case TOK_IDENT:
		return ident_token(p, t);
	case TOK_NUMBER:
		return T_NUMBER;
	case TOK_STRING:
		return T_STRING;
	case TOK_DOLLAR:
		return dollar(p, t);
	case TOK_AT:
		return at_token(p, t);
	case TOK_EMBEDDED:
		return T_EMBEDDED;
	case TOK_OP:
		break;
	}
	tok = op_token(t);
	if (p->in_points)
		return points_op(p, t, tok);
	if ((tok == '{' || tok == '}') && p->nparen > 0) {
		if (p->s->nerrors > p->paren_errors)
			return close_open(p, t, false);
		return tok;	/* counted when read again */
	}
	if (count_paren(p, tok))
		return tok;
	if (tok == '{')
		open_brace(p, t->loc);
	else if (tok == '}' && p->braces > 0)
		p->braces--;
	return tok;
}

/* The grammar token of `t`, just read, with the context updates that
   reading it implies. */
static int take_token(Parser *p, Token *t)
{
	int tok;
	p->ntokens++;
	if (p->in_points && p->parens == 0 && is_op(t, '*')) {
		*t = glue_name(p, *t);
		tok = T_PPNAME;
	} else {
		tok = classify(p, t);
	}
	if (p->in_points && p->parens == 0)
		p->pp_expect_comp = tok == T_PROBE || tok == ',' || tok == '.' ||
				    tok == '=' || tok == T_ALIAS_ADD ||
				    tok == T_PP_LBRACE;
	p->after_arrow = tok == T_ARROW;
	p->cur = *t;
	return tok;
}

static int yylex(YYSTYPE *lval, Loc *lloc, Parser *p)
{
	Token *t = &lval->tok;
	int tok;
	if (p->inject_parens > 0 || p->inject_braces > 0) {
		tok = next_injected(p, t);
	} else {
		next_raw(p, t);
		tok = take_token(p, t);
	}
	*lloc = t->loc;
	return tok;
}

/* ==================================================== error messages */

/* Token codes of the categories messages name instead of listing. */
static const int expr_start[] = {
	T_IDENT, T_NUMBER, T_STRING, T_DOLLAR, T_EMBEDDED, T_AT_CAST,
	T_AT_VAR, T_AT_OP, '(', '[', '-', '+', '!', '~', '&', T_INC, T_DEC, 0
};
static const int stmt_start[] = {
	T_IF, T_WHILE, T_FOR, T_FOREACH, T_BREAK, T_CONTINUE, T_NEXT,
	T_RETURN, T_DELETE, T_TRY, '{', ';', 0
};
static const int decl_start[] = {
	T_PROBE, T_GLOBAL, T_FUNCTION, T_PRIVATE, T_EMBEDDED, 0
};
/* Tokens that could only continue what came before: left out of the
   message when anything else would do. */
static const int continuation[] = {
	T_OROR, T_ANDAND, T_EQ, T_NE, T_LE, T_GE, T_MATCH, T_NOMATCH,
	T_SHL, T_SHR, T_INC, T_DEC, T_ARROW, T_ASSIGNOP, T_DSUFFIX, T_IN,
	'=', '?', '|', '^', '&', '<', '>', '+', '-', '.', '*', '/', '%',
	'(', '[', '!', T_IF, T_ALIAS_ADD, 0
};

typedef struct Expected {
	bool has[YYNTOKENS];
	const char *items[YYNTOKENS];
	int nitems;
} Expected;

/* If `first` is expected, names the category and drops its tokens. */
static bool take(Expected *x, const int *codes, int first, const char *name)
{
	if (!x->has[YYTRANSLATE(first)])
		return false;
	for (const int *c = codes; *c; c++)
		x->has[YYTRANSLATE(*c)] = false;
	x->items[x->nitems++] = name;
	return true;
}

static bool any_left(const Expected *x)
{
	for (int i = 0; i < YYNTOKENS; i++)
		if (x->has[i])
			return true;
	return false;
}

static void drop(Expected *x, const int *codes)
{
	for (const int *c = codes; *c; c++)
		x->has[YYTRANSLATE(*c)] = false;
}

/* "';'", "a statement or '}'", "an expression": short and readable. */
static void describe_expected(const yysymbol_kind_t *v, int n, StrBuf *out)
{
	Expected x = {0};
	for (int i = 0; i < n; i++)
		x.has[v[i]] = true;
	if (take(&x, decl_start, T_GLOBAL, "a declaration"))
		x.has[YYSYMBOL_YYEOF] = false;
	if (take(&x, stmt_start, T_WHILE, "a statement"))
		drop(&x, expr_start);
	else if (x.has[YYTRANSLATE(T_IDENT)])
		take(&x, expr_start, T_NUMBER, "an expression");
	if (x.has[YYTRANSLATE(')')])	/* types are optional */
		x.has[YYTRANSLATE(':')] = false;
	if (x.has[YYTRANSLATE(T_PPNAME)])	/* braces make probe points */
		x.has[YYTRANSLATE(T_PP_LBRACE)] = false;
	Expected saved = x;
	drop(&x, continuation);
	if (!any_left(&x) && x.nitems == 0)
		x = saved;
	for (int i = 0; i < YYNTOKENS && x.nitems < YYNTOKENS; i++)
		if (x.has[i])
			x.items[x.nitems++] = yysymbol_name((yysymbol_kind_t)i);
	if (x.nitems == 0) {
		sb_puts(out, "something else");
		return;
	}
	if (x.nitems > 4)
		x.nitems = 4;
	for (int i = 0; i < x.nitems; i++) {
		if (i > 0)
			sb_puts(out, i == x.nitems - 1 ? " or " : ", ");
		sb_puts(out, x.items[i]);
	}
}

static int yyreport_syntax_error(const yypcontext_t *ctx, Parser *p)
{
	close_after_error(p);
	if (memcmp(&p->cur.loc, &p->last_error, sizeof(Loc)) == 0)
		return 0;
	p->last_error = p->cur.loc;
	yysymbol_kind_t v[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, v, YYNTOKENS);
	StrBuf want = {0};
	describe_expected(v, n < 0 ? 0 : n, &want);
	yysymbol_kind_t tok = yypcontext_token(ctx);
	int width = tok == YYSYMBOL_YYEOF ? 1 : (int)p->cur.len;
	if (tok == YYSYMBOL_STRING)
		width = 1;
	char saw[LEX_DESCRIBE_MAX];
	error_at(p, p->cur.loc, width, "expected %s, saw %s", want.data,
		 lex_describe(&p->cur, saw));
	if (tok == YYSYMBOL_YYEOF)
		note_open_brace(p);
	sb_free(&want);
	return 0;
}

static void yyerror(Loc *loc, Parser *p, const char *msg)
{
	error_at(p, *loc, 1, "%s", msg);
}

/* ============================================================= entry */

struct AstFile *parse_file(Session *s, uint16_t file)
{
	Parser p = {.s = s, .file = file};
	p.pp = pp_open(s, file);
	if (!p.pp)
		return NULL;
	int errors_before = s->nerrors;
	sonde_yyparse(&p);
	s->parse_tokens += p.ntokens;
	pp_close(p.pp);
	const SrcFile *src = src_get(s, file);
	if (p.ntokens <= 1 && p.ndecls == 0 && !src->is_tapset &&
	    s->nerrors == errors_before)
		error_at(&p, (Loc){0}, 1, "script '%s' is empty", src->name);
	AstFile *f = arena_alloc(&s->arena, sizeof *f);
	f->file = file;
	f->n = (uint32_t)p.ndecls;
	f->decls = (Decl **)ast_list(s, (void *const *)p.decls, f->n);
	free(p.decls);
	free(p.brace_locs);
	free(p.pend);
	for (ScratchBlock *b = p.scratch_first, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	return f;
}
