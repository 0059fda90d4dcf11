/*
 * str.h: bounded strings, and reads of kernel and user memory that
 * cannot fault.
 *
 * Every string value of a script is a char array of MAXSTRINGLEN bytes,
 * always NUL-terminated.  The helpers here take such arrays as
 * destinations (the size is implied) and any NUL-terminated source;
 * they truncate at MAXSTRINGLEN - 1 bytes, never overflow and never fail.
 * A destination may not overlap its source, except where noted.
 *
 * The memory readers serve the conversion functions (kernel_string,
 * user_long, ...): they use the kernel's non-faulting copies, so a bad
 * pointer costs an error "bad address 0x..." on the context (catchable),
 * never an oops.  They work in any context, NMI included.
 */
#ifndef SONDE_STR_H
#define SONDE_STR_H

#include <linux/types.h>
#include <linux/string.h>
#include "limits.h"

struct sonde_ctx;

/* dst = src; returns the length copied. */
static inline size_t sonde_strlcpy(char *dst, const char *src)
{
	ssize_t n = strscpy(dst, src, MAXSTRINGLEN);

	return n < 0 ? MAXSTRINGLEN - 1 : (size_t)n;
}

/* dst .= src; returns the new length. */
size_t sonde_strlcat(char *dst, const char *src);

/* dst = a . b; dst may be a (not b). */
void sonde_concat(char *dst, const char *a, const char *b);

/* dst = sprintf(fmt, ...), truncated. */
void sonde_sprintf(char *dst, const char *fmt, ...) __printf(2, 3);

/* Script string comparison (<, ==, ...): <0, 0, >0 like strcmp. */
static inline int sonde_strcmp(const char *a, const char *b)
{
	return strcmp(a, b);
}

/*
 * Copy n bytes from kernel (k) or user (u) address addr to dst.  False,
 * with the error "bad address 0x..." raised on ctx, when any byte cannot
 * be read.
 */
bool sonde_kread(struct sonde_ctx *ctx, void *dst, unsigned long addr,
		 size_t n);
bool sonde_uread(struct sonde_ctx *ctx, void *dst, unsigned long addr,
		 size_t n);

/*
 * Copy the NUL-terminated string at addr into dst (MAXSTRINGLEN bytes),
 * truncating.  On a bad address dst is "" and the error is raised.
 */
bool sonde_kread_string(struct sonde_ctx *ctx, char *dst,
			unsigned long addr);
bool sonde_uread_string(struct sonde_ctx *ctx, char *dst,
			unsigned long addr);

/*
 * Integer of size 1, 2, 4 or 8 bytes at addr, sign-extended when
 * is_signed; 0 (and the error) on a bad address.
 */
int64_t sonde_kread_int(struct sonde_ctx *ctx, unsigned long addr,
			unsigned int size, bool is_signed);
int64_t sonde_uread_int(struct sonde_ctx *ctx, unsigned long addr,
			unsigned int size, bool is_signed);

#endif /* SONDE_STR_H */
