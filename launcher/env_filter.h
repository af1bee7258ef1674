/* SPDX-License-Identifier: MIT */
/*
 * env_filter.h — the sandbox's environment: the caller's, minus variables
 * that reach host services or carry credentials (unless pass_env lists
 * them), minus deny_env patterns.
 */
#ifndef AIGATE_ENV_FILTER_H
#define AIGATE_ENV_FILTER_H

#include <stddef.h>

#include "policy/blob.h"

struct env_filtered {
	char **envp;	/* NULL-terminated; strings point into the caller's environ */
	char **dropped; /* names (malloc'd) of what was removed, for --dry-run and audit */
	size_t ndropped;
	size_t n;
};

/**
 * env_filter() - filter @environ with the built-in host-service list,
 * pass_env and deny_env of @b, and append AIGATE_SANDBOX=1. Returns 0 or
 * -ENOMEM. Free with env_filter_free().
 */
int env_filter(const struct policy_blob *b, char *const *environ, struct env_filtered *ret);

void env_filter_free(struct env_filtered *f);

/** env_name_matches() - does variable name @name (length @len) match @pattern ('*', '?')? */
bool env_name_matches(const char *pattern, const char *name, size_t len);

#endif
