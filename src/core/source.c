/*
 * source.c - the session's table of source texts.
 *
 * Files are never removed, so a file index stays valid for the whole run
 * and a Loc can name its file with 16 bits.
 */
#include "core/sonde.h"

#include <stdlib.h>

static uint16_t add(Session *s, SrcFile f)
{
	if (s->nfiles == UINT16_MAX) {
		/* Every later location would be ambiguous: refuse loudly. */
		fprintf(stderr, SONDE_NAME ": error: more than %d source texts\n",
			UINT16_MAX - 1);
		exit(1);
	}
	if (s->nfiles == s->files_cap) {
		s->files_cap = s->files_cap ? s->files_cap * 2 : 16;
		s->files = xrealloc(s->files, s->files_cap * sizeof *s->files);
	}
	s->files[s->nfiles] = f;
	return (uint16_t)s->nfiles++;
}

uint16_t src_add(Session *s, const char *name, const char *text, size_t len)
{
	return add(s, (SrcFile){ .name = name, .text = text, .len = len });
}

uint16_t src_add_owned(Session *s, const char *name, char *text, size_t len)
{
	return add(s, (SrcFile){ .name = name, .text = text, .len = len,
				 .owns_text = true });
}

uint16_t src_add_expansion(Session *s, const char *name, const char *what,
			   const char *text, size_t len, Loc from)
{
	const SrcFile *site = src_get(s, from.file);
	return add(s, (SrcFile){ .name = name, .text = text, .len = len,
				 .from = from, .what = what,
				 .is_tapset = site->is_tapset });
}

const SrcFile *src_get(const Session *s, uint16_t file)
{
	return &s->files[file];
}

void src_free_all(Session *s)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i].owns_text)
			free((char *)s->files[i].text);
		free(s->files[i].line_starts);
	}
	free(s->files);
	s->files = NULL;
	s->nfiles = s->files_cap = 0;
}
