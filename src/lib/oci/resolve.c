/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resolving a path inside a container's rootfs the way the container sees
 * it: a symlink is followed relative to the rootfs, and neither ".." nor an
 * absolute target ever leads out of it. Mount destinations are resolved so
 * before they are named to criu (a bind mount whose destination is a
 * symlink is mounted where the symlink points).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "oci.h"

#define MAX_LINKS 40

/* Drops the last component of cur ("/a/b" -> "/a", "/a" -> ""). */
static void
pop_component(char *cur)
{
	char *s = strrchr(cur, '/');

	if (s)
		*s = '\0';
}

/* The next component of *todo (consumed), or NULL at the end. */
static char *
next_component(char **todo)
{
	char *s;

	while (**todo == '/')
		(*todo)++;
	if (!**todo)
		return NULL;
	s = *todo;
	*todo += strcspn(*todo, "/");
	if (**todo)
		*(*todo)++ = '\0';
	return s;
}

/* Replaces the queue with target + "/" + what is left of it. */
static int
requeue(char **queue, char **todo, const char *target)
{
	char *n;

	if (asprintf(&n, "%s/%s", target, *todo) < 0)
		return -ENOMEM;
	free(*queue);
	*queue = *todo = n;
	return 0;
}

static int
step(const char *root, char *cur, const char *comp, char **queue, char **todo, int *links)
{
	char full[PATH_MAX * 2], target[PATH_MAX];
	struct stat st;
	size_t len = strlen(cur);
	ssize_t n;

	if (len + 1 + strlen(comp) >= PATH_MAX)
		return -ENAMETOOLONG;
	sprintf(cur + len, "/%s", comp);
	if (snprintf(full, sizeof(full), "%s%s", root, cur) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	if (lstat(full, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0; /* missing or not a link: keep as written */
	cur[len] = '\0';
	if (++*links > MAX_LINKS)
		return -ELOOP;
	if ((n = readlink(full, target, sizeof(target) - 1)) < 0)
		return -errno;
	target[n] = '\0';
	if (target[0] == '/')
		cur[0] = '\0'; /* absolute targets start again at the rootfs */
	return requeue(queue, todo, target);
}

int
oci_resolve_in_root(const char *root, const char *path, char **ret, ckpt_error **err)
{
	_cleanup_free_ char *queue = strdup(path), *cur = calloc(1, PATH_MAX);
	char *todo = queue, *comp;
	int links = 0, r;

	if (!queue || !cur)
		return ckpt_err_set(err, ENOMEM, "out of memory");
	while ((comp = next_component(&todo))) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			pop_component(cur);
			continue;
		}
		if ((r = step(root, cur, comp, &queue, &todo, &links)) < 0)
			return ckpt_err_sys(err, -r, "resolve `%s` inside `%s`", path, root);
	}
	if (!(*ret = strdup(cur[0] ? cur : "/")))
		return ckpt_err_set(err, ENOMEM, "out of memory");
	return 0;
}
