/*
 * elab_int.h - private header of pass 2: the state shared by the files
 * of the elaborator (elaborate.c, elab_*.c, resolve.c, types.c,
 * tapset.c, probe_registry.c, listing.c and the probe groups).
 */
#ifndef SONDE_ELAB_INT_H
#define SONDE_ELAB_INT_H

#include "elaborate/elab.h"
#include "debuginfo/ksyms.h"

struct Match;
struct ProbeGroup;
typedef struct TapsetLib TapsetLib;

/* Declarations by name: one slot per name, holding every global or
   function of that name (private ones of several files, overloads) in
   the order they were declared.  Open addressing, power-of-two size. */
typedef struct NameSlot {
	const char *name;	/* NULL: free */
	PtrVec items;
} NameSlot;

typedef struct NameIndex {
	NameSlot *slots;
	uint32_t cap, n;
} NameIndex;

/*
 * The elaborator's state.  Known globals, functions and aliases grow as
 * library files are loaded; `prog` receives what is kept.
 */
typedef struct Elab {
	Session *s;
	Program *prog;
	TapsetLib *lib;
	const char *release;	/* target kernel release */
	KSyms ksyms;
	int ksyms_state;	/* 0 not loaded, 1 loaded, -1 unavailable */

	PtrVec globals;		/* Var*: script and loaded library globals */
	PtrVec funcs;		/* Func* */
	NameIndex global_names;	/* the same globals and functions, */
	NameIndex func_names;	/* found by name */
	PtrVec aliases;		/* const Decl* D_ALIAS */
	PtrVec pending;		/* const Decl* D_PROBE not derived yet */
	PtrVec all_probes;	/* Probe*: every derived probe body */

	/* Derivation: the probe that receives derived points, or a
	   listing sink when `listing` is set. */
	Probe *cur_probe;
	bool listing;
	PtrVec listed;		/* char*: points found by a listing */
} Elab;

/* ------------------------------------------------------- elaborate.c */

Var *elab_new_var(Elab *e, const char *name, Loc loc, VarKind kind);
/* Registers every declaration of a parsed file (script or library). */
void elab_add_file(Elab *e, struct AstFile *f, bool from_tapset);
Var *elab_find_global(Elab *e, const char *name, uint16_t file);
/* Functions named `name` (any arity) visible from `file`; count. */
size_t elab_find_funcs(Elab *e, const char *name, uint16_t file,
		       Func **out, size_t max);
/* Loads the library file defining function/global `name`, if any;
   true if something was loaded. */
bool elab_load_func(Elab *e, const char *name);
bool elab_load_global(Elab *e, const char *name);
/* The library, opened on first use. */
TapsetLib *elab_lib(Elab *e);
Elab *elab_open(Session *s);
void elab_close(Elab *e);

/* -------------------------------------------------- probe_registry.c */

typedef void (*MatchFn)(Elab *e, struct Match *m, void *arg);
/* Matches a probe point against every registered pattern; calls fn for
   each match; returns the number of matches. */
size_t registry_match(Elab *e, const ProbePoint *pp, MatchFn fn, void *arg);
void registry_dump(FILE *out);

/* ------------------------------------------------------ elab_probes.c */

/* Expands aliases and derives the probes of every script probe. */
void probes_derive(Elab *e, const Decl *const *decls, size_t n);
/* For listings: the points matching `pp` (alias names or concrete
   points) are pushed to e->listed. */
void probes_list(Elab *e, const ProbePoint *pp);
/* Does alias name `alias` match the first components of `pp`?  Returns
   the number of components it covers, or 0. */
uint32_t alias_prefix_match(const ProbePoint *alias, const ProbePoint *pp);

/* ------------------------------------------------------- elab_clone.c */

Expr *clone_expr(Session *s, const Expr *e);
Stmt *clone_stmt(Session *s, const Stmt *st);

/* --------------------------------------------------------- resolve.c */

/* Binds names in kept probes and (transitively) the functions they
   call, pulling library files in as needed; checks control flow. */
void resolve_program(Elab *e);

/* ----------------------------------------------------------- types.c */

void types_infer(Elab *e);

/* ------------------------------------------------------ elab_format.c */

/*
 * The argument types a printf format asks for, in order (a `*` width or
 * precision asks for a long).  Returns their count, or -1 with *why set
 * (a static message) and *at the offending offset.
 */
int format_types(const char *fmt, uint32_t len, Type *out, int max,
		 const char **why, uint32_t *at);

/* ------------------------------------------------------- elab_check.c */

/* Checks after typing: guru-only constructs, warnings, then elision. */
void check_program(Elab *e);

/* --------------------------------------------------------- tapset.c */

TapsetLib *tapset_open(Session *s, const char *release);
void tapset_close(TapsetLib *lib);
/* The file defining a function / global / alias, or NULL ('f','g','a'). */
const char *tapset_lookup(TapsetLib *lib, char kind, const char *name);
/* Iterates the indexed alias names: returns the next (kind 'a'), with
   its file, or NULL at the end. */
const char *tapset_next_alias(TapsetLib *lib, size_t *iter,
			      const char **file);
/* Parses a library file once; NULL if it was loaded already. */
struct AstFile *tapset_parse(TapsetLib *lib, const char *path);
/* Every indexed file, for the --dump options. */
const char *tapset_file(TapsetLib *lib, size_t i);

#endif
