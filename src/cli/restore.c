/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char restore_help[] =
	"Usage: ckpt restore [OPTIONS]\n"
	"       ckpt restore [OPTIONS] CONTAINER-ID\n"
	"\n"
	"Restore a process tree from a checkpoint made by ckpt (or criu), or an OCI\n"
	"container from one made by ckpt or `runc checkpoint`. Without --detach, ckpt\n"
	"stays the tree's parent, forwards signals to it and exits with its status.\n"
	"\n"
	"Options:\n"
	"      --runtime NAME            the container's runtime: runc, crun or youki\n"
	"      --root DIR                the runtime's state root (its --root; needs --runtime)\n"
	"  -b, --bundle DIR              the container's bundle (default: recorded in the checkpoint)\n"
	"      --console-socket PATH     send a terminal container's new pty master to PATH\n"
	"      --image-path DIR          the checkpoint to restore (default: ./checkpoint)\n"
	"      --work-path DIR           where criu writes its log (default: the image path)\n"
	"  -d, --detach                  return once the tree runs\n"
	"      --pid-file FILE           write the restored root's pid to FILE\n"
	"      --tcp-established         restore established TCP connections\n"
	"      --tcp-close               restore TCP connections closed\n"
	"      --ext-unix-sk             allow unix sockets connected to a peer outside the tree\n"
	"      --shell-job               the tree is a shell job (joins this terminal and session)\n"
	"      --file-locks              restore file locks\n"
	"      --manage-cgroups-mode MODE  cgroups mode: soft, full, strict, ignore (also props, none)\n"
	"      --no-subreaper            do not reap the tree's orphans (without --detach)\n"
	"      --empty-ns NS             leave namespace NS empty (criu supports: network)\n"
	"      --auto-dedup              punch restored pages out of the images\n"
	"      --lazy-pages              restore memory lazily from criu's lazy-pages daemon\n"
	"      --lsm-profile TYPE:NAME   LSM profile for the restored tasks (apparmor:NAME, selinux:CTX)\n"
	"      --lsm-mount-context CTX   SELinux mount context of the restored mounts\n"
	"      --inherit-fd fd[N]:KEY    restore resource KEY (e.g. pipe:[1234]) from this fd N\n"
	"      --timeout SECONDS         give up (criu killed) after SECONDS\n"
	"      --json                    print the result (or the error) as one JSON object\n"
	"  -q, --quiet                   print nothing on success\n"
	"  -h, --help                    show this help\n";

enum {
	OPT_IMAGE_PATH = 0x100,
	OPT_WORK_PATH,
	OPT_PID_FILE,
	OPT_TCP_ESTABLISHED,
	OPT_TCP_CLOSE,
	OPT_EXT_UNIX_SK,
	OPT_SHELL_JOB,
	OPT_FILE_LOCKS,
	OPT_CG_MODE,
	OPT_NO_SUBREAPER,
	OPT_EMPTY_NS,
	OPT_AUTO_DEDUP,
	OPT_LAZY_PAGES,
	OPT_LSM_PROFILE,
	OPT_LSM_MOUNT_CONTEXT,
	OPT_INHERIT_FD,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_RUNTIME,
	OPT_ROOT,
	OPT_CONSOLE_SOCKET,
};

static const struct option restore_options[] = {
	{ "image-path", required_argument, NULL, OPT_IMAGE_PATH },
	{ "work-path", required_argument, NULL, OPT_WORK_PATH },
	{ "detach", no_argument, NULL, 'd' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
	{ "tcp-close", no_argument, NULL, OPT_TCP_CLOSE },
	{ "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
	{ "shell-job", no_argument, NULL, OPT_SHELL_JOB },
	{ "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
	{ "manage-cgroups-mode", required_argument, NULL, OPT_CG_MODE },
	{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
	{ "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
	{ "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
	{ "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
	{ "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
	{ "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
	{ "inherit-fd", required_argument, NULL, OPT_INHERIT_FD },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "bundle", required_argument, NULL, 'b' },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static int
add_inherit(struct restore_args *a, const char *arg)
{
	if (a->n_inherit >= MAX_INHERIT)
		return usage_error("restore", "--inherit-fd: at most %d", MAX_INHERIT);
	if (parse_inherit_fd(arg, &a->inherit_fd[a->n_inherit], &a->inherit_key[a->n_inherit]) < 0)
		return -EINVAL;
	a->n_inherit++;
	return 0;
}

static int
check_lsm_profile(const char *arg, struct restore_args *a)
{
	if (strncmp(arg, "apparmor:", 9) != 0 && strncmp(arg, "selinux:", 8) != 0)
		return usage_error("restore",
				   "--lsm-profile: invalid value `%s` (use apparmor:NAME or selinux:CONTEXT)", arg);
	a->lsm_profile = arg;
	return 0;
}

static int
restore_opt(int c, const char *arg, void *data)
{
	struct restore_args *a = data;

	switch (c) {
	case OPT_IMAGE_PATH: return parse_path("restore", "--image-path", arg, &a->image_path);
	case OPT_WORK_PATH: return parse_path("restore", "--work-path", arg, &a->work_path);
	case 'd': a->detach = true; return 0;
	case OPT_PID_FILE: return parse_path("restore", "--pid-file", arg, &a->pid_file);
	case OPT_TCP_ESTABLISHED: a->tcp_established = true; return 0;
	case OPT_TCP_CLOSE: a->tcp_close = true; return 0;
	case OPT_EXT_UNIX_SK: a->ext_unix_sk = true; return 0;
	case OPT_SHELL_JOB: a->shell_job = true; return 0;
	case OPT_FILE_LOCKS: a->file_locks = true; return 0;
	case OPT_NO_SUBREAPER: a->no_subreaper = true; return 0;
	case OPT_AUTO_DEDUP: a->auto_dedup = true; return 0;
	case OPT_LAZY_PAGES: a->lazy_pages = true; return 0;
	case OPT_JSON: a->json = true; return 0;
	case OPT_RUNTIME: return parse_runtime("restore", arg, &a->runtime);
	case OPT_ROOT: return parse_path("restore", "--root", arg, &a->root);
	case 'b': return parse_path("restore", "--bundle", arg, &a->bundle);
	case OPT_CONSOLE_SOCKET: return parse_path("restore", "--console-socket", arg, &a->console_socket);
	case 'q': a->quiet = true; return 0;
	case OPT_CG_MODE: return parse_cg_mode(arg, &a->cg_mode);
	case OPT_EMPTY_NS: return add_empty_ns("restore", arg, a->empty_ns, &a->n_empty_ns);
	case OPT_LSM_PROFILE: return check_lsm_profile(arg, a);
	case OPT_LSM_MOUNT_CONTEXT: a->lsm_mount_context = arg; return 0;
	case OPT_INHERIT_FD: return add_inherit(a, arg);
	case OPT_TIMEOUT: return parse_int("--timeout", arg, 1, 86400, &a->timeout_s);
	default: return usage_error("restore", "unknown option");
	}
}

/*
 * The pid file is written after the restore: a directory that cannot take
 * it is found out now, before a tree is restored that ckpt could not name.
 */
static int
check_pid_file(const char *path)
{
	char copy[4096];
	const char *dir;
	struct stat st;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return usage_error("restore", "--pid-file: the path is too long");
	dir = dirname(copy);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return usage_error("restore", "--pid-file: `%s` is a directory", path);
	if (stat(dir, &st) < 0)
		return usage_error("restore", "--pid-file: directory `%s`: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return usage_error("restore", "--pid-file: `%s` is not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return usage_error("restore", "--pid-file: directory `%s` is not writable: %s", dir, strerror(errno));
	return 0;
}

int
restore_parse(int argc, char **argv, struct restore_args *a)
{
	int r;

	memset(a, 0, sizeof(*a));
	a->image_path = "checkpoint";
	r = parse_options("restore", restore_help, argc, argv, "+:b:dqh", restore_options, restore_opt, a);
	if (r <= 0)
		return r;
	if (optind < argc)
		a->container_id = argv[optind++];
	if (optind < argc)
		return usage_error("restore", "unexpected argument `%s` (one container id at most)", argv[optind]);
	if (a->container_id && container_id_usage("restore", a->container_id) < 0)
		return -EINVAL;
	if (!a->container_id && (a->runtime || a->root || a->bundle || a->console_socket))
		return usage_error("restore", "--runtime, --root, --bundle and --console-socket are for containers");
	if (a->root && !a->runtime)
		return usage_error("restore", "--root needs --runtime");
	if (a->tcp_close && a->tcp_established)
		return usage_error("restore", "--tcp-close and --tcp-established cannot be combined");
	if (a->pid_file && check_pid_file(a->pid_file) < 0)
		return -EINVAL;
	return 1;
}

void
restore_args_free(struct restore_args *a)
{
	for (int i = 0; i < a->n_inherit; i++)
		free(a->inherit_key[i]);
	a->n_inherit = 0;
}

int
restore_build_opts(const struct restore_args *a, ckpt_opts *o)
{
	int r = 0;

	r |= ckpt_opts_set_images_dir(o, a->image_path);
	if (a->work_path)
		r |= ckpt_opts_set_work_dir(o, a->work_path);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_TCP_ESTABLISHED, a->tcp_established);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_TCP_CLOSE, a->tcp_close);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_EXT_UNIX_SK, a->ext_unix_sk);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_SHELL_JOB, a->shell_job);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_FILE_LOCKS, a->file_locks);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_AUTO_DEDUP, a->auto_dedup);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_LAZY_PAGES, a->lazy_pages);
	/* the restored root becomes ckpt's child, so ckpt can wait for it */
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1);
	r |= ckpt_opts_set_manage_cgroups_mode(o, a->cg_mode);
	for (int i = 0; i < a->n_empty_ns; i++)
		r |= ckpt_opts_add_empty_ns(o, a->empty_ns[i]);
	if (a->lsm_profile)
		r |= ckpt_opts_set_lsm_profile(o, a->lsm_profile);
	if (a->lsm_mount_context)
		r |= ckpt_opts_set_lsm_mount_context(o, a->lsm_mount_context);
	for (int i = 0; i < a->n_inherit; i++)
		r |= ckpt_opts_add_inherit_fd(o, a->inherit_key[i], a->inherit_fd[i]);
	if (a->timeout_s)
		r |= ckpt_opts_set_timeout(o, (unsigned)a->timeout_s * 1000u);
	return r ? -EINVAL : 0;
}

static int
write_pid_file(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d", pid);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

static volatile sig_atomic_t forwarded;

static void
forward_signal(int sig)
{
	forwarded = sig;
}

/* Stays the tree's parent: forwards signals, exits with its status. */
static int
wait_restored(pid_t pid)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal };
	int st;
	pid_t r;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	for (;;) {
		r = waitpid(-1, &st, 0);
		if (r < 0 && errno == EINTR) {
			if (forwarded && pid > 1)
				kill(pid, forwarded);
			forwarded = 0;
			continue;
		}
		if (r < 0)
			return EXIT_FAIL;
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

/* The container's stdio pipes become ckpt's own stdio, as with runc restore. */
static int
restore_container(const struct restore_args *a, const ckpt_opts *o, ckpt_result **res, ckpt_error **err)
{
	ckpt_container_opts *co = NULL;
	int r = container_opts_build(a->runtime, a->root, a->bundle, a->console_socket, &co);

	if (r >= 0)
		r = ckpt_container_restore(o, a->container_id, co, res, err);
	ckpt_container_opts_free(co);
	return r;
}

static int
restore_build(const void *args, ckpt_opts *o)
{
	return restore_build_opts(args, o);
}

static int
restore_run(const void *args, const ckpt_opts *o, ckpt_result **res, ckpt_error **err)
{
	const struct restore_args *a = args;

	return a->container_id ? restore_container(a, o, res, err) : ckpt_tree_restore(o, res, err);
}

/* Without -d, ckpt becomes the subreaper of the tree's orphans. */
static void
restore_before(const void *args, struct operation *op)
{
	const struct restore_args *a = args;

	if (!a->detach && !a->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* After a restore: the pid file, the result, then (without -d) the tree's end. */
static int
restore_after(const void *args, struct operation *op, int ret)
{
	const struct restore_args *a = args;
	pid_t pid = ckpt_result_pid(op->res);
	int r;

	if (ret != EXIT_OK)
		return ret;
	if (a->pid_file && (r = write_pid_file(a->pid_file, pid)) < 0) {
		fprintf(stderr, "ckpt: restore: write pid file `%s`: %s\n", a->pid_file, strerror(-r));
		return EXIT_FAIL;
	}
	print_restore(&op->out, op->res);
	return a->detach ? EXIT_OK : wait_restored(pid);
}

static const struct operation_kind restore_kind = {
	.cmd = "restore",
	.build = restore_build,
	.run = restore_run,
	.before = restore_before,
	.after = restore_after,
};

int
cmd_restore(const struct global_args *g, int argc, char **argv)
{
	struct restore_args a;
	int ret = restore_parse(argc, argv, &a);

	if (ret > 0)
		ret = operation_main(&restore_kind, g, &a, a.json, a.quiet);
	else
		ret = ret == 0 ? EXIT_OK : EXIT_USAGE;
	restore_args_free(&a);
	return ret;
}
