/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container turned into criu options, the way runc does it so that the
 * images of one can be restored by the other:
 *  - criu's root is the container's rootfs (restore: a bind mount of it);
 *  - each bind mount of config.json is external, named by its destination
 *    (resolved inside the rootfs), mapped back to its source on restore;
 *  - masked files (bind mounts of /dev/null) are external "/dev/null";
 *  - the cgroup-v1 bind mounts are external, named by their mountpoint;
 *  - net and pid namespaces given by path are external (extRootNetNS,
 *    extRootPidNS), the other ones given by path are joined on restore;
 *  - the stdio pipes recorded in descriptors.json are inherited from the
 *    caller's fds on restore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "oci.h"
#include "util.h"

static int
oom(ckpt_error **err)
{
	return ckpt_err_set(err, ENOMEM, "out of memory");
}

static int
add_ext_mount(ckpt_opts *o, const char *key, const char *val, ckpt_error **err)
{
	for (size_t i = 0; i < o->n_ext_mnt; i++)
		if (strcmp(o->ext_mnt[i].key, key) == 0)
			return 0; /* the first mapping of a name wins, as in criu */
	if (ckpt_opts_add_ext_mount(o, key, val) < 0)
		return oom(err);
	return 0;
}

/* The destination of a mount as the container sees it. */
static int
mount_dest(const char *rootfs, const struct oci_mount *m, char **ret, ckpt_error **err)
{
	return oci_resolve_in_root(rootfs, m->destination, ret, err);
}

static int
dump_mounts(const struct oci_dump_plan *p, ckpt_opts *o, ckpt_error **err)
{
	const struct oci_config *cfg = p->cfg;
	int r;

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		_cleanup_free_ char *dest = NULL;

		if (!oci_mount_is_bind(&cfg->mounts[i]))
			continue;
		if ((r = mount_dest(p->st->rootfs, &cfg->mounts[i], &dest, err)) < 0 ||
		    (r = add_ext_mount(o, dest, dest, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_cgmounts; i++)
		if ((r = add_ext_mount(o, p->cgmounts[i].key, p->cgmounts[i].key, err)) < 0)
			return r;
	for (size_t i = 0; i < cfg->n_devices; i++)
		if ((r = add_ext_mount(o, cfg->devices[i], cfg->devices[i], err)) < 0)
			return r;
	return 0;
}

/* Masked files are /dev/null bound over them; masked directories are tmpfs criu dumps. */
static int
dump_masked(const struct oci_dump_plan *p, ckpt_opts *o, ckpt_error **err)
{
	char path[8192];
	struct stat st;
	int r;

	for (size_t i = 0; i < p->cfg->n_masked; i++) {
		const char *m = p->cfg->masked[i];

		if (m[0] != '/' || strstr(m, "/../") ||
		    snprintf(path, sizeof(path), "%s/%d/root%s", p->proc, (int)p->st->pid, m) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if ((r = add_ext_mount(o, m, "/dev/null", err)) < 0)
			return r;
	}
	return 0;
}

static const char *
ext_ns_key(const char *type)
{
	if (strcmp(type, "network") == 0)
		return "extRootNetNS";
	if (strcmp(type, "pid") == 0)
		return "extRootPidNS";
	return NULL;
}

static int
dump_namespaces(const struct oci_dump_plan *p, ckpt_opts *o, ckpt_error **err)
{
	for (size_t i = 0; i < p->cfg->n_ns; i++) {
		const struct oci_ns *ns = &p->cfg->ns[i];
		const char *key = ext_ns_key(ns->type);
		char item[128];
		struct stat st;

		if (!ns->path || !key)
			continue;
		if (stat(ns->path, &st) < 0)
			return ckpt_err_sys(err, errno, "%s namespace `%s`", ns->type, ns->path);
		snprintf(item, sizeof(item), "%s[%llu]:%s", strcmp(ns->type, "pid") == 0 ? "pid" : "net",
			 (unsigned long long)st.st_ino, key);
		if (ckpt_opts_add_external(o, item) < 0)
			return oom(err);
	}
	return 0;
}

/* Does the init's network namespace have no interface but lo? */
static bool
netns_loopback_only(const char *proc, pid_t pid)
{
	char path[256], line[512];
	bool only_lo = true;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/net/dev", proc, (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (only_lo && fgets(line, sizeof(line), f)) {
		const char *name = line + strspn(line, " ");

		if (n++ < 2) /* the two header lines */
			continue;
		only_lo = strncmp(name, "lo:", 3) == 0;
	}
	fclose(f);
	return only_lo && n > 2;
}

/*
 * criu locks a dumped network namespace so that no packet reaches its TCP
 * connections meanwhile: iptables rules go in while the tasks are frozen and
 * out again at the end of the restore (here ~6 ms of the dump's frozen time
 * and ~40 ms of the restore). A namespace with no interface but lo can get
 * no packet from outside, and without --tcp-established it holds no
 * connection to keep: there is nothing to lock, and the dump asks criu to
 * skip the lock (criu >= 3.19; older criu still locks). An explicit
 * network-lock method is always used as given.
 */
static void
dump_netlock(const struct oci_dump_plan *p, ckpt_opts *o)
{
	if (o->netlock != CKPT_NETWORK_LOCK_DEFAULT || o->flags[CKPT_FLAG_TCP_ESTABLISHED] ||
	    !oci_config_ns(p->cfg, "network"))
		return;
	o->netlock_quiet = netns_loopback_only(p->proc, p->st->pid);
}

int
oci_dump_to_opts(const struct oci_dump_plan *p, ckpt_opts *o, ckpt_error **err)
{
	int r;

	if (ckpt_opts_set_pid(o, p->st->pid) < 0 || ckpt_opts_set_root(o, p->st->rootfs) < 0)
		return ckpt_err_set(err, EINVAL, "bad pid %d or rootfs `%s`", (int)p->st->pid, p->st->rootfs);
	if ((r = dump_mounts(p, o, err)) < 0 || (r = dump_masked(p, o, err)) < 0 ||
	    (r = dump_namespaces(p, o, err)) < 0)
		return r;
	if (p->freezer && ckpt_opts_set_freeze_cgroup(o, p->freezer) < 0)
		return oom(err);
	if (p->cfg->terminal)
		ckpt_opts_set_flag(o, CKPT_FLAG_ORPHAN_PTS_MASTER, 1);
	dump_netlock(p, o);
	return 0;
}

/* A relative bind source is relative to the bundle. */
static int
mount_source(const char *bundle, const struct oci_mount *m, char **ret, ckpt_error **err)
{
	if (!m->source || !*m->source)
		return ckpt_err_set(err, EINVAL, "bind mount `%s` has no source", m->destination);
	if (m->source[0] == '/')
		*ret = strdup(m->source);
	else if (asprintf(ret, "%s/%s", bundle, m->source) < 0)
		*ret = NULL;
	return *ret ? 0 : oom(err);
}

static int
restore_mounts(const struct oci_restore_plan *p, ckpt_opts *o, ckpt_error **err)
{
	const struct oci_config *cfg = p->cfg;
	int r;

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		_cleanup_free_ char *dest = NULL, *src = NULL;

		if (!oci_mount_is_bind(&cfg->mounts[i]))
			continue;
		if ((r = mount_dest(p->rootfs, &cfg->mounts[i], &dest, err)) < 0 ||
		    (r = mount_source(p->bundle, &cfg->mounts[i], &src, err)) < 0 ||
		    (r = add_ext_mount(o, dest, src, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->n_devices; i++)
		if ((r = add_ext_mount(o, cfg->devices[i], cfg->devices[i], err)) < 0)
			return r;
	if (cfg->n_masked > 0 && (r = add_ext_mount(o, "/dev/null", "/dev/null", err)) < 0)
		return r;
	return 0;
}

static int
restore_cgroup_mounts(const struct oci_restore_plan *p, ckpt_opts *o, ckpt_error **err)
{
	int r;

	for (size_t i = 0; i < p->n_cgmounts; i++) {
		_cleanup_free_ char *dir = NULL;
		const char *path = p->cgroup ? p->cgroup : p->cgmounts[i].path;

		if ((r = oci_cgroup_host_dir(p->self_mountinfo, p->cgmounts[i].key, path, &dir, err)) < 0)
			return r;
		/*
		 * criu creates the cgroups of the image, but binds this one whatever
		 * the image says (ignore mode, a guessed path): make sure it exists.
		 * Not in strict mode: criu then refuses a cgroup that already exists,
		 * and creates them all itself before it mounts anything.
		 */
		if (o->cg_mode != CKPT_CG_STRICT && (r = oci_cgroup_prepare_dir(dir, err)) < 0)
			return r;
		if ((r = add_ext_mount(o, p->cgmounts[i].key, dir, err)) < 0)
			return r;
	}
	return 0;
}

static int
restore_stdio(const struct oci_restore_plan *p, ckpt_opts *o, ckpt_error **err)
{
	for (int i = 0; i < 3; i++) {
		const char *d = p->descriptors ? p->descriptors[i] : NULL;
		int r;

		if (!d || strncmp(d, "pipe:", 5) != 0)
			continue; /* criu reopens files by path */
		if ((r = ckpt_opts_add_inherit_fd(o, d, p->stdio[i])) < 0)
			return r == -EBADF
				       ? ckpt_err_set(err, EBADF, "stdio fd %d (for `%s`) is not open", p->stdio[i], d)
				       : oom(err);
	}
	return 0;
}

static int
restore_ext_ns(const struct oci_restore_plan *p, const struct oci_ns *ns, int slot, ckpt_opts *o, ckpt_error **err)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ckpt_err_sys(err, errno, "open %s namespace `%s`", ns->type, ns->path);
	p->ns_fds[slot] = fd;
	if (ckpt_opts_add_inherit_fd(o, ext_ns_key(ns->type), fd) < 0)
		return oom(err);
	return 0;
}

static int
restore_namespaces(const struct oci_restore_plan *p, ckpt_opts *o, ckpt_error **err)
{
	static const struct {
		const char *oci, *criu;
	} joinable[] = {
		{ "ipc", "ipc" },
		{ "uts", "uts" },
		{ "user", "user" },
		{ "time", "time" },
	};
	int r;

	for (size_t i = 0; i < p->cfg->n_ns; i++) {
		const struct oci_ns *ns = &p->cfg->ns[i];
		bool done = false;

		if (!ns->path)
			continue;
		if (ext_ns_key(ns->type)) {
			if ((r = restore_ext_ns(p, ns, strcmp(ns->type, "pid") == 0, o, err)) < 0)
				return r;
			continue;
		}
		for (size_t j = 0; j < ARRAY_SIZE(joinable) && !done; j++) {
			if (strcmp(ns->type, joinable[j].oci) != 0)
				continue;
			if (ckpt_opts_add_join_ns(o, joinable[j].criu, ns->path) < 0)
				return oom(err);
			done = true;
		}
		if (!done)
			return ckpt_err_set(err, EOPNOTSUPP, "criu cannot restore into an existing %s namespace (`%s`)",
					    ns->type, ns->path);
	}
	return 0;
}

int
oci_restore_to_opts(const struct oci_restore_plan *p, ckpt_opts *o, ckpt_error **err)
{
	int r;

	if (ckpt_opts_set_root(o, p->criu_root) < 0)
		return ckpt_err_set(err, EINVAL, "bad restore root `%s`", p->criu_root);
	if ((r = restore_mounts(p, o, err)) < 0 || (r = restore_cgroup_mounts(p, o, err)) < 0 ||
	    (r = restore_stdio(p, o, err)) < 0 || (r = restore_namespaces(p, o, err)) < 0)
		return r;
	if (p->cfg->terminal)
		ckpt_opts_set_flag(o, CKPT_FLAG_ORPHAN_PTS_MASTER, 1);
	if (p->cgroup && ckpt_opts_add_cgroup_root(o, NULL, p->cgroup) < 0)
		return oom(err);
	return 0;
}
