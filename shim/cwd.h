/* SPDX-License-Identifier: MIT */
/*
 * cwd.h — the working directory, cached for relative opens: getcwd() is a
 * system call and was most of the shim's cost on `open("src/main.c")`.
 * The chdir and fchdir hooks invalidate the cache; lock-free (a sequence
 * count and a try-flag for the one writer), no allocation, safe in signal
 * handlers, between fork and exec and in vfork children.
 *
 * The cache cannot see every change of the working directory: a raw
 * chdir system call, glibc's internal ones (nftw with FTW_CHDIR), a vfork
 * child's chdir that leaves the child's directory in the shared cache, a
 * thread with a working directory of its own (unshare(CLONE_FS)), or the
 * directory renamed under the process. So a cached answer only ever
 * allows: the shim judges a relative path against the cache, and before a
 * denial it judges it again against a fresh getcwd(). A stale cache can
 * make the shim miss a denial (the supervisor makes it), never make one
 * the policy does not.
 */
#ifndef AIGATE_SHIM_CWD_H
#define AIGATE_SHIM_CWD_H

#include <stdbool.h>
#include <stddef.h>

/**
 * shim_cwd_get() - the working directory into @buf (@bufsz bytes). With
 * @fresh, or when the cache is empty, stale or being written, it comes
 * from getcwd() (and refills the cache). Returns 1 when the answer came
 * from the cache, 0 when from getcwd(), -1 when getcwd() failed. errno is
 * preserved.
 */
int shim_cwd_get(char *buf, size_t bufsz, bool fresh);

/** shim_cwd_changed() - the working directory may have changed: forget it. */
void shim_cwd_changed(void);

#endif
