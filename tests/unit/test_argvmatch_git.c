/* SPDX-License-Identifier: MIT */
/*
 * test_argvmatch_git.c — git aliases in deny_exec matching: definitions
 * from -c / --config-env and from the environment (GIT_CONFIG_COUNT,
 * GIT_CONFIG_PARAMETERS), chains, loops, builtins winning over aliases,
 * "!" shell aliases, the bounds, and the blob-level API.
 *
 * The expectations follow git 2.39 (checked with GIT_TRACE=1): where git
 * itself refuses the command line and runs nothing, the row says so.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/argvmatch.h"
#include "policy/argvmatch_internal.h"
#include "policy/blob.h"
#include "policy/util.h"

#define MAX_ARGV 16
#define MAX_ENV	 8

struct git_case {
	const char *argv[MAX_ARGV]; /* NULL-terminated */
	const char *env[MAX_ENV];   /* NULL-terminated; env[0] == NULL: no environment given */
	bool match;		    /* against "git push" */
	bool incomplete;	    /* scratch->incomplete expected */
};

#define NOENV        \
	{            \
		NULL \
	}

static const char *describe(const struct git_case *tc, char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "argv");

	for (size_t i = 0; tc->argv[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, " [%s]", tc->argv[i]);
	for (size_t i = 0; tc->env[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, " env[%s]", tc->env[i]);
	if (used < size)
		snprintf(buf + used, size - used, " vs \"git push\": expected %s",
			 tc->match ? "a match" : "no match");
	return buf;
}

/* Does any invocation match "git push"? *ret_incomplete: the scratch flag. */
static bool git_push_matches(const char *const *argv, const char *const *envp, bool *ret_incomplete)
{
	static struct argvmatch_scratch scratch;
	static const char *const rule[] = { "git", "push" };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t argc = 0, n;
	bool match = false;

	while (argv[argc])
		argc++;
	n = argvmatch_extract_env(argv, argc, envp, &scratch, inv, ARRAY_SIZE(inv));
	for (size_t i = 0; i < n; i++)
		match |= argvmatch_rule_matches(rule, 2, &inv[i]);
	*ret_incomplete = scratch.incomplete;
	return match;
}

static void check_case(const struct git_case *tc)
{
	char desc[2048];
	bool incomplete;
	bool match = git_push_matches(tc->argv, tc->env[0] ? tc->env : NULL, &incomplete);

	cr_assert_eq(match, tc->match, "%s", describe(tc, desc, sizeof(desc)));
	cr_assert_eq(incomplete, tc->incomplete, "%s: incomplete is %d",
		     describe(tc, desc, sizeof(desc)), incomplete);
}

static size_t case_index[128];

static struct criterion_test_params case_indices(size_t n)
{
	for (size_t i = 0; i < n; i++)
		case_index[i] = i;
	return cr_make_param_array(size_t, case_index, n);
}

/* Definitions on the command line. */
static struct git_case argv_cases[] = {
	/* The plain cases are unchanged. */
	{ { "git", "push" }, NOENV, true, false },
	{ { "git", "-C", "d", "push", "origin" }, NOENV, true, false },
	{ { "git", "status" }, NOENV, false, false },
	{ { "git", "-c", "k=v", "p" }, NOENV, false, false },
	/* An alias for push, in every spelling git accepts. */
	{ { "git", "-c", "alias.p=push", "p" }, NOENV, true, false },
	{ { "/usr/bin/git", "-c", "alias.p=push", "p", "origin", "main" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=push --force", "p", "origin" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=-c x.y=z push", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=push", "-C", "dir", "p", "origin" }, NOENV, true, false },
	{ { "git", "-C", "dir", "-c", "alias.p=push", "--no-pager", "p" }, NOENV, true, false },
	{ { "git", "-c", "ALIAS.P=push", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=push", "P" }, NOENV, true, false },
	{ { "git", "-c", "Alias.Sync=push", "sYnc" }, NOENV, true, false },
	{ { "git", "-c", "alias.x.y=push", "x.y" }, NOENV, true, false },
	{ { "git", "-c", "alias.p='push'", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=\"pu\"sh", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=pu\\sh", "p" }, NOENV, true, false },
	/* The last definition wins. */
	{ { "git", "-c", "alias.p=status", "-c", "alias.p=push", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=push", "-c", "alias.p=status", "p" }, NOENV, false, false },
	/* Chains: q -> p -> push. */
	{ { "git", "-c", "alias.p=push", "-c", "alias.q=p", "q" }, NOENV, true, false },
	{ { "git", "-c", "alias.q=p origin", "-c", "alias.p=push", "q" }, NOENV, true, false },
	/* A builtin ends the chain: q -> status runs status, alias.status is never used. */
	{ { "git", "-c", "alias.q=status", "-c", "alias.status=push", "q" }, NOENV, false, false },
	/* Builtins win over aliases: push stays push, status stays status. */
	{ { "git", "-c", "alias.push=status", "push" }, NOENV, true, false },
	{ { "git", "-c", "alias.status=push", "status" }, NOENV, false, false },
	/* Aliases that are not push. */
	{ { "git", "-c", "alias.p=status", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=push", "status" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=log push", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.pp=push", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=push" }, NOENV, false, false },
	/* -c after the subcommand belongs to it (git commit -c <commit>). */
	{ { "git", "p", "-c", "alias.p=push" }, NOENV, false, false },
	/* Loops and self-reference: git dies ("alias loop detected"); bounded here. */
	{ { "git", "-c", "alias.a=b", "-c", "alias.b=a", "a" }, NOENV, false, false },
	{ { "git", "-c", "alias.a=a", "a" }, NOENV, false, false },
	{ { "git", "-c", "alias.a=b", "-c", "alias.b=c", "-c", "alias.c=a", "a", "push" },
	  NOENV,
	  false,
	  false },
	/* git refuses these and runs nothing. */
	{ { "git", "-c", "alias.p", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.p='push", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=push\\", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=", "p" }, NOENV, false, false },
	/* "!" aliases: a shell command line, arguments appended. */
	{ { "git", "-c", "alias.p=!git push", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=!git push origin", "p", "main" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=!cd /tmp && git -C x push", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.g=!git", "g", "push" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=!sh -c 'git push'", "p" }, NOENV, true, false },
	{ { "git", "-c", "alias.p=!echo git push", "p" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=!git status", "p", "push" }, NOENV, false, false },
	{ { "git", "-c", "alias.g=!echo", "g", "git", "push" }, NOENV, false, false },
	/* An argument with a quote stays one word. */
	{ { "git", "-c", "alias.g=!git", "g", "pu'sh" }, NOENV, false, false },
	/* A shell function: its body's "$@" is not expanded here (the real exec is judged). */
	{ { "git", "-c", "alias.p=!f() { git \"$@\"; }; f", "p", "push" }, NOENV, false, false },
	{ { "git", "-c", "alias.p=!f() { git push; }; f", "p" }, NOENV, true, false },
	/* --config-env: the value is another variable's; without the environment, unknown. */
	{ { "git", "--config-env=alias.p=X", "p" }, NOENV, false, true },
	{ { "git", "--config-env", "alias.p=X", "p" }, NOENV, false, true },
	{ { "git", "--config-env=alias.p=X", "status" }, NOENV, false, false },
	/* Through wrappers and shell strings. */
	{ { "sh", "-c", "git -c alias.p=push p origin" }, NOENV, true, false },
	{ { "env", "-i", "git", "-c", "alias.p=push", "p" }, NOENV, true, false },
	{ { "sudo", "git", "-c", "alias.q=p", "-c", "alias.p=push", "q" }, NOENV, true, false },
};

_Static_assert(ARRAY_SIZE(argv_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(argvmatch_git, argv)
{
	return case_indices(ARRAY_SIZE(argv_cases));
}

ParameterizedTest(size_t *i, argvmatch_git, argv)
{
	check_case(&argv_cases[*i]);
}

/* Definitions in the environment. */
static struct git_case env_cases[] = {
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  true,
	  false },
	{ { "git", "p" },
	  { "HOME=/h", "GIT_CONFIG_VALUE_1=push", "GIT_CONFIG_KEY_1=alias.p", "GIT_CONFIG_COUNT=2",
	    "GIT_CONFIG_KEY_0=user.name", "GIT_CONFIG_VALUE_0=x" },
	  true,
	  false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p'='push'" }, true, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p=push'" }, true, false },
	{ { "git", "p" },
	  { "GIT_CONFIG_PARAMETERS='a.b'='c'  'alias.p'='push' 'x.y'" },
	  true,
	  false },
	{ { "git", "p" },
	  { "GIT_CONFIG_PARAMETERS='alias.p'='!git '\\''push'\\'''" },
	  true,
	  false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS=' alias.p =push'" }, true, false },
	/* A leading blank in the value is an empty first word: git runs nothing. */
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS=' alias.p = push'" }, false, false },
	/* Order: GIT_CONFIG_COUNT, then GIT_CONFIG_PARAMETERS, then -c; the last wins. */
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=status",
	    "GIT_CONFIG_PARAMETERS='alias.p'='push'" },
	  true,
	  false },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push",
	    "GIT_CONFIG_PARAMETERS='alias.p'='status'" },
	  false,
	  false },
	{ { "git", "-c", "alias.p=push", "p" },
	  { "GIT_CONFIG_PARAMETERS='alias.p'='log'" },
	  true,
	  false },
	{ { "git", "-c", "alias.p=log", "p" },
	  { "GIT_CONFIG_PARAMETERS='alias.p'='push'" },
	  false,
	  false },
	/* A chain across sources. */
	{ { "git", "-c", "alias.q=p", "q" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  true,
	  false },
	/* --config-env with the environment: the variable's value. */
	{ { "git", "--config-env=alias.p=X", "p" }, { "X=push" }, true, false },
	{ { "git", "--config-env", "alias.p=X", "p", "origin" }, { "X=push" }, true, false },
	{ { "git", "--config-env=alias.p=X", "p" }, { "X=status" }, false, false },
	{ { "git", "--config-env=alias.p=X", "p" }, { "Y=push" }, false, false }, /* git dies */
	/* Not an alias, or not git's spelling of the variables. */
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.q'='push'" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" }, false, false },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_00=alias.p", "GIT_CONFIG_VALUE_00=push" },
	  false,
	  false },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=x", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  false,
	  false },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=0", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  false,
	  false },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=+1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  true,
	  false },
	/* The first of duplicate variables counts, as getenv() finds it. */
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=status",
	    "GIT_CONFIG_VALUE_0=push" },
	  false,
	  false },
	/* The count goes past the entries: git stops (and dies) at the first missing one. */
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  true,
	  false },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_1=alias.p", "GIT_CONFIG_VALUE_1=push" },
	  false,
	  false },
	/* Past the bound of ARGVMATCH_GIT_MAX_ENV_CONFIG entries: not seen, and said so. */
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=65", "GIT_CONFIG_KEY_64=alias.p", "GIT_CONFIG_VALUE_64=push" },
	  false,
	  true },
	{ { "git", "p" },
	  { "GIT_CONFIG_COUNT=99999999999", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  false,
	  false },
	/* Malformed GIT_CONFIG_PARAMETERS: what came before the error counts (git dies). */
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS=alias.p=push" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p'=push" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p'='push'x" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p'='push' bogus" }, true, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p'" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS='alias.p'=" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS=''" }, false, false },
	{ { "git", "p" }, { "GIT_CONFIG_PARAMETERS=" }, false, false },
	/* The environment reaches nested commands. */
	{ { "sh", "-c", "git p" },
	  { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p", "GIT_CONFIG_VALUE_0=push" },
	  true,
	  false },
	/* A builtin is never an alias, whatever the environment says. */
	{ { "git", "status" }, { "GIT_CONFIG_PARAMETERS='alias.status'='push'" }, false, false },
};

_Static_assert(ARRAY_SIZE(env_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(argvmatch_git, env)
{
	return case_indices(ARRAY_SIZE(env_cases));
}

ParameterizedTest(size_t *i, argvmatch_git, env)
{
	check_case(&env_cases[*i]);
}

/* ------------------------------------------------------------- structure */

Test(argvmatch_git, builtins_sorted)
{
	for (size_t i = 1; i < argvmatch_ngit_builtins; i++)
		cr_assert_lt(strcmp(argvmatch_git_builtins[i - 1], argvmatch_git_builtins[i]), 0,
			     "%s before %s", argvmatch_git_builtins[i - 1],
			     argvmatch_git_builtins[i]);
}

Test(argvmatch_git, expansion_is_an_invocation)
{
	static struct argvmatch_scratch scratch;
	const char *argv[] = { "git",	       "-c", "alias.q=p -f", "-c",
			       "alias.p=push", "q",  "origin",	     NULL };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t n = argvmatch_extract(argv, 7, &scratch, inv, ARRAY_SIZE(inv));

	cr_assert_eq(n, 3);
	cr_assert_eq(inv[0].npos, 2);
	cr_assert_str_eq(inv[0].pos[0], "q");
	/* git p -f origin */
	cr_assert_eq(inv[1].depth, 1);
	cr_assert_str_eq(inv[1].name, "git");
	cr_assert_eq(inv[1].npos, 2);
	cr_assert_str_eq(inv[1].pos[0], "p");
	cr_assert_str_eq(inv[1].pos[1], "origin");
	/* git push -f origin */
	cr_assert_eq(inv[2].depth, 2);
	cr_assert_str_eq(inv[2].pos[0], "push");
	cr_assert_str_eq(inv[2].pos[1], "origin");
	cr_assert_not(scratch.incomplete);
}

Test(argvmatch_git, chain_bound)
{
	static struct argvmatch_scratch scratch;
	static char defs[ARGVMATCH_GIT_MAX_CHAIN + 2][32];
	const char *argv[2 * (ARGVMATCH_GIT_MAX_CHAIN + 2) + 3];
	static const char *const rule[] = { "git", "push" };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t argc, n;
	bool match;

	/* a0 -> a1 -> ... -> a{k-1} -> push: k expansions. */
	for (size_t k = ARGVMATCH_GIT_MAX_CHAIN; k <= ARGVMATCH_GIT_MAX_CHAIN + 1; k++) {
		argc = 0;
		argv[argc++] = "git";
		for (size_t i = 0; i < k; i++) {
			if (i + 1 < k)
				snprintf(defs[i], sizeof(defs[i]), "alias.a%zu=a%zu", i, i + 1);
			else
				snprintf(defs[i], sizeof(defs[i]), "alias.a%zu=push", i);
			argv[argc++] = "-c";
			argv[argc++] = defs[i];
		}
		argv[argc++] = "a0";
		argv[argc] = NULL;
		n = argvmatch_extract(argv, argc, &scratch, inv, ARRAY_SIZE(inv));
		match = false;
		for (size_t i = 0; i < n; i++)
			match |= argvmatch_rule_matches(rule, 2, &inv[i]);
		if (k == ARGVMATCH_GIT_MAX_CHAIN) {
			cr_assert(match, "a chain of %zu is followed", k);
			cr_assert_not(scratch.incomplete);
		} else {
			cr_assert_not(match, "a chain of %zu is past the bound", k);
			cr_assert(scratch.incomplete, "the bound is reported");
		}
	}
}

Test(argvmatch_git, long_values_are_bounded)
{
	static char def[ARGVMATCH_GIT_VALUE_MAX + 64], env[ARGVMATCH_SCRATCH_SIZE + 64];
	const char *argv[] = { "git", "-c", def, "p", NULL };
	const char *argv2[] = { "git", "p", NULL };
	const char *envp[] = { env, NULL };
	bool incomplete;

	/* A value longer than ARGVMATCH_GIT_VALUE_MAX: unknown, said so. */
	strcpy(def, "alias.p=push ");
	memset(def + strlen(def), 'x', ARGVMATCH_GIT_VALUE_MAX);
	cr_assert_not(git_push_matches(argv, NULL, &incomplete));
	cr_assert(incomplete);

	/* A GIT_CONFIG_PARAMETERS word too long for the scratch space. */
	strcpy(env, "GIT_CONFIG_PARAMETERS='alias.p'='push ");
	memset(env + strlen(env), 'x', sizeof(env) - strlen(env) - 2);
	strcpy(env + sizeof(env) - 2, "'");
	cr_assert_not(git_push_matches(argv2, envp, &incomplete));
	cr_assert(incomplete);

	/* Many words: the first ones, which name the subcommand, are kept. */
	strcpy(def, "alias.p=push");
	for (int i = 0; i < 200; i++)
		strcat(def, " a");
	cr_assert(git_push_matches(argv, NULL, &incomplete));
	cr_assert(incomplete);
}

Test(argvmatch_git, many_environment_entries)
{
	size_t nenv = 3000;
	char **envp = calloc(nenv + 4, sizeof(*envp));
	const char *argv[] = { "git", "p", NULL };
	bool incomplete;

	cr_assert_not_null(envp);
	for (size_t i = 0; i < nenv; i++) {
		envp[i] = malloc(32);
		cr_assert_not_null(envp[i]);
		snprintf(envp[i], 32, "V%zu=x", i);
	}
	envp[nenv] = "GIT_CONFIG_COUNT=1";
	envp[nenv + 1] = "GIT_CONFIG_VALUE_0=push";
	envp[nenv + 2] = "GIT_CONFIG_KEY_0=alias.p";
	cr_assert(git_push_matches(argv, (const char *const *)envp, &incomplete));
	cr_assert_not(incomplete);
	for (size_t i = 0; i < nenv; i++)
		free(envp[i]);
	free(envp);
}

/* --------------------------------------------------------------- the blob */

Test(argvmatch_git, blob_match_exec_env)
{
	static const char yaml[] = "deny_exec:\n  - \"curl\"\n  - \"git push\"\n";
	struct policy_diag d;
	struct policy *p = policy_new();
	struct policy_blob b;
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	void *data;
	size_t size;
	const char *alias[] = { "git", "-c", "alias.p=push", "p", NULL };
	const char *plain[] = { "git", "p", NULL };
	const char *envp[] = { "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=alias.p",
			       "GIT_CONFIG_VALUE_0=push", NULL };

	cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), "g.yaml", &d), 0, "%s", d.msg);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &data, &size), 0);
	policy_free(p);
	cr_assert_eq(policy_blob_open(data, size, &b), 0);

	/* The argv-only API sees -c definitions. */
	cr_assert_eq(policy_blob_match_exec(&b, alias, 4, &scratch, &inv), 1);
	cr_assert_str_eq(inv.pos[0], "push");
	/* The environment only through the _env variant. */
	cr_assert_eq(policy_blob_match_exec(&b, plain, 2, &scratch, NULL), -1);
	cr_assert_eq(policy_blob_match_exec_env(&b, plain, 2, envp, &scratch, &inv), 1);
	cr_assert_eq(inv.depth, 1);
	cr_assert_eq(policy_blob_match_exec_env(&b, plain, 2, NULL, &scratch, NULL), -1);
	free(data);
}

/* ------------------------------------------------------------- robustness */

static const char *const git_vocabulary[] = {
	"git",
	"-c",
	"--config-env",
	"--config-env=alias.p=X",
	"alias.p=push",
	"alias.q=p",
	"alias.p=q",
	"alias.p=!git q",
	"alias.q=!f() { git p; }; f",
	"alias.p='push",
	"alias.p=\"a\\",
	"alias.P=\\",
	"alias.p",
	"-C",
	"p",
	"q",
	"push",
	"status",
	"--",
	"-",
	"'",
	"sh",
	"-c",
	"git p",
};

static const char *const env_vocabulary[] = {
	"GIT_CONFIG_COUNT=1",
	"GIT_CONFIG_COUNT=70",
	"GIT_CONFIG_COUNT=x",
	"GIT_CONFIG_KEY_0=alias.p",
	"GIT_CONFIG_VALUE_0=push",
	"GIT_CONFIG_VALUE_0=!git q",
	"GIT_CONFIG_KEY_1=alias.q",
	"GIT_CONFIG_VALUE_1=p",
	"GIT_CONFIG_PARAMETERS='alias.p'='push' 'alias.q'='p'",
	"GIT_CONFIG_PARAMETERS='alias.p",
	"GIT_CONFIG_PARAMETERS='alias.q=p' 'x'=",
	"GIT_CONFIG_PARAMETERS='a'\\''b'='c'\\!",
	"X=push",
	"X=!git p",
};

Test(argvmatch_git, random_lines_do_not_crash, .timeout = 120)
{
	struct argvmatch_scratch *scratch = malloc(sizeof(*scratch));
	const char *argv[12], *envp[8];
	char *heap[12 + 8];
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];

	cr_assert_not_null(scratch);
	srand(20240607);
	for (int iter = 0; iter < 20000; iter++) {
		size_t argc = 1 + (size_t)rand() % 11, nenv = (size_t)rand() % 8, nheap = 0, n;

		/* Copies on the heap, sized exactly: ASan sees any read past a word. */
		argv[0] = "git";
		for (size_t i = 1; i < argc; i++) {
			heap[nheap] =
				strdup(git_vocabulary[(size_t)rand() % ARRAY_SIZE(git_vocabulary)]);
			cr_assert_not_null(heap[nheap]);
			argv[i] = heap[nheap++];
		}
		argv[argc] = NULL;
		for (size_t i = 0; i < nenv; i++) {
			heap[nheap] =
				strdup(env_vocabulary[(size_t)rand() % ARRAY_SIZE(env_vocabulary)]);
			cr_assert_not_null(heap[nheap]);
			envp[i] = heap[nheap++];
		}
		envp[nenv] = NULL;
		n = argvmatch_extract_env(argv, argc, rand() % 4 ? envp : NULL, scratch, inv,
					  ARRAY_SIZE(inv));
		cr_assert_geq(n, 1, "iteration %d", iter);
		cr_assert_leq(n, ARRAY_SIZE(inv), "iteration %d", iter);
		cr_assert_leq(scratch->used, sizeof(scratch->buf), "iteration %d", iter);
		for (size_t i = 0; i < n; i++) {
			size_t total = strlen(inv[i].cmd) + strlen(inv[i].name);

			cr_assert_leq(inv[i].depth, ARGVMATCH_MAX_DEPTH, "iteration %d", iter);
			for (size_t j = 0; j < inv[i].npos; j++)
				total += strlen(inv[i].pos[j]);
			(void)total;
		}
		for (size_t i = 0; i < nheap; i++)
			free(heap[i]);
	}
	free(scratch);
}
