#!/usr/bin/env bash
# make fuzz — the libFuzzer targets, with ASan+UBSan, in build-fuzz/:
#   policy  the YAML loader (and the blob compiler and matchers on what loads);
#   net     the egress's parsers of peer-controlled bytes (DNS messages, the
#           proxy's request head, the TLS ClientHello's SNI, IP literals and
#           socket addresses): tests/fuzz/fuzz_net_parsers.c.
# FUZZ_SECONDS (default 60) is the total run time, split evenly between the
# targets that run; FUZZ_TARGET=policy or FUZZ_TARGET=net runs one of them
# for all of it (default: both). Crashes: build-fuzz/net-crash-* for net,
# build-fuzz/crash-* for policy (as before).
# Needs clang (Debian package clang); not part of make test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_TO_RUN=${FUZZ_SECONDS:-60}
TARGET=${FUZZ_TARGET:-all}
OUT=build-fuzz
SAN="-fsanitize=fuzzer,address,undefined"
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang is missing: apt-get install clang" >&2
	exit 1
fi
case "$TARGET" in
all) TARGETS=(policy net) ;;
policy | net) TARGETS=("$TARGET") ;;
*)
	echo "fuzz: FUZZ_TARGET is all, policy or net, not '$TARGET'" >&2
	exit 1
	;;
esac
PER_TARGET=$((SECONDS_TO_RUN / ${#TARGETS[@]}))
[ "$PER_TARGET" -ge 1 ] || PER_TARGET=1
mkdir -p "$OUT"

for t in "${TARGETS[@]}"; do
	case "$t" in
	policy)
		mkdir -p "$OUT/corpus"
		cp -n tests/fuzz/corpus/* "$OUT/corpus/" 2>/dev/null || true
		read -ra YAML_PCRE_CFLAGS <<<"$(pkg-config --cflags yaml-0.1 libpcre2-8)"
		read -ra YAML_PCRE_LIBS <<<"$(pkg-config --libs yaml-0.1 libpcre2-8)"
		clang -std=gnu17 -D_GNU_SOURCE -I. -g -O1 $SAN \
			"${YAML_PCRE_CFLAGS[@]}" \
			-o "$OUT/fuzz_policy_load" tests/fuzz/fuzz_policy_load.c policy/*.c \
			"${YAML_PCRE_LIBS[@]}"
		echo "fuzz: policy: running for ${PER_TARGET}s (corpus in $OUT/corpus, crashes in $OUT/)"
		"$OUT/fuzz_policy_load" -max_total_time="$PER_TARGET" -max_len=4096 -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix="$OUT/" "$OUT/corpus"
		;;
	net)
		mkdir -p "$OUT/corpus-net"
		cp -n tests/fuzz/corpus-net/* "$OUT/corpus-net/" 2>/dev/null || true
		# Pure code: no libraries. The house warnings, as for the product.
		clang -std=gnu17 -D_GNU_SOURCE -I. -g -O1 $SAN \
			-Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
			-Wswitch-default \
			-o "$OUT/fuzz_net_parsers" tests/fuzz/fuzz_net_parsers.c \
			launcher/dns_msg.c launcher/http_head.c launcher/tls_sni.c policy/net_ip.c
		echo "fuzz: net: running for ${PER_TARGET}s (corpus in $OUT/corpus-net, crashes in $OUT/)"
		# -max_len: a DNS message is at most 4096 bytes and a head 16384 (the
		# target pads shorter ones to reach that limit); 16 KiB of handshake
		# message in 1-byte records passes TLS_HELLO_MAX (64 KiB).
		"$OUT/fuzz_net_parsers" -max_total_time="$PER_TARGET" -max_len=16400 -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix="$OUT/net-" "$OUT/corpus-net"
		;;
	esac
done
