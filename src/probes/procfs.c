/*
 * procfs.c - probes on reads and writes of files under /proc.
 *
 *   procfs[("NAME")].read[.maxsize(N)]   a process reads the file
 *   procfs[("NAME")].write               a process writes it
 *
 * NAME is a relative path under the module's procfs directory (default
 * "command"): not empty, no leading '/', no "." or ".." component.
 * maxsize N (bytes of the read buffer) must be positive.  $value is the
 * file's content: a read probe assigns it, a write probe reads what was
 * written (a string local of the probe, group.h context_vars).  Handlers
 * run in the reading or writing process's context.  Derived data:
 * ProcfsData.
 */
#include "probes/group.h"
#include "probes/procfs.h"

#include <string.h>

static const char *const patterns[] = {
	"procfs.read", "procfs.read.maxsize(n)", "procfs.write",
	"procfs(s).read", "procfs(s).read.maxsize(n)", "procfs(s).write",
	NULL
};

static bool bad_component(const char *p, size_t len)
{
	return len == 0 || (len == 1 && p[0] == '.') ||
	       (len == 2 && p[0] == '.' && p[1] == '.');
}

static bool valid_name(const char *name)
{
	if (name[0] == '/')
		return false;
	for (const char *p = name;;) {
		size_t len = strcspn(p, "/");
		if (bad_component(p, len))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static bool derive(struct Elab *e, const Match *m)
{
	ProcfsData *d = elab_alloc(e, sizeof *d);
	d->name = m->args[0] ? m->args[0]->str : "command";
	d->write = match_find(m, "write") >= 0;
	d->maxsize = match_num(m, "maxsize", 0);
	if (!valid_name(d->name)) {
		diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, m->args[0]->loc, 1,
			"invalid procfs file name \"%s\"", d->name);
		return false;
	}
	int ms = match_find(m, "maxsize");
	if (ms >= 0 && d->maxsize <= 0) {
		diag_at(elab_session(e), DIAG_SEMANTIC_ERROR, m->args[ms]->loc, 1,
			"procfs maxsize must be positive");
		return false;
	}
	elab_derive_point(e, m, match_text(e, m), d);
	return true;
}

/* -L: the file's content. */
static void list_vars(struct Elab *e, const DerivedProbe *d, StrBuf *out)
{
	(void)e, (void)d;
	sb_puts(out, " $value:string");
}

static const char *const context_vars[] = { "$value", NULL };

const ProbeGroup procfs_group = {
	.name = "procfs",
	.patterns = patterns,
	.summary = "reads and writes of a file under /proc",
	.derive = derive,
	.list_vars = list_vars,
	.supports_onthefly = false,
	.safe_context = true,
	.context_vars = context_vars,
	.emit_decls = procfs_emit_decls,
	.emit_init = procfs_emit_init,
	.emit_exit = procfs_emit_exit,
};
