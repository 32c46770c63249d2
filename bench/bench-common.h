/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the benchmark's clients share: the same clock and the same peak-RSS reading. */
#ifndef CKPT_BENCH_COMMON_H
#define CKPT_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* VmHWM of this process in KiB, or -1. */
static inline long
vm_hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

#endif
