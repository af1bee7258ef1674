/* SPDX-License-Identifier: MIT */
/* blob.c — compile struct policy to the immutable blob; validate and query blobs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/blob.h"
#include "policy/policy_internal.h"
#include "policy/util.h"

/* Model lists in blob order. */
static const struct policy_list *model_list(const struct policy *p, enum policy_blob_list l)
{
	switch (l) {
	case POLICY_BLOB_DENY_READ:
		return &p->deny_read;
	case POLICY_BLOB_DENY_EXEC:
		return &p->deny_exec;
	case POLICY_BLOB_ALLOW_NET:
		return &p->allow_net;
	case POLICY_BLOB_ALLOW_WRITE:
		return &p->allow_write;
	case POLICY_BLOB_PASS_ENV:
		return &p->pass_env;
	case POLICY_BLOB_DENY_ENV:
		return &p->deny_env;
	case POLICY_BLOB_MASK_PRESETS:
		return &p->mask_presets;
	case POLICY_BLOB_NLISTS:
	default:
		return NULL;
	}
}

static bool is_path_list(enum policy_blob_list l)
{
	return l == POLICY_BLOB_DENY_READ || l == POLICY_BLOB_ALLOW_WRITE;
}

struct builder {
	uint8_t *buf;
	size_t size;   /* final size */
	size_t str_at; /* next free byte in the strings section */
	int err;
};

static uint32_t add_str(struct builder *bd, const char *s, size_t len)
{
	if (bd->err)
		return 0;
	if (bd->str_at + len + 1 > bd->size) {
		bd->err = -E2BIG;
		return 0;
	}
	uint32_t off = (uint32_t)bd->str_at;
	memcpy(bd->buf + bd->str_at, s, len);
	bd->buf[bd->str_at + len] = '\0';
	bd->str_at += len + 1;
	return off;
}

static uint32_t add_cstr(struct builder *bd, const char *s)
{
	return add_str(bd, s, strlen(s));
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int policy_compile(const struct policy *p, const char *home, const char *root, void **ret_data,
		   size_t *ret_size)
{
	char nhome[PATHMATCH_PATH_MAX], nroot[PATHMATCH_PATH_MAX];
	size_t strings = 1, nwords_total = 0;
	struct builder bd = { 0 };
	struct policy_blob_header *h;

	if (pathmatch_normalize(home, nhome, sizeof(nhome)) < 0 ||
	    pathmatch_normalize(root, nroot, sizeof(nroot)) < 0)
		return -EINVAL;

	/* Pass 1: sizes. Strings are bounded by the model, so this cannot overflow 32 bits
	 * without tripping POLICY_BLOB_MAX first. */
	strings += strlen(nhome) + 1 + strlen(nroot) + 1;
	for (uint32_t i = 0; i < p->nfiles; i++)
		strings += strlen(p->files[i]) + 1;
	size_t nrules = 0;
	for (int l = 0; l < POLICY_BLOB_NLISTS; l++) {
		const struct policy_list *ml = model_list(p, l);
		nrules += ml->n;
		for (uint32_t i = 0; i < ml->n; i++)
			strings += 2 * (strlen(ml->items[i].value) + 1);
	}
	nwords_total = (size_t)p->deny_exec.n * ARGVMATCH_MAX_WORDS;
	for (uint32_t i = 0; i < p->mask_patterns.n; i++) {
		const struct policy_mask_pattern *mp = &p->mask_patterns.items[i];
		strings += strlen(mp->regex) + 1 + (mp->name ? strlen(mp->name) + 1 : 0);
	}
	size_t rules_at = align8(sizeof(*h));
	size_t words_at = align8(rules_at + nrules * sizeof(struct policy_blob_rule));
	size_t masks_at = align8(words_at + nwords_total * sizeof(uint32_t));
	size_t files_at = align8(masks_at + p->mask_patterns.n * sizeof(struct policy_blob_mask));
	size_t strings_at = align8(files_at + p->nfiles * sizeof(uint32_t));
	bd.size = align8(strings_at + strings);
	if (bd.size > POLICY_BLOB_MAX)
		return -E2BIG;
	bd.buf = calloc(1, bd.size);
	if (!bd.buf)
		return -ENOMEM;
	bd.str_at = strings_at + 1; /* offset strings_at holds "" */

	h = (struct policy_blob_header *)bd.buf;
	memcpy(h->magic, POLICY_BLOB_MAGIC, sizeof(h->magic));
	h->version = POLICY_BLOB_VERSION;
	h->size = (uint32_t)bd.size;
	h->flags = p->allow_net.present ? POLICY_BLOB_F_ALLOW_NET_SET : 0;
	if (p->allow_private_addresses.present && p->allow_private_addresses.value)
		h->flags |= POLICY_BLOB_F_ALLOW_PRIVATE;
	/* Unset means on: only an explicit false in the (global) policy turns it off. */
	if (p->mask_values_from_denied_files.present && !p->mask_values_from_denied_files.value)
		h->flags |= POLICY_BLOB_F_MASK_NO_DENIED_VALUES;
	h->mask_delay_ms = p->mask_delay_ms.present ? (uint32_t)p->mask_delay_ms.value
						    : POLICY_MASK_DELAY_MS_DEFAULT;
	h->home_off = add_cstr(&bd, nhome);
	h->root_off = add_cstr(&bd, nroot);
	h->max_memory = p->max_memory.present ? p->max_memory.value : 0;
	h->max_cpu_percent = p->max_cpu_percent.present ? (uint32_t)p->max_cpu_percent.value : 0;
	h->max_pids = p->max_pids.present ? (uint32_t)p->max_pids.value : 0;
	h->strings_off = (uint32_t)strings_at;
	h->strings_size = (uint32_t)(bd.size - strings_at);
	h->nfiles = p->nfiles;
	h->files_off = (uint32_t)files_at;
	for (uint32_t i = 0; i < p->nfiles; i++) {
		uint32_t off = add_cstr(&bd, p->files[i]);
		memcpy(bd.buf + files_at + i * sizeof(uint32_t), &off, sizeof(off));
	}

	/* Pass 2: rules. */
	struct policy_blob_rule *rules = (struct policy_blob_rule *)(bd.buf + rules_at);
	uint32_t *words = (uint32_t *)(bd.buf + words_at);
	size_t ri = 0, wi = 0;
	for (int l = 0; l < POLICY_BLOB_NLISTS; l++) {
		const struct policy_list *ml = model_list(p, l);
		h->lists[l].off = (uint32_t)(rules_at + ri * sizeof(*rules));
		h->lists[l].count = ml->n;
		for (uint32_t i = 0; i < ml->n; i++, ri++) {
			const struct policy_item *it = &ml->items[i];
			struct policy_blob_rule *r = &rules[ri];
			r->text_off = add_cstr(&bd, it->value);
			r->file = it->origin.file;
			r->line = it->origin.line;
			r->col = it->origin.col;
			if (is_path_list(l)) {
				struct pathmatch_rule pr;
				const char *why;
				if (pathmatch_classify(it->value, &pr, &why) < 0) {
					bd.err = -EINVAL;
					break;
				}
				r->glob_off = add_str(&bd, pr.glob, pr.glob_len);
				r->glob_len = pr.glob_len;
				r->anchor = pr.anchor;
				r->dir_only = pr.dir_only;
				r->literal = pr.literal;
			} else if (l == POLICY_BLOB_DENY_EXEC) {
				char wbuf[ARGVMATCH_RULE_MAX + ARGVMATCH_MAX_WORDS + 1];
				struct argvmatch_rule ar;
				const char *why;
				if (argvmatch_parse_rule(it->value, wbuf, sizeof(wbuf), &ar, &why) <
				    0) {
					bd.err = -EINVAL;
					break;
				}
				r->glob_off = (uint32_t)(words_at + wi * sizeof(uint32_t));
				r->glob_len = (uint32_t)ar.nwords;
				for (size_t w = 0; w < ar.nwords; w++)
					words[wi++] = add_cstr(&bd, ar.words[w]);
			}
		}
	}
	h->masks.off = (uint32_t)masks_at;
	h->masks.count = p->mask_patterns.n;
	struct policy_blob_mask *masks = (struct policy_blob_mask *)(bd.buf + masks_at);
	for (uint32_t i = 0; i < p->mask_patterns.n; i++) {
		const struct policy_mask_pattern *mp = &p->mask_patterns.items[i];
		masks[i].name_off = mp->name ? add_cstr(&bd, mp->name) : 0;
		masks[i].regex_off = add_cstr(&bd, mp->regex);
		masks[i].show_prefix = mp->show_prefix;
		masks[i].case_insensitive = mp->case_insensitive;
		masks[i].file = mp->origin.file;
		masks[i].line = mp->origin.line;
		masks[i].col = mp->origin.col;
	}
	if (bd.err) {
		free(bd.buf);
		return bd.err;
	}
	*ret_data = bd.buf;
	*ret_size = bd.size;
	return 0;
}

/* ---- Reading ---- */

static bool range_ok(const struct policy_blob *b, uint64_t off, uint64_t len)
{
	return off <= b->size && len <= b->size - off;
}

static bool str_ok(const struct policy_blob *b, uint32_t off)
{
	const struct policy_blob_header *h = b->hdr;
	if (off == 0)
		return true;
	if (off < h->strings_off || off >= (uint64_t)h->strings_off + h->strings_size)
		return false;
	/* Must be NUL-terminated inside the strings section. */
	return memchr(b->base + off, '\0', (size_t)h->strings_off + h->strings_size - off) != NULL;
}

const char *policy_blob_str(const struct policy_blob *b, uint32_t off)
{
	return off ? (const char *)b->base + off : "";
}

int policy_blob_open(const void *data, size_t size, struct policy_blob *ret)
{
	struct policy_blob b = { .base = data, .size = size, .hdr = data };
	const struct policy_blob_header *h = data;

	if (size < sizeof(*h) || size > POLICY_BLOB_MAX || ((uintptr_t)data & 7))
		return -EBADMSG;
	if (memcmp(h->magic, POLICY_BLOB_MAGIC, sizeof(h->magic)) != 0 ||
	    h->version != POLICY_BLOB_VERSION || h->size != size)
		return -EBADMSG;
	if (!range_ok(&b, h->strings_off, h->strings_size) || h->strings_size == 0 ||
	    b.base[(size_t)h->strings_off + h->strings_size - 1] != '\0')
		return -EBADMSG;
	if (!str_ok(&b, h->home_off) || !str_ok(&b, h->root_off) ||
	    !range_ok(&b, h->files_off, (uint64_t)h->nfiles * sizeof(uint32_t)) ||
	    (h->files_off & 3) || h->nfiles > POLICY_MAX_FILES)
		return -EBADMSG;
	for (uint32_t i = 0; i < h->nfiles; i++) {
		uint32_t off;
		memcpy(&off, b.base + h->files_off + i * sizeof(uint32_t), sizeof(off));
		if (!str_ok(&b, off))
			return -EBADMSG;
	}
	for (int l = 0; l < POLICY_BLOB_NLISTS; l++) {
		const struct policy_blob_section *s = &h->lists[l];
		if (!range_ok(&b, s->off, (uint64_t)s->count * sizeof(struct policy_blob_rule)) ||
		    (s->off & 3) || s->count > POLICY_MAX_RULES)
			return -EBADMSG;
		const struct policy_blob_rule *rules = (const void *)(b.base + s->off);
		for (uint32_t i = 0; i < s->count; i++) {
			const struct policy_blob_rule *r = &rules[i];
			if (!str_ok(&b, r->text_off) || (r->file >= h->nfiles && h->nfiles))
				return -EBADMSG;
			if (is_path_list(l)) {
				if (!str_ok(&b, r->glob_off) || r->anchor > PATHMATCH_BASENAME ||
				    strlen(policy_blob_str(&b, r->glob_off)) != r->glob_len)
					return -EBADMSG;
			} else if (l == POLICY_BLOB_DENY_EXEC) {
				if (r->glob_len == 0 || r->glob_len > ARGVMATCH_MAX_WORDS ||
				    (r->glob_off & 3) ||
				    !range_ok(&b, r->glob_off,
					      (uint64_t)r->glob_len * sizeof(uint32_t)))
					return -EBADMSG;
				for (uint32_t w = 0; w < r->glob_len; w++) {
					uint32_t off;
					memcpy(&off, b.base + r->glob_off + w * sizeof(uint32_t),
					       sizeof(off));
					if (!off || !str_ok(&b, off))
						return -EBADMSG;
				}
			}
		}
	}
	if (!range_ok(&b, h->masks.off,
		      (uint64_t)h->masks.count * sizeof(struct policy_blob_mask)) ||
	    (h->masks.off & 3) || h->masks.count > POLICY_MAX_MASK_PATTERNS)
		return -EBADMSG;
	const struct policy_blob_mask *masks = (const void *)(b.base + h->masks.off);
	for (uint32_t i = 0; i < h->masks.count; i++)
		if (!str_ok(&b, masks[i].name_off) || !masks[i].regex_off ||
		    !str_ok(&b, masks[i].regex_off))
			return -EBADMSG;

	b.env.home = policy_blob_str(&b, h->home_off);
	b.env.root = policy_blob_str(&b, h->root_off);
	/*
	 * Well-formed, not only in bounds: a blob an enforcer trusts must mean
	 * what the compiler wrote. A flipped "literal" bit or an empty root
	 * would silently change what matches.
	 */
	char norm[PATHMATCH_PATH_MAX];
	for (int k = 0; k < 2; k++) {
		const char *p = k ? b.env.root : b.env.home;
		int n = pathmatch_normalize(p, norm, sizeof(norm));
		if (n < 0 || strcmp(norm, p) != 0)
			return -EBADMSG;
	}
	if (h->flags & ~(POLICY_BLOB_F_ALLOW_NET_SET | POLICY_BLOB_F_ALLOW_PRIVATE |
			 POLICY_BLOB_F_MASK_NO_DENIED_VALUES))
		return -EBADMSG;
	/* The relay's timer takes it as it is: a huge value would hold output back for days. */
	if (h->mask_delay_ms > POLICY_MASK_DELAY_MS_MAX)
		return -EBADMSG;
	for (int l = 0; l < POLICY_BLOB_NLISTS; l++) {
		for (uint32_t i = 0; i < h->lists[l].count; i++) {
			const struct policy_blob_rule *r =
				(const struct policy_blob_rule *)(b.base + h->lists[l].off) + i;
			if (r->dir_only > 1 || r->literal > 1 || r->reserved)
				return -EBADMSG;
			if (is_path_list(l)) {
				const char *g = policy_blob_str(&b, r->glob_off);
				size_t off;
				const char *why;
				bool meta = strpbrk(g, "*?[\\") != NULL;
				if (r->literal == meta ||
				    (r->glob_len &&
				     pathmatch_glob_validate(g, r->glob_len, &off, &why) < 0) ||
				    (r->anchor == PATHMATCH_BASENAME && strchr(g, '/')) ||
				    (!r->glob_len && r->anchor != PATHMATCH_HOME))
					return -EBADMSG;
			} else if (l == POLICY_BLOB_ALLOW_NET) {
				/* policy_blob_match_net() reads rules as the loader checked them. */
				struct policy_net_rule nr;
				const char *why, *bad;
				if (policy_net_rule_parse(policy_blob_str(&b, r->text_off), &nr,
							  &why, &bad) < 0)
					return -EBADMSG;
			} else if (l == POLICY_BLOB_DENY_EXEC) {
				for (uint32_t w = 0; w < r->glob_len; w++) {
					uint32_t off;
					memcpy(&off, b.base + r->glob_off + w * sizeof(uint32_t),
					       sizeof(off));
					size_t wl = strlen(policy_blob_str(&b, off));
					if (wl == 0 || wl > ARGVMATCH_WORD_MAX)
						return -EBADMSG;
				}
			}
		}
	}
	for (uint32_t i = 0; i < h->masks.count; i++)
		if (masks[i].show_prefix > POLICY_MAX_SHOW_PREFIX || masks[i].case_insensitive > 1)
			return -EBADMSG;
	b.env.home_len = strlen(b.env.home);
	b.env.root_len = strlen(b.env.root);
	*ret = b;
	return 0;
}

bool policy_blob_mask_denied_values(const struct policy_blob *b)
{
	return !(b->hdr->flags & POLICY_BLOB_F_MASK_NO_DENIED_VALUES);
}

uint32_t policy_blob_mask_delay_ms(const struct policy_blob *b)
{
	return b->hdr->mask_delay_ms;
}

uint32_t policy_blob_count(const struct policy_blob *b, enum policy_blob_list list)
{
	return list < POLICY_BLOB_NLISTS ? b->hdr->lists[list].count : 0;
}

const struct policy_blob_rule *policy_blob_rule(const struct policy_blob *b,
						enum policy_blob_list list, uint32_t i)
{
	if (list >= POLICY_BLOB_NLISTS || i >= b->hdr->lists[list].count)
		return NULL;
	return (const struct policy_blob_rule *)(b->base + b->hdr->lists[list].off) + i;
}

struct pathmatch_rule policy_blob_path_rule(const struct policy_blob *b,
					    const struct policy_blob_rule *r)
{
	return (struct pathmatch_rule){ .glob = policy_blob_str(b, r->glob_off),
					.glob_len = r->glob_len,
					.anchor = r->anchor,
					.dir_only = r->dir_only,
					.literal = r->literal };
}

size_t policy_blob_exec_words(const struct policy_blob *b, const struct policy_blob_rule *r,
			      const char *words[ARGVMATCH_MAX_WORDS])
{
	size_t n = r->glob_len;
	for (size_t w = 0; w < n; w++) {
		uint32_t off;
		memcpy(&off, b->base + r->glob_off + w * sizeof(uint32_t), sizeof(off));
		words[w] = policy_blob_str(b, off);
	}
	return n;
}

int policy_blob_match_path(const struct policy_blob *b, enum policy_blob_list list,
			   const char *path, bool is_dir)
{
	char norm[PATHMATCH_PATH_MAX];
	int len;

	if (!is_path_list(list))
		return -EINVAL;
	len = pathmatch_normalize(path, norm, sizeof(norm));
	if (len < 0)
		return len;
	for (uint32_t i = 0; i < b->hdr->lists[list].count; i++) {
		struct pathmatch_rule pr = policy_blob_path_rule(b, policy_blob_rule(b, list, i));
		if (pathmatch_rule_matches(&pr, &b->env, norm, (size_t)len, is_dir))
			return (int)i;
	}
	return -1;
}

int policy_blob_match_exec(const struct policy_blob *b, const char *const *argv, size_t argc,
			   struct argvmatch_scratch *scratch, struct argvmatch_invocation *ret_inv)
{
	return policy_blob_match_exec_env(b, argv, argc, NULL, scratch, ret_inv);
}

int policy_blob_match_exec_env(const struct policy_blob *b, const char *const *argv, size_t argc,
			       const char *const *envp, struct argvmatch_scratch *scratch,
			       struct argvmatch_invocation *ret_inv)
{
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	uint32_t nrules = b->hdr->lists[POLICY_BLOB_DENY_EXEC].count;
	size_t n;

	if (nrules == 0)
		return -1;
	scratch->used = 0;
	scratch->incomplete = false;
	n = argvmatch_extract_env(argv, argc, envp, scratch, inv, ARRAY_SIZE(inv));
	for (size_t k = 0; k < n; k++) {
		for (uint32_t i = 0; i < nrules; i++) {
			const char *words[ARGVMATCH_MAX_WORDS];
			size_t nw = policy_blob_exec_words(
				b, policy_blob_rule(b, POLICY_BLOB_DENY_EXEC, i), words);
			if (argvmatch_rule_matches(words, nw, &inv[k])) {
				if (ret_inv)
					*ret_inv = inv[k];
				return (int)i;
			}
		}
	}
	return -1;
}

void policy_blob_origin(const struct policy_blob *b, const struct policy_blob_rule *r, char *buf,
			size_t bufsz)
{
	const char *file = "?";
	if (r->file < b->hdr->nfiles) {
		uint32_t off;
		memcpy(&off, b->base + b->hdr->files_off + r->file * sizeof(uint32_t), sizeof(off));
		file = policy_blob_str(b, off);
	}
	if (r->line)
		snprintf(buf, bufsz, "%s:%u", file, r->line);
	else
		snprintf(buf, bufsz, "%s", file);
}

void policy_blob_allow_net_origin(const struct policy_blob *b, char *buf, size_t bufsz)
{
	const uint32_t *files = (const uint32_t *)(b->base + b->hdr->files_off);
	snprintf(buf, bufsz, "built-in");
	if (policy_blob_count(b, POLICY_BLOB_ALLOW_NET))
		policy_blob_origin(b, policy_blob_rule(b, POLICY_BLOB_ALLOW_NET, 0), buf, bufsz);
	else if (b->hdr->nfiles)
		snprintf(buf, bufsz, "%s", policy_blob_str(b, files[0]));
}
