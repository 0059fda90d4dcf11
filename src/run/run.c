/*
 * run.c - pass 5 glue: hand the built module to the loader.
 *
 * On this host: exec `sonde-run` (installed beside sonde) with the run
 * options (-o, -T, -c, -x, -s) and the -G assignments as module
 * parameters, and return its exit status.  A host that cannot load
 * modules (not root, loading disabled, module built for another kernel)
 * gets one line saying so and pointing at --vm, never a loader failure.
 *
 * With --vm[=RELEASE]: the same command line runs inside a throwaway VM
 * booted from that kernel (src/run/sonde-vm); the loader, the module and
 * the files the -c command names (under /root/host, with their
 * libraries) are copied in, output streams back, -o FILE is written on
 * the host, and the exit status is the loader's.  A VM that does not
 * finish within its time limit (SONDE_VM_TIMEOUT) is stopped with a
 * message saying how to allow longer.
 */
#define _GNU_SOURCE
#include "driver/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where host files named by the -c command go in the guest. */
#define GUEST_HOST_DIR "/root/host"

#ifdef SONDE_SOURCE_TAPSET_DIR
#define SOURCE_SONDE_VM SONDE_SOURCE_TAPSET_DIR "/../src/run/sonde-vm"
#else
#define SOURCE_SONDE_VM NULL
#endif

/* A helper program: beside sonde, else (run from the build tree only)
   `fallback` in the source tree, else on PATH. */
static char *find_tool(const char *name, const char *fallback)
{
	char *dir = self_dir();
	char *p = dir ? xasprintf("%s/%s", dir, name) : NULL;
	free(dir);
	if (p && access(p, X_OK) == 0)
		return p;
	free(p);
	if (fallback && running_in_build_tree() && access(fallback, X_OK) == 0)
		return xstrdup(fallback);
	return xstrdup(name);
}

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ------------------------------------------------------ loader options */

static void push_opt(StrList *a, const char *opt, const char *val)
{
	strlist_push(a, opt);
	strlist_push(a, val);
}

/* sonde-run's arguments after argv[0], with `ko` as the module path. */
static void loader_args(Session *s, const char *ko, bool vm, StrList *a)
{
	if (s->output_file && !vm)
		push_opt(a, "-o", s->output_file);
	if (s->timeout_s)
		push_opt(a, "-T", xasprintf("%ld", s->timeout_s));
	if (s->target_cmd)
		push_opt(a, "-c", s->target_cmd);
	if (s->target_pid)
		push_opt(a, "-x", xasprintf("%ld", s->target_pid));
	if (s->buffer_mb)
		push_opt(a, "-s", xasprintf("%d", s->buffer_mb));
	if (s->bulk_mode)
		strlist_push(a, "-b");
	if (s->flight_recorder)
		strlist_push(a, "-F");
	if (s->output_file_size)
		push_opt(a, "-S", s->output_file_count
			 ? xasprintf("%ld,%d", s->output_file_size, s->output_file_count)
			 : xasprintf("%ld", s->output_file_size));
	strlist_push(a, ko);
	for (size_t i = 0; i < s->global_inits.n; i++)
		strlist_push(a, s->global_inits.v[i]);
}

/* ------------------------------------------------------------ running */

static int spawn(char *const *argv, const char *out_file)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (out_file) {
			int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0) {
				fprintf(stderr, SONDE_NAME ": error: cannot write %s: %s\n",
					out_file, strerror(errno));
				_exit(1);
			}
			dup2(fd, 1);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, SONDE_NAME ": error: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return 127;
	/* Signals reach the loader (same process group); it stops the
	   session in order, and we report its status. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_term;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGTERM, &ign, &old_term);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Why this host cannot load the module, or NULL if it can. */
static const char *host_cannot(Session *s)
{
	static char why[256];
	struct utsname u;
	uname(&u);
	const char *rel = s->kernel_release;
	if (rel && strcmp(rel, u.release)) {
		snprintf(why, sizeof why, "the module is for kernel %s but this "
			 "host runs %s", rel, u.release);
		return why;
	}
	if (geteuid() != 0)
		return "loading kernel modules needs root";
	FILE *f = fopen("/proc/sys/kernel/modules_disabled", "r");
	int disabled = 0;
	if (f) {
		if (fscanf(f, "%d", &disabled) != 1)
			disabled = 0;
		fclose(f);
	}
	if (disabled)
		return "module loading is disabled on this host";
	if (access("/proc/modules", R_OK) != 0)
		return "this host has no loadable module support";
	return NULL;
}

static bool run_here(Session *s, const char *ko, int *status)
{
	const char *why = host_cannot(s);
	if (why) {
		diag_error(s, "cannot run the module here: %s; run it in a VM "
			   "with --vm", why);
		return false;
	}
	StrList a = {0};
	strlist_push(&a, find_tool("sonde-run", NULL));
	loader_args(s, ko, false, &a);
	strlist_push(&a, NULL);
	*status = spawn((char *const *)a.v, NULL);
	free(a.v);
	return true;
}

/* ------------------------------------------------------------------ VM */

/* 'word' for sh -c, quotes included. */
static void shell_quote(StrBuf *b, const char *w)
{
	sb_putc(b, '\'');
	for (; *w; w++) {
		if (*w == '\'')
			sb_puts(b, "'\\''");
		else
			sb_putc(b, *w);
	}
	sb_putc(b, '\'');
}

/* Paths the guest has its own of: its kernel's files and devices. */
static bool guest_own_path(const char *w)
{
	return !strncmp(w, "/proc/", 6) || !strncmp(w, "/sys/", 5) ||
	       !strncmp(w, "/dev/", 5);
}

/*
 * Host files the -c command names by absolute path (its program, file
 * arguments) are copied into the guest under /root/host, at their host
 * path below it, and the command is rewritten to match (returned,
 * malloc'd).  Never at their own path: the guest's /bin/sh and the rest
 * of its small system would be replaced by host files that cannot run
 * there (a host /bin/sh is a link to a shell the guest lacks), and its
 * /tmp is mounted afresh.  /proc, /sys and /dev name the guest's own.
 */
static char *command_files(const char *cmd, StrList *a)
{
	StrBuf out = {0};
	const char *sep = " \t\n;|&()<>'\"`=";
	for (const char *p = cmd; *p;) {
		size_t n = strcspn(p, sep);
		char *w = xstrndup(p, n);
		if (w[0] == '/' && !guest_own_path(w) && is_file(w)) {
			push_opt(a, "-f", xasprintf("%s:" GUEST_HOST_DIR "%s", w, w));
			sb_puts(&out, GUEST_HOST_DIR);
		}
		sb_puts(&out, w);
		free(w);
		p += n;
		if (*p)
			sb_putc(&out, *p++);
	}
	return out.data ? out.data : xstrdup("");
}

/* The VM's time limit, boot included: SONDE_VM_TIMEOUT, else the
   script's own limit (-T) and then some, else ten minutes; 0 after a
   message for a bad SONDE_VM_TIMEOUT. */
static long vm_time_limit(Session *s)
{
	const char *env = getenv("SONDE_VM_TIMEOUT");
	if (!env || !*env)
		return s->timeout_s ? s->timeout_s + 120 : 600;
	char *end;
	errno = 0;
	long t = strtol(env, &end, 10);
	if (*end || t <= 0 || errno) {
		diag_error(s, "SONDE_VM_TIMEOUT='%s' is not a number of seconds; "
			   "set it to the VM's time limit, e.g. 900", env);
		return 0;
	}
	return t;
}

/* One line on why the VM run did not end with the loader's status. */
static void vm_failure(Session *s, int status, long limit)
{
	if (status == 124)
		diag_error(s, "the VM did not finish within %ld s (boot included) "
			   "and was stopped; set SONDE_VM_TIMEOUT=SECONDS to allow "
			   "longer, or stop the script earlier with -T", limit);
	else if (status == 125)
		diag_error(s, "the VM stopped before the module's run ended "
			   "(sonde-vm status 125, see its message above)");
	else
		diag_error(s, "sonde-vm could not run the VM (status 126, see "
			   "its message above)");
}

static bool run_vm(Session *s, const char *ko, int *status)
{
	long limit = vm_time_limit(s);
	if (!limit)
		return false;
	const char *base = strrchr(ko, '/') ? strrchr(ko, '/') + 1 : ko;
	StrList a = {0}, inner = {0};
	strlist_push(&a, find_tool("sonde-vm", SOURCE_SONDE_VM));
	if (s->kernel_release)
		push_opt(&a, "-r", s->kernel_release);
	push_opt(&a, "-t", xasprintf("%ld", limit));
	char *loader = find_tool("sonde-run", NULL);
	push_opt(&a, "-f", xasprintf("%s:/bin/sonde-run", loader));
	push_opt(&a, "-f", xasprintf("%s:/root/%s", ko, base));
	const char *host_cmd = s->target_cmd;
	if (host_cmd)
		s->target_cmd = command_files(host_cmd, &a);
	strlist_push(&a, "--");
	loader_args(s, base, true, &inner);
	StrBuf cmd = {0};
	sb_puts(&cmd, "sonde-run");
	for (size_t i = 0; i < inner.n; i++) {
		sb_putc(&cmd, ' ');
		shell_quote(&cmd, inner.v[i]);
	}
	strlist_push(&a, cmd.data);
	strlist_push(&a, NULL);
	*status = spawn((char *const *)a.v, s->output_file);
	s->target_cmd = host_cmd;
	if (*status >= 124 && *status <= 126)
		vm_failure(s, *status, limit);
	free(loader);
	free(a.v);
	free(inner.v);
	return *status < 124 || *status > 126;
}

/*
 * Combinations the loader cannot honour, refused before any pass runs.
 * A VM is thrown away with its files when the run ends, and with it a
 * session left running by -F: those modes need a machine that stays.
 */
bool run_check_options(Session *s)
{
	const char *vm_opt = s->bulk_mode ? "-b" : s->flight_recorder ? "-F" :
			     s->output_file_size ? "-S" : NULL;
	if (s->output_file_size && !s->output_file)
		diag_error(s, "option -S needs -o");
	else if (s->flight_recorder && s->target_cmd)
		diag_error(s, "options -F and -c cannot be used together");
	else if (s->use_vm && vm_opt)
		diag_error(s, "option %s does not work with --vm: the VM's files "
			   "and sessions end with the run; stop earlier with -p4 "
			   "and run the module with sonde-run", vm_opt);
	else
		return true;
	return false;
}

bool run_module(Session *s, const char *ko, int *status)
{
	*status = 1;
	return s->use_vm ? run_vm(s, ko, status) : run_here(s, ko, status);
}
