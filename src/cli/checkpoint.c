/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"

static const char checkpoint_help[] =
	"Usage: ckpt checkpoint [OPTIONS] --pid PID\n"
	"       ckpt checkpoint [OPTIONS] CONTAINER-ID\n"
	"\n"
	"Checkpoint the process tree rooted at PID, or an OCI container (runc, crun,\n"
	"youki) by its id, with criu.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID                 root of the process tree to checkpoint\n"
	"      --runtime NAME            the container's runtime: runc, crun or youki (default: look in all)\n"
	"      --root DIR                the runtime's state root (its --root; needs --runtime)\n"
	"      --image-path DIR          where to write the checkpoint (default: ./checkpoint)\n"
	"      --work-path DIR           where criu writes its log and stats (default: the image path)\n"
	"      --parent-path DIR         parent images of an incremental dump, relative to the image path\n"
	"      --leave-running           leave the process tree running after the checkpoint\n"
	"      --tcp-established         checkpoint established TCP connections\n"
	"      --tcp-skip-in-flight      skip in-flight (half-open) TCP connections\n"
	"      --tcp-close               do not lock or dump established connections, restore them closed\n"
	"      --link-remap              allow link remaps of unlinked open files\n"
	"      --ext-unix-sk[=INO,...]   allow unix sockets connected to a peer outside the tree; a stream\n"
	"                                socket only by its inode INO (restore it with --inherit-fd)\n"
	"      --shell-job               the tree is a shell job (on a terminal, in the caller's session)\n"
	"      --lazy-pages              leave memory behind and serve it to a lazy restore (post-copy)\n"
	"      --status-fd FD            write one byte to FD when the lazy page server is ready\n"
	"      --page-server ADDRESS:PORT  send pages to criu's page server at ADDRESS:PORT\n"
	"                                (with --lazy-pages: serve pages on PORT)\n"
	"      --file-locks              checkpoint file locks\n"
	"      --pre-dump                dump memory only, the tree keeps running\n"
	"      --manage-cgroups-mode MODE  cgroups mode: soft, full, strict, ignore (also props, none)\n"
	"      --empty-ns NS             create namespace NS empty on restore (criu supports: network)\n"
	"      --auto-dedup              remove from the parent images the pages this dump rewrites\n"
	"      --network-lock METHOD     lock the network with iptables, nftables or skip\n"
	"      --no-staging              write straight into the image path (no atomic replace)\n"
	"      --timeout SECONDS         give up (criu killed, tasks resumed) after SECONDS\n"
	"      --json                    print the result (or the error) as one JSON object\n"
	"  -q, --quiet                   print nothing on success\n"
	"  -h, --help                    show this help\n";

enum {
	OPT_IMAGE_PATH = 0x100,
	OPT_WORK_PATH,
	OPT_PARENT_PATH,
	OPT_LEAVE_RUNNING,
	OPT_TCP_ESTABLISHED,
	OPT_TCP_SKIP_IN_FLIGHT,
	OPT_TCP_CLOSE,
	OPT_LINK_REMAP,
	OPT_EXT_UNIX_SK,
	OPT_SHELL_JOB,
	OPT_LAZY_PAGES,
	OPT_STATUS_FD,
	OPT_PAGE_SERVER,
	OPT_FILE_LOCKS,
	OPT_PRE_DUMP,
	OPT_CG_MODE,
	OPT_EMPTY_NS,
	OPT_AUTO_DEDUP,
	OPT_NETWORK_LOCK,
	OPT_NO_STAGING,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_RUNTIME,
	OPT_ROOT,
};

static const struct option checkpoint_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "image-path", required_argument, NULL, OPT_IMAGE_PATH },
	{ "work-path", required_argument, NULL, OPT_WORK_PATH },
	{ "parent-path", required_argument, NULL, OPT_PARENT_PATH },
	{ "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
	{ "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
	{ "tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP_IN_FLIGHT },
	{ "tcp-close", no_argument, NULL, OPT_TCP_CLOSE },
	{ "link-remap", no_argument, NULL, OPT_LINK_REMAP },
	{ "ext-unix-sk", optional_argument, NULL, OPT_EXT_UNIX_SK },
	{ "shell-job", no_argument, NULL, OPT_SHELL_JOB },
	{ "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
	{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
	{ "page-server", required_argument, NULL, OPT_PAGE_SERVER },
	{ "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
	{ "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
	{ "manage-cgroups-mode", required_argument, NULL, OPT_CG_MODE },
	{ "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
	{ "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
	{ "network-lock", required_argument, NULL, OPT_NETWORK_LOCK },
	{ "no-staging", no_argument, NULL, OPT_NO_STAGING },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static int
check_status_fd(const char *s, int *ret)
{
	long fd;
	int fl;

	if (parse_int("--status-fd", s, 0, 1 << 20, &fd) < 0)
		return -EINVAL;
	fl = fcntl((int)fd, F_GETFL);
	if (fl < 0)
		return usage_error("checkpoint", "--status-fd: fd %ld is not open", fd);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return usage_error("checkpoint", "--status-fd: fd %ld is not open for writing", fd);
	*ret = (int)fd;
	return 0;
}

/* --ext-unix-sk=INO,...: the inodes of the tree's sockets whose peer is outside. */
static int
check_unix_inodes(const char *s)
{
	const char *p = s;
	char *end;

	do {
		if (*p < '1' || *p > '9' || strtoul(p, &end, 10) > UINT32_MAX || (*end && *end != ','))
			return usage_error("checkpoint", "--ext-unix-sk: `%s` is not a list of socket inodes", s);
		p = end + 1;
	} while (*end);
	return 0;
}

static int
add_unix_inodes(const char *s, ckpt_opts *o)
{
	char item[32];
	char *end;
	int r = 0;

	for (const char *p = s; p && *p; p = *end ? end + 1 : NULL) {
		snprintf(item, sizeof(item), "unix[%lu]", strtoul(p, &end, 10));
		r |= ckpt_opts_add_external(o, item);
	}
	return r;
}

static int
checkpoint_opt(int c, const char *arg, void *data)
{
	struct checkpoint_args *a = data;
	long v;

	switch (c) {
	case 'p':
		if (parse_int("--pid", arg, 1, (1 << 22), &v) < 0)
			return -EINVAL;
		a->pid = (pid_t)v;
		return 0;
	case OPT_IMAGE_PATH: return parse_path("checkpoint", "--image-path", arg, &a->image_path);
	case OPT_WORK_PATH: return parse_path("checkpoint", "--work-path", arg, &a->work_path);
	case OPT_PARENT_PATH: return parse_path("checkpoint", "--parent-path", arg, &a->parent_path);
	case OPT_LEAVE_RUNNING: a->leave_running = true; return 0;
	case OPT_TCP_ESTABLISHED: a->tcp_established = true; return 0;
	case OPT_TCP_SKIP_IN_FLIGHT: a->tcp_skip_in_flight = true; return 0;
	case OPT_TCP_CLOSE: a->tcp_close = true; return 0;
	case OPT_LINK_REMAP: a->link_remap = true; return 0;
	case OPT_EXT_UNIX_SK:
		a->ext_unix_sk = true;
		a->ext_unix_inodes = arg;
		return arg ? check_unix_inodes(arg) : 0;
	case OPT_SHELL_JOB: a->shell_job = true; return 0;
	case OPT_LAZY_PAGES: a->lazy_pages = true; return 0;
	case OPT_FILE_LOCKS: a->file_locks = true; return 0;
	case OPT_PRE_DUMP: a->pre_dump = true; return 0;
	case OPT_AUTO_DEDUP: a->auto_dedup = true; return 0;
	case OPT_NO_STAGING: a->no_staging = true; return 0;
	case OPT_JSON: a->json = true; return 0;
	case OPT_RUNTIME: return parse_runtime("checkpoint", arg, &a->runtime);
	case OPT_ROOT: return parse_path("checkpoint", "--root", arg, &a->root);
	case 'q': a->quiet = true; return 0;
	case OPT_STATUS_FD: return check_status_fd(arg, &a->status_fd);
	case OPT_PAGE_SERVER:
		free(a->ps_address);
		a->ps_address = NULL;
		a->has_ps = parse_page_server(arg, &a->ps_address, &a->ps_port) == 0;
		return a->has_ps ? 0 : -EINVAL;
	case OPT_CG_MODE: return parse_cg_mode(arg, &a->cg_mode);
	case OPT_NETWORK_LOCK: return parse_network_lock(arg, &a->netlock);
	case OPT_EMPTY_NS: return add_empty_ns("checkpoint", arg, a->empty_ns, &a->n_empty_ns);
	case OPT_TIMEOUT: return parse_int("--timeout", arg, 1, 86400, &a->timeout_s);
	default: return usage_error("checkpoint", "unknown option");
	}
}

/*
 * PARENT as criu resolves it from inside the image path, which a first final
 * dump has not created yet: "../pre" is the image path's sibling `pre` (the
 * staging directory criu writes into is a sibling too).
 */
static char *
parent_images_path(const char *image_path, const char *parent)
{
	char *copy, *p = NULL;

	if (strncmp(parent, "../", 3) != 0 && strcmp(parent, "..") != 0)
		return asprintf(&p, "%s/%s", image_path, parent) < 0 ? NULL : p;
	copy = strdup(image_path);
	if (copy && asprintf(&p, "%s/%s", dirname(copy), parent + (parent[2] ? 3 : 2)) < 0)
		p = NULL;
	free(copy);
	return p;
}

/* Checks between options, once all are known. */
static int
checkpoint_validate(struct checkpoint_args *a)
{
	struct stat st;
	char *p;

	if (!a->pid && !a->container_id)
		return usage_error("checkpoint", "--pid PID or a container id is required");
	if (a->pid && a->container_id)
		return usage_error("checkpoint", "give either --pid PID or a container id, not both");
	if ((a->runtime || a->root) && !a->container_id)
		return usage_error("checkpoint", "--runtime and --root are for containers");
	if (a->root && !a->runtime)
		return usage_error("checkpoint", "--root needs --runtime");
	if (a->container_id && a->pre_dump)
		return usage_error("checkpoint", "--pre-dump of a container is not supported");
	if (a->lazy_pages && !a->has_ps)
		return usage_error("checkpoint", "--lazy-pages needs --page-server ADDRESS:PORT (the port the lazy "
						 "page server listens on)");
	if (a->status_fd >= 0 && !a->lazy_pages)
		return usage_error("checkpoint", "--status-fd is only written with --lazy-pages");
	if (a->pre_dump && a->lazy_pages)
		return usage_error("checkpoint", "--pre-dump and --lazy-pages cannot be combined");
	if (a->tcp_close && a->tcp_established)
		return usage_error("checkpoint", "--tcp-close and --tcp-established cannot be combined");
	if (!a->parent_path)
		return 1;
	if (a->parent_path[0] == '/')
		return usage_error("checkpoint", "--parent-path must be relative to the image path, not `%s`",
				   a->parent_path);
	if (!(p = parent_images_path(a->image_path, a->parent_path)))
		return -ENOMEM;
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		usage_error("checkpoint", "--parent-path: `%s` (relative to the image path) is not a directory",
			    a->parent_path);
		free(p);
		return -EINVAL;
	}
	free(p);
	return 1;
}

int
checkpoint_parse(int argc, char **argv, struct checkpoint_args *a)
{
	int r;

	memset(a, 0, sizeof(*a));
	a->status_fd = -1;
	a->image_path = "checkpoint";
	r = parse_options("checkpoint", checkpoint_help, argc, argv, "+:p:qh", checkpoint_options, checkpoint_opt, a);
	if (r <= 0)
		return r;
	if (optind < argc)
		a->container_id = argv[optind++];
	if (optind < argc)
		return usage_error("checkpoint", "unexpected argument `%s` (one container id at most)", argv[optind]);
	if (a->container_id && (r = container_id_usage("checkpoint", a->container_id)) < 0)
		return r;
	return checkpoint_validate(a);
}

void
checkpoint_args_free(struct checkpoint_args *a)
{
	free(a->ps_address);
	a->ps_address = NULL;
}

int
checkpoint_build_opts(const struct checkpoint_args *a, ckpt_opts *o)
{
	int r = 0;

	if (a->pid)
		r |= ckpt_opts_set_pid(o, a->pid);
	r |= ckpt_opts_set_images_dir(o, a->image_path);
	if (a->work_path)
		r |= ckpt_opts_set_work_dir(o, a->work_path);
	if (a->parent_path)
		r |= ckpt_opts_set_parent_path(o, a->parent_path);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, a->leave_running);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_TCP_ESTABLISHED, a->tcp_established);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_TCP_SKIP_IN_FLIGHT, a->tcp_skip_in_flight);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_TCP_CLOSE, a->tcp_close);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_LINK_REMAP, a->link_remap);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_EXT_UNIX_SK, a->ext_unix_sk);
	if (a->ext_unix_inodes)
		r |= add_unix_inodes(a->ext_unix_inodes, o);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_SHELL_JOB, a->shell_job);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_LAZY_PAGES, a->lazy_pages);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_FILE_LOCKS, a->file_locks);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_AUTO_DEDUP, a->auto_dedup);
	r |= ckpt_opts_set_flag(o, CKPT_FLAG_STAGING, !a->no_staging);
	if (a->status_fd >= 0)
		r |= ckpt_opts_set_status_fd(o, a->status_fd);
	if (a->has_ps)
		r |= ckpt_opts_set_page_server(o, a->ps_address, a->ps_port);
	r |= ckpt_opts_set_manage_cgroups_mode(o, a->cg_mode);
	r |= ckpt_opts_set_network_lock(o, a->netlock);
	for (int i = 0; i < a->n_empty_ns; i++)
		r |= ckpt_opts_add_empty_ns(o, a->empty_ns[i]);
	if (a->timeout_s)
		r |= ckpt_opts_set_timeout(o, (unsigned)a->timeout_s * 1000u);
	return r ? -EINVAL : 0;
}

static int
checkpoint_container(const struct checkpoint_args *a, const ckpt_opts *o, ckpt_result **res, ckpt_error **err)
{
	ckpt_container_opts *co = NULL;
	int r = container_opts_build(a->runtime, a->root, NULL, NULL, &co);

	if (r >= 0)
		r = ckpt_container_dump(o, a->container_id, co, res, err);
	ckpt_container_opts_free(co);
	return r;
}

static int
checkpoint_build(const void *args, ckpt_opts *o)
{
	return checkpoint_build_opts(args, o);
}

static int
checkpoint_run(const void *args, const ckpt_opts *o, ckpt_result **res, ckpt_error **err)
{
	const struct checkpoint_args *a = args;

	if (a->container_id)
		return checkpoint_container(a, o, res, err);
	return a->pre_dump ? ckpt_tree_pre_dump(o, res, err) : ckpt_tree_dump(o, res, err);
}

/* SIGINT, SIGTERM and SIGHUP cancel it: criu is stopped, the tree resumes. */
static void
checkpoint_before(const void *args, struct operation *op)
{
	const struct checkpoint_args *a = args;

	catch_stop_signals(op->o);
	if (a->container_id)
		log_event(op->out.g, "info", "checkpoint container %s into %s", a->container_id, a->image_path);
	else
		log_event(op->out.g, "info", "checkpoint pid %d into %s", a->pid, a->image_path);
}

/* A cancelled checkpoint exits 128+signal. */
static int
checkpoint_after(const void *args, struct operation *op, int ret)
{
	const struct checkpoint_args *a = args;

	if (ret != EXIT_OK)
		return cli_stop_signal ? 128 + cli_stop_signal : ret;
	return print_checkpoint(&op->out, op->res, a->pre_dump);
}

static const struct operation_kind checkpoint_kind = {
	.cmd = "checkpoint",
	.build = checkpoint_build,
	.run = checkpoint_run,
	.before = checkpoint_before,
	.after = checkpoint_after,
};

int
cmd_checkpoint(const struct global_args *g, int argc, char **argv)
{
	struct checkpoint_args a;
	int ret = checkpoint_parse(argc, argv, &a);

	if (ret > 0)
		ret = operation_main(&checkpoint_kind, g, &a, a.json, a.quiet);
	else
		ret = ret == 0 ? EXIT_OK : EXIT_USAGE;
	checkpoint_args_free(&a);
	return ret;
}
