# Sourced by tests/bench.sh: sx-ingest against mlr and jq on the generated
# events ($B/events.{csv,csv.gz,ndjson}, $N of them).  Every command writes
# its records to /dev/null; the record counts are checked once beforehand, so
# a fast wrong answer cannot pass for a fast right one (a wrong count stops
# the bench run: tests/bench.sh runs under set -e).

ingest_check() { # LABEL CMD: CMD must print $N records
	local got
	got=$(bash -c "$2" | wc -l)
	if [ "$got" != "$N" ]; then
		echo "  ingest: $1 printed $got records, expected $N" >&2
		return 1
	fi
}
if ! ingest_check "sx-ingest CSV" "sx-ingest '$B/events.csv'" ||
   ! ingest_check "sx-ingest gzipped CSV" "sx-ingest -t ts '$B/events.csv.gz'" ||
   ! ingest_check "sx-ingest -t ts NDJSON" "sx-ingest -t ts '$B/events.ndjson'"; then
	echo "  ingest: wrong output, part skipped" >&2
	return 1
fi

# CSV -> NDJSON, typed values (mlr and DuckDB infer types too).
measure "sx-ingest CSV -> NDJSON" "sx-ingest '$B/events.csv'"
ingest_sx=$SECS ingest_cpu=$CPU
measure "mlr --icsv --ojsonl cat" "mlr --icsv --ojsonl cat '$B/events.csv'"
ratio "$ingest_sx" "$SECS" "sx-ingest vs mlr, CSV -> NDJSON (target >= 5x)" "$ingest_cpu" "$CPU"
duckdb_measure "DuckDB read_csv -> NDJSON (2 threads)" csv "$B/events.csv"
cpu_ratio "$ingest_cpu" "$DUCK_CPU" "sx-ingest vs DuckDB, CSV -> NDJSON"

# The same from gzip, with the event time parsed and rewritten.
measure "sx-ingest gzipped CSV -> NDJSON" "sx-ingest '$B/events.csv.gz'"
ingest_sx=$SECS
measure "sx-ingest -t ts gzipped CSV -> NDJSON" "sx-ingest -t ts '$B/events.csv.gz'"
measure "mlr --gzin --icsv --ojsonl cat" "mlr --gzin --icsv --ojsonl cat '$B/events.csv.gz'"
ratio "$ingest_sx" "$SECS" "sx-ingest vs mlr, gzipped CSV -> NDJSON"

# NDJSON passthrough with -t (validated, time rewritten) against jq -c .
# (validated and re-serialised, no time handling).
measure "sx-ingest -t ts NDJSON" "sx-ingest -t ts '$B/events.ndjson'"
ingest_sx=$SECS ingest_cpu=$CPU
measure "jq -c ." "jq -c . '$B/events.ndjson'"
ratio "$ingest_sx" "$SECS" "sx-ingest -t vs jq -c ., NDJSON (target >= 20x)" "$ingest_cpu" "$CPU"

# JSON validation alone: NDJSON in, each line checked against RFC 8259 and
# written back unchanged (no -t).  In GB/s of input (target >= 1 GB/s).
measure "sx-ingest NDJSON (validation only)" "sx-ingest '$B/events.ndjson'"
bytes=$(wc -c <"$B/events.ndjson")
printf '  => JSON validation: %s GB/s (CPU: %s GB/s; target >= 1 GB/s)\n' \
	"$(quot "$bytes" "$SECS" 1e9 2)" "$(quot "$bytes" "$CPU" 1e9 2)"
