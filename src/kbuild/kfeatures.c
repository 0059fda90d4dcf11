/*
 * kfeatures.c - what the target kernel's headers offer, found by
 * compiling small probes, not by comparing version numbers.
 *
 * Each feature is one tiny C file; kbuild rules compile them all in
 * parallel, in the first module build for a release, and a test passes
 * if its object was produced.  The result is gen_features.h,
 * `#define SONDE_HAVE_NAME 1` per feature found, which every module includes; runtime/gen_support.h
 * and generated code choose between kernel APIs with these macros only.
 * The header is cached per release, kbuild tree and test set in
 * ${XDG_CACHE_HOME:-~/.cache}/sonde/kfeatures/, so the tests run once
 * per kernel.
 */
#include "kbuild/build_int.h"

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

void kfeatures_hash(Hash *h)
{
	for (int i = 0; i < NFEATURES; i++) {
		hash_str(h, features[i].name);
		hash_str(h, features[i].code);
	}
}

static char *cache_path(const Target *t)
{
	Hash h;
	hash_init(&h);
	kfeatures_hash(&h);
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

/*
 * The tests as kbuild rules: each sonde-feat-NAME.h is one line, a
 * #define if sonde-feat-NAME.c compiles with the module flags, and
 * gen_features.h joins them.  Make runs them in parallel, in the
 * module's own kbuild run when the header is not cached (the module's
 * objects depend on it).  The tests get the kernel's module flags only,
 * not the module's -Werror or -D options.
 */
void kfeatures_stage(const Target *t, const char *dir, StrBuf *kb)
{
	sb_puts(kb, "# kernel feature tests: gen_features.h\nsonde-feat :=");
	for (int i = 0; i < NFEATURES; i++) {
		char *c = xasprintf("%s/sonde-feat-%s.c", dir, features[i].name);
		write_file(c, features[i].code, strlen(features[i].code));
		free(c);
		sb_printf(kb, " %s", features[i].name);
	}
	sb_printf(kb, "\n$(obj)/gen_features.h: $(foreach f,$(sonde-feat),"
		      "$(obj)/sonde-feat-$(f).h)\n"
		      "\t$(Q){ echo '/* Kernel features of %s, found by compiling "
		      "tests. */'; cat $^; } > $@\n", t->release);
	sb_puts(kb, "$(obj)/sonde-feat-%.h: $(src)/sonde-feat-%.c\n"
		    "\t$(Q)if $(CC) $(c_flags) $(KBUILD_CFLAGS_MODULE) -c "
		    "-o $(@:.h=.o) $< >/dev/null 2>&1; "
		    "then echo '#define SONDE_HAVE_$* 1'; "
		    "else echo '/* #undef SONDE_HAVE_$* */'; fi > $@\n"
		    "always-y += gen_features.h\n");
}

bool kfeatures_cached(const Target *t, StrBuf *out)
{
	char *path = cache_path(t);
	size_t len;
	char *text = path ? read_file(path, &len) : NULL;
	if (text)
		sb_putn(out, text, len);
	free(text);
	free(path);
	return text != NULL;
}

/* Caches dir/gen_features.h if every test wrote its line. */
bool kfeatures_save(const Target *t, const char *dir, StrBuf *out)
{
	char *h = xasprintf("%s/gen_features.h", dir);
	size_t len;
	char *text = read_file(h, &len);
	free(h);
	bool whole = text != NULL;
	for (int i = 0; whole && i < NFEATURES; i++) {
		char *m = xasprintf("SONDE_HAVE_%s ", features[i].name);
		whole = strstr(text, m) != NULL;
		free(m);
	}
	char *path = whole ? cache_path(t) : NULL;
	if (path) {
		char *tmp = xasprintf("%s.%ld", path, (long)getpid());
		if (write_file(tmp, text, len))
			rename(tmp, path);
		unlink(tmp);
		free(tmp);
	}
	if (whole && out)
		sb_putn(out, text, len);
	free(path);
	free(text);
	return whole;
}
