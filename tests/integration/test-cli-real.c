/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ckpt binary against real criu: demo, JSON output, exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "itest.h"

static yajl_val
get(yajl_val v, const char *a, const char *b)
{
	const char *path[] = { a, b, NULL };
	return yajl_tree_get(v, path, yajl_t_any);
}

START_TEST(demo_exits_zero)
{
	char *out;
	int st = itest_run(&out, "%s demo 2>&1", itest_prog("CKPT_BIN"));

	ck_assert_msg(st == 0, "ckpt demo failed (%d): %s", st, out);
	ck_assert_ptr_nonnull(strstr(out, "carried on"));
	ck_assert_ptr_nonnull(strstr(out, "demo passed"));
	free(out);
}
END_TEST

/* --json: one object, both results in it, on one line. */
START_TEST(demo_json_is_one_object)
{
	char *out;
	yajl_val v;
	int st = itest_run(&out, "%s demo --json", itest_prog("CKPT_BIN"));

	ck_assert_msg(st == 0, "ckpt demo --json failed (%d): %s", st, out);
	ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
	v = itest_parse_json(out);
	ck_assert(YAJL_IS_TRUE(get(v, "passed", NULL)));
	ck_assert_str_eq(YAJL_GET_STRING(get(v, "checkpoint", "operation")), "checkpoint");
	ck_assert_str_eq(YAJL_GET_STRING(get(v, "restore", "operation")), "restore");
	ck_assert_int_eq(YAJL_GET_INTEGER(get(v, "checkpoint", "pid")), YAJL_GET_INTEGER(get(v, "restore", "pid")));
	ck_assert(YAJL_IS_NUMBER(
		yajl_tree_get(v, (const char *[]){ "restore", "phases_ms", "restore", NULL }, yajl_t_any)));
	ck_assert_int_gt(YAJL_GET_INTEGER(get(v, "counted_after_restore", NULL)),
			 YAJL_GET_INTEGER(get(v, "counted_to_checkpoint", NULL)));
	yajl_tree_free(v);
	free(out);
}
END_TEST

/* lazy-pages streams: JSON lines, each one object (a daemon with no source to fetch from fails). */
START_TEST(lazy_pages_json_lines)
{
	char *dir = itest_mkdtemp("lazyjson"), *out, *line, *save = NULL;
	int n = 0;

	ck_assert_int_eq(itest_run(&out,
				   "timeout 60 %s lazy-pages --json --image-path %s --page-server 127.0.0.1:1 "
				   "2>/dev/null",
				   itest_prog("CKPT_BIN"), dir),
			 1);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		yajl_val v = itest_parse_json(line);
		if (n == 0)
			ck_assert_msg(YAJL_IS_INTEGER(get(v, "pid", NULL)), "%s", line);
		else
			ck_assert_msg(YAJL_GET_INTEGER(get(v, "exit_status", NULL)) != 0, "%s", line);
		yajl_tree_free(v);
	}
	ck_assert_int_eq(n, 2);
	free(out);
	itest_rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* ckpt check against what this test finds out about the machine itself. */

/* A string value, "" when it is not one. */
static const char *
str_of(yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;

	return s ? s : "";
}

/* The row of OPTION in a `ckpt check --json` report. */
static yajl_val
check_row(yajl_val report, const char *option)
{
	yajl_val rows = get(report, "options", NULL);

	ck_assert(YAJL_IS_ARRAY(rows));
	for (size_t i = 0; i < YAJL_GET_ARRAY(rows)->len; i++) {
		yajl_val row = YAJL_GET_ARRAY(rows)->values[i];
		const char *name = YAJL_GET_STRING(get(row, "option", NULL));
		if (name && strcmp(name, option) == 0)
			return row;
	}
	ck_abort_msg("ckpt check has no row for %s", option);
	return NULL;
}

static void
expect_row(yajl_val report, const char *option, bool supported, const char *fact)
{
	yajl_val row = check_row(report, option), s = get(row, "supported", NULL);

	ck_assert_msg((supported && YAJL_IS_TRUE(s)) || (!supported && YAJL_IS_FALSE(s)),
		      "%s: ckpt check says %s (%s), but %s", option, YAJL_IS_TRUE(s) ? "yes" : "no",
		      YAJL_GET_STRING(get(row, "why", NULL)), fact);
}

static yajl_val
run_check_json(void)
{
	char *out;
	yajl_val v;

	ck_assert_int_eq(itest_run(&out, "%s check --json", itest_prog("CKPT_BIN")), 0);
	ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
	v = itest_parse_json(out);
	free(out);
	return v;
}

/* Soft-dirty, as criu tests it: clear the bits, write a page, read pagemap bit 55. */
static bool
soft_dirty_works(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	volatile char *p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t e = 0;
	int fd;

	ck_assert(p != MAP_FAILED);
	p[0] = 1;
	fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "4", 1), 1);
	close(fd);
	p[0] = 2;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / (uintptr_t)psz * sizeof(e))), sizeof(e));
	close(fd);
	munmap((void *)p, (size_t)psz);
	return e & (1ull << 55);
}

/* userfaultfd with the non-cooperative events lazy pages need. */
static bool
uffd_noncoop_works(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP |
					      UFFD_FEATURE_EVENT_UNMAP };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, UFFDIO_API, &api) == 0;
	close(fd);
	return ok;
}

/* Can this process get a 4 MiB pipe (criu's page server asks for one)? */
static bool
big_pipe_works(void)
{
	int p[2];
	bool ok;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ok = fcntl(p[0], F_SETPIPE_SZ, 4 << 20) >= 0;
	close(p[0]);
	close(p[1]);
	return ok;
}

static bool
shell_says(const char *cmd)
{
	char *out;
	int st = itest_run(&out, "%s", cmd);

	free(out);
	return st == 0;
}

static void
set_pipe_max_size(const char *v)
{
	char *out;

	ck_assert_int_eq(itest_run(&out, "sysctl -qw fs.pipe-max-size=%s", v), 0);
	free(out);
}

/* fs.pipe-max-size both ways (put back at once, and at exit whatever happens). */
static void
check_lazy_pages_follows_pipe_max_size(void)
{
	bool uffd = uffd_noncoop_works();
	char *orig;
	yajl_val v;

	ck_assert_int_eq(itest_run(&orig, "cat /proc/sys/fs/pipe-max-size"), 0);
	orig[strcspn(orig, "\n")] = '\0';
	itest_on_exit_run("sysctl -qw fs.pipe-max-size=%s", orig);
	set_pipe_max_size("1048576");
	v = run_check_json();
	expect_row(v, "--lazy-pages", uffd && big_pipe_works(), "fs.pipe-max-size is 1 MiB");
	if (!big_pipe_works())
		ck_assert_msg(strstr(str_of(get(check_row(v, "--lazy-pages"), "why", NULL)), "fs.pipe-max-size"),
			      "the reason does not name fs.pipe-max-size");
	yajl_tree_free(v);
	set_pipe_max_size("4194304");
	v = run_check_json();
	set_pipe_max_size(orig);
	expect_row(v, "--lazy-pages", uffd, uffd ? "userfaultfd works and 4 MiB pipes are allowed" : "no userfaultfd");
	expect_row(v, "--status-fd", uffd, "--status-fd works with --lazy-pages only");
	yajl_tree_free(v);
	free(orig);
}

static void
check_runtime(yajl_val v, int i, const char *name)
{
	yajl_val rt = YAJL_GET_ARRAY(get(v, "runtimes", NULL))->values[i];
	char *path, *version, option[32];
	bool found = itest_run(&path, "command -v %s", name) == 0;

	snprintf(option, sizeof(option), "--runtime %s", name);
	ck_assert_str_eq(YAJL_GET_STRING(get(rt, "name", NULL)), name);
	expect_row(v, option, found, found ? "it is on PATH" : "it is not on PATH");
	if (found) {
		path[strcspn(path, "\n")] = '\0';
		ck_assert_str_eq(YAJL_GET_STRING(get(rt, "path", NULL)), path);
		ck_assert_int_eq(itest_run(&version, "%s --version | head -n1", path), 0);
		version[strcspn(version, "\n")] = '\0';
		ck_assert_str_eq(YAJL_GET_STRING(get(rt, "version", NULL)), version);
		free(version);
	} else {
		ck_assert(YAJL_IS_NULL(get(rt, "path", NULL)));
	}
	free(path);
}

static void
check_criu_needed(yajl_val v, const char *option, const char *version)
{
	yajl_val n = get(check_row(v, option), "criu_needed", NULL);

	ck_assert_msg(version ? strcmp(str_of(n), version) == 0 : YAJL_IS_NULL(n), "%s: criu_needed is %s, not %s",
		      option, YAJL_IS_STRING(n) ? str_of(n) : "null", version ? version : "null");
}

START_TEST(check_matches_the_machine)
{
	static const char *const rows[] = {
		"--pre-dump, --parent-path",
		"--lazy-pages",
		"--status-fd",
		"--network-lock iptables",
		"--network-lock nftables",
		"--network-lock skip",
		"--page-server",
		"--tcp-established",
		"--tcp-close",
		"--ext-unix-sk",
		"--file-locks",
		"--link-remap",
		"--auto-dedup",
		"--empty-ns network",
		"--manage-cgroups-mode",
		"--lsm-profile",
		"--lsm-mount-context",
		"pidfd store",
		"--runtime runc",
		"--runtime crun",
		"--runtime youki",
	};
	yajl_val v = run_check_json();
	bool ipt = shell_says("for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do "
			      "[ -x $d/iptables-restore ] && exit 0; done; exit 1") &&
		   shell_says("unshare -n iptables -L -n >/dev/null 2>&1");
	bool nft = shell_says("unshare -n nft list ruleset >/dev/null 2>&1") &&
		   shell_says("grep -q libnftables.so /usr/local/sbin/criu");
	bool lsm = shell_says("grep -qE 'apparmor|selinux' /sys/kernel/security/lsm");
	char *layout;

	ck_assert(YAJL_IS_TRUE(get(v, "ok", NULL)));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(v, rows[i]);
	expect_row(v, "--pre-dump, --parent-path", soft_dirty_works(), "pagemap's soft-dirty bit says so");
	expect_row(v, "--network-lock iptables", ipt, "iptables -L -n in a new network namespace says so");
	expect_row(v, "--network-lock nftables", nft, "nft list ruleset and criu's libraries say so");
	expect_row(v, "--tcp-established", ipt || nft, "it needs a network lock");
	expect_row(v, "--lsm-profile", lsm, "/sys/kernel/security/lsm says so");
	check_criu_needed(v, "--network-lock skip", "3.19.0");
	check_criu_needed(v, "--tcp-close", "3.9.0");
	check_criu_needed(v, "--lazy-pages", "3.5.0");
	check_criu_needed(v, "--status-fd", "3.15.0");
	check_criu_needed(v, "--lsm-profile", "3.12.0");
	check_criu_needed(v, "--file-locks", NULL);
	ck_assert_int_eq(itest_run(&layout, "awk '/ - cgroup2 / {v2 = 1} / - cgroup / && $NF !~ /^rw,(xattr,)?name=/ "
					    "{v1 = 1} END {print (v1 && v2) ? \"hybrid\" : v1 ? \"v1\" : v2 ? "
					    "\"unified\" : \"none\"}' /proc/self/mountinfo"),
			 0);
	layout[strcspn(layout, "\n")] = '\0';
	ck_assert_str_eq(YAJL_GET_STRING(get(v, "cgroup", "layout")), layout);
	check_runtime(v, 0, "runc");
	check_runtime(v, 1, "crun");
	check_runtime(v, 2, "youki");
	free(layout);
	yajl_tree_free(v);
	check_lazy_pages_follows_pipe_max_size();
}
END_TEST

/* The text table says what the JSON says, row by row. */
START_TEST(check_text_matches_json)
{
	yajl_val v = run_check_json(), rows = get(v, "options", NULL);
	char *out;

	ck_assert_int_eq(itest_run(&out, "%s check", itest_prog("CKPT_BIN")), 0);
	ck_assert_msg(strstr(out, "status    ok: ") && strstr(out, "\nOPTION "), "%s", out);
	for (size_t i = 0; i < YAJL_GET_ARRAY(rows)->len; i++) {
		yajl_val row = YAJL_GET_ARRAY(rows)->values[i], s = get(row, "supported", NULL);
		char line[128];

		snprintf(line, sizeof(line), "\n%-28s %-4s ", YAJL_GET_STRING(get(row, "option", NULL)),
			 YAJL_IS_TRUE(s)    ? "yes"
			 : YAJL_IS_FALSE(s) ? "no"
					    : "?");
		ck_assert_msg(strstr(out, line), "no `%s` in:\n%s", line + 1, out);
	}
	free(out);
	yajl_tree_free(v);
}
END_TEST

START_TEST(version_names_criu)
{
	char *out;

	ck_assert_int_eq(itest_run(&out, "%s version", itest_prog("CKPT_BIN")), 0);
	ck_assert_ptr_nonnull(strstr(out, "ckpt version "));
	ck_assert_ptr_nonnull(strstr(out, "criu 4."));
	free(out);
}
END_TEST

START_TEST(checkpoint_and_restore_json)
{
	char *dir = itest_mkdtemp("clijson"), *out, *pidfile;
	pid_t pid = itest_start_workload(dir, 0, 1), restored;
	struct counter before, after;
	yajl_val v;
	FILE *f;

	ck_assert_int_eq(
		itest_run(&out, "%s checkpoint --pid %d --image-path %s/img --json", itest_prog("CKPT_BIN"), pid, dir),
		0);
	v = itest_parse_json(out);
	ck_assert(YAJL_IS_INTEGER(get(v, "pid", NULL)));
	ck_assert_int_eq(YAJL_GET_INTEGER(get(v, "pid", NULL)), pid);
	ck_assert(YAJL_IS_STRING(get(v, "image_path", NULL)));
	ck_assert(YAJL_IS_NUMBER(get(v, "wall_ms", NULL)));
	ck_assert(YAJL_IS_NUMBER(get(v, "phases_ms", "dump")));
	ck_assert(YAJL_IS_INTEGER(get(v, "image_bytes", NULL)));
	ck_assert_int_gt(YAJL_GET_INTEGER(get(v, "image_bytes", NULL)), 1 << 20);
	ck_assert(YAJL_IS_ARRAY(get(v, "events", NULL)));
	yajl_tree_free(v);
	free(out);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_eq(itest_counter(dir, 0, &before), 0);

	ck_assert_int_ge(asprintf(&pidfile, "%s/restored.pid", dir), 0);
	ck_assert_int_eq(itest_run(&out, "%s restore --image-path %s/img -d --pid-file %s --json",
				   itest_prog("CKPT_BIN"), dir, pidfile),
			 0);
	v = itest_parse_json(out);
	restored = (pid_t)YAJL_GET_INTEGER(get(v, "pid", NULL));
	ck_assert_int_eq(restored, pid);
	yajl_tree_free(v);
	free(out);
	f = fopen(pidfile, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &restored), 1);
	fclose(f);
	ck_assert_int_eq(restored, pid);
	ck_assert(itest_wait_count(dir, 0, before.last + 5, 10000));
	ck_assert_int_eq(itest_counter(dir, 0, &after), 0);
	ck_assert(after.contiguous && after.all_ok);
	itest_kill(restored);
	free(pidfile);
	itest_rmdir(dir);
}
END_TEST

START_TEST(failure_is_json_and_exit_1)
{
	char *dir = itest_mkdtemp("clijson"), *out;
	const char *excerpt;
	yajl_val v;
	pid_t sleeper;

	/* the caller's input (a pid that does not exist): exit 2, "input": true */
	ck_assert_int_eq(itest_run(&out, "%s checkpoint --pid 4194300 --image-path /tmp/ckpt-never --json 2>/dev/null",
				   itest_prog("CKPT_BIN")),
			 2);
	v = itest_parse_json(out);
	ck_assert(YAJL_IS_STRING(get(v, "error", "message")));
	ck_assert_str_eq(YAJL_GET_STRING(get(v, "error", "message")),
			 "checkpoint pid 4194300: process 4194300 does not exist");
	ck_assert_int_eq(YAJL_GET_INTEGER(get(v, "error", "errno")), ESRCH);
	ck_assert(YAJL_IS_TRUE(get(v, "error", "input")));
	yajl_tree_free(v);
	free(out);
	/* criu's failure (not a session leader, no --shell-job): exit 1, criu's part filled in */
	ck_assert_int_eq(itest_run(&out, "cd %s && setsid sh -c 'sleep 100 </dev/null >/dev/null 2>&1 & echo $!'", dir),
			 0);
	sleeper = atoi(out);
	free(out);
	ck_assert_int_gt(sleeper, 1);
	ck_assert_int_eq(itest_run(&out, "%s checkpoint --pid %d --image-path %s/img --json 2>/dev/null",
				   itest_prog("CKPT_BIN"), sleeper, dir),
			 1);
	v = itest_parse_json(out);
	ck_assert(YAJL_IS_FALSE(get(v, "error", "input")));
	ck_assert_int_eq(YAJL_GET_INTEGER(get(v, "error", "criu_exit")), 1);
	excerpt = YAJL_GET_STRING(get(v, "error", "log_excerpt"));
	ck_assert_ptr_nonnull(excerpt);
	ck_assert_ptr_nonnull(strstr(excerpt, "session leader"));
	ck_assert(YAJL_IS_STRING(get(v, "error", "log_path")));
	yajl_tree_free(v);
	free(out);
	ck_assert(itest_state(sleeper) == 'S');
	kill(sleeper, SIGKILL);
	itest_rmdir(dir);
}
END_TEST

START_TEST(criu_failure_shows_its_log)
{
	char *dir = itest_mkdtemp("clierr"), *out;
	pid_t pid = itest_start_workload(dir, 0, 1);

	/* A workload that is not a session leader needs --shell-job: criu fails. */
	ck_assert_int_eq(itest_run(&out, "cd %s && setsid sh -c 'sleep 100 </dev/null >/dev/null 2>&1 & echo $!'", dir),
			 0);
	{
		pid_t sleeper = atoi(out);
		char *err;
		free(out);
		ck_assert_int_gt(sleeper, 1);
		ck_assert_int_eq(itest_run(&err, "%s checkpoint --pid %d --image-path %s/img 2>&1",
					   itest_prog("CKPT_BIN"), sleeper, dir),
				 1);
		ck_assert_msg(strstr(err, "ckpt: checkpoint pid "), "%s", err);
		ck_assert_msg(strstr(err, "criu dump failed: "), "%s", err);
		ck_assert_msg(strstr(err, "session leader"), "%s", err);
		ck_assert_msg(strstr(err, "criu log: "), "%s", err);
		free(err);
		ck_assert(itest_state(sleeper) == 'S');
		kill(sleeper, SIGKILL);
	}
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	char *out;

	ck_assert_int_eq(itest_run(&out, "%s checkpoint --bogus 2>&1", itest_prog("CKPT_BIN")), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown option `--bogus`"));
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s frobnicate 2>&1", itest_prog("CKPT_BIN")), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown command `frobnicate`"));
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s checkpoint --pid 5 --manage-cgroups-mode x 2>&1", itest_prog("CKPT_BIN")),
			 2);
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s checkpoint --help", itest_prog("CKPT_BIN")), 0);
	ck_assert_ptr_nonnull(strstr(out, "--tcp-established"));
	free(out);
}
END_TEST

/* Without --detach, ckpt restore is the tree's parent and exits with its status. */
START_TEST(attached_restore_exits_with_the_tree)
{
	char *dir = itest_mkdtemp("attach"), *out, *pidfile, *img;
	pid_t pid = itest_start_workload(dir, 0, 1), ckpt, restored = 0;
	int st;

	ck_assert_int_eq(
		itest_run(&out, "%s checkpoint -q --pid %d --image-path %s/img", itest_prog("CKPT_BIN"), pid, dir), 0);
	free(out);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_ge(asprintf(&pidfile, "%s/r.pid", dir), 0);
	ck_assert_int_ge(asprintf(&img, "%s/img", dir), 0);
	ckpt = fork();
	if (ckpt == 0) {
		execl(itest_prog("CKPT_BIN"), "ckpt", "restore", "-q", "--image-path", img, "--pid-file", pidfile,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000 && !restored; i++) {
		FILE *f = fopen(pidfile, "re");
		if (f) {
			if (fscanf(f, "%d", &restored) != 1)
				restored = 0;
			fclose(f);
		}
		itest_sleep_ms(10);
	}
	ck_assert_int_eq(restored, pid);
	ck_assert_int_eq(waitpid(ckpt, &st, WNOHANG), 0); /* still waiting for the tree */
	ck_assert_int_eq(kill(restored, SIGTERM), 0);
	ck_assert_int_eq(waitpid(ckpt, &st, 0), ckpt);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 128 + SIGTERM);
	free(pidfile);
	free(img);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("cli-real");
	TCase *tc = tcase_create("cli-real");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, demo_exits_zero);
	tcase_add_test(tc, demo_json_is_one_object);
	tcase_add_test(tc, lazy_pages_json_lines);
	tcase_add_test(tc, version_names_criu);
	tcase_add_test(tc, check_matches_the_machine);
	tcase_add_test(tc, check_text_matches_json);
	tcase_add_test(tc, checkpoint_and_restore_json);
	tcase_add_test(tc, failure_is_json_and_exit_1);
	tcase_add_test(tc, criu_failure_shows_its_log);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, attached_restore_exits_with_the_tree);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
