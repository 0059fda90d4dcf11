/*
 * gen_support.h: small helpers that only generated code uses, so that
 * each script construct reads as one C expression.
 *
 * The runtime's string functions write into a destination and return
 * nothing; generated expressions need a value, so these wrappers return
 * the destination.  Destinations are MAXSTRINGLEN arrays (str.h).
 */
#ifndef SONDE_GEN_SUPPORT_H
#define SONDE_GEN_SUPPORT_H

#include <linux/types.h>
#include <linux/smp.h>
#include "lifecycle.h"
#include "str.h"

/* dst = src as an expression; copying a buffer onto itself is a no-op. */
static inline const char *gen_strset(char *dst, const char *src)
{
	if (dst != src)
		sonde_strlcpy(dst, src);
	return dst;
}

/* dst .= src as an expression. */
static inline const char *gen_strapp(char *dst, const char *src)
{
	sonde_strlcat(dst, src);
	return dst;
}

/* a . b into the temporary dst (which may be a). */
static inline const char *gen_concat(char *dst, const char *a, const char *b)
{
	sonde_concat(dst, a, b);
	return dst;
}

/* sprintf(...) into the temporary dst, as an expression. */
#define gen_sprintf(dst, ...)                                        \
	({                                                           \
		sonde_sprintf((dst), __VA_ARGS__);                   \
		(const char *)(dst);                                 \
	})

/* The script's error("msg"): a catchable error with that message. */
static inline void gen_error(struct sonde_ctx *c, const char *msg)
{
	sonde_error(c, "%s", msg);
}

#endif /* SONDE_GEN_SUPPORT_H */
