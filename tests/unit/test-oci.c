/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI containers without root or criu: container ids, the three runtimes'
 * state files and config.json from tests/fixtures/oci (a fake /proc there
 * plays the container's init), path resolution inside a rootfs, the notes
 * written beside the images, and the container -> criu options mapping.
 */
#include <check.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "oci/container.h"
#include "opts.h"
#include "util.h"
#include "unittest.h"

#define FIX	  OCI_FIXTURES
#define FAKE_PROC FIX "/proc"

/* The error's message contains every one of the strings (NULL-terminated). */
static void
assert_msg(ckpt_error *e, ...)
{
	va_list ap;
	const char *s;

	ck_assert_ptr_nonnull(e);
	va_start(ap, e);
	while ((s = va_arg(ap, const char *)))
		ck_assert_msg(strstr(ckpt_error_message(e), s), "message `%s` lacks `%s`", ckpt_error_message(e), s);
	va_end(ap);
}

static ckpt_container_opts *
fixture_copts(void)
{
	ckpt_container_opts *co;

	ck_assert_int_eq(ckpt_container_opts_new(&co), 0);
	ck_assert_int_eq(oci_copts_set_proc(co, FAKE_PROC), 0);
	ck_assert_int_eq(oci_copts_set_default_root(co, CKPT_RUNTIME_RUNC, FIX "/runc"), 0);
	ck_assert_int_eq(oci_copts_set_default_root(co, CKPT_RUNTIME_CRUN, FIX "/crun"), 0);
	ck_assert_int_eq(oci_copts_set_default_root(co, CKPT_RUNTIME_YOUKI, FIX "/youki"), 0);
	return co;
}

/* ---- ids -------------------------------------------------------------- */

START_TEST(id_accepts_runc_charset)
{
	static const char *const ok[] = { "a", "web-1", "my_ctr.v2", "A+B", "0123456789abcdef", "a.b.c" };
	char longest[OCI_ID_MAX + 1];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		ck_assert_msg(ckpt_container_id_check(ok[i], NULL) == 0, "`%s` refused", ok[i]);
	memset(longest, 'x', OCI_ID_MAX);
	longest[OCI_ID_MAX] = '\0';
	ck_assert_int_eq(ckpt_container_id_check(longest, NULL), 0);
}
END_TEST

START_TEST(id_refuses_hostile_ids)
{
	static const struct {
		const char *id, *why;
	} bad[] = {
		{ "../../etc", "'/'" }, { "..", "\"..\"" },
		{ "a..b", "\"..\"" },	{ ".", "\".\"" },
		{ "a/b", "'/'" },	{ "", "empty" },
		{ "a\nb", "control" },	{ "a\x1b[2Jb", "control" },
		{ "a b", "allowed" },	{ "caf\xc3\xa9", "allowed" },
		{ "$(rm)", "allowed" },
	};
	char huge[OCI_ID_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ckpt_error *e = NULL;
		ck_assert_int_eq(ckpt_container_id_check(bad[i].id, &e), -EINVAL);
		assert_msg(e, "invalid container id", bad[i].why, NULL);
		/* the message never carries the raw control characters */
		ck_assert_ptr_null(strchr(ckpt_error_message(e), '\n'));
		ck_assert_ptr_null(strchr(ckpt_error_message(e), '\x1b'));
		ckpt_error_free(e);
	}
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	ckpt_error *e = NULL;
	ck_assert_int_eq(ckpt_container_id_check(huge, &e), -EINVAL);
	assert_msg(e, "longer than 1024", "...", NULL);
	ck_assert_int_lt(strlen(ckpt_error_message(e)), 200);
	ckpt_error_free(e);
	ck_assert_int_eq(ckpt_container_id_check(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(traversal_id_never_reaches_the_file_system)
{
	ckpt_container_opts *co = fixture_copts();
	ckpt_container *c = NULL;
	ckpt_error *e = NULL;

	/* fixtures/oci/runc/../crun/ctr-crun exists: a traversal would find it */
	ck_assert_int_eq(ckpt_container_opts_set_runtime(co, CKPT_RUNTIME_RUNC), 0);
	ck_assert_int_eq(ckpt_container_find(co, "../crun/ctr-crun", &c, &e), -EINVAL);
	assert_msg(e, "invalid container id `../crun/ctr-crun`", NULL);
	ck_assert_ptr_null(c);
	ckpt_error_free(e);
	e = NULL;
	ckpt_opts *o;
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_images_dir(o, FIX), 0);
	ck_assert_int_eq(ckpt_container_restore(o, "..", co, NULL, &e), -EINVAL);
	assert_msg(e, "restore container", "invalid container id", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(ckpt_container_dump(o, "a/../../b", co, NULL, &e), -EINVAL);
	assert_msg(e, "checkpoint container", "invalid container id", NULL);
	ckpt_error_free(e);
	ckpt_opts_free(o);
	ckpt_container_opts_free(co);
}
END_TEST

START_TEST(runtime_names)
{
	enum ckpt_runtime rt;

	ck_assert_str_eq(ckpt_runtime_name(CKPT_RUNTIME_RUNC), "runc");
	ck_assert_str_eq(ckpt_runtime_name(CKPT_RUNTIME_CRUN), "crun");
	ck_assert_str_eq(ckpt_runtime_name(CKPT_RUNTIME_YOUKI), "youki");
	ck_assert_str_eq(ckpt_runtime_name(CKPT_RUNTIME_ANY), "any");
	ck_assert_int_eq(ckpt_runtime_from_name("crun", &rt), 0);
	ck_assert_int_eq(rt, CKPT_RUNTIME_CRUN);
	ck_assert_int_eq(ckpt_runtime_from_name("docker", &rt), -EINVAL);
}
END_TEST

/* ---- state files ---------------------------------------------------------- */

START_TEST(runc_state)
{
	struct oci_state st;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_RUNC, FIX "/runc", "ctr-runc", &st, &e), 0);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(st.runtime, CKPT_RUNTIME_RUNC);
	ck_assert_str_eq(st.id, "ctr-runc");
	ck_assert_str_eq(st.state_dir, FIX "/runc/ctr-runc");
	ck_assert_int_eq(st.pid, 4242);
	ck_assert(st.has_start_time);
	ck_assert_uint_eq(st.start_time, 51892);
	ck_assert_str_eq(st.bundle, "/srv/bundles/ctr-runc");
	ck_assert_str_eq(st.rootfs, "/srv/bundles/ctr-runc/rootfs");
	ck_assert_str_eq(st.freezer, "/sys/fs/cgroup/freezer/ctr-runc");
	ck_assert_str_eq(st.descriptors[0], "/dev/null");
	ck_assert_str_eq(st.descriptors[1], "pipe:[16182]");
	ck_assert_str_eq(st.descriptors[2], "pipe:[16183]");
	ck_assert_int_eq(oci_state_check_pid(&st, FAKE_PROC, &e), 0);
	oci_state_free(&st);
}
END_TEST

START_TEST(crun_state)
{
	struct oci_state st;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_CRUN, FIX "/crun", "ctr-crun", &st, &e), 0);
	ck_assert_int_eq(st.pid, 4242);
	ck_assert_uint_eq(st.start_time, 51892);
	ck_assert_str_eq(st.bundle, "/srv/bundles/ctr-crun");
	ck_assert_str_eq(st.rootfs, "/srv/bundles/ctr-crun/rootfs"); /* relative to the bundle */
	ck_assert_str_eq(st.cgroup_path, "/ctr-crun");
	ck_assert_ptr_null(st.freezer);
	/* crun stores the descriptors as a string holding JSON */
	ck_assert_str_eq(st.descriptors[1], "pipe:[16182]");
	ck_assert_str_eq(st.descriptors[2], "pipe:[16183]");
	ck_assert_int_eq(oci_state_check_pid(&st, FAKE_PROC, &e), 0);
	oci_state_free(&st);
}
END_TEST

START_TEST(youki_state)
{
	struct oci_state st;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_YOUKI, FIX "/youki", "ctr-youki", &st, &e), 0);
	ck_assert_int_eq(st.pid, 4242);
	ck_assert(!st.has_start_time);
	ck_assert_str_eq(st.bundle, "/srv/bundles/ctr-youki");
	ck_assert_str_eq(st.status, "running");
	ck_assert_str_eq(st.created, "2026-12-03T19:40:00.000000000Z");
	ck_assert_str_eq(st.cgroup_path, "/youki/ctr-youki"); /* from youki_config.json */
	ck_assert_ptr_null(st.rootfs);			      /* config.json's root.path */
	/* no start time: the init must have started before the container was created */
	ck_assert_int_eq(oci_state_check_pid(&st, FAKE_PROC, &e), 0);
	oci_state_free(&st);
}
END_TEST

START_TEST(malformed_state_is_refused)
{
	struct oci_state st;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_RUNC, FIX "/runc", "ctr-malformed", &st, &e), -EINVAL);
	assert_msg(e, "state file", "ctr-malformed/state.json", "not valid JSON: parse error: premature EOF", NULL);
	ck_assert_ptr_null(strstr(ckpt_error_message(e), "right here"));
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_RUNC, FIX "/runc", "ctr-nostart", &st, &e), -EINVAL);
	assert_msg(e, "init_process_start", "recycled", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_RUNC, FIX "/runc", "nope", &st, &e), -ENOENT);
	assert_msg(e, "nope/state.json", "No such file", NULL);
	ckpt_error_free(e);
}
END_TEST

START_TEST(state_json_shapes)
{
	static const struct {
		enum ckpt_runtime rt;
		const char *json, *why;
	} bad[] = {
		{ CKPT_RUNTIME_RUNC, "[]", "not a JSON object" },
		{ CKPT_RUNTIME_RUNC, "{\"init_process_pid\":\"12\"}", "not a valid pid" },
		{ CKPT_RUNTIME_RUNC, "{\"init_process_pid\":-4}", "not a valid pid" },
		{ CKPT_RUNTIME_RUNC, "{\"init_process_pid\":12,\"init_process_start\":1}", "\"config\"" },
		{ CKPT_RUNTIME_RUNC,
		  "{\"init_process_pid\":12,\"init_process_start\":1,\"config\":{\"rootfs\":\"rel\"}}",
		  "config.rootfs" },
		{ CKPT_RUNTIME_RUNC,
		  "{\"init_process_pid\":12,\"init_process_start\":1,\"config\":{\"rootfs\":\"/r\"}}", "bundle=" },
		{ CKPT_RUNTIME_CRUN, "{\"pid\":12,\"process-start-time\":1,\"bundle\":\"/b\"}", "\"rootfs\"" },
		{ CKPT_RUNTIME_CRUN,
		  "{\"pid\":12,\"process-start-time\":1,\"bundle\":\"/b\",\"rootfs\":\"r\",\"external_descriptors\":\"[1\"}",
		  "external_descriptors" },
		{ CKPT_RUNTIME_YOUKI, "{\"pid\":null,\"bundle\":\"/b\"}", "not running" },
		{ CKPT_RUNTIME_YOUKI, "{\"pid\":12,\"bundle\":\"/b\"}", "created" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct oci_state st = { 0 };
		ckpt_error *e = NULL;
		yajl_val v = NULL;

		ck_assert_int_eq(oci_json_parse(bad[i].json, "test", &v, NULL), 0);
		ck_assert_int_eq(oci_state_parse(bad[i].rt, v, &st, &e), -EINVAL);
		assert_msg(e, bad[i].why, NULL);
		ckpt_error_free(e);
		oci_state_free(&st);
		yajl_tree_free(v);
	}
}
END_TEST

static void
check_pid_fails(enum ckpt_runtime rt, const char *root, const char *id, const char *s1, const char *s2)
{
	struct oci_state st;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_state_load(rt, root, id, &st, NULL), 0);
	ck_assert_int_eq(oci_state_check_pid(&st, FAKE_PROC, &e), -ESRCH);
	assert_msg(e, s1, s2, NULL);
	ckpt_error_free(e);
	oci_state_free(&st);
}

START_TEST(dead_or_recycled_pid_is_refused)
{
	check_pid_fails(CKPT_RUNTIME_CRUN, FIX "/crun", "ctr-dead", "not running", "4343 does not exist");
	check_pid_fails(CKPT_RUNTIME_CRUN, FIX "/crun", "ctr-zombie", "not running", "dead");
	check_pid_fails(CKPT_RUNTIME_CRUN, FIX "/crun", "ctr-recycled", "4444 is not the init", "reused");
	check_pid_fails(CKPT_RUNTIME_YOUKI, FIX "/youki", "ctr-youki-recycled", "after container", "reused");
}
END_TEST

START_TEST(find_by_id)
{
	ckpt_container_opts *co = fixture_copts();
	ckpt_container *c = NULL;
	ckpt_error *e = NULL;

	/* only crun knows ctr-crun: found without naming the runtime */
	ck_assert_int_eq(ckpt_container_find(co, "ctr-crun", &c, &e), 0);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(ckpt_container_get_runtime(c), CKPT_RUNTIME_CRUN);
	ck_assert_str_eq(ckpt_container_get_id(c), "ctr-crun");
	ck_assert_int_eq(ckpt_container_get_pid(c), 4242);
	ck_assert_str_eq(ckpt_container_get_bundle(c), "/srv/bundles/ctr-crun");
	ck_assert_str_eq(ckpt_container_get_rootfs(c), "/srv/bundles/ctr-crun/rootfs");
	ck_assert_str_eq(ckpt_container_get_cgroup(c), "/ctr-crun");
	ck_assert_str_eq(ckpt_container_get_state_dir(c), FIX "/crun/ctr-crun");
	ck_assert_int_eq(ckpt_container_get_terminal(c), 1);
	ck_assert_str_eq(ckpt_container_get_descriptor(c, 1), "pipe:[16182]");
	ck_assert_ptr_null(ckpt_container_get_descriptor(c, 3));
	ck_assert_str_eq(ckpt_container_get_annotation(c, "com.example.owner"), "tests");
	ck_assert_ptr_null(ckpt_container_get_annotation(c, "nope"));
	ckpt_container_free(c);
	ckpt_container_opts_free(co);
}
END_TEST

START_TEST(find_missing_or_ambiguous)
{
	ckpt_container_opts *co = fixture_copts();
	ckpt_container *c = NULL;
	ckpt_error *e = NULL;

	ck_assert_int_eq(ckpt_container_find(co, "ctr-none", &c, &e), -ENOENT);
	assert_msg(e, "no container `ctr-none` in", FIX "/runc", FIX "/crun", FIX "/youki", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(ckpt_container_find(co, "ctr-both", &c, &e), -ENOTUNIQ);
	assert_msg(e, "ambiguous", "runc (" FIX "/runc/ctr-both)", "crun (" FIX "/crun/ctr-both)", "name the runtime",
		   NULL);
	ckpt_error_free(e);
	e = NULL;
	/* naming the runtime settles it */
	ck_assert_int_eq(ckpt_container_opts_set_runtime(co, CKPT_RUNTIME_CRUN), 0);
	ck_assert_int_eq(ckpt_container_find(co, "ctr-both", &c, &e), 0);
	ckpt_container_free(c);
	/* runc's state names a bundle that is not there */
	ck_assert_int_eq(ckpt_container_opts_set_runtime(co, CKPT_RUNTIME_RUNC), 0);
	ck_assert_int_eq(ckpt_container_find(co, "ctr-both", &c, &e), -ENOENT);
	assert_msg(e, "/srv/bundles/ctr-runc/config.json", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(ckpt_container_find(co, "ctr-crun", &c, &e), -ENOENT);
	assert_msg(e, "no runc container `ctr-crun`", NULL);
	ckpt_error_free(e);
	e = NULL;
	/* a state root without a runtime is ambiguous too */
	ck_assert_int_eq(ckpt_container_opts_set_runtime(co, CKPT_RUNTIME_ANY), 0);
	ck_assert_int_eq(ckpt_container_opts_set_state_root(co, "/run/x"), 0);
	ck_assert_int_eq(ckpt_container_find(co, "ctr-crun", &c, &e), -EINVAL);
	assert_msg(e, "needs a runtime", NULL);
	ckpt_error_free(e);
	ckpt_container_opts_free(co);
}
END_TEST

START_TEST(find_refuses_dead_and_recycled)
{
	ckpt_container_opts *co = fixture_copts();
	ckpt_container *c = NULL;
	ckpt_error *e = NULL;

	ck_assert_int_eq(ckpt_container_find(co, "ctr-recycled", &c, &e), -ESRCH);
	assert_msg(e, "reused", "refusing", NULL);
	ck_assert_ptr_null(c);
	ckpt_error_free(e);
	ckpt_container_opts_free(co);
}
END_TEST

/* ---- config.json -------------------------------------------------------- */

START_TEST(config_parse)
{
	struct oci_config cfg;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_config_load(FIX "/bundle/config.json", &cfg, &e), 0);
	ck_assert_str_eq(cfg.root_path, "rootfs");
	ck_assert(cfg.root_readonly);
	ck_assert(cfg.terminal);
	ck_assert_str_eq(cfg.hostname, "fixture");
	ck_assert_uint_eq(cfg.n_mounts, 6);
	ck_assert(!oci_mount_is_bind(&cfg.mounts[0]));
	ck_assert(oci_mount_is_bind(&cfg.mounts[3])); /* type bind */
	ck_assert(oci_mount_is_bind(&cfg.mounts[4])); /* no type, option bind */
	ck_assert(oci_mount_is_bind(&cfg.mounts[5])); /* type none, option rbind */
	ck_assert_str_eq(cfg.mounts[4].source, "conf-src");
	ck_assert_uint_eq(cfg.mounts[1].n_options, 4);
	ck_assert_uint_eq(cfg.n_ns, 5);
	ck_assert_str_eq(oci_config_ns(&cfg, "network")->path, "/proc/self/ns/net");
	ck_assert_ptr_null(oci_config_ns(&cfg, "pid")->path);
	ck_assert_ptr_null(oci_config_ns(&cfg, "cgroup"));
	ck_assert_uint_eq(cfg.n_masked, 3);
	ck_assert_str_eq(cfg.masked[1], "/proc/kcore");
	ck_assert_uint_eq(cfg.n_readonly, 2);
	ck_assert_uint_eq(cfg.n_devices, 1);
	ck_assert_str_eq(cfg.devices[0], "/dev/fuse");
	ck_assert_str_eq(cfg.cgroups_path, "/fixture");
	ck_assert_str_eq(oci_config_annotation(&cfg, "org.criu.config"), "/etc/criu/custom.conf");
	oci_config_free(&cfg);
}
END_TEST

START_TEST(config_missing_fields)
{
	static const struct {
		const char *path, *why;
	} files[] = {
		{ FIX "/bundle-noroot/config.json", "no \"root\" object" },
		{ FIX "/bundle-badmount/config.json", "mounts[1] has no absolute \"destination\"" },
		{ FIX "/bundle-badns/config.json", "linux.namespaces[1] has no \"type\"" },
		{ FIX "/bundle-none/config.json", "No such file" },
	};
	static const struct {
		const char *json, *why;
	} texts[] = {
		{ "{\"root\":{}}", "no \"root.path\"" },
		{ "{\"root\":{\"path\":\"r\"},\"mounts\":{}}", "\"mounts\" is not an array" },
		{ "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"rel\"}]}", "absolute \"destination\"" },
		{ "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/a\",\"options\":[1]}]}", "options[0]" },
		{ "{\"root\":{\"path\":\"r\"},\"annotations\":{\"a\":1}}", "annotation \"a\"" },
		{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"devices\":[{}]}}", "linux.devices[0]" },
		{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"maskedPaths\":\"/x\"}}", "maskedPaths is not an array" },
		{ "{\"root\":{\"path\":\"r\"},\"process\":[]}", "\"process\" is not an object" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct oci_config cfg;
		ckpt_error *e = NULL;
		ck_assert_int_lt(oci_config_load(files[i].path, &cfg, &e), 0);
		assert_msg(e, files[i].path, files[i].why, NULL);
		ckpt_error_free(e);
	}
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct oci_config cfg;
		ckpt_error *e = NULL;
		yajl_val v = NULL;
		ck_assert_int_eq(oci_json_parse(texts[i].json, "t", &v, NULL), 0);
		ck_assert_int_eq(oci_config_parse(v, &cfg, &e), -EINVAL);
		assert_msg(e, texts[i].why, NULL);
		ckpt_error_free(e);
		oci_config_free(&cfg);
		yajl_tree_free(v);
	}
}
END_TEST

START_TEST(json_limits)
{
	char path[] = "/tmp/ckpt-oci-json-XXXXXX";
	ckpt_error *e = NULL;
	yajl_val v = NULL;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, OCI_JSON_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(oci_json_load(path, "state file", &v, &e), -EFBIG);
	assert_msg(e, "too large", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(oci_json_load(path, "state file", &v, &e), -EINVAL);
	assert_msg(e, "is empty", NULL);
	ckpt_error_free(e);
	e = NULL;
	unlink(path);
	/* a symlink in place of a state file is not followed */
	ck_assert_int_eq(oci_json_load(FIX "/bundle/rootfs/abs", "state file", &v, &e), -ELOOP);
	ckpt_error_free(e);
}
END_TEST

/* ---- resolving inside the rootfs ----------------------------------------- */

static void
assert_resolves(const char *path, const char *want)
{
	char *got = NULL;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_resolve_in_root(FIX "/bundle/rootfs", path, &got, &e), 0);
	ck_assert_msg(strcmp(got, want) == 0, "`%s` resolved to `%s`, want `%s`", path, got, want);
	free(got);
}

START_TEST(resolve_stays_inside_rootfs)
{
	char *got = NULL;
	ckpt_error *e = NULL;

	assert_resolves("/data", "/data");		  /* missing: kept as written */
	assert_resolves("/conf/app", "/real/conf/app");	  /* relative symlink */
	assert_resolves("/abs/dir", "/real/dir");	  /* absolute target: inside the rootfs */
	assert_resolves("/escape/passwd", "/etc/passwd"); /* "../../../.." stops at the rootfs */
	assert_resolves("/../../../x", "/x");
	assert_resolves("//real/./conf//", "/real/conf");
	assert_resolves("/", "/");
	ck_assert_int_eq(oci_resolve_in_root(FIX "/bundle/rootfs", "/loop1/x", &got, &e), -ELOOP);
	assert_msg(e, "/loop1/x", "Too many levels", NULL);
	ckpt_error_free(e);
}
END_TEST

/* ---- descriptors.json and ckpt-container.json ----------------------------- */

START_TEST(descriptors_round_trip)
{
	char *d[3] = { strdup("/dev/null"), strdup("pipe:[12]"), NULL }, *back[3] = { NULL, NULL, NULL };
	char *json = NULL;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_descriptors_to_json(d, &json, NULL), 0);
	ck_assert_str_eq(json, "[\"/dev/null\",\"pipe:[12]\",\"/dev/null\"]");
	ck_assert_int_eq(oci_descriptors_parse(json, back, NULL), 0);
	ck_assert_str_eq(back[1], "pipe:[12]");
	ck_assert_str_eq(back[2], "/dev/null");
	oci_descriptors_free(back);
	ck_assert_int_eq(oci_descriptors_parse("[]", back, NULL), 0);
	ck_assert_ptr_null(back[0]);
	ck_assert_int_eq(oci_descriptors_parse("{\"a\":1}", back, &e), -EINVAL);
	assert_msg(e, "descriptors.json is not an array", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(oci_descriptors_parse("[\"a\",", back, &e), -EINVAL);
	assert_msg(e, "not valid JSON", NULL);
	ckpt_error_free(e);
	free(json);
	oci_descriptors_free(d);
	/* from the fake /proc: fd symlinks as readlink shows them */
	ck_assert_int_eq(oci_descriptors_of_pid(FAKE_PROC, 4242, back, NULL), 0);
	ck_assert_str_eq(back[0], "/dev/null");
	ck_assert_str_eq(back[1], "pipe:[777]");
	ck_assert_str_eq(back[2], "pipe:[778]");
	oci_descriptors_free(back);
	ck_assert_int_eq(oci_descriptors_of_pid(FAKE_PROC, 4343, back, NULL), -ESRCH);
}
END_TEST

START_TEST(manifest_round_trip)
{
	struct oci_cgmount cgm[] = { { "/sys/fs/cgroup/cpu", "/c1" }, { "/sys/fs/cgroup/memory", "/p/c1" } };
	struct oci_manifest m = { .runtime = CKPT_RUNTIME_CRUN,
				  .id = "c1",
				  .bundle = "/b",
				  .rootfs = "/b/rootfs",
				  .cgroup_path = "/c1",
				  .cgmounts = cgm,
				  .n_cgmounts = 2 },
			    back;
	char *json = NULL;
	ckpt_error *e = NULL;

	ck_assert_int_eq(oci_manifest_to_json(&m, &json, NULL), 0);
	ck_assert_int_eq(oci_manifest_parse(json, &back, NULL), 0);
	ck_assert_int_eq(back.runtime, CKPT_RUNTIME_CRUN);
	ck_assert_str_eq(back.id, "c1");
	ck_assert_str_eq(back.bundle, "/b");
	ck_assert_uint_eq(back.n_cgmounts, 2);
	ck_assert_str_eq(back.cgmounts[1].key, "/sys/fs/cgroup/memory");
	ck_assert_str_eq(back.cgmounts[1].path, "/p/c1");
	oci_manifest_free(&back);
	free(json);
	ck_assert_int_eq(oci_manifest_parse("{\"version\":2,\"runtime\":\"runc\"}", &back, &e), -EINVAL);
	assert_msg(e, "unknown \"version\"", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(oci_manifest_parse("{\"version\":1,\"runtime\":\"lxc\"}", &back, &e), -EINVAL);
	assert_msg(e, "unknown \"runtime\"", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(oci_manifest_parse("{\"version\":1,\"runtime\":\"runc\",\"bundle\":\"rel\"}", &back, &e),
			 -EINVAL);
	assert_msg(e, "not absolute", NULL);
	ckpt_error_free(e);
}
END_TEST

/* ---- cgroups ------------------------------------------------------------- */

START_TEST(cgroups_of_the_init)
{
	struct oci_config cfg;
	struct oci_cgmount *m = NULL;
	size_t n = 0;
	char *cg = NULL;

	ck_assert_int_eq(oci_config_load(FIX "/bundle/config.json", &cfg, NULL), 0);
	ck_assert_int_eq(oci_cgroup_mounts_of_pid(FAKE_PROC, 4242, &cfg, &m, &n, NULL), 0);
	/* the binds of sub-directories under /sys/fs/cgroup, not its real mounts nor /elsewhere */
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(m[0].key, "/sys/fs/cgroup/hugetlb");
	ck_assert_str_eq(m[0].path, "/ctr-crun");
	ck_assert_str_eq(m[1].path, "/parent/ctr-crun");
	ck_assert_str_eq(m[2].key, "/sys/fs/cgroup/cpu,cpuacct"); /* mountinfo escapes undone */
	oci_cgmounts_free(m, n);
	/* the unified path is "/" here: the freezer's is the container's */
	ck_assert_int_eq(oci_cgroup_of_pid(FAKE_PROC, 4242, &cg, NULL), 0);
	ck_assert_str_eq(cg, "/ctr-crun");
	free(cg);
	oci_config_free(&cfg);
}
END_TEST

START_TEST(cgroup_host_dir)
{
	char dir[] = "/tmp/ckpt-oci-mi-XXXXXX", mi[PATH_MAX], *got = NULL;
	ckpt_error *e = NULL;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(mi, sizeof(mi), "%s/mountinfo", dir);
	f = fopen(mi, "w");
	fprintf(f, "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		   "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		   "33 31 0:30 /sub /mnt/memory rw - cgroup cgroup rw,memory\n"
		   "34 31 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
	fclose(f);
	ck_assert_int_eq(oci_cgroup_host_dir(mi, "/sys/fs/cgroup/memory", "/p/c1", &got, NULL), 0);
	ck_assert_str_eq(got, "/sys/fs/cgroup/memory/p/c1"); /* not the bind of /sub */
	free(got);
	ck_assert_int_eq(oci_cgroup_host_dir(mi, "/sys/fs/cgroup/cpu,cpuacct", "/c1", &got, NULL), 0);
	ck_assert_str_eq(got, "/sys/fs/cgroup/cpu,cpuacct/c1");
	free(got);
	ck_assert_int_eq(oci_cgroup_host_dir(mi, "/sys/fs/cgroup/pids", "/c1", &got, &e), -ENOENT);
	assert_msg(e, "no cgroup hierarchy `pids`", NULL);
	ckpt_error_free(e);
	unlink(mi);
	rmdir(dir);
}
END_TEST

/* ---- container -> criu options ------------------------------------------- */

static const char *
ext_mount(const CriuOpts *c, const char *key)
{
	for (size_t i = 0; i < c->n_ext_mnt; i++)
		if (strcmp(c->ext_mnt[i]->key, key) == 0)
			return c->ext_mnt[i]->val;
	return NULL;
}

static CriuOpts *
to_criu(ckpt_opts *o, enum opts_op op)
{
	static const struct opts_fds fds = { .images_dir_fd = 7, .work_dir_fd = -1, .inherit_base = 4 };
	CriuOpts *c = NULL;

	ck_assert_int_eq(opts_to_criu(o, op, &fds, &c, NULL), 0);
	return c;
}

START_TEST(dump_options)
{
	struct oci_state st = { .pid = 4242, .rootfs = FIX "/bundle/rootfs", .id = "ctr" };
	struct oci_cgmount cgm[] = { { "/sys/fs/cgroup/cpu", "/ctr" } };
	struct oci_config cfg;
	struct oci_dump_plan p = { .st = &st,
				   .cfg = &cfg,
				   .cgmounts = cgm,
				   .n_cgmounts = 1,
				   .freezer = "/sys/fs/cgroup/freezer/ctr",
				   .proc = FAKE_PROC };
	char netns[64];
	struct stat sb;
	ckpt_opts *o;
	CriuOpts *c;

	ck_assert_int_eq(oci_config_load(FIX "/bundle/config.json", &cfg, NULL), 0);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(oci_dump_to_opts(&p, o, NULL), 0);
	c = to_criu(o, OPTS_OP_DUMP);
	ck_assert_int_eq(c->pid, 4242);
	ck_assert_str_eq(c->root, FIX "/bundle/rootfs");
	/* bind mounts by destination, resolved inside the rootfs */
	ck_assert_str_eq(ext_mount(c, "/data"), "/data");
	ck_assert_str_eq(ext_mount(c, "/real/conf/app"), "/real/conf/app");
	ck_assert_str_eq(ext_mount(c, "/real/dir"), "/real/dir");
	ck_assert_ptr_null(ext_mount(c, "/proc"));
	ck_assert_str_eq(ext_mount(c, "/sys/fs/cgroup/cpu"), "/sys/fs/cgroup/cpu");
	ck_assert_str_eq(ext_mount(c, "/dev/fuse"), "/dev/fuse");
	/* masked files are /dev/null; masked directories and missing paths are left to criu */
	ck_assert_str_eq(ext_mount(c, "/proc/kcore"), "/dev/null");
	ck_assert_ptr_null(ext_mount(c, "/proc/acpi"));
	ck_assert_ptr_null(ext_mount(c, "/proc/missing"));
	/* the netns given by path is external, by inode */
	ck_assert_int_eq(stat("/proc/self/ns/net", &sb), 0);
	snprintf(netns, sizeof(netns), "net[%llu]:extRootNetNS", (unsigned long long)sb.st_ino);
	ck_assert_uint_eq(c->n_external, 1);
	ck_assert_str_eq(c->external[0], netns);
	ck_assert_str_eq(c->freeze_cgroup, "/sys/fs/cgroup/freezer/ctr");
	ck_assert(c->has_orphan_pts_master && c->orphan_pts_master); /* terminal: true */
	criu_opts__free_unpacked(c, NULL);
	ckpt_opts_free(o);
	oci_config_free(&cfg);
}
END_TEST

START_TEST(restore_options)
{
	char *desc[3] = { "/dev/null", "pipe:[77]", "pipe:[78]" };
	int stdio[3] = { 0, 1, 2 }, ns_fds[2] = { -1, -1 }, p2[2];
	struct oci_config cfg;
	struct oci_restore_plan p = { .cfg = &cfg,
				      .bundle = FIX "/bundle",
				      .rootfs = FIX "/bundle/rootfs",
				      .criu_root = "/run/ckpt-root.test",
				      .descriptors = desc,
				      .stdio = stdio,
				      .cgroup = "/elsewhere",
				      .self_mountinfo = "/proc/self/mountinfo",
				      .ns_fds = ns_fds };
	ckpt_opts *o;
	CriuOpts *c;

	ck_assert_int_eq(pipe2(p2, O_CLOEXEC), 0);
	stdio[1] = p2[1];
	ck_assert_int_eq(oci_config_load(FIX "/bundle/config.json", &cfg, NULL), 0);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(oci_restore_to_opts(&p, o, NULL), 0);
	c = to_criu(o, OPTS_OP_RESTORE);
	ck_assert_str_eq(c->root, "/run/ckpt-root.test");
	ck_assert_str_eq(ext_mount(c, "/data"), "/srv/data");
	ck_assert_str_eq(ext_mount(c, "/real/conf/app"), FIX "/bundle/conf-src"); /* relative to the bundle */
	ck_assert_str_eq(ext_mount(c, "/real/dir"), "/srv/abs");
	ck_assert_str_eq(ext_mount(c, "/dev/null"), "/dev/null");
	ck_assert_str_eq(ext_mount(c, "/dev/fuse"), "/dev/fuse");
	/* stdio pipes, then the netns fd: criu's fds 4, 5, 6 */
	ck_assert_uint_eq(c->n_inherit_fd, 3);
	ck_assert_str_eq(c->inherit_fd[0]->key, "pipe:[77]");
	ck_assert_str_eq(c->inherit_fd[1]->key, "pipe:[78]");
	ck_assert_str_eq(c->inherit_fd[2]->key, "extRootNetNS");
	ck_assert_int_eq(c->inherit_fd[2]->fd, 6);
	ck_assert_int_eq(o->inherit[0].fd, p2[1]);
	ck_assert_int_ge(ns_fds[0], 0);
	ck_assert_int_eq(fcntl(ns_fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_uint_eq(c->n_join_ns, 1);
	ck_assert_str_eq(c->join_ns[0]->ns, "ipc");
	ck_assert_str_eq(c->join_ns[0]->ns_file, "/proc/1/ns/ipc");
	ck_assert_uint_eq(c->n_cg_root, 1);
	ck_assert_str_eq(c->cg_root[0]->path, "/elsewhere");
	ck_assert(c->orphan_pts_master);
	criu_opts__free_unpacked(c, NULL);
	ckpt_opts_free(o);
	close(ns_fds[0]);
	close(p2[0]);
	close(p2[1]);
	oci_config_free(&cfg);
}
END_TEST

START_TEST(restore_refuses_unjoinable_namespace)
{
	int stdio[3] = { 0, 1, 2 }, ns_fds[2] = { -1, -1 };
	struct oci_config cfg;
	struct oci_restore_plan p = { .cfg = &cfg,
				      .bundle = FIX "/bundle",
				      .rootfs = FIX "/bundle/rootfs",
				      .criu_root = "/run/x",
				      .stdio = stdio,
				      .ns_fds = ns_fds };
	ckpt_error *e = NULL;
	ckpt_opts *o;

	ck_assert_int_eq(oci_config_load(FIX "/bundle/config.json", &cfg, NULL), 0);
	free(cfg.ns[4].path);
	cfg.ns[4].path = strdup("/proc/1/ns/mnt");
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(oci_restore_to_opts(&p, o, &e), -EOPNOTSUPP);
	assert_msg(e, "existing mount namespace", "/proc/1/ns/mnt", NULL);
	ckpt_error_free(e);
	if (ns_fds[0] >= 0)
		close(ns_fds[0]);
	ckpt_opts_free(o);
	oci_config_free(&cfg);
}
END_TEST

START_TEST(options_are_copied)
{
	ckpt_opts *o, *copy;

	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ckpt_opts_set_images_dir(o, "/img");
	ckpt_opts_set_work_dir(o, "/work");
	ckpt_opts_set_flag(o, CKPT_FLAG_TCP_ESTABLISHED, 1);
	ckpt_opts_set_flag(o, CKPT_FLAG_STAGING, 0);
	ckpt_opts_set_manage_cgroups_mode(o, CKPT_CG_IGNORE);
	ckpt_opts_add_ext_mount(o, "/a", "/b");
	ckpt_opts_add_external(o, "mnt[/x]:y");
	ckpt_opts_set_timeout(o, 1234);
	ck_assert_int_eq(oci_opts_copy(o, &copy, NULL), 0);
	ck_assert_str_eq(copy->images_dir, "/img");
	ck_assert_ptr_ne(copy->images_dir, o->images_dir);
	ck_assert_str_eq(copy->work_dir, "/work");
	ck_assert(copy->flags[CKPT_FLAG_TCP_ESTABLISHED] && !copy->flags[CKPT_FLAG_STAGING]);
	ck_assert_int_eq(copy->cg_mode, CKPT_CG_IGNORE);
	ck_assert_uint_eq(copy->n_ext_mnt, 1);
	ck_assert_uint_eq(copy->n_external, 1);
	ck_assert_uint_eq(copy->timeout_ms, 1234);
	ckpt_opts_add_ext_mount(copy, "/c", "/d");
	ck_assert_uint_eq(o->n_ext_mnt, 1); /* the caller's options are untouched */
	ckpt_opts_free(copy);
	ckpt_opts_free(o);
}
END_TEST

/* ---- writing the runtime's state back ------------------------------------- */

START_TEST(crun_and_youki_registration_round_trip)
{
	char root[] = "/tmp/ckpt-oci-root-XXXXXX";
	struct oci_config cfg;
	struct oci_register reg = { .id = "restored",
				    .root = root,
				    .bundle = FIX "/bundle",
				    .config_path = FIX "/bundle/config.json",
				    .cfg = &cfg,
				    .pid = getpid(),
				    .proc = "/proc" };
	struct oci_state st;
	ckpt_error *e = NULL;
	uint64_t ticks;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(oci_config_load(FIX "/bundle/config.json", &cfg, NULL), 0);
	ck_assert_int_eq(oci_register_crun(&reg, &e), 0);
	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_CRUN, root, "restored", &st, NULL), 0);
	ck_assert_int_eq(st.pid, getpid());
	ck_assert_int_eq(oci_pid_start_time("/proc", getpid(), &ticks, NULL), 0);
	ck_assert_uint_eq(st.start_time, ticks);
	ck_assert_str_eq(st.rootfs, FIX "/bundle/rootfs");
	ck_assert_int_eq(oci_state_check_pid(&st, "/proc", NULL), 0);
	oci_state_free(&st);
	/* the id is taken now */
	ck_assert_int_eq(oci_register_crun(&reg, &e), -EEXIST);
	assert_msg(e, "already exists", NULL);
	ckpt_error_free(e);
	e = NULL;
	ck_assert_int_eq(oci_register_youki(&(struct oci_register){ .id = "y",
								    .root = root,
								    .bundle = FIX "/bundle",
								    .cfg = &cfg,
								    .pid = getpid(),
								    .proc = "/proc" },
					    &e),
			 0);
	ck_assert_int_eq(oci_state_load(CKPT_RUNTIME_YOUKI, root, "y", &st, NULL), 0);
	ck_assert_str_eq(st.status, "running");
	ck_assert_int_eq(oci_state_check_pid(&st, "/proc", NULL), 0);
	oci_state_free(&st);
	oci_config_free(&cfg);
	rm_rf(root);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("oci");
	TCase *ids = tcase_create("ids"), *state = tcase_create("state"), *cfg = tcase_create("config");
	TCase *notes = tcase_create("notes"), *tr = tcase_create("translate");

	tcase_add_test(ids, id_accepts_runc_charset);
	tcase_add_test(ids, id_refuses_hostile_ids);
	tcase_add_test(ids, traversal_id_never_reaches_the_file_system);
	tcase_add_test(ids, runtime_names);
	tcase_add_test(state, runc_state);
	tcase_add_test(state, crun_state);
	tcase_add_test(state, youki_state);
	tcase_add_test(state, malformed_state_is_refused);
	tcase_add_test(state, state_json_shapes);
	tcase_add_test(state, dead_or_recycled_pid_is_refused);
	tcase_add_test(state, find_by_id);
	tcase_add_test(state, find_missing_or_ambiguous);
	tcase_add_test(state, find_refuses_dead_and_recycled);
	tcase_add_test(cfg, config_parse);
	tcase_add_test(cfg, config_missing_fields);
	tcase_add_test(cfg, json_limits);
	tcase_add_test(cfg, resolve_stays_inside_rootfs);
	tcase_add_test(notes, descriptors_round_trip);
	tcase_add_test(notes, manifest_round_trip);
	tcase_add_test(notes, cgroups_of_the_init);
	tcase_add_test(notes, cgroup_host_dir);
	tcase_add_test(tr, dump_options);
	tcase_add_test(tr, restore_options);
	tcase_add_test(tr, restore_refuses_unjoinable_namespace);
	tcase_add_test(tr, options_are_copied);
	tcase_add_test(tr, crun_and_youki_registration_round_trip);
	suite_add_tcase(s, ids);
	suite_add_tcase(s, state);
	suite_add_tcase(s, cfg);
	suite_add_tcase(s, notes);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	return unit_main(suite());
}
