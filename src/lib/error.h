/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_ERROR_INTERNAL_H
#define CKPT_ERROR_INTERNAL_H

#include <stdbool.h>

#include "ckpt.h"
#include "macro.h"

struct ckpt_error {
	char *what;	   /* context, outermost first: "dump pid 42" */
	char *why;	   /* the failure itself */
	char *message;	   /* cached "what: why" */
	int errno_;	   /* positive errno */
	int criu_errno;	   /* cr_errno, 0 if none */
	char *criu_errmsg; /* cr_errmsg without the trailing newline */
	int criu_reaped;   /* criu_exit/criu_signal are valid */
	int criu_exit;	   /* exit code or -1 */
	int criu_signal;   /* killing signal or 0 */
	char *log_path;
	char *log_excerpt;
	bool input; /* the caller's input was refused before anything was done */
};

/* Fills *err (when err is non-NULL and still empty) and returns -errno_. */
int ckpt_err_set(ckpt_error **err, int errno_, const char *fmt, ...) _printf_(3, 4);
/* Same, appending ": strerror(errno_)" to the message. */
int ckpt_err_sys(ckpt_error **err, int errno_, const char *fmt, ...) _printf_(3, 4);
/*
 * Like ckpt_err_set() and ckpt_err_sys(), for a refusal of the caller's own
 * input (a pid, a path, an option) before anything was done: also marks the
 * error for ckpt_error_is_input().
 */
int ckpt_err_input(ckpt_error **err, int errno_, const char *fmt, ...) _printf_(3, 4);
int ckpt_err_input_sys(ckpt_error **err, int errno_, const char *fmt, ...) _printf_(3, 4);
/* Prepends context to what an error says was being done; returns ret. */
int ckpt_err_prefix(ckpt_error **err, int ret, const char *fmt, ...) _printf_(3, 4);
/* Creates an empty error, so that fields can be added before the message. */
ckpt_error *ckpt_err_ensure(ckpt_error **err);
void ckpt_err_set_criu(ckpt_error **err, int cr_errno, const char *cr_errmsg);
void ckpt_err_set_status(ckpt_error **err, int wstatus);
void ckpt_err_set_log(ckpt_error **err, const char *path, const char *excerpt);

/* The first lines of a criu log that say "Error" (at most max_lines), or NULL.
 */
char *ckpt_log_excerpt(const char *path, int max_lines);

static inline void
ckpt_error_freep(ckpt_error **e)
{
	ckpt_error_free(*e);
}
#define _cleanup_error_ _cleanup_(ckpt_error_freep)

#endif
