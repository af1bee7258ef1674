/* SPDX-License-Identifier: MIT */
/*
 * link_probe.c — red-team helper for tests/integration/test_supervisor.sh:
 * every way to make a denied file reachable under another name, or to
 * destroy it, with raw system calls (built with -static, so neither libc nor
 * a preloaded shim is in the way; only the seccomp supervisor can answer).
 *
 * Usage: link_probe DENIED ALLOWED NEWDENIED
 *   DENIED     a file the policy denies (relative to the working directory)
 *   ALLOWED    a file it allows (its content is not a secret)
 *   NEWDENIED  a name the policy denies that does not exist yet (".env.new")
 *
 * Each operation prints "OP: ok" or "OP: ENAME (errno N)"; after an "ok"
 * that made a new name, "OP read: <first line>" (or its errno) shows what the
 * new name gives. Operations, in order (the destructive ones last, so a
 * native calibration on a copy reaches each with the file intact):
 *   link linkat linkat-proc-root opath opath-linkat-empty opath-linkat-proc
 *   symlink symlinkat-abs rename-exchange rename-away rename-away-proc
 *   tmpfile-linkat rename-into truncate truncate-proc rename-over unlink
 *   unlinkat
 * A rename that succeeds is undone at once, so the next operation still
 * finds DENIED where it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static long result(const char *op, long r)
{
	if (r < 0) {
		int e = errno;
		const char *name = strerrorname_np(e);
		printf("%s: %s (errno %d)\n", op, name ? name : "E?", e);
	} else {
		printf("%s: ok\n", op);
	}
	fflush(stdout);
	return r;
}

/* Print the first line of what @path gives when opened for reading. */
static void show(const char *op, const char *path)
{
	char buf[512];
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	long n = fd < 0 ? -1 : syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
	int e = errno;

	if (fd >= 0)
		syscall(SYS_close, (int)fd);
	if (n < 0) {
		const char *name = strerrorname_np(e);
		printf("%s read: %s (errno %d)\n", op, name ? name : "E?", e);
	} else {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s read: %s\n", op, n ? buf : "(empty)");
	}
	fflush(stdout);
}

static long sys_renameat2(const char *from, const char *to, unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

/* A plain file @name holding @text, made with raw calls. */
static int make_file(const char *name, const char *text)
{
	long fd =
		syscall(SYS_openat, AT_FDCWD, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	long w = syscall(SYS_write, (int)fd, text, strlen(text));
	syscall(SYS_close, (int)fd);
	return w < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char cwd[4096], abs[8192], path[8300];
	const char *denied, *allowed, *newdenied;
	long pfd;

	if (argc != 4) {
		fprintf(stderr, "usage: link_probe DENIED ALLOWED NEWDENIED\n");
		return 2;
	}
	denied = argv[1];
	allowed = argv[2];
	newdenied = argv[3];
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("getcwd");
		return 2;
	}
	snprintf(abs, sizeof(abs), "%s/%s", cwd, denied);

	/* Hard links: the same inode under a name no rule matches. */
#ifdef SYS_link
	if (result("link", syscall(SYS_link, denied, "lp-link")) == 0)
		show("link", "lp-link");
#else
	printf("link: ENOSYS (errno %d)\n", ENOSYS);
#endif
	if (result("linkat", syscall(SYS_linkat, AT_FDCWD, denied, AT_FDCWD, "lp-linkat", 0)) == 0)
		show("linkat", "lp-linkat");
	snprintf(path, sizeof(path), "/proc/self/root%s", abs);
	if (result("linkat-proc-root", syscall(SYS_linkat, AT_FDCWD, path, AT_FDCWD,
					       "lp-linkat-proc-root", AT_SYMLINK_FOLLOW)) == 0)
		show("linkat-proc-root", "lp-linkat-proc-root");

	/* From an O_PATH descriptor: linkat(fd, "", AT_EMPTY_PATH) (the
	 * kernel allows it to the descriptor's opener since 6.10, to
	 * CAP_DAC_READ_SEARCH before), and through /proc/self/fd/N. */
	pfd = result("opath", syscall(SYS_openat, AT_FDCWD, denied, O_PATH | O_CLOEXEC));
	if (pfd >= 0) {
		if (result("opath-linkat-empty", syscall(SYS_linkat, (int)pfd, "", AT_FDCWD,
							 "lp-opath-empty", AT_EMPTY_PATH)) == 0)
			show("opath-linkat-empty", "lp-opath-empty");
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", pfd);
		if (result("opath-linkat-proc", syscall(SYS_linkat, AT_FDCWD, path, AT_FDCWD,
							"lp-opath-proc", AT_SYMLINK_FOLLOW)) == 0)
			show("opath-linkat-proc", "lp-opath-proc");
		syscall(SYS_close, (int)pfd);
	} else {
		printf("opath-linkat-empty: skipped\nopath-linkat-proc: skipped\n");
	}

	/* Symbolic links: creating one may be allowed, reading through it not. */
#ifdef SYS_symlink
	if (result("symlink", syscall(SYS_symlink, denied, "lp-sym")) == 0)
		show("symlink", "lp-sym");
#else
	printf("symlink: ENOSYS (errno %d)\n", ENOSYS);
#endif
	if (result("symlinkat-abs", syscall(SYS_symlinkat, abs, AT_FDCWD, "lp-symat")) == 0)
		show("symlinkat-abs", "lp-symat");

	/* Renames: swap the secret under the allowed name, or move it away. */
	if (result("rename-exchange", sys_renameat2(allowed, denied, RENAME_EXCHANGE)) == 0) {
		show("rename-exchange", allowed);
		sys_renameat2(allowed, denied, RENAME_EXCHANGE);
	}
	if (result("rename-away", sys_renameat2(denied, "lp-renamed", 0)) == 0) {
		show("rename-away", "lp-renamed");
		sys_renameat2("lp-renamed", denied, 0);
	}
	/* The same through the /proc/self/cwd magic link. */
	snprintf(path, sizeof(path), "/proc/self/cwd/%s", denied);
	if (result("rename-away-proc", sys_renameat2(path, "lp-renamed-proc", 0)) == 0) {
		show("rename-away-proc", "lp-renamed-proc");
		sys_renameat2("lp-renamed-proc", denied, 0);
	}

	/* Creating a file under a denied name: an O_TMPFILE given a name by
	 * linkat, and a rename of an allowed file. */
	pfd = syscall(SYS_openat, AT_FDCWD, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (pfd < 0) {
		result("tmpfile-linkat", -1);
	} else {
		syscall(SYS_write, (int)pfd, "planted\n", 8);
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", pfd);
		if (result("tmpfile-linkat", syscall(SYS_linkat, AT_FDCWD, path, AT_FDCWD,
						     newdenied, AT_SYMLINK_FOLLOW)) == 0) {
			show("tmpfile-linkat", newdenied);
			syscall(SYS_unlinkat, AT_FDCWD, newdenied, 0);
		}
		syscall(SYS_close, (int)pfd);
	}
	if (make_file("lp-decoy", "decoy\n") < 0) {
		result("make lp-decoy", -1);
		return 2;
	}
	if (result("rename-into", sys_renameat2("lp-decoy", newdenied, 0)) == 0)
		show("rename-into", newdenied);

	/* Destroying the protected file. */
	result("truncate", syscall(SYS_truncate, denied, 0));
	snprintf(path, sizeof(path), "/proc/self/cwd/%s", denied);
	result("truncate-proc", syscall(SYS_truncate, path, 0));
	if (make_file("lp-decoy", "decoy\n") < 0) {
		result("make lp-decoy", -1);
		return 2;
	}
	if (result("rename-over", sys_renameat2("lp-decoy", denied, 0)) == 0)
		show("rename-over", denied);
#ifdef SYS_unlink
	result("unlink", syscall(SYS_unlink, denied));
#else
	printf("unlink: ENOSYS (errno %d)\n", ENOSYS);
#endif
	result("unlinkat", syscall(SYS_unlinkat, AT_FDCWD, denied, 0));
	return 0;
}
