/* SPDX-License-Identifier: MIT */
/*
 * hooks_open.c — the POSIX open family: open, openat, creat, fopen, freopen
 * (the 64-bit and fortify variants: hooks_glibc.c). glibc's fopen opens
 * through an internal alias, never through the open symbol, so it has its
 * own hook.
 *
 * The verdict is deny_read on the absolute path: a relative path is joined
 * to the working directory (cached: cwd.h; chdir and fchdir are hooked here
 * to invalidate it) or to the directory open at dirfd, in stack buffers.
 * Every access mode is judged, as the supervisor does: a secret may be
 * neither read nor overwritten nor created.
 */
#undef _FORTIFY_SOURCE /* fortify's inline open() wrappers would clash with the hooks */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "policy/pathmatch.h"
#include "shim/cwd.h"
#include "shim/decide.h"
#include "shim/hooks.h"
#include "shim/platform.h"
#include "shim/report.h"
#include "shim/resolve.h"
#include "shim/state.h"

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int); /* __open_2, __open64_2: not variadic */
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*creat_fn)(const char *, mode_t);
typedef FILE *(*fopen_fn)(const char *, const char *);
typedef FILE *(*freopen_fn)(const char *, const char *, FILE *);
typedef int (*chdir_fn)(const char *);
typedef int (*fchdir_fn)(int);

/* The denial itself, in its own frame: the message buffers are not on the allow path's stack. */
static __attribute__((noinline)) bool report_open(const struct shim_state *st, const char *call,
						  const char *abs, int rule)
{
	char norm[PATHMATCH_PATH_MAX];
	struct shim_denial d = {
		.action = "open",
		.call = call,
		.list = POLICY_BLOB_DENY_READ,
		.rule = rule,
		.target = pathmatch_normalize(abs, norm, sizeof(norm)) >= 0 ? norm : abs,
		.err = EACCES,
	};
	return shim_report(st, &d);
}

/*
 * "..": the kernel resolves it after symlinks, a lexical join before. A
 * shim verdict that could differ from the supervisor's is not made: such
 * paths are the supervisor's alone (it denies them too, when it should).
 */
static bool has_dotdot(const char *p)
{
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if ((c == p || c[-1] == '/') && (c[2] == 0 || c[2] == '/'))
			return true;
	return false;
}

/*
 * The base a relative @path is joined to, into @base: the directory open
 * at @dirfd, or the working directory (from the cache unless @fresh).
 * Returns 1 (from the cache), 0 (fresh) or -1 (no base: not judged).
 */
static int relative_base(int dirfd, char *base, size_t basesz, bool fresh)
{
	if (dirfd != AT_FDCWD)
		return shim_plat_fd_path(dirfd, base, basesz) < 0 ? -1 : 0;
	return shim_cwd_get(base, basesz, fresh);
}

/* deny_read's rule for @path (relative to @base when not absolute), or -1. */
static int judge(const struct shim_state *st, const char *base, const char *path, bool is_dir,
		 char *abs, size_t abssz, const char **ret_judged)
{
	*ret_judged = path;
	if (path[0] != '/') {
		size_t blen = strlen(base), plen = strlen(path);
		/*
		 * "base/path" names what the lexical join names: the matcher
		 * normalises what is not normal already (decide.h), and most
		 * joins are (getcwd's answer is, and so are most names).
		 */
		if (blen + 1 + plen < abssz) {
			memcpy(abs, base, blen);
			abs[blen] = '/';
			memcpy(abs + blen + 1, path, plen + 1);
		} else if (pathmatch_join_normalize(base, path, abs, abssz) < 0) {
			return -1;
		}
		*ret_judged = abs;
	}
	return shim_decide_open_filtered(&st->blob, &st->filter, *ret_judged, is_dir);
}

bool shim_open_denied(const char *call, int dirfd, const char *path, int flags)
{
	const struct shim_state *st = shim_state();
	char base[PATHMATCH_PATH_MAX], abs[PATHMATCH_PATH_MAX];
	const char *judged = path;
	/*
	 * Only O_DIRECTORY says the path is a directory: a stat() per open
	 * would double the cost of the allow path. A dir_only rule
	 * ("secrets/") still covers everything below the directory; opening
	 * the directory itself without O_DIRECTORY is left to the supervisor.
	 */
	bool is_dir = (flags & O_DIRECTORY) != 0;
	int saved, rule, from_cache = 0;

	if (!st || !st->have_blob || !path || !*path ||
	    policy_blob_count(&st->blob, POLICY_BLOB_DENY_READ) == 0 || has_dotdot(path))
		return false;
	saved = errno;
	if (path[0] != '/') {
		/* No base to join to: allowed here, judged by the supervisor. */
		from_cache = relative_base(dirfd, base, sizeof(base), false);
		if (from_cache < 0) {
			errno = saved;
			return false;
		}
	}
	rule = judge(st, base, path, is_dir, abs, sizeof(abs), &judged);
	/*
	 * The cached working directory only ever allows (cwd.h): a denial is
	 * judged again against getcwd()'s answer, in case the directory
	 * changed where the hooks could not see it.
	 */
	if (rule >= 0 && from_cache == 1)
		rule = relative_base(dirfd, base, sizeof(base), true) < 0
			       ? -1
			       : judge(st, base, path, is_dir, abs, sizeof(abs), &judged);
	/*
	 * A name that does not exist, opened without creating it: the
	 * supervisor answers ENOENT as the kernel would (nothing was there to
	 * deny), so the shim must not turn it into a denial (a library
	 * probing for an optional .env, a CI job under --fail-on-violation).
	 */
	if (rule >= 0 && !(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE &&
	    faccessat(dirfd, path, F_OK, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) < 0 &&
	    (errno == ENOENT || errno == ENOTDIR))
		rule = -1;
	bool denied = rule >= 0 && report_open(st, call, judged, rule);
	errno = saved;
	return denied;
}

bool shim_open_mode(int flags)
{
#ifdef O_TMPFILE
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return true;
#endif
	return (flags & O_CREAT) != 0;
}

int shim_hook_open(enum shim_sym sym, const char *call, const char *path, int flags, mode_t mode)
{
	open_fn real = (open_fn)shim_real(sym);

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (shim_open_denied(call, AT_FDCWD, path, flags)) {
		errno = EACCES;
		return -1;
	}
	if (sym == SHIM_SYM_OPEN_2 || sym == SHIM_SYM_OPEN64_2)
		return ((open2_fn)(void *)real)(path, flags);
	return real(path, flags, mode);
}

int shim_hook_openat(enum shim_sym sym, const char *call, int dirfd, const char *path, int flags,
		     mode_t mode)
{
	openat_fn real = (openat_fn)shim_real(sym);

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (shim_open_denied(call, dirfd, path, flags)) {
		errno = EACCES;
		return -1;
	}
	if (sym == SHIM_SYM_OPENAT_2 || sym == SHIM_SYM_OPENAT64_2)
		return ((openat2_fn)(void *)real)(dirfd, path, flags);
	return real(dirfd, path, flags, mode);
}

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	return shim_hook_open(SHIM_SYM_OPEN, "open", path, flags, SHIM_OPEN_MODE(flags, flags));
}

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	return shim_hook_openat(SHIM_SYM_OPENAT, "openat", dirfd, path, flags,
				SHIM_OPEN_MODE(flags, flags));
}

int shim_hook_creat(enum shim_sym sym, const char *call, const char *path, mode_t mode)
{
	creat_fn real = (creat_fn)shim_real(sym);

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (shim_open_denied(call, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC)) {
		errno = EACCES;
		return -1;
	}
	return real(path, mode);
}

SHIM_EXPORT int creat(const char *path, mode_t mode)
{
	return shim_hook_creat(SHIM_SYM_CREAT, "creat", path, mode);
}

FILE *shim_hook_fopen(void *real, const char *call, const char *path, const char *mode)
{
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	if (shim_open_denied(call, AT_FDCWD, path, 0 /* fopen never passes O_DIRECTORY */)) {
		errno = EACCES;
		return NULL;
	}
	return ((fopen_fn)real)(path, mode);
}

FILE *shim_hook_freopen(void *real, const char *call, const char *path, const char *mode,
			FILE *stream)
{
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	/* freopen(NULL, mode, f) changes the mode of the open file: nothing new is opened. */
	if (path &&
	    shim_open_denied(call, AT_FDCWD, path, 0 /* fopen never passes O_DIRECTORY */)) {
		/* A failed freopen closes the stream; so does a denied one. */
		fclose(stream);
		errno = EACCES;
		return NULL;
	}
	return ((freopen_fn)real)(path, mode, stream);
}

SHIM_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return shim_hook_fopen(shim_real(SHIM_SYM_FOPEN), "fopen", path, mode);
}

SHIM_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	return shim_hook_freopen(shim_real(SHIM_SYM_FREOPEN), "freopen", path, mode, stream);
}

/*
 * chdir and fchdir: passed through, then the cached working directory is
 * forgotten (after the call, so that a relative open racing with it in
 * another thread cannot store the old directory as current: cwd.c).
 */
SHIM_EXPORT int chdir(const char *path)
{
	chdir_fn real = (chdir_fn)shim_real(SHIM_SYM_CHDIR);
	int r, saved;

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	r = real(path);
	saved = errno;
	shim_cwd_changed();
	errno = saved;
	return r;
}

SHIM_EXPORT int fchdir(int fd)
{
	fchdir_fn real = (fchdir_fn)shim_real(SHIM_SYM_FCHDIR);
	int r, saved;

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	r = real(fd);
	saved = errno;
	shim_cwd_changed();
	errno = saved;
	return r;
}
