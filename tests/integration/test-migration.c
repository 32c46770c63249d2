/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live migration between two "hosts": two network namespaces made here,
 * joined by a veth pair (10.77.0.1 and 10.77.0.2). The workload lives in the
 * source namespace and in its own pid namespace (so its restore on the same
 * machine cannot collide with the source's pids); ckpt runs on each side
 * with `ip netns exec`, as it would on two machines.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

struct hosts {
	char src[32], dst[32];
	char *dir;
	pid_t unshare_pid, pid; /* the workload's pid namespace: unshare, and its init */
};

/*
 * nsenter --net joins only the network namespace: `ip netns exec` would also
 * make a new mount namespace, which criu would then have to dump.
 */
static const char *
netns_arg(const char *name)
{
	static char buf[2][96];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "--net=/run/netns/%s", name);
	return buf[i];
}

static void
hosts_up(struct hosts *h, const char *tag)
{
	char *out;
	int n = getpid() % 100000;

	snprintf(h->src, sizeof(h->src), "ckpt-s%d", n);
	snprintf(h->dst, sizeof(h->dst), "ckpt-d%d", n);
	ck_assert_int_eq(itest_run(&out,
				   "set -e; ip netns add %1$s; ip netns add %2$s;"
				   "ip link add cks%3$d type veth peer name ckd%3$d;"
				   "ip link set cks%3$d netns %1$s; ip link set ckd%3$d netns %2$s;"
				   "ip -n %1$s addr add 10.77.0.1/24 dev cks%3$d; ip -n %1$s link set cks%3$d up;"
				   "ip -n %1$s link set lo up;"
				   "ip -n %2$s addr add 10.77.0.2/24 dev ckd%3$d; ip -n %2$s link set ckd%3$d up;"
				   "ip -n %2$s link set lo up;"
				   "ip netns exec %1$s ping -c1 -W2 10.77.0.2 >/dev/null 2>&1 || true",
				   h->src, h->dst, n),
			 0);
	free(out);
	itest_on_exit_run("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", h->src, h->dst);
	h->dir = itest_mkdtemp(tag);
}

static void
hosts_down(struct hosts *h)
{
	char *out;

	itest_run(&out, "ip netns del %s; ip netns del %s", h->src, h->dst);
	free(out);
	itest_rmdir(h->dir);
}

/* The workload in the source namespace, as the init of a new pid namespace. */
static void
start_in_source(struct hosts *h)
{
	const char *prog, *ns;
	char *w;
	FILE *f;
	char path[128];

	ck_assert_int_ge(asprintf(&w, "%s/w", h->dir), 0);
	ck_assert_int_eq(mkdir(w, 0700), 0);
	prog = itest_prog("CKPT_WORKLOAD");
	ns = netns_arg(h->src);
	h->unshare_pid = fork();
	ck_assert_int_ge(h->unshare_pid, 0);
	if (h->unshare_pid == 0) {
		execlp("nsenter", "nsenter", ns, "unshare", "--pid", "--fork", prog, w, "0", "8", "20", (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(itest_wait_count(w, 0, 5, 10000), "the workload did not start");
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", h->unshare_pid, h->unshare_pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &h->pid), 1);
	fclose(f);
	itest_on_exit_kill(h->pid); /* the init of its pid namespace: all of it */
	itest_on_exit_kill(h->unshare_pid);
	free(w);
}

static ino_t
netns_inode(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

static pid_t
read_pid_file(const char *path)
{
	pid_t pid = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* The restored workload runs in the destination namespace and carried on. */
static void
assert_carried_on(struct hosts *h, pid_t restored, unsigned long at)
{
	char w[4096], ns[64], dstns[64];
	struct counter c;

	snprintf(w, sizeof(w), "%s/w", h->dir);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", restored);
	snprintf(dstns, sizeof(dstns), "/run/netns/%s", h->dst);
	ck_assert_msg(netns_inode(ns) == netns_inode(dstns), "the restored workload is not in the destination");
	ck_assert(itest_wait_count(w, 0, at + 10, 10000));
	ck_assert_int_eq(itest_counter(w, 0, &c), 0);
	ck_assert_msg(c.contiguous, "the counter has a gap or restarted");
	ck_assert_msg(c.all_ok, "the workload's memory came back corrupted");
}

static unsigned long
counter_now(struct hosts *h)
{
	char w[4096];
	struct counter c;

	snprintf(w, sizeof(w), "%s/w", h->dir);
	ck_assert_int_eq(itest_counter(w, 0, &c), 0);
	return c.last;
}

START_TEST(page_server_migration)
{
	struct hosts h;
	char *out, *psout;
	const char *bin, *ns;
	pid_t ps, restored;
	int port = 0, st, rc;
	FILE *f;

	hosts_up(&h, "mig-ps");
	start_in_source(&h);
	/* destination: a page server on 10.77.0.2, any free port */
	ck_assert_int_ge(asprintf(&psout, "%s/ps.json", h.dir), 0);
	bin = itest_prog("CKPT_BIN");
	ns = netns_arg(h.dst);
	ps = fork();
	if (ps == 0) {
		int fd = open(psout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || chdir(h.dir) < 0)
			_exit(126);
		execlp("nsenter", "nsenter", ns, bin, "page-server", "--image-path", "dst", "--address", "10.77.0.2",
		       "--port", "0", "--json", (char *)NULL);
		_exit(127);
	}
	itest_on_exit_kill(ps);
	for (int i = 0; i < 500 && port == 0; i++) {
		itest_sleep_ms(10);
		if ((f = fopen(psout, "re"))) {
			if (fscanf(f, "{\"pid\":%*d,\"port\":%d}", &port) != 1)
				port = 0;
			fclose(f);
		}
	}
	ck_assert_int_gt(port, 0);
	/* source: checkpoint, pages over the veth */
	rc = itest_run(&out,
		       "cd %s && nsenter --net=/run/netns/%s %s checkpoint -q --pid %d --image-path src "
		       "--page-server 10.77.0.2:%d 2>&1",
		       h.dir, h.src, itest_prog("CKPT_BIN"), h.pid, port);
	ck_assert_msg(rc == 0, "checkpoint failed (%d): %s", rc, out);
	free(out);
	ck_assert_int_eq(waitpid(ps, &st, 0), ps);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the page server failed");
	ck_assert(itest_wait_gone(h.pid, 10000));
	waitpid(h.unshare_pid, NULL, 0);
	/* the pages are on the destination only; send the rest like rsync would */
	ck_assert_int_eq(itest_run(&out,
				   "cd %s && ls dst | grep -q '^pages-' && ! ls src | grep -q '^pages-' && "
				   "cp -n src/* dst/",
				   h.dir),
			 0);
	free(out);
	ck_assert_int_eq(
		itest_run(&out,
			  "cd %s && nsenter --net=/run/netns/%s %s restore -q -d --image-path dst --pid-file r.pid "
			  "2>&1",
			  h.dir, h.dst, itest_prog("CKPT_BIN")),
		0);
	free(out);
	ck_assert_int_ge(asprintf(&out, "%s/r.pid", h.dir), 0);
	restored = read_pid_file(out);
	free(out);
	ck_assert_int_gt(restored, 1);
	itest_on_exit_kill(restored);
	assert_carried_on(&h, restored, counter_now(&h));
	itest_kill(restored);
	free(psout);
	hosts_down(&h);
}
END_TEST

static int
set_pipe_max(long v)
{
	long old = 0;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r+e");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld", &old), 1);
	rewind(f);
	fprintf(f, "%ld\n", v);
	fclose(f);
	return (int)old;
}

static bool
read_status_byte(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b = 1;

	return poll(&p, 1, timeout_ms) == 1 && read(fd, &b, 1) == 1 && b == '\0';
}

START_TEST(lazy_migration)
{
	struct hosts h;
	char *out, *lazy_out, *errpath, ps[64], pidarg[16];
	const char *bin, *ns;
	pid_t src, lazy, restored;
	int sp[2], st, port = 27000 + getpid() % 1000, old = set_pipe_max(4 << 20);

	hosts_up(&h, "mig-lazy");
	start_in_source(&h);
	ck_assert_int_eq(pipe2(sp, O_CLOEXEC), 0);
	/*
	 * Everything the child needs is computed before the fork: a check
	 * assertion in the child would write Check's own messages into its fd 3,
	 * which is the status pipe there.
	 */
	snprintf(ps, sizeof(ps), "10.77.0.1:%d", port);
	snprintf(pidarg, sizeof(pidarg), "%d", h.pid);
	ck_assert_int_ge(asprintf(&errpath, "%s/src.err", h.dir), 0);
	bin = itest_prog("CKPT_BIN");
	ns = netns_arg(h.src);
	src = fork();
	if (src == 0) {
		int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (efd < 0 || dup2(efd, 2) < 0 || dup2(sp[1], 3) < 0 || chdir(h.dir) < 0)
			_exit(126);
		execlp("nsenter", "nsenter", ns, bin, "checkpoint", "-q", "--pid", pidarg, "--image-path", "src",
		       "--lazy-pages", "--page-server", ps, "--status-fd", "3", (char *)NULL);
		_exit(127);
	}
	itest_on_exit_kill(src);
	itest_on_exit_run("echo %d > /proc/sys/fs/pipe-max-size", old);
	close(sp[1]);
	ck_assert_msg(read_status_byte(sp[0], 20000), "no status byte from the lazy dump");
	close(sp[0]);
	{
		char state = itest_state(h.pid); /* frozen while its memory waits to be pulled */
		int sst = -1;
		pid_t done = waitpid(src, &sst, WNOHANG);
		ck_assert_msg(state == 't', "source pid %d in state %c (ckpt %s, status %d)", h.pid,
			      state ? state : '-', done ? "exited" : "running", sst);
	}
	ck_assert_int_eq(itest_run(&out, "cd %s && mkdir dst && cp src/* dst/", h.dir), 0);
	free(out);
	ck_assert_int_ge(asprintf(&lazy_out, "%s/lazy.out", h.dir), 0);
	ns = netns_arg(h.dst);
	lazy = fork();
	if (lazy == 0) {
		int fd = open(lazy_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || chdir(h.dir) < 0)
			_exit(126);
		execlp("nsenter", "nsenter", ns, bin, "lazy-pages", "--image-path", "dst", "--page-server", ps,
		       (char *)NULL);
		_exit(127);
	}
	itest_on_exit_kill(lazy);
	itest_sleep_ms(500);
	ck_assert_int_eq(
		itest_run(&out,
			  "cd %s && nsenter --net=/run/netns/%s %s restore -q -d --lazy-pages --image-path dst "
			  "--pid-file r.pid 2>&1",
			  h.dir, h.dst, itest_prog("CKPT_BIN")),
		0);
	free(out);
	ck_assert_int_eq(waitpid(lazy, &st, 0), lazy);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the lazy-pages daemon failed");
	ck_assert_int_eq(waitpid(src, &st, 0), src);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the lazy dump failed");
	ck_assert(itest_wait_gone(h.pid, 10000));
	waitpid(h.unshare_pid, NULL, 0);
	ck_assert_int_ge(asprintf(&out, "%s/r.pid", h.dir), 0);
	restored = read_pid_file(out);
	free(out);
	ck_assert_int_gt(restored, 1);
	itest_on_exit_kill(restored);
	assert_carried_on(&h, restored, counter_now(&h));
	itest_kill(restored);
	set_pipe_max(old);
	free(lazy_out);
	free(errpath);
	hosts_down(&h);
}
END_TEST

START_TEST(lazy_refused_when_pipes_are_too_small)
{
	struct hosts h;
	char *out;
	int old = set_pipe_max(1 << 20);
	unsigned long before;

	hosts_up(&h, "mig-pipe");
	start_in_source(&h);
	ck_assert_int_eq(itest_run(&out,
				   "cd %s && nsenter --net=/run/netns/%s %s checkpoint --pid %d --image-path src "
				   "--lazy-pages --page-server 10.77.0.1:27999 2>&1",
				   h.dir, h.src, itest_prog("CKPT_BIN"), h.pid),
			 1);
	ck_assert_msg(strstr(out, "fs.pipe-max-size >= 4194304"), "%s", out);
	ck_assert_msg(!strstr(out, "criu said"), "criu's unrelated output was quoted: %s", out);
	free(out);
	before = counter_now(&h);
	itest_sleep_ms(200);
	ck_assert_uint_gt(counter_now(&h), before);
	ck_assert_int_eq(itest_state(h.pid), 'S');
	itest_kill(h.pid);
	waitpid(h.unshare_pid, NULL, 0);
	set_pipe_max(old);
	hosts_down(&h);
}
END_TEST

/* Is anything listening on TCP port `port` (IPv4 or IPv6)? From /proc/net/tcp{,6}. */
static bool
listening(int port)
{
	const char *files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512], want[16];
	bool found = false;

	snprintf(want, sizeof(want), ":%04X ", port);
	for (size_t i = 0; i < 2 && !found; i++) {
		FILE *f = fopen(files[i], "re");

		while (f && !found && fgets(line, sizeof(line), f)) {
			char *local = strchr(line, ':'); /* "sl:", then the local address */
			local = local ? strchr(local + 1, ':') : NULL;
			found = local && strncmp(local, want, strlen(want)) == 0 && strstr(line, " 0A ");
		}
		if (f)
			fclose(f);
	}
	return found;
}

/*
 * `ckpt page-server` interrupted while it waits for a sender: ckpt exits
 * 128+signal and the server it started stops listening and ends.
 */
static void
page_server_stops_on(int sig)
{
	char *dir = itest_mkdtemp("ps-signal"), *psout;
	int pid = 0, port = 0, st;
	pid_t ckpt;
	FILE *f;

	ck_assert_int_ge(asprintf(&psout, "%s/ps.json", dir), 0);
	ckpt = fork();
	ck_assert_int_ge(ckpt, 0);
	if (ckpt == 0) {
		int fd = open(psout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || chdir(dir) < 0)
			_exit(126);
		execl(itest_prog("CKPT_BIN"), "ckpt", "page-server", "--image-path", "dst", "--address", "127.0.0.1",
		      "--port", "0", "--json", (char *)NULL);
		_exit(127);
	}
	itest_on_exit_kill(ckpt);
	for (int i = 0; i < 500 && port == 0; i++) {
		itest_sleep_ms(10);
		if ((f = fopen(psout, "re"))) {
			if (fscanf(f, "{\"pid\":%d,\"port\":%d}", &pid, &port) != 2)
				port = 0;
			fclose(f);
		}
	}
	ck_assert_int_gt(port, 0);
	ck_assert_int_gt(pid, 1);
	itest_on_exit_kill(pid); /* even if the test fails */
	ck_assert_msg(listening(port), "the page server %d does not listen on %d", pid, port);
	ck_assert_int_eq(kill(ckpt, sig), 0);
	ck_assert_int_eq(waitpid(ckpt, &st, 0), ckpt);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig, "ckpt page-server ended with %#x", st);
	/* gone, or a zombie waiting for init to reap it: never listening */
	for (int i = 0; i < 300 && itest_state(pid) && itest_state(pid) != 'Z'; i++)
		itest_sleep_ms(10);
	ck_assert_msg(!itest_state(pid) || itest_state(pid) == 'Z', "the page server %d still runs (state %c)", pid,
		      itest_state(pid));
	ck_assert_msg(!listening(port), "port %d still listening", port);
	free(psout);
	itest_rmdir(dir);
}

START_TEST(page_server_stops_on_sigint)
{
	page_server_stops_on(SIGINT);
}
END_TEST

START_TEST(page_server_stops_on_sigterm)
{
	page_server_stops_on(SIGTERM);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("migration");
	TCase *tc = tcase_create("migration");

	TCase *lazy = tcase_create("lazy");

	tcase_set_timeout(tc, 180);
	tcase_set_timeout(lazy, 180);
	tcase_add_test(tc, page_server_migration);
	tcase_add_test(tc, page_server_stops_on_sigint);
	tcase_add_test(tc, page_server_stops_on_sigterm);
	tcase_add_test(lazy, lazy_migration);
	tcase_add_test(lazy, lazy_refused_when_pipes_are_too_small);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, lazy);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
