/* SPDX-License-Identifier: MIT */
/*
 * egress.h — allow_net's egress: the only way out of the sandbox's network
 * namespace. It runs in the supervisor process (outside every namespace of
 * the sandbox, in the host's network) on threads of its own, serving the
 * listeners init made inside (sandbox_net.h):
 *   - a DNS stub that answers only names allow_net admits, from the host's
 *     resolver; every other name gets NXDOMAIN and is never forwarded, so
 *     nothing leaves as a query (egress_dns.c);
 *   - an HTTP proxy (CONNECT and absolute-form) and a SOCKS5 proxy that
 *     connect only to admitted names and ports, with the TLS SNI and the
 *     Host header held to the name asked for (egress_proxy.c);
 *   - and, for the supervisor, connections to the addresses the stub
 *     answered, made here and put in place of the sandbox's own socket
 *     (sup_net.c): programs that ignore proxy variables work unchanged.
 * Every refusal is an audit record saying what allow_net lacks.
 */
#ifndef AIGATE_EGRESS_H
#define AIGATE_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/net_ip.h"
#include "shim/shim_protocol.h"
#include "launcher/sandbox_net.h"
#include "policy/blob.h"

/* Limits on what a peer controls. */
#define EGRESS_MAX_CONNS       256    /* proxy connections at once; more are refused */
#define EGRESS_MAX_DNS_JOBS    64     /* forwarded queries in flight; more get SERVFAIL */
#define EGRESS_HEAD_TIMEOUT_MS 30000  /* a request head, a SOCKS handshake, a ClientHello */
#define EGRESS_IDLE_TIMEOUT_MS 600000 /* a relay with no byte either way */
#define EGRESS_DIAL_TIMEOUT_MS 15000  /* connecting to a destination */
#define EGRESS_DNS_TIMEOUT_MS  2500   /* one try at the host's resolver (two tries) */
#define EGRESS_TABLE_SIZE      4096   /* addresses the stub answered, remembered */

struct egress_config {
	const struct policy_blob *blob;
	bool allow_private;	/* allow_private_addresses */
	struct net_ip resolver; /* the host's resolver */
	uint16_t resolver_port;
	bool has_upstream; /* HTTPS_PROXY was set when aigate started: chain through it */
	char upstream_host[256];
	uint16_t upstream_port;
	char upstream_auth[512]; /* "Basic …" for Proxy-Authorization, or "" */
	/* The stub's answers, published for the shim (egress_shim_table()), or NULL. */
	struct shim_net_table *shim_table;
};

/**
 * egress_shim_table() - the table of the DNS stub's answers that the shim
 * reads (shim/shim_protocol.h), mapped shared into @cfg->shim_table before
 * the sealed memfd is handed out: only this process and its clones hold a
 * writable mapping (the supervisor, which writes it; init, aigate's own
 * non-dumpable code, which never does; CMD's exec drops it). Returns the descriptor (close-on-exec) or
 * -errno. The shim is advisory: without the table it lets every connect
 * through to the supervisor.
 */
int egress_shim_table(struct egress_config *cfg);

/**
 * egress_config_from_host() - the host's resolver (AIGATE_DNS_SERVER as
 * ADDR[:PORT], else the first nameserver of /etc/resolv.conf, else
 * 127.0.0.1) and upstream proxy (HTTPS_PROXY / https_proxy / ALL_PROXY as
 * http://[user:pass@]host:port) from @envp. 0 or -EINVAL with @err set (an
 * unusable AIGATE_DNS_SERVER or proxy URL: refuse rather than guess).
 */
int egress_config_from_host(struct egress_config *cfg, const struct policy_blob *b,
			    char *const *envp, char *err, size_t errsz);

/**
 * egress_start() - serve @fds (sandbox_net.h) on threads of this process.
 * @cfg must outlive them. The fds are ours from here on. @init: the
 * sandbox's init (host pid), to name the sender of a denied DNS query.
 * The fallback rungs pass -1 for both DNS descriptors: the proxies alone,
 * on the host's loopback. 0 or -errno.
 */
int egress_start(const struct egress_config *cfg, const int fds[SBX_NET_NFDS], pid_t init);

/**
 * egress_admit_addr() - may the sandbox connect straight to @ip:@port (a
 * connect the supervisor trapped)? True when the stub answered @ip for a
 * name that allow_net admits on @port (its name in @name), or when @ip is
 * a literal allow_net admits. Otherwise false with the reason in @why.
 */
bool egress_admit_addr(const struct net_ip *ip, uint16_t port, char *name, size_t namesz, char *why,
		       size_t whysz);

/** egress_is_sandbox_netns() - is (@dev, @ino) the sandbox's network namespace? */
bool egress_is_sandbox_netns(dev_t dev, ino_t ino);

/**
 * egress_dial() - connect to @name (for the upstream proxy and messages)
 * at @ip:@port from the host's network, directly or through the upstream
 * proxy, within EGRESS_DIAL_TIMEOUT_MS. Returns a connected, blocking,
 * close-on-exec TCP socket, or -errno.
 */
int egress_dial(const char *name, const struct net_ip *ip, uint16_t port);

/**
 * egress_deny() - the audit record (and one line on aigate's stderr) for a
 * refusal: @action "connect" or "dns", @enforcer "proxy", "dns" or
 * "supervisor", about host thread @tid (0: unknown), @target what was
 * asked, @reason what allow_net lacks.
 */
void egress_deny(pid_t tid, const char *action, const char *enforcer, const char *syscall,
		 const char *target, int err, const char *reason);

#endif
