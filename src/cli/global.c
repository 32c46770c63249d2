/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"

const struct command cli_commands[] = {
	{ "checkpoint", cmd_checkpoint, "checkpoint a process tree" },
	{ "restore", cmd_restore, "restore a process tree from a checkpoint" },
	{ "page-server", cmd_page_server, "receive a migration's memory pages (criu page server)" },
	{ "lazy-pages", cmd_lazy_pages, "serve a lazy restore's memory from a migration source" },
	{ "check", cmd_check, "check what criu, the kernel and ckpt support here" },
	{ "inspect", cmd_inspect, "show what a checkpoint holds and check its images" },
	{ "version", cmd_version, "print ckpt's and criu's versions" },
	{ "demo", cmd_demo, "checkpoint and restore a built-in counter, show it carried on" },
	{},
};

static void
main_help(void)
{
	printf("Usage: ckpt [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
	       "\n"
	       "Checkpoint and restore Linux process trees with criu.\n"
	       "\n"
	       "Commands:\n");
	for (const struct command *c = cli_commands; c->name; c++)
		printf("  %-12s %s\n", c->name, c->summary);
	printf("\n"
	       "Global options:\n"
	       "      --criu PATH          the criu binary (default: criu from PATH)\n"
	       "      --log FILE           append ckpt's log to FILE\n"
	       "      --log-format FORMAT  text or json\n"
	       "      --debug              debug messages in the log\n"
	       "  -h, --help               show this help\n"
	       "  -v, --version            print ckpt's version\n"
	       "\n"
	       "Run 'ckpt COMMAND --help' for a command's options.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error or bad input (a pid, path or id\n"
	       "refused before anything ran).\n");
}

static int
global_opt(int c, const char *arg, void *data)
{
	struct global_args *g = data;

	switch (c) {
	case 'c': g->criu = arg; return 0;
	case 'l': g->log_file = arg; return 0;
	case 'D': g->debug = true; return 0;
	case 'f':
		if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0)
			return usage_error(NULL, "--log-format: invalid value `%s` (text or json)", arg);
		g->log_json = strcmp(arg, "json") == 0;
		return 0;
	case 'h': main_help(); return OPTION_STOP;
	case 'v': printf("ckpt version %s\n", CKPT_VERSION); return OPTION_STOP;
	default: return usage_error(NULL, "unknown option");
	}
}

int
global_parse(int argc, char **argv, struct global_args *g)
{
	static const struct option options[] = {
		{ "criu", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{},
	};
	int r;

	memset(g, 0, sizeof(*g));
	r = parse_options(NULL, NULL, argc, argv, "+:hv", options, global_opt, g);
	if (r <= 0)
		return r;
	if (optind >= argc)
		return usage_error(NULL, "no command given");
	return optind;
}
