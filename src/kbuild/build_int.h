/*
 * build_int.h - the private header of pass 4 (build.c, kfeatures.c,
 * cache.c) and of pass 5's glue (run.c).
 *
 * A Target names what a module is built for: the kernel release and its
 * kbuild directory, and the runtime sources compiled into every module.
 */
#ifndef SONDE_BUILD_INT_H
#define SONDE_BUILD_INT_H

#include "core/sonde.h"

typedef struct Target {
	char *release;		/* "6.1.0-N-cloud-amd64" */
	char *kbuild_dir;	/* /lib/modules/R/build, or -r DIR */
	char *runtime_dir;	/* -R DIR, the source tree's, or installed */
} Target;

/* A 128-bit hash in hex, over any number of byte strings. */
typedef struct Hash {
	uint64_t a, b;
} Hash;

/* build.c: fills t from the options; false after reporting. */
bool target_resolve(Session *s, Target *t);
void target_free(Target *t);
/* Runs `make -C KBUILD M=dir ARGS...`; the output goes to *log. */
bool kbuild_run(Session *s, const Target *t, const char *dir,
		const char *const *args, StrBuf *log);

/* kfeatures.c: gen_features.h for t, made once per release and kbuild
   tree by the first module build and then read from the cache. */
/* The cached text; false if the tests have not run for t. */
bool kfeatures_cached(const Target *t, StrBuf *out);
/* Writes the tests into dir and appends to kb the kbuild rules that
   make dir/gen_features.h from them. */
void kfeatures_stage(const Target *t, const char *dir, StrBuf *kb);
/* Caches the dir/gen_features.h a kbuild run made (and appends it to
   out unless NULL); false if it is missing or incomplete. */
bool kfeatures_save(const Target *t, const char *dir, StrBuf *out);
/* Hashes the test set, which with the kbuild tree decides the header. */
void kfeatures_hash(Hash *h);


/* cache.c */
/* ${XDG_CACHE_HOME:-~/.cache}/sonde/SUB, created (malloc'd); NULL if
   it cannot be created. */
char *cache_dir(const char *sub);
void hash_init(Hash *h);
void hash_bytes(Hash *h, const void *p, size_t n);
void hash_str(Hash *h, const char *s);	/* includes the length */
void hash_hex(const Hash *h, char out[33]);
/* Hashes the contents of every file in dir (sorted by name). */
void hash_dir(Hash *h, const char *dir);
/* The cached SUB/KEY/FILE, or NULL (malloc'd path). */
char *cache_lookup(const char *sub, const char *key, const char *file);
/* Copies the file at from to SUB/KEY/FILE; returns that path or NULL. */
char *cache_store(const char *sub, const char *key, const char *file,
		  const char *from);

#endif
