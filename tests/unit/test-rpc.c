/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The RPC layer against a scripted peer on a real SEQPACKET socketpair: the
 * NOTIFY loop, acknowledgements, a failing callback, fds sent with a notify,
 * EOF, wrong response types and undecodable messages.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "rpc.h"
#include "unittest.h"

typedef void (*peer_fn)(int sk);

struct fixture {
	struct swrk s;
	pid_t peer;
};

static void
start_peer(struct fixture *f, peer_fn fn)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	f->peer = fork();
	ck_assert_int_ge(f->peer, 0);
	if (f->peer == 0) {
		close(sv[0]);
		fn(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	f->s = (struct swrk)SWRK_INIT;
	f->s.sk = sv[0];
}

/* The peer's exit code: 0 when everything it checked was right. */
static int
finish_peer(struct fixture *f)
{
	int st;

	close(f->s.sk);
	ck_assert_int_eq(waitpid(f->peer, &st, 0), f->peer);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static CriuReq *
peer_read(int sk)
{
	uint8_t buf[4096];
	ssize_t n = recv(sk, buf, sizeof(buf), 0);

	if (n <= 0)
		_exit(10);
	return criu_req__unpack(NULL, (size_t)n, buf);
}

static void
peer_send_fd(int sk, const CriuResp *r, int fd)
{
	uint8_t buf[4096];
	size_t len = criu_resp__pack(r, buf);
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;
		memset(&ctl, 0, sizeof(ctl)); /* the padding goes out too (valgrind) */
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sk, &mh, 0) != (ssize_t)len)
		_exit(11);
}

static void
peer_send(int sk, const CriuResp *r)
{
	peer_send_fd(sk, r, -1);
}

/* Sends a NOTIFY and returns the client's notify_success. */
static int
peer_notify(int sk, const char *script, int pid, int fd)
{
	CriuResp r = CRIU_RESP__INIT;
	CriuNotify n = CRIU_NOTIFY__INIT;
	CriuReq *ack;
	int ok;

	r.type = CRIU_REQ_TYPE__NOTIFY;
	r.success = true;
	r.notify = &n;
	n.script = (char *)script;
	if (pid) {
		n.has_pid = true;
		n.pid = pid;
	}
	peer_send_fd(sk, &r, fd);
	ack = peer_read(sk);
	if (!ack || ack->type != CRIU_REQ_TYPE__NOTIFY || !ack->has_notify_success)
		_exit(12);
	ok = ack->notify_success;
	criu_req__free_unpacked(ack, NULL);
	return ok;
}

static void
peer_final(int sk, CriuReqType type, bool success)
{
	CriuResp r = CRIU_RESP__INIT;

	r.type = type;
	r.success = success;
	peer_send(sk, &r);
}

struct seen {
	char names[8][32];
	pid_t pids[8];
	int fds[8];
	int n;
	const char *refuse;
};

static int
record(void *data, const char *script, pid_t pid, int fd)
{
	struct seen *s = data;

	if (s->n < 8) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", script);
		s->pids[s->n] = pid;
		s->fds[s->n] = fd;
		/* the fd must be usable during the callback */
		if (fd >= 0 && fcntl(fd, F_GETFD) < 0)
			s->fds[s->n] = -2;
		s->n++;
	}
	return s->refuse && strcmp(script, s->refuse) == 0 ? -EPERM : 0;
}

static int
call(struct fixture *f, struct seen *seen, CriuResp **resp, ckpt_error **err)
{
	CriuReq req = CRIU_REQ__INIT;
	struct rpc_notify n = { .fn = record, .data = seen };

	req.type = CRIU_REQ_TYPE__DUMP;
	return rpc_call(&f->s, &req, &n, resp, err);
}

static void
peer_dump_with_notifies(int sk)
{
	CriuReq *req = peer_read(sk);

	if (!req || req->type != CRIU_REQ_TYPE__DUMP)
		_exit(13);
	criu_req__free_unpacked(req, NULL);
	if (!peer_notify(sk, "pre-dump", 0, -1) || !peer_notify(sk, "network-lock", 0, -1) ||
	    !peer_notify(sk, "post-dump", 0, -1))
		_exit(14);
	peer_final(sk, CRIU_REQ_TYPE__DUMP, true);
}

START_TEST(notify_loop_acks_each_and_returns_final)
{
	struct fixture f;
	struct seen seen = { 0 };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_dump_with_notifies);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(resp->type, CRIU_REQ_TYPE__DUMP);
	ck_assert(resp->success);
	ck_assert_int_eq(seen.n, 3);
	ck_assert_str_eq(seen.names[0], "pre-dump");
	ck_assert_str_eq(seen.names[1], "network-lock");
	ck_assert_str_eq(seen.names[2], "post-dump");
	criu_resp__free_unpacked(resp, NULL);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

static void
peer_expects_refusal(int sk)
{
	criu_req__free_unpacked(peer_read(sk), NULL);
	if (peer_notify(sk, "pre-dump", 0, -1) != 0)
		_exit(20); /* the client should have refused */
	peer_final(sk, CRIU_REQ_TYPE__DUMP, false);
}

START_TEST(failing_callback_sends_negative_ack)
{
	struct fixture f;
	struct seen seen = { .refuse = "pre-dump" };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_expects_refusal);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), 0);
	ck_assert(!resp->success);
	criu_resp__free_unpacked(resp, NULL);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

static void
peer_sends_pts_master(int sk)
{
	int p[2];

	criu_req__free_unpacked(peer_read(sk), NULL);
	if (pipe(p) < 0)
		_exit(30);
	if (!peer_notify(sk, "orphan-pts-master", 0, p[1]))
		_exit(31);
	if (!peer_notify(sk, "post-restore", 4242, -1))
		_exit(32);
	peer_final(sk, CRIU_REQ_TYPE__DUMP, true);
}

START_TEST(fd_with_notify_reaches_callback_and_is_closed)
{
	struct fixture f;
	struct seen seen = { 0 };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_sends_pts_master);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), 0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_str_eq(seen.names[0], "orphan-pts-master");
	ck_assert_int_ge(seen.fds[0], 0);
	ck_assert_int_eq(fcntl(seen.fds[0], F_GETFD), -1); /* closed after the callback */
	ck_assert_int_eq(seen.fds[1], -1);
	ck_assert_int_eq(seen.pids[1], 4242);
	criu_resp__free_unpacked(resp, NULL);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

static void
peer_hangs_up(int sk)
{
	criu_req__free_unpacked(peer_read(sk), NULL);
}

START_TEST(eof_before_response_is_an_error)
{
	struct fixture f;
	struct seen seen = { 0 };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_hangs_up);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), -ECONNRESET);
	ck_assert_ptr_null(resp);
	ck_assert_str_eq(ckpt_error_message(err), "criu closed the connection without a response");
	ckpt_error_free(err);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

static void
peer_wrong_type(int sk)
{
	criu_req__free_unpacked(peer_read(sk), NULL);
	peer_final(sk, CRIU_REQ_TYPE__RESTORE, true);
}

START_TEST(wrong_response_type_is_an_error)
{
	struct fixture f;
	struct seen seen = { 0 };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_wrong_type);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), -EBADMSG);
	ck_assert_str_eq(ckpt_error_message(err), "criu answered a DUMP request with a RESTORE response");
	ckpt_error_free(err);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

static void
peer_empty(int sk)
{
	criu_req__free_unpacked(peer_read(sk), NULL);
	peer_final(sk, CRIU_REQ_TYPE__EMPTY, false);
}

START_TEST(empty_failure_means_unknown_request)
{
	struct fixture f;
	struct seen seen = { 0 };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_empty);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), -EINVAL);
	ck_assert_str_eq(ckpt_error_message(err), "criu refused the DUMP request (invalid, or unknown to this criu)");
	ckpt_error_free(err);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

static void
peer_garbage(int sk)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x13 };

	criu_req__free_unpacked(peer_read(sk), NULL);
	if (send(sk, junk, sizeof(junk), 0) < 0)
		_exit(40);
}

START_TEST(undecodable_message_is_an_error)
{
	struct fixture f;
	struct seen seen = { 0 };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	start_peer(&f, peer_garbage);
	ck_assert_int_eq(call(&f, &seen, &resp, &err), -EBADMSG);
	ck_assert_str_eq(ckpt_error_message(err), "criu sent a message that is not a criu_resp (7 bytes)");
	ckpt_error_free(err);
	ck_assert_int_eq(finish_peer(&f), 0);
}
END_TEST

START_TEST(request_type_names)
{
	ck_assert_str_eq(rpc_type_name(CRIU_REQ_TYPE__DUMP), "DUMP");
	ck_assert_str_eq(rpc_type_name(CRIU_REQ_TYPE__SINGLE_PRE_DUMP), "SINGLE_PRE_DUMP");
	ck_assert_str_eq(rpc_type_name(42), "UNKNOWN");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = tcase_create("rpc");

	tcase_add_test(tc, notify_loop_acks_each_and_returns_final);
	tcase_add_test(tc, failing_callback_sends_negative_ack);
	tcase_add_test(tc, fd_with_notify_reaches_callback_and_is_closed);
	tcase_add_test(tc, eof_before_response_is_an_error);
	tcase_add_test(tc, wrong_response_type_is_an_error);
	tcase_add_test(tc, empty_failure_means_unknown_request);
	tcase_add_test(tc, undecodable_message_is_an_error);
	tcase_add_test(tc, request_type_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
