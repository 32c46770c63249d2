/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ckpt.json, the manifest every checkpoint carries: who wrote it, from what,
 * with which options, how long each phase took and what the images hold.
 * Its format is documented in docs/man/ckpt-inspect.1.scd.
 */
#ifndef CKPT_MANIFEST_H
#define CKPT_MANIFEST_H

#include <stdint.h>
#include <time.h>

#include "opts.h"
#include "session.h"

#define MANIFEST_FILE	   "ckpt.json"
#define MANIFEST_VERSION   1
/* More processes than this are counted but not listed. */
#define MANIFEST_MAX_PROCS 4096

struct manifest_proc {
	pid_t pid;
	pid_t ppid;
	char comm[17]; /* the command name, at most 16 bytes */
	long threads;  /* how many, from /proc/PID/stat (0 if unknown) */
};

/* What is known before the dump: when it started and the tree it will dump. */
struct manifest {
	struct timespec started; /* CLOCK_REALTIME */
	struct manifest_proc *procs;
	size_t n_procs;
	size_t n_procs_seen; /* may exceed n_procs (MANIFEST_MAX_PROCS) */
};

/* What the dump did. */
struct manifest_run {
	enum opts_op op;
	int criu_version;
	const struct event *events;
	size_t n_events;
	uint64_t wall_ns;
};

/* One file of the images dir, as the manifest lists it (`files`). */
struct manifest_file {
	char *name;
	uint64_t bytes;
};

/* Bytes of the images dir by kind, and every file (sorted by name), so that
 * `ckpt inspect` can tell a missing or short file. */
struct manifest_sizes {
	uint64_t pages, pagemap, core, log, other, total;
	unsigned files;
	struct manifest_file *list;
	size_t n_list;
};

/* Records the start time and reads the tree rooted at root from /proc.
 * Never fails: a tree it cannot read is left empty. */
void manifest_begin(struct manifest *m, pid_t root);
void manifest_free(struct manifest *m);
/* Reads the process tree rooted at root (root first, then breadth first). */
int manifest_read_tree(pid_t root, struct manifest *m);
/* Sums the files of a directory by kind and lists them (ckpt.json itself
 * excluded); free with manifest_sizes_free(). */
int manifest_sizes(int dirfd, struct manifest_sizes *ret);
void manifest_sizes_free(struct manifest_sizes *sz);
/* The manifest as JSON text (heap-allocated, NUL-terminated). */
int manifest_json(const struct manifest *m, const ckpt_opts *o, const struct manifest_run *run,
		  const struct manifest_sizes *sz, char **ret, size_t *ret_len);
/* Writes ckpt.json into dirfd (atomically, by rename); returns 0 or -errno. */
int manifest_write(const struct manifest *m, const ckpt_opts *o, const struct manifest_run *run, int dirfd);
/* manifest_write() with what a successful dump session recorded. */
int manifest_commit(const struct manifest *m, const ckpt_opts *o, enum opts_op op, const struct session *ss, int dirfd);

#endif
