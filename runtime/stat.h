/*
 * stat.h: statistics aggregates (x <<< v) and their histograms.
 *
 * A statistic collects count, sum, min, max and the sum of squares of
 * the values added, and optionally a histogram: linear (buckets of
 * width step from lo to hi, plus one below and one above) or base-2
 * logarithmic (0, then 1, 2, 4, ... up to 2^62 and -1, -2, -4, ... down
 * to -2^63).  The histograms (one, or more chained) are a property of
 * the declaration.
 *
 * Adding never locks: a scalar statistic has one struct sonde_stat_data
 * per CPU and a probe adds into its own CPU's (it holds the global's
 * read lock, which keeps readers out).  Reading (@count, ..., printing)
 * holds the write lock and first aggregates all CPUs into one copy with
 * sonde_stat_get().  Arrays of statistics do the same per key (map.h).
 *
 * Extractors on an empty statistic: @count and @sum are 0; @min, @max,
 * @avg and @variance raise the error "empty aggregate" and yield 0.
 *
 * @variance follows SystemTap's integer arithmetic exactly, rounding
 * included: each CPU runs Welford's online algorithm on the values
 * scaled by 2^shift (@variance(x, shift), 0 by default; the running
 * difference is kept in 32 bits as SystemTap does), and the CPUs are
 * combined with the total variance formula, (S1 + S2) / (count - 1)
 * with S1 = sum of n_i * (avg_i - avg)^2 and S2 = sum of (n_i - 1) *
 * var_i, then scaled back by 2^(2 * shift).  S1 is accumulated
 * expanded, n_i * avg_i^2 - 2 * avg * n_i * avg_i + n_i * avg^2: the
 * same value modulo 2^64, so wrapping agrees bit for bit.  The Welford
 * steps run only for statistics the program takes @variance of.
 */
#ifndef SONDE_STAT_H
#define SONDE_STAT_H

#include <linux/types.h>
#include <linux/percpu.h>
#include "lifecycle.h"

enum sonde_hist_kind { SONDE_HIST_NONE, SONDE_HIST_LINEAR, SONDE_HIST_LOG };

/*
 * A statistic's shape: its histogram, filled with SONDE_HIST_LIN(lo,
 * hi, step) etc., and whether @variance is taken (with its bit shift).
 */
struct sonde_hist {
	enum sonde_hist_kind kind;
	int64_t lo, hi, step;     /* linear only */
	unsigned int buckets;     /* all buckets, under/overflow included */
	bool variance;            /* keep the Welford state */
	unsigned int shift;       /* @variance(x, shift), 0 to 62 */
	/* A statistic printed as two histograms (@hist_log and
	   @hist_linear, or two linear ones) chains the second shape here;
	   its buckets follow the first's in the data, from offset. */
	unsigned int offset;
	const struct sonde_hist *next;
};

#define SONDE_LOG_BUCKETS 128
#define SONDE_HIST_NO { SONDE_HIST_NONE, 0, 0, 0, 0 }
#define SONDE_HIST_LOGARITHMIC { SONDE_HIST_LOG, 0, 0, 0, SONDE_LOG_BUCKETS }
#define SONDE_HIST_LIN(lo, hi, step) \
	{ SONDE_HIST_LINEAR, (lo), (hi), (step), ((hi) - (lo)) / (step) + 3 }

/* One statistic's values; bucket has hist->buckets entries. */
struct sonde_stat_data {
	int64_t count, sum, min, max;
	/* one CPU's Welford state, values scaled by 2^shift */
	int64_t avg_s, m2, var_s;
	/* merged CPUs: sums of n_i * avg_i, n_i * avg_i^2, (n_i - 1) * var_i */
	int64_t n_avg, n_avg2, n1_var;
	unsigned int shift;
	u64 bucket[];
};

enum sonde_stat_op {
	SONDE_STAT_COUNT, SONDE_STAT_SUM, SONDE_STAT_MIN, SONDE_STAT_MAX,
	SONDE_STAT_AVG, SONDE_STAT_VARIANCE,
};

/* Bytes of a struct sonde_stat_data with the histograms of h. */
size_t sonde_stat_size(const struct sonde_hist *h);

/* Operations on one data block (for maps of statistics). */
void sonde_stat_data_reset(struct sonde_stat_data *d, size_t size);
void sonde_stat_data_add(const struct sonde_hist *h,
			 struct sonde_stat_data *d, int64_t v);
void sonde_stat_data_merge(const struct sonde_hist *h,
			   struct sonde_stat_data *dst,
			   const struct sonde_stat_data *src);

/* An extractor; errors "empty aggregate" as described above. */
int64_t sonde_stat_op(struct sonde_ctx *ctx, const struct sonde_stat_data *d,
		      enum sonde_stat_op op);

/*
 * Print d's histogram in SystemTap's layout to the probe's output:
 *
 *   value |-------------------------------------------------- count
 *       0 |@@@@                                                 4
 *       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 120
 *       2 |                                                     0
 *         ~
 *      64 |                                                     0
 *
 * followed by an empty line; details in stat.c.
 */
void sonde_hist_print(struct sonde_ctx *ctx, const struct sonde_hist *h,
		      const struct sonde_stat_data *d);

/* Bucket i of @hist_linear/@hist_log (0: below lo, last: above hi; 0
   outside the histogram), h one of the statistic's chained shapes. */
int64_t sonde_hist_bucket(const struct sonde_hist *h,
			  const struct sonde_stat_data *d, int64_t i);

/* A scalar global statistic. */
struct sonde_stat {
	struct sonde_hist hist;
	size_t size;                      /* of one data block */
	void __percpu *pcpu;              /* struct sonde_stat_data per CPU */
	struct sonde_stat_data *agg;      /* filled by sonde_stat_get */
};

/* Process context, module init/exit. */
int sonde_stat_init(struct sonde_stat *s);
void sonde_stat_free(struct sonde_stat *s);

/* x <<< v, under the global's read lock. */
static inline void sonde_stat_add(struct sonde_stat *s, int64_t v)
{
	sonde_stat_data_add(&s->hist, this_cpu_ptr(s->pcpu), v);
}

/* The aggregate of all CPUs, under the global's write lock. */
const struct sonde_stat_data *sonde_stat_get(struct sonde_stat *s);

/* delete x, under the write lock. */
void sonde_stat_clear(struct sonde_stat *s);

#endif /* SONDE_STAT_H */
