/*
 * kprobe.c - kprobes on kernel functions and addresses, without DWARF.
 *
 *   kprobe.function("F")[.return[.maxactive(N)]]
 *   kprobe.module("M").function("F")[.return[.maxactive(N)]]
 *   kprobe.statement(ADDR).absolute                      (guru mode)
 *
 * F may be a glob; kernel functions are checked against the target
 * kernel's symbol table (ksyms.h), loaded only when a point needs it, and
 * a glob derives one probe per matching symbol, in name order.  Functions
 * the kernel refuses to kprobe (its blacklist, init text) are an error
 * when named and skipped silently by a glob.  Module
 * functions cannot be checked without the module's symbols and are taken
 * as written.  An optional point (`?`) that the kernel still refuses at
 * load time is skipped there with a warning.  Derived data: KprobeData.
 */
#include "probes/group.h"
#include "probes/kprobe.h"
#include "debuginfo/ksyms.h"

#include <string.h>

static const char *const patterns[] = {
	"kprobe.function(s)", "kprobe.function(s).return",
	"kprobe.function(s).return.maxactive(n)",
	"kprobe.module(s).function(s)", "kprobe.module(s).function(s).return",
	"kprobe.module(s).function(s).return.maxactive(n)",
	"kprobe.statement(n).absolute",
	NULL
};

typedef struct Ctx {
	struct Elab *e;
	const Match *m;
	KprobeData proto;
	int fn_comp;		/* index of the function component */
} Ctx;

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The match's text with the function component replaced by `name`. */
static char *point_for(Ctx *c, const char *name)
{
	Match m = *c->m;
	Expr arg = *m.args[c->fn_comp];
	arg.str = name;
	arg.n = (uint32_t)strlen(name);
	m.args[c->fn_comp] = &arg;
	return match_text(c->e, &m);
}

/* `name` may point into the symbol table, which closes with the
   elaborator; the probe data lives on into pass 3, so it keeps a copy
   in the session arena. */
static void add_cb(const char *name, void *arg)
{
	Ctx *c = arg;
	KprobeData *d = elab_alloc(c->e, sizeof *d);
	*d = c->proto;
	d->function = arena_strdup(&elab_session(c->e)->arena, name);
	elab_derive_point(c->e, c->m, point_for(c, d->function), d);
}

static bool no_match(Ctx *c, const char *what)
{
	if (c->m->pp->flags & PP_OPTIONAL)
		return true;
	const Expr *a = c->m->args[c->fn_comp];
	diag_at(elab_session(c->e), DIAG_SEMANTIC_ERROR, a->loc, 1,
		"%s '%s' in the symbol table of kernel %s", what, a->str,
		elab_release(c->e));
	return false;
}

/* The kernel would reject the kprobe: say why, unless the point is
   optional (`?`), which takes a refusal like a missing function. */
static bool refused(Ctx *c, KSymClass cls)
{
	if (c->m->pp->flags & PP_OPTIONAL)
		return true;
	const Expr *a = c->m->args[c->fn_comp];
	diag_at(elab_session(c->e), DIAG_SEMANTIC_ERROR, a->loc, 1,
		"'%s' cannot be probed: %s", a->str,
		cls == KSYM_INIT ? "it is init code, freed once the kernel has booted"
				 : "it is in the kernel's kprobe-protected text");
	return false;
}

static bool kernel_function(Ctx *c, const char *f)
{
	const KSyms *k = elab_ksyms(c->e, c->m->args[c->fn_comp]->loc);
	if (!k)
		return false;
	if (!has_glob(f)) {
		KSymClass cls = ksyms_class(k, f);
		if (cls == KSYM_ABSENT)
			return no_match(c, "no function");
		if (cls != KSYM_PROBEABLE)
			return refused(c, cls);
		add_cb(f, c);
		return true;
	}
	if (ksyms_glob(k, f, add_cb, c) == 0)
		return no_match(c, "no function matches");
	return true;
}

static bool statement(struct Elab *e, const Match *m)
{
	if (!elab_session(e)->guru_mode) {
		diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, m->loc, 1,
			"kprobe.statement(ADDR).absolute needs guru mode (-g)");
		return false;
	}
	KprobeData *d = elab_alloc(e, sizeof *d);
	d->address = m->args[1]->num;
	d->optional = (m->pp->flags & PP_OPTIONAL) != 0;
	elab_derive_point(e, m, match_text(e, m), d);
	return true;
}

static bool derive(struct Elab *e, const Match *m)
{
	if (match_find(m, "statement") >= 0)
		return statement(e, m);
	Ctx c = { .e = e, .m = m, .fn_comp = match_find(m, "function") };
	int mod = match_find(m, "module");
	c.proto.module = mod >= 0 ? m->args[mod]->str : NULL;
	c.proto.is_return = match_find(m, "return") >= 0;
	c.proto.maxactive = match_num(m, "maxactive", 0);
	c.proto.optional = (m->pp->flags & PP_OPTIONAL) != 0;
	int ma = match_find(m, "maxactive");
	if (ma >= 0 && c.proto.maxactive <= 0) {
		diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, m->args[ma]->loc, 1,
			"maxactive must be positive");
		return false;
	}
	const char *f = m->args[c.fn_comp]->str;
	if (c.proto.module) {
		add_cb(f, &c);
		return true;
	}
	return kernel_function(&c, f);
}

/*
 * -L: a kprobe sits on a symbol, not on a DWARF function, so it offers
 * no $variables (registers and raw memory are read through functions):
 * the point is listed alone, as stap lists it.
 */
static void list_vars(struct Elab *e, const DerivedProbe *d, StrBuf *out)
{
	(void)e, (void)d, (void)out;
}

const ProbeGroup kprobe_group = {
	.name = "kprobe",
	.patterns = patterns,
	.summary = "kernel functions by symbol name, their returns, addresses",
	.derive = derive,
	.list_vars = list_vars,
	.supports_onthefly = true,
	.safe_context = false,
	.emit_decls = kprobe_emit_decls,
	.emit_init = kprobe_emit_init,
	.emit_exit = kprobe_emit_exit,
	.emit_refresh = kprobe_emit_refresh,
};
