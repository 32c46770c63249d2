/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Faults during a real checkpoint: criu SIGKILLed at each notification, a
 * refusing callback, a cancel, a deadline. Afterwards the workload runs
 * (not frozen, not stopped, not killed) with its state intact, the error
 * says what happened, the last good checkpoint at the images path is still
 * there and restorable, and no half-written or staging directory is left.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* The workload in a network namespace of its own (criu then locks it). */
static void
tree_start_netns(struct itest_tree *t, const char *tag)
{
	char nc[] = "0", mm[] = "1", tick[] = "20";
	const char *prog = itest_prog("CKPT_WORKLOAD");
	pid_t pid;

	t->dir = itest_mkdtemp(tag);
	ck_assert_int_ge(asprintf(&t->images, "%s/images", t->dir), 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(126);
		execl(prog, prog, t->dir, nc, mm, tick, (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(itest_wait_count(t->dir, 0, 3, 10000), "netns workload did not start");
	t->pids[0] = pid;
	t->n = 1;
}

/* Entries of dir named like a staging directory (".NAME.ckpt-XXXXXX"). */
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

static bool
path_exists(const char *dir, const char *name)
{
	char *p;
	bool r;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	r = access(p, F_OK) == 0;
	free(p);
	return r;
}

/* The criu child of the calling thread, or 0. */
static pid_t
find_criu(void)
{
	char path[128], comm[64];
	pid_t child, criu = 0;
	FILE *f, *c;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", gettid());
	if (!(f = fopen(path, "re")))
		return 0;
	while (!criu && fscanf(f, "%d", &child) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/comm", child);
		if ((c = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), c) && strncmp(comm, "criu", 4) == 0)
				criu = child;
			fclose(c);
		}
	}
	fclose(f);
	return criu;
}

/* What the notify callback does, and at which notification. */
struct fault {
	const char *at; /* notification name */
	enum {
		F_KILL,
		F_REFUSE,
		F_CANCEL,
		F_SLEEP
	} what;
	volatile int *cancel; /* F_CANCEL: the flag to set */
	int sleep_ms;	      /* F_SLEEP */
	bool hit;
	char seen[256]; /* every notification, comma-separated */
};

static int
inject(const char *script, pid_t pid, int fd, void *data)
{
	struct fault *f = data;
	size_t l = strlen(f->seen);

	snprintf(f->seen + l, sizeof(f->seen) - l, "%s%s", l ? "," : "", script);
	if (strcmp(script, f->at) != 0 || f->hit)
		return 0;
	f->hit = true;
	switch (f->what) {
	case F_KILL: {
		pid_t criu = find_criu();
		if (criu <= 1)
			return -ESRCH;
		kill(criu, SIGKILL);
		itest_sleep_ms(50); /* criu is gone before we answer */
		return 0;
	}
	case F_REFUSE: return -EPERM;
	case F_CANCEL: *f->cancel = 1; return 0;
	case F_SLEEP: itest_sleep_ms(f->sleep_ms); return 0;
	}
	return 0;
}

static int
dump_with(const struct itest_tree *t, struct fault *f, unsigned int timeout_ms, bool leave_running, ckpt_error **err)
{
	ckpt_opts *o = itest_opts(t->pids[0], t->images);
	int r;

	ckpt_opts_set_notify(o, inject, f);
	if (f->cancel)
		ckpt_opts_set_cancel_flag(o, f->cancel);
	if (timeout_ms)
		ckpt_opts_set_timeout(o, timeout_ms);
	if (leave_running)
		ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1);
	r = ckpt_tree_dump(o, NULL, err);
	ckpt_opts_free(o);
	return r;
}

/* The error as a TAP comment: docs/reliability.md quotes these. */
static void
show(const char *what, const ckpt_error *e)
{
	int ex = 0, sig = 0;

	if (ckpt_error_criu_status(e, &ex, &sig))
		fprintf(stderr, "# %s: errno %d, criu %s %d: %s\n", what, ckpt_error_errno(e), sig ? "signal" : "exit",
			sig ? sig : ex, ckpt_error_message(e));
	else
		fprintf(stderr, "# %s: errno %d: %s\n", what, ckpt_error_errno(e), ckpt_error_message(e));
}

static void
assert_contains(const ckpt_error *e, const char *text)
{
	ck_assert_msg(strstr(ckpt_error_message(e), text), "`%s` not in `%s`", text, ckpt_error_message(e));
}

/* criu SIGKILLed while it waits for our answer to notification `at`. */
static void
kill_at(struct itest_tree *t, const char *at, const char *also)
{
	struct fault f = { .at = at, .what = F_KILL };
	ckpt_error *e = NULL;
	int r, ex = 0, sig = 0;

	r = dump_with(t, &f, 0, false, &e);
	ck_assert_msg(f.hit, "no `%s` notification (saw %s)", at, f.seen);
	fprintf(stderr, "# notifications: %s\n", f.seen);
	show(at, e);
	ck_assert_msg(r == -ECONNRESET || r == -EPIPE, "%d: %s", r, ckpt_error_message(e));
	assert_contains(e, "criu was killed by signal 9");
	if (also)
		assert_contains(e, also);
	ck_assert_int_eq(ckpt_error_criu_status(e, &ex, &sig), 1);
	ck_assert_int_eq(sig, SIGKILL);
	ckpt_error_free(e);
	itest_assert_tree_runs(t);
	ck_assert(!path_exists(t->dir, "images"));
	ck_assert_int_eq(count_staging(t->dir), 0);
}

START_TEST(criu_killed_at_pre_dump)
{
	struct itest_tree t;

	itest_tree_start(&t, "kill-pre", 1, 4);
	kill_at(&t, "pre-dump", NULL);
	itest_tree_stop(&t);
}
END_TEST

START_TEST(criu_killed_at_post_dump)
{
	struct itest_tree t;

	itest_tree_start(&t, "kill-post", 1, 4);
	kill_at(&t, "post-dump", NULL);
	itest_tree_stop(&t);
}
END_TEST

static bool
have_iptables(void)
{
	char *out = NULL;
	int r = itest_run(&out, "iptables -V 2>&1");

	free(out);
	return r == 0;
}

START_TEST(criu_killed_at_network_lock)
{
	struct itest_tree t;
	char *out = NULL;

	ck_assert_msg(have_iptables(), "iptables is needed for criu's network lock");
	tree_start_netns(&t, "kill-netlock");
	kill_at(&t, "network-lock", "the tasks' network may still be locked");
	/* criu locks after the notification: nothing is locked yet */
	itest_run(&out, "nsenter -t %d -n nft list ruleset 2>&1", t.pids[0]);
	ck_assert_msg(!strstr(out, "chain CRIU"), "CRIU chain left: %s", out);
	free(out);
	itest_tree_stop(&t);
}
END_TEST

/*
 * criu killed with its network lock in place (query-ext-files comes after
 * it): the tasks resume, but nothing removes criu's DROP rules from the
 * netns. The error says so.
 */
START_TEST(criu_killed_after_network_lock)
{
	struct itest_tree t;
	char *out = NULL;

	ck_assert_msg(have_iptables(), "iptables is needed for criu's network lock");
	tree_start_netns(&t, "kill-netlocked");
	kill_at(&t, "query-ext-files", "the tasks' network may still be locked");
	itest_run(&out, "nsenter -t %d -n nft list ruleset 2>&1", t.pids[0]);
	ck_assert_msg(strstr(out, "chain CRIU"), "no CRIU chain left: %s", out);
	free(out);
	itest_tree_stop(&t);
}
END_TEST

START_TEST(callback_refuses_post_dump)
{
	struct itest_tree t;
	struct fault f = { .at = "post-dump", .what = F_REFUSE };
	ckpt_error *e = NULL;
	char msg[160];

	itest_tree_start(&t, "refuse-post", 1, 4);
	ck_assert_int_eq(dump_with(&t, &f, 0, false, &e), -EPERM);
	show("refuse post-dump", e);
	snprintf(msg, sizeof(msg), "checkpoint pid %d: the post-dump notify callback failed, criu aborted the dump",
		 t.pids[0]);
	ck_assert_str_eq(ckpt_error_message(e), msg);
	ckpt_error_free(e);
	itest_assert_tree_runs(&t);
	ck_assert(!path_exists(t.dir, "images"));
	ck_assert_int_eq(count_staging(t.dir), 0);
	itest_tree_stop(&t);
}
END_TEST

/* The cancel flag set while criu works: it aborts at its next notification. */
START_TEST(cancel_mid_checkpoint)
{
	static volatile int flag;
	struct itest_tree t;
	struct fault f = { .at = "pre-dump", .what = F_CANCEL, .cancel = &flag };
	ckpt_error *e = NULL;

	flag = 0;
	itest_tree_start(&t, "cancel", 1, 4);
	ck_assert_int_eq(dump_with(&t, &f, 0, false, &e), -ECANCELED);
	show("cancel at pre-dump", e);
	assert_contains(e, "cancelled; criu aborted the DUMP at its `");
	ckpt_error_free(e);
	itest_assert_tree_runs(&t);
	ck_assert(!path_exists(t.dir, "images"));
	ck_assert_int_eq(count_staging(t.dir), 0);
	itest_tree_stop(&t);
}
END_TEST

/* The deadline passes while criu works: the same, with -ETIMEDOUT. */
START_TEST(deadline_mid_checkpoint)
{
	struct itest_tree t;
	struct fault f = { .at = "pre-dump", .what = F_SLEEP, .sleep_ms = 1500 };
	ckpt_error *e = NULL;

	itest_tree_start(&t, "deadline", 1, 4);
	ck_assert_int_eq(dump_with(&t, &f, 1000, false, &e), -ETIMEDOUT);
	show("deadline during pre-dump", e);
	assert_contains(e, "the deadline passed; criu aborted the DUMP at its `");
	ckpt_error_free(e);
	itest_assert_tree_runs(&t);
	ck_assert(!path_exists(t.dir, "images"));
	ck_assert_int_eq(count_staging(t.dir), 0);
	itest_tree_stop(&t);
}
END_TEST

/*
 * A cancel that comes after post-dump was acknowledged: criu has killed the
 * tasks, so the checkpoint is all that is left. It must be kept and work.
 */
START_TEST(cancel_after_post_dump_keeps_checkpoint)
{
	static volatile int flag;
	struct itest_tree t;
	struct fault f = { .at = "post-dump", .what = F_CANCEL, .cancel = &flag };
	struct counter at, c;
	ckpt_opts *o;
	ckpt_result *res = NULL;
	ckpt_error *e = NULL;

	flag = 0;
	itest_tree_start(&t, "cancel-late", 0, 4);
	ck_assert_msg(dump_with(&t, &f, 0, false, &e) == 0, "dump: %s", ckpt_error_message(e));
	ck_assert(f.hit);
	ck_assert(itest_wait_gone(t.pids[0], 10000));
	ck_assert(path_exists(t.dir, "images/inventory.img"));
	ck_assert_int_eq(count_staging(t.dir), 0);
	ck_assert_int_eq(itest_counter(t.dir, 0, &at), 0);
	o = itest_opts(0, t.images);
	ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1);
	ck_assert_msg(ckpt_tree_restore(o, &res, &e) == 0, "restore: %s", ckpt_error_message(e));
	ck_assert_int_eq(ckpt_result_pid(res), t.pids[0]);
	ckpt_result_free(res);
	ck_assert(itest_wait_count(t.dir, 0, at.last + 5, 10000));
	ck_assert_int_eq(itest_counter(t.dir, 0, &c), 0);
	ck_assert(c.contiguous && c.all_ok);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}
END_TEST

/* A checksum of a checkpoint: names, sizes and contents of its image files. */
static unsigned long
images_sum(const char *images)
{
	char *out = NULL;
	unsigned long sum = 0;

	ck_assert_int_eq(itest_run(&out, "cd '%s' && ls -l --time-style=+ *.img && cat *.img | md5sum", images), 0);
	for (const char *p = out; *p; p++)
		sum = sum * 131 + (unsigned char)*p;
	free(out);
	return sum;
}

/* Size of counter file idx of the workload. */
static off_t
counter_size(const struct itest_tree *t, int idx)
{
	char *p;
	struct stat st;

	ck_assert_int_ge(asprintf(&p, "%s/counter.%d", t->dir, idx), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	free(p);
	return st.st_size;
}

static void
truncate_counter(const struct itest_tree *t, int idx, off_t size)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/counter.%d", t->dir, idx), 0);
	ck_assert_int_eq(truncate(p, size), 0);
	free(p);
}

static void
restore_tree(struct itest_tree *t)
{
	ckpt_opts *o = itest_opts(0, t->images);
	ckpt_result *res = NULL;
	ckpt_error *e = NULL;

	ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1);
	ck_assert_msg(ckpt_tree_restore(o, &res, &e) == 0, "restore: %s", ckpt_error_message(e));
	ck_assert_int_eq(ckpt_result_pid(res), t->pids[0]);
	ckpt_result_free(res);
	ckpt_opts_free(o);
}

/*
 * A good checkpoint at the images path survives later failed checkpoints
 * into the same path (refused, criu killed before and after post-dump,
 * cancelled, deadline), and is still restorable: the restored tree goes on
 * from that first checkpoint, whole.
 */
START_TEST(last_good_checkpoint_survives_failures)
{
	static volatile int flag;
	static const struct {
		const char *at;
		int what;
	} faults[] = {
		{ "post-dump", F_REFUSE }, { "pre-dump", F_KILL },  { "post-dump", F_KILL },
		{ "pre-dump", F_CANCEL },  { "pre-dump", F_SLEEP },
	};
	struct itest_tree t;
	struct fault f0 = { .at = "none", .what = F_REFUSE };
	struct counter good, c;
	ckpt_error *e = NULL;
	unsigned long sum;
	struct stat st0, st;
	off_t size;

	itest_tree_start(&t, "lastgood", 0, 4);
	ck_assert_msg(dump_with(&t, &f0, 0, false, &e) == 0, "dump: %s", ckpt_error_message(e));
	ck_assert(itest_wait_gone(t.pids[0], 10000));
	/* criu checks the size of open files on restore: keep the dumped one */
	size = counter_size(&t, 0);
	ck_assert_int_eq(itest_counter(t.dir, 0, &good), 0);
	sum = images_sum(t.images);
	ck_assert_int_eq(stat(t.images, &st0), 0);
	restore_tree(&t);
	ck_assert(itest_wait_count(t.dir, 0, good.last + 3, 10000));
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct fault f = { .at = faults[i].at, .what = faults[i].what, .cancel = &flag, .sleep_ms = 1500 };

		flag = 0;
		ck_assert_int_lt(dump_with(&t, &f, f.what == F_SLEEP ? 1000 : 0, false, &e), 0);
		ck_assert_msg(f.hit, "fault %zu did not happen (saw %s)", i, f.seen);
		show(f.at, e);
		ckpt_error_free(e);
		e = NULL;
		ck_assert_int_eq(stat(t.images, &st), 0);
		ck_assert_msg(st.st_ino == st0.st_ino, "fault %zu replaced the images dir", i);
		ck_assert_msg(images_sum(t.images) == sum, "fault %zu changed the checkpoint", i);
		ck_assert_msg(count_staging(t.dir) == 0, "fault %zu left a staging dir", i);
		itest_assert_tree_runs(&t);
	}
	/* the first checkpoint still restores: stop the tree, bring it back */
	itest_kill(t.pids[0]);
	ck_assert(itest_wait_gone(t.pids[0], 10000));
	truncate_counter(&t, 0, size);
	restore_tree(&t);
	ck_assert(itest_wait_count(t.dir, 0, good.last + 5, 10000));
	ck_assert_int_eq(itest_counter(t.dir, 0, &c), 0);
	ck_assert_msg(c.contiguous, "restored counter has a gap");
	ck_assert_msg(c.all_ok, "restored tree saw corrupted memory");
	itest_assert_tree_runs(&t);
	itest_tree_stop(&t);
}
END_TEST

/*
 * Faults during a real restore: criu SIGKILLed, or the callback refusing,
 * at each restore notification. Afterwards either the whole tree runs on
 * from the checkpoint (the fault came after criu resumed it) or nothing of
 * it is left (no half-restored or stopped task); the error says what
 * happened, and the images are untouched: a second restore works.
 */
static void
restore_fault(const char *at, int what)
{
	struct fault f = { .at = at, .what = what };
	struct itest_tree t;
	struct counter good;
	ckpt_opts *o;
	ckpt_result *res = NULL;
	ckpt_error *e = NULL;
	unsigned long sum;
	off_t size, size1;
	int r;

	itest_tree_start(&t, "rstfault", 1, 4);
	ck_assert_msg(dump_with(&t, &(struct fault){ .at = "none" }, 0, false, &e) == 0, "dump: %s",
		      ckpt_error_message(e));
	ck_assert(itest_wait_all_gone(t.pids, t.n, 10000));
	size = counter_size(&t, 0);
	size1 = counter_size(&t, 1);
	ck_assert_int_eq(itest_counter(t.dir, 0, &good), 0);
	sum = images_sum(t.images);
	o = itest_opts(0, t.images);
	ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1);
	ckpt_opts_set_notify(o, inject, &f);
	r = ckpt_tree_restore(o, &res, &e);
	ck_assert_msg(f.hit, "no `%s` notification (saw %s)", at, f.seen);
	fprintf(stderr, "# restore notifications: %s\n", f.seen);
	if (r < 0) {
		show(at, e);
		/* criu killed after it made the tasks: ckpt kills them and says so (a failing criu kills them itself) */
		if (what == F_KILL && strcmp(at, "pre-restore") != 0)
			assert_contains(e, "tasks criu had restored (root ");
		for (int i = 0; i < t.n; i++) {
			itest_wait_gone(t.pids[i], 5000);
			ck_assert_msg(!itest_state(t.pids[i]), "a failed restore left pid %d in state %c", t.pids[i],
				      itest_state(t.pids[i]));
		}
	} else {
		fprintf(stderr, "# %s fault after the point of no return: restore succeeded\n", at);
		ck_assert_int_eq(ckpt_result_pid(res), t.pids[0]);
		itest_assert_tree_runs(&t);
		for (int i = t.n - 1; i >= 0; i--)
			itest_kill(t.pids[i]);
		ck_assert(itest_wait_all_gone(t.pids, t.n, 10000));
	}
	ckpt_result_free(res);
	res = NULL;
	ckpt_error_free(e);
	e = NULL;
	ck_assert_msg(images_sum(t.images) == sum, "the failed restore changed the images");
	/* the images still restore (the tree may have run a moment: its files back to their dumped size) */
	truncate_counter(&t, 0, size);
	truncate_counter(&t, 1, size1);
	ckpt_opts_set_notify(o, NULL, NULL);
	ck_assert_msg(ckpt_tree_restore(o, &res, &e) == 0, "second restore: %s", ckpt_error_message(e));
	ckpt_result_free(res);
	ck_assert(itest_wait_count(t.dir, 0, good.last + 3, 10000));
	itest_assert_tree_runs(&t);
	ckpt_opts_free(o);
	itest_tree_stop(&t);
}

START_TEST(criu_killed_at_pre_restore)
{
	restore_fault("pre-restore", F_KILL);
}
END_TEST

START_TEST(criu_killed_at_post_restore)
{
	restore_fault("post-restore", F_KILL);
}
END_TEST

START_TEST(criu_killed_at_pre_resume)
{
	restore_fault("pre-resume", F_KILL);
}
END_TEST

START_TEST(callback_refuses_post_restore)
{
	restore_fault("post-restore", F_REFUSE);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, criu_killed_at_pre_dump);
	tcase_add_test(tc, criu_killed_at_post_dump);
	tcase_add_test(tc, criu_killed_at_network_lock);
	tcase_add_test(tc, criu_killed_after_network_lock);
	tcase_add_test(tc, callback_refuses_post_dump);
	tcase_add_test(tc, cancel_mid_checkpoint);
	tcase_add_test(tc, deadline_mid_checkpoint);
	tcase_add_test(tc, cancel_after_post_dump_keeps_checkpoint);
	tcase_add_test(tc, last_good_checkpoint_survives_failures);
	tcase_add_test(tc, criu_killed_at_pre_restore);
	tcase_add_test(tc, criu_killed_at_post_restore);
	tcase_add_test(tc, criu_killed_at_pre_resume);
	tcase_add_test(tc, callback_refuses_post_restore);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
