/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One process that holds something criu needs an option for, and counts
 * ticks in the workload's format ("<n> ok" lines) so a test sees it run.
 *
 *   hold-helper locks DIR     flock(LOCK_EX) on DIR/flock.lock and a POSIX
 *                             write lock on DIR/posix.lock; counts into DIR/counter.0
 *   hold-helper linked DIR    counts into a file it opened as DIR/unlinked, then
 *                             hard-linked as DIR/counter.0 and unlinked: its fd names
 *                             a deleted path of a file that still has a link
 *   hold-helper ghost DIR     the same without the hard link (no name left at all)
 *   hold-helper unix DIR      connects to the stream unix socket DIR/sock and
 *                             echoes it, counting messages into DIR/counter.0
 *   hold-helper job DIR       counts into DIR/counter.0 and keeps its session,
 *                             process group and terminal (a shell job)
 *
 * In linked and ghost mode each tick first reads the file's first line back
 * through the fd: "ok" when it is still "1 ok", "BAD" otherwise. In unix
 * mode a broken connection gives "<n+1> closed" and the process waits.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void
note(int fd, unsigned long n, const char *word)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "%lu %s\n", n, word);

	if (write(fd, line, (size_t)len) != len)
		exit(4);
}

static int
open_at(const char *dir, const char *name, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		exit(3);
	return fd;
}

static void __attribute__((noreturn)) count(int fd, bool check_first_line)
{
	unsigned long n = 0;
	char first[8];

	for (;;) {
		bool ok = true;
		if (check_first_line && n > 0)
			ok = pread(fd, first, 5, 0) == 5 && memcmp(first, "1 ok\n", 5) == 0;
		note(fd, ++n, ok ? "ok" : "BAD");
		usleep(20000);
	}
}

static void
take_locks(const char *dir)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (flock(open_at(dir, "flock.lock", O_RDWR | O_CREAT), LOCK_EX | LOCK_NB) < 0)
		exit(5);
	if (fcntl(open_at(dir, "posix.lock", O_RDWR | O_CREAT), F_SETLK, &fl) < 0)
		exit(6);
}

/* A counter file whose only name left is DIR/counter.0 (linked) or none (ghost). */
static int
unlinked_counter(const char *dir, bool keep_link)
{
	char tmp[4096], link[4096];
	int fd = open_at(dir, "unlinked", O_RDWR | O_CREAT | O_TRUNC);

	snprintf(tmp, sizeof(tmp), "%s/unlinked", dir);
	snprintf(link, sizeof(link), "%s/counter.0", dir);
	if ((keep_link && linkat(AT_FDCWD, tmp, AT_FDCWD, link, 0) < 0) || unlink(tmp) < 0)
		exit(7);
	return fd;
}

static void __attribute__((noreturn)) unix_echo(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int counter = open_at(dir, "counter.0", O_WRONLY | O_CREAT | O_TRUNC);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned long n = 0;
	char buf[256];
	ssize_t r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		exit(8);
	for (;;) {
		r = read(s, buf, sizeof(buf));
		if (r <= 0 || write(s, buf, (size_t)r) != r)
			break;
		note(counter, ++n, "ok");
	}
	note(counter, n + 1, "closed");
	for (;;)
		pause();
}

static void
detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR);

	if (getpid() != getsid(0))
		setsid();
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
}

int
main(int argc, char **argv)
{
	const char *mode = argc == 3 ? argv[1] : "", *dir = argv[2];

	/* only stdio: the test runner's fds (Check's unlinked temp file) are not the workload's state */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(mode, "job") == 0)
		count(open_at(dir, "counter.0", O_WRONLY | O_CREAT | O_TRUNC), false);
	detach_stdio();
	if (strcmp(mode, "locks") == 0) {
		take_locks(dir);
		count(open_at(dir, "counter.0", O_WRONLY | O_CREAT | O_TRUNC), false);
	}
	if (strcmp(mode, "linked") == 0 || strcmp(mode, "ghost") == 0)
		count(unlinked_counter(dir, strcmp(mode, "linked") == 0), true);
	if (strcmp(mode, "unix") == 0)
		unix_echo(dir);
	return 2;
}
