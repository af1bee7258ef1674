/* SPDX-License-Identifier: MIT */
/*
 * features.h — probe the kernel features aigate builds on, without side
 * effects on the caller (every probe that changes process state runs in a
 * short-lived child), and derive the enforcement level `run` gets.
 */
#ifndef AIGATE_FEATURES_H
#define AIGATE_FEATURES_H

#include <stdbool.h>

enum features_level {
	FEATURES_FULL = 1,	      /* user, mount, PID, network namespaces + supervisor + shim */
	FEATURES_NO_USERNS = 2,	      /* supervisor + Landlock + shim */
	FEATURES_SUPERVISOR_ONLY = 3, /* supervisor + shim */
	FEATURES_NONE = 4,	      /* no seccomp user notification: nothing kernel-side */
};

struct features {
	bool userns;  /* an unprivileged user namespace can be created */
	bool mountns; /* ... with a mount namespace inside it */
	bool pidns;
	bool netns;
	bool seccomp_notif;	  /* SECCOMP_RET_USER_NOTIF is available */
	bool notif_sync_wakeup;	  /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is accepted */
	int landlock_abi;	  /* 0: none */
	bool cgroup2_delegated;	  /* a delegated cgroup v2 subtree offers memory, pids or cpu */
	bool cgroup1_controllers; /* root, with cpu, memory, pids v1 hierarchies writable */
	bool memfd_seal;
	char userns_hint[256]; /* what blocks user namespaces, if known */
};

/** features_probe() - fill @f. Never fails: an error reads as "not available". */
void features_probe(struct features *f);

/** features_level() - the enforcement level @f allows. */
enum features_level features_level(const struct features *f);

/** features_level_name() - "full", "no user namespaces", … */
const char *features_level_name(enum features_level level);

#endif
