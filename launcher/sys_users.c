/* SPDX-License-Identifier: MIT */
/* sys_users.c — see sys_users.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/config_edit.h"
#include "launcher/sys_users.h"
#include "policy/util.h"

/* The record is a few lines; anything larger is not ours. */
#define CONF_MAX 4096

bool sys_users_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SYS_USERS_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void conf_defaults(struct sys_users_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->group, sizeof(c->group), "%s", SYS_USERS_DEFAULT_GROUP);
	snprintf(c->user, sizeof(c->user), "%s", SYS_USERS_DEFAULT_USER);
}

/*
 * Only a file root alone can write is trusted: the names decide which
 * group the ACL entries deny and which user `run --as-user` becomes.
 */
static int trusted(const struct stat *st, const char *what, char *why, size_t whysz)
{
	if (st->st_uid != 0 || (st->st_mode & 022)) {
		snprintf(why, whysz, "%s is not owned by root or is writable by others", what);
		return -EPERM;
	}
	return 0;
}

static int parse_line(struct sys_users_conf *c, char *line, unsigned lineno, char *why,
		      size_t whysz)
{
	char *eq = strchr(line, '=');
	if (!eq) {
		snprintf(why, whysz, "line %u: expected key=value", lineno);
		return -EINVAL;
	}
	*eq = '\0';
	const char *key = line, *val = eq + 1;
	if (strcmp(key, "group") == 0 || strcmp(key, "user") == 0) {
		if (!sys_users_name_valid(val)) {
			snprintf(why, whysz, "line %u: invalid %s name", lineno, key);
			return -EINVAL;
		}
		snprintf(strcmp(key, "group") == 0 ? c->group : c->user, SYS_USERS_NAME_MAX + 1,
			 "%s", val);
		return 0;
	}
	bool *flag = strcmp(key, "created_group") == 0	? &c->created_group
		     : strcmp(key, "created_user") == 0 ? &c->created_user
							: NULL;
	if (!flag || (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)) {
		snprintf(why, whysz, "line %u: unknown setting '%s'", lineno, key);
		return -EINVAL;
	}
	*flag = strcmp(val, "yes") == 0;
	return 0;
}

int sys_users_conf_read(struct sys_users_conf *ret, char *why, size_t whysz)
{
	struct sys_users_conf c;
	char buf[CONF_MAX + 1];
	struct stat st;
	size_t len = 0;
	int r;

	conf_defaults(ret);
	conf_defaults(&c);
	why[0] = '\0';
	if (stat(SYS_USERS_CONF_DIR, &st) == 0 &&
	    (r = trusted(&st, SYS_USERS_CONF_DIR, why, whysz)) < 0)
		return r;
	/* O_NOFOLLOW: a link planted there would name another file's contents. */
	_cleanup_close_ int fd = open(SYS_USERS_CONF, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			snprintf(why, whysz, "cannot open %s: %s", SYS_USERS_CONF, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "%s is not a regular file", SYS_USERS_CONF);
		return -EINVAL;
	}
	if ((r = trusted(&st, SYS_USERS_CONF, why, whysz)) < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whysz, "cannot read %s: %s", SYS_USERS_CONF, strerror(errno));
			return -EIO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= sizeof(buf) - 1) {
			snprintf(why, whysz, "%s is larger than %d bytes", SYS_USERS_CONF,
				 CONF_MAX - 1);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	unsigned lineno = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((r = parse_line(&c, line, lineno, why, whysz)) < 0)
			return r;
	}
	c.from_file = true;
	*ret = c;
	return 0;
}

int sys_users_conf_write(const struct sys_users_conf *c)
{
	char text[512];
	struct stat st;
	int n = snprintf(text, sizeof(text),
			 "# Written by `aigate setup`; read by `aigate deny read`, `allow read`,\n"
			 "# `run --as-user` and `reset` (docs/setup.md). Do not edit by hand.\n"
			 "group=%s\nuser=%s\ncreated_group=%s\ncreated_user=%s\n",
			 c->group, c->user, c->created_group ? "yes" : "no",
			 c->created_user ? "yes" : "no");
	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	if (mkdir(SYS_USERS_CONF_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* Not root's alone: another user could swap the file between our write and the rename. */
	if (lstat(SYS_USERS_CONF_DIR, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	int r = config_write_atomic(SYS_USERS_CONF, text, (size_t)n);
	if (r < 0)
		return r;
	/* Every user reads it (deny read names the group): 0644, not the 0600 of a new policy. */
	return chmod(SYS_USERS_CONF, 0644) < 0 ? -errno : 0;
}

int sys_users_conf_remove(void)
{
	if (unlink(SYS_USERS_CONF) < 0)
		return -errno;
	(void)rmdir(SYS_USERS_CONF_DIR); /* only when empty: something else may live there */
	return 0;
}

int sys_users_tool(char *const argv[])
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin" };
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char path[64] = "";
	int st;

	for (size_t i = 0; i < ARRAY_SIZE(dirs) && !path[0]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], argv[0]);
		if (access(path, X_OK) < 0)
			path[0] = '\0';
	}
	if (!path[0])
		return -ENOENT;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool sys_users_has_group(const char *name, gid_t pgid, gid_t gid)
{
	gid_t small[64], *groups = small;
	int n = (int)ARRAY_SIZE(small);
	bool found = false;

	if (pgid == gid)
		return true;
	if (getgrouplist(name, pgid, groups, &n) < 0) {
		/* n now holds the count needed. */
		groups = calloc((size_t)n, sizeof(gid_t));
		if (!groups || getgrouplist(name, pgid, groups, &n) < 0) {
			free(groups);
			return false;
		}
	}
	for (int i = 0; i < n && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}
