// SPDX-License-Identifier: GPL-2.0
/*
 * t_hello: begin and end probes only.  Begin prints a greeting and, by
 * parameter, stays running, reports an error, spins into overtime or
 * warns; otherwise it asks to exit at once.  End prints a last line.
 * Exercises output from begin/end, exit(), stop by the loader, module
 * parameters, the target pid, errors and the overtime limit; with ctx,
 * begin and end name the process they run in (the loader's).
 */
#include <linux/sched.h>
#include "lifecycle.h"

static char *greeting = "world";
module_param(greeting, charp, 0444);
static bool stay;
module_param(stay, bool, 0444);
static bool fail;
module_param(fail, bool, 0444);
static bool spin;
module_param(spin, bool, 0444);
static bool warn;
module_param(warn, bool, 0444);
static bool ctx;
module_param(ctx, bool, 0444);

static void print_process(struct sonde_ctx *c, const char *what)
{
	if (ctx)
		sonde_printf(c, "%s comm=%s tgid=%d\n", what, current->comm,
			     task_tgid_nr(current));
}

static void hello_body(struct sonde_ctx *c)
{
	sonde_printf(c, "hello %s\n", greeting);
	print_process(c, "begin");
	if (sonde_target_pid())
		sonde_printf(c, "target=%d\n", sonde_target_pid());
	if (warn)
		sonde_warn(c, "deliberate warning");
	if (fail) {
		sonde_error(c, "deliberate failure");
		return;
	}
	if (spin) {
		while (sonde_tick(c))
			;
		return;
	}
	if (!stay)
		sonde_request_exit();
}

static void hello_begin(void)
{
	struct sonde_ctx *c;

	if (!sonde_begin_enter(&c, "begin"))
		return;
	hello_body(c);
	sonde_probe_exit(c);
}

static void hello_end(void)
{
	struct sonde_ctx *c;

	if (!sonde_end_enter(&c, "end"))
		return;
	sonde_print(c, "end reached\n");
	print_process(c, "end");
	sonde_probe_exit(c);
}

static const struct sonde_script hello_script = {
	.begin = hello_begin,
	.end = hello_end,
};

SONDE_SCRIPT(hello_script);
MODULE_DESCRIPTION("sonde run5 test: begin/end output and exit");
