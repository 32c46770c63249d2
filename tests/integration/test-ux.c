/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a user sees, with real criu: progress and the summary on a terminal
 * (a real pty, through script(1)) and not on a pipe, --log-format json lines,
 * and `ckpt inspect` of a real checkpoint.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "itest.h"

static yajl_val
at(yajl_val v, const char *a, const char *b, const char *c)
{
	const char *path[] = { a, b, c, NULL };

	return yajl_tree_get(v, path, yajl_t_any);
}

/* Runs a command on a new pseudo-terminal; its output (as the terminal showed it) into *out. */
static int
run_on_tty(char **out, const char *cmd)
{
	return itest_run(out, "script -qfec \"%s\" /dev/null", cmd);
}

START_TEST(progress_on_a_terminal_only)
{
	char *dir = itest_mkdtemp("progress"), *cmd, *out;
	pid_t pid = itest_start_workload(dir, 1, 2);
	char who[64];

	snprintf(who, sizeof(who), "checkpointed pid %d into", pid);
	ck_assert_int_ge(asprintf(&cmd, "%s checkpoint --pid %d --image-path %s/tty --leave-running",
				  itest_prog("CKPT_BIN"), pid, dir),
			 0);
	ck_assert_int_eq(run_on_tty(&out, cmd), 0);
	ck_assert_msg(strstr(out, "checkpoint: freezing and dumping... ["), "no phase on the tty: %s", out);
	ck_assert_msg(strstr(out, "s]"), "no elapsed time on the tty: %s", out);
	ck_assert_msg(strstr(out, "\033[K"), "the status line is not redrawn: %s", out);
	ck_assert_msg(strstr(out, who), "no summary on the tty: %s", out);
	ck_assert_msg(strstr(out, ", downtime "), "no downtime in the summary: %s", out);
	ck_assert_msg(strstr(out, " MiB"), "no size in the summary: %s", out);
	free(out);
	free(cmd);

	/* a pipe: the plain result line only */
	ck_assert_int_eq(itest_run(&out, "%s checkpoint --pid %d --image-path %s/pipe --leave-running 2>&1 | cat",
				   itest_prog("CKPT_BIN"), pid, dir),
			 0);
	ck_assert_msg(strstr(out, who), "%s", out);
	ck_assert_msg(!strstr(out, "freezing"), "progress on a pipe: %s", out);
	ck_assert_msg(!strstr(out, "downtime"), "summary on a pipe: %s", out);
	ck_assert_msg(!strchr(out, '\033'), "escape sequences on a pipe: %s", out);
	free(out);

	/* a terminal, but --json or --quiet: nothing of it either */
	ck_assert_int_ge(asprintf(&cmd, "%s checkpoint --pid %d --image-path %s/json --leave-running --json",
				  itest_prog("CKPT_BIN"), pid, dir),
			 0);
	ck_assert_int_eq(run_on_tty(&out, cmd), 0);
	ck_assert_msg(!strstr(out, "freezing") && !strstr(out, "downtime") && !strchr(out, '\033'), "%s", out);
	yajl_tree_free(itest_parse_json(out));
	free(out);
	free(cmd);
	ck_assert_int_ge(asprintf(&cmd, "%s checkpoint --pid %d --image-path %s/quiet --leave-running -q",
				  itest_prog("CKPT_BIN"), pid, dir),
			 0);
	ck_assert_int_eq(run_on_tty(&out, cmd), 0);
	ck_assert_msg(out[strspn(out, "\r\n")] == '\0', "--quiet printed: %s", out);
	free(out);
	free(cmd);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

/* The distinct elapsed times the status line showed in PHASE ("[0.40s]"). */
static int
distinct_times(const char *out, const char *phase, char *seen, size_t len)
{
	char last[32] = "";
	int n = 0;

	seen[0] = '\0';
	for (const char *p = strstr(out, phase); p; p = strstr(p + 1, phase)) {
		const char *open = p + strlen(phase), *close = strstr(open, "s]");
		char t[32];

		if (strncmp(open, "... [", 5) != 0 || !close || close - open > 20)
			continue;
		snprintf(t, sizeof(t), "%.*s", (int)(close - open - 5), open + 5);
		if (strcmp(t, last) != 0) {
			n++;
			snprintf(last, sizeof(last), "%s", t);
			snprintf(seen + strlen(seen), len - strlen(seen), " %s", t);
		}
	}
	return n;
}

/*
 * criu sends nothing between pre-dump and post-dump while it writes the
 * memory: the clock on the status line must go on ticking meanwhile (a
 * few hundred MiB take a few tenths of a second).
 */
START_TEST(progress_clock_ticks_during_the_dump)
{
	char *dir = itest_mkdtemp("tick"), *cmd, *out, seen[512];
	pid_t pid = itest_start_workload(dir, 0, 384);
	int n;

	itest_on_exit_kill(pid); /* 384 MiB must not outlive a failed test */
	itest_on_exit_run("rm -rf '%s'", dir);
	ck_assert_int_ge(asprintf(&cmd, "%s checkpoint --pid %d --image-path %s/img --leave-running",
				  itest_prog("CKPT_BIN"), pid, dir),
			 0);
	ck_assert_int_eq(run_on_tty(&out, cmd), 0);
	n = distinct_times(out, "checkpoint: freezing and dumping", seen, sizeof(seen));
	ck_assert_msg(n >= 2, "the clock froze while criu dumped (elapsed times shown:%s): %s", seen, out);
	ck_assert_msg(strstr(out, ", downtime "), "no downtime in the summary: %s", out);
	free(out);
	free(cmd);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

START_TEST(restore_progress_on_a_terminal)
{
	char *dir = itest_mkdtemp("rprogress"), *cmd, *out;
	pid_t pid = itest_start_workload(dir, 0, 1);
	char who[64];

	ck_assert_int_eq(
		itest_run(&out, "%s checkpoint -q --pid %d --image-path %s/img", itest_prog("CKPT_BIN"), pid, dir), 0);
	free(out);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_ge(asprintf(&cmd, "%s restore -d --image-path %s/img", itest_prog("CKPT_BIN"), dir), 0);
	ck_assert_int_eq(run_on_tty(&out, cmd), 0);
	snprintf(who, sizeof(who), "restored pid %d from", pid);
	ck_assert_msg(strstr(out, "restore: restoring... ["), "no phase on the tty: %s", out);
	ck_assert_msg(strstr(out, who), "no summary: %s", out);
	/* what the checkpoint's summary has: the size, the phase, the total */
	ck_assert_msg(strstr(out, " MiB, restore ") && strstr(out, " ms, total "), "a poor summary: %s", out);
	free(out);
	free(cmd);
	ck_assert_int_eq(itest_state(pid) != 0, 1);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

/* Every line of the log is one JSON object with level, msg and time. */
static int
check_json_log(const char *path, bool *saw_error, bool *saw_debug, bool *saw_start)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(path, "re");

	ck_assert_msg(f != NULL, "no log at %s", path);
	while (fgets(line, sizeof(line), f)) {
		yajl_val v = itest_parse_json(line);
		const char *level = YAJL_GET_STRING(at(v, "level", NULL, NULL));
		const char *msg = YAJL_GET_STRING(at(v, "msg", NULL, NULL));

		ck_assert_msg(level && msg && YAJL_IS_STRING(at(v, "time", NULL, NULL)), "%s", line);
		*saw_error |= strcmp(level, "error") == 0;
		*saw_debug |= strcmp(level, "debug") == 0 && strstr(msg, "criu notify pre-dump");
		*saw_start |= strstr(msg, ": start (ckpt ") != NULL;
		yajl_tree_free(v);
		n++;
	}
	fclose(f);
	return n;
}

START_TEST(json_log_lines_parse)
{
	char *dir = itest_mkdtemp("jsonlog"), *out, log[512];
	pid_t pid = itest_start_workload(dir, 0, 1);
	bool saw_error = false, saw_debug = false, saw_start = false;

	snprintf(log, sizeof(log), "%s/ckpt.log", dir);
	ck_assert_int_eq(itest_run(&out,
				   "%s --log %s --log-format json --debug checkpoint -q --pid %d --image-path "
				   "%s/img --leave-running",
				   itest_prog("CKPT_BIN"), log, pid, dir),
			 0);
	free(out);
	ck_assert_int_eq(itest_run(&out,
				   "%s --log %s --log-format json checkpoint --pid 4194300 --image-path "
				   "'%s/\"quoted\" dir' 2>/dev/null",
				   itest_prog("CKPT_BIN"), log, dir),
			 2); /* a pid that does not exist: bad input */
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s --log %s --log-format json inspect %s 2>/dev/null", itest_prog("CKPT_BIN"),
				   log, dir),
			 1);
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s --log %s --log-format json version", itest_prog("CKPT_BIN"), log), 0);
	free(out);
	ck_assert_int_ge(check_json_log(log, &saw_error, &saw_debug, &saw_start), 8);
	ck_assert_msg(saw_error && saw_debug && saw_start, "error %d debug %d start %d", saw_error, saw_debug,
		      saw_start);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

START_TEST(inspect_a_real_checkpoint)
{
	char *dir = itest_mkdtemp("inspect"), *out, pidline[64];
	pid_t pid = itest_start_workload(dir, 2, 2);
	yajl_val v, tree;

	ck_assert_int_eq(itest_run(&out, "%s checkpoint -q --pid %d --image-path %s/img --leave-running",
				   itest_prog("CKPT_BIN"), pid, dir),
			 0);
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s inspect %s/img", itest_prog("CKPT_BIN"), dir), 0);
	snprintf(pidline, sizeof(pidline), "Source       pid %d\n", pid);
	ck_assert_msg(strstr(out, pidline), "%s", out);
	ck_assert_msg(strstr(out, "Processes    3\n"), "%s", out);
	ck_assert_msg(strstr(out, "workload"), "%s", out);
	ck_assert_msg(strstr(out, "pages "), "%s", out);
	ck_assert_msg(strstr(out, "--leave-running"), "%s", out);
	ck_assert_msg(strstr(out, "with criu 4."), "%s", out);
	free(out);

	ck_assert_int_eq(itest_run(&out, "%s inspect --json %s/img", itest_prog("CKPT_BIN"), dir), 0);
	v = itest_parse_json(out);
	tree = at(v, "manifest", "tree", NULL);
	ck_assert(YAJL_IS_ARRAY(tree));
	ck_assert_uint_eq(YAJL_GET_ARRAY(tree)->len, 3);
	ck_assert_int_eq(YAJL_GET_INTEGER(at(YAJL_GET_ARRAY(tree)->values[0], "pid", NULL, NULL)), pid);
	ck_assert_str_eq(YAJL_GET_STRING(at(YAJL_GET_ARRAY(tree)->values[0], "comm", NULL, NULL)), "workload");
	ck_assert_int_gt(YAJL_GET_INTEGER(at(v, "manifest", "image_bytes", "pages")), 3 << 20);
	ck_assert_int_gt(YAJL_GET_INTEGER(at(v, "manifest", "image_bytes", "core")), 0);
	ck_assert(YAJL_GET_DOUBLE(at(v, "manifest", "phases_ms", "dump")) > 0);
	yajl_tree_free(v);
	free(out);

	/* the same images without ckpt.json: a plain criu dump */
	ck_assert_int_eq(itest_run(&out, "cp -a %s/img %s/plain && rm %s/plain/ckpt.json", dir, dir, dir), 0);
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s inspect %s/plain 2>&1", itest_prog("CKPT_BIN"), dir), 1);
	ck_assert_msg(strstr(out, "not a checkpoint made by ckpt") && strstr(out, "plain criu dump"), "%s", out);
	free(out);
	ck_assert_int_eq(
		itest_run(&out, "rm %s/img/inventory.img && %s inspect %s/img 2>&1", dir, itest_prog("CKPT_BIN"), dir),
		1);
	ck_assert_msg(strstr(out, "is incomplete"), "%s", out);
	free(out);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

/* Copies of a real checkpoint with an image removed or cut: ckpt.json names them. */
static void
expect_inspect(const char *dir, const char *change, int status, const char *needle)
{
	char *out;

	ck_assert_int_eq(itest_run(&out, "rm -rf %s/copy && cp -a %s/img %s/copy && cd %s/copy && %s", dir, dir, dir,
				   dir, change),
			 0);
	free(out);
	ck_assert_int_eq(itest_run(&out, "%s inspect %s/copy 2>&1", itest_prog("CKPT_BIN"), dir), status);
	ck_assert_msg(strstr(out, needle), "after `%s`: %s", change, out);
	free(out);
}

START_TEST(inspect_finds_missing_and_short_images)
{
	char *dir = itest_mkdtemp("inspect2"), *out, core[64], rm_core[96];
	pid_t pid = itest_start_workload(dir, 0, 4);

	itest_on_exit_kill(pid);
	itest_on_exit_run("rm -rf '%s'", dir);
	ck_assert_int_eq(itest_run(&out, "%s checkpoint -q --pid %d --image-path %s/img --leave-running",
				   itest_prog("CKPT_BIN"), pid, dir),
			 0);
	free(out);
	snprintf(core, sizeof(core), "missing core-%d.img;", pid);
	snprintf(rm_core, sizeof(rm_core), "rm core-%d.img", pid);
	expect_inspect(dir, "true", 0, "criu images, by name and size, as ckpt.json records them");
	expect_inspect(dir, "rm *.log", 0, "Verified");
	expect_inspect(dir, rm_core, 1, core);
	expect_inspect(dir, "rm pages-*.img", 1, "is incomplete: missing pages-1.img");
	expect_inspect(dir, "truncate -s 4096 pages-1.img", 1, "is damaged: pages-1.img is short (4096 of ");
	ck_assert_int_eq(itest_run(&out, "%s inspect --json %s/copy", itest_prog("CKPT_BIN"), dir), 1);
	ck_assert_msg(strstr(out, "\"status\":\"damaged\"") && strstr(out, "\"name\":\"pages-1.img\",\"bytes\":4096"),
		      "%s", out);
	yajl_tree_free(itest_parse_json(out));
	free(out);
	itest_kill_tree(pid);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ux");
	TCase *tc = tcase_create("ux");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, progress_on_a_terminal_only);
	tcase_add_test(tc, progress_clock_ticks_during_the_dump);
	tcase_add_test(tc, restore_progress_on_a_terminal);
	tcase_add_test(tc, json_log_lines_parse);
	tcase_add_test(tc, inspect_a_real_checkpoint);
	tcase_add_test(tc, inspect_finds_missing_and_short_images);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
