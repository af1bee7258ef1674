/* SPDX-License-Identifier: MIT */
/*
 * sandbox_links.c — hard links to hidden files. An overmount hides a path,
 * not a file: `ln .env notes.txt` made before the run would still show the
 * secret under the other name. When a hidden file (or a file inside a
 * hidden directory) has more than one link, the project tree is walked
 * again and every other name of it is hidden too. Links outside the
 * project cannot be found without scanning the whole file system; the
 * seccomp supervisor judges opens by (device, inode) for those.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/sandbox_internal.h"

#define LINKS_MAX      4096  /* linked hidden files tracked */
#define LINKS_DIR_SCAN 10000 /* entries examined inside one hidden directory */

struct linked {
	dev_t dev;
	ino_t ino;
	const char *path; /* the hidden name, for --dry-run */
};

struct link_set {
	struct linked items[LINKS_MAX];
	size_t n;
	size_t scanned;
	bool overflow; /* more linked files than tracked: a gap, not a pass */
};

/* Takes ownership of @path (malloc'd, may be NULL on ENOMEM: then nothing is noted). */
static void note_file(struct link_set *set, char *path, const struct stat *st)
{
	if (!path || !S_ISREG(st->st_mode) || st->st_nlink < 2 || set->n >= LINKS_MAX) {
		set->overflow =
			set->overflow || (path && S_ISREG(st->st_mode) && st->st_nlink >= 2);
		free(path);
		return;
	}
	set->items[set->n++] = (struct linked){ st->st_dev, st->st_ino, path };
}

/* Linked files inside a hidden directory (bounded: ~/.ssh, ~/.aws are small). */
static void scan_hidden_dir(struct link_set *set, const char *dir, unsigned depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (depth > 16 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (set->scanned++ >= LINKS_DIR_SCAN) {
			set->overflow = true;
			break;
		}
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
			    sizeof(path) ||
		    lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			scan_hidden_dir(set, path, depth + 1);
		else
			note_file(set, strdup(path), &st);
	}
	closedir(d);
}

static const struct linked *find(const struct link_set *set, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->items[i].dev == dev && set->items[i].ino == ino)
			return &set->items[i];
	return NULL;
}

static int walk_links(struct sbx_plan *plan, const struct link_set *set, const char *dir,
		      unsigned depth)
{
	char path[PATH_MAX], why[PATH_MAX + 64];
	struct dirent *de;
	struct stat dst;
	int r = 0;

	if (depth > 128)
		return 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d || fstat(fd, &dst) < 0) {
		if (d)
			closedir(d);
		else
			close(fd);
		return 0;
	}
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (de->d_type == DT_DIR) {
			size_t len = strlen(path);
			bool hidden = false;
			for (size_t i = 0; i < plan->n && !hidden; i++)
				hidden = plan->ops[i].kind == SBX_HIDE_DIR &&
					 sbx_is_below_or_same(path, plan->ops[i].path);
			if (!hidden && !(len >= 12 && !strcmp(path + len - 12, "/.git/objects")))
				r = walk_links(plan, set, path, depth + 1);
			continue;
		}
		/* d_ino is the inode for ordinary file systems; lstat confirms (device too). */
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		struct stat st;
		const struct linked *l = NULL;
		for (size_t i = 0; i < set->n && !l; i++)
			if (set->items[i].ino == de->d_ino)
				l = &set->items[i];
		if (!l || lstat(path, &st) < 0 || !(l = find(set, st.st_dev, st.st_ino)))
			continue;
		if (strcmp(l->path, path) == 0)
			continue;
		/* The supervisor denies opening it under this why (rule text, origin). */
		snprintf(why, sizeof(why), "deny_read \"hard link to %s\" (built-in)", l->path);
		r = sbx_add_hide(plan, path, false, why);
	}
	closedir(d);
	return r;
}

int sbx_plan_hard_links(struct sbx_plan *plan, const char *root)
{
	struct link_set *set = calloc(1, sizeof(*set));
	int r = 0;

	if (!set)
		return -ENOMEM;
	size_t nops = plan->n;
	for (size_t i = 0; i < nops; i++) {
		struct stat st;
		const struct sbx_op *op = &plan->ops[i];
		/* Secrets deny_read hides; not the session sockets or aigate's own dir. */
		if (strncmp(op->why, "deny_read", 9) != 0)
			continue;
		if (op->kind == SBX_HIDE_FILE && lstat(op->path, &st) == 0)
			note_file(set, strdup(op->path), &st);
		else if (op->kind == SBX_HIDE_DIR)
			scan_hidden_dir(set, op->path, 0);
	}
	if (set->n)
		r = walk_links(plan, set, root, 0);
	if (r == 0 && set->overflow)
		r = sbx_add_gap(plan, "hard links to hidden files",
				"are too many to track: other names of them could stay readable");
	for (size_t i = 0; i < set->n; i++)
		free((char *)set->items[i].path);
	free(set);
	return r;
}
