/* SPDX-License-Identifier: MIT */
/* run_as_user.c — see run_as_user.h. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/cli.h"
#include "launcher/log.h"
#include "launcher/run_as_user.h"
#include "launcher/sys_users.h"

/* After the switch: no capability may be left, permitted or effective (SECBIT_KEEP_CAPS would keep them). */
static bool capability_left(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = { 0 };
	if (syscall(SYS_capget, &hdr, caps) < 0)
		return true; /* cannot tell: count it as kept */
	for (int i = 0; i < 2; i++)
		if (caps[i].permitted || caps[i].effective)
			return true;
	return false;
}

static int switch_failed(const char *name, const char *step)
{
	log_error("--as-user %s: %s failed: %s; nothing was run", name, step, strerror(errno));
	return EXIT_SANDBOX;
}

/* The user @name may become, or NULL with the reason printed. */
static struct passwd *lookup(const char *name)
{
	struct sys_users_conf conf;
	char why[256];

	if (geteuid() != 0) {
		cli_usage_error("run",
				"--as-user needs aigate started as root: only root can become "
				"another user (sudo aigate run --as-user %s -- CMD)",
				name);
		return NULL;
	}
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		(void)sys_users_conf_read(&conf, why, sizeof(why));
		log_error("--as-user: there is no user '%s' on this system%s", name,
			  strcmp(name, conf.user) == 0 ? " (create it: sudo aigate setup)" : "");
		return NULL;
	}
	if (pw->pw_uid == 0) {
		log_error("--as-user %s: that user is root; name an unprivileged user (sudo aigate "
			  "setup creates %s)",
			  name, SYS_USERS_DEFAULT_USER);
		return NULL;
	}
	return pw;
}

int run_as_user_check(const char *name)
{
	return lookup(name) ? EXIT_OK : EXIT_USAGE;
}

int run_as_user_become(const char *name)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	struct passwd *pw = lookup(name);
	if (!pw)
		return EXIT_USAGE;
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	/*
	 * Groups first, then the gid, then the uid: once the uid is dropped,
	 * neither could be changed any more. initgroups() replaces root's
	 * supplementary groups with exactly the user's (setgroups underneath).
	 */
	if (initgroups(name, gid) < 0)
		return switch_failed(name, "initgroups");
	if (setresgid(gid, gid, gid) < 0)
		return switch_failed(name, "setresgid");
	if (setresuid(uid, uid, uid) < 0)
		return switch_failed(name, "setresuid");
	/* Trust, then verify: a saved uid of 0 or a kept capability would let the sandbox undo it. */
	if (getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid || su != uid ||
	    getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid) {
		errno = EPERM;
		return switch_failed(name, "checking the new ids");
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || capability_left()) {
		errno = EPERM;
		return switch_failed(name, "making sure root cannot be regained");
	}
	/*
	 * The kernel cleared the dumpable flag with the uid change
	 * (fs.suid_dumpable): /proc/self of a non-dumpable process belongs to
	 * root, so the sandbox's first process could not write its own
	 * uid_map. It stays as it was before the switch, as if U had started
	 * aigate; init and the supervisor clear it themselves, as always.
	 */
	if (dumpable >= 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != dumpable &&
	    prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0) < 0)
		return switch_failed(name, "keeping the dumpable flag");
	log_debug("running as %s (uid %u, gid %u)", name, (unsigned)uid, (unsigned)gid);
	return EXIT_OK;
}
