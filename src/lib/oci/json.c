/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* yajl_tree helpers for the runtime state files, config.json and our own notes. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "oci.h"

static int
read_fd(int fd, const char *path, const char *what, char **ret, ckpt_error **err)
{
	struct stat st;
	size_t len = 0, cap;
	char *buf;
	ssize_t r;

	if (fstat(fd, &st) < 0)
		return ckpt_err_sys(err, errno, "%s `%s`", what, path);
	if (!S_ISREG(st.st_mode))
		return ckpt_err_set(err, EINVAL, "%s `%s` is not a regular file", what, path);
	if ((uint64_t)st.st_size > OCI_JSON_MAX)
		return ckpt_err_set(err, EFBIG, "%s `%s` is too large (%lld bytes, at most %u)", what, path,
				    (long long)st.st_size, OCI_JSON_MAX);
	cap = (size_t)st.st_size + 1;
	if (!(buf = malloc(cap)))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	while (len + 1 < cap && (r = read(fd, buf + len, cap - 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return ckpt_err_sys(err, e, "read %s `%s`", what, path);
		}
		len += (size_t)r;
	}
	buf[len] = '\0';
	*ret = buf;
	return 0;
}

int
oci_json_parse(const char *text, const char *what, yajl_val *ret, ckpt_error **err)
{
	char ebuf[256] = "";
	yajl_val v;
	size_t n;

	if (strlen(text) == 0)
		return ckpt_err_set(err, EINVAL, "%s is empty", what);
	v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	if (!v) {
		/* yajl appends the offending text and a caret on more lines: keep the first */
		ebuf[strcspn(ebuf, "\n")] = '\0';
		n = strlen(ebuf);
		while (n > 0 && ebuf[n - 1] == ' ')
			ebuf[--n] = '\0';
		return ckpt_err_set(err, EINVAL, "%s is not valid JSON: %s", what, ebuf[0] ? ebuf : "parse error");
	}
	*ret = v;
	return 0;
}

int
oci_json_load(const char *path, const char *what, yajl_val *ret, ckpt_error **err)
{
	_cleanup_free_ char *text = NULL, *label = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return ckpt_err_sys(err, errno, "open %s `%s`", what, path);
	if ((r = read_fd(fd, path, what, &text, err)) < 0)
		return r;
	if (asprintf(&label, "%s `%s`", what, path) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return oci_json_parse(text, label, ret, err);
}

yajl_val
oci_json_member(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

const char *
oci_json_str(yajl_val obj, const char *key)
{
	return YAJL_GET_STRING(oci_json_member(obj, key));
}

void
oci_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int
oci_json_strv(yajl_val arr, const char *what, char ***ret, size_t *ret_n, ckpt_error **err)
{
	char **v;
	size_t n;

	*ret = NULL;
	*ret_n = 0;
	if (!arr || YAJL_IS_NULL(arr))
		return 0;
	if (!YAJL_IS_ARRAY(arr))
		return ckpt_err_set(err, EINVAL, "%s is not an array", what);
	n = arr->u.array.len;
	if (n == 0)
		return 0;
	if (!(v = calloc(n, sizeof(*v))))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s = YAJL_GET_STRING(arr->u.array.values[i]);
		if (!s || !(v[i] = strdup(s))) {
			oci_strv_free(v, n);
			return s ? ckpt_err_set(err, ENOMEM, "out of memory")
				 : ckpt_err_set(err, EINVAL, "%s[%zu] is not a string", what, i);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int
write_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t r = write(fd, text + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		off += (size_t)r;
	}
	return 0;
}

int
oci_write_file_at(int dfd, const char *name, const char *text, mode_t mode, ckpt_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tmp, ".%s.tmp-%d", name, (int)getpid()) < 0)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return ckpt_err_sys(err, errno, "create `%s`", tmp);
	if ((r = write_all(fd, text)) < 0 || (fsync(fd) < 0 && (r = -errno))) {
		unlinkat(dfd, tmp, 0);
		return ckpt_err_sys(err, -r, "write `%s`", name);
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		r = errno;
		unlinkat(dfd, tmp, 0);
		return ckpt_err_sys(err, r, "rename `%s` to `%s`", tmp, name);
	}
	return 0;
}

int
oci_write_file(const char *path, const char *text, mode_t mode, ckpt_error **err)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int dfd = -1;
	char *slash;

	if (!dir)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (!slash || !slash[1])
		return ckpt_err_set(err, EINVAL, "`%s` is not a file path", path);
	*slash = '\0';
	dfd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ckpt_err_sys(err, errno, "open directory `%s`", slash == dir ? "/" : dir);
	return oci_write_file_at(dfd, slash + 1, text, mode, err);
}
