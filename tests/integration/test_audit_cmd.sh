# shellcheck shell=bash
# shellcheck disable=SC2034 # AG_ENV/NOTE are read by lib.sh
# test_audit_cmd.sh — aigate audit: the summary of audit logs in its three
# formats (compared with tests/golden/), the filters, the daily files of the
# config dir, bad input and usage errors, and --follow on a growing log.

SAMPLE_SESSION_A=5f0c2a9e7b1d4c38
SAMPLE_SESSION_B=a1b2c3d4e5f60718

# sample [PATH] — the hand-written sample log (tests/fixtures/audit_sample.jsonl)
# copied to PATH (default $T/audit.jsonl), readable by the test user.
sample() {
	local to=${1:-$T/audit.jsonl}
	write_file "$to" <"$ROOT/tests/fixtures/audit_sample.jsonl"
}

# assert_golden NAME — stdout is exactly tests/golden/NAME.
assert_golden() {
	diff -u "$ROOT/tests/golden/$1" "$OUT" >"$T/golden.diff" || {
		show_file "diff against tests/golden/$1" "$T/golden.diff" >&2
		fail "stdout differs from tests/golden/$1"
	}
}

# record TS SESSION SEQ ACTION [EXTRA_JSON] — one audit line (no newline).
record() {
	printf '{"ts":"%s","session":"%s","seq":%s,"action":"%s","enforcer":"supervisor"%s}' \
		"$1" "$2" "$3" "$4" "${5:+,$5}"
}

test_audit_cmd_golden_table() {
	sample
	ag audit "$T/audit.jsonl"
	assert_status 0
	assert_golden audit_summary.txt
	assert_stderr_empty
}

test_audit_cmd_golden_json() {
	sample
	ag audit --format json "$T/audit.jsonl"
	assert_status 0
	assert_golden audit_summary.json
	need_python
	"$PYTHON" -c 'import json,sys; json.load(sys.stdin)' <"$OUT" || fail "not valid JSON"
	assert_eq "$(json_eval "j['totals']['denials']")" 15
}

test_audit_cmd_golden_markdown() {
	sample
	ag audit --format=markdown "$T/audit.jsonl"
	assert_status 0
	assert_golden audit_summary.md
	# The same bytes from stdin, and with the options after the file.
	ag audit - --format markdown <"$T/audit.jsonl"
	assert_status 0
	assert_golden audit_summary.md
}

test_audit_cmd_daily_files() {
	# No FILE: every *.jsonl of ~/.aigate/audit in name order; other names are ignored.
	sample "$AG_HOME/audit/2026-11-23.jsonl"
	echo 'not a record' | write_file "$AG_HOME/audit/notes.txt"
	ag audit
	assert_status 0
	assert_golden audit_summary.txt
	# --since skips the files of earlier days unread (this one would be an error).
	AUDIT_SCHEMA_SKIP_FILES=("$AG_HOME/audit/2026-11-22.jsonl")
	echo '{"broken":' | write_file "$AG_HOME/audit/2026-11-22.jsonl"
	ag audit --since 2026-11-23
	assert_status 0
	assert_golden audit_summary.txt
	ag audit
	assert_status 1
	assert_stderr_contains "$AG_HOME/audit/2026-11-22.jsonl:1: error: not an audit record (invalid JSON at column 11: unexpected end of input)"
	assert_stdout_contains "aigate audit: 2 sessions, 15 denials"
}

test_audit_cmd_no_logs_yet() {
	ag audit
	assert_status 0
	assert_stdout_contains "aigate audit: 0 sessions, 0 denials"
	assert_stderr_empty
}

test_audit_cmd_session_filter() {
	sample
	ag audit --session "$SAMPLE_SESSION_B" --format json "$T/audit.jsonl"
	assert_status 0
	assert_eq "$(json_eval "[s['id'] for s in j['sessions']]")" "['$SAMPLE_SESSION_B']"
	assert_eq "$(json_eval "j['totals']['denials']")" 4
	assert_eq "$(json_eval "j['totals']['killed']")" 1
	assert_eq "$(json_eval "j['masks']")" \
		"[{'name': 'github', 'stream': 'stderr', 'count': 1}, {'name': 'openai', 'stream': 'stdout', 'count': 1}]"
	ag audit --session nosuchsession "$T/audit.jsonl"
	assert_status 0
	assert_stdout_contains "aigate audit: 0 sessions, 0 denials"
}

test_audit_cmd_since_filter() {
	sample
	# From B's start on: only B's records.
	ag audit --since 2026-11-23T15:30:00Z --format json "$T/audit.jsonl"
	assert_status 0
	assert_eq "$(json_eval "[s['id'] for s in j['sessions']]")" "['$SAMPLE_SESSION_B']"
	# An offset is a time like any other: 16:02:15+02:00 is 14:02:15Z (ts >= TIME).
	ag audit --since 2026-11-23T16:02:15+02:00 --session "$SAMPLE_SESSION_A" --format json "$T/audit.jsonl"
	assert_status 0
	assert_eq "$(json_eval "j['totals']['records']")" 4
	assert_eq "$(json_eval "j['totals']['denials']")" 8
	assert_eq "$(json_eval "j['sessions'][0]['start']")" None
	# A duration counts back from now.
	local old new
	old=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.000000Z)
	new=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%S.000000Z)
	{
		record "$old" 1111111111111111 1 open '"pid":5,"exe":"/usr/bin/cat","rule":{"text":".env","origin":"c:1"},"verdict":"denied"'
		echo
		record "$new" 2222222222222222 1 open '"pid":6,"exe":"/usr/bin/cat","rule":{"text":".env","origin":"c:1"},"verdict":"denied"'
		echo
	} | write_file "$T/recent.jsonl"
	ag audit --since 1h --format json "$T/recent.jsonl"
	assert_status 0
	assert_eq "$(json_eval "[s['id'] for s in j['sessions']]")" "['2222222222222222']"
	ag audit --since 4h --format json "$T/recent.jsonl"
	assert_eq "$(json_eval "j['totals']['sessions']")" 2
}

test_audit_cmd_malformed_lines() {
	sample
	AUDIT_SCHEMA_SKIP_FILES=("$T/audit.jsonl")
	{
		echo 'this is not json'
		echo '[1,2]'
		echo '{"ts":"2026-11-23T16:00:00Z","session":"x","action":"open"}'
		echo '{"ts":"2026-11-23T16:00:00Z","session":"x","seq":1,"action":"open","verdict":"denied"'
		printf '{"ts":"2026-11-23T16:00:01Z","session":"cccccccccccccccc","seq":1,"action":"open","verdict":"denied","rule":{"text":"last","origin":"o:1"}}'
	} >>"$T/audit.jsonl"
	ag audit "$T/audit.jsonl"
	assert_status 1
	assert_stderr_contains "aigate: $T/audit.jsonl:18: error: not an audit record (invalid JSON at column 1: invalid value)"
	assert_stderr_contains "$T/audit.jsonl:19: error: not an audit record (not a JSON object)"
	assert_stderr_contains "$T/audit.jsonl:20: error: not an audit record (missing \"seq\")"
	assert_stderr_contains "$T/audit.jsonl:21: error: not an audit record (invalid JSON at column 86: unexpected end of input)"
	[ "$(wc -l <"$ERR")" = 4 ] || fail "one message per bad line"
	# The valid records are still summarised, the last one without its newline too.
	assert_stdout_contains "aigate audit: 3 sessions, 16 denials (1 killed, 7 suppressed), 4 masked secrets, 1 allowed exec, 1 truncated record, 4 invalid lines"
	assert_stdout_contains "      1  last            o:1"
}

test_audit_cmd_long_line() {
	# A line over 1 MiB is refused without being held whole; the next one is read.
	need_python
	AUDIT_SCHEMA_SKIP_FILES=("$T/audit.jsonl")
	"$PYTHON" -c 'import sys; sys.stdout.write("{\"x\":\"" + "a" * (3 << 20) + "\"}\n")' >"$T/audit.jsonl"
	sed -n 2p "$ROOT/tests/fixtures/audit_sample.jsonl" >>"$T/audit.jsonl"
	fix_owner
	ag audit "$T/audit.jsonl"
	assert_status 1
	assert_stderr_is "aigate: $T/audit.jsonl:1: error: not an audit record (longer than 1 MiB)"
	assert_stdout_contains "1 session, 1 denial, 1 invalid line"
}

test_audit_cmd_missing_file() {
	sample
	ag audit "$T/nope.jsonl" "$T/audit.jsonl"
	assert_status 1
	assert_stderr_is "aigate: error: cannot read $T/nope.jsonl: No such file or directory"
	# The files that could be read are still summarised.
	assert_stdout_contains "aigate audit: 2 sessions, 15 denials"
	ag audit "$T"
	assert_status 1
	assert_stderr_contains "cannot read $T: Is a directory"
}

test_audit_cmd_usage_errors() {
	sample
	ag audit --format xml "$T/audit.jsonl"
	assert_status 2
	assert_stderr_contains "invalid --format 'xml': expected table, json or markdown"
	assert_stderr_contains "Try 'aigate audit --help'."
	assert_stdout_empty
	ag audit --since yesterday "$T/audit.jsonl"
	assert_status 2
	assert_stderr_contains "invalid --since 'yesterday'"
	ag audit --since 2026-02-30 "$T/audit.jsonl"
	assert_status 2
	assert_stderr_contains "invalid --since '2026-02-30'"
	ag audit --format
	assert_status 2
	assert_stderr_contains "option '--format' needs a value"
	ag audit --frobnicate
	assert_status 2
	assert_stderr_contains "unknown option '--frobnicate'"
	ag audit --follow a b
	assert_status 2
	assert_stderr_contains "--follow follows one FILE"
	ag audit --follow -
	assert_status 2
	ag audit --follow --format json "$T/audit.jsonl"
	assert_status 2
	ag audit --help
	assert_status 0
	assert_stdout_contains "Usage: aigate audit [FILE…]"
	assert_stdout_contains "Exit: 0 done, 1"
	ag help
	assert_stdout_contains "  audit [FILE…] [OPTIONS]"
}

# ---- --follow -------------------------------------------------------------------------------

# follow_start ARGS… — `aigate audit --follow ARGS…` in the background; its
# exit status lands in $T/follow.rc. Sets FOLLOW_JOB.
follow_start() {
	LAST_CMD="(background) aigate audit --follow$(printf ' %q' "$@")"
	(
		ag_exec "$AIGATE" audit --follow "$@" >"$OUT" 2>"$ERR"
		echo $? >"$T/follow.rc"
	) &
	FOLLOW_JOB=$!
	kill_later "$FOLLOW_JOB"
}

# aigate's own pid: the job runs timeout(1), whose child is aigate (env and setpriv exec).
follower_found() {
	local t
	t=$(pgrep -P "$FOLLOW_JOB" | head -n1) && [ -n "$t" ] || return 1
	FOLLOW_PID=$(pgrep -P "$t" | head -n1) && [ -n "$FOLLOW_PID" ] || return 1
	[ "$(readlink "/proc/$FOLLOW_PID/exe")" = "$(readlink -f "$AIGATE")" ]
}

# The follower has an inotify watch (so it has opened the log: what is appended now is new).
follower_watching() {
	local f
	for f in /proc/"$FOLLOW_PID"/fdinfo/*; do
		grep -q '^inotify wd:' "$f" 2>/dev/null && return 0
	done
	return 1
}

# The follower's read position in the log is its size: it has read everything written.
follower_read_all() {
	local fd size
	size=$(stat -c %s "$LOG")
	for fd in /proc/"$FOLLOW_PID"/fd/*; do
		[ "$(readlink "$fd")" = "$LOG" ] || continue
		grep -q "^pos:[[:space:]]*$size\$" "/proc/$FOLLOW_PID/fdinfo/${fd##*/}" && return 0
	done
	return 1
}

follower_printed() {
	grep -qF -- "$1" "$OUT"
}

follower_done() {
	[ -s "$T/follow.rc" ]
}

append() {
	printf '%s' "$1" >>"$LOG"
}

test_audit_cmd_follow_session() {
	local S=0123456789abcdef denial part1 part2
	LOG=$T/live.jsonl
	AUDIT_SCHEMA_SKIP_FILES=("$LOG") # a bad line on purpose; short session records
	{
		record 2026-11-23T14:00:00.000000Z "$S" 1 session_start '"pid":77,"command":["claude","-p","hi"]'
		echo
		record 2026-11-23T14:00:00.500000Z ffffffffffffffff 1 session_start '"command":["other"]'
		echo
	} | write_file "$LOG"
	follow_start --session "$S" "$LOG"
	wait_until "the session start line" follower_printed "14:00:00 session $S started: claude -p hi"
	wait_until "the follower's pid" follower_found

	# A record written in two parts: nothing is shown until its newline arrives.
	denial=$(record 2026-11-23T14:00:01.000000Z "$S" 2 open '"pid":123,"exe":"/usr/bin/cat","target":"/home/u/proj/k\u00ff.env","rule":{"text":".env","origin":"~/.aigate/config.yaml:3"},"verdict":"denied","errno":"EACCES"')
	part1=${denial:0:60}
	part2=${denial:60}
	append "$part1"
	wait_until "the follower to read the first part" follower_read_all
	! follower_printed "14:00:01" || fail "a partial line was printed"
	append "$part2"$'\n'
	wait_until "the denial line" follower_printed \
		"14:00:01 denied open /home/u/proj/k\\xff.env  \".env\" (~/.aigate/config.yaml:3)  cat[123]"

	# Another session's records are not shown; a bad line is reported and skipped.
	append "$(record 2026-11-23T14:00:02.000000Z ffffffffffffffff 2 open '"pid":9,"verdict":"denied","rule":{"text":"other","origin":"o:1"}')"$'\n'
	append $'{"ts":\n'
	append "$(record 2026-11-23T14:00:03.000000Z "$S" 3 mask '"target":"openai","stream":"stdout","count":2,"verdict":"masked"')"$'\n'
	wait_until "the mask line" follower_printed "14:00:03 masked 2 openai on stdout"
	follower_done && fail "the follower ended before the session did"

	# The session's end ends the follower.
	append "$(record 2026-11-23T14:00:04.000000Z "$S" 4 session_end '"exit_status":0,"cmd_status":0,"denied":1,"suppressed":0,"lost":0')"$'\n'
	wait_until "the follower to exit" follower_done
	STATUS=$(cat "$T/follow.rc")
	assert_status 1 # the bad line
	assert_stderr_is "aigate: $LOG:5: error: not an audit record (invalid JSON at column 7: unexpected end of input)"
	assert_stdout_is "14:00:00 session $S started: claude -p hi
14:00:01 denied open /home/u/proj/k\\xff.env  \".env\" (~/.aigate/config.yaml:3)  cat[123]
14:00:03 masked 2 openai on stdout
14:00:04 session $S ended: exit 0, 1 denied"
}

test_audit_cmd_follow_clean_end() {
	# Without bad lines the follower exits 0 at the session's end, also when the end is already there.
	sample
	LOG=$T/audit.jsonl
	follow_start --session "$SAMPLE_SESSION_A" "$LOG"
	wait_until "the follower to exit" follower_done
	STATUS=$(cat "$T/follow.rc")
	assert_status 0
	assert_stderr_empty
	[ "$(wc -l <"$OUT")" = 9 ] || fail "one line per record of session A"
	assert_stdout_contains "14:02:19 suppressed 3 open  \".env\" (~/.aigate/config.yaml:3)  ?[12]"
}

test_audit_cmd_follow_until_signal() {
	# No --session: only what is appended after the start, until SIGTERM (exit 0).
	sample
	LOG=$T/audit.jsonl
	follow_start "$LOG"
	wait_until "the follower's pid" follower_found
	wait_until "the follower's inotify watch" follower_watching
	append "$(record 2026-11-23T18:00:00.000000Z eeeeeeeeeeeeeeee 1 exec '"pid":5,"exe":"/usr/bin/bash","target":"/usr/bin/git","verdict":"allowed"')"$'\n'
	wait_until "the new record" follower_printed "18:00:00 allowed exec /usr/bin/git  bash[5]"
	kill -TERM "$FOLLOW_PID"
	wait_until "the follower to exit" follower_done
	STATUS=$(cat "$T/follow.rc")
	assert_status 0
	assert_stderr_empty
	assert_stdout_is "18:00:00 allowed exec /usr/bin/git  bash[5]"
}

test_audit_cmd_follow_missing_file() {
	ag audit --follow "$T/nope.jsonl"
	assert_status 1
	assert_stderr_is "aigate: error: cannot read $T/nope.jsonl: No such file or directory"
}
