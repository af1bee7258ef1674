/* SPDX-License-Identifier: MIT */
/*
 * hooks_glibc.c — the entry points only glibc (and Linux) have: execvpe
 * (and through it execvp and execlp, which must search PATH with a
 * re-injected environment), execveat, open64, openat64, creat64, the
 * _FORTIFY_SOURCE variants __open_2, __open64_2, __openat_2,
 * __openat64_2 (what `open(p, O_RDONLY)` compiles to under -O2
 * -D_FORTIFY_SOURCE), fopen64, freopen64. A macOS port drops this file.
 */
#undef _FORTIFY_SOURCE /* fortify's inline open() wrappers would clash with the hooks */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "policy/pathmatch.h"
#include "shim/hooks.h"
#include "shim/platform.h"
#include "shim/resolve.h"
#include "shim/state.h"

/* Declared by <fcntl.h> only under _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);

struct execvpe_ctx {
	execvpe_fn real;
	const char *file;
	char *const *argv;
};

static int call_execvpe(void *ctx, char *const envp[])
{
	const struct execvpe_ctx *c = ctx;
	return c->real(c->file, c->argv, envp);
}

int shim_hook_execvpe(const char *call, const char *file, char *const argv[], char *const envp[])
{
	struct execvpe_ctx c = { (execvpe_fn)shim_real(SHIM_SYM_EXECVPE), file, argv };

	/* argvmatch matches command names, so the PATH walk is not needed to judge. */
	return shim_exec_common(call, file, true, argv, envp, c.real != NULL, call_execvpe, &c);
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return shim_hook_execvpe("execvpe", file, argv, envp);
}

struct execveat_ctx {
	execveat_fn real;
	int dirfd;
	const char *path;
	char *const *argv;
	int flags;
};

static int call_execveat(void *ctx, char *const envp[])
{
	const struct execveat_ctx *c = ctx;
	return c->real(c->dirfd, c->path, c->argv, envp, c->flags);
}

/* The absolute path execveat() runs, into @buf; NULL when it cannot be told. */
static const char *execveat_target(int dirfd, const char *path, int flags, char *buf, size_t bufsz)
{
	char base[PATHMATCH_PATH_MAX];

	if (!path)
		return NULL;
	if (!*path && (flags & AT_EMPTY_PATH))
		return shim_plat_fd_path(dirfd, buf, bufsz) > 0 ? buf : NULL;
	if (path[0] == '/')
		return path;
	if (dirfd == AT_FDCWD ? !getcwd(base, sizeof(base))
			      : shim_plat_fd_path(dirfd, base, sizeof(base)) < 0)
		return path; /* still judged by its base name */
	return pathmatch_join_normalize(base, path, buf, bufsz) >= 0 ? buf : path;
}

SHIM_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
			 int flags)
{
	struct execveat_ctx c = { (execveat_fn)shim_real(SHIM_SYM_EXECVEAT), dirfd, path, argv,
				  flags };
	char target[PATHMATCH_PATH_MAX];
	const char *t = execveat_target(dirfd, path, flags, target, sizeof(target));

	/* AT_EMPTY_PATH: the descriptor's path, not a name the caller chose to look up. */
	return shim_exec_common("execveat", t, t == path || (t == target && *path), argv, envp,
				c.real != NULL, call_execveat, &c);
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	return shim_hook_open(SHIM_SYM_OPEN64, "open64", path, flags, SHIM_OPEN_MODE(flags, flags));
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	return shim_hook_openat(SHIM_SYM_OPENAT64, "openat64", dirfd, path, flags,
				SHIM_OPEN_MODE(flags, flags));
}

SHIM_EXPORT int creat64(const char *path, mode_t mode)
{
	return shim_hook_creat(SHIM_SYM_CREAT64, "creat64", path, mode);
}

/* The fortify variants take no mode: glibc aborts them with O_CREAT. */
SHIM_EXPORT int __open_2(const char *path, int flags)
{
	return shim_hook_open(SHIM_SYM_OPEN_2, "__open_2", path, flags, 0);
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	return shim_hook_open(SHIM_SYM_OPEN64_2, "__open64_2", path, flags, 0);
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return shim_hook_openat(SHIM_SYM_OPENAT_2, "__openat_2", dirfd, path, flags, 0);
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return shim_hook_openat(SHIM_SYM_OPENAT64_2, "__openat64_2", dirfd, path, flags, 0);
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return shim_hook_fopen(shim_real(SHIM_SYM_FOPEN64), "fopen64", path, mode);
}

SHIM_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	return shim_hook_freopen(shim_real(SHIM_SYM_FREOPEN64), "freopen64", path, mode, stream);
}
