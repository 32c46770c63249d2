/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "commands.h"
#include "config.h"

static const char version_help[] = "Usage: ckpt version [--json]\n"
				   "\n"
				   "Print ckpt's version and the criu binary's path and version.\n"
				   "\n"
				   "Options:\n"
				   "      --json    print one JSON object\n"
				   "  -h, --help    show this help\n";

static void
print_json(const char *path, const char *criu_ver, const char *error)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

#define S(s) yajl_gen_string(j, (const unsigned char *)(s), strlen(s))
	yajl_gen_map_open(j);
	S("ckpt_version"), S(CKPT_VERSION);
	S("criu_path"), path ? S(path) : yajl_gen_null(j);
	S("criu_version"), criu_ver ? S(criu_ver) : yajl_gen_null(j);
	if (error)
		S("error"), S(error);
	yajl_gen_map_close(j);
#undef S
	yajl_gen_get_buf(j, &buf, &len);
	printf("%.*s\n", (int)len, buf);
	yajl_gen_free(j);
}

int
cmd_version(const struct global_args *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	ckpt_opts *o = NULL;
	ckpt_error *err = NULL;
	char *path = NULL, ver[32] = "";
	bool json = false;
	int c, v = 0, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(version_help, stdout), EXIT_OK;
		if (c != 'j')
			return usage_error("version", "unknown option `%s`", argv[optind - 1]), EXIT_USAGE;
		json = true;
	}
	if (optind < argc)
		return usage_error("version", "unexpected argument `%s`", argv[optind]), EXIT_USAGE;
	if (ckpt_opts_new(&o) < 0 || apply_global(g, o) < 0)
		return EXIT_FAIL;
	r = ckpt_criu_path(o, &path, &err);
	if (r >= 0)
		r = ckpt_criu_version(o, &v, &err);
	if (r >= 0)
		snprintf(ver, sizeof(ver), "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	if (json) {
		print_json(path, r >= 0 ? ver : NULL, r < 0 ? ckpt_error_message(err) : NULL);
	} else {
		printf("ckpt version %s\n", CKPT_VERSION);
		if (r >= 0)
			printf("criu %s (%s)\n", ver, path);
		else
			fprintf(stderr, "ckpt: %s\n", ckpt_error_message(err));
	}
	if (r < 0)
		log_event(g, "error", "version: %s", ckpt_error_message(err));
	free(path);
	ckpt_error_free(err);
	ckpt_opts_free(o);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
