/*
 * timer.h - private to the timer group, shared by timer.c (pass 2)
 * and timer_emit.c (pass 3): what pass 2 records about each derived probe
 * (DerivedProbe.data) and the emit hooks the group's table names.
 */
#ifndef SONDE_PROBES_TIMER_H
#define SONDE_PROBES_TIMER_H

#include "probes/group.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct TimerData {
	const char *unit;	/* as written: "ms", "jiffies", "hz", "profile" */
	int64_t period;		/* N as written */
	int64_t randomize;	/* M, 0 if none */
	int64_t period_ns;	/* 0 for jiffies and profile */
	bool jiffies, profile;
} TimerData;

void timer_emit_decls(void *emitter, const DerivedProbe *d);
void timer_emit_init(void *emitter, const DerivedProbe *d);
void timer_emit_exit(void *emitter, const DerivedProbe *d);
void timer_emit_refresh(void *emitter, const DerivedProbe *d);

#endif
