# shellcheck shell=bash
# shellcheck disable=SC2088,SC2034,SC2016 # literal "~/" in messages; AG_ENV/NOTE are read by lib.sh
# test_policy.sh — aigate policy dump / policy check: the compiled policy, read
# back from its sealed memfd, and which rule decides a path or a command line.

# check_read PATH EXPECTED_STATUS [RULE] — policy check read; with RULE, the
# denial must name it and its line in the default policy.
check_read() {
	ag policy check read "$1"
	assert_status "$2"
	if [ "$2" = 0 ]; then
		assert_stdout_contains "allowed: "
	else
		assert_stdout_contains "denied: "
		[ -z "${3:-}" ] || assert_stdout_contains "(deny_read \"$3\", (built-in default):$(default_line "$3"))"
	fi
}

# check_exec STATUS [RULE] -- ARGV… — policy check exec; with RULE, the denial names it.
check_exec() {
	local want=$1 rule=
	shift
	if [ "$1" != -- ]; then
		rule=$1
		shift
	fi
	shift # --
	ag policy check exec -- "$@"
	assert_status "$want"
	if [ "$want" = 0 ]; then
		assert_stdout_contains "allowed: "
	else
		assert_stdout_contains "denied: "
		[ -z "$rule" ] || assert_stdout_contains "(deny_exec \"$rule\", (built-in default):$(default_line "$rule"))"
	fi
}

test_policy_dump() {
	ag policy dump
	assert_status 0
	assert_stdout_contains "read back from a sealed memfd"
	assert_stdout_contains "home: $HOME_DIR"
	assert_stdout_contains "project_root: $PROJ"
	assert_stdout_contains "network: only allow_net"
	assert_stdout_contains "deny_read: 12"
	assert_stdout_contains "deny_exec: 7"
	grep -qE "^  - \.env +name below project, literal  # \(built-in default\):$(default_line .env)\$" "$OUT" ||
		fail "dump should list .env as a literal name rule from (built-in default):$(default_line .env)"
	grep -qE "^  - ~/\.ssh/ +home, directory, literal  # \(built-in default\):$(default_line "~/.ssh/")\$" "$OUT" ||
		fail "dump should list ~/.ssh/ as a home directory rule"
	grep -qE "^  - kubectl delete +command kubectl, subcommand delete  # \(built-in default\):$(default_line "kubectl delete")\$" "$OUT" ||
		fail "dump should list kubectl delete as a subcommand rule"
	assert_stdout_contains "resource_limits: max_memory 4294967296, max_cpu_percent 80, max_pids 1000"
	assert_stderr_empty
}

test_policy_dump_with_global_and_project() {
	write_cfg <<'EOF'
deny_read:
  - "/etc/shadow"
EOF
	write_file "$PROJ/.aigate.yaml" <<'EOF'
deny_read:
  - "config/prod.yml"
EOF
	ag policy dump
	assert_status 0
	assert_stdout_contains "deny_read: 2"
	assert_stdout_contains "network: host network (allow_net not set)"
	grep -qE "^  - /etc/shadow +absolute, literal  # ~/\.aigate/config\.yaml:2\$" "$OUT" ||
		fail "dump should list /etc/shadow from ~/.aigate/config.yaml:2"
	grep -qE "^  - config/prod\.yml +project, literal  # $PROJ/\.aigate\.yaml:2\$" "$OUT" ||
		fail "dump should list config/prod.yml from the project file"
}

test_check_read_dotenv() {
	touch "$PROJ/.env"
	fix_owner
	ag policy check read .env
	assert_status 1
	assert_eq "$(cat "$OUT")" "denied: $PROJ/.env (deny_read \".env\", (built-in default):$(default_line .env))"
}

test_check_read_nested() {
	mkdir -p "$PROJ/sub/dir"
	touch "$PROJ/sub/dir/.env"
	fix_owner
	check_read sub/dir/.env 1 .env
	assert_stdout_contains "denied: $PROJ/sub/dir/.env"
	# The file need not exist.
	check_read other/.env 1 .env
	check_read secrets/token 1 secrets/
	check_read .env.local 1 ".env.*"
	check_read deep/key.pem 1 "*.pem"
}

test_check_read_allowed() {
	check_read README.md 0
	assert_eq "$(cat "$OUT")" "allowed: $PROJ/README.md"
	check_read src/env.c 0
	check_read .envrc 0
	check_read .ENV 0
}

test_check_read_home() {
	check_read "$HOME_DIR/.ssh/id_rsa" 1 "~/.ssh/"
	assert_stdout_contains "denied: $HOME_DIR/.ssh/id_rsa"
	check_read "$HOME_DIR/.kube/config" 1 "~/.kube/config"
	check_read "$HOME_DIR/.aws/credentials" 1 "~/.aws/"
	# Existing ~/.ssh directory itself is hidden too (a directory rule).
	mkdir -p "$HOME_DIR/.ssh"
	fix_owner
	check_read "$HOME_DIR/.ssh" 1 "~/.ssh/"
	# Only that directory: a sibling with the same prefix is not.
	check_read "$HOME_DIR/.ssh-keys" 0
	check_read "$HOME_DIR/notes.txt" 0
}

# Relative patterns (*.pem, *.key, .env) never apply outside the project root.
test_check_read_outside_project() {
	check_read /etc/ssl/certs/ca-certificates.crt 0
	check_read /etc/ssl/private/server.key 0
	check_read /etc/ssl/certs/x.pem 0
	check_read "$T/elsewhere/.env" 0
	check_read ../.env 0
	# ... but absolute ones do.
	ag deny read /etc/ssl/private/
	assert_status 0
	ag policy check read /etc/ssl/private/server.key
	assert_status 1
	assert_stdout_contains "denied: /etc/ssl/private/server.key (deny_read \"/etc/ssl/private/\", ~/.aigate/config.yaml:"
}

test_check_read_normalisation() {
	check_read ./a/../.env 1 .env
	assert_stdout_contains "denied: $PROJ/.env"
	check_read a//b/./.env 1 .env
	assert_stdout_contains "denied: $PROJ/a/b/.env"
	check_read "$PROJ/x/../../proj/.env" 1 .env
	check_read "$HOME_DIR/x/../.ssh/../.ssh/id_ed25519" 1 "~/.ssh/"
}

test_check_read_several_paths() {
	ag policy check read README.md .env
	assert_status 1
	assert_stdout_contains "allowed: $PROJ/README.md"
	assert_stdout_contains "denied: $PROJ/.env"
	ag policy check read README.md Makefile
	assert_status 0
}

test_check_read_from_subdirectory() {
	mkdir -p "$PROJ/sub"
	fix_owner
	ag_in "$PROJ/sub" policy check read .env
	assert_status 1
	assert_stdout_contains "denied: $PROJ/sub/.env"
	ag_in "$PROJ/sub" policy check read ../.env
	assert_status 1
	assert_stdout_contains "denied: $PROJ/.env"
}

test_check_exec_subcommand() {
	check_exec 1 "kubectl delete" -- kubectl -n x delete pod y
	assert_stdout_contains "denied: kubectl ("
	check_exec 0 -- kubectl get pod delete-me
	assert_stdout_contains "allowed: kubectl"
	check_exec 0 -- kubectl get pods
}

test_check_exec_wrappers() {
	check_exec 1 curl -- sh -c "curl http://x"
	assert_stdout_contains "denied: curl (run through a wrapper)"
	check_exec 1 curl -- env -i curl x
	assert_stdout_contains "denied: curl (run through a wrapper)"
}

test_check_exec_git_push() {
	check_exec 0 -- git push
	ag deny exec "git push"
	assert_status 0
	ag policy check exec -- git push origin main
	assert_status 1
	assert_stdout_contains "denied: git (deny_exec \"git push\", ~/.aigate/config.yaml:"
	ag policy check exec -- git -C /tmp push
	assert_status 1
	ag policy check exec -- git -c user.name=x push
	assert_status 1
	ag policy check exec -- git status
	assert_status 0
	ag policy check exec -- git log push
	assert_status 0
}

# A table: expected status, the rule that denies (or -), then the argv.
test_check_exec_table() {
	local line want rule
	while IFS='|' read -r want rule line; do
		[ -n "$want" ] || continue
		NOTE="table row: $want|$rule|$line"
		eval "set -- $line"
		if [ "$rule" = - ]; then
			check_exec "$want" -- "$@"
		else
			check_exec "$want" "$rule" -- "$@"
		fi
	done <<'EOF'
1|curl|timeout 5 curl http://x
1|curl|timeout -s KILL 5 curl http://x
1|wget|nice -n 5 wget http://x
1|ssh|nohup ssh host
1|curl|sudo -u root curl http://x
1|curl|xargs -n1 curl
1|kubectl delete|bash -c 'cd /tmp && kubectl delete ns x'
1|curl|sh -c 'echo $(curl http://x)'
1|wget|env FOO=bar wget http://x
1|curl|env -S 'curl http://x'
1|nc|stdbuf -o0 nc -l 1234
1|scp|setsid scp a b:
1|curl|/usr/bin/curl http://x
1|kubectl delete|kubectl --namespace prod delete pod x
1|kubectl delete|kubectl --context=c delete pod x
1|kubectl exec|kubectl -v 6 exec -it pod -- sh
1|curl|watch -n 1 curl http://x
1|curl|su -c 'curl http://x' root
1|curl|flock /tmp/lock curl http://x
1|wget|busybox wget http://x
1|curl|nohup nice timeout 5 env curl http://x
1|wget|sh -c 'sh -c "wget http://x"'
1|curl|bash -lc 'curl http://x'
1|wget|sh -c 'for i in 1; do wget http://x; done'
1|curl|eval 'curl http://x'
1|curl|runuser -u bob -- curl http://x
0|-|command -v curl
0|-|echo curl
0|-|grep curl notes.txt
0|-|taskset -p 1
0|-|kubectl get pods -l app=delete
0|-|kubectl logs delete
0|-|sh -c 'echo wget'
0|-|curlx http://x
EOF
}

test_check_exec_usage() {
	ag policy check exec
	assert_status 2
	assert_stderr_contains "check exec needs a command"
	# Without --, options after exec are the command's own.
	ag policy check exec curl -s http://x
	assert_status 1
	assert_stdout_contains "denied: curl"
}
