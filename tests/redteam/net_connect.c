/* SPDX-License-Identifier: MIT */
/*
 * net_connect.c — red-team helper for tests/integration/test_net.sh: a TCP
 * connect made with raw system calls (built with -static: no libc wrapper,
 * no preloaded shim, no proxy variable read), so only the kernel and the
 * seccomp supervisor decide where it goes.
 *
 * Usage: net_connect IPV4 PORT
 *
 * On success prints "connected", sends "GET / HTTP/1.0\r\n\r\n" and prints
 * the first line of the response ("HTTP/1.0 200 OK"), exit 0. When the
 * connect fails prints "errno=ENAME" (ECONNREFUSED, ENETUNREACH…), exit 1;
 * any other failure (bad arguments, the socket, the exchange) exit 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char *end;
	long port;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: net_connect IPV4 PORT\n");
		return 2;
	}
	port = strtol(argv[2], &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "net_connect: bad port %s\n", argv[2]);
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);

	long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("socket: errno=%s\n", errname(errno));
		return 2;
	}
	if (syscall(SYS_connect, fd, &sa, sizeof(sa)) < 0) {
		printf("errno=%s\n", errname(errno));
		return 1;
	}
	printf("connected\n");
	fflush(stdout);

	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	if (syscall(SYS_write, fd, req, sizeof(req) - 1) != (long)(sizeof(req) - 1)) {
		printf("write: errno=%s\n", errname(errno));
		return 2;
	}
	/* The first line, a byte at a time: nothing past it is needed. */
	char line[256];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		char c;
		long r = syscall(SYS_read, fd, &c, 1);
		if (r < 0) {
			printf("read: errno=%s\n", errname(errno));
			return 2;
		}
		if (r == 0 || c == '\n')
			break;
		if (c != '\r')
			line[n++] = c;
	}
	line[n] = 0;
	printf("%s\n", line);
	syscall(SYS_close, fd);
	return n ? 0 : 2;
}
