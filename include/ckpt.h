/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file ckpt.h
 * libckpt: checkpoint and restore Linux process trees through criu.
 *
 * libckpt forks `criu swrk <fd>` on an AF_UNIX SOCK_SEQPACKET socketpair for
 * every operation and speaks criu's protobuf RPC on it. It never links
 * libcriu, keeps no global state, never prints and never exits: two threads
 * may run two operations at the same time as long as they do not share a
 * ckpt_opts handle while one of them modifies it.
 *
 * Conventions:
 *  - fallible functions return 0 (or a non-negative value) on success and a
 *    negative errno value on failure;
 *  - their last parameter, `err`, may be NULL; otherwise on failure `*err`
 *    receives a newly allocated ckpt_error (free it with ckpt_error_free())
 *    and on success it is left untouched;
 *  - output parameters are named `ret_*` and are only written on success;
 *  - every *_free() function accepts NULL.
 */
#ifndef CKPT_H
#define CKPT_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CKPT_PUBLIC __attribute__((visibility("default")))

/** Opaque error object: what failed, why, and what criu said. */
typedef struct ckpt_error ckpt_error;
/** Opaque options for one request (a dump, a restore, ...). */
typedef struct ckpt_opts ckpt_opts;
/** Opaque result of a successful dump or restore. */
typedef struct ckpt_result ckpt_result;

/* ------------------------------------------------------------------------ */
/** @name Errors */

/** Frees an error object. NULL is allowed. */
CKPT_PUBLIC void ckpt_error_free(ckpt_error *err);
/** The whole message, "<what>: <why>", never NULL. Owned by @p err. */
CKPT_PUBLIC const char *ckpt_error_message(const ckpt_error *err);
/** What libckpt was doing ("dump pid 42"), or "" . Owned by @p err. */
CKPT_PUBLIC const char *ckpt_error_what(const ckpt_error *err);
/** Why it failed, without the context. Owned by @p err. */
CKPT_PUBLIC const char *ckpt_error_why(const ckpt_error *err);
/** The positive errno value of the failure (the same one the call returned). */
CKPT_PUBLIC int ckpt_error_errno(const ckpt_error *err);
/** criu's `cr_errno` from its response, or 0 when criu sent none. */
CKPT_PUBLIC int ckpt_error_criu_errno(const ckpt_error *err);
/** criu's `cr_errmsg` (first error line criu logged), or NULL. */
CKPT_PUBLIC const char *ckpt_error_criu_errmsg(const ckpt_error *err);
/**
 * How the criu process ended.
 * @param ret_exit  its exit code, or -1 when it was killed or not reaped
 * @param ret_signal the signal that killed it, or 0
 * @return 1 when criu was started and reaped, 0 otherwise (outputs untouched).
 */
CKPT_PUBLIC int ckpt_error_criu_status(const ckpt_error *err, int *ret_exit, int *ret_signal);
/** Path of the criu log file of the failed request, or NULL. */
CKPT_PUBLIC const char *ckpt_error_log_path(const ckpt_error *err);
/**
 * The relevant lines of the criu log (the first `Error` lines), or what criu
 * printed on its stderr when it failed before opening a log; NULL if none.
 */
CKPT_PUBLIC const char *ckpt_error_log_excerpt(const ckpt_error *err);

/* ------------------------------------------------------------------------ */
/** @name Options */

/** Boolean options, set with ckpt_opts_set_flag(). */
enum ckpt_flag {
	CKPT_FLAG_LEAVE_RUNNING = 0,   /**< dump: keep the tree running afterwards */
	CKPT_FLAG_TCP_ESTABLISHED,     /**< dump/restore established TCP connections */
	CKPT_FLAG_EXT_UNIX_SK,         /**< allow unix sockets with a peer outside the tree */
	CKPT_FLAG_SHELL_JOB,           /**< the tree is a shell job (tty, session) */
	CKPT_FLAG_FILE_LOCKS,          /**< dump/restore file locks */
	CKPT_FLAG_TCP_SKIP_IN_FLIGHT,  /**< dump: skip half-open (in-flight) connections */
	CKPT_FLAG_LINK_REMAP,          /**< allow link remaps of unlinked files */
	CKPT_FLAG_AUTO_DEDUP,          /**< punch pages already in the parent out of it */
	CKPT_FLAG_LAZY_PAGES,          /**< post-copy: pages are served later */
	CKPT_FLAG_TCP_CLOSE,           /**< restore connections closed, do not lock them */
	CKPT_FLAG_LEAVE_STOPPED,       /**< leave the tree stopped (SIGSTOP) afterwards */
	CKPT_FLAG_ORPHAN_PTS_MASTER,   /**< restore: hand the new pty master to the notify callback */
	CKPT_FLAG_RST_SIBLING,         /**< restore: make the restored root a child of the caller */
	CKPT_FLAG_EVASIVE_DEVICES,     /**< allow device files to be replaced by others */
	CKPT_FLAG_WEAK_SYSCTLS,        /**< restore: skip sysctls the kernel lacks */
	CKPT_FLAG_STAGING,             /**< dump: write into a new directory, move it into place on success (default on) */
	_CKPT_FLAG_MAX
};

/** cgroup handling, as criu's --manage-cgroups. */
enum ckpt_cg_mode {
	CKPT_CG_DEFAULT = 0, /**< let criu decide (soft) */
	CKPT_CG_SOFT,
	CKPT_CG_FULL,
	CKPT_CG_STRICT,
	CKPT_CG_IGNORE,
	CKPT_CG_PROPS,
	CKPT_CG_NONE,
};

/** How the network is locked while a tree with its own netns is dumped. */
enum ckpt_network_lock {
	CKPT_NETWORK_LOCK_DEFAULT = 0, /**< criu's default (iptables) */
	CKPT_NETWORK_LOCK_IPTABLES,
	CKPT_NETWORK_LOCK_NFTABLES,
	CKPT_NETWORK_LOCK_SKIP,        /**< criu >= 3.19 */
};

/** Kernel features criu can be asked about, see ckpt_criu_features(). */
enum ckpt_feature {
	CKPT_FEATURE_MEM_TRACK = 1 << 0,   /**< soft-dirty tracking: pre-dump, parent images */
	CKPT_FEATURE_LAZY_PAGES = 1 << 1,  /**< userfaultfd: lazy (post-copy) restore */
	CKPT_FEATURE_PIDFD_STORE = 1 << 2, /**< pidfd_open + pidfd_getfd */
};

/**
 * Called for every notification criu sends during an operation (see
 * docs/api.md for the list: "pre-dump", "post-dump", "network-lock",
 * "post-restore", "orphan-pts-master", "status-ready", ...).
 *
 * @param script   the notification's name
 * @param pid      the pid criu attached (post-restore, setup-namespaces), else 0
 * @param fd       an fd criu sent with the notification (orphan-pts-master), else
 *                 -1. It stays owned by libckpt and is closed when the callback
 *                 returns: dup() it to keep it.
 * @param userdata the pointer given to ckpt_opts_set_notify()
 * @return 0 to go on, a negative value to fail the step: criu then aborts the
 *         operation and resumes the tasks (for pre-dump, post-dump,
 *         network-lock, pre-restore, post-restore).
 */
typedef int (*ckpt_notify_fn)(const char *script, pid_t pid, int fd, void *userdata);

/** Allocates an options object with the defaults. Returns 0 or -ENOMEM. */
CKPT_PUBLIC int ckpt_opts_new(ckpt_opts **ret_opts);
/** Frees an options object. NULL is allowed. */
CKPT_PUBLIC void ckpt_opts_free(ckpt_opts *opts);

/** criu binary to run: a path, or a name looked up in PATH (default "criu"). */
CKPT_PUBLIC int ckpt_opts_set_criu_path(ckpt_opts *opts, const char *path);
/** Images directory by path. */
CKPT_PUBLIC int ckpt_opts_set_images_dir(ckpt_opts *opts, const char *path);
/** Images directory as an open directory fd (kept open by the caller; no staging). */
CKPT_PUBLIC int ckpt_opts_set_images_dir_fd(ckpt_opts *opts, int fd);
/** Work directory (log, stats, lazy-pages socket); default: the images dir. */
CKPT_PUBLIC int ckpt_opts_set_work_dir(ckpt_opts *opts, const char *path);
/** Log file name inside the work dir (no '/'); default "dump.log"/"restore.log". */
CKPT_PUBLIC int ckpt_opts_set_log_file(ckpt_opts *opts, const char *name);
/** criu log level 0..4 (default 4). */
CKPT_PUBLIC int ckpt_opts_set_log_level(ckpt_opts *opts, int level);
/** Root pid of the tree to dump. */
CKPT_PUBLIC int ckpt_opts_set_pid(ckpt_opts *opts, pid_t pid);
/** Sets or clears a boolean option. */
CKPT_PUBLIC int ckpt_opts_set_flag(ckpt_opts *opts, enum ckpt_flag flag, int on);
/** Reads a boolean option (1/0), or -EINVAL for an unknown flag. */
CKPT_PUBLIC int ckpt_opts_get_flag(const ckpt_opts *opts, enum ckpt_flag flag);
/** Parent images dir, relative to the images dir (as criu expects). */
CKPT_PUBLIC int ckpt_opts_set_parent_path(ckpt_opts *opts, const char *relpath);
/** Page server: where a dump sends pages, or where a page server listens. */
CKPT_PUBLIC int ckpt_opts_set_page_server(ckpt_opts *opts, const char *address, int port);
/** An fd of the caller that gets one '\\0' byte when a lazy page server is ready. */
CKPT_PUBLIC int ckpt_opts_set_status_fd(ckpt_opts *opts, int fd);
/** cgroup handling mode. */
CKPT_PUBLIC int ckpt_opts_set_manage_cgroups_mode(ckpt_opts *opts, enum ckpt_cg_mode mode);
/** Network lock method. */
CKPT_PUBLIC int ckpt_opts_set_network_lock(ckpt_opts *opts, enum ckpt_network_lock method);
/** Adds a namespace left empty on restore; criu supports only "network". */
CKPT_PUBLIC int ckpt_opts_add_empty_ns(ckpt_opts *opts, const char *ns);
/** Root directory of the tree (containers). */
CKPT_PUBLIC int ckpt_opts_set_root(ckpt_opts *opts, const char *path);
/** Adds one criu `--external` item (`mnt[..]:..`, `net[..]:..`, ...). */
CKPT_PUBLIC int ckpt_opts_add_external(ckpt_opts *opts, const char *item);
/**
 * Restore resource @p key (e.g. "pipe:[1234]") from the caller's @p fd.
 * The fd is passed to criu (it must stay open until the call returns).
 */
CKPT_PUBLIC int ckpt_opts_add_inherit_fd(ckpt_opts *opts, const char *key, int fd);
/** Restore into an existing namespace: @p ns is ipc, net, uts, user or time. */
CKPT_PUBLIC int ckpt_opts_add_join_ns(ckpt_opts *opts, const char *ns, const char *file);
/** External mount map entry (dump: mountpoint -> name; restore: name -> path). */
CKPT_PUBLIC int ckpt_opts_add_ext_mount(ckpt_opts *opts, const char *key, const char *val);
/** cgroup root remap for restore (@p ctrl may be NULL). */
CKPT_PUBLIC int ckpt_opts_add_cgroup_root(ckpt_opts *opts, const char *ctrl, const char *path);
/** The cgroup criu freezes the tree with. */
CKPT_PUBLIC int ckpt_opts_set_freeze_cgroup(ckpt_opts *opts, const char *path);
/** LSM profile for restored tasks, "apparmor:NAME" or "selinux:CTX". */
CKPT_PUBLIC int ckpt_opts_set_lsm_profile(ckpt_opts *opts, const char *profile);
/** Replacement `context=` for restored mounts. */
CKPT_PUBLIC int ckpt_opts_set_lsm_mount_context(ckpt_opts *opts, const char *ctx);
/**
 * Deadline for the whole operation, in milliseconds (0 = none). When it
 * passes, the call fails with -ETIMEDOUT and criu is stopped:
 *  - during a dump or restore, criu gets 10 s more to reach its next
 *    notification, which libckpt refuses, so that criu aborts and resumes
 *    the tasks itself; if criu answers success in that time (the dump was
 *    past post-dump, its tasks already gone), that success is returned;
 *    a criu that does not stop in that time is killed;
 *  - during other requests (version, check, ...) criu is killed at once.
 */
CKPT_PUBLIC int ckpt_opts_set_timeout(ckpt_opts *opts, unsigned int ms);
/** Notification callback (NULL to remove). */
CKPT_PUBLIC int ckpt_opts_set_notify(ckpt_opts *opts, ckpt_notify_fn fn, void *userdata);
/**
 * Cancellation: when *@p flag becomes non-zero (e.g. set by a signal handler)
 * the running operation stops as for a timeout (see ckpt_opts_set_timeout()),
 * with -ECANCELED. It is checked at least every 200 ms while libckpt waits
 * for criu, and before every request.
 */
CKPT_PUBLIC int ckpt_opts_set_cancel_flag(ckpt_opts *opts, volatile int *flag);
/**
 * Describes what a dump is taken of, for the checkpoint's manifest
 * (`ckpt.json` in the images dir, see ckpt-inspect(1)). Without it the
 * manifest says the source is the options' pid.
 *
 * @param opts    the options of the dump
 * @param kind    "pid" or "container" (NULL: "pid"); copied
 * @param id      the container id, or NULL; copied
 * @param runtime the runtime that started it ("runc", "crun", "youki"), or NULL; copied
 * @param bundle  the container's bundle directory, or NULL; copied
 * @return 0, -EINVAL (@p opts NULL or @p kind empty) or -ENOMEM (the previous
 *         source is then kept).
 *
 * Not thread-safe on one @p opts; it only touches @p opts.
 */
CKPT_PUBLIC int ckpt_opts_set_manifest_source(ckpt_opts *opts, const char *kind, const char *id,
					      const char *runtime, const char *bundle);

/* ------------------------------------------------------------------------ */
/** @name Operations (each one runs one criu swrk session) */

/**
 * criu's version as major*10000 + minor*100 + sublevel (4.2.1 -> 40201).
 * @p opts may be NULL (default criu binary).
 */
CKPT_PUBLIC int ckpt_criu_version(const ckpt_opts *opts, int *ret_version, ckpt_error **err);
/** The absolute path of the criu binary @p opts selects. Free with free(). */
CKPT_PUBLIC int ckpt_criu_path(const ckpt_opts *opts, char **ret_path, ckpt_error **err);
/** Runs criu's basic kernel check. */
CKPT_PUBLIC int ckpt_criu_check(const ckpt_opts *opts, ckpt_error **err);
/**
 * Asks criu which of the @p requested ckpt_feature bits this kernel supports.
 * @param ret_supported the supported subset of @p requested
 */
CKPT_PUBLIC int ckpt_criu_features(const ckpt_opts *opts, unsigned int requested,
				   unsigned int *ret_supported, ckpt_error **err);
/**
 * Whether this machine lets criu's lazy page server work: it needs a 4 MiB
 * pipe, which processes without CAP_SYS_RESOURCE only get when
 * fs.pipe-max-size allows it. Returns 0, or -EOPNOTSUPP with a message that
 * says what to change. Runs no criu.
 */
CKPT_PUBLIC int ckpt_lazy_pages_ready(ckpt_error **err);
/** Checkpoints the tree rooted at the options' pid into the images dir. */
CKPT_PUBLIC int ckpt_dump(const ckpt_opts *opts, ckpt_result **ret_result, ckpt_error **err);
/**
 * Pre-dump (memory only, the tree keeps running). Needs soft-dirty tracking;
 * fails with -EOPNOTSUPP and a clear message when the kernel lacks it.
 */
CKPT_PUBLIC int ckpt_pre_dump(const ckpt_opts *opts, ckpt_result **ret_result, ckpt_error **err);
/** Restores a tree from the images dir; ckpt_result_pid() gives its root. */
CKPT_PUBLIC int ckpt_restore(const ckpt_opts *opts, ckpt_result **ret_result, ckpt_error **err);
/* ------------------------------------------------------------------------ */
/** @name Results */

/** Frees a result. NULL is allowed. */
CKPT_PUBLIC void ckpt_result_free(ckpt_result *res);
/** Restore: the restored root pid; dump: the dumped pid. */
CKPT_PUBLIC pid_t ckpt_result_pid(const ckpt_result *res);
/** Wall time of the whole operation, in nanoseconds. */
CKPT_PUBLIC uint64_t ckpt_result_wall_ns(const ckpt_result *res);
/** Bytes in the images dir after a dump (0 for other operations). */
CKPT_PUBLIC uint64_t ckpt_result_image_bytes(const ckpt_result *res);
/** The images dir the result was written to (a dump), or NULL. */
CKPT_PUBLIC const char *ckpt_result_images_dir(const ckpt_result *res);
/** Number of notifications criu sent during the operation. */
CKPT_PUBLIC size_t ckpt_result_event_count(const ckpt_result *res);
/**
 * The @p i th notification: its name and when it arrived, in nanoseconds
 * since the operation started. Returns 0, or -ERANGE.
 */
CKPT_PUBLIC int ckpt_result_event(const ckpt_result *res, size_t i, const char **ret_name,
				  uint64_t *ret_ns);
/** criu's version as seen during the operation (major*10000+minor*100+sub). */
CKPT_PUBLIC int ckpt_result_criu_version(const ckpt_result *res);

#ifdef __cplusplus
}
#endif
#endif /* CKPT_H */
