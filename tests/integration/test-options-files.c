/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options for what a process holds, against real criu through the ckpt
 * binary: a stream unix socket to a peer outside the tree (--ext-unix-sk),
 * flock and POSIX locks (--file-locks), an open file whose name was removed
 * (--link-remap) and a shell job on a terminal (--shell-job). Each test
 * also shows the clear failure without the option.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "opttest.h"

static bool
exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void
set_timeout(int s)
{
	struct timeval tv = { .tv_sec = 5 };

	ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
}

/* Sends msg and asserts the helper echoes it back. */
static void
assert_echo(int s, const char *msg)
{
	char buf[64] = "";
	size_t len = strlen(msg), got = 0;

	ck_assert_int_eq(send(s, msg, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got < len) {
		ssize_t r = recv(s, buf + got, len - got, 0);
		ck_assert_msg(r > 0, "no echo of \"%s\": %s", msg, r == 0 ? "EOF" : strerror(errno));
		got += (size_t)r;
	}
	ck_assert_str_eq(buf, msg);
}

/* DIR/sock, listening: the peer outside the tree that the helper connects to. */
static int
listen_unix(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s, 4), 0);
	return s;
}

static int
accept_within(int lsk, int ms)
{
	struct pollfd p = { .fd = lsk, .events = POLLIN };
	int s;

	ck_assert_msg(poll(&p, 1, ms) == 1, "nobody connected to the unix socket within %d ms", ms);
	s = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(s, 0);
	set_timeout(s);
	return s;
}

/* The inode of the first socket PID holds ("socket:[INO]"). */
static unsigned long
socket_inode(pid_t pid)
{
	char path[300], link[128];
	unsigned long ino = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while (!ino && (de = readdir(d))) {
		ssize_t l;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			ino = 0;
	}
	closedir(d);
	ck_assert_msg(ino, "pid %d holds no socket", pid);
	return ino;
}

/* The helper in the tree, connected to our DIR/sock; conn is our end. */
static pid_t
start_unix_peer(const char *dir, int *ret_lsk, int *ret_conn)
{
	pid_t pid;

	*ret_lsk = listen_unix(dir);
	pid = opt_spawn("CKPT_HOLD_HELPER", "unix", dir);
	*ret_conn = accept_within(*ret_lsk, 5000);
	assert_echo(*ret_conn, "hello");
	return pid;
}

/*
 * A stream socket to a peer outside the tree: criu refuses it without
 * --ext-unix-sk, and with the bare option too (it cannot dump half of a
 * stream connection) unless it is named by its inode. On restore criu
 * connects it again to the peer's address (our listening DIR/sock).
 */
START_TEST(ext_unix_sk_reconnects_to_the_peer)
{
	char *dir = itest_mkdtemp("extunix");
	int lsk, conn, again;
	pid_t pid = start_unix_peer(dir, &lsk, &conn);
	unsigned long ino = socket_inode(pid);

	opt_ckpt_expect(1, "External socket is used. Consider using --ext-unix-sk",
			"checkpoint --pid %d --image-path %s/img", pid, dir);
	opt_ckpt_expect(1, "Can't dump half of stream unix connection",
			"checkpoint --pid %d --image-path %s/img --ext-unix-sk", pid, dir);
	ck_assert(!exists(dir, "img"));
	ck_assert_int_eq(itest_state(pid), 'S');
	assert_echo(conn, "still there");

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --ext-unix-sk=%lu", pid, dir, ino);
	ck_assert(itest_wait_gone(pid, 10000));
	close(conn);
	opt_ckpt_expect(1, "External socket found in image. Consider using the --ext-unix-sk option",
			"restore -d --image-path %s/img", dir);
	ck_assert(itest_wait_gone(pid, 10000)); /* criu had forked it when it refused the socket */
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --ext-unix-sk", dir);
	again = accept_within(lsk, 5000);
	for (int i = 0; i < 6; i++)
		assert_echo(again, "after restore");
	opt_assert_resumed(dir, 0, 2);
	close(again);
	close(lsk);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/* The other way to restore it: hand the restored process a socket of ours (--inherit-fd). */
START_TEST(ext_unix_sk_restored_from_an_inherited_fd)
{
	char *dir = itest_mkdtemp("extunix-inh");
	int lsk, conn, sp[2];
	pid_t pid = start_unix_peer(dir, &lsk, &conn);
	unsigned long ino = socket_inode(pid);

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --ext-unix-sk=%lu", pid, dir, ino);
	ck_assert(itest_wait_gone(pid, 10000));
	close(conn);
	close(lsk); /* nobody to reconnect to: only the inherited socket can work */
	/* sp[1] stays open across exec: ckpt passes it to criu as socket:[ino] */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ck_assert_int_eq(fcntl(sp[0], F_SETFD, FD_CLOEXEC), 0);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --ext-unix-sk --inherit-fd 'fd[%d]:socket:[%lu]'", dir,
			sp[1], ino);
	close(sp[1]);
	set_timeout(sp[0]);
	for (int i = 0; i < 6; i++)
		assert_echo(sp[0], "inherited");
	opt_assert_resumed(dir, 0, 1);
	close(sp[0]);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/* Who holds a lock on the whole of PATH that we cannot take: its pid, or 0. */
static pid_t
posix_holder(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETLK, &fl), 0);
	close(fd);
	return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

static int
try_flock(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), r;

	ck_assert_int_ge(fd, 0);
	r = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
	close(fd); /* releases it if we got it */
	return r;
}

/* /proc/locks has a lock of this kind held by pid. */
static bool
lock_listed(const char *kind, pid_t pid)
{
	char *locks = opt_read("/proc/locks"), needle[64];
	bool found = false;

	for (char *line = strtok(locks, "\n"); line && !found; line = strtok(NULL, "\n")) {
		snprintf(needle, sizeof(needle), " %d ", pid);
		found = strstr(line, kind) && strstr(line, needle);
	}
	free(locks);
	return found;
}

START_TEST(file_locks_are_held_again_after_restore)
{
	char *dir = itest_mkdtemp("locks"), *fl, *pl;
	pid_t pid = opt_start("CKPT_HOLD_HELPER", "locks", dir);
	unsigned long at;

	ck_assert_int_ge(asprintf(&fl, "%s/flock.lock", dir), 0);
	ck_assert_int_ge(asprintf(&pl, "%s/posix.lock", dir), 0);
	ck_assert_int_eq(posix_holder(pl), pid);
	ck_assert_int_eq(try_flock(fl), -EWOULDBLOCK);

	opt_ckpt_expect(1, "You can try --file-locks to dump them", "checkpoint --pid %d --image-path %s/img", pid,
			dir);
	ck_assert(!exists(dir, "img"));
	opt_assert_counting(dir, 0, pid);
	ck_assert_int_eq(posix_holder(pl), pid);

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --file-locks", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	at = opt_last(dir, 0);
	/* the holder is gone, so are its locks: whoever holds them next got them from the restore */
	ck_assert_int_eq(posix_holder(pl), 0);
	ck_assert_int_eq(try_flock(fl), 0);

	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --file-locks", dir);
	opt_assert_resumed(dir, 0, at);
	ck_assert_msg(lock_listed("FLOCK", pid) && lock_listed("POSIX", pid), "/proc/locks lacks pid %d's locks", pid);
	ck_assert_int_eq(posix_holder(pl), pid);
	ck_assert_int_eq(try_flock(fl), -EWOULDBLOCK);
	itest_kill(pid);
	free(fl);
	free(pl);
	itest_rmdir(dir);
}
END_TEST

static int
count_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/*
 * The helper writes through an fd whose path was unlinked while the file
 * keeps another name (DIR/counter.0): criu can only dump it by linking it
 * back under a temporary name (link_remap.N), which needs --link-remap.
 * After the restore the helper reads and writes the very same inode.
 */
START_TEST(link_remap_reopens_an_unlinked_file)
{
	char *dir = itest_mkdtemp("linkremap");
	pid_t pid = opt_start("CKPT_HOLD_HELPER", "linked", dir);
	unsigned long at;

	opt_ckpt_expect(1, "Use link-remap option", "checkpoint --pid %d --image-path %s/img", pid, dir);
	ck_assert(!exists(dir, "img"));
	opt_assert_counting(dir, 0, pid);

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --link-remap", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	ck_assert_int_eq(count_prefixed(dir, "link_remap."), 1);
	at = opt_last(dir, 0);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img", dir);
	/* written through the restored fd, read back through it ("ok"), seen under the other name */
	opt_assert_resumed(dir, 0, at);
	ck_assert_int_eq(count_prefixed(dir, "link_remap."), 0);
	ck_assert(!exists(dir, "unlinked"));
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/* The last number counted in a file the helper writes (read through /proc/PID/fd). */
static unsigned long
ghost_last(pid_t pid, bool *all_ok)
{
	char *s = opt_read("/proc/%d/fd/3", pid), *line, *save = NULL;
	unsigned long n = 0, v;
	char word[16];

	*all_ok = true;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%lu %15s", &v, word) != 2)
			continue;
		*all_ok = *all_ok && v == n + 1 && strcmp(word, "ok") == 0;
		n = v;
	}
	free(s);
	return n;
}

/*
 * A file with no name left at all is a "ghost": criu copies its content
 * into the images (link remap is for files that still have a link, above;
 * this case works with or without the option). With --link-remap the
 * content is still readable and writable after restore.
 */
START_TEST(link_remap_with_a_fully_unlinked_file)
{
	char *dir = itest_mkdtemp("ghost");
	pid_t pid = opt_spawn("CKPT_HOLD_HELPER", "ghost", dir);
	unsigned long at = 0, now = 0;
	bool ok;

	for (int t = 0; t < 5000 && at < 3; t += 10, itest_sleep_ms(10))
		at = ghost_last(pid, &ok);
	ck_assert_uint_ge(at, 3);
	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --link-remap", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img", dir);
	for (int t = 0; t < 5000 && now < at + 5; t += 10, itest_sleep_ms(10))
		now = ghost_last(pid, &ok);
	ck_assert_msg(now >= at + 5, "the restored helper stopped writing its unlinked file at %lu", now);
	ck_assert_msg(ok, "the unlinked file lost lines or read back wrong after restore");
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

/*
 * A shell job: script(1) gives sh a terminal and a session; sh starts the
 * helper in the background (same session and process group, not a leader).
 * The dump runs from here; the restore from inside that session, as a user
 * would do it from the shell, joins the job to the session and terminal.
 */
static pid_t
start_session(const char *dir)
{
	char *script;
	FILE *f;
	pid_t pid;

	ck_assert_int_ge(asprintf(&script, "%s/session.sh", dir), 0);
	f = fopen(script, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"tty > %1$s/tty\n"
		"%2$s job %1$s <&1 &\n"
		"echo $! > %1$s/jobpid\n"
		"while [ ! -e %1$s/go ]; do sleep 0.05; done\n"
		"%3$s restore --shell-job -d --image-path %1$s/img > %1$s/restore.out 2>&1\n"
		"echo $? > %1$s/restore.rc\n"
		"while [ ! -e %1$s/done ]; do sleep 0.05; done\n",
		dir, itest_prog("CKPT_HOLD_HELPER"), itest_prog("CKPT_BIN"));
	fclose(f);
	prctl(PR_SET_CHILD_SUBREAPER, 1); /* the restored job comes back to us */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char cmd[4200];
		int null = open("/dev/null", O_RDWR);
		snprintf(cmd, sizeof(cmd), "sh %s", script);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("script", "script", "-qfec", cmd, "/dev/null", (char *)NULL);
		_exit(127);
	}
	free(script);
	return pid;
}

START_TEST(shell_job_rejoins_its_terminal)
{
	char *dir = itest_mkdtemp("shelljob"), *out, *tty, *rc;
	pid_t script = start_session(dir), job, sid;
	unsigned long at;
	char fd0[64], link[128];
	ssize_t l;

	job = opt_read_int(dir, "jobpid");
	ck_assert(itest_wait_count(dir, 0, 3, 10000));
	sid = getsid(job);
	ck_assert_msg(sid > 1 && sid != job && getpgid(job) == sid, "pid %d is not a shell job", job);
	tty = opt_read("%s/tty", dir);
	ck_assert_msg(strncmp(tty, "/dev/pts/", 9) == 0, "the session has no pty: %s", tty);
	tty[strcspn(tty, "\n")] = '\0';

	opt_ckpt_expect(1, "--shell-job", "checkpoint --pid %d --image-path %s/img", job, dir);
	opt_assert_counting(dir, 0, job);

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --shell-job", job, dir);
	ck_assert(itest_wait_gone(job, 10000));
	at = opt_last(dir, 0);
	ck_assert_int_eq(itest_run(NULL, "touch %s/go", dir), 0);
	ck_assert_msg(opt_wait_file(dir, "restore.rc", 20000), "the restore in the session did not finish");
	rc = opt_read("%s/restore.rc", dir);
	out = opt_read("%s/restore.out", dir);
	ck_assert_msg(atoi(rc) == 0, "ckpt restore --shell-job failed in the session: %s", out);
	free(rc);
	free(out);

	opt_assert_resumed(dir, 0, at);
	ck_assert_int_eq(getsid(job), sid);
	ck_assert_int_eq(getpgid(job), sid);
	snprintf(fd0, sizeof(fd0), "/proc/%d/fd/0", job);
	l = readlink(fd0, link, sizeof(link) - 1);
	link[l > 0 ? l : 0] = '\0';
	ck_assert_str_eq(link, tty);
	ck_assert_int_eq(itest_run(NULL, "touch %s/done", dir), 0);
	itest_kill(job);
	itest_kill(script);
	free(tty);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("options-files");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ext_unix_sk_reconnects_to_the_peer);
	tcase_add_test(tc, ext_unix_sk_restored_from_an_inherited_fd);
	tcase_add_test(tc, file_locks_are_held_again_after_restore);
	tcase_add_test(tc, link_remap_reopens_an_unlinked_file);
	tcase_add_test(tc, link_remap_with_a_fully_unlinked_file);
	tcase_add_test(tc, shell_job_rejoins_its_terminal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return opt_main(suite());
}
