# Shared by the test_emit_sql_*.sh tests: source after lib.sh, with $tmp set
# to the test's scratch directory.
#
# emit_sql_require TAG     SKIP (exit 0) while sx-emit-sql is the stub; FAIL
#                          (exit 0) when it is missing from PATH.
# pipe_to NAME INPUT DBCMD -- EMIT_ARGS...
#                          timeout 60 sx-emit-sql EMIT_ARGS < INPUT | timeout 60
#                          DBCMD (a shell string), with pipefail; sets EMIT_RC,
#                          DB_RC and leaves stderr in $tmp/emit.err, $tmp/db.err.
# pipe_ok NAME             ok when both sides exited 0, else FAIL with both
#                          stderrs.
# same_lines NAME WANT_FILE GOT_FILE
#                          ok when the files are equal, else FAIL naming the first
#                          differing lines (long hex is cut).
# stop_message NAME IN_DB   checks the message of a run whose client stopped
#                          mid-stream (see below).
EMIT_RC="" DB_RC=""

emit_sql_require() {
	if ! command -v sx-emit-sql >/dev/null 2>&1; then
		echo "FAIL $1: sx-emit-sql not found in PATH"; exit 0
	fi
	if sx-emit-sql --help 2>&1 | grep -qi 'not implemented yet'; then
		echo "SKIP $1: sx-emit-sql is still the stub (not implemented yet)"; exit 0
	fi
}

pipe_to() {
	local name=$1 input=$2 dbcmd=$3
	shift 4 # NAME INPUT DBCMD --
	set -o pipefail
	timeout 60 sx-emit-sql "$@" <"$input" 2>"$tmp/emit.err" |
		timeout 60 bash -c "$dbcmd" >"$tmp/db.out" 2>"$tmp/db.err"
	local st=("${PIPESTATUS[@]}")
	set +o pipefail
	EMIT_RC=${st[0]} DB_RC=${st[1]}
	: "$name"
}

pipe_ok() {
	if [ "$EMIT_RC" = 0 ] && [ "$DB_RC" = 0 ]; then
		echo "ok $1"
	else
		echo "FAIL $1: sx-emit-sql exited $EMIT_RC, database client exited $DB_RC"
		sed 's/^/    emit: /' "$tmp/emit.err" | head -5 | cut -c1-300
		sed 's/^/    db:   /' "$tmp/db.err" | head -5 | cut -c1-300
	fi
}

same_lines() {
	if cmp -s "$2" "$3"; then
		echo "ok $1"
	else
		echo "FAIL $1: differs from what was sent ($(wc -l <"$3") lines read back, $(wc -l <"$2") expected)"
		diff "$2" "$3" | head -6 | cut -c1-200 | sed 's/^/    /'
	fi
}

# no_markers NAME DIR: ok when no meta-command planted in the data ran (it
# would have created a file in DIR).
no_markers() {
	if [ -z "$(ls -A "$2")" ]; then
		echo "ok $1"
	else
		echo "FAIL $1: a meta-command inside a value ran: $(ls "$2")"
	fi
}

# window_rows FILE PASS: window-style results keyed on window_end + deviceId,
# 3 windows x 4 devices = 12 keys, with (w1,d1) repeated inside the input
# (last wins: count 99) and PASS folded into the values so a rerun with a new
# PASS must update every row.
window_rows() {
	local f=$1 pass=$2 w d n=0
	: >"$f"
	for w in 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z; do
		for d in dev-1 dev-2 dev-3 dev-4; do
			n=$((n + 1))
			if [ "$w" = 2024-05-01T12:00:00Z ] && [ "$d" = dev-1 ]; then
				printf '{"window_end":"%s","deviceId":"%s","count":1,"avg":0.5,"pass":%d}\n' "$w" "$d" "$pass" >>"$f"
			fi
			printf '{"window_end":"%s","deviceId":"%s","count":%d,"avg":%d.25,"pass":%d}\n' \
				"$w" "$d" "$([ $n = 1 ] && echo 99 || echo $n)" "$n" "$pass" >>"$f"
		done
	done
}

# stop_message NAME IN_DB: checks $tmp/emit.err after the client stopped
# mid-stream on input whose every line is a row: it must say how many rows
# read were not committed (N), that at most C were committed (C >= IN_DB, the
# rows the database really holds: the client may stop before running COMMITs
# it was sent), and after which FILE:LINE input was not read, with N + C equal
# to that line number (every row read is in exactly one of the two counts).
stop_message() {
	local name=$1 in_db=$2 msg n c line
	msg=$(head -1 "$tmp/emit.err")
	n=$(sed -nE 's/.*: ([0-9]+) rows? read not committed \(their COMMIT was never sent\).*/\1/p' <<<"$msg")
	c=$(sed -nE 's/.*; at most ([0-9]+) rows? committed before \(sent with their COMMIT; the client may have stopped before running them\).*/\1/p' <<<"$msg")
	line=$(sed -nE 's/.*; input after [^;]*:([0-9]+) not read$/\1/p' <<<"$msg")
	if [ -z "$n" ] || [ -z "$c" ] || [ -z "$line" ]; then
		echo "FAIL $name: the message does not give not-committed, at-most-committed and unread input: $msg"
	elif [ "$c" -lt "$in_db" ] || [ $((n + c)) != "$line" ]; then
		echo "FAIL $name: inconsistent counts (database holds $in_db): $msg"
	else
		echo "ok $name ($n not committed, at most $c committed, $in_db in the database, input after line $line not read)"
	fi
}
