/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CKPT_UTIL_H
#define CKPT_UTIL_H

#include <stdint.h>
#include <sys/types.h>

#include "ckpt.h"

/* mkdir -p with mode for every directory it creates. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf of a directory tree, not following symlinks. */
int rm_rf(const char *path);
/* Total bytes of regular files under a directory (not following symlinks). */
uint64_t dir_bytes(const char *path);
/*
 * Creates a directory (mode 0700 for what it makes) that check_dir_path()
 * (input.h) has accepted: the caller's input is checked there, before criu
 * runs; this only does the mkdir -p.
 */
int prepare_dir(const char *path, const char *what, ckpt_error **err);

#endif
