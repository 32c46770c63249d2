/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file ckpt.h
 * libckpt: checkpoint and restore Linux process trees through criu.
 *
 * libckpt forks `criu swrk <fd>` on an AF_UNIX SOCK_SEQPACKET socketpair for
 * every operation and speaks criu's protobuf RPC on it. It never links
 * libcriu, keeps no global state, never prints, never exits and installs no
 * signal handler. See libckpt(3) for an overview and an example, and the
 * programs in examples/.
 *
 * Conventions:
 *  - fallible functions return 0 (or a non-negative value) on success and a
 *    negative errno value on failure;
 *  - their last parameter, `err`, may be NULL; otherwise on failure `*err`
 *    receives a newly allocated ckpt_error (free it with ckpt_error_free())
 *    and on success it is left untouched;
 *  - output parameters are named `ret_*` and are only written on success;
 *  - every *_free() function accepts NULL;
 *  - ownership: strings and fds passed in are copied or borrowed, never
 *    taken (each function says which); strings returned by a getter belong
 *    to the handle and live until it is freed; anything else the caller must
 *    free is said so.
 *
 * Thread-safety: every function may be called from several threads at once
 * on distinct handles, so two threads may run two operations at the same
 * time. A ckpt_opts may be shared by concurrent operations as long as no
 * thread modifies it meanwhile. An operation starts criu as a child of the
 * calling process and waits for that child only (never waitpid(-1)); its
 * notify callback runs in the calling thread.
 */
#ifndef CKPT_H
#define CKPT_H

#include <stddef.h>
#include <stdint.h>
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

/**
 * Frees an error object and every string it owns.
 * @param err the error, or NULL (nothing is done)
 * Thread-safety: @p err must not be in use by another thread.
 */
CKPT_PUBLIC void ckpt_error_free(ckpt_error *err);
/**
 * The whole message, "<what>: <why>" (for example "checkpoint pid 42:
 * criu dump failed: ...").
 * @param err the error, or NULL
 * @return a string owned by @p err, valid until ckpt_error_free(); "" for NULL;
 *         never NULL.
 * Thread-safety: builds and caches the text on the first call, so do not call
 * it on one error from two threads at once without a lock.
 */
CKPT_PUBLIC const char *ckpt_error_message(const ckpt_error *err);
/**
 * What libckpt was doing when it failed, outermost first ("checkpoint pid 42").
 * @return a string owned by @p err; "" when @p err is NULL or has no context.
 */
CKPT_PUBLIC const char *ckpt_error_what(const ckpt_error *err);
/**
 * Why it failed, without the context ("process 42 does not exist").
 * @return a string owned by @p err; "" when @p err is NULL.
 */
CKPT_PUBLIC const char *ckpt_error_why(const ckpt_error *err);
/**
 * The positive errno value of the failure: the same value, negated, that the
 * failing call returned.
 * @return the errno value, or 0 when @p err is NULL.
 */
CKPT_PUBLIC int ckpt_error_errno(const ckpt_error *err);
/**
 * Whether the call refused the caller's own input before doing anything: a
 * pid that cannot be checkpointed (0, 1, the caller, an ancestor of the
 * caller, a kernel thread, one that does not exist), an images or work
 * directory path that is not a directory, too long or not writable, a
 * directory that holds no checkpoint, an invalid or unknown container id, a
 * missing option another one needs. Nothing was started or changed; the
 * `ckpt` CLI exits 2 for these, as for a usage error.
 * @return 1 for such an error, 0 otherwise (also for NULL).
 */
CKPT_PUBLIC int ckpt_error_is_input(const ckpt_error *err);
/**
 * criu's `cr_errno` from its response (the errno criu failed with, e.g.
 * ESRCH for a vanished task).
 * @return the value, or 0 when criu sent none or @p err is NULL.
 */
CKPT_PUBLIC int ckpt_error_criu_errno(const ckpt_error *err);
/**
 * criu's `cr_errmsg` (the first error line criu logged), without its newline.
 * @return a string owned by @p err, or NULL when criu sent none.
 */
CKPT_PUBLIC const char *ckpt_error_criu_errmsg(const ckpt_error *err);
/**
 * How the criu process of the failed request ended.
 * @param err        the error, or NULL
 * @param ret_exit   optional: criu's exit code, or -1 when a signal killed it
 * @param ret_signal optional: the signal that killed criu, or 0
 * @return 1 when criu was started and reaped (outputs written), 0 otherwise
 *         (outputs untouched).
 */
CKPT_PUBLIC int ckpt_error_criu_status(const ckpt_error *err, int *ret_exit, int *ret_signal);
/**
 * Path of the criu log file of the failed request. After a failed dump with
 * staging this is the log kept beside the images path (`<images>.dump.log`).
 * @return a string owned by @p err, or NULL when there is no log.
 */
CKPT_PUBLIC const char *ckpt_error_log_path(const ckpt_error *err);
/**
 * The relevant lines of criu's log (its first `Error` lines, at most 8), or
 * what criu printed on stdout/stderr when it failed before opening a log.
 * @return a string owned by @p err (lines separated by '\\n'), or NULL.
 */
CKPT_PUBLIC const char *ckpt_error_log_excerpt(const ckpt_error *err);

/* ------------------------------------------------------------------------ */
/** @name Options */

/** Boolean options, set with ckpt_opts_set_flag(). */
enum ckpt_flag {
	CKPT_FLAG_LEAVE_RUNNING = 0,  /**< dump: keep the tree running afterwards */
	CKPT_FLAG_TCP_ESTABLISHED,    /**< dump/restore established TCP connections */
	CKPT_FLAG_EXT_UNIX_SK,	      /**< allow unix sockets with a peer outside the tree */
	CKPT_FLAG_SHELL_JOB,	      /**< the tree is a shell job (tty, session) */
	CKPT_FLAG_FILE_LOCKS,	      /**< dump/restore file locks */
	CKPT_FLAG_TCP_SKIP_IN_FLIGHT, /**< dump: skip half-open (in-flight)
                                   connections */
	CKPT_FLAG_LINK_REMAP,	      /**< allow link remaps of unlinked files */
	CKPT_FLAG_AUTO_DEDUP,	      /**< punch pages already in the parent out of it */
	CKPT_FLAG_LAZY_PAGES,	      /**< post-copy: pages are served later */
	CKPT_FLAG_TCP_CLOSE,	      /**< restore connections closed, do not lock them */
	CKPT_FLAG_LEAVE_STOPPED,      /**< leave the tree stopped (SIGSTOP) afterwards */
	CKPT_FLAG_ORPHAN_PTS_MASTER,  /**< restore: hand the new pty master to the
                                  notify callback */
	CKPT_FLAG_RST_SIBLING,	      /**< restore: make the restored root a child of the
                                caller */
	CKPT_FLAG_EVASIVE_DEVICES,    /**< allow device files to be replaced by others */
	CKPT_FLAG_WEAK_SYSCTLS,	      /**< restore: skip sysctls the kernel lacks */
	CKPT_FLAG_STAGING,	      /**< dump: write into a new directory, move it into place
                        on success (default on) */
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
	CKPT_NETWORK_LOCK_SKIP, /**< criu >= 3.19 */
};

/** Kernel features criu can be asked about, see ckpt_criu_features(). */
enum ckpt_feature {
	CKPT_FEATURE_MEM_TRACK = 1 << 0,   /**< soft-dirty tracking: pre-dump, parent images */
	CKPT_FEATURE_LAZY_PAGES = 1 << 1,  /**< userfaultfd: lazy (post-copy) restore */
	CKPT_FEATURE_PIDFD_STORE = 1 << 2, /**< pidfd_open + pidfd_getfd */
};

/**
 * Called for every notification criu sends during an operation (see
 * libckpt(3) for the list: "pre-dump", "post-dump", "network-lock",
 * "post-restore", "orphan-pts-master", "status-ready", ...), in the thread
 * that called the operation, while criu waits for the answer: keep it short,
 * and do not free or modify the operation's ckpt_opts in it.
 *
 * @param script   the notification's name
 * @param pid      the pid criu attached (post-restore, setup-namespaces), else
 * 0
 * @param fd       an fd criu sent with the notification (orphan-pts-master),
 * else -1. It stays owned by libckpt and is closed when the callback returns:
 * dup() it to keep it.
 * @param userdata the pointer given to ckpt_opts_set_notify()
 * @return 0 to go on, a negative value to fail the step: criu then aborts the
 *         operation and resumes the tasks (for pre-dump, post-dump,
 *         network-lock, pre-restore, post-restore).
 */
typedef int (*ckpt_notify_fn)(const char *script, pid_t pid, int fd, void *userdata);

/**
 * Allocates an options object with the defaults: criu from PATH, log level
 * 4, staging on, no pid, no images dir, no callback, no deadline.
 * @param ret_opts receives the new object; free it with ckpt_opts_free()
 * @return 0, -EINVAL (@p ret_opts NULL) or -ENOMEM.
 * Thread-safety: safe.
 */
CKPT_PUBLIC int ckpt_opts_new(ckpt_opts **ret_opts);
/**
 * Frees an options object and everything it copied. fds given to it
 * (images dir fd, status fd, inherit fds) are not closed: they stay the
 * caller's.
 * @param opts the options, or NULL (nothing is done)
 */
CKPT_PUBLIC void ckpt_opts_free(ckpt_opts *opts);

/**
 * The criu binary to run: an absolute or relative path, or a name looked up
 * in PATH when the operation starts. Default "criu".
 * @param path copied; must be non-empty
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_criu_path(ckpt_opts *opts, const char *path);
/**
 * The images directory, by path: where a dump writes (created if needed,
 * mode 0700) and a restore reads.
 * @param path copied; must be non-empty
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_images_dir(ckpt_opts *opts, const char *path);
/**
 * The images directory as an open directory fd, instead of a path. The fd
 * stays the caller's and must stay open until the operation returns; a dump
 * then writes straight into it (no staging, no manifest move).
 * @return 0, -EINVAL (@p fd < 0) or -EBADF (@p fd not open).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_images_dir_fd(ckpt_opts *opts, int fd);
/**
 * The work directory, where criu writes its log, its stats and the lazy
 * pages socket. Default: the images dir.
 * @param path copied; NULL restores the default
 * @return 0, -EINVAL (empty path) or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_work_dir(ckpt_opts *opts, const char *path);
/**
 * The name of criu's log file inside the work dir.
 * Default "dump.log", "pre-dump.log" or "restore.log" by operation.
 * @param name copied; non-empty, without '/'
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_log_file(ckpt_opts *opts, const char *name);
/**
 * criu's log level: 0 nothing, 1 errors, 2 warnings, 3 information, 4
 * debug. Default 4, so that ckpt_error_log_excerpt() can explain a failure.
 * @return 0 or -EINVAL (out of range).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_log_level(ckpt_opts *opts, int level);
/**
 * The root pid of the tree to dump (criu's -t). A dump refuses, before criu
 * runs, a pid that does not exist (-ESRCH), pid 1, a kernel thread and the
 * caller (-EINVAL).
 * @return 0 or -EINVAL (@p pid <= 0).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_pid(ckpt_opts *opts, pid_t pid);
/**
 * Sets or clears a boolean option.
 * @param flag one of enum ckpt_flag
 * @param on   non-zero to set
 * @return 0 or -EINVAL (unknown flag).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_flag(ckpt_opts *opts, enum ckpt_flag flag, int on);
/**
 * Reads a boolean option.
 * @return 1 or 0, or -EINVAL for an unknown flag or a NULL @p opts.
 * Thread-safety: safe while no thread modifies @p opts.
 */
CKPT_PUBLIC int ckpt_opts_get_flag(const ckpt_opts *opts, enum ckpt_flag flag);
/**
 * The parent images of an incremental dump, relative to the images dir as
 * criu expects (e.g. "../pre"); criu then tracks memory changes. Needs
 * soft-dirty tracking: the dump fails with -EOPNOTSUPP when the kernel lacks
 * it.
 * @param relpath copied; NULL clears; must not be absolute or empty
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_parent_path(ckpt_opts *opts, const char *relpath);
/**
 * Page server address: where a dump sends its pages, where a lazy-pages dump
 * serves them, or where ckpt_page_server_start() listens.
 * @param address copied; an IPv4 or IPv6 address or host name, or NULL (any)
 * @param port    0..65535 (0: any free port, for ckpt_page_server_start())
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_page_server(ckpt_opts *opts, const char *address, int port);
/**
 * An fd of the caller that gets one '\\0' byte when a lazy page server is
 * ready (criu's status-ready notification, criu >= 3.15). The fd stays the
 * caller's and must stay open until the operation returns.
 * @param fd the fd, or -1 to clear
 * @return 0, -EINVAL or -EBADF (not open).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_status_fd(ckpt_opts *opts, int fd);
/**
 * cgroup handling, as criu's --manage-cgroups (criu >= 1.7; a dump or
 * restore fails naming the option on an older criu).
 * @return 0 or -EINVAL (not an enum ckpt_cg_mode value).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_manage_cgroups_mode(ckpt_opts *opts, enum ckpt_cg_mode mode);
/**
 * How criu locks the network of a tree with its own network namespace while
 * it is dumped (criu >= 3.16; CKPT_NETWORK_LOCK_SKIP needs 3.19).
 * @return 0 or -EINVAL.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_network_lock(ckpt_opts *opts, enum ckpt_network_lock method);
/**
 * Adds a namespace criu creates empty on restore (criu's --empty-ns).
 * @param ns "network" (or "net"): the only one criu supports
 * @return 0, -EINVAL (NULL) or -EOPNOTSUPP (another namespace).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_add_empty_ns(ckpt_opts *opts, const char *ns);
/**
 * The root directory of the tree (criu's --root), for containers.
 * @param path copied; absolute, or NULL to clear
 * @return 0, -EINVAL (relative) or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_root(ckpt_opts *opts, const char *path);
/**
 * Adds one criu --external item: "mnt[MOUNTPOINT]:NAME", "net[INODE]:NAME",
 * "unix[INODE]", "dev[MAJ/MIN]:NAME", ... (see criu(8)).
 * @param item copied; non-empty
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_add_external(ckpt_opts *opts, const char *item);
/**
 * Restore resource @p key (e.g. "pipe:[1234]", "file:/path") from the caller's
 * @p fd, as criu's --inherit-fd. The fd is passed to criu (as fd 4, 5, ...); it
 * stays the caller's and must stay open until the operation returns.
 * @param key copied; non-empty
 * @return 0, -EINVAL, -EBADF (fd not open) or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_add_inherit_fd(ckpt_opts *opts, const char *key, int fd);
/**
 * Restore into an existing namespace (criu's --join-ns).
 * @param ns   "ipc", "net", "uts", "user" or "time"
 * @param file copied; the namespace file, e.g. "/proc/42/ns/net"
 * @return 0, -EINVAL, -EOPNOTSUPP (another namespace) or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_add_join_ns(ckpt_opts *opts, const char *ns, const char *file);
/**
 * Adds an external mount map entry (criu's ext_mnt): on dump mountpoint ->
 * name, on restore name -> host path.
 * @param key copied; non-empty
 * @param val copied; non-empty
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_add_ext_mount(ckpt_opts *opts, const char *key, const char *val);
/**
 * Remaps a cgroup root on restore (criu's --cgroup-root).
 * @param ctrl copied; the controller, or NULL for all
 * @param path copied; non-empty
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_add_cgroup_root(ckpt_opts *opts, const char *ctrl, const char *path);
/**
 * The cgroup criu freezes the tree with (criu's --freeze-cgroup).
 * @param path copied; NULL clears
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_freeze_cgroup(ckpt_opts *opts, const char *path);
/**
 * The LSM profile of the restored tasks (criu >= 3.12).
 * @param profile copied; "apparmor:NAME" or "selinux:CONTEXT", or NULL to clear
 * @return 0, -EINVAL (another form) or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_lsm_profile(ckpt_opts *opts, const char *profile);
/**
 * The SELinux `context=` of the restored mounts (criu >= 3.16).
 * @param ctx copied; NULL clears
 * @return 0, -EINVAL or -ENOMEM.
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
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
 *
 * @return 0 or -EINVAL (@p opts NULL).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_timeout(ckpt_opts *opts, unsigned int ms);
/**
 * The notification callback, see ckpt_notify_fn. It runs in the thread that
 * called the operation, while criu waits for its answer.
 * @param fn       the callback, or NULL to remove it
 * @param userdata passed to @p fn as is; not owned by libckpt
 * @return 0 or -EINVAL (@p opts NULL).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
 */
CKPT_PUBLIC int ckpt_opts_set_notify(ckpt_opts *opts, ckpt_notify_fn fn, void *userdata);
/**
 * Cancellation: when *@p flag becomes non-zero (e.g. set by a signal handler)
 * the running operation stops as for a timeout (see ckpt_opts_set_timeout()),
 * with -ECANCELED. It is checked at least every 200 ms while libckpt waits
 * for criu, and before every request.
 *
 * @param flag read (never written) during operations; it must outlive them;
 *             NULL removes it
 * @return 0 or -EINVAL (@p opts NULL).
 * Touches only @p opts: not thread-safe on one @p opts, safe on distinct ones.
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
 * @param runtime the runtime that started it ("runc", "crun", "youki"), or
 * NULL; copied
 * @param bundle  the container's bundle directory, or NULL; copied
 * @return 0, -EINVAL (@p opts NULL or @p kind empty) or -ENOMEM (the previous
 *         source is then kept).
 *
 * Not thread-safe on one @p opts; it only touches @p opts.
 */
CKPT_PUBLIC int ckpt_opts_set_manifest_source(ckpt_opts *opts, const char *kind, const char *id, const char *runtime,
					      const char *bundle);

/* ------------------------------------------------------------------------ */
/** @name Operations (each one runs one criu swrk session) */

/**
 * criu's version, asked over RPC: major*10000 + minor*100 + sublevel
 * (4.2.1 -> 40201). Runs one criu process.
 * @param opts        the criu binary to ask, or NULL for "criu" from PATH
 * @param ret_version receives the version
 * @return 0; -ENOENT (no criu binary); -EOPNOTSUPP (criu older than 3.0, which
 *         does not report a version); or another negative errno with @p err
 *         saying what criu said.
 * Thread-safety: safe (the callback and cancel flag of @p opts are used).
 */
CKPT_PUBLIC int ckpt_criu_version(const ckpt_opts *opts, int *ret_version, ckpt_error **err);
/**
 * The absolute path of the criu binary @p opts selects (PATH looked up now).
 * Runs no criu.
 * @param opts     the options, or NULL for "criu"
 * @param ret_path receives a string the caller frees with free()
 * @return 0, -EINVAL (@p ret_path NULL), -ENOENT or -EACCES (not found or not
 *         executable) or -ENOMEM.
 * Thread-safety: safe.
 */
CKPT_PUBLIC int ckpt_criu_path(const ckpt_opts *opts, char **ret_path, ckpt_error **err);
/**
 * Runs criu's basic kernel check (criu's `check`). Runs one criu process.
 * @param opts the criu binary, or NULL for "criu" from PATH
 * @return 0 when criu can checkpoint on this kernel; a negative errno with
 *         criu's reasons in @p err otherwise.
 * Thread-safety: safe.
 */
CKPT_PUBLIC int ckpt_criu_check(const ckpt_opts *opts, ckpt_error **err);
/**
 * Asks criu (FEATURE_CHECK) which of the @p requested kernel features it can
 * use here. Runs one criu process.
 * @param opts          the criu binary, or NULL for "criu" from PATH
 * @param requested     an OR of enum ckpt_feature bits
 * @param ret_supported receives the supported subset of @p requested
 * @return 0, or a negative errno with @p err set.
 * Thread-safety: safe.
 */
CKPT_PUBLIC int ckpt_criu_features(const ckpt_opts *opts, unsigned int requested, unsigned int *ret_supported,
				   ckpt_error **err);
/**
 * Whether this machine lets criu's lazy page server work: it needs a 4 MiB
 * pipe, which processes without CAP_SYS_RESOURCE only get when fs.pipe-max-size
 * allows it. Runs no criu.
 * @return 0, or -EOPNOTSUPP with a message in @p err that says what to run.
 * Thread-safety: safe.
 */
CKPT_PUBLIC int ckpt_lazy_pages_ready(ckpt_error **err);
/**
 * The oldest criu that can run a dump or a restore with these options, as
 * libckpt gates them before criu runs (criu ignores request fields it does
 * not know, so an option newer than criu is refused, naming it): for example
 * 31900 for CKPT_NETWORK_LOCK_SKIP, 30900 for CKPT_FLAG_TCP_CLOSE. Runs no
 * criu; compare with ckpt_criu_version().
 * @param opts       the options
 * @param ret_option optional: the option that needs that version
 *                   ("--network-lock skip"), a static string, or NULL when
 *                   any criu will do
 * @return major*10000 + minor*100 + sublevel, 0 when any criu will do, or
 *         -EINVAL (@p opts NULL).
 * Thread-safety: safe while no thread modifies @p opts.
 */
CKPT_PUBLIC int ckpt_opts_criu_version_needed(const ckpt_opts *opts, const char **ret_option);
/**
 * Checkpoints the tree rooted at the options' pid into the images dir.
 *
 * Before criu runs, the pid is checked (see ckpt_opts_set_pid()) and options
 * the reported criu version or the kernel cannot honour are refused with a
 * message naming them. With CKPT_FLAG_STAGING (the default, unless lazy pages
 * or an images dir fd are used) criu writes into a new directory beside the
 * images dir, which replaces it only once criu has succeeded: a failed or
 * cancelled dump leaves the images dir as it was and the tree running, and
 * keeps criu's log as `<images>.dump.log`. Before that move a manifest,
 * `ckpt.json`, is written into the images (see ckpt-inspect(1)); failing to
 * write it does not fail the dump. Without CKPT_FLAG_LEAVE_RUNNING the tree is
 * gone afterwards.
 *
 * @param opts       the options; not modified
 * @param ret_result optional: receives the result (free with
 * ckpt_result_free())
 * @return 0, or a negative errno with @p err set: -EINVAL (no pid, no images
 *         dir, bad options, pid 1, a kernel thread, the caller), -ESRCH (no
 *         such process), -ENOTDIR, -EOPNOTSUPP (an option this criu or
 *         kernel lacks), -ETIMEDOUT / -ECANCELED (deadline, cancel flag), the
 *         notify callback's value, or criu's cr_errno (-EIO when it sent none).
 * Thread-safety: safe; runs criu as a child of the calling process and reaps
 * only that child. The notify callback runs in the calling thread.
 */
CKPT_PUBLIC int ckpt_tree_dump(const ckpt_opts *opts, ckpt_result **ret_result, ckpt_error **err);
/**
 * Pre-dump: dumps the memory only, the tree keeps running; a later
 * ckpt_tree_dump() with ckpt_opts_set_parent_path() then writes only the pages that
 * changed. Needs soft-dirty tracking: fails with -EOPNOTSUPP and a clear
 * message when the kernel lacks it, before the process is touched. Otherwise as
 * ckpt_tree_dump(), including staging and the manifest ("operation": "pre-dump").
 * @param ret_result optional: receives the result
 * @return as ckpt_tree_dump().
 * Thread-safety: as ckpt_tree_dump().
 */
CKPT_PUBLIC int ckpt_tree_pre_dump(const ckpt_opts *opts, ckpt_result **ret_result, ckpt_error **err);
/**
 * Restores a tree from the images dir (made by ckpt_tree_dump() or by criu).
 * The tree gets its old pids back, so the original must be gone. With
 * CKPT_FLAG_RST_SIBLING the restored root becomes a child of the caller (which
 * can then wait for it); otherwise it is reparented when criu exits.
 * @param opts       the options; not modified
 * @param ret_result optional: receives the result; ckpt_result_pid() is the
 *                   restored root
 * @return 0, or a negative errno with @p err set: -EEXIST (a process holds a
 *         pid of the checkpoint), -ENOENT (no inventory.img: not a
 *         checkpoint), -EINVAL (no images dir), -EOPNOTSUPP,
 *         -ETIMEDOUT / -ECANCELED, the notify callback's value, or criu's
 *         cr_errno.
 * Thread-safety: as ckpt_tree_dump().
 */
CKPT_PUBLIC int ckpt_tree_restore(const ckpt_opts *opts, ckpt_result **ret_result, ckpt_error **err);
/* ------------------------------------------------------------------------ */
/** @name Live migration: page server and lazy pages */

/** A running criu page server (the receiving side of a page-server dump). */
typedef struct ckpt_page_server ckpt_page_server;

/**
 * Starts criu's page server on the options' page-server address and port
 * (port 0: any free port), writing the pages it receives into the images
 * dir. It serves one dump, then exits. The server is listening when this
 * returns. Needs ckpt_opts_set_page_server() and an images dir.
 */
CKPT_PUBLIC int ckpt_page_server_start(const ckpt_opts *opts, ckpt_page_server **ret_server, ckpt_error **err);
/** The page server's pid (a child of the criu process libckpt started). */
CKPT_PUBLIC pid_t ckpt_page_server_pid(const ckpt_page_server *ps);
/** The port it listens on. */
CKPT_PUBLIC int ckpt_page_server_port(const ckpt_page_server *ps);
/**
 * Waits until the page server exits (after it has served a dump).
 * @param ret_status its wait status (see waitpid(2)); 0 after a served dump.
 */
CKPT_PUBLIC int ckpt_page_server_wait(ckpt_page_server *ps, int *ret_status, ckpt_error **err);
/** Stops the page server if it still runs (SIGTERM, then SIGKILL) and frees it.
 * NULL is allowed. */
CKPT_PUBLIC void ckpt_page_server_free(ckpt_page_server *ps);

/**
 * Starts criu's lazy-pages daemon (there is no RPC request for it: this runs
 * `criu lazy-pages --page-server` with the same fd and signal hygiene as
 * swrk). It connects to the options' page-server address and port, where a
 * `--lazy-pages` dump serves the memory, and serves a lazy restore that uses
 * the same work dir (default: the images dir). The daemon is the caller's
 * child: reap it with waitpid(2); it exits once every page is transferred.
 */
CKPT_PUBLIC int ckpt_lazy_pages_start(const ckpt_opts *opts, pid_t *ret_pid, ckpt_error **err);

/* ------------------------------------------------------------------------ */
/** @name Results */

/**
 * Frees a result and the strings it owns.
 * @param res the result, or NULL (nothing is done)
 */
CKPT_PUBLIC void ckpt_result_free(ckpt_result *res);
/**
 * The pid of the operation: a dump's root pid, or the restored root's pid.
 * @return the pid, or 0 for NULL.
 */
CKPT_PUBLIC pid_t ckpt_result_pid(const ckpt_result *res);
/**
 * Wall time of the whole operation, from when libckpt started criu to the
 * end (a dump's move into place included), in nanoseconds (0 for NULL).
 */
CKPT_PUBLIC uint64_t ckpt_result_wall_ns(const ckpt_result *res);
/**
 * Bytes of the files in the images dir after a dump (manifest and criu's log
 * included); 0 for other operations, an images dir fd, or NULL.
 */
CKPT_PUBLIC uint64_t ckpt_result_image_bytes(const ckpt_result *res);
/**
 * The images dir of the operation, as the caller named it.
 * @return a string owned by @p res, or NULL (images dir given as an fd, or
 * NULL).
 */
CKPT_PUBLIC const char *ckpt_result_images_dir(const ckpt_result *res);
/** Number of notifications criu sent during the operation (0 for NULL). */
CKPT_PUBLIC size_t ckpt_result_event_count(const ckpt_result *res);
/**
 * The @p i th notification criu sent: its name and when it arrived.
 * @param i        0 .. ckpt_result_event_count() - 1
 * @param ret_name optional: the name ("pre-dump", ...), owned by @p res
 * @param ret_ns   optional: nanoseconds since the operation started
 * @return 0, -EINVAL (@p res NULL) or -ERANGE (@p i too large).
 */
CKPT_PUBLIC int ckpt_result_event(const ckpt_result *res, size_t i, const char **ret_name, uint64_t *ret_ns);
/**
 * criu's version as reported during the operation
 * (major*10000 + minor*100 + sublevel), or 0 when unknown.
 */
CKPT_PUBLIC int ckpt_result_criu_version(const ckpt_result *res);

/* ------------------------------------------------------------------------ */
/** @name Containers
 *
 * Checkpoint and restore of OCI containers by id, whichever runtime started
 * them (runc, crun or youki): libckpt reads the runtime's state and the
 * bundle's config.json, turns the container into criu options (root, bind
 * mounts, masked paths, namespaces, cgroups, stdio pipes, terminal) and
 * runs ckpt_tree_dump() or ckpt_tree_restore(). See docs/containers.md.
 */

/** A container found by id: what its runtime and bundle say about it. */
typedef struct ckpt_container ckpt_container;
/** Opaque options of the container functions (runtime, state root, bundle,
 * ...). */
typedef struct ckpt_container_opts ckpt_container_opts;

/** The OCI runtimes whose state libckpt reads. */
enum ckpt_runtime {
	CKPT_RUNTIME_ANY = 0, /**< look in every runtime's default state root */
	CKPT_RUNTIME_RUNC,    /**< runc: `<root>/<id>/state.json`, default root /run/runc
                      */
	CKPT_RUNTIME_CRUN,    /**< crun: `<root>/<id>/status`, default root /run/crun */
	CKPT_RUNTIME_YOUKI,   /**< youki: `<root>/<id>/state.json`, default root
                         /run/youki */
};

/** Boolean container options, set with ckpt_container_opts_set_flag(). */
enum ckpt_container_flag {
	/** dump: do not run the runtime's `delete` after a dump that stopped the
     container */
	CKPT_CONTAINER_KEEP_STATE = 0,
	/** restore: do not write the runtime's state for the restored container
     (crun, youki) */
	CKPT_CONTAINER_NO_REGISTER,
	_CKPT_CONTAINER_FLAG_MAX
};

/** "runc", "crun", "youki", or "any". Never NULL. */
CKPT_PUBLIC const char *ckpt_runtime_name(enum ckpt_runtime rt);
/** Parses "runc", "crun" or "youki". Returns 0 or -EINVAL. */
CKPT_PUBLIC int ckpt_runtime_from_name(const char *name, enum ckpt_runtime *ret_runtime);

/**
 * Checks a container id as runc does, before it is ever joined to a path:
 * 1 to 1024 bytes of letters, digits, '_', '+', '-' and '.', without "..".
 * @return 0, or -EINVAL with a message naming the id and the reason.
 */
CKPT_PUBLIC int ckpt_container_id_check(const char *id, ckpt_error **err);

/** Allocates container options with the defaults (any runtime, default roots).
 * 0 or -ENOMEM. */
CKPT_PUBLIC int ckpt_container_opts_new(ckpt_container_opts **ret_copts);
/** Frees container options. NULL is allowed. */
CKPT_PUBLIC void ckpt_container_opts_free(ckpt_container_opts *copts);
/** Which runtime's state to read (default CKPT_RUNTIME_ANY). */
CKPT_PUBLIC int ckpt_container_opts_set_runtime(ckpt_container_opts *copts, enum ckpt_runtime rt);
/**
 * The runtime's state root (its `--root`). Needs a runtime other than
 * CKPT_RUNTIME_ANY when the container is looked up. NULL: the default root.
 */
CKPT_PUBLIC int ckpt_container_opts_set_state_root(ckpt_container_opts *copts, const char *dir);
/** The runtime's binary for `delete` (default: its name, looked up in PATH). */
CKPT_PUBLIC int ckpt_container_opts_set_runtime_path(ckpt_container_opts *copts, const char *path);
/**
 * restore: the bundle (the directory holding config.json). Default: the
 * bundle recorded in the images by a ckpt container dump.
 */
CKPT_PUBLIC int ckpt_container_opts_set_bundle(ckpt_container_opts *copts, const char *dir);
/**
 * restore: the AF_UNIX socket the restored terminal's pty master is sent to
 * (SCM_RIGHTS), as runc's `--console-socket`. Needed for terminal containers.
 */
CKPT_PUBLIC int ckpt_container_opts_set_console_socket(ckpt_container_opts *copts, const char *path);
/**
 * restore: the caller's fds that take the place of the container's stdio
 * pipes (descriptors.json entries "pipe:[...]"); default 0, 1 and 2. The fds
 * stay the caller's; they must be open while ckpt_container_restore() runs.
 */
CKPT_PUBLIC int ckpt_container_opts_set_stdio(ckpt_container_opts *copts, int in, int out, int err_fd);
/**
 * restore: the cgroup to restore into, relative to the hierarchy roots
 * (e.g. "/mycontainer"). Default: the cgroup the container was dumped in.
 */
CKPT_PUBLIC int ckpt_container_opts_set_cgroup(ckpt_container_opts *copts, const char *path);
/** Sets or clears a ckpt_container_flag. */
CKPT_PUBLIC int ckpt_container_opts_set_flag(ckpt_container_opts *copts, enum ckpt_container_flag flag, int on);

/**
 * Finds a running container by id and checks that its init is alive and is
 * the process the state describes (by its start time, so a recycled pid is
 * never taken for it). Without a runtime, the default roots of all three are
 * searched and the id must be found in exactly one.
 *
 * @param copts options (runtime, state root), or NULL for the defaults
 * @return 0; -EINVAL for a bad id or a malformed state or config.json;
 *         -ENOENT when no runtime knows the id; -ENOTUNIQ when several do;
 *         -ESRCH when the container is not running.
 */
CKPT_PUBLIC int ckpt_container_find(const ckpt_container_opts *copts, const char *id, ckpt_container **ret_container,
				    ckpt_error **err);
/** Frees a container. NULL is allowed. */
CKPT_PUBLIC void ckpt_container_free(ckpt_container *c);
/** The container's id. */
CKPT_PUBLIC const char *ckpt_container_get_id(const ckpt_container *c);
/** The runtime whose state described it. */
CKPT_PUBLIC enum ckpt_runtime ckpt_container_get_runtime(const ckpt_container *c);
/** The pid of its init (in the caller's pid namespace). */
CKPT_PUBLIC pid_t ckpt_container_get_pid(const ckpt_container *c);
/** Its bundle directory. */
CKPT_PUBLIC const char *ckpt_container_get_bundle(const ckpt_container *c);
/** Its root file system (absolute). */
CKPT_PUBLIC const char *ckpt_container_get_rootfs(const ckpt_container *c);
/** Its cgroup relative to the hierarchy roots, or NULL when unknown. */
CKPT_PUBLIC const char *ckpt_container_get_cgroup(const ckpt_container *c);
/** Its state directory (`<root>/<id>`). */
CKPT_PUBLIC const char *ckpt_container_get_state_dir(const ckpt_container *c);
/** 1 when its process has a terminal (config.json process.terminal), else 0. */
CKPT_PUBLIC int ckpt_container_get_terminal(const ckpt_container *c);
/** What the init's fd @p fd (0, 1 or 2) was at start ("pipe:[123]",
 * "/dev/null"), or NULL. */
CKPT_PUBLIC const char *ckpt_container_get_descriptor(const ckpt_container *c, int fd);
/** The config.json annotation @p key, or NULL. */
CKPT_PUBLIC const char *ckpt_container_get_annotation(const ckpt_container *c, const char *key);

/**
 * Checkpoints container @p id into the images dir of @p opts.
 *
 * @p opts gives the images dir and criu's options (leave-running,
 * tcp-established, manage-cgroups mode, ...); it is not modified: the
 * container's root, external mounts, namespaces and freezer cgroup are added
 * to a copy. Also writes `descriptors.json` (runc's format, so `runc restore`
 * can restore the images) and `ckpt-container.json` into the images dir.
 * Unless CKPT_FLAG_LEAVE_RUNNING is set (the container then keeps running,
 * its state untouched), criu stops the container and the runtime's own
 * `delete --force` removes its state, as `runc checkpoint` does; set
 * CKPT_CONTAINER_KEEP_STATE to skip that.
 *
 * @param copts options (runtime, state root, runtime binary), or NULL
 * @param ret_result optional: the dump's result (ckpt_result_pid() is the init)
 */
CKPT_PUBLIC int ckpt_container_dump(const ckpt_opts *opts, const char *id, const ckpt_container_opts *copts,
				    ckpt_result **ret_result, ckpt_error **err);
/**
 * Restores container @p id from the images dir of @p opts (made by
 * ckpt_container_dump() or `runc checkpoint`) into the bundle's rootfs:
 * bind mounts mapped back to their sources, the stdio pipes replaced by the
 * caller's fds (see ckpt_container_opts_set_stdio()), namespaces given by
 * path joined, the terminal's new pty master sent to the console socket,
 * and the tree placed in the container's cgroup. Then, unless
 * CKPT_CONTAINER_NO_REGISTER is set, a crun or youki container is written
 * back into the runtime's state (`crun kill`, `crun delete` work on it); a
 * runc container is not (use `runc restore` for runc's own bookkeeping).
 * The id must not be in use in the runtime's state root.
 *
 * @param copts options (runtime, state root, bundle, console socket, stdio,
 *              cgroup), or NULL
 * @param ret_result optional: ckpt_result_pid() is the restored init
 */
CKPT_PUBLIC int ckpt_container_restore(const ckpt_opts *opts, const char *id, const ckpt_container_opts *copts,
				       ckpt_result **ret_result, ckpt_error **err);

#ifdef __cplusplus
}
#endif
#endif /* CKPT_H */
