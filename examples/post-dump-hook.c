/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Do work at post-dump, while the images are written and the tree is still
 * frozen: the moment to snapshot a file system, say, so that it matches the
 * checkpoint. Here the work is writing a marker file; with --veto the hook
 * refuses instead, criu aborts the checkpoint and the tree resumes as if
 * nothing happened.
 *
 *   post-dump-hook PID DIR MARKER     checkpoint (leaving the tree running),
 *                                     writing MARKER at post-dump
 *   post-dump-hook --veto PID DIR     refuse at post-dump: no checkpoint
 */
#include <ckpt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hook {
	const char *marker; /* NULL: veto */
	pid_t pid;
	int ran;
};

static int
write_marker(const struct hook *h)
{
	FILE *f = fopen(h->marker, "we");

	if (!f)
		return -errno;
	fprintf(f, "post-dump of pid %d: images written, tree frozen\n", h->pid);
	return fclose(f) == 0 ? 0 : -errno;
}

static int
on_notify(const char *script, pid_t pid, int fd, void *userdata)
{
	struct hook *h = userdata;

	if (strcmp(script, "post-dump") != 0)
		return 0;
	h->ran = 1;
	if (!h->marker)
		return -ECANCELED; /* criu aborts the dump and resumes the tree */
	return write_marker(h);	   /* a failure vetoes the checkpoint too */
}

static int
run(struct hook *h, const char *dir)
{
	ckpt_opts *opts = NULL;
	ckpt_error *err = NULL;
	int r;

	if (ckpt_opts_new(&opts) < 0)
		return -ENOMEM;
	ckpt_opts_set_pid(opts, h->pid);
	ckpt_opts_set_images_dir(opts, dir);
	ckpt_opts_set_flag(opts, CKPT_FLAG_LEAVE_RUNNING, 1);
	ckpt_opts_set_notify(opts, on_notify, h);
	r = ckpt_tree_dump(opts, NULL, &err);
	if (r < 0)
		printf("checkpoint failed (%s): %s\n", strerror(-r), ckpt_error_message(err));
	else
		printf("checkpointed pid %d into %s, marker %s written at post-dump\n", h->pid, dir, h->marker);
	ckpt_error_free(err);
	ckpt_opts_free(opts);
	return r;
}

int
main(int argc, char **argv)
{
	struct hook h = { 0 };
	int r;

	if (argc == 4 && strcmp(argv[1], "--veto") == 0) {
		h.pid = (pid_t)atoi(argv[2]);
		r = run(&h, argv[3]);
		if (r == -ECANCELED && h.ran) {
			printf("post-dump vetoed: no checkpoint, pid %d keeps running\n", h.pid);
			return 0;
		}
		return 1;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: %s PID DIR MARKER | --veto PID DIR\n", argv[0]);
		return 2;
	}
	h.pid = (pid_t)atoi(argv[1]);
	h.marker = argv[3];
	return run(&h, argv[2]) < 0 ? 1 : 0;
}
