# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_run.sh — aigate run: fail closed without a sandbox, --dry-run, and the
# --allow-degraded path (only CMD's own command line is checked).

DEGRADED_WARNING="warning: degraded run: deny_read, deny_exec of child processes, allow_net, mask_stdout and resource_limits are NOT enforced"

test_run_refuses_unprotected() {
	ag run -- true
	assert_status 125
	assert_stderr_contains "aigate: error: cannot build the sandbox"
	assert_stderr_contains "refusing to run 'true' unprotected"
	assert_stderr_contains "Pass --allow-degraded"
	assert_stdout_empty
	# The same without "--".
	ag run touch "$PROJ/ran"
	assert_status 125
	[ ! -e "$PROJ/ran" ] || fail "run must not start the command when it refuses"
}

test_run_dry_run() {
	ag run --dry-run -- true
	assert_status 0
	assert_stdout_contains "aigate run --dry-run: true"
	assert_stdout_contains "policy: 12 deny_read, 7 deny_exec rules; project root $PROJ"
	ag run -n touch "$PROJ/ran"
	assert_status 0
	[ ! -e "$PROJ/ran" ] || fail "run --dry-run must not start the command"
	# A denied command is not judged by a dry run: nothing runs anyway.
	ag run --dry-run -- curl http://x
	assert_status 0
}

test_run_degraded_true() {
	ag run --allow-degraded -- true
	assert_status 0
	assert_stderr_contains "$DEGRADED_WARNING"
	assert_stderr_contains "only 'true's own command line is checked"
	assert_stdout_empty
}

test_run_degraded_exit_status() {
	ag run --allow-degraded -- sh -c 'exit 7'
	assert_status 7
	ag run --allow-degraded -- sh -c 'echo out; echo err >&2; exit 0'
	assert_status 0
	assert_eq "$(cat "$OUT")" "out" "CMD's stdout"
	assert_stderr_contains "err"
}

# "128+N when CMD dies of signal N".
test_run_degraded_signal() {
	ag run --allow-degraded -- sh -c 'kill -TERM $$'
	assert_status 143
}

test_run_degraded_denied() {
	local line
	line=$(grep -n -x -F '  - "curl"' "$ROOT/policy/default-policy.yaml" | cut -d: -f1)
	[ -n "$line" ] || fail "setup: no curl rule in policy/default-policy.yaml"
	ag run --allow-degraded -- curl http://x
	assert_status 126
	assert_stderr_contains "aigate: 'curl' is denied by policy (deny_exec: curl, (built-in default):$line)"
	assert_stdout_empty
	# Through a wrapper and with a subcommand rule.
	ag run --allow-degraded -- env -i curl http://x
	assert_status 126
	assert_stderr_contains "aigate: 'curl' is denied by policy (deny_exec: curl, (built-in default):$line)"
	ag run --allow-degraded -- sudo kubectl --context x delete pod y
	assert_status 126
	assert_stderr_contains "aigate: 'kubectl' is denied by policy (deny_exec: kubectl delete, (built-in default):$(default_line "kubectl delete"))"
}

# The denial cites a rule from the user's file with its line.
test_run_degraded_denied_user_rule() {
	ag init
	assert_status 0
	ag deny exec "touch"
	assert_status 0
	local line
	line=$(grep -n -x -F '  - "touch"' "$CFG" | cut -d: -f1)
	ag run --allow-degraded -- touch "$PROJ/ran"
	assert_status 126
	assert_stderr_contains "aigate: 'touch' is denied by policy (deny_exec: touch, ~/.aigate/config.yaml:$line)"
	[ ! -e "$PROJ/ran" ] || fail "a denied command must not run"
}

test_run_degraded_not_found() {
	ag run --allow-degraded -- no-such-cmd-xyz
	assert_status 127
	assert_stderr_contains "aigate: error: cannot run 'no-such-cmd-xyz': No such file or directory"
	ag run --allow-degraded -- ./no-such-file
	assert_status 127
}

test_run_degraded_not_executable() {
	write_file "$PROJ/script.sh" <<'EOF'
#!/bin/sh
echo hi
EOF
	chmod 0644 "$PROJ/script.sh"
	ag run --allow-degraded -- ./script.sh
	assert_status 126
	assert_stderr_contains "cannot run './script.sh': Permission denied"
	chmod 0755 "$PROJ/script.sh"
	ag run --allow-degraded -- ./script.sh
	assert_status 0
	assert_eq "$(cat "$OUT")" "hi" "stdout of script.sh"
}

# Option parsing stops at CMD: what follows belongs to CMD.
test_run_options_after_command() {
	ag run --allow-degraded sh -c 'echo "$0 $1"' --version -d
	assert_status 0
	assert_eq "$(cat "$OUT")" "--version -d" "CMD's arguments"
	ag run --allow-degraded -- sh -c 'echo "$0"' --help
	assert_status 0
	assert_eq "$(cat "$OUT")" "--help" "CMD's arguments after --"
	ag run --allow-degraded echo --dry-run
	assert_status 0
	assert_eq "$(cat "$OUT")" "--dry-run" "an aigate option after CMD is CMD's"
}

test_run_environment_passed() {
	AG_ENV=(FOO=bar)
	ag run --allow-degraded -- sh -c 'echo "$FOO:$HOME:$(pwd)"'
	assert_status 0
	assert_eq "$(cat "$OUT")" "bar:$HOME_DIR:$PROJ" "environment and working directory of CMD"
}

# The sealed policy memfd is aigate's, not CMD's.
test_run_no_fd_leak() {
	ag run --allow-degraded -- sh -c 'ls -l /proc/$$/fd/'
	assert_status 0
	assert_stdout_not_contains "memfd:"
	assert_stdout_not_contains "aigate-policy"
	assert_stdout_not_contains "config.yaml"
}

test_run_broken_config() {
	write_cfg <<'EOF'
deny_exec: [curl
EOF
	ag run -- true
	assert_status 2
	assert_stderr_contains "~/.aigate/config.yaml:2:1: error: malformed YAML"
	ag run --allow-degraded -- touch "$PROJ/ran"
	assert_status 2
	[ ! -e "$PROJ/ran" ] || fail "run must not start the command under a broken config"
	ag run --dry-run -- true
	assert_status 2
	assert_stdout_empty
}

test_run_unknown_option() {
	ag run --frobnicate -- true
	assert_status 2
	assert_stderr_contains "unknown option '--frobnicate'"
	assert_stderr_contains "Try 'aigate run --help'."
}
