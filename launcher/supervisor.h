/* SPDX-License-Identifier: MIT */
/*
 * supervisor.h — the seccomp user-notification supervisor: a process of
 * its own, forked from the launcher before the sandbox runs CMD, outside
 * every namespace of the sandbox (nothing inside can see, signal or trace
 * it), non-dumpable. CMD installs the filter (sup_filter.h) and sends the
 * listener fd over a socket; from then on every trapped system call of the
 * sandbox is decided here. If this process dies, the kernel fails every
 * trapped call and the launcher stops the sandbox (exit 125).
 */
#ifndef AIGATE_SUPERVISOR_H
#define AIGATE_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy/blob.h"

struct egress_config;
struct mask_set;

/* A file hidden at start, by identity: a hard link elsewhere must get the same verdict. */
struct sup_identity {
	dev_t dev;
	ino_t ino;
	const char *why; /* the rule and its origin, for the audit record */
};

/* A file the plan hides by overmounting it: any open of that path is a denial. */
struct sup_hidden {
	const char *path;
	const char *why;
	bool dir; /* a hidden directory (fallback rungs only): everything below it too */
};

/* A mount of the plan, as the fast path needs to know it. */
struct sup_mount {
	const char *path;
	bool writable;
};

struct supervisor_config {
	const struct policy_blob *blob;
	struct sup_identity *denied; /* sorted by sup_identity_sort() */
	size_t ndenied;
	int sock;     /* the end of the socket CMD sends the listener fd on */
	int audit_fd; /* records go here (-1: none) */
	/*
	 * The plan's mounts, in the order they were made: the writable ones
	 * (write roots, /tmp, /dev/shm) and read-only ones inside them; the
	 * rest of the tree is read-only. Only then (@fast) may the supervisor
	 * answer CONTINUE where it proves the kernel sees what it judged.
	 */
	const struct sup_mount *mounts;
	size_t nmounts;
	/*
	 * The hidden files by path: what resolves to one of them is the empty
	 * overmount, which no deny_read rule needs to match (aigate's own audit
	 * log in the project): denied and recorded, not read as empty.
	 */
	const struct sup_hidden *hidden;
	size_t nhidden;
	bool fast;
	/*
	 * The sandbox's init (the launcher's child, so its pid stays ours until
	 * the launcher reaps it): killed when the audit log fails (on_error fail).
	 */
	pid_t sandbox_init;
	int shim_fd; /* the shim's audit socket, receiving end (-1: none); sup_shim.c */
	/*
	 * allow_net: the egress's settings. init sends its listeners on @sock
	 * before CMD sends the filter's; the supervisor serves them (egress.h).
	 */
	const struct egress_config *egress;
	/*
	 * ... and in the fallback rungs (@flat), where no init inside makes
	 * them, the HTTP and SOCKS listeners aigate made on the host's
	 * 127.0.0.1 (-1: none). There is no DNS stub: names resolve in the proxy.
	 */
	int flat_egress_fds[2];
	int close_fds[2]; /* aigate's own descriptors the supervisor must not keep (-1: none) */
	/*
	 * mask_stdout: the denial lines on aigate's stderr name what the sandbox
	 * asked for (a DNS name, a path), which it chooses: masked too.
	 */
	const struct mask_set *mask;
	/*
	 * The fallback rungs (no user or mount namespace, docs/fallback.md):
	 * nothing is overmounted and the supervisor carries out opens, renames
	 * and links with aigate's own rights, outside Landlock's domain. So it
	 * judges every write it makes itself: @flat_paths are the write roots
	 * (writable) and, inside them, what must stay read-only (.git/hooks,
	 * rc files, hidden files and directories); the deepest entry covering
	 * a path decides, and no entry means read-only. /proc/PID of a process
	 * outside the sandbox's tree is refused (no PID namespace hides it).
	 */
	bool flat;
	const struct sup_mount *flat_paths;
	size_t nflat_paths;
};

/* The supervisor's exit status when the audit log could not be written (audit.on_error: fail). */
#define SUP_EXIT_AUDIT 75
/* ... when allow_net's egress could not start (its listeners missing, no thread). */
#define SUP_EXIT_EGRESS 76

/** sup_identity_sort() - sort @ids for the supervisor's binary search; drops duplicates. */
size_t sup_identity_sort(struct sup_identity *ids, size_t n);

/**
 * supervisor_start() - fork the supervisor process. It waits on @cfg->sock
 * for the listener fd (EOF: the sandbox never got that far; it exits 0)
 * and serves notifications until the listener has no users left. Returns
 * the child's pid, or -errno.
 */
pid_t supervisor_start(const struct supervisor_config *cfg);

/**
 * supervisor_send_listener() - in CMD, after installing the filter: hand
 * @listener to the supervisor over @sock. Async-signal-safe. Returns 0 or -errno.
 */
int supervisor_send_listener(int sock, int listener);

#endif
