/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <string.h>

#include "error.h"
#include "opts.h"

CKPT_PUBLIC int
ckpt_opts_new(ckpt_opts **ret_opts)
{
	ckpt_opts *o;

	assert_return(ret_opts, -EINVAL);
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->images_dir_fd = -1;
	o->status_fd = -1;
	o->log_level = 4;
	o->flags[CKPT_FLAG_STAGING] = true;
	*ret_opts = o;
	return 0;
}

static void
kv_free(struct kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

CKPT_PUBLIC void
ckpt_opts_free(ckpt_opts *o)
{
	if (!o)
		return;
	free(o->criu_path);
	free(o->images_dir);
	free(o->work_dir);
	free(o->log_file);
	free(o->parent_path);
	free(o->ps_address);
	free(o->root);
	free(o->freeze_cgroup);
	free(o->lsm_profile);
	free(o->lsm_mount_context);
	for (size_t i = 0; i < o->n_external; i++)
		free(o->external[i]);
	free(o->external);
	for (size_t i = 0; i < o->n_inherit; i++)
		free(o->inherit[i].key);
	free(o->inherit);
	kv_free(o->join_ns, o->n_join_ns);
	kv_free(o->ext_mnt, o->n_ext_mnt);
	kv_free(o->cg_root, o->n_cg_root);
	opts_source_free(&o->source);
	free(o);
}

/* Replaces *field with a copy of value (NULL clears it). */
static int
set_str(char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int
kv_add(struct kv **v, size_t *n, const char *key, const char *val)
{
	struct kv *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].key = key ? strdup(key) : NULL;
	nv[*n].val = strdup(val);
	if ((key && !nv[*n].key) || !nv[*n].val) {
		free(nv[*n].key);
		free(nv[*n].val);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_criu_path(ckpt_opts *o, const char *path)
{
	assert_return(o && path && *path, -EINVAL);
	return set_str(&o->criu_path, path);
}

CKPT_PUBLIC int
ckpt_opts_set_images_dir(ckpt_opts *o, const char *path)
{
	assert_return(o && path && *path, -EINVAL);
	return set_str(&o->images_dir, path);
}

CKPT_PUBLIC int
ckpt_opts_set_images_dir_fd(ckpt_opts *o, int fd)
{
	assert_return(o && fd >= 0, -EINVAL);
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	o->images_dir_fd = fd;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_work_dir(ckpt_opts *o, const char *path)
{
	assert_return(o && (!path || *path), -EINVAL);
	return set_str(&o->work_dir, path);
}

CKPT_PUBLIC int
ckpt_opts_set_log_file(ckpt_opts *o, const char *name)
{
	assert_return(o && name && *name, -EINVAL);
	assert_return(!strchr(name, '/'), -EINVAL);
	return set_str(&o->log_file, name);
}

CKPT_PUBLIC int
ckpt_opts_set_log_level(ckpt_opts *o, int level)
{
	assert_return(o && level >= 0 && level <= 4, -EINVAL);
	o->log_level = level;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_pid(ckpt_opts *o, pid_t pid)
{
	assert_return(o && pid > 0, -EINVAL);
	o->pid = pid;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_flag(ckpt_opts *o, enum ckpt_flag flag, int on)
{
	assert_return(o && (unsigned)flag < _CKPT_FLAG_MAX, -EINVAL);
	o->flags[flag] = !!on;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_get_flag(const ckpt_opts *o, enum ckpt_flag flag)
{
	assert_return(o && (unsigned)flag < _CKPT_FLAG_MAX, -EINVAL);
	return o->flags[flag];
}

CKPT_PUBLIC int
ckpt_opts_set_parent_path(ckpt_opts *o, const char *rel)
{
	assert_return(o, -EINVAL);
	assert_return(!rel || (*rel && *rel != '/'), -EINVAL);
	return set_str(&o->parent_path, rel);
}

CKPT_PUBLIC int
ckpt_opts_set_page_server(ckpt_opts *o, const char *address, int port)
{
	assert_return(o && port >= 0 && port <= 65535, -EINVAL);
	if (set_str(&o->ps_address, address) < 0)
		return -ENOMEM;
	o->ps_port = port;
	o->has_ps = true;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_status_fd(ckpt_opts *o, int fd)
{
	assert_return(o, -EINVAL);
	if (fd >= 0 && fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	o->status_fd = fd < 0 ? -1 : fd;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_manage_cgroups_mode(ckpt_opts *o, enum ckpt_cg_mode mode)
{
	assert_return(o && mode >= CKPT_CG_DEFAULT && mode <= CKPT_CG_NONE, -EINVAL);
	o->cg_mode = mode;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_network_lock(ckpt_opts *o, enum ckpt_network_lock m)
{
	assert_return(o && m >= CKPT_NETWORK_LOCK_DEFAULT && m <= CKPT_NETWORK_LOCK_SKIP, -EINVAL);
	o->netlock = m;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_add_empty_ns(ckpt_opts *o, const char *ns)
{
	assert_return(o && ns, -EINVAL);
	if (strcmp(ns, "network") != 0 && strcmp(ns, "net") != 0)
		return -EOPNOTSUPP;
	o->empty_ns |= CLONE_NEWNET;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_root(ckpt_opts *o, const char *path)
{
	assert_return(o && (!path || *path == '/'), -EINVAL);
	return set_str(&o->root, path);
}

CKPT_PUBLIC int
ckpt_opts_add_external(ckpt_opts *o, const char *item)
{
	char **nv;

	assert_return(o && item && *item, -EINVAL);
	nv = realloc(o->external, (o->n_external + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	o->external = nv;
	if (!(nv[o->n_external] = strdup(item)))
		return -ENOMEM;
	o->n_external++;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_add_inherit_fd(ckpt_opts *o, const char *key, int fd)
{
	struct inherit *nv;

	assert_return(o && key && *key && fd >= 0, -EINVAL);
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	nv = realloc(o->inherit, (o->n_inherit + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	o->inherit = nv;
	if (!(nv[o->n_inherit].key = strdup(key)))
		return -ENOMEM;
	nv[o->n_inherit].fd = fd;
	o->n_inherit++;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_add_join_ns(ckpt_opts *o, const char *ns, const char *file)
{
	static const char *const ok[] = { "ipc", "net", "uts", "user", "time" };
	bool known = false;

	assert_return(o && ns && file && *file, -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		known = known || strcmp(ns, ok[i]) == 0;
	if (!known)
		return -EOPNOTSUPP;
	return kv_add(&o->join_ns, &o->n_join_ns, ns, file);
}

CKPT_PUBLIC int
ckpt_opts_add_ext_mount(ckpt_opts *o, const char *key, const char *val)
{
	assert_return(o && key && *key && val && *val, -EINVAL);
	return kv_add(&o->ext_mnt, &o->n_ext_mnt, key, val);
}

CKPT_PUBLIC int
ckpt_opts_add_cgroup_root(ckpt_opts *o, const char *ctrl, const char *path)
{
	assert_return(o && path && *path, -EINVAL);
	return kv_add(&o->cg_root, &o->n_cg_root, ctrl, path);
}

CKPT_PUBLIC int
ckpt_opts_set_freeze_cgroup(ckpt_opts *o, const char *path)
{
	assert_return(o, -EINVAL);
	return set_str(&o->freeze_cgroup, path);
}

CKPT_PUBLIC int
ckpt_opts_set_lsm_profile(ckpt_opts *o, const char *profile)
{
	assert_return(o, -EINVAL);
	if (profile && strncmp(profile, "apparmor:", 9) != 0 && strncmp(profile, "selinux:", 8) != 0)
		return -EINVAL;
	return set_str(&o->lsm_profile, profile);
}

CKPT_PUBLIC int
ckpt_opts_set_lsm_mount_context(ckpt_opts *o, const char *ctx)
{
	assert_return(o, -EINVAL);
	return set_str(&o->lsm_mount_context, ctx);
}

CKPT_PUBLIC int
ckpt_opts_set_timeout(ckpt_opts *o, unsigned int ms)
{
	assert_return(o, -EINVAL);
	o->timeout_ms = ms;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_notify(ckpt_opts *o, ckpt_notify_fn fn, void *userdata)
{
	assert_return(o, -EINVAL);
	o->notify = fn;
	o->notify_data = userdata;
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_set_cancel_flag(ckpt_opts *o, volatile int *flag)
{
	assert_return(o, -EINVAL);
	o->cancel = flag;
	return 0;
}
