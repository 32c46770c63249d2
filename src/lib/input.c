/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checks of what the caller gives (a pid, a directory path) made before
 * criu is started, so that a wrong input is refused with a message that
 * names it, marked for ckpt_error_is_input(), and nothing is touched.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "input.h"
#include "proc.h"

/* A path as a message shows it: long ones cut, with their length. */
#define SHOWN_PATH_MAX 80

static const char *
shown(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path);

	if (n <= SHOWN_PATH_MAX)
		return path;
	snprintf(buf, size, "%.*s... (%zu bytes)", SHOWN_PATH_MAX - 20, path, n);
	return buf;
}

/* Is pid one of this process's ancestors (its tree would hold the caller and
 * criu)? */
static bool
is_ancestor(pid_t pid)
{
	struct proc_stat st;
	pid_t p = getppid();

	for (int depth = 0; p > 1 && depth < 4096; depth++) {
		if (p == pid)
			return true;
		p = proc_stat_read(NULL, p, &st) == 0 ? st.ppid : 0;
	}
	return false;
}

int
check_dump_pid(pid_t pid, ckpt_error **err)
{
	struct proc_stat st;

	if (pid <= 0)
		return ckpt_err_input(err, EINVAL, "invalid pid %d", pid);
	if (pid == 1)
		return ckpt_err_input(err, EINVAL, "refusing to checkpoint pid 1 (the machine's init)");
	if (pid == getpid())
		return ckpt_err_input(err, EINVAL, "refusing to checkpoint the calling process %d", pid);
	if (proc_stat_read(NULL, pid, &st) < 0)
		return ckpt_err_input(err, ESRCH, "process %d does not exist", pid);
	if (st.flags & PROC_PF_KTHREAD)
		return ckpt_err_input(err, EINVAL, "process %d is a kernel thread", pid);
	if (is_ancestor(pid))
		return ckpt_err_input(err, EINVAL,
				      "process %d is an ancestor of the calling process "
				      "%d: its tree would hold the "
				      "caller and criu itself",
				      pid, getpid());
	return 0;
}

static int
check_name_lengths(const char *path, const char *what, ckpt_error **err)
{
	char buf[SHOWN_PATH_MAX + 32];
	const char *s = path;

	if (strlen(path) >= PATH_MAX)
		return ckpt_err_input(err, ENAMETOOLONG, "%s `%s` is longer than PATH_MAX (%d)", what,
				      shown(path, buf, sizeof(buf)), PATH_MAX);
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n > NAME_MAX)
			return ckpt_err_input(err, ENAMETOOLONG, "%s `%s` has a name longer than NAME_MAX (%d)", what,
					      shown(path, buf, sizeof(buf)), NAME_MAX);
		s += n + (s[n] == '/');
	}
	return 0;
}

/* The longest existing prefix of path (a copy), where a new directory would be
 * made. */
static char *
existing_ancestor(const char *path, struct stat *st)
{
	char *p = strdup(path), *slash;

	while (p && stat(p, st) < 0) {
		int e = errno;

		if ((e != ENOENT && e != ENOTDIR) || strcmp(p, ".") == 0 || strcmp(p, "/") == 0) {
			free(p);
			errno = e;
			return NULL;
		}
		slash = strrchr(p, '/');
		if (!slash) { /* a relative name: its directory is "." (p holds at least 2 bytes) */
			p[0] = '.';
			p[1] = '\0';
		} else if (slash == p)
			p[1] = '\0';
		else
			*slash = '\0';
	}
	return p;
}

int
check_dir_path(const char *path, const char *what, ckpt_error **err)
{
	_cleanup_free_ char *base = NULL;
	char buf[SHOWN_PATH_MAX + 32];
	struct stat st;
	int r;

	if (!path || !*path)
		return ckpt_err_input(err, EINVAL, "no %s given", what);
	if ((r = check_name_lengths(path, what, err)) < 0)
		return r;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && stat(path, &st) < 0)
		return ckpt_err_input(err, ENOENT, "%s `%s` is a dangling symbolic link", what,
				      shown(path, buf, sizeof(buf)));
	if (!(base = existing_ancestor(path, &st)))
		return ckpt_err_input_sys(err, errno ? errno : ENOENT, "%s `%s`", what, shown(path, buf, sizeof(buf)));
	if (!S_ISDIR(st.st_mode)) {
		if (strcmp(base, path) == 0)
			return ckpt_err_input(err, ENOTDIR, "%s `%s` is not a directory", what,
					      shown(path, buf, sizeof(buf)));
		return ckpt_err_input(err, ENOTDIR, "%s `%s`: `%s` is not a directory", what,
				      shown(path, buf, sizeof(buf)), base);
	}
	if (access(base, W_OK | X_OK) < 0) {
		if (strcmp(base, path) == 0)
			return ckpt_err_input_sys(err, errno, "%s `%s` is not writable", what,
						  shown(path, buf, sizeof(buf)));
		return ckpt_err_input_sys(err, errno, "%s `%s` cannot be created in `%s`", what,
					  shown(path, buf, sizeof(buf)), base);
	}
	return 0;
}
