/* SPDX-License-Identifier: MIT */
/*
 * int80_open.c — red-team helper for tests/integration/test_filter.sh: open
 * a file through a foreign system-call ABI of an x86_64 process, which a
 * filter written for x86_64 numbers alone would misread (i386's open is 5,
 * x86_64's fstat; x32 numbers carry bit 30). aigate's filter checks the
 * architecture first and kills the process.
 *
 * Usage: int80_open i386|x32 FILE
 *   i386  `int $0x80` with eax = 5 (i386 open), ebx = FILE (below 4 GiB)
 *   x32   syscall 0x40000002 (x32 open: __X32_SYSCALL_BIT | 2)
 * Prints "ABI open: calling" before the call (so a kill is seen to happen in
 * it), then "ABI open: fd N" or "ABI open: ERRNO-NAME", and after a
 * successful open "ABI read: FIRST-LINE" (or "(empty)"), read with the
 * ordinary x86_64 read. Built -static; x86_64 only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "int80_open is an x86_64 program"
#endif

#define X32_SYSCALL_BIT 0x40000000L

static long open_i386(const char *path)
{
	long ret;

	/* The 32-bit entry takes ebx, ecx, edx; it clobbers r8-r11 on the way back. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(5L), "b"(path), "c"((long)O_RDONLY), "d"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static long open_x32(const char *path)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(X32_SYSCALL_BIT | 2L), "D"(path), "S"((long)O_RDONLY), "d"(0L)
			 : "memory", "rcx", "r11");
	return ret;
}

int main(int argc, char **argv)
{
	char buf[512];
	char *path;
	long fd;

	if (argc != 3 || (strcmp(argv[1], "i386") != 0 && strcmp(argv[1], "x32") != 0)) {
		fprintf(stderr, "usage: int80_open i386|x32 FILE\n");
		return 2;
	}
	/* Both ABIs take 32-bit pointers: the path must sit below 4 GiB. */
	path = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		    0);
	if (path == MAP_FAILED || (uintptr_t)path > UINT32_MAX - 4096) {
		fprintf(stderr, "int80_open: no memory below 4 GiB\n");
		return 2;
	}
	snprintf(path, 4096, "%s", argv[2]);

	printf("%s open: calling\n", argv[1]);
	fflush(stdout);
	fd = strcmp(argv[1], "i386") == 0 ? open_i386(path) : open_x32(path);
	if (fd < 0) {
		const char *name = strerrorname_np((int)-fd);
		printf("%s open: %s\n", argv[1], name ? name : "E?");
		return 0;
	}
	printf("%s open: fd %ld\n", argv[1], fd);
	ssize_t n = read((int)fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("%s read: %s\n", argv[1], strerrorname_np(errno));
		return 0;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s read: %s\n", argv[1], n ? buf : "(empty)");
	return 0;
}
