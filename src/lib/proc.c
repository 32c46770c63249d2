/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one reader of /proc/PID/stat: one open, one read, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

int
proc_stat_read(const char *proc, pid_t pid, struct proc_stat *ret)
{
	char path[4096], buf[2048], *open_paren, *close_paren;
	ssize_t n;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", proc ? proc : "/proc", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: the fields follow the last ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	len = (size_t)(close_paren - open_paren - 1);
	len = len < sizeof(ret->comm) - 1 ? len : sizeof(ret->comm) - 1;
	memcpy(ret->comm, open_paren + 1, len);
	if (sscanf(close_paren + 1, " %c %d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d %llu",
		   &ret->state, &ret->ppid, &ret->flags, &ret->threads, &ret->start) != 5)
		return -EINVAL;
	return 0;
}

bool
proc_alive(pid_t pid)
{
	struct proc_stat st = { 0 };

	return proc_stat_read(NULL, pid, &st) == 0 && st.state != 'Z' && st.state != 'X';
}
