/* SPDX-License-Identifier: MIT */
/*
 * resolve.h — the real (libc) definitions of the hooked functions, looked
 * up on first use and cached: hooks can run before the shim's constructor
 * (another library's constructor calling fopen()), so nothing may depend on
 * it. Lookups are lock-free (one atomic pointer per symbol: two threads
 * racing both look up and store the same address) and never allocate.
 */
#ifndef AIGATE_SHIM_RESOLVE_H
#define AIGATE_SHIM_RESOLVE_H

enum shim_sym {
	SHIM_SYM_EXECVE,
	SHIM_SYM_EXECVPE,
	SHIM_SYM_EXECVEAT,
	SHIM_SYM_FEXECVE,
	SHIM_SYM_POSIX_SPAWN,
	SHIM_SYM_POSIX_SPAWNP,
	SHIM_SYM_SYSTEM,
	SHIM_SYM_POPEN,
	SHIM_SYM_OPEN,
	SHIM_SYM_OPEN64,
	SHIM_SYM_OPENAT,
	SHIM_SYM_OPENAT64,
	SHIM_SYM_CREAT,
	SHIM_SYM_CREAT64,
	SHIM_SYM_OPEN_2,
	SHIM_SYM_OPEN64_2,
	SHIM_SYM_OPENAT_2,
	SHIM_SYM_OPENAT64_2,
	SHIM_SYM_FOPEN,
	SHIM_SYM_FOPEN64,
	SHIM_SYM_FREOPEN,
	SHIM_SYM_FREOPEN64,
	SHIM_SYM_CHDIR,
	SHIM_SYM_FCHDIR,
	SHIM_SYM_CONNECT,
	SHIM_NSYMS,
};

/**
 * shim_real() - the next definition of symbol @id (libc's), or NULL when
 * the C library has none (the hook then fails with ENOSYS). Resolved once.
 */
void *shim_real(enum shim_sym id);

/** shim_resolve_all() - resolve every symbol now (from the constructor). */
void shim_resolve_all(void);

#endif
