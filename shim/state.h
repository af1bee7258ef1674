/* SPDX-License-Identifier: MIT */
/*
 * state.h — what the shim knows about its sandbox: the compiled policy
 * (mapped once from AIGATE_SHIM_POLICY_FD), the audit socket, and the
 * environment entries it puts back into every child. Built lazily by the
 * first hook that needs it (or the constructor, whichever comes first),
 * without locks or allocation; immutable afterwards.
 */
#ifndef AIGATE_SHIM_STATE_H
#define AIGATE_SHIM_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/blob.h"
#include "shim/envp.h"

/* Longest AIGATE_SHIM_PATH kept (with its "NAME=" prefix). */
#define SHIM_STATE_PATH_MAX 4096
/* "AIGATE_SHIM_POLICY_FD=" and a decimal int. */
#define SHIM_STATE_FD_ENTRY_MAX 40

struct shim_state {
	struct policy_blob blob;
	bool have_blob; /* false: no usable policy, everything is allowed */
	int audit_fd;	/* -1: no audit socket, denials are only printed */
	unsigned long long audit_dev, audit_ino; /* what audit_fd was when checked */
	/* Environment entries for re-injection ("" when unknown). */
	char path_entry[SHIM_STATE_PATH_MAX];
	char policy_entry[SHIM_STATE_FD_ENTRY_MAX];
	char audit_entry[SHIM_STATE_FD_ENTRY_MAX];
	struct shim_envp_want want; /* points into the entries above */
};

/**
 * shim_state() - the process's state, built on first call. Returns NULL
 * when the shim must do nothing at all (a setuid, setgid or file-capability
 * process). Preserves errno. Async-signal-safe once built; the first call
 * maps the policy (fcntl, fstat, mmap).
 */
const struct shim_state *shim_state(void);

/**
 * shim_state_build() - fill @st from the environment variables of
 * shim/shim_protocol.h (@getenv_fn looks them up; getenv in the shim, a
 * table in unit tests). Never fails: what is missing or broken is left out.
 */
void shim_state_build(struct shim_state *st, const char *(*getenv_fn)(const char *name));

#endif
