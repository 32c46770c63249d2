/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtimes' state files:
 *   runc  <root>/<id>/state.json  init_process_pid, init_process_start,
 *         config.rootfs, config.labels ["bundle=..."], cgroup_paths,
 *         external_descriptors (an array);
 *   crun  <root>/<id>/status      pid, process-start-time, cgroup-path,
 *         rootfs (relative to the bundle), bundle, external_descriptors
 *         (a string holding a JSON array);
 *   youki <root>/<id>/state.json  id, status, pid, bundle, created (no start
 *         time; the cgroup is in youki_config.json beside it).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "oci.h"
#include "proc.h"

static int
set_str(char **field, const char *s, ckpt_error **err)
{
	free(*field);
	*field = NULL;
	if (s && !(*field = strdup(s)))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int
get_pid(yajl_val root, const char *key, struct oci_state *st, ckpt_error **err)
{
	yajl_val v = oci_json_member(root, key);

	if (!v)
		return ckpt_err_set(err, EINVAL, "no \"%s\"", key);
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) <= 0 || YAJL_GET_INTEGER(v) > (1 << 22))
		return ckpt_err_set(err, EINVAL, "\"%s\" is not a valid pid", key);
	st->pid = (pid_t)YAJL_GET_INTEGER(v);
	return 0;
}

static int
get_start_time(yajl_val root, const char *key, struct oci_state *st, ckpt_error **err)
{
	yajl_val v = oci_json_member(root, key);

	if (!v)
		return ckpt_err_set(err, EINVAL,
				    "no \"%s\" (the init's start time, needed to tell it from a recycled pid)", key);
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return ckpt_err_set(err, EINVAL, "\"%s\" is not a number of clock ticks", key);
	st->start_time = (uint64_t)YAJL_GET_INTEGER(v);
	st->has_start_time = true;
	return 0;
}

static int
set_descriptors(yajl_val arr, const char *what, struct oci_state *st, ckpt_error **err)
{
	char **v = NULL;
	size_t n = 0;
	int r;

	if ((r = oci_json_strv(arr, what, &v, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (i < 3 && v[i][0]) {
			st->descriptors[i] = v[i];
			v[i] = NULL;
		}
	}
	oci_strv_free(v, n);
	return 0;
}

static int
runc_bundle(yajl_val cfg, struct oci_state *st, ckpt_error **err)
{
	yajl_val labels = oci_json_member(cfg, "labels");

	for (size_t i = 0; YAJL_IS_ARRAY(labels) && i < labels->u.array.len; i++) {
		const char *l = YAJL_GET_STRING(labels->u.array.values[i]);
		if (l && strncmp(l, "bundle=", 7) == 0 && l[7] == '/')
			return set_str(&st->bundle, l + 7, err);
	}
	return ckpt_err_set(err, EINVAL, "no \"bundle=\" entry in \"config.labels\"");
}

static int
runc_cgroups(yajl_val root, struct oci_state *st, ckpt_error **err)
{
	yajl_val paths = oci_json_member(root, "cgroup_paths");
	yajl_val cg = oci_json_member(oci_json_member(root, "config"), "cgroups");
	const char *freezer = oci_json_str(paths, "freezer"), *unified = oci_json_str(paths, "");
	const char *path = oci_json_str(cg, "path");
	int r;

	if ((r = set_str(&st->freezer, freezer ? freezer : unified, err)) < 0)
		return r;
	return set_str(&st->cgroup_path, path && *path ? path : NULL, err);
}

static int
parse_runc(yajl_val root, struct oci_state *st, ckpt_error **err)
{
	yajl_val cfg = oci_json_member(root, "config");
	const char *rootfs = oci_json_str(cfg, "rootfs");
	int r;

	if ((r = get_pid(root, "init_process_pid", st, err)) < 0 ||
	    (r = get_start_time(root, "init_process_start", st, err)) < 0)
		return r;
	if (!YAJL_IS_OBJECT(cfg))
		return ckpt_err_set(err, EINVAL, "no \"config\" object");
	if (!rootfs || rootfs[0] != '/')
		return ckpt_err_set(err, EINVAL, "no absolute \"config.rootfs\"");
	if ((r = set_str(&st->rootfs, rootfs, err)) < 0 || (r = runc_bundle(cfg, st, err)) < 0 ||
	    (r = set_str(&st->created, oci_json_str(root, "created"), err)) < 0 ||
	    (r = runc_cgroups(root, st, err)) < 0)
		return r;
	return set_descriptors(oci_json_member(root, "external_descriptors"), "\"external_descriptors\"", st, err);
}

/* crun stores the descriptors as a string that holds a JSON array. */
static int
crun_descriptors(yajl_val root, struct oci_state *st, ckpt_error **err)
{
	yajl_val v = oci_json_member(root, "external_descriptors"), arr = NULL;
	int r;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (YAJL_IS_ARRAY(v))
		return set_descriptors(v, "\"external_descriptors\"", st, err);
	if (!YAJL_IS_STRING(v))
		return ckpt_err_set(err, EINVAL, "\"external_descriptors\" is neither a string nor an array");
	if ((r = oci_json_parse(YAJL_GET_STRING(v), "\"external_descriptors\"", &arr, err)) < 0)
		return r;
	r = set_descriptors(arr, "\"external_descriptors\"", st, err);
	yajl_tree_free(arr);
	return r;
}

static int
parse_crun(yajl_val root, struct oci_state *st, ckpt_error **err)
{
	const char *bundle = oci_json_str(root, "bundle"), *rootfs = oci_json_str(root, "rootfs");
	const char *cg = oci_json_str(root, "cgroup-path");
	int r;

	if ((r = get_pid(root, "pid", st, err)) < 0 || (r = get_start_time(root, "process-start-time", st, err)) < 0)
		return r;
	if (!bundle || bundle[0] != '/')
		return ckpt_err_set(err, EINVAL, "no absolute \"bundle\"");
	if (!rootfs || !*rootfs)
		return ckpt_err_set(err, EINVAL, "no \"rootfs\"");
	if ((r = set_str(&st->bundle, bundle, err)) < 0 ||
	    (r = set_str(&st->cgroup_path, cg && *cg ? cg : NULL, err)) < 0 ||
	    (r = set_str(&st->created, oci_json_str(root, "created"), err)) < 0)
		return r;
	if (rootfs[0] == '/')
		r = set_str(&st->rootfs, rootfs, err);
	else if (asprintf(&st->rootfs, "%s/%s", bundle, rootfs) < 0)
		r = ckpt_err_set(err, ENOMEM, "out of memory");
	if (r < 0)
		return r;
	return crun_descriptors(root, st, err);
}

static int
parse_youki(yajl_val root, struct oci_state *st, ckpt_error **err)
{
	const char *bundle = oci_json_str(root, "bundle"), *created = oci_json_str(root, "created");
	int r;

	if (!oci_json_member(root, "pid") || YAJL_IS_NULL(oci_json_member(root, "pid")))
		return ckpt_err_set(err, EINVAL, "no \"pid\" (the container is not running)");
	if ((r = get_pid(root, "pid", st, err)) < 0)
		return r;
	if (!bundle || bundle[0] != '/')
		return ckpt_err_set(err, EINVAL, "no absolute \"bundle\"");
	if (!created)
		return ckpt_err_set(err, EINVAL, "no \"created\" (needed to tell the init from a recycled pid)");
	if ((r = set_str(&st->bundle, bundle, err)) < 0 || (r = set_str(&st->created, created, err)) < 0)
		return r;
	return set_str(&st->status, oci_json_str(root, "status"), err);
}

int
oci_state_parse(enum ckpt_runtime rt, yajl_val root, struct oci_state *st, ckpt_error **err)
{
	if (!YAJL_IS_OBJECT(root))
		return ckpt_err_set(err, EINVAL, "not a JSON object");
	st->runtime = rt;
	switch (rt) {
	case CKPT_RUNTIME_RUNC: return parse_runc(root, st, err);
	case CKPT_RUNTIME_CRUN: return parse_crun(root, st, err);
	case CKPT_RUNTIME_YOUKI: return parse_youki(root, st, err);
	default: return ckpt_err_set(err, EINVAL, "unknown runtime");
	}
}

/* youki keeps the cgroup in youki_config.json; without it, its default applies. */
static void
youki_cgroup(const char *dir, struct oci_state *st)
{
	_cleanup_free_ char *path = NULL;
	yajl_val v = NULL;
	const char *cg;

	if (asprintf(&path, "%s/youki_config.json", dir) < 0 || oci_json_load(path, "youki config", &v, NULL) < 0)
		return;
	cg = oci_json_str(v, "cgroup_path");
	if (cg && *cg)
		st->cgroup_path = strdup(cg);
	yajl_tree_free(v);
}

int
oci_state_load(enum ckpt_runtime rt, const char *root, const char *id, struct oci_state *st, ckpt_error **err)
{
	_cleanup_free_ char *path = NULL;
	yajl_val v = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = ckpt_container_id_check(id, err)) < 0)
		return r;
	if (!(st->id = strdup(id)) || asprintf(&st->state_dir, "%s/%s", root, id) < 0 ||
	    asprintf(&path, "%s/%s", st->state_dir, oci_runtime_state_file(rt)) < 0) {
		st->state_dir = NULL;
		oci_state_free(st);
		return ckpt_err_set(err, ENOMEM, "out of memory");
	}
	if ((r = oci_json_load(path, "state file", &v, err)) < 0) {
		oci_state_free(st);
		return r;
	}
	r = oci_state_parse(rt, v, st, err);
	yajl_tree_free(v);
	if (r < 0) {
		oci_state_free(st);
		return ckpt_err_prefix(err, r, "%s state `%s`", ckpt_runtime_name(rt), path);
	}
	if (rt == CKPT_RUNTIME_YOUKI)
		youki_cgroup(st->state_dir, st);
	return 0;
}

void
oci_state_free(struct oci_state *st)
{
	free(st->id);
	free(st->state_dir);
	free(st->created);
	free(st->status);
	free(st->bundle);
	free(st->rootfs);
	free(st->cgroup_path);
	free(st->freezer);
	oci_descriptors_free(st->descriptors);
	memset(st, 0, sizeof(*st));
}

int
oci_pid_start_time(const char *proc, pid_t pid, uint64_t *ret, char *ret_state)
{
	struct proc_stat st;
	int r = proc_stat_read(proc, pid, &st);

	if (r < 0)
		return r;
	*ret = st.start;
	if (ret_state)
		*ret_state = st.state;
	return 0;
}

static int
boot_time(const char *proc, long long *ret)
{
	_cleanup_free_ char *line = NULL;
	char path[4096];
	size_t cap = 0;
	FILE *f;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "%s/stat", proc);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (getline(&line, &cap, f) > 0)
		if (sscanf(line, "btime %lld", ret) == 1) {
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

/* Seconds since the epoch of an RFC 3339 time ("2026-12-03T19:31:51.146322Z"). */
static int
parse_rfc3339(const char *s, long long *ret)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int sign, hh, mm;

	if (!p)
		return -EINVAL;
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	*ret = (long long)timegm(&tm);
	if (*p == 'Z' || *p == 'z' || *p == '\0')
		return 0;
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%d:%d", &hh, &mm) != 2)
		return -EINVAL;
	sign = *p == '+' ? 1 : -1;
	*ret -= sign * (hh * 3600LL + mm * 60LL);
	return 0;
}

/*
 * youki records no start time: the init must have started before the
 * container was recorded as created (plus a little slack), else the pid was
 * recycled after the container's init died.
 */
static int
check_youki_created(const struct oci_state *st, const char *proc, uint64_t ticks, ckpt_error **err)
{
	long long btime, created, started;
	long hz = sysconf(_SC_CLK_TCK);

	if (boot_time(proc, &btime) < 0 || hz <= 0)
		return ckpt_err_set(err, EIO, "cannot read the boot time from `%s/stat`", proc);
	if (parse_rfc3339(st->created, &created) < 0)
		return ckpt_err_set(err, EINVAL, "state \"created\" `%s` is not an RFC 3339 time", st->created);
	started = btime + (long long)(ticks / (uint64_t)hz);
	if (started > created + 10)
		return ckpt_err_set(err, ESRCH,
				    "process %d started %lld s after container `%s` was created: its init died and the "
				    "pid was reused; refusing to touch it",
				    (int)st->pid, started - created, st->id ? st->id : "?");
	return 0;
}

int
oci_state_check_pid(const struct oci_state *st, const char *proc, ckpt_error **err)
{
	const char *id = st->id ? st->id : "?";
	uint64_t ticks;
	char state = '?';
	int r;

	if (st->status && strcmp(st->status, "running") != 0 && strcmp(st->status, "paused") != 0)
		return ckpt_err_set(err, ESRCH, "container `%s` is %s, not running", id, st->status);
	r = oci_pid_start_time(proc, st->pid, &ticks, &state);
	if (r == -ENOENT || r == -ESRCH)
		return ckpt_err_set(err, ESRCH, "container `%s` is not running: its init process %d does not exist", id,
				    (int)st->pid);
	if (r < 0)
		return ckpt_err_sys(err, -r, "read `%s/%d/stat`", proc, (int)st->pid);
	if (state == 'Z' || state == 'X')
		return ckpt_err_set(err, ESRCH, "container `%s` is not running: its init process %d is dead (state %c)",
				    id, (int)st->pid, state);
	if (st->has_start_time && ticks != st->start_time)
		return ckpt_err_set(err, ESRCH,
				    "process %d is not the init of container `%s`: it started at tick %llu, the state "
				    "says %llu (the init died and the pid was reused); refusing to touch it",
				    (int)st->pid, id, (unsigned long long)ticks, (unsigned long long)st->start_time);
	if (!st->has_start_time && st->created)
		return check_youki_created(st, proc, ticks, err);
	return 0;
}
