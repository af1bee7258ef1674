# shellcheck shell=bash
# lib.sh — helpers for aigate's integration tests. Sourced by run.sh and,
# through it, by every tests/integration/test_*.sh file.
#
# Each case runs in its own subshell with a fresh temporary directory:
#   $T                 the case's directory (mktemp -d under /tmp)
#   $T/home            HOME of every aigate invocation
#   $AG_HOME           AIGATE_HOME = $T/home/.aigate (not created: init makes it)
#   $CFG               $AG_HOME/config.yaml
#   $PROJ              $T/proj, a git work tree, the default working directory
# aigate always runs as an unprivileged user: when the suite runs as root,
# through setpriv as the system user aigate-test; otherwise as the caller.
# Every invocation gets a clean environment (env -i), so nothing from the
# developer's shell (AIGATE_HOME, AIGATE_LOG_LEVEL, TERM) changes a result.
#
# Assertions print the command, what was expected, what happened and the
# captured stdout/stderr, then end the case (exit 1): like Criterion's
# cr_assert, the first failure ends the case, so later checks never report
# consequences of an earlier failure.

TEST_USER=aigate-test
CLEAN_PATH=/usr/local/bin:/usr/bin:/bin

# ---- the unprivileged user ------------------------------------------------

# Create the test user once, idempotently; several runners may race here.
ensure_test_user() {
	if [ "$(id -u)" -ne 0 ]; then
		TEST_UID=$(id -u)
		TEST_GID=$(id -g)
		AS_USER=()
		return 0
	fi
	if ! id -u "$TEST_USER" >/dev/null 2>&1; then
		# --user-group: its own group of the same name.
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin \
			"$TEST_USER" >/dev/null 2>&1 || id -u "$TEST_USER" >/dev/null 2>&1 || {
			echo "cannot create the test user $TEST_USER" >&2
			return 1
		}
	fi
	TEST_UID=$(id -u "$TEST_USER")
	TEST_GID=$(id -g "$TEST_USER")
	AS_USER=(setpriv "--reuid=$TEST_UID" "--regid=$TEST_GID" --clear-groups --)
}

# ---- per-case setup and cleanup ---------------------------------------------

# Called by the runner inside the case's subshell, before the test function.
case_setup() {
	ensure_test_user || exit 1
	T=$(mktemp -d /tmp/aigate-it.XXXXXXXX) || exit 1
	# The trap runs when the case's subshell exits, whether it passed or not.
	trap 'case_cleanup' EXIT
	HOME_DIR=$T/home
	AG_HOME=$HOME_DIR/.aigate
	CFG=$AG_HOME/config.yaml
	PROJ=$T/proj
	OUT=$T/.stdout
	ERR=$T/.stderr
	CWD=$PROJ
	AG_ENV=()
	LAST_CMD=
	NOTE=
	mkdir -p "$HOME_DIR" "$PROJ"
	git init -q "$PROJ" || exit 1
	fix_owner
}

case_cleanup() {
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		chmod -R u+rwX "$T" 2>/dev/null
		rm -rf "$T"
	fi
	if [ -n "${STABLE:-}" ] && [ -d "$STABLE" ]; then
		rm -rf "$STABLE"
	fi
}

# make_stable_dir — $STABLE: a directory of the test user's outside /tmp
# (on the root file system, which the sandbox sees read-only and no plan
# mount covers), removed with the case. Where the supervisor's fast path
# may answer (docs/supervisor.md): everything under $T lies in the
# sandbox's private /tmp.
make_stable_dir() {
	STABLE=$(mktemp -d /var/tmp/aigate-it.XXXXXXXX) || skip "cannot create a directory under /var/tmp"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$TEST_UID:$TEST_GID" "$STABLE"
	fi
	chmod 0755 "$STABLE"
}

# Give everything under $T to the test user (files written by the test as root).
fix_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$TEST_UID:$TEST_GID" "$T"
	fi
}

# write_file PATH < content — create parent directories, write, hand to the test user.
write_file() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
	fix_owner
}

# write_cfg < content — the global config ($CFG).
write_cfg() {
	write_file "$CFG"
	chmod 0600 "$CFG"
}

# write_cfg_enforceable — the global config: the default policy minus what
# this build cannot enforce and so refuses to run without (exit 125):
# allow_net (the network egress) and resource_limits. Those lines become
# comments, so every line keeps its number.
write_cfg_enforceable() {
	sed -e 's/^allow_net:/#&/' -e 's/^  - "api\.\(anthropic\|openai\|github\)\.com"/#&/' \
		-e 's/^resource_limits:/#&/' -e 's/^  max_/#&/' \
		"$ROOT/policy/default-policy.yaml" | write_cfg
	grep -q '^allow_net:\|^resource_limits:' "$CFG" && fail "setup: unenforceable sections left in $CFG"
	return 0
}

# cfg_line VALUE — the line of `  - "VALUE"` in $CFG (origins say ~/.aigate/config.yaml:LINE).
cfg_line() {
	grep -n -F -x -- "  - \"$1\"" "$CFG" | head -n1 | cut -d: -f1
}

# ---- running aigate ---------------------------------------------------------

# No invocation may hang the suite: a stuck one is killed and reads as exit 124.
AG_TIMEOUT=${AG_TIMEOUT:-30}

# ag_exec CMD ARGS… — run CMD (an aigate binary path) as the test user in $CWD
# with the clean environment; no capture. Extra variables: AG_ENV=(NAME=value …).
ag_exec() {
	local bin=$1
	shift
	(
		cd "$CWD" || exit 99
		exec timeout -k 5 "$AG_TIMEOUT" env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" \
			AIGATE_HOME="$AG_HOME" NO_COLOR=1 LANG=C.UTF-8 "${AG_ENV[@]}" \
			"${AS_USER[@]}" "$bin" "$@"
	)
}

# ag ARGS… — run aigate, capture stdout in $OUT, stderr in $ERR, status in $STATUS.
ag() {
	ag_bin "$AIGATE" "$@"
}

# ag_bin BIN ARGS… — the same with another binary name (the aigate-run symlink).
ag_bin() {
	local bin=$1
	shift
	LAST_CMD="(cd ${CWD#"$T"/}) $(basename "$bin")$(printf ' %q' "$@")"
	ag_exec "$bin" "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

# ag_in DIR ARGS… — ag with DIR as the working directory for this call only.
ag_in() {
	local dir=$1 saved=$CWD
	shift
	CWD=$dir
	ag "$@"
	CWD=$saved
}

# aigate_run_link — the aigate-run symlink: the build's, or one made next to
# the case when `make build/aigate` did not make it. Prints its path.
aigate_run_link() {
	local link=$ROOT/$BUILD/aigate-run
	case "$BUILD" in /*) link=$BUILD/aigate-run ;; esac
	if [ ! -e "$link" ]; then
		mkdir -p "$T/bin"
		ln -s "$AIGATE" "$T/bin/aigate-run"
		fix_owner
		link=$T/bin/aigate-run
	fi
	printf '%s' "$link"
}

# ---- assertions ---------------------------------------------------------------

show_file() {
	local label=$1 file=$2
	if [ ! -e "$file" ]; then
		echo "    --- $label: (missing)"
	elif [ ! -s "$file" ]; then
		echo "    --- $label: (empty)"
	else
		echo "    --- $label:"
		sed -e 's/^/    | /' "$file" | head -n 60
	fi
}

# fail MESSAGE… — print the diagnostic with the last command's output and end the case.
fail() {
	{
		echo "    assertion failed: $*"
		# Where: every caller outside lib.sh, innermost first, up to the case.
		local i where=
		for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
			case "${BASH_SOURCE[$i]##*/}" in lib.sh | run.sh) continue ;; esac
			where="$where${where:+ < }${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]} (${FUNCNAME[$i]})"
		done
		[ -n "$where" ] && echo "    at $where"
		[ -n "${NOTE:-}" ] && echo "    while: $NOTE"
		if [ -n "${LAST_CMD:-}" ]; then
			echo "    last command: $LAST_CMD"
			echo "    exit status: ${STATUS:-?}"
			show_file stdout "$OUT"
			show_file stderr "$ERR"
		fi
	} >&2
	exit 1
}

# NOTE=text (set by a case) is printed with a failure: which table row, which spelling.

# skip REASON — the case cannot run here; the reason is printed.
skip() {
	echo "$*" >"${SKIP_FILE:-/dev/stderr}"
	exit 77
}

assert_status() {
	local note=
	[ "${STATUS:-}" = 124 ] && [ "$1" != 124 ] && note=" (124: killed after ${AG_TIMEOUT}s, it hung)"
	[ "${STATUS:-}" = "$1" ] || fail "exit status: expected $1, got ${STATUS:-none}$note"
}

assert_stdout_contains() {
	grep -qF -- "$1" "$OUT" || fail "stdout should contain: $1"
}

assert_stdout_not_contains() {
	! grep -qF -- "$1" "$OUT" || fail "stdout should not contain: $1"
}

assert_stderr_contains() {
	grep -qF -- "$1" "$ERR" || fail "stderr should contain: $1"
}

assert_stderr_not_contains() {
	! grep -qF -- "$1" "$ERR" || fail "stderr should not contain: $1"
}

# assert_stdout_is TEXT / assert_stderr_is TEXT — the whole output, exactly
# (command substitution drops trailing newlines on both sides).
assert_stdout_is() {
	[ "$(cat "$OUT")" = "$1" ] || fail "stdout should be exactly: $1"
}

assert_stderr_is() {
	[ "$(cat "$ERR")" = "$1" ] || fail "stderr should be exactly: $1"
}

assert_stdout_empty() {
	[ ! -s "$OUT" ] || fail "stdout should be empty"
}

assert_stderr_empty() {
	[ ! -s "$ERR" ] || fail "stderr should be empty"
}

assert_file_contains() {
	[ -f "$1" ] || fail "file $1 does not exist (should contain: $2)"
	grep -qF -- "$2" "$1" || {
		show_file "$1" "$1" >&2
		fail "file $1 should contain: $2"
	}
}

assert_file_not_contains() {
	[ -f "$1" ] || fail "file $1 does not exist"
	! grep -qF -- "$2" "$1" || {
		show_file "$1" "$1" >&2
		fail "file $1 should not contain: $2"
	}
}

assert_eq() {
	[ "$1" = "$2" ] || fail "expected '$2', got '$1'${3:+ ($3)}"
}

# ---- small helpers ------------------------------------------------------------

# Nothing in $AG_HOME but config.yaml (and the audit trail): no temporary or lock file left behind.
assert_no_stray_files() {
	local f stray=
	for f in "$AG_HOME"/* "$AG_HOME"/.[!.]*; do
		[ -e "$f" ] || continue
		case "${f##*/}" in config.yaml | audit) ;; *) stray="$stray ${f##*/}" ;; esac
	done
	[ -z "$stray" ] || fail "files left in $AG_HOME besides config.yaml:$stray"
}

# The line of `  - "VALUE"` in the default policy: origins say "(built-in default):LINE".
default_line() {
	grep -n -F -x -- "  - \"$1\"" "$ROOT/policy/default-policy.yaml" | head -n1 | cut -d: -f1
}

checksum() {
	sha256sum "$1" | cut -d' ' -f1
}

file_mode() {
	stat -c %a "$1"
}

# need_python — skip the case when python3 is not installed (JSON checks need it).
need_python() {
	[ -n "${PYTHON:-}" ] || PYTHON=$(command -v python3)
	[ -n "$PYTHON" ] || skip "python3 is not installed: cannot check JSON output"
}

# json_eval EXPR — print a Python expression evaluated on the JSON in $OUT (as `j`).
json_eval() {
	need_python
	"$PYTHON" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"
}

# ---- tmux helpers (pty tests) --------------------------------------------------

# need_tmux — install tmux when root and it is missing, else skip the case.
need_tmux() {
	if ! command -v tmux >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y tmux >/dev/null 2>&1
	fi
	command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (and cannot be installed: not root or no apt-get)"
}

# wait_until WHAT CMD… — poll CMD (an immediate check) every 50 ms, at most 200
# times; on timeout fail, showing the tmux pane $TMUX_TARGET when there is one.
wait_until() {
	local what=$1 i
	shift
	for ((i = 0; i < 200; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	if [ -n "${TMUX_CMD+x}" ]; then
		"${TMUX_CMD[@]}" capture-pane -p -t "${TMUX_TARGET:-pty}" >"$OUT" 2>&1
		: >"$ERR"
		LAST_CMD="(the tmux pane)"
	fi
	fail "timed out waiting for $what"
}

# ---- processes ---------------------------------------------------------------------

# kill_later PID — kill PID when the case ends, whatever happens.
kill_later() {
	KILL_AT_EXIT="${KILL_AT_EXIT:-} $1"
	# shellcheck disable=SC2086 # a list of pids
	trap '[ -n "$KILL_AT_EXIT" ] && kill -KILL $KILL_AT_EXIT 2>/dev/null; case_cleanup' EXIT
}

# proc_alive PID — PID exists and is not a zombie.
proc_alive() {
	local state
	state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$state" != Z ]
}

# wait_gone PID — poll (50 ms, at most 200 times) until PID has exited.
wait_gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		proc_alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

# ---- audit records ----------------------------------------------------------------

# audit_count FILE KEY=VALUE… — how many JSON lines of FILE have every KEY
# (dotted for nested objects: rule.text) equal to VALUE (compared as text;
# a VALUE starting with ~ is a substring test instead).
audit_count() {
	need_python
	"$PYTHON" - "$@" <<'PY'
import json, sys
path, conds = sys.argv[1], [c.split("=", 1) for c in sys.argv[2:]]
def get(o, k):
    for part in k.split("."):
        if not isinstance(o, dict) or part not in o:
            return None
        o = o[part]
    return o
def ok(rec):
    for k, v in conds:
        got = get(rec, k)
        if got is None:
            return False
        got = got if isinstance(got, str) else json.dumps(got)
        if v.startswith("~"):
            if v[1:] not in got:
                return False
        elif got != v:
            return False
    return True
n = 0
try:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                n += ok(json.loads(line))
except FileNotFoundError:
    pass
print(n)
PY
}

# audit_file — today's default audit trail of the case (aigate run without --audit-log).
audit_file() {
	printf '%s/audit/%s.jsonl' "$AG_HOME" "$(date -u +%Y-%m-%d)"
}

# assert_audit FILE KEY=VALUE… — at least one record of FILE matches (see audit_count).
assert_audit() {
	local file=$1 n
	shift
	n=$(audit_count "$file" "$@")
	[ "${n:-0}" -ge 1 ] || {
		show_file "audit log" "$file" >&2
		fail "no audit record with $*"
	}
}

# assert_no_audit FILE KEY=VALUE… — no record of FILE matches.
assert_no_audit() {
	local file=$1 n
	shift
	n=$(audit_count "$file" "$@")
	[ "${n:-0}" -eq 0 ] || {
		show_file "audit log" "$file" >&2
		fail "$n unexpected audit record(s) with $*"
	}
}
