/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util.c: mkdir -p, rm -rf that never follows a symlink, sizes of a tree. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"
#include "unittest.h"

static void
write_file(const char *dir, const char *name, size_t bytes)
{
	char path[512], buf[4096] = { 1 };
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	for (size_t n = 0; n < bytes; n += sizeof(buf))
		ck_assert_int_gt(write(fd, buf, bytes - n < sizeof(buf) ? bytes - n : sizeof(buf)), 0);
	close(fd);
}

static bool
exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

START_TEST(mkdir_p_makes_every_level_with_the_mode)
{
	char *d = unit_tmpdir("util"), path[512];
	struct stat st;
	mode_t old = umask(0);

	snprintf(path, sizeof(path), "%s/a/b/c", d);
	ck_assert_int_eq(mkdir_p(path, 0700), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/a", d);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(mkdir_p(path, 0700), 0); /* already there: fine */
	write_file(d, "file", 1);
	snprintf(path, sizeof(path), "%s/file", d);
	ck_assert_int_eq(mkdir_p(path, 0700), -ENOTDIR);
	snprintf(path, sizeof(path), "%s/file/sub", d);
	ck_assert_int_eq(mkdir_p(path, 0700), -ENOTDIR);
	umask(old);
	ck_assert_int_eq(rm_rf(d), 0);
	free(d);
}
END_TEST

/* A symlink inside the tree is removed, never followed: what it points to stays. */
START_TEST(rm_rf_never_follows_symlinks)
{
	char *victim = unit_tmpdir("util"), *d = unit_tmpdir("util"), path[512];

	write_file(victim, "precious", 10);
	snprintf(path, sizeof(path), "%s/sub/deeper", d);
	ck_assert_int_eq(mkdir_p(path, 0700), 0);
	write_file(path, "f", 100);
	snprintf(path, sizeof(path), "%s/sub/link-to-victim", d);
	ck_assert_int_eq(symlink(victim, path), 0);
	snprintf(path, sizeof(path), "%s/link-to-file", d);
	snprintf(path + 256, 256, "%s/precious", victim);
	ck_assert_int_eq(symlink(path + 256, path), 0);
	ck_assert_int_eq(rm_rf(d), 0);
	ck_assert_int_ne(access(d, F_OK), 0);
	ck_assert(exists(victim, "precious"));
	/* a symlink given itself is removed as a link */
	snprintf(path, sizeof(path), "%s-link", victim);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(rm_rf(path), 0);
	ck_assert(exists(victim, "precious"));
	ck_assert_int_eq(rm_rf("/tmp/ckpt-test-util-does-not-exist"), 0);
	ck_assert_int_eq(rm_rf(victim), 0);
	free(victim);
	free(d);
}
END_TEST

START_TEST(dir_bytes_counts_regular_files_below)
{
	char *d = unit_tmpdir("util"), *other = unit_tmpdir("util"), path[512];
	int fd;

	write_file(d, "a", 1000);
	snprintf(path, sizeof(path), "%s/sub", d);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	write_file(path, "b", 20000);
	write_file(other, "big", 1 << 20);
	snprintf(path, sizeof(path), "%s/link", d);
	ck_assert_int_eq(symlink(other, path), 0); /* not followed */
	/* a sparse file counts its allocated bytes, not its length */
	snprintf(path, sizeof(path), "%s/sparse", d);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 64 << 20), 0);
	close(fd);
	ck_assert_uint_eq(dir_bytes(d), 21000);
	ck_assert_uint_eq(dir_bytes("/tmp/ckpt-test-util-does-not-exist"), 0);
	rm_rf(d);
	rm_rf(other);
	free(d);
	free(other);
}
END_TEST

START_TEST(prepare_dir_makes_a_writable_directory)
{
	char *d = unit_tmpdir("util"), path[512];
	ckpt_error *err = NULL;

	snprintf(path, sizeof(path), "%s/new/dir", d);
	ck_assert_int_eq(prepare_dir(path, "work directory", &err), 0);
	ck_assert_int_eq(access(path, W_OK), 0);
	write_file(d, "file", 1);
	snprintf(path, sizeof(path), "%s/file", d);
	ck_assert_int_eq(prepare_dir(path, "work directory", &err), -ENOTDIR);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "work directory `"));
	ckpt_error_free(err);
	rm_rf(d);
	free(d);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, mkdir_p_makes_every_level_with_the_mode);
	tcase_add_test(tc, rm_rf_never_follows_symlinks);
	tcase_add_test(tc, dir_bytes_counts_regular_files_below);
	tcase_add_test(tc, prepare_dir_makes_a_writable_directory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
