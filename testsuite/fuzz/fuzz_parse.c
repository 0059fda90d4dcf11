/*
 * fuzz_parse.c - libFuzzer entry point for pass 1.
 *
 * Each input is a script: it is lexed, preprocessed (with two script
 * arguments so $1/@2 paths run), parsed and, when it parses, unparsed.
 * Output and messages go to memory; a crash, a hang or a sanitizer
 * report is what libFuzzer keeps.
 */
#include "core/sonde.h"
#include "parse/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out_text = NULL, *diag_text = NULL;
	size_t out_len = 0, diag_len = 0;
	FILE *out = open_memstream(&out_text, &out_len);
	FILE *diags = open_memstream(&diag_text, &diag_len);
	if (!out || !diags)
		abort();
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
	struct AstFile *ast = parse_file(&s, f);
	if (ast && s.nerrors == 0)
		unparse_file(ast, out);
	free(text);
	session_free(&s);
	fclose(out);
	fclose(diags);
	free(out_text);
	free(diag_text);
	return 0;
}
