/* SPDX-License-Identifier: MIT */
/*
 * cmd_policy.c — `aigate policy dump`, `check` and `seatbelt`. All work on
 * the compiled blob read back from its sealed memfd, the same bytes the
 * supervisor and the shim will judge with, so what they print is what runs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/log.h"
#include "launcher/policy_memfd.h"
#include "launcher/seatbelt.h"
#include "policy/blob.h"
#include "policy/util.h"

static const char *const list_names[POLICY_BLOB_NLISTS] = {
	[POLICY_BLOB_DENY_READ] = "deny_read",
	[POLICY_BLOB_DENY_EXEC] = "deny_exec",
	[POLICY_BLOB_ALLOW_NET] = "allow_net",
	[POLICY_BLOB_ALLOW_WRITE] = "allow_write",
	[POLICY_BLOB_PASS_ENV] = "pass_env",
	[POLICY_BLOB_DENY_ENV] = "deny_env",
	[POLICY_BLOB_MASK_PRESETS] = "mask_stdout.presets",
};

static const char *anchor_name(uint8_t a)
{
	switch (a) {
	case PATHMATCH_ABSOLUTE:
		return "absolute";
	case PATHMATCH_HOME:
		return "home";
	case PATHMATCH_ROOT:
		return "project";
	case PATHMATCH_BASENAME:
		return "name below project";
	default:
		return "?";
	}
}

/* Load, compile, seal and map: the common start of every subcommand. */
static int open_compiled(struct config_paths *cp, struct policy_blob *b, int *ret_fd)
{
	struct policy *p = NULL;
	int r = config_paths_init(cp);
	if (r < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return EXIT_ERROR;
	}
	if (config_load_effective(cp, &p) < 0)
		return EXIT_USAGE;
	r = policy_memfd_compile(p, cp->home, cp->root, b);
	policy_free(p);
	if (r < 0)
		return EXIT_ERROR;
	*ret_fd = r;
	return -1;
}

static int dump(const struct policy_blob *b, size_t size)
{
	const struct policy_blob_header *h = b->hdr;
	char origin[1024];

	printf("# compiled policy: format %u, %zu bytes, read back from a sealed memfd\n",
	       h->version, size);
	printf("home: %s\nproject_root: %s\n", b->env.home, b->env.root);
	printf("network: %s\n",
	       !(h->flags & POLICY_BLOB_F_ALLOW_NET_SET)
		       ? "host network (allow_net not set)"
		       : (h->lists[POLICY_BLOB_ALLOW_NET].count ? "only allow_net" : "none"));
	printf("allow_private_addresses: %s\n",
	       h->flags & POLICY_BLOB_F_ALLOW_PRIVATE ? "yes" : "no");
	for (int l = 0; l < POLICY_BLOB_NLISTS; l++) {
		uint32_t n = policy_blob_count(b, l);
		printf("%s: %u\n", list_names[l], n);
		for (uint32_t i = 0; i < n; i++) {
			const struct policy_blob_rule *r = policy_blob_rule(b, l, i);
			policy_blob_origin(b, r, origin, sizeof(origin));
			printf("  - %-28s", policy_blob_str(b, r->text_off));
			if (l == POLICY_BLOB_DENY_READ || l == POLICY_BLOB_ALLOW_WRITE) {
				printf(" %s%s%s", anchor_name(r->anchor),
				       r->dir_only ? ", directory" : "",
				       r->literal ? ", literal" : "");
			} else if (l == POLICY_BLOB_DENY_EXEC) {
				const char *words[ARGVMATCH_MAX_WORDS];
				size_t nw = policy_blob_exec_words(b, r, words);
				printf(" command %s", words[0]);
				if (nw > 1)
					printf(", subcommand");
				for (size_t w = 1; w < nw; w++)
					printf(" %s", words[w]);
			}
			printf("  # %s\n", origin);
		}
	}
	printf("mask_stdout.patterns: %u\n", h->masks.count);
	const struct policy_blob_mask *m = (const void *)(b->base + h->masks.off);
	for (uint32_t i = 0; i < h->masks.count; i++)
		printf("  - regex: %s  show_prefix: %u%s\n", policy_blob_str(b, m[i].regex_off),
		       m[i].show_prefix, m[i].case_insensitive ? "  case_insensitive" : "");
	printf("resource_limits: max_memory %llu, max_cpu_percent %u, max_pids %u (0 = unset)\n",
	       (unsigned long long)h->max_memory, h->max_cpu_percent, h->max_pids);
	return EXIT_OK;
}

static int check_read(const struct config_paths *cp, const struct policy_blob *b, int argc,
		      char **argv)
{
	int status = EXIT_OK;
	char abs[PATHMATCH_PATH_MAX], origin[1024];

	for (int i = 0; i < argc; i++) {
		struct stat st;
		int n = pathmatch_join_normalize(cp->cwd, argv[i], abs, sizeof(abs));
		if (n < 0) {
			log_error("%s: %s", argv[i], strerror(-n));
			return EXIT_USAGE;
		}
		bool is_dir = stat(abs, &st) == 0 && S_ISDIR(st.st_mode);
		int idx = policy_blob_match_path(b, POLICY_BLOB_DENY_READ, abs, is_dir);
		if (idx < 0) {
			printf("allowed: %s\n", abs);
			continue;
		}
		const struct policy_blob_rule *r =
			policy_blob_rule(b, POLICY_BLOB_DENY_READ, (uint32_t)idx);
		policy_blob_origin(b, r, origin, sizeof(origin));
		printf("denied: %s (deny_read \"%s\", %s)\n", abs, policy_blob_str(b, r->text_off),
		       origin);
		status = EXIT_ERROR;
	}
	return status;
}

static int check_exec(const struct policy_blob *b, int argc, char **argv)
{
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	char origin[1024];
	int idx =
		policy_blob_match_exec(b, (const char *const *)argv, (size_t)argc, &scratch, &inv);
	if (idx < 0) {
		printf("allowed: %s%s\n", argv[0],
		       scratch.incomplete ? " (part of the command line was too complex to "
					    "analyse; the sandbox judges each real exec)"
					  : "");
		return EXIT_OK;
	}
	const struct policy_blob_rule *r =
		policy_blob_rule(b, POLICY_BLOB_DENY_EXEC, (uint32_t)idx);
	policy_blob_origin(b, r, origin, sizeof(origin));
	printf("denied: %s%s (deny_exec \"%s\", %s)\n", inv.name,
	       inv.depth ? " (run through a wrapper)" : "", policy_blob_str(b, r->text_off),
	       origin);
	return EXIT_ERROR;
}

/* `policy seatbelt`: the macOS Seatbelt profile, for review (docs/macos.md). */
static int seatbelt(int argc, char **argv)
{
	struct seatbelt_options so = { 0 };
	struct seatbelt_diag diag = { "" };
	struct config_paths cp;
	struct policy_blob b;
	int r, fd = -1;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--case-sensitive") == 0)
			so.flags |= SEATBELT_F_CASE_SENSITIVE;
		else if (strcmp(argv[i], "--strict-subcommands") == 0)
			so.flags |= SEATBELT_F_STRICT_SUBCOMMANDS;
		else
			return cli_usage_error("policy", "seatbelt: unknown argument '%s'",
					       argv[i]);
	}
	if ((r = open_compiled(&cp, &b, &fd)) >= 0)
		return r;
	so.home = b.env.home;
	so.root = b.env.root;
	so.aigate_dir = cp.dir;
	r = seatbelt_write(stdout, &b, &so, &diag);
	close(fd);
	if (r < 0) {
		log_error("cannot write the Seatbelt profile: %s",
			  diag.msg[0] ? diag.msg : strerror(-r));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct config_paths cp;
	struct policy_blob b;
	int c, r, fd = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_print_help("policy");
		return cli_usage_error("policy", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return cli_usage_error("policy", "missing subcommand: dump, check or seatbelt");
	const char *sub = argv[optind];
	if (strcmp(sub, "dump") == 0) {
		if (optind + 1 < argc)
			return cli_usage_error("policy", "unexpected argument '%s'",
					       argv[optind + 1]);
		if ((r = open_compiled(&cp, &b, &fd)) >= 0)
			return r;
		r = dump(&b, b.size);
		close(fd);
		return r;
	}
	if (strcmp(sub, "seatbelt") == 0)
		return seatbelt(argc - optind - 1, argv + optind + 1);
	if (strcmp(sub, "check") != 0)
		return cli_usage_error("policy",
				       "unknown subcommand '%s' (dump, check or seatbelt)", sub);
	if (optind + 1 >= argc)
		return cli_usage_error("policy", "check needs 'read PATH…' or 'exec -- CMD…'");
	const char *kind = argv[optind + 1];
	int first = optind + 2;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc)
		return cli_usage_error("policy", "check %s needs %s", kind,
				       strcmp(kind, "exec") == 0 ? "a command" : "a path");
	if (strcmp(kind, "read") != 0 && strcmp(kind, "exec") != 0)
		return cli_usage_error("policy", "unknown check '%s' (read or exec)", kind);
	if ((r = open_compiled(&cp, &b, &fd)) >= 0)
		return r;
	if (strcmp(kind, "read") == 0)
		r = check_read(&cp, &b, argc - first, argv + first);
	else
		r = check_exec(&b, argc - first, argv + first);
	close(fd);
	return r;
}
