/* SPDX-License-Identifier: MIT */
/*
 * policy_internal.h — the field table shared by the loader, the merge and
 * the metadata helpers inside policy/. Not installed, not used outside.
 */
#ifndef AIGATE_POLICY_INTERNAL_H
#define AIGATE_POLICY_INTERNAL_H

#include <stdarg.h>

#include "policy/policy.h"

enum field_kind {
	FK_STRING,	  /* struct policy_string */
	FK_LIST,	  /* struct policy_list of strings, each checked by validate() */
	FK_SIZE,	  /* struct policy_number, "4G" style */
	FK_UINT,	  /* struct policy_number, within [min, max] */
	FK_MAP,		  /* a nested mapping described by children */
	FK_MASK_PATTERNS, /* struct policy_mask_patterns */
	FK_BOOL,	  /* struct policy_bool */
};

/* How the project file combines with the global one (policy_merge_project()). */
enum field_merge {
	FM_UNION,	/* tightening: project entries are added */
	FM_LOOSEN,	/* loosening: project entries need project_may_extend */
	FM_NET,		/* allow_net: restricting is free, adding domains needs opt-in */
	FM_MIN,		/* limits: a project may lower, never raise */
	FM_ENABLE,	/* booleans where true is tighter: a project may turn on, not off */
	FM_GLOBAL_ONLY, /* the project may not set it at all */
	FM_NONE,	/* mappings: merged through their children */
};

/* Validates one scalar; returns 0 or -EINVAL and writes a reason. */
typedef int (*field_validate_fn)(const char *value, char *reason, size_t reasonsz);

struct policy_field {
	const char *name;
	enum field_kind kind;
	size_t offset; /* into struct policy; unused for FK_MAP */
	enum field_merge merge;
	field_validate_fn validate;
	uint64_t min, max; /* FK_UINT and FK_SIZE bounds */
	bool default_true; /* FK_BOOL: the value when no file sets it (the merge compares with it) */
	const struct policy_field *children;
	const char *extend_name; /* name used in project_may_extend, NULL if not extendable */
};

/* The top-level table, terminated by a NULL name. */
extern const struct policy_field policy_fields[];

/* Formatting helper for reasons. */
int policy_reasonf(char *buf, size_t bufsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "4G" -> bytes. Returns 0 or -EINVAL / -ERANGE. */
int policy_parse_size(const char *s, uint64_t *ret);
/* Decimal unsigned. Returns 0 or -EINVAL / -ERANGE. */
int policy_parse_uint(const char *s, uint64_t *ret);

/*
 * One allow_net rule, taken apart (netmatch.c). @host points into the rule
 * text and is not NUL-terminated at host_len.
 */
struct policy_net_rule {
	const char *host; /* without a leading "*." and a trailing ":port" */
	size_t host_len;
	uint16_t port; /* 0: none written, the rule admits 80 and 443 */
	bool wildcard; /* "*.host": names strictly below host */
	bool ipv4;     /* host is a dotted-quad IPv4 literal */
};

/*
 * policy_net_rule_parse() - check allow_net rule @text and take it apart.
 * Returns 0, or -EINVAL with a static reason in *@ret_why and, when the
 * problem is one unexpected byte, its address in *@ret_bad (else NULL).
 * Pure and allocation-free: the blob reader calls it in the shim too.
 */
int policy_net_rule_parse(const char *text, struct policy_net_rule *ret, const char **ret_why,
			  const char **ret_bad);

/* Find a field by dotted name. */
const struct policy_field *policy_field_lookup(const char *dotted);

#endif
