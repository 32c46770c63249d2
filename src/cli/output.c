/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "json.h"

void
out_init(struct out *out, const struct global_args *g, bool json, bool quiet)
{
	out->json = json;
	out->quiet = quiet;
	out->g = g;
	out->progress = !json && !quiet && isatty(STDERR_FILENO);
}

/* A logfmt value: quotes, backslashes and control characters escaped. */
static void
put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

/* --log FILE: one line per event, text or JSON, like runc's --log. */
void
log_event(const struct global_args *g, const char *level, const char *fmt, ...)
{
	char msg[2048], ts[64];
	struct timespec now;
	struct tm tm;
	va_list ap;
	FILE *f;

	if (!g || !g->log_file || (!g->debug && strcmp(level, "debug") == 0))
		return;
	f = fopen(g->log_file, "ae");
	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (g->log_json) {
		yajl_gen j = json_new();
		char full[96];

		snprintf(full, sizeof(full), "%s.%09ldZ", ts, now.tv_nsec);
		yajl_gen_map_open(j);
		json_kv_str(j, "level", level);
		json_kv_str(j, "msg", msg);
		json_kv_str(j, "time", full);
		yajl_gen_map_close(j);
		json_emit(j, f);
	} else {
		fprintf(f, "time=\"%s.%09ldZ\" level=%s msg=\"", ts, now.tv_nsec, level);
		put_escaped(f, msg);
		fputs("\"\n", f);
	}
	fclose(f);
}

/* The command line, quoted where needed, cut at len. */
static void
join_args(int argc, char **argv, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && n < len; i++) {
		bool q = !*argv[i] || strpbrk(argv[i], " \t\"'\\$`") != NULL;
		int w = snprintf(buf + n, len - n, "%s%s%s%s", i ? " " : "", q ? "'" : "", argv[i], q ? "'" : "");
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

int
run_logged(const struct global_args *g, const struct command *c, int argc, char **argv)
{
	char args[1024];
	int r;

	join_args(argc, argv, args, sizeof(args));
	log_event(g, "info", "ckpt %s: start (ckpt %s)", args, CKPT_VERSION);
	if (g->debug)
		log_event(g, "debug", "criu binary %s, criu log level 4 (the most detailed; always)",
			  g->criu ? g->criu : "criu from PATH");
	r = c->run(g, argc, argv);
	log_event(g, r == EXIT_OK ? "info" : "error", "ckpt %s: exit status %d%s", c->name, r,
		  r == EXIT_USAGE ? " (usage error)" : "");
	return r;
}

static void
json_error(const ckpt_error *err, int ret)
{
	yajl_gen j = json_new();

	yajl_gen_map_open(j);
	json_str(j, "error");
	json_error_map(j, err, ret);
	yajl_gen_map_close(j);
	json_emit(j, stdout);
}

static void
print_excerpt(const char *excerpt)
{
	const char *p = excerpt;

	fprintf(stderr, "  criu said:\n");
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		fprintf(stderr, "    %.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
}

/* Prints an error as `ckpt: <what>: <why>`, with the criu log excerpt. */
int
out_error(const struct out *out, const char *cmd, const ckpt_error *err, int ret)
{
	const char *excerpt = ckpt_error_log_excerpt(err);
	const char *log = ckpt_error_log_path(err);
	int ex = -1, sig = 0;

	log_event(out ? out->g : NULL, "error", "%s", err ? ckpt_error_message(err) : strerror(-ret));
	if (out && out->json) {
		json_error(err, ret);
		return ckpt_error_is_input(err) ? EXIT_USAGE : EXIT_FAIL;
	}
	if (err)
		fprintf(stderr, "ckpt: %s\n", ckpt_error_message(err));
	else
		fprintf(stderr, "ckpt: %s: %s\n", cmd, strerror(-ret));
	if (excerpt)
		print_excerpt(excerpt);
	if (ckpt_error_criu_status(err, &ex, &sig) && sig > 0)
		fprintf(stderr, "  criu was killed by signal %d (%s)\n", sig, strsignal(sig));
	if (log && access(log, F_OK) == 0)
		fprintf(stderr, "  criu log: %s\n", log);
	/* the caller's own input was wrong (a pid, a path): a usage error */
	return ckpt_error_is_input(err) ? EXIT_USAGE : EXIT_FAIL;
}

static uint64_t
event_ns(const ckpt_result *res, const char *name)
{
	for (size_t i = 0; i < ckpt_result_event_count(res); i++) {
		const char *n;
		uint64_t ns;
		if (ckpt_result_event(res, i, &n, &ns) == 0 && strcmp(n, name) == 0)
			return ns;
	}
	return 0;
}

static void
json_events(yajl_gen j, const ckpt_result *res)
{
	json_str(j, "events");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < ckpt_result_event_count(res); i++) {
		const char *n;
		uint64_t ns;
		ckpt_result_event(res, i, &n, &ns);
		yajl_gen_map_open(j);
		json_kv_str(j, "name", n);
		json_kv_ms(j, "at_ms", ns);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

/*
 * The phases of an operation, from two of criu's notifications: before the
 * first (prepare), between them (the dump with the tree frozen; the restore
 * rebuilding the tree), after the second (finish).
 */
struct phases {
	uint64_t wall, begin, end; /* begin/end 0: criu did not send it */
	const char *middle;	   /* "dump", "restore" */
};

static struct phases
phases_of(const ckpt_result *res, bool restore)
{
	struct phases ph = {
		.wall = ckpt_result_wall_ns(res),
		.begin = event_ns(res, restore ? "pre-restore" : "pre-dump"),
		.end = event_ns(res, restore ? "post-restore" : "post-dump"),
		.middle = restore ? "restore" : "dump",
	};

	return ph;
}

static uint64_t
phase_middle(const struct phases *ph)
{
	return ph->begin && ph->end > ph->begin ? ph->end - ph->begin : 0;
}

static void
json_phases(yajl_gen j, const struct phases *ph)
{
	json_str(j, "phases_ms");
	yajl_gen_map_open(j);
	json_kv_ms(j, "prepare", ph->begin);
	json_kv_ms(j, ph->middle, phase_middle(ph));
	json_kv_ms(j, "finish", ph->end && ph->wall > ph->end ? ph->wall - ph->end : 0);
	yajl_gen_map_close(j);
}

/* Bytes of the regular files in a directory (a restore's images). */
static uint64_t
dir_bytes(const char *path)
{
	uint64_t n = 0;
	struct dirent *de;
	struct stat st;
	DIR *d = path ? opendir(path) : NULL;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			n += (uint64_t)st.st_size;
	closedir(d);
	return n;
}

static uint64_t
image_bytes(const ckpt_result *res, bool restore)
{
	return restore ? dir_bytes(ckpt_result_images_dir(res)) : ckpt_result_image_bytes(res);
}

static void
json_result(yajl_gen j, const ckpt_result *res, const char *operation, bool restore)
{
	struct phases ph = phases_of(res, restore);

	yajl_gen_map_open(j);
	json_kv_int(j, "pid", ckpt_result_pid(res));
	json_kv_str(j, "image_path", ckpt_result_images_dir(res));
	json_kv_str(j, "operation", operation);
	json_kv_ms(j, "wall_ms", ph.wall);
	json_phases(j, &ph);
	json_kv_int(j, "image_bytes", (long long)image_bytes(res, restore));
	json_kv_version(j, "criu_version", ckpt_result_criu_version(res));
	json_events(j, res);
	yajl_gen_map_close(j);
}

void
json_checkpoint(yajl_gen j, const ckpt_result *res, bool pre_dump)
{
	json_result(j, res, pre_dump ? "pre-dump" : "checkpoint", false);
}

void
json_restore(yajl_gen j, const ckpt_result *res)
{
	json_result(j, res, "restore", true);
}

/* On a terminal the summary on stderr says it all: no second line on stdout. */
static bool
summary_replaces_stdout(const struct out *out)
{
	return out->progress && isatty(STDOUT_FILENO);
}

/*
 * The one-line summary on the terminal: pid, where, size, the middle phase
 * (a checkpoint's downtime: criu's pre-dump to post-dump, the tree frozen; a
 * restore's pre-restore to post-restore) and the total.
 */
static void
summary(const ckpt_result *res, const char *done, const char *where, const char *middle, bool restore)
{
	struct phases ph = phases_of(res, restore);
	char mid[64] = "";

	if (phase_middle(&ph))
		snprintf(mid, sizeof(mid), ", %s %.1f ms", middle, (double)phase_middle(&ph) / 1e6);
	fprintf(stderr, "%s pid %d %s %s: %.1f MiB%s, total %.1f ms\n", done, ckpt_result_pid(res), where,
		ckpt_result_images_dir(res) ? ckpt_result_images_dir(res) : "(fd)",
		(double)image_bytes(res, restore) / (1 << 20), mid, (double)ph.wall / 1e6);
}

/* The line on stdout when it is not the terminal the summary went to. */
static void
result_line(const ckpt_result *res, const char *done, const char *where, bool restore)
{
	struct phases ph = phases_of(res, restore);

	printf("%s pid %d %s %s: %.1f MiB in %.1f ms (%s %.1f ms)\n", done, ckpt_result_pid(res), where,
	       ckpt_result_images_dir(res) ? ckpt_result_images_dir(res) : "(fd)",
	       (double)image_bytes(res, restore) / (1 << 20), (double)ph.wall / 1e6, ph.middle,
	       (double)phase_middle(&ph) / 1e6);
	fflush(stdout);
}

int
print_checkpoint(const struct out *out, const ckpt_result *res, bool pre_dump)
{
	const char *done = pre_dump ? "pre-dumped" : "checkpointed";

	if (out->json) {
		yajl_gen j = json_new();
		json_checkpoint(j, res, pre_dump);
		json_emit(j, stdout);
	} else if (!out->quiet && !summary_replaces_stdout(out)) {
		result_line(res, done, "into", false);
	}
	if (out->progress)
		summary(res, done, "into", pre_dump ? "frozen" : "downtime", false);
	log_event(out->g, "info", "checkpoint of pid %d done in %.1f ms", ckpt_result_pid(res),
		  (double)ckpt_result_wall_ns(res) / 1e6);
	return EXIT_OK;
}

int
print_restore(const struct out *out, const ckpt_result *res)
{
	if (out->json) {
		yajl_gen j = json_new();
		json_restore(j, res);
		json_emit(j, stdout);
	} else if (!out->quiet && !summary_replaces_stdout(out)) {
		result_line(res, "restored", "from", true);
	}
	if (out->progress)
		summary(res, "restored", "from", "restore", true);
	log_event(out->g, "info", "restore of pid %d done in %.1f ms", ckpt_result_pid(res),
		  (double)ckpt_result_wall_ns(res) / 1e6);
	return EXIT_OK;
}
