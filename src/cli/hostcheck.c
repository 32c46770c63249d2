/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostcheck.h"

/* ------------------------------------------------------------------------ */
/* cgroups */

/* The cgroup v1 controllers (a v1 mount's super options also hold rw,
 * name=systemd, xattr, ...). */
static bool
is_v1_controller(const char *opt, size_t len)
{
	static const char *const known[] = { "cpu",	"cpuacct", "cpuset",   "memory", "devices",
					     "freezer", "net_cls", "net_prio", "blkio",	 "perf_event",
					     "hugetlb", "pids",	   "rdma",     "misc",	 "debug" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == len && strncmp(known[i], opt, len) == 0)
			return true;
	return false;
}

static void
append_list(char *list, size_t size, const char *item, size_t len)
{
	size_t n = strlen(list);

	if (n + len + 2 <= size)
		snprintf(list + n, size - n, "%s%.*s", n ? "," : "", (int)len, item);
}

/* A v1 mount: its controllers (super options), its parent directory. */
static void
add_v1(struct cg_info *cg, const char *mnt, size_t mlen, const char *opts)
{
	const char *slash = memrchr(mnt, '/', mlen);
	size_t end = strcspn(opts, " \n");
	bool any = false;

	for (size_t i = 0; i < end;) {
		size_t len = strcspn(opts + i, ", \n");
		if (is_v1_controller(opts + i, len)) {
			append_list(cg->v1_controllers, sizeof(cg->v1_controllers), opts + i, len);
			any = true;
		}
		i += len + 1;
	}
	if (any && !cg->v1_base[0] && slash)
		snprintf(cg->v1_base, sizeof(cg->v1_base), "%.*s", (int)(slash - mnt), mnt);
}

/* One line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS". */
static void
parse_line(struct cg_info *cg, const char *line)
{
	const char *sep = strstr(line, " - "), *p = line, *mnt, *fs, *super;
	size_t mlen;

	if (!sep)
		return;
	for (int field = 0; field < 4 && p; field++)
		p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
	if (!p || p > sep)
		return;
	mnt = p;
	mlen = strcspn(mnt, " ");
	fs = sep + 3;
	super = strchr(fs, ' ') ? strchr(strchr(fs, ' ') + 1, ' ') : NULL;
	if (strncmp(fs, "cgroup2 ", 8) == 0 && !cg->v2_mount[0])
		snprintf(cg->v2_mount, sizeof(cg->v2_mount), "%.*s", (int)mlen, mnt);
	else if (strncmp(fs, "cgroup ", 7) == 0 && super)
		add_v1(cg, mnt, mlen, super + 1);
}

void
cg_parse_mountinfo(const char *text, struct cg_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		parse_line(ret, line);
	if (ret->v1_controllers[0])
		ret->layout = ret->v2_mount[0] ? CG_LAYOUT_HYBRID : CG_LAYOUT_LEGACY;
	else
		ret->layout = ret->v2_mount[0] ? CG_LAYOUT_UNIFIED : CG_LAYOUT_NONE;
}

const char *
cg_layout_name(enum cg_layout l)
{
	static const char *const names[] = { "none", "unified", "v1", "hybrid" };

	return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "unknown";
}

/* "mkdir -p B/X && mount -t cgroup -o X cgroup B/X" for each controller X. */
static void
hybrid_fix(const struct cg_info *cg, char *buf, size_t len)
{
	const char *base = cg->v1_base[0] ? cg->v1_base : "/sys/fs/cgroup";
	size_t off = strlen(buf);

	for (const char *p = cg->v2_controllers; *p && off < len;) {
		size_t n = strcspn(p, " ,\n");
		int w = snprintf(buf + off, len - off, "%s`mkdir -p %s/%.*s && mount -t cgroup -o %.*s cgroup %s/%.*s`",
				 p == cg->v2_controllers ? "" : ", ", base, (int)n, p, (int)n, p, base, (int)n, p);
		off += w > 0 ? (size_t)w : 0;
		p += n;
		p += strspn(p, " ,\n");
	}
}

bool
cg_explain(const struct cg_info *cg, char *buf, size_t len)
{
	switch (cg->layout) {
	case CG_LAYOUT_UNIFIED: snprintf(buf, len, "cgroup v2 (unified) at %s", cg->v2_mount); return true;
	case CG_LAYOUT_LEGACY: snprintf(buf, len, "cgroup v1, controllers %s", cg->v1_controllers); return true;
	case CG_LAYOUT_HYBRID:
		if (!cg->v2_controllers[0]) {
			snprintf(buf, len,
				 "hybrid: cgroup v1 controllers %s, and cgroup2 at %s with no controllers "
				 "(as crun needs on a hybrid layout)",
				 cg->v1_controllers, cg->v2_mount);
			return true;
		}
		snprintf(buf, len,
			 "hybrid: cgroup v1 controllers %s, and cgroup2 at %s with controllers %s: crun refuses "
			 "a hybrid layout whose cgroup2 has controllers; mount them as v1: ",
			 cg->v1_controllers, cg->v2_mount, cg->v2_controllers);
		hybrid_fix(cg, buf, len);
		return true;
	default:
		snprintf(buf, len,
			 "no cgroup hierarchy is mounted (see /proc/self/mountinfo): criu cannot place the "
			 "restored tree in cgroups");
		return false;
	}
}

static char *
read_text(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

int
cg_probe(struct cg_info *ret)
{
	char *text = read_text("/proc/self/mountinfo", 1 << 20), path[300], *ctl;

	if (!text)
		return -errno;
	cg_parse_mountinfo(text, ret);
	free(text);
	if (!ret->v2_mount[0])
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", ret->v2_mount);
	ctl = read_text(path, sizeof(ret->v2_controllers) - 1);
	if (ctl) {
		ctl[strcspn(ctl, "\n")] = '\0';
		snprintf(ret->v2_controllers, sizeof(ret->v2_controllers), "%s", ctl);
		free(ctl);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* LSMs */

bool
lsm_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

int
lsm_probe(char *buf, size_t len)
{
	char *text = read_text("/sys/kernel/security/lsm", len - 1), *aa;
	bool apparmor;

	if (text) {
		text[strcspn(text, "\n")] = '\0';
		snprintf(buf, len, "%s", text);
		free(text);
		return 0;
	}
	aa = read_text("/sys/module/apparmor/parameters/enabled", 8);
	apparmor = aa && aa[0] == 'Y';
	free(aa);
	snprintf(buf, len, "%s%s%s", apparmor ? "apparmor" : "",
		 apparmor && access("/sys/fs/selinux/enforce", F_OK) == 0 ? "," : "",
		 access("/sys/fs/selinux/enforce", F_OK) == 0 ? "selinux" : "");
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Programs */

char *
find_program(const char *name, const char *path)
{
	const char *p = path ? path : getenv("PATH");
	char *full = NULL;

	for (p = p ? p : CRIU_HELPER_PATH; *p; p += strcspn(p, ":") + (p[strcspn(p, ":")] == ':')) {
		size_t n = strcspn(p, ":");
		if (n == 0)
			continue;
		if (asprintf(&full, "%.*s/%s", (int)n, p, name) < 0)
			return NULL;
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		full = NULL;
	}
	return NULL;
}

/* In the child: stdio, the namespace, exec. Never returns. */
static void
child_run(char *const argv[], bool new_netns, int out_fd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(127);
	if (new_netns && unshare(CLONE_NEWNET) < 0)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads the child's output until EOF or the deadline. */
static void
collect(int fd, int timeout_ms, char *out, size_t len)
{
	uint64_t until = now_ms() + (uint64_t)timeout_ms;
	size_t got = 0;
	char sink[512];

	for (;;) {
		uint64_t now = now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (now >= until || poll(&p, 1, (int)(until - now)) <= 0)
			break;
		if (got + 1 < len)
			n = read(fd, out + got, len - got - 1);
		else
			n = read(fd, sink, sizeof(sink));
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += (size_t)n;
	}
	out[got] = '\0';
}

int
run_program(char *const argv[], bool new_netns, int timeout_ms, char *out, size_t len)
{
	int p[2], st = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0)
		child_run(argv, new_netns, p[1]);
	close(p[1]);
	collect(p[0], timeout_ms, out, len);
	close(p[0]);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL); /* our child: past its deadline */
		waitpid(pid, &st, 0);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
first_line(const char *text, char *buf, size_t len)
{
	const char *p = text + strspn(text, " \t\r\n");
	size_t n = strcspn(p, "\r\n");

	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, p);
}

/*
 * criu says "CRIU was built without libnftables support" only when it was;
 * a criu linked with it names libnftables.so among its libraries.
 */
int
criu_has_nftables(const char *criu_path)
{
	static const char without[] = "built without libnftables support", lib[] = "libnftables.so";
	int fd = open(criu_path, O_RDONLY | O_CLOEXEC), r = -1;
	struct stat st;
	void *m;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (256 << 20)) {
		close(fd);
		return -1;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	if (memmem(m, (size_t)st.st_size, without, sizeof(without) - 1))
		r = 0;
	else if (memmem(m, (size_t)st.st_size, lib, sizeof(lib) - 1))
		r = 1;
	munmap(m, (size_t)st.st_size);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Kernel facilities */

/* One unix_diag dump request; the first answer tells (ENOENT: no unix_diag). */
int
probe_unix_diag(void)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0u },
	};
	char buf[8192] __attribute__((aligned(4)));
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (send(fd, &msg, sizeof(msg), 0) < 0 || (n = recv(fd, buf, sizeof(buf), 0)) < 0)
		r = -errno;
	else if ((size_t)n < sizeof(*h))
		r = -EIO;
	else if (h->nlmsg_type == NLMSG_ERROR && (size_t)n >= NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		r = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	close(fd);
	return r;
}

int
probe_netns(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) < 0 ? errno & 0xff : 0);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -(WIFEXITED(st) ? WEXITSTATUS(st) : EINTR);
}

int
probe_tcp_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0)
		r = -errno;
	close(fd);
	return r;
}

int
probe_link_tmpfile(const char *dir, bool *tested)
{
	char name[64];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, r = 0;

	*tested = false;
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		close(dfd);
		return r;
	}
	*tested = true;
	snprintf(name, sizeof(name), ".ckpt-check-%d", (int)getpid());
	if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) < 0)
		r = -errno;
	else
		unlinkat(dfd, name, 0);
	close(fd);
	close(dfd);
	return r;
}

int
probe_punch_hole(const char *dir, bool *tested)
{
	static const char page[8192];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600), r = 0;

	*tested = fd >= 0;
	if (fd < 0)
		return -errno;
	if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		r = -EIO;
	else if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) < 0)
		r = -errno;
	close(fd);
	return r;
}
