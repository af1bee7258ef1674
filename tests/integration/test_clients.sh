# shellcheck shell=bash
# shellcheck disable=SC2034 # NOTE/LAST_CMD/STATUS are read by lib.sh
# test_clients.sh — the real agent CLIs start inside `aigate run` exactly as
# they do outside: `<client> --version` prints the same thing, exit 0, and
# aigate reports no error. The clients are installed once with npm into a
# cache outside the per-case directories ($CLIENTS_DIR), reused by later runs.
# Without npm or the registry the cases skip and say why.

CLIENTS_DIR=${AIGATE_TEST_NPM_DIR:-/var/cache/aigate-test-npm}
CLIENT_PKGS=(@anthropic-ai/claude-code @openai/codex @google/gemini-cli)

# clients_install — make sure every client is installed in $CLIENTS_DIR and
# readable by the test user; skip the case when that is impossible here.
clients_install() {
	local npm bin missing=0 rc log
	for bin in claude codex gemini; do
		[ -x "$CLIENTS_DIR/node_modules/.bin/$bin" ] || missing=1
	done
	if [ "$missing" = 1 ]; then
		npm=$(command -v npm) || skip "npm is not installed: cannot install the agent CLIs"
		command -v node >/dev/null 2>&1 || skip "node is not installed: the agent CLIs need it"
		mkdir -p "$CLIENTS_DIR" 2>/dev/null
		[ -w "$CLIENTS_DIR" ] ||
			skip "cannot write $CLIENTS_DIR (set AIGATE_TEST_NPM_DIR to a writable directory)"
		log=$T/npm-install.log
		# One installer at a time (parallel runners share the cache directory).
		(
			flock -w 600 9 || exit 98
			for bin in claude codex gemini; do
				[ -x "$CLIENTS_DIR/node_modules/.bin/$bin" ] || {
					timeout 600 "$npm" install --no-audit --no-fund --no-update-notifier \
						--cache "$CLIENTS_DIR/.npm-cache" --prefix "$CLIENTS_DIR" \
						"${CLIENT_PKGS[@]}"
					exit $?
				}
			done
			exit 0
		) 9>"$CLIENTS_DIR/.install.lock" >"$log" 2>&1
		rc=$?
		[ "$rc" = 0 ] || skip "npm install ${CLIENT_PKGS[*]} failed (exit $rc, registry unreachable?): $(grep -v '^npm warn' "$log" | tail -n 2 | tr '\n' ' ')"
		# The download cache is a second copy (~250 MB): node_modules is what is reused.
		rm -rf "$CLIENTS_DIR/.npm-cache"
		# The test user reads and executes the clients, nothing more.
		chmod -R a+rX,go-w "$CLIENTS_DIR"
	fi
	"${AS_USER[@]}" test -x "$CLIENTS_DIR/node_modules/.bin/claude" ||
		skip "$CLIENTS_DIR is not readable by uid $TEST_UID"
}

# native BIN ARGS… — run a program as the test user in $CWD with the same
# clean environment as aigate, without aigate; stdout in $NATIVE_OUT.
native() {
	NATIVE_OUT=$T/.native.stdout
	LAST_CMD="(cd ${CWD#"$T"/}) (natively) $(basename "$1")$(printf ' %q' "${@:2}")"
	ag_exec "$@" >"$NATIVE_OUT" 2>"$ERR"
	STATUS=$?
	cp "$NATIVE_OUT" "$OUT"
}

# check_client NAME — `NAME --version` natively and in the sandbox: same stdout, exit 0.
check_client() {
	local name=$1 bin=$CLIENTS_DIR/node_modules/.bin/$1
	NOTE="$name --version"
	native "$bin" --version
	assert_status 0
	[ -s "$NATIVE_OUT" ] || fail "$name --version printed nothing natively"
	ag run -- "$bin" --version
	assert_status 0
	cmp -s "$OUT" "$NATIVE_OUT" || {
		show_file "native stdout" "$NATIVE_OUT" >&2
		fail "$name --version: stdout in the sandbox differs from the native one"
	}
	# A denial the client survives (gemini reads a hidden .env) is reported, not a problem.
	if grep '^aigate:' "$ERR" | grep -qv '^aigate: denied: '; then
		fail "$name --version: aigate reported a problem on stderr"
	fi
}

test_clients_claude_version() {
	clients_install
	write_cfg_enforceable
	check_client claude
}

test_clients_codex_version() {
	clients_install
	write_cfg_enforceable
	check_client codex
}

# gemini reads the project's .env at start: the hidden (empty) one must not break it.
test_clients_gemini_version_with_env() {
	clients_install
	write_cfg_enforceable
	write_file "$PROJ/.env" <<'EOF'
GEMINI_API_KEY=fake-key-aigate-test-0123456789
EOF
	check_client gemini
	assert_stdout_not_contains "fake-key-aigate-test"
}
