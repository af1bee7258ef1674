/* SPDX-License-Identifier: MIT */
/*
 * test_shim_msg.c — the shim's pure parts: the audit record encoder
 * (shim/shim_protocol.h), the stderr line, the bounded string builder, and
 * the exec/open verdicts straight from a compiled blob.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "policy/blob.h"
#include "shim/decide.h"
#include "shim/fmt.h"
#include "shim/msg.h"
#include "shim/shim_protocol.h"

static void *compile_default(struct policy_blob *b)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	size_t len, size;
	const char *yaml = policy_default_yaml(&len);
	void *blob;

	cr_assert_eq(policy_load_buffer(p, yaml, len, "~/.aigate/config.yaml", &d), 0, "%s", d.msg);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &blob, &size), 0);
	policy_free(p);
	cr_assert_eq(policy_blob_open(blob, size, b), 0);
	return blob;
}

static struct shim_denial denial(const char *action, const char *call, enum policy_blob_list list,
				 int rule, const char *target)
{
	struct shim_denial d = { .action = action,
				 .call = call,
				 .list = list,
				 .rule = rule,
				 .target = target,
				 .err = 13 };
	return d;
}

/* The fields of a message, in order, as "k=v" strings; returns how many. */
static size_t fields(const char *msg, size_t len, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < max; i += strlen(msg + i) + 1)
		out[n++] = msg + i;
	return n;
}

Test(shim_fmt, bounded_and_whole)
{
	char buf[8];
	struct shim_fmt f;

	shim_fmt_init(&f, buf, sizeof(buf));
	shim_fmt_str(&f, "abc");
	shim_fmt_uint(&f, 1234);
	cr_expect_str_eq(buf, "abc1234");
	cr_expect_eq(shim_fmt_end(&f), 7);
	shim_fmt_str(&f, "x"); /* no room for it and the NUL */
	cr_expect(f.full);
	cr_expect_str_eq(buf, "abc1234");
	cr_expect_eq(shim_fmt_end(&f), -1);
	shim_fmt_init(&f, buf, sizeof(buf));
	shim_fmt_uint(&f, 0);
	shim_fmt_str(&f, "toolongforit"); /* whole or nothing */
	cr_expect_str_eq(buf, "0");
}

Test(shim_msg, exec_record)
{
	const char *argv[] = { "kubectl", "-n", "x", "delete", "pod", "y", NULL };
	struct argvmatch_invocation inv = { .cmd = "kubectl", .name = "kubectl" };
	struct shim_denial d = denial("exec", "execvp", POLICY_BLOB_DENY_EXEC, 5, "kubectl");
	d.argv = argv;
	d.inv = &inv;
	char buf[SHIM_MSG_MAX];
	const char *f[32];
	size_t len = shim_msg_encode(&d, buf, sizeof(buf)), n;

	cr_assert_gt(len, 0);
	cr_expect_eq(buf[len - 1], '\0', "every field ends in a NUL");
	n = fields(buf, len, f, 32);
	const char *want[] = { "v=1",	       "action=exec", "verdict=denied", "list=deny_exec",
			       "rule=5",       "call=execvp", "errno=13",	"target=kubectl",
			       "argv=kubectl", "argv=-n",     "argv=x",		"argv=delete",
			       "argv=pod",     "argv=y" };
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(f[i], want[i]);
}

Test(shim_msg, open_record_has_no_argv)
{
	struct shim_denial d = denial("open", "fopen64", POLICY_BLOB_DENY_READ, 0, "/p/.env");
	char buf[256];
	const char *f[16];
	size_t n = fields(buf, shim_msg_encode(&d, buf, sizeof(buf)), f, 16);

	cr_assert_eq(n, 8);
	cr_expect_str_eq(f[0], "v=1");
	cr_expect_str_eq(f[1], "action=open");
	cr_expect_str_eq(f[3], "list=deny_read");
	cr_expect_str_eq(f[5], "call=fopen64");
	cr_expect_str_eq(f[7], "target=/p/.env");
}

/* At most SHIM_MSG_ARGV words, whole words only, never past SHIM_MSG_MAX. */
Test(shim_msg, argv_bounded)
{
	static char big[3000];
	const char *argv[200];
	struct shim_denial d = { .action = "exec",
				 .call = "execve",
				 .list = POLICY_BLOB_DENY_EXEC,
				 .target = "/bin/x",
				 .argv = argv,
				 .err = 13 };
	static char buf[SHIM_MSG_MAX * 2];
	const char *f[300];
	size_t len, n, nargv = 0;

	for (size_t i = 0; i < 199; i++)
		argv[i] = "w";
	argv[199] = NULL;
	n = fields(buf, shim_msg_encode(&d, buf, sizeof(buf)), f, 300);
	for (size_t i = 0; i < n; i++)
		nargv += strncmp(f[i], "argv=", 5) == 0;
	cr_expect_eq(nargv, SHIM_MSG_ARGV);

	memset(big, 'a', sizeof(big) - 1);
	for (size_t i = 0; i < 5; i++)
		argv[i] = big;
	argv[5] = NULL;
	len = shim_msg_encode(&d, buf, sizeof(buf));
	cr_expect_leq(len, SHIM_MSG_MAX);
	n = fields(buf, len, f, 300);
	nargv = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(f[i], "argv=", 5) == 0) {
			nargv++;
			cr_expect_eq(strlen(f[i]), 5 + sizeof(big) - 1, "a word is never cut");
		}
	cr_expect_eq(nargv, 2, "two 3000-byte words fit in 8 KiB, a third does not");
}

Test(shim_msg, lines_name_rule_and_origin)
{
	struct policy_blob b;
	void *data = compile_default(&b);
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	char *const argv[] = { "kubectl", "-n", "x", "delete", "pod", "y", NULL };
	char line[SHIM_LINE_MAX];
	int rule = shim_decide_exec(&b, "/usr/bin/kubectl", argv, NULL, &scratch, &inv);

	cr_assert_geq(rule, 0);
	struct shim_denial d = denial("exec", "execvp", POLICY_BLOB_DENY_EXEC, rule, "kubectl");
	d.argv = (const char *const *)argv;
	d.inv = &inv;
	size_t len = shim_line_encode(&b, &d, line, sizeof(line));
	line[len] = '\0';
	cr_expect_str_eq(line, "aigate: denied: kubectl delete (deny_exec \"kubectl delete\", "
			       "~/.aigate/config.yaml:32)\n");

	rule = shim_decide_open(&b, "/home/u/proj/sub/../.env", false);
	cr_assert_eq(rule, 0);
	struct shim_denial o =
		denial("open", "open", POLICY_BLOB_DENY_READ, rule, "/home/u/proj/.env");
	len = shim_line_encode(&b, &o, line, sizeof(line));
	line[len] = '\0';
	cr_expect_str_eq(line, "aigate: denied: open /home/u/proj/.env (deny_read \".env\", "
			       "~/.aigate/config.yaml:12)\n");
	/* A tiny buffer still ends in a newline. */
	len = shim_line_encode(&b, &o, line, 10);
	cr_expect_eq(line[len - 1], '\n');
	cr_expect_leq(len, 10);
	free(data);
}

struct exec_case {
	const char *path;
	const char *argv[8];
	bool denied;
};

/* Verdicts the shim takes from the blob: argv as given, then argv[0] = the path. */
Test(shim_decide, exec_table)
{
	static const struct exec_case cases[] = {
		{ "/usr/bin/kubectl", { "kubectl", "delete", "pod", "x" }, true },
		{ "/usr/bin/kubectl", { "kubectl", "get", "pod" }, false },
		{ "/usr/bin/kubectl", { "k", "delete", "pod" }, true }, /* argv[0] lies */
		{ "kubectl", { "kubectl", "--context", "c", "delete" }, true },
		{ "/bin/sh", { "sh", "-c", "kubectl delete pod x" }, true },
		{ "/bin/sh", { "sh", "-c", "echo pod | xargs kubectl delete" }, true },
		{ "/usr/bin/env", { "env", "-i", "curl", "x" }, true },
		{ "/usr/bin/curl", { NULL }, true }, /* no argv: the path alone */
		{ NULL, { NULL }, false },
		{ "/usr/bin/ls", { "ls", "-l" }, false },
	};
	struct policy_blob b;
	void *data = compile_default(&b);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct argvmatch_scratch scratch;
		struct argvmatch_invocation inv;
		int r = shim_decide_exec(&b, cases[i].path, (char *const *)cases[i].argv, NULL,
					 &scratch, &inv);
		cr_expect_eq(r >= 0, cases[i].denied, "case %zu (%s): rule %d", i,
			     cases[i].path ? cases[i].path : "(null)", r);
	}
	free(data);
}

Test(shim_decide, open_table)
{
	struct policy_blob b;
	void *data = compile_default(&b);

	cr_expect_eq(shim_decide_open(&b, "/home/u/proj/.env", false), 0);
	cr_expect_geq(shim_decide_open(&b, "/home/u/proj/secrets/x", false), 0);
	cr_expect_geq(shim_decide_open(&b, "/home/u/proj/secrets", true), 0);
	cr_expect_eq(shim_decide_open(&b, "/home/u/proj/secrets", false), -1,
		     "a dir_only rule needs O_DIRECTORY for the directory itself");
	cr_expect_eq(shim_decide_open(&b, "/home/u/proj/ok.txt", false), -1);
	cr_expect_eq(shim_decide_open(&b, "/etc/passwd", false), -1);
	cr_expect_eq(shim_decide_open(&b, "relative/.env", false), -1,
		     "what cannot be judged is left to the supervisor");
	free(data);
}
