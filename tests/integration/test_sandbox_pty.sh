# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # $… in single quotes is for the pane's shell; LAST_CMD/STATUS are read by lib.sh
# test_sandbox_pty.sh — the real `aigate run -- sh` on a terminal: a tmux
# pane of a known size, everything (tmux server, shell, aigate) running as the
# test user. The sandboxed shell gets a terminal of the pane's size that
# follows a resize, and the user's terminal is back in its own mode after.
#
# Synchronisation is on conditions only: the pane's content or the pane
# terminal's size, polled a bounded number of times.

TMUX_TARGET=sbx
PANE_ROWS=30
PANE_COLS=100

pane_has_line() {
	"${TMUX_CMD[@]}" capture-pane -p -t sbx | grep -qxF -- "$1"
}

# pane_prompt_is PROMPT — the pane's last non-empty line is PROMPT: the shell
# waits for input (typing earlier would interleave the tty's echo with output).
pane_prompt_is() {
	[ "$("${TMUX_CMD[@]}" capture-pane -p -t sbx | sed -e '/^$/d' | tail -n 1)" = "$1" ]
}

pane_tty_size_is() {
	[ "$(stty -F "$PANE_TTY" size 2>/dev/null)" = "$1" ]
}

# pane_type LINE — type LINE and Enter into the pane.
pane_type() {
	"${TMUX_CMD[@]}" send-keys -t sbx -l "$1" && "${TMUX_CMD[@]}" send-keys -t sbx Enter
}

# sbx_tmux_start — a private tmux server of the test user ($T/tmux.sock)
# with a ${PANE_COLS}x$PANE_ROWS session running an interactive sh in the project.
sbx_tmux_start() {
	need_tmux
	write_cfg_enforceable
	# The test user's login shell is nologin: tmux runs the pane's command with default-shell.
	printf 'set -g status off\nset -g default-shell /bin/sh\n' >"$T/tmux.conf"
	fix_owner
	TMUX_CMD=(env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" SHELL=/bin/sh "${AS_USER[@]}" tmux -S "$T/tmux.sock" -f "$T/tmux.conf")
	trap '"${TMUX_CMD[@]}" kill-server >/dev/null 2>&1; case_cleanup' EXIT
	"${TMUX_CMD[@]}" new-session -d -x "$PANE_COLS" -y "$PANE_ROWS" -s sbx -c "$PROJ" \
		"env -i PATH=$CLEAN_PATH HOME=$HOME_DIR AIGATE_HOME=$AG_HOME NO_COLOR=1 LANG=C.UTF-8 TERM=screen PS1='out\$ ' sh -i" ||
		fail "cannot start a tmux session as $TEST_USER"
	PANE_TTY=$("${TMUX_CMD[@]}" display -p -t sbx '#{pane_tty}')
	[ -c "$PANE_TTY" ] || fail "no tty for the tmux pane ('$PANE_TTY')"
	wait_until "the pane's shell prompt" pane_prompt_is 'out$'
}

# in_sandbox LINE EXPECTED — at the sandboxed shell's prompt, type LINE and
# wait for the output line EXPECTED.
in_sandbox() {
	wait_until "the sandboxed shell's prompt (before '$1')" pane_prompt_is 'in$'
	pane_type "$1"
	wait_until "'$2' from '$1' in the sandbox" pane_has_line "$2"
}

test_sandbox_pty_terminal_and_resize() {
	sbx_tmux_start
	local mode_before
	mode_before=$(stty -F "$PANE_TTY" -g) || fail "cannot read the pane's terminal mode"

	# The sandboxed shell's prompt passes in its environment.
	pane_type "PS1='in\$ ' $AIGATE run -- sh; echo \"RC=\$?\""
	in_sandbox 'echo IN-$((6*7)) $AIGATE_SANDBOX' "IN-42 1"
	in_sandbox '[ -t 0 ] && [ -t 1 ] && echo TTY-YES' "TTY-YES"
	in_sandbox 'stty size' "$PANE_ROWS $PANE_COLS"

	"${TMUX_CMD[@]}" resize-window -t sbx -x 120 -y 40 || fail "tmux resize-window failed"
	wait_until "the pane's terminal to be 40x120" pane_tty_size_is "40 120"
	in_sandbox 'stty size' "40 120"

	wait_until "the sandboxed shell's prompt (before exit)" pane_prompt_is 'in$'
	pane_type 'exit'
	wait_until "aigate to exit 0" pane_has_line "RC=0"
	wait_until "the pane's shell prompt after aigate" pane_prompt_is 'out$'
	assert_eq "$(stty -F "$PANE_TTY" -g)" "$mode_before" "the pane's terminal mode after aigate exited"
}
