/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a fuzz target's committed inputs without libFuzzer, in the plain
 * build: every file of the directories given runs through
 * LLVMFuzzerTestOneInput() once, one TAP line each. The seed corpus and the
 * inputs of past findings (tests/fuzz/corpus/<target>/) so stay regression
 * tests of the unit suite, under the sanitizers and valgrind too. A target
 * aborts on what it finds, which fails the program.
 *
 *   test-fuzz-<target> DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_file(const char *path, int n)
{
	FILE *f = fopen(path, "re");
	uint8_t *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		printf("not ok %d - %s: cannot read it\n", n, path);
		if (f)
			fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	printf("ok %d - %s (%ld bytes)\n", n, path, size);
	free(buf);
	return 0;
}

static int
list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char **tmp;

		if (de->d_name[0] == '.')
			continue;
		tmp = realloc(*names, (*n + 1) * sizeof(**names));
		if (!tmp)
			break;
		*names = tmp;
		if (asprintf(&(*names)[*n], "%s/%s", dir, de->d_name) < 0)
			break;
		(*n)++;
	}
	closedir(d);
	return 0;
}

int
main(int argc, char **argv)
{
	char **names = NULL;
	size_t n = 0;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (list_dir(argv[i], &names, &n) < 0) {
			printf("Bail out! cannot read %s\n", argv[i]);
			return 1;
		}
	}
	if (n == 0) {
		printf("Bail out! no inputs\n");
		return 1;
	}
	qsort(names, n, sizeof(*names), by_name);
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		failed += replay_file(names[i], (int)i + 1);
		free(names[i]);
	}
	free(names);
	return failed ? 1 : 0;
}
