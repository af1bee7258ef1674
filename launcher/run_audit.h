/* SPDX-License-Identifier: MIT */
/*
 * run_audit.h — `aigate run`'s audit trail: where it goes (--audit-log, the
 * policy's audit.path, --ci's default, the daily file), the session's
 * first and last records, and what --fail-on-violation makes of the end.
 */
#ifndef AIGATE_RUN_AUDIT_H
#define AIGATE_RUN_AUDIT_H

#include <limits.h>

struct mask_set;
#include <stdbool.h>

#include "launcher/audit.h"
#include "launcher/config.h"
#include "policy/blob.h"
#include "policy/policy.h"

/* The trail is in a file the sandbox could otherwise reach: hide it (sandbox_plan.c). */
struct run_audit {
	struct audit_config cfg;
	char file[PATH_MAX]; /* the log file, "" for stderr or syslog */
	bool started;	     /* the session_start record is written */
	bool ci;	     /* --ci: a summary at the end */
	/*
	 * mask_stdout's masks (owned by the caller, alive until
	 * run_audit_end()): the summary names what the sandbox chose
	 * (programs' names), so it is masked like the sandbox's output.
	 */
	struct mask_set *mask;
	/*
	 * The policy (set by run_audit_start(), mapped for the whole run): when
	 * a run ends before its masks were built, the summary is masked with
	 * the policy's presets and patterns, never shown raw.
	 */
	const struct policy_blob *blob;
	/* resource_limits: key, mechanism, …, NULL for session_start (limits.h); NULL: none. */
	const char *const *limits;
};

/* What --fail-on-violation turns a successful run into when something was denied. */
#define EXIT_VIOLATION 3

/**
 * run_audit_open() - resolve the destination (@cli_path wins over the
 * policy's audit.path; then --ci's aigate-audit.jsonl in the working
 * directory; then the daily file), open it and start the session. Reads
 * audit.level and audit.on_error from @p. Returns 0, or an exit status
 * (125) with the reason printed.
 */
int run_audit_open(struct run_audit *ra, const struct config_paths *cp, const struct policy *p,
		   const char *cli_path, bool ci);

/**
 * run_audit_start() - the session_start record. @degraded: what the policy
 * asks that this run does not enforce (NULL-terminated). Returns 0, or 125
 * with the reason printed (the trail cannot be written and on_error is fail).
 */
int run_audit_start(struct run_audit *ra, char **cmd, const struct policy_blob *b,
		    const char *enforcement, const char *const *degraded);

/**
 * run_audit_end() - the session_end record for CMD's @status, after every
 * other writer has ended. Returns the status `aigate run` exits with: 125
 * when the trail failed under on_error fail, EXIT_VIOLATION for a
 * successful CMD with denials under @fail_on_violation, else @status.
 * With --ci, then prints the session's summary (`aigate audit`) on stderr,
 * and appends it as markdown to $GITHUB_STEP_SUMMARY when that is set.
 */
int run_audit_end(struct run_audit *ra, int status, bool fail_on_violation);

#endif
