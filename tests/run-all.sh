#!/usr/bin/env bash
# make test — the Criterion unit tests, then the integration tests driving
# the real binary; ends with one summary line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== unit tests (Criterion) =="
"$BUILD/unit-tests" --jobs 2 2>&1 | tee "$log"
unit_rc=${PIPESTATUS[0]}
line=$(grep -a 'Synthesis:' "$log" | tail -n 1)
u_pass=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
u_fail=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
u_crash=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
u_pass=${u_pass:-0}; u_fail=$(( ${u_fail:-0} + ${u_crash:-0} ))
if [ "$unit_rc" -ne 0 ] && [ "$u_fail" -eq 0 ]; then u_fail=1; fi

echo "== integration tests (real binary, unprivileged user) =="
BUILD=$BUILD tests/integration/run.sh 2>&1 | tee "$log"
int_rc=${PIPESTATUS[0]}
line=$(grep -a '^integration:' "$log" | tail -n 1)
i_pass=$(sed -n 's/.* \([0-9]*\) passed.*/\1/p' <<<"$line")
i_fail=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$line")
i_skip=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<<"$line")
i_pass=${i_pass:-0}; i_fail=${i_fail:-0}; i_skip=${i_skip:-0}
if [ "$int_rc" -ne 0 ] && [ "$i_fail" -eq 0 ]; then i_fail=1; fi

passed=$((u_pass + i_pass)); failed=$((u_fail + i_fail))
echo "unit: $u_pass passed, $u_fail failed"
echo "integration: $i_pass passed, $i_fail failed, $i_skip skipped"
if [ "$i_skip" -gt 0 ]; then
	echo "tests: $passed passed, $failed failed, $i_skip skipped"
else
	echo "tests: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
