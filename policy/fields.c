/* SPDX-License-Identifier: MIT */
/*
 * fields.c — the policy field table and one validator per kind of value.
 * Adding a field to the policy means one entry here and one member in
 * struct policy; the loader, the merge and the CLI follow the table.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "policy/argvmatch.h"
#include "policy/mask.h"
#include "policy/pathmatch.h"
#include "policy/policy_internal.h"
#include "policy/util.h"

int policy_reasonf(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}
static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int validate_path_pattern(const char *v, char *reason, size_t rsz)
{
	struct pathmatch_rule rule;
	const char *why = NULL;

	if (pathmatch_classify(v, &rule, &why) < 0)
		return policy_reasonf(reason, rsz, "invalid path pattern '%s': %s", v,
				      why ? why : "invalid");
	return 0;
}

/* Write roots are bind-mounted, so they must name one place: no globs, no project-relative names. */
static int validate_write_root(const char *v, char *reason, size_t rsz)
{
	struct pathmatch_rule rule;
	const char *why = NULL;

	if (pathmatch_classify(v, &rule, &why) < 0)
		return policy_reasonf(reason, rsz, "invalid path '%s': %s", v,
				      why ? why : "invalid");
	if (!rule.literal || (rule.anchor != PATHMATCH_HOME && rule.anchor != PATHMATCH_ABSOLUTE))
		return policy_reasonf(
			reason, rsz,
			"allow_write entry '%s' must be an absolute or ~/ path without "
			"wildcards (the project root and /tmp are always writable)",
			v);
	return 0;
}

static int validate_exec_rule(const char *v, char *reason, size_t rsz)
{
	char buf[ARGVMATCH_RULE_MAX + ARGVMATCH_MAX_WORDS + 1];
	struct argvmatch_rule rule;
	const char *why = NULL;

	if (argvmatch_parse_rule(v, buf, sizeof(buf), &rule, &why) < 0)
		return policy_reasonf(reason, rsz, "invalid deny_exec rule '%s': %s", v,
				      why ? why : "invalid");
	return 0;
}

/*
 * allow_net rules: a name, "*.name" (every name below it) or an IPv4
 * address, each with an optional ":port" (netmatch.c). Strict syntax here
 * means the egress never has to guess what a rule meant (a stray "http://"
 * or path would otherwise silently match nothing).
 */
static int validate_domain(const char *v, char *reason, size_t rsz)
{
	struct policy_net_rule rule;
	const char *why, *bad;

	if (policy_net_rule_parse(v, &rule, &why, &bad) == 0)
		return 0;
	if (bad)
		return policy_reasonf(
			reason, rsz,
			"invalid domain '%s': unexpected '%c' (write a bare name such "
			"as api.github.com, no scheme or path)",
			v, *bad);
	return policy_reasonf(reason, rsz, "invalid domain '%s': %s", v, why);
}

/* Environment variable names, with '*' and '?' allowed as wildcards. */
static int validate_env_pattern(const char *v, char *reason, size_t rsz)
{
	if (!*v || strlen(v) > 256)
		return policy_reasonf(reason, rsz, "invalid variable pattern '%s'", v);
	for (const char *p = v; *p; p++)
		if (!(is_lower(*p) || is_upper(*p) || is_digit(*p) || *p == '_' || *p == '*' ||
		      *p == '?'))
			return policy_reasonf(reason, rsz,
					      "invalid variable pattern '%s': unexpected '%c'", v,
					      *p);
	return 0;
}

static int validate_preset(const char *v, char *reason, size_t rsz)
{
	size_t n, len = 0;
	const struct mask_preset *ps = mask_presets(&n);
	char names[512] = "";

	if (mask_preset_known(v))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(ps[i].name, ps[i - 1].name) == 0)
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
					ps[i].name);
		if (len >= sizeof(names))
			break;
	}
	return policy_reasonf(reason, rsz, "unknown mask preset '%s' (known: %s)", v, names);
}

/* POSIX portable user and group names. */
static int validate_account(const char *v, char *reason, size_t rsz)
{
	size_t n = strlen(v);
	if (n == 0 || n > 32 || !(is_lower(v[0]) || v[0] == '_'))
		return policy_reasonf(reason, rsz, "invalid user or group name '%s'", v);
	for (size_t i = 1; i < n; i++)
		if (!(is_lower(v[i]) || is_digit(v[i]) || v[i] == '_' || v[i] == '-'))
			return policy_reasonf(reason, rsz, "invalid user or group name '%s'", v);
	return 0;
}

static int validate_audit_path(const char *v, char *reason, size_t rsz)
{
	if (strcmp(v, "-") == 0 || strcmp(v, "syslog") == 0 || v[0] == '/' ||
	    (v[0] == '~' && v[1] == '/' && v[2]))
		return 0;
	return policy_reasonf(reason, rsz,
			      "invalid audit.path '%s': write an absolute or ~/ path, '-' (stderr) "
			      "or 'syslog'",
			      v);
}

static int validate_one_of(const char *v, const char *field, const char *const *names, char *reason,
			   size_t rsz)
{
	char known[128] = "";
	size_t len = 0;
	for (size_t i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0)
			return 0;
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
					names[i]);
		if (len >= sizeof(known))
			break;
	}
	return policy_reasonf(reason, rsz, "invalid %s '%s' (known: %s)", field, v, known);
}

static int validate_audit_level(const char *v, char *reason, size_t rsz)
{
	static const char *const names[] = { "denied", "exec", "all", NULL };
	return validate_one_of(v, "audit.level", names, reason, rsz);
}

static int validate_audit_on_error(const char *v, char *reason, size_t rsz)
{
	static const char *const names[] = { "fail", "warn", NULL };
	return validate_one_of(v, "audit.on_error", names, reason, rsz);
}

static bool extendable(const struct policy_field *table, const char *v)
{
	for (const struct policy_field *f = table; f->name; f++) {
		if (f->extend_name && strcmp(f->extend_name, v) == 0)
			return true;
		if (f->kind == FK_MAP && extendable(f->children, v))
			return true;
	}
	return false;
}

static int validate_extend(const char *v, char *reason, size_t rsz)
{
	if (extendable(policy_fields, v))
		return 0;
	return policy_reasonf(reason, rsz,
			      "'%s' cannot be extended by a project (extendable: allow_net, "
			      "allow_write, pass_env, resource_limits)",
			      v);
}

static const struct policy_field limit_fields[] = {
	{ .name = "max_memory",
	  .kind = FK_SIZE,
	  .offset = offsetof(struct policy, max_memory),
	  .merge = FM_MIN,
	  .min = 1 << 20,
	  .max = UINT64_C(1) << 50,
	  .extend_name = "resource_limits" },
	{ .name = "max_cpu_percent",
	  .kind = FK_UINT,
	  .offset = offsetof(struct policy, max_cpu_percent),
	  .merge = FM_MIN,
	  .min = 1,
	  .max = 100 * 1024,
	  .extend_name = "resource_limits" },
	{ .name = "max_pids",
	  .kind = FK_UINT,
	  .offset = offsetof(struct policy, max_pids),
	  .merge = FM_MIN,
	  .min = 1,
	  .max = 4194304,
	  .extend_name = "resource_limits" },
	{ 0 },
};

/* Global only: a cloned project must not move, quieten or soften the trail of its own agent. */
static const struct policy_field audit_fields[] = {
	{ .name = "path",
	  .kind = FK_STRING,
	  .offset = offsetof(struct policy, audit_path),
	  .merge = FM_GLOBAL_ONLY,
	  .validate = validate_audit_path },
	{ .name = "level",
	  .kind = FK_STRING,
	  .offset = offsetof(struct policy, audit_level),
	  .merge = FM_GLOBAL_ONLY,
	  .validate = validate_audit_level },
	{ .name = "on_error",
	  .kind = FK_STRING,
	  .offset = offsetof(struct policy, audit_on_error),
	  .merge = FM_GLOBAL_ONLY,
	  .validate = validate_audit_on_error },
	{ 0 },
};

static const struct policy_field mask_fields[] = {
	{ .name = "presets",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, mask_presets),
	  .merge = FM_UNION,
	  .validate = validate_preset },
	{ .name = "patterns",
	  .kind = FK_MASK_PATTERNS,
	  .offset = offsetof(struct policy, mask_patterns),
	  .merge = FM_UNION },
	/*
	 * The values of the dotenv files deny_read hides, masked literally in
	 * the output: the sandbox cannot read .env, but a value it learnt
	 * elsewhere (a test fixture, an error message of a host service) must
	 * not reach the transcript either. On unless the global file turns it
	 * off: a cloned repository may only turn it on.
	 */
	{ .name = "values_from_denied_files",
	  .kind = FK_BOOL,
	  .offset = offsetof(struct policy, mask_values_from_denied_files),
	  .merge = FM_ENABLE,
	  .default_true = true },
	/*
	 * Global only for simplicity: neither way is a loosening (a longer
	 * hold-back only delays output, a shorter one only releases a partial
	 * secret sooner), but it is the user's terminal, not the repository's.
	 */
	{ .name = "delay_ms",
	  .kind = FK_UINT,
	  .offset = offsetof(struct policy, mask_delay_ms),
	  .merge = FM_GLOBAL_ONLY,
	  .min = 0,
	  .max = POLICY_MASK_DELAY_MS_MAX },
	{ 0 },
};

const struct policy_field policy_fields[] = {
	{ .name = "group",
	  .kind = FK_STRING,
	  .offset = offsetof(struct policy, group),
	  .merge = FM_GLOBAL_ONLY,
	  .validate = validate_account },
	{ .name = "user",
	  .kind = FK_STRING,
	  .offset = offsetof(struct policy, user),
	  .merge = FM_GLOBAL_ONLY,
	  .validate = validate_account },
	{ .name = "deny_read",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, deny_read),
	  .merge = FM_UNION,
	  .validate = validate_path_pattern },
	{ .name = "deny_exec",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, deny_exec),
	  .merge = FM_UNION,
	  .validate = validate_exec_rule },
	{ .name = "allow_net",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, allow_net),
	  .merge = FM_NET,
	  .validate = validate_domain,
	  .extend_name = "allow_net" },
	/*
	 * Global only: a cloned repository must not open the sandbox's way to
	 * the metadata service, the host's loopback or the LAN.
	 */
	{ .name = "allow_private_addresses",
	  .kind = FK_BOOL,
	  .offset = offsetof(struct policy, allow_private_addresses),
	  .merge = FM_GLOBAL_ONLY },
	{ .name = "allow_write",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, allow_write),
	  .merge = FM_LOOSEN,
	  .validate = validate_write_root,
	  .extend_name = "allow_write" },
	{ .name = "pass_env",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, pass_env),
	  .merge = FM_LOOSEN,
	  .validate = validate_env_pattern,
	  .extend_name = "pass_env" },
	{ .name = "deny_env",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, deny_env),
	  .merge = FM_UNION,
	  .validate = validate_env_pattern },
	{ .name = "resource_limits", .kind = FK_MAP, .merge = FM_NONE, .children = limit_fields },
	{ .name = "mask_stdout", .kind = FK_MAP, .merge = FM_NONE, .children = mask_fields },
	{ .name = "audit", .kind = FK_MAP, .merge = FM_NONE, .children = audit_fields },
	{ .name = "project_may_extend",
	  .kind = FK_LIST,
	  .offset = offsetof(struct policy, project_may_extend),
	  .merge = FM_GLOBAL_ONLY,
	  .validate = validate_extend },
	{ 0 },
};

const struct policy_field *policy_field_lookup(const char *dotted)
{
	const struct policy_field *table = policy_fields;
	const char *dot = strchr(dotted, '.');
	size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);

	for (const struct policy_field *f = table; f->name; f++) {
		if (strlen(f->name) != n || strncmp(f->name, dotted, n) != 0)
			continue;
		if (!dot)
			return f;
		if (f->kind != FK_MAP)
			return NULL;
		for (const struct policy_field *c = f->children; c->name; c++)
			if (strcmp(c->name, dot + 1) == 0)
				return c;
		return NULL;
	}
	return NULL;
}

bool policy_field_known(const char *dotted)
{
	return policy_field_lookup(dotted) != NULL;
}

struct policy_list *policy_list_by_name(struct policy *p, const char *name)
{
	const struct policy_field *f = policy_field_lookup(name);
	if (!f || f->kind != FK_LIST)
		return NULL;
	return (struct policy_list *)((char *)p + f->offset);
}

int policy_validate_value(const char *field, const char *value, char *reason, size_t reasonsz)
{
	const struct policy_field *f = policy_field_lookup(field);
	if (!f || !f->validate)
		return policy_reasonf(reason, reasonsz, "unknown field '%s'", field);
	if (strlen(value) > POLICY_MAX_STRING)
		return policy_reasonf(reason, reasonsz, "value longer than %d bytes",
				      POLICY_MAX_STRING);
	return f->validate(value, reason, reasonsz);
}

int policy_parse_uint(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!is_digit(*s))
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

/* "4G", "512M", "1024K", "1T", "4GiB", "4GB", plain bytes. Units are powers of 1024. */
int policy_parse_size(const char *s, uint64_t *ret)
{
	char num[32];
	size_t n = 0;
	uint64_t v, mult = 1;

	while (is_digit(s[n]))
		n++;
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (policy_parse_uint(num, &v) < 0)
		return -ERANGE;
	const char *unit = s + n;
	switch (*unit) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = UINT64_C(1) << 10;
		break;
	case 'm':
	case 'M':
		mult = UINT64_C(1) << 20;
		break;
	case 'g':
	case 'G':
		mult = UINT64_C(1) << 30;
		break;
	case 't':
	case 'T':
		mult = UINT64_C(1) << 40;
		break;
	default:
		return -EINVAL;
	}
	if (*unit && unit[1] && strcmp(unit + 1, "B") != 0 && strcmp(unit + 1, "iB") != 0)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}
