/* SPDX-License-Identifier: MIT */
/*
 * sandbox_plan.c — build and print the sandbox plan (see sandbox.h). Runs in
 * the launcher before any namespace exists: it may read the file system,
 * allocate and print.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/log.h"
#include "launcher/sandbox_internal.h"
#include "launcher/stub_image.h"
#include "policy/util.h"

int sbx_add_op(struct sbx_plan *plan, enum sbx_op_kind kind, const char *path, const char *why,
	       uint32_t stub, bool optional)
{
	if (plan->n == plan->cap) {
		size_t cap = plan->cap ? plan->cap * 2 : 32;
		struct sbx_op *ops = reallocarray(plan->ops, cap, sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		plan->ops = ops;
		plan->cap = cap;
	}
	struct sbx_op *op = &plan->ops[plan->n];
	*op = (struct sbx_op){ .kind = kind, .stub = stub, .optional = optional };
	op->path = strdup(path);
	op->why = strdup(why ? why : "");
	if (!op->path || !op->why) {
		free(op->path);
		free(op->why);
		return -ENOMEM;
	}
	plan->n++;
	return 0;
}

bool sbx_is_below_or_same(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

char *sbx_realpath(const char *path, char *buf)
{
	char proc[32];
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, PATH_MAX - 1);
	int e = errno;
	close(fd);
	/* Anything but an absolute path (no /proc, a deleted file) falls back to realpath(3). */
	if (n <= 0 || buf[0] != '/' || (n >= 10 && strcmp(buf + n - 10, " (deleted)") == 0)) {
		errno = e;
		return realpath(path, buf);
	}
	buf[n] = '\0';
	return buf;
}

bool sbx_in_write_root(const struct sbx_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->ops[i].kind == SBX_BIND_RW &&
		    sbx_is_below_or_same(path, plan->ops[i].path))
			return true;
	return false;
}

int sbx_add_gap(struct sbx_plan *plan, const char *what, const char *why)
{
	struct sbx_gap *g = reallocarray(plan->gaps, plan->ngaps + 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	plan->gaps = g;
	g[plan->ngaps].what = strdup(what);
	g[plan->ngaps].why = strdup(why);
	if (!g[plan->ngaps].what || !g[plan->ngaps].why) {
		free(g[plan->ngaps].what);
		free(g[plan->ngaps].why);
		return -ENOMEM;
	}
	plan->ngaps++;
	return 0;
}

static bool is_hidden(enum sbx_op_kind k)
{
	return k == SBX_HIDE_DIR || k == SBX_HIDE_FILE;
}

/*
 * Add a hide, keeping hides disjoint: a path inside an already hidden
 * directory is covered (and would no longer exist to mount on), and a new
 * hidden directory makes the hides below it redundant.
 */
int sbx_add_hide(struct sbx_plan *plan, const char *path, bool dir, const char *why)
{
	/* A repository symlink such as ".env -> /" must not blank the whole system. */
	if (strcmp(path, "/") == 0)
		return sbx_add_gap(plan, why, "resolves to / (a symlink?), which cannot be hidden");
	/*
	 * Below the private /tmp or /dev/shm, outside anything carried over by
	 * a bind, the path does not exist inside at all: nothing to hide.
	 */
	if (sbx_is_below_or_same(path, "/tmp") || sbx_is_below_or_same(path, "/dev/shm")) {
		bool carried = false;
		for (size_t i = 0; i < plan->n && !carried; i++)
			carried = (plan->ops[i].kind == SBX_BIND_RW ||
				   plan->ops[i].kind == SBX_BIND_RO) &&
				  sbx_is_below_or_same(path, plan->ops[i].path);
		if (!carried)
			return 0;
	}
	for (size_t i = 0; i < plan->n; i++) {
		struct sbx_op *op = &plan->ops[i];
		if (!is_hidden(op->kind))
			continue;
		if (strcmp(op->path, path) == 0 ||
		    (op->kind == SBX_HIDE_DIR && sbx_is_below_or_same(path, op->path)))
			return 0;
	}
	if (dir) {
		size_t w = 0;
		for (size_t i = 0; i < plan->n; i++) {
			struct sbx_op *op = &plan->ops[i];
			if (is_hidden(op->kind) && sbx_is_below_or_same(op->path, path)) {
				free(op->path);
				free(op->why);
				continue;
			}
			plan->ops[w++] = *op;
		}
		plan->n = w;
	}
	return sbx_add_op(plan, dir ? SBX_HIDE_DIR : SBX_HIDE_FILE, path, why, 0, false);
}

static void rule_why(const struct policy_blob *b, const char *field,
		     const struct policy_blob_rule *r, char *buf, size_t bufsz)
{
	char origin[PATH_MAX];
	policy_blob_origin(b, r, origin, sizeof(origin));
	snprintf(buf, bufsz, "%s \"%s\" (%s)", field, policy_blob_str(b, r->text_off), origin);
}

/*
 * Hide what @path names. A symlink is followed: reading it would read its
 * target, so the target is what must disappear (mount(2) follows it too).
 */
static int hide_path(struct sbx_plan *plan, const char *path, const char *why)
{
	char real[PATH_MAX];
	struct stat st;
	if (!sbx_realpath(path, real) || stat(real, &st) < 0)
		return 0; /* a dangling link reveals nothing */
	return sbx_add_hide(plan, real, S_ISDIR(st.st_mode), why);
}

static int walk(struct sbx_plan *plan, const struct policy_blob *b, const char *dir,
		const char *logical, unsigned depth, size_t limit);

/*
 * The walk's matcher: the entry's ancestors were judged when the walk
 * visited them (a match is hidden and not descended into), so only the
 * entry itself is tested: its name against name rules, its path against
 * anchored rules. Same verdicts as policy_blob_match_path(), a fraction of
 * the work on a 100,000-file tree.
 */
static int match_entry(const struct policy_blob *b, const char *path, size_t len, const char *name,
		       bool is_dir)
{
	size_t nlen = strlen(name);
	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_DENY_READ); i++) {
		const struct policy_blob_rule *r = policy_blob_rule(b, POLICY_BLOB_DENY_READ, i);
		struct pathmatch_rule pr = policy_blob_path_rule(b, r);
		if (pr.dir_only && !is_dir)
			continue;
		if (pr.anchor == PATHMATCH_BASENAME) {
			bool hit = pr.literal
					   ? pr.glob_len == nlen && memcmp(pr.glob, name, nlen) == 0
					   : pathmatch_glob(pr.glob, pr.glob_len, name, nlen);
			if (hit)
				return (int)i;
		} else if (pathmatch_rule_matches(&pr, &b->env, path, len, is_dir)) {
			return (int)i;
		}
	}
	return -1;
}

/* Judge one directory entry: hide it if a rule matches, descend into directories otherwise. */
/* Entries a symlinked directory outside the project may add to the walk before it is a gap. */
#define LINK_WALK_BUDGET 10000

/*
 * Judge one directory entry: hide it if a rule matches, descend into
 * directories otherwise. @path is where it really is (what gets hidden),
 * @logical where the sandbox sees it through the tree (what rules match):
 * they differ below a symlinked directory.
 */
static int visit(struct sbx_plan *plan, const struct policy_blob *b, const char *path,
		 const char *logical, const char *name, unsigned char type, unsigned depth,
		 size_t limit)
{
	struct stat st;
	char why[PATH_MAX + 256];

	if (type == DT_UNKNOWN) {
		if (lstat(path, &st) < 0)
			return 0;
		type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
	}
	bool is_dir = type == DT_DIR;
	if (type == DT_LNK && stat(path, &st) == 0)
		is_dir = S_ISDIR(st.st_mode);
	int idx = match_entry(b, logical, strlen(logical), name, is_dir);
	if (idx >= 0) {
		rule_why(b, "deny_read", policy_blob_rule(b, POLICY_BLOB_DENY_READ, (uint32_t)idx),
			 why, sizeof(why));
		/*
		 * Real paths below the canonical root never contain a link, so
		 * only a symlink needs resolving (to hide what it names).
		 */
		if (type != DT_LNK)
			return sbx_add_hide(plan, path, is_dir, why);
		return hide_path(plan, path, why);
	}
	/* A repository nested in the tree (vendored, a submodule): protect it after the walk. */
	if (strcmp(name, ".git") == 0 && sbx_in_write_root(plan, path)) {
		char **w = reallocarray(plan->nested, plan->nnested + 1, sizeof(char *));
		if (!w)
			return -ENOMEM;
		plan->nested = w;
		if (!(w[plan->nnested] = strndup(path, strlen(path) - 5)))
			return -ENOMEM;
		plan->nnested++;
	}
	if (type == DT_LNK && is_dir) {
		/*
		 * A symlinked directory (`cfg -> ../shared`): its files are read
		 * through the tree, so rules match them by their name in the tree.
		 * Walk the target once (no loops), within a budget when it lies
		 * outside the project; past the budget it is a gap, not a pass.
		 */
		static const char *const system_trees[] = { "/usr",  "/lib",  "/lib32",	 "/lib64",
							    "/bin",  "/sbin", "/opt",	 "/etc",
							    "/proc", "/sys",  "/dev",	 "/nix",
							    "/snap", "/boot", "/var/lib" };
		char real[PATH_MAX];
		if (depth > 32 || !sbx_realpath(path, real))
			return 0;
		/*
		 * Relative rules never apply outside the project, and the system's
		 * read-only trees (or / itself) hold nothing of the project's: a link
		 * into them is not walked (absolute rules cover system secrets).
		 */
		bool system = strcmp(real, "/") == 0;
		for (size_t i = 0; i < ARRAY_SIZE(system_trees) && !system; i++)
			system = sbx_is_below_or_same(real, system_trees[i]);
		if (system)
			return 0;
		for (size_t i = 0; i < plan->nlinked; i++)
			if (strcmp(plan->linked[i], real) == 0)
				return 0;
		char **l = reallocarray(plan->linked, plan->nlinked + 1, sizeof(char *));
		if (!l)
			return -ENOMEM;
		plan->linked = l;
		if (!(l[plan->nlinked] = strdup(real)))
			return -ENOMEM;
		plan->nlinked++;
		if (sbx_is_below_or_same(real, b->env.root) && !sbx_is_below_or_same(logical, real))
			return walk(plan, b, real, logical, depth + 1, limit);
		size_t budget = plan->walked + LINK_WALK_BUDGET;
		int r = walk(plan, b, real, logical, depth + 1, budget < limit ? budget : limit);
		if (r == -E2BIG && plan->walked <= limit)
			return sbx_add_gap(
				plan, logical,
				"is a symlink to a large directory outside the project: its "
				"contents were not judged");
		return r;
	}
	if (type != DT_DIR)
		return 0;
	/*
	 * git's object store names files by hash, never by what they hold, so
	 * no name rule can meaningfully match there; it can hold 100,000 files.
	 * (What a committed secret's history holds is not a name: see
	 * docs/how-it-works.md.)
	 */
	size_t len = strlen(path);
	if (len >= 12 && strcmp(path + len - 12, "/.git/objects") == 0)
		return 0;
	return walk(plan, b, path, logical, depth + 1, limit);
}

static int walk(struct sbx_plan *plan, const struct policy_blob *b, const char *dir,
		const char *logical, unsigned depth, size_t limit)
{
	char path[PATH_MAX], lpath[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > 128)
		return sbx_add_hide(plan, dir, true,
				    "deeper than the deny_read walk goes: hidden whole");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/*
		 * Unreadable here is unreadable inside too, unless it sits in a
		 * write root: the agent could chmod it open and read what the walk
		 * could not judge. Hide it whole then.
		 */
		if ((errno == EACCES || errno == EPERM) && sbx_in_write_root(plan, dir))
			return sbx_add_hide(plan, dir, true,
					    "unreadable at start: not judged, hidden whole");
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++plan->walked > limit) {
			r = -E2BIG;
			break;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "",
				     de->d_name) >= sizeof(path)) {
			/* A name we cannot judge is not left readable. */
			r = sbx_add_gap(plan, dir, "holds a path longer than PATH_MAX: not judged");
			continue;
		}
		if ((size_t)snprintf(lpath, sizeof(lpath), "%s/%s",
				     strcmp(logical, "/") ? logical : "",
				     de->d_name) >= sizeof(lpath)) {
			r = sbx_add_gap(plan, logical,
					"holds a path longer than PATH_MAX: not judged");
			continue;
		}
		r = visit(plan, b, path, lpath, de->d_name, de->d_type, depth, limit);
	}
	closedir(d);
	return r;
}

/* Where a glob rule can match at all: its longest literal leading directory. */
static void literal_prefix_dir(const struct policy_blob *b, const struct policy_blob_rule *r,
			       char *buf, size_t bufsz)
{
	const char *glob = policy_blob_str(b, r->glob_off);
	const char *base = r->anchor == PATHMATCH_HOME ? b->env.home : "";
	size_t cut = 0;
	for (size_t i = 0; glob[i] && !strchr("*?[\\", glob[i]); i++)
		if (glob[i] == '/')
			cut = i;
	if (r->anchor == PATHMATCH_HOME)
		snprintf(buf, bufsz, "%s/%.*s", base, (int)cut, glob);
	else
		snprintf(buf, bufsz, "%.*s", (int)(cut ? cut : 1), glob);
}

static int plan_deny_read(struct sbx_plan *plan, const struct policy_blob *b)
{
	char path[PATH_MAX], why[PATH_MAX + 256];
	int r;

	/*
	 * One walk of the project tree serves every name rule and glob rule
	 * below the root (and absolute ones inside it); literal rules are
	 * looked up directly.
	 */
	bool need_walk = false;
	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_DENY_READ); i++) {
		const struct policy_blob_rule *rule = policy_blob_rule(b, POLICY_BLOB_DENY_READ, i);
		if (rule->anchor == PATHMATCH_BASENAME || !rule->literal) {
			need_walk = true;
			break;
		}
	}
	if (need_walk && (r = walk(plan, b, b->env.root, b->env.root, 0, SBX_MAX_WALK)) < 0)
		return r;
	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_DENY_READ); i++) {
		const struct policy_blob_rule *rule = policy_blob_rule(b, POLICY_BLOB_DENY_READ, i);
		if (rule->anchor == PATHMATCH_BASENAME ||
		    (rule->anchor == PATHMATCH_ROOT && !rule->literal))
			continue;
		rule_why(b, "deny_read", rule, why, sizeof(why));
		if (rule->literal) {
			struct stat st;
			if (rule->anchor == PATHMATCH_HOME || rule->anchor == PATHMATCH_ROOT)
				snprintf(path, sizeof(path), "%s%s%s",
					 rule->anchor == PATHMATCH_HOME ? b->env.home : b->env.root,
					 rule->glob_len ? "/" : "",
					 policy_blob_str(b, rule->glob_off));
			else
				snprintf(path, sizeof(path), "%s",
					 policy_blob_str(b, rule->glob_off));
			if (lstat(path, &st) < 0)
				continue;
			if (rule->dir_only && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
				continue;
			if ((r = hide_path(plan, path, why)) < 0)
				return r;
			continue;
		}
		literal_prefix_dir(b, rule, path, sizeof(path));
		if (sbx_is_below_or_same(path, b->env.root))
			continue; /* walked already */
		if ((r = walk(plan, b, path, path, 0, SBX_MAX_WALK)) < 0)
			return r;
	}
	return 0;
}

/* Executables a whole-command rule names: every PATH and system location, symlinks resolved. */
static int plan_stubs(struct sbx_plan *plan, const struct policy_blob *b)
{
	static const char *const system_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
						   "/usr/bin",	      "/sbin",		"/bin" };
	const char *path_env = NULL;
	char origin[PATH_MAX], msg[PATH_MAX + 1024], cand[PATH_MAX], real[PATH_MAX];

	for (size_t i = 0; i < plan->env.n; i++)
		if (strncmp(plan->env.envp[i], "PATH=", 5) == 0)
			path_env = plan->env.envp[i] + 5;

	/*
	 * Candidate directories, each existing one once by its real path
	 * (usrmerge: /bin is /usr/bin), so every name costs one stat per
	 * distinct directory.
	 */
	char pathcopy[8192] = "", *unique_dirs[128 + 8];
	size_t nunique = 0;
	const char *cands[128 + 8];
	size_t ncands = 0;
	int ret = 0;
	/* A denied command missed in an unexamined PATH directory would run: too long is a gap. */
	if (path_env && strlen(path_env) >= sizeof(pathcopy))
		return sbx_add_gap(plan, "PATH",
				   "is too long for aigate to find every denied command");
	if (path_env) {
		memcpy(pathcopy, path_env, strlen(path_env) + 1);
		for (char *tok = strtok(pathcopy, ":"); tok; tok = strtok(NULL, ":")) {
			if (ncands == 128)
				return sbx_add_gap(plan, "PATH",
						   "has more than 128 directories: denied commands "
						   "could be missed");
			if (tok[0] == '/')
				cands[ncands++] = tok;
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(system_dirs); k++)
		cands[ncands++] = system_dirs[k];
	for (size_t k = 0; k < ncands; k++) {
		bool dup = false;
		struct stat dst;
		/* stat first: realpath costs a readlink per component, most PATH entries are plain. */
		if (stat(cands[k], &dst) < 0 || !S_ISDIR(dst.st_mode) ||
		    !sbx_realpath(cands[k], real))
			continue;
		for (size_t u = 0; u < nunique && !dup; u++)
			dup = strcmp(unique_dirs[u], real) == 0;
		if (!dup && !(unique_dirs[nunique++] = strdup(real))) {
			nunique--;
			ret = -ENOMEM;
			goto out;
		}
	}

	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_DENY_EXEC); i++) {
		const struct policy_blob_rule *rule = policy_blob_rule(b, POLICY_BLOB_DENY_EXEC, i);
		const char *words[ARGVMATCH_MAX_WORDS];
		size_t nw = policy_blob_exec_words(b, rule, words);
		policy_blob_origin(b, rule, origin, sizeof(origin));
		if (nw > 1)
			continue; /* subcommands: judged on every exec's argv by the supervisor */
		const char *name = words[0];
		const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
		snprintf(msg, sizeof(msg), "aigate: '%s' is denied by policy (deny_exec: %s, %s)\n",
			 base, policy_blob_str(b, rule->text_off), origin);
		uint32_t stub_idx = (uint32_t)plan->nstubs;
		bool used = false;

		const char *const *dirs = (const char *const *)unique_dirs;
		size_t ndirs = nunique;
		for (size_t k = 0; k <= ndirs; k++) {
			struct stat st;
			if (strchr(name, '/')) {
				if (k > 0)
					break;
				snprintf(cand, sizeof(cand), "%s", name);
			} else if (k == ndirs) {
				break;
			} else {
				snprintf(cand, sizeof(cand), "%s/%s", dirs[k], name);
			}
			/* With usrmerge /bin/curl and /usr/bin/curl are one file: stub the real one once. */
			if (stat(cand, &st) < 0 || !S_ISREG(st.st_mode) ||
			    !sbx_realpath(cand, real))
				continue;
			bool dup = false;
			for (size_t o = 0; o < plan->n; o++)
				dup = dup || (plan->ops[o].kind == SBX_STUB &&
					      strcmp(plan->ops[o].path, real) == 0);
			if (dup)
				continue;
			char why[PATH_MAX + 64];
			snprintf(why, sizeof(why), "deny_exec \"%s\" (%s)",
				 policy_blob_str(b, rule->text_off), origin);
			if ((ret = sbx_add_op(plan, SBX_STUB, real, why, stub_idx, false)) < 0)
				goto out;
			used = true;
		}
		if (!used)
			continue;
		struct sbx_stub *stubs =
			reallocarray(plan->stubs, plan->nstubs + 1, sizeof(*stubs));
		if (!stubs) {
			ret = -ENOMEM;
			goto out;
		}
		plan->stubs = stubs;
		ret = stub_image_make(msg, &stubs[plan->nstubs].image, &stubs[plan->nstubs].size);
		if (ret < 0)
			goto out;
		plan->nstubs++;
	}
out:
	for (size_t u = 0; u < nunique; u++)
		free(unique_dirs[u]);
	return ret;
}

/* Write roots: the project, private /tmp, and allow_write. */
static int plan_write_roots(struct sbx_plan *plan, const struct policy_blob *b,
			    const struct config_paths *cp, bool dry_run)
{
	char path[PATH_MAX], real[PATH_MAX], why[PATH_MAX + 256];
	int r;

	if ((r = sbx_add_op(plan, SBX_BIND_RW, cp->root, "project root", 0, false)) < 0)
		return r;
	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_ALLOW_WRITE); i++) {
		const struct policy_blob_rule *rule =
			policy_blob_rule(b, POLICY_BLOB_ALLOW_WRITE, i);
		const char *glob = policy_blob_str(b, rule->glob_off);
		struct stat st;
		if (rule->anchor == PATHMATCH_HOME)
			snprintf(path, sizeof(path), "%s%s%s", b->env.home,
				 rule->glob_len ? "/" : "", glob);
		else
			snprintf(path, sizeof(path), "%s", glob);
		/*
		 * A missing state directory is created now, as the agent would have
		 * (real agents write to ~/.claude even for --version), but only when
		 * its parent exists: no ~/.cargo tree for someone without cargo. A
		 * missing file is not created: an empty placeholder could be read
		 * as corrupt.
		 */
		bool missing = stat(path, &st) < 0;
		rule_why(b, "allow_write", rule, why, sizeof(why));
		char parent[PATH_MAX];
		struct stat pst;
		snprintf(parent, sizeof(parent), "%s", path);
		if (strrchr(parent, '/'))
			*strrchr(parent, '/') = '\0';
		if (missing && rule->dir_only && rule->anchor == PATHMATCH_HOME &&
		    stat(parent, &pst) == 0) {
			if (dry_run) {
				/* --dry-run changes nothing on the host: say what a run would create. */
				strncat(why, ", created when run", sizeof(why) - strlen(why) - 1);
				if ((r = sbx_add_op(plan, SBX_BIND_RW, path, why, 0, false)) < 0)
					return r;
				continue;
			}
			(void)mkdir(path, 0700);
		} else if (missing) {
			continue;
		}
		if (!sbx_realpath(path, real))
			continue;
		/*
		 * A write root reached through a symlink that sits in another write
		 * root could be redirected by the agent before the next run (say to
		 * your home): refuse it.
		 */
		if (strcmp(real, path) != 0 && sbx_in_write_root(plan, path)) {
			if ((r = sbx_add_gap(
				     plan, path,
				     "is reached through a symlink inside a writable directory, "
				     "which the sandbox could redirect")) < 0)
				return r;
			continue;
		}
		/* The whole home or the file system writable would undo every other protection. */
		if (strcmp(real, "/") == 0 || sbx_is_below_or_same(b->env.home, real) ||
		    sbx_is_below_or_same(cp->dir, real)) {
			if ((r = sbx_add_gap(plan, path,
					     "would make your home, / or aigate's own directory "
					     "writable")) < 0)
				return r;
			continue;
		}
		if ((r = sbx_add_op(plan, SBX_BIND_RW, real, why, 0, false)) < 0)
			return r;
	}
	return 0;
}

/* Host service sockets reachable by path even on a read-only mount (connect(2) ignores it). */
static int plan_sockets(struct sbx_plan *plan, const struct policy_blob *b)
{
	static const char *const sockets[] = { "/run/docker.sock", "/var/run/docker.sock",
					       "/run/containerd/containerd.sock",
					       "/run/podman/podman.sock", "/run/crio/crio.sock" };
	char rundir[64];
	struct stat st;
	int r;

	snprintf(rundir, sizeof(rundir), "/run/user/%u", (unsigned)plan->uid);
	bool pass = false;
	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_PASS_ENV); i++)
		pass = pass ||
		       env_name_matches(
			       policy_blob_str(
				       b, policy_blob_rule(b, POLICY_BLOB_PASS_ENV, i)->text_off),
			       "XDG_RUNTIME_DIR", 15);
	if (!pass && stat(rundir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (r = sbx_add_hide(plan, rundir, true,
			      "your session's sockets: D-Bus, ssh-agent, keyrings (pass_env "
			      "XDG_RUNTIME_DIR keeps it)")) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(sockets); i++)
		if (stat(sockets[i], &st) == 0 && S_ISSOCK(st.st_mode) &&
		    (r = hide_path(plan, sockets[i],
				   "container runtime socket: root on the host")) < 0)
			return r;
	return 0;
}

/*
 * Execution order by phase, stable within a phase: the fixed steps, tmpfs,
 * then every bind, then every hide and stub. A bind is a copy of the
 * original tree taken before anything is mounted, so a bind attached after
 * a hide below it would uncover the hidden file: hides always come last.
 */
static int phase(enum sbx_op_kind k)
{
	switch (k) {
	case SBX_PRIVATE_ROOT:
	case SBX_READONLY_ROOT:
	case SBX_PROC:
		return 0;
	case SBX_TMPFS:
		return 1;
	case SBX_BIND_RW:
	case SBX_BIND_RO:
		return 2;
	case SBX_HIDE_FILE:
	case SBX_HIDE_DIR:
		return 3;
	case SBX_STUB:
	case SBX_FILE:
	default:
		return 4;
	}
}

static void sort_by_phase(struct sbx_plan *plan)
{
	/* Insertion sort: plans are small, and it is stable. */
	for (size_t i = 1; i < plan->n; i++) {
		struct sbx_op op = plan->ops[i];
		size_t j = i;
		while (j > 0 && phase(plan->ops[j - 1].kind) > phase(op.kind)) {
			plan->ops[j] = plan->ops[j - 1];
			j--;
		}
		plan->ops[j] = op;
	}
}

int sbx_plan_keep_file(struct sbx_plan *plan, const char *path, const char *why)
{
	/* Elsewhere the read-only root shows it already. */
	if (!sbx_is_below_or_same(path, "/tmp") && !sbx_is_below_or_same(path, "/dev/shm"))
		return 0;
	int r = sbx_add_op(plan, SBX_BIND_RO, path, why, 0, false);
	if (r == 0)
		sort_by_phase(plan);
	return r;
}

int sbx_plan_hide_file(struct sbx_plan *plan, const char *path, const char *why)
{
	int r = hide_path(plan, path, why);
	if (r == 0)
		sort_by_phase(plan);
	return r;
}

int sbx_plan_build(struct sbx_plan *plan, const struct policy_blob *b,
		   const struct config_paths *cp, char *const *environ, bool dry_run)
{
	struct stat st;
	char real[PATH_MAX];
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->uid = getuid();
	plan->gid = getgid();
	snprintf(plan->cwd, sizeof(plan->cwd), "%s", cp->cwd);
	if ((r = env_filter(b, environ, &plan->env)) < 0)
		goto fail;
	/* Fail closed on what later layers enforce: the policy asks for it, this build cannot. */
	/* allow_net: its own network namespace, the egress outside (sandbox_net.h, egress.h). */
	if (b->hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET) {
		plan->net = true;
		plan->net_names = policy_blob_count(b, POLICY_BLOB_ALLOW_NET);
		if ((r = sbx_plan_net(plan)) < 0)
			goto fail;
	}
	/* resource_limits: their gaps depend on the host; cmd_run adds them (limits_plan_add()). */

	/* The order is the execution order: later mounts sit on top of earlier ones. */
	if ((r = sbx_add_op(plan, SBX_PRIVATE_ROOT, "/", "no mount propagates to the host", 0,
			    false)) < 0 ||
	    (r = sbx_add_op(plan, SBX_READONLY_ROOT, "/", "everything read-only, nosuid", 0,
			    false)) < 0 ||
	    (r = sbx_add_op(plan, SBX_PROC, "/proc", "fresh, for the new PID namespace", 0,
			    false)) < 0 ||
	    (r = sbx_add_op(plan, SBX_TMPFS, "/tmp", "private, writable", 0, false)) < 0)
		goto fail;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    (r = sbx_add_op(plan, SBX_TMPFS, "/dev/shm", "private, writable", 0, false)) < 0)
		goto fail;
	/* A home under /tmp (CI runners, tests) must survive the private /tmp, read-only. */
	if (sbx_is_below_or_same(cp->home, "/tmp") && strcmp(cp->home, "/tmp") != 0 &&
	    (r = sbx_add_op(plan, SBX_BIND_RO, cp->home, "home below /tmp, kept read-only", 0,
			    false)) < 0)
		goto fail;
	if ((r = plan_write_roots(plan, b, cp, dry_run)) < 0 ||
	    (r = sbx_plan_protected(plan, cp, dry_run)) < 0)
		goto fail;
	size_t nbinds = 0;
	for (size_t i = 0; i < plan->n; i++)
		nbinds += plan->ops[i].kind == SBX_BIND_RW || plan->ops[i].kind == SBX_BIND_RO;
	if (nbinds > SBX_MAX_BINDS) {
		log_error("more than %d write roots and protected paths", SBX_MAX_BINDS);
		r = -E2BIG;
		goto fail;
	}

	/*
	 * The policy and the audit log: never readable, never writable from
	 * inside. A missing config dir is created first (ours, mode 0700):
	 * otherwise, with home writable, the agent could create one holding a
	 * policy of its own for the next run.
	 */
	if (stat(cp->dir, &st) < 0 && !dry_run)
		(void)mkdir(cp->dir, 0700);
	if (stat(cp->dir, &st) < 0 && sbx_in_write_root(plan, cp->dir) &&
	    (r = sbx_add_gap(plan, cp->dir,
			     "does not exist and could be created from inside with a policy of "
			     "the sandbox's own")) < 0)
		goto fail;
	if (stat(cp->dir, &st) == 0 && S_ISDIR(st.st_mode) && sbx_realpath(cp->dir, real) &&
	    (r = sbx_add_hide(plan, real, true, "aigate's policy and audit log")) < 0)
		goto fail;
	if (cp->global_exists && sbx_realpath(cp->global, real) &&
	    !sbx_is_below_or_same(real, cp->dir) &&
	    (r = sbx_add_hide(plan, real, false, "aigate's policy (symlink target)")) < 0)
		goto fail;
	if ((r = plan_sockets(plan, b)) < 0)
		goto fail;
	r = plan_deny_read(plan, b);
	if (r == -E2BIG) {
		log_error(
			"deny_read: more than %d directory entries to examine; narrow the patterns "
			"or run from a smaller project root",
			SBX_MAX_WALK);
		goto fail;
	}
	/* Repositories the walk found nested in write roots: their hooks and config too. */
	for (size_t i = 0; r == 0 && i < plan->nnested; i++)
		r = sbx_protect_work_tree(plan, plan->nested[i], dry_run);
	if (r < 0 || (r = sbx_plan_hard_links(plan, b->env.root)) < 0 ||
	    (r = plan_stubs(plan, b)) < 0)
		goto fail;
	sort_by_phase(plan);
	return 0;
fail:
	if (r != -E2BIG)
		log_error("cannot plan the sandbox: %s", strerror(-r));
	sbx_plan_free(plan);
	return r;
}

static const char *kind_name(enum sbx_op_kind k)
{
	switch (k) {
	case SBX_PRIVATE_ROOT:
		return "private";
	case SBX_READONLY_ROOT:
		return "read-only";
	case SBX_PROC:
		return "proc";
	case SBX_TMPFS:
		return "tmpfs";
	case SBX_BIND_RW:
		return "writable";
	case SBX_BIND_RO:
		return "read-only";
	case SBX_HIDE_FILE:
		return "hide-file";
	case SBX_HIDE_DIR:
		return "hide-dir";
	case SBX_STUB:
		return "stub";
	case SBX_FILE:
		return "file";
	default:
		return "?";
	}
}

void sbx_plan_print(const struct sbx_plan *plan, FILE *f)
{
	fprintf(f,
		"namespaces: user (uid %u -> %u, gid %u -> %u), mount, pid, ipc (own /dev/pts and "
		"/dev/mqueue); a nested user namespace locks every mount below\n",
		(unsigned)plan->uid, (unsigned)plan->uid, (unsigned)plan->gid, (unsigned)plan->gid);
	fprintf(f, "mounts, in order:\n");
	for (size_t i = 0; i < plan->n; i++)
		fprintf(f, "  %-10s %-40s %s\n", kind_name(plan->ops[i].kind), plan->ops[i].path,
			plan->ops[i].why);
	if (plan->net)
		fprintf(f,
			"network: a namespace of its own, loopback only; aigate serves a DNS stub "
			"(127.0.0.1:53), an HTTP proxy (:3128) and SOCKS5 (:1080) from outside, "
			"for "
			"the %u allow_net entries%s\n",
			plan->net_names, plan->net_names ? "" : " (none: no network at all)");
	else
		fprintf(f, "network: the host's (allow_net not set)\n");
	fprintf(f, "environment: AIGATE_SANDBOX=1 added%s",
		plan->net ? ", HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY set" : "");
	if (plan->env.ndropped) {
		fprintf(f, "; dropped:");
		for (size_t i = 0; i < plan->env.ndropped; i++)
			fprintf(f, " %s", plan->env.dropped[i]);
	}
	fprintf(f,
		"\nprocess: no_new_privs, every capability dropped, user.max_user_namespaces=0, "
		"RLIMIT_CORE=0, new session keyring, inherited fds above 2 closed, working "
		"directory %s\n",
		plan->cwd);
	fprintf(f, "deny_read examined %zu directory entries\n", plan->walked);
	for (size_t i = 0; i < plan->ngaps; i++)
		fprintf(f, "not enforced by this build: %s (%s)\n", plan->gaps[i].what,
			plan->gaps[i].why);
}

void sbx_plan_free(struct sbx_plan *plan)
{
	if (!plan)
		return;
	/* Flat: the private TMPDIR goes with the plan (after the run, or on an error path). */
	sbx_flat_cleanup(plan);
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->ops[i].path);
		free(plan->ops[i].why);
	}
	free(plan->ops);
	for (size_t i = 0; i < plan->nstubs; i++)
		free(plan->stubs[i].image);
	free(plan->stubs);
	for (size_t i = 0; i < plan->ngaps; i++) {
		free(plan->gaps[i].what);
		free(plan->gaps[i].why);
	}
	free(plan->gaps);
	for (size_t i = 0; i < plan->nnested; i++)
		free(plan->nested[i]);
	free(plan->nested);
	for (size_t i = 0; i < plan->nlinked; i++)
		free(plan->linked[i]);
	free(plan->linked);
	env_filter_free(&plan->env);
	for (size_t i = 0; i < plan->nenv_owned; i++)
		free(plan->env_owned[i]);
	memset(plan, 0, sizeof(*plan));
}
