/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	/* ckpt: <what>: <why>, as every other message */
	fprintf(stderr, "ckpt: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ckpt %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return -EINVAL;
}

int
parse_options(const char *cmd, const char *help, int argc, char **argv, const char *shortopts,
	      const struct option *options, option_fn opt, void *data)
{
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, options, NULL)) != -1) {
		if (c == 'h' && help) {
			fputs(help, stdout);
			return 0;
		}
		if (c == '?' || c == ':')
			return usage_error(cmd, "%s `%s`", c == ':' ? "missing value for" : "unknown option",
					   argv[optind - 1]);
		r = opt(c, optarg, data);
		if (r < 0)
			return -EINVAL;
		if (r == OPTION_STOP)
			return 0;
	}
	return 1;
}

/* --json only; -h is parse_options'. */
static int
json_flag(int c, const char *arg, void *data)
{
	*(bool *)data = true;
	return 0;
}

int
parse_json_option(const char *cmd, const char *help, int argc, char **argv, bool *json)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int r;

	*json = false;
	r = parse_options(cmd, help, argc, argv, ":h", options, json_flag, json);
	return r;
}

int
parse_path(const char *cmd, const char *opt, const char *s, const char **ret)
{
	if (!*s)
		return usage_error(cmd, "%s: the path is empty", opt);
	*ret = s;
	return 0;
}

volatile int cli_stop_signal;

static void
on_stop_signal(int sig)
{
	cli_stop_signal = sig;
}

void
catch_stop_signals(ckpt_opts *o)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (o)
		ckpt_opts_set_cancel_flag(o, &cli_stop_signal);
}

int
parse_int(const char *opt, const char *s, long min, long max, long *ret)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		fprintf(stderr, "ckpt: %s: invalid value `%s` (expected an integer from %ld to %ld)\n", opt, s, min,
			max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static bool
port_of(const char *s, int *ret)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 65535)
		return false;
	*ret = (int)v;
	return true;
}

/* Splits ADDRESS:PORT (or [IPv6]:PORT): the address's start and length, and
 * the port's text; false when there is no such colon. */
static bool
split_address(const char *s, const char **addr, size_t *alen, const char **port)
{
	const char *colon;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return false;
		*addr = s + 1;
		*alen = (size_t)(close - s - 1);
		*port = close + 2;
		return true;
	}
	colon = strrchr(s, ':');
	if (!colon || strchr(s, ':') != colon)
		return false;
	*addr = s;
	*alen = (size_t)(colon - s);
	*port = colon + 1;
	return true;
}

/* ADDRESS:PORT, with [IPv6]:PORT accepted; one message for a bad value. */
int
parse_page_server(const char *s, char **ret_addr, int *ret_port)
{
	const char *addr, *port_text, *why = NULL;
	size_t alen;
	int port;

	if (!split_address(s, &addr, &alen, &port_text))
		why = "use --page-server ADDRESS:PORT, [IPv6]:PORT for IPv6";
	else if (alen == 0)
		why = "no address before the port";
	else if (!port_of(port_text, &port))
		why = "the port must be from 1 to 65535";
	if (why) {
		fprintf(stderr, "ckpt: --page-server: invalid value `%s` (%s)\n", s, why);
		return -EINVAL;
	}
	*ret_addr = strndup(addr, alen);
	if (!*ret_addr)
		return -ENOMEM;
	*ret_port = port;
	return 0;
}

int
add_empty_ns(const char *cmd, const char *ns, const char **list, int *n)
{
	if (strcmp(ns, "network") != 0)
		return usage_error(cmd, "--empty-ns: namespace `%s` is not supported (criu supports only network)", ns);
	if (*n >= MAX_EMPTY_NS)
		return usage_error(cmd, "--empty-ns: too many namespaces");
	list[(*n)++] = ns;
	return 0;
}

int
parse_cg_mode(const char *s, enum ckpt_cg_mode *ret)
{
	static const struct {
		const char *name;
		enum ckpt_cg_mode mode;
	} modes[] = {
		{ "soft", CKPT_CG_SOFT },     { "full", CKPT_CG_FULL },	  { "strict", CKPT_CG_STRICT },
		{ "ignore", CKPT_CG_IGNORE }, { "props", CKPT_CG_PROPS }, { "none", CKPT_CG_NONE },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(s, modes[i].name) == 0) {
			*ret = modes[i].mode;
			return 0;
		}
	}
	fprintf(stderr, "ckpt: --manage-cgroups-mode: invalid value `%s` (soft, full, strict, ignore, props or none)\n",
		s);
	return -EINVAL;
}

int
parse_network_lock(const char *s, enum ckpt_network_lock *ret)
{
	if (strcmp(s, "iptables") == 0)
		*ret = CKPT_NETWORK_LOCK_IPTABLES;
	else if (strcmp(s, "nftables") == 0)
		*ret = CKPT_NETWORK_LOCK_NFTABLES;
	else if (strcmp(s, "skip") == 0)
		*ret = CKPT_NETWORK_LOCK_SKIP;
	else {
		fprintf(stderr, "ckpt: --network-lock: invalid value `%s` (iptables, nftables or skip)\n", s);
		return -EINVAL;
	}
	return 0;
}

/* fd[N]:KEY, as criu's --inherit-fd; the fd must be open here. */
int
parse_inherit_fd(const char *s, int *ret_fd, char **ret_key)
{
	char *end = NULL;
	long fd;

	if (strncmp(s, "fd[", 3) != 0)
		goto bad;
	errno = 0;
	fd = strtol(s + 3, &end, 10);
	if (errno || end == s + 3 || fd < 0 || fd > INT_MAX || end[0] != ']' || end[1] != ':' || !end[2])
		goto bad;
	if (fcntl((int)fd, F_GETFD) < 0) {
		fprintf(stderr, "ckpt: --inherit-fd: fd %ld is not open\n", fd);
		return -EINVAL;
	}
	*ret_key = strdup(end + 2);
	if (!*ret_key)
		return -ENOMEM;
	*ret_fd = (int)fd;
	return 0;
bad:
	fprintf(stderr, "ckpt: --inherit-fd: invalid value `%s` (use fd[N]:KEY)\n", s);
	return -EINVAL;
}

int
apply_global(const struct global_args *g, ckpt_opts *o)
{
	int r = 0;

	if (g && g->criu)
		r = ckpt_opts_set_criu_path(o, g->criu);
	return r;
}

int
parse_runtime(const char *cmd, const char *s, enum ckpt_runtime *ret)
{
	if (ckpt_runtime_from_name(s, ret) < 0)
		return usage_error(cmd, "--runtime: invalid value `%s` (runc, crun or youki)", s);
	return 0;
}

int
container_opts_build(enum ckpt_runtime rt, const char *root, const char *bundle, const char *console,
		     ckpt_container_opts **ret)
{
	ckpt_container_opts *co = NULL;
	int r = ckpt_container_opts_new(&co);

	if (r >= 0 && rt)
		r = ckpt_container_opts_set_runtime(co, rt);
	if (r >= 0 && root)
		r = ckpt_container_opts_set_state_root(co, root);
	if (r >= 0 && bundle)
		r = ckpt_container_opts_set_bundle(co, bundle);
	if (r >= 0 && console)
		r = ckpt_container_opts_set_console_socket(co, console);
	if (r < 0) {
		ckpt_container_opts_free(co);
		return r;
	}
	*ret = co;
	return 0;
}

/* A bad container id is a usage error; the library's message escapes it. */
int
container_id_usage(const char *cmd, const char *id)
{
	ckpt_error *e = NULL;
	int r = ckpt_container_id_check(id, &e);

	if (r < 0) {
		usage_error(cmd, "%s", e ? ckpt_error_message(e) : "invalid container id");
		ckpt_error_free(e);
		return -EINVAL;
	}
	return 0;
}
