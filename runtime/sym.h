/*
 * sym.h: kernel addresses for the tapset library: the address a probe
 * fired at, symbol names of addresses, and walks of the kernel stack.
 *
 * Names come from the kernel's symbol table through sprint_symbol(),
 * the one lookup modules may call (kallsyms_lookup_name and friends are
 * not exported), into a per-CPU buffer: callers run in a probe handler,
 * which holds its CPU, and a second handler on the same CPU is refused
 * before it could reach here.
 *
 * Stacks are walked with the kernel's own unwinder (ORC on the
 * supported kernels), the same way stack_trace_save_regs() does, which
 * is not exported: from the probe's registers when the probe has them,
 * else from the handler itself with the module's own frames left out.
 */
#ifndef SONDE_SYM_H
#define SONDE_SYM_H

#include <linux/types.h>
#include "limits.h"

struct sonde_ctx;

/* Most addresses a backtrace holds. */
#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20
#endif

enum sonde_sym_form {
	SONDE_SYM_NAME,    /* "vfs_read" */
	SONDE_SYM_DATA,    /* "vfs_read+0x0/0x1a0 [kernel]" */
	SONDE_SYM_OFFSET,  /* "vfs_read+0x0 [kernel]" */
	SONDE_SYM_MODULE,  /* "kernel", or the module's name */
};

/*
 * The text of addr in the given form into dst (MAXSTRINGLEN bytes,
 * truncated).  False when no symbol covers addr: dst is then the
 * address in hex ("0xffffffff81000000"), or "" for SONDE_SYM_MODULE.
 * The core kernel's module name is "kernel".
 */
bool sonde_sym(char *dst, unsigned long addr, enum sonde_sym_form form);

/* Prints the same text, untruncated, to the output of c. */
void sonde_print_sym(struct sonde_ctx *c, unsigned long addr,
		     enum sonde_sym_form form);

/* 1 when the probe handler runs for a function's return. */
bool sonde_probe_is_return(const struct sonde_ctx *c);

/*
 * The address the probe fired at: for a kprobe the probed instruction
 * (x86 leaves the address past the breakpoint in the registers), for a
 * return probe the address the function returns to, for a profiling
 * timer the interrupted instruction; 0 without registers.
 */
unsigned long sonde_probe_addr(const struct sonde_ctx *c);

/*
 * The kernel stack at the probe, innermost first, at most max
 * addresses into pcs; returns the count.  With registers: the probe's
 * address, then the return addresses found from there (none when the
 * registers are user mode).  Without: the return addresses of the
 * handler's stack, beginning with the first one outside this module.
 */
unsigned int sonde_backtrace(const struct sonde_ctx *c, unsigned long *pcs,
			     unsigned int max);

/*
 * The return address of the probed function: in a return probe where
 * it returns to, else the first return address of the walk from the
 * probe's registers; 0 when there is none.
 */
unsigned long sonde_caller_addr(const struct sonde_ctx *c);

#endif /* SONDE_SYM_H */
