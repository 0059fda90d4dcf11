/*
 * elab.h - the interface of pass 2, elaboration: from parsed scripts to a
 * resolved program.
 *
 * Pass 2 turns the AstFiles of pass 1 into a Program: every probe point
 * matched to concrete derived probes of a known probe group, every name
 * bound to a variable or function, every expression typed.  The library
 * files a script needs are parsed on demand and merged in.  Pass 3 reads
 * only the Program (and the AST it points into); it never looks names up
 * again.
 *
 * After pass_elaborate succeeds these invariants hold:
 *   - every E_IDENT, E_INDEX and E_IN array has sym.ref (in.array's
 *     sym.ref) pointing at a Var; every E_CALL of a script or library
 *     function has sym.ref pointing at a Func, and builtins (the print
 *     families) have sym.ref NULL and a name listed by elab_builtin();
 *   - every expression has Expr.type set to a Type (T_VOID only for calls
 *     of functions that return nothing, used as statements);
 *   - every Var has a concrete type; arrays have nkeys > 0 and every key
 *     type concrete;
 *   - without -u, only used functions and globals are listed.
 */
#ifndef SONDE_ELAB_H
#define SONDE_ELAB_H

#include "parse/ast.h"

/* Expr.type after pass 2 and the value/key types of variables. */
typedef enum Type {
	T_UNKNOWN,
	T_LONG,
	T_STRING,
	T_STATS,	/* statistics aggregate: fed with <<<, read with @op */
	T_VOID		/* result of a function that returns nothing */
} Type;

const char *type_name(Type t);

/* A growable array of pointers (malloc'd; freed with the Program). */
typedef struct PtrVec {
	void **v;
	uint32_t n, cap;
} PtrVec;

void vec_push(PtrVec *v, void *p);
void vec_free(PtrVec *v);

enum { ELAB_MAX_KEYS = 9 };

typedef enum VarKind { V_GLOBAL, V_LOCAL, V_PARAM } VarKind;

/*
 * A variable: a global, a local of a function or probe, or a parameter.
 * `type` is the value type (T_STATS for aggregates); nkeys > 0 makes it
 * an array with keys[0..nkeys-1].  type_loc/keys_loc say where each was
 * first inferred, for "first inferred here" notes.
 */
typedef struct Var {
	const char *name;
	Loc loc;		/* declaration, or first use of a local */
	uint8_t kind;		/* VarKind */
	uint8_t type;		/* Type */
	uint8_t nkeys;		/* 0: scalar */
	uint8_t keys[ELAB_MAX_KEYS];
	bool arity_known;	/* nkeys is settled (used as array or scalar) */
	bool read, written;	/* seen read / assigned anywhere */
	bool used;		/* referenced from kept code */
	bool handler_set;	/* V_LOCAL: a context variable (group.h) */
	Loc type_loc, arity_loc;
	Loc key_locs[ELAB_MAX_KEYS];
	/* V_GLOBAL only */
	const Decl *decl;	/* NULL for none (e.g. implicit) */
	int64_t size;		/* declared array size, 0 default */
	bool wrap;		/* name%: wraps when full */
	bool is_private;
	bool from_tapset;
	Expr *init;		/* E_NUM or E_STR, or NULL */
	uint16_t file;		/* defining file, for private scoping */
	PtrVec readers, writers; /* Probe*: which probes read/write it */
} Var;

/*
 * A function: a script or library function, or embedded C.  Overloads
 * by arity are separate Funcs with the same name.
 */
typedef struct Func {
	const char *name;
	Loc loc;
	const Decl *decl;
	uint32_t nparams;
	Var **params;
	PtrVec locals;		/* Var*, in order of first use */
	uint8_t type;		/* result Type */
	Loc type_loc;
	bool embedded;		/* body is C: decl->func.code */
	uint8_t pragmas;	/* PRAGMA_* of embedded C */
	bool used;
	bool from_tapset;
	bool has_return_value;	/* some `return expr` */
	uint16_t file;
} Func;

struct ProbeGroup;
struct Probe;

/*
 * One concrete probe point: what pass 3 registers.  `point` is the
 * canonical text (`kprobe.function("vfs_read").return`), `data` is the
 * group's own record (see the group's file), `probe` the body it runs.
 */
typedef struct DerivedProbe {
	const struct ProbeGroup *group;
	struct Probe *probe;
	const char *point;
	void *data;
	Loc loc;		/* the point as the script wrote it */
	uint32_t index;		/* stable order within the program */
	bool is_return;		/* the point has a `return` component */
} DerivedProbe;

/*
 * @entry(expr) in a return probe.  Pass 2 rewrites each occurrence: the
 * E_AT node in the body becomes an E_IDENT whose sym.ref is `var`, a
 * synthetic local of the probe (in Probe.locals too, named __entry_N),
 * typed like `expr` (long or string).  Pass 3 evaluates `expr` when the
 * probed function is entered, keeps the value per activation (one per
 * kretprobe instance), and stores it in `var` before the body runs at
 * return; no re-analysis is needed.  `expr` is resolved and typed; it
 * names no locals (an error in pass 2), only globals, target variables
 * and function calls, and holds no @entry of its own.
 */
typedef struct EntrySave {
	Expr *expr;
	Var *var;
	Loc loc;		/* the @entry as written */
} EntrySave;

/*
 * A probe body as run by a set of derived probes: the script's probe
 * reached through one chain of aliases, with the aliases' prologues and
 * epilogues merged into `body` (a private copy: resolution annotates it).
 * `cond` is the conjunction of the conditions on the way, or NULL;
 * cond_reads lists the globals it reads, sorted by name: those it names
 * and those read by the functions it calls, transitively, so that a
 * write to any of them is where the condition must be re-evaluated.
 */
typedef struct Probe {
	const Decl *decl;	/* the probe as written */
	const ProbePoint *written; /* the point as the script wrote it */
	Stmt *body;
	PtrVec locals;		/* Var* */
	Expr *cond;
	PtrVec cond_reads;	/* Var* globals */
	PtrVec points;		/* DerivedProbe*; all is_return if entry_saves */
	PtrVec entry_saves;	/* EntrySave*, in body order */
	bool uses_entry;	/* entry_saves.n > 0 */
	uint32_t index;
} Probe;

/* The resolved program handed to pass 3. */
typedef struct Program {
	PtrVec globals;		/* Var*, sorted by name */
	PtrVec funcs;		/* Func*, sorted by name then arity */
	PtrVec probes;		/* Probe*, in script order */
	PtrVec derived;		/* DerivedProbe*, in probe order */
	PtrVec embedded;	/* const Decl* D_EMBEDDED, top-level C */
} Program;

struct AstFile;

/*
 * Pass 2.  `scripts` are the parsed user files.  On success *out is the
 * program (free with program_free); errors are reported and counted.
 */
bool elab_run(Session *s, struct AstFile **scripts, size_t nscripts,
	      Program **out);
void program_free(Program *p);

/* -p2 output: the program in a stable order. */
void elab_print(Session *s, const Program *p, FILE *out);

/* listing.c: -l/-L PATTERN and the --dump-* options; true on success. */
bool listing_run(Session *s);

/* tapset.c: registers the library's @define files before pass 1. */
void tapset_add_macros(Session *s);

/* The print-family builtins: true and *is_value if `name` is one. */
bool elab_builtin(const char *name, bool *returns_value);

#endif
