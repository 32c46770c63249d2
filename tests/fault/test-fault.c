/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libckpt against a broken criu (tests/fake-criu): each misbehaviour gives a
 * specific error (errno and message), the call returns in bounded time, and
 * no fd and no child process is left behind.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "util.h"
#include "unittest.h"

static char tmpdir[] = "/tmp/ckpt-fault-XXXXXX";
static char fake_path[256];
static pid_t target = -1; /* a live process to "dump": fake-criu never touches it */
static int fds_before, children_before;

/* Open fds of this process, not counting the one used to count them. */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* Processes whose parent is this one (live or zombie). */
static int
count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[300], buf[512], *p;
		int ppid = 0;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && sscanf(p + 2, "%*c %d", &ppid) == 1 &&
		    ppid == getpid())
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	ck_assert_int_ge(in, 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* fake-criu under the name of its mode (a copy: symlinks get resolved). */
static const char *
fake(const char *mode)
{
	snprintf(fake_path, sizeof(fake_path), "%s/%s", tmpdir, mode);
	if (access(fake_path, X_OK) < 0)
		copy_file(FAKE_CRIU, fake_path);
	return fake_path;
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	target = fork();
	ck_assert_int_ge(target, 0);
	if (target == 0) {
		for (;;)
			pause();
	}
	fds_before = count_fds();
	children_before = count_children();
}

static void
teardown(void)
{
	if (target > 0) {
		kill(target, SIGKILL);
		waitpid(target, NULL, 0);
	}
	rm_rf(tmpdir);
	strcpy(tmpdir, "/tmp/ckpt-fault-XXXXXX");
}

/* Nothing leaked: same fds, same children as before the call. */
static void
assert_no_leaks(void)
{
	ck_assert_int_eq(count_fds(), fds_before);
	ck_assert_int_eq(count_children(), children_before);
}

static ckpt_opts *
opts_for(const char *mode, unsigned int timeout_ms)
{
	ckpt_opts *o = NULL;

	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_criu_path(o, fake(mode)), 0);
	if (timeout_ms)
		ck_assert_int_eq(ckpt_opts_set_timeout(o, timeout_ms), 0);
	return o;
}

/* How criu ended, as the error reports it: "exit N", "signal N" or "none". */
static const char *
criu_end(const ckpt_error *e)
{
	static char buf[32];
	int ex = 0, sig = 0;

	if (!ckpt_error_criu_status(e, &ex, &sig))
		return "none";
	if (sig)
		snprintf(buf, sizeof(buf), "signal %d", sig);
	else
		snprintf(buf, sizeof(buf), "exit %d", ex);
	return buf;
}

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct expect {
	int ret;
	const char *message;
	const char *end; /* criu_end(); NULL: any, and message is only the why */
};

static void
check_error(int r, ckpt_error *e, const struct expect *x)
{
	ck_assert_int_eq(r, x->ret);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(ckpt_error_errno(e), -x->ret);
	if (x->end) {
		ck_assert_str_eq(ckpt_error_message(e), x->message);
		ck_assert_str_eq(criu_end(e), x->end);
	} else {
		/* criu was reaped, by whatever end (killed, or died on EPIPE first) */
		ck_assert_str_eq(ckpt_error_why(e), x->message);
		ck_assert_str_ne(criu_end(e), "none");
	}
}

/* ckpt_criu_version() against a fake criu in `mode`. */
static void
version_fails(const char *mode, unsigned int timeout_ms, const struct expect *x)
{
	ckpt_opts *o = opts_for(mode, timeout_ms);
	ckpt_error *e = NULL;
	int v = -1, r;

	r = ckpt_criu_version(o, &v, &e);
	check_error(r, e, x);
	ck_assert_int_eq(v, -1);
	ckpt_error_free(e);
	ckpt_opts_free(o);
	assert_no_leaks();
}

static char *
images_path(const char *name)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", tmpdir, name), 0);
	return p;
}

static bool
images_exist(void)
{
	char *p = images_path("images");
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* ckpt_tree_dump() of the idle target into <tmpdir>/images. */
static int
dump(const char *mode, unsigned int timeout_ms, volatile int *cancel, ckpt_error **e)
{
	ckpt_opts *o = opts_for(mode, timeout_ms);
	char *dir = images_path("images");
	int r;

	ck_assert_int_eq(ckpt_opts_set_images_dir(o, dir), 0);
	ck_assert_int_eq(ckpt_opts_set_pid(o, target), 0);
	if (cancel)
		ck_assert_int_eq(ckpt_opts_set_cancel_flag(o, cancel), 0);
	r = ckpt_tree_dump(o, NULL, e);
	ckpt_opts_free(o);
	free(dir);
	return r;
}

static void
dump_fails(const char *mode, unsigned int timeout_ms, const struct expect *x)
{
	ckpt_error *e = NULL;
	int r = dump(mode, timeout_ms, NULL, &e);

	check_error(r, e, x);
	ckpt_error_free(e);
	assert_no_leaks();
}

/* The content of <tmpdir>/images/inventory.img, or NULL. */
static char *
inventory(void)
{
	char *p = images_path("images/inventory.img"), buf[128];
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	free(p);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strdup(buf);
}

/* Entries of tmpdir other than the fake criu copies and `images`. */
static int
count_strays(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "images"))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0100))
			continue; /* a fake-criu copy */
		if (strstr(de->d_name, ".log"))
			continue; /* criu's log kept beside the images path */
		n++;
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------------ */
/* Broken answers to the first request */

START_TEST(garbage_bytes)
{
	static const struct expect x = { -EBADMSG,
					 "criu version: criu sent a message that is not a criu_resp (11 bytes)",
					 "exit 0" };
	version_fails("garbage", 0, &x);
}
END_TEST

START_TEST(truncated_message)
{
	static const struct expect x = { -EBADMSG,
					 "criu version: criu sent a message that is not a criu_resp (34 bytes)",
					 "exit 0" };
	version_fails("truncated", 0, &x);
}
END_TEST

START_TEST(oversized_message)
{
	static const struct expect x = { -EMSGSIZE,
					 "criu version: criu sent an oversized message (4194305 bytes, limit 4194304)",
					 "exit 0" };
	version_fails("oversized", 0, &x);
}
END_TEST

START_TEST(wrong_response_type)
{
	static const struct expect x = { -EBADMSG, "criu version: criu answered a VERSION request with a DUMP response",
					 "exit 0" };
	version_fails("wrong-type", 0, &x);
}
END_TEST

START_TEST(eof_before_response)
{
	static const struct expect x = { -ECONNRESET, "criu version: criu closed the connection without a response",
					 "exit 0" };
	version_fails("eof", 0, &x);
}
END_TEST

START_TEST(early_exit_shows_stderr)
{
	ckpt_opts *o = opts_for("exit1", 0);
	ckpt_error *e = NULL;
	int v;

	ck_assert_int_eq(ckpt_criu_version(o, &v, &e), -ECONNRESET);
	ck_assert_str_eq(ckpt_error_message(e), "criu version: criu closed the connection without a response");
	ck_assert_str_eq(criu_end(e), "exit 1");
	ck_assert_str_eq(ckpt_error_log_excerpt(e), "Error (fake-criu.c:2): fake early failure");
	ckpt_error_free(e);
	ckpt_opts_free(o);
	assert_no_leaks();
}
END_TEST

START_TEST(empty_datagram)
{
	static const struct expect x = { -EBADMSG, "criu version: criu sent an empty message", "exit 0" };
	version_fails("empty", 0, &x);
}
END_TEST

START_TEST(endless_notify)
{
	static const struct expect x = { -EPROTO, "criu version: criu sent more than 4096 notifications", "exit 0" };
	version_fails("notify-flood", 0, &x);
}
END_TEST

/* A flood that never reads the acks blocks the client's send: the deadline ends it. */
START_TEST(endless_notify_unread)
{
	static const struct expect x = { -ETIMEDOUT, "criu did not answer before the deadline", NULL };
	version_fails("notify-flood-noread", 500, &x);
}
END_TEST

START_TEST(several_fds_in_one_message)
{
	static const struct expect x = {
		-EBADMSG, "criu version: criu sent 3 file descriptors in one message (at most 1 expected)", "exit 0"
	};
	version_fails("fds", 0, &x);
}
END_TEST

START_TEST(fd_on_final_response)
{
	static const struct expect x = { -EBADMSG,
					 "criu version: criu sent a file descriptor with its VERSION response",
					 "exit 0" };
	version_fails("fd-final", 0, &x);
}
END_TEST

START_TEST(never_answers)
{
	static const struct expect x = {
		-ETIMEDOUT, "criu version: criu was killed by signal 9: criu did not answer before the deadline",
		"signal 9"
	};
	uint64_t t0 = ms_now();

	version_fails("hang", 300, &x);
	ck_assert_uint_lt(ms_now() - t0, 2000);
}
END_TEST

START_TEST(crash_mid_reply)
{
	static const struct expect x = {
		-ECONNRESET,
		"criu version: criu was killed by signal 11: criu closed the connection without a response", "signal 11"
	};
	version_fails("segv", 0, &x);
}
END_TEST

START_TEST(impossible_version)
{
	static const struct expect x = { -EBADMSG,
					 "criu version: criu reported an impossible version 2147483647.2147483647.1",
					 "exit 0" };
	version_fails("bad-version", 0, &x);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* A valid VERSION answer, then misbehaviour on the DUMP request */

START_TEST(version_then_garbage)
{
	char msg[128];
	struct expect x = { -EBADMSG, msg, "exit 0" };

	snprintf(msg, sizeof(msg), "checkpoint pid %d: criu sent a message that is not a criu_resp (11 bytes)", target);
	dump_fails("v-garbage", 0, &x);
	ck_assert_int_eq(count_strays(), 0);
	ck_assert(!images_exist());
}
END_TEST

START_TEST(version_then_eof)
{
	char msg[128];
	struct expect x = { -ECONNRESET, msg, "exit 0" };

	snprintf(msg, sizeof(msg), "checkpoint pid %d: criu closed the connection without a response", target);
	dump_fails("v-eof", 0, &x);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

START_TEST(version_then_crash_while_writing)
{
	char msg[160];
	struct expect x = { -ECONNRESET, msg, "signal 9" };

	snprintf(msg, sizeof(msg),
		 "checkpoint pid %d: criu was killed by signal 9: criu closed the connection without a response",
		 target);
	dump_fails("v-dump-crash", 0, &x);
	ck_assert_int_eq(count_strays(), 0);
	ck_assert(!images_exist());
}
END_TEST

START_TEST(version_then_hang_aborts_then_kills)
{
	char msg[200];
	struct expect x = { -ETIMEDOUT, msg, "signal 9" };
	uint64_t t0 = ms_now();

	snprintf(msg, sizeof(msg),
		 "checkpoint pid %d: criu was killed by signal 9: the deadline passed; criu did not stop the DUMP by "
		 "itself within 10000 ms",
		 target);
	dump_fails("v-hang", 300, &x);
	ck_assert_uint_lt(ms_now() - t0, 13000);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

START_TEST(version_then_failure_reports_criu)
{
	ckpt_error *e = NULL;
	char msg[160];

	snprintf(msg, sizeof(msg), "checkpoint pid %d: criu dump failed: Error (fake-criu.c:1): fake dump failure",
		 target);
	ck_assert_int_eq(dump("v-dump-fail", 0, NULL, &e), -ESRCH);
	ck_assert_str_eq(ckpt_error_message(e), msg);
	ck_assert_int_eq(ckpt_error_criu_errno(e), ESRCH);
	ck_assert_str_eq(ckpt_error_criu_errmsg(e), "Error (fake-criu.c:1): fake dump failure");
	ckpt_error_free(e);
	assert_no_leaks();
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The images path: the last good checkpoint survives a failed one */

START_TEST(failed_dump_keeps_last_good_checkpoint)
{
	ckpt_error *e = NULL;
	char *inv;

	ck_assert_int_eq(dump("v-dump-ok", 0, NULL, &e), 0);
	ck_assert_ptr_null(e);
	inv = inventory();
	ck_assert_str_eq(inv, "fake-criu dump-ok");
	free(inv);
	/* each way of failing: the first checkpoint is still there, whole */
	static const char *const modes[] = { "v-dump-fail", "v-dump-crash", "v-garbage", "v-eof", "v-segv" };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ck_assert_int_lt(dump(modes[i], 0, NULL, &e), 0);
		ckpt_error_free(e);
		e = NULL;
		inv = inventory();
		ck_assert_msg(inv && strcmp(inv, "fake-criu dump-ok") == 0, "%s: images now hold `%s`", modes[i],
			      inv ? inv : "(nothing)");
		free(inv);
		ck_assert_msg(count_strays() == 0, "%s left a staging directory", modes[i]);
	}
	/* and a new good one replaces it */
	ck_assert_int_eq(dump("v-dump-ok2", 0, NULL, &e), 0);
	inv = inventory();
	ck_assert_str_eq(inv, "fake-criu dump-ok2");
	free(inv);
	ck_assert_int_eq(count_strays(), 0);
	assert_no_leaks();
}
END_TEST

/* A checkpoint's directory is private: mode 0700, whatever the umask. */
START_TEST(images_dir_is_private)
{
	ckpt_error *e = NULL;
	char *p = images_path("images");
	struct stat st;
	mode_t old = umask(0);

	ck_assert_int_eq(dump("v-dump-ok", 0, NULL, &e), 0);
	umask(old);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	free(p);
}
END_TEST

/* An old staging dir of <tmpdir>/images; with lock, a child holds its flock. */
static pid_t
make_staging(const char *name, bool old, bool lock)
{
	char *p = images_path(name);
	struct timespec t[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
	pid_t holder = -1;
	int fd;

	ck_assert_int_eq(mkdir(p, 0700), 0);
	if (old)
		ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
	if (lock) {
		int sync[2];
		char c;

		ck_assert_int_eq(pipe(sync), 0);
		holder = fork();
		ck_assert_int_ge(holder, 0);
		if (holder == 0) {
			fd = open(p, O_RDONLY | O_DIRECTORY);
			if (fd < 0 || flock(fd, LOCK_EX) < 0)
				_exit(1);
			(void)!write(sync[1], "x", 1);
			for (;;)
				pause();
		}
		ck_assert_int_eq(read(sync[0], &c, 1), 1);
		close(sync[0]);
		close(sync[1]);
	}
	free(p);
	return holder;
}

static bool
exists(const char *name)
{
	char *p = images_path(name);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* Staging dirs left by a dead checkpoint are removed; live or recent ones stay. */
START_TEST(stale_staging_dirs_are_removed)
{
	ckpt_error *e = NULL;
	pid_t holder;

	make_staging(".images.ckpt-dead01", true, false);
	holder = make_staging(".images.ckpt-live01", true, true);
	make_staging(".images.ckpt-new001", false, false);
	make_staging(".other.ckpt-dead01", true, false);
	ck_assert_int_eq(dump("v-dump-ok", 0, NULL, &e), 0);
	ck_assert(!exists(".images.ckpt-dead01"));
	ck_assert(exists(".images.ckpt-live01"));
	ck_assert(exists(".images.ckpt-new001"));
	ck_assert(exists(".other.ckpt-dead01"));
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}
END_TEST

/* post-dump is refused once the deadline passed: criu aborts by itself. */
START_TEST(deadline_refuses_next_notify)
{
	char msg[200];
	struct expect x = { -ETIMEDOUT, msg, "exit 0" };

	snprintf(msg, sizeof(msg),
		 "checkpoint pid %d: the deadline passed; criu aborted the DUMP at its `post-dump` notification",
		 target);
	dump_fails("v-slow-dump", 300, &x);
	ck_assert_int_eq(count_strays(), 0);
	ck_assert(!images_exist());
}
END_TEST

/* After post-dump was acknowledged the dump completes: it is kept. */
START_TEST(deadline_after_point_of_no_return_keeps_dump)
{
	ckpt_error *e = NULL;
	char *inv;

	ck_assert_int_eq(dump("v-slow-answer", 300, NULL, &e), 0);
	ck_assert_ptr_null(e);
	inv = inventory();
	ck_assert_str_eq(inv, "slow");
	free(inv);
	ck_assert_int_eq(count_strays(), 0);
	assert_no_leaks();
}
END_TEST

struct canceller {
	volatile int *flag;
	unsigned int after_ms;
};

static void *
cancel_later(void *p)
{
	struct canceller *c = p;

	usleep(c->after_ms * 1000);
	*c->flag = 1;
	return NULL;
}

START_TEST(cancel_flag_refuses_next_notify)
{
	static volatile int flag;
	struct canceller c = { &flag, 300 };
	ckpt_error *e = NULL;
	pthread_t th;
	char msg[200];

	flag = 0;
	snprintf(msg, sizeof(msg),
		 "checkpoint pid %d: cancelled; criu aborted the DUMP at its `post-dump` notification", target);
	ck_assert_int_eq(pthread_create(&th, NULL, cancel_later, &c), 0);
	ck_assert_int_eq(dump("v-slow-dump", 0, &flag, &e), -ECANCELED);
	pthread_join(th, NULL);
	ck_assert_str_eq(ckpt_error_message(e), msg);
	ckpt_error_free(e);
	assert_no_leaks();
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

START_TEST(cancel_before_start)
{
	static volatile int flag = 1;
	ckpt_error *e = NULL;
	char msg[200];

	snprintf(msg, sizeof(msg), "checkpoint pid %d: cancelled before the VERSION request was sent", target);
	ck_assert_int_eq(dump("v-dump-ok", 0, &flag, &e), -ECANCELED);
	ck_assert_str_eq(ckpt_error_message(e), msg);
	ckpt_error_free(e);
	assert_no_leaks();
	ck_assert(!images_exist());
}
END_TEST

/* A criu that answers and then never exits is killed after a bounded grace. */
START_TEST(answer_then_hang_is_reaped)
{
	ckpt_error *e = NULL;
	uint64_t t0 = ms_now();

	ck_assert_int_eq(dump("v-ok-then-hang", 0, NULL, &e), 0);
	ck_assert_ptr_null(e);
	ck_assert_uint_lt(ms_now() - t0, 13000);
	assert_no_leaks();
}
END_TEST

/* The library never touches an fd it does not own, whatever criu does. */
START_TEST(caller_fds_untouched)
{
	int p[2], flags;
	static const struct expect x = { -EBADMSG,
					 "criu version: criu sent a message that is not a criu_resp (11 bytes)",
					 "exit 0" };

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fds_before = count_fds();
	version_fails("garbage", 0, &x);
	flags = fcntl(p[0], F_GETFD);
	ck_assert_int_eq(flags, FD_CLOEXEC);
	close(p[0]);
	close(p[1]);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("first-request");
	TCase *tv = tcase_create("after-version");
	TCase *ti = tcase_create("images");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, garbage_bytes);
	tcase_add_test(tc, truncated_message);
	tcase_add_test(tc, oversized_message);
	tcase_add_test(tc, wrong_response_type);
	tcase_add_test(tc, eof_before_response);
	tcase_add_test(tc, early_exit_shows_stderr);
	tcase_add_test(tc, empty_datagram);
	tcase_add_test(tc, endless_notify);
	tcase_add_test(tc, endless_notify_unread);
	tcase_add_test(tc, several_fds_in_one_message);
	tcase_add_test(tc, fd_on_final_response);
	tcase_add_test(tc, never_answers);
	tcase_add_test(tc, crash_mid_reply);
	tcase_add_test(tc, impossible_version);
	tcase_add_test(tc, caller_fds_untouched);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tv, setup, teardown);
	tcase_set_timeout(tv, 30);
	tcase_add_test(tv, version_then_garbage);
	tcase_add_test(tv, version_then_eof);
	tcase_add_test(tv, version_then_crash_while_writing);
	tcase_add_test(tv, version_then_hang_aborts_then_kills);
	tcase_add_test(tv, version_then_failure_reports_criu);
	tcase_add_test(tv, deadline_refuses_next_notify);
	tcase_add_test(tv, deadline_after_point_of_no_return_keeps_dump);
	tcase_add_test(tv, cancel_flag_refuses_next_notify);
	tcase_add_test(tv, cancel_before_start);
	tcase_add_test(tv, answer_then_hang_is_reaped);
	suite_add_tcase(s, tv);

	tcase_add_checked_fixture(ti, setup, teardown);
	tcase_set_timeout(ti, 30);
	tcase_add_test(ti, failed_dump_keeps_last_good_checkpoint);
	tcase_add_test(ti, stale_staging_dirs_are_removed);
	tcase_add_test(ti, images_dir_is_private);
	suite_add_tcase(s, ti);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
