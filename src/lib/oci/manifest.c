/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ckpt-container.json, written beside the images at a container checkpoint:
 * which runtime ran the container, its id, bundle and rootfs, its cgroup and
 * the cgroup directory each cgroup-v1 mount inside it showed. A restore uses
 * it to find the bundle when none is given and to bind the same cgroup
 * directories back; images made by `runc checkpoint` lack it, and restore
 * then falls back on the container id.
 */
#include <string.h>
#include <yajl/yajl_gen.h>

#include "jsongen.h"
#include "error.h"
#include "oci.h"

#define MANIFEST_VERSION 1

int
oci_manifest_to_json(const struct oci_manifest *m, char **ret, ckpt_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (!g)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	jg_str(g, "version");
	yajl_gen_integer(g, MANIFEST_VERSION);
	jg_kv_opt(g, "runtime", ckpt_runtime_name(m->runtime));
	jg_kv_opt(g, "id", m->id);
	jg_kv_opt(g, "bundle", m->bundle);
	jg_kv_opt(g, "rootfs", m->rootfs);
	jg_kv_opt(g, "cgroup", m->cgroup_path);
	jg_str(g, "cgroup_mounts");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < m->n_cgmounts; i++)
		jg_kv_opt(g, m->cgmounts[i].key, m->cgmounts[i].path);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	if (jg_take(g, ret, NULL) < 0) {
		yajl_gen_free(g);
		return ckpt_err_set(err, ENOMEM, "cannot generate %s", OCI_MANIFEST);
	}
	yajl_gen_free(g);
	return 0;
}

static int
dup_opt(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

static int
parse_cgmounts(yajl_val v, struct oci_manifest *m, ckpt_error **err)
{
	size_t n;

	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return ckpt_err_set(err, EINVAL, "%s: \"cgroup_mounts\" is not an object", OCI_MANIFEST);
	n = v->u.object.len;
	if (n == 0)
		return 0;
	if (!(m->cgmounts = calloc(n, sizeof(*m->cgmounts))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *path = YAJL_GET_STRING(v->u.object.values[i]);
		const char *key = v->u.object.keys[i];

		if (!path || key[0] != '/')
			return ckpt_err_set(err, EINVAL, "%s: bad cgroup mount \"%s\"", OCI_MANIFEST, key);
		m->cgmounts[i].key = strdup(key);
		m->cgmounts[i].path = strdup(path);
		m->n_cgmounts++;
		if (!m->cgmounts[i].key || !m->cgmounts[i].path)
			return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int
parse_manifest(yajl_val v, struct oci_manifest *m, ckpt_error **err)
{
	yajl_val ver = oci_json_member(v, "version");
	const char *rt = oci_json_str(v, "runtime");

	if (!YAJL_IS_INTEGER(ver) || YAJL_GET_INTEGER(ver) != MANIFEST_VERSION)
		return ckpt_err_set(err, EINVAL, "%s: unknown \"version\" (this ckpt reads version %d)", OCI_MANIFEST,
				    MANIFEST_VERSION);
	if (!rt || ckpt_runtime_from_name(rt, &m->runtime) < 0)
		return ckpt_err_set(err, EINVAL, "%s: unknown \"runtime\"", OCI_MANIFEST);
	if (dup_opt(oci_json_str(v, "id"), &m->id) < 0 || dup_opt(oci_json_str(v, "bundle"), &m->bundle) < 0 ||
	    dup_opt(oci_json_str(v, "rootfs"), &m->rootfs) < 0 ||
	    dup_opt(oci_json_str(v, "cgroup"), &m->cgroup_path) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (m->bundle && m->bundle[0] != '/')
		return ckpt_err_set(err, EINVAL, "%s: \"bundle\" is not absolute", OCI_MANIFEST);
	return parse_cgmounts(oci_json_member(v, "cgroup_mounts"), m, err);
}

int
oci_manifest_parse(const char *text, struct oci_manifest *m, ckpt_error **err)
{
	yajl_val v = NULL;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = oci_json_parse(text, OCI_MANIFEST, &v, err)) < 0)
		return r;
	if (!YAJL_IS_OBJECT(v))
		r = ckpt_err_set(err, EINVAL, "%s is not a JSON object", OCI_MANIFEST);
	else
		r = parse_manifest(v, m, err);
	yajl_tree_free(v);
	if (r < 0)
		oci_manifest_free(m);
	return r;
}

void
oci_cgmounts_free(struct oci_cgmount *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].path);
	}
	free(v);
}

void
oci_manifest_free(struct oci_manifest *m)
{
	free(m->id);
	free(m->bundle);
	free(m->rootfs);
	free(m->cgroup_path);
	oci_cgmounts_free(m->cgmounts, m->n_cgmounts);
	memset(m, 0, sizeof(*m));
}
