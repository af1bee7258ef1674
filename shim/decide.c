/* SPDX-License-Identifier: MIT */
/* decide.c — see decide.h. */
#include <stdint.h>
#include <string.h>

#include "shim/decide.h"

int shim_decide_exec(const struct policy_blob *b, const char *path, char *const argv[],
		     char *const envp[], struct argvmatch_scratch *scratch,
		     struct argvmatch_invocation *ret_inv)
{
	/* The environment the new program gets: git reads alias definitions from it. */
	const char *const *env = (const char *const *)envp;
	const char *only[2] = { path, NULL };
	size_t argc = 0;
	int r;

	if (policy_blob_count(b, POLICY_BLOB_DENY_EXEC) == 0)
		return -1;
	while (argv && argv[argc])
		argc++;
	if (argc == 0) {
		/* No argv at all: only the program itself can be judged. */
		if (!path)
			return -1;
		return policy_blob_match_exec_env(b, only, 1, env, scratch, ret_inv);
	}
	r = policy_blob_match_exec_env(b, (const char *const *)argv, argc, env, scratch, ret_inv);
	if (r >= 0 || !path || argc > SHIM_DECIDE_ARGV0_MAX || strcmp(path, argv[0]) == 0)
		return r;
	/*
	 * `exec -a k kubectl delete`: what runs is the path, whatever argv[0]
	 * says. Compared whole, not by base name: a rule "/opt/bin/tool"
	 * names the path as written.
	 */
	const char *copy[SHIM_DECIDE_ARGV0_MAX];
	copy[0] = path;
	memcpy(copy + 1, argv + 1, (argc - 1) * sizeof(copy[0]));
	return policy_blob_match_exec_env(b, copy, argc, env, scratch, ret_inv);
}

/* A byte that ends a glob's literal prefix (pathmatch.c's metacharacters). */
static bool glob_meta(char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

void shim_decide_filter_build(const struct policy_blob *b, struct shim_decide_filter *f)
{
	uint32_t n = policy_blob_count(b, POLICY_BLOB_DENY_READ);

	f->nhints = n < SHIM_DECIDE_HINT_MAX ? n : SHIM_DECIDE_HINT_MAX;
	for (uint32_t i = 0; i < f->nhints; i++) {
		struct pathmatch_rule pr =
			policy_blob_path_rule(b, policy_blob_rule(b, POLICY_BLOB_DENY_READ, i));
		struct shim_decide_hint *h = &f->hint[i];
		size_t pre = 0, suf = pr.glob_len;

		while (pre < pr.glob_len && !glob_meta(pr.glob[pre]))
			pre++;
		/*
		 * The suffix starts after the last byte that could belong to
		 * a metacharacter: ']' too, which may close a class ("[*]x"
		 * ends in "x", not "]x").
		 */
		while (suf > pre && !glob_meta(pr.glob[suf - 1]) && pr.glob[suf - 1] != ']')
			suf--;
		h->anchor = pr.anchor;
		h->literal = pr.literal;
		h->prefix = pr.glob;
		h->prefix_len = (uint16_t)(pre < UINT16_MAX ? pre : UINT16_MAX);
		h->suffix = pr.glob + suf;
		h->suffix_len = (uint16_t)(pr.literal || pr.glob_len - suf >= UINT16_MAX
						   ? 0
						   : pr.glob_len - suf);
	}
}

/*
 * Would pathmatch_normalize() return @p unchanged? No "//", no "." or ".."
 * component, no trailing '/' (except "/" itself). Sets *@ret_len.
 */
static bool already_normal(const char *p, size_t *ret_len)
{
	size_t i = 0;

	if (p[0] != '/')
		return false;
	for (;;) {
		/* p[i] == '/': look at the component after it. */
		const char *c = p + i + 1;
		size_t n = 0;

		while (c[n] && c[n] != '/')
			n++;
		if (n == 0)
			break; /* "//" or a trailing '/' (or "/" alone) */
		if (c[0] == '.' && (n == 1 || (n == 2 && c[1] == '.')))
			return false;
		i += n + 1;
		if (i >= PATHMATCH_PATH_MAX)
			return false;
		if (!p[i]) {
			*ret_len = i;
			return true;
		}
	}
	if (i == 0 && !p[1]) {
		*ret_len = 1;
		return true;
	}
	return false;
}

static bool starts_with(const char *t, size_t tlen, const char *s, size_t slen)
{
	return tlen >= slen && (slen == 0 || (t[0] == s[0] && memcmp(t, s, slen) == 0));
}

/* Can the BASENAME rule of @h match one of the @n components? */
static bool components_may_match(const struct shim_decide_hint *h, const char *const *comp,
				 const size_t *clen, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t l = clen[k];
		const char *c = comp[k];
		/* First and last bytes before memcmp: most components differ there. */
		if (l < (size_t)h->prefix_len + h->suffix_len ||
		    (h->prefix_len && c[0] != h->prefix[0]) ||
		    (h->suffix_len && c[l - 1] != h->suffix[h->suffix_len - 1]) ||
		    memcmp(c, h->prefix, h->prefix_len) != 0 ||
		    memcmp(c + l - h->suffix_len, h->suffix, h->suffix_len) != 0)
			continue;
		return true;
	}
	return false;
}

int shim_decide_open_filtered(const struct policy_blob *b, const struct shim_decide_filter *f,
			      const char *abs_path, bool is_dir)
{
	uint32_t nrules = policy_blob_count(b, POLICY_BLOB_DENY_READ);
	char norm[PATHMATCH_PATH_MAX];
	const char *p = abs_path;
	const char *comp[SHIM_DECIDE_COMPONENTS_MAX];
	size_t clen[SHIM_DECIDE_COMPONENTS_MAX];
	size_t len, root_off = 0, home_off = 0, ncomp = 0;
	bool in_root, in_home, comps_known = false;

	if (nrules == 0 || !abs_path)
		return -1;
	/* Most paths programs open are normal already: judge them in place. */
	if (!already_normal(abs_path, &len)) {
		int n = pathmatch_normalize(abs_path, norm, sizeof(norm));
		if (n < 0)
			return -1;
		p = norm;
		len = (size_t)n;
	}
	in_root =
		pathmatch_below(p, len, b->env.root, b->env.root_len, &root_off) && root_off < len;
	in_home = pathmatch_below(p, len, b->env.home, b->env.home_len, &home_off);
	for (uint32_t i = 0; i < nrules; i++) {
		if (f && i < f->nhints) {
			const struct shim_decide_hint *h = &f->hint[i];
			switch (h->anchor) {
			case PATHMATCH_ABSOLUTE:
				if (!starts_with(p, len, h->prefix, h->prefix_len))
					continue;
				break;
			case PATHMATCH_HOME:
				if (!in_home || !starts_with(p + home_off, len - home_off,
							     h->prefix, h->prefix_len))
					continue;
				break;
			case PATHMATCH_ROOT:
				if (!in_root || !starts_with(p + root_off, len - root_off,
							     h->prefix, h->prefix_len))
					continue;
				break;
			case PATHMATCH_BASENAME:
				if (!in_root)
					continue;
				if (!comps_known) {
					/* The components below the root, split once for every rule. */
					size_t s = root_off;
					while (s < len && ncomp < SHIM_DECIDE_COMPONENTS_MAX) {
						const char *e = memchr(p + s, '/', len - s);
						size_t end = e ? (size_t)(e - p) : len;
						comp[ncomp] = p + s;
						clen[ncomp++] = end - s;
						s = end + 1;
					}
					comps_known = true;
					if (s < len)
						ncomp = SIZE_MAX; /* too many: no hint */
				}
				if (ncomp != SIZE_MAX &&
				    !components_may_match(h, comp, clen, ncomp))
					continue;
				break;
			default:
				break;
			}
		}
		struct pathmatch_rule pr =
			policy_blob_path_rule(b, policy_blob_rule(b, POLICY_BLOB_DENY_READ, i));
		if (pathmatch_rule_matches(&pr, &b->env, p, len, is_dir))
			return (int)i;
	}
	return -1;
}

int shim_decide_open(const struct policy_blob *b, const char *abs_path, bool is_dir)
{
	int r;

	if (policy_blob_count(b, POLICY_BLOB_DENY_READ) == 0)
		return -1;
	r = policy_blob_match_path(b, POLICY_BLOB_DENY_READ, abs_path, is_dir);
	return r >= 0 ? r : -1;
}
