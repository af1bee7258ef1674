/* SPDX-License-Identifier: MIT */
/*
 * open_flood.c — a loop that hits one deny_read rule N times with raw
 * openat calls (no libc wrapper, no shim): what a runaway agent does to the
 * audit trail. Usage: open_flood PATH N. Prints "eacces=N other=N opened=N";
 * exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, eacces = 0, other = 0, opened = 0;
	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: open_flood PATH N\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		long fd = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			opened++;
			close((int)fd);
		} else if (errno == EACCES) {
			eacces++;
		} else {
			other++;
		}
	}
	printf("eacces=%ld other=%ld opened=%ld\n", eacces, other, opened);
	return 0;
}
