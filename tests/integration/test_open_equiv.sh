# shellcheck shell=bash
# shellcheck disable=SC2034 # NOTE/LAST_CMD/STATUS/AG_TIMEOUT are read by lib.sh
# test_open_equiv.sh — issue 4's per-flag open equivalence table: every open
# the supervisor performs for a sandboxed process (and injects the fd of)
# must behave exactly as the kernel's own open. tests/redteam/open_equiv.c
# performs a table of opens with raw system calls and prints one line per
# case (errno, or the fd's type, mode, owner, F_GETFL, FD_CLOEXEC, position,
# read/write, contents after O_TRUNC/O_APPEND, fd number relative to the
# lowest free one, …). Each test runs one family of the table natively as
# the test user on $PROJ/scratch-native and inside `aigate run` on
# $PROJ/scratch-box, and compares the two outputs line by line: a
# difference is a case where the sandbox's open is not the native one.
#
# Without the supervisor the kernel does every open on both sides, so the
# outputs match: that shows the table itself is deterministic.
#
# The policy is the default one (write_cfg_enforceable): nothing in the
# table touches a deny_read name, so nothing may be denied or audited.

# Every family of the table, each with its test below.
OEQ_FAMILIES="creat excl tmpfile path directory nofollow cloexec append trunc nonblock errors openat2 dots proc fdnum misc"

# oeq_build — compile tests/redteam/open_equiv.c statically into the project
# as $OEQ_BIN. Inside the project, not elsewhere in $T: the sandbox sees the
# project writable at the same path, so the binary's own file behaves the
# same on both sides (an open of /proc/self/exe for writing says ETXTBSY on
# both, not EROFS in the sandbox only).
oeq_build() {
	command -v cc >/dev/null 2>&1 || skip "no C compiler (cc) to build tests/redteam/open_equiv.c"
	OEQ_BIN=$PROJ/.open_equiv
	LAST_CMD="cc -static tests/redteam/open_equiv.c"
	cc -std=gnu17 -D_GNU_SOURCE -O1 -static -o "$OEQ_BIN" "$ROOT/tests/redteam/open_equiv.c" \
		>"$OUT" 2>"$ERR"
	STATUS=$?
	if [ "$STATUS" != 0 ] && grep -q 'cannot find -lc' "$ERR"; then
		skip "no static C library (libc6-dev's libc.a) for cc -static"
	fi
	assert_status 0
	printf '.open_equiv\nscratch-native/\nscratch-box/\n' >>"$PROJ/.git/info/exclude"
	fix_owner
}

# oeq_native ARGS… — the program natively (no aigate) as the test user in
# $PROJ, clean environment; stdout in $OUT, stderr in $ERR, status in $STATUS.
oeq_native() {
	LAST_CMD="(cd proj) (natively) .open_equiv$(printf ' %q' "${@/#"$T"/\$T}")"
	(cd "$PROJ" && exec timeout -k 5 "${AG_TIMEOUT:-30}" env -i PATH="$CLEAN_PATH" \
		HOME="$HOME_DIR" LANG=C.UTF-8 "${AS_USER[@]}" "$OEQ_BIN" "$@") >"$OUT" 2>"$ERR"
	STATUS=$?
}

# oeq_has_audit_log — this build's `aigate run` takes --audit-log FILE (the
# supervisor issue adds it; the audit checks need it). Asked of the option
# itself (a dry run), not of --help, which need not list it.
oeq_has_audit_log() {
	if [ -z "${OEQ_AUDIT_LOG:-}" ]; then
		OEQ_AUDIT_LOG=no
		ag_exec "$AIGATE" run --dry-run --audit-log "$T/probe.jsonl" -- true >/dev/null 2>&1 &&
			OEQ_AUDIT_LOG=yes
	fi
	[ "$OEQ_AUDIT_LOG" = yes ]
}

# oeq_box FILTER — the program inside `aigate run` on $PROJ/scratch-box,
# with the audit log $T/audit.jsonl when the build has one.
oeq_box() {
	local audit=()
	oeq_has_audit_log && audit=(--audit-log "$T/audit.jsonl")
	# Every case ends within 5 s (its own alarm): a hung open costs 5 s, not the run.
	AG_TIMEOUT=300 ag run "${audit[@]}" -- "$OEQ_BIN" "$PROJ/scratch-box" "$1"
}

# oeq_diff EXPECTED NATIVE BOX REPORT — compare the two outputs case by
# case (the first word of a line is the case's name, EXPECTED lists
# "family name" in table order). Writes a readable report of every case
# that differs, is missing or is repeated to REPORT; prints the count.
# Cases where the supervisor's open is known to differ from the kernel's,
# each documented in docs/supervisor.md ("Known differences"): at the
# descriptor limit the kernel reserves the slot before looking the path up
# (EMFILE wins over ENOENT/ENXIO and nothing is created or truncated), the
# supervisor opens first; and O_PATH|O_NOFOLLOW on a magic link under
# RESOLVE_NO_MAGICLINKS. Their lines are still printed by both runs; only
# the comparison skips them.
OEQ_KNOWN_DIFFERENT="trunc_emfile errors_emfile_creat errors_emfile_missing fdnum_emfile_creat_excl fdnum_emfile_fifo openat2_no_magiclinks_path_nofollow"

oeq_diff() {
	awk -v countfile="$4.count" -v known="$OEQ_KNOWN_DIFFERENT" '
	function rest(line, name) { return substr(line, length(name) + 2) }
	# Words of a that b lacks, in a'"'"'s order.
	function only(a, b,    wa, wb, na, nb, i, j, seen, out) {
		na = split(a, wa, " "); nb = split(b, wb, " ")
		for (j = 1; j <= nb; j++) seen[wb[j]] = 1
		out = ""
		for (i = 1; i <= na; i++) if (!(wa[i] in seen)) out = out (out == "" ? "" : " ") wa[i]
		return out == "" ? "(nothing)" : out
	}
	FILENAME == ARGV[1] { fam[$2] = $1; order[++n] = $2; next }
	FILENAME == ARGV[2] { cn[$1]++; nat[$1] = rest($0, $1); next }
	FILENAME == ARGV[3] { cb[$1]++; box[$1] = rest($0, $1); next }
	END {
		bad = 0
		nk = split(known, kw, " ")
		for (k = 1; k <= nk; k++) skip[kw[k]] = 1
		for (i = 1; i <= n; i++) {
			c = order[i]
			if (c in skip) continue
			head = "case " c " (" fam[c] "):"
			if (cn[c] != 1) {
				printf "%s\n  native run printed %d line(s) for it: the table is broken\n", head, cn[c] + 0
				bad++
			} else if (cb[c] != 1) {
				printf "%s\n  native:  %s\n  sandbox: %s\n", head, nat[c], \
					cb[c] + 0 == 0 ? "(no line: the sandboxed run ended before this case)" : "(" cb[c] " lines)"
				bad++
			} else if (nat[c] != box[c]) {
				printf "%s\n  native:  %s\n  sandbox: %s\n", head, nat[c], box[c]
				printf "  only native:  %s\n  only sandbox: %s\n", only(nat[c], box[c]), only(box[c], nat[c])
				bad++
			}
		}
		for (c in cb) if (!(c in fam)) { printf "line for an unknown case in the sandboxed run: %s %s\n", c, box[c]; bad++ }
		print bad > countfile
	}' "$1" "$2" "$3" >"$4"
	cat "$4.count"
}

# oeq_compare FILTER — the table's FILTER cases natively and in the sandbox:
# the same lines, and no audit record of a denial.
oeq_compare() {
	local filter=$1 bad native box
	write_cfg_enforceable
	oeq_build
	"$OEQ_BIN" --list "$filter" >"$T/cases" || fail "open_equiv --list $filter failed"
	[ -s "$T/cases" ] || fail "no case in the table's family $filter"
	native=$T/native.out
	box=$T/box.out

	oeq_native "$PROJ/scratch-native" "$filter"
	assert_status 0
	assert_stderr_empty
	# Lines hold no paths; should one ever, the scratch directory reads alike.
	sed "s|$PROJ/scratch-native|<scratch>|g" "$OUT" >"$native"

	oeq_box "$filter"
	sed "s|$PROJ/scratch-box|<scratch>|g" "$OUT" >"$box"
	bad=$(oeq_diff "$T/cases" "$native" "$box" "$T/report")
	if [ "$bad" != 0 ]; then
		{
			echo "    $bad of $(wc -l <"$T/cases") '$filter' cases differ between the native open and the sandbox's:"
			sed -e 's/^/    /' "$T/report"
			echo "    (aigate run exit status: $STATUS)"
			show_file "sandbox stderr" "$ERR"
		} >&2
		LAST_CMD=
		fail "the sandbox's opens are not the native ones ($bad case(s), listed above)"
	fi
	assert_status 0
	if oeq_has_audit_log; then
		assert_no_audit "$T/audit.jsonl" verdict=denied
		assert_no_audit "$T/audit.jsonl" verdict=killed
	fi
}

test_open_equiv_creat() { oeq_compare creat; }
test_open_equiv_excl() { oeq_compare excl; }
test_open_equiv_tmpfile() { oeq_compare tmpfile; }
test_open_equiv_path() { oeq_compare path; }
test_open_equiv_directory() { oeq_compare directory; }
test_open_equiv_nofollow() { oeq_compare nofollow; }
test_open_equiv_cloexec() { oeq_compare cloexec; }
test_open_equiv_append() { oeq_compare append; }
test_open_equiv_trunc() { oeq_compare trunc; }
test_open_equiv_nonblock() { oeq_compare nonblock; }
test_open_equiv_errors() { oeq_compare errors; }
test_open_equiv_openat2() { oeq_compare openat2; }
test_open_equiv_dots() { oeq_compare dots; }
test_open_equiv_proc() { oeq_compare proc; }
test_open_equiv_fdnum() { oeq_compare fdnum; }
test_open_equiv_misc() { oeq_compare misc; }

# The whole table inside the sandbox is denied nothing: no open in it
# touches a deny_read name, so the supervisor writes no audit record (a
# record would mean it judged a harmless open, or one of its own, as denied).
test_open_equiv_no_audit_record() {
	write_cfg_enforceable
	oeq_has_audit_log || skip "this build's 'aigate run' has no --audit-log (the seccomp supervisor issue adds it)"
	oeq_build
	oeq_box all
	assert_status 0
	assert_stderr_empty
	[ "$(wc -l <"$OUT")" -eq "$("$OEQ_BIN" --list | wc -l)" ] || fail "one line per case expected"
	assert_no_audit "$T/audit.jsonl" verdict=denied
	assert_no_audit "$T/audit.jsonl" verdict=killed
}

# Every family of the table has its test above: a family added to
# open_equiv.c without one would never be compared.
test_open_equiv_families_covered() {
	local fam missing=
	oeq_build
	for fam in $("$OEQ_BIN" --list | cut -d' ' -f1 | sort -u); do
		case " $OEQ_FAMILIES " in *" $fam "*) ;; *) missing="$missing $fam" ;; esac
		declare -F "test_open_equiv_$fam" >/dev/null || missing="$missing test_open_equiv_$fam"
	done
	[ -z "$missing" ] || fail "families of tests/redteam/open_equiv.c without a test:$missing"
}
