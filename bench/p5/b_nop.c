// SPDX-License-Identifier: GPL-2.0
/*
 * b_nop: a module that does nothing.  insmod and rmmod of it are the
 * floor for the start-to-exit time of a sonde session (bench/p5/start.sh):
 * what any module costs to load and unload, with no probe, no buffer and
 * no file of its own.
 */
#include <linux/module.h>

static int __init b_nop_init(void)
{
	return 0;
}

static void __exit b_nop_exit(void)
{
}

module_init(b_nop_init);
module_exit(b_nop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sonde bench: the empty module");
