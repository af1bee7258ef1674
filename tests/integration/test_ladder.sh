# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034,SC2317 # $… in single quotes is for the sandbox's shell; AG_ENV/NOTE/LAST_CMD/STATUS are read by lib.sh; cases are called by run.sh
# test_ladder.sh — the fallback ladder (issue 9, docs/fallback.md), tested on
# this machine as the issue asks: rung 2 by running aigate where neither a
# user nor a mount namespace can be made (tests/integration/no_userns.sh:
# inside a user namespace whose user.max_user_namespaces is 0, every
# capability dropped, SECBIT_NOROOT locked), rung 3 by also taking Landlock
# away (AIGATE_TEST_NO_LANDLOCK=1, the documented test-only switch).
#
# The red-team cases of test_supervisor.sh that the rungs claim to stop are
# run again on each rung, unchanged (their assertions: the denial and its
# audit record). The cases below them test what the flat rungs do instead of
# mounts: the write roots kept by the supervisor and Landlock, what stays
# read-only inside them, /proc of other processes, nothing outliving the
# run, the private TMPDIR, and the refusals with their fixes.

# shellcheck source=tests/integration/test_supervisor.sh
. "$HERE/test_supervisor.sh"

# The red-team cases, per rung (functions of test_supervisor.sh).
test_ladder_rung2_cat_env_denied() { use_rung 2 && test_supervisor_cat_env_denied; }
test_ladder_rung2_static_open_denied() { use_rung 2 && test_supervisor_static_open_denied; }
test_ladder_rung3_static_open_denied() { use_rung 3 && test_supervisor_static_open_denied; }
test_ladder_rung2_open_race() { use_rung 2 && test_supervisor_open_race; }
test_ladder_rung3_open_race() { use_rung 3 && test_supervisor_open_race; }
test_ladder_rung2_exec_argv_race() { use_rung 2 && test_supervisor_exec_argv_race; }
test_ladder_rung3_exec_argv_race() { use_rung 3 && test_supervisor_exec_argv_race; }
test_ladder_rung2_exec_argv_denied() { use_rung 2 && test_supervisor_exec_argv_denied; }
test_ladder_rung3_exec_argv_denied() { use_rung 3 && test_supervisor_exec_argv_denied; }
test_ladder_rung2_links_into_denied_file() { use_rung 2 && test_supervisor_links_into_denied_file; }
test_ladder_rung3_links_into_denied_file() { use_rung 3 && test_supervisor_links_into_denied_file; }
test_ladder_rung2_link_probe() { use_rung 2 && test_supervisor_link_probe; }
test_ladder_rung3_link_probe() { use_rung 3 && test_supervisor_link_probe; }
test_ladder_rung2_memfd_exec() { use_rung 2 && test_supervisor_memfd_exec; }
test_ladder_rung3_memfd_exec() { use_rung 3 && test_supervisor_memfd_exec; }
test_ladder_rung2_denied_name_created_inside() { use_rung 2 && test_supervisor_denied_name_created_inside; }
test_ladder_rung3_denied_name_created_inside() { use_rung 3 && test_supervisor_denied_name_created_inside; }
test_ladder_rung2_codex_auth_denied() { use_rung 2 && test_supervisor_codex_auth_denied; }
test_ladder_rung2_proc_self_links() { use_rung 2 && test_supervisor_proc_self_links; }

# ladder_setup RUNG — the enforceable default policy, an audit log, a .env.
ladder_setup() {
	sup_setup
	use_rung "$1"
}

# The session says which rung it ran on.
test_ladder_rung2_session_record() {
	ladder_setup 2
	ag_sup true
	assert_status 0
	assert_stderr_empty
	assert_audit "$AUDIT" action=session_start "enforcement=no user namespaces"
}

# Outside the write roots: the supervisor refuses what it would write
# (open, creat, rename, link, symlink, unlink, truncate) and Landlock what
# the kernel does alone (mkdir); each denial is recorded.
test_ladder_rung2_write_outside_roots() {
	ladder_setup 2
	# Outside every write root and not below /tmp (a home there is kept read-only).
	make_stable_dir
	local d=$STABLE
	write_file "$d/a.txt" <<<"keep"
	chown -R "$TEST_UID:$TEST_GID" "$d" 2>/dev/null
	ag_sup sh -c "echo x >$d/b.txt; echo create=\$?
		ln -s /etc/passwd $d/l 2>/dev/null; echo symlink=\$?
		mv $d/a.txt $d/c.txt 2>/dev/null; echo rename=\$?
		rm -f $d/a.txt; echo unlink=\$?
		mkdir $d/d 2>/dev/null; echo mkdir=\$?
		echo ok >in-project.txt; cat in-project.txt"
	assert_status 0
	assert_stdout_contains "create=2"
	assert_stdout_contains "symlink=1"
	assert_stdout_contains "rename=1"
	assert_stdout_contains "unlink=1"
	assert_stdout_contains "mkdir=1"
	assert_stdout_contains "ok"
	assert_file_contains "$d/a.txt" "keep"
	[ ! -e "$d/b.txt" ] && [ ! -e "$d/d" ] && [ ! -L "$d/l" ] ||
		fail "a file, link or directory was made outside the write roots"
	assert_audit "$AUDIT" action=open verdict=denied enforcer=supervisor errno=EACCES \
		"target=$d/b.txt" "rule.text=allow_write (outside every write root)"
	assert_audit "$AUDIT" action=symlink verdict=denied errno=EACCES "target=$d/l"
	assert_audit "$AUDIT" action=rename verdict=denied errno=EACCES "target=$d/a.txt"
	assert_audit "$AUDIT" action=unlink verdict=denied errno=EACCES "target=$d/a.txt"
}

# Rung 3 has no Landlock: the supervisor's calls are still refused; mkdir
# is not (the documented gap the refusal names).
test_ladder_rung3_write_outside_roots() {
	ladder_setup 3
	make_stable_dir
	local d=$STABLE
	ag_sup sh -c "echo x >$d/b.txt; echo create=\$?; mkdir $d/d; echo mkdir=\$?"
	assert_status 0
	assert_stdout_contains "create=2"
	assert_stdout_contains "mkdir=0"
	[ ! -e "$d/b.txt" ] || fail "a file was made outside the write roots"
	assert_stderr_contains "allow_write cannot be enforced at rung 3"
	assert_audit "$AUDIT" action=open verdict=denied errno=EACCES "target=$d/b.txt"
}

# Inside the project, what the host will run stays read-only: a hook
# (planted directly, through a symlink made first, or by moving .git
# aside) and git's config.
test_ladder_rung2_git_hooks_read_only() {
	ladder_setup 2
	ag_sup sh -c 'echo "#!/bin/sh" >.git/hooks/pre-commit; echo direct=$?
		ln -s .git/hooks h && echo "#!/bin/sh" >h/post-checkout; echo via_link=$?
		mv .git .git-aside 2>/dev/null; echo move_git=$?
		echo "[core] hooksPath=/tmp" >>.git/config; echo config=$?'
	assert_status 0
	assert_stdout_contains "direct=2"
	assert_stdout_contains "via_link=2"
	assert_stdout_contains "move_git=1"
	assert_stdout_contains "config=2"
	[ ! -e "$PROJ/.git/hooks/pre-commit" ] && [ ! -e "$PROJ/.git/hooks/post-checkout" ] &&
		[ -d "$PROJ/.git" ] || fail "a hook was planted or .git moved"
	assert_audit "$AUDIT" action=open verdict=denied errno=EROFS \
		"target=$PROJ/.git/hooks/pre-commit"
	assert_audit "$AUDIT" action=rename verdict=denied errno=EBUSY "target=$PROJ/.git"
}

test_ladder_rung3_git_hooks_read_only() {
	ladder_setup 3
	ag_sup sh -c 'echo "#!/bin/sh" >.git/hooks/pre-commit; echo direct=$?'
	assert_stdout_contains "direct=2"
	[ ! -e "$PROJ/.git/hooks/pre-commit" ] || fail "a hook was planted"
	assert_audit "$AUDIT" action=open verdict=denied errno=EROFS \
		"target=$PROJ/.git/hooks/pre-commit"
}

# A hard link made inside is a new name for the same file: a link to
# .git/config or to a file outside the write roots would be a writable
# alias of it (found by a security review); refused, recorded.
test_ladder_rung2_hard_link_alias() {
	ladder_setup 2
	ag_sup sh -c 'ln .git/config cfg; echo git_config=$?; ln "$HOME/.aigate/config.yaml" pol 2>/dev/null; echo policy=$?'
	assert_status 0
	assert_stdout_contains "git_config=1"
	assert_stdout_contains "policy=1"
	[ ! -e "$PROJ/cfg" ] || fail "a link to .git/config was made"
	assert_audit "$AUDIT" action=link verdict=denied errno=EROFS "target=$PROJ/.git/config"
}

# No PID namespace hides the user's other processes: their /proc files are
# refused (environ would show their secrets), and (Landlock ABI 6) they
# cannot be signalled.
test_ladder_rung2_other_processes() {
	ladder_setup 2
	local abi
	abi=$("$PYTHON" -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))')
	sleep 300 &
	local victim=$!
	ag_sup sh -c "cat /proc/$victim/environ >/dev/null; echo environ=\$?; kill -0 $victim; echo kill=\$?"
	kill "$victim"
	wait "$victim" 2>/dev/null
	assert_status 0
	assert_stdout_contains "environ=1"
	assert_audit "$AUDIT" action=open verdict=denied "target=/proc/$victim/environ"
	if [ "$abi" -ge 6 ]; then
		assert_stdout_contains "kill=1"
	fi
}

# Another process's descriptors through /proc/PID/fd (found by a security
# review; pidfd_getfd is denied by the filter on every rung): refused, and
# recorded, on rung 3 too.
test_ladder_rung3_other_process_fds() {
	ladder_setup 3
	write_file "$T/secret.txt" <<<"fd-secret-6c1e"
	local holder
	# The user's own process, outside the sandbox, holding the file open.
	"${AS_USER[@]}" sleep 300 7<"$T/secret.txt" &
	holder=$!
	ag_sup sh -c "cat /proc/$holder/fd/7; echo fd=\$?"
	kill "$holder"
	wait "$holder" 2>/dev/null
	assert_stdout_contains "fd=1"
	assert_stdout_not_contains "fd-secret-6c1e"
	assert_audit "$AUDIT" action=open verdict=denied "target=/proc/$holder/fd/7"
}

# What the agent starts in the background does not outlive the run, and
# the private TMPDIR is removed with everything in it.
test_ladder_rung2_nothing_outlives_the_run() {
	ladder_setup 2
	ag_sup sh -c 'echo "$TMPDIR"; echo data >"$TMPDIR/f"; (setsid sleep 1000 </dev/null >/dev/null 2>&1 &); echo started'
	assert_status 0
	assert_stdout_contains "started"
	local tmpdir
	tmpdir=$(head -n1 "$OUT")
	case "$tmpdir" in /tmp/aigate-*) ;; *) fail "TMPDIR is not a private directory: $tmpdir" ;; esac
	[ ! -e "$tmpdir" ] || fail "the private TMPDIR $tmpdir was left behind"
	if pgrep -u "$TEST_UID" -f "sleep 1000" >/dev/null; then
		pkill -u "$TEST_UID" -f "sleep 1000"
		fail "a background process outlived the run"
	fi
}

# Rung 3 refuses without --allow-degraded, naming each gap and the fix.
test_ladder_rung3_refuses() {
	ladder_setup 3
	AG_RUN_OPTS=(--no-shim)
	ag_sup true
	assert_status 125
	assert_stderr_contains "allow_write cannot be enforced at rung 3 (no user namespaces, no Landlock)"
	assert_stderr_contains "process isolation cannot be enforced at rung 3"
	assert_stderr_contains "Fix: sysctl user.max_user_namespaces=15000"
	assert_stderr_contains "Or pass --allow-degraded"
}

# allow_net needs a network namespace: refused at rung 2, with the fix.
test_ladder_rung2_allow_net_refused() {
	ladder_setup 2
	printf 'allow_net:\n  - "example.com"\n' >>"$CFG"
	ag_sup true
	assert_status 125
	assert_stderr_contains "allow_net cannot be enforced at rung 2 (no user namespaces): it needs a network namespace of its own"
	assert_stderr_contains "Fix: sysctl user.max_user_namespaces=15000"
}

# The doctor says which rung `run` gets, and why.
test_ladder_rung2_doctor() {
	ladder_setup 2
	ag doctor
	assert_stdout_contains "would get: 2 — no user namespaces"
	assert_stdout_contains "user.max_user_namespaces"
}
