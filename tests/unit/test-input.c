/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* input.c: the checks of a pid and a directory path before criu runs. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "input.h"
#include "proc.h"
#include "unittest.h"

/* Runs a check, asserts an input error with errno e whose message holds needle. */
#define EXPECT_INPUT(call, e, needle)                                                               \
	do {                                                                                        \
		ckpt_error *err_ = NULL;                                                            \
		int r_ = (call);                                                                    \
		ck_assert_msg(r_ == -(e), "%s returned %d, not %d", #call, r_, -(e));               \
		ck_assert_msg(ckpt_error_is_input(err_), "%s: not an input error", #call);          \
		ck_assert_msg(strstr(ckpt_error_message(err_), needle), "`%s` not in `%s`", needle, \
			      ckpt_error_message(err_));                                            \
		ckpt_error_free(err_);                                                              \
	} while (0)

static pid_t
dead_pid(void)
{
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

START_TEST(pids_that_cannot_be_dumped)
{
	EXPECT_INPUT(check_dump_pid(0, &err_), EINVAL, "invalid pid 0");
	EXPECT_INPUT(check_dump_pid(-4, &err_), EINVAL, "invalid pid -4");
	EXPECT_INPUT(check_dump_pid(1, &err_), EINVAL, "pid 1 (the machine's init)");
	EXPECT_INPUT(check_dump_pid(getpid(), &err_), EINVAL, "the calling process");
	EXPECT_INPUT(check_dump_pid(dead_pid(), &err_), ESRCH, "does not exist");
	if (getppid() > 1)
		EXPECT_INPUT(check_dump_pid(getppid(), &err_), EINVAL, "is an ancestor of the calling process");
}
END_TEST

START_TEST(a_child_can_be_dumped)
{
	pid_t p = fork();
	ckpt_error *err = NULL;

	ck_assert_int_ge(p, 0);
	if (p == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_eq(check_dump_pid(p, &err), 0);
	ck_assert_ptr_null(err);
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}
END_TEST

/* Some kernel thread of this machine (kthreadd is 2 outside a pid namespace). */
START_TEST(kernel_threads_are_refused)
{
	struct proc_stat st;
	pid_t kt = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && !kt && (de = readdir(d)))
		if (atoi(de->d_name) > 1 && proc_stat_read(NULL, atoi(de->d_name), &st) == 0 &&
		    (st.flags & PROC_PF_KTHREAD))
			kt = atoi(de->d_name);
	if (d)
		closedir(d);
	ck_assert_msg(kt > 1, "no kernel thread visible in /proc (a pid namespace?): nothing to refuse");
	EXPECT_INPUT(check_dump_pid(kt, &err_), EINVAL, "is a kernel thread");
}
END_TEST

static void
rm(const char *d)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(directory_paths)
{
	char *d = unit_tmpdir("input"), p[PATH_MAX + 200];
	ckpt_error *err = NULL;
	int fd;

	/* what exists or can be made */
	ck_assert_int_eq(check_dir_path(d, "images directory", &err), 0);
	snprintf(p, sizeof(p), "%s/new/deeper/img", d);
	ck_assert_int_eq(check_dir_path(p, "images directory", &err), 0);
	ck_assert_int_eq(check_dir_path("relative/img", "images directory", &err), 0);
	ck_assert_ptr_null(err);
	/* a file, and a path through a file */
	snprintf(p, sizeof(p), "%s/file", d);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	EXPECT_INPUT(check_dir_path(p, "images directory", &err_), ENOTDIR, "is not a directory");
	strcat(p, "/sub");
	EXPECT_INPUT(check_dir_path(p, "work directory", &err_), ENOTDIR, "work directory `");
	/* a dangling symlink, and one to a directory */
	snprintf(p, sizeof(p), "%s/dangling", d);
	ck_assert_int_eq(symlink("/nonexistent/x", p), 0);
	EXPECT_INPUT(check_dir_path(p, "images directory", &err_), ENOENT, "dangling symbolic link");
	snprintf(p, sizeof(p), "%s/link", d);
	ck_assert_int_eq(symlink(".", p), 0);
	ck_assert_int_eq(check_dir_path(p, "images directory", &err), 0);
	/* lengths: a name over NAME_MAX, a path over PATH_MAX, shown cut */
	snprintf(p, sizeof(p), "%s/", d);
	memset(p + strlen(p), 'n', NAME_MAX + 1);
	p[strlen(d) + 1 + NAME_MAX + 1] = '\0';
	EXPECT_INPUT(check_dir_path(p, "images directory", &err_), ENAMETOOLONG, "longer than NAME_MAX");
	for (int i = 0; i < PATH_MAX + 10; i++)
		p[i] = i % 8 ? 'x' : '/';
	p[PATH_MAX + 10] = '\0';
	EXPECT_INPUT(check_dir_path(p, "images directory", &err_), ENAMETOOLONG, "bytes)` is longer than PATH_MAX");
	EXPECT_INPUT(check_dir_path(NULL, "images directory", &err_), EINVAL, "no images directory given");
	EXPECT_INPUT(check_dir_path("", "work directory", &err_), EINVAL, "no work directory given");
	rm(d);
	free(d);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("input");

	tcase_add_test(tc, pids_that_cannot_be_dumped);
	tcase_add_test(tc, a_child_can_be_dumped);
	tcase_add_test(tc, kernel_threads_are_refused);
	tcase_add_test(tc, directory_paths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
