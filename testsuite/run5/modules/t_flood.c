// SPDX-License-Identifier: GPL-2.0
/*
 * t_flood: begin runs RECORDS invocations of about 100 bytes each, far
 * more than a small buffer holds, then asks to exit.  The buffer must
 * drop and count what does not fit instead of blocking: output lines
 * plus the dropped count make RECORDS.  With stay, the session keeps
 * running instead (flight recorder and output file tests).
 */
#include "lifecycle.h"

static unsigned int records = 20000;
module_param(records, uint, 0444);
static bool stay;
module_param(stay, bool, 0444);

static void flood_begin(void)
{
	struct sonde_ctx *c;
	unsigned int i;

	for (i = 0; i < records; i++) {
		if (!sonde_begin_enter(&c, "begin"))
			return;
		sonde_printf(c, "flood %06u %s\n", i,
			     "................................................................................");
		sonde_probe_exit(c);
	}
	if (!stay)
		sonde_request_exit();
}

static const struct sonde_script flood_script = {
	.begin = flood_begin,
};

SONDE_SCRIPT(flood_script);
MODULE_DESCRIPTION("sonde run5 test: output flood into a small buffer");
