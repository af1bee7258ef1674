/* SPDX-License-Identifier: MIT */
/*
 * fake_kubectl.c — a stand-in for kubectl in tests/integration/test_supervisor.sh:
 * it records that it ran, and with which arguments, and does nothing else.
 * Built with -static and installed as "kubectl" in a PATH directory, so a
 * process the supervisor lets through leaves evidence the test can count.
 *
 * It writes one line, its arguments after argv[0] joined by spaces, with one
 * write(2) to fd 3 when fd 3 is open (the caller opens the log there with
 * O_APPEND, so concurrent runs never interleave inside a line and the program
 * itself opens nothing), else to stdout. Exit status 0.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[4096];
	size_t len = 0;
	int fd = fcntl(3, F_GETFD) >= 0 ? 3 : 1;

	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		/* Room for the separator and the newline; a longer line is cut. */
		if (len + n + 2 > sizeof(line))
			break;
		if (i > 1)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n);
		len += n;
	}
	line[len++] = '\n';
	return write(fd, line, len) == (ssize_t)len ? 0 : 1;
}
