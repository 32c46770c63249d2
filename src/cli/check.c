/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `ckpt check`: what this machine, kernel and criu can do, option by option.
 * Every row is found out here and now: criu's answers (version, kernel
 * check, FEATURE_CHECK), the criu version each option needs as the library
 * gates it, and what the option needs of the machine (a network lock that
 * runs, the cgroup layout, an active LSM, a file system that punches
 * holes, ...), with the reason when it is not there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "hostcheck.h"

static const char check_help[] = "Usage: ckpt check [--json]\n"
				 "\n"
				 "Check that criu works here and which ckpt options this kernel, this machine and\n"
				 "this criu support, and why not; also the cgroup layout, the active LSMs and the\n"
				 "container runtimes found. Exits 1 when criu cannot checkpoint at all here.\n"
				 "\n"
				 "Options:\n"
				 "      --json    print the report as one JSON object\n"
				 "  -h, --help    show this help\n";

enum support {
	SUP_NO = 0,
	SUP_YES,
	SUP_UNKNOWN, /* could not be tested here */
};

struct item {
	const char *option;
	enum support ok;
	int criu_needed; /* as the library gates the option; 0: any criu */
	char why[1024];
};

struct runtime {
	const char *name;
	char *path;
	char version[160];
};

#define MAX_ITEMS 32

struct report {
	char *criu_path;
	int criu_version;
	bool criu_ok;
	char criu_why[1024];
	ckpt_error *criu_err;
	unsigned features; /* CKPT_FEATURE_*, when features_ok */
	bool features_ok;
	char features_why[512];
	struct cg_info cg;
	int lsm_state; /* lsm_probe() */
	char lsm[256];
	bool ipt_ok, nft_ok; /* the network lock methods work here */
	struct runtime runtimes[3];
	struct item items[MAX_ITEMS];
	int n;
};

static void
version_text(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d", v / 10000, v / 100 % 100);
	if (v % 100)
		snprintf(buf + strlen(buf), len - strlen(buf), ".%d", v % 100);
}

static void add(struct report *r, const char *option, enum support ok, int need, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A row: what the machine says (ok, fmt), then the criu version it needs. */
static void
add(struct report *r, const char *option, enum support ok, int need, const char *fmt, ...)
{
	struct item *it = &r->items[r->n < MAX_ITEMS ? r->n++ : MAX_ITEMS - 1];
	char have[32], want[32];
	size_t n;
	va_list ap;

	it->option = option;
	it->criu_needed = need;
	version_text(r->criu_version, have, sizeof(have));
	version_text(need, want, sizeof(want));
	if (need > r->criu_version) {
		it->ok = SUP_NO;
		n = (size_t)snprintf(it->why, sizeof(it->why), "needs criu %s or newer, this criu is %s; ", want, have);
	} else {
		it->ok = ok;
		n = 0;
	}
	va_start(ap, fmt);
	vsnprintf(it->why + n, sizeof(it->why) - n, fmt, ap);
	va_end(ap);
	n = strlen(it->why);
	if (need && need <= r->criu_version)
		snprintf(it->why + n, sizeof(it->why) - n, " (criu %s or newer: this is %s)", want, have);
}

/* ------------------------------------------------------------------------ */
/* The criu version an option needs, from the library's gates. */

static int
set_netlock_iptables(ckpt_opts *o)
{
	return ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_IPTABLES);
}

static int
set_netlock_nftables(ckpt_opts *o)
{
	return ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_NFTABLES);
}

static int
set_netlock_skip(ckpt_opts *o)
{
	return ckpt_opts_set_network_lock(o, CKPT_NETWORK_LOCK_SKIP);
}

static int
set_tcp_close(ckpt_opts *o)
{
	return ckpt_opts_set_flag(o, CKPT_FLAG_TCP_CLOSE, 1);
}

static int
set_lazy_pages(ckpt_opts *o)
{
	return ckpt_opts_set_flag(o, CKPT_FLAG_LAZY_PAGES, 1);
}

static int
set_status_fd(ckpt_opts *o)
{
	return ckpt_opts_set_status_fd(o, STDOUT_FILENO);
}

static int
set_lsm_profile(ckpt_opts *o)
{
	return ckpt_opts_set_lsm_profile(o, "apparmor:unconfined");
}

static int
set_lsm_mount_context(ckpt_opts *o)
{
	return ckpt_opts_set_lsm_mount_context(o, "system_u:object_r:container_file_t:s0");
}

static int
criu_needed(int (*set)(ckpt_opts *o))
{
	ckpt_opts *o = NULL;
	int v = 0;

	if (ckpt_opts_new(&o) == 0 && set(o) == 0)
		v = ckpt_opts_criu_version_needed(o, NULL);
	ckpt_opts_free(o);
	return v > 0 ? v : 0;
}

/* ------------------------------------------------------------------------ */
/* Memory: pre-dump, lazy pages. */

static void
check_memory(struct report *r)
{
	ckpt_error *err = NULL;
	bool track = r->features & CKPT_FEATURE_MEM_TRACK, uffd = r->features & CKPT_FEATURE_LAZY_PAGES;
	int lazy = criu_needed(set_lazy_pages);
	enum support ready = SUP_YES;

	if (!r->features_ok) {
		add(r, "--pre-dump, --parent-path", SUP_UNKNOWN, 0, "%s", r->features_why);
		add(r, "--lazy-pages", SUP_UNKNOWN, lazy, "%s", r->features_why);
		add(r, "--status-fd", SUP_UNKNOWN, criu_needed(set_status_fd), "%s", r->features_why);
		return;
	}
	add(r, "--pre-dump, --parent-path", track ? SUP_YES : SUP_NO, 0, "%s",
	    track ? "soft-dirty memory tracking available (criu mem_track)"
		  : "this kernel has no soft-dirty memory tracking (criu mem_track=false)");
	if (!uffd) {
		ready = SUP_NO;
		add(r, "--lazy-pages", SUP_NO, lazy, "this kernel lacks userfaultfd with non-cooperative events");
	} else if (ckpt_lazy_pages_ready(&err) < 0) {
		ready = SUP_NO;
		add(r, "--lazy-pages", SUP_NO, lazy, "%s", ckpt_error_message(err));
		ckpt_error_free(err);
	} else {
		add(r, "--lazy-pages", SUP_YES, lazy, "userfaultfd available, 4 MiB pipes allowed");
	}
	ready = r->items[r->n - 1].ok == SUP_YES ? ready : SUP_NO;
	add(r, "--status-fd", ready, criu_needed(set_status_fd), "%s",
	    ready == SUP_YES ? "written when the lazy page server is ready"
			     : "only with --lazy-pages, which does not work here");
}

/* ------------------------------------------------------------------------ */
/* Network. */

/* Runs `PROGRAM ARGS...` in a new network namespace: 0, or why not in buf. */
static int
run_in_netns(const char *path, const char *arg1, const char *arg2, char *buf, size_t len)
{
	char out[2048], line[256];
	char *const argv[] = { (char *)path, (char *)arg1, (char *)arg2, NULL };
	int st = run_program(argv, true, 5000, out, sizeof(out));

	if (st == 0)
		return 0;
	first_line(out, line, sizeof(line));
	if (st < 0)
		snprintf(buf, len, "`%s %s %s` could not be run: %s", path, arg1, arg2, strerror(-st));
	else
		snprintf(buf, len, "`%s %s %s` in a new network namespace fails (exit %d%s%s)", path, arg1, arg2, st,
			 line[0] ? ": " : "", line);
	return -1;
}

static void
check_iptables(struct report *r, int need)
{
	char *restore = find_program("iptables-restore", CRIU_HELPER_PATH);
	char *ipt = find_program("iptables", CRIU_HELPER_PATH), why[640];

	if (!restore) {
		add(r, "--network-lock iptables", SUP_NO, need,
		    "iptables-restore is not installed (criu runs it from %s): dumping a tree with its own network "
		    "namespace or --tcp-established fails; install iptables",
		    CRIU_HELPER_PATH);
	} else if (!ipt) {
		add(r, "--network-lock iptables", SUP_UNKNOWN, need, "%s found, but no iptables to test it with",
		    restore);
	} else if (run_in_netns(ipt, "-L", "-n", why, sizeof(why)) < 0) {
		add(r, "--network-lock iptables", SUP_NO, need, "%s", why);
	} else {
		r->ipt_ok = true;
		add(r, "--network-lock iptables", SUP_YES, need,
		    "the default: %s found and `iptables -L -n` runs in a new network namespace", restore);
	}
	free(restore);
	free(ipt);
}

static void
check_nftables(struct report *r, int need)
{
	int lib = r->criu_path ? criu_has_nftables(r->criu_path) : -1;
	char *nft = find_program("nft", CRIU_HELPER_PATH), why[640];

	if (lib == 0) {
		add(r, "--network-lock nftables", SUP_NO, need, "%s was built without libnftables", r->criu_path);
	} else if (!nft) {
		add(r, "--network-lock nftables", SUP_UNKNOWN, need,
		    "no nft program to test the kernel's nf_tables with (install nftables)");
	} else if (run_in_netns(nft, "list", "ruleset", why, sizeof(why)) < 0) {
		add(r, "--network-lock nftables", SUP_NO, need, "%s", why);
	} else {
		r->nft_ok = lib == 1;
		add(r, "--network-lock nftables", lib == 1 ? SUP_YES : SUP_UNKNOWN, need,
		    "%s; `nft list ruleset` runs in a new network namespace",
		    lib == 1 ? "criu is linked with libnftables" : "cannot tell whether criu has libnftables");
	}
	free(nft);
}

static void
check_tcp(struct report *r)
{
	int e = probe_tcp_listen();

	add(r, "--page-server", e ? SUP_NO : SUP_YES, 0, "%s%s",
	    e ? "a TCP socket cannot listen on 127.0.0.1: " : "a TCP socket can listen here (criu's page server)",
	    e ? strerror(-e) : "");
	if (r->ipt_ok || r->nft_ok)
		add(r, "--tcp-established", SUP_YES, 0, "a network lock works here: %s",
		    r->ipt_ok ? "iptables (the default)" : "nftables (give --network-lock nftables)");
	else
		add(r, "--tcp-established", SUP_NO, 0,
		    "criu locks the connections with iptables or nftables, and neither works here (see above)");
	add(r, "--tcp-close", SUP_YES, criu_needed(set_tcp_close), "connections are closed, no network lock needed");
}

static void
check_network(struct report *r)
{
	check_iptables(r, criu_needed(set_netlock_iptables));
	check_nftables(r, criu_needed(set_netlock_nftables));
	add(r, "--network-lock skip", SUP_YES, criu_needed(set_netlock_skip),
	    "no lock: the network of the tree stays as it is while it is dumped");
	check_tcp(r);
}

/* ------------------------------------------------------------------------ */
/* Files. */

static void
check_link_remap(struct report *r)
{
	bool tested;
	int e = probe_link_tmpfile("/tmp", &tested);

	if (!tested)
		add(r, "--link-remap", SUP_UNKNOWN, 0, "cannot test: no O_TMPFILE in /tmp (%s)", strerror(-e));
	else if (e)
		add(r, "--link-remap", SUP_NO, 0,
		    "linkat(AT_EMPTY_PATH), which criu links an open file's inode back with, is refused: %s "
		    "(it needs CAP_DAC_READ_SEARCH)",
		    strerror(-e));
	else
		add(r, "--link-remap", SUP_YES, 0, "linkat(AT_EMPTY_PATH) of an open file works (tested in /tmp)");
}

static void
check_auto_dedup(struct report *r)
{
	bool tested;
	int e = probe_punch_hole(".", &tested);

	if (!tested)
		add(r, "--auto-dedup", SUP_UNKNOWN, 0,
		    "cannot test the current directory (no O_TMPFILE: %s); criu punches holes in the images' file "
		    "system",
		    strerror(-e));
	else if (e)
		add(r, "--auto-dedup", SUP_NO, 0,
		    "the file system of the current directory (where ./checkpoint goes) cannot punch holes: %s",
		    strerror(-e));
	else
		add(r, "--auto-dedup", SUP_YES, 0,
		    "the file system of the current directory (where ./checkpoint goes) punches holes");
}

static void
check_files(struct report *r)
{
	int e = probe_unix_diag();

	add(r, "--ext-unix-sk", e ? SUP_NO : SUP_YES, 0, "%s%s",
	    e ? "the kernel's sock_diag does not answer for unix sockets (modprobe unix_diag): "
	      : "sock_diag answers for unix sockets (criu finds a socket's peer with it)",
	    e ? strerror(-e) : "");
	e = access("/proc/locks", R_OK) < 0 ? -errno : 0;
	add(r, "--file-locks", e ? SUP_NO : SUP_YES, 0, "%s%s",
	    e ? "/proc/locks, where criu finds the locks, cannot be read: " : "/proc/locks is readable",
	    e ? strerror(-e) : "");
	check_link_remap(r);
	check_auto_dedup(r);
}

/* ------------------------------------------------------------------------ */
/* Namespaces, cgroups, LSMs, pidfds. */

static void
check_lsm(struct report *r)
{
	bool aa = lsm_list_has(r->lsm, "apparmor"), se = lsm_list_has(r->lsm, "selinux");
	char where[512];

	if (r->lsm_state < 0)
		snprintf(where, sizeof(where), "the active LSMs cannot be read (%s)", strerror(-r->lsm_state));
	else if (r->lsm_state == 1)
		snprintf(where, sizeof(where),
			 "securityfs is not mounted (mount -t securityfs securityfs /sys/kernel/security); "
			 "/sys/module and /sys/fs/selinux show %s",
			 r->lsm[0] ? r->lsm : "neither AppArmor nor SELinux");
	else
		snprintf(where, sizeof(where), "active LSMs: %s", r->lsm);
	add(r, "--lsm-profile", aa || se ? SUP_YES : SUP_NO, criu_needed(set_lsm_profile), "%s%s",
	    aa || se ? "" : "no AppArmor or SELinux is active, so there is no profile to restore into; ", where);
	add(r, "--lsm-mount-context", se ? SUP_YES : SUP_NO, criu_needed(set_lsm_mount_context), "%s%s",
	    se ? "" : "SELinux is not active; ", where);
}

static void
check_namespaces(struct report *r)
{
	char why[1024];
	int e = probe_netns();
	bool pidfd = r->features & CKPT_FEATURE_PIDFD_STORE;

	add(r, "--empty-ns network", e ? SUP_NO : SUP_YES, 0, "%s%s",
	    e ? "a new network namespace cannot be made: " : "a new network namespace can be made",
	    e ? strerror(-e) : "");
	add(r, "--manage-cgroups-mode", cg_explain(&r->cg, why, sizeof(why)) ? SUP_YES : SUP_NO, 0, "%s", why);
	check_lsm(r);
	if (r->features_ok)
		add(r, "pidfd store", pidfd ? SUP_YES : SUP_NO, 0, "%s",
		    pidfd ? "pidfd_open and pidfd_getfd available" : "no pidfd_getfd in this kernel");
}

/* ------------------------------------------------------------------------ */
/* Container runtimes, on PATH, with their versions. */

static void
find_runtime(struct runtime *rt, const char *name)
{
	char out[1024];
	char *argv[] = { NULL, "--version", NULL };

	rt->name = name;
	rt->path = find_program(name, NULL);
	rt->version[0] = '\0';
	if (!rt->path)
		return;
	argv[0] = rt->path;
	if (run_program(argv, false, 5000, out, sizeof(out)) == 0)
		first_line(out, rt->version, sizeof(rt->version));
}

static void
find_runtimes(struct report *r)
{
	static const char *const names[] = { "runc", "crun", "youki" };

	for (int i = 0; i < 3; i++)
		find_runtime(&r->runtimes[i], names[i]);
}

static void
check_runtimes(struct report *r)
{
	static const char *const options[] = { "--runtime runc", "--runtime crun", "--runtime youki" };
	static const char *const names[] = { "runc", "crun", "youki" };

	for (int i = 0; i < 3; i++) {
		const struct runtime *rt = &r->runtimes[i];

		if (!rt->path)
			add(r, options[i], SUP_NO, 0, "%s is not installed (not found in PATH)", names[i]);
		else
			add(r, options[i], SUP_YES, 0, "%s (%s)", rt->version[0] ? rt->version : "version unknown",
			    rt->path);
	}
}

/* ------------------------------------------------------------------------ */

static bool
check_criu(struct report *r, const ckpt_opts *o)
{
	int e = ckpt_criu_path(o, &r->criu_path, &r->criu_err);

	if (e >= 0)
		e = ckpt_criu_version(o, &r->criu_version, &r->criu_err);
	if (e >= 0)
		e = ckpt_criu_check(o, &r->criu_err);
	if (e < 0) {
		snprintf(r->criu_why, sizeof(r->criu_why), "%s", ckpt_error_message(r->criu_err));
		return false;
	}
	snprintf(r->criu_why, sizeof(r->criu_why), "criu check: looks good");
	return true;
}

static void
build_report(struct report *r, const ckpt_opts *o)
{
	ckpt_error *err = NULL;

	memset(r, 0, sizeof(*r));
	if (cg_probe(&r->cg) < 0)
		r->cg.layout = CG_LAYOUT_NONE;
	r->lsm_state = lsm_probe(r->lsm, sizeof(r->lsm));
	find_runtimes(r);
	r->criu_ok = check_criu(r, o);
	if (!r->criu_ok)
		return;
	r->features_ok =
		ckpt_criu_features(o, CKPT_FEATURE_MEM_TRACK | CKPT_FEATURE_LAZY_PAGES | CKPT_FEATURE_PIDFD_STORE,
				   &r->features, &err) >= 0;
	if (!r->features_ok)
		snprintf(r->features_why, sizeof(r->features_why), "criu could not probe the kernel: %s",
			 ckpt_error_message(err));
	ckpt_error_free(err);
	check_memory(r);
	check_network(r);
	check_files(r);
	check_namespaces(r);
	check_runtimes(r);
}

static void
report_free(struct report *r)
{
	free(r->criu_path);
	ckpt_error_free(r->criu_err);
	for (int i = 0; i < 3; i++)
		free(r->runtimes[i].path);
}

/* ------------------------------------------------------------------------ */
/* Output. */

#define WHY_COLUMN 34
#define LINE_WIDTH 110

static const char *
support_word(enum support s)
{
	return s == SUP_YES ? "yes" : s == SUP_NO ? "no" : "?";
}

/* text from the WHY column on, wrapped at LINE_WIDTH at blanks. */
static void
print_wrapped(const char *text)
{
	const size_t width = LINE_WIDTH - WHY_COLUMN;

	while (strlen(text) > width) {
		size_t cut = width;
		while (cut > width / 2 && text[cut] != ' ' && text[cut - 1] != ',')
			cut--;
		if (text[cut] != ' ' && text[cut - 1] != ',')
			cut = width;
		printf("%.*s\n%*s", (int)cut, text, WHY_COLUMN, "");
		text += cut + (text[cut] == ' ');
	}
	printf("%s\n", text);
}

static void
print_text(const struct report *r)
{
	char ver[32];

	format_version(r->criu_version, ver, sizeof(ver));
	printf("ckpt      %s\n", CKPT_VERSION);
	printf("criu      %s", r->criu_path ? r->criu_path : "(not found)");
	if (r->criu_version)
		printf(" (%s)", ver);
	printf("\nstatus    %s: %s\n", r->criu_ok ? "ok" : "FAILED", r->criu_why);
	printf("cgroups   %s%s%s\n", cg_layout_name(r->cg.layout), r->cg.v2_mount[0] ? ", cgroup2 at " : "",
	       r->cg.v2_mount);
	printf("LSMs      %s%s\n\n", r->lsm_state >= 0 && r->lsm[0] ? r->lsm : "none active",
	       r->lsm_state == 1 ? " (securityfs not mounted: from /sys/module, /sys/fs/selinux)" : "");
	if (r->n)
		printf("%-28s %-4s %s\n", "OPTION", "OK", "WHY");
	for (int i = 0; i < r->n; i++) {
		printf("%-28s %-4s ", r->items[i].option, support_word(r->items[i].ok));
		print_wrapped(r->items[i].why);
	}
}

/* "a,b,c" as a JSON array. */
static void
json_list(yajl_gen j, const char *key, const char *list)
{
	json_str(j, key);
	yajl_gen_array_open(j);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ", ");
		char item[64];
		snprintf(item, sizeof(item), "%.*s", (int)n, p);
		if (n)
			json_str(j, item);
		p += n;
		p += strspn(p, ", ");
	}
	yajl_gen_array_close(j);
}

static void
json_host(yajl_gen j, const struct report *r)
{
	json_str(j, "cgroup");
	yajl_gen_map_open(j);
	json_kv_str(j, "layout", cg_layout_name(r->cg.layout));
	json_kv_str(j, "v2_mount", r->cg.v2_mount[0] ? r->cg.v2_mount : NULL);
	json_list(j, "v1_controllers", r->cg.v1_controllers);
	json_list(j, "v2_controllers", r->cg.v2_controllers);
	yajl_gen_map_close(j);
	json_str(j, "lsm");
	yajl_gen_map_open(j);
	json_list(j, "active", r->lsm_state >= 0 ? r->lsm : "");
	json_kv_str(j, "source",
		    r->lsm_state == 0	? "/sys/kernel/security/lsm"
		    : r->lsm_state == 1 ? "/sys/module/apparmor, /sys/fs/selinux"
					: NULL);
	yajl_gen_map_close(j);
	json_str(j, "runtimes");
	yajl_gen_array_open(j);
	for (int i = 0; i < 3; i++) {
		yajl_gen_map_open(j);
		json_kv_str(j, "name", r->runtimes[i].name);
		json_kv_str(j, "path", r->runtimes[i].path);
		json_kv_str(j, "version", r->runtimes[i].version[0] ? r->runtimes[i].version : NULL);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void
json_options(yajl_gen j, const struct report *r)
{
	json_str(j, "options");
	yajl_gen_array_open(j);
	for (int i = 0; i < r->n; i++) {
		const struct item *it = &r->items[i];
		yajl_gen_map_open(j);
		json_kv_str(j, "option", it->option);
		json_str(j, "supported");
		if (it->ok == SUP_UNKNOWN)
			yajl_gen_null(j);
		else
			yajl_gen_bool(j, it->ok == SUP_YES);
		json_kv_str(j, "why", it->why);
		json_kv_version(j, "criu_needed", it->criu_needed);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void
print_json(const struct report *r)
{
	yajl_gen j = json_new();

	yajl_gen_map_open(j);
	json_kv_str(j, "ckpt_version", CKPT_VERSION);
	json_kv_str(j, "criu_path", r->criu_path);
	json_kv_version(j, "criu_version", r->criu_version);
	json_kv_bool(j, "ok", r->criu_ok);
	json_kv_str(j, "status", r->criu_why);
	if (!r->criu_ok) {
		json_str(j, "error");
		json_error_map(j, r->criu_err, -EIO);
	}
	json_host(j, r);
	json_options(j, r);
	yajl_gen_map_close(j);
	json_emit(j, stdout);
}

int
cmd_check(const struct global_args *g, int argc, char **argv)
{
	struct report r;
	ckpt_opts *o = NULL;
	bool json;
	int ret = parse_json_option("check", check_help, argc, argv, &json);

	if (ret > 0 && optind < argc)
		ret = usage_error("check", "unexpected argument `%s`", argv[optind]);
	if (ret <= 0)
		return ret == 0 ? EXIT_OK : EXIT_USAGE;
	if (ckpt_opts_new(&o) < 0 || apply_global(g, o) < 0) {
		ckpt_opts_free(o);
		fprintf(stderr, "ckpt: check: out of memory\n");
		return EXIT_FAIL;
	}
	build_report(&r, o);
	if (json)
		print_json(&r);
	else
		print_text(&r);
	if (!r.criu_ok)
		log_event(g, "error", "check: %s", r.criu_why);
	ret = r.criu_ok ? EXIT_OK : EXIT_FAIL;
	report_free(&r);
	ckpt_opts_free(o);
	return ret;
}
