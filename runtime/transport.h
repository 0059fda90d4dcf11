/*
 * transport.h: moving text from probes to the loader, and commands back.
 *
 * Probe side: each CPU owns a staging buffer (struct sonde_stage) that a
 * probe invocation prints into, and a ring of committed frames.  Staging
 * and committing never sleep, never take a lock and never wake anyone:
 * they only touch the current CPU's buffers, so they are safe in any
 * context, NMI included, as long as the caller keeps the CPU (preemption
 * off) and is the only writer on it (the probe brackets of lifecycle.h
 * guarantee both with their per-CPU busy flag).
 *
 * Loader side: /proc/sonde_<module>/data returns frames merged from all
 * rings in sequence order; /proc/sonde_<module>/ctl takes commands and
 * returns event lines.  Readers sleep on wait queues that only a
 * periodic timer wakes, so probes never call wake_up().
 *
 * Assumes: sonde_transport_init() ran (process context) before any
 * probe can fire, and sonde_transport_exit() runs after the last probe
 * returned.
 */
#ifndef SONDE_TRANSPORT_H
#define SONDE_TRANSPORT_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stdarg.h>
#include "protocol.h"

/* One CPU's staging buffer; len bytes of buf are pending output. */
struct sonde_stage {
	char *buf;
	u32 len;
	u32 size;
};

/* Handler for one ctl command (text without the newline). */
typedef int (*sonde_ctl_handler)(const char *cmd);

/* Output modes (sonde_transport_init); see protocol.h. */
#define SONDE_MODE_BULK 0x1u     /* bytes are per CPU; no merging */
#define SONDE_MODE_FLIGHT 0x2u   /* overwrite the oldest; read at the end */

/* Event bits that probe context may raise (see sonde_ctl_flag). */
#define SONDE_CTL_EXIT 0x1u   /* the script asked to exit: "exit" */

int sonde_transport_init(const char *modname, unsigned long bytes,
			 unsigned int mode, sonde_ctl_handler handler);
void sonde_transport_exit(void);

/* Staging buffers (process context). */
int sonde_stage_alloc(struct sonde_stage *st, int cpu);
void sonde_stage_free(struct sonde_stage *st);

/* Probe context, current CPU only. */
void sonde_stage_write(struct sonde_stage *st, const char *s, size_t n);
void sonde_stage_vprintf(struct sonde_stage *st, const char *fmt,
			 va_list args) __printf(2, 0);
int sonde_stage_commit(struct sonde_stage *st, unsigned int type);
void sonde_ctl_flag(unsigned int bits);

/* Process context. */
struct proc_dir_entry;
/* /proc/sonde_<module>/, where probe groups add files (procfs.h). */
struct proc_dir_entry *sonde_proc_dir(void);
void sonde_ctl_post(const char *fmt, ...) __printf(1, 2);
void sonde_transport_finish(void);
unsigned long sonde_transport_dropped(void);

#endif /* SONDE_TRANSPORT_H */
