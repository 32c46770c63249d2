/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of an OCI bundle's config.json that checkpoint/restore needs. */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "oci.h"

static int
dup_str(const char *s, char **ret, ckpt_error **err)
{
	*ret = NULL;
	if (s && !(*ret = strdup(s)))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int
parse_mount(yajl_val v, size_t i, struct oci_mount *m, ckpt_error **err)
{
	char what[64];
	const char *dest;
	int r;

	if (!YAJL_IS_OBJECT(v))
		return ckpt_err_set(err, EINVAL, "mounts[%zu] is not an object", i);
	dest = oci_json_str(v, "destination");
	if (!dest || dest[0] != '/')
		return ckpt_err_set(err, EINVAL, "mounts[%zu] has no absolute \"destination\"", i);
	snprintf(what, sizeof(what), "mounts[%zu].options", i);
	if ((r = dup_str(dest, &m->destination, err)) < 0 ||
	    (r = dup_str(oci_json_str(v, "source"), &m->source, err)) < 0 ||
	    (r = dup_str(oci_json_str(v, "type"), &m->type, err)) < 0)
		return r;
	return oci_json_strv(oci_json_member(v, "options"), what, &m->options, &m->n_options, err);
}

static int
parse_mounts(yajl_val v, struct oci_config *cfg, ckpt_error **err)
{
	int r;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return ckpt_err_set(err, EINVAL, "\"mounts\" is not an array");
	if (v->u.array.len == 0)
		return 0;
	if (!(cfg->mounts = calloc(v->u.array.len, sizeof(*cfg->mounts))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < v->u.array.len; i++) {
		cfg->n_mounts++;
		if ((r = parse_mount(v->u.array.values[i], i, &cfg->mounts[i], err)) < 0)
			return r;
	}
	return 0;
}

static int
parse_namespaces(yajl_val v, struct oci_config *cfg, ckpt_error **err)
{
	int r;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return ckpt_err_set(err, EINVAL, "\"linux.namespaces\" is not an array");
	if (v->u.array.len == 0)
		return 0;
	if (!(cfg->ns = calloc(v->u.array.len, sizeof(*cfg->ns))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val n = v->u.array.values[i];
		const char *type = oci_json_str(n, "type"), *path = oci_json_str(n, "path");

		if (!type || !*type)
			return ckpt_err_set(err, EINVAL, "linux.namespaces[%zu] has no \"type\"", i);
		cfg->n_ns++;
		if ((r = dup_str(type, &cfg->ns[i].type, err)) < 0 ||
		    (r = dup_str(path && *path ? path : NULL, &cfg->ns[i].path, err)) < 0)
			return r;
	}
	return 0;
}

static int
parse_devices(yajl_val v, struct oci_config *cfg, ckpt_error **err)
{
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return ckpt_err_set(err, EINVAL, "\"linux.devices\" is not an array");
	if (v->u.array.len == 0)
		return 0;
	if (!(cfg->devices = calloc(v->u.array.len, sizeof(char *))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < v->u.array.len; i++) {
		const char *p = oci_json_str(v->u.array.values[i], "path");
		if (!p || p[0] != '/')
			return ckpt_err_set(err, EINVAL, "linux.devices[%zu] has no absolute \"path\"", i);
		if (!(cfg->devices[cfg->n_devices++] = strdup(p)))
			return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int
parse_annotations(yajl_val v, struct oci_config *cfg, ckpt_error **err)
{
	size_t n;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return ckpt_err_set(err, EINVAL, "\"annotations\" is not an object");
	n = v->u.object.len;
	if (n == 0)
		return 0;
	if (!(cfg->annotations = calloc(n, sizeof(*cfg->annotations))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *val = YAJL_GET_STRING(v->u.object.values[i]);
		if (!val)
			return ckpt_err_set(err, EINVAL, "annotation \"%s\" is not a string", v->u.object.keys[i]);
		cfg->annotations[i].key = strdup(v->u.object.keys[i]);
		cfg->annotations[i].val = strdup(val);
		cfg->n_annotations++;
		if (!cfg->annotations[i].key || !cfg->annotations[i].val)
			return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int
parse_root_process(yajl_val root, struct oci_config *cfg, ckpt_error **err)
{
	yajl_val rt = oci_json_member(root, "root"), proc = oci_json_member(root, "process");
	const char *path = oci_json_str(rt, "path");
	int r;

	if (!YAJL_IS_OBJECT(rt))
		return ckpt_err_set(err, EINVAL, "no \"root\" object");
	if (!path || !*path)
		return ckpt_err_set(err, EINVAL, "no \"root.path\"");
	if ((r = dup_str(path, &cfg->root_path, err)) < 0)
		return r;
	cfg->root_readonly = YAJL_IS_TRUE(oci_json_member(rt, "readonly"));
	if (proc && !YAJL_IS_OBJECT(proc))
		return ckpt_err_set(err, EINVAL, "\"process\" is not an object");
	cfg->terminal = YAJL_IS_TRUE(oci_json_member(proc, "terminal"));
	return dup_str(oci_json_str(root, "hostname"), &cfg->hostname, err);
}

int
oci_config_parse(yajl_val root, struct oci_config *cfg, ckpt_error **err)
{
	yajl_val lx;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (!YAJL_IS_OBJECT(root))
		return ckpt_err_set(err, EINVAL, "not a JSON object");
	if ((r = parse_root_process(root, cfg, err)) < 0 ||
	    (r = parse_mounts(oci_json_member(root, "mounts"), cfg, err)) < 0 ||
	    (r = parse_annotations(oci_json_member(root, "annotations"), cfg, err)) < 0)
		return r;
	lx = oci_json_member(root, "linux");
	if (lx && !YAJL_IS_OBJECT(lx))
		return ckpt_err_set(err, EINVAL, "\"linux\" is not an object");
	if ((r = parse_namespaces(oci_json_member(lx, "namespaces"), cfg, err)) < 0 ||
	    (r = parse_devices(oci_json_member(lx, "devices"), cfg, err)) < 0)
		return r;
	if ((r = oci_json_strv(oci_json_member(lx, "maskedPaths"), "linux.maskedPaths", &cfg->masked, &cfg->n_masked,
			       err)) < 0 ||
	    (r = oci_json_strv(oci_json_member(lx, "readonlyPaths"), "linux.readonlyPaths", &cfg->readonly,
			       &cfg->n_readonly, err)) < 0)
		return r;
	return dup_str(oci_json_str(lx, "cgroupsPath"), &cfg->cgroups_path, err);
}

int
oci_config_load(const char *path, struct oci_config *cfg, ckpt_error **err)
{
	yajl_val v = NULL;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if ((r = oci_json_load(path, "config", &v, err)) < 0)
		return r;
	r = oci_config_parse(v, cfg, err);
	yajl_tree_free(v);
	if (r < 0) {
		oci_config_free(cfg);
		return ckpt_err_prefix(err, r, "config `%s`", path);
	}
	return 0;
}

void
oci_config_free(struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		free(cfg->mounts[i].destination);
		free(cfg->mounts[i].source);
		free(cfg->mounts[i].type);
		oci_strv_free(cfg->mounts[i].options, cfg->mounts[i].n_options);
	}
	free(cfg->mounts);
	for (size_t i = 0; i < cfg->n_ns; i++) {
		free(cfg->ns[i].type);
		free(cfg->ns[i].path);
	}
	free(cfg->ns);
	for (size_t i = 0; i < cfg->n_annotations; i++) {
		free(cfg->annotations[i].key);
		free(cfg->annotations[i].val);
	}
	free(cfg->annotations);
	oci_strv_free(cfg->masked, cfg->n_masked);
	oci_strv_free(cfg->readonly, cfg->n_readonly);
	oci_strv_free(cfg->devices, cfg->n_devices);
	free(cfg->root_path);
	free(cfg->hostname);
	free(cfg->cgroups_path);
	memset(cfg, 0, sizeof(*cfg));
}

bool
oci_mount_is_bind(const struct oci_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
			return true;
	return false;
}

const struct oci_ns *
oci_config_ns(const struct oci_config *cfg, const char *type)
{
	for (size_t i = 0; i < cfg->n_ns; i++)
		if (strcmp(cfg->ns[i].type, type) == 0)
			return &cfg->ns[i];
	return NULL;
}

const char *
oci_config_annotation(const struct oci_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strcmp(cfg->annotations[i].key, key) == 0)
			return cfg->annotations[i].val;
	return NULL;
}
