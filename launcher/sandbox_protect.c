/* SPDX-License-Identifier: MIT */
/*
 * sandbox_protect.c — inside the write roots, what must stay read-only
 * because the host will run it or read it as configuration later: every
 * git dir's hooks and config (the main repository, worktrees, submodules,
 * core.hooksPath), shell rc files, and the project's own policy file. An
 * agent that plants a pre-commit hook, a core.fsmonitor command or a line
 * in ~/.bash_profile runs code on the host after the sandbox is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/rc_files.h"
#include "launcher/sandbox_internal.h"
#include "policy/util.h"

static bool planned(const struct sbx_plan *plan, enum sbx_op_kind kind, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->ops[i].kind == kind && strcmp(plan->ops[i].path, path) == 0)
			return true;
	return false;
}

/*
 * Pin every directory between the write root holding @path and @path: a
 * mount point cannot be renamed (EBUSY), so the agent cannot move `.git`
 * or `.git/modules/x` aside and put a directory of its own, with its own
 * hooks and config, where the host's git will look. Pins are plain
 * writable binds of a directory onto itself, added before anything below
 * them is mounted.
 */
static int pin_ancestors(struct sbx_plan *plan, const char *path)
{
	char buf[PATH_MAX];
	const char *root = NULL;
	size_t rootlen = 0;

	for (size_t i = 0; i < plan->n; i++) {
		const struct sbx_op *op = &plan->ops[i];
		if (op->kind == SBX_BIND_RW && sbx_is_below_or_same(path, op->path) &&
		    strlen(op->path) >= rootlen) {
			root = op->path;
			rootlen = strlen(op->path);
		}
	}
	if (!root || util_strlcpy(buf, path, sizeof(buf)) < 0)
		return 0;
	for (size_t i = rootlen + 1; buf[i]; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (!planned(plan, SBX_BIND_RW, buf)) {
			int r = sbx_add_op(plan, SBX_BIND_RW, buf, "pinned: cannot be renamed away",
					   0, false);
			if (r < 0)
				return r;
		}
		buf[i] = '/';
	}
	return 0;
}

/*
 * Bind @path read-only when it exists. A symlink in a writable directory
 * could be replaced by the agent: its target is protected (when writable)
 * and the link itself is a gap.
 */
static int protect_existing(struct sbx_plan *plan, const char *path, const char *why)
{
	struct stat st;
	int r;
	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		char real[PATH_MAX];
		if (sbx_realpath(path, real) && sbx_in_write_root(plan, real) &&
		    (r = protect_existing(plan, real, why)) < 0)
			return r;
		return sbx_add_gap(plan, path,
				   "is a symlink in a writable directory: it could be replaced by "
				   "one of the sandbox's");
	}
	if (planned(plan, SBX_BIND_RO, path))
		return 0;
	if ((r = pin_ancestors(plan, path)) < 0)
		return r;
	return sbx_add_op(plan, SBX_BIND_RO, path, why, 0, false);
}

/*
 * A hooks directory that does not exist yet would let the agent create one
 * full of hooks. git creates it itself (`git init`), so creating the empty
 * directory is no placeholder of ours; with --dry-run we only say so.
 */
static int protect_hooks_dir(struct sbx_plan *plan, const char *path, bool dry_run)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (dry_run)
			return sbx_add_op(
				plan, SBX_BIND_RO, path,
				"git hooks: run by the host's git later (created when run)", 0,
				false);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return sbx_add_gap(plan, path,
					   "needs a git hooks directory aigate cannot create");
	}
	return protect_existing(plan, path, "git hooks: run by the host's git later");
}

/* core.hooksPath in a git config file: a plain scan, enough for the forms git writes. */
static bool read_hooks_path(const char *config, char *buf, size_t bufsz)
{
	char line[PATH_MAX + 64];
	bool in_core = false, found = false;
	FILE *f = fopen(config, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			in_core = strncasecmp(s, "[core]", 6) == 0;
			continue;
		}
		if (!in_core || strncasecmp(s, "hookspath", 9) != 0)
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			continue;
		for (eq++; *eq == ' ' || *eq == '\t' || *eq == '"'; eq++)
			;
		eq[strcspn(eq, "\"\r\n")] = '\0';
		snprintf(buf, bufsz, "%s", eq);
		found = true;
	}
	fclose(f);
	return found;
}

/* Protect one git dir: its config, hooks, worktree config, hooksPath, and its submodules'. */
static int protect_git_dir(struct sbx_plan *plan, const char *gitdir, const char *worktree,
			   bool dry_run, unsigned depth)
{
	char path[PATH_MAX * 2], hp[PATH_MAX];
	int r;

	if (depth > 8)
		return sbx_add_gap(plan, gitdir, "nests submodules deeper than aigate follows");
	/* The git dir itself is pinned: `mv .git .git-old; mkdir .git` would dodge every bind below. */
	if ((r = pin_ancestors(plan, gitdir)) < 0)
		return r;
	if (!planned(plan, SBX_BIND_RW, gitdir) &&
	    (r = sbx_add_op(plan, SBX_BIND_RW, gitdir, "pinned: cannot be renamed away", 0,
			    false)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/config", gitdir);
	if ((r = protect_existing(plan, path,
				  "git config: aliases, hooksPath, fsmonitor run on the host")) < 0)
		return r;
	/* core.hooksPath from the repository's config, else the user's or the system's. */
	char home_cfg[PATH_MAX + 32], xdg_cfg[PATH_MAX + 32];
	const char *home = getenv("HOME") ? getenv("HOME") : "";
	snprintf(home_cfg, sizeof(home_cfg), "%s/.gitconfig", home);
	snprintf(xdg_cfg, sizeof(xdg_cfg), "%s/.config/git/config", home);
	if (read_hooks_path(path, hp, sizeof(hp)) || read_hooks_path(home_cfg, hp, sizeof(hp)) ||
	    read_hooks_path(xdg_cfg, hp, sizeof(hp)) ||
	    read_hooks_path("/etc/gitconfig", hp, sizeof(hp))) {
		char abs[PATH_MAX * 3];
		if (hp[0] == '~' && hp[1] == '/')
			snprintf(abs, sizeof(abs), "%s/%s", getenv("HOME") ? getenv("HOME") : "",
				 hp + 2);
		else if (hp[0] == '/')
			snprintf(abs, sizeof(abs), "%s", hp);
		else
			snprintf(abs, sizeof(abs), "%s/%s", worktree, hp);
		if (sbx_in_write_root(plan, abs) && (r = protect_hooks_dir(plan, abs, dry_run)) < 0)
			return r;
	}
	snprintf(path, sizeof(path), "%s/config.worktree", gitdir);
	if ((r = protect_existing(plan, path, "git config: run by the host's git later")) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/hooks", gitdir);
	if ((r = protect_hooks_dir(plan, path, dry_run)) < 0)
		return r;
	/* Linked worktrees: where each one's git dir and common dir are. */
	snprintf(path, sizeof(path), "%s/worktrees", gitdir);
	DIR *wt = opendir(path);
	struct dirent *we;
	while (wt && (we = readdir(wt))) {
		static const char *const files[] = { "gitdir", "commondir", "config.worktree" };
		if (we->d_name[0] == '.')
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
			char f[PATH_MAX * 3 + 64];
			snprintf(f, sizeof(f), "%s/%s/%s", path, we->d_name, files[k]);
			if ((r = protect_existing(
				     plan, f, "git worktree pointer: where the host's git looks")) <
			    0) {
				closedir(wt);
				return r;
			}
		}
	}
	if (wt)
		closedir(wt);

	/* Submodules keep their git dirs in modules/NAME (nested: modules/a/modules/b). */
	snprintf(path, sizeof(path), "%s/modules", gitdir);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char sub[PATH_MAX * 3], cfg[PATH_MAX * 4];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		snprintf(cfg, sizeof(cfg), "%s/config", sub);
		if (lstat(cfg, &st) < 0) {
			/* a grouping directory (modules/group/name): look one level down */
			DIR *g = opendir(sub);
			struct dirent *ge;
			while (g && (ge = readdir(g))) {
				char inner[PATH_MAX * 5];
				if (ge->d_name[0] == '.')
					continue;
				snprintf(inner, sizeof(inner), "%s/%s", sub, ge->d_name);
				char icfg[PATH_MAX * 6];
				snprintf(icfg, sizeof(icfg), "%s/config", inner);
				if (lstat(icfg, &st) == 0 &&
				    (r = protect_git_dir(plan, inner, worktree, dry_run,
							 depth + 1)) < 0) {
					closedir(g);
					closedir(d);
					return r;
				}
			}
			if (g)
				closedir(g);
			continue;
		}
		if ((r = protect_git_dir(plan, sub, worktree, dry_run, depth + 1)) < 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return 0;
}

/* The git dir of a work tree: .git itself, or where a ".git" file's "gitdir:" points. */
static bool find_git_dir(const char *root, char *buf, size_t bufsz)
{
	char dotgit[PATH_MAX + 16], line[PATH_MAX + 16];
	struct stat st;

	snprintf(dotgit, sizeof(dotgit), "%s/.git", root);
	if (lstat(dotgit, &st) < 0)
		return false;
	if (S_ISLNK(st.st_mode))
		return sbx_realpath(dotgit, buf) != NULL && stat(buf, &st) == 0 &&
		       S_ISDIR(st.st_mode);
	if (S_ISDIR(st.st_mode))
		return util_strlcpy(buf, dotgit, bufsz) == 0;
	if (!S_ISREG(st.st_mode))
		return false;
	FILE *f = fopen(dotgit, "re");
	if (!f)
		return false;
	bool ok = fgets(line, sizeof(line), f) && strncmp(line, "gitdir:", 7) == 0;
	fclose(f);
	if (!ok)
		return false;
	char *p = line + 7;
	while (*p == ' ')
		p++;
	p[strcspn(p, "\r\n")] = '\0';
	char joined[PATH_MAX * 2];
	if (p[0] == '/')
		snprintf(joined, sizeof(joined), "%s", p);
	else
		snprintf(joined, sizeof(joined), "%s/%s", root, p);
	return sbx_realpath(joined, buf) != NULL;
}

int sbx_protect_work_tree(struct sbx_plan *plan, const char *worktree, bool dry_run)
{
	char gitdir[PATH_MAX], dotgit[PATH_MAX + 8];
	struct stat st;
	int r;

	snprintf(dotgit, sizeof(dotgit), "%s/.git", worktree);
	if (lstat(dotgit, &st) < 0)
		return 0;
	/* A ".git" file or link says where the git dir is: it must not be redirected. */
	if (!S_ISDIR(st.st_mode) &&
	    (r = protect_existing(plan, dotgit, "where the host's git finds this repository")) < 0)
		return r;
	/* A git dir outside every write root is read-only already. */
	if (find_git_dir(worktree, gitdir, sizeof(gitdir)) && sbx_in_write_root(plan, gitdir))
		return protect_git_dir(plan, gitdir, worktree, dry_run, 0);
	return 0;
}

int sbx_plan_protected(struct sbx_plan *plan, const struct config_paths *cp, bool dry_run)
{
	char cand[PATH_MAX * 2];
	size_t nroots = plan->n;
	int r;

	for (size_t i = 0; i < nroots; i++) {
		if (plan->ops[i].kind != SBX_BIND_RW)
			continue;
		char root[PATH_MAX];
		snprintf(root, sizeof(root), "%s", plan->ops[i].path);
		if ((r = sbx_protect_work_tree(plan, root, dry_run)) < 0)
			return r;
	}
	for (size_t k = 0; k <= rc_files_n; k++) {
		struct stat st;
		bool policy = k == rc_files_n;
		if (policy)
			snprintf(cand, sizeof(cand), "%s", cp->project);
		else
			snprintf(cand, sizeof(cand), "%s/%s", cp->home, rc_files[k]);
		if (!cand[0] || !sbx_in_write_root(plan, cand))
			continue;
		if (lstat(cand, &st) == 0) {
			if ((r = protect_existing(plan, cand,
						  policy ? "the project's policy"
							 : "read by your shell later")) < 0)
				return r;
			continue;
		}
		/*
		 * Missing, inside a write root: a bind needs something to mount on,
		 * and creating an empty ~/.bash_profile on the host would change how
		 * your shell starts. This protection cannot be built here.
		 */
		if (!policy &&
		    (r = sbx_add_gap(
			     plan, cand,
			     "does not exist and could be created: its directory is writable "
			     "(run from a project directory, not your home)")) < 0)
			return r;
	}
	return 0;
}
