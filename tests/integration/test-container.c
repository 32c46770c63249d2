/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Containers of real runc and crun, checkpointed and restored through the
 * library (ckpt_container_dump/restore) and mixed with `runc checkpoint` and
 * `runc restore`. Each container runs busybox-static from a bundle made in
 * a temporary directory; its stdout is a pipe this test reads, on which the
 * container prints a counter: after a restore the counter must go on where
 * it stopped. Every test removes the containers, cgroups and mounts it made.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define COUNTER "i=0; while true; do i=$((i+1)); echo $i; sleep 0.2; done"

/* One test's container; a test runs in its own forked process. */
static struct {
	char *dir; /* temporary: bundle/, images/, host/ */
	char bundle[512];
	char images[512];
	char id[64];
	const char *runtime; /* "runc" or "crun" */
	pid_t restored;	     /* a restored init not managed by a runtime */
} T;

/* The test runner's pid: every id and directory a test makes carries it. */
static pid_t owner;

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f, "cannot write %s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A rootfs with busybox-static and its applets. */
static void
make_rootfs(void)
{
	static const char *const applets[] = { "sh", "sleep", "cat", "echo", "nc", "ls", "seq" };
	char path[1024];

	ck_assert_int_eq(itest_run(NULL,
				   "mkdir -p %s/rootfs/bin %s/rootfs/proc %s/rootfs/dev %s/rootfs/sys "
				   "%s/rootfs/tmp %s/rootfs/etc && cp /bin/busybox %s/rootfs/bin/busybox",
				   T.bundle, T.bundle, T.bundle, T.bundle, T.bundle, T.bundle, T.bundle),
			 0);
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(path, sizeof(path), "%s/rootfs/bin/%s", T.bundle, applets[i]);
		ck_assert_int_eq(symlink("busybox", path), 0);
	}
}

/*
 * config.json for a busybox container running script (sh -c), with its own
 * pid, network, ipc, uts and mount namespaces; extra_mounts is appended to
 * the mounts (JSON objects, each followed by a comma).
 */
static void
make_config(const char *script, const char *extra_mounts)
{
	char path[1024], *json;

	ck_assert_int_ge(
		asprintf(
			&json,
			"{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
			"\"args\":[\"sh\",\"-c\",\"%s\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
			"\"noNewPrivileges\":true},"
			"\"root\":{\"path\":\"rootfs\",\"readonly\":false},\"hostname\":\"ckpt-test\","
			"\"mounts\":[%s"
			"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
			"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\","
			"\"strictatime\",\"mode=755\",\"size=65536k\"]},"
			"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\","
			"\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
			"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\","
			"\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
			"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\","
			"\"noexec\",\"nodev\",\"ro\"]},"
			"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":["
			"\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
			"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
			"{\"type\":\"uts\"},{\"type\":\"mount\"}],"
			"\"maskedPaths\":[\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/timer_list\","
			"\"/sys/firmware\"],"
			"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\"]}}",
			script, extra_mounts ? extra_mounts : ""),
		0);
	snprintf(path, sizeof(path), "%s/config.json", T.bundle);
	write_text(path, json);
	free(json);
}

static void
setup(void)
{
	char tag[64];

	memset(&T, 0, sizeof(T));
	snprintf(tag, sizeof(tag), "ctr-%d", (int)owner);
	T.dir = itest_mkdtemp(tag);
	snprintf(T.bundle, sizeof(T.bundle), "%s/bundle", T.dir);
	snprintf(T.images, sizeof(T.images), "%s/images", T.dir);
	snprintf(T.id, sizeof(T.id), "ckpt-test-%d-%d", (int)owner, (int)getpid());
	T.runtime = "runc";
	ck_assert_int_eq(mkdir(T.bundle, 0755), 0);
	make_rootfs();
}

/* Removes the container from both runtimes, its restored init and its cgroups. */
static void
teardown(void)
{
	char *out = NULL;

	if (T.restored > 1 && kill(T.restored, 0) == 0) {
		kill(T.restored, SIGKILL);
		itest_wait_gone(T.restored, 5000);
	}
	itest_run(&out, "for rt in runc crun; do $rt kill %s KILL; sleep 0.2; $rt delete -f %s; done 2>&1", T.id, T.id);
	free(out);
	itest_run(&out, "find /sys/fs/cgroup -maxdepth 5 -depth -type d -name '%s' -exec rmdir {} \\; 2>&1", T.id);
	free(out);
	itest_rmdir(T.dir);
}

/* Runs `<runtime> args...` with stdin /dev/null and stdout+stderr on out_fd; returns its exit status. */
static int
runtime_cmd(int out_fd, const char *const *args)
{
	const char *argv[16];
	pid_t pid;
	int n = 0, st;

	argv[n++] = T.runtime;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDWR);
		dup2(null_fd, 0);
		dup2(out_fd >= 0 ? out_fd : null_fd, 1);
		dup2(out_fd >= 0 ? out_fd : null_fd, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Starts the container detached, its stdout and stderr on a new pipe; returns the read end. */
static int
start_container(void)
{
	const char *args[] = { "run", "-d", "--bundle", T.bundle, T.id, NULL };
	int p[2], r;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	r = runtime_cmd(p[1], args);
	close(p[1]);
	if (r != 0) {
		char buf[2048] = "";
		ssize_t n = read(p[0], buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		ck_abort_msg("%s run %s failed (%d): %s", T.runtime, T.id, r, buf);
	}
	return p[0];
}

/* A pipe whose write end a restored container gets as stdout and stderr. */
static void
new_stdio(ckpt_container_opts *co, int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(ckpt_container_opts_set_stdio(co, 0, p[1], p[1]), 0);
}

/* What has been read of a container's counter so far. */
struct reader {
	int fd;
	long last;	/* the last value seen, -1 before any */
	long first_new; /* the first value the last read_counter() call saw */
	char line[64];
	size_t ll;
};

static void
take_line(struct reader *r, int *got)
{
	long v;

	r->line[r->ll] = '\0';
	r->ll = 0;
	v = strtol(r->line, NULL, 10);
	/* a restore may replay what was still in the old pipe: skip what is not new */
	if (r->last >= 0 && v <= r->last)
		return;
	ck_assert_msg(r->last < 0 || v == r->last + 1, "counter jumped from %ld to %ld", r->last, v);
	if (r->first_new < 0)
		r->first_new = v;
	r->last = v;
	(*got)++;
}

/*
 * Reads counter lines until want more values arrived (or EOF when want is
 * 0), for at most timeout_ms; checks the values go up by one.
 */
static void
read_counter(struct reader *r, int want, int timeout_ms)
{
	char buf[4096];
	int got = 0, waited = 0;

	r->first_new = -1;
	while (waited < timeout_ms && (want == 0 || got < want)) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		n = read(r->fd, buf, sizeof(buf));
		if (n <= 0)
			break; /* EOF: every writer is gone */
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n')
				take_line(r, &got);
			else if (r->ll < sizeof(r->line) - 1)
				r->line[r->ll++] = buf[i];
		}
	}
	ck_assert_msg(want == 0 || got >= want, "got %d counter values of %d in %d ms", got, want, timeout_ms);
}

static ckpt_opts *
dump_opts(void)
{
	ckpt_opts *o;

	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_images_dir(o, T.images), 0);
	ck_assert_int_eq(ckpt_opts_set_timeout(o, 60000), 0);
	return o;
}

static void
assert_ok(int r, ckpt_error *e, const char *what)
{
	if (r < 0) {
		const char *x = e ? ckpt_error_log_excerpt(e) : NULL;
		ck_abort_msg("%s failed (%d): %s%s%s", what, r, e ? ckpt_error_message(e) : "?", x ? "\n" : "",
			     x ? x : "");
	}
}

/* Checkpoints T.id with the library; returns the last counter value it printed. */
static long
ckpt_dump_container(int out_fd, ckpt_opts *o, const ckpt_container_opts *co)
{
	struct reader rd = { .fd = out_fd, .last = -1 };
	ckpt_error *e = NULL;
	int r;

	read_counter(&rd, 3, 10000);
	r = ckpt_container_dump(o, T.id, co, NULL, &e);
	assert_ok(r, e, "ckpt_container_dump");
	/* criu killed the container: drain the old pipe to its end */
	read_counter(&rd, 0, 5000);
	ck_assert_int_gt(rd.last, 0);
	return rd.last;
}

/* Restores T.id with the library; returns the read end of its new stdout. */
static int
ckpt_restore_container(ckpt_opts *o, ckpt_container_opts *co, pid_t *ret_pid)
{
	ckpt_result *res = NULL;
	ckpt_error *e = NULL;
	int p[2], r;

	new_stdio(co, p);
	r = ckpt_container_restore(o, T.id, co, &res, &e);
	close(p[1]);
	assert_ok(r, e, "ckpt_container_restore");
	*ret_pid = ckpt_result_pid(res);
	ck_assert_int_gt(*ret_pid, 1);
	ckpt_result_free(res);
	return p[0];
}

/* The restored counter goes on from last_before + 1 (what the old pipe still held may come again). */
static void
assert_continues(int fd, long last_before)
{
	struct reader rd = { .fd = fd, .last = last_before };

	read_counter(&rd, 3, 10000);
	ck_assert_msg(rd.first_new == last_before + 1, "the counter went on at %ld, it had stopped at %ld",
		      rd.first_new, last_before);
}

/* The runtime's view of the container: 0 when `state` knows it. */
static int
runtime_state(void)
{
	const char *args[] = { "state", T.id, NULL };

	return runtime_cmd(-1, args);
}

static bool
cgroup_has(pid_t pid, const char *id)
{
	char path[64], *out = NULL;
	bool yes;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	ck_assert_int_eq(itest_run(&out, "cat %s", path), 0);
	yes = strstr(out, id) != NULL;
	free(out);
	return yes;
}

START_TEST(runc_dump_then_restore)
{
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	int out, out2;
	long last;

	make_config(COUNTER, NULL);
	out = start_container();
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0); /* the runtime is found by id */
	last = ckpt_dump_container(out, o, co);
	ck_assert_int_ne(runtime_state(), 0); /* runc forgot it, as after runc checkpoint */
	ck_assert_int_eq(access(T.images, F_OK), 0);
	ck_assert_int_eq(ckpt_container_opts_set_bundle(co, T.bundle), 0);
	out2 = ckpt_restore_container(o, co, &T.restored);
	assert_continues(out2, last);
	ck_assert_msg(cgroup_has(T.restored, T.id), "the restored init is not in the container's cgroup");
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(ckpt_dump_then_runc_restore)
{
	const char *args[] = { "restore", "-d", "--image-path", T.images, "--bundle", T.bundle, T.id, NULL };
	ckpt_opts *o = dump_opts();
	int out, p[2], r;
	long last;

	make_config(COUNTER, NULL);
	out = start_container();
	last = ckpt_dump_container(out, o, NULL);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	r = runtime_cmd(p[1], args);
	close(p[1]);
	ck_assert_msg(r == 0, "runc restore of ckpt's images failed (%d)", r);
	assert_continues(p[0], last);
	ck_assert_int_eq(runtime_state(), 0); /* runc manages it again */
	close(out);
	close(p[0]);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(runc_checkpoint_then_ckpt_restore)
{
	const char *args[] = { "checkpoint", "--image-path", T.images, T.id, NULL };
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	int out, out2, r;
	long last;

	make_config(COUNTER, NULL);
	struct reader rd = { .fd = out = start_container(), .last = -1 };
	read_counter(&rd, 3, 10000);
	r = runtime_cmd(-1, args);
	ck_assert_msg(r == 0, "runc checkpoint failed (%d)", r);
	read_counter(&rd, 0, 5000);
	last = rd.last;
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	ck_assert_int_eq(ckpt_container_opts_set_bundle(co, T.bundle), 0); /* runc's images name no bundle */
	out2 = ckpt_restore_container(o, co, &T.restored);
	assert_continues(out2, last);
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

/*
 * crun refuses this hybrid layout while the cgroup2 hierarchy has a
 * controller it lacks in v1: the hugetlb controller gets its own v1
 * hierarchy. This is machine set-up, left in place (other containers may
 * use it by now).
 */
static void
mount_hugetlb(void)
{
	struct stat a, b;

	if (stat("/sys/fs/cgroup/hugetlb", &a) == 0 && stat("/sys/fs/cgroup", &b) == 0 && a.st_dev != b.st_dev)
		return; /* already a mount of its own */
	if (access("/sys/fs/cgroup/unified", F_OK) < 0)
		return; /* not the hybrid layout */
	mkdir("/sys/fs/cgroup/hugetlb", 0755);
	ck_assert_msg(mount("cgroup", "/sys/fs/cgroup/hugetlb", "cgroup", 0, "hugetlb") == 0,
		      "mount the hugetlb cgroup: %s", strerror(errno));
}

START_TEST(crun_dump_restore_then_kill_and_delete)
{
	const char *kill_args[] = { "kill", T.id, "KILL", NULL }, *del_args[] = { "delete", T.id, NULL };
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	char state_dir[600];
	pid_t pid;
	int out, out2;
	long last;

	T.runtime = "crun";
	mount_hugetlb();
	make_config(COUNTER, NULL);
	out = start_container();
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	last = ckpt_dump_container(out, o, co);
	ck_assert_int_ne(runtime_state(), 0);
	/* no bundle given: the images name it; crun is the runtime they name */
	out2 = ckpt_restore_container(o, co, &pid);
	T.restored = pid;
	assert_continues(out2, last);
	ck_assert_int_eq(runtime_state(), 0);
	ck_assert_msg(cgroup_has(pid, T.id), "the restored init is not in the container's cgroup");
	ck_assert_int_eq(runtime_cmd(-1, kill_args), 0);
	ck_assert_msg(itest_wait_gone(pid, 10000), "crun kill did not stop the restored container");
	T.restored = 0; /* gone: its pid may be someone else's by now */
	ck_assert_int_eq(runtime_cmd(-1, del_args), 0);
	snprintf(state_dir, sizeof(state_dir), "/run/crun/%s", T.id);
	ck_assert_int_ne(access(state_dir, F_OK), 0);
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

/*
 * A TCP connection inside the container's own network namespace: the
 * counter goes through it (nc to nc over loopback) before reaching stdout.
 */
START_TEST(netns_with_tcp_connection)
{
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	int out, out2;
	long last;

	/* the server echoes (cat) what the client sends; the client prints it */
	make_config("nc -l -p 5000 -e cat & sleep 0.5; " COUNTER " | nc 127.0.0.1 5000", NULL);
	out = start_container();
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_TCP_ESTABLISHED, 1), 0);
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	ck_assert_int_eq(ckpt_container_opts_set_runtime(co, CKPT_RUNTIME_RUNC), 0);
	last = ckpt_dump_container(out, o, co);
	ck_assert_int_eq(ckpt_container_opts_set_bundle(co, T.bundle), 0);
	out2 = ckpt_restore_container(o, co, &T.restored);
	assert_continues(out2, last);
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

static long
host_count(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtol(buf, NULL, 10);
}

/*
 * A bind mount from the host, on a destination that is a symlink inside the
 * rootfs: the restored container writes into the same host directory.
 */
START_TEST(bind_mount_from_host)
{
	char host[600], extra[1024], file[700], link[700];
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	int out, out2;
	long last, before;

	snprintf(host, sizeof(host), "%s/host", T.dir);
	ck_assert_int_eq(mkdir(host, 0755), 0);
	snprintf(file, sizeof(file), "%s/count", host);
	snprintf(link, sizeof(link), "%s/rootfs/data", T.bundle);
	ck_assert_int_eq(itest_run(NULL, "mkdir -p %s/rootfs/srv/data", T.bundle), 0);
	ck_assert_int_eq(symlink("srv/data", link), 0);
	snprintf(extra, sizeof(extra),
		 "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\",\"rw\"]},",
		 host);
	make_config("i=0; while true; do i=$((i+1)); echo $i; echo $i > /data/count; sleep 0.2; done", extra);
	out = start_container();
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	last = ckpt_dump_container(out, o, co);
	before = host_count(file);
	ck_assert_int_gt(before, 0);
	ck_assert_int_eq(ckpt_container_opts_set_bundle(co, T.bundle), 0);
	out2 = ckpt_restore_container(o, co, &T.restored);
	assert_continues(out2, last);
	/* the shell truncates the file before it writes it: give it a moment */
	for (int i = 0; i < 20 && host_count(file) <= before; i++)
		itest_sleep_ms(100);
	if (host_count(file) <= before) {
		char *mi = NULL;
		itest_run(&mi,
			  "grep -E 'data|srv' /proc/%d/mountinfo; ls -la /proc/%d/root/data/ /proc/%d/root/srv/data/",
			  (int)T.restored, (int)T.restored, (int)T.restored);
		ck_abort_msg("the restored container does not write into `%s` (count %ld, was %ld): %s", host,
			     host_count(file), before, mi);
	}
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(leave_running_keeps_it_running)
{
	ckpt_container_opts *co;
	ckpt_result *res = NULL;
	ckpt_error *e = NULL;
	ckpt_opts *o = dump_opts();
	char path[700];
	long last;
	int out, r;

	make_config(COUNTER, NULL);
	struct reader rd = { .fd = out = start_container(), .last = -1 };
	read_counter(&rd, 3, 10000);
	last = rd.last;
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1), 0);
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	r = ckpt_container_dump(o, T.id, co, &res, &e);
	assert_ok(r, e, "ckpt_container_dump --leave-running");
	ck_assert_int_eq(runtime_state(), 0); /* still runc's */
	read_counter(&rd, 5, 10000);
	ck_assert_int_gt(rd.last, last); /* and still counting */
	snprintf(path, sizeof(path), "%s/descriptors.json", T.images);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/ckpt-container.json", T.images);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/inventory.img", T.images);
	ck_assert_int_eq(access(path, R_OK), 0);
	ckpt_result_free(res);
	close(out);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(unknown_container_is_refused)
{
	ckpt_error *e = NULL;
	ckpt_opts *o = dump_opts();

	ck_assert_int_eq(ckpt_container_dump(o, T.id, NULL, NULL, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(e), "no container"));
	ck_assert_int_ne(access(T.images, F_OK), 0); /* nothing written */
	ckpt_error_free(e);
	ckpt_opts_free(o);
}
END_TEST

/* Runs the ckpt binary with stdout and stderr on out_fd (or /dev/null); returns its exit status. */
static int
ckpt_cli(int out_fd, const char *const *args)
{
	const char *bin = itest_prog("CKPT_BIN"), *argv[24];
	pid_t pid;
	int n = 0, st;

	argv[n++] = "ckpt";
	while (*args && n < 23)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDWR);
		dup2(null_fd, 0);
		dup2(out_fd >= 0 ? out_fd : null_fd, 1);
		dup2(out_fd >= 0 ? out_fd : null_fd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `ckpt checkpoint ID` then `ckpt restore ID`: the CLI on a real container. */
static void
cli_round_trip(const char *runtime)
{
	const char *dump[] = { "checkpoint", "-q", "--runtime", runtime, "--image-path", T.images, T.id, NULL };
	const char *rest[] = { "restore",      "-q",	 "-d",	     "--runtime", runtime,
			       "--image-path", T.images, "--bundle", T.bundle,	  "--pid-file",
			       NULL,	       T.id,	 NULL };
	struct reader rd;
	char pidfile[600];
	int out, p[2];
	FILE *f;
	pid_t pid = 0;

	T.runtime = runtime;
	make_config(COUNTER, NULL);
	out = start_container();
	rd = (struct reader){ .fd = out, .last = -1 };
	read_counter(&rd, 3, 10000);
	ck_assert_int_eq(ckpt_cli(-1, dump), 0);
	read_counter(&rd, 0, 5000);
	ck_assert_int_ne(runtime_state(), 0);
	snprintf(pidfile, sizeof(pidfile), "%s/restored.pid", T.dir);
	rest[10] = pidfile;
	/* ckpt's own stdout becomes the restored container's stdout */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(ckpt_cli(p[1], rest), 0);
	close(p[1]);
	f = fopen(pidfile, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	T.restored = pid;
	ck_assert_int_gt(pid, 1);
	assert_continues(p[0], rd.last);
	ck_assert_msg(cgroup_has(pid, T.id), "the restored init is not in the container's cgroup");
	close(out);
	close(p[0]);
}

START_TEST(cli_runc_checkpoint_restore)
{
	cli_round_trip("runc");
}
END_TEST

START_TEST(cli_crun_checkpoint_restore)
{
	const char *kill_args[] = { "kill", T.id, "KILL", NULL }, *del_args[] = { "delete", T.id, NULL };

	mount_hugetlb();
	cli_round_trip("crun");
	ck_assert_int_eq(runtime_state(), 0); /* registered back with crun */
	ck_assert_int_eq(runtime_cmd(-1, kill_args), 0);
	ck_assert_msg(itest_wait_gone(T.restored, 10000), "crun kill did not stop the restored container");
	T.restored = 0;
	ck_assert_int_eq(runtime_cmd(-1, del_args), 0);
}
END_TEST

START_TEST(cli_refuses_hostile_ids)
{
	const char *ids[] = { "../../etc", "a/b", "x\ny", ".." };
	char *out;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int st = itest_run(&out, "%s checkpoint '%s' 2>&1", itest_prog("CKPT_BIN"), ids[i]);
		ck_assert_msg(st == 2, "id %s: exit %d: %s", ids[i], st, out);
		ck_assert_msg(strstr(out, "container id"), "id %s: %s", ids[i], out);
		free(out);
	}
	ck_assert_int_eq(itest_run(&out, "%s checkpoint --image-path %s no-such-container-%d 2>&1",
				   itest_prog("CKPT_BIN"), T.images, (int)getpid()),
			 2); /* an unknown id is bad input, as an unknown pid */
	ck_assert_msg(strstr(out, "no-such-container"), "%s", out);
	free(out);
	ck_assert_int_ne(access(T.images, F_OK), 0);
}
END_TEST

/* The restored inits of this runner's containers: their cgroup names carry its pid. */
static void
kill_restored(const char *prefix)
{
	char *out = NULL, *save = NULL;

	itest_run(&out, "grep -l -- '/%s' /proc/[0-9]*/cgroup 2>/dev/null", prefix);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int pid = atoi(l + strlen("/proc/"));
		if (pid > 1 && pid != getpid())
			kill(pid, SIGKILL);
	}
	free(out);
}

/*
 * Runs in the runner after each test, even one that failed (a failed
 * assertion ends the test's process before its checked teardown).
 */
static void
sweep(void)
{
	char prefix[64], *out = NULL;

	snprintf(prefix, sizeof(prefix), "ckpt-test-%d-", (int)owner);
	itest_run(&out,
		  "for rt in runc crun; do for id in $($rt list -q 2>/dev/null | grep '^%s'); do "
		  "$rt kill $id KILL; sleep 0.2; $rt delete -f $id; done; done 2>&1",
		  prefix);
	free(out);
	kill_restored(prefix);
	itest_sleep_ms(300);
	itest_run(&out,
		  "find /sys/fs/cgroup -maxdepth 5 -depth -type d -name '%s*' -exec rmdir {} \\; 2>&1; "
		  "rm -rf /tmp/ckpt-test-ctr-%d-*",
		  prefix, (int)owner);
	free(out);
}

static void
add(Suite *s, const char *name, const TTest *t)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, NULL, sweep);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

static Suite *
suite(void)
{
	Suite *s = suite_create("container");

	add(s, "runc", runc_dump_then_restore);
	add(s, "runc-restore", ckpt_dump_then_runc_restore);
	add(s, "runc-checkpoint", runc_checkpoint_then_ckpt_restore);
	add(s, "crun", crun_dump_restore_then_kill_and_delete);
	add(s, "netns-tcp", netns_with_tcp_connection);
	add(s, "bind-mount", bind_mount_from_host);
	add(s, "leave-running", leave_running_keeps_it_running);
	add(s, "unknown", unknown_container_is_refused);
	add(s, "cli-runc", cli_runc_checkpoint_restore);
	add(s, "cli-crun", cli_crun_checkpoint_restore);
	add(s, "cli-ids", cli_refuses_hostile_ids);
	return s;
}

int
main(void)
{
	owner = getpid();
	return itest_main(suite());
}
