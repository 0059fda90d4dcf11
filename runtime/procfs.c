// SPDX-License-Identifier: GPL-2.0
/*
 * procfs.c: files of procfs probes under /proc/sonde_<module>/ (see
 * procfs.h).
 *
 * Elements with the same name are merged into the first one, which owns
 * the file; the proc entry's data points at the owner.  Each open gets a
 * buffer of maxsize + 1 bytes that the read handler fills once.  The
 * directories made for names with '/' are remembered in a list, so a
 * directory shared by several files is made once (procfs would warn on
 * a second) and removed after its files.  proc_remove() waits for the
 * file operations in progress, so after unregister no handler runs.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/fs.h>
#include <linux/list.h>
#include "procfs.h"
#include "transport.h"
#include "limits.h"

/* What one open of a readable file has read. */
struct procfs_open {
	bool filled;
	size_t len;
	char buf[];
};

/* A directory made for file names with '/'. */
struct procfs_dir {
	struct list_head link;
	struct proc_dir_entry *entry;
	char path[];
};

static LIST_HEAD(procfs_dirs);

static size_t procfs_size(const struct sonde_procfs *f)
{
	return (f->maxsize ? f->maxsize : MAXSTRINGLEN) + 1;
}

static int procfs_open(struct inode *inode, struct file *file)
{
	struct sonde_procfs *f = pde_data(inode);
	struct procfs_open *o;

	if (!(file->f_mode & FMODE_READ))
		return 0;
	o = kzalloc(sizeof(*o) + procfs_size(f), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	file->private_data = o;
	return 0;
}

static int procfs_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t procfs_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct sonde_procfs *f = pde_data(file_inode(file));
	struct procfs_open *o = file->private_data;

	if (!o || !f->read)
		return -EIO;
	if (!o->filled) {
		o->buf[0] = '\0';
		f->read(f, o->buf, procfs_size(f));
		o->len = strnlen(o->buf, procfs_size(f) - 1);
		o->filled = true;
	}
	return simple_read_from_buffer(ubuf, count, ppos, o->buf, o->len);
}

static ssize_t procfs_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct sonde_procfs *f = pde_data(file_inode(file));
	size_t n = min_t(size_t, count, MAXSTRINGLEN - 1);
	char *data;

	if (!f->write)
		return -EIO;
	data = memdup_user_nul(ubuf, n);
	if (IS_ERR(data))
		return PTR_ERR(data);
	f->write(f, data, n);
	kfree(data);
	return n;
}

static const struct proc_ops procfs_ops = {
	.proc_open = procfs_open,
	.proc_release = procfs_release,
	.proc_read = procfs_read,
	.proc_write = procfs_write,
	.proc_lseek = default_llseek,
};

/* Makes the directory path (under the module's directory) once. */
static int procfs_mkdir(const char *path)
{
	struct procfs_dir *d;

	list_for_each_entry(d, &procfs_dirs, link)
		if (!strcmp(d->path, path))
			return 0;
	d = kzalloc(sizeof(*d) + strlen(path) + 1, GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	strcpy(d->path, path);
	d->entry = proc_mkdir(path, sonde_proc_dir());
	if (!d->entry) {
		kfree(d);
		return -ENOMEM;
	}
	list_add(&d->link, &procfs_dirs);   /* newest first: removal order */
	return 0;
}

/* The directories leading to name ("a", "a/b" for "a/b/c"). */
static int procfs_parents(const char *name)
{
	char path[128];
	const char *slash;
	int ret;

	for (slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		if (slash - name >= sizeof(path))
			return -ENAMETOOLONG;
		memcpy(path, name, slash - name);
		path[slash - name] = '\0';
		ret = procfs_mkdir(path);
		if (ret)
			return ret;
	}
	return 0;
}

/* The element before f with the same name, or NULL. */
static struct sonde_procfs *procfs_owner(struct sonde_procfs *f,
					 unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (!strcmp(f[j].name, f[i].name))
			return f[j].file;
	return NULL;
}

/* Joins element i to the owner o of its file. */
static int procfs_merge(struct sonde_procfs *o, struct sonde_procfs *f)
{
	if ((f->read && o->read) || (f->write && o->write))
		return -EEXIST;
	if (f->read) {
		o->read = f->read;
		o->maxsize = f->maxsize;
	}
	if (f->write)
		o->write = f->write;
	f->file = o;
	return 0;
}

int sonde_procfs_register(struct sonde_procfs *f, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		struct sonde_procfs *o = procfs_owner(f, i);

		f[i].entry = NULL;
		f[i].file = &f[i];
		if (o)
			ret = procfs_merge(o, &f[i]);
		else
			ret = procfs_parents(f[i].name);
		if (ret)
			pr_err("%s: procfs file %s: %d\n", THIS_MODULE->name,
			       f[i].name, ret);
	}
	for (i = 0; i < n && !ret; i++) {
		umode_t mode;

		if (f[i].file != &f[i])
			continue;
		mode = (f[i].read ? 0400 : 0) | (f[i].write ? 0200 : 0);
		f[i].entry = proc_create_data(f[i].name, mode, sonde_proc_dir(),
					      &procfs_ops, &f[i]);
		if (!f[i].entry) {
			pr_err("%s: cannot create procfs file %s\n",
			       THIS_MODULE->name, f[i].name);
			ret = -ENOMEM;
		}
	}
	if (ret)
		sonde_procfs_unregister(f, n);
	return ret;
}

void sonde_procfs_unregister(struct sonde_procfs *f, unsigned int n)
{
	struct procfs_dir *d, *next;
	unsigned int i;

	for (i = 0; i < n; i++) {
		proc_remove(f[i].entry);   /* waits for operations in progress */
		f[i].entry = NULL;
	}
	list_for_each_entry_safe(d, next, &procfs_dirs, link) {
		proc_remove(d->entry);
		list_del(&d->link);
		kfree(d);
	}
}
