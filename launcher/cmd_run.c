/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c — `aigate run`. This build has the policy layer only: it
 * loads and compiles the policy exactly as a real run will, refuses to
 * start CMD unprotected (fail closed, exit 125), and with --allow-degraded
 * runs CMD after the one check it can make without a sandbox: the command
 * line itself against deny_exec.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/log.h"
#include "launcher/policy_memfd.h"
#include "policy/blob.h"

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { "allow-degraded", no_argument, NULL, 'D' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct config_paths cp;
	struct policy *p = NULL;
	struct policy_blob b;
	bool dry_run = false, degraded = false;
	char origin[1024];
	int c, r, fd;

	/* '+': stop at CMD, so `aigate run claude --version` passes --version to claude. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'D':
			degraded = true;
			break;
		case 'h':
			return cli_print_help("run");
		default:
			return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("run", "missing the command to run");
	char **cmd = argv + optind;
	size_t ncmd = (size_t)(argc - optind);

	if ((r = config_paths_init(&cp)) < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return EXIT_SANDBOX;
	}
	if (config_load_effective(&cp, &p) < 0)
		return EXIT_USAGE;
	fd = policy_memfd_compile(p, cp.home, cp.root, &b);
	policy_free(p);
	if (fd < 0)
		return EXIT_SANDBOX;

	if (dry_run) {
		printf("aigate run --dry-run: %s\n", cmd[0]);
		printf("  policy: %u deny_read, %u deny_exec rules; project root %s\n",
		       policy_blob_count(&b, POLICY_BLOB_DENY_READ),
		       policy_blob_count(&b, POLICY_BLOB_DENY_EXEC), b.env.root);
		printf("  sandbox plan: not available in this build (see `aigate doctor`)\n");
		close(fd);
		return EXIT_OK;
	}

	/* Fail closed: never start the agent without the protections the policy asks for. */
	if (!degraded) {
		close(fd);
		log_error(
			"cannot build the sandbox: namespaces, the seccomp supervisor and the shim "
			"are not part of this build; refusing to run '%s' unprotected. Pass "
			"--allow-degraded to run it with only the deny_exec check of its command "
			"line.",
			cmd[0]);
		return EXIT_SANDBOX;
	}
	log_warn("degraded run: deny_read, deny_exec of child processes, allow_net, mask_stdout "
		 "and resource_limits are NOT enforced; only '%s's own command line is checked",
		 cmd[0]);

	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	int idx = policy_blob_match_exec(&b, (const char *const *)cmd, ncmd, &scratch, &inv);
	if (idx >= 0) {
		const struct policy_blob_rule *rule =
			policy_blob_rule(&b, POLICY_BLOB_DENY_EXEC, (uint32_t)idx);
		policy_blob_origin(&b, rule, origin, sizeof(origin));
		fprintf(stderr, "aigate: '%s' is denied by policy (deny_exec: %s, %s)\n", inv.name,
			policy_blob_str(&b, rule->text_off), origin);
		close(fd);
		return EXIT_CANNOT_RUN;
	}
	close(fd);
	fflush(NULL);
	execvp(cmd[0], cmd);
	int e = errno;
	log_error("cannot run '%s': %s", cmd[0], strerror(e));
	return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
