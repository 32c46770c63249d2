/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The receiving side of a migration: `ckpt page-server` and `ckpt lazy-pages`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char page_server_help[] =
	"Usage: ckpt page-server --image-path DIR [--address ADDRESS] --port PORT\n"
	"\n"
	"Run criu's page server: receive the memory pages of one `ckpt checkpoint\n"
	"--page-server ADDRESS:PORT` into DIR, then exit. Prints the page server's pid and\n"
	"port once it listens. SIGINT, SIGTERM or SIGHUP stop it.\n"
	"\n"
	"Options:\n"
	"      --image-path DIR    where the pages are written\n"
	"      --work-path DIR     where criu writes its log (default: the image path)\n"
	"      --address ADDRESS   numeric address to listen on (default: all)\n"
	"      --port PORT         port to listen on (0: any free port)\n"
	"      --json              print JSON lines: {pid, port} when listening, {exit_status} at the end\n"
	"  -h, --help              show this help\n";

static const char lazy_pages_help[] =
	"Usage: ckpt lazy-pages --image-path DIR --page-server ADDRESS:PORT [--json]\n"
	"\n"
	"Run criu's lazy-pages daemon for a post-copy restore: it fetches the memory of a\n"
	"`ckpt checkpoint --lazy-pages --page-server :PORT` from ADDRESS:PORT and serves it\n"
	"to `ckpt restore --lazy-pages` with the same image path (and work path). Start it\n"
	"before the restore; it exits once every page is transferred.\n"
	"\n"
	"Options:\n"
	"      --image-path DIR    a copy of the source's image directory\n"
	"      --work-path DIR     shared with the restore (default: the image path)\n"
	"      --page-server ADDRESS:PORT  where the source serves the pages\n"
	"      --json              print JSON lines: {pid} when started, {exit_status} at the end\n"
	"  -h, --help              show this help\n";

struct ps_args {
	const char *image_path, *work_path, *address;
	long port;
	bool has_port, json;
};

static int
page_server_opt(int c, const char *arg, void *data)
{
	struct ps_args *a = data;

	switch (c) {
	case 'i': return parse_path("page-server", "--image-path", arg, &a->image_path);
	case 'w': return parse_path("page-server", "--work-path", arg, &a->work_path);
	case 'a':
		if (!*arg)
			return usage_error("page-server",
					   "--address: the address is empty (leave it out to listen on all)");
		a->address = arg;
		return 0;
	case 'j': a->json = true; return 0;
	case 'p': a->has_port = true; return parse_int("--port", arg, 0, 65535, &a->port);
	default: return usage_error("page-server", "unknown option");
	}
}

static int
page_server_parse(int argc, char **argv, struct ps_args *a)
{
	static const struct option options[] = {
		{ "image-path", required_argument, NULL, 'i' },
		{ "work-path", required_argument, NULL, 'w' },
		{ "address", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int r;

	memset(a, 0, sizeof(*a));
	r = parse_options("page-server", page_server_help, argc, argv, "+:h", options, page_server_opt, a);
	if (r <= 0)
		return r;
	if (optind < argc)
		return usage_error("page-server", "unexpected argument `%s`", argv[optind]);
	if (!a->image_path)
		return usage_error("page-server", "--image-path DIR is required");
	if (!a->has_port)
		return usage_error("page-server", "--port PORT is required");
	return 1;
}

/* One JSON line {"KEY": N}. */
static void
json_line_int(const char *key, long long v, const char *key2, long long v2)
{
	yajl_gen j = json_new();

	yajl_gen_map_open(j);
	json_kv_int(j, key, v);
	if (key2)
		json_kv_int(j, key2, v2);
	yajl_gen_map_close(j);
	json_emit(j, stdout);
}

static void
ps_report(const struct ps_args *a, const ckpt_page_server *ps)
{
	if (a->json)
		json_line_int("pid", ckpt_page_server_pid(ps), "port", ckpt_page_server_port(ps));
	else
		printf("page server pid %d listening on %s:%d, writing to %s\n", ckpt_page_server_pid(ps),
		       a->address ? a->address : "*", ckpt_page_server_port(ps), a->image_path);
	fflush(stdout);
}

static int
exit_status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The request of both commands: criu, the images and work dirs, the page server. */
static int
migrate_opts(const struct global_args *g, const char *image, const char *work, const char *address, int port,
	     ckpt_opts **ret)
{
	ckpt_opts *o = NULL;
	int r = ckpt_opts_new(&o);

	if (r >= 0)
		r = apply_global(g, o);
	if (r >= 0)
		r = ckpt_opts_set_images_dir(o, image);
	if (r >= 0 && work)
		r = ckpt_opts_set_work_dir(o, work);
	if (r >= 0)
		r = ckpt_opts_set_page_server(o, address, port);
	if (r < 0) {
		ckpt_opts_free(o);
		return r;
	}
	*ret = o;
	return 0;
}

int
cmd_page_server(const struct global_args *g, int argc, char **argv)
{
	struct ps_args a;
	ckpt_page_server *ps = NULL;
	ckpt_opts *o = NULL;
	ckpt_error *err = NULL;
	struct out out;
	int r, st = 0, ret;

	r = page_server_parse(argc, argv, &a);
	if (r <= 0)
		return r == 0 ? EXIT_OK : EXIT_USAGE;
	out_init(&out, g, a.json, false);
	if ((r = migrate_opts(g, a.image_path, a.work_path, a.address, (int)a.port, &o)) < 0)
		return out_error(&out, "page-server", NULL, r);
	catch_stop_signals(o);
	r = ckpt_page_server_start(o, &ps, &err);
	if (r >= 0) {
		ps_report(&a, ps);
		r = ckpt_page_server_wait(ps, &st, &err);
	}
	if (r < 0 && cli_stop_signal) {
		ret = 128 + cli_stop_signal;
	} else if (r < 0) {
		ret = out_error(&out, "page-server", err, r);
	} else {
		ret = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? EXIT_OK : EXIT_FAIL;
		if (a.json)
			json_line_int("exit_status", exit_status_of(st), NULL, 0);
		else
			printf("page server %s\n", ret == EXIT_OK ? "done" : "failed (see page-server.log)");
	}
	ckpt_page_server_free(ps);
	ckpt_error_free(err);
	ckpt_opts_free(o);
	return ret;
}

/* ------------------------------------------------------------------------ */

struct lazy_args {
	const char *image_path, *work_path;
	char *address;
	int port;
	bool json;
};

static int
lazy_opt(int c, const char *arg, void *data)
{
	struct lazy_args *a = data;

	switch (c) {
	case 'i': return parse_path("lazy-pages", "--image-path", arg, &a->image_path);
	case 'w': return parse_path("lazy-pages", "--work-path", arg, &a->work_path);
	case 'j': a->json = true; return 0;
	case 's':
		free(a->address);
		a->address = NULL;
		return parse_page_server(arg, &a->address, &a->port);
	default: return usage_error("lazy-pages", "unknown option");
	}
}

static int
lazy_parse(int argc, char **argv, struct lazy_args *a)
{
	static const struct option options[] = {
		{ "image-path", required_argument, NULL, 'i' },
		{ "work-path", required_argument, NULL, 'w' },
		{ "page-server", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int r;

	memset(a, 0, sizeof(*a));
	r = parse_options("lazy-pages", lazy_pages_help, argc, argv, "+:h", options, lazy_opt, a);
	if (r <= 0)
		return r;
	if (optind < argc)
		return usage_error("lazy-pages", "unexpected argument `%s`", argv[optind]);
	if (!a->image_path || !a->address)
		return usage_error("lazy-pages", "--image-path DIR and --page-server ADDRESS:PORT are required");
	return 1;
}

static int
lazy_start(const struct global_args *g, const struct lazy_args *a, const struct out *out, pid_t *pid)
{
	ckpt_opts *o = NULL;
	ckpt_error *err = NULL;
	int r = migrate_opts(g, a->image_path, a->work_path, a->address, a->port, &o);

	if (r >= 0)
		r = ckpt_lazy_pages_start(o, pid, &err);
	ckpt_opts_free(o);
	if (r < 0) {
		out_error(out, "lazy-pages", err, r);
		ckpt_error_free(err);
	}
	return r;
}

/* Waits for the daemon; SIGINT/SIGTERM/SIGHUP stop it. Its wait status. */
static int
lazy_wait(pid_t pid, int *st)
{
	catch_stop_signals(NULL);
	while (waitpid(pid, st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (cli_stop_signal && pid > 1)
			kill(pid, SIGTERM);
	}
	return 0;
}

int
cmd_lazy_pages(const struct global_args *g, int argc, char **argv)
{
	struct lazy_args a;
	struct out out;
	pid_t pid = 0;
	int r = lazy_parse(argc, argv, &a), st = 0;

	if (r <= 0) {
		free(a.address);
		return r == 0 ? EXIT_OK : EXIT_USAGE;
	}
	out_init(&out, g, a.json, false);
	r = lazy_start(g, &a, &out, &pid);
	free(a.address);
	if (r < 0)
		return EXIT_FAIL;
	if (a.json)
		json_line_int("pid", pid, NULL, 0);
	else
		printf("lazy-pages daemon pid %d serving %s\n", pid, a.image_path);
	fflush(stdout);
	if ((r = lazy_wait(pid, &st)) < 0)
		return fprintf(stderr, "ckpt: lazy-pages: waitpid: %s\n", strerror(-r)), EXIT_FAIL;
	if (a.json)
		json_line_int("exit_status", exit_status_of(st), NULL, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return EXIT_OK;
	fprintf(stderr, "ckpt: lazy-pages: criu lazy-pages failed (see lazy-pages.log in the work path)\n");
	return EXIT_FAIL;
}
