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
echo "== sandbox start: aigate run -- true (default policy) vs bubblewrap doing the same mounts =="
echo "   (aigate: user+mount+PID namespaces, nested user namespace, read-only root, /proc,"
echo "    private /tmp and /dev/shm, project and allow_write binds, .git protections,"
echo "    deny_read walk + overmounts, deny_exec stubs, policy compiled and sealed;"
echo "    --allow-degraded only because subcommand rules wait for the supervisor)"
git init -q . && mkdir -p src && echo x > src/a.c && echo 'K=1' > .env
stubfile="$work/stub"; printf '#!/bin/sh\nexit 126\n' > "$stubfile"; chmod 755 "$stubfile"
set -- true-native true
set -- "$@" :: aigate-run "$AIGATE" run --allow-degraded -- true
if command -v bwrap >/dev/null 2>&1; then
	bw=(bwrap --unshare-user --unshare-pid --die-with-parent --ro-bind / / --dev-bind /dev /dev
	    --proc /proc --tmpfs /tmp --tmpfs /dev/shm --bind "$work/proj" "$work/proj"
	    --ro-bind "$work/proj/.git/hooks" "$work/proj/.git/hooks"
	    --ro-bind /dev/null "$work/proj/.env")
	for c in curl wget ssh scp; do
		p=$(command -v $c 2>/dev/null) && bw+=(--ro-bind "$stubfile" "$(readlink -f "$p")")
	done
	set -- "$@" :: bwrap-same-mounts "${bw[@]}" true
fi
# Quiet aigate's degraded-run warnings without an extra `env` exec in the timed path.
AIGATE_LOG_LEVEL=error "$ROOT/$OUT/benchrun" -n "$RUNS" "$@"
echo
echo "== policy decisions per call (default policy; the shim's and supervisor's hot path) =="
"$ROOT/$OUT/bench_match" C
if locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$'; then
	"$ROOT/$OUT/bench_match" C.UTF-8
fi
echo
# Issue 4's workloads (W1–W4), notification costs, the supervisor's memory.
BUILD="$BUILD" "$ROOT/tools/bench/bench_supervisor.sh"
echo
BUILD="$BUILD" "$ROOT/tools/bench/bench_shim.sh"
echo
# Issue 7: allow_net's egress, against direct and bubblewrap on the host network.
BUILD="$BUILD" "$ROOT/tools/bench/bench_net.sh"
echo
# Issue 8: mask_stdout, the masker alone and through the relay.
BUILD="$BUILD" "$ROOT/tools/bench/bench_mask.sh"
echo
# Issue 9: the fallback ladder's rungs side by side.
BUILD="$BUILD" "$ROOT/tools/bench/bench_ladder.sh"
echo
# Issue 9: resource_limits (max_cpu_percent's CPU share, the watcher's cost, cgroup set-up).
BUILD="$BUILD" "$ROOT/tools/bench/bench_limits.sh"
} 2>&1 | tee "$ROOT/$OUT/results.txt"
