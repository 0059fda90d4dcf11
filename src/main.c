/*
 * main.c - the driver: options, then the passes in order.
 *
 * The pass table below is the one place the pipeline is written down.
 * Each pass takes the session and returns true on success; the driver
 * stops after a pass that reported errors, or after pass -p N.
 */
#include "sonde.h"
#include "parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What pass 1 hands to pass 2: the parsed user scripts. */
typedef struct Pipeline {
	struct AstFile **scripts;
	size_t nscripts;
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

/* Pass 1: the main script and every -E script, each a file of its own. */
static bool pass_parse(Session *s, Pipeline *p)
{
	uint16_t main_file = load_script(s);
	if (!main_file)
		return false;
	add_parsed(p, parse_file(s, main_file));
	for (size_t i = 0; i < s->extra_scripts.n; i++) {
		const char *text = s->extra_scripts.v[i];
		uint16_t f = src_add(s, "<input>", text, strlen(text));
		add_parsed(p, parse_file(s, f));
	}
	if (s->nerrors || s->last_pass != PASS_PARSE)
		return s->nerrors == 0;
	for (size_t i = 0; i < p->nscripts; i++)
		if (p->scripts[i])
			unparse_file(p->scripts[i], stdout);
	return true;
}

static bool pass_missing(Session *s, Pipeline *p, int pass, const char *name)
{
	(void)p;
	diag_error(s, "pass %d (%s) is not part of this build of sonde yet; "
		   "stop earlier with -p%d", pass, name, pass - 1);
	return false;
}

static bool pass_elaborate(Session *s, Pipeline *p)
{
	return pass_missing(s, p, PASS_ELABORATE, "elaboration");
}

static const struct {
	const char *name;
	PassFn run;
} passes[] = {
	{ "parse", pass_parse },
	{ "elaborate", pass_elaborate },
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
		status = pass_elaborate(&s, NULL) ? 0 : 1;
	else
		status = run_passes(&s);
	session_free(&s);
	return status;
}
