/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Translation of ckpt_opts into criu's CriuOpts, one helper per option group. */
#include <string.h>

#include "error.h"
#include "opts.h"

const char *
opts_log_file(const ckpt_opts *o, enum opts_op op)
{
	if (o->log_file)
		return o->log_file;
	switch (op) {
	case OPTS_OP_RESTORE: return "restore.log";
	case OPTS_OP_PRE_DUMP: return "pre-dump.log";
	case OPTS_OP_PAGE_SERVER: return "page-server.log";
	default: return "dump.log";
	}
}

static char *
xstrdup(const char *s, bool *oom)
{
	char *r;

	if (!s)
		return NULL;
	r = strdup(s);
	if (!r)
		*oom = true;
	return r;
}

static void *
xcalloc(size_t n, size_t size, bool *oom)
{
	void *r;

	if (n == 0)
		return NULL;
	r = calloc(n, size);
	if (!r)
		*oom = true;
	return r;
}

#define SET_BOOL(c, field, value)        \
	do {                             \
		(c)->has_##field = true; \
		(c)->field = (value);    \
	} while (0)

static void
set_common(const ckpt_opts *o, enum opts_op op, const struct opts_fds *fds, CriuOpts *c, bool *oom)
{
	c->images_dir_fd = fds->images_dir_fd;
	if (fds->work_dir_fd >= 0) {
		c->has_work_dir_fd = true;
		c->work_dir_fd = fds->work_dir_fd;
	}
	c->has_log_level = true;
	c->log_level = o->log_level;
	c->log_file = xstrdup(opts_log_file(o, op), oom);
	SET_BOOL(c, notify_scripts, true);
	c->root = xstrdup(o->root, oom);
	if (o->timeout_ms) {
		/* criu's own freeze timeout, in seconds, never above the deadline */
		c->has_timeout = true;
		c->timeout = o->timeout_ms / 1000 ? o->timeout_ms / 1000 : 1;
	}
}

static void
set_flags(const ckpt_opts *o, enum opts_op op, CriuOpts *c)
{
	const bool *f = o->flags;
	bool dump = op == OPTS_OP_DUMP || op == OPTS_OP_PRE_DUMP;

	if (f[CKPT_FLAG_TCP_ESTABLISHED])
		SET_BOOL(c, tcp_established, true);
	if (f[CKPT_FLAG_EXT_UNIX_SK])
		SET_BOOL(c, ext_unix_sk, true);
	if (f[CKPT_FLAG_SHELL_JOB])
		SET_BOOL(c, shell_job, true);
	if (f[CKPT_FLAG_FILE_LOCKS])
		SET_BOOL(c, file_locks, true);
	if (f[CKPT_FLAG_LINK_REMAP])
		SET_BOOL(c, link_remap, true);
	if (f[CKPT_FLAG_AUTO_DEDUP])
		SET_BOOL(c, auto_dedup, true);
	if (f[CKPT_FLAG_LAZY_PAGES])
		SET_BOOL(c, lazy_pages, true);
	if (f[CKPT_FLAG_TCP_CLOSE])
		SET_BOOL(c, tcp_close, true);
	if (f[CKPT_FLAG_EVASIVE_DEVICES])
		SET_BOOL(c, evasive_devices, true);
	if (dump && f[CKPT_FLAG_LEAVE_RUNNING])
		SET_BOOL(c, leave_running, true);
	if (dump && f[CKPT_FLAG_TCP_SKIP_IN_FLIGHT])
		SET_BOOL(c, tcp_skip_in_flight, true);
	if (f[CKPT_FLAG_LEAVE_STOPPED])
		SET_BOOL(c, leave_stopped, true);
	if (f[CKPT_FLAG_ORPHAN_PTS_MASTER])
		SET_BOOL(c, orphan_pts_master, true);
	if (!dump && f[CKPT_FLAG_RST_SIBLING])
		SET_BOOL(c, rst_sibling, true);
	if (!dump && f[CKPT_FLAG_WEAK_SYSCTLS])
		SET_BOOL(c, weak_sysctls, true);
}

static CriuCgMode
cg_mode(enum ckpt_cg_mode m)
{
	switch (m) {
	case CKPT_CG_SOFT: return CRIU_CG_MODE__SOFT;
	case CKPT_CG_FULL: return CRIU_CG_MODE__FULL;
	case CKPT_CG_STRICT: return CRIU_CG_MODE__STRICT;
	case CKPT_CG_IGNORE: return CRIU_CG_MODE__IGNORE;
	case CKPT_CG_PROPS: return CRIU_CG_MODE__PROPS;
	case CKPT_CG_NONE: return CRIU_CG_MODE__CG_NONE;
	default: return CRIU_CG_MODE__DEFAULT;
	}
}

static void
set_cgroups(const ckpt_opts *o, CriuOpts *c, bool *oom)
{
	if (o->cg_mode != CKPT_CG_DEFAULT) {
		c->has_manage_cgroups_mode = true;
		c->manage_cgroups_mode = cg_mode(o->cg_mode);
	}
	c->freeze_cgroup = xstrdup(o->freeze_cgroup, oom);
	c->cg_root = xcalloc(o->n_cg_root, sizeof(*c->cg_root), oom);
	for (size_t i = 0; c->cg_root && i < o->n_cg_root; i++) {
		CgroupRoot *r = xcalloc(1, sizeof(*r), oom);
		if (!r)
			break;
		cgroup_root__init(r);
		r->ctrl = xstrdup(o->cg_root[i].key, oom);
		r->path = xstrdup(o->cg_root[i].val, oom);
		c->cg_root[c->n_cg_root++] = r;
	}
}

static void
set_network(const ckpt_opts *o, CriuOpts *c)
{
	if (o->empty_ns) {
		c->has_empty_ns = true;
		c->empty_ns = o->empty_ns;
	}
	switch (o->netlock) {
	case CKPT_NETWORK_LOCK_IPTABLES:
		c->has_network_lock = true;
		c->network_lock = CRIU_NETWORK_LOCK_METHOD__IPTABLES;
		break;
	case CKPT_NETWORK_LOCK_NFTABLES:
		c->has_network_lock = true;
		c->network_lock = CRIU_NETWORK_LOCK_METHOD__NFTABLES;
		break;
	case CKPT_NETWORK_LOCK_SKIP:
		c->has_network_lock = true;
		c->network_lock = CRIU_NETWORK_LOCK_METHOD__SKIP;
		break;
	default: break;
	}
}

static void
set_page_server(const ckpt_opts *o, CriuOpts *c, bool *oom)
{
	if (!o->has_ps)
		return;
	c->ps = xcalloc(1, sizeof(*c->ps), oom);
	if (!c->ps)
		return;
	criu_page_server_info__init(c->ps);
	c->ps->address = xstrdup(o->ps_address, oom);
	c->ps->has_port = true;
	c->ps->port = o->ps_port;
}

static void
set_externals(const ckpt_opts *o, const struct opts_fds *fds, CriuOpts *c, bool *oom)
{
	c->external = xcalloc(o->n_external, sizeof(char *), oom);
	for (size_t i = 0; c->external && i < o->n_external; i++)
		c->external[c->n_external++] = xstrdup(o->external[i], oom);

	c->inherit_fd = xcalloc(o->n_inherit, sizeof(*c->inherit_fd), oom);
	for (size_t i = 0; c->inherit_fd && i < o->n_inherit; i++) {
		InheritFd *f = xcalloc(1, sizeof(*f), oom);
		if (!f)
			break;
		inherit_fd__init(f);
		f->key = xstrdup(o->inherit[i].key, oom);
		f->fd = fds->inherit_base + (int)i;
		c->inherit_fd[c->n_inherit_fd++] = f;
	}

	c->ext_mnt = xcalloc(o->n_ext_mnt, sizeof(*c->ext_mnt), oom);
	for (size_t i = 0; c->ext_mnt && i < o->n_ext_mnt; i++) {
		ExtMountMap *m = xcalloc(1, sizeof(*m), oom);
		if (!m)
			break;
		ext_mount_map__init(m);
		m->key = xstrdup(o->ext_mnt[i].key, oom);
		m->val = xstrdup(o->ext_mnt[i].val, oom);
		c->ext_mnt[c->n_ext_mnt++] = m;
	}

	c->join_ns = xcalloc(o->n_join_ns, sizeof(*c->join_ns), oom);
	for (size_t i = 0; c->join_ns && i < o->n_join_ns; i++) {
		JoinNamespace *j = xcalloc(1, sizeof(*j), oom);
		if (!j)
			break;
		join_namespace__init(j);
		j->ns = xstrdup(o->join_ns[i].key, oom);
		j->ns_file = xstrdup(o->join_ns[i].val, oom);
		c->join_ns[c->n_join_ns++] = j;
	}
}

static void
set_dump_only(const ckpt_opts *o, enum opts_op op, CriuOpts *c, bool *oom)
{
	if (o->pid > 0) {
		c->has_pid = true;
		c->pid = o->pid;
	}
	if (o->parent_path) {
		c->parent_img = xstrdup(o->parent_path, oom);
		SET_BOOL(c, track_mem, true);
	}
	if (op == OPTS_OP_PRE_DUMP)
		SET_BOOL(c, track_mem, true);
}

static void
set_restore_only(const ckpt_opts *o, CriuOpts *c, bool *oom)
{
	c->lsm_profile = xstrdup(o->lsm_profile, oom);
	c->lsm_mount_context = xstrdup(o->lsm_mount_context, oom);
}

int
opts_to_criu(const ckpt_opts *o, enum opts_op op, const struct opts_fds *fds, CriuOpts **ret, ckpt_error **err)
{
	bool oom = false;
	CriuOpts *c = calloc(1, sizeof(*c));

	if (!c)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	criu_opts__init(c);
	set_common(o, op, fds, c, &oom);
	set_flags(o, op, c);
	set_cgroups(o, c, &oom);
	set_network(o, c);
	set_page_server(o, c, &oom);
	set_externals(o, fds, c, &oom);
	if (op == OPTS_OP_DUMP || op == OPTS_OP_PRE_DUMP)
		set_dump_only(o, op, c, &oom);
	if (op == OPTS_OP_RESTORE)
		set_restore_only(o, c, &oom);
	if (oom) {
		criu_opts__free_unpacked(c, NULL);
		return ckpt_err_set(err, ENOMEM, "out of memory building the criu request");
	}
	*ret = c;
	return 0;
}

struct version_need {
	int version;
	const char *what;
	bool (*used)(const ckpt_opts *o, enum opts_op op);
};

static bool
uses_netlock_skip(const ckpt_opts *o, enum opts_op op)
{
	return o->netlock == CKPT_NETWORK_LOCK_SKIP;
}

static bool
uses_netlock(const ckpt_opts *o, enum opts_op op)
{
	return o->netlock != CKPT_NETWORK_LOCK_DEFAULT;
}

static bool
uses_leave_stopped(const ckpt_opts *o, enum opts_op op)
{
	return o->flags[CKPT_FLAG_LEAVE_STOPPED];
}

static bool
uses_lsm_mount_context(const ckpt_opts *o, enum opts_op op)
{
	return op == OPTS_OP_RESTORE && o->lsm_mount_context;
}

static bool
uses_lsm_profile(const ckpt_opts *o, enum opts_op op)
{
	return op == OPTS_OP_RESTORE && o->lsm_profile;
}

static bool
uses_tcp_close(const ckpt_opts *o, enum opts_op op)
{
	return o->flags[CKPT_FLAG_TCP_CLOSE];
}

static bool
uses_lazy(const ckpt_opts *o, enum opts_op op)
{
	return o->flags[CKPT_FLAG_LAZY_PAGES];
}

/* criu announces the lazy page server's readiness with status-ready since 3.15 */
static bool
uses_status_fd(const ckpt_opts *o, enum opts_op op)
{
	return o->status_fd >= 0 && op != OPTS_OP_RESTORE;
}

/*
 * criu silently ignores fields it does not know, and some of them change
 * what happens to the tasks (leave_stopped), so every option newer than the
 * oldest criu ckpt talks to is gated on the version criu reports.
 */
static const struct version_need needs[] = {
	{ 31900, "--network-lock skip", uses_netlock_skip },
	{ 31900, "--leave-stopped", uses_leave_stopped },
	{ 31600, "--network-lock", uses_netlock },
	{ 31600, "--lsm-mount-context", uses_lsm_mount_context },
	{ 31200, "--lsm-profile", uses_lsm_profile },
	{ 30500, "--lazy-pages", uses_lazy },
	{ 31500, "--status-fd", uses_status_fd },
	{ 30900, "--tcp-close", uses_tcp_close },
};

int
opts_check_version(const ckpt_opts *o, enum opts_op op, int version, ckpt_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		if (version >= needs[i].version || !needs[i].used(o, op))
			continue;
		return ckpt_err_set(err, EOPNOTSUPP, "%s needs criu %d.%d or newer, this criu is %d.%d.%d",
				    needs[i].what, needs[i].version / 10000, needs[i].version / 100 % 100,
				    version / 10000, version / 100 % 100, version % 100);
	}
	return 0;
}

CKPT_PUBLIC int
ckpt_opts_criu_version_needed(const ckpt_opts *o, const char **ret_option)
{
	const char *what = NULL;
	int need = 0;

	assert_return(o, -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		if (needs[i].version <= need || !(needs[i].used(o, OPTS_OP_DUMP) || needs[i].used(o, OPTS_OP_RESTORE)))
			continue;
		need = needs[i].version;
		what = needs[i].what;
	}
	if (ret_option)
		*ret_option = what;
	return need;
}
