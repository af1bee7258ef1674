# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # $… in single quotes is for the sandbox's shell; NOTE/LAST_CMD/STATUS are read by lib.sh
# test_filter.sh — the seccomp filter's outright denials (issue 4), attempted
# from inside `aigate run` by the static red-team programs of tests/redteam/:
# mount and namespace calls, clone with namespace flags, clone3, personality
# changes, keys, bpf, userfaultfd, perf, kexec, file handles, io_uring,
# foreign system-call ABIs (killed), TIOCSTI/TIOCLINUX, ptrace and
# process_vm_* of a sibling; and the supervisor itself: invisible from
# inside, untouched by `kill -9 -1`, and when it dies the sandbox dies with
# it (exit 125).
#
# Every denial is checked twice: the errno (or exit status) the program gets,
# and the audit record aigate writes for it (--audit-log). Where the kernel
# alone would give the same errno in the sandbox (no capabilities), the
# program is first run natively — plainly, in a user namespace of its own
# (`unshare -rm`), or as root — to show that the call works or gets past the
# permission check there; only the filter then explains the sandbox's answer.
#
# Synchronisation with a running sandbox is on a FIFO (its stdin: a line from
# the test releases it) and a pipe (its stdout: "ready"), both inherited, so
# no open inside the sandbox takes part in it; polling (wait_until,
# wait_gone) only where there is no event to wait for (a process inside a
# system call; aigate's exit, bounded).

# This suite tests the seccomp filter and the supervisor: the shim, which answers first for
# dynamic programs with a message and a record of its own, is left out
# (aigate run --no-shim); test_shim.sh and test_shim_channel.sh test it.
SUITE_RUN_OPTS=(--no-shim)

SECRET=aigate-fake-secret-c4e19b06

# flt_setup — the enforceable config, a project with a .env, the audit log's path.
flt_setup() {
	write_cfg_enforceable
	write_file "$PROJ/.env" <<<"API_KEY=$SECRET"
	AUDIT=$T/audit.jsonl
}

# redteam_build NAME — compile tests/redteam/NAME.c statically into $PROJ/.NAME
# (the sandbox sees the project; its /tmp is private) and set $BIN to it.
redteam_build() {
	BIN=$PROJ/.$1
	redteam_cc "$1" "$BIN"
}

# native CMD… — run CMD natively (no aigate) as the test user in $CWD with a
# clean environment; capture like ag.
native() {
	LAST_CMD="(natively)$(printf ' %q' "$@")"
	(cd "$CWD" && env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" LANG=C.UTF-8 "${AS_USER[@]}" "$@") \
		>"$OUT" 2>"$ERR"
	STATUS=$?
}

# native_root CMD… — the same as root (only when the suite runs as root).
native_root() {
	LAST_CMD="(natively, as root)$(printf ' %q' "$@")"
	(cd "$CWD" && env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" LANG=C.UTF-8 "$@") >"$OUT" 2>"$ERR"
	STATUS=$?
}

# stdout_line LINE — $OUT has exactly this line.
stdout_line() {
	grep -qxF -- "$1" "$OUT" || fail "stdout should have the line: $1"
}

# result_of NAME — the result part of the "NAME: …" line in $OUT.
result_of() {
	sed -n "s/^$1: //p" "$OUT" | head -n 1
}

# assert_denied_audit SYSCALL ERRNO — a filter-table denial was recorded.
assert_denied_audit() {
	assert_audit "$AUDIT" action=syscall "syscall=$1" verdict=denied enforcer=supervisor "errno=$2"
}

# descendants PID — every process below PID, one pid a line.
descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				while (q != "" && q != 0 && q != 1) {
					if (q == root) { print p; break }
					q = parent[q]
				}
			}
		}'
}

# ag_background ARGS… — `aigate ARGS…` in the background as the test user in
# $CWD with the clean environment, and no timeout wrapper: the process
# substitution's subshell execs env, setpriv and aigate, so $AG_PID is aigate
# itself (killed when the case ends). Its stdin is the FIFO $T/go.fifo, which
# the test also holds open for reading and writing on fd 4, so no open
# blocks and a `read` in the sandbox waits until the test sends a line
# (send_go); its stdout is a pipe the test reads on fd 5 (wait_ready); stderr
# goes to $ERR. The sandbox opens neither: both are inherited descriptors.
ag_background() {
	LAST_CMD="(background) aigate$(printf ' %q' "$@")"
	mkfifo "$T/go.fifo" || fail "setup: mkfifo $T/go.fifo"
	exec 4<>"$T/go.fifo"
	exec 5< <(
		cd "$CWD" || exit 99
		exec env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" AIGATE_HOME="$AG_HOME" NO_COLOR=1 \
			LANG=C.UTF-8 "${AS_USER[@]}" "$AIGATE" "$@" <"$T/go.fifo" 2>"$ERR"
	)
	AG_PID=$!
	kill_later "$AG_PID"
}

# wait_ready — the sandbox's first line of output is "ready" (at most 20 s).
wait_ready() {
	local line=
	IFS= read -r -t 20 line <&5
	[ "$line" = ready ] || {
		echo "$line" >"$OUT"
		fail "the sandbox did not say ready (its first line, within 20 s: '$line')"
	}
}

# send_go — a line to the sandbox's stdin.
send_go() {
	echo go >&4
}

# ag_background_wait — wait (bounded) for the background aigate: its status
# in $STATUS, the rest of its output in $OUT.
ag_background_wait() {
	wait_gone "$AG_PID" || fail "aigate (pid $AG_PID) did not exit within 10 s"
	wait "$AG_PID"
	STATUS=$?
	KILL_AT_EXIT= # reaped: the pid may be reused
	# Every writer is gone with the sandbox: EOF (a survivor would hold it open).
	timeout 10 cat <&5 >"$OUT"
	exec 4>&- 5<&-
}

# ---- the denied system calls ---------------------------------------------------

# probe | errno in the sandbox | syscall in the audit record | native calibration:
#   ok    natively, as the test user: "ok"
#   uns   in a user namespace of its own (unshare -rm): "ok"
#   past  in unshare -rm: not EPERM (the permission check passed; EINVAL, EBUSY…)
#   diff  natively: another result than the sandbox's errno
#   root  natively as root: "ok" (the capability is checked in the initial namespace)
#   perf  "ok" natively when kernel.perf_event_paranoid <= 2
#   -     none (kexec: never run as root; the audit record alone tells)
FILTER_TABLE='
mount             EPERM      mount              uns
umount2           EPERM      umount2            past
pivot_root        EPERM      pivot_root         past
move_mount        EPERM      move_mount         past
open_tree         EPERM      open_tree          uns
fsopen            EPERM      fsopen             uns
fsconfig          EPERM      fsconfig           diff
fsmount           EPERM      fsmount            uns
fspick            EPERM      fspick             past
mount_setattr     EPERM      mount_setattr      uns
unshare-user      EPERM      unshare            ok
unshare-mnt       EPERM      unshare            uns
setns-mnt         EPERM      setns              uns
clone-newuser     EPERM      clone              ok
clone-newnet      EPERM      clone              uns
clone-vm          EPERM      clone              ok
clone-vm-parent   EPERM      clone              ok
clone-files       EPERM      clone              ok
clone-fs          EPERM      clone              ok
clone3            ENOSYS     -                  ok
personality-aslr  EPERM      personality        ok
keyctl            ENOSYS     keyctl             ok
add_key           ENOSYS     add_key            ok
request_key       ENOSYS     request_key        diff
bpf               EPERM      bpf                root
userfaultfd       EPERM      userfaultfd        ok
perf_event_open   EPERM      perf_event_open    perf
kexec_load        EPERM      kexec_load         -
kexec_file_load   EPERM      kexec_file_load    -
name_to_handle_at EOPNOTSUPP name_to_handle_at  ok
open_by_handle_at EPERM      open_by_handle_at  root
'

filter_rows() {
	sed -e '/^$/d' <<<"$FILTER_TABLE"
}

# The calibration: each probe natively, in unshare -rm and as root, checked
# against the table's last column.
filter_calibrate() {
	local plain userns asroot probe errno sc how got paranoid
	mkdir -p "$T/cal"
	fix_owner
	# shellcheck disable=SC2046 # the probe names, one word each
	native "$BIN" "$T/cal/plain" $(filter_rows | awk '{print $1}')
	assert_status 0
	plain=$(cat "$OUT")
	# shellcheck disable=SC2046
	native unshare -rm "$BIN" "$T/cal/userns" $(filter_rows | awk '{print $1}')
	if [ "$STATUS" != 0 ] && grep -q "unshare failed" "$ERR"; then
		skip "the host forbids unprivileged user namespaces: no calibration possible (and no sandbox)"
	fi
	assert_status 0
	userns=$(cat "$OUT")
	asroot=
	if [ "$(id -u)" -eq 0 ]; then
		native_root "$BIN" "$T/cal/root" bpf open_by_handle_at
		assert_status 0
		asroot=$(cat "$OUT")
	fi
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
	while read -r probe errno sc how; do
		NOTE="calibration of $probe ($how)"
		case $how in
		ok | diff | perf) got=$(sed -n "s/^$probe: //p" <<<"$plain") ;;
		uns | past) got=$(sed -n "s/^$probe: //p" <<<"$userns") ;;
		root) got=$(sed -n "s/^$probe: //p" <<<"$asroot") ;;
		-) continue ;;
		*) fail "bad calibration '$how' in FILTER_TABLE" ;;
		esac
		case $how in
		ok) [ "$got" = ok ] || fail "natively $probe should work, got '$got'" ;;
		uns) [ "$got" = ok ] || fail "in unshare -rm $probe should work, got '$got'" ;;
		past)
			if [ -z "$got" ] || [ "$got" = EPERM ]; then
				fail "in unshare -rm $probe should pass the permission check, got '$got'"
			fi
			;;
		diff)
			if [ -z "$got" ] || [ "$got" = "$errno" ]; then
				fail "natively $probe should not give the sandbox's $errno, got '$got'"
			fi
			;;
		root)
			if [ -n "$asroot" ] && [ "$got" != ok ]; then
				fail "as root $probe should work, got '$got'"
			fi
			;;
		perf)
			if [ "$paranoid" -le 2 ] && [ "$got" != ok ]; then
				fail "natively $probe should work at perf_event_paranoid $paranoid, got '$got'"
			fi
			;;
		esac
	done < <(filter_rows)
	NOTE=
}

# Each denied call, from a static binary with raw syscall(): the table's
# errno and one audit record per call, while the same calls work (or pass
# the permission check) natively.
test_filter_denied_syscalls() {
	flt_setup
	redteam_build filter_probe
	filter_calibrate

	# shellcheck disable=SC2046
	ag run --audit-log "$AUDIT" -- "$BIN" /tmp/probe $(filter_rows | awk '{print $1}')
	assert_status 0
	local probe errno sc how
	while read -r probe errno sc how; do
		NOTE="probe $probe"
		stdout_line "$probe: $errno"
		[ "$sc" = - ] || assert_denied_audit "$sc" "$errno"
	done < <(filter_rows)
	NOTE=
	# clone3 is answered ENOSYS by the filter itself, unrecorded: glibc tries
	# it for every thread and falls back to clone, which is what is checked.
	assert_no_audit "$AUDIT" syscall=clone3
	# Both unshare probes, the six clone probes: a record each.
	assert_eq "$(audit_count "$AUDIT" action=syscall syscall=unshare verdict=denied)" 2 "records for unshare"
	assert_eq "$(audit_count "$AUDIT" action=syscall syscall=clone verdict=denied)" 6 "records for clone"
	# The sharing ones name their own rule.
	assert_eq "$(audit_count "$AUDIT" action=syscall syscall=clone "rule.text=deny clone sharing outside a thread")" 4 \
		"records for clone sharing"
}

# Negative controls: fork, vfork, clone without namespace flags, the
# CLONE_VM|CLONE_VFORK clone posix_spawn makes, native AIO's io_setup
# (trapped only to turn the supervisor's fast path off), threads
# (glibc tries clone3, gets ENOSYS and falls back to clone), querying the
# personality and setting PER_LINUX all work, with no record; in the same
# run a personality change is denied (the filter was there).
test_filter_plain_process_calls_allowed() {
	flt_setup
	redteam_build filter_probe
	ag run --audit-log "$AUDIT" -- "$BIN" /tmp/probe fork vfork clone clone-vfork thread \
		io_setup personality-query personality-linux personality-aslr
	assert_status 0
	local probe
	for probe in fork vfork clone clone-vfork thread io_setup personality-query personality-linux; do
		stdout_line "$probe: ok"
	done
	stdout_line "personality-aslr: EPERM"
	assert_denied_audit personality EPERM
	assert_eq "$(audit_count "$AUDIT" syscall=personality)" 1 "records for personality (only the change)"
	assert_no_audit "$AUDIT" syscall=clone
	assert_no_audit "$AUDIT" syscall=fork
	assert_no_audit "$AUDIT" syscall=vfork
	assert_no_audit "$AUDIT" syscall=io_setup
}

# ---- io_uring ------------------------------------------------------------------------

# A ring opens and connects where no seccomp filter looks. Natively the
# probe reads the secret and connects through the ring; in the sandbox a
# .env that appears after start (no overmount hides it: the supervisor's
# open check is what would deny it) stays out of reach: no ring at all.
test_filter_io_uring_denied() {
	flt_setup
	redteam_build io_uring_probe
	local disabled line
	disabled=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
	if [ "$disabled" = 0 ]; then
		native "$BIN" "$PROJ/.env"
		assert_status 0
		stdout_line "io_uring_setup: ok"
		stdout_line "io_uring openat: ok"
		stdout_line "io_uring read: API_KEY=$SECRET"
		stdout_line "io_uring connect: ok"
	else
		echo "note: kernel.io_uring_disabled=$disabled: the native half (the bypass exists) is skipped" >&2
	fi

	mkdir -p "$PROJ/late"
	fix_owner
	ag_background run --audit-log "$AUDIT" -- sh -c 'echo ready; read x; exec "$1" late/.env' sh "$BIN"
	wait_ready
	# The sandbox is up: a secret the start-up walk never saw.
	write_file "$PROJ/late/.env" <<<"LATE_KEY=$SECRET"
	send_go
	ag_background_wait
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	stdout_line "io_uring_setup: ENOSYS"
	stdout_line "io_uring_register: ENOSYS"
	stdout_line "io_uring_enter: ENOSYS"
	assert_stdout_not_contains "io_uring openat"
	assert_stdout_not_contains "io_uring connect"
	assert_denied_audit io_uring_setup ENOSYS
	assert_denied_audit io_uring_register ENOSYS
	assert_denied_audit io_uring_enter ENOSYS
}

# ---- foreign system-call ABIs ------------------------------------------------------------

# i386's open (int 0x80, eax 5: x86_64's fstat) opens the file natively;
# in the sandbox the process is killed in the call.
test_filter_i386_int80_killed() {
	flt_setup
	redteam_build int80_open
	native "$BIN" i386 "$PROJ/.env"
	[ "$STATUS" = 139 ] || [ "$STATUS" = 132 ] && skip "no i386 emulation in this kernel (IA32_EMULATION)"
	assert_status 0
	stdout_line "i386 read: API_KEY=$SECRET"

	ag run --audit-log "$AUDIT" -- "$BIN" i386 .env
	assert_status 137
	assert_stdout_is "i386 open: calling"
	assert_audit "$AUDIT" action=syscall syscall=i386:5 verdict=killed enforcer=supervisor
}

# An x32 call (bit 30 set on the number): natively ENOSYS without
# CONFIG_X86_X32_ABI (or it works with it); in the sandbox, killed.
test_filter_x32_killed() {
	flt_setup
	redteam_build int80_open
	native "$BIN" x32 "$PROJ/.env"
	assert_status 0
	grep -qxE 'x32 open: (ENOSYS|fd [0-9]+)' "$OUT" || fail "natively the x32 open should return"

	ag run --audit-log "$AUDIT" -- "$BIN" x32 .env
	assert_status 137
	assert_stdout_is "x32 open: calling"
	# The record's syscall names the ABI; the number's spelling is the supervisor's.
	assert_audit "$AUDIT" action=syscall "syscall=~x32:" verdict=killed enforcer=supervisor
}

# ---- TIOCSTI / TIOCLINUX ---------------------------------------------------------------

# With no terminal (a pipe on stdin): natively ENOTTY, in the sandbox the
# filter answers EPERM before the driver is asked, for the plain request and
# for one with high bits set (the kernel reads only the low 32). FIONREAD
# on the same pipe works.
test_filter_tiocsti_no_tty() {
	flt_setup
	redteam_build tiocsti
	LAST_CMD="(natively) echo | tiocsti winsz fionread sti:x sti-high:x linux"
	echo | (cd "$CWD" && env -i PATH="$CLEAN_PATH" "${AS_USER[@]}" "$BIN" winsz fionread \
		sti:x sti-high:x linux) >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	stdout_line "fionread: ok"
	stdout_line "sti: ENOTTY"
	stdout_line "sti-high: ENOTTY"

	ag run --audit-log "$AUDIT" -- sh -c 'echo | "$1" winsz fionread sti:x sti-high:x linux' sh "$BIN"
	assert_status 0
	stdout_line "winsz: ENOTTY"
	stdout_line "fionread: ok"
	stdout_line "sti: EPERM"
	stdout_line "sti-high: EPERM"
	stdout_line "linux: EPERM"
	assert_denied_audit ioctl EPERM
	assert_eq "$(audit_count "$AUDIT" action=syscall syscall=ioctl)" 3 "records for ioctl (sti, sti-high, linux)"
}

TMUX_TARGET=flt

flt_pane_has_line() {
	"${TMUX_CMD[@]}" capture-pane -p -t flt | grep -qxF -- "$1"
}

flt_pane_prompt_is() {
	[ "$("${TMUX_CMD[@]}" capture-pane -p -t flt | sed -e '/^$/d' | tail -n 1)" = "$1" ]
}

flt_pane_type() {
	"${TMUX_CMD[@]}" send-keys -t flt -l "$1" && "${TMUX_CMD[@]}" send-keys -t flt Enter
}

# flt_pane_run LINE DONE — at the pane's prompt, type LINE and wait for the line DONE.
flt_pane_run() {
	wait_until "the pane's prompt (before '$1')" flt_pane_prompt_is 'out$'
	flt_pane_type "$1"
	wait_until "'$2' after '$1'" flt_pane_has_line "$2"
}

# On a terminal (a tmux pane, everything as the test user): natively the
# injected line is read back (the attack: the next reader of the terminal
# gets it); in the sandbox, on the pty aigate gives CMD, TIOCSTI (plain and
# with high bits) and TIOCLINUX are EPERM while TIOCGWINSZ works.
test_filter_tiocsti_terminal() {
	flt_setup
	redteam_build tiocsti
	need_tmux
	printf 'set -g status off\nset -g default-shell /bin/sh\n' >"$T/tmux.conf"
	fix_owner
	TMUX_CMD=(env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" SHELL=/bin/sh "${AS_USER[@]}" tmux -S "$T/tmux.sock" -f "$T/tmux.conf")
	trap '"${TMUX_CMD[@]}" kill-server >/dev/null 2>&1; case_cleanup' EXIT
	"${TMUX_CMD[@]}" new-session -d -x 100 -y 30 -s flt -c "$PROJ" \
		"env -i PATH=$CLEAN_PATH HOME=$HOME_DIR AIGATE_HOME=$AG_HOME NO_COLOR=1 LANG=C.UTF-8 TERM=screen PS1='out\$ ' sh -i" ||
		fail "cannot start a tmux session as $TEST_USER"
	wait_until "the pane's shell prompt" flt_pane_prompt_is 'out$'

	# The probe's lines go to a file: the pane also shows the typed commands.
	flt_pane_run "$BIN winsz sti:NAT\$((6*7)) sti-high:HI\$((6*7)) linux >$T/native.out; echo NATIVE-RC=\$?" "NATIVE-RC=0"
	LAST_CMD="(natively, in the pane) tiocsti winsz sti:NAT42 sti-high:HI42 linux"
	tr -d '\r' <"$T/native.out" >"$OUT"
	: >"$ERR"
	STATUS=0
	stdout_line "winsz: ok"
	stdout_line "sti: ok"
	stdout_line "sti read: NAT42"
	stdout_line "sti-high: ok"
	stdout_line "sti-high read: HI42"

	flt_pane_run "$AIGATE run --audit-log $AUDIT -- $BIN winsz sti:SBX\$((6*7)) sti-high:SHI\$((6*7)) linux >$T/sbx.out; echo SBX-RC=\$?" "SBX-RC=0"
	LAST_CMD="(in the pane) aigate run --audit-log … -- tiocsti winsz sti:SBX42 sti-high:SHI42 linux"
	tr -d '\r' <"$T/sbx.out" >"$OUT"
	stdout_line "winsz: ok"
	stdout_line "sti: EPERM"
	stdout_line "sti-high: EPERM"
	stdout_line "linux: EPERM"
	assert_stdout_not_contains "SBX42"
	assert_stdout_not_contains "SHI42"
	assert_denied_audit ioctl EPERM
	assert_eq "$(audit_count "$AUDIT" action=syscall syscall=ioctl)" 3 "records for ioctl (sti, sti-high, linux)"
}

# ---- ptrace and process_vm_* of a sibling -------------------------------------------

# Natively a process can attach to, read and write its own child; in the
# sandbox ptrace and process_vm_readv/writev are EPERM, and opening the
# child's /proc/PID/mem for writing is an open the supervisor denies.
test_filter_ptrace_sibling_denied() {
	flt_setup
	redteam_build ptrace_sibling
	native "$BIN"
	assert_status 0
	stdout_line "PTRACE_ATTACH: ok"
	stdout_line "PTRACE_SEIZE: ok"
	stdout_line "process_vm_readv: ok (0x1111)"
	stdout_line "process_vm_writev: ok (child sees 0x2222)"
	stdout_line "proc mem write: ok (child sees 0x3333)"

	ag run --audit-log "$AUDIT" -- "$BIN"
	assert_status 0
	stdout_line "PTRACE_ATTACH: EPERM"
	stdout_line "PTRACE_SEIZE: EPERM"
	stdout_line "process_vm_readv: EPERM"
	stdout_line "process_vm_writev: EPERM"
	stdout_line "proc mem write: EACCES"
	assert_denied_audit ptrace EPERM
	assert_eq "$(audit_count "$AUDIT" action=syscall syscall=ptrace)" 2 "records for ptrace (attach, seize)"
	assert_denied_audit process_vm_readv EPERM
	assert_denied_audit process_vm_writev EPERM
	assert_audit "$AUDIT" action=open verdict=denied enforcer=supervisor errno=EACCES "target=~/mem"
}

# ---- the supervisor ------------------------------------------------------------------------

# While a sandboxed command runs, the supervisor (aigate-sup, a child of
# aigate) exists outside, non-dumpable (its /proc files are root's), and
# no process of that name is visible in the sandbox's /proc.
test_filter_supervisor_invisible_inside() {
	flt_setup
	local sup
	ag_background run --audit-log "$AUDIT" -- sh -c 'echo ready; cat /proc/[0-9]*/comm; read x'
	wait_ready
	sup=$(pgrep -x -P "$AG_PID" aigate-sup)
	[ -n "$sup" ] || fail "no process aigate-sup is a child of aigate (pid $AG_PID)"
	assert_eq "$(wc -w <<<"$sup" | tr -d ' ')" 1 "aigate-sup processes under aigate"
	# A non-dumpable process's /proc files (not the directory) belong to root.
	assert_eq "$(stat -c %u "/proc/$sup/environ")" 0 "owner of /proc/$sup/environ (0: the supervisor is not dumpable)"
	send_go
	ag_background_wait
	assert_status 0
	stdout_line "sh"
	assert_stdout_not_contains "aigate-sup"
}

# `kill -9 -1` inside kills what the sandbox can signal — its own processes,
# never aigate or its supervisor: the run ends with the shell's status, and
# a denied call after the kill is still answered and recorded. `kill -9 0`
# (the process group) ends the sandbox alone: 137, not 125.
test_filter_kill_all_inside_spares_supervisor() {
	flt_setup
	redteam_build filter_probe
	ag run --audit-log "$AUDIT" -- sh -c \
		'sleep 1000 & kill -9 -1; echo "kill=$?"; "$1" /tmp/probe personality-aslr; exit 7' sh "$BIN"
	assert_status 7
	stdout_line "kill=0"
	stdout_line "personality-aslr: EPERM"
	assert_denied_audit personality EPERM
	assert_stderr_not_contains "supervisor"

	ag run --audit-log "$AUDIT" -- sh -c 'kill -9 0'
	assert_status 137
	assert_stderr_not_contains "supervisor"
}

# flt_kill_supervisor — find the supervisor of the background aigate, record
# every process below aigate, SIGKILL the supervisor; then aigate must exit
# 125 naming the supervisor, and nothing of the sandbox may be left.
flt_kill_supervisor() {
	local sup below p
	sup=$(pgrep -x -P "$AG_PID" aigate-sup)
	[ -n "$sup" ] || fail "no process aigate-sup is a child of aigate (pid $AG_PID)"
	below=$(descendants "$AG_PID" | grep -vx "$sup")
	[ -n "$below" ] || fail "no sandbox process below aigate (pid $AG_PID)"
	kill -KILL "$sup"
	ag_background_wait
	assert_status 125
	assert_stderr_contains "supervisor"
	for p in $below; do
		proc_alive "$p" && fail "sandbox process $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) outlived aigate"
	done
	pgrep -f "$MARKER" >/dev/null && fail "a process of the sandbox ($MARKER) outlived aigate"
	return 0
}

# The sandbox blocks in read(2) on a FIFO whose write end the test holds (an
# untrapped call: only killing the sandbox ends it).
test_filter_supervisor_killed_from_outside() {
	flt_setup
	MARKER=flt-sup-$RANDOM-$$
	ag_background run --audit-log "$AUDIT" -- sh -c 'echo ready; read x; echo "not-reached $x"' "$MARKER"
	wait_ready
	flt_kill_supervisor
	assert_stdout_not_contains "not-reached"
}

# cat_in_openat PATTERN — the process whose command line matches PATTERN is
# inside openat(2) (x86_64 number 257; /proc/PID/syscall needs root).
cat_in_openat() {
	local pid
	pid=$(pgrep -f "$1") || return 1
	[ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = 257 ]
}

# The sandbox blocks in a trapped call (the open of a FIFO nobody writes)
# when the supervisor dies: the call fails (the shell may run on for a
# moment: untrapped calls are not the supervisor's), and aigate still ends
# the run with 125 rather than with the command's own status.
test_filter_supervisor_killed_during_trapped_call() {
	flt_setup
	MARKER="nobody-writes-$$.fifo"
	mkfifo "$PROJ/$MARKER"
	fix_owner
	ag_background run --audit-log "$AUDIT" -- sh -c 'echo ready; cat "$1"; echo "not-reached $?"' sh "$MARKER"
	wait_ready
	# No event tells that cat is inside its openat: poll its current system call.
	wait_until "the sandbox's cat to block in openat of the FIFO" cat_in_openat "^cat $MARKER\$"
	flt_kill_supervisor
	# The open never succeeded: nobody wrote the FIFO.
	assert_stdout_not_contains "not-reached 0"
}
