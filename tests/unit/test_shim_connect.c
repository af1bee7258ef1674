/* SPDX-License-Identifier: MIT */
/*
 * test_shim_connect.c — the shim's connect verdict (shim/decide_net.h):
 * it refuses only what the supervisor is certain to refuse. A table of
 * destinations, each with the stub's answers the shim can see, and the
 * line it prints.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/compile_yaml.h"
#include "policy/blob.h"
#include "shim/decide_net.h"
#include "shim/msg.h"

static struct shim_net_table table; /* static: 320 KiB */

static void publish(const char *text)
{
	struct shim_net_addr *e = &table.addr[table.count++];
	if (inet_pton(AF_INET, text, e->a) == 1) {
		e->family = 4;
	} else {
		cr_assert_eq(inet_pton(AF_INET6, text, e->a), 1);
		e->family = 6;
	}
}

static void table_reset(void)
{
	memset(&table, 0, sizeof(table));
	table.magic = SHIM_NET_MAGIC;
	table.slots = SHIM_NET_SLOTS;
}

static socklen_t sockaddr_of(const char *text, unsigned port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return sizeof(*in);
	}
	cr_assert_eq(inet_pton(AF_INET6, text, &in6->sin6_addr), 1, "%s", text);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	return sizeof(*in6);
}

struct connect_case {
	const char *addr;
	unsigned port;
	int type, proto;
	int want; /* errno, 0: left to the supervisor */
	const char *target;
};

static const char yaml[] = "allow_net:\n"
			   "  - \"api.example.com\"\n"
			   "  - \"203.0.113.9:5432\"\n";

Test(shim_connect, verdicts)
{
	static const struct connect_case cases[] = {
		/* Answered by the stub (any port: the supervisor judges the name's ports). */
		{ "198.51.100.7", 443, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		{ "198.51.100.7", 22, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		{ "::ffff:198.51.100.7", 443, SOCK_STREAM, 0, 0, NULL },
		{ "2001:db8::7", 443, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		/* An answer given as a mapped address matches its IPv4 too (a superset). */
		{ "192.0.2.44", 443, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		/* Never answered: refused. */
		{ "198.51.100.8", 443, SOCK_STREAM, IPPROTO_TCP, ECONNREFUSED, "198.51.100.8:443" },
		{ "2001:db8::8", 80, SOCK_STREAM, IPPROTO_TCP, ECONNREFUSED, "[2001:db8::8]:80" },
		{ "::ffff:169.254.169.254", 80, SOCK_STREAM, IPPROTO_TCP, ECONNREFUSED,
		  "169.254.169.254:80" },
		/* A literal allow_net admits: the supervisor's (it checks the class). */
		{ "203.0.113.9", 5432, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		{ "203.0.113.9", 5433, SOCK_STREAM, IPPROTO_TCP, ECONNREFUSED, "203.0.113.9:5433" },
		/* The sandbox's loopback: the supervisor knows its listeners. */
		{ "127.0.0.1", 9, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		{ "127.0.0.88", 8080, SOCK_DGRAM, IPPROTO_UDP, 0, NULL },
		{ "::1", 9, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		{ "0.0.0.0", 9, SOCK_STREAM, IPPROTO_TCP, 0, NULL },
		/* Datagrams out: refused, answered or not. */
		{ "198.51.100.7", 53, SOCK_DGRAM, IPPROTO_UDP, ENETUNREACH, "198.51.100.7:53" },
		{ "198.51.100.8", 5353, SOCK_DGRAM, IPPROTO_UDP, ENETUNREACH, "198.51.100.8:5353" },
		/* Kinds the supervisor judges its own way: left to it. */
		{ "198.51.100.8", 443, SOCK_STREAM, IPPROTO_MPTCP, 0, NULL },
		{ "198.51.100.8", 443, SOCK_SEQPACKET, 0, 0, NULL },
		{ "198.51.100.8", 443, SOCK_RAW, IPPROTO_RAW, 0, NULL },
	};
	size_t size;
	void *data = compile_yaml(yaml, &size);
	struct policy_blob b;
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	table_reset();
	publish("198.51.100.7");
	publish("2001:db8::7");
	publish("::ffff:192.0.2.44");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct connect_case *c = &cases[i];
		struct sockaddr_storage ss;
		socklen_t len = sockaddr_of(c->addr, c->port, &ss);
		char target[SHIM_NET_TARGET_MAX] = "";
		int got = shim_decide_connect(&b, &table, (struct sockaddr *)&ss, len, c->type,
					      c->proto, target, sizeof(target));
		cr_expect_eq(got, c->want, "%s:%u type %d: %d, want %d", c->addr, c->port, c->type,
			     got, c->want);
		if (c->target && got)
			cr_expect_str_eq(target, c->target);
	}
	free(data);
}

/* What decides nothing: no table, no allow_net, a full table, a short or foreign address. */
Test(shim_connect, judges_nothing_without_what_it_needs)
{
	size_t size, hsize;
	void *data = compile_yaml(yaml, &size);
	void *host = compile_yaml("deny_read: [\".env\"]\n", &hsize);
	struct policy_blob b, hb;
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of("198.51.100.8", 443, &ss);
	char target[SHIM_NET_TARGET_MAX];
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_assert_eq(policy_blob_open(host, hsize, &hb), 0);
	table_reset();
	cr_expect_eq(shim_decide_connect(&b, &table, (struct sockaddr *)&ss, len, SOCK_STREAM,
					 IPPROTO_TCP, target, sizeof(target)),
		     ECONNREFUSED, "the control: refused with a table");
	cr_expect_eq(shim_decide_connect(&b, NULL, (struct sockaddr *)&ss, len, SOCK_STREAM,
					 IPPROTO_TCP, target, sizeof(target)),
		     0, "no table");
	cr_expect_eq(shim_decide_connect(&hb, &table, (struct sockaddr *)&ss, len, SOCK_STREAM,
					 IPPROTO_TCP, target, sizeof(target)),
		     0, "no allow_net: the host's network");
	cr_expect_eq(shim_decide_connect(&b, &table, (struct sockaddr *)&ss, 3, SOCK_STREAM,
					 IPPROTO_TCP, target, sizeof(target)),
		     0, "too short to judge");
	struct sockaddr_un {
		sa_family_t f;
		char p[20];
	} un = { AF_UNIX, "/run/x.sock" };
	cr_expect_eq(shim_decide_connect(&b, &table, (struct sockaddr *)&un, sizeof(un),
					 SOCK_STREAM, 0, target, sizeof(target)),
		     0, "unix: the supervisor's");
	table.full = 1;
	cr_expect_eq(shim_decide_connect(&b, &table, (struct sockaddr *)&ss, len, SOCK_STREAM,
					 IPPROTO_TCP, target, sizeof(target)),
		     0, "a full table judges nothing");
	table.full = 0;
	table.count = SHIM_NET_SLOTS + 1;
	cr_expect_eq(shim_decide_connect(&b, &table, (struct sockaddr *)&ss, len, SOCK_STREAM,
					 IPPROTO_TCP, target, sizeof(target)),
		     0, "a count past the table judges nothing");
	free(data);
	free(host);
}

/* `allow_net: []` (no network): every destination outside is refused. */
Test(shim_connect, empty_allow_net)
{
	size_t size;
	void *data = compile_yaml("allow_net: []\n", &size);
	struct policy_blob b;
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of("198.51.100.8", 443, &ss);
	char target[SHIM_NET_TARGET_MAX], line[SHIM_LINE_MAX];
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	table_reset();
	int err = shim_decide_connect(&b, &table, (struct sockaddr *)&ss, len, SOCK_STREAM,
				      IPPROTO_TCP, target, sizeof(target));
	cr_assert_eq(err, ECONNREFUSED);
	struct shim_denial d = { .action = "connect",
				 .call = "connect",
				 .list = POLICY_BLOB_ALLOW_NET,
				 .rule = -1,
				 .reason = shim_net_reason(err),
				 .target = target,
				 .err = err };
	size_t n = shim_line_encode(&b, &d, line, sizeof(line));
	line[n] = 0;
	cr_expect_str_eq(line, "aigate: denied: connect 198.51.100.8:443 (allow_net: not an "
			       "address the DNS stub answered for a name in allow_net)\n");
	free(data);
}

/* The line names allow_net, what it lacks and where it is written; the record the list. */
Test(shim_connect, line_and_record)
{
	size_t size;
	void *data = compile_yaml(yaml, &size);
	struct policy_blob b;
	char line[SHIM_LINE_MAX], msg[SHIM_MSG_MAX];
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	struct shim_denial d = { .action = "connect",
				 .call = "connect",
				 .list = POLICY_BLOB_ALLOW_NET,
				 .rule = 0,
				 .reason = shim_net_reason(ENETUNREACH),
				 .target = "198.51.100.8:53",
				 .err = ENETUNREACH };
	size_t n = shim_line_encode(&b, &d, line, sizeof(line));
	line[n] = 0;
	cr_expect_str_eq(line, "aigate: denied: connect 198.51.100.8:53 (allow_net: only TCP "
			       "leaves the sandbox; datagrams only as DNS queries to the stub, "
			       "g.yaml:2)\n");
	n = shim_msg_encode(&d, msg, sizeof(msg));
	const char want[] = "v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0"
			    "call=connect\0errno=101\0target=198.51.100.8:53";
	cr_expect_eq(n, sizeof(want));
	cr_expect_eq(memcmp(msg, want, sizeof(want)), 0);
	free(data);
}
