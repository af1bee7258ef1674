/* SPDX-License-Identifier: MIT */
/* egress_internal.h — what the egress's files share (egress.h says what it is). */
#ifndef AIGATE_EGRESS_INTERNAL_H
#define AIGATE_EGRESS_INTERNAL_H

#include "launcher/egress.h"

extern const struct egress_config *egress_cfg;

/**
 * egress_resolve() - the addresses of @name (A and AAAA) from the host's
 * resolver, without those allow_private_addresses forbids. Returns the
 * count (≥ 1), -ENOENT (no such name: @why says so), -EACCES (only
 * forbidden addresses: @why names one), -ETIMEDOUT / -EIO (resolver).
 * Every address returned is remembered for egress_admit_addr().
 */
int egress_resolve(const char *name, struct net_ip *addrs, size_t max, char *why, size_t whysz);

/** egress_resolve_raw() - the same, every address (the host's own proxy's name); nothing remembered. */
int egress_resolve_raw(const char *name, struct net_ip *addrs, size_t max, char *why, size_t whysz);

/** egress_table_add() - remember that the stub answered @ip for @name. */
void egress_table_add(const struct net_ip *ip, const char *name);

/** egress_dns_set_init() - the sandbox's init (host pid): whose namespace and descendants to search. */
void egress_dns_set_init(pid_t init);

/**
 * egress_sender() - the host pid of the sandbox process whose @proto
 * ("tcp", "udp") socket is bound to 127.0.0.1:@port, 0 if unknown. Slow
 * (it walks the sandbox's processes): for records of denials only.
 */
pid_t egress_sender(const char *proto, uint16_t port);

/* The TCP port of the sandbox's end of the connection this thread serves (0: none). */
extern __thread uint16_t egress_peer_port;

/** egress_dns_serve_udp() / egress_dns_serve_tcp() - thread bodies: the stub. */
void *egress_dns_serve_udp(void *fd);
void egress_dns_serve_tcp_conn(int fd, pid_t peer);

/** egress_http_conn() / egress_socks_conn() - serve one accepted proxy connection. */
void egress_http_conn(int fd, pid_t peer);
void egress_socks_conn(int fd, pid_t peer);

/**
 * egress_open_to() - check @host:@port against allow_net and the address
 * classes, resolve, dial; on refusal record it (enforcer "proxy") and
 * return -EACCES with a short reason in @why. The connected fd or -errno.
 */
int egress_open_to(pid_t peer, const char *host, uint16_t port, char *why, size_t whysz);

/**
 * egress_check_first_bytes() - hold what the client sends first through a
 * tunnel (@client to @up) to @host until its TLS ClientHello is complete,
 * and refuse a SNI that names another host (domain fronting). @buf holds
 * @have bytes already. Returns the bytes in @buf to forward, or -EACCES
 * (refused and recorded), -errno.
 */
ssize_t egress_check_first_bytes(pid_t peer, int client, int up, const char *host, uint16_t port,
				 uint8_t *buf, size_t size, size_t have);

/** egress_relay() - copy both ways between @a and @b until both ends closed or idle. */
void egress_relay(int a, int b);

/** egress_copy_one_way() - copy @from to @to until EOF, an error, or idle. */
void egress_copy_one_way(int from, int to);

/** egress_read_timeout() / egress_write_all() - blocking I/O with a deadline. */
ssize_t egress_read_timeout(int fd, void *buf, size_t size, int timeout_ms);
int egress_write_all(int fd, const void *buf, size_t len);

#endif
