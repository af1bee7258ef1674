#!/usr/bin/env bash
# bench_shim.sh — the shim's cost (issue 6): ns per allowed open() and µs
# per process start (posix_spawn + wait of /bin/true), with and without
# libaigate_shim.so, under LANG=C and LANG=C.UTF-8. No sandbox: the
# programs run under build/shim-harness (tools/shim_harness.c), which loads
# the shim exactly as the launcher does (--no-preload: the same
# environment, descriptors and policy, but no LD_PRELOAD).
#
#   BUILD=build tools/bench/bench_shim.sh
#
# Policy: the built-in default (12 deny_read, 7 deny_exec rules) in a
# temporary HOME, a temporary git project as the project root. The opened
# file is inside the project, so every relative rule is evaluated; once by
# absolute path, once relative (the shim then also calls getcwd()).
# Runs alternate (without, with, without, …); medians of BENCH_SHIM_RUNS
# (default 7) runs; ratio with/without. Knobs: BENCH_SHIM_OPENS (opens per
# run, 200000), BENCH_SHIM_SPAWNS (spawns per run, 500).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_SHIM_RUNS:-7}
OPENS=${BENCH_SHIM_OPENS:-200000}
SPAWNS=${BENCH_SHIM_SPAWNS:-500}
HARNESS=$B/shim-harness

[ -x "$HARNESS" ] && [ -f "$B/libaigate_shim.so" ] || {
	echo "bench_shim: build first (make BUILD=$BUILD)" >&2
	exit 1
}
TMP=$(mktemp -d /tmp/aigate-bench-shim.XXXXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/home" "$TMP/proj/src"
git init -q "$TMP/proj"
echo hello >"$TMP/proj/src/main.c"
cc -std=gnu17 -O2 -o "$TMP/bench_shim" "$ROOT/tools/bench/bench_shim.c"

# median NUMBER… — the middle value.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run LANG PRELOAD(yes|no) ARGS… — one timed run, prints its figure.
run() {
	local lang=$1 pre=$2
	shift 2
	local opt=()
	[ "$pre" = no ] && opt=(--no-preload)
	(cd "$TMP/proj" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$TMP/home" \
		AIGATE_HOME="$TMP/home/.aigate" LANG="$lang" \
		"$HARNESS" "${opt[@]}" --out /dev/null -- "$TMP/bench_shim" "$@")
}

# measure LABEL UNIT LANG ARGS… — medians without and with, and the ratio.
measure() {
	local label=$1 unit=$2 lang=$3 i
	shift 3
	local without=() with=()
	for ((i = 0; i < RUNS; i++)); do
		without+=("$(run "$lang" no "$@")")
		with+=("$(run "$lang" yes "$@")")
	done
	local a b
	a=$(median "${without[@]}")
	b=$(median "${with[@]}")
	awk -v l="$label" -v lang="$lang" -v u="$unit" -v a="$a" -v b="$b" 'BEGIN {
		printf "%-34s %-8s without %9.1f %s   with %9.1f %s   +%7.1f %s   ratio %.3f\n",
			l, lang, a, u, b, u, b - a, u, b / a }'
}

echo "bench_shim: medians of $RUNS runs; $OPENS opens, $SPAWNS spawns per run"
for lang in C C.UTF-8; do
	measure "open()+close(), absolute path" ns "$lang" open "$OPENS" "$TMP/proj/src/main.c"
	measure "open()+close(), relative path" ns "$lang" open "$OPENS" src/main.c
	measure "open()+close(), outside project" ns "$lang" open "$OPENS" /etc/hostname
	measure "process start (/bin/true)" us "$lang" spawn "$SPAWNS" /bin/true
done
