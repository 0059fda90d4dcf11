/*
 * kprobe_emit.c - pass 3 for kprobes and kretprobes, on the runtime's
 * kprobe group (runtime/kprobe.h): one struct sonde_kprobe per derived
 * probe in the array `kprobes`, registered, unregistered and refreshed
 * (enabled/disabled) as a whole.
 *
 * Handlers run with interrupts off, possibly inside the workqueue code:
 * not a context that may queue the on-the-fly refresh itself.
 */
#include "emit.h"
#include "probes/emit_hooks.h"
#include "probes/group_data.h"

#include <stdlib.h>
#include <string.h>

static void handler(Emitter *em, const DerivedProbe *d, const KprobeData *k)
{
	emit_line(em, "/* %s at %s */", d->point, emit_where(em, d->loc));
	if (k->is_return)
		emit_line(em, "static int dp_%u(struct kretprobe_instance *ri, "
			  "struct pt_regs *regs)\n{", d->index);
	else
		emit_line(em, "static int dp_%u(struct kprobe *kp, struct pt_regs *regs)\n{",
			  d->index);
	em->indent++;
	emit_handler_body(em, d, "sonde_probe_enter", "0", false);
	emit_line(em, "return 0;");
	em->indent--;
	emit_line(em, "}\n");
}

/* "vfs_read", or "module:function" for a module's function. */
static char *symbol(const KprobeData *k)
{
	StrBuf b = {0}, name = {0};
	if (k->module)
		sb_printf(&name, "%s:%s", k->module, k->function);
	else
		sb_puts(&name, k->function);
	emit_cstring(&b, name.data, name.len);
	sb_free(&name);
	return b.data;
}

void kprobe_emit_decls(void *emitter, const DerivedProbe *d)
{
	Emitter *em = emitter;
	const KprobeData *k = d->data;
	if (!k->function) {
		emit_unsupported(em, d->loc, "kprobe.statement cannot be translated yet");
		return;
	}
	if (d->probe->uses_entry) {
		emit_unsupported(em, d->loc, "@entry cannot be translated yet");
		return;
	}
	handler(em, d, k);
	char *sym = symbol(k), *init;
	if (k->is_return)
		init = xasprintf("{ .symbol = %s, .ret = true, .maxactive = %lld, "
				 ".handler = dp_%u, .enabled = true }", sym,
				 (long long)k->maxactive, d->index);
	else
		init = xasprintf("{ .symbol = %s, .pre = dp_%u, .enabled = true }",
				 sym, d->index);
	emit_array_add(em, d, "struct sonde_kprobe", "kprobes", init);
	free(init);
	free(sym);
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
