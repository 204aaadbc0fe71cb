#!/usr/bin/env bash
# sx-emit-sql --dialect tsql, checked without a SQL Server: every batch (as
# sqlcmd cuts them at GO) parses with a real T-SQL grammar (ANTLR grammars-v4
# TSqlParser via the npm module antlr4ts-sql; see tsql_parse.js), sqlcmd
# would see no "$(" variable and no ":"/"!!" command line, and the row
# constructors evaluate (N'..' + NCHAR(n) + CONVERT ...) back to the exact
# input strings.  Covers hostile strings and names, NUL (kept), --create
# types, --evolve (COL_LENGTH guard), --key --upsert (MERGE WITH (HOLDLOCK),
# duplicates collapsed per statement, last wins) and the 1,000-row cap of
# INSERT ... VALUES.  Skips (not ok, not FAIL) when the parser cannot be
# installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/emit_sql_lib.sh"
emit_sql_require emit-sql-tsql
: "${ROOT:=$(cd "$here/../.." && pwd)}"
export SX_NPM="${SX_NPM:-$ROOT/build/npm}"
# Without node, an installed parser is no use: tsql_deps.sh says so (this
# test then SKIPs, instead of failing to start tsql_parse.js).
nonode=$(mktemp -d)
for c in bash grep dirname; do ln -s "$(command -v $c)" "$nonode/$c"; done
nodeless=$(PATH=$nonode "$nonode/bash" "$here/tsql_deps.sh" "$SX_NPM"; echo "exit $?")
rm -rf "$nonode"
case $nodeless in
"node not found"*"exit 1") echo "ok emit-sql-tsql: without node, tsql_deps.sh says why and exits 1 (SKIP)" ;;
*) echo "FAIL emit-sql-tsql: without node, tsql_deps.sh said: $nodeless" ;;
esac
if ! why=$(bash "$here/tsql_deps.sh" "$SX_NPM"); then
	echo "SKIP emit-sql-tsql: no T-SQL parser ($why)"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/markers"
python3 "$here/emit_sql_data.py" hostile "$tmp" "$tmp/markers"
python3 "$here/emit_sql_data.py" nul "$tmp"
python3 "$here/emit_sql_data.py" names "$tmp"
# Phase 1 writes every script (gen NAME ARGS... < INPUT: $tmp/NAME.sql, its
# exit status in $tmp/NAME.rc, stderr in $tmp/NAME.err); phase 2 parses them
# all in one node process (loading the grammar costs seconds); phase 3
# asserts.  parse_ok NAME FILE: FILE parsed; its report is then in
# $tmp/parse.out for the checks that follow.
gen() {
	local name=$1; shift
	timeout 60 sx-emit-sql --dialect tsql "$@" >"$tmp/$name.sql" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
parse_ok() {
	cp "$2.parse" "$tmp/parse.out" 2>/dev/null || echo "error: no parse report" >"$tmp/parse.out"
	if ! grep -q '^error' "$tmp/parse.out"; then
		echo "ok $1"
	else
		echo "FAIL $1: $(grep -c '^error' "$tmp/parse.out") errors"
		grep '^error' "$tmp/parse.out" | head -4 | cut -c1-200 | sed 's/^/    /'
	fi
}
rc_of() { cat "$tmp/$1.rc"; }
# rows_hex: "ID HEX" of the (id, s) rows the parsed script would insert.
rows_hex() {
	python3 -c '
import json, sys
for line in sys.stdin:
    if not line.startswith("{"): continue
    r = json.loads(line)["row"]
    s = "NULL" if r[1] is None else r[1].encode("utf-16", "surrogatepass").decode("utf-16").encode("utf-8").hex().upper()
    print(r[0], s)' <"$tmp/parse.out"
}

# --- phase 1: the scripts ------------------------------------------------------
printf "INSERT INTO [t] ([a]) VALUES (N'it's');\n" >"$tmp/bad1.sql"
printf "MERGE [t] WITH (HOLDLOCK) AS [t] USING (VALUES (1)) AS [s] ([a]) ON [t].[a] = [s].[a] WHEN MATCHED THEN;\n" >"$tmp/bad2.sql"
printf "INSERT INTO [t] ([a]) VALUES (N'%s');\n" '$(x)' >"$tmp/bad3.sql"
printf "INSERT INTO [t] ([a]) VALUES (N'a\nGO\nb');\n" >"$tmp/bad4.sql"
gen h0 --table t --create <"$tmp/hostile.ndjson"
gen h1 --table t --create --batch 1 <"$tmp/hostile.ndjson"
gen h2 --table t --create --batch 7 --commit-every 3 <"$tmp/hostile.ndjson"
gen names --table 'odd]table' --create <"$tmp/names.ndjson"
gen nul --table t --create <"$tmp/nul.ndjson"
cat >"$tmp/types.ndjson" <<'EOF'
{"i":9223372036854775807,"f":1.5,"b":true,"ts":"2024-05-01T12:00:00.123Z","o":{"a":[1,2]},"a":[1,"x"],"s":"text","w":1,"mix":"x"}
{"i":-42,"f":-2.5e-10,"b":false,"ts":"2024-05-01T14:00:00+02:00","o":{},"a":[],"s":"","w":2.5,"mix":1}
EOF
gen ty --table ty --create <"$tmp/types.ndjson"
printf '{"a":1,"b":"x"}\n{"a":2,"b":"y","c":3.5}\n' >"$tmp/ev.ndjson"
gen ev --table ev --create --evolve --batch 1 <"$tmp/ev.ndjson"
gen ev_create --table ev --create --batch 1 "$tmp/ev.ndjson"
echo '{"a":2,"b":"new"}' >"$tmp/ev2.ndjson"
gen ev_rerun --table ev --create --evolve <"$tmp/ev2.ndjson"
window_rows "$tmp/w.ndjson" 1
gen up0 --table win --create --key window_end,deviceId --upsert <"$tmp/w.ndjson"
gen up2 --table win --create --key window_end,deviceId --upsert --batch 2 <"$tmp/w.ndjson"
printf '{"id":1,"temp":21,"hum":null}\n{"id":2,"temp":21.5,"hum":40.2}\n{"id":3,"temp":22,"hum":"x"}\n' >"$tmp/live.ndjson"
gen live --table db.s.live --create --batch 1 --on-error skip <"$tmp/live.ndjson"
gen liveup --table live --create --batch 1 --key id --upsert --on-error skip <"$tmp/live.ndjson"
printf '{"a":1,"b":1}\n{"a":2,"b":2}\n{"a":3,"b":2.5}\n{"a":"abc","b":4}\n{"a":5,"b":true}\n{"a":null,"b":{"j":1}}\n' >"$tmp/kinds.ndjson"
gen kinds --table t --batch 2 <"$tmp/kinds.ndjson"
printf '{"a":null}\n{"a":null,"b":null}\n{"a":1,"b":"x"}\n' >"$tmp/allnull.ndjson"
gen allnull --table t --evolve --batch 2 <"$tmp/allnull.ndjson"
gen allnullc --table t --create --batch 2 <"$tmp/allnull.ndjson"
gen kindsup --table t --batch 3 --key a --upsert --on-error skip <"$tmp/kinds.ndjson"
python3 "$here/emit_sql_data.py" rows "$tmp" 2500
gen r5000 --table r --create --batch 5000 <"$tmp/rows.ndjson"
gen r1000 --table r --create --batch 1000 <"$tmp/rows.ndjson"

# --- phase 2: parse ---------------------------------------------------------------
node "$here/tsql_parse.js" --values "$tmp"/*.sql >"$tmp/node.err" 2>&1
[ -f "$tmp/h0.sql.parse" ] || { echo "FAIL emit-sql-tsql: tsql_parse.js did not run: $(head -3 "$tmp/node.err")"; exit 0; }

# --- phase 3: the parser is real: it rejects broken T-SQL ----------------------
for b in 1 2 3 4; do
	if grep -q '^error' "$tmp/bad$b.sql.parse"; then
		echo "ok emit-sql-tsql: the checker rejects broken script $b"
	else
		echo "FAIL emit-sql-tsql: the checker accepted broken script $b: $(head -c 100 "$tmp/bad$b.sql")"
	fi
done

# --- hostile strings ---------------------------------------------------------------
for h in h0:defaults "h1:--batch 1" "h2:--batch 7 --commit-every 3"; do
	args=${h#*:} h=${h%%:*}
	expect_eq "emit-sql-tsql: hostile strings exit 0 ($args)" 0 "$(rc_of $h)"
	parse_ok "emit-sql-tsql: hostile strings parse, batch by batch ($args)" "$tmp/$h.sql"
	rows_hex >"$tmp/got.hex"
	same_lines "emit-sql-tsql: hostile strings evaluate back byte for byte ($args)" \
		"$tmp/hostile.hex" "$tmp/got.hex"
done
check "emit-sql-tsql: N'..' literals (Unicode kept)" grep -q "N'" "$tmp/h0.sql"
check "emit-sql-tsql: SET XACT_ABORT ON so a failure rolls back the open transaction" \
	grep -qi 'SET XACT_ABORT ON' "$tmp/h0.sql"
check "emit-sql-tsql: transactions" grep -qiE '^(BEGIN TRAN|COMMIT)' "$tmp/h0.sql"

# --- names ---------------------------------------------------------------------------
expect_eq "emit-sql-tsql: hostile field names exit 0" 0 "$(rc_of names)"
parse_ok "emit-sql-tsql: hostile field and table names parse" "$tmp/names.sql"
check "emit-sql-tsql: ] in a name is doubled inside [...]" grep -qF '[odd]]table]' "$tmp/names.sql"
check "emit-sql-tsql: names keep their quotes and case" grep -qF '[dq"uote]' "$tmp/names.sql"
expect_eq "emit-sql-tsql: values in field order" '["1","2","3","4","5","6","7","8","9","10"]' \
	"$(grep -m1 '^{' "$tmp/parse.out" | python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read())["row"], separators=(",", ":")))')"

# --- NUL is kept ---------------------------------------------------------------------------
expect_eq "emit-sql-tsql: NUL exits 0" 0 "$(rc_of nul)"
parse_ok "emit-sql-tsql: NUL parses" "$tmp/nul.sql"
rows_hex >"$tmp/got.hex"
same_lines "emit-sql-tsql: NUL kept byte for byte" "$tmp/nul.hex" "$tmp/got.hex"

# --- --create types -------------------------------------------------------------------------
expect_eq "emit-sql-tsql: types exit 0" 0 "$(rc_of ty)"
parse_ok "emit-sql-tsql: --create parses" "$tmp/ty.sql"
check "emit-sql-tsql: CREATE TABLE parsed as create_table" grep -q 'create_table=1' "$tmp/parse.out"
create=$(tr '\n' ' ' <"$tmp/ty.sql" | grep -oiE 'CREATE TABLE .*' | head -1)
for want in 'i:BIGINT' 'f:FLOAT' 'b:BIT' 'ts:DATETIMEOFFSET' 'o:NVARCHAR\(MAX\)' 'a:NVARCHAR\(MAX\)' \
	's:NVARCHAR\(MAX\)' 'w:BIGINT' 'mix:NVARCHAR\(MAX\)'; do
	col=${want%%:*} type=${want#*:}
	if grep -qiE "\[$col\] $type" <<<"$create"; then
		echo "ok emit-sql-tsql: column $col is ${type//\\/}"
	else
		echo "FAIL emit-sql-tsql: column $col is not ${type//\\/} in: ${create:0:300}"
	fi
done
check "emit-sql-tsql: w (1 first, then 2.5) widens to FLOAT before the rows" \
	grep -qF "AND name = N'w' AND TYPE_NAME(system_type_id) IN (N'bigint', N'int', N'smallint', N'tinyint')) ALTER TABLE [ty] ALTER COLUMN [w] FLOAT NULL;" "$tmp/ty.sql"
expect_eq "emit-sql-tsql: typed values (int64 exact, bit 1/0, floats, timestamps' instants)" \
	"9223372036854775807 1.5 1 1714564800123 1.0|-42 -2.5e-10 0 1714564800000 2.5" \
	"$(python3 -c '
import json, sys, datetime
rows = [json.loads(l)["row"] for l in open(sys.argv[1]) if l.startswith("{")]
def ms(t):
    try: return round(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)
    except Exception: return "bad-time:" + str(t)
print("|".join("%s %r %s %s %r" % (r[0], float(r[1]), r[2], ms(r[3]), float(r[7])) for r in rows))' "$tmp/parse.out" 2>&1)"

# --- --evolve: ADD guarded by COL_LENGTH ------------------------------------------------------
expect_eq "emit-sql-tsql: --evolve exits 0" 0 "$(rc_of ev)"
parse_ok "emit-sql-tsql: --evolve parses" "$tmp/ev.sql"
check "emit-sql-tsql: --evolve adds c under a COL_LENGTH guard" \
	grep -qiE 'IF COL_LENGTH\(.*IS NULL.*ALTER TABLE .*ADD .*\[c\]' "$tmp/ev.sql"
check "emit-sql-tsql: the ALTER TABLEs (a and b of the first record, then c) parsed as alter_table" grep -qE 'alter_table=3( |$)' "$tmp/parse.out"
parse_ok "emit-sql-tsql: --evolve rerun script parses" "$tmp/ev_rerun.sql"
check "emit-sql-tsql: --evolve adds the first record's columns under COL_LENGTH after CREATE (a rerun's new field)" \
	grep -qF "IF COL_LENGTH(N'[ev]', N'b') IS NULL ALTER TABLE [ev] ADD [b] NVARCHAR(MAX) NULL;" "$tmp/ev_rerun.sql"
expect_eq "emit-sql-tsql: --create alone adds a later field too (exit 0)" 0 "$(rc_of ev_create)"
parse_ok "emit-sql-tsql: --create adding a field parses" "$tmp/ev_create.sql"
check "emit-sql-tsql: ... c under a COL_LENGTH guard, as FLOAT (its first value)" \
	grep -qF "IF COL_LENGTH(N'[ev]', N'c') IS NULL ALTER TABLE [ev] ADD [c] FLOAT NULL;" "$tmp/ev_create.sql"

# --- types independent of batch timing: ADD at a column's first value, widening --------------
for g in live liveup; do
	expect_eq "emit-sql-tsql: one-row batches exit 0 ($g)" 0 "$(rc_of $g)"
	parse_ok "emit-sql-tsql: one-row batches parse, ADD and ALTER COLUMN included ($g)" "$tmp/$g.sql"
	check "emit-sql-tsql: ... the ALTERs parsed as alter_table ($g)" grep -qE 'alter_table=2( |$)' "$tmp/parse.out"
done
check "emit-sql-tsql: hum is added under COL_LENGTH at its first value, as FLOAT" \
	grep -qF "IF COL_LENGTH(N'[db].[s].[live]', N'hum') IS NULL ALTER TABLE [db].[s].[live] ADD [hum] FLOAT NULL;" "$tmp/live.sql"
check "emit-sql-tsql: temp widens to FLOAT only while sys.columns says it is an integer" \
	grep -qF "IF EXISTS (SELECT 1 FROM [db].sys.columns WHERE object_id = OBJECT_ID(N'[db].[s].[live]') AND name = N'temp' AND TYPE_NAME(system_type_id) IN (N'bigint', N'int', N'smallint', N'tinyint')) ALTER TABLE [db].[s].[live] ALTER COLUMN [temp] FLOAT NULL;" "$tmp/live.sql"
check "emit-sql-tsql: a string in the float column is a data error" grep -q -- '-:3: field "hum": value is not a float' "$tmp/live.err"
# SQL Server types a VALUES column by precedence over its rows: (N'abc'),(3)
# fails.  No statement of any script here may mix literal kinds in a column.
for f in "$tmp"/*.sql; do
	case $f in */bad*.sql) continue ;; esac
	cp "$f.parse" "$tmp/parse.out" 2>/dev/null || continue
	mixed=$(python3 -c '
import json, sys
kinds = {}
for l in open(sys.argv[1]):
    if not l.startswith("{"): continue
    r = json.loads(l)
    for i, k in enumerate(r["lit"]):
        if k: kinds.setdefault((r["stmt"], i), set()).add(k)
print(sum(len(v) > 1 for v in kinds.values()))' "$tmp/parse.out")
	expect_eq "emit-sql-tsql: no VALUES column mixes strings and numbers ($(basename "$f"))" 0 "$mixed"
done
for g in allnull allnullc; do
	parse_ok "emit-sql-tsql: first rows with only nulls parse ($g)" "$tmp/$g.sql"
done
check "emit-sql-tsql: ... without columns yet, as INSERT ... DEFAULT VALUES" grep -qF 'INSERT INTO [t] DEFAULT VALUES;' "$tmp/allnull.sql"
rows_of() { grep '^{' "$tmp/$1.sql.parse" | python3 -c 'import json,sys; print(" ".join(",".join("NULL" if v is None else v for v in json.loads(l)["row"]) for l in sys.stdin))'; }
expect_eq "emit-sql-tsql: an existing table gets each value as sent, one kind per statement" \
	"1,1 2,2 3,2.5E0 abc,4E0 5,true NULL,{\"j\":1}" "$(rows_of kinds)"

# --- --key --upsert: MERGE WITH (HOLDLOCK) ----------------------------------------------------
for up in up0:defaults "up2:--batch 2"; do
	args=${up#*:} up=${up%%:*}
	expect_eq "emit-sql-tsql: --upsert exits 0 ($args)" 0 "$(rc_of $up)"
	parse_ok "emit-sql-tsql: MERGE statements parse ($args)" "$tmp/$up.sql"
	check "emit-sql-tsql: the upsert parsed as merge_statement ($args)" grep -q 'merge_statement=' "$tmp/parse.out"
	check "emit-sql-tsql: MERGE ... WITH (HOLDLOCK) ($args)" grep -qiE 'MERGE .*WITH \(HOLDLOCK\)' "$tmp/$up.sql"
	n_merge=$(grep -oiE '^MERGE ' "$tmp/$up.sql" | wc -l)
	n_ended=$(tr '\n' ' ' <"$tmp/$up.sql" | grep -oiE 'MERGE [^;]*;' | grep -ciE 'WHEN NOT MATCHED .*\);$')
	check "emit-sql-tsql: every MERGE ($n_merge) ends with ; after WHEN NOT MATCHED ($args)" \
		test "$n_merge" -ge 1 -a "$n_merge" = "$n_ended"
	expect_eq "emit-sql-tsql: no key twice in one MERGE source, and the last duplicate wins ($args)" \
		"12 keys, 0 repeated, count 99" \
		"$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
seen, rep, cnt = set(), 0, {}
for r in rows:
    k = (r["stmt"], r["row"][0], r["row"][1])
    rep += k in seen; seen.add(k)
    cnt[(r["row"][0], r["row"][1])] = r["row"][2]
c = [v for (w, d), v in cnt.items() if w.startswith("2024-05-01T12:00:00") and d == "dev-1"]
print("%d keys, %d repeated, count %s" % (len(cnt), rep, c[0] if c else "?"))' "$tmp/parse.out")"
done
check "emit-sql-tsql: --create with --key declares the primary key" \
	grep -qiE 'PRIMARY KEY *\(\[window_end\], *\[deviceId\]\)' "$tmp/up0.sql"

# --- INSERT ... VALUES holds at most 1,000 rows ------------------------------------------------
if [ "$(rc_of r5000)" = 2 ]; then
	echo "ok emit-sql-tsql: --batch 5000 refused for T-SQL (usage error)"
	r=r1000
else
	expect_eq "emit-sql-tsql: --batch 5000 is either refused or capped (exit 0)" 0 "$(rc_of r5000)"
	r=r5000
fi
expect_eq "emit-sql-tsql: 2,500 rows ($r) exit 0" 0 "$(rc_of $r)"
parse_ok "emit-sql-tsql: 2,500 rows parse" "$tmp/$r.sql"
expect_eq "emit-sql-tsql: every row present, no INSERT over 1,000 rows" "2500 rows, largest INSERT 1000" \
	"$(python3 -c '
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
per = collections.Counter(r["stmt"] for r in rows)
print("%d rows, largest INSERT %d" % (len(set(r["row"][0] for r in rows)), max(per.values(), default=0)))' "$tmp/parse.out")"
