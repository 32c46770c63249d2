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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

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
	itest_on_exit_kill(pid); /* a failed test leaves no workload behind */
	for (int i = 0; i <= children; i++)
		ck_assert_msg(itest_wait_count(dir, i, 3, 10000), "workload counter %d did not start", i);
	{
		pid_t pids[64];
		int n = itest_tree(pid, pids, 64);

		for (int i = 1; i < n; i++)
			itest_on_exit_kill(pids[i]);
	}
	return pid;
}

void
itest_tree_start(struct itest_tree *t, const char *tag, int children, int mem_mib)
{
	t->dir = itest_mkdtemp(tag);
	ck_assert_int_ge(asprintf(&t->images, "%s/images", t->dir), 0);
	t->pids[0] = itest_start_workload(t->dir, children, mem_mib);
	t->n = itest_tree(t->pids[0], t->pids, ITEST_TREE_MAX);
	ck_assert_int_eq(t->n, children + 1);
}

void
itest_tree_stop(struct itest_tree *t)
{
	for (int i = t->n - 1; i >= 0; i--)
		if (itest_state(t->pids[i]))
			itest_kill(t->pids[i]);
	free(t->images);
	itest_rmdir(t->dir);
}

void
itest_assert_tree_runs(const struct itest_tree *t)
{
	struct counter before[ITEST_TREE_MAX], after;

	for (int i = 0; i < t->n; i++)
		ck_assert_int_eq(itest_counter(t->dir, i, &before[i]), 0);
	itest_sleep_ms(300);
	for (int i = 0; i < t->n; i++) {
		char st = itest_state(t->pids[i]);
		ck_assert_msg(st == 'S' || st == 'R', "pid %d is in state %c", t->pids[i], st ? st : '-');
		ck_assert_int_eq(itest_counter(t->dir, i, &after), 0);
		ck_assert_msg(after.last > before[i].last, "counter %d stuck at %lu", i, after.last);
		ck_assert_msg(after.contiguous, "counter %d has a gap or restarted", i);
		ck_assert_msg(after.all_ok, "counter %d saw corrupted memory", i);
	}
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
itest_kill_tree(pid_t root)
{
	pid_t pids[64];
	int n = itest_tree(root, pids, 64);

	for (int i = 0; i < n; i++)
		if (pids[i] > 1)
			kill(pids[i], SIGKILL);
	itest_kill(root);
	ck_assert_msg(itest_wait_all_gone(pids, n, 10000), "the tree of %d did not go away", root);
}

yajl_val
itest_parse_json(const char *text)
{
	char errbuf[256];
	yajl_val v = yajl_tree_parse(text, errbuf, sizeof(errbuf));

	ck_assert_msg(v != NULL, "not JSON (%s): %s", errbuf, text);
	return v;
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

/*
 * Cleanup after a test, whichever way it ends. Check ends a failing test
 * with _exit(), so atexit() alone would miss exactly the failures: the
 * first registration forks a guardian that holds the read end of a pipe;
 * when the test process ends, normally or not, the pipe reaches EOF and the
 * guardian kills what was registered and runs the commands, last first. On
 * a normal exit the test waits for it (so the next test starts clean).
 *
 * pids are reused fast here (pid_max 32768): a registered pid is killed
 * only if it is still the process it was (same start time), or has the
 * same command line naming a test's own directory (a tree criu restored
 * under the same pid); never someone else's.
 */
static int guard_fd = -1;
static pid_t guard_pid, guard_owner;

/* Start time (clock ticks, field 22 of /proc/PID/stat) and command line of pid. */
static bool
identity(pid_t pid, unsigned long long *start, char *cmd, size_t size)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 start) != 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	cmd[0] = '\0';
	if ((f = fopen(path, "re"))) {
		n = fread(cmd, 1, size - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			cmd[i] = cmd[i] == '\0' || cmd[i] == '\n' ? ' ' : cmd[i];
		cmd[n] = '\0';
	}
	return true;
}

static void
guard_kill(pid_t pid, unsigned long long start, const char *cmd)
{
	unsigned long long now;
	char cur[512];

	if (pid <= 1 || !identity(pid, &now, cur, sizeof(cur)))
		return;
	if (now == start || (cmd[0] && strcmp(cur, cmd) == 0 && strstr(cmd, "/ckpt-test-")))
		kill(pid, SIGKILL);
}

/* The guardian: collects the registrations, acts on them at EOF. */
static void __attribute__((noreturn)) guard_main(int fd)
{
	char *lines[256], buf[1024];
	int n = 0;
	FILE *f = fdopen(fd, "r");

	while (f && n < 256 && fgets(buf, sizeof(buf), f))
		lines[n++] = strdup(buf);
	for (int i = n - 1; i >= 0; i--) {
		unsigned long long start = 0;
		int pid = 0, off = 0;

		lines[i][strcspn(lines[i], "\n")] = '\0';
		if (sscanf(lines[i], "K %d %llu %n", &pid, &start, &off) == 2)
			guard_kill(pid, start, lines[i] + off);
		else if (strncmp(lines[i], "R ", 2) == 0 && system(lines[i] + 2) < 0)
			fprintf(stderr, "cleanup `%s` failed\n", lines[i] + 2);
	}
	_exit(0);
}

static void
guard_wait(void)
{
	if (getpid() != guard_owner || guard_fd < 0)
		return; /* a forked child of the test: not its job */
	close(guard_fd);
	guard_fd = -1;
	while (waitpid(guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void
guard_arm(void)
{
	int p[2];

	if (guard_owner == getpid() && guard_fd >= 0)
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	guard_pid = fork();
	if (guard_pid == 0) {
		close(p[1]);
		guard_main(p[0]);
	}
	close(p[0]);
	if (guard_pid < 0) {
		close(p[1]);
		return;
	}
	if (guard_owner != getpid())
		atexit(guard_wait);
	guard_owner = getpid();
	guard_fd = p[1];
}

void
itest_on_exit_kill(pid_t pid)
{
	unsigned long long start;
	char cmd[512];

	guard_arm();
	if (pid > 1 && guard_fd >= 0 && identity(pid, &start, cmd, sizeof(cmd)))
		dprintf(guard_fd, "K %d %llu %s\n", pid, start, cmd);
}

void
itest_on_exit_run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;

	guard_arm();
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		cmd = NULL;
	va_end(ap);
	if (cmd && guard_fd >= 0 && !strchr(cmd, '\n'))
		dprintf(guard_fd, "R %s\n", cmd);
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
