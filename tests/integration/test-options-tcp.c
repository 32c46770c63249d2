/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TCP options against real criu, through the ckpt binary: an established
 * connection inside the tree and one to a peer outside it (--tcp-established),
 * a connection waiting in a listener's queue (--tcp-skip-in-flight) and
 * connections restored closed (--tcp-close).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "opttest.h"

/* A connection from this test process (outside the tree) to 127.0.0.1:port. */
static int
connect_port(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_msg(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to port %d: %s", port,
		      strerror(errno));
	return s;
}

/* Sends msg and asserts the tree's echo server sends it back. */
static void
assert_echo(int s, const char *msg)
{
	char buf[64] = "";
	size_t len = strlen(msg), got = 0;

	ck_assert_int_eq(send(s, msg, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got < len) {
		ssize_t r = recv(s, buf + got, len - got, 0);
		ck_assert_msg(r > 0, "no echo of \"%s\": %s", msg, r == 0 ? "EOF" : strerror(errno));
		got += (size_t)r;
	}
	ck_assert_str_eq(buf, msg);
}

/* What the peer outside sees within ms: 0 nothing, 1 EOF, -errno an error. */
static int
peer_sees(int s, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char c;
	ssize_t r;

	if (poll(&p, 1, ms) == 0)
		return 0;
	r = recv(s, &c, 1, MSG_DONTWAIT);
	return r == 0 ? 1 : r < 0 ? -errno : 2;
}

/* criu's per-connection lock rules (iptables, no netns of its own) are gone. */
static void
assert_no_lock_rules(int port)
{
	char *out, needle[32];

	snprintf(needle, sizeof(needle), "port %d ", port);
	ck_assert_int_eq(itest_run(&out, "iptables -S"), 0);
	ck_assert_msg(!strstr(out, needle), "criu's lock rules for port %d are still there:\n%s", port, out);
	free(out);
}

static bool
exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Client and server both in the tree: the pings go on over the restored connection. */
START_TEST(tcp_established_inside_the_tree)
{
	char *dir = itest_mkdtemp("tcp-pair");
	pid_t pids[4];
	unsigned long at0, at1;
	int n, port;

	pids[0] = opt_start("CKPT_TCP_HELPER", "pair", dir);
	ck_assert(itest_wait_count(dir, 1, 3, 10000));
	n = itest_tree(pids[0], pids, 4);
	ck_assert_int_eq(n, 2);
	port = opt_read_int(dir, "port");

	opt_ckpt_expect(1, "Connected TCP socket, consider using --tcp-established",
			"checkpoint --pid %d --image-path %s/img", pids[0], dir);
	ck_assert(!exists(dir, "img"));
	opt_assert_counting(dir, 0, pids[0]);
	opt_assert_counting(dir, 1, pids[1]);

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --tcp-established", pids[0], dir);
	ck_assert(itest_wait_all_gone(pids, n, 10000));
	at0 = opt_last(dir, 0);
	at1 = opt_last(dir, 1);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --tcp-established", dir);
	/* the client never reconnects: every ping after this went over the old connection */
	opt_assert_resumed(dir, 1, at1);
	opt_assert_resumed(dir, 0, at0);
	assert_no_lock_rules(port);
	itest_kill(pids[1]);
	itest_kill(pids[0]);
	itest_rmdir(dir);
}
END_TEST

/* The peer is this test process: its socket stays open across the dump and talks to the restored tree. */
START_TEST(tcp_established_peer_outside)
{
	char *dir = itest_mkdtemp("tcp-peer");
	pid_t pid = opt_spawn("CKPT_TCP_HELPER", "echo", dir);
	int port = opt_read_int(dir, "port"), s = connect_port(port);

	assert_echo(s, "one");
	opt_ckpt_expect(1, "Connected TCP socket, consider using --tcp-established",
			"checkpoint --pid %d --image-path %s/img", pid, dir);
	ck_assert(!exists(dir, "img"));
	ck_assert_int_eq(itest_state(pid), 'S');
	assert_echo(s, "two"); /* the failed dump left the connection working */

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --tcp-established", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	/* criu killed the server with its socket in repair mode: no FIN, no RST */
	ck_assert_int_eq(peer_sees(s, 300), 0);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --tcp-established", dir);
	for (int i = 0; i < 6; i++)
		assert_echo(s, "after restore");
	opt_assert_resumed(dir, 0, 2); /* echoes 3..8 counted by the restored server */
	assert_no_lock_rules(port);
	close(s);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/*
 * criu's "in flight" connections are the ones a listener has not accepted
 * yet (its accept queue, rqlen != 0): it cannot restore them, so it refuses
 * unless told to skip them; the peer then sees a reset.
 */
START_TEST(tcp_skip_in_flight_drops_unaccepted_connections)
{
	char *dir = itest_mkdtemp("tcp-inflight"), *log;
	pid_t pid = opt_spawn("CKPT_TCP_HELPER", "backlog", dir);
	int port = opt_read_int(dir, "port"), queued = connect_port(port), s;

	opt_ckpt_expect(1, "In-flight connection", "checkpoint --pid %d --image-path %s/img", pid, dir);
	ck_assert(!exists(dir, "img"));
	ck_assert_int_eq(itest_state(pid), 'S');
	ck_assert_int_eq(peer_sees(queued, 100), 0); /* still queued */

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --tcp-skip-in-flight", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	log = opt_read("%s/img/dump.log", dir);
	ck_assert_msg(strstr(log, "Will skip in-flight TCP connections"), "criu was not told to skip");
	ck_assert_msg(strstr(log, "Skipping in-flight connection (l)"), "criu skipped nothing");
	free(log);
	ck_assert_int_eq(peer_sees(queued, 2000), -ECONNRESET);
	close(queued);

	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img", dir);
	/* the listener came back without the skipped connection and accepts new ones */
	ck_assert_int_eq(itest_run(NULL, "touch %s/go", dir), 0);
	s = connect_port(port);
	assert_echo(s, "after");
	close(s);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/* --tcp-close: no repair mode at dump (the peer sees EOF), the socket comes back closed. */
START_TEST(tcp_close_restores_connections_closed)
{
	char *dir = itest_mkdtemp("tcp-close");
	pid_t pid = opt_spawn("CKPT_TCP_HELPER", "echo", dir);
	int s = connect_port(opt_read_int(dir, "port"));

	assert_echo(s, "one");
	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --tcp-close", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_eq(peer_sees(s, 2000), 1);
	close(s);

	/* criu insists: images dumped with --tcp-close restore only with it */
	opt_ckpt_expect(1, "Need to set the --tcp-close options", "restore -d --image-path %s/img", dir);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --tcp-close", dir);
	ck_assert_msg(opt_wait_has(dir, "counter.0", "2 closed", 5000), "the restored socket is not closed");
	ck_assert_int_eq(itest_state(pid), 'S');
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("options-tcp");
	TCase *tc = tcase_create("tcp");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tcp_established_inside_the_tree);
	tcase_add_test(tc, tcp_established_peer_outside);
	tcase_add_test(tc, tcp_skip_in_flight_drops_unaccepted_connections);
	tcase_add_test(tc, tcp_close_restores_connections_closed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return opt_main(suite());
}
