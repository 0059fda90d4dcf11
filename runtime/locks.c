// SPDX-License-Identifier: GPL-2.0
/*
 * locks.c: the slow path of taking the globals' reader/writer locks
 * (see locks.h), entered once a first attempt failed.
 *
 * Acquire ordering on taking and release ordering on releasing make a
 * lock a proper critical section.  Each lock gets MAXTRYLOCK attempts
 * in all, the inline first one included.
 */
#include <linux/delay.h>
#include "locks.h"

static_assert(MAXTRYLOCK >= 1, "MAXTRYLOCK must allow one attempt");

/* One lock, with up to tries attempts TRYLOCKDELAY ns apart. */
static bool take(const struct sonde_lock_req *r, unsigned int tries)
{
	while (tries--) {
		if (sonde_lock_try(r))
			return true;
		ndelay(TRYLOCKDELAY);
	}
	return false;
}

bool sonde_lock_globals_slow(struct sonde_ctx *c,
			     const struct sonde_lock_req *reqs,
			     unsigned int n, unsigned int i)
{
	unsigned int tries = MAXTRYLOCK - 1;    /* the first one failed */

	ndelay(TRYLOCKDELAY);
	for (; i < n; i++, tries = MAXTRYLOCK) {
		if (!take(&reqs[i], tries)) {
			sonde_unlock_globals(reqs, i);
			sonde_count_lock_skip(c);
			return false;
		}
	}
	return true;
}
