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

/* printf's %b, %m and %M to the output (see sonde_fmt_bin/_mem). */
static inline void gen_print_bin(struct sonde_ctx *c, int64_t v, int bytes)
{
	char b[8];

	sonde_write(c, b, sonde_fmt_bin(b, v, bytes));
}

/* After a bad address the rest of the printf reads nothing more. */
static inline void gen_print_mem(struct sonde_ctx *c, int64_t addr,
				 int width, int prec, unsigned int flags)
{
	char b[2 * SONDE_MEM_MAX];
	ssize_t n;

	if (unlikely(c->aborted))
		return;
	n = sonde_fmt_mem(c, b, sizeof(b), addr, width, prec, flags);
	if (n > 0)
		sonde_write(c, b, n);
}

/*
 * A printf whose %m or %M meets a bad address prints nothing: the
 * output staged since the mark taken before it is dropped.
 */
static inline int64_t gen_output_mark(struct sonde_ctx *c)
{
	return c->stage.len;
}

static inline void gen_output_undo(struct sonde_ctx *c, int64_t mark)
{
	if (unlikely(c->aborted) && c->stage.len > mark)
		c->stage.len = mark;
}

/* The same appended to a sprintf result being built in dst. */
static inline void gen_sprint_bin(char *dst, int64_t v, int bytes)
{
	char b[8];

	sonde_append_bytes(dst, b, sonde_fmt_bin(b, v, bytes));
}

static inline void gen_sprint_mem(struct sonde_ctx *c, char *dst,
				  int64_t addr, int width, int prec,
				  unsigned int flags)
{
	char b[MAXSTRINGLEN];
	ssize_t n;

	if (unlikely(c->aborted))
		return;
	n = sonde_fmt_mem(c, b, sizeof(b), addr, width, prec, flags);
	if (n > 0)
		sonde_append_bytes(dst, b, n);
}

/* The script's error("msg"): a catchable error with that message. */
static inline void gen_error(struct sonde_ctx *c, const char *msg)
{
	sonde_error(c, "%s", msg);
}

#endif /* SONDE_GEN_SUPPORT_H */
