# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_init.sh — aigate init: the default policy written to $AIGATE_HOME/config.yaml.

test_init_writes_default_policy() {
	[ ! -e "$AG_HOME" ] || fail "setup: $AG_HOME should not exist yet"
	ag init
	assert_status 0
	assert_stderr_contains "wrote the default policy to ~/.aigate/config.yaml"
	assert_file_contains "$CFG" "deny_read:"
	assert_file_contains "$CFG" '"~/.ssh/"'
	cmp -s "$CFG" "$ROOT/policy/default-policy.yaml" ||
		fail "$CFG differs from policy/default-policy.yaml"
	assert_no_stray_files
}

test_init_modes() {
	ag init
	assert_status 0
	assert_eq "$(file_mode "$CFG")" 600 "mode of config.yaml"
	assert_eq "$(file_mode "$AG_HOME")" 700 "mode of the AIGATE_HOME directory"
	# Proves the invocation really ran unprivileged, as the test user.
	assert_eq "$(stat -c %u "$CFG")" "$TEST_UID" "owner of config.yaml"
}

test_init_twice_fails() {
	ag init
	assert_status 0
	local sum
	sum=$(checksum "$CFG")
	ag init
	assert_status 1
	assert_stderr_contains "~/.aigate/config.yaml already exists; use --force to overwrite it"
	assert_eq "$(checksum "$CFG")" "$sum" "config.yaml must be untouched"
	assert_no_stray_files
}

test_init_force_rewrites() {
	ag init
	assert_status 0
	printf '# a local change\ndeny_exec: ["rm"]\n' >>"$CFG"
	sed -i 's/"~\/.ssh\/"/"~\/.ssh-changed\/"/' "$CFG"
	fix_owner
	assert_file_contains "$CFG" "# a local change"
	ag init --force
	assert_status 0
	assert_file_not_contains "$CFG" "# a local change"
	assert_file_not_contains "$CFG" ".ssh-changed"
	cmp -s "$CFG" "$ROOT/policy/default-policy.yaml" ||
		fail "after --force, $CFG differs from the default policy"
	assert_no_stray_files
	# The short option too.
	echo "# again" >>"$CFG"
	ag init -f
	assert_status 0
	assert_file_not_contains "$CFG" "# again"
	assert_no_stray_files
}

test_init_then_status_loads() {
	ag init
	assert_status 0
	ag status
	assert_status 0
	assert_stdout_contains "global config:  ~/.aigate/config.yaml"
	assert_stdout_not_contains "not found"
	assert_stdout_contains "~/.aigate/config.yaml:$(default_line "~/.ssh/")"
}
