/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "cli.h"
#include "commands.h"

int
main(int argc, char **argv)
{
	struct global_args g;
	int i = global_parse(argc, argv, &g);

	if (i <= 0)
		return i == 0 ? EXIT_OK : EXIT_USAGE;
	for (const struct command *c = cli_commands; c->name; c++) {
		if (strcmp(argv[i], c->name) == 0)
			return run_logged(&g, c, argc - i, argv + i);
	}
	usage_error(NULL, "unknown command `%s`", argv[i]);
	log_event(&g, "error", "unknown command `%s`", argv[i]);
	return EXIT_USAGE;
}
