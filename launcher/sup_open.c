/* SPDX-License-Identifier: MIT */
/*
 * sup_open.c — open, openat, openat2 and creat, done by the supervisor.
 *
 * The kernel would read the path again after any answer of ours, so a
 * verdict on the path string is worth nothing: another thread (or a vfork
 * sibling) rewrites it in between (seccomp_unotify(2), "Design goals; use
 * of SECCOMP_USER_NOTIF_FLAG_CONTINUE"). Instead the supervisor reads the
 * path once, opens it itself in the sandbox's view of the file system,
 * judges what it actually opened (its resolved path and its device and
 * inode), and hands that very file to the caller with
 * SECCOMP_IOCTL_NOTIF_ADDFD. Symlinks, `a/../.env`, hard links made before
 * the start, `/proc/self/fd/N` and `/proc/self/root/…` all end at the same
 * object, so they all get the same verdict.
 *
 * Resolution never uses our own root or /proc: absolute paths start from
 * the sandbox's root with RESOLVE_IN_ROOT (an absolute symlink inside must
 * not lead into the host's mount tree, where the overmounts do not exist),
 * relative ones from the caller's directory with RESOLVE_BENEATH, falling
 * back to the joined path when they climb out. Magic links are followed
 * only through the handful of /proc forms handled explicitly below.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/sup_fast.h"
#include "launcher/audit.h"
#include "launcher/sup_internal.h"
#include "policy/util.h"

#ifndef O_LARGEFILE
#define O_LARGEFILE 0100000
#endif

/* What the kernel accepts from open/openat (others are silently dropped there). */
#define VALID_OPEN_FLAGS                                                                       \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
	 O_SYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |    \
	 O_CLOEXEC | O_PATH | O_TMPFILE)
/* The kernel's __O_TMPFILE alone: glibc's __O_TMPFILE includes O_DIRECTORY. */
#define O_TMPFILE_BIT 020000000
#ifndef OPEN_HOW_SIZE_VER0
#define OPEN_HOW_SIZE_VER0 24
#endif
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
#define VALID_RESOLVE                                                                      \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)

struct open_call {
	int dirfd;
	uint64_t path;
	struct open_how how;
	bool openat2;
};

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	int fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
	return fd < 0 ? -errno : fd;
}

/* Decode the call as the kernel would (build_open_how / build_open_flags). */
static int decode(const struct sup_req *r, struct open_call *c)
{
	const __u64 *a = r->n->data.args;
	const char *name = r->sc->name;
	uint64_t flags, mode = 0;

	memset(c, 0, sizeof(*c));
	c->dirfd = AT_FDCWD;
	if (strcmp(name, "open") == 0) {
		c->path = a[0], flags = (uint32_t)a[1], mode = a[2];
	} else if (strcmp(name, "creat") == 0) {
		c->path = a[0], flags = O_CREAT | O_WRONLY | O_TRUNC, mode = a[1];
	} else if (strcmp(name, "openat") == 0) {
		c->dirfd = (int)a[0], c->path = a[1], flags = (uint32_t)a[2], mode = a[3];
	} else {
		/* openat2: copy_struct_from_user() rules for the size. */
		size_t size = (size_t)a[3];
		unsigned char extra[4096];
		c->openat2 = true;
		c->dirfd = (int)a[0], c->path = a[1];
		if (size < OPEN_HOW_SIZE_VER0)
			return -EINVAL;
		if (size > 4096)
			return -E2BIG;
		memset(extra, 0, sizeof(extra));
		if (sup_read_mem(r->tid, a[2], extra, size) < 0)
			return -EFAULT;
		for (size_t i = sizeof(c->how); i < size; i++)
			if (extra[i])
				return -E2BIG;
		memcpy(&c->how, extra, size < sizeof(c->how) ? size : sizeof(c->how));
		if (c->how.flags & ~(uint64_t)VALID_OPEN_FLAGS)
			return -EINVAL;
		if (c->how.resolve & ~(uint64_t)VALID_RESOLVE)
			return -EINVAL;
		if ((c->how.resolve & RESOLVE_BENEATH) && (c->how.resolve & RESOLVE_IN_ROOT))
			return -EINVAL;
		if (!(c->how.flags & (O_CREAT | O_TMPFILE_BIT)) && c->how.mode)
			return -EINVAL;
		if (c->how.mode & ~(uint64_t)07777)
			return -EINVAL;
		if ((c->how.flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
			return -EINVAL;
		if ((c->how.flags & O_PATH) && (c->how.flags & ~(uint64_t)O_PATH_FLAGS))
			return -EINVAL;
		c->how.flags |= O_LARGEFILE;
		return 0;
	}
	/* Legacy calls: unknown bits dropped, mode only with O_CREAT / O_TMPFILE. */
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY) &&
	    !(flags & O_TMPFILE_BIT))
		return -EINVAL; /* since Linux 6.4 */
	flags &= VALID_OPEN_FLAGS;
	flags |= O_LARGEFILE;
	if (flags & O_PATH)
		flags &= O_PATH_FLAGS;
	c->how.flags = flags;
	c->how.mode = (flags & (O_CREAT | O_TMPFILE_BIT)) ? (mode & 07777) : 0;
	return 0;
}

static int read_status_field(pid_t tid, const char *key, char *out, size_t outsz)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	char *l = strstr(buf, key);
	if (!l)
		return -ENOENT;
	l += strlen(key);
	while (*l == ' ' || *l == '\t')
		l++;
	size_t len = strcspn(l, "\n");
	snprintf(out, outsz, "%.*s", (int)len, l);
	return 0;
}

/* The last number of a "NSpid:"-style line: the id in the sandbox's PID namespace. */
static long last_number(const char *s)
{
	long v = -1;
	while (*s) {
		char *end;
		long x = strtol(s, &end, 10);
		if (end == s)
			break;
		v = x;
		s = end;
	}
	return v;
}

int sup_open_root(struct sup *s, pid_t tid)
{
	if (s->rootfd >= 0)
		return s->rootfd;
	/*
	 * Every process of the sandbox has the same root: chroot needs
	 * CAP_SYS_CHROOT, which nothing inside has, and setns is denied. So
	 * the first caller's root serves everyone.
	 */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", tid);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	s->rootfd = fd;
	return fd;
}

/* The caller's directory for a relative path: its cwd or the dirfd it passed. */
static int open_base(pid_t tid, int dirfd)
{
	char path[64];
	if (dirfd == AT_FDCWD)
		snprintf(path, sizeof(path), "/proc/%d/cwd", tid);
	else if (dirfd < 0)
		return -EBADF;
	else
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", tid, dirfd);
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -EBADF : -errno;
	return fd;
}

/* The path of @fd in the sandbox's view (readlink of our own /proc/self/fd). */
static int fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = 0;
	return (int)n;
}

/*
 * Resolve @path relative to @base (an O_PATH directory of the caller's)
 * the way the kernel would for the caller: beneath @base while the path
 * stays there, else as the joined absolute path inside the sandbox's root.
 */
static int open_relative(struct sup *s, int base, const char *path, struct open_how *how,
			 uint64_t caller_resolve)
{
	struct open_how h = *how;
	h.resolve = caller_resolve | RESOLVE_NO_MAGICLINKS;
	if (caller_resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
		return sys_openat2(base, path, &h); /* the caller's own confinement */
	h.resolve |= RESOLVE_BENEATH;
	int fd = sys_openat2(base, path, &h);
	if (fd != -EXDEV)
		return fd;
	/* It climbs out (".." or an absolute symlink): join and resolve from the root. */
	char dir[PATH_MAX], full[PATH_MAX * 2];
	int r = fd_path(base, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (strstr(dir, " (deleted)"))
		return -ENOENT;
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", strcmp(dir, "/") ? dir : "", path) >=
	    PATH_MAX)
		return -ENAMETOOLONG;
	h.resolve = caller_resolve | RESOLVE_NO_MAGICLINKS | RESOLVE_IN_ROOT;
	return sys_openat2(s->rootfd, full, &h);
}

/* Reopen an O_PATH fd we hold with the caller's flags: what the kernel does for a magic link. */
static int reopen(int fd, const struct open_how *how)
{
	char link[64];
	if (how->flags & O_PATH) {
		int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		return d < 0 ? -errno : d;
	}
	if ((how->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (how->flags & O_NOFOLLOW)
		return -ELOOP;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	int r = open(link, (int)(how->flags & ~(uint64_t)(O_CREAT | O_EXCL)) | O_CLOEXEC,
		     (mode_t)how->mode);
	return r < 0 ? -errno : r;
}

/*
 * The /proc forms that pass a magic link: /proc/<pid>[/task/<tid>]/{fd/N,
 * cwd, root, exe}[/rest]. @p has "self" already replaced by the caller's
 * pid. Returns a new fd, -ENOENT when @p is not such a form (resolve it
 * normally), or another -errno.
 */
static int open_magic(struct sup *s, const struct sup_req *r, const char *p, struct open_how *how,
		      uint64_t caller_resolve, long caller_nspid, bool *ret_handled)
{
	char piddir[96], entry[32];
	const char *q = p + strlen("/proc/");
	size_t n = strspn(q, "0123456789");
	*ret_handled = false;
	if (strncmp(p, "/proc/", 6) != 0 || n == 0 || n > 10 || q[n] != '/')
		return -ENOENT;
	long pid = strtol(q, NULL, 10);
	snprintf(piddir, sizeof(piddir), "proc/%.*s", (int)n, q);
	q += n;
	if (strncmp(q, "/task/", 6) == 0) {
		size_t m = strspn(q + 6, "0123456789");
		if (m == 0 || m > 10)
			return -ENOENT;
		size_t l = strlen(piddir);
		snprintf(piddir + l, sizeof(piddir) - l, "/task/%.*s", (int)m, q + 6);
		q += 6 + m;
	}
	/* q is "/fd/N…", "/cwd…", "/root…", "/exe" or something ordinary. */
	const char *rest;
	if (strncmp(q, "/fd/", 4) == 0 && q[4] >= '0' && q[4] <= '9') {
		size_t m = strspn(q + 4, "0123456789");
		if (m > 10 || (q[4 + m] && q[4 + m] != '/'))
			return -ENOENT;
		snprintf(entry, sizeof(entry), "fd/%.*s", (int)m, q + 4);
		rest = q + 4 + m;
	} else if (strncmp(q, "/cwd", 4) == 0 && (!q[4] || q[4] == '/')) {
		snprintf(entry, sizeof(entry), "cwd"), rest = q + 4;
	} else if (strncmp(q, "/root", 5) == 0 && (!q[5] || q[5] == '/')) {
		snprintf(entry, sizeof(entry), "root"), rest = q + 5;
	} else if (strcmp(q, "/exe") == 0) {
		snprintf(entry, sizeof(entry), "exe"), rest = q + 4;
	} else {
		return -ENOENT;
	}
	*ret_handled = true;
	/* As the kernel answers a magic link under the caller's own restrictions. */
	if (caller_resolve &
	    (RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT))
		return -ELOOP;
	if (caller_resolve & RESOLVE_NO_XDEV)
		return -EXDEV;

	/* The process directory in the sandbox's own /proc (its PID namespace). */
	struct open_how ph = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int dir = sys_openat2(s->rootfd, piddir, &ph);
	if (dir < 0)
		return dir;
	/*
	 * Our privileges are not the caller's: the launcher owns the
	 * sandbox's user namespace, so procfs would let us into processes the
	 * caller may not trace (init, non-dumpable ones, whose /proc entries
	 * belong to root). Only the caller's own, or a same-user dumpable one.
	 */
	struct stat st;
	if (fstat(dir, &st) < 0)
		return -errno;
	if (pid != caller_nspid && st.st_uid != r->s->uid)
		return -EACCES;
	/*
	 * Flat rungs: no PID namespace hides the user's other processes (and
	 * aigate's own pipes, terminal and policy memfd): their fds, cwd and
	 * root are not the sandbox's to open, whatever they resolve to.
	 */
	if (pid != caller_nspid && !sup_flat_pid_inside(s, pid))
		return -EACCES;
	_cleanup_close_ int link = openat(dir, entry, O_PATH | O_CLOEXEC);
	if (link < 0)
		return -errno;
	if (strcmp(entry, "root") == 0) {
		/* Every process here shares the root: resolve the rest from it. */
		struct open_how h = *how;
		h.resolve = caller_resolve | RESOLVE_NO_MAGICLINKS | RESOLVE_IN_ROOT;
		return sys_openat2(s->rootfd, *rest ? rest : "/", &h);
	}
	if (*rest && strspn(rest, "/") != strlen(rest))
		return open_relative(s, link, rest + strspn(rest, "/"), how, caller_resolve);
	return reopen(link, how);
}

int sup_openat(struct sup_req *r, int dirfd, const char *path, const struct open_how *how)
{
	struct open_how h = *how;
	int root = sup_open_root(r->s, r->tid);
	if (root < 0)
		return root;
	h.flags |= O_CLOEXEC;
	if (path[0] == '/') {
		/* /proc/self/{root,cwd,fd/N}/…: the same magic-link forms opens accept. */
		char v[128], fixed[PATH_MAX + 64];
		long nspid = -1;
		if (strncmp(path, "/proc/", 6) == 0 &&
		    read_status_field(r->tid, "\nNStgid:", v, sizeof(v)) == 0)
			nspid = last_number(v);
		if (strncmp(path, "/proc/self", 10) == 0 && (path[10] == '/' || !path[10]))
			snprintf(fixed, sizeof(fixed), "/proc/%ld%s", nspid, path + 10);
		else if (strncmp(path, "/dev/fd/", 8) == 0)
			snprintf(fixed, sizeof(fixed), "/proc/%ld/fd/%s", nspid, path + 8);
		else
			snprintf(fixed, sizeof(fixed), "%s", path);
		if (strncmp(fixed, "/proc/-1", 8) == 0)
			return -ENOENT;
		bool handled = false;
		int fd = open_magic(r->s, r, fixed, &h, 0, nspid, &handled);
		if (handled)
			return fd;
		h.resolve = RESOLVE_NO_MAGICLINKS | RESOLVE_IN_ROOT;
		return sys_openat2(root, fixed, &h);
	}
	_cleanup_close_ int base = open_base(r->tid, dirfd);
	if (base < 0)
		return base;
	return open_relative(r->s, base, path, &h, 0);
}

int sup_fd_path(int fd, char *buf, size_t size)
{
	return fd_path(fd, buf, size);
}

bool sup_ident_denied(const struct sup *s, const struct stat *st, const char **ret_why)
{
	size_t lo = 0, hi = s->ndenied;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct sup_identity *e = &s->denied[mid];
		if (e->dev == st->st_dev && e->ino == st->st_ino) {
			*ret_why = e->why;
			return true;
		}
		if (e->dev < st->st_dev || (e->dev == st->st_dev && e->ino < st->st_ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool sup_name_denied(const struct sup *s, const char *path, bool is_dir, char *rule, size_t rsz,
		     char *origin, size_t osz)
{
	int idx = policy_blob_match_path(s->blob, POLICY_BLOB_DENY_READ, path, is_dir);
	if (idx == -1)
		return false;
	if (idx < 0) {
		/* A path we cannot judge (too long to normalise) is not allowed. */
		snprintf(rule, rsz, "%s", "unjudgeable path");
		snprintf(origin, osz, "%s", "built-in");
		return true;
	}
	const struct policy_blob_rule *pr =
		policy_blob_rule(s->blob, POLICY_BLOB_DENY_READ, (uint32_t)idx);
	snprintf(rule, rsz, "%s", policy_blob_str(s->blob, pr->text_off));
	policy_blob_origin(s->blob, pr, origin, osz);
	return true;
}

/*
 * Fallback rungs: is @path below the hidden directory @dir? With a mount
 * namespace an empty tmpfs covers it; without, this check is all there is
 * (~/.ssh, ~/.aigate with the policy).
 */
static bool hidden_below(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	return strncmp(dir, path, n) == 0 && path[n] == '/';
}

/* The verdict on @fd, whose resolved path is @path (@known) or is read here. */
static bool verdict(const struct sup *s, int fd, bool known, char *path, size_t pathsz, char *rule,
		    size_t rsz, char *origin, size_t osz)
{
	struct stat st;
	const char *why;
	if (fstat(fd, &st) < 0 || (!known && fd_path(fd, path, pathsz) < 0)) {
		snprintf(path, pathsz, "%s", "?");
		snprintf(rule, rsz, "%s", "unjudgeable file");
		snprintf(origin, osz, "%s", "built-in");
		return true;
	}
	if (S_ISREG(st.st_mode) && sup_ident_denied(s, &st, &why)) {
		sup_split_why(why, rule, rsz, origin, osz);
		return true;
	}
	/* pipe:[…], socket:[…], anon_inode:…: no file, no name a rule could match. */
	if (path[0] != '/')
		return false;
	/* A file unlinked while open is still judged by the name it had. */
	char *del = strstr(path, " (deleted)");
	if (del && del[10] == 0)
		*del = 0;
	if (sup_name_denied(s, path, S_ISDIR(st.st_mode), rule, rsz, origin, osz))
		return true;
	for (size_t i = 0; i < s->nhidden; i++)
		if (strcmp(path, s->hidden[i].path) == 0 ||
		    (s->hidden[i].dir && hidden_below(s->hidden[i].path, path))) {
			sup_split_why(s->hidden[i].why, rule, rsz, origin, osz);
			return true;
		}
	return false;
}

bool sup_path_verdict(const struct sup *s, int fd, char *path, size_t pathsz, char *rule,
		      size_t rsz, char *origin, size_t osz)
{
	return verdict(s, fd, false, path, pathsz, rule, rsz, origin, osz);
}

/* procfs: our extra privileges must not show through (see open_magic). */
static int proc_check(const struct sup_req *r, const char *path, uint64_t flags, long caller_nspid)
{
	bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	const char *q = path + 6;
	/*
	 * Files whose contents depend on the opener's namespaces, and we are
	 * not in the sandbox's: they would show the host's System V IPC
	 * objects and limits and the host's user-namespace settings. Refused
	 * (ipcs falls back to its system calls, which answer for the sandbox).
	 */
	static const char *const opener_ns[] = { "/proc/sysvipc",	 "/proc/sys/kernel/shm",
						 "/proc/sys/kernel/msg", "/proc/sys/kernel/sem",
						 "/proc/sys/fs/mqueue",	 "/proc/sys/user" };
	for (size_t i = 0; i < ARRAY_SIZE(opener_ns); i++)
		if (strncmp(path, opener_ns[i], strlen(opener_ns[i])) == 0)
			return -EACCES;
	size_t n = strspn(q, "0123456789");
	if (n == 0 || q[n] != '/') {
		/* /proc/sys and the rest: the caller (no capabilities) may not write them. */
		return writing ? -EACCES : 0;
	}
	long pid = strtol(q, NULL, 10);
	const char *tail = strrchr(path, '/');
	/* Writing another process's memory rewrites what we checked in it. */
	if (writing && tail && strcmp(tail, "/mem") == 0)
		return -EACCES;
	if (pid == caller_nspid)
		return 0;
	if (!sup_flat_pid_inside(r->s, pid))
		return -EACCES;
	char dir[48];
	struct stat st;
	struct open_how ph = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	snprintf(dir, sizeof(dir), "proc/%ld", pid);
	_cleanup_close_ int d = sys_openat2(r->s->rootfd, dir, &ph);
	if (d < 0 || fstat(d, &st) < 0)
		return -EACCES;
	return st.st_uid == r->s->uid ? 0 : -EACCES;
}

/* Lexical absolute form of @p for a name check (the parent may not exist). */
static void lexical_abs(const char *base, const char *p, char *out, size_t outsz)
{
	if (p[0] == '/')
		snprintf(out, outsz, "%s", p);
	else
		snprintf(out, outsz, "%s/%s", strcmp(base, "/") ? base : "", p);
}

int sup_umask_of(pid_t tid)
{
	char v[32];
	if (read_status_field(tid, "\nUmask:", v, sizeof(v)) < 0)
		return 022;
	return (int)strtol(v, NULL, 8);
}

struct resolve_ctx {
	struct sup *s;
	const struct sup_req *r;
	const struct open_call *c;
	const char *path;
	uint64_t caller_resolve;
	long nspid;
	int *base; /* the caller's directory, opened on first need */
};

/* Open @rc->path with @how the way the caller would reach it. fd or -errno. */
static int resolve_open(struct resolve_ctx *rc, struct open_how *how)
{
	bool handled = false;
	const char *path = rc->path;
	if (path[0] == '/' && !(rc->caller_resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))) {
		int fd = open_magic(rc->s, rc->r, path, how, rc->caller_resolve, rc->nspid,
				    &handled);
		if (handled)
			return fd;
		struct open_how h = *how;
		h.resolve = rc->caller_resolve | RESOLVE_NO_MAGICLINKS | RESOLVE_IN_ROOT;
		return sys_openat2(rc->s->rootfd, path, &h);
	}
	if (*rc->base < 0) {
		/* Relative, or absolute under the caller's own BENEATH/IN_ROOT: from its dirfd. */
		*rc->base = open_base(rc->r->tid, rc->c->dirfd);
		if (*rc->base < 0)
			return *rc->base;
	}
	return open_relative(rc->s, *rc->base, path, how, rc->caller_resolve);
}

/*
 * A plain read-only open the fast path may take (sup_fast.c): no creating,
 * truncating or writing (those only happen in writable mounts, which the
 * fast path avoids anyway), no openat2 (its open_how is more memory the
 * kernel reads again), no O_PATH (judged and continued by the slow path).
 */
static bool fast_flags(const struct sup_req *r, const struct open_call *c)
{
	return strcmp(r->sc->name, "openat2") != 0 && (c->how.flags & O_ACCMODE) == O_RDONLY &&
	       !(c->how.flags & (O_CREAT | O_TRUNC | O_TMPFILE_BIT | O_PATH));
}

/*
 * The fast path: judge the file as the slow path would, then let the
 * kernel open it (one round trip instead of two cross-CPU wake-ups). Only
 * when sup_fast_sole() held before the path was read, so @path is what
 * the kernel will read, provided its pages are private (checked here).
 * Returns true when it answered (CONTINUE or a denial), false to go on
 * with the slow path.
 */
static bool fast_open(struct sup_req *r, const struct open_call *c, const char *path, int len)
{
	struct sup *s = r->s;
	char resolved[PATH_MAX], rule[512], origin[PATH_MAX];
	/* A final symlink under O_NOFOLLOW fails the probe (ELOOP): the slow path answers. */
	uint64_t probe_flags = c->how.flags & (O_DIRECTORY | O_NOFOLLOW);
	_cleanup_close_ int fd = -1;

	bool known = path[0] == '/'; /* the probe followed no symlink: its path is the name */
	if (known) {
		fd = sup_fast_resolve(s, path, probe_flags, resolved, sizeof(resolved));
	} else if (sup_fast_relative_ok(path)) {
		/* From the caller's own directory, never leaving it, following no symlink. */
		_cleanup_close_ int base = open_base(r->tid, c->dirfd);
		struct open_how h = { .flags = O_PATH | O_CLOEXEC | probe_flags,
				      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
						 RESOLVE_NO_MAGICLINKS };
		if (base >= 0 && (fd = sys_openat2(base, path, &h)) >= 0 &&
		    (fd_path(fd, resolved, sizeof(resolved)) < 0 || !sup_fast_stable(s, resolved)))
			return false;
	}
	if (fd < 0)
		return false; /* errors and the rest: the slow path answers exactly */
	if (verdict(s, fd, known, resolved, sizeof(resolved), rule, sizeof(rule), origin,
		    sizeof(origin))) {
		/* An error answer lets the kernel do nothing: no race to fear. */
		if (sup_still_valid(r))
			sup_deny(r, "open", resolved, rule, origin, EACCES, NULL);
		return true;
	}
	struct sup_span span = { c->path, (size_t)len + 1 };
	if (!sup_fast_private(s, r->tid, &span, 1))
		return false;
	/* Still the same blocked call: the pid named it throughout. */
	if (sup_still_valid(r)) {
		sup_record_allowed(r->tid, AUDIT_LEVEL_ALL, "open", r->sc->name, resolved, NULL);
		sup_reply_continue(r);
	}
	return true;
}

static void do_open(struct sup_req *r, bool may_block);

/*
 * Fallback rungs: would opening @fd (resolved to @resolved) with @flags
 * write where the sandbox may not? Only files and directories: writing a
 * device, a FIFO or a socket changes no file (a read-only mount allows it
 * too). Denied (said and recorded) when it would.
 */
static bool flat_open_denied(struct sup_req *r, int fd, const char *resolved, uint64_t flags)
{
	char rule[512], origin[64];
	struct stat st;
	int err;
	if (!r->s->flat || ((flags & O_ACCMODE) == O_RDONLY && !(flags & O_TRUNC)))
		return false;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
	    !S_ISLNK(st.st_mode))
		return false;
	if (!sup_flat_write_denied(r->s, resolved, false, rule, sizeof(rule), origin,
				   sizeof(origin), &err))
		return false;
	sup_deny(r, "open", resolved, rule, origin, err, "outside what the sandbox may write");
	return true;
}

/*
 * Fallback rungs: create the new file @path. Its directory is resolved and
 * judged first, then the file is made in that very directory, following no
 * symlink there: a name swapped for a symlink into .git/hooks after the
 * check fails (ELOOP) instead of creating the hook. (A dangling symlink,
 * which a native O_CREAT would follow, is refused the same way.) fd,
 * -errno, or -EPERM once the denial is said.
 */
static int flat_create(struct sup_req *r, const struct open_call *c, const char *path,
		       const struct open_how *how)
{
	char rule[512], origin[64];
	struct sup_entry e;
	int err = sup_entry_open(r, c->dirfd, path, &e);
	if (err < 0)
		return err;
	if (sup_flat_write_denied(r->s, e.full, false, rule, sizeof(rule), origin, sizeof(origin),
				  &err)) {
		close(e.dir);
		sup_deny(r, "open", e.full, rule, origin, err,
			 "outside what the sandbox may write");
		return -EPERM;
	}
	struct open_how h = *how;
	h.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	int fd = sys_openat2(e.dir, e.name, &h);
	close(e.dir);
	return fd;
}

/*
 * The caller's controlling terminal (/proc/TID/stat's tty_nr), opened again
 * through the caller's own descriptor of it: ENXIO when it has none or
 * holds none (as open("/dev/tty") says without one). fd or -errno.
 */
static int open_caller_tty(pid_t tid, int flags)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
	if (f >= 0)
		close(f);
	if (n <= 0)
		return -ENXIO;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	int tty_nr = 0;
	/* ") S ppid pgrp session tty_nr" */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %d", &tty_nr) != 1 || tty_nr == 0)
		return -ENXIO;
	for (int fdn = 0; fdn < 256; fdn++) {
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", tid, fdn);
		if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != (dev_t)tty_nr)
			continue;
		int fd = open(path, (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return -ENXIO;
}

static void open_job(struct sup_req *r)
{
	do_open(r, true);
}

static void do_open(struct sup_req *r, bool may_block)
{
	struct sup *s = r->s;
	struct open_call c;
	char path[PATH_MAX + 64], resolved[PATH_MAX], rule[512], origin[PATH_MAX];
	char base_path[PATH_MAX] = "/";
	_cleanup_close_ int base = -1;
	int err, fd = -1;

	if ((err = decode(r, &c)) < 0)
		goto fail;
	/* Before the read: if nothing else can write the caller's memory now, nothing will. */
	bool sole = !may_block && fast_flags(r, &c) && sup_fast_sole(r);
	int len = sup_read_string(r->tid, c.path, path, PATH_MAX);
	if ((err = len) < 0)
		goto fail;
	/* (The fast path checks the id once, at its end: it covers every read before it.) */
	if (sole && path[0] && sup_open_root(s, r->tid) >= 0 && fast_open(r, &c, path, len))
		return;
	/* Everything read from the target is read: from here on it may change, we do not care. */
	if (!sup_still_valid(r))
		return;
	if (path[0] == 0) {
		err = -ENOENT;
		goto fail;
	}
	/*
	 * /dev/tty means the opener's controlling terminal: ours would be
	 * nothing (the supervisor has a session of its own), so the caller's
	 * is found among its descriptors. Never aigate's: that is the user's
	 * real terminal, past the relay and its masking.
	 */
	if (strcmp(path, "/dev/tty") == 0) {
		fd = open_caller_tty(r->tid, (int)c.how.flags);
		if ((err = fd) < 0)
			goto fail;
		goto hand_over;
	}
	if ((err = sup_open_root(s, r->tid)) < 0)
		goto fail;

	uint64_t caller_resolve = c.how.resolve;
	bool trunc = (c.how.flags & O_TRUNC) && (c.how.flags & O_ACCMODE) != O_RDONLY;
	struct open_how how = c.how;
	how.flags |= O_CLOEXEC;
	if (trunc)
		how.flags &= ~(uint64_t)O_TRUNC; /* truncated below, once the verdict allows it */
	/*
	 * The caller's umask, set on this thread (each has its own fs_struct):
	 * the kernel then applies it, or a default ACL instead, as it would.
	 */
	if (how.flags & (O_CREAT | O_TMPFILE_BIT))
		umask((mode_t)sup_umask_of(r->tid));
	/* RESOLVE_CACHED cannot create or truncate: the kernel says EAGAIN. */
	if ((caller_resolve & RESOLVE_CACHED) &&
	    (c.how.flags & (O_TRUNC | O_CREAT | O_TMPFILE_BIT))) {
		err = -EAGAIN;
		goto fail;
	}

	/*
	 * /dev/fd/N, /dev/std*, /proc/net and /proc/mounts are symlinks into
	 * /proc/self, which would name us (outside the sandbox's PID namespace:
	 * ENOENT): spell them out.
	 */
	static const struct {
		const char *from, *to;
	} dev_links[] = {
		{ "/dev/fd/", "/proc/self/fd/" },     { "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" }, { "/dev/stderr", "/proc/self/fd/2" },
		{ "/proc/net", "/proc/self/net" },    { "/proc/mounts", "/proc/self/mounts" }
	};
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
		size_t l = strlen(dev_links[i].from);
		if (strncmp(path, dev_links[i].from, l) == 0 &&
		    (dev_links[i].from[l - 1] == '/' || path[l] == 0 || path[l] == '/')) {
			char tmp[sizeof(path)];
			snprintf(tmp, sizeof(tmp), "%s%s", dev_links[i].to, path + l);
			memcpy(path, tmp, sizeof(path));
			break;
		}
	}

	long nspid = -1, nstid = -1;
	if (strncmp(path, "/proc/", 6) == 0) {
		char v[128];
		if (read_status_field(r->tid, "\nNStgid:", v, sizeof(v)) == 0)
			nspid = last_number(v);
		if (read_status_field(r->tid, "\nNSpid:", v, sizeof(v)) == 0)
			nstid = last_number(v);
		/* "self" names the reader: we are not in the sandbox's PID namespace. */
		char tmp[sizeof(path)];
		if (strncmp(path, "/proc/self", 10) == 0 && (path[10] == '/' || !path[10]))
			snprintf(tmp, sizeof(tmp), "/proc/%ld%s", nspid, path + 10);
		else if (strncmp(path, "/proc/thread-self", 17) == 0 &&
			 (path[17] == '/' || !path[17]))
			snprintf(tmp, sizeof(tmp), "/proc/%ld/task/%ld%s", nspid, nstid, path + 17);
		else
			snprintf(tmp, sizeof(tmp), "%s", path);
		memcpy(path, tmp, sizeof(path));
		/*
		 * Flat rungs: another process of the user (no PID namespace hides
		 * it): denied and recorded here; open_magic() and proc_check()
		 * refuse the forms this lexical test does not see.
		 */
		long pid = strtol(path + 6, NULL, 10);
		if (s->flat && path[6] >= '1' && path[6] <= '9' && pid != nspid &&
		    !sup_flat_pid_inside(s, pid)) {
			sup_deny(r, "open", path, "procfs of a process outside the sandbox",
				 "built-in", EACCES,
				 "no PID namespace hides the user's other processes");
			return;
		}
	}

	/*
	 * Creating (or truncating) a file under a denied name is denied before
	 * anything exists. Only then is the caller's directory's path needed:
	 * a plain open never pays for the readlink.
	 */
	if ((c.how.flags & (O_CREAT | O_TRUNC)) &&
	    (path[0] != '/' || !(caller_resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)))) {
		char lex[PATH_MAX * 2];
		if (path[0] != '/') {
			base = open_base(r->tid, c.dirfd);
			if (base < 0) {
				err = base;
				goto fail;
			}
			/* A directory whose path we cannot read cannot have its new names judged. */
			if ((err = fd_path(base, base_path, sizeof(base_path))) < 0)
				goto fail;
		}
		lexical_abs(base_path, path, lex, sizeof(lex));
		if (sup_name_denied(s, lex, false, rule, sizeof(rule), origin, sizeof(origin))) {
			sup_deny(r, "open", lex, rule, origin, EACCES,
				 "creating or truncating a denied file");
			return;
		}
	}

	struct resolve_ctx rc = { .s = s,
				  .r = r,
				  .c = &c,
				  .path = path,
				  .caller_resolve = caller_resolve,
				  .nspid = nspid,
				  .base = &base };
	bool exclusive = (c.how.flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
	if (c.how.flags & O_TMPFILE_BIT) {
		/* An unnamed file in a directory: nothing to probe, judged below like any other. */
		fd = resolve_open(&rc, &how);
	} else {
		/*
		 * Probe with O_PATH first: it has no side effect on anything (a
		 * FIFO counts no reader or writer, a device is not opened), so
		 * the object is judged before anything happens to it, then
		 * reopened through its own descriptor: exactly the inode judged.
		 */
		struct open_how probe = { .flags = O_PATH | O_CLOEXEC |
						   (c.how.flags & (O_NOFOLLOW | O_DIRECTORY)) |
						   (exclusive ? O_NOFOLLOW : 0) };
		_cleanup_close_ int pfd = resolve_open(&rc, &probe);
		if (pfd == -ENOENT && (c.how.flags & O_CREAT) && s->flat) {
			fd = flat_create(r, &c, path, &how);
			if (fd == -EPERM)
				return; /* denied, and said */
		} else if (pfd == -ENOENT && (c.how.flags & O_CREAT)) {
			fd = resolve_open(&rc, &how); /* a new file: created by the open itself */
		} else if (pfd < 0) {
			err = pfd;
			goto fail;
		} else if (exclusive) {
			err = -EEXIST;
			goto fail;
		} else {
			struct stat st;
			if (sup_path_verdict(s, pfd, resolved, sizeof(resolved), rule, sizeof(rule),
					     origin, sizeof(origin))) {
				sup_deny(r, "open", resolved, rule, origin, EACCES, NULL);
				return;
			}
			if (flat_open_denied(r, pfd, resolved, c.how.flags))
				return;
			if (strncmp(resolved, "/proc/", 6) == 0 &&
			    (err = proc_check(r, resolved, c.how.flags, nspid)) < 0) {
				sup_deny(r, "open", resolved, "procfs outside the sandbox's view",
					 "built-in", -err,
					 "the supervisor's privileges must not show through /proc");
				return;
			}
			if (c.how.flags & O_PATH) {
				/*
				 * The kernel cannot pass an O_PATH descriptor (ADDFD
				 * needs a real file), so the kernel opens it again. An
				 * O_PATH fd reads nothing; every use that could (a
				 * re-open through /proc/self/fd, linkat, execveat, a
				 * dirfd) comes back here and is judged. What a racing
				 * rewrite could gain is fstat() metadata, documented.
				 */
				sup_reply_continue(r);
				return;
			}
			if (fstat(pfd, &st) < 0) {
				err = -errno;
				goto fail;
			}
			if (S_ISLNK(st.st_mode)) {
				err = -ELOOP; /* O_NOFOLLOW on a symlink */
				goto fail;
			}
			if (S_ISDIR(st.st_mode) && (c.how.flags & O_CREAT)) {
				err = -EISDIR;
				goto fail;
			}
			if (S_ISFIFO(st.st_mode) && !(c.how.flags & O_NONBLOCK) && !may_block)
				goto to_job; /* waits for the other end: never on the main thread */
			if (c.how.flags & O_NOFOLLOW) {
				/*
				 * A reopen through /proc/self/fd cannot keep O_NOFOLLOW in
				 * the file's flags: open by name again, judged again below.
				 */
				struct open_how nf = how;
				/* It existed when judged: never create it now (in a path swapped since). */
				if (s->flat)
					nf.flags &= ~(uint64_t)O_CREAT;
				fd = resolve_open(&rc, &nf);
			} else {
				struct open_how re = how;
				re.flags &= ~(uint64_t)(O_CREAT | O_EXCL);
				fd = reopen(pfd, &re);
				if (fd >= 0)
					goto judged; /* this very inode was judged above */
			}
		}
	}
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	if (sup_path_verdict(s, fd, resolved, sizeof(resolved), rule, sizeof(rule), origin,
			     sizeof(origin))) {
		close(fd);
		sup_deny(r, "open", resolved, rule, origin, EACCES, NULL);
		return;
	}
	if (flat_open_denied(r, fd, resolved,
			     c.how.flags | ((c.how.flags & O_TMPFILE_BIT) ? O_TRUNC : 0))) {
		close(fd);
		return;
	}
	if (strncmp(resolved, "/proc/", 6) == 0 &&
	    (err = proc_check(r, resolved, c.how.flags, nspid)) < 0) {
		close(fd);
		sup_deny(r, "open", resolved, "procfs outside the sandbox's view", "built-in", -err,
			 "the supervisor's privileges must not show through /proc");
		return;
	}
judged:
	sup_record_allowed(r->tid, AUDIT_LEVEL_ALL, "open", r->sc->name, resolved, NULL);
	if (trunc) {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) {
			err = -errno;
			close(fd);
			goto fail;
		}
	}

hand_over:;
	/* Hand over the very file we judged; the reply completes the call atomically. */
	struct seccomp_notif_addfd addfd = {
		.id = r->n->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd = 0,
		.newfd_flags = (c.how.flags & O_CLOEXEC) ? O_CLOEXEC : 0,
	};
	int got = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	int e = errno;
	close(fd);
	if (got < 0 && e != ENOENT && e != EINPROGRESS)
		sup_reply_error(r, e); /* EMFILE: the caller is at its descriptor limit */
	return;

to_job:
	if (may_block) {
		err = -EAGAIN;
		goto fail;
	}
	{
		struct sup_req *copy = malloc(sizeof(*copy));
		struct seccomp_notif *n = copy ? malloc(s->notif_size) : NULL;
		if (!copy || !n) {
			free(copy);
			err = -ENOMEM;
			goto fail;
		}
		*copy = *r;
		memcpy(n, r->n, s->notif_size);
		copy->n = n;
		sup_run_job(copy, open_job);
	}
	return;
fail:
	sup_reply_error(r, -err);
}

void sup_handle_open(struct sup_req *r)
{
	do_open(r, false);
	sup_req_free(r);
}
