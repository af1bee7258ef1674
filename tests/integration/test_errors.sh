# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_errors.sh — configuration errors: exit 2 and a file:line:col diagnostic,
# the same for every command that loads the policy.

# expect_config_error TEXT… — status, policy dump, policy check and run all
# fail with exit 2, print every TEXT on stderr, and nothing on stdout.
expect_config_error() {
	local argv t
	for argv in "status" "status --json" "policy dump" "policy check read x" \
		"policy check exec -- ls" "run -- true" "run --dry-run -- true" "run --allow-degraded -- true"; do
		# shellcheck disable=SC2086
		ag $argv
		assert_status 2
		for t in "$@"; do
			assert_stderr_contains "$t"
		done
		assert_stdout_empty
	done
}

test_malformed_flow_sequence() {
	write_cfg <<'EOF'
# line 1
group: ai-agents
deny_read: [unclosed
EOF
	# libyaml notices the missing ']' at the end of the input: line 4, column 1.
	expect_config_error "aigate: ~/.aigate/config.yaml:4:1: error: malformed YAML: did not find expected ',' or ']'"
}

test_malformed_flow_sequence_next_key() {
	write_cfg <<'EOF'
# line 1
group: ai-agents
deny_read: [unclosed
user: ai-runner
EOF
	expect_config_error "~/.aigate/config.yaml:4:5: error: malformed YAML: did not find expected ',' or ']'"
}

test_malformed_indentation() {
	write_cfg <<'EOF'
deny_read:
  - ".env"
 - "x"
EOF
	expect_config_error "~/.aigate/config.yaml:3:2: error: malformed YAML: did not find expected key while parsing a block mapping"
}

test_malformed_tab() {
	printf 'deny_read:\n  - ".env"\n\t- "x"\n' | write_cfg
	expect_config_error "~/.aigate/config.yaml:3:1: error: malformed YAML: found character that cannot start any token"
}

# A byte that is not UTF-8 on line 3: the position must be that byte's, not 1:1.
test_malformed_utf8_position() {
	printf 'deny_read:\n  - ".env"\n  - "caf\xe9"\n' | write_cfg
	ag status
	assert_status 2
	assert_stderr_contains "malformed YAML"
	assert_stderr_contains "~/.aigate/config.yaml:3:"
}

test_unknown_key() {
	write_cfg <<'EOF'
# typo on line 2
deny_reed:
  - ".env"
EOF
	expect_config_error "~/.aigate/config.yaml:2:1: error: unknown key 'deny_reed' (did you mean 'deny_read'?)"
}

test_unknown_nested_key() {
	write_cfg <<'EOF'
resource_limits:
  max_memory: 1G
  max_pid: 10
EOF
	expect_config_error "~/.aigate/config.yaml:3:3: error: unknown key 'max_pid' in resource_limits (did you mean 'max_pids'?)"
}

test_wrong_type_string_for_list() {
	write_cfg <<'EOF'
deny_read: ".env"
EOF
	expect_config_error "~/.aigate/config.yaml:1:12: error: deny_read must be a list, not a scalar"
}

test_wrong_type_mapping_for_list() {
	write_cfg <<'EOF'
deny_exec:
  curl: true
EOF
	expect_config_error "~/.aigate/config.yaml:2:3: error: deny_exec must be a list, not a mapping"
}

test_root_not_mapping() {
	write_cfg <<'EOF'
- ".env"
EOF
	expect_config_error "~/.aigate/config.yaml:1:1: error: a policy must be a mapping"
}

test_bad_size() {
	write_cfg <<'EOF'
resource_limits:
  max_memory: lots
EOF
	expect_config_error "~/.aigate/config.yaml:2:15: error: max_memory must be a size such as 512M or 4G, not 'lots'"
}

test_cpu_percent_zero() {
	write_cfg <<'EOF'
resource_limits:
  max_cpu_percent: 0
EOF
	expect_config_error "~/.aigate/config.yaml:2:20: error: max_cpu_percent must be between 1 and 102400, not '0'"
}

test_bad_regex() {
	write_cfg <<'EOF'
mask_stdout:
  patterns:
    - name: broken
      regex: "a(b"
EOF
	expect_config_error "~/.aigate/config.yaml:4:14: error: invalid regex 'a(b' at offset 3" "missing closing parenthesis"
}

test_unknown_preset() {
	write_cfg <<'EOF'
mask_stdout:
  presets: [github, nope]
EOF
	expect_config_error "~/.aigate/config.yaml:2:21: error: unknown mask preset 'nope' (known: " "anthropic" "github" "aws_key"
}

test_duplicate_key() {
	write_cfg <<'EOF'
deny_read: [".env"]
deny_exec: [curl]
deny_read: ["x"]
EOF
	expect_config_error "~/.aigate/config.yaml:3:1: error: duplicate key 'deny_read' (first at line 1)"
}

test_yaml_alias() {
	write_cfg <<'EOF'
deny_read: &secrets [".env"]
deny_exec: *secrets
EOF
	expect_config_error "~/.aigate/config.yaml:" "YAML aliases (*name) are not supported in a policy"
}

test_two_documents() {
	write_cfg <<'EOF'
deny_read: [".env"]
---
deny_exec: [curl]
EOF
	expect_config_error "~/.aigate/config.yaml:3:1: error: more than one YAML document in a policy file"
}

test_invalid_value_in_file() {
	write_cfg <<'EOF'
deny_read:
  - ".env"
  - "~bob/.ssh"
EOF
	expect_config_error "~/.aigate/config.yaml:3:5: error: invalid path pattern '~bob/.ssh': ~user is not supported"
}

test_config_is_directory() {
	mkdir -p "$CFG"
	fix_owner
	expect_config_error "~/.aigate/config.yaml: cannot read"
}

test_config_unreadable() {
	write_cfg <<'EOF'
deny_read: [".env"]
EOF
	chmod 000 "$CFG"
	expect_config_error "~/.aigate/config.yaml: cannot read: Permission denied"
	# An edit must not replace a file it cannot read.
	ag deny read x
	assert_status 1
	assert_stderr_contains "~/.aigate/config.yaml"
	assert_eq "$(file_mode "$CFG")" 0 "mode of the unreadable config"
}

test_empty_config_loads() {
	: | write_cfg
	ag status
	assert_status 0
	assert_stdout_contains "global config:  ~/.aigate/config.yaml"
	assert_stdout_contains "network:        host network (allow_net not set)"
	assert_stdout_not_contains "deny_read"
	ag policy dump
	assert_status 0
	assert_stdout_contains "deny_read: 0"
}

test_config_too_large() {
	yes '# padding padding padding padding padding padding padding padding' | head -c $((2 << 20)) | write_cfg
	expect_config_error "~/.aigate/config.yaml: policy file is larger than 1048576 bytes"
}

test_project_invalid_value() {
	write_file "$PROJ/.aigate.yaml" <<'EOF'
deny_read:
  - "a//b"
EOF
	expect_config_error "$PROJ/.aigate.yaml:2:5: error: invalid path pattern 'a//b'"
}

test_project_malformed() {
	write_file "$PROJ/.aigate.yaml" <<'EOF'
deny_exec: [curl
EOF
	expect_config_error "$PROJ/.aigate.yaml:2:1: error: malformed YAML"
}
