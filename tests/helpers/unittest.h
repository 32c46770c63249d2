/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every unit test program shares: its main(), a scratch directory. */
#ifndef CKPT_UNITTEST_H
#define CKPT_UNITTEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs the suite (CK_ENV: CK_FORK, CK_RUN_CASE, ...); the program's exit status. */
static inline int
unit_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A new directory /tmp/ckpt-test-TAG-XXXXXX (the caller frees the string). */
static inline char *
unit_tmpdir(const char *tag)
{
	char *d = NULL;

	ck_assert_int_ge(asprintf(&d, "/tmp/ckpt-test-%s-XXXXXX", tag), 0);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

#endif
