// SPDX-License-Identifier: GPL-2.0
/*
 * otf.c: the refresh work and background timer of on-the-fly probes
 * (see otf.h).
 *
 * The work takes the flag (atomic exchange) before refreshing, so a
 * change made during a refresh raises it again and is not lost.  A
 * mutex orders refreshes against sonde_otf_stop(): once stopped, a work
 * item a late probe queued finds the flag and returns.  The work is
 * a static item on the system workqueue; sonde_otf_release() (after
 * every probe returned) cancels any such late item before the module
 * goes away.
 */
#include <linux/workqueue.h>
#include <linux/timer.h>
#include <linux/mutex.h>
#include <linux/jiffies.h>
#include "otf.h"
#include "compat.h"

atomic_t sonde_otf_need = ATOMIC_INIT(0);

static const struct sonde_otf_group *groups;
static unsigned int ngroups;
static bool stopped = true;      /* under lock */
static DEFINE_MUTEX(lock);

static void refresh_fn(struct work_struct *w)
{
	unsigned int i;

	mutex_lock(&lock);
	if (!stopped && atomic_xchg(&sonde_otf_need, 0))
		for (i = 0; i < ngroups; i++)
			groups[i].refresh();
	mutex_unlock(&lock);
}

static DECLARE_WORK(refresh_work, refresh_fn);
static struct timer_list tick;

static void tick_fn(struct timer_list *t)
{
	if (atomic_read(&sonde_otf_need))
		schedule_work(&refresh_work);
	if (!READ_ONCE(stopped))
		mod_timer(&tick, jiffies + msecs_to_jiffies(SONDE_OTF_INTERVAL_MS));
}

void sonde_otf_kick(void)
{
	schedule_work(&refresh_work);
}

void sonde_otf_start(const struct sonde_otf_group *g, unsigned int n)
{
	mutex_lock(&lock);
	groups = g;
	ngroups = n;
	stopped = false;
	mutex_unlock(&lock);
	timer_setup(&tick, tick_fn, 0);
	mod_timer(&tick, jiffies + msecs_to_jiffies(SONDE_OTF_INTERVAL_MS));
}

void sonde_otf_stop(void)
{
	mutex_lock(&lock);
	if (stopped) {
		mutex_unlock(&lock);
		return;
	}
	stopped = true;
	mutex_unlock(&lock);
	sonde_timer_delete_sync(&tick);
	cancel_work_sync(&refresh_work);
}

void sonde_otf_release(void)
{
	cancel_work_sync(&refresh_work);
}
