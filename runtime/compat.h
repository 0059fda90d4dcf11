/*
 * compat.h: the one place where kernel API differences between the
 * releases sonde supports (6.1 to 6.12 and later) are absorbed.
 *
 * Each difference is decided once here, by the kernel version, and the
 * rest of the runtime uses the sonde_ name only.
 */
#ifndef SONDE_COMPAT_H
#define SONDE_COMPAT_H

#include <linux/version.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>

/* timer_delete_sync() appeared in 6.2; del_timer_sync() went away later. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define sonde_timer_delete_sync(t) timer_delete_sync(t)
#else
#define sonde_timer_delete_sync(t) del_timer_sync(t)
#endif

/* hrtimer_setup() replaced hrtimer_init() plus setting .function in 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define sonde_hrtimer_setup(t, fn, clock, mode) hrtimer_setup(t, fn, clock, mode)
#else
#define sonde_hrtimer_setup(t, fn, clock, mode) \
	do { hrtimer_init(t, clock, mode); (t)->function = (fn); } while (0)
#endif

#endif /* SONDE_COMPAT_H */
