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
	"port once it listens. SIGINT or SIGTERM stop it.\n"
	"\n"
	"Options:\n"
	"      --image-path DIR    where the pages are written\n"
	"      --work-path DIR     where criu writes its log (default: the image path)\n"
	"      --address ADDRESS   numeric address to listen on (default: all)\n"
	"      --port PORT         port to listen on (0: any free port)\n"
	"      --json              print JSON lines: {pid, port} when listening, {exit_status} at the end\n"
	"  -h, --help              show this help\n";

static const char lazy_pages_help[] =
	"Usage: ckpt lazy-pages --image-path DIR --page-server ADDRESS:PORT\n"
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
	"  -h, --help              show this help\n";

static volatile int stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

static void
catch_stop(ckpt_opts *o)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o)
		ckpt_opts_set_cancel_flag(o, &stop_signal);
}

struct ps_args {
	const char *image_path, *work_path, *address;
	long port;
	bool has_port, json;
};

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
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(page_server_help, stdout); return 0;
		case 'i': a->image_path = optarg; break;
		case 'w': a->work_path = optarg; break;
		case 'a': a->address = optarg; break;
		case 'j': a->json = true; break;
		case 'p':
			if (parse_int("--port", optarg, 0, 65535, &a->port) < 0)
				return -EINVAL;
			a->has_port = true;
			break;
		default:
			return usage_error("page-server", "%s `%s`", c == ':' ? "missing value for" : "unknown option",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("page-server", "unexpected argument `%s`", argv[optind]);
	if (!a->image_path)
		return usage_error("page-server", "--image-path DIR is required");
	if (!a->has_port)
		return usage_error("page-server", "--port PORT is required");
	return 1;
}

static void
ps_report(const struct ps_args *a, const ckpt_page_server *ps)
{
	if (a->json)
		printf("{\"pid\":%d,\"port\":%d}\n", ckpt_page_server_pid(ps), ckpt_page_server_port(ps));
	else
		printf("page server pid %d listening on %s:%d, writing to %s\n", ckpt_page_server_pid(ps),
		       a->address ? a->address : "*", ckpt_page_server_port(ps), a->image_path);
	fflush(stdout);
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
	if (ckpt_opts_new(&o) < 0 || apply_global(g, o) < 0 || ckpt_opts_set_images_dir(o, a.image_path) < 0 ||
	    (a.work_path && ckpt_opts_set_work_dir(o, a.work_path) < 0) ||
	    ckpt_opts_set_page_server(o, a.address, (int)a.port) < 0) {
		ckpt_opts_free(o);
		return EXIT_USAGE;
	}
	catch_stop(o);
	r = ckpt_page_server_start(o, &ps, &err);
	if (r >= 0) {
		ps_report(&a, ps);
		r = ckpt_page_server_wait(ps, &st, &err);
	}
	if (r < 0 && stop_signal) {
		ret = 128 + stop_signal;
	} else if (r < 0) {
		ret = out_error(&out, "page-server", err, r);
	} else {
		ret = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? EXIT_OK : EXIT_FAIL;
		if (a.json)
			printf("{\"exit_status\":%d}\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		else
			printf("page server %s\n", ret == EXIT_OK ? "done" : "failed (see page-server.log)");
	}
	ckpt_page_server_free(ps);
	ckpt_error_free(err);
	ckpt_opts_free(o);
	return ret;
}

int
cmd_lazy_pages(const struct global_args *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "image-path", required_argument, NULL, 'i' },
		{ "work-path", required_argument, NULL, 'w' },
		{ "page-server", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *image = NULL, *work = NULL;
	char *addr = NULL;
	int port = 0, c, st, r;
	ckpt_opts *o = NULL;
	ckpt_error *err = NULL;
	pid_t pid = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(lazy_pages_help, stdout); return EXIT_OK;
		case 'i': image = optarg; break;
		case 'w': work = optarg; break;
		case 's':
			free(addr);
			addr = NULL;
			if (parse_page_server(optarg, &addr, &port) < 0)
				return EXIT_USAGE;
			break;
		default:
			free(addr);
			return usage_error("lazy-pages", "%s `%s`", c == ':' ? "missing value for" : "unknown option",
					   argv[optind - 1]),
			       EXIT_USAGE;
		}
	}
	if (optind < argc || !image || !addr) {
		free(addr);
		return usage_error("lazy-pages", optind < argc ? "unexpected argument"
							       : "--image-path DIR and "
								 "--page-server ADDRESS:PORT are required"),
		       EXIT_USAGE;
	}
	ckpt_opts_new(&o);
	apply_global(g, o);
	ckpt_opts_set_images_dir(o, image);
	if (work)
		ckpt_opts_set_work_dir(o, work);
	ckpt_opts_set_page_server(o, addr, port);
	free(addr);
	r = ckpt_lazy_pages_start(o, &pid, &err);
	ckpt_opts_free(o);
	if (r < 0) {
		out_error(NULL, "lazy-pages", err, r);
		ckpt_error_free(err);
		return EXIT_FAIL;
	}
	printf("lazy-pages daemon pid %d serving %s\n", pid, image);
	fflush(stdout);
	catch_stop(NULL);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return EXIT_FAIL;
		if (stop_signal && pid > 1)
			kill(pid, SIGTERM);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return EXIT_OK;
	fprintf(stderr, "ckpt: lazy-pages: criu lazy-pages failed (see lazy-pages.log in the work path)\n");
	return EXIT_FAIL;
}
