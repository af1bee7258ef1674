#!/usr/bin/env bash
# make fuzz — the YAML loader (and the blob compiler and matchers on what
# loads) under libFuzzer with ASan+UBSan, for FUZZ_SECONDS (default 60).
# Needs clang (Debian package clang); not part of make test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_TO_RUN=${FUZZ_SECONDS:-60}
OUT=build-fuzz
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang is missing: apt-get install clang" >&2
	exit 1
fi
mkdir -p "$OUT/corpus"
cp -n tests/fuzz/corpus/* "$OUT/corpus/" 2>/dev/null || true
clang -std=gnu17 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined \
	$(pkg-config --cflags yaml-0.1 libpcre2-8) \
	-o "$OUT/fuzz_policy_load" tests/fuzz/fuzz_policy_load.c policy/*.c \
	$(pkg-config --libs yaml-0.1 libpcre2-8)
echo "fuzz: running for ${SECONDS_TO_RUN}s (corpus in $OUT/corpus, crashes in $OUT/)"
"$OUT/fuzz_policy_load" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$OUT/" "$OUT/corpus"
