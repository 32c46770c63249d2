/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_OCI_CONTAINER_H
#define CKPT_OCI_CONTAINER_H

#include "oci.h"

struct ckpt_container_opts {
	enum ckpt_runtime runtime;
	char *root;	    /* state root, NULL: the runtime's default */
	char *runtime_path; /* binary for `delete` */
	char *bundle;
	char *console_socket;
	char *cgroup;
	int stdio[3];
	bool flags[_CKPT_CONTAINER_FLAG_MAX];
	char *proc;		/* where /proc is ("/proc"); tests point it at fixtures */
	char *default_roots[3]; /* runc, crun, youki; tests point them at fixtures */
};

struct ckpt_container {
	struct oci_state st;
	struct oci_config cfg;
	char *root; /* the state root it was found in */
	char *config_path;
};

/* The /proc the options use. */
const char *oci_copts_proc(const ckpt_container_opts *co);
/* The state root of runtime rt under the options. */
const char *oci_copts_root(const ckpt_container_opts *co, enum ckpt_runtime rt);
/* Internal test hooks: another /proc and other default state roots. */
int oci_copts_set_proc(ckpt_container_opts *co, const char *proc);
int oci_copts_set_default_root(ckpt_container_opts *co, enum ckpt_runtime rt, const char *dir);

#endif
