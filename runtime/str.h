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

/* dst .= sprintf(fmt, ...), truncated. */
void sonde_sprintf_append(char *dst, const char *fmt, ...) __printf(2, 3);

/* dst .= the n bytes at s, truncated (a NUL byte among them ends the
   string there, as it would in the script). */
void sonde_append_bytes(char *dst, const char *s, size_t n);

/*
 * printf's %b: the low `bytes` bytes (1, 2, 4 or 8; anything else is 8)
 * of v in the machine's byte order into dst; returns the count.
 */
size_t sonde_fmt_bin(char *dst, int64_t v, int bytes);

/*
 * printf's %m and %M: `prec` bytes (1 when prec < 0, at most
 * SONDE_MEM_MAX) read from addr, as they are (%m) or as two lower-case
 * hex digits each (SONDE_FMT_HEX, %M), padded with spaces to `width`
 * (on the right with SONDE_FMT_LEFT, the `-` flag).  SONDE_FMT_USER (the
 * `#` flag) reads user memory instead of kernel memory.  The field goes
 * to dst (size bytes, no NUL added, truncated to size); returns its
 * length, or -1 with the error "bad address 0x..." raised on ctx.
 */
#define SONDE_MEM_MAX MAXSTRINGLEN
#define SONDE_FMT_HEX 1u
#define SONDE_FMT_LEFT 2u
#define SONDE_FMT_USER 4u
ssize_t sonde_fmt_mem(struct sonde_ctx *ctx, char *dst, size_t size,
		      int64_t addr, int width, int prec, unsigned int flags);

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
