# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # $… in single quotes is the sandbox's; AG_ENV/NOTE/LAST_CMD/STATUS are read by lib.sh
# test_limits.sh — resource_limits (docs/limits.md): a fork bomb is
# contained and the host keeps forking; a memory hog is stopped with the
# documented message, exit status 137 and an audit record; the
# session_start record names each limit's mechanism; a limit nothing can
# enforce refuses (125) with the fix, and --allow-degraded says so.
#
# Two paths: as the test user (no cgroup: RLIMIT_NPROC in the sandbox's
# user namespace, RLIMIT_DATA and aigate's memory watcher), and as root on
# a host with cgroup v1 hierarchies (cgroup v1), aigate run as root directly.
# max_cpu_percent is measured by tools/bench/bench_limits.sh, not timed here.
#
# Synchronisation is on conditions only (a file the sandbox writes, a fifo).

# limits_cfg YAML — the global policy: nothing but these resource limits.
limits_cfg() {
	printf 'resource_limits: { %s }\n' "$1" | write_cfg
	AUDIT=$T/audit.jsonl
	AG_RUN_OPTS+=(--audit-log "$AUDIT")
}

# as_root CONTROLLER… — run aigate as root (cgroup v1), or skip saying which
# kernel feature is missing.
as_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: cgroup v1 hierarchies are root's (run the suite as root)"
	local c
	for c in "$@"; do
		awk '{ for (i = 1; i < NF; i++) if ($i == "-" && $(i + 1) == "cgroup") print $(i + 3) }' \
			/proc/self/mountinfo | grep -qE "(^|,)$c(,|$)" ||
			skip "no cgroup v1 hierarchy with the $c controller is mounted"
	done
	# Root's own tree: in the sandbox's user namespace only uid 0 is mapped,
	# so root there cannot open the test user's 0700 directories.
	AS_USER=()
	TEST_UID=0
	TEST_GID=0
	fix_owner
}

# audit_eval EXPR — a Python expression over the run's records (`r`, a list of dicts).
audit_eval() {
	need_python
	"$PYTHON" -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(eval(sys.argv[2]))' \
		"$AUDIT" "$1"
}

# The session_start record's mechanism for LIMIT.
start_limit() {
	audit_eval "[x for x in r if x['action']=='session_start'][-1]['limits'].get('$1')"
}

# limit_record LIMIT FIELD — FIELD of the run's one `limit` record for LIMIT ("" without).
limit_record() {
	audit_eval "(lambda l: (l[0]['$2'] if len(l) == 1 else 'count=%d' % len(l)) if l else '')([x for x in r if x['action']=='limit' and x['rule']['text']=='resource_limits.$1'])"
}

# The run's cgroups are gone (v1: <hierarchy>/aigate/<session>-<pid>).
assert_cgroups_removed() {
	local session left
	session=$(audit_eval "r[0]['session']")
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$session-*" 2>/dev/null)
	[ -z "$left" ] || fail "cgroups left behind: $left"
}

# The fallback for max_pids on this rung (docs/limits.md).
nproc_fallback() {
	if [ "${RUNG:-1}" = 1 ]; then
		echo "fallback: RLIMIT_NPROC in the sandbox's user namespace"
	else
		echo "fallback: RLIMIT_NPROC of the user (approximate)"
	fi
}

# forker.py — fork until EAGAIN, children waiting on a pipe; print the count;
# with "hold", write $PWD/full and keep them all until stdin closes.
write_forker() {
	write_file "$PROJ/forker.py" <<'EOF'
import errno, os, sys
r, w = os.pipe()
n, err = 0, None
while n < 100000:
    try:
        pid = os.fork()
    except OSError as e:
        err = errno.errorcode.get(e.errno, e.errno)
        break
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    n += 1
print("forked", n, err, flush=True)
if sys.argv[1:] == ["hold"]:
    open("full", "w").close()
    sys.stdin.read()
os.close(w)
EOF
}

# hog.py — one process touching 64 MiB chunks until something stops it.
# hogs.py — four workers of 192 MiB each (under any per-process limit of
# 256 MiB), together past it; then they wait.
write_hogs() {
	write_file "$PROJ/hog.py" <<'EOF'
chunks = []
while True:
    chunks.append(bytearray(64 << 20))
    print("holding", len(chunks) * 64, "MiB", flush=True)
EOF
	write_file "$PROJ/hogs.py" <<'EOF'
import os
r, w = os.pipe()
for n in range(4):
    if os.fork() == 0:
        chunks = [bytearray(64 << 20) for _ in range(3)]
        print("worker", n, "holds 192 MiB", flush=True)
        os.read(r, 1)
        os._exit(0)
os.read(r, 1)
EOF
}

# fork_bomb_contained MAX MECHANISM [WAIT_FOR] — run forker.py holding its
# children; while they are all alive the same user forks freely outside
# (and, with WAIT_FOR, aigate's stderr says it); the count stays within MAX
# (init and the forker itself are tasks of the sandbox).
fork_bomb_contained() {
	local max=$1 count pid
	need_python
	write_forker
	mkfifo "$T/hold"
	fix_owner
	ag run -- python3 forker.py hold <"$T/hold" &
	pid=$!
	exec 9>"$T/hold"
	wait_until "the fork bomb to reach its limit" test -e "$PROJ/full"
	# The host is responsive: the same user (the limit is the sandbox's, not the user's) forks.
	LAST_CMD="fork outside the sandbox while it is full"
	[ "$("${AS_USER[@]}" sh -c 'sh -c "echo outside"; echo again')" = "outside
again" ] || fail "a process outside the sandbox could not fork while the sandbox was full"
	[ -z "${3:-}" ] || wait_until "aigate to say: $3" grep -qF -- "$3" "$ERR"
	exec 9>&-
	wait "$pid"
	STATUS=$?
	LAST_CMD="aigate run -- python3 forker.py hold"
	assert_status 0
	count=$(sed -n 's/^forked \([0-9]*\) EAGAIN$/\1/p' "$OUT")
	[ -n "$count" ] || fail "the fork bomb should have ended with EAGAIN"
	# Exact in a user namespace of the sandbox's own (rung 1) or a cgroup; the
	# fallback ladder's rungs count the user's tasks, approximately.
	if [ "${RUNG:-1}" = 1 ] || [ "$2" = "cgroup v1" ]; then
		[ "$count" -le $((max - 2)) ] || fail "$count forks: over max_pids $max (with init and the forker)"
	else
		# The user's tasks outside the sandbox's namespace, counted at the
		# start, can loosen it a little: contained all the same.
		[ "$count" -le $((2 * max)) ] || fail "$count forks: far over max_pids $max"
	fi
	[ "$count" -ge $((max / 2)) ] || fail "only $count forks under max_pids $max"
	assert_eq "$(start_limit max_pids)" "$2" "session_start's limits.max_pids"
}

# ---- max_pids ---------------------------------------------------------------------

# The test user: RLIMIT_NPROC in the sandbox's own user namespace counts the
# sandbox's tasks alone (Linux 5.14+ ucounts), exactly. The kernel refuses
# the forks without a trace; aigate's watcher counts the sandbox's tasks,
# says when it sees the limit reached, and records it at the end.
test_limits_fork_bomb_fallback() {
	limits_cfg 'max_pids: 24'
	fork_bomb_contained 24 "$(nproc_fallback)" \
		"aigate: warning: the sandbox reached resource_limits.max_pids (24, $(nproc_fallback)): forks past it fail with EAGAIN"
	assert_eq "$(limit_record max_pids enforcer)" "watcher"
	assert_eq "$(limit_record max_pids errno)" "EAGAIN"
	assert_eq "$(limit_record max_pids verdict)" "denied"
}

# Root: uid 0 is exempt from RLIMIT_NPROC, so the pids controller of cgroup
# v1 counts the sandbox, and its max counter gives the one record per run.
test_limits_fork_bomb_cgroup_v1() {
	as_root pids
	limits_cfg 'max_pids: 24'
	fork_bomb_contained 24 "cgroup v1"
	assert_stderr_contains "aigate: warning: the sandbox reached resource_limits.max_pids (24, cgroup v1):"
	assert_eq "$(limit_record max_pids enforcer)" "cgroup v1"
	assert_eq "$(limit_record max_pids errno)" "EAGAIN"
	assert_eq "$(limit_record max_pids verdict)" "denied"
	assert_cgroups_removed
}

# ---- max_memory -------------------------------------------------------------------

# The test user: the watcher sums the sandbox's memory and stops it all.
test_limits_memory_watcher() {
	need_python
	limits_cfg 'max_memory: "256M"'
	write_hogs
	ag run -- python3 hogs.py
	assert_status 137
	grep -qE '^aigate: error: the sandbox reached resource_limits\.max_memory \(256 MiB, watcher: [0-9.]+ [MG]iB in use\); aigate stopped it$' "$ERR" ||
		fail "the watcher's message"
	assert_eq "$(limit_record max_memory enforcer)" "watcher"
	assert_eq "$(limit_record max_memory verdict)" "denied"
	assert_eq "$(start_limit max_memory)" "fallback: RLIMIT_DATA per process and aigate's memory watcher"
	assert_eq "$(audit_eval "r[-1]['exit_status']")" 137 "session_end's exit_status"
}

# The test user: one process cannot map more than max_memory (RLIMIT_DATA):
# its allocation fails inside, as the kernel's refusal, and the run goes on.
test_limits_memory_per_process() {
	need_python
	limits_cfg 'max_memory: "256M"'
	write_hogs
	ag run -- sh -c 'python3 hog.py; echo "after: $?"'
	assert_status 0
	assert_stderr_contains "MemoryError"
	assert_stdout_contains "after: 1"
	assert_stdout_not_contains "holding 256 MiB"
}

# The private /tmp is memory too: filling it counts.
test_limits_memory_watcher_tmpfs() {
	[ "${RUNG:-1}" = 1 ] || skip "a private tmpfs /tmp needs a mount namespace (rung 1); this is rung $RUNG"
	limits_cfg 'max_memory: "128M"'
	# Then it waits on a fifo nobody writes: only the watcher ends the run.
	ag run -- sh -c 'for i in 1 2 3 4 5 6 7 8; do head -c 32M /dev/zero >/tmp/f$i || exit 3; done; mkfifo /tmp/w; cat /tmp/w'
	assert_status 137
	assert_stderr_contains "aigate: error: the sandbox reached resource_limits.max_memory (128 MiB, watcher:"
}

# Root: the cgroup's limit; the kernel's OOM kill; the rest stopped, 137.
test_limits_memory_cgroup_v1() {
	need_python
	as_root memory
	limits_cfg 'max_memory: "256M"'
	write_hogs
	ag run -- python3 hog.py
	assert_status 137
	assert_stderr_contains "aigate: error: the sandbox reached resource_limits.max_memory (256 MiB, cgroup v1); the kernel stopped it (out of memory)"
	assert_stdout_not_contains "holding 256 MiB"
	assert_eq "$(limit_record max_memory enforcer)" "cgroup v1"
	assert_eq "$(start_limit max_memory)" "cgroup v1"
	assert_cgroups_removed
	# Several processes: the kernel kills one, aigate stops the others.
	ag run -- python3 hogs.py
	assert_status 137
	assert_stderr_contains "the kernel stopped it (out of memory)"
	assert_cgroups_removed
}

# ---- what the session records; what nothing can enforce ------------------------

test_limits_session_start_names_mechanisms() {
	limits_cfg 'max_memory: "1G", max_pids: 100'
	ag run -- true
	assert_status 0
	assert_stderr_not_contains "resource_limits"
	assert_eq "$(start_limit max_memory)" "fallback: RLIMIT_DATA per process and aigate's memory watcher"
	assert_eq "$(start_limit max_pids)" "$(nproc_fallback)"
	assert_eq "$(start_limit max_cpu_percent)" "None" "an unset limit is not listed"
	# No limit: an empty object.
	write_cfg <<<'deny_read: [".env"]'
	ag run -- true
	assert_status 0
	assert_eq "$(audit_eval "[x for x in r if x['action']=='session_start'][-1]['limits']")" "{}"
}

test_limits_session_start_cgroup_v1() {
	as_root memory pids cpu
	limits_cfg 'max_memory: "1G", max_cpu_percent: 150, max_pids: 100'
	ag run -- true
	assert_status 0
	assert_stderr_empty
	local k
	for k in max_memory max_cpu_percent max_pids; do
		assert_eq "$(start_limit $k)" "cgroup v1" "$k"
	done
	assert_cgroups_removed
}

# The test user has no cgroup for max_cpu_percent: refused, with the fix.
test_limits_cpu_gap_refuses() {
	[ "${RUNG:-1}" != 3 ] || skip "rung 3 always runs with --allow-degraded: nothing is refused there"
	limits_cfg 'max_cpu_percent: 50'
	ag run -- touch ran
	if [ "$STATUS" = 0 ] && [ "$(start_limit max_cpu_percent)" = "cgroup v2" ]; then
		skip "the test user has a delegated cgroup v2 with the cpu controller: nothing to refuse"
	fi
	assert_status 125
	assert_stderr_contains "aigate: error: resource_limits.max_cpu_percent cannot be enforced in this build (it needs a cgroup's cpu controller"
	assert_stderr_contains "; fix: "
	assert_stderr_contains "AIGATE_CGROUP"
	assert_stderr_contains "refusing to run 'touch' without them"
	[ ! -e "$PROJ/ran" ] || fail "run must not start the command when it refuses"
	ag run --allow-degraded -- touch ran
	assert_status 0
	assert_stderr_contains "aigate: warning: resource_limits.max_cpu_percent cannot be enforced in this build"
	[ -e "$PROJ/ran" ] || fail "--allow-degraded should run the command"
	assert_eq "$(start_limit max_cpu_percent)" "none (not enforced)"
	assert_eq "$(audit_eval "[x for x in r if x['action']=='session_start'][-1]['degraded']")" \
		"['resource_limits.max_cpu_percent']"
}
