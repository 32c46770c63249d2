/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's cgroups as criu needs them: the directory it freezes the
 * tasks with, and the cgroup-v1 hierarchies the runtime bind-mounted into
 * the container (without a cgroup namespace each /sys/fs/cgroup/<ctrl> in
 * the container is a bind mount of the container's own cgroup directory,
 * which criu cannot dump unless it is declared external).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "error.h"
#include "oci.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
oci_freezer_path(const struct oci_state *st, char **ret, ckpt_error **err)
{
	const char *sep;
	struct statfs sfs;
	char *p = NULL;
	int r;

	*ret = NULL;
	if (st->freezer) {
		if (!(*ret = strdup(st->freezer)))
			return ckpt_err_set(err, ENOMEM, "out of memory");
		return 0;
	}
	if (!st->cgroup_path)
		return 0;
	sep = st->cgroup_path[0] == '/' ? "" : "/";
	if (statfs(CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		r = asprintf(&p, "%s%s%s", CGROUP_ROOT, sep, st->cgroup_path);
	else
		r = asprintf(&p, "%s/freezer%s%s", CGROUP_ROOT, sep, st->cgroup_path);
	if (r < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (!is_dir(p)) {
		free(p);
		return 0; /* criu then freezes with ptrace */
	}
	*ret = p;
	return 0;
}

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

struct mnt_line {
	char *root;
	char *mountpoint;
	char *fstype;
};

/* Splits one mountinfo line in place; returns false when malformed. */
static bool
parse_mountinfo_line(char *line, struct mnt_line *m)
{
	char *f[6], *save = NULL, *tok, *sep = strstr(line, " - ");
	int i = 0;

	if (!sep)
		return false;
	*sep = '\0';
	for (tok = strtok_r(line, " ", &save); tok && i < 6; tok = strtok_r(NULL, " ", &save))
		f[i++] = tok;
	if (i < 5)
		return false;
	m->root = f[3];
	m->mountpoint = f[4];
	m->fstype = strtok_r(sep + 3, " ", &save);
	if (!m->fstype)
		return false;
	unescape(m->root);
	unescape(m->mountpoint);
	return true;
}

static bool
is_cgroup_fs(const char *fstype)
{
	return strcmp(fstype, "cgroup") == 0 || strcmp(fstype, "cgroup2") == 0;
}

/* Is path dest itself or below it? */
static bool
path_under(const char *path, const char *dest)
{
	size_t n = strlen(dest);

	while (n > 1 && dest[n - 1] == '/')
		n--;
	return strncmp(path, dest, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
under_cgroup_mount(const char *mp, const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];
		if (m->type && strcmp(m->type, "cgroup") == 0 && path_under(mp, m->destination))
			return true;
	}
	return false;
}

static int
add_cgmount(struct oci_cgmount **v, size_t *n, const char *key, const char *path)
{
	struct oci_cgmount *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].key = strdup(key);
	nv[*n].path = strdup(path);
	if (!nv[*n].key || !nv[*n].path) {
		free(nv[*n].key);
		free(nv[*n].path);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int
oci_cgroup_mounts_of_pid(const char *proc, pid_t pid, const struct oci_config *cfg, struct oci_cgmount **ret,
			 size_t *ret_n, ckpt_error **err)
{
	_cleanup_free_ char *path = NULL, *line = NULL;
	struct oci_cgmount *v = NULL;
	size_t n = 0, cap = 0;
	FILE *f;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (asprintf(&path, "%s/%d/mountinfo", proc, (int)pid) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (!(f = fopen(path, "re")))
		return ckpt_err_sys(err, errno, "open `%s`", path);
	while (r == 0 && getline(&line, &cap, f) > 0) {
		struct mnt_line m;

		line[strcspn(line, "\n")] = '\0';
		if (!parse_mountinfo_line(line, &m) || !is_cgroup_fs(m.fstype))
			continue;
		/* a bind of a sub-directory of a hierarchy; "/" is a real mount criu handles */
		if (strcmp(m.root, "/") == 0 || !under_cgroup_mount(m.mountpoint, cfg))
			continue;
		r = add_cgmount(&v, &n, m.mountpoint, m.root);
	}
	fclose(f);
	if (r < 0) {
		oci_cgmounts_free(v, n);
		return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int
oci_cgroup_host_dir(const char *self_mountinfo, const char *key, const char *path, char **ret, ckpt_error **err)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int r = -ENOENT;

	if (!(f = fopen(self_mountinfo, "re")))
		return ckpt_err_sys(err, errno, "open `%s`", self_mountinfo);
	while (r == -ENOENT && getline(&line, &cap, f) > 0) {
		struct mnt_line m;

		line[strcspn(line, "\n")] = '\0';
		if (!parse_mountinfo_line(line, &m) || !is_cgroup_fs(m.fstype) || strcmp(m.root, "/") != 0)
			continue;
		if (strcmp(base_name(m.mountpoint), base_name(key)) != 0)
			continue;
		r = asprintf(ret, "%s%s%s", m.mountpoint, path[0] == '/' ? "" : "/", path) < 0 ? -ENOMEM : 0;
	}
	fclose(f);
	if (r == -ENOENT)
		return ckpt_err_set(err, ENOENT,
				    "no cgroup hierarchy `%s` is mounted on this host (needed for `%s` in "
				    "the container)",
				    base_name(key), key);
	if (r < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return 0;
}

int
oci_cgroup_of_pid(const char *proc, pid_t pid, char **ret, ckpt_error **err)
{
	_cleanup_free_ char *path = NULL, *line = NULL, *unified = NULL, *freezer = NULL, *first = NULL;
	size_t cap = 0;
	FILE *f;

	if (asprintf(&path, "%s/%d/cgroup", proc, (int)pid) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (!(f = fopen(path, "re")))
		return ckpt_err_sys(err, errno, "open `%s`", path);
	while (getline(&line, &cap, f) > 0) {
		char *ctrl = strchr(line, ':'), *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!cg)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		ctrl++;
		if (!*ctrl && !unified)
			unified = strdup(cg);
		else if (strcmp(ctrl, "freezer") == 0 && !freezer)
			freezer = strdup(cg);
		else if (*ctrl && !first)
			first = strdup(cg);
	}
	fclose(f);
	if (unified && strcmp(unified, "/") != 0)
		*ret = TAKE_PTR(unified);
	else if (freezer)
		*ret = TAKE_PTR(freezer);
	else if (first)
		*ret = TAKE_PTR(first);
	else
		*ret = TAKE_PTR(unified);
	if (!*ret)
		return ckpt_err_set(err, ENOENT, "no cgroup in `%s`", path);
	return 0;
}

int
oci_cgroup_guess_mounts(const char *self_mountinfo, const char *dest, const char *path, struct oci_cgmount **ret,
			size_t *ret_n, ckpt_error **err)
{
	_cleanup_free_ char *line = NULL;
	struct oci_cgmount *v = NULL;
	size_t n = 0, cap = 0;
	FILE *f;
	int r = 0;

	if (!(f = fopen(self_mountinfo, "re")))
		return ckpt_err_sys(err, errno, "open `%s`", self_mountinfo);
	while (r == 0 && getline(&line, &cap, f) > 0) {
		_cleanup_free_ char *key = NULL;
		struct mnt_line m;

		line[strcspn(line, "\n")] = '\0';
		if (!parse_mountinfo_line(line, &m) || strcmp(m.fstype, "cgroup") != 0 || strcmp(m.root, "/") != 0)
			continue;
		if (asprintf(&key, "%s/%s", dest, base_name(m.mountpoint)) < 0)
			r = -ENOMEM;
		else
			r = add_cgmount(&v, &n, key, path);
	}
	fclose(f);
	if (r < 0) {
		oci_cgmounts_free(v, n);
		return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* A new cpuset cgroup has no cpus and no mems; nothing can join it until they are set. */
static int
inherit_cpuset(const char *parent, const char *dir, const char *file)
{
	char src[8192], dst[8192], buf[4096];
	ssize_t n;
	int fd;

	snprintf(src, sizeof(src), "%s/%s", parent, file);
	snprintf(dst, sizeof(dst), "%s/%s", dir, file);
	if ((fd = open(dst, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n > 1)
		return 0; /* already set */
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	if ((fd = open(dst, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = write(fd, buf, (size_t)n);
	close(fd);
	return n < 0 ? -errno : 0;
}

int
oci_cgroup_prepare_dir(const char *dir, ckpt_error **err)
{
	_cleanup_free_ char *p = strdup(dir);
	int r;

	if (!p)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		char *parent_end;

		if (s)
			*s = '\0';
		if (mkdir(p, 0755) == 0 && (parent_end = strrchr(p, '/')) && parent_end != p) {
			*parent_end = '\0';
			_cleanup_free_ char *parent = strdup(p);
			*parent_end = '/';
			if (!parent)
				return ckpt_err_set(err, ENOMEM, "out of memory");
			if ((r = inherit_cpuset(parent, p, "cpuset.cpus")) < 0 ||
			    (r = inherit_cpuset(parent, p, "cpuset.mems")) < 0)
				return ckpt_err_sys(err, -r, "set up cpuset cgroup `%s`", p);
		} else if (errno != EEXIST) {
			return ckpt_err_sys(err, errno, "create cgroup `%s`", p);
		}
		if (!s)
			break;
		*s = '/';
	}
	return 0;
}

static int
enter_dir(const char *dir, pid_t pid, ckpt_error **err)
{
	_cleanup_free_ char *procs = NULL;
	_cleanup_close_ int fd = -1;
	char buf[32];
	int r, n;

	if ((r = oci_cgroup_prepare_dir(dir, err)) < 0 || pid <= 0)
		return r;
	if (asprintf(&procs, "%s/cgroup.procs", dir) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, buf, (size_t)n) != n)
		return ckpt_err_sys(err, errno, "move pid %d into cgroup `%s`", (int)pid, dir);
	return 0;
}

int
oci_cgroup_enter(const char *self_mountinfo, const struct oci_cgmount *cgm, size_t n, const char *path,
		 const char *fallback, pid_t pid, ckpt_error **err)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int r = 0;

	if (!(f = fopen(self_mountinfo, "re")))
		return ckpt_err_sys(err, errno, "open `%s`", self_mountinfo);
	while (r == 0 && getline(&line, &cap, f) > 0) {
		_cleanup_free_ char *dir = NULL;
		const char *p = path;
		struct mnt_line m;

		line[strcspn(line, "\n")] = '\0';
		if (!parse_mountinfo_line(line, &m) || !is_cgroup_fs(m.fstype) || strcmp(m.root, "/") != 0)
			continue;
		for (size_t i = 0; i < n && !p; i++)
			if (strcmp(base_name(cgm[i].key), base_name(m.mountpoint)) == 0)
				p = cgm[i].path;
		if (!p)
			p = fallback;
		if (!p)
			continue;
		if (asprintf(&dir, "%s%s%s", m.mountpoint, p[0] == '/' ? "" : "/", p) < 0) {
			dir = NULL;
			r = ckpt_err_set(err, ENOMEM, "out of memory");
		} else {
			r = enter_dir(dir, pid, err);
		}
	}
	fclose(f);
	return r;
}
