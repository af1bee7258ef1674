/* SPDX-License-Identifier: MIT */
/*
 * limits.c — which mechanism enforces each resource limit (see limits.h,
 * docs/limits.md): a pure decision over what the host offers, the names
 * the audit trail and `doctor` show, and the rlimits CMD sets itself.
 * Nothing here touches the system except limits_child_apply().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "launcher/limits.h"

static const char *const kind_names[LIMITS_NKINDS] = {
	[LIMITS_MEMORY] = "max_memory",
	[LIMITS_CPU] = "max_cpu_percent",
	[LIMITS_PIDS] = "max_pids",
};

const char *limits_kind_name(enum limits_kind kind)
{
	return (unsigned)kind < LIMITS_NKINDS ? kind_names[kind] : "?";
}

#define NAME_MEMORY_FALLBACK "fallback: RLIMIT_DATA per process and aigate's memory watcher"
#define NAME_NPROC_USERNS    "fallback: RLIMIT_NPROC in the sandbox's user namespace"
#define NAME_NPROC_USER	     "fallback: RLIMIT_NPROC of the user (approximate)"

/* Gaps: "<limit> cannot be enforced (it <why>)", then the fix. */
#define WHY_CPU_USER                                                                               \
	"needs a cgroup's cpu controller, and this user has none: no delegated cgroup v2 subtree " \
	"offers it, cgroup v1 needs root, and nothing else can cap CPU time"
#define WHY_CPU_ROOT                                                                        \
	"needs a cgroup's cpu controller, and neither a cgroup v2 subtree nor a cgroup v1 " \
	"hierarchy offers it here"
#define WHY_PIDS_ROOT                                                                        \
	"needs a cgroup's pids controller, and neither a cgroup v2 subtree nor a cgroup v1 " \
	"hierarchy offers it here; its fallback, RLIMIT_NPROC, does not bind uid 0 (the "    \
	"kernel exempts root)"
#define FIX_ROOT_OR_V2                                                                      \
	"run aigate as root (it then uses cgroup v1), or set AIGATE_CGROUP to a cgroup v2 " \
	"directory delegated to you"
#define FIX_SCOPE                                                                        \
	"start aigate in a delegated systemd user scope (systemd-run --user --scope -p " \
	"Delegate=yes aigate run …), or set AIGATE_CGROUP to a cgroup v2 directory "   \
	"delegated to you"
#define FIX_ROOT                                                                             \
	"mount the controller's cgroup v1 hierarchy, or enable the controller in cgroup v2 " \
	"and set AIGATE_CGROUP to a cgroup below it"

void limits_decide(const struct limits_host *host, const bool want[LIMITS_NKINDS],
		   struct limits_choice ret[LIMITS_NKINDS])
{
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		unsigned bit = 1u << k;
		struct limits_choice *c = &ret[k];

		memset(c, 0, sizeof(*c));
		if (!want[k])
			continue;
		/* The kernel counts and enforces the whole sandbox, exactly: always first. */
		if (host->cgroup2 & bit) {
			c->mech = LIMITS_CGROUP2;
			c->name = "cgroup v2";
			continue;
		}
		/* v1 hierarchies belong to root: an ordinary user cannot create cgroups there. */
		if (host->root && (host->cgroup1 & bit)) {
			c->mech = LIMITS_CGROUP1;
			c->name = "cgroup v1";
			continue;
		}
		switch (k) {
		case LIMITS_MEMORY:
			/* Per-process rlimit plus a sum over the sandbox: works for everyone. */
			c->mech = LIMITS_FALLBACK;
			c->name = NAME_MEMORY_FALLBACK;
			break;
		case LIMITS_PIDS:
			/*
			 * copy_process() lets tasks of INIT_USER (kuid 0) fork past
			 * RLIMIT_NPROC; uid 0 inside the sandbox is kuid 0 when
			 * aigate runs as root, so the limit would not bind.
			 */
			if (host->root) {
				c->mech = LIMITS_GAP;
				c->why = WHY_PIDS_ROOT;
				c->fix = FIX_ROOT;
			} else {
				c->mech = LIMITS_FALLBACK;
				c->name = host->own_userns ? NAME_NPROC_USERNS : NAME_NPROC_USER;
			}
			break;
		case LIMITS_CPU:
		default:
			c->mech = LIMITS_GAP;
			c->why = host->root ? WHY_CPU_ROOT : WHY_CPU_USER;
			c->fix = host->root		 ? FIX_ROOT
				 : (host->cgroup1 & bit) ? FIX_ROOT_OR_V2
							 : FIX_SCOPE;
			break;
		}
	}
}

unsigned long limits_nproc_value(uint32_t max_pids, bool own_userns, unsigned long user_tasks)
{
	/*
	 * Since Linux 5.14 RLIMIT_NPROC is checked against the count of tasks
	 * per (user namespace, real uid) (kernel/ucount.c). CMD's nested
	 * namespace holds CMD and everything it starts; init sits one level
	 * up and is a task of the sandbox too.
	 */
	if (own_userns)
		return max_pids > 1 ? (unsigned long)max_pids - 1 : 1;
	return user_tasks + max_pids;
}

void limits_configure(struct limits *lim, const struct limits_host *host, uint64_t max_memory,
		      uint32_t max_cpu_percent, uint32_t max_pids, unsigned long user_tasks)
{
	bool want[LIMITS_NKINDS] = { [LIMITS_MEMORY] = max_memory != 0,
				     [LIMITS_CPU] = max_cpu_percent != 0,
				     [LIMITS_PIDS] = max_pids != 0 };
	size_t n = 0;

	lim->max_memory = max_memory;
	lim->max_cpu_percent = max_cpu_percent;
	lim->max_pids = max_pids;
	lim->host = *host;
	limits_decide(host, want, lim->choice);
	memset(&lim->rlimits, 0, sizeof(lim->rlimits));
	if (lim->choice[LIMITS_PIDS].mech == LIMITS_FALLBACK)
		lim->rlimits.nproc = limits_nproc_value(max_pids, host->own_userns, user_tasks);
	/*
	 * RLIMIT_DATA, not RLIMIT_AS: it caps what a process can make
	 * writable (brk, private writable mappings, mprotect of a reserved
	 * range) without counting address space that is only reserved — V8's
	 * and WebAssembly's guard regions, Go's and the JVM's heap
	 * reservations — which RLIMIT_AS would count and break.
	 */
	if (lim->choice[LIMITS_MEMORY].mech == LIMITS_FALLBACK)
		lim->rlimits.data = max_memory;
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		if (!want[k])
			continue;
		lim->audit[n++] = kind_names[k];
		lim->audit[n++] = lim->choice[k].name ? lim->choice[k].name : "none (not enforced)";
	}
	lim->audit[n] = NULL;
}

void limits_format_bytes(uint64_t v, char *buf, size_t n)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;
	while (v && v % 1024 == 0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%llu %s", (unsigned long long)v, units[u]);
}

/* Lower @res to @v, soft and hard, unless it is already lower (raising a hard limit needs privilege). */
static int lower_rlimit(int res, unsigned long v)
{
	struct rlimit r;
	if (getrlimit(res, &r) < 0)
		return -errno;
	if (r.rlim_max != RLIM_INFINITY && r.rlim_max < v)
		v = r.rlim_max;
	r.rlim_cur = r.rlim_max = v;
	return setrlimit(res, &r) < 0 ? -errno : 0;
}

int limits_child_apply(const struct limits_rlimits *rl)
{
	int r;
	if (rl->nproc && (r = lower_rlimit(RLIMIT_NPROC, rl->nproc)) < 0)
		return r;
	if (rl->data && (r = lower_rlimit(RLIMIT_DATA, rl->data)) < 0)
		return r;
	return 0;
}
