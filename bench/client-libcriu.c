/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The same operations through Debian's libcriu, pointed at the same criu
 * binary with criu_set_service_binary(), timed around the library calls
 * (options included). Prints one line on stdout:
 *
 *   wall_ns=N pid=P hwm_kb=K
 *
 *   bench-client-libcriu CRIU dump PID IMAGES [ADDRESS PORT]
 *   bench-client-libcriu CRIU restore IMAGES
 *   bench-client-libcriu CRIU version
 */
#include <criu/criu.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

static int
images(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		criu_set_images_dir_fd(fd);
	return fd;
}

/* Runs argv[0] with its arguments; -2 for bad arguments. */
static int
run(int argc, char **argv, int *ret_pid)
{
	const char *op = argv[0];
	int r;

	if (strcmp(op, "dump") == 0 && (argc == 3 || argc == 5)) {
		if (images(argv[2]) < 0)
			return -1;
		criu_set_pid(atoi(argv[1]));
		criu_set_log_file("dump.log");
		if (argc == 5)
			criu_set_page_server_address_port(argv[3], atoi(argv[4]));
		*ret_pid = atoi(argv[1]);
		return criu_dump();
	}
	if (strcmp(op, "restore") == 0 && argc == 2) {
		if (images(argv[1]) < 0)
			return -1;
		criu_set_log_file("restore.log");
		r = criu_restore();
		*ret_pid = r;
		return r;
	}
	if (strcmp(op, "version") == 0 && argc == 1)
		return criu_get_version();
	return -2;
}

int
main(int argc, char **argv)
{
	uint64_t t0, t1;
	int r, pid = 0;

	if (argc < 3)
		return 2;
	t0 = now_ns();
	if (criu_init_opts() < 0)
		return 1;
	criu_set_service_binary(argv[1]);
	criu_set_log_level(4);
	r = run(argc - 2, argv + 2, &pid);
	t1 = now_ns();
	if (r == -2)
		return 2;
	if (r < 0) {
		fprintf(stderr, "bench-client-libcriu: %s failed: %d\n", argv[2], r);
		return 1;
	}
	printf("wall_ns=%llu pid=%d hwm_kb=%ld\n", (unsigned long long)(t1 - t0), pid, vm_hwm_kb());
	return 0;
}
