/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_OPTS_INTERNAL_H
#define CKPT_OPTS_INTERNAL_H

#include <stdbool.h>

#include "ckpt.h"
#include "rpc.pb-c.h"

struct kv {
	char *key;
	char *val;
};

struct inherit {
	char *key;
	int fd; /* the caller's fd */
};

/* What a checkpoint was taken of, for its manifest (manifest.c). */
struct opts_source {
	char *kind; /* "pid" (NULL) or "container" */
	char *id;
	char *runtime;
	char *bundle;
};
void opts_source_free(struct opts_source *s);

struct ckpt_opts {
	char *criu_path;
	char *images_dir;
	int images_dir_fd;
	char *work_dir;
	char *log_file;
	int log_level;
	pid_t pid;
	bool flags[_CKPT_FLAG_MAX];
	char *parent_path;
	char *ps_address;
	int ps_port;
	bool has_ps;
	int status_fd;
	enum ckpt_cg_mode cg_mode;
	enum ckpt_network_lock netlock;
	bool netlock_quiet; /* a container's loopback-only netns: nothing to lock (criu >= 3.19: skip) */
	unsigned int empty_ns;
	char *root;
	char *freeze_cgroup;
	char *lsm_profile;
	char *lsm_mount_context;
	char **external;
	size_t n_external;
	struct inherit *inherit;
	size_t n_inherit;
	struct kv *join_ns;
	size_t n_join_ns;
	struct kv *ext_mnt;
	size_t n_ext_mnt;
	struct kv *cg_root;
	size_t n_cg_root;
	unsigned int timeout_ms;
	ckpt_notify_fn notify;
	void *notify_data;
	volatile int *cancel;
	struct opts_source source;
};

enum opts_op {
	OPTS_OP_DUMP,
	OPTS_OP_PRE_DUMP,
	OPTS_OP_RESTORE,
	OPTS_OP_PAGE_SERVER,
};

/* Where the request's fds are: the images/work dir fds open in the client. */
struct opts_fds {
	int images_dir_fd;
	int work_dir_fd;
	int inherit_base; /* criu's fd number of the first inherit fd */
};

/*
 * Builds the criu_opts of a request from the options. Everything in *ret is
 * heap-allocated, so criu_opts__free_unpacked(ret, NULL) frees it.
 */
int opts_to_criu(const ckpt_opts *opts, enum opts_op op, const struct opts_fds *fds, CriuOpts **ret, ckpt_error **err);
/* The log file name for an operation. */
const char *opts_log_file(const ckpt_opts *opts, enum opts_op op);
/* Checks what criu version an option needs; fails naming the option. */
int opts_check_version(const ckpt_opts *opts, enum opts_op op, int version, ckpt_error **err);

#endif
