/* SPDX-License-Identifier: MIT */
/*
 * load.c — YAML (libyaml document API) to struct policy, driven by the field
 * table in fields.c. Strict: unknown keys, duplicate keys, wrong types and
 * invalid values are errors with file:line:col, never silently dropped (a
 * typo such as "deny_raed" must not leave secrets readable).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy/mask.h"
#include "policy/policy_internal.h"
#include "policy/util.h"

struct loader {
	yaml_document_t *doc;
	struct policy *p;
	uint32_t file;
	const char *display;
	struct policy_diag *diag;
	uint8_t *visited; /* one byte per node: aliases would revisit */
	size_t nnodes;
	size_t walked;
};

static int fail_at(struct loader *ld, const yaml_node_t *node, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at(struct loader *ld, const yaml_node_t *node, int err, const char *fmt, ...)
{
	va_list ap;
	snprintf(ld->diag->file, sizeof(ld->diag->file), "%s", ld->display);
	ld->diag->line = node ? (uint32_t)node->start_mark.line + 1 : 0;
	ld->diag->col = node ? (uint32_t)node->start_mark.column + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(ld->diag->msg, sizeof(ld->diag->msg), fmt, ap);
	va_end(ap);
	return err;
}

static struct policy_origin origin_of(const struct loader *ld, const yaml_node_t *node)
{
	return (struct policy_origin){ .file = ld->file,
				       .line = (uint32_t)node->start_mark.line + 1,
				       .col = (uint32_t)node->start_mark.column + 1 };
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_NO_NODE:
	default:
		return "nothing";
	}
}

/*
 * Every node is visited at most once. libyaml resolves an alias to the same
 * node, so a revisit means an alias: refusing them stops "billion laughs"
 * expansion and keeps each value's origin unambiguous.
 */
static yaml_node_t *enter(struct loader *ld, int idx, const yaml_node_t *parent, int *ret_err)
{
	yaml_node_t *n = yaml_document_get_node(ld->doc, idx);
	if (!n) {
		*ret_err = fail_at(ld, parent, -EINVAL, "invalid YAML node");
		return NULL;
	}
	if (ld->visited[idx - 1]) {
		*ret_err = fail_at(ld, n, -EINVAL,
				   "YAML aliases (*name) are not supported in a policy");
		return NULL;
	}
	if (++ld->walked > POLICY_MAX_NODES) {
		*ret_err = fail_at(ld, n, -E2BIG, "policy has more than %d YAML nodes",
				   POLICY_MAX_NODES);
		return NULL;
	}
	ld->visited[idx - 1] = 1;
	return n;
}

static bool scalar_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* A scalar as a C string: rejects embedded NULs ("\0" escapes) and over-long values. */
static int scalar_string(struct loader *ld, const yaml_node_t *n, const char *what,
			 const char **ret)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(ld, n, -EINVAL, "%s must be a string, not %s", what, node_kind(n));
	const char *v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return fail_at(ld, n, -EINVAL, "%s contains a NUL byte", what);
	if (n->data.scalar.length > POLICY_MAX_STRING)
		return fail_at(ld, n, -E2BIG, "%s is longer than %d bytes", what,
			       POLICY_MAX_STRING);
	*ret = v;
	return 0;
}

static int parse_bool(struct loader *ld, const yaml_node_t *n, const char *what, bool *ret)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes",
					   "YES",  "on",   "On",   "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No",
					  "NO",	   "off",   "Off",   "OFF" };
	const char *v;
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(ld, n, -EINVAL, "%s must be true or false, not %s", what,
			       node_kind(n));
	int r = scalar_string(ld, n, what, &v);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	if (!*v)
		return fail_at(ld, n, -EINVAL, "%s must be true or false, not nothing", what);
	return fail_at(ld, n, -EINVAL, "%s must be true or false, not '%s'", what, v);
}

/*
 * A list value: returns 1 for a YAML null ("key:" alone: an empty list, the
 * restrictive reading), 0 for a sequence, or the error.
 */
static int expect_list(struct loader *ld, const yaml_node_t *n, const char *name)
{
	if (n->type == YAML_SCALAR_NODE && scalar_is_null(n))
		return 1;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, -EINVAL, "%s must be a list, not %s", name, node_kind(n));
	return 0;
}

static int load_list(struct loader *ld, const struct policy_field *f, const yaml_node_t *n,
		     struct policy_list *l)
{
	char reason[512];
	int r = 0;

	l->present = true;
	l->origin = origin_of(ld, n);
	if ((r = expect_list(ld, n, f->name)) != 0)
		return r < 0 ? r : 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const char *v;
		yaml_node_t *item = enter(ld, *it, n, &r);
		if (!item)
			return r;
		r = scalar_string(ld, item, f->name, &v);
		if (r < 0)
			return r;
		if (f->validate && f->validate(v, reason, sizeof(reason)) < 0)
			return fail_at(ld, item, -EINVAL, "%s", reason);
		if (policy_list_find(l, v) >= 0)
			continue; /* duplicates are harmless; keep the first origin */
		r = policy_list_add(l, v, origin_of(ld, item));
		if (r == -E2BIG)
			return fail_at(ld, item, r, "%s has more than %d entries", f->name,
				       POLICY_MAX_RULES);
		if (r < 0)
			return fail_at(ld, item, r, "out of memory");
	}
	return 0;
}

static int load_number(struct loader *ld, const struct policy_field *f, const yaml_node_t *n,
		       struct policy_number *num)
{
	const char *v;
	uint64_t value;
	int r = scalar_string(ld, n, f->name, &v);
	if (r < 0)
		return r;
	r = f->kind == FK_SIZE ? policy_parse_size(v, &value) : policy_parse_uint(v, &value);
	if (r < 0)
		return fail_at(ld, n, -EINVAL,
			       f->kind == FK_SIZE ? "%s must be a size such as 512M or 4G, not '%s'"
						  : "%s must be a whole number, not '%s'",
			       f->name, v);
	if (value < f->min || value > f->max)
		return fail_at(ld, n, -ERANGE, "%s must be between %llu and %llu, not '%s'",
			       f->name, (unsigned long long)f->min, (unsigned long long)f->max, v);
	num->value = value;
	num->present = true;
	num->origin = origin_of(ld, n);
	return 0;
}

static int load_string(struct loader *ld, const struct policy_field *f, const yaml_node_t *n,
		       struct policy_string *s)
{
	char reason[512];
	const char *v;
	int r = scalar_string(ld, n, f->name, &v);
	if (r < 0)
		return r;
	if (f->validate && f->validate(v, reason, sizeof(reason)) < 0)
		return fail_at(ld, n, -EINVAL, "%s", reason);
	free(s->value);
	s->value = strdup(v);
	if (!s->value)
		return fail_at(ld, n, -ENOMEM, "out of memory");
	s->present = true;
	s->origin = origin_of(ld, n);
	return 0;
}

static int load_bool(struct loader *ld, const struct policy_field *f, const yaml_node_t *n,
		     struct policy_bool *b)
{
	int r = parse_bool(ld, n, f->name, &b->value);
	if (r < 0)
		return r;
	b->present = true;
	b->origin = origin_of(ld, n);
	return 0;
}

static int load_mask_pattern(struct loader *ld, const yaml_node_t *n,
			     struct policy_mask_pattern *mp)
{
	static const char *const keys[] = { "name", "regex", "show_prefix", "case_insensitive" };
	const yaml_node_t *regex_node = NULL;
	int r = 0;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, -EINVAL,
			       "a mask pattern must be a mapping with 'regex', not %s",
			       node_kind(n));
	mp->origin = origin_of(ld, n);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *key;
		yaml_node_t *k = enter(ld, pr->key, n, &r), *v;
		if (!k)
			return r;
		if ((r = scalar_string(ld, k, "key", &key)) < 0)
			return r;
		if (!(v = enter(ld, pr->value, k, &r)))
			return r;
		size_t which = ARRAY_SIZE(keys);
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (strcmp(key, keys[i]) == 0)
				which = i;
		switch (which) {
		case 0:
		case 1: {
			const char *s;
			char **dst = which == 0 ? &mp->name : &mp->regex;
			if (*dst)
				return fail_at(ld, k, -EINVAL, "duplicate key '%s'", key);
			if ((r = scalar_string(ld, v, key, &s)) < 0)
				return r;
			if (!(*dst = strdup(s)))
				return fail_at(ld, v, -ENOMEM, "out of memory");
			if (which == 1)
				regex_node = v;
			break;
		}
		case 2: {
			const char *s;
			uint64_t val;
			if ((r = scalar_string(ld, v, key, &s)) < 0)
				return r;
			if (policy_parse_uint(s, &val) < 0 || val > POLICY_MAX_SHOW_PREFIX)
				return fail_at(
					ld, v, -EINVAL,
					"show_prefix must be a number from 0 to %d, not '%s'",
					POLICY_MAX_SHOW_PREFIX, s);
			mp->show_prefix = (uint32_t)val;
			break;
		}
		case 3:
			if ((r = parse_bool(ld, v, key, &mp->case_insensitive)) < 0)
				return r;
			break;
		default:
			return fail_at(ld, k, -EINVAL,
				       "unknown key '%s' in a mask pattern (known: name, regex, "
				       "show_prefix, case_insensitive)",
				       key);
		}
	}
	if (!mp->regex)
		return fail_at(ld, n, -EINVAL, "mask pattern has no 'regex'");
	pcre2_code *code = NULL;
	size_t off = 0;
	char msg[256];
	r = mask_compile(mp->regex, mp->case_insensitive, &code, &off, msg, sizeof(msg));
	if (r < 0) {
		/* Point at the offending byte when the regex sits on one line. */
		yaml_node_t at = *regex_node;
		if (regex_node->start_mark.line == regex_node->end_mark.line &&
		    regex_node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			at.start_mark.column += off;
		return fail_at(ld, &at, r, "invalid regex '%s' at offset %zu: %s", mp->regex, off,
			       msg);
	}
	pcre2_code_free(code);
	return 0;
}

static int load_mask_patterns(struct loader *ld, const yaml_node_t *n,
			      struct policy_mask_patterns *mps)
{
	int r = 0;
	mps->present = true;
	mps->origin = origin_of(ld, n);
	if ((r = expect_list(ld, n, "patterns")) != 0)
		return r < 0 ? r : 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = enter(ld, *it, n, &r);
		if (!item)
			return r;
		if (mps->n >= POLICY_MAX_MASK_PATTERNS)
			return fail_at(ld, item, -E2BIG, "more than %d mask patterns",
				       POLICY_MAX_MASK_PATTERNS);
		if (mps->n == mps->cap) {
			uint32_t cap = mps->cap ? mps->cap * 2 : 4;
			void *items = reallocarray(mps->items, cap, sizeof(*mps->items));
			if (!items)
				return fail_at(ld, item, -ENOMEM, "out of memory");
			mps->items = items;
			mps->cap = cap;
		}
		struct policy_mask_pattern *mp = &mps->items[mps->n++];
		memset(mp, 0, sizeof(*mp));
		if ((r = load_mask_pattern(ld, item, mp)) < 0)
			return r;
	}
	return 0;
}

/* Edit distance, for "did you mean" on unknown keys. Keys are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];
	if (la >= 64 || lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

static int unknown_key(struct loader *ld, const yaml_node_t *k, const char *key,
		       const struct policy_field *table, const char *where)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (const struct policy_field *f = table; f->name; f++) {
		size_t d = edit_distance(key, f->name);
		if (d < best_d) {
			best_d = d;
			best = f->name;
		}
	}
	if (best)
		return fail_at(ld, k, -EINVAL, "unknown key '%s'%s (did you mean '%s'?)", key,
			       where, best);
	return fail_at(ld, k, -EINVAL, "unknown key '%s'%s", key, where);
}

static int load_mapping(struct loader *ld, const yaml_node_t *n, const struct policy_field *table,
			const char *where)
{
	int r = 0;

	if (n->type == YAML_SCALAR_NODE && scalar_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, -EINVAL, "expected a mapping%s, not %s", where, node_kind(n));

	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *key;
		yaml_node_t *k = enter(ld, pr->key, n, &r), *v;
		if (!k)
			return r;
		if ((r = scalar_string(ld, k, "a key", &key)) < 0)
			return r;
		/* Duplicate keys: YAML says undefined, libyaml keeps both; we refuse. */
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < pr; q++) {
			yaml_node_t *qk = yaml_document_get_node(ld->doc, q->key);
			if (qk && qk->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)qk->data.scalar.value, key) == 0)
				return fail_at(ld, k, -EINVAL,
					       "duplicate key '%s' (first at line %zu)", key,
					       qk->start_mark.line + 1);
		}
		const struct policy_field *f = NULL;
		for (const struct policy_field *c = table; c->name; c++)
			if (strcmp(c->name, key) == 0)
				f = c;
		if (!f)
			return unknown_key(ld, k, key, table, where);
		if (!(v = enter(ld, pr->value, k, &r)))
			return r;
		void *at = (char *)ld->p + f->offset;
		switch (f->kind) {
		case FK_STRING:
			r = load_string(ld, f, v, at);
			break;
		case FK_LIST:
			r = load_list(ld, f, v, at);
			break;
		case FK_SIZE:
		case FK_UINT:
			r = load_number(ld, f, v, at);
			break;
		case FK_MAP: {
			char sub[128];
			snprintf(sub, sizeof(sub), " in %s", f->name);
			r = load_mapping(ld, v, f->children, sub);
			break;
		}
		case FK_MASK_PATTERNS:
			r = load_mask_patterns(ld, v, at);
			break;
		case FK_BOOL:
			r = load_bool(ld, f, v, at);
			break;
		default:
			r = fail_at(ld, v, -EINVAL, "internal: unhandled field kind");
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_error(struct loader *ld, const yaml_parser_t *parser, const char *buf, size_t len)
{
	snprintf(ld->diag->file, sizeof(ld->diag->file), "%s", ld->display);
	ld->diag->line = (uint32_t)parser->problem_mark.line + 1;
	ld->diag->col = (uint32_t)parser->problem_mark.column + 1;
	if (parser->error == YAML_READER_ERROR) {
		/* Reader errors (bad UTF-8, control bytes) carry a byte offset, not a mark. */
		uint32_t line = 1, col = 1;
		for (size_t i = 0; i < parser->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		ld->diag->line = line;
		ld->diag->col = col;
	}
	if (parser->context)
		snprintf(ld->diag->msg, sizeof(ld->diag->msg), "malformed YAML: %s %s",
			 parser->problem ? parser->problem : "error", parser->context);
	else
		snprintf(ld->diag->msg, sizeof(ld->diag->msg), "malformed YAML: %s",
			 parser->problem ? parser->problem : "error");
	return -EINVAL;
}

static int add_file(struct policy *p, const char *display, uint32_t *ret)
{
	if (p->nfiles >= POLICY_MAX_FILES)
		return -E2BIG;
	if (!(p->files[p->nfiles] = strdup(display)))
		return -ENOMEM;
	*ret = p->nfiles++;
	return 0;
}

int policy_load_buffer(struct policy *p, const char *buf, size_t len, const char *display_name,
		       struct policy_diag *ret_diag)
{
	struct loader ld = { .p = p, .display = display_name, .diag = ret_diag };
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	int r;

	memset(ret_diag, 0, sizeof(*ret_diag));
	if (len > POLICY_MAX_FILE_SIZE) {
		snprintf(ret_diag->file, sizeof(ret_diag->file), "%s", display_name);
		snprintf(ret_diag->msg, sizeof(ret_diag->msg),
			 "policy file is larger than %u bytes", POLICY_MAX_FILE_SIZE);
		return -EFBIG;
	}
	if ((r = add_file(p, display_name, &ld.file)) < 0) {
		snprintf(ret_diag->file, sizeof(ret_diag->file), "%s", display_name);
		snprintf(ret_diag->msg, sizeof(ret_diag->msg), "too many policy files");
		return r;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = parse_error(&ld, &parser, buf, len);
		yaml_parser_delete(&parser);
		return r;
	}
	/* One document per file: a second one would be silently ignored otherwise. */
	if (!yaml_parser_load(&parser, &extra)) {
		r = parse_error(&ld, &parser, buf, len);
		goto out_doc;
	}
	yaml_node_t *second = yaml_document_get_root_node(&extra);
	if (second) {
		r = fail_at(&ld, second, -EINVAL, "more than one YAML document in a policy file");
		yaml_document_delete(&extra);
		goto out_doc;
	}
	yaml_document_delete(&extra);

	ld.doc = &doc;
	ld.nnodes = (size_t)(doc.nodes.top - doc.nodes.start);
	ld.visited = calloc(ld.nnodes ? ld.nnodes : 1, 1);
	if (!ld.visited) {
		r = -ENOMEM;
		goto out_doc;
	}
	r = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root) { /* an empty file is an empty policy */
		ld.visited[0] = 1;
		if (root->type != YAML_MAPPING_NODE &&
		    !(root->type == YAML_SCALAR_NODE && scalar_is_null(root)))
			r = fail_at(&ld, root, -EINVAL,
				    "a policy must be a mapping of keys such as deny_read, not %s",
				    node_kind(root));
		else
			r = load_mapping(&ld, root, policy_fields, "");
	}
	free(ld.visited);
out_doc:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}
