// SPDX-License-Identifier: GPL-2.0
/*
 * r_data: the data runtime (maps, statistics, histograms, strings,
 * errors) driven from one begin probe, written the way pass 3 emits
 * code.  The parameter mode picks a case; each prints lines that
 * testsuite/runtime/run.sh compares with expected text.
 *
 *   mode=data      maps, foreach orders and limits, statistics, both
 *                  histogram layouts, string truncation, try/catch
 *   mode=divzero   an uncaught division by zero
 *   mode=overtime  an endless loop
 *   mode=badaddr   kernel_string() of a bad address
 *   mode=full      inserting into a full array
 *   mode=nest      unbounded recursion
 */
#include <linux/kernel.h>
#include "lifecycle.h"
#include "arith.h"
#include "locks.h"
#include "map.h"
#include "stat.h"
#include "str.h"

static char *mode = "data";
module_param(mode, charp, 0444);

/* global a[4], w%[3], m2, names, st, lin, lg */
static struct sonde_rwlock a_lock = SONDE_RWLOCK_INIT;
static struct sonde_map g_a = {
	.name = "a", .nkeys = 1, .ktype = { SONDE_T_STR },
	.vtype = SONDE_T_LONG, .max_entries = 4,
};
static struct sonde_map g_w = {
	.name = "w", .nkeys = 1, .ktype = { SONDE_T_LONG },
	.vtype = SONDE_T_LONG, .max_entries = 3, .wrap = true,
};
static struct sonde_map g_m2 = {
	.name = "m2", .nkeys = 3,
	.ktype = { SONDE_T_STR, SONDE_T_LONG, SONDE_T_LONG },
	.vtype = SONDE_T_STR,
};
static struct sonde_map g_ps = {
	.name = "ps", .nkeys = 1, .ktype = { SONDE_T_LONG },
	.vtype = SONDE_T_STAT, .hist = SONDE_HIST_LOGARITHMIC,
};
static struct sonde_stat g_lin = {
	.hist = { .kind = SONDE_HIST_LINEAR, .lo = 0, .hi = 300, .step = 10,
		  .buckets = 33, .variance = true },
};
static struct sonde_stat g_lg = { .hist = SONDE_HIST_LOGARITHMIC };

static const struct sonde_lock_req begin_locks[] = {
	{ &a_lock, SONDE_LOCK_WRITE },
};

#define K1(x) ((union sonde_key[]){ x })

static void print_keys(struct sonde_ctx *c, const char *title, int by,
		       bool desc, int64_t limit)
{
	struct sonde_iter it;

	sonde_printf(c, "%s:", title);
	for (sonde_map_iter(&it, &g_m2, by, desc, SONDE_STAT_COUNT, limit);
	     sonde_iter_next(&it);)
		sonde_printf(c, " [%s,%lld,%lld]=%s", sonde_iter_key_str(&it, 0),
			     sonde_iter_key_long(&it, 1),
			     sonde_iter_key_long(&it, 2), sonde_iter_str(&it));
	sonde_print(c, "\n");
}

/* Maps of longs: set, get, delete, exists, full, wrap. */
static void maps(struct sonde_ctx *c)
{
	struct sonde_iter it;
	int64_t *v;
	int i;

	sonde_map_set_long(c, &g_a, K1({ .s = "x" }), 1);
	sonde_map_set_long(c, &g_a, K1({ .s = "y" }), 2);
	v = sonde_map_long_ref(c, &g_a, K1({ .s = "x" }));
	if (v)
		*v += 40;
	sonde_printf(c, "a[x]=%lld a[y]=%lld a[z]=%lld size=%u\n",
		     sonde_map_get_long(&g_a, K1({ .s = "x" })),
		     sonde_map_get_long(&g_a, K1({ .s = "y" })),
		     sonde_map_get_long(&g_a, K1({ .s = "z" })),
		     sonde_map_size(&g_a));
	sonde_map_delete(&g_a, K1({ .s = "y" }));
	sonde_printf(c, "y in a: %d, x in a: %d\n",
		     sonde_map_exists(&g_a, K1({ .s = "y" })),
		     sonde_map_exists(&g_a, K1({ .s = "x" })));
	for (i = 0; i < 7; i++)
		sonde_map_set_long(c, &g_w, K1({ .n = i }), i * 10);
	sonde_print(c, "w:");
	for (sonde_map_iter(&it, &g_w, SONDE_SORT_NONE, false, 0, -1);
	     sonde_iter_next(&it);)
		sonde_printf(c, " [%lld]=%lld", sonde_iter_key_long(&it, 0),
			     sonde_iter_long(&it));
	sonde_print(c, "\n");
}

/* Three keys, sorted by each key and by value, with limits. */
static void multikey(struct sonde_ctx *c)
{
	static const struct { const char *s; int64_t a, b; const char *v; } rows[] = {
		{ "pear", 3, 1, "b" }, { "apple", 7, 2, "d" },
		{ "fig", -5, 3, "a" }, { "apple", 1, 4, "c" },
		{ "kiwi", 3, 0, "e" },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		union sonde_key k[3] = { { .s = rows[i].s }, { .n = rows[i].a },
					 { .n = rows[i].b } };

		sonde_map_set_str(c, &g_m2, k, rows[i].v);
	}
	print_keys(c, "unsorted", SONDE_SORT_NONE, false, -1);
	print_keys(c, "key1+", 1, false, -1);
	print_keys(c, "key2-", 2, true, -1);
	print_keys(c, "key3+ limit 2", 3, false, 2);
	print_keys(c, "value+", SONDE_SORT_VALUE, false, -1);
	print_keys(c, "value- limit 3", SONDE_SORT_VALUE, true, 3);
}

static void stats(struct sonde_ctx *c)
{
	static const int64_t vals[] = { 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55,
					89, 144, 233, 377, 610, 987, 1597, -4 };
	const struct sonde_stat_data *d;
	struct sonde_iter it;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		sonde_stat_add(&g_lin, vals[i]);
		sonde_stat_add(&g_lg, vals[i]);
	}
	for (i = 0; i < 25; i++)
		sonde_stat_add(&g_lin, 42);
	sonde_stat_add(&g_lg, 1LL << 40);
	d = sonde_stat_get(&g_lin);
	sonde_printf(c, "lin count=%lld sum=%lld min=%lld max=%lld avg=%lld var=%lld\n",
		     sonde_stat_op(c, d, SONDE_STAT_COUNT),
		     sonde_stat_op(c, d, SONDE_STAT_SUM),
		     sonde_stat_op(c, d, SONDE_STAT_MIN),
		     sonde_stat_op(c, d, SONDE_STAT_MAX),
		     sonde_stat_op(c, d, SONDE_STAT_AVG),
		     sonde_stat_op(c, d, SONDE_STAT_VARIANCE));
	sonde_hist_print(c, &g_lin.hist, d);
	sonde_hist_print(c, &g_lg.hist, sonde_stat_get(&g_lg));
	for (i = 1; i <= 3; i++)
		for (j = 0; j < i * 3; j++)
			sonde_map_stat_add(c, &g_ps, K1({ .n = i }), j * j);
	for (sonde_map_iter(&it, &g_ps, SONDE_SORT_VALUE, true,
			    SONDE_STAT_SUM, -1); sonde_iter_next(&it);) {
		d = sonde_iter_stat(&it);
		sonde_printf(c, "ps[%lld] count=%lld sum=%lld\n",
			     sonde_iter_key_long(&it, 0), d->count, d->sum);
	}
	sonde_hist_print(c, &g_ps.hist, sonde_map_stat_get(&g_ps, K1({ .n = 2 })));
}

static void strings(struct sonde_ctx *c)
{
	char s[MAXSTRINGLEN], t[MAXSTRINGLEN];
	int64_t q;
	int i;

	sonde_strlcpy(s, "");
	for (i = 0; i < 30; i++)
		sonde_strlcat(s, "abcdefgh");
	sonde_sprintf(t, "%s", s);
	sonde_concat(t, t, "XYZ");
	sonde_printf(c, "len=%zu cat=%zu tail=%s cmp=%d\n", strlen(s),
		     strlen(t), t + strlen(t) - 3, sonde_strcmp("ab", "b") < 0);
	sonde_try_enter(c);
	q = sonde_div(c, 7, 0);
	if (c->aborted)
		goto catch1;
	sonde_printf(c, "q=%lld\n", q);
	sonde_try_leave(c);
	goto end1;
catch1:
	if (!sonde_catch(c))
		return;
	sonde_printf(c, "caught: %s\n", c->errmsg);
end1:
	sonde_printf(c, "min/-1=%lld min%%-1=%lld\n",
		     sonde_div(c, S64_MIN, -1), sonde_mod(c, S64_MIN, -1));
}

static void fn_recurse(struct sonde_ctx *c, int64_t n)
{
	if (!sonde_call_enter(c))
		return;
	sonde_at(c, "function call 'recurse' at r.stp:40:3");
	if (sonde_tick(c))
		fn_recurse(c, n + 1);
	sonde_call_leave(c);
}

static void errors(struct sonde_ctx *c)
{
	char s[MAXSTRINGLEN];
	int64_t x = 0;

	if (!strcmp(mode, "divzero")) {
		sonde_at(c, "operator '/' at r.stp:30:11");
		x = sonde_div(c, 10, x);
	} else if (!strcmp(mode, "overtime")) {
		sonde_at(c, "keyword at r.stp:31:3");
		while (sonde_tick(c))
			x++;
	} else if (!strcmp(mode, "badaddr")) {
		sonde_at(c, "identifier 'kernel_string' at r.stp:32:7");
		sonde_kread_string(c, s, 8);
	} else if (!strcmp(mode, "full")) {
		sonde_at(c, "identifier 'a' at r.stp:33:5");
		for (x = 0; x < 6 && !c->aborted; x++) {
			sonde_sprintf(s, "k%lld", x);
			sonde_map_set_long(c, &g_a, K1({ .s = s }), x);
		}
	} else if (!strcmp(mode, "nest")) {
		fn_recurse(c, 0);
	}
	if (!c->aborted)
		sonde_printf(c, "no error, x=%lld\n", x);
}

static void begin(void)
{
	struct sonde_ctx *c;

	if (!sonde_begin_enter(&c, "begin"))
		return;
	if (!sonde_lock_globals(c, begin_locks, 1))
		goto out;
	if (!strcmp(mode, "data")) {
		maps(c);
		multikey(c);
		stats(c);
		strings(c);
	} else {
		errors(c);
	}
	sonde_unlock_globals(begin_locks, 1);
out:
	sonde_probe_exit(c);
	sonde_request_exit();
}

static int alloc(void)
{
	return sonde_map_init(&g_a) ?: sonde_map_init(&g_w) ?:
	       sonde_map_init(&g_m2) ?: sonde_map_init(&g_ps) ?:
	       sonde_stat_init(&g_lin) ?: sonde_stat_init(&g_lg);
}

static void release(void)
{
	sonde_map_free(&g_a);
	sonde_map_free(&g_w);
	sonde_map_free(&g_m2);
	sonde_map_free(&g_ps);
	sonde_stat_free(&g_lin);
	sonde_stat_free(&g_lg);
}

static const struct sonde_script data_script = {
	.alloc = alloc,
	.release = release,
	.begin = begin,
};

SONDE_SCRIPT(data_script);
MODULE_DESCRIPTION("sonde runtime test: maps, statistics, strings, errors");
