/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ckpt.json: written into the images directory once criu has succeeded and
 * before the directory is moved into place, so a checkpoint at the images
 * path always has one. It is best effort: a manifest that cannot be written
 * never fails a dump whose images are good (the tree may already be gone).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_gen.h>

#include "config.h"
#include "error.h"
#include "manifest.h"

/* ------------------------------------------------------------------------ */
/* The process tree, read from /proc before the dump. */

static void
read_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int
add_proc(struct manifest *m, pid_t pid, pid_t ppid)
{
	struct manifest_proc *nv;

	m->n_procs_seen++;
	if (m->n_procs >= MANIFEST_MAX_PROCS)
		return 0;
	nv = realloc(m->procs, (m->n_procs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->procs = nv;
	nv[m->n_procs].pid = pid;
	nv[m->n_procs].ppid = ppid;
	read_comm(pid, nv[m->n_procs].comm, sizeof(nv[m->n_procs].comm));
	m->n_procs++;
	return 0;
}

/* Children hang off the thread that forked them: read every thread's list. */
static int
add_children(struct manifest *m, pid_t pid)
{
	char path[96];
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0; /* gone meanwhile */
	while (r == 0 && (de = readdir(d))) {
		FILE *f;
		int child;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children", pid, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (r == 0 && fscanf(f, "%d", &child) == 1)
			r = add_proc(m, child, pid);
		fclose(f);
	}
	closedir(d);
	return r;
}

int
manifest_read_tree(pid_t root, struct manifest *m)
{
	int r;

	if (root <= 0)
		return -EINVAL;
	if ((r = add_proc(m, root, 0)) < 0)
		return r;
	/* breadth first: m->procs grows while it is walked */
	for (size_t i = 0; i < m->n_procs; i++)
		if ((r = add_children(m, m->procs[i].pid)) < 0)
			return r;
	return 0;
}

void
manifest_begin(struct manifest *m, pid_t root)
{
	memset(m, 0, sizeof(*m));
	clock_gettime(CLOCK_REALTIME, &m->started);
	if (manifest_read_tree(root, m) < 0) {
		free(m->procs);
		m->procs = NULL;
		m->n_procs = m->n_procs_seen = 0;
	}
}

void
manifest_free(struct manifest *m)
{
	free(m->procs);
	m->procs = NULL;
	m->n_procs = m->n_procs_seen = 0;
}

/* ------------------------------------------------------------------------ */
/* Sizes of the images by kind. */

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool
has_suffix(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

static void
count_file(struct manifest_sizes *sz, const char *name, uint64_t bytes)
{
	if (has_prefix(name, "pages-") && has_suffix(name, ".img"))
		sz->pages += bytes;
	else if (has_prefix(name, "pagemap") && has_suffix(name, ".img"))
		sz->pagemap += bytes;
	else if (has_prefix(name, "core-") && has_suffix(name, ".img"))
		sz->core += bytes;
	else if (has_suffix(name, ".log"))
		sz->log += bytes;
	else
		sz->other += bytes;
	sz->total += bytes;
	sz->files++;
}

int
manifest_sizes(int dirfd, struct manifest_sizes *ret)
{
	struct manifest_sizes sz = { 0 };
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, MANIFEST_FILE) == 0)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			count_file(&sz, de->d_name, (uint64_t)st.st_size);
	}
	closedir(d);
	*ret = sz;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON. */

static void
gs(yajl_gen j, const char *s)
{
	yajl_gen_string(j, (const unsigned char *)s, strlen(s));
}

static void
kv_str(yajl_gen j, const char *k, const char *v)
{
	gs(j, k);
	if (v)
		gs(j, v);
	else
		yajl_gen_null(j);
}

static void
kv_int(yajl_gen j, const char *k, long long v)
{
	gs(j, k);
	yajl_gen_integer(j, v);
}

/* Milliseconds with microsecond precision, printed as such (not %.20g). */
static void
kv_ms(yajl_gen j, const char *k, uint64_t ns)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(ns / 1000000),
			 (unsigned long long)(ns / 1000 % 1000));

	gs(j, k);
	yajl_gen_number(j, buf, (size_t)n);
}

static const char *const flag_names[_CKPT_FLAG_MAX] = {
	[CKPT_FLAG_LEAVE_RUNNING] = "leave_running", [CKPT_FLAG_TCP_ESTABLISHED] = "tcp_established",
	[CKPT_FLAG_EXT_UNIX_SK] = "ext_unix_sk",     [CKPT_FLAG_SHELL_JOB] = "shell_job",
	[CKPT_FLAG_FILE_LOCKS] = "file_locks",	     [CKPT_FLAG_TCP_SKIP_IN_FLIGHT] = "tcp_skip_in_flight",
	[CKPT_FLAG_LINK_REMAP] = "link_remap",	     [CKPT_FLAG_AUTO_DEDUP] = "auto_dedup",
	[CKPT_FLAG_LAZY_PAGES] = "lazy_pages",	     [CKPT_FLAG_TCP_CLOSE] = "tcp_close",
	[CKPT_FLAG_LEAVE_STOPPED] = "leave_stopped", [CKPT_FLAG_ORPHAN_PTS_MASTER] = "orphan_pts_master",
	[CKPT_FLAG_RST_SIBLING] = "rst_sibling",     [CKPT_FLAG_EVASIVE_DEVICES] = "evasive_devices",
	[CKPT_FLAG_WEAK_SYSCTLS] = "weak_sysctls",   [CKPT_FLAG_STAGING] = "staging",
};

static const char *
cg_mode_name(enum ckpt_cg_mode m)
{
	static const char *const names[] = { "default", "soft", "full", "strict", "ignore", "props", "none" };

	return (unsigned)m < ARRAY_SIZE(names) ? names[m] : "unknown";
}

static const char *
netlock_name(enum ckpt_network_lock m)
{
	static const char *const names[] = { "default", "iptables", "nftables", "skip" };

	return (unsigned)m < ARRAY_SIZE(names) ? names[m] : "unknown";
}

static void
gen_flags(yajl_gen j, const ckpt_opts *o)
{
	char name[32];

	gs(j, "flags");
	yajl_gen_map_open(j);
	for (int i = 0; i < _CKPT_FLAG_MAX; i++) {
		if (!flag_names[i])
			snprintf(name, sizeof(name), "flag_%d", i); /* one added without a name here */
		gs(j, flag_names[i] ? flag_names[i] : name);
		yajl_gen_bool(j, o->flags[i]);
	}
	yajl_gen_map_close(j);
}

static void
gen_str_list(yajl_gen j, const char *k, char *const *v, size_t n)
{
	gs(j, k);
	yajl_gen_array_open(j);
	for (size_t i = 0; i < n; i++)
		gs(j, v[i]);
	yajl_gen_array_close(j);
}

static void
gen_options(yajl_gen j, const ckpt_opts *o)
{
	char ps[300];

	gs(j, "options");
	yajl_gen_map_open(j);
	kv_str(j, "images_dir", o->images_dir);
	kv_str(j, "work_dir", o->work_dir);
	kv_str(j, "parent_path", o->parent_path);
	kv_str(j, "root", o->root);
	gen_flags(j, o);
	if (o->has_ps)
		snprintf(ps, sizeof(ps), "%s:%d", o->ps_address ? o->ps_address : "", o->ps_port);
	kv_str(j, "page_server", o->has_ps ? ps : NULL);
	kv_str(j, "manage_cgroups_mode", cg_mode_name(o->cg_mode));
	kv_str(j, "network_lock", netlock_name(o->netlock));
	gs(j, "empty_ns");
	yajl_gen_array_open(j);
	if (o->empty_ns & CLONE_NEWNET)
		gs(j, "network");
	yajl_gen_array_close(j);
	gen_str_list(j, "external", o->external, o->n_external);
	kv_str(j, "freeze_cgroup", o->freeze_cgroup);
	kv_int(j, "timeout_ms", o->timeout_ms);
	kv_int(j, "log_level", o->log_level);
	yajl_gen_map_close(j);
}

static void
gen_source(yajl_gen j, const ckpt_opts *o)
{
	gs(j, "source");
	yajl_gen_map_open(j);
	kv_str(j, "kind", o->source.kind ? o->source.kind : "pid");
	kv_int(j, "pid", o->pid);
	kv_str(j, "id", o->source.id);
	kv_str(j, "runtime", o->source.runtime);
	kv_str(j, "bundle", o->source.bundle);
	yajl_gen_map_close(j);
}

static void
gen_tree(yajl_gen j, const struct manifest *m)
{
	gs(j, "tree");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < m->n_procs; i++) {
		yajl_gen_map_open(j);
		kv_int(j, "pid", m->procs[i].pid);
		kv_int(j, "ppid", m->procs[i].ppid);
		kv_str(j, "comm", m->procs[i].comm);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
	kv_int(j, "processes", (long long)m->n_procs_seen);
}

static uint64_t
event_ns(const struct manifest_run *run, const char *name)
{
	for (size_t i = 0; i < run->n_events; i++)
		if (strcmp(run->events[i].name, name) == 0)
			return run->events[i].ns;
	return 0;
}

/* pre-dump comes before criu freezes the tree, post-dump once the images are
 * written with the tree still frozen: the interval is the frozen time. */
static void
gen_times(yajl_gen j, const struct manifest_run *run)
{
	uint64_t pre = event_ns(run, "pre-dump"), post = event_ns(run, "post-dump");

	kv_ms(j, "wall_ms", run->wall_ns);
	gs(j, "phases_ms");
	yajl_gen_map_open(j);
	kv_ms(j, "prepare", pre);
	kv_ms(j, "dump", post > pre ? post - pre : 0);
	kv_ms(j, "finish", post && run->wall_ns > post ? run->wall_ns - post : 0);
	yajl_gen_map_close(j);
	gs(j, "events");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < run->n_events; i++) {
		yajl_gen_map_open(j);
		kv_str(j, "name", run->events[i].name);
		kv_ms(j, "at_ms", run->events[i].ns);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void
gen_sizes(yajl_gen j, const struct manifest_sizes *sz)
{
	gs(j, "image_bytes");
	yajl_gen_map_open(j);
	kv_int(j, "pages", (long long)sz->pages);
	kv_int(j, "pagemap", (long long)sz->pagemap);
	kv_int(j, "core", (long long)sz->core);
	kv_int(j, "log", (long long)sz->log);
	kv_int(j, "other", (long long)sz->other);
	kv_int(j, "total", (long long)sz->total);
	yajl_gen_map_close(j);
	kv_int(j, "image_files", sz->files);
}

static void
gen_header(yajl_gen j, const struct manifest *m, const struct manifest_run *run)
{
	char ts[64], full[96], ver[32];
	struct tm tm;

	gmtime_r(&m->started.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(full, sizeof(full), "%s.%03ldZ", ts, m->started.tv_nsec / 1000000);
	snprintf(ver, sizeof(ver), "%d.%d.%d", run->criu_version / 10000, run->criu_version / 100 % 100,
		 run->criu_version % 100);
	kv_int(j, "manifest_version", MANIFEST_VERSION);
	kv_str(j, "ckpt_version", CKPT_VERSION);
	kv_str(j, "criu_version", run->criu_version ? ver : NULL);
	kv_str(j, "operation", run->op == OPTS_OP_PRE_DUMP ? "pre-dump" : "checkpoint");
	kv_str(j, "started_at", full);
}

int
manifest_json(const struct manifest *m, const ckpt_opts *o, const struct manifest_run *run,
	      const struct manifest_sizes *sz, char **ret, size_t *ret_len)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *out;

	if (!j)
		return -ENOMEM;
	yajl_gen_config(j, yajl_gen_beautify, 1);
	yajl_gen_map_open(j);
	gen_header(j, m, run);
	gen_source(j, o);
	gen_tree(j, m);
	gen_times(j, run);
	gen_sizes(j, sz);
	gen_options(j, o);
	yajl_gen_map_close(j);
	if (yajl_gen_get_buf(j, &buf, &len) != yajl_gen_status_ok || !(out = strndup((const char *)buf, len))) {
		yajl_gen_free(j);
		return -ENOMEM;
	}
	yajl_gen_free(j);
	*ret = out;
	*ret_len = len;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Writing. */

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_file_at(int dirfd, const char *name, const char *buf, size_t len)
{
	char tmp[64];
	int fd, r;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, len);
	if (r == 0 && write_all(fd, "\n", 1) < 0)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

int
manifest_write(const struct manifest *m, const ckpt_opts *o, const struct manifest_run *run, int dirfd)
{
	_cleanup_free_ char *json = NULL;
	struct manifest_sizes sz;
	size_t len;
	int r;

	if ((r = manifest_sizes(dirfd, &sz)) < 0)
		return r;
	if ((r = manifest_json(m, o, run, &sz, &json, &len)) < 0)
		return r;
	return write_file_at(dirfd, MANIFEST_FILE, json, len);
}

int
manifest_commit(const struct manifest *m, const ckpt_opts *o, enum opts_op op, const struct session *ss, int dirfd)
{
	struct manifest_run run = {
		.op = op,
		.criu_version = ss->version,
		.events = ss->events,
		.n_events = ss->n_events,
		.wall_ns = now_ns() - ss->t0,
	};

	return manifest_write(m, o, &run, dirfd);
}

/* ------------------------------------------------------------------------ */
/* The public setter. */

static int
dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (s && !(*ret = strdup(s)))
		return -ENOMEM;
	return 0;
}

void
opts_source_free(struct opts_source *s)
{
	free(s->kind);
	free(s->id);
	free(s->runtime);
	free(s->bundle);
	memset(s, 0, sizeof(*s));
}

CKPT_PUBLIC int
ckpt_opts_set_manifest_source(ckpt_opts *o, const char *kind, const char *id, const char *runtime, const char *bundle)
{
	struct opts_source s = { 0 };

	assert_return(o && (!kind || *kind), -EINVAL);
	if (dup_or_null(kind, &s.kind) < 0 || dup_or_null(id, &s.id) < 0 || dup_or_null(runtime, &s.runtime) < 0 ||
	    dup_or_null(bundle, &s.bundle) < 0) {
		opts_source_free(&s);
		return -ENOMEM;
	}
	opts_source_free(&o->source);
	o->source = s;
	return 0;
}
