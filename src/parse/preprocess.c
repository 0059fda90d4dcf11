/*
 * preprocess.c - raw tokens to the tokens the grammar sees.
 *
 * Pulls raw tokens from the lexer and applies, in one streaming pass:
 *   %( COND %? tokens %: tokens %)   conditionals, only the chosen
 *                                    branch passes through
 *   @define name(params) %( body %)  macro definitions, and expansion
 *                                    of @name / @name(args) / @param
 *   $1 .. $N, $#, @1 .. @N, @#       script argument substitution
 *   "a" "b"                          adjacent string literals joined
 * String joining happens last, on the expanded stream, so "x" @1 and
 * literals brought together by a macro are joined too.
 *
 * Expansion works on a stack of token frames above the lexer: a macro
 * body, the actual tokens of a macro parameter, or the tokens of a
 * script argument.  Frames are popped lazily (only when read past), so
 * recursion is seen by walking each frame's `up` link: the frame that
 * held the token which started the expansion.
 *
 * Locations: each macro expansion registers an expansion source whose
 * text is the defining file's text, so body tokens keep their line and
 * column and only change file; diagnostics then print the body line and
 * "in expansion of macro '@foo'" at the use site, chaining through
 * nested expansions.  Script arguments are lexed from an expansion
 * source holding the argument text.  Source indexes are 16 bits, so
 * past EXPANSION_FILES_MAX registered sources body tokens keep their
 * definition locations instead.
 *
 * Branches not taken are only scanned for %( %? %: %) nesting: their
 * macros and script arguments are neither expanded nor checked.
 */
#include "parse/parse.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* The SystemTap language level sonde accepts, for `systemtap_v`. */
#define SONDE_COMPAT_VERSION "5.0"
/* sonde builds kernel modules only. */
#define SONDE_RUNTIME "kernel"

#define EXPANSION_FILES_MAX 60000
#define FRAMES_MAX 4096
/* Bounds the work of a script whose macros expand exponentially. */
#define EXPANSIONS_MAX 10000000

/* -------------------------------------------------------- string maps */

/* Open-addressing map from NUL-terminated names to pointers.  Maps in
   the session live in its arena; a file's own map uses the heap. */
typedef struct Map {
	const char **keys;
	void **vals;
	size_t cap, n;
	Arena *arena;
} Map;

static size_t hash(const char *k)
{
	size_t h = 2166136261u;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

static void *map_get(const Map *m, const char *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return NULL;
		if (!strcmp(m->keys[i], k))
			return m->vals[i];
	}
}

static void *map_alloc(Map *m, size_t n)
{
	return m->arena ? arena_alloc(m->arena, n) : xcalloc(1, n);
}

static void map_put(Map *m, const char *k, void *v);

static void map_grow(Map *m)
{
	Map old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->n = 0;
	m->keys = map_alloc(m, m->cap * sizeof *m->keys);
	m->vals = map_alloc(m, m->cap * sizeof *m->vals);
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			map_put(m, old.keys[i], old.vals[i]);
	if (!m->arena) {
		free(old.keys);
		free(old.vals);
	}
}

/* Inserts or replaces. */
static void map_put(Map *m, const char *k, void *v)
{
	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	size_t i = hash(k) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], k))
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
}

static void map_free(Map *m)
{
	if (!m->arena) {
		free(m->keys);
		free(m->vals);
	}
}

/* ---------------------------------------------------------- the state */

typedef struct TokList {
	Token *v;
	size_t n;
} TokList;

typedef struct Macro {
	const char *name;	/* without the '@' */
	const char *what;	/* "macro '@name'", for expansion sources */
	const char **params;
	int nparams;
	bool has_parens;	/* defined as name(...): uses need (...) */
	TokList body;
	Loc loc;		/* the name in its @define */
} Macro;

/*
 * Session-wide pass-1 state: the macros of the tapset library, and the
 * target kernel's configuration, read on first use by a CONFIG_ test.
 */
struct MacroTable {
	Map macros;
	Map config;
	bool config_loaded;
	bool config_missing;	/* the target kernel has no configuration */
};

/*
 * A frame of tokens being expanded.  `up` is the frame that held the
 * token which started this expansion (-1: the lexer), for recursion
 * checks; `scope` is the body frame whose parameters its tokens may
 * name (-1: none).  `macro` is set for macro bodies only, `argno` for
 * script arguments only.  `file` >= 0 moves token locations into that
 * expansion source.
 */
typedef struct Frame {
	TokList toks;
	size_t pos;
	const Macro *macro;
	TokList *args;		/* macro bodies: actual parameters */
	int argno;
	int up, scope;
	int file;
	uint8_t first_flags;	/* flags of the use, for the first token */
	bool started;
} Frame;

/* An open %( whose chosen branch is being read. */
typedef struct Cond {
	Loc loc;
	int src;		/* frame the %( came from, -1: the lexer */
	bool in_else;		/* reading the %: branch */
} Cond;

struct Preproc {
	Session *s;
	Lexer *lx;
	int nframes;		/* macro expansions being read */
	int from;		/* frame of the last raw token, -1: the lexer */
	bool has_back;		/* a raw token pushed back */
	bool has_ahead;		/* a token read ahead, after a string */
	Frame *frames;
	int frames_cap;
	Cond *conds;
	int nconds, conds_cap;
	Map local;		/* this file's own macros */
	Map *defs;		/* where @define puts definitions */
	Token back;		/* one raw token pushed back (has_back) */
	int back_from;
	Token ahead;		/* one token read ahead for string joining
				   (has_ahead) */
	StrBuf join;
	long expansions;	/* macro uses expanded so far */
	struct utsname uts;	/* the host, read on first use */
	bool uts_done;
};

/* Spelling of a token for messages. */
/* How a message names a token: 'foo', a number 2, end of input. */
#define spell(t) lex_describe((t), (char[LEX_DESCRIBE_MAX]){0})

/* Columns to underline: the token's spelling, within reason. */
static int width(const Token *t)
{
	if (t->kind == TOK_STRING || t->kind == TOK_EOF || t->len < 1)
		return 1;
	return t->len > 200 ? 200 : (int)t->len;
}

static Token error_tok(Loc loc)
{
	return (Token){ .kind = TOK_ERROR, .loc = loc, .text = "" };
}

static bool is_op(const Token *t, const char *op)
{
	return t->kind == TOK_OP && !strcmp(t->text, op);
}

static bool is_pct(const Token *t, char c)
{
	return t->kind == TOK_OP && t->len == 2 && t->text[0] == '%' &&
	       t->text[1] == c;
}

/* ---------------------------------------------------------- token vectors */

typedef struct TokVec {
	Token *v;
	size_t n, cap;
} TokVec;

static void vec_push(TokVec *v, Token t)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = t;
}

/* Moves a vector into the arena and empties it. */
static TokList vec_keep(Session *s, TokVec *v)
{
	TokList l = { .v = NULL, .n = v->n };
	if (v->n) {
		l.v = arena_alloc(&s->arena, v->n * sizeof *l.v);
		memcpy(l.v, v->v, v->n * sizeof *l.v);
	}
	v->n = 0;
	return l;
}

/* --------------------------------------------------------------- frames */

static void cond_unterminated(Preproc *pp, const Cond *c)
{
	diag_at(pp->s, DIAG_PARSE_ERROR, c->loc, 2,
		"unterminated conditional: '%%(' without matching '%%)'");
}

static void pop_frame(Preproc *pp)
{
	int top = --pp->nframes;
	while (pp->nconds && pp->conds[pp->nconds - 1].src >= top)
		cond_unterminated(pp, &pp->conds[--pp->nconds]);
}

static int push_frame(Preproc *pp, Frame f)
{
	if (pp->nframes == pp->frames_cap) {
		pp->frames_cap = pp->frames_cap ? pp->frames_cap * 2 : 16;
		pp->frames = xrealloc(pp->frames,
				      (size_t)pp->frames_cap * sizeof *pp->frames);
	}
	pp->frames[pp->nframes] = f;
	return pp->nframes++;
}

static Token frame_token(Frame *f)
{
	Token t = f->toks.v[f->pos++];
	if (f->file >= 0)
		t.loc.file = (uint16_t)f->file;
	if (!f->started) {
		t.flags = f->first_flags;
		f->started = true;
	}
	return t;
}

/* Next token without any processing, from the innermost frame. */
static Token read_raw(Preproc *pp)
{
	if (pp->has_back) {
		pp->has_back = false;
		pp->from = pp->back_from;
		return pp->back;
	}
	while (pp->nframes) {
		Frame *f = &pp->frames[pp->nframes - 1];
		if (f->pos < f->toks.n) {
			pp->from = pp->nframes - 1;
			return frame_token(f);
		}
		pop_frame(pp);
	}
	pp->from = -1;
	Token t;
	lex_next(pp->lx, &t);
	return t;
}

/* Next raw token of frame `from` only; false when that frame is done. */
static bool read_same(Preproc *pp, int from, Token *t)
{
	if (from < 0) {
		lex_next(pp->lx, t);
		return t->kind != TOK_EOF;
	}
	Frame *f = &pp->frames[from];
	if (f->pos >= f->toks.n)
		return false;
	*t = frame_token(f);
	return true;
}

static void push_back(Preproc *pp, Token t, int from)
{
	pp->back = t;
	pp->back_from = from;
	pp->has_back = true;
}

/* ------------------------------------------------------- script arguments */

static bool arg_index(const Token *t, size_t *idx)
{
	if (t->text[1] == '#')
		return false;
	*idx = strtoul(t->text + 1, NULL, 10);
	return true;
}

static bool in_range(Preproc *pp, const Token *t, size_t idx)
{
	size_t n = pp->s->script_args.n;
	if (idx >= 1 && idx <= n)
		return true;
	if (n)
		diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, width(t),
			"command line argument index %zu out of range [1-%zu]",
			idx, n);
	else
		diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, width(t),
			"command line argument index %zu out of range: no arguments given",
			idx);
	return false;
}

static bool arg_recursive(Preproc *pp, int from, int argno)
{
	for (int i = from; i >= 0; i = pp->frames[i].up)
		if (pp->frames[i].argno == argno)
			return true;
	return false;
}

static const char *count_text(Preproc *pp)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%zu", pp->s->script_args.n);
	return arena_strdup(&pp->s->arena, buf);
}

/* @N, @#: the argument (or the count) as a string literal. */
static Token arg_string(Preproc *pp, Token t)
{
	size_t idx;
	const char *text;
	if (!arg_index(&t, &idx))
		text = count_text(pp);
	else if (in_range(pp, &t, idx))
		text = arena_strdup(&pp->s->arena, pp->s->script_args.v[idx - 1]);
	else
		return error_tok(t.loc);
	t.kind = TOK_STRING;
	t.text = text;
	t.len = (uint32_t)strlen(text);
	return t;
}

/* The lexed tokens of script argument `idx`, in an expansion source. */
static TokList lex_arg(Preproc *pp, size_t idx, Loc use)
{
	Session *s = pp->s;
	const char *text = s->script_args.v[idx - 1];
	char buf[48];
	snprintf(buf, sizeof buf, "command line argument $%zu", idx);
	const char *what = arena_strdup(&s->arena, buf);
	uint16_t file = src_add_expansion(s, "<command line>", what, text,
					  strlen(text), use);
	TokVec v = {0};
	Lexer *lx = lex_open(s, file);
	Token t;
	for (lex_next(lx, &t); t.kind != TOK_EOF; lex_next(lx, &t))
		vec_push(&v, t);
	lex_close(lx);
	TokList l = vec_keep(s, &v);
	free(v.v);
	return l;
}

/*
 * $N: pushes the argument's tokens; $#: the count as a number.
 * Returns true with a token to hand on in *t, false after a push.
 */
static bool expand_dollar(Preproc *pp, Token *t, int from)
{
	size_t idx;
	if (!arg_index(t, &idx)) {
		t->kind = TOK_NUMBER;
		t->num = (int64_t)pp->s->script_args.n;
		t->text = count_text(pp);
		t->len = (uint32_t)strlen(t->text);
		return true;
	}
	if (!in_range(pp, t, idx)) {
		*t = error_tok(t->loc);
		return true;
	}
	if (arg_recursive(pp, from, (int)idx) || pp->nframes >= FRAMES_MAX) {
		diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, width(t),
			"recursive use of command line argument %s", t->text);
		*t = error_tok(t->loc);
		return true;
	}
	push_frame(pp, (Frame){ .toks = lex_arg(pp, idx, t->loc),
				.argno = (int)idx, .up = from, .scope = -1,
				.file = -1, .first_flags = t->flags });
	return false;
}

/* ------------------------------------------------------------- macros */

static const Macro *find_macro(Preproc *pp, const char *name)
{
	const Macro *m = map_get(&pp->local, name);
	if (!m && pp->s->macros)
		m = map_get(&pp->s->macros->macros, name);
	return m;
}

static bool macro_recursive(Preproc *pp, int from, const Macro *m)
{
	for (int i = from; i >= 0; i = pp->frames[i].up)
		if (pp->frames[i].macro == m)
			return true;
	return false;
}

static int opening(const Token *u)
{
	return is_op(u, "(") || is_op(u, "[") || is_op(u, "{");
}

static int closing(const Token *u)
{
	return is_op(u, ")") || is_op(u, "]") || is_op(u, "}");
}

/*
 * args: '(' [ tokens { ',' tokens } ] ')'
 * Arguments are balanced token sequences split at top-level commas;
 * they must end in the frame the use came from.
 */
static bool collect_args(Preproc *pp, const Macro *m, const Token *use,
			 int from, TokList **out, int *nout)
{
	Token u = { .kind = TOK_EOF };
	if (!read_same(pp, from, &u) || !is_op(&u, "(")) {
		diag_at(pp->s, DIAG_PARSE_ERROR, use->loc, width(use),
			"macro '@%s' takes %d argument%s, given none", m->name,
			m->nparams, m->nparams == 1 ? "" : "s");
		if (u.kind != TOK_EOF)
			push_back(pp, u, from);
		return false;
	}
	TokVec all = {0};
	size_t *ends = NULL, nends = 0;	/* argument boundaries in `all` */
	int depth = 0;
	bool ok = false, commas = false;
	while (read_same(pp, from, &u)) {
		if (opening(&u)) {
			depth++;
		} else if (closing(&u) && depth == 0) {
			ok = is_op(&u, ")");
			if (!ok)
				push_back(pp, u, from);
			break;
		} else if (closing(&u)) {
			depth--;
		} else if (is_op(&u, ",") && depth == 0) {
			ends = xrealloc(ends, (nends + 1) * sizeof *ends);
			ends[nends++] = all.n;
			commas = true;
			continue;
		}
		vec_push(&all, u);
	}
	if (!ok) {
		diag_at(pp->s, DIAG_PARSE_ERROR, use->loc, width(use),
			"unterminated argument list of macro '@%s'", m->name);
	} else {
		int n = (all.n || commas) ? (int)nends + 1 : 0;
		TokList whole = vec_keep(pp->s, &all);
		TokList *args = arena_alloc(&pp->s->arena,
					    (size_t)(n ? n : 1) * sizeof *args);
		for (int i = 0, start = 0; i < n; i++) {
			size_t end = i < (int)nends ? ends[i] : whole.n;
			args[i] = (TokList){ whole.v ? whole.v + start : NULL,
					     end - (size_t)start };
			start = (int)end;
		}
		*out = args;
		*nout = n;
	}
	free(all.v);
	free(ends);
	return ok;
}

/* Where the tokens of one expansion of `m` say they come from. */
static int expansion_file(Preproc *pp, const Macro *m, Loc use)
{
	Session *s = pp->s;
	if (s->nfiles >= EXPANSION_FILES_MAX)
		return -1;
	const SrcFile *def = src_get(s, m->loc.file);
	return src_add_expansion(s, def->name, m->what, def->text, def->len,
				 use);
}

/* Expands a use of `m`; false with an error token in *t on failure. */
static bool invoke(Preproc *pp, const Macro *m, Token *t, int from)
{
	if (macro_recursive(pp, from, m) || pp->nframes >= FRAMES_MAX) {
		diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, width(t),
			"recursive macro expansion of '@%s'", m->name);
		*t = error_tok(t->loc);
		return false;
	}
	if (++pp->expansions > EXPANSIONS_MAX) {
		if (pp->expansions == EXPANSIONS_MAX + 1)
			diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, width(t),
				"more than %d macro expansions: giving up on "
				"expanding '@%s'", EXPANSIONS_MAX, m->name);
		*t = error_tok(t->loc);
		return false;
	}
	TokList *args = NULL;
	int nargs = 0;
	if (m->has_parens) {
		if (!collect_args(pp, m, t, from, &args, &nargs)) {
			*t = error_tok(t->loc);
			return false;
		}
		if (nargs != m->nparams) {
			diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, width(t),
				"macro '@%s' takes %d argument%s, given %d",
				m->name, m->nparams, m->nparams == 1 ? "" : "s",
				nargs);
			*t = error_tok(t->loc);
			return false;
		}
	}
	push_frame(pp, (Frame){ .toks = m->body, .macro = m, .args = args,
				.up = from, .scope = pp->nframes,
				.file = expansion_file(pp, m, t->loc),
				.first_flags = t->flags });
	return true;
}

/* @param inside a macro body: pushes the actual tokens. */
static bool expand_param(Preproc *pp, const Token *t, int from)
{
	int sc = from >= 0 ? pp->frames[from].scope : -1;
	if (sc < 0)
		return false;
	const Macro *m = pp->frames[sc].macro;
	for (int i = 0; i < m->nparams; i++) {
		if (strcmp(m->params[i], t->text + 1))
			continue;
		int up = pp->frames[sc].up;
		TokList toks = pp->frames[sc].args[i];
		push_frame(pp, (Frame){ .toks = toks, .up = up,
					.scope = up >= 0 ? pp->frames[up].scope : -1,
					.file = -1, .first_flags = t->flags });
		return true;
	}
	return false;
}

/*
 * @name: a parameter, a macro, or a token for the grammar.  A macro may
 * take the name of a language operator (@max, @count ...): within the
 * file that defines it, the macro wins.  Returns true with the token to
 * hand on in *t, false after a push.
 */
static bool expand_at(Preproc *pp, Token *t, int from)
{
	const char *name = t->text + 1;
	if (expand_param(pp, t, from))
		return false;
	const Macro *m = find_macro(pp, name);
	if (!m)
		return true;
	return !invoke(pp, m, t, from);
}

/* Tokens with macros, parameters and script arguments expanded. */
static Token next_expanded(Preproc *pp)
{
	for (;;) {
		Token t = read_raw(pp);
		if (t.kind != TOK_DOLLAR && t.kind != TOK_AT)
			return t;
		int from = pp->from;
		char c = t.text[1];
		bool arg = (c >= '0' && c <= '9') || c == '#';
		if (t.kind == TOK_DOLLAR) {
			if (!arg || expand_dollar(pp, &t, from))
				return t;
		} else if (arg) {
			return arg_string(pp, t);
		} else if (expand_at(pp, &t, from)) {
			return t;
		}
	}
}

/* -------------------------------------------------------------- @define */

static int skip_branch(Preproc *pp, bool stop_at_else);

/*
 * Reports "expected <what>, saw <u>" for a malformed definition, then
 * drops what is left of it: tokens up to a body '%( ... %)', which is
 * skipped too, or up to the next line, which is read again.  *at
 * becomes the error token.
 */
static bool define_error(Preproc *pp, Token *at, Token u, const char *what)
{
	diag_at(pp->s, DIAG_PARSE_ERROR, u.loc, width(&u), "expected %s, saw %s",
		what, spell(&u));
	*at = error_tok(at->loc);
	for (;; u = read_raw(pp)) {
		if (is_pct(&u, '(')) {
			skip_branch(pp, false);
			return true;
		}
		if (u.kind == TOK_EOF || (u.flags & TF_LINE_START))
			break;
	}
	if (u.kind != TOK_EOF)
		push_back(pp, u, pp->from);
	return true;
}

/* params: '(' [ IDENT { ',' IDENT } ] ')' -- after the '(' */
static bool define_params(Preproc *pp, Macro *m, Token *u)
{
	const char **v = NULL;
	int n = 0;
	bool ok = false;
	for (*u = read_raw(pp); ; *u = read_raw(pp)) {
		if (n == 0 && is_op(u, ")")) {
			ok = true;
			break;
		}
		if (u->kind != TOK_IDENT)
			break;
		for (int i = 0; i < n; i++)
			if (!strcmp(v[i], u->text))
				diag_at(pp->s, DIAG_PARSE_ERROR, u->loc, width(u),
					"duplicate parameter '%s' of macro '@%s'",
					u->text, m->name);
		v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
		v[n++] = u->text;
		*u = read_raw(pp);
		if (is_op(u, ")")) {
			ok = true;
			break;
		}
		if (!is_op(u, ","))
			break;
	}
	m->nparams = n;
	m->params = arena_alloc(&pp->s->arena, (size_t)(n ? n : 1) * sizeof *v);
	if (n)
		memcpy(m->params, v, (size_t)n * sizeof *v);
	free(v);
	return ok;
}

/* body: '%(' balanced tokens '%)' -- after the '%(' */
static bool define_body(Preproc *pp, Macro *m)
{
	TokVec v = {0};
	int depth = 0;
	bool ok = false;
	for (Token u = read_raw(pp); u.kind != TOK_EOF; u = read_raw(pp)) {
		if (is_pct(&u, '(')) {
			depth++;
		} else if (is_pct(&u, ')') && depth-- == 0) {
			ok = true;
			break;
		}
		vec_push(&v, u);
	}
	m->body = vec_keep(pp->s, &v);
	free(v.v);
	return ok;
}

static void define_add(Preproc *pp, Macro *m)
{
	if (!strcmp(m->name, "define")) {
		diag_at(pp->s, DIAG_PARSE_ERROR, m->loc, (int)strlen(m->name),
			"cannot define a macro named '@define'");
		return;
	}
	const Macro *old = map_get(pp->defs, m->name);
	if (old) {
		diag_at(pp->s, DIAG_PARSE_ERROR, m->loc, (int)strlen(m->name),
			"redefinition of macro '@%s'", m->name);
		diag_at(pp->s, DIAG_NOTE, old->loc, (int)strlen(old->name),
			"previous definition of '@%s' is here", old->name);
		return;
	}
	map_put(pp->defs, m->name, m);
}

/* @define IDENT [ params ] '%(' body '%)' -- after the @define.
   False once defined, true with an error token in *at. */
static bool define(Preproc *pp, Token *at)
{
	Token u = read_raw(pp);
	if (u.kind != TOK_IDENT)
		return define_error(pp, at, u, "a macro name after '@define'");
	Macro *m = arena_alloc(&pp->s->arena, sizeof *m);
	m->name = u.text;
	m->loc = u.loc;
	char what[300];
	snprintf(what, sizeof what, "macro '@%s'", m->name);
	m->what = arena_strdup(&pp->s->arena, what);
	u = read_raw(pp);
	if (is_op(&u, "(")) {
		m->has_parens = true;
		if (!define_params(pp, m, &u)) {
			snprintf(what, sizeof what, "a parameter name, ',' or ')' "
				 "in the parameters of macro '@%s'", m->name);
			return define_error(pp, at, u, what);
		}
		u = read_raw(pp);
	}
	if (!is_pct(&u, '(')) {
		snprintf(what, sizeof what, "'%%(' to begin the body of macro '@%s'",
			 m->name);
		return define_error(pp, at, u, what);
	}
	if (!define_body(pp, m)) {
		diag_at(pp->s, DIAG_PARSE_ERROR, at->loc, width(at),
			"unterminated body of macro '@%s': missing '%%)'",
			m->name);
		*at = error_tok(at->loc);
		return true;
	}
	define_add(pp, m);
	return false;
}

/* ------------------------------------------------- condition values */

static const struct utsname *host(Preproc *pp)
{
	if (!pp->uts_done) {
		pp->uts_done = true;
		if (uname(&pp->uts) != 0)
			memset(&pp->uts, 0, sizeof pp->uts);
	}
	return &pp->uts;
}

/* Conditions on the kernel are what makes pass 1 need one installed. */
static const char *kernel_release(Preproc *pp)
{
	return kernel_require(pp->s);
}

/* kernel_v: the release without its suffix, "6.5.0" of "6.5.0-14-generic". */
static const char *kernel_version(Preproc *pp, char *buf, size_t n)
{
	const char *r = kernel_release(pp);
	size_t len = strspn(r, "0123456789.");
	while (len && r[len - 1] == '.')
		len--;
	snprintf(buf, n, "%.*s", (int)len, r);
	return buf;
}

/* The kernel's name for a machine, as `arch` compares it. */
static const char *arch_name(Preproc *pp)
{
	static const struct { const char *glob, *arch; } names[] = {
		{ "i?86", "i386" }, { "aarch64*", "arm64" }, { "arm*", "arm" },
		{ "ppc*", "powerpc" }, { "s390*", "s390" },
		{ "sparc*", "sparc" }, { "mips*", "mips" },
		{ "riscv*", "riscv" }, { "loongarch*", "loongarch" },
	};
	if (pp->s->arch)
		return pp->s->arch;
	const char *machine = host(pp)->machine;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!fnmatch(names[i].glob, machine, 0))
			return names[i].arch;
	return machine;
}

static void parse_config(Session *s, Map *m, char *text)
{
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (strncmp(line, "CONFIG_", 7) || !eq)
			continue;
		*eq = '\0';
		char *v = eq + 1;
		size_t n = strlen(v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
			v++;
			n -= 2;
		}
		map_put(m, arena_strdup(&s->arena, line),
			arena_strndup(&s->arena, v, n));
	}
}

static struct MacroTable *table(Session *s)
{
	if (!s->macros) {
		s->macros = arena_alloc(&s->arena, sizeof *s->macros);
		s->macros->macros.arena = &s->arena;
		s->macros->config.arena = &s->arena;
	}
	return s->macros;
}

/* The target kernel's configuration, from its build tree or /boot;
   false if neither has one. */
static bool load_config(Preproc *pp, Map *config)
{
	const char *rel = kernel_release(pp);
	char *paths[3] = {
		pp->s->kernel_build_dir
			? xasprintf("%s/.config", pp->s->kernel_build_dir)
			: xasprintf("/lib/modules/%s/build/.config", rel),
		pp->s->kernel_build_dir ? NULL : xasprintf("/boot/config-%s", rel),
		NULL
	};
	bool found = false;
	for (int i = 0; paths[i]; i++) {
		size_t len;
		char *text = found ? NULL : read_file(paths[i], &len);
		if (text) {
			parse_config(pp->s, config, text);
			found = true;
		}
		free(text);
		free(paths[i]);
	}
	return found;
}

/* CONFIG_X of the target kernel, "" when unset; config_ready() has
   loaded the configuration. */
static const char *config_value(Preproc *pp, const char *name)
{
	const char *v = map_get(&table(pp->s)->config, name);
	return v ? v : "";
}

/* Compares version strings: digit runs as numbers, other bytes as is. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			unsigned long long x = strtoull(a, (char **)&a, 10);
			unsigned long long y = strtoull(b, (char **)&b, 10);
			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return 0;
}

/* ------------------------------------------------------ conditions */

typedef enum CmpOp { OP_LT, OP_LE, OP_EQ, OP_NE, OP_GT, OP_GE, OP_NONE } CmpOp;

static CmpOp cmp_op(const Token *t)
{
	static const char *const ops[] = { "<", "<=", "==", "!=", ">", ">=" };
	if (t->kind == TOK_OP)
		for (int i = 0; i < 6; i++)
			if (!strcmp(ops[i], t->text))
				return (CmpOp)i;
	return OP_NONE;
}

static bool holds(CmpOp op, int cmp)
{
	switch (op) {
	case OP_LT: return cmp < 0;
	case OP_LE: return cmp <= 0;
	case OP_EQ: return cmp == 0;
	case OP_NE: return cmp != 0;
	case OP_GT: return cmp > 0;
	case OP_GE: return cmp >= 0;
	default: return false;
	}
}

static bool has_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* == and != match the right side as a glob pattern. */
static bool compare_strings(CmpOp op, const char *l, const char *r,
			    bool version)
{
	if (op == OP_EQ || op == OP_NE) {
		if (!version || has_glob(r))
			return fnmatch(r, l, 0) == 0 ? op == OP_EQ : op == OP_NE;
	}
	return holds(op, version ? version_cmp(l, r) : strcmp(l, r));
}

/* What the left side of a comparison names.  ARCH .. CONFIG are names
   compared with == and != only. */
typedef enum Subject {
	SUBJ_NONE, SUBJ_KERNEL_V, SUBJ_KERNEL_VR, SUBJ_SYSTEMTAP_V, SUBJ_ARCH,
	SUBJ_RUNTIME, SUBJ_PRIVILEGE, SUBJ_CONFIG, SUBJ_GURU, SUBJ_NUMBER,
	SUBJ_STRING
} Subject;

static Subject subject(const Token *t)
{
	static const struct { const char *name; Subject subj; } names[] = {
		{ "kernel_v", SUBJ_KERNEL_V }, { "kernel_vr", SUBJ_KERNEL_VR },
		{ "systemtap_v", SUBJ_SYSTEMTAP_V }, { "arch", SUBJ_ARCH },
		{ "runtime", SUBJ_RUNTIME },
		{ "systemtap_privilege", SUBJ_PRIVILEGE },
		{ "guru_mode", SUBJ_GURU },
	};
	if (t->kind == TOK_NUMBER)
		return SUBJ_NUMBER;
	if (t->kind == TOK_STRING)
		return SUBJ_STRING;
	if (t->kind != TOK_IDENT)
		return SUBJ_NONE;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(names[i].name, t->text))
			return names[i].subj;
	return strncmp(t->text, "CONFIG_", 7) ? SUBJ_NONE : SUBJ_CONFIG;
}

/* The reader of one condition: `cur` is the token under examination. */
typedef struct CondParser {
	Preproc *pp;
	Token cur;
	bool failed;		/* an error was reported: value is false */
} CondParser;

static void advance(CondParser *cp)
{
	cp->cur = next_expanded(cp->pp);
}

static bool fail(CondParser *cp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reports the first error of a condition only: the rest would echo it. */
static bool fail(CondParser *cp, const char *fmt, ...)
{
	if (!cp->failed) {
		va_list ap;
		va_start(ap, fmt);
		diag_vat(cp->pp->s, DIAG_PARSE_ERROR, cp->cur.loc,
			 width(&cp->cur), fmt, ap);
		va_end(ap);
	}
	cp->failed = true;
	return false;
}

/* Loads the target kernel's configuration, once.  A kernel without one
   is an error at the first option a condition tests (and the condition
   false), never a kernel with every option unset. */
static bool config_ready(CondParser *cp, const Token *t)
{
	Preproc *pp = cp->pp;
	struct MacroTable *mt = table(pp->s);
	if (!mt->config_loaded) {
		mt->config_loaded = true;
		mt->config_missing = !load_config(pp, &mt->config);
		const char *dir = pp->s->kernel_build_dir;
		const char *rel = kernel_release(pp);
		if (mt->config_missing && dir)
			diag_at(pp->s, DIAG_ERROR, t->loc, width(t),
				"no .config in kernel build tree %s to read %s "
				"from", dir, t->text);
		else if (mt->config_missing)
			diag_at(pp->s, DIAG_ERROR, t->loc, width(t),
				"no configuration of kernel %s to read %s from: "
				"install linux-headers-%s", rel, t->text, rel);
	}
	if (mt->config_missing)
		cp->failed = true;
	return !mt->config_missing;
}

/* '@defined' '(' tokens ')': true for a single defined @macro. */
static bool defined_test(CondParser *cp)
{
	Preproc *pp = cp->pp;
	Token u = read_raw(pp), first = { .kind = TOK_EOF };
	if (!is_op(&u, "(")) {
		cp->cur = u;
		return fail(cp, "expected '(' after '@defined', saw %s",
			    spell(&u));
	}
	int depth = 0, n = 0;
	for (u = read_raw(pp); u.kind != TOK_EOF; u = read_raw(pp), n++) {
		if (is_op(&u, "("))
			depth++;
		else if (is_op(&u, ")") && depth-- == 0)
			break;
		if (!n)
			first = u;
	}
	cp->cur = u;
	if (u.kind == TOK_EOF)
		return fail(cp, "expected ')' to close '@defined(', saw %s",
			    spell(&u));
	advance(cp);
	return n == 1 && first.kind == TOK_AT && find_macro(pp, first.text + 1);
}

/* The left side's value as a string, for the string subjects. */
static const char *subject_string(Preproc *pp, Subject subj, const Token *l,
				  char *buf, size_t n)
{
	switch (subj) {
	case SUBJ_KERNEL_V: return kernel_version(pp, buf, n);
	case SUBJ_KERNEL_VR: return kernel_release(pp);
	case SUBJ_SYSTEMTAP_V: return SONDE_COMPAT_VERSION;
	case SUBJ_ARCH: return arch_name(pp);
	case SUBJ_RUNTIME: return SONDE_RUNTIME;
	case SUBJ_PRIVILEGE: return pp->s->privilege ? pp->s->privilege : "stapdev";
	case SUBJ_CONFIG: return config_value(pp, l->text);
	default: return l->text;
	}
}

static bool config_compare(CondParser *cp, const Token *l, CmpOp cop,
			   const Token *r);

/*
 * comparison: subject OP value | '@defined' '(' tokens ')'
 * subject: kernel_v | kernel_vr | systemtap_v | arch | runtime |
 *          systemtap_privilege | CONFIG_xxx | guru_mode | NUMBER | STRING
 */
static bool comparison(CondParser *cp)
{
	if (cp->cur.kind == TOK_AT && !strcmp(cp->cur.text, "@defined"))
		return defined_test(cp);
	Token l = cp->cur;
	Subject subj = subject(&l);
	if (subj == SUBJ_NONE)
		return fail(cp, "expected a condition such as "
			    "'kernel_v >= \"4.0\"', saw %s", spell(&l));
	char name[80];
	if (l.kind == TOK_STRING)
		snprintf(name, sizeof name, "\"%.60s\"", l.text);
	else
		snprintf(name, sizeof name, "%.60s", l.text);
	advance(cp);
	Token op = cp->cur;
	CmpOp cop = cmp_op(&op);
	if (cop == OP_NONE)
		return fail(cp, "expected comparison operator after '%s', saw %s",
			    name, spell(&op));
	advance(cp);
	Token r = cp->cur;
	if (subj == SUBJ_CONFIG &&
	    (r.kind == TOK_NUMBER || subject(&r) == SUBJ_CONFIG)) {
		advance(cp);
		return config_compare(cp, &l, cop, &r);
	}
	if (cop != OP_EQ && cop != OP_NE && subj >= SUBJ_ARCH &&
	    subj <= SUBJ_CONFIG) {
		cp->cur = op;	/* the message points at the operator */
		return fail(cp, "'%s' can only be compared with '==' or '!=', "
			    "saw %s", name, spell(&op));
	}
	bool numeric = subj == SUBJ_GURU || subj == SUBJ_NUMBER;
	if (numeric && r.kind != TOK_NUMBER)
		return fail(cp, "expected a number after '%s %s', saw %s",
			    name, op.text, spell(&r));
	if (!numeric && r.kind != TOK_STRING)
		return fail(cp, "expected a string after '%s %s', saw %s",
			    name, op.text, spell(&r));
	advance(cp);
	if (numeric) {
		int64_t a = subj == SUBJ_GURU ? cp->pp->s->guru_mode : l.num;
		return holds(cop, (a > r.num) - (a < r.num));
	}
	if (subj == SUBJ_CONFIG && !config_ready(cp, &l))
		return false;
	char buf[128];
	const char *a = subject_string(cp->pp, subj, &l, buf, sizeof buf);
	bool version = subj == SUBJ_KERNEL_V || subj == SUBJ_KERNEL_VR ||
		       subj == SUBJ_SYSTEMTAP_V;
	return compare_strings(cop, a, r.text, version);
}

/*
 * CONFIG_A >= CONFIG_B, CONFIG_A < 64: a kernel option against a number
 * or another option.  Against a number, and with an ordering operator,
 * the values compare as numbers (an unset or non-numeric option counts
 * as 0); two options compare as strings with '==' and '!='.
 */
static bool config_compare(CondParser *cp, const Token *l, CmpOp cop,
			   const Token *r)
{
	if (!config_ready(cp, l))
		return false;
	const char *a = config_value(cp->pp, l->text);
	if (r->kind != TOK_NUMBER && (cop == OP_EQ || cop == OP_NE))
		return holds(cop, strcmp(a, config_value(cp->pp, r->text)));
	int64_t x = strtoll(a, NULL, 0);
	int64_t y = r->kind == TOK_NUMBER
		? r->num : strtoll(config_value(cp->pp, r->text), NULL, 0);
	return holds(cop, (x > y) - (x < y));
}

/* unary: '!' unary | comparison */
static bool unary(CondParser *cp)
{
	if (is_op(&cp->cur, "!")) {
		advance(cp);
		return !unary(cp) && !cp->failed;
	}
	return comparison(cp);
}

/* and: unary { '&&' unary } -- both sides always read, never short-cut */
static bool and_expr(CondParser *cp)
{
	bool v = unary(cp);
	while (!cp->failed && is_op(&cp->cur, "&&")) {
		advance(cp);
		v = unary(cp) && v;
	}
	return v;
}

/* cond: and { '||' and } */
static bool or_expr(CondParser *cp)
{
	bool v = and_expr(cp);
	while (!cp->failed && is_op(&cp->cur, "||")) {
		advance(cp);
		v = and_expr(cp) || v;
	}
	return v && !cp->failed;
}

/* ---------------------------------------------------- conditionals */

/*
 * Skips a branch not taken, keeping only %( %) nesting, and forgiving
 * its lexical errors as SystemTap does: code for another kernel or
 * architecture need not even scan cleanly here.  Returns ':' or ')' for
 * the token that ended it at depth 0, or 0 at the end of the input or
 * of the conditional's frame (already reported).
 */
static int skip_branch(Preproc *pp, bool stop_at_else)
{
	int depth = 0, nconds = pp->nconds, end = 0;
	lex_set_lenient(pp->lx, true);
	for (;;) {
		Token u = read_raw(pp);
		if (u.kind == TOK_EOF || pp->nconds < nconds)
			break;
		if (is_pct(&u, '(')) {
			depth++;
		} else if (is_pct(&u, ')') && depth-- == 0) {
			end = ')';
			break;
		} else if (is_pct(&u, ':') && depth == 0 && stop_at_else) {
			end = ':';
			break;
		}
	}
	lex_set_lenient(pp->lx, false);
	return end;
}

static void push_cond(Preproc *pp, Loc loc, int src)
{
	if (pp->nconds == pp->conds_cap) {
		pp->conds_cap = pp->conds_cap ? pp->conds_cap * 2 : 8;
		pp->conds = xrealloc(pp->conds,
				     (size_t)pp->conds_cap * sizeof *pp->conds);
	}
	pp->conds[pp->nconds++] = (Cond){ .loc = loc, .src = src };
}

/* Chooses a branch: leaves the condition's state on the stack while a
   branch is read, pops it once the whole conditional is consumed. */
static void take_else(Preproc *pp)
{
	int end = skip_branch(pp, true);
	if (end == ':')
		pp->conds[pp->nconds - 1].in_else = true;
	else if (end == ')')
		pp->nconds--;
}

/* After a malformed condition: finds its '%?' ('?'), or a '%)' that
   ends the whole conditional (')'), or the end of input (0). */
static int resync(Preproc *pp, Token cur)
{
	int depth = 0;
	for (Token u = cur; u.kind != TOK_EOF; u = read_raw(pp)) {
		if (is_pct(&u, '('))
			depth++;
		else if (is_pct(&u, ')') && depth-- == 0)
			return ')';
		else if (is_pct(&u, '?') && depth == 0)
			return '?';
	}
	return 0;
}

/* '%(' cond '%?' tokens [ '%:' tokens ] '%)' -- after the '%(' */
static void open_cond(Preproc *pp, Token t)
{
	int src = pp->from;
	CondParser cp = { .pp = pp };
	advance(&cp);
	bool v = or_expr(&cp);
	if (!is_pct(&cp.cur, '?')) {
		fail(&cp, "expected '%%?' after the condition, saw %s",
		     spell(&cp.cur));
		int end = resync(pp, cp.cur);
		if (end != '?') {
			if (!end)
				diag_at(pp->s, DIAG_PARSE_ERROR, t.loc, 2,
					"unterminated conditional: '%%(' without matching '%%)'");
			return;
		}
	}
	push_cond(pp, t.loc, src);
	if (!v || cp.failed)
		take_else(pp);
}

/* '%:' or '%)' met while reading a chosen branch; false when it was
   consumed, true with an error token in *t when it was misplaced. */
static bool end_branch(Preproc *pp, Token *t)
{
	if (!pp->nconds) {
		diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, 2,
			"'%s' without matching '%%('", t->text);
		*t = error_tok(t->loc);
		return true;
	}
	Cond *c = &pp->conds[pp->nconds - 1];
	if (is_pct(t, ')')) {
		pp->nconds--;
		return false;
	}
	if (c->in_else) {
		diag_at(pp->s, DIAG_PARSE_ERROR, t->loc, 2,
			"second '%%:' in one conditional");
		*t = error_tok(t->loc);
		return true;
	}
	if (skip_branch(pp, false) == ')')
		pp->nconds--;
	return false;
}

/* ------------------------------------------------------------ interface */

static void unterminated_conds(Preproc *pp)
{
	while (pp->nconds)
		cond_unterminated(pp, &pp->conds[--pp->nconds]);
}

/* Expanded tokens with conditionals and definitions consumed. */
static Token next_token(Preproc *pp)
{
	for (;;) {
		Token t = next_expanded(pp);
		if (t.kind == TOK_OP && t.text[0] == '%' && t.len == 2) {
			char c = t.text[1];
			if (c == '(') {
				open_cond(pp, t);
				continue;
			}
			if (c == '?') {
				diag_at(pp->s, DIAG_PARSE_ERROR, t.loc, 2,
					"'%%?' outside a conditional");
				return error_tok(t.loc);
			}
			if ((c == ':' || c == ')') && !end_branch(pp, &t))
				continue;
		} else if (t.kind == TOK_AT && !strcmp(t.text, "@define")) {
			if (!define(pp, &t))
				continue;
		} else if (t.kind == TOK_EOF) {
			unterminated_conds(pp);
		}
		return t;
	}
}

/* Joins the string literal `t` with those right after it. */
static Token join_strings(Preproc *pp, Token t)
{
	Token u = next_token(pp);
	if (u.kind != TOK_STRING) {
		pp->ahead = u;
		pp->has_ahead = true;
		return t;
	}
	StrBuf *b = &pp->join;
	sb_clear(b);
	sb_putn(b, t.text, t.len);
	do {
		sb_putn(b, u.text, u.len);
		u = next_token(pp);
	} while (u.kind == TOK_STRING);
	pp->ahead = u;
	pp->has_ahead = true;
	t.text = arena_strndup(&pp->s->arena, b->data, b->len);
	t.len = (uint32_t)b->len;
	return t;
}

/* The next token through expansion, conditionals and string joining. */
void pp_next(Preproc *pp, Token *out)
{
	Token t;
	if (pp->has_ahead) {
		pp->has_ahead = false;
		t = pp->ahead;
	} else {
		t = next_token(pp);
	}
	*out = t.kind == TOK_STRING ? join_strings(pp, t) : t;
}

Preproc *pp_open(Session *s, uint16_t file)
{
	Preproc *pp = xcalloc(1, sizeof *pp);
	pp->s = s;
	pp->lx = lex_open(s, file);
	pp->defs = &pp->local;
	pp->from = -1;
	return pp;
}

void pp_close(Preproc *pp)
{
	if (!pp)
		return;
	lex_close(pp->lx);
	map_free(&pp->local);
	free(pp->frames);
	free(pp->conds);
	sb_free(&pp->join);
	free(pp);
}

/* A macro library file holds definitions (maybe inside conditionals)
   and nothing else; its macros go to the session for every script. */
void pp_add_library_macros(Session *s, uint16_t file)
{
	Preproc *pp = pp_open(s, file);
	pp->defs = &table(s)->macros;
	bool reported = false;
	for (Token t = next_token(pp); t.kind != TOK_EOF; t = next_token(pp)) {
		if (reported || t.kind == TOK_ERROR)
			continue;
		diag_at(s, DIAG_PARSE_ERROR, t.loc, width(&t),
			"only @define may appear in a macro library file, saw %s",
			spell(&t));
		reported = true;
	}
	pp_close(pp);
}
