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
# absolute path, once relative (joined to the working directory, which the
# shim caches), and a missing file (ENOENT: the least work in the kernel, so
# the shim's share of the figure is the largest and the noise the smallest).
# Runs alternate (without, with, without, …); medians of BENCH_SHIM_RUNS
# (default 7) runs; ratio with/without. Two figures per case: wall-clock
# time, and CPU time (user + system, children's included for spawn), which
# does not count waiting for a CPU on a machine shared with other jobs.
# Knobs: BENCH_SHIM_OPENS (opens per run, 200000), BENCH_SHIM_SPAWNS
# (spawns per run, 500), BENCH_SHIM_BASE (another libaigate_shim.so, e.g.
# a copy of the previous build: measured in the same alternation and shown
# as "base", to compare two versions side by side).
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

BASE=${BENCH_SHIM_BASE:-}
[ -z "$BASE" ] || [ -f "$BASE" ] || {
	echo "bench_shim: BENCH_SHIM_BASE=$BASE: no such file" >&2
	exit 1
}

# run LANG PRELOAD(yes|no|base) ARGS… — one timed run, prints "WALL CPU".
run() {
	local lang=$1 pre=$2
	shift 2
	local opt=()
	[ "$pre" = no ] && opt=(--no-preload)
	[ "$pre" = base ] && opt=(--shim "$BASE")
	(cd "$TMP/proj" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$TMP/home" \
		AIGATE_HOME="$TMP/home/.aigate" LANG="$lang" \
		"$HARNESS" "${opt[@]}" --out /dev/null -- "$TMP/bench_shim" "$@")
}

# report LABEL UNIT LANG METRIC WITHOUT WITH [BASE] — one line.
report() {
	awk -v l="$1" -v u="$2" -v lang="$3" -v m="$4" -v a="$5" -v b="$6" -v c="${7:-}" 'BEGIN {
		printf "%-34s %-8s %-4s without %9.1f %s   with %9.1f %s   +%7.1f %s   ratio %.3f",
			l, lang, m, a, u, b, u, b - a, u, b / a
		if (c != "")
			printf "   (base %9.1f %s  +%7.1f %s  ratio %.3f)", c, u, c - a, u, c / a
		printf "\n" }'
}

# measure LABEL UNIT LANG ARGS… — medians without and with, and the ratio.
measure() {
	local label=$1 unit=$2 lang=$3 i r
	shift 3
	local wo_w=() wo_c=() w_w=() w_c=() b_w=() b_c=()
	for ((i = 0; i < RUNS; i++)); do
		read -r -a r <<<"$(run "$lang" no "$@")"
		wo_w+=("${r[0]}") wo_c+=("${r[1]}")
		read -r -a r <<<"$(run "$lang" yes "$@")"
		w_w+=("${r[0]}") w_c+=("${r[1]}")
		if [ -n "$BASE" ]; then
			read -r -a r <<<"$(run "$lang" base "$@")"
			b_w+=("${r[0]}") b_c+=("${r[1]}")
		fi
	done
	local bw="" bc=""
	[ -z "$BASE" ] || bw=$(median "${b_w[@]}") bc=$(median "${b_c[@]}")
	report "$label" "$unit" "$lang" wall "$(median "${wo_w[@]}")" "$(median "${w_w[@]}")" "$bw"
	report "$label" "$unit" "$lang" cpu "$(median "${wo_c[@]}")" "$(median "${w_c[@]}")" "$bc"
}

echo "bench_shim: medians of $RUNS runs; $OPENS opens, $SPAWNS spawns per run${BASE:+; base $BASE}"
for lang in C C.UTF-8; do
	measure "open()+close(), absolute path" ns "$lang" open "$OPENS" "$TMP/proj/src/main.c"
	measure "open()+close(), relative path" ns "$lang" open "$OPENS" src/main.c
	measure "open()+close(), outside project" ns "$lang" open "$OPENS" /etc/hostname
	measure "open(), missing file, relative" ns "$lang" missing "$OPENS" src/missing.c
	measure "process start (/bin/true)" us "$lang" spawn "$SPAWNS" /bin/true
done
