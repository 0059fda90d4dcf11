/*
 * limits.h: the resource limits of a sonde module, with SystemTap's
 * defaults (stap(1), "RESOURCE LIMITS"); each may be overridden with
 * -DNAME=VALUE on the compiler command line (sonde -D passes it to
 * kbuild for every object of the module, runtime objects included, so
 * all parts of a module agree).
 *
 * MAXACTION and MAXERRORS are only the defaults of the module parameters
 * sonde_maxaction and sonde_maxerrors, which the loader may change at
 * load time; the others are compile-time sizes.
 */
#ifndef SONDE_LIMITS_H
#define SONDE_LIMITS_H

/* Bytes of a string value, the terminating NUL included. */
#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 128
#endif

/* Work units (statements, loop iterations) of one probe invocation. */
#ifndef MAXACTION
#define MAXACTION 1000
#endif

/* Depth of nested script function calls. */
#ifndef MAXNESTING
#define MAXNESTING 10
#endif

/* Entries of an array declared without a size. */
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048
#endif

/* Errors tolerated before the session ends (0: the first one ends it). */
#ifndef MAXERRORS
#define MAXERRORS 0
#endif

/* Probes skipped for lock contention before the session ends. */
#ifndef MAXSKIPPED
#define MAXSKIPPED 100
#endif

/* Attempts to take one global's lock before the probe is skipped. */
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 1000
#endif

/* Nanoseconds to wait between two attempts. */
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10
#endif

/*
 * 1: probe bodies run with interrupts on (preemption off); 0: with
 * interrupts off, so that no interrupt stretches an invocation and the
 * global locks it holds, and no interrupt-time probe finds its CPU busy
 * (see lifecycle.h).
 */
#ifndef INTERRUPTIBLE
#define INTERRUPTIBLE 1
#endif

/* Empty histogram rows printed beside non-empty ones (see stat.c). */
#ifndef HIST_ELISION
#define HIST_ELISION 2
#endif

/* Width of the bar column of a printed histogram. */
#ifndef HIST_WIDTH
#define HIST_WIDTH 50
#endif

/* Keys of one array. */
#define SONDE_MAX_KEYS 9

#endif /* SONDE_LIMITS_H */
