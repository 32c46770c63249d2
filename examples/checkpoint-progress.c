/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint a process tree and show its progress from criu's notifications.
 *
 *   checkpoint-progress PID DIR [--leave-running]
 *
 * Only the public header is used: build it with
 *   cc checkpoint-progress.c $(pkg-config --cflags --libs libckpt)
 */
#include <ckpt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct progress {
	struct timespec start;
};

static double
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* Called in this thread for every notification criu sends. */
static int
on_notify(const char *script, pid_t pid, int fd, void *userdata)
{
	struct progress *p = userdata;

	printf("[%8.1f ms] %s\n", elapsed_ms(&p->start), script);
	fflush(stdout);
	return 0; /* a negative value would make criu abort and resume the tree */
}

int
main(int argc, char **argv)
{
	struct progress p;
	ckpt_opts *opts = NULL;
	ckpt_result *res = NULL;
	ckpt_error *err = NULL;
	int r;

	if (argc < 3 || (argc == 4 && strcmp(argv[3], "--leave-running") != 0) || argc > 4) {
		fprintf(stderr, "usage: %s PID DIR [--leave-running]\n", argv[0]);
		return 2;
	}
	if ((r = ckpt_opts_new(&opts)) < 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	ckpt_opts_set_pid(opts, (pid_t)atoi(argv[1]));
	ckpt_opts_set_images_dir(opts, argv[2]);
	ckpt_opts_set_flag(opts, CKPT_FLAG_LEAVE_RUNNING, argc == 4);
	ckpt_opts_set_notify(opts, on_notify, &p);

	clock_gettime(CLOCK_MONOTONIC, &p.start);
	r = ckpt_tree_dump(opts, &res, &err);
	if (r < 0) {
		fprintf(stderr, "checkpoint failed: %s\n", ckpt_error_message(err));
		if (ckpt_error_log_path(err))
			fprintf(stderr, "criu log: %s\n", ckpt_error_log_path(err));
	} else {
		printf("checkpointed pid %d into %s: %llu bytes in %.1f ms, criu %d\n", ckpt_result_pid(res),
		       ckpt_result_images_dir(res), (unsigned long long)ckpt_result_image_bytes(res),
		       (double)ckpt_result_wall_ns(res) / 1e6, ckpt_result_criu_version(res));
	}
	ckpt_result_free(res);
	ckpt_error_free(err);
	ckpt_opts_free(opts);
	return r < 0 ? 1 : 0;
}
