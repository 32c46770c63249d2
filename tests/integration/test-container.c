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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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
	static const char *const applets[] = { "sh", "sleep", "cat", "echo", "nc", "ls", "seq", "readlink", "tty" };
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
 * config.json for a busybox container running script (sh -c), or an
 * interactive sh when script is NULL, with its own pid, network, ipc, uts
 * and mount namespaces (the network one joined from netns when given); with
 * a terminal (the runtime's console socket) or not; extra_mounts is
 * appended to the mounts (JSON objects, each followed by a comma).
 */
static void
make_config_ex(bool terminal, const char *script, const char *netns, const char *extra_mounts)
{
	char path[1024], args[1024], net[600], *json;

	if (script)
		snprintf(args, sizeof(args), "\"sh\",\"-c\",\"%s\"", script);
	else
		snprintf(args, sizeof(args), "\"sh\"");
	if (netns)
		snprintf(net, sizeof(net), "{\"type\":\"network\",\"path\":\"%s\"}", netns);
	else
		snprintf(net, sizeof(net), "{\"type\":\"network\"}");
	ck_assert_int_ge(
		asprintf(
			&json,
			"{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":%s,\"user\":{\"uid\":0,\"gid\":0},"
			"\"args\":[%s],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
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
			"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},%s,{\"type\":\"ipc\"},"
			"{\"type\":\"uts\"},{\"type\":\"mount\"}],"
			"\"maskedPaths\":[\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/timer_list\","
			"\"/sys/firmware\"],"
			"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\"]}}",
			terminal ? "true" : "false", args, extra_mounts ? extra_mounts : "", net),
		0);
	snprintf(path, sizeof(path), "%s/config.json", T.bundle);
	write_text(path, json);
	free(json);
}

static void
make_config(const char *script, const char *extra_mounts)
{
	make_config_ex(false, script, NULL, extra_mounts);
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

/*
 * Starts the container detached, its stdout and stderr (or the runtime's
 * messages, for a terminal container given a console socket) on a new pipe;
 * returns the read end.
 */
static int
start_container_with(const char *console_socket)
{
	const char *args[] = { "run", "-d", "--bundle", T.bundle, T.id, NULL, NULL, NULL };
	int p[2], r;

	if (console_socket) {
		args[4] = "--console-socket";
		args[5] = console_socket;
		args[6] = T.id;
	}

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

static int
start_container(void)
{
	return start_container_with(NULL);
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

/* ---- shared by the tests below ---------------------------------------------- */

/* The whole of a small file (a criu log, /proc/PID/cgroup), or NULL. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(f);
	ck_assert_int_eq(fclose(m), 0);
	return buf;
}

static char *
images_log(const char *name)
{
	char path[700], *log;

	snprintf(path, sizeof(path), "%s/%s", T.images, name);
	log = slurp(path);
	ck_assert_msg(log, "no %s", path);
	return log;
}

static char *
proc_cgroup(pid_t pid)
{
	char path[64], *cg;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	cg = slurp(path);
	ck_assert_msg(cg, "cannot read %s", path);
	return cg;
}

/* The init pid the runtime reports for T.id. */
static pid_t
container_pid(void)
{
	char *out = NULL, *p;
	pid_t pid;

	ck_assert_int_eq(itest_run(&out, "%s state %s", T.runtime, T.id), 0);
	p = strstr(out, "\"pid\"");
	ck_assert_msg(p, "no pid in `%s state`: %s", T.runtime, out);
	pid = (pid_t)strtol(p + strcspn(p, "0123456789"), NULL, 10);
	free(out);
	ck_assert_int_gt(pid, 1);
	return pid;
}

/*
 * criu froze the tree through the container's freezer cgroup, not with
 * ptrace: its dump log names the cgroup ("freezing cgroup
 * /sys/fs/cgroup/freezer/<id>: ..." on cgroup v1).
 */
static void
assert_frozen_by_cgroup(void)
{
	char *log = images_log("dump.log"), want[200];
	const char *line = strstr(log, "freezing cgroup ");

	ck_assert_msg(line, "criu did not freeze through a cgroup (no \"freezing cgroup\" in dump.log)");
	snprintf(want, sizeof(want), "/%s: ", T.id);
	ck_assert_msg(strstr(line, want) && strstr(line, want) < strchr(line, '\n'),
		      "criu froze another cgroup than the container's: %.*s", (int)strcspn(line, "\n"), line);
	free(log);
}

static void
pipe_run(const char *const *args, char *buf, size_t size, int *ret)
{
	int p[2];
	ssize_t n;
	size_t len = 0;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	*ret = runtime_cmd(p[1], args);
	close(p[1]);
	while (len < size - 1 && (n = read(p[0], buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
}

/* ---- terminal containers: the console socket ---------------------------------- */

/* A listening unix socket at path, as runc's recvtty makes for --console-socket. */
static int
console_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_lt(strlen(path), sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	unlink(path);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s: %s", path, strerror(errno));
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

/* Accepts one connection on the console socket and takes the pty master it carries. */
static int
console_recv(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	char name[256];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int sk, fd = -1;

	ck_assert_msg(poll(&pfd, 1, timeout_ms) == 1, "nobody connected to the console socket in %d ms", timeout_ms);
	sk = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(sk, 0);
	ck_assert_int_ge(recvmsg(sk, &msg, MSG_CMSG_CLOEXEC), 0);
	c = CMSG_FIRSTHDR(&msg);
	ck_assert_msg(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS,
		      "the console socket got no file descriptor");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	close(sk);
	ck_assert_msg(isatty(fd), "what came over the console socket is not a terminal");
	return fd;
}

/*
 * Types line into the terminal and reads its output until want appears
 * (the shell echoes what is typed: want must be what a command prints, not
 * what it is); aborts with what was read after timeout_ms.
 */
static void
tty_expect(int fd, const char *line, const char *want, int timeout_ms)
{
	char buf[8192];
	size_t len = 0;
	int waited = 0;

	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	buf[0] = '\0';
	while (!strstr(buf, want) && waited < timeout_ms) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		ck_assert_msg(n > 0, "the terminal closed (%s) before printing `%s`; it printed: %s",
			      n < 0 ? strerror(errno) : "EOF", want, buf);
		len += (size_t)n;
		buf[len] = '\0';
		if (len > sizeof(buf) / 2) { /* keep the tail */
			memmove(buf, buf + len - sizeof(buf) / 4, sizeof(buf) / 4 + 1);
			len = sizeof(buf) / 4;
		}
	}
	ck_assert_msg(strstr(buf, want), "the terminal did not print `%s` in %d ms; it printed: %s", want, timeout_ms,
		      buf);
}

/* The pty master of a container that is gone: every slave is closed, reads end in EIO. */
static void
assert_hung_up(int fd)
{
	char buf[4096];

	for (int waited = 0; waited < 10000; waited += 100) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
	}
	ck_abort_msg("the old terminal is still open: the checkpointed container still runs");
}

static pid_t
read_pid_file(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	ck_assert_msg(f, "no pid file %s", path);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	ck_assert_int_gt(pid, 1);
	return pid;
}

/*
 * The shell of the restored container answers on the new master: it still
 * has the variable set before the checkpoint, its terminal is the
 * container's /dev/pts/0, and its pid namespace is the restored init's.
 */
static void
assert_tty_is_restored_shell(int master, pid_t init)
{
	char link[64], ns[64] = "", want[200];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/ns/pid", (int)init);
	n = readlink(link, ns, sizeof(ns) - 1);
	ck_assert_int_gt(n, 0);
	ns[n] = '\0';
	snprintf(want, sizeof(want), "[%s|%s|/dev/pts/0]", "kept42", ns);
	tty_expect(master, "echo \"[$X|$(readlink /proc/1/ns/pid)|$(tty)]\"\n", want, 10000);
}

/*
 * A runc or crun container with "terminal": true, started with
 * --console-socket: this test takes the pty master, as runc's recvtty
 * does, and sets a shell variable through it. `ckpt checkpoint` dumps it
 * (its pty master is outside the tree: orphan-pts-master), then
 * `ckpt restore -d --console-socket` (or `runc restore --console-socket`)
 * sends the new master to a second socket, through which the same shell
 * answers. Returns that master: closing it hangs up the container's shell.
 */
static int
tty_round_trip(const char *runtime, bool runc_restores)
{
	const char *dump[] = { "checkpoint", "-q", "--runtime", runtime, "--image-path", T.images, T.id, NULL };
	const char *rest[] = { "restore", "-q",		  "-d",	    "--runtime",
			       runtime,	  "--image-path", T.images, "--console-socket",
			       NULL,	  "--pid-file",	  NULL,	    T.id,
			       NULL };
	const char *runc_rest[] = { "restore",		"-d", "--image-path", T.images, "--bundle", T.bundle,
				    "--console-socket", NULL, T.id,	      NULL };
	char sock1[600], sock2[600], pidfile[600];
	int lfd1, lfd2, m1, m2, out, r;

	T.runtime = runtime;
	if (strcmp(runtime, "crun") == 0)
		mount_hugetlb();
	make_config_ex(true, NULL, NULL, NULL);
	snprintf(sock1, sizeof(sock1), "%s/console1.sock", T.dir);
	snprintf(sock2, sizeof(sock2), "%s/console2.sock", T.dir);
	snprintf(pidfile, sizeof(pidfile), "%s/restored.pid", T.dir);
	lfd1 = console_listen(sock1);
	out = start_container_with(sock1);
	m1 = console_recv(lfd1, 10000);
	tty_expect(m1, "X=kept$((6*7)); echo \"<$X>\"\n", "<kept42>", 10000);
	ck_assert_int_eq(ckpt_cli(-1, dump), 0);
	assert_hung_up(m1);
	ck_assert_int_ne(runtime_state(), 0);
	lfd2 = console_listen(sock2);
	if (runc_restores) {
		runc_rest[7] = sock2;
		r = runtime_cmd(-1, runc_rest);
		ck_assert_msg(r == 0, "runc restore --console-socket of ckpt's images failed (%d)", r);
		T.restored = container_pid();
	} else {
		rest[8] = sock2;
		rest[10] = pidfile;
		ck_assert_int_eq(ckpt_cli(-1, rest), 0);
		T.restored = read_pid_file(pidfile);
	}
	m2 = console_recv(lfd2, 10000);
	assert_tty_is_restored_shell(m2, T.restored);
	close(m1);
	close(lfd1);
	close(lfd2);
	close(out);
	return m2;
}

START_TEST(tty_runc)
{
	close(tty_round_trip("runc", false));
}
END_TEST

START_TEST(tty_crun)
{
	const char *exec_args[] = { "exec", T.id, "echo", "exec-ok", NULL };
	char buf[256];
	int r, master;

	master = tty_round_trip("crun", false);
	ck_assert_int_eq(runtime_state(), 0); /* registered back with crun */
	pipe_run(exec_args, buf, sizeof(buf), &r);
	ck_assert_msg(r == 0 && strstr(buf, "exec-ok"), "crun exec into the restored container: %d %s", r, buf);
	close(master);
}
END_TEST

START_TEST(tty_ckpt_dump_runc_restore)
{
	const char *exec_args[] = { "exec", T.id, "echo", "exec-ok", NULL };
	char buf[256];
	int r, master;

	master = tty_round_trip("runc", true);
	ck_assert_int_eq(runtime_state(), 0); /* runc manages it */
	pipe_run(exec_args, buf, sizeof(buf), &r);
	ck_assert_msg(r == 0 && strstr(buf, "exec-ok"), "runc exec into the restored container: %d %s", r, buf);
	close(master);
}
END_TEST

/* A terminal container restored with a console socket nobody listens on: refused, named, nothing left running. */
START_TEST(tty_console_socket_refused)
{
	const char *dump[] = { "checkpoint", "-q", "--image-path", T.images, T.id, NULL };
	char sock1[600], sock2[600], *out = NULL;
	int lfd1, m1, o;

	make_config_ex(true, NULL, NULL, NULL);
	snprintf(sock1, sizeof(sock1), "%s/console1.sock", T.dir);
	snprintf(sock2, sizeof(sock2), "%s/nobody.sock", T.dir);
	lfd1 = console_listen(sock1);
	o = start_container_with(sock1);
	m1 = console_recv(lfd1, 10000);
	ck_assert_int_eq(ckpt_cli(-1, dump), 0);
	ck_assert_int_eq(itest_run(&out, "%s restore -d --image-path %s --console-socket %s %s 2>&1",
				   itest_prog("CKPT_BIN"), T.images, sock2, T.id),
			 1);
	ck_assert_msg(strstr(out, sock2) && strstr(out, "pty master"), "the error does not name the console socket: %s",
		      out);
	free(out);
	/* criu killed what it had restored: nothing runs in the container's cgroup (zombies aside) */
	for (int waited = 0;; waited += 200) {
		itest_run(&out,
			  "for f in /proc/[0-9]*; do grep -qs -- '/%s$' $f/cgroup && ! grep -qs '^State:.*Z' $f/status "
			  "&& echo ${f#/proc/}; done; true",
			  T.id);
		if (out[0] == '\0')
			break;
		ck_assert_msg(waited < 5000, "the container runs although its restore failed: pids %s", out);
		free(out);
		itest_sleep_ms(200);
	}
	free(out);
	close(m1);
	close(lfd1);
	close(o);
}
END_TEST

/* ---- a network namespace given by path ---------------------------------------- */

/* What the container's server in netns answers on 127.0.0.1:5001 (its own view of /proc/1/ns/net). */
static char *
ask_in_netns(const char *ns, int timeout_ms)
{
	char *out = NULL;

	for (int waited = 0;; waited += 200) {
		int st = itest_run(&out, "ip netns exec %s busybox nc -w 2 127.0.0.1 5001 </dev/null 2>&1", ns);
		if (st == 0 && strstr(out, "net:["))
			return out;
		if (waited >= timeout_ms)
			ck_abort_msg("no answer on 127.0.0.1:5001 in netns %s (%d): %s", ns, st, out);
		free(out);
		itest_sleep_ms(200);
	}
}

/*
 * config.json joins a network namespace the test made (`ip netns add`):
 * criu dumps it as external (net[INODE]:extRootNetNS) and the restore
 * joins the same namespace, where the restored container's TCP server
 * answers again.
 */
START_TEST(netns_by_path)
{
	char ns[64], path[128], want[64], link[64], got[64] = "", *log, *answer;
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	struct stat st;
	int out, out2;
	ssize_t n;
	long last;

	snprintf(ns, sizeof(ns), "ckpt-tn-%d-%d", (int)owner, (int)getpid());
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	itest_on_exit_run("ip netns delete %s 2>/dev/null", ns);
	ck_assert_int_eq(itest_run(NULL, "ip netns add %s && ip netns exec %s ip link set lo up", ns, ns), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(want, sizeof(want), "net:[%llu]", (unsigned long long)st.st_ino);
	make_config_ex(false, "nc -ll -p 5001 -e readlink /proc/1/ns/net & " COUNTER, path, NULL);
	out = start_container();
	answer = ask_in_netns(ns, 10000);
	ck_assert_msg(strstr(answer, want), "the container is not in %s (%s): %s", ns, want, answer);
	free(answer);
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	ck_assert_int_eq(ckpt_container_opts_set_runtime(co, CKPT_RUNTIME_RUNC), 0);
	last = ckpt_dump_container(out, o, co);
	log = images_log("dump.log");
	snprintf(link, sizeof(link), "The net[%llu] netns is external", (unsigned long long)st.st_ino);
	ck_assert_msg(strstr(log, link), "criu did not dump %s as external", path);
	free(log);
	ck_assert_int_ne(
		itest_run(NULL, "ip netns exec %s busybox nc -w 1 127.0.0.1 5001 </dev/null >/dev/null 2>&1", ns),
		0); /* the server is gone with the container */
	ck_assert_int_eq(ckpt_container_opts_set_bundle(co, T.bundle), 0);
	out2 = ckpt_restore_container(o, co, &T.restored);
	assert_continues(out2, last);
	snprintf(link, sizeof(link), "/proc/%d/ns/net", (int)T.restored);
	n = readlink(link, got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_msg(strcmp(got, want) == 0, "the restored init is in %s, not in %s (%s)", got, ns, want);
	answer = ask_in_netns(ns, 10000);
	ck_assert_msg(strstr(answer, want), "the restored server answers from another namespace: %s", answer);
	free(answer);
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}
END_TEST

/* ---- cgroups: the freezer, --manage-cgroups-mode -------------------------------- */

/*
 * A runc container checkpointed and restored with a manage-cgroups mode:
 * criu freezes it through its freezer cgroup; the mode reaches criu (the
 * dump of ignore has no cgroup properties, the others do; the restore log
 * names the mode, ignore has no cgroup yard); the restored init is in the
 * cgroups the original init was in, in every hierarchy (criu puts it back
 * in soft, full, strict, props and none, in cgroups ckpt made for the last
 * two; ckpt does in ignore, as runc does).
 */
static void
cgroup_mode_round_trip(enum ckpt_cg_mode mode, const char *yard)
{
	ckpt_container_opts *co;
	ckpt_opts *o = dump_opts();
	char *before, *after, *log;
	int out, out2;
	long last;

	make_config(COUNTER, NULL);
	out = start_container();
	before = proc_cgroup(container_pid());
	ck_assert_msg(strstr(before, T.id), "the container is not in its cgroup: %s", before);
	ck_assert_int_eq(ckpt_opts_set_manage_cgroups_mode(o, mode), 0);
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	last = ckpt_dump_container(out, o, co);
	assert_frozen_by_cgroup();
	log = images_log("dump.log");
	if (mode == CKPT_CG_IGNORE)
		ck_assert_msg(!strstr(log, "cg: Dumping value"), "criu dumped cgroup properties in ignore mode");
	else
		ck_assert_msg(strstr(log, "cg: Dumping value"), "criu dumped no cgroup properties");
	free(log);
	ck_assert_int_eq(ckpt_container_opts_set_bundle(co, T.bundle), 0);
	out2 = ckpt_restore_container(o, co, &T.restored);
	assert_continues(out2, last);
	log = images_log("restore.log");
	if (yard)
		ck_assert_msg(strstr(log, yard), "the restore log does not say `%s`", yard);
	else
		ck_assert_msg(!strstr(log, "Preparing cgroups yard"), "criu managed cgroups in ignore mode");
	free(log);
	after = proc_cgroup(T.restored);
	ck_assert_msg(strcmp(before, after) == 0, "the restored init is in\n%s\nthe original was in\n%s", after,
		      before);
	free(before);
	free(after);
	close(out);
	close(out2);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}

START_TEST(cgroup_mode_soft)
{
	cgroup_mode_round_trip(CKPT_CG_SOFT, "cgroups restore mode 0x4)");
}
END_TEST

START_TEST(cgroup_mode_full)
{
	cgroup_mode_round_trip(CKPT_CG_FULL, "cgroups restore mode 0x8)");
}
END_TEST

START_TEST(cgroup_mode_strict)
{
	/* strict: criu creates every cgroup itself and refuses one that exists */
	cgroup_mode_round_trip(CKPT_CG_STRICT, "cgroups restore mode 0x10)");
}
END_TEST

START_TEST(cgroup_mode_ignore)
{
	cgroup_mode_round_trip(CKPT_CG_IGNORE, NULL);
}
END_TEST

START_TEST(cgroup_mode_props)
{
	/* props and none: criu needs the cgroups to exist, ckpt makes them */
	cgroup_mode_round_trip(CKPT_CG_PROPS, "cgroups restore mode 0x2)");
}
END_TEST

START_TEST(cgroup_mode_none)
{
	cgroup_mode_round_trip(CKPT_CG_NONE, "cgroups restore mode 0x1)");
}
END_TEST

/* ---- --leave-running --------------------------------------------------------- */

/*
 * Checkpointed with CKPT_FLAG_LEAVE_RUNNING, the container stays its
 * runtime's and usable: thawed, still counting, `exec` runs in it, `kill`
 * stops it and `delete` removes it and its cgroups.
 */
static void
leave_running(const char *runtime)
{
	const char *exec_args[] = { "exec", T.id, "sh", "-c", "echo exec-$((6*7)) $(readlink /proc/1/ns/pid)", NULL };
	const char *kill_args[] = { "kill", T.id, "KILL", NULL }, *del_args[] = { "delete", T.id, NULL };
	ckpt_container_opts *co;
	ckpt_result *res = NULL;
	ckpt_error *e = NULL;
	ckpt_opts *o = dump_opts();
	char path[700], buf[512], ns[64], want[100], *state;
	ssize_t n;
	pid_t pid;
	long last;
	int out, r;

	T.runtime = runtime;
	if (strcmp(runtime, "crun") == 0)
		mount_hugetlb();
	make_config(COUNTER, NULL);
	struct reader rd = { .fd = out = start_container(), .last = -1 };
	pid = container_pid();
	read_counter(&rd, 3, 10000);
	last = rd.last;
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1), 0);
	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	r = ckpt_container_dump(o, T.id, co, &res, &e);
	assert_ok(r, e, "ckpt_container_dump --leave-running");
	assert_frozen_by_cgroup();
	ck_assert_int_eq(runtime_state(), 0); /* still the runtime's */
	read_counter(&rd, 5, 10000);
	ck_assert_int_gt(rd.last, last); /* and still counting */
	snprintf(path, sizeof(path), "/sys/fs/cgroup/freezer/%s/freezer.state", T.id);
	if ((state = slurp(path))) { /* cgroup v1: criu thawed what it froze */
		ck_assert_msg(strncmp(state, "THAWED", 6) == 0, "the container is left %s", state);
		free(state);
	}
	snprintf(path, sizeof(path), "%s/descriptors.json", T.images);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/ckpt-container.json", T.images);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/inventory.img", T.images);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	n = readlink(path, ns, sizeof(ns) - 1);
	ck_assert_int_gt(n, 0);
	ns[n] = '\0';
	snprintf(want, sizeof(want), "exec-42 %s", ns);
	pipe_run(exec_args, buf, sizeof(buf), &r); /* in the container's pid namespace */
	ck_assert_msg(r == 0 && strstr(buf, want), "%s exec after the checkpoint: %d %s (not %s)", runtime, r, buf,
		      want);
	ck_assert_int_eq(runtime_cmd(-1, kill_args), 0);
	ck_assert_msg(itest_wait_gone(pid, 10000), "%s kill did not stop the container", runtime);
	read_counter(&rd, 0, 5000); /* the pipe ends: nothing else writes it */
	ck_assert_int_eq(runtime_cmd(-1, del_args), 0);
	ck_assert_int_ne(runtime_state(), 0);
	ck_assert_int_eq(itest_run(NULL, "find /sys/fs/cgroup -maxdepth 5 -type d -name '%s' | grep -q .", T.id), 1);
	ckpt_result_free(res);
	close(out);
	ckpt_container_opts_free(co);
	ckpt_opts_free(o);
}

START_TEST(leave_running_runc)
{
	leave_running("runc");
}
END_TEST

START_TEST(leave_running_crun)
{
	leave_running("crun");
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
		  "rm -rf /tmp/ckpt-test-ctr-%d-*; "
		  "for ns in $(ip netns list | cut -d' ' -f1 | grep '^ckpt-tn-%d-'); do ip netns delete $ns; done",
		  prefix, (int)owner, (int)owner);
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
	add(s, "leave-running", leave_running_runc);
	add(s, "leave-running-crun", leave_running_crun);
	add(s, "unknown", unknown_container_is_refused);
	add(s, "cli-runc", cli_runc_checkpoint_restore);
	add(s, "cli-crun", cli_crun_checkpoint_restore);
	add(s, "cli-ids", cli_refuses_hostile_ids);
	add(s, "tty-runc", tty_runc);
	add(s, "tty-crun", tty_crun);
	add(s, "tty-runc-restore", tty_ckpt_dump_runc_restore);
	add(s, "tty-no-listener", tty_console_socket_refused);
	add(s, "netns-path", netns_by_path);
	add(s, "cgroup-soft", cgroup_mode_soft);
	add(s, "cgroup-full", cgroup_mode_full);
	add(s, "cgroup-strict", cgroup_mode_strict);
	add(s, "cgroup-ignore", cgroup_mode_ignore);
	add(s, "cgroup-props", cgroup_mode_props);
	add(s, "cgroup-none", cgroup_mode_none);
	return s;
}

int
main(void)
{
	owner = getpid();
	return itest_main(suite());
}
