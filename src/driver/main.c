/*
 * main.c - the driver: options, then the passes in order.
 *
 * The pass table below is the one place the pipeline is written down.
 * Each pass takes the session and returns true on success; the driver
 * stops after a pass that reported errors, or after pass -p N.
 */
#include "core/sonde.h"
#include "parse/parse.h"
#include "elaborate/elab.h"
#include "driver/backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What each pass hands to the next: the parsed user scripts (pass 1),
   the resolved program (pass 2). */
typedef struct Pipeline {
	struct AstFile **scripts;
	size_t nscripts;
	Program *program;
	StrBuf c_text;		/* pass 3: the module's C source */
	char *ko;		/* pass 4: path of the built module */
	int run_status;		/* pass 5: the loader's exit status */
} Pipeline;

typedef bool (*PassFn)(Session *s, Pipeline *p);

static uint16_t load_script(Session *s)
{
	if (s->script_text)
		return src_add(s, "<input>", s->script_text,
			       strlen(s->script_text));
	size_t len;
	char *text = read_file(s->script_path, &len);
	if (!text) {
		diag_error(s, "cannot read script '%s': %s", s->script_path,
			   strerror(errno));
		return 0;
	}
	const char *name = strcmp(s->script_path, "-") ? s->script_path
							: "<stdin>";
	return src_add_owned(s, name, text, len);
}

static void add_parsed(Pipeline *p, struct AstFile *f)
{
	p->scripts = xrealloc(p->scripts, (p->nscripts + 1) * sizeof *p->scripts);
	p->scripts[p->nscripts++] = f;
}

/* Pass 1: the main script and every -E script, each a file of its own;
   -p1 prints them once all are parsed. */
static bool pass_parse(Session *s, Pipeline *p)
{
	tapset_add_macros(s);
	uint16_t main_file = load_script(s);
	if (!main_file)
		return false;
	add_parsed(p, parse_file(s, main_file));
	for (size_t i = 0; i < s->extra_scripts.n; i++) {
		const char *text = s->extra_scripts.v[i];
		uint16_t f = src_add(s, "<input>", text, strlen(text));
		add_parsed(p, parse_file(s, f));
	}
	bool print = s->nerrors == 0 && s->last_pass == PASS_PARSE;
	for (size_t i = 0; print && i < p->nscripts; i++)
		if (p->scripts[i])
			unparse_file(p->scripts[i], stdout);
	if (s->verbose[0] >= 2)
		fprintf(stderr, "Pass 1: %zu tokens\n", s->parse_tokens);
	return s->nerrors == 0;
}

/* Pass 2: resolution and types; -p2 prints the resolved program. */
static bool pass_elaborate(Session *s, Pipeline *p)
{
	if (!elab_run(s, p->scripts, p->nscripts, &p->program))
		return false;
	if (s->last_pass == PASS_ELABORATE)
		elab_print(s, p->program, stdout);
	return true;
}

/* Pass 3: the module's C source; -p3 prints it. */
static bool pass_translate(Session *s, Pipeline *p)
{
	if (!translate_program(s, p->program, &p->c_text))
		return false;
	if (s->last_pass == PASS_TRANSLATE)
		fputs(p->c_text.data, stdout);
	return true;
}

/* Pass 4: kbuild through the build cache; -p4 prints the .ko path. */
static bool pass_build(Session *s, Pipeline *p)
{
	return build_module(s, p->c_text.data, &p->ko);
}

/* Pass 5: the loader, here or in a VM; its status is sonde's. */
static bool pass_run(Session *s, Pipeline *p)
{
	return run_module(s, p->ko, &p->run_status);
}

static const struct {
	const char *name;
	PassFn run;
} passes[] = {
	{ "parse", pass_parse },
	{ "elaborate", pass_elaborate },
	{ "translate", pass_translate },
	{ "build", pass_build },
	{ "run", pass_run },
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run_passes(Session *s)
{
	Pipeline p = {0};
	bool ok = true;
	for (int i = 0; ok && i < (int)(sizeof passes / sizeof passes[0]); i++) {
		if (i + 1 > s->last_pass)
			break;
		double t0 = now_ms();
		ok = passes[i].run(s, &p);
		if (s->verbose[i])
			fprintf(stderr, "Pass %d: %s done in %.1f ms, arena %zu KiB%s\n",
				i + 1, passes[i].name, now_ms() - t0,
				s->arena.used_total / 1024,
				ok ? "" : " (failed)");
	}
	free(p.scripts);
	program_free(p.program);
	sb_free(&p.c_text);
	free(p.ko);
	build_cleanup(s);
	if (ok && s->nerrors == 0 && s->last_pass == PASS_RUN)
		return p.run_status;
	return ok && s->nerrors == 0 ? 0 : 1;
}

static void resolve_color(Session *s)
{
	s->use_color = s->color == COLOR_ALWAYS ||
		       (s->color == COLOR_AUTO && isatty(2) &&
			getenv("TERM") && strcmp(getenv("TERM"), "dumb"));
}

static bool wants_listing(const Session *s)
{
	return s->list_pattern || s->dump_probe_types || s->dump_functions ||
	       s->dump_probe_aliases;
}

int main(int argc, char **argv)
{
	Session s;
	session_init(&s);
	int r = options_parse(&s, argc, argv);
	if (r != 0) {
		session_free(&s);
		return r > 0 ? 0 : 1;
	}
	resolve_color(&s);
	int status;
	if (wants_listing(&s))
		status = listing_run(&s) ? 0 : 1;
	else
		status = s.last_pass == PASS_RUN && !run_check_options(&s)
			 ? 1 : run_passes(&s);
	session_free(&s);
	return status;
}
