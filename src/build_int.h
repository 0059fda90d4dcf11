/*
 * build_int.h - the private header of pass 4 (build.c, kfeatures.c,
 * cache.c) and of pass 5's glue (run.c).
 *
 * A Target names what a module is built for: the kernel release and its
 * kbuild directory, and the runtime sources compiled into every module.
 */
#ifndef SONDE_BUILD_INT_H
#define SONDE_BUILD_INT_H

#include "sonde.h"

typedef struct Target {
	char *release;		/* "6.1.0-56-cloud-amd64" */
	char *kbuild_dir;	/* /lib/modules/R/build, or -r DIR */
	char *runtime_dir;	/* -R DIR, the source tree's, or installed */
} Target;

/* build.c: fills t from the options; false after reporting. */
bool target_resolve(Session *s, Target *t);
void target_free(Target *t);
/* Runs `make -C KBUILD M=dir ARGS...`; the output goes to *log. */
bool kbuild_run(Session *s, const Target *t, const char *dir,
		const char *const *args, StrBuf *log);
/* Writes a whole file; false with errno set. */
bool write_file(const char *path, const char *text, size_t len);
/* The directory of the running sonde binary (malloc'd), or NULL. */
char *self_dir(void);

/* run.c: the kernel --vm boots by default (newest installed cloud
   kernel with headers), or NULL. */
char *vm_default_release(void);

/* kfeatures.c: the text of gen_features.h for t, computed once per
   release and kbuild tree and then read from the cache. */
bool kfeatures_get(Session *s, const Target *t, StrBuf *out);

/* cache.c */
/* ${XDG_CACHE_HOME:-~/.cache}/sonde/SUB, created (malloc'd); NULL if
   it cannot be created. */
char *cache_dir(const char *sub);
/* A 128-bit hash in hex, over any number of byte strings. */
typedef struct Hash {
	uint64_t a, b;
} Hash;
void hash_init(Hash *h);
void hash_bytes(Hash *h, const void *p, size_t n);
void hash_str(Hash *h, const char *s);	/* includes the length */
void hash_hex(const Hash *h, char out[33]);
/* Hashes the contents of every file in dir (sorted by name). */
void hash_dir(Hash *h, const char *dir);
/* The cached module for key, or NULL (malloc'd path). */
char *cache_lookup(const char *key, const char *modname);
/* Copies ko into the cache under key; returns the cached path or NULL. */
char *cache_store(const char *key, const char *modname, const char *ko);

#endif
