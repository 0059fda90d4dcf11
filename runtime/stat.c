// SPDX-License-Identifier: GPL-2.0
/*
 * stat.c: statistics aggregates, their extractors and the printing of
 * histograms (see stat.h).
 *
 * Log buckets: index 64 holds 0; 64 + k holds [2^(k-1), 2^k) for k = 1
 * .. 63; 64 - k holds (-2^k, -2^(k-1)], index 0 holds -2^63.  Linear
 * buckets: 0 below lo, 1 + (v - lo) / step within, the last above.
 *
 * Printed rows: from HIST_ELISION buckets before the first non-empty one
 * to HIST_ELISION after the last (never the linear underflow or overflow
 * row or a negative log row unless such a bucket holds values); an empty
 * bucket further than HIST_ELISION from any non-empty one is left out
 * and each run of left-out rows prints as one "~".  A negative
 * HIST_ELISION prints every bucket of that range.  Bars are one @ per
 * value while the largest count fits HIST_WIDTH, else scaled to it.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/math64.h>
#include <linux/bitops.h>
#include "stat.h"

#define LOG_ZERO 64

/* All buckets of the chained histograms of h. */
static unsigned int all_buckets(const struct sonde_hist *h)
{
	unsigned int n = 0;

	for (; h; h = h->next)
		n += h->buckets;
	return n;
}

size_t sonde_stat_size(const struct sonde_hist *h)
{
	return sizeof(struct sonde_stat_data) + all_buckets(h) * sizeof(u64);
}

/* The count of bucket i of histogram h in d. */
static u64 count_of(const struct sonde_hist *h,
		    const struct sonde_stat_data *d, int i)
{
	return d->bucket[h->offset + i];
}

void sonde_stat_data_reset(struct sonde_stat_data *d, size_t size)
{
	memset(d, 0, size);
}

static unsigned int bucket_of(const struct sonde_hist *h, int64_t v)
{
	u64 i;

	if (h->kind == SONDE_HIST_LOG) {
		if (v == 0)
			return LOG_ZERO;
		if (v > 0)
			return LOG_ZERO + fls64(v);
		return LOG_ZERO - fls64(0 - (u64)v);
	}
	if (v < h->lo)
		return 0;
	i = div64_u64((u64)v - (u64)h->lo, h->step);
	return i >= h->buckets - 2 ? h->buckets - 1 : i + 1;
}

/* SystemTap's truncating division, 0 for a zero divisor. */
static int64_t div_or_zero(int64_t x, int64_t y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return (int64_t)(0 - (u64)x);
	return div64_s64(x, y);
}

static int64_t scaled(int64_t v, unsigned int shift)
{
	return (int64_t)((u64)v << shift);
}

/* One Welford step for a sample after the first (see stat.h). */
static void welford_add(struct sonde_stat_data *d, int64_t v,
			unsigned int shift)
{
	int32_t delta = (int32_t)(scaled(v, shift) - d->avg_s);

	d->avg_s += div_or_zero(delta, d->count);
	d->m2 += (int64_t)((u64)(int64_t)delta *
			   (u64)(scaled(v, shift) - d->avg_s));
	d->var_s = div_or_zero(d->m2, d->count - 1);
}

void sonde_stat_data_add(const struct sonde_hist *h,
			 struct sonde_stat_data *d, int64_t v)
{
	if (d->count == 0) {
		d->min = d->max = v;
		d->avg_s = scaled(v, h->shift);
	}
	if (v < d->min)
		d->min = v;
	if (v > d->max)
		d->max = v;
	d->count++;
	d->sum += v;
	if (h->variance && d->count > 1)
		welford_add(d, v, h->shift);
	for (; h && h->kind != SONDE_HIST_NONE; h = h->next)
		d->bucket[h->offset + bucket_of(h, v)]++;
}

void sonde_stat_data_merge(const struct sonde_hist *h,
			   struct sonde_stat_data *dst,
			   const struct sonde_stat_data *src)
{
	unsigned int i;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->shift = h->shift;
	dst->n_avg += (int64_t)((u64)src->count * (u64)src->avg_s);
	dst->n_avg2 += (int64_t)((u64)src->count * (u64)src->avg_s *
				 (u64)src->avg_s);
	dst->n1_var += (int64_t)((u64)(src->count - 1) * (u64)src->var_s);
	for (i = 0; i < all_buckets(h); i++)
		dst->bucket[i] += src->bucket[i];
}

/* The total variance of merged CPUs (see stat.h), wrapping. */
static int64_t variance(const struct sonde_stat_data *d)
{
	u64 avg = div_or_zero(scaled(d->sum, d->shift), d->count);
	u64 s1 = (u64)d->n_avg2 - 2 * avg * (u64)d->n_avg +
		 avg * avg * (u64)d->count;
	int64_t var_s = div_or_zero((int64_t)(s1 + (u64)d->n1_var),
				    d->count - 1);

	return var_s >> (2 * d->shift);
}

int64_t sonde_stat_op(struct sonde_ctx *c, const struct sonde_stat_data *d,
		      enum sonde_stat_op op)
{
	if (op == SONDE_STAT_COUNT)
		return d->count;
	if (op == SONDE_STAT_SUM)
		return d->sum;
	if (d->count == 0) {
		sonde_error(c, "empty aggregate");
		return 0;
	}
	switch (op) {
	case SONDE_STAT_MIN: return d->min;
	case SONDE_STAT_MAX: return d->max;
	case SONDE_STAT_AVG: return div64_s64(d->sum, d->count);
	default: return variance(d);
	}
}

int64_t sonde_hist_bucket(const struct sonde_hist *h,
			  const struct sonde_stat_data *d, int64_t i)
{
	if (i < 0 || i >= h->buckets)
		return 0;
	return count_of(h, d, i);
}

/* ------------------------------------------------------------ printing */

/* The label of bucket i, into buf. */
static void label(const struct sonde_hist *h, unsigned int i, char *buf,
		  size_t size)
{
	if (h->kind == SONDE_HIST_LOG) {
		if (i == LOG_ZERO)
			snprintf(buf, size, "0");
		else if (i > LOG_ZERO)
			snprintf(buf, size, "%llu", 1ULL << (i - LOG_ZERO - 1));
		else
			snprintf(buf, size, "%lld",
				 (long long)(0 - (1ULL << (LOG_ZERO - 1 - i))));
	} else if (i == 0) {
		snprintf(buf, size, "<%lld", (long long)h->lo);
	} else if (i == h->buckets - 1) {
		snprintf(buf, size, ">%lld", (long long)h->hi);
	} else {
		snprintf(buf, size, "%lld",
			 (long long)(h->lo + (int64_t)(i - 1) * h->step));
	}
}

/* The rows to print and what they need; see the top of the file. */
struct layout {
	int first, last;          /* non-empty buckets, -1 if none */
	int start, end;           /* rows considered */
	int vwidth, cwidth;       /* value and count column widths */
	u64 maxcount;
};

/* Lowest and highest bucket a row may show without holding values. */
static void bounds(const struct sonde_hist *h, int *lo, int *hi)
{
	*lo = h->kind == SONDE_HIST_LOG ? LOG_ZERO : 1;
	*hi = h->kind == SONDE_HIST_LOG ? (int)h->buckets - 1
					: (int)h->buckets - 2;
}

static bool shown(const u64 *count, const struct layout *l, int i)
{
	int k;

	if (count[i] || HIST_ELISION < 0)
		return true;
	for (k = max(i - HIST_ELISION, l->start);
	     k <= min(i + HIST_ELISION, l->end); k++)
		if (count[k])
			return true;
	return false;
}

static int digits(u64 v)
{
	char buf[24];

	return snprintf(buf, sizeof(buf), "%llu", v);
}

static void measure(const struct sonde_hist *h, const u64 *count,
		    struct layout *l)
{
	char buf[24];
	int i, lo, hi;

	l->first = l->last = -1;
	l->maxcount = 0;
	for (i = 0; i < h->buckets; i++) {
		if (!count[i])
			continue;
		if (l->first < 0)
			l->first = i;
		l->last = i;
		l->maxcount = max(l->maxcount, count[i]);
	}
	bounds(h, &lo, &hi);
	l->start = min(l->first, max(l->first - abs(HIST_ELISION), lo));
	l->end = max(l->last, min(l->last + abs(HIST_ELISION), hi));
	l->vwidth = 5;                    /* strlen("value") */
	l->cwidth = 1;
	for (i = l->start; l->first >= 0 && i <= l->end; i++) {
		if (!shown(count, l, i))
			continue;
		label(h, i, buf, sizeof(buf));
		l->vwidth = max_t(int, l->vwidth, strlen(buf));
		l->cwidth = max(l->cwidth, digits(count[i]));
	}
}

static void print_row(struct sonde_ctx *c, const struct sonde_hist *h,
		      const struct layout *l, int i, u64 count)
{
	char buf[24], bar[HIST_WIDTH + 1];
	u64 n = l->maxcount <= HIST_WIDTH ? count
					  : div64_u64(count * HIST_WIDTH,
						      l->maxcount);

	memset(bar, '@', n);
	memset(bar + n, ' ', HIST_WIDTH - n);
	bar[HIST_WIDTH] = '\0';
	label(h, i, buf, sizeof(buf));
	sonde_printf(c, "%*s |%s %*llu\n", l->vwidth, buf, bar, l->cwidth,
		     count);
}

void sonde_hist_print(struct sonde_ctx *c, const struct sonde_hist *h,
		      const struct sonde_stat_data *d)
{
	struct layout l;
	bool elided = false;
	char dashes[HIST_WIDTH + 1];
	const u64 *count = d->bucket + h->offset;
	int i;

	if (h->kind == SONDE_HIST_NONE)
		return;
	measure(h, count, &l);
	memset(dashes, '-', HIST_WIDTH);
	dashes[HIST_WIDTH] = '\0';
	sonde_printf(c, "%*s |%s count\n", l.vwidth, "value", dashes);
	for (i = l.start; l.first >= 0 && i <= l.end; i++) {
		if (shown(count, &l, i)) {
			print_row(c, h, &l, i, count[i]);
			elided = false;
		} else if (!elided) {
			sonde_printf(c, "%*s\n", l.vwidth, "~");
			elided = true;
		}
	}
	sonde_print(c, "\n");
}

/* ------------------------------------------------------- scalar stats */

int sonde_stat_init(struct sonde_stat *s)
{
	s->size = sonde_stat_size(&s->hist);
	s->pcpu = __alloc_percpu(s->size, sizeof(u64));
	s->agg = kzalloc(s->size, GFP_KERNEL);
	if (!s->pcpu || !s->agg) {
		sonde_stat_free(s);
		return -ENOMEM;
	}
	return 0;
}

void sonde_stat_free(struct sonde_stat *s)
{
	free_percpu(s->pcpu);
	kfree(s->agg);
	s->pcpu = NULL;
	s->agg = NULL;
}

const struct sonde_stat_data *sonde_stat_get(struct sonde_stat *s)
{
	int cpu;

	sonde_stat_data_reset(s->agg, s->size);
	for_each_possible_cpu(cpu)
		sonde_stat_data_merge(&s->hist, s->agg,
				      per_cpu_ptr(s->pcpu, cpu));
	return s->agg;
}

void sonde_stat_clear(struct sonde_stat *s)
{
	int cpu;

	for_each_possible_cpu(cpu)
		sonde_stat_data_reset(per_cpu_ptr(s->pcpu, cpu), s->size);
}
