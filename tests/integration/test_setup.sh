# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_setup.sh — sudo aigate setup / reset, the ACL layer of `deny read` /
# `allow read`, and `aigate run --as-user` (docs/setup.md).
#
# These cases create and delete system accounts, so they need root (CI
# runs the suite as root on a throw-away VM). They use names of their own
# (aigate-t-agents / aigate-t-runner), removed when each case ends; one case
# tests the default names, and only when no such accounts exist. A machine
# set up for real (/etc/aigate/setup.conf naming other accounts) is never
# touched: the cases skip.

SG=aigate-t-agents
SU=aigate-t-runner
SETUP_CONF=/etc/aigate/setup.conf

# ---- helpers ------------------------------------------------------------------

# Remove the accounts and the record the case may have made (and a stale run's).
setup_accounts_cleanup() {
	local u g
	for u in "$SU" ${SETUP_EXTRA_USERS:-}; do
		id -u "$u" >/dev/null 2>&1 && userdel "$u" >/dev/null 2>&1
	done
	for g in "$SG" ${SETUP_EXTRA_GROUPS:-}; do
		getent group "$g" >/dev/null 2>&1 && groupdel "$g" >/dev/null 2>&1
	done
	if [ -f "$SETUP_CONF" ] && grep -q "^group=\($SG\|${SETUP_EXTRA_GROUPS:-$SG}\)\$" "$SETUP_CONF"; then
		rm -f "$SETUP_CONF"
		rmdir /etc/aigate 2>/dev/null
	fi
	return 0
}

# need_setup_root — skip unless root on a machine without a real aigate
# setup; remove what a crashed earlier run left; clean up when the case ends.
need_setup_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: the cases create and delete system accounts"
	command -v useradd >/dev/null 2>&1 || [ -x /usr/sbin/useradd ] || skip "no useradd (passwd package)"
	setup_accounts_cleanup
	if [ -e "$SETUP_CONF" ]; then
		skip "$SETUP_CONF exists: this machine is set up for real, the cases would change it"
	fi
	trap 'setup_accounts_cleanup; case_cleanup' EXIT
	# The runner must reach the case's files: only the ACL may stop it.
	chmod 0755 "$T" "$HOME_DIR" "$PROJ"
}

# ag_root ARGS… — aigate as root (no setpriv), otherwise as ag runs it.
ag_root() {
	local -a AS_USER=()
	ag "$@"
	LAST_CMD="(root) $LAST_CMD"
}

# as_runner CMD… — CMD as the runner, with exactly its groups; output in $OUT/$ERR.
as_runner() {
	LAST_CMD="(as $SU) $*"
	setpriv --reuid="$SU" --regid="$SG" --init-groups -- "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

# as_owner CMD… — CMD as the test user (the files' owner).
as_owner() {
	LAST_CMD="(as $TEST_USER) $*"
	setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups -- "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

# acl_of FILE [default] — the file's ACL entries, one per line ("group:1234:---"),
# read from the xattr: no getfacl needed.
acl_of() {
	need_python
	"$PYTHON" - "$1" "${2:-access}" <<'PY'
import os, struct, sys
tags = {1: "user::", 2: "user:", 4: "group::", 8: "group:", 0x10: "mask::", 0x20: "other::"}
try:
    raw = os.getxattr(sys.argv[1], "system.posix_acl_" + sys.argv[2], follow_symlinks=False)
except OSError:
    sys.exit(0)
for i in range(4, len(raw), 8):
    tag, perm, ident = struct.unpack("<HHI", raw[i:i + 8])
    bits = "".join(c if perm & b else "-" for c, b in (("r", 4), ("w", 2), ("x", 1)))
    print(tags[tag] + (str(ident) + ":" if tag in (2, 8) else "") + bits)
PY
}

# assert_acl_entry FILE [default] / assert_no_acl_entry FILE [default] — group:$SG:--- is (not) there.
assert_acl_entry() {
	local gid acl
	gid=$(getent group "$SG" | cut -d: -f3)
	acl=$(acl_of "$@")
	grep -qx "group:$gid:---" <<<"$acl" ||
		fail "$1 should carry the ${2:-access} ACL entry group:$SG:--- (has: $(tr '\n' ' ' <<<"$acl"))"
}

assert_no_acl_entry() {
	local gid acl
	gid=$(getent group "$SG" | cut -d: -f3)
	[ -n "$gid" ] || gid=${SG_GID:-none}
	acl=$(acl_of "$@")
	! grep -q "^group:$gid:" <<<"$acl" ||
		fail "$1 should not carry an ACL entry of group $SG (has: $(tr '\n' ' ' <<<"$acl"))"
}

setup_test_names() {
	ag_root setup --group "$SG" --user "$SU"
	assert_status 0
	SG_GID=$(getent group "$SG" | cut -d: -f3)
}

# ---- setup ------------------------------------------------------------------------

test_setup_creates_group_and_user() {
	need_setup_root
	getent group "$SG" >/dev/null && fail "setup: $SG exists before the case"
	ag_root setup --group "$SG" --user "$SU"
	assert_status 0
	assert_stderr_contains "created the system group $SG"
	assert_stderr_contains "created the system user $SU"
	getent group "$SG" >/dev/null || fail "group $SG was not created"
	id -u "$SU" >/dev/null 2>&1 || fail "user $SU was not created"
	assert_eq "$(id -gn "$SU")" "$SG" "primary group of $SU"
	local shell
	shell=$(getent passwd "$SU" | cut -d: -f7)
	case $shell in */nologin | */false) ;; *) fail "$SU has a login shell: $shell" ;; esac
	[ "$(getent passwd "$SU" | cut -d: -f3)" -lt 1000 ] || fail "$SU is not a system user"
	# The record: root's, readable by everyone, naming both.
	assert_file_contains "$SETUP_CONF" "group=$SG"
	assert_file_contains "$SETUP_CONF" "user=$SU"
	assert_eq "$(stat -c '%U %a' "$SETUP_CONF")" "root 644" "owner and mode of $SETUP_CONF"

	# Again: nothing changes.
	local before
	before=$(cat /etc/passwd /etc/group /etc/shadow /etc/gshadow "$SETUP_CONF" 2>/dev/null | sha256sum)
	ag_root setup --group "$SG" --user "$SU"
	assert_status 0
	assert_stderr_contains "already set up"
	assert_stderr_not_contains "created"
	assert_eq "$(cat /etc/passwd /etc/group /etc/shadow /etc/gshadow "$SETUP_CONF" 2>/dev/null | sha256sum)" \
		"$before" "account files and $SETUP_CONF after the second setup"
	# Without the names: the recorded ones, still nothing to do.
	ag_root setup
	assert_status 0
	assert_stderr_contains "already set up"
	# Other names than recorded: refused, nothing created.
	ag_root setup --group aigate-t-other
	assert_status 1
	assert_stderr_contains "already set up with the group $SG"
	getent group aigate-t-other >/dev/null && fail "setup created aigate-t-other"
	return 0
}

test_setup_adds_existing_user_to_group() {
	need_setup_root
	useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$SU" || fail "useradd $SU"
	SETUP_EXTRA_GROUPS=$SU # its own group, removed with it
	id -nG "$SU" | tr ' ' '\n' | grep -qx "$SG" && fail "setup: $SU is in $SG before the case"
	ag_root setup --group "$SG" --user "$SU"
	assert_status 0
	assert_stderr_contains "added the existing user $SU to the group $SG"
	id -nG "$SU" | tr ' ' '\n' | grep -qx "$SG" || fail "$SU is not a member of $SG"
	assert_file_contains "$SETUP_CONF" "created_user=no"
	# reset removes only what setup made: the group, not the user.
	ag_root reset --force
	assert_status 0
	assert_stderr_contains "keeping the user $SU"
	id -u "$SU" >/dev/null 2>&1 || fail "reset removed $SU, which setup did not create"
	getent group "$SG" >/dev/null && fail "reset left the group $SG"
	return 0
}

test_setup_and_reset_need_root() {
	getent group "$SG" >/dev/null && skip "$SG exists (a case of this file running elsewhere?)"
	[ "$(id -u)" -eq 0 ] || skip "needs root to show that only the unprivileged call is refused"
	ag setup --group "$SG" --user "$SU"
	assert_status 1
	assert_stderr_contains "operation requires elevated privileges"
	getent group "$SG" >/dev/null && fail "an unprivileged setup created $SG"
	ag reset --force
	assert_status 1
	assert_stderr_contains "operation requires elevated privileges"
	ag reset
	assert_status 1
	assert_stderr_contains "operation requires elevated privileges"
}

# ---- reset --------------------------------------------------------------------------

test_setup_reset_refuses_without_force() {
	need_setup_root
	setup_test_names
	printf 'SECRET=1\n' | write_file "$PROJ/.env"
	ag deny read .env
	assert_status 0
	assert_acl_entry "$PROJ/.env"
	local sum
	sum=$(checksum "$CFG")

	ag_root reset
	assert_status 1
	assert_stderr_contains "reset would remove"
	assert_stderr_contains "the user $SU"
	assert_stderr_contains "the group $SG"
	assert_stderr_contains "$SETUP_CONF"
	assert_stderr_contains "~/.aigate/config.yaml"
	assert_stderr_contains "the ACL entry of the group $SG on 1 file"
	assert_stderr_contains "sudo aigate reset --force"
	id -u "$SU" >/dev/null 2>&1 || fail "reset without --force removed $SU"
	getent group "$SG" >/dev/null || fail "reset without --force removed $SG"
	[ -f "$SETUP_CONF" ] || fail "reset without --force removed $SETUP_CONF"
	assert_eq "$(checksum "$CFG")" "$sum" "config.yaml after reset without --force"
	assert_acl_entry "$PROJ/.env"

	ag_root reset --force
	assert_status 0
	id -u "$SU" >/dev/null 2>&1 && fail "reset --force left the user $SU"
	getent group "$SG" >/dev/null && fail "reset --force left the group $SG"
	[ -e "$SETUP_CONF" ] && fail "reset --force left $SETUP_CONF"
	[ -e "$CFG" ] && fail "reset --force left $CFG"
	assert_no_acl_entry "$PROJ/.env"
	[ -z "$(acl_of "$PROJ/.env")" ] || fail "$PROJ/.env still has an extended ACL: $(acl_of "$PROJ/.env")"
	assert_eq "$(file_mode "$PROJ/.env")" 644 "mode of .env after its ACL entry was removed"
	# Nothing left: says so, exit 0.
	ag_root reset
	assert_status 0
	assert_stderr_contains "nothing to reset"
}

# ---- deny read / allow read: the ACL layer ----------------------------------------------

test_setup_deny_read_applies_acl() {
	need_setup_root
	setup_test_names
	printf 'SECRET=hunter2\n' | write_file "$PROJ/.env"
	printf 'key\n' | write_file "$PROJ/secrets/id"
	chmod 0755 "$PROJ/secrets"
	# Control: without the ACL the runner reads it (the file is world-readable).
	as_runner cat "$PROJ/.env"
	assert_status 0
	assert_stdout_contains "hunter2"

	ag deny read .env secrets/
	assert_status 0
	assert_file_contains "$CFG" '  - ".env"'
	assert_file_contains "$CFG" '  - "secrets/"'
	assert_stderr_contains "ACL: 2 files now deny the group $SG"
	assert_stderr_not_contains "warning"
	assert_acl_entry "$PROJ/.env"
	assert_acl_entry "$PROJ/secrets"
	assert_acl_entry "$PROJ/secrets" default
	# A member of the group cannot read it; its owner still can.
	as_runner cat "$PROJ/.env"
	[ "$STATUS" != 0 ] || fail "a member of $SG read the denied .env"
	assert_stderr_contains "Permission denied"
	assert_stdout_not_contains "hunter2"
	as_runner ls "$PROJ/secrets"
	[ "$STATUS" != 0 ] || fail "a member of $SG listed the denied secrets/"
	as_owner cat "$PROJ/.env"
	assert_status 0
	assert_stdout_contains "hunter2"
	# The default ACL: a file created in secrets/ later carries the entry too.
	as_owner sh -c "echo new >'$PROJ/secrets/new'"
	assert_status 0
	assert_acl_entry "$PROJ/secrets/new"

	# allow read takes the entries away: the runner reads again.
	ag allow read .env secrets/
	assert_status 0
	assert_stderr_contains "ACL: removed the entry of group $SG from 2 files"
	assert_no_acl_entry "$PROJ/.env"
	assert_no_acl_entry "$PROJ/secrets"
	assert_no_acl_entry "$PROJ/secrets" default
	as_runner cat "$PROJ/.env"
	assert_status 0
	assert_stdout_contains "hunter2"
}

# allow read of one rule keeps the entry of a file another rule still denies.
test_setup_allow_read_keeps_entries_other_rules_need() {
	need_setup_root
	setup_test_names
	printf 'SECRET=1\n' | write_file "$PROJ/prod.env"
	ag deny read prod.env "*.env"
	assert_status 0
	assert_acl_entry "$PROJ/prod.env"
	ag allow read prod.env
	assert_status 0
	assert_acl_entry "$PROJ/prod.env"
	ag allow read "*.env"
	assert_status 0
	assert_no_acl_entry "$PROJ/prod.env"
}

test_setup_deny_read_warns_without_group() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make sure no ai-agents group exists"
	getent group ai-agents >/dev/null && skip "this machine has an ai-agents group"
	[ -e "$SETUP_CONF" ] && skip "$SETUP_CONF exists: the group name would come from it"
	printf 'SECRET=1\n' | write_file "$PROJ/.env"
	printf 'machine x\n' | write_file "$HOME_DIR/.netrc2"
	ag init
	assert_status 0
	ag deny read .env "~/.netrc2"
	assert_status 0
	assert_file_contains "$CFG" '  - "~/.netrc2"'
	assert_stderr_contains "added 1 rule, 1 unchanged"
	assert_stderr_contains "warning: cannot protect $PROJ/.env with an ACL: group ai-agents does not exist (run sudo aigate setup first)"
	assert_stderr_contains "warning: cannot protect ~/.netrc2 with an ACL: group ai-agents does not exist (run sudo aigate setup first)"
	assert_eq "$(grep -c 'cannot protect' "$ERR")" 2 "one warning per file"
	[ -z "$(acl_of "$PROJ/.env")" ] || fail ".env got an ACL without the group"
}

test_setup_deny_read_warns_when_not_owner() {
	need_setup_root
	setup_test_names
	printf 'SECRET=1\n' >"$PROJ/root.env" # root's, not the test user's
	printf 'SECRET=2\n' | write_file "$PROJ/.env"
	chown root:root "$PROJ/root.env"
	ag deny read "*.env" .env
	assert_status 0
	assert_stderr_contains "warning: cannot protect $PROJ/root.env with an ACL: it belongs to root, not to you"
	assert_stderr_not_contains "cannot protect $PROJ/.env"
	assert_file_contains "$CFG" '  - "*.env"'
	assert_acl_entry "$PROJ/.env"
}

# A symlink at a denied name: not followed (its target is someone else's file).
test_setup_deny_read_skips_symlinks() {
	need_setup_root
	setup_test_names
	printf 'other\n' | write_file "$T/elsewhere"
	ln -s "$T/elsewhere" "$PROJ/.env"
	fix_owner
	ag deny read .env
	assert_status 0
	assert_stderr_contains "cannot protect $PROJ/.env with an ACL: it is a symlink"
	[ -z "$(acl_of "$T/elsewhere")" ] || fail "the symlink's target got an ACL: $(acl_of "$T/elsewhere")"
}

# ---- run --as-user ------------------------------------------------------------------------

test_setup_run_as_user() {
	need_setup_root
	setup_test_names
	write_cfg_enforceable
	printf 'TOKEN=hunter2\n' | write_file "$PROJ/token.txt"
	printf 'plain\n' | write_file "$PROJ/readme.txt"
	ag_root run --as-user "$SU" -- id -un
	assert_status 0
	assert_stdout_is "$SU"
	ag_root run --as-user "$SU" -- id -Gn
	assert_status 0
	assert_stdout_is "$SG"
	# Control: before deny read, the sandbox as the runner reads the file.
	ag_root run --as-user "$SU" -- cat token.txt
	assert_status 0
	assert_stdout_contains "hunter2"

	ag deny read token.txt
	assert_status 0
	assert_acl_entry "$PROJ/token.txt"
	ag_root run --as-user "$SU" -- cat token.txt
	[ "$STATUS" != 0 ] || fail "the sandbox read the denied token.txt"
	assert_stdout_not_contains "hunter2"
	# The ACL alone (the rule gone from the policy, the entry still there).
	sed -i '/^  - "token\.txt"$/d' "$CFG"
	grep -q 'token' "$CFG" && fail "setup: token.txt is still a rule of $CFG"
	ag_root run --as-user "$SU" -- cat token.txt readme.txt
	[ "$STATUS" != 0 ] || fail "the sandbox as $SU read token.txt past its ACL entry"
	assert_stdout_not_contains "hunter2"
	assert_stdout_contains "plain"
	assert_stderr_contains "Permission denied"
	assert_stderr_not_contains "deny_read"
	# Without --as-user (root), the same run reads it: the entry is what stopped $SU.
	ag_root run -- cat token.txt
	assert_status 0
	assert_stdout_contains "hunter2"
}

test_setup_run_as_user_errors() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to compare with the unprivileged call"
	ag run --as-user nobody -- id -un
	assert_status 2
	assert_stderr_contains "--as-user needs aigate started as root"
	assert_stdout_empty
	ag_root run --as-user aigate-t-nosuchuser -- id -un
	assert_status 2
	assert_stderr_contains "there is no user 'aigate-t-nosuchuser'"
	assert_stdout_empty
	ag_root run --as-user root -- id -un
	assert_status 2
	assert_stderr_contains "that user is root"
	assert_stdout_empty
}

# ---- the default names, once --------------------------------------------------------------

test_setup_default_names() {
	need_setup_root
	if getent group ai-agents >/dev/null || id -u ai-runner >/dev/null 2>&1; then
		skip "ai-agents or ai-runner exists on this machine: not touched"
	fi
	SETUP_EXTRA_USERS=ai-runner
	SETUP_EXTRA_GROUPS=ai-agents
	ag_root setup
	assert_status 0
	getent group ai-agents >/dev/null || fail "setup did not create ai-agents"
	assert_eq "$(id -gn ai-runner)" ai-agents "primary group of ai-runner"
	ag_root setup
	assert_status 0
	assert_stderr_contains "already set up"
	ag_root reset --force
	assert_status 0
	getent group ai-agents >/dev/null && fail "reset left ai-agents"
	id -u ai-runner >/dev/null 2>&1 && fail "reset left ai-runner"
	[ -e "$SETUP_CONF" ] && fail "reset left $SETUP_CONF"
	return 0
}
