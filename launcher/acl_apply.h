/* SPDX-License-Identifier: MIT */
/*
 * acl_apply.h — the ACL layer (docs/setup.md): `aigate deny read` gives
 * every existing file its patterns match a POSIX ACL entry
 * "group:ai-agents:---" (on a directory also in its default ACL, so files
 * created in it later carry it too); `allow read` and `reset` take it
 * away. The entry lives on the file itself, so it holds for a member of
 * the group outside the sandbox too (`aigate run --as-user`, any process
 * of that user). Written with libacl, on O_PATH|O_NOFOLLOW fds.
 *
 * An extra layer, never the only one: an ACL failure is a warning that
 * names the file and the fix, and never undoes the policy edit.
 */
#ifndef AIGATE_ACL_APPLY_H
#define AIGATE_ACL_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "launcher/config.h"

/* Directory entries one pattern's walk may examine; past it, a warning. */
#define ACL_APPLY_MAX_WALK 200000
/* Per-file warnings one command prints before it only counts them. */
#define ACL_APPLY_MAX_WARNINGS 20

enum acl_apply_op {
	ACL_APPLY_ADD,	  /* give the file the group's empty entry */
	ACL_APPLY_REMOVE, /* take the group's entry away */
	ACL_APPLY_COUNT,  /* count the files that hold the entry; change nothing */
};

struct acl_apply_stats {
	size_t matched;	 /* existing files a pattern matched */
	size_t changed;	 /* ADD/REMOVE: files whose ACL changed; COUNT: files holding the entry */
	size_t failed;	 /* files that could not be changed (each warned about, or counted) */
	bool truncated;	 /* a walk stopped at ACL_APPLY_MAX_WALK entries */
	size_t warned;	 /* warnings printed */
	size_t unwarned; /* failures past ACL_APPLY_MAX_WARNINGS */
};

/**
 * acl_apply_fd() - apply @op for the group @gid to the file behind @fd,
 * an O_PATH|O_NOFOLLOW fd (not a symlink). @umask_bits shapes the default
 * ACL a directory gets when it has none. Returns 1 changed (COUNT: the
 * entry is there), 0 nothing to do, or -errno: -EPERM (not the owner, not
 * root), -EOPNOTSUPP (the file system has no POSIX ACLs), -ELOOP (a symlink).
 */
int acl_apply_fd(int fd, gid_t gid, enum acl_apply_op op, mode_t umask_bits);

/**
 * acl_apply_patterns() - apply @op for group @group to every existing file
 * one of the deny_read @patterns matches, with `~` and the project root
 * taken from @cp. @have_gid false: the group does not exist (ADD warns per
 * file "run sudo aigate setup first"; REMOVE and COUNT do nothing). With
 * REMOVE, a file one of the @keep patterns still matches keeps its entry.
 * Walks are bounded (ACL_APPLY_MAX_WALK entries, 128 levels) and follow no
 * symlink. Warnings go to stderr; @ret (may be NULL) gets the counts.
 */
void acl_apply_patterns(const struct config_paths *cp, const char *group, bool have_gid, gid_t gid,
			enum acl_apply_op op, const char *const *patterns, size_t npatterns,
			const char *const *keep, size_t nkeep, struct acl_apply_stats *ret);

/**
 * acl_apply_after_edit() - the hook of `aigate deny read` / `allow read`
 * (@added: deny), called after the policy file was changed: looks up the
 * group from /etc/aigate/setup.conf (or the default), and for a removal
 * keeps the entries of files the global policy's remaining deny_read
 * rules still match. Only deny_read edits do anything. Prints warnings,
 * never fails.
 */
void acl_apply_after_edit(const struct config_paths *cp, const char *field, bool added,
			  char *const *values, size_t nvalues);

#endif
