/* SPDX-License-Identifier: MIT */
/*
 * test_netmatch.c — allow_net through the compiled blob: which rule admits
 * a host on a port (policy_blob_match_net()), and which rules the loader
 * refuses. Parameters hold arrays, not pointers: Criterion re-executes its
 * workers, so pointers into the parent's address space would not survive.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/blob.h"

/* Rule indexes below refer to this list. */
static const char rules_yaml[] = "allow_net:\n"
				 "  - api.github.com\n"		     /* 0 */
				 "  - \"*.example.com\"\n"	     /* 1 */
				 "  - db.internal:5432\n"	     /* 2 */
				 "  - 10.1.2.3\n"		     /* 3 */
				 "  - 10.9.9.9:8080\n"		     /* 4 */
				 "  - \"*.Corp.Example.ORG:8443\"\n" /* 5 */
				 "  - \"*.first.test:8443\"\n"	     /* 6 */
				 "  - a.first.test\n";		     /* 7 */

static void *compile_yaml(const char *yaml, struct policy_blob *b)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	void *data;
	size_t size;
	cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), "g.yaml", &d), 0, "%s:%u:%u: %s",
		     d.file, d.line, d.col, d.msg);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
	policy_free(p);
	cr_assert_eq(policy_blob_open(data, size, b), 0);
	return data;
}

struct net_case {
	char name[48];
	char host[80];
	unsigned port;
	int want; /* rule index, or -1 */
};

ParameterizedTestParameters(netmatch, table)
{
	static struct net_case cases[] = {
		/* exact names */
		{ "exact on 443", "api.github.com", 443, 0 },
		{ "exact on 80", "api.github.com", 80, 0 },
		{ "exact, other port", "api.github.com", 22, -1 },
		{ "exact, port 8443", "api.github.com", 8443, -1 },
		{ "exact, any port", "api.github.com", 0, 0 },
		{ "exact: the parent", "github.com", 443, -1 },
		{ "exact: a child", "x.api.github.com", 443, -1 },
		{ "exact: a longer name", "api.github.com.evil.com", 443, -1 },
		{ "exact: a prefix", "api.github.co", 443, -1 },
		{ "exact: glued", "evilapi.github.com", 443, -1 },
		/* case and the trailing dot */
		{ "upper case", "API.GitHub.COM", 443, 0 },
		{ "trailing dot", "api.github.com.", 443, 0 },
		{ "upper case, trailing dot", "API.GITHUB.COM.", 0, 0 },
		{ "two trailing dots", "api.github.com..", 443, -1 },
		{ "leading dot", ".api.github.com", 443, -1 },
		/* wildcards */
		{ "wildcard: a child", "a.example.com", 443, 1 },
		{ "wildcard: deep", "a.b.c.example.com", 80, 1 },
		{ "wildcard: upper case", "A.EXAMPLE.com", 443, 1 },
		{ "wildcard: trailing dot", "a.example.com.", 443, 1 },
		{ "wildcard: apex", "example.com", 443, -1 },
		{ "wildcard: apex, any port", "example.com", 0, -1 },
		{ "wildcard: apex, dot", "example.com.", 443, -1 },
		{ "wildcard: suffix trick", "evilexample.com", 443, -1 },
		{ "wildcard: as prefix", "example.com.evil.com", 443, -1 },
		{ "wildcard: a.example.comx", "a.example.comx", 443, -1 },
		{ "wildcard: empty label", ".example.com", 443, -1 },
		{ "wildcard: other port", "a.example.com", 8080, -1 },
		{ "wildcard: any port", "a.example.com", 0, 1 },
		{ "wildcard: underscore label", "_acme.example.com", 443, 1 },
		{ "wildcard host is not a name", "*.example.com", 443, -1 },
		{ "wildcard rule with port", "x.corp.example.org", 8443, 5 },
		{ "wildcard rule with port, 443", "x.corp.example.org", 443, -1 },
		{ "wildcard rule with port, apex", "corp.example.org", 8443, -1 },
		{ "wildcard rule with port, any", "X.Corp.Example.Org", 0, 5 },
		/* explicit ports */
		{ "name:port", "db.internal", 5432, 2 },
		{ "name:port, 443", "db.internal", 443, -1 },
		{ "name:port, 80", "db.internal", 80, -1 },
		{ "name:port, any", "db.internal", 0, 2 },
		{ "port 65535", "db.internal", 65535, -1 },
		/* the first rule that admits wins */
		{ "first: wildcard on its port", "a.first.test", 8443, 6 },
		{ "first: exact on 443", "a.first.test", 443, 7 },
		{ "first: any port", "a.first.test", 0, 6 },
		/* IPv4 literals */
		{ "ipv4 on 443", "10.1.2.3", 443, 3 },
		{ "ipv4 on 80", "10.1.2.3", 80, 3 },
		{ "ipv4, other port", "10.1.2.3", 22, -1 },
		{ "ipv4, any port", "10.1.2.3", 0, 3 },
		{ "ipv4:port", "10.9.9.9", 8080, 4 },
		{ "ipv4:port, 443", "10.9.9.9", 443, -1 },
		{ "ipv4, another address", "10.1.2.4", 443, -1 },
		{ "ipv4, leading zero", "010.1.2.3", 443, -1 },
		{ "ipv4, trailing dot", "10.1.2.3.", 443, -1 },
		{ "ipv4, three parts", "10.1.2", 443, -1 },
		{ "ipv4, short form", "10.66051", 443, -1 },
		{ "ipv4, hex", "0xa.1.2.3", 443, -1 },
		{ "ipv4 below a name", "x.10.1.2.3", 443, -1 },
		{ "ipv4-mapped ipv6", "::ffff:10.1.2.3", 443, 3 },
		{ "ipv4-mapped ipv6, hex", "::FFFF:a01:203", 443, 3 },
		{ "ipv4-mapped ipv6, port", "::ffff:10.9.9.9", 8080, 4 },
		{ "ipv4-compatible ipv6", "::10.1.2.3", 443, -1 },
		{ "ipv6 loopback", "::1", 443, -1 },
		{ "ipv6 in brackets", "[::ffff:10.1.2.3]", 443, -1 },
		{ "ipv6 with zone", "fe80::1%eth0", 443, -1 },
		/* not hosts at all */
		{ "empty", "", 443, -1 },
		{ "a dot", ".", 443, -1 },
		{ "with a port", "api.github.com:443", 443, -1 },
		{ "with a path", "api.github.com/x", 443, -1 },
		{ "with a space", "api.github.com ", 443, -1 },
		{ "with CRLF", "api.github.com\r\n", 443, -1 },
		{ "a URL", "https://api.github.com", 443, -1 },
		{ "userinfo", "user@api.github.com", 443, -1 },
		{ "non-ASCII", "a.\xc3\xa9xample.com", 443, -1 },
		{ "label over 63 bytes",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com",
		  443, -1 },
	};
	return cr_make_param_array(struct net_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct net_case *c, netmatch, table)
{
	struct policy_blob b;
	void *data = compile_yaml(rules_yaml, &b);
	int got = policy_blob_match_net(&b, c->host, (uint16_t)c->port);
	cr_expect_eq(got, c->want, "[%s] '%s' port %u: got %d, want %d", c->name, c->host, c->port,
		     got, c->want);
	free(data);
}

/* A 253-byte name (the most DNS allows) below *.example.com; one more byte is refused. */
Test(netmatch, host_length_cap)
{
	struct policy_blob b;
	void *data = compile_yaml(rules_yaml, &b);
	char host[300];
	const char *suffix = ".example.com";
	size_t n = 0;

	/* 60-byte labels until the name is 253 bytes with the suffix. */
	while (n + strlen(suffix) < 253) {
		size_t left = 253 - strlen(suffix) - n;
		size_t label = left > 61 ? 60 : left - (n ? 1 : 0);
		if (n)
			host[n++] = '.';
		memset(host + n, 'a', label);
		n += label;
	}
	strcpy(host + n, suffix);
	cr_assert_eq(strlen(host), 253);
	cr_expect_eq(policy_blob_match_net(&b, host, 443), 1, "253 bytes");
	strcat(host, ".");
	cr_expect_eq(policy_blob_match_net(&b, host, 443), 1, "253 bytes and the root dot");
	host[253] = '\0';
	memmove(host + 1, host, 254);
	host[0] = 'b';
	cr_assert_eq(strlen(host), 254);
	cr_expect_eq(policy_blob_match_net(&b, host, 443), -1, "254 bytes");
	cr_expect_eq(policy_blob_match_net(&b, NULL, 443), -1, "NULL");
	free(data);
}

Test(netmatch, empty_list_admits_nothing)
{
	struct policy_blob b;
	void *data = compile_yaml("allow_net: []\n", &b);
	cr_expect(b.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET, "an empty list restricts");
	cr_expect_eq(policy_blob_match_net(&b, "api.github.com", 443), -1);
	cr_expect_eq(policy_blob_match_net(&b, "api.github.com", 0), -1);
	cr_expect_eq(policy_blob_match_net(&b, "10.1.2.3", 0), -1);
	free(data);
}

/* No allow_net: the host network. Nothing is admitted by rule; the flag says why. */
Test(netmatch, absent_list)
{
	struct policy_blob b;
	void *data = compile_yaml("deny_exec: [curl]\n", &b);
	cr_expect_not(b.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET);
	cr_expect_eq(policy_blob_count(&b, POLICY_BLOB_ALLOW_NET), 0);
	cr_expect_eq(policy_blob_match_net(&b, "api.github.com", 443), -1);
	free(data);
}

Test(netmatch, default_policy)
{
	struct policy_blob b;
	size_t len;
	void *data = compile_yaml(policy_default_yaml(&len), &b);
	cr_expect_eq(policy_blob_match_net(&b, "api.anthropic.com", 443), 0);
	cr_expect_eq(policy_blob_match_net(&b, "api.openai.com.", 0), 1);
	cr_expect_eq(policy_blob_match_net(&b, "API.GITHUB.COM", 80), 2);
	cr_expect_eq(policy_blob_match_net(&b, "github.com", 443), -1);
	cr_expect_eq(policy_blob_match_net(&b, "169.254.169.254", 80), -1);
	free(data);
}

struct rule_case {
	char rule[80];
	char msg[96]; /* "" when the rule is valid */
};

ParameterizedTestParameters(netmatch, rules)
{
	static struct rule_case cases[] = {
		{ "api.github.com", "" },
		{ "*.githubusercontent.com", "" },
		{ "Api.GitHub.com", "" },
		{ "example.com:1", "" },
		{ "example.com:65535", "" },
		{ "*.example.com:8443", "" },
		{ "10.1.2.3", "" },
		{ "10.1.2.3:5432", "" },
		{ "0.0.0.0", "" },
		{ "255.255.255.255:1", "" },
		{ "localhost", "" },
		{ "1password.com", "" },
		{ "x.123abc", "" },
		{ "*", "'*' alone would admit every host" },
		{ "*:443", "'*' alone would admit every host" },
		{ "*.", "nothing after '*.'" },
		{ "*.*.example.com", "'*' may only start a rule" },
		{ "a.*.example.com", "'*' may only start a rule" },
		{ "*example.com", "'*' may only start a rule" },
		{ "example.com:0", "bad port" },
		{ "example.com:65536", "bad port" },
		{ "example.com:", "bad port" },
		{ "example.com:+80", "bad port" },
		{ "example.com:080", "bad port" },
		{ "example.com:8 0", "bad port" },
		{ "example.com:99999999999999999999", "bad port" },
		{ "example.com.", "ends with '.'" },
		{ "example.com.:443", "ends with '.'" },
		{ "example..com", "empty label" },
		{ ".example.com", "empty label" },
		{ ":443", "empty" },
		{ "::1", "IPv6 literals are not supported in allow_net yet; use a name" },
		{ "[::1]:443", "IPv6 literals are not supported in allow_net yet; use a name" },
		{ "2001:db8::1", "IPv6 literals are not supported in allow_net yet; use a name" },
		{ "fe80::1", "IPv6 literals are not supported in allow_net yet; use a name" },
		{ "10.1.2", "nor an IPv4 address" },
		{ "10.1.2.3.4", "nor an IPv4 address" },
		{ "256.1.2.3", "nor an IPv4 address" },
		{ "010.1.2.3", "nor an IPv4 address" },
		{ "0x7f.0.0.1", "nor an IPv4 address" },
		{ "example.123", "nor an IPv4 address" },
		{ "*.10.1.2.3", "'*.' cannot precede an IPv4 address" },
		{ "https://example.com", "no scheme or path" },
		{ "example.com/api", "no scheme or path" },
		{ "exa mple.com", "unexpected ' '" },
		{ "under_score.com", "unexpected '_'" },
		{ "a@example.com", "unexpected '@'" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
		  "label over 63 bytes" },
	};
	return cr_make_param_array(struct rule_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct rule_case *c, netmatch, rules)
{
	char why[512] = "";
	int r = policy_validate_value("allow_net", c->rule, why, sizeof(why));
	if (!c->msg[0]) {
		cr_expect_eq(r, 0, "'%s' refused: %s", c->rule, why);
		return;
	}
	cr_expect_lt(r, 0, "'%s' accepted", c->rule);
	cr_expect(strstr(why, c->msg) != NULL, "'%s': message '%s' lacks '%s'", c->rule, why,
		  c->msg);
	cr_expect(strstr(why, "invalid domain") != NULL, "'%s': %s", c->rule, why);
}

/* A 253-byte rule is the longest; the loader and the matcher agree on it. */
Test(netmatch, rule_length_cap)
{
	char rule[300], why[512];
	memset(rule, 'a', sizeof(rule));
	for (size_t i = 60; i < 253; i += 61)
		rule[i] = '.';
	rule[253] = '\0';
	cr_expect_eq(policy_validate_value("allow_net", rule, why, sizeof(why)), 0, "%s", why);
	memcpy(rule + 253, ":443", 5);
	cr_expect_eq(policy_validate_value("allow_net", rule, why, sizeof(why)), 0, "%s", why);
	rule[253] = 'a';
	rule[254] = '\0';
	cr_expect_lt(policy_validate_value("allow_net", rule, why, sizeof(why)), 0);
	cr_expect(strstr(why, "longer than 253") != NULL, "%s", why);
}

/* The blob reader refuses an allow_net rule the loader would have refused. */
Test(netmatch, blob_with_a_bad_rule_is_refused)
{
	struct policy_blob b;
	uint8_t *data = compile_yaml(rules_yaml, &b);
	size_t size = b.size;
	uint8_t *copy = aligned_alloc(8, size);
	struct policy_blob_header *h = (struct policy_blob_header *)copy;

	memcpy(copy, data, size);
	struct policy_blob_rule *r =
		(struct policy_blob_rule *)(copy + h->lists[POLICY_BLOB_ALLOW_NET].off) + 1;
	char *text = (char *)copy + r->text_off;
	cr_assert_str_eq(text, "*.example.com");
	text[1] = 'x'; /* "*xexample.com" */
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG);

	memcpy(copy, data, size);
	text[0] = '\0'; /* "" */
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG);
	free(copy);
	free(data);
}

/* Random corruption never makes the matcher read out of bounds (ASan in make check). */
Test(netmatch, random_corruption_is_safe)
{
	struct policy_blob b;
	uint8_t *data = compile_yaml(rules_yaml, &b);
	size_t size = b.size;
	uint8_t *copy = aligned_alloc(8, size);
	srand(4321);
	for (int i = 0; i < 3000; i++) {
		memcpy(copy, data, size);
		for (int k = 0; k < 4; k++)
			copy[(size_t)rand() % size] = (uint8_t)rand();
		if (policy_blob_open(copy, size, &b) < 0)
			continue;
		(void)policy_blob_match_net(&b, "a.example.com", 443);
		(void)policy_blob_match_net(&b, "10.1.2.3", 0);
	}
	free(copy);
	free(data);
}
