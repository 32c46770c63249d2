/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dump and pre-dump. By default criu writes into a new directory beside the
 * images dir, which replaces the images dir only once criu has reported
 * success: a failed or interrupted checkpoint never leaves a half-written
 * image at the images path, nor loses the checkpoint that was there.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "error.h"
#include "input.h"
#include "manifest.h"
#include "session.h"
#include "util.h"

struct dump_dirs {
	char *target;  /* the images path the caller asked for */
	char *staging; /* the new directory criu writes into, or NULL */
	int images_fd; /* what criu is told (client fd) */
	int work_fd;
	bool own_images_fd;
	bool criu_done; /* criu reported success: the staging dir is the checkpoint */
	char *log_path;
};

static void
dump_dirs_free(struct dump_dirs *d)
{
	if (d->own_images_fd && d->images_fd >= 0)
		close(d->images_fd);
	if (d->work_fd >= 0)
		close(d->work_fd);
	free(d->target);
	free(d->staging);
	free(d->log_path);
}

static int
open_dir(const char *path, const char *what, int *ret_fd, ckpt_error **err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ckpt_err_sys(err, errno, "open %s `%s`", what, path);
	*ret_fd = fd;
	return 0;
}

/*
 * The process writing a staging directory holds an flock on it until it is
 * done. One that nobody locks was left by a process that died in the middle
 * of a checkpoint (SIGKILL, a crash, a reboot). The age test covers the
 * moment between mkdtemp() and flock() of a concurrent checkpoint.
 */
#define STALE_STAGING_AGE_S 60

static bool
is_stale_staging(int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return false;
	if (st.st_mtime > time(NULL) - STALE_STAGING_AGE_S)
		return false;
	return flock(fd, LOCK_EX | LOCK_NB) == 0;
}

/* Removes the staging directories of the target that their writers left. */
static void
clean_stale_staging(const char *parent, const char *base)
{
	_cleanup_free_ char *prefix = NULL;
	struct dirent *de;
	DIR *dir;

	if (asprintf(&prefix, ".%s.ckpt-", base) < 0 || !(dir = opendir(parent)))
		return;
	while ((de = readdir(dir))) {
		_cleanup_free_ char *path = NULL;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || !is_stale_staging(dirfd(dir), de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", parent, de->d_name) >= 0)
			rm_rf(path);
	}
	closedir(dir);
}

/* Creates the staging directory beside the target, on the same file system. */
static int
make_staging(struct dump_dirs *d, ckpt_error **err)
{
	_cleanup_free_ char *a = strdup(d->target), *b = strdup(d->target);
	char *parent, *base;
	int r;

	if (!a || !b)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	parent = dirname(a);
	base = basename(b);
	if ((r = mkdir_p(parent, 0700)) < 0)
		return ckpt_err_sys(err, -r, "create directory `%s`", parent);
	clean_stale_staging(parent, base);
	if (asprintf(&d->staging, "%s/.%s.ckpt-XXXXXX", parent, base) < 0) {
		d->staging = NULL;
		return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	if (!mkdtemp(d->staging)) {
		r = errno;
		free(d->staging);
		d->staging = NULL;
		return ckpt_err_sys(err, r, "create a new images directory beside `%s`", d->target);
	}
	return 0;
}

/*
 * The images path criu's directory replaces: a symbolic link is followed
 * (the checkpoint goes where it points, the link stays), so that a link to
 * another file system keeps working.
 */
static int
images_target(const char *path, char **ret, ckpt_error **err)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		*ret = realpath(path, NULL);
	else
		*ret = strdup(path);
	if (!*ret)
		return ckpt_err_sys(err, errno, "images directory `%s`", path);
	return 0;
}

static int
dump_prepare(const ckpt_opts *o, enum opts_op op, struct dump_dirs *d, ckpt_error **err)
{
	const char *criu_dir;
	int r;

	d->images_fd = d->work_fd = -1;
	if (o->images_dir_fd >= 0) {
		d->images_fd = o->images_dir_fd;
	} else {
		/* dump_check() made sure it is (or can be) a writable directory */
		if ((r = images_target(o->images_dir, &d->target, err)) < 0)
			return r;
		if (o->flags[CKPT_FLAG_STAGING] && !o->flags[CKPT_FLAG_LAZY_PAGES])
			r = make_staging(d, err);
		else
			r = prepare_dir(d->target, "images directory", err);
		if (r < 0)
			return r;
		criu_dir = d->staging ? d->staging : d->target;
		if ((r = open_dir(criu_dir, "images directory", &d->images_fd, err)) < 0)
			return r;
		d->own_images_fd = true;
		/* held until the fd is closed, or this process dies: see is_stale_staging()
     */
		if (d->staging && flock(d->images_fd, LOCK_EX | LOCK_NB) < 0)
			return ckpt_err_sys(err, errno, "lock the new images directory `%s`", d->staging);
	}
	if (o->work_dir) {
		if ((r = prepare_dir(o->work_dir, "work directory", err)) < 0)
			return r;
		if ((r = open_dir(o->work_dir, "work directory", &d->work_fd, err)) < 0)
			return r;
	}
	if (o->work_dir)
		r = asprintf(&d->log_path, "%s/%s", o->work_dir, opts_log_file(o, op));
	else if (d->staging || d->target)
		r = asprintf(&d->log_path, "%s/%s", d->staging ? d->staging : d->target, opts_log_file(o, op));
	else
		r = asprintf(&d->log_path, "/proc/self/fd/%d/%s", d->images_fd, opts_log_file(o, op));
	if (r < 0)
		d->log_path = NULL;
	return 0;
}

/* Puts the staging dir in place of the target, atomically when one exists. */
static int
dump_commit(struct dump_dirs *d, ckpt_error **err)
{
	if (!d->staging)
		return 0;
	if (renameat2(AT_FDCWD, d->staging, AT_FDCWD, d->target, RENAME_NOREPLACE) == 0)
		goto done;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return ckpt_err_sys(err, errno, "move the new checkpoint into `%s`", d->target);
	if (renameat2(AT_FDCWD, d->staging, AT_FDCWD, d->target, RENAME_EXCHANGE) < 0)
		return ckpt_err_sys(err, errno, "replace the checkpoint in `%s`", d->target);
	rm_rf(d->staging); /* now holds the previous checkpoint */
done:
	free(d->staging);
	d->staging = NULL;
	free(d->log_path);
	if (asprintf(&d->log_path, "%s/%s", d->target, "dump.log") < 0)
		d->log_path = NULL;
	return 0;
}

/*
 * A failed checkpoint leaves the images path as it was. criu's log is kept
 * beside it as <images path>.<log name>, and the error names it. Once criu
 * has reported success the staging dir is the only copy of the checkpoint:
 * if it cannot be moved into place it stays, and the error names it.
 */
static void
dump_abort(struct dump_dirs *d, ckpt_error **err)
{
	_cleanup_free_ char *kept = NULL;
	const char *name;

	if (!d->staging)
		return;
	if (d->criu_done) {
		/* criu succeeded (and the tasks may be gone): never lose its images */
		ckpt_err_prefix(err, 0, "the new checkpoint is kept in `%s`", d->staging);
		return;
	}
	name = d->log_path ? strrchr(d->log_path, '/') : NULL;
	if (name && strncmp(d->log_path, d->staging, strlen(d->staging)) == 0 &&
	    asprintf(&kept, "%s.%s", d->target, name + 1) >= 0 && rename(d->log_path, kept) == 0) {
		if (err && *err) {
			free((*err)->log_path);
			(*err)->log_path = strdup(kept);
		}
	}
	rm_rf(d->staging);
	free(d->staging);
	d->staging = NULL;
}

/* Pre-dump and parent images need soft-dirty memory tracking. */
static int
need_mem_track(struct session *ss, const char *what, ckpt_error **err)
{
	unsigned int got = 0;
	int r = session_features(ss, CKPT_FEATURE_MEM_TRACK, true, &got, err);

	if (r < 0)
		return r;
	if (!(got & CKPT_FEATURE_MEM_TRACK))
		return ckpt_err_set(err, EOPNOTSUPP,
				    "%s needs memory change tracking (soft-dirty), which is not available "
				    "in this kernel "
				    "(criu FEATURE_CHECK mem_track=false); the process was not touched",
				    what);
	return 0;
}

/*
 * criu's lazy page server asks for a 4 MiB pipe; without CAP_SYS_RESOURCE
 * the kernel refuses anything above fs.pipe-max-size, criu ignores the EPERM
 * and later fails with "splice: -1: Bad file descriptor".
 */
/* Can this process (and so criu, its child) get a 4 MiB pipe? */
static bool
can_get_big_pipe(void)
{
	int p[2];
	bool ok;

	if (pipe2(p, O_CLOEXEC) < 0)
		return true; /* cannot tell: let criu try */
	ok = fcntl(p[0], F_SETPIPE_SZ, 4 << 20) >= 0;
	close(p[0]);
	close(p[1]);
	return ok;
}

static int
check_pipe_max_size(ckpt_error **err)
{
	unsigned long v = 0;
	FILE *f;

	if (can_get_big_pipe())
		return 0;
	f = fopen("/proc/sys/fs/pipe-max-size", "re");
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return ckpt_err_set(err, EOPNOTSUPP,
			    "lazy pages need fs.pipe-max-size >= 4194304 on this "
			    "machine (it is %lu and processes here "
			    "lack CAP_SYS_RESOURCE, so criu's page server would fail "
			    "later with \"splice: Bad file "
			    "descriptor\"); run: sysctl -w fs.pipe-max-size=4194304",
			    v);
}

CKPT_PUBLIC int
ckpt_lazy_pages_ready(ckpt_error **err)
{
	return check_pipe_max_size(err);
}

static int
need_lazy(struct session *ss, ckpt_error **err)
{
	unsigned int got = 0;
	int r = session_features(ss, CKPT_FEATURE_LAZY_PAGES, true, &got, err);

	if (r < 0)
		return r;
	if (!(got & CKPT_FEATURE_LAZY_PAGES))
		return ckpt_err_set(err, EOPNOTSUPP,
				    "lazy pages need userfaultfd with non-cooperative "
				    "events, which this kernel lacks");
	return check_pipe_max_size(err);
}

static int
dump_gate(struct session *ss, const ckpt_opts *o, enum opts_op op, ckpt_error **err)
{
	int r;

	if ((r = session_version(ss, err)) < 0)
		return r;
	if ((r = opts_check_version(o, op, ss->version, err)) < 0)
		return r;
	if (op == OPTS_OP_PRE_DUMP && (r = need_mem_track(ss, "pre-dump", err)) < 0)
		return r;
	if (op == OPTS_OP_DUMP && o->parent_path && (r = need_mem_track(ss, "--parent-path", err)) < 0)
		return r;
	if (o->flags[CKPT_FLAG_LAZY_PAGES] && (r = need_lazy(ss, err)) < 0)
		return r;
	return 0;
}

static int
dump_send(struct session *ss, const ckpt_opts *o, enum opts_op op, struct dump_dirs *d, ckpt_error **err)
{
	struct opts_fds fds = { .images_dir_fd = d->images_fd,
				.work_dir_fd = d->work_fd,
				.inherit_base = SWRK_INHERIT_BASE };
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp = NULL;
	int r;

	if ((r = opts_to_criu(o, op, &fds, &req.opts, err)) < 0)
		return r;
	/* see oci/translate.c: a network namespace with only lo has nothing to lock */
	if (o->netlock_quiet && o->netlock == CKPT_NETWORK_LOCK_DEFAULT && ss->version >= 31900) {
		req.opts->has_network_lock = true;
		req.opts->network_lock = CRIU_NETWORK_LOCK_METHOD__SKIP;
	}
	if (op == OPTS_OP_PRE_DUMP)
		req.type = ss->version >= 31700 ? CRIU_REQ_TYPE__SINGLE_PRE_DUMP : CRIU_REQ_TYPE__PRE_DUMP;
	else
		req.type = CRIU_REQ_TYPE__DUMP;
	r = session_request(ss, &req, op == OPTS_OP_PRE_DUMP ? "pre-dump" : "dump", &resp, err);
	criu_opts__free_unpacked(req.opts, NULL);
	if (resp)
		criu_resp__free_unpacked(resp, NULL);
	return r;
}

static int
dump_check(const ckpt_opts *o, enum opts_op op, ckpt_error **err)
{
	int r;

	if (o->pid <= 0)
		return ckpt_err_input(err, EINVAL, "no pid given");
	if ((r = check_dump_pid(o->pid, err)) < 0)
		return r;
	if (o->flags[CKPT_FLAG_LAZY_PAGES] && !o->has_ps)
		return ckpt_err_input(err, EINVAL, "lazy pages need a page server port");
	if (o->images_dir_fd < 0 && (r = check_dir_path(o->images_dir, "images directory", err)) < 0)
		return r;
	if (o->work_dir && (r = check_dir_path(o->work_dir, "work directory", err)) < 0)
		return r;
	return 0;
}

/* The result of a committed dump: the pid, where the images are, their size. */
static int
dump_result(const ckpt_opts *o, struct session *ss, const struct dump_dirs *d, ckpt_result **ret, ckpt_error **err)
{
	ckpt_result *res = NULL;
	int r = session_result(ss, &res);

	if (r < 0)
		return ckpt_err_set(err, -r, "out of memory");
	res->pid = o->pid;
	if (d->target) {
		res->images_dir = strdup(d->target);
		res->image_bytes = dir_bytes(d->target);
	}
	if (ret)
		*ret = res;
	else
		ckpt_result_free(res);
	return 0;
}

/* criu's part: version and feature gates, the directories, the request. */
static int
dump_run(const ckpt_opts *o, enum opts_op op, struct session *ss, struct dump_dirs *d, ckpt_error **err)
{
	int r;

	if ((r = session_open(ss, o, true, err)) < 0)
		return r;
	/* before dump_prepare: a refused dump creates nothing, not even --no-staging's image path */
	if ((r = dump_gate(ss, o, op, err)) < 0) {
		ss->ckpt_refused = r == -EOPNOTSUPP; /* not criu's failure: ckpt said no */
		return r;
	}
	if ((r = dump_prepare(o, op, d, err)) < 0) {
		ss->ckpt_refused = true; /* ckpt's own failure: criu only waited, its output says nothing */
		return r;
	}
	ss->log_path = d->log_path ? strdup(d->log_path) : NULL;
	return dump_send(ss, o, op, d, err);
}

static int
do_dump(const ckpt_opts *o, enum opts_op op, ckpt_result **ret, ckpt_error **err)
{
	struct dump_dirs d = { .images_fd = -1, .work_fd = -1 };
	struct session ss = { .swrk = SWRK_INIT };
	struct manifest mf = { 0 };
	int r;

	assert_return(o, -EINVAL);
	if ((r = dump_check(o, op, err)) < 0)
		goto out;
	manifest_begin(&mf, o->pid); /* the tree as it is before criu touches it */
	if ((r = dump_run(o, op, &ss, &d, err)) < 0)
		goto out;
	d.criu_done = true;
	session_finish(&ss, NULL);
	(void)manifest_commit(&mf, o, op, &ss, d.images_fd); /* best effort: the images are good */
	if ((r = dump_commit(&d, err)) < 0)
		goto out;
	r = dump_result(o, &ss, &d, ret, err);
out:
	if (r < 0) {
		session_finish(&ss, err);
		dump_abort(&d, err);
		ckpt_err_prefix(err, r, "%s pid %d", op == OPTS_OP_PRE_DUMP ? "pre-dump" : "checkpoint", o->pid);
	}
	session_close(&ss);
	dump_dirs_free(&d);
	manifest_free(&mf);
	return r;
}

CKPT_PUBLIC int
ckpt_tree_dump(const ckpt_opts *o, ckpt_result **ret_result, ckpt_error **err)
{
	return do_dump(o, OPTS_OP_DUMP, ret_result, err);
}

CKPT_PUBLIC int
ckpt_tree_pre_dump(const ckpt_opts *o, ckpt_result **ret_result, ckpt_error **err)
{
	return do_dump(o, OPTS_OP_PRE_DUMP, ret_result, err);
}
