/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsed arguments of each subcommand; parsers return 1 to run, 0 after
 * --help, and -EINVAL after printing a usage error. They never exit. */
#ifndef CKPT_COMMANDS_H
#define CKPT_COMMANDS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ckpt.h"

#define MAX_EMPTY_NS 4

struct checkpoint_args {
	pid_t pid;
	const char *image_path;
	const char *work_path;
	const char *parent_path;
	const char *ext_unix_inodes; /* --ext-unix-sk=INO,... */
	bool leave_running, tcp_established, tcp_skip_in_flight, tcp_close, link_remap, ext_unix_sk;
	bool shell_job, lazy_pages, file_locks, pre_dump, auto_dedup, json, quiet, no_staging;
	int status_fd;
	char *ps_address;
	int ps_port;
	bool has_ps;
	enum ckpt_cg_mode cg_mode;
	enum ckpt_network_lock netlock;
	const char *empty_ns[MAX_EMPTY_NS];
	int n_empty_ns;
	long timeout_s;
	const char *container_id;
	enum ckpt_runtime runtime;
	const char *root;
};

#define MAX_INHERIT 16

struct restore_args {
	const char *image_path;
	const char *work_path;
	const char *pid_file;
	const char *lsm_profile;
	const char *lsm_mount_context;
	bool detach, tcp_established, ext_unix_sk, shell_job, file_locks, no_subreaper, auto_dedup;
	bool lazy_pages, tcp_close, json, quiet;
	enum ckpt_cg_mode cg_mode;
	const char *empty_ns[MAX_EMPTY_NS];
	int n_empty_ns;
	int inherit_fd[MAX_INHERIT];
	char *inherit_key[MAX_INHERIT];
	int n_inherit;
	long timeout_s;
	const char *container_id;
	enum ckpt_runtime runtime;
	const char *root;
	const char *bundle;
	const char *console_socket;
};

/* --runtime NAME and --root DIR, shared by checkpoint and restore. */
int parse_runtime(const char *cmd, const char *s, enum ckpt_runtime *ret);
int container_id_usage(const char *cmd, const char *id);
/* --empty-ns NS into list (at most MAX_EMPTY_NS). */
int add_empty_ns(const char *cmd, const char *ns, const char **list, int *n);
/* Container options from the container flags. */
int container_opts_build(enum ckpt_runtime rt, const char *root, const char *bundle, const char *console,
			 ckpt_container_opts **ret);

int checkpoint_parse(int argc, char **argv, struct checkpoint_args *a);
void checkpoint_args_free(struct checkpoint_args *a);
int checkpoint_build_opts(const struct checkpoint_args *a, ckpt_opts *o);
int restore_parse(int argc, char **argv, struct restore_args *a);
void restore_args_free(struct restore_args *a);
int restore_build_opts(const struct restore_args *a, ckpt_opts *o);

int cmd_checkpoint(const struct global_args *g, int argc, char **argv);
int cmd_restore(const struct global_args *g, int argc, char **argv);
int cmd_check(const struct global_args *g, int argc, char **argv);
int cmd_version(const struct global_args *g, int argc, char **argv);
int cmd_demo(const struct global_args *g, int argc, char **argv);
int cmd_inspect(const struct global_args *g, int argc, char **argv);
int cmd_page_server(const struct global_args *g, int argc, char **argv);
int cmd_lazy_pages(const struct global_args *g, int argc, char **argv);

/* The options of a command whose only option is --json (and --help): as
 * parse_options(), operands (anywhere) left at argv[optind..]. */
int parse_json_option(const char *cmd, const char *help, int argc, char **argv, bool *json);

/* main.c's global option parser, testable: returns the index of the
 * subcommand in argv, 0 after --help/--version, or -EINVAL. */
int global_parse(int argc, char **argv, struct global_args *g);

#endif
