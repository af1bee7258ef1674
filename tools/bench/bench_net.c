/* SPDX-License-Identifier: MIT */
/*
 * bench_net.c — allow_net's egress benchmark (tools/bench/bench_net.sh).
 *
 *   bench_net serve ADDR PORT            an HTTP/1.0 server: GET /N answers N bytes
 *   bench_net get ADDR PORT N [PROXY]    one GET of N bytes; prints MB/s
 *   bench_net reqs ADDR PORT K [PROXY]   K GETs of 100 bytes, a connection each;
 *                                        prints µs per request
 * PROXY: "connect:HOST:PORT" (a CONNECT tunnel) or "http:HOST:PORT"
 * (absolute-form request through the proxy). Without it the connect is
 * direct (inside aigate: the transparent path, the socket swapped in).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, addr, &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) {
			perror("write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Read up to the end of the head; returns bytes of body already read into @buf. */
static size_t read_head(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0) {
			fprintf(stderr, "short head\n");
			exit(1);
		}
		got += (size_t)n;
		char *e = memmem(buf, got, "\r\n\r\n", 4);
		if (e) {
			*ret_len = got;
			return (size_t)(e + 4 - buf);
		}
	}
}

/* A connection to ADDR:PORT, through PROXY when given; the HTTP request path prefix in @prefix. */
static int open_to(const char *addr, int port, const char *proxy, char *prefix, size_t psz)
{
	prefix[0] = 0;
	if (!proxy)
		return dial(addr, port);
	char kind[16], phost[64];
	int pport;
	if (sscanf(proxy, "%15[^:]:%63[^:]:%d", kind, phost, &pport) != 3) {
		fprintf(stderr, "bad proxy\n");
		exit(2);
	}
	int fd = dial(phost, pport);
	if (strcmp(kind, "http") == 0) {
		snprintf(prefix, psz, "http://%s:%d", addr, port);
		return fd;
	}
	char req[256], buf[4096];
	size_t len;
	int n = snprintf(req, sizeof(req), "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", addr,
			 port, addr, port);
	write_all(fd, req, (size_t)n);
	size_t head = read_head(fd, buf, sizeof(buf), &len);
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || head != len) {
		fprintf(stderr, "CONNECT refused\n");
		exit(1);
	}
	return fd;
}

static size_t get(const char *addr, int port, long n, const char *proxy)
{
	static char buf[1 << 18];
	char prefix[128], req[256];
	size_t len, total = 0;
	int fd = open_to(addr, port, proxy, prefix, sizeof(prefix));
	int k = snprintf(req, sizeof(req), "GET %s/%ld HTTP/1.0\r\nHost: %s:%d\r\n\r\n", prefix, n,
			 addr, port);
	write_all(fd, req, (size_t)k);
	size_t head = read_head(fd, buf, sizeof(buf), &len);
	total = len - head;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		total += (size_t)r;
	}
	close(fd);
	if ((long)total != n) {
		fprintf(stderr, "got %zu of %ld bytes\n", total, n);
		exit(1);
	}
	return total;
}

static void *serve_one(void *arg)
{
	static char zeros[1 << 18];
	int fd = (int)(long)arg;
	char buf[4096];
	size_t len;
	read_head(fd, buf, sizeof(buf), &len);
	char *slash = strchr(buf, '/');
	/* absolute-form from the proxy is rewritten; a direct GET /N */
	long n = slash ? strtol(slash + 1, NULL, 10) : 0;
	char head[128];
	int k = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Length: %ld\r\n\r\n", n);
	write_all(fd, head, (size_t)k);
	while (n > 0) {
		size_t c = n < (long)sizeof(zeros) ? (size_t)n : sizeof(zeros);
		write_all(fd, zeros, c);
		n -= (long)c;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "serve") == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)atoi(argv[3])) };
		inet_pton(AF_INET, argv[2], &sin.sin_addr);
		int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 512) < 0) {
			perror("bind");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				continue;
			pthread_t t;
			pthread_create(&t, NULL, serve_one, (void *)(long)c);
			pthread_detach(t);
		}
	}
	if (argc >= 5 && strcmp(argv[1], "get") == 0) {
		long n = atol(argv[4]);
		double t0 = now();
		get(argv[2], atoi(argv[3]), n, argc > 5 ? argv[5] : NULL);
		printf("%.1f\n", (double)n / (now() - t0) / 1e6);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "reqs") == 0) {
		int k = atoi(argv[4]);
		double t0 = now();
		for (int i = 0; i < k; i++)
			get(argv[2], atoi(argv[3]), 100, argc > 5 ? argv[5] : NULL);
		printf("%.1f\n", (now() - t0) / k * 1e6);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top\n");
	return 2;
}
