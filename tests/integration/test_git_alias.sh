# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # $… in single quotes is for the sandbox's shell; NOTE/LAST_CMD are read by lib.sh
# test_git_alias.sh — a "git push" rule against git aliases (issue 6): git
# expands an alias itself, so `git -c alias.p=push p` and
# `GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0=push git p`
# are pushes whose command line never says "push". The real git pushes to a
# local bare repository: natively each push succeeds (the attack is real), in
# the sandbox it fails, the remote is unchanged, and the audit trail has the
# denial. The commands run from a script, which hides them from the
# launcher's pre-check: the supervisor is what answers (the shim, which
# would answer first for the dynamic shell's exec of git, is left out:
# aigate run --no-shim; test_shim_channel.sh runs one alias with it).
SUITE_RUN_OPTS=(--no-shim)

# ga_git ARGS… — git on the case's repositories from the host side (as
# root they belong to the test user: safe.directory lets git read them).
ga_git() {
	git -c safe.directory='*' "$@"
}

# ga_setup — the default policy plus "git push", and a project with one
# commit whose "origin" is a bare repository inside the project (the
# sandbox's /tmp is its own, so the remote must be in the project).
ga_setup() {
	write_cfg_enforceable
	sed -i '/^  - "kubectl exec"$/a\  - "git push"' "$CFG"
	grep -q '^  - "git push"$' "$CFG" || fail "setup: no \"git push\" rule in $CFG"
	AUDIT=$T/audit.jsonl
	REMOTE=$PROJ/remote.git
	ga_git init -q --bare "$REMOTE" || fail "setup: git init --bare"
	printf 'remote.git/\n*.sh\n' >>"$PROJ/.git/info/exclude"
	write_file "$PROJ/a.txt" <<<"a"
	(
		cd "$PROJ" &&
			ga_git add a.txt &&
			ga_git -c user.name=t -c user.email=t@t commit -q -m a &&
			ga_git remote add origin "$REMOTE"
	) || fail "setup: commit"
	fix_owner
}

# ga_branches — the remote's branches, one per line.
ga_branches() {
	ga_git --git-dir="$REMOTE" for-each-ref --format='%(refname:short)' refs/heads
}

# ga_native NAME CMD — CMD (a shell line) pushes branch NAME natively: as
# the test user, with aigate's clean environment, no sandbox.
ga_native() {
	NOTE="calibration: $2"
	printf '%s\n' "$2" | write_file "$PROJ/native.sh"
	LAST_CMD="(natively) sh -c $(printf '%q' "$2")"
	(cd "$PROJ" && exec env -i PATH="$CLEAN_PATH" HOME="$HOME_DIR" LANG=C.UTF-8 \
		"${AS_USER[@]}" sh ./native.sh) >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	ga_branches | grep -qx "$1" || fail "natively, branch $1 was not pushed"
	NOTE=
}

# ga_denied NAME CMD — in the sandbox CMD fails, branch NAME is not pushed.
ga_denied() {
	NOTE=$2
	printf '%s\n' "$2" | write_file "$PROJ/t.sh"
	ag run --audit-log "$AUDIT" -- sh ./t.sh
	[ "$STATUS" != 0 ] || fail "the push succeeded in the sandbox"
	assert_stderr_contains "(deny_exec \"git push\", ~/.aigate/config.yaml:$(cfg_line 'git push'))"
	if ga_branches | grep -qx "$1"; then
		fail "branch $1 reached the remote"
	fi
}

# ga_denied_early NAME CMD DEFINITION — ga_denied, and git's own exec was
# the one denied, with a clean EACCES: its argv holds DEFINITION, the alias.
# (Before the alias analysis, git itself ran and its child `git push` was
# denied: exit 255, "fatal: cannot exec 'git'", a record for ["git", "push", …].)
ga_denied_early() {
	ga_denied "$1" "$2"
	assert_status 126
	assert_stderr_contains "git: Permission denied"
	assert_audit "$AUDIT" action=exec verdict=denied errno=EACCES "rule.text=git push" \
		"argv=~\"$3\"" "argv=~refs/heads/$1\""
	assert_no_audit "$AUDIT" action=exec 'argv=~["git", "push"'
}

test_git_alias_argv() {
	ga_setup
	ga_native native-argv 'git -c alias.p=push p -q origin HEAD:refs/heads/native-argv'
	ga_denied_early argv 'git -c alias.p=push p -q origin HEAD:refs/heads/argv' alias.p=push
	ga_denied_early opts 'git -C . -c alias.p=push --no-pager p -q origin HEAD:refs/heads/opts' \
		alias.p=push
}

test_git_alias_chain_and_shell_alias() {
	ga_setup
	ga_native native-chain 'git -c alias.q=p -c alias.p=push q -q origin HEAD:refs/heads/native-chain'
	ga_native native-bang "git -c 'alias.p=!git push' p -q origin HEAD:refs/heads/native-bang"
	ga_denied_early chain 'git -c alias.q=p -c alias.p=push q -q origin HEAD:refs/heads/chain' alias.q=p
	ga_denied_early bang "git -c 'alias.p=!git push' p -q origin HEAD:refs/heads/bang" \
		'alias.p=!git push'
}

test_git_alias_environment() {
	ga_setup
	local env='GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0=push'
	ga_native native-env "$env git p -q origin HEAD:refs/heads/native-env"
	ga_native native-params "GIT_CONFIG_PARAMETERS=\"'alias.p'='push'\" git p -q origin HEAD:refs/heads/native-params"

	# git's own exec is judged with its environment: killed at the exec
	# stop, before its first instruction (a shim that sees the environment
	# may deny it earlier). The record is for `git p` itself. (Without
	# this, git ran and its child `git push` was denied: the record said
	# ["git", "push", …] and git exited 255.)
	ga_denied env "$env git p -q origin HEAD:refs/heads/env"
	assert_audit "$AUDIT" action=exec "rule.text=git push" 'argv=~["git", "p", "-q"' \
		'argv=~refs/heads/env"'
	ga_denied params "GIT_CONFIG_PARAMETERS=\"'alias.p'='push'\" git p -q origin HEAD:refs/heads/params"
	assert_audit "$AUDIT" action=exec "rule.text=git push" 'argv=~["git", "p", "-q"' \
		'argv=~refs/heads/params"'
	assert_audit "$AUDIT" action=exec verdict=killed enforcer=supervisor \
		"reason=the program's environment defines a git alias for a denied command"
	assert_no_audit "$AUDIT" action=exec 'argv=~["git", "push"'

	# Allowed: an alias for another command, and the environment's alias unused.
	NOTE="allowed aliases"
	AUDIT=$T/audit-allowed.jsonl
	printf '%s\n' "$env git -c alias.s=status s >/dev/null" \
		"GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.l GIT_CONFIG_VALUE_0=log git l -1 >/dev/null" |
		write_file "$PROJ/t.sh"
	ag run --audit-log "$AUDIT" -- sh ./t.sh
	assert_status 0
	assert_no_audit "$AUDIT" action=exec
}
