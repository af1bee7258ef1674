/* SPDX-License-Identifier: MIT */
/* features.c — see features.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/features.h"
#include "launcher/limits.h"
#include "policy/util.h"

#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS _IOW('!', 4, __u64)
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

/* Run @fn in a child and report whether it exited 0. The child never returns. */
static bool in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(fn(arg) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int try_unshare(void *arg)
{
	return unshare(*(int *)arg) == 0 ? 0 : 1;
}

static bool can_unshare(int flags)
{
	return in_child(try_unshare, &flags);
}

/* Install an allow-all filter with a listener, then try the SYNC_WAKE_UP flag. */
static int try_notif(void *arg)
{
	bool want_sync = *(bool *)arg;
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	uint32_t action = SECCOMP_RET_USER_NOTIF;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0)
		return 1;
	if (!want_sync)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 1;
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return 1;
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0
		       ? 0
		       : 1;
}

static int read_int_file(const char *path, int fallback)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC), v = fallback;
	if (fd < 0)
		return fallback;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = atoi(buf);
	}
	return v;
}

void features_probe(struct features *f)
{
	bool no = false, yes = true;

	memset(f, 0, sizeof(*f));
	f->userns = can_unshare(CLONE_NEWUSER);
	f->mountns = f->userns && can_unshare(CLONE_NEWUSER | CLONE_NEWNS);
	f->pidns = f->userns && can_unshare(CLONE_NEWUSER | CLONE_NEWPID);
	f->netns = f->userns && can_unshare(CLONE_NEWUSER | CLONE_NEWNET);
	if (!f->userns) {
		if (read_int_file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 0) == 1)
			snprintf(f->userns_hint, sizeof(f->userns_hint),
				 "AppArmor restricts unprivileged user namespaces (Ubuntu 24.04+): "
				 "add an AppArmor profile for aigate, or sysctl "
				 "kernel.apparmor_restrict_unprivileged_userns=0");
		else if (read_int_file("/proc/sys/kernel/unprivileged_userns_clone", 1) == 0)
			snprintf(f->userns_hint, sizeof(f->userns_hint),
				 "sysctl kernel.unprivileged_userns_clone=1");
		else if (read_int_file("/proc/sys/user/max_user_namespaces", 1) == 0)
			snprintf(f->userns_hint, sizeof(f->userns_hint),
				 "sysctl user.max_user_namespaces=15000 (0 forbids them)");
		else
			snprintf(f->userns_hint, sizeof(f->userns_hint),
				 "in a container: run it with --security-opt seccomp=unconfined "
				 "(Docker blocks unshare by default) or allow user namespaces");
	}
	f->seccomp_notif = in_child(try_notif, &no);
	f->notif_sync_wakeup = f->seccomp_notif && in_child(try_notif, &yes);
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	f->landlock_abi = abi > 0 ? (int)abi : 0;
	/*
	 * Test-only (docs/fallback.md): AIGATE_TEST_NO_LANDLOCK=1 makes aigate
	 * act as on a kernel without Landlock, so rung 3 can be tested on a
	 * machine that has it. It can only take protection away.
	 */
	const char *no_ll = getenv("AIGATE_TEST_NO_LANDLOCK");
	if (no_ll && strcmp(no_ll, "1") == 0)
		f->landlock_abi = 0;
	/*
	 * cgroups: the probe resource_limits uses (limits_cgroup.c), so that
	 * doctor and run agree. v2 counts when a delegated subtree (our own
	 * cgroup, or AIGATE_CGROUP) can give us any of the memory, pids and
	 * cpu controllers; v1 when root can use all three hierarchies.
	 */
	struct limits_host host;
	limits_host_probe(f->userns, &host, NULL);
	f->cgroup2_delegated = host.cgroup2 != 0;
	f->cgroup1_controllers = host.root && (host.cgroup1 & LIMITS_CTL_ALL) == LIMITS_CTL_ALL;
	int mfd = memfd_create("aigate-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd >= 0) {
		f->memfd_seal = fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE) == 0;
		close(mfd);
	}
}

enum features_level features_level(const struct features *f)
{
	if (!f->seccomp_notif)
		return FEATURES_NONE;
	if (f->userns && f->mountns && f->pidns && f->netns)
		return FEATURES_FULL;
	if (f->landlock_abi > 0)
		return FEATURES_NO_USERNS;
	return FEATURES_SUPERVISOR_ONLY;
}

const char *features_level_name(enum features_level level)
{
	switch (level) {
	case FEATURES_FULL:
		return "full (namespaces, supervisor, shim)";
	case FEATURES_NO_USERNS:
		return "no user namespaces (supervisor, Landlock, shim)";
	case FEATURES_SUPERVISOR_ONLY:
		return "supervisor and shim only";
	case FEATURES_NONE:
	default:
		return "none (no seccomp user notification)";
	}
}
