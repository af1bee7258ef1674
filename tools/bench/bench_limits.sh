#!/usr/bin/env bash
# bench_limits.sh — resource_limits (docs/limits.md), measured, not asserted:
#  1. max_cpu_percent: a busy loop in the sandbox for BENCH_LIMITS_SECONDS
#     (default 3) reports the CPU it got from its own rusage, as a share of
#     the wall time: no limit, then 50 and 25 (root: cgroup v1, or a
#     delegated cgroup v2). Medians of BENCH_LIMITS_RUNS (default 3).
#  2. the memory watcher's cost (the fallback, as the test user): the CPU
#     time of aigate (with its supervisor) while 20 processes in the sandbox
#     sleep 5 s, with and without max_memory; the difference is the watcher's.
#  3. what creating and removing the cgroups adds to `aigate run -- true`
#     (root, cgroup v1): medians of BENCH_LIMITS_STARTS (default 20).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_LIMITS_RUNS:-3}
SECS=${BENCH_LIMITS_SECONDS:-3}
STARTS=${BENCH_LIMITS_STARTS:-20}
command -v python3 >/dev/null || {
	echo "bench_limits: python3 is not installed; skipped"
	exit 0
}

TMP=$(mktemp -d /tmp/aigate-bench-limits.XXXXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/proj"
cat >"$TMP/proj/busy.py" <<'EOF'
import resource, sys, time
secs = float(sys.argv[1])
t0 = time.monotonic()
r0 = resource.getrusage(resource.RUSAGE_SELF)
while time.monotonic() - t0 < secs:
    pass
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print("%.1f" % (100 * cpu / (time.monotonic() - t0)))
EOF
# The CPU time (user + system, s) of a command and all it waited for; its output dropped.
cat >"$TMP/cputime.py" <<'EOF'
import resource, subprocess, sys, time
t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t0
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %.4f" % (r.ru_utime + r.ru_stime, wall))
EOF
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ag HOME-NAME AS… -- CMD… — CMD in the sandbox under the policy in $TMP/HOME-NAME.
ag() {
	local home=$TMP/$1
	shift
	local -a as=()
	while [ "$1" != -- ]; do
		as+=("$1")
		shift
	done
	shift
	(cd "$TMP/proj" && "${as[@]}" env -i HOME="$home" PATH=/usr/bin:/bin AIGATE_HOME="$home/.aigate" \
		AIGATE_LOG_LEVEL=error "$B/aigate" run --allow-degraded --audit-log /dev/null -- "$@")
}
policy() { # policy NAME YAML
	mkdir -p "$TMP/$1/.aigate"
	printf '%s\n' "$2" >"$TMP/$1/.aigate/config.yaml"
}
policy none 'deny_read: [".env"]'
policy cpu50 'resource_limits: { max_cpu_percent: 50 }'
policy cpu25 'resource_limits: { max_cpu_percent: 25 }'
policy mem 'resource_limits: { max_memory: "4G" }'
policy all 'resource_limits: { max_memory: "4G", max_cpu_percent: 80, max_pids: 1000 }'

as_user=()
if [ "$(id -u)" -eq 0 ]; then
	id aigate-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin aigate-test
	chown -R aigate-test: "$TMP/proj" "$TMP/mem" "$TMP/none"
	chmod 755 "$TMP"
	as_user=(setpriv --reuid aigate-test --regid aigate-test --clear-groups)
fi

echo "== resource_limits: max_cpu_percent, a busy loop's CPU share over ${SECS}s (median of $RUNS) =="
mech=$(ag cpu50 -- true >/dev/null 2>&1 && echo enforced || echo "not enforceable here")
if [ "$(id -u)" -ne 0 ] && [ "$mech" != enforced ]; then
	echo "  skipped: max_cpu_percent needs a cgroup (run as root on a cgroup v1 host, or with AIGATE_CGROUP)"
else
	for p in none cpu50 cpu25; do
		vals=()
		for _ in $(seq "$RUNS"); do
			vals+=("$(ag "$p" -- python3 busy.py "$SECS")")
		done
		label=${p/none/no limit}
		label=${label/cpu/max_cpu_percent: }
		printf '  %-22s %6s %% of one core  (runs: %s)\n' "$label" "$(median "${vals[@]}")" "${vals[*]}"
	done
fi

echo "== resource_limits: the memory watcher's cost (the fallback; aigate's CPU while 20 processes sleep 5 s, median of $RUNS) =="
declare -A cpu
for p in none mem; do
	vals=()
	for _ in $(seq "$RUNS"); do
		vals+=("$(python3 "$TMP/cputime.py" "${as_user[@]}" env -i HOME="$TMP/$p" PATH=/usr/bin:/bin \
			AIGATE_HOME="$TMP/$p/.aigate" AIGATE_LOG_LEVEL=error "$B/aigate" run --allow-degraded \
			--audit-log /dev/null -- sh -c 'for i in $(seq 20); do sleep 5 & done; wait' |
			awk '{ printf "%.1f", 1000 * $1 }')")
	done
	cpu[$p]=$(median "${vals[@]}")
	label=${p/none/no limit}
	label=${label/mem/max_memory (watcher)}
	printf '  %-22s %6s ms of CPU in 5 s  (runs: %s)\n' "$label" "${cpu[$p]}" "${vals[*]}"
done
awk -v a="${cpu[mem]}" -v b="${cpu[none]}" 'BEGIN { printf "  the watcher            %6.2f ms of CPU per second (%.2f %% of a core)\n", (a - b) / 5, (a - b) / 50 }'

echo "== resource_limits: sandbox start with cgroups (aigate run -- true, median of $STARTS) =="
if [ "$(id -u)" -ne 0 ]; then
	echo "  skipped: cgroup v1 is root's"
else
	for p in none all; do
		vals=()
		for _ in $(seq "$STARTS"); do
			vals+=("$(python3 "$TMP/cputime.py" env -i HOME="$TMP/$p" PATH=/usr/bin:/bin \
				AIGATE_HOME="$TMP/$p/.aigate" AIGATE_LOG_LEVEL=error "$B/aigate" run \
				--allow-degraded --audit-log /dev/null -- true | awk '{ printf "%.2f", 1000 * $2 }')")
		done
		label=${p/none/no limit}
		label=${label/all/all three limits}
		printf '  %-22s %6s ms wall\n' "$label" "$(median "${vals[@]}")"
	done
fi
