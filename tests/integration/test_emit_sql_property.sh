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
# design; there the exit status and the messages must agree.
#
# The seed is printed; SX_PROP_SEED=N reruns the same streams and cuts.
# SX_PROP_STREAMS (default 3) streams for SQLite, a quarter of them (at
# least one) for PostgreSQL; SX_PROP_PG=0 leaves PostgreSQL out.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/emit_sql_lib.sh"
emit_sql_require emit-sql-property
if ! command -v sqlite3 >/dev/null; then
	echo "FAIL emit-sql-property: sqlite3 not installed (make deps-test)"; exit 0
fi
seed=${SX_PROP_SEED:-$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')}
streams=${SX_PROP_STREAMS:-3}
cuts=3 # random cuts per stream and mode, besides the reference run
echo "# emit-sql-property: seed $seed (rerun: SX_PROP_SEED=$seed bash $0)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/emit_sql_prop.py" plan "$seed" "$streams" 30 $((cuts + 1)) "$tmp"

# feed FILE PAUSES: FILE a line at a time, sleeping 0.25 s before each record
# number in PAUSES (comma list, or -).
feed() {
	local n=0 line
	while IFS= read -r line; do
		case ",$2," in *",$n,"*) sleep 0.25 ;; esac
		printf '%s\n' "$line" || return 0 # sx-emit-sql stopped (--on-error fail)
		n=$((n + 1))
	done <"$1"
}

# run RES STREAM PAUSES DBCMD POLICY ARGS...: feed STREAM to sx-emit-sql ARGS
# --on-error POLICY piped into DBCMD; RES gets both exit statuses,
# sx-emit-sql's messages, the client's and the dead letters.
run() {
	local res=$1 stream=$2 pauses=$3 dbcmd=$4 policy=$5
	shift 5
	rm -f "$tmp/dl.ndjson"
	local pol=$policy
	[ "$policy" = dead-letter ] && pol="dead-letter=$tmp/dl.ndjson"
	set -o pipefail
	feed "$stream" "$pauses" 2>/dev/null |
		timeout 60 sx-emit-sql "$@" --on-error "$pol" 2>"$tmp/emit.err" |
		timeout 60 bash -c "$dbcmd" >"$tmp/db.out" 2>"$tmp/db.err"
	local st=("${PIPESTATUS[@]}")
	set +o pipefail
	{
		echo "sx-emit-sql exit ${st[1]}, client exit ${st[2]}"
		sed 's/^/emit: /' "$tmp/emit.err"
		sed 's/^/db: /' "$tmp/db.err"
		if [ -f "$tmp/dl.ndjson" ]; then sed 's/^/dead letter: /' "$tmp/dl.ndjson"; fi
	} >"$res"
}

fails=0
# check_dialect LABEL DBCMD RESET DUMP NSTREAMS MODE...: for each stream and
# mode, a reference run (one batch, no pause) and the random cuts of the plan
# must agree.  RESET empties the database; DUMP prints the table.
check_dialect() {
	local label=$1 dbcmd=$2 reset=$3 dump=$4 nstreams=$5 modes=("${@:6}")
	local i mode policy batch commit pauses ok runs k
	for ((i = 0; i < nstreams; i++)); do
		for mode in "${modes[@]}"; do
			ok=1 runs=0
			for policy in dead-letter fail; do
				eval "$reset"
				# shellcheck disable=SC2086
				run "$tmp/ref.res" "$tmp/s$i.ndjson" - "$dbcmd" $policy --table t --batch 1000000 $mode
				if [ $policy = dead-letter ]; then
					eval "$dump" >"$tmp/ref.dump"
					cat "$tmp/ref.dump" >>"$tmp/ref.res"
					# a test of empty tables would prove nothing
					if ! grep -q '^sx-emit-sql exit 0, client exit 0$' "$tmp/ref.res" ||
						[ "$(wc -l <"$tmp/ref.dump")" -lt 3 ]; then
						ok=0 fails=$((fails + 1))
						echo "FAIL emit-sql-property: $label stream $i ($mode): the reference run did not load (seed $seed)"
						head -5 "$tmp/ref.res" | cut -c1-200 | sed 's/^/    /'
					fi
				fi
				k=0
				while read -r _ batch commit pauses; do
					k=$((k + 1))
					# dead-letter: every cut; fail: the last one
					[ $policy = fail ] && [ $k -le $cuts ] && continue
					[ $policy = dead-letter ] && [ $k -gt $cuts ] && continue
					eval "$reset"
					# shellcheck disable=SC2086
					run "$tmp/cut.res" "$tmp/s$i.ndjson" "$pauses" "$dbcmd" $policy --table t \
						--batch "$batch" --commit-every "$commit" $mode
					[ $policy = dead-letter ] && eval "$dump" >>"$tmp/cut.res"
					runs=$((runs + 1))
					if ! cmp -s "$tmp/ref.res" "$tmp/cut.res"; then
						ok=0 fails=$((fails + 1))
						echo "FAIL emit-sql-property: $label stream $i ($mode --on-error $policy) with --batch $batch --commit-every $commit and pauses before records $pauses differs from one batch (seed $seed)"
						diff "$tmp/ref.res" "$tmp/cut.res" | head -8 | cut -c1-200 | sed 's/^/    /'
					fi
				done < <(grep "^$i " "$tmp/cuts")
			done
			[ $ok = 1 ] && echo "ok emit-sql-property: $label stream $i ($mode): $runs random cuts, the same outcome as one batch ($(($(wc -l <"$tmp/ref.dump") - 1)) rows)"
		done
	done
}

# --- SQLite ----------------------------------------------------------------------
db="$tmp/p.db"
# the columns with their declared types, then every row with each value as an
# SQL literal (1, 1.0 and '1' differ)
sqlite_dump='{ sqlite3 "$db" "select group_concat(name || \":\" || type, \" \") from pragma_table_info(\"t\")"
	sqlite3 -quote "$db" "select * from t order by seq"; } 2>&1'
# Without --create the table exists: every column has a default, so a row
# written before a field's first appearance (default) and one after it that
# lacks the field (NULL) must not trade places with the batch cuts.
plain_ddl="create table t (seq integer, id integer, a default 'dflt', b default 'dflt',
	c default 'dflt', d default 'dflt', e default 'dflt', late0 default 'dflt', late1 default 'dflt')"
sqlite_reset='rm -f "$db"; case $mode in *--create*) ;; *) sqlite3 "$db" "$plain_ddl" ;; esac'
check_dialect sqlite "sqlite3 -bail '$db'" "$sqlite_reset" "$sqlite_dump" "$streams" \
	"--create" "--create --key id --upsert" "--dialect sqlite"
# The streams must exercise the rules (values that do not convert, numbers
# beyond a double), or this test proves nothing.
rm -f "$db"
run "$tmp/big.res" "$tmp/sbig.ndjson" - "sqlite3 -bail '$db'" dead-letter --table t --create --batch 7
check "emit-sql-property: a long random stream meets data errors (seed $seed)" grep -q '^dead letter: ' "$tmp/big.res"
check "emit-sql-property: ... and loads the rest (seed $seed)" grep -q '^sx-emit-sql exit 0, client exit 0' "$tmp/big.res"

# --- PostgreSQL (when a private server starts) ------------------------------------
. "$here/pg.sh"
if [ "${SX_PROP_PG:-1}" = 0 ]; then
	echo "SKIP emit-sql-property: PostgreSQL (SX_PROP_PG=0)"
elif pg_start; then
	pg_reset='psql -X -q -c "drop table if exists t" >/dev/null 2>&1'
	pg_dump='psql -X -At -c "select string_agg(column_name || '"':'"' || data_type, '"' '"' order by ordinal_position) from information_schema.columns where table_name = '"'t'"'" -c "select row_to_json(t)::text from t order by seq" 2>&1'
	check_dialect postgres "psql -X -q -v ON_ERROR_STOP=1" "$pg_reset" "$pg_dump" $(((streams + 3) / 4)) \
		"--dialect postgres --create" "--dialect postgres --create --copy --key id --upsert"
else
	echo "SKIP emit-sql-property: PostgreSQL ($PG_FAIL)"
fi
[ $fails = 0 ] || echo "# emit-sql-property: $fails failures; rerun with SX_PROP_SEED=$seed"
