/* SPDX-License-Identifier: MIT */
/*
 * envp.h — LD_PRELOAD re-injection. Every exec the shim lets through gets
 * an environment that loads the shim again: LD_PRELOAD naming the shim
 * (first in the list) and the AIGATE_SHIM_* variables with this
 * process's values, even when the program passes an empty environment
 * (`env -i`) or one it rebuilt. The new array lives on the caller's stack
 * (a variable-length array sized by the environment, at most SHIM_ENVP_MAX
 * entries; a larger environment is passed as it is: the supervisor still
 * judges every exec). Pure: no allocation, no I/O, async-signal-safe.
 */
#ifndef AIGATE_SHIM_ENVP_H
#define AIGATE_SHIM_ENVP_H

#include <stdbool.h>
#include <stddef.h>

/* Entries of an environment the shim rebuilds; past it, it is passed as is. */
#define SHIM_ENVP_MAX 4096
/* Longest LD_PRELOAD entry the shim builds. */
#define SHIM_ENVP_LD_MAX 8192

/* What every child's environment must hold. Empty strings (net_entry: or NULL): not added. */
struct shim_envp_want {
	const char *path_entry;	  /* "AIGATE_SHIM_PATH=/…/libaigate_shim.so" */
	const char *policy_entry; /* "AIGATE_SHIM_POLICY_FD=3" */
	const char *audit_entry;  /* "AIGATE_SHIM_AUDIT_FD=4" */
	const char *shim_path;	  /* "/…/libaigate_shim.so": nothing is added without it */
	const char *net_entry;	  /* "AIGATE_SHIM_NET_FD=5" (NULL or "": none) */
};

/**
 * shim_envp_plan() - does @envp (NULL: empty) need rebuilding? Returns 0
 * when it can be passed as is (complete already, nothing known to add, or
 * too large to rebuild), otherwise the number of pointers (the final NULL
 * included) shim_envp_build() needs, with the LD_PRELOAD entry's size
 * (NUL included; 0 when the existing entry is kept) in *@ret_ld_size.
 */
size_t shim_envp_plan(const struct shim_envp_want *w, char *const envp[], size_t *ret_ld_size);

/**
 * shim_envp_build() - the rebuilt environment in @out (@slots pointers, as
 * shim_envp_plan() said), the LD_PRELOAD entry written into @ld (@ldsz
 * bytes). Entries of @envp are reused, never copied. Returns @out.
 */
char *const *shim_envp_build(const struct shim_envp_want *w, char *const envp[], char **out,
			     size_t slots, char *ld, size_t ldsz);

/** shim_envp_has_preload() - does the LD_PRELOAD value @list name @path as one element? */
bool shim_envp_has_preload(const char *list, const char *path);

typedef int (*shim_envp_fn)(void *ctx, char *const envp[]);

/**
 * shim_envp_call() - call @fn(@ctx, env) with @envp, rebuilt on this stack
 * frame when it needs to be; returns what @fn returns.
 */
int shim_envp_call(const struct shim_envp_want *w, char *const envp[], shim_envp_fn fn, void *ctx);

#endif
