/*
 * gen_map.h: helpers that generated code uses for arrays and
 * statistics, so that each script construct reads as one C expression.
 *
 * Slices: a script key list with `*` in some positions (a[*, k]) is
 * passed as a full key array plus `wild`, a bit mask of the positions
 * that match anything (bit i for key i).  The slice helpers walk the
 * map with an unsorted iterator (map.h), so they use the calling CPU's
 * sort index array like any foreach, and run under the same lock as
 * the operation they stand for.
 *
 * Deleting while walking is safe here and only here: the iterator's
 * index array is filled before the walk, removing an entry only unlinks
 * it and puts it on the free list (its keys stay in place), and nothing
 * is inserted until the walk ends.
 */
#ifndef SONDE_GEN_MAP_H
#define SONDE_GEN_MAP_H

#include <linux/types.h>
#include <linux/string.h>
#include "lifecycle.h"
#include "arith.h"
#include "map.h"
#include "stat.h"
#include "str.h"

/* Does the iterator's current entry match the keys outside `wild`? */
static inline bool gen_slice_match(const struct sonde_iter *it,
				   const union sonde_key *k, unsigned int wild)
{
	const struct sonde_map *m = it->map;
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (wild & (1u << i))
			continue;
		if (m->ktype[i] == SONDE_T_STR) {
			if (strncmp(sonde_iter_key_str(it, i), k[i].s,
				    MAXSTRINGLEN - 1))
				return false;
		} else if (sonde_iter_key_long(it, i) != k[i].n) {
			return false;
		}
	}
	return true;
}

/* [k1, *] in a */
static inline bool gen_slice_exists(struct sonde_map *m,
				    const union sonde_key *k, unsigned int wild)
{
	struct sonde_iter it;

	sonde_map_iter(&it, m, SONDE_SORT_NONE, false, SONDE_STAT_COUNT, -1);
	while (sonde_iter_next(&it))
		if (gen_slice_match(&it, k, wild))
			return true;
	return false;
}

/* The current entry's keys, to delete it by key. */
static inline void gen_iter_keys(const struct sonde_iter *it,
				 union sonde_key *out)
{
	const struct sonde_map *m = it->map;
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->ktype[i] == SONDE_T_STR)
			out[i].s = sonde_iter_key_str(it, i);
		else
			out[i].n = sonde_iter_key_long(it, i);
	}
}

/* delete a[k1, *] (write lock). */
static inline void gen_slice_delete(struct sonde_map *m,
				    const union sonde_key *k, unsigned int wild)
{
	union sonde_key cur[SONDE_MAX_KEYS];
	struct sonde_iter it;

	sonde_map_iter(&it, m, SONDE_SORT_NONE, false, SONDE_STAT_COUNT, -1);
	while (sonde_iter_next(&it)) {
		if (!gen_slice_match(&it, k, wild))
			continue;
		gen_iter_keys(&it, cur);
		sonde_map_delete(m, cur);
	}
}

/* a[k] = v as an expression: the value assigned. */
static inline int64_t gen_map_set_long(struct sonde_ctx *c,
				       struct sonde_map *m,
				       const union sonde_key *k, int64_t v)
{
	sonde_map_set_long(c, m, k, v);
	return v;
}

static inline const char *gen_map_set_str(struct sonde_ctx *c,
					  struct sonde_map *m,
					  const union sonde_key *k,
					  const char *v)
{
	sonde_map_set_str(c, m, k, v);
	return v;
}

/* The operators of a[k] OP= v and a[k]++ on long values. */
enum gen_op {
	GEN_ADD, GEN_SUB, GEN_MUL, GEN_DIV, GEN_MOD, GEN_SHL, GEN_SHR,
	GEN_AND, GEN_XOR, GEN_OR,
	GEN_PREINC, GEN_PREDEC, GEN_POSTINC, GEN_POSTDEC,
};

/*
 * a[k] OP= v: inserts a[k] as 0 if absent, then updates it; the value
 * of the expression (the old value for postfix ++/--).  A full array
 * raises its error on c and yields 0; division by 0 raises its own.
 */
static inline int64_t gen_map_update(struct sonde_ctx *c, struct sonde_map *m,
				     const union sonde_key *k, enum gen_op op,
				     int64_t v)
{
	int64_t *p = sonde_map_long_ref(c, m, k);
	int64_t old;

	if (!p)
		return 0;
	old = *p;
	switch (op) {
	case GEN_ADD: *p = (int64_t)((u64)old + (u64)v); break;
	case GEN_SUB: *p = (int64_t)((u64)old - (u64)v); break;
	case GEN_MUL: *p = (int64_t)((u64)old * (u64)v); break;
	case GEN_DIV: *p = sonde_div_update(c, old, v); break;
	case GEN_MOD: *p = sonde_mod_update(c, old, v); break;
	case GEN_SHL: *p = sonde_shl(old, v); break;
	case GEN_SHR: *p = sonde_shr(old, v); break;
	case GEN_AND: *p = old & v; break;
	case GEN_XOR: *p = old ^ v; break;
	case GEN_OR: *p = old | v; break;
	case GEN_PREINC: case GEN_POSTINC: *p = (int64_t)((u64)old + 1); break;
	case GEN_PREDEC: case GEN_POSTDEC: *p = (int64_t)((u64)old - 1); break;
	}
	return op == GEN_POSTINC || op == GEN_POSTDEC ? old : *p;
}

/* a[k] .= v, through the string temporary tmp. */
static inline const char *gen_map_strapp(struct sonde_ctx *c,
					 struct sonde_map *m,
					 const union sonde_key *k, char *tmp,
					 const char *v)
{
	sonde_concat(tmp, sonde_map_get_str(m, k), v);
	sonde_map_set_str(c, m, k, tmp);
	return tmp;
}

#endif /* SONDE_GEN_MAP_H */
