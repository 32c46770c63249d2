/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receiving side of a migration: criu's page server, and the lazy-pages
 * daemon. The page server is started with PAGE_SERVER_CHLD in a keep_open
 * session (PAGE_SERVER's reply carries pid 0, a criu bug), so its real pid is
 * known and WAIT_PID in the same session reaps it.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "error.h"
#include "input.h"
#include "session.h"
#include "util.h"

struct ckpt_page_server {
	struct session ss;
	int images_fd;
	int work_fd;
	pid_t pid;
	int pidfd; /* the server, to signal it safely even once criu is gone */
	int port;
	bool done; /* criu reaped the server (WAIT_PID answered) */
};

static int
ps_open_dirs(const ckpt_opts *o, ckpt_page_server *ps, ckpt_error **err)
{
	int r;

	if ((r = check_dir_path(o->images_dir, "images directory", err)) < 0 ||
	    (o->work_dir && (r = check_dir_path(o->work_dir, "work directory", err)) < 0))
		return r;
	if ((r = prepare_dir(o->images_dir, "images directory", err)) < 0)
		return r;
	ps->images_fd = open(o->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ps->images_fd < 0)
		return ckpt_err_sys(err, errno, "open images directory `%s`", o->images_dir);
	if (o->work_dir) {
		if ((r = prepare_dir(o->work_dir, "work directory", err)) < 0)
			return r;
		ps->work_fd = open(o->work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ps->work_fd < 0)
			return ckpt_err_sys(err, errno, "open work directory `%s`", o->work_dir);
	}
	if (asprintf(&ps->ss.log_path, "%s/%s", o->work_dir ? o->work_dir : o->images_dir,
		     opts_log_file(o, OPTS_OP_PAGE_SERVER)) < 0)
		ps->ss.log_path = NULL;
	return 0;
}

static int
ps_request(ckpt_page_server *ps, const ckpt_opts *o, ckpt_error **err)
{
	struct opts_fds fds = { .images_dir_fd = ps->images_fd,
				.work_dir_fd = ps->work_fd,
				.inherit_base = SWRK_INHERIT_BASE };
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp = NULL;
	int r;

	if ((r = opts_to_criu(o, OPTS_OP_PAGE_SERVER, &fds, &req.opts, err)) < 0)
		return r;
	/* the server child would send status-ready on the shared socket, racing WAIT_PID */
	req.opts->has_notify_scripts = false;
	req.opts->notify_scripts = false;
	req.type = CRIU_REQ_TYPE__PAGE_SERVER_CHLD;
	req.has_keep_open = true;
	req.keep_open = true;
	r = session_request(&ps->ss, &req, "page-server", &resp, err);
	criu_opts__free_unpacked(req.opts, NULL);
	if (r < 0)
		return r;
	if (!resp->ps || !resp->ps->has_pid || resp->ps->pid <= 1 || !resp->ps->has_port) {
		criu_resp__free_unpacked(resp, NULL);
		return ckpt_err_set(err, EBADMSG, "criu started a page server but did not say where");
	}
	ps->pid = resp->ps->pid;
	ps->port = resp->ps->port;
	criu_resp__free_unpacked(resp, NULL);
	/* the server is criu's child: a pidfd names it even if criu dies and the pid is reused */
	ps->pidfd = (int)syscall(SYS_pidfd_open, ps->pid, 0);
	return 0;
}

CKPT_PUBLIC int
ckpt_page_server_start(const ckpt_opts *o, ckpt_page_server **ret, ckpt_error **err)
{
	ckpt_page_server *ps;
	int r;

	assert_return(o && ret, -EINVAL);
	if (!o->has_ps)
		return ckpt_err_set(err, EINVAL, "page server: no address and port given");
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	ps->images_fd = ps->work_fd = ps->pidfd = -1;
	ps->ss.swrk = (struct swrk)SWRK_INIT;
	r = ps_open_dirs(o, ps, err);
	if (r >= 0) {
		char *log = TAKE_PTR(ps->ss.log_path);
		r = session_open(&ps->ss, o, false, err);
		ps->ss.log_path = log;
	}
	if (r >= 0)
		r = session_version(&ps->ss, err);
	if (r >= 0)
		r = ps_request(ps, o, err);
	if (r < 0) {
		session_finish(&ps->ss, err);
		ckpt_err_prefix(err, r, "start page server on %s:%d", o->ps_address ? o->ps_address : "*", o->ps_port);
		ps->done = true;
		ckpt_page_server_free(ps);
		return r;
	}
	*ret = ps;
	return 0;
}

CKPT_PUBLIC pid_t
ckpt_page_server_pid(const ckpt_page_server *ps)
{
	return ps ? ps->pid : 0;
}

CKPT_PUBLIC int
ckpt_page_server_port(const ckpt_page_server *ps)
{
	return ps ? ps->port : 0;
}

CKPT_PUBLIC int
ckpt_page_server_wait(ckpt_page_server *ps, int *ret_status, ckpt_error **err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp = NULL;
	int r;

	assert_return(ps && !ps->done, -EINVAL);
	req.type = CRIU_REQ_TYPE__WAIT_PID;
	req.has_pid = true;
	req.pid = (uint32_t)ps->pid;
	r = rpc_call(&ps->ss.swrk, &req, NULL, &resp, err);
	if (r < 0) /* cancelled, or criu is gone: the server may still be listening */
		return ckpt_err_prefix(err, r, "wait for page server %d", ps->pid);
	ps->done = true;
	if (!resp->success || !resp->has_status) {
		criu_resp__free_unpacked(resp, NULL);
		return ckpt_err_set(err, ECHILD, "wait for page server %d: criu could not wait for it", ps->pid);
	}
	if (ret_status)
		*ret_status = resp->status;
	criu_resp__free_unpacked(resp, NULL);
	return 0;
}

/* Sends sig to the server and waits up to ms for it to end; true if it did. */
static bool
ps_signal(const ckpt_page_server *ps, int sig, int ms)
{
	struct pollfd p = { .fd = ps->pidfd, .events = POLLIN };

	if (syscall(SYS_pidfd_send_signal, ps->pidfd, sig, NULL, 0) < 0 && errno == ESRCH)
		return true;
	while (poll(&p, 1, ms) < 0 && errno == EINTR)
		;
	return (p.revents & POLLIN) != 0;
}

/*
 * A server nobody waited for (or whose wait was cancelled) is still
 * listening: it is ours to stop, TERM then KILL, through its pidfd.
 */
static void
ps_stop(ckpt_page_server *ps)
{
	if (ps->done || ps->pidfd < 0)
		return;
	/* criu, blocked in WAIT_PID or gone, reaps it or leaves it to init */
	if (!ps_signal(ps, SIGTERM, 2000))
		(void)ps_signal(ps, SIGKILL, 2000);
	ps->done = true;
}

CKPT_PUBLIC void
ckpt_page_server_free(ckpt_page_server *ps)
{
	if (!ps)
		return;
	ps_stop(ps);
	if (ps->pidfd >= 0)
		close(ps->pidfd);
	session_finish(&ps->ss, NULL);
	session_close(&ps->ss);
	if (ps->images_fd >= 0)
		close(ps->images_fd);
	if (ps->work_fd >= 0)
		close(ps->work_fd);
	free(ps);
}

CKPT_PUBLIC int
ckpt_lazy_pages_start(const ckpt_opts *o, pid_t *ret_pid, ckpt_error **err)
{
	struct swrk s = SWRK_INIT;
	_cleanup_free_ char *criu = NULL;
	char port[16], level[8];
	const char *argv[20];
	int n = 0, r;

	assert_return(o && ret_pid, -EINVAL);
	if (!o->has_ps || !o->ps_address)
		return ckpt_err_set(err, EINVAL, "lazy-pages: the source's page server ADDRESS:PORT is needed");
	if (!o->images_dir)
		return ckpt_err_set(err, EINVAL, "lazy-pages: no images directory given");
	if ((r = swrk_resolve(o->criu_path, &criu, err)) < 0)
		return r;
	snprintf(port, sizeof(port), "%d", o->ps_port);
	snprintf(level, sizeof(level), "-v%d", o->log_level);
	argv[n++] = "criu";
	argv[n++] = "lazy-pages";
	argv[n++] = "--page-server";
	argv[n++] = "--address";
	argv[n++] = o->ps_address;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "-D";
	argv[n++] = o->images_dir;
	argv[n++] = "-W";
	argv[n++] = o->work_dir ? o->work_dir : o->images_dir;
	argv[n++] = "-o";
	argv[n++] = o->log_file ? o->log_file : "lazy-pages.log";
	argv[n++] = level;
	argv[n] = NULL;
	s.cli_argv = argv;
	if ((r = swrk_start(&s, criu, NULL, 0, err)) < 0)
		return ckpt_err_prefix(err, r, "start criu lazy-pages");
	*ret_pid = s.pid;
	s.pid = -1; /* the caller's child now */
	swrk_cleanup(&s);
	return 0;
}
