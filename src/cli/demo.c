/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `ckpt demo`: the main job on a built-in workload. A counter process is
 * started, checkpointed (which stops it), restored, and shown to carry on
 * from the value it had reached, writing at the file offset it had reached.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char demo_help[] = "Usage: ckpt demo [--dir DIR] [--keep] [--json]\n"
				"\n"
				"Start a small counter process, checkpoint it, restore it and show that it\n"
				"carried on from where it stopped.\n"
				"\n"
				"Options:\n"
				"      --dir DIR   work in DIR (default: a new directory in /tmp)\n"
				"      --keep      keep the directory (checkpoint, logs, counter file)\n"
				"      --json      print the demo's results (or its error) as one JSON object\n"
				"  -h, --help      show this help\n";

/* The workload: a session leader that counts, one line per tick. */
static void __attribute__((noreturn)) counter_main(const char *path)
{
	unsigned long n = 0;
	int fd, null;

	setsid();
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	close_range(3, ~0U, 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		_exit(1);
	for (;;) {
		dprintf(fd, "%lu\n", ++n);
		usleep(50000);
	}
}

/* Reads the counter file: number of lines, first and last value. */
static int
read_counter(const char *path, unsigned long *first, unsigned long *last, unsigned long *lines)
{
	char buf[64];
	unsigned long v;
	FILE *f = fopen(path, "re");

	*first = *last = *lines = 0;
	if (!f)
		return -errno;
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, "%lu", &v) != 1)
			continue;
		if (!*lines)
			*first = v;
		*last = v;
		(*lines)++;
	}
	fclose(f);
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct demo {
	char dir[256];
	char counter[300];
	char images[300];
	bool keep, json;
	pid_t pid;
	struct out out;
	yajl_gen j; /* --json: the one object, filled as the demo goes */
};

/* "KEY": the checkpoint's or restore's result object, as --json prints it. */
static void
json_result_key(yajl_gen j, const char *key, const ckpt_result *res, bool restore)
{
	json_str(j, key);
	if (restore)
		json_restore(j, res);
	else
		json_checkpoint(j, res, false);
}

/* A failure (a library error, or why): on stderr, or as the object's "error". */
static void
demo_error(struct demo *d, const ckpt_error *err, int r, const char *why)
{
	if (d->j) {
		json_str(d->j, "error");
		if (why)
			json_error_text(d->j, "demo", why, -r);
		else
			json_error_map(d->j, err, r);
	} else if (why) {
		fprintf(stderr, "ckpt: demo: %s\n", why);
	} else {
		out_error(&d->out, "demo", err, r);
	}
}

static int
demo_checkpoint(struct demo *d, const struct global_args *g, unsigned long *ret_at)
{
	ckpt_opts *o = NULL;
	ckpt_result *res = NULL;
	ckpt_error *err = NULL;
	unsigned long first, lines;
	int r;

	ckpt_opts_new(&o);
	apply_global(g, o);
	ckpt_opts_set_pid(o, d->pid);
	ckpt_opts_set_images_dir(o, d->images);
	r = ckpt_tree_dump(o, &res, &err);
	if (r < 0) {
		demo_error(d, err, r, NULL);
	} else {
		/* criu killed the counter; it is our child, so reap it now */
		waitpid(d->pid, NULL, 0);
		read_counter(d->counter, &first, ret_at, &lines);
		if (!d->json)
			printf("2. checkpointed pid %d at count %lu into %s (%.1f ms, %.1f KiB); the process is gone\n",
			       d->pid, *ret_at, d->images, (double)ckpt_result_wall_ns(res) / 1e6,
			       (double)ckpt_result_image_bytes(res) / 1024);
		else
			json_result_key(d->j, "checkpoint", res, false);
		d->pid = 0;
	}
	ckpt_error_free(err);
	ckpt_result_free(res);
	ckpt_opts_free(o);
	return r;
}

static int
demo_restore(struct demo *d, const struct global_args *g)
{
	ckpt_opts *o = NULL;
	ckpt_result *res = NULL;
	ckpt_error *err = NULL;
	int r;

	ckpt_opts_new(&o);
	apply_global(g, o);
	ckpt_opts_set_images_dir(o, d->images);
	ckpt_opts_set_flag(o, CKPT_FLAG_RST_SIBLING, 1); /* our child again */
	r = ckpt_tree_restore(o, &res, &err);
	if (r < 0) {
		demo_error(d, err, r, NULL);
	} else {
		d->pid = ckpt_result_pid(res);
		if (!d->json)
			printf("3. restored pid %d in %.1f ms\n", d->pid, (double)ckpt_result_wall_ns(res) / 1e6);
		else
			json_result_key(d->j, "restore", res, true);
	}
	ckpt_error_free(err);
	ckpt_result_free(res);
	ckpt_opts_free(o);
	return r;
}

/* The restored counter must go on from at+1, at the file offset it had. */
static int
demo_verify(struct demo *d, unsigned long at)
{
	unsigned long first, last, lines;
	char why[256];

	sleep_ms(600);
	read_counter(d->counter, &first, &last, &lines);
	if (d->j) {
		json_kv_int(d->j, "counted_to_checkpoint", (long long)at);
		json_kv_int(d->j, "counted_after_restore", (long long)last);
	}
	if (first != 1 || lines != last || last <= at) {
		snprintf(why, sizeof(why),
			 "the restored counter did not carry on (file has %lu lines, %lu..%lu, checkpoint at %lu)",
			 first ? lines : 0, first, last, at);
		demo_error(d, NULL, -EIO, why);
		return -EIO;
	}
	if (!d->json)
		printf("4. the restored process carried on: %lu -> %lu, one line per count, no gap, no restart\n", at,
		       last);
	return 0;
}

static int
demo_start(struct demo *d)
{
	unsigned long first, last, lines;

	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0)
		counter_main(d->counter);
	for (int i = 0; i < 200; i++) {
		sleep_ms(25);
		if (read_counter(d->counter, &first, &last, &lines) == 0 && last >= 10)
			break;
	}
	if (!d->json)
		printf("1. started a counter, pid %d, writing to %s (now at %lu)\n", d->pid, d->counter, last);
	return last >= 10 ? 0 : -ETIMEDOUT;
}

static void
demo_cleanup(struct demo *d)
{
	char cmd[512];

	if (d->pid > 1) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	if (d->j)
		json_kv_bool(d->j, "kept", d->keep);
	if (d->keep) {
		if (!d->json)
			printf("kept %s\n", d->dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "ckpt: demo: could not remove %s\n", d->dir);
}

static int
demo_opt(int c, const char *arg, void *data)
{
	struct demo *d = data;

	switch (c) {
	case 'D':
		if (!*arg || strlen(arg) >= sizeof(d->dir) - 32 || (mkdir(arg, 0700) < 0 && errno != EEXIST))
			return usage_error("demo", "--dir: cannot use `%s`", arg);
		snprintf(d->dir, sizeof(d->dir), "%s", arg);
		return 0;
	case 'k': d->keep = true; return 0;
	case 'j': d->json = true; return 0;
	default: return usage_error("demo", "unknown option");
	}
}

static int
demo_parse(int argc, char **argv, struct demo *d)
{
	static const struct option options[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "keep", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int r = parse_options("demo", demo_help, argc, argv, "+:h", options, demo_opt, d);

	if (r <= 0)
		return r;
	if (optind < argc)
		return usage_error("demo", "unexpected argument `%s`", argv[optind]);
	if (!d->dir[0]) {
		snprintf(d->dir, sizeof(d->dir), "/tmp/ckpt-demo-XXXXXX");
		if (!mkdtemp(d->dir))
			return fprintf(stderr, "ckpt: demo: mkdtemp: %s\n", strerror(errno)), -errno;
	}
	snprintf(d->counter, sizeof(d->counter), "%s/counter.txt", d->dir);
	snprintf(d->images, sizeof(d->images), "%s/checkpoint", d->dir);
	return 1;
}

static int
demo_run(struct demo *d, const struct global_args *g)
{
	unsigned long at = 0;
	int r = demo_start(d);

	if (r < 0) {
		char why[128];
		snprintf(why, sizeof(why), "the counter did not start: %s", strerror(-r));
		demo_error(d, NULL, r, why);
		return r;
	}
	if ((r = demo_checkpoint(d, g, &at)) < 0)
		return r;
	sleep_ms(300); /* the counter is gone: nothing may be written now */
	if ((r = demo_restore(d, g)) < 0)
		return r;
	return demo_verify(d, at);
}

int
cmd_demo(const struct global_args *g, int argc, char **argv)
{
	struct demo d = { 0 };
	int r = demo_parse(argc, argv, &d);

	if (r <= 0)
		return r == 0 ? EXIT_OK : EXIT_USAGE;
	out_init(&d.out, g, d.json, false);
	if (d.json) {
		d.j = json_new();
		yajl_gen_map_open(d.j);
		json_kv_str(d.j, "dir", d.dir);
	}
	r = demo_run(&d, g);
	demo_cleanup(&d);
	if (d.j) {
		json_kv_bool(d.j, "passed", r >= 0);
		yajl_gen_map_close(d.j);
		json_emit(d.j, stdout);
	} else if (r >= 0) {
		printf("demo passed: checkpoint and restore with criu work on this machine\n");
	}
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
