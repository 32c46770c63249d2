/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_CLI_H
#define CKPT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ckpt.h"

/* Exit codes of every subcommand. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* Options given before the subcommand. */
struct global_args {
	const char *criu;     /* --criu PATH */
	const char *log_file; /* --log FILE */
	bool log_json;	      /* --log-format json */
	bool debug;	      /* --debug */
};

/* Output settings shared by the subcommands. */
struct out {
	bool json;
	bool quiet;
	bool progress; /* phase display on a terminal */
	const struct global_args *g;
};

struct command {
	const char *name;
	int (*run)(const struct global_args *g, int argc, char **argv);
	const char *summary;
};

extern const struct command cli_commands[];

/* Parsing helpers: each returns 0, or -EINVAL after printing a usage error. */
int parse_int(const char *opt, const char *s, long min, long max, long *ret);
int parse_page_server(const char *s, char **ret_addr, int *ret_port);
int parse_cg_mode(const char *s, enum ckpt_cg_mode *ret);
int parse_network_lock(const char *s, enum ckpt_network_lock *ret);
int parse_inherit_fd(const char *s, int *ret_fd, char **ret_key);
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Applies the global options (criu binary, log level) to a request. */
int apply_global(const struct global_args *g, ckpt_opts *o);

/* Output. */
void out_init(struct out *out, const struct global_args *g, bool json, bool quiet);
int out_error(const struct out *out, const char *cmd, const ckpt_error *err, int ret);
int print_checkpoint(const struct out *out, const ckpt_result *res, bool pre_dump);
int print_restore(const struct out *out, const ckpt_result *res);
void log_event(const struct global_args *g, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs a subcommand, logging its start (with its arguments) and its end. */
int run_logged(const struct global_args *g, const struct command *c, int argc, char **argv);

/* Progress on a terminal, driven by criu's notifications: one status line
 * on stderr, "<verb>: <phase>... [<elapsed>s]", cleared by progress_done(). */
struct progress {
	const struct out *out;
	const char *verb;
	ckpt_notify_fn next; /* a further callback (may be NULL) */
	void *next_data;
	uint64_t t0_ns; /* CLOCK_MONOTONIC when progress_start() ran */
};
void progress_start(struct progress *p);
int progress_notify(const char *script, pid_t pid, int fd, void *data);
void progress_done(const struct progress *p);

#endif
