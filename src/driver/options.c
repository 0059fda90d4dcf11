/*
 * options.c - the command line, compatible with SystemTap's stap(1).
 *
 * options_parse() fills the session from argv and checks every value it
 * can check without touching the system; later passes act on them.  Any
 * bad option gets one line naming it plus the usage line, and status 1.
 */
#include "core/sonde.h"
#include "core/cmdwords.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"	/* PACKAGE_VERSION: AC_INIT's in configure.ac */

static const char usage_line[] =
	"Usage: sonde [options] FILE|-|-e SCRIPT [ARGS...]   (sonde --help for more)\n";

static const char help_text[] =
	"Usage: sonde [options] FILE [ARGS...]      run the script in FILE\n"
	"   or: sonde [options] - [ARGS...]         run the script read from stdin\n"
	"   or: sonde [options] -e SCRIPT [ARGS...] run the given script\n"
	"   or: sonde [options] -l PROBE            list matching probe points\n"
	"   or: sonde [options] -L PROBE            ... with their variables\n"
	"\n"
	"Passes: 1 parse, 2 elaborate, 3 translate to C, 4 build module, 5 run.\n"
	"\n"
	"Script:\n"
	"  -e SCRIPT          run SCRIPT given on the command line\n"
	"  -E SCRIPT          run SCRIPT in addition to the main script\n"
	"  ARGS               script arguments, used as $1..$N and @1..@N\n"
	"  -I DIR             also look for tapsets in DIR\n"
	"  -D NAME[=VAL]      define a C macro in the generated module\n"
	"  -G VAR=VALUE       set a script global at module load\n"
	"  -g                 guru mode: allow embedded C and kernel writes\n"
	"  -u                 keep unused functions, globals and locals\n"
	"  -w                 suppress warnings\n"
	"  -W                 turn warnings into errors\n"
	"\n"
	"Passes and output:\n"
	"  -p NUM             stop after pass NUM (1-5)\n"
	"  -v                 more verbose output (repeatable)\n"
	"  --vp ABCDE         verbosity per pass, one digit each for passes 1-5\n"
	"  -k                 keep the temporary build directory\n"
	"  -t                 collect and report probe timing\n"
	"  --color[=WHEN]     colour diagnostics: always, never or auto\n"
	"  --disable-cache    neither use nor fill the build cache\n"
	"\n"
	"Target:\n"
	"  -r RELEASE|DIR     build for kernel RELEASE or the kbuild tree DIR\n"
	"  -a ARCH            target architecture (default: the host's)\n"
	"  -R DIR             look for the module runtime in DIR\n"
	"  -m NAME            name the module NAME\n"
	"  -B NAME=VAL        pass NAME=VAL to the kernel's kbuild\n"
	"\n"
	"Running:\n"
	"  -c CMD             start the probes, run CMD, stop when it exits\n"
	"  -x PID             set target() to PID\n"
	"  -o FILE            write the script's output to FILE\n"
	"  -s MB              output buffer size in megabytes\n"
	"  -b                 bulk mode: one output file per CPU\n"
	"  -F                 flight recorder mode\n"
	"  -S SIZE[,N]        switch output files at SIZE MB, keep N of them\n"
	"  -T SECONDS         stop the script after SECONDS\n"
	"  --vm[=RELEASE]     run the module in a throwaway VM booted from kernel\n"
	"                     RELEASE (default: -r, else the newest cloud kernel)\n"
	"\n"
	"Information:\n"
	"  -l PROBE           list probe points matching PROBE\n"
	"  -L PROBE           list them with their variables and types\n"
	"  --dump-probe-types     list the probe point types\n"
	"  --dump-functions       list the functions of the tapset library\n"
	"  --dump-probe-aliases   list the probe aliases of the tapset library\n"
	"  -V, --version      print the version\n"
	"  -h, --help         print this help\n";

enum {
	OPT_VP = 256,
	OPT_DUMP_PROBE_TYPES,
	OPT_DUMP_FUNCTIONS,
	OPT_DUMP_PROBE_ALIASES,
	OPT_DISABLE_CACHE,
	OPT_VM,
	OPT_COLOR,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "vp", required_argument, NULL, OPT_VP },
	{ "dump-probe-types", no_argument, NULL, OPT_DUMP_PROBE_TYPES },
	{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
	{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_PROBE_ALIASES },
	{ "disable-cache", no_argument, NULL, OPT_DISABLE_CACHE },
	{ "vm", optional_argument, NULL, OPT_VM },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ 0, 0, 0, 0 }
};

static const char short_options[] =
	":hVp:vwWuI:D:B:r:a:R:m:kgo:c:x:s:bFS:T:G:l:L:te:E:";

static int bad(const char *fmt, const char *what)
{
	fputs(SONDE_NAME ": error: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	fputs(usage_line, stderr);
	return -1;
}

/* -c: the loader splits the command the same way; a command it could
   not run is refused before anything is built. */
static int set_command(Session *s, const char *arg)
{
	CmdWords w;
	const char *err = cmd_split(arg, &w);
	if (err)
		return bad("-c: %s", err);
	cmd_words_free(&w);
	s->target_cmd = arg;
	return 0;
}

/* Parses a whole decimal number in [lo, hi]; false if anything is off. */
static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i], i == 0))
			return false;
	return true;
}

/* NAME=VAL with a C identifier for NAME (-B, -G); -D allows no '='. */
static bool valid_assignment(const char *s, bool value_optional)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return value_optional && valid_name(s, strlen(s));
	return valid_name(s, (size_t)(eq - s));
}

static int set_vp(Session *s, const char *arg)
{
	size_t n = strlen(arg);
	if (n == 0 || n > 5)
		return bad("--vp wants 1 to 5 digits, one per pass, not '%s'", arg);
	for (size_t i = 0; i < n; i++) {
		if (arg[i] < '0' || arg[i] > '9')
			return bad("--vp wants 1 to 5 digits, one per pass, not '%s'", arg);
		s->verbose[i] += arg[i] - '0';
	}
	return 0;
}

static int set_output_limit(Session *s, const char *arg)
{
	char *comma = strchr(arg, ',');
	char size[32];
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	long v;
	if (n >= sizeof size)
		return bad("-S wants SIZE[,N] in megabytes, not '%s'", arg);
	memcpy(size, arg, n);
	size[n] = 0;
	if (!parse_long(size, 1, INT_MAX, &v))
		return bad("-S wants SIZE[,N] in megabytes, not '%s'", arg);
	s->output_file_size = v;
	if (comma) {
		if (!parse_long(comma + 1, 1, INT_MAX, &v))
			return bad("-S wants SIZE[,N] in megabytes, not '%s'", arg);
		s->output_file_count = (int)v;
	}
	return 0;
}

static int set_color(Session *s, const char *arg)
{
	if (!arg || !strcmp(arg, "always"))
		s->color = COLOR_ALWAYS;
	else if (!strcmp(arg, "never"))
		s->color = COLOR_NEVER;
	else if (!strcmp(arg, "auto"))
		s->color = COLOR_AUTO;
	else
		return bad("--color wants always, never or auto, not '%s'", arg);
	return 0;
}

/* -r takes a release name or, if it contains a '/', a kbuild directory. */
static void set_release(Session *s, const char *arg)
{
	if (strchr(arg, '/'))
		s->kernel_build_dir = arg;
	else
		s->kernel_release = arg;
}

static int set_list(Session *s, const char *arg, bool vars)
{
	s->list_pattern = arg;
	s->list_vars = vars;
	return 0;
}

/* One option with its argument; returns 0, or -1 after reporting. */
static int apply(Session *s, int c, const char *arg)
{
	long v;
	switch (c) {
	case 'p':
		if (!parse_long(arg, 1, 5, &v))
			return bad("-p wants a pass number from 1 to 5, not '%s'", arg);
		s->last_pass = (int)v;
		return 0;
	case 'v':
		for (int i = 0; i < 5; i++)
			s->verbose[i]++;
		return 0;
	case OPT_VP: return set_vp(s, arg);
	case 'w': s->suppress_warnings = true; return 0;
	case 'W': s->warnings_fatal = true; return 0;
	case 'u': s->keep_unused = true; return 0;
	case 'I': strlist_push(&s->include_dirs, arg); return 0;
	case 'D':
		if (!valid_assignment(arg, true))
			return bad("-D wants NAME or NAME=VALUE, not '%s'", arg);
		strlist_push(&s->defines, arg);
		return 0;
	case 'B':
		if (!valid_assignment(arg, false))
			return bad("-B wants NAME=VALUE, not '%s'", arg);
		strlist_push(&s->kbuild_opts, arg);
		return 0;
	case 'G':
		if (!valid_assignment(arg, false))
			return bad("-G wants VAR=VALUE, not '%s'", arg);
		strlist_push(&s->global_inits, arg);
		return 0;
	case 'r': set_release(s, arg); return 0;
	case 'a': s->arch = arg; return 0;
	case 'R': s->runtime_dir = arg; return 0;
	case 'm':
		if (!valid_name(arg, strlen(arg)) || strlen(arg) > 55)
			return bad("-m wants a module name of letters, digits and '_' (at most 55), not '%s'", arg);
		s->module_name = arg;
		return 0;
	case 'k': s->keep_tmpdir = true; return 0;
	case 'g': s->guru_mode = true; return 0;
	case 'o': s->output_file = arg; return 0;
	case 'c': return set_command(s, arg);
	case 'x':
		if (!parse_long(arg, 1, INT_MAX, &s->target_pid))
			return bad("-x wants a process id, not '%s'", arg);
		return 0;
	case 's':
		if (!parse_long(arg, 1, 4095, &v))
			return bad("-s wants a buffer size from 1 to 4095 MB, not '%s'", arg);
		s->buffer_mb = (int)v;
		return 0;
	case 'b': s->bulk_mode = true; return 0;
	case 'F': s->flight_recorder = true; return 0;
	case 'S': return set_output_limit(s, arg);
	case 'T':
		if (!parse_long(arg, 1, LONG_MAX / 1000, &s->timeout_s))
			return bad("-T wants a number of seconds, not '%s'", arg);
		return 0;
	case 'l': return set_list(s, arg, false);
	case 'L': return set_list(s, arg, true);
	case 't': s->timing_report = true; return 0;
	case 'e':
		if (s->script_text)
			return bad("-e given twice; use -E for more scripts%s", "");
		s->script_text = arg;
		return 0;
	case 'E': strlist_push(&s->extra_scripts, arg); return 0;
	case OPT_DUMP_PROBE_TYPES: s->dump_probe_types = true; return 0;
	case OPT_DUMP_FUNCTIONS: s->dump_functions = true; return 0;
	case OPT_DUMP_PROBE_ALIASES: s->dump_probe_aliases = true; return 0;
	case OPT_DISABLE_CACHE: s->disable_cache = true; return 0;
	case OPT_VM:
		s->use_vm = true;
		if (arg && *arg)
			s->kernel_release = arg;
		return 0;
	case OPT_COLOR: return set_color(s, arg);
	}
	return bad("unhandled option '%s'", "?");
}

/* Names the option getopt rejected, long or short. */
static int reject(int c, char **argv, int optind_now, const char *why)
{
	char name[3] = { '-', (char)optopt, 0 };
	const char *arg = argv[optind_now - 1];
	if (optopt == 0 || !strncmp(arg, "--", 2)) {
		char *eq = strchr(arg, '=');
		static char buf[256];
		snprintf(buf, sizeof buf, "%.*s", eq ? (int)(eq - arg) : 255, arg);
		return bad(why, buf);
	}
	(void)c;
	return bad(why, name);
}

static bool needs_script(const Session *s)
{
	return !s->list_pattern && !s->dump_probe_types &&
	       !s->dump_functions && !s->dump_probe_aliases;
}

/* The first operand is the script unless -e/-l/--dump-* gave one. */
static int take_operands(Session *s, int argc, char **argv, int first)
{
	int i = first;
	if (!s->script_text && needs_script(s)) {
		if (i >= argc)
			return bad("no script given%s", "");
		s->script_path = argv[i++];
	}
	for (; i < argc; i++)
		strlist_push(&s->script_args, argv[i]);
	if (s->extra_scripts.n && !s->script_text && !s->script_path)
		return bad("-E needs a main script from a file or -e%s", "");
	return 0;
}

int options_parse(Session *s, int argc, char **argv)
{
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, short_options, long_options,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help_text, stdout);
			return 1;
		case 'V':
			printf("sonde %s: a compiler and runner for SystemTap-language probe scripts\n",
			       PACKAGE_VERSION);
			return 1;
		case '?':
			return reject(c, argv, optind, "unknown option '%s'");
		case ':':
			return reject(c, argv, optind, "option '%s' needs an argument");
		default:
			if (apply(s, c, optarg) < 0)
				return -1;
		}
	}
	return take_operands(s, argc, argv, optind);
}
