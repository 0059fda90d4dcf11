// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c: the session state machine, the probe brackets and the
 * counters of a sonde module.
 *
 * The session state is one atomic read by every probe hit.  Whether a
 * probe is running on a CPU is that CPU's context busy flag; the number
 * of probes running is the number of busy flags.  A probe reads the
 * state and sets busy with preemption off, which makes it an RCU
 * read-side critical section; the stopper sets the state, then waits
 * for an RCU grace period, after which every probe that read "running"
 * has returned and every later one reads "stopping".  It then also
 * waits for the busy flags to clear, which covers probes of any group.
 * So a hit pays no atomic instruction and no barrier for the
 * handshake, and keeping the count per CPU spares it a write to a
 * cache line shared by all CPUs.  The brackets themselves are inline,
 * in lifecycle.h.
 *
 * Start and stop run in the process that writes the command to ctl,
 * the loader, one at a time (session_lock): begin and end probes see the
 * loader as their process, as scripts expect of pid() and execname(),
 * and the write returns when they are done.  The loader writes from a
 * thread of its own, so it keeps draining their output meanwhile.
 *
 * Guarantees: begin probes run before any ordinary probe; no ordinary
 * probe runs once end probes start; buffers are freed only after every
 * probe returned.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/irqflags.h>
#include <linux/rcupdate.h>
#include "lifecycle.h"

#define STOP_WAIT_MS 10000     /* longest wait for running probes at stop */

static unsigned int sonde_bufsize = 1;
module_param(sonde_bufsize, uint, 0444);
MODULE_PARM_DESC(sonde_bufsize, "output buffer size, MB for all CPUs");

static unsigned int sonde_bufsize_kb;
module_param(sonde_bufsize_kb, uint, 0444);
MODULE_PARM_DESC(sonde_bufsize_kb, "output buffer size in KB (overrides sonde_bufsize)");

static int sonde_target;
module_param(sonde_target, int, 0444);
MODULE_PARM_DESC(sonde_target, "target process id");

unsigned long sonde_maxaction = MAXACTION;
module_param(sonde_maxaction, ulong, 0444);
MODULE_PARM_DESC(sonde_maxaction, "work units one probe invocation may use");

static bool sonde_bulk;
module_param(sonde_bulk, bool, 0444);
MODULE_PARM_DESC(sonde_bulk, "bulk mode: buffer size per CPU, CPUs not merged");

static bool sonde_flight;
module_param(sonde_flight, bool, 0444);
MODULE_PARM_DESC(sonde_flight, "flight recorder: keep the newest output, read it at the end");

static unsigned int sonde_maxerrors = MAXERRORS;
module_param(sonde_maxerrors, uint, 0444);
MODULE_PARM_DESC(sonde_maxerrors, "errors tolerated before the session ends");

MODULE_LICENSE("GPL");

DEFINE_PER_CPU(struct sonde_ctx, sonde_contexts);
DEFINE_PER_CPU(struct sonde_counters, sonde_counters);
atomic_t sonde_state = ATOMIC_INIT(SONDE_STARTING);
static atomic_long_t errors;
static atomic_long_t lockskips;  /* all CPUs, against MAXSKIPPED */

static const struct sonde_script *script;
static bool start_requested;   /* under the ordering of ctl writes */
static bool began;             /* begin probes ran: end probes must too */
static atomic_t errored;       /* too many errors ended the session */
static bool registered;        /* probes are registered */
static DEFINE_MUTEX(session_lock); /* one start or stop at a time */

/* ---------------------------------------------------------------- probes */

void sonde_printf(struct sonde_ctx *c, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	sonde_stage_vprintf(&c->stage, fmt, args);
	va_end(args);
}

/* Send the message c->errmsg as one frame of the given type, after the
 * output the invocation staged so far: "WHAT near WHERE" when the
 * statement is known, else "probe NAME: WHAT". */
static void report(struct sonde_ctx *c, unsigned int type)
{
	sonde_stage_commit(&c->stage, SONDE_FRAME_OUTPUT);
	if (c->where)
		sonde_printf(c, "%s near %s", c->errmsg, c->where);
	else
		sonde_printf(c, "probe %s: %s", c->probe ? c->probe : "?",
			     c->errmsg);
	sonde_stage_commit(&c->stage, type);
}

/* An error that ends the invocation: report and count it. */
static void raise_error(struct sonde_ctx *c)
{
	report(c, SONDE_FRAME_ERROR);
	c->aborted = true;
	if (atomic_long_inc_return(&errors) > sonde_maxerrors) {
		atomic_set(&errored, 1);
		sonde_request_exit();
	}
}

void sonde_error(struct sonde_ctx *c, const char *fmt, ...)
{
	va_list args;

	if (c->aborted)
		return;                  /* already unwinding: keep the first */
	va_start(args, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, args);
	va_end(args);
	if (c->try_depth) {
		c->aborted = true;       /* the catch clause takes it */
		return;
	}
	raise_error(c);
}

void sonde_fatal(struct sonde_ctx *c, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, args);
	va_end(args);
	c->fatal = true;
	raise_error(c);
}

void sonde_warn(struct sonde_ctx *c, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, args);
	va_end(args);
	report(c, SONDE_FRAME_WARNING);
	this_cpu_inc(sonde_counters.warnings);
}

bool sonde_overtime(struct sonde_ctx *c)
{
	this_cpu_inc(sonde_counters.overtime);
	sonde_fatal(c, "more than %lu actions (overtime)", sonde_maxaction);
	return false;
}

bool sonde_too_deep(struct sonde_ctx *c)
{
	sonde_error(c, "function call nesting too deep (MAXNESTING %d)",
		    MAXNESTING);
	return false;
}

void sonde_count_lock_skip(struct sonde_ctx *c)
{
	this_cpu_inc(sonde_counters.lockskips);
	if (atomic_long_inc_return(&lockskips) == MAXSKIPPED + 1)
		sonde_fatal(c, "skipped too many probes (more than MAXSKIPPED %d) for lock contention",
			    MAXSKIPPED);
}

void sonde_request_exit(void)
{
	sonde_ctl_flag(SONDE_CTL_EXIT);
}

int sonde_target_pid(void)
{
	return sonde_target;
}

/* ---------------------------------------------------------------- stop */

/*
 * Wait up to ms milliseconds until no CPU runs a probe.  Offline CPUs
 * cost nothing here: taking a CPU down needs its stopper thread, which
 * cannot run while a probe holds the CPU, so their flags are clear.
 */
static bool wait_idle(unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	int cpu;

	for_each_possible_cpu(cpu) {
		while (smp_load_acquire(&per_cpu_ptr(&sonde_contexts, cpu)->busy)) {
			if (time_after(jiffies, deadline))
				return false;
			usleep_range(100, 1000);
		}
	}
	return true;
}

static void unregister_once(void)
{
	if (registered && script->unregister_probes)
		script->unregister_probes();
	registered = false;
}

static void post_stats(void)
{
	struct sonde_counters sum = { 0 };
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sonde_counters *c = per_cpu_ptr(&sonde_counters, cpu);

		sum.hits += c->hits;
		sum.skipped += c->skipped;
		sum.overtime += c->overtime;
		sum.warnings += c->warnings;
		sum.lockskips += c->lockskips;
		sum.outside += c->outside;
	}
	/* skipped counts both kinds; lockskips, the contended ones alone.
	 * outside comes last: loaders that do not know it stop before. */
	sonde_ctl_post("stats hits=%lu dropped=%lu errors=%ld warnings=%lu skipped=%lu overtime=%lu lockskips=%lu outside=%lu\n",
		       sum.hits, sonde_transport_dropped(),
		       atomic_long_read(&errors), sum.warnings,
		       sum.skipped + sum.lockskips, sum.overtime,
		       sum.lockskips, sum.outside);
}

/* The stop sequence; see the top of lifecycle.h. */
static void stop_session(void)
{
	int old = atomic_xchg(&sonde_state, SONDE_STOPPING);

	if (old == SONDE_STOPPED || old == SONDE_STOPPING) {
		atomic_set(&sonde_state, old);
		return;
	}
	/*
	 * Probes that read "running" are over after a grace period; none
	 * did if the session never ran.  Expedited: the loader (or rmmod)
	 * waits for it, and a normal one takes several ticks.
	 */
	if (old == SONDE_RUNNING)
		synchronize_rcu_expedited();
	unregister_once();
	if (!wait_idle(STOP_WAIT_MS))
		sonde_ctl_post("warning probes still running after %u ms\n",
			       STOP_WAIT_MS);
	/* After an error ending, error probes run and end probes do not. */
	if (began && atomic_read(&errored)) {
		if (script->error)
			script->error();
	} else if (began && script->end) {
		script->end();
	}
	atomic_set(&sonde_state, SONDE_STOPPED);
	post_stats();
	sonde_transport_finish();
	sonde_ctl_post("stopped\n");
}

/* Begin probes, then running; only the first start does anything. */
static void start_session(void)
{
	if (atomic_read(&sonde_state) != SONDE_STARTING)
		return;
	began = true;
	if (script->begin)
		script->begin();
	atomic_cmpxchg(&sonde_state, SONDE_STARTING, SONDE_RUNNING);
	sonde_ctl_post("running\n");
}

/* ctl commands, in the writer's process context (see the top). */
static int on_command(const char *cmd)
{
	int ret = 0;

	mutex_lock(&session_lock);
	if (!strcmp(cmd, "start")) {
		if (start_requested)
			ret = -EALREADY;
		else
			start_requested = true;
		if (!ret)
			start_session();
	} else if (!strcmp(cmd, "stop")) {
		stop_session();
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&session_lock);
	return ret;
}

/* ---------------------------------------------------------------- setup */

static void contexts_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		sonde_stage_free(&per_cpu_ptr(&sonde_contexts, cpu)->stage);
}

static int contexts_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (sonde_stage_alloc(&per_cpu_ptr(&sonde_contexts, cpu)->stage, cpu))
			return -ENOMEM;
	return 0;
}

static unsigned long buffer_bytes(void)
{
	if (sonde_bufsize_kb)
		return (unsigned long)sonde_bufsize_kb << 10;
	return (unsigned long)max(sonde_bufsize, 1u) << 20;
}

static unsigned int output_mode(void)
{
	return (sonde_bulk ? SONDE_MODE_BULK : 0) |
	       (sonde_flight ? SONDE_MODE_FLIGHT : 0);
}

/* Allocate everything probes touch; undone by teardown(). */
static int setup(void)
{
	int ret;

	ret = contexts_alloc();
	if (!ret)
		ret = sonde_transport_init(THIS_MODULE->name, buffer_bytes(),
					   output_mode(), on_command);
	return ret;
}

static void teardown(void)
{
	contexts_free();
}

int sonde_session_init(const struct sonde_script *s)
{
	int ret;

	script = s;
	ret = setup();
	if (ret) {
		atomic_set(&sonde_state, SONDE_ERROR);
		teardown();
		pr_err("%s: cannot set up the session: %d\n", THIS_MODULE->name, ret);
		return ret;
	}
	ret = s->alloc ? s->alloc() : 0;
	if (!ret && s->register_probes)
		ret = s->register_probes();
	if (ret) {
		atomic_set(&sonde_state, SONDE_ERROR);
		if (s->release)
			s->release();
		sonde_transport_exit();
		teardown();
		return ret;
	}
	registered = true;
	return 0;
}

void sonde_session_exit(void)
{
	mutex_lock(&session_lock);      /* waits for a start or stop in progress */
	stop_session();
	mutex_unlock(&session_lock);
	/* A probe stuck past the stop wait still owns its buffers. */
	while (!wait_idle(STOP_WAIT_MS))
		pr_warn("%s: waiting for running probes\n", THIS_MODULE->name);
	if (script->release)
		script->release();
	sonde_transport_exit();
	teardown();
}
