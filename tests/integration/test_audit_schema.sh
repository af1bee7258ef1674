# shellcheck shell=bash
# shellcheck disable=SC2034 # LAST_CMD/STATUS/AUDIT_SCHEMA_SKIP_FILES are read by lib.sh
# test_audit_schema.sh — docs/audit.schema.json itself (issue 5): a valid
# 2020-12 schema; hand-written records, one of each kind, that it accepts;
# broken ones, each named, that it refuses for the reason the row says; the
# sample trail in tests/fixtures; and the check lib.sh runs after every case
# (audit_schema_check_case), through the run's validator and without it.

SCHEMA=${AUDIT_SCHEMA:-$ROOT/docs/audit.schema.json}

# schema_python — a python3 with jsonschema in $SPY, or the case fails.
schema_python() {
	need_python
	SPY=$(audit_schema_python) ||
		fail "no python3 with jsonschema (python3-jsonschema; make deps installs it)"
}

# schema_py < script — run the script with $SCHEMA as argv[1];
# stdout in $OUT, stderr in $ERR, status in $STATUS.
schema_py() {
	LAST_CMD="python3 (jsonschema) - ${SCHEMA#"$ROOT"/}"
	"$SPY" - "$SCHEMA" >"$OUT" 2>"$ERR"
	STATUS=$?
}

test_audit_schema_is_valid_2020_12() {
	schema_python
	schema_py <<'PY'
import json, sys
from jsonschema import Draft202012Validator
with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", schema.get("$schema")
Draft202012Validator.check_schema(schema)
print("ok")
PY
	assert_status 0
	assert_stdout_is ok
}

# One record of each kind, as docs/audit.md describes them; every one must
# pass, then each row of BAD (a name, a change to a valid record, and the
# keyword and place of the error it must cause) must fail for that reason.
test_audit_schema_records_table() {
	schema_python
	schema_py <<'PY'
import copy, json, sys
from jsonschema import Draft202012Validator

with open(sys.argv[1], encoding="utf-8") as f:
    v = Draft202012Validator(json.load(f), format_checker=None)

COMMON = {"ts": "2026-11-23T14:02:11.123456Z", "session": "0123456789abcdef", "seq": 2}
def rec(**kw):
    r = dict(COMMON)
    r.update(kw)
    return r

START = rec(seq=1, action="session_start", enforcer="launcher", pid=4242, uid=1000,
            cwd="/home/u/proj", command=["claude", "--print", "fix it"],
            policy_hash="sha256:" + "0123456789abcdef" * 4,
            policy_files=["/home/u/.aigate/config.yaml", "/home/u/proj/.aigate.yaml"],
            enforcement="full", degraded=[],
            audit={"level": "denied", "on_error": "fail", "path": "/home/u/.aigate/audit/2026-11-23.jsonl"},
            version="0.5.0")
END = rec(seq=9, action="session_end", enforcer="launcher", exit_status=3, cmd_status=0,
          denied=11, suppressed=7, lost=0, duration_ms=9999.9)
OPEN = rec(action="open", enforcer="supervisor", pid=12, ppid=11, uid=1000, exe="/usr/bin/cat",
           argv=["cat", ".env"], cwd="/home/u/proj", syscall="openat",
           target="/home/u/proj/.env", rule={"text": ".env", "origin": "/home/u/.aigate/config.yaml:3"},
           verdict="denied", errno="EACCES")
MASK = rec(action="mask", enforcer="mask", target="openai", stream="stdout", count=2, verdict="masked")

GOOD = [
    ("session_start", START),
    ("session_start, command-line, degraded, syslog, built-in policy",
     dict(START, enforcement="command-line", degraded=["allow_net", "resource_limits"],
          policy_files=["(built-in default)"], audit={"level": "all", "on_error": "warn", "path": "syslog"})),
    ("session_end", END),
    ("session_end, integral duration", dict(END, duration_ms=0, exit_status=125, cmd_status=137)),
    ("open denied by the supervisor", OPEN),
    ("exec denied by the launcher (no pid)",
     rec(action="exec", enforcer="launcher", uid=1000, argv=["curl", "x"], target="curl",
         rule={"text": "curl", "origin": "(built-in default):27"}, verdict="denied",
         errno="EACCES", reason="the command line itself is denied")),
    ("foreign architecture killed",
     rec(action="syscall", enforcer="supervisor", pid=3, ppid=2, uid=1000, syscall="i386:5",
         rule={"text": "deny foreign architecture", "origin": "built-in"}, verdict="killed",
         reason="system calls of another architecture bypass the filter's decoding")),
    ("built-in denial", dict(OPEN, action="syscall", syscall="mount", target=None,
                              rule={"text": "deny mount", "origin": "built-in"}, errno="EPERM")),
    ("allowed exec (audit.level: exec), no rule",
     rec(action="exec", enforcer="supervisor", pid=13, ppid=11, uid=1000, exe="/usr/bin/bash",
         argv=["git", "status"], cwd="/home/u/proj", syscall="execve", target="/usr/bin/git",
         verdict="allowed")),
    ("record after drops", dict(OPEN, suppressed=4)),
    ("rate-limit summary",
     rec(action="open", enforcer="supervisor", pid=12,
         rule={"text": ".env", "origin": "/home/u/.aigate/config.yaml:3"}, verdict="denied",
         suppressed=3, summary=True)),
    ("truncated record", dict(OPEN, truncated=True)),
    ("unknown errno number", dict(OPEN, errno="E135")),
    ("mask", MASK),
    ("mask on stderr", dict(MASK, stream="stderr", count=1, target="token-[a-z]+")),
    ("connect denied by the proxy", rec(action="connect", enforcer="proxy", pid=5, target="evil.example:443",
                                        rule={"text": "allow_net", "origin": "built-in"},
                                        verdict="denied", errno="ECONNREFUSED")),
    ("empty rule origin and text", dict(OPEN, rule={"text": "", "origin": ""})),
]
for name, r in GOOD:  # None means: without that field
    for k in [k for k, x in r.items() if x is None]:
        del r[k]

def without(r, *keys):
    r = copy.deepcopy(r)
    for k in keys:
        del r[k]
    return r

def w(r, path, value):
    r = copy.deepcopy(r)
    o = r
    for p in path[:-1]:
        o = o[p]
    o[path[-1]] = value
    return r

# name, record, (validator keyword, instance path) the errors must include
BAD = [
    ("missing ts", without(OPEN, "ts"), ("required", "")),
    ("ts without microseconds", w(OPEN, ["ts"], "2026-11-23T14:02:11Z"), ("pattern", "ts")),
    ("ts with milliseconds", w(OPEN, ["ts"], "2026-11-23T14:02:11.123Z"), ("pattern", "ts")),
    ("ts not UTC", w(OPEN, ["ts"], "2026-11-23T14:02:11.123456+01:00"), ("pattern", "ts")),
    ("ts a number", w(OPEN, ["ts"], 1700000000), ("type", "ts")),
    ("bad session (upper case)", w(OPEN, ["session"], "0123456789ABCDEF"), ("pattern", "session")),
    ("bad session (15 digits)", w(OPEN, ["session"], "0123456789abcde"), ("pattern", "session")),
    ("seq 0", w(OPEN, ["seq"], 0), ("minimum", "seq")),
    ("seq a string", w(OPEN, ["seq"], "2"), ("type", "seq")),
    ("unknown field", w(OPEN, ["verdikt"], "denied"), ("additionalProperties", "")),
    ("unknown action", w(OPEN, ["action"], "read"), ("enum", "action")),
    ("unknown enforcer", w(OPEN, ["enforcer"], "kernel"), ("enum", "enforcer")),
    ("missing verdict", without(OPEN, "verdict"), ("required", "")),
    ("unknown verdict", w(OPEN, ["verdict"], "blocked"), ("enum", "verdict")),
    ("bad errno (lower case)", w(OPEN, ["errno"], "eacces"), ("pattern", "errno")),
    ("bad errno (number)", w(OPEN, ["errno"], 13), ("type", "errno")),
    ("rule with extra key", w(OPEN, ["rule", "line"], 3), ("additionalProperties", "rule")),
    ("rule without origin", w(OPEN, ["rule"], {"text": ".env"}), ("required", "rule")),
    ("rule as a string", w(OPEN, ["rule"], ".env"), ("type", "rule")),
    ("argv not strings", w(OPEN, ["argv"], ["cat", 1]), ("type", "argv.1")),
    ("pid 0", w(OPEN, ["pid"], 0), ("minimum", "pid")),
    ("syscall with a space", w(OPEN, ["syscall"], "open at"), ("pattern", "syscall")),
    ("reason of two lines", w(OPEN, ["reason"], "one\ntwo"), ("pattern", "reason")),
    ("suppressed 0", w(OPEN, ["suppressed"], 0), ("minimum", "suppressed")),
    ("summary false", w(OPEN, ["summary"], False), ("const", "summary")),
    ("summary without suppressed", w(OPEN, ["summary"], True), ("required", "")),
    ("truncated false", w(OPEN, ["truncated"], False), ("const", "truncated")),
    ("allowed record with a rule", w(OPEN, ["verdict"], "allowed"), ("false", "rule")),
    ("stream on an open record", w(OPEN, ["stream"], "stdout"), ("false", "stream")),
    ("masked verdict on an open record", w(OPEN, ["verdict"], "masked"), ("not", "verdict")),
    ("mask without stream", without(MASK, "stream"), ("required", "")),
    ("mask without count", without(MASK, "count"), ("required", "")),
    ("mask count 0", w(MASK, ["count"], 0), ("minimum", "count")),
    ("mask on stdin", w(MASK, ["stream"], "stdin"), ("enum", "stream")),
    ("mask denied", w(MASK, ["verdict"], "denied"), ("const", "verdict")),
    ("session_start without policy_hash", without(START, "policy_hash"), ("required", "")),
    ("session_start, policy_hash upper case", w(START, ["policy_hash"], "sha256:" + "0123456789ABCDEF" * 4),
     ("pattern", "policy_hash")),
    ("session_start, policy_hash too short", w(START, ["policy_hash"], "sha256:0123"), ("pattern", "policy_hash")),
    ("session_start without command", without(START, "command"), ("required", "")),
    ("session_start, empty command", w(START, ["command"], []), ("minItems", "command")),
    ("session_start, command a string", w(START, ["command"], "claude"), ("type", "command")),
    ("session_start, no policy file", w(START, ["policy_files"], []), ("minItems", "policy_files")),
    ("session_start, unknown enforcement", w(START, ["enforcement"], "partial"), ("enum", "enforcement")),
    ("session_start without degraded", without(START, "degraded"), ("required", "")),
    ("session_start, unknown audit.level", w(START, ["audit", "level"], "verbose"), ("enum", "audit.level")),
    ("session_start, unknown audit.on_error", w(START, ["audit", "on_error"], "ignore"), ("enum", "audit.on_error")),
    ("session_start, audit without path", w(START, ["audit"], {"level": "denied", "on_error": "fail"}),
     ("required", "audit")),
    ("session_start by the supervisor", w(START, ["enforcer"], "supervisor"), ("const", "enforcer")),
    ("session_start with an event field", w(START, ["verdict"], "denied"), ("additionalProperties", "")),
    ("session_start without version", without(START, "version"), ("required", "")),
    ("session_end, negative denied", w(END, ["denied"], -1), ("minimum", "denied")),
    ("session_end, denied a float", w(END, ["denied"], 1.5), ("type", "denied")),
    ("session_end without lost", without(END, "lost"), ("required", "")),
    ("session_end, negative duration", w(END, ["duration_ms"], -0.5), ("minimum", "duration_ms")),
    ("session_end, exit_status 256", w(END, ["exit_status"], 256), ("maximum", "exit_status")),
    ("session_end with pid", w(END, ["pid"], 1), ("additionalProperties", "")),
    ("not an object", [OPEN], ("type", "")),
]

failures = []
for name, r in GOOD:
    errs = sorted(e.message for e in v.iter_errors(r))
    if errs:
        failures.append("valid record '%s' was refused: %s" % (name, "; ".join(errs)))
for name, r, (keyword, where) in BAD:
    errs = [(e.validator, ".".join(str(p) for p in e.absolute_path), e.message) for e in v.iter_errors(r)]
    if not errs:
        failures.append("invalid record '%s' was accepted: %s" % (name, json.dumps(r)))
    elif not any((k or "false") == keyword and (p == where or (k is None and p == ""))
                 for k, p, _ in errs):
        # (A false schema's error has no keyword; jsonschema 4.26 also loses its place.)
        failures.append("invalid record '%s' was refused, but not for %s at '%s': %s"
                        % (name, keyword, where, "; ".join("%s at '%s': %s" % e for e in errs)))
for f in failures:
    print(f)
print("%d valid, %d invalid records checked; %d wrong" % (len(GOOD), len(BAD), len(failures)))
sys.exit(1 if failures else 0)
PY
	[ "$STATUS" = 0 ] || fail "the schema disagrees with the table (see stdout)"
	assert_stdout_contains "0 wrong"
}

# The sample trail other tests and `aigate audit` read.
test_audit_schema_fixture_sample() {
	local fixture=$ROOT/tests/fixtures/audit_sample.jsonl
	[ -f "$fixture" ] || skip "tests/fixtures/audit_sample.jsonl does not exist in this tree"
	schema_python
	LAST_CMD="audit_schema_direct docs/audit.schema.json tests/fixtures/audit_sample.jsonl"
	audit_schema_direct "$SCHEMA" "$fixture" >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
}

# hook_log — a log of the case with a good record, a bad one and a cut one.
hook_log() {
	{
		printf '%s\n' '{"ts":"2026-11-23T14:02:11.123456Z","session":"0123456789abcdef","seq":1,"action":"open","enforcer":"supervisor","verdict":"denied","errno":"EACCES"}'
		printf '%s\n' '{"ts":"2026-11-23T14:02:11.123456Z","session":"0123456789abcdef","seq":2,"action":"open","enforcer":"supervisor","verdict":"denied","errno":"EACCES","rule":{"text":".env","origin":"x:1","line":1}}'
		printf '%s' '{"ts":"2026-11-23T14:02:11.123456Z","session":"0123456789abcdef","seq":3,"act'
	} | write_file "$1"
}

# hook_run LABEL — audit_schema_check_case in a subshell, as case_cleanup runs it.
hook_run() {
	LAST_CMD="audit_schema_check_case ($1)"
	(audit_schema_check_case) >"$OUT" 2>"$ERR"
	STATUS=$?
}

# The check every case ends with: it names the file, the line, the record
# and the error; it sees logs under $AG_HOME/audit and $STABLE as well; it
# gives the same answer through the run's validator and in a python of its
# own; and AUDIT_SCHEMA_SKIP_FILES leaves a file out.
test_audit_schema_case_hook() {
	schema_python
	mkdir -p "$AG_HOME/audit"
	hook_log "$AG_HOME/audit/2026-11-23.jsonl"
	hook_run "through the run's validator"
	assert_status 1
	assert_stderr_contains "audit schema: \$T/home/.aigate/audit/2026-11-23.jsonl:2:"
	assert_stderr_contains '"rule":{"text":".env","origin":"x:1","line":1}'
	assert_stderr_contains "error: Additional properties are not allowed ('line' was unexpected) (at rule)"
	assert_stderr_contains "audit schema: \$T/home/.aigate/audit/2026-11-23.jsonl:3:"
	assert_stderr_contains "error: the last line has no newline (a cut record)"
	assert_stderr_not_contains ".jsonl:1:"
	assert_stderr_contains "assertion failed: audit records do not match $SCHEMA"
	cp "$ERR" "$T/via-server.err"

	LOGDIR=
	hook_run "in a python of its own"
	assert_status 1
	cmp -s "$ERR" "$T/via-server.err" || fail "the direct check's report differs from the run's validator's"

	AUDIT_SCHEMA_SKIP_FILES=("$AG_HOME/audit/2026-11-23.jsonl")
	hook_run "the file left out"
	assert_status 0
	assert_stderr_empty

	make_stable_dir
	hook_log "$STABLE/aigate-audit.jsonl"
	hook_run "a log in \$STABLE"
	assert_status 1
	assert_stderr_contains "$STABLE/aigate-audit.jsonl:2:"

	AUDIT_SCHEMA_CHECK=off
	hook_run "AUDIT_SCHEMA_CHECK=off"
	assert_status 0
	# The case's own check, when it ends, passes: both logs are broken on purpose.
}
