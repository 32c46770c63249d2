/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restore of a container: read the bundle and the notes beside the images,
 * bind-mount the rootfs where criu can use it as root (criu needs a mount
 * point), recreate missing mountpoints, describe the container to criu,
 * restore, and write the runtime's state back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "container.h"
#include "error.h"
#include "util.h"

struct restore_ctx {
	const ckpt_container_opts *co;
	const char *id;
	ckpt_opts *o;
	enum ckpt_runtime rt; /* runtime to register with, ANY: none */
	char *bundle;
	char *rootfs;
	char *config_path;
	struct oci_config cfg;
	struct oci_manifest man;
	bool has_man;
	char *desc[3];
	struct oci_cgmount *cgm; /* when the images carry no manifest */
	size_t n_cgm;
	char *criu_root;
	bool mounted;
	int ns_fds[2];
	/* notify callbacks: the console socket, cgroups in ignore mode */
	ckpt_notify_fn user_notify;
	void *user_data;
	ckpt_error *notify_err; /* why a callback of ours made criu abort */
	bool cg_entered;
};

static void
restore_ctx_free(struct restore_ctx *x)
{
	if (x->mounted)
		umount2(x->criu_root, MNT_DETACH);
	if (x->criu_root)
		rmdir(x->criu_root);
	for (int i = 0; i < 2; i++)
		if (x->ns_fds[i] >= 0)
			close(x->ns_fds[i]);
	ckpt_opts_free(x->o);
	free(x->bundle);
	free(x->rootfs);
	free(x->config_path);
	free(x->criu_root);
	oci_config_free(&x->cfg);
	oci_manifest_free(&x->man);
	oci_descriptors_free(x->desc);
	oci_cgmounts_free(x->cgm, x->n_cgm);
	ckpt_error_free(x->notify_err);
}

/* Reads a small file of the images dir; -ENOENT when it is not there. */
static int
read_note(int dfd, const char *name, char **ret, ckpt_error **err)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[65536];
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : ckpt_err_sys(err, errno, "open `%s` in the images", name);
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ckpt_err_sys(err, errno, "read `%s`", name);
		len += (size_t)n;
	}
	if (len == sizeof(buf) - 1)
		return ckpt_err_set(err, EFBIG, "`%s` in the images is too large", name);
	buf[len] = '\0';
	return (*ret = strdup(buf)) ? 0 : ckpt_err_set(err, ENOMEM, "out of memory");
}

static int
read_notes(struct restore_ctx *x, const ckpt_opts *opts, ckpt_error **err)
{
	_cleanup_free_ char *desc = NULL, *man = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	if (opts->images_dir)
		dfd = open(opts->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (opts->images_dir_fd >= 0)
		dfd = fcntl(opts->images_dir_fd, F_DUPFD_CLOEXEC, 3);
	else
		return ckpt_err_set(err, EINVAL, "no images directory given");
	if (dfd < 0)
		return ckpt_err_sys(err, errno, "open images directory `%s`",
				    opts->images_dir ? opts->images_dir : "(fd)");
	if ((r = read_note(dfd, OCI_DESCRIPTORS, &desc, err)) < 0 && r != -ENOENT)
		return r;
	if (desc && (r = oci_descriptors_parse(desc, x->desc, err)) < 0)
		return r;
	if ((r = read_note(dfd, OCI_MANIFEST, &man, err)) < 0 && r != -ENOENT)
		return r;
	if (man) {
		if ((r = oci_manifest_parse(man, &x->man, err)) < 0)
			return r;
		x->has_man = true;
	}
	return 0;
}

static int
find_bundle(struct restore_ctx *x, ckpt_error **err)
{
	const char *b = x->co && x->co->bundle ? x->co->bundle : (x->has_man ? x->man.bundle : NULL);
	char *real;

	if (!b)
		return ckpt_err_set(err, EINVAL,
				    "no bundle given, and the images do not name one (they were not made by "
				    "a ckpt container checkpoint)");
	if (!(real = realpath(b, NULL)))
		return ckpt_err_sys(err, errno, "bundle `%s`", b);
	x->bundle = real;
	if (asprintf(&x->config_path, "%s/config.json", x->bundle) < 0) {
		x->config_path = NULL;
		return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	return oci_config_load(x->config_path, &x->cfg, err);
}

static int
find_rootfs(struct restore_ctx *x, ckpt_error **err)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;

	if (x->cfg.root_path[0] == '/')
		p = strdup(x->cfg.root_path);
	else if (asprintf(&p, "%s/%s", x->bundle, x->cfg.root_path) < 0)
		p = NULL;
	if (!p)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (!(x->rootfs = realpath(p, NULL)))
		return ckpt_err_sys(err, errno, "rootfs `%s`", p);
	if (stat(x->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return ckpt_err_set(err, ENOTDIR, "rootfs `%s` is not a directory", x->rootfs);
	return 0;
}

/* The runtime the restored container is registered with, and that the id is free there. */
static int
choose_runtime(struct restore_ctx *x, ckpt_error **err)
{
	const char *root;
	char path[8192];
	struct stat st;

	x->rt = x->co && x->co->runtime != CKPT_RUNTIME_ANY ? x->co->runtime
							    : (x->has_man ? x->man.runtime : CKPT_RUNTIME_ANY);
	if (x->rt == CKPT_RUNTIME_ANY)
		return 0;
	root = oci_copts_root(x->co, x->rt);
	snprintf(path, sizeof(path), "%s/%s", root, x->id);
	if (lstat(path, &st) == 0)
		return ckpt_err_set(err, EEXIST, "a %s container `%s` already exists (`%s`); delete it first",
				    ckpt_runtime_name(x->rt), x->id, path);
	return 0;
}

static const char *
cgroup_mount_dest(const struct oci_config *cfg)
{
	const struct oci_ns *cgns = oci_config_ns(cfg, "cgroup");

	if (cgns && !cgns->path)
		return NULL; /* its own cgroup namespace: real cgroupfs mounts */
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].type && strcmp(cfg->mounts[i].type, "cgroup") == 0)
			return cfg->mounts[i].destination;
	return NULL;
}

static int
guess_cgroup_mounts(struct restore_ctx *x, ckpt_error **err)
{
	_cleanup_free_ char *path = NULL;
	const char *dest = cgroup_mount_dest(&x->cfg);

	if (x->has_man || !dest)
		return 0;
	if (x->co && x->co->cgroup)
		path = strdup(x->co->cgroup);
	else if (x->cfg.cgroups_path && x->cfg.cgroups_path[0] == '/')
		path = strdup(x->cfg.cgroups_path);
	else if (asprintf(&path, "/%s", x->id) < 0)
		path = NULL;
	if (!path)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return oci_cgroup_guess_mounts("/proc/self/mountinfo", dest, path, &x->cgm, &x->n_cgm, err);
}

/* criu mounts the bind mounts on their mountpoints: they must exist in the rootfs. */
static int
make_mountpoint(struct restore_ctx *x, const struct oci_mount *m, ckpt_error **err)
{
	_cleanup_free_ char *dest = NULL, *full = NULL, *src = NULL;
	struct stat st;
	int r, fd;

	if ((r = oci_resolve_in_root(x->rootfs, m->destination, &dest, err)) < 0)
		return r;
	if (asprintf(&full, "%s%s", x->rootfs, dest) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (lstat(full, &st) == 0)
		return 0;
	if (m->source && m->source[0] != '/' && asprintf(&src, "%s/%s", x->bundle, m->source) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (m->source && stat(src ? src : m->source, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(full, '/');
		*slash = '\0';
		r = mkdir_p(full, 0755);
		*slash = '/';
		if (r < 0 || (fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
			return ckpt_err_sys(err, r < 0 ? -r : errno, "create mountpoint `%s`", full);
		close(fd);
		return 0;
	}
	if ((r = mkdir_p(full, 0755)) < 0)
		return ckpt_err_sys(err, -r, "create mountpoint `%s`", full);
	return 0;
}

/* criu needs its root to be a mount point whose parent is not overmounted. */
static int
mount_criu_root(struct restore_ctx *x, ckpt_error **err)
{
	int r;

	for (size_t i = 0; i < x->cfg.n_mounts; i++)
		if (oci_mount_is_bind(&x->cfg.mounts[i]) && (r = make_mountpoint(x, &x->cfg.mounts[i], err)) < 0)
			return r;
	if ((r = mkdir_p("/run", 0755)) < 0 || !(x->criu_root = strdup("/run/ckpt-root.XXXXXX")))
		return ckpt_err_set(err, r < 0 ? -r : ENOMEM, "cannot prepare a restore root under /run");
	if (!mkdtemp(x->criu_root)) {
		r = errno;
		free(x->criu_root);
		x->criu_root = NULL;
		return ckpt_err_sys(err, r, "create a restore root under /run");
	}
	if (mount(x->rootfs, x->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ckpt_err_sys(err, errno, "bind-mount rootfs `%s` on `%s`", x->rootfs, x->criu_root);
	x->mounted = true;
	return 0;
}

static int
send_fd(const char *path, int fd)
{
	_cleanup_close_ int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[] = "/dev/ptmx";
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (sk < 0)
		return -errno;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (connect(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sk, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * The container's cgroups where criu does not make them. In ignore mode
 * criu leaves the tree in its own cgroups: the root task goes into the
 * container's, as runc does, before it forks the others (criu sends
 * setup-namespaces with its pid once the namespaces exist and before the
 * tree is forked; post-restore only when there were no namespaces). In
 * props and none modes criu needs the cgroups to exist (pid 0: only made).
 */
static int
enter_cgroups(struct restore_ctx *x, pid_t pid, ckpt_error **err)
{
	_cleanup_free_ char *fallback = NULL;
	const char *path = x->co ? x->co->cgroup : NULL;

	x->cg_entered = pid > 0;
	if (x->has_man && x->man.cgroup_path)
		fallback = strdup(x->man.cgroup_path);
	else if (x->cfg.cgroups_path && x->cfg.cgroups_path[0] == '/')
		fallback = strdup(x->cfg.cgroups_path);
	else if (asprintf(&fallback, "/%s", x->id) < 0)
		fallback = NULL;
	if (!fallback)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return oci_cgroup_enter("/proc/self/mountinfo", x->has_man ? x->man.cgmounts : x->cgm,
				x->has_man ? x->man.n_cgmounts : x->n_cgm, path, fallback, pid, err);
}

/* criu hands the restored terminal's new pty master over with orphan-pts-master. */
static int
on_notify(const char *script, pid_t pid, int fd, void *data)
{
	struct restore_ctx *x = data;
	int r;

	if (strcmp(script, "orphan-pts-master") == 0 && fd >= 0 && x->co && x->co->console_socket) {
		if ((r = send_fd(x->co->console_socket, fd)) < 0)
			return ckpt_err_sys(&x->notify_err, -r, "send the pty master to console socket `%s`",
					    x->co->console_socket);
	}
	if (x->o->cg_mode == CKPT_CG_IGNORE && pid > 0 && !x->cg_entered &&
	    (strcmp(script, "setup-namespaces") == 0 || strcmp(script, "post-restore") == 0) &&
	    (r = enter_cgroups(x, pid, &x->notify_err)) < 0)
		return r;
	return x->user_notify ? x->user_notify(script, pid, fd, x->user_data) : 0;
}

/* A callback of ours that failed is why criu aborted: say so, with criu's log. */
static int
notify_failure(struct restore_ctx *x, int r, ckpt_error **err)
{
	int e;

	if (!x->notify_err)
		return r;
	e = x->notify_err->errno_ > 0 ? x->notify_err->errno_ : EIO;
	if (err) {
		if (*err)
			ckpt_err_set_log(&x->notify_err, (*err)->log_path, (*err)->log_excerpt);
		ckpt_error_free(*err);
		*err = TAKE_PTR(x->notify_err);
	}
	return -e;
}

static int
restore_prepare(struct restore_ctx *x, const ckpt_opts *opts, ckpt_error **err)
{
	static const int std_fds[3] = { 0, 1, 2 };
	struct oci_restore_plan p;
	int r;

	if ((r = oci_opts_copy(opts, &x->o, err)) < 0 || (r = read_notes(x, opts, err)) < 0 ||
	    (r = find_bundle(x, err)) < 0 || (r = find_rootfs(x, err)) < 0 || (r = choose_runtime(x, err)) < 0 ||
	    (r = guess_cgroup_mounts(x, err)) < 0)
		return r;
	if (x->cfg.terminal && !(x->co && x->co->console_socket))
		return ckpt_err_set(err, EINVAL,
				    "the container has a terminal: a console socket is needed to receive "
				    "its new pty master");
	if ((x->o->cg_mode == CKPT_CG_PROPS || x->o->cg_mode == CKPT_CG_NONE) && (r = enter_cgroups(x, 0, err)) < 0)
		return r;
	if ((r = mount_criu_root(x, err)) < 0)
		return r;
	p = (struct oci_restore_plan){
		.cfg = &x->cfg,
		.bundle = x->bundle,
		.rootfs = x->rootfs,
		.criu_root = x->criu_root,
		.descriptors = x->desc,
		.stdio = x->co ? x->co->stdio : std_fds,
		.cgmounts = x->has_man ? x->man.cgmounts : x->cgm,
		.n_cgmounts = x->has_man ? x->man.n_cgmounts : x->n_cgm,
		.cgroup = x->co ? x->co->cgroup : NULL,
		.self_mountinfo = "/proc/self/mountinfo",
		.ns_fds = x->ns_fds,
	};
	if ((r = oci_restore_to_opts(&p, x->o, err)) < 0)
		return r;
	x->user_notify = x->o->notify;
	x->user_data = x->o->notify_data;
	ckpt_opts_set_notify(x->o, on_notify, x);
	return 0;
}

static int
restore_register(struct restore_ctx *x, pid_t pid, ckpt_error **err)
{
	struct oci_register reg = {
		.id = x->id,
		.root = oci_copts_root(x->co, x->rt),
		.bundle = x->bundle,
		.config_path = x->config_path,
		.cfg = &x->cfg,
		.pid = pid,
		.proc = oci_copts_proc(x->co),
	};
	int r = 0;

	if (x->co && x->co->flags[CKPT_CONTAINER_NO_REGISTER])
		return 0;
	if (x->rt == CKPT_RUNTIME_CRUN)
		r = oci_register_crun(&reg, err);
	else if (x->rt == CKPT_RUNTIME_YOUKI)
		r = oci_register_youki(&reg, err);
	if (r < 0)
		return ckpt_err_prefix(err, r, "the container runs again (pid %d), but registering it with %s failed",
				       (int)pid, ckpt_runtime_name(x->rt));
	return 0;
}

CKPT_PUBLIC int
ckpt_container_restore(const ckpt_opts *opts, const char *id, const ckpt_container_opts *co, ckpt_result **ret,
		       ckpt_error **err)
{
	struct restore_ctx x = { .co = co, .id = id, .ns_fds = { -1, -1 } };
	ckpt_result *res = NULL;
	int r;

	assert_return(opts, -EINVAL);
	if ((r = ckpt_container_id_check(id, err)) < 0)
		return ckpt_err_prefix(err, r, "restore container");
	if ((r = restore_prepare(&x, opts, err)) < 0)
		goto out;
	r = notify_failure(&x, ckpt_tree_restore(x.o, &res, err), err);
	if (r < 0)
		goto out;
	/* unmount before registering: the restored tree has its own copy of the mounts */
	umount2(x.criu_root, MNT_DETACH);
	x.mounted = false;
	if ((r = restore_register(&x, ckpt_result_pid(res), err)) < 0)
		goto out;
	if (ret)
		*ret = TAKE_PTR(res);
out:
	if (r < 0)
		ckpt_err_prefix(err, r, "restore container `%s`", id);
	ckpt_result_free(res);
	restore_ctx_free(&x);
	return r;
}
