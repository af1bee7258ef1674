/* SPDX-License-Identifier: MIT */
/*
 * dns_msg.h — the few DNS messages the egress's stub resolver reads and
 * writes (RFC 1035): a query with one question, the stub's own answers
 * (built from scratch, never a copy of upstream bytes), a query to the
 * upstream resolver and the addresses in its answer. Pure: no I/O, no
 * allocation; every length and pointer in a message is checked before use
 * (a message comes from the sandbox or from the network).
 */
#ifndef AIGATE_DNS_MSG_H
#define AIGATE_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/net_ip.h"

#define DNS_NAME_MAX	253  /* text form, without the trailing dot */
#define DNS_MSG_MAX	4096 /* the largest message read or built */
#define DNS_ANSWERS_MAX 16   /* addresses kept from one answer */

#define DNS_TYPE_A     1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA  28
#define DNS_CLASS_IN   1

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5

struct dns_query {
	uint16_t id;
	bool rd;		     /* recursion desired, echoed */
	char name[DNS_NAME_MAX + 1]; /* lower case, no trailing dot; "" for the root */
	uint16_t qtype, qclass;
	uint8_t opcode; /* 0 (standard query); echoed in the reply */
};

/**
 * dns_parse_query() - a standard query (QR=0, OPCODE=0) with exactly one
 * question (an OPT record in the additional section is allowed and
 * ignored). The name must not use compression pointers. Labels with bytes
 * other than letters, digits, '-' and '_' are refused (-EBADMSG): a name we
 * cannot print unambiguously is never judged. Returns 0, -EBADMSG, or
 * -EOPNOTSUPP (a valid message that is not a standard query: answer NOTIMP).
 * On -EOPNOTSUPP @ret is filled too (its id, opcode and question are what
 * the NOTIMP answer echoes); the other sections of such a message are not
 * read. A response (QR=1) is -EBADMSG: a stub that answered responses
 * could be made to loop with another.
 */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *ret);

/**
 * dns_build_reply() - the answer to @q: header (id and RD echoed, QR, RA
 * set), @q's question, and for rcode NOERROR one record per address in
 * @addrs of @q's type (A: the AF_INET ones, AAAA: the AF_INET6 ones; the
 * others are skipped), all owned by @q's name, with @ttl. Returns the
 * length written into @out, or 0 when @outsz is too small (or @q's name
 * has no wire form). NOERROR without a matching address is a NODATA
 * answer (no records). @q's opcode is echoed; a @ttl above 2^31 - 1 is
 * sent as 2^31 - 1 (RFC 2181).
 */
size_t dns_build_reply(const struct dns_query *q, int rcode, const struct net_ip *addrs,
		       size_t naddrs, uint32_t ttl, uint8_t *out, size_t outsz);

/**
 * dns_build_query() - a recursive query (RD set) for @name, @qtype, class
 * IN, with id @id. Returns the length, or 0 (@outsz too small, bad name).
 */
size_t dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *out, size_t outsz);

struct dns_answer {
	int rcode;
	bool truncated; /* TC: the answer did not fit in UDP */
	size_t naddrs;
	struct net_ip addrs[DNS_ANSWERS_MAX];
	uint32_t ttl; /* the smallest TTL of the records used */
};

/**
 * dns_parse_answer() - the upstream's answer to our query (@id, @name,
 * @qtype): checks QR, the id and that the question is ours, then collects
 * the addresses of type @qtype owned by @name or by the CNAME chain that
 * starts at @name in the answer section (at most 8 links; compression
 * pointers followed, only backwards, at most 32 per name). Records owned by
 * other names are ignored (an upstream cannot smuggle an answer for a name
 * we did not ask about). Returns 0 (@ret filled; rcode may be non-zero) or
 * -EBADMSG; -EINVAL if @name is longer than DNS_NAME_MAX. @ret->ttl is 0
 * when no record was used. A name with a byte outside [A-Za-z0-9_-] in a
 * label never matches (its text form would be ambiguous).
 */
int dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id, const char *name, uint16_t qtype,
		     struct dns_answer *ret);

#endif
