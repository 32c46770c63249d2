/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The benchmark's workloads. Each one detaches into its own session (criu
 * dumps session leaders), tells the harness it is ready by writing one byte
 * on READY_FD (default 3) and closing it, then sleeps. On SIGUSR1 (sent after a restore) it
 * checks its state and writes "ok ..." or "bad ..." into RESULT.
 *
 *   bench-workload mem MIB RESULT [READY_FD]  MIB MiB of memory, every page written
 *   bench-workload tree N RESULT [READY_FD]   N processes: the root and N-1 children
 *   bench-workload fds N RESULT [READY_FD]    N open file descriptors
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <dirent.h>
#include <poll.h>
#include <unistd.h>

#define PAGE 4096

static volatile sig_atomic_t check_now;

static void
on_usr1(int sig)
{
	(void)sig;
	check_now = 1;
}

static uint64_t
page_word(size_t i)
{
	return 0x9e3779b97f4a7c15ull * (i + 1);
}

static char *
fill(size_t mib)
{
	size_t n = mib << 20;
	char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		exit(2);
	for (size_t i = 0; i < n / PAGE; i++) {
		memset(m + i * PAGE, (int)(i % 251) + 1, PAGE);
		memcpy(m + i * PAGE, &(uint64_t){ page_word(i) }, 8);
	}
	return m;
}

static int
verify_mem(const char *m, size_t mib, char *msg, size_t len)
{
	for (size_t i = 0; i < (mib << 20) / PAGE; i++) {
		const char *p = m + i * PAGE;
		uint64_t w;

		memcpy(&w, p, 8);
		if (w != page_word(i) || p[PAGE - 1] != (char)((i % 251) + 1) || p[PAGE / 2] != p[PAGE - 1]) {
			snprintf(msg, len, "bad page %zu", i);
			return -1;
		}
	}
	snprintf(msg, len, "ok %zu MiB", mib);
	return 0;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static void
report(const char *path, const char *msg)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd >= 0) {
		(void)!write(fd, msg, strlen(msg));
		close(fd);
	}
}

/*
 * Sleeps until SIGUSR1 has come. SIGUSR1 stays blocked except inside
 * ppoll(), so a signal that comes just before the wait is not lost (a
 * restored task may get it while criu's restorer is still returning into the
 * interrupted wait); the 1 s timeout covers a restart that missed it anyway.
 */
static void
wait_for_check(void)
{
	struct timespec one = { 1, 0 };
	sigset_t usr1, old;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	sigdelset(&old, SIGUSR1);
	while (!check_now)
		ppoll(NULL, 0, &one, &old);
	check_now = 0;
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

int
main(int argc, char **argv)
{
	const char *mode, *result;
	long n;
	char *mem = NULL, msg[128];
	pid_t *kids = NULL;
	int null_fd, ready;

	if (argc != 4 && argc != 5)
		return 2;
	mode = argv[1];
	n = atol(argv[2]);
	result = argv[3];
	ready = argc == 5 ? atoi(argv[4]) : 3;
	if (getsid(0) != getpid() && setsid() < 0)
		return 2;
	signal(SIGUSR1, on_usr1);
	null_fd = open("/dev/null", O_RDWR);
	dup2(null_fd, 0);
	dup2(null_fd, 1);
	dup2(null_fd, 2);
	close(null_fd);
	if (strcmp(mode, "mem") == 0) {
		mem = fill((size_t)n);
	} else if (strcmp(mode, "tree") == 0) {
		kids = calloc((size_t)n, sizeof(*kids));
		for (long i = 1; i < n; i++) {
			kids[i] = fork();
			if (kids[i] == 0) {
				close(ready);
				for (;;)
					pause();
			}
		}
	} else if (strcmp(mode, "fds") == 0) {
		struct rlimit rl = { (rlim_t)n + 64, (rlim_t)n + 64 };

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return 2;
		for (long i = 0; i < n; i++)
			if (open("/dev/null", O_RDONLY) < 0)
				return 2;
	} else {
		return 2;
	}
	(void)!write(ready, "r", 1);
	close(ready);
	for (;;) {
		wait_for_check();
		if (mem) {
			verify_mem(mem, (size_t)n, msg, sizeof(msg));
		} else if (kids) {
			long alive = 1;

			for (long i = 1; i < n; i++)
				alive += kill(kids[i], 0) == 0;
			snprintf(msg, sizeof(msg), "%s %ld processes", alive == n ? "ok" : "bad", alive);
		} else {
			int c = count_fds();

			snprintf(msg, sizeof(msg), "%s %d fds", c >= n ? "ok" : "bad", c);
		}
		report(result, msg);
	}
}
