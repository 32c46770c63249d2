/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the per-option integration tests (test-options-*.c). */
#ifndef CKPT_OPTTEST_H
#define CKPT_OPTTEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "itest.h"

/* Starts program $ENV (tcp-helper, hold-helper) as `prog MODE DIR`, our child. */
pid_t opt_spawn(const char *env, const char *mode, const char *dir);
/* The same, then waits until DIR/counter.0 counts (the helper runs). */
pid_t opt_start(const char *env, const char *mode, const char *dir);
/* Runs `$CKPT_BIN ARGS 2>&1`: ckpt's exit status, all it printed in *out. */
int opt_ckpt(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Runs ckpt as opt_ckpt() and asserts its exit status is @p status and, when
 * @p needle is not NULL, that it said @p needle; shows what it printed if not.
 */
void opt_ckpt_expect(int status, const char *needle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Asserts that ckpt printed @p needle, showing everything it printed otherwise. */
void opt_assert_said(const char *out, const char *needle);
/* A whole small file as a string ("" when it cannot be read). */
char *opt_read(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether file @p path holds @p needle. */
bool opt_file_has(const char *path, const char *needle);
/* Waits until DIR/NAME holds @p needle. */
bool opt_wait_has(const char *dir, const char *name, const char *needle, int timeout_ms);
/* Waits until DIR/NAME exists. */
bool opt_wait_file(const char *dir, const char *name, int timeout_ms);
/* An integer from DIR/NAME (a pid or port file a helper wrote). */
int opt_read_int(const char *dir, const char *name);
/* Asserts that PID runs (not frozen, not stopped) and its counter IDX advances. */
void opt_assert_counting(const char *dir, int idx, pid_t pid);
/*
 * After a restore: counter IDX goes on past @p at, every line "ok" and the
 * numbers contiguous (the restored process carried on from its state).
 */
void opt_assert_resumed(const char *dir, int idx, unsigned long at);
/* The last value counter IDX reached (0 if none). */
unsigned long opt_last(const char *dir, int idx);

/*
 * itest_main() for these suites, as the subreaper of every process their
 * tests start: what a failed test leaves running is killed at the end.
 */
int opt_main(Suite *s);

#endif
