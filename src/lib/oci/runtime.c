/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtime's own bookkeeping around a checkpoint and a restore:
 *  - after a checkpoint that stopped the container, the runtime's `delete`
 *    removes its state and cgroups, as runc, crun and youki do themselves;
 *  - after a restore, crun's and youki's state is written back so that
 *    `crun kill`, `crun delete`, ... manage the restored container. runc's
 *    state.json embeds runc's whole internal configuration, which is not
 *    rebuilt here: runc users restore with `runc restore` (see
 *    docs/containers.md).
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "jsongen.h"
#include "error.h"
#include "oci.h"
#include "util.h"

/* After fork: only async-signal-safe calls. Never returns. */
static void
exec_child(const char *bin, char *const argv[], int null_fd, int out_fd)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (strchr(bin, '/'))
		execv(bin, argv);
	else
		execvp(bin, argv);
	_exit(127);
}

/* What the command printed, trimmed, or an empty string. */
static char *
read_output(int fd)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		n = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return strdup(buf);
}

static int
run_command(const char *bin, char *const argv[], ckpt_error **err)
{
	_cleanup_close_ int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	_cleanup_close_ int out_fd = memfd_create("runtime-output", MFD_CLOEXEC);
	_cleanup_free_ char *out = NULL;
	pid_t pid;
	int st;

	if (null_fd < 0 || out_fd < 0)
		return ckpt_err_sys(err, errno, "prepare to run `%s`", bin);
	if ((pid = fork()) < 0)
		return ckpt_err_sys(err, errno, "fork");
	if (pid == 0)
		exec_child(bin, argv, null_fd, out_fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return ckpt_err_sys(err, errno, "wait for `%s`", bin);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	out = read_output(out_fd);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return ckpt_err_set(err, ENOENT, "cannot run `%s` (not installed?)", bin);
	return ckpt_err_set(err, EIO, "`%s %s` failed (%s %d)%s%s", bin, argv[1] ? argv[1] : "",
			    WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			    out && *out ? ": " : "", out ? out : "");
}

int
oci_runtime_delete(enum ckpt_runtime rt, const char *binary, const char *root, const char *id, ckpt_error **err)
{
	const char *bin = binary ? binary : ckpt_runtime_name(rt);
	char *argv[8];
	int n = 0;

	argv[n++] = (char *)bin;
	if (root) {
		argv[n++] = (char *)"--root";
		argv[n++] = (char *)root;
	}
	argv[n++] = (char *)"delete";
	argv[n++] = (char *)"--force";
	argv[n++] = (char *)id;
	argv[n] = NULL;
	return run_command(bin, argv, err);
}

static int
gen_take(yajl_gen g, char **ret, ckpt_error **err)
{
	return jg_take(g, ret, NULL) < 0 ? ckpt_err_set(err, ENOMEM, "cannot generate JSON") : 0;
}

/* "2026-12-03T19:31:51.146322Z", as crun and youki write it. */
static void
now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}

/* The state directory <root>/<id>, created empty; fails if the id is taken. */
static int
make_state_dir(const struct oci_register *r, char **ret, ckpt_error **err)
{
	int e;

	if ((e = mkdir_p(r->root, 0700)) < 0)
		return ckpt_err_sys(err, -e, "create state root `%s`", r->root);
	if (asprintf(ret, "%s/%s", r->root, r->id) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	if (mkdir(*ret, 0700) < 0) {
		e = errno;
		free(*ret);
		*ret = NULL;
		if (e == EEXIST)
			return ckpt_err_set(err, EEXIST, "a container `%s` already exists in `%s`", r->id, r->root);
		return ckpt_err_sys(err, e, "create state directory in `%s`", r->root);
	}
	return 0;
}

static int
copy_config(const struct oci_register *r, int dfd, ckpt_error **err)
{
	_cleanup_free_ char *text = NULL;
	yajl_val v = NULL;
	FILE *f = fopen(r->config_path, "re");
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return ckpt_err_sys(err, errno, "open `%s`", r->config_path);
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0)
		return ckpt_err_sys(err, EIO, "read `%s`", r->config_path);
	/* parse it once more: what goes into the state must be the JSON that was checked */
	if (oci_json_parse(text, "config.json", &v, err) < 0)
		return -EINVAL;
	yajl_tree_free(v);
	return oci_write_file_at(dfd, "config.json", text, 0600, err);
}

static int
crun_status_json(const struct oci_register *r, uint64_t start, const char *cgroup, const char *descriptors, char **ret,
		 ckpt_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	struct passwd *pw = getpwuid(geteuid());
	char created[64];
	int e;

	if (!g)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	now_rfc3339(created, sizeof(created));
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	jg_str(g, "pid");
	yajl_gen_integer(g, r->pid);
	jg_str(g, "process-start-time");
	yajl_gen_integer(g, (long long)start);
	jg_kv(g, "cgroup-path", cgroup);
	jg_kv(g, "scope", "");
	jg_kv(g, "rootfs", r->cfg->root_path);
	jg_str(g, "systemd-cgroup");
	yajl_gen_bool(g, 0);
	jg_kv(g, "bundle", r->bundle);
	jg_kv(g, "created", created);
	jg_kv(g, "owner", pw ? pw->pw_name : "root");
	jg_str(g, "detached");
	yajl_gen_bool(g, 1);
	jg_kv(g, "external_descriptors", descriptors);
	yajl_gen_map_close(g);
	e = gen_take(g, ret, err);
	yajl_gen_free(g);
	return e;
}

/* The restored init as the state must describe it. */
static int
restored_facts(const struct oci_register *r, uint64_t *start, char **cgroup, char **descriptors, ckpt_error **err)
{
	char *d[3] = { NULL, NULL, NULL };
	int e;

	if (oci_pid_start_time(r->proc, r->pid, start, NULL) < 0)
		return ckpt_err_set(err, ESRCH, "the restored init %d is gone", (int)r->pid);
	if ((e = oci_cgroup_of_pid(r->proc, r->pid, cgroup, err)) < 0)
		return e;
	if ((e = oci_descriptors_of_pid(r->proc, r->pid, d, err)) < 0)
		return e;
	e = oci_descriptors_to_json(d, descriptors, err);
	oci_descriptors_free(d);
	return e;
}

int
oci_register_crun(const struct oci_register *r, ckpt_error **err)
{
	_cleanup_free_ char *dir = NULL, *cgroup = NULL, *desc = NULL, *status = NULL;
	_cleanup_close_ int dfd = -1;
	uint64_t start;
	int e;

	if ((e = restored_facts(r, &start, &cgroup, &desc, err)) < 0 ||
	    (e = crun_status_json(r, start, cgroup, desc, &status, err)) < 0)
		return e;
	if ((e = make_state_dir(r, &dir, err)) < 0)
		return e;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		e = ckpt_err_sys(err, errno, "open `%s`", dir);
	/* the config first: crun reads a container whose status exists */
	if (e == 0 && (e = copy_config(r, dfd, err)) == 0)
		e = oci_write_file_at(dfd, "status", status, 0700, err);
	if (e < 0)
		rm_rf(dir);
	return e;
}

static int
youki_state_json(const struct oci_register *r, char **ret, ckpt_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	char created[64];
	int e;

	if (!g)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	now_rfc3339(created, sizeof(created));
	yajl_gen_map_open(g);
	jg_kv(g, "ociVersion", "1.0.2");
	jg_kv(g, "id", r->id);
	jg_kv(g, "status", "running");
	jg_str(g, "pid");
	yajl_gen_integer(g, r->pid);
	jg_kv(g, "bundle", r->bundle);
	jg_str(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < r->cfg->n_annotations; i++)
		jg_kv(g, r->cfg->annotations[i].key, r->cfg->annotations[i].val);
	yajl_gen_map_close(g);
	jg_kv(g, "created", created);
	jg_str(g, "creator");
	yajl_gen_integer(g, (long long)geteuid());
	jg_str(g, "useSystemd");
	yajl_gen_bool(g, 0);
	yajl_gen_map_close(g);
	e = gen_take(g, ret, err);
	yajl_gen_free(g);
	return e;
}

static int
youki_config_json(const char *cgroup, char **ret, ckpt_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	int e;

	if (!g)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	yajl_gen_map_open(g);
	jg_kv(g, "hooks", NULL);
	jg_kv(g, "cgroup_path", cgroup);
	yajl_gen_map_close(g);
	e = gen_take(g, ret, err);
	yajl_gen_free(g);
	return e;
}

int
oci_register_youki(const struct oci_register *r, ckpt_error **err)
{
	_cleanup_free_ char *dir = NULL, *cgroup = NULL, *desc = NULL, *state = NULL, *ycfg = NULL;
	_cleanup_close_ int dfd = -1;
	uint64_t start;
	int e;

	if ((e = restored_facts(r, &start, &cgroup, &desc, err)) < 0 || (e = youki_state_json(r, &state, err)) < 0 ||
	    (e = youki_config_json(cgroup, &ycfg, err)) < 0)
		return e;
	if ((e = make_state_dir(r, &dir, err)) < 0)
		return e;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		e = ckpt_err_sys(err, errno, "open `%s`", dir);
	if (e == 0 && (e = oci_write_file_at(dfd, "youki_config.json", ycfg, 0600, err)) == 0)
		e = oci_write_file_at(dfd, "state.json", state, 0600, err);
	if (e < 0)
		rm_rf(dir);
	return e;
}
