/*
 * procfs.h - private to the procfs group, shared by procfs.c (pass 2)
 * and procfs_emit.c (pass 3): what pass 2 records about each derived probe
 * (DerivedProbe.data) and the emit hooks the group's table names.
 */
#ifndef SONDE_PROBES_PROCFS_H
#define SONDE_PROBES_PROCFS_H

#include "probes/group.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ProcfsData {
	const char *name;
	bool write;
	int64_t maxsize;	/* 0: the default */
} ProcfsData;

void procfs_emit_decls(void *emitter, const DerivedProbe *d);
void procfs_emit_init(void *emitter, const DerivedProbe *d);
void procfs_emit_exit(void *emitter, const DerivedProbe *d);

#endif
