/*
 * cmdwords.h - how a -c command is run: split into words like a shell
 * would (quotes and backslashes honoured, nothing expanded), or, when
 * it uses shell syntax (pipes, redirections, `;`, `&&`, globbing,
 * variables, keywords), handed whole to `/bin/sh -c`.
 *
 * Shared by sonde (which checks -c before building) and sonde-run
 * (which starts the command), so it depends on libc alone.
 */
#ifndef SONDE_CMDWORDS_H
#define SONDE_CMDWORDS_H

#include <stdbool.h>

typedef struct CmdWords {
	char **argv;		/* NULL-terminated words; NULL with shell */
	int argc;
	bool shell;		/* run with /bin/sh -c instead */
	char *store_;		/* the words' characters */
} CmdWords;

/*
 * Splits cmd.  Returns NULL on success, else a message saying what is
 * wrong (a static string: unterminated quote, empty command).
 */
const char *cmd_split(const char *cmd, CmdWords *out);
void cmd_words_free(CmdWords *w);

#endif
