/*
 * tapset.c - the tapset library: finding files, the index, parsing.
 *
 * The library is every *.stp file in the tapset directory, its
 * per-architecture subdirectory, and each -I DIR (searched first, so a
 * user's file can stand in for a library one) with its own subdirectory.
 * *.stpm files hold @define macros for every script (tapset_add_macros).
 *
 * The index says which file defines each public function, global and
 * probe alias.  Building it means parsing every file, so it is cached in
 * ${XDG_CACHE_HOME:-~/.cache}/sonde/tapset-index-HASH (HASH over the
 * directories, target release and architecture, which conditionals in
 * the files may test) and rebuilt when any file's mtime or size differs
 * from what the cache recorded, or a file came or went.  A run then
 * parses only the files a script needs; files parsed while building the
 * index are kept, so nothing is parsed twice.
 *
 * Where the library is: $SONDE_TAPSET_DIR if set; else, for a binary
 * run from its build tree, the source tree's tapsets/; else the
 * installed directory.
 */
#include "elaborate/elab_int.h"
#include "parse/parse.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

typedef struct LibFile {
	char *path;
	long long mtime, size;
	bool macros;		/* .stpm */
	bool loaded;		/* handed out by tapset_parse */
	AstFile *ast;		/* parsed while indexing, or NULL */
} LibFile;

typedef struct Entry {
	char kind;		/* 'f', 'g', 'a' */
	char *name;
	size_t file;
} Entry;

struct TapsetLib {
	Session *s;
	const char *release, *arch;
	LibFile *files;
	size_t nfiles;
	Entry *entries;
	size_t nentries;
	bool indexed;
};

/* ------------------------------------------------------------ finding */

static const char *library_root(void)
{
	const char *env = getenv("SONDE_TAPSET_DIR");
	if (env && *env)
		return env;
#ifdef SONDE_SOURCE_TAPSET_DIR
	if (running_in_build_tree())
		return SONDE_SOURCE_TAPSET_DIR;
#endif
	return SONDE_TAPSET_DIR;
}

static const char *host_arch(const Session *s)
{
	static struct utsname u;
	if (s->arch)
		return s->arch;
	return uname(&u) == 0 ? u.machine : "x86_64";
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && !strcmp(s + n - m, suf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(TapsetLib *lib, char *path, bool macros)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return;
	}
	lib->files = xrealloc(lib->files, (lib->nfiles + 1) * sizeof *lib->files);
	lib->files[lib->nfiles++] = (LibFile){
		.path = path, .mtime = (long long)st.st_mtime,
		.size = (long long)st.st_size, .macros = macros,
	};
}

/* The *.stp and *.stpm files of one directory, in name order. */
static void scan_dir(TapsetLib *lib, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!has_suffix(de->d_name, ".stp") && !has_suffix(de->d_name, ".stpm"))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		add_file(lib, xasprintf("%s/%s", dir, names[i]),
			 has_suffix(names[i], ".stpm"));
		free(names[i]);
	}
	free(names);
}

static void scan_tree(TapsetLib *lib, const char *dir)
{
	scan_dir(lib, dir);
	char *sub = xasprintf("%s/%s", dir, lib->arch);
	scan_dir(lib, sub);
	free(sub);
}

static void scan(TapsetLib *lib)
{
	for (size_t i = 0; i < lib->s->include_dirs.n; i++)
		scan_tree(lib, lib->s->include_dirs.v[i]);
	scan_tree(lib, library_root());
}

/* -------------------------------------------------------------- cache */

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

static char *cache_path(TapsetLib *lib)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = xdg && *xdg ? xasprintf("%s/sonde", xdg)
		  : home ? xasprintf("%s/.cache/sonde", home) : NULL;
	if (!dir)
		return NULL;
	uint64_t h = fnv(fnv(fnv(14695981039346656037ull, lib->release),
			     lib->arch), library_root());
	for (size_t i = 0; i < lib->s->include_dirs.n; i++)
		h = fnv(h, lib->s->include_dirs.v[i]);
	char *path = xasprintf("%s/tapset-index-%016llx", dir,
			       (unsigned long long)h);
	free(dir);
	return path;
}

static void add_entry(TapsetLib *lib, char kind, const char *name,
		      size_t file)
{
	lib->entries = xrealloc(lib->entries,
				(lib->nentries + 1) * sizeof *lib->entries);
	lib->entries[lib->nentries++] = (Entry){ kind, xstrdup(name), file };
}

/* Reads a cached index; false if it is missing or stale. */
static bool read_index(TapsetLib *lib, const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return false;
	char line[4096];
	size_t seen = 0;
	bool ok = fgets(line, sizeof line, f) &&
		  !strcmp(line, "sonde-tapset-index 1\n");
	while (ok && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		long long mt, sz;
		size_t idx;
		char name[1024];
		if (sscanf(line, "S %lld %lld %1023s", &mt, &sz, name) == 3)
			ok = seen < lib->nfiles && lib->files[seen].mtime == mt &&
			     lib->files[seen].size == sz &&
			     !strcmp(lib->files[seen].path, name) && ++seen;
		else if (sscanf(line, "%*c %zu %1023s", &idx, name) == 2 &&
			 idx < lib->nfiles)
			add_entry(lib, line[0], name, idx);
		else
			ok = false;
	}
	fclose(f);
	return ok && seen == lib->nfiles;
}

static void write_index(TapsetLib *lib, const char *path)
{
	char *tmp = xasprintf("%s.%d", path, (int)getpid());
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = 0;
	char *parent = xstrdup(dir);
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = 0;
	mkdir(parent, 0755);
	mkdir(dir, 0755);
	FILE *f = fopen(tmp, "w");
	if (f) {
		fputs("sonde-tapset-index 1\n", f);
		for (size_t i = 0; i < lib->nfiles; i++)
			fprintf(f, "S %lld %lld %s\n", lib->files[i].mtime,
				lib->files[i].size, lib->files[i].path);
		for (size_t i = 0; i < lib->nentries; i++)
			fprintf(f, "%c %zu %s\n", lib->entries[i].kind,
				lib->entries[i].file, lib->entries[i].name);
		if (fclose(f) == 0)
			rename(tmp, path);
	}
	unlink(tmp);
	free(tmp);
	free(dir);
	free(parent);
}

/* ----------------------------------------------------------- indexing */

static AstFile *parse_path(TapsetLib *lib, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		diag_error(lib->s, "cannot read tapset '%s': %s", path,
			   strerror(errno));
		return NULL;
	}
	uint16_t f = src_add_owned(lib->s, arena_strdup(&lib->s->arena, path),
				   text, len);
	lib->s->files[f].is_tapset = true;
	return parse_file(lib->s, f);
}

static void alias_name(const ProbePoint *pp, StrBuf *b)
{
	sb_clear(b);
	for (uint32_t i = 0; i < pp->n; i++)
		sb_printf(b, "%s%s", i ? "." : "", pp->comps[i].name);
}

static void index_file(TapsetLib *lib, size_t i)
{
	LibFile *lf = &lib->files[i];
	lf->ast = parse_path(lib, lf->path);
	StrBuf b = {0};
	for (uint32_t j = 0; lf->ast && j < lf->ast->n; j++) {
		const Decl *d = lf->ast->decls[j];
		if (d->kind == D_FUNCTION && !(d->flags & DF_PRIVATE))
			add_entry(lib, 'f', d->func.name, i);
		else if (d->kind == D_GLOBAL && !(d->flags & DF_PRIVATE))
			add_entry(lib, 'g', d->global.name, i);
		else if (d->kind == D_ALIAS) {
			alias_name(d->probe.alias, &b);
			add_entry(lib, 'a', b.data, i);
		}
	}
	sb_free(&b);
}

static void build_index(TapsetLib *lib)
{
	for (size_t i = 0; i < lib->nfiles; i++)
		if (!lib->files[i].macros)
			index_file(lib, i);
}

static void ensure_index(TapsetLib *lib)
{
	if (lib->indexed)
		return;
	lib->indexed = true;
	char *path = lib->s->disable_cache ? NULL : cache_path(lib);
	if (!read_index(lib, path)) {
		for (size_t i = 0; i < lib->nentries; i++)
			free(lib->entries[i].name);
		lib->nentries = 0;
		build_index(lib);
		if (path)
			write_index(lib, path);
	}
	free(path);
}

/* ------------------------------------------------------------- public */

TapsetLib *tapset_open(Session *s, const char *release)
{
	TapsetLib *lib = xcalloc(1, sizeof *lib);
	lib->s = s;
	lib->release = release;
	lib->arch = host_arch(s);
	scan(lib);
	return lib;
}

void tapset_close(TapsetLib *lib)
{
	for (size_t i = 0; i < lib->nfiles; i++)
		free(lib->files[i].path);
	for (size_t i = 0; i < lib->nentries; i++)
		free(lib->entries[i].name);
	free(lib->files);
	free(lib->entries);
	free(lib);
}

const char *tapset_lookup(TapsetLib *lib, char kind, const char *name)
{
	ensure_index(lib);
	for (size_t i = 0; i < lib->nentries; i++)
		if (lib->entries[i].kind == kind &&
		    !strcmp(lib->entries[i].name, name))
			return lib->files[lib->entries[i].file].path;
	return NULL;
}

const char *tapset_next_alias(TapsetLib *lib, size_t *iter, const char **file)
{
	ensure_index(lib);
	for (; *iter < lib->nentries; (*iter)++) {
		Entry *en = &lib->entries[*iter];
		if (en->kind == 'a') {
			(*iter)++;
			*file = lib->files[en->file].path;
			return en->name;
		}
	}
	return NULL;
}

AstFile *tapset_parse(TapsetLib *lib, const char *path)
{
	for (size_t i = 0; i < lib->nfiles; i++) {
		LibFile *lf = &lib->files[i];
		if (strcmp(lf->path, path))
			continue;
		if (lf->loaded)
			return NULL;
		lf->loaded = true;
		return lf->ast ? lf->ast : parse_path(lib, path);
	}
	return NULL;
}

const char *tapset_file(TapsetLib *lib, size_t i)
{
	size_t k = 0;
	for (size_t j = 0; j < lib->nfiles; j++)
		if (!lib->files[j].macros && k++ == i)
			return lib->files[j].path;
	return NULL;
}

void tapset_add_macros(Session *s)
{
	TapsetLib *lib = tapset_open(s, "");
	for (size_t i = 0; i < lib->nfiles; i++) {
		if (!lib->files[i].macros)
			continue;
		size_t len;
		char *text = read_file(lib->files[i].path, &len);
		if (!text)
			continue;
		uint16_t f = src_add_owned(s, arena_strdup(&s->arena,
					   lib->files[i].path), text, len);
		s->files[f].is_tapset = true;
		pp_add_library_macros(s, f);
	}
	tapset_close(lib);
}
