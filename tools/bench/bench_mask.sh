#!/usr/bin/env bash
# bench_mask.sh — mask_stdout (issue 8): the masker alone (bench_mask.c:
# every preset, build-log-like text, one core), then 500 MB of such text
# through aigate's relay, side by side: cat on the host, cat in the
# sandbox through the relay with a pattern that never matches (the relay's
# own cost), and with every preset on. Medians of BENCH_MASK_RUNS rounds
# (default 5), alternating; MB/s and the ratio to the unmasked relay.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_MASK_RUNS:-5}
MB=${BENCH_MASK_MB:-500}
mkdir -p "$B/bench"
cc -std=gnu17 -O2 -o "$B/bench/bench_linelat" "$ROOT/tools/bench/bench_linelat.c"
cc -std=gnu17 -O2 -D_GNU_SOURCE -I"$ROOT" $(pkg-config --cflags libpcre2-8) \
	-o "$B/bench/bench_mask" "$ROOT/tools/bench/bench_mask.c" "$ROOT/launcher/mask_stream.c" \
	"$B/libaigate_policy.a" $(pkg-config --libs yaml-0.1 libpcre2-8)
echo "== mask_stdout: the masker alone (every preset, build-log text, one core) =="
taskset -c 0 "$B/bench/bench_mask" 2>&1 | sed 's/^/  /' || "$B/bench/bench_mask"

TMP=$(mktemp -d /tmp/aigate-bench-mask.XXXXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/relay/.aigate" "$TMP/mask/.aigate" "$TMP/proj"
presets="anthropic, openai, aws_key, github, bearer, slack, private_key, jwt, google_api_key, stripe"
printf 'mask_stdout:\n  patterns:\n    - { name: never, regex: "\\\\x01\\\\x02never" }\n' \
	>"$TMP/relay/.aigate/config.yaml"
printf 'mask_stdout:\n  presets: [%s]\n' "$presets" >"$TMP/mask/.aigate/config.yaml"
# yes dies of SIGPIPE when head has enough: not a failure.
{ yes 'gcc -O2 -Wall -c src/module_42.c -o build/module_42.o && ok 17 - parses the config' |
	head -c $((MB * 1000000)) >"$TMP/proj/log.txt"; } || true
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	id aigate-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin aigate-test
	chown -R aigate-test: "$TMP"
	chmod 755 "$TMP"
	as_user=(setpriv --reuid aigate-test --regid aigate-test --clear-groups)
fi
cp "$B/bench/bench_linelat" "$TMP/proj/"
[ "$(id -u)" -eq 0 ] && chown aigate-test: "$TMP/proj/bench_linelat"
cd "$TMP/proj"
secs() { # secs CMD… — wall seconds of CMD, its stdout to /dev/null
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
ag() { # ag CONFIG-DIR [CMD…] — CMD (default: cat the log) in the sandbox
	local cfg=$1
	shift
	[ $# -gt 0 ] || set -- cat log.txt
	"${as_user[@]}" env -i HOME="$TMP" PATH=/usr/bin:/bin AIGATE_HOME="$TMP/$cfg/.aigate" \
		AIGATE_LOG_LEVEL=error "$B/aigate" run --audit-log /dev/null -- "$@"
}
declare -A res
for _ in $(seq "$RUNS"); do
	res[host]+="$(secs "${as_user[@]}" cat log.txt) "
	res[relay]+="$(secs ag relay) "
	res[mask]+="$(secs ag mask) "
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== mask_stdout: $MB MB of build-log text through the relay (aigate run -- cat), medians of $RUNS =="
# shellcheck disable=SC2086
r=$(median ${res[relay]})
for m in host relay mask; do
	# shellcheck disable=SC2086
	t=$(median ${res[$m]})
	awk -v m="$m" -v t="$t" -v r="$r" -v mb="$MB" 'BEGIN {
		label["host"] = "cat on the host"; label["relay"] = "relay, nothing to mask"
		label["mask"] = "relay, every preset"
		printf "  %-24s %8.0f MB/s  %5.2f s  %4.0f%% of the unmasked relay\n", label[m], mb / t, t, 100 * r / t }'
done

# Latency of a line: 500 lines, one per 2 ms, each stamped with
# CLOCK_MONOTONIC inside and compared on arrival outside (median / 95th
# percentile, µs). Pipes (CI), then a terminal (script(1) gives aigate one).
LINES=${BENCH_MASK_LINES:-500}
lat() { "$@" | "$B/bench/bench_linelat" read; }
echo "== mask_stdout: latency of a line (µs, median / p95; $LINES lines, one per 2 ms) =="
printf '  %-34s %s\n' "host, no sandbox" "$(lat "${as_user[@]}" ./bench_linelat write "$LINES")"
printf '  %-34s %s\n' "pipe relay, nothing to mask" "$(lat ag relay ./bench_linelat write "$LINES")"
printf '  %-34s %s\n' "pipe relay, every preset" "$(lat ag mask ./bench_linelat write "$LINES")"
if command -v script >/dev/null 2>&1; then
	pty() { # pty CONFIG-DIR — the writer in the sandbox on a terminal
		script -qfec "$(printf '%q ' "${as_user[@]}" env -i HOME="$TMP" PATH=/usr/bin:/bin \
			AIGATE_HOME="$TMP/$1/.aigate" AIGATE_LOG_LEVEL=error "$B/aigate" run \
			--audit-log /dev/null -- ./bench_linelat write "$LINES")" /dev/null
	}
	printf '  %-34s %s\n' "terminal relay, nothing to mask" "$(lat pty relay)"
	printf '  %-34s %s\n' "terminal relay, every preset" "$(lat pty mask)"
fi
