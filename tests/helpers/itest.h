/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the integration tests (root, real criu). */
#ifndef CKPT_ITEST_H
#define CKPT_ITEST_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

#include <yajl/yajl_tree.h>

#include "ckpt.h"

struct counter {
	unsigned long lines, first, last;
	bool all_ok;	 /* every line says "ok" */
	bool contiguous; /* 1, 2, ..., last */
};

/* A workload tree and its directories, for the tests that dump it. */
#define ITEST_TREE_MAX 16
struct itest_tree {
	char *dir;    /* the workload's directory (counters) */
	char *images; /* dir/images, not made */
	pid_t pids[ITEST_TREE_MAX];
	int n;
};

/* A fresh directory under /tmp; removed by itest_rmdir. */
char *itest_mkdtemp(const char *tag);
void itest_rmdir(char *dir);
/* Starts tests/helpers/workload in dir; returns its pid (a child of ours). */
pid_t itest_start_workload(const char *dir, int children, int mem_mib);
/* itest_start_workload() with children and mem_mib in a new directory tagged tag. */
void itest_tree_start(struct itest_tree *t, const char *tag, int children, int mem_mib);
/* Kills what is left of the tree, removes its directory. */
void itest_tree_stop(struct itest_tree *t);
/*
 * Every process of the tree runs (state S or R, never t/T/Z), its counter
 * advances, has no gap and saw its memory intact.
 */
void itest_assert_tree_runs(const struct itest_tree *t);
/* Reads dir/counter.idx. */
int itest_counter(const char *dir, int idx, struct counter *c);
/* Waits until counter idx reaches at least n (false on timeout). */
bool itest_wait_count(const char *dir, int idx, unsigned long n, int timeout_ms);
/* The process state letter from /proc/PID/stat, or 0 if gone. */
char itest_state(pid_t pid);
/* Waits until /proc/PID is gone, reaping it if it is our child. */
bool itest_wait_gone(pid_t pid, int timeout_ms);
/* The pids of the tree rooted at root (root first); returns how many. */
int itest_tree(pid_t root, pid_t *pids, int max);
/* Waits until every pid is gone. */
bool itest_wait_all_gone(const pid_t *pids, int n, int timeout_ms);
/* SIGKILLs and reaps a pid we started (never pid <= 1). */
void itest_kill(pid_t pid);
/* SIGKILLs a workload's whole tree (children would outlive the root), waits until all of it is gone. */
void itest_kill_tree(pid_t root);
/* text parsed as JSON (the caller frees it with yajl_tree_free); fails the test otherwise. */
yajl_val itest_parse_json(const char *text);
/* Options with the usual settings: pid, images dir, no progress. */
ckpt_opts *itest_opts(pid_t pid, const char *images);
/* Number of open fds of a process, or -1. */
int itest_count_fds(pid_t pid);
void itest_sleep_ms(long ms);
/* Path of a program built by meson, from the environment (CKPT_<NAME>). */
const char *itest_prog(const char *env);
/* Runs a command (sh -c) and returns its exit status; output into *out. */
int itest_run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Cleanup that runs when the test process ends, however it ends (Check ends
 * a failing test with _exit(): a guardian process does the work): pids to
 * SIGKILL and shell commands to run, last registered first. A pid is killed
 * only while it is still the process it was at registration (its start
 * time), or one restored under the same pid with the same command line in
 * a test's own directory: never a reused pid of someone else.
 */
void itest_on_exit_kill(pid_t pid);
void itest_on_exit_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A suite runner that requires root; in CI (CI=true) it never skips. */
int itest_main(Suite *s);

#endif
