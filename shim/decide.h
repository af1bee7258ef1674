/* SPDX-License-Identifier: MIT */
/*
 * decide.h — the shim's verdicts, straight from the compiled policy blob.
 * Pure: no allocation (argvmatch scratch on the stack), no locale, no I/O;
 * safe between fork and exec, in vfork children and signal handlers.
 */
#ifndef AIGATE_SHIM_DECIDE_H
#define AIGATE_SHIM_DECIDE_H

#include <stdbool.h>

#include "policy/blob.h"

/* argv words copied to judge argv[0] replaced by the path; longer argvs are judged as given. */
#define SHIM_DECIDE_ARGV0_MAX 256

/**
 * shim_decide_exec() - the index of the deny_exec rule that running @path
 * (may be NULL) with @argv (may be NULL or empty) breaks, or -1. @argv is
 * judged as given, then with argv[0] replaced by @path when they differ:
 * `execve("/usr/bin/kubectl", {"k", "delete", …})` runs `kubectl delete`.
 * Names are matched by base name, so a bare name (execvp) needs no PATH
 * walk. @envp (may be NULL) is the new program's environment: git alias
 * definitions there (GIT_CONFIG_*) count. *@ret_inv is the matching
 * invocation (its strings point into @argv, @path or @scratch, which must
 * outlive it).
 */
int shim_decide_exec(const struct policy_blob *b, const char *path, char *const argv[],
		     char *const envp[], struct argvmatch_scratch *scratch,
		     struct argvmatch_invocation *ret_inv);

/**
 * shim_decide_open() - the index of the deny_read rule matching @abs_path
 * (absolute, not necessarily normalised), or -1. @is_dir: the path is known
 * to be a directory (O_DIRECTORY). A path the matcher cannot normalise
 * (longer than PATHMATCH_PATH_MAX) is allowed: the kernel refuses it anyway
 * and the supervisor judges every open.
 */
int shim_decide_open(const struct policy_blob *b, const char *abs_path, bool is_dir);

#endif
