/* SPDX-License-Identifier: MIT */
/* help.c — `aigate help [COMMAND]` and every command's --help. */
#include <stdio.h>
#include <string.h>

#include "launcher/cli.h"

struct help {
	const char *cmd;
	const char *text;
};

static const char overview[] =
	"Usage: aigate [-v] COMMAND [ARGS…]\n"
	"       aigate-run CMD [ARGS…]          (same as aigate run -- CMD [ARGS…])\n"
	"\n"
	"A kernel-enforced sandbox for AI coding agents and CI steps.\n"
	"\n"
	"Commands:\n"
	"  init [--force]                 write the default policy to ~/.aigate/config.yaml\n"
	"  deny read PATTERN…             hide files and directories from the sandbox\n"
	"  deny exec CMD…                 deny commands (\"curl\") or subcommands (\"kubectl "
	"delete\")\n"
	"  deny net [--except DOMAIN…]    restrict the network to DOMAINs (none: no network)\n"
	"  allow read|exec PATTERN…       remove deny rules\n"
	"  allow net DOMAIN…              add domains to allow_net\n"
	"  status [--json]                show the effective policy and where each rule comes "
	"from\n"
	"  doctor                         check the kernel features the sandbox needs\n"
	"  policy dump                    print the compiled policy\n"
	"  policy check read PATH…        would the sandbox hide PATH? which rule?\n"
	"  policy check exec -- CMD…      would the sandbox deny this command line? which rule?\n"
	"  run [OPTIONS] [--] CMD [ARGS…] run CMD in the sandbox\n"
	"  audit [FILE…] [OPTIONS]        summarise audit logs (--follow: watch one)\n"
	"  setup [--group G] [--user U]   (root) create the ai-agents group and ai-runner user\n"
	"  reset [--force]                (root) remove them, the ACL entries and the config\n"
	"  help [COMMAND]                 this text, or a command's\n"
	"\n"
	"Options:\n"
	"  -v, --verbose    debug messages (also AIGATE_LOG_LEVEL=debug|info|warn|error)\n"
	"  -V, --version    print the version\n"
	"  -h, --help       print this help\n"
	"\n"
	"Environment: AIGATE_HOME (instead of ~/.aigate), AIGATE_LOG_LEVEL, NO_COLOR.\n"
	"Exit codes: 0 ok, 1 error, 2 usage or configuration error; run: 125 sandbox\n"
	"could not be built, 126 command denied or not executable, 127 not found,\n"
	"otherwise the command's own status. See docs/configuration.md.\n";

static const struct help helps[] = {
	{ "init", "Usage: aigate init [--force]\n"
		  "\n"
		  "Write the default policy to ~/.aigate/config.yaml ($AIGATE_HOME/config.yaml).\n"
		  "The same policy is built in and used while no config file exists.\n"
		  "  -f, --force   overwrite an existing config file\n"
		  "Exit: 0 written, 1 the file exists (without --force) or cannot be written.\n" },
	{ "deny",
	  "Usage: aigate deny read PATTERN…\n"
	  "       aigate deny exec CMD…\n"
	  "       aigate deny net [--except DOMAIN]…\n"
	  "\n"
	  "Add rules to the global policy (~/.aigate/config.yaml; created from the default\n"
	  "when missing). Comments and layout of the file are kept; concurrent edits are\n"
	  "serialised.\n"
	  "  read PATTERN   a path pattern: \".env\" (a name at any depth of the project),\n"
	  "                 \"secrets/\" (a directory), \"~/.ssh/\", \"/etc/shadow\", \"*.pem\"\n"
	  "  exec CMD       \"curl\", or a subcommand rule in one argument: \"kubectl delete\"\n"
	  "  net            with --except: only those domains are reachable; without: no\n"
	  "                 network at all. Replaces the current allow_net list.\n"
	  "Exit: 0 done, 2 an invalid pattern or a config file that does not load.\n" },
	{ "allow",
	  "Usage: aigate allow read PATTERN…\n"
	  "       aigate allow exec CMD…\n"
	  "       aigate allow net DOMAIN…\n"
	  "\n"
	  "Remove deny_read / deny_exec rules from the global policy, or add domains to\n"
	  "allow_net. Rules that come from the project's .aigate.yaml are not touched\n"
	  "(edit that file). Removing a rule that is not there is a warning, not an error.\n"
	  "Exit: 0 done, 2 invalid input or a config file that does not load.\n" },
	{ "status",
	  "Usage: aigate status [--json]\n"
	  "\n"
	  "Show which policy files apply, the project root, and every effective rule with\n"
	  "the file:line it comes from.\n"
	  "  --json   machine-readable output\n" },
	{ "doctor", "Usage: aigate doctor\n"
		    "\n"
		    "Check the kernel features aigate uses (user namespaces, seccomp user\n"
		    "notification, Landlock, cgroups), print the enforcement level `aigate run`\n"
		    "would get and how to fix each missing piece.\n"
		    "Exit: 0 when full enforcement is available, 1 otherwise.\n" },
	{ "policy",
	  "Usage: aigate policy dump\n"
	  "       aigate policy check read PATH…\n"
	  "       aigate policy check exec -- CMD [ARGS…]\n"
	  "       aigate policy seatbelt [--case-sensitive] [--strict-subcommands]\n"
	  "\n"
	  "dump: compile the effective policy into the blob the sandbox uses, pass it\n"
	  "through a sealed memfd as `run` does, and print it back.\n"
	  "check: say whether the policy denies reading PATH or running the command line,\n"
	  "and which rule (file:line) decides.\n"
	  "seatbelt: print the macOS Seatbelt profile (SBPL, for sandbox-exec) that\n"
	  "enforces the policy there, for review on any system (docs/macos.md).\n"
	  "  --case-sensitive       the Mac's volumes are case-sensitive: match paths byte\n"
	  "                         for byte (default: deny rules match either case)\n"
	  "  --strict-subcommands   deny the whole command of a subcommand rule (kubectl\n"
	  "                         for \"kubectl delete\"): Seatbelt cannot see arguments\n"
	  "Exit: 0 allowed (seatbelt: printed), 1 denied (seatbelt: a rule the profile\n"
	  "cannot express), 2 usage or configuration error.\n" },
	{ "run",
	  "Usage: aigate run [--dry-run] [--allow-degraded] [--audit-log FILE] [--ci]\n"
	  "                  [--fail-on-violation] [--no-shim] [--as-user U]\n"
	  "                  [--] CMD [ARGS…]\n"
	  "\n"
	  "Run CMD in the sandbox (docs/how-it-works.md). Option parsing stops at CMD:\n"
	  "`aigate run claude --version` runs `claude --version`.\n"
	  "  -n, --dry-run        print the sandbox plan (what is hidden, stubbed, read-only,\n"
	  "                       writable, which variables are dropped); change nothing\n"
	  "      --allow-degraded run even when a protection the policy asks for cannot be\n"
	  "                       built, saying exactly which\n"
	  "      --audit-log FILE append audit records there (- for stderr, syslog for the\n"
	  "                       system log); else the policy's audit.path, else\n"
	  "                       ~/.aigate/audit/YYYY-MM-DD.jsonl (docs/audit.md)\n"
	  "      --ci             for CI jobs: no colour, the trail defaults to\n"
	  "                       ./aigate-audit.jsonl (hidden inside), a summary at the end\n"
	  "                       (also into $GITHUB_STEP_SUMMARY as markdown; docs/ci.md)\n"
	  "      --fail-on-violation  exit 3 when CMD succeeded but something was denied\n"
	  "      --no-shim        do not preload libaigate_shim.so (a program that breaks\n"
	  "                       under LD_PRELOAD); the supervisor still judges everything\n"
	  "      --as-user U      (root only) load the policy and open the audit log as root,\n"
	  "                       then run the sandbox, its supervisor and CMD as U, for good\n"
	  "                       (ai-runner, made by `aigate setup`): the ACLs `deny read`\n"
	  "                       sets apply too (docs/setup.md). Exit 2: not root, no such\n"
	  "                       user, or U is root\n"
	  "Exit: CMD's status; 128+N when CMD dies of signal N; 3 (--fail-on-violation);\n"
	  "125 when the sandbox cannot be built, its seccomp supervisor died, or the audit\n"
	  "log cannot be written (audit.on_error: fail); 126 CMD denied or not executable;\n"
	  "127 CMD not found; 137 resource_limits.max_memory stopped the sandbox\n"
	  "(docs/limits.md); 2 usage or configuration error.\n" },
	{ "audit",
	  "Usage: aigate audit [FILE…] [--session ID] [--since TIME]\n"
	  "                    [--format table|json|markdown]\n"
	  "       aigate audit --follow [--session ID] [--since TIME] [FILE]\n"
	  "\n"
	  "Summarise audit logs (docs/audit.md): sessions, denials by rule, by command and\n"
	  "by process, masked secrets. FILE - reads stdin; without FILE every *.jsonl in\n"
	  "~/.aigate/audit/, in name order.\n"
	  "      --session ID     only that session's records\n"
	  "      --since TIME     only records from TIME on: 2026-11-23T10:00:00Z, a date\n"
	  "                       (2026-11-23, UTC midnight) or a duration back from now\n"
	  "                       (90s, 30m, 2h, 7d); older daily files are skipped\n"
	  "      --format FORMAT  table (default), json, or markdown (for\n"
	  "                       $GITHUB_STEP_SUMMARY)\n"
	  "      --follow         print each record appended to FILE (default: today's\n"
	  "                       file) as one line, until SIGINT or SIGTERM; with\n"
	  "                       --session from the start of FILE until that session ends\n"
	  "A line that is not an audit record is reported as FILE:LINE and skipped.\n"
	  "Exit: 0 done, 1 a FILE could not be read or held lines that are not audit\n"
	  "records (the summary of the rest is still printed), 2 usage error.\n" },
	{ "setup",
	  "Usage: sudo aigate setup [--group G] [--user U]\n"
	  "\n"
	  "Create the system group G (ai-agents) and the system user U (ai-runner: no home,\n"
	  "no login shell, primary group G), or add an existing U to G; record both in\n"
	  "/etc/aigate/setup.conf. Running it again changes nothing (\"already set up\").\n"
	  "Afterwards `aigate deny read` also gives every existing file a pattern matches\n"
	  "the POSIX ACL entry group:G:---, and `sudo aigate run --as-user U` runs the\n"
	  "sandbox as U, whom those entries deny (docs/setup.md).\n"
	  "  -g, --group G   the group's name (default ai-agents)\n"
	  "  -u, --user U    the user's name (default ai-runner)\n"
	  "Exit: 0 done or already set up, 1 not root (\"operation requires elevated\n"
	  "privileges\"), already set up with other names, or a tool failed, 2 usage.\n" },
	{ "reset",
	  "Usage: sudo aigate reset [--force]\n"
	  "\n"
	  "Undo setup: remove the ACL entries of the group that the policy's deny_read rules\n"
	  "find (in ~ and the current project), the user and the group setup created,\n"
	  "/etc/aigate/setup.conf, and ~/.aigate/config.yaml ($AIGATE_HOME; under sudo, the\n"
	  "invoking user's). The audit logs are kept. Without --force, only says what it\n"
	  "would remove.\n"
	  "  -f, --force   remove them\n"
	  "Exit: 0 removed (or nothing to remove), 1 not root (\"operation requires\n"
	  "elevated privileges\"), no --force, or a step failed, 2 usage.\n" },
	{ "help", "Usage: aigate help [COMMAND]\n" },
};

int cli_print_help(const char *cmd)
{
	if (!cmd) {
		fputs(overview, stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (strcmp(helps[i].cmd, cmd) == 0) {
			fputs(helps[i].text, stdout);
			return EXIT_OK;
		}
	}
	return cli_usage_error(NULL, "no help for unknown command '%s'", cmd);
}

int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage_error("help", "too many arguments");
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_print_help("help");
	return cli_print_help(argc == 2 ? argv[1] : NULL);
}
