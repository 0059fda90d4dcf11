/*
 * cache.c - the build cache and the hashes that key it.
 *
 * Entries live in ${XDG_CACHE_HOME:-~/.cache}/sonde/SUB/KEY/FILE, where
 * KEY hashes everything the file depends on (build.c decides what goes
 * in): modules/KEY/NAME.ko for whole modules, runtime/KEY/ for the
 * runtime object every module links.  Entries are written to a
 * temporary name and renamed, so a reader never sees half a module and
 * two concurrent builds of the same key both succeed.
 *
 * The hash is two independent 64-bit FNV-1a streams: not cryptographic,
 * but a cache key only has to tell inputs apart.
 */
#include "kbuild/build_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cache_dir(const char *sub)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base = xdg && *xdg ? xasprintf("%s/sonde", xdg)
				 : xasprintf("%s/.cache/sonde", home ? home : "/tmp");
	char *dir = xasprintf("%s/%s", base, sub);
	/* mkdir -p of the two or three levels below an existing root */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(dir, 0755);
		*p = '/';
	}
	free(base);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* --------------------------------------------------------------- hash */

void hash_init(Hash *h)
{
	h->a = 0xcbf29ce484222325ULL;
	h->b = 0x84222325cbf29ce4ULL;
}

void hash_bytes(Hash *h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ c[i]) * 0x100000001b3ULL;
		h->b = (h->b ^ (unsigned char)(c[i] + 0x5b)) * 0x100000001b3ULL;
	}
}

void hash_str(Hash *h, const char *s)
{
	uint64_t n = s ? strlen(s) : UINT64_MAX;
	hash_bytes(h, &n, sizeof n);
	if (s)
		hash_bytes(h, s, strlen(s));
}

void hash_hex(const Hash *h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h->a,
		 (unsigned long long)h->b);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hash_dir(Hash *h, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	StrList names = {0};
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			strlist_push(&names, xstrdup(e->d_name));
	closedir(d);
	qsort(names.v, names.n, sizeof *names.v, name_cmp);
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		size_t len;
		char *text = read_file(path, &len);
		hash_str(h, names.v[i]);
		if (text)
			hash_bytes(h, text, len);
		free(text);
		free(path);
		free((char *)names.v[i]);
	}
	free(names.v);
}

/* ------------------------------------------------------------ entries */

char *cache_lookup(const char *sub, const char *key, const char *file)
{
	char *dir = cache_dir(sub);
	if (!dir)
		return NULL;
	char *path = xasprintf("%s/%s/%s", dir, key, file);
	free(dir);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

char *cache_store(const char *sub, const char *key, const char *file,
		  const char *from)
{
	char *dir = cache_dir(sub);
	if (!dir)
		return NULL;
	char *kdir = xasprintf("%s/%s", dir, key);
	char *path = xasprintf("%s/%s", kdir, file);
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	size_t len;
	char *data = read_file(from, &len);
	bool ok = data && (mkdir(kdir, 0755) == 0 || errno == EEXIST) &&
		  write_file(tmp, data, len) && rename(tmp, path) == 0;
	if (!ok) {
		unlink(tmp);
		free(path);
		path = NULL;
	}
	free(data);
	free(tmp);
	free(kdir);
	free(dir);
	return path;
}
