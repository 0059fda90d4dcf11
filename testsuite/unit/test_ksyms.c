/*
 * test_ksyms.c - unit tests of the kernel symbol table loader: small
 * maps written here (blacklisted ranges, the cache and its invalidation)
 * and the installed Debian cloud kernel (its -dbg package has the real
 * map).
 */
#include "debuginfo/ksyms.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(bool ok, const char *name, const char *detail)
{
	printf("%s unit/ksyms/%s\n", ok ? "PASS" : "FAIL", name);
	if (!ok) {
		printf("  %s\n", detail);
		failures++;
	}
}

/* The newest release with a debug System.map, or NULL. */
static const char *find_release(void)
{
	static char best[256];
	DIR *d = opendir("/usr/lib/debug/boot");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "System.map-", 11) &&
		    strcmp(e->d_name + 11, best) > 0)
			snprintf(best, sizeof best, "%s", e->d_name + 11);
	if (d)
		closedir(d);
	return best[0] ? best : NULL;
}

static void count_cb(const char *name, void *arg)
{
	(void)name;
	++*(int *)arg;
}

static void test_missing_release(void)
{
	KSyms k;
	StrBuf why = {0};
	KSymsStatus st = ksyms_load(&k, "0.0.0-nonexistent", NULL, &why);
	check(st == KSYMS_NO_SOURCE && strstr(why.data, "linux-image-0.0.0-nonexistent-dbg"),
	      "missing-release-names-package", why.data ? why.data : "(no message)");
	sb_free(&why);
}

static void test_real_release(const char *release)
{
	KSyms k;
	StrBuf why = {0};
	if (ksyms_load(&k, release, NULL, &why) != KSYMS_OK) {
		check(false, "load", why.data);
		return;
	}
	check(k.n > 10000, "many-symbols", "fewer than 10000 text symbols");
	check(ksyms_has(&k, "vfs_read"), "has-vfs_read", "vfs_read not found");
	check(!ksyms_has(&k, "no_such_function_xyz"), "not-has", "found a bogus name");
	int n = 0;
	size_t c = ksyms_glob(&k, "vfs_rea*", count_cb, &n);
	check(c >= 2 && n == (int)c, "glob-prefix", "vfs_rea* matched fewer than 2");
	c = ksyms_glob(&k, "*_sys_getppid", NULL, NULL);
	check(c >= 1, "glob-leading-star", "*_sys_getppid matched nothing");
	bool sorted = true;
	for (size_t i = 1; i < k.n; i++)
		sorted &= strcmp(k.names[i - 1], k.names[i]) < 0;
	check(sorted, "sorted-unique", "names not strictly sorted");
	check(ksyms_class(&k, "entry_SYSCALL_64") == KSYM_PROTECTED,
	      "entry-text-protected", "entry_SYSCALL_64 is not protected");
	check(ksyms_class(&k, "start_kernel") == KSYM_INIT, "init-text",
	      "start_kernel is not init text");
	check(ksyms_class(&k, "vfs_read") == KSYM_PROBEABLE, "vfs_read-probeable",
	      "vfs_read is not probe-able");
	if (access("/usr/lib/debug/boot", R_OK) == 0 && strstr(k.source, "System.map"))
		check(ksyms_class(&k, "notify_die") == KSYM_PROTECTED,
		      "nokprobe-symbol", "notify_die (NOKPROBE_SYMBOL) is not protected");
	ksyms_free(&k);
	sb_free(&why);
}

/* ----------------------------------------------- maps written here */

static char dir[] = "/tmp/sonde-ksyms-XXXXXX";

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static const char map_a[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 T zeta\n"
	"ffffffff81000200 t alpha\n"
	"ffffffff81000300 D some_data\n"
	"ffffffff81000400 T __noinstr_text_start\n"
	"ffffffff81000400 T quiet_fn\n"
	"ffffffff81000500 T __noinstr_text_end\n"
	"ffffffff81000600 T __entry_text_start\n"
	"ffffffff81000600 t entry_fn\n"
	"ffffffff81000700 T __entry_text_end\n"
	"ffffffff81000800 t alpha\n"
	"ffffffff81000900 T _sinittext\n"
	"ffffffff81000900 T boot_fn\n"
	"ffffffff81000a00 T _einittext\n"
	"ffffffff81000b00 t mod_fn\t[somemod]\n";

static KSymsStatus load(KSyms *k, const char *map, const char *cache)
{
	KSymsSource src = { map, KSYMS_MAP };
	return ksyms_load_from(k, &src, 1, cache);
}

static void test_classes(void)
{
	char *map = path_in("System.map");
	write_text(map, map_a);
	KSyms k;
	bool ok = load(&k, map, NULL) == KSYMS_OK;
	check(ok && k.n == 12, "fake-count", "expected 12 unique text symbols");
	check(ok && ksyms_class(&k, "alpha") == KSYM_PROBEABLE, "fake-probeable",
	      "alpha");
	check(ok && ksyms_class(&k, "quiet_fn") == KSYM_PROTECTED, "fake-noinstr",
	      "quiet_fn is in .noinstr.text");
	check(ok && ksyms_class(&k, "__noinstr_text_end") == KSYM_PROBEABLE,
	      "fake-range-end-open", "a range's end marker is outside it");
	check(ok && ksyms_class(&k, "entry_fn") == KSYM_PROTECTED, "fake-entry",
	      "entry_fn is in .entry.text");
	check(ok && ksyms_class(&k, "boot_fn") == KSYM_INIT, "fake-init",
	      "boot_fn is init text");
	check(ok && ksyms_class(&k, "mod_fn") == KSYM_ABSENT &&
	      ksyms_class(&k, "some_data") == KSYM_ABSENT, "fake-absent",
	      "module and data symbols are not kernel functions");
	int n = 0;
	ksyms_glob(&k, "*", count_cb, &n);
	check(ok && n == 6, "glob-skips-blocked", "a glob must skip protected and init text");
	if (ok)
		ksyms_free(&k);
	free(map);
}

static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	utimensat(AT_FDCWD, path, ts, 0);
}

static void test_cache(void)
{
	char *map = path_in("System.map"), *cache = path_in("cache/sub/ksyms");
	write_text(map, map_a);
	set_mtime(map, 1000000);
	KSyms k;
	load(&k, map, cache);
	check(!k.from_cache && access(cache, R_OK) == 0, "cache-written",
	      "the first load must parse and write the cache");
	ksyms_free(&k);
	load(&k, map, cache);
	check(k.from_cache && k.n == 12 && ksyms_class(&k, "quiet_fn") == KSYM_PROTECTED &&
	      ksyms_has(&k, "zeta"), "cache-reused", "the second load must map the cache");
	ksyms_free(&k);

	/* Same size, new mtime: stale. */
	FILE *f = fopen(map, "r+");
	fseek(f, (long)(strstr(map_a, "zeta") - map_a), SEEK_SET);
	fputs("zetb", f);
	fclose(f);
	set_mtime(map, 2000000);
	load(&k, map, cache);
	check(!k.from_cache && ksyms_has(&k, "zetb") && !ksyms_has(&k, "zeta"),
	      "stale-mtime-rebuilt", "a changed mtime must rebuild the cache");
	ksyms_free(&k);
	load(&k, map, cache);
	check(k.from_cache && ksyms_has(&k, "zetb"), "rebuilt-cache-reused",
	      "the rebuilt cache must be used next time");
	ksyms_free(&k);

	/* New size, same mtime: stale. */
	write_text(map, "ffffffff81000100 T only_one\n");
	set_mtime(map, 2000000);
	load(&k, map, cache);
	check(!k.from_cache && k.n == 1 && ksyms_has(&k, "only_one"),
	      "stale-size-rebuilt", "a changed size must rebuild the cache");
	ksyms_free(&k);

	/* A truncated cache is ignored and replaced. */
	truncate(cache, 100);
	load(&k, map, cache);
	check(!k.from_cache && k.n == 1, "corrupt-cache-rebuilt",
	      "a malformed cache must be ignored");
	ksyms_free(&k);
	load(&k, map, cache);
	check(k.from_cache && k.n == 1, "corrupt-cache-replaced",
	      "the malformed cache must be rewritten");
	ksyms_free(&k);
	free(map);
	free(cache);
}

static void test_placeholder(void)
{
	char *ph = path_in("placeholder"), *map = path_in("System.map");
	write_text(ph, "ffffffffffffffff B The real System.map is in the linux-image-R-dbg package\n");
	write_text(map, map_a);
	KSymsSource src[2] = { { ph, KSYMS_MAP }, { map, KSYMS_MAP } };
	KSyms k;
	bool ok = ksyms_load_from(&k, src, 2, NULL) == KSYMS_OK;
	check(ok && !strcmp(k.source, map), "placeholder-skipped",
	      "Debian's placeholder map must be skipped");
	if (ok)
		ksyms_free(&k);
	free(ph);
	free(map);
}

int main(void)
{
	if (mkdtemp(dir)) {
		test_classes();
		test_cache();
		test_placeholder();
		char *cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("  could not remove %s\n", dir);
		free(cmd);
	}
	test_missing_release();
	const char *release = find_release();
	if (release)
		test_real_release(release);
	else
		printf("SKIP unit/ksyms/real: no kernel -dbg package installed\n");
	return 0;
}
