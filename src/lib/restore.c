/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "error.h"
#include "input.h"
#include "proc.h"
#include "session.h"
#include "util.h"

struct restore_dirs {
	int images_fd;
	bool own_images_fd;
	int work_fd;
	char *log_path;
};

static int
restore_prepare(const ckpt_opts *o, struct restore_dirs *d, ckpt_error **err)
{
	struct stat st;
	int r;

	if (o->images_dir_fd >= 0) {
		d->images_fd = o->images_dir_fd;
	} else {
		_cleanup_free_ char *inv = NULL;

		if (!o->images_dir)
			return ckpt_err_input(err, EINVAL, "no images directory given");
		if (stat(o->images_dir, &st) < 0)
			return ckpt_err_input_sys(err, errno, "images directory `%s`", o->images_dir);
		if (!S_ISDIR(st.st_mode))
			return ckpt_err_input(err, ENOTDIR, "images directory `%s` is not a directory", o->images_dir);
		if (asprintf(&inv, "%s/inventory.img", o->images_dir) < 0)
			return ckpt_err_set(err, ENOMEM, "out of memory");
		if (access(inv, R_OK) < 0)
			return ckpt_err_input(err, ENOENT, "`%s` holds no checkpoint (no inventory.img)",
					      o->images_dir);
		d->images_fd = open(o->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->images_fd < 0)
			return ckpt_err_sys(err, errno, "open images directory `%s`", o->images_dir);
		d->own_images_fd = true;
	}
	if (o->work_dir) {
		if ((r = check_dir_path(o->work_dir, "work directory", err)) < 0 ||
		    (r = prepare_dir(o->work_dir, "work directory", err)) < 0)
			return r;
		d->work_fd = open(o->work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->work_fd < 0)
			return ckpt_err_sys(err, errno, "open work directory `%s`", o->work_dir);
	}
	if (asprintf(&d->log_path, "%s/%s", o->work_dir ? o->work_dir : o->images_dir,
		     opts_log_file(o, OPTS_OP_RESTORE)) < 0)
		d->log_path = NULL;
	return 0;
}

static int
restore_send(struct session *ss, const ckpt_opts *o, struct restore_dirs *d, pid_t *ret_pid, ckpt_error **err)
{
	struct opts_fds fds = { .images_dir_fd = d->images_fd,
				.work_dir_fd = d->work_fd,
				.inherit_base = SWRK_INHERIT_BASE };
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp = NULL;
	int r;

	if ((r = opts_to_criu(o, OPTS_OP_RESTORE, &fds, &req.opts, err)) < 0)
		return r;
	req.type = CRIU_REQ_TYPE__RESTORE;
	r = session_request(ss, &req, "restore", &resp, err);
	criu_opts__free_unpacked(req.opts, NULL);
	if (r < 0)
		return r;
	/* Only a successful response's pid is trusted, and only above 1. */
	if (!resp->restore || resp->restore->pid <= 1) {
		criu_resp__free_unpacked(resp, NULL);
		return ckpt_err_set(err, EBADMSG, "criu reported a restore without a valid pid");
	}
	*ret_pid = resp->restore->pid;
	criu_resp__free_unpacked(resp, NULL);
	return 0;
}

/* The live tree under pid, children before parents, into pids[] (at most max). */
static size_t
tree_pids(pid_t pid, pid_t *pids, size_t max, size_t n)
{
	char path[64];
	FILE *f;
	int child;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	if ((f = fopen(path, "re"))) {
		while (n < max && fscanf(f, "%d", &child) == 1)
			if (child > 1)
				n = tree_pids(child, pids, max, n);
		fclose(f);
	}
	if (n < max && proc_alive(pid))
		pids[n++] = pid;
	return n;
}

#define LEFTOVER_MAX 4096

/*
 * criu died or failed after it had restored the tasks (post-restore): they
 * may be stuck in criu's restorer with every signal blocked, or running
 * with criu's network lock still on. A failed restore must leave nothing:
 * kill what is left of the tree, so that the images can be restored again.
 * The root is the one criu named, held by a pidfd since then; criu is
 * reaped, so it changes nothing any more. Its root is stopped first, so it
 * forks nothing new while its tree is listed.
 */
static void
kill_restored(struct session *ss, ckpt_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	struct pollfd p = { .fd = ss->restored_pidfd, .events = POLLIN };
	size_t n;

	if (!ss->has_restored || ss->restored_pid <= 1 || ss->restored_pidfd < 0 || !proc_alive(ss->restored_pid))
		return;
	if (syscall(SYS_pidfd_send_signal, ss->restored_pidfd, SIGSTOP, NULL, 0) < 0)
		return; /* already gone */
	if (!(pids = calloc(LEFTOVER_MAX, sizeof(*pids))))
		return;
	n = tree_pids(ss->restored_pid, pids, LEFTOVER_MAX, 0);
	for (size_t i = 0; i + 1 < n; i++)
		kill(pids[i], SIGKILL);
	syscall(SYS_pidfd_send_signal, ss->restored_pidfd, SIGKILL, NULL, 0);
	while (poll(&p, 1, 2000) < 0 && errno == EINTR)
		;
	if (n > 0)
		ckpt_err_prefix(err, 0, "the %zu tasks criu had restored (root %d) were killed", n, ss->restored_pid);
}

/* criu's "File exists" on restore almost always means the pid is taken. */
static void
explain_eexist(ckpt_error **err)
{
	if (err && *err && (*err)->criu_errno == EEXIST)
		ckpt_err_prefix(err, 0,
				"a process with the checkpoint's pid still exists (is the "
				"original still "
				"running, or not yet reaped?)");
}

CKPT_PUBLIC int
ckpt_tree_restore(const ckpt_opts *o, ckpt_result **ret, ckpt_error **err)
{
	struct restore_dirs d = { .images_fd = -1, .work_fd = -1 };
	struct session ss = { 0 };
	ckpt_result *res = NULL;
	pid_t pid = 0;
	int r;

	assert_return(o, -EINVAL);
	ss.swrk = (struct swrk)SWRK_INIT;
	if ((r = restore_prepare(o, &d, err)) < 0)
		goto out;
	if ((r = session_open(&ss, o, true, err)) < 0)
		goto out;
	ss.log_path = d.log_path ? strdup(d.log_path) : NULL;
	if ((r = session_version(&ss, err)) < 0 || (r = opts_check_version(o, OPTS_OP_RESTORE, ss.version, err)) < 0)
		goto out;
	if ((r = restore_send(&ss, o, &d, &pid, err)) < 0)
		goto out;
	session_finish(&ss, NULL);
	if ((r = session_result(&ss, &res)) < 0) {
		r = ckpt_err_set(err, -r, "out of memory");
		goto out;
	}
	res->pid = pid;
	if (o->images_dir)
		res->images_dir = strdup(o->images_dir);
	if (ret)
		*ret = res;
	else
		ckpt_result_free(res);
out:
	if (r < 0) {
		session_finish(&ss, err);
		kill_restored(&ss, err);
		explain_eexist(err);
		ckpt_err_prefix(err, r, "restore from `%s`", o->images_dir ? o->images_dir : "(fd)");
	}
	session_close(&ss);
	if (d.own_images_fd)
		close(d.images_fd);
	if (d.work_fd >= 0)
		close(d.work_fd);
	free(d.log_path);
	return r;
}
