/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `ckpt check`: what this machine, kernel and criu can do, option by option. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "commands.h"
#include "config.h"

static const char check_help[] = "Usage: ckpt check [--json]\n"
				 "\n"
				 "Check that criu works here and which ckpt options this kernel and criu support.\n"
				 "Exits 1 when criu cannot checkpoint at all on this machine.\n"
				 "\n"
				 "Options:\n"
				 "      --json    print the report as one JSON object\n"
				 "  -h, --help    show this help\n";

struct item {
	const char *option;
	bool ok;
	char why[512];
};

#define MAX_ITEMS 16

struct report {
	char *criu_path;
	int criu_version;
	bool criu_ok;
	char criu_why[1024];
	struct item items[MAX_ITEMS];
	int n;
};

static void add(struct report *r, const char *option, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
add(struct report *r, const char *option, bool ok, const char *fmt, ...)
{
	struct item *it = &r->items[r->n++];
	va_list ap;

	it->option = option;
	it->ok = ok;
	va_start(ap, fmt);
	vsnprintf(it->why, sizeof(it->why), fmt, ap);
	va_end(ap);
}

static bool
have_program(const char *name)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					    "/usr/bin",	       "/sbin",		 "/bin" };
	char p[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

static void
check_features(struct report *r, const ckpt_opts *o)
{
	unsigned int got = 0;
	ckpt_error *err = NULL;
	bool ok;

	if (ckpt_criu_features(o, CKPT_FEATURE_MEM_TRACK | CKPT_FEATURE_LAZY_PAGES | CKPT_FEATURE_PIDFD_STORE, &got,
			       &err) < 0) {
		add(r, "--pre-dump, --lazy-pages", false, "criu could not probe the kernel: %s",
		    ckpt_error_message(err));
		ckpt_error_free(err);
		return;
	}
	ok = got & CKPT_FEATURE_MEM_TRACK;
	add(r, "--pre-dump, --parent-path", ok,
	    ok ? "soft-dirty memory tracking available"
	       : "this kernel has no soft-dirty memory tracking (criu mem_track=false)");
	ok = got & CKPT_FEATURE_LAZY_PAGES;
	if (!ok) {
		add(r, "--lazy-pages", false, "this kernel lacks non-cooperative userfaultfd");
	} else if (ckpt_lazy_pages_ready(&err) < 0) {
		add(r, "--lazy-pages", false, "%s", ckpt_error_message(err));
		ckpt_error_free(err);
		err = NULL;
	} else {
		add(r, "--lazy-pages", true, "userfaultfd available, 4 MiB pipes allowed");
	}
	ok = got & CKPT_FEATURE_PIDFD_STORE;
	add(r, "pidfd store", ok, ok ? "pidfd_open and pidfd_getfd available" : "no pidfd_getfd in this kernel");
}

static void
check_host(struct report *r)
{
	struct stat st;
	bool ipt = have_program("iptables-restore"), nft = have_program("nft");
	bool cg2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;

	add(r, "--network-lock iptables", ipt,
	    ipt ? "iptables-restore found"
		: "iptables is not installed: dumping a tree with its own network "
		  "namespace fails (install iptables)");
	add(r, "--network-lock nftables", nft || r->criu_version >= 0, nft ? "nft found" : "criu uses libnftables");
	add(r, "--manage-cgroups-mode", true,
	    cg2 ? "cgroup v2 (unified) at /sys/fs/cgroup" : "cgroup v1 or hybrid layout");
	add(r, "--page-server", true, "criu page server over TCP");
	add(r, "--tcp-established", ipt || nft, "needs a network lock method (iptables or nftables)");
}

static void
build_report(struct report *r, const ckpt_opts *o)
{
	ckpt_error *err = NULL;

	memset(r, 0, sizeof(*r));
	if (ckpt_criu_path(o, &r->criu_path, &err) < 0) {
		snprintf(r->criu_why, sizeof(r->criu_why), "%s", ckpt_error_message(err));
		ckpt_error_free(err);
		return;
	}
	if (ckpt_criu_version(o, &r->criu_version, &err) < 0 || ckpt_criu_check(o, &err) < 0) {
		snprintf(r->criu_why, sizeof(r->criu_why), "%s", ckpt_error_message(err));
		ckpt_error_free(err);
		return;
	}
	r->criu_ok = true;
	snprintf(r->criu_why, sizeof(r->criu_why), "criu check: looks good");
	check_features(r, o);
	check_host(r);
}

static void
print_text(const struct report *r)
{
	printf("ckpt      %s\n", CKPT_VERSION);
	printf("criu      %s", r->criu_path ? r->criu_path : "(not found)");
	if (r->criu_version)
		printf(" (%d.%d.%d)", r->criu_version / 10000, r->criu_version / 100 % 100, r->criu_version % 100);
	printf("\nstatus    %s: %s\n\n", r->criu_ok ? "ok" : "FAILED", r->criu_why);
	if (r->n)
		printf("%-28s %-4s %s\n", "OPTION", "OK", "WHY");
	for (int i = 0; i < r->n; i++)
		printf("%-28s %-4s %s\n", r->items[i].option, r->items[i].ok ? "yes" : "no", r->items[i].why);
}

static void
gs(yajl_gen j, const char *s)
{
	yajl_gen_string(j, (const unsigned char *)s, strlen(s));
}

static void
print_json(const struct report *r)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	char ver[32];
	size_t len;

	snprintf(ver, sizeof(ver), "%d.%d.%d", r->criu_version / 10000, r->criu_version / 100 % 100,
		 r->criu_version % 100);
	yajl_gen_map_open(j);
	gs(j, "ckpt_version"), gs(j, CKPT_VERSION);
	gs(j, "criu_path"), r->criu_path ? gs(j, r->criu_path) : (void)yajl_gen_null(j);
	gs(j, "criu_version"), r->criu_version ? gs(j, ver) : (void)yajl_gen_null(j);
	gs(j, "ok"), yajl_gen_bool(j, r->criu_ok);
	gs(j, "status"), gs(j, r->criu_why);
	gs(j, "options");
	yajl_gen_array_open(j);
	for (int i = 0; i < r->n; i++) {
		yajl_gen_map_open(j);
		gs(j, "option"), gs(j, r->items[i].option);
		gs(j, "supported"), yajl_gen_bool(j, r->items[i].ok);
		gs(j, "why"), gs(j, r->items[i].why);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
	yajl_gen_map_close(j);
	yajl_gen_get_buf(j, &buf, &len);
	printf("%.*s\n", (int)len, buf);
	yajl_gen_free(j);
}

int
cmd_check(const struct global_args *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct report r;
	ckpt_opts *o = NULL;
	bool json = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		if (c == 'h') {
			fputs(check_help, stdout);
			return EXIT_OK;
		}
		if (c != 'j')
			return usage_error("check", "unknown option `%s`", argv[optind - 1]), EXIT_USAGE;
		json = true;
	}
	if (optind < argc)
		return usage_error("check", "unexpected argument `%s`", argv[optind]), EXIT_USAGE;
	if (ckpt_opts_new(&o) < 0 || apply_global(g, o) < 0)
		return EXIT_FAIL;
	build_report(&r, o);
	json ? print_json(&r) : print_text(&r);
	if (!r.criu_ok)
		log_event(g, "error", "check: %s", r.criu_why);
	free(r.criu_path);
	ckpt_opts_free(o);
	return r.criu_ok ? EXIT_OK : EXIT_FAIL;
}
