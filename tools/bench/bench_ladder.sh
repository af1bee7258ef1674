#!/usr/bin/env bash
# bench_ladder.sh — the fallback ladder's cost (docs/fallback.md): the same
# workloads natively and under `aigate run` at rungs 1, 2 and 3, side by
# side in one benchrun invocation per workload (alternating, medians).
#
# Rungs 2 and 3 run inside tests/integration/no_userns.sh, as the tests do
# (a user namespace where no further one can be made, every capability
# dropped); so does a native run of the same workload ("native-wrapped"),
# so the wrapper's own cost is visible and not charged to aigate. Rung 3
# adds AIGATE_TEST_NO_LANDLOCK=1. Everything runs as the unprivileged
# aigate-test user when started as root. Workloads:
#   start  `true`
#   W2     grep -r SECCOMP /usr/include (opens: the supervisor's fast path at
#          rungs 1 and 2, the slow path at rung 3)
#   W4     a shell loop spawning BENCH_LADDER_SPAWNS (default 500) /bin/true
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_LADDER_RUNS:-7}
SPAWNS=${BENCH_LADDER_SPAWNS:-500}
command -v unshare >/dev/null || {
	echo "bench_ladder: unshare(1) is not installed; skipped"
	exit 0
}
CC=${CC:-cc}
mkdir -p "$B/bench"
$CC -std=gnu17 -O2 -D_GNU_SOURCE -o "$B/bench/benchrun" "$ROOT/tools/bench/benchrun.c"

TMP=$(mktemp -d /tmp/aigate-bench-ladder.XXXXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/home/.aigate" "$TMP/proj"
printf 'deny_read: [".env"]\n' >"$TMP/home/.aigate/config.yaml"
(cd "$TMP/proj" && git init -q . && echo 'K=1' >.env)
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	id aigate-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin aigate-test
	chown -R aigate-test: "$TMP"
	chmod 755 "$TMP"
	as_user=(setpriv --reuid aigate-test --regid aigate-test --clear-groups)
fi
wrap=(unshare --user --map-root-user "$ROOT/tests/integration/no_userns.sh")
envv=(env -i HOME="$TMP/home" PATH=/usr/bin:/bin AIGATE_HOME="$TMP/home/.aigate"
	AIGATE_LOG_LEVEL=error)
ag=("$B/aigate" run --audit-log /dev/null --)

who=$(id -un)
[ "${#as_user[@]}" -gt 0 ] && who=aigate-test
echo "== the fallback ladder: rungs 1, 2 and 3 against native ($RUNS runs each, as $who) =="
for w in start W2 W4; do
	case $w in
	start) cmd=(true) ;;
	W2) cmd=(grep -r -q -c SECCOMP_NEVER_THERE /usr/include) ;;
	W4) cmd=(sh -c "i=0; while [ \$i -lt $SPAWNS ]; do /bin/true; i=\$((i+1)); done") ;;
	esac
	[ "$w" = W2 ] && cmd=(sh -c 'grep -r SECCOMP /usr/include >/dev/null; exit 0')
	echo "-- $w: ${cmd[*]}"
	(cd "$TMP/proj" && "$B/bench/benchrun" -n "$RUNS" \
		native "${as_user[@]}" "${envv[@]}" "${cmd[@]}" :: \
		rung1 "${as_user[@]}" "${envv[@]}" "${ag[@]}" "${cmd[@]}" :: \
		native-wrapped "${as_user[@]}" "${wrap[@]}" "${envv[@]}" "${cmd[@]}" :: \
		rung2 "${as_user[@]}" "${wrap[@]}" "${envv[@]}" "${ag[@]}" "${cmd[@]}" :: \
		rung3 "${as_user[@]}" "${wrap[@]}" "${envv[@]}" AIGATE_TEST_NO_LANDLOCK=1 \
		"$B/aigate" run --allow-degraded --audit-log /dev/null -- "${cmd[@]}")
done
