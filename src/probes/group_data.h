/*
 * group_data.h - what each probe group records about a derived probe in
 * pass 2 (DerivedProbe.data) and reads back in pass 3.  One section per
 * group; the group's pass-2 file fills it, its _emit.c file reads it.
 */
#ifndef SONDE_PROBES_GROUP_DATA_H
#define SONDE_PROBES_GROUP_DATA_H

#include <stdbool.h>
#include <stdint.h>

/* begin_end.c */
typedef struct BeginEndData {
	const char *kind;	/* "begin", "end" or "error" */
	int64_t seq;		/* ordering number */
} BeginEndData;

/* timer.c */
typedef struct TimerData {
	const char *unit;	/* as written: "ms", "jiffies", "hz", "profile" */
	int64_t period;		/* N as written */
	int64_t randomize;	/* M, 0 if none */
	int64_t period_ns;	/* 0 for jiffies and profile */
	bool jiffies, profile;
} TimerData;

/* kprobe.c */
typedef struct KprobeData {
	const char *module;	/* NULL: the kernel proper */
	const char *function;	/* NULL for statement probes */
	bool is_return;
	int64_t maxactive;	/* 0: the default */
	int64_t address;	/* statement(ADDR).absolute */
	bool optional;		/* `?`: failing to register only warns */
} KprobeData;

/* procfs.c */
typedef struct ProcfsData {
	const char *name;
	bool write;
	int64_t maxsize;	/* 0: the default */
} ProcfsData;

#endif
