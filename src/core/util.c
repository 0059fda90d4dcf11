/*
 * util.c - allocation that cannot fail silently, the arena, growable
 * string buffers and whole-file reading.
 *
 * Out of memory is the one condition sonde does not recover from: the
 * x* functions print one line and exit, so callers never check.
 */
#include "core/sonde.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, SONDE_NAME ": error: out of memory (%zu bytes)\n", n);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
	StrBuf b = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	return b.data ? b.data : xstrdup("");
}

/* ---------------------------------------------------------------- arena */

/*
 * Blocks grow geometrically so a multi-MB script needs few of them.
 * Every block comes from calloc and is never reused, so arena_alloc
 * hands out zeroed memory without clearing it again.
 */
struct ArenaBlock {
	ArenaBlock *next;
	size_t size;
	max_align_t data[];
};

enum {
	ARENA_MIN_BLOCK = 64 * 1024,
	ARENA_MAX_BLOCK = 8 * 1024 * 1024,
};

/* n bytes from a new head block, twice the size of the last; what the
   last one had left is not used. */
void *arena_alloc_slow(Arena *a, size_t n)
{
	ArenaBlock *h = a->head;
	size_t size = h ? h->size * 2 : ARENA_MIN_BLOCK;
	if (size > ARENA_MAX_BLOCK)
		size = ARENA_MAX_BLOCK;
	if (size < n)
		size = n;
	ArenaBlock *b = calloc(1, sizeof *b + size);
	if (!b)
		out_of_memory(sizeof *b + size);
	b->next = h;
	b->size = size;
	a->head = b;
	a->cur = (char *)b->data + n;
	a->end = (char *)b->data + size;
	a->used_total += n;
	return b->data;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	return p;
}

char *arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(Arena *a)
{
	while (a->head) {
		ArenaBlock *b = a->head;
		a->head = b->next;
		free(b);
	}
	*a = (Arena){ 0 };
}

/* -------------------------------------------------------------- strbuf */

static void sb_reserve(StrBuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap * 2 : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void sb_putn(StrBuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

void sb_putc(StrBuf *b, char c)
{
	sb_putn(b, &c, 1);
}

void sb_puts(StrBuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* Formats straight into the spare room, and only when the text does
   not fit there grows the buffer and formats a second time. */
void sb_vprintf(StrBuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	sb_reserve(b, 0);
	size_t room = b->cap - b->len;
	int n = vsnprintf(b->data + b->len, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		sb_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void sb_printf(StrBuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

void sb_clear(StrBuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void sb_free(StrBuf *b)
{
	free(b->data);
	*b = (StrBuf){0};
}

/* ------------------------------------------------------------- files */

/*
 * Reads straight into the result, sized from fstat when the descriptor
 * is a regular file, so a large script is read once and copied never;
 * pipes and files that grow meanwhile just grow the buffer.
 */
static char *read_fd(int fd, size_t *len_out)
{
	struct stat st;
	size_t cap = 65536, len = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0)
		cap = (size_t)st.st_size + 2;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	*len_out = len;
	return buf;
}

char *read_file(const char *path, size_t *len_out)
{
	if (strcmp(path, "-") == 0)
		return read_fd(0, len_out);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = read_fd(fileno(f), len_out);
	int saved = errno;
	fclose(f);
	errno = saved;
	return text;
}

void strlist_push(StrList *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = s;
}

/* -------------------------------------------------------------- files */

bool write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *self_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	return xstrdup(buf);
}

bool running_in_build_tree(void)
{
#ifdef SONDE_BUILD_DIR
	char *self = self_dir();
	bool in = self && !strcmp(self, SONDE_BUILD_DIR "/src");
	free(self);
	return in;
#else
	return false;
#endif
}
