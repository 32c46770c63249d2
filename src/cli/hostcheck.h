/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `ckpt check` finds out about this machine besides criu: the cgroup
 * layout, the active LSMs, programs and kernel facilities criu relies on.
 * The parsers are pure (tested on fixtures); the probes are cheap and leave
 * nothing behind.
 */
#ifndef CKPT_CLI_HOSTCHECK_H
#define CKPT_CLI_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------------------ */
/* cgroups */

enum cg_layout {
	CG_LAYOUT_NONE = 0, /* no cgroup hierarchy mounted */
	CG_LAYOUT_UNIFIED,  /* cgroup v2 only */
	CG_LAYOUT_LEGACY,   /* cgroup v1 controllers only */
	CG_LAYOUT_HYBRID,   /* v1 controllers and a cgroup2 hierarchy */
};

struct cg_info {
	enum cg_layout layout;
	char v2_mount[256];	  /* where cgroup2 is mounted, "" without one */
	char v1_base[256];	  /* the directory of the v1 hierarchies ("/sys/fs/cgroup") */
	char v1_controllers[512]; /* "cpu,cpuacct,...": controllers on v1 hierarchies */
	char v2_controllers[512]; /* the cgroup2 mount's cgroup.controllers (cg_probe) */
};

/* Which cgroup hierarchies /proc/self/mountinfo text mounts. */
void cg_parse_mountinfo(const char *text, struct cg_info *ret);
/* "unified" (v2 only), "v1", "hybrid" (v1 controllers and cgroup2), "none". */
const char *cg_layout_name(enum cg_layout l);
/*
 * What the layout means, for the --manage-cgroups-mode row; on a hybrid
 * layout also what crun needs (a cgroup2 hierarchy without controllers) and
 * the commands that give it that. Returns false when no cgroup is mounted.
 */
bool cg_explain(const struct cg_info *cg, char *buf, size_t len);
/* Reads /proc/self/mountinfo, then the cgroup2 mount's cgroup.controllers. */
int cg_probe(struct cg_info *ret);

/* ------------------------------------------------------------------------ */
/* LSMs */

/* Whether a comma-separated list ("lockdown,capability,apparmor") has name. */
bool lsm_list_has(const char *list, const char *name);
/*
 * The active LSMs, from /sys/kernel/security/lsm: 0. Without securityfs
 * there, 1 with what /sys/module/apparmor and /sys/fs/selinux tell (maybe
 * ""). -errno when neither can be read.
 */
int lsm_probe(char *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* Programs */

/* The PATH criu runs its helpers (iptables-restore) with. */
#define CRIU_HELPER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* NAME's absolute path in the directories of path (NULL: $PATH), malloc'd;
 * NULL when it is not there. */
char *find_program(const char *name, const char *path);
/*
 * Runs argv (argv[0] absolute) with stdin /dev/null, stdout and stderr into
 * out (NUL-terminated, cut at len), in a new network namespace when asked;
 * SIGKILLed after timeout_ms. Returns its exit status (128+N for signal N),
 * or -errno when it could not be run.
 */
int run_program(char *const argv[], bool new_netns, int timeout_ms, char *out, size_t len);
/* The first non-empty line of text, without surrounding blanks. */
void first_line(const char *text, char *buf, size_t len);
/* Whether the criu binary was built with libnftables: 1, 0, or -1 (cannot tell). */
int criu_has_nftables(const char *criu_path);

/* ------------------------------------------------------------------------ */
/* Kernel facilities: 0, or -errno of the call that failed. */

int probe_unix_diag(void);  /* sock_diag answers for unix sockets */
int probe_netns(void);	    /* a child can unshare(CLONE_NEWNET) */
int probe_tcp_listen(void); /* a TCP socket can listen on 127.0.0.1 */
/* These two need a file to test on, an O_TMPFILE in dir: *tested is false
 * when it could not be made (the -errno is then open's). */
int probe_link_tmpfile(const char *dir, bool *tested); /* linkat(AT_EMPTY_PATH) of it */
int probe_punch_hole(const char *dir, bool *tested);   /* fallocate(PUNCH_HOLE) on it */

#endif
