/* SPDX-License-Identifier: MIT */
/*
 * egress.c — the egress's threads, its connection limit, dialing out
 * (directly or through the host's own proxy), the relay, and the audit
 * record of a refusal. See egress.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

#include "launcher/egress_internal.h"
#include "launcher/sup_internal.h"
#include "policy/util.h"

const struct egress_config *egress_cfg;
__thread uint16_t egress_peer_port;
static atomic_int conns;

/* ---- configuration from the host ---- */

static int parse_hostport(const char *s, struct net_ip *ip, uint16_t *port, uint16_t dflt)
{
	char host[128];
	const char *colon = NULL;
	size_t hl;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		hl = (size_t)(end - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -EINVAL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	*port = dflt;
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return -EINVAL;
		*port = (uint16_t)p;
	}
	return net_ip_parse(host, ip);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const char *in, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < outsz; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = 0;
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* http://[user:pass@]host[:port][/] */
static int parse_proxy_url(const char *url, struct egress_config *cfg)
{
	if (strncasecmp(url, "http://", 7) != 0)
		return -EPROTONOSUPPORT;
	const char *p = url + 7, *at = strchr(p, '@'), *end;
	if (at) {
		char user[384];
		size_t n = (size_t)(at - p);
		if (n >= sizeof(user))
			return -EINVAL;
		memcpy(user, p, n);
		user[n] = 0;
		char enc[500];
		base64(user, n, enc, sizeof(enc));
		snprintf(cfg->upstream_auth, sizeof(cfg->upstream_auth), "Basic %s", enc);
		p = at + 1;
	}
	end = p + strcspn(p, "/");
	if (*end && strcmp(end, "/") != 0)
		return -EINVAL;
	const char *colon = memchr(p, ':', (size_t)(end - p));
	size_t hl = colon ? (size_t)(colon - p) : (size_t)(end - p);
	if (hl == 0 || hl >= sizeof(cfg->upstream_host))
		return -EINVAL;
	memcpy(cfg->upstream_host, p, hl);
	cfg->upstream_host[hl] = 0;
	cfg->upstream_port = 80;
	if (colon) {
		long port = strtol(colon + 1, NULL, 10);
		if (port < 1 || port > 65535)
			return -EINVAL;
		cfg->upstream_port = (uint16_t)port;
	}
	cfg->has_upstream = true;
	return 0;
}

int egress_config_from_host(struct egress_config *cfg, const struct policy_blob *b,
			    char *const *envp, char *err, size_t errsz)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->blob = b;
	cfg->allow_private = b->hdr->flags & POLICY_BLOB_F_ALLOW_PRIVATE;
	const char *dns = env_get(envp, "AIGATE_DNS_SERVER");
	if (dns) {
		if (parse_hostport(dns, &cfg->resolver, &cfg->resolver_port, 53) < 0) {
			snprintf(err, errsz, "AIGATE_DNS_SERVER=%s: not an ADDRESS[:PORT]", dns);
			return -EINVAL;
		}
	} else {
		bool found = false;
		FILE *f = fopen("/etc/resolv.conf", "re");
		char line[512];
		while (f && !found && fgets(line, sizeof(line), f)) {
			char addr[128];
			if (sscanf(line, " nameserver %127s", addr) == 1 &&
			    net_ip_parse(addr, &cfg->resolver) == 0)
				found = true;
		}
		if (f)
			fclose(f);
		cfg->resolver_port = 53;
		/* glibc's own default without a resolv.conf. */
		if (!found)
			net_ip_parse("127.0.0.1", &cfg->resolver);
	}
	static const char *const proxies[] = { "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
					       "all_proxy" };
	for (size_t i = 0; i < ARRAY_SIZE(proxies); i++) {
		const char *v = env_get(envp, proxies[i]);
		if (!v || !v[0])
			continue;
		if (parse_proxy_url(v, cfg) < 0) {
			snprintf(err, errsz,
				 "%s=%s: only http://[user:pass@]host:port proxies can be chained",
				 proxies[i], v);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

/* ---- I/O with deadlines ---- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ssize_t egress_read_timeout(int fd, void *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = read(fd, buf, size);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n < 0 ? -errno : n;
	}
}

int egress_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			if (poll(&pf, 1, EGRESS_IDLE_TIMEOUT_MS) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- dialing out ---- */

static int connect_timeout(const struct net_ip *ip, uint16_t port, long long deadline)
{
	struct sockaddr_storage ss;
	socklen_t len = net_ip_to_sockaddr(ip, port, &ss);
	int fd = socket(ip->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;
	do {
		long long left = deadline - now_ms();
		r = poll(&p, 1, left > 0 ? (int)left : 0);
	} while (r < 0 && errno == EINTR);
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (r == 0)
		soerr = ETIMEDOUT;
	else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		close(fd);
		return -soerr;
	}
	/* Blocking again: the relay and the sandbox's own use expect it (sup_net.c sets theirs). */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* CONNECT @target through the host's proxy; the response head is read byte by byte (no over-read). */
static int upstream_connect(const char *target, long long deadline)
{
	const struct egress_config *c = egress_cfg;
	struct net_ip ip;
	char req[1024];
	int fd, r;
	if (net_ip_parse(c->upstream_host, &ip) < 0) {
		/* The proxy's own name: the host's resolver, without our address checks (the host's choice). */
		struct net_ip addrs[4];
		char why[128];
		int n = egress_resolve_raw(c->upstream_host, addrs, 4, why, sizeof(why));
		if (n <= 0)
			return n < 0 ? n : -EHOSTUNREACH;
		ip = addrs[0];
	}
	if ((fd = connect_timeout(&ip, c->upstream_port, deadline)) < 0)
		return fd;
	int len = snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n",
			   target, target, c->upstream_auth[0] ? "Proxy-Authorization: " : "",
			   c->upstream_auth, c->upstream_auth[0] ? "\r\n" : "");
	if (len < 0 || (size_t)len >= sizeof(req) ||
	    (r = egress_write_all(fd, req, (size_t)len)) < 0) {
		close(fd);
		return -EIO;
	}
	char head[4096];
	size_t got = 0;
	while (got < sizeof(head) - 1) {
		long long left = deadline - now_ms();
		ssize_t n = egress_read_timeout(fd, head + got, 1, left > 0 ? (int)left : 0);
		if (n <= 0) {
			close(fd);
			return n < 0 ? (int)n : -ECONNRESET;
		}
		got++;
		if (got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[got] = 0;
	int status = 0;
	if (sscanf(head, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
		close(fd);
		return -ECONNREFUSED;
	}
	return fd;
}

int egress_dial(const char *name, const struct net_ip *ip, uint16_t port)
{
	long long deadline = now_ms() + EGRESS_DIAL_TIMEOUT_MS;
	if (egress_cfg->has_upstream) {
		char target[300], addr[64];
		if (!name || !name[0]) {
			net_ip_format(ip, addr, sizeof(addr));
			name = addr;
		}
		snprintf(target, sizeof(target), strchr(name, ':') ? "[%s]:%u" : "%s:%u", name,
			 port);
		return upstream_connect(target, deadline);
	}
	return connect_timeout(ip, port, deadline);
}

/* ---- the relay ---- */

enum { RELAY_PIPE_SIZE = 1 << 18 };

/* One direction of a relay: from @in through a pipe to @out. */
struct relay_dir {
	int in, out;
	int pipe[2];
	size_t inpipe; /* bytes in the pipe */
	size_t cap;    /* the pipe's size */
	bool eof;      /* @in has ended (or failed) */
	bool full;     /* the pipe took no more while holding bytes: wait for @out */
	bool shut;     /* the EOF was passed on */
};

static int relay_dir_open(struct relay_dir *d, int in, int out)
{
	*d = (struct relay_dir){ .in = in, .out = out, .pipe = { -1, -1 } };
	if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/*
	 * The size asked for is a wish: past the user's pipe-user-pages-soft
	 * (many connections at once) the kernel refuses it, and the size used
	 * must be the one the pipe has.
	 */
	int sz = fcntl(d->pipe[0], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
	if (sz < 0)
		sz = fcntl(d->pipe[0], F_GETPIPE_SZ);
	d->cap = sz > 0 ? (size_t)sz : 4096;
	return 0;
}

static void relay_dir_close(struct relay_dir *d)
{
	for (int k = 0; k < 2; k++)
		if (d->pipe[k] >= 0)
			close(d->pipe[k]);
}

/* Wait for @in: not at its end, and the pipe has room. */
static bool relay_dir_wants_in(const struct relay_dir *d)
{
	return !d->eof && !d->full && d->inpipe < d->cap;
}

/*
 * Move what is there until both ends would block: fewer polls per byte.
 * An EOF on @in is passed on as a half-close once the pipe is empty.
 * Sets *@progress when bytes moved or @in ended; returns false when @out
 * failed (the other side is gone).
 */
static bool relay_dir_move(struct relay_dir *d, bool *progress)
{
	for (bool moved = true; moved;) {
		moved = false;
		if (!d->eof && d->inpipe < d->cap) {
			ssize_t n = splice(d->in, NULL, d->pipe[1], NULL, d->cap - d->inpipe,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->inpipe += (size_t)n;
				moved = true;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				d->eof = true;
				*progress = true;
			} else if (d->inpipe) {
				/*
				 * A pipe counts pages, not bytes: one holding small
				 * segments (a real network's) is full well before @cap,
				 * and polling @in again before bytes leave would spin.
				 * (EAGAIN with an empty pipe is an empty socket.)
				 */
				d->full = true;
			}
		}
		if (d->inpipe) {
			ssize_t n = splice(d->pipe[0], NULL, d->out, NULL, d->inpipe,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->inpipe -= (size_t)n;
				d->full = false;
				moved = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return false;
			}
		}
		*progress = *progress || moved;
	}
	if (d->eof && d->inpipe == 0 && !d->shut) {
		shutdown(d->out, SHUT_WR);
		d->shut = true;
	}
	return true;
}

/*
 * The client's socket is always on a loopback (the sandbox's, or the
 * host's in the fallback rungs): no loss, nothing to pace. The host's
 * default congestion control may pace (BBR does, with the kernel's own
 * pacing timers when the qdisc is not fq), which on loopback costs the
 * relay ~40 % more CPU per byte for nothing (docs/benchmarks.md, issue
 * 7). Reno never paces and is always built in and allowed. The upstream
 * socket keeps the host's choice: that one crosses a real network.
 */
static void relay_tune_client(int client)
{
	static const char reno[] = "reno";
	setsockopt(client, IPPROTO_TCP, TCP_CONGESTION, reno, sizeof(reno) - 1);
}

/*
 * Both ways at once, through a pipe per direction with splice(2): the
 * bytes never come up to user space. A direction that reaches EOF is
 * passed on as a half-close; the relay ends when both have, when a side
 * fails, or when nothing moved for EGRESS_IDLE_TIMEOUT_MS. @a is the
 * client's side (egress_proxy.c's tunnel()), @b the upstream.
 */
void egress_relay(int a, int b)
{
	/* Direction 0: from @a to @b; direction 1: back. */
	struct relay_dir dir[2] = { { .pipe = { -1, -1 } }, { .pipe = { -1, -1 } } };
	if (relay_dir_open(&dir[0], a, b) < 0 || relay_dir_open(&dir[1], b, a) < 0)
		goto out;
	relay_tune_client(a);
	fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK);
	fcntl(b, F_SETFL, fcntl(b, F_GETFL) | O_NONBLOCK);
	while (!(dir[0].shut && dir[1].shut)) {
		struct pollfd p[2] = { { .fd = a }, { .fd = b } };
		for (int d = 0; d < 2; d++) {
			if (relay_dir_wants_in(&dir[d]))
				p[d].events |= POLLIN;
			if (dir[d].inpipe)
				p[1 - d].events |= POLLOUT;
		}
		int r = poll(p, 2, EGRESS_IDLE_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		bool progress = false;
		for (int d = 0; d < 2; d++)
			if (!relay_dir_move(&dir[d], &progress))
				goto out;
		if (!progress && (p[0].revents | p[1].revents) & (POLLERR | POLLNVAL))
			break;
	}
out:
	relay_dir_close(&dir[0]);
	relay_dir_close(&dir[1]);
}

/*
 * An answer: @from (the upstream) to @to (the client) until EOF, an
 * error, or idle; the client's side is not read (egress_proxy.c's
 * forward_one()). The EOF is passed on as a half-close.
 */
void egress_copy_one_way(int from, int to)
{
	struct relay_dir d;
	if (relay_dir_open(&d, from, to) < 0) {
		relay_dir_close(&d);
		return;
	}
	relay_tune_client(to);
	fcntl(from, F_SETFL, fcntl(from, F_GETFL) | O_NONBLOCK);
	fcntl(to, F_SETFL, fcntl(to, F_GETFL) | O_NONBLOCK);
	while (!d.shut) {
		struct pollfd pf[2] = { { .fd = from,
					  .events = relay_dir_wants_in(&d) ? POLLIN : 0 },
					{ .fd = to, .events = d.inpipe ? POLLOUT : 0 } };
		int r = poll(pf, 2, EGRESS_IDLE_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		bool progress = false;
		if (!relay_dir_move(&d, &progress))
			break;
		/* The client has gone (POLLHUP: both ways shut) or a side failed. */
		if (!progress && ((pf[0].revents | pf[1].revents) & (POLLERR | POLLNVAL) ||
				  pf[1].revents & POLLHUP))
			break;
	}
	relay_dir_close(&d);
}

/* ---- refusals ---- */

/*
 * "a.b.example.com:443" as "…example.com:443" in @buf: true when it had
 * more than two labels (an address or a short name is left alone).
 */
static bool shorten_name(const char *target, char *buf, size_t size)
{
	char host[300];
	const char *colon = strrchr(target, ':');
	size_t hl = colon && !strchr(target, '[') ? (size_t)(colon - target) : strlen(target);
	if (hl >= sizeof(host) || target[0] == '[')
		return false;
	memcpy(host, target, hl);
	host[hl] = 0;
	struct net_ip ip;
	if (net_ip_parse(host, &ip) == 0)
		return false;
	char *last = strrchr(host, '.');
	if (!last)
		return false;
	*last = 0;
	char *second = strrchr(host, '.');
	*last = '.';
	if (!second)
		return false;
	snprintf(buf, size, "\xe2\x80\xa6%s%s", second + 1, target + hl); /* "…" in UTF-8 */
	return true;
}

/* @s with every @from replaced by @to, in @buf. Returns @buf. */
static const char *replace_all(const char *s, const char *from, const char *to, char *buf,
			       size_t size)
{
	size_t o = 0, fl = strlen(from), tl = strlen(to);
	buf[0] = 0;
	while (*s && o + 1 < size) {
		if (fl && strncmp(s, from, fl) == 0 && o + tl + 1 < size) {
			memcpy(buf + o, to, tl);
			o += tl;
			s += fl;
			continue;
		}
		buf[o++] = *s++;
	}
	buf[o] = 0;
	return buf;
}

void egress_deny(pid_t tid, const char *action, const char *enforcer, const char *syscall,
		 const char *target, int err, const char *reason)
{
	/* The rule is allow_net as a whole; its origin, where its first entry was written. */
	char origin[512];
	/* A proxy connection's client, found only now: the search is for denials alone. */
	if (tid == 0 && egress_peer_port)
		tid = egress_sender("tcp", egress_peer_port);
	policy_blob_allow_net_origin(egress_cfg->blob, origin, sizeof(origin));
	/*
	 * On the terminal, a name the sandbox chose shows only its last two
	 * labels: a secret spelt into the rest (and lower-cased by DNS, past
	 * case-sensitive masks) stays in the audit trail, not on the screen.
	 */
	char short_target[300], short_reason[1024];
	const char *tell_target = NULL, *tell_reason = NULL;
	if (target && shorten_name(target, short_target, sizeof(short_target))) {
		tell_target = short_target;
		tell_reason = reason ? replace_all(reason, target, short_target, short_reason,
						   sizeof(short_reason))
				     : NULL;
	}
	struct sup_event ev = { .tid = tid,
				.tell_target = tell_target,
				.tell_reason = tell_reason,
				.enforcer = enforcer,
				.action = action,
				.syscall = syscall,
				.target = target,
				.rule = "allow_net",
				.origin = origin,
				.verdict = "denied",
				.err = err,
				.reason = reason,
				.tell = true };
	sup_record_event(&ev);
}

/* ---- threads ---- */

struct conn {
	int fd;
	uint16_t port; /* the client's, on the sandbox's loopback */
	void (*serve)(int fd, pid_t peer);
};

static void *conn_main(void *arg)
{
	struct conn c = *(struct conn *)arg;
	free(arg);
	egress_peer_port = c.port;
	c.serve(c.fd, 0);
	close(c.fd);
	atomic_fetch_sub(&conns, 1);
	return NULL;
}

static bool spawn(void *(*fn)(void *), void *arg)
{
	return sup_spawn_detached(fn, arg) == 0;
}

struct acceptor {
	int fd;
	void (*serve)(int fd, pid_t peer);
	const char *what;
};

static void *accept_main(void *arg)
{
	struct acceptor *a = arg;
	for (;;) {
		int fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (errno != EINTR && errno != ECONNABORTED)
					poll(NULL, 0, 50); /* out of descriptors: let some close */
				continue;
			}
			return NULL;
		}
		/* Who is asking is looked up only for a denial (egress_deny()): by port. */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		uint16_t port = 0;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		if (atomic_fetch_add(&conns, 1) >= EGRESS_MAX_CONNS) {
			atomic_fetch_sub(&conns, 1);
			/* Not who: the search would hold up this thread, which must keep accepting. */
			egress_peer_port = 0;
			egress_deny(0, "connect", "proxy", NULL, a->what, EAGAIN,
				    "too many connections through the egress at once (the limit "
				    "is 256)");
			close(fd);
			continue;
		}
		struct timeval tv = { .tv_sec = EGRESS_IDLE_TIMEOUT_MS / 1000 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		struct conn *c = malloc(sizeof(*c));
		if (c) {
			*c = (struct conn){ .fd = fd, .port = port, .serve = a->serve };
			if (spawn(conn_main, c))
				continue;
			free(c);
		}
		atomic_fetch_sub(&conns, 1);
		close(fd);
	}
}

static dev_t netns_dev;
static ino_t netns_ino;

bool egress_is_sandbox_netns(dev_t dev, ino_t ino)
{
	return netns_ino && dev == netns_dev && ino == netns_ino;
}

int egress_start(const struct egress_config *cfg, const int fds[SBX_NET_NFDS], pid_t init)
{
	/*
	 * The namespace the listeners were made in: the sandbox's (sup_net.c
	 * compares with it). Not in the fallback rungs (no DNS stub): there
	 * the listeners are on the host's network, which must never count as
	 * the sandbox's.
	 */
	bool flat = fds[SBX_NET_FD_DNS_UDP] < 0;
	if (!flat) {
		struct stat st;
		int ns = ioctl(fds[SBX_NET_FD_HTTP], SIOCGSKNS);
		if (ns < 0 || fstat(ns, &st) < 0) {
			int e = -errno;
			if (ns >= 0)
				close(ns);
			return e;
		}
		close(ns);
		netns_dev = st.st_dev;
		netns_ino = st.st_ino;
	}
	static struct acceptor acc[3];
	static int dns_fd;
	egress_cfg = cfg;
	egress_dns_set_init(init);
	acc[0] = (struct acceptor){ fds[SBX_NET_FD_HTTP], egress_http_conn, "the HTTP proxy" };
	acc[1] = (struct acceptor){ fds[SBX_NET_FD_SOCKS], egress_socks_conn, "the SOCKS proxy" };
	acc[2] = (struct acceptor){ fds[SBX_NET_FD_DNS_TCP], egress_dns_serve_tcp_conn,
				    "the DNS stub (TCP)" };
	dns_fd = fds[SBX_NET_FD_DNS_UDP];
	for (size_t i = 0; i < (flat ? 2 : ARRAY_SIZE(acc)); i++)
		if (!spawn(accept_main, &acc[i]))
			return -EAGAIN;
	if (!flat && !spawn(egress_dns_serve_udp, &dns_fd))
		return -EAGAIN;
	return 0;
}

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010 /* Linux 5.1 */
#endif

int egress_shim_table(struct egress_config *cfg)
{
	const size_t size = sizeof(struct shim_net_table);
	int fd = memfd_create("aigate-net", MFD_CLOEXEC | MFD_ALLOW_SEALING), e;
	if (fd < 0)
		return -errno;
	void *map = MAP_FAILED;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    (map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
		goto fail;
	struct shim_net_table *t = map;
	t->magic = SHIM_NET_MAGIC;
	t->slots = SHIM_NET_SLOTS;
	/*
	 * Sealed before anything inside can hold it: FUTURE_WRITE keeps the
	 * sandbox from mapping it writable (our mapping predates the seal);
	 * SHRINK keeps a truncation from turning our writes into SIGBUS.
	 */
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	cfg->shim_table = t;
	return fd;
fail:
	e = -errno;
	if (map != MAP_FAILED)
		munmap(map, size);
	close(fd);
	return e;
}
