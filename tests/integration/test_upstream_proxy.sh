# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016 # AG_ENV is read by lib.sh; literal $ in sh -c
# test_upstream_proxy.sh — allow_net when the host itself must use a proxy:
# HTTPS_PROXY set in aigate's environment makes every connection out (the
# proxy's and a transparent connect's) a CONNECT through it, and the
# sandbox never sees the host's proxy settings. The upstream proxy here is
# a real one on loopback that logs what it is asked and resolves the test
# names itself (as a corporate proxy would); allow_net is still judged by
# aigate first.

# A CONNECT-only proxy: log "CONNECT host:port", map test names to 127.0.0.96.
UPSTREAM_PY='
import socket, sys, threading
log = open(sys.argv[2], "a", buffering=1)
names = {"allowed.test": "127.0.0.96", "denied.test": "127.0.0.96"}
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.95", int(sys.argv[1]))); s.listen(64)
print("ready", flush=True)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    try: b.shutdown(socket.SHUT_WR)
    except OSError: pass
def serve(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d: return
        head += d
    line = head.split(b"\r\n")[0].decode()
    log.write(line + "\n")
    method, target, _ = line.split(" ", 2)
    host, port = target.rsplit(":", 1)
    u = socket.create_connection((names.get(host, host), int(port)))
    c.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
    threading.Thread(target=pipe, args=(c, u)).start(); pipe(u, c)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,)).start()
'

upstream_setup() {
	need_python
	command -v curl >/dev/null 2>&1 || skip "curl is not installed"
	mkdir -p "$T/www"
	head -c 200000 /dev/urandom >"$T/www/blob"
	"$PYTHON" -m http.server 8081 --bind 127.0.0.96 --directory "$T/www" >"$T/http.log" 2>&1 &
	kill_later $!
	: >"$T/upstream.log"
	"$PYTHON" -c "$UPSTREAM_PY" 3129 "$T/upstream.log" >"$T/upstream.out" 2>&1 &
	kill_later $!
	wait_until "the upstream proxy" grep -q ready "$T/upstream.out"
	wait_until "the HTTP server" "$PYTHON" -c 'import socket; socket.create_connection(("127.0.0.96", 8081)).close()'
	write_cfg <<'EOC'
allow_net:
  - "allowed.test:8081"
allow_private_addresses: true
EOC
	# No resolver knows the test names: the upstream proxy resolves them.
	AG_ENV=(HTTPS_PROXY=http://127.0.0.95:3129 AIGATE_DNS_SERVER=127.0.0.95:1)
}

# Through the sandbox's proxy: aigate's egress CONNECTs through the host's
# proxy, and the bytes arrive intact; the sandbox sees only aigate's proxy.
test_upstream_proxy_chained() {
	upstream_setup
	ag run --audit-log "$T/audit.jsonl" -- sh -c \
		'echo "proxy=$HTTPS_PROXY"; curl -sS http://allowed.test:8081/blob | sha256sum'
	assert_status 0
	assert_stdout_contains "proxy=http://127.0.0.1:3128"
	assert_stdout_contains "$(sha256sum <"$T/www/blob" | cut -d' ' -f1)"
	assert_file_contains "$T/upstream.log" "CONNECT allowed.test:8081 HTTP/1.1"
}

# A name allow_net lacks never reaches the host's proxy.
test_upstream_proxy_denied_not_forwarded() {
	upstream_setup
	ag run --audit-log "$T/audit.jsonl" -- curl -sS -o /dev/null -w '%{http_code}' \
		http://denied.test:8081/blob
	assert_stdout_contains 403
	assert_file_not_contains "$T/upstream.log" "denied.test"
	assert_audit "$T/audit.jsonl" action=connect enforcer=proxy target=denied.test:8081 verdict=denied
}

# A proxy URL aigate cannot chain through is refused at start (exit 125), not ignored.
test_upstream_proxy_bad_url_refused() {
	upstream_setup
	AG_ENV=(HTTPS_PROXY=socks5://127.0.0.95:3129)
	ag run --audit-log "$T/audit.jsonl" -- true
	assert_status 125
	assert_stderr_contains "HTTPS_PROXY=socks5://127.0.0.95:3129: only http://[user:pass@]host:port proxies can be chained"
}
