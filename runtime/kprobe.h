/*
 * kprobe.h: the kprobe and kretprobe probe group.
 *
 * One struct sonde_kprobe per probe point, written by the emitter:
 *
 *   static struct sonde_kprobe kps[] = {
 *           { .symbol = "vfs_read", .pre = probe_1, .enabled = true },
 *           { .symbol = "vfs_read", .ret = true, .maxactive = 20,
 *             .data_size = sizeof(struct probe_4_entry),
 *             .entry = probe_4_entry, .handler = probe_4,
 *             .enabled = true },
 *   };
 *
 * Handlers get the kernel's struct kprobe / kretprobe_instance and find
 * their sonde_kprobe with sonde_kprobe_of() / sonde_kretprobe_of(); a
 * kretprobe's entry handler saves what @entry expressions need in
 * ri->data (data_size bytes) and returns 0 (non-zero: skip this
 * instance).  Handlers run with preemption off, interrupts off or on
 * (on for a kprobe on an ftrace site, or optimized), anywhere in the
 * kernel, workqueue code included: not a safe context for on-the-fly
 * work.
 *
 * Every point is registered at load; those whose condition is false
 * are registered disabled, and refresh enables or disables them
 * (enable_kprobe/disable_kprobe: no registration while running).  live
 * is true from just before enabling until, after disabling, handlers in
 * flight are over; a handler that finds it false is a bug.  A point
 * that fails to register fails the load with a message naming it,
 * unless it is optional: then a warning names it and it stays off.
 */
#ifndef SONDE_KPROBE_H
#define SONDE_KPROBE_H

#include <linux/kprobes.h>

struct sonde_kprobe {
	const char *symbol;               /* "f" or "module:f"; NULL: addr */
	unsigned long addr;               /* kprobe.statement(ADDR).absolute */
	unsigned int offset;
	bool optional;                    /* may fail to register: warn, skip */
	bool ret;                         /* kretprobe */
	int maxactive;                    /* kretprobe; 0: the default */
	size_t data_size;                 /* kretprobe entry data */
	kprobe_pre_handler_t pre;         /* kprobe */
	kretprobe_handler_t entry;        /* kretprobe, may be NULL */
	kretprobe_handler_t handler;      /* kretprobe */
	bool enabled;                     /* the probe's condition */
	/* Run-time state. */
	bool live;
	bool registered;
	struct kprobe kp;
	struct kretprobe krp;
};

static inline struct sonde_kprobe *sonde_kprobe_of(struct kprobe *p)
{
	return container_of(p, struct sonde_kprobe, kp);
}

static inline struct sonde_kprobe *
sonde_kretprobe_of(struct kretprobe_instance *ri)
{
	return container_of(get_kretprobe(ri), struct sonde_kprobe, krp);
}

int sonde_kprobes_register(struct sonde_kprobe *p, unsigned int n);
void sonde_kprobes_unregister(struct sonde_kprobe *p, unsigned int n);
void sonde_kprobes_refresh(struct sonde_kprobe *p, unsigned int n);

#endif /* SONDE_KPROBE_H */
