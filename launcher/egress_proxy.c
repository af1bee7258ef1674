/* SPDX-License-Identifier: MIT */
/*
 * egress_proxy.c — the HTTP proxy (CONNECT and absolute-form requests)
 * and the SOCKS5 proxy on the sandbox's loopback. Each connection is
 * served on a thread of its own, under the limits of egress.h.
 *
 * What reaches a destination: only a name (or literal) allow_net admits on
 * that port, resolved by the host's resolver to addresses of a permitted
 * class. Through a tunnel, the TLS ClientHello is held until complete and
 * its server name must be the tunnel's (no domain fronting: CONNECT to an
 * allowed CDN name while asking the CDN for another). An absolute-form
 * request's Host header must name the host of its URL, and only that one
 * request goes through (Connection: close, no pipelining to another host).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher/egress_internal.h"
#include "launcher/http_head.h"
#include "launcher/tls_sni.h"

#define EGRESS_ADDRS_MAX 16

/* "host:port", bracketed when IPv6. */
static void host_port(const char *host, uint16_t port, char *buf, size_t size)
{
	snprintf(buf, size, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

int egress_open_to(pid_t peer, const char *host, uint16_t port, char *why, size_t whysz)
{
	const struct policy_blob *b = egress_cfg->blob;
	struct net_ip addrs[EGRESS_ADDRS_MAX], lit;
	char target[300];
	int n;

	host_port(host, port, target, sizeof(target));
	if (policy_blob_match_net(b, host, port) < 0) {
		snprintf(why, whysz, "allow_net lacks %s", target);
		egress_deny(peer, "connect", "proxy", NULL, target, EACCES, why);
		return -EACCES;
	}
	if (net_ip_parse(host, &lit) == 0) {
		struct net_ip u = net_ip_unmap(&lit);
		if (net_ip_class(&u) != NET_IP_PUBLIC && !egress_cfg->allow_private) {
			snprintf(why, whysz, "%s is %s and allow_private_addresses is off", host,
				 net_ip_class_name(net_ip_class(&u)));
			egress_deny(peer, "connect", "proxy", NULL, target, EACCES, why);
			return -EACCES;
		}
		addrs[0] = lit;
		n = 1;
	} else {
		n = egress_resolve(host, addrs, EGRESS_ADDRS_MAX, why, whysz);
		if (n == -EACCES) {
			egress_deny(peer, "connect", "proxy", NULL, target, EACCES, why);
			return n;
		}
		/* The host's proxy may resolve what we cannot (a corporate network): let it try. */
		if (n < 0 && egress_cfg->has_upstream) {
			memset(&addrs[0], 0, sizeof(addrs[0]));
			addrs[0].family = AF_INET;
			n = 1;
		} else if (n < 0) {
			if (n == -ENOENT)
				return -EHOSTUNREACH;
			snprintf(why, whysz, "the host's resolver did not answer for %s", host);
			return n;
		}
	}
	int fd = -EHOSTUNREACH;
	for (int i = 0; i < n; i++) {
		fd = egress_dial(host, &addrs[i], port);
		if (fd >= 0 || egress_cfg->has_upstream)
			break;
	}
	if (fd < 0)
		snprintf(why, whysz, "%s: %s", target, strerror(-fd));
	return fd;
}

ssize_t egress_check_first_bytes(pid_t peer, int client, int up, const char *host, uint16_t port,
				 uint8_t *buf, size_t size, size_t have)
{
	size_t got = have;
	char sni[256], why[600], target[300];
	for (;;) {
		if (got) {
			int r = tls_client_hello_sni(buf, got, sni, sizeof(sni));
			if (r == -EAGAIN && got < size)
				goto more;
			if (r == -ENOTSUP || r == -ENOENT)
				return (ssize_t)
					got; /* not TLS, or no name: the tunnel's host it is */
			if (r == 0 && strcasecmp(sni, host) == 0)
				return (ssize_t)got;
			struct net_ip lit;
			if (r == 0 && net_ip_parse(host, &lit) == 0 &&
			    policy_blob_match_net(egress_cfg->blob, sni, port) >= 0)
				return (ssize_t)
					got; /* a literal's tunnel, to a name allow_net admits */
			host_port(host, port, target, sizeof(target));
			if (r == 0)
				snprintf(why, sizeof(why),
					 "the TLS server name %s is not the tunnel's host %s "
					 "(domain "
					 "fronting)",
					 sni, host);
			else
				snprintf(why, sizeof(why),
					 "a malformed or oversized TLS ClientHello to %s", target);
			egress_deny(peer, "connect", "proxy", NULL, target, EACCES, why);
			return -EACCES;
		}
	more:;
		/*
		 * Wait for the client's first bytes; a server that speaks first
		 * (SMTP, SSH) is passed on meanwhile. Whatever the client sends
		 * first is inspected, however long it waits.
		 */
		struct pollfd p[2] = { { .fd = client, .events = POLLIN },
				       { .fd = up, .events = POLLIN } };
		int r = poll(p, got ? 1 : 2, EGRESS_HEAD_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		if (!got && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			char tmp[16384];
			ssize_t n = read(up, tmp, sizeof(tmp));
			if (n <= 0 || egress_write_all(client, tmp, (size_t)n) < 0)
				return n < 0 ? -errno : -ECONNRESET;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(client, buf + got, size - got);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0)
				return -errno;
			if (n == 0) {
				/*
				 * The client stopped in the middle of a ClientHello: what
				 * is held still names a server, unchecked. Refused.
				 */
				if (got &&
				    tls_client_hello_sni(buf, got, sni, sizeof(sni)) == -EAGAIN) {
					host_port(host, port, target, sizeof(target));
					egress_deny(peer, "connect", "proxy", NULL, target, EACCES,
						    "an incomplete TLS ClientHello (the client "
						    "stopped sending)");
					return -EACCES;
				}
				return (ssize_t)got;
			}
			got += (size_t)n;
		}
	}
}

/*
 * A tunnel from @client to @up for @host:@port: the client's first bytes
 * (@have of them already read, in @pre) are checked, then everything is
 * relayed. Closes @up. The ClientHello buffer is the heap's: threads have
 * small stacks.
 */
static void tunnel(pid_t peer, int client, int up, const char *host, uint16_t port, const char *pre,
		   size_t have)
{
	uint8_t *first = malloc(TLS_HELLO_MAX);
	if (!first) {
		close(up);
		return;
	}
	if (have > TLS_HELLO_MAX)
		have = TLS_HELLO_MAX;
	if (have)
		memcpy(first, pre, have);
	ssize_t n =
		egress_check_first_bytes(peer, client, up, host, port, first, TLS_HELLO_MAX, have);
	if (n >= 0 && (n == 0 || egress_write_all(up, first, (size_t)n) == 0)) {
		free(first);
		first = NULL;
		egress_relay(client, up);
	}
	free(first);
	close(up);
}

/* ---- HTTP ---- */

static void http_reply(int fd, int status, const char *text, const char *why)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nConnection: close\r\n"
			 "Content-Length: %zu\r\n\r\naigate: %s\n",
			 status, text, strlen(why) + 9, why);
	if (n > 0)
		egress_write_all(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	/*
	 * A lingering close: closing with the client's bytes unread would send
	 * a reset that can destroy the reply before the client reads it.
	 */
	shutdown(fd, SHUT_WR);
	char drain[4096];
	for (int i = 0; i < 16; i++)
		if (egress_read_timeout(fd, drain, sizeof(drain), 200) <= 0)
			break;
}

static void http_connect(int fd, pid_t peer, const struct http_head *h, const char *rest,
			 size_t restlen)
{
	char why[600];
	int up = egress_open_to(peer, h->host, h->port, why, sizeof(why));
	if (up < 0) {
		http_reply(fd, up == -EACCES ? 403 : 502,
			   up == -EACCES ? "Forbidden" : "Bad Gateway", why);
		return;
	}
	if (egress_write_all(fd, "HTTP/1.1 200 Connection established\r\n\r\n", 39) < 0) {
		close(up);
		return;
	}
	/* Bytes the client sent after the head belong to the tunnel: checked with the rest. */
	tunnel(peer, fd, up, h->host, h->port, rest, restlen);
}

/* Send @h (parsed from @buf) and its body to @up, then the answer back: one request. */
static void forward_one(int fd, int up, const char *buf, const struct http_head *h,
			const char *rest, size_t restlen, char *out, size_t outsz)
{
	size_t len = http_rewrite_for_origin(buf, h, out, outsz);
	if (!len || egress_write_all(up, out, len) < 0)
		return;
	/* Exactly the body, then no more from the client: one request per connection. */
	long long body = h->content_length > 0 ? h->content_length : 0;
	size_t take = restlen < (unsigned long long)body ? restlen : (size_t)body;
	if (take && egress_write_all(up, rest, take) < 0)
		return;
	body -= (long long)take;
	while (body > 0) {
		size_t want = body < (long long)outsz ? (size_t)body : outsz;
		ssize_t n = egress_read_timeout(fd, out, want, EGRESS_IDLE_TIMEOUT_MS);
		if (n <= 0 || egress_write_all(up, out, (size_t)n) < 0)
			return;
		body -= n;
	}
	/* Nothing more from the client is read: a second request cannot ride along. */
	egress_copy_one_way(up, fd);
}

static void http_forward(int fd, pid_t peer, const char *buf, const struct http_head *h,
			 const char *rest, size_t restlen)
{
	char why[700], target[300];
	host_port(h->host, h->port, target, sizeof(target));
	/* The Host header names the server that answers: it must be the URL's host. */
	if (h->has_host_header && (strcasecmp(h->host_header, h->host) != 0 ||
				   (h->host_header_port && h->host_header_port != h->port))) {
		snprintf(why, sizeof(why), "the Host header %s does not match the URL's host %s",
			 h->host_header, target);
		egress_deny(peer, "connect", "proxy", NULL, target, EACCES, why);
		http_reply(fd, 403, "Forbidden", why);
		return;
	}
	if (h->chunked) {
		egress_deny(peer, "connect", "proxy", NULL, target, EINVAL,
			    "a chunked request body (not forwarded: send a Content-Length)");
		http_reply(fd, 411, "Length Required",
			   "chunked request bodies are not forwarded; send a Content-Length");
		return;
	}
	int up = egress_open_to(peer, h->host, h->port, why, sizeof(why));
	if (up < 0) {
		http_reply(fd, up == -EACCES ? 403 : 502,
			   up == -EACCES ? "Forbidden" : "Bad Gateway", why);
		return;
	}
	/* The heap's: egress threads have small stacks. */
	size_t outsz = HTTP_HEAD_MAX + 64;
	char *out = malloc(outsz);
	if (out)
		forward_one(fd, up, buf, h, rest, restlen, out, outsz);
	free(out);
	close(up);
}

/* One client of the HTTP proxy, with its head buffer @buf (HTTP_HEAD_MAX + 1 bytes). */
static void http_conn(int fd, pid_t peer, char *buf)
{
	struct http_head h;
	size_t got = 0;
	int r = -EAGAIN;
	while (r == -EAGAIN) {
		ssize_t n = egress_read_timeout(fd, buf + got, HTTP_HEAD_MAX - got,
						EGRESS_HEAD_TIMEOUT_MS);
		if (n <= 0)
			return;
		got += (size_t)n;
		r = http_parse_request_head(buf, got, &h);
		if (r == -EAGAIN && got >= HTTP_HEAD_MAX)
			r = -E2BIG;
	}
	switch (r) {
	case 0:
		break;
	case -E2BIG:
		/* A limit reached is a refusal: recorded (a malformed request is only answered). */
		egress_deny(peer, "connect", "proxy", NULL, "the HTTP proxy", E2BIG,
			    "a request head over 16 KiB or 100 headers");
		http_reply(fd, 431, "Request Header Fields Too Large", "request head too large");
		return;
	case -EPROTONOSUPPORT:
		http_reply(fd, 400, "Bad Request", "only http:// URLs; use CONNECT for https");
		return;
	case -EINVAL:
		http_reply(fd, 400, "Bad Request",
			   "this is a proxy: send an absolute URL or CONNECT");
		return;
	default:
		http_reply(fd, 400, "Bad Request", "malformed request");
		return;
	}
	if (h.connect)
		http_connect(fd, peer, &h, buf + h.head_len, got - h.head_len);
	else
		http_forward(fd, peer, buf, &h, buf + h.head_len, got - h.head_len);
}

void egress_http_conn(int fd, pid_t peer)
{
	/* The heap's: egress threads have small stacks. */
	char *buf = malloc(HTTP_HEAD_MAX + 1);
	if (!buf)
		return;
	http_conn(fd, peer, buf);
	free(buf);
}

/* ---- SOCKS5 (RFC 1928), CONNECT only, no authentication ---- */

static int read_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = egress_read_timeout(fd, (char *)buf + got, len - got,
						EGRESS_HEAD_TIMEOUT_MS);
		if (n <= 0)
			return n < 0 ? (int)n : -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static void socks_reply(int fd, uint8_t code)
{
	uint8_t rep[10] = { 5, code, 0, 1, 0, 0, 0, 0, 0, 0 };
	egress_write_all(fd, rep, sizeof(rep));
}

void egress_socks_conn(int fd, pid_t peer)
{
	uint8_t hdr[2], methods[255], req[4], name[256], portb[2];
	char host[300], why[600];
	if (read_exact(fd, hdr, 2) < 0 || hdr[0] != 5 || read_exact(fd, methods, hdr[1]) < 0)
		return;
	if (!memchr(methods, 0, hdr[1])) {
		egress_write_all(fd, "\x05\xff", 2);
		return;
	}
	if (egress_write_all(fd, "\x05\x00", 2) < 0 || read_exact(fd, req, 4) < 0 || req[0] != 5)
		return;
	switch (req[3]) {
	case 1: { /* IPv4 */
		struct net_ip ip = { .family = AF_INET };
		if (read_exact(fd, ip.a, 4) < 0)
			return;
		net_ip_format(&ip, host, sizeof(host));
		break;
	}
	case 4: { /* IPv6 */
		struct net_ip ip = { .family = AF_INET6 };
		if (read_exact(fd, ip.a, 16) < 0)
			return;
		net_ip_format(&ip, host, sizeof(host));
		break;
	}
	case 3: { /* a name: resolved by us (socks5h) */
		uint8_t len;
		if (read_exact(fd, &len, 1) < 0 || len == 0 || read_exact(fd, name, len) < 0)
			return;
		for (size_t i = 0; i < len; i++)
			if (!name[i] || name[i] < 0x21 || name[i] > 0x7e) {
				socks_reply(fd, 1);
				return;
			}
		memcpy(host, name, len);
		host[len] = 0;
		for (char *p = host; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (len > 1 && host[len - 1] == '.')
			host[len - 1] = 0;
		break;
	}
	default:
		socks_reply(fd, 8); /* address type not supported */
		return;
	}
	if (read_exact(fd, portb, 2) < 0)
		return;
	uint16_t port = (uint16_t)(portb[0] << 8 | portb[1]);
	if (req[1] != 1) {
		/* BIND and UDP ASSOCIATE: UDP leaves only as the stub's DNS. */
		char target[300];
		host_port(host, port, target, sizeof(target));
		snprintf(why, sizeof(why), "SOCKS %s is not supported: only CONNECT",
			 req[1] == 3 ? "UDP ASSOCIATE" : "BIND");
		egress_deny(peer, "connect", "proxy", NULL, target, EACCES, why);
		socks_reply(fd, 7);
		return;
	}
	/* An address the stub answered stands for its name (what the client resolved through us). */
	struct net_ip ip;
	char known[256];
	if (net_ip_parse(host, &ip) == 0 &&
	    egress_admit_addr(&ip, port, known, sizeof(known), why, sizeof(why)) &&
	    strcmp(known, host) != 0) {
		int up = egress_dial(known, &ip, port);
		if (up < 0) {
			socks_reply(fd, 5);
			return;
		}
		socks_reply(fd, 0);
		/* Held to the name the address stands for, as a tunnel by name is. */
		tunnel(peer, fd, up, known, port, NULL, 0);
		return;
	}
	int up = egress_open_to(peer, host, port, why, sizeof(why));
	if (up < 0) {
		socks_reply(fd, up == -EACCES ? 2 : up == -EHOSTUNREACH ? 4 : 5);
		return;
	}
	socks_reply(fd, 0);
	tunnel(peer, fd, up, host, port, NULL, 0);
}
