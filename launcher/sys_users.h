/* SPDX-License-Identifier: MIT */
/*
 * sys_users.h — the system group and user `aigate setup` creates for the
 * ACL layer (docs/setup.md), and the record of them, /etc/aigate/setup.conf:
 * root-owned, one "key=value" per line, read by `aigate deny read` /
 * `allow read` (which group the ACL entries name), `run --as-user` and
 * `reset`. Without the record, the default names apply.
 *
 * Accounts are created and removed with shadow's groupadd, useradd,
 * usermod, userdel and groupdel: they lock /etc/passwd, /etc/group and
 * their shadow files the way every other tool on the system expects.
 */
#ifndef AIGATE_SYS_USERS_H
#define AIGATE_SYS_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SYS_USERS_CONF_DIR	"/etc/aigate"
#define SYS_USERS_CONF		SYS_USERS_CONF_DIR "/setup.conf"
#define SYS_USERS_DEFAULT_GROUP "ai-agents"
#define SYS_USERS_DEFAULT_USER	"ai-runner"
/* Debian's useradd limit (and what fits utmp): longer names are refused, not cut. */
#define SYS_USERS_NAME_MAX 32

struct sys_users_conf {
	char group[SYS_USERS_NAME_MAX + 1];
	char user[SYS_USERS_NAME_MAX + 1];
	bool created_group; /* setup made the group: reset removes it */
	bool created_user;  /* setup made the user: reset removes it */
	bool from_file;	    /* read from SYS_USERS_CONF; else the defaults */
};

/**
 * sys_users_name_valid() - a user or group name setup accepts:
 * [a-z_][a-z0-9_-]*, at most SYS_USERS_NAME_MAX bytes. Never starts with
 * '-', so it cannot be taken for an option of the shadow tools.
 */
bool sys_users_name_valid(const char *name);

/**
 * sys_users_conf_read() - the record, or the defaults. Returns 0 (read),
 * -ENOENT (no record: defaults), or -EPERM / -EINVAL / -errno when the
 * record exists but is not used (not a root-owned regular file that only
 * root can write, too large, a bad line): defaults then, and @why (of
 * @whysz bytes) says what is wrong. *@ret is always filled.
 */
int sys_users_conf_read(struct sys_users_conf *ret, char *why, size_t whysz);

/**
 * sys_users_conf_write() - write @c to SYS_USERS_CONF (mode 0644, its
 * directory 0755, both root's) through a temporary file and rename.
 * Returns 0 or -errno.
 */
int sys_users_conf_write(const struct sys_users_conf *c);

/** sys_users_conf_remove() - remove SYS_USERS_CONF, and its directory when empty. 0, -ENOENT or -errno. */
int sys_users_conf_remove(void);

/**
 * sys_users_tool() - run the shadow tool @argv[0] ("groupadd", …) from
 * /usr/sbin or /sbin with @argv, a fixed PATH and no other environment;
 * its messages go to our stderr. Returns its exit status (0 ok), or
 * -errno when it cannot be run (-ENOENT: not installed).
 */
int sys_users_tool(char *const argv[]);

/** sys_users_has_group() - is @gid the primary or a supplementary group of user @name (primary @pgid)? */
bool sys_users_has_group(const char *name, gid_t pgid, gid_t gid);

#endif
