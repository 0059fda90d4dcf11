/*
 * emit_func.c - the C functions of script functions, embedded-C
 * functions and probe bodies, their locals structs and the per-CPU
 * frames that hold them.
 *
 * Script variables never live on the kernel stack (strings are
 * MAXSTRINGLEN bytes each): a probe body's locals are a struct in the
 * CPU's probe frame, and function call number k of a nest (1-based)
 * uses slot k-1 of the CPU's function frames, so recursion is bounded by
 * MAXNESTING and needs no allocation.  A frame is used only while the
 * CPU's context is busy, which the runtime makes exclusive.
 *
 * For `function NAME(P...)` the emitter writes
 *   struct fn_NAME_locals   parameters, locals, temporaries, result
 *   fn_NAME(c, l)           the body, reading and writing through l
 *   call_NAME(c, P...)      what callers use: nesting check, frame,
 *                           arguments in, body, result out
 * Embedded-C bodies follow doc/runtime.md: parameters are arg_P and the
 * result retvalue, reached through STAP_ARG_P and STAP_RETVALUE.
 */
#include "emit/emit.h"

#include <stdlib.h>
#include <string.h>

static const char *ctype(int t)
{
	return t == T_STRING ? "char" : "int64_t";
}

static void member(StrBuf *b, int type, const char *name)
{
	sb_printf(b, "\t%s %s%s;\n", ctype(type), name,
		  type == T_STRING ? "[MAXSTRINGLEN]" : "");
}

char *emit_temp(Emitter *em, Type t)
{
	Body *b = em->body;
	int n = ++b->ntemps;
	char name[32];
	snprintf(name, sizeof name, "t%d", n);
	member(&b->temps, t == T_STRING ? T_STRING : T_LONG, name);
	char *r = xasprintf("l->t%d", n);
	char *a = arena_strdup(&em->s->arena, r);
	free(r);
	return a;
}

char *emit_label(Emitter *em, const char *stem)
{
	char *r = xasprintf("%s_%d", stem, ++em->body->nlabels);
	char *a = arena_strdup(&em->s->arena, r);
	free(r);
	return a;
}

const char *emit_func_name(Emitter *em, const Func *f)
{
	int same = 0;
	for (uint32_t i = 0; i < em->prog->funcs.n; i++) {
		const Func *g = em->prog->funcs.v[i];
		same += g->used && !strcmp(g->name, f->name);
	}
	if (same <= 1)
		return f->name;
	char *r = xasprintf("%s_%u", f->name, f->nparams);
	char *a = arena_strdup(&em->s->arena, r);
	free(r);
	return a;
}

/* ------------------------------------------------------------- bodies */

static void zero_locals(Emitter *em, const PtrVec *locals)
{
	for (uint32_t i = 0; i < locals->n; i++) {
		const Var *v = locals->v[i];
		if (v->type == T_STRING)
			emit_line(em, "l->%s[0] = '\\0';", emit_cname(v->name));
		else
			emit_line(em, "l->%s = 0;", emit_cname(v->name));
	}
}

/* Writes `struct NAME_locals { vars... temps }` for a body. */
static void locals_struct(Emitter *em, const char *name, const PtrVec *vars,
			  const char *extra)
{
	StrBuf *b = &em->structs;
	sb_printf(b, "struct %s_locals {\n", name);
	for (uint32_t i = 0; i < vars->n; i++) {
		const Var *v = vars->v[i];
		member(b, v->type, emit_cname(v->name));
	}
	if (extra)
		sb_puts(b, extra);
	if (em->body && em->body->temps.data)
		sb_puts(b, em->body->temps.data);
	sb_puts(b, "\tchar none;\t/* never empty */\n};\n\n");
}

static void begin_body(Emitter *em, Body *b, const Func *f)
{
	*b = (Body){ .func = f, .abort = "out", .loop_try_depth = -1 };
	em->body = b;
	em->indent = 1;
}

static void end_body(Emitter *em, Body *b)
{
	sb_free(&b->temps);
	em->body = NULL;
}

/* ---------------------------------------------------- script functions */

static void params_list(StrBuf *o, const Func *f)
{
	for (uint32_t i = 0; i < f->nparams; i++) {
		const Var *p = f->params[i];
		sb_printf(o, ", %s%s", p->type == T_STRING ? "const char *" : "int64_t ",
			  emit_cname(p->name));
	}
}

/* "static int64_t call_NAME(struct sonde_ctx *c, ...)": what callers use. */
static void call_signature(Emitter *em, const Func *f, const char *name,
			   StrBuf *sig)
{
	bool str = f->type == T_STRING, val = f->type == T_LONG || str;
	/* -u keeps functions that nothing calls */
	sb_printf(sig, "static %s%s call_%s(struct sonde_ctx *c%s",
		  em->s->keep_unused ? "__maybe_unused " : "",
		  str ? "const char *" : val ? "int64_t" : "void", name,
		  str ? ", char *ret" : "");
	params_list(sig, f);
	sb_putc(sig, ')');
}

static void call_wrapper(Emitter *em, const Func *f, const char *name,
			 StrBuf *out)
{
	bool str = f->type == T_STRING, val = f->type == T_LONG || str;
	const char *arg = f->embedded ? "arg_" : "";
	StrBuf sig = {0};
	call_signature(em, f, name, &sig);
	sb_printf(out, "%s\n{\n\tstruct fn_%s_locals *l;\n\n", sig.data, name);
	sb_printf(out, "\tif (!sonde_call_enter(c))\n\t\treturn%s;\n",
		  str ? " \"\"" : val ? " 0" : "");
	sb_printf(out, "\tl = &this_frames()->fn[c->nesting - 1].%s;\n",
		  emit_cname(name));
	for (uint32_t i = 0; i < f->nparams; i++) {
		const char *p = emit_cname(f->params[i]->name);
		if (f->params[i]->type == T_STRING)
			sb_printf(out, "\tsonde_strlcpy(l->%s%s, %s);\n", arg, p, p);
		else
			sb_printf(out, "\tl->%s%s = %s;\n", arg, p, p);
	}
	const char *rv = f->embedded ? "retvalue" : "ret";
	if (str)
		sb_printf(out, "\tl->%s[0] = '\\0';\n", rv);
	else if (val)
		sb_printf(out, "\tl->%s = 0;\n", rv);
	sb_printf(out, "\tfn_%s(c, l);\n", name);
	if (str)
		sb_printf(out, "\tsonde_strlcpy(ret, l->%s);\n", rv);
	else if (val)
		sb_printf(out, "\t{\n\t\tint64_t v = l->%s;\n\n\t\tsonde_call_leave(c);\n\t\treturn v;\n\t}\n}\n\n", rv);
	if (!val || str)
		sb_printf(out, "\tsonde_call_leave(c);\n%s}\n\n", str ? "\treturn ret;\n" : "");
	sb_free(&sig);
}

static void script_function(Emitter *em, const Func *f, StrBuf *out)
{
	const char *name = emit_func_name(em, f);
	Body b;
	StrBuf body = {0};
	begin_body(em, &b, f);
	em->out = &body;
	zero_locals(em, &f->locals);
	emit_stmt(em, f->decl->func.body);
	PtrVec vars = {0};
	for (uint32_t i = 0; i < f->nparams; i++)
		vec_push(&vars, f->params[i]);
	for (uint32_t i = 0; i < f->locals.n; i++)
		vec_push(&vars, f->locals.v[i]);
	char *ret = NULL;
	if (f->type == T_LONG || f->type == T_STRING)
		ret = xasprintf("\t%s ret%s;\n", ctype(f->type),
				f->type == T_STRING ? "[MAXSTRINGLEN]" : "");
	char *sname = xasprintf("fn_%s", name);
	locals_struct(em, sname, &vars, ret);
	sb_printf(&em->fn_members, "\t\tstruct fn_%s_locals %s;\n", name,
		  emit_cname(name));
	sb_printf(out, "/* function %s at %s */\n", f->name, emit_where(em, f->loc));
	sb_printf(out, "static void fn_%s(struct sonde_ctx *c, struct fn_%s_locals *l)\n{\n",
		  name, name);
	sb_puts(out, body.data ? body.data : "");
	sb_puts(out, "out: __attribute__((unused));\n\treturn;\n}\n\n");
	call_wrapper(em, f, name, out);
	free(ret);
	free(sname);
	vec_free(&vars);
	sb_free(&body);
	end_body(em, &b);
}

/* ------------------------------------------------- embedded-C functions */

static void embedded_struct(Emitter *em, const Func *f, const char *name)
{
	StrBuf *b = &em->structs;
	sb_printf(b, "struct fn_%s_locals {\n", name);
	for (uint32_t i = 0; i < f->nparams; i++) {
		char *m = xasprintf("arg_%s", f->params[i]->name);
		member(b, f->params[i]->type, m);
		free(m);
	}
	if (f->type == T_LONG || f->type == T_STRING)
		member(b, f->type, "retvalue");
	sb_puts(b, "\tchar none;\t/* never empty */\n};\n\n");
}

static void embedded_function(Emitter *em, const Func *f, StrBuf *out)
{
	const char *name = emit_func_name(em, f);
	bool val = f->type == T_LONG || f->type == T_STRING;
	embedded_struct(em, f, name);
	sb_printf(&em->fn_members, "\t\tstruct fn_%s_locals %s;\n", name,
		  emit_cname(name));
	sb_printf(out, "/* function %s at %s (embedded C) */\n", f->name,
		  emit_where(em, f->loc));
	sb_printf(out, "static void fn_%s(struct sonde_ctx *c, struct fn_%s_locals *l)\n{\n",
		  name, name);
	for (uint32_t i = 0; i < f->nparams; i++)
		sb_printf(out, "#define STAP_ARG_%s (l->arg_%s)\n",
			  f->params[i]->name, f->params[i]->name);
	if (val)
		sb_printf(out, "#define STAP_RETVALUE (l->retvalue)\n"
			  "#define STAP_RETURN(v) SONDE_RETURN_%s(v)\n",
			  f->type == T_STRING ? "STR" : "LONG");
	sb_printf(out, "\t{\n%s\n\t}\n\tgoto sonde_out;\nsonde_out: __attribute__((unused));\n",
		  f->decl->func.code);
	for (uint32_t i = 0; i < f->nparams; i++)
		sb_printf(out, "#undef STAP_ARG_%s\n", f->params[i]->name);
	if (val)
		sb_puts(out, "#undef STAP_RETVALUE\n#undef STAP_RETURN\n");
	sb_puts(out, "}\n\n");
	call_wrapper(em, f, name, out);
}

void emit_functions(Emitter *em, StrBuf *out)
{
	for (uint32_t i = 0; i < em->prog->funcs.n; i++) {
		const Func *f = em->prog->funcs.v[i];
		if (f->embedded)
			embedded_function(em, f, out);
		else
			script_function(em, f, out);
	}
}

/* --------------------------------------------------------- probe bodies */

static bool is_otf_probe(const Probe *p)
{
	for (uint32_t i = 0; i < p->points.n; i++)
		if (emit_probe_otf(p->points.v[i]))
			return true;
	return false;
}

/* Does probe `p` write a global that the on-the-fly condition of `q`
   reads?  Then p re-evaluates it after its body (and locks for it). */
bool emit_updates_cond(const Probe *p, const Probe *q)
{
	if (!is_otf_probe(q))
		return false;
	for (uint32_t k = 0; k < q->cond_reads.n; k++) {
		const Var *v = q->cond_reads.v[k];
		for (uint32_t w = 0; w < v->writers.n; w++)
			if (v->writers.v[w] == p)
				return true;
	}
	return false;
}

/* After the body: conditions this probe may have changed. */
static void otf_updates(Emitter *em, const Probe *p)
{
	for (uint32_t i = 0; i < em->prog->probes.n; i++) {
		const Probe *q = em->prog->probes.v[i];
		if (!emit_updates_cond(p, q))
			continue;
		StrBuf *save = em->out;
		StrBuf cond = {0};
		em->out = &cond;
		emit_cond(em, q->cond);
		em->out = save;
		emit_line(em, "if (sonde_cond_update(&probe_%u_enabled, %s))",
			  q->index, cond.data);
		emit_line(em, "\tsonde_otf_changed(c);");
		sb_free(&cond);
	}
}

/* ------------------------------------------------- @entry of return probes */

/* The save of `v` if it is one of p's @entry locals, else NULL. */
static const EntrySave *entry_save_of(const Probe *p, const Var *v, int *k)
{
	for (uint32_t i = 0; i < p->entry_saves.n; i++) {
		const EntrySave *es = p->entry_saves.v[i];
		if (es->var == v) {
			*k = (int)i;
			return es;
		}
	}
	return NULL;
}

/* Locals start zeroed, except the @entry values, copied from `entry`,
   and context variables, which the handler set (group.h). */
static void probe_locals_init(Emitter *em, const Probe *p)
{
	PtrVec rest = {0};
	for (uint32_t i = 0; i < p->locals.n; i++) {
		const Var *v = p->locals.v[i];
		int k;
		if (v->handler_set)
			continue;	/* the handler sets it */
		if (!entry_save_of(p, v, &k))
			vec_push(&rest, (void *)v);
		else if (v->type == T_STRING)
			emit_line(em, "sonde_strlcpy(l->%s, entry->s%d);", emit_cname(v->name), k);
		else
			emit_line(em, "l->%s = entry->s%d;", emit_cname(v->name), k);
	}
	zero_locals(em, &rest);
	vec_free(&rest);
}

/* struct probe_N_entry: one member per @entry, kept per activation. */
static void entry_struct(const Probe *p, StrBuf *out)
{
	sb_printf(out, "/* @entry values of probe_%u, saved when the function is entered */\n"
		  "struct probe_%u_entry {\n", p->index, p->index);
	for (uint32_t i = 0; i < p->entry_saves.n; i++) {
		const EntrySave *es = p->entry_saves.v[i];
		char name[16];
		snprintf(name, sizeof name, "s%u", i);
		member(out, es->var->type, name);
	}
	sb_puts(out, "};\n\n");
}

/*
 * probe_N_save(c, entry): evaluates each @entry expression into
 * `entry`, under the probe's global locks; an error leaves c->aborted
 * set for the caller.  Its temporaries live in its own frame member.
 */
static void entry_save_fn(Emitter *em, const Probe *p, const char *locks,
			  int nlocks, StrBuf *out)
{
	Body b;
	StrBuf body = {0};
	begin_body(em, &b, NULL);
	em->out = &body;
	for (uint32_t i = 0; i < p->entry_saves.n; i++) {
		const EntrySave *es = p->entry_saves.v[i];
		StrBuf v = {0};
		em->out = &v;
		emit_expr(em, es->expr);
		em->out = &body;
		if (expr_can_fail(es->expr))
			emit_line(em, "sonde_at(c, \"%s\");", emit_where(em, es->loc));
		if (es->var->type == T_STRING)
			emit_line(em, "sonde_strlcpy(entry->s%u, %s);", i, v.data);
		else
			emit_line(em, "entry->s%u = %s;", i, v.data);
		if (expr_can_fail(es->expr))
			emit_abort_check(em);
		sb_free(&v);
	}
	char name[48];
	snprintf(name, sizeof name, "probe_%u_save", p->index);
	PtrVec none = {0};
	locals_struct(em, name, &none, NULL);
	sb_printf(&em->probe_members, "\t\tstruct %s_locals p%u_save;\n", name, p->index);
	sb_printf(out, "static void %s(struct sonde_ctx *c, struct probe_%u_entry *entry)\n{\n",
		  name, p->index);
	sb_printf(out, "\tstruct %s_locals *l __maybe_unused = &this_frames()->probe.p%u_save;\n\n",
		  name, p->index);
	if (nlocks)
		sb_printf(out, "\tif (!sonde_lock_globals(c, %s, %d)) {\n"
			  "\t\tc->aborted = true;\n\t\treturn;\n\t}\n", locks, nlocks);
	sb_puts(out, body.data ? body.data : "");
	sb_puts(out, "out: __attribute__((unused));\n");
	if (nlocks)
		sb_printf(out, "\tsonde_unlock_globals(%s, %d);\n", locks, nlocks);
	sb_puts(out, "}\n\n");
	sb_free(&body);
	end_body(em, &b);
}

/* The condition, tested at entry: a hit may come before a refresh. */
static void entry_condition(Emitter *em, const Probe *p)
{
	if (!p->cond)
		return;
	StrBuf cond = {0};
	StrBuf *save = em->out;
	em->out = &cond;
	emit_cond(em, p->cond);
	em->out = save;
	emit_line(em, "/* condition at %s */", emit_where(em, p->cond->loc));
	if (is_otf_probe(p)) {
		emit_line(em, "if (!(%s)) {", cond.data);
		emit_line(em, "\tif (sonde_cond_update(&probe_%u_enabled, false))", p->index);
		emit_line(em, "\t\tsonde_otf_changed(c);");
		emit_line(em, "\tgoto out;\n\t}");
	} else {
		emit_line(em, "if (!(%s))", cond.data);
		emit_line(em, "\tgoto out;");
	}
	sb_free(&cond);
}

static void probe_body(Emitter *em, const Probe *p, StrBuf *out)
{
	char name[32], locks[48];
	snprintf(name, sizeof name, "probe_%u", p->index);
	snprintf(locks, sizeof locks, "probe_%u_locks", p->index);
	Body b;
	StrBuf body = {0};
	begin_body(em, &b, NULL);
	em->out = out;
	em->indent = 0;
	int nlocks;
	emit_lock_table(em, p, locks, &nlocks);
	if (p->uses_entry)
		entry_struct(p, &em->structs);
	em->out = &body;
	em->indent = 1;
	probe_locals_init(em, p);
	entry_condition(em, p);
	emit_stmt(em, p->body);
	StrBuf tail = {0};
	em->out = &tail;
	otf_updates(em, p);
	locals_struct(em, name, &p->locals, NULL);
	sb_printf(&em->probe_members, "\t\tstruct %s_locals p%u;\n", name, p->index);
	const DerivedProbe *first = p->points.n ? p->points.v[0] : NULL;
	sb_printf(out, "/* probe %s%s at %s */\n", first ? first->point : "?",
		  p->points.n > 1 ? ", ..." : "", emit_where(em, p->decl->loc));
	if (p->uses_entry)
		sb_printf(out, "static void %s(struct sonde_ctx *c, "
			  "const struct %s_entry *entry)\n{\n", name, name);
	else
		sb_printf(out, "static void %s(struct sonde_ctx *c)\n{\n", name);
	sb_printf(out, "\tstruct %s_locals *l __maybe_unused = &this_frames()->probe.p%u;\n\n",
		  name, p->index);
	if (nlocks)
		sb_printf(out, "\tif (!sonde_lock_globals(c, %s, %d))\n\t\treturn;\n",
			  locks, nlocks);
	sb_puts(out, body.data ? body.data : "");
	sb_puts(out, "out: __attribute__((unused));\n");
	sb_puts(out, tail.data ? tail.data : "");
	sb_free(&tail);
	if (nlocks)
		sb_printf(out, "\tsonde_unlock_globals(%s, %d);\n", locks, nlocks);
	sb_puts(out, "}\n\n");
	sb_free(&body);
	end_body(em, &b);
	if (p->uses_entry)
		entry_save_fn(em, p, locks, nlocks, out);
}

void emit_probe_bodies(Emitter *em, StrBuf *out)
{
	/* known before any body: the handlers and the skeleton ask */
	for (uint32_t i = 0; i < em->prog->probes.n; i++)
		em->has_otf |= is_otf_probe(em->prog->probes.v[i]);
	for (uint32_t i = 0; i < em->prog->probes.n; i++)
		probe_body(em, em->prog->probes.v[i], out);
}

/* ------------------------------------------------------------- frames */

void emit_frames(Emitter *em, StrBuf *out)
{
	sb_puts(out, em->structs.data ? em->structs.data : "");
	sb_puts(out, "/* Each CPU's frames: used only while its context is busy. */\n"
		     "struct sonde_frames {\n\tunion {\n");
	sb_puts(out, em->probe_members.data ? em->probe_members.data : "");
	sb_puts(out, "\t\tchar none;\n\t} probe;\n\tunion {\n");
	sb_puts(out, em->fn_members.data ? em->fn_members.data : "");
	sb_puts(out, "\t\tchar none;\n\t} fn[MAXNESTING];\n};\n\n");
	sb_puts(out,
		"static struct sonde_frames *frames;\t/* one per possible CPU */\n\n"
		"static inline struct sonde_frames *this_frames(void)\n{\n"
		"\treturn &frames[raw_smp_processor_id()];\n}\n\n"
		"static int frames_alloc(void)\n{\n"
		"\tframes = kvcalloc(nr_cpu_ids, sizeof(*frames), GFP_KERNEL);\n"
		"\treturn frames ? 0 : -ENOMEM;\n}\n\n"
		"static void frames_free(void)\n{\n\tkvfree(frames);\n}\n\n");
}

/* ------------------------------------------------------- declarations */

static void function_decls(Emitter *em, const Func *f, StrBuf *out)
{
	const char *name = emit_func_name(em, f);
	StrBuf sig = {0};
	call_signature(em, f, name, &sig);
	sb_printf(out, "static void fn_%s(struct sonde_ctx *c, struct fn_%s_locals *l);\n"
		  "%s;\n", name, name, sig.data);
	sb_free(&sig);
}

static void probe_decls(const Probe *p, StrBuf *out)
{
	unsigned n = p->index;
	if (is_otf_probe(p))
		sb_printf(out, "static bool probe_%u_enabled = true;\t"
			  "/* its condition's last value */\n", n);
	if (p->uses_entry)
		sb_printf(out, "static void probe_%u(struct sonde_ctx *c, "
			  "const struct probe_%u_entry *entry);\n"
			  "static void probe_%u_save(struct sonde_ctx *c, "
			  "struct probe_%u_entry *entry);\n", n, n, n, n);
	else
		sb_printf(out, "static void probe_%u(struct sonde_ctx *c);\n", n);
}

void emit_declarations(Emitter *em, StrBuf *out)
{
	sb_puts(out, "/* Every function and on-the-fly flag, declared before any body"
		     " names one:\n   no body depends on the order of the script's"
		     " probes and functions. */\n");
	for (uint32_t i = 0; i < em->prog->funcs.n; i++)
		function_decls(em, em->prog->funcs.v[i], out);
	for (uint32_t i = 0; i < em->prog->probes.n; i++)
		probe_decls(em->prog->probes.v[i], out);
	sb_putc(out, '\n');
}
