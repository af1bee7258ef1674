# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_deny_allow.sh — aigate deny / allow: textual edits of the global policy.

# The values of list FIELD in `status --json`, as a Python list literal.
json_values() {
	ag status --json
	assert_status 0
	json_eval "[x['value'] for x in (j['$1'] or [])]"
}

test_deny_read_adds_rule() {
	ag init
	assert_status 0
	ag deny read .env2
	assert_status 0
	assert_stderr_contains "~/.aigate/config.yaml: added 1 rule, 0 unchanged"
	assert_file_contains "$CFG" '  - ".env2"'
	local line
	line=$(grep -n -F -x '  - ".env2"' "$CFG" | cut -d: -f1)
	ag status
	assert_status 0
	assert_stdout_contains ".env2"
	grep -qE "^  \.env2 +~/\.aigate/config\.yaml:$line\$" "$OUT" ||
		fail "status should list .env2 with origin ~/.aigate/config.yaml:$line"
	# Already there: a no-op, not an error.
	local sum
	sum=$(checksum "$CFG")
	ag deny read .env2
	assert_status 0
	assert_stderr_contains "added 0 rules, 1 unchanged"
	assert_eq "$(checksum "$CFG")" "$sum" "a no-op deny must not rewrite the file"
}

# The edit is textual: every comment and blank line of the file survives.
test_deny_read_keeps_comments() {
	ag init
	assert_status 0
	ag deny read .env2
	assert_status 0
	local c
	while IFS= read -r c; do
		grep -qxF -- "$c" "$CFG" || fail "comment line lost by deny read: $c"
	done < <(grep '^#' "$ROOT/policy/default-policy.yaml")
	# Exactly one line was added, nothing else moved.
	grep -v -x -F '  - ".env2"' "$CFG" | cmp -s - "$ROOT/policy/default-policy.yaml" ||
		fail "deny read changed more than the one added line: $(diff "$ROOT/policy/default-policy.yaml" "$CFG")"
}

test_deny_read_invalid_patterns() {
	ag init
	assert_status 0
	local sum p
	sum=$(checksum "$CFG")
	for p in "~bob/x" "a//b" "/" "///" "[abc" "a/../b" "./" "x\\"; do
		ag deny read -- "$p"
		assert_status 2
		assert_stderr_contains "invalid path pattern '$p'"
		assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be byte-identical after deny read '$p'"
	done
	ag deny read "~bob/x"
	assert_stderr_contains "~user is not supported"
	ag deny read "a//b"
	assert_stderr_contains "empty path component"
	ag deny read "/"
	assert_stderr_contains "would hide the whole file system"
	ag deny read "[abc"
	assert_stderr_contains "unterminated '[' class"
	# All or nothing: one bad value among good ones writes none of them.
	ag deny read good-one "[bad" good-two
	assert_status 2
	assert_eq "$(checksum "$CFG")" "$sum" "a partly invalid deny read must write nothing"
	assert_file_not_contains "$CFG" "good-one"
}

test_deny_read_invalid_pattern_without_config() {
	ag deny read "a//b"
	assert_status 2
	[ ! -e "$CFG" ] || fail "an invalid pattern must not create $CFG"
}

test_deny_exec_rules() {
	need_python
	write_cfg <<'EOF'
# mine
deny_read:
  - ".env"
EOF
	ag deny exec "kubectl delete"
	assert_status 0
	ag deny exec curl2
	assert_status 0
	assert_file_contains "$CFG" '  - "kubectl delete"'
	assert_file_contains "$CFG" '  - "curl2"'
	assert_file_contains "$CFG" "# mine"
	assert_eq "$(json_values deny_exec)" "['kubectl delete', 'curl2']"
	ag policy check exec -- kubectl delete pod x
	assert_status 1
	assert_stdout_contains 'deny_exec "kubectl delete", ~/.aigate/config.yaml:'
}

test_deny_exec_invalid_rules() {
	ag init
	assert_status 0
	local sum r
	sum=$(checksum "$CFG")
	for r in "kubectl *" "curl?" "\"quoted\"" "a b c d e f g h i"; do
		ag deny exec "$r"
		assert_status 2
		assert_stderr_contains "invalid deny_exec rule '$r'"
		assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be untouched after deny exec '$r'"
	done
}

test_allow_read_removes_rule() {
	ag init
	assert_status 0
	ag allow read .env
	assert_status 0
	assert_stderr_contains "removed 1 rule, 0 unchanged"
	assert_file_not_contains "$CFG" '  - ".env"'
	assert_file_contains "$CFG" '  - ".env.*"'
	ag status
	assert_status 0
	grep -qE '^  \.env +' "$OUT" && fail "status still lists .env after allow read .env"
	ag policy check read .env
	assert_status 0
	assert_stdout_contains "allowed: $PROJ/.env"
}

test_allow_read_missing_rule_warns() {
	ag init
	assert_status 0
	local sum
	sum=$(checksum "$CFG")
	ag allow read not-a-rule
	assert_status 0
	assert_stderr_contains "warning: 1 of the given rules were not in deny_read of ~/.aigate/config.yaml"
	assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be untouched"
}

# A rule listed twice (the loader accepts duplicates) must still be removable.
test_allow_read_duplicate_entry() {
	write_cfg <<'EOF'
deny_read:
  - ".env"
  - "x"
  - ".env"
EOF
	ag allow read .env
	assert_status 0
	assert_file_not_contains "$CFG" '".env"'
	assert_file_contains "$CFG" '"x"'
	ag status
	assert_status 0
}

test_allow_exec_removes_rule() {
	ag init
	assert_status 0
	ag allow exec curl
	assert_status 0
	assert_file_not_contains "$CFG" '  - "curl"'
	assert_file_contains "$CFG" '  - "wget"'
	ag policy check exec -- curl http://example.com
	assert_status 0
	assert_stdout_contains "allowed: curl"
}

test_deny_net_except() {
	need_python
	ag init
	assert_status 0
	ag deny net --except a.example --except b.example
	assert_status 0
	assert_stderr_contains "allow_net now lists only the given domains"
	assert_eq "$(json_values allow_net)" "['a.example', 'b.example']"
	assert_eq "$(json_eval "j['network']")" "allowlist"
	assert_file_not_contains "$CFG" "api.anthropic.com"
	# The other spellings: --except=D and several domains after one --except.
	ag deny net --except=c.example d.example
	assert_status 0
	assert_eq "$(json_values allow_net)" "['c.example', 'd.example']"
}

test_deny_net_duplicate_except() {
	need_python
	ag init
	assert_status 0
	ag deny net --except b.example --except b.example
	assert_status 0
	assert_eq "$(json_values allow_net)" "['b.example']"
}

test_deny_net_none() {
	need_python
	ag init
	assert_status 0
	ag deny net
	assert_status 0
	assert_stderr_contains "allow_net now is empty: no network access"
	grep -qx 'allow_net: \[\]' "$CFG" || fail "config.yaml should contain the line 'allow_net: []'"
	ag status
	assert_status 0
	assert_stdout_contains "network:        none (allow_net is empty)"
	ag status --json
	assert_eq "$(json_eval "j['network']")" "none"
	assert_eq "$(json_eval "j['allow_net']")" "[]"
}

# deny net on a config without allow_net adds the key.
test_deny_net_none_adds_key() {
	write_cfg <<'EOF'
deny_read: [".env"]
EOF
	ag deny net
	assert_status 0
	assert_stderr_contains "allow_net now is empty: no network access"
	ag status
	assert_status 0
	assert_stdout_contains "network:        none (allow_net is empty)"
	grep -qx 'allow_net: \[\]' "$CFG" || fail "config.yaml should contain the line 'allow_net: []'"
}

test_deny_net_invalid_domain() {
	ag init
	assert_status 0
	local sum d
	sum=$(checksum "$CFG")
	for d in "a..example" "exa mple.com" "example.com/path" "example.com:0" "-"; do
		ag deny net --except "$d"
		assert_status 2
		assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be untouched after deny net --except '$d'"
	done
	ag deny net --except
	assert_status 2
	assert_stderr_contains "--except needs a domain"
	ag deny net a.example
	assert_status 2
	assert_stderr_contains "use --except DOMAIN"
}

# A URL instead of a domain: the error must say what is wrong (a scheme), not "bad port".
test_deny_net_url_message() {
	ag init
	assert_status 0
	ag deny net --except https://api.github.com
	assert_status 2
	assert_stderr_contains "invalid domain 'https://api.github.com'"
	assert_stderr_contains "no scheme"
}

test_allow_net_adds_domain() {
	need_python
	ag init
	assert_status 0
	ag allow net c.example
	assert_status 0
	assert_file_contains "$CFG" '  - "c.example"'
	assert_eq "$(json_values allow_net)" "['api.anthropic.com', 'api.openai.com', 'api.github.com', 'c.example']"
	ag allow net "bad domain"
	assert_status 2
	assert_stderr_contains "invalid domain 'bad domain'"
}

test_allow_net_when_unrestricted() {
	write_cfg <<'EOF'
# no allow_net: the host network
deny_read:
  - ".env"
EOF
	local sum
	sum=$(checksum "$CFG")
	ag allow net c.example
	assert_status 0
	assert_stderr_contains "allow_net is not set in ~/.aigate/config.yaml: the network is not restricted"
	assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be untouched"
	ag status
	assert_stdout_contains "network:        host network (allow_net not set)"
}

test_deny_read_creates_config() {
	[ ! -e "$CFG" ] || fail "setup: no config expected"
	ag deny read .env2
	assert_status 0
	assert_stderr_contains "created ~/.aigate/config.yaml from the default policy"
	assert_file_contains "$CFG" '  - ".env2"'
	grep -v -x -F '  - ".env2"' "$CFG" | cmp -s - "$ROOT/policy/default-policy.yaml" ||
		fail "the created file should be the default policy plus the rule"
	assert_eq "$(file_mode "$CFG")" 600 "mode of the created config.yaml"
	ag status
	assert_status 0
	assert_stdout_not_contains "not found"
}

test_flow_list_edit() {
	need_python
	write_cfg <<'EOF'
# flow style
deny_read: [".env", "x"]  # keep me
deny_exec: [curl]
EOF
	ag deny read y
	assert_status 0
	assert_file_contains "$CFG" 'deny_read: [".env", "x", "y"]  # keep me'
	assert_file_contains "$CFG" "deny_exec: [curl]"
	assert_file_contains "$CFG" "# flow style"
	assert_eq "$(json_values deny_read)" "['.env', 'x', 'y']"
	ag allow read x
	assert_status 0
	assert_file_contains "$CFG" 'deny_read: [".env", "y"]  # keep me'
	ag status
	assert_status 0
}

# "deny_read:", "deny_read: ~" and "deny_read: null" all load as an empty list;
# deny must be able to add to each of them.
test_deny_read_into_null_list() {
	need_python
	local spelling
	for spelling in "" " ~" " null"; do
		NOTE="config line 'deny_read:$spelling'"
		printf '# empty list\ndeny_read:%s\ndeny_exec: [curl]\n' "$spelling" | write_cfg
		ag status
		assert_status 0
		ag deny read x
		assert_status 0
		assert_file_contains "$CFG" '"x"'
		assert_file_contains "$CFG" "# empty list"
		ag status --json
		assert_status 0
		assert_eq "$(json_eval "[x['value'] for x in j['deny_read']]")" "['x']" "deny_read after deny read x on 'deny_read:$spelling'"
	done
}

test_remove_last_block_item() {
	need_python
	write_cfg <<'EOF'
deny_read:
  - ".env"
deny_exec:
  - curl
EOF
	ag allow read .env
	assert_status 0
	grep -qx 'deny_read: \[\]' "$CFG" || fail "config.yaml should contain 'deny_read: []'"
	ag status
	assert_status 0
	assert_stdout_contains "deny_read (0):"
	assert_eq "$(json_values deny_read)" "[]"
	assert_eq "$(json_values deny_exec)" "['curl']"
}

test_edit_refuses_broken_config() {
	write_cfg <<'EOF'
deny_read:
  - ".env"
  x: [
EOF
	local sum
	sum=$(checksum "$CFG")
	ag deny read z
	assert_status 2
	assert_stderr_contains "~/.aigate/config.yaml:3:3: error: malformed YAML"
	assert_eq "$(checksum "$CFG")" "$sum" "deny must not touch a broken config"
	ag allow read .env
	assert_status 2
	assert_stderr_contains "~/.aigate/config.yaml:3:3: error: malformed YAML"
	assert_eq "$(checksum "$CFG")" "$sum" "allow must not touch a broken config"
	ag deny net
	assert_status 2
	assert_eq "$(checksum "$CFG")" "$sum" "deny net must not touch a broken config"
	ag allow net a.example
	assert_status 2
	assert_stderr_contains "~/.aigate/config.yaml:3:3:"
	assert_eq "$(checksum "$CFG")" "$sum" "allow net must not touch a broken config"
	assert_no_stray_files
}

test_edit_keeps_permissions() {
	ag init
	assert_status 0
	chmod 0640 "$CFG"
	ag deny read .env2
	assert_status 0
	assert_eq "$(file_mode "$CFG")" 640 "mode after deny read"
	ag allow exec curl
	assert_status 0
	assert_eq "$(file_mode "$CFG")" 640 "mode after allow exec"
	assert_no_stray_files
}

# Concurrent edits are serialised: no update is lost, the file stays valid.
test_concurrent_deny() {
	local i pids=() rc
	for i in $(seq 1 50); do
		ag_exec "$AIGATE" deny read "pattern-$i" >"$T/out.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		rc=$?
		[ "$rc" -eq 0 ] || fail "deny read pattern-$((i + 1)) exited $rc: $(cat "$T/out.$((i + 1))")"
	done
	for i in $(seq 1 50); do
		grep -qxF "  - \"pattern-$i\"" "$CFG" || fail "pattern-$i lost by a concurrent edit"
	done
	assert_eq "$(grep -c '"pattern-' "$CFG")" 50 "number of pattern rules"
	ag status
	assert_status 0
	assert_stdout_contains "deny_read (62):"
	assert_no_stray_files
}

test_dash_pattern_needs_double_dash() {
	ag init
	assert_status 0
	local sum
	sum=$(checksum "$CFG")
	ag deny read -weird
	assert_status 2
	assert_stderr_contains "unknown option '-weird' (use -- before a pattern that starts with '-')"
	assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be untouched"
	ag deny read -- -weird
	assert_status 0
	assert_file_contains "$CFG" '  - "-weird"'
	ag allow read -- -weird
	assert_status 0
	assert_file_not_contains "$CFG" '"-weird"'
}

# Values that need YAML escaping are written so that they load back unchanged.
test_deny_read_quoting() {
	need_python
	ag init
	assert_status 0
	ag deny read 'with"quote' 'back\\slash' 'café' 'sp ace'
	assert_status 0
	ag status --json
	assert_status 0
	"$PYTHON" - "$OUT" <<'EOF' || fail "status --json does not hold the quoted values as given"
import json, sys
vals = [x["value"] for x in json.load(open(sys.argv[1]))["deny_read"]]
want = ['with"quote', 'back\\\\slash', 'café', 'sp ace']
print("deny_read:", vals)
sys.exit(0 if vals[-4:] == want else 1)
EOF
}

# A config.yaml that is a symlink (dotfile managers) must not be silently
# replaced by a copy: either the target is edited or the edit is refused.
test_edit_config_symlink() {
	mkdir -p "$AG_HOME" "$T/dotfiles"
	printf 'deny_read: [".env"]\n' >"$T/dotfiles/aigate.yaml"
	chmod 0600 "$T/dotfiles/aigate.yaml"
	ln -s "$T/dotfiles/aigate.yaml" "$CFG"
	fix_owner
	ag deny read x
	[ -L "$CFG" ] || fail "config.yaml was a symlink to $T/dotfiles/aigate.yaml and is now a regular file: the edit went to a copy"
	if [ "$STATUS" = 0 ]; then
		assert_file_contains "$T/dotfiles/aigate.yaml" '"x"'
	else
		assert_file_not_contains "$T/dotfiles/aigate.yaml" '"x"'
	fi
}
