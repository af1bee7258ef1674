/* SPDX-License-Identifier: MIT */
/*
 * decide_net.h — the shim's verdict on a connect(2) under allow_net. Only
 * what the supervisor (launcher/sup_net.c) is certain to refuse: an IP
 * destination outside the sandbox's loopback that is neither an address
 * the DNS stub answered (struct shim_net_table, a superset of the
 * supervisor's own memory) nor a literal allow_net admits (TCP), or any
 * such destination for a datagram socket. Everything else — loopback, the
 * ports of a known address, private classes, unix and other families — is
 * left to the supervisor, so the shim never refuses what it would allow.
 * Pure: no allocation, no locale, no I/O.
 */
#ifndef AIGATE_SHIM_DECIDE_NET_H
#define AIGATE_SHIM_DECIDE_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "policy/blob.h"
#include "shim/shim_protocol.h"

/* Longest target text: "[" IPv6 "]:" port. */
#define SHIM_NET_TARGET_MAX 64

/**
 * shim_decide_connect() - the errno the supervisor would refuse a connect
 * of a socket of @type/@proto (SO_TYPE, SO_PROTOCOL) to @sa (@len bytes)
 * with: ECONNREFUSED (TCP) or ENETUNREACH (datagrams); 0 when it might let
 * it through. @t: the stub's addresses (NULL: judge nothing). On a refusal
 * the destination as the supervisor writes it ("ADDR:PORT",
 * "[ADDR6]:PORT") is in @target (@tsz bytes).
 */
int shim_decide_connect(const struct policy_blob *b, const struct shim_net_table *t,
			const struct sockaddr *sa, size_t len, int type, int proto, char *target,
			size_t tsz);

/** shim_net_reason() - the line's reason for a refusal with @err (shim_decide_connect()). */
const char *shim_net_reason(int err);

#endif
