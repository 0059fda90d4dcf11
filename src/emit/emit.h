/*
 * emit.h - the private header of pass 3, translation of the resolved
 * Program into the C source of one kernel module.
 *
 * The files of the emitter:
 *   translate.c     the driver and the module skeleton (includes, frames,
 *                   register/unregister, begin/end runners, init/exit);
 *                   the probe groups' arrays, trailers and runners
 *   out.c           the writing helpers beneath every other file here
 *   emit_global.c   script globals, their locks and the lock sets
 *   emit_func.c     locals structs and the C functions of script
 *                   functions, embedded-C functions and probe bodies
 *   emit_stmt.c     statements: blocks, control flow, try/catch
 *   emit_expr.c     expressions, calls and the print family
 *   emit_format.c   printf formats of the script to kernel formats
 *   emit_data.c     arrays and statistics: storage, elements, in,
 *                   delete, <<<, extractors, histograms, foreach
 *   probes/G_emit.c  each probe group's hooks (declarations, handler,
 *                   registration, unregistration, on-the-fly refresh)
 *
 * Input: a Program satisfying the invariants of elab.h (every name bound,
 * every expression typed).  Output: deterministic C text that compiles
 * against runtime/ without warnings; every construct the emitter cannot
 * translate is reported with diag_at at its location and makes the pass
 * fail, never half-emitted.
 *
 * Shape of the generated code: one C function per probe body
 * (probe_N), per script function (fn_NAME, called through call_NAME) and
 * per derived probe handler (named by its group); script variables live
 * in per-CPU frames (`l->name`), never on the kernel stack; every
 * function has an `out` label that errors unwind to.
 */
#ifndef SONDE_EMIT_H
#define SONDE_EMIT_H

#include "elaborate/elab.h"
#include "probes/group.h"

/* Parts of the module that probe group hooks append to, in file order. */
typedef enum Section {
	SEC_DECLS,	/* group data and handlers (emit_decls) */
	SEC_REGISTER,	/* body of register_probes: `ret = ...; if (ret) goto fail_N;` */
	SEC_UNREGISTER,	/* body of unregister_probes, in reverse order */
	SEC_REFRESH,	/* body of the on-the-fly refresh work */
	SEC_COUNT_
} Section;

/*
 * One C function being written: a probe body or a script function.
 * Temporaries get members of the function's locals struct; `abort` is
 * the label an error unwinds to (the function's `out`, or the catch
 * clause of the innermost try).
 */
typedef struct Body {
	const Func *func;	/* NULL in a probe body */
	StrBuf temps;		/* member declarations of temporaries */
	int ntemps;
	int nlabels;
	const char *abort;	/* current unwind label */
	int try_depth;		/* try blocks open here */
	int loop_try_depth;	/* try_depth at the innermost loop, -1 none */
	/* Arguments already evaluated into temporaries (emit_stmt.c), which
	   emit_expr uses instead of evaluating them again. */
	const Expr *subst[16];
	const char *subst_temp[16];
	int nsubst;
} Body;

/* A begin or end probe call, sorted by (seq, index) before emission. */
typedef struct Runner {
	int64_t seq;
	uint32_t index;
	char *call;
} Runner;

typedef struct Emitter {
	Session *s;
	const Program *prog;
	StrBuf *out;		/* where emit_line and emit_expr write */
	int indent;
	StrBuf sec[SEC_COUNT_];
	PtrVec begins, ends, errors;	/* Runner* */
	PtrVec needs;		/* const char*: extra kernel headers */
	PtrVec rt_parts;	/* const char*: runtime parts beyond core */
	PtrVec arrays;		/* GroupArray*: group arrays, in first-use order */
	PtrVec trailers;	/* Trailer*: once-per-key section tails */
	PtrVec stat_uses;	/* emit_data.c: what each statistic needs */
	bool stats_scanned;	/* stat_uses holds every use in the program */
	int *slots;		/* by DerivedProbe.index: its array index */
	Body *body;		/* the function being written, or NULL */
	StrBuf structs;		/* locals structs of functions and probes */
	StrBuf fn_members;	/* members of the function frame union */
	StrBuf probe_members;	/* members of the probe frame union */
	StrBuf data_init;	/* alloc hook: set up arrays and statistics */
	StrBuf data_free;	/* release hook: free them */
	bool has_otf;		/* some probe is toggled on the fly */
	bool failed;		/* something could not be translated */
} Emitter;

/* ------------------------------------------------------------- out.c */

/* Output helpers: a line at the current indentation. */
void emit_line(Emitter *em, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Reports a construct pass 3 cannot translate (and fails the pass). */
void emit_unsupported(Emitter *em, Loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends `s` as a C string literal. */
void emit_cstring(StrBuf *b, const char *s, size_t n);
/* "file:line:col" of a location, arena-owned. */
const char *emit_where(Emitter *em, Loc loc);
/* Asks for `#include <header>` in the module (once). */
void emit_need_header(Emitter *em, const char *header);
/* Asks for a part of the runtime besides core to be linked: "data"
   (arrays and statistics), "kprobe", "timer", "procfs", "otf" (the
   parts of src/kbuild/build.c). */
void emit_need_runtime(Emitter *em, const char *part);

/* ------------------------------- out.c and translate.c: for group hooks */

/* Writes lines to a section of the module instead of the current output. */
StrBuf *emit_section(Emitter *em, Section sec);
/*
 * How a handler runs its probe body.  enter: "sonde_probe_enter",
 * "sonde_begin_enter", ...; ret: what the handler returns when the probe
 * does not run ("" for void); regs: the handler's struct pt_regs *
 * (NULL: none), stored in c->regs for the tapset functions; args: more
 * arguments of probe_N (", ..." after c: the @entry data of a return
 * probe), or NULL; before/after: lines run just before and after
 * probe_N, the CPU held, or NULL.  Where the group's safe_context says
 * so, the handler queues the on-the-fly refresh itself (else the
 * runtime's background timer does).
 */
typedef struct HandlerSpec {
	const char *enter, *ret, *regs, *args, *before, *after;
} HandlerSpec;

/* The body of a handler: enter, run probe_N, exit, as `h` says. */
void emit_handler_body(Emitter *em, const DerivedProbe *d,
		       const HandlerSpec *h);
/*
 * Appends an element (the initializer text, "{ ... }") to the module's
 * array `name` of `type`, declared after the handlers; returns its index,
 * which emit_slot() gives back for the derived probe later.
 */
int emit_array_add(Emitter *em, const DerivedProbe *d, const char *type,
		   const char *name, const char *init);
int emit_slot(Emitter *em, const DerivedProbe *d);
/* Text written once per `key` at the end of section `sec` (after every
   derived probe's lines): one group-wide call such as registration. */
void emit_trailer(Emitter *em, Section sec, const char *key,
		  const char *text);
/* Registers a call of the begin ('b'), end ('e') or error ('r')
   runner, run in (seq, index) order. */
void emit_add_runner(Emitter *em, char kind, int64_t seq,
		     const DerivedProbe *d);
/* The C name of the probe body a derived probe runs: "probe_3". */
char *emit_probe_fn(Emitter *em, const DerivedProbe *d);
/* The derived probe has a condition to keep up to date on the fly. */
bool emit_probe_otf(const DerivedProbe *d);

/* ------------------------------------------------------ emit_global.c */

void emit_globals(Emitter *em);
/* Globals whose locks a probe takes: written into `lock_table`. */
void emit_lock_table(Emitter *em, const Probe *p, const char *name,
		     int *nlocks);
/* The C lvalue of a variable: g_NAME or l->NAME. */
void emit_var(Emitter *em, const Var *v);
/* The C name of a script name (C keywords and a few kernel macros get
   a trailing '_'). */
const char *emit_cname(const char *name);

/* -------------------------------------------------------- emit_func.c */

/*
 * Script functions and probe bodies go to `out`; their locals structs
 * and frame union members to the Emitter's buffers, which emit_frames()
 * then writes out (structs, frames) to `out`.  emit_declarations()
 * writes what goes between the frames and the first body: a prototype
 * of every C function of the script's functions and probes, and each
 * on-the-fly probe's enabled flag, which the bodies of the probes that
 * write its condition's globals update, wherever they are.
 */
void emit_functions(Emitter *em, StrBuf *out);
void emit_probe_bodies(Emitter *em, StrBuf *out);
void emit_frames(Emitter *em, StrBuf *out);
void emit_declarations(Emitter *em, StrBuf *out);
/* Does probe p's body end by re-evaluating q's on-the-fly condition
   (p writes a global it reads)?  Its lock set covers that condition. */
bool emit_updates_cond(const Probe *p, const Probe *q);
/* The C name of a function: "fib", "fib_2" when overloaded. */
const char *emit_func_name(Emitter *em, const Func *f);
/* A new temporary of the body: its lvalue ("l->t3"). */
char *emit_temp(Emitter *em, Type t);
/* A new label name in the body ("catch_2"). */
char *emit_label(Emitter *em, const char *stem);

/* -------------------------------------------------------- emit_stmt.c */

void emit_stmt(Emitter *em, const Stmt *st);
/* Unwind if the last statement raised an error. */
void emit_abort_check(Emitter *em);
char *emit_checked_temp(Emitter *em, const Expr *e);

/* -------------------------------------------------------- emit_expr.c */

void emit_expr(Emitter *em, const Expr *e);
/* The C text of e (malloc'd), written aside from em->out. */
char *emit_expr_text(Emitter *em, const Expr *e);
/* The expression as a condition (long: non-zero). */
void emit_cond(Emitter *em, const Expr *e);
/* Can evaluating `e` raise an error (division, calls, ...)? */
bool expr_can_fail(const Expr *e);
/* Does `e` write anything (assignments, ++, calls)? */
bool expr_has_effects(const Expr *e);
/*
 * Script operands evaluate left to right; C leaves the order of function
 * arguments and initializers unspecified.  When one of v[0..n) has side
 * effects, each one that is not a literal is evaluated into a new
 * temporary first, in order: "t1 = a, gen_strset(t2, b), " is appended
 * to *pre and texts[i] (malloc'd) names the temporary.  Otherwise
 * texts[i] is the operand's own C text and *pre is left alone.
 */
bool emit_in_order(Emitter *em, Expr *const *v, uint32_t n, char **texts,
		   StrBuf *pre);
/* Is `e` a call of the print family named `name`? */
bool expr_is_builtin(const Expr *e, const char *name);

/* ------------------------------------------------------ emit_format.c */

/*
 * Writes the kernel printf format for script format `fmt` (n bytes) and
 * the argument list (", a, b") for args, to em->out.  False after
 * reporting a conversion the kernel cannot print.
 */
bool emit_format_call(Emitter *em, const Expr *fmt, Expr *const *args,
		      uint32_t nargs);
/* Does the literal format use %b, %m or %M, which emit_format_call
   cannot write (emit_format_pieces can)?  %m or %M (which can fail)? */
bool emit_format_has_special(const Expr *fmt);
bool emit_format_reads_memory(const Expr *fmt);
/*
 * A whole printf (dst NULL) or sprintf into the string temporary dst,
 * as one comma expression of pieces run in order (the sprintf one
 * yields dst).
 */
void emit_format_pieces(Emitter *em, const Expr *fmt, Expr *const *args,
			uint32_t nargs, const char *dst);
/* print/println/printd family: the same, from the argument types. */
void emit_print_args(Emitter *em, const char *delim, Expr *const *args,
		     uint32_t nargs, bool newline);

/* -------------------------------------------------------- emit_data.c */

/* The storage of an array or statistics global (with its set-up and
   tear-down lines in Emitter.data_init and data_free). */
void emit_data_global(Emitter *em, const Var *v);
/* Frees what emit_data.c kept about the program's statistics. */
void emit_data_free(Emitter *em);
/* a[k] read, `k in a`, @count(x) and friends. */
void emit_index(Emitter *em, const Expr *e);
void emit_in(Emitter *em, const Expr *e);
void emit_stat_at(Emitter *em, const Expr *e);
/* Is `e` @hist_linear(...) or @hist_log(...)? */
bool emit_is_hist(const Expr *e);
/* print/println of a histogram alone. */
void emit_hist_print(Emitter *em, const Expr *h, bool newline);
/* Assignment, <<<, ++/-- on an element or statistic: false if the
   target is a scalar (the caller emits it). */
bool emit_data_assign(Emitter *em, const Expr *e);
bool emit_data_incdec(Emitter *em, const Expr *e);
/* delete of an array, element, slice or statistic: false for scalars. */
bool emit_data_delete(Emitter *em, const Stmt *st);
/* foreach; `body` emits the loop body (emit_stmt.c's loop rules). */
void emit_foreach(Emitter *em, const Stmt *st,
		  void (*body)(Emitter *, const Stmt *));

#endif
