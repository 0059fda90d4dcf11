/*
 * procfs_emit.c - pass 3 for procfs probes, on the runtime's procfs
 * group (runtime/procfs.h): one struct sonde_procfs per derived probe in
 * the array `procfs_files`, registered and unregistered as a whole.
 *
 * $value is the probe's string local __value (group.h context_vars),
 * which the handler sets before the body, with the CPU held: empty for a
 * read, the data written for a write; after a read probe's body it is
 * the file's content.  Handlers run in the reading or writing process.
 */
#include "emit/emit.h"
#include "probes/procfs.h"

#include <stdlib.h>
#include <string.h>

/* Does the probe body use $value? */
static bool uses_value(const Probe *p)
{
	for (uint32_t i = 0; i < p->locals.n; i++) {
		const Var *v = p->locals.v[i];
		if (v->handler_set && !strcmp(v->name, "__value"))
			return true;
	}
	return false;
}

void procfs_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	const ProcfsData *pd = d->data;
	unsigned p = d->probe->index;
	emit_need_runtime(em, "procfs");
	char *value = xasprintf("this_frames()->probe.p%u.__value", p);
	char *before = NULL, *after = NULL;
	if (uses_value(d->probe) && pd->write) {
		before = xasprintf("sonde_strlcpy(%s, data);", value);
	} else if (uses_value(d->probe)) {
		before = xasprintf("%s[0] = '\\0';", value);
		after = xasprintf("strscpy(buf, %s, size);", value);
	}
	HandlerSpec h = { .enter = "sonde_probe_enter", .ret = "",
			  .before = before, .after = after };
	emit_line(em, "/* %s at %s */", d->point, emit_where(em, d->loc));
	if (pd->write)
		emit_line(em, "static void dp_%u(struct sonde_procfs *f, const char *data, "
			  "size_t n)\n{", d->index);
	else
		emit_line(em, "static void dp_%u(struct sonde_procfs *f, char *buf, "
			  "size_t size)\n{", d->index);
	em->indent++;
	emit_handler_body(em, d, &h);
	em->indent--;
	emit_line(em, "}\n");
	StrBuf name = {0};
	emit_cstring(&name, pd->name, strlen(pd->name));
	char *init = xasprintf("{ .name = %s, .maxsize = %lld, .%s = dp_%u }",
			       name.data, (long long)pd->maxsize,
			       pd->write ? "write" : "read", d->index);
	emit_array_add(em, d, "struct sonde_procfs", "procfs_files", init);
	free(init);
	sb_free(&name);
	free(value);
	free(before);
	free(after);
}

void procfs_emit_init(void *emitter, const DerivedProbe *d)
{
	emit_trailer(emitter, SEC_REGISTER, "procfs",
		     "\tret = sonde_procfs_register(procfs_files, ARRAY_SIZE(procfs_files));\n"
		     "\tif (ret)\n\t\tgoto fail;\n");
}

void procfs_emit_exit(void *emitter, const DerivedProbe *d)
{
	emit_trailer(emitter, SEC_UNREGISTER, "procfs",
		     "\tsonde_procfs_unregister(procfs_files, ARRAY_SIZE(procfs_files));\n");
}
