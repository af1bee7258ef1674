/* SPDX-License-Identifier: MIT */
/*
 * net_repoint.c — try to turn the socket aigate connected for the sandbox
 * (a socket of the host's network, swapped in by the supervisor) into a
 * way past allow_net: point it elsewhere, disconnect it (AF_UNSPEC) to
 * bind and listen on the host, connect with TCP Fast Open, and race a
 * descriptor swap under a check. Static, raw system calls.
 *
 *   net_repoint ADDR PORT OTHER_ADDR OTHER_PORT
 * ADDR:PORT must be an allowed destination (resolved through the stub
 * before); OTHER is one allow_net lacks. Prints one line per attempt:
 * "NAME ok" or "NAME errno=E…"; "race intact" when the handed-in socket is
 * still connected to ADDR:PORT after 20,000 racing disconnects.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case EISCONN:
		return "EISCONN";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EINVAL:
		return "EINVAL";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case EBADF:
		return "EBADF";
	default:
		return "other";
	}
}

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s errno=%s\n", what, ename(errno));
	else
		printf("%s ok\n", what);
}

static struct sockaddr_in sa(const char *ip, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static int raw_connect(int fd, const void *a, socklen_t l)
{
	return (int)syscall(SYS_connect, fd, a, l);
}

static int victim = -1, spare = -1, slot = 100;
static atomic_int stop;

/* Flip descriptor @slot between the host's socket and a sandbox one. */
static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		dup2(victim, slot);
		dup2(spare, slot);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: net_repoint ADDR PORT OTHER_ADDR OTHER_PORT\n");
		return 2;
	}
	struct sockaddr_in ok = sa(argv[1], atoi(argv[2]));
	struct sockaddr_in other = sa(argv[3], atoi(argv[4]));
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	victim = socket(AF_INET, SOCK_STREAM, 0);
	if (raw_connect(victim, &ok, sizeof(ok)) < 0) {
		printf("setup errno=%s\n", ename(errno));
		return 1;
	}
	printf("allowed ok\n");
	report("unspec", raw_connect(victim, &unspec, sizeof(unspec)));
	report("elsewhere", raw_connect(victim, &other, sizeof(other)));
	struct iovec io = { "x", 1 };
	struct msghdr m = {
		.msg_name = &other, .msg_namelen = sizeof(other), .msg_iov = &io, .msg_iovlen = 1
	};
	report("fastopen", (long)syscall(SYS_sendmsg, victim, &m, MSG_FASTOPEN));
	struct sockaddr_in any = sa("0.0.0.0", 0);
	report("bind", (long)syscall(SYS_bind, victim, &any, sizeof(any)));
	report("listen", (long)syscall(SYS_listen, victim, 1));

	/* The race: disconnect whatever sits at @slot while it flips under the check. */
	spare = socket(AF_UNIX, SOCK_STREAM, 0);
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	for (int i = 0; i < 20000; i++)
		raw_connect(slot, &unspec, sizeof(unspec));
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	if (getpeername(victim, (struct sockaddr *)&peer, &pl) == 0 &&
	    peer.sin_port == ok.sin_port && peer.sin_addr.s_addr == ok.sin_addr.s_addr)
		printf("race intact\n");
	else
		printf("race broken\n");
	return 0;
}
