/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_CLI_H
#define CKPT_CLI_H

#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ckpt.h"
#include "json.h"

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

/*
 * getopt_long over argv (optind reset, getopt's own messages off): calls
 * opt(c, optarg, data) for every option, prints `help` for -h/--help and a
 * usage error naming an unknown option or a missing value. opt returns 0 to
 * go on, OPTION_STOP when it printed what was asked (--version), or < 0
 * after printing a usage error. Returns 1 once every option is parsed
 * (optind is then the first operand), 0 after --help or OPTION_STOP, or
 * -EINVAL.
 */
#define OPTION_STOP 1
typedef int (*option_fn)(int c, const char *arg, void *data);
int parse_options(const char *cmd, const char *help, int argc, char **argv, const char *shortopts,
		  const struct option *options, option_fn opt, void *data);

/* Parsing helpers: each returns 0, or -EINVAL after printing a usage error. */
int parse_int(const char *opt, const char *s, long min, long max, long *ret);
int parse_page_server(const char *s, char **ret_addr, int *ret_port);
/* A path option's value: refused when empty, naming the option. */
int parse_path(const char *cmd, const char *opt, const char *s, const char **ret);
int parse_cg_mode(const char *s, enum ckpt_cg_mode *ret);
int parse_network_lock(const char *s, enum ckpt_network_lock *ret);
int parse_inherit_fd(const char *s, int *ret_fd, char **ret_key);
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Applies the global options (criu binary, log level) to a request. */
int apply_global(const struct global_args *g, ckpt_opts *o);

/* SIGINT, SIGTERM and SIGHUP set cli_stop_signal to the signal; with o, they
 * also cancel o's running operation (criu stops, the tree resumes). */
extern volatile int cli_stop_signal;
void catch_stop_signals(ckpt_opts *o);

/* Output. */
void out_init(struct out *out, const struct global_args *g, bool json, bool quiet);
int out_error(const struct out *out, const char *cmd, const ckpt_error *err, int ret);
int print_checkpoint(const struct out *out, const ckpt_result *res, bool pre_dump);
int print_restore(const struct out *out, const ckpt_result *res);
/* The result objects of --json (pid, image_path, phases_ms, events, ...). */
void json_checkpoint(yajl_gen j, const ckpt_result *res, bool pre_dump);
void json_restore(yajl_gen j, const ckpt_result *res);
void log_event(const struct global_args *g, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs a subcommand, logging its start (with its arguments) and its end. */
int run_logged(const struct global_args *g, const struct command *c, int argc, char **argv);

/*
 * One checkpoint or restore as the CLI runs it: the request built from the
 * parsed arguments, the global options applied, progress shown while the
 * library call runs, then the error printed (or the result kept for the
 * caller to print), and everything freed.
 */
struct operation {
	const char *cmd; /* "checkpoint", "restore": for messages */
	struct out out;
	ckpt_opts *o;
	ckpt_result *res;
	ckpt_error *err;
};
typedef int (*operation_build_fn)(const void *args, ckpt_opts *o);
typedef int (*operation_run_fn)(const void *args, const ckpt_opts *o, ckpt_result **res, ckpt_error **err);
/* What a command adds to the flow: its request, its call, and (optional)
 * what it does before the call and with its result. */
struct operation_kind {
	const char *cmd;
	operation_build_fn build;
	operation_run_fn run;
	void (*before)(const void *args, struct operation *op);
	/* ret: EXIT_OK (op->res set) or the exit status of the error printed */
	int (*after)(const void *args, struct operation *op, int ret);
};
/* Builds the request, runs it with progress on a terminal, prints the error
 * or lets k->after print the result, frees everything: the exit status. */
int operation_main(const struct operation_kind *k, const struct global_args *g, const void *args, bool json,
		   bool quiet);

/*
 * Progress on a terminal: one status line on stderr, "<verb>: <phase>...
 * [<elapsed>s]", whose phase follows criu's notifications and whose clock
 * ticks ten times a second while the (synchronous) library call runs: a
 * thread, with every signal blocked, redraws the line; the line is shared
 * with the notify callback under a mutex. progress_done() stops the thread
 * and clears the line.
 */
struct progress {
	const struct out *out;
	const char *verb;
	ckpt_notify_fn next; /* a further callback (may be NULL) */
	void *next_data;
	uint64_t t0_ns; /* CLOCK_MONOTONIC when progress_start() ran */
	/* the ticker */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	const char *phase; /* shown; under lock */
	bool ticking, stop;
};
void progress_start(struct progress *p);
int progress_notify(const char *script, pid_t pid, int fd, void *data);
void progress_done(struct progress *p);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mono_ns(void);

#endif
