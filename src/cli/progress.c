/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status line of a checkpoint or restore on a terminal. The library call
 * is synchronous and criu may stay silent for seconds (the dump proper, with
 * the tree frozen, sends no notification), so a thread redraws the line ten
 * times a second. What is safe:
 *  - the thread blocks every signal, so SIGINT/SIGTERM still reach the main
 *    thread (its handlers set the cancel flag, and restore's waitpid(-1)
 *    sees EINTR to forward them);
 *  - libckpt forks criu while the thread may hold stdio's or our lock: the
 *    child only calls async-signal-safe functions before exec, so no lock
 *    is ever taken there;
 *  - the line (phase, stderr) is drawn under p->lock, by the thread and by
 *    the notify callback, which runs in the main thread;
 *  - progress_done() joins the thread before anything else is printed.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define TICK_NS 100000000ull /* 10 Hz */

uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* criu's notifications, as the phase a user recognises. */
static const char *
phase_of(const char *script)
{
	static const struct {
		const char *script, *phase;
	} m[] = {
		{ "pre-dump", "freezing and dumping" },
		{ "network-lock", "locking the network" },
		{ "post-dump", "writing done, finishing" },
		{ "pre-restore", "restoring" },
		{ "setup-namespaces", "setting up namespaces" },
		{ "post-restore", "restored, resuming" },
		{ "pre-resume", "resuming" },
		{ "post-resume", "resumed" },
		{ "status-ready", "page server ready" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].script, script) == 0)
			return m[i].phase;
	return NULL;
}

/* Under p->lock. */
static void
draw(const struct progress *p)
{
	double s = (double)(mono_ns() - p->t0_ns) / 1e9;

	fprintf(stderr, "\r\033[K%s: %s... [%.2fs]", p->verb, p->phase, s);
	fflush(stderr);
}

static void
deadline(struct timespec *ts, uint64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ns += (uint64_t)ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void *
ticker(void *data)
{
	struct progress *p = data;
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	deadline(&until, TICK_NS);
	while (!p->stop) {
		if (pthread_cond_timedwait(&p->wake, &p->lock, &until) != ETIMEDOUT)
			continue; /* woken to stop (or spuriously) */
		draw(p);
		deadline(&until, TICK_NS);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The thread inherits a mask blocking every signal. */
static bool
start_ticker(struct progress *p)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->thread, NULL, ticker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		pthread_cond_destroy(&p->wake);
	return r == 0; /* without a thread the line still follows criu's notifications */
}

void
progress_start(struct progress *p)
{
	pthread_mutex_init(&p->lock, NULL);
	p->t0_ns = mono_ns();
	p->phase = "starting criu";
	p->stop = false;
	p->ticking = false;
	if (!p->out->progress)
		return;
	draw(p);
	p->ticking = start_ticker(p);
}

int
progress_notify(const char *script, pid_t pid, int fd, void *data)
{
	struct progress *p = data;
	const char *phase = phase_of(script);

	log_event(p->out->g, "debug", "criu notify %s pid %d", script, pid);
	if (p->out->progress && phase) {
		pthread_mutex_lock(&p->lock);
		p->phase = phase;
		draw(p);
		pthread_mutex_unlock(&p->lock);
	}
	return p->next ? p->next(script, pid, fd, p->next_data) : 0;
}

void
progress_done(struct progress *p)
{
	if (p->ticking) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->wake);
		p->ticking = false;
	}
	if (p->out->progress)
		fprintf(stderr, "\r\033[K");
	pthread_mutex_destroy(&p->lock);
}
