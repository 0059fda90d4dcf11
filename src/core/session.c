/*
 * session.c - creation and teardown of the state of one sonde run.
 */
#include "core/sonde.h"

#include <stdlib.h>
#include <string.h>

void session_init(Session *s)
{
	memset(s, 0, sizeof *s);
	s->last_pass = PASS_RUN;
	s->privilege = "stapdev";
	s->diag_out = stderr;
	s->buffer_mb = 0;
	s->output_file_count = 0;
	/* File 0 is a placeholder so that a zeroed Loc names no real file. */
	src_add(s, "<none>", "", 0);
}

static void strlist_free(StrList *l)
{
	free(l->v);
	*l = (StrList){0};
}

void session_free(Session *s)
{
	strlist_free(&s->script_args);
	strlist_free(&s->extra_scripts);
	strlist_free(&s->include_dirs);
	strlist_free(&s->defines);
	strlist_free(&s->kbuild_opts);
	strlist_free(&s->global_inits);
	src_free_all(s);
	arena_free(&s->arena);
}
