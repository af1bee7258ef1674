/* SPDX-License-Identifier: MIT */
/*
 * argvmatch_data.c — the data behind argvmatch: which global options of
 * well-known CLIs take a separate value, and how wrapper commands find the
 * command they run. Adding a CLI or a wrapper is a table edit here.
 *
 * Why it matters: a value-taking option that is missing from a list makes its
 * value look like the subcommand ("kubectl -n prod delete" would read as
 * "kubectl prod"), so a deny rule would miss. Listing a flag that takes no
 * value hides the word after it in the same way, so each list follows the
 * tool's own documentation rather than guessing.
 */
#include "policy/argvmatch_internal.h"
#include "policy/util.h"

/* git(1) OPTIONS; --exec-path takes its value only with '=' and is not listed. */
static const char *const git_opts[] = {
	"-C",		"-c",	       "--git-dir", "--work-tree", "--namespace", "--super-prefix",
	"--config-env", "--list-cmds", NULL,
};

/*
 * git's builtins (`git --list-cmds=builtins`, git 2.39), sorted for a
 * binary search. git runs a builtin before it looks for an alias, so
 * `git -c alias.status=push status` runs status. A builtin of a newer git
 * missing here is followed as an alias (an over-match); a name listed here
 * that is not a builtin of an older git is not followed (a miss for the
 * early answer only: git runs an alias's expansion as a new process, which
 * is judged at its own exec).
 */
const char *const argvmatch_git_builtins[] = {
	"add",
	"am",
	"annotate",
	"apply",
	"archive",
	"bisect--helper",
	"blame",
	"branch",
	"bugreport",
	"bundle",
	"cat-file",
	"check-attr",
	"check-ignore",
	"check-mailmap",
	"check-ref-format",
	"checkout",
	"checkout--worker",
	"checkout-index",
	"cherry",
	"cherry-pick",
	"clean",
	"clone",
	"column",
	"commit",
	"commit-graph",
	"commit-tree",
	"config",
	"count-objects",
	"credential",
	"credential-cache",
	"credential-cache--daemon",
	"credential-store",
	"describe",
	"diagnose",
	"diff",
	"diff-files",
	"diff-index",
	"diff-tree",
	"difftool",
	"env--helper",
	"fast-export",
	"fast-import",
	"fetch",
	"fetch-pack",
	"fmt-merge-msg",
	"for-each-ref",
	"for-each-repo",
	"format-patch",
	"fsck",
	"fsck-objects",
	"fsmonitor--daemon",
	"gc",
	"get-tar-commit-id",
	"grep",
	"hash-object",
	"help",
	"hook",
	"index-pack",
	"init",
	"init-db",
	"interpret-trailers",
	"log",
	"ls-files",
	"ls-remote",
	"ls-tree",
	"mailinfo",
	"mailsplit",
	"maintenance",
	"merge",
	"merge-base",
	"merge-file",
	"merge-index",
	"merge-ours",
	"merge-recursive",
	"merge-recursive-ours",
	"merge-recursive-theirs",
	"merge-subtree",
	"merge-tree",
	"mktag",
	"mktree",
	"multi-pack-index",
	"mv",
	"name-rev",
	"notes",
	"pack-objects",
	"pack-redundant",
	"pack-refs",
	"patch-id",
	"pickaxe",
	"prune",
	"prune-packed",
	"pull",
	"push",
	"range-diff",
	"read-tree",
	"rebase",
	"receive-pack",
	"reflog",
	"remote",
	"remote-ext",
	"remote-fd",
	"repack",
	"replace",
	"rerere",
	"reset",
	"restore",
	"rev-list",
	"rev-parse",
	"revert",
	"rm",
	"send-pack",
	"shortlog",
	"show",
	"show-branch",
	"show-index",
	"show-ref",
	"sparse-checkout",
	"stage",
	"stash",
	"status",
	"stripspace",
	"submodule--helper",
	"switch",
	"symbolic-ref",
	"tag",
	"unpack-file",
	"unpack-objects",
	"update-index",
	"update-ref",
	"update-server-info",
	"upload-archive",
	"upload-archive--writer",
	"upload-pack",
	"var",
	"verify-commit",
	"verify-pack",
	"verify-tag",
	"version",
	"whatchanged",
	"worktree",
	"write-tree",
};

const size_t argvmatch_ngit_builtins = ARRAY_SIZE(argvmatch_git_builtins);

/* From `kubectl options`; shared by OpenShift's oc. */
static const char *const kubectl_opts[] = {
	"-n",
	"--namespace",
	"--context",
	"--cluster",
	"--user",
	"-s",
	"--server",
	"--kubeconfig",
	"--token",
	"--as",
	"--as-group",
	"--as-uid",
	"--certificate-authority",
	"--client-certificate",
	"--client-key",
	"--cache-dir",
	"--request-timeout",
	"--tls-server-name",
	"--profile",
	"--profile-output",
	"-v",
	"--v",
	"--log-file",
	"--password",
	"--username",
	"--vmodule",
	"--log-dir",
	"--log-file-max-size",
	"--stderrthreshold",
	/* Subcommand-level, but a selector value wherever it appears. */
	"-l",
	"--selector",
	NULL,
};

/* docker global options (docker --help, "Options"). */
static const char *const docker_opts[] = {
	"-H",	       "--host",      "--context", "-c",       "--config", "-l",
	"--log-level", "--tlscacert", "--tlscert", "--tlskey", NULL,
};

/* podman: docker's, plus its own (podman --help, "Options"). */
static const char *const podman_opts[] = {
	"-H",
	"--host",
	"--context",
	"-c",
	"--config",
	"-l",
	"--log-level",
	"--tlscacert",
	"--tlscert",
	"--tlskey",
	"--url",
	"--connection",
	"--identity",
	"--root",
	"--runroot",
	"--runtime",
	"--runtime-flag",
	"--storage-driver",
	"--storage-opt",
	"--tmpdir",
	"--cgroup-manager",
	"--conmon",
	"--events-backend",
	"--hooks-dir",
	"--imagestore",
	"--module",
	"--network-cmd-path",
	"--network-config-dir",
	"--volumepath",
	"--ssh",
	"--cni-config-dir",
	NULL,
};

/* helm global flags (helm --help, "Global Flags"). */
static const char *const helm_opts[] = {
	"-n",
	"--namespace",
	"--kube-context",
	"--kubeconfig",
	"--kube-apiserver",
	"--kube-as-user",
	"--kube-as-group",
	"--kube-ca-file",
	"--kube-token",
	"--kube-tls-server-name",
	"--registry-config",
	"--repository-cache",
	"--repository-config",
	"--burst-limit",
	"--qps",
	NULL,
};

/* terraform's global options are "-chdir=DIR" style: nothing consumes a word. */
static const char *const terraform_opts[] = { NULL };

static const char *const gh_opts[] = { "-R", "--repo", NULL };

/* npm, npx, pnpm, yarn: npm's config options plus pnpm's -C / --filter. */
static const char *const npm_opts[] = {
	"--prefix",	  "-C",		  "--dir",   "-w",	   "--workspace",
	"--registry",	  "--userconfig", "--cache", "--loglevel", "--filter",
	"--globalconfig", "--cwd",	  NULL,
};

static const char *const aws_opts[] = {
	"--profile",
	"--region",
	"--output",
	"--endpoint-url",
	"--query",
	"--cli-read-timeout",
	"--cli-connect-timeout",
	"--ca-bundle",
	"--color",
	"--cli-binary-format",
	NULL,
};

const struct argvmatch_cli argvmatch_clis[] = {
	{ "git", git_opts, false },
	{ "kubectl", kubectl_opts, false },
	{ "oc", kubectl_opts, false },
	{ "docker", docker_opts, false },
	{ "podman", podman_opts, false },
	{ "helm", helm_opts, false },
	{ "terraform", terraform_opts, false },
	{ "tofu", terraform_opts, false },
	{ "gh", gh_opts, false },
	/* nopt and argparse accept "--pre" for "--prefix": abbreviations consume too. */
	{ "npm", npm_opts, true },
	{ "npx", npm_opts, true },
	{ "pnpm", npm_opts, true },
	{ "yarn", npm_opts, true },
	{ "aws", aws_opts, true },
};

const size_t argvmatch_nclis = ARRAY_SIZE(argvmatch_clis);

/* Long options (no "--") that take a value, per wrapper. */
static const char *const env_long[] = { "unset", "chdir", "argv0", NULL };
static const char *const xargs_long[] = {
	"arg-file", "delimiter", "max-args", "max-procs", "max-chars", "process-slot-var", NULL,
};
static const char *const timeout_long[] = { "kill-after", "signal", NULL };
static const char *const nice_long[] = { "adjustment", NULL };
static const char *const sudo_long[] = {
	"user", "group",	   "close-from", "chdir",  "host",	"prompt",      "role",
	"type", "command-timeout", "other-user", "chroot", "auth-type", "login-class", NULL,
};
static const char *const stdbuf_long[] = { "input", "output", "error", NULL };
static const char *const ionice_long[] = { "class", "classdata", "pid", "pgid", "uid", NULL };
static const char *const ionice_norun[] = { "pid", "pgid", "uid", NULL };
static const char *const chrt_long[] = { "sched-runtime", "sched-period", "sched-deadline", NULL };
static const char *const chrt_norun[] = { "pid", "max", NULL };
static const char *const taskset_norun[] = { "pid", NULL };
static const char *const time_long[] = { "format", "output", NULL };
static const char *const flock_long[] = { "timeout", "conflict-exit-code", NULL };
static const char *const shell_long[] = { "rcfile", "init-file", "emulate", NULL };
static const char *const watch_long[] = { "interval", "equexit", NULL };
static const char *const chroot_long[] = { "userspec", "groups", NULL };
static const char *const fakeroot_long[] = { "lib", "faked", NULL };
static const char *const su_long[] = {
	"group", "supp-group", "shell", "whitelist-environment", "user", NULL,
};

#define SHELL(n)                                                              \
	{                                                                     \
		.name = (n), .kind = ARGVMATCH_WRAP_SHELL, .short_val = "oO", \
		.long_val = shell_long, .short_cmd = 'c',                     \
	}
#define PLAIN(n)                                          \
	{                                                 \
		.name = (n), .kind = ARGVMATCH_WRAP_EXEC, \
	}

const struct argvmatch_wrapper argvmatch_wrappers[] = {
	/* env [-i0v] [-u NAME] [-C DIR] [-S STRING] [-] [NAME=VALUE]... CMD */
	{ .name = "env",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "uCa",
	  .long_val = env_long,
	  .short_cmd = 'S',
	  .long_cmd = "split-string",
	  .flags = ARGVMATCH_WF_ASSIGN | ARGVMATCH_WF_LONE_DASH },
	/* -e, -i, -l take optional values, attached only: they never consume. */
	{ .name = "xargs",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "adEILnPs",
	  .long_val = xargs_long },
	{ .name = "timeout",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "ks",
	  .long_val = timeout_long,
	  .noperands = 1 },
	/* The old "nice -5" form is a cluster of unknown flags: it never consumes. */
	{ .name = "nice", .kind = ARGVMATCH_WRAP_EXEC, .short_val = "n", .long_val = nice_long },
	PLAIN("nohup"),
	/*
	 * sudo -h is help alone but "-h HOST" when a non-option follows; -a, -c
	 * and -R (BSD auth, login class, chroot) take values too.
	 */
	{ .name = "sudo",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "aucCDgprRtTU",
	  .short_optval = "h",
	  .long_val = sudo_long,
	  .flags = ARGVMATCH_WF_ASSIGN },
	{ .name = "doas", .kind = ARGVMATCH_WRAP_EXEC, .short_val = "aCu" },
	/* command -v / -V only describe the command: nothing runs. */
	{ .name = "command", .kind = ARGVMATCH_WRAP_EXEC, .short_norun = "vV" },
	{ .name = "exec", .kind = ARGVMATCH_WRAP_EXEC, .short_val = "a" },
	PLAIN("builtin"),
	PLAIN("noglob"),
	PLAIN("nocorrect"),
	{ .name = "stdbuf",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "ioe",
	  .long_val = stdbuf_long },
	PLAIN("setsid"),
	/* ionice -p/-P/-u name processes that already run. */
	{ .name = "ionice",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "cnpPu",
	  .long_val = ionice_long,
	  .short_norun = "pPu",
	  .long_norun = ionice_norun },
	{ .name = "chrt",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "DPT",
	  .long_val = chrt_long,
	  .short_norun = "pm",
	  .long_norun = chrt_norun,
	  .noperands = 1 },
	{ .name = "taskset",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_norun = "p",
	  .long_norun = taskset_norun,
	  .noperands = 1 },
	/* GNU time(1); also bash's `time -p` reserved word inside shell strings. */
	{ .name = "time", .kind = ARGVMATCH_WRAP_EXEC, .short_val = "fo", .long_val = time_long },
	/* flock [-sexnouF] [-w SECS] [-E CODE] FILE (CMD... | -c STRING) */
	{ .name = "flock",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "wE",
	  .long_val = flock_long,
	  .short_cmd = 'c',
	  .long_cmd = "command",
	  .noperands = 1,
	  .flags = ARGVMATCH_WF_OPERAND_C },
	/* busybox APPLET ARGS: the applet is the command (busybox sh -c ...). */
	PLAIN("busybox"),
	PLAIN("unbuffer"),
	{ .name = "chroot", .kind = ARGVMATCH_WRAP_EXEC, .long_val = chroot_long, .noperands = 1 },
	{ .name = "fakeroot",
	  .kind = ARGVMATCH_WRAP_EXEC,
	  .short_val = "lsib",
	  .long_val = fakeroot_long },
	SHELL("sh"),
	SHELL("bash"),
	SHELL("rbash"),
	SHELL("dash"),
	SHELL("zsh"),
	SHELL("ksh"),
	SHELL("mksh"),
	SHELL("lksh"),
	SHELL("pdksh"),
	SHELL("ash"),
	SHELL("busybox-sh"),
	/* eval ARG...: the words joined by spaces are parsed again. */
	{ .name = "eval", .kind = ARGVMATCH_WRAP_JOIN },
	/* watch runs its words through `sh -c` (with -x, directly: the same words). */
	{ .name = "watch", .kind = ARGVMATCH_WRAP_JOIN, .short_val = "nq", .long_val = watch_long },
	/* su [options] [-] [USER [ARG...]]: "-c STRING" reaches the shell wherever it is. */
	{ .name = "su",
	  .kind = ARGVMATCH_WRAP_SU,
	  .short_val = "gGsw",
	  .long_val = su_long,
	  .short_cmd = 'c',
	  .long_cmd = "command" },
	{ .name = "runuser",
	  .kind = ARGVMATCH_WRAP_SU,
	  .short_val = "gGswu",
	  .long_val = su_long,
	  .short_cmd = 'c',
	  .long_cmd = "command",
	  .flags = ARGVMATCH_WF_USER_CMD },
};

const size_t argvmatch_nwrappers = ARRAY_SIZE(argvmatch_wrappers);
