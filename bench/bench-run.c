/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs one command and times it: CLOCK_MONOTONIC read just before
 * posix_spawn() (a vfork: the child never copies this process's memory) and
 * just after waitpid() returns. stdin is /dev/null; stdout and stderr go to
 * LOG (appended). Prints one line on stdout:
 *
 *   wall_ns=N pid=P status=S       (S: exit status, or 128+signal)
 *
 *   bench-run [-n NETNS] LOG CMD [ARG...]
 *
 * -n NETNS: join that network namespace (a path such as /run/netns/NAME)
 * first, outside the timed window.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

extern char **environ;

static int
setup_stdio(posix_spawn_file_actions_t *fa, const char *log)
{
	if (posix_spawn_file_actions_init(fa) != 0 ||
	    posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, 1, 2) != 0)
		return -1;
	return 0;
}

static int
join_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "bench-run: cannot join network namespace %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	uint64_t t0, t1;
	pid_t pid;
	int st, e;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		if (join_netns(argv[2]) < 0)
			return 2;
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: bench-run [-n NETNS] LOG CMD [ARG...]\n");
		return 2;
	}
	if (setup_stdio(&fa, argv[1]) < 0)
		return 2;
	t0 = now_ns();
	e = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ);
	if (e != 0) {
		fprintf(stderr, "bench-run: cannot run %s: %s\n", argv[2], strerror(e));
		return 2;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 2;
	t1 = now_ns();
	printf("wall_ns=%llu pid=%d status=%d\n", (unsigned long long)(t1 - t0), (int)pid,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
