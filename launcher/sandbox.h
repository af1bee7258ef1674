/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h — `aigate run`'s sandbox, bubblewrap style: the whole setup is
 * first built as an ordered list of operations (the plan, which
 * `--dry-run` prints and tests inspect), then executed in one place in the
 * child. Building the plan reads the file system (what exists, what matches
 * deny_read, where denied commands live) and allocates; executing it only
 * makes system calls, so it is safe after clone().
 */
#ifndef AIGATE_SANDBOX_H
#define AIGATE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "launcher/config.h"
#include "launcher/env_filter.h"
#include "launcher/limits.h"
#include "policy/blob.h"

struct mask_set;

enum sbx_op_kind {
	SBX_PRIVATE_ROOT,  /* no mount event propagates back to the host */
	SBX_READONLY_ROOT, /* every mount read-only and nosuid, recursively */
	SBX_PROC,	   /* a fresh /proc for the new PID namespace */
	SBX_TMPFS,	   /* a private, writable tmpfs (/tmp, /dev/shm) */
	SBX_BIND_RW,	   /* a write root: bind onto itself, read-write */
	SBX_BIND_RO,	   /* inside a write root, but never writable (.git/hooks, rc files) */
	SBX_HIDE_FILE,	   /* overmount with an empty read-only file */
	SBX_HIDE_DIR,	   /* overmount with an empty read-only tmpfs */
	SBX_STUB,	   /* overmount an executable with the deny stub */
	SBX_FILE,	   /* overmount a file with content of ours (stubs[stub]): resolv.conf */
};

struct sbx_op {
	enum sbx_op_kind kind;
	char *path;    /* absolute */
	char *why;     /* rule text and origin, or the reason, for --dry-run */
	uint32_t stub; /* SBX_STUB, SBX_FILE: index into plan->stubs */
	bool optional; /* a failure is not fatal (e.g. /dev/shm missing) */
};

struct sbx_stub {
	char *image; /* the patched deny stub executable */
	size_t size;
};

/* A protection the plan cannot give: "<what> cannot be enforced in this build (it <why>)". */
struct sbx_gap {
	char *what;
	char *why;
};

#define SBX_MAX_ENV_OWNED 12

struct sbx_plan {
	struct sbx_op *ops;
	size_t n, cap;
	struct sbx_stub *stubs;
	size_t nstubs;
	struct env_filtered env;
	char cwd[PATH_MAX];
	uid_t uid;
	gid_t gid;
	struct sbx_gap
		*gaps; /* protections this plan cannot give: run refuses without --allow-degraded */
	size_t ngaps;
	size_t walked; /* directory entries examined for deny_read */
	char **nested; /* work trees of repositories found by the walk */
	size_t nnested;
	char **linked; /* symlinked directories' targets already walked */
	size_t nlinked;
	/* Environment strings made after init was cloned (shim_env.c): copied into its arena. */
	char *env_owned[SBX_MAX_ENV_OWNED];
	size_t nenv_owned;
	/* Descriptors CMD keeps across exec (the shim's policy memfd and audit socket). */
	int inherit_fds[3]; /* the shim's: policy, audit socket, DNS answers */
	size_t ninherit;
	/* allow_net: a network namespace of its own; the egress's names (for --dry-run). */
	bool net;
	uint32_t net_names;
	/* resource_limits' per-process fallbacks, which CMD sets itself (limits_plan_add()). */
	struct limits_rlimits rlimits;
	/* The fallback rungs (sbx_flat_prepare()): nothing mounted; a private TMPDIR. */
	bool flat;
	char *flat_tmpdir;
	/* ... and with allow_net (sbx_flat_net()): the egress's listeners, if nflat_egress_fds is 2. */
	int flat_egress_fds[2];
	size_t nflat_egress_fds;
	bool flat_landlock_net; /* the Landlock ruleset handles TCP connects (ABI 4) */
};

/* Most bind operations (write roots and protected paths) in one plan. */
#define SBX_MAX_BINDS 256

/* Most directory entries examined for deny_read matches before refusing. */
#define SBX_MAX_WALK 2000000

/**
 * sbx_plan_build() - the plan for @b under @cp: read-only root, fresh /proc,
 * private /tmp and /dev/shm, write roots (the project root and allow_write),
 * protected paths inside them, every existing deny_read match and the config
 * dir hidden, every executable of a whole-command deny_exec rule stubbed, the
 * filtered environment. Missing allow_write directories under home (whose
 * parent exists) are created, except with @dry_run, which changes nothing.
 * Returns 0, or -errno with the reason printed.
 */
int sbx_plan_build(struct sbx_plan *plan, const struct policy_blob *b,
		   const struct config_paths *cp, char *const *environ, bool dry_run);

/**
 * sbx_plan_keep_file() - make the host's file @path visible, read-only, at
 * the same path inside, where the sandbox's private /tmp or /dev/shm would
 * cover it (a build below /tmp: the shim). Returns 0 or -errno.
 */
int sbx_plan_keep_file(struct sbx_plan *plan, const char *path, const char *why);

/**
 * sbx_plan_hide_file() - also hide @path (a file aigate writes, such as
 * the audit log in the project) inside the sandbox: unreadable, unwritable,
 * not removable (a mount point). Returns 0 or -errno.
 */
int sbx_plan_hide_file(struct sbx_plan *plan, const char *path, const char *why);

/** sbx_plan_print() - the plan, readably (aigate run --dry-run). */
void sbx_plan_print(const struct sbx_plan *plan, FILE *f);

/** sbx_plan_free() - free everything the plan owns. Accepts a zeroed plan. */
void sbx_plan_free(struct sbx_plan *plan);

/**
 * sbx_mount_early() - the operations every plan starts with and that need
 * no plan (private propagation, a read-only root, a fresh /proc): init runs
 * them while the launcher is still building the plan. sbx_mount_execute()
 * skips them. System calls only. Returns 0 or -errno.
 */
int sbx_mount_early(void);

/**
 * sbx_mount_execute() - run the rest of the plan's mount operations. Called
 * in the sandbox's init, inside its new user and mount namespaces, with
 * CAP_SYS_ADMIN there. Async-signal-safe: system calls only, no allocation.
 * Returns 0, or -errno with *@ret_failed set to the failing operation.
 */
int sbx_mount_execute(const struct sbx_plan *plan, const struct sbx_op **ret_failed);

struct sbx_handle;
struct sup_identity;
struct sup_mount;

/**
 * sbx_flat_prepare() - read @plan for the fallback rungs (sandbox_flat.c):
 * make the private TMPDIR and, with @landlock_abi >= 1, the Landlock
 * ruleset of the plan's write roots (*@ret_ruleset, else -1). Returns 0 or
 * -errno; sbx_flat_cleanup() undoes it either way.
 */
int sbx_flat_prepare(struct sbx_plan *plan, int landlock_abi, int *ret_ruleset);

/**
 * sbx_flat_paths() - the supervisor's write roots and read-only paths in
 * the fallback rungs (supervisor_config.flat_paths), pointing into @plan.
 * Returns 0 with a malloc'd array, or -ENOMEM.
 */
int sbx_flat_paths(const struct sbx_plan *plan, struct sup_mount **ret, size_t *ret_n);

/**
 * sbx_flat_net() - allow_net in the fallback rungs, once init is cloned
 * (it must not hold them): the HTTP and SOCKS listeners on the host's
 * 127.0.0.1 at ports the kernel picks, the proxy variables naming them,
 * and, in the Landlock ruleset @ruleset (-1: none) made with the ABI's
 * network rules, TCP connects to those ports alone. 0 or -errno.
 */
int sbx_flat_net(struct sbx_plan *plan, int ruleset);

/** sbx_flat_cleanup() - remove the private TMPDIR and all in it, close the listeners (after the run). */
void sbx_flat_cleanup(struct sbx_plan *plan);

/**
 * sbx_denied_identities() - the (device, inode) of every regular file the
 * plan hides (files, and files under hidden directories, up to a cap), for
 * the supervisor, sorted. Returns 0 with a malloc'd array, or -ENOMEM.
 */
int sbx_denied_identities(const struct sbx_plan *plan, struct sup_identity **ret, size_t *ret_n);

/* What the supervisor needs beyond the plan. */
struct sbx_supervision {
	const struct policy_blob *blob;
	int audit_fd;			    /* -1: no audit trail */
	int shim_fd;			    /* the shim's audit socket, receiving end (-1: none) */
	const struct egress_config *egress; /* allow_net: the egress's settings (else NULL) */
	const struct mask_set *mask;	    /* mask_stdout (mask_stream.h), with sbx_start(mask) */
	unsigned mask_delay_ms;
	const struct limits *limits; /* resource_limits (limits.h); NULL: none */
};

/**
 * sbx_start() - create the sandbox's namespaces for @argv (NULL-terminated,
 * run later) right away, so that init's fixed steps (id maps, a session of
 * its own, sbx_mount_early()) overlap with the caller building the plan.
 * With @net (allow_net), in a network namespace of its own with loopback
 * only (sandbox_net.h). With @mask (mask_stdout), CMD's stdout and stderr
 * that do not go to the pty get pipes to aigate's relay (run_mask.h). init then waits for sbx_commit() or sbx_abort(). Opens the pty when there
 * is a terminal. Returns 0 with *@ret; -ECANCELED when something else
 * failed (already printed); or clone's -errno, nothing printed: -EPERM,
 * -ENOSPC, -EUSERS, -EINVAL mean user namespaces are not available here,
 * anything else (-EAGAIN, -ENOMEM) is a resource failure.
 */
int sbx_start(char *const *argv, bool net, bool mask, struct sbx_handle **ret);

/**
 * sbx_start_flat() - the same for the fallback rungs, where no namespace
 * can be created (docs/fallback.md): init and CMD are plain children,
 * init a child subreaper; nothing is mounted (the plan's operations are
 * the supervisor's and Landlock's business); CMD confines itself with the
 * Landlock ruleset @landlock_fd (-1: none) before its seccomp filter. With
 * @net (allow_net), the sandbox's sockets stay the host's, and the filter
 * sends every connect and listen to the supervisor (sup_net.c). Only
 * the processes started from here on are killed at the end. Returns as
 * sbx_start().
 */
int sbx_start_flat(char *const *argv, bool net, bool mask, int landlock_fd,
		   struct sbx_handle **ret);

/** sbx_abort() - end a started sandbox that will not run (the plan failed or is refused). */
void sbx_abort(struct sbx_handle *h);

/**
 * sbx_commit() - hand @plan to the waiting init, which executes it, locks it
 * and runs CMD; relay the terminal and signals until it exits. Frees @h.
 * Returns aigate's exit status: CMD's own, 128+N for a signal, 126/127 when
 * it cannot be run, 125 when the sandbox cannot be built (reason printed).
 */
int sbx_commit(struct sbx_handle *h, const struct sbx_plan *plan, const struct sbx_supervision *sv);

#endif
