/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_MACRO_H
#define CKPT_MACRO_H

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_       __attribute__((unused))
#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))

static inline void
freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void
closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* A child that must not outlive an error path: killed and reaped. */
static inline void
killpidp(pid_t *pid)
{
	if (*pid > 1) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
}
#define _cleanup_pid_ _cleanup_(killpidp)

#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _t = (p); \
		(p) = NULL;             \
		_t;                     \
	})
#define TAKE_FD(fd)            \
	({                     \
		int _t = (fd); \
		(fd) = -1;     \
		_t;            \
	})

#define assert_return(expr, r)      \
	do {                        \
		if (!(expr))        \
			return (r); \
	} while (0)

#endif
