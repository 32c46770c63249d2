/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI containers: what the runtimes (runc, crun, youki) record about a
 * running container, what its bundle's config.json says, and how both turn
 * into criu options. Everything here is internal; include/ckpt.h has the
 * public side (the "Containers" section).
 */
#ifndef CKPT_OCI_H
#define CKPT_OCI_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "ckpt.h"
#include "opts.h"

/* Longest container id accepted; runtimes use it as a directory name. */
#define OCI_ID_MAX	1024
/* Largest state or config file read, a guard against hostile files. */
#define OCI_JSON_MAX	(8u << 20)
/* Name of ckpt's own note about the container, beside the images. */
#define OCI_MANIFEST	"ckpt-container.json"
#define OCI_DESCRIPTORS "descriptors.json"

/* ---- json.c: yajl_tree helpers -------------------------------------- */

/* Parses a JSON file (at most OCI_JSON_MAX bytes, not a symlink). */
int oci_json_load(const char *path, const char *what, yajl_val *ret, ckpt_error **err);
/* Parses a JSON text; what names it in errors. */
int oci_json_parse(const char *text, const char *what, yajl_val *ret, ckpt_error **err);
/* The member key of an object, or NULL. */
yajl_val oci_json_member(yajl_val obj, const char *key);
/* The string member key, or NULL when missing or not a string. */
const char *oci_json_str(yajl_val obj, const char *key);
/* Reads an array of strings (NULL entries for non-strings are refused). */
int oci_json_strv(yajl_val arr, const char *what, char ***ret, size_t *ret_n, ckpt_error **err);
void oci_strv_free(char **v, size_t n);
/* Writes text to path atomically (temporary file + rename), with mode. */
int oci_write_file(const char *path, const char *text, mode_t mode, ckpt_error **err);
/* Same, relative to a directory fd. */
int oci_write_file_at(int dfd, const char *name, const char *text, mode_t mode, ckpt_error **err);

/* ---- id.c ------------------------------------------------------------ */

/* Copies s with every byte outside printable ASCII shown as \xNN. */
char *oci_printable(const char *s);

/* ---- config.c: the bundle's config.json ------------------------------- */

struct oci_mount {
	char *destination;
	char *source; /* may be NULL */
	char *type;   /* may be NULL */
	char **options;
	size_t n_options;
};

struct oci_ns {
	char *type; /* "network", "pid", "mount", "ipc", "uts", "user", "cgroup", "time" */
	char *path; /* NULL when the runtime creates the namespace */
};

struct oci_config {
	char *root_path; /* as written: relative to the bundle or absolute */
	bool root_readonly;
	bool terminal;
	char *hostname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_ns *ns;
	size_t n_ns;
	char **masked;
	size_t n_masked;
	char **readonly;
	size_t n_readonly;
	char **devices;
	size_t n_devices;
	char *cgroups_path;
	struct kv *annotations;
	size_t n_annotations;
};

int oci_config_parse(yajl_val root, struct oci_config *cfg, ckpt_error **err);
int oci_config_load(const char *path, struct oci_config *cfg, ckpt_error **err);
void oci_config_free(struct oci_config *cfg);
bool oci_mount_is_bind(const struct oci_mount *m);
/* The namespace of that OCI type, or NULL. */
const struct oci_ns *oci_config_ns(const struct oci_config *cfg, const char *type);
const char *oci_config_annotation(const struct oci_config *cfg, const char *key);

/* ---- state.c: the runtimes' state files ------------------------------- */

struct oci_state {
	enum ckpt_runtime runtime;
	char *id;
	char *state_dir; /* <root>/<id> */
	pid_t pid;
	bool has_start_time;
	uint64_t start_time; /* clock ticks after boot (field 22 of /proc/PID/stat) */
	char *created;	     /* RFC 3339, may be NULL */
	char *status;	     /* may be NULL (runc and crun do not store it) */
	char *bundle;
	char *rootfs;	      /* absolute */
	char *cgroup_path;    /* the container's cgroup, relative to the hierarchy roots; may be NULL */
	char *freezer;	      /* runc: its freezer cgroup directory; may be NULL */
	char *descriptors[3]; /* what the init's fds 0-2 were at start; entries may be NULL */
};

int oci_state_parse(enum ckpt_runtime rt, yajl_val root, struct oci_state *st, ckpt_error **err);
/* Reads <root>/<id>/<state file> of one runtime. */
int oci_state_load(enum ckpt_runtime rt, const char *root, const char *id, struct oci_state *st, ckpt_error **err);
void oci_state_free(struct oci_state *st);
/* Fails unless st->pid runs and is the process the state describes. */
int oci_state_check_pid(const struct oci_state *st, const char *proc, ckpt_error **err);
const char *oci_runtime_state_file(enum ckpt_runtime rt);
const char *oci_runtime_default_root(enum ckpt_runtime rt);

/* ---- resolve.c ---------------------------------------------------------- */

/*
 * Resolves path inside the directory tree rooted at root as if root were
 * "/": symlinks are followed but never out of root ("..", absolute targets
 * stay inside). The result is absolute and relative to root ("/a/b"); the
 * components that do not exist are kept as written.
 */
int oci_resolve_in_root(const char *root, const char *path, char **ret, ckpt_error **err);

/* ---- descriptors.c ------------------------------------------------------- */

/* readlink of /proc/PID/fd/{0,1,2} under proc ("/proc"); unreadable ones become "/dev/null". */
int oci_descriptors_of_pid(const char *proc, pid_t pid, char *ret[3], ckpt_error **err);
/* descriptors.json text of three descriptors (runc's format). */
int oci_descriptors_to_json(char *const d[3], char **ret, ckpt_error **err);
/* Parses descriptors.json text; missing entries become NULL. */
int oci_descriptors_parse(const char *text, char *ret[3], ckpt_error **err);
void oci_descriptors_free(char *d[3]);

/* ---- manifest.c: ckpt-container.json ------------------------------------- */

struct oci_cgmount {
	char *key;  /* the mountpoint inside the container, as declared to criu */
	char *path; /* the cgroup directory it showed, relative to its hierarchy */
};

struct oci_manifest {
	enum ckpt_runtime runtime;
	char *id;
	char *bundle;
	char *rootfs;
	char *cgroup_path;
	struct oci_cgmount *cgmounts;
	size_t n_cgmounts;
};

int oci_manifest_to_json(const struct oci_manifest *m, char **ret, ckpt_error **err);
int oci_manifest_parse(const char *text, struct oci_manifest *m, ckpt_error **err);
void oci_manifest_free(struct oci_manifest *m);

/* ---- cgroup.c ------------------------------------------------------------ */

/* The cgroup criu freezes the container with, or NULL (criu then uses ptrace). */
int oci_freezer_path(const struct oci_state *st, char **ret, ckpt_error **err);
/* The v1 cgroup mounts inside the container (mountinfo of its init). */
int oci_cgroup_mounts_of_pid(const char *proc, pid_t pid, const struct oci_config *cfg, struct oci_cgmount **ret,
			     size_t *ret_n, ckpt_error **err);
/* Where the v1 hierarchy mounted in the container at key is on this host. */
int oci_cgroup_host_dir(const char *self_mountinfo, const char *key, const char *path, char **ret, ckpt_error **err);
/* The cgroup of pid as a runtime records it (the unified path, else freezer's). */
int oci_cgroup_of_pid(const char *proc, pid_t pid, char **ret, ckpt_error **err);
void oci_cgmounts_free(struct oci_cgmount *v, size_t n);
/* mkdir -p of a cgroup directory; new cpuset cgroups get their parent's cpus and mems. */
int oci_cgroup_prepare_dir(const char *dir, ckpt_error **err);
/*
 * Creates the container's cgroup in every hierarchy mounted on this host
 * and, when pid > 0, puts pid in it (what criu leaves to its caller in
 * ignore, props and none modes): path when given, else the directory
 * recorded for that hierarchy in cgm, else fallback.
 */
int oci_cgroup_enter(const char *self_mountinfo, const struct oci_cgmount *cgm, size_t n, const char *path,
		     const char *fallback, pid_t pid, ckpt_error **err);
/*
 * Images without ckpt-container.json (made by `runc checkpoint`): one mount
 * per cgroup-v1 hierarchy of this host, at dest/<its name>, showing path.
 */
int oci_cgroup_guess_mounts(const char *self_mountinfo, const char *dest, const char *path, struct oci_cgmount **ret,
			    size_t *ret_n, ckpt_error **err);

/* ---- translate.c: container -> criu options -------------------------------- */

struct oci_dump_plan {
	const struct oci_state *st;
	const struct oci_config *cfg;
	const struct oci_cgmount *cgmounts;
	size_t n_cgmounts;
	const char *freezer; /* may be NULL */
	const char *proc;    /* "/proc" */
};

struct oci_restore_plan {
	const struct oci_config *cfg;
	const char *bundle;
	const char *rootfs;	  /* absolute path of the container's rootfs */
	const char *criu_root;	  /* the bind mount of rootfs criu restores into */
	char *const *descriptors; /* [3], from descriptors.json */
	const int *stdio;	  /* [3], the caller's fds replacing the pipes */
	const struct oci_cgmount *cgmounts;
	size_t n_cgmounts;
	const char *cgroup; /* cgroup to restore into, or NULL (where it was) */
	const char *self_mountinfo;
	int *ns_fds; /* [2] out: net and pid ns fds opened for criu */
};

int oci_dump_to_opts(const struct oci_dump_plan *p, ckpt_opts *o, ckpt_error **err);
int oci_restore_to_opts(const struct oci_restore_plan *p, ckpt_opts *o, ckpt_error **err);
/* A copy of o made through the setters. */
int oci_opts_copy(const ckpt_opts *o, ckpt_opts **ret, ckpt_error **err);

/* ---- runtime.c: the runtime's own bookkeeping ------------------------------ */

/* Runs `<runtime> [--root R] delete --force <id>`. */
int oci_runtime_delete(enum ckpt_runtime rt, const char *binary, const char *root, const char *id, ckpt_error **err);
struct oci_register {
	const char *id;
	const char *root;
	const char *bundle;
	const char *config_path; /* the bundle's config.json */
	const struct oci_config *cfg;
	pid_t pid;
	const char *proc;
};
/* Writes the runtime's state so that it manages the restored container. */
int oci_register_crun(const struct oci_register *r, ckpt_error **err);
int oci_register_youki(const struct oci_register *r, ckpt_error **err);
/* Start time of pid (field 22 of its stat). */
int oci_pid_start_time(const char *proc, pid_t pid, uint64_t *ret, char *ret_state);

#endif
