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

/* Take all n locks in order; false: contended, none held, skip counted. */
bool sonde_lock_globals(struct sonde_ctx *ctx,
			const struct sonde_lock_req *reqs, unsigned int n);

/* Release all n locks taken by sonde_lock_globals. */
void sonde_unlock_globals(const struct sonde_lock_req *reqs, unsigned int n);

#endif /* SONDE_LOCKS_H */
