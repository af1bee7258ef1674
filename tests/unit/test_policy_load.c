/* SPDX-License-Identifier: MIT */
/*
 * test_policy_load.c — the YAML loader: every kind of bad input gives one
 * diagnostic at the right file:line:col, and valid input gives the model.
 * Parameters hold arrays, not pointers: Criterion re-executes its workers,
 * so pointers into the parent's address space would not survive.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "policy/policy.h"

struct bad_case {
	char name[48];
	char yaml[256];
	unsigned line, col; /* 0: not checked */
	char msg[96];	    /* fragment the message must contain */
};

static struct policy *load_ok(const char *yaml)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	cr_assert_not_null(p);
	int r = policy_load_buffer(p, yaml, strlen(yaml), "t.yaml", &d);
	cr_assert_eq(r, 0, "load failed: %s:%u:%u: %s", d.file, d.line, d.col, d.msg);
	return p;
}

ParameterizedTestParameters(load, rejects)
{
	static struct bad_case cases[] = {
		{ "unknown key", "deny_reed:\n  - x\n", 1, 1, "did you mean 'deny_read'" },
		{ "unknown nested key", "resource_limits:\n  max_pid: 5\n", 2, 3,
		  "did you mean 'max_pids'" },
		{ "string for list", "deny_read: \".env\"\n", 1, 12, "must be a list" },
		{ "mapping for list", "deny_exec:\n  a: b\n", 2, 3, "must be a list" },
		{ "nested list item", "deny_read:\n  - [x]\n", 2, 5, "must be a string" },
		{ "~user", "deny_read:\n  - \"~bob/x\"\n", 2, 5, "~user" },
		{ "dotdot", "deny_read:\n  - \"a/../b\"\n", 2, 5, "'..'" },
		{ "bad size", "resource_limits:\n  max_memory: lots\n", 2, 15, "size" },
		{ "size too small", "resource_limits:\n  max_memory: 1K\n", 2, 15, "between" },
		{ "zero cpu", "resource_limits:\n  max_cpu_percent: 0\n", 2, 20, "between" },
		{ "negative pids", "resource_limits:\n  max_pids: -1\n", 2, 13, "whole number" },
		{ "bad regex", "mask_stdout:\n  patterns:\n    - regex: a(b\n", 3, 17, "offset 3" },
		{ "empty-match regex", "mask_stdout:\n  patterns:\n    - regex: \"x*\"\n", 3, 14,
		  "empty string" },
		{ "no regex", "mask_stdout:\n  patterns:\n    - show_prefix: 3\n", 3, 7,
		  "no 'regex'" },
		{ "mask unknown key",
		  "mask_stdout:\n  patterns:\n    - regex: abc\n      colour: red\n", 4, 7,
		  "unknown key 'colour'" },
		{ "mask bad bool",
		  "mask_stdout:\n  patterns:\n    - regex: abc\n      case_insensitive: maybe\n", 4,
		  25, "true or false" },
		{ "show_prefix too big",
		  "mask_stdout:\n  patterns:\n    - regex: abc\n      show_prefix: 999\n", 4, 20,
		  "show_prefix" },
		{ "unknown preset", "mask_stdout:\n  presets: [nope]\n", 2, 13,
		  "known: anthropic" },
		{ "duplicate key", "deny_read: []\ndeny_read: []\n", 2, 1,
		  "duplicate key 'deny_read'" },
		{ "alias", "deny_read: &x [\".env\"]\ndeny_exec: *x\n", 0, 0, "aliases" },
		{ "two documents", "---\ndeny_read: []\n---\ndeny_exec: []\n", 4, 1,
		  "more than one YAML document" },
		{ "unclosed flow", "deny_read: [unclosed\n", 2, 1, "malformed YAML" },
		{ "bad indentation", "deny_read:\n  - a\n - b\n", 3, 2, "malformed YAML" },
		{ "tab indentation", "deny_read:\n\t- a\n", 2, 1, "malformed YAML" },
		{ "root is a list", "- a\n- b\n", 1, 1, "must be a mapping" },
		{ "root is a scalar", "hello\n", 1, 1, "must be a mapping" },
		{ "exec glob", "deny_exec:\n  - \"kubectl *\"\n", 2, 5, "invalid deny_exec" },
		{ "exec option word", "deny_exec:\n  - \"kubectl -n\"\n", 2, 5,
		  "invalid deny_exec" },
		{ "domain with path", "allow_net:\n  - api.github.com/x\n", 2, 5,
		  "no scheme or path" },
		{ "domain with scheme", "allow_net:\n  - \"https://a.b\"\n", 2, 5,
		  "invalid domain" },
		{ "domain bad port", "allow_net:\n  - \"a.b:99999\"\n", 2, 5, "bad port" },
		{ "NUL in value", "deny_read:\n  - \"a\\0b\"\n", 2, 5, "NUL byte" },
		{ "bad user", "user: Root\n", 1, 7, "invalid user" },
		{ "bad env pattern", "deny_env:\n  - \"A-B\"\n", 2, 5, "unexpected '-'" },
		{ "extend deny_read", "project_may_extend: [deny_read]\n", 1, 22,
		  "cannot be extended" },
		{ "key not scalar", "[a]: b\n", 1, 1, "must be a string" },
		{ "audit level", "audit:\n  level: verbose\n", 2, 10,
		  "invalid audit.level 'verbose' (known: denied, exec, all)" },
		{ "audit on_error", "audit:\n  on_error: ignore\n", 2, 13,
		  "invalid audit.on_error 'ignore' (known: fail, warn)" },
		{ "audit relative path", "audit:\n  path: logs/a.jsonl\n", 2, 9,
		  "invalid audit.path" },
		{ "audit unknown key", "audit:\n  colour: red\n", 2, 3, "unknown key 'colour'" },
		{ "audit list", "audit: [a]\n", 1, 8, "expected a mapping in audit" },
		{ "allow_net star", "allow_net:\n  - \"*\"\n", 2, 5,
		  "'*' alone would admit every host" },
		{ "allow_net ipv6", "allow_net:\n  - \"2001:db8::1\"\n", 2, 5,
		  "IPv6 literals are not supported in allow_net yet; use a name" },
		{ "allow_net bracketed ipv6", "allow_net: [\"[::1]:443\"]\n", 1, 13,
		  "IPv6 literals are not supported" },
		{ "allow_net port 0", "allow_net:\n  - \"a.b:0\"\n", 2, 5, "bad port" },
		{ "allow_net port sign", "allow_net:\n  - \"a.b:+443\"\n", 2, 5, "bad port" },
		{ "allow_net trailing dot", "allow_net:\n  - a.b.\n", 2, 5, "ends with '.'" },
		{ "allow_net inner star", "allow_net:\n  - \"a.*.b\"\n", 2, 5,
		  "'*' may only start a rule" },
		{ "allow_net short ipv4", "allow_net:\n  - \"127.1\"\n", 2, 5,
		  "nor an IPv4 address" },
		{ "allow_net star ipv4", "allow_net:\n  - \"*.10.1.2.3\"\n", 2, 5,
		  "cannot precede an IPv4 address" },
		{ "private bad value", "allow_private_addresses: maybe\n", 1, 26,
		  "allow_private_addresses must be true or false, not 'maybe'" },
		{ "private empty", "deny_read: []\nallow_private_addresses:\n", 2, 25,
		  "allow_private_addresses must be true or false, not nothing" },
		{ "private list", "allow_private_addresses: [true]\n", 1, 26,
		  "allow_private_addresses must be true or false, not a list" },
		{ "private typo", "allow_private_address: true\n", 1, 1,
		  "did you mean 'allow_private_addresses'" },
		{ "mask values bad bool", "mask_stdout:\n  values_from_denied_files: sometimes\n",
		  2, 29, "values_from_denied_files must be true or false, not 'sometimes'" },
		{ "mask values list", "mask_stdout:\n  values_from_denied_files: [yes]\n", 2, 29,
		  "values_from_denied_files must be true or false, not a list" },
		{ "mask values typo", "mask_stdout:\n  values_from_denied_file: true\n", 2, 3,
		  "did you mean 'values_from_denied_files'" },
		{ "delay too long", "mask_stdout:\n  delay_ms: 1001\n", 2, 13,
		  "delay_ms must be between 0 and 1000, not '1001'" },
		{ "delay negative", "mask_stdout:\n  delay_ms: -5\n", 2, 13,
		  "delay_ms must be a whole number, not '-5'" },
		{ "delay with unit", "mask_stdout:\n  delay_ms: 30ms\n", 2, 13,
		  "delay_ms must be a whole number, not '30ms'" },
		{ "delay empty", "mask_stdout:\n  delay_ms:\n", 2, 12,
		  "delay_ms must be a whole number, not ''" },
		{ "delay at top level", "delay_ms: 30\n", 1, 1, "unknown key 'delay_ms'" },
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, load, rejects)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	int r = policy_load_buffer(p, c->yaml, strlen(c->yaml), "cfg.yaml", &d);
	cr_expect_lt(r, 0, "[%s] loaded but should not", c->name);
	cr_expect_str_eq(d.file, "cfg.yaml", "[%s] file", c->name);
	cr_expect(strstr(d.msg, c->msg) != NULL, "[%s] message '%s' lacks '%s'", c->name, d.msg,
		  c->msg);
	if (c->line) {
		cr_expect_eq(d.line, c->line, "[%s] line %u, want %u (%s)", c->name, d.line,
			     c->line, d.msg);
		cr_expect_eq(d.col, c->col, "[%s] col %u, want %u (%s)", c->name, d.col, c->col,
			     d.msg);
	}
	policy_free(p);
}

Test(load, default_policy_is_valid)
{
	size_t len;
	const char *text = policy_default_yaml(&len);
	cr_assert_gt(len, 100);
	cr_assert_eq(strlen(text), len, "embedded policy is NUL-terminated");
	struct policy *p = load_ok(text);
	cr_expect_eq(p->deny_read.n, 12);
	cr_expect_eq(p->deny_exec.n, 7);
	cr_expect(p->allow_net.present);
	cr_expect_eq(p->allow_net.n, 3);
	cr_expect_eq(p->max_memory.value, 4ull << 30);
	cr_expect_eq(p->max_cpu_percent.value, 80);
	cr_expect_eq(p->max_pids.value, 1000);
	cr_expect_str_eq(p->group.value, "ai-agents");
	cr_expect_str_eq(p->deny_exec.items[5].value, "kubectl delete");
	policy_free(p);
}

Test(load, audit_fields)
{
	struct policy *p =
		load_ok("audit:\n  path: ~/trail.jsonl\n  level: exec\n  on_error: warn\n");
	cr_assert_str_eq(p->audit_path.value, "~/trail.jsonl");
	cr_assert_str_eq(p->audit_level.value, "exec");
	cr_assert_str_eq(p->audit_on_error.value, "warn");
	cr_assert_eq(p->audit_level.origin.line, 3);
	policy_free(p);
	p = load_ok("audit:\n  path: syslog\n");
	cr_assert_str_eq(p->audit_path.value, "syslog");
	policy_free(p);
}

Test(load, origins_are_one_based)
{
	struct policy *p = load_ok("# comment\ndeny_read:\n  - \".env\"\n  - \"x\"\n");
	cr_assert_eq(p->deny_read.n, 2);
	cr_expect_eq(p->deny_read.items[1].origin.line, 4);
	cr_expect_eq(p->deny_read.items[1].origin.col, 5);
	char buf[64];
	policy_origin_format(p, p->deny_read.items[1].origin, buf, sizeof(buf));
	cr_expect_str_eq(buf, "t.yaml:4");
	policy_free(p);
}

Test(load, empty_and_null_forms)
{
	struct policy *p = load_ok("");
	cr_expect_not(p->allow_net.present, "empty file: allow_net absent (host network)");
	policy_free(p);
	p = load_ok("# only a comment\n");
	cr_expect_not(p->deny_read.present);
	policy_free(p);
	/* "allow_net:" with nothing is an empty list: no network, the restrictive reading. */
	p = load_ok("allow_net:\n");
	cr_expect(p->allow_net.present);
	cr_expect_eq(p->allow_net.n, 0);
	policy_free(p);
	p = load_ok("allow_net: []\n");
	cr_expect(p->allow_net.present);
	policy_free(p);
}

Test(load, duplicates_in_a_list_are_folded)
{
	struct policy *p = load_ok("deny_exec: [curl, curl, wget]\n");
	cr_expect_eq(p->deny_exec.n, 2);
	policy_free(p);
}

Test(load, mask_patterns)
{
	struct policy *p = load_ok("mask_stdout:\n  presets: [openai, github]\n  patterns:\n"
				   "    - regex: \"token-[a-z0-9]{16}\"\n      show_prefix: 6\n"
				   "      case_insensitive: yes\n      name: tok\n");
	cr_assert_eq(p->mask_patterns.n, 1);
	cr_expect_eq(p->mask_patterns.items[0].show_prefix, 6);
	cr_expect(p->mask_patterns.items[0].case_insensitive);
	cr_expect_str_eq(p->mask_patterns.items[0].name, "tok");
	cr_expect_eq(p->mask_presets.n, 2);
	policy_free(p);
}

Test(load, too_many_rules)
{
	size_t cap = (POLICY_MAX_RULES + 2) * 12 + 32, len = 0;
	char *buf = malloc(cap);
	len += (size_t)snprintf(buf, cap, "deny_exec:\n");
	for (int i = 0; i <= POLICY_MAX_RULES; i++)
		len += (size_t)snprintf(buf + len, cap - len, "  - c%d\n", i);
	struct policy_diag d;
	struct policy *p = policy_new();
	cr_expect_eq(policy_load_buffer(p, buf, len, "big.yaml", &d), -E2BIG);
	cr_expect(strstr(d.msg, "more than") != NULL, "%s", d.msg);
	policy_free(p);
	free(buf);
}

Test(load, file_size_cap)
{
	size_t len = POLICY_MAX_FILE_SIZE + 1;
	char *buf = malloc(len);
	memset(buf, '#', len);
	struct policy_diag d;
	struct policy *p = policy_new();
	cr_expect_eq(policy_load_buffer(p, buf, len, "huge.yaml", &d), -EFBIG);
	policy_free(p);
	free(buf);
}

struct size_case {
	char in[24];
	int ret;
	unsigned long long want;
};

ParameterizedTestParameters(load, sizes)
{
	static struct size_case cases[] = {
		{ "4G", 0, 4ull << 30 },
		{ "512M", 0, 512ull << 20 },
		{ "1024K", 0, 1ull << 20 },
		{ "2T", 0, 2ull << 40 },
		{ "4GiB", 0, 4ull << 30 },
		{ "4GB", 0, 4ull << 30 },
		{ "100", 0, 100 },
		{ "4X", -EINVAL, 0 },
		{ "G", -EINVAL, 0 },
		{ "4GGG", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "99999999999T", -ERANGE, 0 },
	};
	return cr_make_param_array(struct size_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Sizes go through the loader so the test uses only the public API. */
ParameterizedTest(struct size_case *c, load, sizes)
{
	char yaml[128];
	struct policy_diag d;
	struct policy *p = policy_new();
	snprintf(yaml, sizeof(yaml), "resource_limits:\n  max_memory: \"%s\"\n", c->in);
	int r = policy_load_buffer(p, yaml, strlen(yaml), "s.yaml", &d);
	if (c->ret == 0 && c->want >= (1u << 20)) {
		cr_expect_eq(r, 0, "%s: %s", c->in, d.msg);
		cr_expect_eq(p->max_memory.value, c->want, "%s", c->in);
	} else {
		cr_expect_lt(r, 0, "%s should be rejected", c->in);
	}
	policy_free(p);
}

Test(load, validate_value_api)
{
	char why[256];
	cr_expect_eq(policy_validate_value("deny_read", ".env", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("deny_read", "~bob/x", why, sizeof(why)), 0);
	cr_expect_eq(
		policy_validate_value("deny_exec", "kubectl rollout restart", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("deny_exec", "", why, sizeof(why)), 0);
	cr_expect_eq(
		policy_validate_value("allow_net", "*.githubusercontent.com", why, sizeof(why)), 0);
	cr_expect_eq(policy_validate_value("allow_net", "example.com:8443", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("allow_net", "*.", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("allow_net", "a..b", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("nope", "x", why, sizeof(why)), 0);
	cr_expect(policy_field_known("resource_limits.max_pids"));
	cr_expect_not(policy_field_known("resource_limits.nope"));
	cr_expect_eq(policy_validate_value("allow_net", "10.1.2.3", why, sizeof(why)), 0);
	cr_expect_eq(policy_validate_value("allow_net", "10.1.2.3:5432", why, sizeof(why)), 0);
	cr_expect_eq(policy_validate_value("allow_net", "Api.GitHub.com", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("allow_net", "*", why, sizeof(why)), 0);
	cr_expect_lt(policy_validate_value("allow_net", "::1", why, sizeof(why)), 0);
	cr_expect(strstr(why, "IPv6") != NULL, "%s", why);
	cr_expect(policy_field_known("allow_private_addresses"));
}

struct bool_case {
	char text[16];
	bool want;
};

ParameterizedTestParameters(load, allow_private_addresses)
{
	static struct bool_case cases[] = {
		{ "true", true },     { "false", false }, { "yes", true }, { "no", false },
		{ "True", true },     { "FALSE", false }, { "on", true },  { "off", false },
		{ "\"true\"", true }, { "'no'", false },
	};
	return cr_make_param_array(struct bool_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bool_case *c, load, allow_private_addresses)
{
	char yaml[96];
	snprintf(yaml, sizeof(yaml), "deny_read: []\nallow_private_addresses: %s\n", c->text);
	struct policy *p = load_ok(yaml);
	cr_expect(p->allow_private_addresses.present, "%s", c->text);
	cr_expect_eq(p->allow_private_addresses.value, c->want, "%s", c->text);
	cr_expect_eq(p->allow_private_addresses.origin.line, 2);
	cr_expect_eq(p->allow_private_addresses.origin.col, 26);
	policy_free(p);
}

Test(load, allow_private_addresses_defaults_to_false)
{
	size_t len;
	struct policy *p = load_ok("allow_net: [api.github.com]\n");
	cr_expect_not(p->allow_private_addresses.present);
	cr_expect_not(p->allow_private_addresses.value);
	policy_free(p);
	p = load_ok(policy_default_yaml(&len));
	cr_expect_not(p->allow_private_addresses.value, "the default policy keeps it off");
	policy_free(p);
}

Test(load, mask_values_and_delay)
{
	struct policy *p = load_ok("mask_stdout:\n  values_from_denied_files: off\n"
				   "  delay_ms: 0\n");
	cr_expect(p->mask_values_from_denied_files.present);
	cr_expect_not(p->mask_values_from_denied_files.value);
	cr_expect_eq(p->mask_values_from_denied_files.origin.line, 2);
	cr_expect_eq(p->mask_values_from_denied_files.origin.col, 29);
	cr_expect(p->mask_delay_ms.present, "an explicit 0 is kept apart from unset");
	cr_expect_eq(p->mask_delay_ms.value, 0);
	cr_expect_eq(p->mask_delay_ms.origin.line, 3);
	cr_expect_eq(p->mask_delay_ms.origin.col, 13);
	policy_free(p);

	p = load_ok("mask_stdout:\n  delay_ms: 1000\n  values_from_denied_files: true\n");
	cr_expect_eq(p->mask_delay_ms.value, 1000);
	cr_expect(p->mask_values_from_denied_files.value);
	policy_free(p);

	/* Unset: the blob compiler applies the defaults (on, 30 ms). */
	p = load_ok("mask_stdout:\n  presets: [openai]\n");
	cr_expect_not(p->mask_values_from_denied_files.present);
	cr_expect_not(p->mask_delay_ms.present);
	policy_free(p);
	cr_expect(policy_field_known("mask_stdout.values_from_denied_files"));
	cr_expect(policy_field_known("mask_stdout.delay_ms"));
}
