/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsongen.h"

void
jg_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void
jg_kv(yajl_gen g, const char *k, const char *v)
{
	jg_str(g, k);
	if (v)
		jg_str(g, v);
	else
		yajl_gen_null(g);
}

void
jg_kv_opt(yajl_gen g, const char *k, const char *v)
{
	if (v)
		jg_kv(g, k, v);
}

void
jg_kv_int(yajl_gen g, const char *k, long long v)
{
	jg_str(g, k);
	yajl_gen_integer(g, v);
}

void
jg_kv_ms(yajl_gen g, const char *k, uint64_t ns)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(ns / 1000000),
			 (unsigned long long)(ns / 1000 % 1000));

	jg_str(g, k);
	yajl_gen_number(g, buf, (size_t)n);
}

int
jg_take(yajl_gen g, char **ret, size_t *ret_len)
{
	const unsigned char *buf;
	size_t len;

	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok || !(*ret = strndup((const char *)buf, len)))
		return -ENOMEM;
	if (ret_len)
		*ret_len = len;
	return 0;
}
