/*
 * kprobe.h - private to the kprobe group, shared by kprobe.c (pass 2)
 * and kprobe_emit.c (pass 3): what pass 2 records about each derived probe
 * (DerivedProbe.data) and the emit hooks the group's table names.
 */
#ifndef SONDE_PROBES_KPROBE_H
#define SONDE_PROBES_KPROBE_H

#include "probes/group.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct KprobeData {
	const char *module;	/* NULL: the kernel proper */
	const char *function;	/* NULL for statement probes */
	bool is_return;
	int64_t maxactive;	/* 0: the default */
	int64_t address;	/* statement(ADDR).absolute */
	bool optional;		/* `?`: failing to register only warns */
} KprobeData;

void kprobe_emit_decls(void *emitter, const DerivedProbe *d);
void kprobe_emit_init(void *emitter, const DerivedProbe *d);
void kprobe_emit_exit(void *emitter, const DerivedProbe *d);
void kprobe_emit_refresh(void *emitter, const DerivedProbe *d);

#endif
