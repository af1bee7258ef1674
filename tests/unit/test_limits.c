/* SPDX-License-Identifier: MIT */
/*
 * test_limits.c — which mechanism enforces each resource limit
 * (limits_decide(), docs/limits.md), as a table over what the host offers:
 * cgroup v2 delegation, cgroup v1 hierarchies, root, a user namespace of
 * the sandbox's own. Then what a decision sets (rlimits, the audit
 * pairs), RLIMIT_NPROC's value, and the byte formatting of messages.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "launcher/limits.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ALL  LIMITS_CTL_ALL
#define MEM  LIMITS_CTL_MEMORY
#define CPU  LIMITS_CTL_CPU
#define PIDS LIMITS_CTL_PIDS

enum {
	U = LIMITS_UNSET,
	V2 = LIMITS_CGROUP2,
	V1 = LIMITS_CGROUP1,
	FB = LIMITS_FALLBACK,
	GAP = LIMITS_GAP
};

struct decide_case {
	const char *name;
	struct limits_host host;
	bool want[LIMITS_NKINDS]; /* memory, cpu, pids */
	int mech[LIMITS_NKINDS];  /* expected, same order */
	const char *pids_name;	  /* expected max_pids name (fallback), or NULL */
	const char *cpu_fix;	  /* a word the max_cpu_percent fix holds (gap) */
};

static const struct decide_case decide_cases[] = {
	{ "nothing asked: nothing chosen, whatever the host",
	  { .cgroup2 = ALL, .cgroup1 = ALL, .root = true, .own_userns = true },
	  { false, false, false },
	  { U, U, U },
	  NULL,
	  NULL },
	{ "delegated v2 with all controllers wins over everything",
	  { .cgroup2 = ALL, .cgroup1 = ALL, .root = true, .own_userns = true },
	  { true, true, true },
	  { V2, V2, V2 },
	  NULL,
	  NULL },
	{ "delegated v2 for an ordinary user",
	  { .cgroup2 = ALL, .own_userns = true },
	  { true, true, true },
	  { V2, V2, V2 },
	  NULL,
	  NULL },
	{ "root on a v1 (hybrid) host",
	  { .cgroup1 = ALL, .root = true, .own_userns = true },
	  { true, true, true },
	  { V1, V1, V1 },
	  NULL,
	  NULL },
	{ "root, v2 offers memory only: the rest from v1",
	  { .cgroup2 = MEM, .cgroup1 = ALL, .root = true, .own_userns = true },
	  { true, true, true },
	  { V2, V1, V1 },
	  NULL,
	  NULL },
	{ "an ordinary user on a v1 host: v1 is root's; fallbacks, cpu a gap",
	  { .cgroup1 = ALL, .own_userns = true },
	  { true, true, true },
	  { FB, GAP, FB },
	  "user namespace",
	  "as root" },
	{ "an ordinary user without any cgroup: the fix is a delegated scope",
	  { .own_userns = true },
	  { true, true, true },
	  { FB, GAP, FB },
	  "user namespace",
	  "systemd-run" },
	{ "no user namespace of its own: RLIMIT_NPROC of the user, approximate",
	  { .own_userns = false },
	  { true, false, true },
	  { FB, U, FB },
	  "approximate",
	  NULL },
	{ "v2 without pids: max_pids falls back",
	  { .cgroup2 = MEM | CPU, .own_userns = true },
	  { true, true, true },
	  { V2, V2, FB },
	  "user namespace",
	  NULL },
	{ "root without cgroups: RLIMIT_NPROC does not bind uid 0, a gap",
	  { .root = true, .own_userns = true },
	  { true, true, true },
	  { FB, GAP, GAP },
	  NULL,
	  "mount" },
	{ "root with a v1 pids hierarchy but no cpu one",
	  { .cgroup1 = MEM | PIDS, .root = true, .own_userns = true },
	  { true, true, true },
	  { V1, GAP, V1 },
	  NULL,
	  "mount" },
	{ "only max_pids asked, by an ordinary user on v2 without delegation",
	  { .own_userns = true },
	  { false, false, true },
	  { U, U, FB },
	  "user namespace",
	  NULL },
};

static size_t decide_index[ARRAY_SIZE(decide_cases)];

ParameterizedTestParameters(limits, decide)
{
	for (size_t i = 0; i < ARRAY_SIZE(decide_index); i++)
		decide_index[i] = i;
	return cr_make_param_array(size_t, decide_index, ARRAY_SIZE(decide_index));
}

ParameterizedTest(size_t *i, limits, decide)
{
	const struct decide_case *tc = &decide_cases[*i];
	struct limits_choice c[LIMITS_NKINDS];
	limits_decide(&tc->host, tc->want, c);
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		cr_assert_eq((int)c[k].mech, tc->mech[k], "%s: %s: mechanism %d, expected %d",
			     tc->name, limits_kind_name(k), c[k].mech, tc->mech[k]);
		bool gap = c[k].mech == LIMITS_GAP, named = c[k].mech != LIMITS_UNSET && !gap;
		/* A gap says why and how to fix it; an enforced limit has a name, nothing else. */
		cr_assert_eq(c[k].name != NULL, named, "%s: %s name", tc->name,
			     limits_kind_name(k));
		cr_assert_eq(c[k].why != NULL, gap, "%s: %s why", tc->name, limits_kind_name(k));
		cr_assert_eq(c[k].fix != NULL, gap, "%s: %s fix", tc->name, limits_kind_name(k));
	}
	if (tc->pids_name && c[LIMITS_PIDS].mech == LIMITS_FALLBACK)
		cr_assert(strstr(c[LIMITS_PIDS].name, tc->pids_name), "%s: max_pids is '%s'",
			  tc->name, c[LIMITS_PIDS].name);
	if (tc->cpu_fix)
		cr_assert(strstr(c[LIMITS_CPU].fix, tc->cpu_fix), "%s: the fix is '%s'", tc->name,
			  c[LIMITS_CPU].fix);
}

struct nproc_case {
	uint32_t max_pids;
	bool own_userns;
	unsigned long user_tasks, expected;
};

/* init counts as one of the sandbox's tasks and lives outside CMD's user namespace. */
static const struct nproc_case nproc_cases[] = {
	{ 1000, true, 0, 999 },	 { 2, true, 500, 1 },	   { 1, true, 0, 1 },
	{ 64, false, 300, 364 }, { 1000, false, 0, 1000 },
};

static size_t nproc_index[ARRAY_SIZE(nproc_cases)];

ParameterizedTestParameters(limits, nproc)
{
	for (size_t i = 0; i < ARRAY_SIZE(nproc_index); i++)
		nproc_index[i] = i;
	return cr_make_param_array(size_t, nproc_index, ARRAY_SIZE(nproc_index));
}

ParameterizedTest(size_t *i, limits, nproc)
{
	const struct nproc_case *tc = &nproc_cases[*i];
	unsigned long got = limits_nproc_value(tc->max_pids, tc->own_userns, tc->user_tasks);
	cr_assert_eq(got, tc->expected, "max_pids %u, own_userns %d, %lu tasks: %lu", tc->max_pids,
		     tc->own_userns, tc->user_tasks, got);
}

struct bytes_case {
	uint64_t v;
	const char *text;
};

static const struct bytes_case bytes_cases[] = {
	{ 256ULL << 20, "256 MiB" },   { 4ULL << 30, "4 GiB" },
	{ 1536ULL << 10, "1536 KiB" }, { 1000, "1000 bytes" },
	{ 1ULL << 50, "1 PiB" },       { 0, "0 bytes" },
	{ 3ULL << 40, "3 TiB" },       { (1ULL << 20) + 1, "1048577 bytes" },
};

static size_t bytes_index[ARRAY_SIZE(bytes_cases)];

ParameterizedTestParameters(limits, format_bytes)
{
	for (size_t i = 0; i < ARRAY_SIZE(bytes_index); i++)
		bytes_index[i] = i;
	return cr_make_param_array(size_t, bytes_index, ARRAY_SIZE(bytes_index));
}

ParameterizedTest(size_t *i, limits, format_bytes)
{
	char buf[32];
	limits_format_bytes(bytes_cases[*i].v, buf, sizeof(buf));
	cr_assert_str_eq(buf, bytes_cases[*i].text);
}

Test(limits, configure_fallbacks_set_rlimits_and_audit)
{
	struct limits lim;
	struct limits_host host = { .own_userns = true };
	memset(&lim, 0, sizeof(lim));
	limits_configure(&lim, &host, 256ULL << 20, 50, 64, 0);
	cr_assert_eq(lim.rlimits.data, 256ULL << 20, "RLIMIT_DATA is max_memory, per process");
	cr_assert_eq(lim.rlimits.nproc, 63, "RLIMIT_NPROC leaves one task for init");
	/* In the policy's order; a gap is named as not enforced. */
	const char *const want[] = {
		"max_memory",
		"fallback: RLIMIT_DATA per process and aigate's memory watcher",
		"max_cpu_percent",
		"none (not enforced)",
		"max_pids",
		"fallback: RLIMIT_NPROC in the sandbox's user namespace",
		NULL
	};
	for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
		if (!want[k]) {
			cr_assert_null(lim.audit[k]);
			break;
		}
		cr_assert_str_eq(lim.audit[k], want[k]);
	}
}

Test(limits, configure_cgroups_set_no_rlimits)
{
	struct limits lim;
	struct limits_host host = { .cgroup1 = ALL, .root = true, .own_userns = true };
	memset(&lim, 0, sizeof(lim));
	limits_configure(&lim, &host, 1ULL << 30, 0, 100, 0);
	cr_assert_eq(lim.rlimits.data, 0, "the cgroup counts the whole sandbox: no rlimit");
	cr_assert_eq(lim.rlimits.nproc, 0);
	cr_assert_str_eq(lim.audit[0], "max_memory");
	cr_assert_str_eq(lim.audit[1], "cgroup v1");
	cr_assert_str_eq(lim.audit[2], "max_pids");
	cr_assert_str_eq(lim.audit[3], "cgroup v1");
	cr_assert_null(lim.audit[4], "max_cpu_percent is not set: not listed");
}

Test(limits, configure_nothing_set)
{
	struct limits lim;
	struct limits_host host = { .cgroup2 = ALL, .own_userns = true };
	memset(&lim, 0xff, sizeof(lim));
	limits_configure(&lim, &host, 0, 0, 0, 0);
	cr_assert_null(lim.audit[0]);
	cr_assert_eq(lim.rlimits.data, 0);
	cr_assert_eq(lim.rlimits.nproc, 0);
	for (int k = 0; k < LIMITS_NKINDS; k++)
		cr_assert_eq(lim.choice[k].mech, LIMITS_UNSET);
}

Test(limits, kind_names)
{
	cr_assert_str_eq(limits_kind_name(LIMITS_MEMORY), "max_memory");
	cr_assert_str_eq(limits_kind_name(LIMITS_CPU), "max_cpu_percent");
	cr_assert_str_eq(limits_kind_name(LIMITS_PIDS), "max_pids");
	cr_assert_str_eq(limits_kind_name(LIMITS_NKINDS), "?");
}
