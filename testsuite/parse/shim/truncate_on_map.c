/*
 * truncate_on_map.c - an LD_PRELOAD shim for the parse tests: once the
 * file named by $TRUNCATE_ON_MAP (an absolute path) has been mapped, it
 * is emptied, as an editor saving over a script in place would, so that
 * sonde meets a file that shrank under its mapping.  No other file is
 * ever touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void *MmapFn(void *, size_t, int, int, int, off_t);

/* Whether descriptor fd is open on exactly `path`. */
static int is_file(int fd, const char *path)
{
	char link[64], target[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, path) == 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static MmapFn *real;
	if (!real)
		real = (MmapFn *)dlsym(RTLD_NEXT, "mmap");
	void *p = real(addr, len, prot, flags, fd, off);
	const char *victim = getenv("TRUNCATE_ON_MAP");
	if (p != MAP_FAILED && fd >= 0 && victim && victim[0] == '/' &&
	    is_file(fd, victim))
		truncate(victim, 0);
	return p;
}
