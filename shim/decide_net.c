/* SPDX-License-Identifier: MIT */
/* decide_net.c — see decide_net.h. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "policy/net_ip.h"
#include "shim/decide_net.h"
#include "shim/fmt.h"

/* Did the stub answer @u (unmapped)? A full or unreadable table: assume so. */
static bool stub_answered(const struct shim_net_table *t, const struct net_ip *u)
{
	if (__atomic_load_n(&t->full, __ATOMIC_ACQUIRE))
		return true;
	unsigned n = __atomic_load_n(&t->count, __ATOMIC_ACQUIRE);
	if (n > SHIM_NET_SLOTS || t->slots != SHIM_NET_SLOTS)
		return true;
	for (unsigned i = 0; i < n; i++) {
		const struct shim_net_addr *e = &t->addr[i];
		struct net_ip ip = { .family = e->family == 6 ? AF_INET6 : AF_INET };
		memcpy(ip.a, e->a, sizeof(ip.a));
		/*
		 * Compared unmapped on both sides: a superset of the
		 * supervisor's comparison (the answer as given against the
		 * destination unmapped), as the shim's matches must be.
		 */
		struct net_ip eu = net_ip_unmap(&ip);
		if (net_ip_equal(&eu, u))
			return true;
	}
	return false;
}

static void format_target(const struct net_ip *u, unsigned port, char *buf, size_t size)
{
	char a[48];
	struct shim_fmt f;
	net_ip_format(u, a, sizeof(a));
	shim_fmt_init(&f, buf, size);
	if (u->family == AF_INET6)
		shim_fmt_char(&f, '[');
	shim_fmt_str(&f, a);
	if (u->family == AF_INET6)
		shim_fmt_char(&f, ']');
	shim_fmt_char(&f, ':');
	shim_fmt_uint(&f, port);
	if (shim_fmt_end(&f) < 0)
		buf[0] = 0;
}

int shim_decide_connect(const struct policy_blob *b, const struct shim_net_table *t,
			const struct sockaddr *sa, size_t len, int type, int proto, char *target,
			size_t tsz)
{
	struct net_ip ip, u;
	uint16_t port;
	int err;

	if (!t || !(b->hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET) || !sa ||
	    net_ip_from_sockaddr(sa, len, &ip, &port) < 0)
		return 0;
	u = net_ip_unmap(&ip);
	enum net_ip_class cls = net_ip_class(&u);
	/* The sandbox's own loopback: the supervisor knows its listeners and the egress's ports. */
	if (cls == NET_IP_LOOPBACK || cls == NET_IP_UNSPECIFIED)
		return 0;
	if (type == SOCK_DGRAM) {
		/* Only TCP leaves; datagrams only as DNS to the stub (on loopback). */
		err = ENETUNREACH;
	} else if (type == SOCK_STREAM && (proto == IPPROTO_TCP || proto == 0)) {
		if (stub_answered(t, &u))
			return 0; /* the port, the name's rules and the classes are the supervisor's */
		char text[48];
		net_ip_format(&u, text, sizeof(text));
		if (policy_blob_match_net(b, text, port) >= 0)
			return 0; /* a literal allow_net admits (its class: the supervisor's) */
		err = ECONNREFUSED;
	} else {
		return 0;
	}
	format_target(&u, port, target, tsz);
	return err;
}

const char *shim_net_reason(int err)
{
	return err == ENETUNREACH ? SHIM_NET_REASON_UNREACH : SHIM_NET_REASON_REFUSED;
}
