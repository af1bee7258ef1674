# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # $? and $$ are for the pane's shell or the child; LAST_CMD/STATUS are read by lib.sh
# test_pty.sh — launcher/run_loop.c: the terminal relay, signal forwarding and
# status propagation of `aigate run`, driven through tests/integration/pty_driver.c
# (the module's API used as the launcher uses it, with the forked child as the
# sandbox's init). Terminal cases run the driver in a detached tmux session of
# a known size, in an interactive sh; the others run it with no terminal at all.
# The driver runs as the caller (root here): these cases test terminal handling,
# not the sandbox.
#
# Synchronisation is always on a condition: a file the pane's shell or the child
# writes, a fifo, or the pane's content, polled a bounded number of times.

PANE_ROWS=30
PANE_COLS=100

# pty_build — compile the driver into $T/pty_driver ($DRIVER).
pty_build() {
	command -v cc >/dev/null 2>&1 || skip "no C compiler (cc) to build the pty driver"
	LAST_CMD="cc -std=gnu17 -D_GNU_SOURCE -I\$ROOT tests/integration/pty_driver.c launcher/run_loop.c launcher/log.c tests/integration/pty_driver_nomask.c"
	(cd "$ROOT" && cc -std=gnu17 -D_GNU_SOURCE -I"$ROOT" $(pkg-config --cflags libpcre2-8) \
		tests/integration/pty_driver.c launcher/run_loop.c launcher/log.c \
		tests/integration/pty_driver_nomask.c -o "$T/pty_driver") >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	LAST_CMD=
	DRIVER=$T/pty_driver
	# Every process of the case inherits this marker (see kill_if_ours).
	export PTY_CASE=$T
	# The developer's log level must not add messages to the driver's stderr.
	unset AIGATE_LOG_LEVEL
	trap 'pty_cleanup; case_cleanup' EXIT
}

# kill_if_ours PID — SIGKILL PID if it is still a process of this case (its
# environment carries PTY_CASE=$T), never a recycled pid.
kill_if_ours() {
	[ -r "/proc/$1/environ" ] || return 0
	tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "PTY_CASE=$T" || return 0
	kill -KILL "$1" 2>/dev/null
}

# pty_cleanup — kill what a case left running (the pids in $T/*.pid), then
# its tmux server.
pty_cleanup() {
	local f
	for f in "$T"/*.pid; do
		[ -s "$f" ] && kill_if_ours "$(cat "$f")"
	done
	if [ -n "${TMUX_CMD+x}" ]; then
		"${TMUX_CMD[@]}" kill-server >/dev/null 2>&1
	fi
}

file_ready() {
	[ -s "$1" ]
}

# proc_gone PID — PID has exited (gone, or a zombie nobody reaped yet).
proc_gone() {
	local state
	state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" = Z ]
}

proc_stopped() {
	[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = T ]
}

# ---- tmux ---------------------------------------------------------------------

# tmux_start — build the driver and start a detached ${PANE_COLS}x$PANE_ROWS
# session running an interactive sh, on a private server ($T/tmux.sock).
tmux_start() {
	need_tmux
	pty_build
	printf 'set -g status off\n' >"$T/tmux.conf"
	TMUX_CMD=(tmux -S "$T/tmux.sock" -f "$T/tmux.conf")
	"${TMUX_CMD[@]}" new-session -d -x "$PANE_COLS" -y "$PANE_ROWS" -s pty \
		"env -i PATH=$CLEAN_PATH HOME=$T TERM=screen PTY_CASE=$T PS1='\$ ' sh -i" ||
		fail "cannot start a tmux session"
	PANE_TTY=$("${TMUX_CMD[@]}" display -p -t pty '#{pane_tty}')
	[ -c "$PANE_TTY" ] || fail "no tty for the tmux pane ('$PANE_TTY')"
	wait_until "the pane's shell prompt" pane_has '$'
}

# pane_type LINE — type LINE and Enter into the pane's shell.
pane_type() {
	"${TMUX_CMD[@]}" send-keys -t pty -l "$1" && "${TMUX_CMD[@]}" send-keys -t pty Enter
}

pane_has() {
	"${TMUX_CMD[@]}" capture-pane -p -t pty | grep -qF -- "$1"
}

pane_has_line() {
	"${TMUX_CMD[@]}" capture-pane -p -t pty | grep -qxF -- "$1"
}

# The pane's terminal as the user would see it from outside.
pane_mode() {
	stty -F "$PANE_TTY" -g
}

pane_is_raw() {
	stty -F "$PANE_TTY" -a | grep -qE '(^| )-icanon( |$)'
}

# assert_pane_has TEXT — the pane shows TEXT (already there: no waiting).
assert_pane_has() {
	pane_has "$1" && return 0
	"${TMUX_CMD[@]}" capture-pane -p -t pty >"$OUT" 2>&1
	: >"$ERR"
	LAST_CMD="(the tmux pane)"
	fail "the pane should show: $1"
}

# ---- cases ----------------------------------------------------------------------

# CMD sees a terminal of the user's size, in a session of its own whose
# controlling terminal is the pty, not the user's terminal.
test_pty_child_sees_terminal() {
	tmux_start
	write_file "$T/child.sh" <<EOF
[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo TTY-YES
stty size
[ "\$(cut -d' ' -f6 /proc/\$\$/stat)" = "\$\$" ] && echo OWN-SESSION
tty >$T/child_tty
EOF
	pane_type "$DRIVER sh $T/child.sh; echo \$? >$T/rc"
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 0 "exit status of the driver"
	assert_pane_has TTY-YES
	pane_has_line "$PANE_ROWS $PANE_COLS" || assert_pane_has "$PANE_ROWS $PANE_COLS"
	assert_pane_has OWN-SESSION
	local child_tty
	child_tty=$(cat "$T/child_tty")
	case "$child_tty" in /dev/pts/*) ;; *) fail "the child's tty should be a pty, got '$child_tty'" ;; esac
	[ "$child_tty" != "$PANE_TTY" ] || fail "the child's controlling terminal is the user's ($PANE_TTY)"
}

# A resize of the user's terminal reaches CMD as SIGWINCH with the new size.
test_pty_resize() {
	tmux_start
	write_file "$T/child.sh" <<'EOF'
trap 'stty size' WINCH
trap 'exit 5' INT
echo READY-RESIZE
while :; do sleep 0.1; done
EOF
	pane_type "$DRIVER sh $T/child.sh; echo \$? >$T/rc"
	wait_until "the child to be ready" pane_has READY-RESIZE
	"${TMUX_CMD[@]}" resize-window -t pty -x 120 -y 40 || fail "tmux resize-window failed"
	wait_until "the child to print the new size" pane_has_line "40 120"
	"${TMUX_CMD[@]}" send-keys -t pty C-c
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 5 "exit status of the driver"
}

# Typed ^C is a byte on the relay (the user's terminal is raw) that the pty
# turns into SIGINT for CMD; the mode is restored afterwards.
test_pty_ctrl_c_reaches_child() {
	tmux_start
	write_file "$T/child.sh" <<'EOF'
trap 'echo GOT-INT; exit 5' INT
echo READY-INT
while :; do sleep 0.1; done
EOF
	local before
	before=$(pane_mode)
	pane_type "$DRIVER sh $T/child.sh; echo \$? >$T/rc"
	wait_until "the child to be ready" pane_has READY-INT
	wait_until "the user's terminal to be raw" pane_is_raw
	"${TMUX_CMD[@]}" send-keys -t pty C-c
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 5 "exit status of the driver"
	assert_pane_has GOT-INT
	assert_eq "$(pane_mode)" "$before" "terminal mode after the run"
}

# stty -g in the pane before and after: identical when CMD exits normally.
test_pty_mode_restored_after_exit() {
	tmux_start
	pane_type "stty -g >$T/before; $DRIVER sh -c 'exit 3'; echo \$? >$T/rc; stty -g >$T/after; echo done >$T/done"
	wait_until "the commands in the pane" file_ready "$T/done"
	assert_eq "$(cat "$T/rc")" 3 "exit status of the driver"
	[ -s "$T/before" ] || fail "stty -g printed nothing"
	assert_eq "$(cat "$T/after")" "$(cat "$T/before")" "stty -g after the run"
}

# The same when init exits while a process it left behind still holds the
# pty (no EIO on the master): the loop itself restores the mode.
test_pty_mode_restored_with_pty_held() {
	tmux_start
	# SIGHUP ignored before the fork (inherited, no race): the kernel hangs up
	# the pty's foreground group when its session leader (sh) exits.
	write_file "$T/child.sh" <<EOF
trap '' HUP
sleep 600 &
echo \$! >$T/bg.pid
exit 3
EOF
	pane_type "stty -g >$T/before; $DRIVER sh $T/child.sh; echo \$? >$T/rc; stty -g >$T/after; echo done >$T/done"
	wait_until "the commands in the pane" file_ready "$T/done"
	assert_eq "$(cat "$T/rc")" 3 "exit status of the driver"
	proc_gone "$(cat "$T/bg.pid")" && fail "the background process should still hold the pty"
	assert_eq "$(cat "$T/after")" "$(cat "$T/before")" "stty -g after the run"
}

# The same when CMD is killed with SIGKILL from outside: the driver exits 137.
test_pty_mode_restored_after_sigkill() {
	tmux_start
	write_file "$T/child.sh" <<EOF
echo \$\$ >$T/child.pid
exec sleep 600
EOF
	pane_type "stty -g >$T/before; $DRIVER sh $T/child.sh; echo \$? >$T/rc; stty -g >$T/after; echo done >$T/done"
	wait_until "the child's pid" file_ready "$T/child.pid"
	wait_until "the user's terminal to be raw" pane_is_raw
	kill -KILL "$(cat "$T/child.pid")"
	wait_until "the commands in the pane" file_ready "$T/done"
	assert_eq "$(cat "$T/rc")" 137 "exit status of the driver"
	assert_eq "$(cat "$T/after")" "$(cat "$T/before")" "stty -g after the run"
}

# aigate itself killed by a catchable fatal signal (SIGALRM: not forwarded,
# default action) restores the terminal on its way out.
test_pty_mode_restored_after_fatal_signal() {
	tmux_start
	write_file "$T/child.sh" <<EOF
echo \$\$ >$T/child.pid
echo \$PPID >$T/driver.pid
exec sleep 600
EOF
	pane_type "stty -g >$T/before; $DRIVER sh $T/child.sh; echo \$? >$T/rc; stty -g >$T/after; echo done >$T/done"
	wait_until "the driver's pid" file_ready "$T/driver.pid"
	wait_until "the user's terminal to be raw" pane_is_raw
	kill -ALRM "$(cat "$T/driver.pid")"
	wait_until "the commands in the pane" file_ready "$T/done"
	assert_eq "$(cat "$T/rc")" $((128 + 14)) "exit status of the driver (SIGALRM)"
	assert_eq "$(cat "$T/after")" "$(cat "$T/before")" "stty -g after the run"
}

# kill -TSTP aigate: CMD is told, the terminal is restored and aigate stops;
# fg brings back raw mode and the relay.
test_pty_suspend_and_resume() {
	tmux_start
	write_file "$T/child.sh" <<EOF
trap 'echo GOT-INT; exit 5' INT
echo \$PPID >$T/driver.pid
echo READY-TSTP
while :; do sleep 0.1; done
EOF
	local before drv
	before=$(pane_mode)
	pane_type "$DRIVER sh $T/child.sh"
	wait_until "the child to be ready" pane_has READY-TSTP
	wait_until "the user's terminal to be raw" pane_is_raw
	drv=$(cat "$T/driver.pid")
	kill -TSTP "$drv"
	wait_until "the driver to stop" proc_stopped "$drv"
	assert_eq "$(pane_mode)" "$before" "terminal mode while the driver is stopped"
	wait_until "the shell to report the stopped job" pane_has Stopped
	pane_type "fg; echo \$? >$T/rc"
	wait_until "the user's terminal to be raw again" pane_is_raw
	"${TMUX_CMD[@]}" send-keys -t pty C-c
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 5 "exit status of the driver after fg"
	assert_pane_has GOT-INT
	assert_eq "$(pane_mode)" "$before" "terminal mode after the run"
}

# A terminal the driver's user cannot open (root's pane, driver run as the
# unprivileged test user, as after su): the relay falls back to the inherited
# fds and everything still works.
test_pty_terminal_of_another_user() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the driver as another user than the terminal's owner"
	tmux_start
	write_file "$T/child.sh" <<'EOF'
[ -t 0 ] && [ -t 1 ] && echo TTY-YES
trap 'echo GOT-INT; exit 5' INT
echo READY-USER
while :; do sleep 0.1; done
EOF
	fix_owner
	local before
	before=$(pane_mode)
	pane_type "${AS_USER[*]} $DRIVER sh $T/child.sh; echo \$? >$T/rc"
	wait_until "the child to be ready" pane_has READY-USER
	wait_until "the user's terminal to be raw" pane_is_raw
	"${TMUX_CMD[@]}" send-keys -t pty C-c
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 5 "exit status of the driver"
	assert_pane_has TTY-YES
	assert_pane_has GOT-INT
	assert_eq "$(pane_mode)" "$before" "terminal mode after the run"
}

# `cmd > file` in a terminal: CMD's stdout is the file (not the pty), its
# stderr still reaches the terminal, and nothing of the relay lands in the file.
test_pty_redirected_stdout() {
	tmux_start
	write_file "$T/child.sh" <<'EOF'
echo TO-FILE
[ -t 1 ] || echo STDOUT-NOT-A-TTY >&2
[ -t 2 ] && echo STDERR-IS-A-TTY >&2
EOF
	pane_type "$DRIVER sh $T/child.sh >$T/file; echo \$? >$T/rc"
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 0 "exit status of the driver"
	assert_eq "$(cat "$T/file")" TO-FILE "content of the redirected stdout"
	assert_pane_has STDOUT-NOT-A-TTY
	assert_pane_has STDERR-IS-A-TTY
}

# stdin redirected, stdout a terminal: CMD reads the file itself, and the
# keyboard still reaches it through the pty (raw mode, ^C relayed).
test_pty_stdin_redirected() {
	tmux_start
	echo FROM-FILE >"$T/input"
	write_file "$T/child.sh" <<'EOF'
read -r line
echo "READ:$line"
[ -t 0 ] || echo STDIN-NOT-A-TTY
trap 'echo GOT-INT; exit 5' INT
echo READY-STDIN
while :; do sleep 0.1; done
EOF
	pane_type "$DRIVER sh $T/child.sh <$T/input; echo \$? >$T/rc"
	wait_until "the child to be ready" pane_has READY-STDIN
	wait_until "the user's terminal to be raw" pane_is_raw
	"${TMUX_CMD[@]}" send-keys -t pty C-c
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 5 "exit status of the driver"
	assert_pane_has READ:FROM-FILE
	assert_pane_has STDIN-NOT-A-TTY
	assert_pane_has GOT-INT
}

# Output CMD wrote just before exiting is drained from the pty, not lost: one
# write of ~40 KB (it fits in the pty's buffers, so CMD exits at once) then exit.
test_pty_output_drained_at_exit() {
	tmux_start
	seq 1 8000 >"$T/blob"
	echo LAST-LINE >>"$T/blob"
	pane_type "$DRIVER cat $T/blob; echo \$? >$T/rc"
	wait_until "the driver to exit" file_ready "$T/rc"
	assert_eq "$(cat "$T/rc")" 0 "exit status of the driver"
	pane_has_line 8000 || assert_pane_has 8000
	assert_pane_has LAST-LINE
}

# No terminal (CI): no pty, CMD inherits the fds and the caller's session,
# and its exit status comes back.
test_pty_no_terminal_status() {
	pty_build
	local sid
	sid=$(cut -d' ' -f6 /proc/self/stat)
	LAST_CMD="pty_driver sh -c '...; exit 7' </dev/null >out 2>err"
	"$DRIVER" sh -c '[ -t 0 ] || [ -t 1 ] || [ -t 2 ] || echo NO-TTY; cut -d" " -f6 /proc/self/stat; echo OUT-LINE; exit 7' \
		</dev/null >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 7
	assert_stdout_contains NO-TTY
	assert_stdout_contains OUT-LINE
	[ "$(sed -n 2p "$OUT")" != "$sid" ] || fail "the child must not share the caller's session (it could open the user's terminal)"
	assert_stderr_empty
}

# A terminal but every fd redirected: no pty, and CMD is in a session of its
# own (it must not be able to open the user's terminal), so a typed ^C reaches
# only the driver, which forwards it: exactly once. The driver's debug log
# lists what it forwards; a later kill -TERM (forwarded, and read from the
# signalfd after SIGINT) marks the point by which the SIGINT was handled.
test_pty_no_pty_keyboard_signal_once() {
	tmux_start
	write_file "$T/child.sh" <<EOF
echo \$PPID >$T/driver.pid
trap 'echo INT >>$T/log' INT
trap 'echo TERM >>$T/log; exit 6' TERM
echo ready >$T/ready
while :; do sleep 0.1; done
EOF
	pane_type "AIGATE_LOG_LEVEL=debug $DRIVER sh $T/child.sh </dev/null >$T/out 2>$T/err; echo \$? >$T/rc"
	wait_until "the child to be ready" file_ready "$T/ready"
	"${TMUX_CMD[@]}" send-keys -t pty C-c
	wait_until "the child to get the typed ^C" file_ready "$T/log"
	kill -TERM "$(cat "$T/driver.pid")"
	wait_until "the driver to exit" file_ready "$T/rc"
	LAST_CMD="pty_driver sh child.sh </dev/null >out 2>err (in the pane), ^C, kill -TERM"
	cp "$T/out" "$OUT"
	cp "$T/err" "$ERR"
	assert_eq "$(cat "$T/rc")" 6 "exit status of the driver"
	assert_eq "$(tr '\n' ' ' <"$T/log")" "INT TERM " "signals the child handled"
	assert_stderr_contains "forwarded signal 15 to the sandbox"
	assert_stderr_contains "forwarded signal 2 to the sandbox"
}

# kill -TERM aigate reaches CMD (no terminal); the child's readiness comes
# through a fifo, its exit status back through the driver.
test_pty_sigterm_forwarded() {
	pty_build
	local line drv
	mkfifo "$T/ready" || fail "mkfifo failed"
	# Read-write: opening never blocks, and read -t bounds the wait.
	exec 3<>"$T/ready"
	LAST_CMD="pty_driver sh -c 'trap ... TERM; echo READY >fifo; loop' &"
	"$DRIVER" sh -c 'trap "echo GOT-TERM; exit 9" TERM; echo $$ >"$2"; echo READY >"$1"; while :; do sleep 0.1; done' \
		sh "$T/ready" "$T/child.pid" </dev/null >"$OUT" 2>"$ERR" &
	drv=$!
	echo "$drv" >"$T/driver.pid"
	read -r -t 10 line <&3 || fail "the child did not report READY"
	assert_eq "$line" READY "line from the child"
	kill -TERM "$drv"
	wait_until "the driver to exit" proc_gone "$drv"
	wait "$drv"
	STATUS=$?
	assert_status 9
	assert_stdout_contains GOT-TERM
	assert_stderr_empty
}
