/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * descriptors.json: what the container init's fds 0, 1 and 2 were, as a JSON
 * array of three readlink() strings ("/dev/null", "pipe:[1234]", ...). runc
 * writes it into the images at checkpoint and reads it at restore to pass
 * the caller's stdio in place of the pipes ("inherit_fd"); ckpt does both
 * the same way, so each can restore the other's images.
 */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "jsongen.h"
#include "error.h"
#include "oci.h"

void
oci_descriptors_free(char *d[3])
{
	for (int i = 0; i < 3; i++) {
		free(d[i]);
		d[i] = NULL;
	}
}

int
oci_descriptors_of_pid(const char *proc, pid_t pid, char *ret[3], ckpt_error **err)
{
	char path[4096], buf[4096];
	char *d[3] = { NULL, NULL, NULL };

	snprintf(path, sizeof(path), "%s/%d", proc, (int)pid);
	if (access(path, F_OK) < 0)
		return ckpt_err_set(err, ESRCH, "process %d does not exist", (int)pid);
	for (int i = 0; i < 3; i++) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%d/fd/%d", proc, (int)pid, i);
		n = readlink(path, buf, sizeof(buf) - 1);
		if (n < 0) {
			strcpy(buf, "/dev/null"); /* closed or unreadable: as runc records it */
			n = (ssize_t)strlen(buf);
		}
		buf[n] = '\0';
		if (!(d[i] = strdup(buf))) {
			oci_descriptors_free(d);
			return ckpt_err_set(err, ENOMEM, "out of memory");
		}
	}
	memcpy(ret, d, sizeof(d));
	return 0;
}

static int
gen_finish(yajl_gen g, char **ret, ckpt_error **err)
{
	return jg_take(g, ret, NULL) < 0 ? ckpt_err_set(err, ENOMEM, "cannot generate JSON") : 0;
}

int
oci_descriptors_to_json(char *const d[3], char **ret, ckpt_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	int r;

	if (!g)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	yajl_gen_array_open(g);
	for (int i = 0; i < 3; i++) {
		jg_str(g, d[i] ? d[i] : "/dev/null");
	}
	yajl_gen_array_close(g);
	r = gen_finish(g, ret, err);
	yajl_gen_free(g);
	return r;
}

int
oci_descriptors_parse(const char *text, char *ret[3], ckpt_error **err)
{
	yajl_val v = NULL;
	char **sv = NULL;
	size_t n = 0;
	int r;

	if ((r = oci_json_parse(text, OCI_DESCRIPTORS, &v, err)) < 0)
		return r;
	if (!YAJL_IS_ARRAY(v)) {
		yajl_tree_free(v);
		return ckpt_err_set(err, EINVAL, "%s is not an array of strings", OCI_DESCRIPTORS);
	}
	r = oci_json_strv(v, OCI_DESCRIPTORS, &sv, &n, err);
	yajl_tree_free(v);
	if (r < 0)
		return r;
	for (size_t i = 0; i < 3; i++) {
		ret[i] = i < n && sv[i][0] ? sv[i] : NULL;
		if (i < n && ret[i])
			sv[i] = NULL;
	}
	oci_strv_free(sv, n);
	return 0;
}
