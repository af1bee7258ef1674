/* SPDX-License-Identifier: MIT */
/*
 * sandbox_idents.c — the (device, inode) of every file the plan hides, for
 * the supervisor: a hard link to a hidden file elsewhere (outside the
 * project, made before the start) is the same file under a name no rule
 * matches, and must get the same verdict.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "launcher/sandbox.h"
#include "launcher/supervisor.h"

/* Most files recorded under hidden directories (a huge hidden tree is still hidden by its mount). */
#define SBX_MAX_IDENTITIES 200000

static struct sup_identity *walk_ids;
static size_t walk_n, walk_cap;
static const char *walk_why;

static int add_id(const struct stat *st, const char *why)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	if (walk_n == walk_cap) {
		if (walk_cap >= SBX_MAX_IDENTITIES)
			return 1; /* stop the walk; the mount still hides the rest */
		size_t cap = walk_cap ? walk_cap * 2 : 64;
		struct sup_identity *n = realloc(walk_ids, cap * sizeof(*n));
		if (!n)
			return -1;
		walk_ids = n;
		walk_cap = cap;
	}
	walk_ids[walk_n++] = (struct sup_identity){ st->st_dev, st->st_ino, why };
	return 0;
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	return add_id(st, walk_why);
}

int sbx_denied_identities(const struct sbx_plan *plan, struct sup_identity **ret, size_t *ret_n)
{
	walk_ids = NULL;
	walk_n = walk_cap = 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct sbx_op *op = &plan->ops[i];
		struct stat st;
		int r = 0;
		if (op->kind == SBX_HIDE_FILE && stat(op->path, &st) == 0) {
			r = add_id(&st, op->why);
		} else if (op->kind == SBX_HIDE_DIR) {
			walk_why = op->why;
			r = nftw(op->path, walk_one, 16, FTW_PHYS | FTW_MOUNT);
		}
		if (r < 0) {
			free(walk_ids);
			return -ENOMEM;
		}
	}
	*ret_n = sup_identity_sort(walk_ids, walk_n);
	*ret = walk_ids;
	return 0;
}
