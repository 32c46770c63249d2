/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's JSON output: yajl generators and the shapes every command writes. */
#ifndef CKPT_CLI_JSON_H
#define CKPT_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "ckpt.h"

/* A compact generator (one line); NULL only when out of memory. */
yajl_gen json_new(void);
/* A string, or null for NULL. */
void json_str(yajl_gen j, const char *s);
void json_kv_str(yajl_gen j, const char *k, const char *v);
void json_kv_int(yajl_gen j, const char *k, long long v);
void json_kv_bool(yajl_gen j, const char *k, bool v);
/* Milliseconds to the microsecond, written as such (yajl_gen_double would
 * print %.20g: 75.933000000000006935). */
void json_kv_ms(yajl_gen j, const char *k, uint64_t ns);
/* A criu version (major*10000+minor*100+sublevel) as "4.2.1", null for 0. */
void json_kv_version(yajl_gen j, const char *k, int version);
/* A parsed value, as it is. */
void json_tree(yajl_gen j, yajl_val v);
/* The error object of every command: {"message", "what", "why", "errno", ...}. */
void json_error_map(yajl_gen j, const ckpt_error *err, int ret);
/* The same object for an error that is not a ckpt_error (no criu part). */
void json_error_text(yajl_gen j, const char *what, const char *why, int errnum);
/* Writes what j generated and a newline to f, then frees j. */
void json_emit(yajl_gen j, FILE *f);

/* "4.2.1" from 40201. */
void format_version(int version, char *buf, size_t len);

#endif
