/* SPDX-License-Identifier: MIT */
/* env_filter.c — see env_filter.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/env_filter.h"
#include "policy/util.h"

/*
 * Variables that point the agent at host services: sockets it could use to
 * act outside the sandbox (ssh-agent signs as you, D-Bus starts programs,
 * Docker is root, X11/Wayland inject keystrokes into other windows, tmux
 * drives your other panes) or credentials for them. pass_env can keep one.
 */
static const char *const host_service_vars[] = {
	"SSH_AUTH_SOCK",
	"SSH_AGENT_PID",
	"GPG_AGENT_INFO",
	"DBUS_SESSION_BUS_ADDRESS",
	"DBUS_SYSTEM_BUS_ADDRESS",
	"DOCKER_HOST",
	"DOCKER_CERT_PATH",
	"CONTAINER_HOST",
	"XDG_RUNTIME_DIR",
	"DISPLAY",
	"WAYLAND_DISPLAY",
	"XAUTHORITY",
	"TMUX",
	"TMUX_PANE",
	"STY",
	"KRB5CCNAME",
	"PULSE_SERVER",
	"SYSTEMD_EXEC_PID",
	"INVOCATION_ID",
	"AIGATE_HOME",
};

bool env_name_matches(const char *pattern, const char *name, size_t len)
{
	/* Iterative '*' matching with one backtrack point: names are short. */
	size_t p = 0, n = 0, star_p = (size_t)-1, star_n = 0;
	size_t plen = strlen(pattern);
	while (n < len) {
		if (p < plen && (pattern[p] == '?' || pattern[p] == name[n])) {
			p++;
			n++;
		} else if (p < plen && pattern[p] == '*') {
			star_p = p++;
			star_n = n;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			n = ++star_n;
		} else {
			return false;
		}
	}
	while (p < plen && pattern[p] == '*')
		p++;
	return p == plen;
}

static bool in_list(const struct policy_blob *b, enum policy_blob_list list, const char *name,
		    size_t len)
{
	for (uint32_t i = 0; i < policy_blob_count(b, list); i++)
		if (env_name_matches(policy_blob_str(b, policy_blob_rule(b, list, i)->text_off),
				     name, len))
			return true;
	return false;
}

static bool is_host_service(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(host_service_vars); i++)
		if (strlen(host_service_vars[i]) == len &&
		    memcmp(host_service_vars[i], name, len) == 0)
			return true;
	return false;
}

int env_filter(const struct policy_blob *b, char *const *environ, struct env_filtered *ret)
{
	size_t n = 0;
	struct env_filtered f = { 0 };

	while (environ[n])
		n++;
	f.envp = calloc(n + 2, sizeof(char *));
	f.dropped = calloc(n + 1, sizeof(char *));
	if (!f.envp || !f.dropped) {
		env_filter_free(&f);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool drop = in_list(b, POLICY_BLOB_DENY_ENV, environ[i], len) ||
			    (is_host_service(environ[i], len) &&
			     !in_list(b, POLICY_BLOB_PASS_ENV, environ[i], len)) ||
			    (len == 14 && memcmp(environ[i], "AIGATE_SANDBOX", 14) == 0);
		if (!drop) {
			f.envp[f.n++] = environ[i];
			continue;
		}
		if (!(f.dropped[f.ndropped] = strndup(environ[i], len))) {
			env_filter_free(&f);
			return -ENOMEM;
		}
		f.ndropped++;
	}
	/* Lets agents and scripts tell they run sandboxed; never trusted by aigate itself. */
	f.envp[f.n++] = "AIGATE_SANDBOX=1";
	f.envp[f.n] = NULL;
	*ret = f;
	return 0;
}

void env_filter_free(struct env_filtered *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ndropped; i++)
		free(f->dropped[i]);
	free(f->dropped);
	free(f->envp);
	memset(f, 0, sizeof(*f));
}
