/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CLI argument parsing: every flag, bad values, unknown flags. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "cli.h"
#include "commands.h"
#include "hostcheck.h"
#include "opts.h"
#include "unittest.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define CP(...)	  checkpoint_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &a)
#define RS(...)	  restore_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &r)

/* Captures what a parser prints on stderr. */
static char stderr_buf[4096];
static int saved_stderr = -1;

static void
capture_start(void)
{
	FILE *f = tmpfile();

	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(f), 2);
	fclose(f);
}

static const char *
capture_end(void)
{
	ssize_t n;

	fflush(stderr);
	lseek(2, 0, SEEK_SET);
	n = read(2, stderr_buf, sizeof(stderr_buf) - 1);
	stderr_buf[n > 0 ? n : 0] = '\0';
	dup2(saved_stderr, 2);
	close(saved_stderr);
	return stderr_buf;
}

/* Runs fn with stdout captured into a buffer the caller frees. */
static char *
capture_stdout(int (*fn)(void *), void *data, int *ret)
{
	FILE *tmp = tmpfile();
	char *out;
	int saved;
	long n;

	fflush(stdout);
	saved = dup(1);
	dup2(fileno(tmp), 1);
	*ret = fn(data);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = ftell(tmp);
	out = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	rewind(tmp);
	if (n > 0)
		ck_assert_int_eq(fread(out, 1, (size_t)n, tmp), n);
	fclose(tmp);
	return out;
}

static int
count_of(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

START_TEST(checkpoint_every_flag)
{
	struct checkpoint_args a;
	int p[2];
	char fdarg[16];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	ck_assert_int_eq(CP("checkpoint", "--pid", "42", "--image-path", "/tmp", "--work-path", "/w", "--leave-running",
			    "--tcp-established", "--tcp-skip-in-flight", "--link-remap", "--ext-unix-sk", "--shell-job",
			    "--lazy-pages", "--status-fd", fdarg, "--page-server", "10.0.0.1:27000", "--file-locks",
			    "--manage-cgroups-mode", "ignore", "--empty-ns", "network", "--auto-dedup",
			    "--network-lock", "nftables", "--timeout", "30", "--json", "--no-staging"),
			 1);
	ck_assert_int_eq(a.pid, 42);
	ck_assert_str_eq(a.image_path, "/tmp");
	ck_assert_str_eq(a.work_path, "/w");
	ck_assert(a.leave_running && a.tcp_established && a.tcp_skip_in_flight && a.link_remap);
	ck_assert(a.ext_unix_sk && a.shell_job && a.lazy_pages && a.file_locks && a.auto_dedup);
	ck_assert(a.json && a.no_staging);
	ck_assert_int_eq(a.status_fd, p[1]);
	ck_assert(a.has_ps);
	ck_assert_str_eq(a.ps_address, "10.0.0.1");
	ck_assert_int_eq(a.ps_port, 27000);
	ck_assert_int_eq(a.cg_mode, CKPT_CG_IGNORE);
	ck_assert_int_eq(a.n_empty_ns, 1);
	ck_assert_int_eq(a.netlock, CKPT_NETWORK_LOCK_NFTABLES);
	ck_assert_int_eq(a.timeout_s, 30);
	checkpoint_args_free(&a);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(checkpoint_defaults_and_pre_dump)
{
	struct checkpoint_args a;

	ck_assert_int_eq(CP("checkpoint", "-p", "7", "--pre-dump", "--tcp-close", "-q"), 1);
	ck_assert_str_eq(a.image_path, "checkpoint");
	ck_assert(a.pre_dump && a.tcp_close && a.quiet);
	ck_assert_int_eq(a.status_fd, -1);
	ck_assert(!a.has_ps && !a.leave_running);
	checkpoint_args_free(&a);
}
END_TEST

START_TEST(checkpoint_options_reach_the_request)
{
	struct checkpoint_args a;
	ckpt_opts *o;

	ck_assert_int_eq(
		CP("checkpoint", "--pid", "42", "--leave-running", "--file-locks", "--page-server", "[::1]:1234"), 1);
	ck_assert_str_eq(a.ps_address, "::1");
	ckpt_opts_new(&o);
	ck_assert_int_eq(checkpoint_build_opts(&a, o), 0);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_LEAVE_RUNNING), 1);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_FILE_LOCKS), 1);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_TCP_ESTABLISHED), 0);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_STAGING), 1);
	ckpt_opts_free(o);
	checkpoint_args_free(&a);
}
END_TEST

/* --ext-unix-sk=INO,... names the tree's sockets criu treats as external (unix[INO]). */
START_TEST(checkpoint_ext_unix_sk_inodes)
{
	struct checkpoint_args a;
	ckpt_opts *o;

	ck_assert_int_eq(CP("checkpoint", "--pid", "42", "--ext-unix-sk=123,4567"), 1);
	ck_assert(a.ext_unix_sk);
	ckpt_opts_new(&o);
	ck_assert_int_eq(checkpoint_build_opts(&a, o), 0);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_EXT_UNIX_SK), 1);
	ck_assert_uint_eq(o->n_external, 2);
	ck_assert_str_eq(o->external[0], "unix[123]");
	ck_assert_str_eq(o->external[1], "unix[4567]");
	ckpt_opts_free(o);
	checkpoint_args_free(&a);
}
END_TEST

/* --parent-path ../X: X beside the image path, which need not exist yet. */
START_TEST(checkpoint_parent_path_beside_a_new_image_path)
{
	struct checkpoint_args a;
	char dir[] = "/tmp/ckpt-unit-parent-XXXXXX", img[64], pre[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(img, sizeof(img), "%s/img", dir);
	snprintf(pre, sizeof(pre), "%s/pre", dir);
	ck_assert_int_eq(mkdir(pre, 0700), 0);
	ck_assert_int_eq(CP("checkpoint", "--pid", "42", "--image-path", img, "--parent-path", "../pre"), 1);
	ck_assert_str_eq(a.parent_path, "../pre");
	checkpoint_args_free(&a);
	rmdir(pre);
	rmdir(dir);
}
END_TEST

static void
expect_usage(int argc, char **argv, const char *needle)
{
	struct checkpoint_args a;
	const char *out;
	int r;

	capture_start();
	r = checkpoint_parse(argc, argv, &a);
	out = capture_end();
	checkpoint_args_free(&a);
	ck_assert_msg(r == -EINVAL, "expected a usage error for %s, got %d", needle, r);
	ck_assert_msg(strstr(out, needle), "message `%s` does not name `%s`", out, needle);
}

#define EXPECT_USAGE(needle, ...) expect_usage(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), needle)

START_TEST(checkpoint_bad_values)
{
	EXPECT_USAGE("--pid PID or a container id is required", "checkpoint");
	EXPECT_USAGE("--pid: invalid value `abc`", "checkpoint", "--pid", "abc");
	EXPECT_USAGE("--pid: invalid value `0`", "checkpoint", "--pid", "0");
	EXPECT_USAGE("--pid: invalid value `-3`", "checkpoint", "--pid", "-3");
	EXPECT_USAGE("--pid: invalid value `12x`", "checkpoint", "--pid", "12x");
	EXPECT_USAGE("--page-server: invalid value `nocolon`", "checkpoint", "-p", "5", "--page-server", "nocolon");
	EXPECT_USAGE("--page-server: invalid value `h:0`", "checkpoint", "-p", "5", "--page-server", "h:0");
	EXPECT_USAGE("--page-server: invalid value `:80`", "checkpoint", "-p", "5", "--page-server", ":80");
	EXPECT_USAGE("--page-server: invalid value `h:99999`", "checkpoint", "-p", "5", "--page-server", "h:99999");
	EXPECT_USAGE("--manage-cgroups-mode: invalid value `weird`", "checkpoint", "-p", "5", "--manage-cgroups-mode",
		     "weird");
	EXPECT_USAGE("--empty-ns: namespace `pid` is not supported", "checkpoint", "-p", "5", "--empty-ns", "pid");
	EXPECT_USAGE("--network-lock: invalid value `pf`", "checkpoint", "-p", "5", "--network-lock", "pf");
	EXPECT_USAGE("--status-fd: fd 987 is not open", "checkpoint", "-p", "5", "--lazy-pages", "--page-server", "a:1",
		     "--status-fd", "987");
	EXPECT_USAGE("--status-fd: invalid value `x`", "checkpoint", "-p", "5", "--status-fd", "x");
	EXPECT_USAGE("--lazy-pages needs --page-server", "checkpoint", "-p", "5", "--lazy-pages");
	EXPECT_USAGE("--parent-path must be relative", "checkpoint", "-p", "5", "--parent-path", "/abs");
	EXPECT_USAGE("--parent-path: `nope`", "checkpoint", "-p", "5", "--image-path", "/tmp", "--parent-path", "nope");
	EXPECT_USAGE("--timeout: invalid value `0`", "checkpoint", "-p", "5", "--timeout", "0");
	EXPECT_USAGE("unknown option `--bogus`", "checkpoint", "-p", "5", "--bogus");
	EXPECT_USAGE("missing value for `--image-path`", "checkpoint", "-p", "5", "--image-path");
	EXPECT_USAGE("either --pid PID or a container id, not both", "checkpoint", "-p", "5", "web");
	EXPECT_USAGE("unexpected argument `two`", "checkpoint", "one", "two");
	EXPECT_USAGE("invalid container id", "checkpoint", "../etc");
	EXPECT_USAGE("invalid container id", "checkpoint", "a/b");
	EXPECT_USAGE("invalid container id", "checkpoint", "bad\x01id");
	EXPECT_USAGE("--runtime: invalid value `docker`", "checkpoint", "--runtime", "docker", "web");
	EXPECT_USAGE("--root needs --runtime", "checkpoint", "--root", "/run/x", "web");
	EXPECT_USAGE("--runtime and --root are for containers", "checkpoint", "-p", "5", "--runtime", "runc");
	EXPECT_USAGE("--pre-dump of a container", "checkpoint", "--pre-dump", "web");
	EXPECT_USAGE("--tcp-close and --tcp-established", "checkpoint", "-p", "5", "--tcp-close", "--tcp-established");
	EXPECT_USAGE("--ext-unix-sk: `12,x` is not a list of socket inodes", "checkpoint", "-p", "5",
		     "--ext-unix-sk=12,x");
	EXPECT_USAGE("--ext-unix-sk: `0`", "checkpoint", "-p", "5", "--ext-unix-sk=0");
	EXPECT_USAGE("--ext-unix-sk: `7,`", "checkpoint", "-p", "5", "--ext-unix-sk=7,");
	EXPECT_USAGE("--parent-path: `../nope`", "checkpoint", "-p", "5", "--image-path", "/tmp/x", "--parent-path",
		     "../nope");
}
END_TEST

START_TEST(checkpoint_status_fd_must_be_writable)
{
	int p[2];
	char fdarg[16];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", p[0]);
	EXPECT_USAGE("not open for writing", "checkpoint", "-p", "5", "--lazy-pages", "--page-server", "a:1",
		     "--status-fd", fdarg);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(help_returns_zero)
{
	struct checkpoint_args a;
	struct restore_args r;
	FILE *saved = stdout;

	stdout = fopen("/dev/null", "w");
	ck_assert_int_eq(CP("checkpoint", "--help"), 0);
	ck_assert_int_eq(RS("restore", "-h"), 0);
	fclose(stdout);
	stdout = saved;
	checkpoint_args_free(&a);
	restore_args_free(&r);
}
END_TEST

START_TEST(container_ids)
{
	struct checkpoint_args a;
	struct restore_args r;

	ck_assert_int_eq(CP("checkpoint", "--runtime", "crun", "--root", "/run/crun", "--leave-running", "web-1"), 1);
	ck_assert_str_eq(a.container_id, "web-1");
	ck_assert_int_eq(a.runtime, CKPT_RUNTIME_CRUN);
	ck_assert_str_eq(a.root, "/run/crun");
	checkpoint_args_free(&a);
	ck_assert_int_eq(RS("restore", "--runtime", "runc", "-b", "/bundle", "--console-socket", "/s", "-d", "web-1"),
			 1);
	ck_assert_str_eq(r.container_id, "web-1");
	ck_assert_str_eq(r.bundle, "/bundle");
	ck_assert_str_eq(r.console_socket, "/s");
	ck_assert_int_eq(r.runtime, CKPT_RUNTIME_RUNC);
	restore_args_free(&r);
}
END_TEST

START_TEST(restore_every_flag)
{
	struct restore_args r;
	ckpt_opts *o;

	ck_assert_int_eq(RS("restore", "--image-path", "/img", "--work-path", "/w", "-d", "--pid-file", "/p",
			    "--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks",
			    "--manage-cgroups-mode", "soft", "--no-subreaper", "--empty-ns", "network", "--auto-dedup",
			    "--lazy-pages", "--lsm-profile", "apparmor:x", "--lsm-mount-context", "ctx", "--inherit-fd",
			    "fd[0]:pipe:[123]", "--timeout", "5", "--json"),
			 1);
	ck_assert_str_eq(r.image_path, "/img");
	ck_assert(r.detach && r.tcp_established && r.ext_unix_sk && r.shell_job && r.file_locks);
	ck_assert(r.no_subreaper && r.auto_dedup && r.lazy_pages && r.json);
	ck_assert_str_eq(r.pid_file, "/p");
	ck_assert_int_eq(r.cg_mode, CKPT_CG_SOFT);
	ck_assert_str_eq(r.lsm_profile, "apparmor:x");
	ck_assert_str_eq(r.lsm_mount_context, "ctx");
	ck_assert_int_eq(r.n_inherit, 1);
	ck_assert_int_eq(r.inherit_fd[0], 0);
	ck_assert_str_eq(r.inherit_key[0], "pipe:[123]");
	ckpt_opts_new(&o);
	ck_assert_int_eq(restore_build_opts(&r, o), 0);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_RST_SIBLING), 1);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_LAZY_PAGES), 1);
	ckpt_opts_free(o);
	restore_args_free(&r);
}
END_TEST

static void
expect_restore_usage(int argc, char **argv, const char *needle)
{
	struct restore_args r;
	const char *out;
	int ret;

	capture_start();
	ret = restore_parse(argc, argv, &r);
	out = capture_end();
	restore_args_free(&r);
	ck_assert_msg(ret == -EINVAL, "expected a usage error for %s", needle);
	ck_assert_msg(strstr(out, needle), "message `%s` does not name `%s`", out, needle);
}

#define EXPECT_RESTORE_USAGE(needle, ...) expect_restore_usage(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), needle)

START_TEST(restore_bad_values)
{
	EXPECT_RESTORE_USAGE("--inherit-fd: invalid value `7:x`", "restore", "--inherit-fd", "7:x");
	EXPECT_RESTORE_USAGE("--inherit-fd: invalid value `fd[1]:`", "restore", "--inherit-fd", "fd[1]:");
	EXPECT_RESTORE_USAGE("--inherit-fd: fd 999 is not open", "restore", "--inherit-fd", "fd[999]:k");
	EXPECT_RESTORE_USAGE("--lsm-profile: invalid value `x`", "restore", "--lsm-profile", "x");
	EXPECT_RESTORE_USAGE("--manage-cgroups-mode: invalid value `y`", "restore", "--manage-cgroups-mode", "y");
	EXPECT_RESTORE_USAGE("--empty-ns: namespace `ipc`", "restore", "--empty-ns", "ipc");
	EXPECT_RESTORE_USAGE("unknown option `--leave-running`", "restore", "--leave-running");
	EXPECT_RESTORE_USAGE("unexpected argument `y`", "restore", "x", "y");
	EXPECT_RESTORE_USAGE("invalid container id", "restore", "..");
	EXPECT_RESTORE_USAGE("are for containers", "restore", "--bundle", "/b");
	EXPECT_RESTORE_USAGE("--root needs --runtime", "restore", "--root", "/r", "web");
	EXPECT_RESTORE_USAGE("--pid-file: directory `/nonexistent/ckpt`: No such file or directory", "restore",
			     "--pid-file", "/nonexistent/ckpt/pid");
	EXPECT_RESTORE_USAGE("--pid-file: `/tmp` is a directory", "restore", "--pid-file", "/tmp");
}
END_TEST

/* An empty path is named, exit 2 (not "invalid options"). */
START_TEST(empty_paths_are_named)
{
	struct global_args g = { 0 };
	const char *out;

	EXPECT_USAGE("checkpoint: --image-path: the path is empty", "checkpoint", "-p", "5", "--image-path", "");
	EXPECT_USAGE("checkpoint: --work-path: the path is empty", "checkpoint", "-p", "5", "--work-path", "");
	EXPECT_USAGE("checkpoint: --parent-path: the path is empty", "checkpoint", "-p", "5", "--parent-path", "");
	EXPECT_RESTORE_USAGE("restore: --image-path: the path is empty", "restore", "--image-path", "");
	EXPECT_RESTORE_USAGE("restore: --work-path: the path is empty", "restore", "--work-path", "");
	EXPECT_RESTORE_USAGE("restore: --pid-file: the path is empty", "restore", "--pid-file", "");
	capture_start();
	ck_assert_int_eq(cmd_checkpoint(&g, ARGC("checkpoint", "-p", "5", "--image-path", ""),
					ARGV("checkpoint", "-p", "5", "--image-path", "")),
			 EXIT_USAGE);
	out = capture_end();
	ck_assert_msg(strstr(out, "--image-path") && !strstr(out, "invalid options"), "%s", out);
	capture_start();
	ck_assert_int_eq(cmd_restore(&g, ARGC("restore", "--image-path", ""), ARGV("restore", "--image-path", "")),
			 EXIT_USAGE);
	out = capture_end();
	ck_assert_msg(strstr(out, "--image-path") && !strstr(out, "invalid options"), "%s", out);
	capture_start();
	ck_assert_int_eq(cmd_page_server(&g, ARGC("page-server", "--image-path", "", "--port", "1"),
					 ARGV("page-server", "--image-path", "", "--port", "1")),
			 EXIT_USAGE);
	out = capture_end();
	ck_assert_msg(strstr(out, "page-server: --image-path: the path is empty"), "%s", out);
}
END_TEST

/* One value, one message. */
START_TEST(page_server_value_one_message)
{
	static const char *const bad[] = { "1.2.3.4:99999", "1.2.3.4:0", "1.2.3.4:x", ":80", "nocolon", "[::1]80" };
	struct global_args g = { 0 };
	const char *out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct checkpoint_args a;

		capture_start();
		ck_assert_int_eq(checkpoint_parse(ARGC("checkpoint", "-p", "5", "--page-server", (char *)bad[i]),
						  ARGV("checkpoint", "-p", "5", "--page-server", (char *)bad[i]), &a),
				 -EINVAL);
		out = capture_end();
		checkpoint_args_free(&a);
		ck_assert_msg(count_of(out, "ckpt: ") == 1 && count_of(out, "\n") == 1, "for `%s`: %s", bad[i], out);
		ck_assert_msg(strstr(out, bad[i]), "%s", out);
	}
	capture_start();
	ck_assert_int_eq(cmd_lazy_pages(&g, ARGC("lazy-pages", "--image-path", "/x", "--page-server", "h:99999"),
					ARGV("lazy-pages", "--image-path", "/x", "--page-server", "h:99999")),
			 EXIT_USAGE);
	out = capture_end();
	ck_assert_msg(count_of(out, "ckpt: ") == 1 && strstr(out, "the port must be from 1 to 65535"), "%s", out);
}
END_TEST

static int
run_version_json(void *data)
{
	return cmd_version(data, ARGC("version", "--json"), ARGV("version", "--json"));
}

/* A failure is the error object checkpoint and restore print, in the one object. */
START_TEST(version_json_error_is_an_object)
{
	struct global_args g = { .criu = "/nonexistent/criu" };
	yajl_val v, e;
	char *out;
	int r;

	capture_start();
	out = capture_stdout(run_version_json, &g, &r);
	capture_end();
	ck_assert_int_eq(r, EXIT_FAIL);
	ck_assert_int_eq(count_of(out, "\n"), 1);
	v = yajl_tree_parse(out, NULL, 0);
	ck_assert_msg(v != NULL, "%s", out);
	e = yajl_tree_get(v, (const char *[]){ "error", NULL }, yajl_t_any);
	ck_assert_msg(YAJL_IS_OBJECT(e), "error is not an object: %s", out);
	ck_assert(YAJL_IS_STRING(yajl_tree_get(e, (const char *[]){ "message", NULL }, yajl_t_any)));
	ck_assert(YAJL_IS_INTEGER(yajl_tree_get(e, (const char *[]){ "errno", NULL }, yajl_t_any)));
	ck_assert(YAJL_IS_STRING(yajl_tree_get(v, (const char *[]){ "ckpt_version", NULL }, yajl_t_any)));
	ck_assert(YAJL_IS_NULL(yajl_tree_get(v, (const char *[]){ "criu_version", NULL }, yajl_t_any)));
	yajl_tree_free(v);
	free(out);
}
END_TEST

/* Mount tables as /proc/self/mountinfo has them. */
static const char mountinfo_hybrid[] =
	"24 1 0:22 / / rw,relatime - ext4 /dev/vda rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
static const char mountinfo_unified[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
	"26 21 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";
static const char mountinfo_v1[] = "30 23 0:26 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
				   "31 23 0:27 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n";

START_TEST(cgroup_layout_from_mountinfo)
{
	struct cg_info cg;
	char why[1024];

	cg_parse_mountinfo(mountinfo_hybrid, &cg);
	ck_assert_int_eq(cg.layout, CG_LAYOUT_HYBRID);
	ck_assert_str_eq(cg_layout_name(cg.layout), "hybrid");
	ck_assert_str_eq(cg.v2_mount, "/sys/fs/cgroup/unified");
	ck_assert_str_eq(cg.v1_controllers, "cpu,cpuacct,memory"); /* name=systemd is no controller */
	ck_assert_str_eq(cg.v1_base, "/sys/fs/cgroup");
	ck_assert(cg_explain(&cg, why, sizeof(why)));
	ck_assert_msg(strstr(why, "with no controllers (as crun needs"), "%s", why);
	/* cgroup2 with controllers left over from v1: what crun needs, and how */
	snprintf(cg.v2_controllers, sizeof(cg.v2_controllers), "hugetlb rdma");
	ck_assert(cg_explain(&cg, why, sizeof(why)));
	ck_assert_msg(strstr(why, "with controllers hugetlb rdma: crun refuses"), "%s", why);
	ck_assert_msg(strstr(why, "`mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup "
				  "/sys/fs/cgroup/hugetlb`, `mkdir -p /sys/fs/cgroup/rdma && "),
		      "%s", why);

	cg_parse_mountinfo(mountinfo_unified, &cg);
	ck_assert_int_eq(cg.layout, CG_LAYOUT_UNIFIED);
	ck_assert_str_eq(cg.v2_mount, "/sys/fs/cgroup");
	ck_assert_str_eq(cg.v1_controllers, "");
	ck_assert(cg_explain(&cg, why, sizeof(why)));
	ck_assert_str_eq(why, "cgroup v2 (unified) at /sys/fs/cgroup");

	cg_parse_mountinfo(mountinfo_v1, &cg);
	ck_assert_int_eq(cg.layout, CG_LAYOUT_LEGACY);
	ck_assert_str_eq(cg.v1_controllers, "pids,freezer");
	ck_assert_str_eq(cg.v2_mount, "");

	cg_parse_mountinfo("24 1 0:22 / / rw - ext4 /dev/vda rw\nnot a mount line\n", &cg);
	ck_assert_int_eq(cg.layout, CG_LAYOUT_NONE);
	ck_assert(!cg_explain(&cg, why, sizeof(why)));
	ck_assert_msg(strstr(why, "no cgroup hierarchy is mounted"), "%s", why);
}
END_TEST

START_TEST(lsm_lists_and_lines)
{
	char buf[64];

	ck_assert(lsm_list_has("lockdown,capability,apparmor", "apparmor"));
	ck_assert(lsm_list_has("selinux", "selinux"));
	ck_assert(!lsm_list_has("lockdown,capability,yama", "apparmor"));
	ck_assert(!lsm_list_has("apparmorx", "apparmor"));
	ck_assert(!lsm_list_has("", "selinux"));
	first_line("\n  runc version 1.1.5  \ncommit: x\n", buf, sizeof(buf));
	ck_assert_str_eq(buf, "runc version 1.1.5");
	first_line("", buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(programs_are_found_and_run)
{
	char out[64], *sh = find_program("sh", "/nonexistent:/bin:/usr/bin");
	char *argv[] = { sh, "-c", "echo out; echo err >&2; exit 3", NULL };

	ck_assert_ptr_nonnull(sh);
	ck_assert_ptr_null(find_program("no-such-program-here", "/bin:/usr/bin"));
	ck_assert_int_eq(run_program(argv, false, 5000, out, sizeof(out)), 3);
	ck_assert_str_eq(out, "out\nerr\n");
	argv[2] = "kill -TERM $$";
	ck_assert_int_eq(run_program(argv, false, 5000, out, sizeof(out)), 128 + SIGTERM);
	argv[2] = "exec sleep 30";
	ck_assert_int_eq(run_program(argv, false, 200, out, sizeof(out)), 128 + SIGKILL); /* its deadline */
	free(sh);
}
END_TEST

/* Whether a criu binary has libnftables, from its bytes. */
START_TEST(criu_nftables_from_the_binary)
{
	char path[] = "/tmp/ckpt-unit-criu-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd,
			       "\x7f"
			       "ELF...libnftables.so.1\0...",
			       27),
			 27);
	ck_assert_int_eq(criu_has_nftables(path), 1);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(write(fd, "CRIU was built without libnftables support\n", 43), 43);
	ck_assert_int_eq(criu_has_nftables(path), 0);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(write(fd,
			       "\x7f"
			       "ELF, static",
			       11),
			 11);
	ck_assert_int_eq(criu_has_nftables(path), -1);
	ck_assert_int_eq(criu_has_nftables("/nonexistent/criu"), -1);
	close(fd);
	unlink(path);
}
END_TEST

/* The version gates `ckpt check` shows come from the library's own table. */
START_TEST(criu_version_needed_by_options)
{
	ckpt_opts *o;
	const char *what = "x";

	ck_assert_int_eq(ckpt_opts_criu_version_needed(NULL, NULL), -EINVAL);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_criu_version_needed(o, &what), 0);
	ck_assert_ptr_null(what);
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_TCP_CLOSE, 1), 0);
	ck_assert_int_eq(ckpt_opts_criu_version_needed(o, &what), 30900);
	ck_assert_str_eq(what, "--tcp-close");
	ck_assert_int_eq(ckpt_opts_set_status_fd(o, STDOUT_FILENO), 0);
	ck_assert_int_eq(ckpt_opts_criu_version_needed(o, &what), 31500);
	ck_assert_str_eq(what, "--status-fd");
	ck_assert_int_eq(ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_SKIP), 0);
	ck_assert_int_eq(ckpt_opts_criu_version_needed(o, &what), 31900);
	ck_assert_str_eq(what, "--network-lock skip");
	ckpt_opts_free(o);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_lsm_profile(o, "selinux:x"), 0); /* a restore option counts too */
	ck_assert_int_eq(ckpt_opts_criu_version_needed(o, NULL), 31200);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(global_options)
{
	struct global_args g;
	const char *out;

	ck_assert_int_eq(global_parse(ARGC("ckpt", "--criu", "/x/criu", "--log", "/l", "--log-format", "json",
					   "--debug", "checkpoint", "--pid", "1"),
				      ARGV("ckpt", "--criu", "/x/criu", "--log", "/l", "--log-format", "json",
					   "--debug", "checkpoint", "--pid", "1"),
				      &g),
			 8);
	ck_assert_str_eq(g.criu, "/x/criu");
	ck_assert_str_eq(g.log_file, "/l");
	ck_assert(g.log_json && g.debug);
	capture_start();
	ck_assert_int_eq(global_parse(ARGC("ckpt", "--log-format", "xml", "check"),
				      ARGV("ckpt", "--log-format", "xml", "check"), &g),
			 -EINVAL);
	out = capture_end();
	ck_assert(strstr(out, "--log-format: invalid value `xml`"));
	capture_start();
	ck_assert_int_eq(global_parse(ARGC("ckpt"), ARGV("ckpt"), &g), -EINVAL);
	out = capture_end();
	ck_assert(strstr(out, "no command given"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_test(tc, checkpoint_every_flag);
	tcase_add_test(tc, checkpoint_defaults_and_pre_dump);
	tcase_add_test(tc, checkpoint_options_reach_the_request);
	tcase_add_test(tc, checkpoint_ext_unix_sk_inodes);
	tcase_add_test(tc, checkpoint_parent_path_beside_a_new_image_path);
	tcase_add_test(tc, checkpoint_bad_values);
	tcase_add_test(tc, checkpoint_status_fd_must_be_writable);
	tcase_add_test(tc, help_returns_zero);
	tcase_add_test(tc, container_ids);
	tcase_add_test(tc, restore_every_flag);
	tcase_add_test(tc, restore_bad_values);
	tcase_add_test(tc, empty_paths_are_named);
	tcase_add_test(tc, page_server_value_one_message);
	tcase_add_test(tc, version_json_error_is_an_object);
	tcase_add_test(tc, cgroup_layout_from_mountinfo);
	tcase_add_test(tc, lsm_lists_and_lines);
	tcase_add_test(tc, programs_are_found_and_run);
	tcase_add_test(tc, criu_nftables_from_the_binary);
	tcase_add_test(tc, criu_version_needed_by_options);
	tcase_add_test(tc, global_options);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
