/* SPDX-License-Identifier: MIT */
/* sandbox_internal.h — helpers shared by the plan builder's files (not used outside). */
#ifndef AIGATE_SANDBOX_INTERNAL_H
#define AIGATE_SANDBOX_INTERNAL_H

#include "launcher/sandbox.h"

/* Append an operation; strings are copied. */
int sbx_add_op(struct sbx_plan *plan, enum sbx_op_kind kind, const char *path, const char *why,
	       uint32_t stub, bool optional);

/* Record a protection the plan cannot give, for the fail-closed decision in cmd_run. */
int sbx_add_gap(struct sbx_plan *plan, const char *what, const char *why);

/* Add a hide, keeping hides disjoint (nothing below a hidden directory). */
int sbx_add_hide(struct sbx_plan *plan, const char *path, bool dir, const char *why);

/* Hide the other names (hard links) of hidden files found in the project tree. */
int sbx_plan_hard_links(struct sbx_plan *plan, const char *root);

/*
 * Canonical path of an existing @path into @buf (PATH_MAX), like realpath(3)
 * but in three system calls whatever the depth (open O_PATH, readlink of
 * /proc/self/fd/N, close) instead of a readlink per component. Returns @buf,
 * or NULL (errno set).
 */
char *sbx_realpath(const char *path, char *buf);

/* Is @path @dir itself or below it (at a component boundary)? */
bool sbx_is_below_or_same(const char *path, const char *dir);

/* Is @path inside one of the plan's write roots? */
bool sbx_in_write_root(const struct sbx_plan *plan, const char *path);

/**
 * sbx_plan_protected() - inside the write roots, keep read-only what the host
 * later runs or reads as configuration: every git dir's hooks and config
 * (submodules, worktrees, core.hooksPath included), shell rc files, the
 * project's policy. Missing ones that could be created become gaps.
 */
int sbx_plan_protected(struct sbx_plan *plan, const struct config_paths *cp, bool dry_run);

/* Protect the repository whose work tree is @worktree (a .git file or dir in it), if any. */
int sbx_protect_work_tree(struct sbx_plan *plan, const char *worktree, bool dry_run);

/** sbx_plan_net() - allow_net's part of the plan (sandbox_plan_net.c). 0 or -errno. */
int sbx_plan_net(struct sbx_plan *plan);

#endif
