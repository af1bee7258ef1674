/* SPDX-License-Identifier: MIT */
/*
 * memfd_exec.c — red-team helper for tests/integration/test_supervisor.sh:
 * run a program that has no name on any file system, so no rule on a path
 * or a stub on disk can catch it. Raw system calls (built with -static).
 *
 * Usage: memfd_exec MODE SRC ARGV0 [ARG...]
 *   SRC is copied into an anonymous file, which is then executed with argv
 *   { ARGV0, ARG... }. MODE says how:
 *     memfd-execveat   memfd_create, then execveat(fd, "", AT_EMPTY_PATH)
 *                      (what glibc's fexecve does)
 *     memfd-proc       memfd_create, then execve("/proc/self/fd/N")
 *     deleted-execveat a file in the working directory, written, closed,
 *                      opened read-only, unlinked, then
 *                      execveat(fd, "", AT_EMPTY_PATH)
 *     deleted-proc     the same deleted file, execve("/proc/self/fd/N")
 * On success the program is replaced and prints whatever SRC prints. On
 * failure it prints "MODE: ENAME (errno N)" (the step that failed is named
 * when it is not the exec) and exits 126.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what)
{
	int e = errno;
	const char *name = strerrorname_np(e);
	printf("%s: %s (errno %d)\n", what, name ? name : "E?", e);
	return 126;
}

/* Copy the whole of @src into @fd. */
static int copy_into(const char *src, int fd)
{
	char buf[65536];
	int in = (int)syscall(SYS_openat, AT_FDCWD, src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0) {
			close(in);
			return -1;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				close(in);
				return -1;
			}
			off += w;
		}
	}
	close(in);
	return 0;
}

int main(int argc, char **argv)
{
	char proc[64];
	const char *mode, *src;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: memfd_exec MODE SRC ARGV0 [ARG...]\n");
		return 2;
	}
	mode = argv[1];
	src = argv[2];

	if (strncmp(mode, "memfd-", 6) == 0) {
		/* No MFD_CLOEXEC: execve("/proc/self/fd/N") needs N open. */
		fd = (int)syscall(SYS_memfd_create, "payload", 0);
		if (fd < 0)
			return fail("memfd_create");
		if (copy_into(src, fd) < 0)
			return fail("copy");
	} else if (strncmp(mode, "deleted-", 8) == 0) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), ".memfd-exec-%ld", (long)getpid());
		int w = (int)syscall(SYS_openat, AT_FDCWD, tmp,
				     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
		if (w < 0)
			return fail("create");
		if (copy_into(src, w) < 0)
			return fail("copy");
		/* A descriptor open for writing would make the exec ETXTBSY. */
		close(w);
		fd = (int)syscall(SYS_openat, AT_FDCWD, tmp, O_RDONLY);
		if (fd < 0)
			return fail("reopen");
		if (syscall(SYS_unlinkat, AT_FDCWD, tmp, 0) < 0)
			return fail("unlink");
	} else {
		fprintf(stderr, "memfd_exec: unknown MODE %s\n", mode);
		return 2;
	}

	if (strstr(mode, "-execveat")) {
		syscall(SYS_execveat, fd, "", argv + 3, environ, AT_EMPTY_PATH);
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		syscall(SYS_execve, proc, argv + 3, environ);
	}
	return fail(mode);
}
