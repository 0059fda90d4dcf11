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

#include "core/sonde.h"

/* ------------------------------------------------------------ lexer.l */

typedef struct Lexer Lexer;
Lexer *lex_open(Session *s, uint16_t file);
void lex_close(Lexer *lx);
/* While lenient, the lexical errors of the tokens handed out are not
   reported, except TF_UNCLOSED ones: the preprocessor skips a branch not
   taken so, which need only be tokens as far as they can be told
   apart, as SystemTap lets it be. */
void lex_set_lenient(Lexer *lx, bool on);
/* Stores the next raw token in *t; errors are reported as it is handed
   out and returned as TOK_ERROR. */
void lex_next(Lexer *lx, Token *t);
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

/* The next token after preprocessing. */
void pp_next(Preproc *pp, Token *t);
void pp_close(Preproc *pp);
void pp_add_library_macros(Session *s, uint16_t file);

/* --------------------------------------------------- parse.y, unparse.c */

struct AstFile;
struct Decl;
/* Parses one registered file; NULL only on unrecoverable failure.  Parse
   errors are reported and counted in s->nerrors; the returned tree holds
   whatever parsed cleanly. */
struct AstFile *parse_file(Session *s, uint16_t file);

void unparse_file(const struct AstFile *f, FILE *out);

#endif
