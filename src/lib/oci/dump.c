/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint of a container: find it, describe it to criu, dump it, write
 * descriptors.json and ckpt-container.json beside the images, and (when
 * criu stopped it) let the runtime forget it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "error.h"

struct dump_ctx {
	ckpt_container *c;
	ckpt_opts *o;
	char *desc[3];
	struct oci_cgmount *cgm;
	size_t n_cgm;
	char *freezer;
};

static void
dump_ctx_free(struct dump_ctx *x)
{
	ckpt_container_free(x->c);
	ckpt_opts_free(x->o);
	oci_descriptors_free(x->desc);
	oci_cgmounts_free(x->cgm, x->n_cgm);
	free(x->freezer);
}

/* The stdio as the runtime recorded it at start, else as it is now. */
static int
dump_descriptors(struct dump_ctx *x, const char *proc, ckpt_error **err)
{
	const struct oci_state *st = &x->c->st;

	if (st->descriptors[0] || st->descriptors[1] || st->descriptors[2]) {
		for (int i = 0; i < 3; i++)
			if (st->descriptors[i] && !(x->desc[i] = strdup(st->descriptors[i])))
				return ckpt_err_set(err, ENOMEM, "out of memory");
		return 0;
	}
	return oci_descriptors_of_pid(proc, st->pid, x->desc, err);
}

static int
dump_prepare(struct dump_ctx *x, const ckpt_opts *opts, const ckpt_container_opts *co, ckpt_error **err)
{
	const char *proc = oci_copts_proc(co);
	const struct oci_ns *cgns;
	struct oci_dump_plan p = { 0 };
	int r;

	if ((r = oci_opts_copy(opts, &x->o, err)) < 0 || (r = dump_descriptors(x, proc, err)) < 0)
		return r;
	/* with its own cgroup namespace the container mounts cgroupfs itself */
	cgns = oci_config_ns(&x->c->cfg, "cgroup");
	if ((!cgns || cgns->path) &&
	    (r = oci_cgroup_mounts_of_pid(proc, x->c->st.pid, &x->c->cfg, &x->cgm, &x->n_cgm, err)) < 0)
		return r;
	if ((r = oci_freezer_path(&x->c->st, &x->freezer, err)) < 0)
		return r;
	p = (struct oci_dump_plan){ .st = &x->c->st,
				    .cfg = &x->c->cfg,
				    .cgmounts = x->cgm,
				    .n_cgmounts = x->n_cgm,
				    .freezer = x->freezer,
				    .proc = proc };
	if ((r = oci_dump_to_opts(&p, x->o, err)) < 0)
		return r;
	if (ckpt_opts_set_manifest_source(x->o, "container", x->c->st.id, ckpt_runtime_name(x->c->st.runtime),
					  x->c->st.bundle) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int
write_notes(struct dump_ctx *x, int dfd, ckpt_error **err)
{
	_cleanup_free_ char *desc = NULL, *man = NULL;
	struct oci_manifest m = {
		.runtime = x->c->st.runtime,
		.id = x->c->st.id,
		.bundle = x->c->st.bundle,
		.rootfs = x->c->st.rootfs,
		.cgroup_path = x->c->st.cgroup_path,
		.cgmounts = x->cgm,
		.n_cgmounts = x->n_cgm,
	};
	int r;

	if ((r = oci_descriptors_to_json(x->desc, &desc, err)) < 0 || (r = oci_manifest_to_json(&m, &man, err)) < 0)
		return r;
	if ((r = oci_write_file_at(dfd, OCI_DESCRIPTORS, desc, 0600, err)) < 0)
		return r;
	return oci_write_file_at(dfd, OCI_MANIFEST, man, 0600, err);
}

/* The images dir is final only after the dump (it may have been staged). */
static int
open_images(const ckpt_opts *o, const ckpt_result *res, int *ret, ckpt_error **err)
{
	const char *dir = res ? ckpt_result_images_dir(res) : NULL;

	if (!dir)
		dir = o->images_dir;
	if (dir)
		*ret = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		*ret = fcntl(o->images_dir_fd, F_DUPFD_CLOEXEC, 3);
	if (*ret < 0)
		return ckpt_err_sys(err, errno, "open images directory `%s`", dir ? dir : "(fd)");
	return 0;
}

/* The --root to give the runtime: none for its default root. */
static const char *
runtime_root(const ckpt_container *c)
{
	const char *def = oci_runtime_default_root(c->st.runtime);

	return def && strcmp(c->root, def) == 0 ? NULL : c->root;
}

static int
dump_after(struct dump_ctx *x, const ckpt_container_opts *co, const ckpt_result *res, ckpt_error **err)
{
	_cleanup_close_ int dfd = -1;
	int r;

	if ((r = open_images(x->o, res, &dfd, err)) < 0 || (r = write_notes(x, dfd, err)) < 0)
		return ckpt_err_prefix(err, r, "the images are written, but");
	if (ckpt_opts_get_flag(x->o, CKPT_FLAG_LEAVE_RUNNING) || (co && co->flags[CKPT_CONTAINER_KEEP_STATE]))
		return 0;
	r = oci_runtime_delete(x->c->st.runtime, co ? co->runtime_path : NULL, runtime_root(x->c), x->c->st.id, err);
	if (r < 0)
		return ckpt_err_prefix(err, r,
				       "the container is checkpointed and stopped, but its runtime state "
				       "remains");
	return 0;
}

CKPT_PUBLIC int
ckpt_container_dump(const ckpt_opts *opts, const char *id, const ckpt_container_opts *co, ckpt_result **ret,
		    ckpt_error **err)
{
	struct dump_ctx x = { 0 };
	ckpt_result *res = NULL;
	int r;

	assert_return(opts, -EINVAL);
	if ((r = ckpt_container_id_check(id, err)) < 0)
		return ckpt_err_prefix(err, r, "checkpoint container");
	if ((r = ckpt_container_find(co, id, &x.c, err)) < 0 || (r = dump_prepare(&x, opts, co, err)) < 0 ||
	    (r = ckpt_tree_dump(x.o, &res, err)) < 0 || (r = dump_after(&x, co, res, err)) < 0)
		goto out;
	if (ret)
		*ret = TAKE_PTR(res);
out:
	if (r < 0)
		ckpt_err_prefix(err, r, "checkpoint container `%s`", id);
	ckpt_result_free(res);
	dump_ctx_free(&x);
	return r;
}
