/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `ckpt` binary against bad input and signals, with real criu: every
 * wrong pid, path and id is refused with exit 2 and a message that names
 * it, before criu runs; the tree keeps running untouched and the last good
 * checkpoint at the images path stays as it was. SIGINT and SIGTERM in the
 * middle of a real checkpoint cancel it: ckpt exits 130/143 and the tree
 * goes on. Symlinked and relative images paths work as documented.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

struct fixture {
	char *dir;  /* the test's directory */
	char *good; /* a good checkpoint, made first */
	pid_t pid;  /* the workload, running */
	char *sum;  /* the good checkpoint's file list and images' md5 */
};

static char *
images_sum(const char *images)
{
	char *out = NULL;

	ck_assert_int_eq(itest_run(&out, "cd '%s' && ls -li --time-style=+ && cat *.img | md5sum", images), 0);
	return out;
}

static void
fixture_start(struct fixture *f, const char *tag, int mem_mib)
{
	char *out = NULL;

	f->dir = itest_mkdtemp(tag);
	ck_assert_int_ge(asprintf(&f->good, "%s/good", f->dir), 0);
	f->pid = itest_start_workload(f->dir, 1, mem_mib);
	itest_on_exit_kill(f->pid);
	ck_assert_msg(itest_run(&out, "%s checkpoint --pid %d --image-path %s --leave-running 2>&1",
				itest_prog("CKPT_BIN"), f->pid, f->good) == 0,
		      "the good checkpoint failed: %s", out);
	free(out);
	f->sum = images_sum(f->good);
}

/* Every process of the tree runs, untraced, counting on, with memory intact. */
static void
assert_untouched(const struct fixture *f)
{
	pid_t pids[4];
	int n = itest_tree(f->pid, pids, 4);
	char *sum;

	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++) {
		struct counter before, after;
		char st;

		ck_assert_int_eq(itest_counter(f->dir, i, &before), 0);
		ck_assert(itest_wait_count(f->dir, i, before.last + 2, 5000));
		ck_assert_int_eq(itest_counter(f->dir, i, &after), 0);
		st = itest_state(pids[i]);
		ck_assert_msg(st == 'S' || st == 'R', "pid %d in state %c", pids[i], st ? st : '-');
		ck_assert_msg(after.contiguous && after.all_ok, "counter %d has a gap or saw bad memory", i);
	}
	sum = images_sum(f->good);
	ck_assert_msg(strcmp(sum, f->sum) == 0, "the good checkpoint changed:\n%s\nnow:\n%s", f->sum, sum);
	free(sum);
}

static void
fixture_stop(struct fixture *f)
{
	pid_t pids[4];

	for (int i = itest_tree(f->pid, pids, 4) - 1; i >= 0; i--)
		itest_kill(pids[i]);
	free(f->good);
	free(f->sum);
	itest_rmdir(f->dir);
}

/* `ckpt ARGS` exits 2 and says needle; nothing new appears in the test dir. */
static void expect_refused(const struct fixture *f, const char *needle, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void
expect_refused(const struct fixture *f, const char *needle, const char *fmt, ...)
{
	char *args, *out = NULL;
	va_list ap;
	int before = count_entries(f->dir), st;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&args, fmt, ap), 0);
	va_end(ap);
	st = itest_run(&out, "%s %s 2>&1", itest_prog("CKPT_BIN"), args);
	fprintf(stderr, "# exit %d: %s", st, out);
	ck_assert_msg(st == 2, "`ckpt %s` exited %d, not 2: %s", args, st, out);
	ck_assert_msg(strstr(out, needle), "`ckpt %s` did not say `%s`: %s", args, needle, out);
	if (strstr(args, "--json"))
		ck_assert_msg(strstr(out, "\"input\":true"), "not an input error: %s", out);
	else
		ck_assert_msg(strncmp(out, "ckpt: ", 6) == 0, "not a `ckpt: ` message: %s", out);
	ck_assert_msg(!strstr(out, "criu said"), "criu ran for a refused input: %s", out);
	ck_assert_int_eq(count_entries(f->dir), before);
	free(out);
	free(args);
}

/* A pid that existed and is gone (our reaped child). */
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

/* Some kernel thread (PF_KTHREAD), or 0 if this pid namespace shows none. */
static pid_t
kernel_thread(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	while (d && !found && (de = readdir(d))) {
		char path[300], buf[1024], *p;
		unsigned long flags = 0;
		FILE *s;
		size_t n;

		if (atoi(de->d_name) <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (!(s = fopen(path, "re")))
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, s);
		fclose(s);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) == 1 && (flags & 0x00200000))
			found = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

START_TEST(bad_pids_exit_2)
{
	struct fixture f;
	pid_t kt = kernel_thread(), dead = dead_pid();

	fixture_start(&f, "badpid", 1);
	expect_refused(&f, "--pid: invalid value `0`", "checkpoint --pid 0 --image-path %s", f.good);
	expect_refused(&f, "--pid: invalid value `-7`", "checkpoint --pid -7 --image-path %s", f.good);
	expect_refused(&f, "--pid: invalid value `4x`", "checkpoint --pid 4x --image-path %s", f.good);
	expect_refused(&f, "--pid: invalid value `123456789012345678901234567890`",
		       "checkpoint --pid 123456789012345678901234567890 --image-path %s", f.good);
	expect_refused(&f, "refusing to checkpoint pid 1", "checkpoint --pid 1 --image-path %s", f.good);
	expect_refused(&f, "refusing to checkpoint pid 1", "checkpoint --pid 1 --image-path %s --json", f.good);
	expect_refused(&f, "does not exist", "checkpoint --pid %d --image-path %s", dead, f.good);
	/* the test is the parent of the shell that runs ckpt */
	expect_refused(&f, "is an ancestor of the calling process", "checkpoint --pid %d --image-path %s", getpid(),
		       f.good);
	ck_assert_msg(kt > 0, "no kernel thread visible in /proc");
	expect_refused(&f, "is a kernel thread", "checkpoint --pid %d --image-path %s", kt, f.good);
	assert_untouched(&f);
	fixture_stop(&f);
}
END_TEST

START_TEST(bad_image_paths_exit_2)
{
	struct fixture f;
	char *file, *ro, *longname, *longpath, *dangling, *out = NULL;

	fixture_start(&f, "badpath", 1);
	ck_assert_int_ge(asprintf(&file, "%s/afile", f.dir), 0);
	ck_assert_int_eq(itest_run(&out, "echo x > %s", file), 0);
	free(out);
	expect_refused(&f, "images directory `", "checkpoint --pid %d --image-path %s", f.pid, file);
	expect_refused(&f, "is not a directory", "checkpoint --pid %d --image-path %s", f.pid, file);
	expect_refused(&f, "is not a directory", "checkpoint --pid %d --image-path %s/sub/img", f.pid, file);
	expect_refused(&f, "work directory", "checkpoint --pid %d --image-path %s/x --work-path %s", f.pid, f.dir,
		       file);
	/* root writes anywhere: a read-only bind mount is what refuses it */
	ck_assert_int_ge(asprintf(&ro, "%s/ro", f.dir), 0);
	ck_assert_int_eq(mkdir(ro, 0700), 0);
	ck_assert_int_eq(itest_run(&out, "mount --bind %1$s %1$s && mount -o remount,bind,ro %1$s", ro), 0);
	free(out);
	itest_on_exit_run("umount %s 2>/dev/null", ro);
	expect_refused(&f, "Read-only file system", "checkpoint --pid %d --image-path %s/img", f.pid, ro);
	ck_assert_int_eq(itest_run(&out, "umount %s", ro), 0);
	free(out);
	longname = malloc(301);
	memset(longname, 'n', 300);
	longname[300] = '\0';
	expect_refused(&f, "longer than NAME_MAX", "checkpoint --pid %d --image-path %s/%s", f.pid, f.dir, longname);
	longpath = malloc(5001);
	for (int i = 0; i < 5000; i++)
		longpath[i] = i % 10 ? 'p' : '/';
	longpath[5000] = '\0';
	expect_refused(&f, "longer than PATH_MAX", "checkpoint --pid %d --image-path %s", f.pid, longpath);
	expect_refused(&f, "(5000 bytes)", "checkpoint --pid %d --image-path %s", f.pid, longpath);
	ck_assert_int_ge(asprintf(&dangling, "%s/dangling", f.dir), 0);
	ck_assert_int_eq(symlink("/nonexistent/ckpt-test", dangling), 0);
	expect_refused(&f, "dangling symbolic link", "checkpoint --pid %d --image-path %s", f.pid, dangling);
	/* the page server's directories are checked the same way */
	expect_refused(&f, "is not a directory", "page-server --image-path %s --port 0", file);
	expect_refused(&f, "work directory", "page-server --image-path %s/ps --work-path %s --port 0", f.dir, file);
	/* restore: missing, a file, a directory without a checkpoint */
	expect_refused(&f, "No such file or directory", "restore --image-path %s/none", f.dir);
	expect_refused(&f, "is not a directory", "restore --image-path %s", file);
	expect_refused(&f, "holds no checkpoint", "restore --image-path %s", ro);
	assert_untouched(&f);
	free(file);
	free(ro);
	free(longname);
	free(longpath);
	free(dangling);
	fixture_stop(&f);
}
END_TEST

START_TEST(bad_container_ids_exit_2)
{
	struct fixture f;
	char *longid = malloc(2001);

	fixture_start(&f, "badid", 1);
	expect_refused(&f, "invalid container id", "checkpoint ../../etc");
	expect_refused(&f, "invalid container id", "checkpoint 'a/b'");
	expect_refused(&f, "invalid container id", "checkpoint \"$(printf 'bad\\001id')\"");
	expect_refused(&f, "invalid container id", "restore --image-path %s ..", f.good);
	memset(longid, 'i', 2000);
	longid[2000] = '\0';
	expect_refused(&f, "invalid container id", "checkpoint %s", longid);
	expect_refused(&f, "no container `ckpt-test-none", "checkpoint ckpt-test-none-%d", getpid());
	assert_untouched(&f);
	free(longid);
	fixture_stop(&f);
}
END_TEST

/* A symlinked images path is followed: the checkpoint lands where it points. */
START_TEST(symlinked_image_path_is_followed)
{
	struct fixture f;
	char *real, *link, *out = NULL;
	struct stat st;

	fixture_start(&f, "symlink", 1);
	ck_assert_int_ge(asprintf(&real, "%s/real", f.dir), 0);
	ck_assert_int_ge(asprintf(&link, "%s/link", f.dir), 0);
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(symlink("real", link), 0);
	for (int i = 0; i < 2; i++) { /* a new one, then one that replaces it */
		ck_assert_msg(itest_run(&out, "%s checkpoint --pid %d --image-path %s --leave-running 2>&1",
					itest_prog("CKPT_BIN"), f.pid, link) == 0,
			      "checkpoint through a symlink: %s", out);
		free(out);
		ck_assert_int_eq(lstat(link, &st), 0);
		ck_assert_msg(S_ISLNK(st.st_mode), "the symlink was replaced");
		ck_assert_int_eq(itest_run(&out, "test -f %s/inventory.img", real), 0);
		free(out);
	}
	assert_untouched(&f);
	free(real);
	free(link);
	fixture_stop(&f);
}
END_TEST

/* A relative images path is relative to ckpt's working directory, both ways. */
START_TEST(relative_image_path_round_trip)
{
	struct fixture f;
	char *out = NULL;
	struct counter at, c;
	pid_t pids[4];
	int n;

	fixture_start(&f, "relative", 1);
	n = itest_tree(f.pid, pids, 4);
	ck_assert_msg(itest_run(&out, "cd %s && %s checkpoint --pid %d --image-path rel/img 2>&1", f.dir,
				itest_prog("CKPT_BIN"), f.pid) == 0,
		      "relative checkpoint: %s", out);
	free(out);
	ck_assert(itest_wait_all_gone(pids, n, 10000));
	ck_assert_int_eq(itest_counter(f.dir, 0, &at), 0);
	ck_assert_msg(
		itest_run(&out, "cd %s && %s restore --image-path rel/img -d 2>&1", f.dir, itest_prog("CKPT_BIN")) == 0,
		"relative restore: %s", out);
	free(out);
	ck_assert(itest_wait_count(f.dir, 0, at.last + 5, 10000));
	ck_assert_int_eq(itest_counter(f.dir, 0, &c), 0);
	ck_assert_msg(c.contiguous && c.all_ok, "the restored counter has a gap or bad memory");
	fixture_stop(&f);
}
END_TEST

/* Is pid traced (criu has seized it)? */
static bool
traced(pid_t pid)
{
	char path[64], line[128];
	bool t = false;
	FILE *s;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(s = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), s))
		if (strncmp(line, "TracerPid:", 10) == 0)
			t = atoi(line + 10) != 0;
	fclose(s);
	return t;
}

/*
 * SIGINT/SIGTERM while criu has the tree seized (its pages being written):
 * ckpt cancels, criu aborts at its next notification and resumes the
 * tasks, ckpt exits 128+signal, and the good checkpoint stays.
 */
static void
signal_mid_checkpoint(int sig)
{
	struct fixture f;
	pid_t ckpt;
	int st, waited = 0;

	fixture_start(&f, sig == SIGINT ? "sigint" : "sigterm", 384);
	ckpt = fork();
	ck_assert_int_ge(ckpt, 0);
	if (ckpt == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(itest_prog("CKPT_BIN"), "ckpt", "checkpoint", "--pid", "0", (char *)NULL);
		_exit(127);
	}
	waitpid(ckpt, &st, 0); /* warm-up: --pid 0 is a usage error */
	ck_assert_int_eq(WEXITSTATUS(st), 2);
	ckpt = fork();
	ck_assert_int_ge(ckpt, 0);
	if (ckpt == 0) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", f.pid);
		execl(itest_prog("CKPT_BIN"), "ckpt", "checkpoint", "--pid", pid, "--image-path", f.good, (char *)NULL);
		_exit(127);
	}
	itest_on_exit_kill(ckpt);
	while (!traced(f.pid) && waited < 20000) {
		usleep(500);
		waited++;
	}
	ck_assert_msg(traced(f.pid), "criu never seized the tree");
	ck_assert_int_eq(kill(ckpt, sig), 0);
	ck_assert_int_eq(waitpid(ckpt, &st, 0), ckpt);
	ck_assert_msg(WIFEXITED(st), "ckpt did not exit (status %#x)", st);
	ck_assert_msg(WEXITSTATUS(st) == 128 + sig, "ckpt exited %d, not %d", WEXITSTATUS(st), 128 + sig);
	ck_assert_msg(!traced(f.pid), "the tree is still traced");
	assert_untouched(&f);
	fixture_stop(&f);
}

START_TEST(sigint_mid_checkpoint_exits_130)
{
	signal_mid_checkpoint(SIGINT);
}
END_TEST

START_TEST(sigterm_mid_checkpoint_exits_143)
{
	signal_mid_checkpoint(SIGTERM);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("cli-input");
	TCase *tc = tcase_create("cli-input");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bad_pids_exit_2);
	tcase_add_test(tc, bad_image_paths_exit_2);
	tcase_add_test(tc, bad_container_ids_exit_2);
	tcase_add_test(tc, symlinked_image_path_is_followed);
	tcase_add_test(tc, relative_image_path_round_trip);
	tcase_add_test(tc, sigint_mid_checkpoint_exits_130);
	tcase_add_test(tc, sigterm_mid_checkpoint_exits_143);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return itest_main(suite());
}
