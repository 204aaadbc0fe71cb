#!/usr/bin/env bash
# sx-emit-sql --dialect postgres into a real, private PostgreSQL server (pg.sh),
# through INSERT and through --copy: hostile strings come back byte for byte
# (no psql meta-command or variable hidden in a value acts), field names
# survive quoting, NUL is a data error, every type mapping (timestamptz,
# jsonb, ...), --create/--evolve (rerunnable), idempotent --key/--upsert
# reruns on both paths, and a psql that stops mid-stream makes sx-emit-sql
# exit 1 promptly saying which rows were not committed,
# which at most committed and which input was not read.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/emit_sql_lib.sh"
. "$here/pg.sh"
emit_sql_require emit-sql-postgres
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! pg_start; then
	echo "FAIL emit-sql-postgres: cannot start a PostgreSQL server: $PG_FAIL"; exit 0
fi
echo "ok emit-sql-postgres: private server up (socket $PGHOST)"
mkdir "$tmp/markers"
python3 "$here/emit_sql_data.py" hostile "$tmp" "$tmp/markers"
python3 "$here/emit_sql_data.py" nul "$tmp"
python3 "$here/emit_sql_data.py" names "$tmp"
PSQL="psql -X -q -v ON_ERROR_STOP=1"
readback="select id || ' ' || coalesce(upper(encode(convert_to(s, 'UTF8'), 'hex')), 'NULL') from t order by id"
reset() { psql_q "drop schema public cascade; create schema public" >/dev/null 2>&1; }

# --- hostile strings: INSERT and COPY, several boundaries ---------------------
for args in "" "--batch 1" "--batch 7 --commit-every 3" "--copy" "--copy --batch 7 --commit-every 3"; do
	reset
	# shellcheck disable=SC2086
	pipe_to x "$tmp/hostile.ndjson" "$PSQL" -- --dialect postgres --table t --create $args
	pipe_ok "emit-sql-postgres: hostile strings load (${args:-INSERT defaults})"
	psql_q "$readback" >"$tmp/got.hex" 2>&1
	same_lines "emit-sql-postgres: hostile strings read back byte for byte (${args:-INSERT defaults})" \
		"$tmp/hostile.hex" "$tmp/got.hex"
	expect_eq "emit-sql-postgres: only table t exists (${args:-INSERT defaults})" "t" \
		"$(psql_q "select string_agg(tablename, ',') from pg_tables where schemaname = 'public'")"
done
no_markers "emit-sql-postgres: no psql/sqlcmd meta-command in a value ran" "$tmp/markers"

# --- the script is read as UTF-8 whatever psql's client encoding -------------------
# (it starts with SET client_encoding = 'UTF8'); field names too.
printf '{"id":1,"s":"\xc3\xa9\xf0\x9f\x98\x80","\xc3\xa9":"x"}\n' >"$tmp/enc.ndjson"
for args in "" "--copy"; do
	reset
	PGCLIENTENCODING=LATIN1 pipe_to x "$tmp/enc.ndjson" "$PSQL" -- --dialect postgres --table t --create $args
	pipe_ok "emit-sql-postgres: loads under PGCLIENTENCODING=LATIN1 (${args:-INSERT})"
	expect_eq "emit-sql-postgres: ... the text reads back byte for byte (${args:-INSERT})" "1 C3A9F09F9880 x" \
		"$(psql_q "select id || ' ' || upper(encode(convert_to(s, 'UTF8'), 'hex')) || ' ' || \"é\" from t" 2>&1)"
done

# --- field names needing quoting ------------------------------------------------
for args in "" "--copy"; do
	reset
	pipe_to x "$tmp/names.ndjson" "$PSQL" -- --dialect postgres --table 'odd "table"' --create $args
	pipe_ok "emit-sql-postgres: hostile field and table names load (${args:-INSERT})"
	psql_q "select upper(encode(convert_to(column_name::text, 'UTF8'), 'hex')) from information_schema.columns
		where table_name = 'odd \"table\"' order by ordinal_position" >"$tmp/got.names" 2>&1
	same_lines "emit-sql-postgres: column names read back byte for byte, case kept (${args:-INSERT})" \
		"$tmp/names.hex" "$tmp/got.names"
	expect_eq "emit-sql-postgres: values land under the right names (${args:-INSERT})" "1|2|4|6|7" \
		"$(psql_q 'select id, "with space", "sq'"'"'uote", "select", "MixedCase" from "odd ""table"""' 2>&1)"
done

# --- NUL cannot be stored: a data error --------------------------------------------
for args in "" "--copy"; do
	reset
	pipe_to x "$tmp/nul.ndjson" "$PSQL" -- --dialect postgres --table t --create $args "$tmp/nul.ndjson"
	expect_eq "emit-sql-postgres: NUL in a value is a data error, exit 1 (${args:-INSERT})" 1 "$EMIT_RC"
	check "emit-sql-postgres: the NUL error names FILE:LINE (${args:-INSERT})" grep -q 'nul.ndjson:2:' "$tmp/emit.err"
	reset
	pipe_to x "$tmp/nul.ndjson" "$PSQL" -- --dialect postgres --table t --create --on-error skip $args "$tmp/nul.ndjson"
	pipe_ok "emit-sql-postgres: --on-error skip loads around the NUL row (${args:-INSERT})"
	expect_eq "emit-sql-postgres: --on-error skip keeps the other rows intact (${args:-INSERT})" "1:before,3:after" \
		"$(psql_q "select string_agg(id || ':' || s, ',' order by id) from t" 2>&1)"
done

# --- type mapping ---------------------------------------------------------------------
cat >"$tmp/types.ndjson" <<'EOF'
{"i":9223372036854775807,"f":1.5,"b":true,"ts":"2024-05-01T12:00:00.123Z","o":{"a":[1,2],"q":"it's \\ \"x\""},"a":[1,"x"],"n":null,"s":"text","w":1,"late":null,"mix":"x"}
{"i":-42,"f":-2.5e-10,"b":false,"ts":"2024-05-01T14:00:00+02:00","o":{},"a":[],"n":null,"s":"","w":2.5,"late":"abc","mix":1}
{"i":null,"f":null,"b":null,"ts":null,"o":null,"a":null,"n":null,"s":null,"w":null,"late":null,"mix":null}
EOF
want_types="i:bigint f:double precision b:boolean ts:timestamp with time zone o:jsonb a:jsonb s:text w:double precision mix:text late:text"
for args in "" "--copy"; do
	reset
	pipe_to x "$tmp/types.ndjson" "$PSQL" -- --dialect postgres --table ty --create $args
	pipe_ok "emit-sql-postgres: types load (${args:-INSERT})"
	got_types=$(psql_q "select string_agg(column_name || ':' || data_type, ' ' order by ordinal_position)
		from information_schema.columns where table_name = 'ty' and column_name <> 'n'" 2>&1)
	expect_eq "emit-sql-postgres: inferred column types (${args:-INSERT})" "$want_types" "$got_types"
	expect_eq "emit-sql-postgres: values read back (${args:-INSERT})" \
		"9223372036854775807|1.5|t|1714564800.123|t|t|text|1||x
-42|-2.5e-10|f|1714564800.000|t|t||2.5|abc|1
|||||||||" \
		"$(psql_q "select i, f, b, to_char(extract(epoch from ts), 'FM9999999999.000'),
			o = '{\"a\":[1,2],\"q\":\"it''s \\\\ \\\"x\\\"\"}'::jsonb or o = '{}'::jsonb,
			a = '[1,\"x\"]'::jsonb or a = '[]'::jsonb, s, w, late, mix from ty order by i desc nulls last" 2>&1)"
	expect_eq "emit-sql-postgres: JSON null is NULL and the empty string is not (${args:-INSERT})" "1|1" \
		"$(psql_q "select count(*) filter (where s is null), count(*) filter (where s = '') from ty" 2>&1)"
	expect_eq "emit-sql-postgres: a column with only nulls is not made (${args:-INSERT})" 0 \
		"$(psql_q "select count(*) from information_schema.columns where table_name = 'ty' and column_name = 'n'" 2>&1)"
done

# --- types do not depend on batch timing ----------------------------------------------
# A live pipeline flushes when input goes quiet, often one-row batches (--batch
# 1 makes that deterministic): a null-first column is added at its first value
# with the type it decides, an integer column widens to float, and a rerun's
# guarded DDL changes nothing.
printf '{"id":1,"temp":21,"hum":null}\n{"id":2,"temp":21.5,"hum":40.2}\n{"id":3,"temp":22,"hum":41}\n' >"$tmp/live.ndjson"
for args in "--batch 1" "--batch 1 --copy" "--batch 1 --key id --upsert" "--batch 1 --copy --key id --upsert"; do
	reset
	ok=1
	for run in 1 2; do
		# shellcheck disable=SC2086
		pipe_to x "$tmp/live.ndjson" "$PSQL" -- --dialect postgres --table live --create $args
		[ "$EMIT_RC" = 0 ] && [ "$DB_RC" = 0 ] || { ok=0; pipe_ok "emit-sql-postgres: one-row batches load (run $run, $args)"; }
	done
	[ $ok = 1 ] && echo "ok emit-sql-postgres: one-row batches load, and rerun ($args)"
	expect_eq "emit-sql-postgres: temp widened to float, hum typed by its first value ($args)" \
		"id:bigint temp:double precision hum:double precision" \
		"$(psql_q "select string_agg(column_name || ':' || data_type, ' ' order by ordinal_position)
			from information_schema.columns where table_name = 'live'" 2>&1)"
	want="1|21|,2|21.5|40.2,3|22|41"
	case $args in *upsert*) ;; *) want="1|21|,1|21|,2|21.5|40.2,2|21.5|40.2,3|22|41,3|22|41" ;; esac
	expect_eq "emit-sql-postgres: every value landed ($args)" "$want" \
		"$(psql_q "select string_agg(id || '|' || temp || '|' || coalesce(hum::text, ''), ',' order by id) from live" 2>&1)"
done
# The same without --batch, with the pause of a live source between the rows.
reset
{ echo '{"temp":21,"hum":null}'; sleep 0.5; echo '{"temp":21.5,"hum":40.2}'; } |
	timeout 60 sx-emit-sql --dialect postgres --table r --create 2>"$tmp/emit.err" | timeout 60 $PSQL 2>"$tmp/db.err"
expect_eq "emit-sql-postgres: a pause between rows changes nothing (both rows, floats)" \
	"21|,21.5|40.2 double precision,double precision" \
	"$(psql_q "select string_agg(temp || '|' || coalesce(hum::text, ''), ',' order by temp)
		|| ' ' || (select string_agg(data_type, ',' order by ordinal_position) from information_schema.columns
		where table_name = 'r') from r" 2>&1)"
# Every field of the first rows null: a table without columns at first.
for args in "--batch 2" "--batch 2 --copy"; do
	reset
	printf '{"a":null}\n{"a":null,"b":null}\n{"a":1,"b":null}\n' >"$tmp/allnull.ndjson"
	pipe_to x "$tmp/allnull.ndjson" "$PSQL" -- --dialect postgres --table z --create $args
	pipe_ok "emit-sql-postgres: first rows with only nulls load ($args)"
	expect_eq "emit-sql-postgres: ... every row, a added at its first value ($args)" "3|1 a:bigint" \
		"$(psql_q "select count(*) || '|' || count(a) || ' ' || (select string_agg(column_name || ':' || data_type, ' ')
			from information_schema.columns where table_name = 'z') from z" 2>&1)"
done
# Only integer widens; another mix in a column we made is a data error.
reset
printf '{"id":1,"code":7}\n{"id":2,"code":"A12"}\n{"id":3,"code":8}\n' >"$tmp/mix.ndjson"
pipe_to x "$tmp/mix.ndjson" "$PSQL" -- --dialect postgres --table mix --create --batch 1 --on-error skip "$tmp/mix.ndjson"
pipe_ok "emit-sql-postgres: a string in an integer column is skipped (--on-error skip)"
check "emit-sql-postgres: ... as a data error naming FILE:LINE and the column type" \
	grep -q 'mix.ndjson:2: field "code": value is not an integer (column type integer' "$tmp/emit.err"
expect_eq "emit-sql-postgres: ... the column stays bigint and the other rows land" "bigint 1|7,3|8" \
	"$(psql_q "select (select data_type from information_schema.columns where table_name = 'mix' and column_name = 'code')
		|| ' ' || string_agg(id || '|' || code, ',' order by id) from mix" 2>&1)"
# The widening is guarded: a rerun against a column that is not an integer
# (here text, made by hand) leaves it alone.
reset
psql_q "create table g (id bigint, v text)"
printf '{"id":1,"v":1}\n{"id":2,"v":2.5}\n' >"$tmp/g.ndjson"
for args in "" "--copy"; do
	pipe_to x "$tmp/g.ndjson" "$PSQL" -- --dialect postgres --table g --create --batch 1 $args
	pipe_ok "emit-sql-postgres: widening skips a column that is not an integer (${args:-INSERT})"
done
expect_eq "emit-sql-postgres: ... it is still text, with every value" "text 1,1,2.5,2.5" \
	"$(psql_q "select (select data_type from information_schema.columns where table_name = 'g' and column_name = 'v')
		|| ' ' || string_agg(v, ',' order by v) from g" 2>&1)"

# --- integers beyond 64 bits are floats ---------------------------------------------------
printf '{"id":1,"big":12345678901234567890123}\n{"id":2,"big":-1}\n' >"$tmp/big.ndjson"
printf '{"id":1,"big":1}\n{"id":2,"big":12345678901234567890123}\n' >"$tmp/big2.ndjson"
for args in "" "--copy" "--batch 1" "--copy --batch 1"; do
	for input in big big2; do
		reset
		# shellcheck disable=SC2086
		pipe_to x "$tmp/$input.ndjson" "$PSQL" -- --dialect postgres --table big --create $args
		pipe_ok "emit-sql-postgres: an integer beyond 64 bits loads ($input ${args:-INSERT})"
		expect_eq "emit-sql-postgres: ... into a double precision column ($input ${args:-INSERT})" \
			"double precision 1.2345678901234568e+22" \
			"$(psql_q "select (select data_type from information_schema.columns where table_name = 'big' and column_name = 'big')
				|| ' ' || max(big) from big" 2>&1)"
	done
done
reset
pipe_to x "$tmp/big2.ndjson" "$PSQL" -- --dialect postgres --table big --create --schema big:int "$tmp/big2.ndjson"
expect_eq "emit-sql-postgres: with --schema big:int it is a data error (exit 1)" 1 "$EMIT_RC"
check "emit-sql-postgres: ... naming FILE:LINE and the field" \
	grep -q 'big2.ndjson:2: field "big": integer beyond the 64-bit range' "$tmp/emit.err"

# --- a new field: ADD COLUMN IF NOT EXISTS with --create (and --evolve) ---------------
printf '{"a":1,"b":"x"}\n{"a":2,"b":"y","c":3.5}\n{"a":3,"b":"z","c":4}\n' >"$tmp/ev.ndjson"
for args in "" "--copy"; do
	reset
	pipe_to x "$tmp/ev.ndjson" "$PSQL" -- --dialect postgres --table ev --create $args "$tmp/ev.ndjson"
	pipe_ok "emit-sql-postgres: --create loads a record with a new field, in one batch (${args:-INSERT})"
	expect_eq "emit-sql-postgres: --create added c (double precision) and kept every value (${args:-INSERT})" \
		"double precision 1|x|,2|y|3.5,3|z|4" \
		"$(psql_q "select (select data_type from information_schema.columns where table_name = 'ev' and column_name = 'c')
			|| ' ' || string_agg(a || '|' || b || '|' || coalesce(c::text, ''), ',' order by a) from ev" 2>&1)"
	reset
	pipe_to x "$tmp/ev.ndjson" "$PSQL" -- --dialect postgres --table ev --create --evolve --batch 1 $args
	pipe_ok "emit-sql-postgres: --evolve loads a record with a new field (${args:-INSERT})"
	expect_eq "emit-sql-postgres: --evolve added c (double precision) and kept every value (${args:-INSERT})" \
		"double precision 1|x|,2|y|3.5,3|z|4" \
		"$(psql_q "select (select data_type from information_schema.columns where table_name = 'ev' and column_name = 'c')
			|| ' ' || string_agg(a || '|' || b || '|' || coalesce(c::text, ''), ',' order by a) from ev" 2>&1)"
	# A rerun of the same input against the evolved table must not trip over
	# the column it already added (IF NOT EXISTS), and --upsert makes it exact.
	pipe_to x "$tmp/ev.ndjson" "$PSQL" -- --dialect postgres --table ev --create --evolve --batch 1 $args
	pipe_ok "emit-sql-postgres: rerunning --evolve on the evolved table works (${args:-INSERT})"
	expect_eq "emit-sql-postgres: the rerun appended the rows again (no key) (${args:-INSERT})" 6 \
		"$(psql_q "select count(*) from ev" 2>&1)"
done

# --- --evolve reruns: a field the table lacks, in the rerun's first record -----------------
for args in "" "--copy"; do
	reset
	echo '{"a":1}' >"$tmp/ev1.ndjson"
	echo '{"a":2,"b":"new"}' >"$tmp/ev2.ndjson"
	pipe_to x "$tmp/ev1.ndjson" "$PSQL" -- --dialect postgres --table t --create --evolve $args
	pipe_to x "$tmp/ev2.ndjson" "$PSQL" -- --dialect postgres --table t --create --evolve $args
	pipe_ok "emit-sql-postgres: --evolve rerun with a new field in its first record (${args:-INSERT})"
	expect_eq "emit-sql-postgres: ... added it (guarded ADD COLUMN after CREATE TABLE IF NOT EXISTS) (${args:-INSERT})" \
		"1|,2|new" "$(psql_q "select string_agg(a || '|' || coalesce(b, ''), ',' order by a) from t" 2>&1)"
done
# Without --create: an existing table, a new typed field and a null-first one.
reset
psql_q "create table t (a bigint, keep text default 'k')"
printf '{"a":1,"b":"x","n":null}\n{"a":2,"n":3}\n' >"$tmp/ev3.ndjson"
pipe_to x "$tmp/ev3.ndjson" "$PSQL" -- --dialect postgres --table t --evolve --batch 1
pipe_ok "emit-sql-postgres: --evolve without --create adds the first record's new fields"
expect_eq "emit-sql-postgres: ... b at once, n at its first value, types inferred" \
	"a:bigint keep:text b:text n:bigint 1|k|x|,2|k||3" \
	"$(psql_q "select (select string_agg(column_name || ':' || data_type, ' ' order by ordinal_position)
		from information_schema.columns where table_name = 't') || ' ' ||
		string_agg(a || '|' || keep || '|' || coalesce(b, '') || '|' || coalesce(n::text, ''), ',' order by a) from t" 2>&1)"

# --- --key --upsert: INSERT ... ON CONFLICT and COPY + merge ---------------------------
window_rows "$tmp/w1.ndjson" 1
window_rows "$tmp/w2.ndjson" 2
for args in "" "--batch 1" "--batch 2" "--copy" "--copy --batch 2"; do
	reset
	ok=1
	for input in w1 w1 w2; do
		# shellcheck disable=SC2086
		pipe_to x "$tmp/$input.ndjson" "$PSQL" -- --dialect postgres --table win --create --key window_end,deviceId --upsert $args
		[ "$EMIT_RC" = 0 ] && [ "$DB_RC" = 0 ] || { ok=0; pipe_ok "emit-sql-postgres: upsert run ($input ${args:-INSERT})"; }
	done
	[ $ok = 1 ] && echo "ok emit-sql-postgres: three upsert runs load (${args:-INSERT})"
	expect_eq "emit-sql-postgres: one row per (window_end, deviceId) after reruns (${args:-INSERT})" "12|12" \
		"$(psql_q 'select count(*), count(distinct (window_end, "deviceId")) from win' 2>&1)"
	expect_eq "emit-sql-postgres: in-input duplicate key collapses, last wins (${args:-INSERT})" "99|1.25" \
		"$(psql_q "select \"count\", \"avg\" from win where \"deviceId\" = 'dev-1' and window_end = '2024-05-01T12:00:00Z'" 2>&1)"
	expect_eq "emit-sql-postgres: the rerun updated every row (${args:-INSERT})" 12 \
		"$(psql_q "select count(*) from win where pass = 2" 2>&1)"
done
expect_eq "emit-sql-postgres: --create with --key makes the key the primary key" "window_end,deviceId" \
	"$(psql_q "select string_agg(a.attname, ',' order by array_position(i.indkey::int2[], a.attnum))
		from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
		where i.indrelid = 'win'::regclass and i.indisprimary" 2>&1)"

# --- --copy --upsert into a table with columns the input does not have --------------------
# An identity column and a NOT NULL column with a default, neither in the
# input: the stage table has only the loaded columns (LIKE would have copied
# their NOT NULL and failed the COPY).
reset
psql_q "create table ident (id bigint generated always as identity, k text primary key,
	v double precision, note text not null default 'none', seen timestamptz not null default now())"
printf '{"k":"a","v":1}\n{"k":"b","v":2}\n{"k":"a","v":3}\n' >"$tmp/ident.ndjson"
printf '{"k":"b","v":20}\n{"k":"c","v":30}\n' >"$tmp/ident2.ndjson"
for input in ident ident2; do
	for args in "--copy" "--copy --batch 1" ""; do
		# shellcheck disable=SC2086
		pipe_to x "$tmp/$input.ndjson" "$PSQL" -- --dialect postgres --table ident --key k --upsert $args
		pipe_ok "emit-sql-postgres: upsert into a table with an identity and a defaulted NOT NULL column ($input ${args:-INSERT})"
	done
done
expect_eq "emit-sql-postgres: ... one row per key, last value wins, identity and default filled in" \
	"a|3|none|t,b|20|none|t,c|30|none|t" \
	"$(psql_q "select string_agg(k || '|' || v || '|' || note || '|' || (id is not null)::text::char, ',' order by k) from ident" 2>&1)"
expect_eq "emit-sql-postgres: ... and no stage table is left behind" 0 \
	"$(psql_q "select count(*) from pg_class where relname = 'sx_emit_sql_stage'" 2>&1)"
# A regular table named like the stage would be shadowed by it: refused.
timeout 60 sx-emit-sql --dialect postgres --copy --upsert --key k --table sx_emit_sql_stage \
	<"$tmp/ident.ndjson" >/dev/null 2>"$tmp/emit.err"
expect_eq "emit-sql-postgres: --copy --upsert --table sx_emit_sql_stage is a usage error (exit 2)" 2 "$?"

# --- psql stops mid-stream ---------------------------------------------------------------
python3 "$here/emit_sql_data.py" rows "$tmp" 200000
sed -i '25s/.*/{"id":25,"v":null}/' "$tmp/rows.ndjson"
for args in "" "--copy"; do
	reset
	psql_q "create table r (id bigint primary key, v text not null)"
	t0=$(date +%s)
	pipe_to x "$tmp/rows.ndjson" "$PSQL" -- --dialect postgres --table r --batch 5 --commit-every 10 $args
	t1=$(date +%s)
	expect_eq "emit-sql-postgres: psql ON_ERROR_STOP stops at the NOT NULL violation, exit 3 (${args:-INSERT})" 3 "$DB_RC"
	expect_eq "emit-sql-postgres: sx-emit-sql exits 1 when psql goes away (${args:-INSERT})" 1 "$EMIT_RC"
	check "emit-sql-postgres: ... within the timeout ($((t1 - t0)) s) (${args:-INSERT})" test $((t1 - t0)) -lt 60
	stop_message "emit-sql-postgres: the message says what was not committed, at most committed and not read (${args:-INSERT})" 20
	expect_eq "emit-sql-postgres: committed transactions stay, the failed one rolls back (${args:-INSERT})" "20|20" \
		"$(psql_q "select count(*), max(id) from r" 2>&1)"
done

# --- a live pipeline: rows land (committed) when input goes quiet ------------------
head -3 "$tmp/rows.ndjson" >"$tmp/three.ndjson"
for args in "" "--copy"; do
	reset
	{ cat "$tmp/three.ndjson"; sleep 4; } | timeout 60 sx-emit-sql --dialect postgres --table r --create $args 2>"$tmp/emit.err" |
		timeout 60 $PSQL 2>"$tmp/db.err" &
	live=$!
	sleep 2
	expect_eq "emit-sql-postgres: rows are committed while the input is quiet, before EOF (${args:-INSERT})" 3 \
		"$(psql_q "select count(*) from r" 2>&1)"
	wait $live
	expect_eq "emit-sql-postgres: ... and nothing more at EOF (${args:-INSERT})" 3 "$(psql_q "select count(*) from r" 2>&1)"
done

# --- names PostgreSQL would truncate (63 bytes) are refused, not merged ---------------
reset
long=$(printf 'x%.0s' $(seq 1 63))
printf '{"%sA":1,"%sB":2}\n' "$long" "$long" >"$tmp/long.ndjson"
pipe_to x "$tmp/long.ndjson" "$PSQL" -- --dialect postgres --table t --create "$tmp/long.ndjson"
expect_eq "emit-sql-postgres: a 64-byte field name is a data error (exit 1)" 1 "$EMIT_RC"
check "emit-sql-postgres: ... naming FILE:LINE" grep -q 'long.ndjson:1:' "$tmp/emit.err"
expect_eq "emit-sql-postgres: ... and no table with truncated, merged columns was made" 0 \
	"$(psql_q "select count(*) from pg_tables where schemaname = 'public'" 2>&1)"
timeout 60 sx-emit-sql --dialect postgres --table "${long}T" </dev/null >/dev/null 2>"$tmp/emit.err"
expect_eq "emit-sql-postgres: a 64-byte --table is a usage error (exit 2)" 2 "$?"
