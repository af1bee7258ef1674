# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034,SC2088 # $… in single quotes is for the inner shell; NOTE/LAST_CMD/STATUS are read by lib.sh; literal "~/" in origins
# test_shim.sh — libaigate_shim.so on its own (issue 6), with no sandbox:
# build/shim-harness (tools/shim_harness.c) loads the effective policy,
# hands the shim a sealed policy memfd and an audit socket exactly as the
# launcher does (shim/shim_protocol.h), runs the command with LD_PRELOAD and
# writes every message the shim sent to $MSGS, one line per message:
#   pid=N<TAB>v=1<TAB>action=exec<TAB>verdict=denied<TAB>…
# The shim is advisory (the supervisor is the boundary, test_supervisor.sh);
# these cases are about what the shim itself does at each entry point.
#
# tests/redteam/shim_calls.c, built DYNAMICALLY (a static program never
# loads the shim), calls one named entry point and prints what it saw.
# Fake kubectl and curl scripts in $T/bin (first in PATH) print
# "kubectl ran: ARGS": their output is the evidence that a command ran.
#
# Every deny case asserts the caller's result (errno / status), the stderr
# line naming the rule and its file:line, and the audit message (action,
# verdict, list, rule index, target, call, errno). Every allow case asserts
# that the command ran, that nothing was printed and that no message was sent.

SHIM_SECRET=aigate-shim-secret-7f3a91c2

# shim_setup — the default policy (enforceable parts) as the global config,
# fake commands, a project with .env (the secret) and ok.txt, shim_calls.
shim_setup() {
	HARNESS=$ROOT/$BUILD/shim-harness
	case "$BUILD" in /*) HARNESS=$BUILD/shim-harness ;; esac
	SHIM_LIB=$(dirname "$HARNESS")/libaigate_shim.so
	[ -x "$HARNESS" ] || fail "setup: $HARNESS is missing (make)"
	[ -f "$SHIM_LIB" ] || fail "setup: $SHIM_LIB is missing (make)"
	write_cfg_enforceable
	MSGS=$T/msgs
	BIN=$T/bin
	mkdir -p "$BIN"
	printf '#!/bin/sh\necho "kubectl ran: $*"\n' >"$BIN/kubectl"
	printf '#!/bin/sh\necho "curl ran: $*"\n' >"$BIN/curl"
	chmod 0755 "$BIN/kubectl" "$BIN/curl"
	write_file "$PROJ/.env" <<<"API_KEY=$SHIM_SECRET"
	write_file "$PROJ/ok.txt" <<<"hello"
	printf '.env\nok.txt\n' >>"$PROJ/.git/info/exclude"
	SC=$T/shim_calls
	command -v cc >/dev/null 2>&1 || skip "no C compiler (cc) to build tests/redteam/shim_calls.c"
	LAST_CMD="cc tests/redteam/shim_calls.c (dynamic)"
	cc -std=gnu17 -D_GNU_SOURCE -O1 -pthread -o "$SC" "$ROOT/tests/redteam/shim_calls.c" >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	fix_owner
	chmod 0600 "$CFG"
	KUBECTL_DELETE_LINE=$(cfg_line "kubectl delete")
	KUBECTL_DELETE_IDX=$(rule_index deny_exec "kubectl delete")
	CURL_LINE=$(cfg_line curl)
	CURL_IDX=$(rule_index deny_exec curl)
	ENV_LINE=$(cfg_line .env)
	ENV_IDX=$(rule_index deny_read .env)
}

# rule_index LIST VALUE — the index of `  - "VALUE"` in LIST of $CFG (what
# the message's rule= says: the launcher looks the rule up in its blob).
rule_index() {
	awk -v list="$1:" -v want="  - \"$2\"" '
		/^[a-z_]+:/ { in_list = ($1 == list); n = 0; next }
		in_list && /^  - / { if ($0 == want) { print n; exit } n++ }' "$CFG"
}

# shim_run ARG… — shim-harness ARG… as the test user in $PROJ with a clean
# environment ($T/bin first in PATH); stdout $OUT, stderr $ERR, messages $MSGS.
shim_run() {
	rm -f "$MSGS"
	LAST_CMD="shim-harness$(printf ' %q' "$@")"
	(cd "$PROJ" && exec timeout -k 5 "$AG_TIMEOUT" env -i PATH="$BIN:$CLEAN_PATH" \
		HOME="$HOME_DIR" AIGATE_HOME="$AG_HOME" LANG=C.UTF-8 "${SHIM_ENV[@]}" \
		"${AS_USER[@]}" "$HARNESS" "${HARNESS_OPTS[@]}" --out "$MSGS" -- "$@") >"$OUT" 2>"$ERR"
	STATUS=$?
	[ -f "$MSGS" ] || fail "shim-harness wrote no message file"
}
SHIM_ENV=()
HARNESS_OPTS=() # e.g. (--no-policy): see tools/shim_harness.c

# msg_count FIELD=VALUE… — messages in $MSGS having every field exactly.
msg_count() {
	awk -F '\t' -v want="$(printf '%s\n' "$@")" '
		BEGIN { n = split(want, w, "\n") }
		{ ok = 1
		  for (i = 1; i <= n; i++) { hit = 0; for (f = 1; f <= NF; f++) if ($f == w[i]) hit = 1; if (!hit) ok = 0 }
		  if (ok) c++ }
		END { print c + 0 }' "$MSGS"
}

# assert_msgs N FIELD=VALUE… — exactly N messages match.
assert_msgs() {
	local want=$1 n
	shift
	n=$(msg_count "$@")
	[ "$n" = "$want" ] || {
		show_file "messages" "$MSGS" >&2
		fail "expected $want message(s) with $*, found $n"
	}
}

assert_no_msgs() {
	[ ! -s "$MSGS" ] || {
		show_file "messages" "$MSGS" >&2
		fail "the shim should have sent no message"
	}
}

# The stderr line of a kubectl delete / curl / .env denial.
kubectl_line() {
	printf 'aigate: denied: kubectl delete (deny_exec "kubectl delete", ~/.aigate/config.yaml:%s)' "$KUBECTL_DELETE_LINE"
}
env_line() {
	printf 'aigate: denied: open %s (deny_read ".env", ~/.aigate/config.yaml:%s)' "$PROJ/.env" "$ENV_LINE"
}

# assert_kubectl_denied CALL TARGET [N] — the command did not run, stderr
# names the rule once, and N (default 1) messages say so for CALL.
assert_kubectl_denied() {
	assert_stdout_not_contains "kubectl ran"
	assert_stderr_contains "$(kubectl_line)"
	[ "$(grep -cF -- "$(kubectl_line)" "$ERR")" = "${3:-1}" ] || fail "expected ${3:-1} denial line(s)"
	assert_msgs "${3:-1}" v=1 action=exec verdict=denied list=deny_exec "rule=$KUBECTL_DELETE_IDX" \
		"call=$1" "target=$2" errno=13
	[ "$(wc -l <"$MSGS")" = "${3:-1}" ] || {
		show_file "messages" "$MSGS" >&2
		fail "expected exactly ${3:-1} message(s)"
	}
}

# assert_allowed TEXT — the command ran (stdout has TEXT), the shim said nothing.
assert_allowed() {
	assert_stdout_contains "$1"
	assert_stderr_empty
	assert_no_msgs
}

# exec_case CALL PATH — CALL with PATH (a path or a bare name): `kubectl
# delete pod x` denied, `kubectl get pod` allowed.
exec_case() {
	local call=$1 path=$2 target=${3:-$2}
	shim_setup
	shim_run "$SC" "$call" "$path" kubectl delete pod x
	assert_stdout_contains "$call ret=-1 errno=13"
	assert_status 1
	assert_kubectl_denied "${4:-$call}" "$target"
	assert_msgs 1 argv=kubectl argv=delete argv=pod argv=x
	shim_run "$SC" "$call" "$path" kubectl get pod
	assert_status 0
	assert_allowed "kubectl ran: get pod"
}

# ---- the exec family, one entry point per case ---------------------------------

test_shim_execve() { exec_case execve "$T/bin/kubectl"; }
test_shim_execv() { exec_case execv "$T/bin/kubectl"; }
test_shim_execl() { exec_case execl "$T/bin/kubectl"; }
test_shim_execle() { exec_case execle "$T/bin/kubectl"; }
test_shim_execvp() { exec_case execvp kubectl; }
test_shim_execvpe() { exec_case execvpe kubectl; }
test_shim_execlp() { exec_case execlp kubectl; }
test_shim_execveat() { exec_case execveat "$T/bin/kubectl"; }
# execveat(fd, "", AT_EMPTY_PATH): the target is the descriptor's path.
test_shim_execveat_empty_path() { exec_case execveat-fd "$T/bin/kubectl" "$T/bin/kubectl" execveat; }
test_shim_fexecve() { exec_case fexecve "$T/bin/kubectl"; }

# posix_spawn[p] return the error number (errno is not theirs to set).
spawn_case() {
	shim_setup
	shim_run "$SC" "$1" "$2" kubectl delete pod x
	assert_status 1
	assert_stdout_contains "$1 ret=13"
	assert_kubectl_denied "$1" "$2"
	shim_run "$SC" "$1" "$2" kubectl get pod
	assert_status 0
	assert_stdout_contains "$1 ret=0 exit=0"
	assert_allowed "kubectl ran: get pod"
}
test_shim_posix_spawn() { spawn_case posix_spawn "$T/bin/kubectl"; }
test_shim_posix_spawnp() { spawn_case posix_spawnp kubectl; }

# system(): judged as `sh -c CMD`; a denial returns what a shell that may
# not run the command returns: exit status 126.
test_shim_system() {
	shim_setup
	shim_run "$SC" system "kubectl delete pod x"
	assert_status 1
	assert_stdout_contains "system ret=32256 exit=126 errno=13"
	assert_kubectl_denied system /bin/sh
	assert_msgs 1 action=exec argv=sh argv=-c "argv=kubectl delete pod x"
	shim_run "$SC" system "kubectl get pod"
	assert_status 0
	assert_stdout_contains "system ret=0 exit=0"
	assert_allowed "kubectl ran: get pod"
}

test_shim_popen() {
	shim_setup
	shim_run "$SC" popen "kubectl delete pod x"
	assert_status 1
	assert_stdout_contains "popen ret=NULL errno=13"
	assert_kubectl_denied popen /bin/sh
	shim_run "$SC" popen "kubectl get pod"
	assert_status 0
	assert_stdout_contains "popen ret=ok exit=0"
	assert_allowed "kubectl ran: get pod"
}

# A whole-command rule, and argv[0] that lies: what runs is the path.
test_shim_exec_argv0_is_not_the_program() {
	shim_setup
	shim_run "$SC" execve "$T/bin/curl" notcurl http://example.com
	assert_status 1
	assert_stdout_not_contains "curl ran"
	assert_stderr_contains "aigate: denied: curl (deny_exec \"curl\", ~/.aigate/config.yaml:$CURL_LINE)"
	assert_msgs 1 action=exec list=deny_exec "rule=$CURL_IDX" call=execve "target=$T/bin/curl" argv=notcurl
}

# ---- how programs really start commands -----------------------------------------

test_shim_sh_c() {
	shim_setup
	shim_run sh -c 'kubectl --context c delete pod y'
	assert_status 126
	assert_kubectl_denied execve "$T/bin/kubectl"
	assert_stderr_contains "kubectl: Permission denied"
	shim_run sh -c 'kubectl --context c get pod y'
	assert_status 0
	assert_allowed "kubectl ran: --context c get pod y"
}

# env(1) runs its command with execvp and the environment it was given:
# `env -i` gives none, so the child has no LD_PRELOAD unless the shim puts
# it back; here env itself is already refused by its own shim.
test_shim_env_i() {
	shim_setup
	shim_run env -i kubectl delete pod y
	assert_status 126
	assert_kubectl_denied execvp kubectl
	# (The host may have a real kubectl in env's default PATH: name ours.)
	shim_run env -i PATH="$BIN" kubectl get pod y
	assert_status 0
	assert_allowed "kubectl ran: get pod y"
}

# Re-injection: an exec with an EMPTY environment of a script that then runs
# kubectl delete (which no argv check of the script's exec can see). The
# script's shell has the shim only because the shim re-injected LD_PRELOAD
# and the AIGATE_SHIM_* variables.
test_shim_reinject_empty_env() {
	shim_setup
	printf '#!/bin/sh\n%s delete pod x\necho "env: LD_PRELOAD=$LD_PRELOAD"\n' "$T/bin/kubectl" >"$T/bin/wrapper"
	chmod 0755 "$T/bin/wrapper"
	fix_owner
	shim_run "$SC" execve-empty-env "$T/bin/wrapper" wrapper
	assert_status 0
	assert_stdout_contains "env: LD_PRELOAD=$SHIM_LIB"
	assert_kubectl_denied execve "$T/bin/kubectl"
	# The grandchild's message came from the shell the shim re-injected into.
	shim_run "$SC" execve-empty-env /usr/bin/env env
	assert_stdout_contains "LD_PRELOAD=$SHIM_LIB"
	assert_stdout_contains "AIGATE_SHIM_PATH=$SHIM_LIB"
	assert_stdout_contains "AIGATE_SHIM_POLICY_FD="
	assert_stdout_contains "AIGATE_SHIM_AUDIT_FD="
	assert_no_msgs
}

# A program that strips LD_PRELOAD from its own environment and runs a
# child through execvp (env -u): the child still gets the shim, first in
# the list, and keeps the user's own preload after it.
test_shim_reinject_stripped_preload() {
	shim_setup
	printf '#!/bin/sh\necho "LD_PRELOAD=$LD_PRELOAD"\nkubectl delete pod x\n' >"$T/bin/wrapper"
	chmod 0755 "$T/bin/wrapper"
	fix_owner
	shim_run env -u LD_PRELOAD wrapper
	assert_stdout_contains "LD_PRELOAD=$SHIM_LIB"
	assert_kubectl_denied execve "$T/bin/kubectl"
	# A preload of the user's own stays, after the shim.
	shim_run env LD_PRELOAD=/nonexistent/libx.so wrapper
	assert_stdout_contains "LD_PRELOAD=$SHIM_LIB:/nonexistent/libx.so"
}

test_shim_xargs() {
	shim_setup
	shim_run sh -c 'echo pod | xargs kubectl delete'
	assert_stdout_not_contains "kubectl ran"
	# sh -c's own command line names xargs kubectl delete: refused at the shell.
	assert_stderr_contains "$(kubectl_line)"
	assert_msgs 1 action=exec list=deny_exec "rule=$KUBECTL_DELETE_IDX" argv=xargs argv=kubectl argv=delete
	# xargs itself (allowed: its argv names no subcommand) runs kubectl delete pod.
	shim_run sh -c 'echo delete pod | xargs kubectl'
	assert_stdout_not_contains "kubectl ran"
	assert_kubectl_denied execvp kubectl
	shim_run sh -c 'echo get pod | xargs kubectl'
	assert_status 0
	assert_allowed "kubectl ran: get pod"
}

# subprocess.run closes every inherited descriptor in the child before
# exec (close_fds=True, the default): the child's shim still has the policy
# mapped, but the audit socket is gone, so it cannot record a denial and
# does not make it: the call goes through (here, with no sandbox, kubectl
# runs; in the sandbox the supervisor denies and records it:
# test_shim_channel.sh). With close_fds=False the shim denies and records.
test_shim_python_subprocess() {
	local py=/usr/bin/python3
	[ -x "$py" ] || skip "no /usr/bin/python3"
	shim_setup
	shim_run "$py" -c 'import subprocess
try:
    subprocess.run(["kubectl", "-n", "x", "delete", "pod", "y"])
except PermissionError as e:
    print("PermissionError", e.errno)'
	assert_stdout_contains "kubectl ran: -n x delete pod y"
	assert_stderr_not_contains "aigate: denied"
	assert_no_msgs
	shim_run "$py" -c 'import subprocess
try:
    subprocess.run(["kubectl", "-n", "x", "delete", "pod", "y"], close_fds=False)
except PermissionError as e:
    print("PermissionError", e.errno)'
	assert_stdout_contains "PermissionError 13"
	assert_stdout_not_contains "kubectl ran"
	assert_stderr_contains "$(kubectl_line)"
	assert_msgs 1 action=exec list=deny_exec "rule=$KUBECTL_DELETE_IDX" "target=$T/bin/kubectl" \
		argv=kubectl argv=-n argv=x argv=delete argv=pod argv=y
	shim_run "$py" -c 'import subprocess; subprocess.run(["kubectl", "-n", "x", "get", "pod"])'
	assert_status 0
	assert_allowed "kubectl ran: -n x get pod"
}

test_shim_vfork_exec() {
	shim_setup
	shim_run "$SC" vfork-execvp kubectl kubectl delete pod x
	assert_status 0
	assert_stdout_contains "vfork-execvp child-exit=13"
	assert_kubectl_denied execvp kubectl
	shim_run "$SC" vfork-execvp kubectl kubectl get pod
	assert_allowed "kubectl ran: get pod"
}

# fork in a program whose other threads are inside hooked open() calls,
# then exec in the child: no lock can be left held, nothing deadlocks.
test_shim_threads_fork_exec() {
	shim_setup
	shim_run "$SC" threads-fork-execvp kubectl kubectl delete pod x
	assert_status 0
	assert_stdout_contains "threads-fork-execvp ret=-1 errno=13"
	assert_kubectl_denied execvp kubectl
	shim_run "$SC" threads-fork-execvp kubectl kubectl get pod
	assert_status 0
	assert_allowed "kubectl ran: get pod"
}

test_shim_signal_handler_exec() {
	shim_setup
	shim_run "$SC" signal-execv "$T/bin/kubectl" kubectl delete pod x
	assert_status 1
	assert_stdout_contains "signal-execv ret=-1 errno=13"
	assert_kubectl_denied execv "$T/bin/kubectl"
	shim_run "$SC" signal-execv "$T/bin/kubectl" kubectl get pod
	assert_status 0
	assert_allowed "kubectl ran: get pod"
}

# find(1) links libselinux, whose constructor opens files before the
# shim's constructor has run: hooks must work with nothing initialised.
test_shim_find_before_constructor() {
	shim_setup
	ldd /usr/bin/find 2>/dev/null | grep -q libselinux || NOTE="find does not link libselinux here"
	shim_run find /usr -maxdepth 1 -name x
	assert_status 0
	assert_stderr_empty
	assert_no_msgs
	# And find's own -exec goes through the hooks.
	shim_run find "$PROJ" -maxdepth 1 -name .env -exec cat {} ';'
	assert_stdout_not_contains "$SHIM_SECRET"
	assert_stderr_contains "$(env_line)"
	assert_msgs 1 action=open list=deny_read "rule=$ENV_IDX" call=open "target=$PROJ/.env"
}

# ---- the open family, one entry point per case ----------------------------------

# open_case CALL [ARGS…] — CALL on .env: EACCES, no data, the line and the
# message; on ok.txt: the data, errno untouched (777 before and after).
open_case() {
	local call=$1
	shift
	shim_setup
	shim_run "$SC" "$call" "$@" .env
	assert_status 1
	assert_stdout_contains "$call ret=-1 errno=13 data="
	assert_stdout_not_contains "$SHIM_SECRET"
	assert_stderr_is "$(env_line)"
	assert_msgs 1 v=1 action=open verdict=denied list=deny_read "rule=$ENV_IDX" \
		"call=${call%-dirfd}" "target=$PROJ/.env" errno=13
	[ "$(wc -l <"$MSGS")" = 1 ] || fail "expected exactly one message"
	shim_run "$SC" "$call" "$@" ok.txt
	assert_status 0
	assert_stdout_contains "$call ret=ok errno=777"
	assert_stderr_empty
	assert_no_msgs
	case $call in creat*) ;; *) assert_stdout_contains "data=hello" ;; esac
	[ "$(cat "$PROJ/.env")" = "API_KEY=$SHIM_SECRET" ] || fail ".env was changed"
}

test_shim_open() { open_case open; }
test_shim_open64() { open_case open64; }
test_shim_openat() { open_case openat; }
test_shim_openat_dirfd() { open_case openat-dirfd "$PROJ"; }
test_shim_openat64() { open_case openat64-dirfd "$PROJ"; }
test_shim_creat() { open_case creat; }
test_shim_creat64() { open_case creat64; }
test_shim_open_2() { open_case __open_2; }
test_shim_open64_2() { open_case __open64_2; }
test_shim_openat_2() { open_case __openat_2-dirfd "$PROJ"; }
test_shim_openat64_2() { open_case __openat64_2; }
test_shim_fopen() { open_case fopen; }
test_shim_fopen64() { open_case fopen64; }
test_shim_freopen() { open_case freopen; }
test_shim_freopen64() { open_case freopen64; }

# O_CREAT of a name deny_read matches is refused before anything exists.
# A path with ".." is left to the supervisor (a lexical join could judge it
# differently from the kernel's walk through symlinks): not the shim's.
test_shim_open_creat_denied_name() {
	shim_setup
	mkdir -p "$PROJ/sub"
	fix_owner
	shim_run "$SC" open-creat "$PROJ/sub/../dotdot.pem"
	assert_stdout_contains "open-creat ret="
	assert_stderr_empty
	assert_no_msgs
	rm -f "$PROJ/dotdot.pem"
	shim_run "$SC" open-creat "$PROJ/new.pem"
	assert_status 1
	assert_stdout_contains "open-creat ret=-1 errno=13"
	[ ! -e "$PROJ/new.pem" ] || fail "new.pem was created"
	assert_stderr_contains "aigate: denied: open $PROJ/new.pem (deny_read \"*.pem\""
	assert_msgs 1 action=open list=deny_read call=open "target=$PROJ/new.pem"
}

# cat, grep, python: real programs reading the secret get nothing.
test_shim_programs_read_env() {
	shim_setup
	shim_run cat .env
	assert_status 1
	assert_stdout_not_contains "$SHIM_SECRET"
	assert_stderr_contains "$(env_line)"
	assert_msgs 1 action=open list=deny_read "rule=$ENV_IDX" "target=$PROJ/.env"
	shim_run cat ok.txt
	assert_status 0
	assert_allowed hello
}

# ---- the cached working directory (shim/cwd.h) ----------------------------------

# CWD_PY — python3 helpers: try(p) opens p read-only and prints ok / errN.
CWD_PY='import ctypes, os, platform, sys
def try_open(p):
    try:
        os.close(os.open(p, os.O_RDONLY))
        return "ok"
    except OSError as e:
        return "err%d" % e.errno
'

# chdir and fchdir forget the cached directory: the same relative name is
# judged against each new directory. $T/.env is outside the project, where
# relative rules do not apply.
test_shim_cwd_cache_chdir() {
	local py=/usr/bin/python3
	[ -x "$py" ] || skip "no /usr/bin/python3"
	shim_setup
	write_file "$T/.env" <<<"not a secret"
	write_file "$PROJ/sub/.env" <<<"API_KEY=$SHIM_SECRET"
	shim_run "$py" -c "$CWD_PY
os.chdir(sys.argv[1]); print('outside', try_open('.env'))
os.chdir(sys.argv[2]); print('inside', try_open('.env'), try_open('ok.txt'))
os.chdir(sys.argv[1]); print('outside-again', try_open('.env'))
fd = os.open(sys.argv[2], os.O_RDONLY); os.fchdir(fd); print('fchdir', try_open('.env'))
os.chdir('sub'); print('sub', try_open('.env'), try_open('../ok.txt'))" "$T" "$PROJ"
	assert_status 0
	assert_stdout_contains "outside ok"
	assert_stdout_contains "inside err13 ok"
	assert_stdout_contains "outside-again ok"
	assert_stdout_contains "fchdir err13"
	assert_stdout_contains "sub err13 ok"
	assert_msgs 2 v=1 action=open verdict=denied list=deny_read "rule=$ENV_IDX" \
		"target=$PROJ/.env" errno=13
	assert_msgs 1 action=open list=deny_read "target=$PROJ/sub/.env"
}

# A change the hooks cannot see (a raw chdir system call) leaves the cache
# stale: a cached directory may only allow, so the shim judges a would-be
# denial again against getcwd() and lets $T/.env (outside the project)
# through; the reverse (a secret reached through a stale cache) is the
# supervisor's to deny.
test_shim_cwd_cache_raw_chdir() {
	local py=/usr/bin/python3 nr
	[ -x "$py" ] || skip "no /usr/bin/python3"
	case $(uname -m) in x86_64) nr=80 ;; aarch64) nr=49 ;; *) skip "chdir syscall number unknown on $(uname -m)" ;; esac
	shim_setup
	write_file "$T/.env" <<<"not a secret"
	shim_run "$py" -c "$CWD_PY
libc = ctypes.CDLL(None, use_errno=True)
print('primed', try_open('ok.txt'))
print('raw', libc.syscall($nr, sys.argv[1].encode()))
print('after', try_open('.env'), os.getcwd() == sys.argv[1])" "$T"
	assert_status 0
	assert_stdout_contains "primed ok"
	assert_stdout_contains "raw 0"
	assert_stdout_contains "after ok True"
	assert_stderr_empty
	assert_no_msgs
}

# Threads opening relative names while another changes directory: every
# denial is of the real secret, never of the harmless file of the same name.
test_shim_cwd_cache_threads() {
	local py=/usr/bin/python3
	[ -x "$py" ] || skip "no /usr/bin/python3"
	shim_setup
	write_file "$T/.env" <<<"not a secret"
	shim_run "$py" -c "$CWD_PY
import threading
out, proj = sys.argv[1], sys.argv[2]
stop = False
def mover():
    while not stop:
        os.chdir(out); os.chdir(proj)
t = threading.Thread(target=mover); t.start()
res = {}
for i in range(3000):
    r = try_open('.env'); res[r] = res.get(r, 0) + 1
stop = True; t.join()
os.chdir(out); print('final', try_open('.env'), sorted(res) <= ['err13', 'ok'])" "$T" "$PROJ"
	assert_status 0
	assert_stdout_contains "final ok True"
	# Each denial names the project's .env, never $T/.env.
	[ "$(msg_count "target=$T/.env")" = 0 ] || fail "a denial named $T/.env"
}

# ---- the shim's own conditions ---------------------------------------------------

# No policy descriptor: everything passes. No audit socket: the shim cannot
# record a denial, so it does not make one (every denial must reach the
# trail): the call goes through to the kernel side, which in the sandbox
# denies and records it (test_shim_channel.sh); here, with none, it runs.
test_shim_without_policy_or_socket() {
	shim_setup
	HARNESS_OPTS=(--no-policy)
	shim_run cat .env
	assert_status 0
	assert_stdout_contains "$SHIM_SECRET"
	assert_stderr_empty
	HARNESS_OPTS=(--no-audit)
	shim_run cat .env
	assert_status 0
	assert_stdout_contains "$SHIM_SECRET"
	assert_stderr_empty
	assert_no_msgs
}

# A setgid program (AT_SECURE): the shim does nothing at all. The loader
# ignores LD_PRELOAD paths in secure processes, so the program dlopen()s
# the shim and calls its open() hook directly.
test_shim_setgid_passes_through() {
	[ "$(id -u)" -eq 0 ] || skip "making a setgid program needs root"
	shim_setup
	local grp
	grp=$(getent group nogroup | cut -d: -f1)
	[ -n "$grp" ] || skip "no group 'nogroup' to make a setgid copy with"
	cp "$SC" "$T/sc-sgid"
	chown "root:$grp" "$T/sc-sgid"
	chmod 2755 "$T/sc-sgid"
	shim_run "$T/sc-sgid" at-secure x
	grep -q "at-secure 1" "$OUT" || skip "setgid is not honoured under $T (nosuid mount?)"
	shim_run "$T/sc-sgid" dlopen-open "$SHIM_LIB" "$PROJ/.env"
	assert_stdout_contains "dlopen-open ret=ok errno=777 data=API_KEY=$SHIM_SECRET"
	assert_stderr_empty
	assert_no_msgs
	# The same program without setgid: the same hook refuses.
	shim_run "$SC" dlopen-open "$SHIM_LIB" "$PROJ/.env"
	assert_stdout_contains "dlopen-open ret=-1 errno=13"
	assert_stderr_contains "$(env_line)"
}

# The library exports the hooks and its version marker, nothing else.
test_shim_exports_only_hooks() {
	shim_setup
	command -v nm >/dev/null 2>&1 || skip "no nm (binutils)"
	local got want
	got=$(nm -D --defined-only "$SHIM_LIB" | awk '{print $3}' | sort | tr '\n' ' ')
	want=$(printf '%s\n' __open64_2 __open_2 __openat64_2 __openat_2 aigate_shim_version chdir \
		connect creat creat64 execl execle execlp execv execve execveat execvp execvpe fchdir fexecve \
		fopen fopen64 freopen freopen64 open open64 openat openat64 popen posix_spawn \
		posix_spawnp system |
		sort | tr '\n' ' ')
	assert_eq "$got" "$want" "exported symbols"
	readelf -d "$SHIM_LIB" | grep -q 'BIND_NOW' || fail "the shim is not linked with -z now"
	! readelf -d "$SHIM_LIB" | grep -q 'libyaml' || fail "the shim links libyaml"
}

# A denied name that does not exist, opened without O_CREAT: ENOENT, as the
# supervisor (and the kernel) would answer; no line, no message. The shim
# must never deny what the supervisor allows.
test_shim_open_missing_denied_name() {
	shim_setup
	shim_run cat missing.pem
	assert_status 1
	assert_stderr_is "cat: missing.pem: No such file or directory"
	assert_no_msgs
	# Created, it is denied (O_CREAT of the name: test_shim_open_creat_denied_name).
	shim_run sh -c 'echo x > new.key; echo "status $?"'
	assert_stdout_contains "status 2"
	assert_stderr_contains "aigate: denied: open $PROJ/new.key (deny_read \"*.key\""
}
