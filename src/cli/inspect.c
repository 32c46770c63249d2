/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `ckpt inspect DIR`: what a checkpoint holds, from its ckpt.json, without
 * running criu. It says so when DIR is not a checkpoint ckpt made (a plain
 * criu dump, or nothing at all) or when the checkpoint is incomplete.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

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
	"not run. Exits 1 when DIR is not a checkpoint made by ckpt or is incomplete.\n"
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

static enum inspect_status
load_at(struct inspect *in, const char *dir, int dirfd)
{
	char *text;

	in->has_inventory = exists_at(dirfd, "inventory.img");
	text = read_file_at(dirfd, "ckpt.json", MANIFEST_MAX_BYTES);
	check_manifest(in, dir, text);
	free(text);
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
	print_options(m, f);
}

/* ------------------------------------------------------------------------ */
/* JSON: the manifest as it is, inside {"path":..., "manifest":...}. */

static void
gs(yajl_gen j, const char *s)
{
	yajl_gen_string(j, (const unsigned char *)s, strlen(s));
}

static void
gen_value(yajl_gen j, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(j);
		for (size_t i = 0; i < v->u.object.len; i++) {
			gs(j, v->u.object.keys[i]);
			gen_value(j, v->u.object.values[i]);
		}
		yajl_gen_map_close(j);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(j);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_value(j, v->u.array.values[i]);
		yajl_gen_array_close(j);
	} else if (YAJL_IS_STRING(v)) {
		gs(j, YAJL_GET_STRING(v));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(j, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(j, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(j);
	}
}

void
inspect_print_json(const struct inspect *in, const char *dir, FILE *f)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	yajl_gen_map_open(j);
	if (in->status == INSPECT_OK) {
		gs(j, "path"), gs(j, dir);
		gs(j, "manifest"), gen_value(j, in->manifest);
	} else {
		gs(j, "error");
		yajl_gen_map_open(j);
		gs(j, "message"), gs(j, in->why);
		gs(j, "status"), gs(j, inspect_status_name(in->status));
		gs(j, "path"), gs(j, dir);
		yajl_gen_map_close(j);
	}
	yajl_gen_map_close(j);
	yajl_gen_get_buf(j, &buf, &len);
	fprintf(f, "%.*s\n", (int)len, buf);
	yajl_gen_free(j);
}

/* ------------------------------------------------------------------------ */

static int
inspect_parse(int argc, char **argv, bool *json, const char **dir)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == 'h')
			return fputs(inspect_help, stdout), 0;
		if (c != 'j')
			return usage_error("inspect", "%s `%s`", c == ':' ? "missing value for" : "unknown option",
					   argv[optind - 1]);
		*json = true;
	}
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
