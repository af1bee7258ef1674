/* SPDX-License-Identifier: MIT */
/*
 * landlock.h — the fallback rungs' kernel-side write confinement
 * (docs/fallback.md). Without a mount namespace nothing can be made
 * read-only by mounts; Landlock (Linux 5.13+) lets an unprivileged process
 * confine itself and everything it starts. aigate builds the ruleset (write
 * roots only: reads stay allowed, the supervisor judges them) and CMD
 * enforces it on itself just before its seccomp filter.
 */
#ifndef AIGATE_LANDLOCK_H
#define AIGATE_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * landlock_ruleset_build() - a ruleset for ABI @abi (>= 1) that lets the
 * sandbox create, remove, write and truncate files only below @write_roots
 * (directories; a missing one is skipped), write (not create) device files
 * below /dev, and, from ABI 6, neither signal nor reach the abstract unix
 * sockets of processes outside its domain. With @net (allow_net) and ABI
 * 4, TCP connects are handled too: none is allowed until
 * landlock_allow_connect() adds a port. Returns the ruleset fd (O_CLOEXEC)
 * or -errno; *@ret_skipped counts write roots that do not exist.
 */
int landlock_ruleset_build(const char *const *write_roots, size_t n, int abi, bool net,
			   size_t *ret_skipped);

/**
 * landlock_allow_connect() - let the sandbox connect to TCP @port (any
 * address) under @ruleset_fd, built with @net and ABI >= 4. 0 or -errno.
 */
int landlock_allow_connect(int ruleset_fd, uint16_t port);

/**
 * landlock_enforce() - confine the calling process (and all it starts) by
 * @ruleset_fd. no_new_privs must already be set. Async-signal-safe.
 * Returns 0 or -errno.
 */
int landlock_enforce(int ruleset_fd);

/** landlock_abi() - the running kernel's Landlock ABI version, 0 when unavailable. */
int landlock_abi(void);

#endif
