/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TCP process trees for the option tests. The root is a session leader that
 * listens on 127.0.0.1 (the port goes into DIR/port once it listens) and
 * echoes one connection back, counting the messages it echoed into
 * DIR/counter.0, one "<n> ok" line each (the workload's format).
 *
 *   tcp-helper echo DIR     accept one connection (from outside the tree)
 *   tcp-helper pair DIR     and a child that connects to it and pings every
 *                           20 ms, "<n> ok" into DIR/counter.1 for each right echo
 *   tcp-helper backlog DIR  accept nothing until DIR/go exists: connections
 *                           wait in the listen queue (in flight for criu)
 *
 * A side whose connection breaks writes "<n+1> closed" and waits forever,
 * so the test can see how the connection came back.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
open_counter(const char *dir, int idx)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/counter.%d", dir, idx);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		exit(3);
	return fd;
}

static void
note(int fd, unsigned long n, const char *word)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "%lu %s\n", n, word);

	if (write(fd, line, (size_t)len) != len)
		exit(4);
}

static void __attribute__((noreturn)) broken(int counter, unsigned long n)
{
	note(counter, n + 1, "closed");
	for (;;)
		pause();
}

static int
listen_local(const char *dir, struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	char path[4096];
	FILE *f;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)sa, &len) < 0)
		exit(5);
	snprintf(path, sizeof(path), "%s/port", dir);
	f = fopen(path, "we");
	if (!f)
		exit(6);
	fprintf(f, "%d\n", ntohs(sa->sin_port));
	fclose(f);
	return s;
}

static void __attribute__((noreturn)) echo(int conn, int counter)
{
	unsigned long n = 0;
	char buf[256];
	ssize_t r;

	for (;;) {
		r = read(conn, buf, sizeof(buf));
		if (r <= 0 || write(conn, buf, (size_t)r) != r)
			broken(counter, n);
		note(counter, ++n, "ok");
	}
}

static int
read_full(int fd, char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void __attribute__((noreturn)) ping(const char *dir, const struct sockaddr_in *sa)
{
	int counter = open_counter(dir, 1), s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned long n = 0;
	char msg[64], back[64];

	if (s < 0 || connect(s, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		exit(7);
	for (;;) {
		int len = snprintf(msg, sizeof(msg), "ping %lu\n", n + 1);
		if (write(s, msg, (size_t)len) != len || read_full(s, back, (size_t)len) < 0)
			broken(counter, n);
		note(counter, ++n, memcmp(msg, back, (size_t)len) == 0 ? "ok" : "BAD");
		usleep(20000);
	}
}

static void
wait_go(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/go", dir);
	while (access(path, F_OK) < 0)
		usleep(20000);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	int null, lsk, conn, counter;

	if (argc != 3)
		return 2;
	if (getpid() != getsid(0))
		setsid();
	/* only stdio: the test runner's fds (Check's unlinked temp file) are not the workload's state */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	counter = open_counter(argv[2], 0);
	lsk = listen_local(argv[2], &sa);
	if (strcmp(argv[1], "pair") == 0 && fork() == 0)
		ping(argv[2], &sa);
	if (strcmp(argv[1], "backlog") == 0)
		wait_go(argv[2]);
	conn = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return 8;
	if (strcmp(argv[1], "backlog") != 0)
		close(lsk);
	echo(conn, counter);
}
