/*
 * procfs.h: the procfs probe group, files under /proc/sonde_<module>/.
 *
 * One struct sonde_procfs per probe point, written by the emitter:
 *
 *   static struct sonde_procfs pf[] = {
 *           { .name = "stat", .maxsize = 100, .read = dp_1 },
 *           { .name = "stat", .write = dp_2 },
 *   };
 *
 * Points with the same name share one file, with the read handler of
 * one and the write handler of the other (two of a kind fail the load).
 * NAME may contain '/': the directories are made as needed.  The file
 * is readable if some point reads it, writable if some point writes it
 * (by root only).
 *
 * read(f, buf, size) fills buf with the content, a NUL-terminated string
 * of at most size - 1 bytes (size is maxsize + 1; maxsize 0 means
 * MAXSTRINGLEN), once per open, at the first read; later reads of that
 * open page through the same content.  write(f, data, n) gets each
 * chunk of at most MAXSTRINGLEN - 1 bytes a process writes, as a
 * NUL-terminated string.  Both run in the process's context (a safe
 * one: they may queue work) and bracket the probe body themselves.
 *
 * Files exist from register to unregister; unregister returns when no
 * handler runs.  procfs points cannot be toggled on the fly.
 */
#ifndef SONDE_PROCFS_H
#define SONDE_PROCFS_H

#include <linux/types.h>

struct proc_dir_entry;

struct sonde_procfs {
	const char *name;
	unsigned int maxsize;             /* read content bytes; 0: default */
	void (*read)(struct sonde_procfs *f, char *buf, size_t size);
	void (*write)(struct sonde_procfs *f, const char *data, size_t n);
	/* Run-time state. */
	struct sonde_procfs *file;        /* the element that owns the file */
	struct proc_dir_entry *entry;     /* owners only */
};

int sonde_procfs_register(struct sonde_procfs *f, unsigned int n);
void sonde_procfs_unregister(struct sonde_procfs *f, unsigned int n);

#endif /* SONDE_PROCFS_H */
