# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016 # AG_ENV/NOTE are read by lib.sh; literal $ in sh -c
# test_shim_channel.sh — the launcher's side of the shim's contract
# (shim/shim_protocol.h): CMD starts with LD_PRELOAD and the AIGATE_SHIM_*
# variables, inherits the sealed policy and the audit socket, and what
# arrives on the socket is checked before it becomes a record: the pid is
# the kernel's, the enforcer is "shim", the rule comes from aigate's own
# policy by index, and a forged or malformed message is dropped. (The shim's
# hooks themselves: test_shim.sh.)

# this_shim — the absolute path of this build's libaigate_shim.so (BUILD may be absolute).
this_shim() {
	case "$BUILD" in
	/*) readlink -f "$BUILD/libaigate_shim.so" ;;
	*) readlink -f "$ROOT/$BUILD/libaigate_shim.so" ;;
	esac
}

chan_setup() {
	write_cfg_enforceable
	AUDIT=$T/audit.jsonl
	need_python
}

# The environment and descriptors CMD gets; the policy memfd is sealed (it
# cannot be written from inside), the library is this build's.
test_shim_channel_environment() {
	chan_setup
	ag run --audit-log "$AUDIT" -- python3 -c '
import fcntl, os
print("preload", os.environ["LD_PRELOAD"].split(":")[0])
print("path", os.environ["AIGATE_SHIM_PATH"])
pfd = int(os.environ["AIGATE_SHIM_POLICY_FD"])
print("policy", os.readlink("/proc/self/fd/%d" % pfd))
F_GET_SEALS = 1034
print("sealed-write", bool(fcntl.fcntl(pfd, F_GET_SEALS) & 0x8))
try:
    os.pwrite(pfd, b"x", 0); print("wrote")
except OSError as e:
    print("write", e.errno)
afd = int(os.environ["AIGATE_SHIM_AUDIT_FD"])
print("audit", os.readlink("/proc/self/fd/%d" % afd)[:7])'
	assert_status 0
	local lib
	lib=$(this_shim)
	[ -n "$lib" ] || fail "setup: no libaigate_shim.so in $BUILD"
	assert_stdout_contains "preload $lib"
	assert_stdout_contains "path $lib"
	assert_stdout_contains "policy /memfd:aigate-policy (deleted)"
	assert_stdout_contains "sealed-write True"
	assert_stdout_contains "write 1" # EPERM: F_SEAL_WRITE
	assert_stdout_contains "audit socket:"
}

# A user's own LD_PRELOAD stays, after the shim.
test_shim_channel_user_preload_kept() {
	chan_setup
	AG_ENV=(LD_PRELOAD=/nonexistent/libuser.so)
	ag run --audit-log "$AUDIT" -- sh -c 'echo "$LD_PRELOAD"'
	assert_status 0
	assert_stdout_is "$(this_shim):/nonexistent/libuser.so"
}

# send_msgs PY_LIST — send each bytes literal of the Python list on the socket, from inside.
send_msgs() {
	ag run --audit-log "$AUDIT" -- python3 -c '
import os, socket, sys
s = socket.socket(fileno=int(os.environ["AIGATE_SHIM_AUDIT_FD"]))
for m in eval(sys.argv[1]):
    s.send(m)
print("pid", os.getpid())' "$1"
	assert_status 0
}

# A well-formed denial becomes a record: enforcer shim, the sender's real
# pid (SCM_CREDENTIALS), the rule's text and origin from aigate's policy
# (index 0 of deny_exec is "curl"), the call and argv as sent. Nothing is
# printed by aigate for it (the shim prints its own line).
test_shim_channel_record() {
	chan_setup
	send_msgs '[b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=0\0target=/usr/bin/curl\0call=execvp\0errno=13\0argv=curl\0argv=http://x\0"]'
	local pid
	pid=$(sed -n 's/^pid //p' "$OUT")
	assert_eq "$(audit_count "$AUDIT" action=exec enforcer=shim verdict=denied "pid=$pid" rule.text=curl \
		"rule.origin=~/.aigate/config.yaml:$(cfg_line curl)" syscall=execvp target=/usr/bin/curl errno=EACCES \
		'argv=["curl", "http://x"]')" 1 "the shim's record"
	assert_stderr_not_contains "aigate: denied"
}

# Connect refusals under allow_net: the one the shim writes becomes a
# record (rule allow_net, aigate's own reason for the errno); forged ones
# are dropped: an argv riding along (it would stand in the record for the
# process's real one), a target that is a word of hex letters or not in
# canonical form, a port past 65535.
test_shim_channel_connect_forged() {
	chan_setup
	printf 'allow_net: ["api.example.com"]\n' >>"$CFG"
	send_msgs '[
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=192.0.2.1:80\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=192.0.2.2:80\0argv=curl\0argv=https://attacker.example/?AKIAFORGED\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=dead.beef.cafe:443\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=192.0.2.01:80\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=[2001:DB8::1]:80\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=192.0.2.3:99999\0"]'
	local pid
	pid=$(sed -n 's/^pid //p' "$OUT")
	assert_eq "$(audit_count "$AUDIT" action=connect enforcer=shim verdict=denied "pid=$pid" syscall=connect \
		target=192.0.2.1:80 rule.text=allow_net errno=ECONNREFUSED \
		"reason=not an address the DNS stub answered for a name in allow_net")" 1 "the shim's connect record"
	assert_eq "$(audit_count "$AUDIT" action=connect)" 1 "connect records (only the well-formed one)"
	assert_eq "$(audit_count "$AUDIT" action=session_end rejected=5)" 1 "rejected messages in the session end"
}

# Forged or malformed: each dropped, none written (not as the shim, not as
# another enforcer): a rule index past the list, an enforcer field, a
# second version, unknown keys, a missing verdict, an allowed exec naming a
# rule, an unterminated field, no "=", an over-long call name, argv past
# the limit, garbage; connect refusals in a run without allow_net, with a
# target that is not an address, another errno, an allowed verdict, an
# exec's call name or another list.
test_shim_channel_forged_dropped() {
	chan_setup
	send_msgs '[
b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=99999\0",
b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=0\0enforcer=supervisor\0",
b"v=2\0action=exec\0verdict=denied\0list=deny_exec\0rule=0\0",
b"v=1\0action=mount\0verdict=denied\0list=deny_exec\0rule=0\0",
b"v=1\0action=exec\0list=deny_exec\0rule=0\0",
b"v=1\0action=exec\0verdict=allowed\0list=deny_exec\0rule=0\0",
b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=0",
b"v=1\0action\0verdict=denied\0list=deny_exec\0rule=0\0",
b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=0\0call=" + b"a" * 40 + b"\0",
b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=0\0" + b"argv=x\0" * 65,
b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=-1\0",
b"garbage",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=192.0.2.1:80\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=111\0target=\x1b[2J evil\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=connect\0errno=13\0target=192.0.2.1:80\0",
b"v=1\0action=connect\0verdict=allowed\0call=connect\0errno=111\0target=192.0.2.1:80\0",
b"v=1\0action=connect\0verdict=denied\0list=allow_net\0rule=0\0call=execvp\0errno=111\0target=192.0.2.1:80\0",
b"v=1\0action=connect\0verdict=denied\0list=deny_read\0rule=0\0call=connect\0errno=111\0target=192.0.2.1:80\0"]'
	assert_eq "$(audit_count "$AUDIT" action=exec)" 0 "records from forged messages"
	assert_eq "$(audit_count "$AUDIT" action=connect)" 0 "connect records from forged messages"
	assert_eq "$(audit_count "$AUDIT" enforcer=supervisor action=exec)" 0 "records as the supervisor"
	# Counted, for whoever reads the trail: someone inside forged them.
	assert_eq "$(audit_count "$AUDIT" action=session_end rejected=18)" 1 "rejected messages in the session end"
}

# Allowed execs are recorded only under audit.level exec (or all).
test_shim_channel_allowed_needs_level() {
	chan_setup
	local msg='[b"v=1\0action=exec\0verdict=allowed\0target=/usr/bin/ls\0call=execvp\0argv=ls\0"]'
	send_msgs "$msg"
	assert_eq "$(audit_count "$AUDIT" enforcer=shim)" 0 "allowed, audit.level denied"
	printf 'audit:\n  level: exec\n' >>"$CFG"
	send_msgs "$msg"
	assert_eq "$(audit_count "$AUDIT" enforcer=shim verdict=allowed action=exec target=/usr/bin/ls)" 1 "allowed, audit.level exec"
}

# End to end, in the sandbox: a denial the shim makes (a dynamic sh refusing
# `kubectl delete`) is one line on stderr and one record, enforcer shim,
# with the argv as the program meant it; the supervisor never sees that
# exec. A child that closed every inherited descriptor (python's
# subprocess, close_fds=True) cannot send its record, so its shim lets the
# call through and the supervisor denies and records it instead: a denial
# always reaches the trail, from one enforcer or the other.
test_shim_channel_end_to_end() {
	chan_setup
	mkdir -p "$PROJ/bin"
	printf '#!/bin/sh\necho "kubectl ran: $*"\n' >"$PROJ/bin/kubectl"
	chmod 755 "$PROJ/bin/kubectl"
	printf 'bin/\n' >>"$PROJ/.git/info/exclude"
	fix_owner
	# A script: the launcher's pre-check of the command line would answer first.
	printf 'kubectl --context c delete pod y\necho "status $?"\n' >"$PROJ/t.sh"
	fix_owner
	AG_ENV=(PATH="$PROJ/bin:$CLEAN_PATH")
	ag run --audit-log "$AUDIT" -- sh t.sh
	assert_status 0
	assert_stdout_contains "status 126"
	assert_stdout_not_contains "kubectl ran"
	assert_eq "$(grep -c '^aigate: denied: ' "$ERR")" 1 "one line for one denial"
	assert_stderr_contains "(deny_exec \"kubectl delete\", ~/.aigate/config.yaml:$(cfg_line "kubectl delete"))"
	assert_eq "$(audit_count "$AUDIT" action=exec verdict=denied enforcer=shim "rule.text=kubectl delete" \
		'argv=["kubectl", "--context", "c", "delete", "pod", "y"]')" 1 "the shim's record"
	assert_no_audit "$AUDIT" enforcer=supervisor action=exec
	ag run --audit-log "$T/py.jsonl" -- python3 -c 'import subprocess
try:
    subprocess.run(["kubectl", "-n", "x", "delete", "pod", "y"])
except PermissionError as e:
    print("PermissionError", e.errno)'
	assert_status 0
	assert_stdout_contains "PermissionError 13"
	assert_stdout_not_contains "kubectl ran"
	assert_eq "$(audit_count "$T/py.jsonl" action=exec verdict=denied enforcer=supervisor "rule.text=kubectl delete")" 1 \
		"the supervisor's record"
	assert_no_audit "$T/py.jsonl" enforcer=shim
}

# The shim judges an exec with the environment it passes: a git alias
# defined there (GIT_CONFIG_COUNT…) for a denied "git push" is refused in
# the shell that runs it, recorded as the shim's, and git never starts.
test_shim_channel_git_alias_environment() {
	chan_setup
	sed -i '/^  - "kubectl exec"$/a\  - "git push"' "$CFG"
	grep -q '^  - "git push"$' "$CFG" || fail "setup: no \"git push\" rule in $CFG"
	printf 'GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0=push git p origin\necho "status $?"\n' >"$PROJ/t.sh"
	printf 't.sh\n' >>"$PROJ/.git/info/exclude"
	fix_owner
	ag run --audit-log "$AUDIT" -- sh t.sh
	assert_status 0
	assert_stdout_contains "status 126"
	assert_stderr_contains "(deny_exec \"git push\", ~/.aigate/config.yaml:"
	assert_eq "$(audit_count "$AUDIT" action=exec verdict=denied enforcer=shim "rule.text=git push" \
		'argv=["git", "p", "origin"]')" 1 "the shim's record"
	assert_no_audit "$AUDIT" enforcer=supervisor action=exec
}

# A message carrying descriptors (SCM_RIGHTS) is dropped, whatever it says
# (the supervisor closes any that reach it); a plain one still counts.
test_shim_channel_descriptors_dropped() {
	chan_setup
	ag run --audit-log "$AUDIT" -- python3 -c '
import os, socket
s = socket.socket(fileno=int(os.environ["AIGATE_SHIM_AUDIT_FD"]))
ok = b"v=1\0action=exec\0verdict=denied\0list=deny_exec\0rule=0\0call=execvp\0target=/usr/bin/curl\0"
r, w = os.pipe()
for i in range(50):
    socket.send_fds(s, [ok], [r])
s.send(ok)  # the control: a plain one is recorded
print("sent")'
	assert_status 0
	assert_stdout_contains "sent"
	assert_eq "$(audit_count "$AUDIT" action=exec enforcer=shim)" 1 "records (only the plain message)"
	assert_eq "$(audit_count "$AUDIT" action=session_end rejected=50)" 1 "rejected messages in the session end"
}
