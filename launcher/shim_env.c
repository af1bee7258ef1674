/* SPDX-License-Identifier: MIT */
/*
 * shim_env.c — CMD's side of the shim's contract (shim/shim_protocol.h).
 * The shim is advisory (the supervisor judges every exec and open again),
 * so a missing library only costs the early, readable denials: aigate says
 * so at debug level and runs on.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/shim_env.h"
#include "shim/shim_protocol.h"

int shim_find(char *buf, size_t bufsz)
{
	static const char *const rel[] = { "libaigate_shim.so", "../lib/aigate/libaigate_shim.so" };
	char exe[PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char cand[PATH_MAX + 64];
		snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]);
		/* Resolved: the sandbox's view is the host's, read-only; ".." must not be in it. */
		if (access(cand, R_OK) == 0 && realpath(cand, real) && strlen(real) < bufsz) {
			snprintf(buf, bufsz, "%s", real);
			return 0;
		}
	}
	return -ENOENT;
}

/* Add a string the plan owns (copied into init's arena with the rest). */
static int own(struct sbx_plan *plan, char *s)
{
	if (!s)
		return -ENOMEM;
	if (plan->nenv_owned == SBX_MAX_ENV_OWNED) {
		free(s);
		return -E2BIG;
	}
	plan->env_owned[plan->nenv_owned++] = s;
	return 0;
}

int shim_env_setup(struct sbx_plan *plan, const char *shim_path, int policy_fd, int audit_fd,
		   int net_fd)
{
	struct env_filtered *env = &plan->env;
	char *preload = NULL;
	size_t at = env->n;
	int r;

	/* The shim first: a user's own LD_PRELOAD stays, after it. */
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->envp[i], "LD_PRELOAD=", 11) == 0) {
			at = i;
			if (env->envp[i][11] && asprintf(&preload, "LD_PRELOAD=%s:%s", shim_path,
							 env->envp[i] + 11) < 0)
				return -ENOMEM;
		}
	if (!preload && asprintf(&preload, "LD_PRELOAD=%s", shim_path) < 0)
		return -ENOMEM;
	if ((r = own(plan, preload)) < 0)
		return r;
	char **envp = realloc(env->envp, (env->n + 6) * sizeof(char *));
	if (!envp)
		return -ENOMEM;
	env->envp = envp;
	envp[at] = preload;
	if (at == env->n)
		env->n++;
	char *vars[4] = { NULL, NULL, NULL, NULL };
	size_t nvars = net_fd >= 0 ? 4 : 3;
	if (asprintf(&vars[0], SHIM_ENV_PATH "=%s", shim_path) < 0 ||
	    asprintf(&vars[1], SHIM_ENV_POLICY_FD "=%d", policy_fd) < 0 ||
	    asprintf(&vars[2], SHIM_ENV_AUDIT_FD "=%d", audit_fd) < 0 ||
	    (net_fd >= 0 && asprintf(&vars[3], SHIM_ENV_NET_FD "=%d", net_fd) < 0)) {
		for (size_t i = 0; i < 4; i++)
			free(vars[i]);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nvars; i++) {
		if ((r = own(plan, vars[i])) < 0) {
			for (size_t k = i + 1; k < nvars; k++)
				free(vars[k]);
			return r;
		}
		envp[env->n++] = vars[i];
	}
	envp[env->n] = NULL;
	/* Inherited by CMD across exec (the launcher's fds are close-on-exec). */
	plan->inherit_fds[0] = policy_fd;
	plan->inherit_fds[1] = audit_fd;
	plan->ninherit = 2;
	if (net_fd >= 0)
		plan->inherit_fds[plan->ninherit++] = net_fd;
	return 0;
}
