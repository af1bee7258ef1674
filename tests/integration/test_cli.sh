# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_cli.sh — the command line itself: version, help, usage errors, aigate-run.

COMMANDS="init deny allow status doctor policy run"

test_version_option() {
	local v
	v=$(cat "$ROOT/VERSION")
	ag --version
	assert_status 0
	assert_eq "$(cat "$OUT")" "aigate $v" "stdout of --version"
	assert_stderr_empty
	ag -V
	assert_status 0
	assert_eq "$(cat "$OUT")" "aigate $v" "stdout of -V"
}

test_version_command() {
	ag version
	assert_status 0
	assert_eq "$(cat "$OUT")" "aigate $(cat "$ROOT/VERSION")" "stdout of version"
	assert_stderr_empty
}

test_help_overview() {
	ag help
	assert_status 0
	assert_stdout_contains "Usage: aigate [-v] COMMAND"
	assert_stdout_contains "Exit codes: 0 ok, 1 error, 2 usage or configuration error"
	for c in init deny allow status doctor "policy dump" "policy check read" run; do
		assert_stdout_contains "  $c"
	done
	ag --help
	assert_status 0
	assert_stdout_contains "Usage: aigate [-v] COMMAND"
	ag -h
	assert_status 0
	assert_stdout_contains "Usage: aigate [-v] COMMAND"
}

test_help_deny() {
	ag help deny
	assert_status 0
	assert_stdout_contains "Usage: aigate deny read PATTERN"
	assert_stdout_contains "aigate deny net [--except DOMAIN]"
	assert_stderr_empty
}

test_help_unknown_command() {
	ag help frobnicate
	assert_status 2
	assert_stderr_contains "no help for unknown command 'frobnicate'"
	assert_stdout_empty
}

# Every command answers --help with its usage on stdout and exit 0.
test_help_option_every_command() {
	local c
	for c in $COMMANDS; do
		ag "$c" --help
		assert_status 0
		assert_stdout_contains "Usage: aigate $c"
		assert_stderr_empty
		ag "$c" -h
		assert_status 0
		assert_stdout_contains "Usage: aigate $c"
	done
}

# `help` is a command like the others: `aigate help --help` is its usage.
test_help_option_on_help() {
	ag help --help
	assert_status 0
	assert_stdout_contains "Usage: aigate help [COMMAND]"
	assert_stderr_empty
}

test_unknown_command() {
	ag frobnicate
	assert_status 2
	assert_stderr_contains "aigate: error: unknown command 'frobnicate'"
	assert_stderr_contains "Try 'aigate --help'."
	assert_stdout_empty
}

test_unknown_global_option() {
	ag --frobnicate status
	assert_status 2
	assert_stderr_contains "unknown option '--frobnicate'"
	assert_stdout_empty
}

# Every command refuses an unknown option with exit 2 and a pointer to its --help.
test_unknown_option_every_command() {
	local c
	for c in init deny allow status doctor policy run; do
		ag "$c" --frobnicate
		assert_status 2
		assert_stderr_contains "unknown option '--frobnicate'"
		assert_stderr_contains "Try 'aigate $c --help'."
		assert_stdout_empty
	done
	# help takes a command name, not options: an unknown one is still a usage error.
	ag help --frobnicate
	assert_status 2
	assert_stdout_empty
	# Kinds of deny/allow take no options either.
	ag deny read --frobnicate
	assert_status 2
	assert_stderr_contains "unknown option '--frobnicate'"
	ag deny net --frobnicate
	assert_status 2
	assert_stderr_contains "unknown option '--frobnicate'"
	[ ! -e "$CFG" ] || fail "a usage error must not create $CFG"
}

test_no_command() {
	ag
	assert_status 2
	assert_stdout_contains "Usage: aigate [-v] COMMAND"
}

test_unexpected_arguments() {
	ag status extra
	assert_status 2
	assert_stderr_contains "unexpected argument 'extra'"
	ag init extra
	assert_status 2
	assert_stderr_contains "unexpected argument 'extra'"
	ag doctor extra
	assert_status 2
	assert_stderr_contains "unexpected argument 'extra'"
	ag policy dump extra
	assert_status 2
	assert_stderr_contains "unexpected argument 'extra'"
	ag help deny extra
	assert_status 2
	assert_stderr_contains "too many arguments"
	[ ! -e "$CFG" ] || fail "a usage error must not create $CFG"
}

test_missing_subcommands() {
	ag deny
	assert_status 2
	assert_stderr_contains "missing what to deny"
	ag allow
	assert_status 2
	assert_stderr_contains "missing what to allow"
	ag deny write x
	assert_status 2
	assert_stderr_contains "unknown kind 'write'"
	ag deny read
	assert_status 2
	assert_stderr_contains "deny read needs at least one pattern"
	ag allow net
	assert_status 2
	assert_stderr_contains "allow net needs at least one domain"
	ag policy
	assert_status 2
	assert_stderr_contains "missing subcommand"
	ag policy frob
	assert_status 2
	assert_stderr_contains "unknown subcommand 'frob'"
	ag policy check
	assert_status 2
	ag policy check write x
	assert_status 2
	assert_stderr_contains "unknown check 'write'"
	ag policy check exec --
	assert_status 2
	assert_stderr_contains "check exec needs a command"
	[ ! -e "$CFG" ] || fail "a usage error must not create $CFG"
}

test_run_without_command() {
	ag run
	assert_status 2
	assert_stderr_contains "missing the command to run"
	ag run --
	assert_status 2
	assert_stderr_contains "missing the command to run"
	ag run --allow-degraded
	assert_status 2
	assert_stderr_contains "missing the command to run"
}

# aigate-run CMD… is aigate run -- CMD…: it runs CMD in the sandbox, and
# with the default policy's subcommand rules it refuses (exit 125).
test_aigate_run_symlink() {
	local link
	link=$(aigate_run_link)
	write_cfg_enforceable
	ag_bin "$link" sh -c 'echo ok'
	assert_status 0
	assert_stdout_is "ok"
	assert_stderr_empty
	# Its own options belong to CMD: --help and --dry-run are CMD's names, not aigate's.
	ag_bin "$link" --help
	assert_status 127
	assert_stderr_is "aigate: error: cannot run '--help': No such file or directory"
	assert_stdout_not_contains "Usage:"
	ag_bin "$link" --dry-run true
	assert_status 127
	assert_stderr_is "aigate: error: cannot run '--dry-run': No such file or directory"
	ag_bin "$link"
	assert_status 2
	assert_stderr_contains "missing the command to run"
	# The default policy has "kubectl delete" and "kubectl exec": refused.
	rm -f "$CFG"
	ag_bin "$link" sh -c 'echo ok'
	assert_status 125
	assert_stderr_contains "aigate: error: resource_limits.max_cpu_percent cannot be enforced in this build"
	assert_stderr_contains "aigate: error: refusing to run 'sh' without them; change the policy or the directory, or pass --allow-degraded"
	assert_stdout_empty
}

test_log_levels() {
	ag -v allow read not-a-rule
	assert_status 0
	assert_stderr_contains "aigate: debug: checked 'not-a-rule'"
	AG_ENV=(AIGATE_LOG_LEVEL=error)
	ag deny read x
	assert_status 0
	assert_stderr_empty
	assert_file_contains "$CFG" '  - "x"'
	ag deny read "a//b"
	assert_status 2
	assert_stderr_contains "error: invalid path pattern 'a//b'"
	AG_ENV=(AIGATE_LOG_LEVEL=warn)
	ag allow read not-a-rule
	assert_status 0
	assert_stderr_contains "warning: 1 of the given rules were not in deny_read"
	assert_stderr_not_contains "removed 0 rules"
}
