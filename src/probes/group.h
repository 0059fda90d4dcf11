/*
 * group.h - the contract between the elaborator and the probe groups.
 *
 * Every probe type is a derived probe group, one file under src/probes/,
 * describing itself in a ProbeGroup table of hooks: the probe point
 * patterns it answers to, how a matched point becomes derived probes
 * (validating parameters on the way), optional listing of variables, its
 * properties, and the pass-3 emission hooks.  The registry
 * (src/probe_registry.c) lists the groups in one table; nothing else in
 * sonde switches on a probe type.
 *
 * Patterns are written like probe points: components joined by '.',
 * each `name`, `name(s)` (string parameter) or `name(n)` (number); a
 * final `.**` accepts any further components (used by the placeholder
 * group for probe types that are not supported yet).
 */
#ifndef SONDE_PROBES_GROUP_H
#define SONDE_PROBES_GROUP_H

#include "elaborate/elab.h"

typedef enum ParamKind { PK_NONE, PK_STRING, PK_NUMBER } ParamKind;

struct Elab;

enum { MATCH_MAX_COMPS = 16 };

/*
 * One probe point matched against one pattern.  names[] are the
 * pattern's component names (wildcards of the script resolved), args[]
 * the script's arguments (NULL, E_STR or E_NUM); the point's `?`/`!`
 * flags are in pp->flags.
 */
typedef struct Match {
	const struct ProbeGroup *group;
	int pattern;		/* index into group->patterns */
	uint32_t n;
	const char *names[MATCH_MAX_COMPS];
	const Expr *args[MATCH_MAX_COMPS];
	const ProbePoint *pp;	/* as written, after alias expansion */
	Loc loc;
} Match;

typedef struct ProbeGroup {
	const char *name;		/* "timer", "kprobe", ... */
	const char *const *patterns;	/* NULL-terminated */
	const char *summary;		/* one line for --dump-probe-types */

	/*
	 * Turns a match into derived probes by calling elab_derive_point()
	 * once per concrete point (none is fine for an optional point).
	 * Reports bad parameters itself and returns false.
	 */
	bool (*derive)(struct Elab *e, const Match *m);

	/*
	 * -L: appends to `out`, which holds the point's text, the variables
	 * available at a derived point in stap's shape: ` $name:type` each,
	 * nothing for a point without any.  NULL lists the point alone.
	 * In a listing, `d` has group, point, data, loc and is_return set,
	 * and no probe.
	 */
	void (*list_vars)(struct Elab *e, const DerivedProbe *d, StrBuf *out);

	/* The probe may be switched on and off while running (conditions). */
	bool supports_onthefly;
	/* The handler's context may queue work itself (the on-the-fly
	   refresh): hard interrupts and process context may, kprobes may
	   not (they can fire inside the workqueue code). */
	bool safe_context;
	/* $variables exist at these points (needs debug info). */
	bool has_target_vars;
	/*
	 * String variables the handler provides without debug info
	 * (procfs's "$value"), NULL-terminated, or NULL.  Pass 2 binds each
	 * use, in a probe all of whose points provide it, to a string local
	 * of the probe named "__" and the name without '$' (Var.handler_set:
	 * the handler sets it before the body and may read it after).
	 */
	const char *const *context_vars;

	/*
	 * Pass-3 hooks, in the group's G_emit.c; NULL where the group cannot
	 * be translated yet.  Each takes the Emitter (emit/emit.h) as
	 * `void *` and one derived probe:
	 *   decls    the handler and the probe's entry in the group's array
	 *   init     registration, in register_probes (or a begin/end runner)
	 *   exit     unregistration, in unregister_probes
	 *   refresh  on-the-fly: copy the condition's value for the group's
	 *            refresh call
	 * Group-wide calls (register all timers at once) are written once per
	 * group with emit_trailer().
	 */
	void (*emit_decls)(void *emitter, const DerivedProbe *d);
	void (*emit_init)(void *emitter, const DerivedProbe *d);
	void (*emit_exit)(void *emitter, const DerivedProbe *d);
	void (*emit_refresh)(void *emitter, const DerivedProbe *d);
} ProbeGroup;

/* The group of probe types sonde knows but cannot translate yet
   (listings leave it out of wildcard matches); the others are named
   only by the registry (probe_registry.c). */
extern const ProbeGroup unsupported_group;

/* Helpers for derive hooks (elaborate.c). */

/* Adds one derived probe with canonical text `point` and group data. */
void elab_derive_point(struct Elab *e, const Match *m, const char *point,
		       void *data);
/* Canonical text of the match: names with their arguments. */
char *match_text(struct Elab *e, const Match *m);
/* Index of component `name` in the match, or -1. */
int match_find(const Match *m, const char *name);
/* The number argument of component `name`, or `dflt` if absent. */
int64_t match_num(const Match *m, const char *name, int64_t dflt);
/* Allocates group data in the session arena. */
void *elab_alloc(struct Elab *e, size_t n);
Session *elab_session(struct Elab *e);
/* The target kernel release (-r, or the running kernel). */
const char *elab_release(struct Elab *e);
/* The target kernel's symbols, loaded on first use; NULL after
   reporting why none are available (at `loc`). */
const struct KSyms *elab_ksyms(struct Elab *e, Loc loc);

#endif
