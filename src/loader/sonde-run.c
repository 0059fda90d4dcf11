/*
 * sonde-run: pass 5 of sonde.  Loads a sonde kernel module, starts its
 * session, streams its output, stops it and unloads it.
 *
 *   sonde-run [-o FILE] [-T SECONDS] [-c CMD] [-x PID] [-s MB] [-b] [-F]
 *             [-S SIZE[,N]] [-D]... MODULE.ko [NAME=VALUE]...
 *   sonde-run -A NAME [-o FILE] [-b] [-S SIZE[,N]] [-D]...
 *
 * Assumes the module was built against runtime/ (it creates
 * /proc/sonde_<name>/data and ctl and speaks runtime/protocol.h).
 * Guarantees: the module is unloaded on every path once it was loaded,
 * all output committed before the end of the session is written, and
 * every failure is one "sonde-run: error: ..." line on stderr with exit
 * status 1.  Exit status 1 too when the script reported errors.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/protocol.h"
#include "core/cmdwords.h"

#define PROG "sonde-run"
#define USAGE "Usage: sonde-run [-o FILE] [-T SECONDS] [-c CMD] [-x PID] [-s MB] [-b] [-F] [-S SIZE[,N]] [-D]... MODULE.ko [NAME=VALUE]...\n" \
	"       sonde-run -A NAME [-o FILE] [-b] [-S SIZE[,N]] [-D]..."
#define DATA_BUF (256 * 1024)
#define STOP_GRACE_MS 60000     /* give up waiting for "stopped" after this */
#define UNLOAD_TRIES 50

struct options {
	const char *out_path;
	long timeout_s;          /* 0: none */
	const char *command;
	long target;             /* 0: none */
	long bufsize_kb;         /* -s, in KB; 0: module default */
	bool bulk;               /* -b: a file per CPU */
	bool flight;             /* -F: detach, or with -o run as a daemon */
	const char *attach;      /* -A: the module name of a detached session */
	long long file_limit;    /* -S: bytes per output file, 0: no limit */
	long file_count;         /* -S: files kept, 0: all */
	int debug;
	const char *module;
	char **params;
	int nparams;
};

/*
 * Counters from the module's "stats" line; valid once have_stats.
 * skipped counts every skipped hit, lockskips those skipped because a
 * global's lock stayed taken; the rest found a probe already running
 * on their CPU.  outside counts hits turned away because the session
 * was starting or stopping (expected, so only -D shows them).
 */
struct stats {
	bool have_stats;
	unsigned long hits, dropped, errors, warnings, skipped, overtime;
	unsigned long lockskips, outside;
};

/* Where output goes: stdout, a file, or with -S a series FILE.0, FILE.1... */
struct sink {
	char *base;              /* file name, NULL for stdout */
	int fd;                  /* -1 until opened */
	int index;               /* -S: number of the current file */
	long long written;       /* bytes in the current file */
};

struct session {
	const struct options *opt;
	char name[64];           /* module name as the kernel knows it */
	char vermagic[256];
	int data_fd, ctl_fd, sig_fd;
	struct sink out;         /* output, or with -b ... */
	struct sink *cpu_out;    /* ... one per CPU, made as CPUs print */
	size_t ncpu_out;
	struct writer {          /* the thread writing a command to ctl */
		pthread_t thread;
		const char *cmd;     /* being written, NULL when idle */
		const char *next;    /* to write once it is done, or NULL */
		int fd;              /* ctl */
		int done[2];         /* pipe: the thread sends errno there */
	} w;
	pid_t child;             /* -c command, 0 when none or reaped */
	int gate_fd;             /* write end holding the command back */
	int exec_fd;             /* read end: errno of a failed exec */
	CmdWords words;          /* -c split into words, or shell */
	char *program;           /* what -c executes (a path) */
	bool stop_sent, stopped, data_eof;
	bool detach;             /* -F: the session runs, leave it */
	long long stop_at_ms;    /* when stop was sent */
	long long deadline_ms;   /* -T, 0 when none */
	unsigned long long last_seq;
	unsigned long error_frames;
	char ctl_line[1024];
	size_t ctl_len;
	struct stats st;
	bool failed;
};

/* ---------------------------------------------------------------- messages */

static void error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Monotonic time in microseconds, for -DD timestamps. */
static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void debug_msg(const struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void debug_msg(const struct session *s, const char *fmt, ...)
{
	va_list ap;

	static long long t0;

	if (!s->opt->debug)
		return;
	if (!t0)
		t0 = now_us();
	fprintf(stderr, PROG ": debug: ");
	if (s->opt->debug > 1)
		fprintf(stderr, "%.3f ms: ", (now_us() - t0) / 1000.0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s\n", USAGE);
	return 1;
}

static void help(void)
{
	printf("%s\n\n"
	       "Load a sonde module, run its session and unload it.\n\n"
	       "  -o FILE     write the script's output to FILE instead of stdout\n"
	       "  -T SECONDS  stop the session after SECONDS\n"
	       "  -c CMD      run CMD once the session runs (split into words, or with\n"
	       "              /bin/sh -c when it uses shell syntax); stop when it ends\n"
	       "  -x PID      make PID the target process\n"
	       "  -s MB       output buffer size in MB, all CPUs together (-b: per CPU)\n"
	       "  -b          bulk mode: a file per CPU, FILE_CPU (-o FILE) or stpd_cpuCPU\n"
	       "  -F          flight recorder: detach once running (with -o: run in the background)\n"
	       "  -A NAME     attach to the session of -F: print its last output, stop it\n"
	       "  -S SIZE[,N] with -o: switch files (FILE.0, FILE.1...) past SIZE MB, keep N\n"
	       "  -D          print protocol events on stderr (repeatable)\n"
	       "  -h          show this help\n", USAGE);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- options */

/* Parse a positive decimal number no larger than max; -1 if bad. */
static long parse_number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > max)
		return -1;
	return v;
}

/*
 * -S SIZE[,N]: SIZE in MB, or in KB with a k suffix (small files for
 * tests); N files kept.
 */
static int parse_file_limit(struct options *o, const char *arg)
{
	char size[32];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	long long unit = 1 << 20;
	long v;

	if (n == 0 || n >= sizeof(size))
		return usage_error("bad -S value '%s', expected SIZE[,N]", arg);
	memcpy(size, arg, n);
	size[n] = '\0';
	if (size[n - 1] == 'k') {
		size[n - 1] = '\0';
		unit = 1 << 10;
	}
	v = parse_number(size, 1000000);
	o->file_count = comma ? parse_number(comma + 1, INT_MAX) : 0;
	if (v < 0 || o->file_count < 0)
		return usage_error("bad -S value '%s', expected SIZE[,N]", arg);
	o->file_limit = v * unit;
	return 0;
}

/* -s MB, or -s Nk in KB (small buffers for tests of lost output). */
static int parse_bufsize(struct options *o, const char *arg)
{
	char num[32];
	size_t n = strlen(arg);
	bool kb = n && arg[n - 1] == 'k';

	if (n == 0 || n >= sizeof(num))
		return usage_error("bad -s value '%s'", arg);
	memcpy(num, arg, n - kb);
	num[n - kb] = '\0';
	o->bufsize_kb = parse_number(num, kb ? 4096 << 10 : 4096);
	if (o->bufsize_kb < 0)
		return usage_error("bad -s value '%s'", arg);
	if (!kb)
		o->bufsize_kb <<= 10;
	return 0;
}

static int parse_option(struct options *o, int c, const char *arg)
{
	switch (c) {
	case 'o': o->out_path = arg; return 0;
	case 'c': o->command = arg; return 0;
	case 'D': o->debug++; return 0;
	case 'T':
		o->timeout_s = parse_number(arg, 1000000);
		return o->timeout_s < 0 ? usage_error("bad -T value '%s'", arg) : 0;
	case 'x':
		o->target = parse_number(arg, INT_MAX);
		return o->target < 0 ? usage_error("bad -x value '%s'", arg) : 0;
	case 's':
		return parse_bufsize(o, arg);
	case 'b': o->bulk = true; return 0;
	case 'F': o->flight = true; return 0;
	case 'A': o->attach = arg; return 0;
	case 'S': return parse_file_limit(o, arg);
	}
	return usage_error("unknown option '-%s'", (char[]){ (char)optopt, 0 });
}

/* Options that do not go together; 1 after a message. */
static int check_combinations(const struct options *o)
{
	if (o->command && o->target)
		return usage_error("%s-c and -x cannot be used together", "");
	if (o->file_limit && !o->out_path)
		return usage_error("%s-S needs -o", "");
	if (o->flight && o->command)
		return usage_error("%s-F and -c cannot be used together", "");
	if (o->flight && o->timeout_s && !o->out_path)
		return usage_error("%s-T needs -o with -F (a detached session has no clock)", "");
	return 0;
}

/* -A NAME takes no module file, parameters or start-up options. */
static int check_attach(const struct options *o, int rest)
{
	if (rest > 0)
		return usage_error("%s-A takes a module name, not a module file or parameters", "");
	if (o->command || o->target || o->bufsize_kb || o->flight || o->timeout_s)
		return usage_error("%s-A cannot be used with -c, -x, -s, -F or -T", "");
	if (o->file_limit && !o->out_path)
		return usage_error("%s-S needs -o", "");
	return 0;
}

/* Fill o from argv; 0 on success, 1 after a message, -1 after help. */
static int parse_args(struct options *o, int argc, char **argv)
{
	int c, i;

	opterr = 0;
	while ((c = getopt(argc, argv, "+o:T:c:x:s:bFA:S:Dh")) != -1) {
		if (c == 'h') {
			help();
			return -1;
		}
		if (c == '?' && strchr("oTcxsAS", optopt))
			return usage_error("option '-%s' needs a value",
					   (char[]){ (char)optopt, 0 });
		if (parse_option(o, c, optarg))
			return 1;
	}
	if (o->attach)
		return check_attach(o, argc - optind);
	if (optind >= argc)
		return usage_error("%sno module given", "");
	if (check_combinations(o))
		return 1;
	o->module = argv[optind];
	o->params = argv + optind + 1;
	o->nparams = argc - optind - 1;
	for (i = 0; i < o->nparams; i++)
		if (!strchr(o->params[i], '=') || o->params[i][0] == '=')
			return usage_error("bad module parameter '%s', expected NAME=VALUE",
					   o->params[i]);
	return 0;
}

/* ---------------------------------------------------------------- modinfo */

/* Read a whole file; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *size)
{
	struct stat sb;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = fstat(fd, &sb) == 0 ? malloc(sb.st_size + 1) : NULL;
	if (buf && read(fd, buf, sb.st_size) != sb.st_size) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	close(fd);
	*size = buf ? (size_t)sb.st_size : 0;
	return buf;
}

/* The .modinfo section of an ELF64 module image, or NULL. */
static const char *modinfo_section(const char *img, size_t size, size_t *len)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh;
	const char *names;
	int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff > size ||
	    eh->e_shnum * sizeof(*sh) > size - eh->e_shoff ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(img + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= size)
		return NULL;
	names = img + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= size - sh[eh->e_shstrndx].sh_offset ||
		    strcmp(names + sh[i].sh_name, ".modinfo") ||
		    sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset)
			continue;
		*len = sh[i].sh_size;
		return img + sh[i].sh_offset;
	}
	return NULL;
}

/* Copy the value of "key=" from a .modinfo section into out. */
static bool modinfo_get(const char *info, size_t len, const char *key,
			char *out, size_t outlen)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		const char *e = info + i;
		size_t n = strnlen(e, len - i);

		if (n > klen && !strncmp(e, key, klen) && e[klen] == '=') {
			snprintf(out, outlen, "%.*s", (int)(n - klen - 1), e + klen + 1);
			return true;
		}
		i += n + 1;
	}
	return false;
}

/* Module name from the file name: basename without .ko, '-' as '_'. */
static void name_from_path(const char *path, char *out, size_t outlen)
{
	const char *base = strrchr(path, '/');
	char *p;

	snprintf(out, outlen, "%s", base ? base + 1 : path);
	p = strstr(out, ".ko");
	if (p && !p[3])
		*p = '\0';
	for (p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* Learn the module's name and vermagic; fails when the file is unusable. */
static int read_module_info(struct session *s)
{
	const char *path = s->opt->module, *info;
	size_t size, len = 0;
	char *img = read_file(path, &size);

	if (!img) {
		error_msg("cannot read module %s: %s", path, strerror(errno));
		return 1;
	}
	info = modinfo_section(img, size, &len);
	if (!info) {
		free(img);
		error_msg("%s is not a kernel module (no .modinfo section)", path);
		return 1;
	}
	if (!modinfo_get(info, len, "name", s->name, sizeof(s->name)))
		name_from_path(path, s->name, sizeof(s->name));
	modinfo_get(info, len, "vermagic", s->vermagic, sizeof(s->vermagic));
	free(img);
	return 0;
}

/* ---------------------------------------------------------------- checks */

static int check_environment(void)
{
	FILE *f;
	int disabled = 0;

	if (geteuid() != 0) {
		error_msg("must be run as root to load kernel modules");
		return 1;
	}
	f = fopen("/proc/sys/kernel/modules_disabled", "r");
	if (f) {
		if (fscanf(f, "%d", &disabled) != 1)
			disabled = 0;
		fclose(f);
	}
	if (disabled) {
		error_msg("module loading is disabled (/proc/sys/kernel/modules_disabled is 1; only a reboot re-enables it)");
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- command */

/* Path of an executable file named `name` in $PATH, malloc'd, or NULL. */
static char *search_path(const char *name)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		size_t n = strcspn(p, ":");
		char *full = malloc(n + strlen(name) + 3);

		if (!full)
			return NULL;
		sprintf(full, "%.*s/%s", (int)n, n ? p : ".", name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0)
			return full;
		free(full);
		p += n;
		if (!*p)
			return NULL;
	}
}

/*
 * Decide how -c runs and find its program before anything is loaded,
 * so a command that cannot start ends the run with a message at once.
 */
static int resolve_command(struct session *s)
{
	const char *cmd = s->opt->command, *err = cmd_split(cmd, &s->words);
	const char *prog;

	if (err) {
		error_msg("bad -c command: %s: %s", err, cmd);
		return 1;
	}
	if (s->words.shell) {
		s->program = strdup("/bin/sh");
		return 0;
	}
	prog = s->words.argv[0];
	if (strchr(prog, '/')) {
		if (access(prog, X_OK)) {
			error_msg("cannot run the command: %s: %s", prog, strerror(errno));
			return 1;
		}
		s->program = strdup(prog);
		return 0;
	}
	s->program = search_path(prog);
	if (!s->program) {
		error_msg("cannot run the command: no program '%s' in PATH (%s)",
			  prog, getenv("PATH") ? getenv("PATH") : "unset");
		return 1;
	}
	return 0;
}

/* In the child: exec the command; on failure send errno to the parent. */
static void exec_command(struct session *s, int err_fd)
{
	char *sh_argv[] = { "sh", "-c", (char *)s->opt->command, NULL };
	int e;

	execv(s->program, s->words.shell ? sh_argv : s->words.argv);
	e = errno;
	if (write(err_fd, &e, sizeof(e)) != sizeof(e))
		fprintf(stderr, PROG ": error: cannot run %s: %s\n", s->program,
			strerror(e));
	_exit(127);
}

/* Fork the -c command, held back until release_command(). */
static int spawn_command(struct session *s, const sigset_t *old_mask)
{
	int gate[2], exec_err[2];
	char go;

	if (resolve_command(s))
		return 1;
	if (pipe2(gate, O_CLOEXEC) || pipe2(exec_err, O_CLOEXEC)) {
		error_msg("cannot create a pipe: %s", strerror(errno));
		return 1;
	}
	s->child = fork();
	if (s->child < 0) {
		error_msg("cannot fork: %s", strerror(errno));
		return 1;
	}
	if (s->child == 0) {
		close(gate[1]);
		close(exec_err[0]);
		if (read(gate[0], &go, 1) != 1)
			_exit(127);          /* session never started */
		sigprocmask(SIG_SETMASK, old_mask, NULL);
		signal(SIGPIPE, SIG_DFL);
		exec_command(s, exec_err[1]);
	}
	close(gate[0]);
	close(exec_err[1]);
	s->gate_fd = gate[1];
	s->exec_fd = exec_err[0];
	return 0;
}

/* After the command ended: true (after a message) if it never started. */
static bool command_failed_to_start(struct session *s)
{
	int e;

	if (s->exec_fd < 0)
		return false;
	ssize_t n = read(s->exec_fd, &e, sizeof(e));
	close(s->exec_fd);
	s->exec_fd = -1;
	if (n != sizeof(e))
		return false;
	error_msg("cannot run the command: %s: %s", s->program, strerror(e));
	return true;
}

static void release_command(struct session *s)
{
	if (s->gate_fd < 0)
		return;
	debug_msg(s, "starting command (pid %d)", (int)s->child);
	if (write(s->gate_fd, "g", 1) != 1)
		error_msg("cannot start the command: %s", strerror(errno));
	close(s->gate_fd);
	s->gate_fd = -1;
}

/* Stop a command still running at the end of the session and reap it. */
static void end_command(struct session *s)
{
	if (s->gate_fd >= 0) {
		close(s->gate_fd);           /* never released: it exits */
		s->gate_fd = -1;
	}
	if (s->child <= 0)
		return;
	kill(s->child, SIGTERM);
	waitpid(s->child, NULL, 0);
	s->child = 0;
}

/* ---------------------------------------------------------------- load */

/* Module parameters: ours first, then the user's (which may override). */
static char *build_params(const struct session *s)
{
	const struct options *o = s->opt;
	size_t cap = 128;
	char *p, *q;
	int i;

	for (i = 0; i < o->nparams; i++)
		cap += strlen(o->params[i]) + 4;
	p = q = malloc(cap);
	if (!p)
		return NULL;
	*q = '\0';
	if (o->bufsize_kb % 1024)
		q += sprintf(q, SONDE_PARAM_BUFSIZE_KB "=%ld ", o->bufsize_kb);
	else if (o->bufsize_kb)
		q += sprintf(q, SONDE_PARAM_BUFSIZE "=%ld ", o->bufsize_kb / 1024);
	if (o->bulk)
		q += sprintf(q, SONDE_PARAM_BULK "=1 ");
	if (o->flight && !o->out_path)
		q += sprintf(q, SONDE_PARAM_FLIGHT "=1 ");
	if (s->child > 0 || o->target)
		q += sprintf(q, SONDE_PARAM_TARGET "=%ld ",
			     s->child > 0 ? (long)s->child : o->target);
	for (i = 0; i < o->nparams; i++) {
		const char *eq = strchr(o->params[i], '=');
		bool quote = strpbrk(eq, " \t") != NULL;

		q += sprintf(q, quote ? "%.*s\"%s\" " : "%.*s%s ",
			     (int)(eq - o->params[i] + 1), o->params[i], eq + 1);
	}
	return p;
}

/* One line saying why finit_module failed with err. */
static void explain_load_error(const struct session *s, int err)
{
	struct utsname u;
	const char *m = s->opt->module;

	uname(&u);
	switch (err) {
	case ENOEXEC:
		error_msg("cannot load %s: invalid module format; was it built for another kernel? (module: %s; running: %s)",
			  m, s->vermagic[0] ? s->vermagic : "unknown", u.release);
		break;
	case EEXIST:
		error_msg("a module named %s is already loaded; is another session running? (rmmod %s)",
			  s->name, s->name);
		break;
	case EPERM:
		error_msg("not permitted to load %s (lockdown, module signing or missing CAP_SYS_MODULE; see dmesg)", m);
		break;
	case EKEYREJECTED: case EBADMSG: case ENOKEY:
		error_msg("cannot load %s: its signature was rejected (%s)", m, strerror(err));
		break;
	case ENOENT:
		error_msg("cannot load %s: unknown symbol or missing probe point (see dmesg)", m);
		break;
	case EINVAL:
		error_msg("cannot load %s: invalid argument, such as a bad module parameter (see dmesg)", m);
		break;
	case ENOSYS:
		error_msg("cannot load %s: this kernel cannot load modules (no module support, or inside a container)", m);
		break;
	default:
		error_msg("cannot load %s: %s (see dmesg)", m, strerror(err));
	}
}

/*
 * The kernel log from here on, for kernel_says(): /dev/kmsg opened and
 * moved to its end before loading.  -1 where it cannot be read.
 */
static int kernel_log_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * After a failed load, repeat what the module itself logged since the
 * mark (such as the probe point it could not register), so the user
 * need not search dmesg.  Records read "PRI,SEQ,TIME,FLAGS;TEXT".
 */
static void kernel_says(const struct session *s, int fd)
{
	char rec[1024], *text;
	size_t len = strlen(s->name);
	ssize_t n;
	int shown = 0;

	while (shown < 10 && (n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		text = strchr(rec, ';');
		if (text && !strncmp(++text, s->name, len) && text[len] == ':' &&
		    !strstr(text, "taint")) {   /* the kernel's notes, not news */
			fprintf(stderr, PROG ": kernel: %s\n", text);
			shown++;
		}
	}
}

static int load_module(struct session *s)
{
	char *params = build_params(s);
	int fd, ret, klog;

	fd = open(s->opt->module, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !params) {
		error_msg("cannot open %s: %s", s->opt->module, strerror(errno));
		free(params);
		return 1;
	}
	debug_msg(s, "loading %s as %s with \"%s\"", s->opt->module, s->name, params);
	klog = kernel_log_mark();
	ret = syscall(SYS_finit_module, fd, params, 0);
	if (ret) {
		explain_load_error(s, errno);
		if (klog >= 0)
			kernel_says(s, klog);
	}
	if (klog >= 0)
		close(klog);
	close(fd);
	free(params);
	return ret ? 1 : 0;
}

/* Remove the module, retrying while it is still busy. */
static int unload_module(struct session *s)
{
	int i;

	for (i = 0; i < UNLOAD_TRIES; i++) {
		if (syscall(SYS_delete_module, s->name, O_NONBLOCK) == 0) {
			debug_msg(s, "unloaded %s", s->name);
			return 0;
		}
		if (errno != EAGAIN && errno != EBUSY && errno != EWOULDBLOCK)
			break;
		usleep(100 * 1000);
	}
	error_msg("cannot unload module %s: %s", s->name, strerror(errno));
	return 1;
}

static int open_channel(const struct session *s, const char *file, int flags)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/" SONDE_PROC_PREFIX "%s/%s", s->name, file);
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		error_msg("cannot open %s: %s (is %s a sonde module?)", path,
			  strerror(errno), s->opt->module ? s->opt->module : s->name);
	return fd;
}

/* ---------------------------------------------------------------- output */

static void request_stop(struct session *s, const char *why);

static void write_all(struct session *s, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!s->failed)
				error_msg("cannot write output: %s", strerror(errno));
			s->failed = true;
			request_stop(s, "output failed");
			return;
		}
		p += k;
		n -= k;
	}
}

/* Open the sink's (next) file; with -S, remove the one that falls out
 * of the N kept. */
static int sink_open(struct session *s, struct sink *k)
{
	const struct options *o = s->opt;
	char *name = k->base;

	k->written = 0;
	if (!k->base) {
		k->fd = STDOUT_FILENO;
		return 0;
	}
	if (o->file_limit && asprintf(&name, "%s.%d", k->base, k->index) < 0)
		return 1;
	k->fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (k->fd < 0)
		error_msg("cannot open output file %s: %s", name, strerror(errno));
	if (name != k->base)
		free(name);
	if (o->file_limit && o->file_count && k->index >= o->file_count &&
	    asprintf(&name, "%s.%ld", k->base, k->index - o->file_count) >= 0) {
		unlink(name);
		free(name);
	}
	return k->fd < 0;
}

/* Write one frame's text; with -S, whole frames go to the next file
 * once this one would grow past the limit. */
static void sink_write(struct session *s, struct sink *k, const char *text,
		       size_t len)
{
	long long limit = s->opt->file_limit;

	if (limit && k->fd >= 0 && k->written && k->written + (long long)len > limit) {
		close(k->fd);
		k->fd = -1;
		k->index++;
	}
	if (k->fd < 0 && sink_open(s, k)) {
		s->failed = true;
		request_stop(s, "output failed");
		return;
	}
	write_all(s, k->fd, text, len);
	k->written += len;
}

/* Bulk mode: the sink of a CPU, FILE_CPU with -o FILE, else stpd_cpuCPU
 * as stap names them. */
static struct sink *cpu_sink(struct session *s, unsigned int cpu)
{
	const char *o = s->opt->out_path;
	size_t n = s->ncpu_out;

	if (cpu >= n) {
		s->cpu_out = realloc(s->cpu_out, (cpu + 1) * sizeof(*s->cpu_out));
		if (!s->cpu_out) {
			error_msg("out of memory");
			exit(1);
		}
		memset(s->cpu_out + n, 0, (cpu + 1 - n) * sizeof(*s->cpu_out));
		for (; n <= cpu; n++)
			s->cpu_out[n].fd = -1;
		s->ncpu_out = n;
	}
	if (!s->cpu_out[cpu].base &&
	    (o ? asprintf(&s->cpu_out[cpu].base, "%s_%u", o, cpu)
	       : asprintf(&s->cpu_out[cpu].base, "stpd_cpu%u", cpu)) < 0)
		s->cpu_out[cpu].base = NULL;
	return &s->cpu_out[cpu];
}

/* Route one frame: output to the output file, messages to stderr.  Bulk
 * mode merges no CPUs, so only each CPU's order holds there. */
static void handle_frame(struct session *s, const struct sonde_frame *f,
			 const char *text)
{
	if (f->seq <= s->last_seq && !s->opt->bulk)
		fprintf(stderr, PROG ": warning: frame %llu after frame %llu (out of order)\n",
			(unsigned long long)f->seq, s->last_seq);
	s->last_seq = f->seq;
	switch (f->type) {
	case SONDE_FRAME_OUTPUT:
		if (!s->failed)
			sink_write(s, s->opt->bulk ? cpu_sink(s, f->cpu) : &s->out,
				   text, f->len);
		break;
	case SONDE_FRAME_WARNING:
		fprintf(stderr, "WARNING: %.*s\n", (int)f->len, text);
		break;
	case SONDE_FRAME_ERROR:
		fprintf(stderr, "ERROR: %.*s\n", (int)f->len, text);
		s->error_frames++;
		break;
	default:
		fprintf(stderr, PROG ": warning: unknown frame type %u\n", f->type);
	}
}

/* Read what the data file has; the kernel returns whole frames only. */
static void drain_data(struct session *s)
{
	static char buf[DATA_BUF];
	ssize_t n;
	size_t off;

	while ((n = read(s->data_fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off + sizeof(struct sonde_frame) <= (size_t)n;) {
			struct sonde_frame f;

			memcpy(&f, buf + off, sizeof(f));
			if (SONDE_FRAME_SIZE(f.len) > n - off)
				break;
			handle_frame(s, &f, buf + off + sizeof(f));
			off += SONDE_FRAME_SIZE(f.len);
		}
	}
	if (n == 0) {
		s->data_eof = true;
		debug_msg(s, "end of output");
	} else if (errno != EAGAIN && errno != EINTR) {
		error_msg("cannot read module output: %s", strerror(errno));
		s->data_eof = s->failed = true;
	}
}

/* ---------------------------------------------------------------- control */

/*
 * Commands run the probes they start (begin, end) in the writing process
 * and the write returns when those are done; it is made from a thread so
 * that the main loop keeps draining their output.  One command at a time,
 * in order: a stop sent while the start still runs waits its turn.
 */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	int err = 0;

	if (write(w->fd, w->cmd, strlen(w->cmd)) < 0)
		err = errno;
	if (write(w->done[1], &err, sizeof(err)) != sizeof(err))
		abort();                 /* a pipe of our own: cannot fail */
	return NULL;
}

static void writer_launch(struct session *s, const char *cmd)
{
	int err;

	debug_msg(s, "sending %s", cmd);
	s->w.cmd = cmd;
	s->w.fd = s->ctl_fd;
	err = pthread_create(&s->w.thread, NULL, writer_main, &s->w);
	if (err) {
		error_msg("cannot start a thread: %s", strerror(err));
		s->w.cmd = NULL;
		s->failed = s->stopped = s->data_eof = true;
	}
}

static void send_command(struct session *s, const char *cmd)
{
	if (s->w.cmd)
		s->w.next = cmd;
	else
		writer_launch(s, cmd);
}

/* The writer thread finished its command: report a failure, go on with
 * the next command. */
static void writer_done(struct session *s)
{
	const char *cmd = s->w.cmd, *next = s->w.next;
	int err;

	if (read(s->w.done[0], &err, sizeof(err)) != sizeof(err))
		return;
	pthread_join(s->w.thread, NULL);
	s->w.cmd = s->w.next = NULL;
	debug_msg(s, "%s done", cmd);
	if (err) {
		error_msg("cannot send %s to the module: %s", cmd, strerror(err));
		/* Give up on the session; unloading still stops it. */
		s->failed = s->stopped = s->data_eof = true;
		return;
	}
	if (next)
		writer_launch(s, next);
}

static void request_stop(struct session *s, const char *why)
{
	if (s->stop_sent)
		return;
	debug_msg(s, "stopping: %s", why);
	s->stop_sent = true;
	s->stop_at_ms = now_ms();
	send_command(s, "stop");
}

static void parse_stats(struct session *s, const char *line)
{
	struct stats *st = &s->st;
	int n;

	st->lockskips = st->outside = 0;
	n = sscanf(line,
		"stats hits=%lu dropped=%lu errors=%lu warnings=%lu skipped=%lu overtime=%lu lockskips=%lu outside=%lu",
		&st->hits, &st->dropped, &st->errors, &st->warnings,
		&st->skipped, &st->overtime, &st->lockskips, &st->outside);
	st->have_stats = n >= 6;
	if (st->lockskips > st->skipped)
		st->lockskips = st->skipped;
}

static void handle_event(struct session *s, const char *line)
{
	debug_msg(s, "event: %s", line);
	if (!strcmp(line, "running")) {
		s->detach = s->opt->flight;
		release_command(s);
		if (s->opt->timeout_s)
			s->deadline_ms = now_ms() + s->opt->timeout_s * 1000;
	} else if (!strcmp(line, "exit")) {
		request_stop(s, "the script asked to exit");
	} else if (!strcmp(line, "stopped")) {
		s->stopped = true;
	} else if (!strncmp(line, "stats ", 6)) {
		parse_stats(s, line);
	} else if (!strncmp(line, "warning ", 8)) {
		fprintf(stderr, "WARNING: %s\n", line + 8);
	} else if (!strncmp(line, "error ", 6)) {
		fprintf(stderr, "ERROR: %s\n", line + 6);
		s->error_frames++;
	}
}

/* Read event lines from ctl and act on each complete one. */
static void drain_ctl(struct session *s)
{
	char *nl;
	ssize_t n;

	for (;;) {
		n = read(s->ctl_fd, s->ctl_line + s->ctl_len,
			 sizeof(s->ctl_line) - 1 - s->ctl_len);
		if (n <= 0)
			break;
		s->ctl_len += n;
		s->ctl_line[s->ctl_len] = '\0';
		while ((nl = strchr(s->ctl_line, '\n'))) {
			*nl = '\0';
			handle_event(s, s->ctl_line);
			s->ctl_len -= nl + 1 - s->ctl_line;
			memmove(s->ctl_line, nl + 1, s->ctl_len + 1);
		}
		if (s->ctl_len == sizeof(s->ctl_line) - 1)
			s->ctl_len = 0;          /* overlong line: drop it */
	}
	if (n == 0 && !s->stopped) {
		error_msg("the module closed its control file before stopping");
		s->stopped = s->data_eof = s->failed = true;
	}
}

/* A -c command that failed or was killed is worth a warning; the
 * status of the session stays the loader's own, as with stap. */
static void report_command_status(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status))
		fprintf(stderr, "WARNING: the command exited with status %d\n",
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "WARNING: the command was killed by signal %d (%s)\n",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
}

static void handle_signals(struct session *s)
{
	struct signalfd_siginfo si;
	int status;

	while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			request_stop(s, strsignal(si.ssi_signo));
			continue;
		}
		if (s->child > 0 && waitpid(s->child, &status, WNOHANG) == s->child) {
			s->child = 0;
			if (command_failed_to_start(s))
				s->failed = true;
			else
				report_command_status(status);
			request_stop(s, "the command ended");
		}
	}
}

/* Milliseconds poll may sleep before a deadline needs attention. */
static int poll_timeout(const struct session *s)
{
	long long t = now_ms(), until = -1;

	if (!s->stop_sent && s->deadline_ms)
		until = s->deadline_ms;
	else if (s->stop_sent)
		until = s->stop_at_ms + STOP_GRACE_MS;
	if (until < 0)
		return -1;
	return until <= t ? 0 : (int)(until - t);
}

static void check_deadlines(struct session *s)
{
	long long t = now_ms();

	if (!s->stop_sent && s->deadline_ms && t >= s->deadline_ms)
		request_stop(s, "time limit (-T) reached");
	if (s->stop_sent && !s->stopped && t >= s->stop_at_ms + STOP_GRACE_MS) {
		error_msg("the module did not stop within %d s; unloading anyway",
			  STOP_GRACE_MS / 1000);
		s->stopped = s->data_eof = s->failed = true;
	}
}

/* Stream output and events until the session stopped and all is read,
 * or with -F until it runs. */
static void session_loop(struct session *s)
{
	/* A failed session does not wait for a command stuck in the module. */
	while (!(s->stopped && s->data_eof && (!s->w.cmd || s->failed)) &&
	       !(s->detach && !s->w.cmd && !s->stop_sent)) {
		struct pollfd p[4] = {
			{ .fd = s->data_eof ? -1 : s->data_fd, .events = POLLIN },
			{ .fd = s->ctl_fd, .events = POLLIN },
			{ .fd = s->sig_fd, .events = POLLIN },
			{ .fd = s->w.done[0], .events = POLLIN },
		};

		if (poll(p, 4, poll_timeout(s)) < 0 && errno != EINTR)
			break;
		if (p[3].revents)
			writer_done(s);
		if (p[2].revents)
			handle_signals(s);
		if (p[1].revents)
			drain_ctl(s);
		if (p[0].revents)
			drain_data(s);
		check_deadlines(s);
	}
}

/* ---------------------------------------------------------------- summary */

static void report_summary(const struct session *s)
{
	const struct stats *st = &s->st;
	unsigned long reentrant;

	if (!st->have_stats) {
		if (!s->failed)
			fprintf(stderr, PROG ": warning: the module reported no counters\n");
		return;
	}
	if (s->opt->debug)
		fprintf(stderr, PROG ": stats: hits=%lu dropped=%lu errors=%lu warnings=%lu skipped=%lu overtime=%lu lockskips=%lu outside=%lu\n",
			st->hits, st->dropped, st->errors, st->warnings,
			st->skipped, st->overtime, st->lockskips, st->outside);
	if (st->dropped)
		fprintf(stderr, "WARNING: %lu output records dropped: the buffer was full (try a larger -s)\n",
			st->dropped);
	reentrant = st->skipped - st->lockskips;
	if (reentrant)
		fprintf(stderr, "WARNING: %lu probe hit%s skipped: a probe was already running on the CPU\n",
			reentrant, reentrant == 1 ? "" : "s");
	if (st->lockskips)
		fprintf(stderr, "WARNING: %lu probe hit%s skipped: a global's lock stayed contended\n",
			st->lockskips, st->lockskips == 1 ? "" : "s");
	if (st->overtime)
		fprintf(stderr, "WARNING: %lu probe invocations stopped for running too long\n",
			st->overtime);
	if (st->errors)
		fprintf(stderr, "ERROR: the session had %lu error%s\n", st->errors,
			st->errors == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- main */

/* The output file is opened before loading, so that a bad path fails
 * first; bulk files are made as CPUs print. */
static int open_output(struct session *s)
{
	s->out.base = (char *)s->opt->out_path;
	return s->opt->bulk ? 0 : sink_open(s, &s->out);
}

static void close_output(struct session *s)
{
	size_t i;

	if (s->out.fd > STDOUT_FILENO)
		close(s->out.fd);
	for (i = 0; i < s->ncpu_out; i++) {
		if (s->cpu_out[i].fd >= 0)
			close(s->cpu_out[i].fd);
		free(s->cpu_out[i].base);
	}
	free(s->cpu_out);
}

/* Block the signals we handle and get them through a signalfd. */
static int catch_signals(struct session *s, sigset_t *old_mask)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old_mask);
	/* A closed output pipe must end the session, not kill the loader
	 * with the module still loaded. */
	signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sig_fd < 0) {
		error_msg("cannot create a signalfd: %s", strerror(errno));
		return 1;
	}
	return 0;
}

/* Everything before the module is loaded; nothing to undo on failure
 * but a held-back command. */
static int prepare(struct session *s, sigset_t *old_mask)
{
	if (s->opt->attach) {
		name_from_path(s->opt->attach, s->name, sizeof(s->name));
		return check_environment() || open_output(s) ||
		       catch_signals(s, old_mask);
	}
	if (access(s->opt->module, F_OK)) {
		error_msg("no module file %s", s->opt->module);
		return 1;
	}
	if (read_module_info(s) || check_environment() || open_output(s) ||
	    catch_signals(s, old_mask))
		return 1;
	return s->opt->command ? spawn_command(s, old_mask) : 0;
}

/* Open the module's files and the writer's pipe; false after a message. */
static bool open_session(struct session *s)
{
	s->data_fd = open_channel(s, "data", O_RDONLY);
	s->ctl_fd = s->data_fd < 0 ? -1 : open_channel(s, "ctl", O_RDWR);
	if (s->ctl_fd >= 0 && pipe2(s->w.done, O_CLOEXEC)) {
		error_msg("cannot create a pipe: %s", strerror(errno));
		close(s->ctl_fd);
		s->ctl_fd = -1;
	}
	return s->ctl_fd >= 0;
}

static void close_session(struct session *s)
{
	if (s->data_fd >= 0)
		close(s->data_fd);
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	s->data_fd = s->ctl_fd = -1;
}

/* Stop (if need be), unload and report; returns the exit status. */
static int finish(struct session *s)
{
	int status;

	end_command(s);
	close_session(s);
	status = unload_module(s);
	report_summary(s);
	if (s->failed || s->error_frames || s->st.errors)
		status = 1;
	return status;
}

/*
 * -F without -o: leave the session running with its output in the
 * module's flight recorder, for a later -A.
 */
static int detach(struct session *s)
{
	close_session(s);
	fprintf(stderr, PROG ": %s runs in flight recorder mode; 'sonde-run -A %s' prints its last output and stops it\n",
		s->name, s->name);
	return 0;
}

/*
 * -F with -o: go on in the background, writing to the output file until
 * exit(), SIGTERM or -T; the parent prints the process id and returns.
 */
static int daemonize(struct session *s)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		error_msg("cannot fork: %s", strerror(errno));
		return finish(s);
	}
	if (pid > 0) {
		printf("%d\n", (int)pid);
		return -1;                   /* the caller returns 0 */
	}
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	s->detach = false;
	session_loop(s);
	return finish(s);
}

/* Load, run, unload; returns the exit status. */
static int run(struct session *s)
{
	if (load_module(s))
		return 1;
	if (!open_session(s)) {
		s->failed = true;
		return finish(s);
	}
	send_command(s, "start");
	session_loop(s);
	if (s->detach && !s->stop_sent && !s->failed)
		return s->opt->out_path ? daemonize(s) : detach(s);
	return finish(s);
}

/* -A: stop a detached session and print what its recorder kept. */
static int attach(struct session *s)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/proc/" SONDE_PROC_PREFIX "%s", s->name);
	if (access(dir, F_OK)) {
		error_msg("no session %s is loaded (no %s)", s->name, dir);
		return 1;
	}
	if (!open_session(s)) {
		s->failed = true;
		return finish(s);
	}
	request_stop(s, "attached (-A)");
	session_loop(s);
	return finish(s);
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct session s = { .opt = &opt, .data_fd = -1, .ctl_fd = -1,
			     .sig_fd = -1, .gate_fd = -1, .exec_fd = -1,
			     .out.fd = -1 };
	sigset_t old_mask;
	int ret;

	ret = parse_args(&opt, argc, argv);
	if (ret)
		return ret < 0 ? 0 : 1;
	if (prepare(&s, &old_mask)) {
		end_command(&s);
		return 1;
	}
	ret = opt.attach ? attach(&s) : run(&s);
	if (ret < 0)
		return 0;                    /* the parent of a daemon */
	close_output(&s);
	return ret;
}
