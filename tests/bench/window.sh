# sx-window part of make bench (sourced by tests/bench.sh: $B, $N, measure,
# ratio, zero_late, duckdb_measure).  Every run as a user must run it on
# this data: --max-delay 3s covers the generator's jitter (up to 2 s), and
# zero_late checks --stats for no late event first (a row with late events
# is INVALID, not a result).
# 1. Tumbling 1m per deviceId (1,000 devices), count/avg/max, against jq -c .
#    (parse and print only: a floor, not the same work), the equivalent
#    Miller pipeline (minute bucket, then stats1 by bucket and device) and
#    DuckDB (read_json, time_bucket, GROUP BY, NDJSON out; CPU time compared,
#    it runs two threads).
#    Targets: >= 15x jq, >= 50x mlr, >= 3x DuckDB's CPU, peak memory < 16 MB.
# 2. Hopping 1h/1m against tumbling 1h, same aggregates: the panes keep the
#    hopping cost near tumbling's plus the 60x larger output (target <= 2.5x).
F="$B/events.ndjson"
AGG="-a 'count()' -a 'avg(temperature)' -a 'max(temperature)'"
W="sx-window -t ts --max-delay 3s -g deviceId $AGG"
if zero_late "sx-window --tumbling 1m" "$W --tumbling 1m '$F'"; then
	measure "sx-window --tumbling 1m --max-delay 3s" "$W --tumbling 1m '$F'"
	sx_secs=$SECS sx_cpu=$CPU sx_mb=$PEAK_MB
	measure "jq -c . (parse + print, no grouping)" "jq -c . '$F'"
	ratio "$sx_secs" "$SECS" "sx-window vs jq -c . (target >= 15x)" "$sx_cpu" "$CPU"
	# (mlr --ijsonl was measured no faster than --ijson here, Miller 6.6, 100K
	# events: same output, same ~3 s and ~600 MB; it stays --ijson.)
	measure "mlr put bucket then stats1 count,mean,max" \
		"mlr --ijson --ojsonl put '\$bucket = sub(\$ts, \":[0-9.]*Z\$\", \"\")' then stats1 -a count,mean,max -f temperature -g bucket,deviceId '$F'"
	ratio "$sx_secs" "$SECS" "sx-window vs mlr (target >= 50x)" "$sx_cpu" "$CPU"
	duckdb_measure "DuckDB time_bucket 1m GROUP BY (2 threads)" tumbling "$F"
	cpu_ratio "$sx_cpu" "$DUCK_CPU" "sx-window vs DuckDB (target >= 3x)"
	echo "  => sx-window peak memory: $sx_mb MB (target < 16 MB)"
fi
if zero_late "sx-window --tumbling 1h" "$W --tumbling 1h '$F'" &&
	zero_late "sx-window --hopping 1h --hop 1m" "$W --hopping 1h --hop 1m '$F'"; then
	measure "sx-window --tumbling 1h --max-delay 3s" "$W --tumbling 1h '$F'"
	tumbling_secs=$SECS tumbling_cpu=$CPU
	measure "sx-window --hopping 1h --hop 1m --max-delay 3s" "$W --hopping 1h --hop 1m '$F'"
	printf '  => hopping 1h/1m costs %sx tumbling 1h (CPU %sx; target <= 2.5x)\n' \
		"$(quot "$SECS" "$tumbling_secs")" "$(quot "$CPU" "$tumbling_cpu")"
fi
