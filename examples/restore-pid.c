/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restore a process tree from a checkpoint and print the pid of its root.
 * The restored tree runs on after this program exits.
 *
 *   restore-pid DIR
 */
#include <ckpt.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	ckpt_opts *opts = NULL;
	ckpt_result *res = NULL;
	ckpt_error *err = NULL;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	if (ckpt_opts_new(&opts) < 0)
		return 1;
	ckpt_opts_set_images_dir(opts, argv[1]);
	r = ckpt_tree_restore(opts, &res, &err);
	if (r < 0)
		fprintf(stderr, "restore failed: %s\n", ckpt_error_message(err));
	else
		printf("restored pid %d\n", ckpt_result_pid(res));
	ckpt_result_free(res);
	ckpt_error_free(err);
	ckpt_opts_free(opts);
	return r < 0 ? 1 : 0;
}
