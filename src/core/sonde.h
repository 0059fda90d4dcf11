/*
 * sonde.h - the core header shared by every pass.
 *
 * It holds what all stages agree on: source files and locations, the
 * diagnostics API, arena allocation and growable buffers, tokens (the
 * interface between the preprocessor and the grammar), and the session
 * that carries options from the command line through every pass.
 * Sections are grouped by the file that owns them.  Subsystems with
 * their own vocabulary (the AST, later the elaborator and emitter) have
 * a private header of their own.
 */
#ifndef SONDE_H
#define SONDE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SONDE_NAME "sonde"

/* ---------------------------------------------------------------- util.c */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Arena: bump allocation in large blocks, freed all at once.  Every AST
 * node and token text lives in the session's arena, so nothing built by
 * pass 1 is freed individually and nothing dangles between passes.
 */
typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
	ArenaBlock *head;
	char *cur, *end;   /* the free part of the head block */
	size_t used_total; /* bytes handed out, for memory statistics */
} Arena;

void *arena_alloc_slow(Arena *a, size_t n);

/* Zeroed, 8-byte aligned.  Inline: nearly every call is a bump in the
   current block, and pass 1 makes one per node and name. */
static inline void *arena_alloc(Arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (__builtin_expect((size_t)(a->end - a->cur) < n, 0))
		return arena_alloc_slow(a, n);
	void *p = a->cur;
	a->cur += n;
	a->used_total += n;
	return p;
}
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
void arena_free(Arena *a);

/* Growable byte buffer; `data` is always NUL-terminated. */
typedef struct StrBuf {
	char *data;
	size_t len, cap;
} StrBuf;

void sb_putc(StrBuf *b, char c);
void sb_puts(StrBuf *b, const char *s);
void sb_putn(StrBuf *b, const char *s, size_t n);
void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *b, const char *fmt, va_list ap);
void sb_clear(StrBuf *b);
void sb_free(StrBuf *b);

/* Reads a whole file (or stdin for "-"); NULL with errno set on failure. */
char *read_file(const char *path, size_t *len_out);
/* Writes a whole file; false with errno set. */
bool write_file(const char *path, const char *text, size_t len);
/* The directory of the running sonde binary (malloc'd), or NULL. */
char *self_dir(void);
/* True for a sonde run from its build tree (src/ there): it then uses the
   source tree's tapsets, runtime and sonde-vm; an installed one never
   does, so nothing installed points back at a checkout. */
bool running_in_build_tree(void);
bool is_dir(const char *path);

/* ------------------------------------------------------------- source.c */

/*
 * A source file is registered once per session and named by its index,
 * so that a location stays 8 bytes.  Text produced by an expansion (a
 * macro body, a script argument) is registered as a file of its own
 * whose `from` says where the expansion happened; diagnostics follow
 * that chain to print "in expansion of ... at file:line:col".
 */
typedef struct Loc {
	uint32_t line;	/* 1-based; 0 means "no location" */
	uint16_t col;	/* 1-based byte column, saturating at 65535 */
	uint16_t file;	/* index into the session's file table */
} Loc;

typedef struct SrcFile {
	const char *name;	/* path as given, "<input>" for -e, "-" for stdin */
	const char *text;	/* whole contents, NUL-terminated */
	size_t len;
	Loc from;		/* expansion site, line 0 for real files */
	const char *what;	/* for expansions: "macro 'foo'", "argument $1" */
	bool is_tapset;		/* comes from the tapset library */
	bool owns_text;		/* text is freed with the session */
	uint32_t *line_starts;	/* diag.c: offsets of lines, built on first use */
	uint32_t nlines;
} SrcFile;

struct Session;
uint16_t src_add(struct Session *s, const char *name, const char *text,
		 size_t len);
/* `name` names where `text` comes from (the macro's defining file, or
   "<command line>"); `from` is the expansion site. */
uint16_t src_add_expansion(struct Session *s, const char *name,
			   const char *what, const char *text, size_t len,
			   Loc from);
/* Like src_add, but the session takes over the malloc'd text. */
uint16_t src_add_owned(struct Session *s, const char *name, char *text,
		       size_t len);
const SrcFile *src_get(const struct Session *s, uint16_t file);
void src_free_all(struct Session *s);

/* --------------------------------------------------------------- diag.c */

typedef enum DiagKind {
	DIAG_PARSE_ERROR,	/* "parse error" */
	DIAG_SEMANTIC_ERROR,	/* "semantic error" */
	DIAG_ERROR,		/* "error": command line, I/O, build */
	DIAG_WARNING,		/* "warning": fatal with -W, hidden with -w */
	DIAG_NOTE		/* "note": attached to the previous report */
} DiagKind;

/*
 * Reports one diagnostic in the one format sonde uses:
 *   file:line:col: parse error: expected ';', saw 'foo'
 *       3 | probe begin { x = 1 foo }
 *         |                     ^~~
 * `width` is how many columns to underline (at least one caret).
 * A location with line 0 prints "sonde: kind: message" instead.
 */
void diag_at(struct Session *s, DiagKind kind, Loc loc, int width,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_vat(struct Session *s, DiagKind kind, Loc loc, int width,
	      const char *fmt, va_list ap);
/* Errors without a location: "sonde: error: message". */
void diag_error(struct Session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "file:line:col" for a location into a buffer. */
void diag_loc_str(const struct Session *s, Loc loc, StrBuf *out);

/* ------------------------------------------------- lexer.l, preprocess.c */

/*
 * Tokens as the preprocessor hands them to the grammar.  Keywords and
 * operators keep their spelling in `text`, and the lexer also names
 * them with a TokCode, so later layers classify a token with a table
 * lookup instead of comparing spellings.
 */
typedef enum TokKind {
	TOK_EOF,
	TOK_IDENT,	/* foo, also keywords: probe, global, if, ... */
	TOK_NUMBER,	/* `num` holds the value; text keeps the spelling */
	TOK_STRING,	/* `text` holds the decoded bytes, `len` their count */
	TOK_DOLLAR,	/* $var, $$vars, $$parms$, ...: text includes the '$' */
	TOK_AT,		/* @cast, @entry, @defined, ...: text includes the '@' */
	TOK_OP,		/* operator or punctuation: "<<<", ".=", "{", ... */
	TOK_EMBEDDED,	/* %{ ... %}: text is the code between the braces */
	TOK_ERROR	/* already reported; the grammar resynchronises */
} TokKind;

/*
 * Token codes.  A TOK_OP of one character has that character as its
 * code ('{', '+', ...); longer operators have a TC_ code from 128 up.
 * A TOK_IDENT that is a keyword has its TC_KW_ code, any other name
 * TC_NONE.  Other kinds have TC_NONE.
 */
typedef enum TokCode {
	TC_NONE = 0,
	TC_APPEND = 128,	/* <<< */
	TC_SHL_ASSIGN, TC_SHR_ASSIGN, TC_SHL, TC_SHR,		/* <<= >>= << >> */
	TC_LE, TC_GE, TC_EQ, TC_NE, TC_MATCH, TC_NOMATCH,	/* <= >= == != =~ !~ */
	TC_ANDAND, TC_OROR, TC_INC, TC_DEC,			/* && || ++ -- */
	TC_ADD_ASSIGN, TC_SUB_ASSIGN, TC_MUL_ASSIGN,		/* += -= *= */
	TC_DIV_ASSIGN, TC_MOD_ASSIGN, TC_AND_ASSIGN,		/* /= %= &= */
	TC_OR_ASSIGN, TC_XOR_ASSIGN, TC_CAT_ASSIGN,		/* |= ^= .= */
	TC_ARROW,						/* -> */
	TC_PP_IF, TC_PP_THEN, TC_PP_ELSE, TC_PP_END,		/* %( %? %: %) */
	TC_KW_PROBE, TC_KW_GLOBAL, TC_KW_FUNCTION, TC_KW_PRIVATE,
	TC_KW_IF, TC_KW_ELSE, TC_KW_WHILE, TC_KW_FOR, TC_KW_FOREACH,
	TC_KW_IN, TC_KW_LIMIT, TC_KW_BREAK, TC_KW_CONTINUE, TC_KW_NEXT,
	TC_KW_RETURN, TC_KW_DELETE, TC_KW_TRY, TC_KW_CATCH
} TokCode;

/* Token flags. */
enum {
	TF_SPACE_BEFORE = 1,	/* whitespace or a comment precedes it: probe
				   point globs like sys*_foo join only tokens
				   without space between them */
	TF_LINE_START = 2,	/* first token on its line */
	TF_UNCLOSED = 4		/* an error for a comment or embedded C
				   left open, which took the rest of the
				   text: reported even where others are
				   forgiven (lex_set_lenient) */
};

/* 32 bytes: tokens are passed by value through every pass-1 layer and
   sit on the parser's value stack. */
typedef struct Token {
	uint8_t kind;	/* TokKind */
	uint8_t flags;	/* TF_* */
	uint8_t code;	/* TokCode */
	uint32_t len;	/* length of text (strings may hold NUL bytes) */
	Loc loc;
	const char *text; /* NUL-terminated: arena-owned, or static for
			     keywords and operators */
	int64_t num;	/* TOK_NUMBER only */
} Token;

/* --------------------------------------------------------- session.c */

/* Passes in the order the driver runs them; -p N stops after pass N. */
enum { PASS_PARSE = 1, PASS_ELABORATE, PASS_TRANSLATE, PASS_BUILD, PASS_RUN };

typedef struct StrList {
	const char **v;
	size_t n, cap;
} StrList;

void strlist_push(StrList *l, const char *s);

typedef enum ColorMode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } ColorMode;

/*
 * Everything one run of sonde knows: options (filled by options.c and
 * never changed by passes), the source file table, the arena, and the
 * error counts the driver checks between passes.
 */
typedef struct Session {
	/* Script source: exactly one of these is set after option parsing. */
	const char *script_path;	/* file, or "-" for stdin */
	const char *script_text;	/* -e SCRIPT: instead of a file */
	StrList extra_scripts;		/* -E SCRIPT: in addition to the file */
	StrList script_args;		/* $1 .. $N after the script */

	int last_pass;			/* -p N, default PASS_RUN */
	int verbose[5];			/* -v and --vp: per-pass verbosity */
	bool suppress_warnings;		/* -w */
	bool warnings_fatal;		/* -W */
	bool keep_unused;		/* -u */
	StrList include_dirs;		/* -I */
	StrList defines;		/* -D NAME[=VAL] */
	StrList kbuild_opts;		/* -B NAME=VAL */
	const char *kernel_release;	/* -r RELEASE, or the running kernel */
	const char *kernel_build_dir;	/* -r DIR */
	const char *arch;		/* -a ARCH, default the host's */
	const char *runtime_dir;	/* -R DIR */
	const char *module_name;	/* -m NAME */
	bool keep_tmpdir;		/* -k */
	bool guru_mode;			/* -g */
	const char *output_file;	/* -o FILE */
	const char *target_cmd;		/* -c CMD */
	long target_pid;		/* -x PID, 0 if unset */
	int buffer_mb;			/* -s MB */
	bool bulk_mode;			/* -b */
	bool flight_recorder;		/* -F */
	long output_file_size;		/* -S SIZE[,N] */
	int output_file_count;
	long timeout_s;			/* -T SECONDS, 0 = none */
	StrList global_inits;		/* -G VAR=VALUE */
	const char *list_pattern;	/* -l / -L PROBE */
	bool list_vars;			/* -L */
	bool timing_report;		/* -t */
	bool dump_probe_types, dump_functions, dump_probe_aliases;
	bool disable_cache;
	bool use_vm;			/* --vm[=RELEASE]: pass 5 in a VM (the
					   release goes to kernel_release) */
	ColorMode color;

	/* Derived from the options by the driver. */
	const char *target_release;	/* kernel.c: the release a run is for */
	bool target_checked;		/* kernel.c: kernel_require() ran (a
					   harness of pass 1 alone sets it) */
	const char *tapset_dir;
	const char *privilege;		/* "stapusr", "stapsys", "stapdev" */

	/* Pass 1 state shared across files: @define macros of the tapset
	   library (owned by preprocess.c). */
	struct MacroTable *macros;

	/* Source files and memory. */
	SrcFile *files;
	size_t nfiles, files_cap;
	Arena arena;

	/* Pass 4: the temporary build directory, removed at the end unless
	   -k (build.c). */
	char *build_tmpdir;

	/* Diagnostics. */
	int nerrors, nwarnings;
	bool use_color;			/* resolved from `color` and isatty */
	FILE *diag_out;			/* stderr unless redirected by tests */
	size_t parse_tokens;		/* pass 1: tokens the grammar took (-vv) */
} Session;

void session_init(Session *s);
void session_free(Session *s);

/* kernel.c: the target kernel.  kernel_target() names the release (-r,
   -r DIR's, --vm's default or the running one); kernel_require() also
   ends the run with one message when this machine has nothing of it,
   and is what every use of the target kernel goes through. */
const char *kernel_target(Session *s);
const char *kernel_require(Session *s);
char *vm_default_release(void);	/* newest cloud kernel, or NULL */

/* ------------------------------------------------------------ options.c */

/* 0: run the passes; 1: exit 0 now (--help, -V); -1: bad options, exit 1. */
int options_parse(Session *s, int argc, char **argv);

#endif
