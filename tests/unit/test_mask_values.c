/* SPDX-License-Identifier: MIT */
/*
 * test_mask_values.c — reading the values of the dotenv files deny_read
 * hides: the syntax (table-driven over file contents written to a temp
 * dir) and the files that must be skipped without blocking or following.
 * Parameters hold arrays, not pointers: Criterion re-executes its workers.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/mask_values.h"

#define WANT_MAX 6

struct syntax_case {
	char name[40];
	char content[224];
	size_t len;		 /* 0: strlen(content); else the bytes, NULs included */
	char want[WANT_MAX][40]; /* the values in order, "" after the last */
};

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/aigate-mv-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

/* Write @len bytes to @name in the temp dir; returns the path (static storage per slot). */
static const char *write_file(const char *name, const void *data, size_t len)
{
	static char paths[4][128];
	static int slot;
	char *path = paths[slot++ % 4];
	snprintf(path, 128, "%s/%s", tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static size_t count(char **v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

ParameterizedTestParameters(mask_values, syntax)
{
	static struct syntax_case cases[] = {
		{ "plain", "API_KEY=sk-abcdef123456\n", 0, { "sk-abcdef123456" } },
		{ "export", "export TOKEN=ghp_abcdefgh1234\n", 0, { "ghp_abcdefgh1234" } },
		{ "export then tabs",
		  "export \t TAB=tab-after-export\n",
		  0,
		  { "tab-after-export" } },
		{ "export as a key", "export=export-as-a-key\n", 0, { "export-as-a-key" } },
		{ "blanks around =",
		  "  KEY \t=  value-spaced-around \t\n",
		  0,
		  { "value-spaced-around" } },
		{ "key characters",
		  "MY.KEY-1=dotted-key-value\n9KEY=digit-first-value\n",
		  0,
		  { "dotted-key-value", "digit-first-value" } },
		{ "not a key", "BAD KEY=space-in-the-key\n=no-key-at-all-here\n", 0, { "" } },
		{ "single quotes",
		  "K='single # not a comment'\n",
		  0,
		  { "single # not a comment" } },
		{ "single quotes keep \\", "K='back\\nslash-kept'\n", 0, { "back\\nslash-kept" } },
		{ "double quote escapes",
		  "K=\"a\\\"b\\\\c-long-enough\"\n",
		  0,
		  { "a\"b\\c-long-enough" } },
		{ "other escapes kept", "K=\"tab\\there-xx\"\n", 0, { "tab\\there-xx" } },
		{ "\\n splits",
		  "CERT=\"line-one-xx\\nline-two-yy\"\n",
		  0,
		  { "line-one-xx", "line-two-yy" } },
		{ "after the quote",
		  "K=\"quoted-value-1\" trailing words\n",
		  0,
		  { "quoted-value-1" } },
		{ "comments",
		  "# KEY=commented-out-value\n\n   # INDENTED=commented-too\nR=real-value-1\n",
		  0,
		  { "real-value-1" } },
		{ "inline comment",
		  "K=value-before-comment # comment here\n",
		  0,
		  { "value-before-comment" } },
		{ "inline comment, tab",
		  "K=value-before-tab\t# comment\n",
		  0,
		  { "value-before-tab" } },
		{ "# without a blank", "K=pass#word#123\n", 0, { "pass#word#123" } },
		{ "# at the start",
		  "A=#starts-with-hash\nB= #only-a-comment\n",
		  0,
		  { "#starts-with-hash" } },
		{ "CRLF",
		  "A=crlf-value-1\r\nB=\"crlf-quoted-2\"\r\n# c\r\n\r\nC='crlf-single-3'\r\n"
		  "D=crlf-comment-4 # x\r\n",
		  0,
		  { "crlf-value-1", "crlf-quoted-2", "crlf-single-3", "crlf-comment-4" } },
		{ "empty values", "A=\nB=''\nC=\"\"\nD=   \nE\nF= # c\n", 0, { "" } },
		{ "short values",
		  "PORT=3000\nDEBUG=true\nN=1234567\nEXACT=12345678\n",
		  0,
		  { "12345678" } },
		{ "duplicates",
		  "A=same-secret-value\nB='same-secret-value'\nC=other-secret-value\n",
		  0,
		  { "same-secret-value", "other-secret-value" } },
		{ "multi-line quotes",
		  "KEY=\"-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\n-----END "
		  "KEY-----\"\nNEXT=after-the-key\n",
		  0,
		  { "-----BEGIN KEY-----", "MIIEowIBAAKCAQEA", "-----END KEY-----",
		    "after-the-key" } },
		{ "multi-line CRLF",
		  "KEY='first-line-aa\r\nsecond-line-bb'\r\n",
		  0,
		  { "first-line-aa", "second-line-bb" } },
		{ "unclosed, then a value",
		  "A=\"unclosed-value-1\nB=\"next-value-2\"\n",
		  0,
		  { "unclosed-value-1", "next-value-2" } },
		{ "unclosed at the end", "A='never closed value\n", 0, { "never closed value" } },
		{ "not dotenv",
		  "just some text here\n{\"json\": \"value-not-read\"}\nkey: yaml-value-not-read\n"
		  "[section]\n",
		  0,
		  { "" } },
		{ "no final newline", "K=no-final-newline", 0, { "no-final-newline" } },
		/* A NUL ends the line: the value before it is taken, the rest is a new line. */
		{ "NUL in a value",
		  "A=before-nul\0after-nul-not-a-value\nB=next-line-value\n",
		  53,
		  { "before-nul", "next-line-value" } },
		{ "NUL in quotes", "C=\"quoted-nul\0rest\"\n", 20, { "quoted-nul" } },
		{ "binary",
		  "\x7f"
		  "ELF\x02\x01\0\0\xff\xfe\0KEY=binary-embedded\0\xff=\xfe\n",
		  35,
		  { "binary-embedded" } },
	};
	return cr_make_param_array(struct syntax_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct syntax_case *c, mask_values, syntax)
{
	char **v = NULL;
	size_t skipped = 99, want_n = 0;

	make_tmpdir();
	const char *path = write_file(".env", c->content, c->len ? c->len : strlen(c->content));
	cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0, "[%s]", c->name);
	cr_expect_eq(skipped, 0, "[%s]", c->name);
	while (want_n < WANT_MAX && c->want[want_n][0])
		want_n++;
	cr_expect_eq(count(v), want_n, "[%s] %zu values, want %zu (first: '%s')", c->name, count(v),
		     want_n, v[0] ? v[0] : "");
	for (size_t i = 0; i < want_n && v[i]; i++)
		cr_expect_str_eq(v[i], c->want[i], "[%s] value %zu", c->name, i);
	mask_values_free(v);
	remove_tmpdir();
}

/*
 * Files not named like dotenv (.npmrc, .pypirc, *.ini): the key is anything
 * before the first '=', so npm's "//host/:_authToken=…" lines, skipped by
 * the dotenv key characters, are read; "[section]" and ';' comments are
 * skipped; a bare http(s) URL is config noise, not a value.
 */
struct ini_case {
	char file[24];
	char content[200];
	char want[WANT_MAX][48];
};

ParameterizedTestParameters(mask_values, ini_syntax)
{
	static struct ini_case cases[] = {
		{ ".npmrc",
		  "registry=https://registry.npmjs.org/\n"
		  "//registry.npmjs.org/:_authToken=npm_AbCdEf0123456789xyz\n"
		  "@corp:registry=https://npm.corp.example/\n"
		  "//npm.corp.example/:_password=\"c2VjcmV0cGFzcw==\"\n",
		  { "npm_AbCdEf0123456789xyz", "c2VjcmV0cGFzcw==" } },
		{ ".pypirc",
		  "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJDUx\n; "
		  "x=commented1\n",
		  { "__token__", "pypi-AgEIcHlwaS5vcmcCJDUx" } },
		/* Credentials in a URL are not noise: userinfo, a query, a token in the path. */
		{ "app.ini",
		  "db=https://u:hunter2pw@db.example/\nhook=https://hooks.example/T0/B0/"
		  "XxYyZz0123456789Ab\nq=https://x.example/?key=abc\n",
		  { "https://u:hunter2pw@db.example/",
		    "https://hooks.example/T0/B0/XxYyZz0123456789Ab",
		    "https://x.example/?key=abc" } },
		/* A dotenv name keeps dotenv keys (and masks URLs: an .env holds secrets only). */
		{ ".env.local",
		  "//registry.npmjs.org/:_authToken=npm_AbCdEf0123456789xyz\n"
		  "REGISTRY=https://registry.npmjs.org/\n",
		  { "https://registry.npmjs.org/" } },
		{ "prod.env",
		  "a/b:c=npm_AbCdEf0123456789xyz\nK=value-one-two\n",
		  { "value-one-two" } },
	};
	return cr_make_param_array(struct ini_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct ini_case *c, mask_values, ini_syntax)
{
	char **v = NULL;
	size_t skipped = 99, want_n = 0;

	make_tmpdir();
	const char *path = write_file(c->file, c->content, strlen(c->content));
	cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0, "[%s]", c->file);
	cr_expect_eq(skipped, 0, "[%s]", c->file);
	while (want_n < WANT_MAX && c->want[want_n][0])
		want_n++;
	cr_expect_eq(count(v), want_n, "[%s] %zu values, want %zu (first: '%s')", c->file, count(v),
		     want_n, v[0] ? v[0] : "");
	for (size_t i = 0; i < want_n && v[i]; i++)
		cr_expect_str_eq(v[i], c->want[i], "[%s] value %zu", c->file, i);
	mask_values_free(v);
	remove_tmpdir();
}

Test(mask_values, nothing_to_read)
{
	char **v = NULL;
	size_t skipped = 99;
	cr_assert_eq(mask_values_read(NULL, 0, &v, &skipped), 0);
	cr_assert_not_null(v, "an empty array, not NULL");
	cr_expect_null(v[0]);
	cr_expect_eq(skipped, 0);
	mask_values_free(v);
	mask_values_free(NULL);
}

/* A FIFO where .env was must neither block the launcher nor count as read. */
Test(mask_values, fifo_is_skipped_without_blocking, .timeout = 5)
{
	char fifo[128];
	char **v;
	size_t skipped;

	make_tmpdir();
	snprintf(fifo, sizeof(fifo), "%s/.env", tmpdir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	const char *good = write_file("good.env", "K=good-secret-value\n", 20);
	const char *paths[] = { fifo, good };
	cr_assert_eq(mask_values_read(paths, 2, &v, &skipped), 0);
	cr_expect_eq(skipped, 1);
	cr_assert_eq(count(v), 1);
	cr_expect_str_eq(v[0], "good-secret-value");
	mask_values_free(v);
	remove_tmpdir();
}

/* O_NOFOLLOW: a symlink the sandbox planted is not followed, even to a real dotenv file. */
Test(mask_values, symlink_is_refused)
{
	char link[128];
	char **v;
	size_t skipped;

	make_tmpdir();
	const char *target = write_file("real.env", "K=behind-a-symlink\n", 19);
	snprintf(link, sizeof(link), "%s/.env", tmpdir);
	cr_assert_eq(symlink(target, link), 0);
	const char *paths[] = { link };
	cr_assert_eq(mask_values_read(paths, 1, &v, &skipped), 0);
	cr_expect_eq(skipped, 1);
	cr_expect_eq(count(v), 0);
	mask_values_free(v);
	remove_tmpdir();
}

Test(mask_values, not_regular_or_missing_is_skipped)
{
	char **v;
	size_t skipped;

	make_tmpdir();
	const char *paths[] = { tmpdir, "/dev/null", "/nonexistent/aigate/.env", NULL };
	cr_assert_eq(mask_values_read(paths, 4, &v, &skipped), 0);
	cr_expect_eq(skipped, 4, "a directory, a device, a missing file, a NULL path");
	cr_expect_eq(count(v), 0);
	mask_values_free(v);
	/* ret_skipped may be NULL. */
	cr_assert_eq(mask_values_read(paths, 4, &v, NULL), 0);
	mask_values_free(v);
	remove_tmpdir();
}

/* As root (CAP_DAC_OVERRIDE reads a mode-000 file) the reading runs in a child as nobody. */
Test(mask_values, unreadable_is_skipped)
{
	char **v;
	size_t skipped;

	make_tmpdir();
	cr_assert_eq(chmod(tmpdir, 0755), 0);
	const char *path = write_file(".env", "K=cannot-read-this\n", 19);
	cr_assert_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0);
		cr_expect_eq(skipped, 1);
		cr_expect_eq(count(v), 0);
		mask_values_free(v);
	} else {
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			    setresuid(65534, 65534, 65534) < 0)
				_exit(2);
			if (mask_values_read(&path, 1, &v, &skipped) < 0)
				_exit(3);
			_exit(skipped == 1 && count(v) == 0 ? 0 : 1);
		}
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	}
	remove_tmpdir();
}

/* Larger than MASK_VALUES_FILE_MAX: skipped whole, not read in part. */
Test(mask_values, size_limit)
{
	size_t big = 2u << 20;
	char *data = malloc(big);
	char **v;
	size_t skipped;

	cr_assert_not_null(data);
	memset(data, '#', big);
	memcpy(data, "K=in-a-2MiB-file\n", 17);
	make_tmpdir();
	const char *path = write_file(".env", data, big);
	cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0);
	cr_expect_eq(skipped, 1, "2 MiB is too large");
	cr_expect_eq(count(v), 0);
	mask_values_free(v);

	/* Exactly the limit is read. */
	path = write_file(".env", data, MASK_VALUES_FILE_MAX);
	cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0);
	cr_expect_eq(skipped, 0, "1 MiB is allowed");
	cr_assert_eq(count(v), 1);
	cr_expect_str_eq(v[0], "in-a-2MiB-file");
	mask_values_free(v);
	free(data);
	remove_tmpdir();
}

/* A value past MASK_VALUE_MAX keeps its head: masking most of it beats masking none. */
Test(mask_values, long_value_is_cut)
{
	size_t n = MASK_VALUE_MAX + 1000;
	char *data = malloc(n + 8);
	char **v;
	size_t skipped;

	cr_assert_not_null(data);
	memcpy(data, "K=", 2);
	memset(data + 2, 'x', n);
	memcpy(data + 2 + n, "\nQ=\"", 4);
	make_tmpdir();
	const char *path = write_file(".env", data, n + 6);
	cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0);
	cr_assert_eq(count(v), 1, "the unquoted value; the unclosed quote holds nothing");
	cr_expect_eq(strlen(v[0]), MASK_VALUE_MAX);
	mask_values_free(v);

	/* The same inside quotes. */
	data[2] = '"';
	memcpy(data + 2 + n, "\"\n", 2);
	path = write_file(".env", data, n + 4);
	cr_assert_eq(mask_values_read(&path, 1, &v, &skipped), 0);
	cr_assert_eq(count(v), 1);
	cr_expect_eq(strlen(v[0]), MASK_VALUE_MAX);
	mask_values_free(v);
	free(data);
	remove_tmpdir();
}

/* Past MASK_VALUES_MAX values the file that did not fit counts as skipped. */
Test(mask_values, value_count_limit)
{
	size_t cap = (MASK_VALUES_MAX + 100) * 32, len = 0;
	char *data = malloc(cap);
	char **v;
	size_t skipped;

	cr_assert_not_null(data);
	for (int i = 0; i < MASK_VALUES_MAX + 100; i++)
		len += (size_t)snprintf(data + len, cap - len, "K%d=secret-%08d\n", i, i);
	make_tmpdir();
	const char *paths[3];
	paths[0] = write_file("a.env", "A=secret-00000001\n", 18);
	paths[1] = write_file("b.env", data, len);
	paths[2] = write_file("c.env", "C=secret-00000002\n", 18); /* only duplicates */
	cr_assert_eq(mask_values_read(paths, 3, &v, &skipped), 0);
	cr_expect_eq(count(v), MASK_VALUES_MAX);
	cr_expect_eq(skipped, 1, "b.env did not fit; c.env holds nothing new");
	cr_expect_str_eq(v[0], "secret-00000001", "file order");
	cr_expect_str_eq(v[1], "secret-00000000");
	mask_values_free(v);
	free(data);
	remove_tmpdir();
}

Test(mask_values, duplicates_across_files)
{
	char **v;
	size_t skipped;

	make_tmpdir();
	const char *paths[2];
	paths[0] = write_file(".env", "A=shared-value-1\nB=only-in-env\n", 31);
	paths[1] = write_file(".env.local", "export A='shared-value-1'\nC=only-in-local\n", 42);
	cr_assert_eq(mask_values_read(paths, 2, &v, &skipped), 0);
	cr_assert_eq(count(v), 3);
	cr_expect_str_eq(v[0], "shared-value-1");
	cr_expect_str_eq(v[1], "only-in-env");
	cr_expect_str_eq(v[2], "only-in-local");
	mask_values_free(v);
	remove_tmpdir();
}
