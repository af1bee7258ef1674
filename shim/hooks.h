/* SPDX-License-Identifier: MIT */
/*
 * hooks.h — the cores the exported hooks share. hooks_exec.c and
 * hooks_open.c define the POSIX entry points, hooks_glibc.c the ones only
 * glibc has (execvpe, execveat, open64, the __open*_2 fortify variants,
 * fopen64, …): a macOS port keeps the first two and drops the third.
 *
 * Every hook: pure pass-through in a secure (setuid) process or without a
 * policy; on a denial the line and the record (report.h), then -1/EACCES
 * (posix_spawn*: EACCES returned; system(): status 126; popen, fopen*,
 * freopen*: NULL/EACCES); on the allow path errno untouched until the real
 * call. No malloc, no stdio, no locks on the exec path.
 */
#ifndef AIGATE_SHIM_HOOKS_H
#define AIGATE_SHIM_HOOKS_H

#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "shim/envp.h"
#include "shim/resolve.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

/**
 * shim_exec_denied() - judge running @path (may be NULL) with @argv for the
 * entry point @call; on a denial report it and return true. errno kept.
 * @named: @path is what the caller named (not a descriptor's path): when
 * it contains a '/' and does not exist, nothing is denied and the real call
 * fails with ENOENT as it would natively. Shells walk PATH themselves with
 * one execve per directory; without this each of them would be a denial.
 */
bool shim_exec_denied(const char *call, const char *path, char *const argv[], char *const envp[],
		      bool named);

/**
 * shim_exec_common() - what every exec hook with an environment does:
 * ENOSYS without the real function (@have_real), pass-through in a secure
 * process, judge @path/@argv as @call (shim_exec_denied(), @named), then
 * @fn(@ctx, env) with the environment re-injected (envp.h).
 */
int shim_exec_common(const char *call, const char *path, bool named, char *const argv[],
		     char *const envp[], bool have_real, shim_envp_fn fn, void *ctx);

/** shim_hook_execve() - execve(@path, @argv, @envp) judged as @call, env re-injected. */
int shim_hook_execve(const char *call, const char *path, char *const argv[], char *const envp[]);

/** shim_hook_execvpe() - the same with a PATH search (glibc's execvpe). */
int shim_hook_execvpe(const char *call, const char *file, char *const argv[], char *const envp[]);

/**
 * shim_open_denied() - judge opening @path relative to @dirfd (AT_FDCWD:
 * the working directory) with @flags for @call; on a denial report it and
 * return true. errno kept. A relative path whose base cannot be found
 * (getcwd fails, a dirfd with no path) is allowed: the supervisor judges.
 */
bool shim_open_denied(const char *call, int dirfd, const char *path, int flags);

/** shim_open_mode() - does @flags take a mode argument (O_CREAT, O_TMPFILE)? */
bool shim_open_mode(int flags);

/*
 * SHIM_OPEN_MODE() - the mode argument of a variadic open-style hook whose
 * last named parameter is @last: read only when @flags say there is one.
 */
#define SHIM_OPEN_MODE(flags, last)                            \
	({                                                     \
		mode_t mode_ = 0;                              \
		if (shim_open_mode(flags)) {                   \
			va_list ap_;                           \
			va_start(ap_, last);                   \
			mode_ = (mode_t)va_arg(ap_, unsigned); \
			va_end(ap_);                           \
		}                                              \
		mode_;                                         \
	})

/** shim_hook_open() - open-like real symbol @sym judged as @call. */
int shim_hook_open(enum shim_sym sym, const char *call, const char *path, int flags, mode_t mode);

/** shim_hook_openat() - openat-like real symbol @sym judged as @call. */
int shim_hook_openat(enum shim_sym sym, const char *call, int dirfd, const char *path, int flags,
		     mode_t mode);

/** shim_hook_creat() - creat-like real symbol @sym judged as @call. */
int shim_hook_creat(enum shim_sym sym, const char *call, const char *path, mode_t mode);

/** shim_hook_fopen() - fopen-like @real (fopen, fopen64) judged as @call. */
FILE *shim_hook_fopen(void *real, const char *call, const char *path, const char *mode);

/** shim_hook_freopen() - freopen-like @real judged as @call; a denial closes @stream, as a failed freopen does. */
FILE *shim_hook_freopen(void *real, const char *call, const char *path, const char *mode,
			FILE *stream);

/** shim_hook_spawn() - posix_spawn-like @real judged as @call; returns EACCES on a denial. */
int shim_hook_spawn(void *real, const char *call, pid_t *pid, const char *path,
		    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		    char *const argv[], char *const envp[]);

#endif
