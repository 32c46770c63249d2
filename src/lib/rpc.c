/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "rpc.h"

const char *
rpc_type_name(CriuReqType type)
{
	static const char *const names[] = {
		[CRIU_REQ_TYPE__EMPTY] = "EMPTY",
		[CRIU_REQ_TYPE__DUMP] = "DUMP",
		[CRIU_REQ_TYPE__RESTORE] = "RESTORE",
		[CRIU_REQ_TYPE__CHECK] = "CHECK",
		[CRIU_REQ_TYPE__PRE_DUMP] = "PRE_DUMP",
		[CRIU_REQ_TYPE__PAGE_SERVER] = "PAGE_SERVER",
		[CRIU_REQ_TYPE__NOTIFY] = "NOTIFY",
		[CRIU_REQ_TYPE__CPUINFO_DUMP] = "CPUINFO_DUMP",
		[CRIU_REQ_TYPE__CPUINFO_CHECK] = "CPUINFO_CHECK",
		[CRIU_REQ_TYPE__FEATURE_CHECK] = "FEATURE_CHECK",
		[CRIU_REQ_TYPE__VERSION] = "VERSION",
		[CRIU_REQ_TYPE__WAIT_PID] = "WAIT_PID",
		[CRIU_REQ_TYPE__PAGE_SERVER_CHLD] = "PAGE_SERVER_CHLD",
		[CRIU_REQ_TYPE__SINGLE_PRE_DUMP] = "SINGLE_PRE_DUMP",
	};

	if ((unsigned)type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "UNKNOWN";
}

/*
 * Waits until the socket is ready for events, until `deadline` (0 = none)
 * and, when cancel is set, until *cancel becomes non-zero. *ret_revents gets
 * what poll() reported.
 */
static int
wait_ready(struct swrk *s, short events, uint64_t deadline, const volatile int *cancel, short *ret_revents,
	   ckpt_error **err)
{
	for (;;) {
		struct pollfd p = { .fd = s->sk, .events = (short)(events | POLLRDHUP) };
		int timeout = 200, r;

		if (cancel && *cancel)
			return ckpt_err_set(err, ECANCELED, "cancelled while waiting for criu");
		if (deadline) {
			uint64_t now = now_ns();
			if (now >= deadline)
				return ckpt_err_set(err, ETIMEDOUT, "criu did not answer before the deadline");
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - now) / 1000000) + 1;
		} else if (!cancel) {
			timeout = -1;
		}
		r = poll(&p, 1, timeout);
		if (r > 0) {
			*ret_revents = p.revents;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return ckpt_err_sys(err, errno, "poll on the criu socket");
	}
}

/*
 * Sends one packed message without blocking past the deadline: a criu that
 * stops reading fills the socket's send buffer, and a blocking send() would
 * then wait forever.
 */
static int
send_buf(struct swrk *s, const uint8_t *buf, size_t len, CriuReqType type, uint64_t deadline,
	 const volatile int *cancel, ckpt_error **err)
{
	short revents;
	ssize_t r;
	int w;

	for (;;) {
		r = send(s->sk, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r >= 0 || (errno != EINTR && errno != EAGAIN))
			break;
		if (errno == EAGAIN && (w = wait_ready(s, POLLOUT, deadline, cancel, &revents, err)) < 0)
			return w;
	}
	if (r < 0) {
		if (errno == EPIPE || errno == ECONNRESET)
			return ckpt_err_set(err, EPIPE, "criu exited before reading the %s request",
					    rpc_type_name(type));
		return ckpt_err_sys(err, errno, "send %s request to criu", rpc_type_name(type));
	}
	if ((size_t)r != len)
		return ckpt_err_set(err, EMSGSIZE, "short send of the %s request to criu", rpc_type_name(type));
	return 0;
}

static int
send_req(struct swrk *s, const CriuReq *req, uint64_t deadline, const volatile int *cancel, ckpt_error **err)
{
	size_t len = criu_req__get_packed_size(req);
	_cleanup_free_ uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	criu_req__pack(req, buf);
	return send_buf(s, buf, len, req->type, deadline, cancel, err);
}

int
rpc_send(struct swrk *s, const CriuReq *req, ckpt_error **err)
{
	return send_req(s, req, s->deadline_ns, s->cancel, err);
}

/* Closes every fd carried by a control message, keeping the first in *ret_fd. */
static int
take_fds(struct msghdr *mh, int *ret_fd)
{
	int extra = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int *fds;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			if (*ret_fd < 0) {
				*ret_fd = fds[i];
			} else {
				close(fds[i]);
				extra++;
			}
		}
	}
	return extra;
}

/*
 * The size of the next datagram. SOCK_SEQPACKET reads a 0-byte datagram and
 * the end of the connection alike: only the peer's shutdown (POLLRDHUP or
 * POLLHUP) tells them apart.
 */
static ssize_t
peek_size(struct swrk *s, short revents, ckpt_error **err)
{
	ssize_t len;

	do
		len = recv(s->sk, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return ckpt_err_sys(err, errno, "receive from criu");
	if (len == 0 && !(revents & (POLLRDHUP | POLLHUP)))
		return ckpt_err_set(err, EBADMSG, "criu sent an empty message");
	if (len == 0)
		return ckpt_err_set(err, ECONNRESET, "criu closed the connection without a response");
	if ((size_t)len > RPC_MAX_MSG)
		return ckpt_err_set(err, EMSGSIZE, "criu sent an oversized message (%zd bytes, limit %u)", len,
				    RPC_MAX_MSG);
	return len;
}

/* Refuses a datagram the kernel cut short, or one with more than one fd. */
static int
check_msg(const struct msghdr *mh, int fd, int extra, ckpt_error **err)
{
	int r = 0;

	if (mh->msg_flags & MSG_TRUNC)
		r = ckpt_err_set(err, EBADMSG, "criu sent a truncated message");
	else if (mh->msg_flags & MSG_CTRUNC)
		r = ckpt_err_set(err, EBADMSG, "criu sent more file descriptors than one message may carry");
	else if (extra > 0)
		r = ckpt_err_set(err, EBADMSG, "criu sent %d file descriptors in one message (at most 1 expected)",
				 extra + 1);
	if (r < 0 && fd >= 0)
		close(fd);
	return r;
}

static int
recv_resp(struct swrk *s, uint64_t deadline, const volatile int *cancel, CriuResp **ret, int *ret_fd, ckpt_error **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	_cleanup_free_ uint8_t *buf = NULL;
	struct iovec iov;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	ssize_t len, r;
	int fd = -1, extra;
	short revents = 0;
	CriuResp *resp;

	*ret_fd = -1;
	if ((r = wait_ready(s, POLLIN, deadline, cancel, &revents, err)) < 0)
		return (int)r;
	if ((len = peek_size(s, revents, err)) < 0)
		return (int)len;
	buf = malloc((size_t)len);
	if (!buf)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	iov.iov_base = buf;
	iov.iov_len = (size_t)len;
	do
		r = recvmsg(s->sk, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return ckpt_err_sys(err, errno, "receive from criu");
	extra = take_fds(&mh, &fd);
	if ((extra = check_msg(&mh, fd, extra, err)) < 0)
		return extra;
	resp = criu_resp__unpack(NULL, (size_t)r, buf);
	if (!resp) {
		if (fd >= 0)
			close(fd);
		return ckpt_err_set(err, EBADMSG, "criu sent a message that is not a criu_resp (%zd bytes)", r);
	}
	*ret = resp;
	*ret_fd = fd;
	return 0;
}

int
rpc_recv(struct swrk *s, CriuResp **ret, int *ret_fd, ckpt_error **err)
{
	return recv_resp(s, s->deadline_ns, s->cancel, ret, ret_fd, err);
}

static int
send_ack(struct swrk *s, bool ok, uint64_t deadline, const volatile int *cancel, ckpt_error **err)
{
	CriuReq ack = CRIU_REQ__INIT;

	ack.type = CRIU_REQ_TYPE__NOTIFY;
	ack.has_notify_success = true;
	ack.notify_success = ok;
	return send_req(s, &ack, deadline, cancel, err);
}

/* Handles one NOTIFY: the callback, then the acknowledgement. */
static int
handle_notify(struct swrk *s, const CriuResp *resp, int fd, const struct rpc_notify *n, ckpt_error **err)
{
	const char *script = resp->notify && resp->notify->script ? resp->notify->script : "";
	pid_t pid = resp->notify && resp->notify->has_pid ? resp->notify->pid : 0;
	int r = 0;

	if (n && n->fn)
		r = n->fn(n->data, script, pid, fd);
	if (fd >= 0)
		close(fd);
	/* a refusal is criu's to report: it aborts and says so in its answer */
	return send_ack(s, r >= 0, s->deadline_ns, s->cancel, err);
}

static int
check_final(const CriuReq *req, const CriuResp *resp, int fd, ckpt_error **err)
{
	if (fd >= 0) {
		close(fd);
		return ckpt_err_set(err, EBADMSG, "criu sent a file descriptor with its %s response",
				    rpc_type_name(resp->type));
	}
	if (resp->type == req->type)
		return 0;
	/* criu answers PAGE_SERVER_CHLD with a PAGE_SERVER-typed response */
	if (req->type == CRIU_REQ_TYPE__PAGE_SERVER_CHLD && resp->type == CRIU_REQ_TYPE__PAGE_SERVER)
		return 0;
	if (resp->type == CRIU_REQ_TYPE__EMPTY && !resp->success)
		return ckpt_err_set(err, EINVAL, "criu refused the %s request (invalid, or unknown to this criu)",
				    rpc_type_name(req->type));
	return ckpt_err_set(err, EBADMSG, "criu answered a %s request with a %s response", rpc_type_name(req->type),
			    rpc_type_name(resp->type));
}

/* Requests during which criu holds the tasks: stopping it needs care. */
static bool
holds_tasks(CriuReqType type)
{
	return type == CRIU_REQ_TYPE__DUMP || type == CRIU_REQ_TYPE__RESTORE || type == CRIU_REQ_TYPE__PRE_DUMP ||
	       type == CRIU_REQ_TYPE__SINGLE_PRE_DUMP;
}

static const char *
stop_cause(int e)
{
	return e == ECANCELED ? "cancelled" : "the deadline passed";
}

/*
 * The caller cancelled, or the deadline passed, while criu runs a DUMP or a
 * RESTORE. Killing criu there could leave the tasks half-dumped or
 * half-restored, and once post-dump was acknowledged the dump is past its
 * point of no return: criu kills the tasks and only the images are left. So
 * criu gets SWRK_ABORT_GRACE_MS to reach its next notification, which is
 * refused (criu then aborts and resumes the tasks), and whatever it answers
 * in that time is taken: a success is returned as one. Only a criu that
 * answers nothing in that time is killed.
 */
static int
abort_call(struct swrk *s, const CriuReq *req, int e, CriuResp **ret, ckpt_error **err)
{
	uint64_t until = now_ns() + (uint64_t)SWRK_ABORT_GRACE_MS * 1000000ull;
	_cleanup_free_ char *refused = NULL;

	for (unsigned i = 0; i < RPC_MAX_NOTIFY; i++) {
		CriuResp *resp = NULL;
		int fd;

		if (recv_resp(s, until, NULL, &resp, &fd, NULL) < 0)
			break;
		if (fd >= 0)
			close(fd);
		if (resp->type != CRIU_REQ_TYPE__NOTIFY) {
			if (resp->type == req->type && resp->success) {
				*ret = resp;
				return 0;
			}
			criu_resp__free_unpacked(resp, NULL);
			if (refused)
				return ckpt_err_set(err, e, "%s; criu aborted the %s at its `%s` notification",
						    stop_cause(e), rpc_type_name(req->type), refused);
			return ckpt_err_set(err, e, "%s; criu stopped the %s", stop_cause(e), rpc_type_name(req->type));
		}
		free(refused);
		refused = strdup(resp->notify && resp->notify->script ? resp->notify->script : "?");
		criu_resp__free_unpacked(resp, NULL);
		if (send_ack(s, false, until, NULL, NULL) < 0)
			break;
	}
	swrk_stop(s, 0);
	return ckpt_err_set(err, e, "%s; criu did not stop the %s by itself within %d ms", stop_cause(e),
			    rpc_type_name(req->type), SWRK_ABORT_GRACE_MS);
}

/* Hands a failure over to the caller's error, unless it already holds one. */
static int
pass_error(ckpt_error **err, ckpt_error **local, int r)
{
	if (err && !*err)
		*err = TAKE_PTR(*local);
	return r;
}

/* Receives criu's next message, turning a cancel or timeout into an abort. */
static int
call_recv(struct swrk *s, const CriuReq *req, CriuResp **ret, int *ret_fd, bool *done, ckpt_error **err)
{
	_cleanup_error_ ckpt_error *local = NULL;
	int r = recv_resp(s, s->deadline_ns, s->cancel, ret, ret_fd, &local);

	*done = false;
	if (r != -ECANCELED && r != -ETIMEDOUT)
		return pass_error(err, &local, r);
	*done = true;
	if (holds_tasks(req->type))
		return abort_call(s, req, -r, ret, err);
	swrk_stop(s, 0); /* nothing to resume: a VERSION, a CHECK, ... */
	return pass_error(err, &local, r);
}

int
rpc_call(struct swrk *s, const CriuReq *req, const struct rpc_notify *n, CriuResp **ret, ckpt_error **err)
{
	int r;

	if (s->cancel && *s->cancel)
		return ckpt_err_set(err, ECANCELED, "cancelled before the %s request was sent",
				    rpc_type_name(req->type));
	if ((r = rpc_send(s, req, err)) < 0)
		return r;
	for (unsigned i = 0;; i++) {
		CriuResp *resp = NULL;
		bool done;
		int fd;

		if ((r = call_recv(s, req, &resp, &fd, &done, err)) < 0)
			return r;
		if (done || resp->type != CRIU_REQ_TYPE__NOTIFY) {
			r = done ? 0 : check_final(req, resp, fd, err);
			if (r < 0) {
				criu_resp__free_unpacked(resp, NULL);
				return r;
			}
			*ret = resp;
			return 0;
		}
		if (i >= RPC_MAX_NOTIFY) {
			if (fd >= 0)
				close(fd);
			criu_resp__free_unpacked(resp, NULL);
			return ckpt_err_set(err, EPROTO, "criu sent more than %d notifications", RPC_MAX_NOTIFY);
		}
		r = handle_notify(s, resp, fd, n, err);
		criu_resp__free_unpacked(resp, NULL);
		if (r == -ETIMEDOUT || r == -ECANCELED)
			swrk_stop(s, 0); /* criu does not even read: it is broken */
		if (r < 0)
			return r;
	}
}
