/*
 * kernel.c - the target kernel: which release a run is for, and whether
 * this machine has it.
 *
 * The release is -r RELEASE's, the one written in -r DIR's build tree,
 * with --vm and no release the newest installed cloud kernel, else the
 * running kernel's.  Every pass that needs something of that kernel (the
 * preprocessor's kernel_v, kernel_vr and CONFIG_ conditions, pass 2's
 * symbol table, pass 4's build tree) calls kernel_require() first: a
 * release this machine has nothing of is then reported once, in one
 * message naming the packages that provide it, and the run ends there,
 * before anything of it could be read as missing or unset.  A run that
 * needs nothing of the kernel never asks, so `-p1 -r R` of a plain
 * script works for any R.
 */
#define _GNU_SOURCE
#include "core/sonde.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Newest installed cloud kernel with an image and headers, as sonde-vm
   picks it; NULL if there is none. */
char *vm_default_release(void)
{
	DIR *d = opendir("/boot");
	char *best = NULL;
	if (!d)
		return NULL;
	for (struct dirent *e; (e = readdir(d));) {
		const char *n = e->d_name, *suffix = "-cloud-amd64";
		size_t len = strlen(n), sl = strlen(suffix);
		if (strncmp(n, "vmlinuz-", 8) || len < 8 + sl ||
		    strcmp(n + len - sl, suffix))
			continue;
		char *build = xasprintf("/lib/modules/%s/build", n + 8);
		bool ok = access(build, R_OK) == 0;
		free(build);
		if (ok && (!best || strverscmp(n + 8, best) > 0)) {
			free(best);
			best = xstrdup(n + 8);
		}
	}
	closedir(d);
	return best;
}

/* The release a build tree was configured for, "unknown" if it does
   not say. */
static const char *build_dir_release(Session *s, const char *dir)
{
	char *p = xasprintf("%s/include/config/kernel.release", dir);
	size_t len;
	char *text = read_file(p, &len);
	free(p);
	if (!text)
		return "unknown";
	text[strcspn(text, "\n")] = '\0';
	const char *r = *text ? arena_strdup(&s->arena, text) : "unknown";
	free(text);
	return r;
}

const char *kernel_target(Session *s)
{
	if (s->target_release)
		return s->target_release;
	if (s->kernel_build_dir) {
		s->target_release = build_dir_release(s, s->kernel_build_dir);
		return s->target_release;
	}
	if (!s->kernel_release && s->use_vm) {
		char *r = vm_default_release();
		if (r) {
			s->kernel_release = arena_strdup(&s->arena, r);
			free(r);
		}
	}
	if (s->kernel_release) {
		s->target_release = s->kernel_release;
	} else {
		struct utsname u;
		s->target_release = uname(&u) == 0
			? arena_strdup(&s->arena, u.release) : "unknown";
	}
	return s->target_release;
}

static bool is_running(const char *release)
{
	struct utsname u;
	return uname(&u) == 0 && !strcmp(u.release, release);
}

/* True if this machine has anything of `release`: its modules or build
   tree, its configuration, a symbol table, or it is running. */
static bool release_installed(const char *release)
{
	static const char *const where[] = {
		"/lib/modules/%s", "/boot/config-%s", "/boot/System.map-%s",
		"/usr/lib/debug/boot/System.map-%s",
		"/usr/lib/debug/boot/vmlinux-%s",
	};
	/* "" and ".." would name /lib/modules itself or its parent. */
	if (!*release || *release == '.')
		return false;
	if (is_running(release))
		return true;
	bool found = false;
	for (size_t i = 0; !found && i < sizeof where / sizeof *where; i++) {
		char *p = xasprintf(where[i], release);
		found = access(p, F_OK) == 0;
		free(p);
	}
	return found;
}

/* Ends the run: `msg`, status 1. */
static void fail_now(Session *s, const char *msg)
{
	diag_error(s, "%s", msg);
	fflush(s->diag_out);
	_exit(1);
}

const char *kernel_require(Session *s)
{
	const char *r = kernel_target(s);
	if (s->target_checked)
		return r;
	s->target_checked = true;
	StrBuf msg = {0};
	if (s->kernel_build_dir && !is_dir(s->kernel_build_dir)) {
		sb_printf(&msg, "-r %s: no such kernel build directory; give -r "
			  "a kernel's build tree (with a '/') or an installed "
			  "release", s->kernel_build_dir);
	} else if (!s->kernel_build_dir && !release_installed(r)) {
		sb_printf(&msg, "kernel release '%s' is not installed: install "
			  "linux-headers-%s (build tree and configuration) and "
			  "linux-image-%s-dbg (symbol table), or give -r one of "
			  "the releases in /lib/modules", r, r, r);
	}
	if (msg.len)
		fail_now(s, msg.data);
	sb_free(&msg);
	return r;
}
