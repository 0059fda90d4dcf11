/*
 * otf.h: on-the-fly arming and disarming of conditional probes.
 *
 * For "probe X if (COND)" with X of a group that can toggle its probes,
 * the emitter keeps one bool per probe, its condition's last value, in
 * the group's probe struct (sonde_timer.enabled, sonde_kprobe.enabled).
 * A probe body that writes a global read by some COND re-evaluates it
 * afterwards and, if the value changed, records it and raises the
 * need-refresh flag:
 *
 *   if (sonde_cond_update(&kp_7.enabled, g_on != 0))
 *           sonde_otf_changed(c);
 *   ...
 *   out:
 *   sonde_otf_exit(c, true);      // true: this group's context is safe
 *   sonde_probe_exit(c);
 *
 * sonde_otf_exit() queues the refresh work when the probe's context is
 * safe for queue_work() (hrtimer callbacks: yes; kprobes: no, they may
 * fire inside the workqueue code); otherwise a background timer notices
 * the flag within SONDE_OTF_INTERVAL_MS and queues it.  The work runs in
 * process context and calls every group's refresh hook, which arms or
 * disarms each probe whose state differs from its enabled flag.  The
 * handler still tests COND itself (a hit may come before the refresh).
 *
 * Lifecycle: sonde_otf_start() at the end of register_probes,
 * sonde_otf_stop() first thing in unregister_probes (no refresh runs
 * after it returns), sonde_otf_release() in the script's release hook.
 */
#ifndef SONDE_OTF_H
#define SONDE_OTF_H

#include <linux/atomic.h>
#include "lifecycle.h"

#define SONDE_OTF_INTERVAL_MS 20

/* One probe group's refresh hook, called in process context. */
struct sonde_otf_group {
	const char *name;
	void (*refresh)(void);
};

extern atomic_t sonde_otf_need;

void sonde_otf_start(const struct sonde_otf_group *groups, unsigned int n);
void sonde_otf_stop(void);
void sonde_otf_release(void);
void sonde_otf_kick(void);

/* Record a condition's new value; true when it changed. */
static inline bool sonde_cond_update(bool *enabled, bool now)
{
	if (READ_ONCE(*enabled) == now)
		return false;
	WRITE_ONCE(*enabled, now);
	return true;
}

static inline void sonde_otf_changed(struct sonde_ctx *ctx)
{
	atomic_set(&sonde_otf_need, 1);
	ctx->otf_kick = true;
}

static inline void sonde_otf_exit(struct sonde_ctx *ctx, bool safe)
{
	if (unlikely(ctx->otf_kick) && safe)
		sonde_otf_kick();
}

#endif /* SONDE_OTF_H */
