/*
 * fuzz_parse.c - libFuzzer entry point for pass 1.
 *
 * Each input is a script: it is lexed, preprocessed (with two script
 * arguments so $1/@2 paths run), parsed and, when it parses, unparsed;
 * an input that counts as long (see lex_wants_thread) is printed as
 * sonde -p1 prints a long script, partly while it is parsed.
 *
 * Every input is parsed twice, with the parser's fast paths on and off
 * (SONDE_PARSE_FAST), and both runs must print the same text and the
 * same diagnostics: the fast paths are meant to build exactly what the
 * grammar builds and to leave every message to it.  A difference aborts,
 * so that libFuzzer keeps the input, as it does for a crash or a
 * sanitizer report.
 */
#include "sonde.h"
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Run {
	char *out, *diags;	/* what -p1 printed, and the messages */
	size_t out_len, diags_len;
	int errors;
} Run;

static void parse_once(const uint8_t *data, size_t size, bool fast, Run *r)
{
	FILE *out = open_memstream(&r->out, &r->out_len);
	FILE *diags = open_memstream(&r->diags, &r->diags_len);
	if (!out || !diags)
		abort();
	setenv("SONDE_PARSE_FAST", fast ? "1" : "0", 1);
	Session s;
	session_init(&s);
	s.diag_out = diags;
	/* A made-up target taken as checked (kernel.c would end the run on
	   the first kernel_v condition): conditions on it evaluate, and a
	   CONFIG_ one reports that it has no configuration. */
	s.kernel_release = s.target_release = "6.1.0-fuzz";
	s.target_checked = true;
	strlist_push(&s.script_args, "42");
	strlist_push(&s.script_args, "word");
	char *text = xstrndup((const char *)data, size);
	uint16_t f = src_add(&s, "fuzz.stp", text, size);
	if (lex_wants_thread(size)) {
		/* As sonde -p1 does it for a long script. */
		ParseAhead hooks;
		UnparseAhead *ahead = unparse_ahead_open(&hooks);
		struct AstFile *ast = parse_file_ahead(&s, f, &hooks);
		unparse_ahead_finish(ahead, s.nerrors == 0 ? ast : NULL, out);
	} else {
		struct AstFile *ast = parse_file(&s, f);
		if (ast && s.nerrors == 0)
			unparse_file(ast, out);
	}
	r->errors = s.nerrors;
	free(text);
	session_free(&s);
	fclose(out);
	fclose(diags);
}

static bool same_text(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && memcmp(a, b, na) == 0;
}

static void free_run(Run *r)
{
	free(r->out);
	free(r->diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Run fast, slow;
	parse_once(data, size, true, &fast);
	parse_once(data, size, false, &slow);
	bool same = fast.errors == slow.errors &&
		    same_text(fast.out, fast.out_len, slow.out, slow.out_len) &&
		    same_text(fast.diags, fast.diags_len, slow.diags,
			      slow.diags_len);
	if (!same) {
		fprintf(stderr,
			"fast paths differ from the grammar\n"
			"--- with the fast paths (%d errors):\n%s%s"
			"--- without (%d errors):\n%s%s",
			fast.errors, fast.out, fast.diags,
			slow.errors, slow.out, slow.diags);
		abort();
	}
	free_run(&fast);
	free_run(&slow);
	return 0;
}
