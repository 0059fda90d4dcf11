/*
 * ksyms.c - function symbols of a target kernel.
 *
 * Debian ships /boot/System.map-R as a one-line placeholder; the real map
 * is in the linux-image-R-dbg package, whose vmlinux also has a symtab.
 * A live kernel has /proc/kallsyms.  Only text symbols (type t/T) are
 * kept: those are what kprobes can be placed on.  The list is sorted so
 * that exact lookups are a binary search and glob listings come out in
 * a stable order.
 */
#include "ksyms.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

typedef struct Names {
	const char **v;
	size_t n, cap;
} Names;

static void names_add(KSyms *k, Names *l, const char *name, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = arena_strndup(&k->arena, name, len);
}

/* Parses "ADDR TYPE NAME[\t[module]]" lines; skips module symbols. */
static void parse_map(KSyms *k, Names *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
		if (sp1 && eol - sp1 > 3 && (sp1[1] == 't' || sp1[1] == 'T') &&
		    sp1[2] == ' ') {
			const char *name = sp1 + 3;
			const char *stop = memchr(name, '\t', (size_t)(eol - name));
			if (!stop)
				names_add(k, l, name, (size_t)(eol - name));
		}
		p = eol + 1;
	}
}

static bool is_placeholder(const char *text)
{
	return strstr(text, "The real System.map is in") != NULL;
}

static bool load_map(KSyms *k, Names *l, const char *path)
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

/* Function symbols from an ELF symtab (the debug vmlinux). */
static bool load_elf(KSyms *k, Names *l, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < count; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && *name)
				names_add(k, l, name, strlen(name));
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return l->n > 0;
}

static bool is_running(const char *release)
{
	struct utsname u;
	return uname(&u) == 0 && strcmp(u.release, release) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_unique(KSyms *k, Names *l)
{
	qsort(l->v, l->n, sizeof *l->v, cmp_names);
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++)
		if (out == 0 || strcmp(l->v[out - 1], l->v[i]) != 0)
			l->v[out++] = l->v[i];
	k->names = l->v;
	k->n = out;
}

KSymsStatus ksyms_load(KSyms *k, const char *release, StrBuf *why)
{
	memset(k, 0, sizeof *k);
	Names l = {0};
	char *paths[4] = {
		xasprintf("/usr/lib/debug/boot/System.map-%s", release),
		xasprintf("/boot/System.map-%s", release),
		xasprintf("/usr/lib/debug/boot/vmlinux-%s", release),
		xasprintf("/usr/lib/debug/lib/modules/%s/vmlinux", release),
	};
	const char *source = NULL;
	if (load_map(k, &l, paths[0]))
		source = paths[0];
	else if (load_map(k, &l, paths[1]))
		source = paths[1];
	else if (load_elf(k, &l, paths[2]))
		source = paths[2];
	else if (load_elf(k, &l, paths[3]))
		source = paths[3];
	else if (is_running(release) && load_map(k, &l, "/proc/kallsyms"))
		source = "/proc/kallsyms";
	k->source = source ? arena_strdup(&k->arena, source) : NULL;
	for (int i = 0; i < 4; i++)
		free(paths[i]);
	if (!source) {
		free(l.v);
		sb_printf(why, "no symbol table for kernel %s: install "
			  "linux-image-%s-dbg (it has the real System.map)",
			  release, release);
		return KSYMS_NO_SOURCE;
	}
	sort_unique(k, &l);
	return KSYMS_OK;
}

bool ksyms_has(const KSyms *k, const char *name)
{
	return bsearch(&name, k->names, k->n, sizeof *k->names, cmp_names) != NULL;
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
	for (size_t i = lo; i < k->n && !strncmp(k->names[i], glob, plen); i++) {
		if (fnmatch(glob, k->names[i], 0) == 0) {
			if (fn)
				fn(k->names[i], arg);
			count++;
		}
	}
	return count;
}

void ksyms_free(KSyms *k)
{
	free(k->names);
	arena_free(&k->arena);
	memset(k, 0, sizeof *k);
}
