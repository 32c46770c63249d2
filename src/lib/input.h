/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_INPUT_H
#define CKPT_INPUT_H

#include <sys/types.h>

#include "ckpt.h"

/*
 * Fails with an input error (ckpt_error_is_input()) unless pid names a live
 * user-space process other than init, the caller and the caller's ancestors.
 */
int check_dump_pid(pid_t pid, ckpt_error **err);
/*
 * Fails with an input error unless path is a writable directory or can be
 * created as one: names within PATH_MAX/NAME_MAX, no dangling symlink, its
 * nearest existing ancestor a writable directory. `what` names it in the
 * message ("images directory").
 */
int check_dir_path(const char *path, const char *what, ckpt_error **err);

#endif
