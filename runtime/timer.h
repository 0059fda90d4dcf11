/*
 * timer.h: the timer probe group, on high-resolution timers.
 *
 * One struct sonde_timer per timer probe, written by the emitter:
 *
 *   timer.ms(N), .us, .ns, .s, .sec   period N * unit
 *   timer.hz(N)                        period 10^9 / N ns
 *   timer.jiffies(N)                   period N * TICK_NSEC
 *   .randomize(R)                      each period +- a random R units
 *   timer.profile                      every CPU, each tick (percpu)
 *
 *   static struct sonde_timer tm[] = {
 *           { .period_ns = 100 * NSEC_PER_MSEC, .fire = probe_2,
 *             .enabled = true },
 *   };
 *
 * fire(t, regs) runs in hard interrupt context (a safe context for
 * on-the-fly work); regs are the interrupted registers, for profile.
 * A timer is armed while enabled (its condition) holds: register arms
 * the enabled ones, refresh arms or disarms to match, unregister
 * disarms all and returns when no callback runs.  live is true from
 * just before arming until the callbacks are gone after disarming, so a
 * callback that finds it false is a bug (tests check this); armed is
 * cleared first when disarming, so that a running callback does not
 * re-arm.
 *
 * Profile timers run one pinned timer per online CPU, following CPU
 * hotplug: a CPU going offline stops its timers, one coming online
 * starts them while the probe is armed.  A module registers one timer
 * array (the hotplug callbacks walk it).
 */
#ifndef SONDE_TIMER_H
#define SONDE_TIMER_H

#include <linux/hrtimer.h>
#include <linux/ptrace.h>

struct sonde_timer;

/* One CPU's timer of a per-CPU (profile) timer probe. */
struct sonde_timer_cpu {
	struct hrtimer h;
	struct sonde_timer *owner;
};

struct sonde_timer {
	u64 period_ns;
	u64 randomize_ns;                 /* 0: none */
	bool percpu;                      /* timer.profile */
	bool enabled;                     /* the probe's condition */
	void (*fire)(struct sonde_timer *t, struct pt_regs *regs);
	/* Run-time state. */
	bool armed;                       /* callbacks re-arm the timer */
	bool live;
	struct hrtimer one;               /* !percpu */
	struct sonde_timer_cpu __percpu *cpus;   /* percpu */
};

int sonde_timers_register(struct sonde_timer *t, unsigned int n);
void sonde_timers_unregister(struct sonde_timer *t, unsigned int n);
void sonde_timers_refresh(struct sonde_timer *t, unsigned int n);

#endif /* SONDE_TIMER_H */
