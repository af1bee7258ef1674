/* SPDX-License-Identifier: MIT */
/*
 * acl_apply.c — see acl_apply.h.
 *
 * Why libacl and not setfacl: no process to spawn per file, no text to
 * quote, errors as errno; and why not raw xattrs: the binary format, the
 * mask and the default-ACL rules are easy to get subtly wrong.
 *
 * Every file is changed through "/proc/self/fd/N" of an fd opened with
 * O_PATH|O_NOFOLLOW relative to the directory fd the walk holds: between
 * finding a file and changing its ACL, a symlink swapped in at that name
 * cannot redirect the change to another file (acl_set_file() on a path
 * would follow it, and acl_calc_mask() on the wrong file could widen what
 * its other named entries allow). Walks open each directory the same way
 * and follow no symlink.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <acl/libacl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/acl_apply.h"
#include "launcher/log.h"
#include "launcher/sys_users.h"
#include "policy/pathmatch.h"
#include "policy/util.h"

/* Deeper than this, a walk stops descending (the sandbox's walk uses the same depth). */
#define WALK_MAX_DEPTH 128

/* ---- one ACL --------------------------------------------------------------- */

struct acl_scan {
	acl_entry_t ours, mask, group_obj;
	bool has_ours, has_mask, has_group_obj;
	unsigned named; /* ACL_USER and ACL_GROUP entries besides ours */
};

static int scan_acl(acl_t acl, gid_t gid, struct acl_scan *s)
{
	acl_entry_t e;
	acl_tag_t tag;
	int got;

	memset(s, 0, sizeof(*s));
	for (int which = ACL_FIRST_ENTRY; (got = acl_get_entry(acl, which, &e)) == 1;
	     which = ACL_NEXT_ENTRY) {
		if (acl_get_tag_type(e, &tag) < 0)
			return -errno;
		if (tag == ACL_MASK) {
			s->mask = e;
			s->has_mask = true;
		} else if (tag == ACL_GROUP_OBJ) {
			s->group_obj = e;
			s->has_group_obj = true;
		} else if (tag == ACL_USER) {
			s->named++;
		} else if (tag == ACL_GROUP) {
			gid_t *q = acl_get_qualifier(e);
			if (!q)
				return -errno;
			bool mine = *q == gid && !s->has_ours;
			acl_free(q);
			if (mine) {
				s->ours = e;
				s->has_ours = true;
			} else {
				s->named++;
			}
		}
	}
	return got < 0 ? -errno : 0;
}

static bool perms_empty(acl_entry_t e)
{
	acl_permset_t ps;
	if (acl_get_permset(e, &ps) < 0)
		return false;
	return acl_get_perm(ps, ACL_READ) == 0 && acl_get_perm(ps, ACL_WRITE) == 0 &&
	       acl_get_perm(ps, ACL_EXECUTE) == 0;
}

static int clear_perms(acl_entry_t e)
{
	acl_permset_t ps;
	if (acl_get_permset(e, &ps) < 0 || acl_clear_perms(ps) < 0 || acl_set_permset(e, ps) < 0)
		return -errno;
	return 0;
}

/* The access ACL's group class without a mask: what the mask allowed of group_obj stays. */
static int fold_mask(acl_t acl, const struct acl_scan *s)
{
	static const acl_perm_t perms[] = { ACL_READ, ACL_WRITE, ACL_EXECUTE };
	acl_permset_t mps, gps;
	if (!s->has_mask || !s->has_group_obj)
		return 0;
	if (acl_get_permset(s->mask, &mps) < 0 || acl_get_permset(s->group_obj, &gps) < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(perms); i++)
		if (acl_get_perm(mps, perms[i]) == 0 && acl_delete_perm(gps, perms[i]) < 0)
			return -errno;
	if (acl_set_permset(s->group_obj, gps) < 0 || acl_delete_entry(acl, s->mask) < 0)
		return -errno;
	return 0;
}

static int add_entry(acl_t *acl, acl_type_t type, gid_t gid, const struct acl_scan *s,
		     mode_t umask_bits)
{
	acl_entry_t e;
	if (s->has_ours && perms_empty(s->ours))
		return 0;
	if (s->has_ours) {
		int r = clear_perms(s->ours); /* someone gave the group access: take it back */
		return r < 0 ? r : 1;
	}
	if (type == ACL_TYPE_DEFAULT && acl_entries(*acl) == 0) {
		/*
		 * No default ACL yet: its base entries decide the mode of every
		 * file created in the directory from now on, in place of the
		 * creator's umask. Derive them from our umask, so new files are
		 * not more open than the user's own would be.
		 */
		acl_t base = acl_from_mode(0777 & ~umask_bits);
		if (!base)
			return -errno;
		acl_free(*acl);
		*acl = base;
	}
	if (acl_create_entry(acl, &e) < 0 || acl_set_tag_type(e, ACL_GROUP) < 0 ||
	    acl_set_qualifier(e, &gid) < 0 || clear_perms(e) < 0)
		return -errno;
	/*
	 * A mask is required once there is a named entry. Computed only when
	 * there is none: recomputing an existing one would widen what the
	 * file's other named entries grant.
	 */
	if (!s->has_mask && acl_calc_mask(acl) < 0)
		return -errno;
	return 1;
}

/* Apply @op to the ACL of @type of @proc (a /proc/self/fd path). 1 changed / present, 0, -errno. */
static int edit_acl(const char *proc, acl_type_t type, gid_t gid, enum acl_apply_op op,
		    mode_t umask_bits)
{
	struct acl_scan s;
	int r;
	acl_t acl = acl_get_file(proc, type);
	if (!acl)
		return -errno;
	if ((r = scan_acl(acl, gid, &s)) < 0)
		goto out;
	if (op == ACL_APPLY_COUNT) {
		r = s.has_ours;
		goto out;
	}
	if (op == ACL_APPLY_ADD) {
		r = add_entry(&acl, type, gid, &s, umask_bits);
	} else if (!s.has_ours) {
		r = 0;
	} else if (acl_delete_entry(acl, s.ours) < 0) {
		r = -errno;
	} else if (s.named == 0 && type == ACL_TYPE_DEFAULT) {
		/* Only the base entries and the mask are left: the default ACL we made. */
		r = acl_delete_def_file(proc) < 0 ? -errno : 1;
		goto out;
	} else {
		/*
		 * The last named entry gone: without the mask the ACL is the
		 * mode again, and the kernel drops the xattr altogether.
		 */
		r = 1;
		if (s.named == 0 && (r = scan_acl(acl, gid, &s)) == 0)
			r = fold_mask(acl, &s) ?: 1;
	}
	if (r == 1 && acl_valid(acl) < 0)
		r = -EINVAL;
	if (r == 1 && acl_set_file(proc, type, acl) < 0)
		r = -errno;
out:
	acl_free(acl);
	return r;
}

int acl_apply_fd(int fd, gid_t gid, enum acl_apply_op op, mode_t umask_bits)
{
	char proc[40];
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* /proc/self/fd/N of a symlink's O_PATH fd names the link itself: ACLs do not apply. */
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int r = edit_acl(proc, ACL_TYPE_ACCESS, gid, op, umask_bits);
	if (r < 0 || !S_ISDIR(st.st_mode))
		return r;
	int d = edit_acl(proc, ACL_TYPE_DEFAULT, gid, op, umask_bits);
	return d < 0 ? d : (r || d);
}

/* ---- walking a pattern's matches ---------------------------------------------- */

struct walk {
	const struct config_paths *cp;
	struct pathmatch_env env;
	char home[PATH_MAX], root[PATH_MAX];
	struct pathmatch_rule rule;
	struct pathmatch_rule *keep;
	size_t nkeep;
	const char *group;
	bool have_gid;
	gid_t gid;
	enum acl_apply_op op;
	mode_t umask_bits;
	size_t walked;
	struct acl_apply_stats *st;
};

static void warn_file(struct walk *w, const char *path, const char *reason)
{
	char shown[PATH_MAX];
	w->st->failed++;
	if (w->op == ACL_APPLY_COUNT)
		return;
	if (w->st->warned >= ACL_APPLY_MAX_WARNINGS) {
		w->st->unwarned++;
		return;
	}
	w->st->warned++;
	config_display_path(w->cp, path, shown, sizeof(shown));
	if (w->op == ACL_APPLY_ADD)
		log_warn("cannot protect %s with an ACL: %s", shown, reason);
	else
		log_warn("cannot remove the ACL entry of group %s from %s: %s", w->group, shown,
			 reason);
}

static bool kept(const struct walk *w, const char *path, bool is_dir)
{
	for (size_t i = 0; i < w->nkeep; i++)
		if (pathmatch_rule_matches(&w->keep[i], &w->env, path, strlen(path), is_dir))
			return true;
	return false;
}

/* One matched file: @name in the directory @dfd, @path its full (logical) path. */
static void act(struct walk *w, int dfd, const char *name, const char *path)
{
	char reason[512];
	struct stat st;
	_cleanup_close_ int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) /* gone since the directory was read: nothing to protect */
			warn_file(w, path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0) {
		warn_file(w, path, strerror(errno));
		return;
	}
	w->st->matched++;
	if (S_ISLNK(st.st_mode)) {
		if (w->op == ACL_APPLY_ADD)
			warn_file(w, path,
				  "it is a symlink, and an ACL belongs to the file it points to "
				  "(deny read that file's own path)");
		return;
	}
	if (w->op == ACL_APPLY_REMOVE && kept(w, path, S_ISDIR(st.st_mode))) {
		log_debug("%s: kept its ACL entry: another deny_read rule still matches it", path);
		return;
	}
	if (!w->have_gid) {
		if (w->op == ACL_APPLY_ADD) {
			snprintf(reason, sizeof(reason),
				 "group %s does not exist (run sudo aigate setup first)", w->group);
			warn_file(w, path, reason);
		}
		return;
	}
	int r = acl_apply_fd(fd, w->gid, w->op, w->umask_bits);
	if (r > 0) {
		w->st->changed++;
		return;
	}
	if (r == 0)
		return;
	if (r == -EPERM && st.st_uid != geteuid()) {
		struct passwd *pw = getpwuid(st.st_uid);
		char owner[64];
		if (pw)
			snprintf(owner, sizeof(owner), "%s", pw->pw_name);
		else
			snprintf(owner, sizeof(owner), "uid %u", (unsigned)st.st_uid);
		snprintf(reason, sizeof(reason),
			 "it belongs to %s, not to you (only its owner or root can change its ACL)",
			 owner);
	} else if (r == -EOPNOTSUPP) {
		snprintf(reason, sizeof(reason),
			 "its file system does not support POSIX ACLs (mount it with the acl "
			 "option)");
	} else {
		snprintf(reason, sizeof(reason), "%s", strerror(-r));
	}
	warn_file(w, path, reason);
}

/* Is @path (length @len) a git object store? Its files are named by hash: no rule matches there. */
static bool git_objects(const char *path, size_t len)
{
	return len >= 12 && strcmp(path + len - 12, "/.git/objects") == 0;
}

/*
 * Walk the directory @dfd (taken over) whose path is @path (length @len,
 * in a PATH_MAX buffer the walk extends and restores). A matched entry is
 * acted on and not descended into: the entry on a directory covers what
 * is below it. Returns 0 or -E2BIG past the entry limit.
 */
static int walk_dir(struct walk *w, int dfd, char *path, size_t len, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->walked > ACL_APPLY_MAX_WALK) {
			w->st->truncated = true;
			r = -E2BIG;
			break;
		}
		size_t nlen = strlen(de->d_name), sep = len > 1 ? 1 : 0;
		if (len + sep + nlen >= PATH_MAX)
			continue; /* cannot be named; the sandbox's own walk deals with it */
		if (sep)
			path[len] = '/';
		memcpy(path + len + sep, de->d_name, nlen + 1);
		size_t plen = len + sep + nlen;
		struct stat st;
		unsigned char type = de->d_type;
		if (type == DT_UNKNOWN &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
		bool is_dir = type == DT_DIR;
		/* A link to a directory matches "dir/" rules as the sandbox sees it; it is not followed. */
		if (type == DT_LNK && fstatat(dirfd(d), de->d_name, &st, 0) == 0)
			is_dir = S_ISDIR(st.st_mode);
		if (pathmatch_rule_matches(&w->rule, &w->env, path, plen, is_dir)) {
			act(w, dirfd(d), de->d_name, path);
		} else if (type == DT_DIR && depth < WALK_MAX_DEPTH && !git_objects(path, plen)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				r = walk_dir(w, sub, path, plen, depth + 1);
		}
		path[len] = '\0';
	}
	closedir(d);
	return r;
}

/*
 * Open the directory @rel ("" for @base itself) below @base, following no
 * symlink below @base. Returns the fd or -errno.
 */
static int open_below(const char *base, const char *rel, size_t rel_len)
{
	char comp[NAME_MAX + 1];
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t i = 0;
	while (fd >= 0 && i < rel_len) {
		size_t n = 0;
		while (i < rel_len && rel[i] != '/' && n < NAME_MAX)
			comp[n++] = rel[i++];
		comp[n] = '\0';
		i++; /* the '/' */
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		fd = next;
		errno = e;
	}
	return fd < 0 ? -errno : fd;
}

/* Open the parent of the absolute @full and point *@name at its last component. fd or -errno. */
static int open_parent(const char *full, const char **name)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(full, '/');
	snprintf(parent, sizeof(parent), "%.*s", slash == full ? 1 : (int)(slash - full), full);
	*name = slash + 1;
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One pattern: a literal anchored path is looked up, anything else walked from its fixed prefix. */
static void apply_pattern(struct walk *w, const char *pattern)
{
	char path[PATH_MAX];
	const char *reason, *name;
	const struct pathmatch_rule *r = &w->rule;
	struct stat st;
	int dfd;

	if (pathmatch_classify(pattern, &w->rule, &reason) < 0)
		return; /* validated before the edit; nothing to match */
	const char *base = r->anchor == PATHMATCH_HOME	     ? w->home
			   : r->anchor == PATHMATCH_ABSOLUTE ? "/"
							     : w->root;
	/* The part below @base: an absolute glob without its leading '/'. */
	const char *rel = r->glob;
	size_t rel_len = r->glob_len;
	if (r->anchor == PATHMATCH_ABSOLUTE && rel_len && rel[0] == '/') {
		rel++;
		rel_len--;
	}
	/* The leading components without a glob character: where the lookup or walk starts. */
	size_t fixed = 0;
	for (size_t i = 0; r->anchor != PATHMATCH_BASENAME && i < rel_len; i++) {
		if (strchr("*?[\\", rel[i]))
			break;
		if (rel[i] == '/')
			fixed = i;
	}
	bool lookup = r->literal && r->anchor != PATHMATCH_BASENAME;
	size_t shown = lookup ? rel_len : fixed;
	int n = snprintf(path, sizeof(path), "%s%s%.*s", strcmp(base, "/") ? base : "",
			 shown ? "/" : "", (int)shown, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	if (!path[0])
		snprintf(path, sizeof(path), "/");
	if (!lookup) {
		dfd = open_below(base, rel, fixed);
		if (dfd >= 0)
			(void)walk_dir(w, dfd, path, strlen(path), 0);
		return;
	}
	/* A literal path: its parent, reached without a symlink below @base; then the file. */
	if (strcmp(path, "/") == 0)
		return;
	if (rel_len == 0) {
		/* "~" or "~/": the home itself; its parent is not the user's to choose. */
		dfd = open_parent(path, &name);
	} else {
		const char *last = memrchr(rel, '/', rel_len);
		name = strrchr(path, '/') + 1;
		dfd = open_below(base, rel, last ? (size_t)(last - rel) : 0);
	}
	if (dfd < 0)
		return; /* not there, or not reachable without a symlink: nothing to protect */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		bool is_dir = S_ISDIR(st.st_mode);
		if (S_ISLNK(st.st_mode) && fstatat(dfd, name, &st, 0) == 0)
			is_dir = S_ISDIR(st.st_mode);
		if (!r->dir_only || is_dir)
			act(w, dfd, name, path);
	}
	close(dfd);
}

void acl_apply_patterns(const struct config_paths *cp, const char *group, bool have_gid, gid_t gid,
			enum acl_apply_op op, const char *const *patterns, size_t npatterns,
			const char *const *keep, size_t nkeep, struct acl_apply_stats *ret)
{
	struct acl_apply_stats stats = { 0 };
	struct walk *w = calloc(1, sizeof(*w));
	const char *reason;

	if (ret)
		*ret = stats;
	if (!w)
		return;
	w->cp = cp;
	w->group = group;
	w->have_gid = have_gid;
	w->gid = gid;
	w->op = op;
	w->st = &stats;
	w->umask_bits = umask(022);
	umask(w->umask_bits);
	if (pathmatch_normalize(cp->home, w->home, sizeof(w->home)) < 0 ||
	    pathmatch_normalize(cp->root, w->root, sizeof(w->root)) < 0)
		goto out;
	w->env = (struct pathmatch_env){ .home = w->home,
					 .home_len = strlen(w->home),
					 .root = w->root,
					 .root_len = strlen(w->root) };
	if (nkeep && !(w->keep = calloc(nkeep, sizeof(*w->keep))))
		goto out;
	for (size_t i = 0; i < nkeep; i++)
		if (pathmatch_classify(keep[i], &w->keep[w->nkeep], &reason) == 0)
			w->nkeep++;
	for (size_t i = 0; i < npatterns; i++) {
		w->walked = 0;
		apply_pattern(w, patterns[i]);
	}
out:
	if (ret)
		*ret = stats;
	free(w->keep);
	free(w);
}

/*
 * The group the entries name: the one setup recorded (what exists on this
 * machine); without a record, the policy's `group` (default ai-agents). A
 * policy that names yet another group is told which one is used.
 */
static const char *entry_group(const struct config_paths *cp, const struct sys_users_conf *conf,
			       const struct policy *p)
{
	const char *want = p && p->group.present ? p->group.value : NULL;
	if (!conf->from_file)
		return want ? want : conf->group;
	if (want && strcmp(want, conf->group) != 0 && strcmp(want, SYS_USERS_DEFAULT_GROUP) != 0)
		log_warn("%s names the group %s, but aigate setup recorded %s (%s): the ACL "
			 "entries name %s",
			 cp->global_display, want, conf->group, SYS_USERS_CONF, conf->group);
	return conf->group;
}

void acl_apply_after_edit(const struct config_paths *cp, const char *field, bool added,
			  char *const *values, size_t nvalues)
{
	struct sys_users_conf conf;
	struct acl_apply_stats st;
	struct policy *p = NULL;
	const char **keep = NULL;
	size_t nkeep = 0;
	char why[512];

	if (strcmp(field, "deny_read") != 0)
		return;
	int r = sys_users_conf_read(&conf, why, sizeof(why));
	if (r < 0 && r != -ENOENT)
		log_warn("ignoring %s (%s)", SYS_USERS_CONF, why);
	/* The policy as edited: its group, and the rules whose files keep their entry. */
	if (access(cp->global, F_OK) == 0 &&
	    config_load_one(cp->global, cp->global_display, &p) < 0)
		p = NULL;
	const char *group = entry_group(cp, &conf, p);
	struct group *gr = getgrnam(group);
	gid_t gid = gr ? gr->gr_gid : (gid_t)-1;
	if (!added && !gr) {
		log_debug("group %s does not exist: no ACL entry of it to remove", group);
		goto out;
	}
	if (!added && p && p->deny_read.n && (keep = calloc(p->deny_read.n, sizeof(*keep))))
		for (uint32_t i = 0; i < p->deny_read.n; i++)
			keep[nkeep++] = p->deny_read.items[i].value;
	acl_apply_patterns(cp, group, gr != NULL, gid, added ? ACL_APPLY_ADD : ACL_APPLY_REMOVE,
			   (const char *const *)values, nvalues, keep, nkeep, &st);
	if (st.unwarned)
		log_warn("%zu more file%s could not be %s", st.unwarned,
			 st.unwarned == 1 ? "" : "s",
			 added ? "protected with an ACL" : "freed of the ACL entry");
	if (st.truncated)
		log_warn("stopped after %d directory entries for one pattern: files further down "
			 "were not %s",
			 ACL_APPLY_MAX_WALK,
			 added ? "given the ACL entry" : "freed of the ACL entry");
	if (st.changed && added)
		log_info("ACL: %zu file%s now den%s the group %s (entry group:%s:---)", st.changed,
			 st.changed == 1 ? "" : "s", st.changed == 1 ? "ies" : "y", group, group);
	else if (st.changed)
		log_info("ACL: removed the entry of group %s from %zu file%s", group, st.changed,
			 st.changed == 1 ? "" : "s");
	else
		log_debug("ACL: %zu existing file%s matched, none changed", st.matched,
			  st.matched == 1 ? "" : "s");
out:
	free(keep);
	policy_free(p);
}
