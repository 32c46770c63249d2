/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Namespaces and cgroups against real criu: --empty-ns network and each
 * --network-lock method on a tree in its own network namespace, and each
 * --manage-cgroups-mode on a tree in a cgroup of its own.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opttest.h"

/*
 * The workload in a network namespace of its own with something criu must
 * restore in it: lo up and a veth pair, one end with 10.9.0.1/24.
 */
static pid_t
start_in_netns(const char *dir)
{
	const char *prog = itest_prog("CKPT_WORKLOAD");
	pid_t pid;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close_range(3, ~0U, 0);
		if (unshare(CLONE_NEWNET) < 0 ||
		    system("ip link set lo up && ip link add cka type veth peer name ckb && "
			   "ip addr add 10.9.0.1/24 dev cka") != 0)
			_exit(126);
		execl(prog, prog, dir, "0", "1", (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(itest_wait_count(dir, 0, 3, 10000), "the workload in its own netns did not start");
	return pid;
}

/* What the tree's netns holds: its interfaces and addresses. */
static bool
netns_has(pid_t pid, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, strchr(what, '.') ? "fib_trie" : "dev");
	return opt_file_has(path, what);
}

static bool
own_netns(pid_t pid)
{
	char a[64], b[64], path[64];
	ssize_t la, lb;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	la = readlink(path, a, sizeof(a) - 1);
	lb = readlink("/proc/self/ns/net", b, sizeof(b) - 1);
	ck_assert(la > 0 && lb > 0);
	return la != lb || memcmp(a, b, (size_t)la) != 0;
}

/* --empty-ns network: criu neither dumps nor restores the netns' content. */
START_TEST(empty_ns_network_restores_an_empty_netns)
{
	char *dir = itest_mkdtemp("emptyns");
	pid_t pid = start_in_netns(dir);
	unsigned long at;

	ck_assert(netns_has(pid, "cka:") && netns_has(pid, "10.9.0.1"));
	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --empty-ns network", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	at = opt_last(dir, 0);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --empty-ns network", dir);
	opt_assert_resumed(dir, 0, at);
	ck_assert(own_netns(pid));
	ck_assert_msg(netns_has(pid, "lo:"), "the restored netns has no lo");
	ck_assert_msg(!netns_has(pid, "cka:") && !netns_has(pid, "10.9.0.1"),
		      "--empty-ns network restored the netns' interfaces");
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

struct lock_probe {
	pid_t pid;
	char *ruleset; /* the tree's netns rules while it is dumped */
};

/* At post-dump the tree is frozen and its netns locked: what locks it? */
static int
probe_lock(const char *script, pid_t pid, int fd, void *data)
{
	struct lock_probe *p = data;

	if (strcmp(script, "post-dump") == 0 && !p->ruleset &&
	    itest_run(&p->ruleset, "nsenter -t %d -n nft list ruleset 2>&1", p->pid) != 0) {
		free(p->ruleset);
		p->ruleset = strdup("(nft failed)");
	}
	return 0;
}

static const struct {
	enum ckpt_network_lock method;
	const char *name;
	const char *present; /* in the locked netns' rules, or NULL */
	const char *absent;
} locks[] = {
	{ CKPT_NETWORK_LOCK_IPTABLES, "iptables", "chain CRIU", "table inet CRIU-" },
	{ CKPT_NETWORK_LOCK_NFTABLES, "nftables", "table inet CRIU-", "chain CRIU" },
	{ CKPT_NETWORK_LOCK_SKIP, "skip", NULL, "CRIU" },
};

/*
 * Each --network-lock method on a tree in its own netns, seen from inside
 * the netns while criu holds it (iptables-nft shows as "table ip filter"
 * with a CRIU chain; nftables as criu's own "inet CRIU-<run id>" table;
 * skip leaves it open), then restored with its network and unlocked.
 */
START_TEST(network_lock_methods)
{
	char *dir = itest_mkdtemp("netlock"), *images, *after;
	pid_t pid = start_in_netns(dir);
	struct lock_probe p = { .pid = pid };
	ckpt_error *err = NULL;
	ckpt_opts *o;
	unsigned long at;

	ck_assert_int_ge(asprintf(&images, "%s/img", dir), 0);
	o = itest_opts(pid, images);
	ck_assert_int_eq(ckpt_opts_set_network_lock(o, locks[_i].method), 0);
	ck_assert_int_eq(ckpt_opts_set_notify(o, probe_lock, &p), 0);
	ck_assert_msg(ckpt_tree_dump(o, NULL, &err) == 0, "dump with --network-lock %s: %s", locks[_i].name,
		      ckpt_error_message(err));
	ck_assert_msg(p.ruleset, "no post-dump notification");
	if (locks[_i].present)
		ck_assert_msg(strstr(p.ruleset, locks[_i].present), "%s: no \"%s\" while locked:\n%s", locks[_i].name,
			      locks[_i].present, p.ruleset);
	ck_assert_msg(!strstr(p.ruleset, locks[_i].absent), "%s: \"%s\" while locked:\n%s", locks[_i].name,
		      locks[_i].absent, p.ruleset);
	ck_assert(itest_wait_gone(pid, 10000));
	at = opt_last(dir, 0);

	/* no --network-lock on restore: criu reads the method from the images */
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s", images);
	opt_assert_resumed(dir, 0, at);
	ck_assert(own_netns(pid) && netns_has(pid, "cka:") && netns_has(pid, "10.9.0.1"));
	ck_assert_int_eq(itest_run(&after, "nsenter -t %d -n nft list ruleset 2>&1", pid), 0);
	ck_assert_msg(!strstr(after, "CRIU"), "%s: the restored netns is still locked:\n%s", locks[_i].name, after);
	free(after);
	free(p.ruleset);
	ckpt_opts_free(o);
	free(images);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

#define PIDS_ROOT "/sys/fs/cgroup/pids"

static void
write_file(const char *path, const char *value)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f, "open %s: %m", path);
	ck_assert_msg(fputs(value, f) >= 0 && fclose(f) == 0, "write `%s` to %s: %m", value, path);
}

/* The pids cgroup of pid, relative to the hierarchy's root ("/x"). */
static char *
pids_cgroup(pid_t pid)
{
	char *s = opt_read("/proc/%d/cgroup", pid), *line, *save = NULL, *r = NULL;

	for (line = strtok_r(s, "\n", &save); line && !r; line = strtok_r(NULL, "\n", &save))
		if ((line = strstr(line, ":pids:")))
			r = strdup(line + 6);
	free(s);
	ck_assert_msg(r, "pid %d is in no pids cgroup", pid);
	return r;
}

static const struct {
	const char *mode;
	const char *logged; /* criu's restore log line with the mode it got */
} cg_modes[] = {
	{ "soft", "cgroups restore mode 0x4" },
	{ "full", "cgroups restore mode 0x8" },
	{ "strict", "cgroups restore mode 0x10" },
	{ "ignore", NULL },
};

/*
 * Each --manage-cgroups-mode, dumped and restored with a tree in a pids
 * cgroup of its own whose pids.max was 1234 at dump and is 999 at restore:
 * soft puts the tree back but leaves an existing cgroup's limits alone, full
 * restores them, strict refuses cgroups that exist, ignore leaves the tree
 * in criu's own cgroup. criu logs the mode it restores with.
 */
START_TEST(manage_cgroups_modes)
{
	const char *mode = cg_modes[_i].mode;
	char *dir = itest_mkdtemp("cgmode"), *cg, *file, *log, *now;
	pid_t pid;
	unsigned long at;

	ck_assert_msg(access(PIDS_ROOT "/cgroup.procs", W_OK) == 0,
		      "this test needs the cgroup v1 pids hierarchy at " PIDS_ROOT);
	ck_assert_int_ge(asprintf(&cg, "ckpt-test-%s-%d", mode, getpid()), 0);
	ck_assert_int_ge(asprintf(&file, PIDS_ROOT "/%s", cg), 0);
	ck_assert_int_eq(mkdir(file, 0755), 0);
	free(file);
	ck_assert_int_ge(asprintf(&file, PIDS_ROOT "/%s/pids.max", cg), 0);
	write_file(file, "1234");
	pid = itest_start_workload(dir, 0, 1);
	{
		char *procs, num[16];
		ck_assert_int_ge(asprintf(&procs, PIDS_ROOT "/%s/cgroup.procs", cg), 0);
		snprintf(num, sizeof(num), "%d", pid);
		write_file(procs, num);
		free(procs);
	}
	now = pids_cgroup(pid);
	ck_assert_str_eq(now + 1, cg);
	free(now);

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --manage-cgroups-mode %s", pid, dir, mode);
	ck_assert(itest_wait_gone(pid, 10000));
	at = opt_last(dir, 0);
	write_file(file, "999");
	if (strcmp(mode, "strict") == 0) {
		opt_ckpt_expect(1, "Abort restore of existing cgroups",
				"restore -d --image-path %s/img --manage-cgroups-mode strict", dir);
		ck_assert(itest_wait_gone(pid, 10000));
	} else {
		if (strcmp(mode, "ignore") == 0)
			ck_assert_int_eq(itest_run(NULL, "rmdir " PIDS_ROOT "/%s", cg), 0);
		opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --manage-cgroups-mode %s", dir, mode);
		opt_assert_resumed(dir, 0, at);
		now = pids_cgroup(pid);
		if (strcmp(mode, "ignore") == 0) {
			ck_assert_str_eq(now, "/");
			ck_assert_int_lt(access(file, F_OK), 0); /* criu did not recreate it */
		} else {
			char *max = opt_read("%s", file);
			ck_assert_str_eq(now + 1, cg);
			ck_assert_int_eq(atoi(max), strcmp(mode, "full") == 0 ? 1234 : 999);
			free(max);
		}
		free(now);
		itest_kill(pid);
		ck_assert(itest_wait_gone(pid, 10000));
	}
	log = opt_read("%s/img/restore.log", dir);
	if (cg_modes[_i].logged)
		ck_assert_msg(strstr(log, cg_modes[_i].logged), "criu did not restore with mode %s", mode);
	else
		ck_assert_msg(!strstr(log, "Preparing cgroups yard"), "criu managed cgroups in mode ignore");
	free(log);
	itest_run(NULL, "rmdir " PIDS_ROOT "/%s 2>/dev/null", cg);
	free(file);
	free(cg);
	itest_rmdir(dir);
}
END_TEST

/* strict, on a tree that shares criu's cgroups (nothing of its own to restore), completes. */
START_TEST(manage_cgroups_strict_completes_in_shared_cgroups)
{
	char *dir = itest_mkdtemp("cgstrict");
	pid_t pid = itest_start_workload(dir, 0, 1);
	unsigned long at;

	opt_ckpt_expect(0, NULL, "checkpoint --pid %d --image-path %s/img --manage-cgroups-mode strict", pid, dir);
	ck_assert(itest_wait_gone(pid, 10000));
	at = opt_last(dir, 0);
	opt_ckpt_expect(0, NULL, "restore -d --image-path %s/img --manage-cgroups-mode strict", dir);
	opt_assert_resumed(dir, 0, at);
	itest_kill(pid);
	itest_rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("options-ns");
	TCase *tc = tcase_create("ns");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, empty_ns_network_restores_an_empty_netns);
	tcase_add_loop_test(tc, network_lock_methods, 0, 3);
	tcase_add_loop_test(tc, manage_cgroups_modes, 0, 4);
	tcase_add_test(tc, manage_cgroups_strict_completes_in_shared_cgroups);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return opt_main(suite());
}
