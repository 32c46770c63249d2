/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "unittest.h"

START_TEST(set_returns_negative_errno_and_message)
{
	ckpt_error *e = NULL;

	ck_assert_int_eq(ckpt_err_set(&e, ENOENT, "no `%s`", "x"), -ENOENT);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(ckpt_error_message(e), "no `x`");
	ck_assert_int_eq(ckpt_error_errno(e), ENOENT);
	ck_assert_int_eq(ckpt_error_criu_errno(e), 0);
	ck_assert_ptr_null(ckpt_error_criu_errmsg(e));
	ck_assert_int_eq(ckpt_error_criu_status(e, NULL, NULL), 0);
	ckpt_error_free(e);
}
END_TEST

START_TEST(sys_appends_strerror)
{
	ckpt_error *e = NULL;

	ckpt_err_sys(&e, EACCES, "open `%s`", "/x");
	ck_assert_str_eq(ckpt_error_message(e), "open `/x`: Permission denied");
	ckpt_error_free(e);
}
END_TEST

START_TEST(prefix_nests_outermost_first)
{
	ckpt_error *e = NULL;

	ckpt_err_set(&e, EIO, "criu dump failed: boom");
	ck_assert_int_eq(ckpt_err_prefix(&e, -EIO, "inner"), -EIO);
	ckpt_err_prefix(&e, -EIO, "checkpoint pid %d", 42);
	ck_assert_str_eq(ckpt_error_what(e), "checkpoint pid 42: inner");
	ck_assert_str_eq(ckpt_error_why(e), "criu dump failed: boom");
	ck_assert_str_eq(ckpt_error_message(e), "checkpoint pid 42: inner: criu dump failed: boom");
	ckpt_error_free(e);
}
END_TEST

START_TEST(first_failure_wins)
{
	ckpt_error *e = NULL;

	ckpt_err_set(&e, ESRCH, "first");
	ck_assert_int_eq(ckpt_err_set(&e, EIO, "second"), -EIO);
	ck_assert_str_eq(ckpt_error_message(e), "first");
	ck_assert_int_eq(ckpt_error_errno(e), ESRCH);
	ckpt_error_free(e);
}
END_TEST

START_TEST(null_err_is_allowed)
{
	ck_assert_int_eq(ckpt_err_set(NULL, EINVAL, "x"), -EINVAL);
	ck_assert_int_eq(ckpt_err_prefix(NULL, -3, "x"), -3);
	ckpt_error_free(NULL);
	ck_assert_str_eq(ckpt_error_message(NULL), "");
}
END_TEST

START_TEST(criu_fields_and_status)
{
	ckpt_error *e = NULL;
	int ex = 99, sig = 99;

	ckpt_err_set(&e, ESRCH, "criu dump failed");
	ckpt_err_set_criu(&e, 3, "Error (compel/src/lib/infect.c:417): Unable to detach\n");
	ck_assert_int_eq(ckpt_error_criu_errno(e), 3);
	ck_assert_str_eq(ckpt_error_criu_errmsg(e), "Error (compel/src/lib/infect.c:417): Unable to detach");
	ckpt_err_set_status(&e, 1 << 8);
	ck_assert_int_eq(ckpt_error_criu_status(e, &ex, &sig), 1);
	ck_assert_int_eq(ex, 1);
	ck_assert_int_eq(sig, 0);
	ckpt_err_set_status(&e, SIGSEGV);
	ck_assert_int_eq(ckpt_error_criu_status(e, &ex, &sig), 1);
	ck_assert_int_eq(ex, -1);
	ck_assert_int_eq(sig, SIGSEGV);
	ckpt_err_set_log(&e, "/tmp/dump.log", "Error (x): y");
	ck_assert_str_eq(ckpt_error_log_path(e), "/tmp/dump.log");
	ck_assert_str_eq(ckpt_error_log_excerpt(e), "Error (x): y");
	ckpt_error_free(e);
}
END_TEST

START_TEST(log_excerpt_keeps_error_lines_without_noise)
{
	char path[] = "/tmp/ckpt-test-log-XXXXXX";
	int fd = mkstemp(path);
	const char *log = "(00.001) Version: 4.2.1\n"
			  "(00.002) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: x\n"
			  "(00.003) something\n"
			  "(00.004) Error (criu/cr-dump.c:1): first real\n"
			  "(00.005) Error (criu/cr-dump.c:2): second real\n"
			  "(00.006) Error (criu/cr-dump.c:3): third real\n";
	char *ex;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, log, strlen(log)), (int)strlen(log));
	close(fd);
	ex = ckpt_log_excerpt(path, 2);
	ck_assert_str_eq(ex, "(00.004) Error (criu/cr-dump.c:1): first real\n"
			     "(00.005) Error (criu/cr-dump.c:2): second real");
	free(ex);
	ck_assert_ptr_null(ckpt_log_excerpt("/nonexistent/log", 5));
	unlink(path);
}
END_TEST

START_TEST(log_excerpt_shows_a_repeated_error_once)
{
	char path[] = "/tmp/ckpt-test-log-XXXXXX";
	int fd = mkstemp(path);
	const char *log = "(00.001) Error (compel/src/lib/infect.c:260): The criu itself is within dumped tree.\n"
			  "(00.002) Error (compel/src/lib/infect.c:260): The criu itself is within dumped tree.\n"
			  "(00.003) Error (compel/src/lib/infect.c:260): The criu itself is within dumped tree.\n"
			  "(00.004) Error (criu/cr-dump.c:1975): Dumping FAILED.\n";
	char *ex;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, log, strlen(log)), (int)strlen(log));
	close(fd);
	ex = ckpt_log_excerpt(path, 8);
	ck_assert_str_eq(ex, "(00.001) Error (compel/src/lib/infect.c:260): The criu itself is within dumped tree.\n"
			     "(00.004) Error (criu/cr-dump.c:1975): Dumping FAILED.");
	free(ex);
	unlink(path);
}
END_TEST

START_TEST(input_errors_are_marked)
{
	ckpt_error *e = NULL;

	ck_assert_int_eq(ckpt_err_input(&e, ESRCH, "process %d does not exist", 7), -ESRCH);
	ck_assert_int_eq(ckpt_error_is_input(e), 1);
	ckpt_err_prefix(&e, -ESRCH, "checkpoint pid 7");
	ck_assert_str_eq(ckpt_error_message(e), "checkpoint pid 7: process 7 does not exist");
	ck_assert_int_eq(ckpt_error_is_input(e), 1);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(ckpt_err_input_sys(&e, EROFS, "images directory `%s`", "/ro"), -EROFS);
	ck_assert_str_eq(ckpt_error_message(e), "images directory `/ro`: Read-only file system");
	ck_assert_int_eq(ckpt_error_is_input(e), 1);
	ckpt_error_free(e);
	e = NULL;
	/* an earlier failure is kept, and so is its kind */
	ckpt_err_set(&e, EIO, "criu dump failed");
	ckpt_err_input(&e, EINVAL, "later");
	ck_assert_str_eq(ckpt_error_why(e), "criu dump failed");
	ck_assert_int_eq(ckpt_error_is_input(e), 0);
	ckpt_error_free(e);
	ck_assert_int_eq(ckpt_error_is_input(NULL), 0);
	ck_assert_int_eq(ckpt_err_input(NULL, EINVAL, "nowhere"), -EINVAL);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("error");

	tcase_add_test(tc, set_returns_negative_errno_and_message);
	tcase_add_test(tc, sys_appends_strerror);
	tcase_add_test(tc, prefix_nests_outermost_first);
	tcase_add_test(tc, first_failure_wins);
	tcase_add_test(tc, null_err_is_allowed);
	tcase_add_test(tc, criu_fields_and_status);
	tcase_add_test(tc, log_excerpt_keeps_error_lines_without_noise);
	tcase_add_test(tc, log_excerpt_shows_a_repeated_error_once);
	tcase_add_test(tc, input_errors_are_marked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
