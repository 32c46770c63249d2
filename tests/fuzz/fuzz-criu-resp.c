/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: what a hostile criu can send, through the code that
 * reads it. The input is a stream of datagrams put on a real SOCK_SEQPACKET
 * socketpair before the call, each optionally carrying SCM_RIGHTS fds, and
 * then the end of the connection. The stream is consumed by one of:
 *   0  rpc_call(DUMP) with a notify callback   (framing, NOTIFY loop, fds)
 *   1  session_version()                      (VERSION decoding)
 *   2  session_features()                     (FEATURE_CHECK decoding)
 *   3  session_request(DUMP)                  (failure reporting, events)
 *
 * Input format:
 *   byte 0     bits 0-1: consumer; bit 2: the callback refuses every notify
 *   records    [len_lo][len_hi][n_fds] then len bytes; n_fds % 4 fds ride
 *              along with the datagram (at most 64 records)
 *
 * Besides the sanitizers' findings, the target traps on a leaked fd: after
 * each input the lowest free fd must be what it was before.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "rpc.h"
#include "session.h"

#define MAX_RECORDS 64

static int null_fd = -1;

static int
lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int
send_record(int sk, const uint8_t *buf, size_t len, unsigned n_fds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 3)];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[3] = { null_fd, null_fd, null_fd };

	if (n_fds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	return sendmsg(sk, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Queues the input's datagrams on peer, then ends the connection. */
static void
feed(int peer, const uint8_t *data, size_t size)
{
	for (int n = 0; n < MAX_RECORDS && size >= 3; n++) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		unsigned n_fds = data[2] % 4;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (send_record(peer, data, len, n_fds) < 0)
			break;
		data += len;
		size -= len;
	}
	shutdown(peer, SHUT_WR);
}

struct cb {
	bool refuse;
	unsigned calls;
};

static int
on_rpc_notify(void *data, const char *script, pid_t pid, int fd)
{
	struct cb *cb = data;

	cb->calls++;
	if (fd >= 0 && fcntl(fd, F_GETFD) < 0)
		abort(); /* the fd handed over must be open during the call */
	return cb->refuse ? -EPERM : 0;
}

static int
on_user_notify(const char *script, pid_t pid, int fd, void *data)
{
	return on_rpc_notify(data, script, pid, fd);
}

static void
run_rpc(struct swrk *s, struct cb *cb)
{
	CriuReq req = CRIU_REQ__INIT;
	struct rpc_notify n = { .fn = on_rpc_notify, .data = cb };
	CriuResp *resp = NULL;
	ckpt_error *err = NULL;

	req.type = CRIU_REQ_TYPE__DUMP;
	if (rpc_call(s, &req, &n, &resp, &err) == 0) {
		if (!resp || err)
			abort(); /* success: a response and no error */
		criu_resp__free_unpacked(resp, NULL);
	} else if (!err || !ckpt_error_message(err)[0]) {
		abort(); /* every failure says why */
	}
	ckpt_error_free(err);
	swrk_cleanup(s);
}

static void
run_session(int sk, unsigned consumer, struct cb *cb)
{
	struct session ss;
	ckpt_opts *o = NULL;
	ckpt_error *err = NULL;
	CriuResp *resp = NULL;
	CriuReq req = CRIU_REQ__INIT;
	unsigned int got = 0;
	int r = 0;

	if (ckpt_opts_new(&o) < 0)
		abort();
	ckpt_opts_set_notify(o, on_user_notify, cb);
	memset(&ss, 0, sizeof(ss));
	ss.swrk = (struct swrk)SWRK_INIT;
	ss.swrk.sk = sk;
	ss.opts = o;
	req.type = CRIU_REQ_TYPE__DUMP;
	if (consumer == 1)
		r = session_version(&ss, &err);
	else if (consumer == 2)
		r = session_features(&ss, CKPT_FEATURE_MEM_TRACK | CKPT_FEATURE_LAZY_PAGES, true, &got, &err);
	else
		r = session_request(&ss, &req, "dump", &resp, &err);
	if (r == 0 && resp)
		criu_resp__free_unpacked(resp, NULL);
	if ((r < 0) != (err != NULL))
		abort(); /* an error object exactly when the call failed */
	if (r < 0)
		session_finish(&ss, &err);
	ckpt_error_free(err);
	session_close(&ss);
	ckpt_opts_free(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct swrk s = SWRK_INIT;
	struct cb cb = { 0 };
	int sv[2], before;
	unsigned consumer;

	if (size < 1)
		return 0;
	if (null_fd < 0 && (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		abort();
	consumer = data[0] & 3;
	cb.refuse = data[0] & 4;
	before = lowest_free_fd();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	feed(sv[1], data + 1, size - 1);
	if (consumer == 0) {
		s.sk = sv[0];
		run_rpc(&s, &cb);
	} else {
		run_session(sv[0], consumer, &cb);
	}
	close(sv[1]);
	if (lowest_free_fd() != before)
		abort(); /* an fd leaked */
	return 0;
}
