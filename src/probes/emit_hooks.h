/*
 * emit_hooks.h - the pass-3 hooks of the probe groups.
 *
 * Each group's hooks live in src/probes/<group>_emit.c, beside the
 * group's pass-2 file, and fill the emit_* members of its ProbeGroup
 * table (group.h).  Every hook takes the Emitter (emit.h) as `void *`
 * and one derived probe:
 *   decls    the handler and the probe's entry in the group's array
 *   init     registration, in register_probes (or a begin/end runner)
 *   exit     unregistration, in unregister_probes
 *   refresh  on-the-fly: copy the condition's value for the group's
 *            refresh call
 * Group-wide calls (register all timers at once) are written once per
 * group with emit_trailer().
 */
#ifndef SONDE_PROBES_EMIT_HOOKS_H
#define SONDE_PROBES_EMIT_HOOKS_H

#include "probes/group.h"

void begin_end_emit_decls(void *emitter, const DerivedProbe *d);
void begin_end_emit_init(void *emitter, const DerivedProbe *d);

void never_emit_decls(void *emitter, const DerivedProbe *d);

void timer_emit_decls(void *emitter, const DerivedProbe *d);
void timer_emit_init(void *emitter, const DerivedProbe *d);
void timer_emit_exit(void *emitter, const DerivedProbe *d);
void timer_emit_refresh(void *emitter, const DerivedProbe *d);

void procfs_emit_decls(void *emitter, const DerivedProbe *d);
void procfs_emit_init(void *emitter, const DerivedProbe *d);
void procfs_emit_exit(void *emitter, const DerivedProbe *d);

void kprobe_emit_decls(void *emitter, const DerivedProbe *d);
void kprobe_emit_init(void *emitter, const DerivedProbe *d);
void kprobe_emit_exit(void *emitter, const DerivedProbe *d);
void kprobe_emit_refresh(void *emitter, const DerivedProbe *d);

#endif
