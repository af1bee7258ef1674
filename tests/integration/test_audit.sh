# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016 # AG_ENV/NOTE are read by lib.sh; literal $ in sh -c
# test_audit.sh — the audit trail's writer (docs/audit.md): session records,
# one sequence per session across the launcher and the supervisor, rate
# limiting with exact counters, --fail-on-violation, a full disk under both
# audit.on_error settings, concurrent sessions in one daily file,
# audit.level, audit.path and where the log may lie. (`aigate audit` is
# test_audit_cmd.sh; the schema of every record, test_audit_schema.sh and
# the check after every case in lib.sh.)

aud_setup() {
	write_cfg_enforceable
	AUDIT=$T/audit.jsonl
	write_file "$PROJ/.env" <<<"API_KEY=$SECRET"
	printf '.rt/\n' >>"$PROJ/.git/info/exclude"
}

# aud_python ARGS… < program — run a Python check with the JSON lines of FILE.
aud_python() {
	need_python
	"$PYTHON" - "$@"
}

# aud_build NAME — compile tests/redteam/NAME.c statically into $PROJ/.rt/NAME.
aud_build() {
	redteam_cc "$1" "$PROJ/.rt/$1"
}

# many_denials N — $PROJ/many.sh: N denied reads of .env, one process each
# (each a rate-limit key of its own), then "reached the end".
many_denials() {
	write_file "$PROJ/many.sh" <<EOF
i=0
while [ \$i -lt $1 ]; do cat .env 2>/dev/null; i=\$((i + 1)); done
echo reached the end
EOF
}

# append_cfg < YAML — add top-level keys to the global config.
append_cfg() {
	cat >>"$CFG"
	fix_owner
}

# One run, one session: session_start first (command, policy hash, files,
# enforcement "full", nothing degraded, the audit settings), the
# supervisor's denial in the same session, session_end last with CMD's
# status and the count; seq 1, 2, 3 across the two writers. The same policy
# hashes the same; another policy differently.
test_audit_session_records() {
	aud_setup
	ag run --audit-log "$AUDIT" -- sh -c 'cat .env; exit 4'
	assert_status 4
	aud_python "$AUDIT" "$PROJ" <<'PY' || fail "session records (above)"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def need(c, what):
    if not c:
        print("FAIL:", what); print(*map(json.dumps, recs), sep="\n"); sys.exit(1)
need([r["action"] for r in recs] == ["session_start", "open", "session_end"], "three records in order")
s, d, e = recs
need(len({r["session"] for r in recs}) == 1 and re.fullmatch(r"[0-9a-f]{16}", s["session"]), "one session id")
need([r["seq"] for r in recs] == [1, 2, 3], "seq 1, 2, 3 across launcher and supervisor")
need(s["command"] == ["sh", "-c", "cat .env; exit 4"], "the command")
need(re.fullmatch(r"sha256:[0-9a-f]{64}", s["policy_hash"]), "policy hash")
need(s["policy_files"] == ["~/.aigate/config.yaml"], "policy files")
need(s["enforcement"] == "full" and s["degraded"] == [], "full enforcement")
need(s["audit"] == {"level": "denied", "on_error": "fail", "path": sys.argv[1]}, "audit settings")
need(s["enforcer"] == "launcher" and s["cwd"] == sys.argv[2], "launcher, cwd")
# cat is dynamic: the shim answers (the supervisor would, without it: test_supervisor.sh).
need(d["enforcer"] in ("shim", "supervisor") and d["verdict"] == "denied" and d["target"] == sys.argv[2] + "/.env", "the denial")
need(e["exit_status"] == 4 and e["cmd_status"] == 4 and e["denied"] == 1 and e["suppressed"] == 0 and e["lost"] == 0, "the end")
need(e["duration_ms"] >= 0, "duration")
PY
	local h1 h2 h3
	h1=$(aud_python "$AUDIT" <<<'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]["policy_hash"])')
	ag run --audit-log "$T/b.jsonl" -- true
	assert_status 0
	h2=$(aud_python "$T/b.jsonl" <<<'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]["policy_hash"])')
	assert_eq "$h2" "$h1" "the same policy's hash"
	sed -i 's/^  - "\.env"$/  - ".env.other"/' "$CFG"
	grep -q '^  - ".env.other"$' "$CFG" || fail "setup: no .env rule to change in $CFG"
	ag run --audit-log "$T/c.jsonl" -- true
	assert_status 0
	h3=$(aud_python "$T/c.jsonl" <<<'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]["policy_hash"])')
	[ "$h3" != "$h1" ] || fail "another policy must hash differently"
}

# A command line the policy denies: nothing runs, and the session still
# has its start ("command-line" enforcement: the launcher's check was all
# it took), the launcher's denial and its end (exit 126).
test_audit_denied_command_line_session() {
	aud_setup
	ag run --audit-log "$AUDIT" -- curl http://example.com
	assert_status 126
	assert_eq "$(audit_count "$AUDIT" action=session_start enforcement=command-line)" 1 "session start"
	assert_eq "$(audit_count "$AUDIT" action=exec enforcer=launcher verdict=denied rule.text=curl)" 1 "the denial"
	assert_eq "$(audit_count "$AUDIT" action=session_end exit_status=126 denied=1)" 1 "session end"
}

# --fail-on-violation: 3 when CMD succeeded but something was denied; CMD's
# own status when it failed; 0 when nothing was denied. The message names
# the count.
test_audit_fail_on_violation() {
	aud_setup
	ag run --fail-on-violation --audit-log "$AUDIT" -- sh -c 'cat .env 2>/dev/null; exit 0'
	assert_status 3
	assert_stderr_contains "aigate: error: --fail-on-violation: the command succeeded, but 1 action was denied"
	assert_eq "$(audit_count "$AUDIT" action=session_end exit_status=3 cmd_status=0 denied=1)" 1 "session end"
	ag run --fail-on-violation --audit-log "$AUDIT" -- sh -c 'cat .env 2>/dev/null; exit 7'
	assert_status 7
	ag run --fail-on-violation --audit-log "$AUDIT" -- sh -c 'cat /etc/hostname >/dev/null'
	assert_status 0
	assert_stderr_not_contains "fail-on-violation"
	# Without the flag a denial changes nothing.
	ag run --audit-log "$AUDIT" -- sh -c 'cat .env 2>/dev/null; exit 0'
	assert_status 0
}

# A loop of 100,000 denied opens (raw system calls) leaves a bounded log:
# 10 records, then one per second carrying the drops, then a summary; the
# counters are exact (denied = 100,000; the suppressed fields add up to the
# session end's suppressed); every attempt failed with EACCES.
test_audit_flood_rate_limited() {
	aud_setup
	aud_build open_flood
	ag run --audit-log "$AUDIT" -- .rt/open_flood .env 100000
	assert_status 0
	assert_stdout_is "eacces=100000 other=0 opened=0"
	aud_python "$AUDIT" <<'PY' || fail "the flood's records (above)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
opens = [r for r in recs if r["action"] == "open"]
end = recs[-1]
def need(c, what):
    if not c:
        print("FAIL:", what, "; records:", len(recs)); print(json.dumps(end)); sys.exit(1)
need(end["action"] == "session_end" and end["denied"] == 100000, "denied counts every attempt")
need(len(opens) < 200, "a bounded log (%d open records)" % len(opens))
need(sum(1 for r in opens if "suppressed" not in r) == 10, "the burst: 10 records in full")
summ = [r for r in opens if r.get("summary")]
need(len(summ) == 1 and summ[0]["suppressed"] >= 1 and summ[0]["rule"]["text"] == ".env", "one summary record")
need(sum(r.get("suppressed", 0) for r in opens) == end["suppressed"], "suppressed adds up")
need(len(opens) - len(summ) + end["suppressed"] == 100000, "written + suppressed = attempts")
PY
}

# tiny_tmpfs KB — $TINY: a tmpfs of KB KiB (root only), unmounted with the case.
tiny_tmpfs() {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
	TINY=$T/tiny
	mkdir -p "$TINY"
	mount -t tmpfs -o "size=${1}k,mode=0700" aigate-tiny "$TINY" || skip "cannot mount a tmpfs"
	trap 'umount -l "$TINY" 2>/dev/null; case_cleanup' EXIT
	chown "$TEST_UID:$TEST_GID" "$TINY"
	# Nearly full: the session starts, the denials do not fit.
	"${AS_USER[@]}" dd if=/dev/zero of="$TINY/fill" bs=1k count=$(($1 - 12)) status=none ||
		fail "setup: cannot fill $TINY"
}

# every_line_whole FILE — each line of FILE is a whole JSON object (a full
# disk must not leave half a record).
every_line_whole() {
	aud_python "$1" <<'PY' || fail "a cut record in $1 (above)"
import json, sys
data = open(sys.argv[1], "rb").read()
if data and not data.endswith(b"\n"):
    print("the file ends inside a record"); sys.exit(1)
for i, l in enumerate(data.splitlines(), 1):
    try:
        json.loads(l)
    except ValueError as e:
        print("line", i, e); sys.exit(1)
PY
}

# A full disk, audit.on_error fail (the default): the record that does not
# fit is printed on stderr, the sandbox is stopped, aigate exits 125 naming
# the log and the error; the script never reaches its end; the log holds
# only whole lines.
test_audit_disk_full_fail() {
	aud_setup
	tiny_tmpfs 64
	many_denials 300
	ag run --audit-log "$TINY/audit.jsonl" -- sh many.sh
	assert_status 125
	assert_stderr_contains "aigate: error: the audit log $TINY/audit.jsonl cannot be written: No space left on device; the run was stopped (audit.on_error: fail)"
	assert_stderr_contains 'aigate: audit record not written: {"ts":'
	assert_stdout_not_contains "reached the end"
	every_line_whole "$TINY/audit.jsonl"
	assert_eq "$(audit_count "$TINY/audit.jsonl" action=session_start)" 1 "the session started"
	AUDIT_SCHEMA_SKIP_FILES=("$TINY/audit.jsonl") # unmounted before the check; checked here
}

# The same with audit.on_error warn: one warning, the records that do not
# fit on stderr, the run goes on to the end and exits with CMD's status.
test_audit_disk_full_warn() {
	aud_setup
	append_cfg <<'EOF'
audit:
  on_error: warn
EOF
	tiny_tmpfs 64
	many_denials 300
	ag run --audit-log "$TINY/audit.jsonl" -- sh many.sh
	assert_status 0
	assert_stdout_is "reached the end"
	assert_eq "$(grep -c 'cannot be written: No space left on device; records go to stderr (audit.on_error: warn)' "$ERR")" 1 "one warning"
	local on_stderr in_log
	on_stderr=$(grep -c '^aigate: audit record not written: {.*"action":"open"' "$ERR")
	in_log=$(audit_count "$TINY/audit.jsonl" action=open)
	[ "$on_stderr" -gt 0 ] || fail "records that did not fit belong on stderr"
	# Each cat is a new process (a key of its own): 300 denials, none dropped.
	assert_eq "$((on_stderr + in_log))" 300 "records in the log + on stderr (the end record is lost too)"
	every_line_whole "$TINY/audit.jsonl"
}

# Two sessions appending to the same daily file at once: only whole lines,
# each session with its own start, end and unbroken sequence.
test_audit_concurrent_sessions() {
	aud_setup
	many_denials 150
	(ag run -- sh many.sh) &
	local first=$!
	ag run -- sh many.sh
	assert_status 0
	wait "$first" || fail "the first session failed"
	local log
	log=$(audit_file)
	every_line_whole "$log"
	aud_python "$log" <<'PY' || fail "two sessions (above)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sessions = {}
for r in recs:
    sessions.setdefault(r["session"], []).append(r)
if len(sessions) != 2:
    print("sessions:", len(sessions)); sys.exit(1)
for sid, rs in sessions.items():
    seqs = sorted(r["seq"] for r in rs)
    if seqs != list(range(1, len(rs) + 1)):
        print(sid, "sequence has gaps or repeats"); sys.exit(1)
    acts = [r["action"] for r in rs]
    if acts.count("session_start") != 1 or acts.count("session_end") != 1 or acts.count("open") != 150:
        print(sid, "records:", {a: acts.count(a) for a in set(acts)}); sys.exit(1)
PY
}

# audit.level exec: every allowed exec recorded (the shell, then each
# command it runs), with its command line; audit.level all: allowed opens
# too. The default records no allowed action.
test_audit_level() {
	aud_setup
	write_file "$PROJ/ok.txt" <<<"hello"
	ag run --audit-log "$AUDIT" -- sh -c 'cat ok.txt; /usr/bin/true x'
	assert_status 0
	assert_no_audit "$AUDIT" verdict=allowed
	append_cfg <<'EOF'
audit:
  level: exec
EOF
	ag run --audit-log "$T/exec.jsonl" -- sh -c 'cat ok.txt; /usr/bin/true x'
	assert_status 0
	assert_audit "$T/exec.jsonl" action=exec verdict=allowed target=/usr/bin/true 'argv=["/usr/bin/true", "x"]'
	assert_audit "$T/exec.jsonl" action=exec verdict=allowed target=/usr/bin/cat
	assert_no_audit "$T/exec.jsonl" action=open verdict=allowed
	assert_audit "$T/exec.jsonl" action=session_start audit.level=exec
	sed -i 's/^  level: exec$/  level: all/' "$CFG"
	ag run --audit-log "$T/all.jsonl" -- sh -c 'cat ok.txt'
	assert_status 0
	assert_audit "$T/all.jsonl" action=open verdict=allowed "target=$PROJ/ok.txt"
	assert_audit "$T/all.jsonl" action=exec verdict=allowed target=/usr/bin/cat
}

# audit.path in the global policy sets the destination (~/ is the home);
# --audit-log wins over it. A project file cannot move the trail: its
# audit section is ignored with a warning.
test_audit_path_from_policy() {
	aud_setup
	append_cfg <<'EOF'
audit:
  path: ~/trail/agent.jsonl
EOF
	ag run -- sh -c 'cat .env 2>/dev/null; true'
	assert_status 0
	assert_eq "$(audit_count "$HOME_DIR/trail/agent.jsonl" action=open verdict=denied)" 1 "record in audit.path"
	ag run --audit-log "$AUDIT" -- true
	assert_status 0
	assert_eq "$(audit_count "$AUDIT" action=session_start)" 1 "--audit-log wins"
	write_file "$PROJ/.aigate.yaml" <<'EOF'
audit:
  path: /tmp/elsewhere.jsonl
  level: denied
EOF
	ag run -- true
	assert_status 0
	assert_stderr_contains "can only be set in the global config; ignored"
	assert_eq "$(audit_count "$HOME_DIR/trail/agent.jsonl" action=session_start)" 2 "still in audit.path"
}

# A log in the project (the sandbox's writable root): the sandbox can
# neither read, append to, truncate nor remove it — and the attempts are
# themselves recorded in it.
test_audit_log_in_project_hidden() {
	aud_setup
	ag run --audit-log audit-here.jsonl -- sh -c '
		cat audit-here.jsonl; echo "read:$?"
		(echo "{\"forged\":1}" >> audit-here.jsonl); echo "append:$?"
		(: > audit-here.jsonl); echo "truncate:$?"
		rm -f audit-here.jsonl; echo "rm:$?"'
	assert_status 0
	assert_stdout_not_contains '"session"'
	assert_stdout_contains "read:1"
	assert_stdout_not_contains "append:0"
	assert_stdout_not_contains "truncate:0"
	assert_stdout_not_contains "rm:0"
	grep -q '^{"forged":1}' "$PROJ/audit-here.jsonl" && fail "the sandbox appended to the audit log"
	assert_eq "$(audit_count "$PROJ/audit-here.jsonl" action=session_end)" 1 "the log is whole"
	assert_audit "$PROJ/audit-here.jsonl" action=open verdict=denied "target=$PROJ/audit-here.jsonl" \
		"rule.text=aigate's audit log" rule.origin=built-in
	assert_stderr_contains "aigate: denied: open $PROJ/audit-here.jsonl (aigate's audit log)"
}

# --ci: the trail defaults to aigate-audit.jsonl in the working directory
# (hidden inside the sandbox), the session's summary is printed on stderr
# at the end and appended as markdown to $GITHUB_STEP_SUMMARY; with
# --fail-on-violation the job fails with 3.
test_audit_ci() {
	aud_setup
	write_file "$T/summary.md" <<<"# earlier step"
	AG_ENV=(GITHUB_STEP_SUMMARY="$T/summary.md")
	ag run --ci --fail-on-violation -- sh -c 'cat .env; cat aigate-audit.jsonl; echo done'
	assert_status 3
	assert_stdout_contains "done"
	assert_stdout_not_contains '"session"'
	assert_eq "$(audit_count "$PROJ/aigate-audit.jsonl" action=open verdict=denied "target=$PROJ/.env")" 1 "the denial"
	assert_eq "$(audit_count "$PROJ/aigate-audit.jsonl" action=open verdict=denied "target=$PROJ/aigate-audit.jsonl")" 1 "the read of the log"
	assert_stderr_contains "aigate audit: 1 session, 2 denials"
	assert_stderr_contains "Denials by rule"
	assert_file_contains "$T/summary.md" "# earlier step"
	assert_file_contains "$T/summary.md" "## aigate audit"
	assert_file_contains "$T/summary.md" '| 1 | .env | \~/.aigate/config.yaml:12 |'
	grep -q $'\033' "$ERR" && fail "--ci must not colour its messages"
	# Without GITHUB_STEP_SUMMARY: the table only; a clean run passes.
	AG_ENV=()
	ag run --ci --fail-on-violation -- true
	assert_status 0
	assert_stderr_contains "aigate audit: 1 session, 0 denials"
}

# --audit-log syslog: each record is one message to the system log
# (authpriv.notice, ident aigate), the supervisor's too. Needs a /dev/log
# to listen on: the test makes one when the machine has none (root only).
test_audit_syslog() {
	aud_setup
	[ "$(id -u)" -eq 0 ] || skip "listening on /dev/log needs root"
	[ -e /dev/log ] && skip "/dev/log belongs to this machine's syslog daemon"
	need_python
	local msgs=$T/syslog.txt
	"$PYTHON" - "$msgs" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
out = open(sys.argv[1] + ".tmp", "w")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])  # ready
while True:
    out.write(s.recv(65536).decode("utf-8", "replace") + "\n")
    out.flush()
PY
	local listener=$!
	kill_later "$listener"
	trap 'kill -KILL '"$listener"' 2>/dev/null; rm -f /dev/log; case_cleanup' EXIT
	wait_until "the syslog listener" test -e "$msgs"
	ag run --audit-log syslog -- sh -c 'cat .env; exit 0'
	assert_status 0
	wait_until "the session end in the syslog" grep -q '"action":"session_end"' "$msgs"
	# <85>: facility authpriv (10) * 8 + notice (5).
	grep -q '^<85>.*aigate\[[0-9]*\]: {"ts":.*"action":"session_start"' "$msgs" || { show_file syslog "$msgs"; fail "no session start in the syslog"; }
	grep -q '"action":"open","enforcer":"\(shim\|supervisor\)".*"verdict":"denied"' "$msgs" || { show_file syslog "$msgs"; fail "no denial in the syslog"; }
	grep -q '"audit":{"level":"denied","on_error":"fail","path":"syslog"}' "$msgs" || fail "the session start names syslog"
}
