/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libckpt against real criu: a real multi-process tree checkpointed and
 * restored with its state verified, leave-running, the notifications, a
 * refusing callback, errors for bad input, and fd hygiene towards criu.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

START_TEST(tree_dump_and_restore_keeps_state)
{
	struct itest_tree t;
	struct counter c, at[ITEST_TREE_MAX];
	ckpt_opts *o;
	ckpt_result *res = NULL;
	ckpt_error *err = NULL;

	itest_tree_start(&t, "tree", 2, 8);
	o = itest_opts(t.pids[0], t.images);
	ck_assert_msg(ckpt_tree_dump(o, &res, &err) == 0, "dump: %s", ckpt_error_message(err));
	ck_assert_int_eq(ckpt_result_pid(res), t.pids[0]);
	ck_assert_str_eq(ckpt_result_images_dir(res), t.images);
	ck_assert_uint_gt(ckpt_result_image_bytes(res), 8u << 20); /* the 8 MiB per process are in it */
	ckpt_result_free(res);
	ck_assert(itest_wait_all_gone(t.pids, t.n, 10000));
	for (int i = 0; i < t.n; i++)
		ck_assert_int_eq(itest_counter(t.dir, i, &at[i]), 0);
	itest_sleep_ms(200);
	ck_assert_int_eq(itest_counter(t.dir, 0, &c), 0);
	ck_assert_int_eq(c.last, at[0].last); /* nothing runs now */

	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1), 0);
	ck_assert_msg(ckpt_tree_restore(o, &res, &err) == 0, "restore: %s", ckpt_error_message(err));
	ck_assert_int_eq(ckpt_result_pid(res), t.pids[0]); /* same pid back */
	ckpt_result_free(res);
	for (int i = 0; i < t.n; i++) {
		ck_assert(itest_wait_count(t.dir, i, at[i].last + 10, 10000));
		ck_assert_int_eq(itest_counter(t.dir, i, &c), 0);
		/* contiguous: the counter went on from its value, written at the
		 * file offset it had; all ok: the memory came back intact */
		ck_assert_msg(c.contiguous, "counter %d has a gap or restarted", i);
		ck_assert_msg(c.all_ok, "counter %d saw corrupted memory", i);
		ck_assert_int_eq(c.first, 1);
	}
	itest_assert_tree_runs(&t);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

START_TEST(leave_running_keeps_the_tree_running)
{
	struct itest_tree t;
	ckpt_opts *o;
	ckpt_error *err = NULL;
	char *inv;
	struct stat st;

	itest_tree_start(&t, "leave", 1, 1);
	o = itest_opts(t.pids[0], t.images);
	ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1);
	ck_assert_msg(ckpt_tree_dump(o, NULL, &err) == 0, "dump: %s", ckpt_error_message(err));
	itest_assert_tree_runs(&t);
	ck_assert_int_ge(asprintf(&inv, "%s/inventory.img", t.images), 0);
	ck_assert_int_eq(stat(inv, &st), 0);
	free(inv);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

struct notes {
	char names[32][32];
	pid_t pids[32];
	int n;
	const char *refuse;
	int leaked;   /* fds of ours that criu could see */
	int criu_fds; /* fds criu had when asked */
	const char *canary;
};

static int
note(const char *script, pid_t pid, int fd, void *data)
{
	struct notes *n = data;

	if (n->n < 32) {
		snprintf(n->names[n->n], sizeof(n->names[0]), "%s", script);
		n->pids[n->n++] = pid;
	}
	return n->refuse && strcmp(script, n->refuse) == 0 ? -EPERM : 0;
}

static int
index_of(const struct notes *n, const char *name)
{
	for (int i = 0; i < n->n; i++)
		if (strcmp(n->names[i], name) == 0)
			return i;
	return -1;
}

START_TEST(notifications_arrive_in_order)
{
	struct itest_tree t;
	struct notes n = { 0 };
	ckpt_opts *o;
	ckpt_result *res = NULL;
	ckpt_error *err = NULL;
	const char *ev;
	uint64_t prev = 0, ns;

	itest_tree_start(&t, "notify", 0, 1);
	o = itest_opts(t.pids[0], t.images);
	ckpt_opts_set_notify(o, note, &n);
	ck_assert_msg(ckpt_tree_dump(o, &res, &err) == 0, "dump: %s", ckpt_error_message(err));
	ck_assert_int_ge(index_of(&n, "pre-dump"), 0);
	ck_assert_int_gt(index_of(&n, "post-dump"), index_of(&n, "pre-dump"));
	/* the result keeps the same events, with growing times */
	ck_assert_uint_eq(ckpt_result_event_count(res), (size_t)n.n);
	for (size_t i = 0; i < ckpt_result_event_count(res); i++) {
		ck_assert_int_eq(ckpt_result_event(res, i, &ev, &ns), 0);
		ck_assert_str_eq(ev, n.names[i]);
		ck_assert_uint_ge(ns, prev);
		prev = ns;
	}
	ck_assert_int_eq(ckpt_result_event(res, 99, &ev, &ns), -ERANGE);
	ckpt_result_free(res);
	ck_assert(itest_wait_gone(t.pids[0], 10000));

	memset(&n, 0, sizeof(n));
	ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1);
	ck_assert_msg(ckpt_tree_restore(o, &res, &err) == 0, "restore: %s", ckpt_error_message(err));
	ck_assert_int_ge(index_of(&n, "pre-restore"), 0);
	ck_assert_int_gt(index_of(&n, "post-restore"), index_of(&n, "pre-restore"));
	ck_assert_int_eq(n.pids[index_of(&n, "post-restore")], t.pids[0]);
	ck_assert_int_gt(index_of(&n, "post-resume"), index_of(&n, "post-restore"));
	ckpt_result_free(res);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

static int
count_staging(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".ckpt-"))
			n++;
	closedir(d);
	return n;
}

START_TEST(refused_pre_dump_leaves_the_tree_untouched)
{
	struct itest_tree t;
	struct notes n = { .refuse = "pre-dump" };
	ckpt_opts *o;
	ckpt_error *err = NULL;
	struct stat st;

	itest_tree_start(&t, "refuse", 1, 1);
	o = itest_opts(t.pids[0], t.images);
	ckpt_opts_set_notify(o, note, &n);
	ck_assert_int_eq(ckpt_tree_dump(o, NULL, &err), -EPERM);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "the pre-dump notify callback failed"));
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "checkpoint pid"));
	ckpt_error_free(err);
	itest_assert_tree_runs(&t);
	/* no checkpoint appeared, no staging directory was left behind */
	ck_assert_int_eq(stat(t.images, &st), -1);
	ck_assert_int_eq(count_staging(t.dir), 0);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

/* Looks at criu's fds while it waits for our answer to pre-dump. */
static int
inspect_criu(const char *script, pid_t pid, int fd, void *data)
{
	struct notes *n = data;
	char path[512], link[PATH_MAX];
	pid_t criu = 0, child;
	struct dirent *de;
	DIR *d;
	FILE *f;

	if (strcmp(script, "pre-dump") != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &child) == 1) {
		char comm[64] = "";
		FILE *c;
		snprintf(path, sizeof(path), "/proc/%d/comm", child);
		if ((c = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), c) && strncmp(comm, "criu", 4) == 0)
				criu = child;
			fclose(c);
		}
	}
	if (f)
		fclose(f);
	if (!criu)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/fd", criu);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		ssize_t l;
		if (de->d_name[0] == '.')
			continue;
		n->criu_fds++;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", criu, de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = '\0';
		if (strstr(link, n->canary))
			n->leaked++;
	}
	if (d)
		closedir(d);
	return 0;
}

START_TEST(no_client_fd_reaches_criu)
{
	struct itest_tree t;
	struct notes n = { 0 };
	ckpt_opts *o;
	ckpt_error *err = NULL;
	char *canary;
	int fds[8];

	itest_tree_start(&t, "fds", 0, 1);
	/* fds without CLOEXEC, as a careless embedding program would have */
	ck_assert_int_ge(asprintf(&canary, "%s/leak-canary", t.dir), 0);
	for (int i = 0; i < 8; i++)
		ck_assert_int_ge(fds[i] = open(canary, O_RDWR | O_CREAT, 0600), 0);
	n.canary = "leak-canary";
	o = itest_opts(t.pids[0], t.images);
	ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1);
	ckpt_opts_set_notify(o, inspect_criu, &n);
	ck_assert_msg(ckpt_tree_dump(o, NULL, &err) == 0, "dump: %s", ckpt_error_message(err));
	ck_assert_int_gt(n.criu_fds, 3);
	ck_assert_int_eq(n.leaked, 0);
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	free(canary);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

START_TEST(nonexistent_pid_is_a_clear_error)
{
	ckpt_opts *o = itest_opts(4194300, "/tmp/ckpt-test-never");
	ckpt_error *err = NULL;

	ck_assert_int_eq(ckpt_tree_dump(o, NULL, &err), -ESRCH);
	ck_assert_str_eq(ckpt_error_message(err), "checkpoint pid 4194300: process 4194300 does not exist");
	ckpt_error_free(err);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(bad_image_dirs_are_clear_errors)
{
	struct itest_tree t;
	ckpt_opts *o;
	ckpt_error *err = NULL;
	char *file, *ro, *under;

	itest_tree_start(&t, "baddir", 0, 1);
	/* an image path that is a file */
	ck_assert_int_ge(asprintf(&file, "%s/afile", t.dir), 0);
	close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	o = itest_opts(t.pids[0], file);
	ck_assert_int_eq(ckpt_tree_dump(o, NULL, &err), -ENOTDIR);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "is not a directory"));
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), file));
	ck_assert_msg(ckpt_error_is_input(err), "not an input error");
	ck_assert_ptr_null(ckpt_error_log_excerpt(err)); /* refused before criu ran */
	ckpt_error_free(err);
	err = NULL;
	ckpt_opts_free(o);

	/* an image path on a read-only file system (root ignores modes) */
	ck_assert_int_ge(asprintf(&ro, "%s/ro", t.dir), 0);
	ck_assert_int_eq(mkdir(ro, 0700), 0);
	ck_assert_int_eq(mount("tmpfs", ro, "tmpfs", MS_RDONLY, NULL), 0);
	ck_assert_int_ge(asprintf(&under, "%s/images", ro), 0);
	o = itest_opts(t.pids[0], under);
	ck_assert_int_eq(ckpt_tree_dump(o, NULL, &err), -EROFS);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "Read-only file system"));
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), under));
	ck_assert_msg(ckpt_error_is_input(err), "not an input error");
	ck_assert_ptr_null(ckpt_error_log_excerpt(err));
	ckpt_error_free(err);
	err = NULL;
	ckpt_opts_free(o);

	/* a place ckpt cannot create (found out only by trying): criu's idle output is not quoted */
	o = itest_opts(t.pids[0], "/proc/ckpt-test-nope/images");
	ck_assert_int_eq(ckpt_tree_dump(o, NULL, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "/proc/ckpt-test-nope"));
	ck_assert_msg(!ckpt_error_log_excerpt(err), "criu's output quoted: %s", ckpt_error_log_excerpt(err));
	ckpt_error_free(err);
	err = NULL;
	itest_assert_tree_runs(&t);

	/* restoring from a directory that does not exist, or holds nothing */
	ck_assert_int_eq(ckpt_tree_restore(o, NULL, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "No such file or directory"));
	ckpt_error_free(err);
	err = NULL;
	ckpt_opts_free(o);
	o = itest_opts(0, t.dir);
	ck_assert_int_eq(ckpt_tree_restore(o, NULL, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "holds no checkpoint"));
	ckpt_error_free(err);
	ckpt_opts_free(o);
	umount(ro);
	free(file);
	free(ro);
	free(under);
	itest_tree_stop(&t);
}
END_TEST

START_TEST(missing_criu_binary_is_a_clear_error)
{
	struct itest_tree t;
	ckpt_opts *o;
	ckpt_error *err = NULL;
	int v = 0;

	itest_tree_start(&t, "nocriu", 0, 1);
	o = itest_opts(t.pids[0], t.images);
	ck_assert_int_eq(ckpt_opts_set_criu_path(o, "/nonexistent/criu"), 0);
	ck_assert_int_eq(ckpt_tree_dump(o, NULL, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "criu binary `/nonexistent/criu`: No such file"));
	ckpt_error_free(err);
	err = NULL;
	ck_assert_int_eq(ckpt_opts_set_criu_path(o, "no-such-criu"), 0);
	ck_assert_int_eq(ckpt_criu_version(o, &v, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(ckpt_error_message(err), "criu binary `no-such-criu` not found in PATH"));
	ckpt_error_free(err);
	itest_assert_tree_runs(&t);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

START_TEST(criu_version_and_features)
{
	unsigned int got = 0;
	ckpt_error *err = NULL;
	int v = 0;

	ck_assert_msg(ckpt_criu_version(NULL, &v, &err) == 0, "%s", ckpt_error_message(err));
	ck_assert_int_ge(v, 40000);
	ck_assert_msg(ckpt_criu_check(NULL, &err) == 0, "%s", ckpt_error_message(err));
	ck_assert_int_eq(ckpt_criu_features(NULL, CKPT_FEATURE_LAZY_PAGES | CKPT_FEATURE_PIDFD_STORE, &got, &err), 0);
	ck_assert_uint_eq(got & ~(unsigned)(CKPT_FEATURE_LAZY_PAGES | CKPT_FEATURE_PIDFD_STORE), 0);
	ck_assert(got & CKPT_FEATURE_PIDFD_STORE);
}
END_TEST

/* The criu binary is resolved once, to an absolute path without symlinks, before it runs. */
START_TEST(criu_path_is_resolved_to_an_absolute_path)
{
	char *dir = itest_mkdtemp("criupath"), *link, *path = NULL, *real;
	ckpt_opts *o = itest_opts(0, dir);
	ckpt_error *err = NULL;

	ck_assert_msg(ckpt_criu_path(NULL, &path, &err) == 0, "%s", ckpt_error_message(err));
	ck_assert_msg(path[0] == '/', "`%s` is not absolute", path);
	real = realpath(path, NULL);
	ck_assert_str_eq(path, real);
	ck_assert_int_ge(asprintf(&link, "%s/criu-link", dir), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	free(path);
	ck_assert_int_eq(ckpt_opts_set_criu_path(o, link), 0);
	ck_assert_msg(ckpt_criu_path(o, &path, &err) == 0, "%s", ckpt_error_message(err));
	ck_assert_str_eq(path, real); /* what runs is the target, not whatever the link says later */
	free(path);
	free(real);
	free(link);
	ckpt_opts_free(o);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("dump-restore");
	TCase *tc = tcase_create("dump-restore");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tree_dump_and_restore_keeps_state);
	tcase_add_test(tc, leave_running_keeps_the_tree_running);
	tcase_add_test(tc, notifications_arrive_in_order);
	tcase_add_test(tc, refused_pre_dump_leaves_the_tree_untouched);
	tcase_add_test(tc, no_client_fd_reaches_criu);
	tcase_add_test(tc, nonexistent_pid_is_a_clear_error);
	tcase_add_test(tc, bad_image_dirs_are_clear_errors);
	tcase_add_test(tc, missing_criu_binary_is_a_clear_error);
	tcase_add_test(tc, criu_version_and_features);
	tcase_add_test(tc, criu_path_is_resolved_to_an_absolute_path);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
