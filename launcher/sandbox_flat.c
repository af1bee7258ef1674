/* SPDX-License-Identifier: MIT */
/*
 * sandbox_flat.c — the plan, read for the fallback rungs (docs/fallback.md).
 * Where no user or mount namespace can be made, nothing of the plan is
 * mounted. Its operations become:
 *   write roots (SBX_BIND_RW)     Landlock rules, and the supervisor's own write roots
 *   read-only inside (SBX_BIND_RO) the supervisor refuses writes there (EROFS)
 *   hidden files and directories   the supervisor refuses opens, by path and identity
 *   deny_exec stubs                nothing: the supervisor judges every exec anyway
 *   the private /tmp               a private directory, TMPDIR, removed at the end
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/landlock.h"
#include "launcher/sandbox.h"
#include "launcher/supervisor.h"

/* Set TMPDIR in CMD's environment to @dir (replacing the host's). */
static int set_tmpdir(struct sbx_plan *plan, const char *dir)
{
	struct env_filtered *env = &plan->env;
	char *s = NULL;
	if (plan->nenv_owned == SBX_MAX_ENV_OWNED)
		return -E2BIG;
	if (asprintf(&s, "TMPDIR=%s", dir) < 0)
		return -ENOMEM;
	plan->env_owned[plan->nenv_owned++] = s;
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->envp[i], "TMPDIR=", 7) == 0) {
			env->envp[i] = s;
			return 0;
		}
	char **envp = realloc(env->envp, (env->n + 2) * sizeof(char *));
	if (!envp)
		return -ENOMEM;
	env->envp = envp;
	envp[env->n++] = s;
	envp[env->n] = NULL;
	return 0;
}

int sbx_flat_prepare(struct sbx_plan *plan, int landlock_abi, int *ret_ruleset)
{
	char tmpl[] = "/tmp/aigate-XXXXXX";
	const char **roots = NULL;
	size_t nroots = 0;
	int r;

	/*
	 * The host's /tmp is shared with every other program of the user (and
	 * what the host later runs from there): the sandbox gets a directory
	 * of its own instead, mode 0700, and TMPDIR names it.
	 */
	if (!mkdtemp(tmpl))
		return -errno;
	plan->flat = true;
	plan->flat_tmpdir = strdup(tmpl);
	if (!plan->flat_tmpdir) {
		rmdir(tmpl);
		return -ENOMEM;
	}
	if ((r = set_tmpdir(plan, tmpl)) < 0)
		return r;
	*ret_ruleset = -1;
	if (landlock_abi <= 0)
		return 0;
	roots = calloc(plan->n + 2, sizeof(*roots));
	if (!roots)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n; i++) {
		const struct sbx_op *op = &plan->ops[i];
		if (op->kind == SBX_BIND_RW ||
		    (op->kind == SBX_TMPFS && strcmp(op->path, "/dev/shm") == 0))
			roots[nroots++] = op->path;
	}
	roots[nroots++] = plan->flat_tmpdir;
	size_t skipped = 0;
	r = landlock_ruleset_build(roots, nroots, landlock_abi, &skipped);
	free(roots);
	if (r < 0)
		return r;
	*ret_ruleset = r;
	return 0;
}

int sbx_flat_paths(const struct sbx_plan *plan, struct sup_mount **ret, size_t *ret_n)
{
	struct sup_mount *m = calloc(plan->n + 1, sizeof(*m));
	size_t n = 0;
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n; i++) {
		const struct sbx_op *op = &plan->ops[i];
		switch (op->kind) {
		case SBX_BIND_RW:
			m[n++] = (struct sup_mount){ .path = op->path, .writable = true };
			break;
		case SBX_TMPFS:
			/* /tmp is the private directory (below); /dev/shm is the host's. */
			if (strcmp(op->path, "/dev/shm") == 0)
				m[n++] = (struct sup_mount){ .path = op->path, .writable = true };
			break;
		case SBX_BIND_RO:
		case SBX_HIDE_FILE:
		case SBX_HIDE_DIR:
		case SBX_STUB:
		case SBX_FILE:
			m[n++] = (struct sup_mount){ .path = op->path, .writable = false };
			break;
		case SBX_PRIVATE_ROOT:
		case SBX_READONLY_ROOT:
		case SBX_PROC:
		default:
			break;
		}
	}
	if (plan->flat_tmpdir)
		m[n++] = (struct sup_mount){ .path = plan->flat_tmpdir, .writable = true };
	*ret = m;
	*ret_n = n;
	return 0;
}

/* Remove everything below the directory @dfd (closed here), never following a symlink. */
static void remove_below(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno != EISDIR)
			continue;
		/* A directory: O_NOFOLLOW, so a symlink swapped in is never entered. */
		int sub = openat(dirfd(d), e->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0 && depth < 256)
			remove_below(sub, depth + 1);
		else if (sub >= 0)
			close(sub);
		(void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

void sbx_flat_cleanup(struct sbx_plan *plan)
{
	if (!plan->flat_tmpdir)
		return;
	int fd = open(plan->flat_tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		remove_below(fd, 0);
	(void)rmdir(plan->flat_tmpdir);
	free(plan->flat_tmpdir);
	plan->flat_tmpdir = NULL;
}
