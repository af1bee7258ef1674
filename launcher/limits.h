/* SPDX-License-Identifier: MIT */
/*
 * limits.h — resource_limits (max_memory, max_cpu_percent, max_pids) for
 * the whole sandbox, not one process (docs/limits.md).
 *
 * Which mechanism enforces each limit is decided first, by a pure function
 * of what the host offers (limits_decide(), unit-tested): a cgroup v2
 * subtree delegated to us, else cgroup v1 hierarchies (root), else a
 * kernel-backed fallback, else nothing: a gap, which makes `run` refuse
 * (125) unless --allow-degraded. Then, per run:
 *
 *	limits_plan(&lim, blob, own_userns)	probe the host, decide, set the rlimits
 *	limits_plan_add(&lim, &plan)		the rlimits CMD sets; gaps join the plan's
 *	lim.audit				the session_start record's "limits"
 *	clone ... init waits for "go"
 *	limits_start(&lim, init, &run)		create the cgroups, attach init, start the watcher
 *	write "go"				CMD: limits_child_apply(&plan->rlimits)
 *	run loop ... init reaped
 *	limits_finish(run)			kill leftovers, say and record what was hit, rmdir
 *
 * Files: limits.c (the decision, names, messages: pure), limits_cgroup.c
 * (cgroup v1/v2: probe, create, attach, read, remove), limits_watch.c (the
 * memory watcher, start and finish of a run).
 */
#ifndef AIGATE_LIMITS_H
#define AIGATE_LIMITS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy/blob.h"

struct sbx_plan;

/* In the policy's order (resource_limits: max_memory, max_cpu_percent, max_pids). */
enum limits_kind { LIMITS_MEMORY, LIMITS_CPU, LIMITS_PIDS, LIMITS_NKINDS };

/* Controllers, as bits of struct limits_host's masks. */
#define LIMITS_CTL_MEMORY (1u << LIMITS_MEMORY)
#define LIMITS_CTL_CPU	  (1u << LIMITS_CPU)
#define LIMITS_CTL_PIDS	  (1u << LIMITS_PIDS)
#define LIMITS_CTL_ALL	  (LIMITS_CTL_MEMORY | LIMITS_CTL_PIDS | LIMITS_CTL_CPU)

enum limits_mech {
	LIMITS_UNSET = 0, /* the policy does not ask for it */
	LIMITS_CGROUP2,	  /* a child of a delegated cgroup v2 */
	LIMITS_CGROUP1,	  /* cgroup v1 hierarchies (root) */
	LIMITS_FALLBACK,  /* memory: RLIMIT_DATA + aigate's watcher; pids: RLIMIT_NPROC */
	LIMITS_GAP,	  /* asked for, cannot be enforced here */
};

/* What the host offers. features.c and limits_host_probe() fill it; tests fill it by hand. */
struct limits_host {
	unsigned cgroup2; /* LIMITS_CTL_* a delegated cgroup v2 subtree lets us enable */
	unsigned cgroup1; /* LIMITS_CTL_* with a cgroup v1 hierarchy mounted (usable as root) */
	bool root;	  /* aigate runs as uid 0 of the initial user namespace */
	bool own_userns; /* the sandbox gets a user namespace of its own (not the no-userns rung) */
};

/* The decision for one limit. Strings are static. */
struct limits_choice {
	enum limits_mech mech;
	const char *name; /* "cgroup v2", "cgroup v1", "fallback: …"; NULL when unset or a gap */
	const char *why;  /* a gap: why it cannot be enforced (completes "it …") */
	const char *fix;  /* a gap: what makes it enforceable on this host */
};

/**
 * limits_decide() - pure: for each limit @want[kind] asks for, the
 * mechanism @host allows, by preference cgroup v2 > cgroup v1 (root) >
 * fallback > gap. Fallbacks: max_memory always has one (RLIMIT_DATA and
 * the watcher); max_pids has RLIMIT_NPROC unless aigate runs as uid 0
 * (the kernel exempts INIT_USER, and uid 0 inside maps to it);
 * max_cpu_percent has none.
 */
void limits_decide(const struct limits_host *host, const bool want[LIMITS_NKINDS],
		   struct limits_choice ret[LIMITS_NKINDS]);

/** limits_kind_name() - "max_memory", "max_pids", "max_cpu_percent". */
const char *limits_kind_name(enum limits_kind kind);

/**
 * limits_format_bytes() - @v readably into @buf: "256 MiB", "4 GiB",
 * "1536 KiB", "1000 bytes" (exact: the largest unit that divides it).
 */
void limits_format_bytes(uint64_t v, char *buf, size_t n);

/**
 * limits_nproc_value() - pure: the RLIMIT_NPROC CMD sets for @max_pids.
 * In a user namespace of its own only the sandbox's tasks count, and init
 * (outside CMD's namespace) is one of them: @max_pids - 1 (at least 1).
 * Without: the real uid's tasks now (@user_tasks) plus @max_pids (approximate).
 */
unsigned long limits_nproc_value(uint32_t max_pids, bool own_userns, unsigned long user_tasks);

/* What CMD applies to itself (inherited by everything it starts). 0: leave as is. */
struct limits_rlimits {
	unsigned long nproc; /* RLIMIT_NPROC (max_pids' fallback) */
	unsigned long data;  /* RLIMIT_DATA (max_memory's fallback, per process) */
};

/**
 * limits_child_apply() - in CMD after clone, once it is in its own user
 * namespace: set @rl. Async-signal-safe (setrlimit only). 0 or -errno.
 */
int limits_child_apply(const struct limits_rlimits *rl);

/**
 * limits_configure() - pure: fill @lim's values, host, decision, rlimits
 * and audit pairs for the policy's @max_memory (bytes), @max_cpu_percent
 * and @max_pids (0: unset) on @host; @user_tasks as for
 * limits_nproc_value(). Leaves @lim->cg alone.
 */
struct limits;
void limits_configure(struct limits *lim, const struct limits_host *host, uint64_t max_memory,
		      uint32_t max_cpu_percent, uint32_t max_pids, unsigned long user_tasks);

/* Where the cgroups of a run go (limits_cgroup.c fills it). */
struct limits_cgroups {
	char v2_base[PATH_MAX]; /* the delegated cgroup v2 directory; "" without */
	bool v2_self_inside;	/* aigate itself is in v2_base: move to a leaf before enabling */
	/* Per controller (enum limits_kind): its v1 hierarchy's mount + our own cgroup there. */
	char v1_dir[LIMITS_NKINDS][PATH_MAX];
};

/* A run's limits: the policy's values, the host, the decision, what it takes. */
struct limits {
	uint64_t max_memory;
	uint32_t max_pids, max_cpu_percent;
	struct limits_host host;
	struct limits_choice choice[LIMITS_NKINDS];
	struct limits_rlimits rlimits;
	struct limits_cgroups cg;
	/* The audit records' rule origin: the policy's files (the blob keeps no line for a limit). */
	char origin[512];
	/* The session_start record's "limits": key, mechanism, …, NULL (set limits only). */
	const char *audit[2 * LIMITS_NKINDS + 1];
};

/**
 * limits_host_probe() - what this host offers aigate now (cgroup v2
 * delegation, including AIGATE_CGROUP; v1 hierarchies; root), with the
 * directories into @ret_cg (may be NULL). Reads /proc and /sys only;
 * changes nothing. Never fails: what cannot be read is not offered.
 */
void limits_host_probe(bool own_userns, struct limits_host *ret, struct limits_cgroups *ret_cg);

/**
 * limits_plan() - the limits of policy @b for a sandbox with
 * (@own_userns) or without a user namespace of its own: probe, decide,
 * and the rlimits CMD will set. Nothing is created yet. 0 or -errno.
 */
int limits_plan(struct limits *lim, const struct policy_blob *b, bool own_userns);

/**
 * limits_plan_add() - @lim's share of the sandbox @plan: the rlimits CMD
 * sets itself (plan->rlimits, copied to the sandbox with the plan), and
 * each limit that cannot be enforced as a gap
 * ("resource_limits.max_cpu_percent": why, and the fix) for run's
 * fail-closed check. 0 or -ENOMEM.
 */
int limits_plan_add(const struct limits *lim, struct sbx_plan *plan);

/**
 * limits_doctor() - for `aigate doctor`: which mechanism each limit would
 * get on this host (a sandbox with @own_userns), one line each, with the
 * fix for those that would be gaps. Writes to @out.
 */
void limits_doctor(FILE *out, bool own_userns);

/* Exit status of a run that max_memory stopped: like a process the OOM killer killed. */
#define LIMITS_EXIT_MEMORY 137

struct limits_run;

/**
 * limits_start() - for a sandbox whose init (@init_pid, a child of ours,
 * waiting for "go") is not running CMD yet: create the run's cgroups,
 * write the limits, attach init (so everything CMD starts is inside from
 * its first instruction), and start the memory watcher when max_memory
 * needs it (a thread that blocks every signal). With nothing that needs
 * a cgroup or the watcher, *@ret is NULL. Returns 0, or -errno with the
 * file and the error printed, and nothing left behind (fail closed).
 */
int limits_start(const struct limits *lim, pid_t init_pid, struct limits_run **ret);

/**
 * limits_finish() - after init was reaped: stop the watcher, kill what is
 * left in the cgroups and remove them, say (one line) and record (one
 * audit record each) a max_memory stop and a max_pids refusal. Frees
 * @run (NULL: nothing to do, returns 0). Returns LIMITS_EXIT_MEMORY when
 * max_memory stopped the sandbox, else 0.
 */
int limits_finish(struct limits_run *run);

#endif
