/* SPDX-License-Identifier: MIT */
/*
 * sup_fsops.c — the calls that can give a denied file another name or
 * destroy one: link, symlink, rename, unlink, truncate. Like opens, they
 * are carried out by the supervisor on directories it resolved itself, so
 * the names judged are the names changed: the caller's memory is read
 * once.
 *
 *   rename/link of a denied file   → EACCES (it would be readable under the new name)
 *   a new name that deny_read matches (rename, link, symlink) → EACCES
 *   a symlink whose target names a denied path → EACCES (a clear answer early;
 *                                    opens through it are denied anyway)
 *   unlink or truncate of a denied file → EACCES (the user's secret is not the agent's to destroy)
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/sup_internal.h"
#include "policy/util.h"

static void entry_close(struct sup_entry *e)
{
	if (e->dir >= 0)
		close(e->dir);
	e->dir = -1;
}

int sup_entry_open(struct sup_req *r, int dirfd, const char *path, struct sup_entry *e)
{
	char dir[PATH_MAX];
	size_t len = strlen(path), end = len;
	e->dir = -1;
	if (len == 0)
		return -ENOENT;
	/* The last component starts after the last '/' that is followed by a non-slash. */
	while (end > 0 && path[end - 1] == '/')
		end--;
	if (end == 0) {
		snprintf(e->name, sizeof(e->name), "%s", "."); /* "/" itself */
		snprintf(dir, sizeof(dir), "%s", "/");
	} else {
		size_t slash = end;
		while (slash > 0 && path[slash - 1] != '/')
			slash--;
		snprintf(e->name, sizeof(e->name), "%s", path + slash);
		if (slash == 0)
			snprintf(dir, sizeof(dir), "%s", ".");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)slash, path);
	}
	struct open_how how = { .flags = O_PATH | O_DIRECTORY };
	int fd = sup_openat(r, dirfd, dir, &how);
	if (fd < 0)
		return fd;
	e->dir = fd;
	char real[PATH_MAX];
	if (sup_fd_path(fd, real, sizeof(real)) < 0) {
		entry_close(e);
		return -ENAMETOOLONG;
	}
	char name[PATH_MAX];
	snprintf(name, sizeof(name), "%s", e->name);
	size_t nl = strlen(name);
	while (nl > 1 && name[nl - 1] == '/')
		name[--nl] = 0;
	snprintf(e->full, sizeof(e->full), "%s/%s", strcmp(real, "/") ? real : "", name);
	return 0;
}

/* Is the existing entry (not following a final symlink) a denied file, by name or identity? */
static bool entry_denied(const struct sup *s, const struct sup_entry *e, char *rule, size_t rsz,
			 char *origin, size_t osz)
{
	struct stat st;
	const char *why;
	bool exists = fstatat(e->dir, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && S_ISREG(st.st_mode) && sup_ident_denied(s, &st, &why)) {
		sup_split_why(why, rule, rsz, origin, osz);
		return true;
	}
	return sup_name_denied(s, e->full, exists && S_ISDIR(st.st_mode), rule, rsz, origin, osz);
}

/*
 * Is the entry a mount point in the sandbox? The kernel refuses to rename
 * or remove one (EBUSY), but checks the mount namespace of the caller, and
 * the caller here is us, outside: without this check our rename would
 * replace a protected .git/config or move .git away on the host. A mount
 * point's mount differs from its directory's; nothing inside can mount,
 * so the answer cannot change under us.
 */
static bool entry_is_mountpoint(const struct sup_entry *e)
{
	struct statx dir, ent;
	if (statx(e->dir, "", AT_EMPTY_PATH, STATX_MNT_ID, &dir) < 0 ||
	    statx(e->dir, e->name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &ent) < 0)
		return false; /* missing: the operation itself says ENOENT */
	return (dir.stx_mask & STATX_MNT_ID) && (ent.stx_mask & STATX_MNT_ID) &&
	       dir.stx_mnt_id != ent.stx_mnt_id;
}

/*
 * Fallback rungs: may the sandbox write this entry? Denied (said and
 * recorded) when not. With namespaces the kernel answers (EROFS), never this.
 */
bool sup_flat_denied(struct sup_req *r, const char *action, const char *full, bool removes)
{
	char rule[512], origin[64];
	int err;
	if (!sup_flat_write_denied(r->s, full, removes, rule, sizeof(rule), origin, sizeof(origin),
				   &err))
		return false;
	sup_deny(r, action, full, rule, origin, err, "outside what the sandbox may write");
	return true;
}

static void reply_result(struct sup_req *r, int ret)
{
	if (ret < 0)
		sup_reply_error(r, errno);
	else
		sup_reply_value(r, 0);
}

/*
 * The entry the caller's @path_addr names from @dirfd: its directory
 * opened by us (sup_entry_open()). False when the call was answered (or
 * the caller is gone).
 */
static bool caller_entry(struct sup_req *r, int dirfd, uint64_t path_addr, struct sup_entry *e)
{
	char path[PATH_MAX];
	int err = sup_read_string(r->tid, path_addr, path, sizeof(path));
	if (err < 0) {
		sup_reply_error(r, -err);
		return false;
	}
	if (!sup_still_valid(r))
		return false;
	if ((err = sup_entry_open(r, dirfd, path, e)) < 0) {
		sup_reply_error(r, -err);
		return false;
	}
	return true;
}

static void do_unlink(struct sup_req *r, int dirfd, uint64_t path_addr, int flags)
{
	char rule[512], origin[PATH_MAX];
	struct sup_entry e;
	if (!caller_entry(r, dirfd, path_addr, &e))
		return;
	if (entry_denied(r->s, &e, rule, sizeof(rule), origin, sizeof(origin)))
		sup_deny(r, "unlink", e.full, rule, origin, EACCES, "removing a denied file");
	else if (sup_flat_denied(r, "unlink", e.full, true))
		;
	else if (entry_is_mountpoint(&e))
		sup_reply_error(r, EBUSY);
	else
		reply_result(r, unlinkat(e.dir, e.name, flags));
	entry_close(&e);
}

static void do_rename(struct sup_req *r, int odir, uint64_t opath, int ndir, uint64_t npath,
		      unsigned flags)
{
	char from[PATH_MAX], to[PATH_MAX], rule[512], origin[PATH_MAX];
	struct sup_entry a, b;
	int err;
	if ((err = sup_read_string(r->tid, opath, from, sizeof(from))) < 0 ||
	    (err = sup_read_string(r->tid, npath, to, sizeof(to))) < 0)
		return sup_reply_error(r, -err);
	if (!sup_still_valid(r))
		return;
	if ((err = sup_entry_open(r, odir, from, &a)) < 0)
		return sup_reply_error(r, -err);
	if ((err = sup_entry_open(r, ndir, to, &b)) < 0) {
		entry_close(&a);
		return sup_reply_error(r, -err);
	}
	if (entry_denied(r->s, &a, rule, sizeof(rule), origin, sizeof(origin)))
		sup_deny(r, "rename", a.full, rule, origin, EACCES,
			 "a denied file would be readable under another name");
	else if (entry_denied(r->s, &b, rule, sizeof(rule), origin, sizeof(origin)))
		sup_deny(r, "rename", b.full, rule, origin, EACCES,
			 "the new name is denied (or would replace a denied file)");
	else if (sup_flat_denied(r, "rename", a.full, true) ||
		 sup_flat_denied(r, "rename", b.full, true))
		;
	else if (entry_is_mountpoint(&a) || entry_is_mountpoint(&b))
		sup_reply_error(r, EBUSY);
	else
		reply_result(r, (int)syscall(SYS_renameat2, a.dir, a.name, b.dir, b.name, flags));
	entry_close(&a);
	entry_close(&b);
}

static void do_link(struct sup_req *r, int odir, uint64_t opath, int ndir, uint64_t npath,
		    int flags)
{
	char from[PATH_MAX], to[PATH_MAX], rule[512], origin[PATH_MAX], real[PATH_MAX];
	struct sup_entry b;
	int err;
	if ((err = sup_read_string(r->tid, opath, from, sizeof(from))) < 0 &&
	    !(err == -ENOENT && (flags & AT_EMPTY_PATH)))
		return sup_reply_error(r, -err);
	if ((err = sup_read_string(r->tid, npath, to, sizeof(to))) < 0)
		return sup_reply_error(r, -err);
	if (!sup_still_valid(r))
		return;
	/* The source, opened (O_PATH) as the kernel would find it; linked by fd below. */
	int src;
	long magic_fd = -1;
	if ((flags & AT_SYMLINK_FOLLOW) && strncmp(from, "/proc/self/fd/", 14) == 0)
		magic_fd = strtol(from + 14, NULL, 10);
	else if ((flags & AT_SYMLINK_FOLLOW) && strncmp(from, "/dev/fd/", 8) == 0)
		magic_fd = strtol(from + 8, NULL, 10);
	if (((flags & AT_EMPTY_PATH) && from[0] == 0) || magic_fd >= 0) {
		/* The caller's own descriptor (an O_TMPFILE file being given a name, typically). */
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/fd/%ld", r->tid,
			 magic_fd >= 0 ? magic_fd : (long)odir);
		src = open(p, O_PATH | O_CLOEXEC);
		src = src < 0 ? -EBADF : src;
	} else {
		struct open_how how = { .flags = O_PATH |
						 ((flags & AT_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW) };
		src = sup_openat(r, odir, from, &how);
	}
	if (src < 0)
		return sup_reply_error(r, -src);
	if (sup_path_verdict(r->s, src, real, sizeof(real), rule, sizeof(rule), origin,
			     sizeof(origin))) {
		close(src);
		return sup_deny(r, "link", real, rule, origin, EACCES,
				"a denied file would be readable under another name");
	}
	/*
	 * Flat rungs: a new name for a file the sandbox may not write (.git/config,
	 * ~/.bashrc) would be a writable alias of it, judged by the new name.
	 * With mounts the kernel refuses the link across them (EXDEV).
	 */
	if (sup_flat_denied(r, "link", real, false)) {
		close(src);
		return;
	}
	if ((err = sup_entry_open(r, ndir, to, &b)) < 0) {
		close(src);
		return sup_reply_error(r, -err);
	}
	if (sup_name_denied(r->s, b.full, false, rule, sizeof(rule), origin, sizeof(origin)))
		sup_deny(r, "link", b.full, rule, origin, EACCES, "the new name is denied");
	else if (!sup_flat_denied(r, "link", b.full, false))
		reply_result(r, linkat(src, "", b.dir, b.name, AT_EMPTY_PATH));
	close(src);
	entry_close(&b);
}

/* Where a symlink's text leads, lexically, from the directory it is made in. */
static void link_target(const char *dir_full, const char *target, char *out, size_t outsz)
{
	char dir[PATH_MAX * 2];
	snprintf(dir, sizeof(dir), "%s", dir_full);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0; /* dir_full is "<dir>/<name>" */
	if (target[0] == '/')
		snprintf(out, outsz, "%s", target);
	else
		snprintf(out, outsz, "%s/%s", dir, target);
}

static void do_symlink(struct sup_req *r, uint64_t tpath, int ndir, uint64_t npath)
{
	char target[PATH_MAX], to[PATH_MAX], rule[512], origin[PATH_MAX], lex[PATH_MAX * 3];
	struct sup_entry b;
	int err;
	if ((err = sup_read_string(r->tid, tpath, target, sizeof(target))) < 0 ||
	    (err = sup_read_string(r->tid, npath, to, sizeof(to))) < 0)
		return sup_reply_error(r, -err);
	if (!sup_still_valid(r))
		return;
	if ((err = sup_entry_open(r, ndir, to, &b)) < 0)
		return sup_reply_error(r, -err);
	link_target(b.full, target, lex, sizeof(lex));
	if (sup_name_denied(r->s, b.full, false, rule, sizeof(rule), origin, sizeof(origin)))
		sup_deny(r, "symlink", b.full, rule, origin, EACCES, "the new name is denied");
	else if (target[0] &&
		 sup_name_denied(r->s, lex, false, rule, sizeof(rule), origin, sizeof(origin)))
		sup_deny(r, "symlink", lex, rule, origin, EACCES,
			 "the link would point at a denied file");
	else if (!sup_flat_denied(r, "symlink", b.full, false))
		reply_result(r, symlinkat(target, b.dir, b.name));
	entry_close(&b);
}

static void do_truncate(struct sup_req *r, uint64_t path_addr, int64_t length)
{
	char path[PATH_MAX], real[PATH_MAX], rule[512], origin[PATH_MAX];
	int err = sup_read_string(r->tid, path_addr, path, sizeof(path));
	if (err < 0)
		return sup_reply_error(r, -err);
	if (!sup_still_valid(r))
		return;
	if (path[0] == 0)
		return sup_reply_error(r, ENOENT);
	/* Judge first (O_PATH touches nothing), then open that very inode for writing. */
	struct open_how how = { .flags = O_PATH };
	int pfd = sup_openat(r, AT_FDCWD, path, &how);
	if (pfd < 0)
		return sup_reply_error(r, -pfd);
	if (sup_path_verdict(r->s, pfd, real, sizeof(real), rule, sizeof(rule), origin,
			     sizeof(origin))) {
		close(pfd);
		return sup_deny(r, "truncate", real, rule, origin, EACCES,
				"truncating a denied file");
	}
	if (sup_flat_denied(r, "truncate", real, false)) {
		close(pfd);
		return;
	}
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	int fd = open(link, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	close(pfd);
	if (fd < 0)
		return sup_reply_error(r, e == ENXIO ? EINVAL : e);
	reply_result(r, ftruncate(fd, length));
	close(fd);
}

/*
 * mkdir, mknod (a regular file, a FIFO, a socket) and rmdir in the
 * fallback rungs (the filter traps them only there). With namespaces the
 * protected paths are read-only mounts and the kernel answers EROFS;
 * Landlock's rights cover a whole write root, .git/hooks included, where
 * a mknod'ed 0777 file would be a hook any user could fill. Judged on the
 * directory we opened, carried out there with the caller's umask.
 */
static void do_mkent(struct sup_req *r, const char *action, int dirfd, uint64_t path_addr, bool dir,
		     mode_t mode, dev_t dev)
{
	struct sup_entry e;
	if (!caller_entry(r, dirfd, path_addr, &e))
		return;
	/*
	 * A deny_read name is not refused here, as the kernel does not at rung
	 * 1: an empty directory or node holds nothing; what is put in it or
	 * read from it is opened, and judged then.
	 */
	mode_t um = (mode_t)sup_umask_of(r->tid) & 0777;
	if (!sup_flat_denied(r, action, e.full, false))
		reply_result(r, dir ? mkdirat(e.dir, e.name, mode & 07777 & ~um)
				    : mknodat(e.dir, e.name, (mode & S_IFMT) | (mode & 07777 & ~um),
					      dev));
	entry_close(&e);
}

void sup_handle_mkent(struct sup_req *r)
{
	const __u64 *a = r->n->data.args;
	const char *name = r->sc->name;
	if (strcmp(name, "mkdir") == 0)
		do_mkent(r, "mkdir", AT_FDCWD, a[0], true, (mode_t)a[1], 0);
	else if (strcmp(name, "mkdirat") == 0)
		do_mkent(r, "mkdir", (int)a[0], a[1], true, (mode_t)a[2], 0);
	else if (strcmp(name, "mknod") == 0)
		do_mkent(r, "mknod", AT_FDCWD, a[0], false, (mode_t)a[1], (dev_t)a[2]);
	else if (strcmp(name, "mknodat") == 0)
		do_mkent(r, "mknod", (int)a[0], a[1], false, (mode_t)a[2], (dev_t)a[3]);
	else if (strcmp(name, "rmdir") == 0)
		do_unlink(r, AT_FDCWD, a[0], AT_REMOVEDIR);
	else
		sup_reply_error(r, ENOSYS);
}

void sup_handle_fsop(struct sup_req *r)
{
	const __u64 *a = r->n->data.args;
	const char *name = r->sc->name;
	if (strcmp(name, "unlink") == 0)
		do_unlink(r, AT_FDCWD, a[0], 0);
	else if (strcmp(name, "unlinkat") == 0)
		do_unlink(r, (int)a[0], a[1], (int)a[2]);
	else if (strcmp(name, "rename") == 0)
		do_rename(r, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
	else if (strcmp(name, "renameat") == 0)
		do_rename(r, (int)a[0], a[1], (int)a[2], a[3], 0);
	else if (strcmp(name, "renameat2") == 0)
		do_rename(r, (int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
	else if (strcmp(name, "link") == 0)
		do_link(r, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
	else if (strcmp(name, "linkat") == 0)
		do_link(r, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
	else if (strcmp(name, "symlink") == 0)
		do_symlink(r, a[0], AT_FDCWD, a[1]);
	else if (strcmp(name, "symlinkat") == 0)
		do_symlink(r, a[0], (int)a[1], a[2]);
	else if (strcmp(name, "truncate") == 0)
		do_truncate(r, a[0], (int64_t)a[1]);
	else
		sup_reply_error(r, ENOSYS);
}
