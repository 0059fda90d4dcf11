/*
 * parse.h - the interface of pass 1: from source text to an AST.
 *
 * Pass 1 is three layers, each pulling tokens from the one below:
 *   lexer.l       bytes -> raw tokens (comments dropped, strings decoded)
 *   preprocess.c  raw tokens -> tokens: %( %? %: %) conditionals,
 *                 @define macros and their expansion, $1/@1/$#/@#
 *   parse.y       tokens -> AST (ast.h), with error recovery
 * and unparse.c prints an AST back as canonical script text (-p1).
 */
#ifndef SONDE_PARSE_H
#define SONDE_PARSE_H

#include "sonde.h"

/* ------------------------------------------------------------ lexer.l */

typedef struct Lexer Lexer;
Lexer *lex_open(Session *s, uint16_t file);
void lex_close(Lexer *lx);
/* When a thread of its own scans the text: work for that thread while
   the ring of tokens is full (see ParseAhead).  No effect otherwise. */
void lex_set_idle(Lexer *lx, bool (*idle)(void *arg), void *arg);
/* While lenient, the lexical errors of the tokens handed out are not
   reported, except TF_UNCLOSED ones: the preprocessor skips a branch not
   taken so, which need only be tokens as far as they can be told
   apart, as SystemTap lets it be. */
void lex_set_lenient(Lexer *lx, bool on);

/*
 * The tokens a lexer has scanned and not yet handed out, which lex_next
 * takes inline while it can: a Lexer starts with this.  The others, an
 * error (reported as it is handed out) and the end of the text, and the
 * scanning of the next batch go through lex_next_slow().
 */
typedef struct LexBatch {
	const Token *next, *end;
} LexBatch;
void lex_next_slow(Lexer *lx, Token *t);

/* Stores the next raw token in *t; errors are reported and returned as
   TOK_ERROR.  Tokens are written in place rather than returned: each
   layer fills its caller's token, so none is copied on the way up. */
static inline void lex_next(Lexer *lx, Token *t)
{
	LexBatch *b = (LexBatch *)lx;
	if (__builtin_expect(b->next != b->end, 1) &&
	    b->next->kind != TOK_ERROR && b->next->kind != TOK_EOF) {
		*t = *b->next++;
		return;
	}
	lex_next_slow(lx, t);
}
/* What a token looks like in a message: 'foo', a number 42, a string
   "abc", end of input.  Writes into buf (LEX_DESCRIBE_MAX bytes) and
   returns it, so the parser and the preprocessor word tokens alike. */
#define LEX_DESCRIBE_MAX 200
const char *lex_describe(const Token *t, char *buf);

/* --------------------------------------------------------- preprocess.c */

/*
 * Macros defined with @define in tapset macro files are visible to every
 * script; pp_add_library_macros() registers the definitions of one such
 * file before scripts are parsed.
 */
typedef struct Preproc Preproc;
Preproc *pp_open(Session *s, uint16_t file);

/* The part of a Preproc that pp_next's fast path reads: the first
   member of struct Preproc (preprocess.c). */
typedef struct PpHead {
	Lexer *lx;
	int nframes;		/* macro expansions being read */
	int from;		/* frame of the last raw token, -1: the lexer */
	bool has_back;		/* a raw token pushed back */
	bool has_ahead;		/* a token read ahead, after a string */
} PpHead;

/* Tokens that no layer above the lexer changes or consumes. */
static inline bool pp_plain(const Token *t)
{
	switch ((TokKind)t->kind) {
	case TOK_IDENT:
	case TOK_NUMBER:
	case TOK_EMBEDDED:
	case TOK_ERROR:
		return true;
	case TOK_DOLLAR: {
		/* A target ($var, $$vars, '$'), not a script argument. */
		char c = t->text[1];
		return !((c >= '0' && c <= '9') || c == '#');
	}
	case TOK_OP:
		return t->code < TC_PP_IF || t->code > TC_PP_END;
	default:
		return false;
	}
}

/* Everything but pp_next's fast path; `read` when *t holds the token
   that path read from the lexer and could not hand out as it is. */
void pp_next_slow(Preproc *pp, Token *t, bool read);

/* The next token after preprocessing.  Inline: outside expansions, most
   tokens come straight from the lexer, and this runs for every one. */
static inline void pp_next(Preproc *pp, Token *t)
{
	PpHead *h = (PpHead *)pp;
	if (h->has_ahead || h->has_back || h->nframes) {
		pp_next_slow(pp, t, false);
		return;
	}
	lex_next(h->lx, t);
	h->from = -1;
	if (!pp_plain(t))
		pp_next_slow(pp, t, true);
}

/* Work the lexer's scan-ahead thread may do while it waits for the
   parser (see lex_set_idle). */
void pp_set_idle(Preproc *pp, bool (*idle)(void *arg), void *arg);
void pp_close(Preproc *pp);
void pp_add_library_macros(Session *s, uint16_t file);

/* --------------------------------------------------- parse.y, unparse.c */

struct AstFile;
struct Decl;
/* Parses one registered file; NULL only on unrecoverable failure.  Parse
   errors are reported and counted in s->nerrors; the returned tree holds
   whatever parsed cleanly. */
struct AstFile *parse_file(Session *s, uint16_t file);

/*
 * Work to overlap with the parse of a long text: `decl` gets each
 * top-level declaration, in order, as soon as it is complete (on the
 * parser's thread; the declaration is never changed afterwards), and
 * `idle` is called on the lexer's scan-ahead thread while that waits for
 * the parser, to do a small piece of work at a time; it returns false
 * when there is none to do.
 */
typedef struct ParseAhead {
	void (*decl)(void *arg, const struct Decl *d);
	bool (*idle)(void *arg);
	void *arg;
} ParseAhead;
struct AstFile *parse_file_ahead(Session *s, uint16_t file,
				 const ParseAhead *ahead);

void unparse_file(const struct AstFile *f, FILE *out);
/* The same for a long file: the second half of its declarations is
   printed into memory on a thread of its own meanwhile. */
void unparse_file_parallel(const struct AstFile *f, FILE *out);
/*
 * -p1 of a long file printed while it is parsed: the declarations the
 * parser completes are printed into memory by the scanner's thread when
 * it has time to spare.  unparse_ahead_open fills in the hooks for
 * parse_file_ahead; unparse_ahead_finish (once that returned) writes the
 * tree `f` to `out`, what was printed ahead first, and frees everything;
 * with f NULL it only frees.
 */
typedef struct UnparseAhead UnparseAhead;
UnparseAhead *unparse_ahead_open(ParseAhead *hooks);
void unparse_ahead_finish(UnparseAhead *u, const struct AstFile *f,
			  FILE *out);
/* Whether a text of `len` bytes is long enough for pass 1 to use a
   second thread (the lexer's scan-ahead, the parallel unparser). */
bool lex_wants_thread(size_t len);

#endif
