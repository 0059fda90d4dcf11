/*
 * test_cmdwords.c - unit tests of how a -c command is split into words
 * or handed to the shell (src/core/cmdwords.c).
 *
 * Each case gives a command and what must come of it: the words shown
 * as [w1][w2]..., or SHELL, or ERROR: followed by a piece of the
 * message.  Prints "PASS name" or "FAIL name" with details below.
 */
#include "core/cmdwords.h"

#include <stdio.h>
#include <string.h>

static int failures;

typedef struct Case {
	const char *name, *cmd, *want;
} Case;

static const Case cases[] = {
	{ "plain", "cat /proc/version", "[cat][/proc/version]" },
	{ "blanks", "  ls \t -l  ", "[ls][-l]" },
	{ "single-quotes", "echo 'a  b' c", "[echo][a  b][c]" },
	{ "double-quotes", "/bin/sh -c \"echo a\"", "[/bin/sh][-c][echo a]" },
	{ "quotes-join", "echo a'b'\"c\"d", "[echo][abcd]" },
	{ "empty-word", "printf '' x", "[printf][][x]" },
	{ "backslash-blank", "touch a\\ b", "[touch][a b]" },
	{ "backslash-quote", "echo \\'x", "[echo]['x]" },
	{ "backslash-in-double", "echo \"a\\\"b\\\\c\\n\"", "[echo][a\"b\\c\\n]" },
	{ "backslash-in-single", "echo 'a\\b'", "[echo][a\\b]" },
	{ "backslash-newline", "echo a\\\nb", "[echo][ab]" },
	{ "trailing-backslash", "echo a\\", "[echo][a\\]" },
	{ "quoted-metachars", "grep '|;&<>()*?[$`' f", "[grep][|;&<>()*?[$`][f]" },
	{ "double-quoted-metachars", "echo \"a|b;c*\"", "[echo][a|b;c*]" },
	{ "escaped-metachars", "echo \\| \\; \\*", "[echo][|][;][*]" },
	{ "equals-later", "dd if=/dev/zero of=/dev/null", "[dd][if=/dev/zero][of=/dev/null]" },
	{ "hash-inside", "echo a#b", "[echo][a#b]" },
	{ "keyword-later", "echo if then", "[echo][if][then]" },
	{ "braces", "find . -exec true {} +", "[find][.][-exec][true][{}][+]" },
	{ "pipe", "cat /proc/version | wc -c", "SHELL" },
	{ "pipe-no-blank", "a|b", "SHELL" },
	{ "redirect-out", "echo a >/tmp/x", "SHELL" },
	{ "redirect-in", "wc -l </etc/passwd", "SHELL" },
	{ "semicolon", "true; false", "SHELL" },
	{ "and", "true && false", "SHELL" },
	{ "background", "sleep 1 &", "SHELL" },
	{ "subshell", "(echo a)", "SHELL" },
	{ "glob-star", "ls /proc/*/stat", "SHELL" },
	{ "glob-question", "ls /dev/tty?", "SHELL" },
	{ "glob-bracket", "ls /dev/tty[0-9]", "SHELL" },
	{ "variable", "echo $HOME", "SHELL" },
	{ "variable-in-double", "echo \"$HOME\"", "SHELL" },
	{ "backquote", "echo `id -u`", "SHELL" },
	{ "newline", "echo a\necho b", "SHELL" },
	{ "comment", "echo a #b", "SHELL" },
	{ "tilde", "ls ~", "SHELL" },
	{ "assignment", "LC_ALL=C sort f", "SHELL" },
	{ "keyword", "if true; then echo; fi", "SHELL" },
	{ "builtin", "cd /tmp", "SHELL" },
	{ "bang", "! true", "SHELL" },
	{ "unterminated-single", "echo 'abc", "ERROR:unterminated single quote" },
	{ "unterminated-double", "echo \"abc", "ERROR:unterminated double quote" },
	{ "unterminated-escaped-quote", "echo \"abc\\\"", "ERROR:unterminated double quote" },
	{ "empty", "", "ERROR:the command is empty" },
	{ "only-blanks", " \t ", "ERROR:the command is empty" },
	{ "quoted-empty", "''", "[]" },
};

static void render(const CmdWords *w, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	if (w->shell) {
		snprintf(buf, cap, "SHELL");
		return;
	}
	for (int i = 0; i < w->argc && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "[%s]", w->argv[i]);
}

static void run_case(const Case *c)
{
	CmdWords w;
	char got[512];
	const char *err = cmd_split(c->cmd, &w);
	bool ok;
	if (err) {
		snprintf(got, sizeof got, "ERROR:%s", err);
		ok = !strncmp(c->want, "ERROR:", 6) && strstr(got, c->want + 6);
	} else {
		render(&w, got, sizeof got);
		ok = !strcmp(got, c->want) &&
		     (w.shell || w.argv[w.argc] == NULL);
		cmd_words_free(&w);
	}
	if (ok) {
		printf("PASS unit/cmdwords-%s\n", c->name);
		return;
	}
	failures++;
	printf("FAIL unit/cmdwords-%s\n  command: %s\n  want:    %s\n  got:     %s\n",
	       c->name, c->cmd, c->want, got);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_case(&cases[i]);
	return failures != 0;
}
