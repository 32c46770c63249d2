/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing JSON with yajl_gen: the few helpers every writer of the library uses. */
#ifndef CKPT_JSONGEN_H
#define CKPT_JSONGEN_H

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

/* A string. */
void jg_str(yajl_gen g, const char *s);
/* "k": "v", or "k": null when v is NULL. */
void jg_kv(yajl_gen g, const char *k, const char *v);
/* "k": "v", left out when v is NULL. */
void jg_kv_opt(yajl_gen g, const char *k, const char *v);
/* "k": v. */
void jg_kv_int(yajl_gen g, const char *k, long long v);
/* "k": milliseconds of ns, written to the microsecond (79.134, not %.20g). */
void jg_kv_ms(yajl_gen g, const char *k, uint64_t ns);
/* A copy of what g generated (*ret_len optional); -ENOMEM on failure. */
int jg_take(yajl_gen g, char **ret, size_t *ret_len);

#endif
