# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_status.sh — aigate status: the effective policy, its files and the merge
# of a project's .aigate.yaml (which may only tighten the global policy).

# write_project [DIR] < content — $PROJ/.aigate.yaml (or DIR/.aigate.yaml).
write_project() {
	write_file "${1:-$PROJ}/.aigate.yaml"
}

# The global restricts the network (the default does); used by several cases.
global_with_net() {
	write_cfg <<EOF
deny_read:
  - ".env"
allow_net:
  - "api.github.com"
resource_limits:
  max_memory: "4G"
  max_pids: 1000
$1
EOF
}

test_status_builtin_default() {
	ag status
	assert_status 0
	assert_stdout_contains "global config:  ~/.aigate/config.yaml (not found: the built-in default applies)"
	assert_stdout_contains "project config: (none)"
	assert_stdout_contains "project root:   $PROJ"
	assert_stdout_contains "network:        only the allow_net domains"
	local rule line
	for rule in ".env" "~/.ssh/" "*.pem" "~/.pypirc"; do
		line=$(default_line "$rule")
		[ -n "$line" ] || fail "setup: '$rule' not found in policy/default-policy.yaml"
		grep -qE "^  $(printf '%s' "$rule" | sed 's/[.*~/]/\\&/g') +\(built-in default\):$line\$" "$OUT" ||
			fail "status should list '$rule' with origin (built-in default):$line"
	done
	assert_stdout_contains "curl                           (built-in default):$(default_line curl)"
	assert_stdout_contains "max_memory       4G"
	assert_stderr_empty
}

test_status_json() {
	need_python
	ag status --json
	assert_status 0
	"$PYTHON" -c 'import json,sys; json.load(sys.stdin)' <"$OUT" || fail "status --json is not valid JSON"
	assert_eq "$(json_eval "j['global_config_exists']")" "False"
	assert_eq "$(json_eval "j['project_config']")" "None"
	assert_eq "$(json_eval "j['project_root']")" "$PROJ"
	assert_eq "$(json_eval "j['network']")" "allowlist"
	assert_eq "$(json_eval "[x['value'] for x in j['deny_read']][:3]")" "['.env', '.env.*', 'secrets/']"
	assert_eq "$(json_eval "[x for x in j['deny_read'] if x['value'] == '~/.ssh/'][0]['origin']")" \
		"(built-in default):$(default_line "~/.ssh/")"
	assert_eq "$(json_eval "j['resource_limits']['max_memory']")" "4294967296"
	# The default policy's write roots for agents' state and caches.
	assert_eq "$(json_eval "[x['value'] for x in j['allow_write']]")" \
		"['~/.claude/', '~/.claude.json', '~/.codex/', '~/.gemini/', '~/.cache/', '~/.npm/', '~/.cargo/registry/', '~/.local/state/']"
	assert_eq "$(json_eval "j['allow_write'][0]['origin']")" "(built-in default):$(default_line "~/.claude/")"
	assert_eq "$(json_eval "j['pass_env']")" "None"
}

test_status_json_escapes() {
	need_python
	ag init
	assert_status 0
	ag deny read 'quo"te' 'back\\slash'
	assert_status 0
	ag status --json
	assert_status 0
	"$PYTHON" -c 'import json,sys; json.load(sys.stdin)' <"$OUT" || fail "status --json is not valid JSON"
	assert_eq "$(json_eval "[x['value'] for x in j['deny_read']][-2:] == ['quo\"te', 'back\\\\\\\\slash']")" "True"
}

test_status_project_rule() {
	need_python
	write_project <<'EOF'
# project policy
deny_read:
  - "terraform.tfstate"
EOF
	ag status
	assert_status 0
	assert_stdout_contains "project config: $PROJ/.aigate.yaml"
	assert_stdout_contains "terraform.tfstate              $PROJ/.aigate.yaml:3"
	assert_stdout_contains "deny_read (13):"
	assert_stderr_empty
	ag status --json
	assert_eq "$(json_eval "[x['origin'] for x in j['deny_read'] if x['value'] == 'terraform.tfstate']")" \
		"['$PROJ/.aigate.yaml:3']"
}

test_status_project_from_subdirectory() {
	write_project <<'EOF'
deny_read:
  - "terraform.tfstate"
EOF
	mkdir -p "$PROJ/sub/deeper"
	fix_owner
	ag_in "$PROJ/sub/deeper" status
	assert_status 0
	assert_stdout_contains "project config: $PROJ/.aigate.yaml"
	assert_stdout_contains "project root:   $PROJ"
	assert_stdout_contains "terraform.tfstate              $PROJ/.aigate.yaml:2"
}

# Outside a git repository the project root is the working directory.
test_status_outside_git() {
	mkdir -p "$T/plain"
	write_project "$T/plain" <<'EOF'
deny_exec: ["terraform destroy"]
EOF
	ag_in "$T/plain" status
	assert_status 0
	assert_stdout_contains "project root:   $T/plain"
	assert_stdout_contains "terraform destroy              $T/plain/.aigate.yaml:1"
}

test_status_project_cannot_loosen_net() {
	need_python
	global_with_net
	write_project <<'EOF'
deny_read:
  - "x"
allow_net:
  - "evil.example"
EOF
	ag status
	assert_status 0
	assert_stderr_contains ".aigate.yaml:4:5: warning: allow_net entry 'evil.example' would loosen the global policy"
	assert_stderr_contains "loosen"
	assert_stdout_not_contains "evil.example"
	ag status --json
	assert_status 0
	assert_eq "$(json_eval "[x['value'] for x in j['allow_net']]")" "['api.github.com']"
}

# The same loosening from the default policy (no global file).
test_status_project_cannot_loosen_default_net() {
	write_project <<'EOF'
allow_net: ["evil.example"]
EOF
	ag status
	assert_status 0
	assert_stderr_contains ".aigate.yaml:1:13: warning: allow_net entry 'evil.example' would loosen"
	assert_stdout_not_contains "evil.example"
}

test_status_project_may_extend_net() {
	global_with_net "project_may_extend: [allow_net]"
	write_project <<'EOF'
allow_net:
  - "evil.example"
EOF
	ag status
	assert_status 0
	assert_stderr_not_contains "loosen"
	assert_stderr_empty
	assert_stdout_contains "evil.example                   $PROJ/.aigate.yaml:2"
}

# project_may_extend is the user's decision: a project cannot grant it to itself.
test_status_project_cannot_set_may_extend() {
	global_with_net
	write_project <<'EOF'
project_may_extend: [allow_net]
allow_net:
  - "evil.example"
EOF
	ag status
	assert_status 0
	assert_stderr_contains "project_may_extend can only be set in the global config; ignored"
	assert_stderr_contains "allow_net entry 'evil.example' would loosen"
	assert_stdout_not_contains "evil.example"
}

test_status_project_cannot_loosen_write_env() {
	write_project <<'EOF'
allow_write:
  - "/etc/"
pass_env: [AWS_SECRET_ACCESS_KEY]
deny_env: [FOO]
EOF
	ag status
	assert_status 0
	assert_stderr_contains ".aigate.yaml:2:5: warning: allow_write entry '/etc/' would loosen the global policy; ignored"
	assert_stderr_contains ".aigate.yaml:3:12: warning: pass_env entry 'AWS_SECRET_ACCESS_KEY' would loosen the global policy; ignored"
	assert_stdout_not_contains "/etc/"
	assert_stdout_not_contains "AWS_SECRET_ACCESS_KEY"
	# allow_write stays the default's eight entries; no pass_env at all.
	assert_stdout_contains "allow_write (8):"
	assert_stdout_contains "~/.claude/                     (built-in default):$(default_line "~/.claude/")"
	assert_stdout_not_contains "pass_env"
	# Tightening is taken.
	assert_stdout_contains "FOO                            $PROJ/.aigate.yaml:4"
}

test_status_project_raises_memory() {
	need_python
	global_with_net
	write_project <<'EOF'
resource_limits:
  max_memory: 8G
EOF
	ag status
	assert_status 0
	assert_stderr_contains ".aigate.yaml:2:15: warning: resource_limits.max_memory would raise the global limit; ignored"
	assert_stdout_contains "max_memory       4G"
	ag status --json
	assert_eq "$(json_eval "j['resource_limits']['max_memory']")" "$((4 << 30))"
}

# The warning above says the global config can opt in with
# project_may_extend: [resource_limits], and the error text lists it as
# extendable: the opt-in must load and let the project raise the limit.
test_status_project_may_extend_resource_limits() {
	global_with_net "project_may_extend: [resource_limits]"
	ag status
	assert_status 0
	write_project <<'EOF'
resource_limits:
  max_memory: 8G
EOF
	ag status
	assert_status 0
	assert_stderr_empty
	assert_stdout_contains "max_memory       8G"
}

test_status_project_lowers_pids() {
	global_with_net
	write_project <<'EOF'
resource_limits:
  max_pids: 10
  max_memory: 1G
EOF
	ag status
	assert_status 0
	assert_stderr_empty
	assert_stdout_contains "max_pids         10"
	assert_stdout_contains "max_memory       1G"
}

test_status_project_sets_user() {
	global_with_net "user: ai-runner"
	write_project <<'EOF'
deny_read: [".npmrc"]
user: root
EOF
	ag status
	assert_status 0
	assert_stderr_contains ".aigate.yaml:2:7: warning: user can only be set in the global config; ignored"
	assert_stdout_contains ".npmrc"
}

test_status_project_net_when_global_unrestricted() {
	write_cfg <<'EOF'
deny_read:
  - ".env"
EOF
	ag status
	assert_stdout_contains "network:        host network (allow_net not set)"
	write_project <<'EOF'
allow_net:
  - "evil.example"
EOF
	ag status
	assert_status 0
	assert_stderr_empty
	assert_stdout_contains "network:        only the allow_net domains"
	assert_stdout_contains "evil.example                   $PROJ/.aigate.yaml:2"
}

test_status_project_net_none_when_global_unrestricted() {
	write_cfg <<'EOF'
deny_read: [".env"]
EOF
	write_project <<'EOF'
allow_net: []
EOF
	ag status
	assert_status 0
	assert_stdout_contains "network:        none (allow_net is empty)"
}

test_status_global_file_shown() {
	write_cfg <<'EOF'
deny_read:
  - "mine"
EOF
	ag status
	assert_status 0
	assert_stdout_contains "global config:  ~/.aigate/config.yaml"
	assert_stdout_not_contains "not found"
	assert_stdout_contains "mine                           ~/.aigate/config.yaml:2"
	assert_stdout_not_contains "(built-in default)"
	# Sections the file does not set are not shown.
	assert_stdout_not_contains "deny_exec"
	assert_stdout_contains "network:        host network (allow_net not set)"
}
