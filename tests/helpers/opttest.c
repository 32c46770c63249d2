/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opttest.h"

pid_t
opt_spawn(const char *env, const char *mode, const char *dir)
{
	const char *prog = itest_prog(env);
	pid_t pid;

	/* orphans of a restored tree come back to us, and we reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close_range(3, ~0U, 0); /* the helper holds only what it opens itself */
		execl(prog, prog, mode, dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

pid_t
opt_start(const char *env, const char *mode, const char *dir)
{
	pid_t pid = opt_spawn(env, mode, dir);

	ck_assert_msg(itest_wait_count(dir, 0, 3, 10000), "%s %s did not start counting", env, mode);
	return pid;
}

int
opt_ckpt(char **out, const char *fmt, ...)
{
	char *args;
	va_list ap;
	int st;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&args, fmt, ap), 0);
	va_end(ap);
	st = itest_run(out, "%s %s 2>&1", itest_prog("CKPT_BIN"), args);
	free(args);
	return st;
}

void
opt_ckpt_expect(int status, const char *needle, const char *fmt, ...)
{
	char *args, *out;
	va_list ap;
	int st;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&args, fmt, ap), 0);
	va_end(ap);
	st = opt_ckpt(&out, "%s", args);
	ck_assert_msg(st == status, "`ckpt %s` exited %d, not %d; it said:\n%s", args, st, status, out);
	if (needle)
		opt_assert_said(out, needle);
	free(out);
	free(args);
}

void
opt_assert_said(const char *out, const char *needle)
{
	ck_assert_msg(strstr(out, needle), "ckpt did not say \"%s\"; it said:\n%s", needle, out);
}

char *
opt_read(const char *fmt, ...)
{
	char *path, *buf = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&path, fmt, ap), 0);
	va_end(ap);
	f = fopen(path, "re");
	free(path);
	if (!f)
		return strdup("");
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

bool
opt_file_has(const char *path, const char *needle)
{
	char *s = opt_read("%s", path);
	bool has = strstr(s, needle) != NULL;

	free(s);
	return has;
}

bool
opt_wait_has(const char *dir, const char *name, const char *needle, int timeout_ms)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (int t = 0; t < timeout_ms; t += 10) {
		if (opt_file_has(path, needle))
			return true;
		itest_sleep_ms(10);
	}
	return false;
}

bool
opt_wait_file(const char *dir, const char *name, int timeout_ms)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (int t = 0; t < timeout_ms; t += 10) {
		if (access(path, F_OK) == 0)
			return true;
		itest_sleep_ms(10);
	}
	return false;
}

int
opt_read_int(const char *dir, const char *name)
{
	char *s;
	int v;

	ck_assert_msg(opt_wait_file(dir, name, 10000), "%s/%s never appeared", dir, name);
	for (int t = 0; t < 1000; t += 10) {
		s = opt_read("%s/%s", dir, name);
		v = atoi(s);
		free(s);
		if (v > 0)
			return v;
		itest_sleep_ms(10);
	}
	ck_abort_msg("%s/%s holds no number", dir, name);
	return -1;
}

unsigned long
opt_last(const char *dir, int idx)
{
	struct counter c;

	return itest_counter(dir, idx, &c) == 0 ? c.last : 0;
}

void
opt_assert_counting(const char *dir, int idx, pid_t pid)
{
	unsigned long before = opt_last(dir, idx);
	char st;

	ck_assert_msg(itest_wait_count(dir, idx, before + 3, 5000), "counter %d of pid %d stuck at %lu", idx, pid,
		      before);
	st = itest_state(pid);
	ck_assert_msg(st == 'S' || st == 'R', "pid %d is in state %c, not running", pid, st ? st : '-');
}

void
opt_assert_resumed(const char *dir, int idx, unsigned long at)
{
	struct counter c;

	ck_assert_msg(itest_wait_count(dir, idx, at + 5, 10000), "counter %d did not go on after %lu", idx, at);
	ck_assert_int_eq(itest_counter(dir, idx, &c), 0);
	ck_assert_msg(c.contiguous, "counter %d has a gap or restarted (last %lu)", idx, c.last);
	ck_assert_msg(c.all_ok, "counter %d has a line that is not \"ok\"", idx);
}

/* Kills our children (then theirs, which come to us) until none is left. */
static void
kill_leftovers(void)
{
	pid_t pids[256];

	for (int round = 0; round < 20; round++) {
		int n = itest_tree(getpid(), pids, 256);

		for (int i = 1; i < n; i++)
			if (pids[i] > 1)
				kill(pids[i], SIGKILL);
		itest_sleep_ms(50);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (n <= 1)
			return;
	}
}

int
opt_main(Suite *s)
{
	int r;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = itest_main(s);
	kill_leftovers();
	return r;
}
