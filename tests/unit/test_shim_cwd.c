/* SPDX-License-Identifier: MIT */
/*
 * test_shim_cwd.c — the shim's cached working directory (shim/cwd.h): a
 * second lookup comes from the cache, shim_cwd_changed() (what the chdir
 * and fchdir hooks call) forgets it, @fresh always asks getcwd(), and a
 * change the hooks did not see leaves the old answer (which the open hooks
 * only ever use to allow: test_shim.sh). cwd.c is not in the unit-test
 * link (it calls getcwd, not a pure module), so it is included here.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/cwd.c"

static char start[PATHMATCH_PATH_MAX];

static void remember_start(void)
{
	cr_assert(getcwd(start, sizeof(start)));
}

Test(shim_cwd, cached_after_first_lookup, .init = remember_start)
{
	char a[PATHMATCH_PATH_MAX], b[PATHMATCH_PATH_MAX];

	shim_cwd_changed(); /* whatever an earlier test in this process left */
	cr_expect_eq(shim_cwd_get(a, sizeof(a), false), 0, "first lookup: getcwd");
	cr_expect_str_eq(a, start);
	cr_expect_eq(shim_cwd_get(b, sizeof(b), false), 1, "second lookup: the cache");
	cr_expect_str_eq(b, start);
	cr_expect_eq(shim_cwd_get(b, sizeof(b), true), 0, "fresh: getcwd again");
	cr_expect_str_eq(b, start);
}

Test(shim_cwd, changed_forgets, .init = remember_start)
{
	char buf[PATHMATCH_PATH_MAX];

	shim_cwd_changed();
	cr_assert_eq(shim_cwd_get(buf, sizeof(buf), false), 0);
	cr_assert_eq(chdir("/"), 0);
	shim_cwd_changed();
	cr_expect_eq(shim_cwd_get(buf, sizeof(buf), false), 0);
	cr_expect_str_eq(buf, "/");
	cr_expect_eq(shim_cwd_get(buf, sizeof(buf), false), 1);
	cr_expect_str_eq(buf, "/");
	cr_assert_eq(chdir(start), 0);
}

/* A change the hooks did not see: the cache still says the old directory, fresh does not. */
Test(shim_cwd, unseen_change_is_stale, .init = remember_start)
{
	char buf[PATHMATCH_PATH_MAX];

	shim_cwd_changed();
	cr_assert_eq(shim_cwd_get(buf, sizeof(buf), false), 0);
	cr_assert_eq(chdir("/"), 0);
	cr_expect_eq(shim_cwd_get(buf, sizeof(buf), false), 1);
	cr_expect_str_eq(buf, start, "stale, as cwd.h says");
	cr_expect_eq(shim_cwd_get(buf, sizeof(buf), true), 0);
	cr_expect_str_eq(buf, "/");
	cr_expect_eq(shim_cwd_get(buf, sizeof(buf), false), 1, "the fresh answer refilled it");
	cr_expect_str_eq(buf, "/");
	cr_assert_eq(chdir(start), 0);
}

/* A buffer the cached directory does not fit: getcwd answers (and fails). errno kept. */
Test(shim_cwd, small_buffer, .init = remember_start)
{
	char buf[PATHMATCH_PATH_MAX], tiny[2];

	shim_cwd_changed();
	cr_assert_eq(shim_cwd_get(buf, sizeof(buf), false), 0);
	errno = 4242;
	cr_expect_eq(shim_cwd_get(tiny, sizeof(tiny), false), strlen(start) < 2 ? 1 : -1);
	cr_expect_eq(errno, 4242);
}

/* A directory removed under the process: getcwd fails, nothing to judge against. */
Test(shim_cwd, removed_directory)
{
	char tmpl[] = "/tmp/test_shim_cwd.XXXXXX", buf[PATHMATCH_PATH_MAX];

	cr_assert(mkdtemp(tmpl));
	cr_assert_eq(chdir(tmpl), 0);
	cr_assert_eq(rmdir(tmpl), 0);
	shim_cwd_changed();
	cr_expect_eq(shim_cwd_get(buf, sizeof(buf), false), -1);
	cr_assert_eq(chdir("/"), 0);
}
