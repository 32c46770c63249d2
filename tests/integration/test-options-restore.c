/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restore-only options against real criu, through the ckpt binary:
 * --no-subreaper (who gets the restored tree's orphans), --lsm-profile on a
 * kernel without that LSM (a clear failure, nothing restored, the images
 * still good), --lsm-mount-context (accepted, the tree restored).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opttest.h"

/* PPid of pid from /proc, or 0. */
static pid_t
ppid_of(pid_t pid)
{
	char *status = opt_read("/proc/%d/status", pid), *p = strstr(status, "PPid:");
	pid_t ppid = p ? atoi(p + 5) : 0;

	free(status);
	return ppid;
}

/* The only child of pid (from /proc/PID/task/PID/children), or 0. */
static pid_t
child_of(pid_t pid)
{
	char *c = opt_read("/proc/%d/task/%d/children", pid, pid);
	pid_t r = atoi(c);

	free(c);
	return r;
}

/*
 * A tree root (session leader, a sleep that outlives its child) -> middle
 * -> leaf; killing the middle makes the leaf an orphan while the root, and
 * so an attached ckpt restore, goes on. Dumped into DIR/img; the tree is
 * gone afterwards.
 */
static void
dump_three_levels(const char *dir, pid_t *ret_root)
{
	char *out = NULL;
	pid_t root, mid = 0, leaf = 0;

	/* the tree's orphans and zombies come to this test process, which reaps them */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	ck_assert_int_eq(
		itest_run(&out,
			  "setsid sh -c 'sh -c \"sleep 1000; true\" & exec sleep 1000' </dev/null >/dev/null 2>&1 & "
			  "echo $!"),
		0);
	root = atoi(out);
	free(out);
	ck_assert_int_gt(root, 1);
	itest_on_exit_kill(root);
	for (int i = 0; i < 200 && !(mid = child_of(root)); i++)
		itest_sleep_ms(10);
	for (int i = 0; i < 200 && mid && !(leaf = child_of(mid)); i++)
		itest_sleep_ms(10);
	ck_assert_msg(mid > 1 && leaf > 1, "the tree did not start");
	opt_ckpt_expect(0, NULL, "checkpoint -q --pid %d --image-path %s/img", root, dir);
	itest_wait_gone(root, 10000);
	itest_wait_gone(mid, 10000);
	itest_wait_gone(leaf, 10000);
	ck_assert_msg(!itest_state(root) && !itest_state(mid) && !itest_state(leaf),
		      "dumped tree left: %c %c %c (%d %d %d)", itest_state(root) ?: '-', itest_state(mid) ?: '-',
		      itest_state(leaf) ?: '-', ppid_of(root), ppid_of(mid), ppid_of(leaf));
	*ret_root = root;
}

/* Restores DIR/img attached (ckpt waits for the tree) with EXTRA options; returns ckpt's pid once done. */
static pid_t
restore_attached(const char *dir, const char *extra, pid_t root)
{
	pid_t ckpt = fork();

	ck_assert_int_ge(ckpt, 0);
	if (ckpt == 0) {
		char *cmd;
		if (asprintf(&cmd, "exec %s restore -q --image-path %s/img --pid-file %s/r.pid %s",
			     itest_prog("CKPT_BIN"), dir, dir, extra) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	itest_on_exit_kill(ckpt);
	/* the pid file is written once criu reported the whole tree restored */
	ck_assert_msg(opt_wait_file(dir, "r.pid", 10000), "the tree was not restored");
	ck_assert_int_eq(opt_read_int(dir, "r.pid"), root);
	ck_assert_int_eq(ppid_of(root), ckpt);
	return ckpt;
}

/* The orphan of the restored tree goes to ckpt (its subreaper) or, with --no-subreaper, past it. */
static void
orphan_goes_to(bool no_subreaper)
{
	char *dir = itest_mkdtemp(no_subreaper ? "nosubreaper" : "subreaper");
	pid_t root, mid = 0, leaf = 0, ckpt, want;
	int st;

	dump_three_levels(dir, &root);
	ckpt = restore_attached(dir, no_subreaper ? "--no-subreaper" : "", root);
	for (int i = 0; i < 200 && !(mid = child_of(root)); i++)
		itest_sleep_ms(10);
	for (int i = 0; i < 200 && mid && !(leaf = child_of(mid)); i++)
		itest_sleep_ms(10);
	ck_assert_int_gt(leaf, 1);
	ck_assert_int_eq(kill(mid, SIGKILL), 0);
	/* this test process is a subreaper too (dump_three_levels), the next one up from ckpt */
	want = no_subreaper ? getpid() : ckpt;
	for (int i = 0; i < 300 && ppid_of(leaf) != want; i++)
		itest_sleep_ms(10);
	ck_assert_msg(ppid_of(leaf) == want, "the orphan %d went to %d, not %d", leaf, ppid_of(leaf), want);
	/* ckpt still waits for the root, and exits with its status */
	ck_assert_msg(waitpid(ckpt, &st, WNOHANG) == 0, "ckpt ended early with %#x", st);
	ck_assert_int_eq(kill(root, SIGTERM), 0);
	ck_assert_int_eq(waitpid(ckpt, &st, 0), ckpt);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM, "ckpt ended with %#x", st);
	itest_kill(leaf);
	itest_wait_gone(leaf, 5000);
	itest_rmdir(dir);
}

START_TEST(orphans_go_to_ckpt_by_default)
{
	orphan_goes_to(false);
}
END_TEST

START_TEST(no_subreaper_leaves_orphans_to_the_next_reaper)
{
	orphan_goes_to(true);
}
END_TEST

static bool
apparmor_enabled(void)
{
	char *e = opt_read("/sys/module/apparmor/parameters/enabled");
	bool on = e[0] == 'Y';

	free(e);
	return on;
}

/*
 * No AppArmor in this kernel: --lsm-profile apparmor:X fails with criu's
 * reason, restores nothing, and the images still restore without it.
 */
START_TEST(lsm_profile_without_the_lsm_is_a_clear_failure)
{
	char *dir = itest_mkdtemp("lsm");
	pid_t pid = itest_start_workload(dir, 0, 1);
	unsigned long at;
	char *out = NULL;

	ck_assert_msg(!apparmor_enabled(), "AppArmor is enabled here: the refusal cannot be tested");
	opt_ckpt_expect(0, NULL, "checkpoint -q --pid %d --image-path %s/img", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	at = opt_last(dir, 0);
	ck_assert_int_eq(opt_ckpt(&out, "restore -d --image-path %s/img --lsm-profile apparmor:ckpt-test", dir), 1);
	opt_assert_said(out, "apparmor");
	free(out);
	ck_assert_msg(itest_state(pid) == 0, "a refused restore left %d running", pid);
	/* --lsm-mount-context only rewrites the context= of restored mounts: accepted here */
	opt_ckpt_expect(0, NULL, "restore -q -d --image-path %s/img --lsm-mount-context system_u:object_r:ckpt_t:s0",
			dir);
	opt_assert_resumed(dir, 0, at);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("options-restore");
	TCase *tc = tcase_create("restore");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, orphans_go_to_ckpt_by_default);
	tcase_add_test(tc, no_subreaper_leaves_orphans_to_the_next_reaper);
	tcase_add_test(tc, lsm_profile_without_the_lsm_is_a_clear_failure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return opt_main(suite());
}
