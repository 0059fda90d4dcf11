// SPDX-License-Identifier: GPL-2.0
/*
 * locks.c: bounded acquisition of the globals' reader/writer locks
 * (see locks.h).
 *
 * Acquire ordering on taking and release ordering on releasing make a
 * lock a proper critical section; the fast path is one cmpxchg per
 * global.
 */
#include <linux/delay.h>
#include "locks.h"

static bool try_read(struct sonde_rwlock *l)
{
	int v = atomic_read(&l->v);

	return v >= 0 && atomic_try_cmpxchg_acquire(&l->v, &v, v + 1);
}

static bool try_write(struct sonde_rwlock *l)
{
	int v = 0;

	return atomic_try_cmpxchg_acquire(&l->v, &v, -1);
}

static void release(const struct sonde_lock_req *r)
{
	if (r->mode == SONDE_LOCK_WRITE)
		atomic_set_release(&r->lock->v, 0);
	else
		atomic_dec_return_release(&r->lock->v);
}

/* One lock, with up to MAXTRYLOCK attempts. */
static bool take(const struct sonde_lock_req *r)
{
	unsigned int tries;

	for (tries = 0; tries < MAXTRYLOCK; tries++) {
		if (r->mode == SONDE_LOCK_WRITE ? try_write(r->lock)
						: try_read(r->lock))
			return true;
		ndelay(TRYLOCKDELAY);
	}
	return false;
}

bool sonde_lock_globals(struct sonde_ctx *c,
			const struct sonde_lock_req *reqs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!take(&reqs[i])) {
			while (i--)
				release(&reqs[i]);
			sonde_count_lock_skip(c);
			return false;
		}
	}
	return true;
}

void sonde_unlock_globals(const struct sonde_lock_req *reqs, unsigned int n)
{
	while (n--)
		release(&reqs[n]);
}
