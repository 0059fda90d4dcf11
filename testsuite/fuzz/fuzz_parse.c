/*
 * fuzz_parse.c - libFuzzer entry point for pass 1.
 *
 * Each input is a script: it is lexed, preprocessed (with two script
 * arguments so $1/@2 paths run), parsed and, when it parses, unparsed;
 * an input that counts as long (see lex_wants_thread) is printed as
 * sonde -p1 prints a long script, partly while it is parsed.
 * Diagnostics go to /dev/null; only crashes and sanitizer reports count.
 */
#include "sonde.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null_out;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	Session s;
	session_init(&s);
	s.diag_out = null_out;
	s.kernel_release = "6.1.0-fuzz";
	strlist_push(&s.script_args, "42");
	strlist_push(&s.script_args, "word");
	char *text = xstrndup((const char *)data, size);
	uint16_t f = src_add(&s, "fuzz.stp", text, size);
	if (lex_wants_thread(size)) {
		/* As sonde -p1 does it for a long script. */
		ParseAhead hooks;
		UnparseAhead *ahead = unparse_ahead_open(&hooks);
		struct AstFile *ast = parse_file_ahead(&s, f, &hooks);
		unparse_ahead_finish(ahead, s.nerrors == 0 ? ast : NULL,
				     null_out);
	} else {
		struct AstFile *ast = parse_file(&s, f);
		if (ast && s.nerrors == 0)
			unparse_file(ast, null_out);
	}
	free(text);
	session_free(&s);
	return 0;
}
