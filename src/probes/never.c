/*
 * never.c - the probe that is never hit.
 *
 *   never    type-checked like any probe, never registered
 *
 * Useful to keep code resolved and checked without running it.
 */
#include "probes/group.h"
#include "probes/never.h"

static const char *const patterns[] = { "never", NULL };

static bool derive(struct Elab *e, const Match *m)
{
	elab_derive_point(e, m, match_text(e, m), NULL);
	return true;
}

const ProbeGroup never_group = {
	.name = "never",
	.patterns = patterns,
	.summary = "never runs; checked only",
	.derive = derive,
	.supports_onthefly = true,
	.emit_decls = never_emit_decls,
};
