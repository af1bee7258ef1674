/* SPDX-License-Identifier: MIT */
/*
 * sandbox_net.h — the sandbox's network namespace when allow_net is set:
 * loopback only, and the egress's listening sockets made inside it by init
 * and handed out to the supervisor, which serves them from the host's
 * network. A socket keeps the namespace it was created in, so nothing
 * inside reaches the host's network but through these sockets: no veth, no
 * slirp4netns, no capability inside.
 */
#ifndef AIGATE_SANDBOX_NET_H
#define AIGATE_SANDBOX_NET_H

#include <stddef.h>

/* Where the egress listens, on the sandbox's own 127.0.0.1 (a namespace of its own: no clash). */
#define SBX_NET_HTTP_PORT  3128
#define SBX_NET_SOCKS_PORT 1080
#define SBX_NET_DNS_PORT   53
#define SBX_NET_ADDR	   "127.0.0.1"

enum sbx_net_fd {
	SBX_NET_FD_HTTP,    /* TCP listener: the HTTP proxy (CONNECT and absolute-form) */
	SBX_NET_FD_SOCKS,   /* TCP listener: SOCKS5 */
	SBX_NET_FD_DNS_UDP, /* UDP: the DNS stub */
	SBX_NET_FD_DNS_TCP, /* TCP listener: the DNS stub over TCP */
	SBX_NET_NFDS,
};

/**
 * sbx_net_setup() - in init, inside the new network namespace (while it
 * still holds its capabilities there): bring loopback up, create the
 * listeners and send them over @sock (one message, tag 'N'). Async-signal-
 * safe. Returns 0 or -errno.
 */
int sbx_net_setup(int sock);

/**
 * sbx_send_fds() - send @n (1..SBX_NET_NFDS) descriptors over @sock in one
 * message with @tag ('N', 'L'). Async-signal-safe. 0 or -errno.
 */
int sbx_send_fds(int sock, char tag, const int *fds, size_t n);

/**
 * sbx_net_recv() - in the supervisor: the next message on @sock. Returns
 * its tag ('N': the SBX_NET_NFDS listeners in @fds; 'L': the filter's
 * listener in @fds[0]), -ENODATA at EOF, or -errno / -EPROTO.
 */
int sbx_net_recv(int sock, int fds[SBX_NET_NFDS]);

#endif
