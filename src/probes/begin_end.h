/*
 * begin_end.h - private to the begin/end group, shared by begin_end.c (pass 2)
 * and begin_end_emit.c (pass 3): what pass 2 records about each derived probe
 * (DerivedProbe.data) and the emit hooks the group's table names.
 */
#ifndef SONDE_PROBES_BEGIN_END_H
#define SONDE_PROBES_BEGIN_END_H

#include "probes/group.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct BeginEndData {
	const char *kind;	/* "begin", "end" or "error" */
	int64_t seq;		/* ordering number */
} BeginEndData;

void begin_end_emit_decls(void *emitter, const DerivedProbe *d);
void begin_end_emit_init(void *emitter, const DerivedProbe *d);

#endif
