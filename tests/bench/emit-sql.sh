# Part of make bench (sourced by tests/bench.sh: $B, $N, measure, ratio).
# sx-emit-sql against each database's own bulk loader, same events, same
# table definition on both sides (the types --create infers: ts TEXT/
# timestamptz, deviceId TEXT, temperature and humidity REAL/double, status
# TEXT), each timing the best of 3 runs (the machine is shared):
#   SQLite      sx-emit-sql --create < events.ndjson | sqlite3 DB
#                 default: a transaction per 10,000 rows, 100 COMMITs, each
#                 a few fsyncs of SQLite's rollback journal and the database
#               vs sqlite3 DB '.import --csv --skip 1 events.csv ev' into the
#                 pre-created table: ONE transaction, one COMMIT
#               (target <= 2.5x).  Diagnostics: sx-emit-sql with one
#               transaction (like with like), and sqlite3 alone reading the
#               same SQL from a file (its parse cost, without ours).
#   PostgreSQL  sx-emit-sql --dialect postgres --copy --create | psql
#                 one COPY per transaction (10,000 rows), 100 COMMITs
#               vs psql \copy ev FROM events.csv CSV HEADER into a
#                 pre-created table: one COPY, one transaction (target <= 1.5x)
# The PostgreSQL server is a private one (tests/integration/pg.sh, fsync off),
# stopped at the end of this part.  Each load's row count is checked, so a
# failed load cannot pass for a fast one.

# best3 NAME SETUP CMD CHECK: runs SETUP then measures CMD, 3 times; sets
# $SECS to the fastest and says if CHECK (a command printing a row count)
# ever disagrees with $N.
best3() {
	local name=$1 setup=$2 cmd=$3 check=$4 best="" got i
	for i in 1 2 3; do
		bash -c "$setup" >/dev/null 2>&1
		measure_once "$name (run $i)" "$cmd"
		got=$(bash -c "$check")
		[ "$got" = "$N" ] || echo "  !! $name loaded $got rows, not $N"
		if [ -z "$best" ] || [ "$(echo "$SECS < $best" | bc -l)" = 1 ]; then best=$SECS; fi
	done
	SECS=$best
	printf '  %-44s %7.2f s  best of 3\n' "$name" "$SECS"
}

emit_sql_bench() {
	local root db t_sx t_native sqlite_table pg_table
	root=$(cd "$B/../.." && pwd)
	echo "  (sqlite3 $(sqlite3 --version | cut -d' ' -f1))"
	db="$B/emit-sql.db"
	sqlite_table='CREATE TABLE ev ("ts" TEXT, "deviceId" TEXT, "temperature" REAL, "humidity" REAL, "status" TEXT)'
	best3 "sx-emit-sql --create | sqlite3" \
		"rm -f '$db' '$db-journal'" \
		"set -o pipefail; sx-emit-sql --table ev --create <'$B/events.ndjson' | sqlite3 -bail '$db'" \
		"sqlite3 '$db' 'select count(*) from ev'"
	t_sx=$SECS
	best3 "sqlite3 .import --csv (same table)" \
		"rm -f '$B/import.db' '$B/import.db-journal'; sqlite3 '$B/import.db' '$sqlite_table'" \
		"sqlite3 -bail '$B/import.db' '.import --csv --skip 1 $B/events.csv ev'" \
		"sqlite3 '$B/import.db' 'select count(*) from ev'"
	t_native=$SECS
	ratio "$t_native" "$t_sx" "sx-emit-sql | sqlite3 time / .import time (target <= 2.5x)"
	best3 "  same, --commit-every $N (one transaction)" \
		"rm -f '$db' '$db-journal'" \
		"set -o pipefail; sx-emit-sql --table ev --create --commit-every $N <'$B/events.ndjson' | sqlite3 -bail '$db'" \
		"sqlite3 '$db' 'select count(*) from ev'"
	ratio "$t_native" "$SECS" "one transaction / .import (like with like)"
	sx-emit-sql --table ev --create <"$B/events.ndjson" >"$B/emit-sql.sql"
	best3 "  sqlite3 alone on the saved SQL (default)" \
		"rm -f '$db' '$db-journal'" \
		"sqlite3 -bail '$db' <'$B/emit-sql.sql'" \
		"sqlite3 '$db' 'select count(*) from ev'"
	ratio "$t_native" "$SECS" "sqlite3 reading our SQL / .import"
	rm -f "$db" "$B/import.db" "$B/emit-sql.sql"

	# shellcheck source=../integration/pg.sh
	. "$root/tests/integration/pg.sh"
	if ! pg_start; then
		echo "  !! PostgreSQL part skipped: cannot start a server: $PG_FAIL"
		return 0
	fi
	echo "  ($(psql -X -A -t -c 'show server_version'), private server, fsync off)"
	pg_table='create table ev (ts timestamptz, "deviceId" text, temperature double precision, humidity double precision, status text)'
	best3 "sx-emit-sql --copy --create | psql" \
		"psql -X -q -c 'drop table if exists ev'" \
		"set -o pipefail; sx-emit-sql --dialect postgres --copy --create --table ev <'$B/events.ndjson' | psql -X -q -v ON_ERROR_STOP=1" \
		"psql -X -A -t -c 'select count(*) from ev'"
	t_sx=$SECS
	best3 "psql \\copy FROM csv (same table)" \
		"psql -X -q -c 'drop table if exists ev' -c '$pg_table'" \
		"psql -X -q -v ON_ERROR_STOP=1 -c \"\\\\copy ev FROM '$B/events.csv' CSV HEADER\"" \
		"psql -X -A -t -c 'select count(*) from ev'"
	t_native=$SECS
	ratio "$t_native" "$t_sx" "sx-emit-sql --copy | psql time / \\copy time (target <= 1.5x)"
	best3 "  same, --commit-every $N (one transaction)" \
		"psql -X -q -c 'drop table if exists ev'" \
		"set -o pipefail; sx-emit-sql --dialect postgres --copy --create --table ev --commit-every $N <'$B/events.ndjson' | psql -X -q -v ON_ERROR_STOP=1" \
		"psql -X -A -t -c 'select count(*) from ev'"
	ratio "$t_native" "$SECS" "one transaction / \\copy (like with like)"
	psql -X -q -c 'drop table if exists ev'
	pg_stop
}
emit_sql_bench
