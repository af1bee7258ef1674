/* SPDX-License-Identifier: MIT */
/*
 * sup_attr.c — a file's mode, owner and extended attributes: the chmod,
 * chown, setxattr and removexattr families.
 *
 * Two attacks, one mechanism. In the fallback rungs (docs/fallback.md)
 * nothing is mounted read-only and Landlock has no right for a mode, an
 * owner or an attribute: without this the sandbox could make ~/.bashrc
 * writable by every user of the machine (a mode, a group, a POSIX ACL) or
 * a dormant hook executable, for the host to run later. On every rung, a
 * directory above a protected path (.git above .git/hooks, the project,
 * the home) opened to other users (a mode with group or other write, a
 * group, an ACL) would let any local user replace the protected path once
 * the run is over; so those changes are refused there. Each call is judged
 * on the object it names, opened by us (O_PATH: nothing touched), and
 * carried out on that very object, never with CONTINUE: what the caller's
 * threads rewrite meanwhile changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "launcher/sup_internal.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* The longest xattr value the kernel takes (XATTR_SIZE_MAX). */
#define ATTR_VALUE_MAX 65536

/* What a call asks of its object, for the judging. */
enum change {
	CHANGE_MODE,  /* chmod: @mode */
	CHANGE_OWNER, /* chown */
	CHANGE_XATTR, /* setxattr / removexattr of @name */
};

struct attr_call {
	const char *action; /* the record's action */
	int dirfd;
	uint64_t path_addr;
	bool fd_form;	 /* the caller's descriptor @dirfd is the object */
	bool nofollow;	 /* AT_SYMLINK_NOFOLLOW, l*xattr, lchown */
	bool empty_path; /* AT_EMPTY_PATH allowed */
};

/*
 * The object, opened by us: the caller's descriptor for the fd forms (or
 * an empty path with AT_EMPTY_PATH), else the path from @dirfd. fd or
 * -errno (-ESRCH: the caller is gone); *@ret_fd_form for a descriptor of
 * the caller's, *@ret_opath when ours is an O_PATH descriptor.
 */
static int object_open(struct sup_req *r, const struct attr_call *c, bool *ret_fd_form)
{
	char path[PATH_MAX];
	*ret_fd_form = c->fd_form;
	if (!c->fd_form) {
		int err = sup_read_string(r->tid, c->path_addr, path, sizeof(path));
		if (err < 0)
			return err;
		if (path[0] == 0 && !c->empty_path)
			return -ENOENT;
		if (path[0] == 0) {
			/* AT_EMPTY_PATH: the descriptor itself; AT_FDCWD, the working directory. */
			*ret_fd_form = c->dirfd != AT_FDCWD;
			snprintf(path, sizeof(path), "%s", ".");
		}
	}
	if (!sup_still_valid(r))
		return -ESRCH;
	if (*ret_fd_form)
		return sup_caller_fd(r->tid, c->dirfd);
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | (c->nofollow ? O_NOFOLLOW : 0) };
	return sup_openat(r, c->dirfd, path, &how);
}

/* A change asked of an object: the new mode, owner or attribute name. */
struct change_args {
	enum change what;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	const char *xname;
};

/* Would this change open directory @st (above a protected path) to other users? */
static bool opens_to_others(const struct change_args *c, const struct stat *st)
{
	switch (c->what) {
	case CHANGE_MODE:
		return c->mode & (S_IWGRP | S_IWOTH);
	case CHANGE_OWNER:
		/* A group of others (a new owner needs CAP_CHOWN, never ours); -1 or the same: none. */
		return (c->uid != (uid_t)-1 && c->uid != st->st_uid) ||
		       (c->gid != (gid_t)-1 && c->gid != st->st_gid);
	case CHANGE_XATTR:
		return strncmp(c->xname, "system.posix_acl_", 17) == 0;
	default:
		return true;
	}
}

/*
 * Judged: may the sandbox make this change to @obj? Said and recorded when
 * not (the call answered), then true.
 */
static bool object_denied(struct sup_req *r, int obj, const char *action,
			  const struct change_args *c)
{
	char real[PATH_MAX], rule[PATH_MAX + 64], origin[PATH_MAX], which[PATH_MAX];
	struct stat st;
	if (sup_path_verdict(r->s, obj, real, sizeof(real), rule, sizeof(rule), origin,
			     sizeof(origin))) {
		sup_deny(r, action, real, rule, origin, EACCES, "changing a denied file");
		return true;
	}
	/*
	 * pipe:[…], socket:[…], a memfd or a file unlinked since: no name on
	 * disk, nothing a host later runs or reads by path.
	 */
	if (real[0] != '/' || (fstat(obj, &st) == 0 && st.st_nlink == 0))
		return false;
	if (sup_flat_denied(r, action, real, false))
		return true;
	if (S_ISDIR(st.st_mode) && opens_to_others(c, &st) &&
	    sup_holds_protected(r->s, real, which, sizeof(which))) {
		snprintf(rule, sizeof(rule), "holds a read-only path: %s", which);
		sup_deny(r, action, real, rule, "built-in", EPERM,
			 "other users could replace the read-only path inside (a hook, a shell "
			 "rc file) once the run is over");
		return true;
	}
	return false;
}

static void reply_rc(struct sup_req *r, int rc)
{
	if (rc < 0)
		sup_reply_error(r, errno);
	else
		sup_reply_value(r, 0);
}

/* Open @c's object and judge it; fd or -1 when the call was answered. */
static int judged_object(struct sup_req *r, const struct attr_call *c, const struct change_args *ch,
			 bool *by_fd)
{
	int obj = object_open(r, c, by_fd);
	if (obj == -ESRCH)
		return -1; /* the caller is gone: nobody to answer */
	if (obj < 0) {
		sup_reply_error(r, *by_fd ? EBADF : -obj);
		return -1;
	}
	if (object_denied(r, obj, c->action, ch)) {
		close(obj);
		return -1;
	}
	return obj;
}

static void do_chmod(struct sup_req *r, const struct attr_call *c, mode_t mode)
{
	bool by_fd;
	struct change_args ch = { .what = CHANGE_MODE, .mode = mode, .xname = "" };
	int obj = judged_object(r, c, &ch, &by_fd);
	if (obj < 0)
		return;
	struct stat st;
	if (fstat(obj, &st) == 0 && S_ISLNK(st.st_mode)) {
		close(obj);
		return sup_reply_error(r, EOPNOTSUPP); /* as the kernel: a symlink has no mode */
	}
	/*
	 * fchmod(2) on the caller's descriptor: its own answer (EBADF for an
	 * O_PATH one). Otherwise through the magic link, which reaches the
	 * very inode of our O_PATH descriptor.
	 */
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", obj);
	reply_rc(r, c->fd_form ? fchmod(obj, mode) : chmod(link, mode));
	close(obj);
}

static void do_chown(struct sup_req *r, const struct attr_call *c, uid_t uid, gid_t gid)
{
	bool by_fd;
	struct change_args ch = { .what = CHANGE_OWNER, .uid = uid, .gid = gid, .xname = "" };
	int obj = judged_object(r, c, &ch, &by_fd);
	if (obj < 0)
		return;
	/* AT_EMPTY_PATH acts on the object itself: a symlink's own owner for lchown. */
	reply_rc(r,
		 c->fd_form ? fchown(obj, uid, gid) : fchownat(obj, "", uid, gid, AT_EMPTY_PATH));
	close(obj);
}

static void do_xattr(struct sup_req *r, const struct attr_call *c, bool set, uint64_t name_addr,
		     uint64_t value_addr, size_t size, int flags)
{
	char name[XATTR_NAME_MAX + 1];
	int n = sup_read_string(r->tid, name_addr, name, sizeof(name));
	if (n < 0)
		return sup_reply_error(r, n == -ENAMETOOLONG ? ERANGE : -n);
	if (set && size > ATTR_VALUE_MAX)
		return sup_reply_error(r, E2BIG);
	/* Our copy of the value: the kernel never reads the caller's again. */
	char *value = set && size ? malloc(size) : NULL;
	if (set && size && !value)
		return sup_reply_error(r, ENOMEM);
	if (value && sup_read_mem(r->tid, value_addr, value, size) < 0) {
		free(value);
		return sup_reply_error(r, EFAULT);
	}
	bool by_fd;
	struct change_args ch = { .what = CHANGE_XATTR, .xname = name };
	int obj = judged_object(r, c, &ch, &by_fd);
	if (obj < 0) {
		free(value);
		return;
	}
	struct stat st;
	if (fstat(obj, &st) == 0 && S_ISLNK(st.st_mode)) {
		/* user.* is refused on symlinks; the rest needs privileges we never have. */
		free(value);
		close(obj);
		return sup_reply_error(r, EPERM);
	}
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", obj);
	int rc = set ? (c->fd_form ? fsetxattr(obj, name, value, size, flags)
				   : setxattr(link, name, value, size, flags))
		     : (c->fd_form ? fremovexattr(obj, name) : removexattr(link, name));
	reply_rc(r, rc);
	free(value);
	close(obj);
}

void sup_handle_attr(struct sup_req *r)
{
	const __u64 *a = r->n->data.args;
	const char *name = r->sc->name;
	struct attr_call c = { .dirfd = AT_FDCWD, .path_addr = a[0] };
	if (strncmp(name, "mk", 2) == 0 || strcmp(name, "rmdir") == 0)
		return sup_handle_mkent(r);
	if (strstr(name, "chmod")) {
		c.action = "chmod";
		if (strcmp(name, "fchmod") == 0)
			c = (struct attr_call){ "chmod", (int)a[0], 0, true, false, false };
		else if (strcmp(name, "fchmodat") == 0)
			c = (struct attr_call){ "chmod", (int)a[0], a[1], false, false, false };
		else if (strcmp(name, "fchmodat2") == 0) {
			if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
				return sup_reply_error(r, EINVAL);
			c = (struct attr_call){ "chmod",
						(int)a[0],
						a[1],
						false,
						a[3] & AT_SYMLINK_NOFOLLOW,
						a[3] & AT_EMPTY_PATH };
			return do_chmod(r, &c, (mode_t)a[2]);
		}
		return do_chmod(r, &c,
				(mode_t)(c.fd_form || strcmp(name, "chmod") == 0 ? a[1] : a[2]));
	}
	if (strstr(name, "chown")) {
		c.action = "chown";
		if (strcmp(name, "fchown") == 0)
			c = (struct attr_call){ "chown", (int)a[0], 0, true, false, false };
		else if (strcmp(name, "lchown") == 0)
			c.nofollow = true;
		else if (strcmp(name, "fchownat") == 0) {
			if (a[4] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
				return sup_reply_error(r, EINVAL);
			c = (struct attr_call){ "chown",
						(int)a[0],
						a[1],
						false,
						a[4] & AT_SYMLINK_NOFOLLOW,
						a[4] & AT_EMPTY_PATH };
			return do_chown(r, &c, (uid_t)a[2], (gid_t)a[3]);
		}
		return do_chown(r, &c, (uid_t)a[1], (gid_t)a[2]);
	}
	/* The xattr families: set (name, value, size, flags) and remove (name). */
	bool set = strstr(name, "setxattr") != NULL;
	c.action = "setxattr";
	if (strcmp(name, "setxattrat") == 0 || strcmp(name, "removexattrat") == 0)
		/* Linux 6.13: arguments in a structure; C libraries fall back to the others. */
		return sup_reply_error(r, ENOSYS);
	if (name[0] == 'f')
		c = (struct attr_call){ "setxattr", (int)a[0], 0, true, false, false };
	else if (name[0] == 'l')
		c.nofollow = true;
	do_xattr(r, &c, set, a[1], a[2], (size_t)a[3], (int)a[4]);
}
