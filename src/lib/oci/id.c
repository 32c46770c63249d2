/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container ids and runtime names. An id names a directory under the
 * runtime's state root, so it is checked before it is ever joined to a path:
 * the characters runc accepts (letters, digits, '_', '+', '-', '.'), no "..",
 * not "." alone, and at most OCI_ID_MAX bytes.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "oci.h"

char *
oci_printable(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *r = malloc(n * 4 + 1);

	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '`' && c != '\\')
			r[o++] = (char)c;
		else
			o += (size_t)sprintf(r + o, "\\x%02x", c);
	}
	r[o] = '\0';
	return r;
}

static bool
id_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
	       c == '-' || c == '.';
}

/* Why the id is refused, or NULL when it is fine. */
static const char *
id_problem(const char *id, size_t *ret_pos)
{
	size_t n = strlen(id);

	*ret_pos = 0;
	if (n == 0)
		return "it is empty";
	if (n > OCI_ID_MAX)
		return "it is longer than 1024 bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		*ret_pos = i;
		if (c == '/')
			return "it contains '/'";
		if (c < 0x20 || c == 0x7f)
			return "it contains a control character";
		if (!id_char_ok(c))
			return "only letters, digits, '_', '+', '-' and '.' are allowed";
	}
	if (strcmp(id, ".") == 0)
		return "it is \".\"";
	if (strstr(id, ".."))
		return "it contains \"..\"";
	return NULL;
}

CKPT_PUBLIC int
ckpt_container_id_check(const char *id, ckpt_error **err)
{
	_cleanup_free_ char *shown = NULL;
	const char *why;
	size_t pos;

	if (!id)
		return ckpt_err_input(err, EINVAL, "no container id given");
	if (!(why = id_problem(id, &pos)))
		return 0;
	/* A hostile id may be huge: show its start only. */
	if (strlen(id) > 64) {
		char head[65];
		memcpy(head, id, 64);
		head[64] = '\0';
		shown = oci_printable(head);
	} else {
		shown = oci_printable(id);
	}
	return ckpt_err_input(err, EINVAL, "invalid container id `%s%s`: %s", shown ? shown : "?",
			      strlen(id) > 64 ? "..." : "", why);
}

CKPT_PUBLIC const char *
ckpt_runtime_name(enum ckpt_runtime rt)
{
	switch (rt) {
	case CKPT_RUNTIME_RUNC: return "runc";
	case CKPT_RUNTIME_CRUN: return "crun";
	case CKPT_RUNTIME_YOUKI: return "youki";
	default: return "any";
	}
}

CKPT_PUBLIC int
ckpt_runtime_from_name(const char *name, enum ckpt_runtime *ret)
{
	static const enum ckpt_runtime all[] = { CKPT_RUNTIME_RUNC, CKPT_RUNTIME_CRUN, CKPT_RUNTIME_YOUKI };

	assert_return(name && ret, -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (strcmp(name, ckpt_runtime_name(all[i])) == 0) {
			*ret = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

const char *
oci_runtime_state_file(enum ckpt_runtime rt)
{
	return rt == CKPT_RUNTIME_CRUN ? "status" : "state.json";
}

const char *
oci_runtime_default_root(enum ckpt_runtime rt)
{
	switch (rt) {
	case CKPT_RUNTIME_RUNC: return "/run/runc";
	case CKPT_RUNTIME_CRUN: return "/run/crun";
	case CKPT_RUNTIME_YOUKI: return "/run/youki";
	default: return NULL;
	}
}
