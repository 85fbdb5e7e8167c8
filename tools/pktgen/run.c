/* SPDX-License-Identifier: MIT */
/* pktgen's sender threads. Every test_run call with repeat > 1 adds the program to the XDP
 * dispatcher and removes it again, two synchronize_rcu() (~20 ms here): so each thread makes
 * one call for its whole share, and the main thread ends it at the deadline with SIGUSR1,
 * which the kernel's run loop notices after the current batch (-EINTR). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "run.h"

#define POLL_NS		10000000L	/* supervisor tick: deadline and signal latency */

struct sender {
	const struct run_cfg *cfg;
	uint64_t share;		/* frames for this thread; 0 = until stopped */
	int cpu;
	pthread_t tid;
	int err;
	int done;		/* set by the thread as it exits */
	int joinable;
};

static volatile sig_atomic_t stop_requested;

static void handle_stop(int sig)
{
	stop_requested = 1;
}

/* Exists only so that SIGUSR1 interrupts a sender's bpf() call instead of killing it. */
static void handle_kick(int sig)
{
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *send_frames(void *arg)
{
	struct sender *s = arg;
	const struct run_cfg *cfg = s->cfg;
	struct xdp_md md = { .data_end = cfg->frame_len, .ingress_ifindex = cfg->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = cfg->frame,
		.data_size_in = cfg->frame_len,
		.ctx_in = &md,
		.ctx_size_in = sizeof(md),
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.batch_size = cfg->batch,
	);
	uint64_t left = s->share;

	while (!stop_requested && (!s->share || left)) {
		opts.repeat = !s->share || left > UINT32_MAX ? UINT32_MAX : left;
		if (bpf_prog_test_run_opts(cfg->prog_fd, &opts)) {
			if (errno != EINTR) {
				s->err = -errno;
				fprintf(stderr, "pktgen: test_run on CPU %d: %s\n", s->cpu,
					strerror(errno));
			}
			break;
		}
		left -= s->share ? opts.repeat : 0;
	}
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The first n CPUs this process may run on, in order. */
static int pick_cpus(unsigned int n, int *cpus)
{
	cpu_set_t set;
	unsigned int found = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (int cpu = 0; cpu < CPU_SETSIZE && found < n; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[found++] = cpu;
	if (found < n) {
		fprintf(stderr, "pktgen: -c %u: only %d CPUs available\n", n, CPU_COUNT(&set));
		return -EINVAL;
	}
	return 0;
}

static int start_sender(struct sender *s)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	err = pthread_create(&s->tid, &attr, send_frames, s);
	pthread_attr_destroy(&attr);
	if (err)
		fprintf(stderr, "pktgen: thread for CPU %d: %s\n", s->cpu, strerror(err));
	return -err;
}

/* Senders inherit SIGINT/SIGTERM blocked, so those reach the main thread only. */
static void install_signals(sigset_t *stop_set)
{
	struct sigaction stop = { .sa_handler = handle_stop };	/* no SA_RESTART */
	struct sigaction kick = { .sa_handler = handle_kick };

	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGUSR1, &kick, NULL);
	sigemptyset(stop_set);
	sigaddset(stop_set, SIGINT);
	sigaddset(stop_set, SIGTERM);
}

static unsigned int count_running(const struct sender *senders, unsigned int n)
{
	unsigned int running = 0;

	for (unsigned int i = 0; i < n; i++)
		running += !__atomic_load_n(&senders[i].done, __ATOMIC_ACQUIRE);
	return running;
}

/* Waits for the senders; past the deadline or on a signal, kicks them every tick until they
 * are out (a kick that lands just before a sender enters bpf() would be lost). */
static void supervise_senders(struct sender *senders, unsigned int n, double deadline)
{
	struct timespec tick = { 0, POLL_NS };

	while (count_running(senders, n)) {
		if (stop_requested || now_s() >= deadline) {
			stop_requested = 1;
			for (unsigned int i = 0; i < n; i++)
				if (!__atomic_load_n(&senders[i].done, __ATOMIC_ACQUIRE))
					pthread_kill(senders[i].tid, SIGUSR1);
		}
		nanosleep(&tick, NULL);
	}
}

int run_senders(const struct run_cfg *cfg, double *elapsed)
{
	static struct sender senders[CPU_SETSIZE];
	int cpus[CPU_SETSIZE];
	unsigned int started = 0;
	sigset_t stop_set;
	double t0;
	int err;

	err = pick_cpus(cfg->threads, cpus);
	if (err)
		return err;
	install_signals(&stop_set);
	pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
	t0 = now_s();
	for (; started < cfg->threads; started++) {
		senders[started] = (struct sender){
			.cfg = cfg, .cpu = cpus[started],
			.share = cfg->count / cfg->threads + (started < cfg->count % cfg->threads),
		};
		if (cfg->count && !senders[started].share)
			senders[started].done = 1;	/* fewer frames than threads */
		else if ((err = start_sender(&senders[started])))
			break;
		else
			senders[started].joinable = 1;
	}
	pthread_sigmask(SIG_UNBLOCK, &stop_set, NULL);
	supervise_senders(senders, started, err ? t0 : t0 + cfg->seconds);
	for (unsigned int i = 0; i < started; i++) {
		if (senders[i].joinable)
			pthread_join(senders[i].tid, NULL);
		if (senders[i].err && !err)
			err = senders[i].err;
	}
	*elapsed = now_s() - t0;
	return err;
}
