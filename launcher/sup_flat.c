/* SPDX-License-Identifier: MIT */
/*
 * sup_flat.c — the supervisor's share of the fallback rungs (no user or
 * mount namespace; docs/fallback.md). With namespaces, the kernel keeps
 * what the supervisor does inside the sandbox's read-only mounts: an open
 * it makes through /proc/PID/root meets the same EROFS the caller would.
 * Without them nothing is mounted, and Landlock confines the sandbox's
 * processes but not the supervisor, which carries out their opens,
 * renames and links with aigate's own rights. Left unchecked, a sandboxed
 * `echo x >~/.bashrc` would be written by the supervisor, past Landlock.
 * So the supervisor holds itself to the same write roots, and to what
 * must stay read-only inside them, by resolved path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/sup_internal.h"

/* Is @path @dir itself or below it (component-wise)? */
static bool covers(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(dir, path, n) == 0 && (path[n] == 0 || path[n] == '/');
}

bool sup_flat_write_denied(const struct sup *s, const char *real, bool removes, char *rule,
			   size_t rsz, char *origin, size_t osz, int *ret_err)
{
	if (!s->flat)
		return false;
	/* The deepest entry covering @real decides; the later one on a tie (plan order). */
	const struct sup_mount *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < s->nflat_paths; i++) {
		const struct sup_mount *m = &s->flat_paths[i];
		size_t n = strlen(m->path);
		if (covers(m->path, real) && (!best || n >= best_len)) {
			best = m;
			best_len = n;
		}
	}
	snprintf(origin, osz, "%s", "built-in");
	if (!best) {
		snprintf(rule, rsz, "%s", "allow_write (outside every write root)");
		*ret_err = EACCES;
		return true;
	}
	if (!best->writable) {
		snprintf(rule, rsz, "read-only inside the write roots: %s", best->path);
		*ret_err = EROFS;
		return true;
	}
	/*
	 * Moving or removing a directory that holds a protected path would let
	 * the agent put its own `.git` (hooks, config) where the host's git
	 * looks; with namespaces the protected path is a mount point (EBUSY).
	 */
	for (size_t i = 0; removes && i < s->nflat_paths; i++) {
		const struct sup_mount *m = &s->flat_paths[i];
		if (!m->writable && covers(real, m->path) && strcmp(real, m->path) != 0) {
			snprintf(rule, rsz, "holds a read-only path: %s", m->path);
			*ret_err = EBUSY;
			return true;
		}
	}
	return false;
}

bool sup_holds_protected(const struct sup *s, const char *real, char *which, size_t size)
{
	const struct sup_mount *list = s->flat ? s->flat_paths : s->mounts;
	size_t n = s->flat ? s->nflat_paths : s->nmounts;
	for (size_t i = 0; i < n; i++)
		if (!list[i].writable && covers(real, list[i].path) &&
		    strcmp(real, list[i].path) != 0) {
			snprintf(which, size, "%s", list[i].path);
			return true;
		}
	return false;
}

/* The parent of @pid from /proc/PID/stat, or -1. */
static long parent_of(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* The name may hold ") ": the state and ppid follow the last one. */
	const char *p = strrchr(buf, ')');
	long ppid = -1;
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

bool sup_flat_pid_inside(const struct sup *s, long pid)
{
	if (!s->flat)
		return true;
	/*
	 * No PID namespace: /proc shows every process of the user, and the
	 * supervisor (same uid) could open their environ or mem for the
	 * caller. Only the sandbox's own tree is its business. init is a
	 * child subreaper, so orphans stay below it; the walk is bounded.
	 */
	if (pid == s->init_pid)
		return false; /* aigate's, outside Landlock's domain */
	for (int depth = 0; depth < 4096 && pid > 1; depth++) {
		pid = parent_of(pid);
		if (pid == s->init_pid)
			return true;
	}
	return false;
}
