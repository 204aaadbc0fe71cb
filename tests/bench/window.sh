# sx-window part of make bench (sourced by tests/bench.sh: $B, $N, measure, ratio).
# 1. Tumbling 1m per deviceId (1,000 devices), count/avg/max, against jq -c .
#    (parse and print only: a floor, not the same work) and the equivalent
#    Miller pipeline (minute bucket, then stats1 by bucket and device).
#    Targets: >= 10x jq, >= 50x mlr, peak memory < 64 MB.
# 2. Hopping 1h/1m against tumbling 1h, same aggregates: the panes keep the
#    hopping cost near tumbling's plus the 60x larger output (target < 3x).
F="$B/events.ndjson"
AGG="-a 'count()' -a 'avg(temperature)' -a 'max(temperature)'"
measure "sx-window --tumbling 1m -g deviceId" "sx-window --tumbling 1m -t ts -g deviceId $AGG '$F'"
sx_secs=$SECS sx_mb=$PEAK_MB
measure "jq -c . (parse + print, no grouping)" "jq -c . '$F'"
ratio "$sx_secs" "$SECS" "sx-window vs jq -c . (target >= 10x)"
# (mlr --ijsonl was measured no faster than --ijson here, Miller 6.6, 100K
# events: same output, same ~3 s and ~600 MB; it stays --ijson.)
measure "mlr put bucket then stats1 count,mean,max" \
	"mlr --ijson --ojsonl put '\$bucket = sub(\$ts, \":[0-9.]*Z\$\", \"\")' then stats1 -a count,mean,max -f temperature -g bucket,deviceId '$F'"
ratio "$sx_secs" "$SECS" "sx-window vs mlr (target >= 50x)"
echo "  => sx-window peak memory: $sx_mb MB (target < 64 MB)"
measure "sx-window --tumbling 1h -g deviceId" "sx-window --tumbling 1h -t ts -g deviceId $AGG '$F'"
tumbling_secs=$SECS
measure "sx-window --hopping 1h --hop 1m -g deviceId" "sx-window --hopping 1h --hop 1m -t ts -g deviceId $AGG '$F'"
printf '  => hopping 1h/1m costs %.1fx tumbling 1h (target < 3x)\n' "$(echo "$SECS / $tumbling_secs" | bc -l)"
