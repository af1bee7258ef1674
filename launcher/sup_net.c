/* SPDX-License-Identifier: MIT */
/*
 * sup_net.c — connect and sendto under allow_net (the filter traps them
 * only then; sendto only with a destination address).
 *
 * The boundary is the network namespace: it has loopback alone, so
 * whatever address a call ends up using, the kernel can reach nothing
 * beyond the sandbox's own 127.0.0.1. That is why CONTINUE is safe here
 * even though the address lives in memory another thread may rewrite
 * after we read it (seccomp_unotify(2)): a rewritten address can only
 * lead to the same loopback, or fail with ENETUNREACH.
 *
 * What the supervisor adds is transparency and the record: a TCP connect
 * to an address the DNS stub answered for an allowed name is carried out
 * here, from the host's network, and the connected socket replaces the
 * caller's at the same descriptor number (SECCOMP_IOCTL_NOTIF_ADDFD with
 * SETFD), so programs that ignore proxy variables (Go, Node's fetch, curl
 * --noproxy) work. The decision uses our own copy of the address, and the
 * socket we hand over is one we connected: nothing the caller changes
 * afterwards matters. Every other destination is refused and recorded.
 *
 * The fallback rungs (docs/fallback.md) have no network namespace: every
 * socket of the sandbox is the host's, so nothing can be let through with
 * CONTINUE. There the filter leaves TCP as the only IP socket (the rest is
 * refused at socket()), every connect is carried out here on the socket we
 * judged, to aigate's proxy on the host's 127.0.0.1, to a listener the
 * sandbox made, or (a literal address allow_net admits) from outside; and
 * listen(2) is carried out here too, on loopback only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/openat2.h>
#include <linux/sockios.h>
#include <stddef.h>
#include <limits.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/egress.h"
#include "policy/net_ip.h"
#include "launcher/sandbox_net.h"
#include "launcher/sup_internal.h"
#include "policy/util.h"

static atomic_int dials; /* connects and redirect jobs running */

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static void format_target(const struct net_ip *ip, uint16_t port, char *buf, size_t size)
{
	char a[64];
	net_ip_format(ip, a, sizeof(a));
	snprintf(buf, size, ip->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

int sup_caller_fd(pid_t tid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL) {
		/* Before 6.9 (no PIDFD_THREAD): the thread group's, which shares the table. */
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%d/status", tid);
		int f = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
		if (f >= 0)
			close(f);
		char *l = n > 0 ? (buf[n] = 0, strstr(buf, "\nTgid:")) : NULL;
		pidfd = l ? (int)syscall(SYS_pidfd_open, (pid_t)strtol(l + 6, NULL, 10), 0) : -1;
	}
	if (pidfd < 0)
		return -errno;
	int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int e = errno;
	close(pidfd);
	return got < 0 ? -e : got;
}

/* Was the caller's @fd close-on-exec? (/proc/TID/fdinfo/FD "flags:", octal) */
static bool caller_cloexec(pid_t tid, int fd)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", tid, fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return true;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return true;
	buf[n] = 0;
	char *l = strstr(buf, "flags:");
	return !l || (strtoul(l + 6, NULL, 8) & O_CLOEXEC);
}

struct redirect {
	struct net_ip ip;
	uint16_t port;
	int fd;	  /* the caller's descriptor number */
	int ours; /* its socket, duplicated */
	char name[256];
	char target[300];
};

static void redirect(struct sup_req *r);

/* On a job thread: dial, swap the socket in, answer 0. */
static void redirect_job(struct sup_req *r)
{
	redirect(r);
	atomic_fetch_sub(&dials, 1);
}

static void redirect(struct sup_req *r)
{
	struct redirect *d = r->job_data;
	r->job_data = NULL;
	int flags = fcntl(d->ours, F_GETFL);
	int nodelay = 0, keepalive = 0;
	socklen_t sl = sizeof(int);
	getsockopt(d->ours, IPPROTO_TCP, TCP_NODELAY, &nodelay, &sl);
	sl = sizeof(int);
	getsockopt(d->ours, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &sl);
	close(d->ours);

	int up = egress_dial(d->name, &d->ip, d->port);
	if (up < 0) {
		/* The destination's own answer (refused, unreachable, timed out): as a native connect. */
		sup_reply_error(r, -up);
		free(d);
		return;
	}
	/* What the program set on its socket, on the one it gets instead. */
	if (flags >= 0)
		fcntl(up, F_SETFL, flags & (O_NONBLOCK | O_ASYNC));
	setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay));
	setsockopt(up, SOL_SOCKET, SO_KEEPALIVE, &keepalive, sizeof(keepalive));
	struct seccomp_notif_addfd addfd = {
		.id = r->n->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)up,
		.newfd = (uint32_t)d->fd,
		.newfd_flags = caller_cloexec(r->tid, d->fd) ? O_CLOEXEC : 0,
	};
	/* Not FLAG_SEND: that would make connect return the descriptor number, not 0. */
	if (ioctl(r->s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0) {
		int e = errno;
		close(up);
		if (e != ENOENT) /* ENOENT: the caller is gone; nobody to answer */
			sup_reply_error(r, ECONNREFUSED);
		free(d);
		return;
	}
	close(up);
	char what[600];
	snprintf(what, sizeof(what), "%s (%s)", d->target, d->name);
	sup_record_allowed(r->tid, AUDIT_LEVEL_ALL, "connect", "connect", what, NULL);
	sup_reply_value(r, 0);
	free(d);
}

/*
 * Is @sock (ours, duplicated from the caller) a socket of the sandbox's
 * network namespace? SIOCGSKNS needs CAP_NET_ADMIN over the socket's
 * namespace: we have it over the sandbox's (its user namespace is our
 * uid's child), never over the host's, so a socket aigate connected from
 * outside and handed in fails here. Any failure counts as "not the
 * sandbox's": the caller is refused, never let through.
 */
static bool in_sandbox_netns(int sock)
{
	int ns = ioctl(sock, SIOCGSKNS);
	struct stat st;
	if (ns < 0)
		return false;
	bool ok = fstat(ns, &st) == 0 && egress_is_sandbox_netns(st.st_dev, st.st_ino);
	close(ns);
	return ok;
}

/*
 * connect(2) on @ours for the caller, with our copy of the address: the
 * call acts on the very socket we judged, whatever the caller's threads do
 * to its descriptor table or the address meanwhile. A unix socket's path
 * is looked up in the sandbox's view (its root and the caller's working
 * directory), then reached through /proc/self/fd of what we opened: our
 * own mount namespace would show the host's sockets the plan hides.
 * Returns 0 or -errno, as the caller's connect would.
 */
static int connect_for(struct sup_req *r, int ours, const struct sockaddr_storage *ss, size_t len)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
	/* Longer than a unix address: the kernel's answer (and past our path buffer). */
	if (ss->ss_family == AF_UNIX && len > sizeof(struct sockaddr_un))
		return -EINVAL;
	if (ss->ss_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) &&
	    sun->sun_path[0]) {
		char path[sizeof(sun->sun_path) + 1], rule[512], origin[512], real[PATH_MAX];
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		memcpy(path, sun->sun_path, n);
		path[n] = 0;
		struct open_how how = { .flags = O_PATH | O_CLOEXEC };
		int obj = sup_openat(r, AT_FDCWD, path, &how);
		if (obj < 0)
			return obj == -ENOENT || obj == -ENOTDIR ? obj : -ECONNREFUSED;
		/* A socket a deny_read rule names (made after start: the mounts hide the others). */
		if (sup_path_verdict(r->s, obj, real, sizeof(real), rule, sizeof(rule), origin,
				     sizeof(origin))) {
			close(obj);
			sup_record(r->tid, "connect", "connect", real, rule, origin, "denied",
				   EACCES, "connecting to a unix socket a deny_read rule hides");
			return -EACCES;
		}
		/*
		 * Fallback rungs: rung 1 gives the sandbox a /tmp of its own; here
		 * the host's sockets there (X11, an ssh-agent, tmux) would run
		 * what the agent asks of them. Refused outside the write roots
		 * (a project cloned below /tmp keeps its own).
		 */
		int err = 0;
		if (r->s->flat && strncmp(real, "/tmp/", 5) == 0 &&
		    sup_flat_write_denied(r->s, real, false, rule, sizeof(rule), origin,
					  sizeof(origin), &err)) {
			close(obj);
			sup_record(
				r->tid, "connect", "connect", real, "private /tmp", "built-in",
				"denied", EACCES,
				"a unix socket in the host's /tmp (X11, ssh-agent and the like), "
				"outside the write roots: rung 1 gives the sandbox a /tmp of its "
				"own");
			return -EACCES;
		}
		struct sockaddr_un via = { .sun_family = AF_UNIX };
		snprintf(via.sun_path, sizeof(via.sun_path), "/proc/self/fd/%d", obj);
		int rc = connect(ours, (struct sockaddr *)&via, sizeof(via)) < 0 ? -errno : 0;
		close(obj);
		return rc;
	}
	return connect(ours, (const struct sockaddr *)ss, (socklen_t)len) < 0 ? -errno : 0;
}

struct connect_job {
	int ours;
	struct sockaddr_storage ss;
	size_t len;
};

static void connect_now(struct sup_req *r, int ours, const struct sockaddr_storage *ss, size_t len)
{
	int rc = connect_for(r, ours, ss, len);
	close(ours);
	if (rc < 0)
		sup_reply_error(r, -rc);
	else
		sup_reply_value(r, 0);
}

static void connect_job_main(struct sup_req *r)
{
	struct connect_job *j = r->job_data;
	r->job_data = NULL;
	connect_now(r, j->ours, &j->ss, j->len);
	free(j);
	atomic_fetch_sub(&dials, 1);
}

/*
 * connect_for(), then @ours closed and the caller answered with its
 * result, on a job thread of its own, bounded like the dials: a connect
 * can wait (a listener whose queue is full, SYN retries for minutes), and
 * whether it would is the socket's O_NONBLOCK, which the caller's other
 * threads can flip after any look of ours. The main loop never waits.
 * True when it went to a job (which owns @r from then on).
 */
static bool connect_and_reply(struct sup_req *r, int ours, const struct sockaddr_storage *ss,
			      size_t len)
{
	struct connect_job *j = calloc(1, sizeof(*j));
	if (!j || atomic_fetch_add(&dials, 1) >= EGRESS_MAX_CONNS) {
		if (j)
			atomic_fetch_sub(&dials, 1);
		free(j);
		close(ours);
		egress_deny(r->tid, "connect", "supervisor", "connect", "a local socket", EAGAIN,
			    "too many connections being made at once (the limit is 256)");
		sup_reply_error(r, EAGAIN);
		return false;
	}
	j->ours = ours;
	memcpy(&j->ss, ss, sizeof(j->ss));
	j->len = len;
	r->job_data = j;
	sup_run_job(r, connect_job_main);
	return true;
}

/*
 * Does anything in the sandbox's network namespace listen on TCP port
 * @port (/proc/TID/net/tcp{,6}: the caller's namespace's view)? A TCP
 * connect to the sandbox's loopback where nothing listens is refused
 * (ECONNREFUSED, as the kernel would) and recorded: that is where a
 * program looking for a server on the host's loopback ends up. Checked
 * before connecting: a non-blocking connect would learn it only later.
 */
static bool loopback_listener(pid_t tid, uint16_t port, bool udp)
{
	static const char *const tcp_files[] = { "tcp", "tcp6" }, *const udp_files[] = { "udp",
											 "udp6" };
	const char *const *files = udp ? udp_files : tcp_files;
	for (size_t f = 0; f < 2; f++) {
		char path[64], line[256];
		snprintf(path, sizeof(path), "/proc/%d/net/%s", tid, files[f]);
		FILE *fp = fopen(path, "re");
		if (!fp)
			return true; /* cannot tell: no record, the connect decides */
		while (fgets(line, sizeof(line), fp)) {
			unsigned st, lport;
			if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*s %x", &lport, &st) == 2 &&
			    (udp || st == 0x0A /* TCP_LISTEN */) && lport == port) {
				fclose(fp);
				return true;
			}
		}
		fclose(fp);
	}
	return false;
}

/* A trapped send with MSG_FASTOPEN: it would connect, past connect(2). */
static void deny_fastopen(struct sup_req *r)
{
	egress_deny(r->tid, "connect", "supervisor", r->sc->name, "TCP Fast Open", EOPNOTSUPP,
		    "TCP Fast Open connects inside a send, where aigate cannot carry it out; "
		    "plain connects work");
	sup_reply_error(r, EOPNOTSUPP);
}

/*
 * A socket the filter sent here (its family, type and protocol are
 * registers): refused and recorded. Raw and ICMP sockets, vsock; in the
 * fallback rungs also UDP and every IP socket but TCP, and families other
 * than unix, IP and netlink (sup_filter.c says why).
 */
static void deny_socket(struct sup_req *r)
{
	const struct seccomp_notif *n = r->n;
	int fam = (int)n->data.args[0], type = (int)n->data.args[1] & 0xf;
	int proto = (int)n->data.args[2], err = EACCES;
	char what[96], why[400];
	const char *tail = "only TCP leaves the sandbox, through the egress";
	if (fam == AF_UNIX) {
		snprintf(what, sizeof(what), "a unix datagram socket");
		tail = "with no network namespace (this rung) a datagram reaches the host's "
		       "sockets (the journal, a session's) unjudged; stream sockets work";
	} else if (fam == AF_NETLINK) {
		snprintf(what, sizeof(what), "a NETLINK_USERSOCK socket");
		tail = "with no network namespace (this rung) it sends to other processes of the "
		       "host";
	} else if (fam != AF_INET && fam != AF_INET6) {
		snprintf(what, sizeof(what), "a socket of address family %d", fam);
		tail = "only unix, IP (through the egress) and netlink sockets under allow_net: "
		       "this family reaches past any network namespace";
		err = EAFNOSUPPORT;
	} else if (type == SOCK_RAW) {
		snprintf(what, sizeof(what), "a raw IP socket");
		err = EPERM;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		snprintf(what, sizeof(what), "an ICMP socket (ping)");
	} else if (type == SOCK_DGRAM) {
		snprintf(what, sizeof(what), "a UDP socket");
		tail = "with no network namespace (this rung), only TCP to aigate's proxy leaves "
		       "the sandbox; names resolve in the proxy, not inside";
	} else {
		snprintf(what, sizeof(what), "an IP socket of type %d, protocol %d", type, proto);
		tail = "with no network namespace (this rung), only TCP to aigate's proxy leaves "
		       "the sandbox";
	}
	/* The line on the terminal says "connect WHAT: WHY": the reason does not repeat it. */
	snprintf(why, sizeof(why), "%s", tail);
	egress_deny(r->tid, "connect", "supervisor", r->sc->name, what, err, why);
	sup_reply_error(r, err);
}

/*
 * The listeners the sandbox made on the host's loopback (fallback rungs):
 * a connect to one is the sandbox talking to itself. Kept by address,
 * port and socket inode: a connect must name the very address the
 * listener is bound to (a host service may listen on the same port at
 * another loopback address, 127.0.0.2 or ::1), and an entry counts only
 * while that very socket still listens (/proc/net/tcp{,6}), so a port the
 * sandbox let go and a host service took since is not reached through it.
 */
#define FLAT_LISTENERS 256
static struct flat_listener {
	struct net_ip addr;
	uint16_t port;
	unsigned long ino;
} flat_listeners[FLAT_LISTENERS];
static size_t flat_nlisteners, flat_next;

static void remember_listener(const struct net_ip *addr, uint16_t port, unsigned long ino)
{
	struct flat_listener l = { .addr = *addr, .port = port, .ino = ino };
	/* The same socket listening again (after shutdown, elsewhere): only where it is now. */
	for (size_t i = 0; i < flat_nlisteners; i++)
		if (flat_listeners[i].ino == ino) {
			flat_listeners[i] = l;
			return;
		}
	if (flat_nlisteners < FLAT_LISTENERS) {
		flat_listeners[flat_nlisteners++] = l;
		return;
	}
	flat_listeners[flat_next] = l; /* full: the oldest goes */
	flat_next = (flat_next + 1) % FLAT_LISTENERS;
}

/*
 * A /proc/net/tcp{,6} line's local address and port, state and inode.
 * The address is printed as the kernel's 32-bit words in host order.
 */
static bool tcp_line(const char *line, bool v6, struct net_ip *ret_addr, unsigned *ret_port,
		     unsigned *ret_state, unsigned long *ret_ino)
{
	char hex[33];
	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s %*s %lu", hex, ret_port,
		   ret_state, ret_ino) != 4 ||
	    strlen(hex) != (v6 ? 32u : 8u))
		return false;
	uint8_t bytes[16];
	for (size_t w = 0; w < strlen(hex) / 8; w++) {
		char word[9];
		memcpy(word, hex + 8 * w, 8);
		word[8] = 0;
		uint32_t v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(bytes + 4 * w, &v, 4);
	}
	struct sockaddr_storage ss = { 0 };
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, bytes, 16);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, bytes, 4);
	}
	uint16_t unused;
	if (net_ip_from_sockaddr((struct sockaddr *)&ss,
				 v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
				 ret_addr, &unused) < 0)
		return false;
	*ret_addr = net_ip_unmap(ret_addr);
	return true;
}

static bool is_sandbox_listener(unsigned long ino, const struct net_ip *addr, uint16_t port)
{
	for (size_t i = 0; i < flat_nlisteners; i++)
		if (flat_listeners[i].ino == ino && flat_listeners[i].port == port &&
		    net_ip_equal(&flat_listeners[i].addr, addr))
			return true;
	return false;
}

/*
 * Does a connect to @addr:@port reach a listener of the sandbox's, and
 * only that? True when one of its listeners is bound to exactly that
 * address and port and still listens there, and no other socket listens
 * on that port at that address or at every address (SO_REUSEPORT would
 * share the connections between them, a host service's among them).
 */
static bool sandbox_listening(pid_t tid, const struct net_ip *addr, uint16_t port)
{
	static const char *const files[] = { "tcp", "tcp6" };
	bool ours = false;
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		char path[64], line[512];
		snprintf(path, sizeof(path), "/proc/%d/net/%s", tid, files[f]);
		FILE *fp = fopen(path, "re");
		if (!fp)
			return false; /* cannot tell: refused */
		while (fgets(line, sizeof(line), fp)) {
			struct net_ip la;
			unsigned lport, st;
			unsigned long ino;
			if (!tcp_line(line, f == 1, &la, &lport, &st, &ino) || lport != port ||
			    st != 0x0A /* TCP_LISTEN */)
				continue;
			bool here = net_ip_equal(&la, addr);
			if (here && is_sandbox_listener(ino, addr, port)) {
				ours = true;
				continue;
			}
			if (here || net_ip_class(&la) == NET_IP_UNSPECIFIED) {
				fclose(fp);
				return false; /* someone else's listener answers there too */
			}
		}
		fclose(fp);
	}
	return ours;
}

/*
 * listen(2) in the fallback rungs (the filter traps it only there): the
 * socket is the host's, and a listener on every address would let anyone
 * on the network in to fetch what the agent can read. Loopback only, and
 * carried out here on the socket we judged: with CONTINUE another thread
 * could put an unbound socket (which listen binds to every address) at
 * the descriptor meanwhile. Other families listen as they would.
 */
static void flat_listen(struct sup_req *r)
{
	int ours = sup_caller_fd(r->tid, (int)r->n->data.args[0]);
	if (ours < 0) {
		sup_reply_error(r, ours == -ESRCH ? ESRCH : EBADF);
		return;
	}
	struct stat st;
	if (fstat(ours, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(ours);
		sup_reply_error(r, ENOTSOCK);
		return;
	}
	int dom = 0;
	socklen_t sl = sizeof(dom);
	getsockopt(ours, SOL_SOCKET, SO_DOMAIN, &dom, &sl);
	bool ip = dom == AF_INET || dom == AF_INET6;
	uint16_t port = 0;
	struct net_ip u = { 0 };
	if (ip) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct net_ip addr;
		bool bound = getsockname(ours, (struct sockaddr *)&ss, &len) == 0 &&
			     net_ip_from_sockaddr((struct sockaddr *)&ss, len, &addr, &port) == 0 &&
			     port != 0;
		if (bound)
			u = net_ip_unmap(&addr);
		if (!bound || net_ip_class(&u) != NET_IP_LOOPBACK) {
			char target[128], why[400];
			if (bound)
				format_target(&u, port, target, sizeof(target));
			else
				snprintf(target, sizeof(target),
					 "an unbound socket (every address)");
			snprintf(why, sizeof(why),
				 "with no network namespace (this rung) the sandbox listens on the "
				 "host's loopback only (bind to 127.0.0.1 or ::1 first)");
			close(ours);
			egress_deny(r->tid, "connect", "supervisor", "listen", target, EACCES, why);
			sup_reply_error(r, EACCES);
			return;
		}
	}
	int rc = listen(ours, (int)r->n->data.args[1]) < 0 ? -errno : 0;
	/*
	 * SO_REUSEPORT shares a port with a host service of the same user:
	 * the kernel would hand the sandbox some of that service's clients,
	 * and the service some of the sandbox's connects. Read after listen
	 * (another thread may set it until then), and undone: shutdown stops
	 * a listener.
	 */
	int reuse = 0;
	sl = sizeof(reuse);
	if (rc == 0 && ip &&
	    (getsockopt(ours, SOL_SOCKET, SO_REUSEPORT, &reuse, &sl) < 0 || reuse)) {
		shutdown(ours, SHUT_RDWR);
		close(ours);
		char target[128];
		format_target(&u, port, target, sizeof(target));
		egress_deny(r->tid, "connect", "supervisor", "listen", target, EACCES,
			    "SO_REUSEPORT: with no network namespace (this rung) the port would be "
			    "shared with the host's services");
		sup_reply_error(r, EACCES);
		return;
	}
	if (rc == 0 && ip)
		remember_listener(&u, port, (unsigned long)st.st_ino);
	close(ours);
	if (rc < 0)
		sup_reply_error(r, -rc);
	else
		sup_reply_value(r, 0);
}

/*
 * setsockopt(SOL_SOCKET, SO_REUSEPORT) in the fallback rungs (the filter
 * traps nothing else of setsockopt): switching it on would let a host
 * service of the same user share a listening port with the sandbox, and
 * the service's clients land in the sandbox. Refused and recorded; turning
 * it off is carried out here with our copy of the value (the caller's
 * memory could say "on" by the time the kernel read it).
 */
static void flat_reuseport(struct sup_req *r)
{
	const struct seccomp_notif *n = r->n;
	int val = 0;
	if ((socklen_t)n->data.args[4] < sizeof(int))
		return sup_reply_error(r, EINVAL);
	if (sup_read_mem(r->tid, n->data.args[3], &val, sizeof(val)) < 0)
		return sup_reply_error(r, EFAULT);
	if (!sup_still_valid(r))
		return;
	if (val) {
		egress_deny(r->tid, "connect", "supervisor", "setsockopt", "SO_REUSEPORT", EACCES,
			    "with no network namespace (this rung) a port shared with SO_REUSEPORT "
			    "would be shared with the host's services");
		return sup_reply_error(r, EACCES);
	}
	int ours = sup_caller_fd(r->tid, (int)n->data.args[0]);
	if (ours < 0)
		return sup_reply_error(r, ours == -ESRCH ? ESRCH : EBADF);
	int rc = setsockopt(ours, SOL_SOCKET, SO_REUSEPORT, &val, sizeof(val));
	int e = errno;
	close(ours);
	if (rc < 0)
		sup_reply_error(r, e);
	else
		sup_reply_value(r, 0);
}

/* Fallback rungs: is @u:@port aigate's proxy on the host's 127.0.0.1? */
static bool flat_egress_port(const struct sup *s, const struct net_ip *u, uint16_t port)
{
	struct net_ip lo;
	if (net_ip_parse("127.0.0.1", &lo) < 0 || !net_ip_equal(u, &lo))
		return false;
	return port && (port == s->egress_ports[0] || port == s->egress_ports[1]);
}

static bool decide(struct sup_req *r);

void sup_handle_net(struct sup_req *r)
{
	/* Answered here, or handed to a job that answers and frees it. */
	if (!decide(r))
		sup_req_free(r);
}

/* Answer @r; true when it went to a job (which owns it from then on). */
static bool decide(struct sup_req *r)
{
	const struct seccomp_notif *n = r->n;
	bool is_connect = strcmp(r->sc->name, "connect") == 0;
	if (strcmp(r->sc->name, "socket") == 0 || strcmp(r->sc->name, "socketpair") == 0) {
		deny_socket(r);
		return false;
	}
	if (strcmp(r->sc->name, "setsockopt") == 0) {
		flat_reuseport(r);
		return false;
	}
	if (strcmp(r->sc->name, "listen") == 0) {
		flat_listen(r);
		return false;
	}
	/* Flags are registers: MSG_FASTOPEN is what the filter sent these for (or also). */
	uint64_t flags = strcmp(r->sc->name, "sendmsg") == 0 ? n->data.args[2] : n->data.args[3];
	if (!is_connect && (flags & MSG_FASTOPEN)) {
		deny_fastopen(r);
		return false;
	}
	if (strcmp(r->sc->name, "sendmsg") == 0 || strcmp(r->sc->name, "sendmmsg") == 0) {
		sup_reply_continue(
			r); /* not a Fast Open (the filter's other reason): nothing to do */
		return false;
	}
	uint64_t addr = is_connect ? n->data.args[1] : n->data.args[4];
	uint64_t len = is_connect ? n->data.args[2] : n->data.args[5];
	struct sockaddr_storage ss;
	struct net_ip ip;
	uint16_t port;
	char target[300], why[600], name[256];

	/*
	 * No address to read: the kernel fails it (EINVAL) on any socket; the
	 * registers cannot change. A sendto without one is not trapped.
	 */
	if (len < sizeof(sa_family_t)) {
		sup_reply_continue(r);
		return false;
	}
	if (len > sizeof(ss))
		len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	/*
	 * Unreadable: answered here. Letting the kernel read it again could
	 * find another address there by then.
	 */
	if (sup_read_mem(r->tid, addr, &ss, (size_t)len) < 0) {
		sup_reply_error(r, EFAULT);
		return false;
	}
	if (!sup_still_valid(r))
		return false; /* the caller is gone: nobody to answer */
	bool inet = net_ip_from_sockaddr((struct sockaddr *)&ss, (size_t)len, &ip, &port) == 0;
	struct net_ip u = inet ? net_ip_unmap(&ip) : ip;
	enum net_ip_class cls = inet ? net_ip_class(&u) : NET_IP_RESERVED;
	bool local = inet && (cls == NET_IP_LOOPBACK || cls == NET_IP_UNSPECIFIED);
	if (inet)
		format_target(&u, port, target, sizeof(target));

	if (!is_connect) {
		/*
		 * sendto with an address. To the sandbox's loopback, or not IP:
		 * the kernel runs it. That cannot race into the host's network:
		 * the only sockets of the host's the sandbox holds are connected
		 * TCP sockets aigate handed in, and TCP ignores a send's address
		 * (Fast Open, which would not, never gets here).
		 */
		if (!inet || (local && (port == SBX_NET_DNS_PORT ||
					loopback_listener(r->tid, port, true)))) {
			sup_reply_continue(r);
			return false;
		}
		if (local) {
			/*
			 * Nothing is bound to that port on the sandbox's loopback:
			 * the datagram was meant for the host's, out of reach.
			 */
			snprintf(why, sizeof(why),
				 "%s is the sandbox's own loopback, where nothing listens; "
				 "datagrams leave the sandbox only as DNS queries to the stub",
				 target);
			egress_deny(r->tid, "connect", "supervisor", r->sc->name, target,
				    ECONNREFUSED, why);
			sup_reply_error(r, ECONNREFUSED);
			return false;
		}
		/* The line names the target already ("connect TARGET: WHY"). */
		snprintf(why, sizeof(why),
			 "datagrams leave the sandbox only as DNS queries to the stub");
		egress_deny(r->tid, "connect", "supervisor", r->sc->name, target, ENETUNREACH, why);
		sup_reply_error(r, ENETUNREACH);
		return false;
	}

	/*
	 * connect: decided on the socket object itself, and carried out by us
	 * (never CONTINUE): between a check and the kernel's own run, another
	 * thread could put a socket of the host's network at this descriptor
	 * number, and point it elsewhere or disconnect it (AF_UNSPEC) to
	 * bind and listen on the host.
	 */
	int ours = sup_caller_fd(r->tid, (int)n->data.args[0]);
	if (ours < 0) {
		sup_reply_error(r, ours == -ESRCH ? ESRCH : EBADF);
		return false;
	}
	struct stat st;
	if (fstat(ours, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(ours);
		sup_reply_error(r, ENOTSOCK);
		return false;
	}
	/* Fallback rungs: every socket is the host's; each connect is judged below instead. */
	if (!r->s->flat && !in_sandbox_netns(ours)) {
		close(ours);
		const char *t = inet ? target : ss.ss_family == AF_UNSPEC ? "AF_UNSPEC" : "?";
		egress_deny(r->tid, "connect", "supervisor", "connect", t, EISCONN,
			    "a connection aigate made for the sandbox cannot be pointed elsewhere "
			    "or disconnected");
		sup_reply_error(r, EISCONN);
		return false;
	}
	int type = 0, proto = 0;
	socklen_t sl = sizeof(type);
	getsockopt(ours, SOL_SOCKET, SO_TYPE, &type, &sl);
	sl = sizeof(proto);
	getsockopt(ours, SOL_SOCKET, SO_PROTOCOL, &proto, &sl);
	bool tcp = type == SOCK_STREAM && (proto == IPPROTO_TCP || proto == 0);

	/* Not IP: unix (its abstract names are the namespace's), netlink, AF_UNSPEC. */
	if (!inet) {
		int fam = ss.ss_family;
		if (fam != AF_UNIX && fam != AF_NETLINK && fam != AF_UNSPEC) {
			/* vsock and the rest reach past a network namespace (the host, the hypervisor). */
			char fam_s[32];
			snprintf(fam_s, sizeof(fam_s), "address family %d", fam);
			close(ours);
			egress_deny(
				r->tid, "connect", "supervisor", "connect", fam_s, EACCES,
				"only IP (through the egress), unix and netlink sockets connect "
				"under allow_net");
			sup_reply_error(r, EACCES);
			return false;
		}
		const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
		if (r->s->flat && fam == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) &&
		    !sun->sun_path[0]) {
			/*
			 * An abstract name: with no network namespace they are the
			 * host's (a desktop's, a container runtime's), and our
			 * connect, outside Landlock's domain, would not be scoped.
			 */
			close(ours);
			egress_deny(
				r->tid, "connect", "supervisor", "connect",
				"an abstract unix socket", EACCES,
				"with no network namespace (this rung) abstract unix socket names "
				"are the host's: refused");
			sup_reply_error(r, EACCES);
			return false;
		}
		return connect_and_reply(r, ours, &ss, (size_t)len);
	}
	bool admitted = tcp && egress_admit_addr(&u, port, name, sizeof(name), why, sizeof(why));
	if (r->s->flat && !admitted) {
		/*
		 * Fallback rungs: aigate's proxy, or a listener of the sandbox's
		 * own (listen is carried out here, so we know them); carried out
		 * on the socket we judged. Anything else is the host's network.
		 */
		if (tcp && (flat_egress_port(r->s, &u, port) ||
			    (cls == NET_IP_LOOPBACK && sandbox_listening(r->tid, &u, port)))) {
			return connect_and_reply(r, ours, &ss, (size_t)len);
		}
		close(ours);
		/* The line on the terminal names the target already ("connect TARGET: WHY"). */
		snprintf(why, sizeof(why), "%s",
			 tcp ? "with no network namespace (this rung) the network is reachable "
			       "only through aigate's proxy (HTTP_PROXY, ALL_PROXY), for the names "
			       "allow_net admits"
			     : "with no network namespace (this rung) only TCP to aigate's proxy "
			       "leaves the sandbox");
		egress_deny(r->tid, "connect", "supervisor", "connect", target, ECONNREFUSED, why);
		sup_reply_error(r, ECONNREFUSED);
		return false;
	}
	if (local && !admitted) {
		/* The sandbox's own loopback (the egress listens there): carried out here. */
		bool egress_port = port == SBX_NET_HTTP_PORT || port == SBX_NET_SOCKS_PORT ||
				   port == SBX_NET_DNS_PORT;
		if (!tcp || egress_port || loopback_listener(r->tid, port, false))
			return connect_and_reply(r, ours, &ss, (size_t)len);
		close(ours);
		/* Where a program looking for a server on the host's loopback ends up: said so. */
		snprintf(why, sizeof(why),
			 "%s is the sandbox's own loopback, where nothing listens; the "
			 "host's loopback is reachable only through a name in allow_net "
			 "(with allow_private_addresses)",
			 target);
		egress_deny(r->tid, "connect", "supervisor", "connect", target, ECONNREFUSED, why);
		sup_reply_error(r, ECONNREFUSED);
		return false;
	}
	if (!tcp) {
		close(ours);
		snprintf(why, sizeof(why),
			 "only TCP leaves the sandbox; UDP only as DNS queries to the stub");
		egress_deny(r->tid, "connect", "supervisor", "connect", target, ENETUNREACH, why);
		sup_reply_error(r, ENETUNREACH);
		return false;
	}
	if (!admitted) {
		close(ours);
		egress_deny(r->tid, "connect", "supervisor", "connect", target, ECONNREFUSED, why);
		sup_reply_error(r, ECONNREFUSED);
		return false;
	}
	/*
	 * Each dial waits on a thread of its own, up to EGRESS_DIAL_TIMEOUT_MS:
	 * bounded, so that a flood of connects to a black hole cannot use up
	 * the threads (a job that cannot start runs on the main loop, which
	 * would stall every other call of the sandbox).
	 */
	if (atomic_fetch_add(&dials, 1) >= EGRESS_MAX_CONNS) {
		atomic_fetch_sub(&dials, 1);
		close(ours);
		egress_deny(r->tid, "connect", "supervisor", "connect", target, EAGAIN,
			    "too many connections being made at once (the limit is 256)");
		sup_reply_error(r, EAGAIN);
		return false;
	}
	struct redirect *d = calloc(1, sizeof(*d));
	if (!d) {
		atomic_fetch_sub(&dials, 1);
		close(ours);
		sup_reply_error(r, ENOMEM);
		return false;
	}
	d->ip = ip;
	d->port = port;
	d->fd = (int)n->data.args[0];
	d->ours = ours;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->target, sizeof(d->target), "%s", target);
	/* The dial may take seconds: on a job thread, the other calls go on meanwhile. */
	r->job_data = d;
	sup_run_job(r, redirect_job);
	return true;
}
