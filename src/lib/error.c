/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

CKPT_PUBLIC void
ckpt_error_free(ckpt_error *err)
{
	if (!err)
		return;
	free(err->what);
	free(err->why);
	free(err->message);
	free(err->criu_errmsg);
	free(err->log_path);
	free(err->log_excerpt);
	free(err);
}

ckpt_error *
ckpt_err_ensure(ckpt_error **err)
{
	if (!err)
		return NULL;
	if (!*err) {
		*err = calloc(1, sizeof(**err));
		if (*err)
			(*err)->criu_exit = -1;
	}
	return *err;
}

static int
err_vset(ckpt_error **err, int errno_, int with_strerror, const char *fmt, va_list ap)
{
	ckpt_error *e;
	char *why = NULL;

	if (errno_ <= 0)
		errno_ = EIO;
	e = ckpt_err_ensure(err);
	if (!e || e->why) /* keep the first, innermost failure */
		return -errno_;
	if (vasprintf(&why, fmt, ap) < 0)
		return -errno_;
	if (with_strerror) {
		char *full = NULL;
		if (asprintf(&full, "%s: %s", why, strerror(errno_)) >= 0) {
			free(why);
			why = full;
		}
	}
	e->why = why;
	e->errno_ = errno_;
	free(e->message);
	e->message = NULL;
	return -errno_;
}

int
ckpt_err_set(ckpt_error **err, int errno_, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errno_, 0, fmt, ap);
	va_end(ap);
	return r;
}

int
ckpt_err_sys(ckpt_error **err, int errno_, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errno_, 1, fmt, ap);
	va_end(ap);
	return r;
}

static int
err_vinput(ckpt_error **err, int errno_, int with_strerror, const char *fmt, va_list ap)
{
	bool fresh = !(err && *err && (*err)->why);
	int r = err_vset(err, errno_, with_strerror, fmt, ap);

	if (fresh && err && *err && (*err)->why)
		(*err)->input = true;
	return r;
}

int
ckpt_err_input(ckpt_error **err, int errno_, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vinput(err, errno_, 0, fmt, ap);
	va_end(ap);
	return r;
}

int
ckpt_err_input_sys(ckpt_error **err, int errno_, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vinput(err, errno_, 1, fmt, ap);
	va_end(ap);
	return r;
}

int
ckpt_err_prefix(ckpt_error **err, int ret, const char *fmt, ...)
{
	ckpt_error *e = err ? *err : NULL;
	char *ctx = NULL, *what = NULL;
	va_list ap;

	if (!e)
		return ret;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (!ctx)
		return ret;
	if (e->what && e->what[0]) {
		if (asprintf(&what, "%s: %s", ctx, e->what) < 0)
			what = NULL;
		free(ctx);
	} else {
		what = ctx;
	}
	if (what) {
		free(e->what);
		e->what = what;
		free(e->message);
		e->message = NULL;
	}
	return ret;
}

void
ckpt_err_set_criu(ckpt_error **err, int cr_errno, const char *cr_errmsg)
{
	ckpt_error *e = ckpt_err_ensure(err);
	size_t n;

	if (!e)
		return;
	e->criu_errno = cr_errno;
	free(e->criu_errmsg);
	e->criu_errmsg = NULL;
	if (cr_errmsg) {
		e->criu_errmsg = strdup(cr_errmsg);
		n = e->criu_errmsg ? strlen(e->criu_errmsg) : 0;
		while (n > 0 && e->criu_errmsg[n - 1] == '\n')
			e->criu_errmsg[--n] = '\0';
	}
}

void
ckpt_err_set_status(ckpt_error **err, int wstatus)
{
	ckpt_error *e = ckpt_err_ensure(err);

	if (!e)
		return;
	e->criu_reaped = 1;
	e->criu_exit = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	e->criu_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

void
ckpt_err_set_log(ckpt_error **err, const char *path, const char *excerpt)
{
	ckpt_error *e = ckpt_err_ensure(err);

	if (!e)
		return;
	if (path) {
		free(e->log_path);
		e->log_path = strdup(path);
	}
	if (excerpt) {
		free(e->log_excerpt);
		e->log_excerpt = strdup(excerpt);
	}
}

CKPT_PUBLIC const char *
ckpt_error_message(const ckpt_error *err)
{
	ckpt_error *e = (ckpt_error *)err;

	if (!e)
		return "";
	if (!e->message) {
		const char *why = e->why ? e->why : "unknown error";
		if (e->what && e->what[0]) {
			if (asprintf(&e->message, "%s: %s", e->what, why) < 0)
				e->message = NULL;
		} else {
			e->message = strdup(why);
		}
	}
	return e->message ? e->message : (e->why ? e->why : "out of memory");
}

CKPT_PUBLIC const char *
ckpt_error_what(const ckpt_error *err)
{
	return err && err->what ? err->what : "";
}

CKPT_PUBLIC const char *
ckpt_error_why(const ckpt_error *err)
{
	return err && err->why ? err->why : "";
}

CKPT_PUBLIC int
ckpt_error_errno(const ckpt_error *err)
{
	return err ? err->errno_ : 0;
}

CKPT_PUBLIC int
ckpt_error_is_input(const ckpt_error *err)
{
	return err && err->input ? 1 : 0;
}

CKPT_PUBLIC int
ckpt_error_criu_errno(const ckpt_error *err)
{
	return err ? err->criu_errno : 0;
}

CKPT_PUBLIC const char *
ckpt_error_criu_errmsg(const ckpt_error *err)
{
	return err ? err->criu_errmsg : NULL;
}

CKPT_PUBLIC int
ckpt_error_criu_status(const ckpt_error *err, int *ret_exit, int *ret_signal)
{
	if (!err || !err->criu_reaped)
		return 0;
	if (ret_exit)
		*ret_exit = err->criu_exit;
	if (ret_signal)
		*ret_signal = err->criu_signal;
	return 1;
}

CKPT_PUBLIC const char *
ckpt_error_log_path(const ckpt_error *err)
{
	return err ? err->log_path : NULL;
}

CKPT_PUBLIC const char *
ckpt_error_log_excerpt(const ckpt_error *err)
{
	return err ? err->log_excerpt : NULL;
}

/*
 * criu logs one harmless error on every run where the process lacks
 * CAP_SYS_RESOURCE (it cannot raise RLIMIT_NOFILE); it says nothing about
 * the failure, so the excerpt leaves it out.
 */
static int
noise_line(const char *line)
{
	return strstr(line, "rlimit: Can't setup RLIMIT_NOFILE") != NULL;
}

/* A criu log line without its "(00.049492) " timestamp. */
static const char *
log_text(const char *line)
{
	const char *p = line[0] == '(' ? strchr(line, ')') : NULL;

	return p ? p + 1 + (p[1] == ' ') : line;
}

char *
ckpt_log_excerpt(const char *path, int max_lines)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_free_ char *prev = NULL;
	char *out = NULL;
	size_t cap = 0, len = 0;
	int n = 0;
	FILE *f;

	if (!path || !(f = fopen(path, "re")))
		return NULL;
	while (n < max_lines && getline(&line, &cap, f) > 0) {
		size_t l;
		char *tmp;

		if (!strstr(line, "Error") || noise_line(line))
			continue;
		/* criu repeats some errors once per task: show each once */
		if (prev && strcmp(prev, log_text(line)) == 0)
			continue;
		free(prev);
		prev = strdup(log_text(line));
		l = strlen(line);
		tmp = realloc(out, len + l + 1);
		if (!tmp)
			break;
		out = tmp;
		memcpy(out + len, line, l + 1);
		len += l;
		n++;
	}
	fclose(f);
	if (out && len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
	return out;
}
