#!/usr/bin/env bash
# run.sh — aigate's integration tests: drive the real binary as an
# unprivileged user. Usage: tests/integration/run.sh [FILTER]
#
# Runs every test_* function of every tests/integration/test_*.sh, each in
# its own subshell with its own temporary directory (see lib.sh), prints
# PASS/FAIL/SKIP per case and ends with one line:
#   integration: N passed, N failed[, N skipped]
# FILTER keeps the cases whose name contains it. BUILD (default build) names
# the build directory: the binary is $ROOT/$BUILD/aigate. Exit 0 only when no
# case failed.

set -o pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in
/*) AIGATE=$BUILD/aigate ;;
*) AIGATE=$ROOT/$BUILD/aigate ;;
esac
FILTER=${1:-}
export ROOT BUILD AIGATE

if [ ! -x "$AIGATE" ]; then
	echo "integration: $AIGATE is missing or not executable; build it first (make BUILD=$BUILD)" >&2
	echo "integration: 0 passed, 1 failed"
	exit 1
fi

# shellcheck source=lib.sh
. "$HERE/lib.sh"
ensure_test_user || exit 1
if ! "${AS_USER[@]}" test -x "$AIGATE"; then
	echo "integration: $AIGATE is not executable by uid $TEST_UID (check the directory permissions)" >&2
	echo "integration: 0 passed, 1 failed"
	exit 1
fi

# The interpreter itself, not a version-manager shim that costs 100 ms a call.
if [ -z "${PYTHON:-}" ] && command -v python3 >/dev/null 2>&1; then
	PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
fi
export PYTHON

LOGDIR=$(mktemp -d /tmp/aigate-it-run.XXXXXXXX) || exit 1
trap 'rm -rf "$LOGDIR"' EXIT

passed=0 failed=0 skipped=0
failed_names=()

for file in "$HERE"/test_*.sh; do
	[ -e "$file" ] || continue
	# Cases in the order they are written in the file.
	mapfile -t cases < <(grep -oE '^test_[A-Za-z0-9_]+[[:space:]]*\(\)' "$file" | sed 's/[[:space:]]*()//')
	for name in "${cases[@]}"; do
		if [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]]; then
			continue
		fi
		log=$LOGDIR/$name.log
		(
			# shellcheck source=/dev/null
			. "$file"
			# skip() leaves its reason here: $T is gone when the case ends.
			SKIP_FILE=$LOGDIR/$name.skip
			case_setup
			"$name"
		) </dev/null >"$log" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "PASS $name"
			passed=$((passed + 1))
		elif [ "$rc" -eq 77 ] && [ -f "$LOGDIR/$name.skip" ]; then
			echo "SKIP $name: $(cat "$LOGDIR/$name.skip")"
			skipped=$((skipped + 1))
		else
			echo "FAIL $name (${file##*/}, exit $rc)"
			sed -e 's/^/  /' "$log"
			failed=$((failed + 1))
			failed_names+=("$name")
		fi
	done
done

if [ "$((passed + failed + skipped))" -eq 0 ]; then
	echo "integration: no test matches '${FILTER}'" >&2
fi
summary="integration: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
