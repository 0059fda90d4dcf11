/*
 * locks.h: the reader/writer locks of script globals.
 *
 * Every global has one struct sonde_rwlock.  A probe takes the locks of
 * exactly the globals it touches, all at once on entry and in one order
 * fixed for the whole module (the order of declaration, so no two
 * probes can deadlock), for reading where it only reads the global and
 * for writing otherwise; it releases them on exit.  The emitter writes,
 * per probe, a const array of requests in that order:
 *
 *   static const struct sonde_lock_req probe_3_locks[] = {
 *           { &g_count_lock, SONDE_LOCK_WRITE },
 *           { &g_limit_lock, SONDE_LOCK_READ },
 *   };
 *   if (!sonde_lock_globals(c, probe_3_locks, 2))
 *           goto out;              // skipped and counted, nothing held
 *   ... body ...
 *   sonde_unlock_globals(probe_3_locks, 2);
 *
 * Taking never sleeps and never spins without bound: each lock gets
 * MAXTRYLOCK attempts TRYLOCKDELAY ns apart, then the probe gives up,
 * releases what it took and is counted as skipped (more than MAXSKIPPED
 * such skips end the session).  Statistics (<<<) on a global only need
 * the read lock: each CPU adds into its own storage (stat.h).
 *
 * The lock is one atomic: 0 free, n > 0 held by n readers, -1 held by a
 * writer.  It is cheaper than rwlock_t (no queueing, no lockdep) and
 * usable in NMI context; waiting writers may starve behind readers, but
 * only for MAXTRYLOCK attempts.
 *
 * Taking and releasing are inline: with the emitter's static const
 * request array and a constant count the compiler resolves each
 * request, so an uncontended lock costs one cmpxchg with acquire order
 * to take (a read lock reads the count first) and, for a writer, one
 * store with release order to release (a reader: one atomic decrement).
 * Only a failed first attempt leaves the inline path, for the bounded
 * retries in locks.c.
 */
#ifndef SONDE_LOCKS_H
#define SONDE_LOCKS_H

#include <linux/atomic.h>
#include "lifecycle.h"

struct sonde_rwlock {
	atomic_t v;
};

#define SONDE_RWLOCK_INIT { ATOMIC_INIT(0) }

enum sonde_lock_mode { SONDE_LOCK_READ, SONDE_LOCK_WRITE };

struct sonde_lock_req {
	struct sonde_rwlock *lock;
	enum sonde_lock_mode mode;
};

/* One attempt at one lock. */
static __always_inline bool sonde_lock_try(const struct sonde_lock_req *r)
{
	int v;

	if (r->mode == SONDE_LOCK_WRITE) {
		v = 0;
		return atomic_try_cmpxchg_acquire(&r->lock->v, &v, -1);
	}
	v = atomic_read(&r->lock->v);
	return v >= 0 && atomic_try_cmpxchg_acquire(&r->lock->v, &v, v + 1);
}

static __always_inline void sonde_lock_release(const struct sonde_lock_req *r)
{
	if (r->mode == SONDE_LOCK_WRITE)
		atomic_set_release(&r->lock->v, 0);
	else
		atomic_dec_return_release(&r->lock->v);
}

/*
 * Locks 0..i-1 of reqs are held and the first attempt at lock i failed:
 * retry it, take the rest, or release all and count the skip (locks.c).
 */
bool sonde_lock_globals_slow(struct sonde_ctx *ctx,
			     const struct sonde_lock_req *reqs,
			     unsigned int n, unsigned int i);

/* Take all n locks in order; false: contended, none held, skip counted. */
static __always_inline bool sonde_lock_globals(struct sonde_ctx *ctx,
					       const struct sonde_lock_req *reqs,
					       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (unlikely(!sonde_lock_try(&reqs[i])))
			return sonde_lock_globals_slow(ctx, reqs, n, i);
	return true;
}

/* Release all n locks taken by sonde_lock_globals. */
static __always_inline void sonde_unlock_globals(const struct sonde_lock_req *reqs,
						 unsigned int n)
{
	while (n--)
		sonde_lock_release(&reqs[n]);
}

#endif /* SONDE_LOCKS_H */
