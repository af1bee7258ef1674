/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c — `aigate run [--dry-run] [--allow-degraded] [--] CMD [ARGS…]`.
 * Loads and compiles the policy, refuses a command line deny_exec names,
 * builds the sandbox plan, and runs CMD inside it (sandbox_run.c). Fails
 * closed: a protection the policy asks for that cannot be built stops the
 * run with exit 125, unless --allow-degraded, which says exactly what is not
 * enforced.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/features.h"
#include "launcher/log.h"
#include "launcher/policy_memfd.h"
#include "launcher/sandbox.h"
#include "policy/blob.h"

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The early, readable answer for the command line itself (the sandbox judges every later exec). */
static int precheck_argv(const struct policy_blob *b, char **cmd, size_t ncmd)
{
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	char origin[1024];
	int idx = policy_blob_match_exec(b, (const char *const *)cmd, ncmd, &scratch, &inv);
	if (idx < 0)
		return 0;
	const struct policy_blob_rule *rule =
		policy_blob_rule(b, POLICY_BLOB_DENY_EXEC, (uint32_t)idx);
	policy_blob_origin(b, rule, origin, sizeof(origin));
	fprintf(stderr, "aigate: '%s' is denied by policy (deny_exec: %s, %s)\n", inv.name,
		policy_blob_str(b, rule->text_off), origin);
	return EXIT_CANNOT_RUN;
}

/* No namespaces and --allow-degraded: run CMD directly, having said what that means. */
static int run_unsandboxed(char **cmd)
{
	log_warn("degraded run: NO sandbox (no user namespaces): deny_read, allow_write, "
		 "deny_exec of child processes, allow_net, mask_stdout and resource_limits are NOT "
		 "enforced; only the command line was checked");
	fflush(NULL);
	execvp(cmd[0], cmd);
	int e = errno;
	log_error("cannot run '%s': %s", cmd[0], strerror(e));
	return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { "allow-degraded", no_argument, NULL, 'D' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct config_paths cp;
	struct policy *p = NULL;
	struct policy_blob b;
	struct sbx_plan plan;
	bool dry_run = false, degraded = false;
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

	double t0 = now_ms();
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

	if (!dry_run && (r = precheck_argv(&b, cmd, ncmd)) != 0) {
		close(fd);
		return r;
	}
	if (dry_run) {
		if (sbx_plan_build(&plan, &b, &cp, environ, true) < 0) {
			close(fd);
			return EXIT_SANDBOX;
		}
		printf("aigate run --dry-run: the sandbox for '%s' (nothing is run)\n", cmd[0]);
		sbx_plan_print(&plan, stdout);
		sbx_plan_free(&plan);
		close(fd);
		return EXIT_OK;
	}

	/*
	 * Namespaces first: init's fixed steps run on the other CPU while this
	 * process builds the plan (about half a millisecond saved per run).
	 */
	struct sbx_handle *h = NULL;
	double t1 = now_ms();
	int started = sbx_start(cmd, &h);
	if (started == -ECANCELED) {
		close(fd);
		return EXIT_SANDBOX;
	}
	/*
	 * Only a system without user namespaces may fall back, and only with
	 * --allow-degraded: a resource failure (EAGAIN from an exhausted
	 * process limit, ENOMEM) must never turn into an unsandboxed run.
	 */
	bool no_userns =
		started == -EPERM || started == -ENOSPC || started == -EUSERS || started == -EINVAL;
	if (started < 0 && !no_userns) {
		log_error("cannot create the sandbox's processes: %s", strerror(-started));
		close(fd);
		return EXIT_SANDBOX;
	}
	if (started == 0 || degraded) {
		double t2 = now_ms();
		if (sbx_plan_build(&plan, &b, &cp, environ, false) < 0) {
			sbx_abort(h);
			close(fd);
			return EXIT_SANDBOX;
		}
		log_debug(
			"policy loaded and sealed in %.2f ms; plan of %zu mounts built in %.2f ms "
			"(%zu entries walked)",
			t1 - t0, plan.n, now_ms() - t2, plan.walked);
		/* Fail closed: a protection the plan cannot give stops the run. */
		for (size_t i = 0; i < plan.ngaps; i++)
			log_msg(degraded ? LOG_WARN : LOG_ERROR,
				"%s cannot be enforced in this build (it %s)", plan.gaps[i].what,
				plan.gaps[i].why);
		if (plan.ngaps && !degraded) {
			log_error("refusing to run '%s' without them; change the policy or the "
				  "directory, or pass --allow-degraded",
				  cmd[0]);
			sbx_abort(h);
			sbx_plan_free(&plan);
			close(fd);
			return EXIT_SANDBOX;
		}
		if (started == 0) {
			r = sbx_commit(h, &plan);
			sbx_plan_free(&plan);
			close(fd);
			return r;
		}
		sbx_plan_free(&plan);
	}
	close(fd);
	r = started;
	if (degraded)
		return run_unsandboxed(cmd);
	struct features f;
	features_probe(&f);
	log_error("cannot create the sandbox's namespaces: %s; refusing to run '%s' unprotected. "
		  "Fix: %s. Or pass --allow-degraded (see `aigate doctor`)",
		  strerror(-r), cmd[0],
		  f.userns_hint[0] ? f.userns_hint : "enable user namespaces");
	return EXIT_SANDBOX;
}
