// SPDX-License-Identifier: GPL-2.0
/*
 * str.c: bounded string operations and non-faulting memory reads for
 * probe context (see str.h).
 *
 * The kernel exports copy_from_kernel_nofault() and
 * copy_from_user_nofault() but not their string variants, so strings
 * are read in pieces that never cross a page boundary: a piece either
 * faults as a whole (bad address) or is all readable, and bytes read
 * past the terminating NUL come from a page the string itself occupies.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <linux/mm.h>
#include "str.h"
#include "lifecycle.h"

size_t sonde_strlcat(char *dst, const char *src)
{
	size_t len = strnlen(dst, MAXSTRINGLEN - 1);
	ssize_t n = strscpy(dst + len, src, MAXSTRINGLEN - len);

	return n < 0 ? MAXSTRINGLEN - 1 : len + n;
}

void sonde_concat(char *dst, const char *a, const char *b)
{
	if (dst != a)
		sonde_strlcpy(dst, a);
	sonde_strlcat(dst, b);
}

void sonde_sprintf(char *dst, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(dst, MAXSTRINGLEN, fmt, args);
	va_end(args);
}

void sonde_sprintf_append(char *dst, const char *fmt, ...)
{
	size_t len = strnlen(dst, MAXSTRINGLEN - 1);
	va_list args;

	va_start(args, fmt);
	vsnprintf(dst + len, MAXSTRINGLEN - len, fmt, args);
	va_end(args);
}

void sonde_append_bytes(char *dst, const char *s, size_t n)
{
	size_t len = strnlen(dst, MAXSTRINGLEN - 1);

	n = min(n, MAXSTRINGLEN - 1 - len);
	memcpy(dst + len, s, n);
	dst[len + n] = '\0';
}

size_t sonde_fmt_bin(char *dst, int64_t v, int bytes)
{
	u8 v1 = (u8)v;
	u16 v2 = (u16)v;
	u32 v4 = (u32)v;

	/* Each width is a value of its own size, so the bytes come out
	   in the machine's order whatever its endianness. */
	switch (bytes) {
	case 1: memcpy(dst, &v1, 1); return 1;
	case 2: memcpy(dst, &v2, 2); return 2;
	case 4: memcpy(dst, &v4, 4); return 4;
	default: memcpy(dst, &v, 8); return 8;
	}
}

/* Writes byte v of a %m/%M field at dst[*at], as itself or as two hex
   digits, dropping what falls past size. */
static void put_mem_byte(char *dst, size_t size, size_t *at, u8 v, bool hex)
{
	if (!hex) {
		if (*at < size)
			dst[*at] = v;
		(*at)++;
		return;
	}
	if (*at < size)
		dst[*at] = hex_asc_hi(v);
	if (*at + 1 < size)
		dst[*at + 1] = hex_asc_lo(v);
	*at += 2;
}

ssize_t sonde_fmt_mem(struct sonde_ctx *c, char *dst, size_t size,
		      int64_t addr, int width, int prec, unsigned int flags)
{
	u8 raw[SONDE_MEM_MAX];
	size_t n = prec < 0 ? 1 : min_t(size_t, prec, SONDE_MEM_MAX);
	bool hex = flags & SONDE_FMT_HEX;
	size_t len = hex ? 2 * n : n, pad, at, i;
	bool ok = flags & SONDE_FMT_USER
		? sonde_uread(c, raw, (unsigned long)addr, n)
		: sonde_kread(c, raw, (unsigned long)addr, n);

	if (!ok)
		return -1;
	pad = width > 0 && (size_t)width > len ? width - len : 0;
	memset(dst, ' ', min(len + pad, size));
	at = flags & SONDE_FMT_LEFT ? 0 : pad;
	for (i = 0; i < n; i++)
		put_mem_byte(dst, size, &at, raw[i], hex);
	return min(len + pad, size);
}

static bool bad_address(struct sonde_ctx *c, unsigned long addr)
{
	sonde_error(c, "bad address 0x%lx", addr);
	return false;
}

bool sonde_kread(struct sonde_ctx *c, void *dst, unsigned long addr,
		 size_t n)
{
	if (copy_from_kernel_nofault(dst, (const void *)addr, n))
		return bad_address(c, addr);
	return true;
}

bool sonde_uread(struct sonde_ctx *c, void *dst, unsigned long addr,
		 size_t n)
{
	if (copy_from_user_nofault(dst, (const void __user *)addr, n))
		return bad_address(c, addr);
	return true;
}

typedef long (*copy_fn)(void *dst, unsigned long src, size_t n);

static long kcopy(void *dst, unsigned long src, size_t n)
{
	return copy_from_kernel_nofault(dst, (const void *)src, n);
}

static long ucopy(void *dst, unsigned long src, size_t n)
{
	return copy_from_user_nofault(dst, (const void __user *)src, n);
}

/* Read a string piece by piece, each within one page. */
static bool read_string(struct sonde_ctx *c, char *dst, unsigned long addr,
			copy_fn copy)
{
	size_t done = 0;

	while (done < MAXSTRINGLEN - 1) {
		unsigned long at = addr + done;
		size_t n = min_t(size_t, MAXSTRINGLEN - 1 - done,
				 PAGE_SIZE - offset_in_page(at));

		if (copy(dst + done, at, n)) {
			dst[0] = '\0';
			return bad_address(c, addr);
		}
		if (memchr(dst + done, '\0', n))
			return true;
		done += n;
	}
	dst[MAXSTRINGLEN - 1] = '\0';
	return true;
}

bool sonde_kread_string(struct sonde_ctx *c, char *dst, unsigned long addr)
{
	return read_string(c, dst, addr, kcopy);
}

bool sonde_uread_string(struct sonde_ctx *c, char *dst, unsigned long addr)
{
	return read_string(c, dst, addr, ucopy);
}

/* Widen the little-endian integer of size bytes in buf. */
static int64_t widen(const void *buf, unsigned int size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? *(const s8 *)buf : *(const u8 *)buf;
	case 2: return is_signed ? *(const s16 *)buf : *(const u16 *)buf;
	case 4: return is_signed ? *(const s32 *)buf : *(const u32 *)buf;
	default: return *(const s64 *)buf;
	}
}

int64_t sonde_kread_int(struct sonde_ctx *c, unsigned long addr,
			unsigned int size, bool is_signed)
{
	u64 buf = 0;

	if (size > sizeof(buf) || !sonde_kread(c, &buf, addr, size))
		return 0;
	return widen(&buf, size, is_signed);
}

int64_t sonde_uread_int(struct sonde_ctx *c, unsigned long addr,
			unsigned int size, bool is_signed)
{
	u64 buf = 0;

	if (size > sizeof(buf) || !sonde_uread(c, &buf, addr, size))
		return 0;
	return widen(&buf, size, is_signed);
}
