/*
 * arith.h: script arithmetic that can fail or trap in C.
 *
 * Script integers are int64_t.  Division and modulo by zero raise the
 * error "division by 0" (catchable) and yield 0; INT64_MIN / -1, which
 * traps on x86, yields INT64_MIN (and % yields 0), the two's-complement
 * wrap the other operators have.  Shifts take the count modulo 64.
 */
#ifndef SONDE_ARITH_H
#define SONDE_ARITH_H

#include <linux/types.h>
#include <linux/limits.h>
#include "lifecycle.h"

static inline int64_t sonde_div(struct sonde_ctx *ctx, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		sonde_error(ctx, "division by 0");
		return 0;
	}
	if (unlikely(b == -1))
		return (int64_t)(0 - (u64)a);
	return a / b;
}

static inline int64_t sonde_mod(struct sonde_ctx *ctx, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		sonde_error(ctx, "division by 0");
		return 0;
	}
	if (unlikely(b == -1))
		return 0;
	return a % b;
}

/* x /= b and x %= b: after the error the variable keeps its value. */
static inline int64_t sonde_div_update(struct sonde_ctx *ctx, int64_t a,
				       int64_t b)
{
	int64_t v = sonde_div(ctx, a, b);
	return unlikely(b == 0) ? a : v;
}

static inline int64_t sonde_mod_update(struct sonde_ctx *ctx, int64_t a,
				       int64_t b)
{
	int64_t v = sonde_mod(ctx, a, b);
	return unlikely(b == 0) ? a : v;
}

static inline int64_t sonde_shl(int64_t a, int64_t n)
{
	return (int64_t)((u64)a << (n & 63));
}

static inline int64_t sonde_shr(int64_t a, int64_t n)
{
	return a >> (n & 63);
}

#endif /* SONDE_ARITH_H */
