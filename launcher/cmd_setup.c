/* SPDX-License-Identifier: MIT */
/*
 * cmd_setup.c — `sudo aigate setup [--group G] [--user U]` and
 * `sudo aigate reset [--force]` (docs/setup.md): the system group whose
 * members the ACL layer denies, the system user `run --as-user` becomes,
 * and taking both away again with the config and the ACL entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/acl_apply.h"
#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/log.h"
#include "launcher/sys_users.h"

#define PRIVILEGES_MSG "operation requires elevated privileges"

static int need_root(const char *cmd)
{
	if (geteuid() == 0)
		return -1;
	log_error("%s: " PRIVILEGES_MSG " (it changes system accounts: sudo aigate %s)", cmd, cmd);
	return EXIT_ERROR;
}

/* The record, or the defaults; a record that is not used is said once. */
static void read_conf(struct sys_users_conf *conf)
{
	char why[512];
	int r = sys_users_conf_read(conf, why, sizeof(why));
	if (r < 0 && r != -ENOENT)
		log_warn("ignoring %s: %s; using the default names", SYS_USERS_CONF, why);
}

static int tool_failed(const char *what, int r)
{
	if (r < 0)
		log_error("cannot %s: %s", what, strerror(-r));
	else
		log_error("cannot %s: the tool exited with status %d", what, r);
	return EXIT_ERROR;
}

static int create_group(const char *group)
{
	char *argv[] = { "groupadd", "--system", (char *)group, NULL };
	int r = sys_users_tool(argv);
	if (r != 0)
		return tool_failed("create the group (groupadd)", r);
	log_info("created the system group %s", group);
	return EXIT_OK;
}

static int create_user(const char *user, const char *group)
{
	/* No home, no login: an account processes run as, never one a person logs in to. */
	const char *shell =
		access("/usr/sbin/nologin", X_OK) == 0 ? "/usr/sbin/nologin" : "/bin/false";
	char *argv[] = { "useradd",
			 "--system",
			 "--gid",
			 (char *)group,
			 "--no-create-home",
			 "--home-dir",
			 "/nonexistent",
			 "--shell",
			 (char *)shell,
			 "--comment",
			 "aigate sandbox runner",
			 (char *)user,
			 NULL };
	int r = sys_users_tool(argv);
	if (r != 0)
		return tool_failed("create the user (useradd)", r);
	log_info("created the system user %s (primary group %s, no login shell)", user, group);
	return EXIT_OK;
}

static int record(const struct sys_users_conf *c)
{
	int r = sys_users_conf_write(c);
	if (r < 0) {
		log_error("cannot write %s: %s", SYS_USERS_CONF, strerror(-r));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int cmd_setup(int argc, char **argv)
{
	static const struct option opts[] = { { "group", required_argument, NULL, 'g' },
					      { "user", required_argument, NULL, 'u' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	const char *group = NULL, *user = NULL;
	struct sys_users_conf conf, next;
	bool changed = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+g:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			group = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'h':
			return cli_print_help("setup");
		default:
			if (optopt == 'g' || optopt == 'u')
				return cli_usage_error("setup", "--%s needs a name",
						       optopt == 'g' ? "group" : "user");
			return cli_usage_error("setup", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("setup", "unexpected argument '%s'", argv[optind]);
	if (group && !sys_users_name_valid(group))
		return cli_usage_error("setup",
				       "invalid group name '%s' (lower-case letters, digits, '_' "
				       "and '-', starting with a letter or '_', at most %d)",
				       group, SYS_USERS_NAME_MAX);
	if (user && !sys_users_name_valid(user))
		return cli_usage_error("setup",
				       "invalid user name '%s' (lower-case letters, digits, '_' "
				       "and '-', starting with a letter or '_', at most %d)",
				       user, SYS_USERS_NAME_MAX);
	if ((r = need_root("setup")) >= 0)
		return r;

	read_conf(&conf);
	/* Other names than recorded: the old ones would be orphaned (reset only knows the record). */
	if (conf.from_file &&
	    ((group && strcmp(group, conf.group) != 0) || (user && strcmp(user, conf.user) != 0))) {
		log_error("already set up with the group %s and the user %s (%s); to use other "
			  "names, run sudo aigate reset --force first",
			  conf.group, conf.user, SYS_USERS_CONF);
		return EXIT_ERROR;
	}
	next = conf;
	next.from_file = true;
	if (group)
		snprintf(next.group, sizeof(next.group), "%s", group);
	if (user)
		snprintf(next.user, sizeof(next.user), "%s", user);

	if (!getgrnam(next.group)) {
		if ((r = create_group(next.group)) != EXIT_OK)
			return r;
		next.created_group = changed = true;
		/* Recorded at once: if the user cannot be made, reset still knows the group is ours. */
		if ((r = record(&next)) != EXIT_OK)
			return r;
	}
	struct group *gr = getgrnam(next.group);
	if (!gr) {
		log_error("the group %s does not exist after groupadd", next.group);
		return EXIT_ERROR;
	}
	gid_t gid = gr->gr_gid;
	struct passwd *pw = getpwnam(next.user);
	if (pw && pw->pw_uid == 0) {
		log_error("the user %s is root: the sandbox must run as an unprivileged user",
			  next.user);
		return EXIT_ERROR;
	}
	if (!pw) {
		if ((r = create_user(next.user, next.group)) != EXIT_OK)
			return r;
		next.created_user = changed = true;
	} else if (!sys_users_has_group(next.user, pw->pw_gid, gid)) {
		char *args[] = { "usermod", "--append", "--groups", next.group, next.user, NULL };
		if ((r = sys_users_tool(args)) != 0)
			return tool_failed("add the user to the group (usermod)", r);
		log_info("added the existing user %s to the group %s", next.user, next.group);
		changed = true;
	}
	if (!changed && conf.from_file) {
		log_info("already set up: the group %s and the user %s exist (%s)", next.group,
			 next.user, SYS_USERS_CONF);
		return EXIT_OK;
	}
	if ((r = record(&next)) != EXIT_OK)
		return r;
	log_info("set up (recorded in %s): `aigate deny read` now gives matching files the ACL "
		 "entry group:%s:---; `sudo aigate run --as-user %s -- CMD` runs CMD as %s",
		 SYS_USERS_CONF, next.group, next.user, next.user);
	return EXIT_OK;
}

/* ---- reset ------------------------------------------------------------------ */

/*
 * Who ran sudo: their ~/.aigate is the config to remove, and the files and
 * the config are touched with their file-system ids (setfsuid), so root
 * removes nothing there that they could not have removed themselves (a
 * ~/.aigate that is a symlink to /etc, say).
 */
struct invoker {
	bool set;
	uid_t uid;
	gid_t gid;
};

static void find_invoker(struct invoker *inv)
{
	const char *name = getenv("SUDO_USER"), *uid = getenv("SUDO_UID");
	char *end;
	memset(inv, 0, sizeof(*inv));
	if (!name || !uid || getuid() != 0)
		return;
	unsigned long u = strtoul(uid, &end, 10);
	struct passwd *pw = getpwnam(name);
	if (*end || !pw || pw->pw_uid != (uid_t)u || pw->pw_uid == 0 || pw->pw_dir[0] != '/')
		return;
	inv->set = true;
	inv->uid = pw->pw_uid;
	inv->gid = pw->pw_gid;
	/* ~ is theirs, not root's (sudo sets HOME to /root); AIGATE_HOME, when kept, wins anyway. */
	setenv("HOME", pw->pw_dir, 1);
}

static void as_invoker(const struct invoker *inv, bool on)
{
	if (!inv->set)
		return;
	setfsgid(on ? inv->gid : 0);
	setfsuid(on ? inv->uid : 0);
}

/* Append @item to the comma-separated list in @buf. */
static void add_item(char *buf, size_t bufsz, const char *item)
{
	size_t len = strlen(buf);
	snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "", item);
}

/* The config file: unlinked, its directory removed when nothing else (the audit trail) is left. */
static int remove_config(const struct config_paths *cp)
{
	if (unlink(cp->global) < 0 && errno != ENOENT) {
		log_error("cannot remove %s: %s", cp->global_display, strerror(errno));
		return EXIT_ERROR;
	}
	if (rmdir(cp->dir) == 0 || errno == ENOENT)
		log_info("removed %s", cp->global_display);
	else
		log_info("removed %s (kept the rest of its directory: the audit trail)",
			 cp->global_display);
	return EXIT_OK;
}

int cmd_reset(int argc, char **argv)
{
	struct sys_users_conf conf;
	struct config_paths cp;
	struct invoker inv;
	struct acl_apply_stats st = { 0 };
	struct policy *p = NULL;
	char what[PATH_MAX + 1024] = "", item[PATH_MAX + 64];
	bool force = false;
	int r, status = EXIT_OK;

	if ((r = cli_force_only("reset", argc, argv, &force)) >= 0)
		return r;
	if ((r = need_root("reset")) >= 0)
		return r;
	read_conf(&conf);
	find_invoker(&inv);
	if ((r = config_paths_init(&cp)) < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return EXIT_ERROR;
	}
	/* Without a record the default names are aigate's own; with one, only what setup made. */
	struct passwd *pw = getpwnam(conf.user);
	struct group *gr = getgrnam(conf.group);
	bool del_user = pw && pw->pw_uid != 0 && (conf.created_user || !conf.from_file);
	bool del_group = gr && (conf.created_group || !conf.from_file);
	gid_t gid = gr ? gr->gr_gid : (gid_t)-1;
	bool have_conf = access(SYS_USERS_CONF, F_OK) == 0;
	bool have_config = access(cp.global, F_OK) == 0;

	/* The ACL entries the policy's deny_read rules can find (the group must still exist). */
	const char **pats = NULL;
	size_t npats = 0;
	if (gr &&
	    config_load_one(have_config ? cp.global : NULL,
			    have_config ? cp.global_display : CONFIG_DEFAULT_DISPLAY, &p) == 0 &&
	    (pats = calloc(p->deny_read.n + 1, sizeof(*pats)))) {
		for (uint32_t i = 0; i < p->deny_read.n; i++)
			pats[npats++] = p->deny_read.items[i].value;
		as_invoker(&inv, true);
		acl_apply_patterns(&cp, conf.group, true, gid, ACL_APPLY_COUNT, pats, npats, NULL,
				   0, &st);
		as_invoker(&inv, false);
	}

	if (st.changed) {
		snprintf(item, sizeof(item), "the ACL entr%s of the group %s on %zu file%s",
			 st.changed == 1 ? "y" : "ies", conf.group, st.changed,
			 st.changed == 1 ? "" : "s");
		add_item(what, sizeof(what), item);
	}
	if (del_user) {
		snprintf(item, sizeof(item), "the user %s", conf.user);
		add_item(what, sizeof(what), item);
	}
	if (del_group) {
		snprintf(item, sizeof(item), "the group %s", conf.group);
		add_item(what, sizeof(what), item);
	}
	if (have_conf)
		add_item(what, sizeof(what), SYS_USERS_CONF);
	if (have_config) {
		snprintf(item, sizeof(item), "%s (the policy)", cp.global_display);
		add_item(what, sizeof(what), item);
	}
	if (pw && !del_user)
		log_info("keeping the user %s: it existed before aigate setup", conf.user);
	if (gr && !del_group)
		log_info("keeping the group %s: it existed before aigate setup", conf.group);
	if (!what[0]) {
		log_info("nothing to reset");
		goto out;
	}
	if (!force) {
		log_error("reset would remove %s; nothing was removed: run sudo aigate reset "
			  "--force to remove them",
			  what);
		status = EXIT_ERROR;
		goto out;
	}

	/* ACL entries first: once the group is gone, its entries could not be told from others. */
	if (st.changed) {
		as_invoker(&inv, true);
		acl_apply_patterns(&cp, conf.group, true, gid, ACL_APPLY_REMOVE, pats, npats, NULL,
				   0, &st);
		as_invoker(&inv, false);
		if (st.failed)
			status = EXIT_ERROR;
		log_info("removed the ACL entry of the group %s from %zu file%s", conf.group,
			 st.changed, st.changed == 1 ? "" : "s");
	}
	if (del_user) {
		char *args[] = { "userdel", conf.user, NULL };
		if ((r = sys_users_tool(args)) != 0)
			status = tool_failed("remove the user (userdel)", r);
		else
			log_info("removed the user %s", conf.user);
	}
	/* Looked up again: userdel removes a group named like the user along with it. */
	if (del_group && getgrnam(conf.group)) {
		char *args[] = { "groupdel", conf.group, NULL };
		if ((r = sys_users_tool(args)) != 0)
			status = tool_failed("remove the group (groupdel)", r);
		else
			log_info("removed the group %s", conf.group);
	}
	if (have_conf && (r = sys_users_conf_remove()) < 0 && r != -ENOENT) {
		log_error("cannot remove %s: %s", SYS_USERS_CONF, strerror(-r));
		status = EXIT_ERROR;
	}
	if (have_config) {
		as_invoker(&inv, true);
		if (remove_config(&cp) != EXIT_OK)
			status = EXIT_ERROR;
		as_invoker(&inv, false);
	}
out:
	free(pats);
	policy_free(p);
	return status;
}
