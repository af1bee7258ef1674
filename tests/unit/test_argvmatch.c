/* SPDX-License-Identifier: MIT */
/*
 * test_argvmatch.c — deny_exec matching on argument vectors: rule parsing,
 * unwrapping wrappers and `sh -c` strings, global option skipping, and a
 * robustness run over random argvs (meant to run under ASan+UBSan).
 *
 * Each table row is its own test; a failure names the argv and the rule.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/argvmatch.h"
#include "policy/util.h"

#define MAX_ARGV 16

struct match_case {
	const char *argv[MAX_ARGV]; /* NULL-terminated */
	const char *rule;
	bool match;
};

/* For failure messages: argv [sh] [-c] [a b] vs rule "x y": expected a match */
static const char *describe(const struct match_case *tc, char *buf, size_t size)
{
	size_t used = 0;

	used += (size_t)snprintf(buf, size, "argv");
	for (size_t i = 0; tc->argv[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, " [%s]", tc->argv[i]);
	if (used < size)
		snprintf(buf + used, size - used, " vs rule \"%s\": expected %s", tc->rule,
			 tc->match ? "a match" : "no match");
	return buf;
}

/* Does any invocation of tc->argv match tc->rule? */
static bool any_match(const struct match_case *tc)
{
	static struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	struct argvmatch_rule rule;
	char rulebuf[ARGVMATCH_RULE_MAX + ARGVMATCH_MAX_WORDS];
	const char *reason = NULL;
	size_t argc = 0, n;
	char desc[1024];

	while (tc->argv[argc])
		argc++;
	cr_assert_eq(argvmatch_parse_rule(tc->rule, rulebuf, sizeof(rulebuf), &rule, &reason), 0,
		     "%s: rule rejected: %s", describe(tc, desc, sizeof(desc)), reason);
	n = argvmatch_extract(tc->argv, argc, &scratch, inv, ARRAY_SIZE(inv));
	cr_assert_geq(n, 1, "%s: no invocation", describe(tc, desc, sizeof(desc)));
	for (size_t i = 0; i < n; i++)
		if (argvmatch_rule_matches(rule.words, rule.nwords, &inv[i]))
			return true;
	return false;
}

static void check_case(const struct match_case *tc)
{
	char desc[1024];

	cr_assert_eq(any_match(tc), tc->match, "%s", describe(tc, desc, sizeof(desc)));
}

/*
 * Criterion runs each parameter in a fresh process where pointers taken in
 * the parent mean nothing (ASLR), so the parameters are table indices.
 */
static size_t case_index[256];

static struct criterion_test_params case_indices(size_t n)
{
	for (size_t i = 0; i < n; i++)
		case_index[i] = i;
	return cr_make_param_array(size_t, case_index, n);
}

#define KD "kubectl delete"
#define GP "git push"

/* Global options of well-known CLIs, and command names. */
static struct match_case cli_cases[] = {
	{ { "kubectl", "delete", "pod", "x" }, KD, true },
	{ { "kubectl", "-n", "x", "delete" }, KD, true },
	{ { "kubectl", "--namespace=x", "delete" }, KD, true },
	{ { "kubectl", "--namespace", "x", "delete" }, KD, true },
	{ { "kubectl", "-n=x", "delete" }, KD, true },
	{ { "kubectl", "-nx", "delete" }, KD, true },
	{ { "kubectl", "--context", "c", "delete" }, KD, true },
	{ { "/usr/bin/kubectl", "delete" }, KD, true },
	{ { "./kubectl", "delete", "pod" }, KD, true },
	{ { "kubectl", "-v", "6", "--kubeconfig", "k", "delete" }, KD, true },
	{ { "kubectl", "--", "delete" }, KD, true },
	{ { "oc", "-n", "x", "delete", "pod" }, "oc delete", true },
	{ { "kubectl", "rollout", "-n", "x", "restart", "deploy" },
	  "kubectl rollout restart",
	  true },
	{ { "kubectl", "delete", "pod", "x" }, "kubectl delete pod", true },
	{ { "kubectl", "get", "pods" }, "kubectl", true },
	{ { "git", "-C", "dir", "push" }, GP, true },
	{ { "git", "-c", "k=v", "push" }, GP, true },
	{ { "git", "--git-dir=d", "push" }, GP, true },
	{ { "git", "--git-dir", "d", "push" }, GP, true },
	{ { "git", "--no-pager", "push", "origin" }, GP, true },
	{ { "git", "--no-pager", "-C", "d", "--work-tree", "w", "push" }, GP, true },
	{ { "docker", "rm", "c" }, "docker rm", true },
	{ { "docker", "-H", "tcp://x", "rm", "c" }, "docker rm", true },
	{ { "docker", "--context=x", "rm", "c" }, "docker rm", true },
	{ { "docker", "-Dl", "debug", "rm", "c" }, "docker rm", true },
	{ { "podman", "--url", "x", "rm", "c" }, "podman rm", true },
	{ { "helm", "--kube-context", "c", "uninstall", "r" }, "helm uninstall", true },
	{ { "helm", "-n", "ns", "uninstall", "r" }, "helm uninstall", true },
	{ { "terraform", "-chdir=infra", "destroy" }, "terraform destroy", true },
	{ { "gh", "-R", "o/r", "pr", "merge", "1" }, "gh pr merge", true },
	{ { "gh", "--repo", "o/r", "pr", "merge", "1" }, "gh pr merge", true },
	{ { "npm", "--prefix", "p", "publish" }, "npm publish", true },
	{ { "npm", "--pre", "p", "publish" }, "npm publish", true },
	{ { "npm", "-w", "pkg", "publish" }, "npm publish", true },
	{ { "yarn", "--cwd", "x", "publish" }, "yarn publish", true },
	{ { "aws", "--profile", "p", "s3", "rm", "s3://b" }, "aws s3 rm", true },
	{ { "aws", "--region", "r", "--output", "json", "s3", "rm" }, "aws s3 rm", true },
	{ { "curl", "http://x" }, "curl", true },
	{ { "/usr/bin/curl" }, "curl", true },
	{ { "/opt/bin/tool", "x" }, "/opt/bin/tool", true },
	/* negative twins */
	{ { "kubectl", "get", "pod", "delete-me" }, KD, false },
	{ { "kubectl", "get", "-n", "delete", "pods" }, KD, false },
	{ { "kubectl", "describe", "delete" }, KD, false },
	{ { "kubectl", "delete" }, "kubectl delete pod", false },
	{ { "kubectl", "rollout", "status" }, "kubectl rollout restart", false },
	{ { "kubectl" }, KD, false },
	{ { "kubectl-delete" }, KD, false },
	{ { "kubectl-delete" }, "kubectl", false },
	{ { "notkubectl", "delete" }, KD, false },
	{ { "git", "log", "push" }, GP, false },
	{ { "git", "-c", "push=1", "status" }, GP, false },
	{ { "git", "pushx" }, GP, false },
	{ { "docker", "container", "ls" }, "docker rm", false },
	{ { "terraform", "-chdir=infra", "plan" }, "terraform destroy", false },
	{ { "echo", "kubectl", "delete" }, KD, false },
	{ { "curlx" }, "curl", false },
	{ { "tool" }, "/opt/bin/tool", false },
	{ { "/usr/local/bin/tool" }, "/opt/bin/tool", false },
};

_Static_assert(ARRAY_SIZE(cli_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(argvmatch, cli)
{
	return case_indices(ARRAY_SIZE(cli_cases));
}

ParameterizedTest(size_t *i, argvmatch, cli)
{
	check_case(&cli_cases[*i]);
}

/* Wrapper commands. */
static struct match_case wrapper_cases[] = {
	{ { "env", "kubectl", "delete" }, KD, true },
	{ { "env", "-i", "kubectl", "delete" }, KD, true },
	{ { "env", "-i", "A=1", "B=2", "kubectl", "delete" }, KD, true },
	{ { "env", "-u", "X", "kubectl", "delete" }, KD, true },
	{ { "env", "--unset", "X", "kubectl", "delete" }, KD, true },
	{ { "env", "--uns", "X", "kubectl", "delete" }, KD, true },
	{ { "env", "--unset=X", "-C", "/tmp", "kubectl", "delete" }, KD, true },
	{ { "env", "-", "A=1", "kubectl", "delete" }, KD, true },
	{ { "env", "-S", "kubectl delete pod" }, KD, true },
	{ { "env", "-S", "-i A=1 kubectl", "delete" }, KD, true },
	{ { "env", "--split-string=kubectl 'delete' pod" }, KD, true },
	{ { "/usr/bin/env", "-Skubectl delete" }, KD, true },
	{ { "env", "-S'kubectl delete'" }, KD, false }, /* one quoted word */
	{ { "xargs", "kubectl", "delete" }, KD, true },
	{ { "xargs", "-n", "1", "kubectl", "delete" }, KD, true },
	{ { "xargs", "-0", "-I", "{}", "kubectl", "delete", "{}" }, KD, true },
	{ { "xargs", "-I{}", "--max-args", "1", "kubectl", "delete", "{}" }, KD, true },
	{ { "timeout", "5", "kubectl", "delete" }, KD, true },
	{ { "timeout", "-s", "KILL", "5", "kubectl", "delete" }, KD, true },
	{ { "timeout", "--signal=KILL", "-k", "1", "5", "kubectl", "delete" }, KD, true },
	{ { "nice", "-n", "5", "kubectl", "delete" }, KD, true },
	{ { "nice", "-5", "kubectl", "delete" }, KD, true },
	{ { "nice", "--adj", "5", "kubectl", "delete" }, KD, true },
	{ { "nohup", "kubectl", "delete" }, KD, true },
	{ { "sudo", "-u", "root", "kubectl", "delete" }, KD, true },
	{ { "sudo", "-iu", "root", "-E", "A=1", "kubectl", "delete" }, KD, true },
	{ { "sudo", "--user=root", "--", "kubectl", "delete" }, KD, true },
	{ { "sudo", "env", "timeout", "3", "nice", "kubectl", "delete" }, KD, true },
	{ { "doas", "-u", "root", "kubectl", "delete" }, KD, true },
	{ { "command", "kubectl", "delete" }, KD, true },
	{ { "command", "-p", "kubectl", "delete" }, KD, true },
	{ { "exec", "kubectl", "delete" }, KD, true },
	{ { "exec", "-a", "name", "kubectl", "delete" }, KD, true },
	{ { "stdbuf", "-o", "L", "-e0", "kubectl", "delete" }, KD, true },
	{ { "setsid", "-f", "kubectl", "delete" }, KD, true },
	{ { "ionice", "-c", "3", "kubectl", "delete" }, KD, true },
	{ { "chrt", "-f", "10", "kubectl", "delete" }, KD, true },
	{ { "taskset", "-c", "0,1", "kubectl", "delete" }, KD, true },
	{ { "time", "-f", "%e", "kubectl", "delete" }, KD, true },
	{ { "flock", "-w", "5", "/tmp/l", "kubectl", "delete" }, KD, true },
	{ { "flock", "/tmp/l", "-c", "kubectl delete x" }, KD, true },
	{ { "busybox", "wget", "x" }, "wget", true },
	{ { "busybox", "sh", "-c", "kubectl delete x" }, KD, true },
	{ { "unbuffer", "kubectl", "delete" }, KD, true },
	{ { "eval", "kubectl", "delete", "x" }, KD, true },
	{ { "watch", "-n", "5", "kubectl delete x" }, KD, true },
	{ { "su", "-c", "kubectl delete x", "root" }, KD, true },
	{ { "su", "root", "-c", "kubectl delete x" }, KD, true },
	{ { "runuser", "-u", "bob", "--", "kubectl", "delete" }, KD, true },
	{ { "chroot", "/srv", "kubectl", "delete" }, KD, true },
	/* negative twins */
	{ { "command", "-v", "kubectl" }, "kubectl", false },
	{ { "command", "-pV", "kubectl", "delete" }, KD, false },
	{ { "env" }, "kubectl", false },
	{ { "env", "A=1" }, "kubectl", false },
	{ { "env", "-u", "kubectl", "delete" }, KD, false },
	{ { "timeout", "5", "true" }, KD, false },
	{ { "timeout", "5" }, "timeout", true },
	{ { "xargs", "echo", "kubectl", "delete" }, KD, false },
	{ { "nice", "-n", "5" }, "kubectl", false },
	{ { "ionice", "-p", "123", "kubectl" }, "kubectl", false },
	{ { "taskset", "-p", "0x1", "kubectl" }, "kubectl", false },
	{ { "chrt", "-p", "10", "kubectl" }, "kubectl", false },
	{ { "sudo", "echo", "kubectl", "delete" }, KD, false },
};

_Static_assert(ARRAY_SIZE(wrapper_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(argvmatch, wrappers)
{
	return case_indices(ARRAY_SIZE(wrapper_cases));
}

ParameterizedTest(size_t *i, argvmatch, wrappers)
{
	check_case(&wrapper_cases[*i]);
}

/* sh -c strings. */
static struct match_case shell_cases[] = {
	{ { "sh", "-c", "kubectl delete pod x" }, KD, true },
	{ { "bash", "-c", "kubectl --context c delete pod y" }, KD, true },
	{ { "bash", "-lc", "cd /tmp && kubectl delete x" }, KD, true },
	{ { "sh", "-c", "echo hi; kubectl delete x" }, KD, true },
	{ { "sh", "-c", "true | kubectl delete x" }, KD, true },
	{ { "sh", "-c", "FOO=1 kubectl delete x" }, KD, true },
	{ { "sh", "-c", "exec kubectl delete x" }, KD, true },
	{ { "sh", "-c", "sh -c 'kubectl delete x'" }, KD, true },
	{ { "sh", "-c", "echo $(kubectl delete x)" }, KD, true },
	{ { "sh", "-c", "if true; then kubectl delete x; fi" }, KD, true },
	{ { "sh", "-c", "sh -c \"env X=1 kubectl delete pod x\"" }, KD, true },
	{ { "dash", "-ec", "false || kubectl delete x" }, KD, true },
	{ { "zsh", "-xc", "kubectl delete x &" }, KD, true },
	{ { "bash", "-o", "pipefail", "-c", "kubectl delete x" }, KD, true },
	{ { "bash", "--norc", "--rcfile", "f", "-c", "kubectl delete x" }, KD, true },
	{ { "sh", "-c", "--", "kubectl delete x", "sh", "arg" }, KD, true },
	{ { "sh", "-c", "(kubectl delete x)" }, KD, true },
	{ { "sh", "-c", "{ kubectl delete x; }" }, KD, true },
	{ { "sh", "-c", "echo `kubectl delete x`" }, KD, true },
	{ { "sh", "-c", "echo \"a $(kubectl delete x) b\"; echo done" }, KD, true },
	{ { "sh", "-c", "kubectl delete x 2>&1 >/dev/null" }, KD, true },
	{ { "sh", "-c", ">out 2>/dev/null kubectl delete x" }, KD, true },
	{ { "sh", "-c", "kubectl 2> err delete x" }, KD, true },
	{ { "sh", "-c", "k''ubectl \"delete\" x" }, KD, true },
	{ { "sh", "-c", "kube\\ctl delete x" }, KD, true },
	{ { "bash", "-c", "$'\\x6bubectl' delete x" }, KD, true },
	{ { "sh", "-c", "while kubectl delete x; do :; done" }, KD, true },
	{ { "sh", "-c", "! kubectl delete x" }, KD, true },
	{ { "sh", "-c", "for p in a b; do kubectl delete $p; done" }, KD, true },
	{ { "sh", "-c", "kubectl --namespace=$(cat ns) delete pod" }, KD, true },
	{ { "sh", "-c", "kubectl -n$(cat ns) delete pod" }, KD, true },
	{ { "sh", "-c", "FOO=$(date) kubectl delete x" }, KD, true },
	{ { "sh", "-c", "eval \"kubectl delete x\"" }, KD, true },
	{ { "sh", "-c", "time -p kubectl delete x" }, KD, true },
	{ { "sh", "-c", "cat <(kubectl delete x)" }, KD, true },
	{ { "sh", "-c", "f() { kubectl delete x; }; f" }, KD, true },
	{ { "sh", "-c", "echo a \\\n; kubectl delete x" }, KD, true },
	{ { "sh", "-c", "kubectl delete x", "sh" }, KD, true },
	{ { "sh", "-c", "echo `echo \\`kubectl delete x\\``" }, KD, true },
	{ { "sh", "-c", "case $1 in a) kubectl delete x;; esac" }, KD, true },
	{ { "sh", "-c", "echo $(case $1 in a) echo;; esac) b; kubectl delete x" }, KD, true },
	{ { "sh", "-c", "echo $(case $1 in a) kubectl delete x;; esac)" }, KD, true },
	{ { "sh", "-c", "{fd}>/dev/null kubectl delete x" }, KD, true },
	{ { "sh", "-c", "for p do kubectl delete $p; done" }, KD, true },
	/* negative twins */
	{ { "sh", "-c", "echo kubectl delete" }, KD, false },
	{ { "sh", "-c", "echo \"kubectl delete\"" }, KD, false },
	{ { "sh", "-c", "echo 'kubectl delete'" }, KD, false },
	{ { "sh", "-c", "echo kubectl delete # x" }, KD, false },
	{ { "sh", "-c", "# kubectl delete x" }, KD, false },
	{ { "sh", "-c", "echo '$(kubectl delete x)'" }, KD, false },
	{ { "sh", "-c", "cat <<<kubectl delete" }, KD, false },
	{ { "sh", "-c", "kubectl get pod delete-me" }, KD, false },
	{ { "sh", "-c", "for kubectl in delete; do :; done" }, KD, false },
	{ { "sh", "script.sh", "kubectl", "delete" }, KD, false },
	{ { "bash", "-s", "kubectl", "delete" }, KD, false },
	{ { "bash", "-o", "-c", "kubectl delete x" }, KD, false },
	{ { "sh", "-c" }, "sh", true },
};

_Static_assert(ARRAY_SIZE(shell_cases) <= ARRAY_SIZE(case_index), "grow case_index");

ParameterizedTestParameters(argvmatch, shell)
{
	return case_indices(ARRAY_SIZE(shell_cases));
}

ParameterizedTest(size_t *i, argvmatch, shell)
{
	check_case(&shell_cases[*i]);
}

/* ------------------------------------------------------------ rule parsing */

struct rule_case {
	const char *text;
	int rc;
	size_t nwords;
};

static struct rule_case rule_cases[] = {
	{ "kubectl delete", 0, 2 },
	{ "  kubectl\tdelete  ", 0, 2 },
	{ "curl", 0, 1 },
	{ "/opt/bin/tool", 0, 1 },
	{ "kubectl rollout restart", 0, 3 },
	{ "a b c d e f g h", 0, 8 },
	{ "a b c d e f g h i", -EINVAL, 0 },
	{ "kube*", -EINVAL, 0 },
	{ "kubectl del?te", -EINVAL, 0 },
	{ "kubectl [d]elete", -EINVAL, 0 },
	{ "'kubectl' delete", -EINVAL, 0 },
	{ "kubectl \"delete\"", -EINVAL, 0 },
	{ "kubectl `delete`", -EINVAL, 0 },
	{ "kubectl -n", -EINVAL, 0 },
	{ "kubectl --all delete", -EINVAL, 0 },
	{ "kubectl\ndelete", -EINVAL, 0 },
	{ "kubectl\x01", -EINVAL, 0 },
	{ "kubectl\x7f", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "   \t ", -EINVAL, 0 },
};

ParameterizedTestParameters(argvmatch, parse_rule)
{
	return case_indices(ARRAY_SIZE(rule_cases));
}

ParameterizedTest(size_t *i, argvmatch, parse_rule)
{
	const struct rule_case *tc = &rule_cases[*i];
	char buf[ARGVMATCH_RULE_MAX + ARGVMATCH_MAX_WORDS];
	struct argvmatch_rule rule = { .nwords = 99 };
	const char *reason = NULL;
	int r = argvmatch_parse_rule(tc->text, buf, sizeof(buf), &rule, &reason);

	cr_assert_eq(r, tc->rc, "rule \"%s\": got %d, expected %d", tc->text, r, tc->rc);
	if (r == 0) {
		cr_assert_eq(rule.nwords, tc->nwords, "rule \"%s\": %zu words", tc->text,
			     rule.nwords);
	} else {
		cr_assert_not_null(reason, "rule \"%s\": no reason", tc->text);
		cr_assert_eq(rule.nwords, 99, "rule \"%s\": ret written on failure", tc->text);
	}
}

Test(argvmatch, parse_rule_words_and_lengths)
{
	char text[ARGVMATCH_RULE_MAX + 64], buf[ARGVMATCH_RULE_MAX + ARGVMATCH_MAX_WORDS];
	struct argvmatch_rule rule;
	const char *reason = NULL;

	cr_assert_eq(argvmatch_parse_rule("git  push\torigin", buf, sizeof(buf), &rule, &reason),
		     0);
	cr_assert_str_eq(rule.words[0], "git");
	cr_assert_str_eq(rule.words[1], "push");
	cr_assert_str_eq(rule.words[2], "origin");

	/* A word of exactly ARGVMATCH_WORD_MAX bytes is fine, one more is not. */
	memset(text, 'a', ARGVMATCH_WORD_MAX);
	text[ARGVMATCH_WORD_MAX] = '\0';
	cr_assert_eq(argvmatch_parse_rule(text, buf, sizeof(buf), &rule, &reason), 0);
	text[ARGVMATCH_WORD_MAX] = 'a';
	text[ARGVMATCH_WORD_MAX + 1] = '\0';
	cr_assert_eq(argvmatch_parse_rule(text, buf, sizeof(buf), &rule, &reason), -EINVAL);

	/* Text longer than ARGVMATCH_RULE_MAX, even with few words. */
	memset(text, ' ', ARGVMATCH_RULE_MAX + 1);
	memcpy(text, "curl", 4);
	text[ARGVMATCH_RULE_MAX + 1] = '\0';
	reason = NULL;
	cr_assert_eq(argvmatch_parse_rule(text, buf, sizeof(buf), &rule, &reason), -EINVAL);
	cr_assert_not_null(reason);

	/* The words do not fit the caller's buffer. */
	cr_assert_eq(argvmatch_parse_rule("kubectl delete", buf, 8, &rule, &reason), -ENOSPC);
}

/* -------------------------------------------------------------- extraction */

static size_t extract(const char *const *argv, struct argvmatch_scratch *scratch,
		      struct argvmatch_invocation *inv, size_t max)
{
	size_t argc = 0;

	while (argv[argc])
		argc++;
	return argvmatch_extract(argv, argc, scratch, inv, max);
}

Test(argvmatch, nested_wrappers_count_and_depth)
{
	static struct argvmatch_scratch scratch;
	const char *argv[] = { "sudo", "env", "timeout", "3", "nice", "kubectl", "delete", NULL };
	const char *names[] = { "sudo", "env", "timeout", "nice", "kubectl" };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));

	cr_assert_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(inv[i].name, names[i]);
		cr_assert_eq(inv[i].depth, i);
	}
	cr_assert_eq(inv[4].npos, 1);
	cr_assert_str_eq(inv[4].pos[0], "delete");
	cr_assert_not(scratch.incomplete);
}

Test(argvmatch, nested_shells_count_and_depth)
{
	static struct argvmatch_scratch scratch;
	const char *argv[] = { "sh", "-c", "cd /x && sh -c 'env A=1 kubectl delete pod'", NULL };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));

	cr_assert_eq(n, 5);
	cr_assert_str_eq(inv[1].name, "cd");
	cr_assert_eq(inv[1].depth, 1);
	cr_assert_str_eq(inv[2].name, "sh");
	cr_assert_eq(inv[2].depth, 1);
	cr_assert_str_eq(inv[3].name, "env");
	cr_assert_eq(inv[3].depth, 2);
	cr_assert_str_eq(inv[4].name, "kubectl");
	cr_assert_eq(inv[4].depth, 3);
	cr_assert_eq(inv[4].npos, 2);
}

Test(argvmatch, max_depth_bound)
{
	static struct argvmatch_scratch scratch;
	const char *argv[ARGVMATCH_MAX_DEPTH + 4];
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t i, n;

	/* ARGVMATCH_MAX_DEPTH wrappers: the command is still found. */
	for (i = 0; i < ARGVMATCH_MAX_DEPTH; i++)
		argv[i] = "nohup";
	argv[i++] = "kubectl";
	argv[i++] = "delete";
	argv[i] = NULL;
	n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));
	cr_assert_eq(n, ARGVMATCH_MAX_DEPTH + 1);
	cr_assert_str_eq(inv[n - 1].name, "kubectl");
	cr_assert_eq(inv[n - 1].depth, ARGVMATCH_MAX_DEPTH);
	cr_assert_not(scratch.incomplete);

	/* One more: the bound is reported, not silently ignored. */
	for (i = 0; i <= ARGVMATCH_MAX_DEPTH; i++)
		argv[i] = "nohup";
	argv[i++] = "kubectl";
	argv[i] = NULL;
	n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));
	cr_assert_eq(n, ARGVMATCH_MAX_DEPTH + 1);
	cr_assert_eq(inv[n - 1].depth, ARGVMATCH_MAX_DEPTH);
	cr_assert(scratch.incomplete);
}

Test(argvmatch, deep_shell_nesting_is_bounded)
{
	static struct argvmatch_scratch scratch;
	static char code[4096];
	const char *argv[] = { "sh", "-c", code, NULL };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t n;

	/* $( $( $( ... kubectl delete ... ) ) ), deeper than any bound. */
	code[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(code, "echo $(");
	strcat(code, "kubectl delete x");
	for (int i = 0; i < 100; i++)
		strcat(code, ")");
	n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));
	cr_assert_geq(n, 1);
	cr_assert(scratch.incomplete);
}

Test(argvmatch, scratch_overflow_sets_incomplete)
{
	static struct argvmatch_scratch scratch;
	static char code[ARGVMATCH_SCRATCH_SIZE * 2];
	const char *argv[] = { "sh", "-c", code, NULL };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];
	size_t n, len;

	/* A command that fits, then one word longer than the scratch space. */
	strcpy(code, "kubectl delete x; echo ");
	len = strlen(code);
	memset(code + len, 'y', sizeof(code) - len - 1);
	code[sizeof(code) - 1] = '\0';
	n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));
	cr_assert(scratch.incomplete);
	cr_assert_leq(scratch.used, sizeof(scratch.buf));
	cr_assert_eq(n, 2);
	cr_assert_str_eq(inv[1].name, "kubectl");
	cr_assert_str_eq(inv[1].pos[0], "delete");

	/* Many short words: the same, through the env -S splitter. */
	const char *argv2[] = { "env", "-S", code, NULL };
	for (size_t i = 0; i + 1 < sizeof(code); i++)
		code[i] = i % 2 ? ' ' : 'a';
	n = extract(argv2, &scratch, inv, ARRAY_SIZE(inv));
	cr_assert(scratch.incomplete);
	cr_assert_geq(n, 1);
}

Test(argvmatch, invocation_limit_sets_incomplete)
{
	static struct argvmatch_scratch scratch;
	const char *argv[] = { "sudo", "env", "kubectl", "delete", NULL };
	struct argvmatch_invocation inv[2];
	size_t n = extract(argv, &scratch, inv, ARRAY_SIZE(inv));

	cr_assert_eq(n, 2);
	cr_assert(scratch.incomplete);
	cr_assert_eq(extract(argv, &scratch, inv, 0), 0);
	cr_assert(scratch.incomplete);
}

Test(argvmatch, empty_and_short_argv)
{
	static struct argvmatch_scratch scratch;
	const char *argv[] = { "kubectl", NULL, "delete" };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];

	cr_assert_eq(argvmatch_extract(argv, 0, &scratch, inv, ARRAY_SIZE(inv)), 0);
	/* A NULL inside argc ends the vector. */
	cr_assert_eq(argvmatch_extract(argv, 3, &scratch, inv, ARRAY_SIZE(inv)), 1);
	cr_assert_eq(inv[0].npos, 0);
	cr_assert_not(scratch.incomplete);
}

/* ------------------------------------------------------------- robustness */

static const char *const vocabulary[] = {
	"sh",	   "-c",      "bash",	 "-lc",
	"env",	   "-S",      "-i",	 "sudo",
	"-u",	   "xargs",   "-I",	 "timeout",
	"5",	   "nice",    "-n",	 "--",
	"-",	   "A=1",     "kubectl", "delete",
	"git",	   "-C",      "push",	 "flock",
	"eval",	   "su",      "-o",	 "$(",
	")",	   "`",	      "\\`",	 "'",
	"\"",	   ";",	      "|",	 "&&",
	"2>&1",	   "<<<",     "<(",	 "{",
	"}",	   "for",     "do",	 "case",
	"$'\\x",   "$'\\u12", "\\",	 "#",
	"(",	   "\n",      "-S'",	 "--split-string=",
	"command", "-v",      "exec",	 "busybox",
	"watch",   "runuser", "chrt",	 "taskset",
	"ionice",  "stdbuf",
};

/* Wrappers put first more often, so that random words reach the unwrapping code. */
static const char *const first_words[] = {
	"sh",	 "bash",    "env",   "sudo",	"xargs", "timeout", "nice", "eval",    "su",
	"flock", "busybox", "watch", "command", "exec",	 "runuser", "chrt", "kubectl", "git",
};

static void random_word(char *w, size_t size)
{
	size_t len = (size_t)rand() % (size - 1);

	if (rand() % 2) {
		const char *v = vocabulary[(size_t)rand() % ARRAY_SIZE(vocabulary)];

		snprintf(w, size, "%s", v);
		/* Sometimes glue random bytes or more vocabulary to it. */
		len = strlen(w);
		while (rand() % 3 == 0 && len + 8 < size) {
			const char *more = vocabulary[(size_t)rand() % ARRAY_SIZE(vocabulary)];
			size_t ml = strlen(more);

			if (len + ml + 2 >= size)
				break;
			w[len++] = rand() % 2 ? ' ' : (char)(1 + rand() % 255);
			memcpy(w + len, more, ml + 1);
			len += ml;
		}
		return;
	}
	for (size_t i = 0; i < len; i++)
		w[i] = (char)(1 + rand() % 255); /* any byte but NUL */
	w[len] = '\0';
}

Test(argvmatch, random_argvs_do_not_crash, .timeout = 120)
{
	/* On the heap, sized exactly: ASan then sees any read past a word or the scratch. */
	struct argvmatch_scratch *scratch = malloc(sizeof(*scratch));
	char word[96], *heap[12];
	const char *argv[13];
	const char *rules[][3] = { { "kubectl", "delete", NULL }, { "sh", NULL, NULL } };
	struct argvmatch_invocation inv[ARGVMATCH_MAX_INVOCATIONS];

	cr_assert_not_null(scratch);
	srand(20240601);
	for (int iter = 0; iter < 10000; iter++) {
		size_t argc = (size_t)rand() % 12, n;

		for (size_t i = 0; i < argc; i++) {
			random_word(word, sizeof(word));
			heap[i] = strdup(word);
			cr_assert_not_null(heap[i]);
			argv[i] = heap[i];
		}
		if (argc > 0 && rand() % 4)
			argv[0] = first_words[(size_t)rand() % ARRAY_SIZE(first_words)];
		if (argc > 1 && rand() % 2)
			argv[1] = rand() % 2 ? "-c" : "-S";
		argv[argc] = NULL;
		n = argvmatch_extract(argv, argc, scratch, inv, ARRAY_SIZE(inv));
		cr_assert_leq(n, ARRAY_SIZE(inv), "iteration %d", iter);
		cr_assert_eq(n == 0, argc == 0, "iteration %d", iter);
		cr_assert_leq(scratch->used, sizeof(scratch->buf), "iteration %d", iter);
		for (size_t i = 0; i < n; i++) {
			/* strlen() walks every string: ASan flags any that is not terminated. */
			size_t total = strlen(inv[i].cmd) + strlen(inv[i].name);

			cr_assert_leq(inv[i].depth, ARGVMATCH_MAX_DEPTH, "iteration %d", iter);
			cr_assert_leq(inv[i].npos, ARGVMATCH_MAX_POS, "iteration %d", iter);
			for (size_t j = 0; j < inv[i].npos; j++)
				total += strlen(inv[i].pos[j]);
			(void)total;
			for (size_t r = 0; r < ARRAY_SIZE(rules); r++)
				(void)argvmatch_rule_matches(rules[r], rules[r][1] ? 2 : 1,
							     &inv[i]);
		}
		for (size_t i = 0; i < argc; i++)
			free(heap[i]);
	}
	free(scratch);
}
