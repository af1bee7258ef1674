/* SPDX-License-Identifier: MIT */
/* cmd_rules.c — `aigate init`, `aigate deny …`, `aigate allow …`: edits of the global policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/acl_apply.h"
#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/config_edit.h"
#include "launcher/log.h"
#include "policy/util.h"

/* Options common to the editing commands: only --help. Returns -1 to go on, else an exit code. */
static int parse_help_only(const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	opterr = 0;
	/* '+': a pattern such as "-foo" after the kind is still an operand only after "--". */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_print_help(cmd);
		return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

static int paths_or_fail(struct config_paths *cp)
{
	int r = config_paths_init(cp);
	if (r < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return EXIT_ERROR;
	}
	return -1;
}

int cmd_init(int argc, char **argv)
{
	struct config_paths cp;
	bool force = false;
	size_t len;
	int r, lock;

	if ((r = cli_force_only("init", argc, argv, &force)) >= 0)
		return r;
	if ((r = paths_or_fail(&cp)) >= 0)
		return r;
	lock = config_lock_dir(cp.dir);
	if (lock < 0) {
		log_error("cannot create %s: %s", cp.dir, strerror(-lock));
		return EXIT_ERROR;
	}
	if (access(cp.global, F_OK) == 0 && !force) {
		close(lock);
		log_error("%s already exists; use --force to overwrite it", cp.global_display);
		return EXIT_ERROR;
	}
	const char *text = policy_default_yaml(&len);
	r = config_write_atomic(cp.global, text, len);
	close(lock);
	if (r < 0) {
		log_error("cannot write %s: %s", cp.global_display, strerror(-r));
		return EXIT_ERROR;
	}
	log_info("wrote the default policy to %s", cp.global_display);
	return EXIT_OK;
}

struct edit_request {
	const char *cmd;   /* "deny" / "allow" for messages */
	const char *field; /* deny_read, deny_exec, allow_net */
	enum config_edit_op op;
	char **values;
	size_t n;
};

static int apply_edit(const struct edit_request *req)
{
	struct config_paths cp;
	struct config_edit_result res;
	struct policy_diag diag;
	char reason[1024];
	int r;

	if ((r = paths_or_fail(&cp)) >= 0)
		return r;
	/* Validate every value before touching the file: all or nothing. */
	for (size_t i = 0; i < req->n; i++) {
		if (policy_validate_value(req->field, req->values[i], reason, sizeof(reason)) < 0) {
			log_error("%s", reason);
			return EXIT_USAGE;
		}
	}
	r = config_edit_list(cp.global, cp.global_display, req->field, req->op, req->values, req->n,
			     &res, &diag);
	if (r == -EINVAL) {
		log_diag(LOG_ERROR, &diag);
		return EXIT_USAGE;
	}
	if (r < 0) {
		log_error("cannot update %s: %s", cp.global_display, strerror(-r));
		return EXIT_ERROR;
	}
	if (res.created)
		log_info("created %s from the default policy", cp.global_display);
	for (size_t i = 0; req->op == CONFIG_EDIT_REMOVE && res.unchanged && i < req->n; i++)
		log_debug("checked '%s'", req->values[i]);
	if (req->op == CONFIG_EDIT_REMOVE && res.unchanged)
		log_warn("%zu of the given rules were not in %s of %s (rules from a project's "
			 ".aigate.yaml are edited there)",
			 res.unchanged, req->field, cp.global_display);
	if (req->op == CONFIG_EDIT_SET)
		log_info("%s: allow_net now %s", cp.global_display,
			 req->n ? "lists only the given domains" : "is empty: no network access");
	else
		log_info("%s: %s %zu %s, %zu unchanged", cp.global_display,
			 req->op == CONFIG_EDIT_ADD ? "added" : "removed", res.changed,
			 res.changed == 1 ? "rule" : "rules", res.unchanged);
	/* deny_read: the ACL layer (docs/setup.md); its failures are warnings, the edit stands. */
	acl_apply_after_edit(&cp, req->field, req->op == CONFIG_EDIT_ADD, req->values, req->n);
	return EXIT_OK;
}

static const char *kind_field(const char *kind)
{
	if (strcmp(kind, "read") == 0)
		return "deny_read";
	if (strcmp(kind, "exec") == 0)
		return "deny_exec";
	if (strcmp(kind, "net") == 0)
		return "allow_net"; /* deny net sets it, allow net adds to it */
	return NULL;
}

/* deny net [--except D]… [D…]: both "--except a --except b" and "--except a b" are accepted. */
static int deny_net(int argc, char **argv)
{
	char **domains = calloc((size_t)argc + 1, sizeof(char *));
	size_t n = 0;
	bool except = false;
	int r;

	if (!domains)
		return EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--except") == 0 || strcmp(a, "-e") == 0) {
			except = true;
			if (i + 1 >= argc) {
				free(domains);
				return cli_usage_error("deny", "--except needs a domain");
			}
			continue;
		}
		if (strncmp(a, "--except=", 9) == 0) {
			except = true;
			domains[n++] = argv[i] + 9;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			free(domains);
			return cli_print_help("deny");
		}
		if (a[0] == '-') {
			free(domains);
			return cli_usage_error("deny", "unknown option '%s'", a);
		}
		if (!except) {
			free(domains);
			return cli_usage_error(
				"deny", "'%s': use --except DOMAIN to name reachable domains", a);
		}
		domains[n++] = argv[i];
	}
	struct edit_request req = { .cmd = "deny",
				    .field = "allow_net",
				    .op = CONFIG_EDIT_SET,
				    .values = domains,
				    .n = n };
	r = apply_edit(&req);
	free(domains);
	return r;
}

static int edit_command(const char *cmd, bool deny, int argc, char **argv)
{
	int r = parse_help_only(cmd, argc, argv);
	if (r >= 0)
		return r;
	if (optind >= argc)
		return cli_usage_error(cmd, "missing what to %s: read, exec or net", cmd);
	const char *kind = argv[optind];
	const char *field = kind_field(kind);
	if (!field)
		return cli_usage_error(cmd, "unknown kind '%s' (read, exec or net)", kind);
	if (deny && strcmp(kind, "net") == 0)
		return deny_net(argc - optind, argv + optind);

	/* The values: everything after the kind; "--" lets a pattern start with '-'. */
	int first = optind + 1;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	else
		for (int i = first; i < argc; i++)
			if (argv[i][0] == '-')
				return cli_usage_error(cmd,
						       "unknown option '%s' (use -- before "
						       "a pattern that starts with '-')",
						       argv[i]);
	if (first >= argc)
		return cli_usage_error(cmd, "%s %s needs at least one %s", cmd, kind,
				       strcmp(kind, "net") == 0 ? "domain" : "pattern");
	struct edit_request req = { .cmd = cmd,
				    .field = field,
				    .op = deny || strcmp(kind, "net") == 0 ? CONFIG_EDIT_ADD
									   : CONFIG_EDIT_REMOVE,
				    .values = argv + first,
				    .n = (size_t)(argc - first) };

	if (!deny && strcmp(kind, "net") == 0) {
		/* allow_net absent means the host network: adding one domain would restrict it. */
		struct config_paths cp;
		struct policy *g = NULL;
		if ((r = paths_or_fail(&cp)) >= 0)
			return r;
		if (cp.global_exists && config_load_one(cp.global, cp.global_display, &g) < 0)
			return EXIT_USAGE;
		if (!cp.global_exists && config_load_one(NULL, CONFIG_DEFAULT_DISPLAY, &g) < 0)
			return EXIT_USAGE;
		bool unrestricted = !g->allow_net.present;
		policy_free(g);
		if (unrestricted) {
			log_info("allow_net is not set in %s: the network is not restricted, "
				 "nothing "
				 "to allow (use `aigate deny net --except DOMAIN` to restrict it)",
				 cp.global_display);
			return EXIT_OK;
		}
	}
	return apply_edit(&req);
}

int cmd_deny(int argc, char **argv)
{
	return edit_command("deny", true, argc, argv);
}

int cmd_allow(int argc, char **argv)
{
	return edit_command("allow", false, argc, argv);
}
