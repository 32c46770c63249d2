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

int
rpc_send(struct swrk *s, const CriuReq *req, ckpt_error **err)
{
	size_t len = criu_req__get_packed_size(req);
	_cleanup_free_ uint8_t *buf = malloc(len ? len : 1);
	ssize_t r;

	if (!buf)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	criu_req__pack(req, buf);
	do
		r = send(s->sk, buf, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EPIPE || errno == ECONNRESET)
			return ckpt_err_set(err, EPIPE, "criu exited before reading the %s request",
					    rpc_type_name(req->type));
		return ckpt_err_sys(err, errno, "send %s request to criu", rpc_type_name(req->type));
	}
	if ((size_t)r != len)
		return ckpt_err_set(err, EMSGSIZE, "short send of the %s request to criu", rpc_type_name(req->type));
	return 0;
}

/* Waits until the socket is readable, honouring the deadline and cancel flag. */
static int
wait_readable(struct swrk *s, ckpt_error **err)
{
	for (;;) {
		struct pollfd p = { .fd = s->sk, .events = POLLIN };
		int timeout = 200, r;

		if (s->cancel && *s->cancel)
			return ckpt_err_set(err, ECANCELED, "cancelled while waiting for criu");
		if (s->deadline_ns) {
			uint64_t now = now_ns();
			if (now >= s->deadline_ns)
				return ckpt_err_set(err, ETIMEDOUT, "criu did not answer before the deadline");
			if ((s->deadline_ns - now) / 1000000 < (uint64_t)timeout)
				timeout = (int)((s->deadline_ns - now) / 1000000) + 1;
		} else if (!s->cancel) {
			timeout = -1;
		}
		r = poll(&p, 1, timeout);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return ckpt_err_sys(err, errno, "poll on the criu socket");
	}
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

int
rpc_recv(struct swrk *s, CriuResp **ret, int *ret_fd, ckpt_error **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	_cleanup_free_ uint8_t *buf = NULL;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t len, r;
	int fd = -1, extra;
	CriuResp *resp;

	*ret_fd = -1;
	if ((r = wait_readable(s, err)) < 0)
		return (int)r;
	do
		len = recv(s->sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return ckpt_err_sys(err, errno, "receive from criu");
	if (len == 0)
		return ckpt_err_set(err, ECONNRESET, "criu closed the connection without a response");
	if ((size_t)len > RPC_MAX_MSG)
		return ckpt_err_set(err, EMSGSIZE, "criu sent an oversized message (%zd bytes, limit %u)", len,
				    RPC_MAX_MSG);
	buf = malloc((size_t)len);
	if (!buf)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	iov.iov_base = buf;
	iov.iov_len = (size_t)len;
	do
		r = recvmsg(s->sk, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return ckpt_err_sys(err, errno, "receive from criu");
	extra = take_fds(&mh, &fd);
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) || extra > 0) {
		if (fd >= 0)
			close(fd);
		return ckpt_err_set(err, EBADMSG, "criu sent a truncated message or unexpected file descriptors");
	}
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

static int
send_ack(struct swrk *s, bool ok, ckpt_error **err)
{
	CriuReq ack = CRIU_REQ__INIT;

	ack.type = CRIU_REQ_TYPE__NOTIFY;
	ack.has_notify_success = true;
	ack.notify_success = ok;
	return rpc_send(s, &ack, err);
}

/* Handles one NOTIFY: the callback, then the acknowledgement. */
static int
handle_notify(struct swrk *s, const CriuResp *resp, int fd, const struct rpc_notify *n, bool *refused,
	      ckpt_error **err)
{
	const char *script = resp->notify && resp->notify->script ? resp->notify->script : "";
	pid_t pid = resp->notify && resp->notify->has_pid ? resp->notify->pid : 0;
	int r = 0;

	if (n && n->fn)
		r = n->fn(n->data, script, pid, fd);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		*refused = true;
	return send_ack(s, r >= 0, err);
}

static int
check_final(const CriuReq *req, const CriuResp *resp, ckpt_error **err)
{
	if (resp->type == req->type)
		return 0;
	if (resp->type == CRIU_REQ_TYPE__EMPTY && !resp->success)
		return ckpt_err_set(err, EINVAL, "criu refused the %s request (invalid, or unknown to this criu)",
				    rpc_type_name(req->type));
	return ckpt_err_set(err, EBADMSG, "criu answered a %s request with a %s response",
			    rpc_type_name(req->type), rpc_type_name(resp->type));
}

int
rpc_call(struct swrk *s, const CriuReq *req, const struct rpc_notify *n, CriuResp **ret,
	 ckpt_error **err)
{
	bool refused = false; /* criu itself reports what a refusal did */
	int r;

	if ((r = rpc_send(s, req, err)) < 0)
		return r;
	for (unsigned i = 0;; i++) {
		CriuResp *resp = NULL;
		int fd;

		if ((r = rpc_recv(s, &resp, &fd, err)) < 0)
			return r;
		if (resp->type != CRIU_REQ_TYPE__NOTIFY) {
			if (fd >= 0)
				close(fd);
			r = check_final(req, resp, err);
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
		r = handle_notify(s, resp, fd, n, &refused, err);
		criu_resp__free_unpacked(resp, NULL);
		if (r < 0)
			return r;
	}
}
