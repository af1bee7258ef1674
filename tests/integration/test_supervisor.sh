# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034,SC2088,SC2317 # $… in single quotes is for the sandbox's shell; AG_ENV/NOTE/LAST_CMD/STATUS are read by lib.sh; literal "~/" in rules; host-action functions are called through sup_sequenced
# test_supervisor.sh — the seccomp supervisor's decisions on opens, links
# and execs (issue 4), attacked from inside `aigate run` with the programs of
# tests/redteam/ (static, raw system calls: no libc wrapper and no shim in
# the way, so only the supervisor can answer). Each case really attempts the
# bypass and asserts both the denial (errno or exit status) and its audit
# record; each red-team program is first run natively, where it must succeed
# (the attack is real), then in the sandbox, where it must fail.
#
# Host-side actions during a run (a file the host creates, an editor's
# rename over .env) are sequenced with FIFOs in the project, never sleeps.
#
# The policy is the default one (write_cfg_enforceable) with its subcommand
# rules ("kubectl delete", "kubectl exec") kept: the supervisor enforces them.

# This suite tests the supervisor: the shim, which answers first for
# dynamic programs with a message and a record of its own, is left out
# (aigate run --no-shim); test_shim.sh and test_shim_channel.sh test it.
SUITE_RUN_OPTS=(--no-shim)

SECRET=aigate-sup-secret-4be0d6a1
LATE_SECRET=aigate-sup-late-8c21f0e7
NEW_SECRET=aigate-sup-new-secret-0d7a55e3
CODEX_KEY=sk-aigate-sup-test-5b3e0c9d7a41

# sup_setup — the policy, the audit log's path ($AUDIT), and a project with
# .env holding $SECRET, an allowed ok.txt and a directory a/.
sup_setup() {
	write_cfg_enforceable
	# Put back what write_cfg_enforceable comments out for builds without
	# the supervisor (a no-op once it stops doing so); line numbers stay.
	sed -i 's/^#\(  - "kubectl \(delete\|exec\)"\)/\1/' "$CFG"
	grep -q '^  - "kubectl delete"' "$CFG" || fail "setup: no \"kubectl delete\" rule in $CFG"
	AUDIT=$T/audit.jsonl
	RT=$PROJ/.rt
	write_file "$PROJ/.env" <<<"API_KEY=$SECRET"
	write_file "$PROJ/ok.txt" <<<"hello"
	mkdir -p "$PROJ/a"
	# The red-team binaries and scripts are not the project's business.
	printf '.rt/\nbin/\n*.sh\n*.fifo\n*.log\n' >>"$PROJ/.git/info/exclude"
	fix_owner
	chmod 0600 "$CFG"
}

# rt_build NAME… — compile tests/redteam/NAME.c statically into $RT/NAME.
rt_build() {
	local name
	for name; do
		redteam_cc "$name" "$RT/$name"
	done
}

# as_user CMD… — run CMD natively (no aigate) as the test user in $CWD,
# clean environment; stdout in $OUT, stderr in $ERR, status in $STATUS.
as_user() {
	LAST_CMD="(cd ${CWD#"$T"/}) (natively)$(printf ' %q' "$@")"
	(cd "$CWD" && exec env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" LANG=C.UTF-8 \
		"${AS_USER[@]}" "$@") >"$OUT" 2>"$ERR"
	STATUS=$?
}

# ag_sup CMD… — aigate run with the case's audit log.
ag_sup() {
	ag run --audit-log "$AUDIT" -- "$@"
}

# in_script NAME < content — a shell script in the project. A script also
# hides a denied command line from the launcher's pre-check, so the
# supervisor is what answers.
in_script() {
	write_file "$PROJ/$1"
}

# sup_sequenced HOST_FN CMD… — run CMD in the sandbox in the background.
# CMD writes "ready" to ready.fifo when it wants the host's action, then
# reads a line from go.fifo; HOST_FN (a shell function) runs in between.
# The host holds both FIFOs open read-write, so neither side blocks on an
# open, and the background job writes "exited N" to ready.fifo when aigate
# ends early: a sandbox that dies is reported at once, not after a timeout.
sup_sequenced() {
	local host_fn=$1 pid line
	shift
	mkfifo "$PROJ/ready.fifo" "$PROJ/go.fifo"
	fix_owner
	exec 8<>"$PROJ/go.fifo" 9<>"$PROJ/ready.fifo"
	LAST_CMD="(background) aigate run --audit-log \$T/audit.jsonl --$(printf ' %q' "$@")"
	(
		exec 8>&- 9<&-
		ag_exec "$AIGATE" run --audit-log "$AUDIT" -- "$@" >"$OUT" 2>"$ERR"
		rc=$?
		echo "exited $rc" >"$PROJ/ready.fifo"
		exit "$rc"
	) &
	pid=$!
	if ! read -t 60 -r line <&9 || [ "$line" != ready ]; then
		# The job's child is timeout(1), which passes the signal on to aigate.
		# shellcheck disable=SC2046 # a list of pids
		kill $(pgrep -P "$pid") "$pid" 2>/dev/null
		wait "$pid"
		STATUS=$?
		exec 8>&- 9<&-
		fail "the sandboxed command never said ready (got '${line:-nothing in 60 s}')"
	fi
	"$host_fn"
	echo go >&8
	wait "$pid"
	STATUS=$?
	exec 8>&- 9<&-
}

# The record of an open the supervisor denied: assert_denied_open TARGET RULE [KEY=VALUE…].
assert_denied_open() {
	local target=$1 rule=$2
	shift 2
	assert_audit "$AUDIT" action=open verdict=denied enforcer=supervisor errno=EACCES \
		"target=$target" "rule.text=$rule" "$@"
}

# field LINE KEY — the value of KEY=N in a counts line of open_race / exec_race.
field() {
	sed -n "s/.*\\b$2=\\([0-9.]*\\).*/\\1/p" <<<"$1"
}

# The labels static_open prints, in order (see tests/redteam/static_open.c).
OPEN_LABELS=(openat open openat-stray-mode openat2 openat2-beneath openat2-in-root openat2-no-symlinks
	openat2-no-magiclinks openat2-no-xdev abs dot-slashes dotdot proc-self-root
	proc-thread-self-root proc-self-cwd proc-pid-cwd proc-self-fd-dir dirfd-openat
	openat-rdwr openat-creat)

# assert_static_open_denied NAME [XDEV_OK] — $OUT is static_open's output for
# NAME in the sandbox: every attempt EACCES. With XDEV_OK, RESOLVE_NO_XDEV may
# also fail with EXDEV (the kernel's own answer for a file under an overmount).
assert_static_open_denied() {
	local name=$1 xdev_ok=${2:-} label
	for label in "${OPEN_LABELS[@]}" creat; do
		NOTE="static_open $name: $label"
		if [ "$label" = openat2-no-xdev ] && [ -n "$xdev_ok" ] &&
			grep -qx "$label: EXDEV (errno 18)" "$OUT"; then
			continue
		fi
		grep -qx "$label: EACCES (errno 13)" "$OUT" || fail "$label should fail with EACCES"
	done
	# An O_PATH descriptor may be allowed (it reads nothing), but re-opening
	# it through /proc/self/fd/N must not give a readable one.
	NOTE="static_open $name: opath"
	grep -qx "opath: ok\|opath: EACCES (errno 13)" "$OUT" || fail "opath: ok or EACCES expected"
	grep -qx "opath-reopen: EACCES (errno 13)\|opath-reopen: skipped" "$OUT" ||
		fail "opath-reopen should fail with EACCES"
	NOTE=
	# The resolved file, never the spelling: no denial names /proc or "..".
	local all resolved summaries
	all=$(audit_count "$AUDIT" action=open verdict=denied)
	summaries=$(audit_count "$AUDIT" action=open verdict=denied summary=true)
	all=$((all - summaries)) # a rate-limit summary names no target (docs/audit.md)
	resolved=$(audit_count "$AUDIT" action=open verdict=denied "target=$PROJ/$name")
	[ "$all" = "$resolved" ] || {
		show_file "audit log" "$AUDIT" >&2
		fail "$all open denials, $resolved of them with target $PROJ/$name (the resolved path)"
	}
}

# ---- 1, 6: one denied file, every open system call, every spelling ------------

# The plain case, with a dynamic binary: the record's fields.
test_supervisor_cat_env_denied() {
	sup_setup
	ag_sup cat .env
	assert_status 1
	assert_stderr_is "aigate: denied: open $PROJ/.env (deny_read \".env\", ~/.aigate/config.yaml:$(cfg_line .env))
cat: .env: Permission denied"
	assert_stdout_empty
	assert_denied_open "$PROJ/.env" .env syscall=openat exe=/usr/bin/cat \
		"rule.origin=~/.aigate/config.yaml:$(cfg_line .env)" "cwd=$PROJ" 'argv=~".env"'
	assert_file_contains "$PROJ/.env" "API_KEY=$SECRET"
}

test_supervisor_static_open_denied() {
	sup_setup
	rt_build static_open
	# Calibration on a copy (creat truncates): natively every attempt reads the secret.
	mkdir -p "$T/native/a"
	cp "$PROJ/.env" "$PROJ/ok.txt" "$T/native/"
	fix_owner
	CWD=$T/native as_user "$RT/static_open" .env a
	assert_status 0
	local label
	for label in "${OPEN_LABELS[@]}" opath-reopen; do
		NOTE="calibration: $label"
		grep -qx "$label: ok: API_KEY=$SECRET" "$OUT" || fail "natively $label should read the secret"
	done
	NOTE=

	ag_sup "$RT/static_open" .env a
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	assert_static_open_denied .env xdev-ok
	local sc
	for sc in openat open openat2 creat; do
		NOTE="audit of $sc"
		assert_denied_open "$PROJ/.env" .env "syscall=$sc"
	done
	NOTE=
	assert_file_contains "$PROJ/.env" "API_KEY=$SECRET"

	# Control: every spelling of an allowed file gives what it gives
	# natively (all read it), and nothing is audited.
	CWD=$T/native as_user "$RT/static_open" ok.txt a
	assert_status 0
	cp "$OUT" "$T/native.out"
	for label in "${OPEN_LABELS[@]}" opath-reopen; do
		NOTE="calibration: $label"
		grep -qx "$label: ok: hello" "$OUT" || fail "natively $label should read ok.txt"
	done
	NOTE=
	ag_sup "$RT/static_open" ok.txt a
	assert_status 0
	diff -u "$T/native.out" "$OUT" >"$T/diff" || {
		show_file "diff native sandbox" "$T/diff" >&2
		fail "static_open ok.txt: the sandbox's results differ from the native ones"
	}
	assert_no_audit "$AUDIT" "target=$PROJ/ok.txt"
}

# The same against a file the host creates while the sandbox runs: no
# overmount beneath it, only the supervisor between the sandbox and the secret.
test_supervisor_static_open_late_file() {
	sup_setup
	rt_build static_open
	in_script t.sh <<'EOF'
echo ready >ready.fifo
read -r go <go.fifo
cat new.pem
echo "cat=$?"
.rt/static_open new.pem a
EOF
	host_creates_pem() {
		write_file "$PROJ/new.pem" <<<"KEY=$LATE_SECRET"
	}
	sup_sequenced host_creates_pem sh ./t.sh
	assert_status 0
	assert_stdout_not_contains "$LATE_SECRET"
	assert_stdout_contains "cat=1"
	assert_stderr_contains "cat: new.pem: Permission denied"
	assert_static_open_denied new.pem
	assert_denied_open "$PROJ/new.pem" "*.pem" syscall=openat exe=/usr/bin/cat
	assert_denied_open "$PROJ/new.pem" "*.pem" syscall=openat2
	assert_file_contains "$PROJ/new.pem" "KEY=$LATE_SECRET"
}

# ---- 2: the open race ------------------------------------------------------------

# The writers of the open race (tests/redteam/open_race.c): a thread, a
# vfork child's parent's thread, a MAP_SHARED page, a file under a private
# mapping, a thread of a group whose leader has exited, a vfork grandchild
# that killed its vfork parent and lives on sharing the top process's
# memory (orphan: it opens while the resumed top flips; orphantop: the other
# way round). (Its clonevm mode, a process sharing memory outside a thread
# group, is now refused by the filter: test_filter.sh.)
RACE_MODES="thread vfork shared file zombie orphan orphantop"

# run_open_race_natively [ALLOWED DENIED SECRET] — calibration: each mode
# reads both files natively.
run_open_race_natively() {
	local mode allowed=${1:-ok.txt} denied=${2:-.env} secret=${3:-$SECRET}
	for mode in $RACE_MODES; do
		NOTE="calibration, mode $mode"
		as_user "$RT/open_race" "$allowed" "$denied" "$secret" 20000 "$mode"
		assert_status 0
		if [ "$(field "$(cat "$OUT")" secret)" -eq 0 ] || [ "$(field "$(cat "$OUT")" allowed)" -eq 0 ]; then
			fail "natively the race should read both files (the flipper must really flip)"
		fi
	done
	NOTE=
}

# check_race_line MODE DENIED — the sandbox's line for MODE (in $OUT, "MODE tries=…"):
# no secret, some allowed reads (the race ran), some EACCES (the denied name was tried).
check_race_line() {
	local mode=$1 line
	line=$(grep "^$mode tries=" "$OUT")
	NOTE="mode $mode: $line"
	[ -n "$line" ] || fail "no counts for mode $mode"
	[ "$(field "$line" tries)" = 20000 ] || fail "not all 20000 tries ran"
	[ "$(field "$line" secret)" = 0 ] || fail "the secret was read in the sandbox"
	[ "$(field "$line" allowed)" -gt 0 ] || fail "no open of the allowed file succeeded: the race did not run"
	[ "$(field "$line" eacces)" -gt 0 ] || fail "no open of the denied file failed with EACCES"
	[ "$(field "$line" other)" = 0 ] || fail "opens failed with unexpected errors"
	echo "open race, $line" >&2
	RACE_EACCES=$((RACE_EACCES + $(field "$line" eacces)))
	NOTE=
}

# check_race_run SECRET TARGET RULE — after the race modes ran in the
# sandbox: it exited 0, no SECRET, each mode's line passes check_race_line,
# and one denied-open record of TARGET under RULE per EACCES.
check_race_run() {
	local secret=$1 target=$2 rule=$3 mode
	assert_status 0
	assert_stdout_not_contains "$secret"
	RACE_EACCES=0
	for mode in $RACE_MODES; do
		check_race_line "$mode"
	done
	assert_denied_open "$target" "$rule" exe=~open_race
	assert_one_record_per_denial "$target"
}

# assert_one_record_per_denial TARGET — every denial the race programs
# counted ($RACE_EACCES) is in the trail: a record of TARGET, or a drop
# of the rate limit counted in one (docs/audit.md, "Rate limiting"), and
# every written record names TARGET.
assert_one_record_per_denial() {
	local n written named
	n=$(audit_total "$AUDIT" action=open verdict=denied enforcer=supervisor)
	written=$(audit_count "$AUDIT" action=open verdict=denied enforcer=supervisor)
	written=$((written - $(audit_count "$AUDIT" action=open verdict=denied summary=true)))
	named=$(audit_count "$AUDIT" action=open verdict=denied enforcer=supervisor "target=$1")
	[ "$written" = "$named" ] || fail "$written denied-open records, $named of them of $1"
	[ "$n" = "$RACE_EACCES" ] || {
		head -n 5 "$AUDIT" >"$T/audit.head"
		show_file "audit log (first lines)" "$T/audit.head" >&2
		fail "$RACE_EACCES opens of $1 failed with EACCES, $n denied opens in the trail"
	}
}

# Another task flips the path between ok.txt and .env while one opens it,
# in each of $RACE_MODES: 0 leaks in 20,000 each.
test_supervisor_open_race() {
	sup_setup
	rt_build open_race
	run_open_race_natively
	in_script t.sh <<EOF
for m in $RACE_MODES; do printf '%s ' "\$m"; .rt/open_race ok.txt .env '$SECRET' 20000 "\$m"; done
EOF
	AG_TIMEOUT=180 ag_sup sh ./t.sh
	check_race_run "$SECRET" "$PROJ/.env" .env
}

# The race against a file the host creates after start (no overmount beneath).
test_supervisor_open_race_late_file() {
	sup_setup
	rt_build open_race
	in_script t.sh <<EOF
echo ready >ready.fifo
read -r go <go.fifo
for m in $RACE_MODES; do printf '%s ' "\$m"; .rt/open_race ok.txt new.pem '$LATE_SECRET' 20000 "\$m"; done
EOF
	host_creates_pem() {
		write_file "$PROJ/new.pem" <<<"KEY=$LATE_SECRET"
	}
	AG_TIMEOUT=180 sup_sequenced host_creates_pem sh ./t.sh
	check_race_run "$LATE_SECRET" "$PROJ/new.pem" "*.pem"
}

# The same race where the fast path answers (docs/supervisor.md, "The fast
# path"): a read-only directory outside every writable mount, a plain
# relative open, and a denied file (an absolute deny_read rule) that the
# host creates after start, so no overmount is beneath it. Each mode beats
# one of the fast path's conditions (a lone thread; pages only the caller's
# memory map can change; a map made by the caller's own exec; no vfork child
# started): with any one of them removed from launcher/sup_fast.c, its mode
# read the secret here about 5,000 times in 20,000 (orphan: 4,977 under the
# earlier vfork-parent-chain rule).
test_supervisor_open_race_fast_path() {
	sup_setup
	make_stable_dir
	rt_build open_race
	printf 'hello\n' >"$STABLE/ok.txt"
	printf 'KEY=%s\n' "$LATE_SECRET" >"$STABLE/sec"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$TEST_UID:$TEST_GID" "$STABLE"
	fi
	CWD=$STABLE run_open_race_natively ok.txt sec "$LATE_SECRET"
	rm -f "$STABLE/sec"
	sed -i "s|^deny_read:\$|deny_read:\\n  - \"$STABLE/sec\"|" "$CFG"
	grep -q "^  - \"$STABLE/sec\"" "$CFG" || fail "setup: the deny_read rule for $STABLE/sec is missing"
	in_script t.sh <<EOF
echo ready >ready.fifo
read -r go <go.fifo
cd '$STABLE' || exit 9
for m in $RACE_MODES; do printf '%s ' "\$m"; '$RT/open_race' ok.txt sec '$LATE_SECRET' 20000 "\$m"; done
EOF
	host_creates_sec() {
		printf 'KEY=%s\n' "$LATE_SECRET" >"$STABLE/sec"
		if [ "$(id -u)" -eq 0 ]; then
			chown "$TEST_UID:$TEST_GID" "$STABLE/sec"
		fi
	}
	AG_TIMEOUT=180 sup_sequenced host_creates_sec sh ./t.sh
	check_race_run "$LATE_SECRET" "$STABLE/sec" "$STABLE/sec"
}

# ---- 3, 4: exec decisions by argv ------------------------------------------------

# kubectl_setup — a fake kubectl (tests/redteam/fake_kubectl.c) in $PROJ/bin,
# first on PATH; it appends its arguments to the file on its fd 3.
kubectl_setup() {
	rt_build fake_kubectl exec_race
	mkdir -p "$PROJ/bin"
	cp "$RT/fake_kubectl" "$PROJ/bin/kubectl"
	fix_owner
	AG_ENV=(PATH="$PROJ/bin:$CLEAN_PATH")
}

# delete_runs LOG — how many lines of LOG are a kubectl run with "delete" as its argument.
delete_runs() {
	grep -cE '^delete( |$)' "$1"
}

# A second thread flips argv[1] between "get" and "delete" while the main
# thread starts kubectl from a vfork child (then with posix_spawn): no
# "delete" may run. Up to 20,000 + 5,000 tries, at most 40 + 15 s.
test_supervisor_exec_argv_race() {
	sup_setup
	kubectl_setup
	local log=$PROJ/kubectl.log
	# Calibration: natively the flipped argument does reach the new program.
	LAST_CMD="(natively) exec_race race bin/kubectl 3000 10 vfork 3>>kubectl.log"
	(cd "$PROJ" && exec env -i PATH="$CLEAN_PATH" "${AS_USER[@]}" \
		"$RT/exec_race" race "$PROJ/bin/kubectl" 3000 10 vfork) >"$OUT" 2>"$ERR" 3>>"$log"
	STATUS=$?
	assert_status 0
	if [ "$(delete_runs "$log")" -eq 0 ] || ! grep -q '^get pods$' "$log"; then
		fail "natively both 'get pods' and 'delete pods' should run (the flipper must really flip)"
	fi
	rm -f "$log"

	in_script t.sh <<'EOF'
exec 3>>kubectl.log
printf 'vfork '; .rt/exec_race race "$PWD/bin/kubectl" 20000 40 vfork
printf 'spawn '; .rt/exec_race race "$PWD/bin/kubectl" 5000 15 spawn
EOF
	AG_TIMEOUT=150 ag_sup sh ./t.sh
	assert_status 0
	check_exec_race "$log" "vfork spawn" "$PROJ/bin/kubectl"
}

# check_exec_race LOG MODES PROG — after an exec_race run in the sandbox
# ($OUT has a counts line per mode): no "delete" ran, "get" did, every run
# left one line, and one audit record per denial and per kill.
check_exec_race() {
	local log=$1 modes=$2 prog=$3 mode line n ran=0 denied=0 killed=0
	n=$(delete_runs "$log")
	[ "$n" = 0 ] || fail "$n kubectl runs with argv[1] 'delete' got through (see $log)"
	grep -q '^get pods$' "$log" || fail "no 'kubectl get pods' ran: the race did not run"
	for mode in $modes; do
		line=$(grep "^$mode tries=" "$OUT")
		NOTE="mode $mode: $line"
		[ -n "$line" ] || fail "no counts for mode $mode"
		[ "$(field "$line" other)" = 0 ] || fail "execs ended in an unexpected way"
		ran=$((ran + $(field "$line" ran)))
		denied=$((denied + $(field "$line" denied)))
		killed=$((killed + $(field "$line" killed)))
		echo "exec race, $line" >&2
	done
	NOTE="runs: $ran, denied: $denied, killed: $killed"
	# Every run left exactly one line; a killed one none.
	[ "$(wc -l <"$log")" = "$ran" ] || fail "$(wc -l <"$log") lines in the log for $ran runs"
	[ $((denied + killed)) -gt 0 ] || fail "no exec was denied or killed"
	# A denied exec's record names the caller (exe, argv) and the program
	# (target); a killed one is the new image, with its real argv.
	if [ "$denied" -gt 0 ]; then
		assert_audit "$AUDIT" action=exec verdict=denied enforcer=supervisor errno=EACCES \
			"rule.text=kubectl delete" syscall=execve "target=$prog"
	fi
	if [ "$killed" -gt 0 ]; then
		assert_audit "$AUDIT" action=exec verdict=killed enforcer=supervisor \
			"rule.text=kubectl delete" 'argv=~"delete"'
	fi
	# Every denial and every kill in the trail (a record, or a drop it counts).
	n=$(audit_total "$AUDIT" action=exec verdict=denied "rule.text=kubectl delete")
	[ "$n" = "$denied" ] || fail "$denied execs denied, $n denied execs in the trail"
	n=$(audit_total "$AUDIT" action=exec verdict=killed "rule.text=kubectl delete")
	[ "$n" = "$killed" ] || fail "$killed processes killed, $n killed execs in the trail"
	NOTE=
}

# The exec race where the fast path answers: kubectl in a read-only
# directory outside every writable mount, started by a lone thread (its
# argv in a MAP_SHARED page a forked process flips) or from a thread of a
# group whose leader has exited. With the page check or the lone-thread
# rule weakened in launcher/sup_fast.c, "delete" ran here.
test_supervisor_exec_argv_race_fast_path() {
	sup_setup
	kubectl_setup
	make_stable_dir
	mkdir -p "$STABLE/bin"
	cp "$RT/fake_kubectl" "$STABLE/bin/kubectl"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$TEST_UID:$TEST_GID" "$STABLE"
	fi
	local log=$PROJ/kubectl.log mode
	for mode in shared zombie; do
		LAST_CMD="(natively) exec_race race $STABLE/bin/kubectl 3000 10 $mode 3>>kubectl.log"
		(cd "$PROJ" && exec env -i PATH="$CLEAN_PATH" "${AS_USER[@]}" \
			"$RT/exec_race" race "$STABLE/bin/kubectl" 3000 10 "$mode") >"$OUT" 2>"$ERR" 3>>"$log"
		STATUS=$?
		assert_status 0
		if [ "$(delete_runs "$log")" -eq 0 ] || ! grep -q '^get pods$' "$log"; then
			fail "natively both 'get pods' and 'delete pods' should run in mode $mode"
		fi
		rm -f "$log"
	done

	in_script t.sh <<EOF
exec 3>>kubectl.log
printf 'shared '; .rt/exec_race race '$STABLE/bin/kubectl' 20000 40 shared
printf 'zombie '; .rt/exec_race race '$STABLE/bin/kubectl' 20000 40 zombie
EOF
	AG_TIMEOUT=150 ag_sup sh ./t.sh
	assert_status 0
	check_exec_race "$log" "shared zombie" "$STABLE/bin/kubectl"
}

# `kubectl delete` through every way of starting it: EACCES (exit 126), the
# record, and the fake kubectl never ran; `kubectl get` runs.
test_supervisor_exec_argv_denied() {
	sup_setup
	kubectl_setup
	local log=$PROJ/kubectl.log i=0 how
	in_script wrap.sh <<'EOF'
exec kubectl "$@"
EOF
	for how in 'kubectl delete pod x' \
		"sh -c 'kubectl delete pod x'" \
		'env kubectl delete pod x' \
		'env FOO=1 nice kubectl delete pod x' \
		'timeout 10 kubectl delete pod x' \
		'sh ./wrap.sh delete pod x' \
		'kubectl -n prod delete pod x' \
		'"$PWD/bin/kubectl" delete pod x' \
		'echo delete pod x | xargs kubectl' \
		'.rt/exec_race once "$PWD/bin/kubectl" kubectl delete pod x' \
		'kubectl exec pod-x -- sh'; do
		i=$((i + 1))
		NOTE=$how
		AUDIT=$T/audit-$i.jsonl
		printf 'exec 3>>kubectl.log\n%s\n' "$how" | in_script t.sh
		ag_sup sh ./t.sh
		assert_status 126
		case $how in
		*exec_race*) assert_stdout_is "execve: EACCES (errno 13)" ;;
		*) assert_stderr_contains "Permission denied" ;;
		esac
		[ ! -s "$log" ] || fail "kubectl ran: $(cat "$log")"
		case $how in
		*' exec '*) assert_audit "$AUDIT" action=exec verdict=denied enforcer=supervisor \
			errno=EACCES "rule.text=kubectl exec" ;;
		env* | timeout* | sh*)
			# Denied at the wrapper's exec (its argv says what it runs) or at kubectl's.
			assert_audit "$AUDIT" action=exec verdict=denied enforcer=supervisor \
				errno=EACCES "rule.text=kubectl delete" ;;
		*) assert_audit "$AUDIT" action=exec verdict=denied enforcer=supervisor \
			errno=EACCES "rule.text=kubectl delete" "target=$PROJ/bin/kubectl" ;;
		esac
	done
	NOTE="kubectl get pods (allowed)"
	AUDIT=$T/audit-get.jsonl
	printf 'exec 3>>kubectl.log\nkubectl get pods\nenv kubectl get nodes\n' | in_script t.sh
	ag_sup sh ./t.sh
	assert_status 0
	assert_eq "$(cat "$log")" "get pods
get nodes" "the fake kubectl's log"
	assert_no_audit "$AUDIT" action=exec
}

# ---- 5: symbolic and hard links ----------------------------------------------------

test_supervisor_links_into_denied_file() {
	sup_setup
	# A hard link made before the run, outside the project (the home is
	# visible, read-only): the same inode as .env.
	mkdir -p "$HOME_DIR/outside"
	ln "$PROJ/.env" "$HOME_DIR/outside/copy" || skip "cannot hard-link \$PROJ/.env into \$HOME_DIR (another file system?)"
	fix_owner
	CWD=$PROJ as_user cat "$HOME_DIR/outside/copy"
	assert_stdout_is "API_KEY=$SECRET"
	in_script t.sh <<'EOF'
ln -s .env x; echo "ln-s=$?"
cat x; echo "cat-x=$?"
ln .env y; echo "ln=$?"
cat "$1"; echo "cat-outside=$?"
EOF
	ag_sup sh ./t.sh "$HOME_DIR/outside/copy"
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	# The symlink itself may be refused; reading through it must be.
	if grep -qx "ln-s=0" "$OUT"; then
		assert_stdout_contains "cat-x=1"
		assert_stderr_contains "cat: x: Permission denied"
		assert_denied_open "$PROJ/.env" .env exe=/usr/bin/cat
	else
		assert_stderr_contains "ln: failed to create symbolic link 'x': Permission denied"
		assert_audit "$AUDIT" action=symlink verdict=denied enforcer=supervisor errno=EACCES
	fi
	assert_stdout_contains "ln=1"
	assert_stderr_contains "ln: failed to create hard link 'y' => '.env': Permission denied"
	assert_audit "$AUDIT" action=link verdict=denied enforcer=supervisor errno=EACCES rule.text=.env
	[ ! -e "$PROJ/y" ] || fail "the hard link y was created on the host"
	assert_stdout_contains "cat-outside=1"
	assert_stderr_contains "cat: $HOME_DIR/outside/copy: Permission denied"
	assert_audit "$AUDIT" action=open verdict=denied enforcer=supervisor errno=EACCES \
		"target=$HOME_DIR/outside/copy"
}

# check_link_probe NAME — $OUT is link_probe's output for NAME in the sandbox.
check_link_probe() {
	local name=$1 op
	for op in link linkat linkat-proc-root rename-exchange rename-away rename-away-proc \
		tmpfile-linkat truncate truncate-proc rename-over unlink unlinkat; do
		NOTE="link_probe $name: $op"
		grep -qx "$op: EACCES (errno 13)" "$OUT" || fail "$op should fail with EACCES"
	done
	for op in opath-linkat-empty opath-linkat-proc; do
		NOTE="link_probe $name: $op"
		grep -qx "$op: EACCES (errno 13)\|$op: skipped" "$OUT" || fail "$op should fail with EACCES"
	done
	# A symlink may be made; what it points to stays unreadable.
	for op in symlink symlinkat-abs; do
		NOTE="link_probe $name: $op"
		grep -qx "$op: EACCES (errno 13)" "$OUT" || grep -qx "$op read: EACCES (errno 13)" "$OUT" ||
			fail "$op: neither the link nor the read through it failed with EACCES"
	done
	NOTE=
}

# Every raw link, rename, truncate and unlink of a denied file: calibrated
# natively on a copy, then on .env and on a file the host made after start.
test_supervisor_link_probe() {
	sup_setup
	rt_build link_probe
	mkdir -p "$T/native"
	cp "$PROJ/.env" "$PROJ/ok.txt" "$T/native/"
	fix_owner
	CWD=$T/native as_user "$RT/link_probe" .env ok.txt .env.new
	assert_status 0
	local op
	for op in link linkat linkat-proc-root opath-linkat-empty opath-linkat-proc symlink \
		symlinkat-abs rename-exchange rename-away rename-away-proc; do
		NOTE="calibration: $op"
		grep -qx "$op read: API_KEY=$SECRET" "$OUT" || fail "natively $op should reach the secret"
	done
	for op in tmpfile-linkat truncate truncate-proc rename-over unlink; do
		NOTE="calibration: $op"
		grep -qx "$op: ok" "$OUT" || fail "natively $op should work"
	done
	NOTE=

	ag_sup "$RT/link_probe" .env ok.txt .env.new
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	check_link_probe .env
	assert_audit "$AUDIT" action=link verdict=denied enforcer=supervisor errno=EACCES rule.text=.env
	assert_audit "$AUDIT" action=rename verdict=denied enforcer=supervisor errno=EACCES rule.text=.env
	assert_audit "$AUDIT" action=truncate verdict=denied enforcer=supervisor errno=EACCES rule.text=.env
	assert_audit "$AUDIT" action=unlink verdict=denied enforcer=supervisor errno=EACCES rule.text=.env
	assert_file_contains "$PROJ/.env" "API_KEY=$SECRET"
	assert_file_contains "$PROJ/ok.txt" "hello"
	[ ! -e "$PROJ/.env.new" ] || [ "$(cat "$PROJ/.env.new")" = decoy ] ||
		fail ".env.new holds something else than the decoy: $(cat "$PROJ/.env.new")"
	for op in lp-link lp-linkat lp-linkat-proc-root lp-opath-empty lp-opath-proc lp-renamed \
		lp-renamed-proc; do
		[ ! -e "$PROJ/$op" ] || fail "$op was created on the host"
	done
}

# Control: on allowed files every operation gives what it gives natively
# (a supervisor that resolves /proc/self in its own context, or mishandles
# O_PATH or O_TMPFILE, breaks programs here), and nothing is audited.
test_supervisor_link_probe_allowed() {
	sup_setup
	rt_build link_probe
	local dir
	for dir in "$T/native-ctl" "$PROJ/ctl"; do
		mkdir -p "$dir"
		printf 'plain\n' >"$dir/plain.txt"
		printf 'other\n' >"$dir/other.txt"
	done
	fix_owner
	CWD=$T/native-ctl as_user "$RT/link_probe" plain.txt other.txt new.txt
	assert_status 0
	cp "$OUT" "$T/native.out"
	grep -qx "opath-linkat-proc read: plain" "$OUT" || fail "setup: natively link_probe should link plain.txt"
	CWD=$PROJ/ctl ag_sup "$RT/link_probe" plain.txt other.txt new.txt
	assert_status 0
	diff -u "$T/native.out" "$OUT" >"$T/diff" || {
		show_file "diff native sandbox" "$T/diff" >&2
		fail "link_probe on allowed files: the sandbox's results differ from the native ones"
	}
	assert_no_audit "$AUDIT" verdict=denied
}

test_supervisor_link_probe_late_file() {
	sup_setup
	rt_build link_probe
	in_script t.sh <<'EOF'
echo ready >ready.fifo
read -r go <go.fifo
.rt/link_probe new.pem ok.txt .env.new
EOF
	host_creates_pem() {
		write_file "$PROJ/new.pem" <<<"KEY=$LATE_SECRET"
	}
	sup_sequenced host_creates_pem sh ./t.sh
	assert_status 0
	assert_stdout_not_contains "$LATE_SECRET"
	check_link_probe new.pem
	assert_audit "$AUDIT" action=link verdict=denied enforcer=supervisor errno=EACCES "rule.text=*.pem"
	assert_audit "$AUDIT" action=unlink verdict=denied enforcer=supervisor errno=EACCES "rule.text=*.pem"
	assert_file_contains "$PROJ/new.pem" "KEY=$LATE_SECRET"
}

# ---- 7: executables with no name ----------------------------------------------------

# A copy of curl (a denied command) made before the run, under a name no
# rule matches, run from a memfd or a deleted file: EACCES.
test_supervisor_memfd_exec() {
	sup_setup
	rt_build memfd_exec
	local src expect mode
	if src=$(readlink -f "$(command -v curl)"); then
		expect="curl "
	else
		src=$(readlink -f "$(command -v true)")
		expect=
	fi
	cp "$src" "$PROJ/not-curl"
	fix_owner
	for mode in memfd-execveat memfd-proc deleted-execveat deleted-proc; do
		NOTE="calibration: $mode"
		as_user "$RT/memfd_exec" "$mode" ./not-curl not-curl --version
		assert_status 0
		[ -z "$expect" ] || assert_stdout_contains "$expect"
	done
	for mode in memfd-execveat memfd-proc deleted-execveat deleted-proc; do
		NOTE=$mode
		AUDIT=$T/audit-$mode.jsonl
		ag_sup "$RT/memfd_exec" "$mode" ./not-curl not-curl --version
		assert_status 126
		assert_stdout_is "$mode: EACCES (errno 13)"
		case $mode in
		*-execveat) assert_audit "$AUDIT" action=exec verdict=denied enforcer=supervisor \
			errno=EACCES syscall=execveat ;;
		*) assert_audit "$AUDIT" action=exec verdict=denied enforcer=supervisor \
			errno=EACCES syscall=execve ;;
		esac
	done
	NOTE=
	[ -z "$(find "$PROJ" -maxdepth 1 -name '.memfd-exec-*')" ] || fail "a deleted-file copy was left in the project"
}

# ---- 8, 9: files that appear or change after start ------------------------------------

test_supervisor_denied_name_created_inside() {
	sup_setup
	in_script t.sh <<'EOF'
cp ok.txt .env.local; echo "cp=$?"
echo x >new.pem; echo "redirect=$?"
mkdir -p secrets && echo x >secrets/token; echo "secrets=$?"
mv ok.txt .env.moved; echo "mv=$?"
cat .env.moved; echo "cat-moved=$?"
EOF
	ag_sup sh ./t.sh
	assert_status 0
	assert_stdout_contains "cp=1"
	assert_stderr_contains "cp: cannot create regular file '.env.local': Permission denied"
	assert_stdout_contains "redirect=2"
	assert_stderr_contains "cannot create new.pem: Permission denied"
	assert_stdout_contains "secrets=2"
	assert_stderr_contains "cannot create secrets/token: Permission denied"
	# A file renamed into a denied name (the contract leaves the rename
	# itself open) is denied like any other.
	assert_stdout_contains "cat-moved=1"
	local f
	for f in .env.local new.pem secrets/token; do
		[ ! -e "$PROJ/$f" ] || fail "$f was created on the host"
	done
	assert_denied_open "$PROJ/.env.local" ".env.*" exe=/usr/bin/cp
	assert_denied_open "$PROJ/new.pem" "*.pem"
	assert_denied_open "$PROJ/secrets/token" "secrets/"
}

test_supervisor_denied_file_created_by_host() {
	sup_setup
	in_script t.sh <<'EOF'
echo ready >ready.fifo
read -r go <go.fifo
cat new.pem; echo "cat=$?"
cat sub/.env; echo "cat-sub=$?"
EOF
	host_creates() {
		write_file "$PROJ/new.pem" <<<"KEY=$LATE_SECRET"
		write_file "$PROJ/sub/.env" <<<"DB=$LATE_SECRET"
	}
	sup_sequenced host_creates sh ./t.sh
	assert_status 0
	assert_stdout_not_contains "$LATE_SECRET"
	assert_stdout_contains "cat=1"
	assert_stderr_contains "cat: new.pem: Permission denied"
	assert_stdout_contains "cat-sub=1"
	assert_stderr_contains "cat: sub/.env: Permission denied"
	assert_denied_open "$PROJ/new.pem" "*.pem" exe=/usr/bin/cat
	assert_denied_open "$PROJ/sub/.env" .env exe=/usr/bin/cat
}

# An editor saves .env by writing .env.tmp and renaming it over .env: the
# overmount stays on the old, unlinked file and the new one is visible.
test_supervisor_env_replaced_by_host_rename() {
	sup_setup
	in_script t.sh <<'EOF'
cat .env; echo "before=$?"
echo ready >ready.fifo
read -r go <go.fifo
cat .env; echo "after=$?"
cat "$PWD/.env"; echo "after-abs=$?"
EOF
	host_saves_env() {
		write_file "$PROJ/.env.tmp" <<<"API_KEY=$NEW_SECRET"
		mv "$PROJ/.env.tmp" "$PROJ/.env"
	}
	sup_sequenced host_saves_env sh ./t.sh
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	assert_stdout_not_contains "$NEW_SECRET"
	assert_stdout_contains "before=1"
	assert_stdout_contains "after=1"
	assert_stdout_contains "after-abs=1"
	assert_eq "$(grep -c '^cat: .*Permission denied$' "$ERR")" 3 "cat's denials"
	assert_eq "$(grep -c '^aigate: denied: open ' "$ERR")" 3 "aigate's denial messages"
	[ "$(audit_count "$AUDIT" action=open verdict=denied "target=$PROJ/.env")" -ge 3 ] || {
		show_file "audit log" "$AUDIT" >&2
		fail "three denied opens of $PROJ/.env should be audited"
	}
	assert_file_contains "$PROJ/.env" "API_KEY=$NEW_SECRET"
}

# ---- 10: a real, statically linked client ------------------------------------------------

# codex (a static Rust binary) reads ~/.codex/auth.json for `codex login
# status`; a deny_read rule on it must fail that open with EACCES.
test_supervisor_codex_auth_denied() {
	# clients_install and CLIENTS_DIR: the installer the client tests use.
	# shellcheck source=/dev/null
	. "$HERE/test_clients.sh"
	clients_install
	local codex
	for codex in "$CLIENTS_DIR"/node_modules/@openai/codex-linux-*/vendor/*/bin/codex ""; do
		[ -x "$codex" ] && break
	done
	[ -n "$codex" ] || skip "no native codex binary under $CLIENTS_DIR/node_modules/@openai/codex-linux-*"
	sup_setup
	sed -i '/^deny_read:/a\  - "~/.codex/auth.json"' "$CFG"
	fix_owner
	write_file "$HOME_DIR/.codex/auth.json" <<<"{\"OPENAI_API_KEY\":\"$CODEX_KEY\"}"
	chmod 0600 "$HOME_DIR/.codex/auth.json"
	# Natively it reads the key (and prints it masked, on stderr).
	as_user "$codex" login status
	assert_status 0
	assert_stderr_contains "API key configured"
	ag_sup "$codex" login status
	assert_status 1
	assert_stderr_contains "Error checking login status: Permission denied (os error 13)"
	assert_stderr_not_contains "API key configured"
	assert_stdout_not_contains "$CODEX_KEY"
	assert_stderr_not_contains "$CODEX_KEY"
	assert_denied_open "$HOME_DIR/.codex/auth.json" "~/.codex/auth.json" exe=~codex \
		"rule.origin=~/.aigate/config.yaml:$(cfg_line '~/.codex/auth.json')"
}

# ---- 11: what must keep working ------------------------------------------------------------

test_supervisor_allowed_operations() {
	sup_setup
	in_script t.sh <<'EOF'
set -e
echo data >notes.txt
cat notes.txt
echo more >>notes.txt
mv notes.txt notes2.txt
ln notes2.txt notes3.txt
ln -s notes2.txt notes4
cat notes4
truncate -s 0 notes3.txt
rm notes2.txt notes3.txt notes4
mkdir -p d/e
echo deep >d/e/f
mv d/e/f d/e/g
cat d/e/g
rm -r d
echo tmp >/tmp/t && cat /tmp/t
git status --porcelain
git add ok.txt
git -c user.name=t -c user.email=t@t commit -qm inside
echo done
EOF
	ag_sup sh ./t.sh
	assert_status 0
	assert_stderr_empty
	assert_stdout_is "data
data
more
deep
tmp
?? .env
?? ok.txt
done"
	LAST_CMD="(natively) git log --format=%s"
	as_user git -C "$PROJ" log --format=%s
	assert_stdout_is "inside"
	assert_no_audit "$AUDIT" verdict=denied
	assert_no_audit "$AUDIT" verdict=killed
}

# ---- the supervisor's own privileges ---------------------------------------------

# aigate run as root: the sandbox has no capabilities, so a file of another
# user's with mode 0600 is unreadable in it — by the kernel's own open (the
# fast path) and by the supervisor's open on its behalf (a writable project:
# the slow path), which must not use root's capabilities either.
test_supervisor_root_launcher_no_dac_override() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: checks aigate run by root"
	sup_setup
	make_stable_dir
	# Root's own run: everything root's, but the two files of the test user's.
	write_file "$PROJ/theirs.txt" <<<"MINE=$SECRET"
	chown -R root:root "$T"
	chown "$TEST_UID:$TEST_GID" "$PROJ/theirs.txt"
	chmod 0600 "$PROJ/theirs.txt"
	printf 'MINE=%s\n' "$SECRET" >"$STABLE/theirs.txt"
	chown "$TEST_UID:$TEST_GID" "$STABLE/theirs.txt"
	chmod 0600 "$STABLE/theirs.txt"
	# Natively root reads both (CAP_DAC_OVERRIDE).
	[ "$(cat "$PROJ/theirs.txt" "$STABLE/theirs.txt" | grep -c "$SECRET")" = 2 ] ||
		fail "setup: root cannot read the files natively"
	local AS_USER=()
	ag_sup sh -c "cat theirs.txt; echo rc=\$?; cat '$STABLE/theirs.txt'; echo rc=\$?"
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	assert_stdout_contains "rc=1"
	assert_stderr_contains "cat: theirs.txt: Permission denied"
	assert_stderr_contains "cat: $STABLE/theirs.txt: Permission denied"
}

# /proc/net and /proc/mounts are symlinks to self/…: the supervisor, which
# opens for the caller from outside its PID namespace, must read them as
# the caller's (they said ENOENT before; df and netstat read them).
test_supervisor_proc_self_links() {
	sup_setup
	ag_sup sh -c 'head -n1 /proc/net/dev; head -n1 /proc/mounts | cut -d" " -f2'
	assert_status 0
	assert_stdout_contains "Inter-|"
	assert_stdout_contains "/"
	assert_stderr_empty
}

# PY_ATTEMPT — python3 source defining attempt(WHAT, FN): runs FN, prints
# "WHAT ok" or "WHAT ERRNO-NAME" (the errno the sandbox's call got).
PY_ATTEMPT='import errno, os
def attempt(what, fn):
    try:
        fn()
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
'

# From a security review: on every rung, a directory above a protected
# path (.git above .git/hooks, the project above .git) is not opened to
# other users (a mode with group or other write, a group, an ACL): any
# local user could otherwise swap .git/hooks for theirs once the run is
# over. EPERM and a record; ordinary modes and files change as natively.
test_supervisor_protected_parent_not_opened() {
	sup_setup
	ag_sup python3 -c "$PY_ATTEMPT"'
attempt("git-777", lambda: os.chmod(".git", 0o777))
attempt("proj-775", lambda: os.chmod(".", 0o775))
attempt("git-chgrp", lambda: os.chown(".git", -1, 65534))
attempt("git-chown-same", lambda: os.chown(".git", -1, os.getgid()))
acl = bytes.fromhex("02000000" "01000700ffffffff" "04000700ffffffff" "20000700ffffffff")
attempt("git-acl", lambda: os.setxattr(".git", "system.posix_acl_access", acl))
attempt("git-700", lambda: os.chmod(".git", 0o700))
attempt("file-666", lambda: os.chmod("ok.txt", 0o666))
attempt("missing", lambda: os.chmod("no-such-file", 0o600))'
	assert_status 0
	assert_stdout_contains "git-777 EPERM"
	assert_stdout_contains "proj-775 EPERM"
	assert_stdout_contains "git-chgrp EPERM"
	assert_stdout_contains "git-chown-same ok"
	assert_stdout_contains "git-acl EPERM"
	assert_stdout_contains "git-700 ok"
	assert_stdout_contains "file-666 ok"
	assert_stdout_contains "missing ENOENT"
	assert_eq "$(stat -c %a "$PROJ/.git")" 700 "mode of .git"
	assert_eq "$(stat -c %a "$PROJ/ok.txt")" 666 "mode of ok.txt"
	assert_audit "$AUDIT" action=chmod verdict=denied errno=EPERM "target=$PROJ/.git" \
		"rule.text=~holds a read-only path"
	assert_audit "$AUDIT" action=setxattr verdict=denied errno=EPERM "target=$PROJ/.git"
	assert_audit "$AUDIT" action=chown verdict=denied errno=EPERM "target=$PROJ/.git"
}
