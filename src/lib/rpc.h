/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_RPC_H
#define CKPT_RPC_H

#include "rpc.pb-c.h"
#include "swrk.h"

/* Refuse responses larger than this: criu's are a few hundred bytes. */
#define RPC_MAX_MSG    (4u << 20)
/* A criu that keeps notifying forever is broken. */
#define RPC_MAX_NOTIFY 4096

/*
 * Called for each NOTIFY; fd is -1 or an fd criu sent with it (closed by
 * the rpc layer after the call). Returns 0 to acknowledge, <0 to refuse.
 */
typedef int (*rpc_notify_fn)(void *data, const char *script, pid_t pid, int fd);

struct rpc_notify {
	rpc_notify_fn fn;
	void *data;
};

const char *rpc_type_name(CriuReqType type);
int rpc_send(struct swrk *s, const CriuReq *req, ckpt_error **err);
/* Receives one message; *ret_fd gets an SCM_RIGHTS fd or -1. */
int rpc_recv(struct swrk *s, CriuResp **ret, int *ret_fd, ckpt_error **err);
/*
 * Sends req, answers NOTIFYs through n, and returns criu's final response,
 * checked to be of req's type. A response with success=false is returned
 * too (0): the caller decides what it means.
 */
int rpc_call(struct swrk *s, const CriuReq *req, const struct rpc_notify *n, CriuResp **ret, ckpt_error **err);

#endif
