/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_SESSION_H
#define CKPT_SESSION_H

#include "opts.h"
#include "rpc.h"

struct event {
	char *name;
	uint64_t ns;
};

struct ckpt_result {
	pid_t pid;
	uint64_t wall_ns;
	uint64_t image_bytes;
	char *images_dir;
	struct event *events;
	size_t n_events;
	int criu_version;
};

/* One criu swrk process serving one operation. */
struct session {
	struct swrk swrk;
	const ckpt_opts *opts;
	char *criu;
	int version;
	uint64_t t0;
	struct event *events;
	size_t n_events;
	int callback_ret; /* first failure of the user's notify callback */
	char *callback_script;
	char *log_path;	    /* where criu's log of the request goes */
	bool ckpt_refused;  /* ckpt itself refused the request: criu's output is noise */
	bool answered_ok;   /* criu's last answer to session_request() was a success */
	bool has_restored;  /* a restore reached post-restore: */
	pid_t restored_pid; /*   the root criu restored, */
	int restored_pidfd; /*   and a pidfd of it (-1 if none could be opened) */
};

int session_open(struct session *ss, const ckpt_opts *o, bool pass_inherit_fds, ckpt_error **err);
/* VERSION with keep_open: the session stays usable. */
int session_version(struct session *ss, ckpt_error **err);
/* FEATURE_CHECK; with keep_open the session stays usable. */
int session_features(struct session *ss, unsigned int requested, bool keep_open, unsigned int *ret, ckpt_error **err);
/* One request with the NOTIFY loop; on success=false fills err and fails. */
int session_request(struct session *ss, CriuReq *req, const char *what, CriuResp **ret, ckpt_error **err);
/* Reaps criu; adds its exit status and output to err when err is set. */
void session_finish(struct session *ss, ckpt_error **err);
void session_close(struct session *ss);
/* Moves the recorded events into a result. */
int session_result(struct session *ss, ckpt_result **ret);

#endif
