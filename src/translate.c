/*
 * translate.c - pass 3: the driver of the emitter and the module
 * skeleton.
 *
 * translate_program() writes, in this order: the banner and includes,
 * top-level embedded C, the globals (emit_global.c), the locals structs
 * and per-CPU frames, the declarations (a prototype of every function
 * and probe body, every on-the-fly probe's enabled flag: no body then
 * depends on the order of the script's declarations), script functions
 * and probe bodies (emit_func.c), then what the probe groups contribute
 * through their hooks (handlers and their data), and last the skeleton
 * that ties them to the runtime: register/unregister, the
 * begin/end/error runners, the struct sonde_script and module
 * init/exit.  Each part is written into a
 * buffer of its own first, because later parts decide what earlier ones
 * need (temporaries, headers).
 *
 * Guarantees: the same Program always gives the same text; on failure
 * every reason was reported with diag_at and no text is returned.
 */
#include "emit.h"
#include "backend.h"
#include "probes/emit_hooks.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ output */

void emit_line(Emitter *em, const char *fmt, ...)
{
	for (int i = 0; i < em->indent; i++)
		sb_putc(em->out, '\t');
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(em->out, fmt, ap);
	va_end(ap);
	sb_putc(em->out, '\n');
}

void emit_unsupported(Emitter *em, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(em->s, DIAG_SEMANTIC_ERROR, loc, 1, fmt, ap);
	va_end(ap);
	em->failed = true;
}

void emit_cstring(StrBuf *b, const char *s, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(b, "\\n");
		else if (ch == '\t')
			sb_puts(b, "\\t");
		else if (ch < 32 || ch >= 127 || ch == '?')
			sb_printf(b, "\\%03o", ch);	/* '?': no trigraphs */
		else
			sb_putc(b, (char)ch);
	}
	sb_putc(b, '"');
}

const char *emit_where(Emitter *em, Loc loc)
{
	StrBuf b = {0};
	diag_loc_str(em->s, loc, &b);
	const char *r = arena_strdup(&em->s->arena, b.data ? b.data : "?");
	sb_free(&b);
	return r;
}

void emit_need_header(Emitter *em, const char *header)
{
	for (uint32_t i = 0; i < em->needs.n; i++)
		if (!strcmp(em->needs.v[i], header))
			return;
	vec_push(&em->needs, (void *)header);
}

void emit_need_runtime(Emitter *em, const char *part)
{
	for (uint32_t i = 0; i < em->rt_parts.n; i++)
		if (!strcmp(em->rt_parts.v[i], part))
			return;
	vec_push(&em->rt_parts, (void *)part);
}

StrBuf *emit_section(Emitter *em, Section sec)
{
	return &em->sec[sec];
}

/* -------------------------------------------------- probe group helpers */

char *emit_probe_fn(Emitter *em, const DerivedProbe *d)
{
	char *t = xasprintf("probe_%u", d->probe->index);
	char *r = arena_strdup(&em->s->arena, t);
	free(t);
	return r;
}

bool emit_probe_otf(const DerivedProbe *d)
{
	return d->probe->cond && d->group->supports_onthefly;
}

void emit_handler_body(Emitter *em, const DerivedProbe *d,
		       const HandlerSpec *h)
{
	emit_line(em, "struct sonde_ctx *c;");
	sb_putc(em->out, '\n');
	StrBuf name = {0};
	emit_cstring(&name, d->point, strlen(d->point));
	emit_line(em, "if (!%s(&c, %s))", h->enter, name.data);
	sb_free(&name);
	emit_line(em, "\treturn%s%s;", *h->ret ? " " : "", h->ret);
	emit_line(em, "c->regs = %s;", h->regs ? h->regs : "NULL");
	if (h->before)
		emit_line(em, "%s", h->before);
	emit_line(em, "probe_%u(c%s);", d->probe->index, h->args ? h->args : "");
	if (h->after)
		emit_line(em, "%s", h->after);
	if (em->has_otf)
		emit_line(em, "sonde_otf_exit(c, %s);", d->group->safe_context ? "true" : "false");
	emit_line(em, "sonde_probe_exit(c);");
}

/* ------------------------------------------------ group arrays, trailers */

typedef struct GroupArray {
	const char *type, *name;
	StrBuf init;
	int n;
} GroupArray;

typedef struct Trailer {
	Section sec;
	const char *key;
	char *text;
} Trailer;

int emit_array_add(Emitter *em, const DerivedProbe *d, const char *type,
		   const char *name, const char *init)
{
	GroupArray *a = NULL;
	for (uint32_t i = 0; i < em->arrays.n && !a; i++)
		if (!strcmp(((GroupArray *)em->arrays.v[i])->name, name))
			a = em->arrays.v[i];
	if (!a) {
		a = xcalloc(1, sizeof *a);
		a->type = type;
		a->name = name;
		vec_push(&em->arrays, a);
	}
	sb_printf(&a->init, "\t%s,\n", init);
	em->slots[d->index] = a->n;
	return a->n++;
}

int emit_slot(Emitter *em, const DerivedProbe *d)
{
	return em->slots[d->index];
}

void emit_trailer(Emitter *em, Section sec, const char *key, const char *text)
{
	for (uint32_t i = 0; i < em->trailers.n; i++) {
		Trailer *t = em->trailers.v[i];
		if (t->sec == sec && !strcmp(t->key, key))
			return;
	}
	Trailer *t = xcalloc(1, sizeof *t);
	t->sec = sec;
	t->key = key;
	t->text = xstrdup(text);
	vec_push(&em->trailers, t);
}

static void write_arrays(Emitter *em, StrBuf *o)
{
	for (uint32_t i = 0; i < em->arrays.n; i++) {
		GroupArray *a = em->arrays.v[i];
		sb_printf(o, "static %s %s[] = {\n%s};\n\n", a->type, a->name,
			  a->init.data);
	}
}

/* The trailers of `sec`, after its per-probe lines. */
static void close_section(Emitter *em, Section sec)
{
	for (uint32_t i = 0; i < em->trailers.n; i++) {
		Trailer *t = em->trailers.v[i];
		if (t->sec == sec)
			sb_puts(&em->sec[sec], t->text);
	}
}

void emit_add_runner(Emitter *em, char kind, int64_t seq,
		     const DerivedProbe *d)
{
	Runner *r = xcalloc(1, sizeof *r);
	r->seq = seq;
	r->index = d->index;
	r->call = xasprintf("dp_%u", d->index);
	assert(kind == 'b' || kind == 'e' || kind == 'r');
	vec_push(kind == 'b' ? &em->begins : kind == 'e' ? &em->ends
							 : &em->errors, r);
}

/* ---------------------------------------------------- group hook lookup */

typedef struct Hooks {
	void (*decls)(void *, const DerivedProbe *);
	void (*init)(void *, const DerivedProbe *);
	void (*exit)(void *, const DerivedProbe *);
	void (*refresh)(void *, const DerivedProbe *);
} Hooks;

/* A group without pass-3 hooks cannot be translated yet. */
static bool hooks_of(const ProbeGroup *g, Hooks *h)
{
	*h = (Hooks){ g->emit_decls, g->emit_init, g->emit_exit,
		      g->emit_refresh };
	return g->emit_decls != NULL;
}

/* Runs one hook of every derived probe into section `sec`. */
static void run_hooks(Emitter *em, Section sec, int which, bool reverse)
{
	const PtrVec *dv = &em->prog->derived;
	for (uint32_t k = 0; k < dv->n; k++) {
		const DerivedProbe *d = dv->v[reverse ? dv->n - 1 - k : k];
		Hooks h;
		if (!hooks_of(d->group, &h)) {
			if (which == 0)
				emit_unsupported(em, d->loc, "probe point '%s' (%s) cannot be translated yet",
						 d->point, d->group->name);
			continue;
		}
		void (*fn)(void *, const DerivedProbe *) =
			which == 0 ? h.decls : which == 1 ? h.init :
			which == 2 ? h.exit : h.refresh;
		if (!fn)
			continue;
		em->out = &em->sec[sec];
		em->indent = sec == SEC_DECLS ? 0 : 1;
		fn(em, d);
	}
}

/* ------------------------------------------------------------ skeleton */

static const char *const runtime_headers[] = {
	"lifecycle.h", "locks.h", "arith.h", "str.h", "embedded.h", "otf.h",
	"timer.h", "kprobe.h", "procfs.h", "map.h", "stat.h", "gen_features.h",
	"gen_support.h", "gen_map.h",
};

static void write_head(Emitter *em, StrBuf *o)
{
	sb_puts(o, "// SPDX-License-Identifier: GPL-2.0\n/*\n");
	sb_puts(o, " * Generated by " SONDE_NAME " from ");
	const SrcFile *f = src_get(em->s, 1);
	sb_puts(o, f && f->name ? f->name : "<input>");
	sb_puts(o, ": do not edit.\n */\n");
	/* the runtime parts pass 4 links (src/build.c reads this line) */
	if (em->has_otf)
		emit_need_runtime(em, "otf");
	sb_puts(o, "// sonde-runtime: core");
	for (uint32_t i = 0; i < em->rt_parts.n; i++)
		sb_printf(o, " %s", (const char *)em->rt_parts.v[i]);
	sb_putc(o, '\n');
	sb_puts(o, "#include <linux/module.h>\n#include <linux/kernel.h>\n"
		   "#include <linux/mm.h>\n#include <linux/slab.h>\n");
	for (uint32_t i = 0; i < em->needs.n; i++)
		sb_printf(o, "#include <%s>\n", (const char *)em->needs.v[i]);
	for (size_t i = 0; i < sizeof runtime_headers / sizeof runtime_headers[0]; i++)
		sb_printf(o, "#include \"%s\"\n", runtime_headers[i]);
	sb_putc(o, '\n');
	for (uint32_t i = 0; i < em->prog->embedded.n; i++) {
		const Decl *d = em->prog->embedded.v[i];
		sb_printf(o, "/* embedded C at %s */\n%s\n\n",
			  emit_where(em, d->loc), d->code);
	}
}

static int runner_cmp(const void *a, const void *b)
{
	const Runner *x = *(Runner *const *)a, *y = *(Runner *const *)b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void write_runner(StrBuf *o, const char *name, PtrVec *v)
{
	if (!v->n)
		return;
	qsort(v->v, v->n, sizeof *v->v, runner_cmp);
	sb_printf(o, "static void %s(void)\n{\n", name);
	for (uint32_t i = 0; i < v->n; i++)
		sb_printf(o, "\t%s();\n", ((Runner *)v->v[i])->call);
	sb_puts(o, "}\n\n");
}

static void write_registration(Emitter *em, StrBuf *o)
{
	const char *sec = em->sec[SEC_UNREGISTER].data;
	sb_puts(o, "static void unregister_probes(void)\n{\n");
	if (em->has_otf)
		sb_puts(o, "\tsonde_otf_stop();\n");
	sb_puts(o, sec ? sec : "");
	sb_puts(o, "}\n\n");
	if (em->has_otf) {
		sec = em->sec[SEC_REFRESH].data;
		sb_printf(o, "/* On-the-fly: arm or disarm to match the conditions. */\n"
			  "static void refresh_probes(void)\n{\n%s}\n\n", sec ? sec : "");
		sb_puts(o, "static const struct sonde_otf_group otf_groups[] = {\n"
			   "\t{ \"probes\", refresh_probes },\n};\n\n");
	}
	sec = em->sec[SEC_REGISTER].data;
	sb_puts(o, "/* On failure, undoes what it did: the load fails cleanly. */\n");
	sb_puts(o, "static int register_probes(void)\n{\n\tint ret = 0;\n\n");
	sb_puts(o, sec ? sec : "");
	if (em->has_otf)
		sb_puts(o, "\tsonde_otf_start(otf_groups, ARRAY_SIZE(otf_groups));\n");
	sb_puts(o, "\treturn 0;\nfail: __attribute__((unused));\n"
		   "\tunregister_probes();\n\treturn ret;\n}\n\n");
}

static void write_script(Emitter *em, StrBuf *o)
{
	write_runner(o, "run_begin", &em->begins);
	write_runner(o, "run_end", &em->ends);
	write_runner(o, "run_error", &em->errors);
	if (em->data_init.len)
		sb_printf(o, "/* Frames, arrays and statistics, before registration. */\n"
			  "static int script_alloc(void)\n{\n\tint ret = frames_alloc();\n\n"
			  "\tif (ret)\n\t\treturn ret;\n%s\treturn 0;\n}\n\n",
			  em->data_init.data);
	sb_printf(o, "static void release(void)\n{\n%s%s\tframes_free();\n}\n\n",
		  em->has_otf ? "\tsonde_otf_release();\n" : "",
		  em->data_free.len ? em->data_free.data : "");
	sb_printf(o, "static const struct sonde_script script = {\n"
		   "\t.alloc = %s,\n", em->data_init.len ? "script_alloc" : "frames_alloc");
	sb_puts(o, "\t.release = release,\n"
		   "\t.register_probes = register_probes,\n"
		   "\t.unregister_probes = unregister_probes,\n");
	if (em->begins.n)
		sb_puts(o, "\t.begin = run_begin,\n");
	if (em->ends.n)
		sb_puts(o, "\t.end = run_end,\n");
	if (em->errors.n)
		sb_puts(o, "\t.error = run_error,\n");
	sb_puts(o, "};\n\nSONDE_SCRIPT(script);\n"
		   "MODULE_DESCRIPTION(\"" SONDE_NAME " script\");\n");
}

static void emitter_free(Emitter *em)
{
	for (int i = 0; i < SEC_COUNT_; i++)
		sb_free(&em->sec[i]);
	PtrVec *lists[] = { &em->begins, &em->ends, &em->errors };
	for (int i = 0; i < 3; i++) {
		for (uint32_t k = 0; k < lists[i]->n; k++) {
			Runner *r = lists[i]->v[k];
			free(r->call);
			free(r);
		}
		vec_free(lists[i]);
	}
	vec_free(&em->needs);
	vec_free(&em->rt_parts);
	for (uint32_t i = 0; i < em->arrays.n; i++) {
		GroupArray *a = em->arrays.v[i];
		sb_free(&a->init);
		free(a);
	}
	vec_free(&em->arrays);
	for (uint32_t i = 0; i < em->trailers.n; i++) {
		Trailer *t = em->trailers.v[i];
		free(t->text);
		free(t);
	}
	vec_free(&em->trailers);
	emit_data_free(em);
	free(em->slots);
	sb_free(&em->structs);
	sb_free(&em->fn_members);
	sb_free(&em->probe_members);
	sb_free(&em->data_init);
	sb_free(&em->data_free);
}

/* The parts in file order; see the top of this file. */
static void assemble(Emitter *em, StrBuf *globals, StrBuf *frames,
		     StrBuf *code, StrBuf *out)
{
	write_head(em, out);
	sb_puts(out, globals->data ? globals->data : "");
	sb_puts(out, frames->data ? frames->data : "");
	emit_declarations(em, out);
	sb_puts(out, code->data ? code->data : "");
	sb_puts(out, em->sec[SEC_DECLS].data ? em->sec[SEC_DECLS].data : "");
	write_arrays(em, out);
	write_registration(em, out);
	write_script(em, out);
}

bool translate_program(Session *s, const Program *prog, StrBuf *out)
{
	Emitter em = { .s = s, .prog = prog };
	em.slots = xcalloc(prog->derived.n + 1, sizeof *em.slots);
	StrBuf globals = {0}, frames = {0}, code = {0};
	em.out = &globals;
	emit_globals(&em);
	emit_functions(&em, &code);
	emit_probe_bodies(&em, &code);
	emit_frames(&em, &frames);
	run_hooks(&em, SEC_DECLS, 0, false);
	run_hooks(&em, SEC_REGISTER, 1, false);
	run_hooks(&em, SEC_UNREGISTER, 2, true);
	run_hooks(&em, SEC_REFRESH, 3, false);
	for (int sec = SEC_REGISTER; sec < SEC_COUNT_; sec++)
		close_section(&em, (Section)sec);
	bool ok = !em.failed && s->nerrors == 0;
	if (ok)
		assemble(&em, &globals, &frames, &code, out);
	sb_free(&globals);
	sb_free(&frames);
	sb_free(&code);
	emitter_free(&em);
	return ok;
}
