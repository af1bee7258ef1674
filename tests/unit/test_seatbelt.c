/* SPDX-License-Identifier: MIT */
/*
 * test_seatbelt.c — the macOS Seatbelt profile generator (launcher/seatbelt.c):
 * golden profiles, the glob-to-regex translation (as text, and as matching:
 * every regex is run through POSIX regcomp() and must agree with pathmatch.c
 * on a table of paths), SBPL string escaping against hostile paths, and
 * the error contract.
 *
 * Goldens are tests/unit/golden/NAME.sb, found next to this source file
 * (make and tests/run-all.sh run the binary from the top of the tree, and
 * the compiler names this file relative to it). To regenerate them after
 * an intended change, then review the diff:
 *
 *     AIGATE_UPDATE_GOLDEN=1 build/unit-tests --filter 'seatbelt/golden*'
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/seatbelt.h"
#include "policy/blob.h"
#include "policy/pathmatch.h"

#define HOME "/Users/u"
#define ROOT "/Users/u/proj"

static void *compile_yaml(const char *yaml, const char *display, const char *home, const char *root,
			  struct policy_blob *b)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	void *blob;
	size_t size;

	cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), display, &d), 0, "%s:%u:%u: %s",
		     d.file, d.line, d.col, d.msg);
	cr_assert_eq(policy_compile(p, home, root, &blob, &size), 0);
	policy_free(p);
	cr_assert_eq(policy_blob_open(blob, size, b), 0);
	return blob;
}

/* ---- golden profiles ---------------------------------------------------- */

static const char full_yaml[] =
	"group: ai-agents\n"
	"user: ai-runner\n"
	"deny_read:\n"
	"  - \".env\"\n"
	"  - \"secrets/\"\n"
	"  - \"~/.ssh/\"\n"
	"  - \"/etc/shadow\"\n"
	"  - \"config/*.key\"\n"
	"  - \"**/id_*\"\n"
	"  - \"build/**/*.p12\"\n"
	"  - \"logs/**\"\n"
	"  - \"[Cc]redentials.json\"\n"
	"  - \"*.pe?\"\n"
	"  - \"deploy/[!a-c]*/token\"\n"
	"  - \"~/.config/gh/hosts.yml\"\n"
	"  - \"/tmp/agent-secrets/\"\n"
	"deny_exec:\n"
	"  - \"curl\"\n"
	"  - \"/opt/bin/tool\"\n"
	"  - \"kubectl delete\"\n"
	"  - \"git push\"\n"
	"  - \"c++\"\n"
	"allow_net:\n"
	"  - \"api.anthropic.com\"\n"
	"  - \"*.githubusercontent.com\"\n"
	"  - \"example.com:8443\"\n"
	"allow_private_addresses: true\n"
	"allow_write:\n"
	"  - \"~/.cache/\"\n"
	"  - \"~/.claude.json\"\n"
	"  - \"/tmp/\"\n"
	"  - \"/opt/cache\"\n"
	"pass_env: [\"LC_*\"]\n"
	"deny_env: [\"*_TOKEN\", \"AWS_*\"]\n"
	"resource_limits: { max_memory: \"4G\", max_cpu_percent: 50, max_pids: 500 }\n"
	"mask_stdout:\n"
	"  presets: [openai, anthropic]\n"
	"  patterns:\n"
	"    - regex: \"token-[a-z]{16}\"\n"
	"      show_prefix: 6\n"
	"  values_from_denied_files: true\n"
	"  delay_ms: 30\n"
	"project_may_extend: [allow_net]\n"
	"audit: { path: \"-\", level: exec, on_error: warn }\n";

/*
 * Hostile names: quotes, backslashes, parentheses and semicolons that would
 * end an SBPL string or open a form, regex metacharacters, and an origin
 * file name with a newline that would end a comment. Host network, so
 * that part of the profile is covered too, with ssh-agent passed.
 */
static const char hostile_yaml[] = "deny_read:\n"
				   "  - '\") (allow default) (deny file-read* (literal \"x'\n"
				   "  - 'a\\\\b'\n"
				   "  - '~/.a+b(c)[.]{2}|$^'\n"
				   "  - 'x;(allow default)'\n"
				   "  - '[]\"\\\\^-]z'\n"
				   "  - '[!a-z]*.crt'\n"
				   "deny_exec:\n"
				   "  - 'c++'\n"
				   "  - '/opt/a b/(t)'\n"
				   "pass_env: [SSH_AUTH_SOCK]\n";

static const char nonet_yaml[] = "deny_read: [\".env\"]\n"
				 "deny_exec: [\"wget\"]\n"
				 "allow_net: []\n";

/*
 * Criterion may run each case in a fresh process image (address layout
 * randomised): parameters hold their strings, never pointers.
 */
enum { YAML_DEFAULT, YAML_FULL, YAML_HOSTILE, YAML_NONET };

static const char *yaml_text(int which)
{
	size_t len;
	switch (which) {
	case YAML_FULL:
		return full_yaml;
	case YAML_HOSTILE:
		return hostile_yaml;
	case YAML_NONET:
		return nonet_yaml;
	default:
		return policy_default_yaml(&len);
	}
}

struct golden_case {
	char name[32]; /* tests/unit/golden/NAME.sb */
	int yaml;
	char display[64];
	char home[64], root[64];
	uint16_t http_port, socks_port;
	uint32_t flags;
};

static const char *golden_dir(char *buf, size_t bufsz)
{
	const char *slash = strrchr(__FILE__, '/');
	snprintf(buf, bufsz, "%.*sgolden", slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
	return buf;
}

static char *read_all(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	*ret_len = len;
	return buf;
}

/* The first line where @a and @b differ, for a readable failure. */
static int first_diff_line(const char *a, const char *b)
{
	int line = 1;
	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

ParameterizedTestParameters(seatbelt, golden)
{
	static struct golden_case cases[] = {
		{ "default", YAML_DEFAULT, "(built-in default)", HOME, ROOT, 0, 0, 0 },
		{ "full", YAML_FULL, "~/.aigate/config.yaml", HOME, ROOT, 3128, 1080,
		  SEATBELT_F_CASE_SENSITIVE | SEATBELT_F_STRICT_SUBCOMMANDS },
		{ "hostile", YAML_HOSTILE, "evil\n(allow default)\".yaml", "/Users/o\"ne\\two (x)",
		  "/Users/o\"ne\\two (x)/pr;oj", 0, 0, 0 },
		{ "no-network", YAML_NONET, "g.yaml", HOME, ROOT, 0, 0, SEATBELT_F_CASE_SENSITIVE },
	};
	return cr_make_param_array(struct golden_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct golden_case *c, seatbelt, golden)
{
	struct policy_blob b;
	void *blob = compile_yaml(yaml_text(c->yaml), c->display, c->home, c->root, &b);
	struct seatbelt_options o = { .home = c->home,
				      .root = c->root,
				      .http_proxy_port = c->http_port,
				      .socks_proxy_port = c->socks_port,
				      .flags = c->flags };
	struct seatbelt_diag diag = { "" };
	char *text = NULL, dir[512], path[600];
	size_t len;

	cr_assert_eq(seatbelt_generate(&b, &o, &text, &len, &diag), 0, "%s", diag.msg);
	cr_assert_eq(strlen(text), len);
	snprintf(path, sizeof(path), "%s/%s.sb", golden_dir(dir, sizeof(dir)), c->name);
	if (getenv("AIGATE_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "we");
		cr_assert_not_null(f, "cannot write %s", path);
		cr_assert_eq(fwrite(text, 1, len, f), len);
		cr_assert_eq(fclose(f), 0);
		cr_log_info("rewrote %s", path);
	}
	size_t glen = 0;
	char *golden = read_all(path, &glen);
	cr_assert_not_null(golden,
			   "%s is missing (run from the top of the tree; to create it: "
			   "AIGATE_UPDATE_GOLDEN=1 build/unit-tests --filter 'seatbelt/*')",
			   path);
	cr_expect(glen == len && memcmp(golden, text, len) == 0,
		  "%s differs from the generated profile at line %d (intended? regenerate with "
		  "AIGATE_UPDATE_GOLDEN=1 and review the diff)",
		  path, first_diff_line(golden, text));
	free(golden);
	free(text);
	free(blob);
}

/* ---- glob to regex, as text ----------------------------------------------- */

struct rx_case {
	char glob[32];
	bool fold;
	char want[80];
};

ParameterizedTestParameters(seatbelt, glob_regex)
{
	static struct rx_case cases[] = {
		{ "*.pem", false, "[^/]*[.]pem" },
		{ "a?c", false, "a[^/]c" },
		{ "**/x", false, "(.*/)?x" },
		{ "a/**/b", false, "a/(.*/)?b" },
		{ "a/**", false, "a/.*" },
		{ "a**b", false, "a[^/]*b" }, /* not a whole component: one star */
		{ "a/***/b", false, "a/(.*/)?b" },
		{ "[abc]", false, "[a-c]" },
		{ "[a-cx]", false, "[a-cx]" },
		{ "[!a]", false, "[^/a]" },
		{ "[^0-9]", false, "[^/0-9]" },
		{ "[]x]", false, "([x]|[]])" },
		{ "[!]]", false, "[^]/]" },
		{ "[-+]", false, "([+]|-)" },
		{ "[\\^x]", false, "([x]|\\^)" },
		{ "[a/]", false, "a" }, /* a class never matches '/' */
		{ "[/]", false, "//" }, /* ... so this one matches nothing */
		{ ".+()", false, "[.][+][(][)]" },
		{ "{a}|$", false, "[{]a[}][|][$]" },
		{ "^x]", false, "\\^x[]]" },
		{ "a\\*b", false, "a[*]b" },
		{ "a\\\\b", false, "a\\\\b" },
		{ "q\"s", false, "q\"s" },
		{ ".env", true, "[.][eE][nN][vV]" },
		{ "[a-b]", true, "[ABab]" }, /* a range only from three bytes on */
		{ "[a-c]", true, "[A-Ca-c]" },
		{ "[!a]", true, "[^/]" }, /* 'A' matches, so does 'a' in another case */
		{ "\xc3\xa9t\xc3\xa9", false, "\xc3\xa9t\xc3\xa9" },
		/* non-ASCII in a class: negated, every printable byte but '\\' listed: wider */
		{ "[\xc3\xa9]", false, "[^]/ !\"#$%&'()*+,.0-9:;<=>?@A-Z[^_`a-z{|}~-]" },
		{ "[!\xc3]", false, "[^/]" },
	};
	return cr_make_param_array(struct rx_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct rx_case *c, seatbelt, glob_regex)
{
	char buf[256];
	int n = seatbelt_glob_regex(c->glob, strlen(c->glob), c->fold, buf, sizeof(buf));
	cr_assert_geq(n, 0, "%s: %d", c->glob, n);
	cr_expect_str_eq(buf, c->want, "%s%s: got %s, want %s", c->glob, c->fold ? " (folded)" : "",
			 buf, c->want);
	cr_expect_eq((size_t)n, strlen(buf));
}

Test(seatbelt, glob_regex_errors)
{
	char buf[8];
	cr_expect_eq(seatbelt_glob_regex("[abc", 4, false, buf, sizeof(buf)), -EINVAL);
	cr_expect_eq(seatbelt_glob_regex("a\\", 2, false, buf, sizeof(buf)), -EINVAL);
	cr_expect_eq(seatbelt_glob_regex("abcdefghij", 10, false, buf, sizeof(buf)), -ENAMETOOLONG,
		     "never truncated");
	cr_expect_eq(seatbelt_glob_regex("x", 1, false, buf, 0), -EINVAL);
}

/* ---- glob to regex, as matching ------------------------------------------- */

/*
 * What the profile's filters for @rule deny, evaluated with glibc's POSIX
 * regex engine in the C locale (bytes): "^CORE(/.*)?$", or for a dir-only
 * rule "^CORE/" and "^CORE$" with (vnode-type DIRECTORY).
 */
static bool profile_denies(const struct pathmatch_rule *rule, bool fold, const char *path,
			   bool is_dir)
{
	char core[2048], rx[2100];
	regex_t re;
	bool hit = false;

	cr_assert_geq(seatbelt_rule_regex(rule, HOME, ROOT, fold, core, sizeof(core)), 0);
	const char *const suffixes[] = { "(/.*)?$", "/", "$" };
	for (int k = rule->dir_only ? 1 : 0; k < (rule->dir_only ? 3 : 1); k++) {
		if (k == 2 && !is_dir)
			continue;
		snprintf(rx, sizeof(rx), "%s%s", core, suffixes[k]);
		cr_assert_eq(regcomp(&re, rx, REG_EXTENDED | REG_NOSUB), 0, "%s", rx);
		hit = hit || regexec(&re, path, 0, NULL, 0) == 0;
		regfree(&re);
	}
	return hit;
}

static const char *const patterns[] = {
	".env",	       "secrets/",
	"~/.ssh/",     "~",
	"/etc/shadow", "config/*.key",
	"**/id_*",     "build/**/*.p12",
	"logs/**",     "[Cc]red*.json",
	"*.pe?",       "deploy/[!a-c]*/t",
	"a/**/b/",     "~/.config/gh/x",
	"/tmp/s/",     "x.y+z",
	"[]a]b",       "*",
	"a/*/c",       "**",
	"a\\*b",       "~/*/.git",
	"[!-]x",       "/opt/**",
	"p[0-9][0-9]",
};

static const struct {
	const char *path;
	bool is_dir;
} paths[] = {
	{ "/Users/u/proj/.env", false },
	{ "/Users/u/proj/a/b/.env", false },
	{ "/Users/u/proj/.envx", false },
	{ "/Users/u/proj/.env/x", false },
	{ "/Users/u/proj/secrets", true },
	{ "/Users/u/proj/secrets", false },
	{ "/Users/u/proj/x/secrets/k", false },
	{ "/Users/u/.ssh", true },
	{ "/Users/u/.ssh/id_rsa", false },
	{ "/Users/u/.sshx", true },
	{ "/Users/u", true },
	{ "/Users/u2/x", false },
	{ "/etc/shadow", false },
	{ "/etc/shadowx", false },
	{ "/Users/u/proj/config/dev.key", false },
	{ "/Users/u/proj/config/a/dev.key", false },
	{ "/Users/u/proj/id_rsa", false },
	{ "/Users/u/proj/q/w/id_ed25519.pub", false },
	{ "/Users/u/proj/build/x.p12", false },
	{ "/Users/u/proj/build/a/b/x.p12", false },
	{ "/Users/u/proj/buildx/x.p12", false },
	{ "/Users/u/proj/logs", true },
	{ "/Users/u/proj/logs/a", false },
	{ "/Users/u/proj/Credentials.json", false },
	{ "/Users/u/proj/cred.json", false },
	{ "/Users/u/proj/k.pem", false },
	{ "/Users/u/proj/k.pe", false },
	{ "/Users/u/proj/k.pem/x", false },
	{ "/Users/u/proj/deploy/prod/t", false },
	{ "/Users/u/proj/deploy/beta/t", false },
	{ "/Users/u/proj/deploy/x/y/t", false },
	{ "/Users/u/proj/a/b", true },
	{ "/Users/u/proj/a/x/y/b", true },
	{ "/Users/u/proj/a/x/y/b", false },
	{ "/Users/u/proj/a/x/y/b/c", false },
	{ "/Users/u/.config/gh/x", false },
	{ "/tmp/s", true },
	{ "/tmp/s/f", false },
	{ "/Users/u/proj/x.y+z", false },
	{ "/Users/u/proj/xAy+z", false },
	{ "/Users/u/proj/xay++z", false },
	{ "/Users/u/proj/]b", false },
	{ "/Users/u/proj/ab", false },
	{ "/Users/u/proj", true },
	{ "/Users/u/proj/a/c", false },
	{ "/Users/u/proj/a/q/c", false },
	{ "/Users/u/proj/a/q/r/c", false },
	{ "/Users/u/proj/a*b", false },
	{ "/Users/u/proj/axb", false },
	{ "/Users/u/w/.git", true },
	{ "/Users/u/w/x/.git", true },
	{ "/Users/u/proj/-x", false },
	{ "/Users/u/proj/+x", false },
	{ "/opt", true },
	{ "/opt/x", false },
	{ "/Users/u/proj/p12", false },
	{ "/Users/u/proj/p1x", false },
	{ "/Users/u/proj/\xc3\xa9", false },
};

Test(seatbelt, regex_agrees_with_pathmatch)
{
	struct pathmatch_env env = { HOME, strlen(HOME), ROOT, strlen(ROOT) };
	unsigned checked = 0;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		struct pathmatch_rule rule;
		const char *why = NULL;
		cr_assert_eq(pathmatch_classify(patterns[i], &rule, &why), 0, "%s: %s", patterns[i],
			     why);
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
			const char *p = paths[k].path;
			bool want =
				pathmatch_rule_matches(&rule, &env, p, strlen(p), paths[k].is_dir);
			bool got = profile_denies(&rule, false, p, paths[k].is_dir);
			cr_expect_eq(got, want, "pattern %s, path %s%s: Seatbelt %s, aigate %s",
				     patterns[i], p, paths[k].is_dir ? " (dir)" : "",
				     got ? "denies" : "allows", want ? "denies" : "allows");
			/* Folded, the profile denies at least what aigate does. */
			if (want)
				cr_expect(profile_denies(&rule, true, p, paths[k].is_dir),
					  "folded %s must still deny %s", patterns[i], p);
			checked++;
		}
	}
	cr_expect_gt(checked, 1000);
}

Test(seatbelt, folded_regex_denies_other_cases)
{
	struct pathmatch_rule rule;
	const char *why;
	cr_assert_eq(pathmatch_classify("~/.ssh/", &rule, &why), 0);
	cr_expect(profile_denies(&rule, true, "/USERS/U/.SSH/id_rsa", false));
	cr_expect_not(profile_denies(&rule, false, "/USERS/U/.SSH/id_rsa", false));
	cr_assert_eq(pathmatch_classify(".env", &rule, &why), 0);
	cr_expect(profile_denies(&rule, true, "/Users/u/proj/sub/.ENV", false));
}

/* ---- escaping: a tiny SBPL reader ------------------------------------------ */

struct sx {
	const char *p;
	int depth, max_depth;
	unsigned forms;		 /* top-level forms */
	unsigned allow_default;	 /* "(allow default)" read as a form */
	char strings[256][1100]; /* decoded string literals, in order */
	unsigned nstrings;
	char first_atom[16][32]; /* the head of each top-level form */
};

/*
 * Read the whole text as SBPL's reader would: `;` comments to the end of
 * the line, strings with `\"` and `\\`, parentheses, atoms. Fails the test
 * on anything unbalanced or unterminated.
 */
static void sx_read(struct sx *s, const char *text)
{
	const char *p = text;
	bool want_head = false, after_allow = false;
	unsigned head_idx = 0;

	memset(s, 0, sizeof(*s));
	while (*p) {
		if (*p == ';') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (*p == '(') {
			if (s->depth == 0) {
				want_head = true;
				head_idx = s->forms++;
			}
			s->depth++;
			if (s->depth > s->max_depth)
				s->max_depth = s->depth;
			p++;
			continue;
		}
		if (*p == ')') {
			cr_assert_gt(s->depth, 0, "unbalanced ')' at offset %td", p - text);
			s->depth--;
			after_allow = false;
			p++;
			continue;
		}
		if (*p == '"') {
			char *out = s->nstrings < 256 ? s->strings[s->nstrings] : NULL;
			size_t n = 0;
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\') {
					p++;
					cr_assert(*p == '"' || *p == '\\', "unknown escape \\%c",
						  *p);
				}
				if (out && n < 1099)
					out[n++] = *p;
			}
			cr_assert_eq(*p, '"', "unterminated string");
			if (out)
				out[n] = '\0';
			s->nstrings++;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\n' || *p == '\t') {
			p++;
			continue;
		}
		const char *a = p;
		while (*p && !strchr(" \n\t()\";", *p))
			p++;
		size_t n = (size_t)(p - a);
		if (want_head && head_idx < 16)
			snprintf(s->first_atom[head_idx], sizeof(s->first_atom[0]), "%.*s", (int)n,
				 a);
		if (s->depth == 1 && n == 7 && memcmp(a, "default", 7) == 0 && after_allow)
			s->allow_default++;
		after_allow = want_head && n == 5 && memcmp(a, "allow", 5) == 0;
		want_head = false;
	}
	cr_assert_eq(s->depth, 0, "unbalanced: %d forms left open", s->depth);
}

static char *generate(const char *yaml, const char *display, const char *home, const char *root,
		      uint32_t flags)
{
	struct policy_blob b;
	void *blob = compile_yaml(yaml, display, home, root, &b);
	struct seatbelt_options o = { .home = home, .root = root, .flags = flags };
	struct seatbelt_diag diag = { "" };
	char *text = NULL;
	size_t len;
	cr_assert_eq(seatbelt_generate(&b, &o, &text, &len, &diag), 0, "%s", diag.msg);
	free(blob);
	return text;
}

Test(seatbelt, hostile_paths_stay_inside_strings)
{
	const char *home = "/Users/o\"ne\\two (x)", *root = "/Users/o\"ne\\two (x)/pr;oj";
	char *text = generate(hostile_yaml, "evil\n(allow default)\".yaml", home, root, 0);
	static struct sx s;

	sx_read(&s, text);
	cr_expect_eq(s.allow_default, 0, "a rule's text became SBPL");
	cr_expect_str_eq(s.first_atom[0], "version");
	cr_expect_str_eq(s.first_atom[1], "deny");
	/* Every string read back is one the generator meant: the project root ... */
	bool root_seen = false;
	for (unsigned i = 0; i < s.nstrings && i < 256; i++)
		root_seen = root_seen || strcmp(s.strings[i], root) == 0;
	cr_expect(root_seen, "the project root reads back as itself");
	/* ... and each deny_read regex is exactly seatbelt_rule_regex()'s. */
	struct pathmatch_rule rule;
	const char *why;
	char core[1024], want[1100];
	cr_assert_eq(pathmatch_classify("\") (allow default) (deny file-read* (literal \"x", &rule,
					&why),
		     0);
	cr_assert_geq(seatbelt_rule_regex(&rule, home, root, true, core, sizeof(core)), 0);
	snprintf(want, sizeof(want), "%s(/.*)?$", core);
	bool rx_seen = false;
	for (unsigned i = 0; i < s.nstrings && i < 256; i++)
		rx_seen = rx_seen || strcmp(s.strings[i], want) == 0;
	cr_expect(rx_seen, "the hostile rule's regex reads back as itself: %s", want);
	/* No comment line carries the origin's newline. */
	cr_expect_null(strstr(text, "evil\n"));
	cr_expect_not_null(strstr(text, "evil?(allow default)"));
	free(text);
}

Test(seatbelt, generated_profiles_read_back)
{
	size_t dlen;
	static struct sx s;
	const char *const yamls[] = { policy_default_yaml(&dlen), full_yaml, nonet_yaml };
	for (size_t i = 0; i < 3; i++) {
		char *text = generate(yamls[i], "g.yaml", HOME, ROOT, 0);
		sx_read(&s, text);
		cr_expect_eq(s.allow_default, 0);
		cr_expect_gt(s.forms, 20);
		cr_expect_leq(s.max_depth, 4, "forms nest at most four deep");
		free(text);
	}
}

/* ---- the error contract ------------------------------------------------------ */

struct error_case {
	char yaml[64]; /* "": one 900-byte name */
	char home[32], root[32];
	int want;
	char diag[64]; /* a substring of the diagnostic */
};

ParameterizedTestParameters(seatbelt, errors)
{
	static struct error_case cases[] = {
		{ "deny_read: [x]\n", "Users/u", ROOT, -EINVAL, "home: not an absolute path" },
		{ "deny_read: [x]\n", HOME, "proj", -EINVAL, "project root: not an absolute" },
		{ "deny_read: [x]\n", "/Users/a\nb", "/Users/a\nb/p", -EINVAL, "control byte" },
		{ "deny_read: [\"a\\tb\"]\n", HOME, ROOT, -EINVAL,
		  "deny_read \"a?b\" (g.yaml:1): holds a control byte" },
		{ "", HOME, ROOT, -ENAMETOOLONG, "deny_read \"aaaa" },
	};
	return cr_make_param_array(struct error_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct error_case *c, seatbelt, errors)
{
	char yaml[2048];
	if (c->yaml[0]) {
		snprintf(yaml, sizeof(yaml), "%s", c->yaml);
	} else {
		char name[901];
		memset(name, 'a', 900);
		name[900] = '\0';
		snprintf(yaml, sizeof(yaml), "deny_read: [\"%s\"]\n", name);
	}
	/* The blob needs absolute paths: compile with good ones, generate with @c's. */
	struct policy_blob b;
	void *blob = compile_yaml(yaml, "g.yaml", HOME, ROOT, &b);
	struct seatbelt_options o = { .home = c->home, .root = c->root };
	struct seatbelt_diag diag = { "" };
	char *text = (char *)"untouched";
	size_t len = 12345;

	cr_expect_eq(seatbelt_generate(&b, &o, &text, &len, &diag), c->want, "%s", diag.msg);
	cr_expect_str_eq(text, "untouched", "no output on error");
	cr_expect_eq(len, 12345);
	cr_expect_not_null(strstr(diag.msg, c->diag), "diag '%s' lacks '%s'", diag.msg, c->diag);
	free(blob);
}

Test(seatbelt, format_and_write)
{
	struct policy_blob b;
	void *blob = compile_yaml(nonet_yaml, "g.yaml", HOME, ROOT, &b);
	struct seatbelt_options o = { .home = HOME, .root = ROOT };
	char small[64] = "keep", *text = NULL;
	size_t len;

	cr_assert_eq(seatbelt_generate(&b, &o, &text, &len, NULL), 0);
	cr_expect_eq(seatbelt_format(small, sizeof(small), &b, &o, NULL), -ENOBUFS);
	cr_expect_str_eq(small, "keep", "a buffer too small is left as it was");
	char *big = malloc(len + 1);
	cr_assert_eq(seatbelt_format(big, len + 1, &b, &o, NULL), (int)len);
	cr_expect_str_eq(big, text);

	char *mem = NULL;
	size_t mlen = 0;
	FILE *f = open_memstream(&mem, &mlen);
	cr_assert_eq(seatbelt_write(f, &b, &o, NULL), 0);
	fclose(f);
	cr_expect_eq(mlen, len);
	cr_expect_str_eq(mem, text);
	cr_expect_eq(seatbelt_write(NULL, &b, &o, NULL), -EIO);
	free(mem);
	free(big);
	free(text);
	free(blob);
}

/* ---- what the mapping promises ---------------------------------------------- */

Test(seatbelt, mapping)
{
	char *text = generate(full_yaml, "g.yaml", HOME, ROOT, SEATBELT_F_CASE_SENSITIVE);

	/* deny default, and the denies after the allowances they narrow */
	cr_expect_not_null(strstr(text, "\n(version 1)\n(deny default)\n"));
	cr_expect_lt(strstr(text, "(allow file-read*)"), strstr(text, "(regex \"^/dev/ttys"),
		     "other terminals are denied after the global read allowance");
	cr_expect_lt(strstr(text, "(allow file-write*"), strstr(text, ";; ---- deny_read:"));
	cr_expect_lt(strstr(text, "(allow process-exec)"), strstr(text, "(deny process-exec"));
	/* /etc and /tmp are /private/etc and /private/tmp to Seatbelt */
	cr_expect_not_null(strstr(text, "(regex \"^/private/etc/shadow(/.*)?$\")"));
	cr_expect_not_null(strstr(text, "(subpath \"/private/tmp\")"));
	/* subcommands: a comment without --strict-subcommands, never a rule */
	cr_expect_not_null(strstr(text, ";; deny_exec \"kubectl delete\" (g.yaml:"));
	cr_expect_null(strstr(text, "kubectl$"));
	/* allow_write: directories and files alike, as places */
	cr_expect_not_null(strstr(text, "(subpath \"/Users/u/.claude.json\")"));
	/* the proxy ports are parameters when not given */
	cr_expect_not_null(strstr(text, "(param \"AIGATE_HTTP_PROXY_PORT\")"));
	/* rename of a directory a pattern hangs from */
	cr_expect_not_null(
		strstr(text, "(deny file-write-unlink\n  (regex \"^/Users/u/proj/config$\")"));
	free(text);

	text = generate(full_yaml, "g.yaml", HOME, ROOT,
			SEATBELT_F_CASE_SENSITIVE | SEATBELT_F_STRICT_SUBCOMMANDS);
	cr_expect_not_null(strstr(text, "(regex \"/kubectl$\")"));
	cr_expect_not_null(strstr(text, "(regex \"/c[+][+]$\")"));
	free(text);
}
