/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "error.h"
#include "session.h"

int
session_open(struct session *ss, const ckpt_opts *o, bool pass_inherit_fds, ckpt_error **err)
{
	_cleanup_free_ int *fds = NULL;
	size_t n = pass_inherit_fds ? o->n_inherit : 0;
	int r;

	memset(ss, 0, sizeof(*ss));
	ss->swrk = (struct swrk)SWRK_INIT;
	ss->opts = o;
	ss->t0 = now_ns();
	if (o->timeout_ms)
		ss->swrk.deadline_ns = ss->t0 + (uint64_t)o->timeout_ms * 1000000ull;
	ss->swrk.cancel = o->cancel;
	/* Keep criu out of the terminal's ^C, except where the tasks join its group. */
	ss->swrk.new_pgrp = !o->flags[CKPT_FLAG_SHELL_JOB];
	ss->swrk.tty_stdin = o->flags[CKPT_FLAG_SHELL_JOB];
	if ((r = swrk_resolve(o->criu_path, &ss->criu, err)) < 0)
		return r;
	if (n) {
		fds = calloc(n, sizeof(int));
		if (!fds)
			return ckpt_err_set(err, ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			fds[i] = o->inherit[i].fd;
	}
	return swrk_start(&ss->swrk, ss->criu, fds, n, err);
}

static int
record_event(struct session *ss, const char *script)
{
	struct event *nv = realloc(ss->events, (ss->n_events + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	ss->events = nv;
	nv[ss->n_events].name = strdup(script);
	nv[ss->n_events].ns = now_ns() - ss->t0;
	if (!nv[ss->n_events].name)
		return -ENOMEM;
	ss->n_events++;
	return 0;
}

/* criu >= 3.15 announces readiness with status-ready; ckpt writes the byte. */
static void
status_ready(const ckpt_opts *o)
{
	ssize_t r;

	if (o->status_fd < 0)
		return;
	do
		r = write(o->status_fd, "", 1);
	while (r < 0 && errno == EINTR);
}

static int
on_notify(void *data, const char *script, pid_t pid, int fd)
{
	struct session *ss = data;
	const ckpt_opts *o = ss->opts;
	int r = 0;

	if (record_event(ss, script) < 0)
		return -ENOMEM;
	if (strcmp(script, "status-ready") == 0)
		status_ready(o);
	/* the restored tree exists from here on: keep a handle on its root */
	if (strcmp(script, "post-restore") == 0 && pid > 1 && !ss->has_restored) {
		ss->has_restored = true;
		ss->restored_pid = pid;
		ss->restored_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	}
	if (o->notify)
		r = o->notify(script, pid, fd, o->notify_data);
	if (r < 0 && ss->callback_ret == 0) {
		ss->callback_ret = r;
		ss->callback_script = strdup(script);
	}
	return r < 0 ? r : 0;
}

/* major*10000+minor*100+sublevel, refusing numbers no criu has (and overflow). */
static int
version_number(const CriuVersion *v, int *ret, ckpt_error **err)
{
	int sub = v->has_sublevel ? v->sublevel : 0;

	if (v->major_number < 0 || v->major_number > 999 || v->minor_number < 0 || v->minor_number > 99 || sub < 0 ||
	    sub > 99)
		return ckpt_err_set(err, EBADMSG, "criu reported an impossible version %d.%d.%d", v->major_number,
				    v->minor_number, sub);
	*ret = v->major_number * 10000 + v->minor_number * 100 + sub;
	return 0;
}

int
session_version(struct session *ss, ckpt_error **err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp = NULL;
	int r;

	req.type = CRIU_REQ_TYPE__VERSION;
	req.has_keep_open = true;
	req.keep_open = true;
	if ((r = rpc_call(&ss->swrk, &req, NULL, &resp, err)) < 0)
		return r;
	if (!resp->success || !resp->version) {
		criu_resp__free_unpacked(resp, NULL);
		return ckpt_err_set(err, EOPNOTSUPP, "criu did not report its version (criu older than 3.0?)");
	}
	r = version_number(resp->version, &ss->version, err);
	criu_resp__free_unpacked(resp, NULL);
	return r;
}

int
session_features(struct session *ss, unsigned int requested, bool keep_open, unsigned int *ret, ckpt_error **err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuFeatures want = CRIU_FEATURES__INIT;
	CriuResp *resp = NULL;
	unsigned int got = 0;
	int r;

	req.type = CRIU_REQ_TYPE__FEATURE_CHECK;
	req.has_keep_open = keep_open;
	req.keep_open = keep_open;
	/* criu crashes on a FEATURE_CHECK without features: always send them */
	req.features = &want;
	want.has_mem_track = want.mem_track = !!(requested & CKPT_FEATURE_MEM_TRACK);
	want.has_lazy_pages = want.lazy_pages = !!(requested & CKPT_FEATURE_LAZY_PAGES);
	want.has_pidfd_store = want.pidfd_store = !!(requested & CKPT_FEATURE_PIDFD_STORE);
	if ((r = rpc_call(&ss->swrk, &req, NULL, &resp, err)) < 0)
		return r;
	if (!resp->success || !resp->features) {
		criu_resp__free_unpacked(resp, NULL);
		return ckpt_err_set(err, EIO, "criu could not probe the kernel's features");
	}
	if (resp->features->has_mem_track && resp->features->mem_track)
		got |= CKPT_FEATURE_MEM_TRACK;
	if (resp->features->has_lazy_pages && resp->features->lazy_pages)
		got |= CKPT_FEATURE_LAZY_PAGES;
	if (resp->features->has_pidfd_store && resp->features->pidfd_store)
		got |= CKPT_FEATURE_PIDFD_STORE;
	criu_resp__free_unpacked(resp, NULL);
	*ret = got & requested;
	return 0;
}

static int
noise(const char *msg)
{
	return !msg || !*msg || strstr(msg, "rlimit: Can't setup RLIMIT_NOFILE");
}

/* The most telling reason criu gave: log excerpt, cr_errmsg, or its output. */
static char *
failure_reason(const CriuResp *resp, const char *excerpt, const char *output)
{
	const char *src = NULL;
	char *line, *nl;

	if (excerpt)
		src = excerpt;
	else if (!noise(resp->cr_errmsg))
		src = resp->cr_errmsg;
	else if (output)
		src = output;
	if (!src)
		return NULL;
	/* criu's log lines start with a timestamp, "(00.025817) " */
	if (src[0] == '(' && (nl = strstr(src, ") ")) && nl - src < 16)
		src = nl + 2;
	line = strdup(src);
	if (line && (nl = strchr(line, '\n')))
		*nl = '\0';
	return line;
}

int
session_request(struct session *ss, CriuReq *req, const char *what, CriuResp **ret, ckpt_error **err)
{
	struct rpc_notify n = { .fn = on_notify, .data = ss };
	_cleanup_free_ char *excerpt = NULL, *output = NULL, *reason = NULL, *said = NULL;
	CriuResp *resp = NULL;
	int r, e;

	if ((r = rpc_call(&ss->swrk, req, &n, &resp, err)) < 0)
		return r;
	if (resp->success) {
		ss->answered_ok = true;
		*ret = resp;
		return 0;
	}
	swrk_stop(&ss->swrk, SWRK_ABORT_GRACE_MS); /* criu exits after its answer */
	excerpt = ckpt_log_excerpt(ss->log_path, 8);
	output = swrk_output(&ss->swrk, 4096);
	reason = failure_reason(resp, excerpt, output);
	e = resp->has_cr_errno && resp->cr_errno > 0 ? resp->cr_errno : EIO;
	if (ss->callback_ret < 0) {
		e = -ss->callback_ret;
		r = ckpt_err_set(err, e, "the %s notify callback failed, criu aborted the %s",
				 ss->callback_script ? ss->callback_script : "?", what);
	} else if (reason) {
		r = ckpt_err_set(err, e, "criu %s failed: %s", what, reason);
	} else {
		r = ckpt_err_set(err, e, "criu %s failed without saying why", what);
	}
	ckpt_err_set_criu(err, resp->has_cr_errno ? resp->cr_errno : 0, resp->cr_errmsg);
	/* criu prints its advice on stdout, not in its log ("Consider using --shell-job") */
	if (excerpt && output && !noise(output) && asprintf(&said, "%s\n%s", excerpt, output) < 0)
		said = NULL;
	ckpt_err_set_log(err, ss->log_path, said ? said : excerpt ? excerpt : output);
	criu_resp__free_unpacked(resp, NULL);
	return r;
}

/*
 * criu locks a network namespace after the network-lock notification and
 * unlocks it before network-unlock: a criu that dies in between leaves its
 * rules behind, and the resumed tasks are cut off the network.
 */
static bool
network_left_locked(const struct session *ss)
{
	bool locked = false;

	for (size_t i = 0; i < ss->n_events; i++) {
		if (strcmp(ss->events[i].name, "network-lock") == 0)
			locked = true;
		else if (strcmp(ss->events[i].name, "network-unlock") == 0)
			locked = false;
	}
	return locked;
}

void
session_finish(struct session *ss, ckpt_error **err)
{
	bool was_reaped = ss->swrk.reaped;

	/*
	 * criu answered its request with success and only has to exit: it is
	 * reaped in session_close(), so that the caller's own work after the
	 * answer (a dump's manifest, its move into place) overlaps criu's
	 * exit, which takes about a millisecond here (see docs/performance.md).
	 */
	if (!err && ss->answered_ok) {
		swrk_release(&ss->swrk);
		return;
	}
	/* After a failure (a timeout, a cancel, a broken peer) criu may be stuck
	 * or never exit: it gets a bounded grace to abort by itself. A criu that
	 * answered must exit too: one that does not is killed all the same. */
	swrk_stop(&ss->swrk, SWRK_ABORT_GRACE_MS);
	if (!err || !*err || !ss->swrk.reaped)
		return;
	ckpt_err_set_status(err, ss->swrk.wstatus);
	if (!was_reaped && !(*err)->log_excerpt && !ss->ckpt_refused) {
		_cleanup_free_ char *output = swrk_output(&ss->swrk, 4096);
		_cleanup_free_ char *excerpt = ckpt_log_excerpt(ss->log_path, 8);
		ckpt_err_set_log(err, ss->log_path, excerpt ? excerpt : output);
	}
	if (WIFSIGNALED(ss->swrk.wstatus) && network_left_locked(ss))
		ckpt_err_prefix(err, 0,
				"the tasks' network may still be locked (criu's CRIU chains in their network "
				"namespace drop every packet; remove them with iptables or nft)");
	if (WIFSIGNALED(ss->swrk.wstatus) && !(*err)->criu_errmsg)
		ckpt_err_prefix(err, 0, "criu was killed by signal %d", WTERMSIG(ss->swrk.wstatus));
}

void
session_close(struct session *ss)
{
	swrk_cleanup(&ss->swrk);
	for (size_t i = 0; i < ss->n_events; i++)
		free(ss->events[i].name);
	free(ss->events);
	free(ss->criu);
	free(ss->callback_script);
	free(ss->log_path);
	if (ss->has_restored && ss->restored_pidfd >= 0)
		close(ss->restored_pidfd);
	memset(ss, 0, sizeof(*ss));
	ss->swrk = (struct swrk)SWRK_INIT;
}

int
session_result(struct session *ss, ckpt_result **ret)
{
	ckpt_result *res = calloc(1, sizeof(*res));

	if (!res)
		return -ENOMEM;
	res->events = TAKE_PTR(ss->events);
	res->n_events = ss->n_events;
	ss->n_events = 0;
	res->wall_ns = now_ns() - ss->t0;
	res->criu_version = ss->version;
	*ret = res;
	return 0;
}
