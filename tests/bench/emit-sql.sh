# Part of make bench (sourced by tests/bench.sh: $B, $N, measure, ratio).
# sx-emit-sql against each database's own bulk loader, same events:
#   SQLite      sx-emit-sql --create < events.ndjson | sqlite3 DB
#               vs sqlite3 DB '.import --csv events.csv ev'     (target <= 2.5x)
#   PostgreSQL  sx-emit-sql --dialect postgres --copy --create | psql
#               vs psql \copy ev FROM events.csv CSV HEADER into a
#               pre-created table of the same types             (target <= 1.5x)
# The PostgreSQL server is a private one (tests/integration/pg.sh), stopped at
# the end of this part.  Each load's row count is checked, so a failed load
# cannot pass for a fast one.
emit_sql_bench() {
	local root db got t_sx t_native
	root=$(cd "$B/../.." && pwd)
	echo "  (sqlite3 $(sqlite3 --version | cut -d' ' -f1))"
	db="$B/emit-sql.db"
	rm -f "$db" "$db-journal" "$B/import.db" "$B/import.db-journal"
	measure "sx-emit-sql --create | sqlite3" \
		"set -o pipefail; sx-emit-sql --table ev --create <'$B/events.ndjson' | sqlite3 -bail '$db'"
	t_sx=$SECS
	got=$(sqlite3 "$db" 'select count(*) from ev')
	[ "$got" = "$N" ] || echo "  !! sx-emit-sql loaded $got rows, not $N"
	measure "sqlite3 .import --csv" "sqlite3 -bail '$B/import.db' '.import --csv $B/events.csv ev'"
	t_native=$SECS
	got=$(sqlite3 "$B/import.db" 'select count(*) from ev')
	[ "$got" = "$N" ] || echo "  !! .import loaded $got rows, not $N"
	ratio "$t_native" "$t_sx" "sx-emit-sql | sqlite3 time / .import time (target <= 2.5x)"
	# Diagnostic: .import is one transaction; the default commits every
	# 10,000 rows, and each SQLite commit is a journal fsync.
	rm -f "$db"
	measure "  same, --commit-every $N (one transaction)" \
		"set -o pipefail; sx-emit-sql --table ev --create --commit-every $N <'$B/events.ndjson' | sqlite3 -bail '$db'"
	ratio "$t_native" "$SECS" "one transaction / .import"
	rm -f "$db" "$B/import.db"

	# shellcheck source=../integration/pg.sh
	. "$root/tests/integration/pg.sh"
	if ! pg_start; then
		echo "  !! PostgreSQL part skipped: cannot start a server: $PG_FAIL"
		return 0
	fi
	echo "  ($(psql -X -A -t -c 'show server_version'), private server, fsync off)"
	measure "sx-emit-sql --copy --create | psql" \
		"set -o pipefail; sx-emit-sql --dialect postgres --copy --create --table ev <'$B/events.ndjson' | psql -X -q -v ON_ERROR_STOP=1"
	t_sx=$SECS
	got=$(psql -X -A -t -c 'select count(*) from ev')
	[ "$got" = "$N" ] || echo "  !! sx-emit-sql loaded $got rows, not $N"
	psql -X -q -v ON_ERROR_STOP=1 -c 'create table ev2 (ts timestamptz, "deviceId" text,
		temperature double precision, humidity double precision, status text)'
	measure "psql \\copy FROM csv (table pre-created)" \
		"psql -X -q -v ON_ERROR_STOP=1 -c \"\\\\copy ev2 FROM '$B/events.csv' CSV HEADER\""
	t_native=$SECS
	got=$(psql -X -A -t -c 'select count(*) from ev2')
	[ "$got" = "$N" ] || echo "  !! \\copy loaded $got rows, not $N"
	ratio "$t_native" "$t_sx" "sx-emit-sql --copy | psql time / \\copy time (target <= 1.5x)"
	# Diagnostic: one COPY statement (a round trip) per --batch rows.
	psql -X -q -c 'drop table ev'
	measure "  same, --batch 10000 (a COPY per 10,000 rows)" \
		"set -o pipefail; sx-emit-sql --dialect postgres --copy --create --table ev --batch 10000 <'$B/events.ndjson' | psql -X -q -v ON_ERROR_STOP=1"
	ratio "$t_native" "$SECS" "--batch 10000 / \\copy"
	pg_stop
}
emit_sql_bench
