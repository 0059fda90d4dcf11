/*
 * cmdwords.c - split a -c command into words, or decide it needs a
 * shell (see cmdwords.h).
 *
 * The words are those /bin/sh would make of a plain command: blanks
 * separate them, '...' keeps everything, "..." keeps everything but
 * \$ \` \" \\ and backslash-newline, and a backslash outside quotes
 * keeps the next character.  Anything the shell would expand or
 * interpret instead (unquoted | & ; < > ( ) $ ` * ? [ or a newline, a
 * word starting with # or ~, $ or ` between double quotes, a leading
 * NAME=VALUE, a keyword or a builtin without a program of its own as
 * the first word) makes the whole command a shell command, so that it
 * means exactly what it would mean typed at a shell prompt.  Running
 * a plain command directly makes target() the program's own pid.
 */
#include "core/cmdwords.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* First words that only a shell understands. */
static const char *const shell_words[] = {
	"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi",
	"for", "if", "in", "then", "until", "while", ".", ":", "alias",
	"break", "cd", "command", "continue", "eval", "exec", "exit",
	"export", "getopts", "read", "readonly", "return", "set", "shift",
	"source", "times", "trap", "type", "ulimit", "umask", "unalias",
	"unset", "wait", NULL
};

static bool is_shell_word(const char *w)
{
	for (int i = 0; shell_words[i]; i++)
		if (!strcmp(w, shell_words[i]))
			return true;
	return false;
}

/* NAME= at the start of the word as written: a variable assignment. */
static bool is_assignment(const char *raw)
{
	if (!(isalpha((unsigned char)*raw) || *raw == '_'))
		return false;
	while (isalnum((unsigned char)*raw) || *raw == '_')
		raw++;
	return *raw == '=';
}

typedef struct Splitter {
	const char *p;		/* next input character */
	char *out;		/* next output character */
	CmdWords *w;
} Splitter;

/* Ends the word that starts at `start`. */
static void end_word(Splitter *s, char *start)
{
	*s->out++ = '\0';
	s->w->argv[s->w->argc++] = start;
}

/* Copies a '...' string (p after the opening quote). */
static const char *single_quoted(Splitter *s)
{
	while (*s->p && *s->p != '\'')
		*s->out++ = *s->p++;
	if (!*s->p)
		return "unterminated single quote ('): close it with another '";
	s->p++;
	return NULL;
}

/* Copies a "..." string (p after the opening quote). */
static const char *double_quoted(Splitter *s)
{
	while (*s->p && *s->p != '"') {
		char c = *s->p++;
		if (c == '$' || c == '`')
			s->w->shell = true;
		if (c == '\\' && *s->p && strchr("$`\"\\\n", *s->p)) {
			c = *s->p++;
			if (c == '\n')
				continue;
		}
		*s->out++ = c;
	}
	if (!*s->p)
		return "unterminated double quote (\"): close it with another \"";
	s->p++;
	return NULL;
}

/* One word from p (not a blank); NULL or a message. */
static const char *one_word(Splitter *s)
{
	char *start = s->out;
	const char *raw = s->p;
	if (*s->p == '#' || *s->p == '~')
		s->w->shell = true;
	while (*s->p && *s->p != ' ' && *s->p != '\t') {
		char c = *s->p++;
		const char *err = NULL;
		if (c == '\'')
			err = single_quoted(s);
		else if (c == '"')
			err = double_quoted(s);
		else if (c == '\\' && *s->p == '\n')
			s->p++;
		else if (c == '\\' && *s->p)
			*s->out++ = *s->p++;
		else {
			if (strchr("|&;<>()$`*?[\n", c))
				s->w->shell = true;
			*s->out++ = c;
		}
		if (err)
			return err;
	}
	end_word(s, start);
	if (s->w->argc == 1 && (is_assignment(raw) || is_shell_word(start)))
		s->w->shell = true;
	return NULL;
}

const char *cmd_split(const char *cmd, CmdWords *w)
{
	size_t len = strlen(cmd);
	const char *err = NULL;
	memset(w, 0, sizeof *w);
	w->store_ = malloc(len + 1);
	w->argv = malloc((len / 2 + 2) * sizeof *w->argv);
	if (!w->store_ || !w->argv) {
		cmd_words_free(w);
		return "out of memory";
	}
	Splitter s = { .p = cmd, .out = w->store_, .w = w };
	while (!err) {
		while (*s.p == ' ' || *s.p == '\t')
			s.p++;
		if (!*s.p)
			break;
		err = one_word(&s);
	}
	if (!err && w->argc == 0)
		err = "the command is empty: name a program to run";
	if (err) {
		cmd_words_free(w);
		return err;
	}
	w->argv[w->argc] = NULL;
	if (w->shell) {
		free(w->argv);
		w->argv = NULL;
	}
	return NULL;
}

void cmd_words_free(CmdWords *w)
{
	free(w->argv);
	free(w->store_);
	memset(w, 0, sizeof *w);
}
