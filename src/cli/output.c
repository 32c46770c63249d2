/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "config.h"

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
		yajl_gen j = yajl_gen_alloc(NULL);
		const unsigned char *buf;
		size_t len;
		char full[96];

		snprintf(full, sizeof(full), "%s.%09ldZ", ts, now.tv_nsec);
		yajl_gen_map_open(j);
		yajl_gen_string(j, (const unsigned char *)"level", 5);
		yajl_gen_string(j, (const unsigned char *)level, strlen(level));
		yajl_gen_string(j, (const unsigned char *)"msg", 3);
		yajl_gen_string(j, (const unsigned char *)msg, strlen(msg));
		yajl_gen_string(j, (const unsigned char *)"time", 4);
		yajl_gen_string(j, (const unsigned char *)full, strlen(full));
		yajl_gen_map_close(j);
		yajl_gen_get_buf(j, &buf, &len);
		fprintf(f, "%.*s\n", (int)len, buf);
		yajl_gen_free(j);
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
js(yajl_gen j, const char *s)
{
	yajl_gen_string(j, (const unsigned char *)s, strlen(s));
}

static void
jkv_str(yajl_gen j, const char *k, const char *v)
{
	js(j, k);
	if (v)
		js(j, v);
	else
		yajl_gen_null(j);
}

static void
jkv_int(yajl_gen j, const char *k, long long v)
{
	js(j, k);
	yajl_gen_integer(j, v);
}

/* Milliseconds to the microsecond, written as such (yajl_gen_double would
 * print %.20g: 75.933000000000006935). */
static void
jkv_ms(yajl_gen j, const char *k, uint64_t ns)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(ns / 1000000),
			 (unsigned long long)(ns / 1000 % 1000));

	js(j, k);
	yajl_gen_number(j, buf, (size_t)n);
}

static void
json_print(yajl_gen j)
{
	const unsigned char *buf;
	size_t len;

	yajl_gen_get_buf(j, &buf, &len);
	fwrite(buf, 1, len, stdout);
	fputc('\n', stdout);
	yajl_gen_free(j);
}

static void
json_error(const ckpt_error *err, int ret)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	int ex = -1, sig = 0;
	bool reaped = ckpt_error_criu_status(err, &ex, &sig);

	yajl_gen_map_open(j);
	js(j, "error");
	yajl_gen_map_open(j);
	jkv_str(j, "message", ckpt_error_message(err));
	jkv_str(j, "what", ckpt_error_what(err));
	jkv_str(j, "why", ckpt_error_why(err));
	jkv_int(j, "errno", err ? ckpt_error_errno(err) : -ret);
	jkv_str(j, "strerror", strerror(err ? ckpt_error_errno(err) : -ret));
	jkv_int(j, "criu_errno", ckpt_error_criu_errno(err));
	jkv_str(j, "criu_errmsg", ckpt_error_criu_errmsg(err));
	js(j, "criu_exit");
	reaped &&ex >= 0 ? yajl_gen_integer(j, ex) : yajl_gen_null(j);
	js(j, "criu_signal");
	reaped &&sig > 0 ? yajl_gen_integer(j, sig) : yajl_gen_null(j);
	jkv_str(j, "log_path", ckpt_error_log_path(err));
	jkv_str(j, "log_excerpt", ckpt_error_log_excerpt(err));
	js(j, "input");
	yajl_gen_bool(j, ckpt_error_is_input(err));
	yajl_gen_map_close(j);
	yajl_gen_map_close(j);
	json_print(j);
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
	fprintf(stderr, "ckpt: %s\n", err ? ckpt_error_message(err) : strerror(-ret));
	if (excerpt) {
		const char *p = excerpt;
		fprintf(stderr, "  criu said:\n");
		while (*p) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);
			fprintf(stderr, "    %.*s\n", n, p);
			p += n + (nl ? 1 : 0);
		}
	}
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
	js(j, "events");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < ckpt_result_event_count(res); i++) {
		const char *n;
		uint64_t ns;
		ckpt_result_event(res, i, &n, &ns);
		yajl_gen_map_open(j);
		jkv_str(j, "name", n);
		jkv_ms(j, "at_ms", ns);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void
version_string(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
}

/* On a terminal the summary on stderr says it all: no second line on stdout. */
static bool
summary_replaces_stdout(const struct out *out)
{
	return out->progress && isatty(STDOUT_FILENO);
}

/* The one-line summary on the terminal: pid, size, downtime, total. */
static void
checkpoint_summary(const ckpt_result *res, bool pre_dump, uint64_t pre, uint64_t post)
{
	char down[64] = "";

	if (post > pre && pre)
		snprintf(down, sizeof(down), ", %s %.1f ms", pre_dump ? "frozen" : "downtime",
			 (double)(post - pre) / 1e6);
	fprintf(stderr, "%s pid %d into %s: %.1f MiB%s, total %.1f ms\n", pre_dump ? "pre-dumped" : "checkpointed",
		ckpt_result_pid(res), ckpt_result_images_dir(res) ? ckpt_result_images_dir(res) : "(fd)",
		(double)ckpt_result_image_bytes(res) / (1 << 20), down, (double)ckpt_result_wall_ns(res) / 1e6);
}

/*
 * criu sends pre-dump before it freezes the tree and post-dump once every
 * image is written, with the tree still frozen: the interval between the two
 * is the dump proper (close to the downtime of a dump that kills the tree).
 */
int
print_checkpoint(const struct out *out, const ckpt_result *res, bool pre_dump)
{
	uint64_t pre = event_ns(res, "pre-dump"), post = event_ns(res, "post-dump");
	uint64_t wall = ckpt_result_wall_ns(res);
	char ver[32];

	version_string(ckpt_result_criu_version(res), ver, sizeof(ver));
	if (out->json) {
		yajl_gen j = yajl_gen_alloc(NULL);

		yajl_gen_map_open(j);
		jkv_int(j, "pid", ckpt_result_pid(res));
		jkv_str(j, "image_path", ckpt_result_images_dir(res));
		jkv_str(j, "operation", pre_dump ? "pre-dump" : "checkpoint");
		jkv_ms(j, "wall_ms", wall);
		js(j, "phases_ms");
		yajl_gen_map_open(j);
		jkv_ms(j, "prepare", pre ? pre : 0);
		jkv_ms(j, "dump", post > pre ? post - pre : 0);
		jkv_ms(j, "finish", post && wall > post ? wall - post : 0);
		yajl_gen_map_close(j);
		jkv_int(j, "image_bytes", (long long)ckpt_result_image_bytes(res));
		jkv_str(j, "criu_version", ver);
		json_events(j, res);
		yajl_gen_map_close(j);
		json_print(j);
	} else if (!out->quiet && !summary_replaces_stdout(out)) {
		printf("%s pid %d into %s: %.1f MiB in %.1f ms (dump %.1f ms)\n",
		       pre_dump ? "pre-dumped" : "checkpointed", ckpt_result_pid(res),
		       ckpt_result_images_dir(res) ? ckpt_result_images_dir(res) : "(fd)",
		       (double)ckpt_result_image_bytes(res) / (1 << 20), (double)wall / 1e6,
		       post > pre ? (double)(post - pre) / 1e6 : 0.0);
	}
	if (out->progress)
		checkpoint_summary(res, pre_dump, pre, post);
	log_event(out->g, "info", "checkpoint of pid %d done in %.1f ms", ckpt_result_pid(res), (double)wall / 1e6);
	return EXIT_OK;
}

int
print_restore(const struct out *out, const ckpt_result *res)
{
	uint64_t wall = ckpt_result_wall_ns(res);
	char ver[32];

	version_string(ckpt_result_criu_version(res), ver, sizeof(ver));
	if (out->json) {
		yajl_gen j = yajl_gen_alloc(NULL);

		yajl_gen_map_open(j);
		jkv_int(j, "pid", ckpt_result_pid(res));
		jkv_str(j, "image_path", ckpt_result_images_dir(res));
		jkv_str(j, "operation", "restore");
		jkv_ms(j, "wall_ms", wall);
		jkv_str(j, "criu_version", ver);
		json_events(j, res);
		yajl_gen_map_close(j);
		json_print(j);
	} else if (!out->quiet && !summary_replaces_stdout(out)) {
		printf("restored pid %d from %s in %.1f ms\n", ckpt_result_pid(res),
		       ckpt_result_images_dir(res) ? ckpt_result_images_dir(res) : "(fd)", (double)wall / 1e6);
	}
	if (out->progress)
		fprintf(stderr, "restored pid %d from %s in %.1f ms\n", ckpt_result_pid(res),
			ckpt_result_images_dir(res) ? ckpt_result_images_dir(res) : "(fd)", (double)wall / 1e6);
	fflush(stdout);
	log_event(out->g, "info", "restore of pid %d done in %.1f ms", ckpt_result_pid(res), (double)wall / 1e6);
	return EXIT_OK;
}

/* criu's notifications, as the phase a user recognises. */
static const char *
phase_of(const char *script)
{
	static const struct {
		const char *script, *phase;
	} m[] = {
		{ "pre-dump", "freezing and dumping" },
		{ "network-lock", "locking the network" },
		{ "post-dump", "writing done, finishing" },
		{ "pre-restore", "restoring" },
		{ "setup-namespaces", "setting up namespaces" },
		{ "post-restore", "restored, resuming" },
		{ "pre-resume", "resuming" },
		{ "post-resume", "resumed" },
		{ "status-ready", "page server ready" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].script, script) == 0)
			return m[i].phase;
	return NULL;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
progress_show(const struct progress *p, const char *phase)
{
	double s = (double)(mono_ns() - p->t0_ns) / 1e9;

	fprintf(stderr, "\r\033[K%s: %s... [%.2fs]", p->verb, phase, s);
	fflush(stderr);
}

void
progress_start(struct progress *p)
{
	p->t0_ns = mono_ns();
	if (p->out->progress)
		progress_show(p, "starting criu");
}

int
progress_notify(const char *script, pid_t pid, int fd, void *data)
{
	const struct progress *p = data;
	const char *phase = phase_of(script);

	log_event(p->out->g, "debug", "criu notify %s pid %d", script, pid);
	if (p->out->progress && phase)
		progress_show(p, phase);
	return p->next ? p->next(script, pid, fd, p->next_data) : 0;
}

void
progress_done(const struct progress *p)
{
	if (p->out->progress)
		fprintf(stderr, "\r\033[K");
}
