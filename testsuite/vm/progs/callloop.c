/*
 * callloop: call getppid() through syscall(2) in a tight loop.
 *
 * Usage: callloop N [THREADS]
 * Each of THREADS threads (default 1) makes N calls; threads are spread
 * over the online CPUs.  Prints the total number of calls and the mean
 * wall-clock nanoseconds per call of one thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long calls_per_thread;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin_to_cpu(long index)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(index % ncpu, &set);
	/* Best effort: an unpinned thread still does its calls. */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *worker(void *arg)
{
	long i;

	pin_to_cpu((long)arg);
	for (i = 0; i < calls_per_thread; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	long nthreads = argc > 2 ? atol(argv[2]) : 1;
	pthread_t *tids;
	long long start, elapsed;
	long t;

	if (argc < 2 || atol(argv[1]) <= 0 || nthreads <= 0) {
		fprintf(stderr, "usage: %s N [THREADS]\n", argv[0]);
		return 2;
	}
	calls_per_thread = atol(argv[1]);
	tids = calloc(nthreads, sizeof(*tids));
	if (!tids)
		return 1;

	start = now_ns();
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&tids[t], NULL, worker, (void *)t) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	elapsed = now_ns() - start;

	printf("calls=%ld threads=%ld ns_per_call=%.1f\n",
	       calls_per_thread * nthreads, nthreads,
	       (double)elapsed / calls_per_thread);
	free(tids);
	return 0;
}
