/* SPDX-License-Identifier: MIT */
/*
 * test_shim_decide.c — the shim's deny_read fast path (shim/decide.h):
 * shim_decide_open_filtered() with its precomputed hints must answer
 * exactly what the policy's own matcher answers (shim_decide_open(), i.e.
 * policy_blob_match_path()), for every rule kind, for normal and
 * non-normal paths, and for random ones.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/compile_yaml.h"
#include "policy/blob.h"
#include "shim/decide.h"

/* Every anchor, literal and glob rules, classes, escapes, "**", dir-only. */
static const char tricky_yaml[] = "deny_read:\n"
				  "  - \".env\"\n"
				  "  - \".env.*\"\n"
				  "  - \"secrets/\"\n"
				  "  - \"*.pem\"\n"
				  "  - \"x?y\"\n"
				  "  - \"[*]x\"\n"
				  "  - \"a\\\\*b\"\n"
				  "  - \"[!a]]q\"\n"
				  "  - \"k*[0-9]\"\n"
				  "  - \"docs/**/private\"\n"
				  "  - \"./build/out\"\n"
				  "  - \"src/*/gen/\"\n"
				  "  - \"~/.ssh/\"\n"
				  "  - \"~/.kube/config\"\n"
				  "  - \"~/*.key\"\n"
				  "  - \"/etc/shadow\"\n"
				  "  - \"/opt/*/secret\"\n"
				  "  - \"/var/**/*.db\"\n"
				  "  - \"**\"\n"; /* last: it matches every path below the root */


struct fixture {
	void *data;
	struct policy_blob b;
	struct shim_decide_filter f;
};

static void open_fixture(struct fixture *fx, const char *yaml)
{
	size_t size;
	fx->data = compile_yaml(yaml, &size);
	cr_assert_eq(policy_blob_open(fx->data, size, &fx->b), 0);
	shim_decide_filter_build(&fx->b, &fx->f);
}

/* Returns how many of the two answers (file, directory) were denials. */
static int expect_same(const struct fixture *fx, const char *path)
{
	int denials = 0;

	for (int dir = 0; dir < 2; dir++) {
		int want = shim_decide_open(&fx->b, path, dir);
		cr_expect_eq(shim_decide_open_filtered(&fx->b, &fx->f, path, dir), want,
			     "%s (is_dir %d): want %d", path, dir, want);
		cr_expect_eq(shim_decide_open_filtered(&fx->b, NULL, path, dir), want,
			     "%s (is_dir %d, no hints): want %d", path, dir, want);
		denials += want >= 0;
	}
	return denials;
}

static const char *const fixed_paths[] = {
	"/",
	"/home",
	"/home/u",
	"/home/u/",
	"/home/u/proj",
	"/home/u/proj/",
	"/home/u/proj/.env",
	"/home/u/proj/.env/",
	"/home/u/proj//.env",
	"/home/u/proj/./.env",
	"/home/u/proj/a/../.env",
	"/home/u/proj/.env/..",
	"/home/u/proj/.env.local",
	"/home/u/proj/.envx",
	"/home/u/proj2/.env",
	"/home/u/projx/secrets/a",
	"/home/u/proj/src/main.c",
	"/home/u/proj/a/secrets",
	"/home/u/proj/a/secrets/b",
	"/home/u/proj/cert.pem",
	"/home/u/proj/.pem",
	"/home/u/proj/pem",
	"/home/u/proj/xzy",
	"/home/u/proj/x/y",
	"/home/u/proj/*x",
	"/home/u/proj/]x",
	"/home/u/proj/a*b",
	"/home/u/proj/aXb",
	"/home/u/proj/b]q",
	"/home/u/proj/a]q",
	"/home/u/proj/k9",
	"/home/u/proj/k",
	"/home/u/proj/kab7",
	"/home/u/proj/docs/private",
	"/home/u/proj/docs/a/b/private",
	"/home/u/proj/docs/privatex",
	"/home/u/proj/build/out",
	"/home/u/proj/build/out/x",
	"/home/u/proj/build/outx",
	"/home/u/proj/src/a/gen",
	"/home/u/proj/src/a/gen/x.c",
	"/home/u/.ssh",
	"/home/u/.ssh/id_rsa",
	"/home/u/.sshx",
	"/home/u/.kube/config",
	"/home/u/.kube/configx",
	"/home/u/a.key",
	"/home/u/d/a.key",
	"/etc/shadow",
	"/etc/shadow/x",
	"/etc/shadowx",
	"/opt/x/secret",
	"/opt/secret",
	"/opt/x/y/secret",
	"/var/db",
	"/var/a.db",
	"/var/a/b/c.db",
	"/var/a/b/c.dbx",
	"relative/path",
	"",
};

Test(shim_decide, filtered_matches_reference_fixed)
{
	struct fixture fx;
	open_fixture(&fx, tricky_yaml);
	for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++)
		expect_same(&fx, fixed_paths[i]);
	free(fx.data);
}

Test(shim_decide, filtered_matches_reference_default_policy)
{
	struct fixture fx;
	size_t len;
	open_fixture(&fx, policy_default_yaml(&len));
	for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++)
		expect_same(&fx, fixed_paths[i]);
	free(fx.data);
}

/* Random paths built from pieces the rules care about: the answers agree. */
Test(shim_decide, filtered_matches_reference_random)
{
	static const char *const pieces[] = {
		"home",	  "u",	 "proj", ".env",  ".env.x", "secrets", "a.pem",	  ".pem",   "x_y",
		"*x",	  "a*b", "aZb",	 "b]q",	  "k1",	    "docs",    "private", "build",  "out",
		"src",	  "gen", ".ssh", ".kube", "config", "a.key",   "etc",	  "shadow", "opt",
		"secret", "var", "c.db", ".",	  "..",	    "",	       "proj2",	  "x",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	struct fixture fx;
	char path[512];
	unsigned seed = 12345;
	int denials = 0;

	open_fixture(&fx, tricky_yaml);
	for (int n = 0; n < 20000; n++) {
		size_t len = 0;
		int depth = 1 + (int)(rand_r(&seed) % 7);
		/* Mostly below the project root, where most rules apply. */
		if (rand_r(&seed) % 2)
			len = (size_t)snprintf(path, sizeof(path), "/home/u/proj");
		for (int d = 0; d < depth; d++)
			len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s",
						pieces[rand_r(&seed) % npieces]);
		if (rand_r(&seed) % 8 == 0)
			len += (size_t)snprintf(path + len, sizeof(path) - len, "/");
		denials += expect_same(&fx, path);
	}
	/* Not a vacuous comparison: a good share of the paths are denied. */
	cr_expect_gt(denials, 5000, "%d denials", denials);
	cr_expect_lt(denials, 35000, "%d denials", denials);
	free(fx.data);
}

/* More rules than hints: the rest are still judged. */
Test(shim_decide, rules_past_the_hints)
{
	size_t cap = 64 * 1024, len = 0;
	char *yaml = malloc(cap);
	struct fixture fx;
	char path[64];

	cr_assert(yaml);
	len += (size_t)snprintf(yaml + len, cap - len, "deny_read:\n");
	for (int i = 0; i < SHIM_DECIDE_HINT_MAX + 10; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "  - \"f%d.txt\"\n", i);
	open_fixture(&fx, yaml);
	cr_expect_eq(fx.f.nhints, SHIM_DECIDE_HINT_MAX);
	snprintf(path, sizeof(path), "/home/u/proj/f%d.txt", SHIM_DECIDE_HINT_MAX + 5);
	cr_expect_eq(shim_decide_open_filtered(&fx.b, &fx.f, path, false),
		     SHIM_DECIDE_HINT_MAX + 5);
	expect_same(&fx, path);
	expect_same(&fx, "/home/u/proj/f3.txt");
	expect_same(&fx, "/home/u/proj/g.txt");
	free(fx.data);
	free(yaml);
}

/* Deeper than the component table: no hint, the matcher decides. */
Test(shim_decide, many_components)
{
	struct fixture fx;
	char path[1024];
	size_t len = (size_t)snprintf(path, sizeof(path), "/home/u/proj");

	open_fixture(&fx, tricky_yaml);
	for (int i = 0; i < SHIM_DECIDE_COMPONENTS_MAX + 5; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/d");
	snprintf(path + len, sizeof(path) - len, "/.env");
	cr_expect_eq(shim_decide_open_filtered(&fx.b, &fx.f, path, false), 0);
	expect_same(&fx, path);
	free(fx.data);
}
