/*
 * ksyms.h - the target kernel's function symbols, for probe points that
 * name kernel functions without DWARF (kprobe.function) and for listing.
 */
#ifndef SONDE_KSYMS_H
#define SONDE_KSYMS_H

#include "core/sonde.h"

/* Whether a kprobe may be placed on a function, as far as the target
   kernel's symbol table and its kprobe blacklist tell. */
typedef enum KSymClass {
	KSYM_ABSENT,		/* no such text symbol */
	KSYM_PROBEABLE,
	KSYM_PROTECTED,		/* .kprobes.text, .noinstr.text, .entry.text,
				   or listed by NOKPROBE_SYMBOL() */
	KSYM_INIT		/* .init.text: freed once the kernel booted */
} KSymClass;

/*
 * The symbol list.  `names` is sorted and free of duplicates; `cls[i]`
 * is the KSymClass of names[i] (never KSYM_ABSENT).  When the list came
 * from the cache, names and cls point into the mapped cache file.
 */
typedef struct KSyms {
	const char **names;
	const uint8_t *cls;
	size_t n;
	const char *source;	/* the file they came from */
	bool from_cache;	/* read from the cache, not parsed */
	Arena arena;		/* owns names (when parsed) and source */
	void *map;		/* the mapped cache file, or NULL */
	size_t map_len;
} KSyms;

typedef enum KSymsStatus {
	KSYMS_OK,
	KSYMS_NO_SOURCE,	/* no System.map, vmlinux or kallsyms for it */
	KSYMS_UNREADABLE	/* a source exists but could not be read */
} KSymsStatus;

/* Where symbols may come from, in order of preference. */
typedef enum KSymsFormat { KSYMS_MAP, KSYMS_ELF } KSymsFormat;
typedef struct KSymsSource {
	const char *path;
	KSymsFormat format;
} KSymsSource;

/*
 * Loads the function symbols of kernel `release`, trying in order the
 * System.map of the -dbg package, /boot/System.map (unless Debian's
 * placeholder), the symbol table of the debug vmlinux, and /proc/kallsyms
 * when `release` is the running kernel.  With `cache_dir` (may be NULL)
 * the parsed list is kept there in a binary file, reused while the
 * source's mtime and size are unchanged.  On failure `why` says what was
 * tried and which package to install.
 */
KSymsStatus ksyms_load(KSyms *k, const char *release, const char *cache_dir,
		       StrBuf *why);
/*
 * The same from an explicit list of sources and cache file (NULL: none).
 * The first ELF source that exists also supplies the NOKPROBE_SYMBOL()
 * list, whatever source the names come from.
 */
KSymsStatus ksyms_load_from(KSyms *k, const KSymsSource *src, size_t nsrc,
			    const char *cache_file);
bool ksyms_has(const KSyms *k, const char *name);
KSymClass ksyms_class(const KSyms *k, const char *name);
/* Calls fn for each probe-able symbol matching the fnmatch(3) glob, in
   order; returns the number of matches.  A name passed to fn points into
   k (its arena or the mapped cache): copy it to keep it past ksyms_free. */
size_t ksyms_glob(const KSyms *k, const char *glob,
		  void (*fn)(const char *name, void *arg), void *arg);
void ksyms_free(KSyms *k);

#endif
