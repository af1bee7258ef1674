#!/usr/bin/env bash
# bench_net.sh — allow_net's egress (issue 7): throughput of one 100 MB
# transfer and latency of 1,000 small requests (a connection each), direct
# on the host and through each of the egress's paths, side by side:
#   direct        the host, no sandbox
#   sandbox-host  aigate without allow_net (host network: the sandbox's own cost)
#   transparent   aigate with allow_net, a plain connect: the supervisor
#                 connects from outside and swaps the socket in (no relay)
#   connect       through the HTTP proxy's CONNECT tunnel (splice relay)
#   http-forward  an absolute-form request through the HTTP proxy
#   bwrap-host    bubblewrap sharing the host network (no filtering at all)
# Runs alternate (every mode once per round); medians of BENCH_NET_RUNS
# rounds (default 5); ratios to direct. BENCH_NET_MODES picks modes (a
# space-separated list; direct is always run, as the reference);
# BENCH_NET_BASE=DIR adds connect-base and http-forward-base: the same
# paths through another build's aigate (before/after in one invocation).
# BENCH_NET_REQS=0 skips the latency part. The server (bench_net serve) runs
# on the host's 127.0.0.90; the policy admits 127.0.0.90:9090 with
# allow_private_addresses (a loopback server).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_NET_RUNS:-5}
SIZE=${BENCH_NET_BYTES:-100000000}
REQS=${BENCH_NET_REQS:-1000}
PORT=9090
ADDR=127.0.0.90

TMP=$(mktemp -d /tmp/aigate-bench-net.XXXXXXXX)
mkdir -p "$TMP/home/.aigate" "$TMP/home/nonet" "$TMP/proj"
cc -std=gnu17 -O2 -pthread -o "$TMP/proj/bench_net" "$ROOT/tools/bench/bench_net.c"
cat >"$TMP/home/.aigate/config.yaml" <<EOC
allow_net:
  - "$ADDR:$PORT"
allow_private_addresses: true
EOC
cat >"$TMP/home/nonet/config.yaml" <<EOC
deny_read: [".env"]
EOC
"$TMP/proj/bench_net" serve $ADDR $PORT >"$TMP/server.out" &
server=$!
trap 'kill $server 2>/dev/null; [ -n "${BENCH_NET_KEEP:-}" ] || rm -rf "$TMP"' EXIT
for _ in $(seq 100); do grep -q ready "$TMP/server.out" && break; read -rt 0.05 <> <(:) || true; done

# As an ordinary user when run as root (the sandbox is for ordinary users).
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	id aigate-test >/dev/null 2>&1 ||
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin aigate-test
	chown -R aigate-test: "$TMP/home" "$TMP/proj"
	chmod 755 "$TMP"
	as_user=(setpriv --reuid aigate-test --regid aigate-test --clear-groups)
fi
cd "$TMP/proj"
ag() { # ag CONFIG-DIR ARGS… — the client in the sandbox
	local cfg=$1 bin=$B
	shift
	[ "$cfg" = base ] && cfg=.aigate bin=$BASE
	"${as_user[@]}" env -i HOME="$TMP/home" PATH=/usr/bin:/bin AIGATE_HOME="$TMP/home/$cfg" \
		AIGATE_LOG_LEVEL=error "$bin/aigate" run --allow-degraded --audit-log /dev/null -- \
		./bench_net "$@"
}
BASE=${BENCH_NET_BASE:-}
case "$BASE" in '' | /*) ;; *) BASE=$ROOT/$BASE ;; esac
if [ -n "${BENCH_NET_MODES:-}" ]; then
	read -ra modes <<<"direct ${BENCH_NET_MODES//direct/}"
else
	modes=(direct sandbox-host transparent connect http-forward)
	command -v bwrap >/dev/null 2>&1 && modes+=(bwrap-host)
	[ -n "$BASE" ] && modes+=(connect-base http-forward-base)
fi
kinds=(get reqs)
[ "$REQS" -gt 0 ] || kinds=(get)
declare -A res
for round in $(seq "$RUNS"); do
	for kind in "${kinds[@]}"; do
		n=$SIZE
		[ $kind = reqs ] && n=$REQS
		for m in "${modes[@]}"; do
			case $m in
			direct) v=$("${as_user[@]}" ./bench_net $kind $ADDR $PORT "$n") ;;
			sandbox-host) v=$(ag nonet $kind $ADDR $PORT "$n") ;;
			transparent) v=$(ag .aigate $kind $ADDR $PORT "$n") ;;
			connect) v=$(ag .aigate $kind $ADDR $PORT "$n" connect:127.0.0.1:3128) ;;
			http-forward) v=$(ag .aigate $kind $ADDR $PORT "$n" http:127.0.0.1:3128) ;;
			connect-base) v=$(ag base $kind $ADDR $PORT "$n" connect:127.0.0.1:3128) ;;
			http-forward-base) v=$(ag base $kind $ADDR $PORT "$n" http:127.0.0.1:3128) ;;
			bwrap-host) v=$("${as_user[@]}" bwrap --unshare-user --unshare-pid --die-with-parent \
				--ro-bind / / --dev-bind /dev /dev --proc /proc \
				./bench_net $kind $ADDR $PORT "$n") ;;
			esac
			res[$kind.$m]+="$v "
		done
	done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== allow_net egress: $((SIZE / 1000000)) MB transfer and $REQS requests, medians of $RUNS rounds =="
printf '%-17s %12s %9s %14s %12s   %s\n' mode "MB/s" "vs direct" "µs/request" "added µs" "MB/s per round"
# shellcheck disable=SC2086
dt=$(median ${res[get.direct]})
# shellcheck disable=SC2086
dr=$(median ${res[reqs.direct]:-0})
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086
	t=$(median ${res[get.$m]})
	# shellcheck disable=SC2086
	r=$(median ${res[reqs.$m]:-0})
	awk -v m="$m" -v t="$t" -v r="$r" -v dt="$dt" -v dr="$dr" -v all="${res[get.$m]}" \
		'BEGIN { printf "%-17s %12.0f %8.0f%% %14.0f %12.0f   %s\n", m, t, 100 * t / dt, r, r - dr, all }'
done
