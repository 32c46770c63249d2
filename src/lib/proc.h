/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_PROC_H
#define CKPT_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* What libckpt reads of /proc/PID/stat. */
struct proc_stat {
	char state;		  /* field 3: R, S, D, T, t, Z, X, ... */
	pid_t ppid;		  /* field 4 */
	unsigned long flags;	  /* field 9: PF_* */
	long threads;		  /* field 20 */
	unsigned long long start; /* field 22: start time, clock ticks after boot */
	char comm[17];		  /* field 2, without the parentheses (at most 16 bytes) */
};

#define PROC_PF_KTHREAD 0x00200000UL

/*
 * Reads PROC/PID/stat (PROC NULL: "/proc"; another root for test fixtures).
 * @return 0, -errno when it cannot be read (-ENOENT: gone), -EINVAL when it
 *         does not parse.
 */
int proc_stat_read(const char *proc, pid_t pid, struct proc_stat *ret);
/* Does pid exist and is not a zombie (nor dead)? */
bool proc_alive(pid_t pid);

#endif
