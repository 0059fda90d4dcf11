/*
 * map.h: associative arrays (script globals indexed by up to 9 keys).
 *
 * A map is declared statically by the emitter and set up at module
 * load; after that nothing allocates:
 *
 *   static struct sonde_map g_reads = {
 *           .name = "reads", .nkeys = 2,
 *           .ktype = { SONDE_T_STR, SONDE_T_LONG },
 *           .vtype = SONDE_T_LONG,
 *           .max_entries = 0,          // 0: MAXMAPENTRIES; else [N]
 *           .wrap = false,             // declared with %
 *   };
 *   register_probes: sonde_map_init(&g_reads)   unregister: sonde_map_free
 *
 * Keys are passed as an array of union sonde_key in declaration order,
 * .n for longs and .s for strings (truncated to MAXSTRINGLEN - 1):
 *
 *   union sonde_key k[2] = { { .s = execname }, { .n = pid } };
 *   int64_t *v = sonde_map_long_ref(c, &g_reads, k);   // reads[e,p] += n
 *   if (v) *v += n;
 *
 * Every operation runs under the global's lock (locks.h): read lock for
 * get/exists/iteration of long and string maps and for <<< into a map of
 * statistics; write lock for everything else.
 *
 * Full map: inserting a new key into a map holding max entries raises
 * the error "array NAME full (max N entries)", unless the map wraps, in
 * which case the oldest entry (first inserted of those present) is
 * replaced.  Statistics maps keep one table per CPU, each of max
 * entries, and aggregate them when read.
 *
 * Iteration (foreach) lists entries sorted as asked into a per-CPU
 * index array, so iterating never allocates and two CPUs may iterate
 * the same map under the read lock; a probe must not iterate one map in
 * two nested loops (the inner would reuse the outer's array), and must
 * not insert into or delete from the map being iterated.  Unsorted
 * iteration lists entries in insertion order; ties of a sort keep that
 * order.
 */
#ifndef SONDE_MAP_H
#define SONDE_MAP_H

#include <linux/types.h>
#include "limits.h"
#include "lifecycle.h"
#include "stat.h"

enum sonde_type { SONDE_T_LONG, SONDE_T_STR, SONDE_T_STAT };

union sonde_key {
	int64_t n;
	const char *s;
};

struct sonde_table;

struct sonde_map {
	/* Declaration, filled by the emitter. */
	const char *name;
	unsigned int nkeys;
	enum sonde_type ktype[SONDE_MAX_KEYS];
	enum sonde_type vtype;
	unsigned int max_entries;         /* 0: MAXMAPENTRIES */
	bool wrap;
	struct sonde_hist hist;           /* SONDE_T_STAT values only */
	/* Run-time state, from sonde_map_init(). */
	unsigned int koff[SONDE_MAX_KEYS];/* key offsets in an entry */
	unsigned int voff, esize;         /* value offset, entry size */
	struct sonde_table *tables;       /* 1, or one per CPU for stats */
	struct sonde_table *agg;          /* stats: all CPUs merged */
	u32 *order;                       /* nr_cpu_ids * max sort indexes */
	struct sonde_stat_data *scratch;  /* stats: one key merged */
};

/* Process context. */
int sonde_map_init(struct sonde_map *m);
void sonde_map_free(struct sonde_map *m);

/* Reads; an absent key reads as 0 or "". */
bool sonde_map_exists(struct sonde_map *m, const union sonde_key *k);
int64_t sonde_map_get_long(struct sonde_map *m, const union sonde_key *k);
const char *sonde_map_get_str(struct sonde_map *m, const union sonde_key *k);

/* Writes; false or NULL when full (the error is raised on ctx). */
bool sonde_map_set_long(struct sonde_ctx *ctx, struct sonde_map *m,
			const union sonde_key *k, int64_t v);
bool sonde_map_set_str(struct sonde_ctx *ctx, struct sonde_map *m,
		       const union sonde_key *k, const char *v);
/* The value of key k, inserted as 0 if absent: for +=, ++ and friends. */
int64_t *sonde_map_long_ref(struct sonde_ctx *ctx, struct sonde_map *m,
			    const union sonde_key *k);
void sonde_map_delete(struct sonde_map *m, const union sonde_key *k);
void sonde_map_clear(struct sonde_map *m);
unsigned int sonde_map_size(struct sonde_map *m);

/* Statistics values: m[k] <<< v (read lock) and reading one key. */
bool sonde_map_stat_add(struct sonde_ctx *ctx, struct sonde_map *m,
			const union sonde_key *k, int64_t v);
const struct sonde_stat_data *sonde_map_stat_get(struct sonde_map *m,
						 const union sonde_key *k);

/* foreach: what to sort by. */
#define SONDE_SORT_NONE 0       /* insertion order */
#define SONDE_SORT_VALUE (-1)   /* by the value (stats: by op) */
/* 1..nkeys: by that key */

struct sonde_iter {
	struct sonde_map *map;
	struct sonde_table *table;
	u32 *order;
	u32 n, pos;
	u8 *entry;                        /* current, after next() */
};

/*
 * Start iterating m sorted by `by` (SONDE_SORT_*, or a key number),
 * descending if desc, comparing statistics values by op, stopping after
 * limit entries (limit < 0: all).
 */
void sonde_map_iter(struct sonde_iter *it, struct sonde_map *m, int by,
		    bool desc, enum sonde_stat_op op, int64_t limit);

static inline bool sonde_iter_next(struct sonde_iter *it);

/* The current entry's keys (i from 0) and value. */
int64_t sonde_iter_key_long(const struct sonde_iter *it, unsigned int i);
const char *sonde_iter_key_str(const struct sonde_iter *it, unsigned int i);
int64_t sonde_iter_long(const struct sonde_iter *it);
const char *sonde_iter_str(const struct sonde_iter *it);
const struct sonde_stat_data *sonde_iter_stat(const struct sonde_iter *it);

u8 *sonde_table_entry(const struct sonde_table *t, u32 index);

static inline bool sonde_iter_next(struct sonde_iter *it)
{
	if (it->pos >= it->n)
		return false;
	it->entry = sonde_table_entry(it->table, it->order[it->pos++]);
	return true;
}

#endif /* SONDE_MAP_H */
