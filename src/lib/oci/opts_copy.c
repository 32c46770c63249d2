/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A private copy of the caller's options: the container functions add the
 * container's root, mounts and namespaces to it and leave the caller's
 * const ckpt_opts untouched. The copy is made through the public setters,
 * so it never shares memory with the original.
 */
#include <string.h>

#include "error.h"
#include "oci.h"

static int
copy_strings(const ckpt_opts *s, ckpt_opts *d)
{
	int r = 0;

	if (s->criu_path && (r = ckpt_opts_set_criu_path(d, s->criu_path)) < 0)
		return r;
	if (s->images_dir && (r = ckpt_opts_set_images_dir(d, s->images_dir)) < 0)
		return r;
	if (s->work_dir && (r = ckpt_opts_set_work_dir(d, s->work_dir)) < 0)
		return r;
	if (s->log_file && (r = ckpt_opts_set_log_file(d, s->log_file)) < 0)
		return r;
	if (s->parent_path && (r = ckpt_opts_set_parent_path(d, s->parent_path)) < 0)
		return r;
	if (s->root && (r = ckpt_opts_set_root(d, s->root)) < 0)
		return r;
	if (s->freeze_cgroup && (r = ckpt_opts_set_freeze_cgroup(d, s->freeze_cgroup)) < 0)
		return r;
	if (s->lsm_profile && (r = ckpt_opts_set_lsm_profile(d, s->lsm_profile)) < 0)
		return r;
	if (s->lsm_mount_context && (r = ckpt_opts_set_lsm_mount_context(d, s->lsm_mount_context)) < 0)
		return r;
	return 0;
}

static int
copy_lists(const ckpt_opts *s, ckpt_opts *d)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->n_external; i++)
		r = ckpt_opts_add_external(d, s->external[i]);
	for (size_t i = 0; r == 0 && i < s->n_inherit; i++)
		r = ckpt_opts_add_inherit_fd(d, s->inherit[i].key, s->inherit[i].fd);
	for (size_t i = 0; r == 0 && i < s->n_join_ns; i++)
		r = ckpt_opts_add_join_ns(d, s->join_ns[i].key, s->join_ns[i].val);
	for (size_t i = 0; r == 0 && i < s->n_ext_mnt; i++)
		r = ckpt_opts_add_ext_mount(d, s->ext_mnt[i].key, s->ext_mnt[i].val);
	for (size_t i = 0; r == 0 && i < s->n_cg_root; i++)
		r = ckpt_opts_add_cgroup_root(d, s->cg_root[i].key, s->cg_root[i].val);
	return r;
}

static int
copy_scalars(const ckpt_opts *s, ckpt_opts *d)
{
	int r = 0;

	for (int f = 0; f < _CKPT_FLAG_MAX; f++)
		ckpt_opts_set_flag(d, (enum ckpt_flag)f, s->flags[f]);
	if (s->images_dir_fd >= 0 && (r = ckpt_opts_set_images_dir_fd(d, s->images_dir_fd)) < 0)
		return r;
	if (s->pid > 0 && (r = ckpt_opts_set_pid(d, s->pid)) < 0)
		return r;
	if (s->has_ps && (r = ckpt_opts_set_page_server(d, s->ps_address, s->ps_port)) < 0)
		return r;
	if (s->status_fd >= 0 && (r = ckpt_opts_set_status_fd(d, s->status_fd)) < 0)
		return r;
	if ((r = ckpt_opts_set_log_level(d, s->log_level)) < 0 ||
	    (r = ckpt_opts_set_manage_cgroups_mode(d, s->cg_mode)) < 0 ||
	    (r = ckpt_opts_set_network_lock(d, s->netlock)) < 0 || (r = ckpt_opts_set_timeout(d, s->timeout_ms)) < 0 ||
	    (r = ckpt_opts_set_notify(d, s->notify, s->notify_data)) < 0 ||
	    (r = ckpt_opts_set_cancel_flag(d, s->cancel)) < 0)
		return r;
	if (s->empty_ns && (r = ckpt_opts_add_empty_ns(d, "network")) < 0)
		return r;
	if (s->source.kind && (r = ckpt_opts_set_manifest_source(d, s->source.kind, s->source.id, s->source.runtime,
								 s->source.bundle)) < 0)
		return r;
	return 0;
}

int
oci_opts_copy(const ckpt_opts *s, ckpt_opts **ret, ckpt_error **err)
{
	ckpt_opts *d = NULL;
	int r;

	if ((r = ckpt_opts_new(&d)) < 0)
		return ckpt_err_set(err, -r, "out of memory");
	if (s && ((r = copy_strings(s, d)) < 0 || (r = copy_lists(s, d)) < 0 || (r = copy_scalars(s, d)) < 0)) {
		ckpt_opts_free(d);
		return ckpt_err_set(err, -r, "cannot copy the options: %s", strerror(-r));
	}
	*ret = d;
	return 0;
}
