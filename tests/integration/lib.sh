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
#
# Every audit record a case leaves behind is checked against
# docs/audit.schema.json when the case ends (audit_schema_check_case, from
# case_cleanup): the logs are $AUDIT and every *.jsonl under $T and $STABLE
# ($AG_HOME/audit/ included). A record that does not match fails the case.
# A case that breaks a log on purpose opts out, saying which:
#   AUDIT_SCHEMA_SKIP_FILES=("$T/cut.jsonl" …)   these files are not checked
#   AUDIT_SCHEMA_CHECK=off                        nothing of the case is
# In the environment of run.sh, AUDIT_SCHEMA_CHECK=off turns the check off
# for every case, and AUDIT_SCHEMA=FILE checks against another schema.

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
	AG_RUN_OPTS=("${SUITE_RUN_OPTS[@]}")
	LAST_CMD=
	NOTE=
	mkdir -p "$HOME_DIR" "$PROJ"
	git init -q "$PROJ" || exit 1
	fix_owner
	RUNG=1
	# IT_RUNG=2|3 runs a whole suite on that rung (exploration; test_ladder.sh pins cases).
	[ -n "${IT_RUNG:-}" ] && use_rung "$IT_RUNG"
	return 0
}

# Runs from the EXIT trap: exiting 1 here turns the case into a failure,
# returning keeps its own status (pass, fail or skip).
# use_rung 2|3 — from here on run aigate (and `as_user` programs) where no
# namespace can be made (tests/integration/no_userns.sh): rung 2 of the
# fallback ladder; 3 also without Landlock (AIGATE_TEST_NO_LANDLOCK=1, a
# test-only switch) and with --allow-degraded, which rung 3 always needs.
use_rung() {
	command -v unshare >/dev/null 2>&1 || skip "unshare(1) (util-linux) is not installed"
	AS_USER+=(unshare --user --map-root-user "$ROOT/tests/integration/no_userns.sh")
	if [ "$1" = 3 ]; then
		AG_ENV+=(AIGATE_TEST_NO_LANDLOCK=1)
		AG_RUN_OPTS+=(--allow-degraded)
	fi
	RUNG=$1
}

case_cleanup() {
	local schema_failed=false
	[ -n "${T:-}" ] && [ -d "$T" ] && chmod -R u+rwX "$T" 2>/dev/null
	audit_schema_check_case || schema_failed=true
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		rm -rf "$T"
	fi
	if [ -n "${STABLE:-}" ] && [ -d "$STABLE" ]; then
		rm -rf "$STABLE"
	fi
	if $schema_failed; then
		exit 1
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
# this build cannot enforce and so refuses to run without (exit 125),
# resource_limits, and minus allow_net, so that suites about other layers
# keep the host's network (test_net.sh tests allow_net). Those lines
# become comments, so every line keeps its number.
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

# redteam_cc NAME OUT — compile tests/redteam/NAME.c statically (no libc
# wrapper or shim can interfere with its system calls) into OUT, owned by
# the test user; skip the case when there is no compiler or no libc.a.
redteam_cc() {
	command -v cc >/dev/null 2>&1 || skip "no C compiler (cc) to build tests/redteam/$1.c"
	mkdir -p "$(dirname "$2")"
	LAST_CMD="cc -static tests/redteam/$1.c"
	cc -std=gnu17 -D_GNU_SOURCE -O1 -static -pthread -o "$2" "$ROOT/tests/redteam/$1.c" >"$OUT" 2>"$ERR"
	STATUS=$?
	if [ "$STATUS" != 0 ] && grep -q 'cannot find -lc\|cannot find -lpthread' "$ERR"; then
		skip "no static C library (libc6-dev's libc.a) for cc -static"
	fi
	assert_status 0
	fix_owner
}

# ---- running aigate ---------------------------------------------------------

# No invocation may hang the suite: a stuck one is killed and reads as exit 124.
AG_TIMEOUT=${AG_TIMEOUT:-30}

# ag_exec CMD ARGS… — run CMD (an aigate binary path) as the test user in $CWD
# with the clean environment; no capture. Extra variables: AG_ENV=(NAME=value …).
ag_exec() {
	local bin=$1
	shift
	# Suites about the kernel side set SUITE_RUN_OPTS=(--no-shim) (copied
	# to AG_RUN_OPTS per case): the shim would answer first for dynamic
	# programs (test_shim*.sh test it).
	if [ "${1:-}" = run ] && [ "${#AG_RUN_OPTS[@]}" -gt 0 ]; then
		shift
		set -- run "${AG_RUN_OPTS[@]}" "$@"
	fi
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
AUDIT_COUNT_PY=$(cat <<'PY'
import json, os, sys
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
total = bool(os.environ.get("AUDIT_TOTAL"))
n = 0
try:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if not ok(rec):
                continue
            if total:  # the events it stands for: itself (unless a summary) and its drops
                n += (0 if rec.get("summary") else 1) + rec.get("suppressed", 0)
            else:
                n += 1
except FileNotFoundError:
    pass
print(n)
PY
)
audit_count() {
	need_python
	AUDIT_TOTAL= "$PYTHON" -c "$AUDIT_COUNT_PY" "$@"
}

# audit_total FILE KEY=VALUE… — the events the matching records stand for:
# each record, plus the drops it reports ("suppressed"), a rate-limit
# summary record only for its drops (docs/audit.md, "Rate limiting").
audit_total() {
	need_python
	AUDIT_TOTAL=1 "$PYTHON" -c "$AUDIT_COUNT_PY" "$@"
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

# ---- the audit schema check (every case) -----------------------------------------
#
# audit_schema_check_case (from case_cleanup) checks every line of the
# case's logs against docs/audit.schema.json with python3-jsonschema
# (Draft202012Validator, format checking off: the schema's patterns do the
# work). Besides the schema, a line must be UTF-8, one JSON object without
# duplicate keys or NaN, and end with a newline.
#
# Importing jsonschema takes ~100 ms, more than most cases, so under run.sh
# one python process serves the whole run: the first case that has records
# starts it (setsid, stdio on /dev/null, every other fd closed, so it holds
# no pipe of the runner's); later cases hand it their files through a FIFO
# in run.sh's $LOGDIR and read the verdict back, with builtins only. It
# reloads the schema when the file changes and exits within a second of
# run.sh ending or $LOGDIR going away. Without $LOGDIR, or when the server
# cannot start or dies, each case starts python itself.

# The validator, one script for both ways: `check T SCHEMA FILE…` (exit 0
# all valid, 1 some line is not, 3 no jsonschema in this python) and
# `serve DIR RUNPID` (requests on DIR/req; see audit_schema_via_server).
IFS= read -r -d '' AUDIT_SCHEMA_PY <<'PY' || :
import json, os, sys

def shown(tdir, path):
    if tdir and path.startswith(tdir + "/"):
        return "$T" + path[len(tdir):]
    return path

def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %r" % k)
        obj[k] = v
    return obj

def no_constant(name):
    raise ValueError("%s is not JSON" % name)

def cut(text, n):
    return text if len(text) <= n else text[:n] + "...(%d more)" % (len(text) - n)

def problems(validator, raw):
    if not raw.strip():
        return ["an empty line"]
    try:
        rec = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates,
                         parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError) as e:
        return ["not one JSON record: %s" % e]
    errs = []
    for e in validator.iter_errors(rec):
        where = ".".join(str(p) for p in e.absolute_path)
        msg = cut(e.message, 300) + (" (at %s)" % where if where else "")
        if msg not in errs:
            errs.append(msg)
    return errs

def check(validator, tdir, files, out):
    bad = 0
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print("    audit schema: %s: cannot read: %s" % (shown(tdir, path), e.strerror), file=out)
            bad += 1
            continue
        lines = data.split(b"\n")
        tail = lines.pop()  # what follows the last newline: nothing in a sound log
        if tail:
            lines.append(tail)
        for n, raw in enumerate(lines, 1):
            errs = problems(validator, raw)
            if tail and n == len(lines):
                errs.append("the last line has no newline (a cut record)")
            if not errs:
                continue
            bad += 1
            if bad > 5:
                continue
            print("    audit schema: %s:%d:" % (shown(tdir, path), n), file=out)
            print("      record: %s" % cut(raw.decode("utf-8", "backslashreplace"), 2000), file=out)
            for e in errs[:8]:
                print("      error: %s" % e, file=out)
    if bad > 5:
        print("    audit schema: ... and %d more lines that do not match" % (bad - 5), file=out)
    return 1 if bad else 0

def validator_for(schema_path, cache):
    from jsonschema import Draft202012Validator
    mtime = os.stat(schema_path).st_mtime_ns
    if cache.get(schema_path, (None,))[0] != mtime:
        with open(schema_path, encoding="utf-8") as f:
            cache[schema_path] = (mtime, Draft202012Validator(json.load(f), format_checker=None))
    return cache[schema_path][1]

def serve(d, runpid):
    import io, select
    os.closerange(3, 65536)  # no pipe of the runner's held open
    try:
        os.setsid()  # out of the case's process group: its kills are not for us
    except OSError:
        pass
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        open(d + "/noschema", "w").close()
        return
    cache = {}
    req = os.open(d + "/req", os.O_RDWR)  # never EOF, never blocks a client
    with open(d + "/pid", "w") as f:
        f.write("%d\n" % os.getpid())
    open(d + "/ready", "w").close()
    buf = b""
    while True:
        if not select.select([req], [], [], 1.0)[0]:
            try:
                os.kill(runpid, 0)
            except ProcessLookupError:
                return
            if not os.path.isdir(d):
                return
            continue
        buf += os.read(req, 1 << 16)
        # A request: NUL-terminated fields, the first the count of the rest:
        # REPLY TAG T SCHEMA FILE…
        while True:
            parts = buf.split(b"\0")
            if len(parts) < 2:
                break
            n = int(parts[0])
            if len(parts) < n + 2:
                break
            fields = [os.fsdecode(x) for x in parts[1:n + 1]]
            buf = b"\0".join(parts[n + 1:])
            reply, tag, tdir, schema_path, files = fields[0], fields[1], fields[2], fields[3], fields[4:]
            out = io.StringIO()
            try:
                rc = check(validator_for(schema_path, cache), tdir if tdir != "-" else "", files, out)
            except Exception as e:  # a broken schema file: say so, do not die
                print("    audit schema: %s: %s" % (schema_path, e), file=out)
                rc = 1
            out.write("\x01%s %d\n" % (tag, rc))
            try:
                fd = os.open(reply, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue  # the client gave up
            try:
                os.write(fd, out.getvalue().encode("utf-8", "backslashreplace"))
            except OSError:
                pass
            os.close(fd)

if sys.argv[1] == "serve":
    serve(sys.argv[2], int(sys.argv[3]))
else:
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        sys.exit(3)
    tdir, schema_path, files = sys.argv[2], sys.argv[3], sys.argv[4:]
    sys.exit(check(validator_for(schema_path, {}), tdir, files, sys.stderr))
PY

# audit_schema_python — print a python3 that has jsonschema: $PYTHON, else
# Debian's /usr/bin/python3 (python3-jsonschema; a version manager's python
# may lack it). Fails when neither has it.
audit_schema_python() {
	local py
	for py in "${PYTHON:-}" /usr/bin/python3; do
		[ -x "${py:-/nonexistent}" ] || continue
		if "$py" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("jsonschema") is None)' 2>/dev/null; then
			printf '%s' "$py"
			return 0
		fi
	done
	return 1
}

# audit_schema_server_up DIR — the run's validator is serving in DIR, started
# now if need be. Fails when it cannot be (then: audit_schema_direct).
audit_schema_server_up() {
	local d=$1 pid py i
	if [ -e "$d/ready" ] && read -r pid <"$d/pid" 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
		return 0
	fi
	[ -e "$d/failed" ] && return 1 # once per run is enough
	rm -rf "$d"
	mkdir -m 0700 "$d" && mkfifo "$d/req" "$d/reply" || return 1
	for py in "${PYTHON:-}" /usr/bin/python3; do
		[ -x "${py:-/nonexistent}" ] || continue
		rm -f "$d/noschema"
		"$py" -c "$AUDIT_SCHEMA_PY" serve "$d" "$$" </dev/null >/dev/null 2>&1 &
		for ((i = 0; i < 500; i++)); do
			[ -e "$d/ready" ] && return 0
			[ -e "$d/noschema" ] && break
			sleep 0.01
		done
		kill "$!" 2>/dev/null
	done
	: >"$d/failed"
	return 1
}

# audit_schema_via_server SCHEMA FILE… — audit_schema_direct through the
# run's validator. Exit 0 or 1 as the check says; 2 when the server is not
# usable (nothing was decided).
audit_schema_via_server() {
	local schema=$1 d=${LOGDIR:-}/audit-schema tag line rc='' fd pid
	shift
	[ -n "${LOGDIR:-}" ] && [ -d "$LOGDIR" ] || return 2
	audit_schema_server_up "$d" || return 2
	read -r pid <"$d/pid" || return 2
	tag=$BASHPID.$RANDOM
	# Both FIFOs opened read-write: opening never blocks, whatever the server does.
	exec {fd}<>"$d/reply"
	printf '%s\0' "$((4 + $#))" "$d/reply" "$tag" "${T:--}" "$schema" "$@" 1<>"$d/req"
	while [ -z "$rc" ]; do
		if ! IFS= read -r -t 5 line <&"$fd"; then
			kill -0 "$pid" 2>/dev/null && continue # a long log: still at it
			break
		fi
		case $line in
		$'\x01'"$tag "*) rc=${line##* } ;;
		$'\x01'*) ;; # the end of an answer nobody waited for
		*) printf '%s\n' "$line" >&2 ;;
		esac
	done
	exec {fd}<&-
	[ -n "$rc" ] || return 2
	return "$rc"
}

# audit_schema_direct SCHEMA FILE… — check FILE… in a python of its own.
# Exit 0 all valid, 1 some line is not, 3 no python with jsonschema.
audit_schema_direct() {
	local py rc=3
	for py in "${PYTHON:-}" /usr/bin/python3; do
		[ -x "${py:-/nonexistent}" ] || continue
		"$py" -c "$AUDIT_SCHEMA_PY" check "${T:-}" "$@"
		rc=$?
		[ "$rc" = 3 ] || break
	done
	return "$rc"
}

# audit_schema_check_case — check the case's audit logs (see the top of this
# file) unless it opted out; fails (1) with the diagnostic on stderr. Costs
# a find(1) and nothing more when the case left no record.
audit_schema_check_case() {
	[ "${AUDIT_SCHEMA_CHECK:-on}" = off ] && return 0
	local schema=${AUDIT_SCHEMA:-$ROOT/docs/audit.schema.json}
	local -a dirs=() found=() files=()
	local -A seen=()
	local f s skip rc
	[ -n "${T:-}" ] && [ -d "$T" ] && dirs+=("$T")
	[ -n "${STABLE:-}" ] && [ -d "$STABLE" ] && dirs+=("$STABLE")
	[ -n "${AUDIT:-}" ] && [ -f "$AUDIT" ] && [ -s "$AUDIT" ] && found+=("$AUDIT")
	if [ ${#dirs[@]} -gt 0 ]; then
		mapfile -d '' -O "${#found[@]}" found < <(find "${dirs[@]}" -type f -name '*.jsonl' -size +0 -print0 2>/dev/null)
	fi
	for f in "${found[@]}"; do
		[ -z "${seen[$f]:-}" ] || continue
		seen[$f]=1
		skip=false
		for s in "${AUDIT_SCHEMA_SKIP_FILES[@]}"; do
			[ "$f" = "$s" ] && skip=true
		done
		$skip || files+=("$f")
	done
	[ ${#files[@]} -eq 0 ] && return 0

	audit_schema_via_server "$schema" "${files[@]}"
	rc=$?
	if [ "$rc" = 2 ]; then
		audit_schema_direct "$schema" "${files[@]}"
		rc=$?
	fi
	case $rc in
	0) return 0 ;;
	3) echo "    assertion failed: cannot check the audit logs against $schema:" \
		"python3-jsonschema is not installed (make deps)" >&2 ;;
	*) echo "    assertion failed: audit records do not match $schema" \
		"(a case that breaks a log on purpose: AUDIT_SCHEMA_SKIP_FILES, see lib.sh)" >&2 ;;
	esac
	return 1
}
