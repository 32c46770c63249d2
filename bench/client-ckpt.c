/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libckpt called in-process: one operation, timed around the library calls
 * (options included), without any exec of a CLI. Prints one line on stdout:
 *
 *   wall_ns=N pid=P hwm_kb=K      (K: this process's peak RSS, VmHWM)
 *
 *   bench-client-ckpt CRIU dump PID IMAGES [ADDRESS PORT]   (page server)
 *   bench-client-ckpt CRIU restore IMAGES
 *   bench-client-ckpt CRIU version
 *   bench-client-ckpt CRIU cdump RUNTIME ID IMAGES
 *   bench-client-ckpt CRIU crestore RUNTIME ID IMAGES BUNDLE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

#include "ckpt.h"

struct op {
	ckpt_opts *o;
	ckpt_container_opts *co;
	ckpt_result *res;
	ckpt_error *err;
	int version;
};

static int
set_runtime(struct op *x, const char *name)
{
	enum ckpt_runtime rt;

	if (ckpt_runtime_from_name(name, &rt) < 0)
		return -1;
	return ckpt_container_opts_set_runtime(x->co, rt);
}

/* Runs argv[0] with its arguments; -2 for bad arguments. */
static int
run(struct op *x, int argc, char **argv)
{
	const char *op = argv[0];

	if (strcmp(op, "dump") == 0 && (argc == 3 || argc == 5)) {
		ckpt_opts_set_pid(x->o, atoi(argv[1]));
		ckpt_opts_set_images_dir(x->o, argv[2]);
		if (argc == 5)
			ckpt_opts_set_page_server(x->o, argv[3], atoi(argv[4]));
		return ckpt_tree_dump(x->o, &x->res, &x->err);
	}
	if (strcmp(op, "restore") == 0 && argc == 2) {
		ckpt_opts_set_images_dir(x->o, argv[1]);
		return ckpt_tree_restore(x->o, &x->res, &x->err);
	}
	if (strcmp(op, "version") == 0 && argc == 1)
		return ckpt_criu_version(x->o, &x->version, &x->err);
	if (strcmp(op, "cdump") == 0 && argc == 4 && set_runtime(x, argv[1]) == 0) {
		ckpt_opts_set_images_dir(x->o, argv[3]);
		return ckpt_container_dump(x->o, argv[2], x->co, &x->res, &x->err);
	}
	if (strcmp(op, "crestore") == 0 && argc == 5 && set_runtime(x, argv[1]) == 0) {
		ckpt_opts_set_images_dir(x->o, argv[3]);
		ckpt_container_opts_set_bundle(x->co, argv[4]);
		return ckpt_container_restore(x->o, argv[2], x->co, &x->res, &x->err);
	}
	return -2;
}

int
main(int argc, char **argv)
{
	struct op x = { 0 };
	uint64_t t0, t1;
	int r;

	if (argc < 3) {
		fprintf(stderr, "bench-client-ckpt: bad arguments\n");
		return 2;
	}
	t0 = now_ns();
	if (ckpt_opts_new(&x.o) < 0 || ckpt_container_opts_new(&x.co) < 0 || ckpt_opts_set_criu_path(x.o, argv[1]) < 0)
		return 1;
	r = run(&x, argc - 2, argv + 2);
	t1 = now_ns();
	if (r == -2) {
		fprintf(stderr, "bench-client-ckpt: bad arguments\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "bench-client-ckpt: %s\n", ckpt_error_message(x.err));
		ckpt_error_free(x.err);
		return 1;
	}
	printf("wall_ns=%llu pid=%d hwm_kb=%ld\n", (unsigned long long)(t1 - t0), (int)ckpt_result_pid(x.res),
	       vm_hwm_kb());
	ckpt_result_free(x.res);
	ckpt_container_opts_free(x.co);
	ckpt_opts_free(x.o);
	return 0;
}
