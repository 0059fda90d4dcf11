/*
 * build.c - pass 4: the module's C text to a loadable .ko.
 *
 * The target kernel is -r RELEASE (or -r DIR, a kbuild tree), else the
 * running one.  The build key hashes sonde's version, the C text, the
 * kernel feature header, the release and its kbuild tree, the runtime
 * sources and the options that reach the compiler (-D, -B, -m); a
 * module cached under that key is returned without running kbuild
 * (--disable-cache skips the cache both ways).  Otherwise a temporary
 * directory gets the generated file, the runtime sources and a Kbuild
 * file, and the kernel's own kbuild compiles it with -Werror and as many
 * jobs as there are CPUs.  -k keeps that directory; -p4 prints the path
 * of the module.
 *
 * Failures are one diagnostic (missing headers, kbuild errors with the
 * compiler's error lines), never a stack of make output.
 */
#define _GNU_SOURCE
#include "backend.h"
#include "build_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* -------------------------------------------------------------- files */

bool write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok;
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

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *chomp(char *s)
{
	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

/* ------------------------------------------------------------- target */

/* The runtime sources: -R, the source tree's when run from the build
   tree, else the installed copy. */
static char *runtime_dir(Session *s)
{
	if (s->runtime_dir)
		return xstrdup(s->runtime_dir);
#if defined(SONDE_BUILD_DIR) && defined(SONDE_SOURCE_TAPSET_DIR)
	char *self = self_dir();
	char *built = xasprintf("%s/src", SONDE_BUILD_DIR);
	bool in_tree = self && !strcmp(self, built);
	free(self);
	free(built);
	if (in_tree)
		return xasprintf("%s/../runtime", SONDE_SOURCE_TAPSET_DIR);
#endif
	return xstrdup(SONDE_RUNTIME_DIR);
}

bool target_resolve(Session *s, Target *t)
{
	memset(t, 0, sizeof *t);
	if (s->kernel_build_dir) {
		t->kbuild_dir = xstrdup(s->kernel_build_dir);
		char *p = xasprintf("%s/include/config/kernel.release", t->kbuild_dir);
		t->release = chomp(read_file(p, NULL));
		free(p);
		if (!t->release)
			t->release = xstrdup("unknown");
	} else {
		struct utsname u;
		uname(&u);
		if (!s->kernel_release && s->use_vm)
			s->kernel_release = vm_default_release();
		t->release = xstrdup(s->kernel_release ? s->kernel_release : u.release);
		t->kbuild_dir = xasprintf("/lib/modules/%s/build", t->release);
	}
	t->runtime_dir = runtime_dir(s);
	if (!is_dir(t->kbuild_dir)) {
		diag_error(s, "no kernel headers for %s in %s: install "
			   "linux-headers-%s, or pick another kernel with -r",
			   t->release, t->kbuild_dir, t->release);
		return false;
	}
	char *lh = xasprintf("%s/lifecycle.h", t->runtime_dir);
	bool have = access(lh, R_OK) == 0;
	free(lh);
	if (!have) {
		diag_error(s, "no sonde runtime in %s (use -R DIR)", t->runtime_dir);
		return false;
	}
	return true;
}

void target_free(Target *t)
{
	free(t->release);
	free(t->kbuild_dir);
	free(t->runtime_dir);
}

/* ------------------------------------------------------------- kbuild */

static void read_all(int fd, StrBuf *log)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			sb_putn(log, buf, (size_t)n);
}

bool kbuild_run(Session *s, const Target *t, const char *dir,
		const char *const *args, StrBuf *log)
{
	StrList argv = {0};
	strlist_push(&argv, "make");
	char *c = xasprintf("-C%s", t->kbuild_dir), *m = xasprintf("M=%s", dir);
	strlist_push(&argv, c);
	strlist_push(&argv, m);
	for (size_t i = 0; args[i]; i++)
		strlist_push(&argv, args[i]);
	strlist_push(&argv, NULL);
	int fds[2];
	if (pipe(fds) < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp("make", (char *const *)argv.v);
		_exit(127);
	}
	close(fds[1]);
	read_all(fds[0], log);
	close(fds[0]);
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	free(c);
	free(m);
	free(argv.v);
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ----------------------------------------------------------- staging */

static bool copy_file(const char *from, const char *to)
{
	size_t len;
	char *text = read_file(from, &len);
	bool ok = text && write_file(to, text, len);
	free(text);
	return ok;
}

/* Copies the runtime .c and .h files into dir; appends " NAME.o" per source to objs. */
static bool stage_runtime(const Target *t, const char *dir, StrBuf *objs)
{
	DIR *d = opendir(t->runtime_dir);
	if (!d)
		return false;
	bool ok = true;
	StrList names = {0};
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n > 2 && e->d_name[n - 2] == '.' &&
		    (e->d_name[n - 1] == 'c' || e->d_name[n - 1] == 'h'))
			strlist_push(&names, xstrdup(e->d_name));
	}
	closedir(d);
	for (size_t i = 0; i < names.n; i++) {
		const char *nm = names.v[i];
		char *from = xasprintf("%s/%s", t->runtime_dir, nm);
		char *to = xasprintf("%s/%s", dir, nm);
		ok = copy_file(from, to) && ok;
		if (nm[strlen(nm) - 1] == 'c')
			sb_printf(objs, " %.*s.o", (int)strlen(nm) - 2, nm);
		free(from);
		free(to);
		free((char *)nm);
	}
	free(names.v);
	return ok;
}

static void kbuild_file(Session *s, const char *name, const char *objs,
			StrBuf *k)
{
	sb_printf(k, "obj-m := %s.o\n%s-y := %s_main.o%s\n", name, name, name, objs);
	sb_puts(k, "ccflags-y := -Werror");
	for (size_t i = 0; i < s->defines.n; i++)
		sb_printf(k, " -D%s", s->defines.v[i]);
	sb_putc(k, '\n');
}

static bool stage(Session *s, const Target *t, const char *dir,
		  const char *name, const char *c_text, const char *features)
{
	StrBuf objs = {0}, kb = {0};
	bool ok = stage_runtime(t, dir, &objs);
	kbuild_file(s, name, objs.data ? objs.data : "", &kb);
	char *main_c = xasprintf("%s/%s_main.c", dir, name);
	char *kbuild = xasprintf("%s/Kbuild", dir);
	char *feat = xasprintf("%s/gen_features.h", dir);
	ok = ok && write_file(main_c, c_text, strlen(c_text)) &&
	     write_file(kbuild, kb.data, kb.len) &&
	     write_file(feat, features, strlen(features));
	free(main_c);
	free(kbuild);
	free(feat);
	sb_free(&objs);
	sb_free(&kb);
	return ok;
}

/* The compiler's error lines from a kbuild log, for the diagnostic. */
static void report_log(Session *s, const char *log)
{
	int shown = 0;
	for (const char *p = log; *p && shown < 20;) {
		size_t n = strcspn(p, "\n");
		if (memmem(p, n, "error", 5) || memmem(p, n, "warning", 7) ||
		    memmem(p, n, "Error", 5)) {
			fprintf(s->diag_out, "  %.*s\n", (int)n, p);
			shown++;
		}
		p += n + (p[n] == '\n');
	}
}

static bool compile(Session *s, const Target *t, const char *dir,
		    const char *name)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char *jobs = xasprintf("-j%ld", ncpu > 0 ? ncpu : 1);
	StrList args = {0};
	strlist_push(&args, "modules");
	strlist_push(&args, jobs);
	if (s->verbose[PASS_BUILD - 1] >= 2)
		strlist_push(&args, "V=1");
	for (size_t i = 0; i < s->kbuild_opts.n; i++)
		strlist_push(&args, s->kbuild_opts.v[i]);
	strlist_push(&args, NULL);
	StrBuf log = {0};
	bool ok = kbuild_run(s, t, dir, args.v, &log);
	if (s->verbose[PASS_BUILD - 1] >= 2 && log.data)
		fputs(log.data, stderr);
	if (!ok) {
		diag_error(s, "building module %s for %s failed%s%s", name,
			   t->release, s->keep_tmpdir ? "; sources kept in " : "",
			   s->keep_tmpdir ? dir : " (-k keeps the sources)");
		report_log(s, log.data ? log.data : "");
	}
	sb_free(&log);
	free(args.v);
	free(jobs);
	return ok;
}

/* --------------------------------------------------------------- key */

static void build_key(Session *s, const Target *t, const char *c_text,
		      const char *features, char out[33])
{
	Hash h;
	hash_init(&h);
	hash_str(&h, SONDE_NAME " " PACKAGE_VERSION);
	hash_str(&h, c_text);
	hash_str(&h, features);
	hash_str(&h, t->release);
	hash_str(&h, t->kbuild_dir);
	char *symvers = xasprintf("%s/Module.symvers", t->kbuild_dir);
	struct stat st;
	if (stat(symvers, &st) == 0)
		hash_bytes(&h, &st.st_mtime, sizeof st.st_mtime);
	free(symvers);
	hash_dir(&h, t->runtime_dir);
	for (size_t i = 0; i < s->defines.n; i++)
		hash_str(&h, s->defines.v[i]);
	hash_str(&h, "-B");
	for (size_t i = 0; i < s->kbuild_opts.n; i++)
		hash_str(&h, s->kbuild_opts.v[i]);
	hash_str(&h, s->module_name);
	hash_hex(&h, out);
}

/* ------------------------------------------------------------- driver */

static bool build_fresh(Session *s, const Target *t, const char *key,
			const char *name, const char *c_text,
			const char *features, char **ko)
{
	char tmpl[] = "/tmp/sondeXXXXXX";
	const char *dir = mkdtemp(tmpl);
	if (!dir) {
		diag_error(s, "cannot create a build directory: %s", strerror(errno));
		return false;
	}
	s->build_tmpdir = xstrdup(dir);
	if (!stage(s, t, dir, name, c_text, features)) {
		diag_error(s, "cannot write the module sources to %s", dir);
		return false;
	}
	if (!compile(s, t, dir, name))
		return false;
	char *built = xasprintf("%s/%s.ko", dir, name);
	*ko = s->disable_cache ? NULL : cache_store(key, name, built);
	if (*ko)
		free(built);
	else
		*ko = built;
	return true;
}

/* -p4 with --disable-cache: the module would vanish with the build
   directory, so it is copied to the current directory. */
static void keep_module(Session *s, char **ko)
{
	if (!s->build_tmpdir || s->keep_tmpdir || strncmp(*ko, s->build_tmpdir,
							   strlen(s->build_tmpdir)))
		return;
	const char *base = strrchr(*ko, '/') + 1;
	char *cwd = getcwd(NULL, 0);
	char *dst = xasprintf("%s/%s", cwd ? cwd : ".", base);
	if (copy_file(*ko, dst)) {
		free(*ko);
		*ko = dst;
	} else {
		free(dst);
	}
	free(cwd);
}

bool build_module(Session *s, const char *c_text, char **ko)
{
	Target t;
	StrBuf feat = {0};
	bool ok = target_resolve(s, &t) && kfeatures_get(s, &t, &feat);
	if (ok) {
		char key[33];
		build_key(s, &t, c_text, feat.data ? feat.data : "", key);
		char *name = s->module_name ? xstrdup(s->module_name)
					    : xasprintf("sonde_%.12s", key);
		*ko = s->disable_cache ? NULL : cache_lookup(key, name);
		if (!*ko)
			ok = build_fresh(s, &t, key, name, c_text,
					 feat.data ? feat.data : "", ko);
		if (ok && s->last_pass == PASS_BUILD) {
			keep_module(s, ko);
			printf("%s\n", *ko);
		}
		free(name);
	}
	sb_free(&feat);
	target_free(&t);
	return ok;
}

void build_cleanup(Session *s)
{
	if (!s->build_tmpdir)
		return;
	if (s->keep_tmpdir) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", s->build_tmpdir);
	} else {
		pid_t pid = fork();
		if (pid == 0) {
			execlp("rm", "rm", "-rf", s->build_tmpdir, (char *)NULL);
			_exit(127);
		}
		int st;
		if (pid > 0)
			waitpid(pid, &st, 0);
	}
	free(s->build_tmpdir);
	s->build_tmpdir = NULL;
}
