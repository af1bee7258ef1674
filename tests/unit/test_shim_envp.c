/* SPDX-License-Identifier: MIT */
/*
 * test_shim_envp.c — LD_PRELOAD re-injection (shim/envp.h): what a child's
 * environment must hold, what is kept, what is replaced, and the bound.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shim/envp.h"

static const struct shim_envp_want want = {
	.path_entry = "AIGATE_SHIM_PATH=/opt/aigate/libaigate_shim.so",
	.policy_entry = "AIGATE_SHIM_POLICY_FD=3",
	.audit_entry = "AIGATE_SHIM_AUDIT_FD=4",
	.shim_path = "/opt/aigate/libaigate_shim.so",
};

/* Rebuild @envp as the hooks do; returns a malloc'd copy of the pointer array. */
static char **rebuilt(const struct shim_envp_want *w, char *const envp[], char *ld, size_t ldmax)
{
	size_t ldsz, slots = shim_envp_plan(w, envp, &ldsz);
	char **out;

	if (!slots)
		return NULL;
	cr_assert_leq(ldsz, ldmax);
	out = calloc(slots, sizeof(*out));
	cr_assert(out);
	shim_envp_build(w, envp, out, slots, ld, ldsz);
	return out;
}

static const char *get(char *const envp[], const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

static size_t count(char *const envp[], const char *name)
{
	size_t n = strlen(name), c = 0;
	for (size_t i = 0; envp[i]; i++)
		c += strncmp(envp[i], name, n) == 0 && envp[i][n] == '=';
	return c;
}

Test(shim_envp, complete_environment_passes_as_is)
{
	char *envp[] = { "PATH=/bin",
			 "LD_PRELOAD=/opt/aigate/libaigate_shim.so",
			 "AIGATE_SHIM_PATH=/opt/aigate/libaigate_shim.so",
			 "AIGATE_SHIM_POLICY_FD=3",
			 "AIGATE_SHIM_AUDIT_FD=4",
			 NULL };
	size_t ld;
	cr_expect_eq(shim_envp_plan(&want, envp, &ld), 0);
}

Test(shim_envp, empty_environment_gets_everything)
{
	char *empty[] = { NULL };
	char ld[256];
	char **out = rebuilt(&want, empty, ld, sizeof(ld));

	cr_assert(out);
	cr_expect_str_eq(get(out, "LD_PRELOAD"), "/opt/aigate/libaigate_shim.so");
	cr_expect_str_eq(get(out, "AIGATE_SHIM_PATH"), "/opt/aigate/libaigate_shim.so");
	cr_expect_str_eq(get(out, "AIGATE_SHIM_POLICY_FD"), "3");
	cr_expect_str_eq(get(out, "AIGATE_SHIM_AUDIT_FD"), "4");
	free(out);
	/* NULL (execve's envp may be NULL on Linux) is an empty environment. */
	out = rebuilt(&want, NULL, ld, sizeof(ld));
	cr_assert(out);
	cr_expect_str_eq(get(out, "AIGATE_SHIM_AUDIT_FD"), "4");
	free(out);
}

Test(shim_envp, user_preload_kept_after_the_shim)
{
	char *envp[] = { "HOME=/h", "LD_PRELOAD=/usr/lib/libfoo.so /x/bar.so", "TERM=xterm", NULL };
	char ld[256];
	char **out = rebuilt(&want, envp, ld, sizeof(ld));

	cr_assert(out);
	cr_expect_str_eq(get(out, "LD_PRELOAD"),
			 "/opt/aigate/libaigate_shim.so:/usr/lib/libfoo.so /x/bar.so");
	cr_expect_eq(count(out, "LD_PRELOAD"), 1);
	cr_expect_str_eq(get(out, "HOME"), "/h");
	cr_expect_str_eq(get(out, "TERM"), "xterm");
	free(out);
}

/* A program cannot point its children at another policy or socket. */
Test(shim_envp, forged_values_replaced)
{
	char *envp[] = { "LD_PRELOAD=/opt/aigate/libaigate_shim.so",
			 "AIGATE_SHIM_POLICY_FD=99",
			 "AIGATE_SHIM_POLICY_FD=98",
			 "AIGATE_SHIM_AUDIT_FD=4",
			 "AIGATE_SHIM_PATH=/tmp/evil.so",
			 NULL };
	char ld[256];
	char **out = rebuilt(&want, envp, ld, sizeof(ld));

	cr_assert(out);
	cr_expect_eq(count(out, "AIGATE_SHIM_POLICY_FD"), 1);
	cr_expect_str_eq(get(out, "AIGATE_SHIM_POLICY_FD"), "3");
	cr_expect_str_eq(get(out, "AIGATE_SHIM_PATH"), "/opt/aigate/libaigate_shim.so");
	cr_expect_str_eq(get(out, "LD_PRELOAD"), "/opt/aigate/libaigate_shim.so",
			 "a preload naming the shim is kept as it is");
	free(out);
}

Test(shim_envp, preload_element_matching)
{
	cr_expect(shim_envp_has_preload("/a.so:/opt/aigate/libaigate_shim.so",
					"/opt/aigate/libaigate_shim.so"));
	cr_expect(shim_envp_has_preload("/opt/aigate/libaigate_shim.so /b.so",
					"/opt/aigate/libaigate_shim.so"));
	cr_expect(!shim_envp_has_preload("/opt/aigate/libaigate_shim.so.bak",
					 "/opt/aigate/libaigate_shim.so"));
	cr_expect(!shim_envp_has_preload("", "/opt/aigate/libaigate_shim.so"));
	cr_expect(!shim_envp_has_preload("/x.so", ""));
}

Test(shim_envp, nothing_known_nothing_added)
{
	struct shim_envp_want none = { "", "", "", "", "" };
	char *empty[] = { NULL };
	size_t ld;
	cr_expect_eq(shim_envp_plan(&none, empty, &ld), 0);
}

/* Past SHIM_ENVP_MAX entries the environment is passed as it is. */
Test(shim_envp, bounded)
{
	size_t n = SHIM_ENVP_MAX + 1, ld;
	char **big = calloc(n + 1, sizeof(*big));
	cr_assert(big);
	for (size_t i = 0; i < n; i++)
		big[i] = "X=1";
	cr_expect_eq(shim_envp_plan(&want, big, &ld), 0);
	big[SHIM_ENVP_MAX] = NULL;
	cr_expect_eq(shim_envp_plan(&want, big, &ld), SHIM_ENVP_MAX + 6);
	free(big);
}

static int seen_preload;
static int capture(void *ctx, char *const envp[])
{
	(void)ctx;
	seen_preload = get(envp, "LD_PRELOAD") != NULL;
	return 42;
}

Test(shim_envp, call_passes_the_rebuilt_environment)
{
	char *empty[] = { NULL };
	cr_expect_eq(shim_envp_call(&want, empty, capture, NULL), 42);
	cr_expect(seen_preload);
}

/* Under allow_net the table's descriptor is a fourth variable, put back like the others. */
Test(shim_envp, net_entry_reinjected)
{
	struct shim_envp_want w = want;
	w.net_entry = "AIGATE_SHIM_NET_FD=5";
	char *complete[] = { "LD_PRELOAD=/opt/aigate/libaigate_shim.so",
			     "AIGATE_SHIM_PATH=/opt/aigate/libaigate_shim.so",
			     "AIGATE_SHIM_POLICY_FD=3",
			     "AIGATE_SHIM_AUDIT_FD=4",
			     "AIGATE_SHIM_NET_FD=5",
			     NULL };
	size_t ld;
	cr_expect_eq(shim_envp_plan(&w, complete, &ld), 0, "complete: passed as is");
	char *stripped[] = { "PATH=/bin", "AIGATE_SHIM_NET_FD=9", NULL };
	char ldbuf[256];
	char **out = rebuilt(&w, stripped, ldbuf, sizeof(ldbuf));
	cr_assert(out);
	cr_expect_str_eq(get(out, "AIGATE_SHIM_NET_FD"), "5");
	cr_expect_eq(count(out, "AIGATE_SHIM_NET_FD"), 1);
	cr_expect_str_eq(get(out, "AIGATE_SHIM_AUDIT_FD"), "4");
	cr_expect_str_eq(get(out, "PATH"), "/bin");
	free(out);
	/* Without it (no allow_net, or the fallback rungs) nothing is added. */
	char **plain = rebuilt(&want, stripped, ldbuf, sizeof(ldbuf));
	cr_assert(plain);
	cr_expect_str_eq(get(plain, "AIGATE_SHIM_NET_FD"), "9");
	free(plain);
}
