/*
 * build.c - pass 4: the module's C text to a loadable .ko.
 *
 * The target kernel is -r RELEASE (or -r DIR, a kbuild tree), else the
 * running one.  The build key hashes sonde's version, the C text, the
 * kernel feature tests, the release and its kbuild tree, the runtime
 * sources and the options that reach the compiler (-D, -B, -m); a
 * module cached under that key is returned without running kbuild
 * (--disable-cache skips the cache both ways).  Otherwise a temporary
 * directory gets the generated file, the runtime headers and a Kbuild
 * file, and the kernel's own kbuild compiles it with -Werror and as many
 * jobs as there are CPUs.  -k keeps that directory; -p4 prints the path
 * of the module.
 *
 * The runtime is linked in parts (core, arrays and statistics, each
 * probe group's, on-the-fly arming), only those the script uses, each
 * built from one unit that includes its runtime .c files.  They do not
 * depend on the script (they name the module through THIS_MODULE,
 * never KBUILD_MODNAME), so each is cached under a key of everything
 * else (runtime/KEY/) and a later build links the prebuilt copies and
 * compiles only the script and parts not built before.  The first
 * build for a release also runs the kernel feature tests (kfeatures.c),
 * as rules of the same kbuild run.
 * Modules are built without debug info and the .ko is stripped of what
 * kbuild's own objects add.
 *
 * Failures are one diagnostic (missing headers, kbuild errors with the
 * compiler's error lines), never a stack of make output.
 */
#define _GNU_SOURCE
#include "driver/backend.h"
#include "kbuild/build_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"	/* PACKAGE_VERSION: AC_INIT's in configure.ac */

/* ------------------------------------------------------------- target */

/* The runtime sources: -R, the source tree's when run from the build
   tree, else the installed copy. */
static char *runtime_dir(Session *s)
{
	if (s->runtime_dir)
		return xstrdup(s->runtime_dir);
#ifdef SONDE_SOURCE_TAPSET_DIR
	if (running_in_build_tree())
		return xasprintf("%s/../runtime", SONDE_SOURCE_TAPSET_DIR);
#endif
	return xstrdup(SONDE_RUNTIME_DIR);
}

bool target_resolve(Session *s, Target *t)
{
	memset(t, 0, sizeof *t);
	t->release = xstrdup(kernel_require(s));
	t->kbuild_dir = s->kernel_build_dir
		? xstrdup(s->kernel_build_dir)
		: xasprintf("/lib/modules/%s/build", t->release);
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

/*
 * The runtime is linked in parts, so that a module carries only what its
 * script uses.  The emitter names the parts a module needs on a line
 * "// sonde-runtime: core data ..." of its C text (translate.c).  Each
 * part is one translation unit including its runtime .c files, so it
 * costs one compile; it is built once per runtime key, cached as
 * runtime/KEY/sonde-rt-PART.o, and copied into later builds, which
 * compile only the parts not cached yet and the script.  A runtime .c
 * file no part claims belongs to core, which every module links.  The
 * names have a '-', which no module name from a script or -m NAME has.
 */
#define RT_PREFIX "sonde-rt-"
#define RT_MARKER "// sonde-runtime:"

typedef struct RtPart {
	const char *name;
	const char *files;	/* its .c files, blank-separated; NULL: the rest */
} RtPart;

static const RtPart rt_parts[] = {
	{ "core", NULL },	/* lifecycle, transport, strings, locks, symbols */
	{ "data", "map.c stat.c" },	/* arrays and statistics */
	{ "kprobe", "kprobe.c" },
	{ "timer", "timer.c" },
	{ "procfs", "procfs.c" },
	{ "otf", "otf.c" },	/* on-the-fly arming */
};

enum { RT_NPARTS = sizeof rt_parts / sizeof rt_parts[0] };

/* What one build links of the runtime: the parts it needs, and of those
   the cached objects (NULL: compiled in this build). */
typedef struct RtLink {
	bool need[RT_NPARTS];
	char *cached[RT_NPARTS];
} RtLink;

/* Whether the blank-separated list, which ends at a newline or the end
   of the string, holds the word w of n bytes. */
static bool word_in(const char *list, const char *w, size_t n)
{
	for (const char *p = list; *p;) {
		p += strspn(p, " ");
		size_t k = strcspn(p, " \n");
		if (k == n && !strncmp(p, w, n))
			return true;
		p += k;
		if (*p == '\n' || !*p)
			break;
	}
	return false;
}

/* The part runtime file `file` belongs to. */
static int rt_part_of(const char *file)
{
	for (int i = 1; i < RT_NPARTS; i++)
		if (word_in(rt_parts[i].files, file, strlen(file)))
			return i;
	return 0;
}

/* The parts the C text asks for on its marker line; every part for a
   text without one. */
static void rt_parts_needed(const char *c_text, RtLink *rl)
{
	const char *m = strstr(c_text, "\n" RT_MARKER);
	for (int i = 0; i < RT_NPARTS; i++) {
		const char *nm = rt_parts[i].name;
		rl->need[i] = !m || i == 0 ||
			      word_in(m + 1 + strlen(RT_MARKER), nm, strlen(nm));
	}
}

/* Looks up the cached object of each needed part; a part whose object
   or .cmd file is missing is compiled. */
static void rt_lookup(const char *rkey, RtLink *rl)
{
	for (int i = 0; i < RT_NPARTS; i++) {
		if (!rl->need[i])
			continue;
		char *obj = xasprintf(RT_PREFIX "%s.o", rt_parts[i].name);
		char *cmd = xasprintf(RT_PREFIX "%s.o.cmd", rt_parts[i].name);
		char *o = cache_lookup("runtime", rkey, obj);
		char *c = cache_lookup("runtime", rkey, cmd);
		if (o && c)
			rl->cached[i] = o;
		else
			free(o);
		free(c);
		free(obj);
		free(cmd);
	}
}

static void rt_link_free(RtLink *rl)
{
	for (int i = 0; i < RT_NPARTS; i++)
		free(rl->cached[i]);
}

static bool rt_compiles(const RtLink *rl, int i)
{
	return rl->need[i] && !rl->cached[i];
}

static bool is_src(const char *nm, char ext)
{
	size_t n = strlen(nm);
	return n > 2 && nm[0] != '.' && nm[n - 2] == '.' && nm[n - 1] == ext;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The runtime's .c and .h file names, sorted (malloc'd strings). */
static bool runtime_files(const Target *t, StrList *names)
{
	DIR *d = opendir(t->runtime_dir);
	if (!d)
		return false;
	for (struct dirent *e; (e = readdir(d));)
		if (is_src(e->d_name, 'c') || is_src(e->d_name, 'h'))
			strlist_push(names, xstrdup(e->d_name));
	closedir(d);
	qsort(names->v, names->n, sizeof *names->v, name_cmp);
	return true;
}

static bool copy_into(const char *from_dir, const char *nm, const char *dir)
{
	char *from = xasprintf("%s/%s", from_dir, nm);
	char *to = xasprintf("%s/%s", dir, nm);
	bool ok = copy_file(from, to);
	free(from);
	free(to);
	return ok;
}

/* A cached part into dir: the object and its .cmd file, which modpost
   reads for the #SYMVER lines. */
static bool stage_cached_part(const char *obj, const char *name, const char *dir)
{
	char *to = xasprintf("%s/" RT_PREFIX "%s.o", dir, name);
	char *from_cmd = xasprintf("%s.cmd", obj);
	char *to_cmd = xasprintf("%s/." RT_PREFIX "%s.o.cmd", dir, name);
	bool ok = copy_file(obj, to) && copy_file(from_cmd, to_cmd);
	free(to);
	free(from_cmd);
	free(to_cmd);
	return ok;
}

/* Copies the runtime headers into dir, the sources of the parts to
   compile with a unit per part that includes them, and the cached
   parts' objects. */
static bool stage_runtime(const Target *t, const char *dir, const RtLink *rl)
{
	StrList names = {0};
	StrBuf unit[RT_NPARTS] = {{0}};
	bool ok = runtime_files(t, &names);
	for (size_t i = 0; i < names.n; i++) {
		const char *nm = names.v[i];
		int part = is_src(nm, 'c') ? rt_part_of(nm) : -1;
		if (part < 0 || rt_compiles(rl, part))
			ok = copy_into(t->runtime_dir, nm, dir) && ok;
		if (part >= 0)
			sb_printf(&unit[part], "#include \"%s\"\n", nm);
		free((char *)names.v[i]);
	}
	for (int i = 0; i < RT_NPARTS; i++) {
		char *to = xasprintf("%s/" RT_PREFIX "%s.c", dir, rt_parts[i].name);
		StrBuf text = {0};
		/* first: a runtime file may use THIS_MODULE without its header */
		sb_printf(&text, "/* The sonde runtime's %s part as one unit. */\n"
			  "#include <linux/module.h>\n%s", rt_parts[i].name,
			  unit[i].data ? unit[i].data : "");
		if (rt_compiles(rl, i))
			ok = write_file(to, text.data, text.len) && ok;
		else if (rl->need[i])
			ok = stage_cached_part(rl->cached[i], rt_parts[i].name, dir) && ok;
		sb_free(&text);
		sb_free(&unit[i]);
		free(to);
	}
	free(names.v);
	return ok;
}

/* The Kbuild file.  The module's flags go to its own objects only, not
   to the feature tests (kfeatures.c) that share the run when the
   header is not cached: those it compiles then wait for it.  Debug info
   is dropped: nothing reads it, it is most of a module's size, and
   producing it is a good part of the compile. */
static void kbuild_file(Session *s, const Target *t, const char *dir,
			const char *name, bool features, const RtLink *rl,
			StrBuf *k)
{
	StrBuf compiled = {0};
	sb_printf(&compiled, "$(obj)/%s_main.o", name);
	sb_printf(k, "obj-m := %s.o\n%s-y := %s_main.o", name, name, name);
	for (int i = 0; i < RT_NPARTS; i++) {
		if (rl->need[i])
			sb_printf(k, " " RT_PREFIX "%s.o", rt_parts[i].name);
		if (rt_compiles(rl, i))
			sb_printf(&compiled, " $(obj)/" RT_PREFIX "%s.o", rt_parts[i].name);
	}
	sb_puts(k, "\nsonde-cflags := -Werror -g0");
	for (size_t i = 0; i < s->defines.n; i++)
		sb_printf(k, " -D%s", s->defines.v[i]);
	sb_printf(k, "\nCFLAGS_%s_main.o := $(sonde-cflags)\n", name);
	for (int i = 0; i < RT_NPARTS; i++)
		if (rt_compiles(rl, i))
			sb_printf(k, "CFLAGS_" RT_PREFIX "%s.o := $(sonde-cflags)\n",
				  rt_parts[i].name);
	if (!features) {
		sb_printf(k, "%s: $(obj)/gen_features.h\n", compiled.data);
		kfeatures_stage(t, dir, k);
	}
	sb_free(&compiled);
}

/* Stages everything; features is the cached feature header, or NULL
   to have kbuild run the tests first. */
static bool stage(Session *s, const Target *t, const char *dir,
		  const char *name, const char *c_text, const char *features,
		  const RtLink *rl)
{
	StrBuf kb = {0};
	bool ok = stage_runtime(t, dir, rl);
	kbuild_file(s, t, dir, name, features != NULL, rl, &kb);
	char *main_c = xasprintf("%s/%s_main.c", dir, name);
	char *kbuild = xasprintf("%s/Kbuild", dir);
	char *feat = xasprintf("%s/gen_features.h", dir);
	ok = ok && write_file(main_c, c_text, strlen(c_text)) &&
	     write_file(kbuild, kb.data, kb.len) &&
	     (!features || write_file(feat, features, strlen(features)));
	free(main_c);
	free(kbuild);
	free(feat);
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

/* What reaches the compiler besides the C text: the kernel tree and the
   feature tests (which decide its features), the runtime sources and
   the -D and -B options. */
static void hash_target(Session *s, const Target *t, Hash *h)
{
	hash_str(h, SONDE_NAME " " PACKAGE_VERSION);
	kfeatures_hash(h);
	hash_str(h, t->release);
	hash_str(h, t->kbuild_dir);
	char *symvers = xasprintf("%s/Module.symvers", t->kbuild_dir);
	struct stat st;
	if (stat(symvers, &st) == 0)
		hash_bytes(h, &st.st_mtime, sizeof st.st_mtime);
	free(symvers);
	hash_dir(h, t->runtime_dir);
	for (size_t i = 0; i < s->defines.n; i++)
		hash_str(h, s->defines.v[i]);
	hash_str(h, "-B");
	for (size_t i = 0; i < s->kbuild_opts.n; i++)
		hash_str(h, s->kbuild_opts.v[i]);
}

/* The runtime object's key: everything but the script and its name
   (the runtime never uses KBUILD_MODNAME, only THIS_MODULE). */
static void runtime_key(Session *s, const Target *t, char out[33])
{
	Hash h;
	hash_init(&h);
	hash_str(&h, RT_PREFIX);
	for (int i = 0; i < RT_NPARTS; i++) {
		hash_str(&h, rt_parts[i].name);
		hash_str(&h, rt_parts[i].files ? rt_parts[i].files : "");
	}
	hash_target(s, t, &h);
	hash_hex(&h, out);
}

static void build_key(Session *s, const Target *t, const char *c_text,
		      char out[33])
{
	Hash h;
	hash_init(&h);
	hash_str(&h, c_text);
	hash_target(s, t, &h);
	hash_str(&h, s->module_name);
	hash_hex(&h, out);
}

/* ------------------------------------------------------------- driver */

/* Drops the debug sections kbuild's own objects (NAME.mod.o) still
   carry, as `make INSTALL_MOD_STRIP=1 modules_install` would; a
   failure leaves the module whole. */
static void strip_debug(const char *ko)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("objcopy", "objcopy", "--strip-debug", ko, (char *)NULL);
		_exit(127);
	}
	int st;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* Caches a runtime part just built in dir, with the #SYMVER lines of
   its .cmd file (all modpost wants of it: kbuild's command and
   dependency lines would name dir).  The object goes in last: a reader
   that finds it finds the .cmd too. */
static void store_part(const char *dir, const char *rkey, const char *part)
{
	char *cmd = xasprintf("%s/." RT_PREFIX "%s.o.cmd", dir, part);
	char *kept = xasprintf("%s/" RT_PREFIX "%s.symvers", dir, part);
	char *obj = xasprintf("%s/" RT_PREFIX "%s.o", dir, part);
	char *cached_obj = xasprintf(RT_PREFIX "%s.o", part);
	char *cached_cmd = xasprintf(RT_PREFIX "%s.o.cmd", part);
	size_t len;
	char *text = read_file(cmd, &len);
	StrBuf sv = {0};
	sb_printf(&sv, "# the prebuilt sonde runtime's %s part\n", part);
	for (char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (!strncmp(p, "#SYMVER", 7))
			sb_printf(&sv, "%.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	char *c = NULL;
	if (text && write_file(kept, sv.data, sv.len) &&
	    (c = cache_store("runtime", rkey, cached_cmd, kept)))
		free(cache_store("runtime", rkey, cached_obj, obj));
	free(c);
	free(text);
	sb_free(&sv);
	free(cached_obj);
	free(cached_cmd);
	free(obj);
	free(kept);
	free(cmd);
}

/* Builds the module in a new temporary directory, linking the runtime
   parts it needs, cached or compiled here (and then cached).  The parts
   are keyed by their inputs like the feature header, so they are used
   with --disable-cache too, which skips only the module cache. */
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
	char rkey[33];
	runtime_key(s, t, rkey);
	RtLink rl = {0};
	rt_parts_needed(c_text, &rl);
	rt_lookup(rkey, &rl);
	bool ok = stage(s, t, dir, name, c_text, features, &rl);
	if (!ok)
		diag_error(s, "cannot write the module sources to %s", dir);
	ok = ok && compile(s, t, dir, name);
	if (!features)
		kfeatures_save(t, dir, NULL);
	for (int i = 0; ok && i < RT_NPARTS; i++)
		if (rt_compiles(&rl, i))
			store_part(dir, rkey, rt_parts[i].name);
	rt_link_free(&rl);
	if (!ok)
		return false;
	char *built = xasprintf("%s/%s.ko", dir, name);
	strip_debug(built);
	char *file = xasprintf("%s.ko", name);
	*ko = s->disable_cache ? NULL : cache_store("modules", key, file, built);
	free(file);
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
	bool ok = target_resolve(s, &t);
	if (ok) {
		bool have = kfeatures_cached(&t, &feat);
		char key[33];
		build_key(s, &t, c_text, key);
		char *name = s->module_name ? xstrdup(s->module_name)
					    : xasprintf("sonde_%.12s", key);
		char *file = xasprintf("%s.ko", name);
		*ko = s->disable_cache ? NULL : cache_lookup("modules", key, file);
		free(file);
		if (!*ko)
			ok = build_fresh(s, &t, key, name, c_text,
					 have ? feat.data : NULL, ko);
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
