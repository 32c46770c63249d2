/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The remaining checkpoint options against real criu: --status-fd
 * validation, --pre-dump and --parent-path on a kernel without soft-dirty
 * tracking (refused, the process untouched), --auto-dedup, and --timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opttest.h"

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* --status-fd must name an fd ckpt can write to; a usage error (2) names the option otherwise. */
START_TEST(status_fd_must_be_open_for_writing)
{
	const char *lazy = "checkpoint --pid 1 --lazy-pages --page-server 127.0.0.1:27000";

	opt_ckpt_expect(2, "--status-fd: fd 77 is not open", "%s --status-fd 77", lazy);
	opt_ckpt_expect(2, "--status-fd: fd 7 is not open for writing", "%s --status-fd 7 7</dev/null", lazy);
	opt_ckpt_expect(2, "--status-fd", "%s --status-fd seven", lazy);
	opt_ckpt_expect(2, "--status-fd is only written with --lazy-pages", "checkpoint --pid 1 --status-fd 1");
}
END_TEST

/* Asserts a refused checkpoint left the tree alone: running, not frozen or traced, counting. */
static void
assert_untouched(const char *dir, pid_t root)
{
	pid_t pids[4];
	int n = itest_tree(root, pids, 4);

	for (int i = 0; i < n; i++) {
		char *status = opt_read("/proc/%d/status", pids[i]);
		ck_assert_msg(strstr(status, "TracerPid:\t0\n"), "pid %d is traced:\n%s", pids[i], status);
		free(status);
		opt_assert_counting(dir, i, pids[i]);
	}
}

/*
 * soft-dirty tracking is off in this kernel, so criu's pre-dump would hit
 * an internal BUG: ckpt asks criu first (FEATURE_CHECK mem_track) and
 * refuses with exit 1 before it creates anything or criu touches the tree.
 */
START_TEST(pre_dump_is_refused_without_memory_tracking)
{
	char *dir = itest_mkdtemp("predump"), *path;
	pid_t pid = itest_start_workload(dir, 1, 1);
	ckpt_opts *o;
	ckpt_error *err = NULL;
	unsigned int got = 1;

	ck_assert_int_eq(ckpt_criu_features(NULL, CKPT_FEATURE_MEM_TRACK, &got, NULL), 0);
	ck_assert_msg(got == 0, "this kernel tracks memory: the refusal cannot be tested here");
	opt_ckpt_expect(1, "memory change tracking (soft-dirty), which is not available in this kernel",
			"checkpoint --pid %d --image-path %s/a/img --pre-dump", pid, dir);
	assert_untouched(dir, pid);
	opt_ckpt_expect(1, "not available in this kernel",
			"checkpoint --pid %d --image-path %s/b/img --pre-dump --no-staging", pid, dir);
	assert_untouched(dir, pid);
	ck_assert_int_ge(asprintf(&path, "%s/a", dir), 0);
	ck_assert_msg(!exists(path), "a refused pre-dump created %s", path);
	path[strlen(path) - 1] = 'b';
	ck_assert_msg(!exists(path), "a refused --no-staging pre-dump created %s", path);
	free(path);

	ck_assert_int_ge(asprintf(&path, "%s/c/img", dir), 0);
	o = itest_opts(pid, path);
	ck_assert_int_eq(ckpt_tree_pre_dump(o, NULL, &err), -EOPNOTSUPP);
	ck_assert_int_eq(ckpt_error_errno(err), EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "not available in this kernel"));
	ckpt_error_free(err);
	ckpt_opts_free(o);
	free(path);
	assert_untouched(dir, pid);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

/* The final dump of a pre-dump chain (--parent-path, with --auto-dedup) is refused likewise. */
START_TEST(parent_path_is_refused_without_memory_tracking)
{
	char *dir = itest_mkdtemp("parent"), *img;
	pid_t pid = itest_start_workload(dir, 0, 1);

	ck_assert_int_ge(asprintf(&img, "%s/img", dir), 0);
	opt_ckpt_expect(2, "--parent-path: `../missing` (relative to the image path) is not a directory",
			"checkpoint --pid %d --image-path %s --parent-path ../missing", pid, img);
	ck_assert_int_eq(itest_run(NULL, "mkdir %s/pre", dir), 0);
	/* ../pre is a sibling of the image path, which does not exist yet */
	opt_ckpt_expect(1,
			"--parent-path needs memory change tracking (soft-dirty), which is not available in "
			"this kernel",
			"checkpoint --pid %d --image-path %s --parent-path ../pre", pid, img);
	assert_untouched(dir, pid);
	opt_ckpt_expect(1, "not available in this kernel",
			"checkpoint --pid %d --image-path %s --parent-path ../pre --auto-dedup --no-staging", pid, img);
	assert_untouched(dir, pid);
	ck_assert_msg(!exists(img), "a refused checkpoint created %s", img);
	free(img);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/* Disk blocks (not size) of the pages images in dir. */
static long long
pages_blocks(const char *images)
{
	char *out;
	long long b;

	ck_assert_int_eq(itest_run(&out,
				   "cat %s/pages-*.img >/dev/null && stat -c %%b %s/pages-*.img | "
				   "awk '{s += $1} END {print s}'",
				   images, images),
			 0);
	b = atoll(out);
	free(out);
	return b;
}

/*
 * --auto-dedup on a dump punches out of the *parent* images the pages the
 * new dump rewrites; a plain dump has no parent, so it changes nothing
 * there, but criu takes it and the checkpoint is whole. On restore criu
 * punches each page out of the images once it is restored: the pages
 * images keep their size but lose their blocks.
 */
START_TEST(auto_dedup_on_dump_and_restore)
{
	char *dir = itest_mkdtemp("dedup"), *images;
	pid_t pid = itest_start_workload(dir, 0, 8);
	long long before, after;
	unsigned long at;

	ck_assert_int_ge(asprintf(&images, "%s/img", dir), 0);
	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s --auto-dedup", pid, images);
	ck_assert(itest_wait_gone(pid, 10000));
	before = pages_blocks(images);
	ck_assert_msg(before * 512 >= 8 << 20, "the 8 MiB of memory are not in the images (%lld blocks)", before);
	at = opt_last(dir, 0);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s --auto-dedup", images);
	opt_assert_resumed(dir, 0, at); /* and its memory intact: every line "ok" */
	after = pages_blocks(images);
	ck_assert_msg(after * 8 < before, "restore --auto-dedup left %lld of %lld blocks", after, before);
	free(images);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/* --timeout reaches criu: a tree frozen through a freezer cgroup makes criu log it. */
START_TEST(timeout_reaches_criu)
{
	char *dir = itest_mkdtemp("timeout"), *cg, *images, *log;
	pid_t pid = itest_start_workload(dir, 0, 1);
	ckpt_error *err = NULL;
	ckpt_opts *o;

	ck_assert_int_ge(asprintf(&cg, "/sys/fs/cgroup/freezer/ckpt-test-timeout-%d", getpid()), 0);
	ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s (this test needs the cgroup v1 freezer)", cg,
		      strerror(errno));
	ck_assert_int_eq(itest_run(NULL, "echo %d > %s/cgroup.procs", pid, cg), 0);
	ck_assert_int_ge(asprintf(&images, "%s/img", dir), 0);
	o = itest_opts(pid, images);
	ck_assert_int_eq(ckpt_opts_set_freeze_cgroup(o, cg), 0);
	ck_assert_int_eq(ckpt_opts_set_timeout(o, 7000), 0);
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1), 0);
	ck_assert_msg(ckpt_tree_dump(o, NULL, &err) == 0, "dump: %s", ckpt_error_message(err));
	log = opt_read("%s/dump.log", images);
	ck_assert_msg(strstr(log, "timeout: 7s"), "criu's log does not show the 7 s timeout");
	free(log);
	log = opt_read("%s/freezer.state", cg);
	ck_assert_msg(strncmp(log, "THAWED", 6) == 0, "the freezer cgroup is left %s", log);
	free(log);
	opt_assert_counting(dir, 0, pid);
	ckpt_opts_free(o);
	itest_kill(pid);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_eq(itest_run(NULL, "rmdir %s", cg), 0);
	free(cg);
	free(images);
	itest_rmdir(dir);
}
END_TEST

/* A normal tree dumps well within --timeout 1 (a deadline for the whole checkpoint). */
START_TEST(timeout_one_second_is_enough)
{
	char *dir = itest_mkdtemp("timeout1");
	pid_t pid = itest_start_workload(dir, 1, 1);
	pid_t pids[2];
	unsigned long at;

	ck_assert_int_eq(itest_tree(pid, pids, 2), 2);
	opt_ckpt_expect(0, "checkpointed", "checkpoint --pid %d --image-path %s/img --timeout 1", pid, dir);
	ck_assert(itest_wait_all_gone(pids, 2, 10000));
	at = opt_last(dir, 1);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --timeout 1", dir);
	opt_assert_resumed(dir, 1, at);
	itest_kill(pids[1]);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("options-misc");
	TCase *tc = tcase_create("misc");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, status_fd_must_be_open_for_writing);
	tcase_add_test(tc, pre_dump_is_refused_without_memory_tracking);
	tcase_add_test(tc, parent_path_is_refused_without_memory_tracking);
	tcase_add_test(tc, auto_dedup_on_dump_and_restore);
	tcase_add_test(tc, timeout_reaches_criu);
	tcase_add_test(tc, timeout_one_second_is_enough);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return opt_main(suite());
}
