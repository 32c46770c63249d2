/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/close_range.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "error.h"
#include "swrk.h"

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int
swrk_resolve(const char *name, char **ret_path, ckpt_error **err)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = NULL;
	char buf[PATH_MAX];

	if (!name || !*name)
		name = "criu";
	if (strchr(name, '/')) {
		if (!is_executable_file(name))
			return ckpt_err_sys(err, errno ? errno : ENOENT, "criu binary `%s`", name);
		if (!realpath(name, buf))
			return ckpt_err_sys(err, errno, "criu binary `%s`", name);
		*ret_path = strdup(buf);
		return *ret_path ? 0 : -ENOMEM;
	}
	copy = strdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!copy)
		return -ENOMEM;
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (snprintf(buf, sizeof(buf), "%s/%s", dir, name) >= (int)sizeof(buf))
			continue;
		if (is_executable_file(buf)) {
			*ret_path = strdup(buf);
			return *ret_path ? 0 : -ENOMEM;
		}
	}
	return ckpt_err_set(err, ENOENT, "criu binary `%s` not found in PATH (install criu 4.x, see scripts/setup.sh)",
			    name);
}

/*
 * criu's fds: 0 /dev/null (or our terminal), 1 and 2 the output memfd, 3 the
 * socket, 4.. the inherited fds; nothing else reaches criu. Any source may
 * sit on a target number 0..SWRK_INHERIT_BASE+n-1, and dup2 onto it would
 * clobber it. So every source is first copied to hi+k, above all sources and
 * all targets, then each copy is put on its target.
 */
static int
spawn_fds(posix_spawn_file_actions_t *fa, const struct swrk *s, int sk, int null_fd, const int *fds, size_t n)
{
	int hi = MAX(SWRK_INHERIT_BASE + (int)n, MAX(sk, MAX(null_fd, s->out_fd)) + 1);
	int e;

	for (size_t i = 0; i < n; i++)
		hi = MAX(hi, fds[i] + 1);
	if ((e = posix_spawn_file_actions_adddup2(fa, sk, hi)) ||
	    (e = posix_spawn_file_actions_adddup2(fa, null_fd, hi + 1)) ||
	    (e = posix_spawn_file_actions_adddup2(fa, s->out_fd, hi + 2)))
		return e;
	for (size_t i = 0; i < n; i++)
		if ((e = posix_spawn_file_actions_adddup2(fa, fds[i], hi + 3 + (int)i)))
			return e;
	if ((e = posix_spawn_file_actions_adddup2(fa, hi, SWRK_SOCK_FD)) ||
	    (e = posix_spawn_file_actions_adddup2(fa, hi + 1, 0)) ||
	    (e = posix_spawn_file_actions_adddup2(fa, hi + 2, 1)) ||
	    (e = posix_spawn_file_actions_adddup2(fa, hi + 2, 2)))
		return e;
	for (size_t i = 0; i < n; i++)
		if ((e = posix_spawn_file_actions_adddup2(fa, hi + 3 + (int)i, SWRK_INHERIT_BASE + (int)i)))
			return e;
	return posix_spawn_file_actions_addclosefrom_np(fa, SWRK_INHERIT_BASE + (int)n);
}

/* No signal blocked, every signal at its default, criu in its own process group unless a shell job. */
static int
spawn_attrs(posix_spawnattr_t *at, const struct swrk *s)
{
	sigset_t none, all;
	int e;

	sigemptyset(&none);
	sigfillset(&all);
	if ((e = posix_spawnattr_setsigmask(at, &none)) || (e = posix_spawnattr_setsigdefault(at, &all)) ||
	    (e = posix_spawnattr_setpgroup(at, 0)))
		return e;
	return posix_spawnattr_setflags(at, (short)(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						    (s->new_pgrp ? POSIX_SPAWN_SETPGROUP : 0)));
}

/*
 * Runs criu with posix_spawn(): a vfork, so this process's memory is never
 * copied (fork's page-table copy and copy-on-write faults cost the caller
 * about as much as the rest of an operation outside criu), and an exec
 * failure is reported by posix_spawn() itself.
 */
static int
spawn_criu(struct swrk *s, const char *criu, int sk, int null_fd, const int *fds, size_t n)
{
	static char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
				      NULL };
	char fdarg[] = "3";
	char *const argv[] = { "criu", "swrk", fdarg, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int e;

	if ((e = posix_spawn_file_actions_init(&fa)))
		return e;
	if ((e = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return e;
	}
	if (!(e = spawn_fds(&fa, s, sk, null_fd, fds, n)) && !(e = spawn_attrs(&at, s)))
		e = posix_spawn(&s->pid, criu, &fa, &at, s->cli_argv ? (char *const *)s->cli_argv : argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return e;
}

int
swrk_start(struct swrk *s, const char *criu, const int *fds, size_t n, ckpt_error **err)
{
	_cleanup_close_ int null_fd = -1, child_sk = -1;
	int sv[2], e;

	s->out_fd = memfd_create("criu-output", MFD_CLOEXEC);
	if (s->out_fd < 0)
		return ckpt_err_sys(err, errno, "memfd_create");
	/*
	 * criu restores a shell job's terminal from its own stdin ("Don't have
	 * tty to inherit session from" otherwise): a shell job's criu gets ours.
	 */
	if (s->tty_stdin && isatty(STDIN_FILENO))
		null_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return ckpt_err_sys(err, errno, "open criu's stdin");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return ckpt_err_sys(err, errno, "socketpair");
	s->sk = sv[0];
	child_sk = sv[1];
	if ((e = spawn_criu(s, criu, child_sk, null_fd, fds, n))) {
		s->pid = -1;
		return ckpt_err_sys(err, e, "exec `%s swrk`", criu);
	}
	/* child_sk is closed on return, so that criu's death reads as EOF */
	return 0;
}

static int
reap(struct swrk *s, int flags)
{
	int st;
	pid_t r;

	do
		r = waitpid(s->pid, &st, flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	s->wstatus = st;
	s->reaped = true;
	return 1;
}

/*
 * Reaps criu once it exits, or gives up at `until`: 1 reaped, 0 still
 * running, < 0 error. A pidfd wakes us the moment criu exits (criu exits a
 * few ms after its last answer, and every operation waits for that), so no
 * time is lost polling; without pidfds (Linux < 5.3) it polls every 1 ms.
 */
static int
reap_until(struct swrk *s, uint64_t until)
{
	int pfd = (int)syscall(SYS_pidfd_open, s->pid, 0); /* always close-on-exec */
	uint64_t now;
	int r;

	while ((r = reap(s, WNOHANG)) == 0 && (now = now_ns()) < until) {
		int ms = (int)MIN((until - now) / 1000000ull + 1, 1000ull);

		if (pfd >= 0)
			poll(&(struct pollfd){ .fd = pfd, .events = POLLIN }, 1, ms);
		else
			usleep(1000);
	}
	if (pfd >= 0)
		close(pfd);
	return r;
}

int
swrk_stop(struct swrk *s, int grace_ms)
{
	uint64_t until;
	int r;

	if (s->sk >= 0) {
		close(s->sk); /* criu reads EOF: a refusal at its next notify */
		s->sk = -1;
	}
	if (s->pid <= 0 || s->reaped)
		return 0;
	if (grace_ms < 0)
		return reap(s, 0) < 0 ? -errno : 0;
	until = now_ns() + (uint64_t)grace_ms * 1000000ull;
	if ((r = reap_until(s, until)) != 0)
		return r < 0 ? r : 0;
	kill(s->pid, SIGKILL);
	return reap(s, 0) < 0 ? -errno : 0;
}

char *
swrk_output(const struct swrk *s, size_t max)
{
	struct stat st;
	size_t len, off = 0;
	char *buf;
	ssize_t r;

	if (s->out_fd < 0 || fstat(s->out_fd, &st) < 0 || st.st_size == 0)
		return NULL;
	len = (size_t)st.st_size;
	if (len > max) {
		off = len - max; /* the end says the most */
		len = max;
	}
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	r = pread(s->out_fd, buf, len, (off_t)off);
	if (r <= 0) {
		free(buf);
		return NULL;
	}
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		r--;
	buf[r] = '\0';
	if (r == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void
swrk_release(struct swrk *s)
{
	if (s->sk >= 0) {
		close(s->sk); /* criu reads EOF: a refusal at its next notify */
		s->sk = -1;
	}
	s->let_exit = true;
}

void
swrk_cleanup(struct swrk *s)
{
	if (s->pid > 0 && !s->reaped)
		swrk_stop(s, s->let_exit ? SWRK_ABORT_GRACE_MS : 0);
	if (s->sk >= 0)
		close(s->sk);
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->sk = s->out_fd = -1;
}
