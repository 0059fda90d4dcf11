/*
 * files.c - pass 1 of real-sized scripts, timed one file at a time.
 *
 * Usage: files LIBDIR FILE...
 * Registers the macro files of the library LIBDIR (as SONDE_TAPSET_DIR
 * would), then parses and unparses each FILE (what `sonde -p1` does with
 * it, without the process start-up), best of RUNS times, and prints one
 * line per file: its size in bytes, the best time in microseconds and
 * whether it parsed without errors.  Diagnostics are discarded.
 */
#include "sonde.h"
#include "parse.h"
#include "elab.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { RUNS = 5 };

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: files LIBDIR FILE...\n");
		return 2;
	}
	setenv("SONDE_TAPSET_DIR", argv[1], 1);
	FILE *sink = fopen("/dev/null", "w");
	Session s;
	session_init(&s);
	s.diag_out = sink;
	s.kernel_release = "6.1.0-bench";
	/* As the parse group runs them: the library's own macros, and its
	   linux/ folder on the include path (library.sh). */
	char *linux_dir = xasprintf("%s/linux", argv[1]);
	strlist_push(&s.include_dirs, linux_dir);
	tapset_add_macros(&s);
	for (int i = 2; i < argc; i++) {
		size_t len;
		char *text = read_file(argv[i], &len);
		if (!text)
			continue;
		double best = 0;
		bool ok = true;
		for (int r = 0; r < RUNS; r++) {
			int errors = s.nerrors;
			uint16_t f = src_add(&s, argv[i], text, len);
			double t0 = now_us();
			struct AstFile *ast = parse_file(&s, f);
			if (ast && s.nerrors == errors)
				unparse_file(ast, sink);
			double t = now_us() - t0;
			ok = ast && s.nerrors == errors;
			if (r == 0 || t < best)
				best = t;
		}
		printf("%zu %.1f %s %s\n", len, best, ok ? "ok" : "errors",
		       argv[i]);
		/* The session keeps the text: every run's locations name it. */
		src_add_owned(&s, argv[i], text, len);
	}
	session_free(&s);
	free(linux_dir);
	fclose(sink);
	return 0;
}
