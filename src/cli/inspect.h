/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a checkpoint's ckpt.json (written by libckpt's manifest.c). */
#ifndef CKPT_CLI_INSPECT_H
#define CKPT_CLI_INSPECT_H

#include <stdbool.h>
#include <stdio.h>
#include <yajl/yajl_tree.h>

enum inspect_status {
	INSPECT_OK = 0,
	INSPECT_NO_DIR,		/* cannot be opened as a directory */
	INSPECT_NOT_CHECKPOINT, /* neither ckpt.json nor criu images */
	INSPECT_CRIU_ONLY,	/* criu images without ckpt.json: not made by ckpt */
	INSPECT_INCOMPLETE,	/* an image the manifest lists (or inventory.img) is missing */
	INSPECT_DAMAGED,	/* ckpt.json unreadable, unparsable or not a manifest, or an image
				   has another size than the manifest records */
};

/* An image that is not as the manifest records it. */
struct inspect_problem {
	char *name;	    /* "core-42.img"; for an older manifest a kind, "pages-*.img" */
	long long bytes;    /* on disk; -1 when missing */
	long long expected; /* what the manifest records */
};

struct inspect {
	enum inspect_status status;
	char why[1024];	    /* what is wrong, for a status other than INSPECT_OK */
	yajl_val manifest;  /* the parsed ckpt.json, or NULL */
	bool has_inventory; /* criu's inventory.img is there */
	struct inspect_problem *problems;
	size_t n_problems;
	size_t n_checked; /* images compared with the manifest */
};

/* Loads DIR/ckpt.json and checks the directory against it: every criu
 * image it lists (*.img, by name and size; an older manifest without
 * `files`: the bytes of pages, pagemap and core images) and the parent
 * images' link. Returns in->status. */
enum inspect_status inspect_load(const char *dir, struct inspect *in);
void inspect_free(struct inspect *in);
/* The status as a short word for JSON ("ok", "not-a-checkpoint", ...). */
const char *inspect_status_name(enum inspect_status s);
/* The readable summary of a loaded manifest. */
void inspect_print_text(const struct inspect *in, const char *dir, FILE *f);
/* {"path":..., "manifest":{...}} or {"error":{..., "missing": [...],
 * "damaged": [...]}} on one line. */
void inspect_print_json(const struct inspect *in, const char *dir, FILE *f);
/* "12.3 MiB", "726 B": bytes for people. */
void format_bytes(unsigned long long n, char *buf, size_t len);

#endif
