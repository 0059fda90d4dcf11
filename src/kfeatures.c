/*
 * kfeatures.c - what the target kernel's headers offer, found by
 * compiling small probes, not by comparing version numbers.
 *
 * Each feature is one tiny C file; all are compiled in one kbuild run
 * (make -k, one object target per test) and a test passes if its object
 * was produced.  The result is gen_features.h, `#define SONDE_HAVE_NAME 1`
 * per feature found, which every module includes; runtime/gen_support.h
 * and generated code choose between kernel APIs with these macros only.
 * The header is cached per release, kbuild tree and test set in
 * ${XDG_CACHE_HOME:-~/.cache}/sonde/kfeatures/, so the tests run once
 * per kernel.
 */
#include "build_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct Feature {
	const char *name;	/* SONDE_HAVE_<name> */
	const char *code;	/* a translation unit that compiles iff present */
} Feature;

static const Feature features[] = {
	{ "HRTIMER_SETUP",
	  "#include <linux/hrtimer.h>\n"
	  "static enum hrtimer_restart fn(struct hrtimer *t) { return HRTIMER_NORESTART; }\n"
	  "void sonde_test(struct hrtimer *t);\n"
	  "void sonde_test(struct hrtimer *t)\n"
	  "{ hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL); }\n" },
	{ "GET_RANDOM_U32_BELOW",
	  "#include <linux/random.h>\n"
	  "u32 sonde_test(void);\n"
	  "u32 sonde_test(void) { return get_random_u32_below(7); }\n" },
	{ "TIMER_DELETE_SYNC",
	  "#include <linux/timer.h>\n"
	  "int sonde_test(struct timer_list *t);\n"
	  "int sonde_test(struct timer_list *t) { return timer_delete_sync(t); }\n" },
	{ "GET_KRETPROBE",
	  "#include <linux/kprobes.h>\n"
	  "struct kretprobe *sonde_test(struct kretprobe_instance *ri);\n"
	  "struct kretprobe *sonde_test(struct kretprobe_instance *ri)\n"
	  "{ return get_kretprobe(ri); }\n" },
};

enum { NFEATURES = sizeof features / sizeof features[0] };

static char *cache_path(const Target *t)
{
	Hash h;
	hash_init(&h);
	for (int i = 0; i < NFEATURES; i++) {
		hash_str(&h, features[i].name);
		hash_str(&h, features[i].code);
	}
	hash_str(&h, t->kbuild_dir);
	char *symvers = xasprintf("%s/Module.symvers", t->kbuild_dir);
	struct stat st;
	if (stat(symvers, &st) == 0)
		hash_bytes(&h, &st.st_mtime, sizeof st.st_mtime);
	free(symvers);
	char hex[33];
	hash_hex(&h, hex);
	char *dir = cache_dir("kfeatures");
	char *p = dir ? xasprintf("%s/%s-%.16s.h", dir, t->release, hex) : NULL;
	free(dir);
	return p;
}

/* Compiles every test in one kbuild run; writes the header text. */
static bool probe_all(Session *s, const Target *t, StrBuf *out)
{
	char tmpl[] = "/tmp/sonde-kfXXXXXX";
	const char *dir = mkdtemp(tmpl);
	if (!dir) {
		diag_error(s, "cannot create a directory for kernel feature tests");
		return false;
	}
	StrList args = {0};
	strlist_push(&args, "-k");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char *jobs = xasprintf("-j%ld", ncpu > 0 ? ncpu : 1);
	strlist_push(&args, jobs);
	StrBuf kb = {0};
	sb_puts(&kb, "obj-m :=");
	for (int i = 0; i < NFEATURES; i++) {
		char *c = xasprintf("%s/f_%s.c", dir, features[i].name);
		write_file(c, features[i].code, strlen(features[i].code));
		free(c);
		sb_printf(&kb, " f_%s.o", features[i].name);
		strlist_push(&args, xasprintf("f_%s.o", features[i].name));
	}
	sb_putc(&kb, '\n');
	char *kbuild = xasprintf("%s/Kbuild", dir);
	write_file(kbuild, kb.data, kb.len);
	strlist_push(&args, NULL);
	StrBuf log = {0};
	kbuild_run(s, t, dir, args.v, &log);
	sb_printf(out, "/* Kernel features of %s, found by compiling tests. */\n",
		  t->release);
	for (int i = 0; i < NFEATURES; i++) {
		char *o = xasprintf("%s/f_%s.o", dir, features[i].name);
		if (access(o, R_OK) == 0)
			sb_printf(out, "#define SONDE_HAVE_%s 1\n", features[i].name);
		else
			sb_printf(out, "/* #undef SONDE_HAVE_%s */\n", features[i].name);
		free(o);
		free((char *)args.v[2 + i]);
	}
	char *rm = xasprintf("rm -rf '%s'", dir);
	if (system(rm) != 0)
		diag_at(s, DIAG_WARNING, (Loc){0}, 0, "cannot remove %s", dir);
	free(rm);
	free(kbuild);
	free(jobs);
	free(args.v);
	sb_free(&kb);
	sb_free(&log);
	return true;
}

bool kfeatures_get(Session *s, const Target *t, StrBuf *out)
{
	char *path = cache_path(t);
	size_t len;
	char *text = path ? read_file(path, &len) : NULL;
	if (text) {
		sb_putn(out, text, len);
		free(text);
		free(path);
		return true;
	}
	bool ok = probe_all(s, t, out);
	if (ok && path) {
		char *tmp = xasprintf("%s.%ld", path, (long)getpid());
		if (write_file(tmp, out->data, out->len))
			rename(tmp, path);
		unlink(tmp);
		free(tmp);
	}
	free(path);
	return ok;
}
