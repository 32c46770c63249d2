/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the JSON files ckpt reads about containers, as a
 * hostile or broken runtime (or image directory) could write them.
 *
 * Input: byte 0 picks the parser, the rest is the file's text:
 *   0 runc state.json   1 crun status   2 youki state.json
 *   3 config.json       4 descriptors.json   5 ckpt-container.json
 * What parses is written back out and parsed again, which must work.
 * Every failure must come with an error object, every success without.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "oci/oci.h"

static void
check(int r, ckpt_error *err)
{
	if ((r < 0) != (err != NULL) || (err && !ckpt_error_message(err)[0]))
		abort();
}

static void
state(enum ckpt_runtime rt, const char *text)
{
	struct oci_state st;
	ckpt_error *err = NULL;
	yajl_val v = NULL;
	int r = oci_json_parse(text, "state", &v, &err);

	if (r == 0) {
		memset(&st, 0, sizeof(st));
		r = oci_state_parse(rt, v, &st, &err);
		oci_state_free(&st);
		yajl_tree_free(v);
	}
	check(r, err);
	ckpt_error_free(err);
}

static void
config(const char *text)
{
	struct oci_config cfg;
	ckpt_error *err = NULL;
	yajl_val v = NULL;
	int r = oci_json_parse(text, "config", &v, &err);

	if (r == 0) {
		r = oci_config_parse(v, &cfg, &err);
		oci_config_free(&cfg);
		yajl_tree_free(v);
	}
	check(r, err);
	ckpt_error_free(err);
}

static void
descriptors(const char *text)
{
	char *d[3] = { NULL, NULL, NULL }, *again[3] = { NULL, NULL, NULL }, *json = NULL;
	ckpt_error *err = NULL;
	int r = oci_descriptors_parse(text, d, &err);

	check(r, err);
	ckpt_error_free(err);
	if (r < 0)
		return;
	if (oci_descriptors_to_json(d, &json, NULL) < 0 || oci_descriptors_parse(json, again, NULL) < 0)
		abort(); /* what was read must be writable and readable again */
	/* a missing entry is written as /dev/null, on purpose */
	for (int i = 0; i < 3; i++)
		if (d[i] ? !again[i] || strcmp(d[i], again[i]) != 0 : again[i] && strcmp(again[i], "/dev/null") != 0)
			abort();
	free(json);
	oci_descriptors_free(d);
	oci_descriptors_free(again);
}

static void
manifest(const char *text)
{
	struct oci_manifest m, again;
	ckpt_error *err = NULL;
	char *json = NULL;
	int r = oci_manifest_parse(text, &m, &err);

	check(r, err);
	ckpt_error_free(err);
	if (r < 0)
		return;
	if (oci_manifest_to_json(&m, &json, NULL) < 0 || oci_manifest_parse(json, &again, NULL) < 0)
		abort();
	if (again.n_cgmounts != m.n_cgmounts)
		abort();
	free(json);
	oci_manifest_free(&m);
	oci_manifest_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0: state(CKPT_RUNTIME_RUNC, text); break;
	case 1: state(CKPT_RUNTIME_CRUN, text); break;
	case 2: state(CKPT_RUNTIME_YOUKI, text); break;
	case 3: config(text); break;
	case 4: descriptors(text); break;
	default: manifest(text); break;
	}
	free(text);
	return 0;
}
