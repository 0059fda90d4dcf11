/*
 * probes.h - registration shared by the runtime test modules that run
 * both timers and kprobes: timers first, then kprobes, and a failure
 * undoes what was registered, as a generated module does it.
 */
#ifndef SONDE_TEST_PROBES_H
#define SONDE_TEST_PROBES_H

static inline int register_timers_kprobes(struct sonde_timer *timers,
					  unsigned int ntimers,
					  struct sonde_kprobe *kprobes,
					  unsigned int nkprobes)
{
	int ret = sonde_timers_register(timers, ntimers);

	if (ret)
		return ret;
	ret = sonde_kprobes_register(kprobes, nkprobes);
	if (ret)
		sonde_timers_unregister(timers, ntimers);
	return ret;
}

static inline void unregister_timers_kprobes(struct sonde_timer *timers,
					     unsigned int ntimers,
					     struct sonde_kprobe *kprobes,
					     unsigned int nkprobes)
{
	sonde_kprobes_unregister(kprobes, nkprobes);
	sonde_timers_unregister(timers, ntimers);
}

/*
 * The script of such a module: its probes are the file's arrays `timers`
 * and `kprobes`, its end probe the function `end`.
 */
#define TIMERS_KPROBES_SCRIPT(name)					\
	static int name##_register(void)				\
	{								\
		return register_timers_kprobes(timers, ARRAY_SIZE(timers), \
					       kprobes, ARRAY_SIZE(kprobes)); \
	}								\
	static void name##_unregister(void)				\
	{								\
		unregister_timers_kprobes(timers, ARRAY_SIZE(timers),	\
					  kprobes, ARRAY_SIZE(kprobes));	\
	}								\
	static const struct sonde_script name = {			\
		.register_probes = name##_register,			\
		.unregister_probes = name##_unregister,			\
		.end = end,						\
	};								\
	SONDE_SCRIPT(name)

#endif
