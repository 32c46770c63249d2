/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_SWRK_H
#define CKPT_SWRK_H

#include <stdbool.h>
#include <stdint.h>

#include "ckpt.h"

/* criu's end of the socketpair in the child, and its first inherited fd. */
#define SWRK_SOCK_FD	  3
#define SWRK_INHERIT_BASE 4

/* One running `criu swrk` child and the client end of its socket. */
struct swrk {
	pid_t pid;
	int sk;
	int out_fd; /* memfd holding criu's stdout and stderr */
	int wstatus;
	bool reaped;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC, 0 = none */
	volatile int *cancel;
	bool new_pgrp;		     /* put criu in its own process group */
	bool tty_stdin;		     /* a shell job: criu's stdin is ours when it is a terminal */
	const char *const *cli_argv; /* run this criu command line instead of swrk */
	bool let_exit;		     /* swrk_release(): swrk_cleanup() waits for the exit */
};

#define SWRK_INIT                                 \
	{                                         \
		.pid = -1, .sk = -1, .out_fd = -1 \
	}

/* Resolves a criu binary name (looked up in PATH) to an absolute path. */
int swrk_resolve(const char *name, char **ret_path, ckpt_error **err);
/* Forks and execs `criu swrk 3`; fds[] are passed as criu's fds 4, 5, ... */
int swrk_start(struct swrk *s, const char *criu, const int *fds, size_t n_fds, ckpt_error **err);
/*
 * Closes the socket and reaps criu. criu takes the closed socket as a refusal
 * at its next notification and resumes the tasks; grace_ms bounds how long it
 * may take before it is SIGKILLed (-1: wait for it, 0: kill at once).
 */
int swrk_stop(struct swrk *s, int grace_ms);
/* How long a cancelled or timed-out criu gets to abort by itself. */
#define SWRK_ABORT_GRACE_MS 10000
/*
 * Closes the socket and lets criu exit by itself: swrk_cleanup() reaps it
 * then, giving it SWRK_ABORT_GRACE_MS before a SIGKILL.
 */
void swrk_release(struct swrk *s);
/* What criu printed on stdout/stderr (trimmed, at most max bytes), or NULL. */
char *swrk_output(const struct swrk *s, size_t max);
/* Stops the child if still running (at once, unless released) and releases everything. */
void swrk_cleanup(struct swrk *s);
/* Monotonic clock in ns. */
uint64_t now_ns(void);

#endif
