// SPDX-License-Identifier: GPL-2.0
/*
 * floor_kprobe: the smallest useful kprobe module.
 *
 * Registers one kprobe on the function named by the "symbol" parameter
 * (a system call entry point by default), counts hits in a per-CPU
 * counter and prints the total when unloaded.  It is the performance
 * floor that generated sonde modules are compared against, and a smoke
 * test that modules built with the host's kbuild load in the VM.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>

static char *symbol = "__x64_sys_getppid";
module_param(symbol, charp, 0444);
MODULE_PARM_DESC(symbol, "function to probe (default __x64_sys_getppid)");

static DEFINE_PER_CPU(unsigned long, floor_hits);

static int floor_pre(struct kprobe *p, struct pt_regs *regs)
{
	this_cpu_inc(floor_hits);
	return 0;
}

static struct kprobe floor_probe = {
	.pre_handler = floor_pre,
};

static unsigned long floor_total(void)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(floor_hits, cpu);
	return sum;
}

static int __init floor_init(void)
{
	int ret;

	floor_probe.symbol_name = symbol;
	ret = register_kprobe(&floor_probe);
	if (ret < 0) {
		pr_err("floor_kprobe: cannot probe %s: %d\n", symbol, ret);
		return ret;
	}
	pr_info("floor_kprobe: probing %s at %px\n", symbol, floor_probe.addr);
	return 0;
}

static void __exit floor_exit(void)
{
	unregister_kprobe(&floor_probe);
	pr_info("floor_kprobe: %s hits=%lu\n", symbol, floor_total());
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Minimal kprobe hit counter (sonde performance floor)");
