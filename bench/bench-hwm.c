/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD shim for the peak-RSS pass (never loaded in a timed run): at
 * exit, appends "PID VmHWM-in-kB" to the file named by $CKPT_BENCH_HWM, so
 * the harness learns the peak RSS of a client it does not link (the ckpt
 * and criu CLIs). Only the process it is loaded into is measured: ckpt
 * starts criu with a fixed environment, without LD_PRELOAD.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((destructor)) static void
report_hwm(void)
{
	const char *out = getenv("CKPT_BENCH_HWM");
	char line[256], buf[64];
	long kb = -1;
	FILE *f;
	int fd;

	if (!out || !(f = fopen("/proc/self/status", "re")))
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%d %ld\n", (int)getpid(), kb);
	(void)!write(fd, buf, strlen(buf));
	close(fd);
}
