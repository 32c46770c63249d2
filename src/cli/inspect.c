/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `ckpt inspect DIR`: what a checkpoint holds, from its ckpt.json, without
 * running criu. It says so when DIR is not a checkpoint ckpt made (a plain
 * criu dump, or nothing at all) or when the checkpoint is incomplete.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "inspect.h"

#define MANIFEST_MAX_BYTES (16u << 20)
#define TREE_SHOWN	   64

static const char inspect_help[] =
	"Usage: ckpt inspect [--json] DIR\n"
	"\n"
	"Show what the checkpoint in DIR holds, from its ckpt.json: ckpt and criu versions,\n"
	"the source, the process tree, the phase times, image sizes and options. criu is\n"
	"not run. The images are checked against the sizes ckpt.json records. Exits 1 when\n"
	"DIR is not a checkpoint made by ckpt, or is incomplete or damaged (it says which\n"
	"files are missing or short).\n"
	"\n"
	"Options:\n"
	"      --json    print the manifest (or the error) as one JSON object\n"
	"  -h, --help    show this help\n";

/* ------------------------------------------------------------------------ */
/* Loading. */

static const char *status_names[] = {
	[INSPECT_OK] = "ok",
	[INSPECT_NO_DIR] = "no-directory",
	[INSPECT_NOT_CHECKPOINT] = "not-a-checkpoint",
	[INSPECT_CRIU_ONLY] = "not-made-by-ckpt",
	[INSPECT_INCOMPLETE] = "incomplete",
	[INSPECT_DAMAGED] = "damaged",
};

const char *
inspect_status_name(enum inspect_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "unknown";
}

static enum inspect_status set_status(struct inspect *in, enum inspect_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum inspect_status
set_status(struct inspect *in, enum inspect_status s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->why, sizeof(in->why), fmt, ap);
	va_end(ap);
	in->status = s;
	return s;
}

/* Reads a whole small file relative to dirfd; NULL with errno set. */
static char *
read_file_at(int dirfd, const char *name, size_t max)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[got] = '\0';
	return buf;
}

static bool
exists_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static yajl_val
get(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };

	return v ? yajl_tree_get(v, path, yajl_t_any) : NULL;
}

static const char *
str(yajl_val v, const char *key)
{
	yajl_val s = get(v, key);

	return YAJL_IS_STRING(s) ? YAJL_GET_STRING(s) : NULL;
}

static long long
num(yajl_val v, const char *key)
{
	yajl_val n = get(v, key);

	if (YAJL_IS_INTEGER(n))
		return YAJL_GET_INTEGER(n);
	return YAJL_IS_NUMBER(n) ? (long long)YAJL_GET_DOUBLE(n) : 0;
}

static enum inspect_status
parse_manifest(struct inspect *in, const char *dir, const char *text)
{
	char err[512] = "";
	yajl_val v = yajl_tree_parse(text, err, sizeof(err));

	if (!v) {
		err[strcspn(err, "\n")] = '\0';
		return set_status(in, INSPECT_DAMAGED, "`%s` is damaged: its ckpt.json cannot be parsed (%s)", dir,
				  err);
	}
	if (!YAJL_IS_OBJECT(v) || !YAJL_IS_INTEGER(get(v, "manifest_version"))) {
		yajl_tree_free(v);
		return set_status(in, INSPECT_DAMAGED, "`%s` is damaged: its ckpt.json is not a ckpt manifest", dir);
	}
	in->manifest = v;
	return INSPECT_OK;
}

static enum inspect_status
check_manifest(struct inspect *in, const char *dir, const char *text)
{
	if (!text && errno == ENOENT && in->has_inventory)
		return set_status(in, INSPECT_CRIU_ONLY,
				  "`%s` is not a checkpoint made by ckpt: it has no ckpt.json, but criu images "
				  "(inventory.img); it looks like a plain criu dump, which `ckpt restore --image-path "
				  "%s` may still restore",
				  dir, dir);
	if (!text && errno == ENOENT)
		return set_status(in, INSPECT_NOT_CHECKPOINT,
				  "`%s` is not a checkpoint: it has neither ckpt.json nor criu images (inventory.img)",
				  dir);
	if (!text)
		return set_status(in, INSPECT_DAMAGED, "`%s` is damaged: cannot read its ckpt.json: %s", dir,
				  strerror(errno));
	if (parse_manifest(in, dir, text) != INSPECT_OK)
		return in->status;
	if (!in->has_inventory)
		return set_status(
			in, INSPECT_INCOMPLETE,
			"`%s` is incomplete: it has a ckpt.json but not criu's inventory.img, so it cannot be "
			"restored (was it copied partly, or changed after the checkpoint?)",
			dir);
	in->status = INSPECT_OK;
	return INSPECT_OK;
}

/* ------------------------------------------------------------------------ */
/* The images against the manifest. */

static int
add_problem(struct inspect *in, const char *name, long long bytes, long long expected)
{
	struct inspect_problem *nv = realloc(in->problems, (in->n_problems + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	in->problems = nv;
	nv[in->n_problems] = (struct inspect_problem){ .name = strdup(name), .bytes = bytes, .expected = expected };
	if (!nv[in->n_problems].name)
		return -ENOMEM;
	in->n_problems++;
	return 0;
}

/* The size of a regular file, -1 when it is missing or not a file. */
static long long
size_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return -1;
	return (long long)st.st_size;
}

static bool
is_image(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".img") == 0 && !strchr(name, '/');
}

/* `files`: every criu image by name and size (logs may come and go). */
static void
check_files(struct inspect *in, int dirfd, yajl_val files)
{
	for (size_t i = 0; i < files->u.array.len; i++) {
		yajl_val f = files->u.array.values[i];
		const char *name = str(f, "name");
		long long want = num(f, "bytes"), got;

		if (!name || !is_image(name))
			continue;
		in->n_checked++;
		got = size_at(dirfd, name);
		if (got != want && add_problem(in, name, got, want) < 0)
			return;
	}
}

/* Bytes of the images NAME-PREFIX*.img, -1 when there is none. */
static long long
kind_bytes(int dirfd, const char *prefix)
{
	long long n = -1, sz;
	struct dirent *de;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && is_image(de->d_name) &&
		    (sz = size_at(dirfd, de->d_name)) >= 0)
			n = (n < 0 ? 0 : n) + sz;
	closedir(d);
	return n;
}

/* A manifest without `files` (an older ckpt): the bytes of each kind. */
static void
check_kinds(struct inspect *in, int dirfd, yajl_val bytes)
{
	static const struct {
		const char *key, *prefix, *pattern;
	} kinds[] = {
		{ "pages", "pages-", "pages-*.img" },
		{ "pagemap", "pagemap", "pagemap*.img" },
		{ "core", "core-", "core-*.img" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		long long want = num(bytes, kinds[i].key), got;

		if (want <= 0)
			continue;
		in->n_checked++;
		got = kind_bytes(dirfd, kinds[i].prefix);
		if (got != want && add_problem(in, kinds[i].pattern, got, want) < 0)
			return;
	}
}

/* "a, b (4096 of 8192 bytes), ... and 3 more", the missing ones or the others. */
static void
list_problems(const struct inspect *in, bool missing, char *buf, size_t len)
{
	size_t shown = 0, n = 0, off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < in->n_problems; i++) {
		const struct inspect_problem *p = &in->problems[i];
		int w = 0;

		if ((p->bytes < 0) != missing)
			continue;
		if (++n > 6 || off >= len)
			continue;
		if (missing)
			w = snprintf(buf + off, len - off, "%s%s", shown ? ", " : "", p->name);
		else if (p->bytes < p->expected)
			w = snprintf(buf + off, len - off, "%s%s is short (%lld of %lld bytes)", shown ? ", " : "",
				     p->name, p->bytes, p->expected);
		else
			w = snprintf(buf + off, len - off, "%s%s has %lld bytes (the checkpoint wrote %lld)",
				     shown ? ", " : "", p->name, p->bytes, p->expected);
		off += w > 0 ? (size_t)w : 0;
		shown++;
	}
	if (n > shown && off < len)
		snprintf(buf + off, len - off, " and %zu more", n - shown);
}

static enum inspect_status
problems_status(struct inspect *in, const char *dir)
{
	char missing[512], other[512];

	list_problems(in, true, missing, sizeof(missing));
	list_problems(in, false, other, sizeof(other));
	if (missing[0])
		return set_status(in, INSPECT_INCOMPLETE,
				  "`%s` is incomplete: missing %s%s%s; it cannot be restored (was it copied partly, "
				  "or changed after the checkpoint?)",
				  dir, missing, other[0] ? "; " : "", other);
	return set_status(in, INSPECT_DAMAGED, "`%s` is damaged: %s; it cannot be restored as it was checkpointed", dir,
			  other);
}

static enum inspect_status
verify_images(struct inspect *in, const char *dir, int dirfd)
{
	yajl_val files = get(in->manifest, "files");

	if (YAJL_IS_ARRAY(files))
		check_files(in, dirfd, files);
	else
		check_kinds(in, dirfd, get(in->manifest, "image_bytes"));
	if (in->n_problems)
		return problems_status(in, dir);
	return in->status;
}

static enum inspect_status
load_at(struct inspect *in, const char *dir, int dirfd)
{
	char *text;

	in->has_inventory = exists_at(dirfd, "inventory.img");
	text = read_file_at(dirfd, "ckpt.json", MANIFEST_MAX_BYTES);
	check_manifest(in, dir, text);
	free(text);
	if (in->manifest && (in->status == INSPECT_OK || in->status == INSPECT_INCOMPLETE))
		verify_images(in, dir, dirfd);
	return in->status;
}

enum inspect_status
inspect_load(const char *dir, struct inspect *in)
{
	int fd;

	memset(in, 0, sizeof(*in));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return set_status(in, INSPECT_NO_DIR, "cannot open `%s`: %s", dir, strerror(errno));
	load_at(in, dir, fd);
	close(fd);
	return in->status;
}

void
inspect_free(struct inspect *in)
{
	if (in->manifest)
		yajl_tree_free(in->manifest);
	in->manifest = NULL;
	for (size_t i = 0; i < in->n_problems; i++)
		free(in->problems[i].name);
	free(in->problems);
	in->problems = NULL;
	in->n_problems = 0;
}

/* ------------------------------------------------------------------------ */
/* The readable summary. */

void
format_bytes(unsigned long long n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

static double
ms(yajl_val v, const char *key)
{
	yajl_val n = get(v, key);

	return YAJL_IS_NUMBER(n) ? YAJL_GET_DOUBLE(n) : 0.0;
}

static const char *
or_dash(const char *s)
{
	return s ? s : "-";
}

static void
print_source(yajl_val m, FILE *f)
{
	yajl_val s = get(m, "source");
	const char *kind = or_dash(str(s, "kind"));

	if (strcmp(kind, "container") == 0) {
		fprintf(f, "%-12s container %s", "Source", or_dash(str(s, "id")));
		if (str(s, "runtime"))
			fprintf(f, " (%s)", str(s, "runtime"));
		fprintf(f, ", init pid %lld\n", num(s, "pid"));
		if (str(s, "bundle"))
			fprintf(f, "%-12s %s\n", "Bundle", str(s, "bundle"));
	} else {
		fprintf(f, "%-12s %s %lld\n", "Source", kind, num(s, "pid"));
	}
}

/* Depth of entry i: its parent comes earlier in the list (breadth first). */
static int
tree_depth(yajl_val tree, size_t i, int *depth)
{
	long long ppid = num(tree->u.array.values[i], "ppid");

	for (size_t k = 0; k < i; k++)
		if (num(tree->u.array.values[k], "pid") == ppid)
			return depth[k] + 1;
	return 0;
}

static void
print_tree(yajl_val m, FILE *f)
{
	yajl_val tree = get(m, "tree");
	size_t n = YAJL_IS_ARRAY(tree) ? tree->u.array.len : 0;
	long long total = num(m, "processes");
	int *depth;

	fprintf(f, "%-12s %lld\n", "Processes", total > (long long)n ? total : (long long)n);
	depth = calloc(n ? n : 1, sizeof(*depth));
	if (!depth)
		return;
	for (size_t i = 0; i < n; i++) {
		yajl_val p = tree->u.array.values[i];
		depth[i] = tree_depth(tree, i, depth);
		if (i < TREE_SHOWN)
			fprintf(f, "%-12s %*s%-7lld %s\n", "", 2 * (depth[i] > 8 ? 8 : depth[i]), "", num(p, "pid"),
				or_dash(str(p, "comm")));
	}
	if (n > TREE_SHOWN || total > (long long)n)
		fprintf(f, "%-12s ... and %lld more\n", "", (total > (long long)n ? total : (long long)n) - TREE_SHOWN);
	free(depth);
}

static void
print_times(yajl_val m, FILE *f)
{
	yajl_val p = get(m, "phases_ms");

	fprintf(f, "%-12s %.1f ms: prepare %.1f ms, dump (tree frozen) %.1f ms, finish %.1f ms\n", "Times",
		ms(m, "wall_ms"), ms(p, "prepare"), ms(p, "dump"), ms(p, "finish"));
}

static void
print_sizes(yajl_val m, FILE *f)
{
	static const char *const kinds[] = { "pages", "pagemap", "core", "log", "other" };
	yajl_val s = get(m, "image_bytes");
	char b[32];

	format_bytes((unsigned long long)num(s, "total"), b, sizeof(b));
	fprintf(f, "%-12s %s in %lld files:", "Images", b, num(m, "image_files"));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		format_bytes((unsigned long long)num(s, kinds[i]), b, sizeof(b));
		fprintf(f, "%s %s %s", i ? "," : "", kinds[i], b);
	}
	fputc('\n', f);
}

/* "leave_running" -> "--leave-running", as the command line spells it. */
static void
print_flag(FILE *f, const char *name, bool *first)
{
	fprintf(f, "%s--", *first ? " " : ", ");
	for (const char *c = name; *c; c++)
		fputc(*c == '_' ? '-' : *c, f);
	*first = false;
}

static void
print_value_opt(FILE *f, yajl_val o, const char *key, const char *skip, bool *first)
{
	const char *v = str(o, key);

	if (!v || (skip && strcmp(v, skip) == 0))
		return;
	print_flag(f, key, first);
	fprintf(f, " %s", v);
}

static void
print_options(yajl_val m, FILE *f)
{
	yajl_val o = get(m, "options"), flags = get(o, "flags");
	bool first = true;

	fprintf(f, "%-12s", "Options");
	for (size_t i = 0; YAJL_IS_OBJECT(flags) && i < flags->u.object.len; i++) {
		const char *k = flags->u.object.keys[i];
		bool on = YAJL_IS_TRUE(flags->u.object.values[i]);
		if (strcmp(k, "staging") == 0 && !on)
			print_flag(f, "no_staging", &first);
		else if (strcmp(k, "staging") != 0 && on)
			print_flag(f, k, &first);
	}
	print_value_opt(f, o, "work_dir", NULL, &first);
	print_value_opt(f, o, "parent_path", NULL, &first);
	print_value_opt(f, o, "root", NULL, &first);
	print_value_opt(f, o, "page_server", NULL, &first);
	print_value_opt(f, o, "manage_cgroups_mode", "default", &first);
	print_value_opt(f, o, "network_lock", "default", &first);
	if (first)
		fprintf(f, " (defaults)");
	fputc('\n', f);
}

void
inspect_print_text(const struct inspect *in, const char *dir, FILE *f)
{
	yajl_val m = in->manifest;

	fprintf(f, "%-12s %s\n", "Checkpoint", dir);
	fprintf(f, "%-12s %s (%s) by ckpt %s with criu %s\n", "Taken", or_dash(str(m, "started_at")),
		or_dash(str(m, "operation")), or_dash(str(m, "ckpt_version")), or_dash(str(m, "criu_version")));
	print_source(m, f);
	print_tree(m, f);
	print_times(m, f);
	print_sizes(m, f);
	fprintf(f, "%-12s %zu %s as ckpt.json records them\n", "Verified", in->n_checked,
		YAJL_IS_ARRAY(get(m, "files")) ? "criu images, by name and size," : "kinds of images, by size,");
	print_options(m, f);
}

/* ------------------------------------------------------------------------ */
/* JSON: the manifest as it is, inside {"path":..., "manifest":...}. */

/* "missing": [NAME, ...], "damaged": [{"name", "bytes", "expected"}, ...] */
static void
json_problems(yajl_gen j, const struct inspect *in)
{
	json_str(j, "missing");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < in->n_problems; i++)
		if (in->problems[i].bytes < 0)
			json_str(j, in->problems[i].name);
	yajl_gen_array_close(j);
	json_str(j, "damaged");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < in->n_problems; i++) {
		if (in->problems[i].bytes < 0)
			continue;
		yajl_gen_map_open(j);
		json_kv_str(j, "name", in->problems[i].name);
		json_kv_int(j, "bytes", in->problems[i].bytes);
		json_kv_int(j, "expected", in->problems[i].expected);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

void
inspect_print_json(const struct inspect *in, const char *dir, FILE *f)
{
	yajl_gen j = json_new();

	yajl_gen_map_open(j);
	if (in->status == INSPECT_OK) {
		json_kv_str(j, "path", dir);
		json_str(j, "manifest");
		json_tree(j, in->manifest);
	} else {
		json_str(j, "error");
		yajl_gen_map_open(j);
		json_kv_str(j, "message", in->why);
		json_kv_str(j, "status", inspect_status_name(in->status));
		json_kv_str(j, "path", dir);
		json_problems(j, in);
		yajl_gen_map_close(j);
	}
	yajl_gen_map_close(j);
	json_emit(j, f);
}

/* ------------------------------------------------------------------------ */

/* DIR may come before --json. */
static int
inspect_parse(int argc, char **argv, bool *json, const char **dir)
{
	int r = parse_json_option("inspect", inspect_help, argc, argv, json);

	if (r <= 0)
		return r;
	if (optind >= argc)
		return usage_error("inspect", "no checkpoint directory given");
	if (optind + 1 < argc)
		return usage_error("inspect", "unexpected argument `%s` (one directory at a time)", argv[optind + 1]);
	*dir = argv[optind];
	return 1;
}

int
cmd_inspect(const struct global_args *g, int argc, char **argv)
{
	struct inspect in;
	const char *dir = NULL;
	bool json = false;
	int r = inspect_parse(argc, argv, &json, &dir);

	if (r <= 0)
		return r == 0 ? EXIT_OK : EXIT_USAGE;
	inspect_load(dir, &in);
	if (json)
		inspect_print_json(&in, dir, stdout);
	else if (in.status == INSPECT_OK)
		inspect_print_text(&in, dir, stdout);
	else
		fprintf(stderr, "ckpt: inspect: %s\n", in.why);
	if (in.status != INSPECT_OK)
		log_event(g, "error", "inspect: %s", in.why);
	inspect_free(&in);
	return in.status == INSPECT_OK ? EXIT_OK : EXIT_FAIL;
}
