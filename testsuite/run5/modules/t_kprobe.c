// SPDX-License-Identifier: GPL-2.0
/*
 * t_kprobe: a kprobe on a system call function (getppid by default)
 * counts hits per CPU and prints a line every EVERY hits.  Loaded and
 * unloaded repeatedly under a multi-threaded syscall load, it checks
 * that start-up, stop and unload race safely with running probes.
 */
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include "lifecycle.h"

#define EVERY 1000

static char *symbol = "__x64_sys_getppid";
module_param(symbol, charp, 0444);

static DEFINE_PER_CPU(unsigned long, hits);

static int kp_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sonde_ctx *c;
	unsigned long n;

	if (!sonde_probe_enter(&c, "kprobe"))
		return 0;
	n = this_cpu_inc_return(hits);
	if (n % EVERY == 0)
		sonde_printf(c, "cpu=%d hits=%lu\n", smp_processor_id(), n);
	sonde_probe_exit(c);
	return 0;
}

static struct kprobe kp = {
	.pre_handler = kp_pre,
};

static int kp_register(void)
{
	int ret;

	kp.symbol_name = symbol;
	ret = register_kprobe(&kp);
	if (ret)
		pr_err("t_kprobe: cannot probe %s: %d\n", symbol, ret);
	return ret;
}

static void kp_unregister(void)
{
	unregister_kprobe(&kp);
}

static const struct sonde_script kp_script = {
	.register_probes = kp_register,
	.unregister_probes = kp_unregister,
};

SONDE_SCRIPT(kp_script);
MODULE_DESCRIPTION("sonde run5 test: kprobe under load");
