/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process tree to checkpoint in tests: the root (a session leader) and
 * CHILDREN children each count ticks, one line per tick into their own file
 * (written with write(2), so the file offset is part of the state), and each
 * checks MEM_MIB MiB of memory filled with a pattern at start. A line is
 * "<count> ok" while memory is intact, "<count> BAD" otherwise.
 *
 *   workload DIR [CHILDREN [MEM_MIB [TICK_MS]]]
 *
 * Files: DIR/counter.0 (root), DIR/counter.1.. (children). The root's pid is
 * written to DIR/pid once everything runs.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t
pattern(size_t i, unsigned seed)
{
	return (uint64_t)i * 0x9E3779B97F4A7C15ull ^ seed;
}

static uint64_t *
fill(size_t words, unsigned seed)
{
	uint64_t *m = malloc(words * sizeof(*m) + 1);

	if (!m)
		exit(2);
	for (size_t i = 0; i < words; i++)
		m[i] = pattern(i, seed);
	return m;
}

static int
intact(const uint64_t *m, size_t words, unsigned seed, unsigned long tick)
{
	/* a different slice each tick, the whole buffer over time */
	size_t step = words / 64 + 1, start = (tick * 7919) % step;

	for (size_t i = start; i < words; i += step)
		if (m[i] != pattern(i, seed))
			return 0;
	return 1;
}

static void __attribute__((noreturn)) count(const char *dir, int idx, size_t mib, long tick_ms)
{
	char path[4096], line[64];
	size_t words = mib * (1 << 20) / sizeof(uint64_t);
	uint64_t *m = fill(words, (unsigned)idx + 1);
	unsigned long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/counter.%d", dir, idx);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		exit(3);
	for (;;) {
		int ok = intact(m, words, (unsigned)idx + 1, ++n);
		int len = snprintf(line, sizeof(line), "%lu %s\n", n, ok ? "ok" : "BAD");
		if (write(fd, line, (size_t)len) != len)
			exit(4);
		usleep((useconds_t)tick_ms * 1000);
	}
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	int children = argc > 2 ? atoi(argv[2]) : 0;
	size_t mib = argc > 3 ? (size_t)atol(argv[3]) : 1;
	long tick = argc > 4 ? atol(argv[4]) : 20;
	char path[4096];
	FILE *f;
	int null;

	/* only stdio: the test runner's fds (Check's unlinked temp file) are not the workload's state */
	close_range(3, ~0U, 0);
	if (getpid() != getsid(0))
		setsid();
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	for (int i = 1; i <= children; i++)
		if (fork() == 0)
			count(dir, i, mib, tick);
	snprintf(path, sizeof(path), "%s/pid", dir);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%d\n", getpid());
		fclose(f);
	}
	count(dir, 0, mib, tick);
}
