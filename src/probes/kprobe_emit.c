/*
 * kprobe_emit.c - pass 3 for kprobes and kretprobes, on the runtime's
 * kprobe group (runtime/kprobe.h): one struct sonde_kprobe per derived
 * probe in the array `kprobes`, registered, unregistered and refreshed
 * (enabled/disabled) as a whole.
 *
 * Handlers run with interrupts off, possibly inside the workqueue code:
 * not a context that may queue the on-the-fly refresh itself.
 */
#include "emit/emit.h"
#include "probes/kprobe.h"

#include <stdlib.h>
#include <string.h>

/*
 * A kretprobe of a probe with @entry saves them at function entry into
 * the instance's data (ri->data, a struct probe_N_entry that emit_func.c
 * declares with the function probe_N_save filling it).  A hit that
 * cannot run or fails there skips the instance: its return runs no body.
 */
static void entry_handler(Emitter *em, const DerivedProbe *d)
{
	unsigned p = d->probe->index;
	StrBuf name = {0};
	emit_cstring(&name, d->point, strlen(d->point));
	emit_line(em, "/* %s at %s: @entry values */", d->point, emit_where(em, d->loc));
	emit_line(em, "static int dp_%u_entry(struct kretprobe_instance *ri, "
		  "struct pt_regs *regs)\n{", d->index);
	em->indent++;
	emit_line(em, "struct sonde_ctx *c;");
	emit_line(em, "int skip;\n");
	emit_line(em, "if (!sonde_probe_enter(&c, %s))", name.data);
	emit_line(em, "\treturn 1;");
	emit_line(em, "c->regs = regs;");
	emit_line(em, "probe_%u_save(c, (struct probe_%u_entry *)ri->data);", p, p);
	emit_line(em, "skip = c->aborted;");
	emit_line(em, "sonde_probe_exit(c);");
	emit_line(em, "return skip;");
	em->indent--;
	emit_line(em, "}\n");
	sb_free(&name);
}

static void handler(Emitter *em, const DerivedProbe *d, const KprobeData *k)
{
	char args[64];
	HandlerSpec h = { .enter = "sonde_probe_enter", .ret = "0", .regs = "regs" };
	if (d->probe->uses_entry) {
		entry_handler(em, d);
		snprintf(args, sizeof args, ", (const struct probe_%u_entry *)ri->data",
			 d->probe->index);
		h.args = args;
	}
	emit_line(em, "/* %s at %s */", d->point, emit_where(em, d->loc));
	if (k->is_return)
		emit_line(em, "static int dp_%u(struct kretprobe_instance *ri, "
			  "struct pt_regs *regs)\n{", d->index);
	else
		emit_line(em, "static int dp_%u(struct kprobe *kp, struct pt_regs *regs)\n{",
			  d->index);
	em->indent++;
	emit_handler_body(em, d, &h);
	emit_line(em, "return 0;");
	em->indent--;
	emit_line(em, "}\n");
}

/* ".symbol = \"vfs_read\"" (\"module:function\" for a module's
   function), or ".addr = ADDR" for an absolute statement. */
static char *where(const KprobeData *k)
{
	if (!k->function)
		return xasprintf(".addr = 0x%llxUL", (unsigned long long)k->address);
	StrBuf b = {0}, name = {0};
	if (k->module)
		sb_printf(&name, "%s:%s", k->module, k->function);
	else
		sb_puts(&name, k->function);
	sb_puts(&b, ".symbol = ");
	emit_cstring(&b, name.data, name.len);
	sb_free(&name);
	return b.data;
}

void kprobe_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	const KprobeData *k = d->data;
	handler(em, d, k);
	emit_need_runtime(em, "kprobe");
	char *at = where(k), *init, entry[96] = "";
	if (d->probe->uses_entry)
		snprintf(entry, sizeof entry, ", .data_size = sizeof(struct probe_%u_entry), "
			 ".entry = dp_%u_entry", d->probe->index, d->index);
	if (k->is_return)
		init = xasprintf("{ %s, .ret = true, .maxactive = %lld%s, "
				 ".handler = dp_%u%s, .enabled = true }", at,
				 (long long)k->maxactive, entry, d->index,
				 k->optional ? ", .optional = true" : "");
	else
		init = xasprintf("{ %s, .pre = dp_%u%s, .enabled = true }",
				 at, d->index, k->optional ? ", .optional = true" : "");
	emit_array_add(em, d, "struct sonde_kprobe", "kprobes", init);
	free(init);
	free(at);
}

void kprobe_emit_init(void *emitter, const DerivedProbe *d)
{
	emit_trailer(emitter, SEC_REGISTER, "kprobe",
		     "\tret = sonde_kprobes_register(kprobes, ARRAY_SIZE(kprobes));\n"
		     "\tif (ret)\n\t\tgoto fail;\n");
}

void kprobe_emit_exit(void *emitter, const DerivedProbe *d)
{
	emit_trailer(emitter, SEC_UNREGISTER, "kprobe",
		     "\tsonde_kprobes_unregister(kprobes, ARRAY_SIZE(kprobes));\n");
}

void kprobe_emit_refresh(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	if (!emit_probe_otf(d))
		return;
	emit_line(em, "kprobes[%d].enabled = READ_ONCE(probe_%u_enabled);",
		  emit_slot(em, d), d->probe->index);
	emit_trailer(em, SEC_REFRESH, "kprobe",
		     "\tsonde_kprobes_refresh(kprobes, ARRAY_SIZE(kprobes));\n");
}
