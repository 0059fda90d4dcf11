/*
 * ksyms.h - the target kernel's function symbols, for probe points that
 * name kernel functions without DWARF (kprobe.function) and for listing.
 */
#ifndef SONDE_KSYMS_H
#define SONDE_KSYMS_H

#include "sonde.h"

typedef struct KSyms {
	const char **names;	/* sorted, unique text symbols */
	size_t n;
	const char *source;	/* the file they came from */
	Arena arena;		/* owns names and their text */
} KSyms;

typedef enum KSymsStatus {
	KSYMS_OK,
	KSYMS_NO_SOURCE,	/* no System.map, vmlinux or kallsyms for it */
	KSYMS_UNREADABLE	/* a source exists but could not be read */
} KSymsStatus;

/*
 * Loads the function symbols of kernel `release`, trying in order the
 * System.map of the -dbg package, /boot/System.map (unless Debian's
 * placeholder), the symbol table of the debug vmlinux, and /proc/kallsyms
 * when `release` is the running kernel.  On failure `why` says what was
 * tried and which package to install.
 */
KSymsStatus ksyms_load(KSyms *k, const char *release, StrBuf *why);
bool ksyms_has(const KSyms *k, const char *name);
/* Calls fn for each symbol matching the fnmatch(3) glob, in order;
   returns the number of matches. */
size_t ksyms_glob(const KSyms *k, const char *glob,
		  void (*fn)(const char *name, void *arg), void *arg);
void ksyms_free(KSyms *k);

#endif
