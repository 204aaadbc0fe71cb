#!/usr/bin/env bash
# A landing folder, live: files keep landing (written under a .tmp name and
# renamed, the safe delivery) while
#   sx-ingest --watch DIR --checkpoint ck --defer-commit --add-source src
#     | sx-emit-sql --key src --upsert | sqlite3 -bail
# runs; the pipeline is killed with SIGKILL mid-run and restarted, stopped
# with SIGTERM, its checkpoint committed (sx.7 EXACTLY-ONCE PIPELINES), and a
# last batch run takes what landed after.  The table must hold every record
# exactly once: the same rows as a direct count of the files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
: "${ROOT:=$(cd "$here/../.." && pwd)}"
export PATH="${SX_BIN:-$ROOT/bin}:$PATH" LC_ALL=C TZ=UTC
command -v sqlite3 >/dev/null || { echo "SKIP test_landing: no sqlite3"; exit 0; }
tmp=$(mktemp -d)
group=""
trap '[ -n "$group" ] && kill -9 -- -"$group" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
mkdir landing st

NFILES=${SX_LANDING_FILES:-40} ROWS=50
# The writer: a file every 0.2 s, under a .tmp name, then renamed.
writer() {
	for f in $(seq -w 1 "$NFILES"); do
		{
			echo "ts,deviceId,v"
			for r in $(seq 1 $ROWS); do printf "2026-01-01T00:%02d:%02dZ,dev-%d,%s%s\n" $((10#$f % 60)) $((r % 60)) $((r % 7)) "$f" "$r"; done
		} >"landing/part-$f.csv.tmp"
		mv "landing/part-$f.csv.tmp" "landing/part-$f.csv"
		sleep 0.2
	done
}
pipeline() {
	# Its own process group (setsid), so that SIGKILL reaches every stage.
	setsid bash -c 'set -o pipefail
		sx-ingest --watch --settle 300ms --poll 100ms --checkpoint st/in.ck --defer-commit \
			--add-source src -t ts landing \
		| sx-emit-sql --table ev --create --key src --upsert \
		| sqlite3 -bail ev.db' 2>>pipeline.err &
	group=$!
}

sqlite3 ev.db 'create table ev (ts text, deviceId text, v integer, src text primary key)'
writer & wpid=$!
pipeline
sleep 3
kill -9 -- -"$group"; wait "$group" 2>/dev/null
killed_at=$(ls landing | grep -c '\.csv$')
sleep 0.5
pipeline   # restarted: from the last committed checkpoint, into the same table
wait "$wpid"
sleep 2
# A clean stop: SIGTERM to sx-ingest, which flushes and stages its checkpoint;
# the sink finishes, then the checkpoint is committed.
ingest=$(pgrep -g "$group" -x sx-ingest)
kill -TERM $ingest
wait "$group"; rc=$?
group=""
expect_eq landing-stopped-by-sigterm 143 "$rc"
check landing-commit sx-ingest --commit st/in.ck
# Files that landed after the stop: a batch run from the checkpoint.
for f in $(seq -w $((NFILES + 1)) $((NFILES + 3))); do
	{ echo "ts,deviceId,v"; echo "2026-01-01T01:00:00Z,dev-x,$f"; } >"landing/part-$f.csv"
done
set -o pipefail
sx-ingest --checkpoint st/in.ck --add-source src -t ts landing \
	| sx-emit-sql --table ev --key src --upsert | sqlite3 -bail ev.db
check landing-batch-run [ $? = 0 ]
set +o pipefail

echo "# killed with $killed_at of $NFILES files landed"
check landing-killed-mid-run [ "$killed_at" -gt 0 ] && [ "$killed_at" -lt "$NFILES" ]
# The direct count: data lines per file.
for f in landing/*.csv; do echo "$f $(($(wc -l <"$f") - 1))"; done | sort >want.txt
sqlite3 -separator ' ' ev.db "select substr(src, 1, instr(src, ':') - 1), count(*) from ev group by 1 order by 1" >got.txt
if cmp -s want.txt got.txt; then
	echo "ok landing-every-record-once ($(awk '{s += $2} END {print s}' got.txt) rows, $(wc -l <got.txt) files)"
else
	echo "FAIL landing-every-record-once"; diff want.txt got.txt | head; head -5 pipeline.err
fi
# And the values themselves, not just the counts.
cat landing/*.csv | grep -v '^ts,' | awk -F, '{print $3 + 0}' | sort >want.v
sqlite3 ev.db 'select v from ev' | sort >got.v
check landing-values-equal cmp -s want.v got.v
