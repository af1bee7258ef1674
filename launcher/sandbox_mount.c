/* SPDX-License-Identifier: MIT */
/*
 * sandbox_mount.c — execute the plan's mount operations (see sandbox.h).
 * Runs in the sandbox's first child after clone(): system calls only.
 *
 * Overmounts come from one detached tmpfs (fsopen/fsmount, never attached
 * anywhere the sandbox can see) holding an empty file, an empty directory
 * and the per-rule deny stubs; each overmount is a read-only clone of one
 * of them (open_tree + mount_setattr + move_mount), so nothing of ours is
 * visible or writable inside and nothing is left behind on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/safe_str.h"
#include "launcher/sandbox.h"

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

static int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
			  unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

/* "stub-N" without stdio: we are after clone(). */
static void stub_name(uint32_t idx, char *buf)
{
	char num[16];
	buf[0] = '\0';
	safe_utoa(idx, num);
	safe_append(buf, 32, "stub-");
	safe_append(buf, 32, num);
}

/* The detached tmpfs with "empty" (0444), "emptydir" (0555) and "stub-N" (0555) in it. */
static int staging_open(const struct sbx_plan *plan)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt, fd;
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = -errno;
		close(fs);
		return e;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	close(fs);
	if (mnt < 0)
		return -errno;
	fd = openat(mnt, "empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (fd < 0 || mkdirat(mnt, "emptydir", 0555) < 0)
		goto fail;
	close(fd);
	for (size_t i = 0; i < plan->nstubs; i++) {
		char name[32];
		/* An empty stub would let a denied command "succeed" silently: refuse. */
		if (plan->stubs[i].size == 0 || !plan->stubs[i].image) {
			errno = EINVAL;
			goto fail;
		}
		stub_name((uint32_t)i, name);
		fd = openat(mnt, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0555);
		if (fd < 0)
			goto fail;
		for (size_t off = 0; off < plan->stubs[i].size;) {
			ssize_t w =
				write(fd, plan->stubs[i].image + off, plan->stubs[i].size - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto fail_fd;
			off += (size_t)w;
		}
		close(fd);
	}
	return mnt;
fail_fd:
	close(fd);
fail : {
	int e = -errno;
	close(mnt);
	return e ? e : -EIO;
}
}

/* Mount a read-only clone of @name from the staging tmpfs onto @target. */
static int overmount(int staging, const char *name, const char *target, bool exec)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					       MOUNT_ATTR_NODEV | (exec ? 0 : MOUNT_ATTR_NOEXEC) };
	int tree = sys_open_tree(staging, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int r = 0;
	if (tree < 0)
		return -errno;
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &attr) < 0 ||
	    sys_move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	close(tree);
	return r;
}

/* Create a missing mount point (inside a fresh tmpfs such as /tmp): directories, then the last one. */
static int ensure_mountpoint(const char *path, bool dir)
{
	char buf[PATH_MAX];
	size_t n = safe_strlen(path);
	struct stat st;

	if (stat(path, &st) == 0)
		return 0;
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		buf[i] = path[i];
	for (size_t i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = '/';
	}
	if (dir)
		return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Attach a bind source captured before any tmpfs was mounted (a project
 * under /tmp must survive the private /tmp), read-write at the top or
 * read-only throughout.
 */
static int attach_bind(int tree, const char *path, bool dir, bool writable)
{
	struct mount_attr attr = { 0 };
	int r;

	if (writable) {
		/* Only the top: mounts below a write root keep their own (read-only) state. */
		attr.attr_clr = MOUNT_ATTR_RDONLY;
		if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &attr) < 0)
			return -errno;
	} else {
		attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
		if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
			return -errno;
	}
	if ((r = ensure_mountpoint(path, dir)) < 0)
		return r;
	return sys_move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
}

int sbx_mount_early(void)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };

	/* Without this, our mounts would propagate into the host's shared mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	/* One atomic, recursive change: no window where some mount is still writable. */
	if (sys_mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro) < 0)
		return -errno;
	/* A fresh /proc shows only the sandbox's processes and cannot reach the host's. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	/*
	 * A devpts instance of our own: the host's /dev/pts holds the user's
	 * other terminals, which the user owns, so the agent could read what
	 * is typed there or write fake prompts. CMD keeps the terminal it was
	 * given through the descriptors it already holds.
	 */
	struct stat st;
	if (stat("/dev/pts", &st) == 0) {
		if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			  "newinstance,ptmxmode=0666,mode=0620") < 0)
			return -errno;
		if (stat("/dev/ptmx", &st) == 0 &&
		    mount("/dev/pts/ptmx", "/dev/ptmx", NULL, MS_BIND, NULL) < 0)
			return -errno;
	}
	/* POSIX message queues of the new IPC namespace, not the host's. */
	if (stat("/dev/mqueue", &st) == 0 &&
	    mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	return 0;
}

static int execute_one(const struct sbx_op *op, int tree, int *staging, const struct sbx_plan *plan)
{
	char name[32];

	switch (op->kind) {
	case SBX_PRIVATE_ROOT:
	case SBX_READONLY_ROOT:
	case SBX_PROC:
		return 0; /* done by sbx_mount_early() */
	case SBX_TMPFS:
		return mount("tmpfs", op->path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0
			       ? -errno
			       : 0;
	case SBX_BIND_RW:
	case SBX_BIND_RO: {
		struct stat st;
		bool dir = fstat(tree, &st) == 0 && S_ISDIR(st.st_mode);
		return attach_bind(tree, op->path, dir, op->kind == SBX_BIND_RW);
	}
	case SBX_HIDE_FILE:
	case SBX_HIDE_DIR:
	case SBX_STUB:
	case SBX_FILE:
		if (*staging < 0) {
			*staging = staging_open(plan);
			if (*staging < 0)
				return *staging;
		}
		if (op->kind == SBX_STUB || op->kind == SBX_FILE) {
			stub_name(op->stub, name);
			return overmount(*staging, name, op->path, op->kind == SBX_STUB);
		}
		return overmount(*staging, op->kind == SBX_HIDE_DIR ? "emptydir" : "empty",
				 op->path, false);
	default:
		return -EINVAL;
	}
}

int sbx_mount_execute(const struct sbx_plan *plan, const struct sbx_op **ret_failed)
{
	int trees[SBX_MAX_BINDS];
	size_t ntrees = 0;
	int staging = -1, r = 0;

	/*
	 * Phase 1: capture every bind source as a detached copy of its mount
	 * tree while the host's view is intact (nothing is mounted over it yet).
	 */
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		const struct sbx_op *op = &plan->ops[i];
		if (op->kind != SBX_BIND_RW && op->kind != SBX_BIND_RO)
			continue;
		if (ntrees == SBX_MAX_BINDS) {
			*ret_failed = op;
			r = -E2BIG;
			break;
		}
		trees[ntrees] = sys_open_tree(AT_FDCWD, op->path,
					      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (trees[ntrees] < 0) {
			*ret_failed = op;
			r = -errno;
			break;
		}
		ntrees++;
	}
	/* Phase 2: execute in order. */
	for (size_t i = 0, t = 0; i < plan->n && r == 0; i++) {
		const struct sbx_op *op = &plan->ops[i];
		int tree = -1;
		if (op->kind == SBX_BIND_RW || op->kind == SBX_BIND_RO)
			tree = trees[t++];
		r = execute_one(op, tree, &staging, plan);
		if (r < 0 && op->optional)
			r = 0;
		else if (r < 0)
			*ret_failed = op;
	}
	for (size_t i = 0; i < ntrees; i++)
		close(trees[i]);
	if (staging >= 0)
		close(staging);
	return r;
}
