/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container options, finding a container by id, and what it says about itself.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"
#include "error.h"

static const enum ckpt_runtime all_runtimes[] = { CKPT_RUNTIME_RUNC, CKPT_RUNTIME_CRUN, CKPT_RUNTIME_YOUKI };

CKPT_PUBLIC int
ckpt_container_opts_new(ckpt_container_opts **ret)
{
	ckpt_container_opts *co;

	assert_return(ret, -EINVAL);
	if (!(co = calloc(1, sizeof(*co))))
		return -ENOMEM;
	for (int i = 0; i < 3; i++)
		co->stdio[i] = i;
	*ret = co;
	return 0;
}

CKPT_PUBLIC void
ckpt_container_opts_free(ckpt_container_opts *co)
{
	if (!co)
		return;
	free(co->root);
	free(co->runtime_path);
	free(co->bundle);
	free(co->console_socket);
	free(co->cgroup);
	free(co->proc);
	for (int i = 0; i < 3; i++)
		free(co->default_roots[i]);
	free(co);
}

static int
set_str(char **field, const char *v)
{
	char *c = NULL;

	if (v && !(c = strdup(v)))
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

CKPT_PUBLIC int
ckpt_container_opts_set_runtime(ckpt_container_opts *co, enum ckpt_runtime rt)
{
	assert_return(co && rt >= CKPT_RUNTIME_ANY && rt <= CKPT_RUNTIME_YOUKI, -EINVAL);
	co->runtime = rt;
	return 0;
}

CKPT_PUBLIC int
ckpt_container_opts_set_state_root(ckpt_container_opts *co, const char *dir)
{
	assert_return(co && (!dir || *dir), -EINVAL);
	return set_str(&co->root, dir);
}

CKPT_PUBLIC int
ckpt_container_opts_set_runtime_path(ckpt_container_opts *co, const char *path)
{
	assert_return(co && (!path || *path), -EINVAL);
	return set_str(&co->runtime_path, path);
}

CKPT_PUBLIC int
ckpt_container_opts_set_bundle(ckpt_container_opts *co, const char *dir)
{
	assert_return(co && (!dir || *dir), -EINVAL);
	return set_str(&co->bundle, dir);
}

CKPT_PUBLIC int
ckpt_container_opts_set_console_socket(ckpt_container_opts *co, const char *path)
{
	assert_return(co && (!path || *path), -EINVAL);
	return set_str(&co->console_socket, path);
}

CKPT_PUBLIC int
ckpt_container_opts_set_stdio(ckpt_container_opts *co, int in, int out, int err_fd)
{
	assert_return(co && in >= 0 && out >= 0 && err_fd >= 0, -EINVAL);
	co->stdio[0] = in;
	co->stdio[1] = out;
	co->stdio[2] = err_fd;
	return 0;
}

CKPT_PUBLIC int
ckpt_container_opts_set_cgroup(ckpt_container_opts *co, const char *path)
{
	assert_return(co && (!path || *path == '/'), -EINVAL);
	assert_return(!path || !strstr(path, "/.."), -EINVAL);
	return set_str(&co->cgroup, path);
}

CKPT_PUBLIC int
ckpt_container_opts_set_flag(ckpt_container_opts *co, enum ckpt_container_flag flag, int on)
{
	assert_return(co && (unsigned)flag < _CKPT_CONTAINER_FLAG_MAX, -EINVAL);
	co->flags[flag] = !!on;
	return 0;
}

int
oci_copts_set_proc(ckpt_container_opts *co, const char *proc)
{
	return set_str(&co->proc, proc);
}

int
oci_copts_set_default_root(ckpt_container_opts *co, enum ckpt_runtime rt, const char *dir)
{
	assert_return(rt >= CKPT_RUNTIME_RUNC && rt <= CKPT_RUNTIME_YOUKI, -EINVAL);
	return set_str(&co->default_roots[rt - 1], dir);
}

const char *
oci_copts_proc(const ckpt_container_opts *co)
{
	return co && co->proc ? co->proc : "/proc";
}

const char *
oci_copts_root(const ckpt_container_opts *co, enum ckpt_runtime rt)
{
	if (co && co->root && co->runtime == rt)
		return co->root;
	if (co && rt >= CKPT_RUNTIME_RUNC && rt <= CKPT_RUNTIME_YOUKI && co->default_roots[rt - 1])
		return co->default_roots[rt - 1];
	return oci_runtime_default_root(rt);
}

CKPT_PUBLIC void
ckpt_container_free(ckpt_container *c)
{
	if (!c)
		return;
	oci_state_free(&c->st);
	oci_config_free(&c->cfg);
	free(c->root);
	free(c->config_path);
	free(c);
}

static bool
state_exists(enum ckpt_runtime rt, const char *root, const char *id)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", root, id, oci_runtime_state_file(rt));
	return lstat(path, &st) == 0;
}

/* Which runtime knows the id, when none was named. */
static int
guess_runtime(const ckpt_container_opts *co, const char *id, enum ckpt_runtime *ret, ckpt_error **err)
{
	char found[512] = "";
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(all_runtimes); i++) {
		const char *root = oci_copts_root(co, all_runtimes[i]);
		if (!state_exists(all_runtimes[i], root, id))
			continue;
		*ret = all_runtimes[i];
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s (%s/%s)", n ? " and " : "",
			 ckpt_runtime_name(all_runtimes[i]), root, id);
		n++;
	}
	if (n == 0)
		return ckpt_err_input(err, ENOENT, "no container `%s` in %s, %s or %s", id,
				      oci_copts_root(co, CKPT_RUNTIME_RUNC), oci_copts_root(co, CKPT_RUNTIME_CRUN),
				      oci_copts_root(co, CKPT_RUNTIME_YOUKI));
	if (n > 1)
		return ckpt_err_input(err, ENOTUNIQ, "container id `%s` is ambiguous: known to %s; name the runtime",
				      id, found);
	return 0;
}

/* crun keeps the config it started the container with in its state dir. */
static int
load_config(ckpt_container *c, ckpt_error **err)
{
	char *p = NULL;
	struct stat st;

	if (c->st.runtime == CKPT_RUNTIME_CRUN && asprintf(&p, "%s/config.json", c->st.state_dir) >= 0 &&
	    lstat(p, &st) < 0) {
		free(p);
		p = NULL;
	}
	if (!p && asprintf(&p, "%s/config.json", c->st.bundle) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	c->config_path = p;
	return oci_config_load(p, &c->cfg, err);
}

/* youki records no rootfs: it is config.json's root.path, relative to the
 * bundle. */
static int
complete_rootfs(ckpt_container *c, ckpt_error **err)
{
	if (c->st.rootfs)
		return 0;
	if (c->cfg.root_path[0] == '/')
		c->st.rootfs = strdup(c->cfg.root_path);
	else if (asprintf(&c->st.rootfs, "%s/%s", c->st.bundle, c->cfg.root_path) < 0)
		c->st.rootfs = NULL;
	return c->st.rootfs ? 0 : ckpt_err_set(err, ENOMEM, "out of memory");
}

static int
find_container(const ckpt_container_opts *co, const char *id, ckpt_container *c, ckpt_error **err)
{
	enum ckpt_runtime rt = co ? co->runtime : CKPT_RUNTIME_ANY;
	const char *proc = oci_copts_proc(co);
	int r;

	if ((r = ckpt_container_id_check(id, err)) < 0)
		return r;
	if (rt == CKPT_RUNTIME_ANY && co && co->root)
		return ckpt_err_input(err, EINVAL, "a state root (`%s`) needs a runtime", co->root);
	if (rt == CKPT_RUNTIME_ANY && (r = guess_runtime(co, id, &rt, err)) < 0)
		return r;
	if (!(c->root = strdup(oci_copts_root(co, rt))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (!state_exists(rt, c->root, id))
		return ckpt_err_input(err, ENOENT, "no %s container `%s` in `%s`", ckpt_runtime_name(rt), id, c->root);
	if ((r = oci_state_load(rt, c->root, id, &c->st, err)) < 0 || (r = load_config(c, err)) < 0 ||
	    (r = complete_rootfs(c, err)) < 0 || (r = oci_state_check_pid(&c->st, proc, err)) < 0)
		return r;
	if (!c->st.cgroup_path)
		(void)oci_cgroup_of_pid(proc, c->st.pid, &c->st.cgroup_path, NULL);
	return 0;
}

CKPT_PUBLIC int
ckpt_container_find(const ckpt_container_opts *co, const char *id, ckpt_container **ret, ckpt_error **err)
{
	ckpt_container *c;
	int r;

	assert_return(ret, -EINVAL);
	if (!(c = calloc(1, sizeof(*c))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if ((r = find_container(co, id, c, err)) < 0) {
		ckpt_container_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

CKPT_PUBLIC const char *
ckpt_container_get_id(const ckpt_container *c)
{
	return c ? c->st.id : NULL;
}

CKPT_PUBLIC enum ckpt_runtime
ckpt_container_get_runtime(const ckpt_container *c)
{
	return c ? c->st.runtime : CKPT_RUNTIME_ANY;
}

CKPT_PUBLIC pid_t
ckpt_container_get_pid(const ckpt_container *c)
{
	return c ? c->st.pid : 0;
}

CKPT_PUBLIC const char *
ckpt_container_get_bundle(const ckpt_container *c)
{
	return c ? c->st.bundle : NULL;
}

CKPT_PUBLIC const char *
ckpt_container_get_rootfs(const ckpt_container *c)
{
	return c ? c->st.rootfs : NULL;
}

CKPT_PUBLIC const char *
ckpt_container_get_cgroup(const ckpt_container *c)
{
	return c ? c->st.cgroup_path : NULL;
}

CKPT_PUBLIC const char *
ckpt_container_get_state_dir(const ckpt_container *c)
{
	return c ? c->st.state_dir : NULL;
}

CKPT_PUBLIC int
ckpt_container_get_terminal(const ckpt_container *c)
{
	return c && c->cfg.terminal;
}

CKPT_PUBLIC const char *
ckpt_container_get_descriptor(const ckpt_container *c, int fd)
{
	return c && fd >= 0 && fd < 3 ? c->st.descriptors[fd] : NULL;
}

CKPT_PUBLIC const char *
ckpt_container_get_annotation(const ckpt_container *c, const char *key)
{
	return c && key ? oci_config_annotation(&c->cfg, key) : NULL;
}
