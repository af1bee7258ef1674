/* SPDX-License-Identifier: MIT */
/*
 * static_open.c — red-team helper for tests/integration/test_supervisor.sh:
 * open one file by every system call and every spelling of its path that
 * reaches the same inode, with raw system calls (built with -static, so no
 * libc wrapper and no preloaded shim sits between us and the kernel; only the
 * seccomp supervisor can answer).
 *
 * Usage: static_open NAME DIR
 *   NAME is the file's name relative to the working directory (".env");
 *   DIR an existing subdirectory of the working directory, for "DIR/../NAME".
 *
 * Each attempt prints one line:
 *   "LABEL: ok: <first line of the content>"   ("(empty)" for an empty file)
 *   "LABEL: ENAME (errno N)"                  the open (or the read) failed
 * The attempts, in order (the labels the test greps for):
 *   openat open openat-stray-mode openat2 openat2-beneath openat2-in-root openat2-no-symlinks
 *   openat2-no-magiclinks openat2-no-xdev abs dot-slashes dotdot
 *   proc-self-root proc-thread-self-root proc-self-cwd proc-pid-cwd
 *   opendir-stray-mode (DIR opened with a stray mode: "ok" or the errno)
 *   proc-self-fd-dir dirfd-openat openat-rdwr openat-creat
 *   opath (an O_PATH descriptor: "ok" or the errno), then opath-reopen (the
 *   O_PATH descriptor re-opened for reading through /proc/self/fd/N; "skipped"
 *   when opath failed), and last creat, which truncates the file when it is
 *   allowed (so a native calibration runs on a copy).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report_errno(const char *label, int e)
{
	const char *name = strerrorname_np(e);
	printf("%s: %s (errno %d)\n", label, name ? name : "E?", e);
	fflush(stdout);
}

/* Report the outcome of an open that returned @fd (or -1 with errno): read
 * and print the first line of the content, then close. */
static void report_fd(const char *label, long fd)
{
	char buf[512];
	ssize_t n;

	if (fd < 0) {
		report_errno(label, errno);
		return;
	}
	n = syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		report_errno(label, errno);
		syscall(SYS_close, (int)fd);
		return;
	}
	syscall(SYS_close, (int)fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s: ok: %s\n", label, n ? buf : "(empty)");
	fflush(stdout);
}

static long sys_openat2(int dfd, const char *path, unsigned long long flags,
			unsigned long long resolve)
{
	struct open_how how = { .flags = flags, .resolve = resolve };
	return syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

int main(int argc, char **argv)
{
	char cwd[4096], abs[8192], path[16384];
	const char *name, *dir;
	long dfd, pfd;

	if (argc != 3) {
		fprintf(stderr, "usage: static_open NAME DIR\n");
		return 2;
	}
	name = argv[1];
	dir = argv[2];
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("getcwd");
		return 2;
	}
	snprintf(abs, sizeof(abs), "%s/%s", cwd, name);

	report_fd("openat", syscall(SYS_openat, AT_FDCWD, name, O_RDONLY | O_CLOEXEC, 0));
#ifdef SYS_open
	report_fd("open", syscall(SYS_open, name, O_RDONLY | O_CLOEXEC, 0));
#else
	printf("open: ENOSYS (errno %d)\n", ENOSYS);
#endif
	/* The mode argument is ignored without O_CREAT or O_TMPFILE (open(2));
	 * a raw syscall() leaves whatever the register held there. */
	report_fd("openat-stray-mode",
		  syscall(SYS_openat, AT_FDCWD, name, O_RDONLY | O_CLOEXEC, 0777));
	report_fd("openat2", sys_openat2(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, 0));
	report_fd("openat2-beneath",
		  sys_openat2(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, RESOLVE_BENEATH));
	report_fd("openat2-in-root",
		  sys_openat2(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, RESOLVE_IN_ROOT));
	report_fd("openat2-no-symlinks",
		  sys_openat2(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, RESOLVE_NO_SYMLINKS));
	report_fd("openat2-no-magiclinks",
		  sys_openat2(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS));
	report_fd("openat2-no-xdev",
		  sys_openat2(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, RESOLVE_NO_XDEV));

	/* Other spellings of the same path. */
	report_fd("abs", syscall(SYS_openat, AT_FDCWD, abs, O_RDONLY | O_CLOEXEC, 0));
	snprintf(path, sizeof(path), ".//./%s", name);
	report_fd("dot-slashes", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
	snprintf(path, sizeof(path), "%s/../%s", dir, name);
	report_fd("dotdot", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
	/* The magic links of /proc: a checker that only looks at the string
	 * sees "/proc/...", the kernel follows them to the file. */
	snprintf(path, sizeof(path), "/proc/self/root%s", abs);
	report_fd("proc-self-root", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
	snprintf(path, sizeof(path), "/proc/thread-self/root%s", abs);
	report_fd("proc-thread-self-root",
		  syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
	snprintf(path, sizeof(path), "/proc/self/cwd/%s", name);
	report_fd("proc-self-cwd", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
	snprintf(path, sizeof(path), "/proc/%ld/cwd/%s", (long)getpid(), name);
	report_fd("proc-pid-cwd", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));

	/* The same for a directory (the descriptor is not read). */
	dfd = syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0777);
	if (dfd < 0) {
		report_errno("opendir-stray-mode", errno);
	} else {
		printf("opendir-stray-mode: ok\n");
		syscall(SYS_close, (int)dfd);
	}

	/* A directory descriptor: through /proc/self/fd/N/NAME, and as dirfd. */
	dfd = syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0) {
		report_errno("proc-self-fd-dir", errno);
		report_errno("dirfd-openat", errno);
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%ld/%s", dfd, name);
		report_fd("proc-self-fd-dir",
			  syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
		report_fd("dirfd-openat",
			  syscall(SYS_openat, (int)dfd, name, O_RDONLY | O_CLOEXEC, 0));
		syscall(SYS_close, (int)dfd);
	}

	/* Open for writing, without truncating. */
	report_fd("openat-rdwr", syscall(SYS_openat, AT_FDCWD, name, O_RDWR | O_CLOEXEC, 0));
	report_fd("openat-creat",
		  syscall(SYS_openat, AT_FDCWD, name, O_RDWR | O_CREAT | O_CLOEXEC, 0644));

	/* An O_PATH descriptor reads nothing by itself, but re-opening it
	 * through its /proc/self/fd magic link gives a readable descriptor of
	 * the same file without any path naming it. */
	pfd = syscall(SYS_openat, AT_FDCWD, name, O_PATH | O_CLOEXEC, 0);
	if (pfd < 0) {
		report_errno("opath", errno);
		printf("opath-reopen: skipped\n");
	} else {
		printf("opath: ok\n");
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", pfd);
		report_fd("opath-reopen",
			  syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
		syscall(SYS_close, (int)pfd);
	}
	fflush(stdout);

	/* Last: creat truncates the file when it is allowed. */
#ifdef SYS_creat
	long wfd = syscall(SYS_creat, name, 0644);
	if (wfd < 0) {
		report_errno("creat", errno);
	} else {
		/* Write-only: nothing to read back. */
		printf("creat: ok: (truncated)\n");
		syscall(SYS_close, (int)wfd);
	}
#else
	printf("creat: ENOSYS (errno %d)\n", ENOSYS);
#endif
	return 0;
}
