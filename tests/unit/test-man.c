/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manual pages and --help list the same flags, both ways, for ckpt(1)
 * and for every subcommand in cli_commands[], each of which must have its
 * page (docs/man/ckpt-<command>.1.scd). A page without a command fails too.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "unittest.h"

#ifndef MAN_DIR
#error "MAN_DIR must name docs/man"
#endif

#define MAX_FLAGS 128

struct flags {
	char *v[MAX_FLAGS];
	int n;
};

static void
flags_free(struct flags *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->v[i]);
	f->n = 0;
}

static bool
flags_has(const struct flags *f, const char *flag)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->v[i], flag) == 0)
			return true;
	return false;
}

/* "--ext-unix-sk[=INO,...]" -> "--ext-unix-sk", "-p," -> "-p". */
static void
flags_add(struct flags *f, const char *tok, size_t len)
{
	size_t n = strspn(tok, "-");

	if (n == 0 || n > 2 || n >= len)
		return;
	while (n < len && (tok[n] == '-' || (tok[n] >= 'a' && tok[n] <= 'z') || (tok[n] >= 'A' && tok[n] <= 'Z') ||
			   (tok[n] >= '0' && tok[n] <= '9')))
		n++;
	{
		char *flag = strndup(tok, n);
		if (flags_has(f, flag) || f->n >= MAX_FLAGS) {
			free(flag);
			return;
		}
		f->v[f->n++] = flag;
	}
}

/*
 * --help: an option line starts with spaces then '-'; its flags are the
 * words starting with '-' before the description, which is separated from
 * them by two spaces or more.
 */
static void
help_flags(const char *text, struct flags *f)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line + strspn(line, " ");
		const char *end = strchr(p, '\n'), *desc = strstr(p, "  ");

		if (p == line || *p != '-')
			continue;
		if (!end)
			end = p + strlen(p);
		if (desc && desc < end)
			end = desc;
		while (p < end) {
			size_t w = strcspn(p, " ,\n");
			if (p + w > end)
				w = (size_t)(end - p);
			flags_add(f, p, w);
			p += w;
			p += strspn(p, " ,");
		}
	}
}

/* A page: the *-flag* words of the lines that start with one, in the
 * sections whose title says OPTIONS. */
static void
man_flags(const char *text, struct flags *f)
{
	bool in_options = false;

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (line[0] == '#') {
			char *title = strndup(line, len);
			in_options = strstr(title, "OPTIONS") != NULL;
			free(title);
			continue;
		}
		if (!in_options || strncmp(line, "*-", 2) != 0)
			continue;
		for (const char *p = line; p && p < line + len; p = memchr(p + 1, '*', (size_t)(line + len - p - 1))) {
			if (p[0] == '*' && p[1] == '-') {
				const char *close = memchr(p + 1, '*', (size_t)(line + len - p - 1));
				if (!close)
					break;
				flags_add(f, p + 1, (size_t)(close - p - 1));
				p = close;
			}
		}
	}
}

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* Runs fn with stdout captured; returns what it printed. */
static char *
capture_stdout(int (*fn)(const struct command *c), const struct command *c, int *ret)
{
	FILE *tmp = tmpfile();
	int saved;
	char *out;
	long n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(tmp), 1);
	*ret = fn(c);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = ftell(tmp);
	out = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	rewind(tmp);
	if (n > 0)
		ck_assert_int_eq(fread(out, 1, (size_t)n, tmp), n);
	fclose(tmp);
	return out;
}

static int
run_main_help(const struct command *unused)
{
	struct global_args g;
	char *argv[] = { "ckpt", "--help", NULL };

	return global_parse(2, argv, &g);
}

static int
run_command_help(const struct command *c)
{
	struct global_args g = { 0 };
	char *argv[] = { (char *)c->name, "--help", NULL };

	return c->run(&g, 2, argv);
}

/* Appends to *msg every flag of a that b lacks. */
static int
missing(const struct flags *a, const struct flags *b, const char *page, const char *where, char **msg)
{
	int n = 0;

	for (int i = 0; i < a->n; i++) {
		if (flags_has(b, a->v[i]))
			continue;
		char *m = NULL;
		if (asprintf(&m, "%s%s: %s %s\n", *msg ? *msg : "", page, a->v[i], where) >= 0) {
			free(*msg);
			*msg = m;
		}
		n++;
	}
	return n;
}

static int
compare(const char *page, const char *help, char **msg)
{
	struct flags h = { 0 }, m = { 0 };
	char *path = NULL, *text;
	int n;

	ck_assert_int_ge(asprintf(&path, "%s/%s", MAN_DIR, page), 0);
	text = read_text(path);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	help_flags(help, &h);
	man_flags(text, &m);
	ck_assert_msg(h.n > 0, "no flags found in the --help of %s", page);
	ck_assert_msg(m.n > 0, "no flags found in the OPTIONS of %s", page);
	n = missing(&h, &m, page, "is in --help, not in the man page", msg);
	n += missing(&m, &h, page, "is in the man page, not in --help", msg);
	flags_free(&h);
	flags_free(&m);
	free(text);
	free(path);
	return n;
}

START_TEST(parsers_see_flags)
{
	struct flags f = { 0 };

	help_flags("Usage: x [--no]\n\nOptions:\n  -p, --pid PID        root (not --this)\n"
		   "      --page-server ADDRESS:PORT  send\n"
		   "      --ext-unix-sk[=INO,...]   allow\n                                (with --lazy-pages)\n",
		   &f);
	ck_assert_int_eq(f.n, 4);
	ck_assert_str_eq(f.v[0], "-p");
	ck_assert_str_eq(f.v[1], "--pid");
	ck_assert_str_eq(f.v[2], "--page-server");
	ck_assert_str_eq(f.v[3], "--ext-unix-sk");
	flags_free(&f);
	man_flags("x(1)\n\n# SYNOPSIS\n\n*--not-this*\n\n# OPTIONS\n\n*-p*, *--pid* _PID_\n\tSee *--not*.\n"
		  "*--image-path* _DIR_\n\n# SEE ALSO\n\n*--nor-this*\n",
		  &f);
	ck_assert_int_eq(f.n, 3);
	ck_assert_str_eq(f.v[0], "-p");
	ck_assert_str_eq(f.v[1], "--pid");
	ck_assert_str_eq(f.v[2], "--image-path");
	flags_free(&f);
}
END_TEST

START_TEST(global_options_match_ckpt_1)
{
	char *msg = NULL, *help;
	int r;

	help = capture_stdout(run_main_help, NULL, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_msg(compare("ckpt.1.scd", help, &msg) == 0, "--help and the man page differ:\n%s", msg);
	free(help);
	free(msg);
}
END_TEST

/* Every command has its page (a missing one fails), and they agree. */
START_TEST(every_command_matches_its_page)
{
	char *msg = NULL, *path = NULL, *missing = NULL;
	int bad = 0, pages = 0, commands = 0;

	for (const struct command *c = cli_commands; c->name; c++, commands++) {
		char page[128], *help;
		int r;

		snprintf(page, sizeof(page), "ckpt-%s.1.scd", c->name);
		free(path);
		ck_assert_int_ge(asprintf(&path, "%s/%s", MAN_DIR, page), 0);
		if (access(path, F_OK) < 0) {
			char *m = NULL;
			if (asprintf(&m, "%s `ckpt %s` has no %s\n", missing ? missing : "", c->name, page) >= 0) {
				free(missing);
				missing = m;
			}
			continue;
		}
		help = capture_stdout(run_command_help, c, &r);
		ck_assert_msg(r == EXIT_OK, "ckpt %s --help exited %d", c->name, r);
		bad += compare(page, help, &msg);
		pages++;
		free(help);
	}
	free(path);
	ck_assert_msg(!missing, "commands without a man page:\n%s", missing);
	ck_assert_int_eq(pages, commands);
	ck_assert_int_ge(commands, 8);
	ck_assert_msg(bad == 0, "--help and the man pages differ:\n%s", msg);
	free(msg);
}
END_TEST

static const struct command *
command_named(const char *name, size_t len)
{
	for (const struct command *c = cli_commands; c->name; c++)
		if (strlen(c->name) == len && strncmp(c->name, name, len) == 0)
			return c;
	return NULL;
}

/* ckpt-<name>.1.scd needs a command <name>, listed in ckpt(1). */
START_TEST(every_page_has_its_command)
{
	char *main_page, *path = NULL;
	struct dirent *de;
	DIR *d = opendir(MAN_DIR);

	ck_assert_ptr_nonnull(d);
	ck_assert_int_ge(asprintf(&path, "%s/ckpt.1.scd", MAN_DIR), 0);
	main_page = read_text(path);
	ck_assert_ptr_nonnull(main_page);
	while ((de = readdir(d))) {
		const char *name = de->d_name + 5;
		size_t len = strlen(de->d_name);
		char listed[128];

		if (strncmp(de->d_name, "ckpt-", 5) != 0 || len < 12 || strcmp(de->d_name + len - 6, ".1.scd") != 0)
			continue;
		ck_assert_msg(command_named(name, len - 11) != NULL, "%s documents a command ckpt does not have",
			      de->d_name);
		snprintf(listed, sizeof(listed), "\n*%.*s*\n", (int)(len - 11), name);
		ck_assert_msg(strstr(main_page, listed), "ckpt.1.scd does not list `%.*s` in COMMANDS", (int)(len - 11),
			      name);
	}
	closedir(d);
	free(main_page);
	free(path);
}
END_TEST

static Suite *
man_suite(void)
{
	Suite *s = suite_create("man");
	TCase *tc = tcase_create("man");

	tcase_add_test(tc, parsers_see_flags);
	tcase_add_test(tc, global_options_match_ckpt_1);
	tcase_add_test(tc, every_command_matches_its_page);
	tcase_add_test(tc, every_page_has_its_command);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(man_suite());
}
