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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "launcher/landlock.h"
#include "launcher/sandbox.h"
#include "launcher/supervisor.h"
#include "policy/util.h"

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
	r = landlock_ruleset_build(roots, nroots, landlock_abi, plan->net, &skipped);
	plan->flat_landlock_net = plan->net && landlock_abi >= 4;
	free(roots);
	if (r < 0)
		return r;
	*ret_ruleset = r;
	return 0;
}

/* A TCP listener on the host's 127.0.0.1, at a port the kernel picks (in *@ret_port). */
static int loopback_listener(uint16_t *ret_port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*ret_port = ntohs(sin.sin_port);
	return fd;
}

int sbx_flat_net(struct sbx_plan *plan, int ruleset)
{
	static const char *const http_names[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
						  "https_proxy" };
	static const char *const socks_names[] = { "ALL_PROXY", "all_proxy" };
	uint16_t ports[2];
	int r;
	if (!plan->net)
		return 0;
	for (int i = 0; i < 2; i++) {
		if ((r = loopback_listener(&ports[i])) < 0)
			return r;
		plan->flat_egress_fds[plan->nflat_egress_fds++] = r;
		/*
		 * Landlock's network rules are by port, not address: the
		 * supervisor, which carries out every connect, holds them to
		 * 127.0.0.1 (sup_net.c).
		 */
		if (ruleset >= 0 && plan->flat_landlock_net &&
		    (r = landlock_allow_connect(ruleset, ports[i])) < 0)
			return r;
	}
	/*
	 * sbx_plan_net() put the rung-1 values there (127.0.0.1:3128, :1080):
	 * replaced by strings the plan owns (made after init was cloned, so
	 * they travel in its arena).
	 */
	for (size_t i = 0; i < ARRAY_SIZE(http_names) + ARRAY_SIZE(socks_names); i++) {
		bool http = i < ARRAY_SIZE(http_names);
		const char *name = http ? http_names[i] : socks_names[i - ARRAY_SIZE(http_names)];
		char *s = NULL;
		if (plan->nenv_owned == SBX_MAX_ENV_OWNED)
			return -E2BIG;
		if (asprintf(&s, "%s=%s://127.0.0.1:%u", name, http ? "http" : "socks5h",
			     ports[http ? 0 : 1]) < 0)
			return -ENOMEM;
		plan->env_owned[plan->nenv_owned++] = s;
		struct env_filtered *env = &plan->env;
		size_t n = strlen(name) + 1;
		for (size_t e = 0; e < env->n; e++)
			if (strncmp(env->envp[e], s, n) == 0)
				env->envp[e] = s;
	}
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
	for (size_t i = 0; i < plan->nflat_egress_fds; i++)
		close(plan->flat_egress_fds[i]);
	plan->nflat_egress_fds = 0;
	if (!plan->flat_tmpdir)
		return;
	int fd = open(plan->flat_tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		remove_below(fd, 0);
	(void)rmdir(plan->flat_tmpdir);
	free(plan->flat_tmpdir);
	plan->flat_tmpdir = NULL;
}
