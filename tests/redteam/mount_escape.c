/* SPDX-License-Identifier: MIT */
/*
 * mount_escape.c — red-team helper for tests/integration/test_sandbox.sh:
 * from inside `aigate run`, try every mount trick that would uncover a file
 * hidden by an overmount, with raw system calls (built with -static, so no
 * libc wrapper or preloaded shim sits between us and the kernel).
 *
 * Usage: mount_escape FILE SCRATCH [ATTEMPT]
 *   FILE is a hidden file's name relative to the working directory (".env");
 *   SCRATCH a writable directory for mount points and overlay layers (the
 *   sandbox's private /tmp); ATTEMPT runs only the attempt of that name
 *   (to check each one alone against an overmount it can defeat).
 *
 * Each attempt prints one line, "NAME: ok" or "NAME: ERRNO-NAME (errno N)",
 * and, when it got a path or fd to read from, "NAME read: <content>" (the
 * first line of whatever could be read, "(empty)" or the errno). The caller
 * asserts that every attempt failed and that the secret never appears.
 *
 * After the attempts as the sandboxed process is, it tries to regain
 * CAP_SYS_ADMIN with a new user namespace (unshare(CLONE_NEWUSER|CLONE_NEWNS));
 * should that ever succeed, every attempt runs again inside it, where only
 * the kernel's lock on inherited mounts (MNT_LOCKED) still protects the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MS_MOVE
#define MS_MOVE 8192
#endif
#ifndef MS_BIND
#define MS_BIND 4096
#endif
#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif

static const char *prefix = "";
static char cwd[4096];
static char base[4096];
static const char *scratch;
static const char *only; /* run only this attempt, or all when NULL */ /* the working directory's last component */

static const char *errname(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case EACCES:
		return "EACCES";
	case ENOSPC:
		return "ENOSPC";
	case EBUSY:
		return "EBUSY";
	case EROFS:
		return "EROFS";
	case ENOTDIR:
		return "ENOTDIR";
	case ENOSYS:
		return "ENOSYS";
	case ENODEV:
		return "ENODEV";
	case EBADF:
		return "EBADF";
	case EXDEV:
		return "EXDEV";
	default:
		return "E?";
	}
}

static void result(const char *name, long r)
{
	if (r < 0)
		printf("%s%s: %s (errno %d)\n", prefix, name, errname(errno), errno);
	else
		printf("%s%s: ok\n", prefix, name);
	fflush(stdout);
}

/* Print the first line of what @path (relative to @dfd) holds. */
static void show(const char *name, int dfd, const char *path)
{
	char buf[256];
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("%s%s read: %s (errno %d)\n", prefix, name, errname(errno), errno);
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		printf("%s%s read: %s (errno %d)\n", prefix, name, errname(errno), errno);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s%s read: %s\n", prefix, name, n ? buf : "(empty)");
	fflush(stdout);
}

static bool want(const char *name)
{
	return !only || strcmp(only, name) == 0;
}

static void attempts(const char *file)
{
	char path[16384], opts[20480], mv[4096], bind[4096], upper[4096], work[4096], ovl[4096];
	char upper2[4096], work2[4096];
	long r;

	snprintf(mv, sizeof(mv), "%s/esc-move", scratch);
	snprintf(bind, sizeof(bind), "%s/esc-bind", scratch);
	snprintf(upper, sizeof(upper), "%s/esc-upper", scratch);
	snprintf(work, sizeof(work), "%s/esc-work", scratch);
	snprintf(ovl, sizeof(ovl), "%s/esc-ovl", scratch);
	snprintf(upper2, sizeof(upper2), "%s/esc-upper2", scratch);
	snprintf(work2, sizeof(work2), "%s/esc-work2", scratch);

	/* The hidden file as the sandbox sees it. */
	show("direct", AT_FDCWD, file);

	if (want("umount2-detach")) {
		r = syscall(SYS_umount2, file, MNT_DETACH);
		result("umount2-detach", r);
		show("umount2-detach", AT_FDCWD, file);
	}

	if (want("umount2")) {
		r = syscall(SYS_umount2, file, 0);
		result("umount2", r);
		show("umount2", AT_FDCWD, file);
	}

	/* Move the overmount away: the file beneath would show again. */
	if (want("mount-move")) {
		mkdir(mv, 0700);
		snprintf(path, sizeof(path), "%s/f", mv);
		close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		r = syscall(SYS_mount, file, path, NULL, MS_MOVE, NULL);
		result("mount-move", r);
		show("mount-move", AT_FDCWD, file);
	}

	/* A non-recursive bind of the parent carries no submounts: no overmount. */
	if (want("mount-bind-parent")) {
		mkdir(bind, 0700);
		r = syscall(SYS_mount, "..", bind, NULL, MS_BIND, NULL);
		result("mount-bind-parent", r);
		snprintf(path, sizeof(path), "%s/%s/%s", bind, base, file);
		show("mount-bind-parent", AT_FDCWD, path);
	}

	/* The same with the new mount API: a detached, non-recursive clone. */
	if (want("open_tree-clone-parent")) {
		int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "..",
					OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		result("open_tree-clone-parent", tree);
		if (tree >= 0) {
			snprintf(path, sizeof(path), "%s/%s", base, file);
			show("open_tree-clone-parent", tree, path);
			close(tree);
		}
	}
	if (want("open_tree-clone-cwd")) {
		int tree = (int)syscall(SYS_open_tree, AT_FDCWD, ".",
					OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		result("open_tree-clone-cwd", tree);
		if (tree >= 0) {
			show("open_tree-clone-cwd", tree, file);
			close(tree);
		}
	}

	/* An overlay with the project as lower layer sees the lower file system only. */
	if (want("mount-overlay")) {
		mkdir(upper, 0700);
		mkdir(work, 0700);
		mkdir(ovl, 0700);
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", cwd, upper,
			 work);
		r = syscall(SYS_mount, "overlay", ovl, "overlay", 0, opts);
		result("mount-overlay", r);
		snprintf(path, sizeof(path), "%s/%s", ovl, file);
		show("mount-overlay", AT_FDCWD, path);
	}

	if (!want("fsopen-overlay"))
		return;
	int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	result("fsopen-overlay", fs);
	if (fs >= 0) {
		mkdir(upper2, 0700);
		mkdir(work2, 0700);
		long c = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", cwd, 0);
		if (c == 0)
			c = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper2, 0);
		if (c == 0)
			c = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work2, 0);
		if (c == 0)
			c = syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
		result("fsconfig-overlay", c);
		int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
		result("fsmount-overlay", mnt);
		if (mnt >= 0) {
			show("fsmount-overlay", mnt, file);
			close(mnt);
		}
		close(fs);
	}
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: mount_escape FILE SCRATCH [ATTEMPT]\n");
		return 2;
	}
	scratch = argv[2];
	only = argc == 4 ? argv[3] : NULL;
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("getcwd");
		return 2;
	}
	const char *slash = strrchr(cwd, '/');
	snprintf(base, sizeof(base), "%s", slash ? slash + 1 : cwd);

	attempts(argv[1]);
	if (only)
		return 0;

	/* Regain CAP_SYS_ADMIN over a mount namespace of our own. */
	long r = syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS);
	result("unshare-user-mount", r);
	if (r < 0)
		return 0;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	result("uid_map", write_str("/proc/self/uid_map", map));
	write_str("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	result("gid_map", write_str("/proc/self/gid_map", map));
	prefix = "userns ";
	attempts(argv[1]);
	return 0;
}
