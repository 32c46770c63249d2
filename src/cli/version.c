/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

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
print_json(const char *path, int version, const ckpt_error *err, int r)
{
	yajl_gen j = json_new();

	yajl_gen_map_open(j);
	json_kv_str(j, "ckpt_version", CKPT_VERSION);
	json_kv_str(j, "criu_path", path);
	json_kv_version(j, "criu_version", r < 0 ? 0 : version);
	if (r < 0) {
		json_str(j, "error");
		json_error_map(j, err, r);
	}
	yajl_gen_map_close(j);
	json_emit(j, stdout);
}

static void
print_text(const char *path, int version, const ckpt_error *err, int r)
{
	char ver[32];

	printf("ckpt version %s\n", CKPT_VERSION);
	format_version(version, ver, sizeof(ver));
	if (r >= 0)
		printf("criu %s (%s)\n", ver, path);
	else
		fprintf(stderr, "ckpt: %s\n", ckpt_error_message(err));
}

int
cmd_version(const struct global_args *g, int argc, char **argv)
{
	ckpt_opts *o = NULL;
	ckpt_error *err = NULL;
	char *path = NULL;
	bool json;
	int v = 0, r = parse_json_option("version", version_help, argc, argv, &json);

	if (r > 0 && optind < argc)
		r = usage_error("version", "unexpected argument `%s`", argv[optind]);
	if (r <= 0)
		return r == 0 ? EXIT_OK : EXIT_USAGE;
	if (ckpt_opts_new(&o) < 0 || apply_global(g, o) < 0)
		return EXIT_FAIL;
	r = ckpt_criu_path(o, &path, &err);
	if (r >= 0)
		r = ckpt_criu_version(o, &v, &err);
	if (json)
		print_json(path, v, err, r);
	else
		print_text(path, v, err, r);
	if (r < 0)
		log_event(g, "error", "version: %s", ckpt_error_message(err));
	free(path);
	ckpt_error_free(err);
	ckpt_opts_free(o);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
