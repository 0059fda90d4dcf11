/*
 * ksyms.c - function symbols of a target kernel, and which of them the
 * kernel refuses to kprobe.
 *
 * Debian ships /boot/System.map-R as a one-line placeholder; the real map
 * is in the linux-image-R-dbg package, whose vmlinux also has a symtab.
 * A live kernel has /proc/kallsyms.  Only text symbols (type t/T) are
 * kept: those are what kprobes can be placed on.  The list is sorted so
 * that exact lookups are a binary search and glob listings come out in
 * a stable order.
 *
 * The kernel rejects kprobes in its kprobe blacklist: the sections
 * .kprobes.text, .noinstr.text and .entry.text, bounded by marker symbols
 * (__kprobes_text_start/_end ...) that the map lists with addresses, and
 * the functions named by NOKPROBE_SYMBOL(), whose addresses sit between
 * __start_kprobe_blacklist and __stop_kprobe_blacklist in the data of
 * the debug vmlinux.  Init text is freed after boot and cannot be probed
 * either.  Each symbol gets a KSymClass from these.
 *
 * Parsing a 3.5 MB map and sorting it costs more than the rest of a
 * listing, so the result is cached in a binary file: a header naming the
 * source and the mtime and size of it (and of the vmlinux read for the
 * blacklist), then n 32-bit name offsets, n class bytes and the names,
 * NUL-terminated, in sorted order.  A run maps the file and points into
 * it; any difference in the stamps, or a malformed file, means a rebuild.
 */
#include "debuginfo/ksyms.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* ------------------------------------------------------------ parsing */

typedef struct Sym {
	const char *name;
	uint64_t addr;
	uint8_t cls;
} Sym;

/* Marker symbols bounding address ranges, in pairs: start, end. */
enum { M_KPROBES, M_NOINSTR, M_ENTRY, M_INIT, M_NOKPROBE, NMARKS };
static const struct {
	const char *start, *end;
	KSymClass cls;
} marks[NMARKS] = {
	[M_KPROBES] = { "__kprobes_text_start", "__kprobes_text_end", KSYM_PROTECTED },
	[M_NOINSTR] = { "__noinstr_text_start", "__noinstr_text_end", KSYM_PROTECTED },
	[M_ENTRY] = { "__entry_text_start", "__entry_text_end", KSYM_PROTECTED },
	[M_INIT] = { "_sinittext", "_einittext", KSYM_INIT },
	/* not text: an array of the addresses of NOKPROBE_SYMBOL()s */
	[M_NOKPROBE] = { "__start_kprobe_blacklist", "__stop_kprobe_blacklist",
			 KSYM_PROTECTED },
};

typedef struct Syms {
	Sym *v;
	size_t n, cap;
	uint64_t at[NMARKS][2];	/* marker addresses; valid if seen */
	uint8_t seen[NMARKS];	/* bit 0: start seen, bit 1: end seen */
} Syms;

static void note_marker(Syms *l, const char *name, size_t len, uint64_t addr)
{
	if (name[0] != '_')
		return;
	for (int i = 0; i < NMARKS; i++)
		for (int end = 0; end < 2; end++) {
			const char *m = end ? marks[i].end : marks[i].start;
			if (strlen(m) == len && !memcmp(m, name, len)) {
				l->at[i][end] = addr;
				l->seen[i] |= (uint8_t)(1 << end);
			}
		}
}

static void add_sym(KSyms *k, Syms *l, const char *name, size_t len,
		    uint64_t addr)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = (Sym){ arena_strndup(&k->arena, name, len), addr,
			      KSYM_PROBEABLE };
}

/* One "ADDR TYPE NAME[\t[module]]" line; module symbols are skipped. */
static void parse_line(KSyms *k, Syms *l, const char *p, const char *eol)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1 || eol - sp1 <= 3 || sp1[2] != ' ')
		return;
	const char *name = sp1 + 3;
	if (memchr(name, '\t', (size_t)(eol - name)))
		return;
	uint64_t addr = strtoull(p, NULL, 16);
	size_t len = (size_t)(eol - name);
	note_marker(l, name, len, addr);
	if (sp1[1] == 't' || sp1[1] == 'T')
		add_sym(k, l, name, len, addr);
}

static void parse_map(KSyms *k, Syms *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		parse_line(k, l, p, eol);
		p = eol + 1;
	}
}

static bool is_placeholder(const char *text)
{
	return strstr(text, "The real System.map is in") != NULL;
}

static bool load_map(KSyms *k, Syms *l, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return false;
	bool ok = !is_placeholder(text);
	if (ok)
		parse_map(k, l, text, len);
	free(text);
	return ok && l->n > 0;
}

static Elf *open_elf(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		close(*fd);
	return elf;
}

static void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

static void load_symtab(KSyms *k, Syms *l, Elf *elf, Elf_Scn *scn,
			const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (size_t i = 0; data && i < count; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		size_t len = strlen(name);
		note_marker(l, name, len, sym.st_value);
		if (GELF_ST_TYPE(sym.st_info) == STT_FUNC)
			add_sym(k, l, name, len, sym.st_value);
	}
}

/* Function symbols from an ELF symtab (the debug vmlinux). */
static bool load_elf(KSyms *k, Syms *l, const char *path)
{
	int fd;
	Elf *elf = open_elf(path, &fd);
	if (!elf)
		return false;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			load_symtab(k, l, elf, scn, &sh);
	}
	close_elf(elf, fd);
	return l->n > 0;
}

/* ---------------------------------------------------------- blacklist */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The NOKPROBE_SYMBOL() addresses, read from the vmlinux at `path`
   (64-bit, same byte order as this host); NULL if unavailable. */
static uint64_t *read_nokprobe(const char *path, uint64_t start,
			       uint64_t stop, size_t *n)
{
	int fd;
	Elf *elf = path && stop > start ? open_elf(path, &fd) : NULL;
	uint64_t *v = NULL;
	Elf_Scn *scn = NULL;
	while (elf && !v && gelf_getclass(elf) == ELFCLASS64 &&
	       (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    start < sh.sh_addr || stop > sh.sh_addr + sh.sh_size)
			continue;
		size_t len = (size_t)(stop - start);
		v = xmalloc(len);
		if (pread(fd, v, len, (off_t)(sh.sh_offset + start - sh.sh_addr)) !=
		    (ssize_t)len) {
			free(v);
			v = NULL;
			break;
		}
		*n = len / sizeof *v;
	}
	if (elf)
		close_elf(elf, fd);
	return v;
}

static void classify(Syms *l, const char *vmlinux)
{
	for (int m = 0; m < M_NOKPROBE; m++) {
		if (l->seen[m] != 3)
			continue;
		for (size_t i = 0; i < l->n; i++)
			if (l->v[i].addr >= l->at[m][0] && l->v[i].addr < l->at[m][1])
				l->v[i].cls = (uint8_t)marks[m].cls;
	}
	size_t nb = 0;
	uint64_t *bl = l->seen[M_NOKPROBE] == 3
			       ? read_nokprobe(vmlinux, l->at[M_NOKPROBE][0],
					       l->at[M_NOKPROBE][1], &nb)
			       : NULL;
	if (bl)
		qsort(bl, nb, sizeof *bl, cmp_u64);
	for (size_t i = 0; bl && i < l->n; i++)
		if (bsearch(&l->v[i].addr, bl, nb, sizeof *bl, cmp_u64))
			l->v[i].cls = KSYM_PROTECTED;
	free(bl);
}

static int cmp_sym(const void *a, const void *b)
{
	return strcmp(((const Sym *)a)->name, ((const Sym *)b)->name);
}

/* Sorts by name; a name defined more than once (static functions of
   several files) cannot be probed if any of its copies cannot. */
static void sort_unique(KSyms *k, Syms *l)
{
	qsort(l->v, l->n, sizeof *l->v, cmp_sym);
	const char **names = xmalloc((l->n ? l->n : 1) * sizeof *names);
	uint8_t *cls = arena_alloc(&k->arena, l->n ? l->n : 1);
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (out && !strcmp(names[out - 1], l->v[i].name)) {
			if (l->v[i].cls != KSYM_PROBEABLE)
				cls[out - 1] = l->v[i].cls;
			continue;
		}
		names[out] = l->v[i].name;
		cls[out++] = l->v[i].cls;
	}
	k->names = names;
	k->cls = cls;
	k->n = out;
}

/* -------------------------------------------------------------- cache */

typedef struct Stamp {
	int64_t mtime_s, mtime_ns, size;
} Stamp;

typedef struct CacheHead {
	char magic[8];
	uint64_t n, names_len;
	Stamp src, aux;		/* aux all zero: no vmlinux was read */
	char src_path[1024], aux_path[1024];
} CacheHead;

static const char cache_magic[8] = "sondeks1";

static Stamp stamp_of(const struct stat *st)
{
	return (Stamp){ st->st_mtim.tv_sec, st->st_mtim.tv_nsec, st->st_size };
}

static bool same_stamp(Stamp a, Stamp b)
{
	return a.mtime_s == b.mtime_s && a.mtime_ns == b.mtime_ns &&
	       a.size == b.size;
}

/* What the cache must record for `path` (the names' source, or the
   vmlinux read for the blacklist), so that it can be checked later. */
static bool fill_stamp(const char *path, char *out_path, Stamp *out)
{
	struct stat st;
	memset(out, 0, sizeof *out);
	out_path[0] = 0;
	if (!path || strlen(path) >= sizeof ((CacheHead *)0)->src_path ||
	    stat(path, &st) != 0)
		return false;
	strcpy(out_path, path);
	*out = stamp_of(&st);
	return true;
}

static bool head_valid(const CacheHead *h, size_t len, const CacheHead *want)
{
	if (len < sizeof *h || memcmp(h->magic, cache_magic, sizeof cache_magic) ||
	    h->n > UINT32_MAX || h->names_len == 0 || h->names_len > UINT32_MAX)
		return false;
	if (strncmp(h->src_path, want->src_path, sizeof h->src_path) ||
	    strncmp(h->aux_path, want->aux_path, sizeof h->aux_path) ||
	    !same_stamp(h->src, want->src) || !same_stamp(h->aux, want->aux))
		return false;
	return len == sizeof *h + h->n * 5 + h->names_len;
}

/* Points k into the mapped cache after checking every offset. */
static bool adopt_cache(KSyms *k, void *map, size_t len)
{
	const CacheHead *h = map;
	const uint32_t *off = (const uint32_t *)(h + 1);
	const uint8_t *cls = (const uint8_t *)(off + h->n);
	const char *names = (const char *)(cls + h->n);
	if (names[h->names_len - 1])
		return false;
	const char **v = xmalloc((h->n ? h->n : 1) * sizeof *v);
	for (size_t i = 0; i < h->n; i++) {
		if (off[i] >= h->names_len || cls[i] < KSYM_PROBEABLE ||
		    cls[i] > KSYM_INIT) {
			free(v);
			return false;
		}
		v[i] = names + off[i];
	}
	k->names = v;
	k->cls = cls;
	k->n = h->n;
	k->map = map;
	k->map_len = len;
	k->from_cache = true;
	return true;
}

static bool cache_read(KSyms *k, const char *path, const CacheHead *want)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	if (fd < 0)
		return false;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(CacheHead))
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	if (head_valid(map, (size_t)st.st_size, want) &&
	    adopt_cache(k, map, (size_t)st.st_size))
		return true;
	munmap(map, (size_t)st.st_size);
	return false;
}

static void make_parent(const char *path)
{
	char *dir = xstrdup(path);
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(dir, 0755);
		*p = '/';
	}
	free(dir);
}

static bool write_all(FILE *f, const void *p, size_t n)
{
	return n == 0 || fwrite(p, 1, n, f) == n;
}

/* Writes the cache next to its final name, then renames it into place,
   so that a concurrent reader sees the old file or the new one. */
static void cache_write(const KSyms *k, const char *path, CacheHead *h)
{
	make_parent(path);
	char *tmp = xasprintf("%s.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	uint32_t *off = xmalloc((k->n ? k->n : 1) * sizeof *off);
	uint64_t len = 0;
	for (size_t i = 0; i < k->n; i++) {
		off[i] = (uint32_t)len;
		len += strlen(k->names[i]) + 1;
	}
	memcpy(h->magic, cache_magic, sizeof cache_magic);
	h->n = k->n;
	h->names_len = len;
	bool ok = f && len <= UINT32_MAX && write_all(f, h, sizeof *h) &&
		  write_all(f, off, k->n * sizeof *off) &&
		  write_all(f, k->cls, k->n);
	for (size_t i = 0; ok && i < k->n; i++)
		ok = write_all(f, k->names[i], strlen(k->names[i]) + 1);
	if (f && fclose(f) == 0 && ok)
		rename(tmp, path);
	unlink(tmp);
	free(tmp);
	free(off);
}

/* ------------------------------------------------------------ loading */

static bool parse_source(KSyms *k, Syms *l, const KSymsSource *src)
{
	return src->format == KSYMS_ELF ? load_elf(k, l, src->path)
					: load_map(k, l, src->path);
}

static const char *first_elf(const KSymsSource *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (src[i].format == KSYMS_ELF && access(src[i].path, R_OK) == 0)
			return src[i].path;
	return NULL;
}

/* Tries one source: the cache if it matches, else the file itself. */
static bool load_one(KSyms *k, const KSymsSource *src, const char *vmlinux,
		     const char *cache_file)
{
	CacheHead *want = xcalloc(1, sizeof *want);
	bool ok = false;
	/* A file without a size (/proc/kallsyms) cannot be stamped. */
	if (fill_stamp(src->path, want->src_path, &want->src) &&
	    want->src.size > 0) {
		fill_stamp(vmlinux, want->aux_path, &want->aux);
		ok = cache_read(k, cache_file, want);
	} else {
		cache_file = NULL;
	}
	if (!ok) {
		Syms l = {0};
		ok = parse_source(k, &l, src);
		if (ok) {
			classify(&l, vmlinux);
			sort_unique(k, &l);
			if (cache_file)
				cache_write(k, cache_file, want);
		}
		free(l.v);
	}
	free(want);
	return ok;
}

KSymsStatus ksyms_load_from(KSyms *k, const KSymsSource *src, size_t nsrc,
			    const char *cache_file)
{
	memset(k, 0, sizeof *k);
	const char *vmlinux = first_elf(src, nsrc);
	bool unreadable = false;
	for (size_t i = 0; i < nsrc; i++) {
		if (access(src[i].path, F_OK) != 0)
			continue;
		if (load_one(k, &src[i], vmlinux, cache_file)) {
			k->source = arena_strdup(&k->arena, src[i].path);
			return KSYMS_OK;
		}
		unreadable |= access(src[i].path, R_OK) != 0;
	}
	return unreadable ? KSYMS_UNREADABLE : KSYMS_NO_SOURCE;
}

static bool is_running(const char *release)
{
	struct utsname u;
	return uname(&u) == 0 && strcmp(u.release, release) == 0;
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

KSymsStatus ksyms_load(KSyms *k, const char *release, const char *cache_dir,
		       StrBuf *why)
{
	char *paths[4] = {
		xasprintf("/usr/lib/debug/boot/System.map-%s", release),
		xasprintf("/boot/System.map-%s", release),
		xasprintf("/usr/lib/debug/boot/vmlinux-%s", release),
		xasprintf("/usr/lib/debug/lib/modules/%s/vmlinux", release),
	};
	KSymsSource src[5] = {
		{ paths[0], KSYMS_MAP }, { paths[1], KSYMS_MAP },
		{ paths[2], KSYMS_ELF }, { paths[3], KSYMS_ELF },
		{ "/proc/kallsyms", KSYMS_MAP },
	};
	char *cache = cache_dir ? xasprintf("%s/ksyms-%016llx", cache_dir,
					    (unsigned long long)fnv(release))
				: NULL;
	KSymsStatus st = ksyms_load_from(k, src, is_running(release) ? 5 : 4,
					 cache);
	if (st == KSYMS_NO_SOURCE)
		sb_printf(why, "no symbol table for kernel %s: install "
			  "linux-image-%s-dbg (it has the real System.map)",
			  release, release);
	else if (st == KSYMS_UNREADABLE)
		sb_printf(why, "cannot read the symbol table of kernel %s: %s",
			  release, strerror(EACCES));
	free(cache);
	for (int i = 0; i < 4; i++)
		free(paths[i]);
	return st;
}

/* ------------------------------------------------------------ queries */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

KSymClass ksyms_class(const KSyms *k, const char *name)
{
	const char **at = bsearch(&name, k->names, k->n, sizeof *k->names,
				  cmp_names);
	return at ? (KSymClass)k->cls[at - k->names] : KSYM_ABSENT;
}

bool ksyms_has(const KSyms *k, const char *name)
{
	return ksyms_class(k, name) != KSYM_ABSENT;
}

/* A glob's literal prefix narrows the scan to a range of the sorted list. */
static size_t prefix_len(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

size_t ksyms_glob(const KSyms *k, const char *glob,
		  void (*fn)(const char *name, void *arg), void *arg)
{
	size_t plen = prefix_len(glob), lo = 0, hi = k->n, count = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(k->names[mid], glob, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool all = !strcmp(glob, "*");
	for (size_t i = lo; i < k->n && !strncmp(k->names[i], glob, plen); i++) {
		if (k->cls[i] != KSYM_PROBEABLE ||
		    (!all && fnmatch(glob, k->names[i], 0) != 0))
			continue;
		if (fn)
			fn(k->names[i], arg);
		count++;
	}
	return count;
}

void ksyms_free(KSyms *k)
{
	free(k->names);
	if (k->map)
		munmap(k->map, k->map_len);
	arena_free(&k->arena);
	memset(k, 0, sizeof *k);
}
