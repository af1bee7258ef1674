#!/usr/bin/env bash
# make bench — side-by-side benchmarks. Not part of make test.
#
# Each section runs its commands alternately in one benchrun invocation
# (A B A B …, medians, ratios to the first). bubblewrap is installed for
# comparison only (as root); aigate never uses it. Results also land in
# $BUILD/bench/results.txt. Later issues add their workloads as sections.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-40}
OUT="$BUILD/bench"
mkdir -p "$OUT"
AIGATE="$ROOT/$BUILD/aigate"

CC=${CC:-cc}
FLAGS="-std=gnu17 -O2 -D_GNU_SOURCE -I. $(pkg-config --cflags yaml-0.1 libpcre2-8)"
$CC $FLAGS -o "$OUT/benchrun" tools/bench/benchrun.c
$CC $FLAGS -o "$OUT/bench_match" tools/bench/bench_match.c "$BUILD/libaigate_policy.a" \
	$(pkg-config --libs yaml-0.1 libpcre2-8)

if ! command -v bwrap >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "bench: installing bubblewrap for comparison (benchmark only)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
	else
		echo "bench: bubblewrap not installed; its column is skipped (sudo apt-get install bubblewrap)"
	fi
fi

work=$(mktemp -d /tmp/aigate-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/proj"
export HOME="$work/home" AIGATE_HOME="$work/home/.aigate"
cd "$work/proj"

{
echo "aigate bench — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r), $RUNS runs each"
echo
echo "== process start: the cost of aigate's policy layer on every run =="
echo "   (aigate run here = load + merge + compile + seal the policy, check argv, exec;"
echo "    the namespace sandbox arrives with the run issue)"
set -- true-native true
set -- "$@" :: aigate-run-degraded "$AIGATE" run --allow-degraded -- true
set -- "$@" :: aigate-policy-dump "$AIGATE" policy dump
if command -v bwrap >/dev/null 2>&1; then
	set -- "$@" :: bwrap-minimal bwrap --ro-bind / / --dev /dev --proc /proc \
		--unshare-user --unshare-pid --unshare-ipc --unshare-uts --die-with-parent true
fi
AIGATE_LOG_LEVEL=error "$ROOT/$OUT/benchrun" -n "$RUNS" "$@"
echo
echo "== policy decisions per call (default policy; the shim's and supervisor's hot path) =="
"$ROOT/$OUT/bench_match" C
if locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$'; then
	"$ROOT/$OUT/bench_match" C.UTF-8
fi
} 2>&1 | tee "$ROOT/$OUT/results.txt"
