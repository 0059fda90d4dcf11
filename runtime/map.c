// SPDX-License-Identifier: GPL-2.0
/*
 * map.c: associative arrays on preallocated hash tables (see map.h).
 *
 * A table is an arena of max fixed-size entries, a power-of-two array
 * of hash chain heads, a free list, and a doubly linked list of the
 * entries present in insertion order (for wrapping, which evicts the
 * oldest, and for unsorted iteration).  Entries are linked by index,
 * NIL ending a list.  An entry is a header followed by the keys (8
 * bytes per long, MAXSTRINGLEN per string) and the value; map->koff and
 * map->voff give the offsets.
 *
 * Strings longer than MAXSTRINGLEN - 1 bytes are truncated when stored,
 * and hashed and compared truncated, so a long key finds its entry.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/jhash.h>
#include <linux/sort.h>
#include <linux/log2.h>
#include <linux/cpumask.h>
#include "map.h"
#include "str.h"

#define NIL U32_MAX

struct sonde_table {
	u32 nbuckets, max, count, born;
	u32 free, oldest, newest;
	u32 *heads;
	u8 *arena;
	unsigned int esize;
};

/* The header of every entry. */
struct entry {
	u32 hnext;        /* next in the hash chain, or in the free list */
	u32 prev, next;   /* insertion order */
	u32 hash;
	u32 born;         /* insertion counter: ties of a sort */
	u32 pad;
};

u8 *sonde_table_entry(const struct sonde_table *t, u32 i)
{
	return t->arena + (size_t)i * t->esize;
}

static struct entry *hdr(const struct sonde_table *t, u32 i)
{
	return (struct entry *)sonde_table_entry(t, i);
}

/* ------------------------------------------------------------- tables */

static void table_reset(struct sonde_table *t)
{
	u32 i;

	for (i = 0; i < t->nbuckets; i++)
		t->heads[i] = NIL;
	for (i = 0; i < t->max; i++)
		hdr(t, i)->hnext = i + 1 < t->max ? i + 1 : NIL;
	t->free = t->max ? 0 : NIL;
	t->oldest = t->newest = NIL;
	t->count = 0;
	t->born = 0;
}

static int table_init(struct sonde_table *t, u32 max, unsigned int esize)
{
	t->max = max;
	t->esize = esize;
	t->nbuckets = roundup_pow_of_two(max(max, 16u));
	t->heads = vmalloc(array_size(t->nbuckets, sizeof(u32)));
	t->arena = vzalloc(array_size(max, esize));
	if (!t->heads || !t->arena)
		return -ENOMEM;
	table_reset(t);
	return 0;
}

static void table_free(struct sonde_table *t)
{
	vfree(t->heads);
	vfree(t->arena);
}

/* ----------------------------------------------------------------- keys */

static u32 hash_keys(const struct sonde_map *m, const union sonde_key *k)
{
	u32 h = 0;
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->ktype[i] == SONDE_T_STR)
			h = jhash(k[i].s, strnlen(k[i].s, MAXSTRINGLEN - 1), h);
		else
			h = jhash_2words((u32)k[i].n, (u32)(k[i].n >> 32), h);
	}
	return h;
}

static bool keys_equal(const struct sonde_map *m, const u8 *e,
		       const union sonde_key *k)
{
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		const u8 *p = e + m->koff[i];

		if (m->ktype[i] == SONDE_T_STR) {
			if (strncmp((const char *)p, k[i].s, MAXSTRINGLEN - 1))
				return false;
		} else if (*(const int64_t *)p != k[i].n) {
			return false;
		}
	}
	return true;
}

static void store_keys(const struct sonde_map *m, u8 *e,
		       const union sonde_key *k)
{
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->ktype[i] == SONDE_T_STR)
			sonde_strlcpy((char *)e + m->koff[i], k[i].s);
		else
			*(int64_t *)(e + m->koff[i]) = k[i].n;
	}
}

/* Keys of entry e as a key array (strings point into the entry). */
static void load_keys(const struct sonde_map *m, const u8 *e,
		      union sonde_key *k)
{
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->ktype[i] == SONDE_T_STR)
			k[i].s = (const char *)e + m->koff[i];
		else
			k[i].n = *(const int64_t *)(e + m->koff[i]);
	}
}

/* ------------------------------------------------- find, insert, remove */

static u32 find(const struct sonde_map *m, const struct sonde_table *t,
		const union sonde_key *k, u32 hash)
{
	u32 i;

	for (i = t->heads[hash & (t->nbuckets - 1)]; i != NIL;
	     i = hdr(t, i)->hnext)
		if (hdr(t, i)->hash == hash &&
		    keys_equal(m, sonde_table_entry(t, i), k))
			return i;
	return NIL;
}

static void remove(struct sonde_table *t, u32 i)
{
	struct entry *e = hdr(t, i);
	u32 *link = &t->heads[e->hash & (t->nbuckets - 1)];

	while (*link != i)
		link = &hdr(t, *link)->hnext;
	*link = e->hnext;
	if (e->prev != NIL)
		hdr(t, e->prev)->next = e->next;
	else
		t->oldest = e->next;
	if (e->next != NIL)
		hdr(t, e->next)->prev = e->prev;
	else
		t->newest = e->prev;
	e->hnext = t->free;
	t->free = i;
	t->count--;
}

static u32 full(struct sonde_ctx *c, const struct sonde_map *m,
		const struct sonde_table *t)
{
	if (c)
		sonde_error(c, "array %s full (max %u entries)", m->name,
			    t->max);
	return NIL;
}

/* Insert key k (absent, with hash) with a zero value; NIL when full. */
static u32 insert(struct sonde_ctx *c, const struct sonde_map *m,
		  struct sonde_table *t, const union sonde_key *k, u32 hash)
{
	struct entry *e;
	u32 i;

	if (t->count == t->max) {
		if (!m->wrap || t->oldest == NIL)
			return full(c, m, t);
		remove(t, t->oldest);
	}
	i = t->free;
	e = hdr(t, i);
	t->free = e->hnext;
	memset(e, 0, t->esize);
	store_keys(m, (u8 *)e, k);
	e->hash = hash;
	e->born = t->born++;
	e->hnext = t->heads[hash & (t->nbuckets - 1)];
	t->heads[hash & (t->nbuckets - 1)] = i;
	e->prev = t->newest;
	e->next = NIL;
	if (t->newest != NIL)
		hdr(t, t->newest)->next = i;
	else
		t->oldest = i;
	t->newest = i;
	t->count++;
	return i;
}

/* The value of k in t, inserting it if absent; NULL when full. */
static u8 *lookup_or_insert(struct sonde_ctx *c, const struct sonde_map *m,
			    struct sonde_table *t, const union sonde_key *k)
{
	u32 hash = hash_keys(m, k);
	u32 i = find(m, t, k, hash);

	if (i == NIL)
		i = insert(c, m, t, k, hash);
	return i == NIL ? NULL : sonde_table_entry(t, i) + m->voff;
}

static u8 *lookup(const struct sonde_map *m, const struct sonde_table *t,
		  const union sonde_key *k)
{
	u32 i = find(m, t, k, hash_keys(m, k));

	return i == NIL ? NULL : sonde_table_entry(t, i) + m->voff;
}

/* ------------------------------------------------------------ set-up */

static unsigned int slot_size(const struct sonde_map *m, enum sonde_type t)
{
	if (t == SONDE_T_STR)
		return round_up(MAXSTRINGLEN, 8);
	if (t == SONDE_T_STAT)
		return round_up(sonde_stat_size(&m->hist), 8);
	return sizeof(int64_t);
}

static void layout(struct sonde_map *m)
{
	unsigned int i, off = sizeof(struct entry);

	for (i = 0; i < m->nkeys; i++) {
		m->koff[i] = off;
		off += slot_size(m, m->ktype[i]);
	}
	m->voff = off;
	m->esize = off + slot_size(m, m->vtype);
}

static unsigned int ntables(const struct sonde_map *m)
{
	return m->vtype == SONDE_T_STAT ? nr_cpu_ids : 1;
}

int sonde_map_init(struct sonde_map *m)
{
	u32 max = m->max_entries ? m->max_entries : MAXMAPENTRIES;
	unsigned int i, n = ntables(m);
	int ret = 0;

	if (m->nkeys < 1 || m->nkeys > SONDE_MAX_KEYS)
		return -EINVAL;
	layout(m);
	m->tables = kcalloc(n, sizeof(*m->tables), GFP_KERNEL);
	m->order = vmalloc(array_size(array_size(nr_cpu_ids, max),
				      sizeof(u32)));
	if (!m->tables || !m->order)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = table_init(&m->tables[i], max, m->esize);
	if (ret || m->vtype != SONDE_T_STAT)
		return ret;
	m->agg = kzalloc(sizeof(*m->agg), GFP_KERNEL);
	m->scratch = kzalloc(sonde_stat_size(&m->hist), GFP_KERNEL);
	if (!m->agg || !m->scratch)
		return -ENOMEM;
	return table_init(m->agg, max, m->esize);
}

void sonde_map_free(struct sonde_map *m)
{
	unsigned int i;

	for (i = 0; m->tables && i < ntables(m); i++)
		table_free(&m->tables[i]);
	if (m->agg)
		table_free(m->agg);
	kfree(m->tables);
	kfree(m->agg);
	kfree(m->scratch);
	vfree(m->order);
	m->tables = m->agg = NULL;
	m->scratch = NULL;
	m->order = NULL;
}

/* ------------------------------------------------------ long, string */

bool sonde_map_exists(struct sonde_map *m, const union sonde_key *k)
{
	unsigned int i;

	for (i = 0; i < ntables(m); i++)
		if (lookup(m, &m->tables[i], k))
			return true;
	return false;
}

int64_t sonde_map_get_long(struct sonde_map *m, const union sonde_key *k)
{
	const u8 *v = lookup(m, m->tables, k);

	return v ? *(const int64_t *)v : 0;
}

const char *sonde_map_get_str(struct sonde_map *m, const union sonde_key *k)
{
	const u8 *v = lookup(m, m->tables, k);

	return v ? (const char *)v : "";
}

int64_t *sonde_map_long_ref(struct sonde_ctx *c, struct sonde_map *m,
			    const union sonde_key *k)
{
	return (int64_t *)lookup_or_insert(c, m, m->tables, k);
}

bool sonde_map_set_long(struct sonde_ctx *c, struct sonde_map *m,
			const union sonde_key *k, int64_t v)
{
	int64_t *p = sonde_map_long_ref(c, m, k);

	if (p)
		*p = v;
	return p != NULL;
}

bool sonde_map_set_str(struct sonde_ctx *c, struct sonde_map *m,
		       const union sonde_key *k, const char *v)
{
	char *p = (char *)lookup_or_insert(c, m, m->tables, k);

	if (p)
		sonde_strlcpy(p, v);
	return p != NULL;
}

void sonde_map_delete(struct sonde_map *m, const union sonde_key *k)
{
	u32 hash = hash_keys(m, k);
	unsigned int i;

	for (i = 0; i < ntables(m); i++) {
		u32 at = find(m, &m->tables[i], k, hash);

		if (at != NIL)
			remove(&m->tables[i], at);
	}
}

void sonde_map_clear(struct sonde_map *m)
{
	unsigned int i;

	for (i = 0; i < ntables(m); i++)
		table_reset(&m->tables[i]);
}

unsigned int sonde_map_size(struct sonde_map *m)
{
	return m->tables[0].count;
}

/* ------------------------------------------------------- statistics */

bool sonde_map_stat_add(struct sonde_ctx *c, struct sonde_map *m,
			const union sonde_key *k, int64_t v)
{
	u8 *p = lookup_or_insert(c, m, &m->tables[smp_processor_id()], k);

	if (p)
		sonde_stat_data_add(&m->hist, (struct sonde_stat_data *)p, v);
	return p != NULL;
}

const struct sonde_stat_data *sonde_map_stat_get(struct sonde_map *m,
						 const union sonde_key *k)
{
	unsigned int i;

	sonde_stat_data_reset(m->scratch, sonde_stat_size(&m->hist));
	for (i = 0; i < ntables(m); i++) {
		const u8 *p = lookup(m, &m->tables[i], k);

		if (p)
			sonde_stat_data_merge(&m->hist, m->scratch,
					      (const void *)p);
	}
	return m->scratch;
}

/*
 * Merge every CPU's table into m->agg, keys in first-seen order.  Keys
 * beyond the aggregate's capacity (only possible when CPUs saw
 * different keys) are left out.
 */
static void aggregate(struct sonde_map *m)
{
	union sonde_key k[SONDE_MAX_KEYS];
	unsigned int cpu;
	u32 i;

	table_reset(m->agg);
	for (cpu = 0; cpu < ntables(m); cpu++) {
		struct sonde_table *t = &m->tables[cpu];

		for (i = t->oldest; i != NIL; i = hdr(t, i)->next) {
			const u8 *e = sonde_table_entry(t, i);
			u8 *v;

			load_keys(m, e, k);
			v = lookup_or_insert(NULL, m, m->agg, k);
			if (v)
				sonde_stat_data_merge(&m->hist, (void *)v,
						      (const void *)(e + m->voff));
		}
	}
}

/* ------------------------------------------------------------ foreach */

struct sort_spec {
	const struct sonde_map *map;
	const struct sonde_table *table;
	int by;
	bool desc;
	enum sonde_stat_op op;
};

static int cmp_long(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_slot(const struct sort_spec *s, enum sonde_type type,
		    const u8 *a, const u8 *b)
{
	const struct sonde_stat_data *x = (const void *)a, *y = (const void *)b;

	if (type == SONDE_T_STR)
		return strcmp((const char *)a, (const char *)b);
	if (type == SONDE_T_LONG)
		return cmp_long(*(const int64_t *)a, *(const int64_t *)b);
	/* Aggregated entries are never empty: no error is possible. */
	return cmp_long(sonde_stat_op(NULL, x, s->op),
			sonde_stat_op(NULL, y, s->op));
}

static int cmp_entries(const void *pa, const void *pb, const void *priv)
{
	const struct sort_spec *s = priv;
	const struct sonde_map *m = s->map;
	const struct entry *a = hdr(s->table, *(const u32 *)pa);
	const struct entry *b = hdr(s->table, *(const u32 *)pb);
	int r;

	if (s->by == SONDE_SORT_VALUE)
		r = cmp_slot(s, m->vtype, (const u8 *)a + m->voff,
			     (const u8 *)b + m->voff);
	else
		r = cmp_slot(s, m->ktype[s->by - 1],
			     (const u8 *)a + m->koff[s->by - 1],
			     (const u8 *)b + m->koff[s->by - 1]);
	if (r)
		return s->desc ? -r : r;
	return cmp_long(a->born, b->born);
}

void sonde_map_iter(struct sonde_iter *it, struct sonde_map *m, int by,
		    bool desc, enum sonde_stat_op op, int64_t limit)
{
	struct sort_spec spec = { m, NULL, by, desc, op };
	struct sonde_table *t = m->tables;
	u32 i, n = 0;

	if (m->vtype == SONDE_T_STAT) {
		aggregate(m);
		t = m->agg;
	}
	it->map = m;
	it->table = t;
	spec.table = t;
	it->order = m->order + (size_t)smp_processor_id() * t->max;
	for (i = t->oldest; i != NIL; i = hdr(t, i)->next)
		it->order[n++] = i;
	if (by != SONDE_SORT_NONE && (by == SONDE_SORT_VALUE || by <= m->nkeys))
		sort_r(it->order, n, sizeof(u32), cmp_entries, NULL, &spec);
	it->n = limit >= 0 && limit < n ? (u32)limit : n;
	it->pos = 0;
	it->entry = NULL;
}

int64_t sonde_iter_key_long(const struct sonde_iter *it, unsigned int i)
{
	return *(const int64_t *)(it->entry + it->map->koff[i]);
}

const char *sonde_iter_key_str(const struct sonde_iter *it, unsigned int i)
{
	return (const char *)it->entry + it->map->koff[i];
}

int64_t sonde_iter_long(const struct sonde_iter *it)
{
	return *(const int64_t *)(it->entry + it->map->voff);
}

const char *sonde_iter_str(const struct sonde_iter *it)
{
	return (const char *)it->entry + it->map->voff;
}

const struct sonde_stat_data *sonde_iter_stat(const struct sonde_iter *it)
{
	return (const void *)(it->entry + it->map->voff);
}
