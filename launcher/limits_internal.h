/* SPDX-License-Identifier: MIT */
/* limits_internal.h — what limits_cgroup.c and limits_watch.c share (not used outside). */
#ifndef AIGATE_LIMITS_INTERNAL_H
#define AIGATE_LIMITS_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "launcher/limits.h"

/* One cgroup directory a run made: a v2 cgroup, or one v1 hierarchy's. */
struct limits_cgdir {
	char path[PATH_MAX];
	unsigned ctls; /* LIMITS_CTL_* it enforces */
	bool v2;
};

struct limits_cgrun {
	struct limits_cgdir dir[LIMITS_NKINDS];
	size_t n;
};

/**
 * limits_cg_create() - create the run's cgroups for every limit @lim
 * gives to cgroup v1 or v2, write the limits, attach @init_pid. Returns 0;
 * or -errno with the file and error printed and nothing left (init, if
 * it was attached, is killed first: the caller aborts the run anyway).
 */
int limits_cg_create(const struct limits *lim, pid_t init_pid, struct limits_cgrun *cg);

/** limits_cg_remove() - kill whatever is left in the run's cgroups, then remove them. */
void limits_cg_remove(struct limits_cgrun *cg);

/** limits_cg_find() - the directory enforcing @kind, or NULL. */
const struct limits_cgdir *limits_cg_find(const struct limits_cgrun *cg, enum limits_kind kind);

/**
 * limits_cg_counter() - the number after "@key " in @file of @dir
 * ("oom_kill" in memory.events); 0 when absent or unreadable.
 */
unsigned long limits_cg_counter(const struct limits_cgdir *dir, const char *file, const char *key);

/** limits_read_small() - read at most @n - 1 bytes of @path, NUL-terminated. Length or -errno. */
ssize_t limits_read_small(const char *path, char *buf, size_t n);

#endif
