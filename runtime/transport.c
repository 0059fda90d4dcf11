// SPDX-License-Identifier: GPL-2.0
/*
 * transport.c: per-CPU output rings, the data and ctl procfs files, and
 * the timer that wakes their readers.
 *
 * Each possible CPU has a byte ring written only by probes on that CPU
 * (one writer at a time, guaranteed by the caller) and read only by the
 * data file's reader (serialised by a mutex).  The writer publishes a
 * frame by advancing head with release order after copying it in; the
 * reader frees space by advancing tail with release order after copying
 * it out, so the two never need a lock.  A full ring drops the frame and
 * counts it: the writer never waits.
 *
 * Frames get their sequence number only once space is reserved, so the
 * numbers are dense; a number is taken and published within a few
 * instructions with interrupts off, so the reader, which emits frames
 * strictly in number order, never waits long for a missing one.
 *
 * Rings exist for every possible CPU and the reader looks at all of
 * them, so frames of a CPU that went offline are still read.
 *
 * Guarantees: frames reach the reader whole, in sequence order, and
 * nothing here sleeps or wakes in probe context.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/proc_fs.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/irqflags.h>
#include "transport.h"
#include "compat.h"

#define WAKE_PERIOD_MS 10     /* how often the timer looks for news */
#define MIN_RING_BYTES (4 * SONDE_STAGE_SIZE)
#define CTL_QUEUE_BYTES 4096
#define CTL_CMD_MAX 64

/* A CPU's ring: bytes [tail, head) hold committed frames. */
struct ring {
	char *data;
	unsigned long mask;   /* size - 1; size is a power of two */
	unsigned int cpu;     /* whose ring it is, stamped on its frames */
	unsigned long head;   /* written by the CPU's probes */
	unsigned long tail;   /* written by the reader (flight: the probes) */
	unsigned long dropped;
} ____cacheline_aligned;

static DEFINE_PER_CPU(struct ring, rings);
static atomic64_t last_seq;
static unsigned int mode;     /* SONDE_MODE_*, fixed at init */

/* Reader state, under reader_lock. */
static DEFINE_MUTEX(reader_lock);
static u64 next_seq = 1;

static DECLARE_WAIT_QUEUE_HEAD(data_wq);
static DECLARE_WAIT_QUEUE_HEAD(ctl_wq);
static struct timer_list wake_timer;
static bool timer_live;       /* cleared to stop the timer re-arming */
static bool finished;         /* no frame will be committed any more */
static bool closing;          /* module going away: readers return */

/* ctl events, under ctl_lock; flag bits are set from probe context. */
static DEFINE_MUTEX(ctl_lock);
static char ctl_queue[CTL_QUEUE_BYTES];
static size_t ctl_len;
static atomic_t ctl_flags;
static sonde_ctl_handler ctl_handler;

static struct proc_dir_entry *proc_dir;

/* ---------------------------------------------------------------- rings */

/* Copy n bytes into the ring at position pos, wrapping at the end. */
static void ring_put(struct ring *r, unsigned long pos, const void *src,
		     size_t n)
{
	unsigned long off = pos & r->mask;
	size_t first = min_t(size_t, n, r->mask + 1 - off);

	memcpy(r->data + off, src, first);
	memcpy(r->data, (const char *)src + first, n - first);
}

/* Copy n bytes out of the ring at position pos, wrapping at the end. */
static void ring_get(const struct ring *r, unsigned long pos, void *dst,
		     size_t n)
{
	unsigned long off = pos & r->mask;
	size_t first = min_t(size_t, n, r->mask + 1 - off);

	memcpy(dst, r->data + off, first);
	memcpy((char *)dst + first, r->data, n - first);
}

/*
 * Flight recorder: forget the oldest frames until size bytes fit.  The
 * writer owns tail in this mode: nobody reads before the session has
 * stopped, when no writer is left.  A frame never exceeds the ring
 * (MIN_RING_BYTES), so the loop ends.
 */
static unsigned long ring_forget(struct ring *r, unsigned long size)
{
	struct sonde_frame h;

	while (size > r->mask + 1 - (r->head - r->tail)) {
		ring_get(r, r->tail, &h, sizeof(h));
		r->tail += SONDE_FRAME_SIZE(h.len);
	}
	return r->tail;
}

/* Commit len bytes of text as one frame on this CPU's ring.  Interrupts
 * are off from taking the number to publishing the frame (see top). */
static int ring_commit(unsigned int type, const char *text, u32 len)
{
	struct ring *r = this_cpu_ptr(&rings);
	unsigned long size = SONDE_FRAME_SIZE(len);
	unsigned long tail = smp_load_acquire(&r->tail);
	struct sonde_frame f = { .len = len, .type = type, .cpu = r->cpu };
	static const char zeros[SONDE_FRAME_ALIGN];
	unsigned long flags;

	if (r->data && (mode & SONDE_MODE_FLIGHT))
		tail = ring_forget(r, size);
	if (!r->data || size > r->mask + 1 - (r->head - tail)) {
		r->dropped++;
		return -ENOSPC;
	}
	local_irq_save(flags);
	f.seq = atomic64_inc_return(&last_seq);
	ring_put(r, r->head, &f, sizeof(f));
	ring_put(r, r->head + sizeof(f), text, len);
	ring_put(r, r->head + sizeof(f) + len, zeros,
		 size - sizeof(f) - len);
	smp_store_release(&r->head, r->head + size);
	local_irq_restore(flags);
	return 0;
}

static bool ring_empty(const struct ring *r)
{
	return smp_load_acquire(&r->head) == READ_ONCE(r->tail);
}

static bool any_ring_pending(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (!ring_empty(per_cpu_ptr(&rings, cpu)))
			return true;
	return false;
}

/* Ring per CPU: the total split evenly (in bulk mode the total is per
 * CPU already), a power of two, at least a few staging buffers so that
 * one full invocation always fits. */
static unsigned long ring_bytes(unsigned long total)
{
	unsigned long each = total;

	if (!(mode & SONDE_MODE_BULK))
		each /= num_possible_cpus();

	if (each < MIN_RING_BYTES)
		each = MIN_RING_BYTES;
	return rounddown_pow_of_two(each);
}

static int rings_alloc(unsigned long total)
{
	unsigned long size = ring_bytes(total);
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ring *r = per_cpu_ptr(&rings, cpu);

		r->data = vmalloc_node(size, cpu_to_node(cpu));
		if (!r->data)
			return -ENOMEM;
		r->mask = size - 1;
		r->cpu = cpu;
		r->head = r->tail = r->dropped = 0;
	}
	return 0;
}

static void rings_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ring *r = per_cpu_ptr(&rings, cpu);

		vfree(r->data);
		r->data = NULL;
	}
}

unsigned long sonde_transport_dropped(void)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&rings, cpu)->dropped);
	return sum;
}

/* ---------------------------------------------------------------- staging */

int sonde_stage_alloc(struct sonde_stage *st, int cpu)
{
	st->buf = kmalloc_node(SONDE_STAGE_SIZE, GFP_KERNEL, cpu_to_node(cpu));
	st->len = 0;
	st->size = st->buf ? SONDE_STAGE_SIZE : 0;
	return st->buf ? 0 : -ENOMEM;
}

void sonde_stage_free(struct sonde_stage *st)
{
	kfree(st->buf);
	st->buf = NULL;
	st->size = st->len = 0;
}

/*
 * Commit the staged text as one frame and empty the stage.  Empty
 * stages commit nothing.  Returns -ENOSPC when the frame was dropped.
 */
int sonde_stage_commit(struct sonde_stage *st, unsigned int type)
{
	int ret = 0;

	if (st->len || type != SONDE_FRAME_OUTPUT)
		ret = ring_commit(type, st->buf, st->len);
	st->len = 0;
	return ret;
}

/* Append text; output beyond a full stage goes out as extra frames. */
void sonde_stage_write(struct sonde_stage *st, const char *s, size_t n)
{
	while (n) {
		size_t room = st->size - st->len;
		size_t k = min(n, room);

		memcpy(st->buf + st->len, s, k);
		st->len += k;
		s += k;
		n -= k;
		if (n)
			sonde_stage_commit(st, SONDE_FRAME_OUTPUT);
	}
}

/* Format into the stage; text longer than a whole stage is truncated. */
void sonde_stage_vprintf(struct sonde_stage *st, const char *fmt,
			 va_list args)
{
	size_t room = st->size - st->len;
	va_list again;
	int n;

	va_copy(again, args);
	n = vsnprintf(st->buf + st->len, room, fmt, args);
	if (n >= 0 && (size_t)n >= room && st->len) {
		sonde_stage_commit(st, SONDE_FRAME_OUTPUT);
		room = st->size;
		n = vsnprintf(st->buf, room, fmt, again);
	}
	va_end(again);
	if (n > 0)
		st->len += min_t(size_t, n, room - 1);
}

/* ---------------------------------------------------------------- reader */

/* The ring whose oldest frame has the lowest number, or NULL; its
 * header goes to *f. */
static struct ring *oldest_frame(struct sonde_frame *f)
{
	struct ring *best = NULL;
	struct sonde_frame h;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ring *r = per_cpu_ptr(&rings, cpu);

		if (ring_empty(r))
			continue;
		ring_get(r, r->tail, &h, sizeof(h));
		if (!best || h.seq < f->seq) {
			best = r;
			*f = h;
		}
	}
	return best;
}

/*
 * Whether the rings may be read now: a flight recorder's only once the
 * session has stopped and no probe writes (they move tail themselves).
 */
static bool readable(void)
{
	/* Acquire: pairs with the release in sonde_transport_finish(), after
	 * which the tails the writers moved are visible. */
	return !(mode & SONDE_MODE_FLIGHT) || smp_load_acquire(&finished);
}

/* The next frame to emit: the one numbered next_seq, or whatever is
 * oldest after the end of the session (no frame can be in flight then,
 * and a flight recorder's numbers have gaps) or in bulk mode (only each
 * CPU's order matters, and each ring is in order). */
static struct ring *next_frame(struct sonde_frame *f)
{
	struct ring *r = readable() ? oldest_frame(f) : NULL;

	if (r && f->seq != next_seq && !READ_ONCE(finished) &&
	    !(mode & SONDE_MODE_BULK))
		return NULL;
	return r;
}

/* Copy the next frame to user space if it fits; returns bytes copied,
 * 0 if nothing is ready or it does not fit, or -EFAULT. */
static ssize_t emit_frame(char __user *buf, size_t room)
{
	struct sonde_frame f;
	struct ring *r = next_frame(&f);
	unsigned long size, off, first;

	if (!r)
		return 0;
	size = SONDE_FRAME_SIZE(f.len);
	if (size > room)
		return 0;
	off = r->tail & r->mask;
	first = min(size, r->mask + 1 - off);
	if (copy_to_user(buf, r->data + off, first) ||
	    copy_to_user(buf + first, r->data, size - first))
		return -EFAULT;
	WRITE_ONCE(next_seq, f.seq + 1);
	smp_store_release(&r->tail, r->tail + size);
	return size;
}

/*
 * Whether a read would return something.  Used as a wait condition, so it
 * cannot take reader_lock (no sleeping while queued on a wait queue); a
 * racing reader can make the answer stale, which costs one more pass of
 * the read loop or one timer period, never a lost frame.
 */
static bool data_ready(void)
{
	struct sonde_frame f;

	if (READ_ONCE(finished) || READ_ONCE(closing))
		return true;
	if (!readable() || !oldest_frame(&f))
		return false;
	return f.seq == READ_ONCE(next_seq) || (mode & SONDE_MODE_BULK);
}

/* Copy as many whole frames as fit; caller holds reader_lock. */
static ssize_t emit_frames(char __user *buf, size_t count)
{
	size_t done = 0;
	ssize_t n;

	while ((n = emit_frame(buf + done, count - done)) > 0)
		done += n;
	if (n < 0 && !done)
		return n;
	return done;
}

static ssize_t data_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	ssize_t n;

	for (;;) {
		mutex_lock(&reader_lock);
		n = emit_frames(buf, count);
		mutex_unlock(&reader_lock);
		if (n)
			return n;
		if (READ_ONCE(closing) || (READ_ONCE(finished) && !any_ring_pending()))
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(data_wq, data_ready()))
			return -ERESTARTSYS;
	}
}

static __poll_t data_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &data_wq, wait);
	return data_ready() ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct proc_ops data_ops = {
	.proc_read = data_read,
	.proc_poll = data_poll,
	.proc_lseek = noop_llseek,
};

/* ---------------------------------------------------------------- ctl */

/* Append one event line; caller holds ctl_lock.  A full queue loses the
 * line: the queue only carries a handful of lines per session. */
static void ctl_append(const char *fmt, va_list args)
{
	size_t room = sizeof(ctl_queue) - ctl_len;
	int n = vsnprintf(ctl_queue + ctl_len, room, fmt, args);

	if (n > 0 && (size_t)n < room)
		ctl_len += n;
}

static void ctl_appendf(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	ctl_append(fmt, args);
	va_end(args);
}

void sonde_ctl_post(const char *fmt, ...)
{
	va_list args;

	mutex_lock(&ctl_lock);
	va_start(args, fmt);
	ctl_append(fmt, args);
	va_end(args);
	mutex_unlock(&ctl_lock);
	wake_up_interruptible(&ctl_wq);
}

/* Safe anywhere: the timer turns the bits into lines and wakes readers. */
void sonde_ctl_flag(unsigned int bits)
{
	atomic_or(bits, &ctl_flags);
}

/* Turn raised flags into queued lines; caller holds ctl_lock. */
static void ctl_take_flags(void)
{
	unsigned int bits = atomic_xchg(&ctl_flags, 0);

	if (bits & SONDE_CTL_EXIT)
		ctl_appendf("exit\n");
}

static bool ctl_ready(void)
{
	return atomic_read(&ctl_flags) || READ_ONCE(ctl_len) ||
	       READ_ONCE(closing);
}

/* Copy out up to count queued bytes; caller holds ctl_lock. */
static ssize_t ctl_take(char __user *buf, size_t count)
{
	size_t n;

	ctl_take_flags();
	n = min(count, ctl_len);
	if (copy_to_user(buf, ctl_queue, n))
		return -EFAULT;
	memmove(ctl_queue, ctl_queue + n, ctl_len - n);
	ctl_len -= n;
	return n;
}

static ssize_t ctl_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	ssize_t n;

	for (;;) {
		mutex_lock(&ctl_lock);
		n = ctl_take(buf, count);
		mutex_unlock(&ctl_lock);
		if (n || !count || READ_ONCE(closing))
			return n;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(ctl_wq, ctl_ready()))
			return -ERESTARTSYS;
	}
}

static ssize_t ctl_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	char cmd[CTL_CMD_MAX];
	size_t n = count;
	int ret;

	if (n >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, buf, n))
		return -EFAULT;
	while (n && (cmd[n - 1] == '\n' || cmd[n - 1] == ' '))
		n--;
	cmd[n] = '\0';
	ret = ctl_handler(cmd);
	return ret < 0 ? ret : (ssize_t)count;
}

static __poll_t ctl_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &ctl_wq, wait);
	return (ctl_ready() ? EPOLLIN | EPOLLRDNORM : 0) |
	       EPOLLOUT | EPOLLWRNORM;
}

static const struct proc_ops ctl_ops = {
	.proc_read = ctl_read,
	.proc_write = ctl_write,
	.proc_poll = ctl_poll,
	.proc_lseek = noop_llseek,
};

/* ---------------------------------------------------------------- timer */

/* Wake readers when something is waiting for them.  Runs in softirq
 * context, where wake_up is safe, unlike in probes. */
static void wake_tick(struct timer_list *t)
{
	if ((readable() && any_ring_pending()) || READ_ONCE(finished))
		wake_up_interruptible(&data_wq);
	if (atomic_read(&ctl_flags))
		wake_up_interruptible(&ctl_wq);
	if (READ_ONCE(timer_live))
		mod_timer(&wake_timer,
			  jiffies + max(1UL, msecs_to_jiffies(WAKE_PERIOD_MS)));
}

static void timer_start(void)
{
	WRITE_ONCE(timer_live, true);
	timer_setup(&wake_timer, wake_tick, 0);
	mod_timer(&wake_timer, jiffies + 1);
}

static void timer_stop(void)
{
	WRITE_ONCE(timer_live, false);
	sonde_timer_delete_sync(&wake_timer);
}

/* ---------------------------------------------------------------- setup */

static int proc_files_create(const char *modname)
{
	char name[sizeof(SONDE_PROC_PREFIX) + MODULE_NAME_LEN];

	snprintf(name, sizeof(name), SONDE_PROC_PREFIX "%s", modname);
	proc_dir = proc_mkdir(name, NULL);
	if (!proc_dir)
		return -EEXIST;
	if (!proc_create("data", 0400, proc_dir, &data_ops) ||
	    !proc_create("ctl", 0600, proc_dir, &ctl_ops)) {
		proc_remove(proc_dir);
		proc_dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct proc_dir_entry *sonde_proc_dir(void)
{
	return proc_dir;
}

/* Set up rings of about bytes in all (per CPU in bulk mode) and the
 * procfs files; handler receives ctl commands in process context. */
int sonde_transport_init(const char *modname, unsigned long bytes,
			 unsigned int output_mode, sonde_ctl_handler handler)
{
	int ret;

	mode = output_mode;
	ctl_handler = handler;
	atomic64_set(&last_seq, 0);
	ret = rings_alloc(bytes);
	if (!ret)
		ret = proc_files_create(modname);
	if (ret) {
		rings_free();
		return ret;
	}
	timer_start();
	return 0;
}

/* No more frames will come: readers drain the rings and see end of file. */
void sonde_transport_finish(void)
{
	smp_store_release(&finished, true);
	wake_up_interruptible(&data_wq);
}

/* Release readers, remove the files, stop the timer, free the rings. */
void sonde_transport_exit(void)
{
	WRITE_ONCE(closing, true);
	wake_up_interruptible_all(&data_wq);
	wake_up_interruptible_all(&ctl_wq);
	proc_remove(proc_dir);
	timer_stop();
	rings_free();
}
