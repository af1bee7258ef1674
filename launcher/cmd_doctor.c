/* SPDX-License-Identifier: MIT */
/* cmd_doctor.c — `aigate doctor`: the kernel features aigate needs, and how to get them. */
#include <getopt.h>
#include <stdio.h>

#include "launcher/cli.h"
#include "launcher/features.h"
#include "launcher/limits.h"
#include "launcher/log.h"

static void row(bool ok, const char *what, const char *detail, const char *purpose)
{
	bool color = log_color_stdout();
	const char *mark = ok ? (color ? "\033[32mok\033[0m     " : "ok     ")
			      : (color ? "\033[31mmissing\033[0m" : "missing");
	printf("  %s  %-26s %-10s %s\n", mark, what, detail, purpose);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct features f;
	char abi[16];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_print_help("doctor");
		return cli_usage_error("doctor", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("doctor", "unexpected argument '%s'", argv[optind]);

	features_probe(&f);
	snprintf(abi, sizeof(abi), f.landlock_abi ? "ABI %d" : "", f.landlock_abi);
	printf("aigate %s — kernel features\n\n", AIGATE_VERSION);
	row(f.userns, "user namespaces", "", "run as an ordinary user, lock the overmounts");
	row(f.mountns, "mount namespaces", "", "hide deny_read paths, stub deny_exec commands");
	row(f.pidns, "PID namespaces", "", "the sandbox cannot see or signal host processes");
	row(f.netns, "network namespaces", "", "allow_net: all egress through aigate");
	row(f.seccomp_notif, "seccomp user notification", "",
	    "the supervisor: race-free exec/open checks");
	row(f.notif_sync_wakeup, "notif SYNC_WAKE_UP", "", "fast supervisor replies (optional)");
	row(f.landlock_abi > 0, "Landlock", abi, "write roots without namespaces (fallback)");
	row(f.cgroup2_delegated, "cgroup v2 delegation", "",
	    "resource_limits for the whole sandbox");
	row(f.cgroup1_controllers, "cgroup v1 controllers", "", "resource_limits when run as root");
	row(f.memfd_seal, "sealed memfd", "", "the immutable policy for supervisor and shim");

	enum features_level level = features_level(&f);
	printf("\nRung `aigate run` would get: %d — %s\n", level, features_level_name(level));
	if (level == FEATURES_NONE)
		printf("  only --allow-degraded runs, with nothing enforced beyond CMD's own "
		       "command "
		       "line\n");
	/* What each rung enforces (docs/fallback.md). */
	if (level == FEATURES_NO_USERNS)
		printf("  deny_read, deny_exec and allow_write by the supervisor and Landlock; "
		       "allow_net through aigate's proxy only (no names resolve inside)%s\n",
		       f.landlock_abi < 6 ? "; signals to other processes are not scoped (Landlock "
					    "ABI 6)"
					  : "");
	else if (level == FEATURES_SUPERVISOR_ONLY)
		printf("  deny_read and deny_exec by the supervisor; allow_write only on the calls "
		       "it "
		       "traps (utimes and unix socket binds are not): `run` needs "
		       "--allow-degraded\n");
	/* Which mechanism each resource limit would get here (docs/limits.md). */
	printf("\n");
	fflush(stdout);
	limits_doctor(stdout, level == FEATURES_FULL);
	if (level != FEATURES_FULL)
		printf("\nTo get rung 1:\n");
	if (!f.userns)
		printf("  fix user namespaces: %s\n", f.userns_hint);
	else if (!f.mountns || !f.pidns || !f.netns)
		printf("  fix mount/PID/network namespaces inside a user namespace: in a "
		       "container, "
		       "run it with --security-opt seccomp=unconfined or allow unshare(2)\n");
	if (!f.seccomp_notif)
		printf("  fix seccomp user notification: needs Linux 5.0+ with "
		       "CONFIG_SECCOMP_FILTER; "
		       "in a container, do not block seccomp(2)\n");
	if (!f.landlock_abi)
		printf("  Landlock: needs Linux 5.13+ with lsm=landlock on the kernel command line "
		       "(rung 2 without user namespaces)\n");
	if (!f.cgroup2_delegated && !f.cgroup1_controllers)
		printf("  resource limits: start aigate in a systemd user scope (systemd-run "
		       "--user "
		       "--scope -p Delegate=yes …) or set AIGATE_CGROUP to a delegated cgroup\n");
	return level == FEATURES_FULL ? EXIT_OK : EXIT_ERROR;
}
