/* SPDX-License-Identifier: MIT */
/*
 * state.h — what the shim knows about its sandbox: the compiled policy
 * (mapped once from AIGATE_SHIM_POLICY_FD), the audit socket, the
 * descriptor of the DNS stub's answers, and the
 * environment entries it puts back into every child. Built in two steps,
 * without locks or allocation, immutable afterwards: what needs the
 * process's environment and descriptors as they were at start (the
 * variables, the mapping, the socket's identity) by the constructor, and
 * what only needs memory (validating the blob, the deny_read hints) by the
 * first hook that needs it; a hook that runs before the constructor does
 * both.
 */
#ifndef AIGATE_SHIM_STATE_H
#define AIGATE_SHIM_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/blob.h"
#include "shim/decide.h"
#include "shim/envp.h"

/* Longest AIGATE_SHIM_PATH kept (with its "NAME=" prefix). */
#define SHIM_STATE_PATH_MAX 4096
/* "AIGATE_SHIM_POLICY_FD=" and a decimal int. */
#define SHIM_STATE_FD_ENTRY_MAX 40

struct shim_state {
	struct policy_blob blob;
	bool have_blob;	 /* false: no usable policy, everything is allowed */
	const void *map; /* the sealed blob as mapped, not validated (NULL: none) */
	size_t map_size;
	int audit_fd;				 /* -1: no audit socket, denials are only printed */
	unsigned long long audit_dev, audit_ino; /* what audit_fd was when checked */
	int net_fd; /* the DNS stub's answers (-1: none; mapped on the first connect) */
	/*
	 * Environment entries for re-injection ("" when unknown). The short
	 * ones first: what the constructor writes stays on as few pages as
	 * possible (a first write to a page is a fault every process pays).
	 */
	char policy_entry[SHIM_STATE_FD_ENTRY_MAX];
	char audit_entry[SHIM_STATE_FD_ENTRY_MAX];
	char net_entry[SHIM_STATE_FD_ENTRY_MAX];
	struct shim_envp_want want; /* points into the entries */
	char path_entry[SHIM_STATE_PATH_MAX];
	struct shim_decide_filter filter; /* deny_read hints (decide.h), when have_blob */
};

/**
 * shim_state() - the process's state, built on first call. Returns NULL
 * when the shim must do nothing at all (a setuid, setgid or file-capability
 * process). Preserves errno. Async-signal-safe once built; the first call
 * maps the policy (fcntl, fstat, mmap).
 */
const struct shim_state *shim_state(void);

/**
 * shim_state_prepare() - the constructor's part of shim_state(): read the
 * variables, map the policy, note the audit socket's identity, before the
 * program can clear its environment or close descriptors. Idempotent;
 * errno preserved.
 */
void shim_state_prepare(void);

/**
 * shim_state_build() - fill @st from the environment variables of
 * shim/shim_protocol.h (@getenv_fn looks them up) and validate the policy.
 * Never fails: what is missing or broken is left out.
 */
void shim_state_build(struct shim_state *st, const char *(*getenv_fn)(const char *name));

#endif
