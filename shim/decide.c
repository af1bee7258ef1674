/* SPDX-License-Identifier: MIT */
/* decide.c — see decide.h. */
#include <string.h>

#include "shim/decide.h"

int shim_decide_exec(const struct policy_blob *b, const char *path, char *const argv[],
		     char *const envp[], struct argvmatch_scratch *scratch,
		     struct argvmatch_invocation *ret_inv)
{
	/* The environment the new program gets: git reads alias definitions from it. */
	const char *const *env = (const char *const *)envp;
	const char *only[2] = { path, NULL };
	size_t argc = 0;
	int r;

	if (policy_blob_count(b, POLICY_BLOB_DENY_EXEC) == 0)
		return -1;
	while (argv && argv[argc])
		argc++;
	if (argc == 0) {
		/* No argv at all: only the program itself can be judged. */
		if (!path)
			return -1;
		return policy_blob_match_exec_env(b, only, 1, env, scratch, ret_inv);
	}
	r = policy_blob_match_exec_env(b, (const char *const *)argv, argc, env, scratch, ret_inv);
	if (r >= 0 || !path || argc > SHIM_DECIDE_ARGV0_MAX || strcmp(path, argv[0]) == 0)
		return r;
	/*
	 * `exec -a k kubectl delete`: what runs is the path, whatever argv[0]
	 * says. Compared whole, not by base name: a rule "/opt/bin/tool"
	 * names the path as written.
	 */
	const char *copy[SHIM_DECIDE_ARGV0_MAX];
	copy[0] = path;
	memcpy(copy + 1, argv + 1, (argc - 1) * sizeof(copy[0]));
	return policy_blob_match_exec_env(b, copy, argc, env, scratch, ret_inv);
}

int shim_decide_open(const struct policy_blob *b, const char *abs_path, bool is_dir)
{
	int r;

	if (policy_blob_count(b, POLICY_BLOB_DENY_READ) == 0)
		return -1;
	r = policy_blob_match_path(b, POLICY_BLOB_DENY_READ, abs_path, is_dir);
	return r >= 0 ? r : -1;
}
