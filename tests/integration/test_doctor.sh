# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_doctor.sh — aigate doctor: kernel feature rows, the enforcement level,
# and an exit status that agrees with it.

# row_state NAME — "ok" or "missing" for the row NAME of the last doctor output.
row_state() {
	local state
	state=$(grep -E "^  (ok|missing) +$1( |\$)" "$OUT" | awk '{print $1}' | head -n1)
	echo "$state"
}

test_doctor_rows_and_level() {
	ag doctor
	[ "$STATUS" = 0 ] || [ "$STATUS" = 1 ] || fail "doctor must exit 0 or 1"
	assert_stdout_contains "aigate $(cat "$ROOT/VERSION") — kernel features"
	local row
	for row in "user namespaces" "mount namespaces" "PID namespaces" "network namespaces" \
		"seccomp user notification" "Landlock" "cgroup v2 delegation" "sealed memfd"; do
		[ -n "$(row_state "$row")" ] || fail "doctor should print an ok/missing row for '$row'"
	done
	grep -qE '^Rung `aigate run` would get: [1-4] — ' "$OUT" ||
		fail "doctor should print the rung line"
	local level
	level=$(sed -n 's/^Rung `aigate run` would get: \([1-4]\) — .*/\1/p' "$OUT")
	if [ "$level" = 1 ]; then
		assert_status 0
		assert_stdout_contains "would get: 1 — full (namespaces, supervisor, shim)"
	else
		assert_status 1
		assert_stdout_not_contains "— full"
	fi
	assert_stdout_not_contains $'\033[' # NO_COLOR=1
}

# The level follows from the rows: 1 needs every namespace and the supervisor,
# 4 means no seccomp user notification.
test_doctor_level_consistent_with_rows() {
	ag doctor
	local level all_ns=yes r
	level=$(sed -n 's/^Rung `aigate run` would get: \([1-4]\) — .*/\1/p' "$OUT")
	[ -n "$level" ] || fail "no enforcement level printed"
	for r in "user namespaces" "mount namespaces" "PID namespaces" "network namespaces"; do
		[ "$(row_state "$r")" = ok ] || all_ns=no
	done
	local notif landlock
	notif=$(row_state "seccomp user notification")
	landlock=$(row_state "Landlock")
	if [ "$notif" != ok ]; then
		assert_eq "$level" 4 "level without seccomp user notification"
		assert_stdout_contains "fix seccomp user notification:"
	elif [ "$all_ns" = yes ]; then
		assert_eq "$level" 1 "level with every namespace and the supervisor"
	elif [ "$landlock" = ok ]; then
		assert_eq "$level" 2 "level without namespaces but with Landlock"
	else
		assert_eq "$level" 3 "level with the supervisor only"
	fi
	if [ "$(row_state "user namespaces")" = missing ]; then
		assert_stdout_contains "fix user namespaces: "
	else
		assert_stdout_not_contains "fix user namespaces: "
	fi
	if [ "$landlock" = ok ]; then
		grep -qE '^  ok +Landlock +ABI [0-9]+ ' "$OUT" || fail "an available Landlock row should show its ABI"
	else
		assert_stdout_contains "Landlock: needs Linux 5.13+"
	fi
}

# The user-namespace row agrees with unshare(1) run as the same unprivileged user.
test_doctor_userns_matches_unshare() {
	command -v unshare >/dev/null || skip "unshare(1) is not installed"
	ag doctor
	local want=missing
	if ag_exec unshare --user true >/dev/null 2>&1; then
		want=ok
	fi
	assert_eq "$(row_state "user namespaces")" "$want" "user namespaces row vs. unshare --user true as uid $TEST_UID"
}

test_doctor_cgroup_override() {
	AG_ENV=(AIGATE_CGROUP="$T/no-such-cgroup")
	ag doctor
	assert_eq "$(row_state "cgroup v2 delegation")" missing "cgroup v2 row with AIGATE_CGROUP pointing nowhere"
}

# Which mechanism each resource limit would get here (issue 9): one line
# per limit, a mechanism or "not enforceable" with its fix.
test_doctor_resource_limits() {
	ag doctor
	assert_stdout_contains "resource_limits (for the whole sandbox), as \`aigate run\` would enforce them here:"
	local k
	for k in max_memory max_cpu_percent max_pids; do
		grep -qE "^  $k +(cgroup v2|cgroup v1|fallback: |not enforceable: )" "$OUT" ||
			fail "doctor should say how $k would be enforced"
	done
	if grep -qE '^  [a-z_]+ +not enforceable: ' "$OUT"; then
		grep -qE '^ +fix: ' "$OUT" || fail "a limit that is not enforceable needs its fix"
	fi
}
