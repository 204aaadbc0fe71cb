# sx-join part of make bench (sourced by tests/bench.sh: $B, $N, measure, ratio).
# 1. Reference enrichment: every event joined with the table of its 1,000
#    devices (CSV, typed as sx-ingest types it), against Miller's join (the
#    same inner join, the table held in memory) and jq (the table indexed
#    once, then one lookup per event).  Same rows, fields in another order
#    for mlr.  Targets: >= 10x mlr, >= 10x jq.
#    DuckDB does the same join (read_json JOIN read_csv USING deviceId,
#    NDJSON out), its CPU time compared (it runs two threads).
# 2. Stream to stream: the events joined on deviceId within 1 s with a
#    second stream of the same rate (up to 2 s of disorder: --max-delay 3s,
#    checked with --stats to leave no event late, or the row is INVALID).  Miller
#    and jq have no temporal join, so this reports throughput and the most
#    records held at once (the state bound: rate x (HI - LO + max-delay)).
F="$B/events.ndjson"
D="$B/devices.csv"
DJ="$B/devices.ndjson"
FB="$B/events-b.ndjson"
if [ ! -s "$D" ] || [ ! -s "$DJ" ]; then
	python3 -c '
import random
r = random.Random(7)
sites = ["plant-north", "plant-south", "warehouse-east", "lab", "Lyon, building B"]
print("deviceId,site,model,floor,installed")
for i in range(1000):
    print("dev-%04d,\"%s\",TH-%d00,%d,2025-%02d-01" % (i, r.choice(sites), r.randrange(1, 4), r.randrange(0, 9), r.randrange(1, 13)))
' >"$D"
	sx-ingest "$D" >"$DJ"
fi
if [ ! -s "$FB" ] || [ "$(cat "$B/n-b" 2>/dev/null)" != "$N" ]; then
	echo "  (generating the second stream, $N events)"
	python3 "${SX_SHARED:-$root/../shared}/tools/gen_events.py" "$N" 1000 43 >"$FB"
	echo "$N" >"$B/n-b"
fi
measure "sx-join --ref devices.csv (1,000 devices)" "sx-join --on deviceId --ref '$D' '$F'"
sx_secs=$SECS sx_cpu=$CPU sx_mb=$PEAK_MB
measure "mlr join -f devices.csv" "mlr --ijsonl --ojsonl join -i csv -j deviceId -f '$D' '$F'"
ratio "$sx_secs" "$SECS" "sx-join --ref vs mlr join (target >= 10x)" "$sx_cpu" "$CPU"
measure "jq: INDEX the table once, look each event up" \
	"jq -n -c --slurpfile d '$DJ' '(\$d | INDEX(.deviceId)) as \$i | inputs | . + (\$i[.deviceId] // empty)' '$F'"
ratio "$sx_secs" "$SECS" "sx-join --ref vs jq (target >= 10x)" "$sx_cpu" "$CPU"
duckdb_measure "DuckDB read_json JOIN read_csv (2 threads)" enrich "$F" "$D"
cpu_ratio "$sx_cpu" "$DUCK_CPU" "sx-join --ref vs DuckDB"
echo "  => sx-join --ref peak memory: $sx_mb MB"
J="sx-join -t ts --max-delay 3s --on deviceId --within 1s '$F' '$FB'"
if zero_late "sx-join --within 1s (two streams)" "$J"; then
	measure "sx-join --within 1s --max-delay 3s (two streams)" "$J"
	held=$(bash -c "$J --stats" 2>&1 >/dev/null |
		sed -n 's/.*"matches":\([0-9]*\).*"held_max":\([0-9]*\).*/\1 pairs, at most \2 records held/p')
	echo "  => two streams: $held, peak memory $PEAK_MB MB"
fi
