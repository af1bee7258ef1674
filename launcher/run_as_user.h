/* SPDX-License-Identifier: MIT */
/*
 * run_as_user.h — `aigate run --as-user U`: aigate, started as root, loads
 * the policy and opens the audit trail as root, then becomes U for good
 * before the sandbox exists, so the sandbox, its supervisor and CMD all
 * run as U and the ACL layer (acl_apply.h) applies to them (docs/setup.md).
 */
#ifndef AIGATE_RUN_AS_USER_H
#define AIGATE_RUN_AS_USER_H

/**
 * run_as_user_check() - can `run --as-user @name` work at all? Called while
 * the options are parsed, before anything is loaded or opened. Returns
 * EXIT_OK, or EXIT_USAGE (2) with the reason printed: not started as root,
 * no such user (the fix: sudo aigate setup), or the user is root.
 */
int run_as_user_check(const char *name);

/**
 * run_as_user_become() - become the user @name: its groups (initgroups),
 * its gid, its uid, real, effective and saved alike; then check that root
 * cannot be regained (setuid(0) fails, no capability left). The dumpable
 * flag stays as it was before the switch (the kernel clears it on a uid
 * change; the sandbox needs it to write its uid_map, as for any user).
 * Returns EXIT_OK; EXIT_USAGE (2) as run_as_user_check() says; EXIT_SANDBOX
 * (125) when a step of the switch fails (said): the caller must then run
 * nothing.
 */
int run_as_user_become(const char *name);

#endif
