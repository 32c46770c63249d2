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
/** Stops the page server if it still runs (SIGTERM, then SIGKILL) and frees it. NULL is allowed. */
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

/* ------------------------------------------------------------------------ */
/** @name Containers
 *
 * Checkpoint and restore of OCI containers by id, whichever runtime started
 * them (runc, crun or youki): libckpt reads the runtime's state and the
 * bundle's config.json, turns the container into criu options (root, bind
 * mounts, masked paths, namespaces, cgroups, stdio pipes, terminal) and
 * runs ckpt_dump() or ckpt_restore(). See docs/containers.md.
 */

/** A container found by id: what its runtime and bundle say about it. */
typedef struct ckpt_container ckpt_container;
/** Opaque options of the container functions (runtime, state root, bundle, ...). */
typedef struct ckpt_container_opts ckpt_container_opts;

/** The OCI runtimes whose state libckpt reads. */
enum ckpt_runtime {
	CKPT_RUNTIME_ANY = 0, /**< look in every runtime's default state root */
	CKPT_RUNTIME_RUNC,    /**< runc: `<root>/<id>/state.json`, default root /run/runc */
	CKPT_RUNTIME_CRUN,    /**< crun: `<root>/<id>/status`, default root /run/crun */
	CKPT_RUNTIME_YOUKI,   /**< youki: `<root>/<id>/state.json`, default root /run/youki */
};

/** Boolean container options, set with ckpt_container_opts_set_flag(). */
enum ckpt_container_flag {
	/** dump: do not run the runtime's `delete` after a dump that stopped the container */
	CKPT_CONTAINER_KEEP_STATE = 0,
	/** restore: do not write the runtime's state for the restored container (crun, youki) */
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

/** Allocates container options with the defaults (any runtime, default roots). 0 or -ENOMEM. */
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
/** What the init's fd @p fd (0, 1 or 2) was at start ("pipe:[123]", "/dev/null"), or NULL. */
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
