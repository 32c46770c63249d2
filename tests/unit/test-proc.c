/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc.c: the one reader of /proc/PID/stat. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "unittest.h"

START_TEST(reads_this_process)
{
	struct proc_stat st;

	ck_assert_int_eq(proc_stat_read(NULL, getpid(), &st), 0);
	ck_assert_int_eq(st.state, 'R');
	ck_assert_int_eq(st.ppid, getppid());
	ck_assert_int_eq(st.threads, 1);
	ck_assert(!(st.flags & PROC_PF_KTHREAD));
	ck_assert_uint_gt(st.start, 0);
	{ /* the name as /proc/self/comm has it (under valgrind it is valgrind's tool) */
		char comm[32] = "";
		FILE *f = fopen("/proc/self/comm", "re");

		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		ck_assert_str_eq(st.comm, comm);
	}
	ck_assert(proc_alive(getpid()));
}
END_TEST

/* A command name with spaces and parentheses, from a fake /proc. */
START_TEST(a_hostile_command_name)
{
	char root[] = "/tmp/ckpt-test-proc-XXXXXX", path[256];
	const char *stat = "77 (a) (b c)) Z 5 77 77 0 -1 2097216 1 0 0 0 0 0 0 0 20 0 3 0 4242 0 0\n";
	struct proc_stat st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/77", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/77/stat", root);
	ck_assert_ptr_nonnull(f = fopen(path, "we"));
	fputs(stat, f);
	fclose(f);
	ck_assert_int_eq(proc_stat_read(root, 77, &st), 0);
	ck_assert_str_eq(st.comm, "a) (b c)");
	ck_assert_int_eq(st.state, 'Z');
	ck_assert_int_eq(st.ppid, 5);
	ck_assert(st.flags & PROC_PF_KTHREAD);
	ck_assert_int_eq(st.threads, 3);
	ck_assert_uint_eq(st.start, 4242);
	/* cut short, or gone */
	ck_assert_ptr_nonnull(f = fopen(path, "we"));
	fputs("77 (x) S 1", f);
	fclose(f);
	ck_assert_int_eq(proc_stat_read(root, 77, &st), -EINVAL);
	ck_assert_int_eq(proc_stat_read(root, 78, &st), -ENOENT);
	unlink(path);
	snprintf(path, sizeof(path), "%s/77", root);
	rmdir(path);
	rmdir(root);
}
END_TEST

START_TEST(a_zombie_is_not_alive)
{
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0)
		_exit(0);
	for (int i = 0; i < 200 && proc_alive(p); i++)
		usleep(5000);
	ck_assert(!proc_alive(p)); /* a zombie until reaped */
	waitpid(p, NULL, 0);
	ck_assert(!proc_alive(p));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("proc");

	tcase_add_test(tc, reads_this_process);
	tcase_add_test(tc, a_hostile_command_name);
	tcase_add_test(tc, a_zombie_is_not_alive);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
