/*
 * never.h - private to the never group, shared by never.c (pass 2)
 * and never_emit.c (pass 3): what pass 2 records about each derived probe
 * (DerivedProbe.data) and the emit hooks the group's table names.
 */
#ifndef SONDE_PROBES_NEVER_H
#define SONDE_PROBES_NEVER_H

#include "probes/group.h"

void never_emit_decls(void *emitter, const DerivedProbe *d);

#endif
