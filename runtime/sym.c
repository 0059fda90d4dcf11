// SPDX-License-Identifier: GPL-2.0
/*
 * sym.c: probe addresses, symbol names and kernel stack walks for the
 * tapset library (see sym.h).
 */
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/stacktrace.h>
#ifdef CONFIG_X86
#include <asm/unwind.h>
#endif
#include "lifecycle.h"
#include "str.h"
#include "sym.h"

/* The text of one address; see sym.h for why per CPU.  Room for
   sprint_symbol()'s longest and a " [kernel]" added to it. */
static DEFINE_PER_CPU(char[KSYM_SYMBOL_LEN + 16], sonde_sym_text);

/* The text of addr in the given form, in this CPU's buffer; NULL when
   no symbol covers addr, the buffer then holding the address in hex. */
static char *sym_text(unsigned long addr, enum sonde_sym_form form)
{
	char *text = this_cpu_ptr(&sonde_sym_text)[0];
	char *mod, *size;

	if (form == SONDE_SYM_NAME)
		sprint_symbol_no_offset(text, addr);
	else
		sprint_symbol(text, addr);
	/* An address no symbol covers comes back as "0x..." */
	if (text[0] == '0' && text[1] == 'x')
		return NULL;
	/* "NAME[+0xOFF/0xSIZE][ [MODULE]]" */
	mod = strstr(text, " [");
	switch (form) {
	case SONDE_SYM_NAME:
		if (mod)
			*mod = '\0';
		return text;
	case SONDE_SYM_MODULE:
		if (!mod)
			return strcpy(text, "kernel");
		mod += 2;
		mod[strcspn(mod, "] ")] = '\0';
		return mod;
	case SONDE_SYM_OFFSET:
		size = strchr(text, '/');
		if (size) {
			char *rest = size + strcspn(size, " ");
			memmove(size, rest, strlen(rest) + 1);
		}
		fallthrough;
	case SONDE_SYM_DATA:
		if (!strstr(text, " ["))
			strcat(text, " [kernel]");
		return text;
	}
	return text;
}

bool sonde_sym(char *dst, unsigned long addr, enum sonde_sym_form form)
{
	char *text = sym_text(addr, form);

	if (text) {
		sonde_strlcpy(dst, text);
		return true;
	}
	sonde_strlcpy(dst, form == SONDE_SYM_MODULE ? "" :
		      this_cpu_ptr(&sonde_sym_text)[0]);
	return false;
}

void sonde_print_sym(struct sonde_ctx *c, unsigned long addr,
		     enum sonde_sym_form form)
{
	char *text = sym_text(addr, form);

	sonde_print(c, text ? text : this_cpu_ptr(&sonde_sym_text)[0]);
}

/* "kprobe.function(\"f\").return", maybe with ".maxactive(N)" after */
bool sonde_probe_is_return(const struct sonde_ctx *c)
{
	const char *r = c->probe ? strstr(c->probe, ").return") : NULL;

	return r && (r[8] == '\0' || r[8] == '.');
}

/* The handler of a kprobe (not a kretprobe): the registers' ip is one
   breakpoint past the probed instruction, whichever way the kprobe
   was reached (breakpoint, ftrace or an optimized jump). */
static bool sym_kprobe_entry(const struct sonde_ctx *c)
{
	return c->probe && !strncmp(c->probe, "kprobe.", 7) &&
	       !sonde_probe_is_return(c);
}

unsigned long sonde_probe_addr(const struct sonde_ctx *c)
{
	unsigned long ip;

	if (!c->regs)
		return 0;
	ip = instruction_pointer(c->regs);
	if (!user_mode(c->regs) && sym_kprobe_entry(c))
		ip -= sizeof(kprobe_opcode_t);
	return ip;
}

#ifdef CONFIG_X86
/* What stack_trace_save_regs() does, with the unwinder's exported
   entry points. */
static unsigned int sym_walk(struct pt_regs *regs, unsigned long *pcs,
			     unsigned int n, unsigned int max)
{
	struct unwind_state state;
	bool skip_own = !regs;
	unsigned long a;

	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && n < max; unwind_next_frame(&state)) {
		a = unwind_get_return_address(&state);
		if (!a)
			break;
		if (skip_own && within_module(a, THIS_MODULE))
			continue;
		skip_own = false;
		pcs[n++] = a;
	}
	return n;
}
#else
static unsigned int sym_walk(struct pt_regs *regs, unsigned long *pcs,
			     unsigned int n, unsigned int max)
{
	unsigned int i = 0, got;

	if (regs)
		return n;
	got = stack_trace_save(pcs + n, max - n, 0);
	while (i < got && within_module(pcs[n + i], THIS_MODULE))
		i++;
	memmove(pcs + n, pcs + n + i, (got - i) * sizeof(*pcs));
	return n + got - i;
}
#endif

unsigned int sonde_backtrace(const struct sonde_ctx *c, unsigned long *pcs,
			     unsigned int max)
{
	unsigned int n = 0;

	if (!max)
		return 0;
	if (c->regs) {
		if (user_mode(c->regs))
			return 0;
		pcs[n++] = sonde_probe_addr(c);
	}
	return sym_walk(c->regs, pcs, n, max);
}

unsigned long sonde_caller_addr(const struct sonde_ctx *c)
{
	unsigned long pcs[2];

	if (!c->regs || user_mode(c->regs))
		return 0;
	if (sonde_probe_is_return(c))
		return instruction_pointer(c->regs);
	return sonde_backtrace(c, pcs, 2) == 2 ? pcs[1] : 0;
}
