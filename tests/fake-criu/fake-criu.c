/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-criu: a misbehaving `criu swrk 3` for fault-injection tests.
 *
 * libckpt runs criu with an explicit environment and argv[0] "criu", so the
 * mode cannot come from either. It comes from the name of the executable
 * file (/proc/self/exe): the tests copy this binary to <tmpdir>/<mode> (a
 * copy, not a symlink: libckpt resolves symlinks with realpath()).
 *
 * A mode "v-<mode>" first answers a VERSION request properly (as criu 4.2.1
 * does, keeping the session open), then behaves as <mode> on the next one.
 *
 * Every mode that does not say otherwise waits for the client to hang up
 * afterwards, like a criu that has sent its answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc.pb-c.h"

#define SK	       3
/* Keep in step with RPC_MAX_MSG in src/lib/rpc.h. */
#define CLIENT_MAX_MSG (4u << 20)

/*
 * Under a sanitizer build, the fake criu exits from wherever its mode ends,
 * with its last request still allocated: that is no leak worth a report
 * (and a report would change its exit status).
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

static CriuReq *
read_req(void)
{
	static uint8_t buf[1 << 16];
	ssize_t n = recv(SK, buf, sizeof(buf), 0);

	if (n <= 0)
		exit(n == 0 ? 0 : 90);
	return criu_req__unpack(NULL, (size_t)n, buf);
}

/* Blocks until the client closes its end (criu's EOF), then exits 0. */
static void
wait_eof(void)
{
	uint8_t buf[256];

	while (recv(SK, buf, sizeof(buf), 0) > 0)
		;
	exit(0);
}

static void
send_raw(const void *buf, size_t len, const int *fds, size_t n_fds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n_fds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(SK, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		exit(91);
}

static void
send_resp_fds(const CriuResp *r, const int *fds, size_t n_fds)
{
	size_t len = criu_resp__get_packed_size(r);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		exit(92);
	criu_resp__pack(r, buf);
	send_raw(buf, len, fds, n_fds);
	free(buf);
}

static void
send_resp(const CriuResp *r)
{
	send_resp_fds(r, NULL, 0);
}

static void
answer(CriuReqType type, bool success)
{
	CriuResp r = CRIU_RESP__INIT;

	r.type = type;
	r.success = success;
	send_resp(&r);
}

static void
answer_version(int major, int minor, int sub)
{
	CriuResp r = CRIU_RESP__INIT;
	CriuVersion v = CRIU_VERSION__INIT;

	r.type = CRIU_REQ_TYPE__VERSION;
	r.success = true;
	r.version = &v;
	v.major_number = major;
	v.minor_number = minor;
	v.has_sublevel = true;
	v.sublevel = sub;
	send_resp(&r);
}

/* Sends a NOTIFY and returns the client's verdict (-1: no valid answer). */
static int
notify(const char *script, const int *fds, size_t n_fds)
{
	CriuResp r = CRIU_RESP__INIT;
	CriuNotify n = CRIU_NOTIFY__INIT;
	CriuReq *ack;
	int ok;

	r.type = CRIU_REQ_TYPE__NOTIFY;
	r.success = true;
	r.notify = &n;
	n.script = (char *)script;
	send_resp_fds(&r, fds, n_fds);
	ack = read_req();
	if (!ack || ack->type != CRIU_REQ_TYPE__NOTIFY || !ack->has_notify_success)
		return -1;
	ok = ack->notify_success;
	criu_req__free_unpacked(ack, NULL);
	return ok;
}

static void
crash(int sig)
{
	prctl(PR_SET_DUMPABLE, 0); /* no core file */
	signal(sig, SIG_DFL);
	raise(sig);
	exit(93);
}

static void
hang(void)
{
	for (;;)
		pause();
}

/* The images dir criu was given, through the client's fd like criu does. */
static int
open_images(const CriuReq *req)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	char path[64];

	if (!req->opts || getsockopt(SK, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", cr.pid, req->opts->images_dir_fd);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void
write_image(const CriuReq *req, const char *name, const char *text)
{
	int dfd = open_images(req), fd;

	if (dfd < 0)
		exit(94);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(95);
	close(fd);
	close(dfd);
}

static void
garbage(void)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };

	send_raw(junk, sizeof(junk), NULL, 0);
	wait_eof();
}

/* A VERSION response cut in the middle of its gitid string. */
static void
truncated(void)
{
	CriuResp r = CRIU_RESP__INIT;
	CriuVersion v = CRIU_VERSION__INIT;
	uint8_t buf[256];
	size_t len;

	r.type = CRIU_REQ_TYPE__VERSION;
	r.success = true;
	r.version = &v;
	v.major_number = 4;
	v.minor_number = 2;
	v.gitid = "0123456789abcdef0123456789abcdef";
	len = criu_resp__pack(&r, buf);
	send_raw(buf, len - 10, NULL, 0);
	wait_eof();
}

static void
oversized(void)
{
	size_t len = CLIENT_MAX_MSG + 1;
	int sz = (int)len + 4096;
	uint8_t *buf = calloc(1, len);

	if (!buf)
		exit(96);
	if (setsockopt(SK, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(SK, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (send(SK, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		exit(3); /* cannot send that much here: the test says so */
	free(buf);
	wait_eof();
}

static void
notify_flood(bool read_acks)
{
	CriuResp r = CRIU_RESP__INIT;
	CriuNotify n = CRIU_NOTIFY__INIT;

	r.type = CRIU_REQ_TYPE__NOTIFY;
	r.success = true;
	r.notify = &n;
	n.script = "flood";
	for (;;) {
		if (!read_acks) {
			send_resp(&r);
			continue;
		}
		if (notify("flood", NULL, 0) < 0)
			exit(0);
	}
}

static void
many_fds(void)
{
	int fds[3];

	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	notify("orphan-pts-master", fds, 3);
	wait_eof();
}

static void
fd_on_final(CriuReqType type)
{
	CriuResp r = CRIU_RESP__INIT;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	r.type = type;
	r.success = true;
	send_resp_fds(&r, &fd, 1);
	wait_eof();
}

static void
empty_datagram(void)
{
	send_raw("", 0, NULL, 0);
	wait_eof();
}

/* Writes a first image file, as criu does before it knows the outcome. */
static void
dump_ok(const CriuReq *req, const char *marker)
{
	if (notify("pre-dump", NULL, 0) != 1)
		exit(97);
	write_image(req, "inventory.img", marker);
	if (notify("post-dump", NULL, 0) != 1) {
		answer(req->type, false);
		wait_eof();
	}
	answer(req->type, true);
	wait_eof();
}

static void
dump_fail(const CriuReq *req)
{
	CriuResp r = CRIU_RESP__INIT;

	notify("pre-dump", NULL, 0);
	write_image(req, "pages-1.img", "half");
	r.type = req->type;
	r.success = false;
	r.has_cr_errno = true;
	r.cr_errno = ESRCH;
	r.cr_errmsg = "Error (fake-criu.c:1): fake dump failure\n";
	send_resp(&r);
	wait_eof();
}

/*
 * Works for 1.5 s before post-dump: a deadline or a cancel lands here.
 * criu aborts when post-dump is refused, and completes when it is not.
 */
static void
slow_dump(const CriuReq *req)
{
	notify("pre-dump", NULL, 0);
	write_image(req, "pages-1.img", "half");
	usleep(1500 * 1000);
	if (notify("post-dump", NULL, 0) != 1) {
		answer(req->type, false);
		wait_eof();
	}
	answer(req->type, true);
	wait_eof();
}

/* post-dump is acknowledged at once, then the answer takes 1.5 s. */
static void
slow_answer(const CriuReq *req)
{
	notify("pre-dump", NULL, 0);
	write_image(req, "inventory.img", "slow");
	if (notify("post-dump", NULL, 0) != 1) {
		answer(req->type, false);
		wait_eof();
	}
	usleep(1500 * 1000);
	answer(req->type, true);
	wait_eof();
}

static int
run(const char *mode, CriuReq *req)
{
	if (strncmp(mode, "v-", 2) == 0) {
		if (req->type != CRIU_REQ_TYPE__VERSION)
			return 98;
		answer_version(4, 2, 1);
		criu_req__free_unpacked(req, NULL);
		req = read_req();
		if (!req)
			return 99;
		mode += 2;
	}
	if (!strcmp(mode, "garbage"))
		garbage();
	else if (!strcmp(mode, "truncated"))
		truncated();
	else if (!strcmp(mode, "oversized"))
		oversized();
	else if (!strcmp(mode, "wrong-type"))
		answer(req->type == CRIU_REQ_TYPE__DUMP ? CRIU_REQ_TYPE__RESTORE : CRIU_REQ_TYPE__DUMP, true);
	else if (!strcmp(mode, "eof"))
		return 0;
	else if (!strcmp(mode, "exit1"))
		return fprintf(stderr, "Error (fake-criu.c:2): fake early failure\n"), 1;
	else if (!strcmp(mode, "notify-flood"))
		notify_flood(true);
	else if (!strcmp(mode, "notify-flood-noread"))
		notify_flood(false);
	else if (!strcmp(mode, "fds"))
		many_fds();
	else if (!strcmp(mode, "fd-final"))
		fd_on_final(req->type);
	else if (!strcmp(mode, "hang"))
		hang();
	else if (!strcmp(mode, "segv"))
		notify("pre-dump", NULL, 0), crash(SIGSEGV);
	else if (!strcmp(mode, "empty"))
		empty_datagram();
	else if (!strcmp(mode, "bad-version"))
		answer_version(INT_MAX, INT_MAX, 1);
	else if (!strcmp(mode, "dump-ok"))
		dump_ok(req, "fake-criu dump-ok");
	else if (!strcmp(mode, "dump-ok2"))
		dump_ok(req, "fake-criu dump-ok2");
	else if (!strcmp(mode, "dump-fail"))
		dump_fail(req);
	else if (!strcmp(mode, "dump-crash"))
		write_image(req, "pages-1.img", "half"), crash(SIGKILL);
	else if (!strcmp(mode, "slow-dump"))
		slow_dump(req);
	else if (!strcmp(mode, "slow-answer"))
		slow_answer(req);
	else if (!strcmp(mode, "ok-then-hang"))
		answer(req->type, true), hang();
	else
		return fprintf(stderr, "fake-criu: unknown mode `%s`\n", mode), 2;
	wait_eof();
	return 0;
}

int
main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *mode;
	CriuReq *req;

	if (argc != 3 || strcmp(argv[1], "swrk") != 0 || strcmp(argv[2], "3") != 0 || n <= 0)
		return fprintf(stderr, "Usage: criu swrk <fd>\n"), 1;
	exe[n] = '\0';
	mode = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	signal(SIGPIPE, SIG_IGN); /* as criu */
	req = read_req();
	if (!req)
		return 89;
	return run(mode, req);
}
