/*
 * util.c - allocation that cannot fail silently, the arena, growable
 * string buffers and whole-file reading.
 *
 * Out of memory is the one condition sonde does not recover from: the
 * x* functions print one line and exit, so callers never check.
 */
#include "sonde.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
 * Every block starts zeroed and is never reused, so arena_alloc hands
 * out zeroed memory without clearing it again.  Small blocks come from
 * calloc; large ones straight from mmap, and their pages are faulted in
 * ARENA_POPULATE bytes at a time, just ahead of use, with one
 * MADV_POPULATE_WRITE call each (Arena.end marks how far): one system
 * call instead of a page fault per 4 KiB (a large script's AST takes
 * thousands of pages), and the pages the kernel has just zeroed are
 * still in the CPU's cache when the tree is written into them.  Faulting
 * in a whole 8 MB block at once made pass 1 a fifth slower: by the time
 * its last pages were used, their zeroes had long left the cache.
 *
 * Blocks of ARENA_HUGE bytes or more start on an ARENA_HUGE boundary and
 * ask for transparent huge pages: a 2 MiB page costs one fault and one
 * TLB entry where 512 small ones cost 512 of each, which makes pass 1 of
 * a large script a tenth faster.  Where huge pages are off, the advice
 * is ignored and the block is faulted in by small pages as before.
 */
struct ArenaBlock {
	ArenaBlock *next;
	size_t size;
	bool mapped;		/* from mmap: unmap sizeof header + size */
	max_align_t data[];
};

enum {
	ARENA_MIN_BLOCK = 64 * 1024,
	ARENA_MAX_BLOCK = 8 * 1024 * 1024,
	ARENA_MAP_BLOCK = 1024 * 1024,	/* from this size on, mmap */
	ARENA_POPULATE = 256 * 1024,	/* fault in this much at a time: a
					   quarter of a CPU's L2 cache */
	ARENA_HUGE = 2 * 1024 * 1024,	/* a huge page on x86-64 and arm64 */
};

/* total bytes of fresh anonymous memory, starting at a multiple of
   `align` (a power of two): maps align - 1 bytes more, then unmaps the
   slack on either side. */
static void *map_aligned(size_t total, size_t align)
{
	size_t span = total + align - 1;
	char *m = mmap(NULL, span, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	char *start = (char *)(((uintptr_t)m + align - 1) & ~(align - 1));
	char *end = (char *)(((uintptr_t)start + total + page - 1) & ~(page - 1));
	if (start > m)
		munmap(m, (size_t)(start - m));
	if (end < m + span)
		munmap(end, (size_t)(m + span - end));
	return start;
}

static ArenaBlock *alloc_block(size_t size)
{
	size_t total = sizeof(ArenaBlock) + size;
	if (size >= ARENA_MAP_BLOCK) {
		bool huge = size >= ARENA_HUGE;
		ArenaBlock *b = map_aligned(total, huge ? ARENA_HUGE : 1);
		if (b) {
#ifdef MADV_HUGEPAGE
			if (huge)
				madvise(b, total, MADV_HUGEPAGE);
#endif
			b->mapped = true;
			return b;
		}
	}
	ArenaBlock *b = calloc(1, total);
	if (!b)
		out_of_memory(total);
	return b;
}

/*
 * Faults in the pages of a mapped block from `from` up to at least
 * `want` (ARENA_POPULATE at a time, no further than `limit`), and
 * returns where that ends.  Without MADV_POPULATE_WRITE (a kernel older
 * than 5.14) the pages fault in as they are touched instead.
 */
static char *populate(char *from, char *want, char *limit)
{
	char *to = from + ARENA_POPULATE;
	if (to < want)
		to = want;
	if (to > limit)
		to = limit;
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)from & ~(page - 1);
	madvise((void *)start, (uintptr_t)to - start, MADV_POPULATE_WRITE);
#endif
	return to;
}

/* n bytes from the head block's next populated stretch, or else from a
   new head block, twice the size of the last; what the last one had
   left is not used. */
void *arena_alloc_slow(Arena *a, size_t n)
{
	ArenaBlock *h = a->head;
	char *limit = h ? (char *)h->data + h->size : NULL;
	if (h && h->mapped && (size_t)(limit - a->cur) >= n) {
		a->end = populate(a->end, a->cur + n, limit);
		void *p = a->cur;
		a->cur += n;
		a->used_total += n;
		return p;
	}
	size_t size = h ? h->size * 2 : ARENA_MIN_BLOCK;
	if (size > ARENA_MAX_BLOCK)
		size = ARENA_MAX_BLOCK;
	if (size < n)
		size = n;
	ArenaBlock *b = alloc_block(size);
	b->next = h;
	b->size = size;
	a->head = b;
	a->cur = (char *)b->data + n;
	a->end = (char *)b->data + size;
	if (b->mapped)
		a->end = populate((char *)b->data, a->cur, a->end);
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

/* The adopted blocks go in behind a's head, which stays the block that
   arena_alloc bumps. */
void arena_adopt(Arena *a, Arena *from)
{
	ArenaBlock *last = from->head;
	if (!last)
		return;
	while (last->next)
		last = last->next;
	if (a->head) {
		last->next = a->head->next;
		a->head->next = from->head;
	} else {
		a->head = from->head;
	}
	a->used_total += from->used_total;
	*from = (Arena){ 0 };
}

void arena_free(Arena *a)
{
	while (a->head) {
		ArenaBlock *b = a->head;
		a->head = b->next;
		if (b->mapped)
			munmap(b, sizeof *b + b->size);
		else
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

/*
 * A large script may be mapped rather than read: its pages are already in
 * the page cache, and mapping them costs no copy and no fresh zeroed
 * memory, where reading 5 MB costs a few ms of page faults before the
 * first byte is scanned.  The mapping is private and read-only; the
 * bytes past the end of the file up to the page boundary read as zero,
 * which is the NUL every text ends with, so a file whose size is a
 * multiple of the page size is read instead.  Should the file shrink
 * while it is mapped, touching the lost pages raises SIGBUS, which ends
 * the run with a message rather than a crash.
 */
enum { MAP_MIN_FILE = 256 * 1024 };

static void lost_file_pages(int sig)
{
	static const char msg[] = SONDE_NAME
		": error: a script file was truncated while sonde read it\n";
	(void)sig;
	ssize_t r = write(2, msg, sizeof msg - 1);
	(void)r;
	_exit(1);
}

static char *map_fd(int fd, size_t *len_out)
{
	struct stat st;
	long page = sysconf(_SC_PAGESIZE);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < MAP_MIN_FILE || page <= 0 || st.st_size % page == 0)
		return NULL;
	char *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			  fd, 0);
	if (text == MAP_FAILED)
		return NULL;
	static bool handler;
	if (!handler) {
		struct sigaction sa = { .sa_handler = lost_file_pages };
		sigaction(SIGBUS, &sa, NULL);
		handler = true;
	}
	*len_out = (size_t)st.st_size;
	return text;
}

/* mapped_out may be NULL: then the file is always read. */
char *load_file(const char *path, size_t *len_out, size_t *mapped_out)
{
	if (mapped_out)
		*mapped_out = 0;
	if (strcmp(path, "-") == 0)
		return read_fd(0, len_out);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = mapped_out ? map_fd(fileno(f), len_out) : NULL;
	if (text)
		*mapped_out = *len_out;
	else
		text = read_fd(fileno(f), len_out);
	int saved = errno;
	fclose(f);
	errno = saved;
	return text;
}

char *read_file(const char *path, size_t *len_out)
{
	return load_file(path, len_out, NULL);
}

void unload_file(char *text, size_t mapped)
{
	if (mapped)
		munmap(text, mapped);
	else
		free(text);
}

void strlist_push(StrList *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = s;
}
