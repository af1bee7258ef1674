/* SPDX-License-Identifier: MIT */
/* envp.c — see envp.h. */
#include <string.h>

#include "shim/envp.h"
#include "shim/fmt.h"

#define LD_PRELOAD_EQ "LD_PRELOAD="

/* @entry is "NAME=…" for the NAME=-prefix @name_eq. */
static bool is_var(const char *entry, const char *name_eq)
{
	return strncmp(entry, name_eq, strlen(name_eq)) == 0;
}

/* The "NAME=" prefix of a full entry "NAME=value" is compared; "" never matches. */
static bool same_var(const char *entry, const char *want_entry)
{
	const char *eq = strchr(want_entry, '=');
	return eq && strncmp(entry, want_entry, (size_t)(eq - want_entry) + 1) == 0;
}

bool shim_envp_has_preload(const char *list, const char *path)
{
	size_t plen = strlen(path);

	if (!plen)
		return false;
	/* glibc's loader splits LD_PRELOAD on blanks and colons. */
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " :\t");
		if (n == plen && memcmp(p, path, plen) == 0)
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* The first entry of @envp for the variable of @want_entry, or NULL. */
static const char *find_var(char *const envp[], const char *want_entry)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (same_var(envp[i], want_entry))
			return envp[i];
	return NULL;
}

static const char *find_preload(char *const envp[])
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (is_var(envp[i], LD_PRELOAD_EQ))
			return envp[i];
	return NULL;
}

/* Is our variable @want (a full entry; "" when unknown) present with our value? */
static bool var_ok(char *const envp[], const char *want)
{
	const char *have;

	if (!want || !*want)
		return true;
	have = find_var(envp, want);
	return have && strcmp(have, want) == 0;
}

size_t shim_envp_plan(const struct shim_envp_want *w, char *const envp[], size_t *ret_ld_size)
{
	const char *pre;
	size_t n = 0, ld = 0;

	*ret_ld_size = 0;
	if (!w->shim_path || !*w->shim_path)
		return 0;
	while (envp && envp[n])
		if (++n > SHIM_ENVP_MAX)
			return 0;
	pre = find_preload(envp);
	bool pre_ok = pre && shim_envp_has_preload(pre + strlen(LD_PRELOAD_EQ), w->shim_path);
	if (pre_ok && var_ok(envp, w->path_entry) && var_ok(envp, w->policy_entry) &&
	    var_ok(envp, w->audit_entry) && var_ok(envp, w->net_entry))
		return 0;
	if (!pre_ok) {
		/* "LD_PRELOAD=" shim [":" old] NUL */
		ld = strlen(LD_PRELOAD_EQ) + strlen(w->shim_path) + 1;
		if (pre && pre[strlen(LD_PRELOAD_EQ)])
			ld += 1 + strlen(pre + strlen(LD_PRELOAD_EQ));
		if (ld > SHIM_ENVP_LD_MAX)
			return 0;
	}
	*ret_ld_size = ld;
	/* Every old entry may stay, plus our four, LD_PRELOAD and the NULL. */
	return n + 6;
}

char *const *shim_envp_build(const struct shim_envp_want *w, char *const envp[], char **out,
			     size_t slots, char *ld, size_t ldsz)
{
	const char *const ours[] = { w->path_entry, w->policy_entry, w->audit_entry,
				     w->net_entry ? w->net_entry : "" };
	const size_t nours = sizeof(ours) / sizeof(ours[0]);
	const char *pre = find_preload(envp);
	size_t k = 0;

	for (size_t i = 0; envp && envp[i] && k + nours + 1 < slots; i++) {
		bool drop = is_var(envp[i], LD_PRELOAD_EQ);
		for (size_t j = 0; j < nours && !drop; j++)
			drop = *ours[j] && same_var(envp[i], ours[j]);
		if (!drop)
			out[k++] = envp[i];
	}
	for (size_t j = 0; j < nours; j++)
		if (*ours[j])
			out[k++] = (char *)ours[j];
	if (ldsz) {
		struct shim_fmt f;
		shim_fmt_init(&f, ld, ldsz);
		shim_fmt_str(&f, LD_PRELOAD_EQ);
		shim_fmt_str(&f, w->shim_path);
		if (pre && pre[strlen(LD_PRELOAD_EQ)]) {
			shim_fmt_char(&f, ':');
			shim_fmt_str(&f, pre + strlen(LD_PRELOAD_EQ));
		}
		out[k++] = ld;
	} else if (pre) {
		out[k++] = (char *)pre; /* it names the shim already */
	}
	out[k] = NULL;
	return out;
}

int shim_envp_call(const struct shim_envp_want *w, char *const envp[], shim_envp_fn fn, void *ctx)
{
	size_t ldsz, slots = shim_envp_plan(w, envp, &ldsz);

	if (!slots)
		return fn(ctx, envp);
	/* Bounded by shim_envp_plan(): at most SHIM_ENVP_MAX + 6 pointers and SHIM_ENVP_LD_MAX bytes. */
	char *out[slots];
	char ld[ldsz ? ldsz : 1];
	return fn(ctx, shim_envp_build(w, envp, out, slots, ld, ldsz));
}
