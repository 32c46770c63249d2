/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The machine's copy bandwidth, on the paths criu's page copying takes:
 *   splice:  vmsplice() of touched anonymous memory into a 1 MiB pipe, then
 *            splice() into a new file in DIR (how criu writes pages-*.img)
 *   write:   write() of the same memory into a new file
 *   read:    read() of that file into fresh anonymous memory (how criu
 *            restores pages)
 *   memcpy:  memcpy() into fresh anonymous memory
 * Prints "NAME GiB/s" lines, the best of REPS runs.
 *
 *   bench-copybw DIR MIB [REPS]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
fresh(size_t n)
{
	char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return m;
}

static int
new_file(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	unlink(path); /* the fd keeps it until closed */
	return fd;
}

static double
do_splice(const char *dir, char *m, size_t n)
{
	int fd = new_file(dir, ".copybw-splice"), p[2];
	double t0;

	if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[1], F_SETPIPE_SZ, CHUNK) < 0) {
		perror("pipe");
		exit(1);
	}
	t0 = now_s();
	for (size_t off = 0; off < n; off += CHUNK) {
		struct iovec iov = { m + off, CHUNK };
		ssize_t in = vmsplice(p[1], &iov, 1, SPLICE_F_GIFT);

		for (ssize_t left = in; left > 0;) {
			ssize_t out = splice(p[0], NULL, fd, NULL, (size_t)left, SPLICE_F_MOVE);
			if (out <= 0) {
				perror("splice");
				exit(1);
			}
			left -= out;
		}
		if (in != CHUNK) {
			perror("vmsplice");
			exit(1);
		}
	}
	t0 = now_s() - t0;
	close(p[0]);
	close(p[1]);
	close(fd);
	return t0;
}

static double
do_write_read(const char *dir, char *m, size_t n, double *ret_read)
{
	int fd = new_file(dir, ".copybw-write");
	char *dst = fresh(n);
	double t0, tw;

	t0 = now_s();
	for (size_t off = 0; off < n; off += CHUNK)
		if (write(fd, m + off, CHUNK) != CHUNK) {
			perror("write");
			exit(1);
		}
	tw = now_s() - t0;
	t0 = now_s();
	for (size_t off = 0; off < n; off += CHUNK)
		if (pread(fd, dst + off, CHUNK, (off_t)off) != CHUNK) {
			perror("read");
			exit(1);
		}
	*ret_read = now_s() - t0;
	munmap(dst, n);
	close(fd);
	return tw;
}

static double
do_memcpy(const char *m, size_t n)
{
	char *dst = fresh(n);
	double t0 = now_s();

	memcpy(dst, m, n);
	t0 = now_s() - t0;
	munmap(dst, n);
	return t0;
}

int
main(int argc, char **argv)
{
	size_t n;
	int reps;
	double best[4] = { 1e9, 1e9, 1e9, 1e9 };
	static const char *const names[4] = { "splice", "write", "read", "memcpy" };
	char *m;

	if (argc < 3)
		return 2;
	n = (size_t)atol(argv[2]) << 20;
	reps = argc > 3 ? atoi(argv[3]) : 3;
	m = fresh(n);
	for (size_t i = 0; i < n; i += 4096)
		memset(m + i, (int)(i >> 12) | 1, 4096);
	for (int r = 0; r < reps; r++) {
		double t[4];

		t[0] = do_splice(argv[1], m, n);
		t[1] = do_write_read(argv[1], m, n, &t[2]);
		t[3] = do_memcpy(m, n);
		for (int i = 0; i < 4; i++)
			if (t[i] < best[i])
				best[i] = t[i];
	}
	for (int i = 0; i < 4; i++)
		printf("%s %.3f\n", names[i], (double)n / (1u << 30) / best[i]);
	return 0;
}
