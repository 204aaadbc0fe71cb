# sx-select part of make bench (sourced by tests/bench.sh: $B, $N, measure, ratio).
# 1. WHERE and a three-field SELECT against the same filter and projection in
#    jq and in Miller.  Targets: >= 10x jq, >= 20x mlr.
# 2. LAG per device over 5 minutes against jq's plain parse and print (jq has
#    no event-time analytic functions).  Target: >= 5x.
F="$B/events.ndjson"
measure "sx-select --where ... --select 3 fields" \
	"sx-select --where \"temperature > 25 AND status = 'ok'\" --select 'deviceId, temperature, ts' '$F'"
sx_secs=$SECS
measure "jq -c 'select(...) | {3 fields}'" \
	"jq -c 'select(.temperature > 25 and .status == \"ok\") | {deviceId, temperature, ts}' '$F'"
ratio "$sx_secs" "$SECS" "sx-select vs jq (target >= 10x)"
measure "mlr filter then cut" \
	"mlr --ijson --ojsonl filter '\$temperature > 25 && \$status == \"ok\"' then cut -o -f deviceId,temperature,ts '$F'"
ratio "$sx_secs" "$SECS" "sx-select vs mlr (target >= 20x)"
measure "sx-select LAG(temperature) per device, 5 minutes" \
	"sx-select -t ts --select 'deviceId, temperature, LAG(temperature) OVER (PARTITION BY deviceId LIMIT DURATION(minute, 5)) AS previous' '$F'"
lag_secs=$SECS
measure "jq -c . (parse + print only)" "jq -c . '$F'"
ratio "$lag_secs" "$SECS" "sx-select LAG vs jq -c . (target >= 5x)"
