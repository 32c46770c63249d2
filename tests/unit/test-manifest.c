/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ckpt.json: the library's writer and `ckpt inspect`'s reader agree. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inspect.h"
#include "manifest.h"
#include "unittest.h"

static char dir[64];
static int dirfd_ = -1;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ckpt-manifest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_, 0);
}

static void
teardown(void)
{
	char cmd[128];

	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
put(const char *name, size_t bytes)
{
	char *buf = calloc(1, bytes + 1);
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, bytes), (ssize_t)bytes);
	close(fd);
	free(buf);
}

static void
put_text(const char *name, const char *text)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A child of ours named mf-child, waiting to be killed. */
static pid_t
start_child(void)
{
	int p[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "mf-child");
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a failed test */
		close(p[0]);
		close(p[1]); /* tells the parent the name is set */
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
	return pid;
}

static void
stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static const struct event events[] = {
	{ "pre-dump", 10000000 },
	{ "post-dump", 30500000 },
};

static struct manifest_run
run_of(void)
{
	return (struct manifest_run){
		.op = OPTS_OP_DUMP,
		.criu_version = 40201,
		.events = events,
		.n_events = 2,
		.wall_ns = 50000000,
	};
}

static yajl_val
at(yajl_val v, const char *a, const char *b, const char *c)
{
	const char *path[] = { a, b, c, NULL };

	return yajl_tree_get(v, path, yajl_t_any);
}

START_TEST(tree_is_read_from_proc)
{
	pid_t child = start_child();
	struct manifest m;
	bool found = false;

	manifest_begin(&m, getpid());
	ck_assert_uint_ge(m.n_procs, 2);
	ck_assert_int_eq(m.procs[0].pid, getpid());
	ck_assert_int_eq(m.procs[0].ppid, 0);
	for (size_t i = 1; i < m.n_procs; i++)
		if (m.procs[i].pid == child) {
			ck_assert_int_eq(m.procs[i].ppid, getpid());
			ck_assert_str_eq(m.procs[i].comm, "mf-child");
			found = true;
		}
	ck_assert(found);
	ck_assert_uint_eq(m.n_procs_seen, m.n_procs);
	ck_assert_int_gt(m.started.tv_sec, 0);
	manifest_free(&m);
	stop_child(child);
}
END_TEST

START_TEST(tree_of_a_dead_pid_is_empty)
{
	struct manifest m;

	manifest_begin(&m, 4194300);
	ck_assert_uint_eq(m.n_procs, 1); /* the root is listed, with no name */
	ck_assert_str_eq(m.procs[0].comm, "");
	manifest_free(&m);
	manifest_begin(&m, 0);
	ck_assert_uint_eq(m.n_procs, 0);
	manifest_free(&m);
}
END_TEST

START_TEST(sizes_by_kind)
{
	struct manifest_sizes sz;

	put("pages-1.img", 8192);
	put("pages-2.img", 4096);
	put("pagemap-42.img", 100);
	put("core-42.img", 300);
	put("dump.log", 50);
	put("inventory.img", 7);
	put("ckpt.json", 999); /* not counted: it describes the others */
	ck_assert_int_eq(mkdirat(dirfd_, "sub", 0700), 0);
	ck_assert_int_eq(manifest_sizes(dirfd_, &sz), 0);
	ck_assert_uint_eq(sz.pages, 12288);
	ck_assert_uint_eq(sz.pagemap, 100);
	ck_assert_uint_eq(sz.core, 300);
	ck_assert_uint_eq(sz.log, 50);
	ck_assert_uint_eq(sz.other, 7);
	ck_assert_uint_eq(sz.total, 12288 + 100 + 300 + 50 + 7);
	ck_assert_uint_eq(sz.files, 6);
	/* and every file by name, sorted, for `ckpt inspect` to check */
	ck_assert_uint_eq(sz.n_list, 6);
	ck_assert_str_eq(sz.list[0].name, "core-42.img");
	ck_assert_uint_eq(sz.list[0].bytes, 300);
	ck_assert_str_eq(sz.list[1].name, "dump.log");
	ck_assert_str_eq(sz.list[2].name, "inventory.img");
	ck_assert_str_eq(sz.list[5].name, "pages-2.img");
	ck_assert_uint_eq(sz.list[5].bytes, 4096);
	manifest_sizes_free(&sz);
	ck_assert_ptr_null(sz.list);
}
END_TEST

START_TEST(write_then_inspect)
{
	pid_t child = start_child();
	struct manifest_run run = run_of();
	struct manifest m;
	struct inspect in;
	ckpt_opts *o = NULL;
	yajl_val v;

	put("pages-1.img", 4096);
	put("core-1.img", 200);
	put("inventory.img", 10);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_pid(o, getpid()), 0);
	ck_assert_int_eq(ckpt_opts_set_images_dir(o, dir), 0);
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1), 0);
	ck_assert_int_eq(ckpt_opts_set_manage_cgroups_mode(o, CKPT_CG_IGNORE), 0);
	ck_assert_int_eq(ckpt_opts_set_manifest_source(o, "container", "web1", "runc", "/srv/web1"), 0);
	manifest_begin(&m, getpid());
	ck_assert_int_eq(manifest_write(&m, o, &run, dirfd_), 0);
	ck_assert_int_ne(faccessat(dirfd_, ".ckpt.json.tmp", F_OK, 0), 0);

	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_OK);
	v = in.manifest;
	ck_assert_int_eq(YAJL_GET_INTEGER(at(v, "manifest_version", NULL, NULL)), 1);
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "criu_version", NULL, NULL)), "4.2.1");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "operation", NULL, NULL)), "checkpoint");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "source", "kind", NULL)), "container");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "source", "id", NULL)), "web1");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "source", "runtime", NULL)), "runc");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "source", "bundle", NULL)), "/srv/web1");
	ck_assert_int_eq(YAJL_GET_INTEGER(at(v, "source", "pid", NULL)), getpid());
	ck_assert_double_eq_tol(YAJL_GET_DOUBLE(at(v, "phases_ms", "prepare", NULL)), 10.0, 1e-9);
	ck_assert_double_eq_tol(YAJL_GET_DOUBLE(at(v, "phases_ms", "dump", NULL)), 20.5, 1e-9);
	ck_assert_double_eq_tol(YAJL_GET_DOUBLE(at(v, "phases_ms", "finish", NULL)), 19.5, 1e-9);
	ck_assert_int_eq(YAJL_GET_INTEGER(at(v, "image_bytes", "pages", NULL)), 4096);
	ck_assert_int_eq(YAJL_GET_INTEGER(at(v, "image_bytes", "core", NULL)), 200);
	ck_assert(YAJL_IS_ARRAY(at(v, "files", NULL, NULL)));
	ck_assert_uint_eq(YAJL_GET_ARRAY(at(v, "files", NULL, NULL))->len, 3);
	ck_assert_str_eq(YAJL_GET_STRING(at(YAJL_GET_ARRAY(at(v, "files", NULL, NULL))->values[1], "name", NULL, NULL)),
			 "inventory.img");
	ck_assert_int_eq(
		YAJL_GET_INTEGER(at(YAJL_GET_ARRAY(at(v, "files", NULL, NULL))->values[2], "bytes", NULL, NULL)), 4096);
	ck_assert(YAJL_IS_TRUE(at(v, "options", "flags", "leave_running")));
	ck_assert(YAJL_IS_FALSE(at(v, "options", "flags", "tcp_established")));
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "options", "manage_cgroups_mode", NULL)), "ignore");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "options", "images_dir", NULL)), dir);
	ck_assert(YAJL_IS_ARRAY(at(v, "tree", NULL, NULL)));
	ck_assert_uint_ge(YAJL_GET_ARRAY(at(v, "tree", NULL, NULL))->len, 2);
	ck_assert_int_eq(YAJL_GET_INTEGER(at(YAJL_GET_ARRAY(at(v, "tree", NULL, NULL))->values[0], "pid", NULL, NULL)),
			 getpid());
	inspect_free(&in);
	manifest_free(&m);
	ckpt_opts_free(o);
	stop_child(child);
}
END_TEST

START_TEST(summary_text)
{
	pid_t child = start_child();
	struct manifest_run run = run_of();
	struct manifest m;
	struct inspect in;
	ckpt_opts *o = NULL;
	char *text = NULL, pid[32];
	size_t len = 0;
	FILE *f;

	put("pages-1.img", 3 << 20);
	put("inventory.img", 10);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_pid(o, getpid()), 0);
	ck_assert_int_eq(ckpt_opts_set_flag(o, CKPT_FLAG_TCP_ESTABLISHED, 1), 0);
	ck_assert_int_eq(ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_NFTABLES), 0);
	manifest_begin(&m, getpid());
	ck_assert_int_eq(manifest_write(&m, o, &run, dirfd_), 0);
	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_OK);
	f = open_memstream(&text, &len);
	inspect_print_text(&in, dir, f);
	fclose(f);
	snprintf(pid, sizeof(pid), "pid %d\n", getpid());
	ck_assert_msg(strstr(text, pid), "%s", text);
	ck_assert_msg(strstr(text, "mf-child"), "%s", text);
	ck_assert_msg(strstr(text, "criu 4.2.1"), "%s", text);
	ck_assert_msg(strstr(text, "pages 3.0 MiB"), "%s", text);
	ck_assert_msg(strstr(text, "dump (tree frozen) 20.5 ms"), "%s", text);
	ck_assert_msg(strstr(text, "--tcp-established"), "%s", text);
	ck_assert_msg(strstr(text, "--network-lock nftables"), "%s", text);
	free(text);
	inspect_free(&in);
	manifest_free(&m);
	ckpt_opts_free(o);
	stop_child(child);
}
END_TEST

START_TEST(not_a_checkpoint)
{
	struct inspect in;

	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_NOT_CHECKPOINT);
	ck_assert_ptr_nonnull(strstr(in.why, "is not a checkpoint"));
	inspect_free(&in);
	ck_assert_int_eq(inspect_load("/nonexistent/ckpt", &in), INSPECT_NO_DIR);
	ck_assert_ptr_nonnull(strstr(in.why, "No such file"));
	inspect_free(&in);
}
END_TEST

START_TEST(plain_criu_dump)
{
	struct inspect in;

	put("inventory.img", 10);
	put("core-1.img", 10);
	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_CRIU_ONLY);
	ck_assert_msg(strstr(in.why, "plain criu dump"), "%s", in.why);
	ck_assert_msg(strstr(in.why, "no ckpt.json"), "%s", in.why);
	inspect_free(&in);
}
END_TEST

START_TEST(incomplete_and_damaged)
{
	struct manifest_run run = run_of();
	struct manifest m = { 0 };
	struct inspect in;
	ckpt_opts *o = NULL;

	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(manifest_write(&m, o, &run, dirfd_), 0);
	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_INCOMPLETE);
	ck_assert_msg(strstr(in.why, "inventory.img"), "%s", in.why);
	inspect_free(&in);

	put("inventory.img", 10);
	put_text("ckpt.json", "{\"manifest_version\": 1, ");
	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_DAMAGED);
	ck_assert_msg(strstr(in.why, "cannot be parsed"), "%s", in.why);
	inspect_free(&in);

	put_text("ckpt.json", "{\"hello\": 1}");
	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_DAMAGED);
	ck_assert_msg(strstr(in.why, "not a ckpt manifest"), "%s", in.why);
	inspect_free(&in);
	ckpt_opts_free(o);
}
END_TEST

/* A checkpoint of pages-1.img, core-1.img, inventory.img and dump.log. */
static void
write_checkpoint(void)
{
	struct manifest_run run = run_of();
	struct manifest m = { 0 };
	ckpt_opts *o = NULL;

	put("pages-1.img", 8192);
	put("core-1.img", 300);
	put("inventory.img", 10);
	put("dump.log", 50);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(manifest_write(&m, o, &run, dirfd_), 0);
	ckpt_opts_free(o);
}

static enum inspect_status
load_expecting(enum inspect_status want, const char *needle)
{
	struct inspect in;
	enum inspect_status got = inspect_load(dir, &in);

	ck_assert_msg(got == want, "status %s, not %s: %s", inspect_status_name(got), inspect_status_name(want),
		      in.why);
	if (needle)
		ck_assert_msg(strstr(in.why, needle), "`%s` does not say `%s`", in.why, needle);
	inspect_free(&in);
	return got;
}

START_TEST(missing_or_short_images)
{
	char pages[128];

	snprintf(pages, sizeof(pages), "%s/pages-1.img", dir);
	write_checkpoint();
	load_expecting(INSPECT_OK, NULL);
	ck_assert_int_eq(unlinkat(dirfd_, "dump.log", 0), 0); /* logs may go: not needed to restore */
	load_expecting(INSPECT_OK, NULL);

	ck_assert_int_eq(unlinkat(dirfd_, "core-1.img", 0), 0);
	load_expecting(INSPECT_INCOMPLETE, "is incomplete: missing core-1.img;");
	put("core-1.img", 300);

	ck_assert_int_eq(truncate(pages, 4096), 0);
	load_expecting(INSPECT_DAMAGED, "is damaged: pages-1.img is short (4096 of 8192 bytes);");

	ck_assert_int_eq(unlinkat(dirfd_, "pages-1.img", 0), 0); /* every pages-*.img */
	ck_assert_int_eq(unlinkat(dirfd_, "inventory.img", 0), 0);
	load_expecting(INSPECT_INCOMPLETE, "missing inventory.img, pages-1.img;");
}
END_TEST

START_TEST(problems_in_json)
{
	struct inspect in;
	char *text = NULL;
	size_t len = 0;
	yajl_val v, missing, damaged;
	FILE *f;

	write_checkpoint();
	ck_assert_int_eq(unlinkat(dirfd_, "core-1.img", 0), 0);
	put("pages-1.img", 100);
	ck_assert_int_eq(inspect_load(dir, &in), INSPECT_INCOMPLETE);
	ck_assert_uint_eq(in.n_checked, 3);
	f = open_memstream(&text, &len);
	inspect_print_json(&in, dir, f);
	fclose(f);
	v = yajl_tree_parse(text, NULL, 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "error", "status", NULL)), "incomplete");
	missing = at(v, "error", "missing", NULL);
	damaged = at(v, "error", "damaged", NULL);
	ck_assert(YAJL_IS_ARRAY(missing) && YAJL_IS_ARRAY(damaged));
	ck_assert_uint_eq(YAJL_GET_ARRAY(missing)->len, 1);
	ck_assert_str_eq(YAJL_GET_STRING(YAJL_GET_ARRAY(missing)->values[0]), "core-1.img");
	ck_assert_uint_eq(YAJL_GET_ARRAY(damaged)->len, 1);
	ck_assert_str_eq(YAJL_GET_STRING(at(YAJL_GET_ARRAY(damaged)->values[0], "name", NULL, NULL)), "pages-1.img");
	ck_assert_int_eq(YAJL_GET_INTEGER(at(YAJL_GET_ARRAY(damaged)->values[0], "bytes", NULL, NULL)), 100);
	ck_assert_int_eq(YAJL_GET_INTEGER(at(YAJL_GET_ARRAY(damaged)->values[0], "expected", NULL, NULL)), 8192);
	yajl_tree_free(v);
	free(text);
	inspect_free(&in);
}
END_TEST

/* A manifest of an older ckpt has no `files`: the bytes by kind are checked. */
START_TEST(older_manifest_by_kind)
{
	put_text("ckpt.json", "{\"manifest_version\": 1, \"image_bytes\": {\"pages\": 8192, \"pagemap\": 0, "
			      "\"core\": 300, \"total\": 8502}}");
	put("inventory.img", 10);
	put("core-1.img", 300);
	load_expecting(INSPECT_INCOMPLETE, "missing pages-*.img;");
	put("pages-1.img", 4096);
	put("pages-2.img", 2048);
	load_expecting(INSPECT_DAMAGED, "pages-*.img is short (6144 of 8192 bytes)");
	put("pages-2.img", 9000);
	load_expecting(INSPECT_DAMAGED, "pages-*.img has 13096 bytes (the checkpoint wrote 8192)");
	put("pages-2.img", 4096);
	load_expecting(INSPECT_OK, NULL);
}
END_TEST

START_TEST(json_error_object)
{
	struct inspect in;
	char *text = NULL;
	size_t len = 0;
	yajl_val v;
	FILE *f;

	inspect_load(dir, &in);
	f = open_memstream(&text, &len);
	inspect_print_json(&in, dir, f);
	fclose(f);
	v = yajl_tree_parse(text, NULL, 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "error", "status", NULL)), "not-a-checkpoint");
	ck_assert_str_eq(YAJL_GET_STRING(at(v, "error", "path", NULL)), dir);
	yajl_tree_free(v);
	free(text);
	inspect_free(&in);
}
END_TEST

START_TEST(source_setter)
{
	ckpt_opts *o = NULL;

	ck_assert_int_eq(ckpt_opts_set_manifest_source(NULL, "pid", NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(ckpt_opts_new(&o), 0);
	ck_assert_int_eq(ckpt_opts_set_manifest_source(o, "", NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(ckpt_opts_set_manifest_source(o, "container", "a", "crun", NULL), 0);
	ck_assert_str_eq(o->source.id, "a");
	ck_assert_int_eq(ckpt_opts_set_manifest_source(o, NULL, NULL, NULL, NULL), 0);
	ck_assert_ptr_null(o->source.kind);
	ck_assert_ptr_null(o->source.id);
	ckpt_opts_free(o);
}
END_TEST

START_TEST(bytes_for_people)
{
	char b[32];

	format_bytes(0, b, sizeof(b));
	ck_assert_str_eq(b, "0 B");
	format_bytes(1023, b, sizeof(b));
	ck_assert_str_eq(b, "1023 B");
	format_bytes(1536, b, sizeof(b));
	ck_assert_str_eq(b, "1.5 KiB");
	format_bytes(5ull << 30, b, sizeof(b));
	ck_assert_str_eq(b, "5.0 GiB");
}
END_TEST

static Suite *
manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tree_is_read_from_proc);
	tcase_add_test(tc, tree_of_a_dead_pid_is_empty);
	tcase_add_test(tc, sizes_by_kind);
	tcase_add_test(tc, write_then_inspect);
	tcase_add_test(tc, summary_text);
	tcase_add_test(tc, not_a_checkpoint);
	tcase_add_test(tc, plain_criu_dump);
	tcase_add_test(tc, incomplete_and_damaged);
	tcase_add_test(tc, missing_or_short_images);
	tcase_add_test(tc, problems_in_json);
	tcase_add_test(tc, older_manifest_by_kind);
	tcase_add_test(tc, json_error_object);
	tcase_add_test(tc, source_setter);
	tcase_add_test(tc, bytes_for_people);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(manifest_suite());
}
