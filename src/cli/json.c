/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "json.h"

yajl_gen
json_new(void)
{
	return yajl_gen_alloc(NULL);
}

void
json_str(yajl_gen j, const char *s)
{
	if (s)
		yajl_gen_string(j, (const unsigned char *)s, strlen(s));
	else
		yajl_gen_null(j);
}

void
json_kv_str(yajl_gen j, const char *k, const char *v)
{
	json_str(j, k);
	json_str(j, v);
}

void
json_kv_int(yajl_gen j, const char *k, long long v)
{
	json_str(j, k);
	yajl_gen_integer(j, v);
}

void
json_kv_bool(yajl_gen j, const char *k, bool v)
{
	json_str(j, k);
	yajl_gen_bool(j, v);
}

void
json_kv_ms(yajl_gen j, const char *k, uint64_t ns)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(ns / 1000000),
			 (unsigned long long)(ns / 1000 % 1000));

	json_str(j, k);
	yajl_gen_number(j, buf, (size_t)n);
}

void
format_version(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
}

void
json_kv_version(yajl_gen j, const char *k, int version)
{
	char buf[32];

	format_version(version, buf, sizeof(buf));
	json_kv_str(j, k, version > 0 ? buf : NULL);
}

static void
json_object(yajl_gen j, yajl_val v)
{
	yajl_gen_map_open(j);
	for (size_t i = 0; i < v->u.object.len; i++) {
		json_str(j, v->u.object.keys[i]);
		json_tree(j, v->u.object.values[i]);
	}
	yajl_gen_map_close(j);
}

void
json_tree(yajl_gen j, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		json_object(j, v);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(j);
		for (size_t i = 0; i < v->u.array.len; i++)
			json_tree(j, v->u.array.values[i]);
		yajl_gen_array_close(j);
	} else if (YAJL_IS_STRING(v)) {
		json_str(j, YAJL_GET_STRING(v));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(j, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(j, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(j);
	}
}

static void
json_kv_int_or_null(yajl_gen j, const char *k, bool known, long long v)
{
	json_str(j, k);
	if (known)
		yajl_gen_integer(j, v);
	else
		yajl_gen_null(j);
}

void
json_error_text(yajl_gen j, const char *what, const char *why, int errnum)
{
	char msg[2048];

	snprintf(msg, sizeof(msg), "%s%s%s", what, *what ? ": " : "", why);
	yajl_gen_map_open(j);
	json_kv_str(j, "message", msg);
	json_kv_str(j, "what", what);
	json_kv_str(j, "why", why);
	json_kv_int(j, "errno", errnum);
	json_kv_str(j, "strerror", strerror(errnum));
	json_kv_int(j, "criu_errno", 0);
	json_kv_str(j, "criu_errmsg", NULL);
	json_kv_str(j, "criu_exit", NULL);
	json_kv_str(j, "criu_signal", NULL);
	json_kv_str(j, "log_path", NULL);
	json_kv_str(j, "log_excerpt", NULL);
	json_kv_bool(j, "input", false);
	yajl_gen_map_close(j);
}

void
json_error_map(yajl_gen j, const ckpt_error *err, int ret)
{
	int e = err ? ckpt_error_errno(err) : -ret, ex = -1, sig = 0;
	bool reaped = ckpt_error_criu_status(err, &ex, &sig);

	if (!err) {
		json_error_text(j, "", strerror(e), e);
		return;
	}
	yajl_gen_map_open(j);
	json_kv_str(j, "message", ckpt_error_message(err));
	json_kv_str(j, "what", ckpt_error_what(err));
	json_kv_str(j, "why", ckpt_error_why(err));
	json_kv_int(j, "errno", e);
	json_kv_str(j, "strerror", strerror(e));
	json_kv_int(j, "criu_errno", ckpt_error_criu_errno(err));
	json_kv_str(j, "criu_errmsg", ckpt_error_criu_errmsg(err));
	json_kv_int_or_null(j, "criu_exit", reaped && ex >= 0, ex);
	json_kv_int_or_null(j, "criu_signal", reaped && sig > 0, sig);
	json_kv_str(j, "log_path", ckpt_error_log_path(err));
	json_kv_str(j, "log_excerpt", ckpt_error_log_excerpt(err));
	json_kv_bool(j, "input", ckpt_error_is_input(err));
	yajl_gen_map_close(j);
}

void
json_emit(yajl_gen j, FILE *f)
{
	const unsigned char *buf;
	size_t len;

	if (!j)
		return;
	if (yajl_gen_get_buf(j, &buf, &len) == yajl_gen_status_ok) {
		fwrite(buf, 1, len, f);
		fputc('\n', f);
	}
	fflush(f);
	yajl_gen_free(j);
}
