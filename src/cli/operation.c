/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The flow `ckpt checkpoint` and `ckpt restore` share: build, run, report, free. */
#include <errno.h>
#include <string.h>

#include "cli.h"

static int
operation_begin(struct operation *op, const struct global_args *g, const char *cmd, bool json, bool quiet,
		operation_build_fn build, const void *args)
{
	int r;

	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	out_init(&op->out, g, json, quiet);
	r = ckpt_opts_new(&op->o);
	if (r >= 0)
		r = build(args, op->o);
	if (r >= 0)
		r = apply_global(g, op->o);
	if (r >= 0)
		return EXIT_OK;
	/* the parsers check every value: what is left is running out of memory */
	fprintf(stderr, "ckpt: %s: cannot build the request: %s\n", cmd, strerror(-r));
	return r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

static int
operation_run(struct operation *op, const char *verb, operation_run_fn fn, const void *args)
{
	struct progress p = { .out = &op->out, .verb = verb };
	int r;

	ckpt_opts_set_notify(op->o, progress_notify, &p);
	progress_start(&p);
	r = fn(args, op->o, &op->res, &op->err);
	progress_done(&p);
	ckpt_opts_set_notify(op->o, NULL, NULL); /* p is gone */
	if (r < 0)
		return out_error(&op->out, op->cmd, op->err, r);
	return EXIT_OK;
}

static void
operation_end(struct operation *op)
{
	ckpt_error_free(op->err);
	ckpt_result_free(op->res);
	ckpt_opts_free(op->o);
	op->err = NULL;
	op->res = NULL;
	op->o = NULL;
}

int
operation_main(const struct operation_kind *k, const struct global_args *g, const void *args, bool json, bool quiet)
{
	struct operation op;
	int ret = operation_begin(&op, g, k->cmd, json, quiet, k->build, args);

	if (ret == EXIT_OK) {
		if (k->before)
			k->before(args, &op);
		ret = operation_run(&op, k->cmd, k->run, args);
		if (k->after)
			ret = k->after(args, &op, ret);
	}
	operation_end(&op);
	return ret;
}
