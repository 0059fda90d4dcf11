/*
 * test_ksyms.c - unit tests of the kernel symbol table loader, against
 * the installed Debian cloud kernel (its -dbg package has the real map).
 */
#include "ksyms.h"

#include <dirent.h>
#include <string.h>

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
	KSymsStatus st = ksyms_load(&k, "0.0.0-nonexistent", &why);
	check(st == KSYMS_NO_SOURCE && strstr(why.data, "linux-image-0.0.0-nonexistent-dbg"),
	      "missing-release-names-package", why.data ? why.data : "(no message)");
	sb_free(&why);
}

static void test_real_release(const char *release)
{
	KSyms k;
	StrBuf why = {0};
	if (ksyms_load(&k, release, &why) != KSYMS_OK) {
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
	ksyms_free(&k);
	sb_free(&why);
}

int main(void)
{
	test_missing_release();
	const char *release = find_release();
	if (release)
		test_real_release(release);
	else
		printf("SKIP unit/ksyms/real: no kernel -dbg package installed\n");
	return 0;
}
