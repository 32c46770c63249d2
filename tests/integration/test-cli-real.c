/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ckpt binary against real criu: demo, JSON output, exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "itest.h"

static yajl_val
parse_json(const char *text)
{
	char errbuf[256];
	yajl_val v = yajl_tree_parse(text, errbuf, sizeof(errbuf));

	ck_assert_msg(v != NULL, "not JSON (%s): %s", errbuf, text);
	return v;
}

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
	v = parse_json(out);
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
		yajl_val v = parse_json(line);
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
	v = parse_json(out);
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
	v = parse_json(out);
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
	v = parse_json(out);
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
	v = parse_json(out);
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
