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
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
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
static int precheck_argv(const struct policy_blob *b, char **cmd, size_t ncmd, int audit_fd)
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
	if (audit_fd >= 0) {
		audit_init(audit_fd);
		struct audit_record rec = { .action = "exec",
					    .target = cmd[0],
					    .rule = policy_blob_str(b, rule->text_off),
					    .origin = origin,
					    .verdict = "denied",
					    .enforcer = "launcher",
					    .err = EACCES,
					    .uid = (long)getuid(),
					    .argv = (const char *const *)cmd,
					    .reason = "the command line itself is denied" };
		if (audit_write(&rec) < 0)
			log_error("cannot write the audit record: %s", strerror(errno));
	}
	return EXIT_CANNOT_RUN;
}

/*
 * The audit trail: --audit-log FILE, "-" for stderr, else the daily file
 * under the config dir (hidden from the sandbox with the rest of it). A
 * trail that cannot be opened stops the run: records must not be lost
 * silently.
 */
static int open_audit(const struct config_paths *cp, const char *path)
{
	char def[PATH_MAX + 64];
	if (path && strcmp(path, "-") == 0) {
		int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			log_error("cannot use stderr for the audit trail: %s", strerror(errno));
		return fd < 0 ? -1 : fd;
	}
	if (!path) {
		time_t now = time(NULL);
		struct tm tm;
		char day[16];
		gmtime_r(&now, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		snprintf(def, sizeof(def), "%s/audit/%s.jsonl", cp->dir, day);
		path = def;
	}
	int fd = audit_open(path);
	if (fd < 0) {
		log_error("cannot open the audit log %s: %s", path, strerror(-fd));
		return -1;
	}
	return fd;
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
					      { "audit-log", required_argument, NULL, 'A' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct config_paths cp;
	struct policy *p = NULL;
	struct policy_blob b;
	struct sbx_plan plan;
	bool dry_run = false, degraded = false;
	const char *audit_path = NULL;
	int c, r, fd, audit_fd = -1;

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
		case 'A':
			audit_path = optarg;
			break;
		case 'h':
			return cli_print_help("run");
		default:
			if (optopt == 'A')
				return cli_usage_error("run", "--audit-log needs a file (or -)");
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

	if (!dry_run && (audit_fd = open_audit(&cp, audit_path)) < 0) {
		close(fd);
		return EXIT_SANDBOX;
	}
	if (!dry_run && (r = precheck_argv(&b, cmd, ncmd, audit_fd)) != 0) {
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
			struct sbx_supervision sv = { .blob = &b, .audit_fd = audit_fd };
			r = sbx_commit(h, &plan, &sv);
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
