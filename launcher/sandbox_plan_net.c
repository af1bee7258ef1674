/* SPDX-License-Identifier: MIT */
/*
 * sandbox_plan_net.c — what allow_net adds to the plan: the proxy
 * variables, a resolv.conf naming the DNS stub, and the host's resolver
 * sockets hidden (sandbox_net.h has the namespace itself).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "launcher/sandbox.h"
#include "launcher/sandbox_internal.h"
#include "launcher/sandbox_net.h"
#include "policy/util.h"

#define PROXY_URL "http://" SBX_NET_ADDR ":3128"
#define SOCKS_URL "socks5h://" SBX_NET_ADDR ":1080"

/* String literals: at the same address in init's copy of our memory, nothing to own. */
static char *const proxy_env[] = {
	"HTTP_PROXY=" PROXY_URL, "HTTPS_PROXY=" PROXY_URL,
	"ALL_PROXY=" SOCKS_URL,	 "NO_PROXY=localhost,127.0.0.1,::1",
	"http_proxy=" PROXY_URL, "https_proxy=" PROXY_URL,
	"all_proxy=" SOCKS_URL,	 "no_proxy=localhost,127.0.0.1,::1",
};

static bool is_proxy_var(const char *kv)
{
	static const char *const names[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
					     "FTP_PROXY" };
	size_t n = strcspn(kv, "=");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (n == strlen(names[i]) && strncasecmp(kv, names[i], n) == 0)
			return true;
	return false;
}

static int plan_env(struct sbx_plan *plan)
{
	struct env_filtered *env = &plan->env;
	size_t k = 0;
	/* The host's proxy settings are the egress's business (it chains through them), not CMD's. */
	for (size_t i = 0; i < env->n; i++)
		if (!is_proxy_var(env->envp[i]))
			env->envp[k++] = env->envp[i];
	env->n = k;
	char **envp = realloc(env->envp, (env->n + ARRAY_SIZE(proxy_env) + 1) * sizeof(char *));
	if (!envp)
		return -ENOMEM;
	env->envp = envp;
	for (size_t i = 0; i < ARRAY_SIZE(proxy_env); i++)
		envp[env->n++] = proxy_env[i];
	envp[env->n] = NULL;
	return 0;
}

/*
 * The name server is the stub on the sandbox's loopback. A resolv.conf
 * that is missing or a dangling link needs nothing: glibc then asks
 * 127.0.0.1 by itself.
 */
static int plan_resolv_conf(struct sbx_plan *plan)
{
	static const char conf[] = "# aigate: the DNS stub answers names in allow_net only\n"
				   "nameserver " SBX_NET_ADDR "\n"
				   "options edns0 trust-ad\n";
	char real[PATH_MAX];
	struct stat st;
	if (!sbx_realpath("/etc/resolv.conf", real) || stat(real, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	struct sbx_stub *stubs = reallocarray(plan->stubs, plan->nstubs + 1, sizeof(*stubs));
	if (!stubs)
		return -ENOMEM;
	plan->stubs = stubs;
	char *image = malloc(sizeof(conf) - 1);
	if (!image)
		return -ENOMEM;
	memcpy(image, conf, sizeof(conf) - 1);
	stubs[plan->nstubs] = (struct sbx_stub){ .image = image, .size = sizeof(conf) - 1 };
	int r = sbx_add_op(plan, SBX_FILE, real,
			   "allow_net: names resolve through aigate's DNS stub",
			   (uint32_t)plan->nstubs, false);
	plan->nstubs++;
	return r;
}

/*
 * Resolvers on the host that answer any name over a unix socket: through
 * them a name (and a secret in it) would leave without the stub.
 */
static int plan_resolver_sockets(struct sbx_plan *plan)
{
	static const char *const sockets[] = {
		"/run/systemd/resolve/io.systemd.Resolve",
		"/run/systemd/resolve/io.systemd.Resolve.Monitor",
		"/run/dbus/system_bus_socket", /* org.freedesktop.resolve1 */
		"/run/nscd/socket",
		"/var/run/nscd/socket",
		"/run/avahi-daemon/socket",
	};
	char real[PATH_MAX];
	struct stat st;
	for (size_t i = 0; i < ARRAY_SIZE(sockets); i++) {
		if (!sbx_realpath(sockets[i], real) || stat(real, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		int r = sbx_add_hide(plan, real, false,
				     "allow_net: a host resolver that would answer any name");
		if (r < 0)
			return r;
	}
	return 0;
}

int sbx_plan_net(struct sbx_plan *plan)
{
	int r;
	if ((r = plan_env(plan)) < 0 || (r = plan_resolv_conf(plan)) < 0 ||
	    (r = plan_resolver_sockets(plan)) < 0)
		return r;
	return 0;
}
