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
#include "jsongen.h"
#include "manifest.h"
#include "proc.h"

/* ------------------------------------------------------------------------ */
/* The process tree, read from /proc before the dump. */

static int
add_proc(struct manifest *m, pid_t pid, pid_t ppid)
{
	struct manifest_proc *nv;
	struct proc_stat st;

	m->n_procs_seen++;
	if (m->n_procs >= MANIFEST_MAX_PROCS)
		return 0;
	nv = realloc(m->procs, (m->n_procs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->procs = nv;
	nv[m->n_procs].pid = pid;
	nv[m->n_procs].ppid = ppid;
	if (proc_stat_read(NULL, pid, &st) == 0) {
		memcpy(nv[m->n_procs].comm, st.comm, sizeof(st.comm));
		nv[m->n_procs].threads = st.threads;
	} else { /* gone meanwhile */
		nv[m->n_procs].comm[0] = '\0';
		nv[m->n_procs].threads = 0;
	}
	m->n_procs++;
	return 0;
}

/* The children listed in /proc/PID/task/TID/children, added to the tree. */
static int
add_children_of_task(struct manifest *m, pid_t pid, const char *tid)
{
	_cleanup_free_ char *buf = NULL;
	char path[96], *p, *end;
	size_t cap = 4096, len = 0;
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children", pid, tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0; /* gone meanwhile */
	for (;;) {	  /* one read gives at most a page: read until EOF */
		char *nb = !buf ? malloc(cap) : len + 1 >= cap ? realloc(buf, cap *= 2) : buf;

		if (!nb) {
			close(fd);
			return -ENOMEM;
		}
		buf = nb;
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return 0;
	buf[len] = '\0';
	p = buf;
	for (long child; r == 0 && (child = strtol(p, &end, 10)) > 0; p = end)
		r = add_proc(m, (pid_t)child, pid);
	return r;
}

/*
 * Children hang off the thread that forked them: a single-threaded process
 * has one list; a multi-threaded one has one per thread.
 */
static int
add_children(struct manifest *m, pid_t pid, long threads)
{
	char path[64], tid[24];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (threads == 1) {
		snprintf(tid, sizeof(tid), "%d", pid);
		return add_children_of_task(m, pid, tid);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0; /* gone meanwhile */
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = add_children_of_task(m, pid, de->d_name);
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
		if ((r = add_children(m, m->procs[i].pid, m->procs[i].threads)) < 0)
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

static int
count_file(struct manifest_sizes *sz, const char *name, uint64_t bytes)
{
	struct manifest_file *nv;

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
	nv = realloc(sz->list, (sz->n_list + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	sz->list = nv;
	nv[sz->n_list].bytes = bytes;
	nv[sz->n_list].name = strdup(name);
	if (!nv[sz->n_list].name)
		return -ENOMEM;
	sz->n_list++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct manifest_file *)a)->name, ((const struct manifest_file *)b)->name);
}

void
manifest_sizes_free(struct manifest_sizes *sz)
{
	for (size_t i = 0; i < sz->n_list; i++)
		free(sz->list[i].name);
	free(sz->list);
	sz->list = NULL;
	sz->n_list = 0;
}

int
manifest_sizes(int dirfd, struct manifest_sizes *ret)
{
	struct manifest_sizes sz = { 0 };
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, MANIFEST_FILE) == 0)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			r = count_file(&sz, de->d_name, (uint64_t)st.st_size);
	}
	closedir(d);
	if (r < 0) {
		manifest_sizes_free(&sz);
		return r;
	}
	if (sz.n_list)
		qsort(sz.list, sz.n_list, sizeof(*sz.list), by_name);
	*ret = sz;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON. */

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

	jg_str(j, "flags");
	yajl_gen_map_open(j);
	for (int i = 0; i < _CKPT_FLAG_MAX; i++) {
		if (!flag_names[i])
			snprintf(name, sizeof(name), "flag_%d", i); /* one added without a name here */
		jg_str(j, flag_names[i] ? flag_names[i] : name);
		yajl_gen_bool(j, o->flags[i]);
	}
	yajl_gen_map_close(j);
}

static void
gen_str_list(yajl_gen j, const char *k, char *const *v, size_t n)
{
	jg_str(j, k);
	yajl_gen_array_open(j);
	for (size_t i = 0; i < n; i++)
		jg_str(j, v[i]);
	yajl_gen_array_close(j);
}

static void
gen_options(yajl_gen j, const ckpt_opts *o)
{
	char ps[300];

	jg_str(j, "options");
	yajl_gen_map_open(j);
	jg_kv(j, "images_dir", o->images_dir);
	jg_kv(j, "work_dir", o->work_dir);
	jg_kv(j, "parent_path", o->parent_path);
	jg_kv(j, "root", o->root);
	gen_flags(j, o);
	if (o->has_ps)
		snprintf(ps, sizeof(ps), "%s:%d", o->ps_address ? o->ps_address : "", o->ps_port);
	jg_kv(j, "page_server", o->has_ps ? ps : NULL);
	jg_kv(j, "manage_cgroups_mode", cg_mode_name(o->cg_mode));
	jg_kv(j, "network_lock", netlock_name(o->netlock));
	jg_str(j, "empty_ns");
	yajl_gen_array_open(j);
	if (o->empty_ns & CLONE_NEWNET)
		jg_str(j, "network");
	yajl_gen_array_close(j);
	gen_str_list(j, "external", o->external, o->n_external);
	jg_kv(j, "freeze_cgroup", o->freeze_cgroup);
	jg_kv_int(j, "timeout_ms", o->timeout_ms);
	jg_kv_int(j, "log_level", o->log_level);
	yajl_gen_map_close(j);
}

static void
gen_source(yajl_gen j, const ckpt_opts *o)
{
	jg_str(j, "source");
	yajl_gen_map_open(j);
	jg_kv(j, "kind", o->source.kind ? o->source.kind : "pid");
	jg_kv_int(j, "pid", o->pid);
	jg_kv(j, "id", o->source.id);
	jg_kv(j, "runtime", o->source.runtime);
	jg_kv(j, "bundle", o->source.bundle);
	yajl_gen_map_close(j);
}

static void
gen_tree(yajl_gen j, const struct manifest *m)
{
	jg_str(j, "tree");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < m->n_procs; i++) {
		yajl_gen_map_open(j);
		jg_kv_int(j, "pid", m->procs[i].pid);
		jg_kv_int(j, "ppid", m->procs[i].ppid);
		jg_kv(j, "comm", m->procs[i].comm);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
	jg_kv_int(j, "processes", (long long)m->n_procs_seen);
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

	jg_kv_ms(j, "wall_ms", run->wall_ns);
	jg_str(j, "phases_ms");
	yajl_gen_map_open(j);
	jg_kv_ms(j, "prepare", pre);
	jg_kv_ms(j, "dump", post > pre ? post - pre : 0);
	jg_kv_ms(j, "finish", post && run->wall_ns > post ? run->wall_ns - post : 0);
	yajl_gen_map_close(j);
	jg_str(j, "events");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < run->n_events; i++) {
		yajl_gen_map_open(j);
		jg_kv(j, "name", run->events[i].name);
		jg_kv_ms(j, "at_ms", run->events[i].ns);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void
gen_sizes(yajl_gen j, const struct manifest_sizes *sz)
{
	jg_str(j, "image_bytes");
	yajl_gen_map_open(j);
	jg_kv_int(j, "pages", (long long)sz->pages);
	jg_kv_int(j, "pagemap", (long long)sz->pagemap);
	jg_kv_int(j, "core", (long long)sz->core);
	jg_kv_int(j, "log", (long long)sz->log);
	jg_kv_int(j, "other", (long long)sz->other);
	jg_kv_int(j, "total", (long long)sz->total);
	yajl_gen_map_close(j);
	jg_kv_int(j, "image_files", sz->files);
	jg_str(j, "files");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < sz->n_list; i++) {
		yajl_gen_map_open(j);
		jg_kv(j, "name", sz->list[i].name);
		jg_kv_int(j, "bytes", (long long)sz->list[i].bytes);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
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
	jg_kv_int(j, "manifest_version", MANIFEST_VERSION);
	jg_kv(j, "ckpt_version", CKPT_VERSION);
	jg_kv(j, "criu_version", run->criu_version ? ver : NULL);
	jg_kv(j, "operation", run->op == OPTS_OP_PRE_DUMP ? "pre-dump" : "checkpoint");
	jg_kv(j, "started_at", full);
}

int
manifest_json(const struct manifest *m, const ckpt_opts *o, const struct manifest_run *run,
	      const struct manifest_sizes *sz, char **ret, size_t *ret_len)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	int r;

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
	r = jg_take(j, ret, ret_len);
	yajl_gen_free(j);
	return r;
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
	struct manifest_sizes sz = { 0 };
	size_t len;
	int r;

	if ((r = manifest_sizes(dirfd, &sz)) < 0)
		return r;
	r = manifest_json(m, o, run, &sz, &json, &len);
	manifest_sizes_free(&sz);
	if (r < 0)
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
