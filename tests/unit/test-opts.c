/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ckpt_opts -> criu_opts mapping, option validation and version gating. */
#include <check.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "opts.h"
#include "unittest.h"

static const struct opts_fds fds = { .images_dir_fd = 7, .work_dir_fd = 8, .inherit_base = 4 };

static CriuOpts *
build(ckpt_opts *o, enum opts_op op)
{
	CriuOpts *c = NULL;
	ckpt_error *e = NULL;

	ck_assert_int_eq(opts_to_criu(o, op, &fds, &c, &e), 0);
	ck_assert_ptr_null(e);
	return c;
}

START_TEST(defaults)
{
	ckpt_opts *o;
	CriuOpts *c;

	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	c = build(o, OPTS_OP_DUMP);
	ck_assert_int_eq(c->images_dir_fd, 7);
	ck_assert(c->has_work_dir_fd && c->work_dir_fd == 8);
	ck_assert(c->has_log_level && c->log_level == 4);
	ck_assert_str_eq(c->log_file, "dump.log");
	ck_assert(c->has_notify_scripts && c->notify_scripts);
	ck_assert(!c->has_leave_running && !c->has_tcp_established && !c->has_shell_job);
	ck_assert(!c->has_pid);
	ck_assert(!c->has_manage_cgroups_mode && !c->has_network_lock && !c->ps);
	ck_assert_int_eq(ckpt_opts_get_flag(o, CKPT_FLAG_STAGING), 1);
	criu_opts__free_unpacked(c, NULL);
	c = build(o, OPTS_OP_RESTORE);
	ck_assert_str_eq(c->log_file, "restore.log");
	criu_opts__free_unpacked(c, NULL);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(boolean_flags)
{
	ckpt_opts *o;
	CriuOpts *c;

	ckpt_opts_new(&o);
	ckpt_opts_set_pid(o, 1234);
	for (int f = 0; f < _CKPT_FLAG_MAX; f++)
		ck_assert_int_eq(ckpt_opts_set_flag(o, f, 1), 0);
	ck_assert_int_eq(ckpt_opts_set_flag(o, _CKPT_FLAG_MAX, 1), -EINVAL);
	c = build(o, OPTS_OP_DUMP);
	ck_assert(c->has_pid && c->pid == 1234);
	ck_assert(c->has_leave_running && c->leave_running);
	ck_assert(c->has_tcp_established && c->tcp_established);
	ck_assert(c->has_ext_unix_sk && c->ext_unix_sk);
	ck_assert(c->has_shell_job && c->shell_job);
	ck_assert(c->has_file_locks && c->file_locks);
	ck_assert(c->has_tcp_skip_in_flight && c->tcp_skip_in_flight);
	ck_assert(c->has_link_remap && c->link_remap);
	ck_assert(c->has_auto_dedup && c->auto_dedup);
	ck_assert(c->has_lazy_pages && c->lazy_pages);
	ck_assert(c->has_tcp_close && c->tcp_close);
	ck_assert(c->has_leave_stopped && c->leave_stopped);
	ck_assert(c->has_orphan_pts_master && c->orphan_pts_master);
	ck_assert(!c->has_rst_sibling); /* restore only */
	criu_opts__free_unpacked(c, NULL);
	c = build(o, OPTS_OP_RESTORE);
	ck_assert(!c->has_leave_running && !c->has_tcp_skip_in_flight && !c->has_pid);
	ck_assert(c->has_rst_sibling && c->rst_sibling);
	ck_assert(c->has_weak_sysctls && c->weak_sysctls);
	criu_opts__free_unpacked(c, NULL);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(value_options)
{
	ckpt_opts *o;
	CriuOpts *c;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ckpt_opts_new(&o);
	ck_assert_int_eq(ckpt_opts_set_parent_path(o, "../pre"), 0);
	ck_assert_int_eq(ckpt_opts_set_page_server(o, "10.0.0.2", 27000), 0);
	ck_assert_int_eq(ckpt_opts_set_manage_cgroups_mode(o, CKPT_CG_STRICT), 0);
	ck_assert_int_eq(ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_NFTABLES), 0);
	ck_assert_int_eq(ckpt_opts_add_empty_ns(o, "network"), 0);
	ck_assert_int_eq(ckpt_opts_add_external(o, "mnt[/data]:data"), 0);
	ck_assert_int_eq(ckpt_opts_add_inherit_fd(o, "pipe:[123]", p[0]), 0);
	ck_assert_int_eq(ckpt_opts_add_inherit_fd(o, "pipe:[456]", p[1]), 0);
	ck_assert_int_eq(ckpt_opts_add_join_ns(o, "net", "/proc/1/ns/net"), 0);
	ck_assert_int_eq(ckpt_opts_add_ext_mount(o, "/data", "/srv/data"), 0);
	ck_assert_int_eq(ckpt_opts_add_cgroup_root(o, NULL, "/ckpt"), 0);
	ck_assert_int_eq(ckpt_opts_set_lsm_profile(o, "apparmor:p"), 0);
	ck_assert_int_eq(ckpt_opts_set_root(o, "/rootfs"), 0);
	ck_assert_int_eq(ckpt_opts_set_log_file(o, "x.log"), 0);
	ck_assert_int_eq(ckpt_opts_set_log_level(o, 2), 0);
	ck_assert_int_eq(ckpt_opts_set_timeout(o, 2500), 0);

	c = build(o, OPTS_OP_DUMP);
	ck_assert_str_eq(c->parent_img, "../pre");
	ck_assert(c->has_track_mem && c->track_mem);
	ck_assert_ptr_nonnull(c->ps);
	ck_assert_str_eq(c->ps->address, "10.0.0.2");
	ck_assert(c->ps->has_port && c->ps->port == 27000);
	ck_assert(c->has_manage_cgroups_mode && c->manage_cgroups_mode == CRIU_CG_MODE__STRICT);
	ck_assert(c->has_network_lock && c->network_lock == CRIU_NETWORK_LOCK_METHOD__NFTABLES);
	ck_assert(c->has_empty_ns && c->empty_ns == CLONE_NEWNET);
	ck_assert_uint_eq(c->n_external, 1);
	ck_assert_str_eq(c->external[0], "mnt[/data]:data");
	ck_assert_uint_eq(c->n_inherit_fd, 2);
	ck_assert_str_eq(c->inherit_fd[0]->key, "pipe:[123]");
	ck_assert_int_eq(c->inherit_fd[0]->fd, 4);
	ck_assert_int_eq(c->inherit_fd[1]->fd, 5);
	ck_assert_uint_eq(c->n_join_ns, 1);
	ck_assert_str_eq(c->join_ns[0]->ns, "net");
	ck_assert_uint_eq(c->n_ext_mnt, 1);
	ck_assert_str_eq(c->ext_mnt[0]->val, "/srv/data");
	ck_assert_uint_eq(c->n_cg_root, 1);
	ck_assert_ptr_null(c->cg_root[0]->ctrl);
	ck_assert_str_eq(c->root, "/rootfs");
	ck_assert_str_eq(c->log_file, "x.log");
	ck_assert_int_eq(c->log_level, 2);
	ck_assert(c->has_timeout && c->timeout == 2);
	ck_assert_ptr_null(c->lsm_profile); /* restore only */
	criu_opts__free_unpacked(c, NULL);

	c = build(o, OPTS_OP_RESTORE);
	ck_assert_str_eq(c->lsm_profile, "apparmor:p");
	ck_assert_ptr_null(c->parent_img);
	criu_opts__free_unpacked(c, NULL);
	ckpt_opts_free(o);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(cgroup_modes)
{
	static const struct {
		enum ckpt_cg_mode in;
		CriuCgMode out;
	} m[] = {
		{ CKPT_CG_SOFT, CRIU_CG_MODE__SOFT },	  { CKPT_CG_FULL, CRIU_CG_MODE__FULL },
		{ CKPT_CG_STRICT, CRIU_CG_MODE__STRICT }, { CKPT_CG_IGNORE, CRIU_CG_MODE__IGNORE },
		{ CKPT_CG_PROPS, CRIU_CG_MODE__PROPS },	  { CKPT_CG_NONE, CRIU_CG_MODE__CG_NONE },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		ckpt_opts *o;
		CriuOpts *c;

		ckpt_opts_new(&o);
		ckpt_opts_set_manage_cgroups_mode(o, m[i].in);
		c = build(o, OPTS_OP_DUMP);
		ck_assert(c->has_manage_cgroups_mode);
		ck_assert_int_eq(c->manage_cgroups_mode, m[i].out);
		criu_opts__free_unpacked(c, NULL);
		ckpt_opts_free(o);
	}
}
END_TEST

START_TEST(invalid_values_are_refused)
{
	ckpt_opts *o;

	ckpt_opts_new(&o);
	ck_assert_int_eq(ckpt_opts_set_pid(o, 0), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_pid(o, -5), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_log_file(o, "../x.log"), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_log_level(o, 5), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_parent_path(o, "/abs"), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_page_server(o, "h", 70000), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_status_fd(o, 987), -EBADF);
	ck_assert_int_eq(ckpt_opts_add_inherit_fd(o, "k", 987), -EBADF);
	ck_assert_int_eq(ckpt_opts_add_empty_ns(o, "pid"), -EOPNOTSUPP);
	ck_assert_int_eq(ckpt_opts_add_join_ns(o, "pid", "/x"), -EOPNOTSUPP);
	ck_assert_int_eq(ckpt_opts_set_lsm_profile(o, "bogus"), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_root(o, "relative"), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_manage_cgroups_mode(o, 42), -EINVAL);
	ck_assert_int_eq(ckpt_opts_new(NULL), -EINVAL);
	ckpt_opts_free(o);
	ckpt_opts_free(NULL);
}
END_TEST

START_TEST(version_gating)
{
	ckpt_opts *o;
	ckpt_error *e = NULL;

	ckpt_opts_new(&o);
	ck_assert_int_eq(opts_check_version(o, OPTS_OP_DUMP, 30000, &e), 0);
	ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_SKIP);
	ck_assert_int_eq(opts_check_version(o, OPTS_OP_DUMP, 40201, &e), 0);
	ck_assert_int_eq(opts_check_version(o, OPTS_OP_DUMP, 31701, &e), -EOPNOTSUPP);
	ck_assert_str_eq(ckpt_error_message(e), "--network-lock skip needs criu 3.19 or newer, this criu is 3.17.1");
	ckpt_error_free(e);
	ckpt_opts_free(o);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("opts");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, boolean_flags);
	tcase_add_test(tc, value_options);
	tcase_add_test(tc, cgroup_modes);
	tcase_add_test(tc, invalid_values_are_refused);
	tcase_add_test(tc, version_gating);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
