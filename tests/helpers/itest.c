/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

void
itest_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *
itest_prog(const char *env)
{
	const char *p = getenv(env);

	ck_assert_msg(p && *p, "%s is not set (run the tests with meson test)", env);
	return p;
}

char *
itest_mkdtemp(const char *tag)
{
	char *d;

	ck_assert_int_ge(asprintf(&d, "/tmp/ckpt-test-%s-XXXXXX", tag), 0);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

void
itest_rmdir(char *dir)
{
	char *cmd;

	if (!dir)
		return;
	if (asprintf(&cmd, "rm -rf -- '%s'", dir) >= 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
	free(dir);
}

pid_t
itest_start_workload(const char *dir, int children, int mem_mib)
{
	const char *prog = itest_prog("CKPT_WORKLOAD");
	char nc[16], mm[16];
	pid_t pid;

	snprintf(nc, sizeof(nc), "%d", children);
	snprintf(mm, sizeof(mm), "%d", mem_mib);
	/* orphans of the tree come to us, and we reap them fast */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(prog, prog, dir, nc, mm, "20", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i <= children; i++)
		ck_assert_msg(itest_wait_count(dir, i, 3, 10000), "workload counter %d did not start", i);
	return pid;
}

int
itest_counter(const char *dir, int idx, struct counter *c)
{
	char path[4096], line[128], word[16];
	unsigned long v;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->all_ok = c->contiguous = true;
	snprintf(path, sizeof(path), "%s/counter.%d", dir, idx);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lu %15s", &v, word) != 2)
			continue;
		if (!c->lines)
			c->first = v;
		if (v != c->lines + 1)
			c->contiguous = false;
		if (strcmp(word, "ok") != 0)
			c->all_ok = false;
		c->last = v;
		c->lines++;
	}
	fclose(f);
	return 0;
}

bool
itest_wait_count(const char *dir, int idx, unsigned long n, int timeout_ms)
{
	struct counter c;

	for (int t = 0; t < timeout_ms; t += 10) {
		if (itest_counter(dir, idx, &c) == 0 && c.last >= n)
			return true;
		itest_sleep_ms(10);
	}
	return false;
}

char
itest_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

bool
itest_wait_gone(pid_t pid, int timeout_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	for (int t = 0; t < timeout_ms; t += 10) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (access(path, F_OK) < 0)
			return true;
		itest_sleep_ms(10);
	}
	return false;
}

int
itest_tree(pid_t root, pid_t *pids, int max)
{
	int n = 0;

	if (max > 0)
		pids[n++] = root;
	for (int i = 0; i < n && n < max; i++) {
		char path[128];
		FILE *f;
		int child;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pids[i], pids[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (n < max && fscanf(f, "%d", &child) == 1)
			pids[n++] = child;
		fclose(f);
	}
	return n;
}

bool
itest_wait_all_gone(const pid_t *pids, int n, int timeout_ms)
{
	for (int i = 0; i < n; i++)
		if (!itest_wait_gone(pids[i], timeout_ms))
			return false;
	return true;
}

void
itest_kill(pid_t pid)
{
	if (pid <= 1)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

ckpt_opts *
itest_opts(pid_t pid, const char *images)
{
	ckpt_opts *o = NULL;

	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	if (pid > 0)
		ck_assert_int_eq(ckpt_opts_set_pid(o, pid), 0);
	if (images)
		ck_assert_int_eq(ckpt_opts_set_images_dir(o, images), 0);
	return o;
}

int
itest_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - (pid == getpid() ? 1 : 0); /* our own opendir fd */
}

int
itest_run(char **out, const char *fmt, ...)
{
	char *cmd, buf[4096];
	size_t len = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	p = popen(cmd, "re");
	ck_assert_ptr_nonnull(p);
	if (out)
		*out = NULL;
	while (fgets(buf, sizeof(buf), p)) {
		size_t l = strlen(buf);
		if (out) {
			*out = realloc(*out, len + l + 1);
			memcpy(*out + len, buf, l + 1);
			len += l;
		}
	}
	st = pclose(p);
	free(cmd);
	if (out && !*out)
		*out = strdup("");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define EXIT_MAX 32

static pid_t exit_pids[EXIT_MAX];
static int exit_pidfds[EXIT_MAX];
static char *exit_cmds[EXIT_MAX];
static int n_exit_pids, n_exit_cmds;
static pid_t exit_owner;

/* Is pid (as it is now) a descendant of this process? Walks its parents. */
static bool
is_descendant(pid_t pid)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		char path[64], buf[512], *p;
		int ppid = 0;
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (!(f = fopen(path, "re")))
			return false;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
			return false;
		if (ppid == getpid())
			return true;
		pid = ppid;
	}
	return false;
}

/*
 * pids are reused fast here (pid_max 32768): a registered pid is killed only
 * if it is still the process it was (its pidfd), or is now a descendant of
 * this test (a tree restored under the same pid); never someone else's.
 */
static void
exit_kill(int i)
{
	if (exit_pids[i] <= 1)
		return;
	if (exit_pidfds[i] >= 0 && syscall(SYS_pidfd_send_signal, exit_pidfds[i], SIGKILL, NULL, 0) == 0)
		waitpid(exit_pids[i], NULL, WNOHANG);
	else if (is_descendant(exit_pids[i]) && kill(exit_pids[i], SIGKILL) == 0)
		waitpid(exit_pids[i], NULL, WNOHANG);
	if (exit_pidfds[i] >= 0)
		close(exit_pidfds[i]);
}

static void
run_exit_cleanup(void)
{
	if (getpid() != exit_owner)
		return; /* a forked child of the test: not its job */
	for (int i = n_exit_pids - 1; i >= 0; i--)
		exit_kill(i);
	for (int i = n_exit_cmds - 1; i >= 0; i--)
		if (system(exit_cmds[i]) < 0)
			fprintf(stderr, "cleanup `%s` failed\n", exit_cmds[i]);
	n_exit_pids = n_exit_cmds = 0;
}

static void
arm_exit_cleanup(void)
{
	if (exit_owner != getpid()) {
		exit_owner = getpid();
		n_exit_pids = n_exit_cmds = 0;
		atexit(run_exit_cleanup);
	}
}

void
itest_on_exit_kill(pid_t pid)
{
	arm_exit_cleanup();
	if (pid > 1 && n_exit_pids < EXIT_MAX) {
		exit_pidfds[n_exit_pids] = (int)syscall(SYS_pidfd_open, pid, 0);
		exit_pids[n_exit_pids++] = pid;
	}
}

void
itest_on_exit_run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;

	arm_exit_cleanup();
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		cmd = NULL;
	va_end(ap);
	if (cmd && n_exit_cmds < EXIT_MAX)
		exit_cmds[n_exit_cmds++] = cmd;
	else
		free(cmd);
}

int
itest_main(Suite *s)
{
	const char *ci = getenv("CI");
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		if (ci && strcmp(ci, "true") == 0) {
			printf("Bail out! integration tests need root in CI\n");
			return 1;
		}
		printf("1..0 # SKIP integration tests need root\n");
		return 77;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
