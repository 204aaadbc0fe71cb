#!/usr/bin/env bash
# Property test (issue 12, item 1): what sx-emit-sql loads depends on the
# records only, never on how the input is cut into batches.  Random typed
# streams (emit_sql_prop.py: nulls, missing and late fields, integer then
# float, "n/a" in numeric columns, 1e400, 400-digit integers...) are loaded
# into a real sqlite3 (and PostgreSQL, through pg.sh, when it starts) with a
# random --batch, a random --commit-every and random pauses longer than the
# 200 ms idle flush; every way must give the same table (columns, declared
# types, every value with its storage type), the same dead letters, the same
# messages and the same exit statuses as one batch of everything.  Under
# --on-error fail the rows already committed depend on the commit points by
# design; there the exit status and the message must agree.
#
# The seed is printed; SX_PROP_SEED=N reruns the same streams and cuts.
# SX_PROP_STREAMS (default 6) sets how many streams per dialect.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/emit_sql_lib.sh"
emit_sql_require emit-sql-property
if ! command -v sqlite3 >/dev/null; then
	echo "FAIL emit-sql-property: sqlite3 not installed (make deps-test)"; exit 0
fi
seed=${SX_PROP_SEED:-$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')}
streams=${SX_PROP_STREAMS:-6}
echo "# emit-sql-property: seed $seed (rerun: SX_PROP_SEED=$seed bash $0)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prop() { python3 "$here/emit_sql_prop.py" "$@"; }
nrec=30

# run NAME STREAM PAUSES DBCMD POLICY ARGS...: feed STREAM (pausing before the
# records in PAUSES) to sx-emit-sql ARGS --on-error POLICY piped into DBCMD;
# $tmp/NAME.res gets both exit statuses, sx-emit-sql's stderr and the dead
# letters (the table is dumped by the caller).
run() {
	local name=$1 stream=$2 pauses=$3 dbcmd=$4 policy=$5
	shift 5
	rm -f "$tmp/dl.ndjson"
	local pol=$policy
	[ "$policy" = dead-letter ] && pol="dead-letter=$tmp/dl.ndjson"
	set -o pipefail
	prop feed "$stream" "$pauses" |
		timeout 60 sx-emit-sql "$@" --on-error "$pol" 2>"$tmp/emit.err" |
		timeout 60 bash -c "$dbcmd" >"$tmp/db.out" 2>"$tmp/db.err"
	local st=("${PIPESTATUS[@]}")
	set +o pipefail
	{
		echo "sx-emit-sql exit ${st[1]}, client exit ${st[2]}"
		sed 's/^/emit: /' "$tmp/emit.err"
		sed 's/^/db: /' "$tmp/db.err"
		[ -f "$tmp/dl.ndjson" ] && sed 's/^/dead letter: /' "$tmp/dl.ndjson"
	} >"$tmp/$name.res"
}

# same NAME WHAT REF GOT: ok, or FAIL with the first differences.
fails=0
same() {
	if cmp -s "$3" "$4"; then
		return 0
	fi
	fails=$((fails + 1))
	echo "FAIL $1: $2 differs from one batch of everything"
	diff "$3" "$4" | head -8 | cut -c1-200 | sed 's/^/    /'
	return 1
}

# check_dialect LABEL DBCMD RESET DUMP MODE...: for each stream and each mode,
# a reference run (--batch 1000000, no pause) and random cuts must agree.
check_dialect() {
	local label=$1 dbcmd=$2 reset=$3 dump=$4 modes=("${@:5}")
	local i mode m r cutseed batch commit pauses ok runs nr off
	for ((i = 0; i < streams; i++)); do
		prop gen $((seed * 1000 + i)) $nrec "$tmp/s.ndjson"
		for m in "${!modes[@]}"; do
			mode=${modes[$m]}
			ok=1 runs=0
			for policy in dead-letter fail; do
				eval "$reset"
				# shellcheck disable=SC2086
				run ref "$tmp/s.ndjson" - "$dbcmd" $policy --table t --batch 1000000 $mode
				[ $policy = dead-letter ] && eval "$dump" >>"$tmp/ref.res"
				nr=3 off=0
				[ $policy = fail ] && nr=1 off=5
				for ((r = 0; r < nr; r++)); do
					cutseed=$(((seed * 1000 + i) * 100 + m * 10 + r + off))
					read -r batch commit pauses < <(prop cuts $cutseed $nrec)
					eval "$reset"
					# shellcheck disable=SC2086
					run cut "$tmp/s.ndjson" "$pauses" "$dbcmd" $policy --table t \
						--batch "$batch" --commit-every "$commit" $mode
					[ $policy = dead-letter ] && eval "$dump" >>"$tmp/cut.res"
					runs=$((runs + 1))
					same "emit-sql-property: $label stream $i ($mode, --on-error $policy, --batch $batch --commit-every $commit, pauses before $pauses; seed $seed)" \
						"the outcome" "$tmp/ref.res" "$tmp/cut.res" || ok=0
				done
			done
			[ $ok = 1 ] && echo "ok emit-sql-property: $label stream $i ($mode): $runs random cuts give the same outcome as one batch"
		done
	done
}

# --- SQLite ----------------------------------------------------------------------
db="$tmp/p.db"
# every column with its declared type, then every row, each value as an SQL
# literal (1, 1.0 and '1' differ)
sqlite_dump='{ sqlite3 "$db" "select group_concat(name || \":\" || type, \" \") from pragma_table_info(\"t\")"
	sqlite3 -quote "$db" "select * from t order by seq"; } 2>&1'
check_dialect sqlite "sqlite3 -bail '$db'" 'rm -f "$db"' "$sqlite_dump" \
	"--create" "--create --key id --upsert"
# A stream with every kind of trouble must have exercised the rules: dead
# letters (values that do not convert, numbers beyond a double), widening
# and added columns, or this test proves nothing.
prop gen $((seed * 1000)) 200 "$tmp/big.ndjson"
rm -f "$db"
run wide "$tmp/big.ndjson" - "sqlite3 -bail '$db'" dead-letter --table t --create --batch 1
check "emit-sql-property: a long random stream meets data errors (seed $seed)" grep -q '^dead letter: ' "$tmp/wide.res"
check "emit-sql-property: ... and loads the rest (seed $seed)" grep -q '^sx-emit-sql exit 0, client exit 0' "$tmp/wide.res"

# --- PostgreSQL (when a private server starts) ------------------------------------
. "$here/pg.sh"
if pg_start; then
	psql_cmd="psql -X -q -v ON_ERROR_STOP=1"
	pg_reset='psql -X -q -c "drop table if exists t" >/dev/null 2>&1'
	pg_dump='{ psql -X -At -c "select string_agg(column_name || '"':'"' || data_type, '"' '"' order by ordinal_position) from information_schema.columns where table_name = '"'t'"'"
		psql -X -At -c "select row_to_json(t)::text from t order by seq"; } 2>&1'
	streams=$(( (streams + 2) / 3 ))
	check_dialect postgres "$psql_cmd" "$pg_reset" "$pg_dump" \
		"--dialect postgres --create" "--dialect postgres --create --copy" \
		"--dialect postgres --create --copy --key id --upsert"
else
	echo "SKIP emit-sql-property: PostgreSQL ($PG_FAIL)"
fi
[ $fails = 0 ] || echo "# emit-sql-property: $fails failures; rerun with SX_PROP_SEED=$seed"
