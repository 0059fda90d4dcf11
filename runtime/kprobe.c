// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe.c: registering kprobes and kretprobes and toggling them on the
 * fly (see kprobe.h).
 *
 * Kprobe handlers run with preemption disabled, so after
 * disable_kprobe() a synchronize_rcu() waits out any handler still
 * running; only then is live cleared.  One wait serves all the probes
 * a refresh disables: it is slow (tens of ms, more under emulation).
 */
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/kallsyms.h>
#include "kprobe.h"
#include "transport.h"

static struct kprobe *base(struct sonde_kprobe *p)
{
	return p->ret ? &p->krp.kp : &p->kp;
}

/* Why a point did not register: an error, or for an optional point a
   warning to the loader (the point stays unregistered and off). */
static void report_failure(struct sonde_kprobe *p, int ret)
{
	char where[KSYM_NAME_LEN + 32];

	if (p->symbol)
		snprintf(where, sizeof(where), "%s+%u", p->symbol, p->offset);
	else
		snprintf(where, sizeof(where), "0x%lx", p->addr);
	if (!p->optional) {
		pr_err("%s: cannot probe %s%s: %d\n", THIS_MODULE->name,
		       p->ret ? "the return of " : "", where, ret);
		return;
	}
	p->live = false;
	sonde_ctl_post("warning optional probe point %s%s skipped: cannot register (%d)\n",
		       p->ret ? "return of " : "", where, ret);
}

static int register_one(struct sonde_kprobe *p)
{
	struct kprobe *kp = base(p);
	int ret;

	memset(&p->kp, 0, sizeof(p->kp));
	memset(&p->krp, 0, sizeof(p->krp));
	if (p->symbol)
		kp->symbol_name = p->symbol;
	else
		kp->addr = (kprobe_opcode_t *)p->addr;
	kp->offset = p->offset;
	if (!p->enabled)
		kp->flags = KPROBE_FLAG_DISABLED;
	p->live = p->enabled;
	if (p->ret) {
		p->krp.handler = p->handler;
		p->krp.entry_handler = p->entry;
		p->krp.data_size = p->data_size;
		p->krp.maxactive = p->maxactive;
		ret = register_kretprobe(&p->krp);
	} else {
		p->kp.pre_handler = p->pre;
		ret = register_kprobe(&p->kp);
	}
	p->registered = !ret;
	if (ret)
		report_failure(p, ret);
	return p->optional ? 0 : ret;
}

int sonde_kprobes_register(struct sonde_kprobe *p, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = register_one(&p[i]);
		if (ret) {
			sonde_kprobes_unregister(p, i);
			return ret;
		}
	}
	return 0;
}

void sonde_kprobes_unregister(struct sonde_kprobe *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!p[i].registered)
			continue;
		if (p[i].ret)
			unregister_kretprobe(&p[i].krp);
		else
			unregister_kprobe(&p[i].kp);
		p[i].registered = false;
		p[i].live = false;
	}
}

/*
 * Enable what should be on, disable what should be off, then wait once
 * for the handlers in flight of all the disabled ones.
 */
void sonde_kprobes_refresh(struct sonde_kprobe *p, unsigned int n)
{
	bool waited = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct kprobe *kp = base(&p[i]);
		bool want = READ_ONCE(p[i].enabled);

		if (!p[i].registered || want == !kprobe_disabled(kp))
			continue;
		if (want) {
			WRITE_ONCE(p[i].live, true);
			enable_kprobe(kp);
		} else {
			disable_kprobe(kp);
		}
	}
	for (i = 0; i < n; i++) {
		if (!p[i].live || !p[i].registered ||
		    !kprobe_disabled(base(&p[i])))
			continue;
		if (!waited)
			synchronize_rcu();
		waited = true;
		WRITE_ONCE(p[i].live, false);
	}
}
