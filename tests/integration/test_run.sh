# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_run.sh — aigate run: the refusal of policies this build cannot fully
# enforce (allow_net, resource_limits), --dry-run, --allow-degraded, and the
# command line's own handling (pre-check, statuses, options). What the
# sandbox enforces inside is test_sandbox.sh.

# default_gaps LEVEL — the line for the default policy's max_cpu_percent,
# which the test user cannot have enforced without a cgroup (docs/limits.md);
# the fix it names depends on whether the host mounts a cgroup v1 cpu hierarchy.
default_gaps() {
	local fix='start aigate in a delegated systemd user scope (systemd-run --user --scope -p Delegate=yes aigate run …), or set AIGATE_CGROUP to a cgroup v2 directory delegated to you'
	if awk '{ for (i = 1; i < NF; i++) if ($i == "-" && $(i + 1) == "cgroup") print $(i + 3) }' /proc/self/mountinfo |
		grep -qE '(^|,)cpu(,|$)'; then
		fix='run aigate as root (it then uses cgroup v1), or set AIGATE_CGROUP to a cgroup v2 directory delegated to you'
	fi
	printf "aigate: %s: resource_limits.max_cpu_percent cannot be enforced in this build (it needs a cgroup's cpu controller, and this user has none: no delegated cgroup v2 subtree offers it, cgroup v1 needs root, and nothing else can cap CPU time; fix: %s)" "$1" "$fix"
}

# The default policy's resource_limits are not enforced by
# this build: without --allow-degraded run refuses, naming each and the way
# out, and runs nothing. Subcommand rules ("kubectl delete") are enforced by
# the supervisor and are no reason to refuse.
test_run_refuses_unprotected() {
	ag run -- true
	assert_status 125
	assert_stderr_is "$(default_gaps error)
aigate: error: refusing to run 'true' without them; change the policy or the directory, or pass --allow-degraded"
	assert_stdout_empty
	# The same without "--".
	ag run touch "$PROJ/ran"
	assert_status 125
	assert_stderr_contains "refusing to run 'touch' without them"
	[ ! -e "$PROJ/ran" ] || fail "run must not start the command when it refuses"
	# Without them the same command runs, subcommand rules and all.
	write_cfg_enforceable
	grep -q '^  - "kubectl delete"' "$CFG" || fail "setup: the subcommand rules should stay"
	ag run touch "$PROJ/ran"
	assert_status 0
	assert_stderr_empty
	[ -e "$PROJ/ran" ] || fail "run should have started the command"
	# A subcommand rule of the user's own runs too (the supervisor judges every exec).
	rm -f "$PROJ/ran"
	ag deny exec "git push"
	assert_status 0
	ag run touch "$PROJ/ran"
	assert_status 0
	[ -e "$PROJ/ran" ] || fail "a subcommand rule must not stop the run"
}

# --dry-run prints the plan and runs nothing.
test_run_dry_run() {
	write_file "$PROJ/.env" <<<"KEY=x"
	local curl
	curl=$(readlink -f "$(command -v curl)") || skip "curl is not installed on the host"
	ag run --dry-run -- true
	assert_status 0
	assert_stderr_empty
	assert_stdout_contains "aigate run --dry-run: the sandbox for 'true' (nothing is run)"
	assert_stdout_contains "mounts, in order:"
	grep -qE "^  hide-file +$PROJ/\.env +deny_read \"\.env\" \(\(built-in default\):$(default_line .env)\)\$" "$OUT" ||
		fail "the plan should hide $PROJ/.env, citing its rule"
	grep -qE "^  stub +$curl +deny_exec \"curl\" \(\(built-in default\):$(default_line curl)\)\$" "$OUT" ||
		fail "the plan should stub $curl, citing its rule"
	assert_stdout_not_contains "needs the seccomp supervisor"
	ag run -n touch "$PROJ/ran"
	assert_status 0
	[ ! -e "$PROJ/ran" ] || fail "run --dry-run must not start the command"
	# A denied command is not judged by a dry run: nothing runs anyway.
	ag run --dry-run -- curl http://x
	assert_status 0
	assert_stderr_empty
}

# --allow-degraded gives up only allow_net and resource_limits, saying so, and runs.
test_run_degraded_true() {
	ag run --allow-degraded -- true
	assert_status 0
	assert_stderr_is "$(default_gaps warning)"
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
# CMD holds stdin, stdout, stderr and the shim's descriptors (the sealed
# policy, the audit socket's sending end, and under allow_net, which the
# default policy sets, the sealed table of the DNS stub's answers:
# shim/shim_protocol.h), nothing else of aigate's; with --no-shim, not
# those either.
test_run_no_fd_leak() {
	ag run --allow-degraded -- sh -c 'ls -l /proc/$$/fd/'
	assert_status 0
	assert_stdout_not_contains "config.yaml"
	local extra
	extra=$(sed -n 's/.* \([0-9][0-9]*\) -> \(.*\)$/\1 \2/p' "$OUT" | awk '$1 > 2 { $1 = ""; print substr($0, 2) }' |
		sed 's/socket:.*/socket/' | sort | tr '\n' ' ')
	assert_eq "$extra" "/memfd:aigate-net (deleted) /memfd:aigate-policy (deleted) socket " "descriptors beyond 0-2"
	ag run --allow-degraded --no-shim -- sh -c 'ls -l /proc/$$/fd/'
	assert_status 0
	assert_eq "$(sed -n 's/.* \([0-9][0-9]*\) -> .*/\1/p' "$OUT" | awk '$1 > 2')" "" "descriptors beyond 0-2 without the shim"
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
