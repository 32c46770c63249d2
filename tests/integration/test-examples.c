/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The programs of examples/ (built against the shared libckpt and its public
 * header only) do what they say, with real criu. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

START_TEST(checkpoint_with_progress_then_restore)
{
	char *dir = itest_mkdtemp("ex-progress"), *out, want[64];
	pid_t pid = itest_start_workload(dir, 1, 1), restored = 0;
	struct counter before, after;

	ck_assert_int_eq(itest_run(&out, "%s %d %s/img 2>&1", itest_prog("CKPT_EX_CHECKPOINT_PROGRESS"), pid, dir), 0);
	ck_assert_msg(strstr(out, "] pre-dump\n") && strstr(out, "] post-dump\n"), "no progress: %s", out);
	snprintf(want, sizeof(want), "checkpointed pid %d into %s/img: ", pid, dir);
	ck_assert_msg(strstr(out, want), "%s", out);
	free(out);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_eq(itest_counter(dir, 0, &before), 0);

	ck_assert_int_eq(itest_run(&out, "%s %s/img 2>&1", itest_prog("CKPT_EX_RESTORE_PID"), dir), 0);
	ck_assert_msg(sscanf(out, "restored pid %d", &restored) == 1, "%s", out);
	ck_assert_int_eq(restored, pid);
	free(out);
	ck_assert(itest_wait_count(dir, 0, before.last + 5, 10000));
	ck_assert_int_eq(itest_counter(dir, 0, &after), 0);
	ck_assert(after.contiguous && after.all_ok);
	itest_kill_tree(restored);
	itest_rmdir(dir);
}
END_TEST

START_TEST(post_dump_hook_writes_its_marker)
{
	char *dir = itest_mkdtemp("ex-marker"), *out, marker[512], line[256] = "", want[128];
	pid_t pid = itest_start_workload(dir, 0, 1);
	FILE *f;

	snprintf(marker, sizeof(marker), "%s/marker", dir);
	ck_assert_int_eq(
		itest_run(&out, "%s %d %s/img %s 2>&1", itest_prog("CKPT_EX_POST_DUMP_HOOK"), pid, dir, marker), 0);
	ck_assert_msg(strstr(out, "written at post-dump"), "%s", out);
	free(out);
	f = fopen(marker, "re");
	ck_assert_msg(f != NULL, "no marker at %s", marker);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	snprintf(want, sizeof(want), "post-dump of pid %d:", pid);
	ck_assert_msg(strstr(line, want), "%s", line);
	ck_assert_int_eq(itest_run(&out, "test -f %s/img/inventory.img && test -f %s/img/ckpt.json", dir, dir), 0);
	free(out);
	ck_assert(itest_state(pid) != 0 && itest_state(pid) != 'T'); /* --leave-running */
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

START_TEST(post_dump_veto_resumes_the_tree)
{
	char *dir = itest_mkdtemp("ex-veto"), *out;
	pid_t pid = itest_start_workload(dir, 1, 1);
	struct counter c;

	ck_assert_int_eq(itest_run(&out, "%s --veto %d %s/img 2>&1", itest_prog("CKPT_EX_POST_DUMP_HOOK"), pid, dir),
			 0);
	ck_assert_msg(strstr(out, "post-dump vetoed"), "%s", out);
	ck_assert_msg(strstr(out, "notify callback failed"), "%s", out);
	free(out);
	ck_assert_int_ne(access(dir, F_OK), -1);
	ck_assert_msg(itest_run(&out, "test -e %s/img", dir) != 0, "a vetoed checkpoint left images");
	free(out);
	for (int i = 0; i <= 1; i++) {
		ck_assert_int_eq(itest_counter(dir, i, &c), 0);
		ck_assert_msg(itest_wait_count(dir, i, c.last + 5, 10000), "process %d of the tree did not resume", i);
	}
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("examples");
	TCase *tc = tcase_create("examples");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, checkpoint_with_progress_then_restore);
	tcase_add_test(tc, post_dump_hook_writes_its_marker);
	tcase_add_test(tc, post_dump_veto_resumes_the_tree);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
